/*
 * observer_trajectories.c - single networks: trajectories of the trainable variables q in the
 * descriptions the run evolves, an observer with a per-step hook (nnq/observer.h;
 * docs/theory.md, "Trajectories").
 *
 *   bohm      dq/dt = v_S = (hbar/m) Im(grad psi / psi) = j_S / p_S
 *   madelung  dq/dt = u_M, the Madelung solver's velocity j_M / p_M
 *   nelson    dq = (v_S + (hbar/2m) grad ln p_S) dt + sqrt(hbar/m) dW
 *             = (hbar/m) (Im + Re)(grad psi / psi) dt + sqrt(hbar/m) dW
 *   langevin  dq_a = -mobility_a dV/dq_a dt + sqrt(2 D_a) dW_a, the classical description's
 *             overdamped Langevin dynamics ([classical]; SGD in the continuum limit)
 *
 * Nelson's process is the paper's "drift plus diffusion" of the trainable variables made exact:
 * started from |psi(0)|^2 its density is |psi(t)|^2 at every t (E. Nelson, Phys. Rev. 150, 1079
 * (1966)); Bohm's trajectories are its noiseless limit (D. Bohm, Phys. Rev. 85, 166 (1952)).
 *
 * Off the grid, psi, grad psi and u_M are 6-point Lagrange interpolants per axis (degree 5:
 * values to O(dq^6), gradients to O(dq^5)); grad V is the potential's own where it has one (a
 * preset, an expression: nnq_potential_gradient, at the walker's place wrapped into the box and
 * at the time inside the step), evaluated for a block of walkers at once, else V's interpolant
 * too (a file, an expression of L). In time, a step of [run] dt is integrated by
 * Heun's method (the explicit trapezoid; for nelson the stochastic Heun scheme for additive
 * noise, weak order 2; langevin alike), second order, the fields at the two ends of the step
 * being the solvers' own (V's: the potential at both times); inside a step psi, u_M and V are
 * linear in time. Under an integrator of order 4 or 6 the bohm particles take the classical
 * Runge-Kutta method with psi cubic in time inside the step (the Hermite interpolant of psi and
 * d psi / dt = -(i / hbar) H psi at both ends, H made spectrally here: one transform pair a
 * step): order 4, as psi. A step whose displacement
 * exceeds a quarter cell, or whose velocity changes by more than 1/16 cell / dt along the
 * way, is halved, down to 2^-MAX_LEVEL of dt: near a node Bohmian velocities grow without
 * bound and a particle must neither jump across it nor become NaN (where psi vanishes the
 * velocity is taken as 0). The per-step hook gives this observer every step's fields.
 *
 * Ranks: positions are held alike by every rank; each particle is moved by the rank whose
 * slab holds its cell at the start of the step, reading psi (u_M) from its slab and halo rows
 * of axis 0, and the ranks then sum (the others contribute zeros, so sums are exact). Along
 * axis 0 a particle moves at most K cells per step, K = 2 + ceil(pi hbar dt / (m dq0^2)) (the
 * grid's fastest wave travels pi hbar / (m dq0)), serial runs alike, so that the halo of
 * K + 3 rows always suffices and every build moves the particles bit for bit alike. Langevin
 * walkers may move further: K is at least 2 + (8 sqrt(2 D_0 dt) + 2 mobility_0 G dt) / dq0,
 * G the largest |dV/dq0| at t = 0 (eight standard deviations of the noise, twice the drift);
 * a walker that would still go further stops the run (NNQ_ERR_NUMERIC), never silently held. Noise
 * and sampling come from a counter-based generator keyed by (seed, step, particle, sub-step, axis):
 * the same whatever the threads and ranks; a halved nelson step refines its Brownian increment by
 * the Brownian bridge.
 */
#include <assert.h>
#include <fftw3.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nnq/absorber.h"
#include "nnq/observer.h"
#include "nnq/par.h"
#include "nnq/schrodinger.h"
#include "rng.h"

#define WIDTH 6      /* stencil points per axis: nodes -2 .. 3 around the cell */
#define MAX_LEVEL 16 /* halvings of a step */
#define CHUNK 256    /* particles a thread takes at once (langevin: V's gradient for all) */

enum { BOHM, MADELUNG, NELSON, LANGEVIN, KINDS };
static const char *const kind_name[KINDS] = {"bohm", "madelung", "nelson", "langevin"};
static const enum nnq_diag_column mean_column[KINDS] = {NNQ_DIAG_bohm_q0, NNQ_DIAG_fluid_q0,
                                                        NNQ_DIAG_nelson_q0, NNQ_DIAG_langevin_q0};
/* The langevin walkers' noise keys, apart from the nelson walkers' */
#define LANGEVIN_KEY 0x4c414e4745ull

/*
 * Invariants: count > 0 particles per kind; q[k] (count * d doubles, point-major, inside the
 * box) is the same on every rank for the kinds in `kinds`, NULL for the others; psi[cur] and
 * u[cur] hold the fields at the current time (step * dt) on this rank's rows of axis 0 and
 * `halo` rows either side (rows of `plane` points; u component-major, `ext` points each),
 * psi only when bohm or nelson is followed, u only for madelung, V (the potential, `ext`
 * points) only for langevin walkers without V's own gradient (exact): V[1] == V[0] when V does
 * not depend on t (loaded once: v_loaded).
 * vslab (langevin, or bohm under hermite) holds V on this rank's rows at time vslab_t (NaN:
 * not yet filled), so that the walkers and psi's time derivative fill V once a step. Once the
 * Madelung description has ended (madelung_ended), the madelung particles are NaN and stay there.
 * held: a langevin walker went past the reach.
 */
struct traj {
    struct nnq_stepper_env env;
    const struct nnq_grid *g;
    int d, halo, reach, cur, every, madelung_ended, v_loaded, exact;
    unsigned kinds;
    long count, step, rows, substeps, held;
    ptrdiff_t plane, ext;
    double hbar_m, dt, sigma;
    double mobility[3], lsigma[3]; /* langevin: the drift's factor and sqrt(2 D) per axis */
    uint64_t seed;
    double *q[KINDS];
    double complex *psi[2];
    /* bohm under an integrator of order 4 or 6 (hermite): psi's time derivative -(i/hbar) H psi
     * at both ends of the step (dpsi, as psi), made through kbuf (the grid's alloc_size values)
     * with the plans fwd, bwd, the kinetic factors kin (k_local_size) and V (vslab) and an
     * absorbing layer's W (hw, or NULL) on this rank's slab */
    int hermite;
    double complex *dpsi[2], *kbuf;
    double *kin, *hw;
    fftw_plan fwd, bwd;
    double *u[2];
    double *V[2], *vslab, vslab_t;
    double *sums; /* d values: the means of a kind */
    long *order;  /* the particles by their cell on axis 0 (reads psi row by row) */
    long *bucket; /* n0 + 1 counters for that sort */
};

