/* Indexing entries: index_offsets, gather, scatter, gather_index, scatter_index, nonzero.
 * All walk their loop in C order (coalescing keeps it), so the first bad index and the last
 * duplicate of a scatter are those of C order. */
#include "cpu_internal.h"

static int valid_loop(const ca_loop *l, int nop) {
  if (l->nop < nop || l->ndim < 0 || l->ndim > CA_MAXDIMS) return 0;
  for (int j = 0; j < nop; j++)
    if (l->op[j].dtype < 0 || l->op[j].dtype >= CA_NDTYPES) return 0;
  return 1;
}

/* *off = the element offset of index x (1-based, negative from the end) along an axis of
 * `size` elements `stride` apart; 0 when x is outside it. */
CA_CPU_INLINE int axis_offset(ca_i x, int64_t size, int64_t stride, ca_i *off) {
  ca_i norm;
  if (x >= 1 && x <= size) norm = x - 1;
  else if (x <= -1 && x >= -size) norm = x + size;
  else return 0;
  *off = (ca_i)((ca_u)norm * (ca_u)stride);
  return 1;
}

/* Index positions turned into offsets: axis_offset of each of the m indices at v, into out;
 * 0, with *bad set, at the first index outside the axis. */
static int norm_offsets(const ca_i *v, int64_t m, int64_t size, int64_t stride, ca_i *out,
                        int64_t *bad) {
  for (int64_t k = 0; k < m; k++) {
    if (!axis_offset(v[k], size, stride, &out[k])) {
      if (bad) *bad = v[k];
      return 0;
    }
  }
  return 1;
}

ca_status ca_cpu_index_offsets(ca_backend *be, const ca_loop *l0, int64_t size, int64_t stride,
                               int accumulate, int64_t *bad) {
  (void)be;
  if (!valid_loop(l0, 2) || !l0->op[0].data || l0->op[0].dtype != CA_INT64) return CA_ERR_VALUE;
  if (ca_is_float(l0->op[1].dtype)) return CA_ERR_UNSUPPORTED;
  ca_loop l;
  ca_cpu_loop_view(l0, &l);
  if (l.size == 0) return CA_OK;
  ca_elem tmp;
  const char *ib = ca_cpu_operand_data(&l.op[1], &tmp);
  int idt = l.op[1].dtype;
  int64_t isz = (int64_t)ca_itemsize(idt);
  int nd = l.ndim - 1;
  int64_t n = l.shape[nd], os = l.op[0].strides[nd], is = l.op[1].strides[nd];
  int64_t idx[CA_MAXDIMS] = {0}, off[2] = {0, 0};
  const int64_t *strides[2] = {l.op[0].strides, l.op[1].strides};
  ca_i buf[CA_CPU_BUFN], nbuf[CA_CPU_BUFN];
  do {
    int64_t *o = (int64_t *)l.op[0].data + off[0];
    const char *p = ib + off[1] * isz;
    for (int64_t i0 = 0; i0 < n; i0 += CA_CPU_BUFN) {
      int64_t m = n - i0 < CA_CPU_BUFN ? n - i0 : CA_CPU_BUFN;
      const ca_i *v = (const ca_i *)ca_cpu_fetch(CA_CPU_I, buf, idt, p + i0 * is * isz, is, m);
      if (!norm_offsets(v, m, size, stride, nbuf, bad)) return CA_ERR_INDEX;
      for (int64_t k = 0; k < m; k++) {
        int64_t *q = o + (i0 + k) * os;
        ca_u base = accumulate ? (ca_u)*q : 0;
        *q = (int64_t)(base + (ca_u)nbuf[k]);
      }
    }
  } while (ca_cpu_next(nd, l.shape, idx, 2, strides, off));
  return CA_OK;
}

/* Raw element moves between a contiguous buffer and base + offsets: buf[k] = base[k * bs +
 * offs[k]] (gather) or the reverse (scatter), through the element move of their size. */
