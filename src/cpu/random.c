/* Random fills: the Philox stream of scalar.h, element by element. Element i of a draw is a
 * pure function of (seed, counter, i): it reads block counter + i / per at word offset
 * (i % per) * (4 / per), per = ca_random_per_block(dtype, dist), so any backend (and any
 * thread of one) can compute it alone. */
#include "cpu_internal.h"

#define BATCH 64 /* blocks generated at once (a multiple of 4) */

#ifdef __SSE2__
#include <emmintrin.h>
/* lo and hi words of the four 32x32 -> 64 products x[l] * m (pmuludq on the even lanes, and
 * on the odd lanes shifted down). */
static inline void mulhilo4(__m128i x, __m128i m, __m128i *lo, __m128i *hi) {
  const __m128i odd = _mm_set_epi32(-1, 0, -1, 0);
  __m128i e = _mm_mul_epu32(x, m), o = _mm_mul_epu32(_mm_srli_epi64(x, 32), m);
  *lo = _mm_or_si128(_mm_andnot_si128(odd, e), _mm_slli_epi64(o, 32));
  *hi = _mm_or_si128(_mm_srli_epi64(e, 32), _mm_and_si128(odd, o));
}

/* ca_philox for blocks counter .. counter + nb - 1, four at a time (one per 32-bit lane):
 * the same words in the same places, wv[4 j + w] = word w of block j. Whole groups of four
 * are written: wv holds at least nb rounded up to 4 blocks. */
static void philox_blocks(uint64_t seed, uint64_t counter, uint32_t *wv, int nb) {
  const __m128i m0 = _mm_set1_epi32((int)0xD2511F53u), m1 = _mm_set1_epi32((int)0xCD9E8D57u);
  for (int j = 0; j < nb; j += 4) {
    uint32_t lo[4], hi[4];
    for (int l = 0; l < 4; l++) {
      uint64_t c = counter + (uint64_t)(j + l);
      lo[l] = (uint32_t)c;
      hi[l] = (uint32_t)(c >> 32);
    }
    __m128i c0 = _mm_loadu_si128((const __m128i *)lo), c1 = _mm_loadu_si128((const __m128i *)hi);
    __m128i c2 = _mm_setzero_si128(), c3 = c2;
    uint32_t k0 = (uint32_t)seed, k1 = (uint32_t)(seed >> 32);
    for (int r = 0; r < 10; r++) {
      __m128i lo0, hi0, lo1, hi1;
      mulhilo4(c0, m0, &lo0, &hi0);
      mulhilo4(c2, m1, &lo1, &hi1);
      c0 = _mm_xor_si128(_mm_xor_si128(hi1, c1), _mm_set1_epi32((int)k0));
      c2 = _mm_xor_si128(_mm_xor_si128(hi0, c3), _mm_set1_epi32((int)k1));
      c1 = lo1;
      c3 = lo0;
      k0 += 0x9E3779B9u;
      k1 += 0xBB67AE85u;
    }
    /* transpose: lane l of c0..c3 is block j + l */
    __m128i t0 = _mm_unpacklo_epi32(c0, c1), t1 = _mm_unpacklo_epi32(c2, c3);
    __m128i t2 = _mm_unpackhi_epi32(c0, c1), t3 = _mm_unpackhi_epi32(c2, c3);
    __m128i *o = (__m128i *)(wv + 4 * j);
    _mm_storeu_si128(o, _mm_unpacklo_epi64(t0, t1));
    _mm_storeu_si128(o + 1, _mm_unpackhi_epi64(t0, t1));
    _mm_storeu_si128(o + 2, _mm_unpacklo_epi64(t2, t3));
    _mm_storeu_si128(o + 3, _mm_unpackhi_epi64(t2, t3));
  }
}
#else
static void philox_blocks(uint64_t seed, uint64_t counter, uint32_t *wv, int nb) {
  for (int j = 0; j < nb; j++) {
    ca_u32x4 b = ca_philox(seed, counter + (uint64_t)j);
    memcpy(wv + 4 * j, b.v, sizeof b.v);
  }
}
#endif

typedef struct draw {
  int dist, dtype;
  char *o;
  int64_t n, sz, per;
  double p1, p2;
  uint64_t seed, counter;
  ca_i lo;
  ca_u span;
  float f1, f2;
} draw;

