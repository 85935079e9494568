/*
 * madelung.c - finite-volume quantum hydrodynamics (see include/nnq/madelung.h): the momentum
 * form's sweep and driver. Its parts are files of their own (src/madelung_kernels.h):
 * reconstruction (madelung_reconstruct.c), fluxes (madelung_flux.c) with the quantum stress
 * (madelung_stress.h), SSP-RK3 (ssprk3.h); this file holds the memory layout, the velocities,
 * the halo rows, the sweep that hands the kernels their lines, and the sub-steps.
 *
 * Reference: A. Kurganov & G. Petrova, Commun. Math. Sci. 5, 133 (2007) (desingularised
 * velocity near vacuum); the parts' references are in their files.
 *
 * Layout: the conserved state U holds p then j_0 .. j_{d-1}, each grid->local_size values;
 * u (velocities) and ln p are recomputed from p and j at every stage.
 *
 * Shape of a stage (memory traffic, not arithmetic, is what it costs): one pass for the
 * velocity scales (max p, max |u|), then one sweep over the lines along the last axis, in
 * order, that computes u and ln p plane by plane into a ring of RING planes per thread,
 * every face's flux once (the flux through the face above a line is carried to the next
 * line along that axis, with the slopes that produced it) and the RK update of the line.
 * In 1D the line is the grid: u and ln p are computed into arrays first.
 */
#include "nnq/madelung.h"

#include "madelung_kernels.h"
#include "nnq/par.h"
#include "simd.h"
#include "ssprk3.h"

#include <assert.h>
#include <fftw3.h>
#include <float.h>
#include <math.h>
#include <omp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CFL 0.4
#define DISPERSIVE 0.3

/* ---- the solver's memory layout: every width and offset the sweep relies on ------------- */

/* Cells beyond each end of a ghosted line, and rows of the halo: the MUSCL stencil of a face
 * reaches two cells to either side. */
#define GHOST 2
#define CHUNK 64 /* cells of a line swept at once (64 measured best on 512^2) */

/* Planes of u and ln p a thread keeps (2D, 3D): rows i0 - 2 .. i0 + 2 around its row i0. */
#define RING (2 * GHOST + 1)

/* The fields whose rows next to the slab come from the neighbouring ranks. */
enum slot { SLOT_P, SLOT_V, SLOT_U, SLOT_J = SLOT_U + 3, SLOTS = SLOT_J + 3 };

/* Ghosted lines of a thread's scratch for the sweep along the contiguous last axis: p, ln p,
 * u_k, d_k ln p (k < d - 1), the half slopes of p and u_k, the fluxes of p and j_k. */
enum { L_P, L_LN, L_U, L_G = L_U + 3, L_S = L_G + 3, L_F = L_S + 4, L_LINES = L_F + 4 };

/*
 * What the sweep carries from a line X to the next line along a non-contiguous axis a:
 * the half slopes along a of X (p, u_k), d_k ln p of X (k != a) and the fluxes through the
 * face below X (p, j_k); each pointer is a line of n[d-1] values in the thread's scratch.
 */
struct bundle {
    double *S[4], *G[3], *F[4];
};
#define BUNDLE_LINES 11

_Static_assert(GHOST == 2, "the slopes and faces read two cells to either side");
_Static_assert(RING == 5, "ring_fill and vline index planes i0 - 2 .. i0 + 2");
_Static_assert(CHUNK % 8 == 0, "a chunk is whole AVX-512 vectors of doubles");
_Static_assert(BUNDLE_LINES == sizeof(struct bundle) / sizeof(double *),
               "a bundle is S[4], G[3], F[4]: one scratch line each");
_Static_assert(L_LINES == 16, "p, ln p, u[3], d ln p[3], slopes[4], fluxes[4]");

/*
 * Invariants: U, A, B hold (1 + d) * n values: U the state, A and B the RK stages' results;
 * u, force hold d * n; lnp, V hold n; force = -(1/m) grad V (central differences) at the time of
 * the last stage or create; delta, trusted and umax as speeds() left them, for the stage's
 * input during a stage; u and lnp as of the last velocities() (in 1D, of the stage's input).
 * scratch: per thread, L_LINES ghosted lines then, for each non-contiguous axis a, slots[a] + 1
 * bundles (one slot per line whose next line along a comes later, and a spare), every line
 * `line` doubles (n[d-1] + 2 GHOST), then (2D, 3D) the ring: RING planes of u_k and ln p;
 * bundles: those bundles' pointers, per thread.
 * Axis 0 is this rank's slab (local_n0 rows, maybe none; every rank that holds any holds at
 * least GHOST): in 2D and 3D, halo_prev/halo_next hold the GHOST rows before and after it of
 * each field in enum slot (from the neighbouring ranks; serially the periodic images), as of
 * the last exchange().
 */
struct nnq_madelung {
    const struct nnq_grid *g;
    const struct nnq_potential *pot;
    struct nnq_madelung_params par;
    int d, time_dependent;
    ptrdiff_t n, stride[3];
    double *U, *A, *B, *u, *lnp, *V, *force, *scratch, *halo_prev, *halo_next;
    double *decay; /* absorbing layer: exp(-2 W dt / hbar) per cell, or NULL */
    ptrdiff_t line, slots[2], thread_doubles;
    struct bundle *bundles;
    nnq_madelung_slopes_fn slope;   /* the limiter's */
    nnq_madelung_faces_fn faces[3]; /* the flux's, per axis */
    double delta, trusted, umax, pmax;
    double rk_a, rk_b, rk_dt; /* the RK stage being taken: out = rk_a U + rk_b (in + rk_dt L(in)) */
    double cq[3];             /* dispersive signal speed per axis */
    int u_current;            /* delta, trusted, umax (1D: u, lnp) are those of U */
    long max_sub;
};

