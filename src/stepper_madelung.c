/*
 * stepper_madelung.c - the Madelung description as a stepper (nnq/stepper.h): the engine of
 * the form [madelung] form names (nnq/madelung.h: `potential` evolves p and F, `momentum` p
 * and j), started from the reference's initial psi (p = |psi|^2; j from psi's spectral
 * gradient, F its least-squares potential unwrapped onto psi's phase). Its F_M is the
 * potential form's own F, or the momentum form's least-squares reconstruction
 * (nnq/free_energy.h), taken at every row: the view hands it to the comparison (the observer
 * "compare", src/observer_compare.c) and the snapshots write it.
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
#include "nnq/current.h"
#include "nnq/free_energy.h"
#include "nnq/madelung.h"
#include "nnq/par.h"
#include "nnq/run.h"
#include "nnq/stepper.h"

const struct nnq_madelung_form *const nnq_madelung_forms[] = {
    [NNQ_MADELUNG_FORM_POTENTIAL] = &nnq_madelung_potential,
    [NNQ_MADELUNG_FORM_MOMENTUM] = &nnq_madelung_momentum,
};

/* Invariants: m (of form `form`) and fe are made on env.g; fe's F (the momentum form's F_M)
 * is as of the last sample. t_end is NaN while the description runs; once it ended, m's state
 * is NaN, reason says why and `defect` is psi's defect weight at the first row after the end
 * (NaN until that row). failed holds the failure the last sample found (code NNQ_OK: none),
 * for check() to report with on_failure = stop. */
struct madelung {
    struct nnq_stepper_env env;
    const struct nnq_madelung_form *form;
    void *m;
    struct nnq_free_energy *fe;
    double floor; /* the form's vacuum, relative to max p */
    double t_end, defect;
    char reason[NNQ_ERR_MSG_MAX + 256];
    struct nnq_err failed;
};

double nnq_madelung_floor(const struct nnq_config *cfg) {
    /* the potential form's Q needs a resolved support (docs/theory.md) */
    return cfg->madelung_form == NNQ_MADELUNG_FORM_POTENTIAL ? cfg->madelung_potential_floor
                                                             : cfg->madelung_density_floor;
}

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
    nnq_free_energy_destroy(x->fe);
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
    const double floor = nnq_madelung_floor(cfg);
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
        rc = nnq_free_energy_create(env->g, cfg->hbar, cfg->particle_mass, env->threads, &x->fe,
                                    err);
    if (rc != NNQ_OK) {
        destroy(x);
        return rc;
    }
    *self = x;
    return NNQ_OK;
}

/* psi's current j (the view's, or computed spectrally by a current planned for the moment) and,
 * for a form that evolves F, F unwrapped onto psi's phase: the initial state; then R0 for the
 * momentum form's F_M. Collective. */
static enum nnq_status start(void *self, const struct nnq_view *ref, struct nnq_err *err) {
    struct madelung *x = self;
    const struct nnq_config *cfg = x->env.cfg;
    struct nnq_view v0 = *ref;
    struct nnq_current *cur = NULL;
    const ptrdiff_t n = x->env.g->local_size;
    const size_t bytes = sizeof(double) * (size_t)(n > 0 ? n : 1);
    const int evolves_F = x->form == &nnq_madelung_potential; /* F is part of its state */
    double *F = evolves_F ? malloc(bytes) : NULL, *p = evolves_F && !v0.p ? malloc(bytes) : NULL;
    /* agreed before the current's planning and the unwrapping's collectives, which a rank
     * without them would not reach */
    enum nnq_status rc = nnq_par_agree(!evolves_F || (F && (v0.p || p))
                                           ? NNQ_OK
                                           : nnq_err_set(err, NNQ_ERR_RUNTIME, "out of memory"),
                                       err);
    if (rc == NNQ_OK && !v0.j) {
        rc = nnq_current_create(x->env.g, cfg->hbar, cfg->particle_mass, x->env.threads,
                                (enum nnq_planner)cfg->run_planner, &cur, err);
        if (rc == NNQ_OK)
            v0.j = nnq_current_run(cur, ref->psi);
    }
    if (rc == NNQ_OK) {
        if (evolves_F) {
            if (p)
                for (ptrdiff_t i = 0; i < n; i++)
                    p[i] = creal(ref->psi[i]) * creal(ref->psi[i]) +
                           cimag(ref->psi[i]) * cimag(ref->psi[i]);
            nnq_free_energy_unwrap(x->fe, ref->psi, v0.p ? v0.p : p, v0.j, F);
            v0.F = F;
        }
        x->form->init(x->m, &v0);
        struct nnq_view v;
        x->form->view(x->m, &v);
        if (!v.F)
            nnq_free_energy_anchor(x->fe, ref->psi, v.p, v.j);
    }
    nnq_current_destroy(cur);
    free(F);
    free(p);
    return rc;
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
    assert(x && x->form && x->m && x->fe && x->floor > 0);
    assert(!isnan(x->t_end) || isnan(x->defect)); /* the defect is weighed once it ended */
    if (!isnan(x->t_end))
        return NNQ_OK;
    const enum nnq_status rc = x->form->advance(x->m, nsteps, t0, err);
    return rc == NNQ_OK ? rc : end(x, t0 + (double)nsteps * x->env.cfg->run_dt, err);
}

