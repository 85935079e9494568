/*
 * test_config.c - the config parser: defaults, per-axis broadcast, derived values, --set
 * precedence, the canonical dump reloading to the same run, INI details (comments, CRLF,
 * indentation), and line-precise errors for text that inih alone would mangle.
 * (Malformed configs through the program, with exit codes: test_cli.c.)
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "nnq/config.h"

static struct nnq_config cfg, again;

static int load(const char *text, const char *const *sets, int nsets, struct nnq_err *err) {
    return (int)nnq_config_load_string(text, "c.ini", sets, nsets, &cfg, err);
}

static void test_defaults_and_derived(void) {
    struct nnq_err err = {0};
    CHECK(load("[grid]\nn = 64, 32\nqmin = -4\nqmax = 4, 2\n[run]\nt_end = 1\ndt = 0.3\n"
               "[initial]\npreset = gaussian\n",
               NULL, 0, &err) == NNQ_OK);
    CHECK(cfg.dims == 2 && cfg.n[0] == 64 && cfg.n[1] == 32 && cfg.n[2] == 1);
    CHECK(cfg.qmin[1] == -4 && cfg.qmax[1] == 2 && cfg.qmax[0] == 4);
    CHECK(cfg.hbar == 1.0 && cfg.particle_mass == 1.0);
    CHECK(cfg.steps == 4);
    CHECK_NEAR(cfg.run_dt, 0.25, 1e-16); /* t_end reached exactly */
    CHECK(cfg.run_integrator == NNQ_INTEGRATOR_STRANG && cfg.run_planner == NNQ_PLANNER_MEASURE);
    CHECK(cfg.potential_kind == NNQ_POT_FREE && cfg.initial_kind == NNQ_INIT_GAUSSIAN);
    CHECK(cfg.output_fields == (NNQ_FIELD_P | NNQ_FIELD_F | NNQ_FIELD_PSI | NNQ_FIELD_J));
    CHECK(strcmp(cfg.output_file, "nnq.h5") == 0);
    CHECK(cfg.madelung_enabled == 1 && cfg.madelung_density_floor == 1e-12);
}

static void test_overrides_and_dump(void) {
    struct nnq_err err = {0};
    static const char text[] = "; a comment\r\n[run]\r\n  name = sweep ; inline comment\r\n"
                               "steps = 10\r\nINTEGRATOR = order4\r\n"
                               "[grid]\nn = 16\nqmin = -1\nqmax = 1\n"
                               "[network]\nmu = 2\nepsilon = 0.25\n"
                               "[potential]\nV = 0.5*x^2 + 0.1*sin(t)\n"
                               "[initial]\np = exp(-x^2)\nF = 0.5*x\n";
    static const char *const sets[] = {"network.mu=4", "run.integrator = STRANG", "network.mu = 3",
                                       "output.file=out_{name}_mu{network.mu}_{grid.n}.h5"};
    CHECK_MSG(load(text, sets, 4, &err) == NNQ_OK, "%s", err.msg);
    CHECK(strcmp(cfg.run_name, "sweep") == 0);
    CHECK_MSG(strcmp(cfg.output_file, "out_sweep_mu3_16.h5") == 0, "%s", cfg.output_file);
    CHECK(cfg.network_mu == 3 && cfg.hbar == 0.75); /* the later --set wins */
    CHECK(cfg.run_integrator == NNQ_INTEGRATOR_STRANG);
    CHECK(cfg.origin[NNQ_KEY_network_mu] == -3 && cfg.origin[NNQ_KEY_network_epsilon] == 12);
    CHECK(cfg.potential_kind == NNQ_POT_EXPR && cfg.initial_kind == NNQ_INIT_EXPR);

    char dump[8192];
    size_t need = nnq_config_dump(&cfg, dump, sizeof dump);
    CHECK(need == strlen(dump));
    CHECK(strstr(dump, "[network]\nmu = 3\nepsilon = 0.25\n") != NULL);
    CHECK(strstr(dump, "integrator = STRANG\n") != NULL);
    CHECK(nnq_config_load_string(dump, "dump", NULL, 0, &again, &err) == NNQ_OK);
    CHECK(again.hbar == cfg.hbar && again.steps == cfg.steps &&
          strcmp(again.potential_V, cfg.potential_V) == 0 &&
          strcmp(again.output_file, cfg.output_file) == 0);
    char small[16];
    CHECK(nnq_config_dump(&cfg, small, sizeof small) == need && strlen(small) == 15);

    /* a line of the most characters a config line holds, given as "key=value": its stored
     * copy reads back (written as "key = value" it was two over the limit) */
    static char edge[512];
    char value[200];
    memset(value, 'E', 193);
    value[193] = '\0';
    snprintf(edge, sizeof edge,
             "[run]\nsteps = 10\n[grid]\nn = 16\nqmin = -1\nqmax = 1\n[initial]\n"
             "preset = gaussian\n[output]\nfile=%s\n",
             value);
    CHECK_MSG(load(edge, NULL, 0, &err) == NNQ_OK, "%s", err.msg);
    nnq_config_dump(&cfg, dump, sizeof dump);
    CHECK_MSG(nnq_config_load_string(dump, "dump", NULL, 0, &again, &err) == NNQ_OK, "%s", err.msg);
    CHECK(strcmp(again.output_file, cfg.output_file) == 0 && strlen(cfg.output_file) == 193);
}

