/*
 * states.h - the lowest eigenstates of the grid Hamiltonian H = -(hbar^2/2m) Lap + V: the
 * equilibrium states of the quantum description, ([run] states, [initial] state).
 *
 * H is the split-step solver's own operator: the Laplacian spectral (the grid's k^2, as the
 * drift factors use it), V on the grid points. Its k lowest eigenpairs are found in two
 * phases:
 *
 *   1. imaginary time with orthogonalisation: a block of m = k + guard states is evolved by
 *      Strang steps exp(-tau V/2) exp(-tau T) exp(-tau V/2), orthonormalised and rotated onto
 *      H's Ritz vectors every 10 steps, with tau = 1 / (theta_{m-1} - min V) from the current
 *      Ritz values (so that a block of 10 steps damps the block's own states by at most e^-10
 *      against each other, and never makes them dependent); it stops when the k lowest Ritz
 *      values move by less than 1e-2 of the block's spread in 10 steps;
 *   2. the split step's stationary states are not H's (they differ by O(tau^2)); LOBPCG makes
 *      them H's: Rayleigh-Ritz in span{X, W, P} with H itself (X the block, P the last change,
 *      W the residuals r = H x - theta x preconditioned by 8 conjugate-gradient steps on
 *      (H - min V + t) w = r, each preconditioned by D^-1/2 (T + t)^-1 D^-1/2, T the kinetic
 *      operator, t the state's kinetic energy, D = 1 + max(V - theta, 0) / t), until every
 *      wanted state's energy is within tol of H's eigenvalue by the bound
 *      |E_j - theta_j| <= ||H x_j - theta_j x_j||^2 / (theta_k - theta_j).
 *
 * H is real symmetric on the grid (V real, the spectral Laplacian even in k): the iteration runs
 * in real arithmetic. Bases are kept orthonormal by projection and SVQB (an eigen-decomposition
 * of the Gram matrix), each done twice; the small dense problems go to LAPACK (dsyev), the
 * block products to BLAS (dgemm). Under mpirun every inner product is summed over the ranks and
 * rank 0's small eigenproblems are broadcast, so the ranks agree.
 *
 * Each state is normalised (integral |phi|^2 dq = 1), real, and its sign fixed: the overlap of
 * phi with exp(sum_a (q_a - c_a) / L_a) (c the box's centre, L its lengths) is positive.
 * The ground state is then positive; a state odd about a symmetric well's centre is positive on
 * the side of larger q, so phi0 + phi1 of a symmetric double well sits in the upper well.
 *
 * References: A. V. Knyazev, SIAM J. Sci. Comput. 23, 517 (2001) (LOBPCG); A. Stathopoulos,
 * K. Wu, SIAM J. Sci. Comput. 23, 2165 (2002) (SVQB); M. P. Teter, M. C. Payne, D. C. Allan,
 * Phys. Rev. B 40, 12255 (1989) (kinetic preconditioning); M. L. Chiofalo, S. Succi,
 * M. P. Tosi, Phys. Rev. E 62, 7438 (2000) (imaginary time with orthogonalisation).
 */
#ifndef NNQ_STATES_H
#define NNQ_STATES_H

#include <complex.h>
#include <stddef.h>

#include "nnq/config.h"
#include "nnq/err.h"
#include "nnq/grid.h"

#define NNQ_STATES_MAX 64

struct nnq_states_params {
    double hbar, mass;
    int count;  /* k, 1 .. NNQ_STATES_MAX, at most the grid's points */
    double tol; /* the energy tolerance of phase 2 */
    long max_iter;
    int threads;
    enum nnq_planner planner;
};

struct nnq_states;

/* Finds the `count` lowest eigenstates of H with the potential V (local_size values of grid g,
 * borrowed; g must outlive the result). Returns NNQ_OK; NNQ_ERR_RUNTIME (memory, FFTW, LAPACK);
 * NNQ_ERR_NUMERIC when the energies are not within tol after max_iter iterations (the message
 * gives the largest error bound) or V is not finite. *out is the caller's (nnq_states_destroy).
 * Collective under mpirun; the ranks agree on the outcome. */
enum nnq_status nnq_states_create(const struct nnq_grid *g, const double *V,
                                  const struct nnq_states_params *par, struct nnq_states **out,
                                  struct nnq_err *err);

/* The number of states. Cannot fail. */
int nnq_states_count(const struct nnq_states *s);

/* State j (< count): local_size values of this rank's slab, normalised over the grid. Owned by
 * s. Cannot fail. */
const double complex *nnq_states_state(const struct nnq_states *s, int j);

/* Energy <phi_j|H|phi_j> of state j; its residual ||H phi_j - E_j phi_j|| (L2 over the box);
 * the bound on |E_j - (H's eigenvalue)| that stopped the iteration. Cannot fail. */
double nnq_states_energy(const struct nnq_states *s, int j);
double nnq_states_residual(const struct nnq_states *s, int j);
double nnq_states_error(const struct nnq_states *s, int j);

/* The imaginary-time steps of phase 1 and the iterations of phase 2. Cannot fail. */
long nnq_states_relax_steps(const struct nnq_states *s);
long nnq_states_iterations(const struct nnq_states *s);

/* Bytes that nnq_states_create allocates per grid point for count states while it works
 * (*work) and keeps (*kept: the states). Cannot fail. */
void nnq_states_bytes_per_point(int count, size_t *work, size_t *kept);

/* Frees s; NULL is a no-op. */
void nnq_states_destroy(struct nnq_states *s);

#endif
