/*
 * config.h - the run description: INI file (parsed with inih) plus --set overrides.
 *
 * Every key is declared once, in NNQ_CONFIG_KEYS below; that list expands into the fields
 * of struct nnq_config, the defaults, the parser, the validation of types and ranges, the
 * canonical text stored in output files, and the key reference (`nnq --help-config`,
 * docs/config.md). Columns of the list:
 *
 *   X(section, key, type, default, range, uses, unit, doc)
 *
 *   type    STR text, EXPR expression (libmatheval), DBL, INT, BOOL, ENUM, DLIST list of
 *           numbers, ILIST list of integers, SET names from the range (a bit mask, bit i for
 *           option i)
 *   default text parsed like a value; "" means unset (required or derived, see doc)
 *   range   DBL/DLIST: pos | nonneg | any; INT/ILIST: "lo.." or "lo..hi" or "any";
 *           ENUM, SET: the options "a|b|c" (their order is the C enum's, the bits')
 *   uses    "" always valid; else the section's presets (ENUM key `preset`) that read the
 *           key, "-" standing for "no preset" (expressions); setting a key that the chosen
 *           preset does not read is an error, so a typo cannot silently do nothing.
 *
 * Errors name the place: "run.ini:12: [grid] n: expected ..., got 'abc'".
 */
#ifndef NNQ_CONFIG_H
#define NNQ_CONFIG_H

#include <stdio.h>

#include "nnq/err.h"

