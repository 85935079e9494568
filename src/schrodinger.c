/*
 * schrodinger.c - split-step Fourier solver (see include/nnq/schrodinger.h).
 *
 * References: M. D. Feit, J. A. Fleck, A. Steiger, J. Comput. Phys. 47, 412 (1982) (split
 * operator); H. Yoshida, Phys. Lett. A 150, 262 (1990) (triple-jump composition);
 * S. Blanes, P. C. Moan, J. Comput. Appl. Math. 142, 313 (2002), table 3 (SRKN_6^b, order 4;
 * SRKN_11^b, order 6: Runge-Kutta-Nystrom splittings, exact up to their order here because
 * [V, [V, [V, T]]] = 0 when T is quadratic in k);
 * M. Frigo, S. G. Johnson, Proc. IEEE 93, 216 (2005) (FFTW).
 *
 * Hot loops multiply interleaved (re, im) doubles by hand: C's complex '*' calls __muldc3
 * for its Inf/NaN recovery, which costs more than the FFT's own pointwise work, and
 * -ffast-math would break the NaN checks downstream.
 */
#include "nnq/schrodinger.h"

#include "nnq/par.h"
#include "simd.h"

#include <assert.h>
#include <complex.h>
#include <fftw3.h>
#include <math.h>
#include <omp.h>
#include <string.h>

#define MAX_STAGES 11
#define OMP_MIN_POINTS 16384

/* A composition scheme: kicks a[0..stages], drifts b[0..stages-1]; sum a = sum b = 1. */
struct scheme {
    const char *name;
    int order, stages;
    double a[MAX_STAGES + 1], b[MAX_STAGES];
};

/* Yoshida: w1 = 1 / (2 - 2^(1/3)), w0 = 1 - 2 w1. */
#define YOSHIDA_W1 1.3512071919596576340476878089715
#define YOSHIDA_W0 (-1.7024143839193152680953756179429)

/* Blanes-Moan SRKN_6^b: kicks B1..B4 (mirrored), drifts A1..A3 (mirrored); the last of each
 * is what makes the sums 1. */
#define BM4_B1 0.0829844064174052
#define BM4_B2 0.396309801498368
#define BM4_B3 (-0.0390563049223486)
#define BM4_B4 (1 - 2 * (BM4_B1 + BM4_B2 + BM4_B3))
#define BM4_A1 0.245298957184271
#define BM4_A2 0.604872665711080
#define BM4_A3 (0.5 - (BM4_A1 + BM4_A2))

/* Blanes-Moan SRKN_11^b: kicks B1..B6, drifts A1..A6, mirrored likewise. */
#define BM6_B1 0.0414649985182624
#define BM6_B2 0.198128671918067
#define BM6_B3 (-0.0400061921041533)
#define BM6_B4 0.0752539843015807
#define BM6_B5 (-0.0115113874206879)
#define BM6_B6 (0.5 - (BM6_B1 + BM6_B2 + BM6_B3 + BM6_B4 + BM6_B5))
#define BM6_A1 0.123229775946271
#define BM6_A2 0.290553797799558
#define BM6_A3 (-0.127049212625417)
#define BM6_A4 (-0.246331761062075)
#define BM6_A5 0.357208872795928
#define BM6_A6 (1 - 2 * (BM6_A1 + BM6_A2 + BM6_A3 + BM6_A4 + BM6_A5))

