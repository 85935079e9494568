/* helpers.c - see helpers.h. */
#include "helpers.h"

#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

enum nnq_status test_run(const char *dir, const char *name, const char *ini,
                         const char *const *sets, int nsets, struct nnq_config *cfg,
                         struct nnq_summary *sum) {
    static struct nnq_config own;
    struct nnq_err err = {0};
    if (!cfg)
        cfg = &own;
    if (nnq_config_load_string(ini, name, sets, nsets, cfg, &err)) {
        fprintf(stderr, "config: %s\n", err.msg);
        exit(2);
    }
    char out[300];
    snprintf(out, sizeof out, "%s/%s.h5", dir, name);
    struct nnq_run_options opt = {.output = out, .force = 1};
    enum nnq_status rc = nnq_run(cfg, &opt, sum, &err);
    if (rc != NNQ_OK)
        fprintf(stderr, "%s: run failed: %s\n", name, err.msg);
    return rc;
}

int test_column(const char *dir, const char *name, const char *col, double *v, int max) {
    char dset[64];
    snprintf(dset, sizeof dset, "/diagnostics/%s", col);
    size_t n, rows;
    double *all = test_read(dir, name, dset, &n, &rows);
    if (!all)
        return -1;
    for (size_t i = 0; rows <= (size_t)max && i < rows; i++)
        v[i] = all[i];
    free(all);
    return (int)rows;
}

double *test_read(const char *dir, const char *name, const char *dset, size_t *n, size_t *rows) {
    char path[300];
    snprintf(path, sizeof path, "%s/%s.h5", dir, name);
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    double *v = NULL;
    *n = *rows = 0;
    if (f >= 0 && H5Lexists(f, dset, H5P_DEFAULT) > 0) {
        hid_t d = H5Dopen2(f, dset, H5P_DEFAULT);
        hid_t s = H5Dget_space(d);
        hsize_t dims[4] = {0, 1, 1, 1};
        const int rank = H5Sget_simple_extent_ndims(s);
        if (rank >= 1 && rank <= 4) {
            H5Sget_simple_extent_dims(s, dims, NULL);
            *rows = dims[0];
            *n = dims[0];
            for (int i = 1; i < rank; i++)
                *n *= dims[i];
            v = malloc(sizeof(double) * (*n ? *n : 1));
            if (v && H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0) {
                free(v);
                v = NULL;
                *n = *rows = 0;
            }
        }
        H5Sclose(s);
        H5Dclose(d);
    }
    if (f >= 0)
        H5Fclose(f);
    return v;
}

int test_chi_square(const double *x, long n, int stride, double lo, double w, const double *prob,
                    int bins, double *z) {
    double chi2 = 0;
    int used = 0;
    for (int b = 0; b < bins; b++) {
        long hits = 0;
        for (long i = 0; i < n; i++)
            hits += (long)floor((x[i * stride] - lo) / w) == b;
        const double expect = (double)n * prob[b];
        if (expect < 20)
            continue;
        chi2 += ((double)hits - expect) * ((double)hits - expect) / expect;
        used++;
    }
    *z = (chi2 - (used - 1)) / sqrt(2.0 * (used - 1));
    return used;
}
