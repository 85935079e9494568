/*
 * diagnostics.h - the rows of /diagnostics, sampled every [run] diag_every steps.
 *
 * The columns are declared once in NNQ_DIAG_COLUMNS:
 *   X(name, is_integer, min_dims, max_dims, part, doc);
 * a column exists in a run when min_dims <= d <= max_dims and, for part != 0, when the run
 * has one of the parts of that mask (NNQ_PART_*: the Madelung solver, trajectories of a kind).
 * Each column is written by the stepper or observer that owns it, in its sample (the
 * Schrodinger description's: nnq_schrodinger_columns; psi's defects: observer_defects.c).
 * Expectation values are divided by the norm; energies are <H> with the kinetic part evaluated
 * spectrally; the divergence metrics are those of compare.h.
 */
#ifndef NNQ_DIAGNOSTICS_H
#define NNQ_DIAGNOSTICS_H

#include <complex.h>

#include "nnq/config.h"
#include "nnq/grid.h"

/* The optional parts of a run that columns belong to. */
#define NNQ_PART_MADELUNG 1u
#define NNQ_PART_BOHM 2u /* trajectories of a kind: NNQ_TRAJ_<kind> << 1 */
#define NNQ_PART_FLUID 4u
#define NNQ_PART_NELSON 8u
#define NNQ_PART_LANGEVIN 16u
#define NNQ_PART_TRAJ 30u
#define NNQ_PART_ABSORB 32u    /* [grid] boundary = absorbing */
#define NNQ_PART_CLASSICAL 64u /* [classical] enabled: the Fokker-Planck description */

#define NNQ_DIAG_COLUMNS(X)                                                                        \
    X(t, 0, 1, 3, 0, "time")                                                                       \
    X(step, 1, 1, 3, 0, "step number")                                                             \
    X(norm, 0, 1, 3, 0, "integral |psi|^2 dq")                                                     \
    X(energy, 0, 1, 3, 0, "<H> = energy_kin + energy_pot")                                         \
    X(energy_kin, 0, 1, 3, 0, "<-(hbar^2/2m) Laplacian>, spectral")                                \
    X(energy_pot, 0, 1, 3, 0, "<V>")                                                               \
    X(q0_mean, 0, 1, 3, 0, "<q0>")                                                                 \
    X(q0_sq_mean, 0, 1, 3, 0, "<q0^2>")                                                            \
    X(q1_mean, 0, 2, 3, 0, "<q1>")                                                                 \
    X(q1_sq_mean, 0, 2, 3, 0, "<q1^2>")                                                            \
    X(q2_mean, 0, 3, 3, 0, "<q2>")                                                                 \
    X(q2_sq_mean, 0, 3, 3, 0, "<q2^2>")                                                            \
    X(node_count, 1, 1, 1, 0, "nodes of psi inside the support (1D)")                              \
    X(vortex_count, 1, 2, 3, 0, "sum of |winding| over plaquettes (2D: vortices)")                 \
    X(vortex_length, 0, 3, 3, 0, "vortex-line length (3D)")                                        \
    X(nodal_edges, 1, 2, 3, 0, "grid edges across which arg psi turns by > pi/2 (nodal lines)")    \
    X(defect_weight, 0, 1, 3, 0, "largest p at a node or vortex / max p (0: none above 1e-10)")    \
    X(edge_density, 0, 1, 3, 0, "largest p on the box's faces / largest p (periodic wrap)")        \
    X(entropy, 0, 1, 3, 0, "-integral p ln p dq (Schrodinger)")                                    \
    X(fisher, 0, 1, 3, 0, "integral |grad p|^2 / p dq (Schrodinger, spectral)")                    \
    X(div_p_l1, 0, 1, 3, 1, "integral |p_S - p_M| dq")                                             \
    X(div_F, 0, 1, 3, 1, "integral p_S |wrap(F_S - F_M - c)| dq / hbar")                           \
    X(div_j_l1, 0, 1, 3, 1, "integral |j_S - j_M| dq")                                             \
    X(infidelity, 0, 1, 3, 1, "1 - |<psi_S|psi_M>|^2")                                             \
    X(madelung_curl, 0, 1, 3, 1, "sqrt(integral p_M |curl(m u)|^2 dq)")                            \
    X(madelung_mass, 0, 1, 3, 1, "integral p_M dq")                                                \
    X(madelung_held, 0, 1, 3, 1, "fraction of p_M where the velocity is held (regularised)")       \
    X(madelung_momentum0, 0, 1, 3, 1, "integral j_M0 dq")                                          \
    X(madelung_momentum1, 0, 2, 3, 1, "integral j_M1 dq")                                          \
    X(madelung_momentum2, 0, 3, 3, 1, "integral j_M2 dq")                                          \
    X(madelung_substeps, 1, 1, 3, 1, "most SSP-RK3 sub-steps per step since the last row")         \
    X(components, 1, 1, 3, 1, "pieces of the Madelung support (p_M >= density_floor max p_M)")     \
    X(madelung_entropy, 0, 1, 3, 1, "-integral p_M ln p_M dq")                                     \
    X(madelung_fisher, 0, 1, 3, 1, "4 integral |grad sqrt p_M|^2 dq (face differences)")           \
    X(bohm_q0, 0, 1, 3, 2, "mean q0 of the bohm trajectories")                                     \
    X(bohm_q1, 0, 2, 3, 2, "mean q1 of the bohm trajectories")                                     \
    X(bohm_q2, 0, 3, 3, 2, "mean q2 of the bohm trajectories")                                     \
    X(fluid_q0, 0, 1, 3, 4, "mean q0 of the madelung trajectories")                                \
    X(fluid_q1, 0, 2, 3, 4, "mean q1 of the madelung trajectories")                                \
    X(fluid_q2, 0, 3, 3, 4, "mean q2 of the madelung trajectories")                                \
    X(nelson_q0, 0, 1, 3, 8, "mean q0 of the nelson trajectories")                                 \
    X(nelson_q1, 0, 2, 3, 8, "mean q1 of the nelson trajectories")                                 \
    X(nelson_q2, 0, 3, 3, 8, "mean q2 of the nelson trajectories")                                 \
    X(langevin_q0, 0, 1, 3, 16, "mean q0 of the langevin walkers")                                 \
    X(langevin_q1, 0, 2, 3, 16, "mean q1 of the langevin walkers")                                 \
    X(langevin_q2, 0, 3, 3, 16, "mean q2 of the langevin walkers")                                 \
    X(traj_substeps, 1, 1, 3, 30,                                                                  \
      "most sub-steps a trajectory took in one step since the last row")                           \
    X(classical_mass, 0, 1, 3, 64, "integral p_C dq (the Fokker-Planck density)")                  \
    X(classical_q0_mean, 0, 1, 3, 64, "<q0> under p_C")                                            \
    X(classical_q0_sq_mean, 0, 1, 3, 64, "<q0^2> under p_C")                                       \
    X(classical_q1_mean, 0, 2, 3, 64, "<q1> under p_C")                                            \
    X(classical_q1_sq_mean, 0, 2, 3, 64, "<q1^2> under p_C")                                       \
    X(classical_q2_mean, 0, 3, 3, 64, "<q2> under p_C")                                            \
    X(classical_q2_sq_mean, 0, 3, 3, 64, "<q2^2> under p_C")                                       \
    X(classical_energy_pot, 0, 1, 3, 64, "<V> under p_C")                                          \
    X(classical_entropy, 0, 1, 3, 64, "-integral p_C ln p_C dq (p_C normalised)")                  \
    X(classical_min, 0, 1, 3, 64, "smallest p_C over largest p_C (positivity: >= 0)")              \
    X(classical_substeps, 1, 1, 3, 64,                                                             \
      "most sub-steps per step since the last row (Fokker-Planck)")                                \
    X(dist_l1, 0, 1, 3, 64, "integral |p_S - p_C| dq, both normalised")                            \
    X(dist_hellinger, 0, 1, 3, 64,                                                                 \
      "sqrt(integral (sqrt p_S - sqrt p_C)^2 dq / 2), both normalised")                            \
    X(dist_kl, 0, 1, 3, 64,                                                                        \
      "integral p_S ln(p_S / p_C) dq, both normalised, p_C floored at 1e-16 of its peak")          \
    X(absorbed, 0, 1, 3, 32, "mass the absorbing layer took up: the initial norm less the norm")

