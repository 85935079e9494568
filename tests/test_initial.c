/*
 * test_initial.c - initial states and potentials: moments of gaussians and superpositions,
 * harmonic eigenstates (orthonormal, energy (n + 1/2) hbar omega per axis), the winding of an
 * imprinted vortex, expression states (F = P x gives momentum P), presets of the potential;
 * states from files ([initial] file): a run continued from another's final state ends bit for
 * bit where one run over both does; an nnq output on coarser grids resampled onto this one
 * converges at order 3; datasets p and F; bad snapshots, shapes and densities refused naming
 * the file and the dataset.
 */
#include <complex.h>
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "nnq/config.h"
#include "nnq/diagnostics.h"
#include "nnq/grid.h"
#include "nnq/initial.h"
#include "nnq/potential.h"
#include "nnq/run.h"
#include "nnq/schrodinger.h"

static char dir[256];

struct state {
    struct nnq_config cfg;
    struct nnq_grid *g;
    struct nnq_potential *pot;
    struct nnq_schrodinger *s;
    struct nnq_diag_row row;
};

static void open_state(struct state *st, const char *ini) {
    struct nnq_err err = {0};
    struct nnq_schrodinger_params par = {0};
    if (nnq_config_load_string(ini, "init.ini", NULL, 0, &st->cfg, &err) ||
        nnq_grid_create(st->cfg.dims, st->cfg.n, st->cfg.qmin, st->cfg.qmax, &st->g, &err) ||
        nnq_potential_create(&st->cfg, st->g, &st->pot, &err))
        goto fail;
    par = (struct nnq_schrodinger_params){st->cfg.hbar,
                                          st->cfg.particle_mass,
                                          st->cfg.run_dt,
                                          NNQ_INTEGRATOR_STRANG,
                                          0,
                                          NNQ_PLANNER_ESTIMATE,
                                          1,
                                          NULL};
    if (nnq_schrodinger_create(st->g, st->pot, &par, &st->s, &err) ||
        nnq_initial_fill(&st->cfg, st->g, NULL, nnq_schrodinger_psi(st->s), &err))
        goto fail;
    nnq_schrodinger_sample(st->s, 0, 0, &st->row);
    return;
fail:
    fprintf(stderr, "setup failed: %s\n", err.msg);
    exit(2);
}

static void close_state(struct state *st) {
    nnq_schrodinger_destroy(st->s);
    nnq_potential_destroy(st->pot);
    nnq_grid_destroy(st->g);
}

static void test_gaussian(void) {
    struct state st;
    open_state(&st, "[run]\nsteps = 1\n[grid]\nn = 128, 96\nqmin = -10\nqmax = 10\n"
                    "[network]\nmu = 0.5\n[particle]\nmass = 2\n"
                    "[initial]\npreset = gaussian\ncenter = 1.5, -2\nwidth = 0.8, 1.1\n"
                    "momentum = 0.4, -0.3\n");
    const double *v = st.row.value;
    CHECK_NEAR(v[NNQ_DIAG_norm], 1, 1e-13);
    CHECK_NEAR(v[NNQ_DIAG_q0_mean], 1.5, 1e-12);
    CHECK_NEAR(v[NNQ_DIAG_q1_mean], -2, 1e-12);
    CHECK_NEAR(v[NNQ_DIAG_q0_sq_mean] - 1.5 * 1.5, 0.8 * 0.8, 1e-12);
    CHECK_NEAR(v[NNQ_DIAG_q1_sq_mean] - 4, 1.1 * 1.1, 1e-9); /* box edge at 7.3 widths */
    /* <p^2>/2m = (P^2 + hbar^2 / 4 w^2) / 2m per axis, hbar = 0.5 */
    double ek = (0.16 + 0.25 / (4 * 0.64) + 0.09 + 0.25 / (4 * 1.21)) / 4;
    CHECK_NEAR(v[NNQ_DIAG_energy_kin], ek, 1e-12);
    close_state(&st);
}

