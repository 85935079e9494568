/*
 * observer_states.c - the eigenstates of H (nnq/states.h) in the file and the summary: an
 * observer (nnq/observer.h) of what the run found before its first step ([run] states).
 *
 * A fresh run writes, at its first row, /states/energy [k] (<phi_j|H|phi_j>), /states/error
 * [k] (the bound on |E_j - H's eigenvalue|), /states/residual [k] (||H phi_j - E_j phi_j||)
 * and /states/psi [k, grid] (complex, normalised, phases as nnq/states.h fixes them). The
 * summary and the JSON give the energies; with two or more states, the tunnelling splitting
 * dE = E_1 - E_0 and its period 2 pi hbar / dE, the time psi = phi_0 + phi_1 takes to go from
 * one well of a symmetric double well to the other and back. The values travel in the
 * checkpoint, so a resumed run reports them too. With [classical] enabled at one temperature
 * T = D / mobility on every axis, /states/gibbs [grid] holds beside them the classical
 * description's stationary state exp(-V / T) / Z.
 */
#include <assert.h>
#include <math.h>
#include <stdlib.h>

#include "nnq/observer.h"
#include "nnq/par.h"
#include "nnq/run.h"

/* The values: k energies, k error bounds, k residuals, the iterations, the imaginary-time
 * steps. */
#define VALUES (3 * NNQ_STATES_MAX + 2)

/* Invariants: 1 <= k <= NNQ_STATES_MAX; states: the run's (NULL once written, and on a resumed
 * run); v: the values (VALUES doubles, 3 k + 2 of them used); gibbs: the Gibbs state (local_size
 * values) of a fresh run's classical description at its one temperature T > 0 (0: none), NULL
 * otherwise and once written. */
struct obs_states {
    struct nnq_stepper_env env;
    const struct nnq_states *states;
    int k;
    double v[VALUES];
    double T, *gibbs;
};

static void obs_states_check(const struct obs_states *x) {
    (void)x; /* NDEBUG: no asserts */
    assert(x && x->k >= 1 && x->k <= NNQ_STATES_MAX && 3 * x->k + 2 <= VALUES);
    assert(x->T >= 0 && (!x->gibbs || (x->T > 0 && x->states)));
}

/* The temperature D_a / mobility_a of cfg's classical description when it is one for all axes
 * and positive, else 0. */
static double temperature(const struct nnq_config *cfg) {
    if (!cfg->classical_enabled)
        return 0.0;
    const double T =
        nnq_list_axis(&cfg->classical_diffusion, 0) / nnq_list_axis(&cfg->classical_mobility, 0);
    for (int a = 1; a < cfg->dims; a++) {
        const double Ta = nnq_list_axis(&cfg->classical_diffusion, a) /
                          nnq_list_axis(&cfg->classical_mobility, a);
        if (fabs(Ta - T) > 1e-12 * T)
            return 0.0;
    }
    return T > 0 ? T : 0.0;
}

/* p_G = exp(-V / T) / Z with V at t = 0: the Fokker-Planck description's stationary state (its
 * discrete scheme's too: docs/theory.md section 9). Collective. */
static enum nnq_status gibbs_state(struct obs_states *x, struct nnq_err *err) {
    const struct nnq_grid *g = x->env.g;
    const ptrdiff_t n = g->local_size;
    x->gibbs = malloc(sizeof(double) * (size_t)(n > 0 ? n : 1));
    enum nnq_status rc =
        nnq_par_agree(x->gibbs ? nnq_potential_fill(x->env.pot, g, 0.0, x->gibbs, err)
                               : nnq_err_set(err, NNQ_ERR_RUNTIME, "out of memory"),
                      err);
    if (rc != NNQ_OK)
        return rc;
    double vmin = INFINITY, z = 0.0;
    for (ptrdiff_t i = 0; i < n; i++)
        vmin = fmin(vmin, x->gibbs[i]);
    vmin = -nnq_par_max(-vmin);
    for (ptrdiff_t i = 0; i < n; i++)
        z += x->gibbs[i] = exp(-(x->gibbs[i] - vmin) / x->T);
    nnq_par_sum(&z, 1);
    for (ptrdiff_t i = 0; i < n; i++)
        x->gibbs[i] /= z * g->dv;
    return NNQ_OK;
}

static int wanted(const struct nnq_config *cfg) { return cfg->states > 0; }

static void destroy(void *self) {
    struct obs_states *x = self;
    if (x)
        free(x->gibbs);
    free(x);
}

static enum nnq_status create(const struct nnq_stepper_env *env, void **self, struct nnq_err *err) {
    struct obs_states *x = calloc(1, sizeof *x);
    *self = NULL;
    const enum nnq_status rc =
        nnq_par_agree(x ? NNQ_OK : nnq_err_set(err, NNQ_ERR_RUNTIME, "out of memory"), err);
    if (rc != NNQ_OK) {
        free(x);
        return rc;
    }
    *self = x;
    x->env = *env;
    x->k = env->cfg->states;
    x->states = env->states;
    if (x->states) {
        const int k = x->k;
        for (int j = 0; j < k; j++) {
            x->v[j] = nnq_states_energy(x->states, j);
            x->v[k + j] = nnq_states_error(x->states, j);
            x->v[2 * k + j] = nnq_states_residual(x->states, j);
        }
        x->v[3 * k] = (double)nnq_states_iterations(x->states);
        x->v[3 * k + 1] = (double)nnq_states_relax_steps(x->states);
    }
    x->T = temperature(env->cfg);
    const enum nnq_status gs = x->states && x->T > 0 ? gibbs_state(x, err) : NNQ_OK;
    if (gs != NNQ_OK) {
        destroy(x);
        *self = NULL;
    }
    return gs;
}

