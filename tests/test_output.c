/*
 * test_output.c - the HDF5 file has the documented layout (docs/output.md), read back through
 * the HDF5 API: root attributes, grid, potential, snapshots, psi as compound {r, i}, p and F
 * consistent with psi, diagnostics columns; a run stopped early leaves a valid, incomplete file.
 */
#include <complex.h>
#include <hdf5.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "nnq/config.h"
#include "nnq/output_h5.h"
#include "nnq/run.h"
#include "same_dataset.h"

static char dir[256];

static int run_config(const char *ini, const char *const *sets, int nsets, const char *out,
                      const volatile sig_atomic_t *stop, struct nnq_config *cfg,
                      struct nnq_summary *sum) {
    struct nnq_err err = {0};
    if (nnq_config_load_string(ini, "out.ini", sets, nsets, cfg, &err)) {
        fprintf(stderr, "config: %s\n", err.msg);
        exit(2);
    }
    struct nnq_run_options opt = {.output = out, .force = 1, .stop = stop};
    enum nnq_status rc = nnq_run(cfg, &opt, sum, &err);
    if (rc != NNQ_OK)
        printf("run ended: %s\n", err.msg);
    return (int)rc;
}

static double attr_double(hid_t f, const char *name) {
    double v = NAN;
    hid_t a = H5Aopen(f, name, H5P_DEFAULT);
    if (a >= 0) {
        H5Aread(a, H5T_NATIVE_DOUBLE, &v);
        H5Aclose(a);
    }
    return v;
}

static int attr_int(hid_t f, const char *name) {
    int v = -999;
    hid_t a = H5Aopen(f, name, H5P_DEFAULT);
    if (a >= 0) {
        H5Aread(a, H5T_NATIVE_INT, &v);
        H5Aclose(a);
    }
    return v;
}

/* Variable-length string attribute into buf ("" if absent). */
static void attr_string(hid_t f, const char *name, char *buf, size_t size) {
    buf[0] = '\0';
    hid_t a = H5Aopen(f, name, H5P_DEFAULT);
    if (a < 0)
        return;
    hid_t t = H5Aget_type(a);
    char *s = NULL;
    if (H5Tis_variable_str(t) > 0 && H5Aread(a, t, &s) >= 0 && s) {
        snprintf(buf, size, "%s", s);
        H5free_memory(s);
    }
    H5Tclose(t);
    H5Aclose(a);
}

/* Rank and shape of a dataset; -1 if it does not exist. */
static int shape_of(hid_t f, const char *path, hsize_t *dims) {
    if (H5Lexists(f, path, H5P_DEFAULT) <= 0)
        return -1;
    hid_t d = H5Dopen2(f, path, H5P_DEFAULT);
    hid_t s = H5Dget_space(d);
    int rank = H5Sget_simple_extent_dims(s, dims, NULL);
    H5Sclose(s);
    H5Dclose(d);
    return rank;
}

