/*
 * test_cli.c - the nnq program as users call it: exit codes, messages that name file, line
 * and key for malformed configs, the JSON last line, --set, --force, --quiet, check; a run
 * killed (SIGKILL) at any moment, its checkpoints' writes included, resumes bit for bit or
 * refuses.
 * Usage: test_cli PATH_TO_NNQ PATH_TO_DOCS_CONFIG_MD
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "same_dataset.h"

static const char *nnq;
static char dir[256];

static void write_file(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        exit(2);
    }
    fputs(text, f);
    fclose(f);
}

static char *read_file(const char *path) {
    static char buf[1 << 16];
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f)
        fclose(f);
    buf[n] = '\0';
    return buf;
}

/* Runs `nnq ARGS` in dir; returns the exit code; stdout and stderr land in out.txt, err.txt. */
static int run(const char *args) {
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "cd '%s' && '%s' %s >out.txt 2>err.txt", dir, nnq, args);
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Runs nnq with args in dir in the background and sends it signal sig (INT: a user pressing
 * Ctrl-C) after a second; returns its wait status (stdout/stderr in out.txt/err.txt). */
/* Runs nnq with args in the background and sends it SIG: once `started` (a file of the test
 * directory, removed first: the run's output, which appears when the set-up is over) exists,
 * at most 60 s on, or after 1 s when started is NULL (a signal during the set-up). A fixed
 * delay alone raced a slow machine's set-up (FFTW planning under the sanitizers). */
static int interrupted(const char *args, const char *sig, const char *started) {
    char cmd[1200], wait[300] = "sleep 1";
    if (started)
        snprintf(wait, sizeof wait,
                 "n=0; while [ ! -e '%s' ] && [ $n -lt 600 ]; do sleep 0.1; n=$((n + 1)); done; "
                 "sleep 0.2",
                 started);
    snprintf(cmd, sizeof cmd,
             "cd '%s' && rm -f '%s' && { '%s' %s >out.txt 2>err.txt & pid=$!; %s; kill -%s $pid; "
             "wait $pid; }",
             dir, started ? started : "", nnq, args, wait, sig);
    return system(cmd);
}

static const char *out_text(void) {
    char p[300];
    snprintf(p, sizeof p, "%s/out.txt", dir);
    return read_file(p);
}

static const char *err_text(void) {
    char p[300];
    snprintf(p, sizeof p, "%s/err.txt", dir);
    return read_file(p);
}

#define GRID1 "[grid]\nn = 64\nqmin = -8\nqmax = 8\n"
#define RUN1 "[run]\nsteps = 10\n"
#define INIT1 "[initial]\npreset = gaussian\n"

/* A malformed config, how it is run, and what the message must contain. */
struct bad_case {
    const char *text;
    const char *cmd; /* "check" or "simulate" */
    const char *sets;
    const char *expect;
};

