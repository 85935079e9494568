/*
 * ssprk3.h - (inside the library) the time integration of both Madelung forms: Shu and
 * Osher's three-stage, third-order strong-stability-preserving Runge-Kutta method, written as
 * the stages a solver takes from U over a (sub-)step h:
 *
 *     out_s = a_s U + b_s (in_s + h L(t + c_s h, in_s)),   s = 0, 1, 2,
 *
 * with in_0 = U, in_s = out_{s-1} and out_2 the new U. Each stage is a convex combination of
 * forward-Euler steps, so a bound that one Euler step keeps (positivity of p under the
 * advective limit) the step keeps.
 *
 * Reference: C.-W. Shu & S. Osher, J. Comput. Phys. 77, 439 (1988).
 */
#ifndef NNQ_SSPRK3_H
#define NNQ_SSPRK3_H

struct nnq_ssprk3_stage {
    double a, b, c;
};

static const struct nnq_ssprk3_stage nnq_ssprk3[3] = {
    {0.0, 1.0, 0.0}, {0.75, 0.25, 1.0}, {1.0 / 3.0, 2.0 / 3.0, 0.5}};

#endif
