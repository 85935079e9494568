/*
 * report.h - the program's output (not the library's): human-readable summary, the JSON last
 * line, `nnq check`, `nnq info`; and what the program reads off the machine for the library.
 */
#ifndef NNQ_REPORT_H
#define NNQ_REPORT_H

#include <stdio.h>

#include "nnq/config.h"
#include "nnq/converge.h"
#include "nnq/output_h5.h"
#include "nnq/run.h"

/* The summary as one line of JSON (no newline inside) ending in '\n'. Cannot fail. */
void nnq_report_json(FILE *out, const struct nnq_config *cfg, const struct nnq_summary *sum,
                     const struct nnq_err *err);

/* A few human-readable lines about the run. Cannot fail. */
void nnq_report_summary(FILE *out, const struct nnq_config *cfg, const struct nnq_summary *sum);

/* What `nnq check` reports: hbar, spacings, steps, the kinetic phase per step against the
 * split-step accuracy limit, the Madelung solver's own limits, memory and output size
 * estimates. Cannot fail. */
void nnq_report_check(FILE *out, const struct nnq_config *cfg);

/* What `nnq info` prints of the file at path: its description, or (csv) the diagnostics
 * table as CSV with a header line. Cannot fail. */
void nnq_report_info(FILE *out, const char *path, const struct nnq_file_info *f, int csv);

/* What `nnq check` found building the run: the potential's range and minimum, the initial
 * state's norm. Cannot fail. */
void nnq_report_validation(FILE *out, const struct nnq_config *cfg, const struct nnq_validation *v);

/* One line on one resolution of `nnq converge`: its grid, steps, time, file. Cannot fail. */
void nnq_report_converge_level(FILE *out, const struct nnq_config *cfg,
                               const struct nnq_summary *sum);

/* The resolution study of `nnq converge` (base: the config at the coarsest resolution,
 * paths[k]: level k's file): the before-parting divergence per resolution with its observed
 * order, whether it converges, the parting and multivaluedness times per resolution and
 * whether they agree. Cannot fail. */
void nnq_report_converge(FILE *out, const struct nnq_config *base, const char *const *paths,
                         const struct nnq_converge *c);

/* The same as one line of JSON ending in '\n'. Cannot fail. */
void nnq_report_converge_json(FILE *out, const struct nnq_config *base, const char *const *paths,
                              const struct nnq_converge *c);

/* Bytes of memory the system has available now (MemAvailable), or 0 when unknown. */
double nnq_report_memory_available(void);

/* Bytes free for unprivileged users on the file system of path's directory, or 0. */
double nnq_report_disk_free(const char *path);

#endif
