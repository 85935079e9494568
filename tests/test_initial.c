/*
 * test_initial.c - initial states and potentials: moments of gaussians and superpositions,
 * harmonic eigenstates (orthonormal, energy (n + 1/2) hbar omega per axis), the winding of an
 * imprinted vortex, expression states (F = P x gives momentum P), presets of the potential.
 */
#include <complex.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "nnq/config.h"
#include "nnq/diagnostics.h"
#include "nnq/grid.h"
#include "nnq/initial.h"
#include "nnq/potential.h"
#include "nnq/schrodinger.h"

struct state {
    struct nnq_config cfg;
    struct nnq_grid *g;
    struct nnq_potential *pot;
    struct nnq_schrodinger *s;
    struct nnq_diag_row row;
};

static void open_state(struct state *st, const char *ini) {
    struct nnq_err err = {0};
    struct nnq_schrodinger_params par = {0};
    if (nnq_config_load_string(ini, "init.ini", NULL, 0, &st->cfg, &err) ||
        nnq_grid_create(st->cfg.dims, st->cfg.n, st->cfg.qmin, st->cfg.qmax, &st->g, &err) ||
        nnq_potential_create(&st->cfg, st->g, &st->pot, &err))
        goto fail;
    par = (struct nnq_schrodinger_params){st->cfg.hbar,
                                          st->cfg.particle_mass,
                                          st->cfg.run_dt,
                                          NNQ_INTEGRATOR_STRANG,
                                          0,
                                          NNQ_PLANNER_ESTIMATE,
                                          1};
    if (nnq_schrodinger_create(st->g, st->pot, &par, &st->s, &err) ||
        nnq_initial_fill(&st->cfg, st->g, nnq_schrodinger_psi(st->s), &err))
        goto fail;
    nnq_diag_sample(st->s, 1e-6, 0.1, 0, 0, &st->row);
    return;
fail:
    fprintf(stderr, "setup failed: %s\n", err.msg);
    exit(2);
}

static void close_state(struct state *st) {
    nnq_schrodinger_destroy(st->s);
    nnq_potential_destroy(st->pot);
    nnq_grid_destroy(st->g);
}

static void test_gaussian(void) {
    struct state st;
    open_state(&st, "[run]\nsteps = 1\n[grid]\nn = 128, 96\nqmin = -10\nqmax = 10\n"
                    "[network]\nmu = 0.5\n[particle]\nmass = 2\n"
                    "[initial]\npreset = gaussian\ncenter = 1.5, -2\nwidth = 0.8, 1.1\n"
                    "momentum = 0.4, -0.3\n");
    const double *v = st.row.value;
    CHECK_NEAR(v[NNQ_DIAG_norm], 1, 1e-13);
    CHECK_NEAR(v[NNQ_DIAG_q0_mean], 1.5, 1e-12);
    CHECK_NEAR(v[NNQ_DIAG_q1_mean], -2, 1e-12);
    CHECK_NEAR(v[NNQ_DIAG_q0_sq_mean] - 1.5 * 1.5, 0.8 * 0.8, 1e-12);
    CHECK_NEAR(v[NNQ_DIAG_q1_sq_mean] - 4, 1.1 * 1.1, 1e-9); /* box edge at 7.3 widths */
    /* <p^2>/2m = (P^2 + hbar^2 / 4 w^2) / 2m per axis, hbar = 0.5 */
    double ek = (0.16 + 0.25 / (4 * 0.64) + 0.09 + 0.25 / (4 * 1.21)) / 4;
    CHECK_NEAR(v[NNQ_DIAG_energy_kin], ek, 1e-12);
    close_state(&st);
}

static void test_superposition(void) {
    /* two far-apart packets with amplitudes 1 and 2: weights 1/5 and 4/5, up to their
     * overlap exp(-12^2 / 8) ~ 1.5e-8 */
    struct state st;
    open_state(&st, "[run]\nsteps = 1\n[grid]\nn = 512\nqmin = -20\nqmax = 20\n"
                    "[initial]\npreset = superposition\ncenter = -6, 6\nwidth = 1\n"
                    "momentum = 1, -1\namplitude = 1, 2\n");
    CHECK_NEAR(st.row.value[NNQ_DIAG_norm], 1, 1e-13);
    CHECK_NEAR(st.row.value[NNQ_DIAG_q0_mean], -6 * 0.2 + 6 * 0.8, 1e-7);
    close_state(&st);
}

static void test_eigenstates(void) {
    /* energies (n + 1/2) hbar omega, per axis; hbar = 0.6 */
    struct state st;
    open_state(&st, "[run]\nsteps = 1\n[grid]\nn = 128, 128\nqmin = -9\nqmax = 9\n"
                    "[network]\nepsilon = 0.6\n[particle]\nmass = 1.3\n"
                    "[potential]\npreset = harmonic\nomega = 1, 1.4\n"
                    "[initial]\npreset = eigenstate\nn = 3, 5\nnormalize = false\n");
    CHECK_NEAR(st.row.value[NNQ_DIAG_norm], 1, 1e-12); /* normalised by construction */
    CHECK_NEAR(st.row.value[NNQ_DIAG_energy], 0.6 * (3.5 * 1 + 5.5 * 1.4), 1e-10);
    close_state(&st);

    /* a high state stays accurate (stable recurrence) */
    open_state(&st, "[run]\nsteps = 1\n[grid]\nn = 512\nqmin = -16\nqmax = 16\n"
                    "[potential]\npreset = harmonic\n"
                    "[initial]\npreset = eigenstate\nn = 40\nnormalize = false\n");
    CHECK_NEAR(st.row.value[NNQ_DIAG_norm], 1, 1e-11);
    CHECK_NEAR(st.row.value[NNQ_DIAG_energy], 40.5, 1e-8);
    close_state(&st);
}