/* NNQ_ERR_NUMERIC when its state (p and j, or p and F, and the momentum form's F_M) is not
 * finite everywhere or its mass is not positive, naming what; or NNQ_OK. Collective. */
static enum nnq_status failure(struct madelung *x, const struct nnq_view *v,
                               const struct nnq_diag_row *row, struct nnq_err *err) {
    const ptrdiff_t n = x->env.g->local_size;
    const int comps = x->form->components(x->env.g->dims);
    const double *state = x->form->state(x->m);
    const double *F = nnq_free_energy_get(x->fe);
    const int own_F = v->F != NULL; /* then a part of the state */
    /* the mass and the counts of bad values, summed over the ranks in one reduction */
    double sums[3] = {0, 0, 0};
    for (ptrdiff_t i = 0; i < n; i++)
        sums[0] += state[i];
    for (ptrdiff_t i = 0; i < n * comps; i++)
        sums[1] += !isfinite(state[i]);
    for (ptrdiff_t i = 0; i < n && !own_F; i++)
        sums[2] += !isfinite(F[i]);
    nnq_par_sum(sums, 3);
    const double mass = sums[0];
    const int bad_state = sums[1] > 0, bad_F = sums[2] > 0;
    if (!bad_state && !bad_F && mass > 0)
        return NNQ_OK;
    return nnq_err_set(err, NNQ_ERR_NUMERIC,
                       "Madelung solver: numerical failure at step %.0f (t = %g): %s",
                       row->value[NNQ_DIAG_step], row->value[NNQ_DIAG_t],
                       bad_state ? "its state is not finite"
                       : bad_F   ? "its free energy F_M is not finite"
                                 : "its mass is not positive");
}

/* Takes F_M (the momentum form) and checks the state: a state that went bad between two checks
 * of the solver's own (the momentum form checks its density, not its momentum) ends here, or
 * stops the run in check(). Its column, the sub-steps, 0 once it ended. */
static void sample(void *self, const struct nnq_view *ref, struct nnq_diag_row *row) {
    struct madelung *x = self;
    (void)ref;
    double *r = row->value;
    nnq_err_clear(&x->failed);
    if (isnan(x->t_end)) {
        struct nnq_view v;
        x->form->view(x->m, &v);
        if (!v.F)
            nnq_free_energy_update(x->fe, v.p, v.j);
        r[NNQ_DIAG_madelung_substeps] = (double)x->form->take_substeps(x->m);
        if (failure(x, &v, row, &x->failed) != NNQ_OK &&
            end(x, r[NNQ_DIAG_t], &x->failed) == NNQ_OK)
            nnq_err_clear(&x->failed);
    }
    if (!isnan(x->t_end))
        r[NNQ_DIAG_madelung_substeps] = 0;
}

/* Once ended: the reason weighed with psi's defect weight of this row, which check (after every
 * stepper's and observer's sample) sees. With on_failure = stop: the failure its last sample
 * found (the description has not ended). */
static enum nnq_status check(void *self, const struct nnq_diag_row *row,
                             const struct nnq_diag_row *first, struct nnq_err *err) {
    struct madelung *x = self;
    (void)first;
    weigh(x, row);
    if (x->failed.code == NNQ_OK)
        return NNQ_OK;
    *err = x->failed;
    return err->code;
}

/* The form's view; the momentum form's F is F_M as of the last row. */
static void view(void *self, struct nnq_view *v) {
    struct madelung *x = self;
    x->form->view(x->m, v);
    if (!v->F)
        v->F = nnq_free_energy_get(x->fe);
    v->ended = !isnan(x->t_end);
}

static const void *field(void *self, int k) {
    struct madelung *x = self;
    struct nnq_view v;
    switch (k) {
    case FIELD_P:
        return x->form->state(x->m);
    case FIELD_F: /* once ended, a NaN block of the state */
        if (!isnan(x->t_end))
            return x->form->state(x->m);
        x->form->view(x->m, &v);
        return v.F ? v.F : nnq_free_energy_get(x->fe);
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
                                    nnq_free_energy_state(x->fe), err);
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
                                   nnq_free_energy_state(x->fe), err);
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
    *per_point = form->bytes_per_point(cfg->dims) + nnq_free_energy_bytes_per_point(cfg->dims) +
                 sizeof(double) * (size_t)cfg->dims; /* the output's buffer for j */
    *fixed = form->scratch_bytes(&g, threads) + nnq_free_energy_fixed_bytes(cfg->dims, cfg->n);
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
    .ended = ended,
    .memory = memory,
    .destroy = destroy,
};
