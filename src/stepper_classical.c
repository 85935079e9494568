/*
 * stepper_classical.c - the classical description as a stepper (nnq/stepper.h): the
 * Fokker-Planck equation of overdamped Langevin dynamics (the langevin walkers' density),
 *
 *     dp/dt = sum_a d_a (mobility_a p d_a V + D_a d_a p),      ([classical])
 *
 * on the run's periodic grid and V, from p = |psi|^2 at t = 0 (the same ensemble), beside the
 * Schrodinger description and compared with it at every row (L1, Hellinger, relative entropy).
 *
 * Space: finite volumes with Scharfetter-Gummel fluxes. Across the face between cells i and
 * i + e_a, with y = mobility_a (V_{i+e_a} - V_i),
 *
 *     J = [G(D_a, y) p_i - G(D_a, -y) p_{i+e_a}] / dq_a,   G(D, y) = D B(y / D) = y / expm1(y / D),
 *
 * (B the Bernoulli function; G(0, y) = max(-y, 0), pure upwinding). The scheme is second order
 * for smooth p; the fluxes telescope, so the mass is conserved to round-off; the discrete
 * Gibbs state p_i ~ exp(-V_i / T) (T = D_a / mobility_a, one for all axes) makes every flux
 * zero, so it is stationary to round-off; the off-diagonal coefficients are >= 0 at any cell
 * Peclet number, so a forward-Euler step of at most 1 / max_i r_i (r_i the cell's outflow rate)
 * keeps p >= 0.
 *
 * Time: the four-stage third-order SSP Runge-Kutta method (Kraaijevanger; Spiteri & Ruuth),
 * a convex combination of four such Euler steps of half a sub-step, so it keeps p >= 0 for
 * sub-steps up to twice the Euler bound: each [run] dt is cut into the fewest equal sub-steps
 * within it (the column classical_substeps). A V(t) is read at the middle of each step (second
 * order in time). An absorbing layer takes the density up at the rate it takes |psi|^2 (2 W /
 * hbar).
 *
 * References: D. L. Scharfetter & H. K. Gummel, IEEE Trans. Electron Devices 16, 64 (1969);
 * J. F. B. M. Kraaijevanger, BIT 31, 482 (1991); R. J. Spiteri & S. J. Ruuth, SIAM J. Numer.
 * Anal. 40, 469 (2002); H. A. Kramers, Physica 7, 284 (1940).
 */
#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nnq/absorber.h"
#include "nnq/par.h"
#include "nnq/stepper.h"

/* The floor under p_C in the relative entropy, relative to p_C's peak: it bounds the column by
 * ln(1e16) = 36.8 where the classical density underflows. */
#define KL_FLOOR 1e-16

/*
 * Invariants: p, u1, u2, V hold local_size values (at least 1); along axis 0 the faces
 * f = 0 .. local_n0 (f between this slab's rows f - 1 and f, row -1 the previous rank's last)
 * have coefficients up0[f * plane + k] (of the row before) and dn0[...] (of the row after);
 * along axes 1 and 2 the face after cell i has up[a][i], dn[a][i], all >= 0; substeps >= 1 is the
 * sub-steps of the last step, most the largest since the last row. V is V at t = 0 (static V), or
 * V(t) at the middle of the last step or at the last row (the coefficients: the step's). kill
 * (absorbing layer) is the factor a step leaves in the layer.
 */
struct classical {
    struct nnq_stepper_env env;
    ptrdiff_t n, plane, rows;
    double *p, *u1, *u2, *up0, *dn0, *up[3], *dn[3], *V, *kill, *prev, *next;
    double mobility[3], D[3];
    long substeps, most;
    int time_dependent;
};

enum { FIELD_P, FIELDS };

static const struct nnq_field_info fields[FIELDS] = {
    [FIELD_P] = {"p", NNQ_FIELD_REAL, NNQ_FIELD_P},
};

static int wanted(const struct nnq_config *cfg) { return cfg->classical_enabled; }

static void destroy(void *self) {
    struct classical *x = self;
    if (!x)
        return;
    double *arrays[] = {x->p,     x->u1,    x->u2, x->up0,  x->dn0,  x->up[1], x->dn[1],
                        x->up[2], x->dn[2], x->V,  x->kill, x->prev, x->next};
    for (size_t k = 0; k < sizeof arrays / sizeof arrays[0]; k++)
        fftw_free(arrays[k]);
    free(x);
}

