/* Indexing: index_offsets, gather, scatter, nonzero.
 *
 * Every kernel walks a ca_loop (C order, any strides, 64-bit offsets) with a grid-stride
 * loop; a one-dimensional loop (the common coalesced case) skips the unravelling. Values are
 * converted as the CPU backend converts (read in the source's compute type, then stored).
 * A scalar operand (data == NULL) is first written into its dtype on the host, as the CPU
 * does, and the kernel reads that copy from its parameters.
 * index_offsets flags an out-of-range index on the device (first one wins the flag) and
 * reads the flag back: the only synchronisation here.
 * nonzero selects the flat indices of the truthy elements with cub::DeviceSelect::Flagged
 * (flags computed on the fly by an iterator) and unravels them into 1-based coordinates. */
#include <cub/device/device_select.cuh>
#include "cu_kernels.cuh"

namespace {

struct iparams {
  int ndim, nop;
  int64_t size;
  int64_t shape[CA_MAXDIMS];
  int64_t strides[CA_MAXOPS][CA_MAXDIMS];
  const char *data[CA_MAXOPS];   /* NULL: the scalar's bytes in sbytes */
  int dtype[CA_MAXOPS];
  ca_elem sbytes[CA_MAXOPS];
  int64_t isize, istride;         /* index_offsets */
  int accumulate;
  unsigned long long *flag;       /* [0]: set once, [1]: the offending value */
};

/* Host: a scalar's value written in its dtype (as ca_cpu_operand_data does). */
static ca_elem scalar_bytes(const ca_operand *o) {
  ca_elem bits = {{0, 0}};
  ca_store_value(o->dtype, &bits, o->value);
  return bits;
}

static int fill_params(const ca_loop *l, iparams *p) {
  if (l->ndim < 0 || l->ndim > CA_MAXDIMS || l->nop < 2 || l->nop > CA_MAXOPS) return 0;
  memset(p, 0, sizeof *p);
  p->ndim = l->ndim;
  p->nop = l->nop;
  p->size = 1;
  for (int d = 0; d < l->ndim; d++) {
    p->shape[d] = l->shape[d];
    p->size *= l->shape[d];
  }
  for (int j = 0; j < l->nop; j++) {
    const ca_operand *o = &l->op[j];
    if (o->dtype < 0 || o->dtype >= CA_NDTYPES) return 0;
    p->data[j] = o->data;
    p->dtype[j] = o->dtype;
    if (o->data) {
      for (int d = 0; d < l->ndim; d++) p->strides[j][d] = o->strides[d];
    } else {
      p->sbytes[j] = scalar_bytes(o);
    }
  }
  return 1;
}

/* Offsets (elements) of flat index i for operands 0..N-1. */
template <int N> __device__ __forceinline__ void offsets(const iparams &p, int64_t i, int64_t *off) {
  if (p.ndim == 1) {
    for (int j = 0; j < N; j++) off[j] = i * p.strides[j][0];
    return;
  }
  const int64_t *st[N];
  for (int j = 0; j < N; j++) st[j] = p.strides[j];
  cuk::unravel<N>(p.ndim, p.shape, i, st, off);
}

__device__ __forceinline__ const char *opdata(const iparams &p, int j) {
  return p.data[j] ? p.data[j] : (const char *)&p.sbytes[j];
}

#define GRID_LOOP(i, n)                                                                       \
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < (n);                  \
       i += (int64_t)gridDim.x * blockDim.x)

__global__ void k_index_offsets(const iparams p) {
  int64_t *out = (int64_t *)p.data[0];
  const char *idx = opdata(p, 1);
  GRID_LOOP(i, p.size) {
    int64_t off[2];
    offsets<2>(p, i, off);
    ca_i v = cuk::ld_rt<ca_i>(idx, p.dtype[1], off[1]);
    ca_i k;
    if (v >= 1 && v <= p.isize) k = v - 1;
    else if (v < 0 && v >= -p.isize) k = v + p.isize;
    else {
      if (atomicCAS(&p.flag[0], 0ull, 1ull) == 0ull) p.flag[1] = (unsigned long long)v;
      continue;
    }
    ca_i base = p.accumulate ? out[off[0]] : 0;
    out[off[0]] = (ca_i)((ca_u)base + (ca_u)k * (ca_u)p.istride);
  }
}

