/* Random fills: the Philox stream of scalar.h, element by element. Element i of a draw is a
 * pure function of (seed, counter, i): it reads block counter + i / per at word offset
 * (i % per) * (4 / per), per = ca_random_per_block(dtype, dist), so any backend (and any
 * thread of one) can compute it alone. */
#include "cpu_internal.h"

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

  for (int64_t i0 = 0; i0 < n; i0 += per) {
    ca_u32x4 w = ca_philox(seed, counter + (uint64_t)(i0 / per));
    int64_t m = n - i0 < per ? n - i0 : per;
    for (int64_t e = 0; e < m; e++) {
      char *q = o + (i0 + e) * sz;
      if (dist == CA_DIST_INTEGER) {
        uint64_t x = ((uint64_t)w.v[2 * e] << 32) | w.v[2 * e + 1];
        ca_cpu_st_i(dtype, q, (ca_i)((ca_u)lo + ca_mulhi64(x, span)));
      } else if (dtype == CA_FLOAT64) {
        if (dist == CA_DIST_UNIFORM) {
          double u = ca_u01_d(w.v[2 * e], w.v[2 * e + 1]);
          *(double *)q = p1 + (p2 - p1) * u;
        } else {
          double z[2];
          ca_box_muller_d(ca_u01_d(w.v[0], w.v[1]), ca_u01_d(w.v[2], w.v[3]), &z[0], &z[1]);
          *(double *)q = p1 + p2 * z[e];
        }
      } else { /* float16, float32: computed in float */
        float v;
        if (dist == CA_DIST_UNIFORM) {
          float u = dtype == CA_FLOAT16 ? ca_u01_h(w.v[e]) : ca_u01_f(w.v[e]);
          v = f1 + (f2 - f1) * u;
        } else {
          float z[2];
          int pr = (int)(e / 2); /* words 2pr, 2pr + 1 make the pair */
          ca_box_muller_f(ca_u01_f(w.v[2 * pr]), ca_u01_f(w.v[2 * pr + 1]), &z[0], &z[1]);
          v = f1 + f2 * z[e % 2];
        }
        ca_cpu_st_f(dtype, q, v);
      }
    }
  }
  return CA_OK;
}
