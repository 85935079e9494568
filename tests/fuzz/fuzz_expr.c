/*
 * fuzz_expr.c - libFuzzer target: arbitrary text as a potential or density expression. It
 * must be accepted or refused with a status, and an accepted one evaluated anywhere without a
 * crash (NaN and Inf are values, which the callers check); one that names t is also held as a
 * field on a small grid (read off its text into terms, products of sums multiplied out) and
 * filled.
 */
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
            nnq_expr_field_create(e, g, 0.7, 1.3, NULL, &fd, &err) == NNQ_OK)
            nnq_expr_field_fill(fd, 0.3, NULL, V);
        (void)nnq_expr_tables(e);
        nnq_expr_field_destroy(fd);
        nnq_grid_destroy(g);
    } else if (err.code != NNQ_ERR_CONFIG && err.code != NNQ_ERR_RUNTIME)
        abort();
    nnq_expr_destroy(e);
    free(text);
    return 0;
}
