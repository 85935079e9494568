/* manual.c - --help and the man page nnq(1) from one set of tables (see manual.h). */
#include "manual.h"

#include <string.h>

#include "nnq/config.h"
#include "nnq/version.h"

static const char *const synopsis[] = {
    "simulate CONFIG [-o OUT.h5] [--set S.K=V]... [--threads N] [--force] [--quiet]",
    "simulate --resume OUT.h5 [--threads N] [--quiet]",
    "converge CONFIG [-o OUT.h5] [--levels L] [--set S.K=V]... [--threads N] [--force] [--quiet]",
    "check CONFIG [--set S.K=V]...",
    "info OUT.h5 [--csv]",
    "--help | --help-config | --version | --man | --list-keys",
};

static const struct {
    const char *name, *text;
} commands[] = {
    {"simulate", "run CONFIG; the last line on stdout is a JSON summary"},
    {"converge", "run CONFIG at n, 2n .. 2^(L-1) n: is the parting converged?"},
    {"check", "validate CONFIG: hbar, spacings, stability, memory, output size"},
    {"info", "what an output file holds; --csv: its diagnostics as CSV"},
};

static const struct {
    const char *flag, *arg, *text;
} options[] = {
    {"-o, --output", "OUT.h5",
     "output file (overrides [output] file; {name}, {section.key} expand)"},
    {"--set", "S.K=V", "override key K of section S (repeatable; validated like the file)"},
    {"--threads", "N", "threads for FFTW and the loops (overrides [run] threads)"},
    {"--force", NULL, "overwrite an existing output file"},
    {"--resume", "OUT.h5", "continue a stopped run from its checkpoint (its stored config)"},
    {"--levels", "L", "converge: resolutions, 2 to 4 (default 2)"},
    {"--quiet", NULL, "only the JSON line on stdout, no progress"},
};

static const struct {
    const char *flag, *text;
} informative[] = {
    {"--help", "this summary"},
    {"--help-config", "every config key as Markdown tables (docs/config.md)"},
    {"--version", "version, git revision and build options"},
    {"--man", "this manual page as roff"},
    {"--list-keys", "every config key as section.key, one per line (for shell completion)"},
};