static const struct scheme schemes[] = {
    [NNQ_INTEGRATOR_STRANG] = {"strang", 2, 1, {0.5, 0.5}, {1.0}},
    [NNQ_INTEGRATOR_ORDER4] = {"order4",
                               4,
                               3,
                               {YOSHIDA_W1 / 2, (YOSHIDA_W1 + YOSHIDA_W0) / 2,
                                (YOSHIDA_W1 + YOSHIDA_W0) / 2, YOSHIDA_W1 / 2},
                               {YOSHIDA_W1, YOSHIDA_W0, YOSHIDA_W1}},
    [NNQ_INTEGRATOR_BM4] = {"bm4",
                            4,
                            6,
                            {BM4_B1, BM4_B2, BM4_B3, BM4_B4, BM4_B3, BM4_B2, BM4_B1},
                            {BM4_A1, BM4_A2, BM4_A3, BM4_A3, BM4_A2, BM4_A1}},
    [NNQ_INTEGRATOR_BM6] = {"bm6",
                            6,
                            11,
                            {BM6_B1, BM6_B2, BM6_B3, BM6_B4, BM6_B5, BM6_B6, BM6_B6, BM6_B5, BM6_B4,
                             BM6_B3, BM6_B2, BM6_B1},
                            {BM6_A1, BM6_A2, BM6_A3, BM6_A4, BM6_A5, BM6_A6, BM6_A5, BM6_A4, BM6_A3,
                             BM6_A2, BM6_A1}},
};

/* Kick kinds of an advance() call: the first of the call, the interior ones of a step, the
 * merged one between two steps, the last of the call. */
enum { KICK_FIRST, KICK_MERGED, KICK_LAST, KICK_INTERIOR /* + stage - 1 */ };
#define MAX_KICKS (KICK_INTERIOR + MAX_STAGES)

/*
 * Invariants: psi, work hold g->alloc_size values; V and kick[j] local_size (x space), k2
 * and drift[j] k_local_size (k space, see grid.h); kick[j] (j < nkick) and drift[j]
 * (j < ndrift) are the precomputed factors of the distinct coefficients, kick_of[] and
 * drift_of[] map kick kinds and stages onto them; when time_dependent, kick[] is unused and V
 * is re-evaluated at every kick. fwd and bwd are in-place plans on psi.
 */
struct nnq_schrodinger {
    const struct nnq_grid *g;
    const struct nnq_potential *pot;
    struct nnq_schrodinger_params par;
    const struct scheme *sch;
    int time_dependent;
    double complex *psi, *work;
    double *V, *k2;
    double *kfac; /* n[0] + n[1] + n[2] values: scratch for the factors k_a / N of one axis */
    double *W;    /* the absorbing layer, or NULL */
    double kick_coef[MAX_KICKS];
    double complex *kick[MAX_KICKS];
    int kick_of[MAX_KICKS], nkick;
    double complex *drift[MAX_STAGES];
    int drift_of[MAX_STAGES], ndrift;
    fftw_plan fwd, bwd;
};

/* w[0 .. m) *= i f (interleaved complex). */
NNQ_CLONES static void times_i(double *restrict w, ptrdiff_t m, const double *restrict f,
                               int per_point) {
    for (ptrdiff_t i = 0; i < m; i++) {
        const double c = per_point ? f[i] : f[0], re = w[2 * i], im = w[2 * i + 1];
        w[2 * i] = -c * im;
        w[2 * i + 1] = c * re;
    }
}

/* Runs r < nruns of len points each from w: run r *= i c[r]; runs of one point in one call. */
static void times_i_runs(double *w, ptrdiff_t nruns, ptrdiff_t len, const double *c) {
    if (len == 1)
        times_i(w, nruns, c, 1);
    else
        for (ptrdiff_t r = 0; r < nruns; r++)
            times_i(w + 2 * r * len, len, &c[r], 0);
}

/* w *= i c[j_a] over k space (j_a the point's index along axis a): the layout of grid.h
 * (A, B, axis 2), walked by runs along which the factor is one, without nnq_grid_kindex's
 * three divisions per point. */
