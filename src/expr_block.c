/*
 * expr_block.c - an expression's tree evaluated a block of grid points at a time (see
 * expr_block.h): compiled once into numbers, per-fill scalars, point tables and a postfix
 * program over blocks.
 */
#include "expr_block.h"

#include <assert.h>
#include <math.h>
#include <matheval.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "simd.h"

#define MAX_DEPTH 16 /* blocks on the program's stack */
#define MAX_SLOTS 32 /* per-fill scalars */
#define MAX_CALLS 8  /* functions that libmatheval evaluates for us */

enum op {
    OP_NUM,   /* num */
    OP_AXIS,  /* the coordinate of axis arg */
    OP_LOSS,  /* L */
    OP_TIME,  /* t (scalar programs) */
    OP_SLOT,  /* scalar arg of this fill */
    OP_TABLE, /* table arg */
    OP_NEG,
    OP_ADD,
    OP_SUB,
    OP_MUL,
    OP_DIV,
    OP_POW,
    OP_SQR, /* a^2 as a*a */
    OP_FUN, /* libm's function arg (functions[]) */
    OP_CALL /* libmatheval's function: evaluator arg */
};

struct instr {
    enum op op;
    int arg;
    double num;
};

/* A postfix program. Invariant: it leaves one value and needs at most MAX_DEPTH on its stack;
 * count <= cap. */
struct prog {
    int count, cap;
    struct instr *code;
};

static double step_of(double x) { return isnan(x) ? x : x < 0 ? 0.0 : 1.0; }
static double delta_of(double x) { return isnan(x) ? x : x == 0 ? INFINITY : 0.0; }
static double nandelta_of(double x) { return isnan(x) ? x : x == 0 ? NAN : 0.0; }

/* The functions libmatheval evaluates with libm's, and step, delta and nandelta as it defines
 * them (each checked bit for bit by test_potential); the first FUN_SIMD have SIMD variants in
 * libmvec. */
static const struct {
    const char *name;
    double (*f)(double);
} functions[] = {{"exp", exp},
                 {"log", log},
                 {"sin", sin},
                 {"cos", cos},
                 {"tan", tan},
                 {"asin", asin},
                 {"acos", acos},
                 {"atan", atan},
                 {"sinh", sinh},
                 {"cosh", cosh},
                 {"tanh", tanh},
                 {"erf", erf},
                 {"sqrt", sqrt},
                 {"abs", fabs},
                 {"step", step_of},
                 {"delta", delta_of},
                 {"nandelta", nandelta_of}};
enum { FUN_SIMD = 12, FUN_COUNT = sizeof functions / sizeof functions[0] };

/* Invariants: main is the program a fill runs; slot[0 .. nslots) the scalar programs of the
 * per-fill values (no point operands, no slots); table_prog[k] the program that made table[k]
 * (local_size values, then 8 zeros) at create; axes has bit a set where a program reads axis a;
 * call[c] is libmatheval's evaluator of "f(x)"; L the fixed loss or NULL. */
struct nnq_expr_block {
    const struct nnq_grid *g;
    int simd, axes, nslots, ntables, ncalls;
    struct prog main, slot[MAX_SLOTS], table_prog[NNQ_EXPR_BLOCK_TABLES];
    double *table[NNQ_EXPR_BLOCK_TABLES];
    void *call[MAX_CALLS];
    const double *L;
    /* libmatheval's evaluate_x sets its variable in the evaluator: calls of call[] from
     * several threads at once (the walkers' gradient) take turns */
    pthread_mutex_t calling;
};

/* ---- compiling ---------------------------------------------------------------------------- */

enum { DEP_T = 1, DEP_POINT = 2, DEP_LOSS = 4 };

/* The compiler's state. b NULL: only counting (tables and depth); prog: where code goes;
 * tables -1 inside a table's program (no tables there). */
struct compiler {
    const struct nnq_expr_var *vars;
    int nvars, loss_fixed, failed, depth, max_depth, tables;
    double hbar, mass;
    struct nnq_expr_block *b;
    struct prog *prog;
};

