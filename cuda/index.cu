/* Indexing: index_offsets, gather, scatter, gather_index, scatter_index.
 *
 * Every kernel walks a ca_loop (C order, any strides, 64-bit offsets) with a grid-stride
 * loop; a one-dimensional loop (the common coalesced case) skips the unravelling. Values are
 * converted as the CPU backend converts (read in the source's compute type, then stored).
 * A scalar operand (data == NULL) is first written into its dtype on the host, as the CPU
 * does, and the kernel reads that copy from its parameters.
 * An out-of-range index raises a flag on the device (the first one to set it records its
 * value), read back after the kernel: one small read, a synchronisation. gather_index does
 * the check in its one pass (what it wrote is discarded on error); scatter_index checks every
 * index in a first pass that reads only the indices, so that nothing is written when one is
 * bad, as NumPy and the CPU do. */
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
  int64_t isize, istride;         /* the indexed axis: size and stride */
  int accumulate;
  unsigned long long *flag;       /* [0]: set once, [1]: the offending value; NULL: none */
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

/* The one-dimensional kernels take INDEX_UNROLL elements a thread, i0 + u * blockDim.x for u
 * below it, on a grid that covers the loop (covering_grid). */
constexpr int INDEX_UNROLL = 4;
#define UNROLLED_LOOP(i0, n)                                                                  \
  for (int64_t i0 = (int64_t)blockIdx.x * blockDim.x * INDEX_UNROLL + threadIdx.x; i0 < (n); \
       i0 += (int64_t)gridDim.x * blockDim.x * INDEX_UNROLL)

/* *off = the element offset along the indexed axis of index v (1-based, negative from the
 * end); false, after raising the flag, when v is out of range. */
__device__ __forceinline__ bool axis_offset(const iparams &p, ca_i v, int64_t *off) {
  ca_i k;
  if (v >= 1 && v <= p.isize) k = v - 1;
  else if (v < 0 && v >= -p.isize) k = v + p.isize;
  else {
    if (p.flag && atomicCAS(&p.flag[0], 0ull, 1ull) == 0ull) p.flag[1] = (unsigned long long)v;
    return false;
  }
  *off = (int64_t)((ca_u)k * (ca_u)p.istride);
  return true;
}

__global__ void k_index_offsets(const iparams p) {
  int64_t *out = (int64_t *)p.data[0];
  const char *idx = opdata(p, 1);
  GRID_LOOP(i, p.size) {
    int64_t off[2], k;
    offsets<2>(p, i, off);
    if (!axis_offset(p, cuk::ld_rt<ca_i>(idx, p.dtype[1], off[1]), &k)) continue;
    ca_i base = p.accumulate ? out[off[0]] : 0;
    out[off[0]] = (ca_i)((ca_u)base + (ca_u)k);
  }
}

/* dst[di] = src[si]: the bits of an SZ-byte element, or (SZ == 0) converted between dtypes. */
template <int SZ>
__device__ __forceinline__ void move_elem(char *dst, int ddt, int64_t di, const char *src,
                                          int sdt, int64_t si) {
  if constexpr (SZ == 0) cuk::convert_rt(dst, ddt, di, src, sdt, si);
  else cuk::copy_elem(dst + di * SZ, src + si * SZ, SZ);
}

/* gather_index: op[0][i] = op[1].data[off1(i) + axis offset of op[2][i]], checked. */
template <int SZ> __global__ void k_gather_index(const iparams p) {
  char *out = (char *)p.data[0];
  const char *src = p.data[1], *idx = opdata(p, 2);
  GRID_LOOP(i, p.size) {
    int64_t off[3], k;
    offsets<3>(p, i, off);
    if (axis_offset(p, cuk::ld_rt<ca_i>(idx, p.dtype[2], off[2]), &k))
      move_elem<SZ>(out, p.dtype[0], off[0], src, p.dtype[1], off[1] + k);
  }
}

template <int SZ> struct bits_of;
template <> struct bits_of<1> { typedef uint8_t type; };
template <> struct bits_of<2> { typedef uint16_t type; };
template <> struct bits_of<4> { typedef uint32_t type; };
template <> struct bits_of<8> { typedef unsigned long long type; };

/* The indices (op[2]) of a one-dimensional loop's elements i0 + u * blockDim.x, those below
 * p.size, all loaded before any is used. */
__device__ __forceinline__ void load_indices(const iparams &p, int64_t i0, ca_i *v) {
  const char *idx = opdata(p, 2);
#pragma unroll
  for (int u = 0; u < INDEX_UNROLL; u++) {
    int64_t i = i0 + (int64_t)u * blockDim.x;
    if (i < p.size) v[u] = cuk::ld_rt<ca_i>(idx, p.dtype[2], i * p.strides[2][0]);
  }
}

