/*
 * compare.c - the Madelung description against the Schrodinger one (see include/nnq/compare.h).
 *
 * The least-squares F_M: conjugate gradients on D^T W D F = D^T (m j_face), preconditioned by
 * the diagonal (1D: solved directly). Every sum over the grid (the dot products, the metrics) is
 * taken as partial sums per row of axis 0 added in the rows' order, so that the iterates, and F_M,
 * are the same bit for bit on any number of ranks. The components of the support are labelled by
 * propagating the least global index through neighbouring support cells (periodic), across ranks
 * through the halo rows, until no label changes.
 *
 * References: M. R. Hestenes & E. Stiefel, J. Res. NBS 49, 409 (1952) (conjugate gradients);
 * D. C. Ghiglia & L. A. Romero, J. Opt. Soc. Am. A 11, 107 (1994) (weighted least-squares
 * phase from its gradient).
 */
#include "nnq/compare.h"

#include <assert.h>
#include <fftw3.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nnq/madelung.h"
#include "nnq/par.h"

#define LS_EPS 1e-20      /* face weights p_face + LS_EPS max p: vacuum faces weigh ~nothing */
#define LS_TOL 1e-12      /* the solve stops at |r| <= LS_TOL |b| */
#define ANCHOR_FADE 1e-16 /* R0 fades out below this fraction of max p_0 */
/* per block: |p_S - p_M|, |j_S - j_M|, p_M, p_S, max(p_M, 0), j_M (3), p_M where its velocity
 * is held (ACC_HELD), then per component and vacuum (from ACC_COMPONENTS on) the complex sums of
 * p_S e^{i(F_S - F_M)/hbar} and conj(psi_S) psi_M */
#define ACC_HELD 8
#define ACC_COMPONENTS 9
#define ACC_WIDTH (ACC_COMPONENTS + 4 * (NNQ_COMPARE_MAX_COMPONENTS + 1))

/* Halo planes (the row before and after this rank's slab) of the fields the stencils read. */
enum { H_U = 0, H_P = 3, H_J = 4, H_X = 5, H_L = 6, H_SLOTS = 7 };

/*
 * Invariants: n = g->local_size, d = g->dims, plane = n[1] n[2]; jS holds d n values, F, label
 * n, P 2 n (the least-squares potential, then R0 faded), w d n (face weights along each axis:
 * face i -> i + e_a, as of the last solve); ck[0], ck[1] are complex arrays of g->alloc_size,
 * fwd/bwd in-place plans on ck[1], also used as four double arrays by the solve; prev/next
 * hold H_SLOTS planes, slot k the row before and after this rank's slab of the field last
 * exchanged into it; w0prev a plane (the weights of the faces below the slab). Sums over
 * the grid go by blocks: the rows of axis 0 in 2D and 3D, the whole line in 1D (which is not
 * distributed); rows holds 2 nrows doubles, acc nrows * ACC_WIDTH.
 */
struct nnq_compare {
    const struct nnq_grid *g;
    double hbar, mass, floor;
    int d, threads;
    ptrdiff_t n, plane, stride[3];
    double *jS, *F, *P, *label, *w, *cg, *w0prev, *prev, *next, *rows, *acc;
    ptrdiff_t nrows;
    double complex *ck[2];
    fftw_plan fwd, bwd;
};

double nnq_compare_fixed_bytes(int dims, const long *n) {
    const double plane = dims == 1 ? 1.0 : (double)n[1] * (dims == 3 ? (double)n[2] : 1.0);
    const double rows = dims == 1 ? 1.0 : (double)n[0];
    /* halo planes, w0prev; per-row sums */
    return sizeof(double) * ((2.0 * H_SLOTS + 1) * plane + rows * (2 + ACC_WIDTH));
}

size_t nnq_compare_bytes_per_point(int dims) {
    /* jS, w: d each; F, label: 1 each; P, cg: 2 each (cg: the operator's result, 1/diag);
     * two complex transform arrays (also the solve's r and q) */
    return sizeof(double) * (size_t)(2 * dims + 6) + 2 * sizeof(double complex);
}