static int role_of(const struct compiler *c, const char *name) {
    for (int v = 0; v < c->nvars; v++)
        if (strcmp(c->vars[v].name, name) == 0)
            return (int)c->vars[v].role;
    return -1;
}

/* libmatheval's named constant (pi, e, ...): 1 with *v, else 0. */
static int constant(const char *name, double *v) {
    char text[NNQ_EXPR_NAME_MAX + 1];
    snprintf(text, sizeof text, "%s", name);
    void *ev = evaluator_create(text);
    if (!ev)
        return 0;
    char **names;
    int count;
    evaluator_get_variables(ev, &names, &count);
    if (count == 0)
        *v = evaluator_evaluate(ev, 0, NULL, NULL);
    evaluator_destroy(ev);
    return count == 0;
}

/* What n depends on: DEP_T, DEP_POINT (an axis, or a fixed L), DEP_LOSS (an L that changes). */
static int deps(const struct compiler *c, const struct nnq_expr_node *n) {
    if (!n || n->op == NNQ_EXPR_NUM)
        return 0;
    if (n->op != NNQ_EXPR_NAME)
        return deps(c, n->a) | deps(c, n->b);
    switch (role_of(c, n->name)) {
    case NNQ_EXPR_AXIS0:
    case NNQ_EXPR_AXIS1:
    case NNQ_EXPR_AXIS2:
        return DEP_POINT;
    case NNQ_EXPR_LOSS:
        return c->loss_fixed ? DEP_POINT : DEP_LOSS;
    case NNQ_EXPR_TIME:
        return DEP_T;
    default:
        return 0;
    }
}

/* Appends an instruction that changes the stack's height by `pushes`. */
static void put(struct compiler *c, enum op op, int arg, double num, int pushes) {
    c->depth += pushes;
    if (c->depth > c->max_depth)
        c->max_depth = c->depth;
    if (!c->b)
        return;
    struct prog *p = c->prog;
    if (p->count == p->cap) {
        const int cap = 2 * p->cap + 16;
        struct instr *code = realloc(p->code, sizeof *code * (size_t)cap);
        if (!code) {
            c->failed = -1;
            return;
        }
        p->code = code;
        p->cap = cap;
    }
    p->code[p->count++] = (struct instr){op, arg, num};
}

static void emit(struct compiler *c, const struct nnq_expr_node *n, int blocks);

/* A function call: libm's, or libmatheval's own. */
static void emit_function(struct compiler *c, const struct nnq_expr_node *n, int blocks) {
    emit(c, n->a, blocks);
    for (int f = 0; f < FUN_COUNT; f++)
        if (strcmp(functions[f].name, n->name) == 0) {
            put(c, OP_FUN, f, 0, 0);
            return;
        }
    if (!c->b) {
        put(c, OP_CALL, 0, 0, 0);
        return;
    }
    char text[NNQ_EXPR_NAME_MAX + 8];
    snprintf(text, sizeof text, "%s(x)", n->name);
    void *ev = c->b->ncalls < MAX_CALLS ? evaluator_create(text) : NULL;
    if (!ev) {
        c->failed = c->failed ? c->failed : 1;
        return;
    }
    c->b->call[c->b->ncalls] = ev;
    put(c, OP_CALL, c->b->ncalls++, 0, 0);
}

/* n, compiled into a program of its own (slot or table): the compiler state for it. */
static struct compiler nested(const struct compiler *c, struct prog *p, int tables) {
    struct compiler in = *c;
    in.prog = p;
    in.depth = in.max_depth = 0;
    in.tables = tables;
    return in;
}

/* The program that leaves n: per point (blocks: its parts that depend on t alone become
 * per-fill scalars, those that depend on the point alone tables) or a scalar one (!blocks: n
 * depends on t alone). */
