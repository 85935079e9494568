/*
 * bench_steps.c - cost of one step, side by side in one process (not part of ctest), on the
 * grids of the performance targets (1D 2^20, 2D 512^2 and 2048^2, 3D 128^3), for each thread count
 * asked: (a) the bare FFTW limit: pointwise product, forward FFT, pointwise product, backward FFT,
 *       in place, with the same planner flags as nnq;
 *   (b) nnq's Schrodinger step (strang, merged half kicks);
 *   (c) Schrodinger and Madelung steps (SSP-RK3, dt below the solver's limits: no
 *       sub-cycling), each solver a block of up to 10 steps in turn, as nnq_run takes them
 *       between diagnostics rows ([run] diag_every = 10, the default);
 *   (d) (b) with a double-precision snapshot (p, F, psi) written every 100 steps;
 *   (e) the Madelung step of (c) alone, so that its cost in Schrodinger steps, b/e, is
 *       seen without the two solvers evicting each other's data from the caches;
 *   (f) the comparison of one diagnostics row (F_M's least-squares solve, warm-started from
 *       the row 10 Madelung steps before: nnq_free_energy_update; then nnq_compare_run: the
 *       metrics, curl, information),
 *       and b/f, its cost in Schrodinger steps;
 *   (g) a step of the potential form ([madelung] form = potential, density floor 1e-8, or
 *       --floor's: 1e-300 puts the whole grid in its support) alone, from the same psi; b/g
 *       is its cost in Schrodinger steps (it follows the support's size, not the grid's).
 * Each figure is the median of REPS repetitions. Prints steps/s, b/a, c/b, d/b, b/e and the
 * speed-up of each mode over the first thread count; writes every figure as JSON.
 * Usage: bench_steps [--threads LIST] [--json FILE] [--quick] [--grids SUBSTRING]
 *                    [--limiter vanleer|minmod|mc] (the Madelung solver's, vanleer by default)
 *                    [--floor X] ((g)'s density floor, 1e-8 by default)
 */
#include <complex.h>
#include <fftw3.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nnq/compare.h"
#include "nnq/config.h"
#include "nnq/current.h"
#include "nnq/free_energy.h"
#include "nnq/grid.h"
#include "nnq/madelung.h"
#include "nnq/output_h5.h"
#include "nnq/potential.h"
#include "nnq/progress.h"
#include "nnq/schrodinger.h"
#include "nnq/stepper.h"

#define REPS 5

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n) {
    qsort(v, (size_t)n, sizeof *v, cmp);
    return v[n / 2];
}

struct result {
    const char *grid;
    int threads;
    double bare, schrodinger, both, snapshots, madelung; /* (a) .. (e), steps per second */
    double rows;                                         /* (f), rows per second */
    double potential; /* (g): a step of the potential form alone, steps per second */
};

/* psi *= f pointwise, as a minimal loop does it (the bare limit's pointwise product). */
static void multiply(double complex *psi, const double complex *f, ptrdiff_t n, int threads) {
    double *p = (double *)psi;
    const double *a = (const double *)f;
#pragma omp parallel for num_threads(threads) if (n > 16384)
    for (ptrdiff_t i = 0; i < n; i++) {
        double re = p[2 * i], im = p[2 * i + 1];
        p[2 * i] = re * a[2 * i] - im * a[2 * i + 1];
        p[2 * i + 1] = re * a[2 * i + 1] + im * a[2 * i];
    }
}

static void die(const struct nnq_err *err) {
    fprintf(stderr, "bench: %s\n", err->msg);
    exit(1);
}

