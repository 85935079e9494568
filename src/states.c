/*
 * states.c - the lowest eigenstates of the grid Hamiltonian (see include/nnq/states.h):
 * imaginary time with orthogonalisation, then LOBPCG with H itself.
 */
#include "nnq/states.h"

#include <assert.h>
#include <cblas.h>
#include <fftw3.h>
#include <lapacke.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nnq/par.h"
#include "rng.h"

#define RITZ_EVERY 10  /* imaginary-time steps between orthonormalisations */
#define RELAX_MAX 2000 /* imaginary-time steps at most */
/* phase 1 ends when the Ritz values move by less than this of the spread in RITZ_EVERY steps */
#define RELAX_MOVE 1e-2
#define DROP 1e-14    /* SVQB: a Gram eigenvalue below this of the largest is a dependent one */
#define INNER_STEPS 8 /* conjugate-gradient steps of the preconditioner */
#define ROWS 1024     /* rows of a block product done in place */
#define MAX_COLS (3 * (NNQ_STATES_MAX + 2 + NNQ_STATES_MAX / 2))

/*
 * Invariants: 1 <= k < m <= 3 m columns of ld >= max(n, 1) values in S and HS; S's columns
 * 0 .. m are the block X (orthonormal over the grid's sum, HS holding H of each), m .. 2m the
 * preconditioned residuals W, 2m .. 3m the last change P; fft holds the grid's alloc_size
 * values; V, kick, dinv: n values; T, decay (phase 1: exp(-tau T); phase 2: the preconditioner's
 * (T + t)^-1): the grid's k_local_size; theta: 3m Ritz values, the
 * block's first; small: (3m)^2 and rows: ROWS x 3m scratch. Once solved, phi holds the states
 * and the work arrays are freed (NULL).
 */
struct nnq_states {
    const struct nnq_grid *g;
    struct nnq_states_params par;
    int k, m;
    ptrdiff_t n, ld;
    double complex *phi;           /* the result: k columns of ld (the work arrays freed) */
    double *S, *HS, *small, *rows; /* real: H is real symmetric on the grid */
    double complex *fft;
    double *V, *kick, *T, *decay, *theta;
    double *dinv;  /* n values: the preconditioner's D^-1/2 of one state */
    double *cg[5]; /* n values each: the inner conjugate gradients' vectors */
    double vmin, tmin;
    double energy[NNQ_STATES_MAX], residual[NNQ_STATES_MAX], error[NNQ_STATES_MAX];
    long relax, iter;
    fftw_plan fwd, bwd;
};

static void check_states(const struct nnq_states *s) {
    (void)s;
    assert(s && s->g && s->k >= 1 && s->k < s->m && s->ld >= (s->n > 1 ? s->n : 1));
    assert(s->S && s->HS && s->fft && s->small && s->rows && s->V && s->T && s->theta);
}

static int guard_of(int k) { return 2 + k / 2; }

void nnq_states_bytes_per_point(int count, size_t *work, size_t *kept) {
    const int m = count + guard_of(count);
    /* S, HS (3m columns each), the conjugate gradients' 5 and the FFT buffer; V, kick, dinv;
     * T, decay; then the states */
    *work = sizeof(double) * (size_t)(6 * m + 5) + sizeof(double complex) + 5 * sizeof(double);
    *kept = sizeof(double complex) * (size_t)count;
}

static double *col(double *a, const struct nnq_states *s, int j) {
    return a + (ptrdiff_t)j * s->ld;
}

/* y = IFFT(f FFT x) / N on n points, f: k_local_size factors (T, the decay, the resolvent).
 * x and y may be one. Collective. */
static void kspace(struct nnq_states *s, const double *x, double *y, const double *f) {
    const struct nnq_grid *g = s->g;
    const double inv = 1.0 / (double)g->total;
    for (ptrdiff_t i = 0; i < s->n; i++)
        s->fft[i] = x[i];
    nnq_grid_execute(g, s->fwd, s->fft);
    for (ptrdiff_t i = 0; i < g->k_local_size; i++)
        s->fft[i] *= f[i] * inv;
    nnq_grid_execute(g, s->bwd, s->fft);
    for (ptrdiff_t i = 0; i < s->n; i++) /* real to round-off: the factors are even in k */
        y[i] = creal(s->fft[i]);
}

