/* expr_tree.c - libmatheval's tree of a text, rebuilt (see include/nnq/expr_tree.h). */
#include "nnq/expr_tree.h"

#include <ctype.h>
#include <math.h>
#include <matheval.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Binding powers: prefix minus binds its operand up to (and with) '^'. */
enum { PREC_SUM = 1, PREC_PRODUCT = 2, PREC_NEG = 3, PREC_POW = 4 };

struct parser {
    const char *s;
    int failed;
};

static void skip_blanks(struct parser *p) {
    while (*p->s == ' ' || *p->s == '\t' || *p->s == '\n' || *p->s == '\r')
        p->s++;
}

static struct nnq_expr_node *node(enum nnq_expr_op op, struct nnq_expr_node *a,
                                  struct nnq_expr_node *b) {
    struct nnq_expr_node *n = calloc(1, sizeof *n);
    if (!n) {
        nnq_expr_tree_free(a);
        nnq_expr_tree_free(b);
        return NULL;
    }
    n->op = op;
    n->a = a;
    n->b = b;
    return n;
}

static struct nnq_expr_node *number(double v) {
    struct nnq_expr_node *n = node(NNQ_EXPR_NUM, NULL, NULL);
    if (n)
        n->num = v;
    return n;
}

static int is_num(const struct nnq_expr_node *n, double v) {
    return n->op == NNQ_EXPR_NUM && n->num == v;
}

/* n's node replaced by its child `keep` (the other freed). */
static struct nnq_expr_node *collapse(struct nnq_expr_node *n, struct nnq_expr_node *keep) {
    if (n->a != keep)
        nnq_expr_tree_free(n->a);
    if (n->b != keep)
        nnq_expr_tree_free(n->b);
    free(n);
    return keep;
}

static struct nnq_expr_node *replace_by_number(struct nnq_expr_node *n, double v) {
    nnq_expr_tree_free(n->a);
    nnq_expr_tree_free(n->b);
    n->a = n->b = NULL;
    n->op = NNQ_EXPR_NUM;
    n->num = v;
    n->name[0] = '\0';
    return n;
}

/* libmatheval's function of a number, by libmatheval itself; NaN marks a failure in *ok. */
static double fold_function(const char *name, double x, int *ok) {
    char text[NNQ_EXPR_NAME_MAX + 40];
    snprintf(text, sizeof text, "%s(%.17g)", name, x);
    void *ev = evaluator_create(text);
    if (!ev) {
        *ok = 0;
        return NAN;
    }
    const double v = evaluator_evaluate(ev, 0, NULL, NULL);
    evaluator_destroy(ev);
    return v;
}

/* libmatheval's simplifications of n, whose children are simplified. */
static struct nnq_expr_node *simplify(struct nnq_expr_node *n, struct parser *p) {
    if (!n)
        return NULL;
    const int binary = n->op >= NNQ_EXPR_ADD;
    if ((n->op >= NNQ_EXPR_FUN && !n->a) || (binary && !n->b)) {
        p->failed = 1; /* an operand missing: the parse fails, the tree is freed whole */
        return n;
    }
    switch (n->op) {
    case NNQ_EXPR_NUM:
    case NNQ_EXPR_NAME:
        return n;
    case NNQ_EXPR_FUN:
        if (n->a->op == NNQ_EXPR_NUM) {
            int ok = 1;
            const double v = fold_function(n->name, n->a->num, &ok);
            p->failed |= !ok;
            return replace_by_number(n, v);
        }
        return n;
    case NNQ_EXPR_NEG:
        return n->a->op == NNQ_EXPR_NUM ? replace_by_number(n, -n->a->num) : n;
    default:
        break;
    }
    if (n->a->op == NNQ_EXPR_NUM && n->b->op == NNQ_EXPR_NUM) {
        const double a = n->a->num, b = n->b->num;
        switch (n->op) {
        case NNQ_EXPR_ADD:
            return replace_by_number(n, a + b);
        case NNQ_EXPR_SUB:
            return replace_by_number(n, a - b);
        case NNQ_EXPR_MUL:
            return replace_by_number(n, a * b);
        case NNQ_EXPR_DIV:
            return replace_by_number(n, a / b);
        default:
            return replace_by_number(n, pow(a, b));
        }
    }
    switch (n->op) {
    case NNQ_EXPR_ADD:
        return is_num(n->a, 0) ? collapse(n, n->b) : is_num(n->b, 0) ? collapse(n, n->a) : n;
    case NNQ_EXPR_SUB:
        return is_num(n->b, 0) ? collapse(n, n->a) : n;
    case NNQ_EXPR_MUL:
        return is_num(n->a, 1) ? collapse(n, n->b) : is_num(n->b, 1) ? collapse(n, n->a) : n;
    case NNQ_EXPR_DIV:
        return is_num(n->b, 1) ? collapse(n, n->a) : n;
    default: /* POW */
        if (is_num(n->b, 1))
            return collapse(n, n->a);
        if (is_num(n->b, 0) || is_num(n->a, 1))
            return replace_by_number(n, 1.0);
        if (is_num(n->a, 0))
            return replace_by_number(n, 0.0);
        return n;
    }
}