enum nnq_status nnq_compare_create(const struct nnq_grid *g, double hbar, double mass,
                                   double density_floor, int threads, enum nnq_planner planner,
                                   struct nnq_compare **out, struct nnq_err *err) {
    *out = NULL;
    struct nnq_compare *c = calloc(1, sizeof *c);
    if (!c) /* the other ranks' allocations agree below */
        return nnq_par_agree(nnq_err_set(err, NNQ_ERR_RUNTIME, "out of memory"), err);
    c->g = g;
    c->hbar = hbar;
    c->mass = mass;
    c->floor = density_floor;
    c->threads = threads > 0 ? threads : 1;
    c->d = g->dims;
    c->n = g->local_size;
    c->stride[2] = 1;
    c->stride[1] = g->n[2];
    c->stride[0] = c->plane = g->n[1] * g->n[2];
    const size_t n = c->n > 0 ? (size_t)c->n : 1,
                 plane = (size_t)c->plane; /* a rank may hold none */
    const size_t d = (size_t)c->d;
    c->jS = fftw_malloc(sizeof(double) * d * n);
    c->F = fftw_malloc(sizeof(double) * n);
    c->P = fftw_malloc(sizeof(double) * 2 * n);
    c->label = fftw_malloc(sizeof(double) * n);
    c->w = fftw_malloc(sizeof(double) * d * n);
    c->cg = fftw_malloc(sizeof(double) * 2 * n);
    c->w0prev = fftw_malloc(sizeof(double) * plane);
    c->prev = fftw_malloc(sizeof(double) * H_SLOTS * plane);
    c->next = fftw_malloc(sizeof(double) * H_SLOTS * plane);
    c->nrows = c->d == 1 ? 1 : g->n[0];
    c->rows = fftw_malloc(sizeof(double) * 2 * (size_t)c->nrows);
    c->acc = fftw_malloc(sizeof(double) * (size_t)c->nrows * ACC_WIDTH);
    int ok = c->jS && c->F && c->P && c->label && c->w && c->cg && c->w0prev && c->prev &&
             c->next && c->rows && c->acc;
    for (int k = 0; ok && k < 2; k++)
        ok = (c->ck[k] = fftw_malloc(sizeof(double complex) * (size_t)g->alloc_size)) != NULL;
    /* agreed before planning, a collective under MPI that the other ranks would wait in */
    enum nnq_status rc = nnq_par_agree(
        ok ? NNQ_OK
           : nnq_err_set(err, NNQ_ERR_RUNTIME, "out of memory for the comparison (%zu points)", n),
        err);
    if (rc == NNQ_OK) {
        memset(c->F, 0, sizeof(double) * n);
        memset(c->P, 0, sizeof(double) * 2 * n);
        rc = nnq_par_agree(nnq_grid_plan_fft(g, c->ck[1], threads, planner, &c->fwd, &c->bwd, err),
                           err);
    }
    if (rc != NNQ_OK) {
        nnq_compare_destroy(c);
        return rc;
    }
    *out = c;
    return NNQ_OK;
}

/* out = IFFT(i k_a fk) / N: the spectral derivative along a (Nyquist mode dropped). */
static void spectral_derivative(struct nnq_compare *c, const double complex *fk, int a,
                                double complex *out) {
    const struct nnq_grid *g = c->g;
    const double inv_n = 1.0 / (double)g->total;
    for (ptrdiff_t idx = 0; idx < g->k_local_size; idx++) {
        ptrdiff_t k[3];
        nnq_grid_kindex(g, idx, k);
        int nyquist = g->n[a] % 2 == 0 && k[a] == g->n[a] / 2;
        out[idx] = nyquist ? 0 : I * g->k[a][k[a]] * inv_n * fk[idx];
    }
    nnq_grid_execute(g, c->bwd, out);
}

const double *nnq_compare_current(struct nnq_compare *c, const double complex *psi) {
    const ptrdiff_t n = c->n;
    double complex *psik = c->ck[0], *w = c->ck[1];
    memcpy(psik, psi, sizeof(double complex) * (size_t)n);
    nnq_grid_execute(c->g, c->fwd, psik);
    const double f = c->hbar / c->mass;
    for (int a = 0; a < c->d; a++) {
        spectral_derivative(c, psik, a, w);
        for (ptrdiff_t i = 0; i < n; i++)
            c->jS[a * n + i] = f * cimag(conj(psi[i]) * w[i]);
    }
    return c->jS;
}

/* The rows before and after this rank's slab of field f into halo slot `slot`. */
static void halo(struct nnq_compare *c, const double *f, int slot) {
    nnq_par_halo(f, sizeof(double) * (size_t)c->plane, c->g->counts, 1, c->next + slot * c->plane,
                 c->prev + slot * c->plane);
}

/* Row r (-1 <= r <= local_n0) along axis 0 of field f, whose halo is in slot. */
static inline const double *row0(const struct nnq_compare *c, const double *f, int slot,
                                 ptrdiff_t r) {
    if (r < 0)
        return c->prev + slot * c->plane;
    if (r >= c->g->local_n0)
        return c->next + slot * c->plane;
    return f + r * c->plane;
}

/* Cell index of the neighbour of cell idx (coordinate k along a >= 1) at offset +-1. */
static inline ptrdiff_t up(const struct nnq_compare *c, ptrdiff_t idx, ptrdiff_t k, int a) {
    return k + 1 < c->g->n[a] ? idx + c->stride[a] : idx - (c->g->n[a] - 1) * c->stride[a];
}
static inline ptrdiff_t down(const struct nnq_compare *c, ptrdiff_t idx, ptrdiff_t k, int a) {
    return k > 0 ? idx - c->stride[a] : idx + (c->g->n[a] - 1) * c->stride[a];
}

