/* expr.c - libmatheval wrapper with variable checking (see include/nnq/expr.h). */
#include "nnq/expr.h"

#include <ctype.h>
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
 * where it has none (the value is the same). */
struct nnq_expr {
    void *ev;
    int uses_t, uses_L;
    char name[VAR_COUNT][NAME_MAX_LEN];
    char *names[VAR_COUNT];
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
    }
    *out = e;
    return NNQ_OK;
}

double nnq_expr_eval(const struct nnq_expr *e, const double *q, double t, double hbar, double mass,
                     double L) {
    double values[VAR_COUNT] = {q[0], q[1], q[2], q[0], q[1], q[2], t,
                                hbar, mass, L,    q[0], q[1], q[2]};
    return evaluator_evaluate(e->ev, VAR_COUNT, (char **)e->names, values);
}

int nnq_expr_uses_t(const struct nnq_expr *e) { return e->uses_t; }

int nnq_expr_uses_loss(const struct nnq_expr *e) { return e->uses_L; }

void nnq_expr_destroy(struct nnq_expr *e) {
    if (!e)
        return;
    evaluator_destroy(e->ev);
    free(e);
}