static void read_all(hid_t f, const char *path, hid_t mem_type, void *buf) {
    hid_t d = H5Dopen2(f, path, H5P_DEFAULT);
    H5Dread(d, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
    H5Dclose(d);
}

static const char ini2d[] = "[run]\nname = layout\nsteps = 50\ndt = 0.01\nsnapshot_every = 20\n"
                            "diag_every = 10\n"
                            "[grid]\nn = 32, 16\nqmin = -6, -4\nqmax = 6, 4\n"
                            "[network]\nmu = 0.5\nepsilon = 2\n"
                            "[particle]\nmass = 1.5\n"
                            "[potential]\npreset = harmonic\nomega = 1, 2\n"
                            "[initial]\npreset = gaussian\ncenter = 1, 0\nmomentum = 0.3, 0\n"
                            "[madelung]\nenabled = false\n";

static void test_layout(void) {
    char path[300];
    snprintf(path, sizeof path, "%s/layout.h5", dir);
    static const char *const sets[] = {"network.mu = 0.75"};
    struct nnq_config cfg;
    struct nnq_summary sum;
    CHECK(run_config(ini2d, sets, 1, path, NULL, &cfg, &sum) == NNQ_OK);

    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    CHECK(f >= 0);
    char text[8192];
    attr_string(f, "nnq_version", text, sizeof text);
    CHECK(strcmp(text, NNQ_VERSION) == 0);
    attr_string(f, "config", text, sizeof text);
    CHECK_MSG(strstr(text, "[network]\nmu = 0.75\nepsilon = 2\n") != NULL, "config: %s", text);
    CHECK(strstr(text, "[grid]\nn = 32, 16\n") != NULL);
    attr_string(f, "created", text, sizeof text);
    CHECK(strlen(text) == 20 && text[10] == 'T');
    CHECK_NEAR(attr_double(f, "hbar"), 1.5, 1e-15);
    CHECK_NEAR(attr_double(f, "mass"), 1.5, 0);
    CHECK(attr_int(f, "dims") == 2);
    CHECK(attr_int(f, "completed") == 1);

    /* the stored config reloads to the same run */
    attr_string(f, "config", text, sizeof text);
    struct nnq_config again;
    struct nnq_err err = {0};
    CHECK(nnq_config_load_string(text, "stored", NULL, 0, &again, &err) == NNQ_OK);
    CHECK(again.hbar == cfg.hbar && again.steps == cfg.steps && again.n[1] == 16);

    hsize_t dims[4];
    CHECK(shape_of(f, "/grid/q0", dims) == 1 && dims[0] == 32);
    CHECK(shape_of(f, "/grid/q1", dims) == 1 && dims[0] == 16);
    CHECK(shape_of(f, "/grid/q2", dims) == -1);
    double q1[16];
    read_all(f, "/grid/q1", H5T_NATIVE_DOUBLE, q1);
    CHECK_NEAR(q1[0], -4, 0);
    CHECK_NEAR(q1[15], -4 + 15 * 0.5, 1e-15);

    CHECK(shape_of(f, "/potential/V", dims) == 2 && dims[0] == 32 && dims[1] == 16);
    static double V[32 * 16];
    read_all(f, "/potential/V", H5T_NATIVE_DOUBLE, V);
    /* V at q = (qmin0 + 3 dq0, qmin1 + 5 dq1) = (-4.875, -1.5) */
    double x = -6 + 3 * 12.0 / 32, y = -4 + 5 * 0.5;
    CHECK_NEAR(V[3 * 16 + 5], 0.5 * 1.5 * (x * x + 4 * y * y), 1e-12);

    /* snapshots at steps 0, 20, 40 and the final 50 */
    CHECK(shape_of(f, "/snapshots/t", dims) == 1 && dims[0] == 4);
    long long steps[4];
    double t[4];
    read_all(f, "/snapshots/step", H5T_NATIVE_LLONG, steps);
    read_all(f, "/snapshots/t", H5T_NATIVE_DOUBLE, t);
    CHECK(steps[0] == 0 && steps[1] == 20 && steps[2] == 40 && steps[3] == 50);
    CHECK_NEAR(t[3], 0.5, 1e-15);
    CHECK(sum.snapshots == 4);

    CHECK(shape_of(f, "/schrodinger/p", dims) == 3 && dims[0] == 4 && dims[1] == 32 &&
          dims[2] == 16);
    CHECK(shape_of(f, "/schrodinger/F", dims) == 3 && dims[0] == 4);
    CHECK(shape_of(f, "/schrodinger/psi", dims) == 3 && dims[0] == 4);
    hid_t d = H5Dopen2(f, "/schrodinger/psi", H5P_DEFAULT);
    hid_t type = H5Dget_type(d);
    CHECK(H5Tget_class(type) == H5T_COMPOUND && H5Tget_nmembers(type) == 2);
    char *m0 = H5Tget_member_name(type, 0), *m1 = H5Tget_member_name(type, 1);
    CHECK(strcmp(m0, "r") == 0 && strcmp(m1, "i") == 0);
    H5free_memory(m0);
    H5free_memory(m1);
    H5Tclose(type);
    H5Dclose(d);

    static double complex psi[4 * 32 * 16];
    static double p[4 * 32 * 16], F[4 * 32 * 16];
    hid_t ctype = H5Tcreate(H5T_COMPOUND, sizeof(double complex));
    H5Tinsert(ctype, "r", 0, H5T_NATIVE_DOUBLE);
    H5Tinsert(ctype, "i", sizeof(double), H5T_NATIVE_DOUBLE);
    read_all(f, "/schrodinger/psi", ctype, psi);
    H5Tclose(ctype);
    read_all(f, "/schrodinger/p", H5T_NATIVE_DOUBLE, p);
    read_all(f, "/schrodinger/F", H5T_NATIVE_DOUBLE, F);
    double worst_p = 0, worst_F = 0, norm0 = 0;
    for (int i = 0; i < 4 * 32 * 16; i++) {
        double a = cabs(psi[i]);
        worst_p = fmax(worst_p, fabs(p[i] - a * a));
        if (a > 1e-3)
            worst_F = fmax(worst_F, fabs(F[i] - 1.5 * carg(psi[i])));
        if (i < 32 * 16)
            norm0 += p[i] * (12.0 / 32) * 0.5;
    }
    CHECK_NEAR(worst_p, 0, 1e-15);
    CHECK_NEAR(worst_F, 0, 1e-14);
    CHECK_NEAR(norm0, 1, 1e-12);

    /* diagnostics: rows at 0, 10, ..., 50; q2 columns absent in 2D */
    static const char *const cols[] = {"t",          "step",       "norm",    "energy",
                                       "energy_kin", "energy_pot", "q0_mean", "q0_sq_mean",
                                       "q1_mean",    "q1_sq_mean"};
    for (size_t c = 0; c < sizeof cols / sizeof cols[0]; c++) {
        char name[64];
        snprintf(name, sizeof name, "/diagnostics/%s", cols[c]);
        CHECK_MSG(shape_of(f, name, dims) == 1 && dims[0] == 6, "%s", name);
    }
    CHECK(shape_of(f, "/diagnostics/q2_mean", dims) == -1);
    double norm[6], energy[6];
    read_all(f, "/diagnostics/norm", H5T_NATIVE_DOUBLE, norm);
    read_all(f, "/diagnostics/energy", H5T_NATIVE_DOUBLE, energy);
    CHECK_NEAR(norm[5], 1, 1e-13);
    CHECK_NEAR(energy[5], energy[0], 1e-4 * energy[0]); /* strang, dt omega = 0.02 */
    CHECK(H5Lexists(f, "/madelung", H5P_DEFAULT) == 0);
    H5Fclose(f);
}

/* The XDMF sidecar: well formed enough to count, one grid per snapshot with its time,
 * pointing at datasets that exist with the shapes it states. */
static void test_xdmf(void) {
    char xmf[300];
    snprintf(xmf, sizeof xmf, "%s/layout.xmf", dir);
    FILE *f = fopen(xmf, "r");
    CHECK(f != NULL);
    if (!f)
        return;
    static char text[1 << 16];
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    int grids = 0, attrs = 0;
    for (const char *p = text; (p = strstr(p, "<Time Value=")); p++)
        grids++;
    for (const char *p = text; (p = strstr(p, "<Attribute ")); p++)
        attrs++;
    CHECK(grids == 4);     /* the snapshots at steps 0, 20, 40, 50 */
    CHECK(attrs == 4 * 2); /* p_S, F_S (no Madelung in this run) */
    CHECK(strstr(text, "<Time Value=\"0.5\"/>") != NULL);
    CHECK(strstr(text, "TopologyType=\"3DCoRectMesh\" Dimensions=\"1 32 16\"") != NULL);
    CHECK(strstr(text, "<DataItem Dimensions=\"3\" Format=\"XML\">0 -6 -4</DataItem>") != NULL);
    CHECK(strstr(text, "<DataItem Dimensions=\"3\" Format=\"XML\">1 0.375 0.5</DataItem>") != NULL);
    CHECK(strstr(text, "Dimensions=\"4 32 16\" NumberType=\"Float\" Precision=\"8\" "
                       "Format=\"HDF\">layout.h5:/schrodinger/p</DataItem>") != NULL);
    CHECK(
        strstr(text, "<DataItem Dimensions=\"3 3\" Format=\"XML\">3 0 0 1 1 1 1 32 16</DataItem>"));
    CHECK(strstr(text, "</Xdmf>") != NULL);

    /* a snapshot every step: the sidecar grows by appending (a rewrite per snapshot made 4000
     * snapshots take 77 s), and at the close every entry names the final extent */
    static const char many[] =
        "[run]\nname = many\nsteps = 200\ndt = 1e-3\nsnapshot_every = 1\n"
        "[grid]\nn = 32\nqmin = -8\nqmax = 8\n[potential]\npreset = harmonic\n"
        "[initial]\npreset = gaussian\n[madelung]\nenabled = false\n"
        "[output]\nfields = p\n";
    char h5[300];
    snprintf(h5, sizeof h5, "%s/many.h5", dir);
    struct nnq_config cfg;
    struct nnq_summary sum;
    CHECK(run_config(many, NULL, 0, h5, NULL, &cfg, &sum) == NNQ_OK);
    snprintf(xmf, sizeof xmf, "%s/many.xmf", dir);
    f = fopen(xmf, "r");
    static char big[1 << 20];
    n = f ? fread(big, 1, sizeof big - 1, f) : 0;
    if (f)
        fclose(f);
    big[n] = '\0';
    int times = 0, final = 0, items = 0;
    for (const char *p = big; (p = strstr(p, "<Time Value=")); p++)
        times++;
    for (const char *p = big; (p = strstr(p, "Format=\"HDF\"")); p++)
        items++;
    for (const char *p = big; (p = strstr(p, "Dimensions=\"201 32\" NumberType")); p++)
        final++;
    CHECK_MSG(times == 201 && items == 201 && final == 201 && strstr(big, "</Xdmf>"),
              "%d grids, %d HDF items, %d with the final extent", times, items, final);
}

static void test_options(void) {
    /* single precision, p only, compressed: types follow [output] */
    char path[300];
    snprintf(path, sizeof path, "%s/single.h5", dir);
    static const char *const sets[] = {"output.precision = single", "output.fields = p",
                                       "output.compress = 4", "madelung.enabled = true"};
    struct nnq_config cfg;
    struct nnq_summary sum;
    CHECK(run_config(ini2d, sets, 4, path, NULL, &cfg, &sum) == NNQ_OK);
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    hid_t d = H5Dopen2(f, "/schrodinger/p", H5P_DEFAULT);
    hid_t t = H5Dget_type(d);
    CHECK(H5Tget_class(t) == H5T_FLOAT && H5Tget_size(t) == 4);
    hid_t plist = H5Dget_create_plist(d);
    /* shuffle + deflate, then the checksum of what is stored */
    CHECK(H5Pget_nfilters(plist) == 3);
    unsigned flags;
    size_t nelmts = 0;
    char fname[32];
    CHECK(H5Pget_filter2(plist, 2, &flags, &nelmts, NULL, sizeof fname, fname, NULL) ==
          H5Z_FILTER_FLETCHER32);
    H5Pclose(plist);
    H5Tclose(t);
    H5Dclose(d);
    CHECK(H5Lexists(f, "/schrodinger/psi", H5P_DEFAULT) == 0);
    CHECK(H5Lexists(f, "/schrodinger/F", H5P_DEFAULT) == 0);
    /* the selection holds for the Madelung fields too */
    CHECK(H5Lexists(f, "/madelung/p", H5P_DEFAULT) > 0);
    CHECK(H5Lexists(f, "/madelung/F", H5P_DEFAULT) == 0);
    CHECK(H5Lexists(f, "/madelung/j", H5P_DEFAULT) == 0);
    H5Fclose(f);
}

static void test_stopped(void) {
    /* a stop request mid-run: status 130, a valid file marked incomplete with every snapshot
     * written so far */
    char path[300];
    snprintf(path, sizeof path, "%s/stopped.h5", dir);
    static volatile sig_atomic_t stop = 1;
    struct nnq_config cfg;
    struct nnq_summary sum;
    static const char *const sets[] = {"run.steps = 100000"};
    CHECK(run_config(ini2d, sets, 1, path, &stop, &cfg, &sum) == NNQ_ERR_INTERRUPTED);
    CHECK(sum.steps_done > 0 && sum.steps_done < 100000);
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    CHECK(f >= 0);
    CHECK(attr_int(f, "completed") == 0);
    hsize_t dims[4];
    CHECK(shape_of(f, "/snapshots/t", dims) == 1 && dims[0] == 2); /* initial + at the stop */
    long long steps[2];
    read_all(f, "/snapshots/step", H5T_NATIVE_LLONG, steps);
    CHECK(steps[1] == sum.steps_done);
    H5Fclose(f);
}

/* A run stopped after its first chunk, then resumed from the checkpoint the stop wrote, ends
 * bit for bit as the same run never stopped: fields, Madelung state, every diagnostics row;
 * with either form of the Madelung description (`form`: NULL, the default, or "potential"). */
static void test_resume_form(const char *form) {
    static const char ini[] = "[run]\nname = resume\nsteps = 300\ndt = 2e-3\nsnapshot_every = 100\n"
                              "diag_every = 25\nplanner = estimate\n"
                              "[grid]\nn = 48, 32\nqmin = -6\nqmax = 6\n"
                              "[potential]\npreset = harmonic\n"
                              "[initial]\npreset = gaussian\ncenter = 1, 0\nmomentum = 0.3, 0.4\n";
    char whole[300], parts[300];
    snprintf(whole, sizeof whole, "%s/whole.h5", dir);
    snprintf(parts, sizeof parts, "%s/parts.h5", dir);
    char set[64];
    snprintf(set, sizeof set, "madelung.form = %s", form ? form : "momentum");
    const char *sets[1] = {set};
    struct nnq_config cfg;
    struct nnq_summary sum, sum2;
    CHECK(run_config(ini, sets, 1, whole, NULL, &cfg, &sum) == NNQ_OK);
    static volatile sig_atomic_t stop = 1;
    CHECK(run_config(ini, sets, 1, parts, &stop, &cfg, &sum2) == NNQ_ERR_INTERRUPTED);
    CHECK(sum2.steps_done == 25); /* stopped at the first row */

    char text[8192];
    struct nnq_err err = {0};
    CHECK(nnq_output_read_config(parts, text, sizeof text, &err) == NNQ_OK);
    struct nnq_config stored;
    CHECK(nnq_config_load_string(text, parts, NULL, 0, &stored, &err) == NNQ_OK);
    struct nnq_run_options opt = {.resume = parts};
    CHECK(nnq_run(&stored, &opt, &sum2, &err) == NNQ_OK);
    static const char *const dsets[] = {"/schrodinger/psi",
                                        "/schrodinger/p",
                                        "/madelung/p",
                                        "/madelung/j",
                                        "/madelung/F",
                                        "/snapshots/step",
                                        "/diagnostics/t",
                                        "/diagnostics/energy",
                                        "/diagnostics/div_p_l1",
                                        "/diagnostics/infidelity",
                                        "/diagnostics/madelung_substeps"};
    for (size_t k = 0; k < sizeof dsets / sizeof dsets[0]; k++)
        CHECK_MSG(same_dataset(whole, parts, dsets[k]), "%s differs after resume (%s form)",
                  dsets[k], form ? form : "momentum");
    CHECK(sum2.max_norm_drift == sum.max_norm_drift && sum2.div_before[0] == sum.div_before[0] &&
          sum2.snapshots == sum.snapshots);

    if (form)
        return;
    /* a completed run, or a file that is not nnq's, cannot be resumed */
    CHECK(nnq_output_read_config(whole, text, sizeof text, &err) == NNQ_ERR_CONFIG &&
          strstr(err.msg, "already completed"));
}

static void test_resume(void) {
    test_resume_form(NULL);
    test_resume_form("potential");
}

/* Writes value into element idx of /checkpoint/madelung of the file at path. */
static void spoil_dataset(const char *path, const char *name, hsize_t idx, double value) {
    hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    hid_t d = H5Dopen2(f, name, H5P_DEFAULT);
    hid_t fs = H5Dget_space(d);
    hsize_t one = 1;
    hid_t ms = H5Screate_simple(1, &one, NULL);
    H5Sselect_hyperslab(fs, H5S_SELECT_SET, &idx, NULL, &one, NULL);
    CHECK(H5Dwrite(d, H5T_NATIVE_DOUBLE, ms, fs, H5P_DEFAULT, &value) >= 0);
    H5Sclose(ms);
    H5Sclose(fs);
    H5Dclose(d);
    H5Fclose(f);
}

static void spoil_checkpoint(const char *path, hsize_t idx, double value) {
    spoil_dataset(path, "/checkpoint/madelung", idx, value);
}

/* Resumes the run at path (its stored config); stop: stop at the next row. */
static enum nnq_status resume_run(const char *path, const volatile sig_atomic_t *stop,
                                  struct nnq_summary *sum, struct nnq_err *err) {
    char text[8192];
    struct nnq_config stored;
    if (nnq_output_read_config(path, text, sizeof text, err) != NNQ_OK ||
        nnq_config_load_string(text, path, NULL, 0, &stored, err) != NNQ_OK)
        return err->code;
    struct nnq_run_options opt = {.resume = path, .stop = stop};
    return nnq_run(&stored, &opt, sum, err);
}

/* Column name of the file at path into v (at most n rows); returns the rows. */
static hsize_t read_column(const char *path, const char *name, double *v, hsize_t n) {
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    hid_t d = H5Dopen2(f, name, H5P_DEFAULT);
    hid_t sp = H5Dget_space(d);
    hsize_t rows = 0;
    H5Sget_simple_extent_dims(sp, &rows, NULL);
    CHECK(rows <= n && H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0);
    H5Sclose(sp);
    H5Dclose(d);
    H5Fclose(f);
    return rows;
}

/* A Madelung density that turns NaN or negative (planted in a checkpoint, the run resumed).
 * on_failure = stop: the run stops with NNQ_ERR_NUMERIC naming the solver, the file valid
 * with the rows up to the last good one. on_failure = end (the default): the Madelung
 * description ends there and says why (no defect in psi: the solver's failure), psi runs on
 * to the end, the Madelung columns are NaN from the end on; a run stopped after the end
 * resumes bit for bit, its end and reason included. */
static void test_madelung_failure(void) {
    static const char ini[] = "[run]\nname = bad\nsteps = 100\ndt = 2e-3\ndiag_every = 25\n"
                              "planner = estimate\n"
                              "[grid]\nn = 64\nqmin = -8\nqmax = 8\n"
                              "[potential]\npreset = harmonic\n"
                              "[initial]\npreset = gaussian\ncenter = 1\n";
    static const double bad[2] = {NAN, -1.0};
    static const char *const policy[2] = {"madelung.on_failure = stop",
                                          "madelung.on_failure = end"};
    for (int end = 0; end < 2; end++)
        for (int k = 0; k < 2; k++) {
            char path[300];
            snprintf(path, sizeof path, "%s/bad%d%d.h5", dir, end, k);
            struct nnq_config cfg;
            struct nnq_summary sum;
            static volatile sig_atomic_t stop = 1;
            CHECK(run_config(ini, &policy[end], 1, path, &stop, &cfg, &sum) == NNQ_ERR_INTERRUPTED);
            spoil_checkpoint(path, 32, bad[k]); /* p at the packet's centre */
            struct nnq_err err = {0};
            const enum nnq_status rc = resume_run(path, NULL, &sum, &err);
            const char *what = k == 0 ? "NaN" : "negative";
            hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
            CHECK(f >= 0 && attr_int(f, "completed") == end);
            H5Fclose(f);
            double mass[8] = {0}, norm[8] = {0};
            const hsize_t rows = read_column(path, "/diagnostics/madelung_mass", mass, 8);
            if (!end) {
                CHECK(rc == NNQ_ERR_NUMERIC);
                CHECK_MSG(strstr(err.msg, "Madelung solver") && strstr(err.msg, what), "%s",
                          err.msg);
                CHECK(rows == 2 && isfinite(mass[0]) && isfinite(mass[1]));
                continue;
            }
            CHECK(rc == NNQ_OK && strcmp(sum.ended_by, "madelung") == 0);
            CHECK_NEAR(sum.t_ended, 0.1, 1e-12);
            CHECK_MSG(strstr(sum.ended_reason, "Madelung solver") &&
                          strstr(sum.ended_reason, what) &&
                          strstr(sum.ended_reason, "no node or vortex"),
                      "%s", sum.ended_reason);
            CHECK(read_column(path, "/diagnostics/norm", norm, 8) == 5 && rows == 5);
            CHECK(isfinite(mass[0]) && isfinite(mass[1]) && isnan(mass[2]) && isnan(mass[4]));
            CHECK(fabs(norm[4] - 1) < 1e-12);

            /* the same, stopped at the row after the end and resumed */
            char parts[300];
            snprintf(parts, sizeof parts, "%s/bad%d%d_parts.h5", dir, end, k);
            struct nnq_summary sum2;
            CHECK(run_config(ini, &policy[end], 1, parts, &stop, &cfg, &sum2) ==
                  NNQ_ERR_INTERRUPTED);
            spoil_checkpoint(parts, 32, bad[k]);
            CHECK(resume_run(parts, &stop, &sum2, &err) == NNQ_ERR_INTERRUPTED);
            CHECK(resume_run(parts, NULL, &sum2, &err) == NNQ_OK);
            CHECK(sum2.t_ended == sum.t_ended && strcmp(sum2.ended_reason, sum.ended_reason) == 0);
            static const char *const dsets[] = {"/schrodinger/psi",  "/madelung/p",
                                                "/madelung/F",       "/diagnostics/div_p_l1",
                                                "/diagnostics/norm", "/diagnostics/components"};
            for (size_t d = 0; d < sizeof dsets / sizeof dsets[0]; d++)
                CHECK_MSG(same_dataset(path, parts, dsets[d]), "%s differs after resume", dsets[d]);
        }
}

/* A free energy F_M that turns NaN (planted in the checkpoint's initial correction R0, which
 * every later F_M adds), the state finite: the Madelung description finds it at the next row,
 * not in its solver, and ends there (on_failure = end) or stops the run (stop), the failing row
 * not written. */
static void test_madelung_row_failure(void) {
    static const char ini[] = "[run]\nname = badF\nsteps = 100\ndt = 2e-3\ndiag_every = 25\n"
                              "planner = estimate\n"
                              "[grid]\nn = 64\nqmin = -8\nqmax = 8\n"
                              "[potential]\npreset = harmonic\n"
                              "[initial]\npreset = gaussian\ncenter = 1\nmomentum = 1\n";
    static const char *const policy[2] = {"madelung.on_failure = stop",
                                          "madelung.on_failure = end"};
    for (int end = 0; end < 2; end++) {
        char path[300];
        snprintf(path, sizeof path, "%s/badF%d.h5", dir, end);
        struct nnq_config cfg;
        struct nnq_summary sum;
        static volatile sig_atomic_t stop = 1;
        CHECK(run_config(ini, &policy[end], 1, path, &stop, &cfg, &sum) == NNQ_ERR_INTERRUPTED);
        spoil_dataset(path, "/checkpoint/madelung_potential", 64 + 32, NAN); /* R0 at the centre */
        struct nnq_err err = {0};
        const enum nnq_status rc = resume_run(path, NULL, &sum, &err);
        double mass[8] = {0}, div_F[8] = {0};
        const hsize_t rows = read_column(path, "/diagnostics/madelung_mass", mass, 8);
        read_column(path, "/diagnostics/div_F", div_F, 8);
        if (!end) {
            CHECK(rc == NNQ_ERR_NUMERIC);
            CHECK_MSG(strstr(err.msg, "Madelung solver") && strstr(err.msg, "F_M is not finite"),
                      "%s", err.msg);
            CHECK(rows == 2 && isfinite(div_F[1]));
            continue;
        }
        CHECK(rc == NNQ_OK && strcmp(sum.ended_by, "madelung") == 0);
        CHECK_NEAR(sum.t_ended, 0.1, 1e-12);
        CHECK_MSG(strstr(sum.ended_reason, "F_M is not finite") &&
                      strstr(sum.ended_reason, "no node or vortex"),
                  "%s", sum.ended_reason);
        CHECK(rows == 5 && isfinite(mass[1]) && isfinite(div_F[1]) && isnan(mass[2]) &&
              isnan(div_F[2]) && isnan(div_F[4]));
    }
}

/* A run whose V comes from a file that changed between stop and resume is refused (it resumed
 * with the new V, exit 0, /potential/V still showing the old one). */
static void test_resume_changed_potential(void) {
    static const char head[] = "[run]\nname = landscape\nsteps = 100\ndt = 2e-3\ndiag_every = 25\n"
                               "planner = estimate\n[grid]\nn = 64\nqmin = -8\nqmax = 8\n"
                               "[initial]\npreset = gaussian\ncenter = 1\n";
    char land[300], path[300], copy[300], ini[1024];
    snprintf(land, sizeof land, "%s/landscape.h5", dir);
    snprintf(path, sizeof path, "%s/changed.h5", dir);
    snprintf(copy, sizeof copy, "%s/changed_copy.h5", dir);
    struct nnq_config cfg;
    struct nnq_summary sum;
    snprintf(ini, sizeof ini, "%s[potential]\npreset = harmonic\n", head);
    const char *one[1] = {"run.steps=1"};
    CHECK(run_config(ini, one, 1, land, NULL, &cfg, &sum) == NNQ_OK);
    snprintf(ini, sizeof ini, "%s[potential]\nfile = %s\n", head, land);
    static volatile sig_atomic_t stop = 1;
    CHECK(run_config(ini, NULL, 0, path, &stop, &cfg, &sum) == NNQ_ERR_INTERRUPTED);
    char cmd[700];
    snprintf(cmd, sizeof cmd, "cp '%s' '%s'", path, copy);
    CHECK(system(cmd) == 0);
    struct nnq_err err = {0};
    CHECK(resume_run(copy, NULL, &sum, &err) == NNQ_OK); /* unchanged: resumes */
    hid_t f = H5Fopen(land, H5F_ACC_RDWR, H5P_DEFAULT);
    hid_t d = H5Dopen2(f, "/potential/V", H5P_DEFAULT);
    double V[64];
    CHECK(H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, V) >= 0);
    for (int k = 0; k < 64; k++)
        V[k] *= 3;
    CHECK(H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, V) >= 0);
    H5Dclose(d);
    H5Fclose(f);
    CHECK(resume_run(path, NULL, &sum, &err) == NNQ_ERR_CONFIG);
    CHECK_MSG(strstr(err.msg, "changed.h5") && strstr(err.msg, "/potential/V") &&
                  strstr(err.msg, "changed since"),
              "%s", err.msg);
}