/* D B(y / D): the flux's coefficient of the cell the face's drift y points away from. */
static double sg(double D, double y) {
    if (D <= 0)
        return y < 0 ? -y : 0.0;
    const double x = y / D;
    return fabs(x) < 1e-10 ? D * (1.0 - 0.5 * x) : y / expm1(x);
}

/* The fluxes' coefficients and the outflow rates from x->V; the sub-steps of a step of dt.
 * Collective (V's halo rows, the ranks' largest rate). */
static void coefficients(struct classical *x) {
    const struct nnq_grid *g = x->env.g;
    const ptrdiff_t plane = x->plane, rows = x->rows;
    nnq_par_halo(x->V, sizeof(double) * (size_t)plane, g->counts, 1, x->next, x->prev);
    const double h0 = 1.0 / (g->dq[0] * g->dq[0]);
    for (ptrdiff_t f = 0; f <= rows && rows > 0; f++) {
        const double *a = f == 0 ? x->prev : x->V + (f - 1) * plane;
        const double *b = f == rows ? x->next : x->V + f * plane;
        for (ptrdiff_t k = 0; k < plane; k++) {
            const double y = x->mobility[0] * (b[k] - a[k]);
            x->up0[f * plane + k] = h0 * sg(x->D[0], y);
            x->dn0[f * plane + k] = h0 * sg(x->D[0], -y);
        }
    }
    const ptrdiff_t n1 = g->n[1], n2 = g->n[2];
    for (int a = 1; a < g->dims; a++) {
        const double h = 1.0 / (g->dq[a] * g->dq[a]);
        for (ptrdiff_t i = 0; i < x->n; i++) {
            const ptrdiff_t j1 = i / n2 % n1, j2 = i % n2;
            const ptrdiff_t nb = a == 1 ? i + ((j1 + 1 == n1 ? 0 : j1 + 1) - j1) * n2
                                        : i + (j2 + 1 == n2 ? 0 : j2 + 1) - j2;
            const double y = x->mobility[a] * (x->V[nb] - x->V[i]);
            x->up[a][i] = h * sg(x->D[a], y);
            x->dn[a][i] = h * sg(x->D[a], -y);
        }
    }
    double most = 0;
    for (ptrdiff_t i = 0; i < x->n; i++) {
        const ptrdiff_t r = i / plane, k = i % plane, j1 = k / n2 % n1, j2 = k % n2;
        double d = x->dn0[r * plane + k] + x->up0[(r + 1) * plane + k];
        for (int a = 1; a < g->dims; a++) {
            const ptrdiff_t before = a == 1 ? i + ((j1 == 0 ? n1 - 1 : j1 - 1) - j1) * n2
                                            : i + (j2 == 0 ? n2 - 1 : j2 - 1) - j2;
            d += x->up[a][i] + x->dn[a][before];
        }
        most = d > most ? d : most;
    }
    most = nnq_par_max(most);
    const double dt = x->env.cfg->run_dt;
    x->substeps = most * dt > 2.0 ? (long)ceil(0.5 * most * dt * (1.0 + 1e-12)) : 1;
}

/*
 * One line of the last axis (the grid in 1D, a row in 2D, a line of axis 2 in 3D), n >= 1
 * cells, periodic along it: o = a u + b (s + tau L s). Along the line, up[k] / dn[k] are the
 * coefficients of the face after cell k (up: of cell k, dn: of cell k + 1). Along axis 0 (2D,
 * 3D) the lines sp / sn before and after, the faces before (U0: of sp, D0: of this line) and
 * after (U1: of this line, D1: of sn); along axis 1 (3D) the lines sb / sa and the faces
 * before (ub, db) and after (ua, da) alike. Each cell's body is written once (NNQ_FP_LINE);
 * the three functions differ in the axes across the line, so that each loop vectorizes.
 */
#define NNQ_FP_CELL(k, km, kp, ACROSS)                                                             \
    do {                                                                                           \
        const double sk = s[k];                                                                    \
        const double L = up[km] * s[km] + dn[k] * s[kp] - (dn[km] + up[k]) * sk + (ACROSS);        \
        o[k] = a * u[k] + b * (sk + tau * L);                                                      \
    } while (0)