double nnq_madelung_scratch_bytes(const struct nnq_grid *g, int threads) {
    const int d = g->dims;
    const ptrdiff_t plane = g->n[1] * g->n[2], line = g->n[d - 1] + 2 * GHOST;
    const ptrdiff_t slots = (d == 3 ? g->n[1] : d == 2 ? 1 : 0) + (d == 3 ? 1 : 0);
    const double thread = (double)((L_LINES + (slots + 2) * BUNDLE_LINES) * line +
                                   (d > 1 ? RING * (d + 1) * plane : 0));
    const double halo = 2.0 * SLOTS * GHOST * (double)plane;
    return sizeof(double) * (thread * (threads > 0 ? threads : 1) + halo) +
           sizeof(struct bundle) * (double)((slots + 2) * (threads > 0 ? threads : 1));
}

size_t nnq_madelung_bytes_per_point(int dims) {
    /* U, A, B: 3 (1 + d); u, force: 2 d; lnp, V: 2 */
    return sizeof(double) * (size_t)(3 * (1 + dims) + 2 * dims + 2);
}

/* The largest of 0 and x[0 .. cnt-1]. Doubles >= 0 order as their bit patterns do, so the
 * max runs on integers and vectorizes (a max over doubles does not: NaN, signed zeros);
 * negative values count as 0, and so does a NaN with its sign bit set (x86's default NaN). */
static inline double max_of(const double *x, ptrdiff_t cnt) {
    int64_t c = 0;
#pragma omp simd reduction(max : c)
    for (ptrdiff_t k = 0; k < cnt; k++) {
        int64_t b;
        memcpy(&b, x + k, sizeof b);
        c = b > c ? b : c;
    }
    double r;
    memcpy(&r, &c, sizeof r);
    return r;
}

/* Cells of a block of the velocity kernels. */
#define VBLOCK 256

/* w = 2 p / (p^2 + q^2) (u = w j) and q = max(p, delta) for cnt <= VBLOCK cells. */
static inline void weights(const double *p, ptrdiff_t cnt, double delta, double *w, double *q) {
#pragma omp simd
    for (ptrdiff_t i = 0; i < cnt; i++) {
        q[i] = p[i] > delta ? p[i] : delta;
        w[i] = 2 * p[i] / (p[i] * p[i] + q[i] * q[i]);
    }
}

/*
 * max |u_k| over the cells with p >= trusted, u_k = w j_k (see nnq_madelung_create), for cnt
 * cells of p and j[0 .. d-1]. The loops vectorize (the AVX2 and AVX-512 clones where the CPU
 * has them). A NaN velocity there makes the result NaN (fabs clears its sign bit), which
 * nnq_madelung_advance reports.
 */
NNQ_CLONES static double speed_block(const double *p, const double *const j[3], int d,
                                     ptrdiff_t cnt, double delta, double trusted) {
    double w[VBLOCK], x[VBLOCK], c = 0;
    for (ptrdiff_t b = 0; b < cnt; b += VBLOCK) {
        const ptrdiff_t len = cnt - b < VBLOCK ? cnt - b : VBLOCK;
        weights(p + b, len, delta, w, x);
        for (int k = 0; k < d; k++) {
            const double *pb = p + b, *jb = j[k] + b;
#pragma omp simd
            for (ptrdiff_t i = 0; i < len; i++)
                x[i] = pb[i] >= trusted ? fabs(w[i] * jb[i]) : 0;
            const double y = max_of(x, len);
            c = y > c ? y : c;
        }
    }
    return c;
}

/*
 * u_k = w j_k, held to [-umax, umax] where p < trusted, and ln max(p, delta, 1e-300), for cnt
 * cells of p and j[0 .. d-1], into u[0 .. d-1] and ln. Vectorized, log included (glibc's
 * libmvec, see simd.h).
 */
NNQ_CLONES static void velocity_block(const double *p, const double *const j[3], int d,
                                      ptrdiff_t cnt, double delta, double trusted, double umax,
                                      double *const u[3], double *ln) {
    double w[VBLOCK], q[VBLOCK];
    for (ptrdiff_t b = 0; b < cnt; b += VBLOCK) {
        const ptrdiff_t len = cnt - b < VBLOCK ? cnt - b : VBLOCK;
        const double *pb = p + b;
        double *lb = ln + b;
        weights(pb, len, delta, w, q);
#pragma omp simd
        for (ptrdiff_t i = 0; i < len; i++)
            lb[i] = nnq_simd_log(q[i] > 1e-300 ? q[i] : 1e-300);
        for (int k = 0; k < d; k++) {
            const double *jb = j[k] + b;
            double *ub = u[k] + b;
#pragma omp simd
            for (ptrdiff_t i = 0; i < len; i++) {
                const double v = w[i] * jb[i], c = v > umax ? umax : v < -umax ? -umax : v;
                ub[i] = pb[i] < trusted ? c : v;
            }
        }
    }
}

/* Offset of component k of a field of d components of n values each; components past d map
 * to component 0, so that a table of three pointers is valid in any dimension. */
static inline ptrdiff_t component(int k, int d, ptrdiff_t n) { return (k < d ? k : 0) * n; }

/*
 * The velocity scales of U, whose max p is pmax (< 0: not known): delta = density_floor max p,
 * trusted = sqrt(density_floor) max p and umax = max |u| where p >= trusted. Velocities are
 * trusted there (1e-6 of the peak for the default floor): the thin tails between that and the
 * floor carry no mass that matters but feel the kink of the clamped ln p, so they are held to
 * the bulk's speed and never set the time step. Collective.
 */
static void speeds(struct nnq_madelung *m, const double *U, double pmax) {
    const ptrdiff_t n = m->n;
    if (pmax < 0) {
        pmax = 0;
#pragma omp parallel for num_threads(m->par.threads) reduction(max : pmax) schedule(static)
        for (ptrdiff_t i = 0; i < n; i += VBLOCK) {
            const double x = max_of(U + i, n - i < VBLOCK ? n - i : VBLOCK);
            pmax = x > pmax ? x : pmax;
        }
        pmax = nnq_par_max(pmax);
    }
    const double delta = m->par.density_floor * pmax,
                 trusted = nnq_madelung_trusted(m->par.density_floor, pmax);
    double umax = 0;
    const ptrdiff_t block = 16 * VBLOCK;
#pragma omp parallel for num_threads(m->par.threads) reduction(max : umax) schedule(static)
    for (ptrdiff_t i = 0; i < n; i += block) {
        const double *j[3];
        for (int k = 0; k < 3; k++)
            j[k] = U + n + component(k, m->d, n) + i;
        const double x = speed_block(U + i, j, m->d, n - i < block ? n - i : block, delta, trusted);
        umax = x > umax ? x : umax;
    }
    m->delta = delta;
    m->trusted = trusted;
    m->umax = nnq_par_max(umax);
}

