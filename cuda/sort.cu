/* Sorting rows on the GPU (the sort entry). Every dtype sorts as unsigned integers of its width
 * (src/sort_keys.h: NumPy's order, NaN last, -0.0 == +0.0; complemented for a descending
 * sort), so CUB is instantiated per width, not per dtype, and only its radix sorts (the
 * segmented sorts take minutes to compile):
 *  - rows of up to 4096 elements: a block per row sorts keys and positions in registers
 *    (cub::BlockRadixSort), reading the row once and writing the results once;
 *  - one longer row: cub::DeviceRadixSort on (key, position) pairs;
 *  - several longer rows: the same sort over all rows at once, then a stable radix sort of
 *    the row numbers (a sort by (row, key), stable within the row);
 *  - the values alone of one long float32/float64/int32/int64 row: CUB's sort of the data
 *    itself (sort_native_values), as fast as a sort can be.
 * Positions are written 1-based; the sorted elements are gathered from the input bit for bit.
 * unique flags the runs of sorted elements and selects them with cuda/select.cu's entries. */
#include <cub/block/block_radix_sort.cuh>
#include <cub/device/device_radix_sort.cuh>
#include "cu_kernels.cuh"
#include "../src/sort_keys.h"

namespace {

template <class K> __device__ __forceinline__ K sort_key(int dt, const char *p);
template <> __device__ __forceinline__ uint8_t sort_key<uint8_t>(int dt, const char *p) { return ca_sort_key_1(dt, p); }
template <> __device__ __forceinline__ uint16_t sort_key<uint16_t>(int dt, const char *p) { return ca_sort_key_2(dt, p); }
template <> __device__ __forceinline__ uint32_t sort_key<uint32_t>(int dt, const char *p) { return ca_sort_key_4(dt, p); }
template <> __device__ __forceinline__ uint64_t sort_key<uint64_t>(int dt, const char *p) { return ca_sort_key_8(dt, p); }

template <class K> __device__ __forceinline__ K make_key(int dt, int desc, const K *p) {
  K k = sort_key<K>(dt, (const char *)p);
  return desc ? (K)~k : k;
}

/* One block per row of n <= TPB * IPT elements. Padding sorts after every element (the
 * largest key, at the end of the input, and the sort is stable). */
template <class K, int TPB, int IPT>
__global__ void __launch_bounds__(TPB) k_block_sort(const K *keys, int dt, int desc, int64_t rows, int n,
                                                    K *values, int64_t *indices) {
  typedef cub::BlockRadixSort<K, TPB, IPT, int32_t> Sort;
  __shared__ typename Sort::TempStorage tmp;
  for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
    const K *row = keys + r * n;
    K k[IPT];
    int32_t p[IPT];
#pragma unroll
    for (int i = 0; i < IPT; i++) {
      int j = threadIdx.x * IPT + i;
      p[i] = j;
      k[i] = j < n ? make_key<K>(dt, desc, row + j) : (K)~(K)0;
    }
    Sort(tmp).SortBlockedToStriped(k, p);
#pragma unroll
    for (int i = 0; i < IPT; i++) {
      int j = i * TPB + threadIdx.x;
      if (j < n) {
        if (indices) indices[r * n + j] = (int64_t)p[i] + 1;
        if (values) values[r * n + j] = row[p[i]];
      }
    }
    __syncthreads();
  }
}

template <class K>
__global__ void k_make_keys(const K *keys, int dt, int desc, int64_t total, K *ukeys, int32_t *pos) {
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < total; i += (int64_t)gridDim.x * blockDim.x) {
    ukeys[i] = make_key<K>(dt, desc, keys + i);
    pos[i] = (int32_t)i;
  }
}

__global__ void k_row_of(const int32_t *pos, int64_t total, int64_t n, uint32_t *row) {
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < total; i += (int64_t)gridDim.x * blockDim.x)
    row[i] = (uint32_t)(pos[i] / n);
}

template <class K>
__global__ void k_emit(const K *keys, int64_t total, int64_t n, const int32_t *pos, K *values, int64_t *indices) {
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < total; i += (int64_t)gridDim.x * blockDim.x) {
    int32_t p = pos[i];
    if (indices) indices[i] = (int64_t)(p % n) + 1;
    if (values) values[i] = keys[p];
  }
}

static int bits_for(int64_t v) { /* bits to hold 0..v-1 */
  int b = 0;
  while (b < 63 && ((int64_t)1 << b) < v) b++;
  return b;
}

