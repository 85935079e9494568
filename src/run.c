/*
 * run.c - one simulation: a loop over the steppers a config asks for and the observers that
 * read them, plus the schedule (see include/nnq/run.h). The run knows no solver: it asks the
 * tables of nnq/stepper.h and nnq/observer.h.
 */
#include "nnq/run.h"

#include <assert.h>
#include <complex.h>
#include <fftw3.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nnq/absorber.h"
#include "nnq/grid.h"
#include "nnq/initial.h"
#include "nnq/observer.h"
#include "nnq/output_h5.h"
#include "nnq/par.h"
#include "nnq/potential.h"
#include "nnq/progress.h"
#include "nnq/stepper.h"

#define CONFIG_TEXT_MAX (NNQ_KEY_COUNT * 2 * NNQ_STR_MAX)

/*
 * The parts of a run. Invariants: ops[0 .. count) are the table's steppers that cfg wants,
 * the reference first, self[k] what ops[k]->create made (NULL until then); obs[0 .. nobs) the
 * observers cfg wants, obs_self[k] theirs; groups[] the steppers' groups, then the
 * observers'; every_step: an observer has a per-step hook; g, pot and out outlive the
 * steppers and observers; cfg is the caller's, or `own` (its copy with the values chosen at
 * set-up) once that is made.
 */
struct run {
    const struct nnq_config *cfg;
    struct nnq_config *own;
    const struct nnq_run_options *opt;
    struct nnq_summary *sum;
    struct nnq_grid *g;
    struct nnq_potential *pot;
    struct nnq_output *out;
    struct nnq_states *states; /* the eigenstates cfg asks for (a fresh run), or NULL */
    int count, nobs, every_step;
    const struct nnq_stepper_ops *ops[NNQ_STEPPERS_MAX];
    void *self[NNQ_STEPPERS_MAX];
    const struct nnq_observer_ops *obs[NNQ_OBSERVERS_MAX];
    void *obs_self[NNQ_OBSERVERS_MAX];
    struct nnq_output_group groups[NNQ_STEPPERS_MAX + NNQ_OBSERVERS_MAX];
};

/* The running summary a checkpoint carries (nnq/run.h's NNQ_SUMMARY_VALUES and the parting's),
 * by name: /checkpoint/summary_<name>. */
#define NNQ_X_DOUBLES(type, name, extent, doc)                                                     \
    _Static_assert(sizeof(type extent) % sizeof(double) == 0, #name " is made of doubles");
NNQ_SUMMARY_VALUES(NNQ_X_DOUBLES)
NNQ_PARTING_VALUES(NNQ_X_DOUBLES)
#undef NNQ_X_DOUBLES

/* Writes (save) or reads the value n doubles at v as /checkpoint/<name>. */
static enum nnq_status summary_value(struct nnq_output *o, const char *name, double *v, size_t n,
                                     int save, struct nnq_err *err) {
    return save ? nnq_output_values_write(o, name, v, n, err)
                : nnq_output_values_read(o, name, v, n, err);
}

/* The running summary into the checkpoint (save) or back from it. */
static enum nnq_status summary_io(struct nnq_output *o, struct nnq_summary *s, int save,
                                  struct nnq_err *err) {
    enum nnq_status rc = NNQ_OK;
#define NNQ_X_IO(name, at)                                                                         \
    if (rc == NNQ_OK)                                                                              \
        rc = summary_value(o, "summary_" #name, (double *)&(at), sizeof(at) / sizeof(double),      \
                           save, err);
#define NNQ_X_IO_SUM(type, name, extent, doc) NNQ_X_IO(name, s->name)
#define NNQ_X_IO_PARTING(type, name, extent, doc) NNQ_X_IO(name, s->parting.name)
    NNQ_SUMMARY_VALUES(NNQ_X_IO_SUM)
    NNQ_PARTING_VALUES(NNQ_X_IO_PARTING)
#undef NNQ_X_IO_SUM
#undef NNQ_X_IO_PARTING
#undef NNQ_X_IO
    return rc;
}

/* Best effort (wisdom is a cache): written beside and renamed, so that runs of a sweep in
 * parallel never read a half-written file. */
static void save_wisdom(const char *path) {
    char tmp[NNQ_STR_MAX + 32];
    snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid());
    if (fftw_export_wisdom_to_filename(tmp))
        rename(tmp, path);
    else
        remove(tmp);
}

long nnq_run_chunk(long diag_every) {
    if (diag_every <= NNQ_RUN_CHUNK)
        return diag_every * (NNQ_RUN_CHUNK / diag_every);
    for (long c = NNQ_RUN_CHUNK; c >= 16; c--)
        if (diag_every % c == 0)
            return c;
    return NNQ_RUN_CHUNK;
}

static long next_stop(long step, long every, long steps) {
    if (every <= 0)
        return steps;
    long next = (step / every + 1) * every;
    return next < steps ? next : steps;
}

