/* output_h5.c - HDF5 output (see include/nnq/output_h5.h). */
#include "nnq/output_h5.h"

#include "nnq/par.h"

#include <errno.h>
#include <hdf5.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CHUNK_TARGET_POINTS (1 << 18)

/*
 * Invariants: file is open; field[f] >= 0 iff field f is in cfg->output_fields; buf holds
 * g->local_size doubles (at least 1); nsnap snapshots and nrows diagnostics rows have been
 * written. Under mpirun every rank holds one: metadata calls are made by all ranks alike,
 * each rank writes its slab of the fields (collectively), rank 0 the rows and the sidecar.
 */
struct nnq_output {
    hid_t file;
    hid_t snap_t, snap_step;
    hid_t field[3];  /* p, F, psi */
    hid_t mfield[3]; /* madelung p, F, j */
    hid_t diag[NNQ_DIAG_COUNT];
    hid_t psi_mem_type;
    hid_t xfer; /* data transfer of the fields: collective under mpirun, H5P_DEFAULT otherwise */
    const struct nnq_config *cfg;
    const struct nnq_grid *g;
    double *buf, *jbuf; /* jbuf: d values per point, for /madelung/j */
    long nsnap, nrows;
    char path[NNQ_STR_MAX];
    char xmf[NNQ_STR_MAX + 8]; /* the XDMF sidecar: path with .h5 replaced by .xmf */
};

enum { FIELD_P, FIELD_F, FIELD_PSI };

/* Before the first HDF5 call: errors are reported through nnq_err, not printed; and no
 * atexit clean-up, which in HDF5 1.10 retries to close a file whose close failed on a write
 * error (disk full, file-size limit) and crashes. The OS reclaims everything at exit. */
static void library_setup(void) {
    H5dont_atexit(); /* fails harmlessly once the library is initialised */
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

static enum nnq_status h5_fail(struct nnq_err *err, const struct nnq_output *o, const char *what) {
    return nnq_err_set(err, NNQ_ERR_RUNTIME,
                       "%s: HDF5 could not %s (disk full, file-size limit, file removed or not "
                       "writable?); the file is incomplete and may be unreadable",
                       o->path, what);
}

/* File access: MPI-IO across the ranks under mpirun, the default driver otherwise. */
static hid_t file_access(void) {
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
#ifdef H5_HAVE_PARALLEL
    if (nnq_par_size() > 1)
        H5Pset_fapl_mpio(fapl, MPI_COMM_WORLD, MPI_INFO_NULL);
#endif
    return fapl;
}

static hid_t field_transfer(void) {
    hid_t xfer = H5Pcreate(H5P_DATASET_XFER);
#ifdef H5_HAVE_PARALLEL
    if (nnq_par_size() > 1)
        H5Pset_dxpl_mpio(xfer, H5FD_MPIO_COLLECTIVE);
#endif
    return xfer;
}

/* Reads or writes data through the selection made in fspace/mspace, or, when this rank has
 * nothing (any == 0), with both selections empty, as collective transfers need every rank to
 * call; closes both spaces. Returns 0 or -1. */
static int transfer(const struct nnq_output *o, hid_t d, hid_t mem_type, hid_t fspace, hid_t mspace,
                    int any, void *data, int write) {
    herr_t rc = any ? 0 : (H5Sselect_none(fspace) < 0 || H5Sselect_none(mspace) < 0 ? -1 : 0);
    if (rc >= 0)
        rc = write ? H5Dwrite(d, mem_type, mspace, fspace, o->xfer, data)
                   : H5Dread(d, mem_type, mspace, fspace, o->xfer, data);
    H5Sclose(mspace);
    H5Sclose(fspace);
    return rc < 0 ? -1 : 0;
}

/* Reads or writes this rank's slab of the grid-shaped dataset d (rank g->dims) from or into
 * data, collectively under mpirun. Returns 0 or -1. */
static int slab_io(const struct nnq_output *o, hid_t d, hid_t mem_type, void *data, int write) {
    const struct nnq_grid *g = o->g;
    hsize_t start[3] = {(hsize_t)g->local_0_start, 0, 0};
    hsize_t count[3] = {(hsize_t)g->local_n0, (hsize_t)g->n[1], (hsize_t)g->n[2]};
    hid_t fspace = H5Dget_space(d), mspace = H5Screate_simple(g->dims, count, NULL);
    /* (a failed selection leaves all of fspace selected: the transfer then fails on sizes) */
    if (g->local_n0 > 0)
        H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, NULL, count, NULL);
    return transfer(o, d, mem_type, fspace, mspace, g->local_n0 > 0, data, write);
}

/* Reads or writes this rank's part of the Madelung state dataset d ((1 + dims) * total values,
 * component-major: p then j_0 ..): one block of local_size values per component, collectively
 * under mpirun. Returns 0 or -1. */
static int state_io(const struct nnq_output *o, hid_t d, void *data, int write) {
    const struct nnq_grid *g = o->g;
    const hsize_t comps = (hsize_t)(1 + g->dims), local = (hsize_t)g->local_size;
    hsize_t start = (hsize_t)(g->local_0_start * g->n[1] * g->n[2]), stride = (hsize_t)g->total;
    hsize_t mcount = comps * local;
    hid_t fspace = H5Dget_space(d), mspace = H5Screate_simple(1, &mcount, NULL);
    if (local > 0)
        H5Sselect_hyperslab(fspace, H5S_SELECT_SET, &start, &stride, &comps, &local);
    return transfer(o, d, H5T_NATIVE_DOUBLE, fspace, mspace, local > 0, data, write);
}

