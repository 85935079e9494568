/*
 * config.c - INI + --set parsing and validation (see include/nnq/config.h).
 *
 * The text is read whole (so binary and non-UTF-8 text is reported with its line), then
 * handed to inih logical line by logical line through ini_parse_stream(): the reader counts
 * lines, because Debian's libinih does not pass line numbers to the handler; joins a line that
 * ends in a backslash with the next (its leading blanks dropped); and strips leading blanks,
 * so that an indented line is a key and never an inih continuation line. inih's line buffer
 * holds 200 characters: a longer key = value line reaches it as "key=" and a stand-in value,
 * and the handler takes the value from the reader, cut as inih cuts one (inline comment,
 * blanks), so that a line of any length holds a value of up to NNQ_STR_MAX - 1 characters.
 */
#include "nnq/config.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "nnq/expr.h"

#define NNQ_CONFIG_FILE_MAX (1 << 20)
#define LINE_MAX_CHARS 198 /* inih's line buffer (200) less the newline and the NUL */
#define STAND_IN "\x1e"    /* the value inih sees for a line too long for its buffer */

enum key_type { T_STR, T_EXPR, T_DBL, T_INT, T_BOOL, T_ENUM, T_DLIST, T_ILIST, T_SET };

struct key_info {
    const char *section, *name;
    enum key_type type;
    const char *def, *range, *uses, *unit, *doc;
    size_t offset;
};

