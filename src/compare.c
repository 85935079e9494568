/*
 * compare.c - the Madelung description against the Schrodinger one (see include/nnq/compare.h).
 *
 * Every sum over the grid (the metrics) is taken by blocks (src/slab.h), so that it is the
 * same bit for bit on any number of ranks. The components of the support are labelled by
 * propagating the least global index through neighbouring support cells (periodic), across ranks
 * through the halo rows, until no label changes.
 */
#include "nnq/compare.h"

#include <assert.h>
#include <fftw3.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nnq/current.h"
#include "nnq/madelung.h"
#include "nnq/par.h"
#include "slab.h"

/* per block: |p_S - p_M|, |j_S - j_M|, p_M, p_S, max(p_M, 0), j_M (3), p_M where its velocity
 * is held (ACC_HELD), then per component and vacuum (from ACC_COMPONENTS on) the complex sums of
 * p_S e^{i(F_S - F_M)/hbar} and conj(psi_S) psi_M */
#define ACC_HELD 8
#define ACC_COMPONENTS 9
#define ACC_WIDTH (ACC_COMPONENTS + 4 * (NNQ_COMPARE_MAX_COMPONENTS + 1))

/* Halo slots of the fields the stencils read: u (3), sqrt p, the labels. */
enum { H_U = 0, H_X = 3, H_L = 4, H_SLOTS = 5 };

/*
 * Invariants: s is set up on the grid s.g with H_SLOTS slots; label holds n = g->local_size values,
 * work n (sqrt p, for its halo), acc nrows * ACC_WIDTH (per-block sums); current is psi's current
 * on g.
 */
struct nnq_compare {
    double hbar, mass, floor;
    struct nnq_slab s;
    double *label, *work, *acc;
    struct nnq_current *current;
};

double nnq_compare_fixed_bytes(int dims, const long *n) {
    const double rows = dims == 1 ? 1.0 : (double)n[0];
    return nnq_slab_bytes(dims, n, H_SLOTS) + sizeof(double) * rows * ACC_WIDTH;
}

size_t nnq_compare_bytes_per_point(int dims) {
    /* label 1, work 1, and psi's current */
    return sizeof(double) * 2 + nnq_current_bytes_per_point(dims);
}

enum nnq_status nnq_compare_create(const struct nnq_grid *g, double hbar, double mass,
                                   double density_floor, int threads, enum nnq_planner planner,
                                   struct nnq_compare **out, struct nnq_err *err) {
    *out = NULL;
    struct nnq_compare *c = calloc(1, sizeof *c);
    const size_t n = g->local_size > 0 ? (size_t)g->local_size : 1; /* a rank may hold none */
    int ok = c && nnq_slab_init(&c->s, g, threads, H_SLOTS) == 0;
    if (ok) {
        c->hbar = hbar;
        c->mass = mass;
        c->floor = density_floor;
        c->label = fftw_malloc(sizeof(double) * n);
        c->work = fftw_malloc(sizeof(double) * n);
        c->acc = fftw_malloc(sizeof(double) * (size_t)c->s.nrows * ACC_WIDTH);
        ok = c->label && c->work && c->acc;
    }
    /* agreed before planning, a collective under MPI that the other ranks would wait in */
    enum nnq_status rc = nnq_par_agree(
        ok ? NNQ_OK
           : nnq_err_set(err, NNQ_ERR_RUNTIME, "out of memory for the comparison (%zu points)", n),
        err);
    if (rc == NNQ_OK)
        rc = nnq_current_create(g, hbar, mass, threads, planner, &c->current, err);
    if (rc != NNQ_OK) {
        nnq_compare_destroy(c);
        return rc;
    }
    *out = c;
    return NNQ_OK;
}

/* Labels each support cell (p >= floor max p) with the least global index of its component, the
 * others with -1; returns the components' least indices, ascending, in ids[0 ..
 * NNQ_COMPARE_MAX_COMPONENTS) and their number. Collective. */
