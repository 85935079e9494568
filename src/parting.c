/* parting.c - parting and multivaluedness times from the diagnostics rows (see
 * include/nnq/parting.h). */
#include "nnq/parting.h"

#include <math.h>

static const enum nnq_diag_column metrics[NNQ_PARTING_METRICS] = {
    NNQ_DIAG_div_p_l1, NNQ_DIAG_div_F, NNQ_DIAG_div_j_l1, NNQ_DIAG_infidelity};

static const double floors[NNQ_PARTING_FLOORS] = {1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8};
static const char *const floor_names[NNQ_PARTING_FLOORS] = {"1e-2", "1e-3", "1e-4", "1e-5",
                                                            "1e-6", "1e-7", "1e-8"};
static const double levels[NNQ_PARTING_LEVELS] = {1e-3, 1e-2, 1e-1};
static const char *const level_names[NNQ_PARTING_LEVELS] = {"1e-3", "1e-2", "1e-1"};

double nnq_parting_floor(int k) { return floors[k]; }

double nnq_parting_level(int l) { return levels[l]; }

const char *nnq_parting_floor_name(int k) { return floor_names[k]; }

const char *nnq_parting_level_name(int l) { return level_names[l]; }

enum nnq_diag_column nnq_parting_metric(int m) { return metrics[m]; }

void nnq_parting_init(struct nnq_parting *p) {
    for (int k = 0; k < NNQ_PARTING_FLOORS; k++)
        p->t_multivalued_at[k] = NAN;
    for (int j = 0; j < NNQ_PARTING_TIMES; j++)
        p->t_part[j] = NAN;
}

void nnq_parting_track(struct nnq_parting *p, const struct nnq_diag_row *row) {
    const double t = row->value[NNQ_DIAG_t], w = row->value[NNQ_DIAG_defect_weight];
    for (int k = 0; k < NNQ_PARTING_FLOORS; k++)
        if (isnan(p->t_multivalued_at[k]) && w >= nnq_parting_floor(k))
            p->t_multivalued_at[k] = t;
    for (int m = 0; m < NNQ_PARTING_METRICS; m++)
        for (int l = 0; l < NNQ_PARTING_LEVELS; l++)
            if (isnan(p->t_part[m * NNQ_PARTING_LEVELS + l]) &&
                row->value[metrics[m]] > nnq_parting_level(l))
                p->t_part[m * NNQ_PARTING_LEVELS + l] = t;
}

int nnq_parting_unexplained(const struct nnq_parting *p, int *metric, double *t) {
    const double defect = p->t_multivalued_at[NNQ_PARTING_FLOORS - 1];
    int found = 0;
    for (int m = 0; m < NNQ_PARTING_METRICS; m++) {
        const double tp = p->t_part[m * NNQ_PARTING_LEVELS + 1];
        if (!isnan(tp) && !(defect <= tp) && (!found || tp < *t)) {
            found = 1;
            *metric = m;
            *t = tp;
        }
    }
    return found;
}
