/* expr.c - libmatheval wrapper with variable checking (see include/nnq/expr.h). */
#include "nnq/expr.h"

#include "nnq/grid.h"

#include <ctype.h>
#include <math.h>
#include <matheval.h>
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
 * V(q, t) = G_0(q) + u(t) + sum_k f_k(t) G_k(q) where the text is a sum of terms, each a
 * product of factors that depend on t only or on the point only (q, L; hbar and mass are
 * constants). The split is read off the user's text (libmatheval keeps its tree private and
 * prints numbers to 6 digits) and then checked against the whole expression at sample points
 * and times, so a misread text can only cost speed.
 */

#define MAX_TERMS 8
#define MAX_PIECES 64
#define MAX_PRODUCTS 32
#define SAMPLE_POINTS 257
enum { CAP = 256 }; /* the longest text of a piece or product */

/* Invariants: e and g are borrowed; G0 == NULL: point by point (terms == 0); otherwise G0
 * and G[0..terms) hold local_size values each, u is NULL when no term depends on t only. */
struct nnq_expr_field {
    const struct nnq_expr *e;
    const struct nnq_grid *g;
    double hbar, mass;
    int terms;
    struct nnq_expr *u, *f[MAX_TERMS];
    double *G0, *G[MAX_TERMS];
};

struct piece {
    size_t start, end;
    char op; /* the operator before it: '+', '-' (sums), '*', '/' (products) */
};

static int ident_char(char c) { return isalnum((unsigned char)c) || c == '_'; }

/* 1 when the '+' or '-' at s[k] is a binary operator: an operand ends before it, and that
 * operand is not the mantissa of a number's exponent (1e-3). */
static int binary_sign(const char *s, size_t k) {
    size_t j = k;
    while (j > 0 && (s[j - 1] == ' ' || s[j - 1] == '\t'))
        j--;
    if (j == 0 || !(ident_char(s[j - 1]) || s[j - 1] == '.' || s[j - 1] == ')'))
        return 0;
    if (j == k && (s[j - 1] == 'e' || s[j - 1] == 'E')) {
        size_t m = j - 1, digits = 0;
        while (m > 0 && (isdigit((unsigned char)s[m - 1]) || s[m - 1] == '.'))
            digits += isdigit((unsigned char)s[--m]) != 0;
        if (digits > 0 && (m == 0 || !ident_char(s[m - 1])))
            return 0;
    }
    return 1;
}

/* The top-level pieces of s[start, end) between the operators of `ops` ("+-" or "*^/" read
 * as "* /"); the first piece's op is ops[0]. Returns their count, or -1 past max. */
static int split_top(const char *s, size_t start, size_t end, const char *ops, struct piece *out,
                     int max) {
    int n = 0, depth = 0;
    size_t from = start;
    char op = ops[0];
    for (size_t k = start; k < end; k++) {
        const char c = s[k];
        depth += (c == '(') - (c == ')');
        const int sums = ops[0] == '+';
        const int cut = depth == 0 &&
                        (sums ? (c == '+' || c == '-') && binary_sign(s, k) : c == '*' || c == '/');
        if (!cut)
            continue;
        if (n == max)
            return -1;
        out[n++] = (struct piece){from, k, op};
        op = c;
        from = k + 1;
    }
    if (n == max)
        return -1;
    out[n++] = (struct piece){from, end, op};
    return n;
}

/* Appends "op(s[p])" to buf (size cap). Returns 0 when it does not fit. */
static int append(char *buf, size_t cap, char op, const char *s, const struct piece *p) {
    const size_t len = strlen(buf);
    const int w =
        snprintf(buf + len, cap - len, "%c(%.*s)", op, (int)(p->end - p->start), s + p->start);
    return w > 0 && (size_t)w < cap - len;
}

/* What a piece of text depends on: bit 1 t, bit 2 the point; -1 when it does not compile. */
static int depends(const struct nnq_expr *e, const char *s, const struct piece *p) {
    char buf[256];
    if (p->end - p->start + 1 > sizeof buf)
        return -1;
    snprintf(buf, sizeof buf, "%.*s", (int)(p->end - p->start), s + p->start);
    struct nnq_expr *x = NULL;
    struct nnq_err err = {0};
    if (nnq_expr_create(buf, e->dims, &e->vars, &x, &err) != NNQ_OK)
        return -1;
    int dep = 0;
    for (int i = 0; i < x->nused; i++)
        dep |= x->used[i] == VAR_T ? 1 : x->used[i] == VAR_HBAR || x->used[i] == VAR_MASS ? 0 : 2;
    nnq_expr_destroy(x);
    return dep;
}

