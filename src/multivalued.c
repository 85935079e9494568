/* multivalued.c - nodes and vortices of psi (see include/nnq/multivalued.h). */
#include "nnq/multivalued.h"

#include "nnq/par.h"
#include "simd.h"

#include <math.h>
#include <stdlib.h>

static double dens(double complex z) { return creal(z) * creal(z) + cimag(z) * cimag(z); }

/* Winding of arg(psi + eta) around a -> b -> c -> e -> a, rounded to an integer. eta, tiny
 * and at an irrational angle, moves a zero that sits exactly on a grid node (an imprinted
 * core) into one plaquette, where the phase of every corner is defined; on the support
 * (p >= support_floor max p >> |eta|^2) it turns phases by less than 1e-3, at the lowest
 * density looked at (NNQ_DEFECT_SEEN max p = 100 |eta|^2) by less than 0.1. */
static long winding(double complex a, double complex b, double complex c, double complex e,
                    double complex eta) {
    a += eta, b += eta, c += eta, e += eta;
    const double complex z[4] = {b * conj(a), c * conj(b), e * conj(c), a * conj(e)};
    /* every turn within (-pi/4, pi/4) (Re z > |Im z|): the sum is within (-pi, pi) and rounds
     * to 0, as the arguments would give - most plaquettes, without an atan2 */
    int small = 1;
    for (int k = 0; k < 4; k++)
        small &= creal(z[k]) > fabs(cimag(z[k]));
    if (small)
        return 0;
    const double w = carg(z[0]) + carg(z[1]) + carg(z[2]) + carg(z[3]);
    return lround(w / (2 * M_PI));
}

static ptrdiff_t wrap(ptrdiff_t i, ptrdiff_t n) { return i >= n ? i - n : i < 0 ? i + n : i; }

/* Re and Im of (b + eta) conj(a + eta) > |Im|: the small-turn test of winding(). */
#define SMALL_TURN(ar, ai, br, bi) ((br) * (ar) + (bi) * (ai) > fabs((bi) * (ar) - (br) * (ai)))

/* How many of the plaquettes j < m with corners a[j], b[j], c[j], e[j] (interleaved complex)
 * winding() has to look at: some corner at or above `empty` and some turn not small. A
 * branch-free pass (vectorised) over the many plaquettes where neither holds. */
NNQ_CLONES static ptrdiff_t candidates(const double *restrict a, const double *restrict b,
                                       const double *restrict c, const double *restrict e,
                                       ptrdiff_t m, double er, double ei, double empty) {
    ptrdiff_t count = 0;
#pragma omp simd reduction(+ : count)
    for (ptrdiff_t j = 0; j < m; j++) {
        const double a0 = a[2 * j], a1 = a[2 * j + 1], b0 = b[2 * j], b1 = b[2 * j + 1],
                     c0 = c[2 * j], c1 = c[2 * j + 1], e0 = e[2 * j], e1 = e[2 * j + 1];
        const int full = a0 * a0 + a1 * a1 >= empty || b0 * b0 + b1 * b1 >= empty ||
                         c0 * c0 + c1 * c1 >= empty || e0 * e0 + e1 * e1 >= empty;
        const double ar = a0 + er, ai = a1 + ei, br = b0 + er, bi = b1 + ei, cr = c0 + er,
                     ci = c1 + ei, xr = e0 + er, xi = e1 + ei;
        const int small = SMALL_TURN(ar, ai, br, bi) & SMALL_TURN(br, bi, cr, ci) &
                          SMALL_TURN(cr, ci, xr, xi) & SMALL_TURN(xr, xi, ar, ai);
        count += full & !small;
    }
    return count;
}

static double max4(double a, double b, double c, double e) { return fmax(fmax(a, b), fmax(c, e)); }

/* The windings of the plaquettes j < m that have a corner at or above `seen` (candidates()):
 * the largest corner density of a plaquette with a winding raises out->weight; those with a
 * corner at or above `empty` (>= seen) add |w| to the count and |w| times the normal's length
 * to the length. Looks at each only where candidates() found some. */
