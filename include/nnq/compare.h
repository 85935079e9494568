/*
 * compare.h - how far a hydrodynamic (Madelung) description is from the Schrodinger one.
 *
 * Reads both through their views (nnq/view.h): the Schrodinger psi_S and the Madelung p_M and
 * j_M (and its velocity u_M, for the curl). F_M, the Madelung free energy, is the potential of
 * m u_M in the p-weighted least-squares sense, on the faces of the grid:
 *
 *     minimise  sum over faces  w |D F - m j_face / w|^2,   w = p_face + eps max p,
 *     i.e.      D^T W D F = D^T (m j_face)       (div(p grad F) = div(m j), discretely)
 *
 * with p_face, j_face the averages of the two cells and eps = 1e-20, solved by conjugate
 * gradients preconditioned by the diagonal (Jacobi) to a residual of 1e-12 of the right-hand
 * side's, warm-started from the last solution. No path of integration enters: a trip
 * through near-empty space between two lobes weighs nothing. To it is added, once for the
 * run, the initial correction R0 = wrap(F_S(0) - F_LS(0)), faded out where p_0 < 1e-16 max
 * p_0: the initial state's phase is known exactly (psi_0), the least-squares reconstruction of
 * it only to O(dq^2), and R0 carries that difference (and an imprinted vortex's winding) so
 * that every metric is zero to round-off at t = 0 whatever the shape of p and F; later the
 * comparison measures how the two descriptions moved apart.
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
 * Plan / execute / destroy: create allocates its own work arrays and FFT plans (it shares
 * no scratch with the solvers), the rest allocates nothing.
 */
#ifndef NNQ_COMPARE_H
#define NNQ_COMPARE_H

#include <complex.h>

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
    long iterations;        /* of the least-squares solve */
};

struct nnq_compare;

/* Builds a comparison on g (borrowed: it must outlive c) for hbar and mass, the support cut
 * at density_floor max p, its transforms planned with `threads` threads and `planner`.
 * Returns NNQ_OK or NNQ_ERR_RUNTIME (memory, FFTW). Collective under mpirun. */
enum nnq_status nnq_compare_create(const struct nnq_grid *g, double hbar, double mass,
                                   double density_floor, int threads, enum nnq_planner planner,
                                   struct nnq_compare **out, struct nnq_err *err);

/* j = (hbar/m) Im(conj(psi) grad psi) (spectral gradient, Nyquist mode dropped), d components
 * of local_size values into c's own array; returns it, valid until the next call into c.
 * Collective. Cannot fail. */
const double *nnq_compare_current(struct nnq_compare *c, const double complex *psi);

/* Takes the initial correction R0 (see above) from the initial states: the Schrodinger view s
 * (psi set) and the Madelung view m (p and j set), which was started from it. Call once,
 * before the first nnq_compare_run of a run that is not resumed. Collective. Cannot fail. */
void nnq_compare_anchor(struct nnq_compare *c, const struct nnq_view *s, const struct nnq_view *m);

/* The initial free energy of a description that evolves F itself (the Madelung potential
 * form): F = F_LS + hbar wrap((F_S - F_LS) / hbar), F_LS the least-squares potential of m j
 * weighted by p (as above), into F (local_size values). sqrt(p) exp(i F / hbar) is psi to
 * round-off, and F is smooth wherever psi's phase is; where psi winds (an imprinted vortex) or
 * changes sign (a node), F jumps by up to pi hbar there: the state is multivalued from the
 * start. Collective. Cannot fail. */
void nnq_compare_unwrap(struct nnq_compare *c, const double complex *psi, const double *p,
                        const double *j, double *F);

/* The least-squares potential and the initial correction: 2 local_size values (writable, for
 * checkpoints: a resumed run goes on from them bit for bit). Cannot fail. */
double *nnq_compare_state(struct nnq_compare *c);

/* Compares the Schrodinger view s (psi set) with the Madelung view m (p, j and u set): fills
 * *d and F_M (m->F where the view has it, else the reconstruction above). Collective. Cannot fail.
 */
void nnq_compare_run(struct nnq_compare *c, const struct nnq_view *s, const struct nnq_view *m,
                     struct nnq_divergence *d);

/* F_M as of the last nnq_compare_run (local_size values; 0 before the first). Cannot fail. */
const double *nnq_compare_free_energy(const struct nnq_compare *c);

/* Bytes c allocates besides the per-point arrays, on a grid of n[0..dims) points: halo
 * planes and per-row sums. Cannot fail. */
double nnq_compare_fixed_bytes(int dims, const long *n);

/* Bytes c allocates per grid point in d dimensions. Cannot fail. */
size_t nnq_compare_bytes_per_point(int dims);

/* Frees c; NULL is a no-op. */
void nnq_compare_destroy(struct nnq_compare *c);

#endif
