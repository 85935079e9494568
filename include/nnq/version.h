/*
 * version.h - what this build of nnq is: its version, the git revision it was built from, and
 * the options it was built with (for `nnq --version` and bug reports).
 */
#ifndef NNQ_VERSION_H
#define NNQ_VERSION_H

#include <stddef.h>

/* The release, "0.1.0". Cannot fail. */
const char *nnq_version(void);

/* `git describe` of the checkout the library was built from ("0da85a5c1e2f", "-dirty" when it
 * had uncommitted changes), or "" when it was not built from a git checkout. Cannot fail. */
const char *nnq_revision(void);

/*
 * The build's options as lines "name: value" into buf (size bytes, NUL-terminated, truncated
 * to fit): MPI, OpenMP, FFTW, HDF5, the SIMD clones of the hot loops and which one this CPU
 * runs, the compiler. Returns the length it needs, like snprintf. Cannot fail.
 */
size_t nnq_build_options(char *buf, size_t size);

#endif