/* gather_index over a one-dimensional loop of SZ-byte elements: the indices, then the source
 * loads, then the stores, so that each thread keeps several random reads in flight, on a grid
 * without the grid-stride loop's last partial round. 2^24 float32 from 2^26 under Nsight
 * Compute (H200): 439-441 us, where the grid-stride kernel took 447-450 (and 453-456 unrolled
 * on its capped grid); PyTorch's index kernel 441, CuPy's take 438. */
template <int SZ> __global__ void __launch_bounds__(256) k_gather_index_1d(const iparams p) {
  typedef typename bits_of<SZ>::type T;
  constexpr int U = INDEX_UNROLL;
  char *out = (char *)p.data[0];
  const char *src = p.data[1];
  const int64_t s0 = p.strides[0][0], s1 = p.strides[1][0];
  UNROLLED_LOOP(i0, p.size) {
    ca_i v[U];
    int64_t k[U];
    bool ok[U];
    T e[U];
    load_indices(p, i0, v);
#pragma unroll
    for (int u = 0; u < U; u++) {
      int64_t i = i0 + (int64_t)u * blockDim.x;
      ok[u] = i < p.size && axis_offset(p, v[u], &k[u]);
      if (ok[u]) e[u] = *(const T *)(src + (i * s1 + k[u]) * SZ);
    }
#pragma unroll
    for (int u = 0; u < U; u++)
      if (ok[u]) *(T *)(out + (i0 + (int64_t)u * blockDim.x) * s0 * SZ) = e[u];
  }
}

/* The bounds check alone, over op[2] (its loop stripped of the dims it does not move on). */
__global__ void k_check_index(const iparams p) {
  const char *idx = opdata(p, 2);
  const int64_t *st[1] = {p.strides[2]};
  GRID_LOOP(i, p.size) {
    int64_t off = i * p.strides[2][0], k;
    if (p.ndim != 1) cuk::unravel<1>(p.ndim, p.shape, i, st, &off);
    axis_offset(p, cuk::ld_rt<ca_i>(idx, p.dtype[2], off), &k);
  }
}

/* The same over a one-dimensional loop, INDEX_UNROLL indices a thread, their loads first: 2^24
 * int64 indices in 45 us under Nsight Compute, where the loop above took 53. (The scatter
 * itself took 1.02 ms either way, unrolled so or not, as PyTorch's.) */
__global__ void __launch_bounds__(256) k_check_index_1d(const iparams p) {
  UNROLLED_LOOP(i0, p.size) {
    ca_i v[INDEX_UNROLL];
    load_indices(p, i0, v);
#pragma unroll
    for (int u = 0; u < INDEX_UNROLL; u++) {
      int64_t k;
      if (i0 + (int64_t)u * blockDim.x < p.size) axis_offset(p, v[u], &k);
    }
  }
}

/* scatter_index: op[0].data[off0(i) + axis offset of op[2][i]] = op[1][i]. */
template <int SZ> __global__ void k_scatter_index(const iparams p) {
  char *dst = (char *)p.data[0];
  const char *val = opdata(p, 1), *idx = opdata(p, 2);
  GRID_LOOP(i, p.size) {
    int64_t off[3], k;
    offsets<3>(p, i, off);
    if (axis_offset(p, cuk::ld_rt<ca_i>(idx, p.dtype[2], off[2]), &k))
      move_elem<SZ>(dst, p.dtype[0], off[0] + k, val, p.dtype[1], off[1]);
  }
}

typedef void (*index_kernel)(const iparams);
/* By move_slot: converting, then the bits of 1, 2, 4, 8 and 16 bytes. */
const index_kernel gather_index_kernels[] = {k_gather_index<0>, k_gather_index<1>,
                                             k_gather_index<2>, k_gather_index<4>,
                                             k_gather_index<8>, k_gather_index<16>};
const index_kernel scatter_index_kernels[] = {k_scatter_index<0>, k_scatter_index<1>,
                                              k_scatter_index<2>, k_scatter_index<4>,
                                              k_scatter_index<8>, k_scatter_index<16>};
/* Slots 1 to 4 over one dimension. */
const index_kernel gather_index_1d_kernels[] = {nullptr, k_gather_index_1d<1>,
                                                k_gather_index_1d<2>, k_gather_index_1d<4>,
                                                k_gather_index_1d<8>};

