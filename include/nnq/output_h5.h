/*
 * output_h5.h - the run's HDF5 file (layout: docs/output.md).
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
 *                      (which groups exist is the steppers' say: nnq/stepper.h)
 *   /diagnostics/<column>    one extendible 1-D dataset per column of diagnostics.h
 *   /trajectories/t, /trajectories/<kind>/q   a point set: positions [rows, count, d]
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

/* A field that snapshots or checkpoints write, in the group of the description it belongs to.
 * REAL: one double per point; VECTOR: d doubles per point, component-major in memory (d blocks
 * of local_size), written with a trailing axis of d; COMPLEX: one double complex per point,
 * written as the compound {r, i}. */
enum nnq_field_kind { NNQ_FIELD_REAL, NNQ_FIELD_VECTOR, NNQ_FIELD_COMPLEX };

struct nnq_field_info {
    const char *name; /* dataset in the group: "p", "F", "psi", "j" */
    enum nnq_field_kind kind;
    unsigned select; /* the [output] fields bit that selects it; 0: always written */
};

/* The snapshot fields of one description: /<name>/<field>, labelled <field>_<tag> in the XDMF. */
struct nnq_output_group {
    const char *name, *tag;
    int nfields;
    const struct nnq_field_info *fields;
};

struct nnq_output;

/* The directory of path into buf (size bytes): "." for a bare name, "/" for a file in the
 * root. Returns buf. Cannot fail (a longer path is cut). */
char *nnq_output_dir_of(const char *path, char *buf, size_t size);

/* Whether an output can go to path, touching nothing: NNQ_ERR_CONFIG when the file exists
 * and force == 0, or exists and another process is writing it (HDF5 holds its lock: even
 * --force leaves it alone); NNQ_ERR_RUNTIME ("cannot create ...: reason") when the file or
 * its directory is not writable; NNQ_OK otherwise. A run asks before anything else, so that
 * a path that cannot work fails fast. Collective. */
enum nnq_status nnq_output_check_path(const char *path, int force, struct nnq_err *err);

/* Creates the file at path (checked as nnq_output_check_path does; without force it is
 * created exclusively, so a file that appeared since is not truncated), writes the root
 * attributes (config_text is the effective config) and the grid, and creates the extendible
 * datasets: those of the ngroups groups (the fields [output] fields selects) and the
 * diagnostics columns present for cfg. A run creates it once the initial state is known to be
 * good: a config that fails before it leaves an existing file as it was.
 * Returns NNQ_OK, NNQ_ERR_CONFIG (see nnq_output_check_path) or NNQ_ERR_RUNTIME ("cannot
 * create ...: reason"). cfg, g and groups are borrowed for the life of the output. */
enum nnq_status nnq_output_create(const char *path, int force, const struct nnq_config *cfg,
                                  const char *config_text, const struct nnq_grid *g,
                                  const struct nnq_output_group *groups, int ngroups,
                                  struct nnq_output **out, struct nnq_err *err);

/* Writes /potential/V (local slab). Returns NNQ_OK or NNQ_ERR_RUNTIME. */
enum nnq_status nnq_output_potential(struct nnq_output *o, const double *V, struct nnq_err *err);

/* For a resumed run: NNQ_OK when /potential/V holds V (local slab, to 1e-12 relative) on every
 * rank;
 * NNQ_ERR_CONFIG when it differs (the potential's file or expression changed since the run
 * started: the resumed run would evolve another problem), naming the largest difference, or
 * when it is missing or unreadable. scratch holds local_size doubles. Collective. */
enum nnq_status nnq_output_potential_same(struct nnq_output *o, const double *V, double *scratch,
                                          struct nnq_err *err);

/* A snapshot: begin (appends t and step), then field data for the fields that are written
 * (nnq_output_wants), then end (counts it, flushes the file, rewrites the XDMF sidecar).
 * data: this rank's slab, as the field's kind says. Each returns NNQ_OK or NNQ_ERR_RUNTIME
 * (write failed: disk full, file removed, ...). Collective under mpirun. */
enum nnq_status nnq_output_snapshot_begin(struct nnq_output *o, double t, long step,
                                          struct nnq_err *err);
int nnq_output_wants(const struct nnq_output *o, int group, int field);
enum nnq_status nnq_output_snapshot_field(struct nnq_output *o, int group, int field,
                                          const void *data, struct nnq_err *err);
