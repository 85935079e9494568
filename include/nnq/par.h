/*
 * par.h - the ranks of an MPI run: nnq's one door to MPI (docs/architecture.md).
 *
 * A build with NNQ_MPI (CMake option) runs under mpirun: the grid is cut into slabs of axis 0
 * by FFTW-MPI, each rank owns one, and the functions below combine what the ranks hold. In a
 * serial build, in an MPI build started without mpirun, and in a program that never called
 * nnq_par_init, there is one rank and every function here is the identity (or a copy):
 * callers never test which build they are in.
 */
#ifndef NNQ_PAR_H
#define NNQ_PAR_H

#include <stddef.h>

#include "nnq/err.h"

/* Starts MPI (thread level FUNNELED: OpenMP threads never call MPI) and FFTW-MPI when a
 * launcher (mpirun, mpiexec, srun) started the process; otherwise, and in a serial build, a
 * no-op: nnq is then a serial program. Call once, first thing in main. Returns 0, or -1 when
 * MPI would not start. */
int nnq_par_init(int *argc, char ***argv);

/* Ends MPI; a no-op in a serial build. Call once, last thing in main. Cannot fail. */
void nnq_par_finalize(void);

/* This rank (0 .. size-1) and the number of ranks. Cannot fail. */
int nnq_par_rank(void);
int nnq_par_size(void);

/* v[0..n-1] summed over the ranks, in place; every rank gets the sums. Cannot fail. */
void nnq_par_sum(double *v, int n);

/* The largest x over the ranks (NaN on any rank: NaN). Cannot fail. */
double nnq_par_max(double x);

/* Copies rank 0's `bytes` bytes at buf to every rank. Cannot fail. */
void nnq_par_bcast(void *buf, size_t bytes);

/* Copies rank root's `bytes` bytes at buf to every rank. Collective. Cannot fail. */
void nnq_par_bcast_from(void *buf, size_t bytes, int root);

/* The lowest rank whose flag is nonzero (nnq_par_size() when none). Collective. Cannot
 * fail. */
int nnq_par_first(int flag);

/* v[i] becomes the sum of v[i] over the ranks below this one (0 on rank 0): the offsets of
 * a running sum along axis 0. Collective. Cannot fail. */
void nnq_par_exscan_sum(double *v, int n);

/* The ranks agree on an outcome: returns NNQ_OK when every rank passed NNQ_OK; otherwise the
 * status of the lowest rank that failed, and *err on every rank becomes that rank's error
 * (so that rank 0 can report it). Collective: every rank must call it at the same point.
 * Cannot fail. */
enum nnq_status nnq_par_agree(enum nnq_status status, struct nnq_err *err);

/* Nonzero on every rank when flag is nonzero on any. Collective. Cannot fail. */
int nnq_par_any(int flag);

/*
 * Periodic neighbours along axis 0, whose rows are distributed as `counts` (rows per rank,
 * size entries; ranks may hold none): receives into `next` the `want` first rows (row_bytes
 * each) that follow this rank's last row, and into `prev` (when not NULL) the `want` rows that
 * precede its first, from whichever ranks hold them, wrapping at the ends of axis 0. field
 * holds this rank's rows. want <= the rows of every rank that holds any; next and prev are
 * NULL, or not, alike on every rank. Collective. Cannot fail.
 */
void nnq_par_halo(const void *field, size_t row_bytes, const ptrdiff_t *counts, int want,
                  void *next, void *prev);

#endif
