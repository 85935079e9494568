/*
 * madelung.h - conservative finite-volume solver of the Madelung (quantum hydrodynamic)
 * equations, on the Schrodinger solver's grid and time levels (docs/theory.md, section 5):
 *
 *     dp/dt + div j = 0
 *     dj/dt + div(j (x) j / p + Sigma) = -(p/m) grad V,
 *     Sigma = -(hbar^2 / 4m^2) p grad (x) grad ln p          (quantum stress tensor)
 *
 * p and j = p u at cell centres. Parts, as in Athena/PLUTO: MUSCL reconstruction of p and u
 * (limiters vanleer, minmod, mc, none), a Rusanov or HLL flux for the advective part, Sigma at
 * faces from central differences of ln p, the potential force as a source, SSP-RK3 in time,
 * sub-cycled when dt exceeds the solver's own limits (advective CFL 0.4 dq / max|u|,
 * dispersive 0.3 m dq^2 / hbar). The central stress cannot see the grid-scale mode
 * p ~ (-1)^i (the collocated-grid checkerboard), so the fluxes' signal speed is
 * |u| + alpha hbar / (m dq), alpha = [madelung] damping: that dissipation acts on the jumps of
 * the MUSCL states, O(dq^2) where the solution is smooth, and keeps the scheme second order
 * (tests/test_madelung.c measures it). Vacuum: below density_floor * max p, u goes smoothly to 0
 * (u = 2 p j / (p^2 + max(p, delta)^2), delta the floor) and ln p is clamped at the floor, so
 * the stress vanishes there and the empty tails never set the time step.
 * Mass and momentum change only through face fluxes, so they are conserved to round-off
 * (momentum: without a potential).
 *
 * The engine evolves p and j; F_M is their least-squares potential (nnq/free_energy.h), and
 * comparing them with the Schrodinger description is the comparison's (nnq/compare.h), which
 * reads them through the description's view.
 *
 * Plan / execute / destroy, like the Schrodinger solver: create allocates and plans, advance
 * allocates nothing.
 */
#ifndef NNQ_MADELUNG_H
#define NNQ_MADELUNG_H

#include <complex.h>
#include <math.h>

#include "nnq/config.h"
#include "nnq/err.h"
#include "nnq/grid.h"
#include "nnq/potential.h"
#include "nnq/view.h"

/* Below this density the momentum solver holds the velocity to the bulk's speed (a
 * regularisation of the tails): sqrt(density_floor) of the peak. */
static inline double nnq_madelung_trusted(double density_floor, double pmax) {
    return sqrt(density_floor) * pmax;
}

struct nnq_madelung_params {
    double hbar, mass, dt;
    enum nnq_limiter limiter;
    enum nnq_flux flux;
    double density_floor;
    double damping; /* alpha: signal speed |u| + alpha hbar / (m dq) in the fluxes */
    int classical;  /* 1: no quantum potential (stress): the classical Hamilton-Jacobi limit */
    int threads;
    enum nnq_planner planner;
    const double *absorb; /* W of an absorbing layer (local_size values, nnq/potential.h), or
                           * NULL; copied */
};

struct nnq_madelung;

/* Builds the solver on g with potential pot (both borrowed: they must outlive it).
 * Returns NNQ_OK; NNQ_ERR_CONFIG when V is not finite; NNQ_ERR_RUNTIME (memory, FFTW). */
enum nnq_status nnq_madelung_create(const struct nnq_grid *g, const struct nnq_potential *pot,
                                    const struct nnq_madelung_params *par,
                                    struct nnq_madelung **out, struct nnq_err *err);

/* Sets the state from a view: p = v->p, or |v->psi|^2 where v->p is NULL, and j = v->j (the
 * caller computes j from psi spectrally, so that an initial F with a branch cut still gives
 * the right velocity). Collective. Cannot fail. */
void nnq_madelung_init(struct nnq_madelung *m, const struct nnq_view *v);

