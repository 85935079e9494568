/*
 * test_compare.c - the comparison of the two descriptions (nnq/compare.h), through nnq_run:
 *  - every metric is zero to round-off (below 1e-12) at t = 0 whatever the shape of p and F:
 *    two lobes on the diagonal with F = 0.15 (x + y)^2 (2D), two and three lobes (1D, 3D),
 *    an imprinted vortex; the support's components are counted (lobes joined by a bridge of
 *    p ~ 1e-7 of the peak: 1 component; separated by vacuum, below 1e-12 of it: 2, 3);
 *  - two packets moving apart without meeting (a harmonic trap, 1D and 2D): div_p_l1, div_F
 *    and div_j_l1 fall at order about 2 with the grid, the infidelity (a square of phase and
 *    amplitude errors) at about 4;
 *  - free spreading of a Gaussian of variance s(t)^2 per axis (1D, 2D): the Schrodinger
 *    entropy and Fisher information within 1e-6 relative of (d/2) ln(2 pi e s^2) and d / s^2
 *    at every row, the Madelung ones converging to them at the solver's order;
 *  - a packet that drifts into the box's edge: the edge_density column grows past 1e-10, the
 *    summary keeps its largest value and the first time it passed;
 *  - an absorbing boundary takes up a packet leaving the box in both descriptions (less than
 *    1e-3 left), the absorbed column being what the norm lost.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "helpers.h"
#include "nnq/compare.h"
#include "nnq/config.h"
#include "nnq/initial.h"
#include "nnq/run.h"

static char dir[256];

/* ---- t = 0 ---------------------------------------------------------------------------------- */

static void check_t0(const char *name, const char *ini, long components) {
    struct nnq_summary sum;
    CHECK(test_run(dir, name, ini, NULL, 0, NULL, &sum) == NNQ_OK);
    const double *v = sum.first.value;
    CHECK_MSG(fabs(v[NNQ_DIAG_div_p_l1]) < 1e-12 && fabs(v[NNQ_DIAG_div_F]) < 1e-12 &&
                  fabs(v[NNQ_DIAG_div_j_l1]) < 1e-12 && fabs(v[NNQ_DIAG_infidelity]) < 1e-12,
              "%s at t = 0: div_p_l1 %.2e div_F %.2e div_j_l1 %.2e infidelity %.2e", name,
              v[NNQ_DIAG_div_p_l1], v[NNQ_DIAG_div_F], v[NNQ_DIAG_div_j_l1],
              v[NNQ_DIAG_infidelity]);
    CHECK_MSG(v[NNQ_DIAG_components] == (double)components, "%s: %g components, want %ld", name,
              v[NNQ_DIAG_components], components);
}

