/*
 * schrodinger.h - split-step Fourier solver for  i hbar dpsi/dt = -(hbar^2/2m) Lap psi + V psi.
 *
 * Plan / execute / destroy, as FFTW: nnq_schrodinger_create() allocates every array and makes
 * the FFTW plans (FFTW_MEASURE overwrites the arrays, so psi is filled afterwards through
 * nnq_schrodinger_psi()); nnq_schrodinger_advance() is the hot call: it allocates nothing.
 *
 * One step of a composition scheme with kick coefficients a_0..a_s and drift coefficients
 * b_0..b_{s-1} (sum a = sum b = 1) is
 *     psi <- Kick(a_s dt) Drift(b_{s-1} dt) ... Kick(a_1 dt) Drift(b_0 dt) Kick(a_0 dt) psi,
 *     Kick(tau) = exp(-i tau V / hbar),  Drift(tau) = IFFT exp(-i tau hbar k^2 / 2m) FFT.
 * Schemes are rows of a table (schrodinger.c): strang (a = 1/2, 1/2; b = 1, order 2),
 * order4 (Yoshida's triple-jump composition of strang, order 4), bm4 and bm6 (Blanes-Moan
 * Runge-Kutta-Nystrom splittings, orders 4 and 6, 6 and 11 drifts). Within one advance() call the
 * last kick of a step and the first of the next are merged into one. Kick and drift factors
 * are computed once, unless V depends on t: then V is evaluated at each kick's time.
 * Imaginary time (t -> -i t) replaces the phases by real decays and renormalises psi after
 * every step; it relaxes to the ground state.
 */
#ifndef NNQ_SCHRODINGER_H
#define NNQ_SCHRODINGER_H

#include <complex.h>

#include "nnq/config.h"
#include "nnq/diagnostics.h"
#include "nnq/err.h"
#include "nnq/grid.h"
#include "nnq/potential.h"

struct nnq_schrodinger_params {
    double hbar, mass, dt;
    enum nnq_integrator integrator;
    int imaginary_time;
    enum nnq_planner planner;
    int threads;
    const double *absorb; /* W of an absorbing layer (local_size values, nnq/potential.h), or
                           * NULL; copied */
};

/* Observables of the current psi; expectation values are divided by the norm. */
struct nnq_observables {
    double norm;       /* integral |psi|^2 dq */
    double energy;     /* <H> = ekin + epot */
    double ekin, epot; /* kinetic part evaluated spectrally */
    double q_mean[3];  /* <q_i> */
    double q2_mean[3]; /* <q_i^2> */
};

struct nnq_schrodinger;

/* Builds the solver on grid g (borrowed: it must outlive the solver) with potential pot
 * (borrowed likewise), evaluates V at t = 0 and precomputes the phase factors.
 * Returns NNQ_OK; NNQ_ERR_CONFIG when V is not finite on the grid; NNQ_ERR_RUNTIME when memory
 * runs out or FFTW cannot plan. The content of psi is undefined until the caller fills it. */
enum nnq_status nnq_schrodinger_create(const struct nnq_grid *g, const struct nnq_potential *pot,
                                       const struct nnq_schrodinger_params *par,
                                       struct nnq_schrodinger **out, struct nnq_err *err);

/* The field (grid->local_size values, row-major), owned by the solver. Cannot fail. */
double complex *nnq_schrodinger_psi(struct nnq_schrodinger *s);

/* The grid the solver was made on. Cannot fail. */
const struct nnq_grid *nnq_schrodinger_grid(const struct nnq_schrodinger *s);

/* V at the time of the last completed step (at t = 0 after create). Cannot fail. */
const double *nnq_schrodinger_potential(const struct nnq_schrodinger *s);

/* Advances psi by nsteps steps of dt from time t0. Allocates nothing.
 * Returns NNQ_OK; with a time-dependent V, NNQ_ERR_CONFIG when V turns non-finite.
 * A time-independent V makes it a call that cannot fail. */
enum nnq_status nnq_schrodinger_advance(struct nnq_schrodinger *s, long nsteps, double t0,
                                        struct nnq_err *err);

/* Computes the observables of the current psi into *o, using the solver's work array.
 * Cannot fail. */
void nnq_schrodinger_observe(struct nnq_schrodinger *s, struct nnq_observables *o);

/* The observables (nnq_schrodinger_observe) and the information quantities of p = |psi|^2
 * (the paper's eqs. 4 and 6): the Shannon entropy -integral p ln p dq and the Fisher
 * information integral |grad p|^2 / p dq, the gradient spectral (p's exactly:
 * 2 Re(conj(psi) grad psi)), sharing psi's forward transform; uses the solver's work array.
 * Collective. Cannot fail. */
void nnq_schrodinger_diagnose(struct nnq_schrodinger *s, struct nnq_observables *o, double *entropy,
                              double *fisher);

/* Order of accuracy in dt of an integrator (2, 4 or 6). Cannot fail. */
int nnq_schrodinger_order(enum nnq_integrator integrator);

/* Bytes the solver allocates per grid point for this integrator. Cannot fail. */
size_t nnq_schrodinger_bytes_per_point(enum nnq_integrator integrator, int time_dependent);

/* Frees s; NULL is a no-op. */
void nnq_schrodinger_destroy(struct nnq_schrodinger *s);

/* Fills the Schrodinger columns of row from s's current psi: the observables, entropy and
 * Fisher information (spectral: from psi's transform, which s holds) and the edge density.
 * psi's defects are the defects observer's (src/observer_defects.c, nnq/multivalued.h).
 * Collective. Cannot fail. */
void nnq_schrodinger_columns(struct nnq_schrodinger *s, struct nnq_diag_row *row);

/* nnq_diag_clear(row, t, step), then nnq_schrodinger_columns. Collective. Cannot fail. */
void nnq_schrodinger_sample(struct nnq_schrodinger *s, double t, long step,
                            struct nnq_diag_row *row);

#endif
