/*
 * test_states.c - the eigenstates of the grid Hamiltonian (nnq/states.h) against exact levels
 * (harmonic oscillators in 1D and 2D, a degenerate level cut by the block), against an
 * independent dense eigen-solve of the same Fourier-grid Hamiltonian (a double well: its
 * tunnelling splitting), orthonormality, the residuals, the phase convention, and the errors;
 * then in runs ([run] states, [initial] state): phi0 + phi1 of a double well tunnels to the
 * other well in half the period the summary states, the basins' masses add up to the norm, the
 * Gibbs state beside them, a stopped run resumes bit for bit, and bad keys are refused by
 * name.
 */
#include <complex.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "helpers.h"
#include "nnq/grid.h"
#include "nnq/states.h"

static char dir[256];

static struct nnq_grid *grid(int dims, long n, double L) {
    long ns[3] = {n, n, n};
    double lo[3] = {-L / 2, -L / 2, -L / 2}, hi[3] = {L / 2, L / 2, L / 2};
    struct nnq_grid *g = NULL;
    struct nnq_err err = {0};
    if (nnq_grid_create(dims, ns, lo, hi, &g, &err) != NNQ_OK)
        fprintf(stderr, "%s\n", err.msg);
    return g;
}

static struct nnq_states *solve(const struct nnq_grid *g, const double *V, int k, double tol,
                                struct nnq_err *err) {
    struct nnq_states_params par = {.hbar = 1.0,
                                    .mass = 1.0,
                                    .count = k,
                                    .tol = tol,
                                    .max_iter = 5000,
                                    .threads = 1,
                                    .planner = NNQ_PLANNER_ESTIMATE};
    struct nnq_states *s = NULL;
    if (nnq_states_create(g, V, &par, &s, err) != NNQ_OK)
        fprintf(stderr, "states: %s\n", err->msg);
    return s;
}

/* The largest |<phi_i|phi_j> - delta_ij|. */
static double orthonormality(const struct nnq_grid *g, const struct nnq_states *s) {
    double worst = 0.0;
    for (int i = 0; i < nnq_states_count(s); i++)
        for (int j = 0; j < nnq_states_count(s); j++) {
            const double complex *a = nnq_states_state(s, i), *b = nnq_states_state(s, j);
            double complex o = 0.0;
            for (ptrdiff_t p = 0; p < g->local_size; p++)
                o += conj(a[p]) * b[p];
            worst = fmax(worst, cabs(o * g->dv - (i == j ? 1.0 : 0.0)));
        }
    return worst;
}

static void harmonic_1d(void) {
    struct nnq_grid *g = grid(1, 256, 24.0);
    double *V = malloc(sizeof(double) * 256);
    for (int i = 0; i < 256; i++)
        V[i] = 0.5 * g->q[0][i] * g->q[0][i];
    struct nnq_err err = {0};
    struct nnq_states *s = solve(g, V, 6, 1e-12, &err);
    CHECK(s != NULL);
    if (s) {
        printf("harmonic 1D: %ld imaginary-time steps, %ld iterations\n", nnq_states_relax_steps(s),
               nnq_states_iterations(s));
        for (int j = 0; j < 6; j++) {
            CHECK_NEAR(nnq_states_energy(s, j) - (j + 0.5), 0.0, 1e-10);
            CHECK(nnq_states_error(s, j) <= 1e-12);
            CHECK(nnq_states_residual(s, j) < 1e-5);
        }
        CHECK_NEAR(orthonormality(g, s), 0.0, 1e-12);
        /* phi_0 is real and positive; phi_1 (odd) is positive at q > 0 */
        const double complex *p0 = nnq_states_state(s, 0), *p1 = nnq_states_state(s, 1);
        CHECK(creal(p0[128]) > 0 && fabs(cimag(p0[128])) < 1e-12 * creal(p0[128]));
        CHECK(creal(p1[160]) > 0 && creal(p1[96]) < 0);
        /* the exact ground state pi^-1/4 exp(-q^2/2) */
        double worst = 0.0;
        for (int i = 0; i < 256; i++)
            worst = fmax(worst, cabs(p0[i] - pow(M_PI, -0.25) * exp(-V[i])));
        CHECK_NEAR(worst, 0.0, 1e-9);
    }
    nnq_states_destroy(s);
    free(V);
    nnq_grid_destroy(g);
}

