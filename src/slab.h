/*
 * slab.h - a rank's slab of the grid as the comparison's stencils and sums walk it (internal to
 * libnnq): the neighbours of a cell (periodic along axes 1 and 2; along axis 0 through halo
 * planes, the row before and after the slab), and sums over the grid taken as partial sums per
 * block (the rows of axis 0 in 2D and 3D, the whole line in 1D, which is not distributed) added
 * in the blocks' order, so that a sum is the same bit for bit on any number of ranks.
 *
 * Used by the least-squares free energy (free_energy.c) and the comparison (compare.c). The
 * Madelung engines keep their own sweeps: they walk lines, not cells.
 */
#ifndef NNQ_SLAB_H
#define NNQ_SLAB_H

#include <stddef.h>

#include "nnq/grid.h"

/*
 * Invariants: n = g->local_size, d = g->dims, plane = n[1] n[2], stride = (plane, n[2], 1);
 * prev and next hold `slots` planes each (slot k: the row before and after this rank's slab of
 * the field last exchanged into it); rows holds 2 nrows doubles, nrows = 1 in 1D, n[0] else.
 */
struct nnq_slab {
    const struct nnq_grid *g;
    int d, threads, slots;
    ptrdiff_t n, plane, stride[3], nrows;
    double *prev, *next, *rows;
};

/* Sets s up on g (borrowed) with `slots` halo slots. Returns 0, or -1 out of memory (s then
 * holds nothing to free). Not collective. */
int nnq_slab_init(struct nnq_slab *s, const struct nnq_grid *g, int threads, int slots);

/* Frees what init allocated; a zeroed s is a no-op. */
void nnq_slab_free(struct nnq_slab *s);

/* Bytes init allocates on a grid of n[0..dims) points with `slots` slots. */
double nnq_slab_bytes(int dims, const long *n, int slots);

/* The rows before and after this rank's slab of field f into halo slot `slot`. Collective. */
void nnq_slab_halo(struct nnq_slab *s, const double *f, int slot);

/* sum_i x_i y_i (y NULL: sum_i x_i) by blocks. Collective. */
double nnq_slab_dot(struct nnq_slab *s, const double *x, const double *y);

/* For a sum taken in a loop of one's own: the two per-block accumulators (rows, rows + nrows)
 * zeroed; add cell idx's term to accumulator `which` in idx order (nnq_slab_add), then
 * nnq_slab_total gives the sum, the same as nnq_slab_dot of the terms. Collective (total). */
void nnq_slab_clear(struct nnq_slab *s);
double nnq_slab_total(struct nnq_slab *s, int which);
static inline void nnq_slab_add(struct nnq_slab *s, int which, ptrdiff_t idx, double term);

/* Row r (-1 <= r <= local_n0) along axis 0 of field f, whose halo is in slot. */
static inline const double *nnq_slab_row0(const struct nnq_slab *s, const double *f, int slot,
                                          ptrdiff_t r) {
    if (r < 0)
        return s->prev + slot * s->plane;
    if (r >= s->g->local_n0)
        return s->next + slot * s->plane;
    return f + r * s->plane;
}

/* Cell index of the neighbour of cell idx (coordinate k along a >= 1) at offset +-1. */
static inline ptrdiff_t nnq_slab_up(const struct nnq_slab *s, ptrdiff_t idx, ptrdiff_t k, int a) {
    return k + 1 < s->g->n[a] ? idx + s->stride[a] : idx - (s->g->n[a] - 1) * s->stride[a];
}
static inline ptrdiff_t nnq_slab_down(const struct nnq_slab *s, ptrdiff_t idx, ptrdiff_t k, int a) {
    return k > 0 ? idx - s->stride[a] : idx + (s->g->n[a] - 1) * s->stride[a];
}

/* Coordinates of cell idx of the slab (axis 0 local to the slab). */
static inline void nnq_slab_coords(const struct nnq_slab *s, ptrdiff_t idx, ptrdiff_t *k) {
    k[0] = idx / s->plane;
    k[1] = (idx / s->stride[1]) % s->g->n[1];
    k[2] = idx % s->g->n[2];
}

/* The block of cell idx of the slab. */
static inline ptrdiff_t nnq_slab_block(const struct nnq_slab *s, ptrdiff_t idx) {
    return s->d == 1 ? 0 : s->g->local_0_start + idx / s->plane;
}

static inline void nnq_slab_add(struct nnq_slab *s, int which, ptrdiff_t idx, double term) {
    s->rows[which * s->nrows + nnq_slab_block(s, idx)] += term;
}

#endif
