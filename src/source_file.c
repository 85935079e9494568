/*
 * source_file.c - V from a tabulated loss L(q) (or L(t, q)) in an HDF5 file: the researcher's
 * loss landscape, computed by their own code ([potential] file, dataset, coordinates).
 *
 * Layouts read (docs/config.md, "Loss landscapes from files"):
 *   - nnq's own output: /potential/V on /grid/q0.. (a run's V reused);
 *   - the surface files of the loss-landscape tool (Li et al., NeurIPS 2018,
 *     github.com/tomgoldstein/loss-landscape): xcoordinates [nx], ycoordinates [ny] (2D),
 *     train_loss declared (nx, ny) but filled through meshgrid(x, y).ravel(), so the buffer is
 *     y-major: L(x_i, y_j) = buffer[j nx + i]; -1 marks a point the tool did not compute;
 *   - a plain dataset ([potential] dataset) with its axes' 1-D coordinate datasets
 *     ([potential] coordinates), C order (axis 0 slowest).
 * A dataset with one more axis than the grid, leading, and a 1-D dataset `t` beside it (same
 * group) is a time series: L is linear in t between its rows and constant before the first and
 * after the last.
 *
 * Onto the grid: where an axis of the file holds exactly the grid's coordinates the values are
 * taken as they are; otherwise each axis in turn is resampled by the cubic Hermite interpolant
 * whose slopes are those of the parabola through each point and its neighbours (one-sided at
 * the ends): C1, and exact for quadratics, so the error falls as dq_file^3 (tested). A grid
 * point outside the coordinates' range, a NaN or infinite value, a -1 marker (loss-landscape
 * layout), coordinates that do not increase or a size out of reason are errors naming the file,
 * the dataset and the index. Each rank reads the rows of axis 0 its slab needs (a hyperslab;
 * in the y-major loss-landscape buffer a run of x per y, selected as a union of blocks).
 */
#include <assert.h>
#include <hdf5.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nnq/expr.h"
#include "nnq/h5read.h"
#include "nnq/par.h"
#include "nnq/resample.h"
#include "nnq/source.h"

/* Invariants: L holds nt blocks of local_size values, the table on this rank's grid points at
 * the times t[0 .. nt) (t NULL when nt = 1); expr is NULL when V = L. */
struct file_source {
    struct nnq_expr *expr;
    struct nnq_expr_field *field; /* expr on the grid (NULL without expr or grid) */
    double hbar, mass;
    int nt;
    double *t;
    double *L;
    double *Lt; /* local_size: L at the time asked (nt > 1) */
    ptrdiff_t local;
    double read_bytes; /* the table as the file declares it, and a copy of one time row */
};

static void file_source_check(const struct file_source *s) {
    (void)s; /* NDEBUG: no asserts */
    assert(s && s->L && s->nt >= 1 && s->local >= 0 && (s->nt == 1) == !s->t);
    assert(s->nt == 1 || s->Lt);
    assert(!s->field || s->expr);
}

/* What was read of the file: values on the file's grid, rows [row0, row0 + rows) of axis 0,
 * time-major (y-major layout: [n1][rows]). */
struct table {
    int dims, nt, ymajor, landscape; /* landscape: the loss-landscape layout (-1 markers) */
    hsize_t n[3];                    /* points per axis in the file */
    double *coord[3];
    double *t;
    hsize_t row0, rows;
    double *values;
};

static void table_free(struct table *tb) {
    for (int a = 0; a < 3; a++)
        free(tb->coord[a]);
    free(tb->t);
    free(tb->values);
}

/* ---- reading ------------------------------------------------------------------------------ */

static const char key[] = "[potential] file";

