/* Mask selection: count_true, compress, nonzero.
 *
 * count_true reads the flags 16 bytes at a time (the unaligned head and tail a byte at a
 * time), sums per warp, adds one atomic per warp into a device counter and reads that back:
 * the one synchronisation.
 * compress and nonzero are cub::DeviceSelect::Flagged over raw pointers, the flags read as
 * bytes (any nonzero byte true): one pass with decoupled look-back that reads the items and
 * the flags and writes only the selected items. The iterators stay a few words: an iterator
 * holding a shape and strides is copied for every item CUB touches and spills to local
 * memory (nonzero once wrote 3.5 GB that way for 2^26 flags). A strided compress first packs
 * its operands into contiguous scratch with the copy entry.
 * Every output goes through an iterator that drops what lies past the count the core
 * allocated for: a finalizer run by that allocation may have changed the mask since it was
 * counted, and the result must not overflow then. */
#include <cub/device/device_select.cuh>
#include "cu_kernels.cuh"

namespace {

/* ---- count_true --------------------------------------------------------------------------- */

__device__ __forceinline__ unsigned nonzero_bytes(unsigned w) {
  return (unsigned)__popc(__vcmpne4(w, 0u)) >> 3;
}

/* *total += the nonzero bytes of p[0, n); p + head is 16-byte aligned and holds nvec vectors. */
__global__ void k_count_true(const uint8_t *p, int64_t n, int64_t head, int64_t nvec,
                             unsigned long long *total) {
  int64_t t = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
  int64_t step = (int64_t)gridDim.x * blockDim.x;
  const uint4 *v = (const uint4 *)(p + head);
  unsigned long long c = 0;
  for (int64_t i = t; i < nvec; i += step) {
    uint4 w = v[i];
    c += nonzero_bytes(w.x) + nonzero_bytes(w.y) + nonzero_bytes(w.z) + nonzero_bytes(w.w);
  }
  for (int64_t i = t; i < head; i += step) c += p[i] != 0;
  for (int64_t i = head + nvec * 16 + t; i < n; i += step) c += p[i] != 0;
  for (int o = 16; o > 0; o >>= 1) c += __shfl_down_sync(0xffffffffu, c, o);
  if ((threadIdx.x & 31) == 0 && c) atomicAdd(total, c);
}

/* ---- bounded outputs for CUB --------------------------------------------------------------- */

/* Up to this many dims, nonzero writes the coordinates as CUB selects the flat indices. */
constexpr int fused_dims = 4;

/* out[i] = v for i < limit; writes past the limit are dropped. */
template <class T> struct bounded_out {
  typedef bounded_out self_type;
  typedef int64_t difference_type;
  typedef void value_type;
  typedef void pointer;
  typedef std::random_access_iterator_tag iterator_category;
  struct ref {
    T *p;
    int64_t limit, i;
    __device__ void operator=(const T &v) const {
      if (i < limit) p[i] = v;
    }
  };
  typedef ref reference;
  T *p;
  int64_t limit, i;
  __host__ __device__ self_type operator+(int64_t n) const { return self_type{p, limit, i + n}; }
  __host__ __device__ ref operator*() const { return ref{p, limit, i}; }
};

/* Row r of out (limit rows of nd int64) = the 1-based coordinates, over shape, of the flat
 * index written at position r; rows past the limit are dropped. */
struct coord_rows {
  int64_t *out;
  int64_t limit, r;
  int nd;
  int64_t shape[fused_dims];
  /* Unrolled over fused_dims so that shape stays in registers: a loop indexing it by nd
   * would put this struct in local memory. */
  __device__ void operator=(int64_t flat) const {
    if (r >= limit) return;
    int64_t c[fused_dims];
#pragma unroll
    for (int d = fused_dims - 1; d > 0; d--) {
      c[d] = 0;
      if (d < nd) {
        int64_t s = shape[d], q = flat / s;
        c[d] = flat - q * s + 1;
        flat = q;
      }
    }
    c[0] = flat + 1;
    int64_t *row = out + r * nd;
#pragma unroll
    for (int d = 0; d < fused_dims; d++)
      if (d < nd) row[d] = c[d];
  }
};

struct coord_out {
  typedef coord_out self_type;
  typedef int64_t difference_type;
  typedef void value_type;
  typedef void pointer;
  typedef coord_rows reference;
  typedef std::random_access_iterator_tag iterator_category;
  coord_rows at;
  __host__ __device__ self_type operator+(int64_t n) const {
    self_type t = *this;
    t.at.r += n;
    return t;
  }
  __host__ __device__ coord_rows operator*() const { return at; }
};

struct dims {
  int64_t v[CA_MAXDIMS];
};

struct flat_index {
  __host__ __device__ int64_t operator()(int64_t i) const { return i; }
};

/* Row r of out (count rows of nd) = the 1-based coordinates of the 1-based flat index sel[r]. */
__global__ void k_unravel_coords(const int64_t *sel, int64_t count, int nd,
                                 const dims shape, int64_t *out) {
  for (int64_t r = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; r < count;
       r += (int64_t)gridDim.x * blockDim.x) {
    int64_t i = sel[r] - 1;
    for (int d = nd - 1; d > 0; d--) {
      int64_t s = shape.v[d], q = i / s;
      out[r * nd + d] = i - q * s + 1;
      i = q;
    }
    out[r * nd] = i + 1;
  }
}

/* cub::DeviceSelect::Flagged(in, flags, out, n) with its temp storage and selected count in
 * one scratch block (the count stays on the device: the core counted already). */
template <class In, class Out>
static ca_status select_flagged(ca_backend *be, In in, const uint8_t *flags, Out out, int64_t n) {
  cudaStream_t s = cu_stream(be);
  size_t temp = 0;
  cudaError_t err = cub::DeviceSelect::Flagged(NULL, temp, in, flags, out, (int64_t *)NULL, n, s);
  if (err != cudaSuccess) return cu_fail(be, "cub::DeviceSelect::Flagged", err);
  void *scratch = NULL;
  ca_status st = cu_scratch(be, 256 + temp, &scratch);
  if (st != CA_OK) return st;
  err = cub::DeviceSelect::Flagged((char *)scratch + 256, temp, in, flags, out,
                                   (int64_t *)scratch, n, s);
  cu_scratch_free(be, scratch);
  return err == cudaSuccess ? CA_OK : cu_fail(be, "cub::DeviceSelect::Flagged", err);
}

template <class T>
static ca_status compress_as(ca_backend *be, const void *in, const uint8_t *flags, void *out,
                             int64_t n, int64_t count) {
  return select_flagged(be, (const T *)in, flags, bounded_out<T>{(T *)out, count, 0}, n);
}

/* A contiguous copy of operand j of l (any strides) in scratch, through the copy entry. */
static ca_status pack(ca_backend *be, const ca_loop *l, int j, void **buf) {
  ca_loop p = *l;
  p.nop = 2;
  p.compute = l->op[j].dtype;
  p.op[1] = l->op[j];
  p.op[0] = l->op[j];
  int64_t st = 1;
  for (int d = l->ndim - 1; d >= 0; d--) {
    p.op[0].strides[d] = st;
    st *= l->shape[d];
  }
  ca_status s = cu_scratch(be, (size_t)l->size * ca_itemsize(l->op[j].dtype), buf);
  if (s != CA_OK) return s;
  p.op[0].data = (char *)*buf;
  if ((s = cu_copy(be, &p)) != CA_OK) {
    cu_scratch_free(be, *buf);
    *buf = NULL;
  }
  return s;
}

} /* namespace */