static void times_ik(const struct nnq_grid *g, int a, const double *c, double *w) {
    const int tr = g->transposed;
    const ptrdiff_t nA = tr ? g->local_n1 : g->local_n0,
                    sA = tr ? g->local_1_start : g->local_0_start;
    const ptrdiff_t nB = tr ? g->n[0] : g->n[1], n2 = g->n[2];
    const int axA = tr ? 1 : 0;
    if (a == axA) /* runs: the slabs */
        times_i_runs(w, nA, nB * n2, &c[sA]);
    else if (a != 2) /* runs along axis 2, in each slab */
        for (ptrdiff_t iA = 0; iA < nA; iA++)
            times_i_runs(w + 2 * iA * nB * n2, nB, n2, c);
    else /* a factor per point along each row */
        for (ptrdiff_t row = 0; row < nA * nB; row++)
            times_i(w + 2 * row * n2, n2, c, 1);
}

/* -sum p log p over n points of the interleaved psi. */
NNQ_CLONES static double entropy_sum(const double *restrict psi, ptrdiff_t n) {
    double s = 0;
#pragma omp simd reduction(- : s)
    for (ptrdiff_t i = 0; i < n; i++) {
        const double p = psi[2 * i] * psi[2 * i] + psi[2 * i + 1] * psi[2 * i + 1];
        s -= p * nnq_simd_log(p > 0 ? p : 1.0); /* p = 0 adds 0 log 1 */
    }
    return s;
}

/* sum |d p|^2 / p = 4 Re(conj(psi) d psi)^2 / |psi|^2 over n points, d psi in dpsi. */
NNQ_CLONES static double fisher_sum(const double *restrict psi, const double *restrict dpsi,
                                    ptrdiff_t n) {
    double s = 0;
#pragma omp simd reduction(+ : s)
    for (ptrdiff_t i = 0; i < n; i++) {
        const double p = psi[2 * i] * psi[2 * i] + psi[2 * i + 1] * psi[2 * i + 1];
        const double r = psi[2 * i] * dpsi[2 * i] + psi[2 * i + 1] * dpsi[2 * i + 1];
        s += p > 0 ? 4 * r * r / (p > 0 ? p : 1.0) : 0.0;
    }
    return s;
}

/* The entropy and Fisher information of psi, work holding psi's forward transform on entry
 * (nnq_schrodinger_observe leaves it there). */
static void information(struct nnq_schrodinger *s, double *entropy, double *fisher) {
    const struct nnq_grid *g = s->g;
    const double complex *psi = s->psi;
    const ptrdiff_t n = g->local_size;
    const double *re_im = (const double *)psi;
    double sums[2] = {entropy_sum(re_im, n), 0};
    const double inv_n = 1.0 / (double)g->total;
    double *c = s->kfac;
    const double *w = (const double *)s->work;
    for (int a = 0; a < g->dims; a++) {
        if (a > 0) {
            memcpy(s->work, psi, (size_t)n * sizeof(double complex));
            nnq_grid_execute(g, s->fwd, s->work);
        }
        for (ptrdiff_t j = 0; j < g->n[a]; j++) /* the Nyquist mode has no derivative */
            c[j] = g->n[a] % 2 == 0 && j == g->n[a] / 2 ? 0 : g->k[a][j] * inv_n;
        times_ik(g, a, c, (double *)s->work);
        nnq_grid_execute(g, s->bwd, s->work);
        sums[1] += fisher_sum(re_im, w, n);
    }
    nnq_par_sum(sums, 2);
    *entropy = sums[0] * g->dv;
    *fisher = sums[1] * g->dv;
}

int nnq_schrodinger_order(enum nnq_integrator integrator) { return schemes[integrator].order; }

/* exp(-i x) in real time, exp(-x) in imaginary time. */
static double complex evolution_factor(int imaginary, double x) {
    return imaginary ? exp(-x) : cexp(-I * x);
}

/* Index of coefficient c in list[0..*n), appending it when new. */
static int intern(double *list, int *n, double c) {
    for (int i = 0; i < *n; i++)
        if (list[i] == c)
            return i;
    list[*n] = c;
    return (*n)++;
}

/* The distinct kick coefficients (first a0, interior a1..a_{s-1}, merged a_s + a0, last a_s)
 * and drift coefficients of a scheme, with the maps of kick kinds and stages onto them. */
