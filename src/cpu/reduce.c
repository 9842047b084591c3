/* Reductions (the CA_REDUCE ops of ops.def) and inclusive scans.
 *
 * For each output element the reduced dims are walked in C order: a counter over the outer
 * reduced dims and the innermost one in chunks, each chunk read in the accumulation type
 * (directly when the input already is that type and contiguous, else converted into a
 * buffer). Accumulation types:
 *   sum, prod      int64 (wrapping) when the output is integer or bool, else double
 *   mean, var, std double (var/std two-pass: the mean, then the squared deviations)
 *   min, max, argmin, argmax   int64 for integer/bool inputs, else double (exact for every
 *                  float dtype); NaN propagates, and the first NaN wins the arg-reductions
 *   all, any       the truth of each element (NaN is true)
 * Float sums are pairwise within a chunk and compensated (Neumaier) across chunks. */
#include "cpu_internal.h"
#ifdef __SSE2__
#include <emmintrin.h>
#endif

typedef struct red_walk {
  int nd;                       /* reduced dims (at least 1) */
  int64_t shape[CA_MAXDIMS];
  int64_t strides[CA_MAXDIMS];  /* of the input over the reduced dims */
  int dtype;
  int64_t isz;
  int64_t n;                    /* elements reduced per output */
} red_walk;

typedef struct acc {
  ca_i i;
  double d, comp;               /* sum and its Neumaier compensation */
  double mean;                  /* var/std second pass */
  int64_t arg, pos;             /* arg-reductions: the winner's and the next element's index */
  int ints;                     /* accumulating in int64 (else double) */
  int started;                  /* min/max/arg: a first element was seen */
} accum;

/* Pairwise sum in double of n values of type T (float values are widened exactly): the same
 * tree for every T, so a float32 run summed straight from its storage gives the bits the
 * buffered (widened to double) path gives. */
#define PAIRWISE(NAME, T)                                                                       \
  static double NAME(const T *x, int64_t n) {                                                   \
    if (n <= 8) {                                                                               \
      double s = 0.0;                                                                           \
      for (int64_t i = 0; i < n; i++) s += (double)x[i];                                        \
      return s;                                                                                 \
    }                                                                                           \
    if (n <= 128) {                                                                             \
      double r[8];                                                                              \
      for (int j = 0; j < 8; j++) r[j] = (double)x[j];                                          \
      int64_t i;                                                                                \
      for (i = 8; i + 8 <= n; i += 8)                                                           \
        for (int j = 0; j < 8; j++) r[j] += (double)x[i + j];                                   \
      double s = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));            \
      for (; i < n; i++) s += (double)x[i];                                                     \
      return s;                                                                                 \
    }                                                                                           \
    int64_t h = (n / 2) & ~(int64_t)7;                                                          \
    return NAME(x, h) + NAME(x + h, n - h);                                                     \
  }
PAIRWISE(pairwise, double)
#ifndef __SSE2__
PAIRWISE(pairwise_f, float)
#else
/* The same tree for float input, with the eight partial sums held in registers (GCC keeps
 * the r[8] of the macro in memory). Lane j of the vectors is r[j]: the same additions in the
 * same order. */
static double pairwise_f(const float *x, int64_t n) {
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
  return pairwise_f(x, h) + pairwise_f(x + h, n - h);
}
#endif

/* Compensated addition; once the sum is infinite or NaN the compensation would only turn
 * inf into NaN, so it stops. */
static void neumaier_add(accum *a, double v) {
  double t = a->d + v;
  if (!isfinite(t)) a->comp = 0;
  else if (fabs(a->d) >= fabs(v)) a->comp += (a->d - t) + v;
  else a->comp += (v - t) + a->d;
  a->d = t;
}

/* The accumulation type of op for input dtype in and output dtype out; -1: truth bytes. */
static int acc_ct(int op, int in, int out) {
  switch (op) {
  case CA_OP_sum: case CA_OP_prod: return ca_is_float(out) ? CA_CPU_D : CA_CPU_I;
  case CA_OP_mean: case CA_OP_var: case CA_OP_std: return CA_CPU_D;
  case CA_OP_all: case CA_OP_any: return -1;
  default: return ca_is_float(in) ? CA_CPU_D : CA_CPU_I;
  }
}

