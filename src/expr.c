/* expr.c - libmatheval wrapper with variable checking (see include/nnq/expr.h). */
#include "nnq/expr.h"

#include "expr_block.h"
#include "nnq/expr_tree.h"
#include "nnq/grid.h"
#include "nnq/par.h"

#include <assert.h>
#include <ctype.h>
#include <float.h>
#include <math.h>
#include <matheval.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    VAR_X,
    VAR_Y,
    VAR_Z,
    VAR_Q0,
    VAR_Q1,
    VAR_Q2,
    VAR_T,
    VAR_HBAR,
    VAR_MASS,
    VAR_L,
    VAR_N0, /* the axes' own names */
    VAR_N1,
    VAR_N2,
    VAR_COUNT
};

#define NAME_MAX_LEN 32

/* Invariant: ev is a valid libmatheval evaluator whose variables are all in names and
 * allowed for the grid's dimension; names[VAR_N0 + a] is axis a's own name, or its qa alias
 * where it has none (the value is the same); used[0 .. nused) are the variables ev names,
 * used_names their names; text is the source, vars what it was compiled with (its pieces are
 * compiled alike). */
struct nnq_expr {
    void *ev;
    int uses_t, uses_L, dims;
    char name[VAR_COUNT][NAME_MAX_LEN];
    char *names[VAR_COUNT];
    int nused, used[VAR_COUNT]; /* the variables it names, which eval passes on */
    char *used_names[VAR_COUNT];
    char *text;
    struct nnq_expr_vars vars;
    char axis[3][NAME_MAX_LEN]; /* vars.axis points here */
};

static const char *const fixed_names[VAR_N0] = {"x",  "y", "z",    "q0",   "q1",
                                                "q2", "t", "hbar", "mass", "L"};

/* Axis of a coordinate variable (x, q0 or axis 0's name -> 0 ...), or -1. */
static int var_axis(int v) {
    if (v <= VAR_Z)
        return v;
    if (v <= VAR_Q2)
        return v - VAR_Q0;
    if (v >= VAR_N0)
        return v - VAR_N0;
    return -1;
}

int nnq_expr_name_ok(const char *name) {
    const size_t len = strlen(name);
    if (len == 0 || len >= NAME_MAX_LEN || !(isalpha((unsigned char)name[0]) || name[0] == '_'))
        return 0;
    for (size_t i = 0; i < len; i++)
        if (!isalnum((unsigned char)name[i]) && name[i] != '_')
            return 0;
    for (int v = 0; v < VAR_N0; v++)
        if (strcmp(name, fixed_names[v]) == 0)
            return 0;
    /* libmatheval reads "pi", "e", "exp" ... as constants and functions, not variables */
    char *copy = strdup(name);
    void *ev = copy ? evaluator_create(copy) : NULL;
    free(copy);
    if (!ev)
        return 0;
    char **names;
    int count;
    evaluator_get_variables(ev, &names, &count);
    const int ok = count == 1 && strcmp(names[0], name) == 0;
    evaluator_destroy(ev);
    return ok;
}

enum nnq_status nnq_expr_create(const char *text, int dims, const struct nnq_expr_vars *vars,
                                struct nnq_expr **out, struct nnq_err *err) {
    *out = NULL;
    static const char allowed[] =
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.+-*/^() \t";
    size_t bad = strspn(text, allowed);
    if (text[bad] != '\0')
        return nnq_err_set(
            err, NNQ_ERR_CONFIG, "character '%c' is not allowed in an expression",
            (unsigned char)text[bad] >= 32 && (unsigned char)text[bad] < 127 ? text[bad] : '?');
    if (text[strspn(text, " \t")] == '\0')
        return nnq_err_set(err, NNQ_ERR_CONFIG, "empty expression");

    char *copy = strdup(text);
    if (!copy)
        return nnq_err_set(err, NNQ_ERR_RUNTIME, "out of memory");
    void *ev = evaluator_create(copy);
    free(copy);
    if (!ev)
        return nnq_err_set(err, NNQ_ERR_CONFIG,
                           "syntax error or unknown function in expression '%s'", text);

    struct nnq_expr *e = calloc(1, sizeof *e);
    if (!e) {
        evaluator_destroy(ev);
        return nnq_err_set(err, NNQ_ERR_RUNTIME, "out of memory");
    }
    e->ev = ev;
    e->dims = dims;
    if (!(e->text = strdup(text))) {
        nnq_expr_destroy(e);
        return nnq_err_set(err, NNQ_ERR_RUNTIME, "out of memory");
    }
    for (int a = 0; a < 3 && vars; a++) {
        snprintf(e->axis[a], NAME_MAX_LEN, "%s", vars->axis[a] ? vars->axis[a] : "");
        e->vars.axis[a] = e->axis[a];
    }
    e->vars.loss = vars && vars->loss;
    for (int v = 0; v < VAR_COUNT; v++) {
        const char *axis = v >= VAR_N0 && vars ? vars->axis[v - VAR_N0] : NULL;
        snprintf(e->name[v], NAME_MAX_LEN, "%s",
                 v < VAR_N0                             ? fixed_names[v]
                 : axis && axis[0] && v - VAR_N0 < dims ? axis
                                                        : fixed_names[VAR_Q0 + v - VAR_N0]);
        e->names[v] = e->name[v];
    }
    /* what may be named, for the message */
    char known[256] = "x, y, z, q0, q1, q2, t, hbar, mass";
    if (vars && vars->loss)
        strcat(known, ", L");
    for (int a = 0; a < dims && vars; a++)
        if (vars->axis[a] && vars->axis[a][0])
            snprintf(known + strlen(known), sizeof known - strlen(known), ", %s", vars->axis[a]);

    char **names;
    int count;
    evaluator_get_variables(ev, &names, &count);
    for (int i = 0; i < count; i++) {
        int v = 0;
        while (v < VAR_COUNT && strcmp(names[i], e->name[v]) != 0)
            v++;
        if (v == VAR_COUNT || (v == VAR_L && !(vars && vars->loss))) {
            nnq_err_set(err, NNQ_ERR_CONFIG, "unknown variable '%s' (expected %s)", names[i],
                        known);
            nnq_expr_destroy(e);
            return NNQ_ERR_CONFIG;
        }
        int axis = var_axis(v);
        if (axis >= dims) {
            nnq_err_set(err, NNQ_ERR_CONFIG,
                        "'%s' needs a grid of %d or more dimensions, this one has %d", names[i],
                        axis + 1, dims);
            nnq_expr_destroy(e);
            return NNQ_ERR_CONFIG;
        }
        e->uses_t |= v == VAR_T;
        e->uses_L |= v == VAR_L;
        e->used[e->nused] = v;
        e->used_names[e->nused++] = e->names[v];
    }
    *out = e;
    return NNQ_OK;
}