static const struct bad_case bad_cases[] = {
    {RUN1 INIT1, "check", "", "bad.ini: [grid] n: required key missing"},
    {"[grid]\nn = abc\nqmin = -1\nqmax = 1\n" RUN1 INIT1, "check", "",
     "bad.ini:2: [grid] n: value 1: expected an integer"},
    {"[grid]\nn = 8, 8, 8, 8\nqmin = -1\nqmax = 1\n" RUN1 INIT1, "check", "",
     "bad.ini:2: [grid] n: expected 1-3 values"},
    {"[grid]\nn = 32, 32\nqmin = -1, -2, -3\nqmax = 1\n" RUN1 INIT1, "check", "",
     "bad.ini:3: [grid] qmin: expected 1 value or 2"},
    {"[grid]\nn = 0\nqmin = -1\nqmax = 1\n" RUN1 INIT1, "check", "",
     "bad.ini:2: [grid] n: value 1: expected an integer in 4.."},
    {GRID1 "[run]\nsteps = 10\ndt = 0\n" INIT1, "check", "",
     "bad.ini:7: [run] dt: expected a positive number, got '0'"},
    {GRID1 "[run]\nsteps = 10\ndt = -1e-3\n" INIT1, "check", "",
     "bad.ini:7: [run] dt: expected a positive number"},
    {GRID1 RUN1 INIT1 "[particle]\nmass = 0\n", "check", "",
     "bad.ini:10: [particle] mass: expected a positive number"},
    {GRID1 RUN1 INIT1 "[network]\nmu = -1\n", "check", "",
     "bad.ini:10: [network] mu: expected a positive number"},
    {GRID1 RUN1 INIT1 "[network]\nepsilon = 0\n", "check", "",
     "bad.ini:10: [network] epsilon: expected a positive number"},
    {GRID1 RUN1 INIT1 "[run]\n", "check", "",
     "bad.ini:9: [run]: duplicate section (first on line 5)"},
    {GRID1 "[run]\nsteps = 10\nfoo = 1\n" INIT1, "check", "", "bad.ini:7: [run] foo: unknown key"},
    {GRID1 RUN1 INIT1 "[madelung]\nnode_depth = 0.2\n", "check", "",
     "bad.ini:10: [madelung] node_depth: unknown key; it is a key of [defects]"},
    {GRID1 RUN1 INIT1 "[solver]\nx = 1\n", "check", "",
     "bad.ini:9: [solver]: unknown section (expected run, grid, network, particle, potential, "
     "initial, madelung, defects, trajectories, classical, basins, output or regions)"},
    {GRID1 RUN1 INIT1 "[potential]\nV = 0.5*x^^2\n", "check", "",
     "bad.ini:10: [potential] V: syntax error"},
    {GRID1 RUN1 INIT1 "[potential]\nV = w*x\n", "check", "",
     "bad.ini:10: [potential] V: unknown variable 'w'"},
    {GRID1 RUN1 "[initial]\np = exp(-y^2)\n", "check", "",
     "bad.ini:8: [initial] p: 'y' needs a grid of 2"},
    {GRID1 RUN1 "[initial]\npreset = eigenstate\nn = 1.5\n", "check", "",
     "bad.ini:9: [initial] n: value 1: expected an integer"},
    {GRID1 "[run]\nsteps = 10.5\n" INIT1, "check", "",
     "bad.ini:6: [run] steps: expected an integer >= 1, got '10.5'"},
    {GRID1 "[run]\nt_end = 1\nsteps = 10\n" INIT1, "check", "",
     "bad.ini:7: [run] steps: give t_end or steps, not both"},
    {GRID1 "[run]\nsteps = 10\ndt = 1e-3abc\n" INIT1, "check", "",
     "bad.ini:7: [run] dt: expected a positive number, got '1e-3abc'"},
    {GRID1 "[run]\nsteps = 10\ndt = 1e999\n" INIT1, "check", "", "bad.ini:7: [run] dt: expected"},
    {GRID1 "[run]\nsteps = 10\ndt = nan\n" INIT1, "check", "", "bad.ini:7: [run] dt: expected"},
    {GRID1 "[run]\nsteps = 10\nintegrator = rk4\n" INIT1, "check", "",
     "bad.ini:7: [run] integrator: expected one of strang/order4/bm4/bm6, got 'rk4'"},
    {GRID1 "[run]\nsteps = 10\nimaginary_time = maybe\n" INIT1, "check", "",
     "bad.ini:7: [run] imaginary_time: expected true or false"},
    {GRID1 "[run]\nsteps = 10\nsteps = 20\n" INIT1, "check", "",
     "bad.ini:7: [run] steps: duplicate key (first given on line 6)"},
    {"[grid]\nn = 64\nqmin = 1\nqmax = -1\n" RUN1 INIT1, "check", "",
     "bad.ini:4: [grid] qmax: axis 0: qmax (-1) must exceed qmin (1)"},
    {GRID1 RUN1 INIT1 "this line has no equals sign\n", "check", "",
     "bad.ini:9: expected 'key = value'"},
    {GRID1 RUN1 INIT1 "[potential]\npreset = lattice\nomega = 2\n", "check", "",
     "bad.ini:11: [potential] omega: not used by preset lattice"},
    {GRID1 RUN1 "[initial]\npreset = vortex\n", "check", "",
     "bad.ini:8: [initial] preset: vortex needs a grid of 2 or 3"},
    {GRID1 RUN1 INIT1 "[potential]\nV = x % 2\n", "check", "",
     "bad.ini:10: [potential] V: character '%' is not allowed"},
    {GRID1 RUN1 INIT1 "[output]\ncompress = 12\n", "check", "",
     "bad.ini:10: [output] compress: expected an integer in 0..9"},
    {GRID1 "[run]\nsteps = 10\nimaginary_time = true\nintegrator = order4\n" INIT1, "check", "",
     "bad.ini:8: [run] integrator: order4 takes backward sub-steps"},
    {GRID1 "[run]\nsteps = 10\nimaginary_time = true\nintegrator = bm6\n" INIT1, "check", "",
     "bad.ini:8: [run] integrator: bm6 takes backward sub-steps"},
    {"[grid]\nn = 32, 32\nqmin = -4\nqmax = 4\n" RUN1 "[initial]\npreset = superposition\n"
     "center = 1, 2, 3\n",
     "check", "", "bad.ini:9: [initial] center: expected 2 values per packet"},
    {GRID1 RUN1 INIT1, "check", "--set grid.n=abc", "bad.ini: --set grid.n: [grid] n: value 1"},
    {GRID1 RUN1 INIT1, "check", "--set grid.m=4", "--set grid.m: [grid] m: unknown key"},
    {GRID1 RUN1 INIT1, "check", "--set nodot", "--set nodot: expected section.key=value"},
    /* found by tests/fuzz/fuzz_config.c: values the stored config could not reload */
    {GRID1 RUN1 INIT1, "check", "--set 'run.name=a ;b'", "';' after a blank starts a comment"},
    {GRID1 RUN1 INIT1, "check", "--set 'run.name=\xff\xfe'",
     "--set #1: not one line of UTF-8 text"},
    {GRID1 RUN1 INIT1, "check", "--set \"$(printf 'output.file=\\013\\014x')\"",
     "--set #1: control character 0x0b in it"},
    {GRID1 RUN1 INIT1, "check", "--set 'output.file=;name}.h5'",
     "the value would not read back the same from the stored config"},
    {GRID1 "[run]\nname =;x\n" INIT1, "check", "",
     "bad.ini:6: [run] name: a value cannot start with ';'"},
    {GRID1 RUN1 "[initial]\np = x\n", "simulate", "",
     "bad.ini:8: [initial] p is -8 at q = (-8, 0, 0): a density must be finite and >= 0"},
    {GRID1 RUN1 "[initial]\np = 0*x\n", "simulate", "",
     "bad.ini:8: [initial] the initial state has norm 0"},
    {GRID1 RUN1 INIT1 "[potential]\nV = 1/x\n", "simulate", "",
     "bad.ini:10: [potential] V is inf at q = (0, 0, 0)"},
    {GRID1 RUN1 "[initial]\nF = x\n", "check", "", "bad.ini:7: [initial] p: required key missing"},
    {"\xff\xfe[grid]\n", "check", "", "bad.ini:1: not valid UTF-8 text"},
    {"", "check", "", "bad.ini: empty config"},
};

