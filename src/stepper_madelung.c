/*
 * stepper_madelung.c - the Madelung description as a stepper (nnq/stepper.h): the engine of
 * the form [madelung] form names (nnq/madelung.h: `potential` evolves p and F, `momentum` p
 * and j), started from the reference's initial psi (p = |psi|^2; j from psi's spectral
 * gradient, F its least-squares potential unwrapped onto psi's phase) and compared with the
 * reference at every row by the comparison of nnq/compare.h, which also yields F_M for the
 * snapshots (the potential form's own F, the momentum form's reconstruction).
 *
 * A state that stops being valid (negative or not finite: in practice a node or vortex of psi
 * inside the support, where F is multivalued and the fluid has no equation) ends the
 * description with [madelung] on_failure = end: from then on its state and columns are NaN,
 * nothing advances it, and `ended` says when and why, with psi's defect weight at the first
 * row after it, so that the reader can tell the physics (a defect above the form's floor)
 * from the solver. on_failure = stop makes that failure the run's (NNQ_ERR_NUMERIC).
 */
#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nnq/absorber.h"
#include "nnq/compare.h"
#include "nnq/madelung.h"
#include "nnq/par.h"
#include "nnq/run.h"
#include "nnq/stepper.h"

const struct nnq_madelung_form *const nnq_madelung_forms[] = {
    [NNQ_MADELUNG_FORM_POTENTIAL] = &nnq_madelung_potential,
    [NNQ_MADELUNG_FORM_MOMENTUM] = &nnq_madelung_momentum,
};

/* Invariants: m (of form `form`) and cmp are made on env.g; F_M (the snapshots' F) is as of
 * the last sample. t_end is NaN while the description runs; once it ended, m's state is NaN,
 * reason says why and `defect` is psi's defect weight at the first row after the end (NaN
 * until that row). */
struct madelung {
    struct nnq_stepper_env env;
    const struct nnq_madelung_form *form;
    void *m;
    struct nnq_compare *cmp;
    double floor; /* the form's vacuum, relative to max p */
    double t_end, defect;
    char reason[NNQ_ERR_MSG_MAX + 256];
};

enum { FIELD_P, FIELD_F, FIELD_J, FIELDS };

static const struct nnq_field_info fields[FIELDS] = {
    [FIELD_P] = {"p", NNQ_FIELD_REAL, NNQ_FIELD_P},
    [FIELD_F] = {"F", NNQ_FIELD_REAL, NNQ_FIELD_F},
    [FIELD_J] = {"j", NNQ_FIELD_VECTOR, NNQ_FIELD_J},
};

static int wanted(const struct nnq_config *cfg) { return cfg->madelung_enabled; }

static void destroy(void *self) {
    struct madelung *x = self;
    if (!x)
        return;
    nnq_compare_destroy(x->cmp);
    if (x->form)
        x->form->destroy(x->m);
    free(x);
}

static enum nnq_status create(const struct nnq_stepper_env *env, void **self, struct nnq_err *err) {
    *self = NULL;
    const struct nnq_config *cfg = env->cfg;
    struct madelung *x = calloc(1, sizeof *x);
    if (!x) /* the other ranks' agree below */
        return nnq_par_agree(nnq_err_set(err, NNQ_ERR_RUNTIME, "out of memory"), err);
    x->env = *env;
    x->form = nnq_madelung_forms[cfg->madelung_form];
    x->t_end = x->defect = NAN;
    /* each form's own vacuum: the potential form's Q needs a resolved support (docs/theory.md) */
    const double floor = cfg->madelung_form == NNQ_MADELUNG_FORM_POTENTIAL
                             ? cfg->madelung_potential_floor
                             : cfg->madelung_density_floor;
    struct nnq_madelung_params par = {.hbar = cfg->hbar,
                                      .mass = cfg->particle_mass,
                                      .dt = cfg->run_dt,
                                      .limiter = (enum nnq_limiter)cfg->madelung_limiter,
                                      .flux = (enum nnq_flux)cfg->madelung_flux,
                                      .density_floor = floor,
                                      .damping = cfg->madelung_damping,
                                      .classical = !cfg->madelung_quantum,
                                      .threads = env->threads,
                                      .planner = (enum nnq_planner)cfg->run_planner};
    x->floor = floor;
    const size_t local = env->g->local_size > 0 ? (size_t)env->g->local_size : 1;
    double *W =
        cfg->grid_boundary == NNQ_BOUNDARY_ABSORBING ? malloc(sizeof(double) * local) : NULL;
    if (W && nnq_absorber_fill(cfg, env->g, W))
        par.absorb = W;
    /* agreed before the form's create, whose collectives the other ranks would wait in */
    enum nnq_status rc = nnq_par_agree(cfg->grid_boundary == NNQ_BOUNDARY_ABSORBING && !W
                                           ? nnq_err_set(err, NNQ_ERR_RUNTIME, "out of memory")
                                           : NNQ_OK,
                                       err);
    if (rc == NNQ_OK)
        rc = nnq_par_agree(x->form->create(env->g, env->pot, &par, &x->m, err), err);
    free(W);
    if (rc == NNQ_OK)
        rc = nnq_par_agree(nnq_compare_create(env->g, cfg->hbar, cfg->particle_mass, floor,
                                              env->threads, (enum nnq_planner)cfg->run_planner,
                                              &x->cmp, err),
                           err);
    if (rc != NNQ_OK) {
        destroy(x);
        return rc;
    }
    *self = x;
    return NNQ_OK;
}

