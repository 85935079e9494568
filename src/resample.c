/* resample.c - a table onto the grid by cubic Hermite interpolation (see include/nnq/resample.h).
 */
#include "nnq/resample.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* 1 when x[0 .. n) samples the periodic box [lo, lo + L) as the grid does: n points L / n
 * apart from lo. Such a table wraps: a grid point past its last point lies between that
 * point and the first one's periodic image. */
static int periodic(const double *x, size_t n, double lo, double L) {
    if (n < 3)
        return 0;
    const double h = L / (double)n, tol = 1e-9 * L;
    for (size_t k = 0; k < n; k++)
        if (!(fabs(x[k] - (lo + (double)k * h)) <= tol))
            return 0;
    return 1;
}

void nnq_resample_rows(const struct nnq_grid *g, const double *x, size_t n, size_t *lo,
                       size_t *hi) {
    const double *q0 = g->q[0] + g->local_0_start;
    const ptrdiff_t m = g->local_n0;
    if (m <= 0) {
        *lo = *hi = 0;
        return;
    }
    if (q0[m - 1] > x[n - 1] && periodic(x, n, g->qmin[0], g->qmax[0] - g->qmin[0])) {
        *lo = 0; /* points past the table's last one: the wrap reads its first rows too */
        *hi = n;
        return;
    }
    size_t a = 0, b = n - 1;
    while (a + 1 < n && x[a + 1] <= q0[0])
        a++;
    while (b > 0 && x[b - 1] >= q0[m - 1])
        b--;
    /* an interval [k, k + 1] reads the slopes at k and k + 1, and they their neighbours */
    *lo = a >= 2 ? a - 2 : 0;
    *hi = b + 3 < n ? b + 3 : n;
}

/* d/dx at x = at of the parabola through (xa, ya), (xb, yb), (xc, yc). */
static double slope3(double xa, double xb, double xc, double ya, double yb, double yc, double at) {
    return ya * ((at - xb) + (at - xc)) / ((xa - xb) * (xa - xc)) +
           yb * ((at - xa) + (at - xc)) / ((xb - xa) * (xb - xc)) +
           yc * ((at - xa) + (at - xb)) / ((xc - xa) * (xc - xb));
}

/* The slope at point k of y (stride s, n points on x). */
static double slope_at(const double *x, const double *y, ptrdiff_t s, size_t n, size_t k) {
    if (n == 2)
        return (y[s] - y[0]) / (x[1] - x[0]);
    const size_t c = k == 0 ? 1 : k == n - 1 ? n - 2 : k; /* the middle of the three */
    return slope3(x[c - 1], x[c], x[c + 1], y[(ptrdiff_t)(c - 1) * s], y[(ptrdiff_t)c * s],
                  y[(ptrdiff_t)(c + 1) * s], x[k]);
}

/*
 * Resamples `in` along one axis, in[(o n + k) inner + i] for o < outer, k < n (the axis, at
 * x), i < inner, onto out[(o m + j) inner + i] at X[0 .. m). Returns the first j with X[j]
 * outside [x_0, x_{n-1}], or -1.
 */
static ptrdiff_t resample_in(const double *x, size_t n, const double *X, ptrdiff_t m,
                             const double *in, double *out, size_t outer, size_t inner) {
    const double tol = 1e-9 * (x[n - 1] - x[0]);
    size_t k = 0;
    for (ptrdiff_t j = 0; j < m; j++) {
        const double at = X[j];
        if (at < x[0] - tol || at > x[n - 1] + tol)
            return j;
        while (k + 2 < n && x[k + 1] <= at)
            k++;
        while (k > 0 && x[k] > at)
            k--;
        const double h = x[k + 1] - x[k], s = fmin(fmax((at - x[k]) / h, 0.0), 1.0);
        const double s2 = s * s, s3 = s2 * s;
        const double h00 = 2 * s3 - 3 * s2 + 1, h10 = s3 - 2 * s2 + s, h01 = -2 * s3 + 3 * s2,
                     h11 = s3 - s2;
        const ptrdiff_t st = (ptrdiff_t)inner;
        for (size_t o = 0; o < outer; o++)
            for (size_t i = 0; i < inner; i++) {
                const double *y = in + o * n * inner + i;
                /* at a table point: its value, as it is */
                out[(o * (size_t)m + (size_t)j) * inner + i] =
                    s == 0.0   ? y[(ptrdiff_t)k * st]
                    : s == 1.0 ? y[(ptrdiff_t)(k + 1) * st]
                               : h00 * y[(ptrdiff_t)k * st] + h01 * y[(ptrdiff_t)(k + 1) * st] +
                                     h * (h10 * slope_at(x, y, st, n, k) +
                                          h11 * slope_at(x, y, st, n, k + 1));
            }
    }
    return -1;
}

