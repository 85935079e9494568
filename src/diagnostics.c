/* diagnostics.c - diagnostics rows (see include/nnq/diagnostics.h). */
#include "nnq/diagnostics.h"

static const struct nnq_diag_column_info columns[NNQ_DIAG_COUNT] = {
#define NNQ_X_DIAG_INFO(name, is_int, min_dims, doc) {#name, is_int, min_dims, doc},
    NNQ_DIAG_COLUMNS(NNQ_X_DIAG_INFO)
#undef NNQ_X_DIAG_INFO
};

const struct nnq_diag_column_info *nnq_diag_column(enum nnq_diag_column c) { return &columns[c]; }

void nnq_diag_sample(struct nnq_schrodinger *s, double t, long step, struct nnq_diag_row *row) {
    struct nnq_observables o;
    nnq_schrodinger_observe(s, &o);
    double *v = row->value;
    v[NNQ_DIAG_t] = t;
    v[NNQ_DIAG_step] = (double)step;
    v[NNQ_DIAG_norm] = o.norm;
    v[NNQ_DIAG_energy] = o.energy;
    v[NNQ_DIAG_energy_kin] = o.ekin;
    v[NNQ_DIAG_energy_pot] = o.epot;
    for (int a = 0; a < 3; a++) {
        v[NNQ_DIAG_q0_mean + 2 * a] = o.q_mean[a];
        v[NNQ_DIAG_q0_sq_mean + 2 * a] = o.q2_mean[a];
    }
}
