/*
 * madelung.c - finite-volume quantum hydrodynamics (see include/nnq/madelung.h).
 *
 * References: B. van Leer, J. Comput. Phys. 32, 101 (1979) (MUSCL); V. V. Rusanov (1961) and
 * Harten, Lax & van Leer, SIAM Rev. 25, 35 (1983) (fluxes); C.-W. Shu & S. Osher,
 * J. Comput. Phys. 77, 439 (1988) (SSP-RK3); A. Kurganov & G. Petrova, Commun. Math. Sci. 5,
 * 133 (2007) (desingularised velocity near vacuum); the quantum stress tensor as in
 * T. Takabayasi, Prog. Theor. Phys. 8, 143 (1952).
 *
 * Layout: the conserved state U holds p then j_0 .. j_{d-1}, each grid->local_size values;
 * u (velocities) and lnp are recomputed from U at every stage.
 */
#include "nnq/madelung.h"

#include <fftw3.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#define CFL 0.4
#define DISPERSIVE 0.3

/* ---- reconstruction: limited slope from the left and right differences ----------------- */

static inline double slope(enum nnq_limiter limiter, double a, double b) {
    switch (limiter) {
    case NNQ_LIMITER_VANLEER:
        return a * b > 0 ? 2 * a * b / (a + b) : 0;
    case NNQ_LIMITER_MINMOD:
        return a * b > 0 ? (fabs(a) < fabs(b) ? a : b) : 0;
    case NNQ_LIMITER_NONE:
        break;
    }
    return 0;
}

/* ---- advective fluxes of (p, j) along axis a: F = (p u_a, p u_a u_b) ------------------- */

/* Face states: density, velocity components, conserved momentum. */
struct face_state {
    double p, u[3], j[3];
};

/* c: the dispersive signal speed added to |u| (see nnq_madelung_create). */
static inline void advective_flux(enum nnq_flux kind, const struct face_state *L,
                                  const struct face_state *R, int a, int d, double c, double *F) {
    double FL[4], FR[4];
    FL[0] = L->p * L->u[a];
    FR[0] = R->p * R->u[a];
    for (int b = 0; b < d; b++) {
        FL[1 + b] = L->j[b] * L->u[a];
        FR[1 + b] = R->j[b] * R->u[a];
    }
    if (kind == NNQ_FLUX_RUSANOV) {
        double s = (fabs(L->u[a]) > fabs(R->u[a]) ? fabs(L->u[a]) : fabs(R->u[a])) + c;
        F[0] = 0.5 * (FL[0] + FR[0]) - 0.5 * s * (R->p - L->p);
        for (int b = 0; b < d; b++)
            F[1 + b] = 0.5 * (FL[1 + b] + FR[1 + b]) - 0.5 * s * (R->j[b] - L->j[b]);
        return;
    }
    /* HLL with the pressureless system's signal speeds, widened by c */
    double sl = (L->u[a] < R->u[a] ? L->u[a] : R->u[a]) - c;
    double sr = (L->u[a] > R->u[a] ? L->u[a] : R->u[a]) + c;
    if (sl >= 0) {
        for (int q = 0; q <= d; q++)
            F[q] = FL[q];
        return;
    }
    if (sr <= 0) {
        for (int q = 0; q <= d; q++)
            F[q] = FR[q];
        return;
    }
    double inv = 1.0 / (sr - sl);
    F[0] = (sr * FL[0] - sl * FR[0] + sl * sr * (R->p - L->p)) * inv;
    for (int b = 0; b < d; b++)
        F[1 + b] = (sr * FL[1 + b] - sl * FR[1 + b] + sl * sr * (R->j[b] - L->j[b])) * inv;
}

/* ---- the solver -------------------------------------------------------------------------- */

#define GHOST 2

/* One grid line with GHOST periodic ghost cells on each side (index -GHOST .. len+GHOST-1),
 * and its face fluxes (face f between cells f and f + 1). */
struct line_buf {
    double *p, *l, *u[3], *g[3], *F[4];
};

