/*
 * observer.h - what reads the descriptions without evolving a field of its own, and the table
 * of them.
 *
 * A stepper (nnq/stepper.h) evolves a field; an observer reads the steppers' views and owns
 * what it makes of them: its diagnostics columns, its snapshot fields and group in the file,
 * its checkpoint datasets, its own output at each row. psi's defects, the comparison of the
 * two descriptions, the trajectories (particles and walkers moved by the views' velocities or
 * V's gradient), the basins and regions, and the eigenstates' populations are observers. A run
 * creates and starts its observers after its steppers, and calls them after the steppers at
 * each point of the schedule (sample, check, record, snapshot, checkpoint), in table order.
 *
 *   step   (optional) the per-step hook: called after every stepper has made one step, for an
 *          observer that must see every step's fields. A run with one such observer advances
 *          its steppers one step at a time (the steps, and so the results, are those of any
 *          other run: a chunk of n steps is n steps of dt); one without any advances them in
 *          chunks. An observer without the hook sees the fields at the diagnostics rows only.
 *
 * Adding an observer is one file src/observer_<name>.c defining its ops, plus one row in
 * nnq_observers[] (src/observer.c); a caller of the library may run its own table instead
 * (nnq_run_options.observers).
 */
#ifndef NNQ_OBSERVER_H
#define NNQ_OBSERVER_H

#include "nnq/stepper.h"

/*
 * The operations of an observer; `self` is what create made. env is the run's steppers (all
 * of them, created before any observer); an observer reads their views through
 * nnq_stepper_view(env, name, &v). Functions marked collective are called by every rank at
 * the same point under mpirun.
 *   wanted(cfg)      1 when cfg asks for this observer. Cannot fail.
 *   create           NNQ_OK, NNQ_ERR_CONFIG (the grid or the ranks unfit), NNQ_ERR_RUNTIME
 *                    (memory). Collective; the ranks agree on the outcome.
 *   start            (NULL: none) at t = 0, every stepper started; ref: the reference's view.
 *                    NNQ_OK, NNQ_ERR_CONFIG or NNQ_ERR_RUNTIME. Collective. Not called on a
 *                    resumed run (restore is).
 *   step             (NULL: none) after every stepper made the step from t0 to t0 + dt.
 *                    NNQ_OK, or the error that stops the run. Collective.
 *   sample           writes its columns of row; ref: the reference's view. Collective.
 *                    Cannot fail.
 *   check            (NULL: none) NNQ_ERR_NUMERIC when its columns of row show a failure,
 *                    naming the observer.
 *   field            the data of snapshot field k of `group` (group.nfields 0: NULL, never
 *                    called), valid until the next call. Collective.
 *   save, restore    (NULL: none) its checkpoint datasets (nnq_output_values_write / _read
 *                    ...). NNQ_OK, NNQ_ERR_RUNTIME (save), NNQ_ERR_CONFIG (restore: missing or
 *                    mismatched). Collective.
 *   record           (NULL: none) after each diagnostics row is written, with the output.
 *                    NNQ_OK or NNQ_ERR_RUNTIME. Collective.
 *   summarize        (NULL: none) folds its columns of row into the run's summary, as a
 *                    stepper's summarize does, after the steppers'. Cannot fail.
 *   points           (NULL: none) the point sets it moves (particles, walkers), for the other
 *                    observers (env->obs): set i (0, 1, ...) as *name, *q (count x d doubles,
 *                    point-major, alike on every rank; NaN: a point that is gone) and *count,
 *                    valid until the next call into self; returns 0 past the last set. Cannot
 *                    fail.
 *   memory           (NULL: nothing beyond its struct) what create allocates, as the
 *                    steppers' memory says. Cannot fail.
 *   destroy          frees self; NULL is a no-op.
 */
struct nnq_observer_ops {
    const char *name;
    struct nnq_output_group group; /* its group in the file (created even with no fields;
                                    * name NULL: none, and no fields) */
    int (*wanted)(const struct nnq_config *cfg);
    enum nnq_status (*create)(const struct nnq_stepper_env *env, void **self, struct nnq_err *err);
    enum nnq_status (*start)(void *self, const struct nnq_view *ref, struct nnq_err *err);
    enum nnq_status (*step)(void *self, double t0, struct nnq_err *err);
    void (*sample)(void *self, const struct nnq_view *ref, struct nnq_diag_row *row);
    enum nnq_status (*check)(void *self, const struct nnq_diag_row *row, struct nnq_err *err);
    const void *(*field)(void *self, int k);
    enum nnq_status (*save)(void *self, struct nnq_output *o, struct nnq_err *err);
    enum nnq_status (*restore)(void *self, struct nnq_output *o, struct nnq_err *err);
    enum nnq_status (*record)(void *self, struct nnq_output *o, struct nnq_err *err);
    void (*summarize)(void *self, const struct nnq_diag_row *row, struct nnq_summary *sum);
    int (*points)(void *self, int set, const char **name, const double **q, long *count);
    void (*memory)(const struct nnq_config *cfg, int time_dependent, int threads, size_t *per_point,
                   double *fixed);
    void (*destroy)(void *self);
};

/* The table, NULL-terminated: at most NNQ_OBSERVERS_MAX (src/observer.c asserts it at compile
 * time; a table a caller passes is cut there). */
#define NNQ_OBSERVERS_MAX 8
extern const struct nnq_observer_ops *const nnq_observers[];

/* The observers of the table. */
extern const struct nnq_observer_ops nnq_observer_defects, nnq_observer_compare,
    nnq_observer_trajectories, nnq_observer_basins, nnq_observer_states;

/* For an observer's summary (nnq_summary's observed_json, observed_text): appends what printf
 * would print to buf (size bytes, cut there); appends v[0 .. n) as a JSON list (null for NaN
 * and Inf). Cannot fail. */
__attribute__((format(printf, 3, 4))) void nnq_observed_append(char *buf, size_t size,
                                                               const char *f, ...);
void nnq_observed_list(char *buf, size_t size, const double *v, int n);

#endif
