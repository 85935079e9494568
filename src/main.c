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
#include "nnq/err.h"
#include "nnq/output_h5.h"
#include "nnq/par.h"
#include "nnq/run.h"
#include "nnq/version.h"
#include "report.h"

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig) {
    (void)sig;
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
    int simulate = strcmp(cmd, "simulate") == 0;
    if (!simulate && strcmp(cmd, "check") != 0)
        return usage_error("unknown command '%s' (expected simulate, check or info)", cmd);

    const char *config_path = NULL, *output = NULL, *resume = NULL;
    const char **sets = calloc((size_t)argc, sizeof *sets);
    int nsets = 0, threads = 0, quiet = 0, force = 0;
    if (!sets)
        return NNQ_ERR_RUNTIME;
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
        } else if (simulate && strcmp(a, "--resume") == 0) {
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
    free(sets);
    if (loaded != NNQ_OK) {
        fprintf(stderr, "nnq: %s\n", err.msg);
        return err.code;
    }
    if (!simulate) {
        nnq_report_check(stdout, &cfg);
        if (nnq_run_check_limits(&cfg, cfg.output_file, nnq_report_memory_available(),
                                 nnq_report_disk_free(cfg.output_file), &err) != NNQ_OK) {
            fprintf(stderr, "nnq: %s\n", err.msg);
            return err.code;
        }
        return 0;
    }

    char output_buf[NNQ_STR_MAX];
    if (output) {
        if (nnq_config_expand(&cfg, output, output_buf, sizeof output_buf, &err) != NNQ_OK) {
            fprintf(stderr, "nnq: -o %s\n", err.msg);
            return err.code;
        }
        output = output_buf;
    }

    /* a file-size limit (ulimit -f) must fail a write, not kill the run without a word */
    signal(SIGXFSZ, SIG_IGN);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sa.sa_flags = (int)SA_RESETHAND; /* a second Ctrl-C kills at once */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    char wisdom[PATH_MAX];
    struct nnq_run_options opt = {.output = output,
                                  .force = force,
                                  .threads = threads,
                                  .stop = &stop_requested,
                                  .progress = !quiet && isatty(STDERR_FILENO) ? stderr : NULL,
                                  .wisdom = wisdom_path(wisdom, sizeof wisdom),
                                  .resume = resume,
                                  .memory_available = nnq_report_memory_available(),
                                  .disk_free = nnq_report_disk_free(resume   ? resume
                                                                    : output ? output
                                                                             : cfg.output_file)};
    struct nnq_summary sum;
    enum nnq_status status = nnq_run(&cfg, &opt, &sum, &err);
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
    if (nnq_par_rank() != 0 &&
        (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr)))
        return NNQ_ERR_RUNTIME;
    int rc = nnq_main(argc, argv);
    nnq_par_finalize();
    return rc;
}
