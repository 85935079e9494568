/*
 * observer_basins.c - the basins of attraction of V's minima, and how much of each
 * description's ensemble sits in each, at every row ([basins]): the populations of the
 * metastable states of learning, and when they change hands (tunnelling against escape).
 *
 * Basins: V at t = 0 on the grid, every cell flowing to its lowest face neighbour (periodic;
 * ties broken by the lower index, so plateaus drain to one cell and no cycle forms) down to a
 * local minimum. Then persistence: the basins meet, in order of the height of the lowest
 * saddle between them (the higher of two neighbouring cells across their border); where two
 * meet, the one with the higher minimum dies there, and it is merged into the other when it
 * was less than [basins] depth deep (saddle - its minimum), and kept otherwise (the filtration
 * of sublevel sets, H. Edelsbrunner, D. Letscher, A. Zomorodian, Discrete Comput. Geom. 28, 511
 * (2002)). The basins are numbered from the deepest minimum up.
 *
 * Every rank builds the labels from the whole of V (gathered once), so that the ranks agree
 * on them without exchanging any; each keeps its slab's. At each row the mass of each basin in
 * each description (the steppers' p, or |psi|^2) goes to /basins/<description> [rows, basins]
 * (tables of nnq/output_h5.h); /basins/label (the grid), /basins/minimum_q [basins, d] and
 * /basins/minimum_V describe them. The summary gives, per description and basin, the last
 * masses and the first times the basin's share of the description's mass passed 1/2 and 1/e
 * (linear between rows): the tunnelling time of a packet that leaves its well is when its
 * basin's share passes 1/2, its escape time when it passes 1/e.
 *
 * Regions ([regions] NAME = condition: an expression of the axes, true where nonzero, or one
 * comparison A < B (<=, >, >=) of two; they may overlap and need not cover the grid) are measured
 * alike: /regions/<description> [rows, regions] in the order of the config, and the same summary
 * under "regions".
 */
#include <assert.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nnq/expr.h"
#include "nnq/observer.h"
#include "nnq/par.h"
#include "nnq/run.h"

#define BASINS_MAX 64
#define DESC_MAX (NNQ_STEPPERS_MAX + 8) /* the steppers, and the point sets of the observers */

enum { HALF, ONE_E, LEVELS };
static const double level[LEVELS] = {0.5, 0.36787944117144233};
static const char *const level_key[LEVELS] = {"t_half", "t_1e"};

/* What is measured of one family of sets of cells (the basins, the regions): per description
 * k and set b, the mass at the last sample, the share of the description's mass at t_prev (NaN
 * before the first row) and when the share first passed level l (NaN: not yet); the tables. */
struct family {
    const char *group;
    int n; /* sets, 0 .. BASINS_MAX */
    double mass[DESC_MAX][BASINS_MAX], share[DESC_MAX][BASINS_MAX];
    double t_cross[DESC_MAX][LEVELS][BASINS_MAX];
    int table[DESC_MAX];
};

enum { BASINS, REGIONS, FAMILIES };

/*
 * Invariants: fam[BASINS].n basins (0 without [basins]), label (local_size values in [0, n))
 * and vmin, qmin (n x d) their minima, vmin ascending; fam[REGIONS].n = the config's regions,
 * inside[i] bit r set when cell i is in region r; nd <= DESC_MAX descriptions, called name[]:
 * the steppers of env (desc[] their index), then the point sets of the observers before this
 * one (desc[] -1: set wset[] of observer wobs[]), whose "mass" in a set of cells is the share of
 * their points there. glabel (the whole grid's labels) is held until the first record writes
 * it.
 */