/* Asserts x's invariants that cost O(1) (on in debug and sanitizer builds). */
static void traj_check(const struct traj *x) {
    (void)x; /* NDEBUG: no asserts */
    assert(x && x->g && x->count > 0 && x->d == x->g->dims && x->every >= 1);
    assert(x->halo == x->reach + 3 && x->reach >= 2 && (x->cur == 0 || x->cur == 1));
    for (int k = 0; k < KINDS; k++)
        assert(!x->q[k] == !(x->kinds & (1u << k)));
    assert(!x->exact || (x->kinds & NNQ_TRAJ_LANGEVIN));
    assert(!x->V[0] == !((x->kinds & NNQ_TRAJ_LANGEVIN) && !x->exact) && !x->V[1] == !x->V[0]);
    assert(!x->v_loaded || x->V[0] == x->V[1]);
    assert(!x->u[0] == !(x->kinds & NNQ_TRAJ_MADELUNG));
    assert(!x->psi[0] == !(x->kinds & (NNQ_TRAJ_BOHM | NNQ_TRAJ_NELSON)));
    assert(!x->hermite || (x->psi[0] && x->dpsi[0] && x->dpsi[1] && x->kbuf && x->kin && x->vslab));
    assert(!x->V[0] || x->vslab);
}

/* One axis of a stencil: the buffer indices (axis 0: rows, with the halo) and the weights of
 * the value and of the derivative. Unused axes have width 1, weight 1. */
struct axis {
    int width;
    ptrdiff_t idx[WIDTH];
    double w[WIDTH], dw[WIDTH];
};

static void wrap(const struct nnq_grid *g, int d, double *q);

/* ---- counter-based random numbers (rng.h) ------------------------------------------------ */

static uint64_t key(uint64_t seed, uint64_t a, uint64_t b, uint64_t c, uint64_t e) {
    return nnq_rng_mix(nnq_rng_mix(nnq_rng_mix(nnq_rng_mix(nnq_rng_mix(seed) ^ a) ^ b) ^ c) ^ e);
}

/* A standard normal number (Box-Muller) from two keys. */
static double normal(uint64_t h1, uint64_t h2) {
    return sqrt(-2.0 * log(nnq_rng_uniform(h1))) * cos(2.0 * M_PI * nnq_rng_uniform(h2));
}

/* The standard normal number of particle p of `kind`, sub-step `node` of the step, axis a. */
static double noise(const struct traj *x, int kind, long p, uint64_t node, int a) {
    const uint64_t seed = kind == LANGEVIN ? x->seed ^ LANGEVIN_KEY : x->seed;
    return normal(key(seed, (uint64_t)x->step, (uint64_t)p, node, (uint64_t)(2 * a)),
                  key(seed, (uint64_t)x->step, (uint64_t)p, node, (uint64_t)(2 * a + 1)));
}

/* The noise's amplitude of `kind` on axis a (0: none). */
static double sigma_of(const struct traj *x, int kind, int a) {
    return kind == NELSON ? x->sigma : kind == LANGEVIN ? x->lsigma[a] : 0.0;
}

/* ---- interpolation --------------------------------------------------------------------- */

/* Weights of the Lagrange interpolant through the nodes -2 .. 3 at s in [0, 1), and of its
 * derivative. */
static void lagrange(double s, double *w, double *dw) {
    static const double inv_den[WIDTH] = {-1.0 / 120, 1.0 / 24,  -1.0 / 12,
                                          1.0 / 12,   -1.0 / 24, 1.0 / 120};
    double prod[WIDTH], deriv[WIDTH]; /* prod_{m != k} (s - node_m) and its derivative in s */
    for (int k = 0; k < WIDTH; k++)
        prod[k] = 1.0, deriv[k] = 0.0;
    /* m outside, k inside: six independent chains the processor runs side by side */
    for (int m = 0; m < WIDTH; m++) {
        const double e = s - (double)(m - 2);
        for (int k = 0; k < WIDTH; k++) {
            const double f = k == m ? 1.0 : e, add = k == m ? 0.0 : prod[k];
            deriv[k] = deriv[k] * f + add;
            prod[k] *= f;
        }
    }
    for (int k = 0; k < WIDTH; k++) {
        w[k] = prod[k] * inv_den[k];
        dw[k] = deriv[k] * inv_den[k];
    }
}

/* The stencil around q; c0: the particle's cell on axis 0 at the start of the step, which
 * bounds where axis 0 is read (x->reach cells either side). */
static void stencil(const struct traj *x, const double *q, ptrdiff_t c0, struct axis ax[3]) {
    const struct nnq_grid *g = x->g;
    for (int a = 0; a < 3; a++) {
        struct axis *s = &ax[a];
        if (a >= x->d) {
            s->width = 1;
            s->idx[0] = 0;
            s->w[0] = 1.0;
            s->dw[0] = 0.0;
            continue;
        }
        double pos = (q[a] - g->qmin[a]) / g->dq[a];
        pos = isfinite(pos) ? pos : 0.0;
        if (a == 0) {
            const double lo = (double)(c0 - x->reach), hi = (double)(c0 + x->reach + 1);
            pos = pos < lo ? lo : pos >= hi ? nextafter(hi, lo) : pos;
        } else {
            /* a predicted position may lie boxes away (near a vortex core u ~ hbar / m r):
             * into [0, n) first, so that one wrap of the stencil's indices suffices */
            const double n = (double)g->n[a];
            pos = fmod(pos, n);
            pos = pos < 0 ? (pos + n < n ? pos + n : 0.0) : pos;
        }
        const double base = floor(pos);
        const ptrdiff_t i = (ptrdiff_t)base;
        s->width = WIDTH;
        lagrange(pos - base, s->w, s->dw);
        for (int o = 0; o < WIDTH; o++) {
            s->dw[o] /= g->dq[a];
            const ptrdiff_t j = i - 2 + o;
            s->idx[o] = a == 0         ? j - g->local_0_start + x->halo
                        : j < 0        ? j + g->n[a]
                        : j >= g->n[a] ? j - g->n[a]
                                       : j;
        }
    }
}

/* psi and its gradient at the stencil: out[0] = psi, out[1 + a] = d psi / d q_a. */
static void interpolate_psi(const struct traj *x, const double complex *f, const struct axis *ax,
                            double complex *out) {
    const ptrdiff_t n1 = x->g->n[1], n2 = x->g->n[2];
    double complex v = 0, g0 = 0, g1 = 0, g2 = 0;
    for (int i = 0; i < ax[0].width; i++)
        for (int j = 0; j < ax[1].width; j++) {
            const double complex *row = f + (ax[0].idx[i] * n1 + ax[1].idx[j]) * n2;
            const double w01 = ax[0].w[i] * ax[1].w[j], d0 = ax[0].dw[i] * ax[1].w[j],
                         d1 = ax[0].w[i] * ax[1].dw[j];
            double complex s = 0, s2 = 0;
            for (int k = 0; k < ax[2].width; k++) {
                const double complex z = row[ax[2].idx[k]];
                s += ax[2].w[k] * z;
                s2 += ax[2].dw[k] * z;
            }
            v += w01 * s;
            g0 += d0 * s;
            g1 += d1 * s;
            g2 += w01 * s2;
        }
    out[0] = v;
    out[1] = g0;
    out[2] = g1;
    out[3] = g2;
}

