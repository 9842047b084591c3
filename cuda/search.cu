/* Searching and counting on the GPU: searchsorted (a binary search per value over the keys of
 * src/sort_keys.h, the CPU's order; many values in a large array are sorted first), bincount
 * and equal-width histograms (one pass over the data in its own dtype; counts go through
 * sub-histograms per block in shared memory when the bins fit) and scatter_add (atomics: the hardware's adds for
 * float32, float64, int32, int64 and each part of a complex, a compare-and-swap of the 32-bit
 * word around the element for the narrower dtypes, computing as the CPU does). */
#include "cu_kernels.cuh"
#include "../src/sort_keys.h"
#include "../src/histogram_bin.h"

namespace {

constexpr int search_tpb = 256;

/* Whether key k lies before value v's insertion point. */
template <class K> __device__ __forceinline__ bool before(K k, K v, int right) { return right ? k <= v : k < v; }

/* order: NULL, or the 1-based positions in `out` of the values (the values sorted; see
 * cu_searchsorted). */
template <class K>
__global__ void __launch_bounds__(search_tpb) k_search(int dt, const char *sorted, int64_t n, const char *values,
                                                       int64_t m, int right, const int64_t *order, int64_t *out) {
  const size_t sz = sizeof(K);
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < m; i += (int64_t)gridDim.x * blockDim.x) {
    K v = (K)ca_sort_key(dt, values + i * sz);
    int64_t a = 0, b = n;
    while (a < b) {
      int64_t mid = a + (b - a) / 2;
      if (before<K>((K)ca_sort_key(dt, sorted + mid * sz), v, right)) a = mid + 1;
      else b = mid;
    }
    out[order ? order[i] - 1 : i] = a + 1;
  }
}

template <class K>
ca_status search_width(ca_backend *be, int dtype, const void *sorted, int64_t n, const void *values, int64_t m,
                       int right, const int64_t *order, int64_t *out) {
  k_search<K><<<cuk::blocks_for(m, search_tpb, (int64_t)cuk::sm_count(be) * 16), search_tpb, 0, cu_stream(be)>>>(
      dtype, (const char *)sorted, n, (const char *)values, m, right, order, out);
  return cu_check_launch(be, "searchsorted");
}

/* Many values searched in an array larger than the cache each read a dozen random sectors of
 * it, one dependent load after another (2^24 values in 2^26 float32 keys: 2.6 ms, as CuPy's
 * and PyTorch's; a copy of the search's top levels in shared memory changed nothing). Sorted
 * first, neighbouring threads search neighbouring spans and share their loads, and each
 * result is written to the value's own place. */
constexpr int64_t sort_values_min_m = (int64_t)1 << 18, sort_values_min_n = (int64_t)1 << 20;

template <class K>
ca_status search_sorted_values(ca_backend *be, int dtype, const void *sorted, int64_t n, const void *values,
                               int64_t m, int right, int64_t *out) {
  size_t vbytes = ((size_t)m * sizeof(K) + 255) & ~(size_t)255;
  char *scratch = NULL;
  ca_status st = cu_scratch(be, vbytes + (size_t)m * sizeof(int64_t), (void **)&scratch);
  if (st != CA_OK) return st;
  ca_sort so;
  so.dtype = dtype;
  so.descending = 0;
  so.rows = 1;
  so.n = so.k = m;
  so.keys = values;
  so.values = scratch;
  so.indices = (int64_t *)(scratch + vbytes);
  st = cu_sort(be, &so);
  if (st == CA_OK) st = search_width<K>(be, dtype, sorted, n, scratch, m, right, so.indices, out);
  cu_scratch_free(be, scratch);
  return st;
}

template <class K>
ca_status search_values(ca_backend *be, int dtype, const void *sorted, int64_t n, const void *values, int64_t m,
                        int right, int64_t *out) {
  if (m >= sort_values_min_m && n >= sort_values_min_n && m < INT32_MAX)
    return search_sorted_values<K>(be, dtype, sorted, n, values, m, right, out);
  return search_width<K>(be, dtype, sorted, n, values, m, right, NULL, out);
}