static void test_bad_configs(void) {
    char path[300];
    snprintf(path, sizeof path, "%s/bad.ini", dir);
    int n = (int)(sizeof bad_cases / sizeof bad_cases[0]);
    CHECK(n >= 40);
    for (int i = 0; i < n; i++) {
        write_file(path, bad_cases[i].text);
        char args[256];
        snprintf(args, sizeof args, "%s bad.ini %s -o bad_out.h5 --force", bad_cases[i].cmd,
                 bad_cases[i].sets);
        if (strcmp(bad_cases[i].cmd, "check") == 0)
            snprintf(args, sizeof args, "check bad.ini %s", bad_cases[i].sets);
        int rc = run(args);
        const char *err = err_text();
        CHECK_MSG(rc == 2, "case %d: exit %d, want 2 (%s)", i, rc, err);
        CHECK_MSG(strstr(err, bad_cases[i].expect) != NULL, "case %d: message '%s' lacks '%s'", i,
                  err, bad_cases[i].expect);
    }
}

static const char good[] = "[run]\nname = tiny\nsteps = 40\ndt = 0.01\nsnapshot_every = 20\n"
                           "[grid]\nn = 64\nqmin = -8\nqmax = 8\n"
                           "[potential]\npreset = harmonic\n"
                           "[initial]\npreset = gaussian\ncenter = 1\n"
                           "[madelung]\nenabled = false\n";

/* The JSON summary line in a run's output (its objects nest: not simply the last '{'). */
static const char *json_line(const char *out) {
    const char *line = NULL;
    for (const char *q = out; (q = strstr(q, "{\"name\":")) != NULL; q++)
        line = q;
    return line;
}

static void test_simulate(void) {
    char path[300];
    snprintf(path, sizeof path, "%s/good.ini", dir);
    write_file(path, good);
    char h5[300];
    snprintf(h5, sizeof h5, "%s/tiny.h5", dir);
    remove(h5);

    CHECK(run("simulate good.ini") == 0);
    const char *out = out_text();
    const char *last = json_line(out);
    CHECK(last && strstr(last, "\"status\":\"ok\"") && strstr(last, "\"exit_code\":0"));
    CHECK(last && strstr(last, "\"output\":\"tiny.h5\"") && strstr(last, "\"snapshots\":3"));
    CHECK(last && last[strlen(last) - 1] == '\n' && !strchr(last, '\n')[1]);
    struct stat st;
    CHECK(stat(h5, &st) == 0 && st.st_size > 0);

    /* an existing output is never overwritten without --force */
    CHECK(run("simulate good.ini") == 2);
    CHECK(strstr(err_text(), "tiny.h5: output file exists; use --force") != NULL);
    CHECK(run("simulate good.ini --force --quiet --set network.mu=0.5 --threads 2") == 0);
    out = out_text();
    CHECK(strchr(out, '\n') == out + strlen(out) - 1); /* --quiet: the JSON line only */
    CHECK(strstr(out, "\"hbar\":0.5,") && strstr(out, "\"mu\":0.5,") &&
          strstr(out, "\"threads\":2}"));

    CHECK(run("simulate good.ini -o other.h5 --quiet") == 0);
    CHECK(strstr(out_text(), "\"output\":\"other.h5\""));

    CHECK(run("check good.ini --set grid.n=128") == 0);
    out = out_text();
    CHECK(strstr(out, "hbar = mu * epsilon = 1 * 1 = 1") && strstr(out, "n = 128") &&
          strstr(out, "dq = 0.125") && strstr(out, "memory:") && strstr(out, "output:"));
    CHECK(strstr(out, "madelung: off"));
    /* each Madelung form states its own limits: 0.3 m dq^2 / hbar, 0.5 m dq^2 / hbar in 1D */
    CHECK(run("check good.ini --set grid.n=128 --set madelung.enabled=true") == 0);
    CHECK_MSG(strstr(out_text(), "madelung (momentum form)") &&
                  strstr(out_text(), "0.3 m dq^2 / hbar") && strstr(out_text(), "= 0.00469;"),
              "%s", out_text());
    CHECK(run("check good.ini --set grid.n=128 --set madelung.enabled=true "
              "--set madelung.form=potential") == 0);
    CHECK_MSG(strstr(out_text(), "madelung (potential form)") && strstr(out_text(), "= 0.00781;"),
              "%s", out_text());
    /* the output estimate counts the trajectories' point set (0.8 MB a stored row here) */
    CHECK(run("check good.ini --set trajectories.count=100000") == 0 &&
          strstr(out_text(), "output: tiny.h5, 3 snapshots, about 4.") &&
          strstr(out_text(), "MiB"));
    /* the classical walkers' temperature, per axis */
    CHECK(run("check good.ini --set trajectories.count=10 --set trajectories.kinds=langevin "
              "--set classical.mobility=2 --set classical.diffusion=0.5") == 0);
    CHECK_MSG(strstr(out_text(), "langevin walkers (classical): axis 0: mobility 2, D 0.5, "
                                 "temperature D / mobility = 0.25"),
              "%s", out_text());
    /* where their grad V comes from: V's own, or V's interpolant (a step in an axis) */
    CHECK_MSG(strstr(out_text(), "langevin walkers' grad V: V's own"), "%s", out_text());
    char stepped[300];
    snprintf(stepped, sizeof stepped, "%s/stepped.ini", dir);
    write_file(stepped, "[run]\nsteps = 4\n[grid]\nn = 64\nqmin = -8\nqmax = 8\n"
                        "[potential]\nV = 0.5*x^2+step(x-100)\n[initial]\npreset = gaussian\n"
                        "[trajectories]\ncount = 10\nkinds = langevin\n");
    CHECK(run("check stepped.ini") == 0);
    CHECK_MSG(strstr(out_text(), "langevin walkers' grad V: from V's 6-point interpolant"), "%s",
              out_text());
    /* check builds what simulate builds first: it finds what simulate would refuse */
    CHECK(run("check good.ini") == 0 && strstr(out_text(), "potential at t = 0: from 0 to ") &&
          strstr(out_text(), "its minimum at q = (0)") &&
          strstr(out_text(), "initial state: norm 1"));
    char path2[300];
    snprintf(path2, sizeof path2, "%s/missing_file.ini", dir);
    write_file(path2, "[run]\nsteps = 4\n[grid]\nn = 64\nqmin = -8\nqmax = 8\n"
                      "[potential]\nfile = missing.h5\n[initial]\npreset = gaussian\n");
    CHECK(run("check missing_file.ini") == 2 && strstr(err_text(), "missing.h5"));
}

