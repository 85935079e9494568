/*
 * expr.h - user expressions V(x,y,z,t), p(x,y,z), F(x,y,z), compiled with libmatheval.
 *
 * Variables: x, y, z (aliases q0, q1, q2; only the grid's d axes), t, hbar, mass; and where
 * the caller allows them, the axes' own names ([grid] names) and L, the tabulated loss of a
 * [potential] file.
 * Constants and functions are libmatheval's (pi, e, exp, sin, sqrt, abs, step, ...).
 * Characters outside [A-Za-z0-9_.+-*^/() ] are rejected before libmatheval sees the text:
 * its scanner would echo them to stdout.
 */
#ifndef NNQ_EXPR_H
#define NNQ_EXPR_H

#include <stddef.h>

#include "nnq/err.h"

struct nnq_expr;

/* What an expression may name besides the fixed variables: axis[a] the name of axis a < dims
 * (NULL or "": none), loss 1 when L is defined. Names are copied. */
struct nnq_expr_vars {
    const char *axis[3];
    int loss;
};

/* Compiles `text` for a d-dimensional grid (1 <= dims <= 3) with the extra variables of vars
 * (NULL: none). On success *out owns the expression. Returns NNQ_OK or NNQ_ERR_CONFIG with a
 * message (no place prefix) such as "unknown variable 'w'", "'y' needs a grid of 2 or more
 * dimensions", "syntax error". */
enum nnq_status nnq_expr_create(const char *text, int dims, const struct nnq_expr_vars *vars,
                                struct nnq_expr **out, struct nnq_err *err);

/* Value at q (3 entries, those past the grid's dims are ignored), time t, loss L (ignored
 * when the expression has none). NaN/Inf are returned as they come. Cannot fail. */
double nnq_expr_eval(const struct nnq_expr *e, const double *q, double t, double hbar, double mass,
                     double L);

/* 1 when the expression uses L. Cannot fail. */
int nnq_expr_uses_loss(const struct nnq_expr *e);

/* 1 when name can be an axis name: an identifier that libmatheval reads as a variable (not a
 * function or constant such as exp or pi) and none of the fixed variables or L. Cannot fail. */
int nnq_expr_name_ok(const char *name);

/* A condition ([regions]): "A op B" with op one of <, <=, >, >= (A and B expressions), or an
 * expression alone (true where nonzero). Copies A into lhs and B into rhs (size bytes each;
 * rhs "" for an expression alone) and returns the operator: NNQ_COND_NONE, _LT, _LE, _GT, _GE;
 * NNQ_COND_BAD for more than one comparison or an empty side. Cannot fail. */
enum nnq_condition {
    NNQ_COND_BAD = -1,
    NNQ_COND_NONE,
    NNQ_COND_LT,
    NNQ_COND_LE,
    NNQ_COND_GT,
    NNQ_COND_GE
};
enum nnq_condition nnq_expr_condition(const char *text, char *lhs, char *rhs, size_t size);

/* 1 when a op b holds (NNQ_COND_NONE: a is nonzero; NaN never holds). Cannot fail. */
static inline int nnq_expr_holds(enum nnq_condition op, double a, double b) {
    switch (op) {
    case NNQ_COND_LT:
        return a < b;
    case NNQ_COND_LE:
        return a <= b;
    case NNQ_COND_GT:
        return a > b;
    case NNQ_COND_GE:
        return a >= b;
    default:
        return a != 0 && a == a;
    }
}

/* 1 when the expression depends on t. Cannot fail. */
int nnq_expr_uses_t(const struct nnq_expr *e);

/* Frees e; NULL is a no-op. */
void nnq_expr_destroy(struct nnq_expr *e);