template <class K, int TPB, int IPT> ca_status block_sort(ca_backend *be, const ca_sort *so) {
  unsigned blocks = (unsigned)(so->rows < (int64_t)cuk::sm_count(be) * 32 ? so->rows : (int64_t)cuk::sm_count(be) * 32);
  k_block_sort<K, TPB, IPT><<<blocks, TPB, 0, cu_stream(be)>>>((const K *)so->keys, so->dtype, so->descending,
                                                               so->rows, (int)so->n, (K *)so->values, so->indices);
  return cu_check_launch(be, "sort rows");
}

/* Rows whose elements number fewer than 2^31 together (the positions are int32). */
template <class K> ca_status radix_sort(ca_backend *be, const ca_sort *so) {
  cudaStream_t s = cu_stream(be);
  int64_t n = so->n, chunk = (((int64_t)1 << 31) - 1) / n;
  if (chunk > so->rows) chunk = so->rows;
  int64_t cap_total = chunk * n;
  size_t temp = 0, t2 = 0;
  cudaError_t err = cub::DeviceRadixSort::SortPairs(NULL, temp, (const K *)NULL, (K *)NULL, (const int32_t *)NULL,
                                                    (int32_t *)NULL, cap_total, 0, (int)sizeof(K) * 8, s);
  if (err == cudaSuccess && chunk > 1)
    err = cub::DeviceRadixSort::SortPairs(NULL, t2, (const uint32_t *)NULL, (uint32_t *)NULL, (const int32_t *)NULL,
                                          (int32_t *)NULL, cap_total, 0, 32, s);
  if (err != cudaSuccess) return cu_fail(be, "cub::DeviceRadixSort::SortPairs", err);
  if (t2 > temp) temp = t2;
  size_t kw = sizeof(K) > 4 ? sizeof(K) : 4; /* the key buffers hold the row numbers too */
  size_t kbytes = ((size_t)cap_total * kw + 255) & ~(size_t)255;
  size_t pbytes = ((size_t)cap_total * sizeof(int32_t) + 255) & ~(size_t)255;
  char *scratch = NULL;
  ca_status st = cu_scratch(be, 2 * kbytes + 2 * pbytes + temp, (void **)&scratch);
  if (st != CA_OK) return st;
  char *kin = scratch, *kout = scratch + kbytes;
  int32_t *pin = (int32_t *)(scratch + 2 * kbytes), *pout = (int32_t *)(scratch + 2 * kbytes + pbytes);
  void *ctemp = scratch + 2 * kbytes + 2 * pbytes;
  int64_t cap = (int64_t)cuk::sm_count(be) * 8;
  for (int64_t r0 = 0; r0 < so->rows; r0 += chunk) {
    int64_t rows = so->rows - r0 < chunk ? so->rows - r0 : chunk, total = rows * n, base = r0 * n;
    const K *keys = (const K *)so->keys + base;
    k_make_keys<K><<<cuk::blocks_for(total, 256, cap), 256, 0, s>>>(keys, so->dtype, so->descending, total, (K *)kin, pin);
    if ((st = cu_check_launch(be, "sort keys")) != CA_OK) break;
    size_t tb = temp;
    err = cub::DeviceRadixSort::SortPairs(ctemp, tb, (const K *)kin, (K *)kout, pin, pout, total, 0, (int)sizeof(K) * 8, s);
    if (err == cudaSuccess && rows > 1) {
      k_row_of<<<cuk::blocks_for(total, 256, cap), 256, 0, s>>>(pout, total, n, (uint32_t *)kin);
      if ((st = cu_check_launch(be, "sort rows")) != CA_OK) break;
      tb = temp;
      err = cub::DeviceRadixSort::SortPairs(ctemp, tb, (const uint32_t *)kin, (uint32_t *)kout, pout, pin, total, 0,
                                            bits_for(rows), s);
      int32_t *t = pin; pin = pout; pout = t;
    }
    if (err != cudaSuccess) {
      st = cu_fail(be, "cub::DeviceRadixSort::SortPairs", err);
      break;
    }
    k_emit<K><<<cuk::blocks_for(total, 256, cap), 256, 0, s>>>(keys, total, n, pout, so->values ? (K *)so->values + base : NULL,
                                                                so->indices ? so->indices + base : NULL);
    if ((st = cu_check_launch(be, "sort gather")) != CA_OK) break;
  }
  cu_scratch_free(be, scratch);
  return st;
}