static struct nnq_expr_node *parse_expr(struct parser *p, int min_prec);

/* A number as libmatheval's scanner reads one: digits with an optional fraction and
 * exponent, or a fraction alone (.5). */
static struct nnq_expr_node *parse_number(struct parser *p) {
    const char *s = p->s;
    size_t k = 0;
    while (isdigit((unsigned char)s[k]))
        k++;
    if (s[k] == '.') {
        k++;
        while (isdigit((unsigned char)s[k]))
            k++;
    }
    if (k == 1 && s[0] == '.') {
        p->failed = 1;
        return NULL;
    }
    if (s[k] == 'e' || s[k] == 'E') {
        size_t m = k + 1;
        if (s[m] == '+' || s[m] == '-')
            m++;
        if (isdigit((unsigned char)s[m])) {
            while (isdigit((unsigned char)s[m]))
                m++;
            k = m;
        }
    }
    char buf[512];
    if (k >= sizeof buf) {
        p->failed = 1;
        return NULL;
    }
    memcpy(buf, s, k);
    buf[k] = '\0';
    p->s += k;
    return number(strtod(buf, NULL));
}

/* A number, a name, a function call, a parenthesised expression or a prefix minus. */
static struct nnq_expr_node *parse_prefix(struct parser *p) {
    skip_blanks(p);
    const char c = *p->s;
    if (c == '-') {
        p->s++;
        return simplify(node(NNQ_EXPR_NEG, parse_expr(p, PREC_POW), NULL), p);
    }
    if (c == '(') {
        p->s++;
        struct nnq_expr_node *n = parse_expr(p, PREC_SUM);
        skip_blanks(p);
        if (*p->s != ')')
            p->failed = 1;
        else
            p->s++;
        return n;
    }
    if (isdigit((unsigned char)c) || c == '.')
        return parse_number(p);
    if (!(isalpha((unsigned char)c) || c == '_')) {
        p->failed = 1;
        return NULL;
    }
    size_t k = 0;
    while (isalnum((unsigned char)p->s[k]) || p->s[k] == '_')
        k++;
    if (k >= NNQ_EXPR_NAME_MAX) {
        p->failed = 1;
        return NULL;
    }
    char name[NNQ_EXPR_NAME_MAX];
    memcpy(name, p->s, k);
    name[k] = '\0';
    p->s += k;
    skip_blanks(p);
    struct nnq_expr_node *n;
    if (*p->s == '(') {
        p->s++;
        n = node(NNQ_EXPR_FUN, parse_expr(p, PREC_SUM), NULL);
        skip_blanks(p);
        if (*p->s != ')')
            p->failed = 1;
        else
            p->s++;
    } else
        n = node(NNQ_EXPR_NAME, NULL, NULL);
    if (n)
        memcpy(n->name, name, k + 1);
    return simplify(n, p);
}

/* The binary operator at p->s and its precedence, or 0. */
static int binary_op(const struct parser *p, enum nnq_expr_op *op) {
    switch (*p->s) {
    case '+':
        *op = NNQ_EXPR_ADD;
        return PREC_SUM;
    case '-':
        *op = NNQ_EXPR_SUB;
        return PREC_SUM;
    case '*':
        *op = NNQ_EXPR_MUL;
        return PREC_PRODUCT;
    case '/':
        *op = NNQ_EXPR_DIV;
        return PREC_PRODUCT;
    case '^':
        *op = NNQ_EXPR_POW;
        return PREC_POW;
    default:
        return 0;
    }
}

/* Precedence climbing; every binary operator is left-associative. */
static struct nnq_expr_node *parse_expr(struct parser *p, int min_prec) {
    struct nnq_expr_node *lhs = parse_prefix(p);
    for (;;) {
        if (p->failed || !lhs)
            break;
        skip_blanks(p);
        enum nnq_expr_op op;
        const int prec = binary_op(p, &op);
        if (prec == 0 || prec < min_prec)
            break;
        p->s++;
        struct nnq_expr_node *rhs = parse_expr(p, prec + 1);
        lhs = simplify(node(op, lhs, rhs), p);
    }
    if (!lhs)
        p->failed = 1;
    return lhs;
}