/* Asserts r's invariants (on in debug and sanitizer builds). */
static void run_check(const struct run *r) {
    (void)r; /* NDEBUG: no asserts */
    assert(r->cfg && r->sum && r->g && r->pot);
    assert(r->count >= 1 && r->count <= NNQ_STEPPERS_MAX && r->ops[0] == nnq_steppers[0]);
    assert(r->nobs >= 0 && r->nobs <= NNQ_OBSERVERS_MAX);
    for (int k = 0; k < r->count; k++)
        assert(r->self[k] && r->groups[k].name == r->ops[k]->group.name);
    for (int k = 0; k < r->nobs; k++)
        assert(r->obs_self[k] && r->groups[r->count + k].name == r->obs[k]->group.name &&
               (r->every_step || !r->obs[k]->step));
}

/* Folds row (written) into the summary: sum->last, then each stepper's and observer's part
 * of it, in table order. */
static void summarize(struct run *r, const struct nnq_diag_row *row) {
    r->sum->last = *row;
    for (int k = 0; k < r->count; k++)
        if (r->ops[k]->summarize)
            r->ops[k]->summarize(r->self[k], row, r->sum);
    r->sum->observed_json[0] = r->sum->observed_text[0] = '\0'; /* each observer's, anew */
    for (int k = 0; k < r->nobs; k++)
        if (r->obs[k]->summarize)
            r->obs[k]->summarize(r->obs_self[k], row, r->sum);
}

/* Every stepper's and observer's columns of the row at the current state; the reference's
 * view is what the others compare with. Collective. */
static void sample(struct run *r, struct nnq_diag_row *row) {
    run_check(r);
    nnq_diag_clear(row, r->sum->t, r->sum->steps_done);
    struct nnq_view ref;
    r->ops[0]->view(r->self[0], &ref);
    nnq_view_check(&ref);
    for (int k = 0; k < r->count; k++)
        r->ops[k]->sample(r->self[k], &ref, row);
    for (int k = 0; k < r->nobs; k++)
        r->obs[k]->sample(r->obs_self[k], &ref, row);
}

/* The first stepper or observer whose columns of row show a failure, or NNQ_OK. */
static enum nnq_status check(struct run *r, const struct nnq_diag_row *row,
                             const struct nnq_diag_row *first, struct nnq_err *err) {
    enum nnq_status rc = NNQ_OK;
    for (int k = 0; k < r->count && rc == NNQ_OK; k++)
        rc = r->ops[k]->check(r->self[k], row, first, err);
    for (int k = 0; k < r->nobs && rc == NNQ_OK; k++)
        if (r->obs[k]->check)
            rc = r->obs[k]->check(r->obs_self[k], row, err);
    return rc;
}

/* What the steppers and observers keep beside the columns at a row. Collective. */
static enum nnq_status record(struct run *r, struct nnq_err *err) {
    enum nnq_status rc = NNQ_OK;
    for (int k = 0; k < r->count && rc == NNQ_OK; k++)
        if (r->ops[k]->record)
            rc = r->ops[k]->record(r->self[k], r->out, err);
    for (int k = 0; k < r->nobs && rc == NNQ_OK; k++)
        if (r->obs[k]->record)
            rc = r->obs[k]->record(r->obs_self[k], r->out, err);
    return rc;
}

/* Samples, checks and writes one diagnostics row. Collective. */
static enum nnq_status write_row(struct run *r, struct nnq_err *err) {
    struct nnq_diag_row row;
    sample(r, &row);
    enum nnq_status rc = check(r, &row, &r->sum->first, err);
    if (rc)
        return rc;
    summarize(r, &row);
    rc = nnq_output_diag(r->out, &row, err);
    return rc ? rc : record(r, err);
}

/* The data of field f of group k (the steppers' groups, then the observers'). */
static const void *field(struct run *r, int k, int f) {
    return k < r->count ? r->ops[k]->field(r->self[k], f)
                        : r->obs[k - r->count]->field(r->obs_self[k - r->count], f);
}

/* One snapshot of every stepper's and observer's fields. Collective. */
static enum nnq_status write_snapshot(struct run *r, struct nnq_err *err) {
    enum nnq_status rc = nnq_output_snapshot_begin(r->out, r->sum->t, r->sum->steps_done, err);
    for (int k = 0; k < r->count + r->nobs && rc == NNQ_OK; k++)
        for (int f = 0; f < r->groups[k].nfields && rc == NNQ_OK; f++)
            if (nnq_output_wants(r->out, k, f))
                rc = nnq_output_snapshot_field(r->out, k, f, field(r, k, f), err);
    return rc ? rc : nnq_output_snapshot_end(r->out, err);
}

/* Every stepper's and observer's state and the running summary into /checkpoint.
 * Collective. */