/* Feeds n values (type ct, contiguous at v) to the accumulator. */
static void feed(int op, int pass, accum *a, const void *v, int64_t n) {
  const ca_i *xi = (const ca_i *)v;
  const double *xd = (const double *)v;
  const uint8_t *xt = (const uint8_t *)v;
  double dev[CA_CPU_BUFN];
  switch (op) {
  case CA_OP_sum: case CA_OP_mean: case CA_OP_var: case CA_OP_std:
    if (a->ints) {
      ca_u s = (ca_u)a->i;
      for (int64_t k = 0; k < n; k++) s += (ca_u)xi[k];
      a->i = (ca_i)s;
    } else if (pass == 0) {
      neumaier_add(a, pairwise(xd, n));
    } else {
      for (int64_t k0 = 0; k0 < n; k0 += CA_CPU_BUFN) {
        int64_t m = n - k0 < CA_CPU_BUFN ? n - k0 : CA_CPU_BUFN;
        for (int64_t k = 0; k < m; k++) {
          double e = xd[k0 + k] - a->mean;
          dev[k] = e * e;
        }
        neumaier_add(a, pairwise(dev, m));
      }
    }
    break;
  case CA_OP_prod:
    if (a->ints) {
      ca_u p = (ca_u)a->i;
      for (int64_t k = 0; k < n; k++) p *= (ca_u)xi[k];
      a->i = (ca_i)p;
    } else {
      double p = a->d;
      for (int64_t k = 0; k < n; k++) p *= xd[k];
      a->d = p;
    }
    break;
  case CA_OP_min: case CA_OP_max: {
    int mx = op == CA_OP_max;
    int64_t k = 0;
    if (!a->started) {
      if (a->ints) a->i = xi[0];
      else a->d = xd[0];
      k = 1;
      a->started = 1;
    }
    if (a->ints) {
      ca_i m = a->i;
      for (; k < n; k++) m = mx ? ca_maximum_i(m, xi[k]) : ca_minimum_i(m, xi[k]);
      a->i = m;
    } else {
      double m = a->d;
      for (; k < n; k++) m = mx ? ca_maximum_d(m, xd[k]) : ca_minimum_d(m, xd[k]);
      a->d = m;
    }
    break;
  }
  case CA_OP_argmin: case CA_OP_argmax: {
    int mx = op == CA_OP_argmax;
    for (int64_t k = 0; k < n; k++, a->pos++) {
      if (!a->started) {
        if (a->ints) a->i = xi[k];
        else a->d = xd[k];
        a->arg = a->pos;
        a->started = 1;
      } else if (a->ints) {
        ca_i x = xi[k];
        if (mx ? x > a->i : x < a->i) { a->i = x; a->arg = a->pos; }
      } else {
        double x = xd[k];
        if (a->d != a->d) return; /* a NaN has won */
        if (x != x || (mx ? x > a->d : x < a->d)) { a->d = x; a->arg = a->pos; }
      }
    }
    break;
  }
  case CA_OP_all:
    for (int64_t k = 0; k < n; k++) a->i &= xt[k];
    break;
  case CA_OP_any:
    for (int64_t k = 0; k < n; k++) a->i |= xt[k];
    break;
  default:
    break;
  }
}

/* min / max of a contiguous run of T, continuing from the accumulator, with the result of
 * feeding the elements one at a time through ca_maximum_d / ca_minimum_d: the first NaN
 * wins; else the largest (smallest) value, and of equal values the first (which only shows
 * for zeros: max(-0, +0) is -0). Eight lanes without branches find the value and whether a
 * NaN is there; the rare cases (a NaN, a zero result) are settled by a scan in order. */
