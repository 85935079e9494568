/*
 * bench_trajectories.c - what following single networks costs (not part of ctest): on 2D 512^2,
 * a Gaussian packet (bohm, nelson) and one with a vortex (bohm: particles near its core take
 * sub-steps) in a harmonic trap, as nnq_run drives an observer with a per-step hook:
 *   (b) the Schrodinger stepper alone, one step per call;
 *   (t) the same plus the trajectories observer's hook with N particles of one kind (bohm,
 *       nelson, langevin: grad V the preset's, a moving dip's compiled derivative, or V's
 *       interpolant), sampled from p at t = 0;
 * and the cost of the particles in Schrodinger steps, (t - b) / b per step, the target being
 * 10^5 particles at most 0.5. Each figure is the median of REPS repetitions.
 * Usage: bench_trajectories [--threads LIST] [--count N] [--steps S]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nnq/config.h"
#include "nnq/grid.h"
#include "nnq/observer.h"
#include "nnq/potential.h"
#include "nnq/progress.h"
#include "nnq/stepper.h"

#define REPS 5

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void die(const struct nnq_err *err) {
    fprintf(stderr, "bench_trajectories: %s\n", err->msg);
    exit(1);
}

/* Seconds per step of the stepper s, followed by the observer o's hook unless o is NULL. */
static double per_step(void *s, void *o, long steps) {
    struct nnq_err err = {0};
    double t[REPS];
    for (int k = 0; k < REPS; k++) {
        const double t0 = nnq_progress_clock();
        for (long i = 0; i < steps; i++)
            if (nnq_stepper_schrodinger.advance(s, 1, 0.0, &err) ||
                (o && nnq_observer_trajectories.step(o, 0.0, &err)))
                die(&err);
        t[k] = (nnq_progress_clock() - t0) / (double)steps;
    }
    qsort(t, REPS, sizeof *t, cmp);
    return t[REPS / 2];
}

int main(int argc, char **argv) {
    int threads[8] = {1, 2}, nthreads = 2;
    long count = 100000, steps = 20;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc) {
            nthreads = 0;
            for (char *tok = strtok(argv[++i], ","); tok && nthreads < 8; tok = strtok(NULL, ","))
                threads[nthreads++] = atoi(tok);
        } else if (strcmp(argv[i], "--count") == 0 && i + 1 < argc)
            count = atol(argv[++i]);
        else if (strcmp(argv[i], "--steps") == 0 && i + 1 < argc)
            steps = atol(argv[++i]);
        else {
            fprintf(stderr, "usage: bench_trajectories [--threads LIST] [--count N] [--steps S]\n");
            return 2;
        }
    }
    printf("%-8s %-9s %-6s %7s %9s %12s %12s %10s\n", "kind", "state", "V", "threads", "particles",
           "(b) schr/s", "(t) +traj/s", "(t-b)/b");
    /* langevin walkers take grad V from the preset's formula, from the expression's compiled
     * derivative (dip: a moving Gaussian dip) or, where V has none (interp: the same trap with
     * a step outside the box), from V's interpolant */
    enum { CASES = 6 };
    static const char *const kinds[CASES] = {"bohm",     "bohm",     "nelson",
                                             "langevin", "langevin", "langevin"},
                             *const states[CASES] = {"gaussian", "vortex",   "gaussian",
                                                     "gaussian", "gaussian", "gaussian"},
                             *const vname[CASES] = {"preset", "preset", "preset",
                                                    "preset", "dip",    "interp"},
                             *const V[CASES] = {"preset = harmonic",
                                                "preset = harmonic",
                                                "preset = harmonic",
                                                "preset = harmonic",
                                                "V = 0.5*(x^2+y^2)-exp(-(x-sin(t))^2-y^2)",
                                                "V = 0.5*(x^2+y^2)+step(x-100)"};
    for (int th = 0; th < nthreads; th++)
        for (int k = 0; k < CASES; k++) {
            char ini[1024];
            snprintf(ini, sizeof ini,
                     "[run]\nsteps = 1\ndt = 1e-3\nthreads = %d\n"
                     "[grid]\nn = 512, 512\nqmin = -12\nqmax = 12\n"
                     "[potential]\n%s\n"
                     "[initial]\npreset = %s\nwidth = 2\nmomentum = 0.5, 0\n%s"
                     "[madelung]\nenabled = false\n"
                     "[trajectories]\ncount = %ld\nkinds = %s\n",
                     threads[th], V[k], states[k], k == 1 ? "core = 0.5\n" : "", count, kinds[k]);
            static struct nnq_config cfg;
            struct nnq_err err = {0};
            struct nnq_grid *g = NULL;
            struct nnq_potential *pot = NULL;
            if (nnq_config_load_string(ini, "bench", NULL, 0, &cfg, &err) ||
                nnq_grid_create(cfg.dims, cfg.n, cfg.qmin, cfg.qmax, &g, &err) ||
                nnq_potential_create(&cfg, g, &pot, &err))
                die(&err);
            const struct nnq_stepper_ops *ops[1] = {&nnq_stepper_schrodinger};
            const struct nnq_observer_ops *traj = &nnq_observer_trajectories;
            void *self[1] = {NULL}, *obs = NULL;
            const struct nnq_stepper_env env = {&cfg, g,    pot, threads[th], 1,   ops,
                                                self, NULL, 0,   NULL,        NULL};
            struct nnq_view ref;
            if (ops[0]->create(&env, &self[0], &err) || ops[0]->start(self[0], NULL, &err) ||
                traj->create(&env, &obs, &err))
                die(&err);
            ops[0]->view(self[0], &ref);
            if (traj->start(obs, &ref, &err))
                die(&err);
            const double b = per_step(self[0], NULL, steps), t = per_step(self[0], obs, steps);
            printf("%-8s %-9s %-6s %7d %9ld %12.1f %12.1f %10.3f\n", kinds[k], states[k], vname[k],
                   threads[th], count, 1.0 / b, 1.0 / t, (t - b) / b);
            traj->destroy(obs);
            ops[0]->destroy(self[0]);
            nnq_potential_destroy(pot);
            nnq_grid_destroy(g);
        }
    return 0;
}
