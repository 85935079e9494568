/* run.c - one simulation, its summary and `nnq check` (see include/nnq/run.h). */
#include "nnq/run.h"

#include <fftw3.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "nnq/grid.h"
#include "nnq/initial.h"
#include "nnq/madelung.h"
#include "nnq/output_h5.h"
#include "nnq/par.h"
#include "nnq/potential.h"
#include "nnq/progress.h"
#include "nnq/schrodinger.h"

#define CONFIG_TEXT_MAX (NNQ_KEY_COUNT * 2 * NNQ_STR_MAX)

/* Largest kinetic phase hbar |k_max|^2 dt / 2m of one step (radians). */
static double kinetic_phase(const struct nnq_config *cfg) {
    double k2 = 0.0;
    for (int i = 0; i < cfg->dims; i++) {
        double dq = (cfg->qmax[i] - cfg->qmin[i]) / (double)cfg->n[i];
        k2 += (M_PI / dq) * (M_PI / dq);
    }
    return cfg->hbar * k2 * cfg->run_dt / (2.0 * cfg->particle_mass);
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

static long next_stop(long step, long every, long steps) {
    if (every <= 0)
        return steps;
    long next = (step / every + 1) * every;
    return next < steps ? next : steps;
}

/* "file:line: " of a key, for errors found on the grid rather than in the text. */
static void key_place(const struct nnq_config *cfg, enum nnq_key k, char *buf, size_t size) {
    if (cfg->origin[k] > 0)
        snprintf(buf, size, "%s:%d: ", cfg->path, cfg->origin[k]);
    else
        snprintf(buf, size, "%s: ", cfg->path);
}

/* The running summary a checkpoint carries: first and last rows, the drifts, t_multivalued,
 * the divergence maxima, the Madelung sub-step count since the last row. */
#define SUMMARY_STATE (2 * NNQ_DIAG_COUNT + 12)

static void pack_summary(const struct nnq_summary *sum, double *v, struct nnq_madelung *mad) {
    memcpy(v, sum->first.value, sizeof sum->first.value);
    memcpy(v + NNQ_DIAG_COUNT, sum->last.value, sizeof sum->last.value);
    double *r = v + 2 * NNQ_DIAG_COUNT;
    r[0] = sum->max_norm_drift;
    r[1] = sum->max_energy_drift;
    r[2] = sum->t_multivalued;
    memcpy(r + 3, sum->div_before, sizeof sum->div_before);
    memcpy(r + 7, sum->div_after, sizeof sum->div_after);
    r[11] = mad ? (double)nnq_madelung_substeps(mad) : 0;
}

static void unpack_summary(struct nnq_summary *sum, const double *v, struct nnq_madelung *mad) {
    memcpy(sum->first.value, v, sizeof sum->first.value);
    memcpy(sum->last.value, v + NNQ_DIAG_COUNT, sizeof sum->last.value);
    const double *r = v + 2 * NNQ_DIAG_COUNT;
    sum->max_norm_drift = r[0];
    sum->max_energy_drift = r[1];
    sum->t_multivalued = r[2];
    memcpy(sum->div_before, r + 3, sizeof sum->div_before);
    memcpy(sum->div_after, r + 7, sizeof sum->div_after);
    if (mad)
        nnq_madelung_set_substeps(mad, (long)r[11]);
}

static const enum nnq_diag_column div_columns[4] = {NNQ_DIAG_div_p_l1, NNQ_DIAG_div_F,
                                                    NNQ_DIAG_div_j_l1, NNQ_DIAG_infidelity};

/* Multivaluedness and the largest divergences before and after it. */
static void track_multivalued(struct nnq_summary *sum, const struct nnq_diag_row *row, int dims) {
    double defects = row->value[dims == 1 ? NNQ_DIAG_node_count : NNQ_DIAG_vortex_count];
    if (isnan(sum->t_multivalued) && defects > 0)
        sum->t_multivalued = row->value[NNQ_DIAG_t];
    if (!sum->madelung)
        return;
    double *worst = isnan(sum->t_multivalued) ? sum->div_before : sum->div_after;
    for (int k = 0; k < 4; k++)
        if (isnan(worst[k]) || row->value[div_columns[k]] > worst[k])
            worst[k] = row->value[div_columns[k]];
}

static void track_drift(struct nnq_summary *sum, const struct nnq_diag_row *row) {
    double n0 = sum->first.value[NNQ_DIAG_norm], e0 = sum->first.value[NNQ_DIAG_energy];
    double dn = fabs(row->value[NNQ_DIAG_norm] / n0 - 1.0);
    double e = row->value[NNQ_DIAG_energy];
    double de = e0 != 0.0 ? fabs(e / e0 - 1.0) : fabs(e - e0);
    if (dn > sum->max_norm_drift)
        sum->max_norm_drift = dn;
    if (de > sum->max_energy_drift)
        sum->max_energy_drift = de;
    sum->last = *row;
}

/* NNQ_ERR_NUMERIC when the row shows NaN/Inf, or (real time) a norm drift beyond tolerance. */
static enum nnq_status check_row(const struct nnq_config *cfg, const struct nnq_summary *sum,
                                 const struct nnq_diag_row *row, struct nnq_err *err) {
    double norm = row->value[NNQ_DIAG_norm], energy = row->value[NNQ_DIAG_energy];
    double drift = fabs(norm / sum->first.value[NNQ_DIAG_norm] - 1.0);
    int bad_value = !isfinite(norm) || !isfinite(energy);
    if (!bad_value && (cfg->run_imaginary_time || drift <= cfg->run_norm_tol))
        return NNQ_OK;
    return nnq_err_set(err, NNQ_ERR_NUMERIC,
                       "numerical failure at step %.0f (t = %g): %s. dt = %g gives a kinetic "
                       "phase of %.3g rad per step at the largest |k| (accurate below ~pi) and "
                       "max |V| dt / hbar should stay well below pi: try a smaller dt or a "
                       "coarser grid. The output holds every step up to the last good one.",
                       row->value[NNQ_DIAG_step], row->value[NNQ_DIAG_t],
                       bad_value ? "the norm or energy is NaN or infinite" : "the norm drifted",
                       cfg->run_dt, kinetic_phase(cfg));
}

/* Samples, checks and writes one diagnostics row of the state at sum->t, sum->steps_done. */
static enum nnq_status write_row(const struct nnq_config *cfg, struct nnq_schrodinger *s,
                                 struct nnq_madelung *mad, struct nnq_summary *sum,
                                 struct nnq_output *out, struct nnq_err *err) {
    struct nnq_diag_row row;
    nnq_diag_sample(s, mad, cfg->madelung_support_floor, cfg->madelung_node_depth, sum->t,
                    sum->steps_done, &row);
    enum nnq_status rc = check_row(cfg, sum, &row, err);
    if (rc)
        return rc;
    track_drift(sum, &row);
    track_multivalued(sum, &row, cfg->dims);
    return nnq_output_diag(out, &row, err);
}

enum nnq_status nnq_run(const struct nnq_config *cfg, const struct nnq_run_options *opt,
                        struct nnq_summary *sum, struct nnq_err *err) {
    memset(sum, 0, sizeof *sum);
    nnq_err_clear(err);
    double start = nnq_progress_clock();
    struct nnq_grid *g = NULL;
    struct nnq_potential *pot = NULL;
    struct nnq_schrodinger *s = NULL;
    struct nnq_madelung *mad = NULL;
    struct nnq_output *out = NULL;
    struct nnq_progress *progress = NULL;
    char *config_text = NULL;
    char place[NNQ_STR_MAX + 32];
    enum nnq_status rc;

    sum->threads = opt->threads > 0 ? opt->threads : (int)cfg->run_threads;
    sum->madelung = cfg->madelung_enabled;
    sum->t_multivalued = NAN;
    sum->edge_density = NAN;
    for (int k = 0; k < 4; k++)
        sum->div_before[k] = sum->div_after[k] = NAN;
    snprintf(sum->output, sizeof sum->output, "%s", opt->output ? opt->output : cfg->output_file);
    const double dt = cfg->run_dt;

    if ((rc = nnq_par_agree(nnq_run_check_limits(cfg, sum->output, err), err)))
        goto done;
    if (!(config_text = malloc(CONFIG_TEXT_MAX))) {
        rc = nnq_err_set(err, NNQ_ERR_RUNTIME, "out of memory");
        goto done;
    }
    nnq_config_dump(cfg, config_text, CONFIG_TEXT_MAX);
    if ((rc = nnq_par_agree(nnq_grid_create(cfg->dims, cfg->n, cfg->qmin, cfg->qmax, &g, err),
                            err)) ||
        (rc = nnq_par_agree(nnq_potential_create(cfg, &pot, err), err)))
        goto done;
    long step = 0;
    if (opt->resume) {
        snprintf(sum->output, sizeof sum->output, "%s", opt->resume);
        if ((rc = nnq_par_agree(nnq_output_resume(opt->resume, cfg, g, &out, &step, err), err)))
            goto done;
    } else if ((rc = nnq_par_agree(
                    nnq_output_create(sum->output, opt->force, cfg, config_text, g, &out, err),
                    err)))
        goto done;

    struct nnq_schrodinger_params par = {.hbar = cfg->hbar,
                                         .mass = cfg->particle_mass,
                                         .dt = dt,
                                         .integrator = (enum nnq_integrator)cfg->run_integrator,
                                         .imaginary_time = cfg->run_imaginary_time,
                                         .planner = (enum nnq_planner)cfg->run_planner,
                                         .threads = sum->threads};
    /* wisdom is per process; FFTW-MPI plans are agreed among the ranks anyway */
    const char *wisdom = nnq_par_size() == 1 ? opt->wisdom : NULL;
    if (wisdom)
        fftw_import_wisdom_from_filename(wisdom); /* a missing file is no error */
    if ((rc = nnq_par_agree(nnq_schrodinger_create(g, pot, &par, &s, err), err))) {
        if (rc == NNQ_ERR_CONFIG) {
            key_place(cfg, NNQ_KEY_potential_V, place, sizeof place);
            nnq_err_prefix(err, "%s", place);
        }
        goto done;
    }
    if (cfg->madelung_enabled) {
        struct nnq_madelung_params mpar = {.hbar = cfg->hbar,
                                           .mass = cfg->particle_mass,
                                           .dt = dt,
                                           .limiter = (enum nnq_limiter)cfg->madelung_limiter,
                                           .flux = (enum nnq_flux)cfg->madelung_flux,
                                           .density_floor = cfg->madelung_density_floor,
                                           .damping = cfg->madelung_damping,
                                           .threads = sum->threads,
                                           .planner = (enum nnq_planner)cfg->run_planner};
        if ((rc = nnq_par_agree(nnq_madelung_create(g, pot, &mpar, &mad, err), err)))
            goto done;
    }
    if (wisdom)
        save_wisdom(wisdom);
    const double support = cfg->madelung_support_floor;
    struct nnq_diag_row row;
    double summary_state[SUMMARY_STATE];
    if (opt->resume) {
        if ((rc = nnq_par_agree(nnq_output_restore(out, nnq_schrodinger_psi(s),
                                                   mad ? nnq_madelung_state(mad) : NULL,
                                                   summary_state, SUMMARY_STATE, err),
                                err)))
            goto done;
        unpack_summary(sum, summary_state, mad);
        sum->edge_density = nnq_initial_edge_density(g, nnq_schrodinger_psi(s));
        sum->steps_done = step;
        sum->t = (double)step * dt;
    } else {
        if ((rc = nnq_par_agree(nnq_initial_fill(cfg, g, nnq_schrodinger_psi(s), err), err))) {
            key_place(cfg,
                      cfg->initial_kind == NNQ_INIT_EXPR ? NNQ_KEY_initial_p
                                                         : NNQ_KEY_initial_preset,
                      place, sizeof place);
            nnq_err_prefix(err, "%s", place);
            goto done;
        }
        sum->edge_density = nnq_initial_edge_density(g, nnq_schrodinger_psi(s));
        if (mad)
            nnq_madelung_init(mad, nnq_schrodinger_psi(s));
        if ((rc = nnq_par_agree(nnq_output_potential(out, nnq_schrodinger_potential(s), err), err)))
            goto done;
        nnq_diag_sample(s, mad, support, cfg->madelung_node_depth, 0.0, 0, &row);
        sum->first = sum->last = row;
        track_multivalued(sum, &row, cfg->dims);
        if (!(row.value[NNQ_DIAG_norm] > 0) || !isfinite(row.value[NNQ_DIAG_energy])) {
            rc = check_row(cfg, sum, &row, err);
            goto done;
        }
        if ((rc = nnq_par_agree(nnq_output_diag(out, &row, err), err)) ||
            (rc = nnq_par_agree(nnq_output_snapshot(out, 0.0, 0, nnq_schrodinger_psi(s), mad, err),
                                err)))
            goto done;
    }
    progress = nnq_progress_create(opt->progress, cfg->steps);
    const long steps = cfg->steps;
    while (step < steps) {
        long next_diag = next_stop(step, cfg->run_diag_every, steps);
        long next_snap = next_stop(step, cfg->run_snapshot_every, steps);
        long next_check = next_stop(step, cfg->run_checkpoint_every, steps);
        long next = next_stop(step, NNQ_RUN_CHUNK, steps);
        if (next_diag < next)
            next = next_diag;
        if (next_snap < next)
            next = next_snap;
        if (cfg->run_checkpoint_every > 0 && next_check < next)
            next = next_check;
        if ((rc = nnq_par_agree(nnq_schrodinger_advance(s, next - step, (double)step * dt, err),
                                err)))
            goto done;
        if (mad && (rc = nnq_par_agree(
                        nnq_madelung_advance(mad, next - step, (double)step * dt, err), err)))
            goto done;
        step = next;
        sum->steps_done = step;
        sum->t = (double)step * dt;
        /* a signal reaches the ranks at different times: they stop together */
        int interrupted = nnq_par_any(opt->stop && *opt->stop) && step < steps;
        int diag_due = step == next_diag || step == next_snap || step == steps;
        int snap_due = step == next_snap || step == steps;
        if ((diag_due && (rc = nnq_par_agree(write_row(cfg, s, mad, sum, out, err), err))) ||
            (snap_due &&
             (rc = nnq_par_agree(
                  nnq_output_snapshot(out, sum->t, step, nnq_schrodinger_psi(s), mad, err), err))))
            goto done;
        if ((cfg->run_checkpoint_every > 0 && step == next_check && step < steps) || interrupted) {
            pack_summary(sum, summary_state, mad);
            if ((rc = nnq_par_agree(nnq_output_checkpoint(out, step, sum->t, nnq_schrodinger_psi(s),
                                                          mad ? nnq_madelung_state(mad) : NULL,
                                                          summary_state, SUMMARY_STATE, err),
                                    err)))
                goto done;
        }
        /* after the checkpoint: a resumed run cuts these away again, and so ends bit for bit
         * as one that was never stopped */
        if (interrupted &&
            ((!diag_due && (rc = nnq_par_agree(write_row(cfg, s, mad, sum, out, err), err))) ||
             (!snap_due &&
              (rc = nnq_par_agree(
                   nnq_output_snapshot(out, sum->t, step, nnq_schrodinger_psi(s), mad, err),
                   err)))))
            goto done;
        nnq_progress_update(progress, step, sum->t);
        if (interrupted) {
            rc = nnq_err_set(err, NNQ_ERR_INTERRUPTED,
                             "interrupted at step %ld of %ld (t = %g); %s holds every snapshot "
                             "up to it and a checkpoint: nnq simulate --resume %s continues",
                             step, steps, sum->t, sum->output, sum->output);
            goto done;
        }
    }
    rc = NNQ_OK;

done:
    nnq_progress_destroy(progress);
    if (out) {
        sum->snapshots = nnq_output_snapshots(out);
        struct nnq_err close_err = {0};
        if (nnq_output_close(out, rc == NNQ_OK, &close_err) != NNQ_OK && rc == NNQ_OK)
            rc = nnq_err_set(err, close_err.code, "%s", close_err.msg);
    }
    nnq_madelung_destroy(mad);
    nnq_schrodinger_destroy(s);
    nnq_potential_destroy(pot);
    nnq_grid_destroy(g);
    free(config_text);
    sum->status = rc;
    sum->wall_s = nnq_progress_clock() - start;
    return rc;
}

/* ---- reporting ---------------------------------------------------------------------------- */

static void json_string(FILE *out, const char *s) {
    fputc('"', out);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(out, "\\%c", c);
        else if (c < 0x20)
            fprintf(out, "\\u%04x", c);
        else
            fputc(c, out);
    }
    fputc('"', out);
}

