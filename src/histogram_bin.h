/* The bin of an element among equal-width bins, as NumPy's np.histogram finds it (the
 * ca_histogram of src/backend.h): the difference from the first edge times nbins / width,
 * truncated, the index nbins moved into the last bin, then one decrement and one increment
 * against the computed edges, which the arithmetic may miss by one ulp. Read by gcc
 * (src/cpu/sort.c) and nvcc (cuda/search.cu), so both backends count alike. -1: not counted
 * (outside [first, last], or NaN). */
#ifndef CA_HISTOGRAM_BIN_H
#define CA_HISTOGRAM_BIN_H

#include <stdint.h>
#include "dtype.h"

/* The truncated index, kept inside the edges even where NumPy's would run off them (an
 * infinite norm from a width that underflows). */
CA_HD static inline int64_t ca_bin_guess(double f, int64_t nbins) {
  if (!(f > 0)) return 0;
  if (f >= (double)nbins) return nbins - 1;
  return (int64_t)f;
}

/* float32 data: the difference in float32, the product in float32 (norm32) or float64. */
CA_HD static inline int64_t ca_bin_f32(float x, float first, float last, float normf,
                                       double normd, int norm32, const float *edges,
                                       int64_t nbins) {
  if (!(x >= first && x <= last)) return -1;
  float d = x - first;
  double f = norm32 ? (double)(float)(d * normf) : (double)d * normd;
  int64_t k = ca_bin_guess(f, nbins);
  if (k > 0 && x < edges[k]) k--;
  if (k != nbins - 1 && x >= edges[k + 1]) k++;
  return k;
}

/* Every other dtype, as float64. */
CA_HD static inline int64_t ca_bin_f64(double x, double first, double last, double norm,
                                       const double *edges, int64_t nbins) {
  if (!(x >= first && x <= last)) return -1;
  double f = (x - first) * norm;
  int64_t k = ca_bin_guess(f, nbins);
  if (k > 0 && x < edges[k]) k--;
  if (k != nbins - 1 && x >= edges[k + 1]) k++;
  return k;
}

#endif