/* ---- counting into bins (bincount, histogram) ---------------------------------------------
 * Each block counts into `copies` sub-histograms in shared memory (warp w adds into copy
 * w % copies, so fewer threads contend for one bin), then adds its bins to the global ones;
 * bins too many for shared memory are counted by global atomics. A bin's rule is a functor:
 * its bin for an element, -1 when not counted. */

#define COUNT_THREADS 512
#define SHARED_BYTES 49152 /* the dynamic shared memory a block gets without opting in */

/* bincount: the value itself; the least and greatest values are tracked too. */
struct IntBins {
  static constexpr bool track = true;
  int64_t nbins;
  template <class T> __device__ int64_t operator()(T v) const {
    int64_t k = (int64_t)v;
    return k >= 0 && k < nbins ? k : -1;
  }
};

/* histogram of float32 data: NumPy's arithmetic in float32 (src/histogram_bin.h). */
struct EqualBins32 {
  static constexpr bool track = false;
  float first, last, normf;
  double normd;
  int norm32;
  const float *edges;
  int64_t nbins;
  __device__ int64_t operator()(float v) const {
    return ca_bin_f32(v, first, last, normf, normd, norm32, edges, nbins);
  }
};

/* histogram of integer and float64 data: in float64. */
struct EqualBins64 {
  static constexpr bool track = false;
  double first, last, norm;
  const double *edges;
  int64_t nbins;
  template <class T> __device__ int64_t operator()(T v) const {
    return ca_bin_f64((double)v, first, last, norm, edges, nbins);
  }
};

/* S: a shared bin (unsigned counts, double sums); G: a global one. */
template <class S, class G, class T, class Bin>
__global__ void __launch_bounds__(COUNT_THREADS)
k_count(const T *x, int64_t n, const double *w, Bin bin, int copies, G *out, long long *range) {
  extern __shared__ __align__(8) unsigned char smem[];
  S *h = (S *)smem;
  __shared__ long long s_lo, s_hi;
  int64_t nb = bin.nbins;
  for (int64_t b = threadIdx.x; b < (int64_t)copies * nb; b += blockDim.x) h[b] = 0;
  if (Bin::track && threadIdx.x == 0) {
    s_lo = LLONG_MAX;
    s_hi = LLONG_MIN;
  }
  __syncthreads();
  S *mine = h + (int64_t)((threadIdx.x / 32) % (copies ? copies : 1)) * nb;
  long long lo = LLONG_MAX, hi = LLONG_MIN;
  auto add = [&](T v, int64_t i) {
    if (Bin::track) {
      long long k = (long long)v;
      lo = k < lo ? k : lo;
      hi = k > hi ? k : hi;
    }
    int64_t k = bin(v);
    if (k < 0) return;
    if (copies) atomicAdd(&mine[k], w ? (S)w[i] : (S)1);
    else atomicAdd(&out[k], w ? (G)w[i] : (G)1);
  };
  int64_t stride = (int64_t)gridDim.x * blockDim.x, i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
  for (; i + 3 * stride < n; i += 4 * stride) { /* four loads in flight per thread */
    T v[4];
#pragma unroll
    for (int u = 0; u < 4; u++) v[u] = x[i + u * stride];
#pragma unroll
    for (int u = 0; u < 4; u++) add(v[u], i + u * stride);
  }
  for (; i < n; i += stride) add(x[i], i);
  if (Bin::track) {
    atomicMin(&s_lo, lo);
    atomicMax(&s_hi, hi);
  }
  __syncthreads();
  for (int64_t b = threadIdx.x; b < (copies ? nb : 0); b += blockDim.x) {
    S t = 0;
    for (int c = 0; c < copies; c++) t += h[(int64_t)c * nb + b];
    if (t != (S)0) atomicAdd(&out[b], (G)t);
  }
  if (Bin::track && threadIdx.x == 0 && s_lo <= s_hi) {
    atomicMin(&range[0], s_lo);
    atomicMax(&range[1], s_hi);
  }
}

__global__ void k_init_range(long long *range) {
  range[0] = LLONG_MAX;
  range[1] = LLONG_MIN;
}