/* Opens the file and reads its table for the grid g (this rank's rows). */
static enum nnq_status read_table(const struct nnq_config *cfg, const struct nnq_grid *g,
                                  struct table *tb, struct nnq_err *err) {
    const char *path = cfg->potential_file;
    memset(tb, 0, sizeof *tb);
    tb->nt = 1;
    tb->dims = cfg->dims;
    hid_t f = nnq_h5read_open(key, path, err);
    if (f < 0)
        return NNQ_ERR_CONFIG;
    /* the layout, and the names of the values and their coordinates */
    char dataset[NNQ_STR_MAX], coord[3][NNQ_STR_MAX], group[NNQ_STR_MAX] = "/";
    enum nnq_status rc = NNQ_OK;
    if (cfg->potential_coordinates[0]) {
        snprintf(dataset, sizeof dataset, "%s", cfg->potential_dataset);
        char list[NNQ_STR_MAX];
        snprintf(list, sizeof list, "%s", cfg->potential_coordinates);
        int count = 0;
        for (char *tok = strtok(list, ", \t"); tok; tok = strtok(NULL, ", \t"))
            if (count < 3)
                snprintf(coord[count++], sizeof coord[0], "%s", tok);
            else
                count++;
        if (count != cfg->dims)
            rc = nnq_err_set(err, NNQ_ERR_CONFIG,
                             "[potential] coordinates: %d datasets for a %d-dimensional grid",
                             count, cfg->dims);
    } else if (H5Aexists(f, "nnq_version") > 0) {
        double dims = cfg->dims;
        nnq_h5read_number(f, "dims", &dims);
        if (dims != cfg->dims && !cfg->potential_dataset[0]) /* else taken for a time series */
            rc = nnq_err_set(err, NNQ_ERR_CONFIG,
                             "[potential] file %s: the output of a %gD run, the grid is %dD", path,
                             dims, cfg->dims);
        snprintf(dataset, sizeof dataset, "%s",
                 cfg->potential_dataset[0] ? cfg->potential_dataset : "/potential/V");
        for (int a = 0; a < cfg->dims; a++)
            snprintf(coord[a], sizeof coord[a], "/grid/q%d", a);
    } else if (H5Lexists(f, "xcoordinates", H5P_DEFAULT) > 0) {
        /* the tool declares (nx, ny) and fills y-major: a file in [i, j] order has the same
         * shape, so the order comes from the tool's mark (dir_file) or from the user */
        const int marked = H5Lexists(f, "dir_file", H5P_DEFAULT) > 0;
        const enum nnq_landscape_order order = (enum nnq_landscape_order)cfg->potential_order;
        tb->ymajor =
            cfg->dims == 2 && (order == NNQ_ORDER_TOOL || (order == NNQ_ORDER_AUTO && marked));
        tb->landscape = 1;
        if (cfg->dims == 2 && order == NNQ_ORDER_AUTO && !marked)
            rc = nnq_err_set(err, NNQ_ERR_CONFIG,
                             "[potential] file %s: a loss-landscape surface file without the "
                             "tool's dir_file: its buffer's order cannot be told from its shape; "
                             "say [potential] order = tool (the value at (x_i, y_j) at j nx + i, "
                             "as the tool writes it) or natural (at [i, j])",
                             path);
        snprintf(dataset, sizeof dataset, "%s",
                 cfg->potential_dataset[0] ? cfg->potential_dataset : "train_loss");
        snprintf(coord[0], sizeof coord[0], "xcoordinates");
        snprintf(coord[1], sizeof coord[1], "ycoordinates");
        if (cfg->dims > 2)
            rc = nnq_err_set(err, NNQ_ERR_CONFIG,
                             "[potential] file %s: a loss-landscape surface file is 1D or 2D, "
                             "the grid is 3D",
                             path);
    } else
        rc = nnq_err_set(err, NNQ_ERR_CONFIG,
                         "[potential] file %s: neither an nnq output nor a loss-landscape "
                         "surface file (xcoordinates): give [potential] dataset and coordinates",
                         path);
    for (int a = 0; a < cfg->dims && rc == NNQ_OK; a++) {
        size_t len = 0;
        rc = nnq_h5read_vector(f, key, path, coord[a], 1, &tb->coord[a], &len, err);
        tb->n[a] = len;
    }
    for (int a = cfg->dims; a < 3; a++)
        tb->n[a] = 1;
    const char *const names[3] = {coord[0], coord[1], coord[2]};
    const size_t npts[3] = {tb->n[0], tb->n[1], tb->n[2]};
    struct nnq_h5read_table t = {.d = -1, .space = -1};
    if (rc == NNQ_OK)
        rc = nnq_h5read_table_open(f, key, path, dataset, cfg->dims, NNQ_H5READ_LEAD_MAYBE,
                                   "a leading time axis and a dataset t beside it", npts, names, 0,
                                   &t, err);
    /* a time series: t beside the dataset */
    const int timed = t.lead;
    if (rc == NNQ_OK && timed) {
        snprintf(group, sizeof group, "%s", dataset);
        char *slash = strrchr(group, '/');
        if (slash)
            snprintf(slash + 1, sizeof group - (size_t)(slash + 1 - group), "t");
        else
            snprintf(group, sizeof group, "t");
        size_t nt = 0;
        rc = nnq_h5read_vector(f, key, path, group, 1, &tb->t, &nt, err);
        if (rc == NNQ_OK && nt != t.shape[0])
            rc = nnq_err_set(
                err, NNQ_ERR_CONFIG, "[potential] file %s: '%s' has %llu times, '%s' %llu rows",
                path, group, (unsigned long long)nt, dataset, (unsigned long long)t.shape[0]);
        tb->nt = (int)nt;
    }
    /* this rank's rows of axis 0 */
    if (rc == NNQ_OK) {
        size_t lo = 0, hi = tb->n[0];
        if (!tb->ymajor || !timed)
            nnq_resample_rows(g, tb->coord[0], tb->n[0], &lo, &hi);
        tb->row0 = lo;
        tb->rows = hi - lo;
        const double count =
            (double)tb->nt * (double)tb->rows * (double)tb->n[1] * (double)tb->n[2];
        /* the rows read, and the y-major layout's C-ordered copy of one time row */
        const double bytes =
            sizeof(double) * (count + (tb->ymajor ? (double)tb->rows * (double)tb->n[1] : 0));
        if (count > (double)NNQ_H5READ_MAX_VALUES)
            rc = nnq_err_set(err, NNQ_ERR_CONFIG,
                             "[potential] file %s: '%s' holds %.3g values, more than nnq reads "
                             "(2^31)",
                             path, dataset, count);
        else if ((rc = nnq_h5read_fits(bytes, cfg->run_memory_limit, key, path, dataset, err)))
            ;
        else if (!(tb->values = malloc(sizeof(double) * (size_t)(count > 0 ? count : 1))))
            rc = nnq_err_set(err, NNQ_ERR_RUNTIME, "out of memory reading %s", path);
        if (rc == NNQ_OK && count > 0) {
            if (tb->ymajor && tb->rows < tb->n[0]) { /* not timed: read whole */
                /* (x_i, y_j) is element j nx + i of the buffer declared (nx, ny): the run of
                 * x in [lo, hi) at each y, in the declared rows it spans; read in the buffer's
                 * order, i.e. [n1][rows] */
                const hsize_t nx = tb->n[0], ny = tb->n[1], all = ny * tb->rows;
                herr_t sel = H5Sselect_none(t.space);
                for (hsize_t j = 0; j < ny && sel >= 0; j++)
                    for (hsize_t s = j * nx + lo, left = tb->rows; left > 0 && sel >= 0;) {
                        const hsize_t at[2] = {s / ny, s % ny};
                        const hsize_t take[2] = {1, left < ny - at[1] ? left : ny - at[1]};
                        sel = H5Sselect_hyperslab(t.space, H5S_SELECT_OR, at, NULL, take, NULL);
                        s += take[1];
                        left -= take[1];
                    }
                hid_t mem = H5Screate_simple(1, &all, NULL);
                if (sel < 0 ||
                    H5Dread(t.d, H5T_NATIVE_DOUBLE, mem, t.space, H5P_DEFAULT, tb->values) < 0)
                    rc = nnq_err_set(err, NNQ_ERR_CONFIG,
                                     "[potential] file %s: '%s' cannot be read", path, dataset);
                H5Sclose(mem);
            } else
                rc = nnq_h5read_table_rows(&t, 0, (hsize_t)tb->nt, lo, tb->rows, tb->values, err);
        }
    }
    /* every value read: finite, and not the loss-landscape tool's "not computed" */
    const size_t block = (size_t)tb->rows * tb->n[1] * tb->n[2];
    for (size_t k = 0; rc == NNQ_OK && k < (size_t)tb->nt * block; k++) {
        const double v = tb->values[k];
        if (isfinite(v) && !(tb->landscape && v == -1.0))
            continue;
        /* the index in the dataset's own terms */
        size_t r = k % block, it = k / block;
        hsize_t idx[3];
        if (tb->ymajor) { /* buffer j nx + i is (x_i, y_j), declared (nx, ny) */
            const size_t flat = r / tb->rows * tb->n[0] + tb->row0 + r % tb->rows;
            idx[0] = flat / tb->n[1];
            idx[1] = flat % tb->n[1];
        } else {
            idx[0] = tb->row0 + r / (tb->n[1] * tb->n[2]);
            idx[1] = (r / tb->n[2]) % tb->n[1];
            idx[2] = r % tb->n[2];
        }
        char where[96] = "";
        if (timed)
            snprintf(where, sizeof where, "%zu, ", it);
        for (int a = 0; a < cfg->dims; a++)
            snprintf(where + strlen(where), sizeof where - strlen(where), "%s%llu", a ? ", " : "",
                     (unsigned long long)idx[a]);
        rc = nnq_err_set(err, NNQ_ERR_CONFIG, "[potential] file %s: %s[%s] is %g%s", path, dataset,
                         where, v,
                         isfinite(v) ? ": the loss-landscape tool marks a point it did not "
                                       "compute with -1"
                                     : "");
    }
    nnq_h5read_table_close(&t);
    H5Fclose(f);
    if (rc != NNQ_OK)
        table_free(tb);
    return rc;
}

