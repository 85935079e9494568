/*
 * madelung_potential.c - the Madelung description in the paper's own variables (p, F):
 * `[madelung] form = potential` (docs/theory.md, "The potential form").
 *
 *     dp/dt + div(p grad F / m) = 0
 *     dF/dt + |grad F|^2 / 2m + V + Q = 0,    Q = -(hbar^2 / 2m) Lap(sqrt p) / sqrt p
 *
 * F is the solver's state: the velocity on a face is the difference of F across it over m dq,
 * so the discrete flow is a gradient, its discrete curl is zero exactly, and F_M needs no
 * reconstruction.
 *
 * - p by finite volumes: face flux u_f p_f, p_f the upwind MUSCL state (the limiter of
 *   [madelung] limiter), so mass changes only through fluxes (conserved to round-off) and
 *   stays non-negative under the advective limit below.
 * - Q = -(hbar^2 / 2m) L(s) / s with s = sqrt(p + delta^2), delta^2 = density_floor max p, and
 *   L the fourth-order central Laplacian. L(s) / s is a sum of ratios s_{i+-1} / s_i and
 *   s_{i+-2} / s_i of neighbours, so Q stays bounded in the tails of a packet (for a gaussian
 *   tail the ratios are exp(+-x dq)), where the continuous form's ratio of two vanishing
 *   numbers has no precision left. Well-balanced: a state with F uniform and V + Q uniform is
 *   discretely stationary (no face velocity; F falls at one rate everywhere). For an
 *   eigenstate of the Schrodinger problem V + Q is uniform to L's truncation error, O(dq^4).
 * - |grad F|^2 at a cell: the mean of the squared differences on its faces to support cells.
 * - Support and vacuum. The support is where p >= delta^2 and F steps by at most pi hbar / 2
 *   to each neighbour in it (a larger step is a node of psi, where F jumps by pi hbar, or a
 *   phase the grid does not resolve). There F follows the equation above, plus
 *   (delta^2 / (p + delta^2)) (hbar / 2m) Lap F, a diffusion that acts only at the support's
 *   edge. The vacuum within LAYERS cells of the support (the band) takes the support's F
 *   extended linearly at every stage, and ln s extended by a quadratic once a step: a packet
 *   moving into empty cells meets its own flow there, and the edge's Q sees its own tail
 *   continued. Mass moves only through faces with a support cell on one side (no flow
 *   between vacuum cells, whose F has no dynamics: this is what made a first (p, F)
 *   prototype blow up in the tails, Q there being a ratio of two vanishing numbers), so the
 *   support grows cell by cell as mass arrives.
 * - SSP-RK3 in time (src/ssprk3.h, as the momentum form), sub-cycled when dt exceeds the
 *   solver's limits: dispersive 0.5 m / (hbar sum_a 1 / dq_a^2) (the linearised system is
 *   Schrodinger's) and advective 0.25 / sum_a (max |u_a| / dq_a) (positivity of the upwind
 *   fluxes).
 *
 * References: E. Madelung, Z. Phys. 40, 322 (1927); C.-W. Shu & S. Osher, J. Comput. Phys.
 * 77, 439 (1988) (SSP-RK3); B. van Leer, J. Comput. Phys. 32, 101 (1979) (MUSCL).
 *
 * Layout: U holds p then F (local_size values each); A and B the RK stages. p, F and s live in
 * padded arrays (GHOST cells on each side of every axis: from the neighbouring ranks along axis
 * 0, periodic copies along the others), so that the cell loop reads its neighbours at fixed
 * strides. The far vacuum (beyond the band) has no flow through its faces and no dynamics of
 * F: within a step its p and F do not change, so the stages visit, per line of the last axis,
 * only the range that holds the support and the band, and the step's cost follows the
 * support's size, not the grid's (docs/performance.md).
 */
#include "limiter.h"
#include "nnq/madelung.h"
#include "nnq/par.h"
#include "simd.h"
#include "ssprk3.h"

#include <assert.h>
#include <fftw3.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define GHOST 3 /* the extension's quadratic reads 3 cells back */
#define DISPERSIVE 0.5
#define ADVECTIVE 0.25
#define LAYERS 4 /* cells of vacuum that take the support's F by extension, per step */
#define FAR (LAYERS + 1)
#define PLAIN_RUN 128 /* cells of the support's interior computed per block (plain_cells) */

/* Invariants: n = g->local_size, n0 = g->local_n0; U, A, B hold 2 n values, level, Fx, Sx and band
 * n; lines * len = n (len cells along the last axis, contiguous in U and in the padded arrays); P,
 * F, S, L the padded extents (n0 + 2 GHOST) x m1 x m2 (m_a = n_a + 2 GHOST on axes a < d, else 1),
 * strides stride[]; halo holds 8 GHOST planes (p, F, level, Sx; next and prev); every level is in 0
 * .. FAR; delta2 >= 0; max_sub >= 0. */
struct potential_form {
    const struct nnq_grid *g;
    const struct nnq_potential *pot;
    struct nnq_madelung_params par;
    int d, time_dependent;
    ptrdiff_t n, n0, n1, n2, plane, m1, m2, padded, stride[3];
    double *U, *A, *B, *V, *u, *j, *decay;
    double *P, *F, *S, *L, *level, *Fx, *Sx, *halo;
    ptrdiff_t *band, *bandc;        /* the vacuum's cells within LAYERS, by layer: */
    ptrdiff_t band_n[LAYERS + 1];   /* local (band) and padded (bandc) indices */
    ptrdiff_t lines, len, *lo, *hi; /* lines of the last axis; cells [lo, hi) hold its non-FAR */
    unsigned char *plain;           /* per cell: it and its face neighbours are support cells */
    double delta2, inv_dq[3];
    long max_sub;
};

static size_t padded_points(const struct nnq_grid *g, ptrdiff_t n0) {
    size_t s = (size_t)(n0 + 2 * GHOST);
    for (int a = 1; a < 3; a++)
        s *= (size_t)(g->n[a] + (a < g->dims ? 2 * GHOST : 0));
    return s;
}

static double scratch_bytes(const struct nnq_grid *g, int threads) {
    (void)threads;
    /* the padded arrays' excess over the grid's points is counted per point below; here the
     * halo planes, the pads of the thinnest slab and the lines' ranges (all of axis 0's lines:
     * a bound for any slab) */
    const double plane = (double)(g->n[1] * g->n[2]);
    const double lines = g->dims == 1 ? 1 : (double)g->n[0] * (g->dims == 3 ? (double)g->n[1] : 1);
    return sizeof(double) * (8.0 * GHOST * plane + 4.0 * (double)padded_points(g, 0)) +
           2.0 * sizeof(ptrdiff_t) * (lines + 1); /* lo, hi */
}

