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

#endif