/* Advances nsteps steps of dt from t0, each as many SSP-RK3 sub-steps as the solver's limits
 * need. Allocates nothing. Returns NNQ_OK, NNQ_ERR_NUMERIC (a velocity that is not finite,
 * a density that is NaN, infinite or below -density_floor max p, on any rank) or,
 * for a time-dependent V, NNQ_ERR_CONFIG when V turns non-finite. */
enum nnq_status nnq_madelung_advance(struct nnq_madelung *m, long nsteps, double t0,
                                     struct nnq_err *err);

/* Most sub-steps one step took since the last call (then reset to 0). Cannot fail. */
long nnq_madelung_take_substeps(struct nnq_madelung *m);

/* The same count without resetting it, and setting it (for checkpoints). Cannot fail. */
long nnq_madelung_substeps(const struct nnq_madelung *m);
void nnq_madelung_set_substeps(struct nnq_madelung *m, long substeps);

/* The state as a view: p, j and the velocity u (regularised in vacuum), valid until the next
 * call into m. Collective. Cannot fail. */
void nnq_madelung_view(struct nnq_madelung *m, struct nnq_view *v);

/* The conserved state: p then j_0 .. j_{d-1}, local_size values each; writable, for
 * checkpoints. Cannot fail. */
double *nnq_madelung_state(struct nnq_madelung *m);

/* Bytes of per-thread scratch and halo rows the solver allocates besides the per-point
 * arrays, on grid g with `threads` threads. Cannot fail. */
double nnq_madelung_scratch_bytes(const struct nnq_grid *g, int threads);

/* Bytes allocated per grid point in d dimensions. Cannot fail. */
size_t nnq_madelung_bytes_per_point(int dims);

/* Frees m; NULL is a no-op. */
void nnq_madelung_destroy(struct nnq_madelung *m);

/*
 * The forms of the Madelung description ([madelung] form), one row each in the table of the
 * Madelung stepper (src/stepper_madelung.c): `momentum`, the engine above (p and j), and
 * `potential` (src/madelung_potential.c: p and F, the paper's own variables). Each has the
 * shape and the contracts of the functions above, on its own state `self`:
 *   components   the state's arrays (p first): 1 + d (momentum), 2 (potential: p, F)
 *   init         from a view: p (or |psi|^2), and j (momentum) or F (potential) set
 *   view         p, j, u and, for the potential form, F
 *   state        the components' arrays, contiguous and writable (checkpoints)
 *   dispersive   the largest sub-step its dispersive part allows on spacings dq[0 .. dims);
 *                the rules of that limit and of the advective one, in words, for `nnq check`
 */
struct nnq_madelung_form {
    const char *name;
    const char *dispersive_rule, *advective_rule;
    double (*dispersive)(const double *dq, int dims, double mass, double hbar);
    int (*components)(int dims);
    enum nnq_status (*create)(const struct nnq_grid *g, const struct nnq_potential *pot,
                              const struct nnq_madelung_params *par, void **out,
                              struct nnq_err *err);
    void (*init)(void *self, const struct nnq_view *v);
    enum nnq_status (*advance)(void *self, long nsteps, double t0, struct nnq_err *err);
    long (*take_substeps)(void *self);
    long (*substeps)(const void *self);
    void (*set_substeps)(void *self, long substeps);
    void (*view)(void *self, struct nnq_view *v);
    double *(*state)(void *self);
    double (*scratch_bytes)(const struct nnq_grid *g, int threads);
    size_t (*bytes_per_point)(int dims);
    void (*destroy)(void *self);
};

extern const struct nnq_madelung_form nnq_madelung_momentum, nnq_madelung_potential;

/* The forms in the order of the config's options, [madelung] form: nnq_madelung_forms[kind]. */
extern const struct nnq_madelung_form *const nnq_madelung_forms[];

/* The vacuum of the form cfg names, relative to max p: [madelung] potential_floor or
 * density_floor. Cannot fail. */
double nnq_madelung_floor(const struct nnq_config *cfg);

#endif
