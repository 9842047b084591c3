/* The CPU reductions' runs straight from float32 / float64 storage (SSE2), for src/cpu/reduce.c
 * only. Each gives exactly what the buffered path gives for the same elements:
 *   - pairwise_f32: the pairwise sum of src/cpu/reduce.c's tree over float32 values, the eight
 *     partial sums of a leaf held in registers (lane j of the vectors is partial sum j: the
 *     same additions in the same order);
 *   - minmax_run_f32 / _f64: a fold with ca_maximum_d / ca_minimum_d over a contiguous run,
 *     continuing from *acc: the first NaN wins; else the largest (smallest) value, and of equal
 *     values the first (which only shows for zeros: max(-0, +0) is -0). Lanes without
 *     branches find the value and whether a NaN is there; the rare cases (a NaN, a zero
 *     result) are settled by a scan in order. y > m ? y : m is maxps(y, m) exactly (a NaN y
 *     keeps m; the NaNs are tracked apart), y < m ? y : m is minps(y, m);
 *   - nan_minmax_run_f32 / _f64: the same for nanmax / nanmin, where a NaN y keeping m is
 *     the skip itself.
 * Without SSE2 there are no runs (CA_CPU_RUNS is 0) and the buffered path does the work. */
#ifndef CA_CPU_REDUCE_RUNS_H
#define CA_CPU_REDUCE_RUNS_H

#include "cpu_internal.h"

#ifdef __SSE2__
#include <emmintrin.h>
#define CA_CPU_RUNS 1

static double pairwise_f32(const float *x, int64_t n) {
  if (n <= 8) {
    double s = 0.0;
    for (int64_t i = 0; i < n; i++) s += (double)x[i];
    return s;
  }
  if (n <= 128) {
    __m128 a = _mm_loadu_ps(x), b = _mm_loadu_ps(x + 4);
    __m128d r01 = _mm_cvtps_pd(a), r23 = _mm_cvtps_pd(_mm_movehl_ps(a, a));
    __m128d r45 = _mm_cvtps_pd(b), r67 = _mm_cvtps_pd(_mm_movehl_ps(b, b));
    int64_t i;
    for (i = 8; i + 8 <= n; i += 8) {
      a = _mm_loadu_ps(x + i);
      b = _mm_loadu_ps(x + i + 4);
      r01 = _mm_add_pd(r01, _mm_cvtps_pd(a));
      r23 = _mm_add_pd(r23, _mm_cvtps_pd(_mm_movehl_ps(a, a)));
      r45 = _mm_add_pd(r45, _mm_cvtps_pd(b));
      r67 = _mm_add_pd(r67, _mm_cvtps_pd(_mm_movehl_ps(b, b)));
    }
    double r[8];
    _mm_storeu_pd(r, r01);
    _mm_storeu_pd(r + 2, r23);
    _mm_storeu_pd(r + 4, r45);
    _mm_storeu_pd(r + 6, r67);
    double s = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; i++) s += (double)x[i];
    return s;
  }
  int64_t h = (n / 2) & ~(int64_t)7;
  return pairwise_f32(x, h) + pairwise_f32(x + h, n - h);
}

static float lanes_pick_f32(float v, float y, int mx) {
  return mx ? (y > v ? y : v) : (y < v ? y : v);
}
static double lanes_pick_f64(double v, double y, int mx) {
  return mx ? (y > v ? y : v) : (y < v ? y : v);
}