static enum nnq_status write_checkpoint(struct run *r, struct nnq_err *err) {
    enum nnq_status rc = nnq_output_checkpoint_begin(r->out, err);
    for (int k = 0; k < r->count && rc == NNQ_OK; k++)
        rc = r->ops[k]->save(r->self[k], r->out, err);
    for (int k = 0; k < r->nobs && rc == NNQ_OK; k++)
        if (r->obs[k]->save)
            rc = r->obs[k]->save(r->obs_self[k], r->out, err);
    if (rc == NNQ_OK)
        rc = summary_io(r->out, r->sum, 1, err);
    return rc ? rc : nnq_output_checkpoint_end(r->out, r->sum->steps_done, r->sum->t, err);
}

/* The first stepper that ended while the others ran on, into the summary. */
static void track_ended(struct run *r) {
    for (int k = 0; k < r->count && isnan(r->sum->t_ended); k++) {
        const char *reason = "";
        const double t =
            r->self[k] && r->ops[k]->ended ? r->ops[k]->ended(r->self[k], &reason) : NAN;
        if (!isnan(t)) {
            r->sum->t_ended = t;
            snprintf(r->sum->ended_by, sizeof r->sum->ended_by, "%s", r->ops[k]->name);
            snprintf(r->sum->ended_reason, sizeof r->sum->ended_reason, "%s", reason);
        }
    }
}

/* [grid] absorb_strength = 0: the strength for the initial state (nnq_absorber_auto),
 * made r's config (stored in the output: a resumed run keeps it) and the summary's. A state
 * that cannot be made here is left for the reference stepper's start to report. Collective. */
static enum nnq_status choose_absorber(struct run *r, struct nnq_err *err) {
    const struct nnq_config *cfg = r->cfg;
    r->sum->absorb_strength = cfg->grid_absorb_strength;
    if (cfg->grid_boundary != NNQ_BOUNDARY_ABSORBING || cfg->grid_absorb_strength > 0)
        return NNQ_OK;
    const struct nnq_grid *g = r->g;
    const size_t points = g->local_size > 0 ? (size_t)g->local_size : 1;
    double *V = fftw_malloc(sizeof(double) * points);
    double complex *psi =
        fftw_malloc(sizeof(double complex) * (g->alloc_size > 0 ? (size_t)g->alloc_size : 1));
    r->own = malloc(sizeof *r->own);
    enum nnq_status rc = nnq_par_agree(
        V && psi && r->own ? NNQ_OK : nnq_err_set(err, NNQ_ERR_RUNTIME, "out of memory"), err);
    if (rc == NNQ_OK)
        rc = nnq_par_agree(nnq_potential_fill(r->pot, g, 0.0, V, err), err);
    struct nnq_err ignored = {0};
    double c = 0, k = 0;
    if (rc == NNQ_OK &&
        nnq_par_agree(nnq_initial_fill(cfg, g, r->states, psi, &ignored), &ignored) == NNQ_OK)
        rc = nnq_absorber_auto(cfg, g, V, psi, &c, &k, err);
    if (rc == NNQ_OK && c > 0) {
        *r->own = *cfg;
        r->own->grid_absorb_strength = c;
        snprintf(r->own->raw[NNQ_KEY_grid_absorb_strength], NNQ_STR_MAX, "%.17g", c);
        r->own->origin[NNQ_KEY_grid_absorb_strength] = -1; /* as if given: the stored config */
        r->cfg = r->own;
        r->sum->absorb_strength = c;
        r->sum->absorb_k = k;
    }
    fftw_free(V);
    fftw_free(psi);
    return rc;
}

/* The cfg->states eigenstates of H with V at t = 0 into *out (NULL when cfg asks for none).
 * Collective. */
static enum nnq_status solve_states(const struct nnq_config *cfg, const struct nnq_grid *g,
                                    const struct nnq_potential *pot, int threads,
                                    struct nnq_states **out, struct nnq_err *err) {
    *out = NULL;
    if (cfg->states == 0)
        return NNQ_OK;
    double *V = malloc(sizeof(double) * (size_t)(g->local_size > 0 ? g->local_size : 1));
    enum nnq_status rc = nnq_par_agree(V ? nnq_potential_fill(pot, g, 0.0, V, err)
                                         : nnq_err_set(err, NNQ_ERR_RUNTIME, "out of memory"),
                                       err);
    const struct nnq_states_params par = {.hbar = cfg->hbar,
                                          .mass = cfg->particle_mass,
                                          .count = cfg->states,
                                          .tol = cfg->run_states_tol,
                                          .max_iter = NNQ_RUN_STATES_ITERATIONS,
                                          .threads = threads,
                                          .planner = (enum nnq_planner)cfg->run_planner};
    if (rc == NNQ_OK && (rc = nnq_states_create(g, V, &par, out, err)) != NNQ_OK) {
        char place[NNQ_STR_MAX + 32];
        nnq_err_prefix(err, "%s", nnq_config_place(cfg, NNQ_KEY_run_states, place, sizeof place));
    }
    free(V);
    return rc;
}

