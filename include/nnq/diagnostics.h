/*
 * diagnostics.h - the rows of /diagnostics, sampled every [run] diag_every steps.
 *
 * The columns are declared once in NNQ_DIAG_COLUMNS: X(name, is_integer, min_dims, doc);
 * a column exists in a run when the grid has at least min_dims axes. Expectation values are
 * divided by the norm; energies are <H> with the kinetic part evaluated spectrally.
 */
#ifndef NNQ_DIAGNOSTICS_H
#define NNQ_DIAGNOSTICS_H

#include "nnq/schrodinger.h"

#define NNQ_DIAG_COLUMNS(X)                                                                        \
    X(t, 0, 1, "time")                                                                             \
    X(step, 1, 1, "step number")                                                                   \
    X(norm, 0, 1, "integral |psi|^2 dq")                                                           \
    X(energy, 0, 1, "<H> = energy_kin + energy_pot")                                               \
    X(energy_kin, 0, 1, "<-(hbar^2/2m) Laplacian>, spectral")                                      \
    X(energy_pot, 0, 1, "<V>")                                                                     \
    X(q0_mean, 0, 1, "<q0>")                                                                       \
    X(q0_sq_mean, 0, 1, "<q0^2>")                                                                  \
    X(q1_mean, 0, 2, "<q1>")                                                                       \
    X(q1_sq_mean, 0, 2, "<q1^2>")                                                                  \
    X(q2_mean, 0, 3, "<q2>")                                                                       \
    X(q2_sq_mean, 0, 3, "<q2^2>")

enum nnq_diag_column {
#define NNQ_X_DIAG_ENUM(name, is_int, min_dims, doc) NNQ_DIAG_##name,
    NNQ_DIAG_COLUMNS(NNQ_X_DIAG_ENUM)
#undef NNQ_X_DIAG_ENUM
        NNQ_DIAG_COUNT
};

struct nnq_diag_column_info {
    const char *name;
    int is_integer;
    int min_dims;
    const char *doc;
};

/* One row: value[c] for every column c (integers stored exactly as doubles). */
struct nnq_diag_row {
    double value[NNQ_DIAG_COUNT];
};

/* Static description of column c. Cannot fail. */
const struct nnq_diag_column_info *nnq_diag_column(enum nnq_diag_column c);

/* Samples the solver's current state at time t, step `step` into *row. Cannot fail. */
void nnq_diag_sample(struct nnq_schrodinger *s, double t, long step, struct nnq_diag_row *row);

#endif
