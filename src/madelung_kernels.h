/*
 * madelung_kernels.h - (inside the library) the momentum form's kernels on runs of cells, one
 * file per part, as finite-volume codes keep them (Athena++: a file per reconstruction and per
 * Riemann solver; the time integrator apart):
 *
 *   reconstruction    src/madelung_reconstruct.c  MUSCL half slopes, by [madelung] limiter
 *                                                 (the limiters: src/limiter.h)
 *   fluxes            src/madelung_flux.c         Rusanov / HLL fluxes of the face states,
 *                                                 plus the quantum stress (src/madelung_stress.h)
 *   time integration  src/ssprk3.h                SSP-RK3's stages, shared with the potential
 *                                                 form (src/madelung_potential.c)
 *   the sweep         src/madelung.c              the memory layout, the halo rows, the lines
 *                                                 it hands these kernels, the sub-steps
 *
 * Each kernel is compiled once per variant (limiter; flux, dimension and axis), with its
 * constants folded in and with AVX2 and AVX-512 clones (simd.h); the sweep calls it through
 * the tables below on runs of up to a chunk of cells, so that the sweep itself is compiled
 * once per dimension, not per variant. A new limiter or flux is a kernel in its file and a
 * row of its table.
 */
#ifndef NNQ_MADELUNG_KERNELS_H
#define NNQ_MADELUNG_KERNELS_H

#include <stddef.h>

#include "nnq/config.h"

/* The faces of a run along axis a: cells A (below each face) and B (above it) as parallel
 * arrays, one element per face. */
struct nnq_madelung_faces {
    const double *pA, *pB, *spA, *spB;             /* p and its half slopes */
    const double *uA[3], *uB[3], *suA[3], *suB[3]; /* velocities and their half slopes */
    const double *lm, *lA, *lB, *lp;               /* ln p at A - 1, A, B, B + 1 */
    const double *gA[3], *gB[3];                   /* d_k ln p (k != a): the cross stress */
    double *F[4];                                  /* out: fluxes of p, j_0 .. j_{d-1} */
};

/* s[i] = half the limited slope of cell c0[i] between m1[i] and p1[i], for cnt cells. */
typedef void (*nnq_madelung_slopes_fn)(ptrdiff_t cnt, const double *m1, const double *c0,
                                       const double *p1, double *s);

/* f->F[q][i] = the flux of component q through face i of cnt faces: the advective flux
 * (p u_a, j u_a) of the MUSCL face states, signal speeds widened by c, plus the quantum stress
 * with coefficient `stress` (-hbar^2 / 4 m^2; 0: the classical limit); inv_dq = 1 / dq_a. */
typedef void (*nnq_madelung_faces_fn)(ptrdiff_t cnt, const struct nnq_madelung_faces *f, double c,
                                      double stress, double inv_dq);

/* [enum nnq_limiter] */
extern const nnq_madelung_slopes_fn nnq_madelung_slopes[4];
/* [enum nnq_flux][d - 1][axis] */
extern const nnq_madelung_faces_fn nnq_madelung_fluxes[2][3][3];

#endif