#define NNQ_CONFIG_KEYS(X)                                                                         \
    X(run, name, STR, "nnq", "", "", "-",                                                          \
      "run name: used in the summary and the default output file name")                            \
    X(run, dt, DBL, "1e-3", "pos", "", "time", "time step")                                        \
    X(run, t_end, DBL, "", "pos", "", "time",                                                      \
      "end time: steps = ceil(t_end / dt), dt shrunk to t_end / steps; give t_end or steps")       \
    X(run, steps, INT, "", "1..", "", "-", "number of steps; give t_end or steps")                 \
    X(run, integrator, ENUM, "strang", "strang|order4|bm4|bm6", "", "-",                           \
      "split-step scheme: strang (order 2, 1 FFT pair a step); order4 (Yoshida, order 4, 3 "       \
      "pairs); bm4, bm6 (Blanes-Moan, order 4 and 6, 6 and 11 pairs, far smaller errors for "      \
      "the same work); all but strang real time only")                                             \
    X(run, imaginary_time, BOOL, "false", "", "", "-",                                             \
      "true: evolve in imaginary time, renormalising every step (relaxes to the ground state)")    \
    X(run, states, INT, "0", "0..64", "", "-",                                                     \
      "the lowest eigenstates of H (V at t = 0, without an absorbing layer) computed before the "  \
      "run, into /states with their energies; [initial] state starts from them (0: none)")         \
    X(run, states_tol, DBL, "1e-12", "pos", "", "energy",                                          \
      "eigenstates: each energy within this of the grid Hamiltonian's eigenvalue (the bound "      \
      "norm(H phi - E phi)^2 / gap to the next state)")                                            \
    X(run, snapshot_every, INT, "100", "0..", "", "steps",                                         \
      "steps between field snapshots; the initial and final states are always written; 0: only "   \
      "those")                                                                                     \
    X(run, diag_every, INT, "10", "1..", "", "steps", "steps between diagnostics rows")            \
    X(run, checkpoint_every, INT, "0", "0..", "", "steps",                                         \
      "steps between checkpoints of the full state in the output (0: only when stopped by a "      \
      "signal)")                                                                                   \
    X(run, threads, INT, "1", "1..1024", "", "-",                                                  \
      "threads for FFTW and the pointwise loops (--threads wins)")                                 \
    X(run, norm_tol, DBL, "1e-6", "pos", "", "-",                                                  \
      "stop with exit 3 when |norm - 1| exceeds this in real time (NaN/Inf always stop)")          \
    X(run, memory_limit, DBL, "0", "nonneg", "", "bytes",                                          \
      "refuse runs whose fields need more (0: the memory available when the run starts)")          \
    X(run, planner, ENUM, "measure", "estimate|measure|patient", "", "-",                          \
      "FFTW planner effort; plans are made once per run and wisdom is reused")                     \
    X(grid, n, ILIST, "", "4..1073741824", "", "points",                                           \
      "points per axis, 1-3 values (their count is the dimension d); required")                    \
    X(grid, qmin, DLIST, "", "any", "", "q",                                                       \
      "lower box edge, one value or one per axis; required")                                       \
    X(grid, qmax, DLIST, "", "any", "", "q",                                                       \
      "upper box edge (periodic: qmax is the image of qmin), one value or one per axis; required") \
    X(grid, names, STR, "", "", "", "-",                                                           \
      "names of the axes, one per axis (\"w, a\"): variables of every expression beside x, y, z "  \
      "and q0..q2, stored in the output and used for labels")                                      \
    X(grid, boundary, ENUM, "periodic", "periodic|absorbing", "", "-",                             \
      "periodic: the box wraps; absorbing: a layer at every face takes up what reaches it "        \
      "(column absorbed)")                                                                         \
    X(grid, absorb_width, DLIST, "", "pos", "", "q",                                               \
      "absorbing: the layer's width per side, one value or one per axis (default: 1/8 of the "     \
      "box)")                                                                                      \
    X(grid, absorb_strength, DBL, "0", "nonneg", "", "-",                                          \
      "absorbing: c in W = c (hbar^2 / m w^2) (d / w)^2, d the depth into a layer of width w; "    \
      "0: chosen from the initial state and the grid, so that one crossing lets through at most "  \
      "1e-3 of the fastest wave that can reach the layer (said in the summary, stored)")           \
    X(network, mu, DBL, "1", "pos", "", "energy",                                                  \
      "chemical potential of the hidden variables; hbar = mu * epsilon is the paper's 2 pi hbar: " \
      "to reproduce its numbers give mu = mu_paper / (2 pi)")                                      \
    X(network, epsilon, DBL, "1", "pos", "", "time", "learning time step; hbar = mu * epsilon")    \
    X(network, gamma, DBL, "", "pos", "", "time/mass",                                             \
      "the paper's gamma: mass = epsilon / (2 gamma) (its eq. 10); give it or [particle] mass")    \
    X(particle, mass, DBL, "1", "pos", "", "mass", "mass m of the trainable variables")            \
    X(potential, preset, ENUM, "", "free|harmonic|double_well|lattice", "", "-",                   \
      "named potential; without it V is used, and without V the potential is free")                \
    X(potential, V, EXPR, "", "", "-", "energy",                                                   \
      "V(x,y,z,t) expression (also q0..q2, hbar, mass); used when no preset is given")             \
    X(potential, file, STR, "", "", "-", "path",                                                   \
      "HDF5 file with a tabulated loss L(q) (or L(t, q)): the variable L of V; without V, V = L "  \
      "(layouts: docs/config.md)")                                                                 \
    X(potential, dataset, STR, "", "", "-", "-",                                                   \
      "the dataset of file holding L (default: /potential/V of an nnq output, train_loss of a "    \
      "loss-landscape surface file)")                                                              \
    X(potential, coordinates, STR, "", "", "-", "-",                                               \
      "with dataset: its axes' 1-D coordinate datasets, one per axis (\"w, a\")")                  \
    X(potential, order, ENUM, "auto", "auto|tool|natural", "", "-",                                \
      "a 2D loss-landscape surface file's buffer: tool (the value at (x_i, y_j) at j nx + i, as "  \
      "the loss-landscape tool writes it), natural (at [i, j]); auto: tool when the file has "     \
      "the tool's dir_file, else an error asking for this key")                                    \
    X(potential, omega, DLIST, "1", "pos", "harmonic|double_well", "1/time",                       \
      "harmonic: V = sum m omega_i^2 q_i^2 / 2; double_well: the transverse axes 1, 2")            \
    X(potential, barrier, DBL, "1", "pos", "double_well", "energy",                                \
      "double_well: V = barrier ((q0/wells)^2 - 1)^2 + transverse harmonic terms")                 \
    X(potential, wells, DBL, "1", "pos", "double_well", "q",                                       \
      "double_well: position of the minima q0 = +-wells")                                          \
    X(potential, depth, DBL, "1", "any", "lattice", "energy",                                      \
      "lattice: V = depth sum_i sin^2(pi q_i / period_i)")                                         \
    X(potential, period, DLIST, "1", "pos", "lattice", "q", "lattice: period per axis")            \
    X(initial, preset, ENUM, "", "gaussian|superposition|eigenstate|vortex", "", "-",              \
      "named initial state; without it the expressions p and F are used")                          \
    X(initial, p, EXPR, "", "", "-", "1/q^d",                                                      \
      "initial density p(x,y,z) >= 0; required without preset")                                    \
    X(initial, F, EXPR, "0", "", "-", "energy*time",                                               \
      "initial free energy F(x,y,z): psi = sqrt(p) exp(i F / hbar)")                               \
    X(initial, normalize, BOOL, "true", "", "", "-",                                               \
      "scale the initial state to unit norm (a state from a file keeps its own unless this is "    \
      "set)")                                                                                      \
    X(initial, file, STR, "", "", "-", "path",                                                     \
      "HDF5 file with the initial state: an nnq output (psi, else p and F) or datasets p, F, "     \
      "q0..; interpolated when its grid is not this one")                                          \
    X(initial, snapshot, INT, "-1", "any", "-", "-",                                               \
      "which snapshot of an nnq output [initial] file holds the state (-1: the last, -2: the one " \
      "before, 0: the first)")                                                                     \
    X(initial, center, DLIST, "0", "any", "gaussian|superposition|eigenstate|vortex", "q",         \
      "packet centre per axis; superposition: d values per packet, the packets one after another") \
    X(initial, width, DLIST, "1", "pos", "gaussian|superposition|vortex", "q",                     \
      "standard deviation of the density per axis; superposition: 1, d or d per packet")           \
    X(initial, momentum, DLIST, "0", "any", "gaussian|superposition|eigenstate|vortex",            \
      "mass*q/time",                                                                               \
      "mean momentum per axis (F gains momentum . q); superposition: 1, d or d per packet")        \
    X(initial, state, ILIST, "", "0..63", "-", "-",                                                \
      "psi from the eigenstates of [run] states: their indices (0 the ground state), psi = sum_j " \
      "amplitude_j exp(i phase_j) phi_j, normalised; the states needed are computed")              \
    X(initial, amplitude, DLIST, "1", "any", "superposition|-", "-",                               \
      "superposition: relative amplitude of each packet; state: of each eigenstate (1 or one "     \
      "each)")                                                                                     \
    X(initial, phase, DLIST, "0", "any", "-", "rad",                                               \
      "state: the phase of each eigenstate's amplitude (1 or one per state)")                      \
    X(initial, n, ILIST, "", "any", "eigenstate|vortex", "-",                                      \
      "eigenstate: quantum numbers >= 0 per axis (default 0); vortex: winding of each vortex "     \
      "(default 1)")                                                                               \
    X(initial, omega, DLIST, "", "pos", "eigenstate", "1/time",                                    \
      "eigenstate: trap frequency per axis (default: [potential] omega of a harmonic preset, "     \
      "else 1)")                                                                                   \
    X(initial, vortex_at, DLIST, "", "any", "vortex", "q",                                         \
      "vortex: core positions, (x, y) per vortex (default: the centre); F = hbar sum n_k atan2(y " \
      "- y_k, x - x_k)")                                                                           \
    X(initial, core, DBL, "1", "pos", "vortex", "q",                                               \
      "vortex: core radius a; density factor r^2 / (r^2 + a^2) per unit of winding")               \
    X(madelung, enabled, BOOL, "true", "", "", "-", "evolve the Madelung description beside psi")  \
    X(madelung, form, ENUM, "momentum", "momentum|potential", "", "-",                             \
      "potential: evolve p and F, the paper's variables (the flow a gradient of F; "               \
      "potential_floor); momentum: p and j = p u by finite volumes, F_M reconstructed from j "     \
      "(limiter, flux, damping, density_floor)")                                                   \
    X(madelung, limiter, ENUM, "vanleer", "vanleer|minmod|none|mc", "", "-",                       \
      "MUSCL slope limiter")                                                                       \
    X(madelung, flux, ENUM, "rusanov", "rusanov|hll", "", "-",                                     \
      "numerical flux for the advective part")                                                     \
    X(madelung, density_floor, DBL, "1e-12", "pos", "", "-",                                       \
      "momentum form: cells with p below this times max p are vacuum")                             \
    X(madelung, potential_floor, DBL, "1e-7", "pos", "", "-",                                      \
      "potential form: cells with p below this times max p are vacuum (lower, tails the grid "     \
      "does not resolve enter the flow)")                                                          \
    X(madelung, damping, DBL, "0.25", "nonneg", "", "-",                                           \
      "alpha: the fluxes' signal speed is |u| + alpha hbar / (m dq), damping the grid-scale mode") \
    X(madelung, quantum, BOOL, "true", "", "", "-",                                                \
      "false: without the quantum potential, the classical Hamilton-Jacobi limit (F Hamilton's "   \
      "principal function; the paper's far-from-equilibrium limit, where caustics form)")          \
    X(madelung, on_failure, ENUM, "end", "end|stop", "", "-",                                      \
      "end: a Madelung state that stops being valid (a node or vortex it cannot carry) ends the "  \
      "Madelung description, said in the summary, and psi runs on; stop: the run stops, exit 3")   \
    X(defects, node_depth, DBL, "0.1", "pos", "", "-",                                             \
      "1D: a density minimum below this times its neighbouring maxima, with a phase jump, is a "   \
      "node")                                                                                      \
    X(defects, support_floor, DBL, "1e-3", "pos", "", "-",                                         \
      "node_count, vortex_count, nodal_edges and t_multivalued count the defects with p >= this "  \
      "times max p (the defect weight and t_multivalued_at look down to 1e-10)")                   \
    X(trajectories, count, INT, "0", "0..100000000", "", "-",                                      \
      "networks followed per kind, their starting points sampled from p at t = 0 (0: none; with "  \
      "at: its number of points)")                                                                 \
    X(trajectories, kinds, SET, "bohm", "bohm|madelung|nelson|langevin", "", "-",                  \
      "bohm: dq/dt = j_S / p_S; madelung: dq/dt = u_M; nelson: the stochastic process with "       \
      "density p_S; langevin: the classical (SGD) one, dq = -mobility dV/dq dt + sqrt(2 "          \
      "diffusion) dW ([classical])")                                                               \
    X(trajectories, seed, INT, "1", "0..", "", "-",                                                \
      "seed of the sampled starting points and of the nelson and langevin noise")                  \
    X(trajectories, at, DLIST, "", "any", "", "q",                                                 \
      "starting points instead of sampled ones, d values each (\"x0 y0, x1 y1\")")                 \
    X(trajectories, every, INT, "1", "1..", "", "rows",                                            \
      "diagnostics rows between stored positions")                                                 \
    X(classical, enabled, BOOL, "false", "", "", "-",                                              \
      "evolve the classical description beside psi: the Fokker-Planck equation of the langevin "   \
      "walkers, from p = |psi|^2 at t = 0, compared with p_S at every row")                        \
    X(classical, mobility, DLIST, "1", "pos", "", "q^2/(energy time)",                             \
      "the classical description's mobility per axis, one value or one per axis: its drift is "    \
      "-mobility dV/dq")                                                                           \
    X(classical, diffusion, DLIST, "", "nonneg", "", "q^2/time",                                   \
      "its diffusion constant D per axis, one value or one per axis (default: hbar / 2m, the "     \
      "nelson walkers'); the temperature is D / mobility")                                         \
    X(basins, enabled, BOOL, "false", "", "", "-",                                                 \
      "measure the mass of every basin of attraction of V's minima (V at t = 0, steepest descent " \
      "on the grid) in each description at every row: /basins, and the times the masses pass "     \
      "1/2 and 1/e in the summary")                                                                \
    X(basins, depth, DBL, "0", "nonneg", "", "energy",                                             \
      "a basin whose lowest barrier to a deeper one is less than this above its minimum is "       \
      "merged into it (0: every local minimum of V on the grid has its basin; at most 64)")        \
    X(output, file, STR, "", "", "", "path",                                                       \
      "output HDF5 file (default: NAME.h5); {name} and {section.key} expand to values; -o wins")   \
    X(output, fields, SET, "p, F, psi, j", "p|F|psi|j", "", "-",                                   \
      "fields written in snapshots: any of p, F, psi (both descriptions' p and F) and j (the "     \
      "Madelung current)")                                                                         \
    X(output, precision, ENUM, "double", "double|single", "", "-",                                 \
      "floating-point type of snapshots")                                                          \
    X(output, size_limit, DBL, "0", "nonneg", "", "bytes",                                         \
      "refuse runs whose snapshots (uncompressed) and trajectories would exceed this (0: the "     \
      "free "                                                                                      \
      "disk space)")                                                                               \
    X(output, compress, INT, "0", "0..9", "", "-", "gzip level of snapshots (0: none)")