/* ---- onto the grid ------------------------------------------------------------------------ */

/* One time row of the table (C order over its rows, or y-major) onto this rank's grid points
 * (local_size values at L). */
static enum nnq_status onto_grid(const struct nnq_config *cfg, const struct nnq_grid *g,
                                 const struct table *tb, const double *row, double *L,
                                 struct nnq_err *err) {
    const size_t r = tb->rows, n1 = tb->n[1];
    double *a = NULL;
    if (tb->ymajor) { /* a C-ordered copy: [rows][n1] */
        if (!(a = malloc(sizeof(double) * (r * n1 + 1))))
            return nnq_err_set(err, NNQ_ERR_RUNTIME, "out of memory");
        for (size_t i = 0; i < r; i++)
            for (size_t j = 0; j < n1; j++)
                a[i * n1 + j] = row[j * r + i];
    }
    const double *const coord[3] = {tb->coord[0], tb->coord[1], tb->coord[2]};
    const size_t n[3] = {tb->n[0], tb->n[1], tb->n[2]};
    ptrdiff_t index = 0;
    const int axis = nnq_resample_onto(g, coord, n, tb->row0, r, a ? a : row, L, &index);
    free(a);
    if (axis == -2)
        return nnq_err_set(err, NNQ_ERR_RUNTIME, "out of memory");
    if (axis >= 0)
        return nnq_err_set(err, NNQ_ERR_CONFIG,
                           "[potential] file %s: the grid point q%d = %g (index %td) lies outside "
                           "the file's coordinates on axis %d, [%g, %g]: widen the file's range "
                           "or narrow [grid] qmin/qmax (qmax is the periodic image of qmin: the "
                           "last point is qmax - dq)",
                           cfg->potential_file, axis, g->q[axis][index], index, axis,
                           tb->coord[axis][0], tb->coord[axis][tb->n[axis] - 1]);
    return NNQ_OK;
}

