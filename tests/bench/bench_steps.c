/*
 * bench_steps.c - cost of one step, side by side in one process (not part of ctest):
 *   (a) the bare FFTW limit: pointwise product, forward FFT, pointwise product, backward FFT,
 *       in place, with the same planner flags as nnq;
 *   (b) nnq's Schrodinger step (strang, merged half kicks);
 *   (c) one Madelung step (SSP-RK3, dt chosen so that no sub-cycling happens).
 * Prints steps/s and the ratios b/a and (b time)/(c time); writes every figure as JSON.
 * Usage: bench_steps [--threads N] [--json FILE] [--quick]
 */
#include <complex.h>
#include <fftw3.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nnq/config.h"
#include "nnq/grid.h"
#include "nnq/madelung.h"
#include "nnq/potential.h"
#include "nnq/progress.h"
#include "nnq/schrodinger.h"

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
    double bare, schrodinger, madelung; /* steps per second */
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

static struct result bench(const char *label, const char *ini, int threads, long steps) {
    static struct nnq_config cfg;
    struct nnq_err err = {0};
    struct nnq_grid *g;
    struct nnq_potential *pot;
    if (nnq_config_load_string(ini, label, NULL, 0, &cfg, &err) ||
        nnq_grid_create(cfg.dims, cfg.n, cfg.qmin, cfg.qmax, &g, &err) ||
        nnq_potential_create(&cfg, &pot, &err))
        die(&err);
    struct result r = {label, 0, 0, 0};
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
        0,        NNQ_PLANNER_MEASURE, threads};
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

    /* (c) Madelung, from the same psi */
    struct nnq_madelung_params mp = {cfg.hbar,
                                     cfg.particle_mass,
                                     cfg.run_dt,
                                     NNQ_LIMITER_VANLEER,
                                     NNQ_FLUX_RUSANOV,
                                     1e-12,
                                     0.25,
                                     threads,
                                     NNQ_PLANNER_MEASURE};
    struct nnq_madelung *m;
    if (nnq_madelung_create(g, pot, &mp, &m, &err))
        die(&err);
    nnq_madelung_init(m, ps);
    long msteps = steps / 4 > 0 ? steps / 4 : 1;
    for (int k = 0; k < REPS; k++) {
        double t0 = nnq_progress_clock();
        if (nnq_madelung_advance(m, msteps, 0.0, &err))
            die(&err);
        t[k] = (nnq_progress_clock() - t0) / (double)msteps;
    }
    r.madelung = 1.0 / median(t, REPS);
    if (nnq_madelung_take_substeps(m) != 1)
        fprintf(stderr, "bench: %s: the Madelung step sub-cycled; lower dt\n", label);
    nnq_madelung_destroy(m);
    nnq_schrodinger_destroy(s);
    nnq_potential_destroy(pot);
    nnq_grid_destroy(g);
    return r;
}

int main(int argc, char **argv) {
    int threads = 1, quick = 0;
    const char *json = "bench_steps.json";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc)
            threads = atoi(argv[++i]);
        else if (strcmp(argv[i], "--json") == 0 && i + 1 < argc)
            json = argv[++i];
        else if (strcmp(argv[i], "--quick") == 0)
            quick = 1;
        else {
            fprintf(stderr, "usage: bench_steps [--threads N] [--json FILE] [--quick]\n");
            return 2;
        }
    }
    /* dt below each grid's dispersive limit 0.3 m dq^2 / hbar: one RK3 step per step */
    static const struct {
        const char *label, *ini;
        long steps;
    } cases[] = {
        {"1D 65536",
         "[run]\nsteps=1\ndt=4e-7\n[grid]\nn=65536\nqmin=-40\nqmax=40\n"
         "[potential]\npreset=harmonic\n[initial]\npreset=gaussian\n",
         200},
        {"2D 256^2",
         "[run]\nsteps=1\ndt=1e-3\n[grid]\nn=256,256\nqmin=-10\nqmax=10\n"
         "[potential]\npreset=harmonic\n[initial]\npreset=gaussian\n",
         100},
        {"2D 512^2",
         "[run]\nsteps=1\ndt=2.5e-4\n[grid]\nn=512,512\nqmin=-10\nqmax=10\n"
         "[potential]\npreset=harmonic\n[initial]\npreset=gaussian\n",
         40},
        {"3D 64^3",
         "[run]\nsteps=1\ndt=2e-3\n[grid]\nn=64,64,64\nqmin=-8\nqmax=8\n"
         "[potential]\npreset=harmonic\n[initial]\npreset=gaussian\n",
         20},
    };
    int ncases = (int)(sizeof cases / sizeof cases[0]);
    FILE *out = fopen(json, "w");
    if (!out) {
        perror(json);
        return 1;
    }
    fprintf(out, "{\"threads\":%d,\"repetitions\":%d,\"results\":[", threads, REPS);
    printf("%-10s %14s %14s %14s %8s %14s\n", "grid", "bare FFTW/s", "schrodinger/s", "madelung/s",
           "b/a", "madelung cost");
    for (int c = 0; c < ncases; c++) {
        struct result r = bench(cases[c].label, cases[c].ini, threads,
                                quick ? cases[c].steps / 10 + 1 : cases[c].steps);
        printf("%-10s %14.1f %14.1f %14.1f %8.3f %10.1f steps\n", r.grid, r.bare, r.schrodinger,
               r.madelung, r.schrodinger / r.bare, r.schrodinger / r.madelung);
        fprintf(out,
                "%s{\"grid\":\"%s\",\"bare_steps_per_s\":%.6g,\"schrodinger_steps_per_s\":%.6g,"
                "\"madelung_steps_per_s\":%.6g,\"b_over_a\":%.4f,"
                "\"madelung_step_in_schrodinger_steps\":%.3f}",
                c ? "," : "", r.grid, r.bare, r.schrodinger, r.madelung, r.schrodinger / r.bare,
                r.schrodinger / r.madelung);
    }
    fprintf(out, "]}\n");
    fclose(out);
    printf("figures written to %s\n", json);
    return 0;
}