static void emit(struct compiler *c, const struct nnq_expr_node *n, int blocks) {
    if (c->failed)
        return;
    const int d = deps(c, n);
    if (blocks && !(d & (DEP_POINT | DEP_LOSS)) && n->op != NNQ_EXPR_NUM) {
        /* t alone (or nothing: hbar, pi): a scalar of each fill */
        if (c->b && c->b->nslots == MAX_SLOTS) {
            c->failed = 1;
            return;
        }
        struct prog none = {0};
        struct compiler sc = nested(c, c->b ? &c->b->slot[c->b->nslots] : &none, -1);
        emit(&sc, n, 0);
        c->failed = sc.failed;
        if (sc.max_depth > c->max_depth)
            c->max_depth = sc.max_depth;
        put(c, OP_SLOT, c->b ? c->b->nslots++ : 0, 0, 1);
        return;
    }
    if (blocks && d == DEP_POINT && n->op != NNQ_EXPR_NAME && c->tables >= 0 &&
        c->tables < NNQ_EXPR_BLOCK_TABLES) {
        /* the point alone: a table made at create */
        const int k = c->tables++;
        struct prog none = {0};
        struct compiler tc = nested(c, c->b ? &c->b->table_prog[k] : &none, -1);
        emit(&tc, n, 1);
        c->failed = tc.failed;
        if (tc.max_depth > c->max_depth)
            c->max_depth = tc.max_depth;
        if (c->b)
            c->b->ntables = c->tables;
        put(c, OP_TABLE, k, 0, 1);
        return;
    }
    switch (n->op) {
    case NNQ_EXPR_NUM:
        put(c, OP_NUM, 0, n->num, 1);
        return;
    case NNQ_EXPR_NAME: {
        const int role = role_of(c, n->name);
        double v = 0;
        if (role >= NNQ_EXPR_AXIS0 && role <= NNQ_EXPR_AXIS2) {
            if (c->b)
                c->b->axes |= 1 << role;
            put(c, OP_AXIS, role, 0, 1);
        } else if (role == NNQ_EXPR_LOSS && c->b && !c->b->g)
            c->failed = 1; /* points off the grid have no L */
        else if (role == NNQ_EXPR_LOSS)
            put(c, OP_LOSS, 0, 0, 1);
        else if (role == NNQ_EXPR_TIME)
            put(c, OP_TIME, 0, 0, 1);
        else if (role == NNQ_EXPR_HBAR || role == NNQ_EXPR_MASS)
            put(c, OP_NUM, 0, role == NNQ_EXPR_HBAR ? c->hbar : c->mass, 1);
        else if (constant(n->name, &v))
            put(c, OP_NUM, 0, v, 1);
        else
            c->failed = 1;
        return;
    }
    case NNQ_EXPR_FUN:
        emit_function(c, n, blocks);
        return;
    case NNQ_EXPR_NEG:
        emit(c, n->a, blocks);
        put(c, OP_NEG, 0, 0, 0);
        return;
    default:
        break;
    }
    emit(c, n->a, blocks);
    if (n->op == NNQ_EXPR_POW && n->b->op == NNQ_EXPR_NUM && n->b->num == 2.0) {
        put(c, OP_SQR, 0, 0, 0);
        return;
    }
    emit(c, n->b, blocks);
    static const enum op binary[] = {[NNQ_EXPR_ADD] = OP_ADD,
                                     [NNQ_EXPR_SUB] = OP_SUB,
                                     [NNQ_EXPR_MUL] = OP_MUL,
                                     [NNQ_EXPR_DIV] = OP_DIV,
                                     [NNQ_EXPR_POW] = OP_POW};
    put(c, binary[n->op], 0, 0, -1);
}

/* ---- running -------------------------------------------------------------------------------- */