/* speeds(), then u and ln p of U over this rank's whole slab. Collective. */
static void velocities(struct nnq_madelung *m, const double *U, double pmax) {
    const ptrdiff_t n = m->n, block = 16 * VBLOCK;
    speeds(m, U, pmax);
#pragma omp parallel for num_threads(m->par.threads) schedule(static)
    for (ptrdiff_t i = 0; i < n; i += block) {
        const double *j[3];
        double *u[3];
        for (int k = 0; k < 3; k++) {
            j[k] = U + n + component(k, m->d, n) + i;
            u[k] = m->u + component(k, m->d, n) + i;
        }
        velocity_block(U + i, j, m->d, n - i < block ? n - i : block, m->delta, m->trusted, m->umax,
                       u, m->lnp + i);
    }
}

/* Rows along axis a in this rank's part of the grid. */
static ptrdiff_t rows_of(const struct nnq_madelung *m, int a) {
    return a == 0 ? m->g->local_n0 : m->g->n[a];
}

/* Fetches the GHOST rows before and after this rank's slab of field f into slot. Collective.
 */
static void exchange(struct nnq_madelung *m, const double *f, int slot) {
    const ptrdiff_t plane = m->stride[0];
    nnq_par_halo(f, sizeof(double) * (size_t)plane, m->g->counts, GHOST,
                 m->halo_next + (ptrdiff_t)slot * GHOST * plane,
                 m->halo_prev + (ptrdiff_t)slot * GHOST * plane);
}

/* Row r (-GHOST <= r < local_n0 + GHOST) along axis 0 of field f, whose halo is in slot. */
static inline const double *row0(const struct nnq_madelung *m, const double *f, int slot,
                                 ptrdiff_t r) {
    const ptrdiff_t plane = m->stride[0], len = m->g->local_n0;
    if (r < 0)
        return m->halo_prev + ((ptrdiff_t)slot * GHOST + GHOST + r) * plane;
    if (r >= len)
        return m->halo_next + ((ptrdiff_t)slot * GHOST + r - len) * plane;
    return f + r * plane;
}

/* y[i] = (x[i + 1] - x[i - 1]) h for c0 <= i < c0 + cnt along a periodic line of len >= 2
 * values. */
static inline void derivative_line(const double *x, ptrdiff_t len, double h, ptrdiff_t c0,
                                   ptrdiff_t cnt, double *y) {
    const ptrdiff_t lo = c0 > 1 ? c0 : 1, hi = c0 + cnt < len - 1 ? c0 + cnt : len - 1;
    if (c0 == 0)
        y[0] = (x[1] - x[len - 1]) * h;
#pragma omp simd
    for (ptrdiff_t k = lo; k < hi; k++)
        y[k] = (x[k + 1] - x[k - 1]) * h;
    if (c0 + cnt == len)
        y[len - 1] = (x[0] - x[len - 2]) * h;
}

/* out = d_a f (central, periodic) over this rank's part of the grid: along the contiguous
 * last axis by lines, along the others by rows (contiguous blocks of stride[a] cells); along
 * axis 0 (2D, 3D) the rows next to the slab come from f's halo in slot. */
static void central_derivative(struct nnq_madelung *m, const double *f, int a, double *out,
                               int slot) {
    const ptrdiff_t len = rows_of(m, a), st = m->stride[a];
    if (len == 0)
        return;
    const ptrdiff_t blocks = m->n / (len * st);
    const double h = 0.5 / m->g->dq[a];
    if (st == 1) {
#pragma omp parallel for num_threads(m->par.threads) schedule(static)
        for (ptrdiff_t L = 0; L < blocks; L++)
            derivative_line(f + L * len, len, h, 0, len, out + L * len);
        return;
    }
#pragma omp parallel for num_threads(m->par.threads) schedule(static)
    for (ptrdiff_t w = 0; w < blocks * len; w++) {
        const ptrdiff_t r = w % len, base = (w / len) * len * st;
        const double *up =
            a == 0 ? row0(m, f, slot, r + 1) : f + base + (r + 1 < len ? r + 1 : 0) * st;
        const double *dn =
            a == 0 ? row0(m, f, slot, r - 1) : f + base + (r > 0 ? r - 1 : len - 1) * st;
        double *y = out + base + r * st;
#pragma omp simd
        for (ptrdiff_t i = 0; i < st; i++)
            y[i] = (up[i] - dn[i]) * h;
    }
}

/*
 * The line of field f (halo in slot) at coordinates (i0, i1) of the axes before the last:
 * i0 from -GHOST to local_n0 + GHOST - 1 (2D, 3D: rows past the slab from the halo), i1 any
 * integer (3D: periodic within the slab). 1D: the whole field.
 */
static inline const double *line_at(const struct nnq_madelung *m, int d, const double *f, int slot,
                                    ptrdiff_t i0, ptrdiff_t i1) {
    if (d == 1)
        return f;
    const double *plane = row0(m, f, slot, i0);
    if (d == 2)
        return plane;
    const ptrdiff_t n1 = m->g->n[1];
    i1 %= n1;
    return plane + (i1 < 0 ? i1 + n1 : i1) * m->stride[1];
}

/*
 * The line at (i0, i1) (as line_at) of u_k (field k < d) or ln p (field d) of the stage's
 * input: 1D from u and lnp; 2D and 3D from the thread's ring of planes (ring_fill).
 */
static inline const double *vline(const struct nnq_madelung *m, const double *ring, int d,
                                  int field, ptrdiff_t i0, ptrdiff_t i1) {
    if (d == 1)
        return field < d ? m->u + field * m->n : m->lnp;
    ptrdiff_t r = i0 % RING;
    const double *plane = ring + ((r < 0 ? r + RING : r) * (d + 1) + field) * m->stride[0];
    if (d == 2)
        return plane;
    const ptrdiff_t n1 = m->g->n[1];
    i1 %= n1;
    return plane + (i1 < 0 ? i1 + n1 : i1) * m->stride[1];
}