static size_t bytes_per_point(int dims) {
    /* U, A, B: 6; V, level, Fx, Sx, band, bandc: 6; P, F, S, L: 4 (and their pads, within
     * scratch_bytes); u, j: 2 d; and a byte, plain */
    return sizeof(double) * (size_t)(16 + 2 * dims) + 1;
}

static int components(int dims) {
    (void)dims;
    return 2;
}

static void destroy(void *self) {
    struct potential_form *m = self;
    if (!m)
        return;
    fftw_free(m->U);
    fftw_free(m->A);
    fftw_free(m->B);
    fftw_free(m->V);
    fftw_free(m->u);
    fftw_free(m->j);
    fftw_free(m->decay);
    fftw_free(m->P);
    fftw_free(m->F);
    fftw_free(m->S);
    fftw_free(m->L);
    fftw_free(m->level);
    fftw_free(m->Fx);
    fftw_free(m->Sx);
    free(m->band);
    free(m->bandc);
    free(m->lo);
    free(m->hi);
    free(m->plain);
    fftw_free(m->halo);
    free(m);
}

static enum nnq_status create(const struct nnq_grid *g, const struct nnq_potential *pot,
                              const struct nnq_madelung_params *par, void **out,
                              struct nnq_err *err) {
    *out = NULL;
    for (int r = 0; r < nnq_par_size(); r++)
        if (g->counts[r] > 0 && g->counts[r] < GHOST)
            return nnq_err_set(err, NNQ_ERR_CONFIG,
                               "[grid] n: %td rows along axis 0 on %d ranks leave rank %d with "
                               "%td; the Madelung solver needs %d or none on each: use fewer "
                               "ranks",
                               g->n[0], nnq_par_size(), r, g->counts[r], GHOST);
    struct potential_form *m = calloc(1, sizeof *m);
    if (!m) /* the other ranks go on to agree below */
        return nnq_par_agree(nnq_err_set(err, NNQ_ERR_RUNTIME, "out of memory"), err);
    m->g = g;
    m->pot = pot;
    m->par = *par;
    m->par.absorb = NULL; /* the copy is decay */
    m->d = g->dims;
    m->n = g->local_size;
    m->n0 = g->local_n0;
    m->n1 = g->n[1];
    m->n2 = g->n[2];
    m->plane = m->n1 * m->n2;
    m->m1 = m->n1 + (m->d > 1 ? 2 * GHOST : 0);
    m->m2 = m->n2 + (m->d > 2 ? 2 * GHOST : 0);
    m->stride[2] = 1;
    m->stride[1] = m->m2;
    m->stride[0] = m->m1 * m->m2;
    m->padded = (ptrdiff_t)padded_points(g, m->n0);
    m->time_dependent = nnq_potential_time_dependent(pot);
    for (int a = 0; a < 3; a++)
        m->inv_dq[a] = a < m->d ? 1.0 / g->dq[a] : 0;
    const size_t n = m->n > 0 ? (size_t)m->n : 1, d = (size_t)m->d, np = (size_t)m->padded;
    m->U = fftw_malloc(sizeof(double) * 2 * n);
    m->A = fftw_malloc(sizeof(double) * 2 * n);
    m->B = fftw_malloc(sizeof(double) * 2 * n);
    m->V = fftw_malloc(sizeof(double) * n);
    m->u = fftw_malloc(sizeof(double) * d * n);
    m->j = fftw_malloc(sizeof(double) * d * n);
    m->P = fftw_malloc(sizeof(double) * np);
    m->F = fftw_malloc(sizeof(double) * np);
    m->S = fftw_malloc(sizeof(double) * np);
    m->L = fftw_malloc(sizeof(double) * np);
    m->level = fftw_malloc(sizeof(double) * n);
    m->Fx = fftw_malloc(sizeof(double) * n);
    m->Sx = fftw_malloc(sizeof(double) * n);
    m->band = malloc(sizeof(ptrdiff_t) * n);
    m->bandc = malloc(sizeof(ptrdiff_t) * n);
    m->halo = fftw_malloc(sizeof(double) * 8 * GHOST * (size_t)m->plane);
    m->len = m->d == 1 ? m->n0 : m->d == 2 ? m->n1 : m->n2;
    m->lines = m->d == 1 ? 1 : m->d == 2 ? m->n0 : m->n0 * m->n1;
    m->lo = calloc((size_t)m->lines + 1, sizeof(ptrdiff_t));
    m->hi = calloc((size_t)m->lines + 1, sizeof(ptrdiff_t));
    m->plain = calloc(n, 1);
    if (!(m->U && m->A && m->B && m->V && m->u && m->j && m->P && m->F && m->S && m->L &&
          m->level && m->Fx && m->Sx && m->band && m->bandc && m->halo && m->lo && m->hi &&
          m->plain)) {
        destroy(m);
        return nnq_par_agree(nnq_err_set(err, NNQ_ERR_RUNTIME,
                                         "out of memory for the Madelung fields (%zu points)", n),
                             err);
    }
    const enum nnq_status elsewhere = nnq_par_agree(NNQ_OK, err); /* another rank's failed */
    if (elsewhere != NNQ_OK) {
        destroy(m);
        return elsewhere;
    }
    memset(m->U, 0, sizeof(double) * 2 * n);
    for (size_t i = 0; i < n; i++)
        m->level[i] = 0;
    enum nnq_status rc = nnq_par_agree(nnq_potential_fill(pot, g, 0.0, m->V, err), err);
    if (rc == NNQ_OK && par->absorb) { /* p decays as |psi|^2 does: 2 W / hbar */
        if (!(m->decay = fftw_malloc(sizeof(double) * n)))
            rc = nnq_err_set(err, NNQ_ERR_RUNTIME, "out of memory for the absorbing layer");
        else
            for (ptrdiff_t i = 0; i < m->n; i++)
                m->decay[i] = exp(-2.0 * par->absorb[i] * par->dt / par->hbar);
    }
    if (rc != NNQ_OK) {
        destroy(m);
        return rc;
    }
    *out = m;
    return NNQ_OK;
}

/* The largest p over the ranks (NaN anywhere: NaN). Collective. */
static double max_density(const struct potential_form *m, const double *p) {
    double pmax = 0;
    int nan = 0;
    for (ptrdiff_t i = 0; i < m->n; i++) {
        pmax = p[i] > pmax ? p[i] : pmax;
        nan |= isnan(p[i]);
    }
    return nnq_par_max(nan ? NAN : pmax);
}

static void init(void *self, const struct nnq_view *v) {
    struct potential_form *m = self;
    assert(v->F);
    if (v->p)
        memcpy(m->U, v->p, sizeof(double) * (size_t)m->n);
    else
        for (ptrdiff_t i = 0; i < m->n; i++)
            m->U[i] = creal(v->psi[i]) * creal(v->psi[i]) + cimag(v->psi[i]) * cimag(v->psi[i]);
    memcpy(m->U + m->n, v->F, sizeof(double) * (size_t)m->n);
    m->max_sub = 0;
    m->delta2 = m->par.density_floor * max_density(m, m->U);
}