/* Sets the length of the 1-D dataset name of the file at path. */
static void cut_dataset(const char *path, const char *name, hsize_t len) {
    hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    hid_t d = H5Dopen2(f, name, H5P_DEFAULT);
    CHECK(H5Dset_extent(d, &len) >= 0);
    H5Dclose(d);
    H5Fclose(f);
}

/* nnq info of a damaged file: a first column shorter than the others (empty, here) and no
 * snapshot steps; the table is cut to the shortest column and nothing is read past an end
 * (ASan and valgrind hold it). */
static void test_info_damaged(void) {
    static const char ini[] = "[run]\nname = info\nsteps = 40\ndt = 2e-3\ndiag_every = 10\n"
                              "planner = estimate\n[grid]\nn = 32\nqmin = -8\nqmax = 8\n"
                              "[potential]\npreset = harmonic\n[initial]\npreset = gaussian\n";
    char path[300];
    snprintf(path, sizeof path, "%s/info.h5", dir);
    struct nnq_config cfg;
    struct nnq_summary sum;
    CHECK(run_config(ini, NULL, 0, path, NULL, &cfg, &sum) == NNQ_OK);
    struct nnq_file_info info;
    struct nnq_err err = {0};
    CHECK(nnq_output_read_info(path, &info, &err) == NNQ_OK && info.rows == 5 &&
          info.snapshots == 2 && info.step_last == 40 && info.completed == 1);
    nnq_file_info_free(&info);
    cut_dataset(path, "/diagnostics/t", 0);
    cut_dataset(path, "/snapshots/step", 0);
    CHECK(nnq_output_read_info(path, &info, &err) == NNQ_OK && info.rows == 0 &&
          isnan(info.step_first) && isnan(info.step_last) && info.snapshots == 2);
    nnq_file_info_free(&info);
}