/* u_M at the stencil, d components. */
static void interpolate_u(const struct traj *x, const double *f, const struct axis *ax,
                          double *out) {
    const ptrdiff_t n1 = x->g->n[1], n2 = x->g->n[2];
    for (int a = 0; a < x->d; a++) {
        const double *c = f + a * x->ext;
        double v = 0;
        for (int i = 0; i < ax[0].width; i++)
            for (int j = 0; j < ax[1].width; j++) {
                const double *row = c + (ax[0].idx[i] * n1 + ax[1].idx[j]) * n2;
                double s = 0;
                for (int k = 0; k < ax[2].width; k++)
                    s += ax[2].w[k] * row[ax[2].idx[k]];
                v += ax[0].w[i] * ax[1].w[j] * s;
            }
        out[a] = v;
    }
}

/* grad f at the stencil, d components (f: one field of `ext` points). */
static void interpolate_grad(const struct traj *x, const double *f, const struct axis *ax,
                             double *out) {
    const ptrdiff_t n1 = x->g->n[1], n2 = x->g->n[2];
    double g0 = 0, g1 = 0, g2 = 0;
    for (int i = 0; i < ax[0].width; i++)
        for (int j = 0; j < ax[1].width; j++) {
            const double *row = f + (ax[0].idx[i] * n1 + ax[1].idx[j]) * n2;
            double sv = 0, sd = 0;
            for (int k = 0; k < ax[2].width; k++) {
                sv += ax[2].w[k] * row[ax[2].idx[k]];
                sd += ax[2].dw[k] * row[ax[2].idx[k]];
            }
            g0 += ax[0].dw[i] * ax[1].w[j] * sv;
            g1 += ax[0].w[i] * ax[1].dw[j] * sv;
            g2 += ax[0].w[i] * ax[1].w[j] * sd;
        }
    out[0] = g0;
    out[1] = g1;
    out[2] = g2;
}

/* The langevin walkers' drift -mobility grad V at the n points q (point-major), at the fraction
 * s of the step, into v, from V's own gradient at the points wrapped into the box (at, grad:
 * n * d doubles of scratch). A point's drift does not depend on the others. */
static void drift_at(const struct traj *x, const double *q, double s, ptrdiff_t n, double *at,
                     double *grad, double *v) {
    const int d = x->d;
    memcpy(at, q, sizeof(double) * (size_t)(n * d));
    for (ptrdiff_t j = 0; j < n; j++)
        wrap(x->g, d, at + j * d);
    nnq_potential_gradient(x->env.pot, ((double)x->step + s) * x->dt, at, n, grad);
    for (ptrdiff_t j = 0; j < n * d; j++)
        v[j] = -x->mobility[j % d] * grad[j];
}

/* The velocity (nelson, langevin: the drift) of `kind` at q, at the fraction s of the step (0:
 * the current fields, 1: the next ones, linear between; bohm with x->hermite: psi cubic
 * between, from its time derivative at both ends). */
static void velocity(const struct traj *x, int kind, const double *q, ptrdiff_t c0, double s,
                     double *v) {
    if (kind == LANGEVIN && x->exact) {
        double at[3], grad[3];
        drift_at(x, q, s, 1, at, grad, v);
        return;
    }
    struct axis ax[3];
    stencil(x, q, c0, ax);
    const int now = x->cur, next = 1 - x->cur;
    if (kind == LANGEVIN) {
        double a[3] = {0}, b[3] = {0};
        if (s < 1.0)
            interpolate_grad(x, x->V[now], ax, a);
        if (s > 0.0)
            interpolate_grad(x, x->V[next], ax, b);
        for (int k = 0; k < x->d; k++)
            v[k] = -x->mobility[k] * ((1.0 - s) * a[k] + s * b[k]);
        return;
    }
    if (kind == MADELUNG) {
        double a[3] = {0}, b[3] = {0};
        if (s < 1.0)
            interpolate_u(x, x->u[now], ax, a);
        if (s > 0.0)
            interpolate_u(x, x->u[next], ax, b);
        for (int k = 0; k < x->d; k++)
            v[k] = (1.0 - s) * a[k] + s * b[k];
        return;
    }
    double complex a[4] = {0}, b[4] = {0}, z[4];
    if (s < 1.0)
        interpolate_psi(x, x->psi[now], ax, a);
    if (s > 0.0)
        interpolate_psi(x, x->psi[next], ax, b);
    if (kind == BOHM && x->hermite && s > 0.0 && s < 1.0) {
        /* the cubic Hermite interpolant in time: psi to O(dt^4) inside the step */
        double complex ta[4], tb[4];
        interpolate_psi(x, x->dpsi[now], ax, ta);
        interpolate_psi(x, x->dpsi[next], ax, tb);
        const double s2 = s * s, s3 = s2 * s;
        const double h00 = 2 * s3 - 3 * s2 + 1, h10 = (s3 - 2 * s2 + s) * x->dt,
                     h01 = 3 * s2 - 2 * s3, h11 = (s3 - s2) * x->dt;
        for (int k = 0; k < 4; k++)
            z[k] = h00 * a[k] + h10 * ta[k] + h01 * b[k] + h11 * tb[k];
    } else
        for (int k = 0; k < 4; k++)
            z[k] = (1.0 - s) * a[k] + s * b[k];
    const double den = creal(z[0]) * creal(z[0]) + cimag(z[0]) * cimag(z[0]);
    for (int k = 0; k < x->d; k++) {
        const double complex c = conj(z[0]) * z[1 + k];
        double vk = x->hbar_m * (cimag(c) + (kind == NELSON ? creal(c) : 0.0)) / den;
        v[k] = den > 1e-300 && isfinite(vk) ? vk : 0.0;
    }
}

/* A bohm particle over the fraction [s0, s0 + ds] of the step by the classical Runge-Kutta
 * method (order 4; psi cubic in time inside the step), halved as substep() halves. Returns the
 * sub-steps. */
static long substep_rk4(const struct traj *x, double *q, ptrdiff_t c0, double s0, double ds,
                        int level) {
    const int d = x->d;
    const double tau = ds * x->dt;
    double k1[3], k2[3], k3[3], k4[3], qs[3] = {0, 0, 0};
    velocity(x, BOHM, q, c0, s0, k1);
    for (int a = 0; a < d; a++)
        qs[a] = q[a] + 0.5 * tau * k1[a];
    velocity(x, BOHM, qs, c0, s0 + 0.5 * ds, k2);
    for (int a = 0; a < d; a++)
        qs[a] = q[a] + 0.5 * tau * k2[a];
    velocity(x, BOHM, qs, c0, s0 + 0.5 * ds, k3);
    for (int a = 0; a < d; a++)
        qs[a] = q[a] + tau * k3[a];
    velocity(x, BOHM, qs, c0, s0 + ds, k4);
    double move = 0, turn = 0;
    for (int a = 0; a < d; a++) {
        move = fmax(move, fabs(tau * k1[a]) / x->g->dq[a]);
        turn = fmax(turn, fabs(tau * (k4[a] - k1[a])) / x->g->dq[a]);
    }
    if (level < MAX_LEVEL && (move > 0.25 || turn > 0.0625))
        return substep_rk4(x, q, c0, s0, ds / 2, level + 1) +
               substep_rk4(x, q, c0, s0 + ds / 2, ds / 2, level + 1);
    for (int a = 0; a < d; a++)
        q[a] += tau / 6.0 * (k1[a] + 2.0 * k2[a] + 2.0 * k3[a] + k4[a]);
    return 1;
}

