/*
 * report.c - what the program prints (see src/report.h): the run's summary and JSON line,
 * `nnq check` and `nnq info`, from the data the library returns; and the readings of this
 * machine (free memory, free disk) the program hands to the library.
 */
#include "report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>

#include "nnq/absorber.h"
#include "nnq/initial.h"
#include "nnq/madelung.h"
#include "nnq/potential.h"

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

/* ,"key":[row[first], row[first + stride], ...] over the axes. */
static void json_axes(FILE *out, const char *key, const struct nnq_diag_row *row, int first,
                      int stride, int dims) {
    fprintf(out, ",\"%s\":[", key);
    for (int a = 0; a < dims; a++) {
        if (a)
            fputc(',', out);
        json_number(out, row->value[first + stride * a]);
    }
    fputc(']', out);
}

/* The trajectory kinds: name, bit, first column of their mean positions. */
static const struct {
    const char *name;
    unsigned bit;
    enum nnq_diag_column mean;
} trajectory_kinds[NNQ_TRAJ_KINDS] = {{"bohm", NNQ_TRAJ_BOHM, NNQ_DIAG_bohm_q0},
                                      {"madelung", NNQ_TRAJ_MADELUNG, NNQ_DIAG_fluid_q0},
                                      {"nelson", NNQ_TRAJ_NELSON, NNQ_DIAG_nelson_q0},
                                      {"langevin", NNQ_TRAJ_LANGEVIN, NNQ_DIAG_langevin_q0}};

/* ,"trajectories":{"count":N,"<kind>":[mean final q],...} or null. */
static void json_trajectories(FILE *out, const struct nnq_config *cfg,
                              const struct nnq_summary *sum) {
    if (cfg->trajectories_count <= 0) {
        fputs(",\"trajectories\":null", out);
        return;
    }
    fprintf(out, ",\"trajectories\":{\"count\":%ld", cfg->trajectories_count);
    for (int k = 0; k < NNQ_TRAJ_KINDS; k++)
        if (cfg->trajectories_kinds & trajectory_kinds[k].bit)
            json_axes(out, trajectory_kinds[k].name, &sum->last, trajectory_kinds[k].mean, 1,
                      cfg->dims);
    fputc('}', out);
}

/* ,"classical":{"mass":..,"q_mean":[..],"dist_l1":..,"dist_hellinger":..,"dist_kl":..} at the
 * last row, or null. */