enum nnq_diag_column {
#define NNQ_X_DIAG_ENUM(name, is_int, min_dims, max_dims, part, doc) NNQ_DIAG_##name,
    NNQ_DIAG_COLUMNS(NNQ_X_DIAG_ENUM)
#undef NNQ_X_DIAG_ENUM
        NNQ_DIAG_COUNT
};

struct nnq_diag_column_info {
    const char *name;
    int is_integer;
    int min_dims, max_dims;
    unsigned part; /* 0, or the NNQ_PART_* mask of which the run needs one */
    const char *doc;
};

/* One row: value[c] for every column c (integers stored exactly as doubles). */
struct nnq_diag_row {
    double value[NNQ_DIAG_COUNT];
};

/* Static description of column c. Cannot fail. */
const struct nnq_diag_column_info *nnq_diag_column(enum nnq_diag_column c);

/* The NNQ_PART_* a run of cfg has. Cannot fail. */
unsigned nnq_diag_parts(const struct nnq_config *cfg);

/* 1 when column c is written for a d-dimensional run with these parts. Cannot fail. */
int nnq_diag_present(enum nnq_diag_column c, int dims, unsigned parts);

/* Sets every column of row to NaN but t and step. Cannot fail. */
void nnq_diag_clear(struct nnq_diag_row *row, double t, long step);

/* Above this edge density (see below) nnq warns: |psi| is then above 1e-5 of its peak at the
 * edge. */
#define NNQ_EDGE_DENSITY_WARN 1e-10
/* With an absorbing layer: the largest |psi|^2 on the box's faces over its peak (times the mass
 * left in the box) above which the summary warns that the layer let a packet through: a layer
 * is made to let 1e-3 through one crossing, and what passes a face crosses the opposite layer
 * before it is back in the box (the periodic box's 1e-10 would warn of every run). */
#define NNQ_EDGE_ABSORBED_WARN 1e-3

/* The largest |psi|^2 on the cells at the box's faces over the largest |psi|^2 anywhere (0 for
 * psi = 0). The box is periodic: a state that is not negligible at its edge jumps across the
 * seam, and spectral derivatives (the Madelung solver's initial j, div_j's j_S) ripple at the
 * grid scale (Gibbs) by about that jump, at every resolution. Cannot fail. */
double nnq_diag_edge_density(const struct nnq_grid *grid, const double complex *psi);

#endif