/* Computes plane r (-GHOST <= r < local_n0 + GHOST) of u_k and ln p from p and j of in (their
 * halos past the slab) into the ring. */
static void ring_fill(const struct nnq_madelung *m, const double *in, double *ring, int d,
                      ptrdiff_t r) {
    const ptrdiff_t n = m->n, plane = m->stride[0];
    ptrdiff_t s = r % RING;
    double *base = ring + (s < 0 ? s + RING : s) * (d + 1) * plane;
    const double *j[3] = {0}, *p = row0(m, in, SLOT_P, r);
    double *u[3] = {0};
    for (int k = 0; k < 3; k++) {
        j[k] = row0(m, in + n + component(k, d, n), SLOT_J + (k < d ? k : 0), r);
        u[k] = base + component(k, d, plane);
    }
    velocity_block(p, j, d, plane, m->delta, m->trusted, m->umax, u, base + d * plane);
}

/* Fills b's half slopes along a and d_k ln p (k != a) of the line at (i0, i1), cells
 * c0 .. c0 + cnt - 1. */
static inline __attribute__((always_inline)) void
bundle_fill(const struct nnq_madelung *m, const double *in, const double *ring, int d, int a,
            ptrdiff_t i0, ptrdiff_t i1, ptrdiff_t c0, ptrdiff_t cnt, const struct bundle *b) {
    const ptrdiff_t len = m->g->n[d - 1];
    const ptrdiff_t e0 = a == 0, e1 = a == 1; /* the step along a */
#define AT(f, slot, s) (line_at(m, d, f, slot, i0 + (s)*e0, i1 + (s)*e1) + c0)
#define VAT(field, s) (vline(m, ring, d, field, i0 + (s)*e0, i1 + (s)*e1) + c0)
    m->slope(cnt, AT(in, SLOT_P, -1), AT(in, SLOT_P, 0), AT(in, SLOT_P, 1), b->S[0] + c0);
    for (int k = 0; k < d; k++)
        m->slope(cnt, VAT(k, -1), VAT(k, 0), VAT(k, 1), b->S[1 + k] + c0);
#undef AT
#undef VAT
    for (int k = 0; k < d; k++) {
        if (k == a)
            continue;
        const double h = 0.5 / m->g->dq[k];
        if (k == d - 1) {
            derivative_line(vline(m, ring, d, d, i0, i1), len, h, c0, cnt, b->G[k]);
            continue;
        }
        const ptrdiff_t f0 = k == 0, f1 = k == 1; /* the step along k */
        const double *up = vline(m, ring, d, d, i0 + f0, i1 + f1) + c0;
        const double *dn = vline(m, ring, d, d, i0 - f0, i1 - f1) + c0;
        double *y = b->G[k] + c0;
#pragma omp simd
        for (ptrdiff_t i = 0; i < cnt; i++)
            y[i] = (up[i] - dn[i]) * h;
    }
}

/* Fluxes through the faces between the line at (i0, i1) (bundle ba) and the next along a
 * (bundle bb), cells c0 .. c0 + cnt - 1, into bb->F. */
static inline __attribute__((always_inline)) void
bundle_faces(const struct nnq_madelung *m, const double *in, const double *ring, int d, int a,
             ptrdiff_t i0, ptrdiff_t i1, ptrdiff_t c0, ptrdiff_t cnt, const struct bundle *ba,
             const struct bundle *bb) {
    const ptrdiff_t e0 = a == 0, e1 = a == 1;
    const double stress =
        m->par.classical ? 0.0 : -m->par.hbar * m->par.hbar / (4 * m->par.mass * m->par.mass);
#define AT(f, slot, s) (line_at(m, d, f, slot, i0 + (s)*e0, i1 + (s)*e1) + c0)
#define VAT(field, s) (vline(m, ring, d, field, i0 + (s)*e0, i1 + (s)*e1) + c0)
    struct nnq_madelung_faces f = {.pA = AT(in, SLOT_P, 0),
                                   .pB = AT(in, SLOT_P, 1),
                                   .spA = ba->S[0] + c0,
                                   .spB = bb->S[0] + c0};
    f.lm = VAT(d, -1), f.lA = VAT(d, 0), f.lB = VAT(d, 1), f.lp = VAT(d, 2);
    for (int k = 0; k < d; k++) {
        f.uA[k] = VAT(k, 0), f.uB[k] = VAT(k, 1);
        f.suA[k] = ba->S[1 + k] + c0, f.suB[k] = bb->S[1 + k] + c0;
        f.gA[k] = ba->G[k] + c0, f.gB[k] = bb->G[k] + c0;
    }
#undef AT
#undef VAT
    for (int q = 0; q <= d; q++)
        f.F[q] = bb->F[q] + c0;
    m->faces[a](cnt, &f, m->cq[a], stress, 1.0 / m->g->dq[a]);
}

/* Fills y[-GHOST .. -1] and y[len .. len+GHOST-1] from y[0 .. len-1], periodic. */
static inline void ghost_cells(double *y, ptrdiff_t len) {
    assert(len >= GHOST); /* grids have n >= 4 */
    for (ptrdiff_t k = 1; k <= GHOST; k++) {
        y[-k] = y[len - k];
        y[len - 1 + k] = y[k - 1];
    }
}

/* Copies the line x[0 .. len-1] into y[-GHOST .. len+GHOST-1], periodic. */
static inline void ghosted(const double *x, ptrdiff_t len, double *y) {
    memcpy(y, x, sizeof(double) * (size_t)len);
    ghost_cells(y, len);
}

/* Copies cells [lo - GHOST, lo + w + GHOST) of the periodic line x of len cells into
 * y[-GHOST .. w+GHOST-1] (lo + w <= len): a thread's window of the 1D line. */