static void json_number(FILE *out, double v) {
    if (isfinite(v))
        fprintf(out, "%.17g", v);
    else
        fputs("null", out);
}

static void json_axes(FILE *out, const char *key, const struct nnq_diag_row *row, int first,
                      int dims) {
    fprintf(out, ",\"%s\":[", key);
    for (int a = 0; a < dims; a++) {
        if (a)
            fputc(',', out);
        json_number(out, row->value[first + 2 * a]);
    }
    fputc(']', out);
}

/* "key":{"div_p_l1":..,...} of the largest divergences, or "key":null. */
static void json_divergence(FILE *out, const char *key, int present, const double *v) {
    static const char *const names[4] = {"div_p_l1", "div_F", "div_j_l1", "infidelity"};
    fprintf(out, ",\"%s\":", key);
    if (!present || isnan(v[0])) {
        fputs("null", out);
        return;
    }
    for (int k = 0; k < 4; k++) {
        fprintf(out, "%s\"%s\":", k ? "," : "{", names[k]);
        json_number(out, v[k]);
    }
    fputc('}', out);
}

void nnq_run_print_json(FILE *out, const struct nnq_config *cfg, const struct nnq_summary *sum,
                        const struct nnq_err *err) {
    char integrator[32];
    nnq_config_enum_name(NNQ_KEY_run_integrator, cfg->run_integrator, integrator,
                         sizeof integrator);
    fputs("{\"name\":", out);
    json_string(out, cfg->run_name);
    fprintf(out, ",\"status\":\"%s\",\"exit_code\":%d",
            sum->status == NNQ_OK ? "ok" : nnq_err_name(sum->status), (int)sum->status);
    if (sum->status != NNQ_OK && err) {
        fputs(",\"error\":", out);
        json_string(out, err->msg);
    }
    fprintf(out, ",\"dims\":%d,\"n\":[", cfg->dims);
    for (int i = 0; i < cfg->dims; i++)
        fprintf(out, "%s%ld", i ? "," : "", cfg->n[i]);
    fputs("],\"mu\":", out);
    json_number(out, cfg->network_mu);
    fputs(",\"epsilon\":", out);
    json_number(out, cfg->network_epsilon);
    fputs(",\"hbar\":", out);
    json_number(out, cfg->hbar);
    fputs(",\"mass\":", out);
    json_number(out, cfg->particle_mass);
    fputs(",\"dt\":", out);
    json_number(out, cfg->run_dt);
    fprintf(out, ",\"steps\":%ld,\"steps_done\":%ld,\"t\":", cfg->steps, sum->steps_done);
    json_number(out, sum->t);
    fprintf(out, ",\"integrator\":\"%s\",\"imaginary_time\":%s,\"norm\":", integrator,
            cfg->run_imaginary_time ? "true" : "false");
    json_number(out, sum->last.value[NNQ_DIAG_norm]);
    fputs(",\"energy\":", out);
    json_number(out, sum->last.value[NNQ_DIAG_energy]);
    fputs(",\"energy0\":", out);
    json_number(out, sum->first.value[NNQ_DIAG_energy]);
    fputs(",\"max_norm_drift\":", out);
    json_number(out, sum->max_norm_drift);
    fputs(",\"max_energy_drift\":", out);
    json_number(out, sum->max_energy_drift);
    json_axes(out, "q_mean", &sum->last, NNQ_DIAG_q0_mean, cfg->dims);
    json_axes(out, "q_sq_mean", &sum->last, NNQ_DIAG_q0_sq_mean, cfg->dims);
    fprintf(out, ",\"madelung\":%s,\"t_multivalued\":", sum->madelung ? "true" : "false");
    json_number(out, sum->t_multivalued);
    fprintf(out, ",\"multivalued_from_start\":%s", sum->t_multivalued == 0.0 ? "true" : "false");
    fputs(",\"edge_density\":", out);
    json_number(out, sum->edge_density);
    json_divergence(out, "divergence_before", sum->madelung, sum->div_before);
    json_divergence(out, "divergence_after", sum->madelung && !isnan(sum->t_multivalued),
                    sum->div_after);
    fprintf(out, ",\"snapshots\":%ld,\"output\":", sum->snapshots);
    json_string(out, sum->output);
    fputs(",\"wall_s\":", out);
    json_number(out, sum->wall_s);
    fputs(",\"steps_per_s\":", out);
    json_number(out, sum->wall_s > 0 ? (double)sum->steps_done / sum->wall_s : 0.0);
    fprintf(out, ",\"threads\":%d}\n", sum->threads);
}

