/*
 * grid.h - the uniform periodic q-grid and its Fourier dual.
 *
 * Axis i has n[i] points q_j = qmin[i] + j dq[i], j = 0..n[i]-1, dq[i] = (qmax[i]-qmin[i])/n[i]
 * (periodic: qmax is the image of qmin). Wave numbers in FFTW's order:
 * k_j = 2 pi j / L for j < n/2, 2 pi (j - n) / L otherwise.
 * Fields are row-major (axis 0 slowest). Every field loop runs over the local slab of axis 0,
 * [local_0_start, local_0_start + local_n0), as FFTW-MPI defines it; serially, and on one rank,
 * it is all of it. Under mpirun (nnq/par.h) 2D and 3D grids are cut into slabs; a rank may hold
 * none. 1D grids are not cut (FFTW-MPI's 1D transforms change the data's order and
 * distribution between x and k space, and a 1D grid fits one machine): rank 0 holds it all.
 */
#ifndef NNQ_GRID_H
#define NNQ_GRID_H

#include <assert.h>
#include <complex.h>
#include <fftw3.h>
#include <stddef.h>

#include "nnq/config.h"
#include "nnq/err.h"

/* Invariants: 1 <= dims <= 3; n[i] >= 1 (n[i] == 1 for i >= dims); dq[i] > 0;
 * local_size = local_n0 * n[1] * n[2]; alloc_size >= max(local_size, 1) is what an array
 * that FFTW transforms must hold (FFTW-MPI may need more than local_size); dv = prod dq[i] over
 * the dims axes; q[i] and k[i] hold n[i] values each (q[i][0] = 0, k[i][0] = 0 for i >= dims);
 * counts[r] = local_n0 of rank r (nnq_par_size() entries, summing to n[0]); distributed: the
 * slabs are FFTW-MPI's (more than one rank). k space: a transformed array holds k_local_size
 * values; with transposed (distributed 2D/3D grids) axes 0 and 1 are swapped there and the
 * slab is local_n1 rows of axis 1 from local_1_start (FFTW_MPI_TRANSPOSED_OUT: the forward
 * transform skips its last global transpose, the backward one its first); otherwise it is x
 * space's layout. nnq_grid_kindex maps the two. */
struct nnq_grid {
    int dims;
    ptrdiff_t n[3];
    double qmin[3], qmax[3], dq[3];
    double dv;
    ptrdiff_t total;
    ptrdiff_t local_n0, local_0_start, local_size, alloc_size;
    ptrdiff_t local_n1, local_1_start, k_local_size;
    int transposed;
    ptrdiff_t *counts;
    int distributed;
    double complex *row; /* scratch: one row of axis 0 (n[1] * n[2] values), e.g. a halo */
    double *q[3];
    double *k[3];
};

/* Asserts g's invariants that cost O(1) (on in debug and sanitizer builds). */
static inline void nnq_grid_check(const struct nnq_grid *g) {
    (void)g; /* NDEBUG: no asserts */
    assert(g && g->dims >= 1 && g->dims <= 3);
    for (int i = 0; i < 3; i++)
        assert(g->n[i] >= 1 && (i < g->dims || g->n[i] == 1) && g->dq[i] > 0 && g->q[i] && g->k[i]);
    assert(g->local_n0 >= 0 && g->local_size == g->local_n0 * g->n[1] * g->n[2]);
    assert(g->alloc_size >= (g->local_size > 1 ? g->local_size : 1) && g->counts && g->dv > 0);
}

/* The grid indices j[0..3) of point idx of this rank's slab (j[0] along all of axis 0; 0 past
 * dims). Cannot fail. */
static inline void nnq_grid_index(const struct nnq_grid *g, ptrdiff_t idx, ptrdiff_t *j) {
    j[0] = g->local_0_start + idx / (g->n[1] * g->n[2]);
    j[1] = idx / g->n[2] % g->n[1];
    j[2] = idx % g->n[2];
}

/* Builds the grid, this rank's slab of it. n, qmin, qmax: 3 entries, those past dims ignored.
 * Returns NNQ_OK, or NNQ_ERR_RUNTIME when memory runs out. *out is owned by the caller.
 * Collective under mpirun. */
enum nnq_status nnq_grid_create(int dims, const long *n, const double *qmin, const double *qmax,
                                struct nnq_grid **out, struct nnq_err *err);

/* Makes the forward and backward in-place FFTW plans of the grid on `array` (FFTW-aligned,
 * local_size values), with `threads` threads and the planner effort asked for. FFTW_MEASURE
 * and FFTW_PATIENT overwrite the array: plan before filling it. The one place where grid
 * transforms are planned: FFTW-MPI's slab plans (same layout in x and k space) when the grid
 * is distributed; none (NULL, NNQ_OK) on a rank that holds no part of a grid that is not
 * (1D). Collective under mpirun.
 * Returns NNQ_OK, or NNQ_ERR_RUNTIME when FFTW cannot plan (*fwd, *bwd then NULL). */
enum nnq_status nnq_grid_plan_fft(const struct nnq_grid *g, double complex *array, int threads,
                                  enum nnq_planner planner, fftw_plan *fwd, fftw_plan *bwd,
                                  struct nnq_err *err);

/* Runs plan p (from nnq_grid_plan_fft on g) on the array a (alloc_size values, in place),
 * FFTW's new-array execute: FFTW-MPI's for a distributed grid; nothing for a NULL plan.
 * Collective under mpirun. Cannot fail. */
void nnq_grid_execute(const struct nnq_grid *g, fftw_plan p, double complex *a);

/* out[idx] = c |k|^2 for the k_local_size elements of this rank's part of k space (the
 * kinetic factors of the spectral Laplacian). Cannot fail. */
void nnq_grid_fill_k2(const struct nnq_grid *g, double c, double *out);

/* The wave-number indices j[0..2] (into k[0..2]) of element idx (< k_local_size) of a
 * transformed array. Cannot fail. */
static inline void nnq_grid_kindex(const struct nnq_grid *g, ptrdiff_t idx, ptrdiff_t *j) {
    if (g->transposed) { /* n1 x n0 x n2, this rank's rows of axis 1 */
        j[2] = idx % g->n[2];
        j[0] = (idx / g->n[2]) % g->n[0];
        j[1] = g->local_1_start + idx / (g->n[2] * g->n[0]);
    } else {
        j[2] = idx % g->n[2];
        j[1] = (idx / g->n[2]) % g->n[1];
        j[0] = g->local_0_start + idx / (g->n[2] * g->n[1]);
    }
}

/* Frees g; NULL is a no-op. */
void nnq_grid_destroy(struct nnq_grid *g);

#endif
