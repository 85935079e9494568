/*
 * helpers.h - what the library tests share besides the harness (check.h): running an INI
 * text into a file of the test's directory, and reading that file's datasets back.
 */
#ifndef NNQ_TEST_HELPERS_H
#define NNQ_TEST_HELPERS_H

#include <stddef.h>

#include "nnq/config.h"
#include "nnq/run.h"

/* Runs INI text (name: in messages and the file's name) with the overrides sets[0 .. nsets);
 * the output goes to dir/NAME.h5, overwritten. cfg (NULL: one of this function's) receives
 * the config. Returns the run's status, its message printed when it failed; a config that
 * does not load ends the test program with exit 2. */
enum nnq_status test_run(const char *dir, const char *name, const char *ini,
                         const char *const *sets, int nsets, struct nnq_config *cfg,
                         struct nnq_summary *sum);

/* Column col of /diagnostics of dir/NAME.h5 into v when it has at most max rows. Returns its
 * rows, or -1 (no file or no such column). */
int test_column(const char *dir, const char *name, const char *col, double *v, int max);

/* Dataset dset of dir/NAME.h5 as doubles (malloc'd: the caller frees it; *n values, *rows
 * along axis 0), or NULL with *n = *rows = 0 (no file or no such dataset). */
double *test_read(const char *dir, const char *name, const char *dset, size_t *n, size_t *rows);

/* Runs INI (with sets) into dir/NAME_whole.h5; then into dir/NAME_stopped.h5, stopped by a
 * signal at its first chunk and resumed. Returns how many of dsets[0 .. n) differ between the
 * two files (absent, other shapes or other bits; each named on stderr), or -1 when a run did
 * not end as it should. whole and parts (may be NULL) receive the two summaries. */
int test_stop_resume(const char *dir, const char *name, const char *ini, const char *const *sets,
                     int nsets, const char *const *dsets, int n, struct nnq_summary *whole,
                     struct nnq_summary *parts);

/* Pearson's chi-square of the samples x[i * stride] (i < n) in bins of width w from lo against
 * the probabilities prob[0 .. bins), over the bins where n prob >= 20, as z = (chi2 - (k - 1))
 * / sqrt(2 (k - 1)) (k those bins; asymptotically a standard normal) into *z. Returns k. */
int test_chi_square(const double *x, long n, int stride, double lo, double w, const double *prob,
                    int bins, double *z);

#endif