#define NNQ_STR_MAX 256
#define NNQ_LIST_MAX 64
#define NNQ_SET_MAX 256

typedef char nnq_cfg_str[NNQ_STR_MAX];

/* Invariant: 0 <= count <= NNQ_LIST_MAX; ILIST values are integral. */
struct nnq_list {
    int count;
    double v[NNQ_LIST_MAX];
};

#define NNQ_CTYPE_STR nnq_cfg_str
#define NNQ_CTYPE_EXPR nnq_cfg_str
#define NNQ_CTYPE_DBL double
#define NNQ_CTYPE_INT long
#define NNQ_CTYPE_BOOL int
#define NNQ_CTYPE_ENUM int
#define NNQ_CTYPE_DLIST struct nnq_list
#define NNQ_CTYPE_ILIST struct nnq_list
#define NNQ_CTYPE_SET unsigned

enum nnq_key {
#define NNQ_X_ENUM(sec, key, type, def, range, uses, unit, doc) NNQ_KEY_##sec##_##key,
    NNQ_CONFIG_KEYS(NNQ_X_ENUM)
#undef NNQ_X_ENUM
        NNQ_KEY_COUNT
};

/* Values of the ENUM keys, in the order of their options; -1 is "not given". */
enum nnq_integrator {
    NNQ_INTEGRATOR_STRANG,
    NNQ_INTEGRATOR_ORDER4,
    NNQ_INTEGRATOR_BM4,
    NNQ_INTEGRATOR_BM6
};
enum nnq_planner { NNQ_PLANNER_ESTIMATE, NNQ_PLANNER_MEASURE, NNQ_PLANNER_PATIENT };
enum nnq_potential_kind {
    NNQ_POT_FREE,
    NNQ_POT_HARMONIC,
    NNQ_POT_DOUBLE_WELL,
    NNQ_POT_LATTICE,
    NNQ_POT_EXPR, /* resolved: no preset, V given */
    NNQ_POT_FILE  /* resolved: no preset, [potential] file given (V optional) */
};
enum nnq_initial_kind {
    NNQ_INIT_GAUSSIAN,
    NNQ_INIT_SUPERPOSITION,
    NNQ_INIT_EIGENSTATE,
    NNQ_INIT_VORTEX,
    NNQ_INIT_EXPR,  /* resolved: no preset, p and F given */
    NNQ_INIT_FILE,  /* resolved: no preset, [initial] file given */
    NNQ_INIT_STATES /* resolved: no preset, [initial] state given */
};
enum nnq_limiter { NNQ_LIMITER_VANLEER, NNQ_LIMITER_MINMOD, NNQ_LIMITER_NONE, NNQ_LIMITER_MC };
enum nnq_flux { NNQ_FLUX_RUSANOV, NNQ_FLUX_HLL };
enum nnq_madelung_form_kind { NNQ_MADELUNG_FORM_MOMENTUM, NNQ_MADELUNG_FORM_POTENTIAL };
enum nnq_on_failure { NNQ_ON_FAILURE_END, NNQ_ON_FAILURE_STOP };
enum nnq_landscape_order { NNQ_ORDER_AUTO, NNQ_ORDER_TOOL, NNQ_ORDER_NATURAL };
enum nnq_precision { NNQ_PRECISION_DOUBLE, NNQ_PRECISION_SINGLE };
enum nnq_boundary { NNQ_BOUNDARY_PERIODIC, NNQ_BOUNDARY_ABSORBING };
#define NNQ_FIELD_P 1u
#define NNQ_FIELD_F 2u
#define NNQ_FIELD_PSI 4u
#define NNQ_FIELD_J 8u
#define NNQ_TRAJ_BOHM 1u /* [trajectories] kinds */
#define NNQ_TRAJ_MADELUNG 2u
#define NNQ_TRAJ_NELSON 4u
#define NNQ_TRAJ_LANGEVIN 8u
#define NNQ_TRAJ_KINDS 4

