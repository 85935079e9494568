/* diagnostics.c - diagnostics rows (see include/nnq/diagnostics.h). */
#include "nnq/diagnostics.h"

#include <math.h>

#include "nnq/par.h"
#include "simd.h"

static const struct nnq_diag_column_info columns[NNQ_DIAG_COUNT] = {
#define NNQ_X_DIAG_INFO(name, is_int, min_dims, max_dims, part, doc)                               \
    {#name, is_int, min_dims, max_dims, part, doc},
    NNQ_DIAG_COLUMNS(NNQ_X_DIAG_INFO)
#undef NNQ_X_DIAG_INFO
};

const struct nnq_diag_column_info *nnq_diag_column(enum nnq_diag_column c) { return &columns[c]; }

unsigned nnq_diag_parts(const struct nnq_config *cfg) {
    return (cfg->madelung_enabled ? NNQ_PART_MADELUNG : 0u) |
           (cfg->grid_boundary == NNQ_BOUNDARY_ABSORBING ? NNQ_PART_ABSORB : 0u) |
           (cfg->classical_enabled ? NNQ_PART_CLASSICAL : 0u) |
           (cfg->trajectories_count > 0 ? cfg->trajectories_kinds << 1 : 0u);
}

int nnq_diag_present(enum nnq_diag_column c, int dims, unsigned parts) {
    const struct nnq_diag_column_info *ci = &columns[c];
    return dims >= ci->min_dims && dims <= ci->max_dims && (!ci->part || (parts & ci->part));
}

void nnq_diag_clear(struct nnq_diag_row *row, double t, long step) {
    for (int c = 0; c < NNQ_DIAG_COUNT; c++)
        row->value[c] = NAN;
    row->value[NNQ_DIAG_t] = t;
    row->value[NNQ_DIAG_step] = (double)step;
}

double nnq_diag_edge_density(const struct nnq_grid *g, const double complex *psi) {
    const ptrdiff_t n1 = g->n[1], n2 = g->n[2];
    double edge = 0, top = nnq_simd_max_density((const double *)psi, g->local_size);
    for (ptrdiff_t i0 = 0; i0 < g->local_n0; i0++) {
        const ptrdiff_t c0 = g->local_0_start + i0;
        const int face0 = c0 == 0 || c0 == g->n[0] - 1;
        for (ptrdiff_t i1 = 0; i1 < n1; i1++) {
            const double *row = (const double *)(psi + (i0 * n1 + i1) * n2);
            if (face0 || (g->dims >= 2 && (i1 == 0 || i1 == n1 - 1)))
                edge = fmax(edge, nnq_simd_max_density(row, n2));
            else if (g->dims == 3) /* the row's two ends */
                edge = fmax(edge, fmax(nnq_simd_max_density(row, 1),
                                       nnq_simd_max_density(row + 2 * (n2 - 1), 1)));
        }
    }
    edge = nnq_par_max(edge);
    top = nnq_par_max(top);
    return top > 0 ? edge / top : 0.0;
}