CA_CPU_INLINE void gather_loop(ca_cpu_elem_fn f, void *buf, const char *base, int64_t bs,
                               const ca_i *offs, int64_t m) {
  for (int64_t k = 0; k < m; k++) f(buf, k, base, k * bs + offs[k]);
}
CA_CPU_INLINE void scatter_loop(ca_cpu_elem_fn f, char *base, int64_t bs, const ca_i *offs,
                                const void *buf, int64_t m) {
  for (int64_t k = 0; k < m; k++) f(base, k * bs + offs[k], buf, k);
}

static void gather_raw(void *dst, const char *base, int64_t bs, const ca_i *offs, int64_t m,
                       int64_t sz) {
  switch (sz) {
  case 1: gather_loop(ca_cpu_mv1, dst, base, bs, offs, m); break;
  case 2: gather_loop(ca_cpu_mv2, dst, base, bs, offs, m); break;
  case 4: gather_loop(ca_cpu_mv4, dst, base, bs, offs, m); break;
  case 8: gather_loop(ca_cpu_mv8, dst, base, bs, offs, m); break;
  default: gather_loop(ca_cpu_mv16, dst, base, bs, offs, m); break;
  }
}

static void scatter_raw(char *base, int64_t bs, const ca_i *offs, const void *src, int64_t m,
                        int64_t sz) {
  switch (sz) {
  case 1: scatter_loop(ca_cpu_mv1, base, bs, offs, src, m); break;
  case 2: scatter_loop(ca_cpu_mv2, base, bs, offs, src, m); break;
  case 4: scatter_loop(ca_cpu_mv4, base, bs, offs, src, m); break;
  case 8: scatter_loop(ca_cpu_mv8, base, bs, offs, src, m); break;
  default: scatter_loop(ca_cpu_mv16, base, bs, offs, src, m); break;
  }
}

/* The axis an index array (op[2]) walks: size and stride, or NULL when op[2] holds offsets. */
typedef struct axis_ref {
  int64_t size, stride;
  int64_t *bad;
} axis_ref;

enum { GATHER, SCATTER, CHECK };

/* ---- one run of int64 indices along an axis, one dtype ------------------------------------ */

/* The usual a[idx], a[idx] = v and take: after coalescing, one dimension, the same dtype on
 * both sides and int64 indices. A loop per element size, without the buffers of move() below,
 * and the gather and the check split among the threads; a scatter stays in C order, so that
 * the last of duplicate indices wins. 2^20 float32 from 2^22 took 2.8 ms through the buffers
 * on the 2-core development machine, where NumPy's took 1.8. */
typedef struct run_job {
  int mode;
  char *p0;
  const char *p1;
  const ca_i *po;
  int64_t s0, s1, so;   /* strides, in elements */
  int64_t size, stride; /* the axis */
  int64_t bad_at;       /* the first bad index's position in C order; INT64_MAX: none */
} run_job;