/*
 * A validated run description. Plain data: no pointers, copyable with memcpy.
 * Invariants after nnq_config_load() returns NNQ_OK:
 *   1 <= dims <= 3; n[i] >= 4 and qmax[i] > qmin[i] for i < dims; n[i] = 1 for i >= dims;
 *   hbar = network_mu * network_epsilon > 0; steps >= 1 (with t_end: run_dt = t_end / steps); every
 * per-axis list has been checked for its count; potential_kind and initial_kind are resolved (never
 * -1); every expression compiles and names only variables it may use.
 */
/* A named region of [regions]: NAME = an expression of the axes, nonzero inside. */
#define NNQ_REGIONS_MAX 16
struct nnq_region {
    char name[32];
    char expr[NNQ_STR_MAX];
    int origin; /* as nnq_config.origin: > 0 line, < 0 the -k-th --set */
};

struct nnq_config {
#define NNQ_X_FIELD(sec, key, type, def, range, uses, unit, doc) NNQ_CTYPE_##type sec##_##key;
    NNQ_CONFIG_KEYS(NNQ_X_FIELD)
#undef NNQ_X_FIELD

    /* Where each key's value came from: 0 default, > 0 line in `path`, < 0 the -k-th --set. */
    int origin[NNQ_KEY_COUNT];
    char raw[NNQ_KEY_COUNT][NNQ_STR_MAX]; /* value text as given (for the stored config) */
    char path[NNQ_STR_MAX];               /* config file, as named on the command line */
    /* [regions]: free-form, NAME = condition, in the order given (a --set of a NAME given in
     * the file replaces its condition) */
    int nregions;
    struct nnq_region region[NNQ_REGIONS_MAX];