void nnq_run_print_summary(FILE *out, const struct nnq_config *cfg, const struct nnq_summary *sum) {
    const struct nnq_diag_row *l = &sum->last;
    fprintf(out, "nnq %s: %s, %dD grid", NNQ_VERSION, cfg->run_name, cfg->dims);
    for (int i = 0; i < cfg->dims; i++)
        fprintf(out, "%s%ld", i ? " x " : " ", cfg->n[i]);
    fprintf(out, ", hbar = mu * epsilon = %g, mass = %g\n", cfg->hbar, cfg->particle_mass);
    fprintf(out, "  %ld steps of dt = %g to t = %g in %.3g s (%.4g steps/s, %d thread%s)\n",
            sum->steps_done, cfg->run_dt, sum->t, sum->wall_s,
            sum->wall_s > 0 ? (double)sum->steps_done / sum->wall_s : 0.0, sum->threads,
            sum->threads == 1 ? "" : "s");
    fprintf(out, "  norm %.15g (max drift %.2e), energy %.12g (E0 = %.12g, max drift %.2e)\n",
            l->value[NNQ_DIAG_norm], sum->max_norm_drift, l->value[NNQ_DIAG_energy],
            sum->first.value[NNQ_DIAG_energy], sum->max_energy_drift);
    fputs("  <q> =", out);
    for (int a = 0; a < cfg->dims; a++)
        fprintf(out, " %.8g", l->value[NNQ_DIAG_q0_mean + 2 * a]);
    fputs(", <q^2> =", out);
    for (int a = 0; a < cfg->dims; a++)
        fprintf(out, " %.8g", l->value[NNQ_DIAG_q0_sq_mean + 2 * a]);
    fputc('\n', out);
    if (isnan(sum->t_multivalued))
        fprintf(out, "  F stayed single-valued (no %s)\n", cfg->dims == 1 ? "nodes" : "vortices");
    else if (sum->t_multivalued == 0.0)
        fprintf(out,
                "  F is multivalued from t = 0 (%s in the initial state): the Madelung "
                "description does not apply from the start\n",
                cfg->dims == 1 ? "nodes" : "vortices");
    else
        fprintf(out, "  F multivalued from t = %g (%s appeared)\n", sum->t_multivalued,
                cfg->dims == 1 ? "nodes" : "vortices");
    if (sum->edge_density > NNQ_EDGE_DENSITY_WARN && !cfg->run_imaginary_time)
        fprintf(out,
                "  warning: |psi|^2 at the box's edge is %.1e of its peak: the periodic box makes "
                "the state jump across the seam, and spectral derivatives (j, the Madelung j0) "
                "ripple at the grid scale at every resolution; widen [grid] qmin/qmax\n",
                sum->edge_density);
    if (sum->madelung) {
        if (!isnan(sum->div_before[0]))
            fprintf(out,
                    "  Madelung vs Schrodinger, largest before: div_p_l1 %.3e, div_F %.3e, "
                    "div_j_l1 %.3e, infidelity %.3e\n",
                    sum->div_before[0], sum->div_before[1], sum->div_before[2], sum->div_before[3]);
        if (!isnan(sum->div_after[0]))
            fprintf(out,
                    "  Madelung vs Schrodinger, largest after:  div_p_l1 %.3e, div_F %.3e, "
                    "div_j_l1 %.3e, infidelity %.3e\n",
                    sum->div_after[0], sum->div_after[1], sum->div_after[2], sum->div_after[3]);
    }
    fprintf(out, "  %ld snapshots written to %s\n", sum->snapshots, sum->output);
}