/* Moves q over the fraction [s0, s0 + ds] of the step; dw: the noise over it (zeros for
 * bohm and madelung); node: this sub-step's number in the binary tree of halvings (1: the whole
 * step); pre: the two velocities of the step's stages as velocity() gives them, when they were
 * made beforehand for a block of walkers (NULL: here). A halving splits dw by the Brownian
 * bridge, so that a refined step follows the same Brownian path (rejecting a step for its
 * noise and drawing new noise would thin the noise's tails). Returns the sub-steps. */
static long substep(const struct traj *x, int kind, long p, double *q, ptrdiff_t c0, double s0,
                    double ds, const double *dw, int level, uint64_t node, const double *pre) {
    const int d = x->d;
    const double tau = ds * x->dt;
    double v0[3], v1[3], qs[3] = {0, 0, 0};
    if (kind == BOHM && x->hermite)
        return substep_rk4(x, q, c0, s0, ds, level);
    if (pre) {
        memcpy(v0, pre, sizeof(double) * (size_t)d);
        memcpy(v1, pre + d, sizeof(double) * (size_t)d);
    } else {
        velocity(x, kind, q, c0, s0, v0);
        for (int a = 0; a < d; a++)
            qs[a] = q[a] + tau * v0[a] + dw[a];
        velocity(x, kind, qs, c0, s0 + ds, v1);
    }
    double move = 0, turn = 0;
    for (int a = 0; a < d; a++) {
        move = fmax(move, fabs(tau * v0[a]) / x->g->dq[a]);
        turn = fmax(turn, fabs(tau * (v1[a] - v0[a])) / x->g->dq[a]);
    }
    if (level < MAX_LEVEL && (move > 0.25 || turn > 0.0625)) {
        double first[3] = {0, 0, 0}, second[3] = {0, 0, 0};
        for (int a = 0; a < d && (kind == NELSON || kind == LANGEVIN); a++) {
            first[a] =
                0.5 * dw[a] + 0.5 * sigma_of(x, kind, a) * sqrt(tau) * noise(x, kind, p, node, a);
            second[a] = dw[a] - first[a];
        }
        return substep(x, kind, p, q, c0, s0, ds / 2, first, level + 1, 2 * node, NULL) +
               substep(x, kind, p, q, c0, s0 + ds / 2, ds / 2, second, level + 1, 2 * node + 1,
                       NULL);
    }
    for (int a = 0; a < d; a++)
        q[a] += 0.5 * tau * (v0[a] + v1[a]) + dw[a];
    return 1;
}

/* The noise of particle p of `kind` over the whole step into dw (zeros for bohm, madelung). */
static void increment(const struct traj *x, int kind, long p, double *dw) {
    for (int a = 0; a < x->d; a++)
        dw[a] = kind == NELSON || kind == LANGEVIN
                    ? sigma_of(x, kind, a) * sqrt(x->dt) * noise(x, kind, p, 0, a)
                    : 0.0;
}

/* Moves particle p of `kind` over the step; pre: its noise and stages made beforehand
 * (stages()), or NULL. Returns the sub-steps it took. */
static long move(const struct traj *x, int kind, long p, double *q, ptrdiff_t c0,
                 const double *pre) {
    double dw[3] = {0, 0, 0};
    if (pre)
        memcpy(dw, pre + 2 * x->d, sizeof(double) * (size_t)x->d);
    else
        increment(x, kind, p, dw);
    return substep(x, kind, p, q, c0, 0.0, 1.0, dw, 0, 1, pre);
}

/* For the langevin walkers mine[0 .. n) with V's own gradient: the velocities of both stages
 * of the whole step and the noise, 3 d values a walker in pre, for a block of walkers at once
 * (what substep() and move() would make one by one, bit for bit). */
static void stages(const struct traj *x, const double *Q, const long *mine, int n, double *pre) {
    const int d = x->d;
    double q[CHUNK * 3], qs[CHUNK * 3], v[CHUNK * 3], at[CHUNK * 3], grad[CHUNK * 3];
    for (int j = 0; j < n; j++)
        memcpy(q + j * d, Q + mine[j] * d, sizeof(double) * (size_t)d);
    drift_at(x, q, 0.0, n, at, grad, v);
    const double tau = 1.0 * x->dt;
    for (int j = 0; j < n; j++) {
        double *pj = pre + j * 3 * d;
        increment(x, LANGEVIN, mine[j], pj + 2 * d);
        for (int a = 0; a < d; a++) {
            pj[a] = v[j * d + a];
            qs[j * d + a] = q[j * d + a] + tau * pj[a] + pj[2 * d + a];
        }
    }
    drift_at(x, qs, 1.0, n, at, grad, v);
    for (int j = 0; j < n; j++)
        memcpy(pre + j * 3 * d + d, v + j * d, sizeof(double) * (size_t)d);
}

/* q into the box [qmin, qmax) (periodic). */
static void wrap(const struct nnq_grid *g, int d, double *q) {
    for (int a = 0; a < d; a++) {
        const double len = g->qmax[a] - g->qmin[a];
        double r = fmod(q[a] - g->qmin[a], len);
        r = r < 0 ? r + len : r;
        q[a] = r >= len ? g->qmin[a] : g->qmin[a] + r;
    }
}

/* The cell of q on axis 0. */
static ptrdiff_t cell0(const struct nnq_grid *g, const double *q) {
    ptrdiff_t c = (ptrdiff_t)floor((q[0] - g->qmin[0]) / g->dq[0]);
    return c < 0 ? 0 : c >= g->n[0] ? g->n[0] - 1 : c;
}

/* x->order: the particles of Q by their cell on axis 0 (a counting sort). The order only
 * decides which particle a thread moves when: each moves alone, so results do not depend on
 * it; nearby particles read the same rows of psi from the caches. */
static void sort_by_row(struct traj *x, const double *Q) {
    const ptrdiff_t n0 = x->g->n[0];
    memset(x->bucket, 0, sizeof(long) * ((size_t)n0 + 1));
    for (long p = 0; p < x->count; p++)
        x->bucket[cell0(x->g, Q + p * x->d) + 1]++;
    for (ptrdiff_t i = 0; i < n0; i++)
        x->bucket[i + 1] += x->bucket[i];
    for (long p = 0; p < x->count; p++)
        x->order[x->bucket[cell0(x->g, Q + p * x->d)]++] = p;
}