/* Coordinates of cell idx of the slab along axes 1 and 2. */
static inline void coords(const struct nnq_compare *c, ptrdiff_t idx, ptrdiff_t *k) {
    k[0] = idx / c->plane;
    k[1] = (idx / c->stride[1]) % c->g->n[1];
    k[2] = idx % c->g->n[2];
}

/* The block of cell idx of the slab (see the invariants). */
static inline ptrdiff_t block_of(const struct nnq_compare *c, ptrdiff_t idx) {
    return c->d == 1 ? 0 : c->g->local_0_start + idx / c->plane;
}

/* sum_i x_i y_i (y NULL: sum_i x_i), as partial sums per block added in the blocks' order,
 * the same on any number of ranks. Collective. */
static double dot(struct nnq_compare *c, const double *x, const double *y) {
    memset(c->rows, 0, sizeof(double) * (size_t)c->nrows);
    const ptrdiff_t len = c->d == 1 ? c->n : c->plane, blocks = c->d == 1 ? 1 : c->g->local_n0;
#pragma omp parallel for num_threads(c->threads) schedule(static)
    for (ptrdiff_t r = 0; r < blocks; r++) {
        double s = 0;
        for (ptrdiff_t i = r * len; i < (r + 1) * len; i++)
            s += y ? x[i] * y[i] : x[i];
        c->rows[block_of(c, r * len)] = s;
    }
    nnq_par_sum(c->rows, (int)c->nrows);
    double s = 0;
    for (ptrdiff_t r = 0; r < c->nrows; r++)
        s += c->rows[r];
    return s;
}

/* The face weights w_a (face i -> i + e_a) of p, and w0prev (the faces below the slab). */
static void weights(struct nnq_compare *c, const double *p, double pmax) {
    const double e = LS_EPS * pmax;
    halo(c, p, H_P);
    for (ptrdiff_t idx = 0; idx < c->n; idx++) {
        ptrdiff_t k[3];
        coords(c, idx, k);
        const ptrdiff_t j = idx - k[0] * c->plane;
        c->w[idx] = 0.5 * (p[idx] + row0(c, p, H_P, k[0] + 1)[j]) + e;
        for (int a = 1; a < c->d; a++)
            c->w[a * c->n + idx] = 0.5 * (p[idx] + p[up(c, idx, k[a], a)]) + e;
    }
    const double *pp = row0(c, p, H_P, -1);
    for (ptrdiff_t j = 0; j < c->plane && c->g->local_n0 > 0; j++)
        c->w0prev[j] = 0.5 * (pp[j] + p[j]) + e;
}

/* out = D^T W D x; with diag != NULL also the diagonal of D^T W D into diag. Collective. */
static void apply(struct nnq_compare *c, const double *x, double *out, double *diag) {
    halo(c, x, H_X);
    double inv2[3];
    for (int a = 0; a < c->d; a++)
        inv2[a] = 1.0 / (c->g->dq[a] * c->g->dq[a]);
#pragma omp parallel for num_threads(c->threads) schedule(static)
    for (ptrdiff_t idx = 0; idx < c->n; idx++) {
        ptrdiff_t k[3];
        coords(c, idx, k);
        const ptrdiff_t j = idx - k[0] * c->plane;
        const double wp = c->w[idx], wm = k[0] > 0 ? c->w[idx - c->plane] : c->w0prev[j];
        double acc = (wp * (x[idx] - row0(c, x, H_X, k[0] + 1)[j]) +
                      wm * (x[idx] - row0(c, x, H_X, k[0] - 1)[j])) *
                     inv2[0];
        double dg = (wp + wm) * inv2[0];
        for (int a = 1; a < c->d; a++) {
            const double *wa = c->w + a * c->n;
            const ptrdiff_t iu = up(c, idx, k[a], a), id = down(c, idx, k[a], a);
            acc += (wa[idx] * (x[idx] - x[iu]) + wa[id] * (x[idx] - x[id])) * inv2[a];
            dg += (wa[idx] + wa[id]) * inv2[a];
        }
        out[idx] = acc;
        if (diag)
            diag[idx] = dg;
    }
}

/* out = D^T W D x in 2D and 3D, line by line along the contiguous last axis (no index
 * arithmetic per cell; the inner loop vectorizes): apply() without the diagonal, faster.
 * Collective. */