/* docs/config.md ends with exactly what --help-config prints. */
static void test_config_docs(const char *docs) {
    CHECK(run("--help-config") == 0);
    char ref[1 << 16];
    snprintf(ref, sizeof ref, "%s", out_text());
    const char *doc = read_file(docs);
    size_t nd = strlen(doc), nr = strlen(ref);
    CHECK_MSG(nr > 1000 && nd >= nr && strcmp(doc + nd - nr, ref) == 0,
              "%s is out of date: regenerate its tables with nnq --help-config", docs);
}

static void test_runs_and_files(void) {
    char path[300];
    snprintf(path, sizeof path, "%s/good.ini", dir);
    write_file(path, good);

    /* placeholders name the file from the run's values */
    CHECK(run("simulate good.ini --quiet --set network.mu=0.5 -o "
              "'p_{name}_{network.mu}_{grid.n}.h5'") == 0);
    CHECK(strstr(out_text(), "\"output\":\"p_tiny_0.5_64.h5\"") != NULL);
    CHECK(run("simulate good.ini --quiet -o 'p_{network.nu}.h5'") == 2 &&
          strstr(err_text(), "unknown placeholder {network.nu}"));

    /* info: what a file holds; --csv: the diagnostics table */
    CHECK(run("info p_tiny_0.5_64.h5") == 0);
    const char *out = out_text();
    CHECK(strstr(out, "output of run 'tiny'") && strstr(out, ", completed") &&
          strstr(out, "snapshots: 3, t = 0 .. 0.4") && strstr(out, "mu = 0.5") &&
          strstr(out, "  node_count ") && strstr(out, "config:\n  [run]\n  name = tiny"));
    CHECK(run("info p_tiny_0.5_64.h5 --csv") == 0);
    out = out_text();
    CHECK(strncmp(out, "t,step,norm,energy,", 19) == 0 && strstr(out, "\n0.40000000000000002,40,"));
    CHECK(run("info good.ini") == 2 && strstr(err_text(), "good.ini: not an HDF5 file"));
    CHECK(run("info missing.h5") == 2 && strstr(err_text(), "missing.h5: cannot read"));

    /* a numerical failure: exit 3, a message with what to try, a readable incomplete file */
    static const char blowup[] = "[run]\nname = blowup\nsteps = 50\ndt = 1\nimaginary_time = true\n"
                                 "diag_every = 1\n[grid]\nn = 64\nqmin = -8\nqmax = 8\n"
                                 "[potential]\nV = -2000 * exp(-x^2)\n"
                                 "[initial]\npreset = gaussian\n";
    snprintf(path, sizeof path, "%s/blowup.ini", dir);
    write_file(path, blowup);
    CHECK(run("simulate blowup.ini --force") == 3);
    CHECK(strstr(err_text(), "numerical failure at step") &&
          strstr(err_text(), "try a smaller dt"));
    CHECK(strstr(out_text(), "\"status\":\"numerical failure\",\"exit_code\":3"));
    CHECK(run("info blowup.h5") == 0 && strstr(out_text(), "NOT completed"));

    /* a write failure (file-size limit): exit 1 and a clear message, never a crash */
    static const char big[] = "[run]\nname = big\nsteps = 200\ndt = 1e-3\nsnapshot_every = 1\n"
                              "[grid]\nn = 128, 128\nqmin = -8\nqmax = 8\n"
                              "[initial]\npreset = gaussian\n[madelung]\nenabled = false\n";
    snprintf(path, sizeof path, "%s/big.ini", dir);
    write_file(path, big);
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "cd '%s' && sh -c 'ulimit -f 2048; exec \"$0\" simulate big.ini --force' '%s' "
             ">out.txt 2>err.txt",
             dir, nnq);
    int st = system(cmd);
    CHECK_MSG(WIFEXITED(st) && WEXITSTATUS(st) == 1, "exit %d: %s", WEXITSTATUS(st), err_text());
    CHECK(strstr(err_text(), "big.h5: HDF5 could not") != NULL);
    /* the metadata may not fit under the limit either: never reported complete */
    int info_rc = run("info big.h5");
    CHECK(info_rc == 2 || (info_rc == 0 && strstr(out_text(), "NOT completed")));

    /* SIGINT: the chunk finishes, the file is closed valid, exit 130 */
    static const char slow[] =
        "[run]\nname = slow\nsteps = 1000000\ndt = 1e-3\nsnapshot_every = 0\n"
        "[grid]\nn = 256, 256\nqmin = -8\nqmax = 8\n"
        "[initial]\npreset = gaussian\n[madelung]\nenabled = false\n";
    snprintf(path, sizeof path, "%s/slow.ini", dir);
    write_file(path, slow);
    static const char *const sigs[] = {"INT", "USR1"}; /* USR1: what mpirun forwards */
    for (int s = 0; s < 2; s++) {
        st = interrupted("simulate slow.ini --force", sigs[s], "slow.h5");
        CHECK_MSG(WIFEXITED(st) && WEXITSTATUS(st) == 130, "SIG%s: exit %d", sigs[s],
                  WEXITSTATUS(st));
        CHECK(strstr(err_text(), "interrupted at step") != NULL);
        CHECK(strstr(out_text(), "\"status\":\"interrupted\",\"exit_code\":130"));
        CHECK(run("info slow.h5") == 0 && strstr(out_text(), "NOT completed") &&
              strstr(out_text(), "snapshots: 2"));
    }

    /* SIGINT inside FFTW's planner (patient: 25 s for this grid on a 2-core VM), which cannot
     * be stopped: the process ends at once, no file created, the JSON line written */
    snprintf(path, sizeof path, "%s/plan.ini", dir);
    write_file(path, "[run]\nname = plan\nsteps = 10\nplanner = patient\n"
                     "[grid]\nn = 96, 96, 96\nqmin = -8\nqmax = 8\n"
                     "[initial]\npreset = gaussian\n[madelung]\nenabled = false\n");
    st = interrupted("simulate plan.ini", "INT", NULL);
    CHECK_MSG(WIFEXITED(st) && WEXITSTATUS(st) == 130, "exit %d", WEXITSTATUS(st));
    CHECK_MSG(strstr(err_text(), "interrupted during set-up (reading files, making FFTW plans), "
                                 "before anything was written\n"),
              "%s", err_text());
    CHECK(strstr(out_text(), "\"status\":\"interrupted\",\"exit_code\":130"));
    snprintf(path, sizeof path, "%s/plan.h5", dir);
    CHECK(access(path, F_OK) != 0);

    /* kill -INT in the middle, then --resume: bit for bit the run never stopped (with
     * deterministic FFTW plans; see docs/output.md) */
    static const char mid[] = "[run]\nname = mid\nsteps = 4000\ndt = 1e-3\nsnapshot_every = 1000\n"
                              "diag_every = 100\nplanner = estimate\n"
                              "[grid]\nn = 128, 128\nqmin = -8\nqmax = 8\n"
                              "[potential]\npreset = harmonic\n"
                              "[initial]\npreset = gaussian\ncenter = 1, 0\nmomentum = 0, 0.5\n";
    snprintf(path, sizeof path, "%s/mid.ini", dir);
    write_file(path, mid);
    CHECK(run("simulate mid.ini --quiet -o whole.h5") == 0);
    st = interrupted("simulate mid.ini --quiet -o parts.h5", "INT", "parts.h5");
    CHECK_MSG(WIFEXITED(st) && WEXITSTATUS(st) == 130, "exit %d", WEXITSTATUS(st));
    CHECK(strstr(err_text(), "nnq simulate --resume parts.h5 continues") != NULL);
    CHECK(run("simulate --resume parts.h5 --set run.steps=5") == 2);
    CHECK(run("simulate --resume parts.h5 --quiet") == 0);
    snprintf(cmd, sizeof cmd,
             "cd '%s' && h5diff whole.h5 parts.h5 /schrodinger/psi && h5diff whole.h5 parts.h5 "
             "/madelung/j && h5diff whole.h5 parts.h5 /diagnostics/div_F >/dev/null 2>&1",
             dir);
    st = system(cmd);
    CHECK_MSG(WIFEXITED(st) && WEXITSTATUS(st) == 0,
              "the resumed file differs, or h5diff (Debian's hdf5-tools) is missing");
    CHECK(run("simulate --resume parts.h5") == 2 && strstr(err_text(), "already completed"));
    CHECK(run("simulate mid.ini --resume parts.h5") == 2 &&
          strstr(err_text(), "--resume takes no CONFIG"));
    /* a truncated file (a copy cut after 4 KiB) is refused, not crashed on */
    snprintf(cmd, sizeof cmd, "cd '%s' && head -c 4096 parts.h5 > cut.h5", dir);
    CHECK(system(cmd) == 0);
    CHECK(run("simulate --resume cut.h5") == 2 &&
          strstr(err_text(), "cut.h5: HDF5 cannot open it (truncated"));
    CHECK(run("info cut.h5") == 2);

    /* resource limits: refused by check and simulate, with the estimate and the limit */
    CHECK(run("check mid.ini --set grid.n=65536,65536") == 2 &&
          strstr(err_text(), "[run] memory_limit: the run needs 1.") &&
          strstr(err_text(), " TiB (") && strstr(err_text(), " bytes x 4.29e+09 points + ") &&
          strstr(err_text(), " besides: scratch, a [potential] file's table; over 1 rank)") &&
          strstr(err_text(), "memory available now"));
    CHECK(run("simulate mid.ini --force --set run.memory_limit=1e6") == 2 &&
          strstr(err_text(), "the limit is 977 KiB ([run] memory_limit)"));
    CHECK(run("simulate mid.ini --force --set output.size_limit=1e6") == 2 &&
          strstr(err_text(), "[output] size_limit: mid.h5 would take"));
    CHECK(run("simulate --resume good.ini") == 2 && strstr(err_text(), "not an HDF5 file"));
}

