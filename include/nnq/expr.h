/*
 * expr.h - user expressions V(x,y,z,t), p(x,y,z), F(x,y,z), compiled with libmatheval.
 *
 * Variables: x, y, z (aliases q0, q1, q2; only the grid's d axes), t, hbar, mass.
 * Constants and functions are libmatheval's (pi, e, exp, sin, sqrt, abs, step, ...).
 * Characters outside [A-Za-z0-9_.+-*^/() ] are rejected before libmatheval sees the text:
 * its scanner would echo them to stdout.
 */
#ifndef NNQ_EXPR_H
#define NNQ_EXPR_H

#include "nnq/err.h"

struct nnq_expr;

/* Compiles `text` for a d-dimensional grid (1 <= dims <= 3). On success *out owns the
 * expression. Returns NNQ_OK or NNQ_ERR_CONFIG with a message (no place prefix) such as
 * "unknown variable 'w'", "'y' needs a grid of 2 or more dimensions", "syntax error". */
enum nnq_status nnq_expr_create(const char *text, int dims, struct nnq_expr **out,
                                struct nnq_err *err);

/* Value at q (3 entries, those past the grid's dims are ignored), time t. NaN/Inf are returned as
 * they come. Cannot fail. */
double nnq_expr_eval(const struct nnq_expr *e, const double *q, double t, double hbar, double mass);

/* 1 when the expression depends on t. Cannot fail. */
int nnq_expr_uses_t(const struct nnq_expr *e);

/* Frees e; NULL is a no-op. */
void nnq_expr_destroy(struct nnq_expr *e);

#endif
