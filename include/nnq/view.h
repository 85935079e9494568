/*
 * view.h - one accessor for the fields of an evolving description: a host view of psi, p, j.
 *
 * Output, diagnostics, defect detection and the comparison read a description's state only
 * through a view; none of them reaches into a solver's arrays. A view borrows: its pointers
 * are the stepper's and stay valid until the next call into that stepper. This is the seam
 * where a device backend would sit (it would copy to host memory here).
 */
#ifndef NNQ_VIEW_H
#define NNQ_VIEW_H

#include <assert.h>
#include <complex.h>

#include "nnq/grid.h"

/* Invariants: g is the grid of the fields; every non-NULL array holds this rank's slab
 * (g->local_size values per component, component-major); at least one of psi and p is set. */
struct nnq_view {
    const struct nnq_grid *g;
    const double complex *psi; /* the wave function, or NULL (a hydrodynamic description) */
    const double *p;           /* the density, or NULL (then |psi|^2) */
    const double *j;           /* the current, d components, or NULL (then from psi) */
    const double *u;           /* the velocity j / p as the description regularises it in
                                * vacuum (d components), or NULL */
    const double *F;           /* the free energy where the description evolves it (the
                                * Madelung potential form), or NULL */
    double vacuum;             /* the density below which the description regularises its
                                * flow (the potential form: its vacuum), or 0: the momentum
                                * form's rule (nnq_madelung_trusted) */
    int ended;                 /* 1: the description has ended (nnq/stepper.h); its fields
                                * no longer hold and are not to be followed */
};

/* Asserts v's invariants (on in debug and sanitizer builds). */
static inline void nnq_view_check(const struct nnq_view *v) {
    (void)v; /* NDEBUG: no asserts */
    assert(v && v->g && (v->psi || v->p));
    nnq_grid_check(v->g);
}

#endif