static void apply_lines(struct nnq_compare *c, const double *x, double *out) {
    halo(c, x, H_X);
    const struct nnq_grid *g = c->g;
    const int d = c->d, last = d - 1;
    const ptrdiff_t n = c->n, plane = c->plane, nl = g->n[last], lines = plane / nl;
    const ptrdiff_t n1 = d == 3 ? g->n[1] : 1;
    const double i0 = 1.0 / (g->dq[0] * g->dq[0]), il = 1.0 / (g->dq[last] * g->dq[last]);
    const double i1 = d == 3 ? 1.0 / (g->dq[1] * g->dq[1]) : 0;
#pragma omp parallel for num_threads(c->threads) schedule(static)
    for (ptrdiff_t r = 0; r < g->local_n0; r++) {
        const double *xu = row0(c, x, H_X, r + 1), *xd = row0(c, x, H_X, r - 1);
        const double *wu = c->w + r * plane, *wd = r > 0 ? c->w + (r - 1) * plane : c->w0prev;
        for (ptrdiff_t L = 0; L < lines; L++) {
            const ptrdiff_t o = L * nl, base = r * plane + o;
            const double *xc = x + base, *wl = c->w + last * n + base;
            double *y = out + base;
            for (ptrdiff_t i = 0; i < nl; i++) {
                const double v = xc[i];
                y[i] = (wu[o + i] * (v - xu[o + i]) + wd[o + i] * (v - xd[o + i])) * i0;
            }
            if (d == 3) {
                const ptrdiff_t Lu = L + 1 < n1 ? L + 1 : 0, Ld = L > 0 ? L - 1 : n1 - 1;
                const double *xs_u = x + r * plane + Lu * nl, *xs_d = x + r * plane + Ld * nl;
                const double *w1 = c->w + n + base, *w1d = c->w + n + r * plane + Ld * nl;
                for (ptrdiff_t i = 0; i < nl; i++) {
                    const double v = xc[i];
                    y[i] += (w1[i] * (v - xs_u[i]) + w1d[i] * (v - xs_d[i])) * i1;
                }
            }
            /* along the line: the ends wrap */
            y[0] += (wl[0] * (xc[0] - xc[1 % nl]) + wl[nl - 1] * (xc[0] - xc[nl - 1])) * il;
            for (ptrdiff_t i = 1; i < nl - 1; i++)
                y[i] += (wl[i] * (xc[i] - xc[i + 1]) + wl[i - 1] * (xc[i] - xc[i - 1])) * il;
            if (nl > 1)
                y[nl - 1] +=
                    (wl[nl - 1] * (xc[nl - 1] - xc[0]) + wl[nl - 2] * (xc[nl - 1] - xc[nl - 2])) *
                    il;
        }
    }
}

/* b = D^T (m j_face), j_face the average of the two cells. Collective. */
static void rhs(struct nnq_compare *c, const double *j, double *b) {
    halo(c, j, H_J);
    for (ptrdiff_t idx = 0; idx < c->n; idx++) {
        ptrdiff_t k[3];
        coords(c, idx, k);
        const ptrdiff_t i = idx - k[0] * c->plane;
        const double ju = row0(c, j, H_J, k[0] + 1)[i], jd = row0(c, j, H_J, k[0] - 1)[i];
        /* g(i - 1/2) - g(i + 1/2) = m (j_{i-1} - j_{i+1}) / 2 */
        double acc = 0.5 * c->mass * (jd - ju) / c->g->dq[0];
        for (int a = 1; a < c->d; a++) {
            const double *ja = j + a * c->n;
            acc +=
                0.5 * c->mass * (ja[down(c, idx, k[a], a)] - ja[up(c, idx, k[a], a)]) / c->g->dq[a];
        }
        b[idx] = acc;
    }
}

/* 1D: the least-squares potential directly. Each face's equation F_{i+1} - F_i = dq t_i,
 * t_i = m j_face / w, can hold but for the ring's closure sum (F_{i+1} - F_i) = 0; the
 * solution spreads the mismatch as dq lambda / w_i, lambda = sum t_i / sum (1 / w_i), i.e.
 * into the vacuum faces. Exact, O(n); the grid is not distributed (rank 0 holds it). */
static void solve_line(struct nnq_compare *c, const double *p, const double *j, double *x) {
    const ptrdiff_t n = c->n;
    double pmax = 0;
    for (ptrdiff_t i = 0; i < n; i++)
        pmax = p[i] > pmax ? p[i] : pmax;
    const double e = LS_EPS * pmax, dq = c->g->dq[0];
    double st = 0, sw = 0;
    for (ptrdiff_t i = 0; i < n; i++) {
        const ptrdiff_t k = i + 1 < n ? i + 1 : 0;
        const double w = 0.5 * (p[i] + p[k]) + e;
        st += 0.5 * c->mass * (j[i] + j[k]) / w;
        sw += 1.0 / w;
    }
    const double lambda = sw > 0 ? st / sw : 0;
    double f = 0;
    for (ptrdiff_t i = 0; i < n; i++) {
        const ptrdiff_t k = i + 1 < n ? i + 1 : 0;
        const double w = 0.5 * (p[i] + p[k]) + e;
        x[i] = f;
        f += dq * (0.5 * c->mass * (j[i] + j[k]) - lambda) / w;
    }
}