static void minmax_run_f32(double *acc, const float *x, int64_t n, int mx) {
  if (*acc != *acc || n <= 0) return; /* a NaN has won */
  __m128 m0 = _mm_set1_ps((float)*acc), m1 = m0, m2 = m0, m3 = m0;
  __m128 u0 = _mm_setzero_ps(), u1 = u0;
  int64_t i = 0;
  if (mx) {
    for (; i + 16 <= n; i += 16) {
      __m128 y0 = _mm_loadu_ps(x + i), y1 = _mm_loadu_ps(x + i + 4);
      __m128 y2 = _mm_loadu_ps(x + i + 8), y3 = _mm_loadu_ps(x + i + 12);
      m0 = _mm_max_ps(y0, m0); m1 = _mm_max_ps(y1, m1);
      m2 = _mm_max_ps(y2, m2); m3 = _mm_max_ps(y3, m3);
      u0 = _mm_or_ps(u0, _mm_or_ps(_mm_cmpunord_ps(y0, y0), _mm_cmpunord_ps(y1, y1)));
      u1 = _mm_or_ps(u1, _mm_or_ps(_mm_cmpunord_ps(y2, y2), _mm_cmpunord_ps(y3, y3)));
    }
    m0 = _mm_max_ps(_mm_max_ps(m0, m1), _mm_max_ps(m2, m3));
  } else {
    for (; i + 16 <= n; i += 16) {
      __m128 y0 = _mm_loadu_ps(x + i), y1 = _mm_loadu_ps(x + i + 4);
      __m128 y2 = _mm_loadu_ps(x + i + 8), y3 = _mm_loadu_ps(x + i + 12);
      m0 = _mm_min_ps(y0, m0); m1 = _mm_min_ps(y1, m1);
      m2 = _mm_min_ps(y2, m2); m3 = _mm_min_ps(y3, m3);
      u0 = _mm_or_ps(u0, _mm_or_ps(_mm_cmpunord_ps(y0, y0), _mm_cmpunord_ps(y1, y1)));
      u1 = _mm_or_ps(u1, _mm_or_ps(_mm_cmpunord_ps(y2, y2), _mm_cmpunord_ps(y3, y3)));
    }
    m0 = _mm_min_ps(_mm_min_ps(m0, m1), _mm_min_ps(m2, m3));
  }
  float lane[4], v;
  _mm_storeu_ps(lane, m0);
  v = lane[0];
  int anynan = _mm_movemask_ps(_mm_or_ps(u0, u1)) != 0;
  for (int j = 1; j < 4; j++) v = lanes_pick_f32(v, lane[j], mx);
  for (; i < n; i++) {
    v = lanes_pick_f32(v, x[i], mx);
    anynan |= x[i] != x[i];
  }
  if (anynan) {
    for (i = 0; x[i] == x[i]; i++) {}
    *acc = (double)x[i];
  } else if ((double)v != *acc) { /* a new winner, strictly past the old value */
    if (v == 0)
      for (i = 0; x[i] != 0; i++) {}
    *acc = v == 0 ? (double)x[i] : (double)v;
  }
}

static void minmax_run_f64(double *acc, const double *x, int64_t n, int mx) {
  if (*acc != *acc || n <= 0) return; /* a NaN has won */
  __m128d m0 = _mm_set1_pd(*acc), m1 = m0, m2 = m0, m3 = m0;
  __m128d u0 = _mm_setzero_pd(), u1 = u0;
  int64_t i = 0;
  if (mx) {
    for (; i + 8 <= n; i += 8) {
      __m128d y0 = _mm_loadu_pd(x + i), y1 = _mm_loadu_pd(x + i + 2);
      __m128d y2 = _mm_loadu_pd(x + i + 4), y3 = _mm_loadu_pd(x + i + 6);
      m0 = _mm_max_pd(y0, m0); m1 = _mm_max_pd(y1, m1);
      m2 = _mm_max_pd(y2, m2); m3 = _mm_max_pd(y3, m3);
      u0 = _mm_or_pd(u0, _mm_or_pd(_mm_cmpunord_pd(y0, y0), _mm_cmpunord_pd(y1, y1)));
      u1 = _mm_or_pd(u1, _mm_or_pd(_mm_cmpunord_pd(y2, y2), _mm_cmpunord_pd(y3, y3)));
    }
    m0 = _mm_max_pd(_mm_max_pd(m0, m1), _mm_max_pd(m2, m3));
  } else {
    for (; i + 8 <= n; i += 8) {
      __m128d y0 = _mm_loadu_pd(x + i), y1 = _mm_loadu_pd(x + i + 2);
      __m128d y2 = _mm_loadu_pd(x + i + 4), y3 = _mm_loadu_pd(x + i + 6);
      m0 = _mm_min_pd(y0, m0); m1 = _mm_min_pd(y1, m1);
      m2 = _mm_min_pd(y2, m2); m3 = _mm_min_pd(y3, m3);
      u0 = _mm_or_pd(u0, _mm_or_pd(_mm_cmpunord_pd(y0, y0), _mm_cmpunord_pd(y1, y1)));
      u1 = _mm_or_pd(u1, _mm_or_pd(_mm_cmpunord_pd(y2, y2), _mm_cmpunord_pd(y3, y3)));
    }
    m0 = _mm_min_pd(_mm_min_pd(m0, m1), _mm_min_pd(m2, m3));
  }
  double lane[2], v;
  _mm_storeu_pd(lane, m0);
  v = lanes_pick_f64(lane[0], lane[1], mx);
  int anynan = _mm_movemask_pd(_mm_or_pd(u0, u1)) != 0;
  for (; i < n; i++) {
    v = lanes_pick_f64(v, x[i], mx);
    anynan |= x[i] != x[i];
  }
  if (anynan) {
    for (i = 0; x[i] == x[i]; i++) {}
    *acc = x[i];
  } else if (v != *acc) { /* a new winner, strictly past the old value */
    if (v == 0)
      for (i = 0; x[i] != 0; i++) {}
    *acc = v == 0 ? x[i] : v;
  }
}

