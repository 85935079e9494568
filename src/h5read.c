/* h5read.c - tables from the user's HDF5 files (see include/nnq/h5read.h). */
#include "nnq/h5read.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

hid_t nnq_h5read_open(const char *key, const char *path, struct nnq_err *err) {
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL); /* errors are reported here, not printed by HDF5 */
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        nnq_err_set(err, NNQ_ERR_CONFIG, "%s %s: not a regular file (a FIFO, device or directory)",
                    key, path);
        return -1;
    }
    if (H5Fis_hdf5(path) <= 0) {
        nnq_err_set(err, NNQ_ERR_CONFIG,
                    "%s %s: not an HDF5 file (missing, unreadable or truncated)", key, path);
        return -1;
    }
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0)
        nnq_err_set(err, NNQ_ERR_CONFIG, "%s %s: HDF5 cannot open it (truncated or damaged?)", key,
                    path);
    return f;
}

/* 1 when dataset d (of storage `layout`) has storage for every element: a chunked one every
 * chunk its extent covers (its space status would count compressed chunks as partial), a
 * contiguous one its block. An empty dataset has nothing to write. */
static int written(hid_t d, H5D_layout_t layout) {
    hid_t sp = H5Dget_space(d);
    hsize_t dims[H5S_MAX_RANK], have = 0;
    const int rank = sp >= 0 ? H5Sget_simple_extent_dims(sp, dims, NULL) : -1;
    const hssize_t points = sp >= 0 ? H5Sget_simple_extent_npoints(sp) : -1;
    /* HDF5 1.10 takes the whole space itself, not H5S_ALL */
    const int counted = layout == H5D_CHUNKED && H5Dget_num_chunks(d, sp, &have) >= 0;
    if (sp >= 0)
        H5Sclose(sp);
    if (rank < 0 || points < 0)
        return 0;
    if (points == 0)
        return 1;
    if (layout == H5D_CHUNKED) {
        hid_t dcpl = H5Dget_create_plist(d);
        hsize_t chunk[H5S_MAX_RANK];
        const int crank = H5Pget_chunk(dcpl, H5S_MAX_RANK, chunk);
        H5Pclose(dcpl);
        double need = 1;
        for (int a = 0; a < rank && crank == rank; a++)
            need *= ceil((double)dims[a] / (double)(chunk[a] ? chunk[a] : 1));
        return crank == rank && counted && (double)have >= need;
    }
    H5D_space_status_t status = H5D_SPACE_STATUS_ERROR;
    return H5Dget_space_status(d, &status) >= 0 && status == H5D_SPACE_STATUS_ALLOCATED;
}

enum nnq_status nnq_h5read_plain(hid_t d, const char *key, const char *path, const char *name,
                                 struct nnq_err *err) {
    hid_t dcpl = d >= 0 ? H5Dget_create_plist(d) : -1;
    const H5D_layout_t layout = dcpl >= 0 ? H5Pget_layout(dcpl) : H5D_LAYOUT_ERROR;
    const int external = dcpl >= 0 ? H5Pget_external_count(dcpl) : -1;
    if (dcpl >= 0)
        H5Pclose(dcpl);
    const char *why = NULL;
    if (layout == H5D_VIRTUAL)
        why = "is a virtual dataset (its data in other datasets or files)";
    else if (layout != H5D_CONTIGUOUS && layout != H5D_CHUNKED && layout != H5D_COMPACT)
        why = "has a storage layout nnq cannot read";
    else if (external != 0)
        why = "keeps its data in external raw files";
    if (!why && !written(d, layout))
        why = "was not written in full (unwritten elements would read as its fill value)";
    return why ? nnq_err_set(err, NNQ_ERR_CONFIG,
                             "%s %s: '%s' %s: nnq reads datasets stored in the file itself, "
                             "every element written",
                             key, path, name, why)
               : NNQ_OK;
}