struct basins {
    struct nnq_stepper_env env;
    int nd, opened;
    int desc[DESC_MAX], wobs[DESC_MAX], wset[DESC_MAX];
    const char *name[DESC_MAX];
    struct family fam[FAMILIES];
    int *label, *glabel;
    uint16_t *inside;
    double vmin[BASINS_MAX], qmin[BASINS_MAX * 3];
    double total[DESC_MAX]; /* each description's mass at the last sample */
    double t_prev;
};
_Static_assert(NNQ_REGIONS_MAX <= 16 && NNQ_REGIONS_MAX <= BASINS_MAX, "a region is a bit");

static int wanted(const struct nnq_config *cfg) { return cfg->basins_enabled || cfg->nregions > 0; }

static void destroy(void *self) {
    struct basins *x = self;
    if (!x)
        return;
    free(x->label);
    free(x->glabel);
    free(x->inside);
    free(x);
}

/* The border between two basins: its lowest saddle so far. */
struct edge {
    double s;
    int a, b;
};

static int by_height(const void *p, const void *q) {
    const struct edge *e = p, *f = q;
    if (e->s != f->s)
        return e->s < f->s ? -1 : 1;
    if (e->a != f->a)
        return e->a < f->a ? -1 : 1;
    return (e->b > f->b) - (e->b < f->b);
}