/*
 * Invariants: U, U0, R hold (1 + d) * n values; u, force, jbuf hold d * n; lnp, V, F hold n;
 * ck[0], ck[1] are complex arrays of n (FFTW-aligned), fwd/bwd in-place plans on ck[1];
 * force = -(1/m) grad V (central differences) at the time of the last rhs() or create;
 * delta = density_floor * max p and umax = max |u| over non-vacuum cells, both as of the last
 * call of velocities(). During rhs(), jbuf holds d_b ln p (the cross terms of the stress).
 */
struct nnq_madelung {
    const struct nnq_grid *g;
    const struct nnq_potential *pot;
    struct nnq_madelung_params par;
    int d, time_dependent;
    ptrdiff_t n, stride[3];
    double *U, *U0, *R, *u, *lnp, *V, *F, *jbuf, *force, *linemem;
    struct line_buf *lines; /* one per thread */
    double complex *ck[2];
    fftw_plan fwd, bwd;
    double delta, umax;
    double cq[3];  /* dispersive signal speed per axis */
    int u_current; /* u, lnp, delta, umax are those of U (not of a stage) */
    long max_sub;
};

size_t nnq_madelung_bytes_per_point(int dims) {
    /* U, U0, R: 3 (1 + d); u, jbuf, force: 3 d; lnp, V, F: 3; complex: 2 */
    return sizeof(double) * (size_t)(3 * (1 + dims) + 3 * dims + 3) + sizeof(double complex) * 2;
}

/* Index of the neighbour at offset off along axis a of the cell (idx, coordinate c). */
static inline ptrdiff_t nb(const struct nnq_madelung *m, ptrdiff_t idx, ptrdiff_t c, int a,
                           int off) {
    ptrdiff_t n = m->g->n[a], cc = c + off;
    if (cc < 0)
        cc += n;
    else if (cc >= n)
        cc -= n;
    return idx + (cc - c) * m->stride[a];
}

/* Velocities and ln p from U; sets delta and umax. */
static void velocities(struct nnq_madelung *m, const double *U) {
    const ptrdiff_t n = m->n;
    const int d = m->d;
    double pmax = 0;
#pragma omp parallel for num_threads(m->par.threads) reduction(max : pmax) schedule(static)
    for (ptrdiff_t i = 0; i < n; i++)
        pmax = U[i] > pmax ? U[i] : pmax;
    const double delta = m->par.density_floor * pmax;
    /* Velocities are trusted where p >= sqrt(floor) max p (1e-6 for the default floor): the
     * thin tails between that and the floor carry no mass that matters but feel the kink of
     * the clamped ln p, so they are held to the bulk's speed and never set the time step. */
    const double trusted = sqrt(m->par.density_floor) * pmax;
    double umax = 0;
#pragma omp parallel for num_threads(m->par.threads) reduction(max : umax) schedule(static)
    for (ptrdiff_t i = 0; i < n; i++) {
        double p = U[i], q = p > delta ? p : delta;
        double w = 2 * p / (p * p + q * q);
        for (int a = 0; a < d; a++) {
            double v = w * U[(1 + a) * n + i];
            m->u[a * n + i] = v;
            if (p >= trusted && fabs(v) > umax)
                umax = fabs(v);
        }
        m->lnp[i] = log(q > 1e-300 ? q : 1e-300);
    }
#pragma omp parallel for num_threads(m->par.threads) schedule(static)
    for (ptrdiff_t i = 0; i < n; i++)
        if (U[i] < trusted)
            for (int a = 0; a < d; a++) {
                double v = m->u[a * n + i];
                m->u[a * n + i] = v > umax ? umax : v < -umax ? -umax : v;
            }
    m->delta = delta;
    m->umax = umax;
}

/* Number of grid lines along axis a, and the first cell of line L. */
static ptrdiff_t line_count(const struct nnq_madelung *m, int a) { return m->n / m->g->n[a]; }

static ptrdiff_t line_base(const struct nnq_madelung *m, int a, ptrdiff_t L) {
    switch (a) {
    case 0:
        return L; /* lines along axis 0 start in the first plane, (i1, i2) flattened */
    case 1:
        return (L / m->g->n[2]) * m->stride[0] + L % m->g->n[2];
    default:
        return L * m->stride[1];
    }
}

