/*
 * observer_defects.c - where F = hbar arg(psi) stops being single-valued: psi's nodes (1D),
 * vortices and nodal lines (2D, 3D) and their weight (nnq/multivalued.h), read off the
 * reference's view at each row; in the summary, when psi first had one (t_multivalued) and
 * the floors of the defect weight and the levels of the descriptions' divergence that the
 * parting passed (nnq/parting.h).
 *
 * First in nnq_observers[]: the comparison's summary splits its divergences at t_multivalued,
 * which this observer's summary sets for the row before. Whoever reads defect_weight of a row
 * (the Madelung description weighs its end with it) reads it after every sample: in check or
 * summarize.
 */
#include <math.h>
#include <stdlib.h>

#include "nnq/multivalued.h"
#include "nnq/observer.h"
#include "nnq/par.h"
#include "nnq/parting.h"
#include "nnq/run.h"

/* Invariant: env's grid and config are the run's. */
struct defects {
    struct nnq_stepper_env env;
};

static int wanted(const struct nnq_config *cfg) {
    (void)cfg;
    return 1;
}

static enum nnq_status create(const struct nnq_stepper_env *env, void **self, struct nnq_err *err) {
    struct defects *x = calloc(1, sizeof *x);
    const enum nnq_status rc =
        nnq_par_agree(x ? NNQ_OK : nnq_err_set(err, NNQ_ERR_RUNTIME, "out of memory"), err);
    if (rc != NNQ_OK) {
        free(x);
        return rc;
    }
    x->env = *env;
    *self = x;
    return NNQ_OK;
}

/* Its columns: node_count (1D) or vortex_count, vortex_length, nodal_edges, defect_weight;
 * none (NaN) where the reference has no psi. */
static void sample(void *self, const struct nnq_view *ref, struct nnq_diag_row *row) {
    const struct defects *x = self;
    const struct nnq_config *cfg = x->env.cfg;
    const struct nnq_grid *g = x->env.g;
    if (!ref->psi)
        return;
    struct nnq_multivalued mv;
    nnq_multivalued_detect(g, ref->psi, cfg->defects_support_floor, cfg->defects_node_depth, &mv);
    double *v = row->value;
    v[g->dims == 1 ? NNQ_DIAG_node_count : NNQ_DIAG_vortex_count] = (double)mv.count;
    v[NNQ_DIAG_vortex_length] = mv.length;
    v[NNQ_DIAG_nodal_edges] = (double)mv.edges;
    v[NNQ_DIAG_defect_weight] = mv.weight;
}

/* When psi first had a node or vortex, and the parting's floors and levels (read off the
 * row: nnq/parting.h). */
static void summarize(void *self, const struct nnq_diag_row *row, struct nnq_summary *sum) {
    const struct defects *x = self;
    const double *v = row->value;
    const double defects = x->env.g->dims == 1 ? v[NNQ_DIAG_node_count]
                                               : v[NNQ_DIAG_vortex_count] + v[NNQ_DIAG_nodal_edges];
    if (isnan(sum->t_multivalued) && defects > 0)
        sum->t_multivalued = v[NNQ_DIAG_t];
    nnq_parting_track(&sum->parting, row);
}

const struct nnq_observer_ops nnq_observer_defects = {
    .name = "defects",
    .group = {NULL, NULL, 0, NULL},
    .wanted = wanted,
    .create = create,
    .sample = sample,
    .summarize = summarize,
    .destroy = free, /* no memory: the detection reads psi and the grid's halo row in place */
};
