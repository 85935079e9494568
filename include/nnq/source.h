/*
 * source.h - where V(t, q) comes from: a source behind a table of operations, and the
 * registry of sources (src/potential.c). nnq/potential.h is the facade the solvers use.
 *
 * A new source (a tabulated file, say) is one file src/source_<name>.c defining its kind,
 * plus one row in the registry. A source sees the grid at create, so that one that reads a
 * table can read just this rank's slab under MPI.
 */
#ifndef NNQ_SOURCE_H
#define NNQ_SOURCE_H

#include "nnq/config.h"
#include "nnq/err.h"
#include "nnq/grid.h"

/*
 * The operations of a source; `self` is what its kind's create made.
 *   fill            V at time t on this rank's slab of g (local_size values). NNQ_OK, or
 *                   NNQ_ERR_CONFIG. The caller checks that V is finite.
 *   time_dependent  1 when V depends on t. Cannot fail.
 *   bytes_per_point what it holds per grid point (tables), also when made without a grid.
 *                   Cannot fail.
 *   read_bytes      (NULL: none) the most bytes it holds at once while it reads its files
 *                   (the whole of a table), also when made without a grid. Cannot fail.
 *   destroy         frees self; NULL is a no-op.
 *   gradient        (NULL: none) dV/dq at count points q (point-major, the grid's d values
 *                   each, anywhere) at time t into grad (the same shape), from the source's
 *                   own formula rather than from the grid; returns 0 (writing nothing) where
 *                   it has none. Asked with count 0 whether it has one. The answer is the same
 *                   on every rank (a caller under MPI agrees on it in case memory ran out at
 *                   create). Cannot fail.
 */
struct nnq_source_ops {
    enum nnq_status (*fill)(const void *self, const struct nnq_grid *g, double t, double *V,
                            struct nnq_err *err);
    int (*time_dependent)(const void *self);
    size_t (*bytes_per_point)(const void *self);
    void (*destroy)(void *self);
    double (*read_bytes)(const void *self);
    int (*gradient)(const void *self, double t, const double *q, ptrdiff_t count, double *grad);
};

/*
 * A kind of source. matches(cfg): 1 when cfg's [potential] asks for it (the first kind of the
 * registry that matches is used). create: from cfg on grid g (NULL when only the source's
 * properties are asked for, as in an estimate); NNQ_OK, NNQ_ERR_CONFIG (a message starting
 * "[potential] ..."), NNQ_ERR_RUNTIME; sets *ops and *self.
 */
struct nnq_source_kind {
    const char *name;
    int (*matches)(const struct nnq_config *cfg);
    enum nnq_status (*create)(const struct nnq_config *cfg, const struct nnq_grid *g,
                              const struct nnq_source_ops **ops, void **self, struct nnq_err *err);
};

/* The registry, NULL-terminated, and its kinds. */
extern const struct nnq_source_kind *const nnq_sources[];
extern const struct nnq_source_kind nnq_source_preset, nnq_source_expression, nnq_source_file;

#endif