/* gather: op[0][i] = op[1].data[off1(i) + op[2][i]] */
__global__ void k_gather(const iparams p) {
  char *out = (char *)p.data[0];
  const char *src = opdata(p, 1), *ofs = opdata(p, 2);
  int same = p.dtype[0] == p.dtype[1];
  int sz = (int)ca_itemsize(p.dtype[0]);
  GRID_LOOP(i, p.size) {
    int64_t off[3];
    offsets<3>(p, i, off);
    int64_t so = off[1] + ((const int64_t *)ofs)[off[2]];
    if (same) cuk::copy_elem(out + off[0] * sz, src + so * sz, sz);
    else cuk::convert_rt(out, p.dtype[0], off[0], src, p.dtype[1], so);
  }
}

/* scatter: op[0].data[off0(i) + op[2][i]] = op[1][i] */
__global__ void k_scatter(const iparams p) {
  char *dst = (char *)p.data[0];
  const char *val = opdata(p, 1), *ofs = opdata(p, 2);
  int same = p.dtype[0] == p.dtype[1];
  int sz = (int)ca_itemsize(p.dtype[0]);
  GRID_LOOP(i, p.size) {
    int64_t off[3];
    offsets<3>(p, i, off);
    int64_t d = off[0] + ((const int64_t *)ofs)[off[2]];
    if (same) cuk::copy_elem(dst + d * sz, val + off[1] * sz, sz);
    else cuk::convert_rt(dst, p.dtype[0], d, val, p.dtype[1], off[1]);
  }
}

/* ---- nonzero ----------------------------------------------------------------------------- */

struct flat_index {
  __host__ __device__ int64_t operator()(int64_t i) const { return i; }
};

struct truth_at {
  const char *data;
  int dtype, ndim;
  int64_t shape[CA_MAXDIMS], strides[CA_MAXDIMS];
  __host__ __device__ int operator()(int64_t i) const {
#ifdef __CUDA_ARCH__
    int64_t off = 0;
    if (ndim == 1) {
      off = i * strides[0];
    } else {
      const int64_t *st[1] = {strides};
      cuk::unravel<1>(ndim, shape, i, st, &off);
    }
    return cuk::truth_rt(data, dtype, off);
#else
    (void)i;
    return 0;
#endif
  }
};

/* out[r * ndim + d] = 1-based coordinate d of flat index sel[r]. */
__global__ void k_unravel_coords(const int64_t *sel, int64_t count, int ndim, int64_t *out,
                                 const iparams p) {
  GRID_LOOP(r, count) {
    int64_t i = sel[r];
    for (int d = ndim - 1; d >= 0; d--) {
      int64_t s = p.shape[d], q = i / s;
      out[r * ndim + d] = i - q * s + 1;
      i = q;
    }
  }
}

static unsigned grid_for(ca_backend *be, int64_t n) {
  return cuk::blocks_for(n, 256, (int64_t)cuk::sm_count(be) * 16);
}

} /* namespace */