/* Orders pieces of s by operator, then text. */
static int piece_cmp(const char *s, const struct piece *a, const struct piece *b) {
    if (a->op != b->op)
        return a->op < b->op ? -1 : 1;
    const size_t na = a->end - a->start, nb = b->end - b->start;
    const int c = strncmp(s + a->start, s + b->start, na < nb ? na : nb);
    return c ? c : (na > nb) - (na < nb);
}

/* Builds the texts of G0, u and the (f_k, G_k) of s (an expression in e's variables); terms
 * with the same G text share one (their f's are added). Returns the number of terms k, or -1
 * when the text does not split so. */
static int split_text(const struct nnq_expr *e, const char *s, char *g0, char *u, char (*f)[CAP],
                      char (*G)[CAP], size_t cap) {
    struct piece terms[MAX_PIECES], factors[MAX_PIECES];
    const int nt = split_top(s, 0, strlen(s), "+-", terms, MAX_PIECES);
    int k = 0;
    strcpy(g0, "0");
    strcpy(u, "0");
    for (int i = 0; i < nt; i++) {
        const int dep = depends(e, s, &terms[i]);
        if (dep < 0)
            return -1;
        if (dep != 3) { /* the point only, or t only */
            if (!append(dep == 1 ? u : g0, cap, terms[i].op, s, &terms[i]))
                return -1;
            continue;
        }
        const int nf = split_top(s, terms[i].start, terms[i].end, "*/", factors, MAX_PIECES);
        if (nf < 2 || k == MAX_TERMS)
            return -1;
        snprintf(f[k], cap, "%s1", terms[i].op == '-' ? "-" : "");
        strcpy(G[k], "1");
        int pts[MAX_PIECES], np = 0; /* the point factors; t's and constants go to f */
        for (int j = 0; j < nf; j++) {
            const int fd = depends(e, s, &factors[j]);
            if (fd < 0 || fd == 3)
                return -1;
            if (fd == 2)
                pts[np++] = j;
            else if (!append(f[k], cap, factors[j].op, s, &factors[j]))
                return -1;
        }
        /* in one order, so that x*t*x and x*x*t share G = x*x */
        for (int a = 1; a < np; a++)
            for (int b = a; b > 0 && piece_cmp(s, &factors[pts[b - 1]], &factors[pts[b]]) > 0;
                 b--) {
                const int swap = pts[b];
                pts[b] = pts[b - 1];
                pts[b - 1] = swap;
            }
        for (int a = 0; a < np; a++)
            if (!append(G[k], cap, factors[pts[a]].op, s, &factors[pts[a]]))
                return -1;
        int same = 0;
        while (same < k && strcmp(G[same], G[k]) != 0)
            same++;
        if (same == k) {
            k++;
            continue;
        }
        char add[CAP];
        snprintf(add, sizeof add, "%s", f[k]);
        if (!append(f[same], cap, '+', add, &(struct piece){0, strlen(add), '+'}))
            return -1;
    }
    return nt > 0 ? k : -1;
}

/* ---- products of sums multiplied out ----
 * 0.5*(x - a*sin(t))^2 is not such a sum of terms as written; multiplied out it is:
 * 0.5*x*x - 0.5*x*a*sin(t) - ... . expand() rewrites a text into a list of signed products,
 * multiplying out each factor that is a parenthesised expression, or one to a literal power
 * 2..4, and keeping every other factor as written; what is not a '*' factor (a divisor, a
 * function's argument) stays whole. */

struct product {
    int sign;
    char text[CAP];
};

/* The parenthesised expression of a factor s[p): its inside [*a, *b) and the power (1 without
 * one, else the literal 2..4 after '^'); 0 when the factor is not of that form. */
static int paren_power(const char *s, const struct piece *p, size_t *a, size_t *b, int *power) {
    size_t i = p->start, end = p->end;
    while (i < end && isspace((unsigned char)s[i]))
        i++;
    while (end > i && isspace((unsigned char)s[end - 1]))
        end--;
    if (i == end || s[i] != '(')
        return 0;
    size_t c = i;
    for (int depth = 0; c < end; c++) {
        depth += (s[c] == '(') - (s[c] == ')');
        if (depth == 0)
            break;
    }
    if (c == end)
        return 0;
    *a = i + 1;
    *b = c;
    size_t k = c + 1;
    while (k < end && isspace((unsigned char)s[k]))
        k++;
    if (k == end)
        return *power = 1;
    if (s[k++] != '^')
        return 0;
    while (k < end && isspace((unsigned char)s[k]))
        k++;
    if (k + 1 != end || s[k] < '2' || s[k] > '4')
        return 0;
    return *power = s[k] - '0';
}

