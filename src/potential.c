/* potential.c - V(t, q) from the first source of the registry that the config asks for (see
 * include/nnq/potential.h and include/nnq/source.h). */
#include "nnq/potential.h"

#include <assert.h>
#include <complex.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nnq/par.h"
#include "nnq/source.h"

const struct nnq_source_kind *const nnq_sources[] = {
    &nnq_source_file,
    &nnq_source_expression,
    &nnq_source_preset,
    NULL,
};

/* Invariant: ops and self are what kind->create made. */
struct nnq_potential {
    const struct nnq_source_kind *kind;
    const struct nnq_source_ops *ops;
    void *self;
};

static void potential_check(const struct nnq_potential *p) {
    (void)p; /* NDEBUG: no asserts */
    assert(p && p->kind && p->ops && p->ops->fill && p->ops->time_dependent);
}

enum nnq_status nnq_potential_create(const struct nnq_config *cfg, const struct nnq_grid *g,
                                     struct nnq_potential **out, struct nnq_err *err) {
    *out = NULL;
    struct nnq_potential *p = calloc(1, sizeof *p);
    if (!p)
        return nnq_err_set(err, NNQ_ERR_RUNTIME, "out of memory");
    for (int k = 0; nnq_sources[k] && !p->kind; k++)
        if (nnq_sources[k]->matches(cfg))
            p->kind = nnq_sources[k];
    enum nnq_status rc =
        p->kind ? p->kind->create(cfg, g, &p->ops, &p->self, err)
                : nnq_err_set(err, NNQ_ERR_CONFIG, "[potential]: no source of V matches");
    if (rc != NNQ_OK) {
        free(p);
        return rc;
    }
    *out = p;
    return NNQ_OK;
}

enum nnq_status nnq_potential_fill(const struct nnq_potential *pot, const struct nnq_grid *g,
                                   double t, double *V, struct nnq_err *err) {
    potential_check(pot);
    nnq_grid_check(g);
    enum nnq_status rc = pot->ops->fill(pot->self, g, t, V, err);
    if (rc != NNQ_OK)
        return rc;
    /* x - x is 0 for a finite x, NaN otherwise: a pass that vectorizes, then the search for
     * the point only when there is one */
    double sum = 0;
#pragma omp simd reduction(+ : sum)
    for (ptrdiff_t i = 0; i < g->local_size; i++)
        sum += V[i] - V[i];
    if (sum == 0)
        return NNQ_OK;
    ptrdiff_t idx = 0;
    for (ptrdiff_t i0 = 0; i0 < g->local_n0; i0++)
        for (ptrdiff_t i1 = 0; i1 < g->n[1]; i1++)
            for (ptrdiff_t i2 = 0; i2 < g->n[2]; i2++, idx++)
                if (!isfinite(V[idx]))
                    return nnq_err_set(err, NNQ_ERR_CONFIG,
                                       "[potential] V is %g at q = (%g, %g, %g), t = %g: the "
                                       "potential must be finite on the whole grid",
                                       V[idx], g->q[0][g->local_0_start + i0], g->q[1][i1],
                                       g->q[2][i2], t);
    return NNQ_OK;
}

int nnq_potential_gradient(const struct nnq_potential *pot, double t, const double *q,
                           ptrdiff_t count, double *grad) {
    potential_check(pot);
    return pot->ops->gradient ? pot->ops->gradient(pot->self, t, q, count, grad) : 0;
}

int nnq_potential_has_gradient(const struct nnq_config *cfg) {
    struct nnq_potential *pot = NULL;
    const int has = nnq_potential_create(cfg, NULL, &pot, NULL) == NNQ_OK &&
                    nnq_potential_gradient(pot, 0.0, NULL, 0, NULL);
    nnq_potential_destroy(pot);
    return has;
}

int nnq_potential_time_dependent(const struct nnq_potential *pot) {
    return pot->ops->time_dependent(pot->self);
}

size_t nnq_potential_bytes_per_point(const struct nnq_potential *pot) {
    return pot->ops->bytes_per_point(pot->self);
}

double nnq_potential_read_bytes(const struct nnq_potential *pot) {
    return pot->ops->read_bytes ? pot->ops->read_bytes(pot->self) : 0.0;
}

const char *nnq_potential_source(const struct nnq_potential *pot) { return pot->kind->name; }

void nnq_potential_destroy(struct nnq_potential *pot) {
    if (!pot)
        return;
    pot->ops->destroy(pot->self);
    free(pot);
}