/* Grid, potential, output file and planned steppers; *step: where the run starts. */
static enum nnq_status setup(struct run *r, long *step, struct nnq_err *err) {
    const struct nnq_config *cfg = r->cfg;
    const struct nnq_run_options *opt = r->opt;
    struct nnq_summary *sum = r->sum;
    enum nnq_status rc = nnq_par_agree(
        nnq_run_check_limits(cfg, sum->output, opt->memory_available, opt->disk_free, err), err);
    if (rc == NNQ_OK && !opt->resume)
        rc = nnq_par_agree(nnq_output_check_path(sum->output, opt->force, err), err);
    if (rc == NNQ_OK)
        rc = nnq_par_agree(nnq_grid_create(cfg->dims, cfg->n, cfg->qmin, cfg->qmax, &r->g, err),
                           err);
    if (rc == NNQ_OK)
        rc = nnq_par_agree(nnq_potential_create(cfg, r->g, &r->pot, err), err);
    for (int k = 0; nnq_steppers[k]; k++)
        if (nnq_steppers[k]->wanted(cfg)) {
            assert(r->count < NNQ_STEPPERS_MAX); /* the table's size is asserted at compile time */
            r->ops[r->count] = nnq_steppers[k];
            r->groups[r->count++] = nnq_steppers[k]->group;
        }
    const struct nnq_observer_ops *const *table = opt->observers ? opt->observers : nnq_observers;
    for (int k = 0; table[k] && r->nobs < NNQ_OBSERVERS_MAX; k++)
        if (table[k]->wanted(cfg)) {
            r->every_step |= table[k]->step != NULL;
            r->obs[r->nobs] = table[k];
            r->groups[r->count + r->nobs++] = table[k]->group;
        }
    *step = 0;
    if (rc == NNQ_OK && opt->resume) {
        snprintf(sum->output, sizeof sum->output, "%s", opt->resume);
        rc = nnq_par_agree(nnq_output_resume(opt->resume, cfg, r->g, r->groups, r->count + r->nobs,
                                             &r->out, step, err),
                           err);
    }
    /* wisdom is per process; FFTW-MPI plans are agreed among the ranks anyway */
    const double t_plan = nnq_progress_clock();
    const char *wisdom = nnq_par_size() == 1 ? opt->wisdom : NULL;
    if (rc == NNQ_OK && wisdom) {
        /* the threads planner must be registered before wisdom is read, or the wisdom of
         * threaded plans is not matched (FFTW: fftw_init_threads before any other call) */
        fftw_init_threads();
        fftw_import_wisdom_from_filename(wisdom); /* a missing file is no error */
    }
    /* a fresh run: the eigenstates (the initial state may be made of them), then the absorbing
     * layer chosen for the initial state */
    if (rc == NNQ_OK && !opt->resume) {
        const double t_states = nnq_progress_clock();
        rc = solve_states(cfg, r->g, r->pot, sum->threads, &r->states, err);
        sum->states_s = cfg->states > 0 ? nnq_progress_clock() - t_states : 0.0;
        if (rc == NNQ_OK)
            rc = choose_absorber(r, err);
        cfg = r->cfg;
    }
    const struct nnq_stepper_env env = {cfg,      r->g,   r->pot,     sum->threads,
                                        r->count, r->ops, r->self,    r->states,
                                        r->nobs,  r->obs, r->obs_self};
    for (int k = 0; k < r->count && rc == NNQ_OK; k++)
        rc = nnq_par_agree(r->ops[k]->create(&env, &r->self[k], err), err);
    for (int k = 0; k < r->nobs && rc == NNQ_OK; k++)
        rc = nnq_par_agree(r->obs[k]->create(&env, &r->obs_self[k], err), err);
    /* a kill inside the wisdom's rename would leave its temporary file; a signal from here on
     * stops the run after its first chunk */
    if (opt->setting_up)
        *opt->setting_up = 0;
    if (rc == NNQ_OK && wisdom)
        save_wisdom(wisdom);
    sum->plan_s = nnq_progress_clock() - t_plan - sum->states_s;
    return rc;
}

/* The output file of a new run, with the effective config. Collective. */
static enum nnq_status create_output(struct run *r, struct nnq_err *err) {
    char *config_text = malloc(CONFIG_TEXT_MAX);
    /* agreed before the file's collective calls, which a rank without it would not reach */
    enum nnq_status rc = nnq_par_agree(
        config_text ? NNQ_OK : nnq_err_set(err, NNQ_ERR_RUNTIME, "out of memory"), err);
    if (rc != NNQ_OK)
        return rc;
    nnq_config_dump(r->cfg, config_text, CONFIG_TEXT_MAX);
    rc = nnq_par_agree(nnq_output_create(r->sum->output, r->opt->force, r->cfg, config_text, r->g,
                                         r->groups, r->count + r->nobs, &r->out, err),
                       err);
    free(config_text);
    return rc;
}

