/*
 * stepper_madelung.c - the Madelung description as a stepper (nnq/stepper.h): the engine of
 * the form [madelung] form names (nnq/madelung.h: `potential` evolves p and F, `momentum` p
 * and j), started from the reference's initial psi (p = |psi|^2; j from psi's spectral
 * gradient, F its least-squares potential unwrapped onto psi's phase) and compared with the
 * reference at every row by the comparison of nnq/compare.h, which also yields F_M for the
 * snapshots (the potential form's own F, the momentum form's reconstruction).
 */
#include <math.h>
#include <stdlib.h>

#include "nnq/compare.h"
#include "nnq/madelung.h"
#include "nnq/par.h"
#include "nnq/stepper.h"

const struct nnq_madelung_form *const nnq_madelung_forms[] = {
    [NNQ_MADELUNG_FORM_POTENTIAL] = &nnq_madelung_potential,
    [NNQ_MADELUNG_FORM_MOMENTUM] = &nnq_madelung_momentum,
};

/* Invariants: m (of form `form`) and cmp are made on env.g; F_M (the snapshots' F) is as of
 * the last sample. */
struct madelung {
    struct nnq_stepper_env env;
    const struct nnq_madelung_form *form;
    void *m;
    struct nnq_compare *cmp;
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
    if (!x)
        return nnq_err_set(err, NNQ_ERR_RUNTIME, "out of memory");
    x->env = *env;
    x->form = nnq_madelung_forms[cfg->madelung_form];
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
                                      .threads = env->threads,
                                      .planner = (enum nnq_planner)cfg->run_planner};
    const size_t local = env->g->local_size > 0 ? (size_t)env->g->local_size : 1;
    double *W =
        cfg->grid_boundary == NNQ_BOUNDARY_ABSORBING ? malloc(sizeof(double) * local) : NULL;
    if (W && nnq_potential_absorber(cfg, env->g, W))
        par.absorb = W;
    enum nnq_status rc =
        cfg->grid_boundary == NNQ_BOUNDARY_ABSORBING && !W
            ? nnq_err_set(err, NNQ_ERR_RUNTIME, "out of memory")
            : nnq_par_agree(x->form->create(env->g, env->pot, &par, &x->m, err), err);
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
        if (!F || (!v0.p && !p)) {
            free(F);
            free(p);
            return nnq_err_set(err, NNQ_ERR_RUNTIME, "out of memory");
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

static enum nnq_status advance(void *self, long nsteps, double t0, struct nnq_err *err) {
    struct madelung *x = self;
    return x->form->advance(x->m, nsteps, t0, err);
}

static void sample(void *self, const struct nnq_view *ref, struct nnq_diag_row *row) {
    struct madelung *x = self;
    struct nnq_view v;
    x->form->view(x->m, &v);
    struct nnq_divergence d;
    nnq_compare_run(x->cmp, ref, &v, &d);
    double *r = row->value;
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
}

/* Any of its columns NaN or infinite, or a mass that is not positive. */
static enum nnq_status check(void *self, const struct nnq_diag_row *row,
                             const struct nnq_diag_row *first, struct nnq_err *err) {
    (void)self;
    (void)first;
    static const enum nnq_diag_column cols[] = {
        NNQ_DIAG_div_p_l1,           NNQ_DIAG_div_F,           NNQ_DIAG_div_j_l1,
        NNQ_DIAG_infidelity,         NNQ_DIAG_madelung_curl,   NNQ_DIAG_madelung_mass,
        NNQ_DIAG_madelung_momentum0, NNQ_DIAG_madelung_entropy};
    const double mass = row->value[NNQ_DIAG_madelung_mass];
    for (size_t k = 0; k < sizeof cols / sizeof cols[0]; k++) {
        const double v = row->value[cols[k]];
        if (!isfinite(v) || !(mass > 0))
            return nnq_err_set(err, NNQ_ERR_NUMERIC,
                               "Madelung solver: numerical failure at step %.0f (t = %g): %s is "
                               "%g. The output holds every row up to the last good one.",
                               row->value[NNQ_DIAG_step], row->value[NNQ_DIAG_t],
                               isfinite(v) ? "madelung_mass" : nnq_diag_column(cols[k])->name,
                               isfinite(v) ? mass : v);
    }
    return NNQ_OK;
}

static void view(void *self, struct nnq_view *v) {
    struct madelung *x = self;
    x->form->view(x->m, v);
}

static const void *field(void *self, int k) {
    struct madelung *x = self;
    struct nnq_view v;
    switch (k) {
    case FIELD_P:
        return x->form->state(x->m);
    case FIELD_F:
        return nnq_compare_free_energy(x->cmp);
    default:
        x->form->view(x->m, &v);
        return v.j;
    }
}

static enum nnq_status save(void *self, struct nnq_output *o, struct nnq_err *err) {
    struct madelung *x = self;
    const double substeps = (double)x->form->substeps(x->m);
    enum nnq_status rc =
        nnq_output_state_write(o, "madelung", NNQ_FIELD_REAL, x->form->components(x->env.g->dims),
                               x->form->state(x->m), err);
    if (rc == NNQ_OK)
        rc = nnq_output_state_write(o, "madelung_potential", NNQ_FIELD_REAL, 2,
                                    nnq_compare_state(x->cmp), err);
    return rc ? rc : nnq_output_values_write(o, "madelung_substeps", &substeps, 1, err);
}

static enum nnq_status restore(void *self, struct nnq_output *o, struct nnq_err *err) {
    struct madelung *x = self;
    double substeps = 0;
    enum nnq_status rc =
        nnq_output_state_read(o, "madelung", NNQ_FIELD_REAL, x->form->components(x->env.g->dims),
                              x->form->state(x->m), err);
    if (rc == NNQ_OK)
        rc = nnq_output_state_read(o, "madelung_potential", NNQ_FIELD_REAL, 2,
                                   nnq_compare_state(x->cmp), err);
    if (rc == NNQ_OK)
        rc = nnq_output_values_read(o, "madelung_substeps", &substeps, 1, err);
    if (rc == NNQ_OK)
        x->form->set_substeps(x->m, (long)substeps);
    return rc;
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
    .memory = memory,
    .destroy = destroy,
};
