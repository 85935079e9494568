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
 */
#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nnq/observer.h"
#include "nnq/par.h"
#include "nnq/run.h"

#define BASINS_MAX 64

enum { HALF, ONE_E, LEVELS };
static const double level[LEVELS] = {0.5, 0.36787944117144233};
static const char *const level_key[LEVELS] = {"t_half", "t_1e"};

/*
 * Invariants: 1 <= nb <= BASINS_MAX; label holds local_size values in [0, nb); vmin, qmin
 * (nb x d) the minima, vmin ascending; nd <= NNQ_STEPPERS_MAX descriptions (the steppers of
 * env, by index desc[]), mass[k][b] their basins' masses at the last sample; share[k][b] the
 * shares at t_prev (NaN before the first row); t_cross[k][l][b] when the share first passed
 * level l (NaN: not yet). glabel (the whole grid's labels) is held until the first record
 * writes it.
 */
struct basins {
    struct nnq_stepper_env env;
    int nb, nd, opened;
    int desc[NNQ_STEPPERS_MAX], table[NNQ_STEPPERS_MAX];
    int *label, *glabel;
    double vmin[BASINS_MAX], qmin[BASINS_MAX * 3];
    double mass[NNQ_STEPPERS_MAX][BASINS_MAX], share[NNQ_STEPPERS_MAX][BASINS_MAX];
    double t_cross[NNQ_STEPPERS_MAX][LEVELS][BASINS_MAX];
    double t_prev;
};

static int wanted(const struct nnq_config *cfg) { return cfg->basins_enabled; }