/* Sets the integer attribute name of /checkpoint of the file at path. */
static void spoil_counter(const char *path, const char *name, long long value) {
    hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    hid_t g = H5Gopen2(f, "/checkpoint", H5P_DEFAULT);
    hid_t a = H5Aopen(g, name, H5P_DEFAULT);
    CHECK(a >= 0 && H5Awrite(a, H5T_NATIVE_LLONG, &value) >= 0);
    H5Aclose(a);
    H5Gclose(g);
    H5Fclose(f);
}

/* A checkpoint whose counters do not match its file (more snapshots or rows than written, a
 * step at or past the end, a negative count) is refused, not trusted: no 2 GB sidecar for a
 * million snapshots, no run marked completed with its data missing. */
static void test_resume_counters(void) {
    static const char ini[] = "[run]\nname = counters\nsteps = 100\ndt = 2e-3\ndiag_every = 25\n"
                              "[grid]\nn = 64\nqmin = -8\nqmax = 8\n"
                              "[potential]\npreset = harmonic\n"
                              "[initial]\npreset = gaussian\ncenter = 1\n";
    static const struct {
        const char *name;
        long long value;
    } spoils[] = {{"snapshots", 1000000}, {"rows", 1000000}, {"step", 100}, {"rows", -1}};
    for (size_t k = 0; k < sizeof spoils / sizeof spoils[0]; k++) {
        char path[300];
        snprintf(path, sizeof path, "%s/counters%zu.h5", dir, k);
        struct nnq_config cfg;
        struct nnq_summary sum;
        static volatile sig_atomic_t stop = 1;
        CHECK(run_config(ini, NULL, 0, path, &stop, &cfg, &sum) == NNQ_ERR_INTERRUPTED);
        spoil_counter(path, spoils[k].name, spoils[k].value);
        char text[8192];
        struct nnq_err err = {0};
        struct nnq_config stored;
        CHECK(nnq_output_read_config(path, text, sizeof text, &err) == NNQ_OK &&
              nnq_config_load_string(text, path, NULL, 0, &stored, &err) == NNQ_OK);
        struct nnq_run_options opt = {.resume = path};
        CHECK_MSG(nnq_run(&stored, &opt, &sum, &err) == NNQ_ERR_CONFIG, "%s = %lld: %s",
                  spoils[k].name, spoils[k].value, err.msg);
    }
}

