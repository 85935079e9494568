/* observer.c - the table of observers a run may hold (see include/nnq/observer.h). */
#include "nnq/observer.h"

const struct nnq_observer_ops *const nnq_observers[] = {
    &nnq_observer_trajectories,
    &nnq_observer_basins,
    NULL,
};
_Static_assert(sizeof nnq_observers / sizeof nnq_observers[0] - 1 <= NNQ_OBSERVERS_MAX,
               "a run holds at most NNQ_OBSERVERS_MAX observers: raise it with the table");
