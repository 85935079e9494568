/*
 * free_energy.c - the least-squares Madelung free energy (see include/nnq/free_energy.h).
 *
 * Conjugate gradients on D^T W D F = D^T (m j_face), preconditioned by the diagonal (1D: solved
 * directly). Every sum over the grid (the dot products) is taken by blocks (src/slab.h), so
 * that the iterates, and F_M, are the same bit for bit on any number of ranks.
 */
#include "nnq/free_energy.h"

#include <assert.h>
#include <fftw3.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nnq/par.h"
#include "slab.h"

#define LS_EPS 1e-20      /* face weights p_face + LS_EPS max p: vacuum faces weigh ~nothing */
#define LS_TOL 1e-12      /* the solve stops at |r| <= LS_TOL |b| */
#define ANCHOR_FADE 1e-16 /* R0 fades out below this fraction of max p_0 */

/* Halo slots of the fields the stencils read. */
enum { H_P, H_J, H_X, H_SLOTS };

/*
 * Invariants: s is set up on the grid s.g with H_SLOTS slots; F holds n = g->local_size values, P 2
 * n (the least-squares potential, then R0 faded), w d n (face weights along each axis: face i -> i
 * + e_a, as of the last solve), cg 2 n (the operator's result, 1 / diag), rq 2 n (the solve's r and
 * q); w0prev a plane (the weights of the faces below the slab).
 */
struct nnq_free_energy {
    double hbar, mass;
    struct nnq_slab s;
    double *F, *P, *w, *cg, *rq, *w0prev;
};

size_t nnq_free_energy_bytes_per_point(int dims) {
    /* F 1, P 2, w d, cg 2, rq 2 */
    return sizeof(double) * (size_t)(dims + 7);
}

double nnq_free_energy_fixed_bytes(int dims, const long *n) {
    const double plane = dims == 1 ? 1.0 : (double)n[1] * (dims == 3 ? (double)n[2] : 1.0);
    return nnq_slab_bytes(dims, n, H_SLOTS) + sizeof(double) * plane;
}

enum nnq_status nnq_free_energy_create(const struct nnq_grid *g, double hbar, double mass,
                                       int threads, struct nnq_free_energy **out,
                                       struct nnq_err *err) {
    *out = NULL;
    struct nnq_free_energy *c = calloc(1, sizeof *c);
    const size_t n = g->local_size > 0 ? (size_t)g->local_size : 1; /* a rank may hold none */
    int ok = c && nnq_slab_init(&c->s, g, threads, H_SLOTS) == 0;
    if (ok) {
        c->hbar = hbar;
        c->mass = mass;
        const size_t plane = (size_t)c->s.plane, d = (size_t)g->dims;
        c->F = fftw_malloc(sizeof(double) * n);
        c->P = fftw_malloc(sizeof(double) * 2 * n);
        c->w = fftw_malloc(sizeof(double) * d * n);
        c->cg = fftw_malloc(sizeof(double) * 2 * n);
        c->rq = fftw_malloc(sizeof(double) * 2 * n);
        c->w0prev = fftw_malloc(sizeof(double) * plane);
        ok = c->F && c->P && c->w && c->cg && c->rq && c->w0prev;
    }
    const enum nnq_status rc = nnq_par_agree(
        ok ? NNQ_OK
           : nnq_err_set(err, NNQ_ERR_RUNTIME, "out of memory for the free energy (%zu points)", n),
        err);
    if (rc != NNQ_OK) {
        nnq_free_energy_destroy(c);
        return rc;
    }
    memset(c->F, 0, sizeof(double) * n);
    memset(c->P, 0, sizeof(double) * 2 * n);
    *out = c;
    return NNQ_OK;
}

/* The face weights w_a (face i -> i + e_a) of p, and w0prev (the faces below the slab). */
static void weights(struct nnq_free_energy *c, const double *p, double pmax) {
    const double e = LS_EPS * pmax;
    nnq_slab_halo(&c->s, p, H_P);
    for (ptrdiff_t idx = 0; idx < c->s.n; idx++) {
        ptrdiff_t k[3];
        nnq_slab_coords(&c->s, idx, k);
        const ptrdiff_t j = idx - k[0] * c->s.plane;
        c->w[idx] = 0.5 * (p[idx] + nnq_slab_row0(&c->s, p, H_P, k[0] + 1)[j]) + e;
        for (int a = 1; a < c->s.d; a++)
            c->w[a * c->s.n + idx] = 0.5 * (p[idx] + p[nnq_slab_up(&c->s, idx, k[a], a)]) + e;
    }
    const double *pp = nnq_slab_row0(&c->s, p, H_P, -1);
    for (ptrdiff_t j = 0; j < c->s.plane && c->s.g->local_n0 > 0; j++)
        c->w0prev[j] = 0.5 * (pp[j] + p[j]) + e;
}