static void distinct_coefficients(const struct scheme *sch, double *kick_coef, int *kick_of,
                                  int *nkick, double *drift_coef, int *drift_of, int *ndrift) {
    *nkick = *ndrift = 0;
    kick_of[KICK_FIRST] = intern(kick_coef, nkick, sch->a[0]);
    kick_of[KICK_MERGED] = intern(kick_coef, nkick, sch->a[sch->stages] + sch->a[0]);
    kick_of[KICK_LAST] = intern(kick_coef, nkick, sch->a[sch->stages]);
    for (int st = 1; st < sch->stages; st++)
        kick_of[KICK_INTERIOR + st - 1] = intern(kick_coef, nkick, sch->a[st]);
    for (int st = 0; st < sch->stages; st++)
        drift_of[st] = intern(drift_coef, ndrift, sch->b[st]);
}

size_t nnq_schrodinger_bytes_per_point(enum nnq_integrator integrator, int time_dependent) {
    double kc[MAX_KICKS], dc[MAX_STAGES];
    int ko[MAX_KICKS], dof[MAX_STAGES], nk, nd;
    distinct_coefficients(&schemes[integrator], kc, ko, &nk, dc, dof, &nd);
    /* psi, work, kicks, drifts (complex); V, k2 (real) */
    return sizeof(double complex) * (size_t)(2 + (time_dependent ? 0 : nk) + nd) +
           2 * sizeof(double);
}

static void fill_kicks(struct nnq_schrodinger *s) {
    const ptrdiff_t n = s->g->local_size;
    const double f = s->par.dt / s->par.hbar;
    for (int j = 0; j < s->nkick; j++) {
        double complex *restrict kf = s->kick[j];
        const double c = s->kick_coef[j] * f;
        for (ptrdiff_t i = 0; i < n; i++)
            kf[i] = evolution_factor(s->par.imaginary_time, c * s->V[i]) *
                    (s->W ? exp(-c * s->W[i]) : 1.0);
    }
}

