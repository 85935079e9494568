/*
 * test_trajectories.c - single networks followed in both descriptions (the trajectories
 * observer, src/observer_trajectories.c), through nnq_run, against exact results:
 *  - a coherent state in a harmonic trap: every Bohm particle moves rigidly with the packet,
 *    q(t) - q(0) = x0 (cos t - 1), within 1e-6 over one period; the Madelung particles follow
 *    them to the Madelung solver's accuracy, which improves with the grid (order >= 1);
 *  - free spreading of a Gaussian (2D): q(t) = q(0) s(t) / s(0) per axis within 1e-6; in 1D
 *    (width 0.5) under bm4 within 1e-7 at dt = 1e-3, at order 4 in dt (strang: order 2);
 *  - colliding packets (1D): Madelung and Bohm particles agree while F is single-valued and
 *    part after the nodes appear (the gap grows tenfold);
 *  - Nelson walkers in the harmonic ground state: mean 0 and variance hbar / (2 m omega)
 *    within 4 standard errors at every stored row over 5 periods;
 *  - Nelson walkers sampled from |psi(0)|^2 in the double well: the histogram of 10^5
 *    walkers at t = T against p_S(T): chi-square within 5 standard deviations of its mean;
 *  - Langevin walkers: in a 2D harmonic V with per-axis mobility and diffusion (the
 *    Ornstein-Uhlenbeck process) mean and variance per axis within 4 standard errors of the
 *    exact ones at every stored row, and the histogram of axis 0 at t = 1 against the exact
 *    Gaussian (chi-square); in a moving trap V = (x - sin t)^2 / 2 the exact mean and variance;
 *    without noise q(t) = q(0) exp(-mobility omega^2 t), the error
 *    falling at order 2 in dt; in the double well the histogram at t = 10 against the Gibbs
 *    density exp(-mobility V / D) / Z (chi-square);
 *  - a run stopped at a checkpoint and resumed ends with the positions of the unstopped run,
 *    bit for bit, and the same number of stored rows (every kind);
 *  - bad [trajectories] keys are refused naming file, line and key.
 */
#include <hdf5.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "helpers.h"
#include "nnq/config.h"
#include "nnq/run.h"

static char dir[256];

/* ---- Bohm and Madelung particles in a coherent state --------------------------------------- */

static const char coherent_ini[] =
    "[run]\ndt = 1e-3\nt_end = 6.283185307179586\ndiag_every = 100\nsnapshot_every = 0\n"
    "integrator = order4\nplanner = estimate\n"
    "[grid]\nn = 256\nqmin = -10\nqmax = 10\n"
    "[potential]\npreset = harmonic\n"
    "[initial]\npreset = gaussian\ncenter = 1\nwidth = 0.7071067811865476\n"
    "[trajectories]\nat = -0.5, 0, 0.5, 1, 1.5, 2, 2.5\nkinds = bohm, madelung\n"
    "[output]\nfields = p\n";

/* Largest |q_B - exact| and |q_M - q_B| over the rows of a coherent run. */
static void coherent(const char *name, const char *const *sets, int nsets, double *bohm,
                     double *fluid) {
    struct nnq_summary sum;
    CHECK(test_run(dir, name, coherent_ini, sets, nsets, NULL, &sum) == NNQ_OK);
    size_t n, rows, nt, rt, nm, rm;
    double *qb = test_read(dir, name, "/trajectories/bohm/q", &n, &rows);
    double *qm = test_read(dir, name, "/trajectories/madelung/q", &nm, &rm);
    double *t = test_read(dir, name, "/trajectories/t", &nt, &rt);
    CHECK(qb && qm && t && rows == 64 && rt == rows && n == 7 * rows && nm == n);
    *bohm = *fluid = 0;
    for (size_t r = 0; qb && qm && t && r < rows; r++)
        for (size_t p = 0; p < 7; p++) {
            const double q0 = qb[p], exact = q0 + cos(t[r]) - 1.0;
            *bohm = fmax(*bohm, fabs(qb[r * 7 + p] - exact));
            *fluid = fmax(*fluid, fabs(qm[r * 7 + p] - qb[r * 7 + p]));
        }
    free(qb);
    free(qm);
    free(t);
}

static void test_coherent(void) {
    double bohm, fluid, bohm2, fluid2;
    coherent("coherent", NULL, 0, &bohm, &fluid);
    CHECK_NEAR(bohm, 0, 1e-6);
    CHECK_NEAR(fluid, 0, 0.05);
    const char *fine[] = {"grid.n=512"};
    coherent("coherent_fine", fine, 1, &bohm2, &fluid2);
    CHECK_NEAR(bohm2, 0, 1e-6);
    CHECK_ORDER(fluid, fluid2, 1.0, 4.0);
}