/* An anisotropic 2D oscillator (omega 1 and sqrt 2: no degeneracy) and an isotropic one whose
 * block of 2 cuts the degenerate first excited level. */
static void harmonic_2d(void) {
    struct nnq_grid *g = grid(2, 64, 16.0);
    const ptrdiff_t n = g->local_size;
    double *V = malloc(sizeof(double) * (size_t)n), *W = malloc(sizeof(double) * (size_t)n);
    for (ptrdiff_t i = 0; i < n; i++) {
        ptrdiff_t j[3];
        nnq_grid_index(g, i, j);
        const double x = g->q[0][j[0]], y = g->q[1][j[1]];
        V[i] = 0.5 * x * x + y * y; /* omega_y = sqrt 2 */
        W[i] = 0.5 * (x * x + y * y);
    }
    struct nnq_err err = {0};
    struct nnq_states *s = solve(g, V, 5, 1e-12, &err);
    CHECK(s != NULL);
    const double r2 = sqrt(2.0);
    /* (nx + 1/2) + (ny + 1/2) sqrt 2, ascending */
    const double exact[5] = {0.5 + 0.5 * r2, 1.5 + 0.5 * r2, 0.5 + 1.5 * r2, 2.5 + 0.5 * r2,
                             1.5 + 1.5 * r2};
    for (int j = 0; s && j < 5; j++)
        CHECK_NEAR(nnq_states_energy(s, j) - exact[j], 0.0, 1e-10);
    if (s)
        CHECK_NEAR(orthonormality(g, s), 0.0, 1e-12);
    nnq_states_destroy(s);
    s = solve(g, W, 2, 1e-12, &err);
    CHECK(s != NULL);
    if (s) {
        CHECK_NEAR(nnq_states_energy(s, 0) - 1.0, 0.0, 1e-10);
        CHECK_NEAR(nnq_states_energy(s, 1) - 2.0, 0.0, 1e-10);
    }
    nnq_states_destroy(s);
    free(V);
    free(W);
    nnq_grid_destroy(g);
}

/* The double well 8 (q^2 - 1.5^2)^2 / 1.5^4 (barrier 8, a splitting of 1e-3) against LAPACK's dsyev
 * of the dense Fourier-grid Hamiltonian of the same grid: H_ij = V_i delta_ij + (1/N) sum_k (k^2/2)
 * cos(k (q_i - q_j)), built here without an FFT. */
static void double_well(void) {
    enum { N = 192 };
    struct nnq_grid *g = grid(1, N, 10.0);
    double *V = malloc(sizeof(double) * N), *H = malloc(sizeof(double) * N * N),
           *w = malloc(sizeof(double) * N);
    for (int i = 0; i < N; i++) {
        const double q = g->q[0][i], a = q * q - 2.25;
        V[i] = 8.0 * a * a / (2.25 * 2.25);
    }
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            double t = 0.0;
            for (int m = 0; m < N; m++)
                t += 0.5 * g->k[0][m] * g->k[0][m] * cos(g->k[0][m] * (g->q[0][i] - g->q[0][j]));
            H[i + j * N] = t / N + (i == j ? V[i] : 0.0);
        }
    CHECK(LAPACKE_dsyev(LAPACK_COL_MAJOR, 'N', 'U', N, H, N, w) == 0);
    struct nnq_err err = {0};
    struct nnq_states *s = solve(g, V, 4, 1e-12, &err);
    CHECK(s != NULL);
    if (s) {
        printf("double well: dense E0 = %.15f, E1 = %.15f, splitting %.6e\n", w[0], w[1],
               w[1] - w[0]);
        for (int j = 0; j < 4; j++)
            CHECK_NEAR(nnq_states_energy(s, j) - w[j], 0.0, 1e-10);
        CHECK_NEAR((nnq_states_energy(s, 1) - nnq_states_energy(s, 0)) - (w[1] - w[0]), 0.0, 1e-8);
        /* phi0 + phi1 sits in the upper well */
        const double complex *p0 = nnq_states_state(s, 0), *p1 = nnq_states_state(s, 1);
        double up = 0.0, all = 0.0;
        for (int i = 0; i < N; i++) {
            const double p = pow(cabs(p0[i] + p1[i]), 2);
            all += p;
            up += g->q[0][i] > 0 ? p : 0.0;
        }
        CHECK(up > 0.99 * all);
    }
    nnq_states_destroy(s);
    free(V);
    free(H);
    free(w);
    nnq_grid_destroy(g);
}

