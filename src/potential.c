/* potential.c - presets and expressions for V(t, q) (see include/nnq/potential.h). */
#include "nnq/potential.h"

#include <math.h>
#include <stdlib.h>

#include "nnq/expr.h"

/* Invariant: expr != NULL iff kind == NNQ_POT_EXPR. */
struct nnq_potential {
    enum nnq_potential_kind kind;
    int dims;
    double mass, hbar;
    double omega[3], period[3];
    double barrier, wells, depth;
    struct nnq_expr *expr;
};

enum nnq_status nnq_potential_create(const struct nnq_config *cfg, struct nnq_potential **out,
                                     struct nnq_err *err) {
    *out = NULL;
    struct nnq_potential *p = calloc(1, sizeof *p);
    if (!p)
        return nnq_err_set(err, NNQ_ERR_RUNTIME, "out of memory");
    p->kind = cfg->potential_kind;
    p->dims = cfg->dims;
    p->mass = cfg->particle_mass;
    p->hbar = cfg->hbar;
    for (int i = 0; i < 3; i++) {
        p->omega[i] = nnq_list_axis(&cfg->potential_omega, i < cfg->potential_omega.count ? i : 0);
        p->period[i] =
            nnq_list_axis(&cfg->potential_period, i < cfg->potential_period.count ? i : 0);
    }
    p->barrier = cfg->potential_barrier;
    p->wells = cfg->potential_wells;
    p->depth = cfg->potential_depth;
    if (p->kind == NNQ_POT_EXPR) {
        enum nnq_status rc = nnq_expr_create(cfg->potential_V, cfg->dims, &p->expr, err);
        if (rc != NNQ_OK) {
            free(p);
            return nnq_err_prefix(err, "[potential] V: ");
        }
    }
    *out = p;
    return NNQ_OK;
}

static double preset_value(const struct nnq_potential *p, const double *q) {
    double v = 0.0;
    switch (p->kind) {
    case NNQ_POT_HARMONIC:
        for (int i = 0; i < p->dims; i++)
            v += 0.5 * p->mass * p->omega[i] * p->omega[i] * q[i] * q[i];
        return v;
    case NNQ_POT_DOUBLE_WELL: {
        double s = q[0] / p->wells;
        v = p->barrier * (s * s - 1.0) * (s * s - 1.0);
        for (int i = 1; i < p->dims; i++)
            v += 0.5 * p->mass * p->omega[i] * p->omega[i] * q[i] * q[i];
        return v;
    }
    case NNQ_POT_LATTICE:
        for (int i = 0; i < p->dims; i++) {
            double s = sin(M_PI * q[i] / p->period[i]);
            v += p->depth * s * s;
        }
        return v;
    case NNQ_POT_FREE:
    case NNQ_POT_EXPR:
        break;
    }
    return 0.0;
}

enum nnq_status nnq_potential_fill(const struct nnq_potential *pot, const struct nnq_grid *g,
                                   double t, double *V, struct nnq_err *err) {
    ptrdiff_t idx = 0;
    for (ptrdiff_t i0 = 0; i0 < g->local_n0; i0++)
        for (ptrdiff_t i1 = 0; i1 < g->n[1]; i1++)
            for (ptrdiff_t i2 = 0; i2 < g->n[2]; i2++, idx++) {
                double q[3] = {g->q[0][g->local_0_start + i0], g->q[1][i1], g->q[2][i2]};
                double v = pot->expr ? nnq_expr_eval(pot->expr, q, t, pot->hbar, pot->mass)
                                     : preset_value(pot, q);
                if (!isfinite(v))
                    return nnq_err_set(err, NNQ_ERR_CONFIG,
                                       "[potential] V is %g at q = (%g, %g, %g), t = %g: the "
                                       "potential must be finite on the whole grid",
                                       v, q[0], q[1], q[2], t);
                V[idx] = v;
            }
    return NNQ_OK;
}

int nnq_potential_time_dependent(const struct nnq_potential *pot) {
    return pot->expr && nnq_expr_uses_t(pot->expr);
}

void nnq_potential_destroy(struct nnq_potential *pot) {
    if (!pot)
        return;
    nnq_expr_destroy(pot->expr);
    free(pot);
}