/* V at t = 0, evaluated as the solvers do, into the file (write) or compared with what the file
 * holds (a resumed run: a potential file or expression changed since is refused). Collective. */
static enum nnq_status potential_file(struct run *r, int compare, struct nnq_err *err) {
    const size_t n = (size_t)(r->g->local_size > 0 ? r->g->local_size : 1);
    double *V = malloc(sizeof(double) * n), *scratch = compare ? malloc(sizeof(double) * n) : NULL;
    enum nnq_status rc = V && (scratch || !compare)
                             ? nnq_potential_fill(r->pot, r->g, 0.0, V, err)
                             : nnq_err_set(err, NNQ_ERR_RUNTIME, "out of memory");
    rc = nnq_par_agree(rc, err);
    if (rc == NNQ_OK)
        rc = compare ? nnq_output_potential_same(r->out, V, scratch, err)
                     : nnq_output_potential(r->out, V, err);
    free(V);
    free(scratch);
    return nnq_par_agree(rc, err);
}

/* The state at t = 0: the reference from the config, the others from it; then the output
 * file (so that a bad initial state, or one read from the file about to be overwritten,
 * leaves it as it was), the state's row (checked before anything is written) and snapshot.
 * Collective. */
static enum nnq_status start(struct run *r, struct nnq_err *err) {
    struct nnq_view ref;
    enum nnq_status rc = nnq_par_agree(r->ops[0]->start(r->self[0], NULL, err), err);
    if (rc == NNQ_OK)
        r->ops[0]->view(r->self[0], &ref);
    for (int k = 1; k < r->count && rc == NNQ_OK; k++)
        rc = nnq_par_agree(r->ops[k]->start(r->self[k], &ref, err), err);
    for (int k = 0; k < r->nobs && rc == NNQ_OK; k++)
        if (r->obs[k]->start)
            rc = nnq_par_agree(r->obs[k]->start(r->obs_self[k], &ref, err), err);
    if (rc == NNQ_OK)
        rc = create_output(r, err);
    if (rc == NNQ_OK)
        rc = potential_file(r, 0, err);
    if (rc != NNQ_OK)
        return rc;
    struct nnq_diag_row row;
    sample(r, &row);
    r->sum->first = row;
    summarize(r, &row);
    if ((rc = nnq_par_agree(check(r, &row, &row, err), err)) ||
        (rc = nnq_par_agree(nnq_output_diag(r->out, &row, err), err)) ||
        (rc = nnq_par_agree(record(r, err), err)))
        return rc;
    return nnq_par_agree(write_snapshot(r, err), err);
}

/* Every stepper's state and the summary from the checkpoint. Collective. */
static enum nnq_status resume(struct run *r, long step, struct nnq_err *err) {
    enum nnq_status rc = potential_file(r, 1, err);
    for (int k = 0; k < r->count && rc == NNQ_OK; k++)
        rc = nnq_par_agree(r->ops[k]->restore(r->self[k], r->out, err), err);
    for (int k = 0; k < r->nobs && rc == NNQ_OK; k++)
        if (r->obs[k]->restore)
            rc = nnq_par_agree(r->obs[k]->restore(r->obs_self[k], r->out, err), err);
    if (rc == NNQ_OK)
        rc = nnq_par_agree(summary_io(r->out, r->sum, 0, err), err);
    if (rc == NNQ_OK) {
        r->sum->steps_done = step;
        r->sum->t = (double)step * r->cfg->run_dt;
    }
    return rc;
}