/* ---- fields ------------------------------------------------------------------------------ */

/* This rank's rows of f (row_bytes each) and `halo` rows either side into buf. Collective. */
static void fill(const struct traj *x, void *buf, const void *f, size_t row_bytes) {
    char *b = buf;
    const ptrdiff_t rows = x->g->local_n0;
    if (rows > 0)
        memcpy(b + (size_t)x->halo * row_bytes, f, (size_t)rows * row_bytes);
    nnq_par_halo(f, row_bytes, x->g->counts, x->halo, b + (size_t)(x->halo + rows) * row_bytes, b);
}

/* vslab = V at time t, unless it holds it already (V static: once). NNQ_OK, or V's error (not
 * finite). Collective. */
static enum nnq_status v_at(struct traj *x, double t, struct nnq_err *err) {
    if (x->vslab_t == t || (!isnan(x->vslab_t) && !nnq_potential_time_dependent(x->env.pot)))
        return NNQ_OK;
    const enum nnq_status rc =
        nnq_par_agree(nnq_potential_fill(x->env.pot, x->g, t, x->vslab, err), err);
    x->vslab_t = rc == NNQ_OK ? t : NAN;
    return rc;
}

/* dpsi[which] = -(i/hbar) (T + V - i W) psi of the slab psi (at the time of `which`), with
 * its halo. NNQ_OK, or V's error (not finite). Collective. */
static enum nnq_status time_derivative(struct traj *x, int which, const double complex *psi,
                                       struct nnq_err *err) {
    const struct nnq_grid *g = x->g;
    const ptrdiff_t n = g->local_size;
    const double hbar = x->env.cfg->hbar;
    const enum nnq_status rc = v_at(x, (double)(x->step + (which != x->cur)) * x->dt, err);
    if (rc != NNQ_OK)
        return rc;
    if (n > 0)
        memcpy(x->kbuf, psi, sizeof(double complex) * (size_t)n);
    nnq_grid_execute(g, x->fwd, x->kbuf);
    for (ptrdiff_t i = 0; i < g->k_local_size; i++)
        x->kbuf[i] *= x->kin[i];
    nnq_grid_execute(g, x->bwd, x->kbuf);
    for (ptrdiff_t i = 0; i < n; i++) {
        const double complex h = x->kbuf[i] + (x->vslab[i] - I * (x->hw ? x->hw[i] : 0.0)) * psi[i];
        x->kbuf[i] = -I * h / hbar;
    }
    fill(x, x->dpsi[which], x->kbuf, (size_t)x->plane * sizeof(double complex));
    return NNQ_OK;
}

/* The fields of the current state (which == cur) or of the next (the steppers have made the
 * step) into the buffers `which`. NNQ_OK, or V's error (not finite). Collective. */
static enum nnq_status load(struct traj *x, int which, struct nnq_err *err) {
    struct nnq_view v;
    const size_t plane = (size_t)x->plane;
    if (x->V[which] && !x->v_loaded) {
        const enum nnq_status rc = v_at(x, (double)(x->step + (which != x->cur)) * x->dt, err);
        if (rc != NNQ_OK)
            return rc;
        fill(x, x->V[which], x->vslab, plane * sizeof(double));
        x->v_loaded = x->V[0] == x->V[1];
    }
    if (x->psi[which] && nnq_stepper_view(&x->env, "schrodinger", &v)) {
        fill(x, x->psi[which], v.psi, plane * sizeof(double complex));
        if (x->hermite) {
            const enum nnq_status rc = time_derivative(x, which, v.psi, err);
            if (rc != NNQ_OK)
                return rc;
        }
    }
    if (x->u[which] && !x->madelung_ended && nnq_stepper_view(&x->env, "madelung", &v)) {
        if (v.ended) { /* the fluid's flow no longer exists: nothing to follow */
            x->madelung_ended = 1;
            for (long i = 0; i < x->count * x->d; i++)
                x->q[MADELUNG][i] = NAN;
        } else
            for (int a = 0; a < x->d; a++)
                fill(x, x->u[which] + a * x->ext, v.u + a * x->g->local_size,
                     plane * sizeof(double));
    }
    return NNQ_OK;
}

/* count starting points sampled from p = |psi|^2 of ref (a cell by its mass, a point uniform
 * in it) into q. Rows of axis 0 are summed on the rank that holds them, in one order, so every
 * build picks the same cells. Collective. */
static enum nnq_status sample_start(struct traj *x, const struct nnq_view *ref, double *q,
                                    struct nnq_err *err) {
    const struct nnq_grid *g = x->g;
    const ptrdiff_t n0 = g->n[0], plane = x->plane;
    double *cum = calloc((size_t)n0 + 1, sizeof *cum);
    /* agreed before the sum, which a rank without it would not reach */
    const enum nnq_status held =
        nnq_par_agree(cum ? NNQ_OK : nnq_err_set(err, NNQ_ERR_RUNTIME, "out of memory"), err);
    if (held != NNQ_OK) {
        free(cum);
        return held;
    }
    for (ptrdiff_t i = 0; i < g->local_n0; i++) {
        double s = 0;
        for (ptrdiff_t k = i * plane; k < (i + 1) * plane; k++)
            s += ref->p ? ref->p[k] : creal(ref->psi[k] * conj(ref->psi[k]));
        cum[g->local_0_start + i + 1] = s;
    }
    nnq_par_sum(cum + 1, (int)n0);
    for (ptrdiff_t i = 0; i < n0; i++)
        cum[i + 1] += cum[i];
    const double total = cum[n0];
    const uint64_t tag = 0x5a4d504c45ull; /* the sampling's keys, apart from the steps' */
    for (long p = 0; p < x->count; p++) {
        double *qp = q + p * x->d;
        for (int a = 0; a < x->d; a++)
            qp[a] = 0.0;
        const double target = nnq_rng_uniform(key(x->seed, tag, (uint64_t)p, 0, 0)) * total;
        ptrdiff_t lo = 0, hi = n0 - 1; /* the first row whose running sum passes target */
        while (lo < hi) {
            const ptrdiff_t mid = (lo + hi) / 2;
            if (cum[mid + 1] > target)
                hi = mid;
            else
                lo = mid + 1;
        }
        const ptrdiff_t r = lo - g->local_0_start;
        if (r < 0 || r >= g->local_n0)
            continue;
        double acc = cum[lo];
        ptrdiff_t cell = r * plane, last = cell;
        for (ptrdiff_t k = r * plane; k < (r + 1) * plane; k++) {
            const double pk = ref->p ? ref->p[k] : creal(ref->psi[k] * conj(ref->psi[k]));
            if (pk > 0)
                last = k;
            acc += pk;
            if (acc > target) {
                cell = k;
                break;
            }
            cell = last;
        }
        ptrdiff_t j[3];
        nnq_grid_index(g, cell, j);
        for (int a = 0; a < x->d; a++)
            qp[a] =
                g->qmin[a] +
                ((double)j[a] + nnq_rng_uniform(key(x->seed, tag, (uint64_t)p, 1, (uint64_t)a))) *
                    g->dq[a] -
                0.5 * g->dq[a];
        wrap(g, x->d, qp);
    }
    free(cum);
    nnq_par_sum(q, (int)(x->count * x->d));
    return NNQ_OK;
}