static inline void window(const double *x, ptrdiff_t len, ptrdiff_t lo, ptrdiff_t w, double *y) {
    if (lo == 0 && w == len) {
        ghosted(x, len, y);
        return;
    }
    memcpy(y, x + lo, sizeof(double) * (size_t)w);
    for (ptrdiff_t k = 1; k <= GHOST; k++) {
        y[-k] = x[lo - k >= 0 ? lo - k : lo - k + len];
        y[w - 1 + k] = x[lo + w - 1 + k < len ? lo + w - 1 + k : lo + w - 1 + k - len];
    }
}

/*
 * The line at (i0, i1) - in 1D its cells [lo, lo + w), a thread's share; otherwise lo = 0 and
 * w = the line - every face around its cells, in chunks of CHUNK cells so that what a
 * chunk computes stays in the L1 cache: the faces along the last axis from the line's ghosted
 * copy; along each non-contiguous axis a the face below comes from carry[a] (bundle of this
 * line) and the face above is computed into spare[a] (bundle of the next line along a). Then
 * the RK stage's update out = rk_a U + rk_b (in + rk_dt L(in)) of the chunk. Returns the
 * line's largest new p.
 */
static inline __attribute__((always_inline)) double
sweep_line(struct nnq_madelung *m, const double *in, double *out, double *sc, const double *ring,
           ptrdiff_t i0, ptrdiff_t i1, struct bundle *const carry[2], struct bundle *const spare[2],
           ptrdiff_t lo, ptrdiff_t w, int d) {
    const int a = d - 1;
    const ptrdiff_t n = m->n, len = m->g->n[a], row = m->line;
    const double inv_dq = 1.0 / m->g->dq[a];
    const double stress =
        m->par.classical ? 0.0 : -m->par.hbar * m->par.hbar / (4 * m->par.mass * m->par.mass);
    double *P = sc, *Ln = sc + L_LN * row, *u[3] = {0}, *gl[3] = {0}, *S[4] = {0}, *Fo[4] = {0};
    window(line_at(m, d, in, SLOT_P, i0, i1), len, lo, w, P);
    window(vline(m, ring, d, d, i0, i1), len, lo, w, Ln);
    for (int k = 0; k < d; k++) {
        u[k] = sc + (L_U + k) * row;
        gl[k] = sc + (L_G + k) * row;
        window(vline(m, ring, d, k, i0, i1), len, lo, w, u[k]);
        if (k == a)
            continue;
        const ptrdiff_t f0 = k == 0, f1 = k == 1;
        const double *up = vline(m, ring, d, d, i0 + f0, i1 + f1);
        const double *dn = vline(m, ring, d, d, i0 - f0, i1 - f1);
        const double h = 0.5 / m->g->dq[k];
        double *y = gl[k];
#pragma omp simd
        for (ptrdiff_t i = 0; i < len; i++)
            y[i] = (up[i] - dn[i]) * h;
        ghost_cells(y, len);
    }
    for (int q = 0; q <= d; q++) {
        S[q] = sc + (L_S + q) * row;  /* the chunk's cells -1 .. cnt */
        Fo[q] = sc + (L_F + q) * row; /* Fo[q][j]: face c0 + j - 1/2 */
    }
    const ptrdiff_t base = line_at(m, d, in, SLOT_P, i0, i1) - in + lo; /* within the slab */
    const double ca = m->rk_a, cb = m->rk_b, dt = m->rk_dt;
    const double inv0 = 1.0 / m->g->dq[0], inv1 = 1.0 / m->g->dq[1];
    double pmax = 0;
    for (ptrdiff_t c0 = 0; c0 < w; c0 += CHUNK) {
        const ptrdiff_t cnt = w - c0 < CHUNK ? w - c0 : CHUNK;
        _Pragma("GCC unroll 2") for (int b = 0; b < d - 1; b++) {
            bundle_fill(m, in, ring, d, b, i0 + (b == 0), i1 + (b == 1), c0, cnt, spare[b]);
            bundle_faces(m, in, ring, d, b, i0, i1, c0, cnt, carry[b], spare[b]);
        }
        m->slope(cnt + 2, P + c0 - 2, P + c0 - 1, P + c0, S[0] - 1);
        for (int k = 0; k < d; k++)
            m->slope(cnt + 2, u[k] + c0 - 2, u[k] + c0 - 1, u[k] + c0, S[1 + k] - 1);
        struct nnq_madelung_faces f = {
            .pA = P + c0 - 1, .pB = P + c0, .spA = S[0] - 1, .spB = S[0]};
        f.lm = Ln + c0 - 2, f.lA = Ln + c0 - 1, f.lB = Ln + c0, f.lp = Ln + c0 + 1;
        for (int k = 0; k < d; k++) {
            f.uA[k] = u[k] + c0 - 1, f.uB[k] = u[k] + c0;
            f.suA[k] = S[1 + k] - 1, f.suB[k] = S[1 + k];
            f.gA[k] = gl[k] + c0 - 1, f.gB[k] = gl[k] + c0;
        }
        for (int q = 0; q <= d; q++)
            f.F[q] = Fo[q];
        m->faces[a](cnt + 1, &f, m->cq[a], stress, inv_dq);
        const double *Pc = P + c0;
        for (int q = 0; q <= d; q++) {
            const ptrdiff_t at = base + c0;
            const double *F = Fo[q], *fq = m->force + (q > 0 ? q - 1 : 0) * n + at;
            const double *lo0 = d > 1 ? carry[0]->F[q] + c0 : F;
            const double *hi0 = d > 1 ? spare[0]->F[q] + c0 : F;
            const double *lo1 = d > 2 ? carry[1]->F[q] + c0 : F;
            const double *hi1 = d > 2 ? spare[1]->F[q] + c0 : F;
            const double *inq = in + q * n + at, *Uq = m->U + q * n + at;
            double *outq = out + q * n + at;
#pragma omp simd
            for (ptrdiff_t k = 0; k < cnt; k++) {
                double div = (F[k] - F[k + 1]) * inv_dq;
                if (d > 1)
                    div += (lo0[k] - hi0[k]) * inv0;
                if (d > 2)
                    div += (lo1[k] - hi1[k]) * inv1;
                const double r = q == 0 ? div : Pc[k] * fq[k] + div;
                outq[k] = ca * Uq[k] + cb * (inq[k] + dt * r);
            }
        }
        const double x = max_of(out + base + c0, cnt);
        pmax = x > pmax ? x : pmax;
    }
    _Pragma("GCC unroll 2") for (int b = 0; b < d - 1; b++) {
        struct bundle t = *carry[b];
        *carry[b] = *spare[b];
        *spare[b] = t;
    }
    return pmax;
}