/* ---- Bohm at order 4 (1D) ------------------------------------------------------------------ */

/* The largest error of five Bohm particles in a freely spreading Gaussian (hbar = m = 1, width
 * 0.5) to t = 1.5 against q(0) s(t) / s(0), with `sets` (the integrator and dt). */
static double spreading_1d(const char *const *sets, int nsets) {
    static const char ini[] =
        "[run]\nt_end = 1.5\ndiag_every = 50\nsnapshot_every = 0\nplanner = estimate\n"
        "[grid]\nn = 4096\nqmin = -20\nqmax = 20\n"
        "[initial]\npreset = gaussian\nwidth = 0.5\n"
        "[madelung]\nenabled = false\n"
        "[trajectories]\nat = 0.5, -1, 1.5, -0.2, 0.8\nkinds = bohm\n"
        "[output]\nfields = p\n";
    struct nnq_summary sum;
    if (test_run(dir, "spreading_1d", ini, sets, nsets, NULL, &sum) != NNQ_OK)
        return INFINITY;
    size_t n, rows, nt, rt;
    double *q = test_read(dir, "spreading_1d", "/trajectories/bohm/q", &n, &rows);
    double *t = test_read(dir, "spreading_1d", "/trajectories/t", &nt, &rt);
    double worst = q && t && n == rows * 5 ? 0.0 : INFINITY;
    for (size_t r = 0; worst < INFINITY && r < rows; r++)
        for (int p = 0; p < 5; p++) {
            const double tau = t[r] / (2.0 * 0.25);
            worst = fmax(worst, fabs(q[r * 5 + p] - q[p] * sqrt(1.0 + tau * tau)));
        }
    free(q);
    free(t);
    return worst;
}

/* Under bm4 the particles take the classical Runge-Kutta method with psi cubic in time (from
 * its time derivative at the step's ends): order 4 in dt, far below strang's order 2 at dt =
 * 1e-3 (width 0.5). */
static void test_bohm_order4(void) {
    const char *strang[] = {"run.integrator=strang", "run.dt=1e-3"};
    const char *fine[] = {"run.integrator=bm4", "run.dt=1e-3"};
    const char *a[] = {"run.integrator=bm4", "run.dt=8e-3"};
    const char *b[] = {"run.integrator=bm4", "run.dt=4e-3"};
    const double es = spreading_1d(strang, 2), ef = spreading_1d(fine, 2);
    const double ea = spreading_1d(a, 2), eb = spreading_1d(b, 2);
    printf("bohm, free Gaussian of width 0.5: strang at dt 1e-3 %.3e; bm4 at 1e-3 %.3e\n", es, ef);
    CHECK_NEAR(ef, 0.0, 1e-7);
    CHECK(es > 100 * ef);
    CHECK_ORDER(ea, eb, 3.3, 4.7);
}

/* ---- free spreading (2D) ------------------------------------------------------------------- */

static void test_spreading(void) {
    static const char ini[] =
        "[run]\ndt = 1e-3\nt_end = 1.5\ndiag_every = 100\nsnapshot_every = 0\nplanner = estimate\n"
        "[grid]\nn = 256, 192\nqmin = -16, -12\nqmax = 16, 12\n"
        "[initial]\npreset = gaussian\nwidth = 1, 0.8\n"
        "[madelung]\nenabled = false\n"
        "[trajectories]\nat = 0.5 0.3, -1 0.7, 1.5 -1, -0.2 -0.4, 2 1.5\n"
        "[output]\nfields = p\n";
    struct nnq_summary sum;
    CHECK(test_run(dir, "spreading", ini, NULL, 0, NULL, &sum) == NNQ_OK);
    size_t n, rows, nt, rt;
    double *q = test_read(dir, "spreading", "/trajectories/bohm/q", &n, &rows);
    double *t = test_read(dir, "spreading", "/trajectories/t", &nt, &rt);
    CHECK(q && t && rows == 16 && n == rows * 10);
    double worst = 0;
    const double s0[2] = {1.0, 0.8};
    for (size_t r = 0; q && t && r < rows; r++)
        for (int p = 0; p < 5; p++)
            for (int a = 0; a < 2; a++) {
                /* hbar = m = 1: s(t) = s0 sqrt(1 + (t / (2 s0^2))^2) */
                const double tau = t[r] / (2.0 * s0[a] * s0[a]);
                const double exact = q[p * 2 + a] * sqrt(1.0 + tau * tau);
                worst = fmax(worst, fabs(q[r * 10 + p * 2 + a] - exact));
            }
    CHECK_NEAR(worst, 0, 1e-6);
    free(q);
    free(t);
}