/* [network] gamma sets the mass, m = epsilon / (2 gamma); with [particle] mass it is an error. */
static void test_gamma(void) {
    static const char base[] = "[run]\nsteps = 1\n[grid]\nn = 16\nqmin = -1\nqmax = 1\n"
                               "[initial]\npreset = gaussian\n[network]\nepsilon = 0.5\n";
    struct nnq_config g;
    struct nnq_err err = {0};
    const char *gamma[] = {"network.gamma = 0.125"};
    CHECK(nnq_config_load_string(base, "g.ini", gamma, 1, &g, &err) == NNQ_OK);
    CHECK_NEAR(g.particle_mass, 2.0, 1e-15);
    const char *both[] = {"network.gamma = 0.125", "particle.mass = 2"};
    CHECK(nnq_config_load_string(base, "g.ini", both, 2, &g, &err) == NNQ_ERR_CONFIG);
    CHECK_MSG(strstr(err.msg, "[network] gamma: give [network] gamma"), "%s", err.msg);
}

/* The absorbing layer's keys need boundary = absorbing, which imaginary time refuses. */
static void test_boundary(void) {
    static const char base[] = "[run]\nsteps = 1\n[grid]\nn = 16\nqmin = -1\nqmax = 1\n"
                               "[initial]\npreset = gaussian\n";
    struct nnq_config b;
    struct nnq_err err = {0};
    const char *width[] = {"grid.absorb_width = 0.2"};
    CHECK(nnq_config_load_string(base, "b.ini", width, 1, &b, &err) == NNQ_ERR_CONFIG);
    CHECK_MSG(strstr(err.msg, "[grid] absorb_width: needs [grid] boundary = absorbing"), "%s",
              err.msg);
    const char *wide[] = {"grid.boundary = absorbing", "grid.absorb_width = 1"};
    CHECK(nnq_config_load_string(base, "b.ini", wide, 2, &b, &err) == NNQ_ERR_CONFIG);
    CHECK_MSG(strstr(err.msg, "two layers of 1 fill the box of 2"), "%s", err.msg);
    const char *imag[] = {"grid.boundary = absorbing", "run.imaginary_time = true"};
    CHECK(nnq_config_load_string(base, "b.ini", imag, 2, &b, &err) == NNQ_ERR_CONFIG);
    CHECK_MSG(strstr(err.msg, "[grid] boundary: an absorbing boundary takes mass out"), "%s",
              err.msg);
}

/* Lines of any length (a value holds up to NNQ_STR_MAX - 1 characters), lines continued with
 * a trailing backslash, and the stored config of such values reading back the same. */
