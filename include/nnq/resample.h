/*
 * resample.h - a table on its own coordinates onto the grid: the cubic Hermite interpolant
 * whose slopes are those of the parabola through each point and its two neighbours (one-sided
 * at the ends): C1, exact for quadratics, error O(h^3) in the table's spacing h. Used for the
 * loss of a [potential] file and for an [initial] file on another grid.
 */
#ifndef NNQ_RESAMPLE_H
#define NNQ_RESAMPLE_H

#include <stddef.h>

#include "nnq/grid.h"

/* The rows [*lo, *hi) of coordinates x[0 .. n) (increasing) that interpolation at the points
 * q0[0 .. m) (increasing) reads, with the neighbours their slopes need: a rank reads only
 * these. m = 0: an empty range. Cannot fail. */
void nnq_resample_rows(const double *x, size_t n, const double *q0, ptrdiff_t m, size_t *lo,
                       size_t *hi);

/*
 * values: rows [row0, row0 + rows) of axis 0 of a table, C order [rows][n1][n2], on the
 * coordinates coord[a] (n[a] increasing values; coord[0] all n[0] of them); onto this rank's
 * slab of g, out (local_size values). An axis whose coordinates are the grid's takes the values
 * as they are. Returns -1 when done; the axis (0..2) with a grid point outside the table's
 * coordinates, *index its index on that axis; -2 when memory ran out.
 */
int nnq_resample_onto(const struct nnq_grid *g, const double *const *coord, const size_t *n,
                      size_t row0, size_t rows, const double *values, double *out,
                      ptrdiff_t *index);

#endif