static double run_scalar(const struct nnq_expr_block *b, const struct prog *p, double t) {
    double stack[MAX_DEPTH];
    int top = -1;
    for (int i = 0; i < p->count; i++) {
        const struct instr *in = &p->code[i];
        switch (in->op) {
        case OP_NUM:
            stack[++top] = in->num;
            break;
        case OP_TIME:
            stack[++top] = t;
            break;
        case OP_NEG:
            stack[top] = -stack[top];
            break;
        case OP_ADD:
            top--;
            stack[top] = stack[top] + stack[top + 1];
            break;
        case OP_SUB:
            top--;
            stack[top] = stack[top] - stack[top + 1];
            break;
        case OP_MUL:
            top--;
            stack[top] = stack[top] * stack[top + 1];
            break;
        case OP_DIV:
            top--;
            stack[top] = stack[top] / stack[top + 1];
            break;
        case OP_POW:
            top--;
            stack[top] = pow(stack[top], stack[top + 1]);
            break;
        case OP_SQR:
            stack[top] = stack[top] * stack[top];
            break;
        case OP_FUN:
            stack[top] = functions[in->arg].f(stack[top]);
            break;
        case OP_CALL:
            stack[top] = evaluator_evaluate_x(b->call[in->arg], stack[top]);
            break;
        default: /* point operands are not in scalar programs */
            assert(0);
            break;
        }
    }
    assert(top == 0);
    return stack[0];
}

#define LANES(NAME)                                                                                \
    _Pragma("omp simd") for (ptrdiff_t j = 0; j < m8; j++) out[j] = nnq_simd_##NAME(in[j]);        \
    break

/* libmvec's lanes over m8 values (a multiple of 8: every value from a lane, as the kick's
 * factors, so that a point's value does not depend on where its block starts). */
NNQ_CLONES static void simd_function(int f, const double *in, double *out, ptrdiff_t m8) {
    switch (f) {
    case 0:
        LANES(exp);
    case 1:
        LANES(log);
    case 2:
        LANES(sin);
    case 3:
        LANES(cos);
    case 4:
        LANES(tan);
    case 5:
        LANES(asin);
    case 6:
        LANES(acos);
    case 7:
        LANES(atan);
    case 8:
        LANES(sinh);
    case 9:
        LANES(cosh);
    case 10:
        LANES(tanh);
    default:
        LANES(erf);
    }
}

/* x^y in libmvec's lanes, x or y one value where its pointer is NULL. */
NNQ_CLONES static void simd_pow(const double *x, double xs, const double *y, double ys, double *out,
                                ptrdiff_t m8) {
    if (x && y) {
#pragma omp simd
        for (ptrdiff_t j = 0; j < m8; j++)
            out[j] = nnq_simd_pow(x[j], y[j]);
    } else if (y) {
#pragma omp simd
        for (ptrdiff_t j = 0; j < m8; j++)
            out[j] = nnq_simd_pow(xs, y[j]);
    } else {
#pragma omp simd
        for (ptrdiff_t j = 0; j < m8; j++)
            out[j] = nnq_simd_pow(x[j], ys);
    }
}

/* An operand on the program's stack: m8 values at p (a block of the stack, a slice of an axis
 * or a table, readable to m8), or one value s for every point of the block where p is NULL. */
struct operand {
    const double *p;
    double s;
};

/* Function f of one value, as its lanes give it. */
static double function_of(const struct nnq_expr_block *b, const struct instr *in, double v) {
    if (in->op == OP_CALL) {
        pthread_mutex_t *calling = (pthread_mutex_t *)&b->calling; /* the evaluators' state */
        pthread_mutex_lock(calling);
        const double r = evaluator_evaluate_x(b->call[in->arg], v);
        pthread_mutex_unlock(calling);
        return r;
    }
    if (!(b->simd && in->arg < FUN_SIMD))
        return functions[in->arg].f(v);
    _Alignas(64) double lanes[8] = {v, v, v, v, v, v, v, v};
    simd_function(in->arg, lanes, lanes, 8);
    return lanes[0];
}

/* Axis a at points start .. start + m of the slab (m8: m rounded up to 8): one value where the
 * block lies in one of its runs (a slower axis), a slice of the axis where that can be read to
 * m8, else the values copied into buf, padded with zeros. */
