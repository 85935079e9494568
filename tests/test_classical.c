/*
 * test_classical.c - the classical description (src/stepper_classical.c: the Fokker-Planck
 * equation dp/dt = sum_a d_a(mobility_a p d_a V + D_a d_a p) by Scharfetter-Gummel finite
 * volumes), through nnq_run, against exact results:
 *  - free diffusion: the mean and the variance sigma0^2 + 2 D t exact to 1e-10 (the scheme's
 *    discrete moments obey the exact moment equations), the density against the exact Gaussian
 *    at order 2 in dq;
 *  - Ornstein-Uhlenbeck (harmonic V, 1D): mean and variance against the exact ones at every
 *    row, the error falling at order 2 in dq; in 2D with per-axis mobility and diffusion;
 *    mass conserved to 1e-12 and p >= 0 throughout;
 *  - a moving trap V = (x - sin t)^2 / 2 (a V(t)): the exact mean;
 *  - the discrete Gibbs state exp(-V / T) / Z stays put to round-off (double well), and an
 *    anharmonic well relaxes to it to 1e-9 in L1;
 *  - Kramers: in the double well V = (x^2 - 1)^2 at T = 0.1 (barrier 10 T) the rate at which
 *    the right well fills within 5 % of Kramers' sqrt(V''(min) |V''(max)|) / (2 pi)
 *    exp(-barrier / T), mobility 1;
 *  - 10^5 langevin walkers against the Fokker-Planck density (chi-square), harmonic and double
 *    well, away from equilibrium;
 *  - the distances between p_S and p_C for the free Gaussian, both spreading (Hellinger and
 *    relative entropy of two Gaussians), and zero at t = 0;
 *  - a run stopped and resumed ends with the unstopped run's density and rows, bit for bit;
 *  - [classical] enabled with imaginary_time is refused naming file, line and key.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "helpers.h"
#include "nnq/config.h"
#include "nnq/run.h"

static char dir[256];

/* A 1D run's column into v (at most 4096 rows); its rows. */
static int column(const char *name, const char *col, double *v) {
    return test_column(dir, name, col, v, 4096);
}

/* ---- free diffusion -------------------------------------------------------------------------- */

static const char free_ini[] =
    "[run]\ndt = 1e-3\nt_end = 1\ndiag_every = 100\nsnapshot_every = 1000\nplanner = estimate\n"
    "[grid]\nn = 256\nqmin = -10\nqmax = 10\n"
    "[potential]\nV = 0\n"
    "[initial]\npreset = gaussian\ncenter = 0.3\nwidth = 0.5\n"
    "[madelung]\nenabled = false\n"
    "[classical]\nenabled = true\ndiffusion = 0.25\n"
    "[output]\nfields = p\n";

static void test_free(void) {
    static const char *const n[3] = {"grid.n=256", "grid.n=512", "grid.n=1024"};
    double err[3];
    for (int k = 0; k < 3; k++) {
        struct nnq_summary sum;
        char name[32];
        snprintf(name, sizeof name, "free%d", k);
        CHECK(test_run(dir, name, free_ini, &n[k], 1, NULL, &sum) == NNQ_OK);
        static double t[4096], m[4096], s[4096], mass[4096];
        const int rows = column(name, "t", t);
        CHECK(rows == 11 && column(name, "classical_q0_mean", m) == rows &&
              column(name, "classical_q0_sq_mean", s) == rows &&
              column(name, "classical_mass", mass) == rows);
        double worst = 0, drift = 0;
        for (int r = 0; r < rows; r++) {
            worst = fmax(worst, fabs(m[r] - 0.3));
            worst = fmax(worst, fabs(s[r] - m[r] * m[r] - (0.25 + 0.5 * t[r])));
            drift = fmax(drift, fabs(mass[r] - mass[0]));
        }
        fprintf(stdout, "free diffusion, n = %d: moments off by %.2e, mass by %.2e\n", 256 << k,
                worst, drift);
        CHECK(worst < 1e-10 && drift < 1e-12);
        /* the density at t = 1 against the Gaussian of variance 0.75 */
        size_t np, snaps, nq, rq;
        double *p = test_read(dir, name, "/classical/p", &np, &snaps);
        double *q = test_read(dir, name, "/grid/q0", &nq, &rq);
        CHECK(p && q && snaps == 2 && np == 2 * nq);
        err[k] = 0;
        for (size_t i = 0; p && q && snaps == 2 && i < nq; i++) {
            const double x = q[i] - 0.3;
            err[k] += fabs(p[nq + i] - exp(-x * x / 1.5) / sqrt(1.5 * M_PI)) * 20.0 / (double)nq;
        }
        free(p);
        free(q);
    }
    CHECK_ORDER(err[0], err[1], 1.9, 2.1);
    CHECK_ORDER(err[1], err[2], 1.9, 2.1);
}