/* Padded index of cell (r, k1, k2) of this rank's slab (r from -GHOST: the halo rows). */
static inline ptrdiff_t at(const struct potential_form *m, ptrdiff_t r, ptrdiff_t k1,
                           ptrdiff_t k2) {
    return (r + GHOST) * m->stride[0] + (k1 + (m->d > 1 ? GHOST : 0)) * m->stride[1] + k2 +
           (m->d > 2 ? GHOST : 0);
}

/* Copies one row (a plane of axes 1 and 2) into padded row r of out, wrapping axes 1, 2. */
static void pad_row(const struct potential_form *m, const double *src, double *out, ptrdiff_t r) {
    const ptrdiff_t g1 = m->d > 1 ? GHOST : 0, g2 = m->d > 2 ? GHOST : 0;
    if (!g2) { /* 1D, 2D: the row is n1 contiguous values */
        double *o = out + at(m, r, 0, 0);
        memcpy(o, src, sizeof(double) * (size_t)m->n1);
        for (ptrdiff_t k1 = 1; k1 <= g1; k1++) {
            o[-k1] = src[m->n1 - k1];
            o[m->n1 - 1 + k1] = src[k1 - 1];
        }
        return;
    }
    for (ptrdiff_t k1 = -g1; k1 < m->n1 + g1; k1++) {
        const double *s = src + ((k1 + m->n1) % m->n1) * m->n2;
        double *o = out + at(m, r, k1, 0);
        memcpy(o, s, sizeof(double) * (size_t)m->n2);
        for (ptrdiff_t k2 = 1; k2 <= g2; k2++) {
            o[-k2] = s[m->n2 - k2];
            o[m->n2 - 1 + k2] = s[k2 - 1];
        }
    }
}

/* The local field f (n values) into the padded array out, halos from the neighbouring ranks
 * (halo planes at h). Collective. */
static void pad_field(struct potential_form *m, const double *f, double *out, double *h) {
    const ptrdiff_t gp = GHOST * m->plane;
    nnq_par_halo(f, sizeof(double) * (size_t)m->plane, m->g->counts, GHOST, h, h + gp);
    if (m->d == 1) /* the slab is one contiguous row */
        memcpy(out + at(m, 0, 0, 0), f, sizeof(double) * (size_t)m->n0);
    for (ptrdiff_t r = -GHOST; r < m->n0 + GHOST; r++)
        if (m->d > 1 || r < 0 || r >= m->n0)
            pad_row(m,
                    r < 0        ? h + gp + (r + GHOST) * m->plane
                    : r >= m->n0 ? h + (r - m->n0) * m->plane
                                 : f + r * m->plane,
                    out, r);
}

/* The periodic copies along axes 1 and 2 of the padded array out's own rows. */
static void wrap(struct potential_form *m, double *out) {
    const ptrdiff_t g1 = m->d > 1 ? GHOST : 0, g2 = m->d > 2 ? GHOST : 0;
    if (m->d < 2)
        return;
    const size_t row = sizeof(double) * (size_t)(m->n2 + 2 * g2);
    for (ptrdiff_t r = 0; r < m->n0; r++) {
        for (ptrdiff_t k1 = 0; k1 < m->n1 && g2; k1++) {
            double *o = out + at(m, r, k1, 0);
            for (ptrdiff_t k2 = 1; k2 <= g2; k2++) {
                o[-k2] = o[m->n2 - k2];
                o[m->n2 - 1 + k2] = o[k2 - 1];
            }
        }
        for (ptrdiff_t k1 = 1; k1 <= g1; k1++) {
            memcpy(out + at(m, r, -k1, -g2), out + at(m, r, m->n1 - k1, -g2), row);
            memcpy(out + at(m, r, m->n1 - 1 + k1, -g2), out + at(m, r, k1 - 1, -g2), row);
        }
    }
}

/* The ghost cells of the padded array out, whose own cells are f's (n values): the halo rows
 * from the neighbouring ranks (halo planes at h), the periodic copies along axes 1 and 2.
 * O(the slab's surface): for arrays whose changed cells were written in place. Collective. */
static void ghosts(struct potential_form *m, const double *f, double *out, double *h) {
    const ptrdiff_t gp = GHOST * m->plane;
    nnq_par_halo(f, sizeof(double) * (size_t)m->plane, m->g->counts, GHOST, h, h + gp);
    for (ptrdiff_t r = 0; r < GHOST; r++) {
        pad_row(m, h + gp + r * m->plane, out, r - GHOST);
        pad_row(m, h + r * m->plane, out, m->n0 + r);
    }
    wrap(m, out);
}

/* P = max(p, 0) and F of state X into the padded arrays, halos included, and S =
 * sqrt(P + delta^2) (the band's extension replaces it there later). Collective. */
static void pad_state(struct potential_form *m, const double *X) {
    const ptrdiff_t gp = GHOST * m->plane;
    pad_field(m, X, m->P, m->halo);
    pad_field(m, X + m->n, m->F, m->halo + 2 * gp);
    const double d2 = m->delta2;
    for (ptrdiff_t i = 0; i < m->padded; i++) {
        const double p = m->P[i] > 0 ? m->P[i] : 0;
        m->P[i] = p;
        m->S[i] = sqrt(p + d2);
    }
}

/* The padded index of the first cell of line l (its cells follow at stride 1). */
static inline ptrdiff_t line_c0(const struct potential_form *m, ptrdiff_t l) {
    return m->d == 1 ? at(m, 0, 0, 0) : m->d == 2 ? at(m, l, 0, 0) : at(m, l / m->n1, l % m->n1, 0);
}

/* pad_state within a step, whose levels are fixed: only the cells that can change (the support
 * and the band) are written, the far vacuum's padded p, F and s stay as extend() set them (its
 * p and F do not change within a step: no face of it has a support cell). The halo rows come
 * from X's first and last GHOST planes, which copy_far_edges() keeps whole. Collective. */