extern "C" ca_status cu_count_true(ca_backend *be, const void *flags, int64_t n, int64_t *count) {
  if (n < 0 || !count || (n > 0 && !flags)) return CA_ERR_VALUE;
  *count = 0;
  if (n == 0) return CA_OK;
  cudaStream_t s = cu_stream(be);
  void *total = NULL;
  ca_status st = cu_scratch(be, sizeof(unsigned long long), &total);
  if (st != CA_OK) return st;
  const uint8_t *p = (const uint8_t *)flags;
  int64_t head = (int64_t)((16 - ((uintptr_t)p & 15)) & 15);
  if (head > n) head = n;
  int64_t nvec = (n - head) / 16;
  unsigned long long h = 0;
  cudaError_t err = cudaMemsetAsync(total, 0, sizeof h, s);
  if (err == cudaSuccess) {
    unsigned grid = cuk::blocks_for(nvec > 0 ? nvec : 1, 256, (int64_t)cuk::sm_count(be) * 8);
    k_count_true<<<grid, 256, 0, s>>>(p, n, head, nvec, (unsigned long long *)total);
    err = cudaGetLastError();
  }
  if (err == cudaSuccess) err = cudaMemcpyAsync(&h, total, sizeof h, cudaMemcpyDeviceToHost, s);
  if (err == cudaSuccess) err = cudaStreamSynchronize(s);
  cu_scratch_free(be, total);
  if (err != cudaSuccess) return cu_fail(be, "count_true", err);
  *count = (int64_t)h;
  return CA_OK;
}