/* A byte of a stopped run's checkpointed psi changed on disk (a disk, transfer or copy
 * error): --resume refuses with "damaged" (exit 2), where it used to go on from the changed
 * value and end with exit 0 and a wrong psi (a byte-flip fuzz: 17 of 300 copies). The file
 * is in HDF5 1.8's format, whose metadata carry checksums (superblock 2), and its datasets
 * carry Fletcher-32 checksums. */
static void test_damaged_checkpoint(void) {
    static const char ini[] = "[run]\nname = damaged\nsteps = 200\ndt = 2e-3\n"
                              "[grid]\nn = 64, 32\nqmin = -8\nqmax = 8\n"
                              "[potential]\npreset = harmonic\n"
                              "[initial]\npreset = gaussian\ncenter = 1, 0\n";
    char path[300];
    snprintf(path, sizeof path, "%s/damaged.h5", dir);
    struct nnq_config cfg;
    struct nnq_summary sum;
    static volatile sig_atomic_t stop = 1;
    CHECK(run_config(ini, NULL, 0, path, &stop, &cfg, &sum) == NNQ_ERR_INTERRUPTED);
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    H5F_info2_t info;
    CHECK(H5Fget_info2(f, &info) >= 0 && info.super.version == 2);
    hid_t d = H5Dopen2(f, "/checkpoint/psi", H5P_DEFAULT);
    hid_t dcpl = H5Dget_create_plist(d);
    unsigned flags;
    size_t nelmts = 0;
    char fname[32];
    CHECK(H5Pget_nfilters(dcpl) == 1 && H5Pget_filter2(dcpl, 0, &flags, &nelmts, NULL, sizeof fname,
                                                       fname, NULL) == H5Z_FILTER_FLETCHER32);
    H5Pclose(dcpl);
    const hsize_t row[2] = {20, 0};
    haddr_t at = HADDR_UNDEF;
    hsize_t bytes = 0;
    CHECK(H5Dget_chunk_info_by_coord(d, row, NULL, &at, &bytes) >= 0 && bytes > 16);
    H5Dclose(d);
    H5Fclose(f);
    FILE *fp = fopen(path, "r+b");
    CHECK(fp && fseek(fp, (long)(at + bytes / 2), SEEK_SET) == 0);
    const int c = fgetc(fp);
    CHECK(fseek(fp, (long)(at + bytes / 2), SEEK_SET) == 0 && fputc(c ^ 0x10, fp) != EOF);
    if (fp)
        fclose(fp);
    struct nnq_err err = {0};
    CHECK_MSG(resume_run(path, NULL, &sum, &err) == NNQ_ERR_CONFIG &&
                  strstr(err.msg, "damaged: HDF5 found a checksum that does not match"),
              "%s", err.msg);
}