enum nnq_status nnq_schrodinger_create(const struct nnq_grid *g, const struct nnq_potential *pot,
                                       const struct nnq_schrodinger_params *par,
                                       struct nnq_schrodinger **out, struct nnq_err *err) {
    *out = NULL;
    struct nnq_schrodinger *s = fftw_malloc(sizeof *s);
    if (!s) /* the other ranks' allocations agree below */
        return nnq_par_agree(nnq_err_set(err, NNQ_ERR_RUNTIME, "out of memory"), err);
    memset(s, 0, sizeof *s);
    s->g = g;
    s->pot = pot;
    s->par = *par;
    s->sch = &schemes[par->integrator];
    s->time_dependent = nnq_potential_time_dependent(pot);
    const ptrdiff_t n = g->local_size;

    double dcoefs[MAX_STAGES];
    distinct_coefficients(s->sch, s->kick_coef, s->kick_of, &s->nkick, dcoefs, s->drift_of,
                          &s->ndrift);

    const ptrdiff_t nk = g->k_local_size;
    const size_t one = 1; /* a rank may hold none */
    size_t cbytes = (n > 0 ? (size_t)n : one) * sizeof(double complex),
           rbytes = (n > 0 ? (size_t)n : one) * sizeof(double),
           kbytes = (nk > 0 ? (size_t)nk : one) * sizeof(double);
    /* the transformed arrays: FFTW-MPI may need more than the slab */
    s->psi = fftw_malloc((size_t)g->alloc_size * sizeof(double complex));
    s->work = fftw_malloc((size_t)g->alloc_size * sizeof(double complex));
    s->V = fftw_malloc(rbytes);
    s->k2 = fftw_malloc(kbytes);
    s->kfac = fftw_malloc(sizeof(double) * (size_t)(g->n[0] + g->n[1] + g->n[2]));
    if (par->absorb && (s->W = fftw_malloc(rbytes)))
        memcpy(s->W, par->absorb, sizeof(double) * (size_t)(n > 0 ? n : 0));
    s->par.absorb = NULL; /* the copy is W */
    int ok = s->psi && s->work && s->V && s->k2 && s->kfac && (!par->absorb || s->W);
    for (int j = 0; ok && !s->time_dependent && j < s->nkick; j++)
        ok = (s->kick[j] = fftw_malloc(cbytes)) != NULL;
    for (int j = 0; ok && j < s->ndrift; j++)
        ok = (s->drift[j] = fftw_malloc(2 * kbytes)) != NULL;
    /* agreed before planning, a collective under MPI that the other ranks would wait in */
    enum nnq_status rc =
        nnq_par_agree(ok ? NNQ_OK
                         : nnq_err_set(err, NNQ_ERR_RUNTIME,
                                       "out of memory for the Schrodinger fields (%td points)", n),
                      err);
    /* Plans first: FFTW_MEASURE overwrites psi. */
    if (rc == NNQ_OK)
        rc = nnq_par_agree(
            nnq_grid_plan_fft(g, s->psi, par->threads, par->planner, &s->fwd, &s->bwd, err), err);
    if (rc != NNQ_OK) {
        nnq_schrodinger_destroy(s);
        return rc;
    }

    /* k^2 over this rank's part of k space, and the drift factors
     * exp(-i b dt hbar k^2 / 2m) / N. */
    nnq_grid_fill_k2(g, 1.0, s->k2);
    const double inv_n = 1.0 / (double)g->total;
    for (int j = 0; j < s->ndrift; j++) {
        const double c = dcoefs[j] * par->dt * par->hbar / (2.0 * par->mass);
        for (ptrdiff_t i = 0; i < nk; i++)
            s->drift[j][i] = inv_n * evolution_factor(par->imaginary_time, c * s->k2[i]);
    }

    rc = nnq_potential_fill(pot, g, 0.0, s->V, err);
    if (rc != NNQ_OK) {
        nnq_schrodinger_destroy(s);
        return rc;
    }
    if (!s->time_dependent)
        fill_kicks(s);
    *out = s;
    return NNQ_OK;
}

double complex *nnq_schrodinger_psi(struct nnq_schrodinger *s) { return s->psi; }

const struct nnq_grid *nnq_schrodinger_grid(const struct nnq_schrodinger *s) { return s->g; }

const double *nnq_schrodinger_potential(const struct nnq_schrodinger *s) { return s->V; }

/* psi *= f, pointwise. */
static void multiply(double complex *restrict psi, const double complex *restrict f, ptrdiff_t n,
                     int threads) {
    double *restrict p = (double *)psi;
    const double *restrict q = (const double *)f;
#pragma omp parallel for num_threads(threads) if (n > OMP_MIN_POINTS) schedule(static)
    for (ptrdiff_t i = 0; i < n; i++) {
        double re = p[2 * i], im = p[2 * i + 1], fr = q[2 * i], fi = q[2 * i + 1];
        p[2 * i] = re * fr - im * fi;
        p[2 * i + 1] = re * fi + im * fr;
    }
}

#define KICK_BLOCK 512

/*
 * psi *= exp(-i c V) exp(-c W) in real time, exp(-c (V + W)) in imaginary time, on n points
 * (W NULL: none), the factors from libmvec's SIMD lanes. Each block is padded to a multiple of
 * 8 points so that every point's factor comes from a lane, never from the scalar remainder:
 * a point's factor is then the same wherever a thread's or rank's share starts.
 */