static void repad(struct potential_form *m, const double *X) {
    const ptrdiff_t gp = GHOST * m->plane, n = m->n;
    const double d2 = m->delta2;
    double *P = m->P, *F = m->F, *S = m->S;
    const double *L = m->L;
    for (ptrdiff_t l = 0; l < m->lines; l++) {
        const ptrdiff_t c0 = line_c0(m, l), i0 = l * m->len;
        for (ptrdiff_t k = m->lo[l]; k < m->hi[l]; k++) {
            const ptrdiff_t c = c0 + k, i = i0 + k;
            if (L[c] == FAR)
                continue;
            const double p = X[i] > 0 ? X[i] : 0;
            P[c] = p;
            F[c] = X[n + i];
            if (L[c] == 0)
                S[c] = sqrt(p + d2);
        }
    }
    ghosts(m, X, P, m->halo);
    ghosts(m, X + n, F, m->halo + 2 * gp);
    for (int side = 0; side < 2; side++) { /* the halo rows, as pad_state */
        const ptrdiff_t first = side ? (m->n0 + GHOST) * m->stride[0] : 0;
        for (ptrdiff_t c = first; c < first + GHOST * m->stride[0]; c++) {
            P[c] = P[c] > 0 ? P[c] : 0;
            if (L[c] == 0 || L[c] == FAR)
                S[c] = sqrt(P[c] + d2);
        }
    }
    wrap(m, S);
}

/* The far vacuum's cells of X's first and last GHOST planes into out, which the stages do not
 * write: the neighbouring ranks' halo rows (and this rank's own, periodically) read them. */
static void copy_far_edges(const struct potential_form *m, const double *X, double *out) {
    const ptrdiff_t n = m->n, e = GHOST * m->plane < n ? GHOST * m->plane : n;
    for (int side = 0; side < 2; side++)
        for (ptrdiff_t i = side ? n - e : 0; i < (side ? n : e); i++)
            if (m->level[i] == FAR) {
                out[i] = X[i];
                out[n + i] = X[n + i];
            }
}

/* Upwind MUSCL flux through the face between cells c and c + s (padded P), velocity u. */
static inline __attribute__((always_inline)) double face_flux(enum nnq_limiter lim, const double *P,
                                                              ptrdiff_t c, ptrdiff_t s, double u) {
    const double q0 = P[c - s], q1 = P[c], q2 = P[c + s], q3 = P[c + 2 * s];
    const double left = q1 + half_slope(lim, q1 - q0, q2 - q1);
    const double right = q2 - half_slope(lim, q2 - q1, q3 - q2);
    return u * (u > 0 ? left : right);
}

/* The difference of F across the face between padded cells c and c + s, for the flow: the
 * difference itself between two support cells; between a support cell and a band cell, the
 * support's own difference on its other side along the axis (0 where that cell is not in the
 * support either) where the band cell is empty (p < delta^2; a dense one is a node's, which
 * mass does not cross: it would pile up there); else 0. The band's F (extended from several
 * directions) never sets a velocity, so a support cell cannot drain into a band whose F was
 * extended from elsewhere, and both cells of a face see the same flux. */
static inline __attribute__((always_inline)) double face_dF(const double *F, const double *L,
                                                            const double *P, double delta2,
                                                            ptrdiff_t c, ptrdiff_t s) {
    const double lc = L[c], lp = L[c + s];
    if (lc == 0 && lp == 0)
        return F[c + s] - F[c];
    if (lc == 0 && lp < FAR && P[c + s] < delta2)
        return L[c - s] == 0 ? F[c] - F[c - s] : 0;
    if (lp == 0 && lc < FAR && P[c] < delta2)
        return L[c + 2 * s] == 0 ? F[c + 2 * s] - F[c + s] : 0;
    return 0;
}

/* dq^2 times the fourth-order Laplacian of s along the axis of stride s at support cell c,
 * the vacuum's s its extension; but beside a node's cell (out of the support with
 * p >= delta^2), second order with s continued there from this side (ln s linear, never
 * rising outward), and nothing where both neighbours are nodes'. The stencil must not reach
 * across a node: the other lobe's s rising again beyond it made a V whose Laplacian, of order
 * s / dq^2, sent F racing there. */
static inline __attribute__((always_inline)) double
lap_s(const double *S, const double *L, const double *P, double delta2, ptrdiff_t c, ptrdiff_t s) {
    const double sc = S[c];
    const int node_m = L[c - s] != 0 && P[c - s] >= delta2;
    const int node_p = L[c + s] != 0 && P[c + s] >= delta2;
    if (!node_m && !node_p)
        return (-(S[c - 2 * s] + S[c + 2 * s]) + 16 * (S[c - s] + S[c + s]) - 30 * sc) / 12.0;
    if (node_m && node_p)
        return 0;
    const double inner = node_p ? S[c - s] : S[c + s];
    const double outer = inner > sc ? sc * sc / inner : sc;
    return inner + outer - 2 * sc;
}

/* At padded index c, with V = v there: dp/dt and dF/dt = -(|grad F|^2 / 2m + V + Q) in the
 * support (plus the edge's diffusion), 0 in the vacuum, whose F each stage extends. The
 * velocity on a face is face_dF over m dq; |grad F|^2 the mean of its squares on the cell's
 * faces. A node of psi, where F jumps by pi hbar, is vacuum: its jump enters neither. */
static inline __attribute__((always_inline)) void cell_rhs(const struct potential_form *m,
                                                           enum nnq_limiter lim, ptrdiff_t c,
                                                           double v, double *dp, double *dF) {
    const double *P = m->P, *F = m->F, *S = m->S, *L = m->L;
    const double inv_m = 1.0 / m->par.mass, hbar = m->par.hbar;
    const double hq = m->par.classical ? 0.0 : hbar; /* the quantum potential's */
    const double Fc = F[c], sc = S[c], lc = L[c];
    double kin = 0, lapS = 0, lapF = 0, div = 0;
    for (int a = 0; a < m->d; a++) {
        const ptrdiff_t s = m->stride[a];
        const double h1 = m->inv_dq[a];
        const double gp = face_dF(F, L, P, m->delta2, c, s) * h1;
        const double gm = face_dF(F, L, P, m->delta2, c - s, s) * h1;
        const double up = gp * inv_m, um = gm * inv_m;
        div += (face_flux(lim, P, c, s, up) - face_flux(lim, P, c - s, s, um)) * h1;
        kin += 0.5 * (gp * gp + gm * gm);
        lapF += (F[c + s] - 2 * Fc + F[c - s]) * (h1 * h1);
        lapS += lap_s(S, L, P, m->delta2, c, s) * (h1 * h1);
    }
    const double h = 0.5 * inv_m * kin - 0.5 * hq * hq * inv_m * lapS / sc + v;
    *dp = -div;
    const double edge = m->delta2 / (P[c] + m->delta2);
    *dF = lc == 0 ? -h + edge * 0.5 * hbar * inv_m * lapF : 0;
}

/* What the interior of the support's cells need: see plain_cells. */
struct plain {
    const double *P, *F, *S, *V, *U, *X;
    double *out;
    ptrdiff_t n, stride[3];
    double inv_dq[3], inv_m, hbar, hq, delta2, a, b, dt; /* hq: the quantum potential's hbar */
};

