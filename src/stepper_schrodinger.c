/*
 * stepper_schrodinger.c - the Schrodinger description as a stepper (nnq/stepper.h): the
 * split-step solver of nnq/schrodinger.h and its observables (the defects of its phase are
 * an observer's: src/observer_defects.c). It is the reference: it starts from the config's initial
 * state and the other descriptions start from, and are compared with, its view.
 */
#include <assert.h>
#include <math.h>
#include <stdlib.h>

#include "nnq/absorber.h"
#include "nnq/initial.h"
#include "nnq/par.h"
#include "nnq/run.h"
#include "nnq/schrodinger.h"
#include "nnq/stepper.h"
#include "simd.h"

/* Invariants: s is planned on env.g; buf holds local_size doubles (at least 1), for the
 * snapshot fields p and F. */
struct schrodinger {
    struct nnq_stepper_env env;
    struct nnq_schrodinger *s;
    double *buf;
    int absorbing;
    double norm0; /* the norm at t = 0 (absorbing: what the layer took is norm0 - norm) */
};

enum { FIELD_P, FIELD_F, FIELD_PSI, FIELDS };

static const struct nnq_field_info fields[FIELDS] = {
    [FIELD_P] = {"p", NNQ_FIELD_REAL, NNQ_FIELD_P},
    [FIELD_F] = {"F", NNQ_FIELD_REAL, NNQ_FIELD_F},
    [FIELD_PSI] = {"psi", NNQ_FIELD_COMPLEX, NNQ_FIELD_PSI},
};

static int wanted(const struct nnq_config *cfg) {
    (void)cfg;
    return 1;
}

static void destroy(void *self) {
    struct schrodinger *x = self;
    if (!x)
        return;
    nnq_schrodinger_destroy(x->s);
    free(x->buf);
    free(x);
}

static enum nnq_status create(const struct nnq_stepper_env *env, void **self, struct nnq_err *err) {
    *self = NULL;
    const struct nnq_config *cfg = env->cfg;
    struct schrodinger *x = calloc(1, sizeof *x);
    const size_t local = env->g->local_size > 0 ? (size_t)env->g->local_size : 1;
    /* agreed before the solver's planning, a collective that the other ranks would wait in */
    const enum nnq_status held =
        nnq_par_agree(x && (x->buf = malloc(local * sizeof(double)))
                          ? NNQ_OK
                          : nnq_err_set(err, NNQ_ERR_RUNTIME, "out of memory"),
                      err);
    if (held != NNQ_OK) {
        destroy(x);
        return held;
    }
    x->env = *env;
    struct nnq_schrodinger_params par = {.hbar = cfg->hbar,
                                         .mass = cfg->particle_mass,
                                         .dt = cfg->run_dt,
                                         .integrator = (enum nnq_integrator)cfg->run_integrator,
                                         .imaginary_time = cfg->run_imaginary_time,
                                         .planner = (enum nnq_planner)cfg->run_planner,
                                         .threads = env->threads};
    /* buf holds W while the solver copies it */
    x->absorbing = nnq_absorber_fill(cfg, env->g, x->buf);
    par.absorb = x->absorbing ? x->buf : NULL;
    enum nnq_status rc = nnq_schrodinger_create(env->g, env->pot, &par, &x->s, err);
    if (rc != NNQ_OK) {
        if (rc == NNQ_ERR_CONFIG) {
            char place[NNQ_STR_MAX + 32];
            nnq_err_prefix(err, "%s",
                           nnq_config_place(cfg, NNQ_KEY_potential_V, place, sizeof place));
        }
        destroy(x);
        return rc;
    }
    *self = x;
    return NNQ_OK;
}

static enum nnq_status start(void *self, const struct nnq_view *ref, struct nnq_err *err) {
    struct schrodinger *x = self;
    (void)ref;
    const struct nnq_config *cfg = x->env.cfg;
    enum nnq_status rc =
        nnq_initial_fill(cfg, x->env.g, x->env.states, nnq_schrodinger_psi(x->s), err);
    if (rc == NNQ_OK) {
        struct nnq_observables o;
        nnq_schrodinger_observe(x->s, &o);
        x->norm0 = o.norm;
    }
    if (rc != NNQ_OK) {
        char place[NNQ_STR_MAX + 32];
        nnq_err_prefix(err, "%s",
                       nnq_config_place(cfg,
                                        cfg->initial_kind == NNQ_INIT_EXPR ? NNQ_KEY_initial_p
                                                                           : NNQ_KEY_initial_preset,
                                        place, sizeof place));
    }
    return rc;
}

static enum nnq_status advance(void *self, long nsteps, double t0, struct nnq_err *err) {
    struct schrodinger *x = self;
    assert(x && x->s && x->buf && x->env.cfg && x->env.g);
    return nnq_schrodinger_advance(x->s, nsteps, t0, err);
}

static void sample(void *self, const struct nnq_view *ref, struct nnq_diag_row *row) {
    struct schrodinger *x = self;
    (void)ref;
    nnq_schrodinger_columns(x->s, row);
    if (x->absorbing)
        row->value[NNQ_DIAG_absorbed] = x->norm0 - row->value[NNQ_DIAG_norm];
}

/* NaN/Inf norm or energy, a norm that is not positive, or (real time) a norm drift beyond
 * [run] norm_tol; with an absorbing layer, which takes mass out, a norm that grew beyond it. */