struct nnq_expr_node *nnq_expr_tree_parse(const char *text) {
    struct parser p = {text, 0};
    struct nnq_expr_node *n = parse_expr(&p, PREC_SUM);
    skip_blanks(&p);
    if (p.failed || *p.s != '\0' || !n) {
        nnq_expr_tree_free(n);
        return NULL;
    }
    return n;
}

/* ---- printing ---------------------------------------------------------------------------- */

struct out {
    char *buf;
    size_t cap, len;
};

__attribute__((format(printf, 2, 3))) static void put(struct out *o, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    const size_t room = o->len < o->cap ? o->cap - o->len : 0;
    const int w = vsnprintf(room ? o->buf + o->len : NULL, room, fmt, ap);
    va_end(ap);
    if (w > 0)
        o->len += (size_t)w;
}

static void print(const struct nnq_expr_node *n, int digits, struct out *o) {
    static const char ops[] = {[NNQ_EXPR_ADD] = '+',
                               [NNQ_EXPR_SUB] = '-',
                               [NNQ_EXPR_MUL] = '*',
                               [NNQ_EXPR_DIV] = '/',
                               [NNQ_EXPR_POW] = '^'};
    switch (n->op) {
    case NNQ_EXPR_NUM:
        put(o, n->num < 0 ? "(%.*g)" : "%.*g", digits, n->num);
        return;
    case NNQ_EXPR_NAME:
        put(o, "%s", n->name);
        return;
    case NNQ_EXPR_FUN:
        put(o, "%s(", n->name);
        print(n->a, digits, o);
        put(o, ")");
        return;
    case NNQ_EXPR_NEG:
        put(o, "(-");
        print(n->a, digits, o);
        put(o, ")");
        return;
    default:
        put(o, "(");
        print(n->a, digits, o);
        put(o, "%c", ops[n->op]);
        print(n->b, digits, o);
        put(o, ")");
    }
}

size_t nnq_expr_tree_print(const struct nnq_expr_node *n, int digits, char *buf, size_t cap) {
    struct out o = {buf, cap, 0};
    if (cap)
        buf[0] = '\0';
    print(n, digits, &o);
    if (cap)
        buf[o.len < cap ? o.len : cap - 1] = '\0';
    return o.len;
}

char *nnq_expr_tree_text(const struct nnq_expr_node *n) {
    const size_t len = nnq_expr_tree_print(n, 17, NULL, 0);
    char *text = malloc(len + 1);
    if (text)
        nnq_expr_tree_print(n, 17, text, len + 1);
    return text;
}

int nnq_expr_tree_same(const struct nnq_expr_node *tree, void *ev) {
    const char *theirs = evaluator_get_string(ev);
    const size_t len = nnq_expr_tree_print(tree, 6, NULL, 0);
    char *ours = theirs ? malloc(len + 1) : NULL;
    if (!ours)
        return 0;
    nnq_expr_tree_print(tree, 6, ours, len + 1);
    const int same = strcmp(ours, theirs) == 0;
    free(ours);
    return same;
}

struct nnq_expr_node *nnq_expr_tree_copy(const struct nnq_expr_node *n) {
    if (!n)
        return NULL;
    struct nnq_expr_node *c = malloc(sizeof *c);
    if (!c)
        return NULL;
    *c = *n;
    c->a = nnq_expr_tree_copy(n->a);
    c->b = nnq_expr_tree_copy(n->b);
    if ((n->a && !c->a) || (n->b && !c->b)) {
        nnq_expr_tree_free(c);
        return NULL;
    }
    return c;
}

void nnq_expr_tree_free(struct nnq_expr_node *n) {
    if (!n)
        return;
    nnq_expr_tree_free(n->a);
    nnq_expr_tree_free(n->b);
    free(n);
}

/* ---- derivatives ------------------------------------------------------------------------- */

/* f'(u) for the functions of libmatheval that are differentiable wherever they are defined,
 * in the placeholder u (libmatheval's own derivatives of asinh and acoth are wrong: tested). */
