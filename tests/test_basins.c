/*
 * test_basins.c - the basins of V's minima and their populations (src/observer_basins.c),
 * through nnq_run:
 *  - the double well (x/1.5)^2 - 1)^2: two basins split at the barrier, minima at the grid
 *    points nearest +-1.5; in every description and at every row the basins' masses add up
 *    to the description's mass (to 1e-12), and equal the sums of the snapshots' p over
 *    /basins/label;
 *  - the JSON's crossing times are where the table's shares pass 1/2 and 1/e (linear between
 *    rows);
 *  - depth: a rippled double well has more basins at depth 0 and exactly two at a depth above
 *    the ripples' barriers; a rippled bowl with hundreds of minima is refused at depth 0 naming
 *    [basins] depth, and is one basin at a depth above its ripples;
 *  - regions ([regions] NAME = condition): a comparison, an expression alone, overlapping
 *    ones; their masses against the snapshots, bad names and conditions refused naming file,
 *    line and key, 16 regions and no more;
 *  - a run stopped and resumed (basins and a region) ends with the unstopped run's tables and
 *    summary, bit for bit.
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

static const char well_ini[] =
    "[run]\ndt = 1e-2\nt_end = 60\ndiag_every = 50\nsnapshot_every = 1000\nplanner = estimate\n"
    "[grid]\nn = 256\nqmin = -5\nqmax = 5\n"
    "[network]\nmu = 0.5\nepsilon = 1\n"
    "[potential]\npreset = double_well\nbarrier = 1\nwells = 1.5\n"
    "[initial]\npreset = gaussian\ncenter = -1.5\nwidth = 0.3\n"
    "[madelung]\nenabled = false\n"
    "[classical]\nenabled = true\ndiffusion = 0.25\n"
    "[basins]\nenabled = true\n"
    "[output]\nfields = p\n";

/* The first time the share s[r] (rows r, times t) passes level, linear between rows; NaN. */
static double passes(const double *t, const double *s, int rows, double level) {
    for (int r = 1; r < rows; r++)
        if ((s[r - 1] - level) * (s[r] - level) <= 0 && s[r] != s[r - 1])
            return t[r - 1] + (level - s[r - 1]) / (s[r] - s[r - 1]) * (t[r] - t[r - 1]);
    return NAN;
}

static void test_well(void) {
    struct nnq_summary sum;
    CHECK(test_run(dir, "well", well_ini, NULL, 0, NULL, &sum) == NNQ_OK);
    size_t n, rows, nl, rl, nq, rq, nm, rm;
    double *lab = test_read(dir, "well", "/basins/label", &nl, &rl);
    double *q = test_read(dir, "well", "/grid/q0", &nq, &rq);
    double *mq = test_read(dir, "well", "/basins/minimum_q", &nm, &rm);
    CHECK(lab && q && mq && nl == 256 && nq == 256 && nm == 2);
    if (!lab || !q || !mq || nl != 256 || nm != 2)
        return;
    int split = 1;
    for (size_t i = 0; i < nl; i++) /* the barrier's cell (q = 0) goes to either side */
        split &= q[i] == 0 || lab[i] == (q[i] < 0 ? 0 : 1);
    CHECK_MSG(split, "the labels do not split the grid at the barrier");
    CHECK_NEAR(mq[0], -1.484375, 1e-12);
    CHECK_NEAR(mq[1], 1.484375, 1e-12);
    static const char *const desc[2] = {"schrodinger", "classical"};
    static const char *const norm[2] = {"norm", "classical_mass"};
    static double t[256], mass[256];
    const int nrows = test_column(dir, "well", "t", t, 256);
    CHECK(nrows == 121);
    for (int k = 0; k < 2; k++) {
        char path[64];
        snprintf(path, sizeof path, "/basins/%s", desc[k]);
        double *m = test_read(dir, "well", path, &n, &rows);
        CHECK(m && rows == (size_t)nrows && n == 2 * rows &&
              test_column(dir, "well", norm[k], mass, 256) == nrows);
        if (!m || rows != (size_t)nrows || n != 2 * rows) {
            free(m);
            continue;
        }
        double worst = 0;
        for (size_t r = 0; r < rows; r++)
            worst = fmax(worst, fabs(m[2 * r] + m[2 * r + 1] - mass[r]));
        fprintf(stdout, "%s: basin masses add up to the mass within %.2e\n", desc[k], worst);
        CHECK(worst < 1e-12);
        /* the last row against the last snapshot's p summed over the labels */
        snprintf(path, sizeof path, "/%s/p", desc[k]);
        size_t np, snaps;
        double *p = test_read(dir, "well", path, &np, &snaps);
        CHECK(p && np == snaps * nl);
        double own[2] = {0, 0};
        for (size_t i = 0; p && i < nl; i++)
            own[(int)lab[i]] += p[(snaps - 1) * nl + i] * 10.0 / 256.0;
        CHECK_NEAR(m[2 * (rows - 1)], own[0], 1e-13);
        CHECK_NEAR(m[2 * (rows - 1) + 1], own[1], 1e-13);
        free(p);
        /* the summary's crossing times: from the table's shares */
        static double share[256];
        for (size_t r = 0; r < rows; r++)
            share[r] = m[2 * r + 1] / (m[2 * r] + m[2 * r + 1]);
        const double half = passes(t, share, nrows, 0.5), e = passes(t, share, nrows, exp(-1));
        char key[160];
        snprintf(key, sizeof key, "\"%s\":{\"mass\":", desc[k]);
        const char *at = strstr(sum.observed_json, key);
        CHECK_MSG(at != NULL, "no %s in %s", key, sum.observed_json);
        if (k == 0 && at) {
            double th[2], te[2];
            const char *h = strstr(at, "\"t_half\":["), *o = strstr(at, "\"t_1e\":[");
            CHECK(h && o && sscanf(h, "\"t_half\":[%lf,%lf]", &th[0], &th[1]) == 2 &&
                  sscanf(o, "\"t_1e\":[%lf,%lf]", &te[0], &te[1]) == 2);
            fprintf(stdout,
                    "quantum tunnelling: the right well's share passes 1/e at t = %.4f "
                    "and 1/2 at t = %.4f\n",
                    e, half);
            CHECK_NEAR(th[1], half, 1e-9 * half);
            CHECK_NEAR(te[1], e, 1e-9 * e);
            CHECK(half > 30 && half < 60);
        }
        free(m);
    }
    free(lab);
    free(q);
    free(mq);
}

