/*
 * check.h - the test harness: CHECK, CHECK_NEAR, CHECK_ORDER count failures and print where;
 * a test program returns check_result() from main.
 */
#ifndef NNQ_TEST_CHECK_H
#define NNQ_TEST_CHECK_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

struct check_state {
    int run, failed;
};

static struct check_state check_state_;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        check_state_.run++;                                                                        \
        if (!(cond)) {                                                                             \
            check_state_.failed++;                                                                 \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);               \
        }                                                                                          \
    } while (0)

#define CHECK_MSG(cond, ...)                                                                       \
    do {                                                                                           \
        check_state_.run++;                                                                        \
        if (!(cond)) {                                                                             \
            check_state_.failed++;                                                                 \
            fprintf(stderr, "%s:%d: CHECK failed: %s: ", __FILE__, __LINE__, #cond);               \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
        }                                                                                          \
    } while (0)

/* |a - b| <= tol, printing both values either way (a test log is a measurement record). */
#define CHECK_NEAR(a, b, tol)                                                                      \
    do {                                                                                           \
        double a_ = (a), b_ = (b), t_ = (tol);                                                     \
        check_state_.run++;                                                                        \
        int ok_ = fabs(a_ - b_) <= t_;                                                             \
        if (!ok_)                                                                                  \
            check_state_.failed++;                                                                 \
        fprintf(ok_ ? stdout : stderr, "%s:%d: %s %s = %.10e, expected %.10e +- %.1e\n", __FILE__, \
                __LINE__, ok_ ? "ok" : "CHECK_NEAR failed:", #a, a_, b_, t_);                      \
    } while (0)

/* Observed order log2(e_coarse / e_fine) of a halving within [lo, hi]. */
#define CHECK_ORDER(e_coarse, e_fine, lo, hi)                                                      \
    do {                                                                                           \
        double ec_ = (e_coarse), ef_ = (e_fine), p_ = log2(ec_ / ef_);                             \
        check_state_.run++;                                                                        \
        int ok_ = p_ >= (lo) && p_ <= (hi);                                                        \
        if (!ok_)                                                                                  \
            check_state_.failed++;                                                                 \
        fprintf(ok_ ? stdout : stderr,                                                             \
                "%s:%d: %s order %.3f (errors %.3e -> %.3e), want [%g, %g]\n", __FILE__, __LINE__, \
                ok_ ? "ok" : "CHECK_ORDER failed:", p_, ec_, ef_, (double)(lo), (double)(hi));     \
    } while (0)

static inline int check_result(void) {
    printf("%d checks, %d failed\n", check_state_.run, check_state_.failed);
    return check_state_.failed ? 1 : 0;
}

/* A fresh directory /tmp/NAME_XXXXXX into dir (size bytes); exits 2 when it cannot be made. */
static inline void check_tmpdir(const char *name, char *dir, size_t size) {
    snprintf(dir, size, "/tmp/%s_XXXXXX", name);
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        exit(2);
    }
}

/* The test's exit status; the directory is removed when every check passed (kept otherwise,
 * for a look at what failed). */
static inline int check_finish(const char *dir) {
    int rc = check_result();
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (rc == 0 && system(cmd) != 0)
        rc = 1;
    return rc;
}

#endif