/* ---- Ornstein-Uhlenbeck ---------------------------------------------------------------------- */

static const char ou_ini[] =
    "[run]\ndt = 1e-3\nt_end = 2\ndiag_every = 100\nsnapshot_every = 0\nplanner = estimate\n"
    "[grid]\nn = 256\nqmin = -10\nqmax = 10\n"
    "[potential]\npreset = harmonic\n"
    "[initial]\npreset = gaussian\ncenter = 1.5\nwidth = 0.5\n"
    "[madelung]\nenabled = false\n"
    "[classical]\nenabled = true\nmobility = 1\ndiffusion = 0.5\n"
    "[output]\nfields = p\n";

static void test_ou(void) {
    static const char *const n[3] = {"grid.n=256", "grid.n=512", "grid.n=1024"};
    double err[3];
    for (int k = 0; k < 3; k++) {
        struct nnq_summary sum;
        char name[32];
        snprintf(name, sizeof name, "ou%d", k);
        CHECK(test_run(dir, name, ou_ini, &n[k], 1, NULL, &sum) == NNQ_OK);
        static double t[4096], m[4096], s[4096], mass[4096], low[4096];
        const int rows = column(name, "t", t);
        CHECK(rows == 21 && column(name, "classical_q0_mean", m) == rows &&
              column(name, "classical_q0_sq_mean", s) == rows &&
              column(name, "classical_mass", mass) == rows &&
              column(name, "classical_min", low) == rows);
        double drift = 0, lowest = 1;
        err[k] = 0;
        for (int r = 0; r < rows; r++) {
            const double e = exp(-t[r]);
            err[k] = fmax(err[k], fabs(m[r] - 1.5 * e));
            err[k] = fmax(err[k], fabs(s[r] - m[r] * m[r] - (0.5 - 0.25 * e * e)));
            drift = fmax(drift, fabs(mass[r] - mass[0]));
            lowest = fmin(lowest, low[r]);
        }
        fprintf(stdout, "OU, n = %d: moments off by %.2e, mass by %.2e, min p / max p %.2e\n",
                256 << k, err[k], drift, lowest);
        CHECK(drift < 1e-12 && lowest >= 0);
    }
    CHECK_ORDER(err[0], err[1], 1.9, 2.1);
    CHECK_ORDER(err[1], err[2], 1.9, 2.1);
    CHECK(err[2] < 1e-4);

    /* 2D, per-axis mobility (1, 0.5) and D (0.3, 0.1), omega (1, 1.5): k_a = mobility_a omega_a^2
     */
    static const char ou2[] =
        "[run]\ndt = 1e-3\nt_end = 1\ndiag_every = 250\nsnapshot_every = 0\nplanner = estimate\n"
        "threads = 2\n"
        "[grid]\nn = 256, 256\nqmin = -8\nqmax = 8\n"
        "[potential]\npreset = harmonic\nomega = 1, 1.5\n"
        "[initial]\npreset = gaussian\ncenter = 1, -0.5\nwidth = 0.5\n"
        "[madelung]\nenabled = false\n"
        "[classical]\nenabled = true\nmobility = 1, 0.5\ndiffusion = 0.3, 0.1\n"
        "[output]\nfields = p\n";
    struct nnq_summary sum;
    CHECK(test_run(dir, "ou2", ou2, NULL, 0, NULL, &sum) == NNQ_OK);
    const double kk[2] = {1.0, 1.125}, D[2] = {0.3, 0.1}, c[2] = {1.0, -0.5};
    static const char *const mean[2] = {"classical_q0_mean", "classical_q1_mean"},
                             *sq[2] = {"classical_q0_sq_mean", "classical_q1_sq_mean"};
    double worst = 0;
    for (int a = 0; a < 2; a++) {
        static double t[64], m[64], s[64];
        const int rows = test_column(dir, "ou2", "t", t, 64);
        CHECK(rows == 5 && test_column(dir, "ou2", mean[a], m, 64) == rows &&
              test_column(dir, "ou2", sq[a], s, 64) == rows);
        for (int r = 0; r < rows; r++) {
            const double e = exp(-kk[a] * t[r]);
            worst = fmax(worst, fabs(m[r] - c[a] * e));
            worst =
                fmax(worst, fabs(s[r] - m[r] * m[r] - (0.25 * e * e + D[a] / kk[a] * (1 - e * e))));
        }
    }
    fprintf(stdout, "OU 2D (256^2): moments off by %.2e\n", worst);
    CHECK(worst < 2e-3);
}