/* ---- values alone of float32/64 and int32/64: CUB's own order --------------------------- */

/* CUB sorts floats by value with -0.0 == +0.0 (stably), positive NaNs after +inf and negative
 * NaNs before -inf. So sorting the values alone needs no keys: sort the floats, then move the
 * leading run of negative NaNs, if any, to the end. */
__device__ __forceinline__ bool neg_nan(float v) { return v != v && (__float_as_uint(v) >> 31); }
__device__ __forceinline__ bool neg_nan(double v) { return v != v && __double_as_longlong(v) < 0; }

template <class F> __global__ void k_neg_nan_run(const F *v, int64_t n, int64_t *run) {
  int64_t a = 0, b = n;
  while (a < b) {
    int64_t mid = a + (b - a) / 2;
    if (neg_nan(v[mid])) a = mid + 1;
    else b = mid;
  }
  *run = a;
}

/* Both do nothing when the run is empty (the common case: no kernel reads the data). */
template <class F> __global__ void k_save_if_run(const F *v, int64_t n, const int64_t *run, F *copy) {
  if (*run == 0) return;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x)
    copy[i] = v[i];
}

template <class F> __global__ void k_rotate_run(const F *copy, int64_t n, const int64_t *run, F *v) {
  int64_t k = *run;
  if (k == 0) return;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x)
    v[i] = copy[i < n - k ? i + k : i - (n - k)];
}

template <class F> ca_status sort_native_values(ca_backend *be, const ca_sort *so) {
  cudaStream_t s = cu_stream(be);
  int64_t n = so->n;
  size_t temp = 0;
  cudaError_t err = cub::DeviceRadixSort::SortKeys(NULL, temp, (const F *)NULL, (F *)NULL, n, 0, (int)sizeof(F) * 8, s);
  if (err != cudaSuccess) return cu_fail(be, "cub::DeviceRadixSort::SortKeys", err);
  size_t cbytes = std::is_floating_point<F>::value ? ((size_t)n * sizeof(F) + 255) & ~(size_t)255 : 0;
  char *scratch = NULL;
  ca_status st = cu_scratch(be, cbytes + 256 + temp, (void **)&scratch);
  if (st != CA_OK) return st;
  F *copy = (F *)scratch, *out = (F *)so->values;
  int64_t *run = (int64_t *)(scratch + cbytes);
  err = cub::DeviceRadixSort::SortKeys(scratch + cbytes + 256, temp, (const F *)so->keys, out, n, 0, (int)sizeof(F) * 8, s);
  if (err != cudaSuccess) {
    cu_scratch_free(be, scratch);
    return cu_fail(be, "cub::DeviceRadixSort::SortKeys", err);
  }
  if constexpr (std::is_floating_point<F>::value) {
    unsigned blocks = cuk::blocks_for(n, 256, (int64_t)cuk::sm_count(be) * 8);
    k_neg_nan_run<F><<<1, 1, 0, s>>>(out, n, run);
    k_save_if_run<F><<<blocks, 256, 0, s>>>(out, n, run, copy);
    k_rotate_run<F><<<blocks, 256, 0, s>>>(copy, n, run, out);
    st = cu_check_launch(be, "sort NaN run");
  }
  cu_scratch_free(be, scratch);
  return st;
}

template <class K> ca_status sort_width(ca_backend *be, const ca_sort *so) {
  if (so->n <= 1024) return block_sort<K, 128, 8>(be, so);
  if (so->n <= 4096) return block_sort<K, 512, 8>(be, so);
  if (so->rows == 1 && so->values && !so->indices && !so->descending) {
    if (so->dtype == CA_FLOAT32) return sort_native_values<float>(be, so);
    if (so->dtype == CA_FLOAT64) return sort_native_values<double>(be, so);
    if (so->dtype == CA_INT32) return sort_native_values<int32_t>(be, so);
    if (so->dtype == CA_INT64) return sort_native_values<int64_t>(be, so);
  }
  return radix_sort<K>(be, so);
}

/* ---- unique: the runs of sorted elements ------------------------------------------------ */

/* flags[i] = 1 where element i starts a run: the first, or not one value (src/sort_keys.h's
 * ca_same_value) with element i - 1. */