/* ---- the source --------------------------------------------------------------------------- */

static enum nnq_status fill(const void *self, const struct nnq_grid *g, double t, double *V,
                            struct nnq_err *err) {
    (void)g;
    (void)err;
    const struct file_source *s = self;
    file_source_check(s);
    const double *L = s->L;
    if (s->nt > 1) { /* L now: into V itself when V is L */
        int k = 0;
        while (k + 2 < s->nt && s->t[k + 1] <= t)
            k++;
        const double w = fmin(fmax((t - s->t[k]) / (s->t[k + 1] - s->t[k]), 0.0), 1.0);
        const double *a = s->L + (size_t)k * (size_t)s->local, *b = a + s->local;
        double *restrict Lt = s->field ? s->Lt : V;
        for (ptrdiff_t i = 0; i < s->local; i++)
            Lt[i] = (1.0 - w) * a[i] + w * b[i];
        L = Lt;
    }
    if (s->field)
        nnq_expr_field_fill(s->field, t, L, V);
    else if (L != V)
        memcpy(V, L, sizeof(double) * (size_t)s->local);
    return NNQ_OK;
}

static int time_dependent(const void *self) {
    const struct file_source *s = self;
    return s->nt > 1 || (s->expr && nnq_expr_uses_t(s->expr));
}

static void destroy(void *self) {
    struct file_source *s = self;
    if (!s)
        return;
    nnq_expr_field_destroy(s->field);
    nnq_expr_destroy(s->expr);
    free(s->t);
    free(s->L);
    free(s->Lt);
    free(s);
}

