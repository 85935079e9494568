/* multivalued.c - nodes and vortices of psi (see include/nnq/multivalued.h). */
#include "nnq/multivalued.h"

#include <math.h>
#include <stdlib.h>

static double dens(double complex z) { return creal(z) * creal(z) + cimag(z) * cimag(z); }

/* Winding of arg(psi + eta) around a -> b -> c -> e -> a, rounded to an integer. eta, tiny
 * and at an irrational angle, moves a zero that sits exactly on a grid node (an imprinted
 * core) into one plaquette, where the phase of every corner is defined; on the support
 * (p >= support_floor max p >> |eta|^2) it turns phases by less than 1e-3. */
static long winding(double complex a, double complex b, double complex c, double complex e,
                    double complex eta) {
    a += eta, b += eta, c += eta, e += eta;
    double w = carg(b * conj(a)) + carg(c * conj(b)) + carg(e * conj(c)) + carg(a * conj(e));
    return lround(w / (2 * M_PI));
}

static ptrdiff_t wrap(ptrdiff_t i, ptrdiff_t n) { return i >= n ? i - n : i < 0 ? i + n : i; }

void nnq_multivalued_detect(const struct nnq_grid *g, const double complex *psi,
                            double support_floor, double node_depth, struct nnq_multivalued *out) {
    out->count = 0;
    out->length = 0;
    const ptrdiff_t n0 = g->local_n0, n1 = g->n[1], n2 = g->n[2];
    double pmax = 0;
    for (ptrdiff_t i = 0; i < g->local_size; i++)
        pmax = fmax(pmax, dens(psi[i]));
    const double empty = support_floor * pmax;
    const double complex eta = 1e-6 * sqrt(pmax) * cexp(0.5 * I);

    if (g->dims == 1) {
        const ptrdiff_t n = g->n[0];
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
            if (walls < empty || pi >= node_depth * walls)
                continue; /* in empty space, or too shallow to be a node */
            out->count += fabs(carg((psi[r] + eta) * conj(psi[l] + eta))) > M_PI / 2;
        }
        return;
    }

    /* plaquettes in the planes (0,1), and in 3D (1,2) and (0,2) */
    const ptrdiff_t s0 = n1 * n2, s1 = n2;
    for (ptrdiff_t i0 = 0; i0 < n0; i0++)
        for (ptrdiff_t i1 = 0; i1 < n1; i1++)
            for (ptrdiff_t i2 = 0; i2 < n2; i2++) {
                ptrdiff_t a = i0 * s0 + i1 * s1 + i2;
                ptrdiff_t e0 = wrap(i0 + 1, g->n[0]) * s0 + i1 * s1 + i2;
                ptrdiff_t e1 = i0 * s0 + wrap(i1 + 1, n1) * s1 + i2;
                ptrdiff_t e2 = i0 * s0 + i1 * s1 + wrap(i2 + 1, n2);
                ptrdiff_t corners[3][4] = {
                    {a, e0, wrap(i0 + 1, g->n[0]) * s0 + wrap(i1 + 1, n1) * s1 + i2, e1},
                    {a, e1, i0 * s0 + wrap(i1 + 1, n1) * s1 + wrap(i2 + 1, n2), e2},
                    {a, e2, wrap(i0 + 1, g->n[0]) * s0 + i1 * s1 + wrap(i2 + 1, n2), e0}};
                const double normal[3] = {g->dq[2], g->dq[0], g->dq[1]};
                int planes = g->dims == 3 ? 3 : 1;
                for (int pl = 0; pl < planes; pl++) {
                    const ptrdiff_t *c = corners[pl];
                    if (dens(psi[c[0]]) < empty && dens(psi[c[1]]) < empty &&
                        dens(psi[c[2]]) < empty && dens(psi[c[3]]) < empty)
                        continue;
                    long w = labs(winding(psi[c[0]], psi[c[1]], psi[c[2]], psi[c[3]], eta));
                    out->count += w;
                    out->length += (double)w * normal[pl];
                }
            }
    if (g->dims == 2)
        out->length = 0;
}