static struct operand coordinates(const struct nnq_grid *g, int a, ptrdiff_t start, ptrdiff_t m,
                                  ptrdiff_t m8, double *restrict buf) {
    const ptrdiff_t stride = a == 0 ? g->n[1] * g->n[2] : a == 1 ? g->n[2] : 1, count = g->n[a];
    const double *q = g->q[a] + (a == 0 ? g->local_0_start : 0);
    const ptrdiff_t first = start / stride % count;
    if (start / stride == (start + m - 1) / stride)
        return (struct operand){NULL, q[first]};
    if (stride == 1 && first + m8 <= count)
        return (struct operand){q + first, 0};
    for (ptrdiff_t j = 0; j < m;) {
        const ptrdiff_t idx = start + j, i = idx / stride % count;
        if (stride == 1) {
            const ptrdiff_t len = count - i < m - j ? count - i : m - j;
            memcpy(buf + j, q + i, sizeof(double) * (size_t)len);
            j += len;
        } else {
            const ptrdiff_t left = stride - idx % stride, len = left < m - j ? left : m - j;
            for (ptrdiff_t k = 0; k < len; k++)
                buf[j + k] = q[i];
            j += len;
        }
    }
    for (ptrdiff_t j = m; j < m8; j++)
        buf[j] = 0.0;
    return (struct operand){buf, 0};
}

#define BINARY(OPER)                                                                               \
    do {                                                                                           \
        if (l.p && r.p)                                                                            \
            for (ptrdiff_t j = 0; j < m8; j++)                                                     \
                out[j] = l.p[j] OPER r.p[j];                                                       \
        else if (r.p)                                                                              \
            for (ptrdiff_t j = 0; j < m8; j++)                                                     \
                out[j] = l.s OPER r.p[j];                                                          \
        else if (l.p)                                                                              \
            for (ptrdiff_t j = 0; j < m8; j++)                                                     \
                out[j] = l.p[j] OPER r.s;                                                          \
        else                                                                                       \
            v = l.s OPER r.s;                                                                      \
    } while (0)

/* Program p on the m points from start (m <= NNQ_EXPR_BLOCK) into values. Every operation
 * runs on m rounded up to 8 (the padding of the axes and tables is zeros), and an operation on
 * one value for the block (an axis constant along it) is the same IEEE operation as on each
 * point: a point's value does not depend on how the slab is cut into blocks. */