static void errors(void) {
    struct nnq_grid *g = grid(1, 8, 4.0);
    double V[8] = {0};
    struct nnq_err err = {0};
    struct nnq_states_params par = {
        .hbar = 1, .mass = 1, .count = 8, .tol = 1e-12, .max_iter = 100, .threads = 1};
    struct nnq_states *s = NULL;
    CHECK(nnq_states_create(g, V, &par, &s, &err) == NNQ_ERR_CONFIG && s == NULL);
    V[3] = NAN;
    par.count = 2;
    CHECK(nnq_states_create(g, V, &par, &s, &err) == NNQ_ERR_NUMERIC && s == NULL);
    printf("%s\n", err.msg);
    nnq_states_destroy(NULL);
    nnq_grid_destroy(g);
}

static const char *const well_ini = "[run]\n"
                                    "dt = 2e-3\n"
                                    "steps = 10\n"
                                    "integrator = bm4\n"
                                    "diag_every = 5\n"
                                    "states = 3\n"
                                    "[grid]\n"
                                    "n = 128\n"
                                    "qmin = -4\n"
                                    "qmax = 4\n"
                                    "[potential]\n"
                                    "V = 3*(x^2-1)^2\n"
                                    "[initial]\n"
                                    "state = 0, 1\n"
                                    "[madelung]\n"
                                    "enabled = false\n"
                                    "[basins]\n"
                                    "enabled = true\n";

/* phi0 + phi1 sits in the upper well; after pi / (E1 - E0) it is phi0 - phi1, its mirror
 * image, in the lower one: <q> changes sign (bm4 at dt 2e-3: the time error is far below the
 * check). The basins' masses add up to the norm. */
static void tunnelling(void) {
    struct nnq_summary sum;
    CHECK(test_run(dir, "first", well_ini, NULL, 0, NULL, &sum) == NNQ_OK);
    size_t n, rows;
    double *E = test_read(dir, "first", "/states/energy", &n, &rows);
    CHECK(E && n == 3);
    if (!E || n != 3)
        return;
    const double half = M_PI / (E[1] - E[0]);
    printf("double well 3 (x^2 - 1)^2: E = %.12f, %.12f, %.12f; half period %.6f\n", E[0], E[1],
           E[2], half);
    char t_end[64], steps[64];
    const long nsteps = lround(half / 2e-3);
    snprintf(steps, sizeof steps, "run.steps=%ld", nsteps);
    snprintf(t_end, sizeof t_end, "run.dt=%.17g", half / (double)nsteps);
    const char *const sets[] = {steps, t_end, "run.diag_every=100"};
    CHECK(test_run(dir, "tunnel", well_ini, sets, 3, NULL, &sum) == NNQ_OK);
    static double q[4096], norm[4096];
    const int nr = test_column(dir, "tunnel", "q0_mean", q, 4096);
    CHECK(nr > 2 && test_column(dir, "tunnel", "norm", norm, 4096) == nr);
    if (nr > 2) {
        printf("<q> from %.9f to %.9f\n", q[0], q[nr - 1]);
        CHECK(q[0] > 0.5);
        CHECK_NEAR(q[nr - 1] + q[0], 0.0, 1e-6);
    }
    size_t nb, rb;
    double *m = test_read(dir, "tunnel", "/basins/schrodinger", &nb, &rb);
    CHECK(m && rb == (size_t)nr && nb == 2 * rb);
    double worst = 0.0;
    for (size_t r = 0; m && r < rb && nb == 2 * rb; r++)
        worst = fmax(worst, fabs(m[2 * r] + m[2 * r + 1] - norm[r]));
    CHECK_NEAR(worst, 0.0, 1e-12);
    free(m);
    free(E);
}

