/* Random fills: the Philox stream of scalar.h, element by element. Element i of a draw is a
 * pure function of (seed, counter, i): it reads block counter + i / per at word offset
 * (i % per) * (4 / per), per = ca_random_per_block(dtype, dist), so any backend (and any
 * thread of one) can compute it alone. */
#include "cpu_internal.h"

#define BATCH 64 /* blocks generated at once */

static void philox_blocks(uint64_t seed, uint64_t counter, uint32_t *wv, int nb) {
  for (int j = 0; j < nb; j++) {
    ca_u32x4 b = ca_philox(seed, counter + (uint64_t)j);
    memcpy(wv + 4 * j, b.v, sizeof b.v);
  }
}

ca_status ca_cpu_random(ca_backend *be, int dist, void *out, int dtype, int64_t n, double p1,
                        double p2, uint64_t seed, uint64_t counter) {
  (void)be;
  if (dtype < 0 || dtype >= CA_NDTYPES || n < 0) return CA_ERR_VALUE;
  if (dist != CA_DIST_UNIFORM && dist != CA_DIST_NORMAL && dist != CA_DIST_INTEGER)
    return CA_ERR_UNSUPPORTED;
  if (dist != CA_DIST_INTEGER && !ca_is_float(dtype)) return CA_ERR_UNSUPPORTED;
  char *o = (char *)out;
  int64_t sz = (int64_t)ca_itemsize(dtype);
  int64_t per = ca_random_per_block(dtype, dist);
  /* integers: lo + mulhi64(x, span), all in uint64 so that wide spans wrap correctly */
  ca_i lo = ca_d2i(p1);
  ca_u span = (ca_u)ca_d2i(p2) - (ca_u)lo;
  float f1 = (float)p1, f2 = (float)p2; /* float16/32 compute in float */

  int64_t nblocks = (n + per - 1) / per;
  uint32_t wv[4 * BATCH]; /* the words of BATCH consecutive blocks, in order */
  for (int64_t b0 = 0; b0 < nblocks; b0 += BATCH) {
    int nb = nblocks - b0 < BATCH ? (int)(nblocks - b0) : BATCH;
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
    } else { /* float16, float32: computed in float */
      float v[4 * BATCH];
      if (dist == CA_DIST_UNIFORM && dtype == CA_FLOAT32) {
        for (int64_t e = 0; e < m; e++) v[e] = f1 + (f2 - f1) * ca_u01_f(wv[e]);
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
      else for (int64_t e = 0; e < m; e++) ((uint16_t *)q)[e] = ca_float_to_half(v[e]);
    }
  }
  return CA_OK;
}