static struct result bench(const char *label, const char *ini, int threads, long steps, int quick,
                           enum nnq_limiter limiter, double density_floor) {
    static struct nnq_config cfg;
    struct nnq_err err = {0};
    struct nnq_grid *g = NULL;
    struct nnq_potential *pot = NULL;
    if (nnq_config_load_string(ini, label, NULL, 0, &cfg, &err) ||
        nnq_grid_create(cfg.dims, cfg.n, cfg.qmin, cfg.qmax, &g, &err) ||
        nnq_potential_create(&cfg, g, &pot, &err))
        die(&err);
    struct result r = {label, threads, 0, 0, 0, 0, 0, 0, 0};
    double t[REPS];
    const ptrdiff_t n = g->local_size;

    /* (a) bare FFTW */
    fftw_init_threads();
    fftw_plan_with_nthreads(threads);
    double complex *psi = fftw_malloc(sizeof *psi * (size_t)n),
                   *f1 = fftw_malloc(sizeof *f1 * (size_t)n),
                   *f2 = fftw_malloc(sizeof *f2 * (size_t)n);
    int dims[3] = {(int)g->n[0], (int)g->n[1], (int)g->n[2]};
    fftw_plan fw = fftw_plan_dft(g->dims, dims, psi, psi, FFTW_FORWARD, FFTW_MEASURE);
    fftw_plan bw = fftw_plan_dft(g->dims, dims, psi, psi, FFTW_BACKWARD, FFTW_MEASURE);
    for (ptrdiff_t i = 0; i < n; i++) {
        psi[i] = exp(-1e-3 * (double)(i % 1000));
        f1[i] = cexp(-I * 1e-3 * (double)i) / (double)n;
        f2[i] = cexp(I * 1e-3 * (double)i);
    }
    for (int k = 0; k < REPS; k++) {
        double t0 = nnq_progress_clock();
        for (long s = 0; s < steps; s++) {
            multiply(psi, f2, n, threads);
            fftw_execute(fw);
            multiply(psi, f1, n, threads);
            fftw_execute(bw);
        }
        t[k] = (nnq_progress_clock() - t0) / (double)steps;
    }
    r.bare = 1.0 / median(t, REPS);
    fftw_destroy_plan(fw);
    fftw_destroy_plan(bw);
    fftw_free(psi);
    fftw_free(f1);
    fftw_free(f2);

    /* (b) Schrodinger */
    struct nnq_schrodinger_params sp = {
        cfg.hbar, cfg.particle_mass,   cfg.run_dt, NNQ_INTEGRATOR_STRANG,
        0,        NNQ_PLANNER_MEASURE, threads,    NULL};
    struct nnq_schrodinger *s;
    if (nnq_schrodinger_create(g, pot, &sp, &s, &err))
        die(&err);
    double complex *ps = nnq_schrodinger_psi(s);
    ptrdiff_t idx = 0;
    for (ptrdiff_t i0 = 0; i0 < g->n[0]; i0++)
        for (ptrdiff_t i1 = 0; i1 < g->n[1]; i1++)
            for (ptrdiff_t i2 = 0; i2 < g->n[2]; i2++, idx++) {
                double r2 = g->q[0][i0] * g->q[0][i0] + g->q[1][i1] * g->q[1][i1] +
                            g->q[2][i2] * g->q[2][i2];
                ps[idx] = exp(-0.5 * r2) * cexp(0.3 * I * g->q[0][i0]);
            }
    for (int k = 0; k < REPS; k++) {
        double t0 = nnq_progress_clock();
        nnq_schrodinger_advance(s, steps, 0.0, &err);
        t[k] = (nnq_progress_clock() - t0) / (double)steps;
    }
    r.schrodinger = 1.0 / median(t, REPS);

    /* (d) Schrodinger with a snapshot every 100 steps, into a scratch file */
    char path[512];
    const char *tmp = getenv("TMPDIR");
    snprintf(path, sizeof path, "%s/nnq_bench_%ld.h5", tmp && *tmp ? tmp : "/tmp", (long)getpid());
    struct nnq_output *o;
    const struct nnq_output_group *group = &nnq_stepper_schrodinger.group;
    if (nnq_output_create(path, 1, &cfg, ini, g, group, 1, &o, &err))
        die(&err);
    double *buf = malloc(sizeof(double) * (size_t)n);
    const long every = 100, per_rep = quick ? every : 2 * every;
    for (int k = 0; k < REPS; k++) {
        double t0 = nnq_progress_clock();
        for (long done = 0; done < per_rep; done += every) {
            if (nnq_schrodinger_advance(s, every, 0.0, &err) ||
                nnq_output_snapshot_begin(o, 0.0, done, &err))
                die(&err);
            /* what the Schrodinger stepper writes: p, F (as the run computes them), psi */
            for (int f = 0; f < group->nfields; f++) {
                if (!nnq_output_wants(o, 0, f))
                    continue;
                const void *data = ps;
                if (group->fields[f].kind == NNQ_FIELD_REAL) {
                    const int is_p = strcmp(group->fields[f].name, "p") == 0;
                    for (ptrdiff_t i = 0; i < n; i++)
                        buf[i] = is_p ? creal(ps[i]) * creal(ps[i]) + cimag(ps[i]) * cimag(ps[i])
                                      : cfg.hbar * carg(ps[i]);
                    data = buf;
                }
                if (nnq_output_snapshot_field(o, 0, f, data, &err))
                    die(&err);
            }
            if (nnq_output_snapshot_end(o, &err))
                die(&err);
        }
        t[k] = (nnq_progress_clock() - t0) / (double)per_rep;
    }
    free(buf);
    r.snapshots = 1.0 / median(t, REPS);
    if (nnq_output_close(o, 1, &err))
        die(&err);
    remove(path);
    char xmf[520];
    snprintf(xmf, sizeof xmf, "%.*s.xmf", (int)strlen(path) - 3, path);
    remove(xmf);

    /* (c) Schrodinger and Madelung steps in turn, the Madelung state from the same psi */
    struct nnq_madelung_params mp = {.hbar = cfg.hbar,
                                     .mass = cfg.particle_mass,
                                     .dt = cfg.run_dt,
                                     .limiter = limiter,
                                     .flux = NNQ_FLUX_RUSANOV,
                                     .density_floor = 1e-12,
                                     .damping = 0.25,
                                     .threads = threads,
                                     .planner = NNQ_PLANNER_MEASURE};
    struct nnq_madelung *m;
    struct nnq_compare *cmp = NULL;
    struct nnq_free_energy *fe = NULL;
    struct nnq_current *cur = NULL;
    if (nnq_madelung_create(g, pot, &mp, &m, &err) ||
        nnq_compare_create(g, cfg.hbar, cfg.particle_mass, 1e-12, threads, NNQ_PLANNER_ESTIMATE,
                           &cmp, &err) ||
        nnq_free_energy_create(g, cfg.hbar, cfg.particle_mass, threads, &fe, &err) ||
        nnq_current_create(g, cfg.hbar, cfg.particle_mass, threads, NNQ_PLANNER_ESTIMATE, &cur,
                           &err))
        die(&err);
    const struct nnq_view v0 = {.g = g, .psi = ps, .j = nnq_current_run(cur, ps)};
    nnq_madelung_init(m, &v0);
    /* nnq_run advances each solver by the steps up to the next diagnostics row, 10 by
     * default ([run] diag_every): blocks of msteps <= 10 here */
    long msteps = steps / 4 > 0 ? steps / 4 : 1;
    msteps = msteps < 10 ? msteps : 10;
    for (int k = 0; k < REPS; k++) {
        double t0 = nnq_progress_clock();
        if (nnq_schrodinger_advance(s, msteps, 0.0, &err) ||
            nnq_madelung_advance(m, msteps, 0.0, &err))
            die(&err);
        t[k] = (nnq_progress_clock() - t0) / (double)msteps;
    }
    r.both = 1.0 / median(t, REPS);
    /* (e) */
    for (int k = 0; k < REPS; k++) {
        double t0 = nnq_progress_clock();
        if (nnq_madelung_advance(m, msteps, 0.0, &err))
            die(&err);
        t[k] = (nnq_progress_clock() - t0) / (double)msteps;
    }
    r.madelung = 1.0 / median(t, REPS);
    if (nnq_madelung_take_substeps(m) != 1)
        fprintf(stderr, "bench: %s: the Madelung step sub-cycled; lower dt\n", label);
    /* (g): the potential form (p, F), from the same psi */
    {
        struct nnq_madelung_params pp = mp;
        pp.density_floor = density_floor;
        void *pf = NULL;
        double *F = malloc(sizeof(double) * (size_t)(g->local_size > 0 ? g->local_size : 1));
        if (!F)
            exit(1);
        for (ptrdiff_t i = 0; i < g->local_size; i++)
            F[i] = cfg.hbar * carg(ps[i]);
        if (nnq_madelung_potential.create(g, pot, &pp, &pf, &err))
            die(&err);
        nnq_madelung_potential.init(pf, &(const struct nnq_view){.g = g, .psi = ps, .F = F});
        for (int k = 0; k < REPS; k++) {
            double t0 = nnq_progress_clock();
            if (nnq_madelung_potential.advance(pf, msteps, 0.0, &err))
                die(&err);
            t[k] = (nnq_progress_clock() - t0) / (double)msteps;
        }
        r.potential = 1.0 / median(t, REPS);
        if (nnq_madelung_potential.take_substeps(pf) != 1)
            fprintf(stderr, "bench: %s: the potential form sub-cycled; lower dt\n", label);
        nnq_madelung_potential.destroy(pf);
        free(F);
    }
    /* (f) */
    const struct nnq_view vs = {.g = g, .psi = ps};
    struct nnq_view vm;
    struct nnq_divergence dv;
    nnq_madelung_view(m, &vm);
    nnq_free_energy_anchor(fe, ps, vm.p, vm.j);
    nnq_free_energy_update(fe, vm.p, vm.j);
    vm.F = nnq_free_energy_get(fe);
    nnq_compare_run(cmp, &vs, &vm, &dv);
    for (int k = 0; k < REPS; k++) {
        if (nnq_madelung_advance(m, msteps, 0.0, &err))
            die(&err);
        nnq_madelung_view(m, &vm);
        double t0 = nnq_progress_clock();
        nnq_free_energy_update(fe, vm.p, vm.j);
        vm.F = nnq_free_energy_get(fe);
        nnq_compare_run(cmp, &vs, &vm, &dv);
        t[k] = nnq_progress_clock() - t0;
    }
    r.rows = 1.0 / median(t, REPS);
    nnq_current_destroy(cur);
    nnq_free_energy_destroy(fe);
    nnq_compare_destroy(cmp);
    nnq_madelung_destroy(m);
    nnq_schrodinger_destroy(s);
    nnq_potential_destroy(pot);
    nnq_grid_destroy(g);
    return r;
}