/* ---- the observer ------------------------------------------------------------------------ */

static int wanted(const struct nnq_config *cfg) { return cfg->trajectories_count > 0; }

static void destroy(void *self) {
    struct traj *x = self;
    if (!x)
        return;
    for (int k = 0; k < KINDS; k++)
        free(x->q[k]);
    for (int b = 0; b < 2; b++) {
        free(x->psi[b]);
        free(x->dpsi[b]);
        free(x->u[b]);
    }
    if (x->fwd)
        fftw_destroy_plan(x->fwd);
    if (x->bwd)
        fftw_destroy_plan(x->bwd);
    fftw_free(x->kbuf);
    free(x->kin);
    free(x->hw);
    if (x->V[1] != x->V[0])
        free(x->V[1]);
    free(x->V[0]);
    free(x->vslab);
    free(x->sums);
    free(x->order);
    free(x->bucket);
    free(x);
}

/* Cells per step along axis 0 a particle may move; langevin walkers: with a drift of at most
 * `drift` (mobility_0 |dV/dq0|). */
static int reach_of(const struct nnq_config *cfg, double drift) {
    const double dq0 = (cfg->qmax[0] - cfg->qmin[0]) / (double)cfg->n[0];
    double cells = ceil(M_PI * cfg->hbar * cfg->run_dt / (cfg->particle_mass * dq0 * dq0));
    if (cfg->trajectories_kinds & NNQ_TRAJ_LANGEVIN) {
        const double noise = sqrt(2.0 * nnq_list_axis(&cfg->classical_diffusion, 0) * cfg->run_dt);
        cells = fmax(cells, ceil((8.0 * noise + 2.0 * drift * cfg->run_dt) / dq0));
    }
    return 2 + (int)fmin(cells, (double)cfg->n[0]);
}

/* The largest mobility_0 |dV/dq0| of V(t = 0) on the grid (differences of neighbouring rows,
 * the last with the next rank's first, periodic): the same on every rank and every number of
 * ranks. x->vslab holds local_size values. Collective. */
static enum nnq_status steepest(struct traj *x, double *drift, struct nnq_err *err) {
    const struct nnq_grid *g = x->g;
    const size_t row = sizeof(double) * (size_t)x->plane;
    double *next = malloc(row);
    enum nnq_status rc =
        nnq_par_agree(next ? NNQ_OK : nnq_err_set(err, NNQ_ERR_RUNTIME, "out of memory"), err);
    if (rc == NNQ_OK)
        rc = v_at(x, 0.0, err);
    double most = 0;
    if (rc == NNQ_OK) {
        nnq_par_halo(x->vslab, row, g->counts, 1, next, NULL);
        for (ptrdiff_t i = 0; i < g->local_n0; i++) {
            const double *a = x->vslab + i * x->plane;
            const double *b = i + 1 < g->local_n0 ? a + x->plane : next;
            for (ptrdiff_t k = 0; k < x->plane; k++)
                most = fmax(most, fabs(b[k] - a[k]));
        }
        most = nnq_par_max(most);
    }
    free(next);
    *drift = x->mobility[0] * most / g->dq[0];
    return rc;
}

static enum nnq_status create(const struct nnq_stepper_env *env, void **self, struct nnq_err *err) {
    *self = NULL;
    const struct nnq_config *cfg = env->cfg;
    const struct nnq_grid *g = env->g;
    struct traj *x = calloc(1, sizeof *x);
    if (!x) { /* with langevin walkers, the others' agree below */
        const enum nnq_status rc = nnq_err_set(err, NNQ_ERR_RUNTIME, "out of memory");
        return cfg->trajectories_kinds & NNQ_TRAJ_LANGEVIN ? nnq_par_agree(rc, err) : rc;
    }
    x->env = *env;
    x->g = g;
    x->d = g->dims;
    x->kinds = cfg->trajectories_kinds;
    x->count = cfg->trajectories_count;
    x->every = (int)cfg->trajectories_every;
    x->seed = (uint64_t)cfg->trajectories_seed;
    x->vslab_t = NAN;
    x->hbar_m = cfg->hbar / cfg->particle_mass;
    x->sigma = sqrt(x->hbar_m);
    x->dt = cfg->run_dt;
    x->plane = g->n[1] * g->n[2];
    for (int a = 0; a < x->d; a++) {
        x->mobility[a] = nnq_list_axis(&cfg->classical_mobility, a);
        x->lsigma[a] = sqrt(2.0 * nnq_list_axis(&cfg->classical_diffusion, a));
    }
    double drift = 0;
    if (x->kinds & NNQ_TRAJ_LANGEVIN) {
        const size_t local = g->local_size > 0 ? (size_t)g->local_size : 1;
        x->vslab = malloc(sizeof(double) * local);
        /* agreed before the collectives of steepest(), which a rank without it would not reach */
        enum nnq_status rc = nnq_par_agree(
            x->vslab ? NNQ_OK : nnq_err_set(err, NNQ_ERR_RUNTIME, "out of memory"), err);
        if (rc == NNQ_OK)
            rc = steepest(x, &drift, err);
        if (rc != NNQ_OK) {
            destroy(x);
            return rc;
        }
        x->exact = !nnq_par_any(!nnq_potential_gradient(env->pot, 0.0, NULL, 0, NULL));
    }
    x->reach = reach_of(cfg, drift);
    x->halo = x->reach + 3;
    x->ext = (g->local_n0 + 2 * x->halo) * x->plane;
    /* the halo comes from the neighbouring slabs, which must be deep enough (each rank knows
     * every slab's rows: no collective, which a rank failing above would not reach) */
    ptrdiff_t thinnest = PTRDIFF_MAX;
    for (int r = 0; r < nnq_par_size(); r++)
        if (g->counts[r] > 0 && g->counts[r] < thinnest)
            thinnest = g->counts[r];
    if (nnq_par_size() > 1 && thinnest < x->halo) {
        const int halo = x->halo, reach = x->reach;
        destroy(x);
        return nnq_err_set(err, NNQ_ERR_CONFIG,
                           "%s: [trajectories] under mpirun every rank needs at least %d rows of "
                           "axis 0 ([grid] n0 / ranks; particles may move %d cells a step at this "
                           "dt): use fewer ranks, a larger n0 or a smaller [run] dt",
                           cfg->path, halo, reach);
    }
    int bad = !(x->sums = calloc((size_t)x->d, sizeof(double))) ||
              !(x->order = malloc(sizeof(long) * (size_t)x->count)) ||
              !(x->bucket = malloc(sizeof(long) * ((size_t)g->n[0] + 1)));
    for (int k = 0; k < KINDS && !bad; k++)
        if (x->kinds & (1u << k))
            bad = !(x->q[k] = calloc((size_t)x->count * (size_t)x->d, sizeof(double)));
    for (int b = 0; b < 2 && !bad; b++) {
        if (x->kinds & (NNQ_TRAJ_BOHM | NNQ_TRAJ_NELSON))
            bad |= !(x->psi[b] = calloc((size_t)x->ext, sizeof(double complex)));
        if (x->kinds & NNQ_TRAJ_MADELUNG)
            bad |= !(x->u[b] = calloc((size_t)x->ext * (size_t)x->d, sizeof(double)));
        if ((x->kinds & NNQ_TRAJ_LANGEVIN) && !x->exact &&
            (b == 0 || nnq_potential_time_dependent(env->pot)))
            bad |= !(x->V[b] = calloc((size_t)x->ext, sizeof(double)));
    }
    if (!x->V[1])
        x->V[1] = x->V[0];
    x->hermite = (x->kinds & NNQ_TRAJ_BOHM) &&
                 nnq_schrodinger_order((enum nnq_integrator)cfg->run_integrator) >= 4;
    if (!x->hermite) {
        if (bad) {
            destroy(x);
            return nnq_err_set(err, NNQ_ERR_RUNTIME, "out of memory for %ld trajectories",
                               cfg->trajectories_count);
        }
        *self = x;
        return NNQ_OK;
    }
    const size_t local = g->local_size > 0 ? (size_t)g->local_size : 1,
                 nk = g->k_local_size > 0 ? (size_t)g->k_local_size : 1;
    for (int b = 0; b < 2 && !bad; b++)
        bad = !(x->dpsi[b] = calloc((size_t)x->ext, sizeof(double complex)));
    bad =
        bad || !(x->kbuf = fftw_malloc(sizeof(double complex) * (size_t)g->alloc_size)) ||
        !(x->kin = malloc(sizeof(double) * nk)) ||
        (!x->vslab && !(x->vslab = malloc(sizeof(double) * local))) ||
        (cfg->grid_boundary == NNQ_BOUNDARY_ABSORBING && !(x->hw = malloc(sizeof(double) * local)));
    /* agreed before planning, a collective that the other ranks would wait in */
    enum nnq_status rc =
        nnq_par_agree(bad ? nnq_err_set(err, NNQ_ERR_RUNTIME, "out of memory for %ld trajectories",
                                        cfg->trajectories_count)
                          : NNQ_OK,
                      err);
    if (rc == NNQ_OK)
        rc = nnq_par_agree(nnq_grid_plan_fft(g, x->kbuf, env->threads,
                                             (enum nnq_planner)cfg->run_planner, &x->fwd, &x->bwd,
                                             err),
                           err);
    if (rc != NNQ_OK) {
        destroy(x);
        return rc;
    }
    /* hbar^2 k^2 / 2m, and the 1/N of the transform pair */
    nnq_grid_fill_k2(g, cfg->hbar * cfg->hbar / (2.0 * cfg->particle_mass) / (double)g->total,
                     x->kin);
    if (x->hw && !nnq_absorber_fill(cfg, g, x->hw)) {
        free(x->hw);
        x->hw = NULL;
    }
    *self = x;
    return NNQ_OK;
}