/* "1.5 GiB" into buf; returns buf. */
static char *human_bytes(double bytes, char *buf, size_t size) {
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
    int u = 0;
    while (bytes >= 1024.0 && u < 5)
        bytes /= 1024.0, u++;
    snprintf(buf, size, "%.3g %s", bytes, units[u]);
    return buf;
}

static void print_bytes(FILE *out, const char *what, double bytes) {
    char buf[32];
    fprintf(out, "%s%s\n", what, human_bytes(bytes, buf, sizeof buf));
}

void nnq_run_print_check(FILE *out, const struct nnq_config *cfg) {
    char integrator[32];
    nnq_config_enum_name(NNQ_KEY_run_integrator, cfg->run_integrator, integrator,
                         sizeof integrator);
    double dq_min = INFINITY;
    fprintf(out, "config %s: ok\n", cfg->path);
    fprintf(out, "hbar = mu * epsilon = %g * %g = %g, mass = %g\n", cfg->network_mu,
            cfg->network_epsilon, cfg->hbar, cfg->particle_mass);
    for (int i = 0; i < cfg->dims; i++) {
        double dq = (cfg->qmax[i] - cfg->qmin[i]) / (double)cfg->n[i];
        dq_min = dq < dq_min ? dq : dq_min;
        fprintf(out, "axis %d: n = %ld on [%g, %g), dq = %g, |k| <= %g\n", i, cfg->n[i],
                cfg->qmin[i], cfg->qmax[i], dq, M_PI / dq);
    }
    fprintf(out, "time: %ld steps of dt = %g to t = %g, %s%s\n", cfg->steps, cfg->run_dt,
            (double)cfg->steps * cfg->run_dt, integrator,
            cfg->run_imaginary_time ? ", imaginary time" : "");
    double phase = kinetic_phase(cfg);
    fprintf(out,
            "schrodinger: split-step is unconditionally stable; kinetic phase per step at "
            "max |k| = %.3g rad (%s)\n",
            phase, phase < M_PI ? "resolved" : "above pi: high-k modes alias in time, lower dt");
    double disp = 0.3 * cfg->particle_mass * dq_min * dq_min / cfg->hbar;
    if (cfg->madelung_enabled)
        fprintf(out,
                "madelung: dispersive limit 0.3 m dq^2 / hbar = %.3g -> at least %.0f "
                "SSP-RK3 sub-step(s) per step (more if 0.4 dq / max|u| is smaller)\n",
                disp, ceil(cfg->run_dt / disp * (1 - 1e-12)));
    else
        fprintf(out, "madelung: off\n");
    struct nnq_estimate e;
    nnq_run_estimate(cfg, &e);
    fprintf(out, "memory: %zu bytes per point, ", e.bytes_per_point);
    print_bytes(out, "total ", e.memory);
    fprintf(out, "output: %s, %ld snapshots, ", cfg->output_file, e.snapshots);
    print_bytes(out, cfg->output_compress ? "uncompressed at most " : "about ", e.output);
}

