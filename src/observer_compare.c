/*
 * observer_compare.c - the comparison of the two descriptions as an observer (nnq/observer.h):
 * at every row it reads the reference's view (psi_S) and the Madelung description's (p_M,
 * j_M, u_M and F_M) and writes the divergence metrics of nnq/compare.h and the Madelung
 * state's own quantities (mass, momentum, held fraction, curl, components, entropy, Fisher
 * information); NaN (components 0) once the Madelung description has ended. Its part of the
 * summary: the largest held fraction, and the largest divergences before and from the time psi
 * first had a node or vortex (set by the reference's summarize, before the observers').
 *
 * It has no state of its own to carry across a stop (the reconstruction of F_M and its
 * initial correction are the Madelung description's), no snapshot fields and no group.
 */
#include <assert.h>
#include <math.h>
#include <stdlib.h>

#include "nnq/compare.h"
#include "nnq/madelung.h"
#include "nnq/observer.h"
#include "nnq/par.h"
#include "nnq/run.h"

/* Invariants: cmp is made on env.g for the Madelung description's floor. */
struct compare {
    struct nnq_stepper_env env;
    struct nnq_compare *cmp;
};

/* Its columns; the first four are the divergences the summary keeps. */
static const enum nnq_diag_column columns[] = {
    NNQ_DIAG_div_p_l1,           NNQ_DIAG_div_F,
    NNQ_DIAG_div_j_l1,           NNQ_DIAG_infidelity,
    NNQ_DIAG_madelung_curl,      NNQ_DIAG_madelung_mass,
    NNQ_DIAG_madelung_momentum0, NNQ_DIAG_madelung_momentum1,
    NNQ_DIAG_madelung_momentum2, NNQ_DIAG_madelung_entropy,
    NNQ_DIAG_madelung_fisher,    NNQ_DIAG_madelung_held,
    NNQ_DIAG_components};
enum { ncolumns = sizeof columns / sizeof columns[0] };

static int wanted(const struct nnq_config *cfg) { return cfg->madelung_enabled; }

static void destroy(void *self) {
    struct compare *x = self;
    if (!x)
        return;
    nnq_compare_destroy(x->cmp);
    free(x);
}

static enum nnq_status create(const struct nnq_stepper_env *env, void **self, struct nnq_err *err) {
    *self = NULL;
    const struct nnq_config *cfg = env->cfg;
    struct compare *x = calloc(1, sizeof *x);
    enum nnq_status rc =
        nnq_par_agree(x ? NNQ_OK : nnq_err_set(err, NNQ_ERR_RUNTIME, "out of memory"), err);
    if (rc != NNQ_OK) {
        free(x);
        return rc;
    }
    x->env = *env;
    rc = nnq_compare_create(env->g, cfg->hbar, cfg->particle_mass, nnq_madelung_floor(cfg),
                            env->threads, (enum nnq_planner)cfg->run_planner, &x->cmp, err);
    if (nnq_par_agree(rc, err) != NNQ_OK) {
        destroy(x);
        return err->code;
    }
    *self = x;
    return NNQ_OK;
}

static void sample(void *self, const struct nnq_view *ref, struct nnq_diag_row *row) {
    struct compare *x = self;
    assert(x && x->cmp);
    double *r = row->value;
    struct nnq_view m;
    const int found = nnq_stepper_view(&x->env, "madelung", &m);
    assert(found);
    (void)found;
    if (m.ended) {
        for (int k = 0; k < ncolumns; k++)
            r[columns[k]] = NAN;
        r[NNQ_DIAG_components] = 0; /* an integer column */
        return;
    }
    struct nnq_divergence d;
    nnq_compare_run(x->cmp, ref, &m, &d);
    r[NNQ_DIAG_div_p_l1] = d.div_p_l1;
    r[NNQ_DIAG_div_F] = d.div_F;
    r[NNQ_DIAG_div_j_l1] = d.div_j_l1;
    r[NNQ_DIAG_infidelity] = d.infidelity;
    r[NNQ_DIAG_madelung_curl] = d.curl;
    r[NNQ_DIAG_madelung_mass] = d.mass;
    for (int a = 0; a < 3; a++)
        r[NNQ_DIAG_madelung_momentum0 + a] = d.momentum[a];
    r[NNQ_DIAG_components] = (double)d.components;
    r[NNQ_DIAG_madelung_held] = d.held;
    r[NNQ_DIAG_madelung_entropy] = d.entropy;
    r[NNQ_DIAG_madelung_fisher] = d.fisher;
}

static void summarize(void *self, const struct nnq_diag_row *row, struct nnq_summary *sum) {
    (void)self;
    const double held = row->value[NNQ_DIAG_madelung_held];
    if (isnan(sum->held) || held > sum->held)
        sum->held = held;
    double *worst = isnan(sum->t_multivalued) ? sum->div_before : sum->div_after;
    for (int k = 0; k < 4; k++)
        if (isnan(worst[k]) || row->value[columns[k]] > worst[k])
            worst[k] = row->value[columns[k]];
}

static void memory(const struct nnq_config *cfg, int time_dependent, int threads, size_t *per_point,
                   double *fixed) {
    (void)time_dependent;
    (void)threads;
    *per_point = nnq_compare_bytes_per_point(cfg->dims);
    *fixed = nnq_compare_fixed_bytes(cfg->dims, cfg->n);
}

const struct nnq_observer_ops nnq_observer_compare = {
    .name = "compare",
    .group = {NULL, NULL, 0, NULL},
    .wanted = wanted,
    .create = create,
    .sample = sample,
    .summarize = summarize,
    .memory = memory,
    .destroy = destroy,
};
