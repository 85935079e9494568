/*
 * stepper.h - the contract every evolving description keeps, and the table of them.
 *
 * A run is a loop over the steppers of nnq_steppers[] (those a config asks for), the observers
 * that read them (nnq/observer.h) and a schedule (diagnostics rows, snapshots, checkpoints,
 * signals): nnq/run.h. A stepper is FFTW-shaped: create (plans, buffers; the expensive part,
 * once) / advance n steps (the hot call) / destroy, and around that what the run asks of it:
 *
 *   start     its initial state: the first stepper (the reference, Schrodinger) from the
 *             config, the others from the reference's initial view
 *   sample    its diagnostics columns of the current row (it may read the reference's view)
 *   view      its fields, through the one accessor (nnq/view.h)
 *   field     the data of its snapshot field k (the fields are listed in `group`)
 *   save / restore   its own checkpoint datasets
 *   record    (optional) its own data at every diagnostics row, beside the columns
 *   ended     (optional) when and why the description ended while the others run on
 *
 * What follows the fields without evolving one (trajectories, walkers) is an observer.
 *
 * Adding a description is one file src/stepper_<name>.c defining its ops, plus one row in
 * nnq_steppers[] (src/stepper.c).
 */
#ifndef NNQ_STEPPER_H
#define NNQ_STEPPER_H

#include "nnq/config.h"
#include "nnq/diagnostics.h"
#include "nnq/err.h"
#include "nnq/grid.h"
#include "nnq/output_h5.h"
#include "nnq/potential.h"
#include "nnq/states.h"
#include "nnq/view.h"

struct nnq_summary;      /* nnq/run.h */
struct nnq_observer_ops; /* nnq/observer.h */

/* What every stepper and observer is made from; all borrowed, they outlive them. ops[0 .. count)
 * and self[0 .. count) are the run's steppers; those before a stepper are created before it,
 * all of them before any observer. */
struct nnq_stepper_env {
    const struct nnq_config *cfg;
    const struct nnq_grid *g;
    const struct nnq_potential *pot;
    int threads;
    int count;
    const struct nnq_stepper_ops *const *ops;
    void *const *self;
    const struct nnq_states *states; /* the eigenstates of H ([run] states, [initial] state),
                                      * found before any stepper is made; NULL when none and
                                      * on a resumed run */
    /* the run's observers (nnq/observer.h): obs_self[k] NULL until observer k is made; those
     * before an observer are made before it */
    int nobs;
    const struct nnq_observer_ops *const *obs;
    void *const *obs_self;
};

/*
 * The operations of a stepper; `self` is what create made. Functions marked collective are
 * called by every rank at the same point under mpirun.
 *   wanted(cfg)      1 when cfg asks for this description. Cannot fail.
 *   create           NNQ_OK, NNQ_ERR_CONFIG (V not finite, the grid unfit), NNQ_ERR_RUNTIME
 *                    (memory, FFTW). Collective; the ranks agree on the outcome.
 *   start            from ref (NULL for the first stepper: from env->cfg). NNQ_OK or
 *                    NNQ_ERR_CONFIG (a bad initial state). Collective.
 *   advance          nsteps steps of [run] dt from t0; allocates nothing. NNQ_OK,
 *                    NNQ_ERR_NUMERIC (its state is no longer finite; the message names the
 *                    solver), NNQ_ERR_CONFIG (a time-dependent V turned non-finite).
 *                    Collective.
 *   sample           writes its columns of row (the others untouched); ref: the reference's
 *                    view (the first stepper gets its own). Collective. Cannot fail.
 *   check            NNQ_ERR_NUMERIC when its columns of row show a failure (NaN, a norm or
 *                    mass that drifted), naming the solver; first: the row at t = 0. row is
 *                    complete (every stepper's and observer's sample), so this is where a
 *                    stepper reads others' columns of it (the Madelung description's end
 *                    weighed with psi's defect weight).
 *   view             its fields; valid until the next call into self. Collective.
 *   field            the data of snapshot field k of `group`, valid until the next call.
 *                    Collective.
 *   save, restore    its checkpoint datasets through nnq_output_state_write / _read (and
 *                    values). NNQ_OK, NNQ_ERR_RUNTIME (save), NNQ_ERR_CONFIG (restore: missing
 *                    or mismatched). Collective.
 *   record           (NULL: none) called after each diagnostics row is written, with the
 *                    output; NNQ_OK or NNQ_ERR_RUNTIME. Collective.
 *   summarize        (NULL: none) folds its columns of row, written and checked, into the
 *                    run's summary (nnq/run.h): called for every row, the one at t = 0
 *                    included, after sum->first (at t = 0) and sum->last are set, stepper by
 *                    stepper in table order (a stepper may read what those before it set).
 *                    Cannot fail.
 *   ended            (NULL: never ends) NaN while the description runs; once it has ended (its
 *                    state stopped being valid, [madelung] on_failure = end), the time it
 *                    ended, with *reason (owned by self, valid until the next call) saying
 *                    why. Its columns are NaN from then on. Cannot fail.
 *   memory           what create allocates: *per_point bytes per grid point and *fixed bytes
 *                    besides (per-thread scratch), with `threads` threads (time_dependent: V
 *                    depends on t). Cannot fail.
 *   destroy          frees self; NULL is a no-op.
 */
struct nnq_stepper_ops {
    const char *name;
    struct nnq_output_group group;
    int (*wanted)(const struct nnq_config *cfg);
    enum nnq_status (*create)(const struct nnq_stepper_env *env, void **self, struct nnq_err *err);
    enum nnq_status (*start)(void *self, const struct nnq_view *ref, struct nnq_err *err);
    enum nnq_status (*advance)(void *self, long nsteps, double t0, struct nnq_err *err);
    void (*sample)(void *self, const struct nnq_view *ref, struct nnq_diag_row *row);
    enum nnq_status (*check)(void *self, const struct nnq_diag_row *row,
                             const struct nnq_diag_row *first, struct nnq_err *err);
    void (*view)(void *self, struct nnq_view *v);
    const void *(*field)(void *self, int k);
    enum nnq_status (*save)(void *self, struct nnq_output *o, struct nnq_err *err);
    enum nnq_status (*restore)(void *self, struct nnq_output *o, struct nnq_err *err);
    enum nnq_status (*record)(void *self, struct nnq_output *o, struct nnq_err *err);
    void (*summarize)(void *self, const struct nnq_diag_row *row, struct nnq_summary *sum);
    double (*ended)(const void *self, const char **reason);
    void (*memory)(const struct nnq_config *cfg, int time_dependent, int threads, size_t *per_point,
                   double *fixed);
    void (*destroy)(void *self);
};

/* The table, reference first, NULL-terminated: at most NNQ_STEPPERS_MAX kinds (a run holds
 * every kind a config may ask for; src/stepper.c asserts the table fits at compile time). */
#define NNQ_STEPPERS_MAX 8
extern const struct nnq_stepper_ops *const nnq_steppers[];

/* The steppers of the table. */
extern const struct nnq_stepper_ops nnq_stepper_schrodinger, nnq_stepper_madelung,
    nnq_stepper_classical;

/* Fills *v with the view of env's stepper called `name`, created before the caller; returns 1,
 * or 0 (v untouched) when the run has none. Collective (a view may compute). */
int nnq_stepper_view(const struct nnq_stepper_env *env, const char *name, struct nnq_view *v);

#endif