#define NNQ_FP_LINE(ACROSS)                                                                        \
    do {                                                                                           \
        if (n == 1) {                                                                              \
            const ptrdiff_t k = 0;                                                                 \
            NNQ_FP_CELL(k, k, k, ACROSS);                                                          \
            break;                                                                                 \
        }                                                                                          \
        for (ptrdiff_t k = 0; k < 1; k++)                                                          \
            NNQ_FP_CELL(k, n - 1, k + 1, ACROSS);                                                  \
        for (ptrdiff_t k = 1; k < n - 1; k++)                                                      \
            NNQ_FP_CELL(k, k - 1, k + 1, ACROSS);                                                  \
        for (ptrdiff_t k = n - 1; k < n; k++)                                                      \
            NNQ_FP_CELL(k, k - 1, 0, ACROSS);                                                      \
    } while (0)

static void line1(ptrdiff_t n, double *restrict o, const double *restrict s,
                  const double *restrict u, const double *restrict up, const double *restrict dn,
                  double a, double b, double tau) {
    NNQ_FP_LINE(0.0);
}

struct across {
    const double *sp, *sn, *U0, *D0, *U1, *D1; /* axis 0 */
    const double *sb, *sa, *ub, *db, *ua, *da; /* axis 1 (3D) */
};

static void line2(ptrdiff_t n, double *restrict o, const double *restrict s,
                  const double *restrict u, const double *restrict up, const double *restrict dn,
                  const struct across *x, double a, double b, double tau) {
    const double *restrict sp = x->sp, *restrict sn = x->sn, *restrict U0 = x->U0,
                           *restrict D0 = x->D0, *restrict U1 = x->U1, *restrict D1 = x->D1;
    NNQ_FP_LINE(U0[k] * sp[k] + D1[k] * sn[k] - (D0[k] + U1[k]) * sk);
}

static void line3(ptrdiff_t n, double *restrict o, const double *restrict s,
                  const double *restrict u, const double *restrict up, const double *restrict dn,
                  const struct across *x, double a, double b, double tau) {
    const double *restrict sp = x->sp, *restrict sn = x->sn, *restrict U0 = x->U0,
                           *restrict D0 = x->D0, *restrict U1 = x->U1, *restrict D1 = x->D1;
    const double *restrict sb = x->sb, *restrict sa = x->sa, *restrict ub = x->ub,
                           *restrict db = x->db, *restrict ua = x->ua, *restrict da = x->da;
    NNQ_FP_LINE(U0[k] * sp[k] + D1[k] * sn[k] - (D0[k] + U1[k]) * sk + ub[k] * sb[k] +
                da[k] * sa[k] - (db[k] + ua[k]) * sk);
}
#undef NNQ_FP_LINE
#undef NNQ_FP_CELL

/* out = a u + b (s + tau L s), L the Fokker-Planck operator (u is read only where a != 0).
 * Collective (s's halo rows). */
static void stage(struct classical *x, const double *s, const double *u, double *out, double a,
                  double b, double tau) {
    const struct nnq_grid *g = x->env.g;
    const ptrdiff_t plane = x->plane, rows = x->rows, n1 = g->n[1], n2 = g->n[2];
    const int dims = g->dims;
    if (!u)
        u = s;       /* a == 0: read, multiplied by 0 */
    if (dims == 1) { /* rank 0 holds the grid; its line wraps onto itself */
        if (rows > 0)
            line1(rows, out, s, u, x->up0 + 1, x->dn0 + 1, a, b, tau);
        return;
    }
    nnq_par_halo(s, sizeof(double) * (size_t)plane, g->counts, 1, x->next, x->prev);
    const ptrdiff_t lines = dims == 3 ? n1 : 1, len = dims == 3 ? n2 : n1;
    const double *up = x->up[dims - 1], *dn = x->dn[dims - 1];
#pragma omp parallel for num_threads(x->env.threads) schedule(static) collapse(2)
    for (ptrdiff_t r = 0; r < rows; r++)
        for (ptrdiff_t j1 = 0; j1 < lines; j1++) {
            const ptrdiff_t at = r * plane + j1 * len, c = j1 * len;
            struct across ln = {
                .sp = (r == 0 ? x->prev : s + (r - 1) * plane) + c,
                .sn = (r == rows - 1 ? x->next : s + (r + 1) * plane) + c,
                .U0 = x->up0 + r * plane + c,
                .D0 = x->dn0 + r * plane + c,
                .U1 = x->up0 + (r + 1) * plane + c,
                .D1 = x->dn0 + (r + 1) * plane + c,
            };
            if (dims == 2) {
                line2(len, out + at, s + at, u + at, up + at, dn + at, &ln, a, b, tau);
                continue;
            }
            const ptrdiff_t before = r * plane + (j1 == 0 ? n1 - 1 : j1 - 1) * len,
                            after = r * plane + (j1 + 1 == n1 ? 0 : j1 + 1) * len;
            ln.sb = s + before;
            ln.sa = s + after;
            ln.ub = x->up[1] + before;
            ln.db = x->dn[1] + before;
            ln.ua = x->up[1] + at;
            ln.da = x->dn[1] + at;
            line3(len, out + at, s + at, u + at, up + at, dn + at, &ln, a, b, tau);
        }
}