    /* Derived by validation. */
    int dims;
    long n[3];
    double qmin[3], qmax[3];
    double hbar;
    char axis_name[3][32]; /* [grid] names, "" where none */
    long steps;
    enum nnq_potential_kind potential_kind;
    enum nnq_initial_kind initial_kind;
    int states; /* eigenstates to compute: [run] states, or more for [initial] state */
};

/*
 * Parses the INI file at `path`, applies the `nsets` overrides "section.key=value" (later
 * ones win) and validates the result into *cfg (caller-owned storage).
 * Returns NNQ_OK, NNQ_ERR_CONFIG with "path:line: [section] key: expected ..., got ..."
 * for bad input (unreadable, binary or non-UTF-8 files included), or NNQ_ERR_RUNTIME.
 * Allocates nothing that outlives the call.
 */
enum nnq_status nnq_config_load(const char *path, const char *const *sets, int nsets,
                                struct nnq_config *cfg, struct nnq_err *err);

/* Same as nnq_config_load, from INI text in memory; `name` stands for the file in messages. */
enum nnq_status nnq_config_load_string(const char *text, const char *name, const char *const *sets,
                                       int nsets, struct nnq_config *cfg, struct nnq_err *err);

/*
 * Writes the effective configuration (every key given in the file or by --set, with --set
 * values in place) as INI text into buf, NUL-terminated. Reloading that text gives the same
 * run. Returns the length it needs (excluding the NUL), like snprintf. Cannot fail.
 */