extern "C" ca_status cu_compress(ca_backend *be, const ca_loop *l, int64_t count) {
  if (l->nop < 3 || l->ndim < 0 || l->ndim > CA_MAXDIMS || count < 0) return CA_ERR_VALUE;
  if (!l->op[0].data || !l->op[1].data || !l->op[2].data) return CA_ERR_VALUE;
  int dt = l->op[1].dtype;
  if (dt < 0 || dt >= CA_NDTYPES || l->op[0].dtype != dt || l->op[2].dtype != CA_BOOL)
    return CA_ERR_VALUE;
  if (l->size == 0 || count == 0) return CA_OK;
  int flat = l->ndim == 1;
  void *src = NULL, *flags = NULL;
  ca_status st = CA_OK;
  if (flat && l->op[1].strides[0] == 1) src = l->op[1].data;
  else st = pack(be, l, 1, &src);
  if (st == CA_OK) {
    if (flat && l->op[2].strides[0] == 1) flags = l->op[2].data;
    else st = pack(be, l, 2, &flags);
  }
  if (st == CA_OK) {
    const uint8_t *f = (const uint8_t *)flags;
    char *out = l->op[0].data;
    switch (ca_itemsize(dt)) {
    case 1: st = compress_as<uint8_t>(be, src, f, out, l->size, count); break;
    case 2: st = compress_as<uint16_t>(be, src, f, out, l->size, count); break;
    case 4: st = compress_as<uint32_t>(be, src, f, out, l->size, count); break;
    case 8: st = compress_as<uint64_t>(be, src, f, out, l->size, count); break;
    default: st = compress_as<ca_c16>(be, src, f, out, l->size, count); break;
    }
  }
  if (src && src != l->op[1].data) cu_scratch_free(be, src);
  if (flags && flags != l->op[2].data) cu_scratch_free(be, flags);
  return st;
}

extern "C" ca_status cu_nonzero(ca_backend *be, const ca_loop *l, int64_t count) {
  if (l->nop < 2 || l->ndim < 0 || l->ndim > CA_MAXDIMS || count < 0) return CA_ERR_VALUE;
  if (!l->op[0].data || !l->op[1].data || l->op[1].dtype != CA_BOOL) return CA_ERR_VALUE;
  if (count == 0 || l->size == 0 || l->ndim == 0) return CA_OK;
  int nd = l->ndim;
  const uint8_t *flags = (const uint8_t *)l->op[1].data;
  cuk::FnIter<flat_index> in(flat_index{});
  coord_out out;
  memset(&out, 0, sizeof out);
  out.at.limit = count;
  if (nd <= fused_dims) { /* the coordinates written as the indices are selected */
    out.at.out = (int64_t *)l->op[0].data;
    out.at.nd = nd;
    for (int d = 0; d < nd; d++) out.at.shape[d] = l->shape[d];
    return select_flagged(be, in, flags, out, l->size);
  }
  /* more dims: the 1-based flat indices first, then their coordinates */
  void *sel = NULL;
  ca_status st = cu_scratch(be, (size_t)count * sizeof(int64_t), &sel);
  if (st != CA_OK) return st;
  out.at.out = (int64_t *)sel;
  out.at.nd = 1;
  st = select_flagged(be, in, flags, out, l->size);
  if (st == CA_OK) {
    dims shape;
    memset(&shape, 0, sizeof shape);
    for (int d = 0; d < nd; d++) shape.v[d] = l->shape[d];
    unsigned grid = cuk::blocks_for(count, 256, (int64_t)cuk::sm_count(be) * 16);
    k_unravel_coords<<<grid, 256, 0, cu_stream(be)>>>((const int64_t *)sel, count, nd, shape,
                                                      (int64_t *)l->op[0].data);
    st = cu_check_launch(be, "nonzero");
  }
  cu_scratch_free(be, sel);
  return st;
}
