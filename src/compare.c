/*
 * compare.c - the Madelung description against the Schrodinger one (see include/nnq/compare.h).
 *
 * F_M from m u by the trapezoid rule along grid lines from the densest cell: first along the
 * last axis through it, then along each earlier axis, never across the periodic seam. Where
 * m u is a gradient on the support this is its potential. Across ranks: the plane through the
 * anchor normal to axis 0 is integrated by the rank that holds it and sent to all; along
 * axis 0, F(r) = F(anchor plane) + C(r) - C(anchor row) with C the running sum of the
 * trapezoid increments from row 0, each rank's part offset by the sums of the ranks before it.
 */
#include "nnq/compare.h"

#include <fftw3.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nnq/par.h"

/*
 * Invariants: n = g->local_size, d = g->dims, plane = n[1] n[2]; jS holds d n values, F n;
 * ck[0], ck[1] are complex arrays of g->alloc_size, fwd/bwd in-place plans on ck[1];
 * prev/next hold, per velocity component, the row before and after this rank's slab (from the
 * neighbouring ranks, serially the periodic images), as of the last halo(); work holds two
 * planes.
 */
struct nnq_compare {
    const struct nnq_grid *g;
    double hbar, mass;
    int d;
    ptrdiff_t n, plane, stride[3];
    double *jS, *F, *prev, *next, *work;
    double complex *ck[2];
    fftw_plan fwd, bwd;
};

size_t nnq_compare_bytes_per_point(int dims) {
    /* jS: d; F: 1; two complex transform arrays */
    return sizeof(double) * (size_t)(dims + 1) + 2 * sizeof(double complex);
}