/* The sweep example runs to its end: one JSON line per run, every file there. The config
 * sits under a folder named MU: the script once substituted its values into every "MU". */
static void test_sweep(const char *root) {
    char cmd[4096];
    snprintf(cmd, sizeof cmd,
             "mkdir -p '%s/MU' && cp '%s/good.ini' '%s/MU/good.ini' && cd '%s' && NNQ='%s' "
             "OUT='%s/sweep' JOBS=2 sh examples/sweep_mu.sh '%s/MU/good.ini' 0.5 1 2 "
             ">'%s/out.txt' 2>'%s/err.txt'",
             dir, dir, dir, root, nnq, dir, dir, dir, dir);
    int st = system(cmd);
    CHECK_MSG(WIFEXITED(st) && WEXITSTATUS(st) == 0, "sweep: %s", err_text());
    char path[400];
    snprintf(path, sizeof path, "%s/sweep/results.jsonl", dir);
    const char *lines = read_file(path);
    int n = 0;
    for (const char *c = lines; *c; c++)
        n += *c == '\n';
    CHECK(n == 3 && strstr(lines, "\"mu\":2,") && strstr(lines, "tiny_mu0.5.h5"));
    CHECK(strstr(out_text(), "3 runs;") != NULL);
    /* the table: a header and a row per run, numbers to 4 digits, sorted by mu */
    const char *table = strstr(out_text(), "mu       hbar");
    const char *row = table ? strstr(table, "\n0.5 ") : NULL;
    CHECK_MSG(row && strstr(row, "tiny_mu0.5.h5") && strstr(row, "\n1 ") &&
                  strstr(strstr(row, "\n1 "), "\n2 "),
              "sweep table: %s", out_text());
}