static int count_basins(const struct nnq_summary *sum) {
    const char *c = strstr(sum->observed_json, "\"basins\":{\"count\":");
    return c ? atoi(c + strlen("\"basins\":{\"count\":")) : -1;
}

static void test_depth(void) {
    static const char ripple[] =
        "[run]\ndt = 1e-2\nsteps = 2\nsnapshot_every = 0\nplanner = estimate\n"
        "[grid]\nn = 512\nqmin = -3\nqmax = 3\n"
        "[potential]\nV = (x^2 - 1)^2 + 0.05*cos(40*x)\n"
        "[initial]\npreset = gaussian\n"
        "[madelung]\nenabled = false\n"
        "[basins]\nenabled = true\n"
        "[output]\nfields = p\n";
    struct nnq_summary sum;
    CHECK(test_run(dir, "ripple", ripple, NULL, 0, NULL, &sum) == NNQ_OK);
    const int many = count_basins(&sum);
    static const char *const deep[] = {"basins.depth=0.5"};
    CHECK(test_run(dir, "ripple2", ripple, deep, 1, NULL, &sum) == NNQ_OK);
    const int two = count_basins(&sum);
    fprintf(stdout, "rippled double well: %d basins at depth 0, %d at depth 0.5\n", many, two);
    CHECK(many > 2 && two == 2);

    static const char bowl[] =
        "[run]\ndt = 1e-2\nsteps = 2\nsnapshot_every = 0\nplanner = estimate\n"
        "[grid]\nn = 128, 128\nqmin = -4\nqmax = 4\n"
        "[potential]\nV = 0.02*(cos(20*x) + cos(20*y)) + 0.01*(x^2 + y^2)\n"
        "[initial]\npreset = gaussian\n"
        "[madelung]\nenabled = false\n"
        "[basins]\nenabled = true\n"
        "[output]\nfields = p\n";
    struct nnq_config cfg;
    struct nnq_err err = {0};
    CHECK(nnq_config_load_string(bowl, "bowl", NULL, 0, &cfg, &err) == NNQ_OK);
    char out[300];
    snprintf(out, sizeof out, "%s/bowl.h5", dir);
    struct nnq_run_options opt = {.output = out, .force = 1};
    CHECK(nnq_run(&cfg, &opt, &sum, &err) == NNQ_ERR_CONFIG);
    fprintf(stdout, "rippled bowl at depth 0: %s\n", err.msg);
    CHECK_MSG(strstr(err.msg, "[basins] depth") && strstr(err.msg, "more than 64"), "got: %s",
              err.msg);
    static const char *const flat[] = {"basins.depth=0.2"};
    CHECK(test_run(dir, "bowl1", bowl, flat, 1, NULL, &sum) == NNQ_OK);
    CHECK(count_basins(&sum) == 1);
}

