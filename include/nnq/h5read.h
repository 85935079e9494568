/*
 * h5read.h - reading tables from the user's HDF5 files ([potential] file, [initial] file):
 * opening, 1-D coordinate lists, with errors that name the key, the file and the dataset.
 * HDF5's own error printing is switched off: every failure is reported through nnq_err.
 */
#ifndef NNQ_H5READ_H
#define NNQ_H5READ_H

#include <hdf5.h>
#include <stddef.h>

#include "nnq/err.h"

/* The most values nnq reads from one dataset of a user's file. */
#define NNQ_H5READ_MAX_VALUES (1LL << 31)

/* NNQ_OK when `bytes` (what reading dataset name of path takes on this rank) fit in `limit`
 * bytes ([run] memory_limit; 0: no limit here, the run's estimate having counted the table
 * against the memory available); else NNQ_ERR_CONFIG naming key, path, name, the bytes and
 * the limit. Called before anything is allocated, so that a small file declaring a huge
 * dataset is refused, not read. */
enum nnq_status nnq_h5read_fits(double bytes, double limit, const char *key, const char *path,
                                const char *name, struct nnq_err *err);

/* The rank of dataset name of f, a plain one (nnq_h5read_plain; key and path for its
 * message, which is dropped), with its extents in dims[0 .. rank); -1 when it is absent, not
 * plain, or its rank is not 1 .. max_rank. For estimates, which read no data. */
int nnq_h5read_shape(hid_t f, const char *key, const char *path, const char *name, hsize_t *dims,
                     int max_rank);

/* The rank of dataspace sp (-1 on error), and its extents in dims[0 .. rank) only when
 * 1 <= rank <= max_rank: HDF5 writes one extent per axis, and a file's rank can be anything
 * up to 32, so it is looked at before the extents are read. Cannot fail otherwise. */
int nnq_h5read_extent(hid_t sp, hsize_t *dims, int max_rank);

/* 1 when attribute a holds exactly one element (H5Aread into one variable is safe), else 0. */
int nnq_h5read_single(hid_t a);

/* The one number of attribute name of loc into *v: 1, or 0 (absent, not one number; *v
 * untouched). Cannot fail otherwise. */
int nnq_h5read_number(hid_t loc, const char *name, double *v);

/* Opens path read-only; key ("[potential] file") starts the messages. Returns the file, or -1
 * with NNQ_ERR_CONFIG: "not a regular file" (a FIFO or a device would block the read), "not an
 * HDF5 file (missing, unreadable or truncated)", "HDF5 cannot open it (truncated or
 * damaged?)". */
hid_t nnq_h5read_open(const char *key, const char *path, struct nnq_err *err);

/* NNQ_OK when the open dataset d (called name in the file at path) holds its data in that file
 * with every element written: contiguous, chunked or compact storage, no external raw files,
 * not a virtual dataset, its space allocated in full (a dataset never written, or chunks
 * left unwritten, would read as fill values). Else NNQ_ERR_CONFIG naming key, path and name.
 * Call it right after opening, before reading the extents or the data. */
enum nnq_status nnq_h5read_plain(hid_t d, const char *key, const char *path, const char *name,
                                 struct nnq_err *err);

/* The 1-D numeric dataset `name` of f as doubles (*n >= 2 of them; *out malloc'd, the caller
 * frees it), finite and increasing when `increasing`. Returns NNQ_OK, NNQ_ERR_CONFIG naming
 * key, path and name (missing, not 1-D, not numeric, fewer than 2 or more than
 * NNQ_H5READ_MAX_VALUES values, not increasing), NNQ_ERR_RUNTIME (memory); *out NULL on error. */
enum nnq_status nnq_h5read_vector(hid_t f, const char *key, const char *path, const char *name,
                                  int increasing, double **out, size_t *n, struct nnq_err *err);

/*
 * A table of a user's file read by rows: dataset `name` of f over the grid's `dims` axes,
 * whose extents are those of its coordinate lists (n[a] values of the dataset named coord[a]),
 * with a leading axis (times, snapshots) as `lead` says:
 *   NNQ_H5READ_LEAD_NONE   dims axes;
 *   NNQ_H5READ_LEAD        dims + 1 axes, the first what lead_what names ("a leading snapshot
 *                          axis");
 *   NNQ_H5READ_LEAD_MAYBE  either (t->lead says which).
 * `pair`: its elements are the compound {r, i} of nnq's psi, read as two doubles; else a
 * number (integer or float), read as a double. Both ranks of the [potential] file and the
 * [initial] file go through it, so that their checks and messages are one.
 */
enum nnq_h5read_lead { NNQ_H5READ_LEAD_NONE, NNQ_H5READ_LEAD, NNQ_H5READ_LEAD_MAYBE };

/* Invariants (open): d and space are open; lead is 0 or 1; rank = dims + lead; shape[lead + a]
 * = n[a] for a < dims. */
struct nnq_h5read_table {
    hid_t d, space;
    int dims, lead, rank, pair;
    hsize_t shape[4];
    const char *key, *path, *name;
};

/* Opens the table into *t. Returns NNQ_OK, or NNQ_ERR_CONFIG naming key, path and name: no such
 * dataset; not plain (nnq_h5read_plain); not numeric, or not the compound {r, i}; another
 * number of axes; an axis whose extent is not its coordinates'. On error *t holds nothing open
 * (nnq_h5read_table_close is still allowed). key, path and name must outlive *t. */
enum nnq_status nnq_h5read_table_open(hid_t f, const char *key, const char *path, const char *name,
                                      int dims, enum nnq_h5read_lead lead, const char *lead_what,
                                      const size_t *n, const char *const *coord, int pair,
                                      struct nnq_h5read_table *t, struct nnq_err *err);

/* Reads the elements [lead0, lead0 + nlead) of the leading axis (none: 0, 1) by rows
 * [row0, row0 + rows) of the first grid axis, every element of the others, into v in C order
 * (doubles, or pairs). Returns NNQ_OK (nothing read when a count is 0), NNQ_ERR_CONFIG
 * (outside the table; HDF5 cannot read it) naming key, path and name. */
enum nnq_status nnq_h5read_table_rows(const struct nnq_h5read_table *t, hsize_t lead0,
                                      hsize_t nlead, size_t row0, size_t rows, double *v,
                                      struct nnq_err *err);

/* Closes what open opened; a table that holds nothing open is a no-op. */
void nnq_h5read_table_close(struct nnq_h5read_table *t);

#endif
