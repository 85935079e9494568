/*
 * err.h - error reporting shared by every nnq module.
 *
 * Every fallible function returns an enum nnq_status and takes a struct nnq_err * as its
 * last argument, which it fills with the code and a message that names the place (file,
 * line, section and key for config errors). The numeric values of the codes are the
 * program's exit codes (docs/errors.md), so main() can return err.code directly.
 */
#ifndef NNQ_ERR_H
#define NNQ_ERR_H

#include <stddef.h>

enum nnq_status {
    NNQ_OK = 0,
    NNQ_ERR_RUNTIME = 1, /* I/O, memory, library failures */
    NNQ_ERR_CONFIG = 2,  /* usage or config error, found before any field is allocated */
    NNQ_ERR_NUMERIC = 3, /* NaN/Inf or norm drift during the run */
    NNQ_ERR_INTERRUPTED = 130
};

#define NNQ_ERR_MSG_MAX 1024

/* Invariant: code == NNQ_OK implies msg is empty. */
struct nnq_err {
    enum nnq_status code;
    char msg[NNQ_ERR_MSG_MAX];
};

/* Sets err (when not NULL) to code and the formatted message; returns code. Cannot fail. */
enum nnq_status nnq_err_set(struct nnq_err *err, enum nnq_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prefixes err's message with the formatted context ("while X: "), keeping its code.
 * Returns err->code. Cannot fail (the message is truncated if it would not fit). */
enum nnq_status nnq_err_prefix(struct nnq_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Clears err to NNQ_OK. Cannot fail. */
void nnq_err_clear(struct nnq_err *err);

/* Static name of a status ("ok", "config error", ...). Cannot fail. */
const char *nnq_err_name(enum nnq_status code);

#endif