static void test_superposition(void) {
    /* two far-apart packets with amplitudes 1 and 2: weights 1/5 and 4/5, up to their
     * overlap exp(-12^2 / 8) ~ 1.5e-8 */
    struct state st;
    open_state(&st, "[run]\nsteps = 1\n[grid]\nn = 512\nqmin = -20\nqmax = 20\n"
                    "[initial]\npreset = superposition\ncenter = -6, 6\nwidth = 1\n"
                    "momentum = 1, -1\namplitude = 1, 2\n");
    CHECK_NEAR(st.row.value[NNQ_DIAG_norm], 1, 1e-13);
    CHECK_NEAR(st.row.value[NNQ_DIAG_q0_mean], -6 * 0.2 + 6 * 0.8, 1e-7);
    close_state(&st);
}

static void test_eigenstates(void) {
    /* energies (n + 1/2) hbar omega, per axis; hbar = 0.6 */
    struct state st;
    open_state(&st, "[run]\nsteps = 1\n[grid]\nn = 128, 128\nqmin = -9\nqmax = 9\n"
                    "[network]\nepsilon = 0.6\n[particle]\nmass = 1.3\n"
                    "[potential]\npreset = harmonic\nomega = 1, 1.4\n"
                    "[initial]\npreset = eigenstate\nn = 3, 5\nnormalize = false\n");
    CHECK_NEAR(st.row.value[NNQ_DIAG_norm], 1, 1e-12); /* normalised by construction */
    CHECK_NEAR(st.row.value[NNQ_DIAG_energy], 0.6 * (3.5 * 1 + 5.5 * 1.4), 1e-10);
    close_state(&st);

    /* a high state stays accurate (stable recurrence) */
    open_state(&st, "[run]\nsteps = 1\n[grid]\nn = 512\nqmin = -16\nqmax = 16\n"
                    "[potential]\npreset = harmonic\n"
                    "[initial]\npreset = eigenstate\nn = 40\nnormalize = false\n");
    CHECK_NEAR(st.row.value[NNQ_DIAG_norm], 1, 1e-11);
    CHECK_NEAR(st.row.value[NNQ_DIAG_energy], 40.5, 1e-8);
    close_state(&st);
}

/* Winding of arg(psi) along the boundary of the box [i0, i1) x [j0, j1) of a 2D field. */
static double winding(const double complex *psi, int ny, int i0, int i1, int j0, int j1) {
    double total = 0;
    int n = 2 * (i1 - i0 + j1 - j0), path[4096][2], k = 0;
    for (int i = i0; i < i1; i++)
        path[k][0] = i, path[k++][1] = j0;
    for (int j = j0; j < j1; j++)
        path[k][0] = i1, path[k++][1] = j;
    for (int i = i1; i > i0; i--)
        path[k][0] = i, path[k++][1] = j1;
    for (int j = j1; j > j0; j--)
        path[k][0] = i0, path[k++][1] = j;
    for (k = 0; k < n; k++) {
        const int *a = path[k], *b = path[(k + 1) % n];
        total += carg(psi[b[0] * ny + b[1]] / psi[a[0] * ny + a[1]]);
    }
    return total / (2 * M_PI);
}