static void test_t0(void) {
    /* NNQ_COMPARE_MAX_COMPONENTS components each with its own phase, and one more sharing the last
     */
    for (int k = NNQ_COMPARE_MAX_COMPONENTS; k <= NNQ_COMPARE_MAX_COMPONENTS + 1; k++) {
        char name[32], ini[512];
        snprintf(name, sizeof name, "components%d", k);
        snprintf(ini, sizeof ini,
                 "[run]\ndt = 1e-4\nsteps = 1\ndiag_every = 1\nplanner = estimate\n"
                 "[grid]\nn = 8192\nqmin = 0\nqmax = 3.141592653589793\n[network]\nmu = 0.3\n"
                 "[initial]\np = sin(%d*x)^8\nF = 0.2*cos(x)\n[madelung]\nform = momentum\n",
                 k);
        check_t0(name, ini, k);
    }
    /* a tiny network's two mirror minima (w, a) and (-w, -a), a curved F */
    check_t0("lobes_2d",
             "[run]\ndt = 2e-3\nsteps = 1\ndiag_every = 1\n"
             "[grid]\nn = 128, 128\nqmin = -6\nqmax = 6\n[network]\nmu = 0.2\n"
             "[initial]\np = exp(-((x-1.2)^2+(y-1.2)^2)/0.18)+exp(-((x+1.2)^2+(y+1.2)^2)/0.18)\n"
             "F = 0.15*(x+y)^2\n",
             1);
    check_t0("lobes_1d",
             "[run]\ndt = 1e-3\nsteps = 1\ndiag_every = 1\n"
             "[grid]\nn = 512\nqmin = -8\nqmax = 8\n[network]\nmu = 0.2\n"
             "[initial]\np = exp(-(x-2)^2/0.1) + exp(-(x+2)^2/0.1)\nF = 0.3*x^2 - 0.2*x\n",
             2);
    check_t0("three_1d",
             "[run]\ndt = 1e-3\nsteps = 1\ndiag_every = 1\n"
             "[grid]\nn = 1024\nqmin = -12\nqmax = 12\n[network]\nmu = 0.3\n"
             "[initial]\np = exp(-(x-5)^2/0.2) + 0.5*exp(-x^2/0.2) + exp(-(x+5)^2/0.2)\n"
             "F = 0.1*x^3 - x\n",
             3);
    check_t0(
        "lobes_3d",
        "[run]\ndt = 2e-3\nsteps = 1\ndiag_every = 1\n"
        "[grid]\nn = 32, 32, 32\nqmin = -5\nqmax = 5\n[network]\nmu = 0.5\n"
        "[initial]\np = exp(-((x-1.2)^2+(y-1.2)^2+z^2)/0.3)+exp(-((x+1.2)^2+(y+1.2)^2+z^2)/0.3)"
        "\nF = 0.1*(x+y+z)^2\n",
        1);
    check_t0("three_3d",
             "[run]\ndt = 2e-3\nsteps = 1\ndiag_every = 1\n"
             "[grid]\nn = 32, 32, 32\nqmin = -6\nqmax = 6\n[network]\nmu = 0.5\n"
             "[initial]\np = exp(-((x-3)^2+y^2+z^2)/0.1)+exp(-(x^2+(y-3)^2+z^2)/0.1)"
             "+exp(-(x^2+y^2+(z+3)^2)/0.1)\nF = 0.2*x*y - 0.3*z\n",
             3);
    check_t0("vortex_2d",
             "[run]\ndt = 2e-3\nsteps = 1\ndiag_every = 1\n"
             "[grid]\nn = 96, 96\nqmin = -6\nqmax = 6\n"
             "[initial]\npreset = vortex\nwidth = 1.2\ncore = 0.5\nmomentum = 0.4, 0\n",
             1);
}

/* ---- two packets moving apart --------------------------------------------------------------- */

/* The four metrics at the last row of a run at each resolution. */
static void moving_apart(const char *ini, const char *const *n_sets, int count, double e[][4]) {
    static const enum nnq_diag_column cols[4] = {NNQ_DIAG_div_p_l1, NNQ_DIAG_div_F,
                                                 NNQ_DIAG_div_j_l1, NNQ_DIAG_infidelity};
    for (int r = 0; r < count; r++) {
        struct nnq_summary sum;
        const char *sets[1] = {n_sets[r]};
        CHECK(test_run(dir, "apart", ini, sets, 1, NULL, &sum) == NNQ_OK);
        CHECK(isnan(sum.t_multivalued)); /* they never meet */
        for (int k = 0; k < 4; k++)
            e[r][k] = sum.last.value[cols[k]];
    }
}

static void test_moving_apart(void) {
    static const char ini_1d[] = "[run]\nt_end = 1\ndt = 1e-3\ndiag_every = 1000\n"
                                 "snapshot_every = 0\n"
                                 "[grid]\nn = 256\nqmin = -16\nqmax = 16\n"
                                 "[potential]\npreset = harmonic\n"
                                 "[initial]\npreset = superposition\ncenter = -2, 2\n"
                                 "width = 0.70710678118654752\nmomentum = -2, 2\n"
                                 "[output]\nfields = p\n";
    static const char *const n_1d[3] = {"grid.n = 256", "grid.n = 512", "grid.n = 1024"};
    double e[3][4];
    moving_apart(ini_1d, n_1d, 3, e);
    for (int r = 0; r < 2; r++) {
        for (int k = 0; k < 3; k++)
            CHECK_ORDER(e[r][k], e[r + 1][k], 1.6, 2.6);
        CHECK_ORDER(e[r][3], e[r + 1][3], 3.2, 5.2);
    }

    static const char ini_2d[] = "[run]\nt_end = 0.5\ndt = 1e-3\ndiag_every = 1000\n"
                                 "snapshot_every = 0\n"
                                 "[grid]\nn = 64, 64\nqmin = -8\nqmax = 8\n"
                                 "[potential]\npreset = harmonic\n"
                                 "[initial]\npreset = superposition\n"
                                 "center = -1.5, -1.5, 1.5, 1.5\nwidth = 0.70710678118654752\n"
                                 "momentum = -1.5, -1.5, 1.5, 1.5\n[output]\nfields = p\n";
    static const char *const n_2d[2] = {"grid.n = 64, 64", "grid.n = 128, 128"};
    moving_apart(ini_2d, n_2d, 2, e);
    for (int k = 0; k < 3; k++)
        CHECK_ORDER(e[0][k], e[1][k], 1.6, 2.6);
    CHECK_ORDER(e[0][3], e[1][3], 3.2, 5.2);
}