static enum nnq_status start(void *self, const struct nnq_view *ref, struct nnq_err *err) {
    struct madelung *x = self;
    (void)err;
    struct nnq_view v0 = *ref;
    if (!v0.j)
        v0.j = nnq_compare_current(x->cmp, ref->psi);
    double *F = NULL, *p = NULL;
    if (x->form->components(x->env.g->dims) == 2) { /* evolves F: its initial value */
        const ptrdiff_t n = x->env.g->local_size;
        const size_t bytes = sizeof(double) * (size_t)(n > 0 ? n : 1);
        F = malloc(bytes);
        p = v0.p ? NULL : malloc(bytes);
        /* agreed before the unwrapping's collectives, which a rank without them would not reach */
        const enum nnq_status held = nnq_par_agree(
            F && (v0.p || p) ? NNQ_OK : nnq_err_set(err, NNQ_ERR_RUNTIME, "out of memory"), err);
        if (held != NNQ_OK) {
            free(F);
            free(p);
            return held;
        }
        if (p)
            for (ptrdiff_t i = 0; i < n; i++)
                p[i] = creal(ref->psi[i]) * creal(ref->psi[i]) +
                       cimag(ref->psi[i]) * cimag(ref->psi[i]);
        nnq_compare_unwrap(x->cmp, ref->psi, v0.p ? v0.p : p, v0.j, F);
        v0.F = F;
    }
    x->form->init(x->m, &v0);
    free(F);
    free(p);
    struct nnq_view v;
    x->form->view(x->m, &v);
    if (!v.F)
        nnq_compare_anchor(x->cmp, ref, &v);
    return NNQ_OK;
}

/* Ends the description at t for the failure err describes, which it clears; NNQ_OK. With
 * on_failure = stop, or for any other error, returns err's code. Collective (err is the
 * ranks' agreed one). */
static enum nnq_status end(struct madelung *x, double t, struct nnq_err *err) {
    if (err->code != NNQ_ERR_NUMERIC || x->env.cfg->madelung_on_failure != NNQ_ON_FAILURE_END)
        return err->code;
    x->t_end = t;
    snprintf(x->reason, sizeof x->reason, "%s", err->msg);
    double *state = x->form->state(x->m);
    const ptrdiff_t n = x->env.g->local_size * x->form->components(x->env.g->dims);
    for (ptrdiff_t i = 0; i < n; i++)
        state[i] = NAN;
    nnq_err_clear(err);
    return NNQ_OK;
}

/* The reason, completed with psi's defect weight at the first row after the end. */
static void weigh(struct madelung *x, const struct nnq_diag_row *row) {
    if (isnan(x->t_end) || !isnan(x->defect))
        return;
    x->defect = row->value[NNQ_DIAG_defect_weight];
    const size_t len = strlen(x->reason);
    if (x->defect >= x->floor)
        snprintf(x->reason + len, sizeof x->reason - len,
                 ". psi then had a node or vortex of weight %.2g (its density there over its "
                 "peak), inside the Madelung support (%g): F is multivalued there, which the "
                 "Madelung description cannot carry",
                 x->defect, x->floor);
    else
        snprintf(x->reason + len, sizeof x->reason - len,
                 ". psi then had no node or vortex inside the Madelung support (defect weight "
                 "%.2g, support %g of the peak): the solver failed, not the description",
                 x->defect, x->floor);
}

