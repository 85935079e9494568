/*
 * fuzz_expr.c - libFuzzer target: arbitrary text as a potential or density expression. It
 * must be accepted or refused with a status, and an accepted one evaluated anywhere without a
 * crash (NaN and Inf are values, which the callers check); one that names t is also held as a
 * field on a small grid (its tree split into terms, products of sums multiplied out) and
 * filled, and the field must equal the expression point by point: exactly where libmatheval
 * gives finite values (within the rounding that the split's check allows, 1e-12 of V's range)
 * at a time the check samples, and within 1e-6 of V's size at another (a split that misread
 * the expression is off by O(1)).
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nnq/expr.h"
#include "nnq/grid.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > 4096)
        return 0;
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    struct nnq_expr *e = NULL;
    struct nnq_err err = {0};
    int dims = size % 3 + 1;
    if (nnq_expr_create(text, dims, NULL, &e, &err) == NNQ_OK) {
        static const double qs[4][3] = {{0, 0, 0}, {1.5, -2, 3}, {-1e300, 1e-300, 0}, {7, 7, 7}};
        volatile double sink = 0;
        for (int k = 0; k < 4; k++)
            sink += nnq_expr_eval(e, qs[k], 0.25 * k, 0.7, 1.3, 0.0);
        (void)sink;
        static const long n[3] = {6, 5, 4};
        static const double qmin[3] = {-2, -1, -3}, qmax[3] = {2, 1.5, 3};
        struct nnq_grid *g = NULL;
        struct nnq_expr_field *fd = NULL;
        double V[6 * 5 * 4];
        if (nnq_expr_uses_t(e) && nnq_grid_create(dims, n, qmin, qmax, &g, &err) == NNQ_OK &&
            nnq_expr_field_create(e, g, 0.7, 1.3, NULL, &fd, &err) == NNQ_OK &&
            nnq_expr_field_terms(fd) >= 0) {
            static const double times[2] = {1.9, 0.3}, tol[2] = {2e-12, 1e-6};
            for (int k = 0; k < 2; k++) {
                nnq_expr_field_fill(fd, times[k], NULL, V);
                double big = 0, w[6 * 5 * 4];
                for (ptrdiff_t i = 0; i < g->local_size; i++) {
                    const double q[3] = {g->q[0][i / (g->n[1] * g->n[2])],
                                         g->q[1][i / g->n[2] % g->n[1]], g->q[2][i % g->n[2]]};
                    w[i] = nnq_expr_eval(e, q, times[k], 0.7, 1.3, 0.0);
                    if (isfinite(w[i]))
                        big = fmax(big, fabs(w[i]));
                }
                for (ptrdiff_t i = 0; i < g->local_size; i++)
                    if (isfinite(w[i]) && isfinite(V[i]) &&
                        !(fabs(V[i] - w[i]) <= tol[k] * (2 * big + 1)))
                        abort(); /* the split is not the expression */
            }
        }
        (void)nnq_expr_tables(e);
        nnq_expr_field_destroy(fd);
        nnq_grid_destroy(g);
    } else if (err.code != NNQ_ERR_CONFIG && err.code != NNQ_ERR_RUNTIME)
        abort();
    nnq_expr_destroy(e);
    free(text);
    return 0;
}