/* ---- information quantities ----------------------------------------------------------------- */

#define MAX_ROWS 64

/* Largest relative errors of the four information columns of dir/NAME.h5 against a Gaussian
 * of width s0 spreading freely (hbar = m = 1) in d dimensions: S, I, S_M, I_M into err. */
static void information_errors(const char *name, int d, double s0, double *err) {
    static double t[MAX_ROWS], v[4][MAX_ROWS];
    static const char *const cols[4] = {"entropy", "fisher", "madelung_entropy", "madelung_fisher"};
    int rows = test_column(dir, name, "t", t, MAX_ROWS);
    CHECK(rows > 2 && rows <= MAX_ROWS);
    for (int k = 0; k < 4; k++) {
        CHECK(test_column(dir, name, cols[k], v[k], MAX_ROWS) == rows);
        err[k] = 0;
    }
    for (int r = 0; r < rows && r < MAX_ROWS; r++) {
        const double s2 = s0 * s0 * (1 + pow(t[r] / (2 * s0 * s0), 2));
        const double exact[4] = {0.5 * d * log(2 * M_PI * M_E * s2), d / s2,
                                 0.5 * d * log(2 * M_PI * M_E * s2), d / s2};
        for (int k = 0; k < 4; k++)
            err[k] = fmax(err[k], fabs(v[k][r] / exact[k] - 1));
    }
}

static void test_information(void) {
    static const char ini_1d[] =
        "[run]\nt_end = 2\ndt = 1e-3\ndiag_every = 250\n"
        "snapshot_every = 0\n"
        "[grid]\nn = 256\nqmin = -20\nqmax = 20\n"
        "[initial]\npreset = gaussian\nwidth = 0.8\n[output]\nfields = p\n";
    static const char *const n_1d[3] = {"grid.n = 256", "grid.n = 512", "grid.n = 1024"};
    double e[3][4];
    for (int r = 0; r < 3; r++) {
        struct nnq_summary sum;
        const char *sets[1] = {n_1d[r]};
        CHECK(test_run(dir, "free_1d", ini_1d, sets, 1, NULL, &sum) == NNQ_OK);
        information_errors("free_1d", 1, 0.8, e[r]);
        CHECK_MSG(e[r][0] < 1e-6 && e[r][1] < 1e-6, "1D: S off by %.2e, I by %.2e", e[r][0],
                  e[r][1]);
    }
    for (int r = 0; r < 2; r++) {
        CHECK_ORDER(e[r][2], e[r + 1][2], 1.6, 2.6);
        CHECK_ORDER(e[r][3], e[r + 1][3], 1.4, 2.6);
    }

    static const char ini_2d[] =
        "[run]\nt_end = 1\ndt = 1e-3\ndiag_every = 250\n"
        "snapshot_every = 0\n"
        "[grid]\nn = 64, 64\nqmin = -10\nqmax = 10\n"
        "[initial]\npreset = gaussian\nwidth = 0.8\n[output]\nfields = p\n";
    static const char *const n_2d[2] = {"grid.n = 64, 64", "grid.n = 128, 128"};
    for (int r = 0; r < 2; r++) {
        struct nnq_summary sum;
        const char *sets[1] = {n_2d[r]};
        CHECK(test_run(dir, "free_2d", ini_2d, sets, 1, NULL, &sum) == NNQ_OK);
        information_errors("free_2d", 2, 0.8, e[r]);
        CHECK_MSG(e[r][0] < 1e-6 && e[r][1] < 1e-6, "2D: S off by %.2e, I by %.2e", e[r][0],
                  e[r][1]);
    }
    CHECK_ORDER(e[0][2], e[1][2], 1.6, 2.6);
    CHECK_ORDER(e[0][3], e[1][3], 1.4, 2.6);
}

/* A packet off the middle of a periodic box: its two tails meet across the wrap at densities
 * 1e-28 and 1e-111. The Madelung Fisher information at t = 0 is the Schrodinger one (exact:
 * 1 / sigma^2 = 2) to the differences' truncation error; the ratio form |D p|^2 / p gave 5e56. */
