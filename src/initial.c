/* initial.c - initial states (see include/nnq/initial.h). */
#include "nnq/initial.h"

#include "nnq/par.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>

#include "nnq/expr.h"

/* Unit-norm gaussian factor along one axis, with its momentum phase. */
static double complex gauss_1d(double q, double c, double w, double P, double hbar) {
    double s = q - c;
    return pow(2.0 * M_PI * w * w, -0.25) * exp(-s * s / (4.0 * w * w)) * cexp(I * P * s / hbar);
}

/* Normalised Hermite function phi_n(xi) by the stable three-term recurrence. */
static double hermite_function(int n, double xi) {
    double prev = 0.0, cur = pow(M_PI, -0.25) * exp(-0.5 * xi * xi);
    for (int k = 0; k < n; k++) {
        double next = sqrt(2.0 / (k + 1.0)) * xi * cur - sqrt((double)k / (k + 1.0)) * prev;
        prev = cur;
        cur = next;
    }
    return cur;
}

static double complex preset_value(const struct nnq_config *c, const double *q) {
    const int d = c->dims;
    const double hbar = c->hbar;
    double complex v = 1.0;
    switch (c->initial_kind) {
    case NNQ_INIT_GAUSSIAN:
    case NNQ_INIT_VORTEX:
        for (int i = 0; i < d; i++)
            v *= gauss_1d(q[i], nnq_list_axis(&c->initial_center, i),
                          nnq_list_axis(&c->initial_width, i),
                          nnq_list_axis(&c->initial_momentum, i), hbar);
        if (c->initial_kind == NNQ_INIT_VORTEX)
            for (int k = 0; k < c->initial_n.count; k++) {
                double dx = q[0] - c->initial_vortex_at.v[2 * k];
                double dy = q[1] - c->initial_vortex_at.v[2 * k + 1];
                int wind = (int)c->initial_n.v[k];
                double complex z = (dx + I * (wind > 0 ? 1.0 : -1.0) * dy) /
                                   sqrt(dx * dx + dy * dy + c->initial_core * c->initial_core);
                for (int j = 0; j < abs(wind); j++)
                    v *= z;
            }
        return v;
    case NNQ_INIT_SUPERPOSITION: {
        double complex sum = 0.0;
        int packets = c->initial_center.count / d;
        for (int k = 0; k < packets; k++) {
            double complex g = nnq_list_axis(&c->initial_amplitude, k);
            for (int i = 0; i < d; i++)
                g *= gauss_1d(q[i], c->initial_center.v[k * d + i],
                              nnq_list_packet(&c->initial_width, k, i, d),
                              nnq_list_packet(&c->initial_momentum, k, i, d), hbar);
            sum += g;
        }
        return sum;
    }
    case NNQ_INIT_EIGENSTATE:
        for (int i = 0; i < d; i++) {
            double omega = nnq_list_axis(&c->initial_omega, i);
            double scale = sqrt(c->particle_mass * omega / hbar);
            double s = q[i] - nnq_list_axis(&c->initial_center, i);
            v *= sqrt(scale) * hermite_function((int)nnq_list_axis(&c->initial_n, i), scale * s) *
                 cexp(I * nnq_list_axis(&c->initial_momentum, i) * s / hbar);
        }
        return v;
    case NNQ_INIT_EXPR:
    case NNQ_INIT_FILE:
    case NNQ_INIT_STATES:
        break;
    }
    return 0.0;
}

/* psi = sum_j amplitude_j exp(i phase_j) phi_{state_j} on this rank's slab; its local |psi|^2
 * sum into *norm. */
static void from_states(const struct nnq_config *cfg, const struct nnq_grid *g,
                        const struct nnq_states *states, double complex *psi, double *norm) {
    for (ptrdiff_t i = 0; i < g->local_size; i++)
        psi[i] = 0.0;
    for (int j = 0; j < cfg->initial_state.count; j++) {
        const double complex c = nnq_list_axis(&cfg->initial_amplitude, j) *
                                 cexp(I * nnq_list_axis(&cfg->initial_phase, j));
        const double complex *phi = nnq_states_state(states, (int)cfg->initial_state.v[j]);
        for (ptrdiff_t i = 0; i < g->local_size; i++)
            psi[i] += c * phi[i];
    }
    for (ptrdiff_t i = 0; i < g->local_size; i++)
        *norm += creal(psi[i]) * creal(psi[i]) + cimag(psi[i]) * cimag(psi[i]);
}