static enum nnq_status create(const struct nnq_stepper_env *env, void **self, struct nnq_err *err) {
    *self = NULL;
    const struct nnq_config *cfg = env->cfg;
    const struct nnq_grid *g = env->g;
    struct classical *x = calloc(1, sizeof *x);
    int ok = x != NULL;
    if (ok) {
        x->env = *env;
        x->n = g->local_size;
        x->plane = g->n[1] * g->n[2];
        x->rows = g->local_n0;
        x->time_dependent = nnq_potential_time_dependent(env->pot);
        for (int a = 0; a < 3; a++) {
            x->mobility[a] = nnq_list_axis(&cfg->classical_mobility, a);
            x->D[a] = nnq_list_axis(&cfg->classical_diffusion, a);
        }
        const size_t local = sizeof(double) * (size_t)(x->n > 0 ? x->n : 1);
        const size_t faces = sizeof(double) * (size_t)((x->rows + 1) * x->plane);
        const size_t row = sizeof(double) * (size_t)x->plane;
        double **each[] = {&x->p, &x->u1, &x->u2, &x->V};
        for (size_t k = 0; k < sizeof each / sizeof each[0]; k++)
            ok = ok && (*each[k] = fftw_malloc(local));
        for (int a = 1; a < g->dims; a++)
            ok = ok && (x->up[a] = fftw_malloc(local)) && (x->dn[a] = fftw_malloc(local));
        ok = ok && (x->up0 = fftw_malloc(faces)) && (x->dn0 = fftw_malloc(faces)) &&
             (x->prev = fftw_malloc(row)) && (x->next = fftw_malloc(row));
        if (ok && cfg->grid_boundary == NNQ_BOUNDARY_ABSORBING) {
            ok = (x->kill = fftw_malloc(local)) != NULL;
            if (ok && nnq_absorber_fill(cfg, g, x->kill))
                for (ptrdiff_t i = 0; i < x->n; i++)
                    x->kill[i] = exp(-2.0 * x->kill[i] * cfg->run_dt / cfg->hbar);
        }
    }
    enum nnq_status rc =
        nnq_par_agree(ok ? NNQ_OK : nnq_err_set(err, NNQ_ERR_RUNTIME, "out of memory"), err);
    if (rc == NNQ_OK)
        rc = nnq_par_agree(nnq_potential_fill(env->pot, g, 0.0, x->V, err), err);
    if (rc != NNQ_OK) {
        destroy(x);
        return rc;
    }
    coefficients(x);
    x->most = x->substeps;
    *self = x;
    return NNQ_OK;
}

static enum nnq_status start(void *self, const struct nnq_view *ref, struct nnq_err *err) {
    struct classical *x = self;
    (void)err;
    for (ptrdiff_t i = 0; i < x->n; i++)
        x->p[i] = ref->p ? ref->p[i]
                         : creal(ref->psi[i]) * creal(ref->psi[i]) +
                               cimag(ref->psi[i]) * cimag(ref->psi[i]);
    return NNQ_OK;
}

static enum nnq_status advance(void *self, long nsteps, double t0, struct nnq_err *err) {
    struct classical *x = self;
    assert(x && x->p && x->u1 && x->u2 && x->substeps >= 1);
    const double dt = x->env.cfg->run_dt;
    for (long s = 0; s < nsteps; s++) {
        if (x->time_dependent) {
            const enum nnq_status rc = nnq_par_agree(
                nnq_potential_fill(x->env.pot, x->env.g, t0 + ((double)s + 0.5) * dt, x->V, err),
                err);
            if (rc != NNQ_OK)
                return rc;
            coefficients(x);
        }
        const double tau = 0.5 * dt / (double)x->substeps; /* the stages' Euler steps */
        for (long k = 0; k < x->substeps; k++) {
            stage(x, x->p, NULL, x->u1, 0.0, 1.0, tau);
            stage(x, x->u1, NULL, x->u2, 0.0, 1.0, tau);
            stage(x, x->u2, x->p, x->u1, 2.0 / 3.0, 1.0 / 3.0, tau);
            stage(x, x->u1, NULL, x->p, 0.0, 1.0, tau);
        }
        if (x->kill)
            for (ptrdiff_t i = 0; i < x->n; i++)
                x->p[i] *= x->kill[i];
        x->most = x->substeps > x->most ? x->substeps : x->most;
    }
    return NNQ_OK;
}

