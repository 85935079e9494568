/*
 * absorber.h - the absorbing layer of [grid] boundary = absorbing: a boundary of the box, the
 * imaginary potential -i W that both solvers take at create (nnq/schrodinger.h, nnq/madelung.h),
 * and how strong it must be for a state.
 */
#ifndef NNQ_ABSORBER_H
#define NNQ_ABSORBER_H

#include "nnq/config.h"
#include "nnq/err.h"
#include "nnq/grid.h"

/* The absorbing layer's width along axis a (cfg's, or 1/8 of the box). Cannot fail. */
double nnq_absorber_width(const struct nnq_config *cfg, int a);

/* The wave number along axis a above which one crossing of the layer of strength c lets more
 * than 1e-3 of the density through: it transmits exp(-2 c / (3 k w)) of a wave of number k (w
 * the width), so fast packets pass it and, the box being periodic beyond it, come back at the
 * opposite face. Cannot fail. */
double nnq_absorber_cutoff(const struct nnq_config *cfg, int a, double c);

/*
 * The absorbing layer of [grid] boundary = absorbing, the imaginary part of the potential
 * V - i W: W = c (hbar^2 / m w^2) sum_a (d_a / w_a)^2 on this rank's slab (local_size values),
 * d_a the depth into the layer of width w_a at the faces of axis a (0 outside), c =
 * absorb_strength. psi then decays there by exp(-W dt / hbar) a step, the density by twice
 * that. Returns 1 and fills W, or 0 (W untouched) for a periodic box. Cannot fail.
 */
int nnq_absorber_fill(const struct nnq_config *cfg, const struct nnq_grid *g, double *W);

/*
 * The strength of [grid] absorb_strength = 0 for the state psi (this rank's slab, local_size
 * values) in V (t = 0): the smallest c for which one crossing of the layer lets through at most
 * 1e-3 of the fastest wave that reaches it, k = sqrt(max(k_s^2, 2 m (E - V_l) / hbar^2)). k_s
 * is the largest local wave number |grad psi| / |psi| inside the layers where |psi|^2 >= 1e-6
 * of its peak, E the largest hbar^2 k_s^2 / 2m + V there (the energy a part of the packet can
 * bring down to the layer), V_l the smallest V in the layers; on each axis k is at least
 * 2 pi / w (a wavelength per layer) and at most the grid's pi / dq, and c = max over the axes
 * of 3 k w ln(1000) / 2. *k: the largest such k. Returns NNQ_OK or NNQ_ERR_RUNTIME (out of
 * memory, agreed). Collective.
 */
enum nnq_status nnq_absorber_auto(const struct nnq_config *cfg, const struct nnq_grid *g,
                                  const double *V, const double _Complex *psi, double *c, double *k,
                                  struct nnq_err *err);

#endif