enum nnq_status nnq_h5read_fits(double bytes, double limit, const char *key, const char *path,
                                const char *name, struct nnq_err *err) {
    if (!(limit > 0) || bytes <= limit)
        return NNQ_OK;
    return nnq_err_set(err, NNQ_ERR_CONFIG,
                       "%s %s: reading '%s' takes %.3g GB, more than [run] memory_limit (%.3g "
                       "GB): a coarser table, or a higher [run] memory_limit",
                       key, path, name, bytes / 1e9, limit / 1e9);
}

int nnq_h5read_shape(hid_t f, const char *key, const char *path, const char *name, hsize_t *dims,
                     int max_rank) {
    if (f < 0 || H5Lexists(f, name, H5P_DEFAULT) <= 0)
        return -1;
    struct nnq_err ignored = {0};
    hid_t d = H5Dopen2(f, name, H5P_DEFAULT);
    hid_t sp = nnq_h5read_plain(d, key, path, name, &ignored) == NNQ_OK ? H5Dget_space(d) : -1;
    const int rank = nnq_h5read_extent(sp, dims, max_rank);
    if (sp >= 0)
        H5Sclose(sp);
    if (d >= 0)
        H5Dclose(d);
    return rank >= 1 && rank <= max_rank ? rank : -1;
}

int nnq_h5read_extent(hid_t sp, hsize_t *dims, int max_rank) {
    const int rank = sp >= 0 ? H5Sget_simple_extent_ndims(sp) : -1;
    if (rank >= 1 && rank <= max_rank && H5Sget_simple_extent_dims(sp, dims, NULL) != rank)
        return -1;
    return rank;
}

int nnq_h5read_number(hid_t loc, const char *name, double *v) {
    if (H5Aexists(loc, name) <= 0)
        return 0;
    hid_t a = H5Aopen(loc, name, H5P_DEFAULT);
    hid_t t = a >= 0 ? H5Aget_type(a) : -1;
    const H5T_class_t c = t >= 0 ? H5Tget_class(t) : H5T_NO_CLASS;
    double x = 0;
    const int ok = nnq_h5read_single(a) && (c == H5T_FLOAT || c == H5T_INTEGER) &&
                   H5Aread(a, H5T_NATIVE_DOUBLE, &x) >= 0;
    if (t >= 0)
        H5Tclose(t);
    if (a >= 0)
        H5Aclose(a);
    if (ok)
        *v = x;
    return ok;
}

int nnq_h5read_single(hid_t a) {
    hid_t sp = a >= 0 ? H5Aget_space(a) : -1;
    const int one = sp >= 0 && H5Sget_simple_extent_npoints(sp) == 1;
    if (sp >= 0)
        H5Sclose(sp);
    return one;
}

enum nnq_status nnq_h5read_vector(hid_t f, const char *key, const char *path, const char *name,
                                  int increasing, double **out, size_t *n, struct nnq_err *err) {
    *out = NULL;
    *n = 0;
    if (H5Lexists(f, name, H5P_DEFAULT) <= 0)
        return nnq_err_set(err, NNQ_ERR_CONFIG, "%s %s: no dataset '%s'", key, path, name);
    hid_t d = H5Dopen2(f, name, H5P_DEFAULT);
    enum nnq_status rc = nnq_h5read_plain(d, key, path, name, err);
    hid_t sp = d >= 0 && rc == NNQ_OK ? H5Dget_space(d) : -1;
    hid_t ty = d >= 0 && rc == NNQ_OK ? H5Dget_type(d) : -1;
    hsize_t len = 0;
    const int rank = nnq_h5read_extent(sp, &len, 1);
    const H5T_class_t cls = ty >= 0 ? H5Tget_class(ty) : H5T_NO_CLASS;
    if (rc != NNQ_OK)
        ;
    else if (rank != 1)
        rc = nnq_err_set(err, NNQ_ERR_CONFIG, "%s %s: '%s' has %d axes, a coordinate list needs 1",
                         key, path, name, rank);
    else if (cls != H5T_FLOAT && cls != H5T_INTEGER)
        rc = nnq_err_set(err, NNQ_ERR_CONFIG, "%s %s: '%s' is not numeric", key, path, name);
    else if (len < 2 || (long long)len > NNQ_H5READ_MAX_VALUES)
        rc = nnq_err_set(err, NNQ_ERR_CONFIG, "%s %s: '%s' has %llu values (2 to 2^31 needed)", key,
                         path, name, (unsigned long long)len);
    else if (!(*out = malloc(sizeof(double) * len)))
        rc = nnq_err_set(err, NNQ_ERR_RUNTIME, "out of memory reading %s", path);
    else if (H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, *out) < 0)
        rc = nnq_err_set(err, NNQ_ERR_CONFIG, "%s %s: '%s' cannot be read", key, path, name);
    for (hsize_t k = 0; rc == NNQ_OK && increasing && k < len; k++) {
        const double *x = *out;
        if (!isfinite(x[k]) || (k > 0 && !(x[k] > x[k - 1])))
            rc = nnq_err_set(err, NNQ_ERR_CONFIG,
                             "%s %s: %s[%llu] = %g %s: coordinates must be finite and increase",
                             key, path, name, (unsigned long long)k, x[k],
                             isfinite(x[k]) ? "does not exceed the one before" : "");
    }
    if (ty >= 0)
        H5Tclose(ty);
    if (sp >= 0)
        H5Sclose(sp);
    if (d >= 0)
        H5Dclose(d);
    if (rc != NNQ_OK) {
        free(*out);
        *out = NULL;
    }
    *n = len;
    return rc;
}