enum nnq_status nnq_output_snapshot_end(struct nnq_output *o, struct nnq_err *err);

/* Appends a diagnostics row (the same on every rank: rank 0 writes it, collectively).
 * Returns NNQ_OK or NNQ_ERR_RUNTIME. */
enum nnq_status nnq_output_diag(struct nnq_output *o, const struct nnq_diag_row *row,
                                struct nnq_err *err);

/*
 * A point set (one per file): /<set>/t [rows] and /<set>/<names[i]>/q [rows, count, d] for
 * the n (at most NNQ_OUTPUT_POINT_NAMES) names. open creates them, or in a resumed file
 * reopens them cut to the rows its checkpoint recorded; append adds one row, q[i] holding
 * count * d doubles (point-major) that every rank holds alike. The strings are copied.
 * Returns NNQ_OK, NNQ_ERR_RUNTIME (HDF5 failed), NNQ_ERR_CONFIG (a resumed file whose sets do
 * not match). Collective under mpirun.
 */
#define NNQ_OUTPUT_POINT_NAMES 4
enum nnq_status nnq_output_points_open(struct nnq_output *o, const char *set,
                                       const char *const *names, int n, size_t count, int d,
                                       struct nnq_err *err);
enum nnq_status nnq_output_points_append(struct nnq_output *o, double t, const double *const *q,
                                         struct nnq_err *err);

/*
 * Tables beside /diagnostics: /<path> [rows, width] of float64, one row for each diagnostics
 * row, for what an observer measures in a number of columns that the run decides (the masses
 * of the basins of V, ...). open creates it (at most NNQ_OUTPUT_TABLES a file; its group, one
 * level below the root, where it is missing), or in a resumed file reopens it cut to the rows the
 * checkpoint recorded, and sets *id; open it before the first row it gets (at a fresh run's first
 * record, in restore on a resumed one). append writes the row of the diagnostics row last
 * written (nnq_output_diag), width values that every rank holds alike. Returns NNQ_OK,
 * NNQ_ERR_RUNTIME (HDF5 failed, too many tables), NNQ_ERR_CONFIG (a resumed file whose table
 * is missing or of another width). Collective under mpirun.
 */
#define NNQ_OUTPUT_TABLES 24
enum nnq_status nnq_output_table_open(struct nnq_output *o, const char *path, int width, int *id,
                                      struct nnq_err *err);
enum nnq_status nnq_output_table_append(struct nnq_output *o, int id, const double *values,
                                        struct nnq_err *err);

/* Writes the fixed array /<path> of `rank` (1 to 4) axes dims[], int32 (integer: data holds
 * ints) or float64 (doubles), that every rank holds alike; a file that holds it already (a
 * resumed run) is left as it is. Returns NNQ_OK or NNQ_ERR_RUNTIME. Collective. */
enum nnq_status nnq_output_array(struct nnq_output *o, const char *path, int rank,
                                 const size_t *dims, int integer, const void *data,
                                 struct nnq_err *err);

/* Writes the float64 grid field /<path> [n0 (, n1 (, n2))] from this rank's slab of data,
 * creating it (and its group, one level below the root, where it is missing). Returns NNQ_OK
 * or NNQ_ERR_RUNTIME. Collective. */
enum nnq_status nnq_output_field_write(struct nnq_output *o, const char *path, const double *data,
                                       struct nnq_err *err);

/* Writes row `row` (0 .. count) of /<path> [count, n0 (, n1 (, n2))], complex float64 as the
 * snapshots' psi: data holds this rank's slab of one grid field; row 0 creates the dataset (and
 * its group, one level below the root, where it is missing). For fields written once (the
 * eigenstates). Returns NNQ_OK or NNQ_ERR_RUNTIME. Collective. */
enum nnq_status nnq_output_grid_rows(struct nnq_output *o, const char *path, int count, int row,
                                     const double complex *data, struct nnq_err *err);

/* Number of snapshots written so far. Cannot fail. */
long nnq_output_snapshots(const struct nnq_output *o);

/*
 * Checkpoints: the group /checkpoint holds what each description and the run need to go on.
 * begin opens (or creates) it; state_write writes (or overwrites) /checkpoint/<name>: a
 * COMPLEX field on the grid, or `comps` REAL blocks of local_size (component-major, stored
 * flat as comps * total values); values_write n doubles that every rank holds alike; text_write
 * a text that every rank holds alike (text_read cuts it to size bytes); end
 * records the step, time and how many snapshots and rows had been written, and flushes.
 * The _read functions read them back (after nnq_output_resume); they return NNQ_ERR_CONFIG
 * when the dataset is missing or its size does not match. Others: NNQ_OK or NNQ_ERR_RUNTIME.
 * Collective under mpirun.
 */