/* x <- the least-squares potential of m j on the weights of p (x: the start), by conjugate
 * gradients with the diagonal (Jacobi) preconditioner. Returns the iterations. Collective.
 * Per iteration: the operator, one dot product, and one fused pass that updates x and r,
 * forms z = r / diag and sums <r, z> and <r, r> (per block, as dot() does). A preconditioner
 * that inverts the constant-coefficient Laplacian by FFT on the sqrt(w)-scaled problem takes
 * a number of iterations that does not grow with the grid (~130 at 512^2 against ~570), but
 * its two transforms per iteration cost more there than the diagonal's extra iterations. */
static long solve(struct nnq_compare *c, const double *p, const double *j, double *x) {
    if (c->d == 1) {
        solve_line(c, p, j, x);
        return 0;
    }
    const ptrdiff_t n = c->n, alloc = c->g->alloc_size, nb = c->nrows;
    double *r = (double *)c->ck[0], *q = r + alloc, *Aq = c->cg, *idg = c->cg + n;
    double *part = c->rows; /* per-block <r, z>, then <r, r> */
    double pmax = 0;
    for (ptrdiff_t i = 0; i < n; i++)
        pmax = p[i] > pmax ? p[i] : pmax;
    weights(c, p, nnq_par_max(pmax));
    rhs(c, j, r);
    const double bn = sqrt(dot(c, r, r));
    if (!(bn > 0)) {
        memset(x, 0, sizeof(double) * (size_t)n);
        return 0;
    }
    apply(c, x, Aq, idg);
    for (ptrdiff_t i = 0; i < n; i++) {
        idg[i] = 1.0 / idg[i];
        r[i] -= Aq[i];
        q[i] = r[i] * idg[i];
    }
    double rz = dot(c, r, q), rr = dot(c, r, r);
    const long most = 50 * (long)(c->g->n[0] + c->g->n[1] + c->g->n[2]) + 1000;
    const ptrdiff_t len = c->plane, blocks = c->g->local_n0;
    long it = 0;
    while (it < most && sqrt(rr) > LS_TOL * bn) {
        apply_lines(c, q, Aq);
        const double alpha = rz / dot(c, q, Aq);
        memset(part, 0, sizeof(double) * 2 * (size_t)nb);
#pragma omp parallel for num_threads(c->threads) schedule(static)
        for (ptrdiff_t b = 0; b < blocks; b++) {
            double s_rz = 0, s_rr = 0;
            for (ptrdiff_t i = b * len; i < (b + 1) * len; i++) {
                x[i] += alpha * q[i];
                r[i] -= alpha * Aq[i];
                Aq[i] = r[i] * idg[i]; /* z, in Aq (free until the next operator) */
                s_rz += r[i] * Aq[i];
                s_rr += r[i] * r[i];
            }
            part[block_of(c, b * len)] = s_rz;
            part[nb + block_of(c, b * len)] = s_rr;
        }
        nnq_par_sum(part, (int)(2 * nb));
        double rz1 = 0;
        rr = 0;
        for (ptrdiff_t b = 0; b < nb; b++) {
            rz1 += part[b];
            rr += part[nb + b];
        }
        const double beta = rz1 / rz;
        rz = rz1;
#pragma omp parallel for num_threads(c->threads) schedule(static)
        for (ptrdiff_t i = 0; i < n; i++)
            q[i] = Aq[i] + beta * q[i];
        it++;
    }
    return it;
}

void nnq_compare_anchor(struct nnq_compare *c, const struct nnq_view *s, const struct nnq_view *m) {
    const ptrdiff_t n = c->n;
    double *P = c->P, *R0 = c->P + n;
    memset(P, 0, sizeof(double) * (size_t)n);
    solve(c, m->p, m->j, P);
    double pmax = 0;
    for (ptrdiff_t i = 0; i < n; i++)
        pmax = m->p[i] > pmax ? m->p[i] : pmax;
    const double fade = ANCHOR_FADE * nnq_par_max(pmax);
    for (ptrdiff_t i = 0; i < n; i++) {
        const double p0 = m->p[i], w0 = p0 * p0 / (p0 * p0 + fade * fade);
        R0[i] = w0 * c->hbar * carg(s->psi[i] * cexp(-I * P[i] / c->hbar));
    }
}