/* y = H x. Collective. */
static void apply_h(struct nnq_states *s, const double *x, double *y) {
    kspace(s, x, y, s->T);
    for (ptrdiff_t i = 0; i < s->n; i++)
        y[i] += s->V[i] * x[i];
}

/* G (na x nb, column-major) = A^T B over the whole grid. Collective. */
static void gram(struct nnq_states *s, const double *a, int na, const double *b, int nb,
                 double *G) {
    cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, na, nb, (int)s->n, 1.0, a, (int)s->ld, b,
                (int)s->ld, 0.0, G, na);
    nnq_par_sum(G, na * nb);
}

/* The eigenvalues (ascending) and eigenvectors (into A) of the symmetric n x n matrix A, rank
 * 0's, which every rank then holds. Returns LAPACK's info (0: done). Collective. */
static int syev(int n, double *A, double *w) {
    int info = 0;
    if (nnq_par_rank() == 0)
        info = (int)LAPACKE_dsyev(LAPACK_COL_MAJOR, 'V', 'U', n, A, n, w);
    nnq_par_bcast(&info, sizeof info);
    nnq_par_bcast(A, sizeof(double) * (size_t)n * (size_t)n);
    nnq_par_bcast(w, sizeof(double) * (size_t)n);
    return info;
}

/* Columns 0 .. nc of A become A[:, 0 .. na] C (C: na x nc, leading dimension ldc); and, when
 * p is given, columns 0 .. np of p become A[:, from .. na] C[from .. na, 0 .. np]. Row block
 * by row block, through the scratch rows, so A may be overwritten in place. */
static void combine(struct nnq_states *s, double *A, int na, const double *C, int ldc, int nc,
                    double *p, int from, int np) {
    for (ptrdiff_t r0 = 0; r0 < s->n; r0 += ROWS) {
        const int nr = (int)(s->n - r0 < ROWS ? s->n - r0 : ROWS);
        for (int j = 0; j < na; j++)
            memcpy(s->rows + (ptrdiff_t)j * ROWS, col(A, s, j) + r0, sizeof(double) * (size_t)nr);
        cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, nr, nc, na, 1.0, s->rows, ROWS, C,
                    ldc, 0.0, A + r0, (int)s->ld);
        if (p && np > 0 && na > from)
            cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, nr, np, na - from, 1.0,
                        s->rows + (ptrdiff_t)from * ROWS, ROWS, C + from, ldc, 0.0, p + r0,
                        (int)s->ld);
    }
}

/* Z (nz columns) loses its components along the orthonormal X (nx columns), `passes` times.
 * Collective. */
static void project(struct nnq_states *s, double *Z, int nz, const double *X, int nx, int passes) {
    if (nx == 0 || nz == 0)
        return;
    for (int pass = 0; pass < passes; pass++) {
        gram(s, X, nx, Z, nz, s->small);
        cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)s->n, nz, nx, -1.0, X,
                    (int)s->ld, s->small, nx, 1.0, Z, (int)s->ld);
    }
}

/* Orthonormalises the nz columns of Z (SVQB), dropping dependent directions; returns how many
 * are left (at the front of Z), or -1 when LAPACK failed. Collective. */
static int svqb(struct nnq_states *s, double *Z, int nz) {
    if (nz == 0)
        return 0;
    double *G = s->small;
    double w[MAX_COLS], d[MAX_COLS];
    gram(s, Z, nz, Z, nz, G);
    for (int j = 0; j < nz; j++) {
        const double gjj = G[j + j * nz];
        d[j] = gjj > 0 ? 1.0 / sqrt(gjj) : 0.0;
    }
    for (int j = 0; j < nz; j++)
        for (int i = 0; i < nz; i++)
            G[i + j * nz] *= d[i] * d[j];
    if (syev(nz, G, w))
        return -1;
    int keep = 0;
    while (keep < nz && w[nz - 1 - keep] > DROP * w[nz - 1])
        keep++;
    /* C = diag(d) U[:, nz - keep ..] / sqrt(w), into the first keep columns of G */
    for (int j = 0; j < keep; j++) {
        const int src = nz - keep + j;
        const double f = 1.0 / sqrt(w[src]);
        for (int i = 0; i < nz; i++)
            G[i + j * nz] = d[i] * G[i + src * nz] * f;
    }
    combine(s, Z, nz, G, nz, keep, NULL, 0, 0);
    return keep;
}