/* The steps from `step` to the end, or to a stop. Collective. */
static enum nnq_status loop(struct run *r, long step, struct nnq_err *err) {
    const struct nnq_config *cfg = r->cfg;
    struct nnq_summary *sum = r->sum;
    const long steps = cfg->steps, every_check = cfg->run_checkpoint_every;
    const double dt = cfg->run_dt;
    const long chunk = nnq_run_chunk(cfg->run_diag_every);
    struct nnq_progress *progress = nnq_progress_create(r->opt->progress, steps);
    enum nnq_status rc = NNQ_OK;
    while (step < steps && rc == NNQ_OK) {
        const long next_diag = next_stop(step, cfg->run_diag_every, steps);
        const long next_snap = next_stop(step, cfg->run_snapshot_every, steps);
        const long next_check = next_stop(step, every_check, steps);
        long next = next_stop(step, chunk, steps);
        next = next_diag < next ? next_diag : next;
        next = next_snap < next ? next_snap : next;
        next = every_check > 0 && next_check < next ? next_check : next;
        /* an observer that sees every step: every stepper makes each step before any makes
         * the next, and the observers' hooks run between */
        const long stride = r->every_step ? 1 : next - step;
        const double t_step = nnq_progress_clock();
        for (long s = step; s < next && rc == NNQ_OK; s += stride) {
            for (int k = 0; k < r->count && rc == NNQ_OK; k++)
                rc =
                    nnq_par_agree(r->ops[k]->advance(r->self[k], stride, (double)s * dt, err), err);
            for (int k = 0; k < r->nobs && rc == NNQ_OK; k++)
                if (r->obs[k]->step)
                    rc = nnq_par_agree(r->obs[k]->step(r->obs_self[k], (double)s * dt, err), err);
        }
        sum->step_s += nnq_progress_clock() - t_step;
        if (rc != NNQ_OK)
            break;
        step = next;
        sum->steps_done = step;
        sum->t = (double)step * dt;
        /* a signal reaches the ranks at different times: they stop together */
        const int stop = nnq_par_any(r->opt->stop && *r->opt->stop) && step < steps;
        const int diag_due = step == next_diag || step == next_snap || step == steps;
        const int snap_due = step == next_snap || step == steps;
        if (diag_due)
            rc = nnq_par_agree(write_row(r, err), err);
        if (rc == NNQ_OK && snap_due)
            rc = nnq_par_agree(write_snapshot(r, err), err);
        if (rc == NNQ_OK && ((every_check > 0 && step == next_check && step < steps) || stop))
            rc = nnq_par_agree(write_checkpoint(r, err), err);
        /* after the checkpoint: a resumed run cuts these away again, and so ends bit for bit
         * as one that was never stopped */
        if (rc == NNQ_OK && stop && !diag_due)
            rc = nnq_par_agree(write_row(r, err), err);
        if (rc == NNQ_OK && stop && !snap_due)
            rc = nnq_par_agree(write_snapshot(r, err), err);
        nnq_progress_update(progress, step, sum->t);
        if (rc == NNQ_OK && stop)
            rc = nnq_err_set(err, NNQ_ERR_INTERRUPTED,
                             "interrupted at step %ld of %ld (t = %g); %s holds every snapshot "
                             "up to it and a checkpoint: nnq simulate --resume %s continues",
                             step, steps, sum->t, sum->output, sum->output);
    }
    nnq_progress_destroy(progress);
    return rc;
}

void nnq_run_summary_init(const struct nnq_config *cfg, const struct nnq_run_options *opt,
                          struct nnq_summary *sum) {
    memset(sum, 0, sizeof *sum);
    sum->threads = opt->threads > 0 ? opt->threads : (int)cfg->run_threads;
    sum->t_multivalued = NAN;
    nnq_parting_init(&sum->parting);
    sum->held = NAN;
    sum->absorb_strength = cfg->grid_absorb_strength;
    sum->absorb_k = NAN;
    sum->t_ended = NAN;
    sum->edge_density = NAN;
    sum->t_edge = NAN;
    for (int k = 0; k < 4; k++)
        sum->div_before[k] = sum->div_after[k] = NAN;
    snprintf(sum->output, sizeof sum->output, "%s",
             opt->resume   ? opt->resume
             : opt->output ? opt->output
                           : cfg->output_file);
}

enum nnq_status nnq_run(const struct nnq_config *cfg, const struct nnq_run_options *opt,
                        struct nnq_summary *sum, struct nnq_err *err) {
    nnq_err_clear(err);
    const double t_start = nnq_progress_clock();
    nnq_run_summary_init(cfg, opt, sum);
    if (opt->setting_up)
        *opt->setting_up = 1;

    struct run r = {.cfg = cfg, .opt = opt, .sum = sum};
    long step = 0;
    enum nnq_status rc = setup(&r, &step, err);
    if (opt->setting_up)
        *opt->setting_up = 0;
    if (rc == NNQ_OK)
        rc = opt->resume ? resume(&r, step, err) : start(&r, err);
    if (rc == NNQ_OK)
        rc = loop(&r, step, err);
    track_ended(&r);
    if (r.out) {
        sum->snapshots = nnq_output_snapshots(r.out);
        struct nnq_err close_err = {0};
        if (nnq_output_close(r.out, rc == NNQ_OK, &close_err) != NNQ_OK && rc == NNQ_OK)
            rc = nnq_err_set(err, close_err.code, "%s", close_err.msg);
    }
    for (int k = r.nobs - 1; k >= 0; k--)
        r.obs[k]->destroy(r.obs_self[k]);
    for (int k = r.count - 1; k >= 0; k--)
        r.ops[k]->destroy(r.self[k]);
    nnq_states_destroy(r.states);
    nnq_potential_destroy(r.pot);
    nnq_grid_destroy(r.g);
    free(r.own);
    sum->status = rc;
    sum->wall_s = nnq_progress_clock() - t_start;
    return rc;
}

/* ---- what a run will take ----------------------------------------------------------------- */

/* What one stepper or observer adds: its memory into *e (memory NULL: none beyond its struct),
 * its snapshot values per point into *fields. */
