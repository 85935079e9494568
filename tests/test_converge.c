/*
 * test_converge.c - the resolution study's comparison (nnq/converge.h) on diagnostics made up
 * for it: errors that fall at order 2 before a defect give orders of 2 and "converges"; the
 * window ends at the first defect of weight 1e-8 at any resolution; parting times that agree
 * within 5 % (or a row) have converged, others not; the window also ends where a level's
 * Madelung description ended; mismatched rows are refused.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "nnq/converge.h"

#define ROWS 11

static double storage[3][NNQ_DIAG_COUNT][ROWS];

/* Level k: rows at t = 0, 0.1, ... 1; every metric e(t) = 1e-3 t / 4^k until t_defect, 0.5
 * after it; defect weight 1e-6 from t_defect[k] on. */
static void make(struct nnq_file_info *f, int k, double t_defect) {
    memset(f, 0, sizeof *f);
    f->rows = ROWS;
    const enum nnq_diag_column cols[6] = {NNQ_DIAG_t,          NNQ_DIAG_div_p_l1,
                                          NNQ_DIAG_div_F,      NNQ_DIAG_div_j_l1,
                                          NNQ_DIAG_infidelity, NNQ_DIAG_defect_weight};
    for (int c = 0; c < 6; c++)
        f->column[cols[c]] = storage[k][cols[c]];
    for (int r = 0; r < ROWS; r++) {
        const double t = 0.1 * r;
        f->column[NNQ_DIAG_t][r] = t;
        for (int m = 0; m < NNQ_PARTING_METRICS; m++)
            f->column[nnq_parting_metric(m)][r] = t < t_defect ? 1e-3 * t / pow(4, k) : 0.5;
        f->column[NNQ_DIAG_defect_weight][r] = t < t_defect ? 0 : 1e-6;
    }
}

static void test_orders(void) {
    static struct nnq_file_info f[3];
    const char *paths[3] = {"a.h5", "b.h5", "c.h5"};
    make(&f[0], 0, 0.75); /* the defect appears at t = 0.8 here, at 0.6 at the finest */
    make(&f[1], 1, 0.75);
    make(&f[2], 2, 0.55);
    struct nnq_converge c;
    struct nnq_err err = {0};
    CHECK(nnq_converge_analyse(f, paths, 3, &c, &err) == NNQ_OK);
    CHECK_NEAR(c.row_dt, 0.1, 1e-15);
    CHECK(c.t_window == f[0].column[NNQ_DIAG_t][6] && c.window_rows == 6);
    for (int m = 0; m < NNQ_PARTING_METRICS; m++) {
        CHECK_NEAR(c.before[0][m], 0.5e-3, 1e-15); /* the largest before t = 0.6 */
        CHECK_NEAR(c.order[1][m], 2, 1e-12);
        CHECK_NEAR(c.order[2][m], 2, 1e-12);
        CHECK(isnan(c.order[0][m]) && c.last[2][m] == 0.5);
    }
    CHECK(nnq_converge_converges(&c));
    /* the parting at 1e-2 (the jump to 0.5 at the defect): 0.8, 0.8, 0.6 - not converged;
     * the defect at weight 1e-6: likewise */
    CHECK(c.parting[1].t_part[1] == f[0].column[NNQ_DIAG_t][8] &&
          c.parting[2].t_part[1] == f[0].column[NNQ_DIAG_t][6]);
    CHECK(!nnq_converge_agree(c.parting[1].t_part[1], c.parting[2].t_part[1], c.row_dt));
    CHECK(nnq_converge_agree(0.8, 0.9, 0.1) && nnq_converge_agree(10.4, 10, 0.1));
    CHECK(!nnq_converge_agree(10.6, 10, 0.1) && !nnq_converge_agree(NAN, 10, 0.1));

    /* an error that does not fall: not converging */
    for (int r = 0; r < ROWS; r++)
        f[2].column[NNQ_DIAG_div_F][r] = f[1].column[NNQ_DIAG_div_F][r];
    CHECK(nnq_converge_analyse(f, paths, 3, &c, &err) == NNQ_OK);
    CHECK(c.order[2][1] == 0 && !nnq_converge_converges(&c));
    /* two levels of three: the coarse pair, converging */
    CHECK(nnq_converge_analyse(f, paths, 2, &c, &err) == NNQ_OK && nnq_converge_converges(&c));
}

/* A level whose Madelung description ended (its columns NaN from t = 0.4) ends the window
 * there: the NaN rows are not read as smaller errors. */
static void test_ended(void) {
    static struct nnq_file_info f[2];
    static double mass[2][ROWS];
    const char *paths[2] = {"a.h5", "b.h5"};
    for (int k = 0; k < 2; k++) {
        make(&f[k], k, 2);
        f[k].column[NNQ_DIAG_madelung_mass] = mass[k];
        for (int r = 0; r < ROWS; r++) {
            mass[k][r] = k == 1 && r >= 4 ? NAN : 1;
            for (int m = 0; k == 1 && r >= 4 && m < NNQ_PARTING_METRICS; m++)
                f[k].column[nnq_parting_metric(m)][r] = NAN;
        }
    }
    struct nnq_converge c;
    struct nnq_err err = {0};
    CHECK(nnq_converge_analyse(f, paths, 2, &c, &err) == NNQ_OK);
    CHECK(isnan(c.t_ended[0]) && c.t_ended[1] == f[0].column[NNQ_DIAG_t][4]);
    CHECK(c.t_window == c.t_ended[1] && c.window_rows == 4);
    for (int m = 0; m < NNQ_PARTING_METRICS; m++)
        CHECK_NEAR(c.order[1][m], 2, 1e-12); /* 0.3e-3 against 0.3e-3 / 4 */
}

static void test_refused(void) {
    static struct nnq_file_info f[2];
    const char *paths[2] = {"a.h5", "b.h5"};
    make(&f[0], 0, 2);
    make(&f[1], 1, 2);
    struct nnq_converge c;
    struct nnq_err err = {0};
    f[1].column[NNQ_DIAG_t][3] += 1e-3; /* a row at another time */
    CHECK(nnq_converge_analyse(f, paths, 2, &c, &err) == NNQ_ERR_CONFIG);
    CHECK_MSG(strstr(err.msg, "row 3") && strstr(err.msg, "b.h5"), "%s", err.msg);
    make(&f[1], 1, 2);
    f[1].rows = 10;
    CHECK(nnq_converge_analyse(f, paths, 2, &c, &err) == NNQ_ERR_CONFIG);
    f[1].rows = ROWS;
    f[1].column[NNQ_DIAG_div_p_l1] = NULL; /* no Madelung solver */
    CHECK(nnq_converge_analyse(f, paths, 2, &c, &err) == NNQ_ERR_CONFIG);
    CHECK_MSG(strstr(err.msg, "b.h5") && strstr(err.msg, "madelung"), "%s", err.msg);
    CHECK(nnq_converge_analyse(f, paths, 1, &c, &err) == NNQ_ERR_CONFIG);
}

int main(void) {
    test_orders();
    test_ended();
    test_refused();
    return check_result();
}