static void test_long_lines(void) {
    struct nnq_err err = {0};
    static const char base[] = "[run]\nsteps = 1\n[grid]\nn = 16\nqmin = -1\nqmax = 1\n"
                               "[initial]\npreset = gaussian\n";
    char value[NNQ_STR_MAX + 32], text[2048], set[NNQ_STR_MAX + 48];
    /* a weight-decay V of 230 characters in a line of 236 (inih's own buffer holds 198) */
    snprintf(value, sizeof value, "0.5*x^2");
    while (strlen(value) < 222)
        strncat(value, " + 0*x", sizeof value - strlen(value) - 1);
    snprintf(text, sizeof text, "%s[potential]\nV = %s   ; with a comment\n; %0300d\n", base, value,
             0);
    CHECK_MSG(load(text, NULL, 0, &err) == NNQ_OK, "%s", err.msg);
    CHECK_MSG(strcmp(cfg.potential_V, value) == 0, "'%s'", cfg.potential_V);
    CHECK(cfg.origin[NNQ_KEY_potential_V] == 10);
    /* its stored copy (a line too long for inih) reads back to it */
    static char dump[1 << 16];
    nnq_config_dump(&cfg, dump, sizeof dump);
    CHECK_MSG(nnq_config_load_string(dump, "dump", NULL, 0, &again, &err) == NNQ_OK, "%s", err.msg);
    CHECK(strcmp(again.potential_V, value) == 0);
    /* the same by --set */
    snprintf(set, sizeof set, "potential.V = %s", value);
    const char *sets[] = {set};
    CHECK_MSG(load(base, sets, 1, &err) == NNQ_OK, "%s", err.msg);
    CHECK(strcmp(cfg.potential_V, value) == 0);

    /* a value over NNQ_STR_MAX - 1 characters: named, in a file and by --set */
    while (strlen(value) < NNQ_STR_MAX + 8)
        strncat(value, " + 0*x", sizeof value - strlen(value) - 1);
    snprintf(text, sizeof text, "%s[potential]\nV = %s\n", base, value);
    CHECK(load(text, NULL, 0, &err) == NNQ_ERR_CONFIG);
    CHECK_MSG(strstr(err.msg, "c.ini:10: [potential] V: value longer than 255"), "%s", err.msg);
    snprintf(set, sizeof set, "potential.V=%.*s", NNQ_STR_MAX + 4, value);
    CHECK(load(base, sets, 1, &err) == NNQ_ERR_CONFIG);
    CHECK_MSG(strstr(err.msg, "--set potential.V: the value is longer than 255"), "%s", err.msg);
    /* a section line that long is no section */
    snprintf(text, sizeof text, "[%0250d]\n", 0);
    CHECK(load(text, NULL, 0, &err) == NNQ_ERR_CONFIG);
    CHECK_MSG(strstr(err.msg, "c.ini:1: "), "%s", err.msg);

    /* continuation: the backslash and the next line's leading blanks go, the line numbers of
     * what follows stay the file's */
    snprintf(text, sizeof text,
             "%s[potential]\nV = 0.5*x^2 + \\\n    0.1*x^4 \\  \n  - 1\nomega = 2\n", base);
    CHECK(load(text, NULL, 0, &err) == NNQ_ERR_CONFIG);
    CHECK_MSG(strstr(err.msg, "c.ini:13: [potential] omega"), "%s", err.msg);
    snprintf(text, sizeof text, "%s[potential]\nV = 0.5*x^2 + \\\n    0.1*x^4 \\  \n  - 1\n", base);
    CHECK_MSG(load(text, NULL, 0, &err) == NNQ_OK, "%s", err.msg);
    CHECK_MSG(strcmp(cfg.potential_V, "0.5*x^2 + 0.1*x^4 - 1") == 0, "'%s'", cfg.potential_V);
    CHECK(cfg.origin[NNQ_KEY_potential_V] == 10);
    /* a comment does not continue */
    snprintf(text, sizeof text, "%s; note \\\n[potential]\nV = x\n", base);
    CHECK_MSG(load(text, NULL, 0, &err) == NNQ_OK, "%s", err.msg);
}

static void test_line_errors(void) {
    struct nnq_err err = {0};
    CHECK(load("[grid]\nn = 16\n\tqmin = -1\nqmax = 1\nqmax = 2\n", NULL, 0, &err) ==
          NNQ_ERR_CONFIG);
    CHECK_MSG(strstr(err.msg, "c.ini:5: [grid] qmax: duplicate key (first given on line 4)"), "%s",
              err.msg);

    CHECK(load("n = 16\n", NULL, 0, &err) == NNQ_ERR_CONFIG);
    CHECK_MSG(strstr(err.msg, "c.ini:1: n: key outside any [section]"), "%s", err.msg);

    CHECK(load("[grid]\nn = 16\n[run\n", NULL, 0, &err) == NNQ_ERR_CONFIG);
    CHECK_MSG(strstr(err.msg, "c.ini:3: expected"), "%s", err.msg);

    CHECK(load("[grid]\nn = 16,\nqmin = -1\nqmax = 1\n", NULL, 0, &err) == NNQ_ERR_CONFIG);
    CHECK_MSG(strstr(err.msg, "c.ini:2: [grid] n: expected a list"), "%s", err.msg);

    CHECK(load("[grid]\nn = 16\nqmin = -1\nqmax = 1\n[run]\nsteps = 1\n"
               "[initial]\npreset = superposition\ncenter = 1, 2\nwidth = 1, 2, 3\n",
               NULL, 0, &err) == NNQ_ERR_CONFIG);
    CHECK_MSG(strstr(err.msg, "c.ini:10: [initial] width: expected 1, 1 (per axis) or 2"), "%s",
              err.msg);

    CHECK(load("[grid]\nn = 16\nqmin = -1\nqmax = 1\n[run]\nsteps = 1\n[initial]\np = 1\n"
               "[output]\nfields = p, G\n",
               NULL, 0, &err) == NNQ_ERR_CONFIG);
    CHECK_MSG(strstr(err.msg, "c.ini:10: [output] fields: expected any of p, F, psi, j, got 'G'"),
              "%s", err.msg);
}

int main(void) {
    test_defaults_and_derived();
    test_overrides_and_dump();
    test_line_errors();
    test_long_lines();
    test_gamma();
    test_boundary();
    return check_result();
}