static void add_estimate(const struct nnq_config *cfg, int td, int threads,
                         void (*memory)(const struct nnq_config *, int, int, size_t *, double *),
                         const struct nnq_output_group *group, struct nnq_estimate *e,
                         double *fields) {
    size_t per_point = 0;
    double fixed = 0;
    if (memory)
        memory(cfg, td, threads, &per_point, &fixed);
    e->bytes_per_point += per_point;
    e->fixed += fixed;
    for (int f = 0; f < group->nfields; f++) {
        const struct nnq_field_info *fi = &group->fields[f];
        if (!fi->select || (cfg->output_fields & fi->select))
            *fields += fi->kind == NNQ_FIELD_COMPLEX  ? 2
                       : fi->kind == NNQ_FIELD_VECTOR ? cfg->dims
                                                      : 1;
    }
}

void nnq_run_estimate(const struct nnq_config *cfg, int threads, struct nnq_estimate *e) {
    double points = (double)cfg->n[0] * (double)cfg->n[1] * (double)cfg->n[2];
    struct nnq_potential *pot = NULL;
    int td = 0;
    size_t source = 0;
    double read = 0;
    if (nnq_potential_create(cfg, NULL, &pot, NULL) == NNQ_OK) {
        td = nnq_potential_time_dependent(pot);
        source = nnq_potential_bytes_per_point(pot);
        read = nnq_potential_read_bytes(pot);
        nnq_potential_destroy(pot);
    }
    threads = threads > 0 ? threads : (int)cfg->run_threads;
    e->bytes_per_point = source;
    double once = 0; /* output bytes written once: the eigenstates */
    /* files read whole (an upper bound: under mpirun a rank reads its rows) */
    e->fixed = read + nnq_initial_read_bytes(cfg);
    double fields = 0;
    const double word = cfg->output_precision == NNQ_PRECISION_SINGLE ? 4.0 : 8.0;
    for (int k = 0; nnq_steppers[k]; k++)
        if (nnq_steppers[k]->wanted(cfg))
            add_estimate(cfg, td, threads, nnq_steppers[k]->memory, &nnq_steppers[k]->group, e,
                         &fields);
    for (int k = 0; nnq_observers[k]; k++)
        if (nnq_observers[k]->wanted(cfg))
            add_estimate(cfg, td, threads, nnq_observers[k]->memory, &nnq_observers[k]->group, e,
                         &fields);
    if (cfg->states > 0) { /* found before the steppers are made, the states then kept */
        size_t work, kept;
        nnq_states_bytes_per_point(cfg->states, &work, &kept);
        if (source + work > e->bytes_per_point)
            e->bytes_per_point = source + work;
        once = sizeof(double complex) * (double)cfg->states * points;
    }
    e->memory = points * (double)e->bytes_per_point + e->fixed;
    e->snapshots = cfg->run_snapshot_every > 0 ? cfg->steps / cfg->run_snapshot_every + 1 : 1;
    if (cfg->run_snapshot_every <= 0 || cfg->steps % cfg->run_snapshot_every != 0)
        e->snapshots++;
    e->output = fields * word * points * (double)e->snapshots + once;
    if (cfg->trajectories_count > 0) {
        /* the point set: a row of count x d doubles per kind (and its t) every `every`
         * diagnostics rows (t = 0 and the end included) */
        const double rows = (double)(cfg->steps / cfg->run_diag_every + 2);
        const double stored = ceil(rows / (double)cfg->trajectories_every);
        const int kinds = __builtin_popcount(cfg->trajectories_kinds);
        e->output += 8.0 * stored * ((double)cfg->trajectories_count * cfg->dims * kinds + 1.0);
    }
}