enum nnq_status nnq_compare_create(const struct nnq_grid *g, double hbar, double mass, int threads,
                                   enum nnq_planner planner, struct nnq_compare **out,
                                   struct nnq_err *err) {
    *out = NULL;
    struct nnq_compare *c = calloc(1, sizeof *c);
    if (!c)
        return nnq_err_set(err, NNQ_ERR_RUNTIME, "out of memory");
    c->g = g;
    c->hbar = hbar;
    c->mass = mass;
    c->d = g->dims;
    c->n = g->local_size;
    c->stride[2] = 1;
    c->stride[1] = g->n[2];
    c->stride[0] = c->plane = g->n[1] * g->n[2];
    const size_t n = c->n > 0 ? (size_t)c->n : 1,
                 plane = (size_t)c->plane; /* a rank may hold none */
    c->jS = fftw_malloc(sizeof(double) * (size_t)c->d * n);
    c->F = fftw_malloc(sizeof(double) * n);
    c->prev = fftw_malloc(sizeof(double) * 3 * plane);
    c->next = fftw_malloc(sizeof(double) * 3 * plane);
    c->work = fftw_malloc(sizeof(double) * 2 * plane);
    int ok = c->jS && c->F && c->prev && c->next && c->work;
    for (int k = 0; ok && k < 2; k++)
        ok = (c->ck[k] = fftw_malloc(sizeof(double complex) * (size_t)g->alloc_size)) != NULL;
    if (!ok) {
        nnq_compare_destroy(c);
        return nnq_err_set(err, NNQ_ERR_RUNTIME, "out of memory for the comparison (%zu points)",
                           n);
    }
    memset(c->F, 0, sizeof(double) * n);
    enum nnq_status rc = nnq_grid_plan_fft(g, c->ck[1], threads, planner, &c->fwd, &c->bwd, err);
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

/* The rows before and after this rank's slab of the first k velocity components. */
static void halo(struct nnq_compare *c, const double *u, int k) {
    for (int q = 0; q < k; q++)
        nnq_par_halo(u + q * c->n, sizeof(double) * (size_t)c->plane, c->g->counts, 1,
                     c->next + q * c->plane, c->prev + q * c->plane);
}

/* Row r (-1 <= r <= local_n0) along axis 0 of velocity component q. */
static inline const double *row0(const struct nnq_compare *c, const double *u, int q, ptrdiff_t r) {
    if (r < 0)
        return c->prev + q * c->plane;
    if (r >= c->g->local_n0)
        return c->next + q * c->plane;
    return u + q * c->n + r * c->plane;
}

/* F_M from m u (see the top of the file). Collective. */
static void free_energy(struct nnq_compare *c, const double *p, const double *u) {
    const struct nnq_grid *g = c->g;
    const ptrdiff_t n = c->n, plane = c->plane, L = g->local_n0;
    const int d = c->d;
    ptrdiff_t top = 0;
    for (ptrdiff_t i = 1; i < n; i++)
        if (p[i] > p[top])
            top = i;
    const double best = n > 0 ? p[top] : -INFINITY, pmax = nnq_par_max(best);
    int root = nnq_par_first(n > 0 && best == pmax); /* the first densest cell */
    if (root == nnq_par_size()) /* no densest cell (NaN): F_M from rank 0's first cell */
        root = 0, top = 0;
    long long anchor[3] = {g->local_0_start + top / plane, (top / c->stride[1]) % g->n[1],
                           top % g->n[2]};
    nnq_par_bcast_from(anchor, sizeof anchor, root);
    double *fplane = c->work, *cplane = c->work + plane;
    if (nnq_par_rank() == root) {
        const ptrdiff_t r0 = (ptrdiff_t)anchor[0] - g->local_0_start;
        double *F = c->F + r0 * plane;
        F[top - r0 * plane] = 0;
        for (int a = d - 1; a >= 1; a--) {
            const double h = 0.5 * c->mass * g->dq[a];
            const double *ua = u + a * n + r0 * plane;
            const ptrdiff_t st = c->stride[a];
            for (ptrdiff_t i1 = 0; i1 < g->n[1]; i1++)
                for (ptrdiff_t i2 = 0; i2 < g->n[2]; i2++) {
                    const ptrdiff_t k[3] = {0, i1, i2}, idx = i1 * c->stride[1] + i2;
                    int start = k[a] == anchor[a];
                    for (int b = 1; b < a; b++)
                        start &= k[b] == anchor[b];
                    if (!start)
                        continue;
                    for (ptrdiff_t s = k[a] + 1, q = idx + st; s < g->n[a]; s++, q += st)
                        F[q] = F[q - st] + h * (ua[q - st] + ua[q]);
                    for (ptrdiff_t s = k[a] - 1, q = idx - st; s >= 0; s--, q -= st)
                        F[q] = F[q + st] - h * (ua[q + st] + ua[q]);
                }
        }
        memcpy(fplane, F, sizeof(double) * (size_t)plane);
    }
    nnq_par_bcast_from(fplane, sizeof(double) * (size_t)plane, root);
    /* along axis 0: C(r) into F, this rank's total into cplane */
    const double h = 0.5 * c->mass * g->dq[0];
    for (ptrdiff_t j = 0; j < plane; j++)
        cplane[j] = 0;
    for (ptrdiff_t r = 0; r < L; r++) {
        const double *u0 = u + r * plane, *up = row0(c, u, 0, r + 1);
        const int last = g->local_0_start + r == g->n[0] - 1; /* no step across the seam */
        for (ptrdiff_t j = 0; j < plane; j++) {
            c->F[r * plane + j] = cplane[j];
            cplane[j] += last ? 0 : h * (u0[j] + up[j]);
        }
    }
    nnq_par_exscan_sum(cplane, (int)plane); /* now the sums of the ranks before */
    for (ptrdiff_t r = 0; r < L; r++)
        for (ptrdiff_t j = 0; j < plane; j++)
            c->F[r * plane + j] += cplane[j];
    if (nnq_par_rank() == root)
        memcpy(cplane, c->F + ((ptrdiff_t)anchor[0] - g->local_0_start) * plane,
               sizeof(double) * (size_t)plane);
    nnq_par_bcast_from(cplane, sizeof(double) * (size_t)plane, root);
    for (ptrdiff_t r = 0; r < L; r++)
        for (ptrdiff_t j = 0; j < plane; j++)
            c->F[r * plane + j] += fplane[j] - cplane[j];
}

/* Index of the neighbour at offset off along axis a of the cell (idx, coordinate k). */
static inline ptrdiff_t nb(const struct nnq_compare *c, ptrdiff_t idx, ptrdiff_t k, int a,
                           int off) {
    ptrdiff_t len = c->g->n[a], kk = k + off;
    if (kk < 0)
        kk += len;
    else if (kk >= len)
        kk -= len;
    return idx + (kk - k) * c->stride[a];
}

/* d_a u_q at cell idx (coordinates k in the slab), central; along axis 0 from the halo. */
static double du(const struct nnq_compare *c, const double *u, int q, int a, ptrdiff_t idx,
                 const ptrdiff_t *k) {
    if (a == 0) {
        const ptrdiff_t j = idx - k[0] * c->stride[0];
        return (row0(c, u, q, k[0] + 1)[j] - row0(c, u, q, k[0] - 1)[j]) / (2 * c->g->dq[0]);
    }
    const double *uq = u + q * c->n;
    return (uq[nb(c, idx, k[a], a, 1)] - uq[nb(c, idx, k[a], a, -1)]) / (2 * c->g->dq[a]);
}

/* sqrt(integral p |curl(m u)|^2 dq), central differences; 0 in 1D. Collective. */
static double curl_norm(struct nnq_compare *c, const double *p, const double *u) {
    const struct nnq_grid *g = c->g;
    if (c->d < 2)
        return 0.0;
    halo(c, u, c->d);
    double sum = 0;
    ptrdiff_t idx = 0;
    for (ptrdiff_t i0 = 0; i0 < g->local_n0; i0++)
        for (ptrdiff_t i1 = 0; i1 < g->n[1]; i1++)
            for (ptrdiff_t i2 = 0; i2 < g->n[2]; i2++, idx++) {
                const ptrdiff_t k[3] = {i0, i1, i2};
                double w2 = 0;
                /* component normal to the plane (a, b): d_a u_b - d_b u_a */
                static const int planes[3][2] = {{0, 1}, {1, 2}, {2, 0}};
                for (int s = 0; s < (c->d == 3 ? 3 : 1); s++) {
                    int a = planes[s][0], b = planes[s][1];
                    double w = du(c, u, b, a, idx, k) - du(c, u, a, b, idx, k);
                    w2 += w * w;
                }
                sum += p[idx] * w2;
            }
    nnq_par_sum(&sum, 1);
    return c->mass * sqrt(sum * g->dv);
}

void nnq_compare_run(struct nnq_compare *c, const struct nnq_view *s, const struct nnq_view *m,
                     struct nnq_divergence *dv) {
    const struct nnq_grid *g = c->g;
    const ptrdiff_t n = c->n;
    const int d = c->d;
    const double hbar = c->hbar;
    const double complex *psi = s->psi;
    const double *pm = m->p, *jm = m->j;
    halo(c, m->u, 1);
    free_energy(c, pm, m->u);
    dv->curl = curl_norm(c, pm, m->u);

    const double *jS = nnq_compare_current(c, psi);
    double dp = 0, dj = 0, mass = 0, mom[3] = {0}, ns = 0, nm = 0;
    double complex overlap = 0, phase = 0;
    for (ptrdiff_t i = 0; i < n; i++) {
        double pS = creal(psi[i]) * creal(psi[i]) + cimag(psi[i]) * cimag(psi[i]);
        double pM = pm[i];
        dp += fabs(pS - pM);
        double sq = 0;
        for (int a = 0; a < d; a++) {
            double diff = jS[a * n + i] - jm[a * n + i];
            sq += diff * diff;
            mom[a] += jm[a * n + i];
        }
        dj += sqrt(sq);
        mass += pM;
        ns += pS;
        nm += fmax(pM, 0);
        double complex rot = cexp(-I * c->F[i] / hbar); /* psi_M = sqrt(p_M) / rot */
        overlap += conj(psi[i]) * sqrt(fmax(pM, 0)) * conj(rot);
        phase += sqrt(pS) * psi[i] * rot; /* p_S exp(i (F_S - F_M) / hbar) */
    }
    double sums[12] = {dp, dj, mass,           mom[0],         mom[1],       mom[2],
                       ns, nm, creal(overlap), cimag(overlap), creal(phase), cimag(phase)};
    nnq_par_sum(sums, 12);
    dp = sums[0], dj = sums[1], mass = sums[2], ns = sums[6], nm = sums[7];
    for (int a = 0; a < 3; a++)
        mom[a] = sums[3 + a];
    overlap = sums[8] + I * sums[9];
    phase = sums[10] + I * sums[11];
    double complex gph = cabs(phase) > 0 ? phase / cabs(phase) : 1;
    double dF = 0;
    for (ptrdiff_t i = 0; i < n; i++) {
        double pS = creal(psi[i]) * creal(psi[i]) + cimag(psi[i]) * cimag(psi[i]);
        if (pS > 0)
            dF += pS * fabs(carg(psi[i] * cexp(-I * c->F[i] / hbar) * conj(gph)));
    }
    nnq_par_sum(&dF, 1);
    const double dvol = g->dv;
    dv->div_p_l1 = dp * dvol;
    dv->div_j_l1 = dj * dvol;
    dv->div_F = dF * dvol;
    dv->infidelity = ns > 0 && nm > 0 ? 1.0 - creal(overlap * conj(overlap)) / (ns * nm) : 1.0;
    dv->mass = mass * dvol;
    for (int a = 0; a < 3; a++)
        dv->momentum[a] = a < d ? mom[a] * dvol : 0;
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
    fftw_free(c->prev);
    fftw_free(c->next);
    fftw_free(c->work);
    for (int k = 0; k < 2; k++)
        fftw_free(c->ck[k]);
    free(c);
}