static enum nnq_status check(void *self, const struct nnq_diag_row *row,
                             const struct nnq_diag_row *first, struct nnq_err *err) {
    struct schrodinger *x = self;
    const struct nnq_config *cfg = x->env.cfg;
    double norm = row->value[NNQ_DIAG_norm], energy = row->value[NNQ_DIAG_energy];
    double drift = x->absorbing ? norm / first->value[NNQ_DIAG_norm] - 1.0
                                : fabs(norm / first->value[NNQ_DIAG_norm] - 1.0);
    int bad_value = !isfinite(norm) || !isfinite(energy) || !(norm > 0);
    if (!bad_value && (cfg->run_imaginary_time || drift <= cfg->run_norm_tol))
        return NNQ_OK;
    return nnq_err_set(err, NNQ_ERR_NUMERIC,
                       "numerical failure at step %.0f (t = %g): %s. dt = %g gives a kinetic "
                       "phase of %.3g rad per step at the largest |k| (accurate below ~pi) and "
                       "max |V| dt / hbar should stay well below pi: try a smaller dt or a "
                       "coarser grid. The output holds every step up to the last good one.",
                       row->value[NNQ_DIAG_step], row->value[NNQ_DIAG_t],
                       bad_value ? "the norm or energy is NaN or infinite" : "the norm drifted",
                       cfg->run_dt, nnq_config_kinetic_phase(cfg));
}

/* The drifts of norm and energy; the
 * largest edge density and when it first passed NNQ_EDGE_DENSITY_WARN. Through an absorbing
 * layer the edge density is weighted by the mass left in the box (norm / initial norm): the
 * last millionth of a packet that the layer took up sits at the faces, with a high density
 * relative to its own small peak, and is no mass that comes back. */
static void summarize(void *self, const struct nnq_diag_row *row, struct nnq_summary *sum) {
    struct schrodinger *x = self;
    const double *v = row->value, *first = sum->first.value;
    const double n0 = first[NNQ_DIAG_norm], e0 = first[NNQ_DIAG_energy], e = v[NNQ_DIAG_energy];
    const double dn = fabs(v[NNQ_DIAG_norm] / n0 - 1.0);
    const double de = e0 != 0.0 ? fabs(e / e0 - 1.0) : fabs(e - e0);
    if (dn > sum->max_norm_drift)
        sum->max_norm_drift = dn;
    if (de > sum->max_energy_drift)
        sum->max_energy_drift = de;
    const double left = v[NNQ_DIAG_norm] / n0;
    const double edge = v[NNQ_DIAG_edge_density] * (x->absorbing ? left : 1.0);
    if (isnan(sum->edge_density) || edge > sum->edge_density)
        sum->edge_density = edge;
    if (isnan(sum->t_edge) && edge > NNQ_EDGE_DENSITY_WARN)
        sum->t_edge = v[NNQ_DIAG_t];
}

static void view(void *self, struct nnq_view *v) {
    struct schrodinger *x = self;
    *v = (struct nnq_view){.g = x->env.g, .psi = nnq_schrodinger_psi(x->s)};
}

/* p = |psi|^2 or F = hbar arg psi (arg from libmvec's SIMD lanes: within 4 ulp of carg) of
 * the interleaved psi. */
NNQ_CLONES static void fill_field(double *restrict out, const double *restrict psi, ptrdiff_t n,
                                  int p, double hbar) {
    if (p)
        for (ptrdiff_t i = 0; i < n; i++)
            out[i] = psi[2 * i] * psi[2 * i] + psi[2 * i + 1] * psi[2 * i + 1];
    else
        for (ptrdiff_t i = 0; i < n; i++)
            out[i] = hbar * nnq_simd_atan2(psi[2 * i + 1], psi[2 * i]);
}

static const void *field(void *self, int k) {
    struct schrodinger *x = self;
    const double complex *psi = nnq_schrodinger_psi(x->s);
    const ptrdiff_t n = x->env.g->local_size;
    const double hbar = x->env.cfg->hbar;
    if (k == FIELD_PSI)
        return psi;
    fill_field(x->buf, (const double *)psi, n, k == FIELD_P, hbar);
    return x->buf;
}

static enum nnq_status save(void *self, struct nnq_output *o, struct nnq_err *err) {
    struct schrodinger *x = self;
    enum nnq_status rc =
        nnq_output_state_write(o, "psi", NNQ_FIELD_COMPLEX, 1, nnq_schrodinger_psi(x->s), err);
    return rc == NNQ_OK && x->absorbing
               ? nnq_output_values_write(o, "schrodinger_norm0", &x->norm0, 1, err)
               : rc;
}

static enum nnq_status restore(void *self, struct nnq_output *o, struct nnq_err *err) {
    struct schrodinger *x = self;
    enum nnq_status rc =
        nnq_output_state_read(o, "psi", NNQ_FIELD_COMPLEX, 1, nnq_schrodinger_psi(x->s), err);
    return rc == NNQ_OK && x->absorbing
               ? nnq_output_values_read(o, "schrodinger_norm0", &x->norm0, 1, err)
               : rc;
}

static void memory(const struct nnq_config *cfg, int time_dependent, int threads, size_t *per_point,
                   double *fixed) {
    (void)threads;
    *per_point =
        nnq_schrodinger_bytes_per_point((enum nnq_integrator)cfg->run_integrator, time_dependent) +
        sizeof(double); /* buf */
    *fixed = 0;
}

const struct nnq_stepper_ops nnq_stepper_schrodinger = {
    .name = "schrodinger",
    .group = {"schrodinger", "S", FIELDS, fields},
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
    .memory = memory,
    .destroy = destroy,
};
