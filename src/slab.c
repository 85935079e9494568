/*
 * slab.c - a rank's slab of the grid: halo planes and sums by blocks (see src/slab.h).
 */
#include "slab.h"

#include <assert.h>
#include <fftw3.h>
#include <string.h>

#include "nnq/par.h"

int nnq_slab_init(struct nnq_slab *s, const struct nnq_grid *g, int threads, int slots) {
    memset(s, 0, sizeof *s);
    s->g = g;
    s->threads = threads > 0 ? threads : 1;
    s->slots = slots;
    s->d = g->dims;
    s->n = g->local_size;
    s->stride[2] = 1;
    s->stride[1] = g->n[2];
    s->stride[0] = s->plane = g->n[1] * g->n[2];
    s->nrows = s->d == 1 ? 1 : g->n[0];
    s->prev = fftw_malloc(sizeof(double) * (size_t)slots * (size_t)s->plane);
    s->next = fftw_malloc(sizeof(double) * (size_t)slots * (size_t)s->plane);
    s->rows = fftw_malloc(sizeof(double) * 2 * (size_t)s->nrows);
    if (s->prev && s->next && s->rows)
        return 0;
    nnq_slab_free(s);
    return -1;
}

void nnq_slab_free(struct nnq_slab *s) {
    fftw_free(s->prev);
    fftw_free(s->next);
    fftw_free(s->rows);
    s->prev = s->next = s->rows = NULL;
}

double nnq_slab_bytes(int dims, const long *n, int slots) {
    const double plane = dims == 1 ? 1.0 : (double)n[1] * (dims == 3 ? (double)n[2] : 1.0);
    const double rows = dims == 1 ? 1.0 : (double)n[0];
    return sizeof(double) * (2.0 * slots * plane + 2 * rows);
}

void nnq_slab_halo(struct nnq_slab *s, const double *f, int slot) {
    assert(slot >= 0 && slot < s->slots);
    nnq_par_halo(f, sizeof(double) * (size_t)s->plane, s->g->counts, 1, s->next + slot * s->plane,
                 s->prev + slot * s->plane);
}

void nnq_slab_clear(struct nnq_slab *s) {
    memset(s->rows, 0, sizeof(double) * 2 * (size_t)s->nrows);
}

double nnq_slab_total(struct nnq_slab *s, int which) {
    double *rows = s->rows + which * s->nrows;
    nnq_par_sum(rows, (int)s->nrows);
    double sum = 0;
    for (ptrdiff_t r = 0; r < s->nrows; r++)
        sum += rows[r];
    return sum;
}

double nnq_slab_dot(struct nnq_slab *s, const double *x, const double *y) {
    memset(s->rows, 0, sizeof(double) * (size_t)s->nrows);
    const ptrdiff_t len = s->d == 1 ? s->n : s->plane, blocks = s->d == 1 ? 1 : s->g->local_n0;
#pragma omp parallel for num_threads(s->threads) schedule(static)
    for (ptrdiff_t r = 0; r < blocks; r++) {
        double sum = 0;
        for (ptrdiff_t i = r * len; i < (r + 1) * len; i++)
            sum += y ? x[i] * y[i] : x[i];
        s->rows[nnq_slab_block(s, r * len)] = sum;
    }
    return nnq_slab_total(s, 0);
}