NNQ_CLONES static void kick_block(double *restrict psi, const double *restrict V,
                                  const double *restrict W, double c, int imaginary, ptrdiff_t n) {
    _Alignas(64) double x[KICK_BLOCK], damp[KICK_BLOCK], fr[KICK_BLOCK], fi[KICK_BLOCK];
    for (ptrdiff_t i0 = 0; i0 < n; i0 += KICK_BLOCK) {
        const ptrdiff_t m = n - i0 < KICK_BLOCK ? n - i0 : KICK_BLOCK, m8 = (m + 7) & ~7;
        for (ptrdiff_t j = 0; j < m8; j++)
            x[j] = j < m ? c * V[i0 + j] : 0.0;
        if (W)
            for (ptrdiff_t j = 0; j < m8; j++)
                damp[j] = j < m ? -c * W[i0 + j] : 0.0;
        if (imaginary)
            for (ptrdiff_t j = 0; j < m8; j++) {
                fr[j] = nnq_simd_exp(W ? damp[j] - x[j] : -x[j]);
                fi[j] = 0.0;
            }
        else if (W)
            for (ptrdiff_t j = 0; j < m8; j++) {
                const double a = nnq_simd_exp(damp[j]);
                fr[j] = a * nnq_simd_cos(x[j]);
                fi[j] = -a * nnq_simd_sin(x[j]);
            }
        else
            for (ptrdiff_t j = 0; j < m8; j++) {
                fr[j] = nnq_simd_cos(x[j]);
                fi[j] = -nnq_simd_sin(x[j]);
            }
        double *p = psi + 2 * i0;
        for (ptrdiff_t j = 0; j < m; j++) {
            const double re = p[2 * j], im = p[2 * j + 1];
            p[2 * j] = re * fr[j] - im * fi[j];
            p[2 * j + 1] = re * fi[j] + im * fr[j];
        }
    }
}

/* Kick with V evaluated at time t (time-dependent potentials). */
static enum nnq_status kick_at(struct nnq_schrodinger *s, double coef, double t,
                               struct nnq_err *err) {
    /* V(t) may fail on one rank's slab only: all ranks stop together, before the next FFT */
    enum nnq_status rc = nnq_par_agree(nnq_potential_fill(s->pot, s->g, t, s->V, err), err);
    if (rc != NNQ_OK)
        return rc;
    const double c = coef * s->par.dt / s->par.hbar;
    const ptrdiff_t n = s->g->local_size;
    double *psi = (double *)s->psi;
    const double *V = s->V, *W = s->W;
    const int imaginary = s->par.imaginary_time;
#pragma omp parallel num_threads(s->par.threads) if (n > OMP_MIN_POINTS)
    {
        const ptrdiff_t nt = omp_get_num_threads(), id = omp_get_thread_num();
        const ptrdiff_t lo = n * id / nt, hi = n * (id + 1) / nt;
        kick_block(psi + 2 * lo, V + lo, W ? W + lo : NULL, c, imaginary, hi - lo);
    }
    return NNQ_OK;
}

static enum nnq_status kick(struct nnq_schrodinger *s, int kind, double t, struct nnq_err *err) {
    int j = s->kick_of[kind];
    if (s->time_dependent)
        return kick_at(s, s->kick_coef[j], t, err);
    multiply(s->psi, s->kick[j], s->g->local_size, s->par.threads);
    return NNQ_OK;
}

/* The norm over all ranks. */
static double norm_of(const double complex *psi, ptrdiff_t n, double dv, int threads) {
    const double *p = (const double *)psi;
    double sum = 0.0;
#pragma omp parallel for num_threads(threads) if (n > OMP_MIN_POINTS) reduction(+ : sum)
    for (ptrdiff_t i = 0; i < 2 * n; i++)
        sum += p[i] * p[i];
    nnq_par_sum(&sum, 1);
    return sum * dv;
}

static void renormalise(struct nnq_schrodinger *s) {
    const ptrdiff_t n = s->g->local_size;
    const double f = 1.0 / sqrt(norm_of(s->psi, n, s->g->dv, s->par.threads));
    double *p = (double *)s->psi;
#pragma omp parallel for num_threads(s->par.threads) if (n > OMP_MIN_POINTS) schedule(static)
    for (ptrdiff_t i = 0; i < 2 * n; i++)
        p[i] *= f;
}