enum nnq_status nnq_run_validate(const struct nnq_config *cfg, struct nnq_validation *v,
                                 struct nnq_err *err) {
    v->v_min = INFINITY;
    v->v_max = -INFINITY;
    v->norm = 0;
    v->absorb_strength = cfg->grid_absorb_strength;
    v->absorb_k = NAN;
    for (int a = 0; a < 3; a++)
        v->q_min[a] = 0;
    struct nnq_grid *g = NULL;
    struct nnq_potential *pot = NULL;
    double *V = NULL;
    double complex *psi = NULL;
    struct nnq_states *states = NULL;
    enum nnq_status rc =
        nnq_par_agree(nnq_grid_create(cfg->dims, cfg->n, cfg->qmin, cfg->qmax, &g, err), err);
    if (rc == NNQ_OK)
        rc = nnq_par_agree(nnq_potential_create(cfg, g, &pot, err), err);
    const size_t points = g && g->local_size > 0 ? (size_t)g->local_size : 1;
    if (rc == NNQ_OK) {
        V = fftw_malloc(sizeof(double) * points);
        psi = fftw_malloc(sizeof(double complex) * (g->alloc_size > 0 ? (size_t)g->alloc_size : 1));
        rc = V && psi ? NNQ_OK : nnq_err_set(err, NNQ_ERR_RUNTIME, "out of memory");
        rc = nnq_par_agree(rc == NNQ_OK ? nnq_potential_fill(pot, g, 0.0, V, err) : rc, err);
    }
    if (rc == NNQ_OK) {
        ptrdiff_t at = -1;
        for (ptrdiff_t i = 0; i < g->local_size; i++) {
            if (at < 0 || V[i] < V[at])
                at = i;
            v->v_max = fmax(v->v_max, V[i]);
        }
        const double local = at >= 0 ? V[at] : INFINITY;
        v->v_min = -nnq_par_max(-local);
        v->v_max = nnq_par_max(v->v_max);
        const int owner = nnq_par_first(at >= 0 && local == v->v_min);
        if (at >= 0 && owner == nnq_par_rank()) {
            ptrdiff_t j[3];
            nnq_grid_index(g, at, j);
            for (int a = 0; a < cfg->dims; a++)
                v->q_min[a] = g->qmin[a] + (double)j[a] * g->dq[a];
        }
        if (owner < nnq_par_size())
            nnq_par_bcast_from(v->q_min, sizeof v->q_min, owner);
        if (cfg->initial_kind == NNQ_INIT_STATES) /* made of eigenstates: found as a run would */
            rc = solve_states(cfg, g, pot, 1, &states, err);
        if (rc == NNQ_OK)
            rc = nnq_par_agree(nnq_initial_fill(cfg, g, states, psi, err), err);
    }
    if (rc == NNQ_OK) {
        double norm = 0;
        for (ptrdiff_t i = 0; i < g->local_size; i++)
            norm += creal(psi[i]) * creal(psi[i]) + cimag(psi[i]) * cimag(psi[i]);
        nnq_par_sum(&norm, 1);
        v->norm = norm * g->dv;
        if (cfg->grid_boundary == NNQ_BOUNDARY_ABSORBING && cfg->grid_absorb_strength == 0)
            rc = nnq_absorber_auto(cfg, g, V, psi, &v->absorb_strength, &v->absorb_k, err);
    }
    fftw_free(V);
    fftw_free(psi);
    nnq_states_destroy(states);
    nnq_potential_destroy(pot);
    nnq_grid_destroy(g);
    return rc;
}

char *nnq_run_bytes_text(double bytes, char *buf, size_t size) {
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
    int u = 0;
    while (bytes >= 1024.0 && u < 5)
        bytes /= 1024.0, u++;
    snprintf(buf, size, "%.3g %s", bytes, units[u]);
    return buf;
}

enum nnq_status nnq_run_check_limits(const struct nnq_config *cfg, const char *output,
                                     double memory_available, double disk_free,
                                     struct nnq_err *err) {
    struct nnq_estimate e;
    nnq_run_estimate(cfg, 0, &e);
    char place[NNQ_STR_MAX + 32], need[32], have[32], fix[32];
    double mem_limit = cfg->run_memory_limit > 0 ? cfg->run_memory_limit
                       : memory_available > 0    ? memory_available
                                                 : INFINITY;
    /* under mpirun each rank holds a slab: its share is what must fit */
    const int ranks = nnq_par_size();
    if (e.memory / ranks > mem_limit) {
        nnq_config_place(cfg, NNQ_KEY_run_memory_limit, place, sizeof place);
        return nnq_err_set(
            err, NNQ_ERR_CONFIG,
            "%s[run] memory_limit: the run needs %s (%zu bytes x %.3g points + %s besides: "
            "scratch, a [potential] file's table; over %d rank%s), the limit is %s (%s): lower "
            "[grid] n, use a coarser table, or raise the limit",
            place, nnq_run_bytes_text(e.memory / ranks, need, sizeof need), e.bytes_per_point,
            (e.memory - e.fixed) / (double)e.bytes_per_point,
            nnq_run_bytes_text(e.fixed, fix, sizeof fix), ranks, ranks > 1 ? "s" : "",
            nnq_run_bytes_text(mem_limit, have, sizeof have),
            cfg->run_memory_limit > 0 ? "[run] memory_limit" : "memory available now");
    }
    double out_limit = cfg->output_size_limit > 0 ? cfg->output_size_limit
                       : disk_free > 0            ? disk_free
                                                  : INFINITY;
    if (cfg->output_compress == 0 && e.output > out_limit) {
        nnq_config_place(cfg, NNQ_KEY_output_size_limit, place, sizeof place);
        return nnq_err_set(err, NNQ_ERR_CONFIG,
                           "%s[output] size_limit: %s would take %s (%ld snapshots), the limit is "
                           "%s (%s): write fewer snapshots or fields, single precision, compress, "
                           "or raise the limit",
                           place, output, nnq_run_bytes_text(e.output, need, sizeof need),
                           e.snapshots, nnq_run_bytes_text(out_limit, have, sizeof have),
                           cfg->output_size_limit > 0 ? "[output] size_limit" : "free disk space");
    }
    return NNQ_OK;
}
