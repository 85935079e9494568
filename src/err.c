/* err.c - error codes and messages (see include/nnq/err.h). */
#include "nnq/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

enum nnq_status nnq_err_set(struct nnq_err *err, enum nnq_status code, const char *fmt, ...) {
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        err->code = code;
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return code;
}

enum nnq_status nnq_err_prefix(struct nnq_err *err, const char *fmt, ...) {
    if (!err)
        return NNQ_ERR_RUNTIME;
    char head[NNQ_ERR_MSG_MAX], old[NNQ_ERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(head, sizeof head, fmt, ap);
    va_end(ap);
    memcpy(old, err->msg, sizeof old);
    size_t h = strlen(head), o = strlen(old);
    if (h + o >= sizeof err->msg)
        o = sizeof err->msg - 1 - h;
    memcpy(err->msg, head, h);
    memcpy(err->msg + h, old, o);
    err->msg[h + o] = '\0';
    return err->code;
}

void nnq_err_clear(struct nnq_err *err) {
    if (err) {
        err->code = NNQ_OK;
        err->msg[0] = '\0';
    }
}

const char *nnq_err_name(enum nnq_status code) {
    switch (code) {
    case NNQ_OK:
        return "ok";
    case NNQ_ERR_RUNTIME:
        return "runtime error";
    case NNQ_ERR_CONFIG:
        return "config error";
    case NNQ_ERR_NUMERIC:
        return "numerical failure";
    case NNQ_ERR_INTERRUPTED:
        return "interrupted";
    }
    return "unknown error";
}