/* Z orthonormal and orthogonal to X: projection and SVQB, twice (a direction that SVQB scales
 * up from a small remainder brings back the round-off of its projection). Returns the columns
 * left, or -1 (LAPACK). Collective. */
static int orthonormalise(struct nnq_states *s, double *Z, int nz, const double *X, int nx) {
    for (int pass = 0; pass < 2 && nz > 0; pass++) { /* the second projection of pass 1 removes
                                                      * the round-off of the first; pass 2's
                                                      * one that of SVQB's scaling */
        project(s, Z, nz, X, nx, 2 - pass);
        nz = svqb(s, Z, nz);
    }
    return nz;
}

/* Columns from .. to of S: numbers in (-1/2, 1/2) keyed by the global point and the column,
 * so that every decomposition of the grid starts from the same block. */
static void fill_random(struct nnq_states *s, int from, int to, uint64_t round) {
    const struct nnq_grid *g = s->g;
    const uint64_t first = (uint64_t)(g->local_0_start * g->n[1] * g->n[2]);
    for (int j = from; j < to; j++) {
        double *x = col(s->S, s, j);
        for (ptrdiff_t i = 0; i < s->n; i++)
            x[i] = nnq_rng_uniform(nnq_rng_mix(first + (uint64_t)i) ^
                                   nnq_rng_mix((uint64_t)j + 64 * round)) -
                   0.5;
    }
}

/* Rayleigh-Ritz in span(S[:, 0 .. ns)) with H (HS holding H of each column): the block X
 * (columns 0 .. m) becomes the m lowest Ritz vectors, HS likewise, theta their values; when
 * ns > m, P (columns 2m .. 3m) becomes their part in columns m .. ns. ritz: X holds Ritz
 * vectors already, theta their values (then ns > m). Returns 0, or -1 (LAPACK). Collective. */
static int rayleigh_ritz(struct nnq_states *s, int ns, int ritz) {
    double *A = s->small;
    const int m = s->m, np = ns > m ? m : 0;
    if (ritz) { /* X holds Ritz vectors: X^T H X = diag(theta); the rest from S^T H Z */
        double *B = s->small + (size_t)ns * (size_t)ns;
        gram(s, s->S, ns, col(s->HS, s, m), ns - m, B);
        for (int j = 0; j < ns; j++)
            for (int i = 0; i < ns; i++)
                A[i + j * ns] = j >= m   ? B[i + (j - m) * ns]
                                : i >= m ? B[j + (i - m) * ns]
                                : i == j ? s->theta[i]
                                         : 0.0;
    } else
        gram(s, s->S, ns, s->HS, ns, A);
    for (int j = 0; j < ns; j++)
        for (int i = 0; i <= j; i++) { /* symmetric to round-off: symmetrised */
            const double a = 0.5 * (A[i + j * ns] + A[j + i * ns]);
            A[i + j * ns] = a;
            A[j + i * ns] = a;
        }
    if (syev(ns, A, s->theta))
        return -1;
    combine(s, s->S, ns, A, ns, m, col(s->S, s, 2 * m), m, np);
    combine(s, s->HS, ns, A, ns, m, col(s->HS, s, 2 * m), m, np);
    return 0;
}

/* H of columns from .. to of S into HS. Collective. */
static void apply_block(struct nnq_states *s, int from, int to) {
    for (int j = from; j < to; j++)
        apply_h(s, col(s->S, s, j), col(s->HS, s, j));
}

static enum nnq_status lapack_failed(struct nnq_err *err) {
    return nnq_err_set(err, NNQ_ERR_RUNTIME, "eigenstates: LAPACK's dsyev failed");
}