double nnq_expr_eval(const struct nnq_expr *e, const double *q, double t, double hbar, double mass,
                     double L) {
    const double all[VAR_COUNT] = {q[0], q[1], q[2], q[0], q[1], q[2], t,
                                   hbar, mass, L,    q[0], q[1], q[2]};
    /* only the names it uses: libmatheval looks every name passed up in its symbol table */
    double values[VAR_COUNT];
    for (int i = 0; i < e->nused; i++)
        values[i] = all[e->used[i]];
    return evaluator_evaluate(e->ev, e->nused, (char **)e->used_names, values);
}

int nnq_expr_uses_t(const struct nnq_expr *e) { return e->uses_t; }

int nnq_expr_uses_loss(const struct nnq_expr *e) { return e->uses_L; }

void nnq_expr_destroy(struct nnq_expr *e) {
    if (!e)
        return;
    if (e->ev)
        evaluator_destroy(e->ev);
    free(e->text);
    free(e);
}

/* ---- an expression on a grid ---------------------------------------------------------------
 *
 * V(q, t) = G_0(q) + u(t) + sum_k f_k(t) G_k(q) where the expression is a sum of terms, each a
 * product of factors that depend on t only or on the point only (q, L; hbar, mass and named
 * constants are constants). The split is read off the expression's tree (nnq/expr_tree.h),
 * used only when that tree is the one libmatheval evaluates, so the split is V rearranged:
 * exact by construction. What the rearrangement can cost is rounding: multiplied out,
 * 0.5*(x - 1e6 - sin(t))^2 near x = 1e6 is a difference of terms of 5e11; the split is kept
 * only where its rounding (bounded by the sum of the terms' sizes) stays below 1e-12 of V's
 * range at sample points and times, on every rank alike.
 */

#define MAX_TERMS 8      /* tables G_k */
#define MAX_FACTORS 64   /* of one product */
#define MAX_PRODUCTS 256 /* of one term multiplied out */
#define SAMPLE_POINTS 257

/* Invariants: e and g are borrowed; G0 == NULL: point by point (terms == 0), a block at a
 * time where block is set; otherwise G0 and G[0..terms) hold local_size values each, u is
 * NULL when no term depends on t only, and block is NULL. */
struct nnq_expr_field {
    const struct nnq_expr *e;
    const struct nnq_grid *g;
    double hbar, mass;
    int terms;
    struct nnq_expr *u, *f[MAX_TERMS];
    double *G0, *G[MAX_TERMS];
    struct nnq_expr_block *block;
};

/* A growing text; failed once it could not grow. */
struct text {
    char *s;
    size_t len, cap;
    int failed;
};

__attribute__((format(printf, 2, 3))) static void text_add(struct text *t, const char *fmt, ...) {
    for (int pass = 0; pass < 2 && !t->failed; pass++) {
        va_list ap;
        va_start(ap, fmt);
        const int w = vsnprintf(t->s ? t->s + t->len : NULL, t->s ? t->cap - t->len : 0, fmt, ap);
        va_end(ap);
        if (w < 0) {
            t->failed = 1;
            return;
        }
        if (t->s && (size_t)w < t->cap - t->len) {
            t->len += (size_t)w;
            return;
        }
        const size_t cap = 2 * (t->len + (size_t)w) + 64;
        char *s = realloc(t->s, cap);
        if (!s) {
            t->failed = 1;
            return;
        }
        t->s = s;
        t->cap = cap;
    }
}