int main(int argc, char **argv) {
    int threads[8] = {1, 2}, nthreads = 2, quick = 0;
    const char *json = "bench_steps.json", *only = "";
    static const char *const limiters[] = {[NNQ_LIMITER_VANLEER] = "vanleer",
                                           [NNQ_LIMITER_MINMOD] = "minmod",
                                           [NNQ_LIMITER_NONE] = "none",
                                           [NNQ_LIMITER_MC] = "mc"};
    int limiter = NNQ_LIMITER_VANLEER;
    double density_floor = 1e-8;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc) {
            nthreads = 0;
            for (char *tok = strtok(argv[++i], ","); tok && nthreads < 8; tok = strtok(NULL, ","))
                threads[nthreads++] = atoi(tok);
        } else if (strcmp(argv[i], "--json") == 0 && i + 1 < argc)
            json = argv[++i];
        else if (strcmp(argv[i], "--grids") == 0 && i + 1 < argc)
            only = argv[++i];
        else if (strcmp(argv[i], "--quick") == 0)
            quick = 1;
        else if (strcmp(argv[i], "--floor") == 0 && i + 1 < argc) {
            density_floor = atof(argv[++i]);
            if (!(density_floor > 0 && density_floor < 1)) {
                fprintf(stderr, "bench: --floor takes a density floor in (0, 1), like 1e-300\n");
                return 2;
            }
        } else if (strcmp(argv[i], "--limiter") == 0 && i + 1 < argc) {
            const char *name = argv[++i];
            for (limiter = 0; limiter < 4 && strcmp(name, limiters[limiter]) != 0; limiter++)
                ;
            if (limiter == 4) {
                fprintf(stderr, "bench: --limiter takes vanleer, minmod, none or mc\n");
                return 2;
            }
        } else {
            fprintf(stderr, "usage: bench_steps [--threads LIST] [--json FILE] [--quick] "
                            "[--grids SUBSTRING] [--limiter NAME] [--floor X]\n");
            return 2;
        }
    }
    for (int i = 0; i < nthreads; i++)
        if (threads[i] < 1) {
            fprintf(stderr, "bench: --threads takes a list of counts >= 1, like 1,2\n");
            return 2;
        }
    /* dt below each grid's dispersive limit 0.3 m dq^2 / hbar: one RK3 step per step */
    static const struct {
        const char *label, *ini;
        long steps;
    } cases[] = {
        {"1D 2^20",
         "[run]\nsteps=1\ndt=1e-9\n[grid]\nn=1048576\nqmin=-40\nqmax=40\n"
         "[potential]\npreset=harmonic\n[initial]\npreset=gaussian\n",
         20},
        {"2D 512^2",
         "[run]\nsteps=1\ndt=2.5e-4\n[grid]\nn=512,512\nqmin=-10\nqmax=10\n"
         "[potential]\npreset=harmonic\n[initial]\npreset=gaussian\n",
         40},
        {"2D 2048^2",
         "[run]\nsteps=1\ndt=2e-5\n[grid]\nn=2048,2048\nqmin=-10\nqmax=10\n"
         "[potential]\npreset=harmonic\n[initial]\npreset=gaussian\n",
         8},
        {"3D 128^3",
         "[run]\nsteps=1\ndt=2e-3\n[grid]\nn=128,128,128\nqmin=-8\nqmax=8\n"
         "[potential]\npreset=harmonic\n[initial]\npreset=gaussian\n",
         8},
    };
    int ncases = (int)(sizeof cases / sizeof cases[0]);
    FILE *out = fopen(json, "w");
    if (!out) {
        perror(json);
        return 1;
    }
    struct result res[8][8];
    fprintf(out,
            "{\"repetitions\":%d,\"snapshot_every\":100,\"limiter\":\"%s\",\"potential_floor\":"
            "%g,\"results\":[",
            REPS, limiters[limiter], density_floor);
    printf("%-10s %3s %11s %11s %11s %11s %11s %10s %10s %6s %6s %6s %6s %6s %6s\n", "grid", "thr",
           "(a) FFTW/s", "(b) schr/s", "(c) +mad/s", "(d) +snap/s", "(e) mad/s", "(f) rows/s",
           "(g) pot/s", "b/a", "c/b", "d/b", "b/e", "b/f", "b/g");
    int first = 1;
    for (int c = 0; c < ncases; c++) {
        if (!strstr(cases[c].label, only))
            continue;
        for (int th = 0; th < nthreads; th++) {
            long steps = quick ? cases[c].steps / 4 + 1 : cases[c].steps;
            struct result r = bench(cases[c].label, cases[c].ini, threads[th], steps, quick,
                                    (enum nnq_limiter)limiter, density_floor);
            res[c][th] = r;
            printf("%-10s %3d %11.1f %11.1f %11.2f %11.1f %11.2f %10.3f %10.2f %6.3f %6.3f %6.3f "
                   "%6.2f %6.1f %6.2f\n",
                   r.grid, r.threads, r.bare, r.schrodinger, r.both, r.snapshots, r.madelung,
                   r.rows, r.potential, r.schrodinger / r.bare, r.both / r.schrodinger,
                   r.snapshots / r.schrodinger, r.schrodinger / r.madelung, r.schrodinger / r.rows,
                   r.schrodinger / r.potential);
            fflush(stdout);
            fprintf(out,
                    "%s\n{\"grid\":\"%s\",\"threads\":%d,\"a_bare_steps_per_s\":%.6g,"
                    "\"b_schrodinger_steps_per_s\":%.6g,\"c_with_madelung_steps_per_s\":%.6g,"
                    "\"d_with_snapshots_steps_per_s\":%.6g,\"e_madelung_steps_per_s\":%.6g,"
                    "\"f_comparison_rows_per_s\":%.6g,\"b_over_f\":%.4f,"
                    "\"g_potential_steps_per_s\":%.6g,\"b_over_g\":%.4f,"
                    "\"b_over_a\":%.4f,\"c_over_b\":%.4f,\"d_over_b\":%.4f,\"b_over_e\":%.4f,"
                    "\"b_speedup\":%.4f,\"c_speedup\":%.4f}",
                    first ? "" : ",", r.grid, r.threads, r.bare, r.schrodinger, r.both, r.snapshots,
                    r.madelung, r.rows, r.schrodinger / r.rows, r.potential,
                    r.schrodinger / r.potential, r.schrodinger / r.bare, r.both / r.schrodinger,
                    r.snapshots / r.schrodinger, r.schrodinger / r.madelung,
                    r.schrodinger / res[c][0].schrodinger, r.both / res[c][0].both);
            first = 0;
        }
        for (int th = 1; th < nthreads; th++)
            printf("%-10s speed-up %d vs %d threads: (b) %.2fx, (c) %.2fx\n", cases[c].label,
                   threads[th], threads[0], res[c][th].schrodinger / res[c][0].schrodinger,
                   res[c][th].both / res[c][0].both);
    }
    fprintf(out, "\n]}\n");
    fclose(out);
    printf("figures written to %s\n", json);
    return 0;
}