/* 1 when type ty is the compound of exactly two numeric members named r and i: HDF5 converts
 * compounds by member name and leaves a member it does not find unwritten. */
static int pair_of_doubles(hid_t ty) {
    int ok = ty >= 0 && H5Tget_class(ty) == H5T_COMPOUND && H5Tget_nmembers(ty) == 2;
    for (unsigned k = 0; ok && k < 2; k++) {
        char *name = H5Tget_member_name(ty, k);
        const H5T_class_t c = H5Tget_member_class(ty, k);
        ok = name && strcmp(name, k == 0 ? "r" : "i") == 0 && (c == H5T_FLOAT || c == H5T_INTEGER);
        H5free_memory(name);
    }
    return ok;
}

enum nnq_status nnq_h5read_table_open(hid_t f, const char *key, const char *path, const char *name,
                                      int dims, enum nnq_h5read_lead lead, const char *lead_what,
                                      const size_t *n, const char *const *coord, int pair,
                                      struct nnq_h5read_table *t, struct nnq_err *err) {
    *t = (struct nnq_h5read_table){
        .d = -1, .space = -1, .dims = dims, .pair = pair, .key = key, .path = path, .name = name};
    if (H5Lexists(f, name, H5P_DEFAULT) <= 0)
        return nnq_err_set(err, NNQ_ERR_CONFIG, "%s %s: no dataset '%s'", key, path, name);
    t->d = H5Dopen2(f, name, H5P_DEFAULT);
    enum nnq_status rc = t->d >= 0 ? nnq_h5read_plain(t->d, key, path, name, err)
                                   : nnq_err_set(err, NNQ_ERR_CONFIG,
                                                 "%s %s: '%s' cannot be opened", key, path, name);
    hid_t ty = rc == NNQ_OK ? H5Dget_type(t->d) : -1;
    const H5T_class_t cls = ty >= 0 ? H5Tget_class(ty) : H5T_NO_CLASS;
    if (rc == NNQ_OK && pair && !pair_of_doubles(ty))
        rc = nnq_err_set(err, NNQ_ERR_CONFIG,
                         "%s %s: '%s' is not the compound {r, i} of nnq's psi (two numbers named "
                         "r and i)",
                         key, path, name);
    else if (rc == NNQ_OK && !pair && cls != H5T_FLOAT && cls != H5T_INTEGER)
        rc = nnq_err_set(err, NNQ_ERR_CONFIG, "%s %s: '%s' is not numeric", key, path, name);
    if (ty >= 0)
        H5Tclose(ty);
    if (rc == NNQ_OK)
        t->space = H5Dget_space(t->d);
    t->rank = nnq_h5read_extent(t->space, t->shape, 4);
    t->lead = lead == NNQ_H5READ_LEAD || (lead == NNQ_H5READ_LEAD_MAYBE && t->rank == dims + 1);
    if (rc != NNQ_OK)
        ;
    else if (t->rank != dims + t->lead && lead == NNQ_H5READ_LEAD_MAYBE)
        rc =
            nnq_err_set(err, NNQ_ERR_CONFIG, "%s %s: '%s' has %d axes, the grid %d (or %d with %s)",
                        key, path, name, t->rank, dims, dims + 1, lead_what);
    else if (t->rank != dims + t->lead)
        rc = nnq_err_set(err, NNQ_ERR_CONFIG, "%s %s: '%s' has %d axes, the grid %d%s%s", key, path,
                         name, t->rank, dims, t->lead ? " and " : "", t->lead ? lead_what : "");
    for (int a = 0; a < dims && rc == NNQ_OK; a++)
        if (t->shape[t->lead + a] != n[a])
            rc = nnq_err_set(err, NNQ_ERR_CONFIG,
                             "%s %s: '%s' has %llu points on axis %d, its coordinates %s %zu", key,
                             path, name, (unsigned long long)t->shape[t->lead + a], a, coord[a],
                             n[a]);
    if (rc != NNQ_OK)
        nnq_h5read_table_close(t);
    return rc;
}