static void json_classical(FILE *out, const struct nnq_config *cfg, const struct nnq_summary *sum) {
    if (!cfg->classical_enabled) {
        fputs(",\"classical\":null", out);
        return;
    }
    fputs(",\"classical\":{\"mass\":", out);
    json_number(out, sum->last.value[NNQ_DIAG_classical_mass]);
    json_axes(out, "q_mean", &sum->last, NNQ_DIAG_classical_q0_mean, 2, cfg->dims);
    static const struct {
        const char *name;
        enum nnq_diag_column c;
    } dist[] = {{"dist_l1", NNQ_DIAG_dist_l1},
                {"dist_hellinger", NNQ_DIAG_dist_hellinger},
                {"dist_kl", NNQ_DIAG_dist_kl}};
    for (size_t k = 0; k < sizeof dist / sizeof dist[0]; k++) {
        fprintf(out, ",\"%s\":", dist[k].name);
        json_number(out, sum->last.value[dist[k].c]);
    }
    fputc('}', out);
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

/* ,"t_multivalued_at":{"1e-2":t,...},"t_part":{"div_p_l1":{"1e-3":t,...},...} or null,
 * ,"parting_unexplained":bool or null (null too in the classical limit, quantum 0: there the
 * parting is the quantum potential's, no solver's error). */
static void json_parting(FILE *out, const struct nnq_parting *p, int madelung, int quantum) {
    fputs(",\"t_multivalued_at\":{", out);
    for (int k = 0; k < NNQ_PARTING_FLOORS; k++) {
        fprintf(out, "%s\"%s\":", k ? "," : "", nnq_parting_floor_name(k));
        json_number(out, p->t_multivalued_at[k]);
    }
    fputs("},\"t_part\":", out);
    if (!madelung) {
        fputs("null,\"parting_unexplained\":null", out);
        return;
    }
    for (int m = 0; m < NNQ_PARTING_METRICS; m++) {
        fprintf(out, "%s\"%s\":", m ? "," : "{", nnq_diag_column(nnq_parting_metric(m))->name);
        for (int l = 0; l < NNQ_PARTING_LEVELS; l++) {
            fprintf(out, "%s\"%s\":", l ? "," : "{", nnq_parting_level_name(l));
            json_number(out, p->t_part[m * NNQ_PARTING_LEVELS + l]);
        }
        fputc('}', out);
    }
    int metric;
    double t;
    fprintf(out, "},\"parting_unexplained\":%s",
            !quantum                                  ? "null"
            : nnq_parting_unexplained(p, &metric, &t) ? "true"
                                                      : "false");
}

/* A time, or "never". */
static void text_time(FILE *out, double t) {
    if (isnan(t))
        fputs("never", out);
    else
        fprintf(out, "%.4g", t);
}

/* The lines of the summary and of `nnq info` on the parting (see nnq/parting.h); quantum 0:
 * the Madelung description is the classical limit, whose parting is no solver's error. */
static void text_parting(FILE *out, const struct nnq_parting *p, int madelung, int quantum) {
    fputs("  F multivalued (a node or vortex of weight >= w x max p) first at t:\n    w =", out);
    for (int k = 0; k < NNQ_PARTING_FLOORS; k++) {
        fprintf(out, "%s %s ", k ? "," : "", nnq_parting_floor_name(k));
        text_time(out, p->t_multivalued_at[k]);
    }
    fputc('\n', out);
    if (!madelung)
        return;
    fputs("  parting: first t each divergence passed", out);
    for (int l = 0; l < NNQ_PARTING_LEVELS; l++) {
        fprintf(out, "%s%s", l ? " / " : " ", nnq_parting_level_name(l));
    }
    fputc(':', out);
    for (int m = 0; m < NNQ_PARTING_METRICS; m++) {
        fprintf(out, "%s%s ", m % 2 ? "; " : "\n    ",
                nnq_diag_column(nnq_parting_metric(m))->name);
        for (int l = 0; l < NNQ_PARTING_LEVELS; l++) {
            fputs(l ? " / " : "", out);
            text_time(out, p->t_part[m * NNQ_PARTING_LEVELS + l]);
        }
    }
    fputc('\n', out);
    int metric;
    double t;
    if (quantum && nnq_parting_unexplained(p, &metric, &t))
        fprintf(out,
                "  warning: %s passed 1e-2 at t = %g with no node or vortex of weight 1e-8 or "
                "more: that is the Madelung solver's error, not F becoming multivalued (run it on "
                "a finer grid: a solver's error falls, a physical parting stays)\n",
                nnq_diag_column(nnq_parting_metric(metric))->name, t);
}

/* Steps per second of the run after its planning and its eigenstates. */
static double stepping_rate(const struct nnq_summary *sum) {
    const double s = sum->wall_s - sum->plan_s - sum->states_s;
    return s > 0 ? (double)sum->steps_done / s : 0.0;
}

void nnq_report_json(FILE *out, const struct nnq_config *cfg, const struct nnq_summary *sum,
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
    fputs(",\"absorbed\":", out);
    json_number(out, cfg->grid_boundary == NNQ_BOUNDARY_ABSORBING
                         ? sum->last.value[NNQ_DIAG_absorbed]
                         : NAN);
    fputs(",\"absorb_strength\":", out);
    json_number(out, cfg->grid_boundary == NNQ_BOUNDARY_ABSORBING ? sum->absorb_strength : NAN);
    fputs(",\"energy\":", out);
    json_number(out, sum->last.value[NNQ_DIAG_energy]);
    fputs(",\"energy0\":", out);
    json_number(out, sum->first.value[NNQ_DIAG_energy]);
    fputs(",\"max_norm_drift\":", out);
    json_number(out, sum->max_norm_drift);
    fputs(",\"max_energy_drift\":", out);
    json_number(out, sum->max_energy_drift);
    json_axes(out, "q_mean", &sum->last, NNQ_DIAG_q0_mean, 2, cfg->dims);
    json_axes(out, "q_sq_mean", &sum->last, NNQ_DIAG_q0_sq_mean, 2, cfg->dims);
    fprintf(out, ",\"madelung\":%s,\"madelung_quantum\":%s,\"t_multivalued\":",
            cfg->madelung_enabled ? "true" : "false",
            cfg->madelung_enabled ? (cfg->madelung_quantum ? "true" : "false") : "null");
    json_number(out, sum->t_multivalued);
    fprintf(out, ",\"multivalued_from_start\":%s", sum->t_multivalued == 0.0 ? "true" : "false");
    fputs(",\"edge_density\":", out);
    json_number(out, sum->edge_density);
    fputs(",\"t_edge\":", out);
    json_number(out, sum->t_edge);
    json_divergence(out, "divergence_before", cfg->madelung_enabled, sum->div_before);
    json_divergence(out, "divergence_after", cfg->madelung_enabled && !isnan(sum->t_multivalued),
                    sum->div_after);
    json_parting(out, &sum->parting, cfg->madelung_enabled, cfg->madelung_quantum);
    fputs(",\"madelung_held\":", out);
    json_number(out, cfg->madelung_enabled ? sum->held : NAN);
    fputs(",\"ended\":", out);
    if (isnan(sum->t_ended))
        fputs("null", out);
    else {
        fputs("{\"description\":", out);
        json_string(out, sum->ended_by);
        fputs(",\"t\":", out);
        json_number(out, sum->t_ended);
        fputs(",\"reason\":", out);
        json_string(out, sum->ended_reason);
        fputc('}', out);
    }
    json_trajectories(out, cfg, sum);
    json_classical(out, cfg, sum);
    fputs(sum->observed_json, out);
    fprintf(out, ",\"snapshots\":%ld,\"output\":", sum->snapshots);
    json_string(out, sum->output);
    fputs(",\"wall_s\":", out);
    json_number(out, sum->wall_s);
    fputs(",\"plan_s\":", out);
    json_number(out, sum->plan_s);
    fputs(",\"states_s\":", out);
    json_number(out, sum->states_s);
    fputs(",\"step_s\":", out);
    json_number(out, sum->step_s);
    fputs(",\"steps_per_s\":", out);
    json_number(out, stepping_rate(sum));
    fprintf(out, ",\"threads\":%d}\n", sum->threads);
}

void nnq_report_summary(FILE *out, const struct nnq_config *cfg, const struct nnq_summary *sum) {
    const struct nnq_diag_row *l = &sum->last;
    fprintf(out, "nnq %s: %s, %dD grid", NNQ_VERSION, cfg->run_name, cfg->dims);
    for (int i = 0; i < cfg->dims; i++)
        fprintf(out, "%s%ld", i ? " x " : " ", cfg->n[i]);
    fprintf(out, ", hbar = mu * epsilon = %g (the paper's epsilon mu_paper / 2 pi), mass = %g\n",
            cfg->hbar, cfg->particle_mass);
    fprintf(out,
            "  %ld steps of dt = %g to t = %g in %.3g s (%.4g steps/s after %.3g s of planning, "
            "%d thread%s)\n",
            sum->steps_done, cfg->run_dt, sum->t, sum->wall_s, stepping_rate(sum), sum->plan_s,
            sum->threads, sum->threads == 1 ? "" : "s");
    if (cfg->states > 0 && sum->states_s > 0)
        fprintf(out, "  the eigenstates took %.3g s before the first step\n", sum->states_s);
    if (cfg->run_imaginary_time) /* the state is renormalised, the energy falls by design */
        fprintf(out,
                "  imaginary time: energy %.12g (E0 = %.12g), falling towards the ground state\n",
                l->value[NNQ_DIAG_energy], sum->first.value[NNQ_DIAG_energy]);
    else
        fprintf(out, "  norm %.15g (max drift %.2e), energy %.12g (E0 = %.12g, max drift %.2e)\n",
                l->value[NNQ_DIAG_norm], sum->max_norm_drift, l->value[NNQ_DIAG_energy],
                sum->first.value[NNQ_DIAG_energy], sum->max_energy_drift);
    if (cfg->grid_boundary == NNQ_BOUNDARY_ABSORBING) {
        fprintf(out, "  the absorbing layer (strength %.4g", sum->absorb_strength);
        if (isfinite(sum->absorb_k))
            fprintf(out, ", chosen for the initial state's waves up to |k| = %.3g", sum->absorb_k);
        fprintf(out, ") took up %.6g of the mass\n", l->value[NNQ_DIAG_absorbed]);
        if (sum->edge_density > NNQ_EDGE_ABSORBED_WARN && !cfg->run_imaginary_time)
            fprintf(out,
                    "  warning: |psi|^2 at the box's faces reached %.2g of its peak through the "
                    "absorbing layer: what crosses a face comes back at the opposite one. One "
                    "crossing lets through exp(-2 c / (3 k w)) of a wave of number k, more than "
                    "1e-3 above |k| = %.3g on axis 0 (nnq check lists every axis); raise [grid] "
                    "absorb_strength or absorb_width\n",
                    sum->edge_density, nnq_absorber_cutoff(cfg, 0, sum->absorb_strength));
    }
    fputs("  <q> =", out);
    for (int a = 0; a < cfg->dims; a++)
        fprintf(out, " %.8g", l->value[NNQ_DIAG_q0_mean + 2 * a]);
    fputs(", <q^2> =", out);
    for (int a = 0; a < cfg->dims; a++)
        fprintf(out, " %.8g", l->value[NNQ_DIAG_q0_sq_mean + 2 * a]);
    fputc('\n', out);
    if (isnan(sum->t_multivalued))
        fprintf(out, "  F stayed single-valued (no %s)\n",
                cfg->dims == 1 ? "nodes" : "vortices or nodal lines");
    else if (sum->t_multivalued == 0.0)
        fprintf(out,
                "  F is multivalued from t = 0 (%s in the initial state): the Madelung "
                "description does not apply from the start\n",
                cfg->dims == 1 ? "nodes" : "vortices or nodal lines");
    else
        fprintf(out, "  F multivalued from t = %g (%s appeared)\n", sum->t_multivalued,
                cfg->dims == 1 ? "nodes" : "vortices or nodal lines");
    if (!isnan(sum->t_edge) && !cfg->run_imaginary_time &&
        cfg->grid_boundary != NNQ_BOUNDARY_ABSORBING)
        fprintf(out,
                "  warning: |psi|^2 at the box's edge passed %.0e of its peak at t = %g (largest "
                "%.1e): the box is periodic, so mass that reaches an edge comes back at the "
                "opposite one (a weight changing sign), and spectral derivatives ripple at the "
                "grid scale; widen [grid] qmin/qmax\n",
                NNQ_EDGE_DENSITY_WARN, sum->t_edge, sum->edge_density);
    if (cfg->madelung_enabled) {
        if (!cfg->madelung_quantum)
            fprintf(out, "  Madelung: the classical limit (no quantum potential): the divergence "
                         "is the quantum description's from the classical one\n");
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
    text_parting(out, &sum->parting, cfg->madelung_enabled, cfg->madelung_quantum);
    if (!isnan(sum->t_ended))
        fprintf(out,
                "  the %s description ended at t = %g (its columns are NaN from then on; the "
                "others ran on): %s\n",
                sum->ended_by, sum->t_ended, sum->ended_reason);
    if (cfg->madelung_enabled && sum->held > NNQ_HELD_WARN)
        fprintf(out,
                "  warning: the Madelung solver held the velocity (a regularisation: p_M below "
                "sqrt(density_floor) of its peak) on up to %.2g of its mass, more than %g: its "
                "divergence there is the regularisation's, not the equations'; lower "
                "[madelung] density_floor\n",
                sum->held, NNQ_HELD_WARN);
    if (cfg->trajectories_count > 0) {
        fprintf(out, "  %ld trajectories per kind, mean final q:", cfg->trajectories_count);
        for (int k = 0, n = 0; k < NNQ_TRAJ_KINDS; k++) {
            if (!(cfg->trajectories_kinds & trajectory_kinds[k].bit))
                continue;
            fprintf(out, "%s %s", n++ ? ";" : "", trajectory_kinds[k].name);
            for (int a = 0; a < cfg->dims; a++)
                fprintf(out, " %.6g", l->value[trajectory_kinds[k].mean + a]);
        }
        fputc('\n', out);
    }
    if (cfg->classical_enabled) {
        fprintf(out, "  classical (Fokker-Planck): mass %.15g, <q> =",
                l->value[NNQ_DIAG_classical_mass]);
        for (int a = 0; a < cfg->dims; a++)
            fprintf(out, " %.6g", l->value[NNQ_DIAG_classical_q0_mean + 2 * a]);
        fprintf(out,
                "; psi's density from it at the end: L1 %.3g, Hellinger %.3g, relative entropy "
                "%.3g\n",
                l->value[NNQ_DIAG_dist_l1], l->value[NNQ_DIAG_dist_hellinger],
                l->value[NNQ_DIAG_dist_kl]);
    }
    fputs(sum->observed_text, out);
    fprintf(out, "  %ld snapshots written to %s\n", sum->snapshots, sum->output);
}

static void print_bytes(FILE *out, const char *what, double bytes) {
    char buf[32];
    fprintf(out, "%s%s\n", what, nnq_run_bytes_text(bytes, buf, sizeof buf));
}

void nnq_report_check(FILE *out, const struct nnq_config *cfg) {
    char integrator[32];
    nnq_config_enum_name(NNQ_KEY_run_integrator, cfg->run_integrator, integrator,
                         sizeof integrator);
    double dq[3] = {1, 1, 1};
    fprintf(out, "config %s: ok\n", cfg->path);
    fprintf(out, "hbar = mu * epsilon = %g * %g = %g, mass = %g\n", cfg->network_mu,
            cfg->network_epsilon, cfg->hbar, cfg->particle_mass);
    for (int i = 0; i < cfg->dims; i++) {
        dq[i] = (cfg->qmax[i] - cfg->qmin[i]) / (double)cfg->n[i];
        fprintf(out, "axis %d: n = %ld on [%g, %g), dq = %g, |k| <= %g\n", i, cfg->n[i],
                cfg->qmin[i], cfg->qmax[i], dq[i], M_PI / dq[i]);
    }
    for (int a = 0; a < cfg->dims && cfg->grid_boundary == NNQ_BOUNDARY_ABSORBING; a++)
        if (cfg->grid_absorb_strength == 0)
            fprintf(out,
                    "absorbing layer on axis %d: width %g, strength chosen from the initial state "
                    "(below)\n",
                    a, nnq_absorber_width(cfg, a));
        else
            fprintf(
                out,
                "absorbing layer on axis %d: width %g, strength %g: one crossing lets through "
                "exp(-2 c / (3 k w)) of a wave of number k, more than 1e-3 above |k| = %.3g%s\n",
                a, nnq_absorber_width(cfg, a), cfg->grid_absorb_strength,
                nnq_absorber_cutoff(cfg, a, cfg->grid_absorb_strength),
                nnq_absorber_cutoff(cfg, a, cfg->grid_absorb_strength) < M_PI / dq[a]
                    ? " (the grid holds more: faster packets pass and come back at the opposite "
                      "face; raise absorb_strength or absorb_width)"
                    : "");
    fprintf(out, "time: %ld steps of dt = %g to t = %g, %s%s\n", cfg->steps, cfg->run_dt,
            (double)cfg->steps * cfg->run_dt, integrator,
            cfg->run_imaginary_time ? ", imaginary time" : "");
    double phase = nnq_config_kinetic_phase(cfg);
    if (cfg->run_imaginary_time)
        fprintf(out,
                "schrodinger: imaginary time: the kinetic factor exp(-hbar k^2 dt / 2m) damps "
                "the high k (no phase, nothing aliases); max |k| decays by exp(-%.3g) a "
                "step\n",
                phase);
    else
        fprintf(out,
                "schrodinger: split-step is unconditionally stable; kinetic phase per step at "
                "max |k| = %.3g rad (%s)\n",
                phase,
                phase < M_PI ? "resolved" : "above pi: high-k modes alias in time, lower dt");
    const struct nnq_madelung_form *form = nnq_madelung_forms[cfg->madelung_form];
    const double disp = form->dispersive(dq, cfg->dims, cfg->particle_mass, cfg->hbar);
    if (cfg->madelung_enabled)
        fprintf(out,
                "madelung (%s form): at least %.0f SSP-RK3 sub-step(s) per step: the dispersive "
                "limit %s = %.3g; more where the advective limit %s is smaller\n",
                form->name, ceil(cfg->run_dt / disp * (1 - 1e-12)), form->dispersive_rule, disp,
                form->advective_rule);
    else
        fprintf(out, "madelung: off\n");
    if (cfg->classical_enabled) {
        double rate = 0; /* the Euler bound's diffusive part: flat V */
        for (int a = 0; a < cfg->dims; a++)
            rate += 2.0 * nnq_list_axis(&cfg->classical_diffusion, a) / (dq[a] * dq[a]);
        fprintf(out,
                "classical (Fokker-Planck): at least %.0f sub-step(s) per step: the diffusive "
                "bound 2 / sum_a (2 D_a / dq_a^2) = %.3g; more where the drift mobility |dV/dq| "
                "/ dq is larger\n",
                fmax(1.0, ceil(cfg->run_dt * rate / 2.0 * (1 - 1e-12))), 2.0 / rate);
    }
    if ((cfg->trajectories_count > 0 && (cfg->trajectories_kinds & NNQ_TRAJ_LANGEVIN)) ||
        cfg->classical_enabled) {
        fprintf(out, "%s:", cfg->classical_enabled ? "classical" : "langevin walkers (classical)");
        for (int a = 0; a < cfg->dims; a++) {
            const double mob = nnq_list_axis(&cfg->classical_mobility, a),
                         D = nnq_list_axis(&cfg->classical_diffusion, a);
            fprintf(out,
                    "%s axis %d: mobility %g, D %g, temperature D / mobility = %g, noise per "
                    "step %.3g dq",
                    a ? ";" : "", a, mob, D, D / mob, sqrt(2 * D * cfg->run_dt) / dq[a]);
        }
        fputc('\n', out);
    }
    if (cfg->trajectories_count > 0 && (cfg->trajectories_kinds & NNQ_TRAJ_LANGEVIN)) {
        fprintf(out, "langevin walkers' grad V: %s\n",
                nnq_potential_has_gradient(cfg)
                    ? "V's own (the preset's, or the expression's derivative), exact off the grid"
                    : "from V's 6-point interpolant on the grid (V has no gradient of its own: "
                      "a file, L, or a jump or spike in an axis)");
    }
    struct nnq_estimate e;
    nnq_run_estimate(cfg, 0, &e);
    char fixed[32];
    fprintf(out, "memory: %zu bytes per point + %s besides (per-thread scratch, file tables), ",
            e.bytes_per_point, nnq_run_bytes_text(e.fixed, fixed, sizeof fixed));
    print_bytes(out, "total ", e.memory);
    fprintf(out, "output: %s, %ld snapshots, ", cfg->output_file, e.snapshots);
    print_bytes(out, cfg->output_compress ? "uncompressed at most " : "about ", e.output);
}

void nnq_report_validation(FILE *out, const struct nnq_config *cfg,
                           const struct nnq_validation *v) {
    fprintf(out, "potential at t = 0: from %.6g to %.6g, its minimum at q = (", v->v_min, v->v_max);
    for (int a = 0; a < cfg->dims; a++)
        fprintf(out, "%s%.6g", a ? ", " : "", v->q_min[a]);
    fprintf(out, ")\ninitial state: norm %.12g on the grid\n", v->norm);
    if (isfinite(v->absorb_k))
        fprintf(out,
                "absorbing layer: strength %.4g, chosen for the initial state's waves up to |k| = "
                "%.3g (with what falling to the layer adds; at least a wavelength per layer, at "
                "most the grid's pi / dq): one crossing lets through at most 1e-3 of them\n",
                v->absorb_strength, v->absorb_k);
}

/* Bytes of memory the system has available now (MemAvailable), or 0 when unknown. */
double nnq_report_memory_available(void) {
    FILE *f = fopen("/proc/meminfo", "r");
    double kib = 0;
    char line[256];
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "MemAvailable: %lf kB", &kib) == 1)
            break;
    if (f)
        fclose(f);
    return kib * 1024.0;
}

