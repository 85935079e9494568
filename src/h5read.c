/* h5read.c - tables from the user's HDF5 files (see include/nnq/h5read.h). */
#include "nnq/h5read.h"

#include <math.h>
#include <stdlib.h>

hid_t nnq_h5read_open(const char *key, const char *path, struct nnq_err *err) {
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL); /* errors are reported here, not printed by HDF5 */
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

int nnq_h5read_extent(hid_t sp, hsize_t *dims, int max_rank) {
    const int rank = sp >= 0 ? H5Sget_simple_extent_ndims(sp) : -1;
    if (rank >= 1 && rank <= max_rank && H5Sget_simple_extent_dims(sp, dims, NULL) != rank)
        return -1;
    return rank;
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
    hid_t sp = d >= 0 ? H5Dget_space(d) : -1;
    hid_t ty = d >= 0 ? H5Dget_type(d) : -1;
    hsize_t len = 0;
    const int rank = nnq_h5read_extent(sp, &len, 1);
    const H5T_class_t cls = ty >= 0 ? H5Tget_class(ty) : H5T_NO_CLASS;
    enum nnq_status rc = NNQ_OK;
    if (rank != 1)
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