static const struct {
    const char *name, *rule;
} rules[] = {{"exp", "exp(u)"},
             {"log", "1/u"},
             {"sqrt", "1/(2*sqrt(u))"},
             {"sin", "cos(u)"},
             {"cos", "-sin(u)"},
             {"tan", "1/cos(u)^2"},
             {"cot", "-1/sin(u)^2"},
             {"sec", "sec(u)*tan(u)"},
             {"csc", "-csc(u)*cot(u)"},
             {"asin", "1/sqrt(1-u^2)"},
             {"acos", "-1/sqrt(1-u^2)"},
             {"atan", "1/(1+u^2)"},
             {"acot", "-1/(1+u^2)"},
             {"asec", "1/(abs(u)*sqrt(u^2-1))"},
             {"acsc", "-1/(abs(u)*sqrt(u^2-1))"},
             {"sinh", "cosh(u)"},
             {"cosh", "sinh(u)"},
             {"tanh", "1/cosh(u)^2"},
             {"coth", "-1/sinh(u)^2"},
             {"sech", "-sech(u)*tanh(u)"},
             {"csch", "-csch(u)*coth(u)"},
             {"asinh", "1/sqrt(u^2+1)"},
             {"acosh", "1/sqrt(u^2-1)"},
             {"atanh", "1/(1-u^2)"},
             {"acoth", "1/(1-u^2)"},
             {"asech", "-1/(u*sqrt(1-u^2))"},
             {"acsch", "-1/(abs(u)*sqrt(1+u^2))"},
             {"abs", "2*step(u)-1"},
             {"erf", "1.1283791670955126*exp(-u^2)"}}; /* 2/sqrt(pi) */

/* The derivative's state: the variable's names; nodes: how many it has made (copies
 * included); failed: no derivative (a function without a rule, a jump, more than
 * NNQ_EXPR_DERIVATIVE_NODES nodes) or out of memory. */
struct deriv {
    const char *const *names;
    int count, failed;
    long nodes;
};

static long tree_size(const struct nnq_expr_node *n) {
    return n ? 1 + tree_size(n->a) + tree_size(n->b) : 0;
}

static int is_var(const struct deriv *dv, const char *name) {
    for (int i = 0; i < dv->count; i++)
        if (strcmp(dv->names[i], name) == 0)
            return 1;
    return 0;
}

static int depends(const struct deriv *dv, const struct nnq_expr_node *n) {
    if (!n)
        return 0;
    if (n->op == NNQ_EXPR_NAME)
        return is_var(dv, n->name);
    return depends(dv, n->a) || depends(dv, n->b);
}

/* A copy of n, failing dv where memory runs out. */
static struct nnq_expr_node *copy(struct deriv *dv, const struct nnq_expr_node *n) {
    dv->nodes += tree_size(n);
    dv->failed |= dv->nodes > NNQ_EXPR_DERIVATIVE_NODES;
    struct nnq_expr_node *c = dv->failed ? NULL : nnq_expr_tree_copy(n);
    dv->failed |= !c;
    return c;
}

/* op(a, b), failing dv (and freeing a and b) where either is missing. */
static struct nnq_expr_node *make(struct deriv *dv, enum nnq_expr_op op, struct nnq_expr_node *a,
                                  struct nnq_expr_node *b) {
    const int binary = op >= NNQ_EXPR_ADD;
    if (dv->failed || !a || (binary && !b)) {
        dv->failed = 1;
        nnq_expr_tree_free(a);
        nnq_expr_tree_free(b);
        return NULL;
    }
    struct nnq_expr_node *n = ++dv->nodes > NNQ_EXPR_DERIVATIVE_NODES ? NULL : node(op, a, b);
    if (!n && dv->nodes > NNQ_EXPR_DERIVATIVE_NODES) {
        nnq_expr_tree_free(a);
        nnq_expr_tree_free(b);
    }
    dv->failed |= !n;
    return n;
}

static struct nnq_expr_node *make_number(struct deriv *dv, double v) {
    struct nnq_expr_node *n = dv->failed ? NULL : number(v);
    dv->failed |= !n;
    return n;
}

/* The rule's tree with every u replaced by a copy of arg. */
static struct nnq_expr_node *substitute(struct deriv *dv, struct nnq_expr_node *rule,
                                        const struct nnq_expr_node *arg) {
    if (!rule || dv->failed)
        return rule;
    if (rule->op == NNQ_EXPR_NAME && strcmp(rule->name, "u") == 0) {
        nnq_expr_tree_free(rule);
        return copy(dv, arg);
    }
    rule->a = substitute(dv, rule->a, arg);
    rule->b = substitute(dv, rule->b, arg);
    return rule;
}

/* f'(a) for the function node f(a). */
static struct nnq_expr_node *outer(struct deriv *dv, const struct nnq_expr_node *f) {
    for (size_t k = 0; k < sizeof rules / sizeof rules[0]; k++)
        if (strcmp(rules[k].name, f->name) == 0) {
            struct nnq_expr_node *rule = nnq_expr_tree_parse(rules[k].rule);
            dv->failed |= !rule;
            return substitute(dv, rule, f->a);
        }
    dv->failed = 1; /* step, delta, nandelta, or a function without a rule */
    return NULL;
}