enum nnq_status nnq_h5read_table_rows(const struct nnq_h5read_table *t, hsize_t lead0,
                                      hsize_t nlead, size_t row0, size_t rows, double *v,
                                      struct nnq_err *err) {
    assert(t->d >= 0 && t->space >= 0 && t->rank == t->dims + t->lead);
    const hsize_t leads = t->lead ? t->shape[0] : 1;
    if (lead0 + nlead > leads || row0 + rows > t->shape[t->lead])
        return nnq_err_set(err, NNQ_ERR_CONFIG,
                           "%s %s: '%s' has %llu by %llu rows, not [%llu, %llu) by [%zu, %zu)",
                           t->key, t->path, t->name, (unsigned long long)leads,
                           (unsigned long long)t->shape[t->lead], (unsigned long long)lead0,
                           (unsigned long long)(lead0 + nlead), row0, row0 + rows);
    if (nlead == 0 || rows == 0)
        return NNQ_OK;
    hsize_t start[4] = {0, 0, 0, 0}, count[4];
    for (int i = 0; i < t->rank; i++)
        count[i] = t->shape[i];
    if (t->lead)
        start[0] = lead0, count[0] = nlead;
    start[t->lead] = row0;
    count[t->lead] = rows;
    hid_t mem = H5Screate_simple(t->rank, count, NULL);
    hid_t type = H5T_NATIVE_DOUBLE;
    if (t->pair) {
        type = H5Tcreate(H5T_COMPOUND, 2 * sizeof(double));
        H5Tinsert(type, "r", 0, H5T_NATIVE_DOUBLE);
        H5Tinsert(type, "i", sizeof(double), H5T_NATIVE_DOUBLE);
    }
    enum nnq_status rc = NNQ_OK;
    if (mem < 0 || type < 0 ||
        H5Sselect_hyperslab(t->space, H5S_SELECT_SET, start, NULL, count, NULL) < 0 ||
        H5Dread(t->d, type, mem, t->space, H5P_DEFAULT, v) < 0)
        rc = nnq_err_set(err, NNQ_ERR_CONFIG, "%s %s: '%s' cannot be read%s", t->key, t->path,
                         t->name, t->pair ? " as the compound {r, i} of nnq's psi" : "");
    if (t->pair && type >= 0)
        H5Tclose(type);
    if (mem >= 0)
        H5Sclose(mem);
    return rc;
}

void nnq_h5read_table_close(struct nnq_h5read_table *t) {
    if (t->space >= 0)
        H5Sclose(t->space);
    if (t->d >= 0)
        H5Dclose(t->d);
    t->space = t->d = -1;
}