static enum nnq_status start(void *self, const struct nnq_view *ref, struct nnq_err *err) {
    (void)self, (void)ref, (void)err;
    return NNQ_OK;
}

static void sample(void *self, const struct nnq_view *ref, struct nnq_diag_row *row) {
    (void)self, (void)ref, (void)row;
}

/* At a fresh run's first row: /states. */
static enum nnq_status record(void *self, struct nnq_output *o, struct nnq_err *err) {
    struct obs_states *x = self;
    obs_states_check(x);
    if (!x->states)
        return NNQ_OK;
    const size_t k = (size_t)x->k;
    enum nnq_status rc = nnq_output_array(o, "states/energy", 1, &k, 0, x->v, err);
    if (rc == NNQ_OK)
        rc = nnq_output_array(o, "states/error", 1, &k, 0, x->v + k, err);
    if (rc == NNQ_OK)
        rc = nnq_output_array(o, "states/residual", 1, &k, 0, x->v + 2 * k, err);
    for (int j = 0; j < x->k && rc == NNQ_OK; j++)
        rc = nnq_output_grid_rows(o, "states/psi", x->k, j, nnq_states_state(x->states, j), err);
    if (rc == NNQ_OK && x->gibbs)
        rc = nnq_output_field_write(o, "states/gibbs", x->gibbs, err);
    free(x->gibbs);
    x->gibbs = NULL;
    x->states = NULL;
    return rc;
}

static enum nnq_status save(void *self, struct nnq_output *o, struct nnq_err *err) {
    struct obs_states *x = self;
    obs_states_check(x);
    return nnq_output_values_write(o, "states", x->v, 3 * (size_t)x->k + 2, err);
}

static enum nnq_status restore(void *self, struct nnq_output *o, struct nnq_err *err) {
    struct obs_states *x = self;
    return nnq_output_values_read(o, "states", x->v, 3 * (size_t)x->k + 2, err);
}

static void summarize(void *self, const struct nnq_diag_row *row, struct nnq_summary *sum) {
    struct obs_states *x = self;
    (void)row;
    obs_states_check(x);
    const int k = x->k;
    const double *E = x->v, *bound = x->v + k;
    double worst = 0.0;
    for (int j = 0; j < k; j++)
        worst = fmax(worst, bound[j]);
    char *j = sum->observed_json, *s = sum->observed_text;
    const size_t js = sizeof sum->observed_json, ss = sizeof sum->observed_text;
    nnq_observed_append(j, js, ",\"states\":{\"count\":%d,\"energies\":", k);
    nnq_observed_list(j, js, E, k);
    nnq_observed_append(j, js, ",\"error_bounds\":");
    nnq_observed_list(j, js, bound, k);
    nnq_observed_append(j, js, ",\"iterations\":%.0f,\"imaginary_time_steps\":%.0f", x->v[3 * k],
                        x->v[3 * k + 1]);
    nnq_observed_append(s, ss, "  %d eigenstate%s of H (energies within %.2g; %.0f iterations):", k,
                        k == 1 ? "" : "s", worst, x->v[3 * k]);
    for (int i = 0; i < k && i < 8; i++)
        nnq_observed_append(s, ss, "%s E%d = %.12g", i ? "," : "", i, E[i]);
    nnq_observed_append(s, ss, "%s\n", k > 8 ? ", ... (all in /states/energy)" : "");
    if (k >= 2) {
        const double dE = E[1] - E[0], period = 2.0 * M_PI * x->env.cfg->hbar / dE;
        nnq_observed_append(j, js, ",\"splitting\":%.12g,\"period\":%.12g", dE, period);
        nnq_observed_append(s, ss,
                            "  splitting E1 - E0 = %.6g: the tunnelling period 2 pi hbar / dE = "
                            "%.6g\n",
                            dE, period);
    }
    if (x->T > 0) {
        nnq_observed_append(j, js, ",\"gibbs_T\":%.12g", x->T);
        nnq_observed_append(s, ss,
                            "  beside them the classical description's stationary state, "
                            "exp(-V / T) / Z at T = %g: /states/gibbs\n",
                            x->T);
    }
    nnq_observed_append(j, js, "}");
}

static void memory(const struct nnq_config *cfg, int time_dependent, int threads, size_t *per_point,
                   double *fixed) {
    (void)time_dependent, (void)threads;
    size_t work;
    nnq_states_bytes_per_point(cfg->states, &work, per_point);
    *per_point += temperature(cfg) > 0 ? sizeof(double) : 0; /* the Gibbs state */
    *fixed = 0;
}

const struct nnq_observer_ops nnq_observer_states = {
    .name = "states",
    .group = {"states", "E", 0, NULL},
    .wanted = wanted,
    .create = create,
    .start = start,
    .sample = sample,
    .record = record,
    .summarize = summarize,
    .save = save,
    .restore = restore,
    .memory = memory,
    .destroy = destroy,
};