/* d n / d var, NULL for zero (n does not depend on it) or a failure (dv->failed). */
static struct nnq_expr_node *derive(struct deriv *dv, const struct nnq_expr_node *n) {
    if (dv->failed || !depends(dv, n))
        return NULL;
    struct nnq_expr_node *da = NULL, *db = NULL;
    switch (n->op) {
    case NNQ_EXPR_NAME:
        return make_number(dv, 1.0);
    case NNQ_EXPR_NEG:
        return make(dv, NNQ_EXPR_NEG, derive(dv, n->a), NULL);
    case NNQ_EXPR_FUN:
        return make(dv, NNQ_EXPR_MUL, outer(dv, n), derive(dv, n->a));
    default:
        break;
    }
    da = derive(dv, n->a);
    db = derive(dv, n->b);
    if (dv->failed) {
        nnq_expr_tree_free(da);
        nnq_expr_tree_free(db);
        return NULL;
    }
    switch (n->op) {
    case NNQ_EXPR_ADD:
        return !da ? db : !db ? da : make(dv, NNQ_EXPR_ADD, da, db);
    case NNQ_EXPR_SUB:
        return !db ? da : !da ? make(dv, NNQ_EXPR_NEG, db, NULL) : make(dv, NNQ_EXPR_SUB, da, db);
    case NNQ_EXPR_MUL: { /* a' b + a b' */
        struct nnq_expr_node *l = da ? make(dv, NNQ_EXPR_MUL, da, copy(dv, n->b)) : NULL;
        struct nnq_expr_node *r = db ? make(dv, NNQ_EXPR_MUL, copy(dv, n->a), db) : NULL;
        return !l ? r : !r ? l : make(dv, NNQ_EXPR_ADD, l, r);
    }
    case NNQ_EXPR_DIV: { /* a' / b - a b' / b^2 */
        struct nnq_expr_node *l = da ? make(dv, NNQ_EXPR_DIV, da, copy(dv, n->b)) : NULL;
        struct nnq_expr_node *r =
            db ? make(dv, NNQ_EXPR_DIV, make(dv, NNQ_EXPR_MUL, copy(dv, n->a), db),
                      make(dv, NNQ_EXPR_POW, copy(dv, n->b), make_number(dv, 2.0)))
               : NULL;
        return !r ? l : !l ? make(dv, NNQ_EXPR_NEG, r, NULL) : make(dv, NNQ_EXPR_SUB, l, r);
    }
    default: /* POW: b a^(b-1) a' where b is constant, else a^b (b' log a + b a' / a) */
        if (!db)
            return make(dv, NNQ_EXPR_MUL,
                        make(dv, NNQ_EXPR_MUL, copy(dv, n->b),
                             make(dv, NNQ_EXPR_POW, copy(dv, n->a),
                                  make(dv, NNQ_EXPR_SUB, copy(dv, n->b), make_number(dv, 1.0)))),
                        da);
        struct nnq_expr_node *log_a = make_number(dv, 0.0);
        if (log_a) {
            log_a->op = NNQ_EXPR_FUN;
            snprintf(log_a->name, sizeof log_a->name, "log");
            log_a->a = copy(dv, n->a);
        }
        struct nnq_expr_node *sum = make(dv, NNQ_EXPR_MUL, db, log_a);
        if (da)
            sum = make(
                dv, NNQ_EXPR_ADD, sum,
                make(dv, NNQ_EXPR_DIV, make(dv, NNQ_EXPR_MUL, copy(dv, n->b), da), copy(dv, n->a)));
        return make(dv, NNQ_EXPR_MUL, copy(dv, n), sum);
    }
}

/* simplify() over the whole of n, children first. */
static struct nnq_expr_node *simplify_all(struct nnq_expr_node *n, struct parser *p) {
    if (!n)
        return NULL;
    n->a = simplify_all(n->a, p);
    n->b = simplify_all(n->b, p);
    return simplify(n, p);
}

struct nnq_expr_node *nnq_expr_tree_derivative(const struct nnq_expr_node *n,
                                               const char *const *names, int count) {
    struct deriv dv = {names, count, 0, 0};
    struct nnq_expr_node *d = derive(&dv, n);
    if (!dv.failed && !d)
        d = make_number(&dv, 0.0);
    struct parser p = {"", 0};
    d = dv.failed ? d : simplify_all(d, &p);
    if (dv.failed || p.failed) {
        nnq_expr_tree_free(d);
        return NULL;
    }
    return d;
}