static enum nnq_status advance(void *self, long nsteps, double t0, struct nnq_err *err) {
    struct madelung *x = self;
    assert(x && x->form && x->m && x->cmp && x->floor > 0);
    assert(!isnan(x->t_end) || isnan(x->defect)); /* the defect is weighed once it ended */
    if (!isnan(x->t_end))
        return NNQ_OK;
    const enum nnq_status rc = x->form->advance(x->m, nsteps, t0, err);
    return rc == NNQ_OK ? rc : end(x, t0 + (double)nsteps * x->env.cfg->run_dt, err);
}

/* Its columns (NaN once it ended); the first `checked` must be finite, with a positive mass. */
static const enum nnq_diag_column columns[] = {NNQ_DIAG_div_p_l1,
                                               NNQ_DIAG_div_F,
                                               NNQ_DIAG_div_j_l1,
                                               NNQ_DIAG_infidelity,
                                               NNQ_DIAG_madelung_curl,
                                               NNQ_DIAG_madelung_mass,
                                               NNQ_DIAG_madelung_momentum0,
                                               NNQ_DIAG_madelung_entropy,
                                               NNQ_DIAG_madelung_momentum0 + 1,
                                               NNQ_DIAG_madelung_momentum0 + 2,
                                               NNQ_DIAG_madelung_substeps,
                                               NNQ_DIAG_components,
                                               NNQ_DIAG_madelung_held,
                                               NNQ_DIAG_madelung_fisher};
enum { checked = 8, ncolumns = sizeof columns / sizeof columns[0] };

/* NNQ_ERR_NUMERIC naming the first column of row that shows a failure, or NNQ_OK. */
static enum nnq_status failure(const struct nnq_diag_row *row, struct nnq_err *err) {
    const double mass = row->value[NNQ_DIAG_madelung_mass];
    for (int k = 0; k < checked; k++) {
        const double v = row->value[columns[k]];
        if (!isfinite(v) || !(mass > 0))
            return nnq_err_set(err, NNQ_ERR_NUMERIC,
                               "Madelung solver: numerical failure at step %.0f (t = %g): %s is "
                               "%g",
                               row->value[NNQ_DIAG_step], row->value[NNQ_DIAG_t],
                               isfinite(v) ? "madelung_mass" : nnq_diag_column(columns[k])->name,
                               isfinite(v) ? mass : v);
    }
    return NNQ_OK;
}

static void sample(void *self, const struct nnq_view *ref, struct nnq_diag_row *row) {
    struct madelung *x = self;
    double *r = row->value;
    if (isnan(x->t_end)) {
        struct nnq_view v;
        x->form->view(x->m, &v);
        struct nnq_divergence d;
        nnq_compare_run(x->cmp, ref, &v, &d);
        r[NNQ_DIAG_div_p_l1] = d.div_p_l1;
        r[NNQ_DIAG_div_F] = d.div_F;
        r[NNQ_DIAG_div_j_l1] = d.div_j_l1;
        r[NNQ_DIAG_infidelity] = d.infidelity;
        r[NNQ_DIAG_madelung_curl] = d.curl;
        r[NNQ_DIAG_madelung_mass] = d.mass;
        for (int a = 0; a < 3; a++)
            r[NNQ_DIAG_madelung_momentum0 + a] = d.momentum[a];
        r[NNQ_DIAG_madelung_substeps] = (double)x->form->take_substeps(x->m);
        r[NNQ_DIAG_components] = (double)d.components;
        r[NNQ_DIAG_madelung_held] = d.held;
        r[NNQ_DIAG_madelung_entropy] = d.entropy;
        r[NNQ_DIAG_madelung_fisher] = d.fisher;
        /* a state that went bad between two checks of the solver's own (the momentum form
         * checks its density, not its momentum) ends here, or stops the run in check() */
        struct nnq_err e = {0};
        if (failure(row, &e) != NNQ_OK)
            end(x, r[NNQ_DIAG_t], &e);
    }
    if (!isnan(x->t_end)) {
        for (int k = 0; k < ncolumns; k++)
            r[columns[k]] = NAN;
        r[NNQ_DIAG_madelung_substeps] = r[NNQ_DIAG_components] = 0; /* integer columns */
        weigh(x, row);
    }
}