/* ---- Madelung and Bohm particles part after nodes ---------------------------------------------
 */

static void test_nodes(void) {
    static const char ini[] =
        "[run]\ndt = 1e-3\nt_end = 4\ndiag_every = 100\nsnapshot_every = 0\nplanner = estimate\n"
        "[grid]\nn = 1024\nqmin = -20\nqmax = 20\n"
        "[initial]\npreset = superposition\ncenter = -5, 5\nwidth = 0.7\nmomentum = 2.5, -2.5\n"
        "[trajectories]\nat = -6, -5.5, -5, -4.5, 4.5, 5, 5.5, 6\nkinds = bohm, madelung\n"
        "[output]\nfields = p\n";
    struct nnq_summary sum;
    CHECK(test_run(dir, "nodes", ini, NULL, 0, NULL, &sum) == NNQ_OK);
    CHECK(sum.t_multivalued > 0.5 && sum.t_multivalued < 3.5);
    size_t n, rows, nt, rt, nm, rm;
    double *qb = test_read(dir, "nodes", "/trajectories/bohm/q", &n, &rows);
    double *qm = test_read(dir, "nodes", "/trajectories/madelung/q", &nm, &rm);
    double *t = test_read(dir, "nodes", "/trajectories/t", &nt, &rt);
    CHECK(qb && qm && t && rows == 41 && nm == n);
    double before = 0, after = 0;
    for (size_t r = 0; qb && qm && t && r < rows; r++)
        for (int p = 0; p < 8; p++) {
            const double gap = fabs(qm[r * 8 + p] - qb[r * 8 + p]);
            if (t[r] < sum.t_multivalued)
                before = fmax(before, gap);
            else
                after = fmax(after, gap);
            CHECK(isfinite(qb[r * 8 + p]));
        }
    fprintf(stdout, "nodes: largest |q_M - q_B| before t_multivalued = %g: %g, after: %g\n",
            sum.t_multivalued, before, after);
    CHECK(before < 0.05);
    CHECK(after > 10 * before);
    free(qb);
    free(qm);
    free(t);
}

/* ---- Nelson's process -------------------------------------------------------------------------
 */

static void test_nelson_ground(void) {
    static const char ini[] =
        "[run]\ndt = 2e-2\nt_end = 31.41592653589793\ndiag_every = 50\nsnapshot_every = 0\n"
        "planner = estimate\nthreads = 2\n"
        "[grid]\nn = 128\nqmin = -8\nqmax = 8\n"
        "[potential]\npreset = harmonic\n"
        "[initial]\npreset = eigenstate\n"
        "[madelung]\nenabled = false\n"
        "[trajectories]\ncount = 20000\nkinds = nelson\nseed = 7\n"
        "[output]\nfields = p\n";
    struct nnq_summary sum;
    CHECK(test_run(dir, "ground", ini, NULL, 0, NULL, &sum) == NNQ_OK);
    size_t n, rows;
    double *q = test_read(dir, "ground", "/trajectories/nelson/q", &n, &rows);
    CHECK(q && rows >= 30 && n == rows * 20000);
    double worst_mean = 0, worst_var = 0;
    for (size_t r = 0; q && r < rows; r++) {
        double s = 0, s2 = 0;
        for (int p = 0; p < 20000; p++) {
            s += q[r * 20000 + p];
            s2 += q[r * 20000 + p] * q[r * 20000 + p];
        }
        const double mean = s / 20000, var = s2 / 20000 - mean * mean;
        /* hbar / (2 m omega) = 0.5; standard errors sqrt(var / N) and var sqrt(2 / N) */
        worst_mean = fmax(worst_mean, fabs(mean) / sqrt(0.5 / 20000));
        worst_var = fmax(worst_var, fabs(var - 0.5) / (0.5 * sqrt(2.0 / 20000)));
    }
    fprintf(stdout, "nelson ground state: largest |mean| %.2f SE, |var - 1/2| %.2f SE\n",
            worst_mean, worst_var);
    CHECK(worst_mean < 4 && worst_var < 4);
    free(q);
}

