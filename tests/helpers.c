/* helpers.c - see helpers.h. */
#include "helpers.h"

#include <hdf5.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

int test_stop_resume(const char *dir, const char *name, const char *ini, const char *const *sets,
                     int nsets, const char *const *dsets, int n, struct nnq_summary *whole,
                     struct nnq_summary *parts) {
    static struct nnq_summary own[2];
    static struct nnq_config cfg;
    whole = whole ? whole : &own[0];
    parts = parts ? parts : &own[1];
    char a[96], b[96], out[400];
    snprintf(a, sizeof a, "%s_whole", name);
    snprintf(b, sizeof b, "%s_stopped", name);
    if (test_run(dir, a, ini, sets, nsets, NULL, whole) != NNQ_OK)
        return -1;
    struct nnq_err err = {0};
    if (nnq_config_load_string(ini, b, sets, nsets, &cfg, &err) != NNQ_OK)
        return -1;
    snprintf(out, sizeof out, "%s/%s.h5", dir, b);
    static volatile sig_atomic_t raised = 1;
    struct nnq_run_options stop = {.output = out, .force = 1, .stop = &raised};
    if (nnq_run(&cfg, &stop, parts, &err) != NNQ_ERR_INTERRUPTED ||
        parts->steps_done >= whole->steps_done) {
        fprintf(stderr, "%s: the run was not stopped early\n", b);
        return -1;
    }
    struct nnq_run_options go_on = {.resume = out};
    if (nnq_run(&cfg, &go_on, parts, &err) != NNQ_OK) {
        fprintf(stderr, "%s: resume failed: %s\n", b, err.msg);
        return -1;
    }
    int differ = 0;
    for (int k = 0; k < n; k++) {
        size_t n1, r1, n2, r2;
        double *v1 = test_read(dir, a, dsets[k], &n1, &r1),
               *v2 = test_read(dir, b, dsets[k], &n2, &r2);
        if (!v1 || !v2 || n1 != n2 || r1 != r2 || memcmp(v1, v2, sizeof(double) * n1) != 0) {
            fprintf(stderr, "%s: %s differs after a stop and resume\n", name, dsets[k]);
            differ++;
        }
        free(v1);
        free(v2);
    }
    return differ;
}