enum nnq_status nnq_output_checkpoint_begin(struct nnq_output *o, struct nnq_err *err);
enum nnq_status nnq_output_state_write(struct nnq_output *o, const char *name,
                                       enum nnq_field_kind kind, int comps, const void *data,
                                       struct nnq_err *err);
enum nnq_status nnq_output_values_write(struct nnq_output *o, const char *name, const double *v,
                                        size_t n, struct nnq_err *err);
enum nnq_status nnq_output_text_write(struct nnq_output *o, const char *name, const char *text,
                                      struct nnq_err *err);
enum nnq_status nnq_output_checkpoint_end(struct nnq_output *o, long step, double t,
                                          struct nnq_err *err);
enum nnq_status nnq_output_state_read(struct nnq_output *o, const char *name,
                                      enum nnq_field_kind kind, int comps, void *data,
                                      struct nnq_err *err);
enum nnq_status nnq_output_values_read(struct nnq_output *o, const char *name, double *v, size_t n,
                                       struct nnq_err *err);
enum nnq_status nnq_output_text_read(struct nnq_output *o, const char *name, char *text,
                                     size_t size, struct nnq_err *err);

/* Reads the stored config text of the nnq file at path into text (size bytes), for
 * --resume. Returns NNQ_OK, or NNQ_ERR_CONFIG when the file is not nnq's, is truncated, has
 * no checkpoint, or its run already completed. */
enum nnq_status nnq_output_read_config(const char *path, char *text, size_t size,
                                       struct nnq_err *err);

/* Reopens the nnq file at path to continue its run (cfg: its stored config; g, cfg, groups
 * borrowed for the life of the output, the groups those of nnq_output_create): every dataset
 * is cut back to what had been written when the checkpoint was taken, `completed` is reset to
 * 0; *step is the checkpoint's (its time is step * dt).
 * Returns NNQ_OK or NNQ_ERR_CONFIG (not a resumable nnq file, damaged). */
enum nnq_status nnq_output_resume(const char *path, const struct nnq_config *cfg,
                                  const struct nnq_grid *g, const struct nnq_output_group *groups,
                                  int ngroups, struct nnq_output **out, long *step,
                                  struct nnq_err *err);

/* Sets the root attribute `completed` to `completed` (1: the run ended as planned), flushes
 * and closes the file, and frees o. Returns NNQ_OK or NNQ_ERR_RUNTIME; o is freed either way. */
enum nnq_status nnq_output_close(struct nnq_output *o, int completed, struct nnq_err *err);

/* What an nnq file holds, for `nnq info` (the program prints it). */
struct nnq_file_info {
    char version[64], name[NNQ_STR_MAX], created[64];
    int completed, dims;
    double hbar, mu, epsilon, mass, dt;
    long snapshots;
    double t_first, t_last, step_first, step_last; /* NaN when there are no snapshots */
    char fields[512];                              /* the snapshot datasets, space-separated */
    char others[1024]; /* the groups' other datasets and groups (tables, arrays, point sets) */
    long rows;         /* diagnostics rows (complete in every column) */
    double *column[NNQ_DIAG_COUNT]; /* rows values each, or NULL: not in the file */
    char config[NNQ_KEY_COUNT * 2 * NNQ_STR_MAX];
};

/* Reads the nnq file at path into *info (malloc'd columns: free with nnq_file_info_free).
 * Returns NNQ_OK, or NNQ_ERR_CONFIG when path is not a readable nnq file (not HDF5,
 * truncated, written by something else); NNQ_ERR_RUNTIME when memory runs out. */
enum nnq_status nnq_output_read_info(const char *path, struct nnq_file_info *info,
                                     struct nnq_err *err);

/* Row r (< info->rows) of info's diagnostics as a row: NaN in the columns the file lacks.
 * Cannot fail. */
void nnq_file_info_row(const struct nnq_file_info *info, long r, struct nnq_diag_row *row);

/* Frees the columns of info; cannot fail. */
void nnq_file_info_free(struct nnq_file_info *info);

#endif