/* Zeroes out's nbins bins and counts x into them by `bin`: int64 counts, or float64 sums of w. */
template <class T, class Bin>
ca_status count_into(ca_backend *be, const T *x, int64_t n, const double *w, Bin bin, void *out,
                     long long *range) {
  cudaStream_t s = cu_stream(be);
  if (bin.nbins > 0) {
    cudaError_t err = cudaMemsetAsync(out, 0, (size_t)bin.nbins * 8, s);
    if (err != cudaSuccess) return cu_fail(be, "cudaMemsetAsync", err);
  }
  if (Bin::track) k_init_range<<<1, 1, 0, s>>>(range);
  if (n == 0) return cu_check_launch(be, "bincount");
  size_t bin_bytes = w ? sizeof(double) : sizeof(unsigned);
  int64_t fit = SHARED_BYTES / (int64_t)bin_bytes / (bin.nbins ? bin.nbins : 1);
  int copies = bin.nbins == 0 ? 0 : fit >= 8 ? 8 : (int)fit;
  /* a block's shared counts stay below 2^32: at most 2^30 elements a block */
  int64_t cap = (int64_t)cuk::sm_count(be) * (2048 / COUNT_THREADS);
  if (cap < (n >> 30) + 1) cap = (n >> 30) + 1;
  unsigned blocks = cuk::blocks_for(n, COUNT_THREADS * 4, cap);
  size_t shared = (size_t)copies * (size_t)bin.nbins * bin_bytes;
  if (w)
    k_count<double, double, T, Bin><<<blocks, COUNT_THREADS, shared, s>>>(x, n, w, bin, copies, (double *)out, range);
  else
    k_count<unsigned, unsigned long long, T, Bin><<<blocks, COUNT_THREADS, shared, s>>>(
        x, n, NULL, bin, copies, (unsigned long long *)out, range);
  return cu_check_launch(be, Bin::track ? "bincount" : "histogram");
}

/* x += v in dt's compute kind through a compare-and-swap of the aligned word holding x. */
template <class Acc> __device__ void cas_add(char *p, int dt, Acc v) {
  unsigned int *word = (unsigned int *)((uintptr_t)p & ~(uintptr_t)3);
  int at = (int)(p - (char *)word);
  unsigned int old = *word, assumed;
  do {
    assumed = old;
    unsigned int next = assumed;
    char *e = (char *)&next + at;
    Acc cur = cuk::ld_rt<Acc>(e, dt, 0);
    if constexpr (std::is_integral<Acc>::value) cuk::st_rt<Acc>(e, dt, 0, (Acc)((ca_u)cur + (ca_u)v));
    else cuk::st_rt<Acc>(e, dt, 0, cur + v);
    old = atomicCAS(word, assumed, next);
  } while (old != assumed);
}

__global__ void k_scatter_add(int dt, char *base, const int64_t *offs, const char *vals, int64_t n) {
  int64_t sz = (int64_t)ca_itemsize(dt);
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x) {
    char *p = base + offs[i] * sz;
    const char *x = vals + i * sz;
    switch (dt) {
    case CA_FLOAT32: atomicAdd((float *)p, *(const float *)x); break;
    case CA_FLOAT64: atomicAdd((double *)p, *(const double *)x); break;
    case CA_INT32: atomicAdd((int *)p, *(const int *)x); break;
    case CA_INT64: case CA_UINT64: /* wrapping adds: the same bits for both */
      atomicAdd((unsigned long long *)p, *(const unsigned long long *)x);
      break;
    case CA_FLOAT16: case CA_BFLOAT16: cas_add<float>(p, dt, cuk::ld_rt<float>(x, dt, 0)); break;
    case CA_COMPLEX64: /* the parts add on their own */
      atomicAdd((float *)p, ((const float *)x)[0]);
      atomicAdd((float *)p + 1, ((const float *)x)[1]);
      break;
    case CA_COMPLEX128:
      atomicAdd((double *)p, ((const double *)x)[0]);
      atomicAdd((double *)p + 1, ((const double *)x)[1]);
      break;
    default: cas_add<ca_i>(p, dt, cuk::ld_rt<ca_i>(x, dt, 0)); break;
    }
  }
}

} /* namespace */

