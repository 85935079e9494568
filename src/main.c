/*
 * main.c - the nnq program: parses the command line, calls the library, maps its status to
 * the exit code (0 ok, 1 runtime error, 2 usage or config error, 3 numerical failure,
 * 130 interrupted). The only file that may call exit() or touch signal handlers.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "manual.h"
#include "nnq/config.h"
#include "nnq/converge.h"
#include "nnq/err.h"
#include "nnq/output_h5.h"
#include "nnq/par.h"
#include "nnq/run.h"
#include "nnq/version.h"
#include "report.h"

static volatile sig_atomic_t stop_requested, setting_up;

/* The JSON line of a run interrupted while it is set up, rendered before it begins: the
 * handler can only write() it. */
static const char *set_up_json;
static size_t set_up_json_len;

/* While the run is set up it has written nothing and FFTW's planner (seconds to minutes with
 * planner = patient) cannot be stopped: the process ends at once. Later the run stops after
 * its chunk, with a checkpoint. */
static void on_signal(int sig) {
    (void)sig;
    if (setting_up) {
        static const char msg[] = "nnq: " NNQ_RUN_SET_UP_STOPPED "\n";
        ssize_t w = write(STDERR_FILENO, msg, sizeof msg - 1);
        if (set_up_json)
            w = write(STDOUT_FILENO, set_up_json, set_up_json_len);
        (void)w;
        _exit(NNQ_ERR_INTERRUPTED);
    }
    stop_requested = 1;
}

__attribute__((format(printf, 1, 2))) static int usage_error(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "nnq: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n(nnq --help for usage)\n");
    va_end(ap);
    return NNQ_ERR_CONFIG;
}

/* The wisdom file: $NNQ_WISDOM, else ~/.cache/nnq/fftw-wisdom (directory created); NULL for
 * none. */
static const char *wisdom_path(char *buf, size_t size) {
    const char *env = getenv("NNQ_WISDOM");
    if (env)
        return env[0] ? env : NULL;
    const char *cache = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    char dir[PATH_MAX];
    if (cache && cache[0])
        snprintf(dir, sizeof dir, "%s/nnq", cache);
    else if (home && home[0])
        snprintf(dir, sizeof dir, "%s/.cache/nnq", home);
    else
        return NULL;
    char parent[PATH_MAX];
    snprintf(parent, sizeof parent, "%s", dir);
    *strrchr(parent, '/') = '\0';
    mkdir(parent, 0755);
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        return NULL;
    if ((size_t)snprintf(buf, size, "%s/fftw-wisdom", dir) >= size)
        return NULL;
    return buf;
}

/* SIGINT, SIGTERM and SIGUSR1 (which Open MPI's mpirun forwards to the ranks, where it
 * ends the job on the other two) raise stop_requested (a second one kills at once); a
 * file-size limit (ulimit -f) must fail a write, not kill the run without a word. */
static void install_signals(void) {
    signal(SIGXFSZ, SIG_IGN);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sa.sa_flags = (int)SA_RESETHAND;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGUSR1, &sa, NULL);
    setting_up = 1; /* until the run has made its plans (nnq_run clears it): nothing written */
}

/* nnq converge: the config of config_path with sets[0 .. nsets) (base: as loaded) at `levels`
 * resolutions n, 2n, 4n ... (sets has room for one more: grid.n), each written to the output
 * name (-o or [output] file) with _n<N> before .h5; then their comparison. Returns the exit
 * code. */