/* Copies field f along the line from base (axis a) into dst[-GHOST .. len+GHOST-1]. */
static void gather(const struct nnq_madelung *m, const double *f, ptrdiff_t base, int a,
                   double *dst) {
    const ptrdiff_t len = m->g->n[a], st = m->stride[a];
    for (ptrdiff_t k = 0; k < len; k++)
        dst[k] = f[base + k * st];
    for (ptrdiff_t k = 1; k <= GHOST; k++) {
        dst[-k] = dst[len - k];
        dst[len - 1 + k] = dst[k - 1];
    }
}

/* out_a = d_a f (central) over the whole grid, by lines. */
static void central_derivative(struct nnq_madelung *m, const double *f, int a, double *out) {
    const ptrdiff_t len = m->g->n[a], st = m->stride[a], nl = line_count(m, a);
    const double h = 0.5 / m->g->dq[a];
#pragma omp parallel for num_threads(m->par.threads) schedule(static)
    for (ptrdiff_t L = 0; L < nl; L++) {
        double *buf = m->lines[omp_get_thread_num()].p;
        const ptrdiff_t base = line_base(m, a, L);
        gather(m, f, base, a, buf);
        for (ptrdiff_t k = 0; k < len; k++)
            out[base + k * st] = (buf[k + 1] - buf[k - 1]) * h;
    }
}

/* The fluxes through the faces of one line along a, and their divergence added to R. Inlined
 * into one function per (limiter, flux) pair, so that both are constants in the loop. */
static inline __attribute__((always_inline)) void
sweep_line(struct nnq_madelung *m, struct line_buf *b, const double *U, double *R, int a,
           ptrdiff_t base, enum nnq_limiter lim, enum nnq_flux flux) {
    const int d = m->d;
    const ptrdiff_t n = m->n, len = m->g->n[a], st = m->stride[a];
    const double inv_dq = 1.0 / m->g->dq[a], c = m->cq[a];
    const double stress = -m->par.hbar * m->par.hbar / (4 * m->par.mass * m->par.mass);
    gather(m, U, base, a, b->p);
    gather(m, m->lnp, base, a, b->l);
    for (int k = 0; k < d; k++) {
        gather(m, m->u + k * n, base, a, b->u[k]);
        if (k != a)
            gather(m, m->jbuf + k * n, base, a, b->g[k]);
    }
    /* limited slopes once per cell (0 .. len), into the flux rows that are not yet used */
    double *sp_ = b->F[d], *su[3];
    const double *P = b->p, *Ln = b->l;
    for (ptrdiff_t k = 0; k <= len; k++)
        sp_[k] = 0.5 * slope(lim, P[k] - P[k - 1], P[k + 1] - P[k]);
    for (int k = 0; k < d; k++) {
        su[k] = b->F[k];
        const double *V = b->u[k];
        for (ptrdiff_t i = 0; i <= len; i++)
            su[k][i] = 0.5 * slope(lim, V[i] - V[i - 1], V[i + 1] - V[i]);
    }
    double Fs[4][1] = {{0}}; /* fluxes of the previous face, written back one face late */
    for (ptrdiff_t f = 0; f < len; f++) {
        struct face_state L = {0}, Rt = {0};
        L.p = P[f] + sp_[f];
        Rt.p = P[f + 1] - sp_[f + 1];
        for (int k = 0; k < d; k++) {
            L.u[k] = b->u[k][f] + su[k][f];
            Rt.u[k] = b->u[k][f + 1] - su[k][f + 1];
            L.j[k] = L.p * L.u[k];
            Rt.j[k] = Rt.p * Rt.u[k];
        }
        double F[4];
        advective_flux(flux, &L, &Rt, a, d, c, F);
        /* quantum stress Sigma_ak at the face: p_face times d_a d_k ln p (central) */
        const double sp = stress * 0.5 * (P[f] + P[f + 1]);
        for (int k = 0; k < d; k++)
            F[1 + k] += sp *
                        (k == a ? (Ln[f + 2] - Ln[f + 1] - Ln[f] + Ln[f - 1]) * 0.5 * inv_dq
                                : b->g[k][f + 1] - b->g[k][f]) *
                        inv_dq;
        /* the slope rows are read at f and f + 1 only: row f - 1 may now take a flux */
        for (int q = 0; q <= d; q++) {
            if (f > 0)
                b->F[q][f - 1] = Fs[q][0];
            Fs[q][0] = F[q];
        }
    }
    for (int q = 0; q <= d; q++)
        b->F[q][len - 1] = Fs[q][0];
    for (int q = 0; q <= d; q++) {
        const double *F = b->F[q];
        double *Rq = R + q * n;
        double left = F[len - 1];
        for (ptrdiff_t k = 0; k < len; k++) {
            Rq[base + k * st] += (left - F[k]) * inv_dq;
            left = F[k];
        }
    }
}

