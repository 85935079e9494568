/*
 * madelung_stress.h - (inside the library) the quantum stress of the momentum form at a face,
 * the part of its flux that makes the fluid quantum:
 *
 *     Sigma_ak = -(hbar^2 / 4 m^2) p d_a d_k ln p      (T. Takabayasi, Prog. Theor. Phys. 8,
 *                                                        143 (1952))
 *
 * so that div Sigma = (p / m) grad Q with Bohm's Q = -(hbar^2 / 2m) Lap(sqrt p) / sqrt p. At a
 * face along a between cells A and B: p_f = (p_A + p_B) / 2; d_a d_a ln p from the four cells
 * A - 1, A, B, B + 1 (the face's centred second difference); d_a d_k ln p (k != a) as the
 * difference across the face of the cells' central d_k ln p. The coefficient `stress` is
 * -hbar^2 / 4 m^2, or 0 for the classical limit.
 */
#ifndef NNQ_MADELUNG_STRESS_H
#define NNQ_MADELUNG_STRESS_H

/* The factors of the axial and the cross term for spacing 1 / inv_dq along a. */
static inline double nnq_stress_axial_factor(double stress, double inv_dq) {
    return stress * 0.5 * inv_dq * inv_dq;
}
static inline double nnq_stress_cross_factor(double stress, double inv_dq) {
    return stress * inv_dq;
}

/* Sigma_aa / p_f from ln p at A - 1, A, B, B + 1 (sa: the axial factor). */
static inline double nnq_stress_axial(double sa, double lm, double lA, double lB, double lp) {
    return sa * (lp - lB - lA + lm);
}

/* Sigma_ak / p_f (k != a) from d_k ln p at A and B (sx: the cross factor). */
static inline double nnq_stress_cross(double sx, double gA, double gB) { return sx * (gB - gA); }

/* The face density that multiplies them. */
static inline double nnq_stress_density(double pA, double pB) { return 0.5 * (pA + pB); }

#endif