/* out = a U + b (X + dt L(X)) for the cells k0 .. k1 - 1 of the line whose first padded cell
 * is c0 and first local one i0, each of them a plain cell (it and its face neighbours in the
 * support): cell_rhs's arithmetic in its order, where face_dF is the difference of F and
 * lap_s the fourth-order Laplacian, so that the results are cell_rhs's bit for bit; with no
 * branch on the cells' levels, a run of them vectorises. */
static inline __attribute__((always_inline)) void plain_cells(enum nnq_limiter lim, int d,
                                                              const struct plain *q, ptrdiff_t c0,
                                                              ptrdiff_t i0, ptrdiff_t k0,
                                                              ptrdiff_t k1) {
    const double *restrict P = q->P, *restrict F = q->F, *restrict S = q->S, *restrict V = q->V;
    const double inv_m = q->inv_m, hbar = q->hbar, hq = q->hq, delta2 = q->delta2;
    const ptrdiff_t stride[3] = {q->stride[0], q->stride[1], q->stride[2]};
    const double inv_dq[3] = {q->inv_dq[0], q->inv_dq[1], q->inv_dq[2]};
    for (ptrdiff_t k = k0; k < k1; k += PLAIN_RUN) {
        const ptrdiff_t e = k1 - k < PLAIN_RUN ? k1 - k : PLAIN_RUN;
        double rp[PLAIN_RUN], rF[PLAIN_RUN]; /* dp/dt, dF/dt: local, so that nothing aliases */
        for (ptrdiff_t r = 0; r < e; r++) {
            const ptrdiff_t c = c0 + k + r;
            const double Fc = F[c], sc = S[c];
            double kin = 0, lapS = 0, lapF = 0, div = 0;
#pragma GCC unroll 3
            for (int ax = 0; ax < d; ax++) {
                const ptrdiff_t s = stride[ax];
                const double h1 = inv_dq[ax];
                const double gp = (F[c + s] - F[c]) * h1;
                const double gm = (F[c] - F[c - s]) * h1;
                const double up = gp * inv_m, um = gm * inv_m;
                div += (face_flux(lim, P, c, s, up) - face_flux(lim, P, c - s, s, um)) * h1;
                kin += 0.5 * (gp * gp + gm * gm);
                lapF += (F[c + s] - 2 * Fc + F[c - s]) * (h1 * h1);
                lapS += (-(S[c - 2 * s] + S[c + 2 * s]) + 16 * (S[c - s] + S[c + s]) - 30 * sc) /
                        12.0 * (h1 * h1);
            }
            const double h = 0.5 * inv_m * kin - 0.5 * hq * hq * inv_m * lapS / sc + V[i0 + k + r];
            const double edge = delta2 / (P[c] + delta2);
            rp[r] = -div;
            rF[r] = -h + edge * 0.5 * hbar * inv_m * lapF;
        }
        const double *U = q->U + i0 + k, *X = q->X + i0 + k;
        double *out = q->out + i0 + k;
        const double a = q->a, b = q->b, dt = q->dt;
        const ptrdiff_t n = q->n;
        for (ptrdiff_t r = 0; r < e; r++) {
            out[r] = a * U[r] + b * (X[r] + dt * rp[r]);
            out[n + r] = a * U[n + r] + b * (X[n + r] + dt * rF[r]);
        }
    }
}

/* One function per limiter and dimension, each with its AVX2 and AVX-512 clones. */
typedef void (*plain_fn)(const struct plain *q, ptrdiff_t c0, ptrdiff_t i0, ptrdiff_t k0,
                         ptrdiff_t k1);