static void test_usage(void) {
    CHECK(run("--version") == 0 && strstr(out_text(), "nnq 0."));
    CHECK(run("--help") == 0 && strstr(out_text(), "usage: nnq simulate"));
    CHECK(run("--help-config") == 0 && strstr(out_text(), "| `mu` |"));
    CHECK(run("") == 2);
    CHECK(run("frobnicate x.ini") == 2 && strstr(err_text(), "unknown command"));
    CHECK(run("simulate") == 2 && strstr(err_text(), "missing CONFIG"));
    CHECK(run("simulate good.ini --bogus") == 2 && strstr(err_text(), "unknown option"));
    CHECK(run("simulate good.ini --threads 0") == 2);
    CHECK(run("check /nonexistent.ini") == 2 &&
          strstr(err_text(), "/nonexistent.ini: cannot read"));
    CHECK(run("check .") == 2 && strstr(err_text(), "not a regular file"));
    /* output that cannot be written (a full disk) is a failure, exit 1 */
    static const char *const full[] = {"--man", "--help-config", "--list-keys"};
    for (int k = 0; k < 3; k++) {
        char cmd[1024];
        snprintf(cmd, sizeof cmd, "cd '%s' && '%s' %s >/dev/full 2>err.txt", dir, nnq, full[k]);
        const int st = system(cmd);
        CHECK_MSG(WIFEXITED(st) && WEXITSTATUS(st) == 1 &&
                      strstr(err_text(), "cannot write the standard output"),
                  "%s > /dev/full: status %d", full[k], st);
    }
}

/* A packet that drifts into the periodic box's edge: the summary warns once, naming the first
 * time edge_density passed 1e-10, and the JSON carries its largest value and that time. */
static void test_edge_warning(void) {
    char path[300];
    snprintf(path, sizeof path, "%s/drift.ini", dir);
    write_file(path, "[run]\nt_end = 2\ndt = 1e-3\ndiag_every = 100\nsnapshot_every = 0\n"
                     "[grid]\nn = 256\nqmin = -5\nqmax = 5\n"
                     "[initial]\npreset = gaussian\nwidth = 0.4\nmomentum = 2\n"
                     "[madelung]\nenabled = false\n[output]\nfields = p\n");
    CHECK(run("simulate drift.ini --force -o drift.h5") == 0);
    const char *out = out_text();
    const char *warn =
        strstr(out, "warning: |psi|^2 at the box's edge passed 1e-10 of its peak at t = ");
    CHECK_MSG(warn != NULL, "%s", out);
    const char *json = json_line(out);
    CHECK(json && strstr(json, "\"t_edge\":0.") && !strstr(json, "\"t_edge\":null") &&
          strstr(json, "\"edge_density\":0."));
    /* a packet that stays in the middle: no warning, t_edge null */
    CHECK(run("simulate drift.ini --force -o still.h5 --set initial.momentum=0 "
              "--set run.t_end=0.2") == 0);
    out = out_text();
    CHECK(!strstr(out, "warning: |psi|^2 at the box's edge") &&
          strstr(json_line(out), "\"t_edge\":null"));

    /* an absorbing layer of strength 100 that a fast packet (k = 8) passes: 0.19 a crossing,
     * 3.6e-2 back in the box after two, which came back silently; check names the layer's
     * cut-off, 1.93. The default strength is chosen for the state's fastest waves (k = 8.8 at
     * 1e-6 of the peak): 457, the packet taken up but 1e-6, no warning, the strength in the
     * summary, the JSON and the stored config (which a resumed run keeps) */
    snprintf(path, sizeof path, "%s/fast.ini", dir);
    write_file(path, "[run]\nt_end = 4\ndt = 1e-3\ndiag_every = 50\nsnapshot_every = 0\n"
                     "[grid]\nn = 1024\nqmin = -20\nqmax = 20\nboundary = absorbing\n"
                     "[initial]\np = exp(-x^2)\nF = 8*x\n"
                     "[madelung]\nenabled = false\n[output]\nfields = p\n");
    CHECK(run("check fast.ini --set grid.absorb_strength=100") == 0 &&
          strstr(out_text(), "more than 1e-3 above |k| = 1.93 (the grid holds more"));
    CHECK(run("simulate fast.ini --force -o fast.h5 --set grid.absorb_strength=100") == 0);
    out = out_text();
    CHECK_MSG(strstr(out, "warning: |psi|^2 at the box's faces reached 0.15 of its peak through "
                          "the absorbing layer"),
              "%s", out);
    CHECK(run("check fast.ini") == 0 &&
          strstr(out_text(), "absorbing layer: strength 456.9, chosen for the initial state's "
                             "waves up to |k| = 8.82"));
    CHECK(run("simulate fast.ini --force -o fast.h5") == 0);
    out = out_text();
    CHECK_MSG(strstr(out, "the absorbing layer (strength 456.9, chosen for the initial state's "
                          "waves up to |k| = 8.82) took up 0.999999") &&
                  !strstr(out, "through the absorbing layer") &&
                  strstr(json_line(out), "\"absorb_strength\":456.88"),
              "%s", out);
    CHECK(run("info fast.h5") == 0);
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "cd '%s' && h5dump -a /config fast.h5 | grep -q 'absorb_strength = 456.88'", dir);
    CHECK_MSG(system(cmd) == 0, "the stored config does not hold the chosen strength");
    /* a slow one, absorbed: no warning */
    CHECK(run("simulate fast.ini --force -o slow.h5 --set initial.F=x") == 0 &&
          !strstr(out_text(), "through the absorbing layer"));
}

