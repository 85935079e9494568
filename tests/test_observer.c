/*
 * test_observer.c - an observer registered from this one file (nnq/observer.h) and run by
 * nnq_run through nnq_run_options.observers, beside the table's trajectories. The toy, `dwell`,
 * integrates the Schrodinger density over time at every point with the per-step hook,
 *     D(q, t) = sum over the steps k before t of p(q, t_k) dt,
 * and counts the hook's calls and its rows. Against exact results:
 *  - the hook ran once per step and sample once per row;
 *  - in the harmonic ground state (p stationary) the snapshot field /dwell/D equals t p(q, 0)
 *    at every snapshot, and integral D dq = t (the norm is 1);
 *  - the trajectories and psi of the run with the toy are those of the run without it, bit
 *    for bit (an observer reads, it does not change what it reads);
 *  - a run stopped after its first chunk and resumed ends with the unstopped run's D, bit for
 *    bit (the toy's save / restore).
 */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "helpers.h"
#include "nnq/observer.h"
#include "nnq/output_h5.h"
#include "same_dataset.h"

static char dir[256];

/* What the last toy destroyed had seen (a test's record; the library keeps no globals). */
static long seen_steps, seen_rows;

/* Invariants: D holds local_size values on env.g; calls: hook calls since t = 0; rows: rows
 * sampled since t = 0. */
struct dwell {
    struct nnq_stepper_env env;
    double *D;
    double counters[2]; /* calls, rows (doubles: the checkpoint's values) */
};

static const struct nnq_field_info dwell_fields[1] = {{"D", NNQ_FIELD_REAL, 0}};

static int dwell_wanted(const struct nnq_config *cfg) {
    (void)cfg;
    return 1;
}

static void dwell_destroy(void *self) {
    struct dwell *x = self;
    if (!x)
        return;
    seen_steps = (long)x->counters[0];
    seen_rows = (long)x->counters[1];
    free(x->D);
    free(x);
}

static enum nnq_status dwell_create(const struct nnq_stepper_env *env, void **self,
                                    struct nnq_err *err) {
    struct dwell *x = calloc(1, sizeof *x);
    const size_t n = env->g->local_size > 0 ? (size_t)env->g->local_size : 1;
    if (!x || !(x->D = calloc(n, sizeof(double)))) {
        dwell_destroy(x);
        return nnq_err_set(err, NNQ_ERR_RUNTIME, "out of memory");
    }
    x->env = *env;
    *self = x;
    return NNQ_OK;
}

static enum nnq_status dwell_start(void *self, const struct nnq_view *ref, struct nnq_err *err) {
    (void)self;
    (void)err;
    CHECK(ref && ref->psi);
    return NNQ_OK;
}

/* The density before the step just made is gone: D takes the density after it, so that D at
 * step k sums p at steps 1 .. k; the test's exact value is the same for a stationary p. */
static enum nnq_status dwell_step(void *self, double t0, struct nnq_err *err) {
    struct dwell *x = self;
    (void)t0;
    (void)err;
    struct nnq_view v;
    if (!nnq_stepper_view(&x->env, "schrodinger", &v))
        return nnq_err_set(err, NNQ_ERR_RUNTIME, "dwell: no Schrodinger description");
    const double dt = x->env.cfg->run_dt;
    for (ptrdiff_t i = 0; i < x->env.g->local_size; i++)
        x->D[i] += (creal(v.psi[i]) * creal(v.psi[i]) + cimag(v.psi[i]) * cimag(v.psi[i])) * dt;
    x->counters[0] += 1;
    return NNQ_OK;
}

static void dwell_sample(void *self, const struct nnq_view *ref, struct nnq_diag_row *row) {
    struct dwell *x = self;
    (void)ref;
    (void)row;
    x->counters[1] += 1;
}

static const void *dwell_field(void *self, int k) {
    struct dwell *x = self;
    (void)k;
    return x->D;
}

static enum nnq_status dwell_save(void *self, struct nnq_output *o, struct nnq_err *err) {
    struct dwell *x = self;
    enum nnq_status rc = nnq_output_state_write(o, "dwell_D", NNQ_FIELD_REAL, 1, x->D, err);
    return rc ? rc : nnq_output_values_write(o, "dwell_counters", x->counters, 2, err);
}

static enum nnq_status dwell_restore(void *self, struct nnq_output *o, struct nnq_err *err) {
    struct dwell *x = self;
    enum nnq_status rc = nnq_output_state_read(o, "dwell_D", NNQ_FIELD_REAL, 1, x->D, err);
    return rc ? rc : nnq_output_values_read(o, "dwell_counters", x->counters, 2, err);
}

static void dwell_memory(const struct nnq_config *cfg, int time_dependent, int threads,
                         size_t *per_point, double *fixed) {
    (void)cfg;
    (void)time_dependent;
    (void)threads;
    *per_point = sizeof(double);
    *fixed = 0;
}

static const struct nnq_observer_ops dwell = {
    .name = "dwell",
    .group = {"dwell", "D", 1, dwell_fields},
    .wanted = dwell_wanted,
    .create = dwell_create,
    .start = dwell_start,
    .step = dwell_step,
    .sample = dwell_sample,
    .field = dwell_field,
    .save = dwell_save,
    .restore = dwell_restore,
    .memory = dwell_memory,
    .destroy = dwell_destroy,
};