static void test_vortex(void) {
    struct state st;
    open_state(&st, "[run]\nsteps = 1\n[grid]\nn = 64, 64\nqmin = -8\nqmax = 8\n"
                    "[network]\nmu = 0.7\n"
                    "[initial]\npreset = vortex\nwidth = 3\nn = 2, -1\n"
                    "vortex_at = -2, 0, 3, 1\ncore = 0.5\n");
    const double complex *psi = nnq_schrodinger_psi(st.s);
    /* grid index of q: (q + 8) / 0.25; loops around each core and around both */
    CHECK_NEAR(winding(psi, 64, 16, 32, 24, 40), 2, 1e-9);  /* x in [-4, 0), y in [-2, 2) */
    CHECK_NEAR(winding(psi, 64, 38, 50, 30, 42), -1, 1e-9); /* x in [1.5, 4.5), y in [-0.5, 2.5) */
    CHECK_NEAR(winding(psi, 64, 8, 56, 8, 56), 1, 1e-9);
    CHECK_NEAR(winding(psi, 64, 40, 56, 40, 56), 0, 1e-9); /* no core inside */
    /* F = hbar arg(psi) = hbar n atan2 at a point on the axis left of the first core */
    CHECK_NEAR(carg(psi[(int)((-3.0 + 8) / 0.25) * 64 + 32]),
               remainder(2 * M_PI + -1 * atan2(-1.0, -6.0), 2 * M_PI), 1e-9);
    close_state(&st);
}

static void test_expression_state(void) {
    /* F = P x with P = 0.8: <p> = P, so <p^2>/2m = (P^2 + hbar^2/(4 w^2)) / 2m for a gaussian p */
    struct state st;
    open_state(&st, "[run]\nsteps = 1\n[grid]\nn = 256\nqmin = -12\nqmax = 12\n"
                    "[network]\nmu = 0.5\n"
                    "[initial]\np = exp(-(x-1)^2/(2*0.9^2))\nF = 0.8*x\n");
    CHECK_NEAR(st.row.value[NNQ_DIAG_norm], 1, 1e-13);
    CHECK_NEAR(st.row.value[NNQ_DIAG_q0_mean], 1, 1e-12);
    CHECK_NEAR(st.row.value[NNQ_DIAG_energy_kin], (0.64 + 0.25 / (4 * 0.81)) / 2, 1e-12);
    close_state(&st);
}

static void test_potentials(void) {
    struct state st;
    open_state(&st, "[run]\nsteps = 1\n[grid]\nn = 64, 32\nqmin = -4\nqmax = 4\n"
                    "[particle]\nmass = 2\n"
                    "[potential]\npreset = double_well\nbarrier = 3\nwells = 1.5\nomega = 9, 2\n"
                    "[initial]\npreset = gaussian\n");
    const double *V = nnq_schrodinger_potential(st.s);
    /* q = (-4 + 10 * 0.125, -4 + 20 * 0.25) = (-2.75, 1) */
    double s = -2.75 / 1.5;
    CHECK_NEAR(V[10 * 32 + 20], 3 * (s * s - 1) * (s * s - 1) + 0.5 * 2 * 4 * 1, 1e-12);
    close_state(&st);

    open_state(&st, "[run]\nsteps = 1\n[grid]\nn = 64\nqmin = -4\nqmax = 4\n"
                    "[potential]\npreset = lattice\ndepth = 2\nperiod = 1.5\n"
                    "[initial]\npreset = gaussian\n");
    V = nnq_schrodinger_potential(st.s);
    CHECK_NEAR(V[11], 2 * pow(sin(M_PI * (-4 + 11 * 0.125) / 1.5), 2), 1e-12);
    close_state(&st);
}

/* Runs text + sets into dir/name.h5. */
static enum nnq_status run_to(const char *name, const char *text, const char *const *sets,
                              int nsets) {
    static struct nnq_config cfg;
    struct nnq_err err = {0};
    char out[300];
    snprintf(out, sizeof out, "%s/%s.h5", dir, name);
    enum nnq_status rc = nnq_config_load_string(text, name, sets, nsets, &cfg, &err);
    struct nnq_run_options opt = {.output = out, .force = 1};
    struct nnq_summary sum;
    if (rc == NNQ_OK)
        rc = nnq_run(&cfg, &opt, &sum, &err);
    if (rc != NNQ_OK)
        fprintf(stderr, "%s: %s\n", name, err.msg);
    return rc;
}