static void text_free(struct text *t) {
    free(t->s);
    *t = (struct text){0};
}

struct factor {
    const struct nnq_expr_node *n;
    int inv; /* a divisor */
    int dep; /* bit 1: t, bit 2: the point */
};

struct product {
    int sign, nf;
    struct factor f[MAX_FACTORS];
};

/* What a subtree depends on: bit 1 t, bit 2 the point (hbar, mass, named constants: none). */
static int dep(const struct nnq_expr *e, const struct nnq_expr_node *n) {
    if (!n || n->op == NNQ_EXPR_NUM)
        return 0;
    if (n->op != NNQ_EXPR_NAME)
        return dep(e, n->a) | dep(e, n->b);
    for (int v = 0; v < VAR_COUNT; v++)
        if (strcmp(n->name, e->name[v]) == 0)
            return v == VAR_T ? 1 : v == VAR_HBAR || v == VAR_MASS ? 0 : 2;
    return 0;
}

struct term {
    int sign;
    const struct nnq_expr_node *n;
};

/* The signed terms of a sum into out[*n ..], at most max; 0 past it. */
static int terms_of(const struct nnq_expr_node *n, int sign, struct term *out, int *count,
                    int max) {
    switch (n->op) {
    case NNQ_EXPR_ADD:
    case NNQ_EXPR_SUB:
        return terms_of(n->a, sign, out, count, max) &&
               terms_of(n->b, n->op == NNQ_EXPR_SUB ? -sign : sign, out, count, max);
    case NNQ_EXPR_NEG:
        return terms_of(n->a, -sign, out, count, max);
    default:
        if (*count == max)
            return 0;
        out[(*count)++] = (struct term){sign, n};
        return 1;
    }
}

/* Appends the factors of n (a divisor when inv) to p; 0 past MAX_FACTORS. */
static int factors_of(const struct nnq_expr *e, const struct nnq_expr_node *n, int inv,
                      struct product *p) {
    switch (n->op) {
    case NNQ_EXPR_MUL:
        return factors_of(e, n->a, inv, p) && factors_of(e, n->b, inv, p);
    case NNQ_EXPR_DIV:
        return factors_of(e, n->a, inv, p) && factors_of(e, n->b, !inv, p);
    case NNQ_EXPR_NEG:
        p->sign = -p->sign;
        return factors_of(e, n->a, inv, p);
    default:
        if (p->nf == MAX_FACTORS)
            return 0;
        p->f[p->nf++] = (struct factor){n, inv, dep(e, n)};
        return 1;
    }
}

/* The sum that is p, with every factor that depends on t and the point multiplied out (a sum,
 * or a sum to a literal power 2..4), as separable products appended to out[*n ..] (at most
 * max). Returns 0 when p does not separate so. */
static int separate(const struct nnq_expr *e, const struct product *p, struct product *out, int *n,
                    int max, int depth) {
    int j = 0;
    while (j < p->nf && p->f[j].dep != 3)
        j++;
    if (j == p->nf) {
        if (*n == max)
            return 0;
        out[(*n)++] = *p;
        return 1;
    }
    const struct nnq_expr_node *m = p->f[j].n;
    if (p->f[j].inv || depth > 16)
        return 0;
    struct product *rest = malloc(sizeof *rest);
    if (!rest)
        return 0;
    *rest = *p; /* without factor j */
    rest->f[j] = rest->f[--rest->nf];
    int ok = 1;
    if (m->op == NNQ_EXPR_POW && m->b->op == NNQ_EXPR_NUM &&
        (m->b->num == 2 || m->b->num == 3 || m->b->num == 4)) {
        for (int r = 0; ok && r < (int)m->b->num; r++)
            ok = factors_of(e, m->a, 0, rest);
        ok = ok && separate(e, rest, out, n, max, depth + 1);
    } else if (m->op == NNQ_EXPR_ADD || m->op == NNQ_EXPR_SUB) {
        struct term t[MAX_FACTORS];
        int nt = 0;
        ok = terms_of(m, 1, t, &nt, MAX_FACTORS);
        struct product *one = malloc(sizeof *one);
        ok = ok && one;
        for (int i = 0; ok && i < nt; i++) {
            *one = *rest;
            one->sign *= t[i].sign;
            ok = factors_of(e, t[i].n, 0, one) && separate(e, one, out, n, max, depth + 1);
        }
        free(one);
    } else
        ok = 0; /* sin(x - t), x^t, a mixed divisor ... */
    free(rest);
    return ok;
}

static int factor_cmp(const void *pa, const void *pb) {
    const struct factor *a = pa, *b = pb;
    if (a->inv != b->inv)
        return a->inv - b->inv;
    char x[256], y[256];
    nnq_expr_tree_print(a->n, 17, x, sizeof x);
    nnq_expr_tree_print(b->n, 17, y, sizeof y);
    return strcmp(x, y);
}

/* Appends "*(f)" or "/(f)" for the factors of p with dependence in `deps` (bits), in order. */
static void add_factors(struct text *t, const struct product *p, int deps) {
    for (int j = 0; j < p->nf; j++)
        if ((1 << p->f[j].dep) & deps) {
            char *s = nnq_expr_tree_text(p->f[j].n);
            if (!s)
                t->failed = 1;
            else
                text_add(t, "%c(%s)", p->f[j].inv ? '/' : '*', s);
            free(s);
        }
}