/* All the lines along axis a; lines are disjoint, so threads share them out. */
typedef void (*sweep_fn)(struct nnq_madelung *m, const double *U, double *R, int a);
#define NNQ_SWEEP(lim, flux)                                                                       \
    static void sweep_##lim##_##flux(struct nnq_madelung *m, const double *U, double *R, int a) {  \
        const ptrdiff_t nl = line_count(m, a);                                                     \
        _Pragma(                                                                                   \
            "omp parallel for num_threads(m->par.threads) schedule(static)") for (ptrdiff_t L = 0; \
                                                                                  L < nl; L++)     \
            sweep_line(m, &m->lines[omp_get_thread_num()], U, R, a, line_base(m, a, L),            \
                       NNQ_LIMITER_##lim, NNQ_FLUX_##flux);                                        \
    }
NNQ_SWEEP(VANLEER, RUSANOV)
NNQ_SWEEP(VANLEER, HLL)
NNQ_SWEEP(MINMOD, RUSANOV)
NNQ_SWEEP(MINMOD, HLL)
NNQ_SWEEP(NONE, RUSANOV)
NNQ_SWEEP(NONE, HLL)

/* One row per limiter, one column per flux: a new variant is a row here. */
static const sweep_fn sweeps[3][2] = {
    [NNQ_LIMITER_VANLEER] = {sweep_VANLEER_RUSANOV, sweep_VANLEER_HLL},
    [NNQ_LIMITER_MINMOD] = {sweep_MINMOD_RUSANOV, sweep_MINMOD_HLL},
    [NNQ_LIMITER_NONE] = {sweep_NONE_RUSANOV, sweep_NONE_HLL},
};

/* force = -(1/m) grad V, from m->V. */
static void potential_force(struct nnq_madelung *m) {
    for (int a = 0; a < m->d; a++) {
        double *fa = m->force + a * m->n;
        central_derivative(m, m->V, a, fa);
        for (ptrdiff_t i = 0; i < m->n; i++)
            fa[i] *= -1.0 / m->par.mass;
    }
}

/* R = dU/dt at time t. */
static enum nnq_status rhs(struct nnq_madelung *m, const double *U, double *R, double t,
                           struct nnq_err *err) {
    const ptrdiff_t n = m->n;
    const int d = m->d;
    /* the step's CFL check has just computed them for U: the first stage reuses them */
    if (!(U == m->U && m->u_current))
        velocities(m, U);
    m->u_current = 0; /* the stages that follow change U */
    if (m->time_dependent) {
        enum nnq_status rc = nnq_potential_fill(m->pot, m->g, t, m->V, err);
        if (rc != NNQ_OK)
            return rc;
        potential_force(m);
    }
    if (d > 1)
        for (int k = 0; k < d; k++)
            central_derivative(m, m->lnp, k, m->jbuf + k * n);
    /* the potential force is the source; the sweeps add the flux divergences */
    memset(R, 0, sizeof(double) * (size_t)n);
    for (int k = 0; k < d; k++) {
        const double *fk = m->force + k * n;
        double *Rk = R + (1 + k) * n;
        for (ptrdiff_t i = 0; i < n; i++)
            Rk[i] = U[i] * fk[i];
    }
    const sweep_fn sweep = sweeps[m->par.limiter][m->par.flux];
    for (int a = 0; a < d; a++)
        sweep(m, U, R, a);
    return NNQ_OK;
}