/*
 * An expression on this rank's slab of a grid, for filling at many times t. Where its text is
 * a sum of terms each of which is a product of factors that depend on t only or on the point
 * only (q, L; hbar and mass are constants), as in 0.5*x^2*(1 + 0.1*sin(t)) - cos(t)*x, it is
 * held as V = G_0(q) + u(t) + sum_k f_k(t) G_k(q) with the G's tabulated at create (at most 8
 * terms): a fill then costs a few passes over the slab instead of one libmatheval evaluation
 * per point. The split comes from the expression's tree (nnq/expr_tree.h), exact by
 * construction; it is not used where its terms cancel (rounding above 1e-12 of V's range at
 * sample points and times, on any rank).
 * Where the text as written is not such a sum, its products of sums (parenthesised, or to a
 * literal power 2..4) are multiplied out first: 0.5*(x - sin(t))^2 splits. Otherwise
 * (exp(-(x - sin(t))^2), say) its tree is compiled and evaluated a block of points at a time
 * (parts that depend on t alone once per fill, parts that depend on the point alone tabulated
 * at create; exp, log, the trigonometric and hyperbolic functions, erf and pow from libmvec's
 * SIMD lanes, within 4 ulp of libm's), where that agrees with libmatheval at sample points and
 * times (within 1e-12 of V's range, the same points on any number of ranks), else exactly
 * (libm's functions), else point by point by libmatheval.
 */
struct nnq_grid;
struct nnq_expr_field;

/* Builds the field of e (borrowed, as g, for the field's life) on g, with the constants hbar
 * and mass. L: the loss on the slab when e uses L and it does not change with t (read at
 * create), else NULL (then an e that uses L is evaluated point by point, with the L of each
 * fill). Returns NNQ_OK or NNQ_ERR_RUNTIME (out of memory, agreed); *out is the caller's.
 * Collective under MPI: every rank calls it, and all hold the split or none. */
enum nnq_status nnq_expr_field_create(const struct nnq_expr *e, const struct nnq_grid *g,
                                      double hbar, double mass, const double *L,
                                      struct nnq_expr_field **out, struct nnq_err *err);

/* V on the slab (g->local_size values) at time t; L as at create, or the loss now when create
 * had none. NaN/Inf are returned as they come. Cannot fail. */
void nnq_expr_field_fill(const struct nnq_expr_field *f, double t, const double *L, double *V);

/* The number of arrays a field of e tabulates (G_0 and the G_k of a split, or the tables of a
 * compiled tree), read off the text alone: for memory estimates. Cannot fail. */
int nnq_expr_tables(const struct nnq_expr *e);

/* The number of terms f_k(t) G_k(q) held, or -1 when not split. Cannot fail. */
int nnq_expr_field_terms(const struct nnq_expr_field *f);

/* 1 when f is not split but evaluated from its compiled tree a block at a time, 0 otherwise.
 * Cannot fail. */
int nnq_expr_field_compiled(const struct nnq_expr_field *f);

/* Frees f; NULL is a no-op. */
void nnq_expr_field_destroy(struct nnq_expr_field *f);

/*
 * The gradient of an expression in its axes, at points anywhere (off the grid): from the
 * derivative of the same tree the split and the compiled fill read (nnq/expr_tree.h), compiled
 * a block of points at a time, and checked against libmatheval's evaluation of the
 * derivative's text at sample points of the box [qmin, qmax) and times.
 */
struct nnq_expr_gradient;

/* The gradient of e (borrowed for the call) with the constants hbar and mass, checked in the
 * box [qmin, qmax) (e's dims entries each), or NULL where there is none: e uses L, its tree is
 * not libmatheval's, it has a jump or a spike (step, delta, nandelta of an axis), the check
 * fails, or memory ran out. The result is the same on every rank unless memory ran out (a
 * caller under MPI agrees on it). The caller frees it. */
struct nnq_expr_gradient *nnq_expr_gradient_create(const struct nnq_expr *e, const double *qmin,
                                                   const double *qmax, double hbar, double mass);

/* dV/dq at count points q (point-major, dims values each) at time t into grad (the same
 * shape). A point's values do not depend on the others. Cannot fail. */
void nnq_expr_gradient_eval(const struct nnq_expr_gradient *gr, double t, const double *q,
                            ptrdiff_t count, double *grad);

/* Frees gr; NULL is a no-op. */
void nnq_expr_gradient_destroy(struct nnq_expr_gradient *gr);

#endif
