/* output_h5.c - HDF5 output (see include/nnq/output_h5.h). */
#include "nnq/output_h5.h"

#include "nnq/h5read.h"
#include "nnq/par.h"
#include "nnq/version.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <hdf5.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#define CHUNK_TARGET_POINTS (1 << 18)

#define MAX_FIELDS 16 /* over all groups */

/*
 * Invariants: file is open; field[base[g] + f] >= 0 iff field f of group g is written (its
 * select bit is 0 or in cfg->output_fields), base[g] + groups[g].nfields <= MAX_FIELDS;
 * vbuf holds d * g->local_size doubles (at least 1) when a group has a VECTOR field;
 * nsnap snapshots and nrows diagnostics rows have been written; checkpoint >= 0 between
 * nnq_output_checkpoint_begin and _end, the group of slot `slot` (0 or 1: the checkpoints go
 * into two slots in turn, see nnq_output_checkpoint_begin); `current` is the slot of the last
 * complete checkpoint (-1: none). Under mpirun every rank holds one: metadata calls are
 * made by all ranks alike, each rank writes its slab of the fields (collectively), rank 0 the
 * rows (collectively, the others with empty selections) and the sidecar.
 */
struct nnq_output {
    hid_t file;
    hid_t snap_t, snap_step;
    const struct nnq_output_group *groups;
    int ngroups, base[MAX_FIELDS];
    hid_t field[MAX_FIELDS];
    hid_t diag[NNQ_DIAG_COUNT];
    hid_t psi_mem_type;
    hid_t xfer; /* data transfer of the fields: collective under mpirun, H5P_DEFAULT otherwise */
    hid_t xfer_over; /* the same for transfer()'s writes, with the checksum not verified on the
                      * chunk a partial write reads back (see overwrite_transfer) */
    hid_t checkpoint;
    int slot, current;
    int damaged; /* a read or write failed on a checksum: the file changed after it was written */
    long xmf_snaps, xmf_tail; /* snapshots in the sidecar, offset of its closing tags (0: none) */
    const struct nnq_config *cfg;
    const struct nnq_grid *g;
    double *vbuf; /* d values per point, for VECTOR fields */
    long nsnap, nrows;
    /* the point set: open when pt_t >= 0; npt rows written (on resume: the checkpoint's) */
    hid_t pt_t, pt_q[NNQ_OUTPUT_POINT_NAMES];
    int pt_n, pt_d;
    size_t pt_count;
    long npt;
    char pt_set[32], pt_name[NNQ_OUTPUT_POINT_NAMES][32];
    /* the tables beside /diagnostics (nnq_output_table_open): ntables open, each width wide */
    hid_t table[NNQ_OUTPUT_TABLES];
    int table_width[NNQ_OUTPUT_TABLES], ntables;
    char path[NNQ_STR_MAX];
    char xmf[NNQ_STR_MAX + 8]; /* the XDMF sidecar: path with .h5 replaced by .xmf */
};

/* Before the first HDF5 call: errors are reported through nnq_err, not printed; and no
 * atexit clean-up, which in HDF5 1.10 retries to close a file whose close failed on a write
 * error (disk full, file-size limit) and crashes. The OS reclaims everything at exit. */
static void library_setup(void) {
    H5dont_atexit(); /* fails harmlessly once the library is initialised */
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

/* H5Ewalk2's visitor: sets *found when an error on the stack is a checksum that failed. */
static herr_t checksum_error(unsigned n, const H5E_error2_t *e, void *found) {
    (void)n;
    if (e->desc && (strstr(e->desc, "checksum") || strstr(e->desc, "Fletcher32")))
        *(int *)found = 1;
    return 0;
}

/* After a failed HDF5 call, before the next one clears its error stack: marks o damaged when
 * a checksum failed. */
static void note_damage(struct nnq_output *o) {
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, checksum_error, &o->damaged);
}

static enum nnq_status h5_fail(struct nnq_err *err, const struct nnq_output *o, const char *what) {
    if (o->damaged)
        return nnq_err_set(err, NNQ_ERR_CONFIG,
                           "%s: damaged: HDF5 found a checksum that does not match while it tried "
                           "to %s (the file changed after it was written: a disk, transfer or "
                           "copy error); nothing in it can be trusted",
                           o->path, what);
    return nnq_err_set(err, NNQ_ERR_RUNTIME,
                       "%s: HDF5 could not %s (disk full, file-size limit, file removed or not "
                       "writable?); the file is incomplete and may be unreadable",
                       o->path, what);
}

/* File access: MPI-IO across the ranks under mpirun, the default driver otherwise; the file
 * format of HDF5 1.8 (superblock 2, version-2 object headers, B-trees and heaps):
 * every metadata block carries a checksum, which the library verifies as it reads, so a
 * damaged file is refused where the 1.6 format's unchecked blocks were followed (and crashed
 * libhdf5 1.10 in a byte-flip fuzz). Readers since HDF5 1.8 (h5py, ParaView) read it. */
static hid_t file_access(void) {
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_V18);
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

/* field_transfer's, for writes that rewrite a dataset whole across the ranks (a checkpoint
 * slot's datasets): a rank's part of a chunk makes HDF5 read the chunk back,
 * and a chunk a kill left half-written fails its checksum there, on the rank that reads it
 * alone, which then leaves the collective write the others wait in (a hang, found by the
 * killed-and-resumed mpirun runs). The chunk is overwritten whole by the ranks' parts together,
 * so its old checksum does not matter; the new one is computed as it is written. */
static hid_t overwrite_transfer(void) {
    hid_t xfer = field_transfer();
    H5Pset_edc_check(xfer, H5Z_DISABLE_EDC);
    return xfer;
}

/* Reads (write 0) or writes (1; 2: a write that rewrites the dataset whole across the ranks,
 * through overwrite_transfer) data through the selection made in fspace/mspace, or, when this
 * rank has nothing (any == 0), with both selections empty, as collective transfers need every
 * rank to call; closes both spaces. Returns 0 or -1. */
/* -1 when the HDF5 call that every rank has just made failed on any rank (then every rank
 * also knows whether one of them found a checksum that does not match), else 0. Collective:
 * a rank that fails alone (a damaged block only it reads) must not leave the others waiting
 * in the next collective call. */
static int agreed_failure(struct nnq_output *o, int failed) {
    if (!nnq_par_any(failed))
        return 0;
    o->damaged = nnq_par_any(o->damaged);
    return -1;
}

static int transfer(struct nnq_output *o, hid_t d, hid_t mem_type, hid_t fspace, hid_t mspace,
                    int any, void *data, int write) {
    herr_t rc = any ? 0 : (H5Sselect_none(fspace) < 0 || H5Sselect_none(mspace) < 0 ? -1 : 0);
    if (rc >= 0)
        rc = write
                 ? H5Dwrite(d, mem_type, mspace, fspace, write == 2 ? o->xfer_over : o->xfer, data)
                 : H5Dread(d, mem_type, mspace, fspace, o->xfer, data);
    if (rc < 0)
        note_damage(o);
    H5Sclose(mspace);
    H5Sclose(fspace);
    return agreed_failure(o, rc < 0);
}

/* Reads or writes this rank's slab of the grid-shaped dataset d (rank g->dims) from or into
 * data, collectively under mpirun. Returns 0 or -1. */
static int slab_io(struct nnq_output *o, hid_t d, hid_t mem_type, void *data, int write) {
    const struct nnq_grid *g = o->g;
    hsize_t start[3] = {(hsize_t)g->local_0_start, 0, 0};
    hsize_t count[3] = {(hsize_t)g->local_n0, (hsize_t)g->n[1], (hsize_t)g->n[2]};
    hid_t fspace = H5Dget_space(d), mspace = H5Screate_simple(g->dims, count, NULL);
    /* (a failed selection leaves all of fspace selected: the transfer then fails on sizes) */
    if (g->local_n0 > 0)
        H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, NULL, count, NULL);
    return transfer(o, d, mem_type, fspace, mspace, g->local_n0 > 0, data, write);
}

/* Reads or writes this rank's part of the state dataset d (comps * total values,
 * component-major): one block of local_size values per component, collectively under mpirun.
 * Returns 0 or -1. */