/* Bytes free for unprivileged users on the file system of path's directory, or 0 when unknown. */
double nnq_report_disk_free(const char *path) {
    char dir[NNQ_STR_MAX];
    nnq_output_dir_of(path, dir, sizeof dir);
    struct statvfs st;
    if (statvfs(dir, &st) != 0)
        return 0;
    return (double)st.f_bavail * (double)st.f_frsize;
}

void nnq_report_info(FILE *out, const char *path, const struct nnq_file_info *f, int csv) {
    if (csv) {
        const char *sep = "";
        for (int c = 0; c < NNQ_DIAG_COUNT; c++)
            if (f->column[c]) {
                fprintf(out, "%s%s", sep, nnq_diag_column((enum nnq_diag_column)c)->name);
                sep = ",";
            }
        fputc('\n', out);
        for (long r = 0; r < f->rows; r++) {
            sep = "";
            for (int c = 0; c < NNQ_DIAG_COUNT; c++)
                if (f->column[c]) {
                    fprintf(out, "%s%.17g", sep, f->column[c][r]);
                    sep = ",";
                }
            fputc('\n', out);
        }
        return;
    }
    fprintf(out, "%s: nnq %s output of run '%s', created %s, %s\n", path, f->version, f->name,
            f->created,
            f->completed ? "completed" : "NOT completed (stopped early, or still running)");
    fprintf(out, "hbar = %g (mu %g x epsilon %g), mass = %g, dt = %g, %d-dimensional grid\n",
            f->hbar, f->mu, f->epsilon, f->mass, f->dt, f->dims);
    if (f->snapshots > 0)
        fprintf(out, "snapshots: %ld, t = %g .. %g (steps %.0f .. %.0f)\n", f->snapshots,
                f->t_first, f->t_last, f->step_first, f->step_last);
    else
        fprintf(out, "snapshots: 0\n");
    fprintf(out, "fields: %s\n", f->fields);
    if (f->others[0])
        fprintf(out, "also: %s\n", f->others);
    fprintf(out, "diagnostics: %ld rows", f->rows);
    if (f->rows > 0) {
        fputs("; the last:\n", out);
        for (int c = 0; c < NNQ_DIAG_COUNT; c++)
            if (f->column[c])
                fprintf(out, "  %-20s %.10g\n", nnq_diag_column((enum nnq_diag_column)c)->name,
                        f->column[c][f->rows - 1]);
        struct nnq_parting p;
        nnq_parting_init(&p);
        double t_ended = NAN; /* the Madelung columns turn NaN where its description ended */
        const double *mass = f->column[NNQ_DIAG_madelung_mass];
        for (long r = 0; r < f->rows; r++) {
            struct nnq_diag_row row;
            nnq_file_info_row(f, r, &row);
            nnq_parting_track(&p, &row);
            if (mass && isnan(t_ended) && isnan(mass[r]))
                t_ended = row.value[NNQ_DIAG_t];
        }
        /* the stored config says whether the Madelung description was the classical limit */
        struct nnq_config *cfg = malloc(sizeof *cfg);
        struct nnq_err ignored = {0};
        const int quantum =
            !cfg || nnq_config_load_string(f->config, path, NULL, 0, cfg, &ignored) != NNQ_OK ||
            cfg->madelung_quantum;
        free(cfg);
        text_parting(out, &p, f->column[NNQ_DIAG_div_p_l1] != NULL, quantum);
        if (!isnan(t_ended))
            fprintf(out,
                    "  the Madelung description ended by t = %g (its columns are NaN from that "
                    "row on; the run's summary said why)\n",
                    t_ended);
    } else
        fputc('\n', out);
    fprintf(out, "config:\n");
    for (const char *line = f->config; *line;) {
        size_t len = strcspn(line, "\n");
        fprintf(out, "  %.*s\n", (int)len, line);
        line += len + (line[len] == '\n');
    }
}