/* nnq converge: a coherent packet at n = 128 and 256 writes one file per resolution and says
 * the divergence falls at order ~2 before any defect; refused without the Madelung solver, with
 * a bad --levels, and for an existing file without --force. */
static void test_converge(void) {
    char path[300];
    snprintf(path, sizeof path, "%s/conv.ini", dir);
    write_file(path, "[run]\nname = conv\nt_end = 0.5\ndt = 1e-3\ndiag_every = 50\n"
                     "snapshot_every = 0\n[grid]\nn = 128\nqmin = -10\nqmax = 10\n"
                     "[potential]\npreset = harmonic\n[initial]\npreset = gaussian\ncenter = 1\n"
                     "width = 0.7071067811865476\n[output]\nfile = conv.h5\nfields = p\n");
    CHECK(run("converge conv.ini --force") == 0);
    const char *out = out_text(), *json = json_line(out);
    CHECK_MSG(strstr(out, "the Madelung solver converges there") && json &&
                  strstr(json, "\"command\":\"converge\"") &&
                  strstr(json, "\"converges_before\":true") && strstr(json, "\"order\":[2."),
              "%s", out);
    char h5[300];
    snprintf(h5, sizeof h5, "%s/conv_n128.h5", dir);
    CHECK(access(h5, R_OK) == 0);
    snprintf(h5, sizeof h5, "%s/conv_n256.h5", dir);
    CHECK(access(h5, R_OK) == 0);
    CHECK(run("converge conv.ini") == 2 && strstr(err_text(), "conv_n128.h5"));
    CHECK(run("converge conv.ini --force --levels 5") == 2 && strstr(err_text(), "--levels"));
    CHECK(run("converge conv.ini --force --set madelung.enabled=false") == 2 &&
          strstr(err_text(), "[madelung] enabled = false"));
}

/* SIGKILL at moments spread over a run that writes a checkpoint every second step (most of its
 * time goes into those writes), then --resume: every resumed file equals the uninterrupted
 * run's bit for bit (planner = estimate), or the resume refuses with exit 2; never a wrong
 * answer. Before the checkpoints were written in two alternating slots, each marked complete
 * last, a kill inside one left counts of the previous step over the state of the next. */