/* Phase 1: imaginary time with orthogonalisation (nnq/states.h). Collective. */
static enum nnq_status relax(struct nnq_states *s, struct nnq_err *err) {
    const int m = s->m, k = s->k;
    const struct nnq_grid *g = s->g;
    fill_random(s, 0, m, 0);
    int nx = svqb(s, s->S, m);
    for (uint64_t round = 1; nx >= 0 && nx < m && round < 8; round++) {
        fill_random(s, nx, m, round); /* a start that lost columns (a grid of few points) */
        nx += orthonormalise(s, col(s->S, s, nx), m - nx, s->S, nx);
    }
    if (nx != m)
        return nx < 0 ? lapack_failed(err)
                      : nnq_err_set(err, NNQ_ERR_RUNTIME,
                                    "eigenstates: no %d independent start states on the grid", m);
    apply_block(s, 0, m);
    if (rayleigh_ritz(s, m, 0))
        return lapack_failed(err);
    double prev[NNQ_STATES_MAX + 1];
    while (s->relax < RELAX_MAX) {
        memcpy(prev, s->theta, sizeof(double) * (size_t)(k + 1));
        const double span = s->theta[m - 1] - s->vmin;
        const double tau = 1.0 / (span > s->tmin ? span : s->tmin);
        for (ptrdiff_t i = 0; i < s->n; i++)
            s->kick[i] = exp(-0.5 * tau * (s->V[i] - s->vmin));
        for (ptrdiff_t i = 0; i < g->k_local_size; i++)
            s->decay[i] = exp(-tau * s->T[i]);
        for (int j = 0; j < m; j++) {
            double *x = col(s->S, s, j);
            for (int step = 0; step < RITZ_EVERY; step++) {
                for (ptrdiff_t i = 0; i < s->n; i++)
                    x[i] *= s->kick[i];
                kspace(s, x, x, s->decay);
                for (ptrdiff_t i = 0; i < s->n; i++)
                    x[i] *= s->kick[i];
            }
        }
        s->relax += RITZ_EVERY;
        nx = svqb(s, s->S, m);
        if (nx >= 0 && nx < m) { /* tau overshot: fresh directions, orthogonal to the rest */
            fill_random(s, nx, m, (uint64_t)s->relax);
            nx += orthonormalise(s, col(s->S, s, nx), m - nx, s->S, nx);
        }
        if (nx < 0)
            return lapack_failed(err);
        if (nx < m)
            continue; /* next round: the block stays as it is */
        apply_block(s, 0, m);
        if (rayleigh_ritz(s, m, 0))
            return lapack_failed(err);
        double move = 0.0;
        for (int j = 0; j < k; j++)
            move = fmax(move, fabs(s->theta[j] - prev[j]));
        const double spread = fmax(s->theta[k] - s->theta[0], s->tmin);
        if (move <= RELAX_MOVE * spread)
            break;
    }
    return NNQ_OK;
}

/* The error bounds r_j^2 / (theta_k - theta_j) of the wanted states, from the residuals in
 * columns m .. m + k; returns the largest. Collective. */
static double bounds(struct nnq_states *s) {
    const int m = s->m, k = s->k;
    double r2[NNQ_STATES_MAX];
    for (int j = 0; j < k; j++) {
        const double *r = col(s->S, s, m + j);
        double a = 0.0;
        for (ptrdiff_t i = 0; i < s->n; i++)
            a += r[i] * r[i];
        r2[j] = a;
    }
    nnq_par_sum(r2, k);
    /* a gap within round-off of the block's spread (the k-th state degenerate with the k-1-th)
     * is floored, or the bound of a converged state would never fall */
    const double floor = 1e-3 * fmax(s->theta[m - 1] - s->theta[0], s->tmin);
    double worst = 0.0;
    for (int j = 0; j < k; j++) {
        s->energy[j] = s->theta[j];
        s->residual[j] = sqrt(r2[j]);
        s->error[j] = r2[j] / fmax(s->theta[k] - s->theta[j], floor);
        worst = fmax(worst, s->error[j]);
    }
    return worst;
}