#define WRAP 2 /* the periodic images a wrapped table takes on each side: the slopes' reach */

/* resample_in, but where grid points lie past the table's last point and the table samples
 * the grid's periodic box along this axis (lo, L: the box), the table first takes WRAP periodic
 * images of its points on each side, so that those points are interpolated across the box's
 * seam (a copy of the table, made only then). Returns -2 when memory ran out. */
static ptrdiff_t resample(const double *x, size_t n, const double *X, ptrdiff_t m, const double *in,
                          double *out, size_t outer, size_t inner, double lo, double L) {
    if (m == 0 || X[m - 1] <= x[n - 1] || !periodic(x, n, lo, L))
        return resample_in(x, n, X, m, in, out, outer, inner);
    const size_t ne = n + 2 * WRAP;
    double *xe = malloc(sizeof(double) * ne), *ye = malloc(sizeof(double) * outer * ne * inner);
    ptrdiff_t rc = -2;
    if (xe && ye) {
        for (size_t k = 0; k < ne; k++) {
            const ptrdiff_t src = ((ptrdiff_t)k - WRAP + (ptrdiff_t)n) % (ptrdiff_t)n;
            xe[k] = x[src] + L * (double)(((ptrdiff_t)k - WRAP - src) / (ptrdiff_t)n);
            for (size_t o = 0; o < outer; o++)
                memcpy(ye + (o * ne + k) * inner, in + (o * n + (size_t)src) * inner,
                       sizeof(double) * inner);
        }
        rc = resample_in(xe, ne, X, m, ye, out, outer, inner);
    }
    free(xe);
    free(ye);
    return rc;
}

int nnq_resample_onto(const struct nnq_grid *g, const double *const *coord, const size_t *n,
                      size_t row0, size_t rows, const double *values, double *out,
                      ptrdiff_t *index) {
    const int d = g->dims;
    const size_t r = rows, n1 = n[1], n2 = n[2];
    /* after axis 2, axis 1, axis 0: the grid's sizes replace the table's one by one */
    const size_t m0 = (size_t)g->local_n0, m1 = (size_t)g->n[1], m2 = (size_t)g->n[2];
    double *b = malloc(sizeof(double) * (r * n1 * m2 + 1));
    double *c = malloc(sizeof(double) * (r * m1 * m2 + 1));
    int axis = b && c ? -1 : -2;
    ptrdiff_t bad = -1;
    if (axis == -1 && d > 2)
        bad = resample(coord[2], n2, g->q[2], (ptrdiff_t)m2, values, b, r * n1, 1, g->qmin[2],
                       g->qmax[2] - g->qmin[2]);
    else if (axis == -1)
        memcpy(b, values, sizeof(double) * r * n1 * n2);
    if (bad != -1)
        axis = bad == -2 ? -2 : 2;
    if (axis == -1 && d > 1)
        bad = resample(coord[1], n1, g->q[1], (ptrdiff_t)m1, b, c, r, m2, g->qmin[1],
                       g->qmax[1] - g->qmin[1]);
    else if (axis == -1)
        memcpy(c, b, sizeof(double) * r);
    if (axis == -1 && bad != -1)
        axis = bad == -2 ? -2 : 1;
    if (axis == -1 && m0 > 0) {
        bad = resample(coord[0] + row0, r, g->q[0] + g->local_0_start, (ptrdiff_t)m0, c, out, 1,
                       m1 * m2, g->qmin[0], g->qmax[0] - g->qmin[0]);
        if (bad != -1)
            axis = bad == -2 ? -2 : 0;
        if (bad >= 0)
            bad += g->local_0_start;
    }
    *index = bad;
    free(b);
    free(c);
    return axis;
}