/* ---- nnq converge ---------------------------------------------------------------------------- */

void nnq_report_converge_level(FILE *out, const struct nnq_config *cfg,
                               const struct nnq_summary *sum) {
    fputs("n =", out);
    for (int a = 0; a < cfg->dims; a++)
        fprintf(out, "%s%ld", a ? " x " : " ", cfg->n[a]);
    fprintf(out, ": %ld steps to t = %g in %.3g s, %s\n", sum->steps_done, sum->t, sum->wall_s,
            sum->output);
}

/* Time j of t_part (part = 1) or t_multivalued_at (0) at every level, into t. */
static void times_of(const struct nnq_converge *c, int part, int j, double *t) {
    for (int k = 0; k < c->levels; k++)
        t[k] = part ? c->parting[k].t_part[j] : c->parting[k].t_multivalued_at[j];
}

/* 1 when some level reached time t. */
static int reached(const struct nnq_converge *c, const double *t) {
    for (int k = 0; k < c->levels; k++)
        if (!isnan(t[k]))
            return 1;
    return 0;
}

/* "n0 x n1" of level k. */
static void level_size(FILE *out, const struct nnq_config *base, int k) {
    for (int a = 0; a < base->dims; a++)
        fprintf(out, "%s%ld", a ? "x" : "", base->n[a] << k);
}