/* With on_failure = stop: a failure in its columns (the description has not ended). */
static enum nnq_status check(void *self, const struct nnq_diag_row *row,
                             const struct nnq_diag_row *first, struct nnq_err *err) {
    struct madelung *x = self;
    (void)first;
    return isnan(x->t_end) ? failure(row, err) : NNQ_OK;
}

/* The largest held fraction, and the largest divergences before and from the time psi first
 * had a node or vortex (set by the reference's summarize, before this one). */
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

static void view(void *self, struct nnq_view *v) {
    struct madelung *x = self;
    x->form->view(x->m, v);
    v->ended = !isnan(x->t_end);
}

static const void *field(void *self, int k) {
    struct madelung *x = self;
    struct nnq_view v;
    switch (k) {
    case FIELD_P:
        return x->form->state(x->m);
    case FIELD_F: /* once ended, a NaN block of the state */
        return isnan(x->t_end) ? nnq_compare_free_energy(x->cmp) : x->form->state(x->m);
    default:
        x->form->view(x->m, &v);
        return v.j;
    }
}

static enum nnq_status save(void *self, struct nnq_output *o, struct nnq_err *err) {
    struct madelung *x = self;
    const double substeps = (double)x->form->substeps(x->m), ended[2] = {x->t_end, x->defect};
    enum nnq_status rc =
        nnq_output_state_write(o, "madelung", NNQ_FIELD_REAL, x->form->components(x->env.g->dims),
                               x->form->state(x->m), err);
    if (rc == NNQ_OK)
        rc = nnq_output_state_write(o, "madelung_potential", NNQ_FIELD_REAL, 2,
                                    nnq_compare_state(x->cmp), err);
    if (rc == NNQ_OK)
        rc = nnq_output_values_write(o, "madelung_ended", ended, 2, err);
    if (rc == NNQ_OK)
        rc = nnq_output_text_write(o, "madelung_end_reason", x->reason, err);
    return rc ? rc : nnq_output_values_write(o, "madelung_substeps", &substeps, 1, err);
}

static enum nnq_status restore(void *self, struct nnq_output *o, struct nnq_err *err) {
    struct madelung *x = self;
    double substeps = 0, ended[2];
    enum nnq_status rc =
        nnq_output_state_read(o, "madelung", NNQ_FIELD_REAL, x->form->components(x->env.g->dims),
                              x->form->state(x->m), err);
    if (rc == NNQ_OK)
        rc = nnq_output_state_read(o, "madelung_potential", NNQ_FIELD_REAL, 2,
                                   nnq_compare_state(x->cmp), err);
    if (rc == NNQ_OK)
        rc = nnq_output_values_read(o, "madelung_substeps", &substeps, 1, err);
    if (rc == NNQ_OK)
        rc = nnq_output_values_read(o, "madelung_ended", ended, 2, err);
    if (rc == NNQ_OK)
        rc = nnq_output_text_read(o, "madelung_end_reason", x->reason, sizeof x->reason, err);
    if (rc == NNQ_OK) {
        x->form->set_substeps(x->m, (long)substeps);
        x->t_end = ended[0];
        x->defect = ended[1];
    }
    return rc;
}

static double ended(const void *self, const char **reason) {
    const struct madelung *x = self;
    *reason = x->reason;
    return x->t_end;
}

static void memory(const struct nnq_config *cfg, int time_dependent, int threads, size_t *per_point,
                   double *fixed) {
    (void)time_dependent;
    struct nnq_grid g = {.dims = cfg->dims};
    for (int a = 0; a < 3; a++)
        g.n[a] = a < cfg->dims ? cfg->n[a] : 1;
    const struct nnq_madelung_form *form = nnq_madelung_forms[cfg->madelung_form];
    *per_point = form->bytes_per_point(cfg->dims) + nnq_compare_bytes_per_point(cfg->dims) +
                 sizeof(double) * (size_t)cfg->dims; /* the output's buffer for j */
    *fixed = form->scratch_bytes(&g, threads) + nnq_compare_fixed_bytes(cfg->dims, cfg->n);
}

const struct nnq_stepper_ops nnq_stepper_madelung = {
    .name = "madelung",
    .group = {"madelung", "M", FIELDS, fields},
    .wanted = wanted,
    .create = create,
    .start = start,
    .advance = advance,
    .sample = sample,
    .check = check,
    .view = view,
    .field = field,
    .save = save,
    .restore = restore,
    .summarize = summarize,
    .ended = ended,
    .memory = memory,
    .destroy = destroy,
};
