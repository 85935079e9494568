/*
 * madelung_flux.c - the momentum form's fluxes (src/madelung_kernels.h): through each face of
 * a run along axis a, the advective flux (p u_a, j u_a) of the MUSCL face states by Rusanov's
 * or the HLL approximate Riemann solver, plus the quantum stress Sigma_ak (src/madelung_stress.h)
 * at the face's mean density.
 *
 * The signal speeds are widened by c = damping hbar / (m dq_a): the central stress cannot see
 * the grid-scale mode p ~ (-1)^i, and that dissipation, acting on the jumps of the MUSCL states,
 * damps it while keeping the scheme second order (include/nnq/madelung.h).
 *
 * References: V. V. Rusanov, USSR Comput. Math. Math. Phys. 1, 267 (1961); A. Harten, P. D. Lax
 * & B. van Leer, SIAM Rev. 25, 35 (1983).
 */
#include <float.h>
#include <math.h>

#include "madelung_kernels.h"
#include "madelung_stress.h"
#include "simd.h"

/* One component's flux from its face states UL, UR (advected with uL, uR along a): Rusanov
 * with speed s = x, or HLL with sl, sr = x, y and inv = 1 / (sr - sl) (sl <= 0 <= sr). */
static inline double riemann(enum nnq_flux kind, double UL, double UR, double uL, double uR,
                             double x, double y, double inv) {
    const double FL = UL * uL, FR = UR * uR;
    if (kind == NNQ_FLUX_RUSANOV)
        return 0.5 * (FL + FR) - 0.5 * x * (UR - UL);
    /* both arms computed, then chosen: GCC does not speculate arms that could trap, and the
     * loop would not vectorize */
    const double hll = (y * FL - x * FR + x * y * (UR - UL)) * inv, mean = 0.5 * (FL + FR);
    return y - x > 0 ? hll : mean;
}

/*
 * Every component in one loop (kind, d and a are constants where this is inlined, so the loop
 * over components unrolls and the loop over faces vectorizes; the face states stay in
 * registers).
 */
static inline __attribute__((always_inline)) void
face_fluxes(enum nnq_flux kind, int d, int a, ptrdiff_t cnt, const struct nnq_madelung_faces *f,
            double c, double stress, double inv_dq) {
    const double sa = nnq_stress_axial_factor(stress, inv_dq);
    const double sx = nnq_stress_cross_factor(stress, inv_dq);
    const double *pA = f->pA, *pB = f->pB, *spA = f->spA, *spB = f->spB;
    const double *lm = f->lm, *lA = f->lA, *lB = f->lB, *lp = f->lp;
    const double *uA[3], *uB[3], *suA[3], *suB[3], *gA[3], *gB[3];
    double *F[4];
    for (int k = 0; k < 3; k++) {
        /* unused entries point to data, so that every access below is valid */
        const int kk = k < d ? k : a, kg = k < d && k != a ? k : -1;
        uA[k] = f->uA[kk], uB[k] = f->uB[kk], suA[k] = f->suA[kk], suB[k] = f->suB[kk];
        gA[k] = kg >= 0 ? f->gA[kg] : lA, gB[k] = kg >= 0 ? f->gB[kg] : lB;
    }
    for (int q = 0; q < 4; q++)
        F[q] = f->F[q <= d ? q : 0];
#pragma omp simd
    for (ptrdiff_t i = 0; i < cnt; i++) {
        const double pL = pA[i] + spA[i], pR = pB[i] - spB[i];
        const double l = uA[a][i] + suA[a][i], r = uB[a][i] - suB[a][i];
        double x, y = 0, inv = 0;
        if (kind == NNQ_FLUX_RUSANOV) {
            x = (fabs(l) > fabs(r) ? fabs(l) : fabs(r)) + c;
        } else {
            const double sl = (l < r ? l : r) - c, sr = (l > r ? l : r) + c;
            x = sl < 0 ? sl : 0;
            y = sr > 0 ? sr : 0;
            const double den = y - x; /* 0 only when c = 0 and l = r = 0 */
            inv = 1.0 / (den > DBL_MIN ? den : DBL_MIN);
        }
        F[0][i] = riemann(kind, pL, pR, l, r, x, y, inv);
        const double pf = nnq_stress_density(pA[i], pB[i]);
        /* j_k's flux, k < d (written out: GCC leaves an inner loop here unvectorized) */
#define NNQ_JFLUX(k)                                                                               \
    if ((k) < d) {                                                                                 \
        const double UL = pL * (uA[k][i] + suA[k][i]), UR = pR * (uB[k][i] - suB[k][i]);           \
        const double st = (k) == a ? nnq_stress_axial(sa, lm[i], lA[i], lB[i], lp[i])              \
                                   : nnq_stress_cross(sx, gA[k][i], gB[k][i]);                     \
        F[1 + (k)][i] = riemann(kind, UL, UR, l, r, x, y, inv) + pf * st;                          \
    }
        NNQ_JFLUX(0)
        NNQ_JFLUX(1)
        NNQ_JFLUX(2)
#undef NNQ_JFLUX
    }
}

#define NNQ_FACES(flux, d, a)                                                                      \
    NNQ_CLONES static void faces_##flux##_##d##_##a(ptrdiff_t cnt,                                 \
                                                    const struct nnq_madelung_faces *f, double c,  \
                                                    double stress, double inv_dq) {                \
        face_fluxes(NNQ_FLUX_##flux, d, a, cnt, f, c, stress, inv_dq);                             \
    }
#define NNQ_FACES_ALL(flux)                                                                        \
    NNQ_FACES(flux, 1, 0)                                                                          \
    NNQ_FACES(flux, 2, 0)                                                                          \
    NNQ_FACES(flux, 2, 1) NNQ_FACES(flux, 3, 0) NNQ_FACES(flux, 3, 1) NNQ_FACES(flux, 3, 2)
#define NNQ_FACES_ROW(flux)                                                                        \
    {                                                                                              \
        {faces_##flux##_1_0}, {faces_##flux##_2_0, faces_##flux##_2_1},                            \
            {faces_##flux##_3_0, faces_##flux##_3_1, faces_##flux##_3_2},                          \
    }
NNQ_FACES_ALL(RUSANOV)
NNQ_FACES_ALL(HLL)

const nnq_madelung_faces_fn nnq_madelung_fluxes[2][3][3] = {
    [NNQ_FLUX_RUSANOV] = NNQ_FACES_ROW(RUSANOV), [NNQ_FLUX_HLL] = NNQ_FACES_ROW(HLL)};
