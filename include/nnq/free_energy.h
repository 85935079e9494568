/*
 * free_energy.h - the Madelung free energy F_M of a state (p, j) that carries no F of its own
 * (the momentum form): the potential of m u in the p-weighted least-squares sense, on the faces
 * of the grid,
 *
 *     minimise  sum over faces  w |D F - m j_face / w|^2,   w = p_face + eps max p,
 *     i.e.      D^T W D F = D^T (m j_face)       (div(p grad F) = div(m j), discretely)
 *
 * with p_face, j_face the averages of the two cells and eps = 1e-20, solved by conjugate
 * gradients preconditioned by the diagonal (Jacobi) to a residual of 1e-12 of the right-hand
 * side's, warm-started from the last solution (1D: directly). No path of integration enters: a
 * trip through near-empty space between two lobes weighs nothing. To it is added, once for the
 * run, the initial correction R0 = wrap(F_S(0) - F_LS(0)), faded out where p_0 < 1e-16 max
 * p_0: the initial state's phase is known exactly (psi_0), the least-squares reconstruction of
 * it only to O(dq^2), and R0 carries that difference (and an imprinted vortex's winding) so
 * that F_M(0) is F_S(0) to round-off whatever the shape of p and F.
 *
 * The same solve unwraps psi's phase into the initial F of a description that evolves F
 * itself (the potential form).
 *
 * Plan / execute / destroy: create allocates, the rest allocates nothing.
 * References: M. R. Hestenes & E. Stiefel, J. Res. NBS 49, 409 (1952) (conjugate gradients);
 * D. C. Ghiglia & L. A. Romero, J. Opt. Soc. Am. A 11, 107 (1994) (weighted least-squares
 * phase from its gradient).
 */
#ifndef NNQ_FREE_ENERGY_H
#define NNQ_FREE_ENERGY_H

#include <complex.h>
#include <stddef.h>

#include "nnq/err.h"
#include "nnq/grid.h"

struct nnq_free_energy;

/* Builds the solve on g (borrowed: it must outlive f) for hbar and mass, its sums on `threads`
 * threads. Returns NNQ_OK or NNQ_ERR_RUNTIME (memory). Collective under mpirun; the ranks agree
 * on the outcome. */
enum nnq_status nnq_free_energy_create(const struct nnq_grid *g, double hbar, double mass,
                                       int threads, struct nnq_free_energy **out,
                                       struct nnq_err *err);

/* Takes R0 (see above) from the initial state: psi and the (p, j) started from it. Call once,
 * before the first nnq_free_energy_update of a run that is not resumed. Collective. Cannot
 * fail. */
void nnq_free_energy_anchor(struct nnq_free_energy *f, const double complex *psi, const double *p,
                            const double *j);

/* F_M of (p, j): the least-squares potential plus R0, into f's own array (see
 * nnq_free_energy_get). Returns the solve's iterations. Collective. Cannot fail. */
long nnq_free_energy_update(struct nnq_free_energy *f, const double *p, const double *j);

/* F_M as of the last update (local_size values; 0 before the first). Cannot fail. */
const double *nnq_free_energy_get(const struct nnq_free_energy *f);

/* The initial free energy of a description that evolves F itself: F = F_LS + hbar wrap((F_S -
 * F_LS) / hbar), F_LS the least-squares potential of m j weighted by p, into F (local_size
 * values). sqrt(p) exp(i F / hbar) is psi to round-off, and F is smooth wherever psi's phase
 * is; where psi winds (an imprinted vortex) or changes sign (a node), F jumps by up to pi hbar
 * there: the state is multivalued from the start. Collective. Cannot fail. */
void nnq_free_energy_unwrap(struct nnq_free_energy *f, const double complex *psi, const double *p,
                            const double *j, double *F);

/* The least-squares potential and R0: 2 local_size values (writable, for checkpoints: a
 * resumed run goes on from them bit for bit). Cannot fail. */
double *nnq_free_energy_state(struct nnq_free_energy *f);

/* Bytes f allocates per grid point in d dimensions, and besides them (halo planes, per-row
 * sums) on a grid of n[0..dims) points. Cannot fail. */
size_t nnq_free_energy_bytes_per_point(int dims);
double nnq_free_energy_fixed_bytes(int dims, const long *n);

/* Frees f; NULL is a no-op. */
void nnq_free_energy_destroy(struct nnq_free_energy *f);

#endif