/* The last snapshot of /schrodinger/psi in dir/name.h5 into psi (n values). */
static void last_psi(const char *name, double complex *psi, size_t n) {
    char path[300];
    snprintf(path, sizeof path, "%s/%s.h5", dir, name);
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT), d = H5Dopen2(f, "/schrodinger/psi", 0);
    hid_t sp = H5Dget_space(d);
    hsize_t dims[3];
    H5Sget_simple_extent_dims(sp, dims, NULL);
    hsize_t start[3] = {dims[0] - 1, 0, 0}, count[3] = {1, dims[1], dims[2]};
    H5Sselect_hyperslab(sp, H5S_SELECT_SET, start, NULL, count, NULL);
    hid_t mem = H5Screate_simple(3, count, NULL), t = H5Tcreate(H5T_COMPOUND, 16);
    H5Tinsert(t, "r", 0, H5T_NATIVE_DOUBLE);
    H5Tinsert(t, "i", 8, H5T_NATIVE_DOUBLE);
    CHECK(count[1] * count[2] == n && H5Dread(d, t, mem, sp, H5P_DEFAULT, psi) >= 0);
    H5Tclose(t);
    H5Sclose(mem);
    H5Sclose(sp);
    H5Dclose(d);
    H5Fclose(f);
}

static const char chain_ini[] =
    "[run]\ndt = 1e-3\nt_end = 0.8\ndiag_every = 50\nsnapshot_every = 200\nplanner = estimate\n"
    "[grid]\nn = 64, 48\nqmin = -8, -6\nqmax = 8, 6\n"
    "[potential]\nV = 0.5*x^2 + 0.3*y^2 + 0.1*x*y\n[madelung]\nenabled = false\n";

static void test_chain(void) {
    char set[400];
    const char *gauss[] = {"initial.preset=gaussian", "initial.center=1, -0.5",
                           "initial.momentum=0.3, 0.2"};
    CHECK(run_to("whole", chain_ini, gauss, 3) == NNQ_OK);
    const char *first[] = {gauss[0], gauss[1], gauss[2], "run.t_end=0.4"};
    CHECK(run_to("first", chain_ini, first, 4) == NNQ_OK);
    snprintf(set, sizeof set, "initial.file=%s/first.h5", dir);
    const char *second[] = {set, "run.t_end=0.4"};
    CHECK(run_to("second", chain_ini, second, 2) == NNQ_OK);
    static double complex a[64 * 48], b[64 * 48];
    last_psi("whole", a, 64 * 48);
    last_psi("second", b, 64 * 48);
    CHECK_MSG(memcmp(a, b, sizeof a) == 0, "a continued run differs from one run over both");

    /* an output written with fields = p holds no phase: refused (it started at energy 0.63
     * instead of about 5, F taken as 0) */
    const char *no_phase[] = {gauss[0], gauss[1], gauss[2], "run.t_end=0.4", "output.fields=p"};
    CHECK(run_to("p_only", chain_ini, no_phase, 5) == NNQ_OK);
    snprintf(set, sizeof set, "initial.file=%s/p_only.h5", dir);
    static struct nnq_config cfg;
    struct nnq_err err = {0};
    const char *from_p[] = {set};
    CHECK(nnq_config_load_string(chain_ini, "p.ini", from_p, 1, &cfg, &err) == NNQ_OK);
    char out[300];
    snprintf(out, sizeof out, "%s/from_p.h5", dir);
    struct nnq_run_options opt = {.output = out, .force = 1};
    struct nnq_summary sum;
    CHECK(nnq_run(&cfg, &opt, &sum, &err) == NNQ_ERR_CONFIG);
    CHECK_MSG(strstr(err.msg, "p_only.h5") && strstr(err.msg, "phase") &&
                  strstr(err.msg, "fields = psi"),
              "%s", err.msg);
}

/* Files of one state on 40^2, 80^2 and 160^2 points of the box [-9, 9) x [-7, 7) (the config
 * ini plus `make`), each read onto the grid of ini plus `read` (its initial.file appended):
 * the largest error of psi against exact(x, y) falls at order 3. With `wrap`, the grid's
 * points past each file's last point along axis 0 (x > 9 - 18 / size), across the box's
 * seam, are checked to have been read too. */