#define MINMAX_RUN(NAME, T)                                                                     \
  static void NAME(accum *a, const T *x, int64_t n, int mx) {                                   \
    if (n <= 0) return;                                                                         \
    if (!a->started) {                                                                          \
      a->d = (double)x[0];                                                                      \
      a->started = 1;                                                                           \
      x++;                                                                                      \
      n--;                                                                                      \
    }                                                                                           \
    if (a->d != a->d || n == 0) return; /* a NaN has won */                                     \
    T m[8], v;                                                                                  \
    int nan[8] = {0, 0, 0, 0, 0, 0, 0, 0}, anynan = 0;                                          \
    for (int j = 0; j < 8; j++) m[j] = (T)a->d;                                                 \
    int64_t i = 0;                                                                              \
    if (mx) {                                                                                   \
      for (; i + 8 <= n; i += 8)                                                                \
        for (int j = 0; j < 8; j++) {                                                           \
          T y = x[i + j];                                                                       \
          m[j] = y > m[j] ? y : m[j];                                                           \
          nan[j] |= y != y;                                                                     \
        }                                                                                       \
      v = m[0];                                                                                 \
      for (int j = 1; j < 8; j++) v = m[j] > v ? m[j] : v;                                      \
      for (; i < n; i++) { v = x[i] > v ? x[i] : v; anynan |= x[i] != x[i]; }                  \
    } else {                                                                                    \
      for (; i + 8 <= n; i += 8)                                                                \
        for (int j = 0; j < 8; j++) {                                                           \
          T y = x[i + j];                                                                       \
          m[j] = y < m[j] ? y : m[j];                                                           \
          nan[j] |= y != y;                                                                     \
        }                                                                                       \
      v = m[0];                                                                                 \
      for (int j = 1; j < 8; j++) v = m[j] < v ? m[j] : v;                                      \
      for (; i < n; i++) { v = x[i] < v ? x[i] : v; anynan |= x[i] != x[i]; }                  \
    }                                                                                           \
    for (int j = 0; j < 8; j++) anynan |= nan[j];                                               \
    if (anynan) {                                                                               \
      for (i = 0; x[i] == x[i]; i++) {}                                                         \
      a->d = (double)x[i];                                                                      \
    } else if ((double)v != a->d) { /* a new winner, strictly past the old value */             \
      if (v == 0)                                                                               \
        for (i = 0; x[i] != 0; i++) {}                                                          \
      a->d = v == 0 ? (double)x[i] : (double)v;                                                 \
    }                                                                                           \
  }
#ifndef __SSE2__
MINMAX_RUN(minmax_run_f, float)
MINMAX_RUN(minmax_run_d, double)
#else
/* The lanes in registers. y > m ? y : m is maxps(y, m) exactly (NaN y keeps m; the NaNs are
 * tracked apart), y < m ? y : m is minps(y, m). */
#define MINMAX_SSE(NAME, T, V, W, LOAD, SET1, MAX, MIN, UNORD, OR, STORE, MASK)                 \
  static void NAME(accum *a, const T *x, int64_t n, int mx) {                                   \
    if (n <= 0) return;                                                                         \
    if (!a->started) {                                                                          \
      a->d = (double)x[0];                                                                      \
      a->started = 1;                                                                           \
      x++;                                                                                      \
      n--;                                                                                      \
    }                                                                                           \
    if (a->d != a->d || n == 0) return; /* a NaN has won */                                     \
    V m0 = SET1((T)a->d), m1 = m0, m2 = m0, m3 = m0;                                            \
    V u0 = _mm_setzero_##MASK(), u1 = u0;                                                       \
    int64_t i = 0;                                                                              \
    if (mx) {                                                                                   \
      for (; i + 4 * W <= n; i += 4 * W) {                                                      \
        V y0 = LOAD(x + i), y1 = LOAD(x + i + W), y2 = LOAD(x + i + 2 * W);                     \
        V y3 = LOAD(x + i + 3 * W);                                                             \
        m0 = MAX(y0, m0); m1 = MAX(y1, m1); m2 = MAX(y2, m2); m3 = MAX(y3, m3);                 \
        u0 = OR(u0, OR(UNORD(y0, y0), UNORD(y1, y1)));                                          \
        u1 = OR(u1, OR(UNORD(y2, y2), UNORD(y3, y3)));                                          \
      }                                                                                         \
      m0 = MAX(MAX(m0, m1), MAX(m2, m3));                                                       \
    } else {                                                                                    \
      for (; i + 4 * W <= n; i += 4 * W) {                                                      \
        V y0 = LOAD(x + i), y1 = LOAD(x + i + W), y2 = LOAD(x + i + 2 * W);                     \
        V y3 = LOAD(x + i + 3 * W);                                                             \
        m0 = MIN(y0, m0); m1 = MIN(y1, m1); m2 = MIN(y2, m2); m3 = MIN(y3, m3);                 \
        u0 = OR(u0, OR(UNORD(y0, y0), UNORD(y1, y1)));                                          \
        u1 = OR(u1, OR(UNORD(y2, y2), UNORD(y3, y3)));                                          \
      }                                                                                         \
      m0 = MIN(MIN(m0, m1), MIN(m2, m3));                                                       \
    }                                                                                           \
    T lane[W], v;                                                                               \
    STORE(lane, m0);                                                                            \
    v = lane[0];                                                                                \
    int anynan = _mm_movemask_##MASK(OR(u0, u1)) != 0;                                          \
    for (int j = 1; j < W; j++) v = mx ? (lane[j] > v ? lane[j] : v) : (lane[j] < v ? lane[j] : v); \
    for (; i < n; i++) {                                                                        \
      v = mx ? (x[i] > v ? x[i] : v) : (x[i] < v ? x[i] : v);                                   \
      anynan |= x[i] != x[i];                                                                   \
    }                                                                                           \
    if (anynan) {                                                                               \
      for (i = 0; x[i] == x[i]; i++) {}                                                         \
      a->d = (double)x[i];                                                                      \
    } else if ((double)v != a->d) { /* a new winner, strictly past the old value */             \
      if (v == 0)                                                                               \
        for (i = 0; x[i] != 0; i++) {}                                                          \
      a->d = v == 0 ? (double)x[i] : (double)v;                                                 \
    }                                                                                           \
  }
