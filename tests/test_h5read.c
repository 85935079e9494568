/*
 * test_h5read.c - hostile input files (nnq/h5read.h): each file below is built with the HDF5
 * API, given to a run as `[potential] file` (or as `[initial] file`), and must be refused
 * before anything is read from it, with NNQ_ERR_CONFIG and a message that names the file and
 * the dataset:
 *   - data kept outside the file: external raw storage (any file's bytes would become V), a
 *     virtual dataset whose source is missing, one that maps itself;
 *   - data never written: a dataset never written, a chunked one with chunks left unwritten
 *     (both would read as the fill value);
 *   - a FIFO named as the file (reading it would block until someone writes);
 *   - psi as a compound of other member names ({real, imag}: HDF5 converts by name and would
 *     leave nnq's members unwritten, uninitialised memory becoming psi);
 *   - a coordinate list in external storage;
 *   - a table larger than [run] memory_limit (refused before it is allocated: a small file
 *     declaring 23000^2 values took 8.3 GB before it failed), and counted by nnq check (an
 *     initial state's file too);
 *   - nnq outputs as inputs: a 1D run's as a 2D run's potential, one whose hbar is 0;
 *   - for `nnq info`, an nnq output whose diagnostics column declares 2^31 rows, never
 *     written (16 GiB read as fill values before), and one of 2^26 + 2^20 rows written in full
 *     (over the bound of 2^26 rows a column).
 * The same table written plainly (contiguous, chunked in full, compact) runs. The table reader
 * both file kinds share is tested on its own at its edges.
 */
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "nnq/config.h"
#include "nnq/h5read.h"
#include "nnq/output_h5.h"
#include "nnq/run.h"

#define N 16

static char dir[256];

static const double xs[N] = {-4, -3.5, -3, -2.5, -2, -1.5, -1, -0.5,
                             0,  0.5,  1,  1.5,  2,  2.5,  3,  3.5};

/* A file at dir/name holding the coordinate list /x (plain) and, when `how` is not NULL,
 * dataset /L made by how(file, space). */
static void make(const char *name, void (*how)(hid_t f, hid_t space), char *path, size_t size) {
    snprintf(path, size, "%s/%s", dir, name);
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    hsize_t n = N;
    hid_t sp = H5Screate_simple(1, &n, NULL);
    hid_t d = H5Dcreate2(f, "x", H5T_IEEE_F64LE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    CHECK(H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, xs) >= 0);
    H5Dclose(d);
    if (how)
        how(f, sp);
    H5Sclose(sp);
    H5Fclose(f);
}

static double values[N];

static void with_layout(hid_t f, hid_t sp, hid_t dcpl, int write) {
    hid_t d = H5Dcreate2(f, "L", H5T_IEEE_F64LE, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    CHECK(d >= 0);
    if (write)
        CHECK(H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values) >= 0);
    H5Dclose(d);
}

static void contiguous(hid_t f, hid_t sp) { with_layout(f, sp, H5P_DEFAULT, 1); }

static void chunked(hid_t f, hid_t sp) {
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    hsize_t chunk = 4;
    H5Pset_chunk(dcpl, 1, &chunk);
    with_layout(f, sp, dcpl, 1);
    H5Pclose(dcpl);
}

static void compact(hid_t f, hid_t sp) {
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_layout(dcpl, H5D_COMPACT);
    with_layout(f, sp, dcpl, 1);
    H5Pclose(dcpl);
}

static void unwritten(hid_t f, hid_t sp) {
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    const double fill = 1;
    H5Pset_fill_value(dcpl, H5T_NATIVE_DOUBLE, &fill);
    with_layout(f, sp, dcpl, 0);
    H5Pclose(dcpl);
}