static void test_nelson_double_well(void) {
    static const char ini[] =
        "[run]\ndt = 1e-2\nt_end = 12\ndiag_every = 1200\nsnapshot_every = 0\nthreads = 2\n"
        "planner = estimate\n"
        "[grid]\nn = 256\nqmin = -5\nqmax = 5\n"
        "[network]\nmu = 0.5\n"
        "[potential]\npreset = double_well\nbarrier = 1\nwells = 1.5\n"
        "[initial]\npreset = gaussian\ncenter = -1.5\nwidth = 0.3\n"
        "[madelung]\nenabled = false\n"
        "[trajectories]\ncount = 100000\nkinds = nelson\nseed = 3\n"
        "[output]\nfields = p\n";
    struct nnq_summary sum;
    CHECK(test_run(dir, "double_well", ini, NULL, 0, NULL, &sum) == NNQ_OK);
    size_t n, rows, np, rp;
    double *q = test_read(dir, "double_well", "/trajectories/nelson/q", &n, &rows);
    double *p = test_read(dir, "double_well", "/schrodinger/p", &np, &rp);
    CHECK(q && p && rows == 2 && rp == 2 && np == 512);
    if (!q || !p || rows != 2 || np != 512)
        return;
    /* bins of 8 cells (0.3125) over the box; p at the final snapshot, integrated per bin */
    enum { BINS = 32, CELLS = 8 };
    const double dq = 10.0 / 256, N = 100000;
    double chi2 = 0;
    int used = 0;
    for (int b = 0; b < BINS; b++) {
        double mass = 0;
        for (int c = 0; c < CELLS; c++)
            mass += p[256 + b * CELLS + c] * dq;
        long hits = 0;
        for (int w = 0; w < 100000; w++) {
            /* cell i covers [q_i - dq/2, q_i + dq/2), q_i = -5 + i dq */
            const long i = lround((q[100000 + w] + 5.0) / dq) % 256;
            hits += i / CELLS == b;
        }
        const double expect = N * mass;
        if (expect < 20)
            continue;
        chi2 += (hits - expect) * (hits - expect) / expect;
        used++;
    }
    const double z = (chi2 - (used - 1)) / sqrt(2.0 * (used - 1));
    fprintf(stdout, "nelson double well at t = 12: chi2 = %.1f over %d bins (z = %.2f)\n", chi2,
            used, z);
    CHECK(used >= 8 && fabs(z) < 5);
    free(q);
    free(p);
}

/* ---- Langevin walkers: the classical description ----------------------------------------- */

/* How far the walkers q[p * d + a] (p < n) are from an exact mean and variance, in standard
 * errors (sqrt(var / n) and var sqrt(2 / n)); the larger of each into *mean_se, *var_se. */
static void walkers_against(const double *q, int n, int d, int a, double mean, double var,
                            double *mean_se, double *var_se) {
    double s = 0, s2 = 0;
    for (int p = 0; p < n; p++) {
        s += q[p * d + a];
        s2 += q[p * d + a] * q[p * d + a];
    }
    const double m = s / n, v = s2 / n - m * m;
    *mean_se = fmax(*mean_se, fabs(m - mean) / sqrt(var / n));
    *var_se = fmax(*var_se, fabs(v - var) / (var * sqrt(2.0 / n)));
}