/* "t0, t1, t2 -> converged to t2 (within d)" or "-> not converged" for one time per level. */
static void text_times(FILE *out, const struct nnq_converge *c, const double *t) {
    const int last = c->levels - 1;
    for (int k = 0; k < c->levels; k++) {
        fputs(k ? ", " : "", out);
        text_time(out, t[k]);
    }
    const double coarse = t[last - 1], fine = t[last];
    if (isnan(coarse) && isnan(fine))
        fputc('\n', out);
    else if (nnq_converge_agree(coarse, fine, c->row_dt))
        fprintf(out, " -> converged to %.4g (within %.2g)\n", fine, fabs(fine - coarse));
    else
        fputs(" -> not converged\n", out);
}

void nnq_report_converge(FILE *out, const struct nnq_config *base, const char *const *paths,
                         const struct nnq_converge *c) {
    fprintf(out, "nnq converge: %s at %d resolutions (the same dt; rows every %g):\n",
            base->run_name, c->levels, c->row_dt);
    for (int k = 0; k < c->levels; k++)
        fprintf(out, "  %s\n", paths[k]);
    if (c->window_rows == 0)
        fputs("F is multivalued from t = 0 (a node or vortex of weight >= 1e-8): there is no "
              "time before the parting to converge (a state that does not vanish at the box's "
              "faces jumps across the periodic seam: see edge_density, and widen the box)\n",
              out);
    else {
        if (isinf(c->t_window))
            fputs("before any node or vortex of weight >= 1e-8 (every row), ", out);
        else
            fprintf(out,
                    "before the first node or vortex of weight >= 1e-8 or the end of a "
                    "Madelung description (t < %g), ",
                    c->t_window);
        fputs("the largest divergence per resolution (observed order):\n", out);
        for (int m = 0; m < NNQ_PARTING_METRICS; m++) {
            fprintf(out, "  %-10s", nnq_diag_column(nnq_parting_metric(m))->name);
            for (int k = 0; k < c->levels; k++) {
                fprintf(out, "  %.3e", c->before[k][m]);
                if (k > 0)
                    fprintf(out, " (%.2f)", c->order[k][m]);
            }
            fputc('\n', out);
        }
        if (nnq_converge_converges(c))
            fputs("  the Madelung solver converges there: the divergence before the parting is "
                  "its error, and it falls with the grid\n",
                  out);
        else
            fprintf(out,
                    "  warning: the divergence before the parting does not fall at order >= %g "
                    "from the last but one resolution to the last: the Madelung solver has not "
                    "converged, and the parting times below are not a measurement yet\n",
                    NNQ_CONVERGE_MIN_ORDER);
    }
    double t[NNQ_CONVERGE_MAX_LEVELS];
    fputs("parting: the first t each divergence passed a level, per resolution (levels never "
          "passed left out; ",
          out);
    for (int k = 0; k < c->levels; k++) {
        fputs(k ? ", " : "n = ", out);
        level_size(out, base, k);
    }
    fputs("):\n", out);
    for (int m = 0; m < NNQ_PARTING_METRICS; m++)
        for (int l = 0; l < NNQ_PARTING_LEVELS; l++) {
            times_of(c, 1, m * NNQ_PARTING_LEVELS + l, t);
            if (!reached(c, t))
                continue;
            fprintf(out, "  %-10s > %-5s ", nnq_diag_column(nnq_parting_metric(m))->name,
                    nnq_parting_level_name(l));
            text_times(out, c, t);
        }
    fputs("F multivalued: the first t with a node or vortex of weight >= w x max p (weights never "
          "reached left out):\n",
          out);
    for (int k = 0; k < NNQ_PARTING_FLOORS; k++) {
        times_of(c, 0, k, t);
        if (!reached(c, t))
            continue;
        fprintf(out, "  w = %-5s ", nnq_parting_floor_name(k));
        text_times(out, c, t);
    }
    int ended = 0;
    for (int k = 0; k < c->levels; k++)
        ended |= !isnan(c->t_ended[k]);
    if (ended) {
        fputs("the Madelung description ended (its columns NaN from) t =", out);
        for (int k = 0; k < c->levels; k++) {
            fprintf(out, "%s", k ? ", " : " ");
            text_time(out, c->t_ended[k]);
        }
        fputc('\n', out);
    }
    fputs("the divergence at the end:", out);
    for (int m = 0; m < NNQ_PARTING_METRICS; m++) {
        fprintf(out, "%s %s", m ? ";" : "", nnq_diag_column(nnq_parting_metric(m))->name);
        for (int k = 0; k < c->levels; k++)
            fprintf(out, "%s%.3g", k ? ", " : " ", c->last[k][m]);
    }
    fputc('\n', out);
}