MINMAX_SSE(minmax_run_f, float, __m128, 4, _mm_loadu_ps, _mm_set1_ps, _mm_max_ps, _mm_min_ps,
           _mm_cmpunord_ps, _mm_or_ps, _mm_storeu_ps, ps)
MINMAX_SSE(minmax_run_d, double, __m128d, 2, _mm_loadu_pd, _mm_set1_pd, _mm_max_pd, _mm_min_pd,
           _mm_cmpunord_pd, _mm_or_pd, _mm_storeu_pd, pd)
#endif

/* Walks the reduced elements at p, feeding them in chunks read as type ct (-1: truth). */
static void walk(const red_walk *w, const char *p, int op, int ct, int pass, accum *a) {
  int nd = w->nd - 1;
  int64_t rn = w->shape[nd], rs = w->strides[nd];
  int64_t idx[CA_MAXDIMS] = {0}, off = 0;
  const int64_t *strides[1] = {w->strides};
  double buf[CA_CPU_BUFN];
  /* whole runs at once when they need no conversion (pairwise over the whole run) */
  int direct = ct >= 0 && rs == 1 && w->dtype == ca_cpu_ct_dtype(ct) && !(op == CA_OP_var ||
               op == CA_OP_std);
  int64_t chunk = direct ? rn : CA_CPU_BUFN;
  /* straight from float32 / float64 storage, with the same results as the buffered path:
   * float32 sums in the same chunks of CA_CPU_BUFN, min / max over whole runs */
  int minmax = (op == CA_OP_min || op == CA_OP_max) && ct == CA_CPU_D && rs == 1 &&
               (w->dtype == CA_FLOAT32 || w->dtype == CA_FLOAT64);
  int fsum = (op == CA_OP_sum || op == CA_OP_mean || ((op == CA_OP_var || op == CA_OP_std) &&
              pass == 0)) && ct == CA_CPU_D && rs == 1 && w->dtype == CA_FLOAT32;
  if (minmax || fsum) {
    do {
      const char *q = p + off * w->isz;
      if (minmax && w->dtype == CA_FLOAT32)
        minmax_run_f(a, (const float *)q, rn, op == CA_OP_max);
      else if (minmax)
        minmax_run_d(a, (const double *)q, rn, op == CA_OP_max);
      else
        for (int64_t i0 = 0; i0 < rn; i0 += CA_CPU_BUFN)
          neumaier_add(a, pairwise_f((const float *)q + i0,
                                     rn - i0 < CA_CPU_BUFN ? rn - i0 : CA_CPU_BUFN));
    } while (ca_cpu_next(nd, w->shape, idx, 1, strides, &off));
    return;
  }
  do {
    const char *q = p + off * w->isz;
    for (int64_t i0 = 0; i0 < rn; i0 += chunk) {
      int64_t m = rn - i0 < chunk ? rn - i0 : chunk;
      const char *src = q + i0 * rs * w->isz;
      if (ct < 0) {
        ca_cpu_load_truth((uint8_t *)buf, w->dtype, src, rs, m);
        feed(op, pass, a, buf, m);
      } else {
        feed(op, pass, a, ca_cpu_fetch(ct, buf, w->dtype, src, rs, m), m);
      }
    }
  } while (ca_cpu_next(nd, w->shape, idx, 1, strides, &off));
}

