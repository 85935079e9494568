/* source_expr.c - V(t, q) as a libmatheval expression in the axes, t, hbar and mass. */
#include <stdlib.h>

#include "nnq/expr.h"
#include "nnq/source.h"

struct expression {
    double mass, hbar;
    struct nnq_expr *expr;
};

static enum nnq_status fill(const void *self, const struct nnq_grid *g, double t, double *V,
                            struct nnq_err *err) {
    (void)err;
    const struct expression *e = self;
    ptrdiff_t idx = 0;
    for (ptrdiff_t i0 = 0; i0 < g->local_n0; i0++)
        for (ptrdiff_t i1 = 0; i1 < g->n[1]; i1++)
            for (ptrdiff_t i2 = 0; i2 < g->n[2]; i2++, idx++) {
                double q[3] = {g->q[0][g->local_0_start + i0], g->q[1][i1], g->q[2][i2]};
                V[idx] = nnq_expr_eval(e->expr, q, t, e->hbar, e->mass, 0.0);
            }
    return NNQ_OK;
}

static int time_dependent(const void *self) {
    const struct expression *e = self;
    return nnq_expr_uses_t(e->expr);
}

static void destroy(void *self) {
    struct expression *e = self;
    if (!e)
        return;
    nnq_expr_destroy(e->expr);
    free(e);
}

static const struct nnq_source_ops ops = {fill, time_dependent, destroy};

static int matches(const struct nnq_config *cfg) { return cfg->potential_kind == NNQ_POT_EXPR; }

static enum nnq_status create(const struct nnq_config *cfg, const struct nnq_grid *g,
                              const struct nnq_source_ops **out_ops, void **self,
                              struct nnq_err *err) {
    (void)g;
    struct expression *e = calloc(1, sizeof *e);
    if (!e)
        return nnq_err_set(err, NNQ_ERR_RUNTIME, "out of memory");
    e->mass = cfg->particle_mass;
    e->hbar = cfg->hbar;
    const struct nnq_expr_vars vars = {{cfg->axis_name[0], cfg->axis_name[1], cfg->axis_name[2]},
                                       0};
    if (nnq_expr_create(cfg->potential_V, cfg->dims, &vars, &e->expr, err) != NNQ_OK) {
        free(e);
        return nnq_err_prefix(err, "[potential] V: ");
    }
    *out_ops = &ops;
    *self = e;
    return NNQ_OK;
}

const struct nnq_source_kind nnq_source_expression = {"expression", matches, create};
