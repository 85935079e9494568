/*
 * madelung_reconstruct.c - the momentum form's reconstruction (src/madelung_kernels.h): the
 * MUSCL face states are a cell's value plus or minus half its limited slope; this file gives
 * the half slopes of a run of cells, one kernel per limiter (src/limiter.h).
 *
 * Reference: B. van Leer, J. Comput. Phys. 32, 101 (1979).
 */
#include "limiter.h"
#include "madelung_kernels.h"
#include "simd.h"

static inline __attribute__((always_inline)) void slopes(enum nnq_limiter lim, ptrdiff_t cnt,
                                                         const double *m1, const double *c0,
                                                         const double *p1, double *s) {
#pragma omp simd
    for (ptrdiff_t i = 0; i < cnt; i++)
        s[i] = half_slope(lim, c0[i] - m1[i], p1[i] - c0[i]);
}

#define NNQ_SLOPES(lim)                                                                            \
    NNQ_CLONES static void slopes_##lim(ptrdiff_t cnt, const double *m1, const double *c0,         \
                                        const double *p1, double *s) {                             \
        slopes(NNQ_LIMITER_##lim, cnt, m1, c0, p1, s);                                             \
    }
NNQ_SLOPES(VANLEER)
NNQ_SLOPES(MINMOD)
NNQ_SLOPES(NONE)
NNQ_SLOPES(MC)

const nnq_madelung_slopes_fn nnq_madelung_slopes[4] = {[NNQ_LIMITER_VANLEER] = slopes_VANLEER,
                                                       [NNQ_LIMITER_MINMOD] = slopes_MINMOD,
                                                       [NNQ_LIMITER_NONE] = slopes_NONE,
                                                       [NNQ_LIMITER_MC] = slopes_MC};
