/* Mask selection entries: count_true and compress. compress walks its loop in C order, which
 * is the order of the selected elements. */
#include "cpu_internal.h"

ca_status ca_cpu_count_true(ca_backend *be, const void *flags, int64_t n, int64_t *count) {
  (void)be;
  if (n < 0 || !count || (n > 0 && !flags)) return CA_ERR_VALUE;
  const uint8_t *p = (const uint8_t *)flags;
  int64_t c = 0;
  for (int64_t i = 0; i < n; i++) c += p[i] != 0;
  *count = c;
  return CA_OK;
}

/* The selected elements of one row of n: out[w++] = src[k * s1] where fl[k * s2], up to
 * count; returns w. Every element is stored at w and w advances past the selected ones (no
 * branch to mispredict on a random mask); the stores stay below count. */
CA_CPU_INLINE int64_t compress_row(ca_cpu_elem_fn f, char *out, int64_t w, int64_t count,
                                   const char *src, int64_t s1, const uint8_t *fl, int64_t s2,
                                   int64_t n) {
  for (int64_t k = 0; k < n && w < count; k++) {
    f(out, w, src, k * s1);
    w += fl[k * s2] != 0;
  }
  return w;
}

ca_status ca_cpu_compress(ca_backend *be, const ca_loop *l0, int64_t count) {
  (void)be;
  if (l0->nop < 3 || l0->ndim < 0 || l0->ndim > CA_MAXDIMS || count < 0) return CA_ERR_VALUE;
  if (!l0->op[0].data || !l0->op[1].data || !l0->op[2].data) return CA_ERR_VALUE;
  int dt = l0->op[1].dtype;
  if (dt < 0 || dt >= CA_NDTYPES || l0->op[0].dtype != dt || l0->op[2].dtype != CA_BOOL)
    return CA_ERR_VALUE;
  ca_loop l;
  ca_cpu_loop_view(l0, &l);
  if (l.size == 0 || count == 0) return CA_OK;
  int64_t sz = (int64_t)ca_itemsize(dt);
  int nd = l.ndim - 1;
  int64_t n = l.shape[nd], s1 = l.op[1].strides[nd], s2 = l.op[2].strides[nd];
  int64_t idx[CA_MAXDIMS] = {0}, off[2] = {0, 0}, w = 0;
  const int64_t *strides[2] = {l.op[1].strides, l.op[2].strides};
  char *out = l.op[0].data;
  do { /* beyond count (more than the core counted): nothing, to keep within bounds */
    const char *src = l.op[1].data + off[0] * sz;
    const uint8_t *f = (const uint8_t *)l.op[2].data + off[1];
    switch (sz) {
    case 1: w = compress_row(ca_cpu_mv1, out, w, count, src, s1, f, s2, n); break;
    case 2: w = compress_row(ca_cpu_mv2, out, w, count, src, s1, f, s2, n); break;
    case 4: w = compress_row(ca_cpu_mv4, out, w, count, src, s1, f, s2, n); break;
    case 8: w = compress_row(ca_cpu_mv8, out, w, count, src, s1, f, s2, n); break;
    default: w = compress_row(ca_cpu_mv16, out, w, count, src, s1, f, s2, n); break;
    }
  } while (w < count && ca_cpu_next(nd, l.shape, idx, 2, strides, off));
  return CA_OK;
}
