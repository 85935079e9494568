/*
 * multivalued.h - where F = hbar arg(psi) stops being single-valued, read off the
 * Schrodinger field (docs/theory.md, section 6):
 *
 *   2D: the winding number w = (1/2pi) sum over the 4 edges of wrap(arg psi_b - arg psi_a)
 *       of every grid plaquette whose corners are not all in empty space; vortex_count is
 *       sum |w| (a vortex of winding 2 counts 2, a vortex pair 2).
 *   3D: the same on the plaquettes of the three orientations; each pierced plaquette adds
 *       |w| times the spacing normal to it to vortex_length.
 *   2D, 3D: nodal lines and surfaces (a real psi changing sign: F jumps by pi hbar, no
 *       winding): the grid edges, along every axis, across which arg psi turns by more than
 *       pi/2 with an end in the support; nodal_edges counts them. A resolved phase turns by
 *       k dq << pi/2 across an edge, so only a node (or a vortex's core, or a phase the grid
 *       does not resolve, k dq > pi/2) crosses one.
 *   1D: nodes: a local minimum of p below node_depth times both neighbouring maxima (which
 *       must be in the support), across which (from one maximum to the other) the phase
 *       turns by more than pi/2; node_count counts them. Exact zeros of a 1D psi(x, t) are
 *       isolated events in (x, t); an interference fringe A1 e^{ikx} + A2 e^{-ikx} turns the
 *       phase by pi whatever its contrast ((A1 - A2)/(A1 + A2))^2, so the depth decides: a
 *       node is a fringe deep enough that the Madelung velocity spikes and the flow cannot
 *       follow it.
 * "Empty space": p < support_floor * max p. Smooth packets give 0 everywhere.
 *
 * The weight of the defects, a measure that hinges on no floor: the largest density at a
 * defect over max p - for a vortex the largest corner density of its plaquette (near a core
 * p ~ r^2, so this falls as dq^2 under refinement; likewise the larger end density of a
 * nodal edge), for a 1D node the lower of its two walls
 * (the lobe beyond the node). Defects are looked for down to NNQ_DEFECT_SEEN max p (or
 * support_floor, when lower): below, the phase of psi is the offset's (see multivalued.c).
 * A defect counts where its weight is at least support_floor.
 */
#ifndef NNQ_MULTIVALUED_H
#define NNQ_MULTIVALUED_H

#include <complex.h>

#include "nnq/grid.h"

#define NNQ_DEFECT_SEEN 1e-10

struct nnq_multivalued {
    long count;    /* node_count (1D) or vortex_count (2D, 3D: pierced plaquettes * |w|) */
    long edges;    /* nodal_edges (2D, 3D): edges across which arg psi turns by > pi/2 */
    double length; /* vortex-line length (3D), 0 otherwise */
    double weight; /* the largest density at a defect / max p; 0: no defect */
};

/* Counts the defects of psi on grid g (local slab; periodic). Cannot fail. */
void nnq_multivalued_detect(const struct nnq_grid *g, const double complex *psi,
                            double support_floor, double node_depth, struct nnq_multivalued *out);

#endif