/* The texts of a split: V = g0 + u + sum_k f[k] G[k]. */
struct split {
    struct text g0, u, f[MAX_TERMS], G[MAX_TERMS];
    int terms;
};

static void split_free(struct split *sp) {
    text_free(&sp->g0);
    text_free(&sp->u);
    for (int k = 0; k < MAX_TERMS; k++) {
        text_free(&sp->f[k]);
        text_free(&sp->G[k]);
    }
}

/* Adds the separable product p to the split: to g0 (no t), u (t only) or the term whose G is
 * p's point factors (a new one, up to MAX_TERMS). Returns 0 past MAX_TERMS. */
static int add_product(struct split *sp, struct product *p) {
    int d = 0;
    for (int j = 0; j < p->nf; j++)
        d |= p->f[j].dep;
    if (d != 3) {
        struct text *t = d == 1 ? &sp->u : &sp->g0;
        text_add(t, "%c1", p->sign < 0 ? '-' : '+');
        add_factors(t, p, 1 << 0 | 1 << 1 | 1 << 2);
        return 1;
    }
    /* in one order, so that x*t*x and x*x*t share G = x*x */
    qsort(p->f, (size_t)p->nf, sizeof p->f[0], factor_cmp);
    struct text G = {0};
    text_add(&G, "1");
    add_factors(&G, p, 1 << 2);
    int k = 0;
    while (k < sp->terms && !G.failed && strcmp(sp->G[k].s, G.s) != 0)
        k++;
    if (k == MAX_TERMS || G.failed) {
        text_free(&G);
        return 0;
    }
    if (k == sp->terms) {
        sp->G[sp->terms++] = G;
        text_add(&sp->f[k], "0");
    } else
        text_free(&G);
    text_add(&sp->f[k], "%c1", p->sign < 0 ? '-' : '+');
    add_factors(&sp->f[k], p, 1 << 0 | 1 << 1);
    return 1;
}

/* The split of e into sp (texts that nnq_expr_create compiles). Returns the number of terms,
 * or -1 when e does not split so (or its tree is not libmatheval's); sp is the caller's to
 * free (split_free) either way. */
static int split(const struct nnq_expr *e, struct split *sp) {
    memset(sp, 0, sizeof *sp);
    text_add(&sp->g0, "0");
    text_add(&sp->u, "0");
    struct nnq_expr_node *tree = nnq_expr_tree_parse(e->text);
    struct term *t = malloc(MAX_PRODUCTS * sizeof *t);
    struct product *p = malloc(sizeof *p), *out = malloc(MAX_PRODUCTS * sizeof *out);
    int nt = 0, ok = tree && t && p && out && nnq_expr_tree_same(tree, e->ev) &&
                     terms_of(tree, 1, t, &nt, MAX_PRODUCTS);
    for (int i = 0; ok && i < nt; i++) {
        *p = (struct product){.sign = t[i].sign};
        int n = 0;
        ok = factors_of(e, t[i].n, 0, p) && separate(e, p, out, &n, MAX_PRODUCTS, 0);
        for (int j = 0; ok && j < n; j++)
            ok = add_product(sp, &out[j]);
    }
    ok = ok && !sp->g0.failed && !sp->u.failed;
    for (int k = 0; ok && k < sp->terms; k++)
        ok = !sp->f[k].failed && !sp->G[k].failed;
    free(out);
    free(p);
    free(t);
    nnq_expr_tree_free(tree);
    return ok ? sp->terms : -1;
}

static void fill_pointwise(const struct nnq_expr_field *fd, double t, const double *L, double *V) {
    const struct nnq_grid *g = fd->g;
    if (fd->block) {
        nnq_expr_block_eval(fd->block, t, L, 0, g->local_size, V);
        return;
    }
    ptrdiff_t idx = 0;
    for (ptrdiff_t i0 = 0; i0 < g->local_n0; i0++)
        for (ptrdiff_t i1 = 0; i1 < g->n[1]; i1++)
            for (ptrdiff_t i2 = 0; i2 < g->n[2]; i2++, idx++) {
                const double q[3] = {g->q[0][g->local_0_start + i0], g->q[1][i1], g->q[2][i2]};
                V[idx] = nnq_expr_eval(fd->e, q, t, fd->hbar, fd->mass, L ? L[idx] : 0.0);
            }
}

static double scalar(const struct nnq_expr_field *fd, const struct nnq_expr *x, double t) {
    const double q[3] = {0, 0, 0};
    return nnq_expr_eval(x, q, t, fd->hbar, fd->mass, 0.0);
}

/* The samples of the checks: every stride-th point of the whole grid (every point of a grid
 * of up to `all` points), the same points however the ranks cut it; the first on this rank. */
static ptrdiff_t sample_stride(const struct nnq_grid *g, ptrdiff_t all) {
    return g->total <= all ? 1 : g->total / SAMPLE_POINTS + 1;
}

