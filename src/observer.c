/* observer.c - the table of observers a run may hold (see include/nnq/observer.h). */
#include "nnq/observer.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* the comparison first: the others may read its columns of the row */
const struct nnq_observer_ops *const nnq_observers[] = {
    &nnq_observer_defects, /* first: the comparison's summary reads its t_multivalued */
    &nnq_observer_compare,
    &nnq_observer_trajectories,
    &nnq_observer_basins,
    &nnq_observer_states,
    NULL,
};
_Static_assert(sizeof nnq_observers / sizeof nnq_observers[0] - 1 <= NNQ_OBSERVERS_MAX,
               "a run holds at most NNQ_OBSERVERS_MAX observers: raise it with the table");

void nnq_observed_append(char *buf, size_t size, const char *f, ...) {
    const size_t len = strlen(buf);
    va_list ap;
    va_start(ap, f);
    vsnprintf(buf + len, size - len, f, ap);
    va_end(ap);
}

void nnq_observed_list(char *buf, size_t size, const double *v, int n) {
    nnq_observed_append(buf, size, "[");
    for (int i = 0; i < n; i++)
        if (isfinite(v[i]))
            nnq_observed_append(buf, size, "%s%.12g", i ? "," : "", v[i]);
        else
            nnq_observed_append(buf, size, "%snull", i ? "," : "");
    nnq_observed_append(buf, size, "]");
}
