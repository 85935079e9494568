/* source_expr.c - V(t, q) as a libmatheval expression in the axes, t, hbar and mass; one that
 * depends on t is held split into time and point factors where its text allows (nnq/expr.h). */
#include <assert.h>
#include <stdlib.h>

#include "nnq/expr.h"
#include "nnq/source.h"

/* Invariant: field is expr on the grid of create (NULL without a grid); grad its gradient
 * (NULL: none, nnq_expr_gradient_create). */
struct expression {
    struct nnq_expr *expr;
    struct nnq_expr_field *field;
    struct nnq_expr_gradient *grad;
};

static enum nnq_status fill(const void *self, const struct nnq_grid *g, double t, double *V,
                            struct nnq_err *err) {
    (void)g;
    (void)err;
    const struct expression *e = self;
    assert(e && e->expr && e->field); /* fill is called only on a grid */
    nnq_expr_field_fill(e->field, t, NULL, V);
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
    nnq_expr_field_destroy(e->field);
    nnq_expr_gradient_destroy(e->grad);
    nnq_expr_destroy(e->expr);
    free(e);
}

static size_t bytes_per_point(const void *self) {
    const struct expression *e = self;
    return sizeof(double) * (size_t)nnq_expr_tables(e->expr);
}

static int gradient(const void *self, double t, const double *q, ptrdiff_t count, double *grad) {
    const struct expression *e = self;
    if (e->grad)
        nnq_expr_gradient_eval(e->grad, t, q, count, grad);
    return e->grad != NULL;
}

static const struct nnq_source_ops ops = {fill,    time_dependent, bytes_per_point,
                                          destroy, NULL,           gradient};

static int matches(const struct nnq_config *cfg) { return cfg->potential_kind == NNQ_POT_EXPR; }

static enum nnq_status create(const struct nnq_config *cfg, const struct nnq_grid *g,
                              const struct nnq_source_ops **out_ops, void **self,
                              struct nnq_err *err) {
    struct expression *e = calloc(1, sizeof *e);
    if (!e)
        return nnq_err_set(err, NNQ_ERR_RUNTIME, "out of memory");
    const struct nnq_expr_vars vars = {{cfg->axis_name[0], cfg->axis_name[1], cfg->axis_name[2]},
                                       0};
    if (nnq_expr_create(cfg->potential_V, cfg->dims, &vars, &e->expr, err) != NNQ_OK) {
        free(e);
        return nnq_err_prefix(err, "[potential] V: ");
    }
    if (g && nnq_expr_field_create(e->expr, g, cfg->hbar, cfg->particle_mass, NULL, &e->field,
                                   err) != NNQ_OK) {
        destroy(e);
        return NNQ_ERR_RUNTIME;
    }
    e->grad =
        nnq_expr_gradient_create(e->expr, cfg->qmin, cfg->qmax, cfg->hbar, cfg->particle_mass);
    *out_ops = &ops;
    *self = e;
    return NNQ_OK;
}

const struct nnq_source_kind nnq_source_expression = {"expression", matches, create};