static void test_information_tails(void) {
    static const char ini[] = "[run]\ndt = 1e-3\nsteps = 1\ndiag_every = 1\n"
                              "[grid]\nn = 512\nqmin = -12\nqmax = 12\n"
                              "[potential]\npreset = harmonic\n"
                              "[initial]\npreset = gaussian\ncenter = 4\n"
                              "width = 0.7071067811865476\n[output]\nfields = p\n";
    struct nnq_summary sum;
    CHECK(test_run(dir, "tails", ini, NULL, 0, NULL, &sum) == NNQ_OK);
    const double *v = sum.first.value;
    CHECK_NEAR(v[NNQ_DIAG_fisher], 2.0, 1e-9);
    CHECK_MSG(fabs(v[NNQ_DIAG_madelung_fisher] - 2.0) < 1e-3, "Madelung Fisher %.6g, exact 2",
              v[NNQ_DIAG_madelung_fisher]);
}

/* ---- the periodic wrap ---------------------------------------------------------------------- */

static void test_wrap(void) {
    /* a packet drifting from the middle of [-5, 5) towards its edge at speed 2 */
    static const char ini[] = "[run]\nt_end = 2\ndt = 1e-3\ndiag_every = 100\nsnapshot_every = 0\n"
                              "[grid]\nn = 256\nqmin = -5\nqmax = 5\n"
                              "[initial]\npreset = gaussian\nwidth = 0.4\nmomentum = 2\n"
                              "[output]\nfields = p\n";
    struct nnq_summary sum;
    CHECK(test_run(dir, "wrap", ini, NULL, 0, NULL, &sum) == NNQ_OK);
    static double t[MAX_ROWS], edge[MAX_ROWS];
    int rows = test_column(dir, "wrap", "t", t, MAX_ROWS);
    CHECK(rows == 21 && test_column(dir, "wrap", "edge_density", edge, MAX_ROWS) == rows);
    double top = 0, first = NAN;
    for (int r = 0; r < rows && r < MAX_ROWS; r++) {
        top = fmax(top, edge[r]);
        if (isnan(first) && edge[r] > NNQ_EDGE_DENSITY_WARN)
            first = t[r];
    }
    CHECK(edge[0] < 1e-30 && top > 0.1); /* it reaches the edge */
    CHECK_MSG(sum.t_edge == first && first > 0 && first < 2, "t_edge %g, first %g", sum.t_edge,
              first);
    CHECK(sum.edge_density == top);
}

/* An absorbing boundary: a packet leaving the box (k w = 15, w the default layer of 1/8 box)
 * leaves less than 1e-3 of its mass in the box in both descriptions; the absorbed column is
 * what the norm lost; the norm check lets the norm fall. */
static void test_absorbing(void) {
    static const char ini[] = "[run]\ndt = 2e-3\nt_end = 12\ndiag_every = 100\nsnapshot_every = 0\n"
                              "[grid]\nn = 512\nqmin = -20\nqmax = 20\nboundary = absorbing\n"
                              "[initial]\npreset = gaussian\ncenter = 10\nwidth = 2\nmomentum = 3\n"
                              "[output]\nfields = p\n";
    struct nnq_summary sum;
    CHECK(test_run(dir, "absorbing", ini, NULL, 0, NULL, &sum) == NNQ_OK);
    static double norm[MAX_ROWS], absorbed[MAX_ROWS], mass[MAX_ROWS];
    const int rows = test_column(dir, "absorbing", "norm", norm, MAX_ROWS);
    CHECK(rows == 61 && test_column(dir, "absorbing", "absorbed", absorbed, MAX_ROWS) == rows &&
          test_column(dir, "absorbing", "madelung_mass", mass, MAX_ROWS) == rows);
    double worst = 0;
    for (int r = 0; r < rows && r < MAX_ROWS; r++)
        worst = fmax(worst, fabs(absorbed[r] - (norm[0] - norm[r])));
    CHECK_NEAR(worst, 0, 1e-14);
    CHECK_NEAR(norm[rows - 1], 0, 1e-3);
    CHECK_NEAR(mass[rows - 1], 0, 1e-3);
    fprintf(stdout, "absorbing: left in the box %.2e (Schrodinger), %.2e (Madelung)\n",
            norm[rows - 1], mass[rows - 1]);
}

int main(void) {
    check_tmpdir("nnq_test_compare", dir, sizeof dir);
    test_absorbing();
    test_t0();
    test_wrap();
    test_information();
    test_information_tails();
    test_moving_apart();
    return check_finish(dir);
}