void nnq_compare_unwrap(struct nnq_compare *c, const double complex *psi, const double *p,
                        const double *j, double *F) {
    const ptrdiff_t n = c->n;
    memset(F, 0, sizeof(double) * (size_t)n);
    solve(c, p, j, F);
    for (ptrdiff_t i = 0; i < n; i++)
        F[i] += c->hbar * carg(psi[i] * cexp(-I * F[i] / c->hbar));
}

double *nnq_compare_state(struct nnq_compare *c) { return c->P; }

/* Labels each support cell (p >= floor max p) with the least global index of its component, the
 * others with -1; returns the components' least indices, ascending, in ids[0 ..
 * NNQ_COMPARE_MAX_COMPONENTS) and their number. Collective. */
static long components(struct nnq_compare *c, const double *p, double pmax, double *ids) {
    const struct nnq_grid *g = c->g;
    const ptrdiff_t n = c->n, base = g->local_0_start * c->plane;
    const double thr = c->floor * pmax;
    double *L = c->label;
    for (ptrdiff_t i = 0; i < n; i++)
        L[i] = p[i] >= thr && p[i] > 0 ? (double)(base + i) : -1;
    for (;;) {
        int changed = 1;
        while (changed) { /* sweeps within the slab */
            changed = 0;
            for (int pass = 0; pass < 2; pass++)
                for (ptrdiff_t s = 0; s < n; s++) {
                    const ptrdiff_t idx = pass ? n - 1 - s : s;
                    if (L[idx] < 0)
                        continue;
                    ptrdiff_t k[3];
                    coords(c, idx, k);
                    double best = L[idx];
                    if (k[0] + 1 < g->local_n0 && L[idx + c->plane] >= 0)
                        best = fmin(best, L[idx + c->plane]);
                    if (k[0] > 0 && L[idx - c->plane] >= 0)
                        best = fmin(best, L[idx - c->plane]);
                    for (int a = 1; a < c->d; a++) {
                        const double lu = L[up(c, idx, k[a], a)], ld = L[down(c, idx, k[a], a)];
                        if (lu >= 0)
                            best = fmin(best, lu);
                        if (ld >= 0)
                            best = fmin(best, ld);
                    }
                    if (best < L[idx]) {
                        L[idx] = best;
                        changed = 1;
                    }
                }
        }
        /* across the slab's ends (and the periodic seam of axis 0) */
        halo(c, L, H_L);
        int edge = 0;
        for (ptrdiff_t r = 0; r < g->local_n0; r += (g->local_n0 > 1 ? g->local_n0 - 1 : 1))
            for (ptrdiff_t j = 0; j < c->plane; j++) {
                double *l = L + r * c->plane + j;
                for (int side = -1; side <= 1; side += 2) {
                    const double o = row0(c, L, H_L, r + side)[j];
                    if (*l >= 0 && o >= 0 && o < *l) {
                        *l = o;
                        edge = 1;
                    }
                }
            }
        if (!nnq_par_any(edge))
            break;
    }
    long count = 0;
    for (ptrdiff_t i = 0; i < n; i++)
        count += L[i] == (double)(base + i);
    double total = (double)count;
    nnq_par_sum(&total, 1);
    double last = -1;
    const long kept = total < NNQ_COMPARE_MAX_COMPONENTS ? (long)total : NNQ_COMPARE_MAX_COMPONENTS;
    for (long k = 0; k < kept; k++) {
        double next = INFINITY;
        for (ptrdiff_t i = 0; i < n; i++)
            if (L[i] > last && L[i] < next)
                next = L[i];
        next = -nnq_par_max(-next);
        ids[k] = last = next;
    }
    return (long)total;
}

/* The component of a cell with label l: an index into ids (the last for components past the kept
 * ones), or `kept` for vacuum. */
static long component_of(double l, const double *ids, long kept) {
    if (l < 0)
        return kept;
    long lo = 0, hi = kept - 1;
    while (lo < hi) {
        const long mid = (lo + hi + 1) / 2;
        if (ids[mid] <= l)
            lo = mid;
        else
            hi = mid - 1;
    }
    return lo;
}

/* d_a u_q at cell idx (coordinates k in the slab), central; along axis 0 from the halo. */
static double du(const struct nnq_compare *c, const double *u, int q, int a, ptrdiff_t idx,
                 const ptrdiff_t *k) {
    const double *uq = u + q * c->n;
    if (a == 0) {
        const ptrdiff_t j = idx - k[0] * c->plane;
        return (row0(c, uq, H_U + q, k[0] + 1)[j] - row0(c, uq, H_U + q, k[0] - 1)[j]) /
               (2 * c->g->dq[0]);
    }
    return (uq[up(c, idx, k[a], a)] - uq[down(c, idx, k[a], a)]) / (2 * c->g->dq[a]);
}