/* ---- a V(t) ---------------------------------------------------------------------------------- */

/* V = (x - sin t)^2 / 2, mobility 1: dm/dt = -(m - sin t), m = m0 e^-t + (sin t - cos t + e^-t)/2
 */
static void test_moving(void) {
    static const char ini[] =
        "[run]\ndt = 1e-3\nt_end = 3\ndiag_every = 250\nsnapshot_every = 0\nplanner = estimate\n"
        "[grid]\nn = 1024\nqmin = -8\nqmax = 8\n"
        "[potential]\nV = 0.5*(x - sin(t))^2\n"
        "[initial]\npreset = gaussian\ncenter = 1\nwidth = 0.5\n"
        "[madelung]\nenabled = false\n"
        "[classical]\nenabled = true\ndiffusion = 0.5\n"
        "[output]\nfields = p\n";
    struct nnq_summary sum;
    CHECK(test_run(dir, "moving", ini, NULL, 0, NULL, &sum) == NNQ_OK);
    static double t[4096], m[4096];
    const int rows = column("moving", "t", t);
    CHECK(rows == 13 && column("moving", "classical_q0_mean", m) == rows);
    double worst = 0;
    for (int r = 0; r < rows; r++) {
        const double e = exp(-t[r]);
        worst = fmax(worst, fabs(m[r] - (e + 0.5 * (sin(t[r]) - cos(t[r]) + e))));
    }
    fprintf(stdout, "moving trap (n = 1024): mean off by %.2e\n", worst);
    CHECK(worst < 1e-4);
}

/* ---- the Gibbs state ------------------------------------------------------------------------- */