/* ---- hostile files: a rank or an element count HDF5 would write past a buffer ---------------- */

/* Writes a dataset `name` of `rank` axes (extent 2 on the first two, 1 on the others: 4
 * values) of zeros into f. */
static void ranked(hid_t f, const char *name, int rank) {
    hsize_t dims[32];
    for (int a = 0; a < rank; a++)
        dims[a] = a < 2 ? 2 : 1;
    hid_t sp = H5Screate_simple(rank, dims, NULL);
    hid_t d = H5Dcreate2(f, name, H5T_IEEE_F64LE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    static const double zeros[4];
    H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, zeros);
    H5Dclose(d);
    H5Sclose(sp);
}

/* Replaces the attribute name of loc by an array of n doubles. */
static void array_attr(hid_t loc, const char *name, hsize_t n) {
    if (H5Aexists(loc, name) > 0)
        H5Adelete(loc, name);
    hid_t sp = H5Screate_simple(1, &n, NULL);
    hid_t a = H5Acreate2(loc, name, H5T_IEEE_F64LE, sp, H5P_DEFAULT, H5P_DEFAULT);
    static double ones[8192];
    for (hsize_t k = 0; k < n && k < 8192; k++)
        ones[k] = 1;
    H5Awrite(a, H5T_NATIVE_DOUBLE, ones);
    H5Aclose(a);
    H5Sclose(sp);
}