/* sqrt(integral p |curl(m u)|^2 dq), central differences; 0 in 1D. Collective. */
static double curl_norm(struct nnq_compare *c, const double *p, const double *u) {
    if (c->d < 2)
        return 0.0;
    for (int q = 0; q < c->d; q++)
        halo(c, u + q * c->n, H_U + q);
    double *cell = (double *)c->ck[1];
    for (ptrdiff_t idx = 0; idx < c->n; idx++) {
        ptrdiff_t k[3];
        coords(c, idx, k);
        double w2 = 0;
        /* component normal to the plane (a, b): d_a u_b - d_b u_a */
        static const int planes[3][2] = {{0, 1}, {1, 2}, {2, 0}};
        for (int s = 0; s < (c->d == 3 ? 3 : 1); s++) {
            int a = planes[s][0], b = planes[s][1];
            double w = du(c, u, b, a, idx, k) - du(c, u, a, b, idx, k);
            w2 += w * w;
        }
        cell[idx] = p[idx] * w2;
    }
    return c->mass * sqrt(dot(c, cell, NULL) * c->g->dv);
}

/* -integral p ln p dq and the Fisher information integral |grad p|^2 / p dq of p, the latter as
 * 4 integral |grad sqrt p|^2 dq by differences across the faces. The ratio form |D p|^2 / p
 * divides differences of a packet's tail by values that may be 1e40 times smaller (the two
 * sides of a periodic box: 5e56 where the exact value is 2); sqrt p has no such quotient. */
static void information(struct nnq_compare *c, const double *p, double *entropy, double *fisher) {
    double *S = (double *)c->ck[1], *Fi = S + c->g->alloc_size, *s = (double *)c->ck[0];
    for (ptrdiff_t idx = 0; idx < c->n; idx++)
        s[idx] = sqrt(fmax(p[idx], 0));
    halo(c, s, H_X);
    for (ptrdiff_t idx = 0; idx < c->n; idx++) {
        ptrdiff_t k[3];
        coords(c, idx, k);
        const ptrdiff_t j = idx - k[0] * c->plane;
        S[idx] = p[idx] > 0 ? -p[idx] * log(p[idx]) : 0;
        const double g0 = (row0(c, s, H_X, k[0] + 1)[j] - s[idx]) / c->g->dq[0];
        double g2 = g0 * g0;
        for (int a = 1; a < c->d; a++) {
            const double ga = (s[up(c, idx, k[a], a)] - s[idx]) / c->g->dq[a];
            g2 += ga * ga;
        }
        Fi[idx] = 4 * g2;
    }
    *entropy = dot(c, S, NULL) * c->g->dv;
    *fisher = dot(c, Fi, NULL) * c->g->dv;
}

/* Asserts c's invariants that cost O(1) (on in debug and sanitizer builds). */
static void compare_check(const struct nnq_compare *c) {
    (void)c; /* NDEBUG: no asserts */
    assert(c && c->g && c->n == c->g->local_size && c->d == c->g->dims);
    assert(c->plane == c->g->n[1] * c->g->n[2] && c->jS && c->F && c->P && c->label && c->w);
    assert(c->ck[0] && c->ck[1] && c->hbar > 0 && c->mass > 0 && c->floor > 0);
}