static void test_resume(void) {
    static const char *const sets[] = {
        "run.t_end=4",           "run.diag_every=20",      "run.snapshot_every=100",
        "regions.right=x > 0.5", "trajectories.count=200", "trajectories.kinds=nelson, langevin"};
    static const char *const compared[] = {
        "/basins/schrodinger",      "/basins/classical",  "/basins/label",
        "/basins/minimum_q",        "/regions/classical", "/basins/nelson_walkers",
        "/regions/langevin_walkers"};
    static struct nnq_summary whole, parts;
    CHECK(test_stop_resume(dir, "resume", well_ini, sets, 6, compared, 7, &whole, &parts) == 0);
    CHECK_MSG(strcmp(whole.observed_json, parts.observed_json) == 0, "%s\nagainst\n%s",
              whole.observed_json, parts.observed_json);
}

/* The walkers' shares: 4000 nelson walkers in psi's basins and 4000 langevin walkers in the
 * classical density's, within 4 binomial standard errors at every row; each kind's shares add
 * up to 1; the regions' likewise; against the positions in the file (nearest grid point). */
static void test_walkers(void) {
    static const char *const sets[] = {"run.t_end=20", "trajectories.count=4000",
                                       "trajectories.kinds=nelson, langevin", "regions.left=x < 0"};
    struct nnq_summary sum;
    CHECK(test_run(dir, "walkers", well_ini, sets, 4, NULL, &sum) == NNQ_OK);
    static const char *const pairs[2][2] = {{"/basins/nelson_walkers", "/basins/schrodinger"},
                                            {"/basins/langevin_walkers", "/basins/classical"}};
    for (int k = 0; k < 2; k++) {
        size_t nw, rw, nd, rd;
        double *w = test_read(dir, "walkers", pairs[k][0], &nw, &rw);
        double *d = test_read(dir, "walkers", pairs[k][1], &nd, &rd);
        CHECK(w && d && nw == 2 * rw && nd == nw && rw > 10);
        double worst_z = 0.0, worst_sum = 0.0;
        for (size_t r = 0; w && d && nd == nw && r < rw; r++) {
            const double p = d[2 * r] / (d[2 * r] + d[2 * r + 1]);
            const double se = sqrt(fmax(p * (1 - p), 1e-6) / 4000.0);
            worst_z = fmax(worst_z, fabs(w[2 * r] - p) / se);
            worst_sum = fmax(worst_sum, fabs(w[2 * r] + w[2 * r + 1] - 1.0));
        }
        printf("%s against %s: largest |z| %.2f over the rows\n", pairs[k][0], pairs[k][1],
               worst_z);
        CHECK(worst_z < 4.0);
        CHECK_NEAR(worst_sum, 0.0, 1e-15);
        free(w);
        free(d);
    }
    /* the last row against the positions themselves */
    size_t nq, rq, nl, rl, nw, rw, nr, rr;
    double *q = test_read(dir, "walkers", "/trajectories/nelson/q", &nq, &rq);
    double *lab = test_read(dir, "walkers", "/basins/label", &nl, &rl);
    double *w = test_read(dir, "walkers", "/basins/nelson_walkers", &nw, &rw);
    double *reg = test_read(dir, "walkers", "/regions/nelson_walkers", &nr, &rr);
    CHECK(q && lab && w && reg && nl == 256 && nq == rq * 4000 && rr == rw);
    if (q && lab && w && reg && nl == 256 && nq == rq * 4000 && rr == rw) {
        double in0 = 0.0, left = 0.0;
        for (long p = 0; p < 4000; p++) {
            const double x = q[(rq - 1) * 4000 + p];
            const long j = ((long)floor((x + 5.0) / (10.0 / 256) + 0.5) % 256 + 256) % 256;
            in0 += lab[j] == 0;
            left += -5.0 + j * (10.0 / 256) < 0;
        }
        CHECK_NEAR(w[2 * (rw - 1)], in0 / 4000, 1e-15);
        CHECK_NEAR(reg[rr - 1], left / 4000, 1e-15);
    }
    free(q);
    free(lab);
    free(w);
    free(reg);
    CHECK(strstr(sum.observed_json, "\"nelson_walkers\":{\"mass\":") != NULL);
}

/* Regions: left = x < 0 and right = x >= 0 cover the grid (their masses add up to the norm);
 * a condition alone (nonzero inside) and an overlapping one; against the snapshots. */