enum nnq_status nnq_madelung_create(const struct nnq_grid *g, const struct nnq_potential *pot,
                                    const struct nnq_madelung_params *par,
                                    struct nnq_madelung **out, struct nnq_err *err) {
    *out = NULL;
    struct nnq_madelung *m = fftw_malloc(sizeof *m);
    if (!m)
        return nnq_err_set(err, NNQ_ERR_RUNTIME, "out of memory");
    memset(m, 0, sizeof *m);
    m->g = g;
    m->pot = pot;
    m->par = *par;
    m->d = g->dims;
    m->n = g->local_size;
    m->stride[2] = 1;
    m->stride[1] = g->n[2];
    m->stride[0] = g->n[1] * g->n[2];
    m->time_dependent = nnq_potential_time_dependent(pot);
    for (int a = 0; a < m->d; a++)
        m->cq[a] = par->damping * par->hbar / (par->mass * g->dq[a]);
    const size_t n = (size_t)m->n, d = (size_t)m->d;
    m->U = fftw_malloc(sizeof(double) * (1 + d) * n);
    m->U0 = fftw_malloc(sizeof(double) * (1 + d) * n);
    m->R = fftw_malloc(sizeof(double) * (1 + d) * n);
    m->u = fftw_malloc(sizeof(double) * d * n);
    m->jbuf = fftw_malloc(sizeof(double) * d * n);
    m->force = fftw_malloc(sizeof(double) * d * n);
    ptrdiff_t longest = g->n[0] > g->n[1] ? g->n[0] : g->n[1];
    longest = (longest > g->n[2] ? longest : g->n[2]) + 2 * GHOST;
    const int threads = par->threads > 0 ? par->threads : 1;
    m->linemem = fftw_malloc(sizeof(double) * (size_t)(12 * longest) * (size_t)threads);
    m->lines = calloc((size_t)threads, sizeof *m->lines);
    m->lnp = fftw_malloc(sizeof(double) * n);
    m->V = fftw_malloc(sizeof(double) * n);
    m->F = fftw_malloc(sizeof(double) * n);
    int ok = m->U && m->U0 && m->R && m->u && m->jbuf && m->force && m->linemem && m->lnp && m->V &&
             m->F;
    ok = ok && m->lines;
    for (int th = 0; ok && th < threads; th++) {
        double *lm = m->linemem + GHOST + (size_t)th * 12 * (size_t)longest;
        struct line_buf *b = &m->lines[th];
        double **slots[12] = {&b->p, &b->l};
        for (int k = 0; k < 3; k++) {
            slots[2 + k] = &b->u[k];
            slots[5 + k] = &b->g[k];
        }
        for (int k = 0; k < 4; k++)
            slots[8 + k] = &b->F[k];
        for (int k = 0; k < 12; k++)
            *slots[k] = lm + k * longest;
    }
    for (size_t k = 0; ok && k < 2; k++)
        ok = (m->ck[k] = fftw_malloc(sizeof(double complex) * n)) != NULL;
    if (!ok) {
        nnq_madelung_destroy(m);
        return nnq_err_set(err, NNQ_ERR_RUNTIME,
                           "out of memory for the Madelung fields (%zu points)", n);
    }
    enum nnq_status rc =
        nnq_grid_plan_fft(g, m->ck[1], par->threads, par->planner, &m->fwd, &m->bwd, err);
    if (rc != NNQ_OK) {
        nnq_madelung_destroy(m);
        return rc;
    }
    rc = nnq_potential_fill(pot, g, 0.0, m->V, err);
    if (rc != NNQ_OK) {
        nnq_madelung_destroy(m);
        return rc;
    }
    potential_force(m);
    *out = m;
    return NNQ_OK;
}