static ptrdiff_t first_sample(const struct nnq_grid *g, ptrdiff_t stride) {
    const ptrdiff_t start = g->local_0_start * g->n[1] * g->n[2];
    return (stride - start % stride) % stride;
}

/* 1 when the split's rounding stays below 1e-12 of V's range (over every rank's samples) at
 * sample points of the slab and times, and it agrees with the expression there; ok: this
 * rank's tables were made. Collective: every rank gets the same answer. */
static int split_agrees(const struct nnq_expr_field *fd, const double *L, int ok) {
    const struct nnq_grid *g = fd->g;
    static const double times[] = {0.0, 0.37, 1.9, 7.3, 61.0};
    const ptrdiff_t stride = sample_stride(g, 0), first = first_sample(g, stride);
    for (size_t k = 0; k < sizeof times / sizeof times[0]; k++) {
        const double t = times[k];
        double lo = INFINITY, hi = -INFINITY;
        for (ptrdiff_t idx = first; ok && idx < g->local_size; idx += stride) {
            ptrdiff_t at[3];
            nnq_grid_index(g, idx, at);
            const double q[3] = {g->q[0][at[0]], g->q[1][at[1]], g->q[2][at[2]]};
            const double v = nnq_expr_eval(fd->e, q, t, fd->hbar, fd->mass, L ? L[idx] : 0.0);
            if (isfinite(v)) {
                lo = fmin(lo, v);
                hi = fmax(hi, v);
            }
        }
        const double range = nnq_par_max(hi) + nnq_par_max(-lo);
        const double u = ok && fd->u ? scalar(fd, fd->u, t) : 0.0;
        double f[MAX_TERMS];
        for (int j = 0; ok && j < fd->terms; j++)
            f[j] = scalar(fd, fd->f[j], t);
        for (ptrdiff_t idx = first; ok && idx < g->local_size; idx += stride) {
            ptrdiff_t at[3];
            nnq_grid_index(g, idx, at);
            const double q[3] = {g->q[0][at[0]], g->q[1][at[1]], g->q[2][at[2]]};
            const double v = nnq_expr_eval(fd->e, q, t, fd->hbar, fd->mass, L ? L[idx] : 0.0);
            double w = fd->G0[idx] + u, size = fabs(fd->G0[idx]) + fabs(u);
            for (int j = 0; j < fd->terms; j++) {
                w += f[j] * fd->G[j][idx];
                size += fabs(f[j] * fd->G[j][idx]);
            }
            /* the expression's own rounding (8 eps |v|) is no fault of the split */
            const double tol = 1e-12 * (isfinite(range) ? range : 0.0) + 8 * DBL_EPSILON * fabs(v);
            ok = isfinite(v) == isfinite(w) &&
                 (!isfinite(v) || (fabs(w - v) <= tol && 16 * DBL_EPSILON * size <= tol));
        }
    }
    return !nnq_par_any(!ok);
}

/* Compiles the pieces of a split and tabulates its G's; 0 when any fails. */
static int tabulate(struct nnq_expr_field *fd, const struct split *sp, const double *L) {
    const struct nnq_expr *e = fd->e;
    struct nnq_err err = {0};
    struct nnq_expr *gx[MAX_TERMS + 1] = {0};
    const size_t bytes = sizeof(double) * (size_t)(fd->g->local_size > 0 ? fd->g->local_size : 1);
    int ok = nnq_expr_create(sp->g0.s, e->dims, &e->vars, &gx[0], &err) == NNQ_OK &&
             (strcmp(sp->u.s, "0") == 0 ||
              nnq_expr_create(sp->u.s, e->dims, &e->vars, &fd->u, &err) == NNQ_OK) &&
             (fd->G0 = malloc(bytes)) != NULL;
    for (int j = 0; ok && j < sp->terms; j++)
        ok = nnq_expr_create(sp->f[j].s, e->dims, &e->vars, &fd->f[j], &err) == NNQ_OK &&
             nnq_expr_create(sp->G[j].s, e->dims, &e->vars, &gx[j + 1], &err) == NNQ_OK &&
             (fd->G[j] = malloc(bytes)) != NULL;
    if (ok) {
        struct nnq_expr_field one = *fd;
        one.block = NULL;
        one.e = gx[0];
        fill_pointwise(&one, 0.0, L, fd->G0);
        for (int j = 0; j < sp->terms; j++) {
            one.e = gx[j + 1];
            fill_pointwise(&one, 0.0, L, fd->G[j]);
        }
        fd->terms = sp->terms;
    }
    for (int j = 0; j <= sp->terms; j++)
        nnq_expr_destroy(gx[j]);
    return ok;
}

