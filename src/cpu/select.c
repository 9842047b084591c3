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
  do {
    const char *src = l.op[1].data + off[0] * sz;
    const uint8_t *f = (const uint8_t *)l.op[2].data + off[1];
    for (int64_t k = 0; k < n; k++) {
      if (!f[k * s2]) continue;
      if (w == count) return CA_OK; /* more than the core counted: keep within bounds */
      memcpy(out + w * sz, src + k * s1 * sz, (size_t)sz);
      w++;
    }
  } while (ca_cpu_next(nd, l.shape, idx, 2, strides, off));
  return CA_OK;
}
