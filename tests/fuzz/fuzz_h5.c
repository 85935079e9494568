/*
 * fuzz_h5.c - libFuzzer target: arbitrary bytes as an HDF5 file given to every reader of nnq:
 * `nnq info`, `--resume` (the stored config read back, then one chunk run from the
 * checkpoint where that is small: up to 4096 points, no Madelung solver), `nnq check`'s estimate,
 * and the file as [potential] file and as [initial] file on a 1-D and a 2-D grid (the run's set-up,
 * as `nnq check` builds it). Whatever the bytes, each must return a status: no crash, no read or
 * write out of bounds, no hang, no memory beyond the run's limit (libFuzzer's -rss_limit_mb). The
 * seeds (tests/fuzz/corpus_h5) are an interrupted nnq output, a loss-landscape surface file and a
 * state file of p and F.
 *
 * libhdf5 itself is not instrumented: the coverage that guides the mutations is nnq's, and a
 * crash whose every frame is inside libhdf5 is libhdf5's (tests/fuzz/run.sh tells them apart).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nnq/config.h"
#include "nnq/initial.h"
#include "nnq/output_h5.h"
#include "nnq/run.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Runs no bigger than this are resumed (a file's stored config may ask for any grid). */
#define FUZZ_MAX_POINTS 4096
#define FUZZ_MEMORY (256.0 * 1024 * 1024)

static char path[64];

/* The file and the XDMF sidecar that a resumed run writes beside it. */
static void remove_file(void) {
    char xmf[sizeof path];
    snprintf(xmf, sizeof xmf, "%.*s.xmf", (int)(strlen(path) - 3), path);
    unlink(path);
    unlink(xmf);
}

static int write_file(const uint8_t *data, size_t size) {
    if (!path[0]) {
        snprintf(path, sizeof path, "/tmp/nnq-fuzz-h5-%ld.h5", (long)getpid());
        atexit(remove_file);
    }
    FILE *f = fopen(path, "wb");
    if (!f)
        return 0;
    int ok = fwrite(data, 1, size, f) == size;
    return fclose(f) == 0 && ok;
}

static void info(void) {
    static struct nnq_file_info fi;
    struct nnq_err err = {0};
    if (nnq_output_read_info(path, &fi, &err) == NNQ_OK) {
        struct nnq_diag_row row;
        for (long r = 0; r < fi.rows && r < 4; r++)
            nnq_file_info_row(&fi, r, &row);
        nnq_file_info_free(&fi);
    }
}

static void resume(void) {
    static char stored[NNQ_KEY_COUNT * 2 * NNQ_STR_MAX];
    static struct nnq_config cfg;
    struct nnq_err err = {0};
    if (nnq_output_read_config(path, stored, sizeof stored, &err) != NNQ_OK ||
        nnq_config_load_string(stored, path, NULL, 0, &cfg, &err) != NNQ_OK)
        return;
    struct nnq_estimate e;
    nnq_run_estimate(&cfg, 1, &e);
    /* a stored config may ask for any amount of work: a Madelung step up to 10^6 sub-steps */
    if (cfg.n[0] * cfg.n[1] * cfg.n[2] > FUZZ_MAX_POINTS || !(e.memory < FUZZ_MEMORY) ||
        cfg.trajectories_count > 1000 || cfg.madelung_enabled)
        return;
    static const volatile sig_atomic_t stop = 1; /* one chunk, then a checkpoint */
    const struct nnq_run_options opt = {
        .threads = 1, .stop = &stop, .resume = path, .memory_available = FUZZ_MEMORY};
    static struct nnq_summary sum;
    nnq_run(&cfg, &opt, &sum, &err);
}

/* The file as the run's input, on a 1-D grid or a 2-D one: the [potential] and [initial]
 * sections are `before`, the file's path, `after`. */
struct fuzz_input {
    const char *before, *after;
};

static void as_input(const struct fuzz_input *in, int dims) {
    static char ini[2048], section[512];
    static struct nnq_config cfg;
    struct nnq_err err = {0};
    snprintf(section, sizeof section, "%s%s%s", in->before, path, in->after);
    snprintf(ini, sizeof ini,
             "[run]\nsteps = 2\ndt = 1e-3\nplanner = estimate\nmemory_limit = 2.5e7\n"
             "[madelung]\nenabled = false\n%s\n%s",
             dims == 1 ? "[grid]\nn = 16\nqmin = -4\nqmax = 4\n"
                       : "[grid]\nn = 8, 8\nqmin = -1, -1\nqmax = 1, 1\n",
             section);
    if (nnq_config_load_string(ini, "fuzz.ini", NULL, 0, &cfg, &err) != NNQ_OK)
        return;
    struct nnq_estimate e;
    nnq_run_estimate(&cfg, 1, &e);
    (void)nnq_initial_read_bytes(&cfg);
    struct nnq_validation v;
    nnq_run_validate(&cfg, &v, &err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const struct fuzz_input inputs[] = {
        {"[potential]\nfile = ", "\n[initial]\npreset = gaussian\n"},
        {"[potential]\nfile = ",
         "\ndataset = /L\ncoordinates = /x\n[initial]\npreset = gaussian\n"},
        {"[potential]\npreset = free\n[initial]\nfile = ", "\n"},
    };
    if (!write_file(data, size))
        return 0;
    info();
    resume();
    for (int dims = 1; dims <= 2; dims++)
        for (size_t k = 0; k < sizeof inputs / sizeof inputs[0]; k++)
            as_input(&inputs[k], dims);
    return 0;
}
