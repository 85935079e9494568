/*
 * compare.h - how far a hydrodynamic (Madelung) description is from the Schrodinger one.
 *
 * Reads both through their views (nnq/view.h): the Schrodinger psi_S and the Madelung p_M, j_M
 * and F_M (and its velocity u_M, for the curl); F_M is the description's own (the potential
 * form) or its least-squares reconstruction (the momentum form: nnq/free_energy.h).
 *
 * The support (p_M >= density_floor max p_M) may fall apart into components separated by vacuum:
 * the constant of each component is not determined by the Madelung state, so the metrics take
 * the best one per component (components beyond NNQ_COMPARE_MAX_COMPONENTS share one), psi_M =
 * sqrt(p_M) exp(i F_M / hbar):
 *
 *   div_p_l1   = integral |p_S - p_M| dq
 *   div_F      = integral p_S |wrap(F_S - F_M - c_k)| dq / hbar, c_k the p_S-weighted circular
 *                mean of F_S - F_M over component k
 *   div_j_l1   = integral |j_S - j_M| dq,  j_S = (hbar/m) Im(conj(psi) grad psi) (spectral)
 *   infidelity = 1 - (sum_k |<psi_S|psi_M>_k|)^2 / (<psi_S|psi_S> <psi_M|psi_M>)
 *   curl       = sqrt(integral p_M |curl(m u_M)|^2 dq), what a single-valued F cannot carry
 *                (0 in 1D)
 *
 * and the Madelung state's own information quantities: entropy -integral p ln p dq and
 * Fisher information integral |grad p|^2 / p dq (central differences).
 *
 * The comparison is the observer "compare" (src/observer_compare.c) of a run with [madelung].
 * Plan / execute / destroy: create allocates its own work arrays and FFT plans (it shares
 * no scratch with the solvers), the rest allocates nothing.
 */
#ifndef NNQ_COMPARE_H
#define NNQ_COMPARE_H

#include "nnq/config.h"
#include "nnq/err.h"
#include "nnq/grid.h"
#include "nnq/view.h"

#define NNQ_COMPARE_MAX_COMPONENTS 64

struct nnq_divergence {
    double div_p_l1, div_F, div_j_l1, infidelity, curl;
    double mass;            /* integral p_M dq */
    double held;            /* the fraction of it where the solver holds the velocity (p_M below
                             * sqrt(density_floor) max p_M: a regularisation, not the equations) */
    double momentum[3];     /* integral j_M dq per axis (0 past d) */
    long components;        /* components of the Madelung support */
    double entropy, fisher; /* of p_M */
};

struct nnq_compare;

/* Builds a comparison on g (borrowed: it must outlive c) for hbar and mass, the support cut
 * at density_floor max p, its transforms planned with `threads` threads and `planner`.
 * Returns NNQ_OK or NNQ_ERR_RUNTIME (memory, FFTW). Collective under mpirun. */
enum nnq_status nnq_compare_create(const struct nnq_grid *g, double hbar, double mass,
                                   double density_floor, int threads, enum nnq_planner planner,
                                   struct nnq_compare **out, struct nnq_err *err);

/* Compares the Schrodinger view s (psi set) with the Madelung view m (p, j, u and F set): fills
 * *d. Collective. Cannot fail. */
void nnq_compare_run(struct nnq_compare *c, const struct nnq_view *s, const struct nnq_view *m,
                     struct nnq_divergence *d);

/* Bytes c allocates besides the per-point arrays, on a grid of n[0..dims) points: halo
 * planes and per-row sums. Cannot fail. */
double nnq_compare_fixed_bytes(int dims, const long *n);

/* Bytes c allocates per grid point in d dimensions. Cannot fail. */
size_t nnq_compare_bytes_per_point(int dims);

/* Frees c; NULL is a no-op. */
void nnq_compare_destroy(struct nnq_compare *c);

#endif