static void test_langevin_ou(void) {
    static const char ini[] =
        "[run]\ndt = 1e-2\nt_end = 1\ndiag_every = 20\nsnapshot_every = 0\nplanner = estimate\n"
        "threads = 2\n"
        "[grid]\nn = 128, 128\nqmin = -8\nqmax = 8\n"
        "[potential]\npreset = harmonic\nomega = 1, 1.5\n"
        "[initial]\npreset = gaussian\ncenter = 1, -0.5\nwidth = 0.5\n"
        "[madelung]\nenabled = false\n"
        "[trajectories]\ncount = 20000\nkinds = langevin\nseed = 5\n"
        "[classical]\nmobility = 1, 0.5\ndiffusion = 0.3, 0.1\n"
        "[output]\nfields = p\n";
    struct nnq_summary sum;
    CHECK(test_run(dir, "ou", ini, NULL, 0, NULL, &sum) == NNQ_OK);
    size_t n, rows, nt, rt;
    double *q = test_read(dir, "ou", "/trajectories/langevin/q", &n, &rows);
    double *t = test_read(dir, "ou", "/trajectories/t", &nt, &rt);
    enum { N = 20000 };
    CHECK(q && t && rows == 6 && rt == rows && n == rows * N * 2);
    if (!q || !t || rows != 6 || n != rows * N * 2)
        return;
    /* k = mobility omega^2; the sampled start: the Gaussian's variance plus a cell's dq^2 / 12 */
    const double k[2] = {1.0, 0.5 * 2.25}, D[2] = {0.3, 0.1}, c[2] = {1.0, -0.5};
    const double v0 = 0.25 + 0.125 * 0.125 / 12.0;
    double worst_mean = 0, worst_var = 0, mean_t1 = 0, var_t1 = 0;
    for (size_t r = 0; r < rows; r++)
        for (int a = 0; a < 2; a++) {
            const double e = exp(-k[a] * t[r]);
            const double m_exact = c[a] * e, v_exact = v0 * e * e + D[a] / k[a] * (1.0 - e * e);
            walkers_against(q + r * N * 2, N, 2, a, m_exact, v_exact, &worst_mean, &worst_var);
            if (r == rows - 1 && a == 0)
                mean_t1 = m_exact, var_t1 = v_exact;
        }
    fprintf(stdout, "langevin OU (2D): largest |mean - exact| %.2f SE, |var - exact| %.2f SE\n",
            worst_mean, worst_var);
    CHECK(worst_mean < 4 && worst_var < 4);
    /* axis 0 at t = 1 against the exact Gaussian, bins of 0.1 over mean +- 4 sd */
    enum { BINS = 64 };
    double prob[BINS];
    const double sd = sqrt(var_t1), lo = mean_t1 - 4 * sd, w = 8 * sd / BINS;
    for (int b = 0; b < BINS; b++)
        prob[b] = 0.5 * (erf((lo + (b + 1) * w - mean_t1) / (sd * M_SQRT2)) -
                         erf((lo + b * w - mean_t1) / (sd * M_SQRT2)));
    double z;
    const int used = test_chi_square(q + (rows - 1) * N * 2, N, 2, lo, w, prob, BINS, &z);
    fprintf(stdout, "langevin OU at t = 1, axis 0: %d bins, chi-square z = %.2f\n", used, z);
    CHECK(used >= 20 && fabs(z) < 5);
    free(q);
    free(t);
}

/* A trap that moves, V = (x - sin t)^2 / 2 (V read at both ends of every step): the mean
 * follows dm/dt = -(m - sin t), m(t) = m0 e^-t + (sin t - cos t + e^-t) / 2, the variance
 * v0 e^-2t + D (1 - e^-2t). */
static void test_langevin_moving(void) {
    static const char ini[] =
        "[run]\ndt = 1e-2\nt_end = 3\ndiag_every = 50\nsnapshot_every = 0\nplanner = estimate\n"
        "[grid]\nn = 256\nqmin = -8\nqmax = 8\n"
        "[potential]\nV = 0.5*(x - sin(t))^2\n"
        "[initial]\npreset = gaussian\ncenter = 1\nwidth = 0.5\n"
        "[madelung]\nenabled = false\n"
        "[trajectories]\ncount = 20000\nkinds = langevin\nseed = 11\n"
        "[classical]\ndiffusion = 0.2\n"
        "[output]\nfields = p\n";
    struct nnq_summary sum;
    CHECK(test_run(dir, "moving", ini, NULL, 0, NULL, &sum) == NNQ_OK);
    size_t n, rows, nt, rt;
    double *q = test_read(dir, "moving", "/trajectories/langevin/q", &n, &rows);
    double *t = test_read(dir, "moving", "/trajectories/t", &nt, &rt);
    enum { N = 20000 };
    CHECK(q && t && rows == 7 && rt == rows && n == rows * N);
    double worst_mean = 0, worst_var = 0;
    const double v0 = 0.25 + (16.0 / 256) * (16.0 / 256) / 12.0; /* a cell's dq^2 / 12 */
    for (size_t r = 0; q && t && n == rows * N && r < rows; r++) {
        const double e = exp(-t[r]);
        const double m = e + 0.5 * (sin(t[r]) - cos(t[r]) + e), v = v0 * e * e + 0.2 * (1 - e * e);
        walkers_against(q + r * N, N, 1, 0, m, v, &worst_mean, &worst_var);
    }
    fprintf(stdout,
            "langevin in a moving trap: largest |mean - exact| %.2f SE, |var - exact| "
            "%.2f SE\n",
            worst_mean, worst_var);
    CHECK(worst_mean < 4 && worst_var < 4);
    free(q);
    free(t);
}

/* Without noise the walkers follow dq/dt = -mobility omega^2 q: q(0) exp(-k t). dt and 2 dt,
 * no step halved (the drift stays below a quarter cell a step): Heun's order 2. */
/* Noiseless langevin walkers (dq/dt = -mobility V'(q)) from q0 = 0.5, -0.4, 0.2 up to t = 2 at
 * [run] dt: the largest error against the exact solution over the stored rows. harmonic: V =
 * q^2 / 2, q = q0 exp(-mobility t), as the preset (1: its own gradient) or as an expression
 * with a step outside the box (2: no gradient of its own, V's interpolant, exact for a
 * quadratic); 0: the pendulum V = -cos(q) as an expression on a grid of 8 points, tan(q / 2) =
 * tan(q0 / 2) exp(-mobility t), where V's interpolant would leave an error of 3.6e-3 at any
 * dt. */
