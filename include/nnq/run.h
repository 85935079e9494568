/*
 * run.h - one simulation from a validated config to an HDF5 file and a summary.
 *
 *   config -> grid + potential -> output file (header, grid) -> the steppers the config asks
 *     for (nnq/stepper.h: Schrodinger, Madelung), planned, and the observers that read them
 *     (nnq/observer.h: trajectories) -> initial state -> loop over the steppers { advance }
 *     and the observers' per-step hooks + the schedule { diagnostics row; snapshot;
 *     checkpoint; signals } -> close -> summary (data: the program prints it)
 *
 * Steps are advanced in chunks that end at every diagnostics or snapshot step and at least
 * every NNQ_RUN_CHUNK steps, chunk ends depending on the step number only, so that a run is
 * reproducible bit for bit whatever happens between chunks. The chunk is a multiple or a
 * divisor of [run] diag_every where one lies in [16, NNQ_RUN_CHUNK] (nnq_run_chunk), so that
 * a run continued from the final state of another ([initial] file) splits its steps as one
 * run over both would, when the first ended on a diagnostics row. The initial and the final states
 * always get a diagnostics row and a snapshot. Checkpoints (the full state, in the output
 * file) are taken every [run] checkpoint_every steps and when the run is stopped. With [madelung]
 * enabled, the Madelung solver advances beside the Schrodinger one on the same time levels and
 * every row compares them.
 */
#ifndef NNQ_RUN_H
#define NNQ_RUN_H

#include <signal.h>
#include <stdio.h>

#include "nnq/config.h"
#include "nnq/diagnostics.h"
#include "nnq/err.h"
#include "nnq/parting.h"

struct nnq_observer_ops;

#define NNQ_RUN_CHUNK 64

/* Iterations the eigenstates ([run] states) may take to reach [run] states_tol. */
#define NNQ_RUN_STATES_ITERATIONS 5000

/* The message of a run stopped while it was set up (nothing written). */
#define NNQ_RUN_SET_UP_STOPPED                                                                     \
    "interrupted during set-up (reading files, making FFTW plans), before anything was written"

/* The summary warns when the Madelung solver held the velocity of more than this fraction of
 * its mass (a Gaussian's tails below sqrt(density_floor) of its peak: 1e-7 in 1D, 1e-6 in
 * 2D). */
#define NNQ_HELD_WARN 1e-4

/* The chunk of a run whose rows are diag_every steps apart: the largest multiple of diag_every
 * up to NNQ_RUN_CHUNK, else its largest divisor in [16, NNQ_RUN_CHUNK], else NNQ_RUN_CHUNK.
 * Cannot fail. */
long nnq_run_chunk(long diag_every);

struct nnq_run_options {
    const char *output;                /* overrides [output] file when not NULL (-o) */
    int force;                         /* overwrite an existing output file */
    int threads;                       /* overrides [run] threads when > 0 */
    const volatile sig_atomic_t *stop; /* when it becomes non-zero: stop after the chunk */
    volatile sig_atomic_t *setting_up; /* when not NULL: 1 while the run is set up and has
                                        * written nothing (files read, FFTW plans made), 0
                                        * from then on; while it is 1 a signal handler may end
                                        * the process at once: nothing is left half-written */
    FILE *progress;                    /* progress line here (NULL: none) */
    const char *wisdom;                /* FFTW wisdom file to read and update (NULL: none) */
    const char *resume;                /* continue the run of this file from its checkpoint; cfg
                                        * must be its stored config (nnq_output_read_config) */
    double memory_available;           /* bytes the system has free now (0: unknown) */
    double disk_free;                  /* bytes free where the output goes (0: unknown) */
    const struct nnq_observer_ops *const *observers; /* the observers a run draws from,
                                                      * NULL-terminated (NULL: the table
                                                      * nnq_observers[], nnq/observer.h) */
};

/* What a run did. Filled as far as the run got, also when it fails. */
#define NNQ_SUMMARY_OBSERVED 32768

/*
 * The values of the summary that follow the rows, declared once: X(type, name, extent, doc)
 * is the member `type name extent;` of struct nnq_summary and, since a resumed run must go on
 * from them, the checkpoint's dataset /checkpoint/summary_<name> (src/run.c; every type here
 * is made of doubles). The parting's are nnq/parting.h's NNQ_PARTING_VALUES, in `parting`.
 */
#define NNQ_SUMMARY_VALUES(X)                                                                      \
    X(struct nnq_diag_row, first, , "diagnostics of the initial state")                            \
    X(struct nnq_diag_row, last, , "diagnostics of the last sampled state")                        \
    X(double, max_norm_drift, , "max |norm / norm0 - 1| over the sampled rows")                    \
    X(double, max_energy_drift, , "max |E / E0 - 1| (|E - E0| when E0 == 0)")                      \
    X(double, t_multivalued, , "first sampled time with nodes or vortices; NaN: never")            \
    X(double, div_before, [4],                                                                     \
      "max div_p_l1, div_F, div_j_l1, infidelity before t_multivalued (NaN where no row)")         \
    X(double, div_after, [4], "the same from t_multivalued on")                                    \
    X(double, held, , "the largest madelung_held column (NaN: none)")                              \
    X(double, edge_density, ,                                                                      \
      "the largest edge_density column (p on the box's faces / max p; absorbing: times the "       \
      "mass left, norm / initial norm)")                                                           \
    X(double, t_edge, , "first sampled time it exceeded NNQ_EDGE_DENSITY_WARN; NaN: never")