/* The block evaluator's names for e's variables (vars: VAR_COUNT entries). */
static void block_vars(const struct nnq_expr *e, struct nnq_expr_var *vars) {
    static const enum nnq_expr_role roles[VAR_COUNT] = {
        [VAR_X] = NNQ_EXPR_AXIS0,  [VAR_Y] = NNQ_EXPR_AXIS1,   [VAR_Z] = NNQ_EXPR_AXIS2,
        [VAR_Q0] = NNQ_EXPR_AXIS0, [VAR_Q1] = NNQ_EXPR_AXIS1,  [VAR_Q2] = NNQ_EXPR_AXIS2,
        [VAR_T] = NNQ_EXPR_TIME,   [VAR_HBAR] = NNQ_EXPR_HBAR, [VAR_MASS] = NNQ_EXPR_MASS,
        [VAR_L] = NNQ_EXPR_LOSS,   [VAR_N0] = NNQ_EXPR_AXIS0,  [VAR_N1] = NNQ_EXPR_AXIS1,
        [VAR_N2] = NNQ_EXPR_AXIS2};
    for (int v = 0; v < VAR_COUNT; v++)
        vars[v] = (struct nnq_expr_var){e->name[v], roles[v]};
}

/* The value at flat index idx of the slab by libmatheval. */
static double value_at(const struct nnq_expr_field *fd, ptrdiff_t idx, double t, const double *L) {
    const struct nnq_grid *g = fd->g;
    ptrdiff_t j[3];
    nnq_grid_index(g, idx, j);
    const double q[3] = {g->q[0][j[0]], g->q[1][j[1]], g->q[2][j[2]]};
    return nnq_expr_eval(fd->e, q, t, fd->hbar, fd->mass, L ? L[idx] : 0.0);
}

/* 1 when fd's block gives libmatheval's values at sample points (every point of a grid of up
 * to 4096) and times: exactly, or with libmvec's functions (simd) within 1e-12 of V's range
 * (over every rank's samples) plus 8 eps |v|. Collective: every rank gets the same answer. */
static int block_agrees(const struct nnq_expr_field *fd, const double *L, int simd) {
    const struct nnq_grid *g = fd->g;
    static const double times[] = {0.0, 0.37, 1.9, 7.3, 61.0};
    const ptrdiff_t stride = sample_stride(g, 4096), first = first_sample(g, stride);
    int ok = fd->block != NULL;
    for (size_t k = 0; k < sizeof times / sizeof times[0]; k++) {
        const double t = times[k];
        double lo = INFINITY, hi = -INFINITY;
        for (ptrdiff_t idx = first; ok && simd && idx < g->local_size; idx += stride) {
            const double v = value_at(fd, idx, t, L);
            if (isfinite(v)) {
                lo = fmin(lo, v);
                hi = fmax(hi, v);
            }
        }
        const double range = simd ? nnq_par_max(hi) + nnq_par_max(-lo) : 0.0;
        for (ptrdiff_t idx = first; ok && idx < g->local_size; idx += stride) {
            const double v = value_at(fd, idx, t, L);
            double w;
            nnq_expr_block_eval(fd->block, t, L, idx, 1, &w);
            const double tol =
                simd ? 1e-12 * (isfinite(range) ? range : 0.0) + 8 * DBL_EPSILON * fabs(v) : 0.0;
            ok = (isnan(v) && isnan(w)) || v == w || fabs(w - v) <= tol;
        }
    }
    return !nnq_par_any(!ok);
}

/* Compiles e's tree for evaluation a block at a time into fd->block, with libmvec's functions
 * where they agree with libmatheval's values, else exact; none where neither agrees (or the
 * tree is not libmatheval's). Collective. */
static void make_block(struct nnq_expr_field *fd, const double *L) {
    struct nnq_expr_node *tree = nnq_expr_tree_parse(fd->e->text);
    const int trusted = tree && nnq_expr_tree_same(tree, fd->e->ev);
    struct nnq_expr_var vars[VAR_COUNT];
    block_vars(fd->e, vars);
    for (int simd = 1; simd >= 0; simd--) {
        if (trusted)
            nnq_expr_block_create(tree, vars, VAR_COUNT, fd->g, fd->hbar, fd->mass, L, simd,
                                  &fd->block);
        if (block_agrees(fd, L, simd))
            break;
        nnq_expr_block_destroy(fd->block);
        fd->block = NULL;
    }
    nnq_expr_tree_free(tree);
}

static void field_clear(struct nnq_expr_field *fd) {
    nnq_expr_destroy(fd->u);
    free(fd->G0);
    for (int j = 0; j < MAX_TERMS; j++) {
        nnq_expr_destroy(fd->f[j]);
        free(fd->G[j]);
    }
    fd->u = NULL;
    fd->G0 = NULL;
    memset(fd->f, 0, sizeof fd->f);
    memset(fd->G, 0, sizeof fd->G);
    fd->terms = 0;
    nnq_expr_block_destroy(fd->block);
    fd->block = NULL;
}

enum nnq_status nnq_expr_field_create(const struct nnq_expr *e, const struct nnq_grid *g,
                                      double hbar, double mass, const double *L,
                                      struct nnq_expr_field **out, struct nnq_err *err) {
    *out = NULL;
    struct nnq_expr_field *fd = calloc(1, sizeof *fd);
    /* agreed: the split's check is collective */
    if (nnq_par_any(!fd)) {
        free(fd);
        return nnq_err_set(err, NNQ_ERR_RUNTIME, "out of memory");
    }
    *fd = (struct nnq_expr_field){.e = e, .g = g, .hbar = hbar, .mass = mass};
    struct split sp;
    /* the split is the text's, the same on every rank (unless one ran out of memory) */
    const int want = e->uses_t && (L || !e->uses_L);
    const int terms = want && !nnq_par_any(split(e, &sp) < 0) ? sp.terms : -1;
    if (terms >= 0 && !split_agrees(fd, L, tabulate(fd, &sp, L)))
        field_clear(fd);
    if (want)
        split_free(&sp);
    if (e->uses_t && !fd->G0 && (L || !e->uses_L))
        make_block(fd, L);
    *out = fd;
    return NNQ_OK;
}