/* the first of four chunks written */
static void partly(hid_t f, hid_t sp) {
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    hsize_t chunk = 4, start = 0;
    H5Pset_chunk(dcpl, 1, &chunk);
    hid_t d = H5Dcreate2(f, "L", H5T_IEEE_F64LE, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    hid_t fs = H5Dget_space(d), ms = H5Screate_simple(1, &chunk, NULL);
    H5Sselect_hyperslab(fs, H5S_SELECT_SET, &start, NULL, &chunk, NULL);
    CHECK(H5Dwrite(d, H5T_NATIVE_DOUBLE, ms, fs, H5P_DEFAULT, values) >= 0);
    H5Sclose(ms);
    H5Sclose(fs);
    H5Dclose(d);
    H5Pclose(dcpl);
}

static char raw[300]; /* a file of raw bytes beside the HDF5 file */

static void external(hid_t f, hid_t sp) {
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_external(dcpl, raw, 0, sizeof values);
    hid_t d = H5Dcreate2(f, "L", H5T_IEEE_F64LE, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    CHECK(d >= 0);
    H5Dclose(d);
    H5Pclose(dcpl);
}

static void virtual_of(hid_t f, hid_t sp, const char *file, const char *name) {
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    CHECK(H5Pset_virtual(dcpl, sp, file, name, sp) >= 0);
    hid_t d = H5Dcreate2(f, "L", H5T_IEEE_F64LE, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    CHECK(d >= 0);
    H5Dclose(d);
    H5Pclose(dcpl);
}

static void virtual_missing(hid_t f, hid_t sp) { virtual_of(f, sp, "no_such_file.h5", "/V"); }

static void virtual_self(hid_t f, hid_t sp) { virtual_of(f, sp, ".", "/L"); }

/* Runs a 1D run on [-4, 4) with [potential] file = path (/L on /x) and the extra setting; the
 * status, the message into msg. */
static enum nnq_status run_with(const char *path, const char *extra, char *msg, size_t size) {
    static const char base[] = "[run]\nsteps = 2\ndt = 1e-3\nplanner = estimate\n"
                               "[grid]\nn = 16\nqmin = -4\nqmax = 4\n"
                               "[initial]\npreset = gaussian\n[madelung]\nenabled = false\n";
    char sets[4][340];
    snprintf(sets[0], sizeof sets[0], "potential.file=%s", path);
    snprintf(sets[1], sizeof sets[1], "potential.dataset=/L");
    snprintf(sets[2], sizeof sets[2], "potential.coordinates=/x");
    snprintf(sets[3], sizeof sets[3], "%s", extra ? extra : "run.name=h5read");
    const char *const s[4] = {sets[0], sets[1], sets[2], sets[3]};
    struct nnq_config cfg;
    struct nnq_summary sum;
    struct nnq_err err = {0};
    CHECK(nnq_config_load_string(base, "h.ini", s, 4, &cfg, &err) == NNQ_OK);
    char out[300];
    snprintf(out, sizeof out, "%s/out.h5", dir);
    struct nnq_run_options opt = {.output = out, .force = 1};
    const enum nnq_status rc = nnq_run(&cfg, &opt, &sum, &err);
    snprintf(msg, size, "%s", err.msg);
    return rc;
}

/* A refusal naming the file, the dataset and why. */
static void refused(const char *name, void (*how)(hid_t, hid_t), const char *dataset,
                    const char *why) {
    char path[300], msg[NNQ_ERR_MSG_MAX];
    make(name, how, path, sizeof path);
    const enum nnq_status rc = run_with(path, NULL, msg, sizeof msg);
    char quoted[64];
    snprintf(quoted, sizeof quoted, "'%s'", dataset);
    CHECK_MSG(rc == NNQ_ERR_CONFIG && strstr(msg, path) && strstr(msg, quoted) && strstr(msg, why),
              "%s: status %d: %s", name, (int)rc, msg);
}

static void test_potential_files(void) {
    for (int k = 0; k < N; k++)
        values[k] = 0.5 * xs[k] * xs[k];
    snprintf(raw, sizeof raw, "%s/raw.bin", dir);
    FILE *r = fopen(raw, "wb");
    CHECK(r && fwrite(values, sizeof values, 1, r) == 1);
    fclose(r);

    void (*const plain[3])(hid_t, hid_t) = {contiguous, chunked, compact};
    for (int k = 0; k < 3; k++) {
        char path[300], msg[NNQ_ERR_MSG_MAX];
        make("plain.h5", plain[k], path, sizeof path);
        CHECK_MSG(run_with(path, NULL, msg, sizeof msg) == NNQ_OK, "layout %d: %s", k, msg);
    }
    refused("external.h5", external, "/L", "external raw files");
    refused("virtual_missing.h5", virtual_missing, "/L", "virtual dataset");
    refused("virtual_self.h5", virtual_self, "/L", "virtual dataset");
    refused("unwritten.h5", unwritten, "/L", "not written in full");
    refused("partly.h5", partly, "/L", "not written in full");

    /* the coordinate list in external storage */
    char path[300], msg[NNQ_ERR_MSG_MAX];
    snprintf(path, sizeof path, "%s/external_x.h5", dir);
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    hsize_t n = N;
    hid_t sp = H5Screate_simple(1, &n, NULL);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_external(dcpl, raw, 0, sizeof values);
    H5Dclose(H5Dcreate2(f, "x", H5T_IEEE_F64LE, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT));
    H5Pclose(dcpl);
    contiguous(f, sp);
    H5Sclose(sp);
    H5Fclose(f);
    CHECK_MSG(run_with(path, NULL, msg, sizeof msg) == NNQ_ERR_CONFIG && strstr(msg, "'/x'") &&
                  strstr(msg, "external"),
              "external coordinates: %s", msg);

    /* a table of 8192 points, 64 KiB, over a memory_limit of 48 KiB that the run itself fits */
    snprintf(path, sizeof path, "%s/big.h5", dir);
    f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    n = 8192;
    sp = H5Screate_simple(1, &n, NULL);
    double *big = malloc(sizeof(double) * n);
    for (hsize_t k = 0; big && k < n; k++)
        big[k] = -5 + 10.0 * (double)k / (double)n;
    hid_t dx = H5Dcreate2(f, "x", H5T_IEEE_F64LE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    hid_t dl = H5Dcreate2(f, "L", H5T_IEEE_F64LE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    CHECK(big && H5Dwrite(dx, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, big) >= 0 &&
          H5Dwrite(dl, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, big) >= 0);
    free(big);
    H5Dclose(dx);
    H5Dclose(dl);
    H5Sclose(sp);
    H5Fclose(f);
    CHECK_MSG(run_with(path, NULL, msg, sizeof msg) == NNQ_OK, "8192 points: %s", msg);
    { /* nnq check counts the table (and a copy of it) */
        char set[340];
        snprintf(set, sizeof set, "potential.file=%s", path);
        const char *const s3[3] = {set, "potential.dataset=/L", "potential.coordinates=/x"};
        static const char base[] = "[run]\nsteps = 2\ndt = 1e-3\n[grid]\nn = 16\nqmin = -4\n"
                                   "qmax = 4\n[initial]\npreset = gaussian\n";
        struct nnq_config cfg;
        struct nnq_err err = {0};
        struct nnq_estimate e;
        CHECK(nnq_config_load_string(base, "e.ini", s3, 3, &cfg, &err) == NNQ_OK);
        nnq_run_estimate(&cfg, 1, &e);
        CHECK_MSG(e.fixed >= 2 * 8192 * 8, "the estimate's fixed bytes: %g", e.fixed);
    }
    CHECK_MSG(run_with(path, "run.memory_limit=49152", msg, sizeof msg) == NNQ_ERR_CONFIG &&
                  strstr(msg, "[run] memory_limit") && strstr(msg, "[potential] file's table"),
              "8192 points, memory_limit 48 KiB: %s", msg);

    /* a FIFO: refused at once (opening it to read would wait for a writer) */
    snprintf(path, sizeof path, "%s/fifo.h5", dir);
    CHECK(mkfifo(path, 0600) == 0);
    CHECK_MSG(run_with(path, NULL, msg, sizeof msg) == NNQ_ERR_CONFIG &&
                  strstr(msg, "not a regular file") && strstr(msg, path),
              "FIFO: %s", msg);
}

static const char tiny_ini[] = "[run]\nsteps = 2\ndt = 1e-3\nplanner = estimate\n"
                               "[grid]\nn = 16\nqmin = -4\nqmax = 4\n"
                               "[initial]\npreset = gaussian\n[madelung]\nenabled = false\n";

/* A tiny 1D run (tiny_ini) into path: an nnq output to make hostile. */
static void tiny_output(const char *path) {
    struct nnq_config cfg;
    struct nnq_summary sum;
    struct nnq_err err = {0};
    CHECK(nnq_config_load_string(tiny_ini, "tiny.ini", NULL, 0, &cfg, &err) == NNQ_OK);
    struct nnq_run_options opt = {.output = path, .force = 1};
    CHECK(nnq_run(&cfg, &opt, &sum, &err) == NNQ_OK);
}

/* psi of an nnq output rewritten as a compound {real, imag}: refused by its member names. */
static void test_compound_psi(void) {
    char state[300], msg[NNQ_ERR_MSG_MAX];
    snprintf(state, sizeof state, "%s/state.h5", dir);
    tiny_output(state);
    struct nnq_config cfg;
    struct nnq_summary sum;
    struct nnq_err err = {0};
    struct nnq_run_options opt = {.output = state, .force = 1};
    { /* nnq check counts reading the state: 16 points as pairs and a part apart */
        char set0[340];
        snprintf(set0, sizeof set0, "initial.file=%s", state);
        const char *const s0[1] = {set0};
        static const char base[] = "[run]\nsteps = 2\ndt = 1e-3\n[grid]\nn = 16\nqmin = -4\n"
                                   "qmax = 4\n[madelung]\nenabled = false\n";
        struct nnq_config c0;
        struct nnq_estimate e;
        CHECK(nnq_config_load_string(base, "e.ini", s0, 1, &c0, &err) == NNQ_OK);
        nnq_run_estimate(&c0, 1, &e);
        struct nnq_estimate plain;
        CHECK(nnq_config_load_string(tiny_ini, "p.ini", NULL, 0, &c0, &err) == NNQ_OK);
        nnq_run_estimate(&c0, 1, &plain);
        CHECK_NEAR(e.fixed - plain.fixed, 3 * 8 * 16, 0);
    }
    hid_t f = H5Fopen(state, H5F_ACC_RDWR, H5P_DEFAULT);
    hid_t d = H5Dopen2(f, "/schrodinger/psi", H5P_DEFAULT), old = H5Dget_space(d);
    hsize_t dims[4];
    const int rank = H5Sget_simple_extent_dims(old, dims, NULL);
    hid_t sp = H5Screate_simple(rank, dims, NULL); /* fixed size: no chunks needed */
    H5Sclose(old);
    H5Dclose(d);
    H5Ldelete(f, "/schrodinger/psi", H5P_DEFAULT);
    hid_t ty = H5Tcreate(H5T_COMPOUND, 2 * sizeof(double));
    H5Tinsert(ty, "real", 0, H5T_NATIVE_DOUBLE);
    H5Tinsert(ty, "imag", sizeof(double), H5T_NATIVE_DOUBLE);
    const hssize_t points = H5Sget_simple_extent_npoints(sp);
    double *pairs = calloc((size_t)points * 2, sizeof(double));
    d = H5Dcreate2(f, "/schrodinger/psi", ty, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    CHECK(pairs && H5Dwrite(d, ty, H5S_ALL, H5S_ALL, H5P_DEFAULT, pairs) >= 0);
    free(pairs);
    H5Dclose(d);
    H5Tclose(ty);
    H5Sclose(sp);
    H5Fclose(f);
    char set[340];
    snprintf(set, sizeof set, "initial.file=%s", state);
    const char *const s1[1] = {set};
    static const char from_file[] = "[run]\nsteps = 2\ndt = 1e-3\nplanner = estimate\n"
                                    "[grid]\nn = 16\nqmin = -4\nqmax = 4\n"
                                    "[madelung]\nenabled = false\n";
    CHECK(nnq_config_load_string(from_file, "h.ini", s1, 1, &cfg, &err) == NNQ_OK);
    char out[300];
    snprintf(out, sizeof out, "%s/from_state.h5", dir);
    opt.output = out;
    CHECK(nnq_run(&cfg, &opt, &sum, &err) == NNQ_ERR_CONFIG);
    snprintf(msg, sizeof msg, "%s", err.msg);
    CHECK_MSG(strstr(msg, state) && strstr(msg, "'/schrodinger/psi'") && strstr(msg, "{r, i}"),
              "compound {real, imag}: %s", msg);
}

/* /diagnostics/t of the output at path replaced by a chunked column of `rows` rows, of which
 * the first `written` are written (compressed: the file stays small). */
static void swap_rows(const char *path, hsize_t rows, hsize_t written) {
    hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    H5Ldelete(f, "/diagnostics/t", H5P_DEFAULT);
    hid_t sp = H5Screate_simple(1, &rows, NULL), dcpl = H5Pcreate(H5P_DATASET_CREATE);
    hsize_t chunk = 1 << 20;
    H5Pset_chunk(dcpl, 1, &chunk);
    H5Pset_deflate(dcpl, 9);
    hid_t d = H5Dcreate2(f, "/diagnostics/t", H5T_IEEE_F64LE, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    double *zeros = calloc(chunk, sizeof(double));
    for (hsize_t start = 0; zeros && start < written; start += chunk) {
        hid_t fs = H5Dget_space(d), ms = H5Screate_simple(1, &chunk, NULL);
        H5Sselect_hyperslab(fs, H5S_SELECT_SET, &start, NULL, &chunk, NULL);
        CHECK(H5Dwrite(d, H5T_NATIVE_DOUBLE, ms, fs, H5P_DEFAULT, zeros) >= 0);
        H5Sclose(ms);
        H5Sclose(fs);
    }
    free(zeros);
    H5Dclose(d);
    H5Pclose(dcpl);
    H5Sclose(sp);
    H5Fclose(f);
}

static void test_info_bombs(void) {
    char path[300];
    snprintf(path, sizeof path, "%s/bomb.h5", dir);
    tiny_output(path);
    struct nnq_err err = {0};
    static struct nnq_file_info info;
    CHECK(nnq_output_read_info(path, &info, &err) == NNQ_OK && info.rows == 2);
    nnq_file_info_free(&info);
    swap_rows(path, 1ull << 31, 0);
    CHECK_MSG(nnq_output_read_info(path, &info, &err) == NNQ_ERR_CONFIG &&
                  strstr(err.msg, "'/diagnostics/t'") && strstr(err.msg, "not written in full"),
              "2^31 unwritten rows: %s", err.msg);
    swap_rows(path, (1ull << 26) + (1ull << 20), (1ull << 26) + (1ull << 20));
    CHECK_MSG(nnq_output_read_info(path, &info, &err) == NNQ_ERR_CONFIG &&
                  strstr(err.msg, "'/diagnostics/t'") && strstr(err.msg, "2^26"),
              "2^26 + 2^20 rows: %s", err.msg);
}

/* An nnq output (1D, from test_compound_psi) as the input of another run: as a 2D run's
 * potential it was taken for a time series ("no dataset '/potential/t'"); with hbar = 0 as an
 * initial state it said "p is not finite". */
static void test_outputs_as_inputs(void) {
    char state[300], set[340];
    snprintf(state, sizeof state, "%s/state.h5", dir);
    static const char two_d[] = "[run]\nsteps = 2\ndt = 1e-3\nplanner = estimate\n"
                                "[grid]\nn = 16, 16\nqmin = -4\nqmax = 4\n"
                                "[initial]\npreset = gaussian\n[madelung]\nenabled = false\n";
    snprintf(set, sizeof set, "potential.file=%s", state);
    const char *const s1[1] = {set};
    struct nnq_config cfg;
    struct nnq_summary sum;
    struct nnq_err err = {0};
    char out[300];
    snprintf(out, sizeof out, "%s/in_out.h5", dir);
    struct nnq_run_options opt = {.output = out, .force = 1};
    CHECK(nnq_config_load_string(two_d, "t.ini", s1, 1, &cfg, &err) == NNQ_OK);
    CHECK(nnq_run(&cfg, &opt, &sum, &err) == NNQ_ERR_CONFIG);
    CHECK_MSG(strstr(err.msg, "the output of a 1D run, the grid is 2D"), "%s", err.msg);

    hid_t f = H5Fopen(state, H5F_ACC_RDWR, H5P_DEFAULT);
    hid_t a = H5Aopen(f, "hbar", H5P_DEFAULT);
    const double zero = 0;
    CHECK(H5Awrite(a, H5T_NATIVE_DOUBLE, &zero) >= 0);
    H5Aclose(a);
    H5Fclose(f);
    static const char one_d[] = "[run]\nsteps = 2\ndt = 1e-3\nplanner = estimate\n"
                                "[grid]\nn = 16\nqmin = -4\nqmax = 4\n"
                                "[madelung]\nenabled = false\n";
    snprintf(set, sizeof set, "initial.file=%s", state);
    CHECK(nnq_config_load_string(one_d, "o.ini", s1, 1, &cfg, &err) == NNQ_OK);
    CHECK(nnq_run(&cfg, &opt, &sum, &err) == NNQ_ERR_CONFIG);
    CHECK_MSG(strstr(err.msg, "hbar is not one positive number"), "%s", err.msg);
}

/* Dataset name of f: type over space, written from data. */
static void put(hid_t f, const char *name, hid_t type, hid_t space, const void *data) {
    hid_t d = H5Dcreate2(f, name, type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    CHECK(d >= 0 && H5Dwrite(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) >= 0);
    H5Dclose(d);
}

/* The table reader both file kinds share (nnq_h5read_table_*), at its edges: a dataset over
 * the grid's axes, with and without a leading axis, the compound psi, each refusal by its
 * message, and rows read up to the last and not one past it. */
static void test_table_reader(void) {
    char path[300];
    snprintf(path, sizeof path, "%s/table.h5", dir);
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    double v[2][4][3];
    for (int k = 0; k < 24; k++)
        (&v[0][0][0])[k] = k;
    const hsize_t s2[2] = {4, 3}, s3[3] = {2, 4, 3}, sbad[2] = {5, 3};
    hid_t sp = H5Screate_simple(2, s2, NULL);
    put(f, "v", H5T_NATIVE_DOUBLE, sp, v[1]);
    hid_t ty = H5Tcreate(H5T_COMPOUND, 2 * sizeof(double));
    H5Tinsert(ty, "r", 0, H5T_NATIVE_DOUBLE);
    H5Tinsert(ty, "i", sizeof(double), H5T_NATIVE_DOUBLE);
    hid_t sp6 = H5Screate_simple(2, (const hsize_t[2]){4, 3}, NULL);
    double pairs[24];
    for (int k = 0; k < 24; k++)
        pairs[k] = 0.5 * k;
    put(f, "psi", ty, sp6, pairs);
    hid_t sp3 = H5Screate_simple(3, s3, NULL), spb = H5Screate_simple(2, sbad, NULL);
    put(f, "vt", H5T_NATIVE_DOUBLE, sp3, v);
    double bad[15] = {0};
    put(f, "bad", H5T_NATIVE_DOUBLE, spb, bad);
    hid_t str = H5Tcopy(H5T_C_S1);
    H5Tset_size(str, 4);
    char text[12][4] = {{0}};
    put(f, "text", str, sp, text);
    H5Tclose(str);
    H5Tclose(ty);
    H5Sclose(sp);
    H5Sclose(sp6);
    H5Sclose(sp3);
    H5Sclose(spb);
    H5Fclose(f);
    struct nnq_err err = {0};
    f = nnq_h5read_open("[key]", path, &err);
    CHECK(f >= 0);
    const size_t n[2] = {4, 3};
    const char *const coord[2] = {"q0", "q1"};
    struct nnq_h5read_table t;
    double got[24];
    /* without a leading axis: rows 1 and 2, then the last row alone, then one past it */
    CHECK(nnq_h5read_table_open(f, "[key]", path, "v", 2, NNQ_H5READ_LEAD_NONE, "", n, coord, 0, &t,
                                &err) == NNQ_OK &&
          t.lead == 0);
    CHECK(nnq_h5read_table_rows(&t, 0, 1, 1, 2, got, &err) == NNQ_OK);
    CHECK(memcmp(got, &v[1][1][0], 6 * sizeof(double)) == 0);
    CHECK(nnq_h5read_table_rows(&t, 0, 1, 3, 1, got, &err) == NNQ_OK &&
          memcmp(got, &v[1][3][0], 3 * sizeof(double)) == 0);
    CHECK(nnq_h5read_table_rows(&t, 0, 1, 3, 2, got, &err) == NNQ_ERR_CONFIG);
    CHECK_MSG(strstr(err.msg, path) && strstr(err.msg, "'v' has 1 by 4 rows"), "%s", err.msg);
    CHECK(nnq_h5read_table_rows(&t, 1, 1, 0, 1, got, &err) == NNQ_ERR_CONFIG);
    CHECK(nnq_h5read_table_rows(&t, 0, 0, 0, 0, got, &err) == NNQ_OK);
    nnq_h5read_table_close(&t);
    nnq_h5read_table_close(&t); /* a second close is a no-op */
    /* a leading axis, optional and taken: the second time's rows 2 and 3 */
    CHECK(nnq_h5read_table_open(f, "[key]", path, "vt", 2, NNQ_H5READ_LEAD_MAYBE, "a time axis", n,
                                coord, 0, &t, &err) == NNQ_OK &&
          t.lead == 1 && t.shape[0] == 2);
    CHECK(nnq_h5read_table_rows(&t, 1, 1, 2, 2, got, &err) == NNQ_OK &&
          memcmp(got, &v[1][2][0], 6 * sizeof(double)) == 0);
    CHECK(nnq_h5read_table_rows(&t, 0, 2, 0, 4, got, &err) == NNQ_OK &&
          memcmp(got, v, 24 * sizeof(double)) == 0);
    CHECK(nnq_h5read_table_rows(&t, 1, 2, 0, 4, got, &err) == NNQ_ERR_CONFIG);
    nnq_h5read_table_close(&t);
    /* the compound psi as pairs */
    CHECK(nnq_h5read_table_open(f, "[key]", path, "psi", 2, NNQ_H5READ_LEAD_NONE, "", n, coord, 1,
                                &t, &err) == NNQ_OK);
    CHECK(nnq_h5read_table_rows(&t, 0, 1, 3, 1, got, &err) == NNQ_OK &&
          memcmp(got, pairs + 18, 6 * sizeof(double)) == 0);
    nnq_h5read_table_close(&t);
    /* refusals, each named */
    static const struct {
        const char *name;
        enum nnq_h5read_lead lead;
        int pair;
        const char *says;
    } refused[] = {
        {"none", NNQ_H5READ_LEAD_NONE, 0, "no dataset 'none'"},
        {"vt", NNQ_H5READ_LEAD_NONE, 0, "'vt' has 3 axes, the grid 2"},
        {"v", NNQ_H5READ_LEAD, 0, "'v' has 2 axes, the grid 2 and a snapshot axis"},
        {"vt", NNQ_H5READ_LEAD_MAYBE, 1, "'vt' is not the compound {r, i}"},
        {"bad", NNQ_H5READ_LEAD_MAYBE, 0, "'bad' has 5 points on axis 0, its coordinates q0 4"},
        {"text", NNQ_H5READ_LEAD_NONE, 0, "'text' is not numeric"},
    };
    for (size_t k = 0; k < sizeof refused / sizeof refused[0]; k++) {
        err.msg[0] = 0;
        CHECK(nnq_h5read_table_open(f, "[key]", path, refused[k].name, 2, refused[k].lead,
                                    "a snapshot axis", n, coord, refused[k].pair, &t,
                                    &err) == NNQ_ERR_CONFIG);
        CHECK_MSG(strstr(err.msg, "[key]") && strstr(err.msg, refused[k].says), "%s: %s",
                  refused[k].says, err.msg);
        CHECK(t.d < 0 && t.space < 0);
        nnq_h5read_table_close(&t);
    }
    H5Fclose(f);
}

int main(void) {
    snprintf(dir, sizeof dir, "/tmp/nnq_test_h5read_XXXXXX");
    if (!mkdtemp(dir))
        return 1;
    test_table_reader();
    test_potential_files();
    test_compound_psi();
    test_outputs_as_inputs();
    test_info_bombs();
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        return 1;
    return check_result();
}
