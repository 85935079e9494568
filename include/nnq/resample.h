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

/* The rows [*lo, *hi) of coordinates x[0 .. n) (increasing) that interpolation at this
 * rank's points of g's axis 0 reads, with the neighbours their slopes need: a rank reads only
 * these; all of them where x samples the grid's periodic box (n points (qmax - qmin) / n apart
 * from qmin: such a table wraps) and this rank has points past its last one. No points on this
 * rank: an empty range. Cannot fail. */
void nnq_resample_rows(const struct nnq_grid *g, const double *x, size_t n, size_t *lo, size_t *hi);

/*
 * values: rows [row0, row0 + rows) of axis 0 of a table, C order [rows][n1][n2], on the
 * coordinates coord[a] (n[a] increasing values; coord[0] all n[0] of them); onto this rank's
 * slab of g, out (local_size values). An axis whose coordinates are the grid's takes the values
 * as they are; one whose points sample the grid's periodic box (see nnq_resample_rows; axis 0:
 * with all its rows) wraps across the box's seam. Returns -1 when done; the axis (0..2) with a grid
 * point outside the table's coordinates, *index its index on that axis; -2 when memory ran out.
 */
int nnq_resample_onto(const struct nnq_grid *g, const double *const *coord, const size_t *n,
                      size_t row0, size_t rows, const double *values, double *out,
                      ptrdiff_t *index);

#endif