void nnq_expr_field_fill(const struct nnq_expr_field *fd, double t, const double *L, double *V) {
    if (!fd->G0) {
        fill_pointwise(fd, t, L, V);
        return;
    }
    const double u = fd->u ? scalar(fd, fd->u, t) : 0.0;
    const ptrdiff_t n = fd->g->local_size;
    const double *restrict G0 = fd->G0;
    if (fd->terms > 0) { /* the first term in the same pass */
        const double f = scalar(fd, fd->f[0], t);
        const double *restrict G = fd->G[0];
        for (ptrdiff_t i = 0; i < n; i++)
            V[i] = G0[i] + u + f * G[i];
    } else
        for (ptrdiff_t i = 0; i < n; i++)
            V[i] = G0[i] + u;
    for (int j = 1; j < fd->terms; j++) {
        const double f = scalar(fd, fd->f[j], t);
        const double *restrict G = fd->G[j];
        for (ptrdiff_t i = 0; i < n; i++)
            V[i] += f * G[i];
    }
}

int nnq_expr_tables(const struct nnq_expr *e) {
    if (!e->uses_t)
        return 0;
    struct split sp;
    const int terms = split(e, &sp);
    split_free(&sp);
    if (terms >= 0)
        return 1 + terms;
    struct nnq_expr_node *tree = nnq_expr_tree_parse(e->text);
    struct nnq_expr_var vars[VAR_COUNT];
    block_vars(e, vars);
    const int tables = tree && nnq_expr_tree_same(tree, e->ev)
                           ? nnq_expr_block_tables(tree, vars, VAR_COUNT, 1)
                           : 0;
    nnq_expr_tree_free(tree);
    return tables;
}

int nnq_expr_field_terms(const struct nnq_expr_field *fd) { return fd->G0 ? fd->terms : -1; }

int nnq_expr_field_compiled(const struct nnq_expr_field *fd) { return fd->block != NULL; }

void nnq_expr_field_destroy(struct nnq_expr_field *fd) {
    if (!fd)
        return;
    field_clear(fd);
    free(fd);
}

/* ---- the gradient, anywhere -----------------------------------------------------------------
 *
 * dV/dq_a is the derivative of V's tree (nnq_expr_tree_derivative, in axis a under all of its
 * names), compiled for points anywhere (nnq_expr_block_points). The compiled derivative is
 * checked as a V's block is, against libmatheval's evaluation of the derivative's own text at
 * sample points of the box and times: within 1e-12 of the component's range with libmvec's
 * functions, else exactly without them, else there is no gradient. The rules themselves are
 * tested against difference quotients (tests/test_potential.c).
 */

#define GRADIENT_SAMPLES 512

/* Invariant: block[a] is the compiled dV/dq_a for a < d, NULL past it. */
struct nnq_expr_gradient {
    int d;
    struct nnq_expr_block *block[3];
};

/* Sample point k of the box (the additive recurrence of the plastic number's powers: spread
 * evenly in 1-3 dimensions, the same on every rank). */
static void gradient_sample(int d, const double *qmin, const double *qmax, int k, double *q) {
    static const double alpha[3] = {0.8191725133961645, 0.6710436067037893, 0.5497004779019703};
    for (int a = 0; a < 3; a++) {
        const double u = fmod(0.5 + alpha[a] * (double)k, 1.0);
        q[a] = a < d ? qmin[a] + u * (qmax[a] - qmin[a]) : 0.0;
    }
}

/* 1 when b gives the values of libmatheval's evaluation of ref at the samples (see above). */
static int gradient_agrees(const struct nnq_expr_block *b, const struct nnq_expr *ref, int d,
                           const double *qmin, const double *qmax, double hbar, double mass,
                           int simd) {
    static const double times[] = {0.0, 0.37, 1.9, 7.3, 61.0};
    double q[GRADIENT_SAMPLES][3], want[GRADIENT_SAMPLES], got[GRADIENT_SAMPLES];
    double pts[GRADIENT_SAMPLES * 3];
    for (int k = 0; k < GRADIENT_SAMPLES; k++) {
        gradient_sample(d, qmin, qmax, k, q[k]);
        for (int a = 0; a < d; a++)
            pts[k * d + a] = q[k][a];
    }
    for (size_t i = 0; i < sizeof times / sizeof times[0]; i++) {
        double lo = INFINITY, hi = -INFINITY;
        for (int k = 0; k < GRADIENT_SAMPLES; k++) {
            want[k] = nnq_expr_eval(ref, q[k], times[i], hbar, mass, 0.0);
            if (isfinite(want[k])) {
                lo = fmin(lo, want[k]);
                hi = fmax(hi, want[k]);
            }
        }
        nnq_expr_block_points(b, times[i], pts, d, GRADIENT_SAMPLES, got);
        const double range = hi >= lo ? hi - lo : 0.0;
        for (int k = 0; k < GRADIENT_SAMPLES; k++) {
            const double tol = simd ? 1e-12 * range + 8 * DBL_EPSILON * fabs(want[k]) : 0.0;
            if (!((isnan(want[k]) && isnan(got[k])) || want[k] == got[k] ||
                  fabs(got[k] - want[k]) <= tol))
                return 0;
        }
    }
    return 1;
}

