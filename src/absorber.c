/* absorber.c - the absorbing layer of [grid] boundary = absorbing (see include/nnq/absorber.h). */
#include "nnq/absorber.h"

#include <complex.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nnq/par.h"

double nnq_absorber_width(const struct nnq_config *cfg, int a) {
    return cfg->grid_absorb_width.count > 0 ? nnq_list_axis(&cfg->grid_absorb_width, a)
                                            : (cfg->qmax[a] - cfg->qmin[a]) / 8;
}

double nnq_absorber_cutoff(const struct nnq_config *cfg, int a, double c) {
    /* one crossing: exp(-(2/hbar) int W dt) = exp(-2 c / (3 k w)) at v = hbar k / m */
    return 2 * c / (3 * nnq_absorber_width(cfg, a) * log(1e3));
}

int nnq_absorber_fill(const struct nnq_config *cfg, const struct nnq_grid *g, double *W) {
    if (cfg->grid_boundary != NNQ_BOUNDARY_ABSORBING)
        return 0;
    double w[3] = {1, 1, 1}, scale[3] = {0, 0, 0};
    for (int a = 0; a < g->dims; a++) {
        w[a] = nnq_absorber_width(cfg, a);
        scale[a] =
            cfg->grid_absorb_strength * cfg->hbar * cfg->hbar / (cfg->particle_mass * w[a] * w[a]);
    }
    ptrdiff_t idx = 0;
    for (ptrdiff_t i0 = 0; i0 < g->local_n0; i0++)
        for (ptrdiff_t i1 = 0; i1 < g->n[1]; i1++)
            for (ptrdiff_t i2 = 0; i2 < g->n[2]; i2++, idx++) {
                const double q[3] = {g->q[0][g->local_0_start + i0], g->q[1][i1], g->q[2][i2]};
                double sum = 0;
                for (int a = 0; a < g->dims; a++) {
                    /* the depth past the layer's inner edge, from either face */
                    const double d =
                        fmax(0.0, fmax(w[a] - (q[a] - g->qmin[a]), w[a] - (g->qmax[a] - q[a])));
                    sum += scale[a] * (d / w[a]) * (d / w[a]);
                }
                W[idx] = sum;
            }
    return 1;
}

enum nnq_status nnq_absorber_auto(const struct nnq_config *cfg, const struct nnq_grid *g,
                                  const double *V, const double complex *psi, double *c, double *k,
                                  struct nnq_err *err) {
    *c = *k = 0;
    const ptrdiff_t plane = g->n[1] * g->n[2], rows = g->local_n0;
    /* axis 0's neighbours of the slab's first and last rows, from the next ranks */
    double complex *next = malloc(sizeof(double complex) * (size_t)plane),
                   *prev = malloc(sizeof(double complex) * (size_t)plane);
    if (nnq_par_any(!next || !prev)) {
        free(next);
        free(prev);
        return nnq_err_set(err, NNQ_ERR_RUNTIME, "out of memory for the absorbing layer");
    }
    nnq_par_halo(psi, sizeof(double complex) * (size_t)plane, g->counts, 1, next, prev);
    double peak = 0;
    for (ptrdiff_t i = 0; i < g->local_size; i++)
        peak = fmax(peak, creal(psi[i] * conj(psi[i])));
    peak = nnq_par_max(peak);
    double k2 = 0, energy = -INFINITY, layer = INFINITY;
    double w[3] = {0, 0, 0};
    for (int a = 0; a < g->dims; a++)
        w[a] = nnq_absorber_width(cfg, a);
    const ptrdiff_t stride[3] = {plane, g->n[2], 1};
    for (ptrdiff_t i = 0; i < g->local_size; i++) {
        ptrdiff_t j[3];
        nnq_grid_index(g, i, j);
        int inside = 1;
        for (int a = 0; a < g->dims; a++) {
            const double q = g->q[a][j[a]];
            inside &= q - g->qmin[a] > w[a] && g->qmax[a] - q > w[a];
        }
        if (!inside) { /* what the layer holds at the start it takes up at once */
            layer = fmin(layer, V[i]);
            continue;
        }
        const double p = creal(psi[i] * conj(psi[i]));
        if (!(p >= 1e-6 * peak) || p == 0)
            continue;
        /* |grad psi|^2 / |psi|^2 = |grad F / hbar|^2 + |grad ln |psi||^2: the phase's part
         * from the neighbours' phase differences (exact for a plane wave up to the grid's
         * pi / dq, where a difference of psi says sin(k dq) / dq), the amplitude's from the
         * central difference of ln |psi| */
        double here = 0;
        for (int a = 0; a < g->dims; a++) {
            const ptrdiff_t n = g->n[a];
            double complex up, down;
            if (a == 0) {
                up = j[0] + 1 < rows ? psi[i + plane] : next[i % plane];
                down = j[0] > 0 ? psi[i - plane] : prev[i % plane];
            } else {
                up = psi[j[a] + 1 < n ? i + stride[a] : i - (n - 1) * stride[a]];
                down = psi[j[a] > 0 ? i - stride[a] : i + (n - 1) * stride[a]];
            }
            const double phase =
                fmax(fabs(carg(up * conj(psi[i]))), fabs(carg(psi[i] * conj(down)))) / g->dq[a];
            const double amp = (log(cabs(up)) - log(cabs(down))) / (2 * g->dq[a]);
            here += phase * phase + (isfinite(amp) ? amp * amp : 0.0);
        }
        k2 = fmax(k2, here);
        energy = fmax(energy, cfg->hbar * cfg->hbar * here / (2 * cfg->particle_mass) + V[i]);
    }
    free(next);
    free(prev);
    k2 = nnq_par_max(k2);
    energy = nnq_par_max(energy);
    layer = -nnq_par_max(-layer);
    const double fall = 2 * cfg->particle_mass * (energy - layer) / (cfg->hbar * cfg->hbar);
    const double fastest = sqrt(fmax(k2, isfinite(fall) ? fall : 0.0));
    for (int a = 0; a < g->dims; a++) {
        /* at least a wavelength per layer: slower waves are reflected by its rise anyway */
        const double ka = fmin(fmax(fastest, 2 * M_PI / w[a]), M_PI / g->dq[a]);
        *k = fmax(*k, ka);
        *c = fmax(*c, 1.5 * ka * w[a] * log(1e3));
    }
    return NNQ_OK;
}