void nnq_run_estimate(const struct nnq_config *cfg, struct nnq_estimate *e) {
    double points = (double)cfg->n[0] * (double)cfg->n[1] * (double)cfg->n[2];
    struct nnq_potential *pot = NULL;
    int td = 0;
    if (nnq_potential_create(cfg, &pot, NULL) == NNQ_OK) {
        td = nnq_potential_time_dependent(pot);
        nnq_potential_destroy(pot);
    }
    e->bytes_per_point =
        nnq_schrodinger_bytes_per_point((enum nnq_integrator)cfg->run_integrator, td) +
        sizeof(double) /* output buffer */ +
        (cfg->madelung_enabled
             ? nnq_madelung_bytes_per_point(cfg->dims) + sizeof(double) * (size_t)cfg->dims
             : 0);
    e->memory = points * (double)e->bytes_per_point;
    e->snapshots = cfg->run_snapshot_every > 0 ? cfg->steps / cfg->run_snapshot_every + 1 : 1;
    if (cfg->run_snapshot_every <= 0 || cfg->steps % cfg->run_snapshot_every != 0)
        e->snapshots++;
    double word = cfg->output_precision == NNQ_PRECISION_SINGLE ? 4.0 : 8.0;
    double fields =
        (cfg->output_fields & NNQ_FIELD_P ? 1 : 0) + (cfg->output_fields & NNQ_FIELD_F ? 1 : 0) +
        (cfg->output_fields & NNQ_FIELD_PSI ? 2 : 0) + (cfg->madelung_enabled ? 2 + cfg->dims : 0);
    e->output = fields * word * points * (double)e->snapshots;
}

