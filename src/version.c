/* version.c - what this build is (see include/nnq/version.h). */
#include "nnq/version.h"

#include <fftw3.h>
#include <hdf5.h>
#include <stdarg.h>
#include <stdio.h>

#include "nnq/par.h"
#include "nnq_revision.h" /* generated at every build: cmake/revision.cmake */
#ifdef NNQ_HAVE_MPI
#include <mpi.h>
#endif

const char *nnq_version(void) { return NNQ_VERSION; }

const char *nnq_revision(void) { return NNQ_REVISION; }

/* Appends to buf[*len ..] what fits, counting all of it in *len. */
__attribute__((format(printf, 4, 5))) static void add(char *buf, size_t size, size_t *len,
                                                      const char *f, ...) {
    va_list ap;
    va_start(ap, f);
    int n = vsnprintf(*len < size ? buf + *len : NULL, *len < size ? size - *len : 0, f, ap);
    va_end(ap);
    *len += n > 0 ? (size_t)n : 0;
}

size_t nnq_build_options(char *buf, size_t size) {
    size_t len = 0;
    if (size > 0)
        buf[0] = '\0';
#ifdef NNQ_HAVE_MPI
    char lib[MPI_MAX_LIBRARY_VERSION_STRING] = "";
    int n = 0;
    MPI_Get_library_version(lib, &n);
    for (int i = 0; lib[i]; i++)
        if (lib[i] == ',' || lib[i] == '\n') {
            lib[i] = '\0';
            break;
        }
    add(buf, size, &len, "MPI: yes (%s; %d rank%s now)\n", lib, nnq_par_size(),
        nnq_par_size() == 1 ? "" : "s");
#else
    add(buf, size, &len, "MPI: no (serial build)\n");
#endif
#ifdef _OPENMP
    add(buf, size, &len, "OpenMP: %d (threads: [run] threads or --threads)\n", _OPENMP);
#else
    add(buf, size, &len, "OpenMP: no\n");
#endif
    unsigned maj = 0, min = 0, rel = 0;
    H5get_libversion(&maj, &min, &rel);
    add(buf, size, &len, "FFTW: %s (OpenMP threads)\nHDF5: %u.%u.%u%s\n", fftw_version, maj, min,
        rel,
#ifdef H5_HAVE_PARALLEL
        " (parallel)"
#else
        ""
#endif
    );
#if defined(NNQ_HAVE_LIBMVEC) && defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
    __builtin_cpu_init();
    const char *cpu = __builtin_cpu_supports("avx512f") ? "x86-64-v4"
                      : __builtin_cpu_supports("avx2")  ? "avx2"
                                                        : "default";
    add(buf, size, &len,
        "SIMD: Madelung loops cloned for x86-64-v4, avx2, default (this CPU runs %s); "
        "libmvec log\n",
        cpu);
#else
    add(buf, size, &len, "SIMD: the compiler's baseline (no run-time clones)\n");
#endif
#if defined(__clang__)
    add(buf, size, &len, "compiler: clang %s\n", __clang_version__);
#elif defined(__GNUC__)
    add(buf, size, &len, "compiler: GCC %s\n", __VERSION__);
#endif
    return len;
}
