/* multivalued.c - nodes and vortices of psi (see include/nnq/multivalued.h). */
#include "nnq/multivalued.h"

#include "nnq/par.h"

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

void nnq_multivalued_detect(const struct nnq_grid *g, const double complex *psi,
                            double support_floor, double node_depth, struct nnq_multivalued *out) {
    out->count = 0;
    out->length = 0;
    const ptrdiff_t n0 = g->local_n0, n1 = g->n[1], n2 = g->n[2];
    double pmax = 0;
    for (ptrdiff_t i = 0; i < g->local_size; i++) {
        const double p = dens(psi[i]);
        pmax = p > pmax ? p : pmax; /* fmax would be a call per point */
    }
    pmax = nnq_par_max(pmax);
    const double empty = support_floor * pmax;
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
            if (walls < empty || pi >= node_depth * walls)
                continue; /* in empty space, or too shallow to be a node */
            out->count += fabs(carg((psi[r] + eta) * conj(psi[l] + eta))) > M_PI / 2;
        }
        double count = (double)out->count;
        nnq_par_sum(&count, 1);
        out->count = (long)count;
        return;
    }

    /* plaquettes in the planes (0,1), and in 3D (1,2) and (0,2); the row after this rank's
     * last comes from the rank that holds it (the first row, serially) */
    const ptrdiff_t s0 = n1 * n2, s1 = n2;
    nnq_par_halo(psi, sizeof(double complex) * (size_t)s0, g->counts, 1, g->row, NULL);
    for (ptrdiff_t i0 = 0; i0 < n0; i0++) {
        const double complex *r0 = psi + i0 * s0, *r1 = i0 + 1 < n0 ? r0 + s0 : g->row;
        for (ptrdiff_t i1 = 0; i1 < n1; i1++)
            for (ptrdiff_t i2 = 0; i2 < n2; i2++) {
                const ptrdiff_t a = i1 * s1 + i2, e1 = wrap(i1 + 1, n1) * s1 + i2,
                                e2 = i1 * s1 + wrap(i2 + 1, n2),
                                e12 = wrap(i1 + 1, n1) * s1 + wrap(i2 + 1, n2);
                const double complex corners[3][4] = {{r0[a], r1[a], r1[e1], r0[e1]},
                                                      {r0[a], r0[e1], r0[e12], r0[e2]},
                                                      {r0[a], r0[e2], r1[e2], r1[a]}};
                const double normal[3] = {g->dq[2], g->dq[0], g->dq[1]};
                int planes = g->dims == 3 ? 3 : 1;
                for (int pl = 0; pl < planes; pl++) {
                    const double complex *c = corners[pl];
                    if (dens(c[0]) < empty && dens(c[1]) < empty && dens(c[2]) < empty &&
                        dens(c[3]) < empty)
                        continue;
                    long w = labs(winding(c[0], c[1], c[2], c[3], eta));
                    out->count += w;
                    out->length += (double)w * normal[pl];
                }
            }
    }
    double sums[2] = {(double)out->count, out->length};
    nnq_par_sum(sums, 2);
    out->count = (long)sums[0];
    out->length = g->dims == 2 ? 0 : sums[1];
}
