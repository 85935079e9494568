/*
 * bench_bare.c - the bare FFTW split-step loop as a whole program: the reference a whole nnq
 * run is measured against (tests/bench/whole_process.sh; not part of ctest). The problem of
 * that script's nnq config: a Gaussian (width 1/sqrt 2, at q0 = 1) in the harmonic trap
 * V = q^2/2 on [-10, 10)^d, hbar = m = 1, Strang splitting with merged half kicks, in place,
 * FFTW_MEASURE plans with wisdom read from and written back to WISDOM, as nnq does. Prints
 * the norm at the end (so that nothing is optimised away).
 * Usage: bench_bare DIMS N STEPS DT THREADS WISDOM
 */
#define _DEFAULT_SOURCE /* M_PI */
#include <complex.h>
#include <fftw3.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* psi *= f pointwise, on interleaved doubles (C's complex '*' calls __muldc3). */
static void multiply(double complex *psi, const double complex *f, ptrdiff_t n, int threads) {
    double *p = (double *)psi;
    const double *a = (const double *)f;
#pragma omp parallel for num_threads(threads) if (n > 16384)
    for (ptrdiff_t i = 0; i < n; i++) {
        const double re = p[2 * i], im = p[2 * i + 1];
        p[2 * i] = re * a[2 * i] - im * a[2 * i + 1];
        p[2 * i + 1] = re * a[2 * i + 1] + im * a[2 * i];
    }
}

int main(int argc, char **argv) {
    if (argc != 7) {
        fprintf(stderr, "usage: bench_bare DIMS N STEPS DT THREADS WISDOM\n");
        return 2;
    }
    const int d = atoi(argv[1]), n1 = atoi(argv[2]), threads = atoi(argv[5]);
    const long steps = atol(argv[3]);
    const double dt = atof(argv[4]), L = 20.0, dq = L / n1;
    if (d < 1 || d > 2 || n1 < 4 || steps < 1 || threads < 1) {
        fprintf(stderr, "bench_bare: DIMS 1 or 2, N >= 4, STEPS >= 1, THREADS >= 1\n");
        return 2;
    }
    fftw_init_threads();
    fftw_plan_with_nthreads(threads);
    fftw_import_wisdom_from_filename(argv[6]);
    const ptrdiff_t n = d == 1 ? n1 : (ptrdiff_t)n1 * n1;
    double complex *psi = fftw_malloc(sizeof *psi * (size_t)n),
                   *half = fftw_malloc(sizeof *half * (size_t)n),
                   *full = fftw_malloc(sizeof *full * (size_t)n),
                   *drift = fftw_malloc(sizeof *drift * (size_t)n);
    const int dims[2] = {n1, n1};
    fftw_plan fw = fftw_plan_dft(d, dims, psi, psi, FFTW_FORWARD, FFTW_MEASURE);
    fftw_plan bw = fftw_plan_dft(d, dims, psi, psi, FFTW_BACKWARD, FFTW_MEASURE);
    for (ptrdiff_t i = 0; i < n; i++) {
        const ptrdiff_t i0 = d == 1 ? i : i / n1, i1 = d == 1 ? 0 : i % n1;
        const double x = -10 + dq * (double)i0, y = d == 1 ? 0 : -10 + dq * (double)i1;
        const double V = 0.5 * (x * x + y * y);
        const ptrdiff_t j0 = i0 < n1 / 2 ? i0 : i0 - n1, j1 = i1 < n1 / 2 ? i1 : i1 - n1;
        const double k0 = 2 * M_PI / L * (double)j0, k1 = d == 1 ? 0 : 2 * M_PI / L * (double)j1;
        psi[i] = exp(-0.5 * ((x - 1) * (x - 1) + y * y)) / pow(M_PI, 0.25 * d);
        half[i] = cexp(-I * 0.5 * dt * V);
        full[i] = cexp(-I * dt * V);
        drift[i] = cexp(-I * 0.5 * dt * (k0 * k0 + k1 * k1)) / (double)n;
    }
    multiply(psi, half, n, threads);
    for (long s = 0; s < steps; s++) {
        fftw_execute(fw);
        multiply(psi, drift, n, threads);
        fftw_execute(bw);
        multiply(psi, s + 1 < steps ? full : half, n, threads);
    }
    double norm = 0;
    for (ptrdiff_t i = 0; i < n; i++)
        norm += creal(psi[i]) * creal(psi[i]) + cimag(psi[i]) * cimag(psi[i]);
    printf("norm %.15f\n", norm * pow(dq, d));
    fftw_export_wisdom_to_filename(argv[6]);
    fftw_destroy_plan(fw);
    fftw_destroy_plan(bw);
    fftw_free(psi);
    fftw_free(half);
    fftw_free(full);
    fftw_free(drift);
    fftw_cleanup_threads();
    return 0;
}