static void plaquettes(const double complex *a, const double complex *b, const double complex *c,
                       const double complex *e, ptrdiff_t m, double complex eta, double seen,
                       double empty, double normal, struct nnq_multivalued *out) {
    if (candidates((const double *)a, (const double *)b, (const double *)c, (const double *)e, m,
                   creal(eta), cimag(eta), seen) == 0)
        return;
    for (ptrdiff_t j = 0; j < m; j++) {
        const double top = max4(dens(a[j]), dens(b[j]), dens(c[j]), dens(e[j]));
        if (top < seen)
            continue;
        const long w = labs(winding(a[j], b[j], c[j], e[j], eta));
        if (w == 0)
            continue;
        out->weight = fmax(out->weight, top);
        if (top >= empty) {
            out->count += w;
            out->length += (double)w * normal;
        }
    }
}

/* How many of the edges a[j] -> b[j], j < m, edges() has to look at: an end at or above
 * `seen` and the phase turning by more than pi/2 (Re((b + eta) conj(a + eta)) < 0). A
 * branch-free pass (vectorised) over the many edges where neither holds. */
NNQ_CLONES static ptrdiff_t turning(const double *restrict a, const double *restrict b, ptrdiff_t m,
                                    double er, double ei, double seen) {
    ptrdiff_t count = 0;
#pragma omp simd reduction(+ : count)
    for (ptrdiff_t j = 0; j < m; j++) {
        const double a0 = a[2 * j], a1 = a[2 * j + 1], b0 = b[2 * j], b1 = b[2 * j + 1];
        const int full = a0 * a0 + a1 * a1 >= seen || b0 * b0 + b1 * b1 >= seen;
        const double ar = a0 + er, ai = a1 + ei, br = b0 + er, bi = b1 + ei;
        count += full & (br * ar + bi * ai < 0);
    }
    return count;
}

/* The edges a[j] -> b[j], j < m, across which the phase turns by more than pi/2 with an end
 * at or above `seen`: the larger end density raises out->weight; those at or above `empty`
 * add to out->edges. */
static void edges(const double complex *a, const double complex *b, ptrdiff_t m, double complex eta,
                  double seen, double empty, struct nnq_multivalued *out) {
    if (turning((const double *)a, (const double *)b, m, creal(eta), cimag(eta), seen) == 0)
        return;
    for (ptrdiff_t j = 0; j < m; j++) {
        const double top = fmax(dens(a[j]), dens(b[j]));
        if (top < seen || creal((b[j] + eta) * conj(a[j] + eta)) >= 0)
            continue;
        out->weight = fmax(out->weight, top);
        out->edges += top >= empty;
    }
}