static size_t bytes_per_point(const void *self) {
    const struct file_source *s = self;
    /* L per time row, L now for a series under an expression, the expression's tables */
    return sizeof(double) * ((size_t)s->nt + (s->nt > 1 && s->expr) +
                             (s->nt == 1 && s->expr ? (size_t)nnq_expr_tables(s->expr) : 0));
}

static double read_bytes(const void *self) {
    return ((const struct file_source *)self)->read_bytes;
}

static const struct nnq_source_ops ops = {fill,    time_dependent, bytes_per_point,
                                          destroy, read_bytes,     NULL};

static int matches(const struct nnq_config *cfg) { return cfg->potential_kind == NNQ_POT_FILE; }

static enum nnq_status create(const struct nnq_config *cfg, const struct nnq_grid *g,
                              const struct nnq_source_ops **out_ops, void **self,
                              struct nnq_err *err) {
    struct file_source *s = calloc(1, sizeof *s);
    if (!s)
        return nnq_err_set(err, NNQ_ERR_RUNTIME, "out of memory");
    s->hbar = cfg->hbar;
    s->mass = cfg->particle_mass;
    s->nt = 1;
    enum nnq_status rc = NNQ_OK;
    if (cfg->potential_V[0]) {
        const struct nnq_expr_vars vars = {
            {cfg->axis_name[0], cfg->axis_name[1], cfg->axis_name[2]}, 1};
        if ((rc = nnq_expr_create(cfg->potential_V, cfg->dims, &vars, &s->expr, err)) != NNQ_OK)
            nnq_err_prefix(err, "[potential] V: ");
    }
    if (rc == NNQ_OK && g) { /* without a grid (an estimate): whether V depends on t is enough */
        struct table tb;
        rc = read_table(cfg, g, &tb, err);
        if (rc == NNQ_OK) {
            s->local = g->local_size;
            s->nt = tb.nt;
            s->t = tb.t;
            tb.t = NULL;
            const size_t local = (size_t)(g->local_size > 0 ? g->local_size : 1);
            s->L = malloc(sizeof(double) * local * (size_t)tb.nt);
            s->Lt = tb.nt > 1 ? malloc(sizeof(double) * local) : NULL;
            if (!s->L || (tb.nt > 1 && !s->Lt))
                rc = nnq_err_set(err, NNQ_ERR_RUNTIME, "out of memory");
            const size_t block = (size_t)tb.rows * tb.n[1] * tb.n[2];
            for (int k = 0; k < tb.nt && rc == NNQ_OK; k++)
                rc = onto_grid(cfg, g, &tb, tb.values + (size_t)k * block, s->L + (size_t)k * local,
                               err);
            table_free(&tb);
        }
        /* agreed: the field's create is collective */
        rc = nnq_par_agree(rc, err);
        if (rc == NNQ_OK && s->expr)
            rc = nnq_expr_field_create(s->expr, g, s->hbar, s->mass, s->nt == 1 ? s->L : NULL,
                                       &s->field, err);
    } else if (rc == NNQ_OK) {
        /* a time series and its length are known from the dataset's axes alone; a file that
         * is not fit to read is simulate's to report */
        struct nnq_err ignored = {0};
        hid_t f = nnq_h5read_open(key, cfg->potential_file, &ignored);
        const char *name = cfg->potential_dataset[0]                   ? cfg->potential_dataset
                           : f >= 0 && H5Aexists(f, "nnq_version") > 0 ? "/potential/V"
                                                                       : "train_loss";
        hsize_t dims[4];
        const int rank = nnq_h5read_shape(f, key, cfg->potential_file, name, dims, 4);
        s->nt = rank == cfg->dims + 1 && dims[0] > 1 ? (int)dims[0] : 1;
        double points = rank > 0 ? 1 : 0; /* a rank beyond 4: simulate refuses it */
        for (int a = 0; a < rank; a++)
            points *= (double)dims[a];
        s->read_bytes = sizeof(double) * points * (1.0 + 1.0 / s->nt);
        if (f >= 0)
            H5Fclose(f);
    }
    if (rc != NNQ_OK) {
        destroy(s);
        return rc;
    }
    *out_ops = &ops;
    *self = s;
    return NNQ_OK;
}

const struct nnq_source_kind nnq_source_file = {"file", matches, create};