/* out = IFFT(i k_a fk) / N: the spectral derivative along a (Nyquist mode dropped). */
static void spectral_derivative(struct nnq_madelung *m, const double complex *fk, int a,
                                double complex *out) {
    const struct nnq_grid *g = m->g;
    const double inv_n = 1.0 / (double)g->total;
    ptrdiff_t idx = 0;
    for (ptrdiff_t i0 = 0; i0 < g->local_n0; i0++)
        for (ptrdiff_t i1 = 0; i1 < g->n[1]; i1++)
            for (ptrdiff_t i2 = 0; i2 < g->n[2]; i2++, idx++) {
                const ptrdiff_t c[3] = {g->local_0_start + i0, i1, i2};
                int nyquist = g->n[a] % 2 == 0 && c[a] == g->n[a] / 2;
                out[idx] = nyquist ? 0 : I * g->k[a][c[a]] * inv_n * fk[idx];
            }
    fftw_execute_dft(m->bwd, out, out);
}

/* j_a = (hbar/m) Im(conj(psi) d_a psi) for every axis, into dst (component-major). Uses
 * ck[0] (the transform of psi) and ck[1]. */
static void current_of(struct nnq_madelung *m, const double complex *psi, double *dst) {
    const ptrdiff_t n = m->n;
    double complex *psik = m->ck[0], *w = m->ck[1];
    memcpy(psik, psi, sizeof(double complex) * (size_t)n);
    fftw_execute_dft(m->fwd, psik, psik);
    const double f = m->par.hbar / m->par.mass;
    for (int a = 0; a < m->d; a++) {
        spectral_derivative(m, psik, a, w);
        for (ptrdiff_t i = 0; i < n; i++)
            dst[a * n + i] = f * cimag(conj(psi[i]) * w[i]);
    }
}

void nnq_madelung_init(struct nnq_madelung *m, const double complex *psi) {
    for (ptrdiff_t i = 0; i < m->n; i++)
        m->U[i] = creal(psi[i]) * creal(psi[i]) + cimag(psi[i]) * cimag(psi[i]);
    current_of(m, psi, m->U + m->n);
    velocities(m, m->U);
    m->max_sub = 0;
}

/* U = a U0 + b (U + dt R) over all conserved components. */
static void combine(struct nnq_madelung *m, double a, double b, double dt) {
    const ptrdiff_t total = (1 + m->d) * m->n;
    double *U = m->U;
    const double *U0 = m->U0, *R = m->R;
#pragma omp parallel for num_threads(m->par.threads) schedule(static)
    for (ptrdiff_t i = 0; i < total; i++)
        U[i] = a * U0[i] + b * (U[i] + dt * R[i]);
}

static enum nnq_status rk3_step(struct nnq_madelung *m, double t, double dt, struct nnq_err *err) {
    enum nnq_status rc;
    memcpy(m->U0, m->U, sizeof(double) * (size_t)((1 + m->d) * m->n));
    if ((rc = rhs(m, m->U, m->R, t, err)))
        return rc;
    combine(m, 0.0, 1.0, dt);
    if ((rc = rhs(m, m->U, m->R, t + dt, err)))
        return rc;
    combine(m, 0.75, 0.25, dt);
    if ((rc = rhs(m, m->U, m->R, t + 0.5 * dt, err)))
        return rc;
    combine(m, 1.0 / 3.0, 2.0 / 3.0, dt);
    return NNQ_OK;
}

enum nnq_status nnq_madelung_advance(struct nnq_madelung *m, long nsteps, double t0,
                                     struct nnq_err *err) {
    const struct nnq_grid *g = m->g;
    double dq = INFINITY, cq = 0;
    for (int a = 0; a < m->d; a++) {
        dq = fmin(dq, g->dq[a]);
        cq = fmax(cq, m->cq[a]);
    }
    const double dt = m->par.dt;
    const double disp = DISPERSIVE * m->par.mass * dq * dq / m->par.hbar;
    for (long s = 0; s < nsteps; s++) {
        velocities(m, m->U);
        m->u_current = 1;
        double lim = fmin(disp, CFL * dq / (m->umax + cq));
        double nsub = ceil(dt / lim * (1 - 1e-12));
        if (!(nsub >= 1) || nsub > 1e6 || !isfinite(m->umax))
            return nnq_err_set(err, NNQ_ERR_NUMERIC,
                               "Madelung solver: velocity %g at t = %g needs %g sub-steps per "
                               "step (the state is no longer finite or smooth)",
                               m->umax, t0 + (double)s * dt, nsub);
        long ns = (long)nsub;
        if (ns > m->max_sub)
            m->max_sub = ns;
        double h = dt / (double)ns;
        for (long k = 0; k < ns; k++) {
            enum nnq_status rc = rk3_step(m, t0 + (double)s * dt + (double)k * h, h, err);
            if (rc)
                return rc;
        }
    }
    return NNQ_OK;
}

