/* progress.c - progress line (see include/nnq/progress.h). */
#include "nnq/progress.h"

#include <stdlib.h>
#include <time.h>

struct nnq_progress {
    FILE *out;
    long total;
    double start, last;
};

double nnq_progress_clock(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

struct nnq_progress *nnq_progress_create(FILE *out, long total_steps) {
    if (!out)
        return NULL;
    struct nnq_progress *p = malloc(sizeof *p);
    if (!p)
        return NULL;
    p->out = out;
    p->total = total_steps;
    p->start = p->last = nnq_progress_clock();
    return p;
}

void nnq_progress_update(struct nnq_progress *p, long step, double t) {
    if (!p)
        return;
    double now = nnq_progress_clock();
    if (now - p->last < 0.2)
        return;
    p->last = now;
    double rate = step / (now - p->start);
    double eta = rate > 0 ? (double)(p->total - step) / rate : 0.0;
    fprintf(p->out, "\r\033[Kstep %ld/%ld  t = %.6g  %.4g steps/s  ETA %.0f s", step, p->total, t,
            rate, eta);
    fflush(p->out);
}

void nnq_progress_destroy(struct nnq_progress *p) {
    if (!p)
        return;
    fprintf(p->out, "\r\033[K");
    fflush(p->out);
    free(p);
}
