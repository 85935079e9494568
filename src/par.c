/* par.c - the ranks of an MPI run (see include/nnq/par.h). */
#include "nnq/par.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifdef NNQ_HAVE_MPI
#include <fftw3-mpi.h>
#include <mpi.h>

/* Whether a launcher started this process as one rank of a job: mpirun/mpiexec (Open MPI,
 * MPICH's Hydra) and srun with PMI or PMIx leave these in the environment. */
static int launched(void) {
    static const char *const vars[] = {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK",
                                       "MPI_LOCALNRANKS"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
        if (getenv(vars[i]))
            return 1;
    return 0;
}

static int mpi_running(void);

int nnq_par_init(int *argc, char ***argv) {
    /* Without a launcher nnq is an ordinary serial program: MPI is not started at all (its
     * start-up costs time, shared memory and file descriptors, and valgrind reports its
     * plugins' leaks). */
    if (!launched())
        return 0;
    int provided;
    if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
        return -1;
    fftw_init_threads(); /* before fftw_mpi_init, as FFTW's manual asks */
    fftw_mpi_init();
    return 0;
}

void nnq_par_finalize(void) {
    if (!mpi_running())
        return;
    fftw_mpi_cleanup();
    MPI_Finalize();
}

/* A program that links the library but never started MPI (the tests, the benchmark) is one
 * rank too. */
static int mpi_running(void) {
    int started = 0, ended = 0;
    MPI_Initialized(&started);
    MPI_Finalized(&ended);
    return started && !ended;
}

int nnq_par_rank(void) {
    int r = 0;
    if (mpi_running())
        MPI_Comm_rank(MPI_COMM_WORLD, &r);
    return r;
}

int nnq_par_size(void) {
    int s = 1;
    if (mpi_running())
        MPI_Comm_size(MPI_COMM_WORLD, &s);
    return s;
}

void nnq_par_sum(double *v, int n) {
    if (nnq_par_size() > 1)
        MPI_Allreduce(MPI_IN_PLACE, v, n, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
}

double nnq_par_max(double x) {
    if (nnq_par_size() == 1)
        return x;
    /* MPI_MAX need not propagate NaN: count NaNs separately */
    double v[2] = {isnan(x) ? -INFINITY : x, isnan(x) ? 1.0 : 0.0};
    MPI_Allreduce(MPI_IN_PLACE, v, 2, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    return v[1] > 0 ? NAN : v[0];
}

/* MPI counts are ints: transfers go in pieces of at most this many bytes. */
#define PIECE ((size_t)1 << 30)

void nnq_par_bcast(void *buf, size_t bytes) { nnq_par_bcast_from(buf, bytes, 0); }

void nnq_par_bcast_from(void *buf, size_t bytes, int root) {
    if (nnq_par_size() == 1)
        return;
    for (size_t off = 0; off < bytes; off += PIECE)
        MPI_Bcast((char *)buf + off, (int)(bytes - off < PIECE ? bytes - off : PIECE), MPI_BYTE,
                  root, MPI_COMM_WORLD);
}

int nnq_par_first(int flag) {
    const int size = nnq_par_size();
    if (size == 1)
        return flag ? 0 : 1;
    int first = flag ? nnq_par_rank() : size;
    MPI_Allreduce(MPI_IN_PLACE, &first, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    return first;
}

void nnq_par_exscan_sum(double *v, int n) {
    if (nnq_par_size() == 1) {
        for (int i = 0; i < n; i++)
            v[i] = 0;
        return;
    }
    MPI_Exscan(MPI_IN_PLACE, v, n, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    if (nnq_par_rank() == 0) /* MPI leaves rank 0's result undefined */
        for (int i = 0; i < n; i++)
            v[i] = 0;
}

enum nnq_status nnq_par_agree(enum nnq_status status, struct nnq_err *err) {
    const int size = nnq_par_size();
    if (size == 1)
        return status;
    int first = status != NNQ_OK ? nnq_par_rank() : size;
    MPI_Allreduce(MPI_IN_PLACE, &first, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    if (first == size)
        return NNQ_OK;
    struct nnq_err e = {NNQ_OK, ""};
    if (nnq_par_rank() == first && err)
        e = *err;
    MPI_Bcast(&e, (int)sizeof e, MPI_BYTE, first, MPI_COMM_WORLD);
    if (err)
        *err = e;
    return e.code;
}

int nnq_par_any(int flag) {
    if (nnq_par_size() == 1)
        return flag;
    int f = flag != 0;
    MPI_Allreduce(MPI_IN_PLACE, &f, 1, MPI_INT, MPI_LOR, MPI_COMM_WORLD);
    return f;
}

/* The rank that holds global row r, given the rows per rank. */
static int owner(const ptrdiff_t *counts, int size, ptrdiff_t r) {
    for (int k = 0; k < size; k++) {
        if (r < counts[k])
            return k;
        r -= counts[k];
    }
    return size - 1;
}

void nnq_par_halo(const void *field, size_t row_bytes, const ptrdiff_t *counts, int want,
                  void *next, void *prev) {
    const int size = nnq_par_size(), rank = nnq_par_rank();
    ptrdiff_t total = 0, start = 0;
    for (int k = 0; k < size; k++) {
        if (k == rank)
            start = total;
        total += counts[k];
    }
    const ptrdiff_t mine = counts[rank];
    const size_t bytes = row_bytes * (size_t)want;
    const char *rows = field;
    /* every rank that holds rows sends its first rows back and its last rows forward */
    for (int dir = 0; dir < 2; dir++) {
        void *into = dir == 0 ? next : prev;
        int send_to = MPI_PROC_NULL, recv_from = MPI_PROC_NULL;
        if (mine > 0) {
            ptrdiff_t need = dir == 0 ? (start + mine) % total : (start - 1 + total) % total;
            ptrdiff_t give = dir == 0 ? (start - 1 + total) % total : (start + mine) % total;
            recv_from = owner(counts, size, need);
            send_to = owner(counts, size, give);
        }
        /* a rank without rows sends nothing (and points at nothing past its empty field) */
        const char *out = dir == 0 || mine == 0 ? rows : rows + row_bytes * (size_t)(mine - want);
        if (!into)
            continue; /* NULL on every rank alike (see par.h) */
        if (send_to == rank && recv_from == rank) {
            memcpy(into, out, bytes);
            continue;
        }
        /* the same pieces on both sides: every rank has the same `bytes` */
        for (size_t off = 0; off < bytes; off += PIECE) {
            const int len = (int)(bytes - off < PIECE ? bytes - off : PIECE);
            MPI_Sendrecv(mine > 0 ? out + off : out, mine > 0 ? len : 0, MPI_BYTE, send_to, dir,
                         (char *)into + off, len, MPI_BYTE, recv_from, dir, MPI_COMM_WORLD,
                         MPI_STATUS_IGNORE);
        }
    }
}

#else /* serial build: one rank */

int nnq_par_init(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    return 0;
}

void nnq_par_finalize(void) {}
int nnq_par_rank(void) { return 0; }
int nnq_par_size(void) { return 1; }
void nnq_par_sum(double *v, int n) {
    (void)v;
    (void)n;
}
double nnq_par_max(double x) { return x; }
void nnq_par_bcast(void *buf, size_t bytes) {
    (void)buf;
    (void)bytes;
}
void nnq_par_bcast_from(void *buf, size_t bytes, int root) {
    (void)buf;
    (void)bytes;
    (void)root;
}
int nnq_par_first(int flag) { return flag ? 0 : 1; }
void nnq_par_exscan_sum(double *v, int n) {
    for (int i = 0; i < n; i++)
        v[i] = 0;
}
enum nnq_status nnq_par_agree(enum nnq_status status, struct nnq_err *err) {
    (void)err;
    return status;
}
int nnq_par_any(int flag) { return flag; }

void nnq_par_halo(const void *field, size_t row_bytes, const ptrdiff_t *counts, int want,
                  void *next, void *prev) {
    const char *rows = field;
    const size_t bytes = row_bytes * (size_t)want;
    if (next)
        memcpy(next, rows, bytes);
    if (prev)
        memcpy(prev, rows + row_bytes * (size_t)(counts[0] - want), bytes);
}

#endif