static enum nnq_status start(void *self, const struct nnq_view *ref, struct nnq_err *err) {
    struct traj *x = self;
    const struct nnq_config *cfg = x->env.cfg;
    double *q0 = NULL;
    for (int k = 0; k < KINDS && !q0; k++)
        q0 = x->q[k];
    if (cfg->trajectories_at.count > 0)
        memcpy(q0, cfg->trajectories_at.v, sizeof(double) * (size_t)(x->count * x->d));
    else {
        enum nnq_status rc = sample_start(x, ref, q0, err);
        if (rc)
            return rc;
    }
    for (int k = 0; k < KINDS; k++)
        if (x->q[k] && x->q[k] != q0)
            memcpy(x->q[k], q0, sizeof(double) * (size_t)(x->count * x->d));
    return load(x, x->cur, err);
}

static enum nnq_status step(void *self, double t0, struct nnq_err *err) {
    struct traj *x = self;
    traj_check(x);
    const struct nnq_grid *g = x->g;
    const int d = x->d, ranks = nnq_par_size();
    enum nnq_status rc = load(x, 1 - x->cur, err);
    if (rc != NNQ_OK)
        return rc;
    long most = x->substeps, held = 0;
    for (int k = 0; k < KINDS; k++) {
        double *Q = x->q[k];
        if (!Q || (k == MADELUNG && x->madelung_ended))
            continue;
        sort_by_row(x, Q);
        const long chunks = (x->count + CHUNK - 1) / CHUNK;
        const int batch = k == LANGEVIN && x->exact;
#pragma omp parallel for num_threads(x->env.threads) schedule(dynamic, 1) reduction(max : most) \
    reduction(+ : held)
        for (long c = 0; c < chunks; c++) {
            long mine[CHUNK];
            ptrdiff_t cell[CHUNK];
            double pre[CHUNK * 9];
            int n = 0;
            for (long i = c * CHUNK; i < x->count && i < (c + 1) * CHUNK; i++) {
                const long p = x->order[i];
                double *q = Q + p * d;
                const ptrdiff_t c0 = cell0(g, q);
                if (c0 >= g->local_0_start && c0 < g->local_0_start + g->local_n0) {
                    cell[n] = c0;
                    mine[n++] = p;
                } else
                    for (int a = 0; a < d; a++)
                        q[a] = 0.0; /* another rank's: its value comes with the sum */
            }
            if (batch)
                stages(x, Q, mine, n, pre);
            for (int j = 0; j < n; j++) {
                double *q = Q + mine[j] * d;
                const ptrdiff_t c0 = cell[j];
                const long substeps = move(x, k, mine[j], q, c0, batch ? pre + j * 3 * d : NULL);
                most = substeps > most ? substeps : most;
                /* the step's reach on axis 0, as the stencil saw it */
                const double lo = g->qmin[0] + (double)(c0 - x->reach) * g->dq[0],
                             hi = g->qmin[0] + (double)(c0 + x->reach + 1) * g->dq[0];
                held += k == LANGEVIN && (q[0] < lo || q[0] > hi);
                q[0] = q[0] < lo ? lo : q[0] > hi ? hi : q[0];
                wrap(g, d, q);
            }
        }
        if (ranks > 1)
            nnq_par_sum(Q, (int)(x->count * d));
    }
    x->substeps = (long)nnq_par_max((double)most);
    if ((x->kinds & NNQ_TRAJ_LANGEVIN) && nnq_par_max((double)held) > 0)
        return nnq_err_set(err, NNQ_ERR_NUMERIC,
                           "trajectories: a langevin walker would move more than %d cells along "
                           "axis 0 in the step from t = %g (V steeper than at t = 0, or a rare "
                           "noise): use a smaller [run] dt",
                           x->reach, t0);
    x->cur = 1 - x->cur;
    x->step++;
    return NNQ_OK;
}