static void test_gibbs(void) {
    /* started in the discrete Gibbs state of a double well (T = 0.25): it stays */
    static const char still[] =
        "[run]\ndt = 1e-3\nsteps = 3000\ndiag_every = 1000\nsnapshot_every = 3000\n"
        "planner = estimate\n"
        "[grid]\nn = 256\nqmin = -3\nqmax = 3\n"
        "[potential]\nV = (x^2 - 1)^2\n"
        "[initial]\np = exp(-4*(x^2 - 1)^2)\n"
        "[madelung]\nenabled = false\n"
        "[classical]\nenabled = true\nmobility = 2\ndiffusion = 0.5\n"
        "[output]\nfields = p\n";
    struct nnq_summary sum;
    CHECK(test_run(dir, "still", still, NULL, 0, NULL, &sum) == NNQ_OK);
    size_t n, snaps;
    double *p = test_read(dir, "still", "/classical/p", &n, &snaps);
    CHECK(p && snaps == 2);
    double moved = 0, peak = 0;
    for (size_t i = 0; p && snaps == 2 && i < n / 2; i++) {
        moved = fmax(moved, fabs(p[n / 2 + i] - p[i]));
        peak = fmax(peak, p[i]);
    }
    fprintf(stdout, "Gibbs state after 3000 steps: moved by %.2e of its peak\n", moved / peak);
    CHECK(moved < 1e-13 * peak);
    free(p);

    /* an anharmonic well V = x^4/4 + x^2/2 (relaxation rate >= mobility = 1): from a displaced
     * Gaussian to exp(-V_i / T) / Z on the grid */
    static const char relax[] =
        "[run]\ndt = 2e-3\nt_end = 30\ndiag_every = 5000\nsnapshot_every = 15000\n"
        "planner = estimate\n"
        "[grid]\nn = 256\nqmin = -4\nqmax = 4\n"
        "[potential]\nV = x^4/4 + x^2/2\n"
        "[initial]\npreset = gaussian\ncenter = 1\nwidth = 0.3\n"
        "[madelung]\nenabled = false\n"
        "[classical]\nenabled = true\ndiffusion = 0.4\n"
        "[output]\nfields = p\n";
    CHECK(test_run(dir, "relax", relax, NULL, 0, NULL, &sum) == NNQ_OK);
    size_t nv, rv;
    p = test_read(dir, "relax", "/classical/p", &n, &snaps);
    double *V = test_read(dir, "relax", "/potential/V", &nv, &rv);
    CHECK(p && V && snaps == 2 && n == 2 * nv);
    if (p && V && snaps == 2 && n == 2 * nv) {
        double z = 0, l1 = 0;
        for (size_t i = 0; i < nv; i++)
            z += exp(-V[i] / 0.4) * 8.0 / (double)nv;
        for (size_t i = 0; i < nv; i++)
            l1 += fabs(p[nv + i] - exp(-V[i] / 0.4) / z) * 8.0 / (double)nv;
        fprintf(stdout, "anharmonic well at t = 30: L1 from the Gibbs state %.2e\n", l1);
        CHECK(l1 < 1e-9);
    }
    free(p);
    free(V);
}

/* ---- Kramers --------------------------------------------------------------------------------- */

static void test_kramers(void) {
    static const char ini[] =
        "[run]\ndt = 2e-3\nt_end = 40\ndiag_every = 2500\nsnapshot_every = 0\n"
        "planner = estimate\n"
        "[grid]\nn = 256\nqmin = -2.5\nqmax = 2.5\n"
        "[potential]\npreset = double_well\nbarrier = 1\nwells = 1\n"
        "[initial]\npreset = gaussian\ncenter = -1\nwidth = 0.11\n"
        "[madelung]\nenabled = false\n"
        "[classical]\nenabled = true\nmobility = 1\ndiffusion = 0.1\n"
        "[basins]\nenabled = true\n"
        "[output]\nfields = p\n";
    struct nnq_summary sum;
    CHECK(test_run(dir, "kramers", ini, NULL, 0, NULL, &sum) == NNQ_OK);
    /* the right well's mass at each row: the basins' table (src/observer_basins.c) */
    size_t n, rows;
    double *m = test_read(dir, "kramers", "/basins/classical", &n, &rows);
    static double t[64];
    CHECK(m && rows == 9 && n == 18 && test_column(dir, "kramers", "t", t, 64) == 9);
    if (m && rows == 9 && n == 18) {
        /* the filling rate between t = 10 and t = 40 (quasi-stationary, back-flow < 1e-3) */
        const double rate = (m[2 * 8 + 1] - m[2 * 2 + 1]) / (t[8] - t[2]);
        const double kramers = sqrt(8.0 * 4.0) / (2.0 * M_PI) * exp(-10.0);
        fprintf(stdout,
                "Kramers, barrier 10 T: right well fills at %.4e, Kramers' rate %.4e (ratio "
                "%.4f); mass there at t = 40: %.2e\n",
                rate, kramers, rate / kramers, m[2 * 8 + 1]);
        CHECK(fabs(rate / kramers - 1.0) < 0.05);
    }
    free(m);
}