enum nnq_status nnq_schrodinger_advance(struct nnq_schrodinger *s, long nsteps, double t0,
                                        struct nnq_err *err) {
    assert(s && s->g && s->sch && s->psi && s->work && s->V && s->k2 && s->kfac);
    assert(s->nkick >= 0 && s->nkick <= MAX_KICKS && s->ndrift >= 0 && s->ndrift <= MAX_STAGES);
    const struct scheme *sch = s->sch;
    const double dt = s->par.dt;
    enum nnq_status rc = NNQ_OK;
    if (nsteps <= 0)
        return NNQ_OK;
    if ((rc = kick(s, KICK_FIRST, t0, err)) != NNQ_OK)
        return rc;
    for (long step = 0; step < nsteps; step++) {
        double t = t0 + (double)step * dt;
        for (int st = 0; st < sch->stages; st++) {
            nnq_grid_execute(s->g, s->fwd, s->psi);
            multiply(s->psi, s->drift[s->drift_of[st]], s->g->k_local_size, s->par.threads);
            nnq_grid_execute(s->g, s->bwd, s->psi);
            t += sch->b[st] * dt;
            int kind = st + 1 < sch->stages ? KICK_INTERIOR + st
                       : step + 1 < nsteps  ? KICK_MERGED
                                            : KICK_LAST;
            if (st + 1 == sch->stages)
                t = t0 + (double)(step + 1) * dt; /* no drift of round-off in the kick times */
            if ((rc = kick(s, kind, t, err)) != NNQ_OK)
                return rc;
        }
        if (s->par.imaginary_time)
            renormalise(s);
    }
    return NNQ_OK;
}

/* Over n points of a row (interleaved psi, V, the row's coordinates q): out[0..4) += sums of
 * w, w V, w q, w q^2 with w = |psi|^2. */
NNQ_CLONES static void row_moments(const double *restrict psi, const double *restrict V,
                                   const double *restrict q, ptrdiff_t n, double *restrict out) {
    double s0 = 0, sv = 0, s1 = 0, s2 = 0;
#pragma omp simd reduction(+ : s0, sv, s1, s2)
    for (ptrdiff_t i = 0; i < n; i++) {
        const double w = psi[2 * i] * psi[2 * i] + psi[2 * i + 1] * psi[2 * i + 1];
        s0 += w;
        sv += w * V[i];
        s1 += w * q[i];
        s2 += w * q[i] * q[i];
    }
    out[0] += s0, out[1] += sv, out[2] += s1, out[3] += s2;
}

/* sum of |psi_k|^2 k^2 over n points of interleaved psi_k. */
NNQ_CLONES static double k2_moment(const double *restrict psik, const double *restrict k2,
                                   ptrdiff_t n) {
    double ek = 0;
#pragma omp simd reduction(+ : ek)
    for (ptrdiff_t i = 0; i < n; i++)
        ek += (psik[2 * i] * psik[2 * i] + psik[2 * i + 1] * psik[2 * i + 1]) * k2[i];
    return ek;
}