/* z = D^-1/2 (T + t)^-1 D^-1/2 r (nnq/states.h), with D^-1/2 in dinv and (T + t)^-1 in
 * decay, made for the state's theta and t by precondition(); z may be r. Collective. */
static void smooth(struct nnq_states *s, const double *r, double *z) {
    for (ptrdiff_t i = 0; i < s->n; i++)
        z[i] = r[i] * s->dinv[i];
    kspace(s, z, z, s->decay);
    for (ptrdiff_t i = 0; i < s->n; i++)
        z[i] *= s->dinv[i];
}

/* W_j <- INNER_STEPS steps of conjugate gradients on (H - min V + t_j) y = W_j from y = 0,
 * preconditioned by smooth(): an approximate inverse of a positive definite shift of H, the
 * m residuals' preconditioner (nnq/states.h). Collective. */
static void precondition(struct nnq_states *s) {
    const int m = s->m;
    const ptrdiff_t n = s->n;
    double vx[MAX_COLS];
    for (int j = 0; j < m; j++) {
        const double *x = col(s->S, s, j);
        double a = 0.0;
        for (ptrdiff_t i = 0; i < n; i++)
            a += s->V[i] * x[i] * x[i];
        vx[j] = a;
    }
    nnq_par_sum(vx, m);
    double *y = s->cg[0], *r = s->cg[1], *z = s->cg[2], *p = s->cg[3], *ap = s->cg[4];
    for (int j = 0; j < m; j++) {
        const double t = fmax(s->theta[j] - vx[j], s->tmin); /* the kinetic energy */
        const double shift = t - s->vmin;
        for (ptrdiff_t i = 0; i < n; i++) /* smooth()'s factors, once for the inner steps */
            s->dinv[i] = 1.0 / sqrt(1.0 + fmax(s->V[i] - s->theta[j], 0.0) / t);
        for (ptrdiff_t i = 0; i < s->g->k_local_size; i++)
            s->decay[i] = 1.0 / (s->T[i] + t);
        double *w = col(s->S, s, m + j), rz_old = 1.0;
        memcpy(r, w, sizeof(double) * (size_t)n);
        memset(y, 0, sizeof(double) * (size_t)n);
        for (int it = 0; it < INNER_STEPS; it++) {
            smooth(s, r, z);
            double dots[2] = {0.0, 0.0};
            for (ptrdiff_t i = 0; i < n; i++)
                dots[0] += r[i] * z[i];
            nnq_par_sum(dots, 1);
            const double beta = it ? dots[0] / rz_old : 0.0;
            rz_old = dots[0];
            for (ptrdiff_t i = 0; i < n; i++) /* (p holds no value before the first step) */
                p[i] = it ? z[i] + beta * p[i] : z[i];
            apply_h(s, p, ap);
            for (ptrdiff_t i = 0; i < n; i++) {
                ap[i] += shift * p[i];
                dots[1] += p[i] * ap[i];
            }
            nnq_par_sum(dots + 1, 1);
            if (!(dots[0] > 0 && dots[1] > 0))
                break; /* r is zero (to round-off): y is the solution */
            const double alpha = dots[0] / dots[1];
            for (ptrdiff_t i = 0; i < n; i++) {
                y[i] += alpha * p[i];
                r[i] -= alpha * ap[i];
            }
        }
        memcpy(w, y, sizeof(double) * (size_t)n);
    }
}

/* Phase 2: LOBPCG with H (nnq/states.h). Collective. */
static enum nnq_status lobpcg(struct nnq_states *s, struct nnq_err *err) {
    const int m = s->m;
    int np = 0; /* columns of P */
    double worst = INFINITY;
    for (s->iter = 0;; s->iter++) {
        for (int j = 0; j < m; j++) {
            const double *x = col(s->S, s, j), *hx = col(s->HS, s, j);
            double *r = col(s->S, s, m + j);
            for (ptrdiff_t i = 0; i < s->n; i++)
                r[i] = hx[i] - s->theta[j] * x[i];
        }
        worst = bounds(s);
        if (worst <= s->par.tol || s->iter >= s->par.max_iter)
            break;
        precondition(s);
        /* Z = [W, P]: columns m .. 2m + np */
        int nz = orthonormalise(s, col(s->S, s, m), m + np, s->S, m);
        if (nz < 0)
            return lapack_failed(err);
        if (nz == 0)
            break; /* nothing new: the residuals are round-off */
        apply_block(s, m, m + nz);
        if (rayleigh_ritz(s, m + nz, 1))
            return lapack_failed(err);
        np = m;
    }
    if (worst <= s->par.tol)
        return NNQ_OK;
    return nnq_err_set(err, NNQ_ERR_NUMERIC,
                       "the %d lowest eigenstates did not converge: after %ld iterations an "
                       "energy is within %.3g, not %.3g; the grid may not resolve them (see nnq "
                       "check) or the tolerance is below round-off",
                       s->k, s->iter, worst, s->par.tol);
}

