/* grid.c - uniform periodic grid (see include/nnq/grid.h). */
#include "nnq/grid.h"

#include <math.h>
#include <stdlib.h>

#include "nnq/par.h"
#ifdef NNQ_HAVE_MPI
#include <fftw3-mpi.h>
#endif

enum nnq_status nnq_grid_create(int dims, const long *n, const double *qmin, const double *qmax,
                                struct nnq_grid **out, struct nnq_err *err) {
    *out = NULL;
    const int size = nnq_par_size();
    struct nnq_grid *g = calloc(1, sizeof *g);
    int ok = g != NULL;
    for (int i = 0; ok && i < 3; i++) {
        g->n[i] = i < dims ? n[i] : 1;
        ok = (g->q[i] = malloc((size_t)g->n[i] * sizeof(double))) &&
             (g->k[i] = malloc((size_t)g->n[i] * sizeof(double)));
    }
    ok = ok && (g->counts = calloc((size_t)size, sizeof *g->counts)) &&
         (g->row = malloc(sizeof(double complex) * (size_t)(g->n[1] * g->n[2])));
#ifdef NNQ_HAVE_MPI
    long long *all = ok && size > 1 && dims > 1 ? calloc((size_t)size, sizeof *all) : NULL;
    ok = ok && (all || size == 1 || dims == 1);
#endif
    /* every rank's allocations, agreed before the collectives below, which a rank that failed
     * would not reach */
    const enum nnq_status rc = nnq_par_agree(
        ok ? NNQ_OK : nnq_err_set(err, NNQ_ERR_RUNTIME, "out of memory for the grid"), err);
    if (rc != NNQ_OK) {
#ifdef NNQ_HAVE_MPI
        free(all);
#endif
        nnq_grid_destroy(g);
        return rc;
    }
    g->dims = dims;
    g->dv = 1.0;
    g->total = 1;
    for (int i = 0; i < 3; i++) {
        int active = i < dims;
        g->qmin[i] = active ? qmin[i] : 0.0;
        g->qmax[i] = active ? qmax[i] : 1.0;
        g->dq[i] = (g->qmax[i] - g->qmin[i]) / (double)g->n[i];
        g->total *= g->n[i];
        if (active)
            g->dv *= g->dq[i];
        double L = g->qmax[i] - g->qmin[i];
        for (ptrdiff_t j = 0; j < g->n[i]; j++) {
            g->q[i][j] = active ? g->qmin[i] + (double)j * g->dq[i] : 0.0;
            ptrdiff_t m = j < (g->n[i] + 1) / 2 ? j : j - g->n[i];
            g->k[i][j] = active ? 2.0 * M_PI * (double)m / L : 0.0;
        }
    }
    g->local_n0 = g->n[0];
    g->local_0_start = 0;
    g->local_size = g->alloc_size = g->total;
    g->counts[0] = g->n[0];
    if (size > 1 && dims == 1 && nnq_par_rank() > 0) {
        /* a 1D grid is not cut (see grid.h): rank 0 holds it all, the others none */
        g->local_n0 = g->local_size = 0;
        g->local_0_start = g->n[0];
    }
#ifdef NNQ_HAVE_MPI
    if (size > 1 && dims > 1) {
        const ptrdiff_t nn[3] = {g->n[0], g->n[1], g->n[2]};
        g->alloc_size = fftw_mpi_local_size_many_transposed(
            dims, nn, 1, FFTW_MPI_DEFAULT_BLOCK, FFTW_MPI_DEFAULT_BLOCK, MPI_COMM_WORLD,
            &g->local_n0, &g->local_0_start, &g->local_n1, &g->local_1_start);
        g->local_size = g->local_n0 * g->n[1] * g->n[2];
        g->k_local_size = g->local_n1 * g->n[0] * g->n[2];
        g->transposed = 1;
        long long mine = g->local_n0;
        MPI_Allgather(&mine, 1, MPI_LONG_LONG, all, 1, MPI_LONG_LONG, MPI_COMM_WORLD);
        for (int r = 0; r < size; r++)
            g->counts[r] = (ptrdiff_t)all[r];
        g->distributed = 1;
    }
    free(all);
#endif
    if (!g->transposed)
        g->k_local_size = g->local_size;
    if (g->alloc_size < g->local_size)
        g->alloc_size = g->local_size;
    if (g->alloc_size < g->k_local_size)
        g->alloc_size = g->k_local_size;
    if (g->alloc_size < 1)
        g->alloc_size = 1;
    nnq_grid_check(g);
    *out = g;
    return NNQ_OK;
}