/* Its columns, all NaN-free while the solver holds. */
static const enum nnq_diag_column columns[] = {NNQ_DIAG_classical_mass,
                                               NNQ_DIAG_classical_q0_mean,
                                               NNQ_DIAG_classical_q0_sq_mean,
                                               NNQ_DIAG_classical_energy_pot,
                                               NNQ_DIAG_classical_entropy,
                                               NNQ_DIAG_classical_min,
                                               NNQ_DIAG_dist_l1,
                                               NNQ_DIAG_dist_hellinger,
                                               NNQ_DIAG_dist_kl};
enum { ncolumns = sizeof columns / sizeof columns[0] };

static void sample(void *self, const struct nnq_view *ref, struct nnq_diag_row *row) {
    struct classical *x = self;
    const struct nnq_grid *g = x->env.g;
    double *r = row->value;
    const double t = r[NNQ_DIAG_t];
    if (x->time_dependent) { /* V(t) of the row; a V that failed shows as a NaN <V> */
        struct nnq_err e = {0};
        if (nnq_par_agree(nnq_potential_fill(x->env.pot, g, t, x->V, &e), &e) != NNQ_OK)
            for (ptrdiff_t i = 0; i < x->n; i++)
                x->V[i] = NAN;
    }
    /* sums: mass, q_a, q_a^2 (3 axes), <V>, p ln p, norm_S; then the peaks */
    enum { MASS, Q, Q2 = Q + 3, V = Q2 + 3, PLNP, NORM, SUMS };
    double s[SUMS] = {0}, peak[2] = {-INFINITY, -INFINITY}; /* p_C, -p_C */
    for (ptrdiff_t i = 0; i < x->n; i++) {
        ptrdiff_t j[3];
        nnq_grid_index(g, i, j);
        const double p = x->p[i];
        const double pS = ref->p ? ref->p[i]
                                 : creal(ref->psi[i]) * creal(ref->psi[i]) +
                                       cimag(ref->psi[i]) * cimag(ref->psi[i]);
        s[MASS] += p;
        for (int a = 0; a < g->dims; a++) {
            const double q = g->q[a][j[a]];
            s[Q + a] += q * p;
            s[Q2 + a] += q * q * p;
        }
        s[V] += x->V[i] * p;
        s[PLNP] += p > 0 ? p * log(p) : 0.0;
        s[NORM] += pS;
        peak[0] = p > peak[0] ? p : peak[0];
        peak[1] = -p > peak[1] ? -p : peak[1];
    }
    nnq_par_sum(s, SUMS);
    for (int k = 0; k < 2; k++)
        peak[k] = nnq_par_max(peak[k]);
    const double mass = s[MASS] * g->dv, norm = s[NORM] * g->dv;
    /* the distances of the normalised densities */
    enum { L1, HELL, KL, DISTS };
    double d[DISTS] = {0};
    const double floor = KL_FLOOR * peak[0] / mass;
    for (ptrdiff_t i = 0; i < x->n; i++) {
        const double pS = (ref->p ? ref->p[i]
                                  : creal(ref->psi[i]) * creal(ref->psi[i]) +
                                        cimag(ref->psi[i]) * cimag(ref->psi[i])) /
                          norm,
                     pC = x->p[i] / mass;
        d[L1] += fabs(pS - pC);
        const double h = sqrt(pS) - sqrt(pC > 0 ? pC : 0.0);
        d[HELL] += h * h;
        d[KL] += pS > 0 ? pS * log(pS / (pC > floor ? pC : floor)) : 0.0;
    }
    nnq_par_sum(d, DISTS);
    r[NNQ_DIAG_classical_mass] = mass;
    for (int a = 0; a < g->dims; a++) {
        r[NNQ_DIAG_classical_q0_mean + 2 * a] = s[Q + a] * g->dv / mass;
        r[NNQ_DIAG_classical_q0_sq_mean + 2 * a] = s[Q2 + a] * g->dv / mass;
    }
    r[NNQ_DIAG_classical_energy_pot] = s[V] * g->dv / mass;
    r[NNQ_DIAG_classical_entropy] = -s[PLNP] * g->dv / mass + log(mass);
    r[NNQ_DIAG_classical_min] = -peak[1] / peak[0];
    r[NNQ_DIAG_classical_substeps] = (double)x->most;
    r[NNQ_DIAG_dist_l1] = d[L1] * g->dv;
    r[NNQ_DIAG_dist_hellinger] = sqrt(0.5 * d[HELL] * g->dv);
    r[NNQ_DIAG_dist_kl] = d[KL] * g->dv;
    x->most = x->substeps;
}