static double langevin_drift_error(const char *dt, int harmonic) {
    char ini[512], set[64], name[64];
    snprintf(ini, sizeof ini,
             "[run]\nt_end = 2\ndiag_every = 1\nsnapshot_every = 0\nplanner = estimate\n"
             "[grid]\n%s\n[potential]\n%s\n"
             "[initial]\npreset = gaussian\n"
             "[madelung]\nenabled = false\n"
             "[trajectories]\nat = 0.5, -0.4, 0.2\nkinds = langevin\n"
             "[classical]\nmobility = 1.2\ndiffusion = 0\n",
             harmonic ? "n = 32\nqmin = -8\nqmax = 8" : "n = 8\nqmin = -3.14159\nqmax = 3.14159",
             harmonic == 1 ? "preset = harmonic"
             : harmonic    ? "V = 0.5*x^2 + step(x - 100)"
                           : "V = -cos(x)");
    snprintf(set, sizeof set, "run.dt=%s", dt);
    snprintf(name, sizeof name, "drift_%s_%d", dt, harmonic);
    const char *sets[] = {set};
    struct nnq_summary sum;
    CHECK(test_run(dir, name, ini, sets, 1, NULL, &sum) == NNQ_OK);
    size_t n, rows, nt, rt, ns, rs;
    double *q = test_read(dir, name, "/trajectories/langevin/q", &n, &rows);
    double *t = test_read(dir, name, "/trajectories/t", &nt, &rt);
    double *sub = test_read(dir, name, "/diagnostics/traj_substeps", &ns, &rs);
    double worst = NAN;
    if (q && t && sub && n == rows * 3 && rt == rows) {
        static const double q0[3] = {0.5, -0.4, 0.2};
        worst = 0;
        for (size_t r = 0; r < rows; r++)
            for (int p = 0; p < 3; p++) {
                const double decay = exp(-1.2 * t[r]),
                             exact = harmonic ? q0[p] * decay : 2 * atan(tan(q0[p] / 2) * decay);
                worst = fmax(worst, fabs(q[r * 3 + p] - exact));
            }
        for (size_t r = 0; r < rs; r++)
            CHECK(sub[r] <= 1);
    }
    free(q);
    free(t);
    free(sub);
    return worst;
}

/* The drift's part of the scheme at order 2: from V's own gradient (the preset's; the
 * expression's, on a grid far too coarse to interpolate it to that accuracy) and from V's
 * interpolant. */
static void test_langevin_drift(void) {
    for (int harmonic = 2; harmonic >= 0; harmonic--) {
        const double coarse = langevin_drift_error("0.1", harmonic),
                     fine = langevin_drift_error("0.05", harmonic);
        printf("langevin drift (%s): errors %.3e (dt 0.1), %.3e (dt 0.05)\n",
               harmonic == 1 ? "harmonic preset"
               : harmonic    ? "harmonic, interpolated"
                             : "-cos(x) on 8 points",
               coarse, fine);
        CHECK_ORDER(coarse, fine, 1.9, 2.15);
        CHECK(fine < 1e-3);
    }
}

static void test_langevin_gibbs(void) {
    static const char ini[] =
        "[run]\ndt = 2e-2\nt_end = 10\ndiag_every = 500\nsnapshot_every = 0\nthreads = 2\n"
        "planner = estimate\n"
        "[grid]\nn = 256\nqmin = -5\nqmax = 5\n"
        "[potential]\npreset = double_well\nbarrier = 1\nwells = 1.5\n"
        "[initial]\npreset = gaussian\nwidth = 1\n"
        "[madelung]\nenabled = false\n"
        "[trajectories]\ncount = 20000\nkinds = langevin\nseed = 9\n"
        "[classical]\nmobility = 2\ndiffusion = 1\n"
        "[output]\nfields = p\n";
    struct nnq_summary sum;
    CHECK(test_run(dir, "gibbs", ini, NULL, 0, NULL, &sum) == NNQ_OK);
    size_t n, rows;
    double *q = test_read(dir, "gibbs", "/trajectories/langevin/q", &n, &rows);
    enum { N = 20000, BINS = 40 };
    CHECK(q && rows == 2 && n == 2 * N);
    if (!q || rows != 2 || n != 2 * N)
        return;
    /* exp(-V / T), T = D / mobility = 0.5, by the midpoint rule on 1000 points a bin */
    double prob[BINS], total = 0;
    const double lo = -4, w = 8.0 / BINS;
    for (int b = 0; b < BINS; b++) {
        prob[b] = 0;
        for (int i = 0; i < 1000; i++) {
            const double x = lo + (b + (i + 0.5) / 1000) * w, s = x / 1.5;
            prob[b] += exp(-(s * s - 1) * (s * s - 1) / 0.5) * w / 1000;
        }
        total += prob[b];
    }
    for (int b = 0; b < BINS; b++)
        prob[b] /= total;
    double z;
    const int used = test_chi_square(q + N, N, 1, lo, w, prob, BINS, &z);
    fprintf(stdout, "langevin double well at t = 10 against Gibbs: %d bins, chi-square z = %.2f\n",
            used, z);
    CHECK(used >= 20 && fabs(z) < 5);
    free(q);
}