/* With the classical description at T = D / mobility = 0.5: /states/gibbs is exp(-V / T) / Z
 * of the file's own V, normalised over the box. */
static void gibbs(void) {
    static const char *const sets[] = {"classical.enabled=true", "classical.diffusion=0.5"};
    struct nnq_summary sum;
    CHECK(test_run(dir, "gibbs", well_ini, sets, 2, NULL, &sum) == NNQ_OK);
    size_t n, rows, nv, rv;
    double *p = test_read(dir, "gibbs", "/states/gibbs", &n, &rows);
    double *V = test_read(dir, "gibbs", "/potential/V", &nv, &rv);
    CHECK(p && V && n == 128 && nv == 128);
    if (p && V && n == 128 && nv == 128) {
        double z = 0.0, mass = 0.0, worst = 0.0;
        for (size_t i = 0; i < n; i++)
            z += exp(-V[i] / 0.5);
        for (size_t i = 0; i < n; i++) {
            worst = fmax(worst, fabs(p[i] - exp(-V[i] / 0.5) / (z * 8.0 / 128)));
            mass += p[i] * 8.0 / 128;
        }
        CHECK_NEAR(worst, 0.0, 1e-13);
        CHECK_NEAR(mass, 1.0, 1e-14);
    }
    CHECK(strstr(sum.observed_json, "\"gibbs_T\":0.5") != NULL);
    free(p);
    free(V);
}

static void resume(void) {
    static const char *const dsets[] = {"/states/energy", "/states/error",  "/states/residual",
                                        "/schrodinger/p", "/schrodinger/F", "/diagnostics/energy"};
    static const char *const sets[] = {"run.steps=400", "run.diag_every=10",
                                       "run.snapshot_every=100"};
    static struct nnq_summary whole, parts;
    CHECK(test_stop_resume(dir, "resume", well_ini, sets, 3, dsets, 6, &whole, &parts) == 0);
    CHECK_MSG(strcmp(whole.observed_json, parts.observed_json) == 0, "%s\nagainst\n%s",
              whole.observed_json, parts.observed_json);
}

static void bad_keys(void) {
    static const char *const cases[][2] = {
        {"initial.p=exp(-x^2)", "[initial] p"},
        {"initial.state=0, 0", "at most once"},
        {"initial.amplitude=1, 2, 3", "[initial] amplitude"},
        {"initial.state=64", "[initial] state"},
        {"run.states=65", "[run] states"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        struct nnq_config cfg;
        struct nnq_err err = {0};
        const char *set[] = {cases[c][0]};
        CHECK(nnq_config_load_string(well_ini, "well.ini", set, 1, &cfg, &err) == NNQ_ERR_CONFIG);
        CHECK_MSG(strstr(err.msg, cases[c][1]) != NULL, "%s: %s", cases[c][0], err.msg);
    }
    /* amplitude and phase need a state (or a superposition) */
    struct nnq_config cfg;
    struct nnq_err err = {0};
    const char *set[] = {"initial.phase=1"};
    CHECK(nnq_config_load_string("[grid]\nn = 32\nqmin = -1\nqmax = 1\n[run]\nsteps = 1\n"
                                 "[initial]\np = 1\n",
                                 "p.ini", set, 1, &cfg, &err) == NNQ_ERR_CONFIG &&
          strstr(err.msg, "needs [initial] state"));
    printf("%s\n", err.msg);
    /* the states needed are computed: state 4 asks for 5 */
    const char *five[] = {"initial.state=4"};
    CHECK(nnq_config_load_string(well_ini, "well.ini", five, 1, &cfg, &err) == NNQ_OK &&
          cfg.states == 5 && cfg.initial_kind == NNQ_INIT_STATES);
}

int main(void) {
    check_tmpdir("nnq_test_states", dir, sizeof dir);
    harmonic_1d();
    harmonic_2d();
    double_well();
    errors();
    tunnelling();
    gibbs();
    resume();
    bad_keys();
    return check_finish(dir);
}
