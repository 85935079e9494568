/*
 * simd.h - (inside the library) glibc's vector math and run-time chosen clones of hot loops.
 *
 * math.h declares the SIMD variants of libmvec (log, exp, sin, cos, atan2, ... in 2, 4 or 8 lanes)
 * only under -ffast-math, which nnq does not use (its NaN checks must work). nnq_simd_log ... are
 * libm's functions under names declared SIMD-callable: GCC's vectorizer calls libmvec's
 * variants for them where a loop vectorizes, the scalar function in a loop's remainder, and
 * every other call of log, exp, sin, cos stays scalar. The variants' results are within 4 ulp
 * of the scalar functions'. NNQ_CLONES gives a hot function AVX2 and AVX-512 clones, chosen at
 * run time where the CPU has them; the x86-64 baseline elsewhere.
 */
#ifndef NNQ_SIMD_H
#define NNQ_SIMD_H

#include <math.h>

#if defined(NNQ_HAVE_LIBMVEC) && defined(__GNUC__) && !defined(__clang__)
#define NNQ_SIMD_MATH(name)                                                                        \
    _Pragma("omp declare simd notinbranch") extern double __attribute__((const, nothrow))          \
    nnq_simd_##name(double) __asm__(#name)
NNQ_SIMD_MATH(log);
NNQ_SIMD_MATH(exp);
NNQ_SIMD_MATH(sin);
NNQ_SIMD_MATH(cos);
NNQ_SIMD_MATH(tan);
NNQ_SIMD_MATH(asin);
NNQ_SIMD_MATH(acos);
NNQ_SIMD_MATH(atan);
NNQ_SIMD_MATH(sinh);
NNQ_SIMD_MATH(cosh);
NNQ_SIMD_MATH(tanh);
NNQ_SIMD_MATH(erf);
_Pragma("omp declare simd notinbranch") extern double __attribute__((const, nothrow))
nnq_simd_atan2(double, double) __asm__("atan2");
_Pragma("omp declare simd notinbranch") extern double __attribute__((const, nothrow))
nnq_simd_pow(double, double) __asm__("pow");
#else
#define nnq_simd_log log
#define nnq_simd_exp exp
#define nnq_simd_sin sin
#define nnq_simd_cos cos
#define nnq_simd_tan tan
#define nnq_simd_asin asin
#define nnq_simd_acos acos
#define nnq_simd_atan atan
#define nnq_simd_sinh sinh
#define nnq_simd_cosh cosh
#define nnq_simd_tanh tanh
#define nnq_simd_erf erf
#define nnq_simd_atan2 atan2
#define nnq_simd_pow pow
#endif

#if defined(NNQ_HAVE_LIBMVEC) && defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define NNQ_CLONES __attribute__((target_clones("arch=x86-64-v4", "avx2", "default")))
#else
#define NNQ_CLONES
#endif

#include <stddef.h>

/* max |psi|^2 over n points of the interleaved psi; 0 for none (NaN points are passed over). */
NNQ_CLONES static inline double nnq_simd_max_density(const double *restrict psi, ptrdiff_t n) {
    double top = 0;
#pragma omp simd reduction(max : top)
    for (ptrdiff_t i = 0; i < n; i++) {
        const double p = psi[2 * i] * psi[2 * i] + psi[2 * i + 1] * psi[2 * i + 1];
        top = p > top ? p : top;
    }
    return top;
}

#endif