/* ---- resume
 * -------------------------------------------------------------------------------------- */

static void test_resume(void) {
    static const char ini[] =
        "[run]\ndt = 5e-3\nsteps = 400\ndiag_every = 20\nsnapshot_every = 100\nplanner = estimate\n"
        "[grid]\nn = 64, 48\nqmin = -6\nqmax = 6\n"
        "[potential]\npreset = harmonic\n"
        "[initial]\npreset = vortex\nwidth = 1\ncore = 0.5\nmomentum = 0.3, 0\n"
        "[trajectories]\ncount = 200\nkinds = bohm, madelung, nelson, langevin\nevery = 2\n"
        "[output]\nfields = p\n";
    struct nnq_summary sum;
    CHECK(test_run(dir, "whole", ini, NULL, 0, NULL, &sum) == NNQ_OK);
    /* the same run stopped at the checkpoint after step 200, then resumed */
    static struct nnq_config cfg;
    struct nnq_err err = {0};
    const char *sets[] = {"run.checkpoint_every=200"};
    CHECK(nnq_config_load_string(ini, "parts", sets, 1, &cfg, &err) == NNQ_OK);
    char out[300];
    snprintf(out, sizeof out, "%s/parts.h5", dir);
    struct nnq_run_options opt = {.output = out, .force = 1};
    CHECK(nnq_run(&cfg, &opt, &sum, &err) == NNQ_OK);
    /* cut the finished file back: resume reads its checkpoint (step 200) */
    hid_t f = H5Fopen(out, H5F_ACC_RDWR, H5P_DEFAULT);
    int zero = 0;
    hid_t a = H5Aopen(f, "completed", H5P_DEFAULT);
    H5Awrite(a, H5T_NATIVE_INT, &zero);
    H5Aclose(a);
    H5Fclose(f);
    struct nnq_run_options again = {.resume = out};
    CHECK(nnq_run(&cfg, &again, &sum, &err) == NNQ_OK);
    static const char *const kinds[] = {"bohm", "madelung", "nelson", "langevin"};
    for (int k = 0; k < 4; k++) {
        char dset[64];
        snprintf(dset, sizeof dset, "/trajectories/%s/q", kinds[k]);
        size_t n1, r1, n2, r2;
        double *a1 = test_read(dir, "whole", dset, &n1, &r1),
               *a2 = test_read(dir, "parts", dset, &n2, &r2);
        CHECK_MSG(a1 && a2 && r1 == 11 && r2 == r1 && n1 == n2 &&
                      memcmp(a1, a2, sizeof(double) * n1) == 0,
                  "%s: rows %zu and %zu differ", kinds[k], r1, r2);
        free(a1);
        free(a2);
    }

    /* stopped by a signal between two rows (diag_every 100, chunks of 50: the stop comes at
     * step 50), resumed: the rows, the substeps column included, are the unstopped run's */
    const char *rare[] = {"run.diag_every=100"};
    CHECK(test_run(dir, "whole100", ini, rare, 1, NULL, &sum) == NNQ_OK);
    CHECK(nnq_config_load_string(ini, "stopped", rare, 1, &cfg, &err) == NNQ_OK);
    snprintf(out, sizeof out, "%s/stopped.h5", dir);
    static volatile sig_atomic_t raised = 1;
    struct nnq_run_options stop = {.output = out, .force = 1, .stop = &raised};
    CHECK(nnq_run(&cfg, &stop, &sum, &err) == NNQ_ERR_INTERRUPTED && sum.steps_done == 50);
    struct nnq_run_options go_on = {.resume = out};
    CHECK(nnq_run(&cfg, &go_on, &sum, &err) == NNQ_OK);
    static const char *const compared[] = {"/diagnostics/traj_substeps", "/diagnostics/bohm_q0",
                                           "/trajectories/nelson/q"};
    for (int k = 0; k < 3; k++) {
        size_t n1, r1, n2, r2;
        double *a1 = test_read(dir, "whole100", compared[k], &n1, &r1),
               *a2 = test_read(dir, "stopped", compared[k], &n2, &r2);
        CHECK_MSG(a1 && a2 && r1 == (k == 2 ? 3u : 5u) && r2 == r1 && n1 == n2 &&
                      memcmp(a1, a2, sizeof(double) * n1) == 0,
                  "%s differs after a stop between rows", compared[k]);
        free(a1);
        free(a2);
    }
}

