/*
 * test_potential.c - V from files ([potential] file; src/source_file.c) against V from
 * expressions, through the potential facade (nnq/potential.h):
 *  - a loss-landscape surface file (nx != ny, y-major buffer) on the grid's own coordinates;
 *    the same values in [i, j] order without the tool's dir_file refused until [potential]
 *    order says which
 *    gives the expression's V to round-off, and L enters V expressions (weight decay) with the
 *    axes' own names ([grid] names);
 *  - on coarser, wider files V converges to the expression's at order 3 (cubic Hermite);
 *  - nnq's own output as a file gives back its /potential/V exactly;
 *  - a plain dataset with a leading time axis and t: V linear in t between rows, constant
 *    outside; the run reports V as time-dependent;
 *  - a V(t) expression held as a sum of terms f_k(t) G_k(q) (nnq/expr.h) equals the expression
 *    evaluated point by point, at many times, to round-off; texts that do not split so (or
 *    only look as if they did: 2e-3, x*-t, 2^-t) are evaluated point by point or split right;
 *    products of sums are multiplied out ((x - 0.3*sin(t))^2, (x - t)^3 / (1 + t^2)) and
 *    terms with the same point factors share a table; a term of 71 factors and named
 *    constants (pi, e) come out right; a split whose terms cancel (0.5*(x - 1e6 - sin(t))^2
 *    near x = 1e6: terms of 5e11 for a V of 50) is not used, the same V near 0 is;
 *  - 18 malformed files (not HDF5, truncated, missing, missing dataset, wrong rank or type,
 *    NaN, Inf, -1 markers, decreasing coordinates, too small a range, sizes that do not match,
 *    a time axis without t or with bad t, ...) are refused with NNQ_ERR_CONFIG naming the file
 *    and the dataset.
 */
#include <float.h>
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/expr_block.h"
#include "check.h"
#include "nnq/config.h"
#include "nnq/expr.h"
#include "nnq/grid.h"
#include "nnq/potential.h"
#include "nnq/run.h"

static char dir[256];

static double loss(double x, double y) {
    return 0.25 * (x * x - 1) * (x * x - 1) + 0.5 * (y - 0.3 * x) * (y - 0.3 * x);
}