static const struct key_info keys[NNQ_KEY_COUNT] = {
#define NNQ_X_INFO(sec, key, type, def, range, uses, unit, doc)                                    \
    {#sec, #key, T_##type, def, range, uses, unit, doc, offsetof(struct nnq_config, sec##_##key)},
    NNQ_CONFIG_KEYS(NNQ_X_INFO)
#undef NNQ_X_INFO
};

static const char *const type_names[] = {"text",   "expression", "number",   "integer", "boolean",
                                         "choice", "numbers",    "integers", "names"};

#define MAX_SECTIONS 16

/* Parsing state. Invariant: once err->code != NNQ_OK, `stop` is set and nothing more is read. */
struct parse_ctx {
    struct nnq_config *cfg;
    struct nnq_err *err;
    const char *text;
    size_t len, pos;
    int line;      /* the first physical line of the logical line being read */
    int next_line; /* the physical lines read so far */
    int stop;
    char *logical; /* the logical line (continuations joined), its capacity */
    size_t logical_cap;
    char *long_value; /* the value of a line too long for inih, for the handler; or NULL */
    int nsections;
    const char *section_names[MAX_SECTIONS];
    int section_lines[MAX_SECTIONS];
};

/* snprintf that may truncate, on purpose (messages and places). */
__attribute__((format(printf, 3, 4))) static void fmt(char *buf, size_t size, const char *f, ...) {
    va_list ap;
    va_start(ap, f);
    vsnprintf(buf, size, f, ap);
    va_end(ap);
}

/* ---- helpers over the key table ---------------------------------------------------------- */

static void *field_of(struct nnq_config *cfg, enum nnq_key k) {
    return (char *)cfg + keys[k].offset;
}

static const void *cfield_of(const struct nnq_config *cfg, enum nnq_key k) {
    return (const char *)cfg + keys[k].offset;
}

/* The one section without declared keys: NAME = condition, any names (apply_region). */
#define REGIONS "regions"

static int section_known(const char *section) {
    if (strcasecmp(section, REGIONS) == 0)
        return 1;
    for (int k = 0; k < NNQ_KEY_COUNT; k++)
        if (strcasecmp(keys[k].section, section) == 0)
            return 1;
    return 0;
}

/* "run, grid, ... or output": the sections of the key table, in its order, into buf. */
static const char *section_list(char *buf, size_t size) {
    buf[0] = '\0';
    int count = 1; /* [regions], last */
    for (int k = 0; k < NNQ_KEY_COUNT; k++)
        if (k == 0 || strcmp(keys[k].section, keys[k - 1].section) != 0)
            count++;
    for (int k = 0, i = 0; k <= NNQ_KEY_COUNT; k++) {
        if (k > 0 && k < NNQ_KEY_COUNT && strcmp(keys[k].section, keys[k - 1].section) == 0)
            continue;
        const size_t len = strlen(buf);
        snprintf(buf + len, size - len, "%s%s",
                 i == 0           ? ""
                 : i + 1 == count ? " or "
                                  : ", ",
                 k < NNQ_KEY_COUNT ? keys[k].section : REGIONS);
        i++;
    }
    return buf;
}

static int find_key(const char *section, const char *name) {
    for (int k = 0; k < NNQ_KEY_COUNT; k++)
        if (strcasecmp(keys[k].section, section) == 0 && strcasecmp(keys[k].name, name) == 0)
            return k;
    return -1;
}

/* "a, b, c": the keys of a section, for "unknown key" messages. */
static void section_keys(const char *section, char *buf, size_t size) {
    size_t used = 0;
    buf[0] = '\0';
    for (int k = 0; k < NNQ_KEY_COUNT && used < size; k++)
        if (strcasecmp(keys[k].section, section) == 0)
            used +=
                (size_t)snprintf(buf + used, size - used, "%s%s", used ? ", " : "", keys[k].name);
}

/* The i-th option of "a|b|c" into buf; returns 0 when there is none. */
static int option_at(const char *options, int i, char *buf, size_t size) {
    const char *p = options;
    for (; i > 0 && p; i--) {
        p = strchr(p, '|');
        if (p)
            p++;
    }
    if (!p || !*p)
        return 0;
    size_t n = strcspn(p, "|");
    if (n >= size)
        n = size - 1;
    memcpy(buf, p, n);
    buf[n] = '\0';
    return 1;
}

char *nnq_config_enum_name(enum nnq_key key, int value, char *buf, size_t size) {
    if (size == 0)
        return buf;
    buf[0] = '\0';
    if (value >= 0)
        option_at(keys[key].range, value, buf, size);
    return buf;
}

/* Where a key's value came from, as a message prefix ("run.ini:12: [grid] n: "). */
static void key_place(const struct parse_ctx *ctx, enum nnq_key k, char *buf, size_t size) {
    const struct nnq_config *cfg = ctx->cfg;
    int origin = cfg->origin[k];
    if (origin > 0) {
        fmt(buf, size, "%s:%d: [%s] %s: ", cfg->path, origin, keys[k].section, keys[k].name);
        return;
    }
    if (origin < 0) {
        fmt(buf, size, "%s: --set %s.%s: [%s] %s: ", cfg->path, keys[k].section, keys[k].name,
            keys[k].section, keys[k].name);
        return;
    }
    for (int s = 0; s < ctx->nsections; s++)
        if (strcasecmp(ctx->section_names[s], keys[k].section) == 0) {
            fmt(buf, size, "%s:%d: [%s] %s: ", cfg->path, ctx->section_lines[s], keys[k].section,
                keys[k].name);
            return;
        }
    fmt(buf, size, "%s: [%s] %s: ", cfg->path, keys[k].section, keys[k].name);
}

static enum nnq_status key_error(struct parse_ctx *ctx, enum nnq_key k, const char *what) {
    char place[2 * NNQ_STR_MAX];
    key_place(ctx, k, place, sizeof place);
    ctx->stop = 1;
    return nnq_err_set(ctx->err, NNQ_ERR_CONFIG, "%s%s", place, what);
}

/* ---- value parsers: each returns 0 on success, else fills `why` ---------------------------- */

static const char *skip_blank(const char *s) {
    while (*s == ' ' || *s == '\t')
        s++;
    return s;
}

/* Removes leading and trailing blanks in place. */
static void trim(char *s) {
    size_t n = strlen(s), lead = strspn(s, " \t");
    while (n > lead && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    memmove(s, s + lead, n - lead);
    s[n - lead] = '\0';
}

static int parse_number(const char *s, double *out) {
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *skip_blank(end) != '\0' || errno == ERANGE || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

static int number_ok(double v, const char *range) {
    if (strcmp(range, "pos") == 0)
        return v > 0;
    if (strcmp(range, "nonneg") == 0)
        return v >= 0;
    return 1;
}

static const char *number_expect(const char *range) {
    if (strcmp(range, "pos") == 0)
        return "a positive number";
    if (strcmp(range, "nonneg") == 0)
        return "a number >= 0";
    return "a finite number";
}

/* Integer range "lo..", "lo..hi" or "any". */
static void int_range(const char *range, double *lo, double *hi) {
    *lo = -9.2e18;
    *hi = 9.2e18;
    if (strcmp(range, "any") == 0)
        return;
    *lo = strtod(range, NULL);
    const char *dots = strstr(range, "..");
    if (dots && dots[2])
        *hi = strtod(dots + 2, NULL);
}

static void int_expect(const char *range, char *buf, size_t size) {
    double lo, hi;
    int_range(range, &lo, &hi);
    if (strcmp(range, "any") == 0)
        fmt(buf, size, "an integer");
    else if (hi >= 9e18)
        fmt(buf, size, "an integer >= %.0f", lo);
    else
        fmt(buf, size, "an integer in %.0f..%.0f", lo, hi);
}

static int parse_int(const char *s, const char *range, long *out) {
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    double lo, hi;
    int_range(range, &lo, &hi);
    if (end == s || *skip_blank(end) != '\0' || errno == ERANGE || (double)v < lo || (double)v > hi)
        return -1;
    *out = v;
    return 0;
}

/* Splits a list on commas and blanks into at most NNQ_LIST_MAX tokens. Returns the count,
 * or -1 when there are too many or an item is empty ("1,,2"). */
static int split_list(const char *s, char tokens[][64]) {
    int count = 0;
    const char *p = skip_blank(s);
    while (*p) {
        size_t n = strcspn(p, ", \t");
        if (n == 0 || n >= 64 || count == NNQ_LIST_MAX)
            return -1;
        memcpy(tokens[count], p, n);
        tokens[count][n] = '\0';
        count++;
        p = skip_blank(p + n);
        if (*p == ',') {
            p = skip_blank(p + 1);
            if (!*p)
                return -1;
        }
    }
    return count;
}

static int parse_value(const struct key_info *ki, const char *value, void *field, char *why,
                       size_t size) {
    switch (ki->type) {
    case T_STR:
    case T_EXPR:
        if (*skip_blank(value) == '\0') {
            fmt(why, size, "expected %s, got an empty value",
                ki->type == T_STR ? "text" : "an expression");
            return -1;
        }
        if (strlen(value) >= NNQ_STR_MAX) {
            fmt(why, size, "value longer than %d characters", NNQ_STR_MAX - 1);
            return -1;
        }
        fmt((char *)field, NNQ_STR_MAX, "%s", value);
        return 0;
    case T_DBL:
        if (parse_number(value, (double *)field) == 0 && number_ok(*(double *)field, ki->range))
            return 0;
        fmt(why, size, "expected %s, got '%s'", number_expect(ki->range), value);
        return -1;
    case T_INT: {
        if (parse_int(value, ki->range, (long *)field) == 0)
            return 0;
        char expect[64];
        int_expect(ki->range, expect, sizeof expect);
        fmt(why, size, "expected %s, got '%s'", expect, value);
        return -1;
    }
    case T_BOOL: {
        static const char *const yes[] = {"true", "yes", "on", "1"}, *const no[] = {"false", "no",
                                                                                    "off", "0"};
        for (int i = 0; i < 4; i++) {
            if (strcasecmp(value, yes[i]) == 0)
                return *(int *)field = 1, 0;
            if (strcasecmp(value, no[i]) == 0)
                return *(int *)field = 0, 0;
        }
        fmt(why, size, "expected true or false, got '%s'", value);
        return -1;
    }
    case T_ENUM: {
        char opt[64];
        for (int i = 0; option_at(ki->range, i, opt, sizeof opt); i++)
            if (strcasecmp(opt, value) == 0)
                return *(int *)field = i, 0;
        char options[256];
        fmt(options, sizeof options, "%s", ki->range);
        for (char *c = options; *c; c++)
            if (*c == '|')
                *c = '/';
        fmt(why, size, "expected one of %s, got '%s'", options, value);
        return -1;
    }
    case T_DLIST:
    case T_ILIST: {
        char tokens[NNQ_LIST_MAX][64];
        struct nnq_list *l = field;
        int count = split_list(value, tokens);
        char expect[64];
        if (ki->type == T_DLIST)
            fmt(expect, sizeof expect, "%s", number_expect(ki->range));
        else
            int_expect(ki->range, expect, sizeof expect);
        if (count <= 0) {
            fmt(why, size, "expected a list of 1 to %d values, each %s, got '%s'", NNQ_LIST_MAX,
                expect, value);
            return -1;
        }
        for (int i = 0; i < count; i++) {
            long iv;
            int bad = ki->type == T_DLIST
                          ? parse_number(tokens[i], &l->v[i]) || !number_ok(l->v[i], ki->range)
                          : parse_int(tokens[i], ki->range, &iv);
            if (bad) {
                fmt(why, size, "value %d: expected %s, got '%s'", i + 1, expect, tokens[i]);
                return -1;
            }
            if (ki->type == T_ILIST)
                l->v[i] = (double)iv;
        }
        l->count = count;
        return 0;
    }
    case T_SET: {
        char tokens[NNQ_LIST_MAX][64], opt[64], options[256] = "";
        for (int o = 0; option_at(ki->range, o, opt, sizeof opt); o++)
            fmt(options + strlen(options), sizeof options - strlen(options), "%s%s", o ? ", " : "",
                opt);
        int count = split_list(value, tokens);
        unsigned mask = 0;
        for (int i = 0; i < count; i++) {
            int found = -1;
            for (int o = 0; found < 0 && option_at(ki->range, o, opt, sizeof opt); o++)
                if (strcmp(opt, tokens[i]) == 0)
                    found = o;
            if (found < 0) {
                fmt(why, size, "expected any of %s, got '%s'", options, tokens[i]);
                return -1;
            }
            mask |= 1u << found;
        }
        if (count <= 0) {
            fmt(why, size, "expected one or more of %s, got '%s'", options, value);
            return -1;
        }
        *(unsigned *)field = mask;
        return 0;
    }
    }
    return -1;
}

/* ---- reading: file -> lines -> inih -> apply_value ------------------------------------------ */

/* [regions] NAME = condition: stored as given (compiled in validation, once the axes are
 * known). Returns 1, or 0 with ctx->err set. */
static int apply_region(struct parse_ctx *ctx, const char *where, const char *name,
                        const char *value, int origin) {
    struct nnq_config *cfg = ctx->cfg;
    const char *why = NULL;
    int at = cfg->nregions;
    for (int r = 0; r < cfg->nregions; r++)
        if (strcmp(cfg->region[r].name, name) == 0)
            at = r;
    int ident = isalpha((unsigned char)name[0]) || name[0] == '_';
    for (const char *c = name; *c; c++)
        ident &= isalnum((unsigned char)*c) || *c == '_';
    if (!ident || strlen(name) >= sizeof cfg->region[0].name)
        why = "a region's name is a word of letters, digits and _ (at most 31), starting with a "
              "letter";
    else if (at < cfg->nregions && origin > 0 && cfg->region[at].origin > 0)
        why = "duplicate region";
    else if (at == NNQ_REGIONS_MAX)
        why = "more than 16 regions";
    else if (*skip_blank(value) == '\0')
        why = "expected a condition (an expression of the axes, nonzero inside), got an empty "
              "value";
    else if (strlen(value) >= NNQ_STR_MAX)
        why = "value too long";
    if (why) {
        ctx->stop = 1;
        nnq_err_set(ctx->err, NNQ_ERR_CONFIG, "%s[regions] %s: %s", where, name, why);
        return 0;
    }
    struct nnq_region *r = &cfg->region[at];
    fmt(r->name, sizeof r->name, "%s", name);
    fmt(r->expr, sizeof r->expr, "%s", value);
    r->origin = origin;
    if (at == cfg->nregions)
        cfg->nregions++;
    return 1;
}

/* Stores value into key section.name. origin > 0: file line; < 0: the -origin-th --set. */
static int apply_value(struct parse_ctx *ctx, const char *section, const char *name,
                       const char *value, int origin) {
    struct nnq_config *cfg = ctx->cfg;
    char where[NNQ_STR_MAX + 64];
    if (origin > 0)
        fmt(where, sizeof where, "%s:%d: ", cfg->path, origin);
    else
        fmt(where, sizeof where, "%s: --set %s.%s: ", cfg->path, section, name);
    if (!section_known(section)) {
        ctx->stop = 1;
        char list[256];
        nnq_err_set(ctx->err, NNQ_ERR_CONFIG, "%s[%s] %s: unknown section [%s] (expected %s)",
                    where, section, name, section, section_list(list, sizeof list));
        return 0;
    }
    if (strcasecmp(section, REGIONS) == 0)
        return apply_region(ctx, where, name, value, origin);
    int k = find_key(section, name);
    if (k < 0) {
        char known[512];
        section_keys(section, known, sizeof known);
        ctx->stop = 1;
        /* a key of that name in another section (one that moved, or a slip) */
        int other = -1;
        for (int j = 0; j < NNQ_KEY_COUNT && other < 0; j++)
            if (strcasecmp(keys[j].name, name) == 0)
                other = j;
        if (other >= 0)
            nnq_err_set(ctx->err, NNQ_ERR_CONFIG,
                        "%s[%s] %s: unknown key; it is a key of [%s] (keys of [%s]: %s)", where,
                        section, name, keys[other].section, section, known);
        else
            nnq_err_set(ctx->err, NNQ_ERR_CONFIG, "%s[%s] %s: unknown key (keys of [%s]: %s)",
                        where, section, name, section, known);
        return 0;
    }
    if (origin > 0 && cfg->origin[k] > 0) {
        ctx->stop = 1;
        nnq_err_set(ctx->err, NNQ_ERR_CONFIG, "%s[%s] %s: duplicate key (first given on line %d)",
                    where, keys[k].section, name, cfg->origin[k]);
        return 0;
    }
    char why[NNQ_ERR_MSG_MAX / 2];
    if (parse_value(&keys[k], value, field_of(cfg, (enum nnq_key)k), why, sizeof why) != 0) {
        ctx->stop = 1;
        nnq_err_set(ctx->err, NNQ_ERR_CONFIG, "%s[%s] %s: %s", where, keys[k].section, name, why);
        return 0;
    }
    cfg->origin[k] = origin;
    fmt(cfg->raw[k], NNQ_STR_MAX, "%s", value);
    return 1;
}

/* What inih reads back for one key of a line "key = value". */
struct read_back {
    char value[NNQ_STR_MAX];
    int seen;
};

/* The first of `chars` in [s, end), or the ';' of an inline comment (a ';' after a blank), or
 * end: inih's find_chars_or_comment, for the lines too long for inih's buffer. */
static const char *find_or_comment(const char *s, const char *end, const char *chars) {
    int was_space = 0;
    while (s < end && (!chars || !strchr(chars, *s)) && !(was_space && *s == ';')) {
        was_space = isspace((unsigned char)*s);
        s++;
    }
    return s;
}

/* The value that inih reads from the text [v, end) after a key's '=': up to an inline
 * comment, its blanks at both ends dropped, as [*from, *to). */
static void cut_value(const char *v, const char *end, const char **from, const char **to) {
    const char *e = find_or_comment(v, end, NULL);
    while (v < e && isspace((unsigned char)*v))
        v++;
    while (e > v && isspace((unsigned char)e[-1]))
        e--;
    *from = v;
    *to = e;
}

static int read_back_cb(void *user, const char *section, const char *name, const char *value) {
    (void)section;
    (void)name;
    struct read_back *rb = user;
    fmt(rb->value, sizeof rb->value, "%s", value);
    rb->seen = 1;
    return 1;
}

/* 1 when the line that the stored config will hold reads back as value: a value must survive
 * nnq_config_dump and a reload (fuzz_config found values that did not). */
static int reads_back(const char *key, const char *value) {
    if (strlen(value) >= NNQ_STR_MAX) /* too long to be stored: apply_value says so */
        return 1;
    if (strlen(key) + 3 + strlen(value) > LINE_MAX_CHARS) { /* the reader's own cut (above) */
        const size_t len = strlen(value);
        char text[NNQ_STR_MAX + 1] = " "; /* the line's " = value" after its '=' */
        memcpy(text + 1, value, len + 1);
        const char *from, *to;
        cut_value(text, text + 1 + len, &from, &to);
        return (size_t)(to - from) == len && strncmp(from, value, len) == 0;
    }
    char line[2 * NNQ_STR_MAX];
    fmt(line, sizeof line, "[s]\n%s = %s\n", key, value);
    struct read_back rb = {{0}, 0};
    return ini_parse_string(line, read_back_cb, &rb) == 0 && rb.seen &&
           strcmp(rb.value, value) == 0;
}

static int ini_handler_cb(void *user, const char *section, const char *name, const char *value) {
    struct parse_ctx *ctx = user;
    if (ctx->stop)
        return 0;
    if (ctx->long_value && strcmp(value, STAND_IN) == 0) /* a line too long for inih's buffer */
        value = ctx->long_value;
    ctx->long_value = NULL;
    if (!section[0]) {
        ctx->stop = 1;
        nnq_err_set(ctx->err, NNQ_ERR_CONFIG, "%s:%d: %s: key outside any [section]",
                    ctx->cfg->path, ctx->line, name);
        return 0;
    }
    if (!reads_back(name, value)) {
        ctx->stop = 1;
        nnq_err_set(ctx->err, NNQ_ERR_CONFIG,
                    "%s:%d: [%s] %s: a value cannot start with ';' (the stored config would read "
                    "it as a comment)",
                    ctx->cfg->path, ctx->line, section, name);
        return 0;
    }
    return apply_value(ctx, section, name, value, ctx->line);
}

__attribute__((format(printf, 2, 3))) static enum nnq_status line_error(struct parse_ctx *ctx,
                                                                        const char *fmt, ...) {
    char what[NNQ_ERR_MSG_MAX / 2];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    ctx->stop = 1;
    return nnq_err_set(ctx->err, NNQ_ERR_CONFIG, "%s:%d: %s", ctx->cfg->path, ctx->line, what);
}

/* Records a "[section]" line; rejects unknown and repeated sections. */
static void note_section(struct parse_ctx *ctx, const char *line, size_t len) {
    const char *close = memchr(line, ']', len);
    if (!close)
        return; /* inih reports the malformed header */
    char name[64];
    size_t n = (size_t)(close - line - 1);
    if (n >= sizeof name)
        n = sizeof name - 1;
    memcpy(name, line + 1, n);
    name[n] = '\0';
    while (n > 0 && isspace((unsigned char)name[n - 1]))
        name[--n] = '\0';
    const char *trimmed = skip_blank(name);
    for (int k = 0; k <= NNQ_KEY_COUNT; k++)
        if (strcasecmp(k < NNQ_KEY_COUNT ? keys[k].section : REGIONS, trimmed) == 0) {
            for (int s = 0; s < ctx->nsections; s++)
                if (strcasecmp(ctx->section_names[s], trimmed) == 0) {
                    char msg[128];
                    fmt(msg, sizeof msg, "[%s]: duplicate section (first on line %d)", trimmed,
                        ctx->section_lines[s]);
                    line_error(ctx, "%s", msg);
                    return;
                }
            ctx->section_names[ctx->nsections] = k < NNQ_KEY_COUNT ? keys[k].section : REGIONS;
            ctx->section_lines[ctx->nsections++] = ctx->line;
            return;
        }
    char list[256];
    line_error(ctx, "[%s]: unknown section (expected %s)", trimmed,
               section_list(list, sizeof list));
}

/* Appends n characters at s to the logical line, which holds len; 0 when memory ran out. */
static int append(struct parse_ctx *ctx, size_t len, const char *s, size_t n) {
    if (len + n + 1 > ctx->logical_cap) {
        const size_t cap = 2 * (len + n + 1) > 256 ? 2 * (len + n + 1) : 256;
        char *grown = realloc(ctx->logical, cap);
        if (!grown)
            return 0;
        ctx->logical = grown;
        ctx->logical_cap = cap;
    }
    memcpy(ctx->logical + len, s, n);
    ctx->logical[len + n] = '\0';
    return 1;
}

static char *line_reader(char *str, int num, void *stream) {
    struct parse_ctx *ctx = stream;
    ctx->long_value = NULL;
    if (ctx->stop || ctx->pos >= ctx->len)
        return NULL;
    ctx->line = ctx->next_line + 1;
    size_t len = 0;
    for (;;) { /* physical lines, while one ends in a backslash (comments do not continue) */
        const char *start = ctx->text + ctx->pos;
        const char *nl = memchr(start, '\n', ctx->len - ctx->pos);
        size_t n = nl ? (size_t)(nl - start) : ctx->len - ctx->pos;
        ctx->pos += n + (nl != NULL);
        ctx->next_line++;
        if (n > 0 && start[n - 1] == '\r')
            n--;
        while (n > 0 && (*start == ' ' || *start == '\t'))
            start++, n--;
        if (!append(ctx, len, start, n)) {
            ctx->stop = 1;
            nnq_err_set(ctx->err, NNQ_ERR_RUNTIME, "%s: out of memory", ctx->cfg->path);
            return NULL;
        }
        len += n;
        size_t t = len;
        while (t > 0 && (ctx->logical[t - 1] == ' ' || ctx->logical[t - 1] == '\t'))
            t--;
        const int comment = ctx->logical[0] == ';' || ctx->logical[0] == '#';
        if (comment || t == 0 || ctx->logical[t - 1] != '\\' || ctx->pos >= ctx->len)
            break;
        len = t - 1;
    }
    const char *line = ctx->logical, *end = line + len;
    if (len > 0 && *line == '[')
        note_section(ctx, line, len);
    if (ctx->stop)
        return NULL;
    if (len + 2 <= (size_t)num) {
        memcpy(str, line, len);
        str[len] = '\n';
        str[len + 1] = '\0';
        return str;
    }
    if (*line == ';' || *line == '#')
        return strcpy(str, ";\n");
    /* too long for inih: it gets "key=" and a stand-in, the handler the value (cut as inih
     * would: cut_value) */
    const char *sep = find_or_comment(line, end, "=:");
    if (*line == '[' || sep == end || *sep == ';' || (size_t)(sep - line) + 4 > (size_t)num) {
        char detail[64];
        fmt(detail, sizeof detail, "%zu", len);
        line_error(ctx, "line too long (%s characters) for a [section] or a key", detail);
        return NULL;
    }
    const char *from, *to;
    cut_value(sep + 1, end, &from, &to);
    ctx->logical[to - line] = '\0';
    ctx->long_value = ctx->logical + (from - line);
    fmt(str, (size_t)num, "%.*s=%s\n", (int)(sep - line), line, STAND_IN);
    return str;
}

/* Line of the first byte that is not valid UTF-8 (or is NUL), 0 if there is none. */
static int first_bad_line(const char *s, size_t len, int *is_nul) {
    int line = 1;
    size_t i = 0;
    while (i < len) {
        unsigned char c = (unsigned char)s[i];
        size_t extra = c < 0x80             ? 0
                       : (c & 0xE0) == 0xC0 ? 1
                       : (c & 0xF0) == 0xE0 ? 2
                       : (c & 0xF8) == 0xF0 ? 3
                                            : 9;
        *is_nul = c == 0;
        if (c == 0 || extra == 9 || (extra == 1 && c < 0xC2) || i + extra >= len + (extra == 0))
            return line;
        for (size_t j = 1; j <= extra; j++)
            if (((unsigned char)s[i + j] & 0xC0) != 0x80)
                return line;
        line += c == '\n';
        i += extra + 1;
    }
    return 0;
}

/* ---- validation -------------------------------------------------------------------------- */

#define IS_SET(cfg, key) ((cfg)->origin[NNQ_KEY_##key] != 0)

static int count_ok(const struct nnq_list *l, int a, int b, int c) {
    return l->count == a || l->count == b || l->count == c;
}

static enum nnq_status check_axes(struct parse_ctx *ctx, enum nnq_key k, int dims) {
    const struct nnq_list *l = cfield_of(ctx->cfg, k);
    if (count_ok(l, 1, dims, 1))
        return NNQ_OK;
    char what[160];
    fmt(what, sizeof what, "expected 1 value or %d (one per axis), got %d", dims, l->count);
    return key_error(ctx, k, what);
}

static enum nnq_status check_expr(struct parse_ctx *ctx, enum nnq_key k) {
    const struct nnq_config *c = ctx->cfg;
    const char *text = cfield_of(c, k);
    struct nnq_expr *e = NULL;
    struct nnq_err why = {0};
    const struct nnq_expr_vars vars = {{c->axis_name[0], c->axis_name[1], c->axis_name[2]},
                                       k == NNQ_KEY_potential_V && IS_SET(c, potential_file)};
    if (nnq_expr_create(text, c->dims, &vars, &e, &why) != NNQ_OK)
        return key_error(ctx, k, why.msg);
    nnq_expr_destroy(e);
    return NNQ_OK;
}

/* A key that the section's preset does not read is an error. */
static enum nnq_status check_uses(struct parse_ctx *ctx, enum nnq_key k, int preset,
                                  enum nnq_key preset_key) {
    if (!keys[k].uses[0] || ctx->cfg->origin[k] == 0)
        return NNQ_OK;
    char name[64] = "-";
    if (preset >= 0)
        nnq_config_enum_name(preset_key, preset, name, sizeof name);
    char opt[64];
    for (int i = 0; option_at(keys[k].uses, i, opt, sizeof opt); i++)
        if (strcmp(opt, name) == 0)
            return NNQ_OK;
    char what[256];
    if (preset >= 0)
        fmt(what, sizeof what, "not used by preset %s (used by: %s)", name, keys[k].uses);
    else
        fmt(what, sizeof what, "only used with a preset (%s); set [%s] preset", keys[k].uses,
            keys[k].section);
    for (char *c = what; *c; c++)
        if (*c == '|')
            *c = ',';
    return key_error(ctx, k, what);
}

static enum nnq_status validate(struct parse_ctx *ctx) {
    struct nnq_config *c = ctx->cfg;

    /* grid: the dimension is the count of [grid] n */
    if (!IS_SET(c, grid_n))
        return key_error(ctx, NNQ_KEY_grid_n,
                         "required key missing (points per axis, e.g. n = 256)");
    if (c->grid_n.count > 3) {
        char what[96];
        fmt(what, sizeof what, "expected 1-3 values (one per axis), got %d", c->grid_n.count);
        return key_error(ctx, NNQ_KEY_grid_n, what);
    }
    c->dims = c->grid_n.count;
    for (enum nnq_key k = NNQ_KEY_grid_qmin; k <= NNQ_KEY_grid_qmax; k++) {
        if (c->origin[k] == 0)
            return key_error(ctx, k, "required key missing (box edge, one value or one per axis)");
        if (check_axes(ctx, k, c->dims))
            return NNQ_ERR_CONFIG;
    }
    for (int i = 0; i < 3; i++) {
        c->n[i] = i < c->dims ? (long)c->grid_n.v[i] : 1;
        c->qmin[i] = i < c->dims ? nnq_list_axis(&c->grid_qmin, i) : 0;
        c->qmax[i] = i < c->dims ? nnq_list_axis(&c->grid_qmax, i) : 1;
        if (c->qmax[i] <= c->qmin[i]) {
            char what[160];
            fmt(what, sizeof what, "axis %d: qmax (%g) must exceed qmin (%g)", i, c->qmax[i],
                c->qmin[i]);
            return key_error(ctx, NNQ_KEY_grid_qmax, what);
        }
    }
    double points = (double)c->n[0] * (double)c->n[1] * (double)c->n[2];
    if (points > 1.5e10)
        return key_error(ctx, NNQ_KEY_grid_n,
                         "grid of more than 1.5e10 points cannot be addressed");

    if (IS_SET(c, grid_names)) {
        char tokens[NNQ_LIST_MAX][64], what[200];
        const int count = split_list(c->grid_names, tokens);
        if (count != c->dims) {
            fmt(what, sizeof what, "expected %d name%s (one per axis), got '%s'", c->dims,
                c->dims > 1 ? "s" : "", c->grid_names);
            return key_error(ctx, NNQ_KEY_grid_names, what);
        }
        for (int a = 0; a < count; a++) {
            if (!nnq_expr_name_ok(tokens[a])) {
                fmt(what, sizeof what,
                    "'%s' cannot name an axis: a name is letters, digits and _, starts with a "
                    "letter, and is none of x, y, z, q0..q2, t, hbar, mass, L or a function or "
                    "constant of the expressions (pi, e, exp, ...)",
                    tokens[a]);
                return key_error(ctx, NNQ_KEY_grid_names, what);
            }
            for (int b = 0; b < a; b++)
                if (strcmp(tokens[a], tokens[b]) == 0) {
                    fmt(what, sizeof what, "'%s' names two axes", tokens[a]);
                    return key_error(ctx, NNQ_KEY_grid_names, what);
                }
            fmt(c->axis_name[a], sizeof c->axis_name[a], "%s", tokens[a]);
        }
    }

    if (c->grid_boundary < 0)
        c->grid_boundary = NNQ_BOUNDARY_PERIODIC;
    if (c->grid_boundary != NNQ_BOUNDARY_ABSORBING &&
        (IS_SET(c, grid_absorb_width) || IS_SET(c, grid_absorb_strength)))
        return key_error(ctx,
                         IS_SET(c, grid_absorb_width) ? NNQ_KEY_grid_absorb_width
                                                      : NNQ_KEY_grid_absorb_strength,
                         "needs [grid] boundary = absorbing");
    if (IS_SET(c, grid_absorb_width) && check_axes(ctx, NNQ_KEY_grid_absorb_width, c->dims))
        return NNQ_ERR_CONFIG;
    for (int a = 0; a < c->dims && IS_SET(c, grid_absorb_width); a++)
        if (2 * nnq_list_axis(&c->grid_absorb_width, a) >= c->qmax[a] - c->qmin[a]) {
            char what[160];
            fmt(what, sizeof what, "axis %d: two layers of %g fill the box of %g", a,
                nnq_list_axis(&c->grid_absorb_width, a), c->qmax[a] - c->qmin[a]);
            return key_error(ctx, NNQ_KEY_grid_absorb_width, what);
        }

    /* run */
    if (IS_SET(c, run_t_end) && IS_SET(c, run_steps))
        return key_error(ctx,
                         c->origin[NNQ_KEY_run_steps] > c->origin[NNQ_KEY_run_t_end]
                             ? NNQ_KEY_run_steps
                             : NNQ_KEY_run_t_end,
                         "give t_end or steps, not both");
    if (IS_SET(c, run_steps))
        c->steps = c->run_steps;
    else if (IS_SET(c, run_t_end)) {
        double s = ceil(c->run_t_end / c->run_dt - 1e-9);
        if (s > 1e15)
            return key_error(ctx, NNQ_KEY_run_t_end, "t_end / dt is more than 1e15 steps");
        c->steps = s < 1 ? 1 : (long)s;
        c->run_dt = c->run_t_end / (double)c->steps; /* end exactly at t_end */
    } else
        return key_error(ctx, NNQ_KEY_run_t_end, "required key missing (give t_end or steps)");
    if (c->run_imaginary_time && c->run_integrator != NNQ_INTEGRATOR_STRANG) {
        char name[16], what[160];
        nnq_config_enum_name(NNQ_KEY_run_integrator, c->run_integrator, name, sizeof name);
        snprintf(what, sizeof what,
                 "%s takes backward sub-steps, which diverge in imaginary time; use strang with "
                 "imaginary_time = true",
                 name);
        return key_error(ctx, NNQ_KEY_run_integrator, what);
    }
    c->hbar = c->network_mu * c->network_epsilon;
    if (IS_SET(c, network_gamma)) {
        if (IS_SET(c, particle_mass))
            return key_error(ctx, NNQ_KEY_network_gamma,
                             "give [network] gamma (mass = epsilon / (2 gamma)) or [particle] "
                             "mass, not both");
        c->particle_mass = c->network_epsilon / (2.0 * c->network_gamma);
    }
    if (c->run_imaginary_time && c->grid_boundary == NNQ_BOUNDARY_ABSORBING)
        return key_error(ctx, NNQ_KEY_grid_boundary,
                         "an absorbing boundary takes mass out; imaginary time renormalises: "
                         "use periodic with imaginary_time = true");
    if (c->run_imaginary_time && c->madelung_enabled) {
        if (IS_SET(c, madelung_enabled))
            return key_error(ctx, NNQ_KEY_madelung_enabled,
                             "the Madelung solver has no imaginary-time form; set enabled = "
                             "false with imaginary_time = true");
        c->madelung_enabled = 0; /* a default: relaxation runs evolve psi alone */
    }

    /* potential */
    int pp = c->potential_preset;
    for (int k = 0; k < NNQ_KEY_COUNT; k++)
        if (strcmp(keys[k].section, "potential") == 0 &&
            check_uses(ctx, (enum nnq_key)k, pp, NNQ_KEY_potential_preset))
            return NNQ_ERR_CONFIG;
    c->potential_kind = pp >= 0                     ? (enum nnq_potential_kind)pp
                        : IS_SET(c, potential_file) ? NNQ_POT_FILE
                        : IS_SET(c, potential_V)    ? NNQ_POT_EXPR
                                                    : NNQ_POT_FREE;
    if ((c->potential_kind == NNQ_POT_EXPR ||
         (c->potential_kind == NNQ_POT_FILE && IS_SET(c, potential_V))) &&
        check_expr(ctx, NNQ_KEY_potential_V))
        return NNQ_ERR_CONFIG;
    if ((IS_SET(c, potential_dataset) || IS_SET(c, potential_coordinates)) &&
        !IS_SET(c, potential_file))
        return key_error(ctx,
                         IS_SET(c, potential_dataset) ? NNQ_KEY_potential_dataset
                                                      : NNQ_KEY_potential_coordinates,
                         "needs [potential] file");
    if (IS_SET(c, potential_coordinates) && !IS_SET(c, potential_dataset))
        return key_error(ctx, NNQ_KEY_potential_coordinates, "needs [potential] dataset");
    if (check_axes(ctx, NNQ_KEY_potential_omega, c->dims) ||
        check_axes(ctx, NNQ_KEY_potential_period, c->dims))
        return NNQ_ERR_CONFIG;

    /* initial state */
    int ip = c->initial_preset;
    for (int k = 0; k < NNQ_KEY_COUNT; k++)
        if (strcmp(keys[k].section, "initial") == 0 &&
            check_uses(ctx, (enum nnq_key)k, ip, NNQ_KEY_initial_preset))
            return NNQ_ERR_CONFIG;
    c->initial_kind = ip >= 0                    ? (enum nnq_initial_kind)ip
                      : IS_SET(c, initial_file)  ? NNQ_INIT_FILE
                      : IS_SET(c, initial_state) ? NNQ_INIT_STATES
                                                 : NNQ_INIT_EXPR;
    if (c->initial_kind == NNQ_INIT_FILE && (IS_SET(c, initial_p) || IS_SET(c, initial_F)))
        return key_error(ctx, IS_SET(c, initial_p) ? NNQ_KEY_initial_p : NNQ_KEY_initial_F,
                         "give [initial] file or the expressions p and F, not both");
    if (IS_SET(c, initial_state) && c->initial_kind != NNQ_INIT_STATES)
        return key_error(ctx, NNQ_KEY_initial_state, "give [initial] state or a file, not both");
    if (c->initial_kind == NNQ_INIT_STATES && (IS_SET(c, initial_p) || IS_SET(c, initial_F)))
        return key_error(ctx, IS_SET(c, initial_p) ? NNQ_KEY_initial_p : NNQ_KEY_initial_F,
                         "give [initial] state or the expressions p and F, not both");
    if (ip < 0 && c->initial_kind != NNQ_INIT_STATES)
        for (enum nnq_key k = NNQ_KEY_initial_amplitude; k <= NNQ_KEY_initial_phase; k++)
            if (c->origin[k] != 0)
                return key_error(ctx, k, "needs [initial] state (or preset = superposition)");
    c->states = (int)c->run_states;
    int d = c->dims;
    switch (c->initial_kind) {
    case NNQ_INIT_FILE:
        break;
    case NNQ_INIT_EXPR:
        if (!IS_SET(c, initial_p))
            return key_error(ctx, NNQ_KEY_initial_p,
                             "required key missing (an expression for the density, or set "
                             "[initial] preset)");
        if (check_expr(ctx, NNQ_KEY_initial_p) || check_expr(ctx, NNQ_KEY_initial_F))
            return NNQ_ERR_CONFIG;
        break;
    case NNQ_INIT_SUPERPOSITION: {
        int np = c->initial_center.count / d;
        char what[192];
        if (np < 1 || c->initial_center.count % d != 0) {
            fmt(what, sizeof what, "expected %d values per packet (one per axis), got %d", d,
                c->initial_center.count);
            return key_error(ctx, NNQ_KEY_initial_center, what);
        }
        for (enum nnq_key k = NNQ_KEY_initial_width; k <= NNQ_KEY_initial_momentum; k++)
            if (!count_ok(cfield_of(c, k), 1, d, np * d)) {
                fmt(what, sizeof what,
                    "expected 1, %d (per axis) or %d (per axis and packet) values, got %d", d,
                    np * d, ((const struct nnq_list *)cfield_of(c, k))->count);
                return key_error(ctx, k, what);
            }
        if (!count_ok(&c->initial_amplitude, 1, np, 1)) {
            fmt(what, sizeof what, "expected 1 or %d values (one per packet), got %d", np,
                c->initial_amplitude.count);
            return key_error(ctx, NNQ_KEY_initial_amplitude, what);
        }
        break;
    }
    case NNQ_INIT_EIGENSTATE:
        if (!IS_SET(c, initial_n)) {
            c->initial_n.count = 1;
            c->initial_n.v[0] = 0;
        }
        for (int i = 0; i < c->initial_n.count; i++)
            if (c->initial_n.v[i] < 0 || c->initial_n.v[i] > 400)
                return key_error(ctx, NNQ_KEY_initial_n, "expected quantum numbers in 0..400");
        if (!IS_SET(c, initial_omega))
            c->initial_omega = c->potential_kind == NNQ_POT_HARMONIC
                                   ? c->potential_omega
                                   : (struct nnq_list){.count = 1, .v = {1.0}};
        if (check_axes(ctx, NNQ_KEY_initial_n, d) || check_axes(ctx, NNQ_KEY_initial_omega, d))
            return NNQ_ERR_CONFIG;
        break;
    case NNQ_INIT_VORTEX: {
        if (d < 2)
            return key_error(ctx, NNQ_KEY_initial_preset,
                             "vortex needs a grid of 2 or 3 dimensions (a line along z in 3D)");
        if (!IS_SET(c, initial_n)) {
            c->initial_n.count = 1;
            c->initial_n.v[0] = 1;
        }
        int nv = c->initial_n.count;
        for (int i = 0; i < nv; i++)
            if (c->initial_n.v[i] == 0 || fabs(c->initial_n.v[i]) > 100)
                return key_error(ctx, NNQ_KEY_initial_n,
                                 "expected non-zero winding numbers in -100..100");
        if (!IS_SET(c, initial_vortex_at)) {
            if (nv != 1)
                return key_error(ctx, NNQ_KEY_initial_vortex_at,
                                 "required with more than one vortex: x, y of each core");
            c->initial_vortex_at.count = 2;
            c->initial_vortex_at.v[0] = nnq_list_axis(&c->initial_center, 0);
            c->initial_vortex_at.v[1] = nnq_list_axis(&c->initial_center, 1);
        }
        if (c->initial_vortex_at.count != 2 * nv) {
            char what[128];
            fmt(what, sizeof what, "expected 2 values (x, y) per vortex, %d in all, got %d", 2 * nv,
                c->initial_vortex_at.count);
            return key_error(ctx, NNQ_KEY_initial_vortex_at, what);
        }
        break;
    }
    case NNQ_INIT_GAUSSIAN:
        break;
    case NNQ_INIT_STATES: {
        const int ns = c->initial_state.count;
        char what[160];
        for (int i = 0; i < ns; i++) {
            for (int j = 0; j < i; j++)
                if (c->initial_state.v[j] == c->initial_state.v[i])
                    return key_error(ctx, NNQ_KEY_initial_state, "each state at most once");
            if (c->initial_state.v[i] + 1 > c->states)
                c->states = (int)c->initial_state.v[i] + 1;
        }
        for (enum nnq_key k = NNQ_KEY_initial_amplitude; k <= NNQ_KEY_initial_phase; k++)
            if (!count_ok(cfield_of(c, k), 1, ns, 1)) {
                fmt(what, sizeof what, "expected 1 or %d values (one per state), got %d", ns,
                    ((const struct nnq_list *)cfield_of(c, k))->count);
                return key_error(ctx, k, what);
            }
        break;
    }
    }
    if (c->initial_kind != NNQ_INIT_SUPERPOSITION && c->initial_kind != NNQ_INIT_EXPR &&
        c->initial_kind != NNQ_INIT_FILE)
        for (enum nnq_key k = NNQ_KEY_initial_center; k <= NNQ_KEY_initial_momentum; k++)
            if (check_axes(ctx, k, d))
                return NNQ_ERR_CONFIG;

    /* trajectories */
    if (IS_SET(c, trajectories_at)) {
        const struct nnq_list *at = &c->trajectories_at;
        char what[160];
        if (at->count % d != 0) {
            fmt(what, sizeof what, "expected %d values per point, got %d values", d, at->count);
            return key_error(ctx, NNQ_KEY_trajectories_at, what);
        }
        for (int i = 0; i < at->count; i++)
            if (!(at->v[i] >= c->qmin[i % d] && at->v[i] < c->qmax[i % d])) {
                fmt(what, sizeof what, "point %d, axis %d: %g is outside the box [%g, %g)",
                    i / d + 1, i % d, at->v[i], c->qmin[i % d], c->qmax[i % d]);
                return key_error(ctx, NNQ_KEY_trajectories_at, what);
            }
        if (IS_SET(c, trajectories_count) && c->trajectories_count != at->count / d) {
            fmt(what, sizeof what, "%ld, but [trajectories] at gives %d points",
                c->trajectories_count, at->count / d);
            return key_error(ctx, NNQ_KEY_trajectories_count, what);
        }
        c->trajectories_count = at->count / d;
    }
    if (check_axes(ctx, NNQ_KEY_classical_mobility, c->dims) ||
        (IS_SET(c, classical_diffusion) && check_axes(ctx, NNQ_KEY_classical_diffusion, c->dims)))
        return NNQ_ERR_CONFIG;
    if (!IS_SET(c, classical_diffusion)) /* Nelson's: the same noise as the quantum walkers */
        c->classical_diffusion = (struct nnq_list){1, {c->hbar / (2.0 * c->particle_mass)}};
    for (int r = 0; r < c->nregions; r++) {
        const struct nnq_region *g = &c->region[r];
        struct nnq_err why = {0};
        const struct nnq_expr_vars vars = {{c->axis_name[0], c->axis_name[1], c->axis_name[2]}, 0};
        char side[2][NNQ_STR_MAX];
        const enum nnq_condition op = nnq_expr_condition(g->expr, side[0], side[1], sizeof side[0]);
        int bad = op == NNQ_COND_BAD;
        if (bad)
            nnq_err_set(&why, NNQ_ERR_CONFIG,
                        "expected an expression (true where nonzero) or one comparison A < B, "
                        "A <= B, A > B or A >= B, got '%s'",
                        g->expr);
        for (int k = 0; k < (op == NNQ_COND_NONE ? 1 : 2) && !bad; k++) {
            struct nnq_expr *e = NULL;
            bad = nnq_expr_create(side[k], c->dims, &vars, &e, &why) != NNQ_OK;
            nnq_expr_destroy(e);
        }
        if (!bad)
            continue;
        ctx->stop = 1;
        if (g->origin > 0)
            return nnq_err_set(ctx->err, NNQ_ERR_CONFIG, "%s:%d: [regions] %s: %s", c->path,
                               g->origin, g->name, why.msg);
        return nnq_err_set(ctx->err, NNQ_ERR_CONFIG, "%s: --set regions.%s: [regions] %s: %s",
                           c->path, g->name, g->name, why.msg);
    }
    if (c->classical_enabled && c->run_imaginary_time)
        return key_error(ctx, NNQ_KEY_classical_enabled,
                         "the Fokker-Planck description follows real time; not with "
                         "imaginary_time = true");
    if (c->trajectories_count > 0 && c->run_imaginary_time)
        return key_error(ctx, NNQ_KEY_trajectories_count,
                         "trajectories follow real-time evolution; not with imaginary_time = true");
    if (c->trajectories_count > 0 && (c->trajectories_kinds & NNQ_TRAJ_MADELUNG) &&
        !c->madelung_enabled)
        return key_error(ctx, NNQ_KEY_trajectories_kinds,
                         "madelung trajectories need the Madelung solver ([madelung] enabled = "
                         "true)");

    if (!IS_SET(c, output_file))
        fmt(c->output_file, NNQ_STR_MAX, "%.*s.h5", NNQ_STR_MAX - 4, c->run_name);
    char expanded[NNQ_STR_MAX];
    struct nnq_err why = {0};
    if (nnq_config_expand(c, c->output_file, expanded, sizeof expanded, &why) != NNQ_OK)
        return key_error(ctx, NNQ_KEY_output_file, why.msg);
    memcpy(c->output_file, expanded, sizeof expanded);
    return NNQ_OK;
}

/* ---- public entry points ----------------------------------------------------------------- */

static void set_defaults(struct nnq_config *cfg) {
    for (int k = 0; k < NNQ_KEY_COUNT; k++) {
        if (keys[k].type == T_ENUM)
            *(int *)field_of(cfg, (enum nnq_key)k) = -1;
        if (keys[k].def[0]) {
            char why[256];
            int rc =
                parse_value(&keys[k], keys[k].def, field_of(cfg, (enum nnq_key)k), why, sizeof why);
            assert(rc == 0 && "a default in NNQ_CONFIG_KEYS breaks its own rule");
            (void)rc;
        }
    }
}

enum nnq_status nnq_config_load_string(const char *text, const char *name, const char *const *sets,
                                       int nsets, struct nnq_config *cfg, struct nnq_err *err) {
    memset(cfg, 0, sizeof *cfg);
    nnq_err_clear(err);
    fmt(cfg->path, sizeof cfg->path, "%s", name);
    set_defaults(cfg);

    struct parse_ctx ctx = {.cfg = cfg, .err = err, .text = text, .len = strlen(text)};
    int is_nul = 0;
    int bad = first_bad_line(text, ctx.len, &is_nul);
    if (bad)
        return nnq_err_set(err, NNQ_ERR_CONFIG, "%s:%d: %s", name, bad,
                           is_nul ? "binary content (NUL byte): not an INI text file"
                                  : "not valid UTF-8 text");

    int rc = ini_parse_stream(line_reader, &ctx, ini_handler_cb, &ctx);
    free(ctx.logical);
    if (err && err->code != NNQ_OK)
        return err->code;
    if (rc != 0)
        return nnq_err_set(err, NNQ_ERR_CONFIG,
                           "%s:%d: expected 'key = value', '[section]' or a comment", name,
                           rc > 0 ? rc : ctx.line);

    if (nsets > NNQ_SET_MAX)
        return nnq_err_set(err, NNQ_ERR_CONFIG, "more than %d --set options", NNQ_SET_MAX);
    for (int i = 0; i < nsets; i++) {
        const char *s = sets[i];
        /* validated like a line of the file, so that the stored config reloads to this run */
        if (first_bad_line(s, strlen(s), &is_nul) || strpbrk(s, "\r\n"))
            return nnq_err_set(err, NNQ_ERR_CONFIG, "--set #%d: not one line of UTF-8 text", i + 1);
        /* control characters: INI trims \v and \f at a value's ends (isspace), so a value
         * made of them would not reload as given (found by fuzz_config) */
        for (const char *c = s; *c; c++)
            if (((unsigned char)*c < 0x20 && *c != '\t') || *c == 0x7f)
                return nnq_err_set(err, NNQ_ERR_CONFIG, "--set #%d: control character 0x%02x in it",
                                   i + 1, (unsigned char)*c);
        if (strstr(s, " ;") || strstr(s, "\t;"))
            return nnq_err_set(err, NNQ_ERR_CONFIG,
                               "--set %s: ';' after a blank starts a comment in INI, so it cannot "
                               "be part of a value",
                               s);
        const char *dot = strchr(s, '.'), *eq = strchr(s, '=');
        if (!dot || !eq || dot > eq || dot == s || eq == dot + 1)
            return nnq_err_set(err, NNQ_ERR_CONFIG,
                               "--set %s: expected section.key=value (e.g. network.mu=0.5)", s);
        char section[64], key[64];
        if ((size_t)(dot - s) >= sizeof section || (size_t)(eq - dot - 1) >= sizeof key)
            return nnq_err_set(err, NNQ_ERR_CONFIG, "--set %s: section or key too long", s);
        fmt(section, sizeof section, "%.*s", (int)(dot - s), s);
        fmt(key, sizeof key, "%.*s", (int)(eq - dot - 1), dot + 1);
        trim(section);
        trim(key);
        char value[NNQ_STR_MAX];
        fmt(value, sizeof value, "%s", eq + 1);
        trim(value);
        const char *v0 = eq + 1, *v1 = eq + strlen(eq);
        while (v0 < v1 && isspace((unsigned char)*v0))
            v0++;
        while (v1 > v0 && isspace((unsigned char)v1[-1]))
            v1--;
        if (v1 - v0 >= NNQ_STR_MAX)
            return nnq_err_set(err, NNQ_ERR_CONFIG,
                               "--set %s.%s: the value is longer than %d characters, the most a "
                               "value holds",
                               section, key, NNQ_STR_MAX - 1);
        if (!reads_back(key, value))
            return nnq_err_set(err, NNQ_ERR_CONFIG,
                               "--set %s: the value would not read back the same from the stored "
                               "config (a value cannot start with ';', which INI reads as a "
                               "comment)",
                               s);
        if (!apply_value(&ctx, section, key, value, -(i + 1)))
            return err ? err->code : NNQ_ERR_CONFIG;
    }
    if (validate(&ctx) != NNQ_OK)
        return err ? err->code : NNQ_ERR_CONFIG;
    return NNQ_OK;
}

enum nnq_status nnq_config_load(const char *path, const char *const *sets, int nsets,
                                struct nnq_config *cfg, struct nnq_err *err) {
    struct stat st;
    if (stat(path, &st) != 0)
        return nnq_err_set(err, NNQ_ERR_CONFIG, "%s: cannot read config: %s", path,
                           strerror(errno));
    if (!S_ISREG(st.st_mode))
        return nnq_err_set(err, NNQ_ERR_CONFIG, "%s: not a regular file (a directory?)", path);
    if (st.st_size > NNQ_CONFIG_FILE_MAX)
        return nnq_err_set(err, NNQ_ERR_CONFIG, "%s: config larger than %d bytes", path,
                           NNQ_CONFIG_FILE_MAX);
    FILE *f = fopen(path, "rb");
    if (!f)
        return nnq_err_set(err, NNQ_ERR_CONFIG, "%s: cannot open config: %s", path,
                           strerror(errno));
    char *text = malloc((size_t)st.st_size + 1);
    if (!text) {
        fclose(f);
        return nnq_err_set(err, NNQ_ERR_RUNTIME, "%s: out of memory", path);
    }
    size_t got = fread(text, 1, (size_t)st.st_size, f);
    int failed = ferror(f);
    fclose(f);
    if (failed) {
        free(text);
        return nnq_err_set(err, NNQ_ERR_CONFIG, "%s: read error", path);
    }
    text[got] = '\0';
    enum nnq_status rc;
    if (memchr(text, '\0', got))
        rc = nnq_err_set(err, NNQ_ERR_CONFIG, "%s: binary content (NUL byte): not an INI text file",
                         path);
    else if (got == 0 || text[strspn(text, " \t\r\n")] == '\0')
        rc = nnq_err_set(err, NNQ_ERR_CONFIG, "%s: empty config (expected [grid], [run], ...)",
                         path);
    else
        rc = nnq_config_load_string(text, path, sets, nsets, cfg, err);
    free(text);
    return rc;
}

enum nnq_status nnq_config_expand(const struct nnq_config *cfg, const char *pattern, char *out,
                                  size_t size, struct nnq_err *err) {
    size_t used = 0;
    for (const char *p = pattern; *p;) {
        if (*p != '{') {
            if (used + 1 >= size)
                return nnq_err_set(err, NNQ_ERR_CONFIG, "'%s' expands to more than %zu characters",
                                   pattern, size - 1);
            out[used++] = *p++;
            continue;
        }
        const char *close = strchr(p, '}');
        if (!close)
            return nnq_err_set(err, NNQ_ERR_CONFIG, "'%s': '{' without '}'", pattern);
        char name[128];
        fmt(name, sizeof name, "%.*s", (int)(close - p - 1), p + 1);
        if (strcmp(name, "name") == 0)
            fmt(name, sizeof name, "run.name");
        const char *dot = strchr(name, '.');
        int k = -1;
        if (dot) {
            char section[64];
            fmt(section, sizeof section, "%.*s", (int)(dot - name), name);
            k = find_key(section, dot + 1);
        }
        if (k < 0)
            return nnq_err_set(err, NNQ_ERR_CONFIG,
                               "'%s': unknown placeholder {%s} (expected {name} or "
                               "{section.key}, e.g. {network.mu})",
                               pattern, name);
        const char *value = cfg->origin[k] ? cfg->raw[k] : keys[k].def;
        if (!value[0])
            return nnq_err_set(err, NNQ_ERR_CONFIG, "'%s': {%s} has no value in this config",
                               pattern, name);
        for (const char *v = value; *v; v++) {
            if (used + 1 >= size)
                return nnq_err_set(err, NNQ_ERR_CONFIG, "'%s' expands to more than %zu characters",
                                   pattern, size - 1);
            /* a list "1, 2" becomes "1_2": no blanks or commas in file names */
            if (*v == ' ' || *v == '\t')
                continue;
            out[used++] = *v == ',' ? '_' : *v;
        }
        p = close + 1;
    }
    out[used] = '\0';
    return NNQ_OK;
}

size_t nnq_config_dump(const struct nnq_config *cfg, char *buf, size_t size) {
    size_t used = 0;
    const char *section = NULL;
    for (int k = 0; k < NNQ_KEY_COUNT; k++) {
        if (cfg->origin[k] == 0)
            continue;
        char tmp[2 * NNQ_STR_MAX];
        int n = 0;
        if (!section || strcmp(section, keys[k].section) != 0) {
            section = keys[k].section;
            n = snprintf(tmp, sizeof tmp, "%s[%s]\n", used ? "\n" : "", section);
        }
        n += snprintf(tmp + n, sizeof tmp - (size_t)n, "%s = %s\n", keys[k].name, cfg->raw[k]);
        if (used + 1 < size) {
            size_t room = size - 1 - used, take = (size_t)n < room ? (size_t)n : room;
            memcpy(buf + used, tmp, take);
            buf[used + take] = '\0';
        }
        used += (size_t)n;
    }
    for (int r = 0; r < cfg->nregions; r++) {
        char tmp[2 * NNQ_STR_MAX];
        const int n = snprintf(tmp, sizeof tmp, "%s%s = %s\n", r ? "" : "\n[regions]\n",
                               cfg->region[r].name, cfg->region[r].expr);
        if (used + 1 < size) {
            size_t room = size - 1 - used, take = (size_t)n < room ? (size_t)n : room;
            memcpy(buf + used, tmp, take);
            buf[used + take] = '\0';
        }
        used += (size_t)n;
    }
    if (size > 0 && used == 0)
        buf[0] = '\0';
    return used;
}

void nnq_config_key_doc(enum nnq_key k, struct nnq_key_doc *d) {
    const struct key_info *ki = &keys[k];
    d->section = ki->section;
    d->name = ki->name;
    d->def = ki->def[0] ? ki->def : "-";
    d->unit = ki->unit;
    d->doc = ki->doc;
    if (ki->type == T_ENUM || ki->type == T_SET ||
        ((ki->type == T_INT || ki->type == T_ILIST) && strcmp(ki->range, "any") != 0)) {
        fmt(d->type, sizeof d->type, "%s: %s", type_names[ki->type], ki->range);
        for (char *c = d->type; *c; c++)
            if (*c == '|')
                *c = '/';
    } else if ((ki->type == T_DBL || ki->type == T_DLIST) && strcmp(ki->range, "any") != 0)
        fmt(d->type, sizeof d->type, "%s, %s", type_names[ki->type],
            strcmp(ki->range, "pos") == 0 ? "> 0" : ">= 0");
    else
        fmt(d->type, sizeof d->type, "%s", type_names[ki->type]);
    d->uses[0] = '\0';
    if (ki->uses[0] && strcmp(ki->uses, "-") != 0) {
        /* "a|b|-": presets a and b, or none */
        const size_t len = strlen(ki->uses);
        const int none = len > 2 && strcmp(ki->uses + len - 2, "|-") == 0;
        fmt(d->uses, sizeof d->uses, " (presets: %.*s%s)", (int)(len - (none ? 2 : 0)), ki->uses,
            none ? "; or none" : "");
        for (char *c = d->uses; *c; c++)
            if (*c == '|')
                *c = ',';
    }
}

void nnq_config_print_reference(FILE *out) {
    const char *section = NULL;
    for (int k = 0; k < NNQ_KEY_COUNT; k++) {
        struct nnq_key_doc d;
        nnq_config_key_doc((enum nnq_key)k, &d);
        if (!section || strcmp(section, d.section) != 0) {
            section = d.section;
            fprintf(out,
                    "%s### [%s]\n\n| key | type | default | unit | description |\n"
                    "|---|---|---|---|---|\n",
                    k ? "\n" : "", section);
        }
        fprintf(out, "| `%s` | %s | %s | %s | %s%s |\n", d.name, d.type, d.def, d.unit, d.doc,
                d.uses);
    }
}

char *nnq_config_place(const struct nnq_config *cfg, enum nnq_key k, char *buf, size_t size) {
    if (cfg->origin[k] > 0)
        snprintf(buf, size, "%s:%d: ", cfg->path, cfg->origin[k]);
    else
        snprintf(buf, size, "%s: ", cfg->path);
    return buf;
}

double nnq_config_kinetic_phase(const struct nnq_config *cfg) {
    double k2 = 0.0;
    for (int i = 0; i < cfg->dims; i++) {
        double dq = (cfg->qmax[i] - cfg->qmin[i]) / (double)cfg->n[i];
        k2 += (M_PI / dq) * (M_PI / dq);
    }
    return cfg->hbar * k2 * cfg->run_dt / (2.0 * cfg->particle_mass);
}