/* ---- walkers against the density ------------------------------------------------------------- */

/* 10^5 langevin walkers at the last stored row against p_C there, binned 4 cells a bin. */
static void walkers(const char *name, const char *ini) {
    struct nnq_summary sum;
    CHECK(test_run(dir, name, ini, NULL, 0, NULL, &sum) == NNQ_OK);
    size_t n, rows, np, snaps, nq, rq;
    double *w = test_read(dir, name, "/trajectories/langevin/q", &n, &rows);
    double *p = test_read(dir, name, "/classical/p", &np, &snaps);
    double *q = test_read(dir, name, "/grid/q0", &nq, &rq);
    enum { N = 100000, BINS = 64 };
    CHECK(w && p && q && rows >= 2 && n == rows * N && snaps == 2 && nq == 4 * BINS);
    if (w && p && q && rows >= 2 && n == rows * N && snaps == 2 && nq == 4 * BINS) {
        const double h = q[1] - q[0];
        double prob[BINS];
        for (int b = 0; b < BINS; b++) {
            prob[b] = 0;
            for (int i = 0; i < 4; i++)
                prob[b] += p[nq + 4 * (size_t)b + (size_t)i] * h;
        }
        double z;
        const int used =
            test_chi_square(w + (rows - 1) * N, N, 1, q[0] - 0.5 * h, 4 * h, prob, BINS, &z);
        fprintf(stdout, "%s: 10^5 langevin walkers against p_C: %d bins, chi-square z = %.2f\n",
                name, used, z);
        CHECK(used >= 15 && fabs(z) < 5);
    }
    free(w);
    free(p);
    free(q);
}

static void test_walkers(void) {
    static const char harmonic[] =
        "[run]\ndt = 1e-2\nt_end = 1\ndiag_every = 100\nsnapshot_every = 100\nthreads = 2\n"
        "planner = estimate\n"
        "[grid]\nn = 256\nqmin = -6\nqmax = 6\n"
        "[potential]\npreset = harmonic\n"
        "[initial]\npreset = gaussian\ncenter = 1.5\nwidth = 0.4\n"
        "[madelung]\nenabled = false\n"
        "[trajectories]\ncount = 100000\nkinds = langevin\nseed = 3\n"
        "[classical]\nenabled = true\nmobility = 1\ndiffusion = 0.3\n"
        "[output]\nfields = p\n";
    walkers("walk_harmonic", harmonic);
    static const char well[] =
        "[run]\ndt = 1e-2\nt_end = 3\ndiag_every = 300\nsnapshot_every = 300\nthreads = 2\n"
        "planner = estimate\n"
        "[grid]\nn = 256\nqmin = -4\nqmax = 4\n"
        "[potential]\npreset = double_well\nbarrier = 1\nwells = 1.5\n"
        "[initial]\npreset = gaussian\ncenter = -1.5\nwidth = 0.4\n"
        "[madelung]\nenabled = false\n"
        "[trajectories]\ncount = 100000\nkinds = langevin\nseed = 4\n"
        "[classical]\nenabled = true\nmobility = 1\ndiffusion = 0.5\n"
        "[output]\nfields = p\n";
    walkers("walk_well", well);
}

/* ---- quantum against classical --------------------------------------------------------------- */

/* The free Gaussian of variance s0 = 0.25 (hbar = m = 1): |psi|^2 spreads to s0 + t^2 / (4 s0),
 * p_C to s0 + 2 D t; two centred Gaussians of variances a, b have Hellinger distance
 * sqrt(1 - sqrt(2 sqrt(a b) / (a + b))) and relative entropy ln sqrt(b / a) + a / (2 b) - 1/2. */