static int state_io(struct nnq_output *o, hid_t d, int ncomps, void *data, int write) {
    const struct nnq_grid *g = o->g;
    const hsize_t comps = (hsize_t)ncomps, local = (hsize_t)g->local_size;
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

/* Dataset creation with a Fletcher-32 checksum of every chunk (of the bytes stored: after a
 * compression), which HDF5 verifies as it reads: a damaged value is an error, never a number.
 * compress: the gzip level (0: none). */
static hid_t checksummed(int rank, const hsize_t *chunk, int compress) {
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(dcpl, rank, chunk);
    if (compress > 0) {
        H5Pset_shuffle(dcpl);
        H5Pset_deflate(dcpl, (unsigned)compress);
    }
    H5Pset_fletcher32(dcpl);
    return dcpl;
}

/* A fixed-size field (or list) of `rank` axes, checksummed in chunks of one row of axis 0 (a
 * list: of at most 2^22 values; rows as the ranks write them). */
static hid_t fixed_field(hid_t loc, const char *name, hid_t type, int rank, const hsize_t *dims) {
    hsize_t chunk[5];
    for (int i = 0; i < rank; i++)
        chunk[i] = i ? dims[i] : rank > 1 ? 1 : dims[0] < (1u << 22) ? dims[0] : (1u << 22);
    int empty = 0;
    for (int i = 0; i < rank; i++)
        empty |= dims[i] == 0;
    hid_t space = H5Screate_simple(rank, dims, NULL);
    hid_t dcpl = empty ? H5Pcreate(H5P_DATASET_CREATE) : checksummed(rank, chunk, 0);
    hid_t d = H5Dcreate2(loc, name, type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    H5Pclose(dcpl);
    H5Sclose(space);
    return d;
}

/* An extendible dataset of `rank` axes whose first one grows; chunk along it = 1 row.
 * independent: every rank writes it alike, each on its own (parallel HDF5 filters only what
 * the ranks write collectively: then it is neither compressed nor checksummed under mpirun). */
static hid_t create_extendible(hid_t loc, const char *name, hid_t type, int rank,
                               const hsize_t *shape, const hsize_t *chunk, int compress,
                               int independent) {
    hsize_t dims[5] = {0}, maxdims[5];
    for (int i = 0; i < rank; i++) {
        dims[i] = i ? shape[i] : 0;
        maxdims[i] = i ? shape[i] : H5S_UNLIMITED;
    }
    hid_t space = H5Screate_simple(rank, dims, maxdims);
    hid_t dcpl = independent && nnq_par_size() > 1 ? H5Pcreate(H5P_DATASET_CREATE)
                                                   : checksummed(rank, chunk, compress);
    if (independent && nnq_par_size() > 1)
        H5Pset_chunk(dcpl, rank, chunk);
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
static int append(struct nnq_output *o, hid_t d, long row, int rank, const hsize_t *shape,
                  const hsize_t *start1, const hsize_t *count1, hid_t xfer, hid_t mem_type,
                  const void *data) {
    hsize_t dims[5] = {0}, start[5] = {0}, count[5] = {1, 1, 1, 1, 1};
    for (int i = 0; i < rank; i++)
        dims[i] = i ? shape[i] : (hsize_t)row + 1;
    const int extent_failed = H5Dset_extent(d, dims) < 0;
    if (extent_failed)
        note_damage(o);
    if (agreed_failure(o, extent_failed)) /* before the write that all ranks make */
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
    if (rc < 0)
        note_damage(o);
    H5Sclose(mspace);
    H5Sclose(fspace);
    return agreed_failure(o, rc < 0);
}

static hid_t reopen(hid_t f, const char *path, hsize_t count, int want_rank);

static hid_t complex_type(hid_t member) {
    size_t size = H5Tget_size(member);
    hid_t t = H5Tcreate(H5T_COMPOUND, 2 * size);
    H5Tinsert(t, "r", 0, member);
    H5Tinsert(t, "i", size, member);
    return t;
}

static void close_all(struct nnq_output *o) {
    for (int k = 0; k < o->ntables; k++)
        if (o->table[k] >= 0)
            H5Dclose(o->table[k]);
    o->ntables = 0;
    for (int k = 0; k < o->pt_n; k++)
        if (o->pt_q[k] >= 0)
            H5Dclose(o->pt_q[k]);
    if (o->pt_t >= 0)
        H5Dclose(o->pt_t);
    for (int f = 0; f < MAX_FIELDS; f++)
        if (o->field[f] >= 0)
            H5Dclose(o->field[f]);
    if (o->checkpoint >= 0)
        H5Gclose(o->checkpoint);
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
    if (o->xfer_over >= 0)
        H5Pclose(o->xfer_over);
    if (o->file >= 0)
        H5Fclose(o->file);
    free(o->vbuf);
    free(o);
}

/* A closed output: every handle -1, buffers allocated. */
static enum nnq_status build_output(const char *path, const struct nnq_config *cfg,
                                    const struct nnq_grid *g, const struct nnq_output_group *groups,
                                    int ngroups, struct nnq_output **out, struct nnq_err *err) {
    /* before the first HDF5 call, H5Pcreate included */
    library_setup();
    struct nnq_output *o = calloc(1, sizeof *o);
    if (!o)
        return nnq_err_set(err, NNQ_ERR_RUNTIME, "out of memory");
    o->file = o->snap_t = o->snap_step = o->psi_mem_type = o->checkpoint = o->pt_t = -1;
    o->slot = 0;
    o->current = -1;
    o->xfer = field_transfer();
    o->xfer_over = overwrite_transfer();
    for (int f = 0; f < MAX_FIELDS; f++)
        o->field[f] = -1;
    o->groups = groups;
    o->ngroups = ngroups;
    int total = 0, vector = 0;
    for (int k = 0; k < ngroups; k++)
        total += groups[k].nfields;
    if (ngroups > MAX_FIELDS || total > MAX_FIELDS) {
        close_all(o);
        return nnq_err_set(err, NNQ_ERR_RUNTIME,
                           "%s: %d fields in %d groups: the output holds at most %d", path, total,
                           ngroups, MAX_FIELDS);
    }
    total = 0;
    for (int k = 0; k < ngroups; k++) {
        o->base[k] = total;
        total += groups[k].nfields;
        for (int f = 0; f < groups[k].nfields; f++)
            vector |= groups[k].fields[f].kind == NNQ_FIELD_VECTOR;
    }
    for (int c = 0; c < NNQ_DIAG_COUNT; c++)
        o->diag[c] = -1;
    o->cfg = cfg;
    o->g = g;
    snprintf(o->path, sizeof o->path, "%s", path);
    size_t len = strlen(o->path);
    int h5 = len > 3 && strcmp(o->path + len - 3, ".h5") == 0;
    snprintf(o->xmf, sizeof o->xmf, "%.*s.xmf", (int)(h5 ? len - 3 : len), o->path);
    const size_t local = g->local_size > 0 ? (size_t)g->local_size : 1; /* a rank may hold none */
    if (vector && !(o->vbuf = malloc(local * (size_t)g->dims * sizeof(double)))) {
        close_all(o);
        return nnq_err_set(err, NNQ_ERR_RUNTIME, "out of memory for the output buffer");
    }
    *out = o;
    return NNQ_OK;
}

/* build_output on every rank, agreed: a rank out of memory stops them all before the file's
 * collective calls, which it would not reach. Collective. */
static enum nnq_status new_output(const char *path, const struct nnq_config *cfg,
                                  const struct nnq_grid *g, const struct nnq_output_group *groups,
                                  int ngroups, struct nnq_output **out, struct nnq_err *err) {
    struct nnq_output *o = NULL;
    const enum nnq_status rc =
        nnq_par_agree(build_output(path, cfg, g, groups, ngroups, &o, err), err);
    if (rc != NNQ_OK) {
        if (o)
            close_all(o);
        return rc;
    }
    *out = o;
    return NNQ_OK;
}

/* 1 when another process holds the lock of the file at path: HDF5 takes an exclusive
 * flock() on a file it writes, for as long as the file is open, and H5F_ACC_TRUNC cuts the
 * file before it asks for the lock (and then fails), destroying the other run's output. Rank
 * 0 probes; every rank gets its answer. Collective. */
static int in_use(const char *path) {
    int busy = 0;
    if (nnq_par_rank() == 0) {
        /* O_NONBLOCK: a FIFO at path must not hang the probe */
        const int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
        if (fd >= 0) {
            busy = flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
            close(fd); /* releases the probe's lock */
        }
    }
    return nnq_par_any(busy);
}

char *nnq_output_dir_of(const char *path, char *buf, size_t size) {
    snprintf(buf, size, "%s", path);
    char *slash = strrchr(buf, '/');
    if (slash)
        *(slash == buf ? slash + 1 : slash) = '\0';
    else
        snprintf(buf, size, ".");
    return buf;
}

enum nnq_status nnq_output_check_path(const char *path, int force, struct nnq_err *err) {
    const int exists = access(path, F_OK) == 0;
    if (exists && !force)
        return nnq_err_set(err, NNQ_ERR_CONFIG,
                           "%s: output file exists; use --force to overwrite it or -o to name "
                           "another",
                           path);
    if (exists && in_use(path))
        return nnq_err_set(err, NNQ_ERR_CONFIG,
                           "%s: another process is writing this file (it holds its lock); "
                           "--force does not overwrite it: name another with -o",
                           path);
    char dir[NNQ_STR_MAX + 8];
    nnq_output_dir_of(path, dir, sizeof dir);
    if (exists ? access(path, W_OK) != 0 : access(dir, W_OK | X_OK) != 0)
        return nnq_err_set(err, NNQ_ERR_RUNTIME, "%s: cannot create the output file: %s", path,
                           strerror(errno));
    return NNQ_OK;
}

enum nnq_status nnq_output_create(const char *path, int force, const struct nnq_config *cfg,
                                  const char *config_text, const struct nnq_grid *g,
                                  const struct nnq_output_group *groups, int ngroups,
                                  struct nnq_output **out, struct nnq_err *err) {
    *out = NULL;
    library_setup();
    enum nnq_status checked = nnq_output_check_path(path, force, err);
    if (checked != NNQ_OK)
        return checked;
    struct nnq_output *o;
    enum nnq_status rc0 = new_output(path, cfg, g, groups, ngroups, &o, err);
    if (rc0 != NNQ_OK)
        return rc0;

    errno = 0;
    hid_t fapl = file_access();
    /* without --force the file is created exclusively: a run that started since the check
     * above keeps its file */
    o->file = H5Fcreate(path, force ? H5F_ACC_TRUNC : H5F_ACC_EXCL, H5P_DEFAULT, fapl);
    H5Pclose(fapl);
    if (o->file < 0) {
        int e = errno;
        close_all(o);
        if (e == EEXIST)
            return nnq_err_set(err, NNQ_ERR_CONFIG,
                               "%s: output file exists (another run created it just now); use "
                               "--force to overwrite it or -o to name another",
                               path);
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
    static const char *const plain[3] = {"q0", "q1", "q2"};
    char axes[3 * 34] = ""; /* the axes' names ([grid] names, else q0, q1, q2) */
    for (int a = 0; a < d; a++)
        snprintf(axes + strlen(axes), sizeof axes - strlen(axes), "%s%s", a ? ", " : "",
                 cfg->axis_name[a][0] ? cfg->axis_name[a] : plain[a]);
    int bad =
        attr_string(o->file, "nnq_version", NNQ_VERSION) ||
        attr_string(o->file, "nnq_revision", nnq_revision()) ||
        attr_string(o->file, "axis_names", axes) || attr_string(o->file, "config", config_text) ||
        attr_string(o->file, "name", cfg->run_name) || attr_string(o->file, "created", created) ||
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
        o->snap_t = create_extendible(grp, "t", H5T_IEEE_F64LE, 1, &one, &rows_chunk, 0, 1);
        o->snap_step = create_extendible(grp, "step", H5T_STD_I64LE, 1, &one, &rows_chunk, 0, 1);
        H5Gclose(grp);
    }
    bad |= grp < 0 || o->snap_t < 0 || o->snap_step < 0;
    hid_t ftype = cfg->output_precision == NNQ_PRECISION_SINGLE ? H5T_IEEE_F32LE : H5T_IEEE_F64LE;
    hid_t psi_file_type = complex_type(ftype);
    o->psi_mem_type = complex_type(H5T_NATIVE_DOUBLE);
    hsize_t jshape[5] = {0, 1, 1, 1, 1}, jchunk[5] = {1, 1, 1, 1, 1};
    for (int i = 1; i <= d; i++) {
        jshape[i] = shape[i];
        jchunk[i] = chunk[i];
    }
    jshape[d + 1] = jchunk[d + 1] = (hsize_t)d;
    for (int k = 0; !bad && k < ngroups; k++) {
        if (!groups[k].name) /* an observer without a group */
            continue;
        grp = H5Gcreate2(o->file, groups[k].name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        bad |= grp < 0;
        for (int f = 0; !bad && f < groups[k].nfields; f++) {
            const struct nnq_field_info *fi = &groups[k].fields[f];
            if (fi->select && !(cfg->output_fields & fi->select))
                continue;
            hid_t *h = &o->field[o->base[k] + f];
            if (fi->kind == NNQ_FIELD_VECTOR)
                *h = create_extendible(grp, fi->name, ftype, d + 2, jshape, jchunk,
                                       (int)cfg->output_compress, 0);
            else
                *h = create_extendible(grp, fi->name,
                                       fi->kind == NNQ_FIELD_COMPLEX ? psi_file_type : ftype, d + 1,
                                       shape, chunk, (int)cfg->output_compress, 0);
            bad |= *h < 0;
        }
        if (grp >= 0)
            H5Gclose(grp);
    }
    H5Tclose(psi_file_type);

    grp = H5Gcreate2(o->file, "diagnostics", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    bad |= grp < 0;
    for (int c = 0; !bad && c < NNQ_DIAG_COUNT; c++) {
        const struct nnq_diag_column_info *ci = nnq_diag_column((enum nnq_diag_column)c);
        if (!nnq_diag_present((enum nnq_diag_column)c, d, nnq_diag_parts(cfg)))
            continue;
        o->diag[c] =
            create_extendible(grp, ci->name, ci->is_integer ? H5T_STD_I64LE : H5T_IEEE_F64LE, 1,
                              &one, &rows_chunk, 0, 0);
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

/* The point set (2D, 3D): per name, a temporal collection of Polyvertex grids whose
 * coordinates are hyperslabs of /<set>/<name>/q, axes as the mesh's (x = nnq's last axis). */
static void xdmf_points(FILE *x, const struct nnq_output *o) {
    const int d = o->pt_d;
    if (o->pt_t < 0 || d < 2 || o->npt < 1)
        return;
    double *t = malloc(sizeof(double) * (size_t)o->npt);
    hid_t fspace = H5Dget_space(o->pt_t);
    hsize_t rows = 0;
    if (nnq_h5read_extent(fspace, &rows, 1) != 1)
        rows = 0;
    H5Sclose(fspace);
    /* exactly the rows counted (a damaged file may declare more: read whole, they would
     * overrun t) */
    if (!t || rows != (hsize_t)o->npt ||
        H5Dread(o->pt_t, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, t) < 0) {
        free(t);
        return;
    }
    const char *file = strrchr(o->path, '/') ? strrchr(o->path, '/') + 1 : o->path;
    for (int k = 0; k < o->pt_n; k++) {
        fprintf(x, "  <Grid Name=\"%s\" GridType=\"Collection\" CollectionType=\"Temporal\">\n",
                o->pt_name[k]);
        for (long r = 0; r < o->npt; r++) {
            fprintf(x,
                    "   <Grid Name=\"%s %ld\" GridType=\"Uniform\">\n    <Time Value=\"%.17g\"/>\n"
                    "    <Topology TopologyType=\"Polyvertex\" NumberOfElements=\"%zu\"/>\n"
                    "    <Geometry GeometryType=\"%s\">\n",
                    o->pt_name[k], r, t[r], o->pt_count, d == 2 ? "X_Y" : "X_Y_Z");
            for (int a = d - 1; a >= 0; a--)
                fprintf(x,
                        "     <DataItem ItemType=\"HyperSlab\" Dimensions=\"%zu\" "
                        "Type=\"HyperSlab\">\n"
                        "      <DataItem Dimensions=\"3 3\" Format=\"XML\">%ld 0 %d 1 1 1 1 %zu "
                        "1</DataItem>\n"
                        "      <DataItem Dimensions=\"%ld %zu %d\" NumberType=\"Float\" "
                        "Precision=\"8\" Format=\"HDF\">%s:/%s/%s/q</DataItem>\n"
                        "     </DataItem>\n",
                        o->pt_count, r, a, o->pt_count, o->npt, o->pt_count, d, file, o->pt_set,
                        o->pt_name[k]);
            fprintf(x, "    </Geometry>\n   </Grid>\n");
        }
        fprintf(x, "  </Grid>\n");
    }
    free(t);
}

/* Rewrites the XDMF sidecar: one uniform grid per snapshot, its time, and every scalar field
 * (psi, a compound, is left to h5py). ParaView's x axis is nnq's last (fastest) axis: 1D x = q0;
 * 2D x = q1, y = q0; 3D x = q2, y = q1, z = q0. */
/* The mesh of the sidecar's grids: a 3-D mesh always, leading axes of one point (1D is a line
 * along x, 2D the x-y plane): dims, origin and spacing as XDMF reads them (x last). */
static void xdmf_mesh(const struct nnq_grid *g, char *dims, char *origin, char *spacing,
                      size_t size) {
    const int d = g->dims;
    dims[0] = origin[0] = spacing[0] = '\0';
    for (int i = d - 3; i < d; i++) {
        const char *sp = i > d - 3 ? " " : "";
        snprintf(dims + strlen(dims), size - strlen(dims), "%s%td", sp,
                 i < 0 ? (ptrdiff_t)1 : g->n[i]);
        snprintf(origin + strlen(origin), size - strlen(origin), "%s%.17g", sp,
                 i < 0 ? 0.0 : g->qmin[i]);
        snprintf(spacing + strlen(spacing), size - strlen(spacing), "%s%.17g", sp,
                 i < 0 ? 1.0 : g->dq[i]);
    }
}

/* The sidecar's grid of snapshot s, at time t. */
static void xdmf_snapshot(FILE *x, const struct nnq_output *o, long s, double t) {
    const int d = o->g->dims;
    const int precision = o->cfg->output_precision == NNQ_PRECISION_SINGLE ? 4 : 8;
    char dims[96], origin[96], spacing[96];
    xdmf_mesh(o->g, dims, origin, spacing, sizeof dims);
    fprintf(x,
            "   <Grid Name=\"snapshot %ld\" GridType=\"Uniform\">\n    <Time Value=\"%.17g\"/>\n"
            "    <Topology TopologyType=\"3DCoRectMesh\" Dimensions=\"%s\"/>\n"
            "    <Geometry GeometryType=\"ORIGIN_DXDYDZ\">\n"
            "     <DataItem Dimensions=\"3\" Format=\"XML\">%s</DataItem>\n"
            "     <DataItem Dimensions=\"3\" Format=\"XML\">%s</DataItem>\n"
            "    </Geometry>\n",
            s, t, dims, origin, spacing);
    for (int k = 0; k < o->ngroups; k++)
        for (int f = 0; f < o->groups[k].nfields; f++) {
            const struct nnq_field_info *fi = &o->groups[k].fields[f];
            if (o->field[o->base[k] + f] < 0 || fi->kind == NNQ_FIELD_COMPLEX)
                continue;
            char name[64], dset[64];
            snprintf(dset, sizeof dset, "/%s/%s", o->groups[k].name, fi->name);
            for (int a = 0; a < (fi->kind == NNQ_FIELD_VECTOR ? d : 1); a++) {
                if (fi->kind == NNQ_FIELD_VECTOR)
                    snprintf(name, sizeof name, "%s_%s%d", fi->name, o->groups[k].tag, a);
                else
                    snprintf(name, sizeof name, "%s_%s", fi->name, o->groups[k].tag);
                xdmf_attribute(x, o, name, dset, s, fi->kind == NNQ_FIELD_VECTOR ? a : -1,
                               precision);
            }
        }
    fprintf(x, "   </Grid>\n");
}

static const char xdmf_end[] = "  </Grid>\n";
static const char xdmf_close[] = " </Domain>\n</Xdmf>\n";

/* The newest snapshot appended to the sidecar in place: its grid written over the closing
 * tags, which follow it again. O(1) a snapshot (a rewrite is O(snapshots): 4000 snapshots
 * took 77 s). Its dataset is named as long as it is now (ParaView reads the hyperslab of an
 * older, shorter entry all the same; the file's close writes the sidecar whole). Only where
 * the sidecar holds every snapshot but this one and no point set (the points follow the
 * snapshots and change with every row). Returns 0, or -1: not possible. */
static int append_xdmf(struct nnq_output *o) {
    const long s = o->nsnap - 1;
    if (o->xmf_tail <= 0 || o->xmf_snaps != s || o->pt_t >= 0)
        return -1;
    double t = 0;
    hid_t fs = H5Dget_space(o->snap_t);
    const hsize_t start = (hsize_t)s, one = 1;
    hid_t ms = H5Screate_simple(1, &one, NULL);
    const int bad = fs < 0 ||
                    H5Sselect_hyperslab(fs, H5S_SELECT_SET, &start, NULL, &one, NULL) < 0 ||
                    H5Dread(o->snap_t, H5T_NATIVE_DOUBLE, ms, fs, H5P_DEFAULT, &t) < 0;
    if (fs >= 0)
        H5Sclose(fs);
    H5Sclose(ms);
    FILE *x = bad ? NULL : fopen(o->xmf, "r+");
    if (!x || fseek(x, o->xmf_tail, SEEK_SET) != 0) {
        if (x)
            fclose(x);
        return -1;
    }
    xdmf_snapshot(x, o, s, t);
    const long tail = ftell(x);
    fputs(xdmf_end, x);
    fputs(xdmf_close, x);
    if (fclose(x) != 0 || tail < 0)
        return -1;
    o->xmf_tail = tail;
    o->xmf_snaps = o->nsnap;
    return 0;
}

/* The XDMF sidecar, for ParaView and VisIt: appended to where it can be, else written whole
 * (beside, then renamed over the old one). Best effort: the HDF5 file holds everything. */
static void write_xdmf(struct nnq_output *o) {
    if (nnq_par_rank() != 0 || append_xdmf(o) == 0)
        return;
    const struct nnq_grid *g = o->g;
    const int d = g->dims;
    o->xmf_tail = 0;
    double *t = malloc(sizeof(double) * (size_t)(o->nsnap > 0 ? o->nsnap : 1));
    /* the snapshots counted, whatever extent a damaged file declares */
    const hsize_t start = 0, count = (hsize_t)o->nsnap;
    hid_t fs = H5Dget_space(o->snap_t), ms = H5Screate_simple(1, &count, NULL);
    hsize_t extent = 0;
    const int bad = !t || fs < 0 || ms < 0 || o->nsnap <= 0 ||
                    H5Sget_simple_extent_ndims(fs) != 1 ||
                    H5Sget_simple_extent_dims(fs, &extent, NULL) != 1 || extent < count ||
                    H5Sselect_hyperslab(fs, H5S_SELECT_SET, &start, NULL, &count, NULL) < 0 ||
                    H5Dread(o->snap_t, H5T_NATIVE_DOUBLE, ms, fs, H5P_DEFAULT, t) < 0;
    if (fs >= 0)
        H5Sclose(fs);
    if (ms >= 0)
        H5Sclose(ms);
    if (bad) {
        free(t);
        return;
    }
    char tmp[sizeof o->xmf + 8];
    snprintf(tmp, sizeof tmp, "%s.tmp", o->xmf);
    FILE *x = fopen(tmp, "w");
    if (!x) {
        free(t);
        return;
    }
    /* the axes' names, nnq's order (ParaView's x is the last): identifiers, nothing to escape */
    fprintf(x, "<?xml version=\"1.0\" ?>\n<Xdmf Version=\"2.0\">\n <Domain>\n"
               "  <Information Name=\"axis_names\" Value=\"");
    for (int a = 0; a < d; a++)
        fprintf(x, "%s%s", a ? ", " : "",
                o->cfg->axis_name[a][0] ? o->cfg->axis_name[a]
                                        : (a == 0   ? "q0"
                                           : a == 1 ? "q1"
                                                    : "q2"));
    fprintf(x, "\"/>\n"
               "  <Grid Name=\"nnq\" GridType=\"Collection\" CollectionType=\"Temporal\">\n");
    for (long s = 0; s < o->nsnap; s++)
        xdmf_snapshot(x, o, s, t[s]);
    const long tail = ftell(x);
    fputs(xdmf_end, x);
    xdmf_points(x, o);
    fputs(xdmf_close, x);
    free(t);
    if (fclose(x) == 0 && rename(tmp, o->xmf) == 0) {
        o->xmf_tail = tail;
        o->xmf_snaps = o->nsnap;
    } else
        remove(tmp);
}

enum nnq_status nnq_output_snapshot_begin(struct nnq_output *o, double t, long step,
                                          struct nnq_err *err) {
    hsize_t one = 1;
    long long step64 = step;
    if (append(o, o->snap_t, o->nsnap, 1, &one, NULL, NULL, H5P_DEFAULT, H5T_NATIVE_DOUBLE, &t) ||
        append(o, o->snap_step, o->nsnap, 1, &one, NULL, NULL, H5P_DEFAULT, H5T_NATIVE_LLONG,
               &step64))
        return h5_fail(err, o, "append to /snapshots");
    return NNQ_OK;
}

int nnq_output_wants(const struct nnq_output *o, int group, int field) {
    return o->field[o->base[group] + field] >= 0;
}

enum nnq_status nnq_output_snapshot_field(struct nnq_output *o, int group, int field,
                                          const void *data, struct nnq_err *err) {
    const struct nnq_grid *g = o->g;
    const struct nnq_field_info *fi = &o->groups[group].fields[field];
    const hid_t h = o->field[o->base[group] + field];
    int rank = g->dims + 1;
    hsize_t shape[5] = {0, (hsize_t)g->n[0], (hsize_t)g->n[1], (hsize_t)g->n[2], 1};
    hsize_t start[5] = {0, (hsize_t)g->local_0_start, 0, 0, 0};
    hsize_t count[5] = {1, (hsize_t)g->local_n0, (hsize_t)g->n[1], (hsize_t)g->n[2], 1};
    hid_t mem = fi->kind == NNQ_FIELD_COMPLEX ? o->psi_mem_type : H5T_NATIVE_DOUBLE;
    if (fi->kind == NNQ_FIELD_VECTOR) {
        const int d = g->dims;
        const ptrdiff_t n = g->local_size;
        const double *j = data;
        for (ptrdiff_t i = 0; i < n; i++)
            for (int a = 0; a < d; a++)
                o->vbuf[i * d + a] = j[a * n + i];
        shape[rank] = count[rank] = (hsize_t)d;
        start[rank] = 0;
        rank++;
        data = o->vbuf;
    }
    if (append(o, h, o->nsnap, rank, shape, start, count, o->xfer, mem, data)) {
        char what[96];
        snprintf(what, sizeof what, "append to /%s/%s", o->groups[group].name, fi->name);
        return h5_fail(err, o, what);
    }
    return NNQ_OK;
}

enum nnq_status nnq_output_snapshot_end(struct nnq_output *o, struct nnq_err *err) {
    o->nsnap++;
    if (H5Fflush(o->file, H5F_SCOPE_GLOBAL) < 0)
        return h5_fail(err, o, "flush the file");
    write_xdmf(o);
    return NNQ_OK;
}

/* Appends value (mem_type) as row `row` of the 1-D dataset d: rank 0 writes it, the others
 * take part with empty selections (collective under mpirun). Returns 0 or -1. */
static int append_value(struct nnq_output *o, hid_t d, long row, hid_t mem_type,
                        const void *value) {
    hsize_t dims = (hsize_t)row + 1, start = (hsize_t)row, one = 1;
    const int extent_failed = H5Dset_extent(d, &dims) < 0;
    if (extent_failed)
        note_damage(o);
    if (agreed_failure(o, extent_failed)) /* before the write that all ranks make */
        return -1;
    hid_t fspace = H5Dget_space(d), mspace = H5Screate_simple(1, &one, NULL);
    const int mine = nnq_par_rank() == 0;
    if (mine)
        H5Sselect_hyperslab(fspace, H5S_SELECT_SET, &start, NULL, &one, NULL);
    return transfer(o, d, mem_type, fspace, mspace, mine, (void *)value, 1);
}

/* Asserts o's invariants that cost O(1) (on in debug and sanitizer builds). */
static void output_check(const struct nnq_output *o) {
    (void)o; /* NDEBUG: no asserts */
    assert(o && o->file >= 0 && o->cfg && o->g && o->nsnap >= 0 && o->nrows >= 0);
    assert(o->ngroups >= 0 && o->ngroups <= MAX_FIELDS && (o->slot == 0 || o->slot == 1));
    assert(o->current >= -1 && o->current <= 1);
    for (int k = 0; k < o->ngroups; k++)
        assert(o->base[k] + o->groups[k].nfields <= MAX_FIELDS);
}

enum nnq_status nnq_output_diag(struct nnq_output *o, const struct nnq_diag_row *row,
                                struct nnq_err *err) {
    output_check(o);
    for (int c = 0; c < NNQ_DIAG_COUNT; c++) {
        if (o->diag[c] < 0)
            continue;
        long long iv = (long long)row->value[c];
        int bad = nnq_diag_column((enum nnq_diag_column)c)->is_integer
                      ? append_value(o, o->diag[c], o->nrows, H5T_NATIVE_LLONG, &iv)
                      : append_value(o, o->diag[c], o->nrows, H5T_NATIVE_DOUBLE, &row->value[c]);
        if (bad)
            return h5_fail(err, o, "append to /diagnostics");
    }
    o->nrows++;
    return NNQ_OK;
}

static int parent_group(struct nnq_output *o, const char *name);

enum nnq_status nnq_output_field_write(struct nnq_output *o, const char *path, const double *data,
                                       struct nnq_err *err) {
    hsize_t shape[3] = {(hsize_t)o->g->n[0], (hsize_t)o->g->n[1], (hsize_t)o->g->n[2]};
    char name[128], what[160];
    snprintf(name, sizeof name, "/%s", path);
    hid_t d =
        parent_group(o, name) ? -1 : fixed_field(o->file, name, H5T_IEEE_F64LE, o->g->dims, shape);
    int bad = agreed_failure(o, d < 0) || slab_io(o, d, H5T_NATIVE_DOUBLE, (void *)data, 1);
    if (d >= 0)
        H5Dclose(d);
    snprintf(what, sizeof what, "write %s", name);
    return bad ? h5_fail(err, o, what) : NNQ_OK;
}

enum nnq_status nnq_output_potential(struct nnq_output *o, const double *V, struct nnq_err *err) {
    return nnq_output_field_write(o, "potential/V", V, err);
}

enum nnq_status nnq_output_potential_same(struct nnq_output *o, const double *V, double *scratch,
                                          struct nnq_err *err) {
    hid_t d = H5Lexists(o->file, "/potential/V", H5P_DEFAULT) > 0
                  ? H5Dopen2(o->file, "/potential/V", H5P_DEFAULT)
                  : -1;
    hid_t sp = d >= 0 ? H5Dget_space(d) : -1;
    hsize_t dims[3] = {0, 0, 0};
    int bad = nnq_h5read_extent(sp, dims, 3) != o->g->dims;
    for (int a = 0; !bad && a < o->g->dims; a++)
        bad = dims[a] != (hsize_t)o->g->n[a];
    bad = bad || slab_io(o, d, H5T_NATIVE_DOUBLE, scratch, 0);
    if (sp >= 0)
        H5Sclose(sp);
    if (d >= 0)
        H5Dclose(d);
    if (nnq_par_any(bad))
        return nnq_err_set(err, NNQ_ERR_CONFIG, "%s: /potential/V is missing or unreadable",
                           o->path);
    double worst = 0;
    ptrdiff_t at = -1;
    for (ptrdiff_t i = 0; i < o->g->local_size; i++) {
        /* round-off apart (another rank count may sum a split V(t)'s terms differently) */
        const double diff = fabs(V[i] - scratch[i]);
        if (!(diff <= 1e-12 * (1 + fabs(V[i]))) && (at < 0 || !(diff <= worst))) {
            worst = diff;
            at = i;
        }
    }
    worst = nnq_par_max(at >= 0 ? (isnan(worst) ? INFINITY : worst) : -1);
    if (worst < 0)
        return NNQ_OK;
    return nnq_err_set(err, NNQ_ERR_CONFIG,
                       "%s: V at t = 0 is no longer what the run started with (it differs by "
                       "up to %g from /potential/V): the potential's file or expression changed "
                       "since; resuming would evolve another problem. Start a new run (or put "
                       "the old file back)",
                       o->path, worst);
}

enum nnq_status nnq_output_points_open(struct nnq_output *o, const char *set,
                                       const char *const *names, int n, size_t count, int d,
                                       struct nnq_err *err) {
    if (o->pt_t >= 0 || n < 1 || n > NNQ_OUTPUT_POINT_NAMES || count < 1)
        return nnq_err_set(err, NNQ_ERR_RUNTIME, "%s: a second point set, or %d names", o->path, n);
    snprintf(o->pt_set, sizeof o->pt_set, "%s", set);
    o->pt_n = n;
    o->pt_d = d;
    o->pt_count = count;
    for (int k = 0; k < n; k++)
        o->pt_q[k] = -1;
    char path[96];
    const hsize_t shape[3] = {0, count, (hsize_t)d};
    const hsize_t chunk[3] = {1, count, (hsize_t)d}, one = 1;
    /* the group may be a stepper's (created with the file); its t only by an earlier run */
    const int group = H5Lexists(o->file, set, H5P_DEFAULT) > 0;
    hid_t grp = group ? H5Gopen2(o->file, set, H5P_DEFAULT)
                      : H5Gcreate2(o->file, set, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (grp < 0)
        return h5_fail(err, o, "create the point set");
    snprintf(path, sizeof path, "/%s/t", set);
    const int exists = H5Lexists(o->file, path, H5P_DEFAULT) > 0;
    o->pt_t = exists ? reopen(o->file, path, (hsize_t)o->npt, 1)
                     : create_extendible(grp, "t", H5T_IEEE_F64LE, 1, &one, &one, 0, 1);
    int bad = o->pt_t < 0;
    for (int k = 0; k < n && !bad; k++) {
        snprintf(o->pt_name[k], sizeof o->pt_name[k], "%s", names[k]);
        snprintf(path, sizeof path, "/%s/%s/q", set, names[k]);
        if (exists)
            o->pt_q[k] = reopen(o->file, path, (hsize_t)o->npt, 3);
        else {
            hid_t sub = H5Gcreate2(grp, names[k], H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
            o->pt_q[k] = sub < 0 ? -1
                                 : create_extendible(sub, "q", H5T_IEEE_F64LE, 3, shape, chunk,
                                                     o->cfg->output_compress, 1);
            if (sub >= 0)
                H5Gclose(sub);
        }
        bad = o->pt_q[k] < 0;
    }
    H5Gclose(grp);
    if (bad && exists)
        return nnq_err_set(err, NNQ_ERR_CONFIG, "%s: /%s does not match the stored config", o->path,
                           set);
    return bad ? h5_fail(err, o, "create the point set") : NNQ_OK;
}

enum nnq_status nnq_output_points_append(struct nnq_output *o, double t, const double *const *q,
                                         struct nnq_err *err) {
    const hsize_t one = 1, shape[3] = {0, o->pt_count, (hsize_t)o->pt_d};
    int bad = o->pt_t < 0 ||
              append(o, o->pt_t, o->npt, 1, &one, NULL, NULL, H5P_DEFAULT, H5T_NATIVE_DOUBLE, &t);
    for (int k = 0; k < o->pt_n && !bad; k++)
        bad = append(o, o->pt_q[k], o->npt, 3, shape, NULL, NULL, H5P_DEFAULT, H5T_NATIVE_DOUBLE,
                     q[k]);
    if (bad)
        return h5_fail(err, o, "append to the point set");
    o->npt++;
    return NNQ_OK;
}

/* Creates the group that holds the dataset at the absolute path `name`, where it is missing
 * (one level below the root). Returns 0, or -1 when HDF5 failed. Collective. */
static int parent_group(struct nnq_output *o, const char *name) {
    char group[128];
    snprintf(group, sizeof group, "%s", name);
    char *slash = strrchr(group, '/');
    if (!slash || slash == group)
        return 0;
    *slash = '\0';
    if (H5Lexists(o->file, group, H5P_DEFAULT) > 0)
        return 0;
    hid_t g = H5Gcreate2(o->file, group, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (g >= 0)
        H5Gclose(g);
    return g < 0 ? -1 : 0;
}

enum nnq_status nnq_output_table_open(struct nnq_output *o, const char *path, int width, int *id,
                                      struct nnq_err *err) {
    output_check(o);
    if (o->ntables >= NNQ_OUTPUT_TABLES || width < 1)
        return nnq_err_set(err, NNQ_ERR_RUNTIME, "%s: more than %d tables, or %d columns", o->path,
                           NNQ_OUTPUT_TABLES, width);
    char name[128];
    snprintf(name, sizeof name, "/%s", path);
    if (parent_group(o, name))
        return h5_fail(err, o, "create a table's group");
    const int exists = H5Lexists(o->file, name, H5P_DEFAULT) > 0;
    hid_t d = -1;
    if (exists) { /* a resumed file: cut to the checkpoint's rows, its width unchanged */
        d = reopen(o->file, name, (hsize_t)o->nrows, 2);
        hid_t sp = d >= 0 ? H5Dget_space(d) : -1;
        hsize_t dims[2] = {0, 0};
        if (sp < 0 || nnq_h5read_extent(sp, dims, 2) != 2 || dims[1] != (hsize_t)width) {
            if (d >= 0)
                H5Dclose(d);
            d = -1;
        }
        if (sp >= 0)
            H5Sclose(sp);
        if (d < 0)
            return nnq_err_set(err, NNQ_ERR_CONFIG, "%s: %s does not match the stored config",
                               o->path, name);
    } else {
        const hsize_t shape[2] = {0, (hsize_t)width}, chunk[2] = {1, (hsize_t)width};
        d = create_extendible(o->file, name, H5T_IEEE_F64LE, 2, shape, chunk, 0, 1);
        if (d < 0)
            return h5_fail(err, o, "create a table");
    }
    o->table[o->ntables] = d;
    o->table_width[o->ntables] = width;
    *id = o->ntables++;
    return NNQ_OK;
}

enum nnq_status nnq_output_table_append(struct nnq_output *o, int id, const double *values,
                                        struct nnq_err *err) {
    output_check(o);
    assert(id >= 0 && id < o->ntables && o->nrows >= 1);
    const hsize_t shape[2] = {0, (hsize_t)o->table_width[id]};
    if (append(o, o->table[id], o->nrows - 1, 2, shape, NULL, NULL, H5P_DEFAULT, H5T_NATIVE_DOUBLE,
               values))
        return h5_fail(err, o, "append to a table");
    return NNQ_OK;
}

enum nnq_status nnq_output_array(struct nnq_output *o, const char *path, int rank,
                                 const size_t *dims, int integer, const void *data,
                                 struct nnq_err *err) {
    output_check(o);
    assert(rank >= 1 && rank <= 4);
    char name[128];
    snprintf(name, sizeof name, "/%s", path);
    if (H5Lexists(o->file, name, H5P_DEFAULT) > 0)
        return NNQ_OK;
    if (parent_group(o, name))
        return h5_fail(err, o, "create an array's group");
    hsize_t shape[4];
    for (int i = 0; i < rank; i++)
        shape[i] = (hsize_t)dims[i];
    const hid_t type = integer ? H5T_STD_I32LE : H5T_IEEE_F64LE;
    hid_t d = -1;
    if (nnq_par_size() > 1) { /* every rank writes it alike: no filter (parallel HDF5's rule) */
        hid_t space = H5Screate_simple(rank, shape, NULL);
        d = H5Dcreate2(o->file, name, type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        H5Sclose(space);
    } else
        d = fixed_field(o->file, name, type, rank, shape);
    int bad = d < 0 || H5Dwrite(d, integer ? H5T_NATIVE_INT : H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL,
                                H5P_DEFAULT, data) < 0;
    if (d >= 0)
        H5Dclose(d);
    return agreed_failure(o, bad) ? h5_fail(err, o, "write an array") : NNQ_OK;
}

enum nnq_status nnq_output_grid_rows(struct nnq_output *o, const char *path, int count, int row,
                                     const double complex *data, struct nnq_err *err) {
    output_check(o);
    const struct nnq_grid *g = o->g;
    assert(row >= 0 && row < count);
    char name[128];
    snprintf(name, sizeof name, "/%s", path);
    const int rank = g->dims + 1;
    hsize_t shape[4] = {(hsize_t)count, (hsize_t)g->n[0], (hsize_t)g->n[1], (hsize_t)g->n[2]};
    hsize_t start[4] = {(hsize_t)row, (hsize_t)g->local_0_start, 0, 0};
    hsize_t rows[4] = {1, (hsize_t)g->local_n0, (hsize_t)g->n[1], (hsize_t)g->n[2]};
    hid_t d = -1;
    if (row > 0)
        d = H5Dopen2(o->file, name, H5P_DEFAULT);
    else if (!parent_group(o, name)) {
        hid_t ftype = complex_type(H5T_IEEE_F64LE);
        d = fixed_field(o->file, name, ftype, rank, shape);
        H5Tclose(ftype);
    }
    int bad = 1;
    if (!agreed_failure(o, d < 0)) {
        hid_t fspace = H5Dget_space(d), mspace = H5Screate_simple(rank, rows, NULL);
        if (g->local_n0 > 0)
            H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, NULL, rows, NULL);
        bad = transfer(o, d, o->psi_mem_type, fspace, mspace, g->local_n0 > 0, (void *)data, 1);
    }
    if (d >= 0)
        H5Dclose(d);
    return bad ? h5_fail(err, o, "write a row of grid fields") : NNQ_OK;
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
    if (nnq_h5read_single(a) && H5Tis_variable_str(t) > 0 && H5Aread(a, t, &v) >= 0 && v) {
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
        if (!nnq_h5read_single(a) || H5Aread(a, H5T_NATIVE_DOUBLE, &v) < 0)
            v = NAN;
        if (a >= 0)
            H5Aclose(a);
    }
    return v;
}

/* ---- checkpoints --------------------------------------------------------------------------- */

/* Opens dataset name of loc, or creates it with type and dims: a fixed-size array. */
static hid_t fixed_dataset(hid_t loc, const char *name, hid_t type, int rank, const hsize_t *dims) {
    if (H5Lexists(loc, name, H5P_DEFAULT) > 0)
        return H5Dopen2(loc, name, H5P_DEFAULT);
    return fixed_field(loc, name, type, rank, dims);
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

/* The two checkpoint slots. A checkpoint is written into the slot that does not hold the last
 * complete one, after its `complete` attribute was set to -1 and flushed; `complete` becomes
 * the step, and is flushed, only after every dataset and count of the slot was. A process
 * killed at any instant thus leaves the previous checkpoint complete and untouched: resume
 * takes the complete slot with the larger step, or refuses when none is complete. */
static const char *const slot_names[2] = {"checkpoint", "checkpoint_alt"};

/* The one integer of attribute name of loc into *v; 0, or -1 (missing, not one value). */
static int scalar_llong(hid_t loc, const char *name, long long *v) {
    if (H5Aexists(loc, name) <= 0)
        return -1;
    hid_t a = H5Aopen(loc, name, H5P_DEFAULT);
    const int bad = !nnq_h5read_single(a) || H5Aread(a, H5T_NATIVE_LLONG, v) < 0;
    if (a >= 0)
        H5Aclose(a);
    return bad ? -1 : 0;
}

/* The step of the complete checkpoint in slot s of file f, or -1 (none there, or incomplete). */
static long long slot_step(hid_t f, int s) {
    long long step = -1;
    if (H5Lexists(f, slot_names[s], H5P_DEFAULT) <= 0)
        return -1;
    hid_t grp = H5Gopen2(f, slot_names[s], H5P_DEFAULT);
    if (grp < 0 || scalar_llong(grp, "complete", &step) != 0)
        step = -1;
    if (grp >= 0)
        H5Gclose(grp);
    return step;
}

/* The slot of f that holds the latest complete checkpoint, or -1. */
static int current_slot(hid_t f) {
    const long long a = slot_step(f, 0), b = slot_step(f, 1);
    return a < 0 && b < 0 ? -1 : b > a ? 1 : 0;
}

enum nnq_status nnq_output_checkpoint_begin(struct nnq_output *o, struct nnq_err *err) {
    const char *name = slot_names[o->slot];
    if (o->checkpoint < 0)
        o->checkpoint = H5Lexists(o->file, name, H5P_DEFAULT) > 0
                            ? H5Gopen2(o->file, name, H5P_DEFAULT)
                            : H5Gcreate2(o->file, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    const long long incomplete = -1;
    if (o->checkpoint < 0 || set_attr(o->checkpoint, "complete", H5T_NATIVE_LLONG, &incomplete) ||
        H5Fflush(o->file, H5F_SCOPE_GLOBAL) < 0)
        return h5_fail(err, o, "write /checkpoint");
    return NNQ_OK;
}

/* The dataset /checkpoint/<name> of a state: a grid of complex values, or comps * total
 * doubles. */
static hid_t state_dataset(struct nnq_output *o, const char *name, enum nnq_field_kind kind,
                           int comps) {
    const struct nnq_grid *g = o->g;
    if (kind == NNQ_FIELD_COMPLEX) {
        hsize_t shape[3] = {(hsize_t)g->n[0], (hsize_t)g->n[1], (hsize_t)g->n[2]};
        hid_t file_type = complex_type(H5T_IEEE_F64LE);
        hid_t d = fixed_dataset(o->checkpoint, name, file_type, g->dims, shape);
        H5Tclose(file_type);
        return d;
    }
    hsize_t len = (hsize_t)comps * (hsize_t)g->total;
    return fixed_dataset(o->checkpoint, name, H5T_IEEE_F64LE, 1, &len);
}

enum nnq_status nnq_output_state_write(struct nnq_output *o, const char *name,
                                       enum nnq_field_kind kind, int comps, const void *data,
                                       struct nnq_err *err) {
    hid_t d = state_dataset(o, name, kind, comps);
    /* a checkpoint slot is rewritten whole (2: see overwrite_transfer) */
    int bad = d < 0 || (kind == NNQ_FIELD_COMPLEX ? slab_io(o, d, o->psi_mem_type, (void *)data, 2)
                                                  : state_io(o, d, comps, (void *)data, 2));
    if (d >= 0)
        H5Dclose(d);
    return bad ? h5_fail(err, o, "write /checkpoint") : NNQ_OK;
}

/* The length of the 1-D dataset d (0 when it is not 1-D). */
static hsize_t length_of(hid_t d) {
    hid_t sp = H5Dget_space(d);
    hsize_t n = 0;
    if (H5Sget_simple_extent_ndims(sp) == 1)
        H5Sget_simple_extent_dims(sp, &n, NULL);
    H5Sclose(sp);
    return n;
}

enum nnq_status nnq_output_values_write(struct nnq_output *o, const char *name, const double *v,
                                        size_t n, struct nnq_err *err) {
    hsize_t len = n;
    hid_t d = fixed_dataset(o->checkpoint, name, H5T_IEEE_F64LE, 1, &len);
    hid_t fspace = d < 0 ? -1 : H5Dget_space(d), mspace = H5Screate_simple(1, &len, NULL);
    int bad = d < 0 || length_of(d) != len ||
              transfer(o, d, H5T_NATIVE_DOUBLE, fspace, mspace, nnq_par_rank() == 0, (void *)v, 2);
    if (d >= 0)
        H5Dclose(d);
    return bad ? h5_fail(err, o, "write /checkpoint") : NNQ_OK;
}

enum nnq_status nnq_output_checkpoint_end(struct nnq_output *o, long step, double t,
                                          struct nnq_err *err) {
    long long counts[4] = {step, o->nsnap, o->nrows, o->npt};
    int bad = set_attr(o->checkpoint, "point_rows", H5T_NATIVE_LLONG, &counts[3]) ||
              set_attr(o->checkpoint, "t", H5T_NATIVE_DOUBLE, &t) ||
              set_attr(o->checkpoint, "step", H5T_NATIVE_LLONG, &counts[0]) ||
              set_attr(o->checkpoint, "snapshots", H5T_NATIVE_LLONG, &counts[1]) ||
              set_attr(o->checkpoint, "rows", H5T_NATIVE_LLONG, &counts[2]) ||
              H5Fflush(o->file, H5F_SCOPE_GLOBAL) < 0 ||
              set_attr(o->checkpoint, "complete", H5T_NATIVE_LLONG, &counts[0]) ||
              H5Fflush(o->file, H5F_SCOPE_GLOBAL) < 0;
    H5Gclose(o->checkpoint);
    o->checkpoint = -1;
    if (bad)
        return h5_fail(err, o, "write /checkpoint");
    o->current = o->slot;
    o->slot = 1 - o->slot;
    return NNQ_OK;
}

enum nnq_status nnq_output_text_write(struct nnq_output *o, const char *name, const char *text,
                                      struct nnq_err *err) {
    const int bad = (H5Aexists(o->checkpoint, name) > 0 && H5Adelete(o->checkpoint, name) < 0) ||
                    attr_string(o->checkpoint, name, text);
    return bad ? h5_fail(err, o, "write /checkpoint") : NNQ_OK;
}

static enum nnq_status no_match(const struct nnq_output *o, const char *name, struct nnq_err *err) {
    if (o->damaged) {
        char what[64];
        snprintf(what, sizeof what, "read /checkpoint/%s", name);
        return h5_fail(err, o, what);
    }
    return nnq_err_set(err, NNQ_ERR_CONFIG,
                       "%s: /checkpoint/%s is missing, does not match the stored config (grid, "
                       "solvers) or cannot be read",
                       o->path, name);
}

/* Opens /checkpoint/<name>, or returns -1. */
static hid_t checkpoint_dataset(const struct nnq_output *o, const char *name) {
    if (o->current < 0)
        return -1;
    char path[96];
    snprintf(path, sizeof path, "/%s/%s", slot_names[o->current], name);
    return H5Lexists(o->file, path, H5P_DEFAULT) > 0 ? H5Dopen2(o->file, path, H5P_DEFAULT) : -1;
}

enum nnq_status nnq_output_state_read(struct nnq_output *o, const char *name,
                                      enum nnq_field_kind kind, int comps, void *data,
                                      struct nnq_err *err) {
    const struct nnq_grid *g = o->g;
    hid_t d = checkpoint_dataset(o, name);
    int bad = d < 0;
    if (!bad) {
        hid_t sp = H5Dget_space(d);
        hsize_t dims[3] = {1, 1, 1};
        const int rank = nnq_h5read_extent(sp, dims, 3);
        H5Sclose(sp);
        hsize_t count = dims[0] * (rank > 1 ? dims[1] : 1) * (rank > 2 ? dims[2] : 1);
        bad = kind == NNQ_FIELD_COMPLEX
                  ? rank != g->dims || count != (hsize_t)g->total ||
                        slab_io(o, d, o->psi_mem_type, data, 0)
                  : rank != 1 || count != (hsize_t)comps * (hsize_t)g->total ||
                        state_io(o, d, comps, data, 0);
        H5Dclose(d);
    }
    return bad ? no_match(o, name, err) : NNQ_OK;
}

enum nnq_status nnq_output_values_read(struct nnq_output *o, const char *name, double *v, size_t n,
                                       struct nnq_err *err) {
    hid_t d = checkpoint_dataset(o, name);
    int bad = d < 0 || length_of(d) != n;
    if (!bad && H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0) {
        note_damage(o);
        bad = 1;
    }
    if (d >= 0)
        H5Dclose(d);
    return bad ? no_match(o, name, err) : NNQ_OK;
}

enum nnq_status nnq_output_text_read(struct nnq_output *o, const char *name, char *text,
                                     size_t size, struct nnq_err *err) {
    char path[64];
    snprintf(path, sizeof path, "/%s", o->current < 0 ? "" : slot_names[o->current]);
    hid_t grp = o->current < 0 ? -1 : H5Gopen2(o->file, path, H5P_DEFAULT);
    const int bad = grp < 0 || H5Aexists(grp, name) <= 0;
    if (!bad)
        read_string_attr(grp, name, text, size);
    if (grp >= 0)
        H5Gclose(grp);
    return bad ? no_match(o, name, err) : NNQ_OK;
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
        if (in_use(path))
            nnq_err_set(err, NNQ_ERR_CONFIG,
                        "%s: another process is writing this file (it holds its lock): wait until "
                        "that run ends",
                        path);
        else
            nnq_err_set(err, NNQ_ERR_CONFIG,
                        "%s: HDF5 cannot open it (truncated, or not writable?)", path);
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
    const int has_checkpoint = current_slot(f) >= 0,
              begun = H5Lexists(f, slot_names[0], H5P_DEFAULT) > 0;
    H5Fclose(f);
    if (!text[0])
        return nnq_err_set(err, NNQ_ERR_CONFIG, "%s: holds no stored config", path);
    if (completed == 1)
        return nnq_err_set(err, NNQ_ERR_CONFIG, "%s: this run already completed", path);
    if (!has_checkpoint && begun)
        return nnq_err_set(err, NNQ_ERR_CONFIG,
                           "%s: holds no complete checkpoint (the run was killed while it wrote "
                           "its first, or an older nnq wrote it without marking it complete)",
                           path);
    if (!has_checkpoint)
        return nnq_err_set(err, NNQ_ERR_CONFIG,
                           "%s: holds no checkpoint (runs write one with [run] checkpoint_every "
                           "> 0, and when stopped by SIGINT or SIGTERM)",
                           path);
    return NNQ_OK;
}

/* Opens the extendible datasets of an existing file and shrinks each to `count` rows. */
/* 1 when a chunk of d lies past eoa, the end of the space the file records (its superblock's
 * end of allocation): a run killed while HDF5 flushed its metadata in part (even one whose
 * checkpoint completed: the superblock may be written last). The next append would be given
 * that space again, over the chunk, or write past the file's recorded end. */
static int past_end(hid_t d, const hsize_t *dims, int rank, double eoa) {
    hsize_t cdims[5];
    hid_t plist = H5Dget_create_plist(d);
    const int chunked = plist >= 0 && H5Pget_layout(plist) == H5D_CHUNKED &&
                        H5Pget_chunk(plist, rank, cdims) == rank && cdims[0] > 0;
    if (plist >= 0)
        H5Pclose(plist);
    for (hsize_t row = 0; chunked && eoa > 0 && row < dims[0]; row += cdims[0]) {
        hsize_t offset[5] = {row, 0, 0, 0, 0}, size = 0;
        haddr_t addr = HADDR_UNDEF;
        unsigned mask = 0;
        if (H5Dget_chunk_info_by_coord(d, offset, &mask, &addr, &size) >= 0 &&
            addr != HADDR_UNDEF && (double)addr + (double)size > eoa)
            return 1;
    }
    return 0;
}

/* Opens the extendible dataset at path of f, of rank want_rank (0: any), cut back to count
 * rows. Returns it, or -1: absent, another rank, or fewer rows than count. */
static hid_t reopen(hid_t f, const char *path, hsize_t count, int want_rank) {
    if (H5Lexists(f, path, H5P_DEFAULT) <= 0)
        return -1;
    hid_t d = H5Dopen2(f, path, H5P_DEFAULT);
    hid_t sp = d >= 0 ? H5Dget_space(d) : -1;
    hsize_t dims[5];
    const int rank = nnq_h5read_extent(sp, dims, 5);
    /* a checkpoint that counts more rows than the dataset holds is not this file's */
    const int ok =
        rank >= 1 && rank <= 5 && (want_rank == 0 || rank == want_rank) && dims[0] >= count;
    if (sp >= 0)
        H5Sclose(sp);
    if (!ok) {
        if (d >= 0)
            H5Dclose(d);
        return -1;
    }
    if (dims[0] > count) {
        dims[0] = count;
        H5Dset_extent(d, dims);
    }
    return d;
}

/* H5Ovisit2's callback: sets scan->past when the dataset `name` has a chunk past the end
 * the file records (scan->eoa). */
struct past_scan {
    int past;
    double eoa;
};

static herr_t scan_past_end(hid_t obj, const char *name, const H5O_info_t *info, void *data) {
    struct past_scan *scan = data;
    if (info->type != H5O_TYPE_DATASET)
        return 0;
    hid_t d = H5Dopen2(obj, name, H5P_DEFAULT);
    hid_t sp = d >= 0 ? H5Dget_space(d) : -1;
    hsize_t dims[5];
    const int rank = nnq_h5read_extent(sp, dims, 5);
    if (rank >= 1 && past_end(d, dims, rank, scan->eoa))
        scan->past = 1;
    if (sp >= 0)
        H5Sclose(sp);
    if (d >= 0)
        H5Dclose(d);
    return scan->past; /* a positive value ends the visit */
}

/* 1 when the file at path holds a chunk past the end it records: a run killed while HDF5
 * flushed its metadata in part. Rank 0 reads it, read-only through the default driver (MPI-IO's
 * does not tell the end), before the file is opened to be continued (which would truncate it to
 * that end); 0 where it cannot tell. Collective. */
static int killed_past_end(const char *path) {
    int past = 0;
    if (nnq_par_rank() == 0) {
        hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
        haddr_t eoa = 0;
        struct past_scan scan = {0, 0};
        if (f >= 0 && H5Fget_eoa(f, &eoa) >= 0) {
            scan.eoa = (double)eoa;
            H5Ovisit2(f, H5_INDEX_NAME, H5_ITER_NATIVE, scan_past_end, &scan, H5O_INFO_BASIC);
        }
        past = scan.past;
        if (f >= 0)
            H5Fclose(f);
    }
    return nnq_par_any(past);
}

enum nnq_status nnq_output_resume(const char *path, const struct nnq_config *cfg,
                                  const struct nnq_grid *g, const struct nnq_output_group *groups,
                                  int ngroups, struct nnq_output **out, long *step,
                                  struct nnq_err *err) {
    *out = NULL;
    struct nnq_output *o;
    enum nnq_status rc = new_output(path, cfg, g, groups, ngroups, &o, err);
    if (rc != NNQ_OK)
        return rc;
    if (killed_past_end(path)) {
        close_all(o);
        return nnq_err_set(err, NNQ_ERR_CONFIG,
                           "%s: the run was killed while HDF5 was writing its metadata: some of "
                           "its data lie past the end the file records, and the file cannot be "
                           "continued consistently; start the run again",
                           path);
    }
    o->file = open_nnq_file(path, H5F_ACC_RDWR, err);
    if (o->file < 0) {
        close_all(o);
        return NNQ_ERR_CONFIG;
    }
    o->current = current_slot(o->file);
    o->slot = o->current == 0 ? 1 : 0;
    hid_t grp = o->current >= 0 ? H5Gopen2(o->file, slot_names[o->current], H5P_DEFAULT) : -1;
    long long counts[4] = {-1, -1, -1, 0};
    if (grp >= 0) {
        static const char *const names[4] = {"step", "snapshots", "rows", "point_rows"};
        for (int k = 0; k < 4; k++)
            if (scalar_llong(grp, names[k], &counts[k]) != 0 && k < 3)
                counts[k] = -1;
        H5Gclose(grp);
    }
    if (counts[0] < 0 || counts[1] < 0 || counts[2] < 0 || counts[3] < 0 ||
        counts[0] >= cfg->steps) {
        close_all(o);
        return nnq_err_set(err, NNQ_ERR_CONFIG,
                           "%s: its checkpoint is incomplete or damaged (step %lld of %ld, %lld "
                           "snapshots, %lld rows)",
                           path, counts[0], cfg->steps, counts[1], counts[2]);
    }
    *step = (long)counts[0];
    o->nsnap = (long)counts[1];
    o->nrows = (long)counts[2];
    o->npt = (long)counts[3];
    o->psi_mem_type = complex_type(H5T_NATIVE_DOUBLE);
    o->snap_t = reopen(o->file, "/snapshots/t", (hsize_t)o->nsnap, 1);
    o->snap_step = reopen(o->file, "/snapshots/step", (hsize_t)o->nsnap, 1);
    int missing = 0;
    for (int k = 0; k < ngroups; k++)
        for (int f = 0; f < groups[k].nfields; f++) {
            const struct nnq_field_info *fi = &groups[k].fields[f];
            if (fi->select && !(cfg->output_fields & fi->select))
                continue;
            char dset[96];
            snprintf(dset, sizeof dset, "/%s/%s", groups[k].name, fi->name);
            o->field[o->base[k] + f] = reopen(o->file, dset, (hsize_t)o->nsnap, 0);
            missing |= o->field[o->base[k] + f] < 0;
        }
    for (int c = 0; c < NNQ_DIAG_COUNT; c++) {
        char dset[96];
        snprintf(dset, sizeof dset, "/diagnostics/%s",
                 nnq_diag_column((enum nnq_diag_column)c)->name);
        if (nnq_diag_present((enum nnq_diag_column)c, g->dims, nnq_diag_parts(cfg))) {
            o->diag[c] = reopen(o->file, dset, (hsize_t)o->nrows, 1);
            missing |= o->diag[c] < 0;
        }
    }
    int zero = 0;
    /* the flush writes out the chunks the cuts trimmed now: parallel HDF5 would write them
     * later, over rows appended meanwhile */
    if (o->snap_t < 0 || o->snap_step < 0 || missing || o->diag[NNQ_DIAG_t] < 0 ||
        set_attr(o->file, "completed", H5T_NATIVE_INT, &zero) ||
        H5Fflush(o->file, H5F_SCOPE_GLOBAL) < 0) {
        close_all(o);
        return nnq_err_set(err, NNQ_ERR_CONFIG,
                           "%s: its datasets do not match its stored config (damaged file?)", path);
    }
    write_xdmf(o);
    *out = o;
    return NNQ_OK;
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
    /* the appended sidecar names each snapshot's dataset as long as it was then: written
     * whole once more, every entry names the final extent */
    if (o->snap_t >= 0 && o->xmf_tail > 0 && o->xmf_snaps > 1) {
        o->xmf_tail = 0;
        write_xdmf(o);
    }
    hid_t file = o->file;
    o->file = -1;
    close_all(o);
    if (H5Fclose(file) < 0 && rc == NNQ_OK)
        rc = nnq_err_set(err, NNQ_ERR_RUNTIME, "HDF5 could not close the output file");
    return rc;
}

/* ---- reading a file back: nnq info -------------------------------------------------------- */

/* The most rows nnq info reads from one column: a run's rows are its steps / diag_every. */
#define INFO_MAX_ROWS (1LL << 26)

/* The whole 1-D dataset at path as doubles (malloc'd, *n rows); NULL if absent, or with
 * *why set: a dataset that is not plain (nnq/h5read.h), not 1-D, longer than INFO_MAX_ROWS or
 * unreadable (NNQ_ERR_CONFIG, the message in err), or no memory (NNQ_ERR_RUNTIME). */
static double *read_column(hid_t f, const char *file, const char *path, hsize_t *n,
                           enum nnq_status *why, struct nnq_err *err) {
    *n = 0;
    if (H5Lexists(f, path, H5P_DEFAULT) <= 0)
        return NULL;
    hid_t d = H5Dopen2(f, path, H5P_DEFAULT);
    enum nnq_status rc = nnq_h5read_plain(d, "nnq info", file, path, err);
    hid_t sp = rc == NNQ_OK ? H5Dget_space(d) : -1;
    double *v = NULL;
    hsize_t len = 0;
    if (rc == NNQ_OK && (nnq_h5read_extent(sp, &len, 1) != 1 || (long long)len > INFO_MAX_ROWS))
        rc = nnq_err_set(err, NNQ_ERR_CONFIG,
                         "nnq info %s: '%s' is not a list of at most 2^26 rows (damaged?)", file,
                         path);
    else if (rc == NNQ_OK && !(v = malloc(sizeof(double) * (len ? len : 1))))
        rc = nnq_err_set(err, NNQ_ERR_RUNTIME, "%s: out of memory reading '%s'", file, path);
    else if (rc == NNQ_OK && H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0)
        rc = nnq_err_set(err, NNQ_ERR_CONFIG, "nnq info %s: '%s' cannot be read (damaged?)", file,
                         path);
    if (rc != NNQ_OK) {
        free(v);
        v = NULL;
        if (*why == NNQ_OK)
            *why = rc;
    }
    *n = v ? len : 0;
    if (sp >= 0)
        H5Sclose(sp);
    if (d >= 0)
        H5Dclose(d);
    return v;
}

enum nnq_status nnq_output_read_info(const char *path, struct nnq_file_info *info,
                                     struct nnq_err *err) {
    memset(info, 0, sizeof *info);
    hid_t f = open_nnq_file(path, H5F_ACC_RDONLY, err);
    if (f < 0)
        return NNQ_ERR_CONFIG;
    read_string_attr(f, "nnq_version", info->version, sizeof info->version);
    read_string_attr(f, "name", info->name, sizeof info->name);
    read_string_attr(f, "created", info->created, sizeof info->created);
    read_string_attr(f, "config", info->config, sizeof info->config);
    info->completed = read_number_attr(f, "completed") == 1;
    info->dims = (int)fmax(0, fmin(3, read_number_attr(f, "dims")));
    info->hbar = read_number_attr(f, "hbar");
    info->mu = read_number_attr(f, "mu");
    info->epsilon = read_number_attr(f, "epsilon");
    info->mass = read_number_attr(f, "mass");
    info->dt = read_number_attr(f, "dt");

    /* the diagnostics columns present, cut to the rows every one of them has */
    int any = 0;
    enum nnq_status bad = NNQ_OK;
    struct nnq_err first = {0}, later = {0}; /* the first failure's message is kept */
    hsize_t rows = 0;
    for (int c = 0; c < NNQ_DIAG_COUNT; c++) {
        char dset[96];
        hsize_t n;
        snprintf(dset, sizeof dset, "/diagnostics/%s",
                 nnq_diag_column((enum nnq_diag_column)c)->name);
        info->column[c] = read_column(f, path, dset, &n, &bad, bad ? &later : &first);
        if (info->column[c] && (!any || n < rows))
            rows = n;
        any |= info->column[c] != NULL;
    }
    info->rows = (long)rows;

    hsize_t ns = 0, nstep = 0;
    double *t = read_column(f, path, "/snapshots/t", &ns, &bad, bad ? &later : &first);
    double *st = read_column(f, path, "/snapshots/step", &nstep, &bad, bad ? &later : &first);
    info->snapshots = t ? (long)ns : 0;
    info->t_first = t && ns > 0 ? t[0] : NAN;
    info->t_last = t && ns > 0 ? t[ns - 1] : NAN;
    info->step_first = st && nstep > 0 ? st[0] : NAN;
    info->step_last = st && nstep > 0 ? st[nstep - 1] : NAN;
    free(t);
    free(st);

    /* the snapshot datasets: every dataset of a top-level group with a leading snapshot axis
     * (as long as /snapshots/t) */
    static const char *const skip[] = {"grid",        "potential",  "snapshots",
                                       "diagnostics", "checkpoint", "checkpoint_alt"};
    hsize_t grid_n[3] = {0, 0, 0}; /* the grid's shape, from /potential/V */
    if (H5Lexists(f, "/potential/V", H5P_DEFAULT) > 0) {
        hid_t v = H5Dopen2(f, "/potential/V", H5P_DEFAULT);
        hid_t sp = v >= 0 ? H5Dget_space(v) : -1;
        if (sp >= 0 && H5Sget_simple_extent_ndims(sp) == info->dims)
            H5Sget_simple_extent_dims(sp, grid_n, NULL);
        if (sp >= 0)
            H5Sclose(sp);
        if (v >= 0)
            H5Dclose(v);
    }
    hsize_t ngroups = 0;
    H5G_info_t gi;
    if (H5Gget_info(f, &gi) >= 0)
        ngroups = gi.nlinks;
    for (hsize_t k = 0; k < ngroups; k++) {
        char gname[64];
        if (H5Lget_name_by_idx(f, ".", H5_INDEX_NAME, H5_ITER_INC, k, gname, sizeof gname,
                               H5P_DEFAULT) <= 0)
            continue;
        int skipped = 0;
        for (size_t q = 0; q < sizeof skip / sizeof skip[0]; q++)
            skipped |= strcmp(gname, skip[q]) == 0;
        H5O_info_t oi;
        if (skipped || H5Oget_info_by_name(f, gname, &oi, H5P_DEFAULT) < 0 ||
            oi.type != H5O_TYPE_GROUP)
            continue;
        hid_t grp = H5Gopen2(f, gname, H5P_DEFAULT);
        H5G_info_t ginfo;
        hsize_t nd = grp >= 0 && H5Gget_info(grp, &ginfo) >= 0 ? ginfo.nlinks : 0;
        for (hsize_t q = 0; q < nd; q++) {
            char dname[64];
            if (H5Lget_name_by_idx(grp, ".", H5_INDEX_CRT_ORDER, H5_ITER_INC, q, dname,
                                   sizeof dname, H5P_DEFAULT) <= 0 &&
                H5Lget_name_by_idx(grp, ".", H5_INDEX_NAME, H5_ITER_INC, q, dname, sizeof dname,
                                   H5P_DEFAULT) <= 0)
                continue;
            /* a snapshot field: a dataset whose leading axis is the snapshots' and the next d
             * the grid's; the rest (tables, arrays, point sets) is other data */
            H5O_info_t di;
            int field = 0;
            if (H5Oget_info_by_name(grp, dname, &di, H5P_DEFAULT) >= 0 &&
                di.type == H5O_TYPE_DATASET) {
                hid_t d = H5Dopen2(grp, dname, H5P_DEFAULT);
                hid_t sp = d >= 0 ? H5Dget_space(d) : -1;
                hsize_t ext[8] = {0};
                const int rank = sp >= 0 ? H5Sget_simple_extent_ndims(sp) : -1;
                if (rank >= 1 && rank <= 8)
                    H5Sget_simple_extent_dims(sp, ext, NULL);
                field = rank >= info->dims + 1 && info->snapshots > 0 &&
                        ext[0] == (hsize_t)info->snapshots;
                for (int a = 0; a < info->dims && a < 3 && field; a++)
                    field = ext[1 + a] == grid_n[a];
                if (sp >= 0)
                    H5Sclose(sp);
                if (d >= 0)
                    H5Dclose(d);
            }
            char *list = field ? info->fields : info->others;
            const size_t size = field ? sizeof info->fields : sizeof info->others;
            size_t len = strlen(list);
            snprintf(list + len, size - len, "%s/%s/%s", len ? " " : "", gname, dname);
        }
        if (grp >= 0)
            H5Gclose(grp);
    }
    H5Fclose(f);
    if (bad) {
        nnq_file_info_free(info);
        return nnq_err_set(err, bad, "%s", first.msg);
    }
    return NNQ_OK;
}

void nnq_file_info_row(const struct nnq_file_info *info, long r, struct nnq_diag_row *row) {
    for (int c = 0; c < NNQ_DIAG_COUNT; c++)
        row->value[c] = info->column[c] ? info->column[c][r] : NAN;
}

void nnq_file_info_free(struct nnq_file_info *info) {
    for (int c = 0; c < NNQ_DIAG_COUNT; c++) {
        free(info->column[c]);
        info->column[c] = NULL;
    }
}