/* out[0..*n) = each of x[0..nx) times each of y[0..ny); 0 when more than max or too long. */
static int times_products(const struct product *x, int nx, const struct product *y, int ny,
                          struct product *out, int *n, int max) {
    *n = 0;
    for (int i = 0; i < nx; i++)
        for (int j = 0; j < ny; j++) {
            if (*n == max)
                return 0;
            struct product *o = &out[(*n)++];
            o->sign = x[i].sign * y[j].sign;
            /* y's text is "1" and its factors, each after a '*' or '/': as left-associative
             * as x's, so appended as it is */
            const int w = snprintf(o->text, CAP, "%s*%s", x[i].text, y[j].text);
            if (w < 0 || w >= CAP)
                return 0;
        }
    return 1;
}

/* The signed products whose sum is s[start, end): out[0..*n), at most max. Returns 0 when they
 * do not fit (or nest deeper than 4). */
static int expand(const char *s, size_t start, size_t end, int depth, struct product *out, int *n,
                  int max) {
    struct piece terms[MAX_PIECES], factors[MAX_PIECES];
    const int nt = split_top(s, start, end, "+-", terms, MAX_PIECES);
    struct product *block = malloc(3 * (size_t)max * sizeof *block);
    if (!block)
        return 0;
    struct product *cur = block, *next = block + max, *inner = block + 2 * max;
    int ok = nt > 0 && depth < 4;
    *n = 0;
    for (int i = 0; ok && i < nt; i++) {
        struct piece t = terms[i];
        int sign = t.op == '-' ? -1 : 1;
        while (t.start < t.end && isspace((unsigned char)s[t.start]))
            t.start++;
        if (t.start < t.end && (s[t.start] == '-' || s[t.start] == '+'))
            sign *= s[t.start++] == '-' ? -1 : 1; /* -x^2 is -(x^2) in libmatheval too */
        const int nf = split_top(s, t.start, t.end, "*/", factors, MAX_PIECES);
        int ncur = 1, ninner;
        cur[0] = (struct product){sign, "1"};
        for (int j = 0; ok && j < nf; j++) {
            size_t a, b;
            int power;
            if (factors[j].op == '*' && paren_power(s, &factors[j], &a, &b, &power)) {
                ok = expand(s, a, b, depth + 1, inner, &ninner, max);
                for (int r = 0; ok && r < power; r++) {
                    ok = times_products(cur, ncur, inner, ninner, next, &ncur, max);
                    struct product *swap = cur;
                    cur = next;
                    next = swap;
                }
            } else
                for (int c = 0; ok && c < ncur; c++)
                    ok = append(cur[c].text, CAP, factors[j].op, s, &factors[j]);
        }
        for (int c = 0; ok && c < ncur; c++)
            if ((ok = *n < max))
                out[(*n)++] = cur[c];
    }
    free(block);
    return ok;
}

/* The split of e's text (split_text), or where that fails, of its products multiplied out. */
static int split(const struct nnq_expr *e, char *g0, char *u, char (*f)[CAP], char (*G)[CAP]) {
    int terms = split_text(e, e->text, g0, u, f, G, CAP);
    if (terms >= 0)
        return terms;
    struct product *p = malloc(MAX_PRODUCTS * sizeof *p);
    char *text = malloc(MAX_PRODUCTS * (CAP + 1));
    int n;
    if (p && text && expand(e->text, 0, strlen(e->text), 0, p, &n, MAX_PRODUCTS)) {
        size_t len = 0; /* without blanks, so that "(x )" and "(x)" are one G */
        for (int i = 0; i < n; i++) {
            if (p[i].sign < 0 || i > 0)
                text[len++] = p[i].sign < 0 ? '-' : '+';
            for (const char *c = p[i].text; *c; c++)
                if (!isspace((unsigned char)*c))
                    text[len++] = *c;
        }
        text[len] = '\0';
        terms = split_text(e, text, g0, u, f, G, CAP);
    }
    free(p);
    free(text);
    return terms;
}