static void test_distance(void) {
    static const char *const sets[] = {"classical.diffusion=0.125", "initial.center=0",
                                       "grid.n=1024", "run.snapshot_every=0"};
    struct nnq_summary sum;
    CHECK(test_run(dir, "apart", free_ini, sets, 4, NULL, &sum) == NNQ_OK);
    static double t[64], h[64], kl[64], l1[64];
    const int rows = test_column(dir, "apart", "t", t, 64);
    CHECK(rows == 11 && test_column(dir, "apart", "dist_hellinger", h, 64) == rows &&
          test_column(dir, "apart", "dist_kl", kl, 64) == rows &&
          test_column(dir, "apart", "dist_l1", l1, 64) == rows);
    double worst = 0;
    for (int r = 1; r < rows; r++) {
        const double a = 0.25 + t[r] * t[r], b = 0.25 + 0.25 * t[r];
        worst = fmax(worst, fabs(h[r] - sqrt(1 - sqrt(2 * sqrt(a * b) / (a + b)))));
        worst = fmax(worst, fabs(kl[r] - (0.5 * log(b / a) + a / (2 * b) - 0.5)));
        CHECK(l1[r] > 0 && l1[r] <= 2);
    }
    fprintf(stdout,
            "free Gaussian: Hellinger and relative entropy off by %.2e; at t = 1 "
            "Hellinger %.4f, KL %.4f, L1 %.4f\n",
            worst, h[rows - 1], kl[rows - 1], l1[rows - 1]);
    CHECK(worst < 3e-4);
    CHECK(fabs(h[0]) < 1e-12 && fabs(kl[0]) < 1e-12 && fabs(l1[0]) < 1e-12);
}

/* ---- resume ---------------------------------------------------------------------------------- */

static void test_resume(void) {
    static const char ini[] =
        "[run]\ndt = 5e-3\nsteps = 400\ndiag_every = 100\nsnapshot_every = 200\nplanner = "
        "estimate\n"
        "[grid]\nn = 64, 48\nqmin = -6\nqmax = 6\n"
        "[potential]\nV = 0.5*(x - sin(t))^2 + 0.3*y^2\n"
        "[initial]\npreset = vortex\nwidth = 1\ncore = 0.5\nmomentum = 0.3, 0\n"
        "[madelung]\nenabled = false\n"
        "[classical]\nenabled = true\nmobility = 1, 2\ndiffusion = 0.2\n"
        "[output]\nfields = p\n";
    static const char *const compared[] = {"/classical/p", "/diagnostics/classical_q0_mean",
                                           "/diagnostics/dist_kl",
                                           "/diagnostics/classical_substeps"};
    CHECK(test_stop_resume(dir, "resume", ini, NULL, 0, compared, 4, NULL, NULL) == 0);
}

/* ---- errors ---------------------------------------------------------------------------------- */

static void test_errors(void) {
    static const char ini[] = "[run]\ndt = 1e-3\nsteps = 10\nimaginary_time = true\n"
                              "[grid]\nn = 64\nqmin = -5\nqmax = 5\n"
                              "[potential]\npreset = harmonic\n"
                              "[initial]\npreset = gaussian\n"
                              "[classical]\nenabled = true\n";
    struct nnq_config cfg;
    struct nnq_err err = {0};
    CHECK(nnq_config_load_string(ini, "t.ini", NULL, 0, &cfg, &err) == NNQ_ERR_CONFIG);
    CHECK_MSG(strstr(err.msg, "t.ini:14: [classical] enabled") != NULL, "got: %s", err.msg);
}

int main(void) {
    check_tmpdir("nnq_test_classical", dir, sizeof dir);
    test_errors();
    test_free();
    test_ou();
    test_moving();
    test_gibbs();
    test_kramers();
    test_distance();
    test_resume();
    test_walkers();
    return check_finish(dir);
}