/* ---- errors ------------------------------------------------------------------------------- */

static void test_errors(void) {
    static const struct {
        const char *text, *message;
    } cases[] = {
        {"[trajectories]\nat = 1, 2, 3\n",
         "t.ini:8: [trajectories] at: expected 2 values per point, got 3 values"},
        {"[trajectories]\nat = 1 2, 30 0\n", "t.ini:8: [trajectories] at: point 2, axis 0: 30"},
        {"[trajectories]\nat = 1 2\ncount = 3\n",
         "t.ini:9: [trajectories] count: 3, but [trajectories] at gives 1 points"},
        {"[trajectories]\ncount = 5\nkinds = bohm, newton\n",
         "t.ini:9: [trajectories] kinds: expected any of bohm, madelung, nelson, langevin, got "
         "'newton'"},
        {"[classical]\nmobility = 1, 2, 3\n",
         "t.ini:8: [classical] mobility: expected 1 value or 2 (one per axis), got 3"},
        {"[classical]\ndiffusion = -1\n", "t.ini:8: [classical] diffusion"},
        {"[madelung]\nenabled = false\n[trajectories]\ncount = 5\nkinds = madelung\n",
         "[trajectories] kinds: madelung trajectories need the Madelung solver"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        char text[512];
        snprintf(text, sizeof text,
                 "[run]\nsteps = 1\n[grid]\nn = 16, 16\nqmin = -5\nqmax = 5\n%s"
                 "[initial]\npreset = gaussian\n",
                 cases[k].text);
        struct nnq_config cfg;
        struct nnq_err err = {0};
        CHECK(nnq_config_load_string(text, "t.ini", NULL, 0, &cfg, &err) == NNQ_ERR_CONFIG);
        CHECK_MSG(strstr(err.msg, cases[k].message), "got: %s", err.msg);
    }
}

/* A particle started 1e-9 from a vortex core (u ~ hbar / m r: its predicted position lies
 * boxes away) and Nelson walkers beside it: the run ends, every position finite and in the
 * box (the stencil read memory boxes away on axis 1 before: SIGSEGV). */
static void test_core(void) {
    static const char ini[] = "[run]\ndt = 1e-3\nt_end = 0.01\ndiag_every = 5\nsnapshot_every = 0\n"
                              "[grid]\nn = 128, 128\nqmin = -8\nqmax = 8\n"
                              "[potential]\npreset = harmonic\n"
                              "[initial]\npreset = vortex\nwidth = 0.8\ncore = 0.5\n"
                              "[madelung]\nenabled = false\n"
                              "[trajectories]\nat = 1e-9 0, 0 1e-9, 0.01 0.01\n"
                              "kinds = bohm, nelson\n[output]\nfields = p\n";
    struct nnq_summary sum;
    CHECK(test_run(dir, "core", ini, NULL, 0, NULL, &sum) == NNQ_OK);
    static const char *const kinds[2] = {"/trajectories/bohm/q", "/trajectories/nelson/q"};
    for (int k = 0; k < 2; k++) {
        size_t n = 0, rows = 0;
        double *q = test_read(dir, "core", kinds[k], &n, &rows);
        CHECK(q && n == rows * 3 * 2);
        int inside = 1;
        for (size_t i = 0; q && i < n; i++)
            inside &= isfinite(q[i]) && q[i] >= -8 && q[i] < 8;
        CHECK_MSG(inside, "%s: a position outside the box", kinds[k]);
        free(q);
    }
}

int main(void) {
    check_tmpdir("nnq_test_trajectories", dir, sizeof dir);
    test_errors();
    test_core();
    test_coherent();
    test_spreading();
    test_bohm_order4();
    test_nodes();
    test_resume();
    test_nelson_ground();
    test_nelson_double_well();
    test_langevin_ou();
    test_langevin_drift();
    test_langevin_moving();
    test_langevin_gibbs();
    return check_finish(dir);
}