void nnq_schrodinger_observe(struct nnq_schrodinger *s, struct nnq_observables *o) {
    const struct nnq_grid *g = s->g;
    const double complex *psi = s->psi;
    double norm = 0.0, epot = 0.0, m1[3] = {0}, m2[3] = {0};
    /* rows along the last axis of the grid's dimension (contiguous), the other coordinates
     * fixed along a row */
    const int in = g->dims - 1;
    const ptrdiff_t len = g->n[in], rows = g->local_size / (len > 0 ? len : 1);
    for (ptrdiff_t r = 0; r < rows; r++) {
        double row[4] = {0};
        row_moments((const double *)(psi + r * len), s->V + r * len, g->q[in], len, row);
        norm += row[0];
        epot += row[1];
        m1[in] += row[2];
        m2[in] += row[3];
        /* the outer coordinates of row r: r = i0 (2D), r = i0 n1 + i1 (3D) */
        const ptrdiff_t i0 = in == 2 ? r / g->n[1] : r, i1 = in == 2 ? r % g->n[1] : 0;
        const double qo[2] = {g->q[0][g->local_0_start + i0], g->q[1][i1]};
        for (int a = 0; a < in; a++) {
            m1[a] += row[0] * qo[a];
            m2[a] += row[0] * qo[a] * qo[a];
        }
    }

    /* Kinetic energy spectrally: sum_x |psi|^2 = (1/N) sum_k |psi_k|^2 (Parseval). */
    memcpy(s->work, psi, (size_t)g->local_size * sizeof(double complex));
    nnq_grid_execute(s->g, s->fwd, s->work);
    double ek = k2_moment((const double *)s->work, s->k2, g->k_local_size);
    double sums[9] = {norm, epot, ek, m1[0], m1[1], m1[2], m2[0], m2[1], m2[2]};
    nnq_par_sum(sums, 9);
    norm = sums[0], epot = sums[1], ek = sums[2];
    for (int a = 0; a < 3; a++)
        m1[a] = sums[3 + a], m2[a] = sums[6 + a];
    ek *= s->par.hbar * s->par.hbar / (2.0 * s->par.mass) / (double)g->total;

    o->norm = norm * g->dv;
    o->ekin = norm > 0 ? ek / norm : NAN;
    o->epot = norm > 0 ? epot / norm : NAN;
    o->energy = o->ekin + o->epot;
    for (int a = 0; a < 3; a++) {
        o->q_mean[a] = norm > 0 ? m1[a] / norm : NAN;
        o->q2_mean[a] = norm > 0 ? m2[a] / norm : NAN;
    }
}

void nnq_schrodinger_diagnose(struct nnq_schrodinger *s, struct nnq_observables *o, double *entropy,
                              double *fisher) {
    nnq_schrodinger_observe(s, o);
    information(s, entropy, fisher);
}

void nnq_schrodinger_destroy(struct nnq_schrodinger *s) {
    if (!s)
        return;
    if (s->fwd)
        fftw_destroy_plan(s->fwd);
    if (s->bwd)
        fftw_destroy_plan(s->bwd);
    fftw_free(s->psi);
    fftw_free(s->work);
    fftw_free(s->V);
    fftw_free(s->W);
    fftw_free(s->k2);
    fftw_free(s->kfac);
    for (int j = 0; j < MAX_KICKS; j++)
        fftw_free(s->kick[j]);
    for (int j = 0; j < MAX_STAGES; j++)
        fftw_free(s->drift[j]);
    fftw_free(s);
}

/* ---- its columns of a diagnostics row ---- */

void nnq_schrodinger_columns(struct nnq_schrodinger *s, struct nnq_diag_row *row) {
    struct nnq_observables o;
    double *v = row->value;
    nnq_schrodinger_diagnose(s, &o, &v[NNQ_DIAG_entropy], &v[NNQ_DIAG_fisher]);
    v[NNQ_DIAG_norm] = o.norm;
    v[NNQ_DIAG_energy] = o.energy;
    v[NNQ_DIAG_energy_kin] = o.ekin;
    v[NNQ_DIAG_energy_pot] = o.epot;
    for (int a = 0; a < 3; a++) {
        v[NNQ_DIAG_q0_mean + 2 * a] = o.q_mean[a];
        v[NNQ_DIAG_q0_sq_mean + 2 * a] = o.q2_mean[a];
    }
    v[NNQ_DIAG_edge_density] =
        nnq_diag_edge_density(nnq_schrodinger_grid(s), nnq_schrodinger_psi(s));
}

void nnq_schrodinger_sample(struct nnq_schrodinger *s, double t, long step,
                            struct nnq_diag_row *row) {
    nnq_diag_clear(row, t, step);
    nnq_schrodinger_columns(s, row);
}