static void resampled_orders(const char *tag, const char *ini, const char **make, int nmake,
                             const char **read, int nread, double complex (*exact)(double, double),
                             int wrap) {
    double e[3];
    const int sizes[3] = {40, 80, 160};
    for (int k = 0; k < 3; k++) {
        char name[32], n[64], set[400];
        snprintf(name, sizeof name, "%s%d", tag, sizes[k]);
        snprintf(n, sizeof n, "grid.n=%d, %d", sizes[k], sizes[k]);
        make[0] = n;
        CHECK(run_to(name, ini, make, nmake) == NNQ_OK);
        snprintf(set, sizeof set, "initial.file=%s/%s.h5", dir, name);
        read[nread - 1] = set;
        struct nnq_err err = {0};
        static struct nnq_config cfg;
        struct nnq_grid *g = NULL;
        CHECK(nnq_config_load_string(ini, "r.ini", read, nread, &cfg, &err) == NNQ_OK);
        CHECK(nnq_grid_create(cfg.dims, cfg.n, cfg.qmin, cfg.qmax, &g, &err) == NNQ_OK);
        double complex *psi = malloc(sizeof(double complex) * (size_t)g->local_size);
        CHECK_MSG(nnq_initial_fill(&cfg, g, NULL, psi, &err) == NNQ_OK, "%s", err.msg);
        double worst = 0, seam = 0;
        for (ptrdiff_t i = 0; i < g->n[0]; i++)
            for (ptrdiff_t j = 0; j < g->n[1]; j++) {
                const double x = g->q[0][i];
                const double d = cabs(psi[i * g->n[1] + j] - exact(x, g->q[1][j]));
                worst = fmax(worst, d);
                if (x > 9 - 18.0 / sizes[k])
                    seam = fmax(seam, d);
            }
        printf("%s: a file on %d^2 points onto %td x %td: error %.3e, past its last point %.3e\n",
               tag, sizes[k], g->n[0], g->n[1], worst, seam);
        CHECK(!wrap || seam > 0);
        e[k] = worst;
        free(psi);
        nnq_grid_destroy(g);
    }
    CHECK_ORDER(e[0], e[1], 2.6, 4.2);
    CHECK_ORDER(e[1], e[2], 2.6, 4.2);
}

static double complex gaussian(double x, double y) {
    x -= 0.3;
    y += 0.2;
    return exp(-(x * x + y * y) / 4) / sqrt(2 * M_PI) * cexp(I * 0.5 * x);
}

/* A Gaussian of width 1 at c, momentum P = 0.5 along axis 0, read onto 96 x 72 over [-8, 8) x
 * [-6, 6) (inside the files' points). */
static void test_resampled(void) {
    static const char ini[] = "[run]\nsteps = 1\nplanner = estimate\n"
                              "[grid]\nqmin = -9, -7\nqmax = 9, 7\n[madelung]\nenabled = false\n";
    const char *make[] = {"", "initial.preset=gaussian", "initial.center=0.3, -0.2",
                          "initial.momentum=0.5, 0", "run.snapshot_every=0"};
    const char *read[] = {"grid.n=96, 72", "grid.qmin=-8, -6", "grid.qmax=8, 6",
                          "initial.snapshot=0", ""};
    resampled_orders("coarse", ini, make, 5, read, 5, gaussian, 0);
}

static double complex seam_state(double x, double y) {
    return exp(cos(2 * M_PI * (x - 9) / 18) + 0.5 * cos(2 * M_PI * y / 14)) *
           cexp(I * 2 * M_PI * x / 18);
}

/* A state periodic on the box and largest at its seam (x = +-9), read onto 192 x 160 points of
 * the same box: the grid's points past each file's last point lie across the seam, where the
 * file wraps (a finer grid on the box could not start from an nnq output before). */