/*
 * This thread's share of a stage: the rows [s, e) of the slab along axis 0 (1D: cells of the
 * line, cut at multiples of CHUNK so that every chunk is the one-thread run's), line by line in
 * order, so that each face along a non-contiguous axis is computed once: the face below the first
 * line along an axis is the only one computed twice (by the thread below as its last face, and
 * here). Returns the largest new p.
 */
static inline __attribute__((always_inline)) double
sweep_share(struct nnq_madelung *m, const double *in, double *out, int d) {
    const int t = omp_get_thread_num(), nt = omp_get_num_threads();
    double *sc = m->scratch + (ptrdiff_t)t * m->thread_doubles + GHOST;
    if (d == 1) {
        const ptrdiff_t chunks = (m->n + CHUNK - 1) / CHUNK;
        const ptrdiff_t lo = chunks * t / nt * CHUNK, hi = chunks * (t + 1) / nt * CHUNK;
        const ptrdiff_t w = (hi < m->n ? hi : m->n) - lo;
        return w > 0 ? sweep_line(m, in, out, sc, NULL, 0, 0, NULL, NULL, lo, w, d) : 0;
    }
    const ptrdiff_t rows = m->g->local_n0, s = rows * t / nt, e = rows * (t + 1) / nt;
    const ptrdiff_t n1 = d == 3 ? m->g->n[1] : 1;
    struct bundle *own = m->bundles + (ptrdiff_t)t * (m->slots[0] + m->slots[1] + 2);
    struct bundle *spare[2] = {own + m->slots[0], own + m->slots[0] + 1 + m->slots[1]};
    double pmax = 0;
    double *ring = sc - GHOST + m->thread_doubles - RING * (d + 1) * m->stride[0];
    for (ptrdiff_t i0 = s; i0 < e; i0++) {
        for (ptrdiff_t r = i0 == s ? s - 2 : i0 + 2; r <= i0 + 2; r++)
            ring_fill(m, in, ring, d, r);
        for (ptrdiff_t i1 = 0; i1 < n1; i1++) {
            struct bundle *carry[2] = {own + i1, own + m->slots[0] + 1};
            _Pragma("GCC unroll 2") for (int b = 0; b < d - 1; b++) {
                if ((b == 0 && i0 != s) || (b == 1 && i1 != 0))
                    continue;
                /* the first line along b: its bundle and the face below it */
                const ptrdiff_t len = m->g->n[d - 1];
                bundle_fill(m, in, ring, d, b, i0 - (b == 0), i1 - (b == 1), 0, len, spare[b]);
                bundle_fill(m, in, ring, d, b, i0, i1, 0, len, carry[b]);
                bundle_faces(m, in, ring, d, b, i0 - (b == 0), i1 - (b == 1), 0, len, spare[b],
                             carry[b]);
            }
            const double x =
                sweep_line(m, in, out, sc, ring, i0, i1, carry, spare, 0, m->g->n[d - 1], d);
            pmax = x > pmax ? x : pmax;
        }
    }
    return pmax;
}

/* One RK stage's sweep, one function per d so that d is a constant in the loops (the
 * parallel region is here and calls the inlined parts with a constant argument: OpenMP
 * outlines a region's body before inlining, which would otherwise lose it). Returns this
 * rank's largest new p. */
typedef double (*sweep_fn)(struct nnq_madelung *m, const double *in, double *out);
#define NNQ_SWEEP(d)                                                                               \
    NNQ_CLONES static double share_##d(struct nnq_madelung *m, const double *in, double *out) {    \
        return sweep_share(m, in, out, d);                                                         \
    }                                                                                              \
    static double sweep_##d(struct nnq_madelung *m, const double *in, double *out) {               \
        double pmax = 0;                                                                           \
        _Pragma("omp parallel num_threads(m->par.threads) reduction(max : pmax)") {                \
            const double x = share_##d(m, in, out);                                                \
            pmax = x > pmax ? x : pmax;                                                            \
        }                                                                                          \
        return pmax;                                                                               \
    }
NNQ_SWEEP(1)
NNQ_SWEEP(2)
NNQ_SWEEP(3)
static const sweep_fn sweeps[3] = {sweep_1, sweep_2, sweep_3};

/* force = -(1/m) grad V, from m->V. */
static void potential_force(struct nnq_madelung *m) {
    if (m->d > 1)
        exchange(m, m->V, SLOT_V);
    for (int a = 0; a < m->d; a++) {
        double *fa = m->force + a * m->n;
        central_derivative(m, m->V, a, fa, SLOT_V);
        for (ptrdiff_t i = 0; i < m->n; i++)
            fa[i] *= -1.0 / m->par.mass;
    }
}

/* What a stage needs before its sweep: the velocity scales of in (2D, 3D: the sweep computes
 * u and ln p plane by plane) or, in 1D, u and ln p too. Collective. */
static void prepare(struct nnq_madelung *m, const double *in, double pmax) {
    if (m->d == 1)
        velocities(m, in, pmax);
    else
        speeds(m, in, pmax);
}

/* One SSP-RK3 stage at time t: out = ca U + cb (in + dt L(in)), in != out (out == U allowed:
 * U is read at a cell only to write that cell). The first stage of a step finds
 * velocities() current (the step's CFL check), the others take max p from the stage before. */