static const struct {
    int code;
    const char *name, *text;
} exit_codes[] = {
    {0, "ok",
     "the run ended as planned (a Madelung description that ended on the way is in the "
     "summary: [madelung] on_failure)"},
    {1, "runtime error", "out of memory, a file that cannot be written, MPI, FFTW"},
    {2, "usage or config error", "the message names file, line and key"},
    {3, "numerical failure",
     "NaN, a norm that drifted (the Madelung state's only with [madelung] on_failure = stop); "
     "the file keeps every good row"},
    {130, "interrupted",
     "SIGINT, SIGTERM or SIGUSR1: a checkpoint is written and the file closed valid (during "
     "set-up: nothing is written)"},
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

void nnq_manual_keys(FILE *out) {
    for (int k = 0; k < NNQ_KEY_COUNT; k++) {
        struct nnq_key_doc d;
        nnq_config_key_doc((enum nnq_key)k, &d);
        fprintf(out, "%s.%s\n", d.section, d.name);
    }
}

void nnq_manual_exit_codes(FILE *out) {
    fputs("Exit codes:", out);
    for (size_t k = 0; k < COUNT(exit_codes); k++)
        fprintf(out, "%s %d %s", k ? "," : "", exit_codes[k].code, exit_codes[k].name);
    fputs(".\n", out);
}

void nnq_manual_help(FILE *out) {
    for (size_t k = 0; k < COUNT(synopsis); k++)
        fprintf(out, "%s nnq %s\n", k ? "      " : "usage:", synopsis[k]);
    fputs("\nSchrodinger and Madelung dynamics of neural-network ensembles (Katsnelson &\n"
          "Vanchurin, Found. Phys. 51, 94 (2021)), with hbar = mu * epsilon.\n\n",
          out);
    for (size_t k = 0; k < COUNT(commands); k++)
        fprintf(out, "  %-20s %s\n", commands[k].name, commands[k].text);
    for (size_t k = 0; k < COUNT(options); k++) {
        char flag[64];
        snprintf(flag, sizeof flag, "%s%s%s", options[k].flag, options[k].arg ? " " : "",
                 options[k].arg ? options[k].arg : "");
        fprintf(out, "  %-20s %s\n", flag, options[k].text);
    }
    nnq_manual_exit_codes(out);
    fputs("The manual, with every config key, files and examples: man nnq (or nnq --man).\n", out);
}

/* s for roff: a backslash as \e, a hyphen as \-. */
static void roff(FILE *out, const char *s) {
    for (; *s; s++)
        if (*s == '\\')
            fputs("\\e", out);
        else if (*s == '-')
            fputs("\\-", out);
        else
            fputc(*s, out);
}

void nnq_manual_man(FILE *out) {
    fprintf(out, ".TH NNQ 1 \"\" \"nnq %s\" \"User Commands\"\n", nnq_version());
    fputs(".SH NAME\nnnq \\- Schrodinger and Madelung dynamics of neural\\-network ensembles\n"
          ".SH SYNOPSIS\n",
          out);
    for (size_t k = 0; k < COUNT(synopsis); k++) {
        fputs(".B nnq\n", out);
        roff(out, synopsis[k]);
        fputs("\n.br\n", out);
    }
    fputs(".SH DESCRIPTION\n"
          "Katsnelson and Vanchurin (\"Emergent Quantumness in Neural Networks\", Found. Phys. 51, "
          "94 (2021)) describe the trainable variables q of a neural network by a density p(t, q) "
          "and the free energy F(t, q) of its hidden variables. A canonical ensemble follows the "
          "Madelung equations; a grand canonical one (neurons come and go at chemical potential "
          "mu) makes F multivalued and follows the Schrodinger equation with hbar = mu * epsilon "
          "and psi = sqrt(p) exp(i F / hbar).\n.PP\n"
          ".B nnq\n"
          "evolves both descriptions side by side on a 1\\-, 2\\- or 3\\-dimensional grid (a "
          "split\\-step Fourier Schrodinger solver and a finite\\-volume Madelung solver), "
          "measures where they part and where F stops being single\\-valued, and can follow "
          "single networks (Bohm, Madelung and Nelson trajectories). It writes an HDF5 file "
          "(h5py, h5dump) with an XDMF sidecar (ParaView, VisIt).\n"
          ".SH COMMANDS\n",
          out);
    for (size_t k = 0; k < COUNT(commands); k++) {
        fprintf(out, ".TP\n.B %s\n", commands[k].name);
        roff(out, commands[k].text);
        fputc('\n', out);
    }
    fputs(".SH OPTIONS\n", out);
    for (size_t k = 0; k < COUNT(options); k++) {
        fputs(".TP\n\\fB", out);
        roff(out, options[k].flag);
        fputs("\\fR", out);
        if (options[k].arg) {
            fputs(" \\fI", out);
            roff(out, options[k].arg);
            fputs("\\fR", out);
        }
        fputc('\n', out);
        roff(out, options[k].text);
        fputc('\n', out);
    }
    for (size_t k = 0; k < COUNT(informative); k++) {
        fputs(".TP\n\\fB", out);
        roff(out, informative[k].flag);
        fputs("\\fR\n", out);
        roff(out, informative[k].text);
        fputc('\n', out);
    }
    fputs(".SH CONFIGURATION\n"
          "CONFIG is an INI file: sections [run], [grid], [network], [particle], [potential], "
          "[initial], [madelung], [defects], [trajectories], [classical], [basins], [output], "
          "each key once, and [regions], whose keys are names: NAME = condition (an expression "
          "of the axes, true where nonzero, or one comparison A < B, <=, >, >=). Lists are "
          "separated by commas or blanks; per\\-axis lists hold one value or one per axis; "
          "expressions (libmatheval) use x, y, z (q0, q1, q2), t (V only), hbar and mass. An "
          "error names the file, the line and the key.\n",
          out);
    const char *section = NULL;
    for (int k = 0; k < NNQ_KEY_COUNT; k++) {
        struct nnq_key_doc d;
        nnq_config_key_doc((enum nnq_key)k, &d);
        if (!section || strcmp(section, d.section) != 0)
            fprintf(out, ".SS [%s]\n", section = d.section);
        fprintf(out, ".TP\n\\fB%s\\fR (", d.name);
        roff(out, d.type);
        fputs("; default ", out);
        roff(out, strcmp(d.def, "-") ? d.def : "none");
        if (strcmp(d.unit, "-") != 0) {
            fputs("; unit ", out);
            roff(out, d.unit);
        }
        fputs(")\n", out);
        roff(out, d.doc);
        roff(out, d.uses);
        fputc('\n', out);
    }
    fputs(".SH EXIT STATUS\n", out);
    for (size_t k = 0; k < COUNT(exit_codes); k++) {
        fprintf(out, ".TP\n.B %d\n", exit_codes[k].code);
        roff(out, exit_codes[k].name);
        fputs(": ", out);
        roff(out, exit_codes[k].text);
        fputc('\n', out);
    }
    fputs(".SH ENVIRONMENT\n"
          ".TP\n.B NNQ_WISDOM\n"
          "file where FFTW wisdom is kept between runs (default "
          "$XDG_CACHE_HOME/nnq/fftw\\-wisdom, else ~/.cache/nnq/fftw\\-wisdom; empty: none).\n"
          ".SH FILES\n"
          ".TP\n.I OUT.h5\n"
          "the run: grid, V, snapshots of both descriptions, diagnostics rows, trajectories, "
          "the stored config and a checkpoint.\n"
          ".TP\n.I OUT.xmf\n"
          "the XDMF sidecar that ParaView and VisIt open as a time series.\n"
          ".TP\n.I /usr/share/doc/nnq\n"
          "README, docs (theory, config, output, validation, performance) and examples.\n"
          ".SH EXAMPLES\n"
          "A coherent state in a harmonic trap, both descriptions, and its figure:\n"
          ".PP\n.nf\n"
          "nnq simulate /usr/share/doc/nnq/examples/quickstart.ini\n"
          "python3 /usr/share/doc/nnq/examples/plot.py quickstart.h5\n"
          ".fi\n.PP\n"
          "A sweep of the chemical potential, one JSON line per run:\n"
          ".PP\n.nf\n"
          "for mu in 0.5 1 2; do nnq simulate run.ini \\-\\-quiet \\-\\-set network.mu=$mu "
          "\\-o run_mu{network.mu}.h5; done > results.jsonl\n"
          ".fi\n.PP\n"
          "Four MPI ranks, then continuing a run stopped by Ctrl\\-C:\n"
          ".PP\n.nf\n"
          "mpirun \\-np 4 nnq simulate run.ini\n"
          "nnq simulate \\-\\-resume run.h5\n"
          ".fi\n"
          ".SH SEE ALSO\n"
          ".BR h5dump (1),\n.BR mpirun (1),\n.BR paraview (1)\n",
          out);
}