/* The states, normalised over the box and their signs fixed (nnq/states.h), into phi (complex,
 * as the fields are). Collective. */
static void finish(struct nnq_states *s) {
    const struct nnq_grid *g = s->g;
    double z[NNQ_STATES_MAX] = {0};
    for (ptrdiff_t i = 0; i < s->n; i++) {
        ptrdiff_t idx[3];
        nnq_grid_index(g, i, idx);
        double e = 0.0;
        for (int a = 0; a < g->dims; a++)
            e += (g->q[a][idx[a]] - 0.5 * (g->qmin[a] + g->qmax[a])) / (g->qmax[a] - g->qmin[a]);
        const double w = exp(e);
        for (int j = 0; j < s->k; j++)
            z[j] += col(s->S, s, j)[i] * w;
    }
    nnq_par_sum(z, s->k);
    const double scale = 1.0 / sqrt(g->dv);
    for (int j = 0; j < s->k; j++) {
        const double f = z[j] < 0 ? -scale : scale;
        const double *x = col(s->S, s, j);
        double complex *phi = s->phi + (ptrdiff_t)j * s->ld;
        for (ptrdiff_t i = 0; i < s->n; i++)
            phi[i] = f * x[i];
    }
}

/* Frees the work arrays and plans. */
static void free_work(struct nnq_states *s) {
    if (s->fwd)
        fftw_destroy_plan(s->fwd);
    if (s->bwd)
        fftw_destroy_plan(s->bwd);
    s->fwd = s->bwd = NULL;
    fftw_free(s->S);
    fftw_free(s->HS);
    fftw_free(s->fft);
    free(s->small);
    free(s->rows);
    free(s->V);
    free(s->kick);
    free(s->dinv);
    free(s->T);
    free(s->decay);
    free(s->theta);
    for (int q = 0; q < 5; q++) {
        free(s->cg[q]);
        s->cg[q] = NULL;
    }
    s->S = s->HS = s->small = s->rows = NULL;
    s->fft = NULL;
    s->V = s->kick = s->dinv = s->T = s->decay = s->theta = NULL;
}

void nnq_states_destroy(struct nnq_states *s) {
    if (!s)
        return;
    free_work(s);
    fftw_free(s->phi);
    free(s);
}