static int find(int *parent, int i) {
    while (parent[i] != i) {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    return i;
}

/* (V[i], i) < (V[j], j): the order in which cells drain, strict and total. */
static int lower(const double *V, ptrdiff_t i, ptrdiff_t j) {
    return V[i] < V[j] || (V[i] == V[j] && i < j);
}

/* The neighbour of cell i across face (a, +-1) on the periodic grid of n[]. */
static ptrdiff_t neighbour(const ptrdiff_t *n, ptrdiff_t i, int a, int dir) {
    const ptrdiff_t stride = a == 0 ? n[1] * n[2] : a == 1 ? n[2] : 1;
    const ptrdiff_t j = i / stride % n[a];
    const ptrdiff_t k = dir > 0 ? (j + 1 == n[a] ? 0 : j + 1) : (j == 0 ? n[a] - 1 : j - 1);
    return i + (k - j) * stride;
}

/*
 * Labels the whole grid (V: total values) into lab[] and fills x's minima. Returns NNQ_OK,
 * NNQ_ERR_RUNTIME (memory) or NNQ_ERR_CONFIG (more than BASINS_MAX basins at this depth).
 * The same on every rank (it reads only V).
 */
static enum nnq_status label(struct basins *x, const double *V, int *lab, struct nnq_err *err) {
    const struct nnq_grid *g = x->env.g;
    const ptrdiff_t total = g->total;
    const int d = g->dims;
    int *down = malloc(sizeof(int) * (size_t)total);
    int *sink = malloc(sizeof(int) * (size_t)total); /* the sinks' numbers, -1 elsewhere */
    struct edge *edges = NULL;
    int *pf = NULL, *pl = NULL, *cells = NULL, *final = NULL;
    enum nnq_status rc = NNQ_OK;
    if (!down || !sink) {
        rc = nnq_err_set(err, NNQ_ERR_RUNTIME, "out of memory");
        goto done;
    }
    int ns = 0;
    for (ptrdiff_t i = 0; i < total; i++) {
        ptrdiff_t best = i;
        for (int a = 0; a < d; a++)
            for (int dir = -1; dir <= 1; dir += 2) {
                const ptrdiff_t j = neighbour(g->n, i, a, dir);
                if (lower(V, j, best))
                    best = j;
            }
        down[i] = (int)best;
        sink[i] = best == i ? ns++ : -1;
    }
    /* every cell to its sink (pointer jumping; the chains go strictly down in the order) */
    for (ptrdiff_t i = 0; i < total; i++) {
        ptrdiff_t r = i;
        while (down[r] != r)
            r = down[r];
        for (ptrdiff_t c = i; down[c] != c;) {
            const ptrdiff_t next = down[c];
            down[c] = (int)r;
            c = next;
        }
    }
    /* the borders: one edge per face between cells of two sinks (sorted, so duplicates do
     * not matter) */
    size_t ne = 0, cap = 1024;
    edges = malloc(sizeof *edges * cap);
    if (!edges) {
        rc = nnq_err_set(err, NNQ_ERR_RUNTIME, "out of memory");
        goto done;
    }
    for (ptrdiff_t i = 0; i < total; i++)
        for (int a = 0; a < d; a++) {
            const ptrdiff_t j = neighbour(g->n, i, a, 1);
            const int si = sink[down[i]], sj = sink[down[j]];
            if (si == sj)
                continue;
            if (ne == cap) {
                struct edge *more = realloc(edges, sizeof *edges * (cap *= 2));
                if (!more) {
                    rc = nnq_err_set(err, NNQ_ERR_RUNTIME, "out of memory");
                    goto done;
                }
                edges = more;
            }
            edges[ne++] =
                (struct edge){V[i] > V[j] ? V[i] : V[j], si < sj ? si : sj, si < sj ? sj : si};
        }
    qsort(edges, ne, sizeof *edges, by_height);
    pf = malloc(sizeof(int) * (size_t)ns);    /* the filtration's components */
    pl = malloc(sizeof(int) * (size_t)ns);    /* the basins, merged by depth */
    cells = malloc(sizeof(int) * (size_t)ns); /* each sink's cell */
    final = malloc(sizeof(int) * (size_t)ns);
    if (!pf || !pl || !cells || !final) {
        rc = nnq_err_set(err, NNQ_ERR_RUNTIME, "out of memory");
        goto done;
    }
    for (ptrdiff_t i = 0; i < total; i++)
        if (sink[i] >= 0)
            cells[sink[i]] = (int)i;
    for (int s = 0; s < ns; s++)
        pf[s] = pl[s] = s;
    const double depth = x->env.cfg->basins_depth;
    for (size_t e = 0; e < ne; e++) {
        int ra = find(pf, edges[e].a), rb = find(pf, edges[e].b);
        if (ra == rb)
            continue;
        if (lower(V, cells[ra], cells[rb])) { /* the younger (higher minimum) dies: make it ra */
            const int t = ra;
            ra = rb;
            rb = t;
        }
        if (edges[e].s - V[cells[ra]] < depth)
            pl[find(pl, ra)] = find(pl, rb);
        pf[ra] = rb;
    }
    /* the basins, numbered from the deepest: a basin's representative is its deepest sink */
    int nb = 0;
    int rep[BASINS_MAX];
    for (int s = 0; s < ns; s++)
        final[s] = -1;
    for (int s = 0; s < ns; s++) {
        const int r = find(pl, s);
        if (r != s || final[r] >= 0)
            continue;
        if (nb == BASINS_MAX) {
            int more = 0;
            for (int t = 0; t < ns; t++)
                more += find(pl, t) == t;
            rc = nnq_err_set(err, NNQ_ERR_CONFIG,
                             "[basins] depth = %g: V at t = 0 has %d basins at that depth, more "
                             "than %d: raise [basins] depth (the basins shallower than it are "
                             "merged into their deeper neighbours)",
                             depth, more, BASINS_MAX);
            goto done;
        }
        rep[nb++] = r;
        final[r] = 0;
    }
    /* order by the representative's (V, index) */
    for (int i = 1; i < nb; i++)
        for (int j = i; j > 0 && lower(V, cells[rep[j]], cells[rep[j - 1]]); j--) {
            const int t = rep[j];
            rep[j] = rep[j - 1];
            rep[j - 1] = t;
        }
    for (int b = 0; b < nb; b++) {
        final[rep[b]] = b;
        const ptrdiff_t c = cells[rep[b]];
        x->vmin[b] = V[c];
        const ptrdiff_t j[3] = {c / (g->n[1] * g->n[2]), c / g->n[2] % g->n[1], c % g->n[2]};
        for (int a = 0; a < d; a++)
            x->qmin[b * d + a] = g->q[a][j[a]];
    }
    x->fam[BASINS].n = nb;
    for (ptrdiff_t i = 0; i < total; i++)
        lab[i] = final[find(pl, sink[down[i]])];
done:
    free(down);
    free(sink);
    free(edges);
    free(pf);
    free(pl);
    free(cells);
    free(final);
    return rc;
}

/* Each cell's regions into x->inside. Returns NNQ_OK or NNQ_ERR_CONFIG (a condition that
 * does not compile: validation has compiled it, so only memory). */
static enum nnq_status regions(struct basins *x, struct nnq_err *err) {
    const struct nnq_config *cfg = x->env.cfg;
    const struct nnq_grid *g = x->env.g;
    for (int r = 0; r < cfg->nregions; r++) {
        struct nnq_expr *e[2] = {NULL, NULL};
        const struct nnq_expr_vars vars = {
            {cfg->axis_name[0], cfg->axis_name[1], cfg->axis_name[2]}, 0};
        char side[2][NNQ_STR_MAX];
        const enum nnq_condition op =
            nnq_expr_condition(cfg->region[r].expr, side[0], side[1], sizeof side[0]);
        enum nnq_status rc = NNQ_OK;
        for (int k = 0; k < (op == NNQ_COND_NONE ? 1 : 2) && rc == NNQ_OK; k++)
            rc = nnq_expr_create(side[k], cfg->dims, &vars, &e[k], err);
        for (ptrdiff_t i = 0; rc == NNQ_OK && i < g->local_size; i++) {
            ptrdiff_t j[3];
            nnq_grid_index(g, i, j);
            const double q[3] = {g->q[0][j[0]], g->q[1][j[1]], g->q[2][j[2]]};
            const double a = nnq_expr_eval(e[0], q, 0.0, cfg->hbar, cfg->particle_mass, 0.0);
            const double b =
                e[1] ? nnq_expr_eval(e[1], q, 0.0, cfg->hbar, cfg->particle_mass, 0.0) : 0.0;
            if (nnq_expr_holds(op, a, b))
                x->inside[i] |= (uint16_t)(1u << r);
        }
        nnq_expr_destroy(e[0]);
        nnq_expr_destroy(e[1]);
        if (rc != NNQ_OK)
            return rc;
    }
    x->fam[REGIONS].n = cfg->nregions;
    return NNQ_OK;
}

static enum nnq_status create(const struct nnq_stepper_env *env, void **self, struct nnq_err *err) {
    *self = NULL;
    const struct nnq_config *cfg = env->cfg;
    const struct nnq_grid *g = env->g;
    const ptrdiff_t plane = g->n[1] * g->n[2], total = g->total;
    const size_t local = (size_t)(g->local_size > 0 ? g->local_size : 1);
    const int basins = cfg->basins_enabled;
    struct basins *x = calloc(1, sizeof *x);
    double *V = basins ? malloc(sizeof(double) * (size_t)total) : NULL;
    int ok = x && (V || !basins);
    if (x) {
        x->env = *env;
        x->fam[BASINS].group = "basins";
        x->fam[REGIONS].group = "regions";
        x->label = basins ? malloc(sizeof(int) * local) : NULL;
        x->glabel = basins ? malloc(sizeof(int) * (size_t)total) : NULL;
        x->inside = cfg->nregions > 0 ? calloc(local, sizeof(uint16_t)) : NULL;
        ok = ok && (x->label || !basins) && (x->glabel || !basins) &&
             (x->inside || cfg->nregions == 0);
    }
    enum nnq_status rc =
        nnq_par_agree(ok ? NNQ_OK : nnq_err_set(err, NNQ_ERR_RUNTIME, "out of memory"), err);
    if (rc == NNQ_OK && basins)
        rc = nnq_par_agree(nnq_potential_fill(env->pot, g, 0.0, V + g->local_0_start * plane, err),
                           err);
    if (rc == NNQ_OK && basins) {
        /* the whole of V on every rank: each slab from the rank that holds it */
        ptrdiff_t at = 0;
        for (int r = 0; r < nnq_par_size(); r++) {
            nnq_par_bcast_from(V + at * plane, sizeof(double) * (size_t)(g->counts[r] * plane), r);
            at += g->counts[r];
        }
        rc = label(x, V, x->glabel, err); /* the same outcome on every rank */
    }
    free(V);
    if (rc == NNQ_OK)
        rc = nnq_par_agree(regions(x, err), err);
    if (rc != NNQ_OK) {
        destroy(x);
        return rc;
    }
    for (ptrdiff_t i = 0; basins && i < g->local_size; i++)
        x->label[i] = x->glabel[g->local_0_start * plane + i];
    for (int k = 0; k < env->count; k++)
        if (env->self[k]) {
            x->name[x->nd] = env->ops[k]->name;
            x->desc[x->nd++] = k;
        }
    for (int k = 0; k < env->nobs; k++) /* the walkers of the observers made before this one */
        for (int set = 0; env->obs[k]->points && env->obs_self[k] && x->nd < DESC_MAX; set++) {
            const double *q;
            long count;
            if (!env->obs[k]->points(env->obs_self[k], set, &x->name[x->nd], &q, &count))
                break;
            x->desc[x->nd] = -1;
            x->wobs[x->nd] = k;
            x->wset[x->nd++] = set;
        }
    x->t_prev = NAN;
    for (int f = 0; f < FAMILIES; f++)
        for (int k = 0; k < x->nd; k++)
            for (int b = 0; b < BASINS_MAX; b++) {
                x->fam[f].share[k][b] = NAN;
                for (int l = 0; l < LEVELS; l++)
                    x->fam[f].t_cross[k][l][b] = NAN;
            }
    *self = x;
    return NNQ_OK;
}

/* The shares of description k, a point set, in the basins and regions (m: scratch of
 * 2 BASINS_MAX + 1 zeros): each point counts in the sets of its nearest grid point, on the
 * rank that holds that point. Collective. */
static void walker_shares(struct basins *x, int k, double *m, int nb, int nr) {
    const struct nnq_grid *g = x->env.g;
    const double *q;
    long count;
    const int o = x->wobs[k];
    x->env.obs[o]->points(x->env.obs_self[o], x->wset[k], &x->name[k], &q, &count);
    for (long p = 0; p < count; p++) {
        ptrdiff_t j[3] = {0, 0, 0};
        int gone = 0;
        for (int a = 0; a < g->dims; a++) {
            const double pos = floor((q[p * g->dims + a] - g->qmin[a]) / g->dq[a] + 0.5);
            gone |= !isfinite(pos);
            j[a] = gone ? 0 : ((ptrdiff_t)pos % g->n[a] + g->n[a]) % g->n[a];
        }
        if (gone || j[0] < g->local_0_start || j[0] >= g->local_0_start + g->local_n0)
            continue;
        const ptrdiff_t i = ((j[0] - g->local_0_start) * g->n[1] + j[1]) * g->n[2] + j[2];
        m[2 * BASINS_MAX] += 1.0;
        if (nb)
            m[x->label[i]] += 1.0;
        for (unsigned bits = nr ? x->inside[i] : 0u; bits; bits &= bits - 1)
            m[BASINS_MAX + __builtin_ctz(bits)] += 1.0;
    }
    nnq_par_sum(m, 2 * BASINS_MAX + 1);
    x->total[k] = m[2 * BASINS_MAX] / (double)count;
    for (int b = 0; b < BASINS_MAX; b++) {
        x->fam[BASINS].mass[k][b] = m[b] / (double)count;
        x->fam[REGIONS].mass[k][b] = m[BASINS_MAX + b] / (double)count;
    }
}

static void sample(void *self, const struct nnq_view *ref, struct nnq_diag_row *row) {
    struct basins *x = self;
    (void)ref;
    (void)row;
    const struct nnq_grid *g = x->env.g;
    struct family *fb = &x->fam[BASINS], *fr = &x->fam[REGIONS];
    assert(fb->n + fr->n >= 1 && fb->n <= BASINS_MAX && fr->n <= NNQ_REGIONS_MAX && x->nd >= 1);
    for (int k = 0; k < x->nd; k++) {
        struct nnq_view v;
        const int s = x->desc[k];
        double m[2 * BASINS_MAX + 1] = {0}; /* the basins', the regions', the whole mass */
        if (s < 0) {
            walker_shares(x, k, m, fb->n, fr->n);
            continue;
        }
        x->env.ops[s]->view(x->env.self[s], &v);
        for (ptrdiff_t i = 0; i < g->local_size; i++) {
            const double p =
                v.p ? v.p[i]
                    : creal(v.psi[i]) * creal(v.psi[i]) + cimag(v.psi[i]) * cimag(v.psi[i]);
            m[2 * BASINS_MAX] += p;
            if (fb->n)
                m[x->label[i]] += p;
            for (unsigned bits = fr->n ? x->inside[i] : 0u; bits; bits &= bits - 1)
                m[BASINS_MAX + __builtin_ctz(bits)] += p;
        }
        nnq_par_sum(m, 2 * BASINS_MAX + 1);
        x->total[k] = m[2 * BASINS_MAX] * g->dv;
        for (int b = 0; b < BASINS_MAX; b++) {
            fb->mass[k][b] = m[b] * g->dv;
            fr->mass[k][b] = m[BASINS_MAX + b] * g->dv;
        }
    }
}

/* The crossings of family f's shares at this row (time t; the descriptions' masses in
 * total[]). */
static void crossings(struct basins *x, struct family *f, const double *total, double t) {
    for (int k = 0; k < x->nd; k++)
        for (int b = 0; b < f->n; b++) {
            const double share = f->mass[k][b] / total[k], before = f->share[k][b];
            for (int l = 0; l < LEVELS && !isnan(before); l++)
                if (isnan(f->t_cross[k][l][b]) && (before - level[l]) * (share - level[l]) <= 0 &&
                    share != before)
                    f->t_cross[k][l][b] =
                        x->t_prev + (level[l] - before) / (share - before) * (t - x->t_prev);
            f->share[k][b] = share;
        }
}

/* Family f's part of the JSON line: per description its masses and crossing times. */
static void json_family(const struct basins *x, const struct family *f, char *j, size_t js) {
    for (int k = 0; k < x->nd; k++) {
        nnq_observed_append(j, js, ",\"%s\":{\"mass\":", x->name[k]);
        nnq_observed_list(j, js, f->mass[k], f->n);
        for (int l = 0; l < LEVELS; l++) {
            nnq_observed_append(j, js, ",\"%s\":", level_key[l]);
            nnq_observed_list(j, js, f->t_cross[k][l], f->n);
        }
        nnq_observed_append(j, js, "}");
    }
    nnq_observed_append(j, js, "}");
}

/* Family f's lines of the printed summary: set b is called name(b, ...). */
static void text_family(const struct basins *x, const struct family *f, char *s, size_t ss,
                        void (*name)(const struct basins *, int, char *, size_t)) {
    const int shown = f->n < 8 ? f->n : 8;
    for (int k = 0; k < x->nd; k++)
        for (int b = 0; b < shown; b++) {
            char when[LEVELS][32], what[96];
            for (int l = 0; l < LEVELS; l++)
                if (isnan(f->t_cross[k][l][b]))
                    snprintf(when[l], sizeof when[l], "never");
                else
                    snprintf(when[l], sizeof when[l], "t = %.4g", f->t_cross[k][l][b]);
            name(x, b, what, sizeof what);
            nnq_observed_append(s, ss, "    %-18s %s: %.6f, 1/2 %s, 1/e %s\n", b ? "" : x->name[k],
                                what, f->mass[k][b], when[HALF], when[ONE_E]);
        }
    if (shown < f->n)
        nnq_observed_append(s, ss, "    (%d more in the JSON line and in /%s)\n", f->n - shown,
                            f->group);
}

static void basin_name(const struct basins *x, int b, char *buf, size_t size) {
    snprintf(buf, size, "basin %d (V = %.4g)", b, x->vmin[b]);
}

static void region_name(const struct basins *x, int b, char *buf, size_t size) {
    snprintf(buf, size, "region %s", x->env.cfg->region[b].name);
}

/* The shares' crossings at this row, then the summary's JSON and lines from x. */
static void summarize(void *self, const struct nnq_diag_row *row, struct nnq_summary *sum) {
    struct basins *x = self;
    const struct family *fb = &x->fam[BASINS], *fr = &x->fam[REGIONS];
    const double t = row->value[NNQ_DIAG_t];
    for (int f = 0; f < FAMILIES; f++)
        crossings(x, &x->fam[f], x->total, t);
    x->t_prev = t;

    const int d = x->env.g->dims;
    char *j = sum->observed_json, *s = sum->observed_text;
    const size_t js = sizeof sum->observed_json, ss = sizeof sum->observed_text;
    if (fb->n) {
        nnq_observed_append(j, js,
                            ",\"basins\":{\"count\":%d,\"depth\":%.12g,\"minimum_V\":", fb->n,
                            x->env.cfg->basins_depth);
        nnq_observed_list(j, js, x->vmin, fb->n);
        nnq_observed_append(j, js, ",\"minimum_q\":[");
        for (int b = 0; b < fb->n; b++) {
            nnq_observed_append(j, js, "%s", b ? "," : "");
            nnq_observed_list(j, js, x->qmin + b * d, d);
        }
        nnq_observed_append(j, js, "]");
        json_family(x, fb, j, js);
        nnq_observed_append(
            s, ss,
            "  %d basin%s of V (depth %g); the mass in each at the end, and when its share "
            "first passed 1/2 and 1/e:\n",
            fb->n, fb->n == 1 ? "" : "s", x->env.cfg->basins_depth);
        text_family(x, fb, s, ss, basin_name);
    }
    if (fr->n) {
        nnq_observed_append(j, js, ",\"regions\":{\"names\":[");
        for (int b = 0; b < fr->n; b++)
            nnq_observed_append(j, js, "%s\"%s\"", b ? "," : "", x->env.cfg->region[b].name);
        nnq_observed_append(j, js, "]");
        json_family(x, fr, j, js);
        nnq_observed_append(
            s, ss,
            "  %d region%s; the mass in each at the end, and when its share first passed 1/2 "
            "and 1/e:\n",
            fr->n, fr->n == 1 ? "" : "s");
        text_family(x, fr, s, ss, region_name);
    }
}

/* The tables, one per description and family (and, in a fresh file, the arrays that describe
 * the basins); then the glabel is no longer needed. */
static enum nnq_status open_tables(struct basins *x, struct nnq_output *o, struct nnq_err *err) {
    const struct nnq_grid *g = x->env.g;
    const int nb = x->fam[BASINS].n;
    enum nnq_status rc = NNQ_OK;
    if (x->glabel) {
        const size_t shape[3] = {(size_t)g->n[0], (size_t)g->n[1], (size_t)g->n[2]};
        const size_t mq[2] = {(size_t)nb, (size_t)g->dims}, count = (size_t)nb;
        rc = nnq_output_array(o, "basins/label", g->dims, shape, 1, x->glabel, err);
        if (rc == NNQ_OK)
            rc = nnq_output_array(o, "basins/minimum_q", 2, mq, 0, x->qmin, err);
        if (rc == NNQ_OK)
            rc = nnq_output_array(o, "basins/minimum_V", 1, &count, 0, x->vmin, err);
        free(x->glabel);
        x->glabel = NULL;
    }
    for (int f = 0; f < FAMILIES; f++)
        for (int k = 0; k < x->nd && rc == NNQ_OK && x->fam[f].n; k++) {
            char path[64];
            snprintf(path, sizeof path, "%s/%s", x->fam[f].group, x->name[k]);
            rc = nnq_output_table_open(o, path, x->fam[f].n, &x->fam[f].table[k], err);
        }
    x->opened = rc == NNQ_OK;
    return rc;
}

static enum nnq_status record(void *self, struct nnq_output *o, struct nnq_err *err) {
    struct basins *x = self;
    enum nnq_status rc = x->opened ? NNQ_OK : open_tables(x, o, err);
    for (int f = 0; f < FAMILIES; f++)
        for (int k = 0; k < x->nd && rc == NNQ_OK && x->fam[f].n; k++)
            rc = nnq_output_table_append(o, x->fam[f].table[k], x->fam[f].mass[k], err);
    return rc;
}

/* The crossings' state: t_prev, then per family, description and set the share and the two
 * levels' times. */
enum { STATE_MAX = 1 + FAMILIES * DESC_MAX * BASINS_MAX * (1 + LEVELS) };

static size_t pack(struct basins *x, double *v, int out) {
    size_t at = 0;
    if (out)
        v[at++] = x->t_prev;
    else
        x->t_prev = v[at++];
    for (int f = 0; f < FAMILIES; f++)
        for (int k = 0; k < x->nd; k++)
            for (int b = 0; b < x->fam[f].n; b++)
                for (int l = -1; l < LEVELS; l++) {
                    double *p = l < 0 ? &x->fam[f].share[k][b] : &x->fam[f].t_cross[k][l][b];
                    if (out)
                        v[at++] = *p;
                    else
                        *p = v[at++];
                }
    return at;
}

static enum nnq_status save(void *self, struct nnq_output *o, struct nnq_err *err) {
    struct basins *x = self;
    static double v[STATE_MAX]; /* collective calls from one thread */
    const size_t n = pack(x, v, 1);
    return nnq_output_values_write(o, "basins", v, n, err);
}

static enum nnq_status restore(void *self, struct nnq_output *o, struct nnq_err *err) {
    struct basins *x = self;
    static double v[STATE_MAX];
    size_t n = 1;
    for (int f = 0; f < FAMILIES; f++)
        n += (size_t)x->nd * (size_t)x->fam[f].n * (1 + LEVELS);
    enum nnq_status rc = nnq_output_values_read(o, "basins", v, n, err);
    if (rc != NNQ_OK)
        return rc;
    pack(x, v, 0);
    free(x->glabel); /* the file has the arrays */
    x->glabel = NULL;
    return open_tables(x, o, err);
}

static void memory(const struct nnq_config *cfg, int time_dependent, int threads, size_t *per_point,
                   double *fixed) {
    (void)time_dependent;
    (void)threads;
    /* this slab's labels and region bits */
    *per_point = (cfg->basins_enabled ? sizeof(int) : 0) + (cfg->nregions ? sizeof(uint16_t) : 0);
    double total = 1;
    for (int a = 0; a < cfg->dims; a++)
        total *= (double)cfg->n[a];
    /* while labelling: the whole V, the drains, the sinks, the labels; the borders */
    *fixed =
        cfg->basins_enabled ? total * (sizeof(double) + 3 * sizeof(int) + sizeof(struct edge)) : 0;
}

const struct nnq_observer_ops nnq_observer_basins = {
    .name = "basins",
    .group = {"basins", "B", 0, NULL},
    .wanted = wanted,
    .create = create,
    .sample = sample,
    .record = record,
    .summarize = summarize,
    .save = save,
    .restore = restore,
    .memory = memory,
    .destroy = destroy,
};