extern "C" ca_status cu_searchsorted(ca_backend *be, int dtype, const void *sorted, int64_t n,
                                     const void *values, int64_t m, int right, int64_t *out) {
  if (!ca_sortable(dtype) || n < 0 || m < 0) return CA_ERR_VALUE;
  if (m == 0) return CA_OK;
  switch (ca_itemsize(dtype)) {
  case 1: return search_values<uint8_t>(be, dtype, sorted, n, values, m, right, out);
  case 2: return search_values<uint16_t>(be, dtype, sorted, n, values, m, right, out);
  case 4: return search_values<uint32_t>(be, dtype, sorted, n, values, m, right, out);
  default: return search_values<uint64_t>(be, dtype, sorted, n, values, m, right, out);
  }
}

extern "C" ca_status cu_bincount(ca_backend *be, int dtype, const void *x, int64_t n, const double *weights,
                                 int64_t nbins, void *out, int64_t *range) {
  if (n < 0 || nbins < 0) return CA_ERR_VALUE;
  IntBins bin = {nbins};
  long long *r = (long long *)range;
  switch (dtype) {
  case CA_BOOL: case CA_UINT8: return count_into(be, (const uint8_t *)x, n, weights, bin, out, r);
  case CA_INT8: return count_into(be, (const int8_t *)x, n, weights, bin, out, r);
  case CA_INT16: return count_into(be, (const int16_t *)x, n, weights, bin, out, r);
  case CA_UINT16: return count_into(be, (const uint16_t *)x, n, weights, bin, out, r);
  case CA_INT32: return count_into(be, (const int32_t *)x, n, weights, bin, out, r);
  case CA_UINT32: return count_into(be, (const uint32_t *)x, n, weights, bin, out, r);
  case CA_INT64: return count_into(be, (const int64_t *)x, n, weights, bin, out, r);
  default: return CA_ERR_VALUE;
  }
}

extern "C" ca_status cu_histogram(ca_backend *be, const ca_histogram *h) {
  if (h->n < 0 || h->nbins < 1) return CA_ERR_VALUE;
  if (h->dtype == CA_FLOAT32) {
    EqualBins32 bin = {(float)h->first, (float)h->last, (float)h->norm, h->norm, h->norm32,
                       (const float *)h->edges, h->nbins};
    return count_into(be, (const float *)h->x, h->n, h->weights, bin, h->out, NULL);
  }
  EqualBins64 bin = {h->first, h->last, h->norm, (const double *)h->edges, h->nbins};
  switch (h->dtype) {
  case CA_BOOL: case CA_UINT8: return count_into(be, (const uint8_t *)h->x, h->n, h->weights, bin, h->out, NULL);
  case CA_INT8: return count_into(be, (const int8_t *)h->x, h->n, h->weights, bin, h->out, NULL);
  case CA_INT16: return count_into(be, (const int16_t *)h->x, h->n, h->weights, bin, h->out, NULL);
  case CA_UINT16: return count_into(be, (const uint16_t *)h->x, h->n, h->weights, bin, h->out, NULL);
  case CA_INT32: return count_into(be, (const int32_t *)h->x, h->n, h->weights, bin, h->out, NULL);
  case CA_UINT32: return count_into(be, (const uint32_t *)h->x, h->n, h->weights, bin, h->out, NULL);
  case CA_INT64: return count_into(be, (const int64_t *)h->x, h->n, h->weights, bin, h->out, NULL);
  case CA_UINT64: return count_into(be, (const uint64_t *)h->x, h->n, h->weights, bin, h->out, NULL);
  case CA_FLOAT64: return count_into(be, (const double *)h->x, h->n, h->weights, bin, h->out, NULL);
  default: return CA_ERR_VALUE;
  }
}

extern "C" ca_status cu_scatter_add(ca_backend *be, int dtype, void *base, const int64_t *offs,
                                    const void *vals, int64_t n) {
  if (dtype < 0 || dtype >= CA_NDTYPES || n < 0) return CA_ERR_VALUE;
  if (n == 0) return CA_OK;
  k_scatter_add<<<cuk::blocks_for(n, 256, (int64_t)cuk::sm_count(be) * 16), 256, 0, cu_stream(be)>>>(
      dtype, (char *)base, offs, (const char *)vals, n);
  return cu_check_launch(be, "scatter_add");
}