/* dataset name of rank `rank`, shape dims, doubles v, in file f (groups made as needed) */
static void put(hid_t f, const char *name, int rank, const hsize_t *dims, const double *v) {
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    H5Pset_create_intermediate_group(lcpl, 1);
    hid_t sp = H5Screate_simple(rank, dims, NULL);
    hid_t d = H5Dcreate2(f, name, H5T_IEEE_F64LE, sp, lcpl, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
    H5Dclose(d);
    H5Sclose(sp);
    H5Pclose(lcpl);
}

/* The loss-landscape tool's mark: its surface files name their directions file. */
static void put_dir_file(hid_t f) {
    hid_t st = H5Tcopy(H5T_C_S1);
    H5Tset_size(st, 16);
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t d = H5Dcreate2(f, "dir_file", st, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(d, st, H5S_ALL, H5S_ALL, H5P_DEFAULT, "directions.h5\0\0");
    H5Dclose(d);
    H5Sclose(sp);
    H5Tclose(st);
}

/* The loss-landscape layout: x [nx], y [ny], train_loss declared (nx, ny), y-major (natural:
 * in [i, j] order, without the tool's dir_file). */
static void landscape_in(const char *path, const double *x, hsize_t nx, const double *y, hsize_t ny,
                         int natural) {
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    double *v = malloc(sizeof(double) * nx * ny);
    for (hsize_t j = 0; j < ny; j++)
        for (hsize_t i = 0; i < nx; i++)
            v[natural ? i * ny + j : j * nx + i] = loss(x[i], y[j]);
    if (!natural)
        put_dir_file(f);
    hsize_t dims[2] = {nx, ny};
    put(f, "xcoordinates", 1, &nx, x);
    put(f, "ycoordinates", 1, &ny, y);
    put(f, "train_loss", 2, dims, v);
    free(v);
    H5Fclose(f);
}

static void landscape(const char *path, const double *x, hsize_t nx, const double *y, hsize_t ny) {
    landscape_in(path, x, nx, y, ny, 0);
}

/* V at t of config text + sets on its grid (this process holds the whole grid). */
static enum nnq_status potential(const char *ini, const char *const *sets, int nsets, double t,
                                 double *V, struct nnq_err *err, int *time_dependent) {
    static struct nnq_config cfg;
    struct nnq_grid *g = NULL;
    struct nnq_potential *pot = NULL;
    enum nnq_status rc = nnq_config_load_string(ini, "pot.ini", sets, nsets, &cfg, err);
    if (rc == NNQ_OK)
        rc = nnq_grid_create(cfg.dims, cfg.n, cfg.qmin, cfg.qmax, &g, err);
    if (rc == NNQ_OK)
        rc = nnq_potential_create(&cfg, g, &pot, err);
    if (rc == NNQ_OK)
        rc = nnq_potential_fill(pot, g, t, V, err);
    if (rc == NNQ_OK && time_dependent)
        *time_dependent = nnq_potential_time_dependent(pot);
    nnq_potential_destroy(pot);
    nnq_grid_destroy(g);
    return rc;
}

static const char grid2d[] = "[run]\nsteps = 1\n[grid]\nn = 48, 40\nqmin = -3, -2.5\n"
                             "qmax = 3, 2.5\n[initial]\npreset = gaussian\n";
enum { N2D = 48 * 40 };

static double max_diff(const double *a, const double *b, int n) {
    double m = 0;
    for (int i = 0; i < n; i++)
        m = fmax(m, fabs(a[i] - b[i]));
    return m;
}

static void test_landscape(void) {
    char path[300], set[400];
    double x[48], y[40];
    for (int i = 0; i < 48; i++)
        x[i] = -3 + 6.0 / 48 * i;
    for (int j = 0; j < 40; j++)
        y[j] = -2.5 + 5.0 / 40 * j;
    snprintf(path, sizeof path, "%s/same.h5", dir);
    landscape(path, x, 48, y, 40);
    static double Vf[N2D], Ve[N2D];
    struct nnq_err err = {0};
    snprintf(set, sizeof set, "potential.file=%s", path);
    const char *file[] = {set};
    CHECK(potential(grid2d, file, 1, 0, Vf, &err, NULL) == NNQ_OK);
    const char *expr[] = {"potential.V=0.25*(x^2-1)^2 + 0.5*(y-0.3*x)^2"};
    CHECK(potential(grid2d, expr, 1, 0, Ve, &err, NULL) == NNQ_OK);
    CHECK_NEAR(max_diff(Vf, Ve, N2D), 0, 1e-14);
    /* L in V, with the axes' own names: weight decay */
    const char *decay[] = {set, "grid.names=w, a", "potential.V=L + 0.02*(w^2 + a^2)"};
    CHECK(potential(grid2d, decay, 3, 0, Vf, &err, NULL) == NNQ_OK);
    const char *decay_e[] = {"potential.V=0.25*(x^2-1)^2 + 0.5*(y-0.3*x)^2 + 0.02*(x^2 + y^2)"};
    CHECK(potential(grid2d, decay_e, 1, 0, Ve, &err, NULL) == NNQ_OK);
    CHECK_NEAR(max_diff(Vf, Ve, N2D), 0, 1e-14);

    /* the same values in [i, j] order, without the tool's mark: which order is refused until
     * [potential] order says it (read in the tool's order it was silently transposed) */
    snprintf(path, sizeof path, "%s/natural.h5", dir);
    landscape_in(path, x, 48, y, 40, 1);
    snprintf(set, sizeof set, "potential.file=%s", path);
    CHECK(potential(grid2d, file, 1, 0, Vf, &err, NULL) == NNQ_ERR_CONFIG &&
          strstr(err.msg, "natural.h5") && strstr(err.msg, "[potential] order"));
    const char *natural[] = {set, "potential.order=natural"};
    CHECK(potential(grid2d, natural, 2, 0, Vf, &err, NULL) == NNQ_OK);
    CHECK(potential(grid2d, expr, 1, 0, Ve, &err, NULL) == NNQ_OK);
    CHECK_NEAR(max_diff(Vf, Ve, N2D), 0, 1e-14);
    const char *tool[] = {set, "potential.order=tool"}; /* the key governs: read transposed */
    CHECK(potential(grid2d, tool, 2, 0, Vf, &err, NULL) == NNQ_OK && max_diff(Vf, Ve, N2D) > 0.1);

    /* coarser and wider files: order 3 */
    double e[3];
    const int sizes[3] = {31, 61, 121};
    const char *expr_only[] = {"potential.V=0.25*(x^2-1)^2 + 0.5*(y-0.3*x)^2"};
    CHECK(potential(grid2d, expr_only, 1, 0, Ve, &err, NULL) == NNQ_OK);
    for (int k = 0; k < 3; k++) {
        const int m = sizes[k];
        double *xc = malloc(sizeof(double) * (size_t)m),
               *yc = malloc(sizeof(double) * (size_t)(m + 7));
        for (int i = 0; i < m; i++)
            xc[i] = -3.2 + 6.4 * i / (m - 1);
        for (int j = 0; j < m + 7; j++)
            yc[j] = -2.7 + 5.4 * j / (m + 6);
        snprintf(path, sizeof path, "%s/coarse%d.h5", dir, m);
        landscape(path, xc, (hsize_t)m, yc, (hsize_t)(m + 7));
        snprintf(set, sizeof set, "potential.file=%s", path);
        const char *coarse[] = {set};
        CHECK(potential(grid2d, coarse, 1, 0, Vf, &err, NULL) == NNQ_OK);
        e[k] = max_diff(Vf, Ve, N2D);
        free(xc);
        free(yc);
    }
    /* spacing halves (to within the +1 of linspace) */
    CHECK_ORDER(e[0], e[1], 2.6, 3.6);
    CHECK_ORDER(e[1], e[2], 2.6, 3.6);
}

/* nnq's own output: /potential/V on /grid/q0.. */
static void test_own_output(void) {
    static struct nnq_config cfg;
    struct nnq_err err = {0};
    const char *sets[] = {"potential.V=0.5*x^2 + 0.1*x*y + sin(y)", "madelung.enabled=false"};
    CHECK(nnq_config_load_string(grid2d, "own.ini", sets, 2, &cfg, &err) == NNQ_OK);
    char out[300], set[400];
    snprintf(out, sizeof out, "%s/own.h5", dir);
    struct nnq_run_options opt = {.output = out, .force = 1};
    struct nnq_summary sum;
    CHECK(nnq_run(&cfg, &opt, &sum, &err) == NNQ_OK);
    static double Vf[N2D], Ve[N2D];
    snprintf(set, sizeof set, "potential.file=%s", out);
    const char *file[] = {set};
    CHECK(potential(grid2d, file, 1, 0, Vf, &err, NULL) == NNQ_OK);
    CHECK(potential(grid2d, sets, 1, 0, Ve, &err, NULL) == NNQ_OK);
    CHECK(memcmp(Vf, Ve, sizeof Vf) == 0);
}

/* A plain dataset with a leading time axis and t beside it (1D). */
static void test_time_series(void) {
    char path[300], set[400];
    snprintf(path, sizeof path, "%s/series.h5", dir);
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    double w[64], t[3] = {0, 1, 3}, v[3 * 64];
    for (int i = 0; i < 64; i++) {
        w[i] = -4 + 8.0 * i / 63;
        for (int k = 0; k < 3; k++)
            v[k * 64 + i] = (k + 1) * w[i] * w[i];
    }
    hsize_t n = 64, nt = 3, dims[2] = {3, 64};
    put(f, "/landscape/w", 1, &n, w);
    put(f, "/landscape/t", 1, &nt, t);
    put(f, "/landscape/loss", 2, dims, v);
    H5Fclose(f);
    snprintf(set, sizeof set, "potential.file=%s", path);
    static const char ini[] = "[run]\nsteps = 1\n[grid]\nn = 32\nqmin = -3\nqmax = 3\n"
                              "[initial]\npreset = gaussian\n";
    const char *sets[] = {set, "potential.dataset=/landscape/loss",
                          "potential.coordinates=/landscape/w"};
    double V[32], x;
    struct nnq_err err = {0};
    int td = 0;
    const double times[4] = {0.5, 2.0, -1.0, 5.0}, factor[4] = {1.5, 2.5, 1.0, 3.0};
    for (int k = 0; k < 4; k++) {
        CHECK(potential(ini, sets, 3, times[k], V, &err, &td) == NNQ_OK);
        double worst = 0;
        for (int i = 0; i < 32; i++) {
            x = -3 + 6.0 / 32 * i;
            worst = fmax(worst, fabs(V[i] - factor[k] * x * x));
        }
        CHECK_NEAR(worst, 0, 1e-12); /* a quadratic: the interpolant is exact */
    }
    CHECK(td == 1);
}

/* ---- malformed files ------------------------------------------------------------------------ */

enum bad {
    NOT_HDF5,
    TRUNCATED,
    MISSING_FILE,
    NO_DATASET,
    WRONG_RANK,
    WRONG_TYPE,
    HAS_NAN,
    HAS_INF,
    MARKER,
    DECREASING,
    SMALL_RANGE,
    SHAPE_MISMATCH,
    ONE_POINT,
    COORD_RANK,
    NO_T,
    T_DECREASING,
    T_LENGTH,
    NO_LAYOUT,
    BAD_COUNT
};

static void write_bad(const char *path, enum bad b) {
    double x[8], y[6], v[48];
    for (int i = 0; i < 8; i++)
        x[i] = -4 + i;
    for (int j = 0; j < 6; j++)
        y[j] = -3 + 1.2 * j;
    for (int k = 0; k < 48; k++)
        v[k] = 0.1 * k;
    hsize_t nx = 8, ny = 6, dims[3] = {8, 6, 1};
    if (b == NOT_HDF5 || b == MISSING_FILE) {
        if (b == NOT_HDF5) {
            FILE *f = fopen(path, "w");
            fputs("x,y,loss\n1,2,3\n", f);
            fclose(f);
        } else
            remove(path);
        return;
    }
    if (b == DECREASING)
        x[5] = x[4];
    if (b == SMALL_RANGE)
        for (int i = 0; i < 8; i++)
            x[i] = -1 + 0.25 * i;
    if (b == HAS_NAN)
        v[13] = NAN;
    if (b == HAS_INF)
        v[13] = INFINITY;
    if (b == MARKER)
        v[13] = -1;
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    put_dir_file(f);
    if (b != NO_LAYOUT)
        put(f, "xcoordinates", 1, b == ONE_POINT ? (hsize_t[]){1} : &nx, x);
    if (b == COORD_RANK) {
        hsize_t two[2] = {2, 3};
        put(f, "ycoordinates", 2, two, y);
    } else
        put(f, "ycoordinates", 1, &ny, y);
    if (b == WRONG_TYPE) {
        hid_t st = H5Tcopy(H5T_C_S1);
        H5Tset_size(st, 8);
        hsize_t one = 1;
        hid_t sp = H5Screate_simple(1, &one, NULL);
        hid_t d = H5Dcreate2(f, "train_loss", st, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        H5Dwrite(d, st, H5S_ALL, H5S_ALL, H5P_DEFAULT, "loss!!!");
        H5Dclose(d);
        H5Sclose(sp);
        H5Tclose(st);
    } else if (b == WRONG_RANK || b == NO_T || b == T_DECREASING || b == T_LENGTH) {
        hsize_t d3[3] = {2, 8, 6};
        double v2[96];
        for (int k = 0; k < 96; k++)
            v2[k] = 0.05 * k;
        put(f, "train_loss", b == WRONG_RANK ? 1 : 3, b == WRONG_RANK ? &d3[1] : d3, v2);
        if (b == T_DECREASING || b == T_LENGTH) {
            double t[3] = {1, b == T_DECREASING ? 0.5 : 2, 3};
            hsize_t nt = b == T_LENGTH ? 3 : 2;
            put(f, "t", 1, &nt, t);
        }
    } else if (b == SHAPE_MISMATCH) {
        hsize_t d2[2] = {6, 8};
        put(f, "train_loss", 2, d2, v);
    } else if (b != NO_DATASET)
        put(f, "train_loss", 2, dims, v);
    H5Fclose(f);
    if (b == TRUNCATED) { /* the first 800 bytes of it */
        FILE *in = fopen(path, "rb");
        char buf[800];
        size_t got = fread(buf, 1, sizeof buf, in);
        fclose(in);
        FILE *o = fopen(path, "wb");
        fwrite(buf, 1, got, o);
        fclose(o);
    }
}

static void test_malformed(void) {
    static const struct {
        enum bad b;
        const char *what; /* in the message, beside the file's name */
    } cases[] = {
        {NOT_HDF5, "not an HDF5 file"},
        {TRUNCATED, "HDF5 cannot open it"},
        {MISSING_FILE, "not an HDF5 file"},
        {NO_DATASET, "no dataset 'train_loss'"},
        {WRONG_RANK, "'train_loss' has 1 axes, the grid 2"},
        {WRONG_TYPE, "'train_loss' is not numeric"},
        {HAS_NAN, "train_loss[2, 1] is nan"},
        {HAS_INF, "train_loss[2, 1] is inf"},
        {MARKER, "train_loss[2, 1] is -1"},
        {DECREASING, "xcoordinates[5] = 0 does not exceed the one before"},
        {SMALL_RANGE, "lies outside the file's coordinates on axis 0"},
        {SHAPE_MISMATCH, "'train_loss' has 6 points on axis 0, its coordinates xcoordinates 8"},
        {ONE_POINT, "'xcoordinates' has 1 values"},
        {COORD_RANK, "'ycoordinates' has 2 axes"},
        {NO_T, "no dataset 't'"},
        {T_DECREASING, "t[1] = 0.5 does not exceed the one before"},
        {T_LENGTH, "'t' has 3 times, 'train_loss' 2 rows"},
        {NO_LAYOUT, "neither an nnq output nor a loss-landscape surface file"},
    };
    static const char ini[] = "[run]\nsteps = 1\n[grid]\nn = 16, 12\nqmin = -3, -2.5\n"
                              "qmax = 3, 2.5\n[initial]\npreset = gaussian\n";
    static double V[16 * 12];
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        char path[300], set[400];
        snprintf(path, sizeof path, "%s/bad%02zu.h5", dir, k);
        write_bad(path, cases[k].b);
        snprintf(set, sizeof set, "potential.file=%s", path);
        const char *sets[] = {set};
        struct nnq_err err = {0};
        CHECK(potential(ini, sets, 1, 0, V, &err, NULL) == NNQ_ERR_CONFIG);
        CHECK_MSG(strstr(err.msg, path) && strstr(err.msg, cases[k].what), "case %zu: %s", k,
                  err.msg);
    }
    /* the coordinates' count must be the grid's dimension */
    const char *sets[] = {"potential.file=x.h5", "potential.dataset=v",
                          "potential.coordinates=a, b, c"};
    struct nnq_err err = {0};
    write_bad("x.h5", NO_LAYOUT);
    CHECK(potential(ini, sets, 3, 0, V, &err, NULL) == NNQ_ERR_CONFIG);
    CHECK_MSG(strstr(err.msg, "3 datasets for a 2-dimensional grid"), "%s", err.msg);
    remove("x.h5");
}

/* Each expression's field against its point-by-point values at times over [0, 20], with the
 * number of terms the split should find (-1: none, point by point). */
static void test_split(void) {
    static const struct {
        const char *text;
        int terms, tables; /* tables: of the compiled tree, where it does not split */
    } cases[] = {
        {"0.5*x^2*(1+0.1*sin(t))", 1, 0},
        {"0.5*x^2 - 0.3*sin(t)*x + 0.045*sin(t)^2 + 0.5*y^2", 1, 0},
        {"2e-3*t*x - 2E+1*y/(1+t) + cos(3*t)*x*y/2", 3, 0},
        {"-x^2*t + x*-t + 2^-t*y", 3, 0},
        {"1.5e-2*x - t/4 + hbar*mass*exp(-t)", 0, 0},
        {"L*(1 + 0.5*sin(2*t)) + 0.1*L*cos(t)*x", 2, 0},
        {"0.5*(x - 0.3*sin(t))^2 + y^2", 1, 0}, /* multiplied out: x*x, x*sin(t), sin(t)^2 */
        {"0.5*((x - 0.3*sin(t))^2 + (y + 0.2*cos(2*t)) ^ 2)", 2, 0},
        {"-(x - t)^3 + 1", 2, 0},                /* x^2 t and x t^2 */
        {"(x - t)^2/(1 + t^2) - 2*(x*t)", 2, 0}, /* x^2 / (1 + t^2) and x t (two merged) */
        {"sin(x - t)*y", -1, 0},
        {"0.5*(x - t)^5", -1, 0},
        {"(x - t)^2.5", -1, 0},
        {"0.5*x^2 + y^2", -1, 0}, /* static: not a field's concern */
        {"x*(y*t)", 1, 0},
        {"pi*x*sin(t) + e^2*t - e*y", 1, 0},
        {"exp(-(x - sin(t))^2 - y^2) + 0.5*(x^2 + y^2)", -1, 2}, /* y^2, 0.5*(x^2 + y^2) */
        {"exp(-L*t)*x + hbar*cos(mass*t*y)", -1, 1},             /* -L: unary minus binds first */
        {"LONG", -1, 4}, /* t and 70 factors (1 + x/100): more than a product holds; the
                          * compiled tree tabulates the first 4 */
    };
    char long_term[1024] = "0.5*t";
    for (int k = 0; k < 70; k++)
        strcat(long_term, "*(1+x/100)");
    struct nnq_grid *g = NULL;
    struct nnq_err err = {0};
    const long n[3] = {24, 20, 1};
    const double qmin[3] = {-3, -2, 0}, qmax[3] = {3, 2.5, 0};
    CHECK(nnq_grid_create(2, n, qmin, qmax, &g, &err) == NNQ_OK);
    const ptrdiff_t np = g->local_size;
    double *L = malloc(sizeof(double) * (size_t)np), *V = malloc(sizeof(double) * (size_t)np);
    for (ptrdiff_t i = 0; i < np; i++)
        L[i] = loss(g->q[0][i / n[1]], g->q[1][i % n[1]]);
    const struct nnq_expr_vars vars = {{NULL, NULL, NULL}, 1};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        struct nnq_expr *e = NULL;
        struct nnq_expr_field *fd = NULL;
        const char *text = strcmp(cases[c].text, "LONG") == 0 ? long_term : cases[c].text;
        CHECK(nnq_expr_create(text, 2, &vars, &e, &err) == NNQ_OK);
        CHECK(nnq_expr_field_create(e, g, 0.7, 1.3, L, &fd, &err) == NNQ_OK);
        CHECK_MSG(nnq_expr_field_terms(fd) == cases[c].terms, "%s: %d terms", cases[c].text,
                  nnq_expr_field_terms(fd));
        /* what an estimate counts (the text alone) is what the field holds */
        CHECK(nnq_expr_tables(e) == (cases[c].terms >= 0 ? cases[c].terms + 1 : cases[c].tables));
        CHECK_MSG(nnq_expr_field_compiled(fd) == (cases[c].terms < 0 && nnq_expr_uses_t(e)),
                  "%s: compiled %d", cases[c].text, nnq_expr_field_compiled(fd));
        double worst = 0;
        for (int k = 0; k <= 40; k++) {
            const double t = 0.5 * k + 0.013;
            nnq_expr_field_fill(fd, t, L, V);
            for (ptrdiff_t i = 0; i < np; i++) {
                const double q[3] = {g->q[0][i / n[1]], g->q[1][i % n[1]], 0};
                const double v = nnq_expr_eval(e, q, t, 0.7, 1.3, L[i]);
                worst = fmax(worst, fabs(V[i] - v) / (1 + fabs(v)));
            }
        }
        CHECK_MSG(worst <= 1e-14, "%s: relative difference %g", cases[c].text, worst);
        nnq_expr_field_destroy(fd);
        nnq_expr_destroy(e);
    }
    free(L);
    free(V);
    nnq_grid_destroy(g);

    /* a moving trap far from 0: multiplied out, its terms (5e11) cancel to V (0 .. 50) and
     * rounding would move its bottom; point by point there, split near 0 */
    for (int far = 0; far < 2; far++) {
        const long n1[3] = {256, 1, 1};
        const double lo[3] = {far ? 999990 : -10, 0, 0}, hi[3] = {far ? 1000010 : 10, 0, 0};
        const char *text = far ? "0.5*(x - 1e6 - sin(t))^2" : "0.5*(x - sin(t))^2";
        struct nnq_expr *e = NULL;
        struct nnq_expr_field *fd = NULL;
        double W[256];
        CHECK(nnq_grid_create(1, n1, lo, hi, &g, &err) == NNQ_OK);
        CHECK(nnq_expr_create(text, 1, NULL, &e, &err) == NNQ_OK);
        CHECK(nnq_expr_field_create(e, g, 1, 1, NULL, &fd, &err) == NNQ_OK);
        CHECK_MSG(nnq_expr_field_terms(fd) == (far ? -1 : 1), "%s: %d terms", text,
                  nnq_expr_field_terms(fd));
        double worst = 0;
        for (int k = 0; k <= 20; k++) {
            const double t = 0.37 * k;
            nnq_expr_field_fill(fd, t, NULL, W);
            for (int i = 0; i < 256; i++) {
                const double q[3] = {g->q[0][i], 0, 0};
                worst = fmax(worst, fabs(W[i] - nnq_expr_eval(e, q, t, 1, 1, 0)));
            }
        }
        CHECK_MSG(worst <= 1e-12 * 50, "%s: off by %g", text, worst);
        nnq_expr_field_destroy(fd);
        nnq_expr_destroy(e);
        nnq_grid_destroy(g);
    }

    /* nnq check's budget counts the tables: G0 and two G_k against the compiled tree's one
     * (y^2) */
    struct nnq_config cfg;
    struct nnq_estimate split, pointwise;
    static const char *const v_split[] = {"potential.V = 0.5*x^2*(1 + sin(t)) + cos(t)*x*y"};
    static const char *const v_point[] = {"potential.V = sin(x - t) + y^2"};
    static const char ini[] = "[run]\nsteps = 1\n[grid]\nn = 16, 16\nqmin = -4\nqmax = 4\n"
                              "[initial]\npreset = gaussian\n";
    CHECK(nnq_config_load_string(ini, "split", v_split, 1, &cfg, &err) == NNQ_OK);
    nnq_run_estimate(&cfg, 1, &split);
    CHECK(nnq_config_load_string(ini, "pointwise", v_point, 1, &cfg, &err) == NNQ_OK);
    nnq_run_estimate(&cfg, 1, &pointwise);
    CHECK_MSG(split.bytes_per_point == pointwise.bytes_per_point + 2 * sizeof(double),
              "%zu against %zu bytes per point", (size_t)split.bytes_per_point,
              (size_t)pointwise.bytes_per_point);
}

/* The splitter's limits at their edges: 8 terms f_k(t) G_k(q), 64 factors in a product, 256
 * products of one term multiplied out; one past each, the field is compiled instead, with
 * the same values. */
static void test_split_limits(void) {
    static char text[8192];
    struct nnq_grid *g = NULL;
    struct nnq_err err = {0};
    const long n[3] = {40, 1, 1};
    const double lo[3] = {-0.9, 0, 0}, hi[3] = {0.9, 0, 0};
    CHECK(nnq_grid_create(1, n, lo, hi, &g, &err) == NNQ_OK);
    for (int edge = 0; edge < 6; edge++) {
        const int past = edge % 2, kind = edge / 2;
        text[0] = '\0';
        if (kind == 0) /* terms: cos(k t) x^k, k = 1 .. 8 (+1) */
            for (int k = 1; k <= 8 + past; k++)
                snprintf(text + strlen(text), sizeof text - strlen(text), "%scos(%d*t)*x^%d",
                         k > 1 ? "+" : "", k, k);
        else if (kind == 1) { /* factors: t and 63 (+1) of (1 + x/100) */
            strcat(text, "t");
            for (int k = 0; k < 63 + past; k++)
                strcat(text, "*(1+x/100)");
        } else /* products: (x + x t)^4 (x + x t)^4 is 256 of them, one term x^8 */
            strcat(text, past ? "(x+x*t)^4*(x+x*t)^4*(x+x*t)" : "(x+x*t)^4*(x+x*t)^4");
        struct nnq_expr *e = NULL;
        struct nnq_expr_field *fd = NULL;
        CHECK(nnq_expr_create(text, 1, NULL, &e, &err) == NNQ_OK);
        CHECK(nnq_expr_field_create(e, g, 1, 1, NULL, &fd, &err) == NNQ_OK);
        const int want = past ? -1 : kind == 0 ? 8 : 1;
        CHECK_MSG(nnq_expr_field_terms(fd) == want && nnq_expr_field_compiled(fd) == past,
                  "limit %d%s: %d terms, compiled %d", kind, past ? " + 1" : "",
                  nnq_expr_field_terms(fd), nnq_expr_field_compiled(fd));
        double V[40], worst = 0;
        for (int k = 0; k < 4; k++) {
            const double t = 0.3 + 0.45 * k;
            nnq_expr_field_fill(fd, t, NULL, V);
            for (int i = 0; i < 40; i++) {
                const double q[3] = {g->q[0][i], 0, 0};
                const double v = nnq_expr_eval(e, q, t, 1, 1, 0);
                worst = fmax(worst, fabs(V[i] - v) / (1 + fabs(v)));
            }
        }
        CHECK_MSG(worst <= 1e-12, "limit %d%s: relative difference %g", kind, past ? " + 1" : "",
                  worst);
        nnq_expr_field_destroy(fd);
        nnq_expr_destroy(e);
    }
    nnq_grid_destroy(g);
}

/* The field of text on a 1D grid of 64 points in [-0.9, 0.9] against libmatheval at four
 * times: the largest difference in ulps of the value (0: bit for bit; NaN where both are NaN);
 * *compiled whether the field was compiled. */
static double compiled_ulps(const char *text, int *compiled) {
    struct nnq_grid *g = NULL;
    struct nnq_err err = {0};
    const long n[3] = {64, 1, 1};
    const double lo[3] = {-0.9, 0, 0}, hi[3] = {0.9, 0, 0};
    struct nnq_expr *e = NULL;
    struct nnq_expr_field *fd = NULL;
    double V[64], worst = 0;
    *compiled = -1;
    if (nnq_grid_create(1, n, lo, hi, &g, &err) != NNQ_OK ||
        nnq_expr_create(text, 1, NULL, &e, &err) != NNQ_OK ||
        nnq_expr_field_create(e, g, 0.7, 1.3, NULL, &fd, &err) != NNQ_OK)
        worst = INFINITY;
    else {
        *compiled = nnq_expr_field_compiled(fd);
        for (int k = 0; k < 4; k++) {
            const double t = 0.11 + 0.3 * k;
            nnq_expr_field_fill(fd, t, NULL, V);
            for (int i = 0; i < 64; i++) {
                const double q[3] = {g->q[0][i], 0, 0};
                const double v = nnq_expr_eval(e, q, t, 0.7, 1.3, 0);
                if (!(isnan(v) && isnan(V[i])) && V[i] != v)
                    worst = fmax(worst, fabs(V[i] - v) / (DBL_EPSILON * fmax(fabs(v), DBL_MIN)));
            }
        }
    }
    nnq_expr_field_destroy(fd);
    nnq_expr_destroy(e);
    nnq_grid_destroy(g);
    return worst;
}

/* A V(t) that does not split is compiled and evaluated a block of points at a time: every
 * function of libmatheval's gives libmatheval's value (bit for bit; exp, log, sin and cos
 * from libmvec's lanes within 4 ulp), and each of the compiler's limits holds at its edge and
 * falls back to libmatheval one past it, with the same values. */
static void test_compiled(void) {
    static const char *const functions[] = {
        "exp",   "log",   "sqrt",  "sin",  "cos",  "tan",   "cot",      "sec",
        "csc",   "asin",  "acos",  "atan", "acot", "asec",  "acsc",     "sinh",
        "cosh",  "tanh",  "coth",  "sech", "csch", "asinh", "acosh",    "atanh",
        "acoth", "asech", "acsch", "abs",  "step", "delta", "nandelta", "erf"};
    int known = 0;
    for (size_t f = 0; f < sizeof functions / sizeof functions[0]; f++) {
        char text[64];
        int compiled;
        snprintf(text, sizeof text, "%s(0.9*x - 0.2*t)", functions[f]);
        const double ulps = compiled_ulps(text, &compiled);
        if (compiled < 0)
            continue; /* not a function of this libmatheval's */
        known++;
        static const char simd[] = " exp log sin cos tan asin acos atan sinh cosh tanh erf ";
        char word[16];
        snprintf(word, sizeof word, " %s ", functions[f]);
        const int lanes = strstr(simd, word) != NULL;
        CHECK_MSG(compiled == 1 && ulps <= (lanes ? 4 : 0), "%s: compiled %d, %g ulp", text,
                  compiled, ulps);
    }
    CHECK_MSG(known >= 20, "%d of libmatheval's functions known", known);
    int compiled; /* a power other than 2: pow's lanes */
    CHECK_NEAR(compiled_ulps("(0.9*x - 0.2*t + 2)^2.5", &compiled), 0, 4);
    CHECK(compiled == 1);

    /* the program's stack: x*(x*(... *sin(x*t))) with k x's outside needs k + 2 blocks */
    char text[4096];
    for (int k = 14; k <= 15; k++) {
        text[0] = '\0';
        for (int i = 0; i < k; i++)
            strcat(text, "x*(");
        strcat(text, "sin(x*t)");
        for (int i = 0; i < k; i++)
            strcat(text, ")");
        /* sin's 4 ulp, and the 14 products' roundings of that */
        CHECK_NEAR(compiled_ulps(text, &compiled), 0, 16);
        CHECK_MSG(compiled == (k + 2 <= 16), "depth %d: compiled %d", k + 2, compiled);
    }
    /* functions that libmatheval evaluates for the program: 8 */
    static const char *const calls[] = {"cot",  "sec",  "csc",   "acot", "coth",
                                        "sech", "csch", "acoth", "asech"};
    for (int k = 8; k <= 9; k++) {
        text[0] = '\0';
        for (int i = 0; i < k; i++)
            snprintf(text + strlen(text), sizeof text - strlen(text), "%s%s(x - t)", i ? "+" : "",
                     calls[i]);
        CHECK_NEAR(compiled_ulps(text, &compiled), 0, 0);
        CHECK_MSG(compiled == (k <= 8), "%d calls: compiled %d", k, compiled);
    }
    /* per-fill scalars: 32 (one cos(k*t) a term) */
    for (int k = 32; k <= 33; k++) {
        text[0] = '\0';
        for (int i = 1; i <= k; i++)
            snprintf(text + strlen(text), sizeof text - strlen(text), "%sexp(x*cos(%d*t))",
                     i > 1 ? "+" : "", i);
        CHECK_NEAR(compiled_ulps(text, &compiled), 0, 16);
        CHECK_MSG(compiled == (k <= 32), "%d scalars: compiled %d", k, compiled);
    }
    /* a point's value does not depend on where its block starts (ranks and threads cut the
     * slab anywhere): the slab at once against pieces of 1, 3, 5, 7 ... points */
    {
        struct nnq_grid *g = NULL;
        struct nnq_err err = {0};
        const long n[3] = {37, 101, 1};
        const double lo[3] = {-3, -2, 0}, hi[3] = {3, 2, 0};
        CHECK(nnq_grid_create(2, n, lo, hi, &g, &err) == NNQ_OK);
        struct nnq_expr_node *tree =
            nnq_expr_tree_parse("exp(-(x - sin(t))^2 - y^2)*tan(0.3*y + t) + (2 + x^2)^(0.5 + t)");
        const struct nnq_expr_var vars[] = {
            {"x", NNQ_EXPR_AXIS0}, {"y", NNQ_EXPR_AXIS1}, {"t", NNQ_EXPR_TIME}};
        struct nnq_expr_block *b = NULL;
        CHECK(tree && nnq_expr_block_create(tree, vars, 3, g, 1, 1, NULL, 1, &b) == 1);
        const ptrdiff_t np = g->local_size;
        double *whole = malloc(sizeof(double) * (size_t)np),
               *pieces = malloc(sizeof(double) * (size_t)np);
        nnq_expr_block_eval(b, 0.7, NULL, 0, np, whole);
        for (ptrdiff_t i = 0, len = 1; i < np; i += len, len += 2)
            nnq_expr_block_eval(b, 0.7, NULL, i, len < np - i ? len : np - i, pieces + i);
        CHECK(memcmp(whole, pieces, sizeof(double) * (size_t)np) == 0);
        free(whole);
        free(pieces);
        nnq_expr_block_destroy(b);
        nnq_expr_tree_free(tree);
        nnq_grid_destroy(g);
    }
    /* tables: 4; a fifth part that depends on the point alone is computed at each fill */
    for (int k = 4; k <= 5; k++) {
        text[0] = '\0';
        for (int i = 1; i <= k; i++)
            snprintf(text + strlen(text), sizeof text - strlen(text), "%ssin(x - t)*(%d + x^2)",
                     i > 1 ? "+" : "", i);
        struct nnq_expr *e = NULL;
        struct nnq_err err = {0};
        CHECK(nnq_expr_create(text, 1, NULL, &e, &err) == NNQ_OK);
        CHECK(nnq_expr_tables(e) == 4);
        nnq_expr_destroy(e);
        CHECK_NEAR(compiled_ulps(text, &compiled), 0, 16);
        CHECK_MSG(compiled == 1, "%d tables: compiled %d", k, compiled);
    }
}

/* dV/dq_a at q by a 4th-order difference quotient of libmatheval's V (error ~1e-11 here). */
static double quotient(const struct nnq_expr *e, const double *q, int a, double t) {
    const double h = 1e-3;
    double p[4][3];
    for (int k = 0; k < 4; k++) {
        for (int b = 0; b < 3; b++)
            p[k][b] = q[b];
        p[k][a] += (k < 2 ? 1 : -1) * (k % 2 ? 2 : 1) * h;
    }
    double v[4];
    for (int k = 0; k < 4; k++)
        v[k] = nnq_expr_eval(e, p[k], t, 1.0, 1.0, 0.0);
    return (8 * (v[0] - v[2]) - (v[1] - v[3])) / (12 * h);
}

/* The largest |gradient - quotient| / (1 + |quotient|) of text over 200 points of the box
 * [lo, hi) and 3 times; -1 where the text has no gradient. */
static double gradient_error(const char *text, int dims, const struct nnq_expr_vars *vars,
                             const double *lo, const double *hi) {
    struct nnq_expr *e = NULL;
    struct nnq_err err = {0};
    if (nnq_expr_create(text, dims, vars, &e, &err) != NNQ_OK) {
        CHECK_MSG(0, "%s: %s", text, err.msg);
        return -1;
    }
    struct nnq_expr_gradient *gr = nnq_expr_gradient_create(e, lo, hi, 1.0, 1.0);
    double worst = gr ? 0.0 : -1.0;
    enum { P = 200 };
    double q[P * 3], grad[P * 3];
    for (int k = 0; k < P; k++)
        for (int a = 0; a < dims; a++)
            q[k * dims + a] =
                lo[a] + (hi[a] - lo[a]) * fmod(0.31 + 0.7548776662 * k * (a + 1), 1.0);
    for (int i = 0; gr && i < 3; i++) {
        const double t = 0.9 * i;
        nnq_expr_gradient_eval(gr, t, q, P, grad);
        for (int k = 0; k < P; k++) {
            double at[3] = {0, 0, 0};
            for (int a = 0; a < dims; a++)
                at[a] = q[k * dims + a];
            for (int a = 0; a < dims; a++) {
                const double want = quotient(e, at, a, t),
                             r = fabs(grad[k * dims + a] - want) / (1 + fabs(want));
                worst = isnan(r) ? INFINITY : fmax(worst, r);
            }
        }
    }
    nnq_expr_gradient_destroy(gr);
    nnq_expr_destroy(e);
    return worst;
}

/* The gradient off the grid (nnq_expr_gradient, nnq_potential_gradient): every function's
 * rule against difference quotients, on a box inside its domain; the product, quotient, power
 * and chain rules in 2D and 3D V(t)'s under every name of an axis; no gradient where V has a
 * jump or a spike in an axis, or L; the presets' against differences of their fill. */
static void test_gradient(void) {
    static const struct {
        const char *f;
        double lo, hi;
    } funs[] = {{"exp", -2, 2},    {"log", 0.3, 3},     {"sqrt", 0.3, 3},    {"sin", -3, 3},
                {"cos", -3, 3},    {"tan", -1.2, 1.2},  {"cot", 0.3, 2.5},   {"sec", -1.2, 1.2},
                {"csc", 0.3, 2.5}, {"asin", -0.8, 0.8}, {"acos", -0.8, 0.8}, {"atan", -3, 3},
                {"acot", 0.3, 3},  {"asec", 1.3, 3},    {"acsc", 1.3, 3},    {"sinh", -2, 2},
                {"cosh", -2, 2},   {"tanh", -2, 2},     {"coth", 0.3, 2},    {"sech", -2, 2},
                {"csch", 0.3, 2},  {"asinh", -3, 3},    {"acosh", 1.3, 3},   {"atanh", -0.8, 0.8},
                {"acoth", 1.3, 3}, {"asech", 0.2, 0.9}, {"acsch", 0.3, 3},   {"abs", 0.3, 3},
                {"abs", -3, -0.3}, {"erf", -2, 2}};
    for (size_t k = 0; k < sizeof funs / sizeof funs[0]; k++) {
        char text[64];
        snprintf(text, sizeof text, "2*%s(x)*(1+0.1*x^2)", funs[k].f);
        const double lo = funs[k].lo, hi = funs[k].hi;
        const double e = gradient_error(text, 1, NULL, &lo, &hi);
        printf("%s on [%g, %g]:\n", text, lo, hi);
        CHECK_MSG(e >= 0, "%s has no gradient", text);
        CHECK_NEAR(e, 0, 1e-8);
    }
    const double lo2[2] = {-3, -2.5}, hi2[2] = {3, 2.5};
    static const char *const two[] = {"0.5*(x^2+y^2)-exp(-(x-sin(t))^2-y^2)",
                                      "0.5*(x^2+y^2)+0.3*tanh(y-cos(t))*sqrt(1+x^2)",
                                      "q0*y/(1+x^2)-q1^3/(2+cos(t*x))+step(t-1)*x"};
    for (size_t k = 0; k < sizeof two / sizeof two[0]; k++) {
        const double e = gradient_error(two[k], 2, NULL, lo2, hi2);
        printf("%s:\n", two[k]);
        CHECK_MSG(e >= 0, "%s has no gradient", two[k]);
        CHECK_NEAR(e, 0, 1e-8);
    }
    const struct nnq_expr_vars names = {{"w1", "w2", "w3"}, 0};
    const double lo3[3] = {0.5, -1, -1}, hi3[3] = {2, 1, 1};
    const double e3 =
        gradient_error("w1^w2 + x^2.5*z - q2/w1 + hbar*y*exp(-t)", 3, &names, lo3, hi3);
    CHECK_MSG(e3 >= 0, "the 3D V has no gradient");
    CHECK_NEAR(e3, 0, 1e-8);
    static const char *const none[] = {"step(x)", "x^2+delta(x-1)", "nandelta(y)*x",
                                       "abs(x)+step(y-t)"};
    for (size_t k = 0; k < sizeof none / sizeof none[0]; k++)
        CHECK_MSG(gradient_error(none[k], 2, NULL, lo2, hi2) == -1, "%s has a gradient", none[k]);
    /* the derivative's size limit: a product of k factors x takes about k^2 nodes (the product
     * rule copies the factors before), 40000 for 200 */
    for (int k = 100; k <= 200; k += 100) {
        char text[1024] = "x";
        for (int i = 1; i < k; i++)
            strcat(text, "*x");
        struct nnq_expr_node *tree = nnq_expr_tree_parse(text), *d;
        const char *x[] = {"x"};
        CHECK(tree != NULL);
        d = nnq_expr_tree_derivative(tree, x, 1);
        CHECK_MSG(k == 100 ? d != NULL : d == NULL, "%d factors: %s", k, d ? "derived" : "none");
        nnq_expr_tree_free(d);
        nnq_expr_tree_free(tree);
    }
    struct nnq_expr *e = NULL;
    struct nnq_err err = {0};
    const struct nnq_expr_vars loss = {{NULL, NULL, NULL}, 1};
    CHECK(nnq_expr_create("L + x^2", 2, &loss, &e, &err) == NNQ_OK);
    CHECK(nnq_expr_gradient_create(e, lo2, hi2, 1, 1) == NULL);
    nnq_expr_destroy(e);

    /* presets: against 4th-order differences of V on a fine grid */
    static const char *const presets[] = {"preset = harmonic\nomega = 1.3, 0.7",
                                          "preset = double_well\nbarrier = 2\nwells = 1.2",
                                          "preset = lattice\ndepth = 1.5\nperiod = 1.1, 0.9"};
    for (size_t k = 0; k < sizeof presets / sizeof presets[0]; k++) {
        char ini[512];
        snprintf(ini, sizeof ini,
                 "[run]\nsteps = 1\n[grid]\nn = 512, 8\nqmin = -3, -2\nqmax = 3, 2\n"
                 "[initial]\npreset = gaussian\n[particle]\nmass = 1.7\n[potential]\n%s\n",
                 presets[k]);
        static struct nnq_config cfg;
        struct nnq_grid *g = NULL;
        struct nnq_potential *pot = NULL;
        CHECK(nnq_config_load_string(ini, "pot.ini", NULL, 0, &cfg, &err) == NNQ_OK);
        CHECK(nnq_grid_create(cfg.dims, cfg.n, cfg.qmin, cfg.qmax, &g, &err) == NNQ_OK);
        CHECK(nnq_potential_create(&cfg, g, &pot, &err) == NNQ_OK);
        double *V = malloc(sizeof(double) * (size_t)g->local_size);
        CHECK(nnq_potential_fill(pot, g, 0.0, V, &err) == NNQ_OK);
        CHECK(nnq_potential_gradient(pot, 0.0, NULL, 0, NULL) == 1);
        double worst = 0;
        const ptrdiff_t n1 = g->n[1];
        for (ptrdiff_t i = 2; i < g->n[0] - 2; i += 7) {
            const ptrdiff_t j = 3;
            const double q[2] = {g->q[0][i], g->q[1][j]};
            double grad[2];
            CHECK(nnq_potential_gradient(pot, 0.0, q, 1, grad) == 1);
            const double *c = V + i * n1 + j, h = g->dq[0];
            const double d0 = (8 * (c[n1] - c[-n1]) - (c[2 * n1] - c[-2 * n1])) / (12 * h);
            worst = fmax(worst, fabs(grad[0] - d0) / (1 + fabs(d0)));
        }
        printf("%s:\n", presets[k]);
        CHECK_NEAR(worst, 0, 1e-5);
        free(V);
        nnq_potential_destroy(pot);
        nnq_grid_destroy(g);
    }
}

int main(void) {
    check_tmpdir("nnq_test_potential", dir, sizeof dir);
    test_gradient();
    test_landscape();
    test_own_output();
    test_time_series();
    test_split();
    test_split_limits();
    test_compiled();
    test_malformed();
    return check_finish(dir);
}