NNQ_CLONES static void run_block(const struct nnq_expr_block *b, const struct prog *p,
                                 const double *L, const double *slots, ptrdiff_t start, ptrdiff_t m,
                                 const struct operand *given, double *values) {
    _Alignas(64) double buf[MAX_DEPTH][NNQ_EXPR_BLOCK], axis_buf[3][NNQ_EXPR_BLOCK];
    struct operand st[MAX_DEPTH], axis[3];
    const ptrdiff_t m8 = (m + 7) & ~(ptrdiff_t)7;
    for (int a = 0; a < 3; a++)
        if (b->axes >> a & 1)
            axis[a] = given ? given[a] : coordinates(b->g, a, start, m, m8, axis_buf[a]);
    /* the bottom of the stack, which ends as the result, in values where that holds m8 */
    double *const bottom = m == m8 ? values : buf[0];
    int top = -1;
    for (int i = 0; i < p->count; i++) {
        const struct instr *in = &p->code[i];
        switch (in->op) {
        case OP_NUM:
        case OP_SLOT:
            st[++top] = (struct operand){NULL, in->op == OP_NUM ? in->num : slots[in->arg]};
            continue;
        case OP_AXIS:
            st[++top] = axis[in->arg];
            continue;
        case OP_TABLE:
            st[++top] = (struct operand){b->table[in->arg] + start, 0};
            continue;
        case OP_LOSS:
            top++;
            memcpy(buf[top], L + start, sizeof(double) * (size_t)m);
            for (ptrdiff_t j = m; j < m8; j++)
                buf[top][j] = 0.0;
            st[top] = (struct operand){buf[top], 0};
            continue;
        default:
            break;
        }
        const int binary = in->op >= OP_ADD && in->op <= OP_POW;
        const struct operand r = st[top], l = binary ? st[top - 1] : r;
        top -= binary;
        double *out = top == 0 ? bottom : buf[top], v = 0;
        switch (in->op) {
        case OP_ADD:
            BINARY(+);
            break;
        case OP_SUB:
            BINARY(-);
            break;
        case OP_MUL:
            BINARY(*);
            break;
        case OP_DIV:
            BINARY(/);
            break;
        case OP_POW:
            if (!l.p && !r.p) {
                _Alignas(64) double lanes[8] = {l.s, l.s, l.s, l.s, l.s, l.s, l.s, l.s};
                if (b->simd)
                    simd_pow(lanes, 0, NULL, r.s, lanes, 8);
                v = b->simd ? lanes[0] : pow(l.s, r.s);
            } else if (b->simd)
                simd_pow(l.p, l.s, r.p, r.s, out, m8);
            else
                for (ptrdiff_t j = 0; j < m8; j++)
                    out[j] = pow(l.p ? l.p[j] : l.s, r.p ? r.p[j] : r.s);
            break;
        case OP_NEG:
            if (r.p)
                for (ptrdiff_t j = 0; j < m8; j++)
                    out[j] = -r.p[j];
            else
                v = -r.s;
            break;
        case OP_SQR:
            if (r.p)
                for (ptrdiff_t j = 0; j < m8; j++)
                    out[j] = r.p[j] * r.p[j];
            else
                v = r.s * r.s;
            break;
        case OP_FUN:
            if (!r.p)
                v = function_of(b, in, r.s);
            else if (b->simd && in->arg < FUN_SIMD)
                simd_function(in->arg, r.p, out, m8);
            else
                for (ptrdiff_t j = 0; j < m8; j++)
                    out[j] = functions[in->arg].f(r.p[j]);
            break;
        default: /* OP_CALL: libmatheval's, slow: the points only */
            if (!r.p)
                v = function_of(b, in, r.s);
            else {
                pthread_mutex_t *calling = (pthread_mutex_t *)&b->calling;
                pthread_mutex_lock(calling);
                for (ptrdiff_t j = 0; j < m8; j++)
                    out[j] = j < m ? evaluator_evaluate_x(b->call[in->arg], r.p[j]) : 0.0;
                pthread_mutex_unlock(calling);
            }
            break;
        }
        st[top] = l.p || r.p ? (struct operand){out, 0} : (struct operand){NULL, v};
    }
    assert(top == 0);
    if (!st[0].p)
        for (ptrdiff_t j = 0; j < m; j++)
            values[j] = st[0].s;
    else if (st[0].p != values)
        memcpy(values, st[0].p, sizeof(double) * (size_t)m);
}

static void eval_slots(const struct nnq_expr_block *b, double t, double *slots) {
    for (int s = 0; s < b->nslots; s++)
        slots[s] = run_scalar(b, &b->slot[s], t);
}

/* Program p on points start .. start + m of the slab. Blocks stay within rows of the fastest
 * axis where those are long (the slower axes then are one value a block); the values are the
 * same either way. */
static void run_all(const struct nnq_expr_block *b, const struct prog *p, const double *L,
                    const double *slots, ptrdiff_t start, ptrdiff_t m, double *out) {
    const struct nnq_grid *g = b->g;
    const ptrdiff_t row = g->dims == 1 || g->n[g->dims - 1] < 64 ? PTRDIFF_MAX : g->n[g->dims - 1];
    for (ptrdiff_t i = 0; i < m;) {
        const ptrdiff_t to_row = row - (start + i) % row, left = m - i;
        ptrdiff_t len = left < to_row ? left : to_row;
        len = len < NNQ_EXPR_BLOCK ? len : NNQ_EXPR_BLOCK;
        run_block(b, p, L, slots, start + i, len, NULL, out + i);
        i += len;
    }
}