static int converge_main(const struct nnq_config *base, const char *config_path, const char **sets,
                         int nsets, const char *output, int levels, int threads, int force,
                         int quiet) {
    struct nnq_err err = {0};
    if (!base->madelung_enabled) {
        fprintf(stderr,
                "nnq: %s: converge compares the Madelung description with the Schrodinger one, "
                "and [madelung] enabled = false\n",
                config_path);
        return NNQ_ERR_CONFIG;
    }
    char stem[NNQ_STR_MAX];
    if (output && nnq_config_expand(base, output, stem, sizeof stem, &err) != NNQ_OK) {
        fprintf(stderr, "nnq: -o %s\n", err.msg);
        return err.code;
    }
    if (!output)
        snprintf(stem, sizeof stem, "%s", base->output_file);
    const size_t len = strlen(stem);
    if (len > 3 && strcmp(stem + len - 3, ".h5") == 0)
        stem[len - 3] = '\0';
    install_signals();
    static struct nnq_config cfg;
    static struct nnq_file_info files[NNQ_CONVERGE_MAX_LEVELS];
    static char paths[NNQ_CONVERGE_MAX_LEVELS][NNQ_STR_MAX + 64];
    const char *names[NNQ_CONVERGE_MAX_LEVELS];
    char wisdom[PATH_MAX];
    int rc = 0, read = 0;
    for (int k = 0; k < levels && rc == 0; k++) {
        char grid[128] = "grid.n=", size[64] = "";
        for (int a = 0; a < base->dims; a++) {
            const size_t g = strlen(grid), z = strlen(size);
            snprintf(grid + g, sizeof grid - g, "%s%ld", a ? "," : "", base->n[a] << k);
            snprintf(size + z, sizeof size - z, "%s%ld", a ? "x" : "", base->n[a] << k);
        }
        sets[nsets] = grid;
        if (nnq_par_agree(nnq_config_load(config_path, sets, nsets + 1, &cfg, &err), &err) !=
            NNQ_OK) {
            fprintf(stderr, "nnq: %s\n", err.msg);
            return err.code;
        }
        snprintf(paths[k], sizeof paths[k], "%s_n%s.h5", stem, size);
        names[k] = paths[k];
        struct nnq_run_options opt = {.output = paths[k],
                                      .force = force,
                                      .threads = threads,
                                      .stop = &stop_requested,
                                      .setting_up = &setting_up,
                                      .progress = !quiet && isatty(STDERR_FILENO) ? stderr : NULL,
                                      .wisdom = wisdom_path(wisdom, sizeof wisdom),
                                      .memory_available = nnq_report_memory_available(),
                                      .disk_free = nnq_report_disk_free(paths[k])};
        static struct nnq_summary sum;
        rc = (int)nnq_run(&cfg, &opt, &sum, &err);
        if (!quiet)
            nnq_report_converge_level(stdout, &cfg, &sum);
        if (rc != 0)
            fprintf(stderr, "nnq: %s\n", err.msg);
    }
    for (; rc == 0 && read < levels; read++)
        rc = (int)nnq_output_read_info(paths[read], &files[read], &err);
    static struct nnq_converge c;
    if (rc == 0)
        rc = (int)nnq_converge_analyse(files, names, levels, &c, &err);
    if (rc == 0) {
        if (!quiet)
            nnq_report_converge(stdout, base, names, &c);
        nnq_report_converge_json(stdout, base, names, &c);
    } else if (read > 0)
        fprintf(stderr, "nnq: %s\n", err.msg);
    for (int k = 0; k < read; k++)
        nnq_file_info_free(&files[k]);
    return rc;
}