/* Bytes of memory the system has available now (MemAvailable), or +inf when unknown. */
static double available_memory(void) {
    FILE *f = fopen("/proc/meminfo", "r");
    double kib = INFINITY;
    char line[256];
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "MemAvailable: %lf kB", &kib) == 1)
            break;
    if (f)
        fclose(f);
    return kib * 1024.0;
}

/* Bytes free for unprivileged users on the file system of path's directory, or +inf. */
static double free_disk(const char *path) {
    char dir[NNQ_STR_MAX];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *(slash == dir ? slash + 1 : slash) = '\0';
    else
        snprintf(dir, sizeof dir, ".");
    struct statvfs st;
    if (statvfs(dir, &st) != 0)
        return INFINITY;
    return (double)st.f_bavail * (double)st.f_frsize;
}

enum nnq_status nnq_run_check_limits(const struct nnq_config *cfg, const char *output,
                                     struct nnq_err *err) {
    struct nnq_estimate e;
    nnq_run_estimate(cfg, &e);
    char place[NNQ_STR_MAX + 32], need[32], have[32];
    double mem_limit = cfg->run_memory_limit > 0 ? cfg->run_memory_limit : available_memory();
    /* under mpirun each rank holds a slab: its share is what must fit */
    const int ranks = nnq_par_size();
    if (e.memory / ranks > mem_limit) {
        key_place(cfg, NNQ_KEY_run_memory_limit, place, sizeof place);
        return nnq_err_set(
            err, NNQ_ERR_CONFIG,
            "%s[run] memory_limit: the run needs %s (%zu bytes x %.3g points / %d rank%s), "
            "the limit is %s (%s): lower [grid] n, or raise the limit",
            place, human_bytes(e.memory / ranks, need, sizeof need), e.bytes_per_point,
            e.memory / (double)e.bytes_per_point, ranks, ranks > 1 ? "s" : "",
            human_bytes(mem_limit, have, sizeof have),
            cfg->run_memory_limit > 0 ? "[run] memory_limit" : "memory available now");
    }
    double out_limit = cfg->output_size_limit > 0 ? cfg->output_size_limit : free_disk(output);
    if (cfg->output_compress == 0 && e.output > out_limit) {
        key_place(cfg, NNQ_KEY_output_size_limit, place, sizeof place);
        return nnq_err_set(err, NNQ_ERR_CONFIG,
                           "%s[output] size_limit: %s would take %s (%ld snapshots), the limit is "
                           "%s (%s): write fewer snapshots or fields, single precision, compress, "
                           "or raise the limit",
                           place, output, human_bytes(e.output, need, sizeof need), e.snapshots,
                           human_bytes(out_limit, have, sizeof have),
                           cfg->output_size_limit > 0 ? "[output] size_limit" : "free disk space");
    }
    return NNQ_OK;
}