static void sample(void *self, const struct nnq_view *ref, struct nnq_diag_row *row) {
    struct traj *x = self;
    (void)ref;
    for (int k = 0; k < KINDS; k++) {
        if (!x->q[k])
            continue;
        for (int a = 0; a < x->d; a++)
            x->sums[a] = 0.0;
        for (long p = 0; p < x->count; p++)
            for (int a = 0; a < x->d; a++)
                x->sums[a] += x->q[k][p * x->d + a];
        for (int a = 0; a < x->d; a++)
            row->value[mean_column[k] + a] = x->sums[a] / (double)x->count;
    }
    row->value[NNQ_DIAG_traj_substeps] = (double)x->substeps;
    x->substeps = 0;
}

static enum nnq_status check(void *self, const struct nnq_diag_row *row, struct nnq_err *err) {
    struct traj *x = self;
    for (int k = 0; k < KINDS; k++)
        for (int a = 0; x->q[k] && !(k == MADELUNG && x->madelung_ended) && a < x->d; a++)
            if (!isfinite(row->value[mean_column[k] + a]))
                return nnq_err_set(err, NNQ_ERR_NUMERIC,
                                   "trajectories: the %s particles' mean q%d is %g at step %.0f "
                                   "(t = %g)",
                                   kind_name[k], a, row->value[mean_column[k] + a],
                                   row->value[NNQ_DIAG_step], row->value[NNQ_DIAG_t]);
    return NNQ_OK;
}

static enum nnq_status record(void *self, struct nnq_output *o, struct nnq_err *err) {
    struct traj *x = self;
    enum nnq_status rc = NNQ_OK;
    const char *names[KINDS];
    const double *q[KINDS];
    int n = 0;
    for (int k = 0; k < KINDS; k++)
        if (x->q[k]) {
            names[n] = kind_name[k];
            q[n++] = x->q[k];
        }
    if (x->rows == 0)
        rc = nnq_output_points_open(o, "trajectories", names, n, (size_t)x->count, x->d, err);
    if (rc == NNQ_OK && x->rows % x->every == 0)
        rc = nnq_output_points_append(o, (double)x->step * x->dt, q, err);
    x->rows++;
    return rc;
}

static enum nnq_status save(void *self, struct nnq_output *o, struct nnq_err *err) {
    struct traj *x = self;
    /* the running maximum too: a resumed run's next row then covers what it would have */
    const double counters[3] = {(double)x->step, (double)x->rows, (double)x->substeps};
    enum nnq_status rc = nnq_output_values_write(o, "trajectories_counters", counters, 3, err);
    for (int k = 0; k < KINDS && rc == NNQ_OK; k++)
        if (x->q[k]) {
            char name[64];
            snprintf(name, sizeof name, "trajectories_%s", kind_name[k]);
            rc = nnq_output_values_write(o, name, x->q[k], (size_t)(x->count * x->d), err);
        }
    return rc;
}

static enum nnq_status restore(void *self, struct nnq_output *o, struct nnq_err *err) {
    struct traj *x = self;
    double counters[3];
    enum nnq_status rc = nnq_output_values_read(o, "trajectories_counters", counters, 3, err);
    for (int k = 0; k < KINDS && rc == NNQ_OK; k++)
        if (x->q[k]) {
            char name[64];
            snprintf(name, sizeof name, "trajectories_%s", kind_name[k]);
            rc = nnq_output_values_read(o, name, x->q[k], (size_t)(x->count * x->d), err);
        }
    if (rc != NNQ_OK)
        return rc;
    x->step = (long)counters[0];
    x->substeps = (long)counters[2];
    /* the point set is reopened (and cut to the checkpoint) at the next row */
    const long rows = (long)counters[1];
    const char *names[KINDS];
    int n = 0;
    for (int k = 0; k < KINDS; k++)
        if (x->q[k])
            names[n++] = kind_name[k];
    rc = nnq_output_points_open(o, "trajectories", names, n, (size_t)x->count, x->d, err);
    x->rows = rows > 0 ? rows : 1;
    return rc == NNQ_OK ? load(x, x->cur, err) : rc;
}

/* The kinds followed, in kind order, for the other observers (the basins' shares). */
static int points(void *self, int set, const char **name, const double **q, long *count) {
    static const char *const set_name[KINDS] = {"bohm_particles", "madelung_particles",
                                                "nelson_walkers", "langevin_walkers"};
    const struct traj *x = self;
    for (int k = 0; k < KINDS; k++)
        if (x->q[k] && set-- == 0) {
            *name = set_name[k];
            *q = x->q[k];
            *count = x->count;
            return 1;
        }
    return 0;
}

static void memory(const struct nnq_config *cfg, int time_dependent, int threads, size_t *per_point,
                   double *fixed) {
    (void)threads;
    const unsigned kinds = cfg->trajectories_kinds;
    const int langevin = (kinds & NNQ_TRAJ_LANGEVIN) != 0,
              exact = langevin && nnq_potential_has_gradient(cfg);
    int nkinds = 0;
    for (int k = 0; k < KINDS; k++)
        nkinds += (kinds >> k) & 1u;
    const size_t psi = kinds & (NNQ_TRAJ_BOHM | NNQ_TRAJ_NELSON) ? 2 * sizeof(double complex) : 0;
    const size_t u = kinds & NNQ_TRAJ_MADELUNG ? 2 * sizeof(double) * (size_t)cfg->dims : 0;
    const size_t V = langevin && !exact ? (time_dependent ? 2 : 1) * sizeof(double) : 0;
    /* bohm under an order-4 integrator: psi's time derivative at both ends, the transform's
     * array, the kinetic factors and W; V's fill is the walkers' */
    const int hermite = (kinds & NNQ_TRAJ_BOHM) &&
                        nnq_schrodinger_order((enum nnq_integrator)cfg->run_integrator) >= 4;
    const size_t dpsi = hermite ? 2 * sizeof(double complex) : 0;
    *per_point = psi + u + V + (langevin || hermite ? sizeof(double) : 0) /* V's fill */ +
                 (hermite ? dpsi + sizeof(double complex) + 2 * sizeof(double) : 0);
    const double plane = (double)cfg->n[1] * (double)cfg->n[2];
    /* the halo of the reach without V's drift (known at create): the drift's share is a few
     * rows more */
    *fixed = (double)cfg->trajectories_count * cfg->dims * sizeof(double) * nkinds +
             2.0 * (reach_of(cfg, 0.0) + 3) * plane * (double)(psi + u + V + dpsi);
}

const struct nnq_observer_ops nnq_observer_trajectories = {
    .name = "trajectories",
    .group = {"trajectories", "T", 0, NULL},
    .wanted = wanted,
    .create = create,
    .start = start,
    .step = step,
    .sample = sample,
    .check = check,
    .save = save,
    .restore = restore,
    .record = record,
    .points = points,
    .memory = memory,
    .destroy = destroy,
};