extern "C" ca_status cu_index_offsets(ca_backend *be, const ca_loop *l, int64_t size,
                                      int64_t stride, int accumulate, int64_t *bad) {
  iparams p;
  if (!fill_params(l, &p) || !l->op[0].data || l->op[0].dtype != CA_INT64) return CA_ERR_VALUE;
  if (p.size == 0) return CA_OK;
  p.isize = size;
  p.istride = stride;
  p.accumulate = accumulate;
  cudaStream_t s = cu_stream(be);
  void *flag = NULL;
  ca_status st = cu_scratch(be, 2 * sizeof(unsigned long long), &flag);
  if (st != CA_OK) return st;
  p.flag = (unsigned long long *)flag;
  cudaError_t err = cudaMemsetAsync(flag, 0, 2 * sizeof(unsigned long long), s);
  if (err != cudaSuccess) {
    cu_scratch_free(be, flag);
    return cu_fail(be, "cudaMemsetAsync", err);
  }
  k_index_offsets<<<grid_for(be, p.size), 256, 0, s>>>(p);
  if ((st = cu_check_launch(be, "index_offsets")) != CA_OK) {
    cu_scratch_free(be, flag);
    return st;
  }
  unsigned long long h[2] = {0, 0};
  err = cudaMemcpyAsync(h, flag, sizeof h, cudaMemcpyDeviceToHost, s);
  if (err == cudaSuccess) err = cudaStreamSynchronize(s);
  cu_scratch_free(be, flag);
  if (err != cudaSuccess) return cu_fail(be, "index_offsets (flag read-back)", err);
  if (h[0]) {
    if (bad) *bad = (int64_t)h[1];
    return CA_ERR_INDEX;
  }
  return CA_OK;
}

extern "C" ca_status cu_gather(ca_backend *be, const ca_loop *l) {
  iparams p;
  if (l->nop < 3 || !fill_params(l, &p) || !l->op[0].data || !l->op[1].data) return CA_ERR_VALUE;
  if (p.size == 0) return CA_OK;
  k_gather<<<grid_for(be, p.size), 256, 0, cu_stream(be)>>>(p);
  return cu_check_launch(be, "gather");
}

extern "C" ca_status cu_scatter(ca_backend *be, const ca_loop *l) {
  iparams p;
  if (l->nop < 3 || !fill_params(l, &p) || !l->op[0].data) return CA_ERR_VALUE;
  if (p.size == 0) return CA_OK;
  k_scatter<<<grid_for(be, p.size), 256, 0, cu_stream(be)>>>(p);
  return cu_check_launch(be, "scatter");
}

extern "C" ca_status cu_nonzero(ca_backend *be, const ca_loop *l, int64_t count) {
  iparams p;
  if (!fill_params(l, &p) || !l->op[0].data || !l->op[1].data || count < 0) return CA_ERR_VALUE;
  if (count == 0 || p.size == 0 || l->ndim == 0) return CA_OK;
  cudaStream_t s = cu_stream(be);
  truth_at t;
  memset(&t, 0, sizeof t);
  t.data = l->op[1].data;
  t.dtype = l->op[1].dtype;
  t.ndim = l->ndim;
  for (int d = 0; d < l->ndim; d++) {
    t.shape[d] = l->shape[d];
    t.strides[d] = l->op[1].strides[d];
  }
  cuk::FnIter<flat_index> in(flat_index{});
  cuk::FnIter<truth_at> flags(t);
  /* one scratch block: the selected flat indices, the selected count, CUB's temp storage */
  size_t temp = 0;
  cudaError_t err = cub::DeviceSelect::Flagged(NULL, temp, in, flags, (int64_t *)NULL,
                                               (int64_t *)NULL, p.size, s);
  if (err != cudaSuccess) return cu_fail(be, "cub::DeviceSelect::Flagged", err);
  size_t sel_bytes = ((size_t)count * sizeof(int64_t) + 255) & ~(size_t)255;
  void *scratch = NULL;
  ca_status st = cu_scratch(be, sel_bytes + 256 + temp, &scratch);
  if (st != CA_OK) return st;
  int64_t *sel = (int64_t *)scratch, *nsel = (int64_t *)((char *)scratch + sel_bytes);
  err = cub::DeviceSelect::Flagged((char *)scratch + sel_bytes + 256, temp, in, flags, sel, nsel,
                                   p.size, s);
  if (err != cudaSuccess) {
    cu_scratch_free(be, scratch);
    return cu_fail(be, "cub::DeviceSelect::Flagged", err);
  }
  k_unravel_coords<<<grid_for(be, count), 256, 0, s>>>(sel, count, l->ndim,
                                                       (int64_t *)l->op[0].data, p);
  st = cu_check_launch(be, "nonzero");
  cu_scratch_free(be, scratch);
  return st;
}