static const struct nnq_observer_ops *const with_dwell[] = {&nnq_observer_trajectories, &dwell,
                                                            NULL};

/* The harmonic ground state (p stationary), three kinds of particles; 200 steps, a row every
 * 20, a snapshot every 100. */
static const char ground_ini[] =
    "[run]\ndt = 1e-3\nsteps = 200\ndiag_every = 20\nsnapshot_every = 100\n"
    "integrator = order4\nplanner = estimate\n"
    "[grid]\nn = 128\nqmin = -8\nqmax = 8\n"
    "[potential]\npreset = harmonic\n"
    "[initial]\npreset = gaussian\nwidth = 0.7071067811865476\n"
    "[trajectories]\ncount = 50\nkinds = bohm, nelson\n";

/* Runs ground_ini into dir/NAME.h5 with the observers of table (NULL: the library's). */
static enum nnq_status run(const char *name, const struct nnq_observer_ops *const *table,
                           const volatile sig_atomic_t *stop) {
    char out[512];
    snprintf(out, sizeof out, "%s/%s.h5", dir, name);
    struct nnq_config cfg;
    struct nnq_summary sum;
    struct nnq_err err = {0};
    if (nnq_config_load_string(ground_ini, "dwell.ini", NULL, 0, &cfg, &err)) {
        fprintf(stderr, "config: %s\n", err.msg);
        exit(2);
    }
    struct nnq_run_options opt = {.output = out, .force = 1, .stop = stop, .observers = table};
    const enum nnq_status rc = nnq_run(&cfg, &opt, &sum, &err);
    if (rc != NNQ_OK)
        printf("run ended: %s\n", err.msg);
    return rc;
}

static void test_hook_and_field(void) {
    seen_steps = seen_rows = -1;
    CHECK(run("toy", with_dwell, NULL) == NNQ_OK);
    CHECK(seen_steps == 200);
    CHECK(seen_rows == 11); /* t = 0, every 20 steps */
    size_t n = 0, rows = 0, np = 0, prows = 0, nt = 0, trows = 0;
    double *D = test_read(dir, "toy", "/dwell/D", &n, &rows);
    double *p = test_read(dir, "toy", "/schrodinger/p", &np, &prows);
    double *t = test_read(dir, "toy", "/snapshots/t", &nt, &trows);
    CHECK(D && p && t && rows == 3 && prows == 3 && n == np && trows == 3);
    if (D && p && t && rows == 3 && prows == 3 && n == np && trows == 3) {
        const size_t points = n / rows;
        const double dq = 16.0 / (double)points;
        double peak = 0;
        for (size_t i = 0; i < points; i++)
            peak = fmax(peak, p[i]);
        for (size_t s = 0; s < rows; s++) {
            double worst = 0, mass = 0;
            for (size_t i = 0; i < points; i++) {
                worst = fmax(worst, fabs(D[s * points + i] - t[s] * p[i]));
                mass += D[s * points + i] * dq;
            }
            CHECK_NEAR(worst / peak, 0.0, 1e-12);
            CHECK_NEAR(mass, t[s], 1e-12);
        }
    }
    free(D);
    free(p);
    free(t);
}

static void test_reads_only(void) {
    CHECK(run("without", NULL, NULL) == NNQ_OK);
    char a[512], b[512];
    snprintf(a, sizeof a, "%s/toy.h5", dir);
    snprintf(b, sizeof b, "%s/without.h5", dir);
    CHECK(same_dataset(a, b, "/trajectories/bohm/q"));
    CHECK(same_dataset(a, b, "/trajectories/nelson/q"));
    CHECK(same_dataset(a, b, "/schrodinger/psi"));
    CHECK(same_dataset(a, b, "/diagnostics/bohm_q0"));
}

static void test_resume(void) {
    static volatile sig_atomic_t stop = 1;
    CHECK(run("stopped", with_dwell, &stop) == NNQ_ERR_INTERRUPTED);
    char path[512], text[8192];
    snprintf(path, sizeof path, "%s/stopped.h5", dir);
    struct nnq_config stored;
    struct nnq_summary sum;
    struct nnq_err err = {0};
    CHECK(nnq_output_read_config(path, text, sizeof text, &err) == NNQ_OK &&
          nnq_config_load_string(text, path, NULL, 0, &stored, &err) == NNQ_OK);
    struct nnq_run_options opt = {.resume = path, .observers = with_dwell};
    CHECK(nnq_run(&stored, &opt, &sum, &err) == NNQ_OK);
    CHECK(seen_steps == 200 && seen_rows == 11);
    char whole[512];
    snprintf(whole, sizeof whole, "%s/toy.h5", dir);
    CHECK(same_dataset(path, whole, "/dwell/D"));
    CHECK(same_dataset(path, whole, "/trajectories/nelson/q"));
}

int main(void) {
    snprintf(dir, sizeof dir, "/tmp/nnq_test_observer_XXXXXX");
    if (!mkdtemp(dir))
        return 1;
    test_hook_and_field();
    test_reads_only();
    test_resume();
    return check_result();
}