/* Files with a rank of 8 or 32 where nnq reads a 1-4 axis table, attributes that are arrays
 * where nnq reads one number, a /snapshots/t of two axes: each is an error (exit 2) or read
 * as absent, never a write past a buffer (the stack, before: SIGSEGV, or ASan's
 * stack-buffer-overflow in the CI's sanitizer build). */
static void test_hostile_files(void) {
    char bad[300], good[300];
    snprintf(bad, sizeof bad, "%s/hostile.h5", dir);
    snprintf(good, sizeof good, "%s/hostile_good.h5", dir);
    hid_t f = H5Fcreate(bad, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    hsize_t n = 8;
    hid_t sp = H5Screate_simple(1, &n, NULL);
    const double x[8] = {-4, -3, -2, -1, 0, 1, 2, 3};
    hid_t d = H5Dcreate2(f, "x", H5T_IEEE_F64LE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, x);
    H5Dclose(d);
    H5Sclose(sp);
    ranked(f, "L8", 8);
    ranked(f, "L32", 32);
    H5Fclose(f);
    static const char base[] = "[run]\nsteps = 2\ndt = 1e-3\n[grid]\nn = 16\nqmin = -4\nqmax = 4\n"
                               "[initial]\npreset = gaussian\n";
    static const char *const tables[2] = {"L8", "L32"};
    for (int k = 0; k < 2; k++) {
        char sets[3][340];
        snprintf(sets[0], sizeof sets[0], "potential.file=%s", bad);
        snprintf(sets[1], sizeof sets[1], "potential.dataset=/%s", tables[k]);
        snprintf(sets[2], sizeof sets[2], "potential.coordinates=/x");
        const char *const s3[3] = {sets[0], sets[1], sets[2]};
        struct nnq_config cfg;
        struct nnq_summary sum;
        struct nnq_err err = {0};
        CHECK(nnq_config_load_string(base, "h.ini", s3, 3, &cfg, &err) == NNQ_OK);
        struct nnq_run_options opt = {.output = good, .force = 1};
        CHECK_MSG(nnq_run(&cfg, &opt, &sum, &err) == NNQ_ERR_CONFIG && strstr(err.msg, "axes"),
                  "rank %s as the potential: %s", tables[k], err.msg);
    }

    /* an nnq output whose hbar and completed are arrays, whose /snapshots/t has two axes */
    struct nnq_config cfg;
    struct nnq_summary sum;
    CHECK(run_config(base, NULL, 0, good, NULL, &cfg, &sum) == NNQ_OK);
    f = H5Fopen(good, H5F_ACC_RDWR, H5P_DEFAULT);
    array_attr(f, "hbar", 4096);
    array_attr(f, "completed", 7000);
    H5Fclose(f);
    static struct nnq_file_info info;
    struct nnq_err err = {0};
    CHECK(nnq_output_read_info(good, &info, &err) == NNQ_OK && !info.completed);
    nnq_file_info_free(&info);
    char set[340];
    snprintf(set, sizeof set, "initial.file=%s", good);
    const char *const s1[1] = {set};
    static const char from_file[] = "[run]\nsteps = 2\ndt = 1e-3\n"
                                    "[grid]\nn = 16\nqmin = -4\nqmax = 4\n";
    CHECK(nnq_config_load_string(from_file, "h.ini", s1, 1, &cfg, &err) == NNQ_OK);
    char out[300];
    snprintf(out, sizeof out, "%s/hostile_out.h5", dir);
    struct nnq_run_options opt = {.output = out, .force = 1};
    CHECK_MSG(nnq_run(&cfg, &opt, &sum, &err) == NNQ_ERR_CONFIG && strstr(err.msg, "hbar"),
              "hbar an array: %s", err.msg);
    f = H5Fopen(good, H5F_ACC_RDWR, H5P_DEFAULT);
    array_attr(f, "hbar", 1);
    H5Ldelete(f, "/snapshots/t", H5P_DEFAULT);
    ranked(f, "/snapshots/t", 2);
    H5Fclose(f);
    CHECK_MSG(nnq_run(&cfg, &opt, &sum, &err) == NNQ_ERR_CONFIG && strstr(err.msg, "snapshot"),
              "/snapshots/t of two axes: %s", err.msg);
}

int main(void) {
    check_tmpdir("nnq_test_output", dir, sizeof dir);
    test_info_damaged();
    test_madelung_failure();
    test_madelung_row_failure();
    test_resume_changed_potential();
    test_resume_counters();
    test_damaged_checkpoint();
    test_hostile_files();
    test_layout();
    test_xdmf();
    test_options();
    test_stopped();
    test_resume();
    return check_finish(dir);
}