static void destroy(void *self) {
    struct basins *x = self;
    if (!x)
        return;
    free(x->label);
    free(x->glabel);
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
    x->nb = nb;
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

static enum nnq_status create(const struct nnq_stepper_env *env, void **self, struct nnq_err *err) {
    *self = NULL;
    const struct nnq_grid *g = env->g;
    const ptrdiff_t plane = g->n[1] * g->n[2], total = g->total;
    struct basins *x = calloc(1, sizeof *x);
    double *V = malloc(sizeof(double) * (size_t)total);
    int ok = x && V;
    if (x) {
        x->env = *env;
        x->label = malloc(sizeof(int) * (size_t)(g->local_size > 0 ? g->local_size : 1));
        x->glabel = malloc(sizeof(int) * (size_t)total);
        ok = ok && x->label && x->glabel;
    }
    enum nnq_status rc =
        nnq_par_agree(ok ? NNQ_OK : nnq_err_set(err, NNQ_ERR_RUNTIME, "out of memory"), err);
    if (rc == NNQ_OK)
        rc = nnq_par_agree(nnq_potential_fill(env->pot, g, 0.0, V + g->local_0_start * plane, err),
                           err);
    if (rc == NNQ_OK) {
        /* the whole of V on every rank: each slab from the rank that holds it */
        ptrdiff_t at = 0;
        for (int r = 0; r < nnq_par_size(); r++) {
            nnq_par_bcast_from(V + at * plane, sizeof(double) * (size_t)(g->counts[r] * plane), r);
            at += g->counts[r];
        }
        rc = label(x, V, x->glabel, err); /* the same outcome on every rank */
    }
    free(V);
    if (rc != NNQ_OK) {
        destroy(x);
        return rc;
    }
    for (ptrdiff_t i = 0; i < g->local_size; i++)
        x->label[i] = x->glabel[g->local_0_start * plane + i];
    for (int k = 0; k < env->count; k++)
        if (env->self[k])
            x->desc[x->nd++] = k;
    x->t_prev = NAN;
    for (int k = 0; k < x->nd; k++)
        for (int b = 0; b < BASINS_MAX; b++) {
            x->share[k][b] = NAN;
            for (int l = 0; l < LEVELS; l++)
                x->t_cross[k][l][b] = NAN;
        }
    *self = x;
    return NNQ_OK;
}

static enum nnq_status start(void *self, const struct nnq_view *ref, struct nnq_err *err) {
    (void)self;
    (void)ref;
    (void)err;
    return NNQ_OK;
}

static void sample(void *self, const struct nnq_view *ref, struct nnq_diag_row *row) {
    struct basins *x = self;
    (void)ref;
    (void)row;
    const struct nnq_grid *g = x->env.g;
    assert(x->nb >= 1 && x->nb <= BASINS_MAX && x->nd >= 1);
    for (int k = 0; k < x->nd; k++) {
        struct nnq_view v;
        const int s = x->desc[k];
        x->env.ops[s]->view(x->env.self[s], &v);
        double *m = x->mass[k];
        for (int b = 0; b < x->nb; b++)
            m[b] = 0;
        for (ptrdiff_t i = 0; i < g->local_size; i++)
            m[x->label[i]] +=
                v.p ? v.p[i]
                    : creal(v.psi[i]) * creal(v.psi[i]) + cimag(v.psi[i]) * cimag(v.psi[i]);
        nnq_par_sum(m, x->nb);
        for (int b = 0; b < x->nb; b++)
            m[b] *= g->dv;
    }
}

/* The JSON list of v[0 .. n) (null for NaN), appended to buf. */
static void list(char *buf, size_t size, const double *v, int n) {
    size_t len = strlen(buf);
    snprintf(buf + len, size - len, "[");
    for (int i = 0; i < n; i++) {
        len = strlen(buf);
        if (isfinite(v[i]))
            snprintf(buf + len, size - len, "%s%.12g", i ? "," : "", v[i]);
        else
            snprintf(buf + len, size - len, "%snull", i ? "," : "");
    }
    len = strlen(buf);
    snprintf(buf + len, size - len, "]");
}

/* The shares' crossings at this row, then the summary's JSON and lines from x. */
static void summarize(void *self, const struct nnq_diag_row *row, struct nnq_summary *sum) {
    struct basins *x = self;
    const double t = row->value[NNQ_DIAG_t];
    for (int k = 0; k < x->nd; k++) {
        double total = 0;
        for (int b = 0; b < x->nb; b++)
            total += x->mass[k][b];
        for (int b = 0; b < x->nb; b++) {
            const double f = x->mass[k][b] / total, before = x->share[k][b];
            for (int l = 0; l < LEVELS && !isnan(before); l++)
                if (isnan(x->t_cross[k][l][b]) && (before - level[l]) * (f - level[l]) <= 0 &&
                    f != before)
                    x->t_cross[k][l][b] =
                        x->t_prev + (level[l] - before) / (f - before) * (t - x->t_prev);
            x->share[k][b] = f;
        }
    }
    x->t_prev = t;

    const int d = x->env.g->dims;
    char *j = sum->observed_json;
    const size_t js = sizeof sum->observed_json;
    size_t len = strlen(j);
    snprintf(j + len, js - len, ",\"basins\":{\"count\":%d,\"depth\":%.12g,\"minimum_V\":", x->nb,
             x->env.cfg->basins_depth);
    list(j, js, x->vmin, x->nb);
    len = strlen(j);
    snprintf(j + len, js - len, ",\"minimum_q\":[");
    for (int b = 0; b < x->nb; b++) {
        len = strlen(j);
        snprintf(j + len, js - len, "%s", b ? "," : "");
        list(j, js, x->qmin + b * d, d);
    }
    len = strlen(j);
    snprintf(j + len, js - len, "]");
    for (int k = 0; k < x->nd; k++) {
        len = strlen(j);
        snprintf(j + len, js - len, ",\"%s\":{\"mass\":", x->env.ops[x->desc[k]]->name);
        list(j, js, x->mass[k], x->nb);
        for (int l = 0; l < LEVELS; l++) {
            len = strlen(j);
            snprintf(j + len, js - len, ",\"%s\":", level_key[l]);
            list(j, js, x->t_cross[k][l], x->nb);
        }
        len = strlen(j);
        snprintf(j + len, js - len, "}");
    }
    len = strlen(j);
    snprintf(j + len, js - len, "}");

    char *s = sum->observed_text;
    const size_t ss = sizeof sum->observed_text;
    len = strlen(s);
    snprintf(s + len, ss - len,
             "  %d basin%s of V (depth %g); the mass in each at the end, and when its share first "
             "passed 1/2 and 1/e:\n",
             x->nb, x->nb == 1 ? "" : "s", x->env.cfg->basins_depth);
    const int shown = x->nb < 8 ? x->nb : 8;
    for (int k = 0; k < x->nd; k++)
        for (int b = 0; b < shown; b++) {
            char when[LEVELS][32];
            for (int l = 0; l < LEVELS; l++)
                if (isnan(x->t_cross[k][l][b]))
                    snprintf(when[l], sizeof when[l], "never");
                else
                    snprintf(when[l], sizeof when[l], "t = %.4g", x->t_cross[k][l][b]);
            len = strlen(s);
            snprintf(s + len, ss - len, "    %-12s basin %d (V = %.4g): %.6f, 1/2 %s, 1/e %s\n",
                     b ? "" : x->env.ops[x->desc[k]]->name, b, x->vmin[b], x->mass[k][b],
                     when[HALF], when[ONE_E]);
        }
    if (shown < x->nb) {
        len = strlen(s);
        snprintf(s + len, ss - len, "    (%d more basins in the JSON line and in /basins)\n",
                 x->nb - shown);
    }
}

/* The tables, one per description (and, in a fresh file, the arrays that describe the
 * basins); then the glabel is no longer needed. */
static enum nnq_status open_tables(struct basins *x, struct nnq_output *o, struct nnq_err *err) {
    const struct nnq_grid *g = x->env.g;
    enum nnq_status rc = NNQ_OK;
    if (x->glabel) {
        const size_t shape[3] = {(size_t)g->n[0], (size_t)g->n[1], (size_t)g->n[2]};
        const size_t mq[2] = {(size_t)x->nb, (size_t)g->dims}, nb = (size_t)x->nb;
        rc = nnq_output_array(o, "basins/label", g->dims, shape, 1, x->glabel, err);
        if (rc == NNQ_OK)
            rc = nnq_output_array(o, "basins/minimum_q", 2, mq, 0, x->qmin, err);
        if (rc == NNQ_OK)
            rc = nnq_output_array(o, "basins/minimum_V", 1, &nb, 0, x->vmin, err);
        free(x->glabel);
        x->glabel = NULL;
    }
    for (int k = 0; k < x->nd && rc == NNQ_OK; k++) {
        char path[64];
        snprintf(path, sizeof path, "basins/%s", x->env.ops[x->desc[k]]->name);
        rc = nnq_output_table_open(o, path, x->nb, &x->table[k], err);
    }
    x->opened = rc == NNQ_OK;
    return rc;
}

static enum nnq_status record(void *self, struct nnq_output *o, struct nnq_err *err) {
    struct basins *x = self;
    enum nnq_status rc = x->opened ? NNQ_OK : open_tables(x, o, err);
    for (int k = 0; k < x->nd && rc == NNQ_OK; k++)
        rc = nnq_output_table_append(o, x->table[k], x->mass[k], err);
    return rc;
}

/* The crossings' state: t_prev, then per description the shares and the two levels' times. */
static size_t state_size(const struct basins *x) {
    return 1 + (size_t)x->nd * (size_t)x->nb * (1 + LEVELS);
}

static void pack(struct basins *x, double *v, int out) {
    size_t at = 0;
    if (out)
        v[at++] = x->t_prev;
    else
        x->t_prev = v[at++];
    for (int k = 0; k < x->nd; k++)
        for (int b = 0; b < x->nb; b++)
            for (int l = -1; l < LEVELS; l++) {
                double *p = l < 0 ? &x->share[k][b] : &x->t_cross[k][l][b];
                if (out)
                    v[at++] = *p;
                else
                    *p = v[at++];
            }
}

static enum nnq_status save(void *self, struct nnq_output *o, struct nnq_err *err) {
    struct basins *x = self;
    double v[1 + NNQ_STEPPERS_MAX * BASINS_MAX * (1 + LEVELS)];
    pack(x, v, 1);
    return nnq_output_values_write(o, "basins", v, state_size(x), err);
}

static enum nnq_status restore(void *self, struct nnq_output *o, struct nnq_err *err) {
    struct basins *x = self;
    double v[1 + NNQ_STEPPERS_MAX * BASINS_MAX * (1 + LEVELS)];
    enum nnq_status rc = nnq_output_values_read(o, "basins", v, state_size(x), err);
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
    *per_point = sizeof(int); /* this slab's labels */
    double total = 1;
    for (int a = 0; a < cfg->dims; a++)
        total *= (double)cfg->n[a];
    /* while labelling: the whole V, the drains, the sinks, the labels; the borders */
    *fixed = total * (sizeof(double) + 3 * sizeof(int) + sizeof(struct edge));
}

const struct nnq_observer_ops nnq_observer_basins = {
    .name = "basins",
    .group = {"basins", "B", 0, NULL},
    .wanted = wanted,
    .create = create,
    .start = start,
    .sample = sample,
    .record = record,
    .summarize = summarize,
    .save = save,
    .restore = restore,
    .memory = memory,
    .destroy = destroy,
};
