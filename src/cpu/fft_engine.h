/* The CPU backend's one-dimensional complex FFT (fft_engine.c): a mixed-radix transform for
 * lengths whose prime factors are small, Bluestein's algorithm (a convolution through a
 * transform of 2,3,5-smooth length) for the others, so every length costs O(n log n).
 * Everything is computed in double; the twiddle factors are computed in long double.
 *
 * A plan is read-only once made: one plan serves any number of threads, each with its own
 * work buffer. Plain C with no dependency on the rest of the tree, so that it can be tested
 * alone (spec/c/fft_engine_test.c). */
#ifndef CA_FFT_ENGINE_H
#define CA_FFT_ENGINE_H

#include <stddef.h>
#include <stdint.h>

typedef struct ca_fft_plan ca_fft_plan;

/* A plan for length n >= 1; NULL when memory runs out (or n < 1). */
ca_fft_plan *ca_fft_plan_new(int64_t n);
void ca_fft_plan_free(ca_fft_plan *p);
/* Doubles of work buffer that ca_fft_exec needs. */
size_t ca_fft_work_len(const ca_fft_plan *p);
/* x (n complex values, interleaved re, im) becomes its unnormalised DFT in place:
 * X[k] = sum_j x[j] exp(sign 2 pi i j k / n), sign -1 (forward) or +1 (backward). */
void ca_fft_exec(const ca_fft_plan *p, double *x, double *work, int sign);

#endif