enum nnq_status nnq_grid_plan_fft(const struct nnq_grid *g, double complex *array, int threads,
                                  enum nnq_planner planner, fftw_plan *fwd, fftw_plan *bwd,
                                  struct nnq_err *err) {
    static const unsigned flags[] = {
        [NNQ_PLANNER_ESTIMATE] = FFTW_ESTIMATE,
        [NNQ_PLANNER_MEASURE] = FFTW_MEASURE,
        [NNQ_PLANNER_PATIENT] = FFTW_PATIENT,
    };
    const int n[3] = {(int)g->n[0], (int)g->n[1], (int)g->n[2]};
    *fwd = *bwd = NULL;
    if (!g->distributed && g->local_size == 0)
        return NNQ_OK;   /* a rank without a share of a grid that is not cut: nothing to do */
    fftw_init_threads(); /* idempotent */
    fftw_plan_with_nthreads(threads);
#ifdef NNQ_HAVE_MPI
    if (g->distributed) {
        const ptrdiff_t nn[3] = {g->n[0], g->n[1], g->n[2]};
        *fwd = fftw_mpi_plan_many_dft(g->dims, nn, 1, FFTW_MPI_DEFAULT_BLOCK,
                                      FFTW_MPI_DEFAULT_BLOCK, array, array, MPI_COMM_WORLD,
                                      FFTW_FORWARD, flags[planner] | FFTW_MPI_TRANSPOSED_OUT);
        *bwd = fftw_mpi_plan_many_dft(g->dims, nn, 1, FFTW_MPI_DEFAULT_BLOCK,
                                      FFTW_MPI_DEFAULT_BLOCK, array, array, MPI_COMM_WORLD,
                                      FFTW_BACKWARD, flags[planner] | FFTW_MPI_TRANSPOSED_IN);
    } else
#endif
    {
        *fwd = fftw_plan_dft(g->dims, n, array, array, FFTW_FORWARD, flags[planner]);
        *bwd = fftw_plan_dft(g->dims, n, array, array, FFTW_BACKWARD, flags[planner]);
    }
    if (*fwd && *bwd)
        return NNQ_OK;
    if (*fwd)
        fftw_destroy_plan(*fwd);
    if (*bwd)
        fftw_destroy_plan(*bwd);
    *fwd = *bwd = NULL;
    return nnq_err_set(err, NNQ_ERR_RUNTIME, "FFTW could not plan a %d-dimensional transform",
                       g->dims);
}

void nnq_grid_fill_k2(const struct nnq_grid *g, double c, double *out) {
    for (ptrdiff_t idx = 0; idx < g->k_local_size; idx++) {
        ptrdiff_t j[3];
        nnq_grid_kindex(g, idx, j);
        const double k0 = g->k[0][j[0]], k1 = g->k[1][j[1]], k2 = g->k[2][j[2]];
        out[idx] = c * (k0 * k0 + k1 * k1 + k2 * k2);
    }
}

void nnq_grid_execute(const struct nnq_grid *g, fftw_plan p, double complex *a) {
    if (!p)
        return; /* see nnq_grid_plan_fft */
#ifdef NNQ_HAVE_MPI
    if (g->distributed) {
        fftw_mpi_execute_dft(p, a, a);
        return;
    }
#endif
    (void)g;
    fftw_execute_dft(p, a, a);
}

void nnq_grid_destroy(struct nnq_grid *g) {
    if (!g)
        return;
    for (int i = 0; i < 3; i++) {
        free(g->q[i]);
        free(g->k[i]);
    }
    free(g->counts);
    free(g->row);
    free(g);
}
