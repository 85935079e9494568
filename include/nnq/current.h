/*
 * current.h - the probability current of a wave function, spectrally:
 *
 *     j = (hbar / m) Im(conj(psi) grad psi),   grad by FFT (the Nyquist mode dropped)
 *
 * what the Madelung description starts from (j_M(0) = j_S(0)) and what the comparison measures
 * it against (div_j_l1). Plan / execute / destroy: create allocates and plans once, run
 * allocates nothing.
 */
#ifndef NNQ_CURRENT_H
#define NNQ_CURRENT_H

#include <complex.h>
#include <stddef.h>

#include "nnq/config.h"
#include "nnq/err.h"
#include "nnq/grid.h"

struct nnq_current;

/* Plans the current on g (borrowed: it must outlive c) for hbar and mass with `threads` threads
 * and `planner`. Returns NNQ_OK or NNQ_ERR_RUNTIME (memory, FFTW). Collective under mpirun; the
 * ranks agree on the outcome. */
enum nnq_status nnq_current_create(const struct nnq_grid *g, double hbar, double mass, int threads,
                                   enum nnq_planner planner, struct nnq_current **out,
                                   struct nnq_err *err);

/* j of psi (local_size values), d components of local_size values into c's own array; returns
 * it, valid until the next call into c. Collective. Cannot fail. */
const double *nnq_current_run(struct nnq_current *c, const double complex *psi);

/* Bytes c allocates per grid point in d dimensions. */
size_t nnq_current_bytes_per_point(int dims);

/* Frees c; NULL is a no-op. */
void nnq_current_destroy(struct nnq_current *c);

#endif