/* A failure: a column not finite, the mass grown (or, without an absorbing layer, changed) by
 * more than round-off could (1e-10 of the first row's, and 1e-14 a sub-step), or p below -1e-12
 * of its peak. */
static enum nnq_status check(void *self, const struct nnq_diag_row *row,
                             const struct nnq_diag_row *first, struct nnq_err *err) {
    const struct classical *x = self;
    const double *r = row->value;
    const double m0 = first->value[NNQ_DIAG_classical_mass], m = r[NNQ_DIAG_classical_mass];
    for (int k = 0; k < ncolumns; k++)
        if (!isfinite(r[columns[k]]))
            return nnq_err_set(err, NNQ_ERR_NUMERIC,
                               "Fokker-Planck solver: numerical failure at step %.0f (t = %g): "
                               "%s is %g",
                               r[NNQ_DIAG_step], r[NNQ_DIAG_t], nnq_diag_column(columns[k])->name,
                               r[columns[k]]);
    /* round-off: each stage adds about 1e-16 of the mass, at random; 100 times that a sub-step */
    const double tol = 1e-10 + 1e-14 * (double)x->substeps * r[NNQ_DIAG_step];
    if (m - m0 > tol * m0 || (!x->kill && m0 - m > tol * m0) || !(m > 0))
        return nnq_err_set(err, NNQ_ERR_NUMERIC,
                           "Fokker-Planck solver: its mass went from %.17g to %.17g by step "
                           "%.0f (t = %g)",
                           m0, m, r[NNQ_DIAG_step], r[NNQ_DIAG_t]);
    if (r[NNQ_DIAG_classical_min] < -1e-12)
        return nnq_err_set(err, NNQ_ERR_NUMERIC,
                           "Fokker-Planck solver: its density went negative (%g of its peak) by "
                           "step %.0f (t = %g)",
                           r[NNQ_DIAG_classical_min], r[NNQ_DIAG_step], r[NNQ_DIAG_t]);
    return NNQ_OK;
}

static void view(void *self, struct nnq_view *v) {
    struct classical *x = self;
    *v = (struct nnq_view){.g = x->env.g, .p = x->p};
}

static const void *field(void *self, int k) {
    struct classical *x = self;
    (void)k;
    return x->p;
}

static enum nnq_status save(void *self, struct nnq_output *o, struct nnq_err *err) {
    struct classical *x = self;
    const double most = (double)x->most;
    const enum nnq_status rc = nnq_output_state_write(o, "classical", NNQ_FIELD_REAL, 1, x->p, err);
    return rc ? rc : nnq_output_values_write(o, "classical_substeps", &most, 1, err);
}

static enum nnq_status restore(void *self, struct nnq_output *o, struct nnq_err *err) {
    struct classical *x = self;
    double most = 1;
    enum nnq_status rc = nnq_output_state_read(o, "classical", NNQ_FIELD_REAL, 1, x->p, err);
    if (rc == NNQ_OK)
        rc = nnq_output_values_read(o, "classical_substeps", &most, 1, err);
    if (rc == NNQ_OK)
        x->most = (long)most;
    return rc;
}

static void memory(const struct nnq_config *cfg, int time_dependent, int threads, size_t *per_point,
                   double *fixed) {
    (void)time_dependent;
    (void)threads;
    /* p, two stages, the outflow rate, V, two coefficients per axis, the layer's factor */
    *per_point = sizeof(double) *
                 (size_t)(5 + 2 * cfg->dims + (cfg->grid_boundary == NNQ_BOUNDARY_ABSORBING));
    double plane = 1;
    for (int a = 1; a < cfg->dims; a++)
        plane *= (double)cfg->n[a];
    *fixed = sizeof(double) * 4.0 * plane; /* halo rows, the faces' extra row */
}

const struct nnq_stepper_ops nnq_stepper_classical = {
    .name = "classical",
    .group = {"classical", "C", FIELDS, fields},
    .wanted = wanted,
    .create = create,
    .start = start,
    .advance = advance,
    .sample = sample,
    .check = check,
    .view = view,
    .field = field,
    .save = save,
    .restore = restore,
    .memory = memory,
    .destroy = destroy,
};