void nnq_compare_run(struct nnq_compare *c, const struct nnq_view *s, const struct nnq_view *m,
                     struct nnq_divergence *dv) {
    compare_check(c);
    nnq_view_check(s);
    nnq_view_check(m);
    const struct nnq_grid *g = c->g;
    const ptrdiff_t n = c->n;
    const int d = c->d;
    const double hbar = c->hbar;
    const double complex *psi = s->psi;
    const double *pm = m->p, *jm = m->j;

    if (m->F) { /* a description that evolves F itself: nothing to reconstruct */
        dv->iterations = 0;
        memcpy(c->F, m->F, sizeof(double) * (size_t)n);
    } else {
        dv->iterations = solve(c, pm, jm, c->P);
        for (ptrdiff_t i = 0; i < n; i++)
            c->F[i] = c->P[i] + c->P[n + i];
    }
    double pmax = 0;
    for (ptrdiff_t i = 0; i < n; i++)
        pmax = pm[i] > pmax ? pm[i] : pmax;
    pmax = nnq_par_max(pmax);
    /* where the solver holds the velocity to the bulk's speed (madelung.c, speeds()) */
    const double held = m->vacuum > 0 ? m->vacuum : nnq_madelung_trusted(c->floor, pmax);
    double ids[NNQ_COMPARE_MAX_COMPONENTS];
    dv->components = components(c, pm, pmax, ids);
    const long kept =
        dv->components < NNQ_COMPARE_MAX_COMPONENTS ? dv->components : NNQ_COMPARE_MAX_COMPONENTS;
    dv->curl = curl_norm(c, pm, m->u);
    information(c, pm, &dv->entropy, &dv->fisher);

    /* per-component sums (the last group: vacuum) of p_S e^{i(F_S - F_M)/hbar} and of
     * conj(psi_S) psi_M, by rows as dot() does */
    const long groups = kept + 1;
    const size_t width = ACC_WIDTH;
    double *acc = c->acc;
    memset(acc, 0, sizeof(double) * (size_t)c->nrows * width);
    const double *jS = nnq_compare_current(c, psi);
    for (ptrdiff_t idx = 0; idx < n; idx++) {
        double *a = acc + (size_t)block_of(c, idx) * width;
        const double pS = creal(psi[idx]) * creal(psi[idx]) + cimag(psi[idx]) * cimag(psi[idx]);
        const double pM = pm[idx];
        double sq = 0;
        for (int q = 0; q < d; q++) {
            const double diff = jS[q * n + idx] - jm[q * n + idx];
            sq += diff * diff;
            a[5 + q] += jm[q * n + idx];
        }
        a[0] += fabs(pS - pM);
        a[1] += sqrt(sq);
        a[2] += pM;
        a[3] += pS;
        a[4] += fmax(pM, 0);
        const long k = component_of(c->label[idx], ids, kept);
        const double complex rot = cexp(-I * c->F[idx] / hbar); /* psi_M = sqrt(p_M) / rot */
        const double complex ph = sqrt(pS) * psi[idx] * rot;    /* p_S e^{i(F_S - F_M)/hbar} */
        const double complex ov = conj(psi[idx]) * sqrt(fmax(pM, 0)) * conj(rot);
        a[ACC_HELD] += pM < held ? fmax(pM, 0) : 0;
        a[ACC_COMPONENTS + 4 * k] += creal(ph);
        a[ACC_COMPONENTS + 1 + 4 * k] += cimag(ph);
        a[ACC_COMPONENTS + 2 + 4 * k] += creal(ov);
        a[ACC_COMPONENTS + 3 + 4 * k] += cimag(ov);
    }
    nnq_par_sum(acc, (int)((size_t)c->nrows * width));
    double *tot = acc; /* block 0 becomes the total, blocks added in order */
    for (ptrdiff_t r = 1; r < c->nrows; r++)
        for (size_t q = 0; q < width; q++)
            tot[q] += acc[(size_t)r * width + q];
    double complex cph[NNQ_COMPARE_MAX_COMPONENTS + 1];
    double overlap = 0;
    for (long k = 0; k < groups; k++) {
        const double complex ph = tot[ACC_COMPONENTS + 4 * k] + I * tot[ACC_COMPONENTS + 1 + 4 * k];
        cph[k] = cabs(ph) > 0 ? ph / cabs(ph) : 1;
        overlap += cabs(tot[ACC_COMPONENTS + 2 + 4 * k] + I * tot[ACC_COMPONENTS + 3 + 4 * k]);
    }
    double *row_dF = (double *)c->ck[1];
    for (ptrdiff_t idx = 0; idx < n; idx++) {
        const double pS = creal(psi[idx]) * creal(psi[idx]) + cimag(psi[idx]) * cimag(psi[idx]);
        const long k = component_of(c->label[idx], ids, kept);
        row_dF[idx] =
            pS > 0 ? pS * fabs(carg(psi[idx] * cexp(-I * c->F[idx] / hbar) * conj(cph[k]))) : 0;
    }
    const double dF = dot(c, row_dF, NULL);
    const double dvol = g->dv, ns = tot[3], nm = tot[4];
    dv->div_p_l1 = tot[0] * dvol;
    dv->div_j_l1 = tot[1] * dvol;
    dv->div_F = dF * dvol;
    dv->infidelity = ns > 0 && nm > 0 ? 1.0 - overlap * overlap / (ns * nm) : 1.0;
    dv->mass = tot[2] * dvol;
    dv->held = nm > 0 ? tot[ACC_HELD] / nm : 0;
    for (int q = 0; q < 3; q++)
        dv->momentum[q] = q < d ? tot[5 + q] * dvol : 0;
}

const double *nnq_compare_free_energy(const struct nnq_compare *c) { return c->F; }

void nnq_compare_destroy(struct nnq_compare *c) {
    if (!c)
        return;
    if (c->fwd)
        fftw_destroy_plan(c->fwd);
    if (c->bwd)
        fftw_destroy_plan(c->bwd);
    fftw_free(c->jS);
    fftw_free(c->F);
    fftw_free(c->P);
    fftw_free(c->label);
    fftw_free(c->w);
    fftw_free(c->cg);
    fftw_free(c->w0prev);
    fftw_free(c->prev);
    fftw_free(c->next);
    fftw_free(c->rows);
    fftw_free(c->acc);
    for (int k = 0; k < 2; k++)
        fftw_free(c->ck[k]);
    free(c);
}