enum nnq_status nnq_states_create(const struct nnq_grid *g, const double *V,
                                  const struct nnq_states_params *par, struct nnq_states **out,
                                  struct nnq_err *err) {
    *out = NULL;
    int k = par->count, guard = guard_of(k);
    if (k + guard > g->total)
        guard = (int)g->total - k;
    if (k < 1 || k > NNQ_STATES_MAX || guard < 1)
        return nnq_err_set(err, NNQ_ERR_CONFIG,
                           "eigenstates: %d asked for, on a grid of %td points (1 .. %d, and "
                           "fewer than the points)",
                           k, g->total, NNQ_STATES_MAX);
    struct nnq_states *s = calloc(1, sizeof *s);
    int ok = s != NULL;
    if (ok) {
        s->g = g;
        s->par = *par;
        s->k = k;
        s->m = k + guard;
        s->n = g->local_size;
        s->ld = s->n > 1 ? s->n : 1;
        const size_t cols = 3 * (size_t)s->m, ld = (size_t)s->ld, n = (size_t)s->ld,
                     nk = (size_t)(g->k_local_size > 1 ? g->k_local_size : 1);
        s->S = fftw_malloc(sizeof(double) * cols * ld);
        s->HS = fftw_malloc(sizeof(double) * cols * ld);
        s->fft = fftw_malloc(sizeof(double complex) * (size_t)g->alloc_size);
        s->small = malloc(sizeof(double) * 2 * cols * cols);
        s->rows = malloc(sizeof(double) * cols * ROWS);
        s->V = malloc(sizeof(double) * n);
        s->kick = malloc(sizeof(double) * n);
        s->dinv = malloc(sizeof(double) * n);
        s->T = malloc(sizeof(double) * nk);
        s->decay = malloc(sizeof(double) * nk);
        s->theta = malloc(sizeof(double) * cols);
        for (int q = 0; q < 5; q++)
            s->cg[q] = malloc(sizeof(double) * n);
        ok = s->S && s->HS && s->fft && s->small && s->rows && s->V && s->kick && s->dinv && s->T &&
             s->decay && s->theta;
        for (int q = 0; q < 5; q++)
            ok = ok && s->cg[q];
    }
    enum nnq_status rc = nnq_par_agree(
        ok ? NNQ_OK
           : nnq_err_set(err, NNQ_ERR_RUNTIME, "out of memory for %d eigenstates", k + guard),
        err);
    if (rc == NNQ_OK) /* plans first: FFTW_MEASURE overwrites the array */
        rc = nnq_par_agree(
            nnq_grid_plan_fft(g, s->fft, par->threads, par->planner, &s->fwd, &s->bwd, err), err);
    if (rc != NNQ_OK) {
        nnq_states_destroy(s);
        return rc;
    }
    check_states(s);

    int finite = 1;
    double vmin = INFINITY;
    for (ptrdiff_t i = 0; i < s->n; i++) {
        s->V[i] = V[i];
        finite &= isfinite(V[i]) != 0;
        vmin = fmin(vmin, V[i]);
    }
    s->vmin = -nnq_par_max(-vmin);
    const double c = par->hbar * par->hbar / (2.0 * par->mass);
    double lmax = 0.0;
    for (int a = 0; a < g->dims; a++)
        lmax = fmax(lmax, g->qmax[a] - g->qmin[a]);
    s->tmin = c * (2.0 * M_PI / lmax) * (2.0 * M_PI / lmax); /* the lowest kinetic energy > 0 */
    nnq_grid_fill_k2(g, c, s->T);
    rc = nnq_par_agree(
        finite ? NNQ_OK
               : nnq_err_set(err, NNQ_ERR_NUMERIC, "eigenstates: V is not finite on the grid"),
        err);
    if (rc == NNQ_OK)
        rc = relax(s, err);
    if (rc == NNQ_OK)
        rc = lobpcg(s, err);
    if (rc != NNQ_OK) {
        nnq_states_destroy(s);
        return rc;
    }
    /* only the states are kept: the runs that follow need the memory */
    s->phi = fftw_malloc(sizeof(double complex) * (size_t)k * (size_t)s->ld);
    rc = nnq_par_agree(
        s->phi ? NNQ_OK : nnq_err_set(err, NNQ_ERR_RUNTIME, "out of memory for %d eigenstates", k),
        err);
    if (rc != NNQ_OK) {
        nnq_states_destroy(s);
        return rc;
    }
    finish(s);
    free_work(s);
    *out = s;
    return NNQ_OK;
}

int nnq_states_count(const struct nnq_states *s) { return s->k; }

const double complex *nnq_states_state(const struct nnq_states *s, int j) {
    assert(j >= 0 && j < s->k && s->phi);
    return s->phi + (ptrdiff_t)j * s->ld;
}

double nnq_states_energy(const struct nnq_states *s, int j) { return s->energy[j]; }
double nnq_states_residual(const struct nnq_states *s, int j) { return s->residual[j]; }
double nnq_states_error(const struct nnq_states *s, int j) { return s->error[j]; }
long nnq_states_relax_steps(const struct nnq_states *s) { return s->relax; }
long nnq_states_iterations(const struct nnq_states *s) { return s->iter; }
