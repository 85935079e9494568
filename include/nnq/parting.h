/*
 * parting.h - when the Madelung description parts from the Schrodinger one, read off the
 * diagnostics rows without hinging on one threshold:
 *
 *   t_multivalued_at[k]: the first sampled time the defects' weight (the defect_weight column:
 *       the largest density at a node or vortex over max p, multivalued.h) reaches the floor
 *       10^-(k+2), k = 0 .. NNQ_PARTING_FLOORS - 1 (1e-2 ... 1e-8): F multivalued where the
 *       ensemble holds that much density;
 *   t_part[m * NNQ_PARTING_LEVELS + l]: the first sampled time divergence metric m (div_p_l1,
 * div_F, div_j_l1, infidelity) exceeds 10^-(3-l), l = 0 .. 2 (1e-3, 1e-2, 1e-1).
 *
 * A parting that comes before any defect of weight 1e-8 is the Madelung solver's error, not
 * multivaluedness (nnq_parting_unexplained). Times are NaN where never reached.
 */
#ifndef NNQ_PARTING_H
#define NNQ_PARTING_H

#include "nnq/diagnostics.h"

#define NNQ_PARTING_FLOORS 7
#define NNQ_PARTING_LEVELS 3
#define NNQ_PARTING_METRICS 4
#define NNQ_PARTING_TIMES (NNQ_PARTING_METRICS * NNQ_PARTING_LEVELS)

/* A list of values X(type, name, extent, doc) as struct members `type name extent;` (the
 * summary's lists: here and in nnq/run.h). */
#define NNQ_X_MEMBER(type, name, extent, doc) type name extent;

/* The parting's times, declared once: the struct's members and the checkpoint's
 * summary_<name> datasets (src/run.c). */
#define NNQ_PARTING_VALUES(X)                                                                      \
    X(double, t_multivalued_at, [NNQ_PARTING_FLOORS],                                              \
      "the first time the defect weight reached each floor")                                       \
    X(double, t_part, [NNQ_PARTING_TIMES], "the first time each metric passed each level")

struct nnq_parting {
    NNQ_PARTING_VALUES(NNQ_X_MEMBER)
};

/* The floor of t_multivalued_at[k], 10^-(k+2). Cannot fail. */
double nnq_parting_floor(int k);

/* Their names, "1e-2" ... (the JSON keys). Cannot fail. */
const char *nnq_parting_floor_name(int k);
const char *nnq_parting_level_name(int l);

/* The level l of t_part, 10^-(3-l). Cannot fail. */
double nnq_parting_level(int l);

/* The diagnostics column of metric m. Cannot fail. */
enum nnq_diag_column nnq_parting_metric(int m);

/* Every time NaN. Cannot fail. */
void nnq_parting_init(struct nnq_parting *p);

/* Takes in the next row in time (NaN columns - absent, or no Madelung solver - pass nothing).
 * Cannot fail. */
void nnq_parting_track(struct nnq_parting *p, const struct nnq_diag_row *row);

/* 1 when some metric passed 1e-2 before the defect weight reached 1e-8 (or without it ever
 * doing so); then *metric and *t name the first such passing. 0 otherwise. Cannot fail. */
int nnq_parting_unexplained(const struct nnq_parting *p, int *metric, double *t);

#endif
