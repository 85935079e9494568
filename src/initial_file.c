/*
 * initial_file.c - the initial state from a file ([initial] file, snapshot): see
 * include/nnq/initial.h. An nnq output gives psi of one of its snapshots (/schrodinger/psi,
 * else sqrt(p) exp(i F / hbar) from its p and F with the hbar it was written with); any other
 * file gives datasets p and F (F optional, 0) on coordinate lists q0.. . On this grid the
 * values are used as they are; on another, the real and imaginary parts of psi are resampled
 * (nnq/resample.h: cubic Hermite, order 3) - psi, not F, whose jumps by 2 pi hbar would smear.
 * Each rank reads the rows of axis 0 its slab needs.
 */
#include <complex.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nnq/h5read.h"
#include "nnq/initial.h"
#include "nnq/resample.h"

static const char key[] = "[initial] file";

/* Rows [row0, row0 + rows) of axis 0 of dataset name (on the coordinates coord, n[a] values
 * each; with a leading snapshot axis read at `snap` when snap >= 0) into v (doubles, or pairs
 * for the compound psi). */
static enum nnq_status read_rows(hid_t f, const char *path, const char *name, int dims, long snap,
                                 const size_t *n, char coord[][32], size_t row0, size_t rows,
                                 int pair, double *v, struct nnq_err *err) {
    const char *const names[3] = {coord[0], coord[1], coord[2]};
    struct nnq_h5read_table t;
    enum nnq_status rc = nnq_h5read_table_open(f, key, path, name, dims,
                                               snap >= 0 ? NNQ_H5READ_LEAD : NNQ_H5READ_LEAD_NONE,
                                               "a leading snapshot axis", n, names, pair, &t, err);
    if (rc == NNQ_OK)
        rc = nnq_h5read_table_rows(&t, snap >= 0 ? (hsize_t)snap : 0, 1, row0, rows, v, err);
    nnq_h5read_table_close(&t);
    return rc;
}

double nnq_initial_read_bytes(const struct nnq_config *cfg) {
    if (cfg->initial_kind != NNQ_INIT_FILE)
        return 0;
    struct nnq_err ignored = {0};
    hid_t f = nnq_h5read_open(key, cfg->initial_file, &ignored);
    if (f < 0)
        return 0;
    const int nnq = H5Aexists(f, "nnq_version") > 0;
    const char *name = !nnq                                                ? "p"
                       : H5Lexists(f, "/schrodinger/psi", H5P_DEFAULT) > 0 ? "/schrodinger/psi"
                                                                           : "/schrodinger/p";
    hsize_t dims[4];
    const int rank = nnq_h5read_shape(f, key, cfg->initial_file, name, dims, 4);
    const int lead = nnq; /* an output's leading snapshot axis: one snapshot is read */
    double points = rank > lead ? 1 : 0;
    for (int a = lead; a < rank; a++)
        points *= (double)dims[a];
    H5Fclose(f);
    return 3.0 * sizeof(double) * points;
}