/* Winding of arg(psi) along the boundary of the box [i0, i1) x [j0, j1) of a 2D field. */
static double winding(const double complex *psi, int ny, int i0, int i1, int j0, int j1) {
    double total = 0;
    int n = 2 * (i1 - i0 + j1 - j0), path[4096][2], k = 0;
    for (int i = i0; i < i1; i++)
        path[k][0] = i, path[k++][1] = j0;
    for (int j = j0; j < j1; j++)
        path[k][0] = i1, path[k++][1] = j;
    for (int i = i1; i > i0; i--)
        path[k][0] = i, path[k++][1] = j1;
    for (int j = j1; j > j0; j--)
        path[k][0] = i0, path[k++][1] = j;
    for (k = 0; k < n; k++) {
        const int *a = path[k], *b = path[(k + 1) % n];
        total += carg(psi[b[0] * ny + b[1]] / psi[a[0] * ny + a[1]]);
    }
    return total / (2 * M_PI);
}

static void test_vortex(void) {
    struct state st;
    open_state(&st, "[run]\nsteps = 1\n[grid]\nn = 64, 64\nqmin = -8\nqmax = 8\n"
                    "[network]\nmu = 0.7\n"
                    "[initial]\npreset = vortex\nwidth = 3\nn = 2, -1\n"
                    "vortex_at = -2, 0, 3, 1\ncore = 0.5\n");
    const double complex *psi = nnq_schrodinger_psi(st.s);
    /* grid index of q: (q + 8) / 0.25; loops around each core and around both */
    CHECK_NEAR(winding(psi, 64, 16, 32, 24, 40), 2, 1e-9);  /* x in [-4, 0), y in [-2, 2) */
    CHECK_NEAR(winding(psi, 64, 38, 50, 30, 42), -1, 1e-9); /* x in [1.5, 4.5), y in [-0.5, 2.5) */
    CHECK_NEAR(winding(psi, 64, 8, 56, 8, 56), 1, 1e-9);
    CHECK_NEAR(winding(psi, 64, 40, 56, 40, 56), 0, 1e-9); /* no core inside */
    /* F = hbar arg(psi) = hbar n atan2 at a point on the axis left of the first core */
    CHECK_NEAR(carg(psi[(int)((-3.0 + 8) / 0.25) * 64 + 32]),
               remainder(2 * M_PI + -1 * atan2(-1.0, -6.0), 2 * M_PI), 1e-9);
    close_state(&st);
}

static void test_expression_state(void) {
    /* F = P x with P = 0.8: <p> = P, so <p^2>/2m = (P^2 + hbar^2/(4 w^2)) / 2m for a gaussian p */
    struct state st;
    open_state(&st, "[run]\nsteps = 1\n[grid]\nn = 256\nqmin = -12\nqmax = 12\n"
                    "[network]\nmu = 0.5\n"
                    "[initial]\np = exp(-(x-1)^2/(2*0.9^2))\nF = 0.8*x\n");
    CHECK_NEAR(st.row.value[NNQ_DIAG_norm], 1, 1e-13);
    CHECK_NEAR(st.row.value[NNQ_DIAG_q0_mean], 1, 1e-12);
    CHECK_NEAR(st.row.value[NNQ_DIAG_energy_kin], (0.64 + 0.25 / (4 * 0.81)) / 2, 1e-12);
    close_state(&st);
}

static void test_potentials(void) {
    struct state st;
    open_state(&st, "[run]\nsteps = 1\n[grid]\nn = 64, 32\nqmin = -4\nqmax = 4\n"
                    "[particle]\nmass = 2\n"
                    "[potential]\npreset = double_well\nbarrier = 3\nwells = 1.5\nomega = 9, 2\n"
                    "[initial]\npreset = gaussian\n");
    const double *V = nnq_schrodinger_potential(st.s);
    /* q = (-4 + 10 * 0.125, -4 + 20 * 0.25) = (-2.75, 1) */
    double s = -2.75 / 1.5;
    CHECK_NEAR(V[10 * 32 + 20], 3 * (s * s - 1) * (s * s - 1) + 0.5 * 2 * 4 * 1, 1e-12);
    close_state(&st);

    open_state(&st, "[run]\nsteps = 1\n[grid]\nn = 64\nqmin = -4\nqmax = 4\n"
                    "[potential]\npreset = lattice\ndepth = 2\nperiod = 1.5\n"
                    "[initial]\npreset = gaussian\n");
    V = nnq_schrodinger_potential(st.s);
    CHECK_NEAR(V[11], 2 * pow(sin(M_PI * (-4 + 11 * 0.125) / 1.5), 2), 1e-12);
    close_state(&st);
}

int main(void) {
    test_gaussian();
    test_superposition();
    test_eigenstates();
    test_vortex();
    test_expression_state();
    test_potentials();
    return check_result();
}