static void test_resampled_periodic(void) {
    static const char ini[] = "[run]\nsteps = 1\nplanner = estimate\n"
                              "[grid]\nqmin = -9, -7\nqmax = 9, 7\n[madelung]\nenabled = false\n"
                              "[initial]\nnormalize = false\n";
    const char *make[] = {"", "run.snapshot_every=0",
                          "initial.p=exp(2*cos(2*pi*(x - 9)/18) + cos(2*pi*y/14))",
                          "initial.F=2*pi*x/18"};
    const char *read[] = {"grid.n=192, 160", "initial.snapshot=0", ""};
    resampled_orders("seam", ini, make, 4, read, 3, seam_state, 1);
}

/* Datasets p and F on q0 (1D), and errors that name file and dataset. */
static void test_datasets(void) {
    char path[300], set[400];
    snprintf(path, sizeof path, "%s/pf.h5", dir);
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    double q[64], p[64], F[64];
    for (int i = 0; i < 64; i++) {
        q[i] = -6 + 12.0 * i / 64;
        p[i] = exp(-q[i] * q[i] / 2) / sqrt(2 * M_PI);
        F[i] = 0.7 * q[i];
    }
    hsize_t n = 64;
    const char *names[3] = {"q0", "p", "F"};
    const double *data[3] = {q, p, F};
    for (int k = 0; k < 3; k++) {
        hid_t sp = H5Screate_simple(1, &n, NULL);
        hid_t d =
            H5Dcreate2(f, names[k], H5T_IEEE_F64LE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, data[k]);
        H5Dclose(d);
        H5Sclose(sp);
    }
    H5Fclose(f);
    static const char ini[] = "[run]\nsteps = 1\n[grid]\nn = 64\nqmin = -6\nqmax = 6\n";
    snprintf(set, sizeof set, "initial.file=%s", path);
    const char *sets[] = {set};
    static struct nnq_config cfg;
    struct nnq_err err = {0};
    struct nnq_grid *g = NULL;
    CHECK(nnq_config_load_string(ini, "pf.ini", sets, 1, &cfg, &err) == NNQ_OK);
    CHECK(nnq_grid_create(cfg.dims, cfg.n, cfg.qmin, cfg.qmax, &g, &err) == NNQ_OK);
    double complex psi[64];
    CHECK(nnq_initial_fill(&cfg, g, NULL, psi, &err) == NNQ_OK);
    double worst = 0;
    for (int i = 0; i < 64; i++)
        worst = fmax(worst, cabs(psi[i] - sqrt(p[i]) * cexp(I * 0.7 * q[i])));
    CHECK_NEAR(worst, 0, 1e-15);
    nnq_grid_destroy(g);

    /* errors */
    char whole[400], bad_snap[400];
    snprintf(whole, sizeof whole, "initial.file=%s/whole.h5", dir);
    snprintf(bad_snap, sizeof bad_snap, "%s", "initial.snapshot=9");
    const char *snap[] = {whole, bad_snap};
    CHECK(run_to("err1", chain_ini, snap, 2) == NNQ_ERR_CONFIG);
    const char *dims[] = {set}; /* a 1D file for a 2D grid */
    CHECK(run_to("err2", chain_ini, dims, 1) == NNQ_ERR_CONFIG);
    const char *both[] = {set, "initial.p=1"};
    struct nnq_config c2;
    CHECK(nnq_config_load_string(chain_ini, "b.ini", both, 2, &c2, &err) == NNQ_ERR_CONFIG);
    CHECK_MSG(strstr(err.msg, "give [initial] file or the expressions p and F, not both"), "%s",
              err.msg);
}

int main(void) {
    check_tmpdir("nnq_test_initial", dir, sizeof dir);
    test_chain();
    test_resampled();
    test_resampled_periodic();
    test_datasets();
    test_gaussian();
    test_superposition();
    test_eigenstates();
    test_vortex();
    test_expression_state();
    test_potentials();
    return check_finish(dir);
}