/* nanmax / nanmin over a contiguous run, continuing from *acc (never NaN): y > m ? y : m is
 * maxps(y, m), which keeps m for a NaN y, and that is the skip. Of equal values the first
 * wins, as in minmax_run_*. Returns the number of elements not skipped. */
static int64_t nan_minmax_run_f32(double *acc, const float *x, int64_t n, int mx) {
  __m128 m0 = _mm_set1_ps((float)*acc), m1 = m0, m2 = m0, m3 = m0;
  __m128i c0 = _mm_setzero_si128(), c1 = c0; /* minus the NaNs per lane (a mask is -1) */
  int64_t i = 0, nans = 0;
  while (i + 16 <= n) {
    /* lane counts stay below 2^31: blocks of at most 2^30 elements */
    int64_t stop = n - i > ((int64_t)1 << 30) ? i + ((int64_t)1 << 30) : n;
    for (; i + 16 <= stop; i += 16) {
      __m128 y0 = _mm_loadu_ps(x + i), y1 = _mm_loadu_ps(x + i + 4);
      __m128 y2 = _mm_loadu_ps(x + i + 8), y3 = _mm_loadu_ps(x + i + 12);
      if (mx) {
        m0 = _mm_max_ps(y0, m0); m1 = _mm_max_ps(y1, m1);
        m2 = _mm_max_ps(y2, m2); m3 = _mm_max_ps(y3, m3);
      } else {
        m0 = _mm_min_ps(y0, m0); m1 = _mm_min_ps(y1, m1);
        m2 = _mm_min_ps(y2, m2); m3 = _mm_min_ps(y3, m3);
      }
      c0 = _mm_add_epi32(c0, _mm_add_epi32(_mm_castps_si128(_mm_cmpunord_ps(y0, y0)),
                                           _mm_castps_si128(_mm_cmpunord_ps(y1, y1))));
      c1 = _mm_add_epi32(c1, _mm_add_epi32(_mm_castps_si128(_mm_cmpunord_ps(y2, y2)),
                                           _mm_castps_si128(_mm_cmpunord_ps(y3, y3))));
    }
    int32_t cl[4];
    _mm_storeu_si128((__m128i *)cl, _mm_add_epi32(c0, c1));
    nans -= (int64_t)cl[0] + cl[1] + cl[2] + cl[3];
    c0 = c1 = _mm_setzero_si128();
  }
  m0 = mx ? _mm_max_ps(_mm_max_ps(m0, m1), _mm_max_ps(m2, m3))
          : _mm_min_ps(_mm_min_ps(m0, m1), _mm_min_ps(m2, m3));
  float lane[4], v;
  _mm_storeu_ps(lane, m0);
  v = lane[0];
  for (int j = 1; j < 4; j++) v = lanes_pick_f32(v, lane[j], mx);
  for (; i < n; i++) {
    if (x[i] != x[i]) nans++;
    else v = lanes_pick_f32(v, x[i], mx);
  }
  if ((double)v != *acc) {
    if (v == 0)
      for (i = 0; x[i] != 0; i++) {}
    *acc = v == 0 ? (double)x[i] : (double)v;
  }
  return n - nans;
}

static int64_t nan_minmax_run_f64(double *acc, const double *x, int64_t n, int mx) {
  __m128d m0 = _mm_set1_pd(*acc), m1 = m0;
  int64_t i = 0, nans = 0;
  for (; i + 4 <= n; i += 4) {
    __m128d y0 = _mm_loadu_pd(x + i), y1 = _mm_loadu_pd(x + i + 2);
    if (mx) { m0 = _mm_max_pd(y0, m0); m1 = _mm_max_pd(y1, m1); }
    else { m0 = _mm_min_pd(y0, m0); m1 = _mm_min_pd(y1, m1); }
    nans += __builtin_popcount((unsigned)(_mm_movemask_pd(_mm_cmpunord_pd(y0, y0)) |
                                          (_mm_movemask_pd(_mm_cmpunord_pd(y1, y1)) << 2)));
  }
  m0 = mx ? _mm_max_pd(m0, m1) : _mm_min_pd(m0, m1);
  double lane[2], v;
  _mm_storeu_pd(lane, m0);
  v = lanes_pick_f64(lane[0], lane[1], mx);
  for (; i < n; i++) {
    if (x[i] != x[i]) nans++;
    else v = lanes_pick_f64(v, x[i], mx);
  }
  if (v != *acc) {
    if (v == 0)
      for (i = 0; x[i] != 0; i++) {}
    *acc = v == 0 ? x[i] : v;
  }
  return n - nans;
}

#else
#define CA_CPU_RUNS 0
#endif

#endif