static void lower_bad_at(int64_t *at, int64_t i) {
  int64_t cur = __atomic_load_n(at, __ATOMIC_RELAXED);
  while (i < cur && !__atomic_compare_exchange_n(at, &cur, i, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
  }
}

/* Each part stops at its first bad index, so the lowest position recorded is the first. */
#define RUN_PART(NAME, T)                                                                     \
  static void NAME(void *ctx, int64_t lo, int64_t hi) {                                      \
    run_job *j = (run_job *)ctx;                                                              \
    T *d = (T *)j->p0;                                                                        \
    const T *s = (const T *)j->p1;                                                            \
    for (int64_t i = lo; i < hi; i++) {                                                       \
      ca_i o;                                                                                 \
      if (!axis_offset(j->po[i * j->so], j->size, j->stride, &o)) {                           \
        lower_bad_at(&j->bad_at, i);                                                          \
        return;                                                                               \
      }                                                                                       \
      if (j->mode == GATHER) d[i * j->s0] = s[i * j->s1 + o];                                 \
      else if (j->mode == SCATTER) d[i * j->s0 + o] = s[i * j->s1];                           \
    }                                                                                         \
  }
RUN_PART(run_part1, uint8_t)
RUN_PART(run_part2, uint16_t)
RUN_PART(run_part4, uint32_t)
RUN_PART(run_part8, uint64_t)
RUN_PART(run_part16, ca_c16)
#undef RUN_PART

/* Random reads cost more than an elementwise op's: threads pay from fewer elements. */
#define CA_CPU_INDEX_GRAIN ((int64_t)1 << 16)

static ca_status move_run(const ca_loop *l, int mode, const axis_ref *ax) {
  run_job j = {mode, l->op[0].data, l->op[1].data, (const ca_i *)l->op[2].data,
               l->op[0].strides[0], l->op[1].strides[0], l->op[2].strides[0],
               ax->size, ax->stride, INT64_MAX};
  ca_cpu_task part;
  switch (ca_itemsize(l->op[0].dtype)) {
  case 1: part = run_part1; break;
  case 2: part = run_part2; break;
  case 4: part = run_part4; break;
  case 8: part = run_part8; break;
  default: part = run_part16; break;
  }
  int64_t n = l->shape[0];
  if (mode == SCATTER) part(&j, 0, n);
  else ca_cpu_parallel(n, CA_CPU_INDEX_GRAIN, part, &j);
  if (j.bad_at == INT64_MAX) return CA_OK;
  if (ax->bad) *ax->bad = j.po[j.bad_at * j.so];
  return CA_ERR_INDEX;
}

/* gather: op[0][i] = op[1].data[pos1(i) + op[2][i]];
 * scatter: op[0].data[pos0(i) + op[2][i]] = op[1][i]; check: only the indices are read. */
static ca_status move(const ca_loop *l0, int mode, const axis_ref *ax) {
  if (!valid_loop(l0, 3) || !l0->op[0].data) return CA_ERR_VALUE;
  if (mode == GATHER && !l0->op[1].data) return CA_ERR_VALUE;
  if (ca_is_float(l0->op[2].dtype)) return CA_ERR_UNSUPPORTED;
  ca_loop l;
  ca_cpu_loop_view(l0, &l);
  if (l.size == 0) return CA_OK;
  if (ax && l.ndim == 1 && l.op[0].dtype == l.op[1].dtype && l.op[2].dtype == CA_INT64 &&
      l.op[1].data && l.op[2].data)
    return move_run(&l, mode, ax);
  ca_elem tmp1, tmp2;
  const char *vb = ca_cpu_operand_data(&l.op[1], &tmp1);
  const char *ob = ca_cpu_operand_data(&l.op[2], &tmp2);
  int dt0 = l.op[0].dtype, dt1 = l.op[1].dtype, dto = l.op[2].dtype;
  int64_t sz0 = (int64_t)ca_itemsize(dt0), sz1 = (int64_t)ca_itemsize(dt1);
  int64_t szo = (int64_t)ca_itemsize(dto);
  int nd = l.ndim - 1;
  int64_t n = l.shape[nd];
  int64_t s0 = l.op[0].strides[nd], s1 = l.op[1].strides[nd], so = l.op[2].strides[nd];
  int64_t idx[CA_MAXDIMS] = {0}, off[3] = {0, 0, 0};
  const int64_t *strides[3] = {l.op[0].strides, l.op[1].strides, l.op[2].strides};
  ca_i obuf[CA_CPU_BUFN], nbuf[CA_CPU_BUFN];
  ca_elem raw[CA_CPU_BUFN];
  do {
    for (int64_t i0 = 0; i0 < n; i0 += CA_CPU_BUFN) {
      int64_t m = n - i0 < CA_CPU_BUFN ? n - i0 : CA_CPU_BUFN;
      const ca_i *offs = (const ca_i *)ca_cpu_fetch(CA_CPU_I, obuf, dto,
                                                    ob + (off[2] + i0 * so) * szo, so, m);
      if (ax) {
        if (!norm_offsets(offs, m, ax->size, ax->stride, nbuf, ax->bad)) return CA_ERR_INDEX;
        offs = nbuf;
      }
      char *p0 = l.op[0].data + (off[0] + i0 * s0) * sz0;
      const char *p1 = vb + (off[1] + i0 * s1) * sz1;
      if (mode == GATHER) {
        gather_raw(raw, p1, s1, offs, m, sz1);
        ca_cpu_convert(dt0, p0, s0, dt1, (const char *)raw, 1, m);
      } else if (mode == SCATTER) {
        ca_cpu_convert(dt0, (char *)raw, 1, dt1, p1, s1, m);
        scatter_raw(p0, s0, offs, raw, m, sz0);
      }
    }
  } while (ca_cpu_next(nd, l.shape, idx, 3, strides, off));
  return CA_OK;
}

ca_status ca_cpu_gather(ca_backend *be, const ca_loop *l) {
  (void)be;
  return move(l, GATHER, NULL);
}

ca_status ca_cpu_scatter(ca_backend *be, const ca_loop *l) {
  (void)be;
  return move(l, SCATTER, NULL);
}

ca_status ca_cpu_gather_index(ca_backend *be, const ca_loop *l, int64_t size, int64_t stride,
                              int64_t *bad) {
  (void)be;
  axis_ref ax = {size, stride, bad};
  return move(l, GATHER, &ax);
}

/* Every index is checked before anything is written, as NumPy does. */
ca_status ca_cpu_scatter_index(ca_backend *be, const ca_loop *l, int64_t size, int64_t stride,
                               int64_t *bad) {
  (void)be;
  axis_ref ax = {size, stride, bad};
  ca_status st = move(l, CHECK, &ax);
  return st == CA_OK ? move(l, SCATTER, &ax) : st;
}

ca_status ca_cpu_nonzero(ca_backend *be, const ca_loop *l, int64_t count) {
  (void)be;
  if (!valid_loop(l, 2) || !l->op[0].data) return CA_ERR_VALUE;
  int nd = l->ndim;
  if (count <= 0 || nd == 0 || l->size == 0) return CA_OK;
  for (int d = 0; d < nd; d++)
    if (l->shape[d] == 0) return CA_OK;
  ca_elem tmp;
  const char *p1 = ca_cpu_operand_data(&l->op[1], &tmp);
  int dt = l->op[1].dtype;
  int64_t sz = (int64_t)ca_itemsize(dt);
  int64_t zero[CA_MAXDIMS] = {0};
  const int64_t *st = l->op[1].data ? l->op[1].strides : zero;
  int64_t n = l->shape[nd - 1], s = st[nd - 1];
  int64_t idx[CA_MAXDIMS] = {0}, off = 0, row = 0;
  const int64_t *strides[1] = {st};
  int64_t *out = (int64_t *)l->op[0].data;
  uint8_t t[CA_CPU_BUFN];
  do {
    const char *p = p1 + off * sz;
    for (int64_t i0 = 0; i0 < n; i0 += CA_CPU_BUFN) {
      int64_t m = n - i0 < CA_CPU_BUFN ? n - i0 : CA_CPU_BUFN;
      ca_cpu_load_truth(t, dt, p + i0 * s * sz, s, m);
      /* Every element's coordinates are stored at row, which advances past the true ones (no
       * branch to mispredict); the stores stay below count, more than the core counted. */
      for (int64_t k = 0; k < m && row < count; k++) {
        int64_t *r = out + row * nd;
        for (int d = 0; d < nd - 1; d++) r[d] = idx[d] + 1;
        r[nd - 1] = i0 + k + 1;
        row += t[k];
      }
      if (row == count) return CA_OK;
    }
  } while (ca_cpu_next(nd - 1, l->shape, idx, 1, strides, &off));
  return CA_OK;
}