static long components(struct nnq_compare *c, const double *p, double pmax, double *ids) {
    const struct nnq_grid *g = c->s.g;
    const ptrdiff_t n = c->s.n, base = g->local_0_start * c->s.plane;
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
                    nnq_slab_coords(&c->s, idx, k);
                    double best = L[idx];
                    if (k[0] + 1 < g->local_n0 && L[idx + c->s.plane] >= 0)
                        best = fmin(best, L[idx + c->s.plane]);
                    if (k[0] > 0 && L[idx - c->s.plane] >= 0)
                        best = fmin(best, L[idx - c->s.plane]);
                    for (int a = 1; a < c->s.d; a++) {
                        const double lu = L[nnq_slab_up(&c->s, idx, k[a], a)],
                                     ld = L[nnq_slab_down(&c->s, idx, k[a], a)];
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
        nnq_slab_halo(&c->s, L, H_L);
        int edge = 0;
        for (ptrdiff_t r = 0; r < g->local_n0; r += (g->local_n0 > 1 ? g->local_n0 - 1 : 1))
            for (ptrdiff_t j = 0; j < c->s.plane; j++) {
                double *l = L + r * c->s.plane + j;
                for (int side = -1; side <= 1; side += 2) {
                    const double o = nnq_slab_row0(&c->s, L, H_L, r + side)[j];
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
    const double *uq = u + q * c->s.n;
    if (a == 0) {
        const ptrdiff_t j = idx - k[0] * c->s.plane;
        return (nnq_slab_row0(&c->s, uq, H_U + q, k[0] + 1)[j] -
                nnq_slab_row0(&c->s, uq, H_U + q, k[0] - 1)[j]) /
               (2 * c->s.g->dq[0]);
    }
    return (uq[nnq_slab_up(&c->s, idx, k[a], a)] - uq[nnq_slab_down(&c->s, idx, k[a], a)]) /
           (2 * c->s.g->dq[a]);
}

/* sqrt(integral p |curl(m u)|^2 dq), central differences; 0 in 1D. Collective. */
static double curl_norm(struct nnq_compare *c, const double *p, const double *u) {
    if (c->s.d < 2)
        return 0.0;
    for (int q = 0; q < c->s.d; q++)
        nnq_slab_halo(&c->s, u + q * c->s.n, H_U + q);
    nnq_slab_clear(&c->s);
    for (ptrdiff_t idx = 0; idx < c->s.n; idx++) {
        ptrdiff_t k[3];
        nnq_slab_coords(&c->s, idx, k);
        double w2 = 0;
        /* component normal to the plane (a, b): d_a u_b - d_b u_a */
        static const int planes[3][2] = {{0, 1}, {1, 2}, {2, 0}};
        for (int s = 0; s < (c->s.d == 3 ? 3 : 1); s++) {
            int a = planes[s][0], b = planes[s][1];
            double w = du(c, u, b, a, idx, k) - du(c, u, a, b, idx, k);
            w2 += w * w;
        }
        nnq_slab_add(&c->s, 0, idx, p[idx] * w2);
    }
    return c->mass * sqrt(nnq_slab_total(&c->s, 0) * c->s.g->dv);
}

/* -integral p ln p dq and the Fisher information integral |grad p|^2 / p dq of p, the latter as
 * 4 integral |grad sqrt p|^2 dq by differences across the faces. The ratio form |D p|^2 / p
 * divides differences of a packet's tail by values that may be 1e40 times smaller (the two
 * sides of a periodic box: 5e56 where the exact value is 2); sqrt p has no such quotient. */
static void information(struct nnq_compare *c, const double *p, double *entropy, double *fisher) {
    double *s = c->work;
    for (ptrdiff_t idx = 0; idx < c->s.n; idx++)
        s[idx] = sqrt(fmax(p[idx], 0));
    nnq_slab_halo(&c->s, s, H_X);
    nnq_slab_clear(&c->s);
    for (ptrdiff_t idx = 0; idx < c->s.n; idx++) {
        ptrdiff_t k[3];
        nnq_slab_coords(&c->s, idx, k);
        const ptrdiff_t j = idx - k[0] * c->s.plane;
        nnq_slab_add(&c->s, 0, idx, p[idx] > 0 ? -p[idx] * log(p[idx]) : 0);
        const double g0 = (nnq_slab_row0(&c->s, s, H_X, k[0] + 1)[j] - s[idx]) / c->s.g->dq[0];
        double g2 = g0 * g0;
        for (int a = 1; a < c->s.d; a++) {
            const double ga = (s[nnq_slab_up(&c->s, idx, k[a], a)] - s[idx]) / c->s.g->dq[a];
            g2 += ga * ga;
        }
        nnq_slab_add(&c->s, 1, idx, 4 * g2);
    }
    *entropy = nnq_slab_total(&c->s, 0) * c->s.g->dv;
    *fisher = nnq_slab_total(&c->s, 1) * c->s.g->dv;
}

/* Asserts c's invariants that cost O(1) (on in debug and sanitizer builds). */
static void compare_check(const struct nnq_compare *c) {
    (void)c; /* NDEBUG: no asserts */
    assert(c && c->s.g && c->s.n == c->s.g->local_size && c->s.d == c->s.g->dims);
    assert(c->s.slots == H_SLOTS && c->label && c->work && c->acc && c->current);
    assert(c->hbar > 0 && c->mass > 0 && c->floor > 0);
}

void nnq_compare_run(struct nnq_compare *c, const struct nnq_view *s, const struct nnq_view *m,
                     struct nnq_divergence *dv) {
    compare_check(c);
    nnq_view_check(s);
    nnq_view_check(m);
    const struct nnq_grid *g = c->s.g;
    const ptrdiff_t n = c->s.n;
    const int d = c->s.d;
    const double hbar = c->hbar;
    const double complex *psi = s->psi;
    const double *pm = m->p, *jm = m->j;

    assert(m->F); /* the description's own F, or its reconstruction (nnq/free_energy.h) */
    const double *Fm = m->F;
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
    memset(acc, 0, sizeof(double) * (size_t)c->s.nrows * width);
    const double *jS = nnq_current_run(c->current, psi);
    for (ptrdiff_t idx = 0; idx < n; idx++) {
        double *a = acc + (size_t)nnq_slab_block(&c->s, idx) * width;
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
        const double complex rot = cexp(-I * Fm[idx] / hbar); /* psi_M = sqrt(p_M) / rot */
        const double complex ph = sqrt(pS) * psi[idx] * rot;  /* p_S e^{i(F_S - F_M)/hbar} */
        const double complex ov = conj(psi[idx]) * sqrt(fmax(pM, 0)) * conj(rot);
        a[ACC_HELD] += pM < held ? fmax(pM, 0) : 0;
        a[ACC_COMPONENTS + 4 * k] += creal(ph);
        a[ACC_COMPONENTS + 1 + 4 * k] += cimag(ph);
        a[ACC_COMPONENTS + 2 + 4 * k] += creal(ov);
        a[ACC_COMPONENTS + 3 + 4 * k] += cimag(ov);
    }
    nnq_par_sum(acc, (int)((size_t)c->s.nrows * width));
    double *tot = acc; /* block 0 becomes the total, blocks added in order */
    for (ptrdiff_t r = 1; r < c->s.nrows; r++)
        for (size_t q = 0; q < width; q++)
            tot[q] += acc[(size_t)r * width + q];
    double complex cph[NNQ_COMPARE_MAX_COMPONENTS + 1];
    double overlap = 0;
    for (long k = 0; k < groups; k++) {
        const double complex ph = tot[ACC_COMPONENTS + 4 * k] + I * tot[ACC_COMPONENTS + 1 + 4 * k];
        cph[k] = cabs(ph) > 0 ? ph / cabs(ph) : 1;
        overlap += cabs(tot[ACC_COMPONENTS + 2 + 4 * k] + I * tot[ACC_COMPONENTS + 3 + 4 * k]);
    }
    nnq_slab_clear(&c->s);
    for (ptrdiff_t idx = 0; idx < n; idx++) {
        const double pS = creal(psi[idx]) * creal(psi[idx]) + cimag(psi[idx]) * cimag(psi[idx]);
        const long k = component_of(c->label[idx], ids, kept);
        nnq_slab_add(&c->s, 0, idx,
                     pS > 0 ? pS * fabs(carg(psi[idx] * cexp(-I * Fm[idx] / hbar) * conj(cph[k])))
                            : 0);
    }
    const double dF = nnq_slab_total(&c->s, 0);
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

void nnq_compare_destroy(struct nnq_compare *c) {
    if (!c)
        return;
    nnq_slab_free(&c->s);
    nnq_current_destroy(c->current);
    fftw_free(c->label);
    fftw_free(c->work);
    fftw_free(c->acc);
    free(c);
}