static int attr_string(hid_t loc, const char *name, const char *value) {
    hid_t type = H5Tcopy(H5T_C_S1);
    H5Tset_size(type, H5T_VARIABLE);
    H5Tset_cset(type, H5T_CSET_UTF8);
    hid_t space = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(loc, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
    herr_t rc = a < 0 ? -1 : H5Awrite(a, type, &value);
    if (a >= 0)
        H5Aclose(a);
    H5Sclose(space);
    H5Tclose(type);
    return rc < 0 ? -1 : 0;
}

/* Writes attribute name of loc into the dataspace `space`, which it closes. */
static int attr_write(hid_t loc, const char *name, hid_t type, const void *values, hid_t space) {
    hid_t a = H5Acreate2(loc, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
    herr_t rc = a < 0 ? -1 : H5Awrite(a, type, values);
    if (a >= 0)
        H5Aclose(a);
    H5Sclose(space);
    return rc < 0 ? -1 : 0;
}

/* A scalar attribute (n == 1) or an array of n. */
static int attr_numbers(hid_t loc, const char *name, hid_t type, const void *values, hsize_t n) {
    return attr_write(loc, name, type, values,
                      n == 1 ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &n, NULL));
}

/* A 1-D array attribute, also of length 1 (per-axis values read alike in every dimension). */
static int attr_vector(hid_t loc, const char *name, hid_t type, const void *values, hsize_t n) {
    return attr_write(loc, name, type, values, H5Screate_simple(1, &n, NULL));
}

static int write_array(hid_t loc, const char *name, int rank, const hsize_t *dims,
                       const double *data) {
    hid_t space = H5Screate_simple(rank, dims, NULL);
    hid_t d = H5Dcreate2(loc, name, H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    /* small arrays every rank holds whole: rank 0 writes them */
    herr_t rc = d < 0 ? -1
                : nnq_par_rank() == 0
                    ? H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, data)
                    : 0;
    if (d >= 0)
        H5Dclose(d);
    H5Sclose(space);
    return rc < 0 ? -1 : 0;
}

/* An extendible dataset of `rank` axes whose first one grows; chunk along it = 1 row. */
static hid_t create_extendible(hid_t loc, const char *name, hid_t type, int rank,
                               const hsize_t *shape, const hsize_t *chunk, int compress) {
    hsize_t dims[5] = {0}, maxdims[5];
    for (int i = 0; i < rank; i++) {
        dims[i] = i ? shape[i] : 0;
        maxdims[i] = i ? shape[i] : H5S_UNLIMITED;
    }
    hid_t space = H5Screate_simple(rank, dims, maxdims);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(dcpl, rank, chunk);
    if (compress > 0) {
        H5Pset_shuffle(dcpl);
        H5Pset_deflate(dcpl, (unsigned)compress);
    }
    hid_t d = H5Dcreate2(loc, name, type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    H5Pclose(dcpl);
    H5Sclose(space);
    return d;
}

/* Appends one row (rank-1 trailing shape `shape[1..]`) to d: this rank's slab along axis 1
 * (start1, count1), collectively through xfer; or, with start1 NULL, the whole row, which every
 * rank holds and writes alike. (Rank 0 alone would not do: each rank caches the dataset's
 * chunks, and a rank's stale copy of a chunk, as H5Dset_extent left it, can be flushed over
 * what rank 0 wrote.) */
static int append(hid_t d, long row, int rank, const hsize_t *shape, const hsize_t *start1,
                  const hsize_t *count1, hid_t xfer, hid_t mem_type, const void *data) {
    hsize_t dims[5] = {0}, start[5] = {0}, count[5] = {1, 1, 1, 1, 1};
    for (int i = 0; i < rank; i++)
        dims[i] = i ? shape[i] : (hsize_t)row + 1;
    if (H5Dset_extent(d, dims) < 0)
        return -1;
    start[0] = (hsize_t)row;
    for (int i = 1; i < rank; i++) {
        start[i] = start1 ? start1[i] : 0;
        count[i] = count1 ? count1[i] : shape[i];
    }
    hid_t fspace = H5Dget_space(d);
    hid_t mspace = H5Screate_simple(rank, count, NULL);
    herr_t rc = count[1] > 0 ? H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, NULL, count, NULL)
                             : (H5Sselect_none(fspace) < 0 || H5Sselect_none(mspace) < 0 ? -1 : 0);
    if (rc >= 0)
        rc = H5Dwrite(d, mem_type, mspace, fspace, start1 ? xfer : H5P_DEFAULT, data);
    H5Sclose(mspace);
    H5Sclose(fspace);
    return rc < 0 ? -1 : 0;
}

static hid_t complex_type(hid_t member) {
    size_t size = H5Tget_size(member);
    hid_t t = H5Tcreate(H5T_COMPOUND, 2 * size);
    H5Tinsert(t, "r", 0, member);
    H5Tinsert(t, "i", size, member);
    return t;
}

static void close_all(struct nnq_output *o) {
    for (int f = 0; f < 3; f++) {
        if (o->field[f] >= 0)
            H5Dclose(o->field[f]);
        if (o->mfield[f] >= 0)
            H5Dclose(o->mfield[f]);
    }
    for (int c = 0; c < NNQ_DIAG_COUNT; c++)
        if (o->diag[c] >= 0)
            H5Dclose(o->diag[c]);
    if (o->snap_t >= 0)
        H5Dclose(o->snap_t);
    if (o->snap_step >= 0)
        H5Dclose(o->snap_step);
    if (o->psi_mem_type >= 0)
        H5Tclose(o->psi_mem_type);
    if (o->xfer >= 0)
        H5Pclose(o->xfer);
    if (o->file >= 0)
        H5Fclose(o->file);
    free(o->buf);
    free(o->jbuf);
    free(o);
}

/* A closed output: every handle -1, buffers allocated. */
static enum nnq_status new_output(const char *path, const struct nnq_config *cfg,
                                  const struct nnq_grid *g, struct nnq_output **out,
                                  struct nnq_err *err) {
    struct nnq_output *o = calloc(1, sizeof *o);
    if (!o)
        return nnq_err_set(err, NNQ_ERR_RUNTIME, "out of memory");
    o->file = o->snap_t = o->snap_step = o->psi_mem_type = -1;
    o->xfer = field_transfer();
    for (int f = 0; f < 3; f++)
        o->field[f] = o->mfield[f] = -1;
    for (int c = 0; c < NNQ_DIAG_COUNT; c++)
        o->diag[c] = -1;
    o->cfg = cfg;
    o->g = g;
    snprintf(o->path, sizeof o->path, "%s", path);
    size_t len = strlen(o->path);
    int h5 = len > 3 && strcmp(o->path + len - 3, ".h5") == 0;
    snprintf(o->xmf, sizeof o->xmf, "%.*s.xmf", (int)(h5 ? len - 3 : len), o->path);
    const size_t local = g->local_size > 0 ? (size_t)g->local_size : 1; /* a rank may hold none */
    o->buf = malloc(local * sizeof(double));
    if (cfg->madelung_enabled)
        o->jbuf = malloc(local * (size_t)g->dims * sizeof(double));
    if (!o->buf || (cfg->madelung_enabled && !o->jbuf)) {
        close_all(o);
        return nnq_err_set(err, NNQ_ERR_RUNTIME, "out of memory for the output buffer");
    }
    *out = o;
    return NNQ_OK;
}

enum nnq_status nnq_output_create(const char *path, int force, const struct nnq_config *cfg,
                                  const char *config_text, const struct nnq_grid *g,
                                  struct nnq_output **out, struct nnq_err *err) {
    *out = NULL;
    library_setup();
    if (!force && access(path, F_OK) == 0)
        return nnq_err_set(err, NNQ_ERR_CONFIG,
                           "%s: output file exists; use --force to overwrite it or -o to name "
                           "another",
                           path);
    struct nnq_output *o;
    enum nnq_status rc0 = new_output(path, cfg, g, &o, err);
    if (rc0 != NNQ_OK)
        return rc0;

    errno = 0;
    hid_t fapl = file_access();
    o->file = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
    H5Pclose(fapl);
    if (o->file < 0) {
        int e = errno;
        close_all(o);
        return nnq_err_set(err, NNQ_ERR_RUNTIME, "%s: cannot create the output file: %s", path,
                           e ? strerror(e) : "HDF5 error");
    }

    /* Root attributes. */
    const int d = g->dims;
    long long n[3] = {g->n[0], g->n[1], g->n[2]};
    char created[64];
    time_t now = time(NULL);
    struct tm tm;
    strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
    nnq_par_bcast(created, sizeof created); /* attributes: the same value on every rank */
    int zero = 0;
    int bad = attr_string(o->file, "nnq_version", NNQ_VERSION) ||
              attr_string(o->file, "config", config_text) ||
              attr_string(o->file, "name", cfg->run_name) ||
              attr_string(o->file, "created", created) ||
              attr_numbers(o->file, "hbar", H5T_NATIVE_DOUBLE, &cfg->hbar, 1) ||
              attr_numbers(o->file, "mu", H5T_NATIVE_DOUBLE, &cfg->network_mu, 1) ||
              attr_numbers(o->file, "epsilon", H5T_NATIVE_DOUBLE, &cfg->network_epsilon, 1) ||
              attr_numbers(o->file, "mass", H5T_NATIVE_DOUBLE, &cfg->particle_mass, 1) ||
              attr_numbers(o->file, "dt", H5T_NATIVE_DOUBLE, &cfg->run_dt, 1) ||
              attr_numbers(o->file, "dims", H5T_NATIVE_INT, &d, 1) ||
              attr_vector(o->file, "n", H5T_NATIVE_LLONG, n, (hsize_t)d) ||
              attr_numbers(o->file, "completed", H5T_NATIVE_INT, &zero, 1);

    /* Grid and potential. */
    hid_t grp = H5Gcreate2(o->file, "grid", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    bad |= grp < 0;
    for (int i = 0; !bad && i < d; i++) {
        const char name[3] = {'q', (char)('0' + i), '\0'};
        hsize_t len = (hsize_t)g->n[i];
        bad |= write_array(grp, name, 1, &len, g->q[i]);
    }
    if (grp >= 0) {
        bad |= attr_vector(grp, "qmin", H5T_NATIVE_DOUBLE, g->qmin, (hsize_t)d) ||
               attr_vector(grp, "qmax", H5T_NATIVE_DOUBLE, g->qmax, (hsize_t)d) ||
               attr_vector(grp, "dq", H5T_NATIVE_DOUBLE, g->dq, (hsize_t)d);
        H5Gclose(grp);
    }
    hsize_t shape[4] = {0, (hsize_t)g->n[0], (hsize_t)g->n[1], (hsize_t)g->n[2]};

    /* Snapshots: chunks of one snapshot, cut along axis 0 to about CHUNK_TARGET_POINTS. */
    hsize_t chunk[4] = {1, shape[1], shape[2], shape[3]};
    hsize_t plane = shape[2] * shape[3];
    if (chunk[1] * plane > CHUNK_TARGET_POINTS)
        chunk[1] = plane >= CHUNK_TARGET_POINTS ? 1 : CHUNK_TARGET_POINTS / plane;
    hsize_t one = 1, rows_chunk = 256;
    grp = H5Gcreate2(o->file, "snapshots", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (grp >= 0) {
        o->snap_t = create_extendible(grp, "t", H5T_IEEE_F64LE, 1, &one, &rows_chunk, 0);
        o->snap_step = create_extendible(grp, "step", H5T_STD_I64LE, 1, &one, &rows_chunk, 0);
        H5Gclose(grp);
    }
    bad |= grp < 0 || o->snap_t < 0 || o->snap_step < 0;
    hid_t ftype = cfg->output_precision == NNQ_PRECISION_SINGLE ? H5T_IEEE_F32LE : H5T_IEEE_F64LE;
    hid_t psi_file_type = complex_type(ftype);
    o->psi_mem_type = complex_type(H5T_NATIVE_DOUBLE);
    grp = H5Gcreate2(o->file, "schrodinger", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    bad |= grp < 0;
    static const char *const field_names[3] = {"p", "F", "psi"};
    static const unsigned field_bits[3] = {NNQ_FIELD_P, NNQ_FIELD_F, NNQ_FIELD_PSI};
    for (int f = 0; !bad && f < 3; f++)
        if (cfg->output_fields & field_bits[f]) {
            o->field[f] =
                create_extendible(grp, field_names[f], f == FIELD_PSI ? psi_file_type : ftype,
                                  d + 1, shape, chunk, (int)cfg->output_compress);
            bad |= o->field[f] < 0;
        }
    if (grp >= 0)
        H5Gclose(grp);
    H5Tclose(psi_file_type);

    if (cfg->madelung_enabled) {
        grp = H5Gcreate2(o->file, "madelung", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        bad |= grp < 0;
        hsize_t jshape[5] = {0, 1, 1, 1, 1}, jchunk[5] = {1, 1, 1, 1, 1};
        for (int i = 1; i <= d; i++) {
            jshape[i] = shape[i];
            jchunk[i] = chunk[i];
        }
        jshape[d + 1] = jchunk[d + 1] = (hsize_t)d;
        for (int f = 0; !bad && f < 2; f++) {
            o->mfield[f] = create_extendible(grp, field_names[f], ftype, d + 1, shape, chunk,
                                             (int)cfg->output_compress);
            bad |= o->mfield[f] < 0;
        }
        if (!bad) {
            o->mfield[2] = create_extendible(grp, "j", ftype, d + 2, jshape, jchunk,
                                             (int)cfg->output_compress);
            bad |= o->mfield[2] < 0;
        }
        if (grp >= 0)
            H5Gclose(grp);
    }

    grp = H5Gcreate2(o->file, "diagnostics", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    bad |= grp < 0;
    for (int c = 0; !bad && c < NNQ_DIAG_COUNT; c++) {
        const struct nnq_diag_column_info *ci = nnq_diag_column((enum nnq_diag_column)c);
        if (!nnq_diag_present((enum nnq_diag_column)c, d, cfg->madelung_enabled))
            continue;
        o->diag[c] =
            create_extendible(grp, ci->name, ci->is_integer ? H5T_STD_I64LE : H5T_IEEE_F64LE, 1,
                              &one, &rows_chunk, 0);
        bad |= o->diag[c] < 0 || attr_string(o->diag[c], "description", ci->doc);
    }
    if (grp >= 0)
        H5Gclose(grp);
    if (bad || H5Fflush(o->file, H5F_SCOPE_GLOBAL) < 0) {
        enum nnq_status rc = h5_fail(err, o, "write the file's header");
        close_all(o);
        return rc;
    }
    *out = o;
    return NNQ_OK;
}

/* One attribute of the XDMF sidecar: snapshot s of dataset dset (rank 1 + d [+ 1]), as a
 * hyperslab; component >= 0 picks one of the trailing vector components. */
static void xdmf_attribute(FILE *x, const struct nnq_output *o, const char *name, const char *dset,
                           long s, int component, int precision) {
    const struct nnq_grid *g = o->g;
    const int d = g->dims, rank = d + 1 + (component >= 0);
    long long dims[5] = {o->nsnap, g->n[0], g->n[1], g->n[2], d};
    if (component >= 0)
        dims[d + 1] = d;
    char shape[96] = "", full[128] = "", start[96] = "", stride[96] = "", count[96] = "";
    for (int i = d - 2; i <= d; i++)
        snprintf(shape + strlen(shape), sizeof shape - strlen(shape), "%s%lld",
                 i > d - 2 ? " " : "", i < 1 ? 1LL : dims[i]);
    for (int i = 0; i < rank; i++) {
        const char *sp = i ? " " : "";
        snprintf(full + strlen(full), sizeof full - strlen(full), "%s%lld", sp, dims[i]);
        snprintf(start + strlen(start), sizeof start - strlen(start), "%s%lld", sp,
                 i == 0       ? (long long)s
                 : i == d + 1 ? (long long)component
                              : 0LL);
        snprintf(stride + strlen(stride), sizeof stride - strlen(stride), "%s1", sp);
        snprintf(count + strlen(count), sizeof count - strlen(count), "%s%lld", sp,
                 i == 0 || i == d + 1 ? 1LL : dims[i]);
    }
    const char *file = strrchr(o->path, '/') ? strrchr(o->path, '/') + 1 : o->path;
    fprintf(x,
            "    <Attribute Name=\"%s\" AttributeType=\"Scalar\" Center=\"Node\">\n"
            "     <DataItem ItemType=\"HyperSlab\" Dimensions=\"%s\" Type=\"HyperSlab\">\n"
            "      <DataItem Dimensions=\"3 %d\" Format=\"XML\">%s %s %s</DataItem>\n"
            "      <DataItem Dimensions=\"%s\" NumberType=\"Float\" Precision=\"%d\" "
            "Format=\"HDF\">%s:%s</DataItem>\n"
            "     </DataItem>\n    </Attribute>\n",
            name, shape, rank, start, stride, count, full, precision, file, dset);
}

/* Rewrites the XDMF sidecar: one uniform grid per snapshot, its time, and every scalar field
 * (psi, a compound, is left to h5py). ParaView's x axis is nnq's last (fastest) axis: 1D x = q0;
 * 2D x = q1, y = q0; 3D x = q2, y = q1, z = q0. */
static void write_xdmf(const struct nnq_output *o) {
    if (nnq_par_rank() != 0)
        return;
    const struct nnq_grid *g = o->g;
    const int d = g->dims;
    double *t = malloc(sizeof(double) * (size_t)(o->nsnap > 0 ? o->nsnap : 1));
    if (!t || H5Dread(o->snap_t, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, t) < 0) {
        free(t);
        return;
    }
    char tmp[sizeof o->xmf + 8];
    snprintf(tmp, sizeof tmp, "%s.tmp", o->xmf);
    FILE *x = fopen(tmp, "w");
    if (!x) {
        free(t);
        return; /* the sidecar is a convenience: the HDF5 file holds everything */
    }
    const int precision = o->cfg->output_precision == NNQ_PRECISION_SINGLE ? 4 : 8;
    /* a 3-D mesh always, leading axes of one point: 1D is a line along x, 2D the x-y plane */
    char dims[96] = "", origin[96] = "", spacing[96] = "";
    for (int i = d - 3; i < d; i++) {
        const char *sp = i > d - 3 ? " " : "";
        snprintf(dims + strlen(dims), sizeof dims - strlen(dims), "%s%td", sp,
                 i < 0 ? (ptrdiff_t)1 : g->n[i]);
        snprintf(origin + strlen(origin), sizeof origin - strlen(origin), "%s%.17g", sp,
                 i < 0 ? 0.0 : g->qmin[i]);
        snprintf(spacing + strlen(spacing), sizeof spacing - strlen(spacing), "%s%.17g", sp,
                 i < 0 ? 1.0 : g->dq[i]);
    }
    fprintf(x, "<?xml version=\"1.0\" ?>\n<Xdmf Version=\"2.0\">\n <Domain>\n"
               "  <Grid Name=\"nnq\" GridType=\"Collection\" CollectionType=\"Temporal\">\n");
    static const char *const sfields[2] = {"/schrodinger/p", "/schrodinger/F"};
    static const char *const mfields[2] = {"/madelung/p", "/madelung/F"};
    static const char *const names[2][2] = {{"p_S", "F_S"}, {"p_M", "F_M"}};
    for (long s = 0; s < o->nsnap; s++) {
        fprintf(
            x,
            "   <Grid Name=\"snapshot %ld\" GridType=\"Uniform\">\n    <Time Value=\"%.17g\"/>\n"
            "    <Topology TopologyType=\"3DCoRectMesh\" Dimensions=\"%s\"/>\n"
            "    <Geometry GeometryType=\"ORIGIN_DXDYDZ\">\n"
            "     <DataItem Dimensions=\"3\" Format=\"XML\">%s</DataItem>\n"
            "     <DataItem Dimensions=\"3\" Format=\"XML\">%s</DataItem>\n"
            "    </Geometry>\n",
            s, t[s], dims, origin, spacing);
        for (int f = 0; f < 2; f++) {
            if (o->field[f] >= 0)
                xdmf_attribute(x, o, names[0][f], sfields[f], s, -1, precision);
            if (o->mfield[f] >= 0)
                xdmf_attribute(x, o, names[1][f], mfields[f], s, -1, precision);
        }
        for (int a = 0; o->mfield[2] >= 0 && a < d; a++) {
            char name[16];
            snprintf(name, sizeof name, "j_M%d", a);
            xdmf_attribute(x, o, name, "/madelung/j", s, a, precision);
        }
        fprintf(x, "   </Grid>\n");
    }
    fprintf(x, "  </Grid>\n </Domain>\n</Xdmf>\n");
    free(t);
    if (fclose(x) == 0)
        rename(tmp, o->xmf);
    else
        remove(tmp);
}

enum nnq_status nnq_output_snapshot(struct nnq_output *o, double t, long step,
                                    const double complex *psi, const struct nnq_madelung *m,
                                    struct nnq_err *err) {
    const struct nnq_grid *g = o->g;
    const int rank = g->dims + 1;
    hsize_t shape[5] = {0, (hsize_t)g->n[0], (hsize_t)g->n[1], (hsize_t)g->n[2], 1};
    hsize_t start[5] = {0, (hsize_t)g->local_0_start, 0, 0, 0};
    hsize_t count[5] = {1, (hsize_t)g->local_n0, (hsize_t)g->n[1], (hsize_t)g->n[2], 1};
    hsize_t one = 1;
    long long step64 = step;
    if (append(o->snap_t, o->nsnap, 1, &one, NULL, NULL, H5P_DEFAULT, H5T_NATIVE_DOUBLE, &t) ||
        append(o->snap_step, o->nsnap, 1, &one, NULL, NULL, H5P_DEFAULT, H5T_NATIVE_LLONG, &step64))
        return h5_fail(err, o, "append to /snapshots");
    const ptrdiff_t n = g->local_size;
    const double hbar = o->cfg->hbar;
    if (o->field[FIELD_P] >= 0) {
        for (ptrdiff_t i = 0; i < n; i++) {
            double re = creal(psi[i]), im = cimag(psi[i]);
            o->buf[i] = re * re + im * im;
        }
        if (append(o->field[FIELD_P], o->nsnap, rank, shape, start, count, o->xfer,
                   H5T_NATIVE_DOUBLE, o->buf))
            return h5_fail(err, o, "append to /schrodinger/p");
    }
    if (o->field[FIELD_F] >= 0) {
        for (ptrdiff_t i = 0; i < n; i++)
            o->buf[i] = hbar * carg(psi[i]);
        if (append(o->field[FIELD_F], o->nsnap, rank, shape, start, count, o->xfer,
                   H5T_NATIVE_DOUBLE, o->buf))
            return h5_fail(err, o, "append to /schrodinger/F");
    }
    if (o->field[FIELD_PSI] >= 0 && append(o->field[FIELD_PSI], o->nsnap, rank, shape, start, count,
                                           o->xfer, o->psi_mem_type, psi))
        return h5_fail(err, o, "append to /schrodinger/psi");
    if (m && o->mfield[0] >= 0) {
        if (append(o->mfield[0], o->nsnap, rank, shape, start, count, o->xfer, H5T_NATIVE_DOUBLE,
                   nnq_madelung_p(m)) ||
            append(o->mfield[1], o->nsnap, rank, shape, start, count, o->xfer, H5T_NATIVE_DOUBLE,
                   nnq_madelung_F(m)))
            return h5_fail(err, o, "append to /madelung");
        const int d = g->dims;
        const double *j = nnq_madelung_j(m);
        for (ptrdiff_t i = 0; i < n; i++)
            for (int a = 0; a < d; a++)
                o->jbuf[i * d + a] = j[a * n + i];
        shape[rank] = count[rank] = (hsize_t)d;
        start[rank] = 0;
        if (append(o->mfield[2], o->nsnap, rank + 1, shape, start, count, o->xfer,
                   H5T_NATIVE_DOUBLE, o->jbuf))
            return h5_fail(err, o, "append to /madelung/j");
    }
    o->nsnap++;
    if (H5Fflush(o->file, H5F_SCOPE_GLOBAL) < 0)
        return h5_fail(err, o, "flush the file");
    write_xdmf(o);
    return NNQ_OK;
}

enum nnq_status nnq_output_diag(struct nnq_output *o, const struct nnq_diag_row *row,
                                struct nnq_err *err) {
    hsize_t one = 1;
    for (int c = 0; c < NNQ_DIAG_COUNT; c++) {
        if (o->diag[c] < 0)
            continue;
        long long iv = (long long)row->value[c];
        int bad = nnq_diag_column((enum nnq_diag_column)c)->is_integer
                      ? append(o->diag[c], o->nrows, 1, &one, NULL, NULL, H5P_DEFAULT,
                               H5T_NATIVE_LLONG, &iv)
                      : append(o->diag[c], o->nrows, 1, &one, NULL, NULL, H5P_DEFAULT,
                               H5T_NATIVE_DOUBLE, &row->value[c]);
        if (bad)
            return h5_fail(err, o, "append to /diagnostics");
    }
    o->nrows++;
    return NNQ_OK;
}

enum nnq_status nnq_output_potential(struct nnq_output *o, const double *V, struct nnq_err *err) {
    hsize_t shape[3] = {(hsize_t)o->g->n[0], (hsize_t)o->g->n[1], (hsize_t)o->g->n[2]};
    hid_t grp = H5Gcreate2(o->file, "potential", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    hid_t space = H5Screate_simple(o->g->dims, shape, NULL);
    hid_t d = grp < 0 ? -1
                      : H5Dcreate2(grp, "V", H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT,
                                   H5P_DEFAULT);
    int bad = d < 0 || slab_io(o, d, H5T_NATIVE_DOUBLE, (void *)V, 1);
    if (d >= 0)
        H5Dclose(d);
    H5Sclose(space);
    if (grp >= 0)
        H5Gclose(grp);
    return bad ? h5_fail(err, o, "write /potential/V") : NNQ_OK;
}

long nnq_output_snapshots(const struct nnq_output *o) { return o->nsnap; }

/* Reads a variable-length string attribute into buf ("" if absent). */
static void read_string_attr(hid_t loc, const char *name, char *buf, size_t size) {
    buf[0] = '\0';
    if (H5Aexists(loc, name) <= 0)
        return;
    hid_t a = H5Aopen(loc, name, H5P_DEFAULT);
    hid_t t = H5Aget_type(a);
    char *v = NULL;
    if (H5Tis_variable_str(t) > 0 && H5Aread(a, t, &v) >= 0 && v) {
        snprintf(buf, size, "%s", v);
        H5free_memory(v);
    }
    H5Tclose(t);
    H5Aclose(a);
}

static double read_number_attr(hid_t loc, const char *name) {
    double v = NAN;
    if (H5Aexists(loc, name) > 0) {
        hid_t a = H5Aopen(loc, name, H5P_DEFAULT);
        H5Aread(a, H5T_NATIVE_DOUBLE, &v);
        H5Aclose(a);
    }
    return v;
}

/* ---- checkpoints --------------------------------------------------------------------------- */

/* Opens dataset name of loc, or creates it with type and dims: a fixed-size array. */
static hid_t fixed_dataset(hid_t loc, const char *name, hid_t type, int rank, const hsize_t *dims) {
    if (H5Lexists(loc, name, H5P_DEFAULT) > 0)
        return H5Dopen2(loc, name, H5P_DEFAULT);
    hid_t space = H5Screate_simple(rank, dims, NULL);
    hid_t d = H5Dcreate2(loc, name, type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Sclose(space);
    return d;
}

static int set_attr(hid_t loc, const char *name, hid_t type, const void *value) {
    if (H5Aexists(loc, name) > 0) {
        hid_t a = H5Aopen(loc, name, H5P_DEFAULT);
        herr_t rc = H5Awrite(a, type, value);
        H5Aclose(a);
        return rc < 0 ? -1 : 0;
    }
    return attr_numbers(loc, name, type, value, 1);
}

enum nnq_status nnq_output_checkpoint(struct nnq_output *o, long step, double t,
                                      const double complex *psi, const double *madelung,
                                      const double *state, size_t nstate, struct nnq_err *err) {
    const struct nnq_grid *g = o->g;
    hid_t grp = H5Lexists(o->file, "checkpoint", H5P_DEFAULT) > 0
                    ? H5Gopen2(o->file, "checkpoint", H5P_DEFAULT)
                    : H5Gcreate2(o->file, "checkpoint", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (grp < 0)
        return h5_fail(err, o, "write /checkpoint");
    hsize_t shape[3] = {(hsize_t)g->n[0], (hsize_t)g->n[1], (hsize_t)g->n[2]};
    hsize_t ns = nstate ? (hsize_t)nstate : 1;
    hid_t file_type = complex_type(H5T_IEEE_F64LE);
    hid_t dp = fixed_dataset(grp, "psi", file_type, g->dims, shape);
    hid_t ds = fixed_dataset(grp, "state", H5T_IEEE_F64LE, 1, &ns);
    H5Tclose(file_type);
    hsize_t nm = (hsize_t)(1 + g->dims) * (hsize_t)g->total;
    hid_t dm = madelung ? fixed_dataset(grp, "madelung", H5T_IEEE_F64LE, 1, &nm) : -1;
    long long counts[3] = {step, o->nsnap, o->nrows};
    int bad = dp < 0 || ds < 0 || slab_io(o, dp, o->psi_mem_type, (void *)psi, 1) ||
              (nstate && nnq_par_rank() == 0 &&
               H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, state) < 0) ||
              (madelung && (dm < 0 || state_io(o, dm, (void *)madelung, 1))) ||
              set_attr(grp, "t", H5T_NATIVE_DOUBLE, &t) ||
              set_attr(grp, "step", H5T_NATIVE_LLONG, &counts[0]) ||
              set_attr(grp, "snapshots", H5T_NATIVE_LLONG, &counts[1]) ||
              set_attr(grp, "rows", H5T_NATIVE_LLONG, &counts[2]);
    if (dp >= 0)
        H5Dclose(dp);
    if (ds >= 0)
        H5Dclose(ds);
    if (dm >= 0)
        H5Dclose(dm);
    H5Gclose(grp);
    if (bad || H5Fflush(o->file, H5F_SCOPE_GLOBAL) < 0)
        return h5_fail(err, o, "write /checkpoint");
    return NNQ_OK;
}

/* Opens and checks the nnq file at path, read-only or read-write. */
static hid_t open_nnq_file(const char *path, unsigned mode, struct nnq_err *err) {
    library_setup();
    if (access(path, R_OK) != 0) {
        nnq_err_set(err, NNQ_ERR_CONFIG, "%s: cannot read: %s", path, strerror(errno));
        return -1;
    }
    if (H5Fis_hdf5(path) <= 0) {
        nnq_err_set(err, NNQ_ERR_CONFIG, "%s: not an HDF5 file (or truncated)", path);
        return -1;
    }
    /* read-write: to continue a run, across the ranks */
    hid_t fapl = mode == H5F_ACC_RDWR ? file_access() : H5Pcreate(H5P_FILE_ACCESS);
    hid_t f = H5Fopen(path, mode, fapl);
    H5Pclose(fapl);
    if (f < 0) {
        nnq_err_set(err, NNQ_ERR_CONFIG, "%s: HDF5 cannot open it (truncated, or not writable?)",
                    path);
        return -1;
    }
    if (H5Aexists(f, "nnq_version") <= 0) {
        H5Fclose(f);
        nnq_err_set(err, NNQ_ERR_CONFIG, "%s: an HDF5 file, but not written by nnq", path);
        return -1;
    }
    return f;
}

enum nnq_status nnq_output_read_config(const char *path, char *text, size_t size,
                                       struct nnq_err *err) {
    hid_t f = open_nnq_file(path, H5F_ACC_RDONLY, err);
    if (f < 0)
        return NNQ_ERR_CONFIG;
    read_string_attr(f, "config", text, size);
    double completed = read_number_attr(f, "completed");
    int has_checkpoint = H5Lexists(f, "checkpoint", H5P_DEFAULT) > 0;
    H5Fclose(f);
    if (!text[0])
        return nnq_err_set(err, NNQ_ERR_CONFIG, "%s: holds no stored config", path);
    if (completed == 1)
        return nnq_err_set(err, NNQ_ERR_CONFIG, "%s: this run already completed", path);
    if (!has_checkpoint)
        return nnq_err_set(err, NNQ_ERR_CONFIG,
                           "%s: holds no checkpoint (runs write one with [run] checkpoint_every "
                           "> 0, and when stopped by SIGINT or SIGTERM)",
                           path);
    return NNQ_OK;
}

/* Opens the extendible datasets of an existing file and shrinks each to `count` rows. */
static hid_t reopen(hid_t f, const char *path, hsize_t count) {
    if (H5Lexists(f, path, H5P_DEFAULT) <= 0)
        return -1;
    hid_t d = H5Dopen2(f, path, H5P_DEFAULT);
    hid_t sp = H5Dget_space(d);
    hsize_t dims[5];
    int rank = H5Sget_simple_extent_dims(sp, dims, NULL);
    H5Sclose(sp);
    if (rank > 0 && dims[0] > count) {
        dims[0] = count;
        H5Dset_extent(d, dims);
    }
    return d;
}

enum nnq_status nnq_output_resume(const char *path, const struct nnq_config *cfg,
                                  const struct nnq_grid *g, struct nnq_output **out, long *step,
                                  struct nnq_err *err) {
    *out = NULL;
    struct nnq_output *o;
    enum nnq_status rc = new_output(path, cfg, g, &o, err);
    if (rc != NNQ_OK)
        return rc;
    o->file = open_nnq_file(path, H5F_ACC_RDWR, err);
    if (o->file < 0) {
        close_all(o);
        return NNQ_ERR_CONFIG;
    }
    hid_t grp = H5Gopen2(o->file, "checkpoint", H5P_DEFAULT);
    long long counts[3] = {-1, -1, -1};
    if (grp >= 0) {
        static const char *const names[3] = {"step", "snapshots", "rows"};
        for (int k = 0; k < 3; k++)
            if (H5Aexists(grp, names[k]) > 0) {
                hid_t a = H5Aopen(grp, names[k], H5P_DEFAULT);
                H5Aread(a, H5T_NATIVE_LLONG, &counts[k]);
                H5Aclose(a);
            }
        H5Gclose(grp);
    }
    if (counts[0] < 0 || counts[1] < 0 || counts[2] < 0) {
        close_all(o);
        return nnq_err_set(err, NNQ_ERR_CONFIG, "%s: its checkpoint is incomplete", path);
    }
    *step = (long)counts[0];
    o->nsnap = (long)counts[1];
    o->nrows = (long)counts[2];
    o->psi_mem_type = complex_type(H5T_NATIVE_DOUBLE);
    o->snap_t = reopen(o->file, "/snapshots/t", (hsize_t)o->nsnap);
    o->snap_step = reopen(o->file, "/snapshots/step", (hsize_t)o->nsnap);
    static const char *const fields[3] = {"/schrodinger/p", "/schrodinger/F", "/schrodinger/psi"};
    static const char *const mfields[3] = {"/madelung/p", "/madelung/F", "/madelung/j"};
    for (int f = 0; f < 3; f++) {
        o->field[f] = reopen(o->file, fields[f], (hsize_t)o->nsnap);
        if (cfg->madelung_enabled)
            o->mfield[f] = reopen(o->file, mfields[f], (hsize_t)o->nsnap);
    }
    for (int c = 0; c < NNQ_DIAG_COUNT; c++) {
        char dset[96];
        snprintf(dset, sizeof dset, "/diagnostics/%s",
                 nnq_diag_column((enum nnq_diag_column)c)->name);
        if (nnq_diag_present((enum nnq_diag_column)c, g->dims, cfg->madelung_enabled))
            o->diag[c] = reopen(o->file, dset, (hsize_t)o->nrows);
    }
    int zero = 0;
    /* the flush writes out the chunks the cuts trimmed now: parallel HDF5 would write them
     * later, over rows appended meanwhile */
    if (o->snap_t < 0 || o->snap_step < 0 || (cfg->madelung_enabled && o->mfield[0] < 0) ||
        o->diag[NNQ_DIAG_t] < 0 || set_attr(o->file, "completed", H5T_NATIVE_INT, &zero) ||
        H5Fflush(o->file, H5F_SCOPE_GLOBAL) < 0) {
        close_all(o);
        return nnq_err_set(err, NNQ_ERR_CONFIG,
                           "%s: its datasets do not match its stored config (damaged file?)", path);
    }
    write_xdmf(o);
    *out = o;
    return NNQ_OK;
}

enum nnq_status nnq_output_restore(struct nnq_output *o, double complex *psi, double *madelung,
                                   double *state, size_t nstate, struct nnq_err *err) {
    const struct nnq_grid *g = o->g;
    hid_t dp = H5Dopen2(o->file, "/checkpoint/psi", H5P_DEFAULT);
    hid_t ds = H5Dopen2(o->file, "/checkpoint/state", H5P_DEFAULT);
    int bad = dp < 0 || ds < 0;
    if (!bad) {
        hid_t sp = H5Dget_space(dp);
        hsize_t dims[3] = {1, 1, 1}, ns = 0;
        int rank = H5Sget_simple_extent_dims(sp, dims, NULL);
        H5Sclose(sp);
        sp = H5Dget_space(ds);
        H5Sget_simple_extent_dims(sp, &ns, NULL);
        H5Sclose(sp);
        bad = rank != g->dims ||
              (hsize_t)g->total != dims[0] * (rank > 1 ? dims[1] : 1) * (rank > 2 ? dims[2] : 1) ||
              ns != (nstate ? nstate : 1);
        if (!bad)
            bad = slab_io(o, dp, o->psi_mem_type, psi, 0) ||
                  (nstate &&
                   H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, state) < 0);
    }
    if (!bad && madelung) {
        hid_t dm = H5Lexists(o->file, "/checkpoint/madelung", H5P_DEFAULT) > 0
                       ? H5Dopen2(o->file, "/checkpoint/madelung", H5P_DEFAULT)
                       : -1;
        hsize_t nm = 0;
        if (dm >= 0) {
            hid_t sp = H5Dget_space(dm);
            H5Sget_simple_extent_dims(sp, &nm, NULL);
            H5Sclose(sp);
        }
        bad = dm < 0 || nm != (hsize_t)(1 + g->dims) * (hsize_t)g->total ||
              state_io(o, dm, madelung, 0);
        if (dm >= 0)
            H5Dclose(dm);
    }
    if (dp >= 0)
        H5Dclose(dp);
    if (ds >= 0)
        H5Dclose(ds);
    return bad ? nnq_err_set(err, NNQ_ERR_CONFIG,
                             "%s: its checkpoint does not match its stored config (grid, "
                             "Madelung state) or cannot be read",
                             o->path)
               : NNQ_OK;
}

enum nnq_status nnq_output_close(struct nnq_output *o, int completed, struct nnq_err *err) {
    if (!o)
        return NNQ_OK;
    enum nnq_status rc = NNQ_OK;
    hid_t a = H5Aopen(o->file, "completed", H5P_DEFAULT);
    if (a < 0 || H5Awrite(a, H5T_NATIVE_INT, &completed) < 0)
        rc = h5_fail(err, o, "mark the run complete");
    if (a >= 0)
        H5Aclose(a);
    if (rc == NNQ_OK && H5Fflush(o->file, H5F_SCOPE_GLOBAL) < 0)
        rc = h5_fail(err, o, "flush the file");
    hid_t file = o->file;
    o->file = -1;
    close_all(o);
    if (H5Fclose(file) < 0 && rc == NNQ_OK)
        rc = nnq_err_set(err, NNQ_ERR_RUNTIME, "HDF5 could not close the output file");
    return rc;
}

/* ---- reading a file back: nnq info -------------------------------------------------------- */

/* The whole 1-D dataset at path as doubles (malloc'd, *n rows); NULL if absent. */
static double *read_column(hid_t f, const char *path, hsize_t *n) {
    *n = 0;
    if (H5Lexists(f, path, H5P_DEFAULT) <= 0)
        return NULL;
    hid_t d = H5Dopen2(f, path, H5P_DEFAULT);
    hid_t sp = H5Dget_space(d);
    double *v = NULL;
    if (H5Sget_simple_extent_ndims(sp) == 1) {
        H5Sget_simple_extent_dims(sp, n, NULL);
        v = malloc(sizeof(double) * (*n ? *n : 1));
        if (v && H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0) {
            free(v);
            v = NULL;
        }
    }
    H5Sclose(sp);
    H5Dclose(d);
    return v;
}

enum nnq_status nnq_output_info(const char *path, int csv, FILE *out, struct nnq_err *err) {
    hid_t f = open_nnq_file(path, H5F_ACC_RDONLY, err);
    if (f < 0)
        return NNQ_ERR_CONFIG;
    char version[64], text[NNQ_KEY_COUNT * 2 * NNQ_STR_MAX];
    read_string_attr(f, "nnq_version", version, sizeof version);

    /* the diagnostics columns present, in the order of diagnostics.h */
    double *cols[NNQ_DIAG_COUNT] = {0};
    hsize_t rows = 0;
    for (int c = 0; c < NNQ_DIAG_COUNT; c++) {
        char dset[96];
        hsize_t n;
        snprintf(dset, sizeof dset, "/diagnostics/%s",
                 nnq_diag_column((enum nnq_diag_column)c)->name);
        cols[c] = read_column(f, dset, &n);
        if (cols[c] && (rows == 0 || n < rows))
            rows = n;
    }
    if (csv) {
        const char *sep = "";
        for (int c = 0; c < NNQ_DIAG_COUNT; c++)
            if (cols[c]) {
                fprintf(out, "%s%s", sep, nnq_diag_column((enum nnq_diag_column)c)->name);
                sep = ",";
            }
        fputc('\n', out);
        for (hsize_t r = 0; r < rows; r++) {
            sep = "";
            for (int c = 0; c < NNQ_DIAG_COUNT; c++)
                if (cols[c]) {
                    fprintf(out, "%s%.17g", sep, cols[c][r]);
                    sep = ",";
                }
            fputc('\n', out);
        }
    } else {
        char name[NNQ_STR_MAX], created[64];
        read_string_attr(f, "name", name, sizeof name);
        read_string_attr(f, "created", created, sizeof created);
        int completed = (int)read_number_attr(f, "completed");
        fprintf(out, "%s: nnq %s output of run '%s', created %s, %s\n", path, version, name,
                created,
                completed == 1 ? "completed" : "NOT completed (stopped early, or still running)");
        fprintf(out, "hbar = %g (mu %g x epsilon %g), mass = %g, dt = %g, %d-dimensional grid\n",
                read_number_attr(f, "hbar"), read_number_attr(f, "mu"),
                read_number_attr(f, "epsilon"), read_number_attr(f, "mass"),
                read_number_attr(f, "dt"), (int)read_number_attr(f, "dims"));
        hsize_t ns, nstep;
        double *t = read_column(f, "/snapshots/t", &ns);
        double *st = read_column(f, "/snapshots/step", &nstep);
        if (t && ns > 0)
            fprintf(out, "snapshots: %llu, t = %g .. %g (steps %.0f .. %.0f)\n",
                    (unsigned long long)ns, t[0], t[ns - 1], st ? st[0] : NAN,
                    st ? st[nstep - 1] : NAN);
        else
            fprintf(out, "snapshots: 0\n");
        free(t);
        free(st);
        static const char *const fields[] = {"/schrodinger/p", "/schrodinger/F", "/schrodinger/psi",
                                             "/madelung/p",    "/madelung/F",    "/madelung/j"};
        fputs("fields:", out);
        for (size_t k = 0; k < sizeof fields / sizeof fields[0]; k++)
            if (H5Lexists(f, "/madelung", H5P_DEFAULT) > 0 || k < 3)
                if (H5Lexists(f, fields[k], H5P_DEFAULT) > 0)
                    fprintf(out, " %s", fields[k]);
        fputc('\n', out);
        fprintf(out, "diagnostics: %llu rows", (unsigned long long)rows);
        if (rows > 0) {
            fputs("; the last:\n", out);
            for (int c = 0; c < NNQ_DIAG_COUNT; c++)
                if (cols[c])
                    fprintf(out, "  %-20s %.10g\n", nnq_diag_column((enum nnq_diag_column)c)->name,
                            cols[c][rows - 1]);
        } else
            fputc('\n', out);
        read_string_attr(f, "config", text, sizeof text);
        fprintf(out, "config:\n");
        for (const char *line = text; *line;) {
            size_t len = strcspn(line, "\n");
            fprintf(out, "  %.*s\n", (int)len, line);
            line += len + (line[len] == '\n');
        }
    }
    for (int c = 0; c < NNQ_DIAG_COUNT; c++)
        free(cols[c]);
    H5Fclose(f);
    return NNQ_OK;
}