size_t nnq_config_dump(const struct nnq_config *cfg, char *buf, size_t size);

/* Expands the placeholders of pattern into out (size bytes): {name} is [run] name,
 * {section.key} the value of that key as written (or its default); blanks are dropped and
 * commas become '_' ("n = 64, 64" -> "64_64"). Used for [output] file (at load) and -o.
 * Returns NNQ_OK, or NNQ_ERR_CONFIG for an unknown placeholder, a missing '}', a key without
 * value, or a result that does not fit. */
enum nnq_status nnq_config_expand(const struct nnq_config *cfg, const char *pattern, char *out,
                                  size_t size, struct nnq_err *err);

/* Prints the key reference (section, key, type, default, unit, description) as a
 * Markdown table. Cannot fail. */
void nnq_config_print_reference(FILE *out);

/* What the reference says of key k: its texts (static) and its type and presets written out
 * ("number, > 0", "choice: a/b/c"; " (presets: a,b)" or ""). Cannot fail. */
struct nnq_key_doc {
    const char *section, *name, *def, *unit, *doc; /* def "-": none */
    char type[160], uses[160];
};
void nnq_config_key_doc(enum nnq_key k, struct nnq_key_doc *d);

/* The largest kinetic phase hbar |k_max|^2 dt / 2m of one split step (radians): the
 * split-step method is accurate below about pi. Cannot fail. */
double nnq_config_kinetic_phase(const struct nnq_config *cfg);

/* "file:line: " where key k was given ("file: " for a default or a --set), into buf (size
 * bytes), for errors found on the grid rather than in the text; returns buf. Cannot fail. */
char *nnq_config_place(const struct nnq_config *cfg, enum nnq_key k, char *buf, size_t size);

/* Copies the name of an ENUM key's value ("strang", ...) into buf ("" for -1); returns buf.
 * Cannot fail (the name is truncated to size - 1 characters). */
char *nnq_config_enum_name(enum nnq_key key, int value, char *buf, size_t size);

/* Value of a per-axis list on axis i: its only value, or its i-th. Cannot fail. */
static inline double nnq_list_axis(const struct nnq_list *l, int i) {
    return l->count == 1 ? l->v[0] : l->v[i];
}

/* Value of a per-packet, per-axis list for packet k, axis i (1, dims or packets * dims
 * values). Cannot fail. */
static inline double nnq_list_packet(const struct nnq_list *l, int k, int i, int dims) {
    return l->count == 1 ? l->v[0] : l->count == dims ? l->v[i] : l->v[k * dims + i];
}

#endif