static void test_killed(void) {
    char path[300];
    snprintf(path, sizeof path, "%s/kill.ini", dir);
    write_file(path, "[run]\nname = kill\nsteps = 400\ndt = 2e-3\nsnapshot_every = 50\n"
                     "diag_every = 10\ncheckpoint_every = 2\nplanner = estimate\n"
                     "[grid]\nn = 128, 128\nqmin = -6\nqmax = 6\n[potential]\npreset = harmonic\n"
                     "[initial]\npreset = gaussian\ncenter = 1, 0\nmomentum = 0.3, 0.4\n");
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK(run("simulate kill.ini -o whole.h5 --force --quiet") == 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    /* the kills spread over the run's length here (a sanitizer build runs slower) */
    const double length =
        (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    static const char *const dsets[] = {"/schrodinger/psi",    "/madelung/p",
                                        "/madelung/j",         "/diagnostics/t",
                                        "/diagnostics/energy", "/diagnostics/div_p_l1"};
    enum { TRIALS = 12 };
    int exact = 0, refused = 0, wrong = 0;
    for (int k = 0; k < TRIALS; k++) {
        char cmd[1024];
        /* from start-up through the first checkpoints to the run's end */
        snprintf(cmd, sizeof cmd,
                 "cd '%s' && { '%s' simulate kill.ini -o k%d.h5 --force --quiet >/dev/null "
                 "2>&1 & pid=$!; sleep %.3f; kill -KILL $pid 2>/dev/null; wait $pid; } "
                 ">/dev/null 2>&1",
                 dir, nnq, k, length * (0.04 + 0.9 * k / TRIALS) + 0.013 * (k % 3));
        CHECK(system(cmd) != -1);
        char args[64], file[300], whole[300];
        snprintf(args, sizeof args, "simulate --resume k%d.h5 --quiet", k);
        const int rc = run(args);
        if (rc != 0) {
            refused += rc == 2;
            wrong += rc != 2;
            CHECK_MSG(rc == 2, "kill %d: resume exit %d: %s", k, rc, err_text());
            continue;
        }
        snprintf(file, sizeof file, "%s/k%d.h5", dir, k);
        snprintf(whole, sizeof whole, "%s/whole.h5", dir);
        int same = 1;
        for (size_t d = 0; d < sizeof dsets / sizeof dsets[0]; d++)
            same &= same_dataset(whole, file, dsets[d]);
        exact += same;
        wrong += !same;
        CHECK_MSG(same, "kill %d: resumed with exit 0 to a different result", k);
    }
    printf("killed runs: %d resumed bit for bit, %d refused, %d wrong (of %d)\n", exact, refused,
           wrong, TRIALS);
    CHECK(wrong == 0 && exact >= TRIALS / 4); /* not vacuous, on a loaded machine too */
}

/* An output is only replaced by a run that can start: a bad initial state (even one read
 * from the file about to be overwritten) leaves an existing file as it was, --force
 * included; --force onto a file another run is writing is refused, and that run ends ok
 * with a readable file. */
static void test_output_guard(void) {
    char path[300];
    snprintf(path, sizeof path, "%s/guard.ini", dir);
    write_file(path,
               "[run]\nname = guard\nsteps = 20\ndt = 1e-3\n" GRID1 "[initial]\np = exp(-x^2)\n");
    snprintf(path, sizeof path, "%s/guard_file.ini", dir);
    write_file(path,
               "[run]\nname = guard\nsteps = 20\ndt = 1e-3\n" GRID1 "[initial]\nfile = kept.h5\n");
    CHECK(run("simulate guard.ini -o kept.h5 --force --quiet") == 0);
    char kept[300];
    snprintf(kept, sizeof kept, "%s/kept.h5", dir);
    struct stat before, after;
    CHECK(stat(kept, &before) == 0);
    CHECK(run("simulate guard.ini -o kept.h5 --force --set initial.p=x") == 2 &&
          strstr(err_text(), "a density must be finite and >= 0"));
    CHECK(stat(kept, &after) == 0 && after.st_size == before.st_size &&
          after.st_mtime == before.st_mtime);
    CHECK(run("info kept.h5") == 0 && strstr(out_text(), "completed"));
    /* a state read from the very file the run would overwrite: read first, then written */
    CHECK(run("simulate guard_file.ini -o kept.h5 --force --quiet") == 0);

    /* a second run with --force onto the file of a run still going */
    char cmd[2048];
    snprintf(
        cmd, sizeof cmd,
        "cd '%s' && { '%s' simulate guard.ini -o busy.h5 --force --quiet --set run.steps=400000 "
        ">first.txt 2>&1 & pid=$!; sleep 1; '%s' simulate guard.ini -o busy.h5 --force "
        "--quiet >out.txt 2>err.txt; echo $? >second.txt; '%s' info busy.h5 >/dev/null "
        "2>info.txt; echo $? >>info.txt; kill -INT $pid; wait $pid; }",
        dir, nnq, nnq, nnq);
    CHECK(system(cmd) != -1);
    char second[300];
    snprintf(second, sizeof second, "%s/second.txt", dir);
    CHECK_MSG(atoi(read_file(second)) == 2 && strstr(err_text(), "another process is writing"),
              "second run: exit %s, %s", read_file(second), err_text());
    snprintf(second, sizeof second, "%s/first.txt", dir);
    CHECK(strstr(read_file(second), "\"exit_code\":130") != NULL); /* stopped by the kill */
    /* nnq info meanwhile: the file is in use, not "truncated or damaged" */
    snprintf(second, sizeof second, "%s/info.txt", dir);
    CHECK_MSG(strstr(read_file(second), "another process is writing this file") &&
                  strstr(read_file(second), "\n2\n"),
              "info of a file being written: %s", read_file(second));
    CHECK(run("info busy.h5") == 0);
}

/* PART: all (none given), `killed` (the kill-and-resume runs alone, half the time) or `rest`
 * (the others): ctest runs the two halves side by side. */
int main(int argc, char **argv) {
    const char *part = argc > 3 ? argv[3] : "all";
    const int killed = strcmp(part, "rest") != 0, rest = strcmp(part, "killed") != 0;
    if (argc < 3 || argc > 4 || (strcmp(part, "all") && !killed == !rest)) {
        fprintf(stderr, "usage: test_cli PATH_TO_NNQ PATH_TO_DOCS_CONFIG_MD [all|killed|rest]\n");
        return 2;
    }
    nnq = argv[1];
    check_tmpdir("nnq_test_cli", dir, sizeof dir);
    setenv("NNQ_WISDOM", "", 1);
    if (killed)
        test_killed();
    if (!rest)
        return check_finish(dir);
    test_usage();
    test_config_docs(argv[2]);
    test_bad_configs();
    test_simulate();
    test_runs_and_files();
    test_edge_warning();
    test_converge();
    test_output_guard();
    char root[300];
    snprintf(root, sizeof root, "%s", argv[2]);
    *strrchr(root, '/') = '\0'; /* docs */
    *strrchr(root, '/') = '\0'; /* the repository */
    test_sweep(root);
    return check_finish(dir);
}
