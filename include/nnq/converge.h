/*
 * converge.h - whether the parting of the two descriptions is a converged measurement: the
 * diagnostics of one config run at resolutions n, 2n, 4n ... (the same dt and rows), compared.
 *
 *   window: the rows before the first node or vortex of weight 1e-8 at any resolution (every
 *       row when there is none): there F is single-valued, the Madelung and the Schrodinger
 *       equations are equivalent, and their divergence is the schemes' error only;
 *   before[k][m]: the largest metric m over the window at level k; order[k][m] =
 *       log2(before[k-1][m] / before[k][m]), the observed order of that error (~2 for
 *       the Madelung solvers; the infidelity, a square of errors, ~4);
 *   parting[k]: t_multivalued_at and t_part (nnq/parting.h) at level k. A time has converged
 *       at the finest pair when both are reached and differ by at most NNQ_CONVERGE_AGREE of
 *       the finer one, or by one row.
 */
#ifndef NNQ_CONVERGE_H
#define NNQ_CONVERGE_H

#include "nnq/err.h"
#include "nnq/output_h5.h"
#include "nnq/parting.h"

#define NNQ_CONVERGE_MAX_LEVELS 4
#define NNQ_CONVERGE_AGREE 0.05
#define NNQ_CONVERGE_ROUNDOFF 1e-12 /* a metric below this at both levels has converged */
#define NNQ_CONVERGE_MIN_ORDER 1.0  /* converging: every metric falls at least this fast */

struct nnq_converge {
    int levels;
    double row_dt;   /* time between rows */
    double t_window; /* the window's end (rows with t < t_window); INFINITY: every row */
    double t_ended[NNQ_CONVERGE_MAX_LEVELS]; /* the first row whose Madelung columns are NaN
                                              * (its description ended); NaN: none */
    long window_rows;
    double before[NNQ_CONVERGE_MAX_LEVELS][NNQ_PARTING_METRICS];
    double last[NNQ_CONVERGE_MAX_LEVELS][NNQ_PARTING_METRICS];  /* at the last row */
    double order[NNQ_CONVERGE_MAX_LEVELS][NNQ_PARTING_METRICS]; /* NaN at level 0 */
    struct nnq_parting parting[NNQ_CONVERGE_MAX_LEVELS];
};

/* Compares files[0 .. levels) (2 <= levels <= NNQ_CONVERGE_MAX_LEVELS), read from paths[k],
 * each the diagnostics of one resolution, coarsest first, each twice as fine as the one
 * before, into *out.
 * Returns NNQ_OK; NNQ_ERR_CONFIG when a file has no Madelung columns or no defect_weight, or
 * the files' rows are not at the same times. Allocates nothing. */
enum nnq_status nnq_converge_analyse(const struct nnq_file_info *files, const char *const *paths,
                                     int levels, struct nnq_converge *out, struct nnq_err *err);

/* 1 when the times of a coarser and a finer run agree: both reached, and
 * |coarse - fine| <= max(NNQ_CONVERGE_AGREE fine, row_dt). Cannot fail. */
int nnq_converge_agree(double coarse, double fine, double row_dt);

/* 1 when every metric's before-window error falls from the last but one level to the last
 * at order >= NNQ_CONVERGE_MIN_ORDER (or is below NNQ_CONVERGE_ROUNDOFF at both). Cannot
 * fail. */
int nnq_converge_converges(const struct nnq_converge *c);

#endif