/* "key":{"t":[per level],"converged":bool} */
static void json_times(FILE *out, const char *key, const struct nnq_converge *c, const double *t) {
    fprintf(out, "\"%s\":{\"t\":[", key);
    for (int k = 0; k < c->levels; k++) {
        fputs(k ? "," : "", out);
        json_number(out, t[k]);
    }
    fprintf(out, "],\"converged\":%s}",
            !reached(c, t)                                                      ? "null"
            : nnq_converge_agree(t[c->levels - 2], t[c->levels - 1], c->row_dt) ? "true"
                                                                                : "false");
}

void nnq_report_converge_json(FILE *out, const struct nnq_config *base, const char *const *paths,
                              const struct nnq_converge *c) {
    fputs("{\"name\":", out);
    json_string(out, base->run_name);
    fputs(",\"command\":\"converge\",\"status\":\"ok\",\"exit_code\":0,\"levels\":[", out);
    for (int k = 0; k < c->levels; k++) {
        fputs(k ? ",{\"n\":[" : "{\"n\":[", out);
        for (int a = 0; a < base->dims; a++)
            fprintf(out, "%s%ld", a ? "," : "", base->n[a] << k);
        fputs("],\"output\":", out);
        json_string(out, paths[k]);
        fputc('}', out);
    }
    fputs("],\"row_dt\":", out);
    json_number(out, c->row_dt);
    fputs(",\"t_window\":", out);
    json_number(out, c->t_window); /* null: every row (no defect) */
    fputs(",\"t_ended\":[", out);
    for (int k = 0; k < c->levels; k++) {
        fputs(k ? "," : "", out);
        json_number(out, c->t_ended[k]); /* null: the Madelung description ran to the end */
    }
    fprintf(out, "],\"window_rows\":%ld,\"before\":{", c->window_rows);
    for (int m = 0; m < NNQ_PARTING_METRICS; m++) {
        fprintf(out, "%s\"%s\":{\"max\":[", m ? "," : "",
                nnq_diag_column(nnq_parting_metric(m))->name);
        for (int k = 0; k < c->levels; k++) {
            fputs(k ? "," : "", out);
            json_number(out, c->before[k][m]);
        }
        fputs("],\"order\":[", out);
        for (int k = 1; k < c->levels; k++) {
            fputs(k > 1 ? "," : "", out);
            json_number(out, c->order[k][m]);
        }
        fputs("]}", out);
    }
    fprintf(out, "},\"converges_before\":%s,\"t_part\":{",
            nnq_converge_converges(c) ? "true" : "false");
    double t[NNQ_CONVERGE_MAX_LEVELS];
    for (int m = 0; m < NNQ_PARTING_METRICS; m++) {
        fprintf(out, "%s\"%s\":{", m ? "," : "", nnq_diag_column(nnq_parting_metric(m))->name);
        for (int l = 0; l < NNQ_PARTING_LEVELS; l++) {
            fputs(l ? "," : "", out);
            times_of(c, 1, m * NNQ_PARTING_LEVELS + l, t);
            json_times(out, nnq_parting_level_name(l), c, t);
        }
        fputc('}', out);
    }
    fputs("},\"t_multivalued_at\":{", out);
    for (int k = 0; k < NNQ_PARTING_FLOORS; k++) {
        fputs(k ? "," : "", out);
        times_of(c, 0, k, t);
        json_times(out, nnq_parting_floor_name(k), c, t);
    }
    fputs("}}\n", out);
}