static enum nnq_status stage(struct nnq_madelung *m, double t, const double *in, double *out,
                             double ca, double cb, double dt, struct nnq_err *err) {
    const int d = m->d;
    if (!m->u_current)
        prepare(m, in, m->pmax);
    m->u_current = 0;
    if (m->time_dependent) {
        enum nnq_status rc = nnq_par_agree(nnq_potential_fill(m->pot, m->g, t, m->V, err), err);
        if (rc != NNQ_OK)
            return rc;
        potential_force(m);
    }
    if (d > 1) {
        /* the rows next to the slab, from which the sweep computes their u and ln p */
        for (int q = 0; q <= d; q++)
            exchange(m, in + q * m->n, q == 0 ? SLOT_P : SLOT_J + q - 1);
    }
    m->rk_a = ca;
    m->rk_b = cb;
    m->rk_dt = dt;
    m->pmax = nnq_par_max(sweeps[d - 1](m, in, out));
    return NNQ_OK;
}

enum nnq_status nnq_madelung_create(const struct nnq_grid *g, const struct nnq_potential *pot,
                                    const struct nnq_madelung_params *par,
                                    struct nnq_madelung **out, struct nnq_err *err) {
    *out = NULL;
    for (int r = 0; g->dims > 1 && r < nnq_par_size(); r++)
        if (g->counts[r] > 0 && g->counts[r] < GHOST)
            return nnq_err_set(err, NNQ_ERR_CONFIG,
                               "[grid] n: %td rows along axis 0 on %d ranks leave rank %d with "
                               "%td; the Madelung solver needs %d or none on each: use fewer "
                               "ranks",
                               g->n[0], nnq_par_size(), r, g->counts[r], GHOST);
    struct nnq_madelung *m = fftw_malloc(sizeof *m);
    if (!m) /* the other ranks agree on V below */
        return nnq_par_agree(nnq_err_set(err, NNQ_ERR_RUNTIME, "out of memory"), err);
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
    m->slope = nnq_madelung_slopes[par->limiter];
    for (int a = 0; a < m->d; a++)
        m->faces[a] = nnq_madelung_fluxes[par->flux][m->d - 1][a];
    for (int a = 0; a < m->d; a++)
        m->cq[a] = par->damping * par->hbar / (par->mass * g->dq[a]);
    const size_t n = m->n > 0 ? (size_t)m->n : 1, d = (size_t)m->d; /* a rank may hold none */
    m->U = fftw_malloc(sizeof(double) * (1 + d) * n);
    m->A = fftw_malloc(sizeof(double) * (1 + d) * n);
    m->B = fftw_malloc(sizeof(double) * (1 + d) * n);
    m->u = fftw_malloc(sizeof(double) * d * n);
    m->force = fftw_malloc(sizeof(double) * d * n);
    const int threads = par->threads > 0 ? par->threads : 1;
    /* carried bundles: along axis 0 one per line of a plane (3D: n[1]; 2D: 1), along axis 1
     * (3D) one; and a spare each */
    m->slots[0] = m->d == 3 ? g->n[1] : m->d == 2 ? 1 : 0;
    m->slots[1] = m->d == 3 ? 1 : 0;
    const ptrdiff_t nb_thread = m->slots[0] + m->slots[1] + 2;
    m->line = g->n[m->d - 1] + 2 * GHOST;
    m->thread_doubles = (L_LINES + nb_thread * BUNDLE_LINES) * m->line +
                        (m->d > 1 ? RING * (m->d + 1) * m->stride[0] : 0);
    m->scratch = fftw_malloc(sizeof(double) * (size_t)(m->thread_doubles * threads));
    m->bundles = malloc(sizeof(struct bundle) * (size_t)(nb_thread * threads));
    if (m->scratch && m->bundles)
        for (ptrdiff_t k = 0; k < nb_thread * threads; k++) {
            double *x = m->scratch + (k / nb_thread) * m->thread_doubles +
                        (L_LINES + (k % nb_thread) * BUNDLE_LINES) * m->line + GHOST;
            for (int q = 0; q < 4; q++)
                m->bundles[k].S[q] = x + q * m->line;
            for (int q = 0; q < 3; q++)
                m->bundles[k].G[q] = x + (4 + q) * m->line;
            for (int q = 0; q < 4; q++)
                m->bundles[k].F[q] = x + (7 + q) * m->line;
        }
    m->lnp = fftw_malloc(sizeof(double) * n);
    m->V = fftw_malloc(sizeof(double) * n);
    const size_t halo = sizeof(double) * SLOTS * GHOST * (size_t)m->stride[0];
    m->halo_prev = fftw_malloc(halo);
    m->halo_next = fftw_malloc(halo);
    int ok = m->U && m->A && m->B && m->u && m->force && m->scratch && m->bundles && m->lnp &&
             m->V && m->halo_prev && m->halo_next;
    /* one agreement on the fields and V: a collective that no rank may skip */
    enum nnq_status rc =
        nnq_par_agree(ok ? nnq_potential_fill(pot, g, 0.0, m->V, err)
                         : nnq_err_set(err, NNQ_ERR_RUNTIME,
                                       "out of memory for the Madelung fields (%zu points)", n),
                      err);
    if (rc != NNQ_OK) {
        nnq_madelung_destroy(m);
        return rc;
    }
    potential_force(m);
    if (par->absorb) { /* the density and the current decay as |psi|^2 does: 2 W / hbar */
        if (!(m->decay = fftw_malloc(sizeof(double) * n))) {
            nnq_madelung_destroy(m);
            return nnq_err_set(err, NNQ_ERR_RUNTIME, "out of memory for the absorbing layer");
        }
        for (size_t i = 0; i < n; i++)
            m->decay[i] = exp(-2.0 * par->absorb[i] * par->dt / par->hbar);
    }
    m->par.absorb = NULL; /* the copy is decay */
    *out = m;
    return NNQ_OK;
}

void nnq_madelung_init(struct nnq_madelung *m, const struct nnq_view *v) {
    if (v->p)
        memcpy(m->U, v->p, sizeof(double) * (size_t)m->n);
    else
        for (ptrdiff_t i = 0; i < m->n; i++)
            m->U[i] = creal(v->psi[i]) * creal(v->psi[i]) + cimag(v->psi[i]) * cimag(v->psi[i]);
    memcpy(m->U + m->n, v->j, sizeof(double) * (size_t)(m->d * m->n));
    velocities(m, m->U, -1);
    m->max_sub = 0;
}

