/* converge.c - a resolution study of the parting (see include/nnq/converge.h). */
#include "nnq/converge.h"

#include <math.h>

enum nnq_status nnq_converge_analyse(const struct nnq_file_info *files, const char *const *paths,
                                     int levels, struct nnq_converge *out, struct nnq_err *err) {
    if (levels < 2 || levels > NNQ_CONVERGE_MAX_LEVELS)
        return nnq_err_set(err, NNQ_ERR_CONFIG, "a resolution study takes 2 to %d levels, not %d",
                           NNQ_CONVERGE_MAX_LEVELS, levels);
    const struct nnq_file_info *f0 = &files[0];
    for (int k = 0; k < levels; k++) {
        const struct nnq_file_info *f = &files[k];
        if (!f->column[NNQ_DIAG_div_p_l1] || !f->column[NNQ_DIAG_defect_weight])
            return nnq_err_set(err, NNQ_ERR_CONFIG,
                               "%s: no Madelung divergence or defect_weight columns (a run with "
                               "[madelung] enabled = true, by this nnq)",
                               paths[k]);
        if (f->rows != f0->rows || f->rows < 2)
            return nnq_err_set(err, NNQ_ERR_CONFIG,
                               "%s has %ld diagnostics rows, %s %ld: the resolutions must "
                               "share dt and diag_every (and run to the end)",
                               paths[0], f0->rows, paths[k], f->rows);
        for (long r = 0; r < f->rows; r++)
            if (f->column[NNQ_DIAG_t][r] != f0->column[NNQ_DIAG_t][r])
                return nnq_err_set(
                    err, NNQ_ERR_CONFIG, "row %ld is at t = %.17g in %s, at %.17g in %s", r,
                    f0->column[NNQ_DIAG_t][r], paths[0], f->column[NNQ_DIAG_t][r], paths[k]);
    }
    out->levels = levels;
    out->row_dt = f0->column[NNQ_DIAG_t][1] - f0->column[NNQ_DIAG_t][0];
    out->t_window = INFINITY;
    for (int k = 0; k < levels; k++) {
        nnq_parting_init(&out->parting[k]);
        for (long r = 0; r < files[k].rows; r++) {
            struct nnq_diag_row row;
            nnq_file_info_row(&files[k], r, &row);
            nnq_parting_track(&out->parting[k], &row);
        }
        const double t = out->parting[k].t_multivalued_at[NNQ_PARTING_FLOORS - 1];
        if (t < out->t_window)
            out->t_window = t;
        /* the window also ends where a level's Madelung description ended */
        const double *mass = files[k].column[NNQ_DIAG_madelung_mass];
        out->t_ended[k] = NAN;
        for (long r = 0; mass && r < files[k].rows && isnan(out->t_ended[k]); r++)
            if (isnan(mass[r]))
                out->t_ended[k] = files[k].column[NNQ_DIAG_t][r];
        if (out->t_ended[k] < out->t_window)
            out->t_window = out->t_ended[k];
    }
    out->window_rows = 0;
    while (out->window_rows < f0->rows && f0->column[NNQ_DIAG_t][out->window_rows] < out->t_window)
        out->window_rows++;
    for (int k = 0; k < levels; k++)
        for (int m = 0; m < NNQ_PARTING_METRICS; m++) {
            const double *v = files[k].column[nnq_parting_metric(m)];
            double top = out->window_rows > 0 ? 0 : NAN;
            for (long r = 0; r < out->window_rows; r++)
                top = fmax(top, v[r]);
            out->before[k][m] = top;
            out->last[k][m] = v[files[k].rows - 1];
            out->order[k][m] = k > 0 ? log2(out->before[k - 1][m] / top) : NAN;
        }
    return NNQ_OK;
}

int nnq_converge_agree(double coarse, double fine, double row_dt) {
    return !isnan(coarse) && !isnan(fine) &&
           fabs(coarse - fine) <= fmax(NNQ_CONVERGE_AGREE * fine, row_dt * (1 + 1e-9));
}

int nnq_converge_converges(const struct nnq_converge *c) {
    const int k = c->levels - 1;
    for (int m = 0; m < NNQ_PARTING_METRICS; m++) {
        const double a = c->before[k - 1][m], b = c->before[k][m];
        if (isnan(a) || isnan(b))
            return 0;
        if (a < NNQ_CONVERGE_ROUNDOFF && b < NNQ_CONVERGE_ROUNDOFF)
            continue;
        if (!(c->order[k][m] >= NNQ_CONVERGE_MIN_ORDER))
            return 0;
    }
    return 1;
}
