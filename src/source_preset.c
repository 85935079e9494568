/*
 * source_preset.c - the named potentials (nnq/potential.h lists them), m = [particle] mass:
 *   free V = 0; harmonic V = sum m omega_i^2 q_i^2 / 2;
 *   double_well V = barrier ((q0 / wells)^2 - 1)^2 + sum_{i>0} m omega_i^2 q_i^2 / 2;
 *   lattice V = depth sum sin^2(pi q_i / period_i).
 */
#include <math.h>
#include <stdlib.h>

#include "nnq/source.h"

struct preset {
    enum nnq_potential_kind kind;
    int dims;
    double mass;
    double omega[3], period[3];
    double barrier, wells, depth;
};

static double value(const struct preset *p, const double *q) {
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
    case NNQ_POT_FILE:
        break;
    }
    return 0.0;
}

static int gradient(const void *self, double t, const double *q, ptrdiff_t count, double *grad) {
    (void)t;
    const struct preset *p = self;
    for (ptrdiff_t i = 0; i < count; i++) {
        const double *x = q + i * p->dims;
        double *g = grad + i * p->dims;
        for (int a = 0; a < p->dims; a++) {
            const double w2 = p->mass * p->omega[a] * p->omega[a];
            switch (p->kind) {
            case NNQ_POT_HARMONIC:
                g[a] = w2 * x[a];
                break;
            case NNQ_POT_DOUBLE_WELL: {
                const double s = x[0] / p->wells;
                g[a] = a == 0 ? 4.0 * p->barrier * s * (s * s - 1.0) / p->wells : w2 * x[a];
                break;
            }
            case NNQ_POT_LATTICE:
                g[a] = p->depth * M_PI / p->period[a] * sin(2.0 * M_PI * x[a] / p->period[a]);
                break;
            default:
                g[a] = 0.0;
            }
        }
    }
    return 1;
}

static enum nnq_status fill(const void *self, const struct nnq_grid *g, double t, double *V,
                            struct nnq_err *err) {
    (void)t;
    (void)err;
    ptrdiff_t idx = 0;
    for (ptrdiff_t i0 = 0; i0 < g->local_n0; i0++)
        for (ptrdiff_t i1 = 0; i1 < g->n[1]; i1++)
            for (ptrdiff_t i2 = 0; i2 < g->n[2]; i2++, idx++) {
                double q[3] = {g->q[0][g->local_0_start + i0], g->q[1][i1], g->q[2][i2]};
                V[idx] = value(self, q);
            }
    return NNQ_OK;
}

static int time_dependent(const void *self) {
    (void)self;
    return 0;
}

static size_t bytes_per_point(const void *self) {
    (void)self;
    return 0;
}

static const struct nnq_source_ops ops = {fill, time_dependent, bytes_per_point,
                                          free, NULL,           gradient};

static int matches(const struct nnq_config *cfg) {
    return cfg->potential_kind != NNQ_POT_EXPR && cfg->potential_kind != NNQ_POT_FILE;
}

static enum nnq_status create(const struct nnq_config *cfg, const struct nnq_grid *g,
                              const struct nnq_source_ops **out_ops, void **self,
                              struct nnq_err *err) {
    (void)g;
    struct preset *p = calloc(1, sizeof *p);
    if (!p)
        return nnq_err_set(err, NNQ_ERR_RUNTIME, "out of memory");
    p->kind = cfg->potential_kind;
    p->dims = cfg->dims;
    p->mass = cfg->particle_mass;
    for (int i = 0; i < 3; i++) {
        p->omega[i] = nnq_list_axis(&cfg->potential_omega, i < cfg->potential_omega.count ? i : 0);
        p->period[i] =
            nnq_list_axis(&cfg->potential_period, i < cfg->potential_period.count ? i : 0);
    }
    p->barrier = cfg->potential_barrier;
    p->wells = cfg->potential_wells;
    p->depth = cfg->potential_depth;
    *out_ops = &ops;
    *self = p;
    return NNQ_OK;
}

const struct nnq_source_kind nnq_source_preset = {"preset", matches, create};
