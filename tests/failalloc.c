/*
 * failalloc.c - an LD_PRELOAD library for test_mpi.sh: one rank's allocation fails, so that a
 * test sees whether the other ranks wait for it in a collective (a hang) or stop with it.
 *
 * On the rank whose OMPI_COMM_WORLD_RANK is NNQ_FAIL_RANK, the NNQ_FAIL_AT-th allocation of
 * NNQ_FAIL_BYTES or more that nnq's own code asks for (malloc, calloc, realloc and fftw_malloc
 * called from the executable; the libraries' own allocations pass, as their failures are
 * theirs to report) returns NULL. NNQ_FAIL_AT = 0 fails none and writes how many there were to
 * the file NNQ_FAIL_COUNT at exit; NNQ_FAIL_LOG names a file that gets a line per counted
 * allocation (its number, size and caller's offset in the executable, for addr2line). Not part
 * of nnq.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *(*next_malloc)(size_t);
static void *(*next_calloc)(size_t, size_t);
static void *(*next_realloc)(void *, size_t);
static void *(*next_fftw_malloc)(size_t);
static uintptr_t exe_lo, exe_hi; /* the executable's addresses: callers there are nnq's */

static int state = -1; /* -1 unread, 0 off, 1 counting on this rank */
static long seen, at;
static size_t bytes;

/* dlsym may allocate before the next functions are known: those come from here */
static unsigned char early[8192];
static size_t early_used;

static void *early_alloc(size_t n) {
    const size_t want = (n + 15) & ~(size_t)15;
    if (early_used + want > sizeof early)
        return NULL;
    void *p = early + early_used;
    early_used += want;
    return memset(p, 0, n);
}

/* The main program's loaded segments (the first object dl_iterate_phdr reports). */
static int program_range(struct dl_phdr_info *info, size_t size, void *data) {
    (void)size;
    (void)data;
    for (int k = 0; k < info->dlpi_phnum; k++)
        if (info->dlpi_phdr[k].p_type == PT_LOAD) {
            const uintptr_t lo = info->dlpi_addr + info->dlpi_phdr[k].p_vaddr;
            const uintptr_t hi = lo + info->dlpi_phdr[k].p_memsz;
            exe_lo = !exe_lo || lo < exe_lo ? lo : exe_lo;
            exe_hi = hi > exe_hi ? hi : exe_hi;
        }
    return 1; /* the first object only */
}

static void setup(void) {
    if (state >= 0)
        return;
    state = 0; /* the allocations inside dlsym come from early[] */
    next_malloc = (void *(*)(size_t))dlsym(RTLD_NEXT, "malloc");
    next_calloc = (void *(*)(size_t, size_t))dlsym(RTLD_NEXT, "calloc");
    next_realloc = (void *(*)(void *, size_t))dlsym(RTLD_NEXT, "realloc");
    next_fftw_malloc = (void *(*)(size_t))dlsym(RTLD_NEXT, "fftw_malloc");
    dl_iterate_phdr(program_range, NULL);
    const char *rank = getenv("OMPI_COMM_WORLD_RANK"), *want = getenv("NNQ_FAIL_RANK");
    const char *b = getenv("NNQ_FAIL_BYTES"), *a = getenv("NNQ_FAIL_AT");
    if (rank && want && b && a && strcmp(rank, want) == 0) {
        bytes = (size_t)strtoull(b, NULL, 10);
        at = strtol(a, NULL, 10);
        state = 1;
    }
}

/* 1 where this allocation, asked for from code at `from`, is the one to fail */
static int fails(size_t n, const void *from) {
    setup();
    if (state != 1 || n < bytes)
        return 0;
    if ((uintptr_t)from < exe_lo || (uintptr_t)from >= exe_hi)
        return 0;
    ++seen;
    const char *log = getenv("NNQ_FAIL_LOG");
    if (log) {
        FILE *f = fopen(log, "a");
        if (f) {
            fprintf(f, "%ld %zu %#lx\n", seen, n, (unsigned long)((uintptr_t)from - exe_lo));
            fclose(f);
        }
    }
    return seen == at;
}

#define FROM __builtin_return_address(0)

void *malloc(size_t n) {
    if (fails(n, FROM))
        return errno = ENOMEM, NULL;
    return next_malloc ? next_malloc(n) : early_alloc(n);
}

void *calloc(size_t k, size_t n) {
    if (fails(k * n, FROM))
        return errno = ENOMEM, NULL;
    return next_calloc ? next_calloc(k, n) : early_alloc(k * n);
}

void *realloc(void *p, size_t n) {
    if (fails(n, FROM))
        return errno = ENOMEM, NULL;
    return next_realloc(p, n);
}

void *fftw_malloc(size_t n); /* FFTW's, which this one stands in front of */

void *fftw_malloc(size_t n) {
    if (fails(n, FROM))
        return NULL;
    return next_fftw_malloc(n);
}

void free(void *p) {
    static void (*next_free)(void *);
    if ((unsigned char *)p >= early && (unsigned char *)p < early + sizeof early)
        return;
    if (!next_free)
        next_free = (void (*)(void *))dlsym(RTLD_NEXT, "free");
    next_free(p);
}

__attribute__((destructor)) static void report(void) {
    const char *path = getenv("NNQ_FAIL_COUNT");
    if (state == 1 && at == 0 && path) {
        FILE *f = fopen(path, "w");
        if (f) {
            fprintf(f, "%ld\n", seen);
            fclose(f);
        }
    }
}