/* Reductions whose kept inner dim is contiguous but whose reduced dims are not (a sum over
 * axis 0 of a C-contiguous matrix): a block of up to CA_CPU_BUFN outputs is accumulated at
 * once, reading one row of the block per reduced element, so memory is read in order. Used
 * for the ops that combine elementwise (not the arg-reductions, var or std). */
static int columns_fit(int op, const ca_reduction *r) {
  if (r->nout < 1 || r->nred < 1) return 0;
  if (!(op == CA_OP_sum || op == CA_OP_prod || op == CA_OP_min || op == CA_OP_max ||
        op == CA_OP_all || op == CA_OP_any || op == CA_OP_mean))
    return 0;
  return r->in.strides[r->nout - 1] == 1 && r->shape[r->nout - 1] > 1 &&
         r->in.strides[r->nout + r->nred - 1] != 1;
}

#define COMBINE(T, EXPR)                                                                          do {                                                                                              T *s = (T *)accv;                                                                               const T *x = (const T *)xv;                                                                     for (int64_t j = 0; j < kb; j++) s[j] = EXPR;                                                 } while (0)

static void combine(int op, int ct, void *accv, const void *xv, int64_t kb) {
  switch (op) {
  case CA_OP_sum: case CA_OP_mean:
    if (ct == CA_CPU_I) COMBINE(ca_i, (ca_i)((ca_u)s[j] + (ca_u)x[j]));
    else COMBINE(double, s[j] + x[j]);
    break;
  case CA_OP_prod:
    if (ct == CA_CPU_I) COMBINE(ca_i, (ca_i)((ca_u)s[j] * (ca_u)x[j]));
    else COMBINE(double, s[j] * x[j]);
    break;
  case CA_OP_max:
    if (ct == CA_CPU_I) COMBINE(ca_i, ca_maximum_i(s[j], x[j]));
    else COMBINE(double, ca_maximum_d(s[j], x[j]));
    break;
  case CA_OP_min:
    if (ct == CA_CPU_I) COMBINE(ca_i, ca_minimum_i(s[j], x[j]));
    else COMBINE(double, ca_minimum_d(s[j], x[j]));
    break;
  case CA_OP_all: COMBINE(uint8_t, (uint8_t)(s[j] & x[j])); break;
  default: COMBINE(uint8_t, (uint8_t)(s[j] | x[j])); break; /* any */
  }
}

static void reduce_columns(int op, const ca_reduction *r) {
  int nout = r->nout, nred = r->nred, ct = acc_ct(op, r->in.dtype, r->out.dtype);
  int idt = r->in.dtype, odt = r->out.dtype;
  int64_t isz = (int64_t)ca_itemsize(idt), osz = (int64_t)ca_itemsize(odt);
  int64_t len = r->shape[nout - 1], os = r->out.strides[nout - 1], n = 1;
  const int64_t *rshape = r->shape + nout;
  for (int d = 0; d < nred; d++) n *= rshape[d];
  int64_t idx[CA_MAXDIMS] = {0}, off[2] = {0, 0};
  const int64_t *strides[2] = {r->in.strides, r->out.strides};
  const int64_t *rstrides[1] = {r->in.strides + nout};
  double acc[CA_CPU_BUFN], buf[CA_CPU_BUFN];
  do {
    for (int64_t j0 = 0; j0 < len; j0 += CA_CPU_BUFN) {
      int64_t kb = len - j0 < CA_CPU_BUFN ? len - j0 : CA_CPU_BUFN;
      const char *p = r->in.data + (off[0] + j0) * isz;
      int64_t ridx[CA_MAXDIMS] = {0}, roff = 0, first = 1;
      if (n == 0) { /* the identities: only sum, prod, all, any, mean get here empty */
        for (int64_t j = 0; j < kb; j++) {
          if (ct < 0) ((uint8_t *)acc)[j] = op == CA_OP_all;
          else if (ct == CA_CPU_I) ((ca_i *)acc)[j] = op == CA_OP_prod;
          else acc[j] = op == CA_OP_prod ? 1.0 : 0.0;
        }
      } else {
        do {
          const char *row = p + roff * isz;
          if (ct < 0) {
            ca_cpu_load_truth(first ? (uint8_t *)acc : (uint8_t *)buf, idt, row, 1, kb);
            if (!first) combine(op, ct, acc, buf, kb);
          } else if (first) {
            ca_cpu_load(ct, acc, idt, row, 1, kb);
          } else {
            combine(op, ct, acc, ca_cpu_fetch(ct, buf, idt, row, 1, kb), kb);
          }
          first = 0;
        } while (ca_cpu_next(nred, rshape, ridx, 1, rstrides, &roff));
      }
      char *q = r->out.data + (off[1] + j0 * os) * osz;
      if (op == CA_OP_mean)
        for (int64_t j = 0; j < kb; j++) acc[j] /= (double)n;
      if (ct < 0) {
        for (int64_t j = 0; j < kb; j++) ca_cpu_st_i(odt, q + j * os * osz, ((uint8_t *)acc)[j]);
      } else {
        ca_cpu_store(ct, acc, odt, q, os, kb);
      }
    }
  } while (ca_cpu_next(nout - 1, r->shape, idx, 2, strides, off));
}