enum nnq_status nnq_initial_fill(const struct nnq_config *cfg, const struct nnq_grid *g,
                                 const struct nnq_states *states, double complex *psi,
                                 struct nnq_err *err) {
    struct nnq_expr *pe = NULL, *fe = NULL;
    enum nnq_status rc = NNQ_OK;
    const struct nnq_expr_vars vars = {{cfg->axis_name[0], cfg->axis_name[1], cfg->axis_name[2]},
                                       0};
    if (cfg->initial_kind == NNQ_INIT_EXPR) {
        if ((rc = nnq_expr_create(cfg->initial_p, cfg->dims, &vars, &pe, err)) != NNQ_OK) {
            nnq_err_prefix(err, "[initial] p: ");
            goto done;
        }
        if ((rc = nnq_expr_create(cfg->initial_F, cfg->dims, &vars, &fe, err)) != NNQ_OK) {
            nnq_err_prefix(err, "[initial] F: ");
            goto done;
        }
    }
    double norm = 0.0;
    ptrdiff_t idx = 0;
    if (cfg->initial_kind == NNQ_INIT_FILE) {
        rc = nnq_initial_read(cfg, g, psi, err);
        for (ptrdiff_t j = 0; j < g->local_size && rc == NNQ_OK; j++)
            norm += creal(psi[j]) * creal(psi[j]) + cimag(psi[j]) * cimag(psi[j]);
        goto filled;
    }
    if (cfg->initial_kind == NNQ_INIT_STATES) {
        assert(states && nnq_states_count(states) >= cfg->states);
        from_states(cfg, g, states, psi, &norm);
        goto filled;
    }
    for (ptrdiff_t i0 = 0; i0 < g->local_n0; i0++)
        for (ptrdiff_t i1 = 0; i1 < g->n[1]; i1++)
            for (ptrdiff_t i2 = 0; i2 < g->n[2]; i2++, idx++) {
                double q[3] = {g->q[0][g->local_0_start + i0], g->q[1][i1], g->q[2][i2]};
                double complex v;
                if (pe) {
                    double p = nnq_expr_eval(pe, q, 0.0, cfg->hbar, cfg->particle_mass, 0.0);
                    double F = nnq_expr_eval(fe, q, 0.0, cfg->hbar, cfg->particle_mass, 0.0);
                    if (!(p >= 0.0) || !isfinite(p)) {
                        rc = nnq_err_set(err, NNQ_ERR_CONFIG,
                                         "[initial] p is %g at q = (%g, %g, %g): a density must "
                                         "be finite and >= 0",
                                         p, q[0], q[1], q[2]);
                        goto filled;
                    }
                    if (!isfinite(F)) {
                        rc = nnq_err_set(err, NNQ_ERR_CONFIG,
                                         "[initial] F is %g at q = (%g, %g, %g): it must be finite",
                                         F, q[0], q[1], q[2]);
                        goto filled;
                    }
                    v = sqrt(p) * cexp(I * F / cfg->hbar);
                } else
                    v = preset_value(cfg, q);
                psi[idx] = v;
                norm += creal(v) * creal(v) + cimag(v) * cimag(v);
            }
filled:;
    /* every rank reaches the sum, also one that failed: then the ranks agree on its error */
    nnq_par_sum(&norm, 1);
    if ((rc = nnq_par_agree(rc, err)) != NNQ_OK)
        goto done;
    norm *= g->dv;
    if (!(norm > 0.0) || !isfinite(norm)) {
        rc = nnq_err_set(err, NNQ_ERR_CONFIG,
                         "[initial] the initial state has norm %g on the grid: is the packet "
                         "inside the box, and the density not zero everywhere?",
                         norm);
        goto done;
    }
    /* a state from a file is used as stored, unless normalize is asked for: a run continued
     * from its file then goes on bit for bit */
    if (cfg->initial_normalize &&
        (cfg->initial_kind != NNQ_INIT_FILE || cfg->origin[NNQ_KEY_initial_normalize] != 0)) {
        double s = 1.0 / sqrt(norm);
        for (ptrdiff_t j = 0; j < g->local_size; j++)
            psi[j] *= s;
    }
done:
    nnq_expr_destroy(pe);
    nnq_expr_destroy(fe);
    return rc;
}