template <class K>
__global__ void k_run_starts(const K *x, int64_t n, int dt, int equal_nan, uint8_t *flags) {
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n;
       i += (int64_t)gridDim.x * blockDim.x)
    flags[i] = i == 0 || !ca_same_value(dt, ca_sort_key(dt, &x[i - 1]), ca_sort_key(dt, &x[i]),
                                        (int)sizeof(K), equal_nan);
}

/* The runs through the selection entries (cuda/select.cu): a flag per run start, counted,
 * then the starting elements compressed and the starts' positions taken as nonzero's 1-based
 * coordinates. cub::DeviceSelect::UniqueByKey does it in one pass, but its four instantiations
 * kept cuda/sort.cu's compile going for more than seven minutes (now 20 s). */
template <class K>
ca_status unique_width(ca_backend *be, int dt, const void *sorted, int64_t n, int equal_nan, void *values,
                       int64_t *starts, int64_t *count) {
  cudaStream_t s = cu_stream(be);
  void *scratch = NULL;
  ca_status st = cu_scratch(be, (size_t)n, &scratch);
  if (st != CA_OK) return st;
  uint8_t *flags = (uint8_t *)scratch;
  int64_t runs = 0;
  k_run_starts<K><<<cuk::blocks_for(n, 256, (int64_t)cuk::sm_count(be) * 8), 256, 0, s>>>(
      (const K *)sorted, n, dt, equal_nan, flags);
  st = cu_check_launch(be, "unique");
  if (st == CA_OK) st = cu_count_true(be, flags, n, &runs);
  ca_loop l;
  memset(&l, 0, sizeof l);
  l.ndim = 1;
  l.shape[0] = l.size = n;
  l.nop = 3;
  l.compute = dt;
  l.op[0].data = (char *)values;
  l.op[0].dtype = dt;
  l.op[1].data = (char *)sorted;
  l.op[1].dtype = dt;
  l.op[1].strides[0] = 1;
  l.op[2].data = (char *)flags;
  l.op[2].dtype = CA_BOOL;
  l.op[2].strides[0] = 1;
  if (st == CA_OK) st = cu_compress(be, &l, runs);
  if (st == CA_OK) {
    l.nop = 2;
    l.compute = CA_BOOL;
    l.op[0].data = (char *)starts;
    l.op[0].dtype = CA_INT64;
    l.op[1] = l.op[2];
    st = cu_nonzero(be, &l, runs);
  }
  if (st == CA_OK) { /* runs lives on this stack: the copy must be done before we return */
    cudaError_t err = cudaMemcpyAsync(count, &runs, sizeof runs, cudaMemcpyHostToDevice, s);
    if (err == cudaSuccess) err = cudaStreamSynchronize(s);
    if (err != cudaSuccess) st = cu_fail(be, "cudaMemcpyAsync (unique count)", err);
  }
  cu_scratch_free(be, scratch);
  return st;
}

} /* namespace */

extern "C" ca_status cu_sort(ca_backend *be, const ca_sort *s) {
  if (!ca_sortable(s->dtype) || s->rows < 0 || s->n < 0) return CA_ERR_VALUE;
  if (s->rows == 0 || s->n == 0) return CA_OK;
  if (s->n >= INT32_MAX)
    return cu_fail_msg(be, CA_ERR_UNSUPPORTED, "rows of 2^31 - 1 elements or more are not supported on the GPU");
  switch (ca_itemsize(s->dtype)) {
  case 1: return sort_width<uint8_t>(be, s);
  case 2: return sort_width<uint16_t>(be, s);
  case 4: return sort_width<uint32_t>(be, s);
  default: return sort_width<uint64_t>(be, s);
  }
}

extern "C" ca_status cu_unique(ca_backend *be, int dtype, const void *sorted, int64_t n, int equal_nan, void *values,
                               int64_t *starts, int64_t *count) {
  if (!ca_sortable(dtype) || n < 1) return CA_ERR_VALUE;
  switch (ca_itemsize(dtype)) {
  case 1: return unique_width<uint8_t>(be, dtype, sorted, n, equal_nan, values, starts, count);
  case 2: return unique_width<uint16_t>(be, dtype, sorted, n, equal_nan, values, starts, count);
  case 4: return unique_width<uint32_t>(be, dtype, sorted, n, equal_nan, values, starts, count);
  default: return unique_width<uint64_t>(be, dtype, sorted, n, equal_nan, values, starts, count);
  }
}