/* dV/dq_a compiled, or NULL (no derivative, or it does not agree). */
static struct nnq_expr_block *gradient_block(const struct nnq_expr *e,
                                             const struct nnq_expr_node *tree, int a,
                                             const double *qmin, const double *qmax, double hbar,
                                             double mass) {
    const char *names[3] = {e->name[VAR_X + a], e->name[VAR_Q0 + a], e->name[VAR_N0 + a]};
    struct nnq_expr_node *dt = nnq_expr_tree_derivative(tree, names, 3);
    char *text = dt ? nnq_expr_tree_text(dt) : NULL;
    struct nnq_expr *ref = NULL;
    struct nnq_err err;
    struct nnq_expr_block *b = NULL;
    struct nnq_expr_var vars[VAR_COUNT];
    block_vars(e, vars);
    if (text && nnq_expr_create(text, e->dims, &e->vars, &ref, &err) == NNQ_OK &&
        nnq_expr_tree_same(dt, ref->ev))
        for (int simd = 1; simd >= 0 && !b; simd--) {
            nnq_expr_block_create(dt, vars, VAR_COUNT, NULL, hbar, mass, NULL, simd, &b);
            if (b && !gradient_agrees(b, ref, e->dims, qmin, qmax, hbar, mass, simd)) {
                nnq_expr_block_destroy(b);
                b = NULL;
            }
        }
    nnq_expr_destroy(ref);
    free(text);
    nnq_expr_tree_free(dt);
    return b;
}

struct nnq_expr_gradient *nnq_expr_gradient_create(const struct nnq_expr *e, const double *qmin,
                                                   const double *qmax, double hbar, double mass) {
    struct nnq_expr_node *tree = e->uses_L ? NULL : nnq_expr_tree_parse(e->text);
    struct nnq_expr_gradient *gr =
        tree && nnq_expr_tree_same(tree, e->ev) ? calloc(1, sizeof *gr) : NULL;
    int ok = gr != NULL;
    for (int a = 0; ok && a < e->dims; a++)
        ok = (gr->block[a] = gradient_block(e, tree, a, qmin, qmax, hbar, mass)) != NULL;
    nnq_expr_tree_free(tree);
    if (!ok) {
        nnq_expr_gradient_destroy(gr);
        return NULL;
    }
    gr->d = e->dims;
    return gr;
}

void nnq_expr_gradient_eval(const struct nnq_expr_gradient *gr, double t, const double *q,
                            ptrdiff_t count, double *grad) {
    assert(gr && gr->d >= 1 && gr->d <= 3 && gr->block[gr->d - 1] && (gr->d == 3 || !gr->block[2]));
    double part[NNQ_EXPR_BLOCK];
    for (ptrdiff_t i = 0; i < count; i += NNQ_EXPR_BLOCK) {
        const ptrdiff_t m = count - i < NNQ_EXPR_BLOCK ? count - i : NNQ_EXPR_BLOCK;
        for (int a = 0; a < gr->d; a++) {
            nnq_expr_block_points(gr->block[a], t, q + i * gr->d, gr->d, m, part);
            for (ptrdiff_t j = 0; j < m; j++)
                grad[(i + j) * gr->d + a] = part[j];
        }
    }
}

void nnq_expr_gradient_destroy(struct nnq_expr_gradient *gr) {
    if (!gr)
        return;
    for (int a = 0; a < 3; a++)
        nnq_expr_block_destroy(gr->block[a]);
    free(gr);
}

enum nnq_condition nnq_expr_condition(const char *text, char *lhs, char *rhs, size_t size) {
    const char *at = strpbrk(text, "<>");
    snprintf(lhs, size, "%s", text);
    rhs[0] = '\0';
    if (!at)
        return NNQ_COND_NONE;
    const int eq = at[1] == '=';
    const char *rest = at + 1 + eq;
    if (strpbrk(rest, "<>") || strchr(rest, '='))
        return NNQ_COND_BAD;
    const size_t n = (size_t)(at - text) < size ? (size_t)(at - text) : size - 1;
    memcpy(lhs, text, n);
    lhs[n] = '\0';
    snprintf(rhs, size, "%s", rest);
    int blank = 1, blank_r = 1;
    for (const char *c = lhs; *c; c++)
        blank &= *c == ' ' || *c == '\t';
    for (const char *c = rhs; *c; c++)
        blank_r &= *c == ' ' || *c == '\t';
    if (blank || blank_r)
        return NNQ_COND_BAD;
    return *at == '<' ? (eq ? NNQ_COND_LE : NNQ_COND_LT) : (eq ? NNQ_COND_GE : NNQ_COND_GT);
}