long nnq_madelung_substeps(const struct nnq_madelung *m) { return m->max_sub; }

void nnq_madelung_set_substeps(struct nnq_madelung *m, long substeps) { m->max_sub = substeps; }

long nnq_madelung_take_substeps(struct nnq_madelung *m) {
    long s = m->max_sub;
    m->max_sub = 0;
    return s;
}

/* F_M from m u (velocities() must be current), by the trapezoid rule along grid lines from
 * the densest cell: first along the last axis through it, then along each earlier axis, never
 * across the periodic seam. Where m u is a gradient on the support this is its potential;
 * a Poisson solve on the FFT grid would not do: with u = 0 in vacuum, a uniformly moving
 * packet is not a gradient field at its edge, and the projection halves its velocity. */
static void free_energy(struct nnq_madelung *m) {
    const struct nnq_grid *g = m->g;
    const ptrdiff_t n = m->n;
    const int d = m->d;
    ptrdiff_t top = 0;
    for (ptrdiff_t i = 1; i < n; i++)
        if (m->U[i] > m->U[top])
            top = i;
    const ptrdiff_t anchor[3] = {top / m->stride[0], (top / m->stride[1]) % g->n[1], top % g->n[2]};
    m->F[top] = 0;
    for (int a = d - 1; a >= 0; a--) {
        const double h = 0.5 * m->par.mass * g->dq[a];
        const double *ua = m->u + a * n;
        ptrdiff_t idx = 0;
        for (ptrdiff_t i0 = 0; i0 < g->local_n0; i0++)
            for (ptrdiff_t i1 = 0; i1 < g->n[1]; i1++)
                for (ptrdiff_t i2 = 0; i2 < g->n[2]; i2++, idx++) {
                    const ptrdiff_t c[3] = {i0, i1, i2};
                    int start = c[a] == anchor[a];
                    for (int b = 0; b < a; b++)
                        start &= c[b] == anchor[b];
                    if (!start)
                        continue;
                    const ptrdiff_t st = m->stride[a];
                    for (ptrdiff_t k = c[a] + 1, q = idx + st; k < g->n[a]; k++, q += st)
                        m->F[q] = m->F[q - st] + h * (ua[q - st] + ua[q]);
                    for (ptrdiff_t k = c[a] - 1, q = idx - st; k >= 0; k--, q -= st)
                        m->F[q] = m->F[q + st] - h * (ua[q + st] + ua[q]);
                }
    }
}

/* sqrt(integral p |curl(m u)|^2 dq), central differences; 0 in 1D. */
static double curl_norm(const struct nnq_madelung *m) {
    const struct nnq_grid *g = m->g;
    if (m->d < 2)
        return 0.0;
    const ptrdiff_t n = m->n;
    double sum = 0;
    ptrdiff_t idx = 0;
    for (ptrdiff_t i0 = 0; i0 < g->local_n0; i0++)
        for (ptrdiff_t i1 = 0; i1 < g->n[1]; i1++)
            for (ptrdiff_t i2 = 0; i2 < g->n[2]; i2++, idx++) {
                const ptrdiff_t c[3] = {i0, i1, i2};
                double w2 = 0;
                /* component normal to the plane (a, b): d_a u_b - d_b u_a */
                static const int planes[3][2] = {{0, 1}, {1, 2}, {2, 0}};
                for (int k = 0; k < (m->d == 3 ? 3 : 1); k++) {
                    int a = planes[k][0], b = planes[k][1];
                    double dab = (m->u[b * n + nb(m, idx, c[a], a, 1)] -
                                  m->u[b * n + nb(m, idx, c[a], a, -1)]) /
                                 (2 * g->dq[a]);
                    double dba = (m->u[a * n + nb(m, idx, c[b], b, 1)] -
                                  m->u[a * n + nb(m, idx, c[b], b, -1)]) /
                                 (2 * g->dq[b]);
                    w2 += (dab - dba) * (dab - dba);
                }
                sum += m->U[idx] * w2;
            }
    return m->par.mass * sqrt(sum * g->dv);
}

