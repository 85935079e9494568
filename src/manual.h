/*
 * manual.h - the program's documentation, declared once: the commands, options, exit codes,
 * environment and examples that `nnq --help` prints on one screen and `nnq --man` as the man
 * page nnq(1) (generated at build time, so the two cannot drift), with the config keys of
 * nnq_config_print_reference.
 */
#ifndef NNQ_MANUAL_H
#define NNQ_MANUAL_H

#include <stdio.h>

/* The one-screen usage (at most 24 lines). Cannot fail. */
void nnq_manual_help(FILE *out);

/* The man page nnq(1), in roff (man macros). Cannot fail. */
void nnq_manual_man(FILE *out);

/* Every config key as "section.key", one per line (for shell completion). Cannot fail. */
void nnq_manual_keys(FILE *out);

/* The exit codes as one sentence, "Exit codes: 0 ok, ...". Cannot fail. */
void nnq_manual_exit_codes(FILE *out);

#endif
