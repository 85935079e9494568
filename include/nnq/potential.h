/*
 * potential.h - the potential V(t, q) (the loss landscape of the paper), preset or expression.
 *
 * Presets (m = [particle] mass):
 *   free         V = 0
 *   harmonic     V = sum_i m omega_i^2 q_i^2 / 2
 *   double_well  V = barrier ((q0 / wells)^2 - 1)^2 + sum_{i>0} m omega_i^2 q_i^2 / 2
 *   lattice      V = depth sum_i sin^2(pi q_i / period_i)
 * An expression may depend on t; then the Schrodinger solver re-evaluates it at each kick.
 */
#ifndef NNQ_POTENTIAL_H
#define NNQ_POTENTIAL_H

#include "nnq/config.h"
#include "nnq/err.h"
#include "nnq/grid.h"

struct nnq_potential;

/* Builds the potential that cfg describes on grid g (borrowed; NULL when only its properties
 * are asked for), from the first source of the registry (nnq/source.h) that cfg asks for;
 * cfg is copied from as needed, not kept. Returns NNQ_OK, NNQ_ERR_CONFIG (expression fails
 * to compile, ...) or NNQ_ERR_RUNTIME. */
enum nnq_status nnq_potential_create(const struct nnq_config *cfg, const struct nnq_grid *g,
                                     struct nnq_potential **out, struct nnq_err *err);

/* Fills V (grid->local_size values, the local slab) at time t.
 * Returns NNQ_OK, or NNQ_ERR_CONFIG naming the first point where V is NaN or infinite. */
enum nnq_status nnq_potential_fill(const struct nnq_potential *pot, const struct nnq_grid *grid,
                                   double t, double *V, struct nnq_err *err);

/* 1 when V depends on t. Cannot fail. */
int nnq_potential_time_dependent(const struct nnq_potential *pot);

/* Bytes its source holds per grid point (tables of V or L). Cannot fail. */
size_t nnq_potential_bytes_per_point(const struct nnq_potential *pot);

/* The most bytes its source holds at once while reading files (0: none). Cannot fail. */
double nnq_potential_read_bytes(const struct nnq_potential *pot);

/* The name of its source ("preset", "expression"). Cannot fail. */
const char *nnq_potential_source(const struct nnq_potential *pot);

/* Frees pot; NULL is a no-op. */
void nnq_potential_destroy(struct nnq_potential *pot);

/* The absorbing layer's width along axis a (cfg's, or 1/8 of the box). Cannot fail. */
double nnq_potential_absorber_width(const struct nnq_config *cfg, int a);

/* The wave number along axis a above which one crossing of the layer of strength c lets more
 * than 1e-3 of the density through: it transmits exp(-2 c / (3 k w)) of a wave of number k (w
 * the width), so fast packets pass it and, the box being periodic beyond it, come back at the
 * opposite face. Cannot fail. */
double nnq_potential_absorber_cutoff(const struct nnq_config *cfg, int a, double c);

/*
 * The absorbing layer of [grid] boundary = absorbing, the imaginary part of the potential
 * V - i W: W = c (hbar^2 / m w^2) sum_a (d_a / w_a)^2 on this rank's slab (local_size values),
 * d_a the depth into the layer of width w_a at the faces of axis a (0 outside), c =
 * absorb_strength. psi then decays there by exp(-W dt / hbar) a step, the density by twice
 * that. Returns 1 and fills W, or 0 (W untouched) for a periodic box. Cannot fail.
 */
int nnq_potential_absorber(const struct nnq_config *cfg, const struct nnq_grid *g, double *W);

/*
 * The strength of [grid] absorb_strength = 0 for the state psi (this rank's slab, local_size
 * values) in V (t = 0): the smallest c for which one crossing of the layer lets through at most
 * 1e-3 of the fastest wave that reaches it, k = sqrt(max(k_s^2, 2 m (E - V_l) / hbar^2)). k_s
 * is the largest local wave number |grad psi| / |psi| inside the layers where |psi|^2 >= 1e-6
 * of its peak, E the largest hbar^2 k_s^2 / 2m + V there (the energy a part of the packet can
 * bring down to the layer), V_l the smallest V in the layers; on each axis k is at least
 * 2 pi / w (a wavelength per layer) and at most the grid's pi / dq, and c = max over the axes
 * of 3 k w ln(1000) / 2. *k: the largest such k. Returns NNQ_OK or NNQ_ERR_RUNTIME (out of
 * memory, agreed). Collective.
 */
enum nnq_status nnq_potential_absorber_auto(const struct nnq_config *cfg, const struct nnq_grid *g,
                                            const double *V, const double _Complex *psi, double *c,
                                            double *k, struct nnq_err *err);

#endif
