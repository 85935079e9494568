/*
 * output_h5.h - the run's HDF5 file (layout: design.md section 4, docs/output.md).
 *
 *   /                  attrs nnq_version, config, name, hbar, mu, epsilon, mass, dims, n,
 *                      created, completed (0 while running, 1 after a clean finish)
 *   /grid/q0..q{d-1}   coordinates (attrs qmin, qmax, dq)
 *   /potential/V       V at t = 0, shape n0 [x n1 [x n2]]
 *   /snapshots/t, step one row per snapshot (extendible)
 *   /schrodinger/p, F, psi   shape (snapshots, n0 [, n1 [, n2]]); psi is the compound {r, i}
 *                      (h5py reads it as complex); F = hbar arg(psi) in (-pi hbar, pi hbar]
 *   /madelung/p, F     shape (snapshots, n0 [, n1 [, n2]]), when the Madelung solver runs
 *   /madelung/j        shape (snapshots, n0 [, n1 [, n2]], d): the momentum density
 *   /diagnostics/<column>    one extendible 1-D dataset per column of diagnostics.h
 *
 * Snapshots and rows are appended as the run goes and the file is flushed after every
 * snapshot, so a run that stops early leaves every completed snapshot readable.
 */
#ifndef NNQ_OUTPUT_H5_H
#define NNQ_OUTPUT_H5_H

#include <complex.h>
#include <stdio.h>

#include "nnq/config.h"
#include "nnq/diagnostics.h"
#include "nnq/err.h"
#include "nnq/grid.h"
#include "nnq/madelung.h"

struct nnq_output;

/* Creates the file at path (refused with NNQ_ERR_CONFIG when it exists and force == 0),
 * writes the root attributes (config_text is the effective config) and the grid, and creates
 * the extendible datasets. Called before the solvers are planned, so that an unwritable path
 * fails fast.
 * Returns NNQ_OK or NNQ_ERR_RUNTIME ("cannot create ...: reason"). cfg and g are borrowed
 * for the life of the output. */
enum nnq_status nnq_output_create(const char *path, int force, const struct nnq_config *cfg,
                                  const char *config_text, const struct nnq_grid *g,
                                  struct nnq_output **out, struct nnq_err *err);

/* Writes /potential/V (local slab). Returns NNQ_OK or NNQ_ERR_RUNTIME. */
enum nnq_status nnq_output_potential(struct nnq_output *o, const double *V, struct nnq_err *err);

/* Appends a snapshot of psi (local slab) at time t, and of the Madelung state when m is not
 * NULL (its F as of the last nnq_madelung_compare), and flushes the file.
 * Returns NNQ_OK or NNQ_ERR_RUNTIME (write failed: disk full, file removed, ...). */
enum nnq_status nnq_output_snapshot(struct nnq_output *o, double t, long step,
                                    const double complex *psi, const struct nnq_madelung *m,
                                    struct nnq_err *err);

/* Appends a diagnostics row. Returns NNQ_OK or NNQ_ERR_RUNTIME. */
enum nnq_status nnq_output_diag(struct nnq_output *o, const struct nnq_diag_row *row,
                                struct nnq_err *err);

/* Number of snapshots written so far. Cannot fail. */
long nnq_output_snapshots(const struct nnq_output *o);

/* Writes (or overwrites) the group /checkpoint: psi at full precision, the Madelung state
 * (madelung: (1 + d) * local_size doubles, or NULL), `nstate` further doubles (the run's
 * running summary, opaque here), the step and time, and how many snapshots and rows had been
 * written; flushes the file. Returns NNQ_OK or NNQ_ERR_RUNTIME. */
enum nnq_status nnq_output_checkpoint(struct nnq_output *o, long step, double t,
                                      const double complex *psi, const double *madelung,
                                      const double *state, size_t nstate, struct nnq_err *err);

/* Reads the stored config text of the nnq file at path into text (size bytes), for
 * --resume. Returns NNQ_OK, or NNQ_ERR_CONFIG when the file is not nnq's, is truncated, has
 * no checkpoint, or its run already completed. */
enum nnq_status nnq_output_read_config(const char *path, char *text, size_t size,
                                       struct nnq_err *err);

/* Reopens the nnq file at path to continue its run (cfg: its stored config; g, cfg borrowed
 * for the life of the output): every dataset is cut back to what had been written when the
 * checkpoint was taken, `completed` is reset to 0; *step is the checkpoint's (its time is
 * step * dt).
 * Returns NNQ_OK or NNQ_ERR_CONFIG (not a resumable nnq file, damaged). */
enum nnq_status nnq_output_resume(const char *path, const struct nnq_config *cfg,
                                  const struct nnq_grid *g, struct nnq_output **out, long *step,
                                  struct nnq_err *err);

/* Reads psi, the Madelung state (when madelung is not NULL) and the nstate further doubles
 * back from /checkpoint. Returns NNQ_OK or NNQ_ERR_CONFIG when they do not match the run. */
enum nnq_status nnq_output_restore(struct nnq_output *o, double complex *psi, double *madelung,
                                   double *state, size_t nstate, struct nnq_err *err);

/* Sets the root attribute `completed` to `completed` (1: the run ended as planned), flushes
 * and closes the file, and frees o. Returns NNQ_OK or NNQ_ERR_RUNTIME; o is freed either way. */
enum nnq_status nnq_output_close(struct nnq_output *o, int completed, struct nnq_err *err);

/* Prints what the nnq file at path holds: version, whether the run completed, the run's
 * parameters, snapshots, datasets, the last diagnostics row and the stored config; with
 * csv = 1, the whole diagnostics table as CSV with a header line instead.
 * Returns NNQ_OK, or NNQ_ERR_CONFIG when path is not a readable nnq file (not HDF5,
 * truncated, written by something else). */
enum nnq_status nnq_output_info(const char *path, int csv, FILE *out, struct nnq_err *err);

#endif
