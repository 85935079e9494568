/*
 * current.c - the probability current of psi by spectral derivatives (see nnq/current.h).
 */
#include "nnq/current.h"

#include <assert.h>
#include <fftw3.h>
#include <stdlib.h>
#include <string.h>

#include "nnq/par.h"

/* Invariants: j holds d local_size values; psik and w are complex arrays of g->alloc_size,
 * fwd / bwd in-place plans on w (run on psik through the new-array interface), NULL on a rank
 * without a share of a grid that is not cut. */
struct nnq_current {
    const struct nnq_grid *g;
    double factor; /* hbar / m */
    double *j;
    double complex *psik, *w;
    fftw_plan fwd, bwd;
};

size_t nnq_current_bytes_per_point(int dims) {
    return sizeof(double) * (size_t)dims + 2 * sizeof(double complex);
}

enum nnq_status nnq_current_create(const struct nnq_grid *g, double hbar, double mass, int threads,
                                   enum nnq_planner planner, struct nnq_current **out,
                                   struct nnq_err *err) {
    *out = NULL;
    struct nnq_current *c = calloc(1, sizeof *c);
    const size_t n = g->local_size > 0 ? (size_t)g->local_size : 1;
    if (c) {
        c->g = g;
        c->factor = hbar / mass;
        c->j = fftw_malloc(sizeof(double) * (size_t)g->dims * n);
        c->psik = fftw_malloc(sizeof(double complex) * (size_t)g->alloc_size);
        c->w = fftw_malloc(sizeof(double complex) * (size_t)g->alloc_size);
    }
    /* agreed before planning, a collective under MPI that the other ranks would wait in */
    enum nnq_status rc = nnq_par_agree(
        c && c->j && c->psik && c->w
            ? NNQ_OK
            : nnq_err_set(err, NNQ_ERR_RUNTIME, "out of memory for psi's current (%zu points)", n),
        err);
    if (rc == NNQ_OK)
        rc =
            nnq_par_agree(nnq_grid_plan_fft(g, c->w, threads, planner, &c->fwd, &c->bwd, err), err);
    if (rc != NNQ_OK) {
        nnq_current_destroy(c);
        return rc;
    }
    *out = c;
    return NNQ_OK;
}

/* out = IFFT(i k_a fk) / N: the spectral derivative along a (Nyquist mode dropped). */
static void spectral_derivative(struct nnq_current *c, const double complex *fk, int a,
                                double complex *out) {
    const struct nnq_grid *g = c->g;
    const double inv_n = 1.0 / (double)g->total;
    for (ptrdiff_t idx = 0; idx < g->k_local_size; idx++) {
        ptrdiff_t k[3];
        nnq_grid_kindex(g, idx, k);
        int nyquist = g->n[a] % 2 == 0 && k[a] == g->n[a] / 2;
        out[idx] = nyquist ? 0 : I * g->k[a][k[a]] * inv_n * fk[idx];
    }
    nnq_grid_execute(g, c->bwd, out);
}

const double *nnq_current_run(struct nnq_current *c, const double complex *psi) {
    /* a rank without a share of a grid that is not cut has no plans (nnq_grid_plan_fft) */
    assert(c && c->j && c->psik && c->w &&
           ((c->fwd && c->bwd) || (!c->g->distributed && c->g->local_size == 0)));
    const ptrdiff_t n = c->g->local_size;
    memcpy(c->psik, psi, sizeof(double complex) * (size_t)n);
    nnq_grid_execute(c->g, c->fwd, c->psik);
    for (int a = 0; a < c->g->dims; a++) {
        spectral_derivative(c, c->psik, a, c->w);
        for (ptrdiff_t i = 0; i < n; i++)
            c->j[a * n + i] = c->factor * cimag(conj(psi[i]) * c->w[i]);
    }
    return c->j;
}

void nnq_current_destroy(struct nnq_current *c) {
    if (!c)
        return;
    if (c->fwd)
        fftw_destroy_plan(c->fwd);
    if (c->bwd)
        fftw_destroy_plan(c->bwd);
    fftw_free(c->j);
    fftw_free(c->psik);
    fftw_free(c->w);
    free(c);
}