static int nnq_main(int argc, char **argv) {
    if (argc < 2)
        return usage_error("missing command: simulate or check");
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        nnq_manual_help(stdout);
        return 0;
    }
    if (strcmp(cmd, "--man") == 0) {
        nnq_manual_man(stdout);
        return 0;
    }
    if (strcmp(cmd, "--list-keys") == 0) {
        nnq_manual_keys(stdout);
        return 0;
    }
    if (strcmp(cmd, "--version") == 0) {
        char options[2048];
        nnq_build_options(options, sizeof options);
        printf("nnq %s (%s)\n%s", nnq_version(),
               nnq_revision()[0] ? nnq_revision() : "not built from a git checkout", options);
        return 0;
    }
    if (strcmp(cmd, "--help-config") == 0) {
        nnq_config_print_reference(stdout);
        return 0;
    }
    if (strcmp(cmd, "info") == 0) {
        int csv = argc == 4 && strcmp(argv[3], "--csv") == 0;
        if (argc < 3 || argc > 4 || (argc == 4 && !csv))
            return usage_error("usage: nnq info OUT.h5 [--csv]");
        struct nnq_err err = {0};
        static struct nnq_file_info info;
        if (nnq_output_read_info(argv[2], &info, &err) != NNQ_OK) {
            fprintf(stderr, "nnq: %s\n", err.msg);
            return err.code;
        }
        nnq_report_info(stdout, argv[2], &info, csv);
        nnq_file_info_free(&info);
        return 0;
    }
    const int converge = strcmp(cmd, "converge") == 0;
    const int simulate = converge || strcmp(cmd, "simulate") == 0; /* runs */
    if (!simulate && strcmp(cmd, "check") != 0)
        return usage_error("unknown command '%s' (expected simulate, converge, check or info)",
                           cmd);

    const char *config_path = NULL, *output = NULL, *resume = NULL;
    const char **sets = calloc((size_t)argc + 1, sizeof *sets); /* + converge's grid.n */
    int nsets = 0, threads = 0, quiet = 0, force = 0, levels = 2;
    if (nnq_par_any(!sets)) { /* every rank stops, none waits for another in a collective */
        free(sets);
        fprintf(stderr, "nnq: out of memory\n");
        return NNQ_ERR_RUNTIME;
    }
    int rc = 0;
    for (int i = 2; i < argc && rc == 0; i++) {
        const char *a = argv[i];
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--set") == 0) {
            if (!value)
                rc = usage_error("--set needs section.key=value");
            else
                sets[nsets++] = value, i++;
        } else if (strncmp(a, "--set=", 6) == 0)
            sets[nsets++] = a + 6;
        else if (simulate && (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0)) {
            if (!value)
                rc = usage_error("%s needs a file name", a);
            else
                output = value, i++;
        } else if (simulate && strcmp(a, "--threads") == 0) {
            char *end = NULL;
            long t = value ? strtol(value, &end, 10) : 0;
            if (!value || *end || t < 1 || t > 1024)
                rc = usage_error("--threads: expected an integer in 1..1024, got '%s'",
                                 value ? value : "");
            else
                threads = (int)t, i++;
        } else if (converge && strcmp(a, "--levels") == 0) {
            char *end = NULL;
            long l = value ? strtol(value, &end, 10) : 0;
            if (!value || *end || l < 2 || l > NNQ_CONVERGE_MAX_LEVELS)
                rc = usage_error("--levels: expected an integer in 2..%d, got '%s'",
                                 NNQ_CONVERGE_MAX_LEVELS, value ? value : "");
            else
                levels = (int)l, i++;
        } else if (simulate && !converge && strcmp(a, "--resume") == 0) {
            if (!value)
                rc = usage_error("--resume needs the output file of a stopped run");
            else
                resume = value, i++;
        } else if (simulate && strcmp(a, "--quiet") == 0)
            quiet = 1;
        else if (simulate && strcmp(a, "--force") == 0)
            force = 1;
        else if (a[0] == '-' && a[1])
            rc = usage_error("unknown option '%s'", a);
        else if (config_path)
            rc = usage_error("more than one CONFIG given ('%s')", a);
        else
            config_path = a;
    }
    if (rc == 0 && resume && (config_path || nsets || output || force))
        rc = usage_error("--resume takes no CONFIG, --set, -o or --force: the run continues as "
                         "its file stored it");
    if (rc == 0 && !config_path && !resume)
        rc = usage_error("missing CONFIG file");
    if (rc != 0) {
        free(sets);
        return rc;
    }

    static struct nnq_config cfg;
    static char stored[NNQ_KEY_COUNT * 2 * NNQ_STR_MAX];
    struct nnq_err err = {0};
    enum nnq_status loaded = resume ? nnq_output_read_config(resume, stored, sizeof stored, &err)
                                    : nnq_config_load(config_path, sets, nsets, &cfg, &err);
    if (loaded == NNQ_OK && resume)
        loaded = nnq_config_load_string(stored, resume, NULL, 0, &cfg, &err);
    /* under mpirun every rank loads it: one that could not (out of memory) stops them all */
    if (nnq_par_agree(loaded, &err) != NNQ_OK) {
        free(sets);
        fprintf(stderr, "nnq: %s\n", err.msg);
        return err.code;
    }
    if (!simulate) {
        free(sets);
        nnq_report_check(stdout, &cfg);
        if (nnq_run_check_limits(&cfg, cfg.output_file, nnq_report_memory_available(),
                                 nnq_report_disk_free(cfg.output_file), &err) != NNQ_OK) {
            fprintf(stderr, "nnq: %s\n", err.msg);
            return err.code;
        }
        /* what simulate builds before its first step: its files, expressions, initial state */
        struct nnq_validation v;
        if (nnq_run_validate(&cfg, &v, &err) != NNQ_OK) {
            fprintf(stderr, "nnq: %s\n", err.msg);
            return err.code;
        }
        nnq_report_validation(stdout, &cfg, &v);
        return 0;
    }

    if (converge) {
        rc = converge_main(&cfg, config_path, sets, nsets, output, levels, threads, force, quiet);
        free(sets);
        return rc;
    }
    free(sets);

    char output_buf[NNQ_STR_MAX];
    if (output) {
        if (nnq_config_expand(&cfg, output, output_buf, sizeof output_buf, &err) != NNQ_OK) {
            fprintf(stderr, "nnq: -o %s\n", err.msg);
            return err.code;
        }
        output = output_buf;
    }

    install_signals();

    char wisdom[PATH_MAX];
    struct nnq_run_options opt = {.output = output,
                                  .force = force,
                                  .threads = threads,
                                  .stop = &stop_requested,
                                  .setting_up = &setting_up,
                                  .progress = !quiet && isatty(STDERR_FILENO) ? stderr : NULL,
                                  .wisdom = wisdom_path(wisdom, sizeof wisdom),
                                  .resume = resume,
                                  .memory_available = nnq_report_memory_available(),
                                  .disk_free = nnq_report_disk_free(resume   ? resume
                                                                    : output ? output
                                                                             : cfg.output_file)};
    struct nnq_summary sum;
    nnq_run_summary_init(&cfg, &opt, &sum);
    sum.status = NNQ_ERR_INTERRUPTED;
    const struct nnq_err set_up_err = {NNQ_ERR_INTERRUPTED, NNQ_RUN_SET_UP_STOPPED};
    char *json = NULL;
    size_t json_len = 0;
    FILE *mem = open_memstream(&json, &json_len);
    if (mem) {
        nnq_report_json(mem, &cfg, &sum, &set_up_err);
        if (fclose(mem) == 0) {
            set_up_json = json;
            set_up_json_len = json_len;
        }
    }
    fflush(stdout); /* what _exit would not */
    enum nnq_status status = nnq_run(&cfg, &opt, &sum, &err);
    set_up_json = NULL;
    free(json);
    if (status != NNQ_OK)
        fprintf(stderr, "nnq: %s\n", err.msg);
    if (status == NNQ_ERR_CONFIG && sum.steps_done == 0 && sum.snapshots == 0)
        return status; /* nothing ran: no summary */
    if (!quiet)
        nnq_report_summary(stdout, &cfg, &sum);
    nnq_report_json(stdout, &cfg, &sum, &err);
    return status;
}

/* Under mpirun every rank runs the same command on the same files and agrees on every
 * outcome (nnq_par_agree), so rank 0 alone speaks: the others' stdout and stderr are muted. */
int main(int argc, char **argv) {
    if (nnq_par_init(&argc, &argv) != 0) {
        fprintf(stderr, "nnq: MPI would not start\n");
        return NNQ_ERR_RUNTIME;
    }
    const int muted = nnq_par_rank() == 0 ||
                      (freopen("/dev/null", "w", stdout) && freopen("/dev/null", "w", stderr));
    if (nnq_par_any(!muted)) { /* every rank stops, none waits in a collective for it */
        fprintf(stderr, "nnq: a rank cannot open /dev/null for its output\n");
        nnq_par_finalize();
        return NNQ_ERR_RUNTIME;
    }
    int rc = nnq_main(argc, argv);
    /* the JSON line, a CSV, the man page: output that did not reach its file is a failure */
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "nnq: cannot write the standard output: %s\n", strerror(errno));
        rc = rc ? rc : NNQ_ERR_RUNTIME;
    }
    nnq_par_finalize();
    return rc;
}
