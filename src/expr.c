/* expr.c - libmatheval wrapper with variable checking (see include/nnq/expr.h). */
#include "nnq/expr.h"

#include <matheval.h>
#include <stdlib.h>
#include <string.h>

enum { VAR_X, VAR_Y, VAR_Z, VAR_Q0, VAR_Q1, VAR_Q2, VAR_T, VAR_HBAR, VAR_MASS, VAR_COUNT };

/* Invariant: ev is a valid libmatheval evaluator whose variables are all in var_names and
 * allowed for the grid's dimension. */
struct nnq_expr {
    void *ev;
    int uses_t;
};

static char *const var_names[VAR_COUNT] = {"x", "y", "z", "q0", "q1", "q2", "t", "hbar", "mass"};

/* Axis of a coordinate variable (x or q0 -> 0 ...), or -1. */
static int var_axis(int v) {
    if (v <= VAR_Z)
        return v;
    if (v <= VAR_Q2)
        return v - VAR_Q0;
    return -1;
}

enum nnq_status nnq_expr_create(const char *text, int dims, struct nnq_expr **out,
                                struct nnq_err *err) {
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

    char **names;
    int count;
    int uses_t = 0;
    evaluator_get_variables(ev, &names, &count);
    for (int i = 0; i < count; i++) {
        int v = 0;
        while (v < VAR_COUNT && strcmp(names[i], var_names[v]) != 0)
            v++;
        if (v == VAR_COUNT) {
            nnq_err_set(err, NNQ_ERR_CONFIG,
                        "unknown variable '%s' (expected x, y, z, q0, q1, q2, t, hbar, mass)",
                        names[i]);
            evaluator_destroy(ev);
            return NNQ_ERR_CONFIG;
        }
        int axis = var_axis(v);
        if (axis >= dims) {
            nnq_err_set(err, NNQ_ERR_CONFIG,
                        "'%s' needs a grid of %d or more dimensions, this one has %d", names[i],
                        axis + 1, dims);
            evaluator_destroy(ev);
            return NNQ_ERR_CONFIG;
        }
        uses_t |= v == VAR_T;
    }

    struct nnq_expr *e = malloc(sizeof *e);
    if (!e) {
        evaluator_destroy(ev);
        return nnq_err_set(err, NNQ_ERR_RUNTIME, "out of memory");
    }
    e->ev = ev;
    e->uses_t = uses_t;
    *out = e;
    return NNQ_OK;
}

double nnq_expr_eval(const struct nnq_expr *e, const double *q, double t, double hbar,
                     double mass) {
    double values[VAR_COUNT] = {q[0], q[1], q[2], q[0], q[1], q[2], t, hbar, mass};
    return evaluator_evaluate(e->ev, VAR_COUNT, (char **)var_names, values);
}

int nnq_expr_uses_t(const struct nnq_expr *e) { return e->uses_t; }

void nnq_expr_destroy(struct nnq_expr *e) {
    if (!e)
        return;
    evaluator_destroy(e->ev);
    free(e);
}