static int valid_reduction(const ca_reduction *r) {
  return r->nout >= 0 && r->nred >= 0 && r->nout + r->nred <= CA_MAXDIMS && r->in.data &&
         r->out.data && r->in.dtype >= 0 && r->in.dtype < CA_NDTYPES && r->out.dtype >= 0 &&
         r->out.dtype < CA_NDTYPES;
}

ca_status ca_cpu_reduce(ca_backend *be, int op, const ca_reduction *r) {
  (void)be;
  if (!valid_reduction(r)) return CA_ERR_VALUE;
  if (!ca_is_reduce_op(op)) return CA_ERR_UNSUPPORTED;
  int nout = r->nout;
  for (int d = 0; d < nout; d++)
    if (r->shape[d] == 0) return CA_OK;

  red_walk w;
  w.dtype = r->in.dtype;
  w.isz = (int64_t)ca_itemsize(r->in.dtype);
  w.n = 1;
  if (r->nred == 0) { /* each output reduces its one element */
    w.nd = 1;
    w.shape[0] = 1;
    w.strides[0] = 0;
  } else {
    w.nd = r->nred;
    for (int d = 0; d < r->nred; d++) {
      w.shape[d] = r->shape[nout + d];
      w.strides[d] = r->in.strides[nout + d];
      w.n *= w.shape[d];
    }
  }
  if (w.n == 0 && (op == CA_OP_min || op == CA_OP_max || op == CA_OP_argmin ||
                   op == CA_OP_argmax))
    return CA_ERR_VALUE;
  if (columns_fit(op, r)) {
    reduce_columns(op, r);
    return CA_OK;
  }

  int ct = acc_ct(op, r->in.dtype, r->out.dtype);
  int odt = r->out.dtype;
  int64_t osz = (int64_t)ca_itemsize(odt);
  int64_t idx[CA_MAXDIMS] = {0}, off[2] = {0, 0};
  const int64_t *strides[2] = {r->in.strides, r->out.strides};
  do {
    const char *p = r->in.data + off[0] * w.isz;
    char *o = r->out.data + off[1] * osz;
    accum a;
    memset(&a, 0, sizeof a);
    a.ints = ct == CA_CPU_I;
    if (op == CA_OP_prod) { a.i = 1; a.d = 1.0; }
    if (op == CA_OP_all) a.i = 1;
    if (w.n > 0) walk(&w, p, op, ct, 0, &a);
    double sum = isfinite(a.d) ? a.d + a.comp : a.d;
    switch (op) {
    case CA_OP_sum:
      if (ct == CA_CPU_I) ca_cpu_st_i(odt, o, a.i);
      else ca_cpu_st_d(odt, o, sum);
      break;
    case CA_OP_prod:
      if (ct == CA_CPU_I) ca_cpu_st_i(odt, o, a.i);
      else ca_cpu_st_d(odt, o, a.d);
      break;
    case CA_OP_min: case CA_OP_max:
      if (ct == CA_CPU_I) ca_cpu_st_i(odt, o, a.i);
      else ca_cpu_st_d(odt, o, a.d);
      break;
    case CA_OP_argmin: case CA_OP_argmax:
      ca_cpu_st_i(odt, o, a.arg + 1);
      break;
    case CA_OP_all: case CA_OP_any:
      ca_cpu_st_i(odt, o, a.i);
      break;
    case CA_OP_mean:
      ca_cpu_st_d(odt, o, sum / (double)w.n);
      break;
    default: { /* var, std */
      double mean = sum / (double)w.n;
      accum b;
      memset(&b, 0, sizeof b);
      b.mean = mean;
      if (w.n > 0) walk(&w, p, op, ct, 1, &b);
      double div = (double)w.n - r->ddof;
      if (!(div > 0)) div = 0.0;
      double var = w.n == 0 ? mean : (isfinite(b.d) ? b.d + b.comp : b.d) / div;
      ca_cpu_st_d(odt, o, op == CA_OP_std ? sqrt(var) : var);
      break;
    }
    }
  } while (ca_cpu_next(nout, r->shape, idx, 2, strides, off));
  return CA_OK;
}

