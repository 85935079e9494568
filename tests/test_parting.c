/*
 * test_parting.c - parting and multivaluedness times from diagnostics rows (nnq/parting.h):
 * rows with known divergences and defect weights give the first times at each level and
 * floor; a parting before any defect of weight 1e-8 is flagged, one after it is not.
 */
#include <math.h>

#include "check.h"
#include "nnq/parting.h"

/* A row at time t: div_p_l1 = dp, the other metrics dp / 10, defect weight w. */
static struct nnq_diag_row row_at(double t, double dp, double w) {
    struct nnq_diag_row r;
    nnq_diag_clear(&r, t, (long)(t * 10));
    r.value[NNQ_DIAG_div_p_l1] = dp;
    r.value[NNQ_DIAG_div_F] = dp / 10;
    r.value[NNQ_DIAG_div_j_l1] = dp / 10;
    r.value[NNQ_DIAG_infidelity] = dp / 10;
    r.value[NNQ_DIAG_defect_weight] = w;
    return r;
}

static void test_levels_and_floors(void) {
    CHECK(nnq_parting_floor(0) == 1e-2 && nnq_parting_floor(NNQ_PARTING_FLOORS - 1) == 1e-8);
    CHECK(nnq_parting_level(0) == 1e-3 && nnq_parting_level(NNQ_PARTING_LEVELS - 1) == 1e-1);
    struct nnq_parting p;
    nnq_parting_init(&p);
    /* the divergence grows tenfold per unit of time from 1e-4; the defect weight as listed (a
     * dip back to 0 at t = 5 does not move a first time) */
    static const double weight[9] = {0, 1e-9, 1e-7, 1e-5, 1e-3, 0, 0.5, 0.2, 0.9};
    for (int k = 0; k <= 8; k++) {
        struct nnq_diag_row r = row_at(k, 1e-4 * pow(10.0, k), weight[k]);
        nnq_parting_track(&p, &r);
    }
    /* div_p_l1 passes 1e-3 (strictly) at t = 2, 1e-2 at 3, 1e-1 at 4; the others one later */
    for (int l = 0; l < NNQ_PARTING_LEVELS; l++) {
        CHECK(p.t_part[0 * NNQ_PARTING_LEVELS + l] == 2 + l);
        for (int m = 1; m < NNQ_PARTING_METRICS; m++)
            CHECK(p.t_part[m * NNQ_PARTING_LEVELS + l] == 3 + l);
    }
    static const double want[NNQ_PARTING_FLOORS] = {6, 4, 4, 3, 3, 2, 2};
    for (int k = 0; k < NNQ_PARTING_FLOORS; k++)
        CHECK_MSG(p.t_multivalued_at[k] == want[k], "floor %g: t %g", nnq_parting_floor(k),
                  p.t_multivalued_at[k]);
    /* div_p_l1 passed 1e-2 at t = 3, a defect of weight 1e-8 was there at t = 2 */
    int m = -1;
    double t = NAN;
    CHECK(nnq_parting_unexplained(&p, &m, &t) == 0);
}

static void test_unexplained(void) {
    struct nnq_parting p;
    nnq_parting_init(&p);
    for (int k = 0; k <= 4; k++) {
        struct nnq_diag_row r = row_at(k, 1e-4 * pow(10.0, k), k >= 4 ? 0.5 : 1e-9);
        nnq_parting_track(&p, &r);
    }
    int m = -1;
    double t = NAN;
    CHECK(nnq_parting_unexplained(&p, &m, &t) == 1 && m == 0 && t == 3);
    /* no Madelung solver: NaN metrics pass no level */
    nnq_parting_init(&p);
    struct nnq_diag_row r;
    nnq_diag_clear(&r, 1, 10);
    r.value[NNQ_DIAG_defect_weight] = 0.5;
    nnq_parting_track(&p, &r);
    CHECK(isnan(p.t_part[0]) && p.t_multivalued_at[0] == 1);
    CHECK(nnq_parting_unexplained(&p, &m, &t) == 0);
}

int main(void) {
    test_levels_and_floors();
    test_unexplained();
    return check_result();
}