/* NNQ_ERR_NUMERIC, on every rank, when p is NaN or infinite anywhere, or negative below
 * -density_floor max p (round-off in vacuum is no failure). Collective. */
static enum nnq_status check_mass(struct nnq_madelung *m, double t, struct nnq_err *err) {
    const double *p = m->U;
    double pmax = 0;
    ptrdiff_t bad = -1;
    for (ptrdiff_t i = 0; i < m->n; i++) {
        if (!isfinite(p[i])) {
            bad = i;
            break;
        }
        pmax = p[i] > pmax ? p[i] : pmax;
    }
    pmax = nnq_par_max(pmax);
    const double lowest = -m->par.density_floor * pmax;
    for (ptrdiff_t i = 0; bad < 0 && i < m->n; i++)
        if (p[i] < lowest)
            bad = i;
    const double value = bad >= 0 ? p[bad] : 0;
    enum nnq_status rc =
        bad < 0 ? NNQ_OK
                : nnq_err_set(err, NNQ_ERR_NUMERIC,
                              "Madelung solver: the density is %s (p = %g at cell %td of rank "
                              "%d) at t = %g: its state is no longer valid",
                              isfinite(value) ? "negative" : "NaN or infinite", value,
                              m->g->local_0_start * m->stride[0] + bad, nnq_par_rank(), t);
    return nnq_par_agree(rc, err);
}

static enum nnq_status rk3_step(struct nnq_madelung *m, double t, double dt, struct nnq_err *err) {
    const double *in[3] = {m->U, m->A, m->B};
    double *out[3] = {m->A, m->B, m->U};
    enum nnq_status rc = NNQ_OK;
    for (int k = 0; k < 3 && rc == NNQ_OK; k++)
        rc = stage(m, t + nnq_ssprk3[k].c * dt, in[k], out[k], nnq_ssprk3[k].a, nnq_ssprk3[k].b, dt,
                   err);
    return rc;
}

/* The largest sub-step of the dispersive part, on the finest spacing. */
static double momentum_dispersive(const double *dq, int dims, double mass, double hbar) {
    double h = INFINITY;
    for (int a = 0; a < dims; a++)
        h = fmin(h, dq[a]);
    return DISPERSIVE * mass * h * h / hbar;
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
    const double disp = momentum_dispersive(g->dq, m->d, m->par.mass, m->par.hbar);
    for (long s = 0; s < nsteps; s++) {
        prepare(m, m->U, -1);
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
        if (m->decay) /* the absorbing layer, split from the flow once a step */
            for (int c = 0; c <= m->d; c++)
                for (ptrdiff_t i = 0; i < m->n; i++)
                    m->U[c * m->n + i] *= m->decay[i];
    }
    return check_mass(m, t0 + (double)nsteps * dt, err);
}

long nnq_madelung_substeps(const struct nnq_madelung *m) { return m->max_sub; }

void nnq_madelung_set_substeps(struct nnq_madelung *m, long substeps) { m->max_sub = substeps; }

long nnq_madelung_take_substeps(struct nnq_madelung *m) {
    long s = m->max_sub;
    m->max_sub = 0;
    return s;
}

void nnq_madelung_view(struct nnq_madelung *m, struct nnq_view *v) {
    velocities(m, m->U, -1);
    v->g = m->g;
    v->psi = NULL;
    v->p = m->U;
    v->j = m->U + m->n;
    v->F = NULL;
    v->vacuum = 0;
    v->u = m->u;
}

double *nnq_madelung_state(struct nnq_madelung *m) { return m->U; }

void nnq_madelung_destroy(struct nnq_madelung *m) {
    if (!m)
        return;
    fftw_free(m->U);
    fftw_free(m->A);
    fftw_free(m->B);
    fftw_free(m->u);
    fftw_free(m->force);
    fftw_free(m->scratch);
    free(m->bundles);
    fftw_free(m->halo_prev);
    fftw_free(m->halo_next);
    fftw_free(m->lnp);
    fftw_free(m->V);
    fftw_free(m->decay);
    fftw_free(m);
}

/* ---- the momentum form as a row of the table of forms (nnq/madelung.h) ------------------ */

static int momentum_components(int dims) { return 1 + dims; }

static enum nnq_status momentum_create(const struct nnq_grid *g, const struct nnq_potential *pot,
                                       const struct nnq_madelung_params *par, void **out,
                                       struct nnq_err *err) {
    struct nnq_madelung *m = NULL;
    enum nnq_status rc = nnq_madelung_create(g, pot, par, &m, err);
    *out = m;
    return rc;
}

static void momentum_init(void *self, const struct nnq_view *v) { nnq_madelung_init(self, v); }

static enum nnq_status momentum_advance(void *self, long nsteps, double t0, struct nnq_err *err) {
    return nnq_madelung_advance(self, nsteps, t0, err);
}

static long momentum_take_substeps(void *self) { return nnq_madelung_take_substeps(self); }

static long momentum_substeps(const void *self) { return nnq_madelung_substeps(self); }

static void momentum_set_substeps(void *self, long s) { nnq_madelung_set_substeps(self, s); }

static void momentum_view(void *self, struct nnq_view *v) { nnq_madelung_view(self, v); }

static double *momentum_state(void *self) { return nnq_madelung_state(self); }

static void momentum_destroy(void *self) { nnq_madelung_destroy(self); }

const struct nnq_madelung_form nnq_madelung_momentum = {
    .name = "momentum",
    .dispersive_rule = "0.3 m dq^2 / hbar (dq the finest spacing)",
    .advective_rule = "0.4 dq / (max|u| + the damping's speed)",
    .dispersive = momentum_dispersive,
    .components = momentum_components,
    .create = momentum_create,
    .init = momentum_init,
    .advance = momentum_advance,
    .take_substeps = momentum_take_substeps,
    .substeps = momentum_substeps,
    .set_substeps = momentum_set_substeps,
    .view = momentum_view,
    .state = momentum_state,
    .scratch_bytes = nnq_madelung_scratch_bytes,
    .bytes_per_point = nnq_madelung_bytes_per_point,
    .destroy = momentum_destroy,
};