static int move_slot(const iparams &p) {
  if (p.dtype[0] != p.dtype[1]) return 0;
  switch (ca_itemsize(p.dtype[0])) {
  case 1: return 1;
  case 2: return 2;
  case 4: return 3;
  case 8: return 4;
  default: return 5;
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

static unsigned grid_for(ca_backend *be, int64_t n) {
  return cuk::blocks_for(n, 256, (int64_t)cuk::sm_count(be) * 16);
}

/* Blocks of 256 threads, INDEX_UNROLL elements each, for n elements (2^31 - 1 at most: past
 * 2^41 elements the kernels' loops take more rounds). */
static unsigned covering_grid(int64_t n) {
  return cuk::blocks_for(n, 256 * INDEX_UNROLL, ((int64_t)1 << 31) - 1);
}

/* Scratch for the out-of-range flag, cleared on the stream. */
static ca_status flag_open(ca_backend *be, iparams *p) {
  void *flag = NULL;
  ca_status st = cu_scratch(be, 2 * sizeof(unsigned long long), &flag);
  if (st != CA_OK) return st;
  p->flag = (unsigned long long *)flag;
  cudaError_t err = cudaMemsetAsync(flag, 0, 2 * sizeof(unsigned long long), cu_stream(be));
  if (err != cudaSuccess) {
    cu_scratch_free(be, flag);
    return cu_fail(be, "cudaMemsetAsync", err);
  }
  return CA_OK;
}

/* After the kernels launched since flag_open (st: how launching them went): reads the flag
 * back (the synchronisation) and frees it. CA_ERR_INDEX, with *bad the index recorded, when a
 * kernel raised it. */
static ca_status flag_close(ca_backend *be, const iparams *p, ca_status st, int64_t *bad) {
  unsigned long long h[2] = {0, 0};
  cudaError_t err = cudaSuccess;
  if (st == CA_OK) {
    cudaStream_t s = cu_stream(be);
    err = cudaMemcpyAsync(h, p->flag, sizeof h, cudaMemcpyDeviceToHost, s);
    if (err == cudaSuccess) err = cudaStreamSynchronize(s);
  }
  cu_scratch_free(be, p->flag);
  if (st != CA_OK) return st;
  if (err != cudaSuccess) return cu_fail(be, "index check (flag read-back)", err);
  if (h[0]) {
    if (bad) *bad = (int64_t)h[1];
    return CA_ERR_INDEX;
  }
  return CA_OK;
}

/* p reduced to the loop over op[2] alone: the dims it does not move on dropped (an index
 * broadcast along other dims is checked once). */
static void index_only(const iparams &p, iparams *q) {
  *q = p;
  q->ndim = 0;
  q->size = 1;
  for (int d = 0; d < p.ndim; d++) {
    if (p.strides[2][d] == 0 || p.shape[d] == 1) continue;
    q->shape[q->ndim] = p.shape[d];
    q->strides[2][q->ndim] = p.strides[2][d];
    q->size *= p.shape[d];
    q->ndim++;
  }
  if (q->ndim == 0) q->strides[2][0] = 0;
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
  ca_status st = flag_open(be, &p);
  if (st != CA_OK) return st;
  k_index_offsets<<<grid_for(be, p.size), 256, 0, cu_stream(be)>>>(p);
  return flag_close(be, &p, cu_check_launch(be, "index_offsets"), bad);
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


/* p for gather_index (need_src: op[1] is read) or scatter_index, with the indexed axis. */
static ca_status index_params(const ca_loop *l, int64_t size, int64_t stride, int need_src,
                              iparams *p) {
  if (l->nop < 3 || !fill_params(l, p) || !l->op[0].data || (need_src && !l->op[1].data))
    return CA_ERR_VALUE;
  if (ca_is_float(l->op[2].dtype) || ca_is_complex(l->op[2].dtype)) return CA_ERR_UNSUPPORTED;
  p->isize = size;
  p->istride = stride;
  return CA_OK;
}

extern "C" ca_status cu_gather_index(ca_backend *be, const ca_loop *l, int64_t size,
                                     int64_t stride, int64_t *bad) {
  iparams p;
  ca_status st = index_params(l, size, stride, 1, &p);
  if (st != CA_OK || p.size == 0 || (st = flag_open(be, &p)) != CA_OK) return st;
  int slot = move_slot(p);
  if (p.ndim == 1 && slot >= 1 && slot <= 4) {
    gather_index_1d_kernels[slot]<<<covering_grid(p.size), 256, 0, cu_stream(be)>>>(p);
  } else {
    gather_index_kernels[slot]<<<grid_for(be, p.size), 256, 0, cu_stream(be)>>>(p);
  }
  return flag_close(be, &p, cu_check_launch(be, "gather_index"), bad);
}

extern "C" ca_status cu_scatter_index(ca_backend *be, const ca_loop *l, int64_t size,
                                      int64_t stride, int64_t *bad) {
  iparams p, q;
  ca_status st = index_params(l, size, stride, 0, &p);
  if (st != CA_OK || p.size == 0 || (st = flag_open(be, &p)) != CA_OK) return st;
  index_only(p, &q);
  if (q.ndim == 1) k_check_index_1d<<<covering_grid(q.size), 256, 0, cu_stream(be)>>>(q);
  else k_check_index<<<grid_for(be, q.size), 256, 0, cu_stream(be)>>>(q);
  if ((st = flag_close(be, &p, cu_check_launch(be, "scatter_index (check)"), bad)) != CA_OK)
    return st;
  p.flag = NULL; /* checked: the scatter only skips what it could not place */
  scatter_index_kernels[move_slot(p)]<<<grid_for(be, p.size), 256, 0, cu_stream(be)>>>(p);
  return cu_check_launch(be, "scatter_index");
}