#define NNQ_PLAIN(lim, d)                                                                          \
    NNQ_CLONES static void plain_##lim##_##d(const struct plain *q, ptrdiff_t c0, ptrdiff_t i0,    \
                                             ptrdiff_t k0, ptrdiff_t k1) {                         \
        plain_cells(NNQ_LIMITER_##lim, d, q, c0, i0, k0, k1);                                      \
    }
#define NNQ_PLAIN_D(lim) NNQ_PLAIN(lim, 1) NNQ_PLAIN(lim, 2) NNQ_PLAIN(lim, 3)
NNQ_PLAIN_D(VANLEER)
NNQ_PLAIN_D(MINMOD)
NNQ_PLAIN_D(MC)
NNQ_PLAIN_D(NONE)
#define NNQ_PLAIN_ROW(lim) [NNQ_LIMITER_##lim] = {plain_##lim##_1, plain_##lim##_2, plain_##lim##_3}
static const plain_fn plain_table[4][3] = {NNQ_PLAIN_ROW(VANLEER), NNQ_PLAIN_ROW(MINMOD),
                                           NNQ_PLAIN_ROW(MC), NNQ_PLAIN_ROW(NONE)};

/*
 * The support and its vacuum. A cell is in the support (level 0) where p >= delta^2 and F
 * steps by at most pi hbar / 2 to each neighbour with p >= delta^2 (the vacuum's F has no
 * dynamics and excludes nothing): a larger step is a node of psi (F jumps by
 * pi hbar across a sign change) or a phase the grid does not resolve, where the Madelung
 * equations do not hold; it joins the vacuum, so that the support's flow goes round it. The
 * vacuum's cells within LAYERS of it are layers 1 .. LAYERS (the band), the rest FAR
 * (no flow through their faces). In the band F is the support's F extended, layer by layer,
 * each cell the mean over its axes and sides of the linear extrapolation from the two cells
 * before it (the one cell where only one is known), at every stage: the support's velocity
 * continues into the vacuum, so that a packet moving into empty cells meets its own flow there
 * (a vacuum with an F of its own stops it: a shock at the front; one extended only once a step
 * grows a velocity across the edge's face within the step), and a uniform F stays uniform (a
 * stationary state stays stationary). ln s, the density's shape that the quantum potential of
 * the support's edge reads, is extended once a step by the quadratic through the three cells
 * before it (exact for a gaussian tail; never rising outward, never below delta): the edge's Q
 * sees its own tail continued, not the vacuum's p, which moves without quantum pressure.
 */

/* The steps s (signed strides, axis by axis, - before +) from padded cell c to its neighbours
 * of lower level than `layer`, into s[0 .. 6); returns how many: the directions a band cell
 * of that layer is extended from. */
static inline int lower_sides(const struct potential_form *m, ptrdiff_t c, double layer,
                              ptrdiff_t *s) {
    int k = 0;
    for (int a = 0; a < m->d; a++)
        for (int side = -1; side <= 1; side += 2)
            if (m->L[c + side * m->stride[a]] < layer)
                s[k++] = side * m->stride[a];
    return k;
}

/* The mean of the extrapolations into padded cell c from the cells of lower level than
 * `layer` (padded field f), or NAN where there are none. */
static inline double extrapolate(const struct potential_form *m, const double *f, ptrdiff_t c,
                                 double layer) {
    ptrdiff_t side[6];
    const int cnt = lower_sides(m, c, layer, side);
    double sum = 0;
    for (int k = 0; k < cnt; k++) {
        const ptrdiff_t s = side[k];
        sum += layer == 1 && m->L[c + 2 * s] < layer ? 2 * f[c + s] - f[c + 2 * s] : f[c + s];
    }
    return cnt ? sum / cnt : NAN;
}

/* F of state X in the band, extended from the support's, into X and the padded F (which
 * must hold X's F). Collective. */
static void extend_F(struct potential_form *m, double *X) {
    const ptrdiff_t gp = GHOST * m->plane;
    ptrdiff_t k = 0;
    for (int layer = 1; layer <= LAYERS; layer++) {
        const ptrdiff_t end = k + m->band_n[layer];
        for (ptrdiff_t b = k; b < end; b++)
            m->Fx[b] = extrapolate(m, m->F, m->bandc[b], layer);
        for (; k < end; k++) {
            X[m->n + m->band[k]] = m->Fx[k];
            m->F[m->bandc[k]] = m->Fx[k];
        }
        if (layer < LAYERS)
            ghosts(m, X + m->n, m->F, m->halo + 2 * gp);
    }
    ghosts(m, X + m->n, m->F, m->halo + 2 * gp);
}

/* lo[l], hi[l]: the first and one past the last cell of line l below FAR (lo = hi: none). */
static void ranges(struct potential_form *m) {
    for (ptrdiff_t l = 0; l < m->lines; l++) {
        const double *lev = m->level + l * m->len;
        ptrdiff_t lo = 0, hi = m->len;
        while (lo < hi && lev[lo] == FAR)
            lo++;
        while (hi > lo && lev[hi - 1] == FAR)
            hi--;
        m->lo[l] = lo;
        m->hi[l] = hi;
    }
}

/* The cells [a, b) of line l that can have a neighbour below FAR (from the ranges of the line
 * and of its neighbouring lines): the whole line where the line's range reaches its ends (which
 * wrap) or where a neighbouring line lies on another rank (1D: the line is the slab). */
static void candidates(const struct potential_form *m, ptrdiff_t l, ptrdiff_t *a, ptrdiff_t *b) {
    const ptrdiff_t r = m->d == 3 ? l / m->n1 : l, len = m->len;
    *a = 0;
    *b = len;
    if (m->d == 1 || r == 0 || r == m->n0 - 1)
        return;
    ptrdiff_t lo = len, hi = 0;
    if (m->lo[l] < m->hi[l]) {
        if (m->lo[l] == 0 || m->hi[l] == len)
            return;
        lo = m->lo[l] - 1;
        hi = m->hi[l] + 1;
    }
    ptrdiff_t q[4] = {l - 1, l + 1, l, l};
    int nq = 2;
    if (m->d == 3) {
        const ptrdiff_t k1 = l % m->n1;
        q[0] = l - m->n1;
        q[1] = l + m->n1;
        q[2] = l - k1 + (k1 + 1) % m->n1;
        q[3] = l - k1 + (k1 + m->n1 - 1) % m->n1;
        nq = 4;
    }
    for (int k = 0; k < nq; k++)
        if (m->lo[q[k]] < m->hi[q[k]]) {
            lo = m->lo[q[k]] < lo ? m->lo[q[k]] : lo;
            hi = m->hi[q[k]] > hi ? m->hi[q[k]] : hi;
        }
    *a = lo < hi ? lo : 0;
    *b = lo < hi ? hi : 0;
}

/* The levels, the band (local indices in band[], padded ones in bandc[]: two arrays, as the
 * band may hold most of the cells), s in the band (Sx) and the lines' ranges below FAR, from U;
 * then U's F in the band. Collective. */
static void extend(struct potential_form *m) {
    const ptrdiff_t gp = GHOST * m->plane, n = m->n, e = gp < n ? gp : n;
    const double d2 = m->delta2;
    for (ptrdiff_t i = 0; i < n; i++)
        m->level[i] = m->U[i] >= d2 ? 0 : FAR;
    /* Sx of the first and last GHOST planes, which the neighbours' halo rows of S read; elsewhere
     * only the band's is read (pad_state sets S in the rest) */
    for (int side = 0; side < 2; side++)
        for (ptrdiff_t i = side ? n - e : 0; i < (side ? n : e); i++)
            m->Sx[i] = sqrt((m->U[i] > 0 ? m->U[i] : 0) + d2);
    pad_state(m, m->U);
    const double jump = 0.5 * M_PI * m->par.hbar;
    for (ptrdiff_t r = 0; r < m->n0; r++)
        for (ptrdiff_t k1 = 0; k1 < m->n1; k1++)
            for (ptrdiff_t k2 = 0; k2 < m->n2; k2++) {
                const ptrdiff_t c = at(m, r, k1, k2), i = (r * m->n1 + k1) * m->n2 + k2;
                if (m->level[i] != 0)
                    continue;
                for (int a = 0; a < m->d; a++) {
                    const ptrdiff_t s = m->stride[a];
                    if ((m->P[c + s] >= d2 && fabs(m->F[c + s] - m->F[c]) > jump) ||
                        (m->P[c - s] >= d2 && fabs(m->F[c] - m->F[c - s]) > jump))
                        m->level[i] = FAR;
                }
            }
    for (ptrdiff_t l = 0; l < m->lines; l++)
        memcpy(m->L + line_c0(m, l), m->level + l * m->len, sizeof(double) * (size_t)m->len);
    ghosts(m, m->level, m->L, m->halo + 4 * gp);
    ranges(m);
    const double lfloor = 0.5 * log(d2 + DBL_MIN); /* s >= delta */
    ptrdiff_t k = 0;
    for (int layer = 1; layer <= LAYERS; layer++) {
        const ptrdiff_t start = k;
        for (ptrdiff_t l = 0; l < m->lines; l++) {
            ptrdiff_t from, to;
            candidates(m, l, &from, &to);
            const ptrdiff_t c0 = line_c0(m, l), i0 = l * m->len;
            for (ptrdiff_t kk = from; kk < to; kk++) {
                const ptrdiff_t c = c0 + kk, i = i0 + kk;
                if (m->L[c] < FAR)
                    continue;
                ptrdiff_t side[6];
                const int cnt = lower_sides(m, c, layer, side);
                double lsum = 0;
                for (int q = 0; q < cnt; q++) {
                    const ptrdiff_t s = side[q];
                    const int two = m->L[c + 2 * s] < layer;
                    const int three = two && m->L[c + 3 * s] < layer;
                    const double l1 = log(m->S[c + s]), l2 = log(m->S[c + 2 * s]);
                    double v = three ? 3 * (l1 - l2) + log(m->S[c + 3 * s])
                               : two ? 2 * l1 - l2
                                     : l1;
                    v = v < l1 ? v : l1;
                    lsum += v > lfloor ? v : lfloor;
                }
                if (cnt) {
                    m->Sx[i] = exp(lsum / cnt);
                    m->band[k] = i;
                    m->bandc[k] = c;
                    k++;
                }
            }
        }
        m->band_n[layer] = k - start;
        for (ptrdiff_t b = start; b < k; b++) {
            const ptrdiff_t i = m->band[b], c = m->bandc[b], l = i / m->len, kk = i % m->len;
            m->level[i] = layer;
            m->L[c] = layer;
            m->S[c] = m->Sx[i];
            m->lo[l] = kk < m->lo[l] || m->lo[l] == m->hi[l] ? kk : m->lo[l];
            m->hi[l] = kk + 1 > m->hi[l] ? kk + 1 : m->hi[l];
        }
        ghosts(m, m->level, m->L, m->halo + 4 * gp);
        ghosts(m, m->Sx, m->S, m->halo + 6 * gp);
        if (!nnq_par_any(k > start)) {
            for (int l = layer + 1; l <= LAYERS; l++)
                m->band_n[l] = 0;
            break;
        }
    }
    for (ptrdiff_t l = 0; l < m->lines; l++) {
        const ptrdiff_t c0 = line_c0(m, l), i0 = l * m->len;
        for (ptrdiff_t kk = m->lo[l]; kk < m->hi[l]; kk++) {
            const ptrdiff_t c = c0 + kk;
            int plain = m->L[c] == 0;
            for (int a = 0; a < m->d; a++)
                plain &= m->L[c - m->stride[a]] == 0 && m->L[c + m->stride[a]] == 0;
            m->plain[i0 + kk] = (unsigned char)plain;
        }
    }
    extend_F(m, m->U);
}

/* out = a U + b (X + dt L(X)) over this rank's support and band, from the padded state; the far
 * vacuum, where L(X) = 0, is not written (see copy_far_edges). */
static inline __attribute__((always_inline)) void stage_cells(struct potential_form *m,
                                                              enum nnq_limiter lim, const double *X,
                                                              double *out, double a, double b,
                                                              double dt) {
    const ptrdiff_t n = m->n;
    const double *U = m->U, *V = m->V, *L = m->L;
    const struct plain q = {.P = m->P,
                            .F = m->F,
                            .S = m->S,
                            .V = V,
                            .U = U,
                            .X = X,
                            .out = out,
                            .n = n,
                            .stride = {m->stride[0], m->stride[1], m->stride[2]},
                            .inv_dq = {m->inv_dq[0], m->inv_dq[1], m->inv_dq[2]},
                            .inv_m = 1.0 / m->par.mass,
                            .hbar = m->par.hbar,
                            .hq = m->par.classical ? 0.0 : m->par.hbar,
                            .delta2 = m->delta2,
                            .a = a,
                            .b = b,
                            .dt = dt};
    const plain_fn run = plain_table[lim][m->d - 1];
#pragma omp parallel for num_threads(m->par.threads > 0 ? m->par.threads : 1) schedule(static)
    for (ptrdiff_t l = 0; l < m->lines; l++) {
        const ptrdiff_t c0 = line_c0(m, l), i0 = l * m->len, hi = m->hi[l];
        const unsigned char *plain = m->plain + i0;
        for (ptrdiff_t k = m->lo[l]; k < hi;) {
            if (plain[k]) { /* a run of the support's interior */
                ptrdiff_t e = k + 1;
                while (e < hi && plain[e])
                    e++;
                run(&q, c0, i0, k, e);
                k = e;
                continue;
            }
            const ptrdiff_t i = i0 + k;
            if (L[c0 + k] != FAR) {
                double dp, dF;
                cell_rhs(m, lim, c0 + k, V[i], &dp, &dF);
                out[i] = a * U[i] + b * (X[i] + dt * dp);
                out[n + i] = a * U[n + i] + b * (X[n + i] + dt * dF);
            }
            k++;
        }
    }
}

/* out = a U + b (X + dt L(X)). Collective. */
static void stage(struct potential_form *m, double *X, double *out, double a, double b, double dt) {
    repad(m, X);
    extend_F(m, X);
    copy_far_edges(m, X, out);
    switch (m->par.limiter) { /* one loop per limiter: the limiter's branch out of the loop */
    case NNQ_LIMITER_VANLEER:
        stage_cells(m, NNQ_LIMITER_VANLEER, X, out, a, b, dt);
        break;
    case NNQ_LIMITER_MINMOD:
        stage_cells(m, NNQ_LIMITER_MINMOD, X, out, a, b, dt);
        break;
    case NNQ_LIMITER_MC:
        stage_cells(m, NNQ_LIMITER_MC, X, out, a, b, dt);
        break;
    case NNQ_LIMITER_NONE:
        stage_cells(m, NNQ_LIMITER_NONE, X, out, a, b, dt);
        break;
    }
}

/* From the padded U (extend done): the largest |u| of the faces per axis over the ranks into
 * speed[] (NaN where a velocity is not finite). Collective. */
static void survey(struct potential_form *m, double *speed) {
    double s[3] = {0, 0, 0};
    int nan = 0;
    for (ptrdiff_t l = 0; l < m->lines; l++) { /* a face of the far vacuum has no flow */
        const ptrdiff_t c0 = line_c0(m, l);
        for (int a = 0; a < m->d; a++) {
            double top = 0;
            for (ptrdiff_t k = m->lo[l]; k < m->hi[l]; k++) {
                const double f = fabs(face_dF(m->F, m->L, m->P, m->delta2, c0 + k, m->stride[a]));
                top = f > top ? f : top;
                nan |= isnan(f);
            }
            s[a] = top > s[a] ? top : s[a];
        }
    }
    for (int a = 0; a < 3; a++)
        speed[a] = nnq_par_max(nan ? NAN : s[a] * m->inv_dq[a] / m->par.mass);
}

/* NNQ_ERR_NUMERIC, on every rank, when p or F is NaN or infinite anywhere, or p is negative
 * below -density_floor max p. Collective. */
static enum nnq_status check_state(struct potential_form *m, double t, struct nnq_err *err) {
    const double *p = m->U, *F = m->U + m->n;
    ptrdiff_t bad = -1;
    for (ptrdiff_t i = 0; bad < 0 && i < m->n; i++)
        if (!isfinite(p[i]) || !isfinite(F[i]))
            bad = i;
    /* NaN on another rank makes the largest p NaN: then no cell here is reported negative */
    const double lowest = -m->par.density_floor * max_density(m, p);
    for (ptrdiff_t i = 0; bad < 0 && i < m->n; i++)
        if (p[i] < lowest)
            bad = i;
    enum nnq_status rc = NNQ_OK;
    if (bad >= 0)
        rc = nnq_err_set(err, NNQ_ERR_NUMERIC,
                         "Madelung solver (potential form): %s (p = %g, F = %g at cell %td of "
                         "rank %d) at t = %g: its state is no longer valid; a larger [madelung] "
                         "potential_floor (1e-6) keeps the tails the grid does not resolve out "
                         "of the support",
                         isfinite(p[bad]) && isfinite(F[bad]) ? "the density is negative"
                                                              : "the state is NaN or infinite",
                         p[bad], F[bad], m->g->local_0_start * m->plane + bad, nnq_par_rank(), t);
    return nnq_par_agree(rc, err);
}

/* The largest sub-step of the dispersive part: the linearised system is Schrodinger's. */
static double dispersive(const double *dq, int dims, double mass, double hbar) {
    double curv = 0;
    for (int a = 0; a < dims; a++)
        curv += 1.0 / (dq[a] * dq[a]);
    return DISPERSIVE * mass / (hbar * curv);
}

/* 1 on every rank when a support cell anywhere holds less than delta^2 / 2. Collective. */
static int drained(const struct potential_form *m) {
    int any = 0;
    for (ptrdiff_t l = 0; l < m->lines && !any; l++)
        for (ptrdiff_t i = l * m->len + m->lo[l]; i < l * m->len + m->hi[l] && !any; i++)
            any = m->level[i] == 0 && m->U[i] < 0.5 * m->delta2;
    return nnq_par_any(any);
}

static enum nnq_status advance(void *self, long nsteps, double t0, struct nnq_err *err) {
    struct potential_form *m = self;
    const double dt = m->par.dt, hbar = m->par.hbar, mass = m->par.mass;
    const double disp = dispersive(m->g->dq, m->d, mass, hbar);
    for (long s = 0; s < nsteps; s++) {
        const double t = t0 + (double)s * dt;
        /* The support, its band and the sub-step are set at the step's start and again
         * whenever a sub-step drains a support cell below delta^2 / 2: held in the support
         * for the rest of the step, such a cell's F ran away under |grad F|^2, which nothing
         * there balances. (Set anew at every sub-step, the edge's s re-extended that often
         * made a stationary state's divergence 1.5-3 times larger.) */
        double done = 0, h = 0;
        long ns = 0, todo = 0;
        for (int stale = 1;; stale = drained(m)) {
            if (stale) {
                const double pmax = max_density(m, m->U);
                if (!isfinite(pmax)) /* names the cell */
                    return check_state(m, t + done, err);
                m->delta2 = m->par.density_floor * pmax;
                extend(m);
                double speed[3];
                survey(m, speed);
                double rate = 0;
                for (int a = 0; a < m->d; a++)
                    rate += speed[a] * m->inv_dq[a];
                const double lim = rate > 0 ? fmin(disp, ADVECTIVE / rate) : disp;
                const double left = dt - done, nsub = ceil(left / lim * (1 - 1e-12));
                if (!isfinite(rate) || !(nsub >= 1) || nsub > 1e6 || ns >= 1000000)
                    return nnq_err_set(err, NNQ_ERR_NUMERIC,
                                       "Madelung solver (potential form): velocity %g at t = %g "
                                       "needs %g sub-steps per step (the state is no longer "
                                       "finite or smooth); a larger [madelung] potential_floor "
                                       "(1e-6) keeps the tails the grid does not resolve out of "
                                       "the support",
                                       rate, t + done, nsub);
                todo = (long)nsub;
                h = left / nsub;
            }
            const double tk = t + done;
            enum nnq_status rc = NNQ_OK;
            double *in[3] = {m->U, m->A, m->B}, *out[3] = {m->A, m->B, m->U};
            for (int k = 0; k < 3 && rc == NNQ_OK; k++) {
                const struct nnq_ssprk3_stage *st = &nnq_ssprk3[k];
                if (m->time_dependent)
                    rc = nnq_potential_fill(m->pot, m->g, tk + st->c * h, m->V, err);
                if (rc == NNQ_OK)
                    stage(m, in[k], out[k], st->a, st->b, h);
            }
            if ((rc = nnq_par_agree(rc, err)) != NNQ_OK)
                return rc;
            ns++;
            if (--todo == 0)
                break;
            done += h;
        }
        m->max_sub = ns > m->max_sub ? ns : m->max_sub;
        if (m->decay) /* the absorbing layer, split from the flow once a step */
            for (ptrdiff_t i = 0; i < m->n; i++)
                m->U[i] *= m->decay[i];
    }
    return check_state(m, t0 + (double)nsteps * dt, err);
}

static long take_substeps(void *self) {
    struct potential_form *m = self;
    const long s = m->max_sub;
    m->max_sub = 0;
    return s;
}

static long substeps(const void *self) { return ((const struct potential_form *)self)->max_sub; }

static void set_substeps(void *self, long s) { ((struct potential_form *)self)->max_sub = s; }

/* p, F, u = grad F / m and j = p u. u by central differences of F everywhere, the vacuum's
 * held F included, so that its discrete curl vanishes to round-off (u zeroed in the vacuum
 * would put curl on the support's edge). */
static void view(void *self, struct nnq_view *v) {
    struct potential_form *m = self;
    const ptrdiff_t n = m->n;
    pad_field(m, m->U + n, m->F, m->halo + 2 * GHOST * m->plane);
    for (ptrdiff_t r = 0; r < m->n0; r++)
        for (ptrdiff_t k1 = 0; k1 < m->n1; k1++)
            for (ptrdiff_t k2 = 0; k2 < m->n2; k2++) {
                const ptrdiff_t c = at(m, r, k1, k2), i = (r * m->n1 + k1) * m->n2 + k2;
                for (int a = 0; a < m->d; a++) {
                    const ptrdiff_t s = m->stride[a];
                    m->u[a * n + i] =
                        0.5 * (m->F[c + s] - m->F[c - s]) * m->inv_dq[a] / m->par.mass;
                    m->j[a * n + i] = m->U[i] * m->u[a * n + i];
                }
            }
    *v = (struct nnq_view){
        .g = m->g, .p = m->U, .j = m->j, .u = m->u, .F = m->U + n, .vacuum = m->delta2};
}

static double *state(void *self) { return ((struct potential_form *)self)->U; }

const struct nnq_madelung_form nnq_madelung_potential = {
    .name = "potential",
    .dispersive_rule = "0.5 m / (hbar sum_a 1 / dq_a^2)",
    .advective_rule = "0.25 / sum_a (max|u_a| / dq_a)",
    .dispersive = dispersive,
    .components = components,
    .create = create,
    .init = init,
    .advance = advance,
    .take_substeps = take_substeps,
    .substeps = substeps,
    .set_substeps = set_substeps,
    .view = view,
    .state = state,
    .scratch_bytes = scratch_bytes,
    .bytes_per_point = bytes_per_point,
    .destroy = destroy,
};
