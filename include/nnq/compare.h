/*
 * compare.h - how far a hydrodynamic (Madelung) description is from the Schrodinger one.
 *
 * Reads both through their views (nnq/view.h): the Schrodinger psi_S and the Madelung p_M,
 * j_M and velocity u_M. The Madelung free energy F_M is the potential of m u_M, integrated
 * along grid lines from the densest cell (1D: its integral); psi_M = sqrt(p_M) exp(i F_M/hbar).
 *
 *   div_p_l1   = integral |p_S - p_M| dq
 *   div_F      = integral p_S |wrap(F_S - F_M - c)| dq / hbar, c the p_S-weighted circular
 *                mean of F_S - F_M (the global phase)
 *   div_j_l1   = integral |j_S - j_M| dq,  j_S = (hbar/m) Im(conj(psi) grad psi) (spectral)
 *   infidelity = 1 - |<psi_S|psi_M>|^2 / (<psi_S|psi_S> <psi_M|psi_M>)
 *   curl       = sqrt(integral p_M |curl(m u_M)|^2 dq), what a single-valued F cannot carry
 *                (0 in 1D)
 *
 * Plan / execute / destroy: create allocates its own work arrays and FFT plans (it shares
 * no scratch with the solvers), compare allocates nothing.
 */
#ifndef NNQ_COMPARE_H
#define NNQ_COMPARE_H

#include <complex.h>

#include "nnq/config.h"
#include "nnq/err.h"
#include "nnq/grid.h"
#include "nnq/view.h"

struct nnq_divergence {
    double div_p_l1, div_F, div_j_l1, infidelity, curl;
    double mass;        /* integral p_M dq */
    double momentum[3]; /* integral j_M dq per axis (0 past d) */
};

struct nnq_compare;

/* Builds a comparison on g (borrowed: it must outlive c) for hbar and mass, its transforms
 * planned with `threads` threads and `planner`. Returns NNQ_OK or NNQ_ERR_RUNTIME (memory,
 * FFTW). Collective under mpirun. */
enum nnq_status nnq_compare_create(const struct nnq_grid *g, double hbar, double mass, int threads,
                                   enum nnq_planner planner, struct nnq_compare **out,
                                   struct nnq_err *err);

/* j = (hbar/m) Im(conj(psi) grad psi) (spectral gradient, Nyquist mode dropped), d components
 * of local_size values into c's own array; returns it, valid until the next call into c.
 * Collective. Cannot fail. */
const double *nnq_compare_current(struct nnq_compare *c, const double complex *psi);

/* Compares the Schrodinger view s (psi set) with the Madelung view m (p, j and u set): fills
 * *d and F_M. Collective. Cannot fail. */
void nnq_compare_run(struct nnq_compare *c, const struct nnq_view *s, const struct nnq_view *m,
                     struct nnq_divergence *d);

/* F_M as of the last nnq_compare_run (local_size values; 0 before the first). Cannot fail. */
const double *nnq_compare_free_energy(const struct nnq_compare *c);

/* Bytes c allocates per grid point in d dimensions. Cannot fail. */
size_t nnq_compare_bytes_per_point(int dims);

/* Frees c; NULL is a no-op. */
void nnq_compare_destroy(struct nnq_compare *c);

#endif
