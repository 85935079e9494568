/*
 * initial.h - the initial state psi0 = sqrt(p0) exp(i F0 / hbar).
 *
 * Presets (w = width: the standard deviation of the density along each axis, c = center,
 * P = momentum, so that <q> = c, <(q-c)^2> = w^2 and F0 gains P . (q - c)):
 *   gaussian       psi = prod_i exp(-(q_i - c_i)^2 / (4 w_i^2)) exp(i P.(q - c) / hbar)
 *   superposition  psi = sum_k amplitude_k g_k, g_k a unit-norm gaussian with its own c, w, P
 *   eigenstate     psi = prod_i phi_{n_i}(sqrt(m omega_i / hbar) (q_i - c_i)) exp(i P.(q-c)/hbar),
 *                  phi_n the normalised Hermite functions
 *   vortex         psi = gaussian(c, w, P) prod_k [(x - x_k) + i s_k (y - y_k)]^{|n_k|}
 *                        / (r_k^2 + core^2)^{|n_k|/2},  s_k = sign(n_k), so that
 *                  F = hbar sum_k n_k atan2(y - y_k, x - x_k) + P.(q - c) and
 *                  p = gaussian * prod_k (r_k^2 / (r_k^2 + core^2))^{|n_k|}
 * or expressions p(x,y,z) >= 0 and F(x,y,z), or the eigenstates of H ([initial] state: psi =
 * sum_j amplitude_j exp(i phase_j) phi_j, nnq/states.h), or a file ([initial] file: an nnq output's
 * psi, else its p and F, or datasets p, F on coordinates q0..; resampled when its grid is not this
 * one). The state is scaled to unit norm unless [initial] normalize = false; one from a file
 * only when normalize = true is given.
 */
#ifndef NNQ_INITIAL_H
#define NNQ_INITIAL_H

#include <complex.h>

#include "nnq/config.h"
#include "nnq/err.h"
#include "nnq/grid.h"
#include "nnq/states.h"

/* Fills psi (grid->local_size values) with the initial state of cfg; states: the eigenstates
 * of cfg->states (borrowed), needed only by [initial] state (NULL otherwise).
 * Returns NNQ_OK or NNQ_ERR_CONFIG with a message starting "[initial] ..." for a negative or
 * non-finite density, a non-finite F, or a state of zero norm on the grid. Collective. */
enum nnq_status nnq_initial_fill(const struct nnq_config *cfg, const struct nnq_grid *grid,
                                 const struct nnq_states *states, double complex *psi,
                                 struct nnq_err *err);

/* The most bytes reading cfg's [initial] file takes (the whole state as the file declares it,
 * read as pairs and a part apart), 0 without a file or where the file cannot say (then the
 * run's reading reports it). Opens the file; allocates nothing. Cannot fail. */
double nnq_initial_read_bytes(const struct nnq_config *cfg);

/* psi (grid->local_size values) from cfg's [initial] file, this rank's rows read. Returns NNQ_OK,
 * or NNQ_ERR_CONFIG naming the file and the dataset (not HDF5, no state in it, a snapshot out
 * of range, a wrong rank, a NaN, a negative p, a grid point outside its coordinates),
 * NNQ_ERR_RUNTIME (memory). Not collective (the caller agrees). */
enum nnq_status nnq_initial_read(const struct nnq_config *cfg, const struct nnq_grid *grid,
                                 double complex *psi, struct nnq_err *err);

#endif
