/*
 * progress.h - the progress line on stderr: step, t, steps/s and ETA, redrawn in place at
 * most five times a second. The caller decides whether to show one (a terminal, no --quiet).
 */
#ifndef NNQ_PROGRESS_H
#define NNQ_PROGRESS_H

#include <stdio.h>

struct nnq_progress;

/* A progress line for a run of total_steps on out; NULL (no progress shown) when out is NULL
 * or memory runs out. Owned by the caller. */
struct nnq_progress *nnq_progress_create(FILE *out, long total_steps);

/* Redraws the line if 0.2 s have passed since the last time. NULL is a no-op. Cannot fail. */
void nnq_progress_update(struct nnq_progress *p, long step, double t);

/* Clears the line and frees p; NULL is a no-op. */
void nnq_progress_destroy(struct nnq_progress *p);

/* Seconds on a monotonic clock. Cannot fail. */
double nnq_progress_clock(void);

#endif