/* out = D^T W D x; with diag != NULL also the diagonal of D^T W D into diag. Collective. */
static void apply(struct nnq_free_energy *c, const double *x, double *out, double *diag) {
    nnq_slab_halo(&c->s, x, H_X);
    double inv2[3];
    for (int a = 0; a < c->s.d; a++)
        inv2[a] = 1.0 / (c->s.g->dq[a] * c->s.g->dq[a]);
#pragma omp parallel for num_threads(c->s.threads) schedule(static)
    for (ptrdiff_t idx = 0; idx < c->s.n; idx++) {
        ptrdiff_t k[3];
        nnq_slab_coords(&c->s, idx, k);
        const ptrdiff_t j = idx - k[0] * c->s.plane;
        const double wp = c->w[idx], wm = k[0] > 0 ? c->w[idx - c->s.plane] : c->w0prev[j];
        double acc = (wp * (x[idx] - nnq_slab_row0(&c->s, x, H_X, k[0] + 1)[j]) +
                      wm * (x[idx] - nnq_slab_row0(&c->s, x, H_X, k[0] - 1)[j])) *
                     inv2[0];
        double dg = (wp + wm) * inv2[0];
        for (int a = 1; a < c->s.d; a++) {
            const double *wa = c->w + a * c->s.n;
            const ptrdiff_t iu = nnq_slab_up(&c->s, idx, k[a], a),
                            id = nnq_slab_down(&c->s, idx, k[a], a);
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
static void apply_lines(struct nnq_free_energy *c, const double *x, double *out) {
    nnq_slab_halo(&c->s, x, H_X);
    const struct nnq_grid *g = c->s.g;
    const int d = c->s.d, last = d - 1;
    const ptrdiff_t n = c->s.n, plane = c->s.plane, nl = g->n[last], lines = plane / nl;
    const ptrdiff_t n1 = d == 3 ? g->n[1] : 1;
    const double i0 = 1.0 / (g->dq[0] * g->dq[0]), il = 1.0 / (g->dq[last] * g->dq[last]);
    const double i1 = d == 3 ? 1.0 / (g->dq[1] * g->dq[1]) : 0;
#pragma omp parallel for num_threads(c->s.threads) schedule(static)
    for (ptrdiff_t r = 0; r < g->local_n0; r++) {
        const double *xu = nnq_slab_row0(&c->s, x, H_X, r + 1),
                     *xd = nnq_slab_row0(&c->s, x, H_X, r - 1);
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
static void rhs(struct nnq_free_energy *c, const double *j, double *b) {
    nnq_slab_halo(&c->s, j, H_J);
    for (ptrdiff_t idx = 0; idx < c->s.n; idx++) {
        ptrdiff_t k[3];
        nnq_slab_coords(&c->s, idx, k);
        const ptrdiff_t i = idx - k[0] * c->s.plane;
        const double ju = nnq_slab_row0(&c->s, j, H_J, k[0] + 1)[i],
                     jd = nnq_slab_row0(&c->s, j, H_J, k[0] - 1)[i];
        /* g(i - 1/2) - g(i + 1/2) = m (j_{i-1} - j_{i+1}) / 2 */
        double acc = 0.5 * c->mass * (jd - ju) / c->s.g->dq[0];
        for (int a = 1; a < c->s.d; a++) {
            const double *ja = j + a * c->s.n;
            acc += 0.5 * c->mass *
                   (ja[nnq_slab_down(&c->s, idx, k[a], a)] - ja[nnq_slab_up(&c->s, idx, k[a], a)]) /
                   c->s.g->dq[a];
        }
        b[idx] = acc;
    }
}

/* 1D: the least-squares potential directly. Each face's equation F_{i+1} - F_i = dq t_i,
 * t_i = m j_face / w, can hold but for the ring's closure sum (F_{i+1} - F_i) = 0; the
 * solution spreads the mismatch as dq lambda / w_i, lambda = sum t_i / sum (1 / w_i), i.e.
 * into the vacuum faces. Exact, O(n); the grid is not distributed (rank 0 holds it). */
static void solve_line(struct nnq_free_energy *c, const double *p, const double *j, double *x) {
    const ptrdiff_t n = c->s.n;
    double pmax = 0;
    for (ptrdiff_t i = 0; i < n; i++)
        pmax = p[i] > pmax ? p[i] : pmax;
    const double e = LS_EPS * pmax, dq = c->s.g->dq[0];
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
static long solve(struct nnq_free_energy *c, const double *p, const double *j, double *x) {
    if (c->s.d == 1) {
        solve_line(c, p, j, x);
        return 0;
    }
    const ptrdiff_t n = c->s.n, nb = c->s.nrows;
    double *r = c->rq, *q = c->rq + n, *Aq = c->cg, *idg = c->cg + n;
    double *part = c->s.rows; /* per-block <r, z>, then <r, r> */
    double pmax = 0;
    for (ptrdiff_t i = 0; i < n; i++)
        pmax = p[i] > pmax ? p[i] : pmax;
    weights(c, p, nnq_par_max(pmax));
    rhs(c, j, r);
    const double bn = sqrt(nnq_slab_dot(&c->s, r, r));
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
    double rz = nnq_slab_dot(&c->s, r, q), rr = nnq_slab_dot(&c->s, r, r);
    const long most = 50 * (long)(c->s.g->n[0] + c->s.g->n[1] + c->s.g->n[2]) + 1000;
    const ptrdiff_t len = c->s.plane, blocks = c->s.g->local_n0;
    long it = 0;
    while (it < most && sqrt(rr) > LS_TOL * bn) {
        apply_lines(c, q, Aq);
        const double alpha = rz / nnq_slab_dot(&c->s, q, Aq);
        memset(part, 0, sizeof(double) * 2 * (size_t)nb);
#pragma omp parallel for num_threads(c->s.threads) schedule(static)
        for (ptrdiff_t b = 0; b < blocks; b++) {
            double s_rz = 0, s_rr = 0;
            for (ptrdiff_t i = b * len; i < (b + 1) * len; i++) {
                x[i] += alpha * q[i];
                r[i] -= alpha * Aq[i];
                Aq[i] = r[i] * idg[i]; /* z, in Aq (free until the next operator) */
                s_rz += r[i] * Aq[i];
                s_rr += r[i] * r[i];
            }
            part[nnq_slab_block(&c->s, b * len)] = s_rz;
            part[nb + nnq_slab_block(&c->s, b * len)] = s_rr;
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
#pragma omp parallel for num_threads(c->s.threads) schedule(static)
        for (ptrdiff_t i = 0; i < n; i++)
            q[i] = Aq[i] + beta * q[i];
        it++;
    }
    return it;
}

/* Asserts f's invariants that cost O(1) (on in debug and sanitizer builds). */
static void free_energy_check(const struct nnq_free_energy *c) {
    (void)c; /* NDEBUG: no asserts */
    assert(c && c->s.g && c->s.n == c->s.g->local_size && c->s.d == c->s.g->dims);
    assert(c->s.slots == H_SLOTS && c->F && c->P && c->w && c->cg && c->rq && c->w0prev);
    assert(c->hbar > 0 && c->mass > 0);
}

void nnq_free_energy_anchor(struct nnq_free_energy *c, const double complex *psi, const double *p,
                            const double *j) {
    free_energy_check(c);
    const ptrdiff_t n = c->s.n;
    double *P = c->P, *R0 = c->P + n;
    memset(P, 0, sizeof(double) * (size_t)n);
    solve(c, p, j, P);
    double pmax = 0;
    for (ptrdiff_t i = 0; i < n; i++)
        pmax = p[i] > pmax ? p[i] : pmax;
    const double fade = ANCHOR_FADE * nnq_par_max(pmax);
    for (ptrdiff_t i = 0; i < n; i++) {
        const double p0 = p[i], w0 = p0 * p0 / (p0 * p0 + fade * fade);
        R0[i] = w0 * c->hbar * carg(psi[i] * cexp(-I * P[i] / c->hbar));
    }
}

long nnq_free_energy_update(struct nnq_free_energy *c, const double *p, const double *j) {
    free_energy_check(c);
    const ptrdiff_t n = c->s.n;
    const long iterations = solve(c, p, j, c->P);
    for (ptrdiff_t i = 0; i < n; i++)
        c->F[i] = c->P[i] + c->P[n + i];
    return iterations;
}

const double *nnq_free_energy_get(const struct nnq_free_energy *c) { return c->F; }

void nnq_free_energy_unwrap(struct nnq_free_energy *c, const double complex *psi, const double *p,
                            const double *j, double *F) {
    free_energy_check(c);
    const ptrdiff_t n = c->s.n;
    memset(F, 0, sizeof(double) * (size_t)n);
    solve(c, p, j, F);
    for (ptrdiff_t i = 0; i < n; i++)
        F[i] += c->hbar * carg(psi[i] * cexp(-I * F[i] / c->hbar));
}

double *nnq_free_energy_state(struct nnq_free_energy *c) { return c->P; }

void nnq_free_energy_destroy(struct nnq_free_energy *c) {
    if (!c)
        return;
    nnq_slab_free(&c->s);
    fftw_free(c->F);
    fftw_free(c->P);
    fftw_free(c->w);
    fftw_free(c->cg);
    fftw_free(c->rq);
    fftw_free(c->w0prev);
    free(c);
}
