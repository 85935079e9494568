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

/* dV/dq at count points q (point-major, the grid's dims values each, anywhere: off the grid)
 * at time t into grad (the same shape), exact where the source has a formula for it (a preset,
 * an expression without L, jumps or spikes: nnq/expr.h); returns 1, or 0 and writes nothing
 * where V is known on the grid only (a file, an expression of L) and must be interpolated.
 * Asked with count 0 whether it has one. Cannot fail. */
int nnq_potential_gradient(const struct nnq_potential *pot, double t, const double *q,
                           ptrdiff_t count, double *grad);

/* 1 when the potential cfg describes has a gradient of its own (nnq_potential_gradient),
 * asked without a grid; 0 when it has none or cannot be made. Cannot fail. */
int nnq_potential_has_gradient(const struct nnq_config *cfg);

/* Bytes its source holds per grid point (tables of V or L). Cannot fail. */
size_t nnq_potential_bytes_per_point(const struct nnq_potential *pot);

/* The most bytes its source holds at once while reading files (0: none). Cannot fail. */
double nnq_potential_read_bytes(const struct nnq_potential *pot);

/* The name of its source ("preset", "expression"). Cannot fail. */
const char *nnq_potential_source(const struct nnq_potential *pot);

/* Frees pot; NULL is a no-op. */
void nnq_potential_destroy(struct nnq_potential *pot);

#endif