static void fill_pointwise(const struct nnq_expr_field *fd, double t, const double *L, double *V) {
    const struct nnq_grid *g = fd->g;
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

/* 1 when the split form equals the expression at sample points of the slab and times. */
static int split_agrees(const struct nnq_expr_field *fd, const double *L) {
    const struct nnq_grid *g = fd->g;
    static const double times[] = {0.0, 0.37, 1.9, 7.3, 61.0};
    const ptrdiff_t stride = g->local_size / SAMPLE_POINTS + 1;
    for (size_t k = 0; k < sizeof times / sizeof times[0]; k++) {
        const double t = times[k], u = fd->u ? scalar(fd, fd->u, t) : 0.0;
        double f[MAX_TERMS];
        for (int j = 0; j < fd->terms; j++)
            f[j] = scalar(fd, fd->f[j], t);
        for (ptrdiff_t idx = 0; idx < g->local_size; idx += stride) {
            const ptrdiff_t i0 = idx / (g->n[1] * g->n[2]), i1 = idx / g->n[2] % g->n[1],
                            i2 = idx % g->n[2];
            const double q[3] = {g->q[0][g->local_0_start + i0], g->q[1][i1], g->q[2][i2]};
            const double v = nnq_expr_eval(fd->e, q, t, fd->hbar, fd->mass, L ? L[idx] : 0.0);
            double w = fd->G0[idx] + u, scale = fabs(fd->G0[idx]) + fabs(u) + fabs(v);
            for (int j = 0; j < fd->terms; j++) {
                w += f[j] * fd->G[j][idx];
                scale += fabs(f[j] * fd->G[j][idx]);
            }
            if (isfinite(v) != isfinite(w) || (isfinite(v) && !(fabs(w - v) <= 1e-12 * scale)))
                return 0;
        }
    }
    return 1;
}

/* Compiles the pieces of a split and tabulates its G's; 0 when any fails. */
static int tabulate(struct nnq_expr_field *fd, const char *g0, const char *u, char (*f)[CAP],
                    char (*G)[CAP], int terms, const double *L) {
    const struct nnq_expr *e = fd->e;
    struct nnq_err err = {0};
    struct nnq_expr *gx[MAX_TERMS + 1] = {0};
    const size_t bytes = sizeof(double) * (size_t)(fd->g->local_size > 0 ? fd->g->local_size : 1);
    int ok =
        nnq_expr_create(g0, e->dims, &e->vars, &gx[0], &err) == NNQ_OK &&
        (strcmp(u, "0") == 0 || nnq_expr_create(u, e->dims, &e->vars, &fd->u, &err) == NNQ_OK) &&
        (fd->G0 = malloc(bytes)) != NULL;
    for (int j = 0; ok && j < terms; j++)
        ok = nnq_expr_create(f[j], e->dims, &e->vars, &fd->f[j], &err) == NNQ_OK &&
             nnq_expr_create(G[j], e->dims, &e->vars, &gx[j + 1], &err) == NNQ_OK &&
             (fd->G[j] = malloc(bytes)) != NULL;
    if (ok) {
        struct nnq_expr_field one = *fd;
        one.e = gx[0];
        fill_pointwise(&one, 0.0, L, fd->G0);
        for (int j = 0; j < terms; j++) {
            one.e = gx[j + 1];
            fill_pointwise(&one, 0.0, L, fd->G[j]);
        }
        fd->terms = terms;
    }
    for (int j = 0; j <= terms; j++)
        nnq_expr_destroy(gx[j]);
    return ok;
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
}

enum nnq_status nnq_expr_field_create(const struct nnq_expr *e, const struct nnq_grid *g,
                                      double hbar, double mass, const double *L,
                                      struct nnq_expr_field **out, struct nnq_err *err) {
    *out = NULL;
    struct nnq_expr_field *fd = calloc(1, sizeof *fd);
    if (!fd)
        return nnq_err_set(err, NNQ_ERR_RUNTIME, "out of memory");
    *fd = (struct nnq_expr_field){.e = e, .g = g, .hbar = hbar, .mass = mass};
    char g0[CAP], u[CAP], f[MAX_TERMS][CAP], G[MAX_TERMS][CAP];
    const int terms = e->uses_t && (L || !e->uses_L) ? split(e, g0, u, f, G) : -1;
    if (terms >= 0 && !(tabulate(fd, g0, u, f, G, terms, L) && split_agrees(fd, L)))
        field_clear(fd);
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
    char g0[CAP], u[CAP], f[MAX_TERMS][CAP], G[MAX_TERMS][CAP];
    const int terms = e->uses_t ? split(e, g0, u, f, G) : -1;
    return terms < 0 ? 0 : 1 + terms;
}

int nnq_expr_field_terms(const struct nnq_expr_field *fd) { return fd->G0 ? fd->terms : -1; }

void nnq_expr_field_destroy(struct nnq_expr_field *fd) {
    if (!fd)
        return;
    field_clear(fd);
    free(fd);
}