/* Blocks [blo, bhi) of a draw: the elements they hold. */
static void draw_blocks(void *ctx, int64_t blo, int64_t bhi) {
  const draw *g = (const draw *)ctx;
  int dist = g->dist, dtype = g->dtype;
  char *o = g->o;
  int64_t n = g->n, sz = g->sz, per = g->per;
  double p1 = g->p1, p2 = g->p2;
  uint64_t seed = g->seed, counter = g->counter;
  ca_i lo = g->lo;
  ca_u span = g->span;
  float f1 = g->f1, f2 = g->f2;
  uint32_t wv[4 * BATCH]; /* the words of BATCH consecutive blocks, in order */
  for (int64_t b0 = blo; b0 < bhi; b0 += BATCH) {
    int nb = bhi - b0 < BATCH ? (int)(bhi - b0) : BATCH;
    philox_blocks(seed, counter + (uint64_t)b0, wv, nb);
    int64_t i0 = b0 * per, m = n - i0 < nb * per ? n - i0 : nb * per;
    char *q = o + i0 * sz;
    /* element e of this batch reads word e (per 4) or words 2e, 2e + 1 (per 2) */
    if (dist == CA_DIST_INTEGER) {
      for (int64_t e = 0; e < m; e++) {
        uint64_t x = ((uint64_t)wv[2 * e] << 32) | wv[2 * e + 1];
        ca_cpu_st_i(dtype, q + e * sz, (ca_i)((ca_u)lo + ca_mulhi64(x, span)));
      }
    } else if (dtype == CA_FLOAT64) {
      double *d = (double *)q;
      if (dist == CA_DIST_UNIFORM) {
        for (int64_t e = 0; e < m; e++) d[e] = p1 + (p2 - p1) * ca_u01_d(wv[2 * e], wv[2 * e + 1]);
      } else { /* one pair per block: element 2p and 2p + 1 */
        for (int64_t e = 0; e < m; e += 2) {
          const uint32_t *b = wv + 2 * e;
          double z[2];
          ca_box_muller_d(ca_u01_d(b[0], b[1]), ca_u01_d(b[2], b[3]), &z[0], &z[1]);
          d[e] = p1 + p2 * z[0];
          if (e + 1 < m) d[e + 1] = p1 + p2 * z[1];
        }
      }
    } else { /* float16, bfloat16, float32: computed in float */
      float v[4 * BATCH];
      if (dist == CA_DIST_UNIFORM && dtype == CA_FLOAT32) {
        for (int64_t e = 0; e < m; e++) v[e] = f1 + (f2 - f1) * ca_u01_f(wv[e]);
      } else if (dist == CA_DIST_UNIFORM && dtype == CA_BFLOAT16) {
        for (int64_t e = 0; e < m; e++) v[e] = f1 + (f2 - f1) * ca_u01_b(wv[e]);
      } else if (dist == CA_DIST_UNIFORM) {
        for (int64_t e = 0; e < m; e++) v[e] = f1 + (f2 - f1) * ca_u01_h(wv[e]);
      } else { /* pairs: words 2p, 2p + 1 give elements 2p, 2p + 1 */
        for (int64_t e = 0; e < m; e += 2) {
          float z[2];
          ca_box_muller_f(ca_u01_f(wv[e]), ca_u01_f(wv[e + 1]), &z[0], &z[1]);
          v[e] = f1 + f2 * z[0];
          v[e + 1] = f1 + f2 * z[1];
        }
      }
      if (dtype == CA_FLOAT32) memcpy(q, v, (size_t)m * sizeof(float));
      else if (dtype == CA_BFLOAT16)
        for (int64_t e = 0; e < m; e++) ((uint16_t *)q)[e] = ca_float_to_bf16(v[e]);
      else for (int64_t e = 0; e < m; e++) ((uint16_t *)q)[e] = ca_float_to_half(v[e]);
    }
  }
}

ca_status ca_cpu_random(ca_backend *be, int dist, void *out, int dtype, int64_t n, ca_value v1,
                        ca_value v2, uint64_t seed, uint64_t counter, const double *aux,
                        int64_t naux) {
  (void)be;
  if (dtype < 0 || dtype >= CA_NDTYPES || n < 0) return CA_ERR_VALUE;
  if (dist != CA_DIST_UNIFORM && dist != CA_DIST_NORMAL && dist != CA_DIST_INTEGER)
    return ca_cpu_random_dist(dist, out, dtype, n, v1, v2, seed, counter, aux, naux);
  if (dist != CA_DIST_INTEGER && !ca_is_float(dtype)) return CA_ERR_UNSUPPORTED;
  int64_t per = ca_random_per_block(dtype, dist);
  int integers = dist == CA_DIST_INTEGER;
  double p1 = integers ? 0 : v1.f, p2 = integers ? 0 : v2.f;
  /* integers: lo + mulhi64(x, span), all in uint64 so that wide spans wrap correctly */
  draw g = {dist, dtype, (char *)out, n, (int64_t)ca_itemsize(dtype), per, p1, p2, seed, counter,
            integers ? v1.i : 0, 0, (float)p1, (float)p2}; /* float16/32 compute in float */
  g.span = integers ? (ca_u)v2.i - (ca_u)v1.i : 0;

  int64_t nblocks = (n + per - 1) / per;
  /* every element is a function of its block alone: split the blocks over the threads */
  ca_cpu_parallel(nblocks, CA_CPU_GRAIN / 4 / per, draw_blocks, &g);
  return CA_OK;
}