void nnq_multivalued_detect(const struct nnq_grid *g, const double complex *psi,
                            double support_floor, double node_depth, struct nnq_multivalued *out) {
    out->count = 0;
    out->edges = 0;
    out->length = 0;
    out->weight = 0;
    const ptrdiff_t n0 = g->local_n0, n1 = g->n[1], n2 = g->n[2];
    const double pmax = nnq_par_max(nnq_simd_max_density((const double *)psi, g->local_size));
    const double empty = support_floor * pmax;
    const double seen = fmin(support_floor, NNQ_DEFECT_SEEN) * pmax;
    const double complex eta = 1e-6 * sqrt(pmax) * cexp(0.5 * I);

    if (g->dims == 1) {
        const ptrdiff_t n = g->local_size; /* the whole line on rank 0, nothing elsewhere */
        for (ptrdiff_t i = 0; i < n; i++) {
            ptrdiff_t im = wrap(i - 1, n), ip = wrap(i + 1, n);
            double pi = dens(psi[i]);
            if (!(pi <= dens(psi[im]) && pi < dens(psi[ip])))
                continue; /* not a local minimum */
            /* the maxima on either side, by climbing */
            ptrdiff_t l = im, r = ip, steps = 0;
            while (steps++ < n && dens(psi[wrap(l - 1, n)]) > dens(psi[l]))
                l = wrap(l - 1, n);
            steps = 0;
            while (steps++ < n && dens(psi[wrap(r + 1, n)]) > dens(psi[r]))
                r = wrap(r + 1, n);
            double walls = fmin(dens(psi[l]), dens(psi[r]));
            if (walls < seen || pi >= node_depth * walls)
                continue; /* in empty space, or too shallow to be a node */
            if (fabs(carg((psi[r] + eta) * conj(psi[l] + eta))) <= M_PI / 2)
                continue;
            out->weight = fmax(out->weight, walls);
            out->count += walls >= empty;
        }
        double count = (double)out->count;
        nnq_par_sum(&count, 1);
        out->count = (long)count;
        out->weight = pmax > 0 ? nnq_par_max(out->weight) / pmax : 0;
        return;
    }

    /* plaquettes in the planes (0,1), and in 3D (1,2) and (0,2); the row after this rank's
     * last comes from the rank that holds it (the first row, serially). Runs of plaquettes
     * whose corners lie at fixed offsets in memory go through plaquettes() together; those
     * that wrap around the box one by one. */
    const ptrdiff_t s0 = n1 * n2, s1 = n2;
    nnq_par_halo(psi, sizeof(double complex) * (size_t)s0, g->counts, 1, g->row, NULL);
    for (ptrdiff_t i0 = 0; i0 < n0; i0++) {
        const double complex *r0 = psi + i0 * s0, *r1 = i0 + 1 < n0 ? r0 + s0 : g->row;
        edges(r0, r1, s0, eta, seen, empty, out); /* along axis 0 */
        if (g->dims == 2) {                       /* n2 = 1: the plane (0,1) along axis 1 */
            plaquettes(r0, r1, r1 + 1, r0 + 1, n1 - 1, eta, seen, empty, 0, out);
            plaquettes(r0 + n1 - 1, r1 + n1 - 1, r1, r0, 1, eta, seen, empty, 0, out);
            edges(r0, r0 + 1, n1 - 1, eta, seen, empty, out);
            edges(r0 + n1 - 1, r0, 1, eta, seen, empty, out);
            continue;
        }
        for (ptrdiff_t i1 = 0; i1 < n1; i1++) {
            const ptrdiff_t a = i1 * s1, e1 = wrap(i1 + 1, n1) * s1, last = n2 - 1;
            /* (0,1), normal dq2: corners a, a + s0, e1 + s0, e1 along axis 2 */
            plaquettes(r0 + a, r1 + a, r1 + e1, r0 + e1, n2, eta, seen, empty, g->dq[2], out);
            /* (1,2), normal dq0: a, e1, e1 + 1, a + 1 */
            plaquettes(r0 + a, r0 + e1, r0 + e1 + 1, r0 + a + 1, last, eta, seen, empty, g->dq[0],
                       out);
            plaquettes(r0 + a + last, r0 + e1 + last, r0 + e1, r0 + a, 1, eta, seen, empty,
                       g->dq[0], out);
            /* (0,2), normal dq1: a, a + 1, a + 1 + s0, a + s0 */
            plaquettes(r0 + a, r0 + a + 1, r1 + a + 1, r1 + a, last, eta, seen, empty, g->dq[1],
                       out);
            plaquettes(r0 + a + last, r0 + a, r1 + a, r1 + a + last, 1, eta, seen, empty, g->dq[1],
                       out);
            /* edges along axis 1, and along axis 2 */
            edges(r0 + a, r0 + e1, n2, eta, seen, empty, out);
            edges(r0 + a, r0 + a + 1, last, eta, seen, empty, out);
            edges(r0 + a + last, r0 + a, 1, eta, seen, empty, out);
        }
    }
    double sums[3] = {(double)out->count, out->length, (double)out->edges};
    nnq_par_sum(sums, 3);
    out->count = (long)sums[0];
    out->length = g->dims == 2 ? 0 : sums[1];
    out->edges = (long)sums[2];
    out->weight = pmax > 0 ? nnq_par_max(out->weight) / pmax : 0;
}