void nnq_expr_block_eval(const struct nnq_expr_block *b, double t, const double *L, ptrdiff_t start,
                         ptrdiff_t m, double *out) {
    double slots[MAX_SLOTS];
    eval_slots(b, t, slots);
    run_all(b, &b->main, b->L ? b->L : L, slots, start, m, out);
}

void nnq_expr_block_points(const struct nnq_expr_block *b, double t, const double *q, int d,
                           ptrdiff_t count, double *out) {
    assert(!b->g && d >= 1 && d <= 3);
    double slots[MAX_SLOTS];
    eval_slots(b, t, slots);
    _Alignas(64) double coord[3][NNQ_EXPR_BLOCK];
    const struct operand given[3] = {{coord[0], 0}, {coord[1], 0}, {coord[2], 0}};
    for (ptrdiff_t i = 0; i < count; i += NNQ_EXPR_BLOCK) {
        const ptrdiff_t m = count - i < NNQ_EXPR_BLOCK ? count - i : NNQ_EXPR_BLOCK;
        const ptrdiff_t m8 = (m + 7) & ~(ptrdiff_t)7;
        for (int a = 0; a < 3; a++)
            for (ptrdiff_t j = 0; j < m8; j++)
                coord[a][j] = j < m && a < d ? q[(i + j) * d + a] : 0.0;
        run_block(b, &b->main, NULL, slots, 0, m, given, out + i);
    }
}

int nnq_expr_block_tables(const struct nnq_expr_node *tree, const struct nnq_expr_var *vars,
                          int nvars, int loss_fixed) {
    struct compiler c = {.vars = vars, .nvars = nvars, .loss_fixed = loss_fixed};
    emit(&c, tree, 1);
    return c.failed || c.max_depth > MAX_DEPTH ? 0 : c.tables;
}

int nnq_expr_block_create(const struct nnq_expr_node *tree, const struct nnq_expr_var *vars,
                          int nvars, const struct nnq_grid *g, double hbar, double mass,
                          const double *L, int simd, struct nnq_expr_block **out) {
    *out = NULL;
    struct nnq_expr_block *b = calloc(1, sizeof *b);
    if (!b)
        return -1;
    *b = (struct nnq_expr_block){.g = g, .simd = simd, .L = L};
    pthread_mutex_init(&b->calling, NULL);
    struct compiler c = {.vars = vars,
                         .nvars = nvars,
                         .loss_fixed = L != NULL,
                         .tables = g ? 0 : -1, /* points anywhere: no tables */
                         .hbar = hbar,
                         .mass = mass,
                         .b = b,
                         .prog = &b->main};
    emit(&c, tree, 1);
    if (c.failed || c.max_depth > MAX_DEPTH) {
        nnq_expr_block_destroy(b);
        return c.failed < 0 ? -1 : 0;
    }
    double slots[MAX_SLOTS];
    eval_slots(b, 0.0, slots);
    /* padded with 8 zeros: a block's operations run to a multiple of 8 */
    const size_t n = (size_t)(g && g->local_size > 0 ? g->local_size : 0);
    for (int k = 0; k < b->ntables; k++) {
        if (!(b->table[k] = calloc(n + 8, sizeof(double)))) {
            nnq_expr_block_destroy(b);
            return -1;
        }
        run_all(b, &b->table_prog[k], L, slots, 0, g->local_size, b->table[k]);
    }
    *out = b;
    return 1;
}

void nnq_expr_block_destroy(struct nnq_expr_block *b) {
    if (!b)
        return;
    free(b->main.code);
    for (int s = 0; s < MAX_SLOTS; s++)
        free(b->slot[s].code);
    for (int k = 0; k < NNQ_EXPR_BLOCK_TABLES; k++) {
        free(b->table_prog[k].code);
        free(b->table[k]);
    }
    for (int c = 0; c < b->ncalls; c++)
        evaluator_destroy(b->call[c]);
    pthread_mutex_destroy(&b->calling);
    free(b);
}
