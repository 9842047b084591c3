/* Searching and counting on the GPU: searchsorted (a binary search per value over the keys of
 * src/sort_keys.h, the CPU's order), bincount (atomics; counts go through a histogram per
 * block in shared memory when the bins fit) and scatter_add (atomics: the hardware's adds for
 * float32, float64, int32, int64 and each part of a complex, a compare-and-swap of the 32-bit
 * word around the element for the narrower dtypes, computing as the CPU does). */
#include "cu_kernels.cuh"
#include "../src/sort_keys.h"

namespace {

__global__ void k_search(int dt, const char *sorted, int64_t n, const char *values, int64_t m, int right,
                         int64_t *out) {
  size_t sz = ca_itemsize(dt);
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < m; i += (int64_t)gridDim.x * blockDim.x) {
    uint64_t v = ca_sort_key(dt, values + i * sz);
    int64_t a = 0, b = n;
    while (a < b) {
      int64_t mid = a + (b - a) / 2;
      uint64_t k = ca_sort_key(dt, sorted + mid * sz);
      if (right ? k <= v : k < v) a = mid + 1;
      else b = mid;
    }
    out[i] = a + 1;
  }
}

#define SHARED_BINS 4096

__global__ void k_count_shared(const int64_t *x, int64_t n, int64_t nbins, unsigned long long *out) {
  __shared__ unsigned int h[SHARED_BINS];
  for (int64_t b = threadIdx.x; b < nbins; b += blockDim.x) h[b] = 0;
  __syncthreads();
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x)
    atomicAdd(&h[x[i]], 1u);
  __syncthreads();
  for (int64_t b = threadIdx.x; b < nbins; b += blockDim.x)
    if (h[b]) atomicAdd(&out[b], (unsigned long long)h[b]);
}

__global__ void k_count_global(const int64_t *x, int64_t n, unsigned long long *out) {
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x)
    atomicAdd(&out[x[i]], 1ull);
}

__global__ void k_weigh(const int64_t *x, const double *w, int64_t n, double *out) {
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x)
    atomicAdd(&out[x[i]], w[i]);
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
    case CA_INT64: atomicAdd((unsigned long long *)p, (unsigned long long)*(const int64_t *)x); break;
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
  cudaStream_t s = cu_stream(be);
  k_search<<<cuk::blocks_for(m, 256, (int64_t)cuk::sm_count(be) * 16), 256, 0, s>>>(
      dtype, (const char *)sorted, n, (const char *)values, m, right, out);
  return cu_check_launch(be, "searchsorted");
}

extern "C" ca_status cu_bincount(ca_backend *be, const int64_t *x, int64_t n, const double *weights,
                                 int64_t nbins, void *out) {
  if (n < 0 || nbins < 0) return CA_ERR_VALUE;
  if (nbins == 0) return CA_OK;
  cudaStream_t s = cu_stream(be);
  cudaError_t err = cudaMemsetAsync(out, 0, (size_t)nbins * 8, s);
  if (err != cudaSuccess) return cu_fail(be, "cudaMemsetAsync", err);
  if (n == 0) return CA_OK;
  unsigned blocks = cuk::blocks_for(n, 1024, (int64_t)cuk::sm_count(be) * 4);
  if (weights) {
    k_weigh<<<blocks, 256, 0, s>>>(x, weights, n, (double *)out);
  } else if (nbins <= SHARED_BINS) {
    k_count_shared<<<blocks, 256, 0, s>>>(x, n, nbins, (unsigned long long *)out);
  } else {
    k_count_global<<<blocks, 256, 0, s>>>(x, n, (unsigned long long *)out);
  }
  return cu_check_launch(be, "bincount");
}

extern "C" ca_status cu_scatter_add(ca_backend *be, int dtype, void *base, const int64_t *offs,
                                    const void *vals, int64_t n) {
  if (dtype < 0 || dtype >= CA_NDTYPES || n < 0) return CA_ERR_VALUE;
  if (n == 0) return CA_OK;
  k_scatter_add<<<cuk::blocks_for(n, 256, (int64_t)cuk::sm_count(be) * 16), 256, 0, cu_stream(be)>>>(
      dtype, (char *)base, offs, (const char *)vals, n);
  return cu_check_launch(be, "scatter_add");
}