/* ---- scans ------------------------------------------------------------------------------ */

#define SCAN_LOOP(T, STEP)                                                                      \
  do {                                                                                          \
    const T *x = (const T *)xv;                                                                 \
    T *y = (T *)yv, s = *(T *)accv;                                                             \
    for (int64_t k = 0; k < n; k++) {                                                           \
      STEP;                                                                                     \
      y[k] = s;                                                                                 \
    }                                                                                           \
    *(T *)accv = s;                                                                             \
  } while (0)

/* y = running sum/product of x continuing from *acc. A float16 output rounds the running
 * value to float16 at each step, as NumPy's accumulate reads back what it stored. */
static void scan_chunk(int op, int ct, int half, const void *xv, void *yv, void *accv, int64_t n) {
  int sum = op == CA_OP_sum;
  if (ct == CA_CPU_I) {
    if (sum) SCAN_LOOP(ca_i, s = (ca_i)((ca_u)s + (ca_u)x[k]));
    else SCAN_LOOP(ca_i, s = (ca_i)((ca_u)s * (ca_u)x[k]));
  } else if (ct == CA_CPU_F) {
    if (half) {
      if (sum) SCAN_LOOP(float, s = ca_half_to_float(ca_float_to_half(s + x[k])));
      else SCAN_LOOP(float, s = ca_half_to_float(ca_float_to_half(s * x[k])));
    } else {
      if (sum) SCAN_LOOP(float, s = s + x[k]);
      else SCAN_LOOP(float, s = s * x[k]);
    }
  } else {
    if (sum) SCAN_LOOP(double, s = s + x[k]);
    else SCAN_LOOP(double, s = s * x[k]);
  }
}

ca_status ca_cpu_scan(ca_backend *be, int op, const ca_reduction *r) {
  (void)be;
  if (!valid_reduction(r) || r->nred != 1) return CA_ERR_VALUE;
  if (op != CA_OP_sum && op != CA_OP_prod) return CA_ERR_UNSUPPORTED;
  int nout = r->nout;
  for (int d = 0; d <= nout; d++)
    if (r->shape[d] == 0) return CA_OK;
  int idt = r->in.dtype, odt = r->out.dtype, ct = ca_cpu_ct(odt);
  int64_t isz = (int64_t)ca_itemsize(idt), osz = (int64_t)ca_itemsize(odt);
  int64_t len = r->shape[nout], is = r->in.strides[nout], os = r->out.strides[nout];
  int64_t idx[CA_MAXDIMS] = {0}, off[2] = {0, 0};
  const int64_t *strides[2] = {r->in.strides, r->out.strides};
  double xbuf[CA_CPU_BUFN], ybuf[CA_CPU_BUFN];
  do {
    const char *p = r->in.data + off[0] * isz;
    char *q = r->out.data + off[1] * osz;
    union { ca_i i; float f; double d; } a;
    if (ct == CA_CPU_I) a.i = op == CA_OP_sum ? 0 : 1;
    else if (ct == CA_CPU_F) a.f = op == CA_OP_sum ? 0.0f : 1.0f;
    else a.d = op == CA_OP_sum ? 0.0 : 1.0;
    for (int64_t i0 = 0; i0 < len; i0 += CA_CPU_BUFN) {
      int64_t m = len - i0 < CA_CPU_BUFN ? len - i0 : CA_CPU_BUFN;
      const void *x = ca_cpu_fetch(ct, xbuf, idt, p + i0 * is * isz, is, m);
      scan_chunk(op, ct, odt == CA_FLOAT16, x, ybuf, &a, m);
      ca_cpu_store(ct, ybuf, odt, q + i0 * os * osz, os, m);
    }
  } while (ca_cpu_next(nout, r->shape, idx, 2, strides, off));
  return CA_OK;
}