enum nnq_status nnq_initial_read(const struct nnq_config *cfg, const struct nnq_grid *g,
                                 double complex *psi, struct nnq_err *err) {
    const char *path = cfg->initial_file;
    const int dims = cfg->dims;
    hid_t f = nnq_h5read_open(key, path, err);
    if (f < 0)
        return NNQ_ERR_CONFIG;
    const int nnq = H5Aexists(f, "nnq_version") > 0;
    double *coord[3] = {NULL, NULL, NULL}, *re = NULL, *im = NULL, *out = NULL;
    size_t n[3] = {1, 1, 1};
    enum nnq_status rc = NNQ_OK;
    char cname[3][32] = {"", "", ""};
    for (int a = 0; a < dims && rc == NNQ_OK; a++) {
        snprintf(cname[a], sizeof cname[a], nnq ? "/grid/q%d" : "q%d", a);
        rc = nnq_h5read_vector(f, key, path, cname[a], 1, &coord[a], &n[a], err);
    }
    /* which state: psi of a snapshot, or p and F */
    long snap = -1;
    int complex_ = 0;
    double hbar = cfg->hbar;
    char pname[64] = "p", fname[64] = "F";
    if (rc == NNQ_OK && nnq) {
        complex_ = H5Lexists(f, "/schrodinger/psi", H5P_DEFAULT) > 0;
        snprintf(pname, sizeof pname, complex_ ? "/schrodinger/psi" : "/schrodinger/p");
        snprintf(fname, sizeof fname, "/schrodinger/F");
        /* F was written with the file's hbar */
        if (H5Aexists(f, "hbar") > 0 &&
            (!nnq_h5read_number(f, "hbar", &hbar) || !isfinite(hbar) || !(hbar > 0)))
            rc = nnq_err_set(err, NNQ_ERR_CONFIG,
                             "%s %s: its attribute hbar is not one positive number (F = hbar arg "
                             "psi needs it)",
                             key, path);
        double fdims = dims;
        nnq_h5read_number(f, "dims", &fdims);
        if (rc == NNQ_OK && fdims != dims)
            rc = nnq_err_set(err, NNQ_ERR_CONFIG, "%s %s: the output of a %gD run, the grid is %dD",
                             key, path, fdims, dims);
        hsize_t snaps = 0;
        if (H5Lexists(f, "/snapshots/t", H5P_DEFAULT) > 0) {
            hid_t d = H5Dopen2(f, "/snapshots/t", H5P_DEFAULT), sp = d >= 0 ? H5Dget_space(d) : -1;
            if (nnq_h5read_extent(sp, &snaps, 1) != 1)
                snaps = 0; /* not a list of times: no snapshot to take */
            if (sp >= 0)
                H5Sclose(sp);
            if (d >= 0)
                H5Dclose(d);
        }
        snap =
            cfg->initial_snapshot < 0 ? (long)snaps + cfg->initial_snapshot : cfg->initial_snapshot;
        if (rc == NNQ_OK && (snap < 0 || snap >= (long)snaps))
            rc = nnq_err_set(err, NNQ_ERR_CONFIG,
                             "%s %s: [initial] snapshot %ld, but the file holds %llu snapshots",
                             key, path, cfg->initial_snapshot, (unsigned long long)snaps);
    }
    size_t row0 = 0, rows = 0;
    if (rc == NNQ_OK) {
        nnq_resample_rows(g, coord[0], n[0], &row0, &rows);
        rows -= row0;
    }
    const size_t count = rows * n[1] * n[2];
    const size_t local = (size_t)(g->local_size > 0 ? g->local_size : 1);
    if (rc == NNQ_OK && (double)count > (double)NNQ_H5READ_MAX_VALUES)
        rc = nnq_err_set(err, NNQ_ERR_CONFIG, "%s %s: %zu values, more than nnq reads (2^31)", key,
                         path, count);
    if (rc == NNQ_OK) /* the rows read as pairs, and the second part apart */
        rc = nnq_h5read_fits(3.0 * sizeof(double) * (double)count, cfg->run_memory_limit, key, path,
                             pname, err);
    if (rc == NNQ_OK &&
        (!(re = malloc(sizeof(double) * 2 * (count + 1))) ||
         !(im = malloc(sizeof(double) * (count + 1))) || !(out = malloc(sizeof(double) * local))))
        rc = nnq_err_set(err, NNQ_ERR_RUNTIME, "out of memory reading %s", path);
    if (rc == NNQ_OK)
        rc = read_rows(f, path, pname, dims, snap, n, cname, row0, rows, complex_, re, err);
    if (rc == NNQ_OK && complex_) {
        for (size_t k = 0; k < count; k++)
            im[k] = re[2 * k + 1];
        for (size_t k = 0; k < count; k++)
            re[k] = re[2 * k];
    } else if (rc == NNQ_OK) { /* p and F: psi = sqrt(p) exp(i F / hbar) */
        const int has_F = H5Lexists(f, fname, H5P_DEFAULT) > 0;
        if (nnq && !has_F) /* a run's state without its phase is not that state */
            rc = nnq_err_set(err, NNQ_ERR_CONFIG,
                             "%s %s: the output holds %s but neither /schrodinger/psi nor %s "
                             "(written with [output] fields = p): the state's phase is not "
                             "there: the run that writes it needs fields = psi (or p, F)",
                             key, path, pname, fname);
        if (has_F && rc == NNQ_OK)
            rc = read_rows(f, path, fname, dims, snap, n, cname, row0, rows, 0, im, err);
        for (size_t k = 0; k < count && rc == NNQ_OK; k++) {
            const double p = re[k], F = has_F ? im[k] : 0.0;
            if (!(p >= 0) || !isfinite(p) || !isfinite(F))
                rc = nnq_err_set(err, NNQ_ERR_CONFIG,
                                 "%s %s: %s is %g and %s %g at flat index %zu of this rank's "
                                 "rows: p must be finite and >= 0, F finite",
                                 key, path, pname, p, fname, F, k + row0 * n[1] * n[2]);
            const double complex z = sqrt(p) * cexp(I * F / hbar);
            re[k] = creal(z);
            im[k] = cimag(z);
        }
    }
    for (size_t k = 0; k < count && rc == NNQ_OK; k++)
        if (!isfinite(re[k]) || !isfinite(im[k]))
            rc = nnq_err_set(err, NNQ_ERR_CONFIG, "%s %s: %s is not finite at flat index %zu", key,
                             path, pname, k + row0 * n[1] * n[2]);
    /* onto the grid, the real and imaginary parts in turn */
    const double *const c[3] = {coord[0], coord[1], coord[2]};
    for (int part = 0; part < 2 && rc == NNQ_OK; part++) {
        ptrdiff_t index = 0;
        const int axis = nnq_resample_onto(g, c, n, row0, rows, part ? im : re, out, &index);
        if (axis == -2)
            rc = nnq_err_set(err, NNQ_ERR_RUNTIME, "out of memory");
        else if (axis >= 0)
            rc = nnq_err_set(err, NNQ_ERR_CONFIG,
                             "%s %s: the grid point q%d = %g (index %td) lies outside the "
                             "file's coordinates on axis %d, [%g, %g]",
                             key, path, axis, g->q[axis][index], index, axis, coord[axis][0],
                             coord[axis][n[axis] - 1]);
        for (ptrdiff_t k = 0; k < g->local_size && rc == NNQ_OK; k++)
            ((double *)&psi[k])[part] = out[k]; /* C11: a complex is double[2] */
    }
    for (int a = 0; a < 3; a++)
        free(coord[a]);
    free(re);
    free(im);
    free(out);
    H5Fclose(f);
    return rc;
}
