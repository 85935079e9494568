/*
 * limiter.h - (inside the library) MUSCL slope limiters, shared by the Madelung solvers of
 * both forms (madelung.c, madelung_potential.c): half the limited slope of a cell from its
 * left and right differences a and b (B. van Leer, J. Comput. Phys. 32, 101 (1979)).
 */
#ifndef NNQ_LIMITER_H
#define NNQ_LIMITER_H

#include <float.h>
#include <math.h>

#include "nnq/config.h"

/* vanleer as (a|b| + |a|b) / (|a| + |b|) = 2ab / (a + b) for a, b of one sign and 0 otherwise:
 * no branch and no 0/0 (DBL_MIN), so that the loops over cells vectorize */
static inline double half_slope(enum nnq_limiter lim, double a, double b) {
    switch (lim) {
    case NNQ_LIMITER_VANLEER:
        return (a * fabs(b) + fabs(a) * b) / (2 * (fabs(a) + fabs(b)) + DBL_MIN);
    case NNQ_LIMITER_MINMOD:
        return a * b > 0 ? 0.5 * (fabs(a) < fabs(b) ? a : b) : 0;
    case NNQ_LIMITER_MC: { /* monotonised central: minmod(2a, 2b, (a + b)/2) / 2, no division;
                            * selects, not fmin (a libm call where NaN rules hold) */
        const double fa = fabs(a), fb = fabs(b), c = 0.25 * fabs(a + b);
        const double m = fa < fb ? fa : fb;
        return a * b > 0 ? copysign(c < m ? c : m, a) : 0;
    }
    case NNQ_LIMITER_NONE:
        break;
    }
    return 0;
}

#endif