void nnq_madelung_compare(struct nnq_madelung *m, const double complex *psi,
                          struct nnq_divergence *dv) {
    const struct nnq_grid *g = m->g;
    const ptrdiff_t n = m->n;
    const int d = m->d;
    const double hbar = m->par.hbar;
    velocities(m, m->U);
    free_energy(m);
    dv->curl = curl_norm(m);

    /* j_S into jbuf; then |j_S - j_M| per point */
    current_of(m, psi, m->jbuf);
    double dp = 0, dj = 0, mass = 0, mom[3] = {0}, ns = 0, nm = 0;
    double complex overlap = 0, phase = 0;
    for (ptrdiff_t i = 0; i < n; i++) {
        double pS = creal(psi[i]) * creal(psi[i]) + cimag(psi[i]) * cimag(psi[i]);
        double pM = m->U[i];
        dp += fabs(pS - pM);
        double s = 0;
        for (int a = 0; a < d; a++) {
            double diff = m->jbuf[a * n + i] - m->U[(1 + a) * n + i];
            s += diff * diff;
            mom[a] += m->U[(1 + a) * n + i];
        }
        dj += sqrt(s);
        mass += pM;
        ns += pS;
        nm += fmax(pM, 0);
        double complex rot = cexp(-I * m->F[i] / hbar); /* psi_M = sqrt(p_M) / rot */
        overlap += conj(psi[i]) * sqrt(fmax(pM, 0)) * conj(rot);
        phase += sqrt(pS) * psi[i] * rot; /* p_S exp(i (F_S - F_M) / hbar) */
    }
    double complex c = cabs(phase) > 0 ? phase / cabs(phase) : 1;
    double dF = 0;
    for (ptrdiff_t i = 0; i < n; i++) {
        double pS = creal(psi[i]) * creal(psi[i]) + cimag(psi[i]) * cimag(psi[i]);
        if (pS > 0)
            dF += pS * fabs(carg(psi[i] * cexp(-I * m->F[i] / hbar) * conj(c)));
    }
    const double dvol = g->dv;
    dv->div_p_l1 = dp * dvol;
    dv->div_j_l1 = dj * dvol;
    dv->div_F = dF * dvol;
    dv->infidelity = ns > 0 && nm > 0 ? 1.0 - creal(overlap * conj(overlap)) / (ns * nm) : 1.0;
    dv->mass = mass * dvol;
    for (int a = 0; a < 3; a++)
        dv->momentum[a] = a < d ? mom[a] * dvol : 0;
}

double *nnq_madelung_state(struct nnq_madelung *m) { return m->U; }

const double *nnq_madelung_p(const struct nnq_madelung *m) { return m->U; }
const double *nnq_madelung_F(const struct nnq_madelung *m) { return m->F; }
const double *nnq_madelung_j(const struct nnq_madelung *m) { return m->U + m->n; }

void nnq_madelung_destroy(struct nnq_madelung *m) {
    if (!m)
        return;
    if (m->fwd)
        fftw_destroy_plan(m->fwd);
    if (m->bwd)
        fftw_destroy_plan(m->bwd);
    fftw_free(m->U);
    fftw_free(m->U0);
    fftw_free(m->R);
    fftw_free(m->u);
    fftw_free(m->jbuf);
    fftw_free(m->force);
    fftw_free(m->linemem);
    free(m->lines);
    fftw_free(m->lnp);
    fftw_free(m->V);
    fftw_free(m->F);
    for (int k = 0; k < 2; k++)
        fftw_free(m->ck[k]);
    fftw_free(m);
}