static void test_regions(void) {
    static const char *const sets[] = {"basins.enabled=false", "regions.left=x < 0",
                                       "regions.right=x >= 0", "regions.inner=abs(x) <= 1",
                                       "regions.band=step(x - 2)"};
    struct nnq_summary sum;
    CHECK(test_run(dir, "regions", well_ini, sets, 5, NULL, &sum) == NNQ_OK);
    size_t n, rows, nq, rq, np, snaps;
    double *m = test_read(dir, "regions", "/regions/schrodinger", &n, &rows);
    double *q = test_read(dir, "regions", "/grid/q0", &nq, &rq);
    double *p = test_read(dir, "regions", "/schrodinger/p", &np, &snaps);
    static double norm[256];
    CHECK(m && q && p && rows == 121 && n == 4 * rows && np == snaps * nq &&
          test_column(dir, "regions", "norm", norm, 256) == 121);
    if (m && q && p && rows == 121 && n == 4 * rows && np == snaps * nq) {
        double worst = 0;
        for (size_t r = 0; r < rows; r++)
            worst = fmax(worst, fabs(m[4 * r] + m[4 * r + 1] - norm[r]));
        fprintf(stdout, "regions left and right add up to the norm within %.2e\n", worst);
        CHECK(worst < 1e-12);
        double own[4] = {0, 0, 0, 0};
        const double *last = p + (snaps - 1) * nq;
        for (size_t i = 0; i < nq; i++) {
            own[q[i] < 0 ? 0 : 1] += last[i] * 10.0 / 256.0;
            own[2] += fabs(q[i]) <= 1 ? last[i] * 10.0 / 256.0 : 0.0;
            own[3] += q[i] - 2 > 0 ? last[i] * 10.0 / 256.0 : 0.0; /* step(0) = 0.5: no cell */
        }
        for (int k = 0; k < 4; k++)
            CHECK_NEAR(m[4 * (rows - 1) + (size_t)k], own[k], 1e-13);
    }
    CHECK(strstr(sum.observed_json, "\"regions\":{\"names\":[\"left\",\"right\",\"inner\","
                                    "\"band\"]") != NULL);
    CHECK(strstr(sum.observed_json, "\"basins\"") == NULL);
    free(m);
    free(q);
    free(p);

    /* bad regions: named by file, line and key */
    static const struct {
        const char *text, *message;
    } bad[] = {
        {"[regions]\n1x = x < 0\n", "r.ini:11: [regions] 1x: a region's name"},
        {"[regions]\na = x < 0 < 1\n", "r.ini:11: [regions] a: expected an expression"},
        {"[regions]\na = y < 1\n", "r.ini:11: [regions] a: 'y' needs a grid of 2"},
        {"[regions]\na = x < 0\na = x > 0\n", "r.ini:12: [regions] a: duplicate region"},
        {"[regions]\na =  \n", "r.ini:11: [regions] a: expected a condition"},
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        char ini[512];
        snprintf(ini, sizeof ini,
                 "[run]\ndt = 1e-2\nsteps = 2\n[grid]\nn = 64\nqmin = -5\nqmax = 5\n"
                 "[initial]\npreset = gaussian\n%s",
                 bad[k].text);
        struct nnq_config cfg;
        struct nnq_err err = {0};
        CHECK(nnq_config_load_string(ini, "r.ini", NULL, 0, &cfg, &err) == NNQ_ERR_CONFIG);
        CHECK_MSG(strstr(err.msg, bad[k].message) != NULL, "got: %s", err.msg);
    }
    /* 16 regions and no more */
    char ini[4096] = "[run]\ndt = 1e-2\nsteps = 2\n[grid]\nn = 64\nqmin = -5\nqmax = 5\n"
                     "[initial]\npreset = gaussian\n[regions]\n";
    for (int r = 0; r < 17; r++) {
        char line[64];
        snprintf(line, sizeof line, "r%d = x > %d\n", r, r - 8);
        strcat(ini, line);
        struct nnq_config cfg;
        struct nnq_err err = {0};
        const enum nnq_status rc = nnq_config_load_string(ini, "r.ini", NULL, 0, &cfg, &err);
        CHECK_MSG(r < 16 ? rc == NNQ_OK && cfg.nregions == r + 1
                         : rc == NNQ_ERR_CONFIG && strstr(err.msg, "more than 16 regions"),
                  "%d regions: %s", r + 1, err.msg);
    }
}

int main(void) {
    check_tmpdir("nnq_test_basins", dir, sizeof dir);
    test_well();
    test_depth();
    test_regions();
    test_walkers();
    test_resume();
    return check_finish(dir);
}