struct nnq_summary {
    enum nnq_status status;
    long steps_done;
    double t; /* time reached */
    NNQ_SUMMARY_VALUES(NNQ_X_MEMBER)
    struct nnq_parting parting; /* floors of the defect weight, levels of divergence */
    long snapshots;
    double absorb_strength; /* [grid] absorb_strength, or the one chosen for 0 (absorbing) */
    double absorb_k;        /* the wave number it was chosen for (NaN: given, or periodic) */
    char ended_by[32];      /* a description that ended while the others ran on ("": none) */
    double t_ended;         /* when it ended (NaN: none) */
    char ended_reason[NNQ_ERR_MSG_MAX + 256]; /* why */
    double wall_s;
    double plan_s;   /* of wall_s: making the steppers (FFTW plans; wisdom read and written) */
    double step_s;   /* of wall_s: inside the steppers' advance calls (the stepping loops) */
    double states_s; /* of wall_s: finding the eigenstates ([run] states) */
    int threads;
    char output[NNQ_STR_MAX];
    /* what the observers report beside (each rewrites its part at every summarize): JSON
     * members ",\"key\":value" and lines of the printed summary; "" when none */
    char observed_json[NNQ_SUMMARY_OBSERVED];
    char observed_text[NNQ_SUMMARY_OBSERVED];
};

/* The summary of a run of cfg with opt that has not begun: nothing done, the output named.
 * Cannot fail. */
void nnq_run_summary_init(const struct nnq_config *cfg, const struct nnq_run_options *opt,
                          struct nnq_summary *sum);

/* Runs cfg. Returns NNQ_OK; NNQ_ERR_CONFIG (a potential or initial state that is bad on the
 * grid, an output file that exists); NNQ_ERR_RUNTIME (I/O, memory); NNQ_ERR_NUMERIC (NaN/Inf or
 * norm drift beyond [run] norm_tol); NNQ_ERR_INTERRUPTED (opt->stop was raised). In every case
 * after the output file was created, it is closed valid, holding every completed snapshot and
 * row, with the root attribute completed = 1 only for NNQ_OK. *sum is filled in every case. */
enum nnq_status nnq_run(const struct nnq_config *cfg, const struct nnq_run_options *opt,
                        struct nnq_summary *sum, struct nnq_err *err);

/* What a run will take. */
struct nnq_estimate {
    size_t bytes_per_point; /* memory per grid point, every stepper and the output buffers */
    double fixed;           /* bytes besides: per-thread scratch, halo rows */
    double memory;          /* bytes in all: bytes_per_point x points + fixed */
    long snapshots;
    double output; /* bytes of snapshots and of what is written once, uncompressed */
};

/* What `nnq check` learns by building what a run builds first (grid, potential, initial
 * state) without running it. */
struct nnq_validation {
    double v_min, q_min[3]; /* the smallest V at t = 0 and a grid point where it is */
    double v_max;
    double norm; /* integral |psi|^2 dq of the initial state (after [initial] normalize) */
    double absorb_strength, absorb_k; /* as nnq_summary's for [grid] absorb_strength = 0 */
};

/* Builds cfg's grid, potential and initial state as nnq_run does before its first step, so
 * that every error a run would find there (a file's range or dataset, a bad expression, a
 * negative density) is found; fills *v. Returns NNQ_OK, NNQ_ERR_CONFIG or NNQ_ERR_RUNTIME
 * (memory) as nnq_run would; allocates the potential and one complex field for the time of
 * the call. Collective. */
enum nnq_status nnq_run_validate(const struct nnq_config *cfg, struct nnq_validation *v,
                                 struct nnq_err *err);

/* "1.5 GiB": bytes in binary units, 3 digits, into buf (size bytes); returns buf. Cannot
 * fail. */
char *nnq_run_bytes_text(double bytes, char *buf, size_t size);

/* Fills *e for cfg with `threads` threads (0: [run] threads). Cannot fail. */
void nnq_run_estimate(const struct nnq_config *cfg, int threads, struct nnq_estimate *e);

/* NNQ_ERR_CONFIG, with the estimate and the limit, when the fields would exceed [run]
 * memory_limit (0: memory_available, the caller's reading of the memory free now; 0 there:
 * no limit) or the snapshots, uncompressed, [output] size_limit (0: disk_free, the free space
 * where `output` goes; 0 there: no limit); NNQ_OK otherwise. Allocates nothing; nnq_run calls
 * it before anything else. */
enum nnq_status nnq_run_check_limits(const struct nnq_config *cfg, const char *output,
                                     double memory_available, double disk_free,
                                     struct nnq_err *err);

#endif
