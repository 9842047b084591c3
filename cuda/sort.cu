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
 * Integer keys are first read for their range, so that the radix sorts skip the high bits all
 * keys share. The first k of each row alone (top-k) are selected without a sort where rows
 * fit a block and k is small. Positions are written 1-based; the sorted elements are gathered
 * from the input bit for bit. unique counts the runs of sorted elements per tile and writes
 * them in a second pass. */
#include <cub/block/block_load.cuh>
#include <cub/block/block_radix_sort.cuh>
#include <cub/block/block_reduce.cuh>
#include <cub/block/block_scan.cuh>
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
  unsigned blocks = cuk::blocks_for(so->rows, 1, (int64_t)cuk::sm_count(be) * 32);
  k_block_sort<K, TPB, IPT><<<blocks, TPB, 0, cu_stream(be)>>>((const K *)so->keys, so->dtype, so->descending,
                                                               so->rows, (int)so->n, (K *)so->values, so->indices);
  return cu_check_launch(be, "sort rows");
}

/* Integer data often spans a small range (labels, indices): its keys then share their high
 * bits, and a radix sort need not pass over them. Sorts of at least this many integers read
 * the keys' least and greatest value first (one pass and one small read). */
constexpr int64_t range_min_total = (int64_t)1 << 20;

template <class K>
__global__ void k_key_range(const K *keys, int dt, int desc, int64_t total, unsigned long long *range) {
  unsigned long long lo = ~0ull, hi = 0;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < total; i += (int64_t)gridDim.x * blockDim.x) {
    unsigned long long k = make_key<K>(dt, desc, keys + i);
    lo = k < lo ? k : lo;
    hi = k > hi ? k : hi;
  }
  for (int o = 16; o > 0; o >>= 1) {
    unsigned long long l2 = __shfl_down_sync(0xffffffffu, lo, o), h2 = __shfl_down_sync(0xffffffffu, hi, o);
    lo = l2 < lo ? l2 : lo;
    hi = h2 > hi ? h2 : hi;
  }
  if ((threadIdx.x & 31) == 0) {
    atomicMin(&range[0], lo);
    atomicMax(&range[1], hi);
  }
}

/* *end_bit = one past the highest bit in which the keys of the `total` elements differ (at
 * least 1): every key shares the bits above it. The whole key width for float data, and for
 * fewer than range_min_total elements. */
template <class K>
ca_status differing_bits(ca_backend *be, const K *keys, int dt, int desc, int64_t total, int *end_bit) {
  *end_bit = (int)sizeof(K) * 8;
  if (ca_is_inexact(dt) || sizeof(K) < 4 || total < range_min_total) return CA_OK;
  cudaStream_t s = cu_stream(be);
  unsigned long long *range = NULL, host[2] = {~0ull, 0};
  ca_status st = cu_scratch(be, sizeof host, (void **)&range);
  if (st != CA_OK) return st;
  cudaError_t err = cudaMemcpyAsync(range, host, sizeof host, cudaMemcpyHostToDevice, s);
  if (err == cudaSuccess) {
    k_key_range<K><<<cuk::blocks_for(total, 256, (int64_t)cuk::sm_count(be) * 8), 256, 0, s>>>(keys, dt, desc, total,
                                                                                                 range);
    err = cudaGetLastError();
  }
  if (err == cudaSuccess) err = cudaMemcpyAsync(host, range, sizeof host, cudaMemcpyDeviceToHost, s);
  if (err == cudaSuccess) err = cudaStreamSynchronize(s);
  cu_scratch_free(be, range);
  if (err != cudaSuccess) return cu_fail(be, "sort key range", err);
  unsigned long long differ = host[0] ^ host[1];
  *end_bit = differ ? 64 - __builtin_clzll(differ) : 1;
  return CA_OK;
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
  int end_bit = 0;
  if ((st = differing_bits<K>(be, (const K *)so->keys, so->dtype, so->descending, so->rows * n, &end_bit)) != CA_OK) {
    cu_scratch_free(be, scratch);
    return st;
  }
  for (int64_t r0 = 0; r0 < so->rows; r0 += chunk) {
    int64_t rows = so->rows - r0 < chunk ? so->rows - r0 : chunk, total = rows * n, base = r0 * n;
    const K *keys = (const K *)so->keys + base;
    k_make_keys<K><<<cuk::blocks_for(total, 256, cap), 256, 0, s>>>(keys, so->dtype, so->descending, total, (K *)kin, pin);
    if ((st = cu_check_launch(be, "sort keys")) != CA_OK) break;
    size_t tb = temp;
    err = cub::DeviceRadixSort::SortPairs(ctemp, tb, (const K *)kin, (K *)kout, pin, pout, total, 0, end_bit, s);
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
  int end_bit = 0; /* CUB's keys of signed integers are ours (the sign bit flipped) */
  typedef typename std::conditional<sizeof(F) == 4, uint32_t, uint64_t>::type K;
  ca_status st = differing_bits<K>(be, (const K *)so->keys, so->dtype, 0, n, &end_bit);
  if (st != CA_OK) return st;
  size_t temp = 0;
  cudaError_t err = cub::DeviceRadixSort::SortKeys(NULL, temp, (const F *)NULL, (F *)NULL, n, 0, end_bit, s);
  if (err != cudaSuccess) return cu_fail(be, "cub::DeviceRadixSort::SortKeys", err);
  size_t cbytes = std::is_floating_point<F>::value ? ((size_t)n * sizeof(F) + 255) & ~(size_t)255 : 0;
  char *scratch = NULL;
  if ((st = cu_scratch(be, cbytes + 256 + temp, (void **)&scratch)) != CA_OK) return st;
  F *copy = (F *)scratch, *out = (F *)so->values;
  int64_t *run = (int64_t *)(scratch + cbytes);
  err = cub::DeviceRadixSort::SortKeys(scratch + cbytes + 256, temp, (const F *)so->keys, out, n, 0, end_bit, s);
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

template <class K> ca_status top_width(ca_backend *be, const ca_sort *so);

template <class K> ca_status sort_width(ca_backend *be, const ca_sort *so) {
  if (so->k < so->n) return top_width<K>(be, so);
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

/* ---- top-k: the first k of each row's order -------------------------------------------- */

constexpr int top_max = 256; /* the largest k the selection kernel takes */

/* Byte d (0 the most significant) of the pair (key, position), positions taking two bytes. */
template <class K> __device__ __forceinline__ unsigned pair_digit(K key, int pos, int d) {
  return d < (int)sizeof(K) ? (unsigned)(key >> (8 * ((int)sizeof(K) - 1 - d))) & 255u
                            : (unsigned)(d == (int)sizeof(K) ? pos >> 8 : pos) & 255u;
}

/* One block per row of n <= TPB * IPT elements. All (key, position) pairs differ, so the k
 * smallest are those at or below the k-th smallest pair: a radix selection finds it a byte at
 * a time (a histogram of the bytes of the pairs still in the running, the bin holding the
 * k-th), stopping early once one pair is left. The k pairs are gathered in shared memory,
 * and each is written at its rank among them: the sort's first k, ties in position order. */
template <class K, int TPB, int IPT>
__global__ void __launch_bounds__(TPB) k_block_top(const K *keys, int dt, int desc, int64_t rows, int n, int k,
                                                   K *values, int64_t *indices) {
  constexpr int digits = (int)sizeof(K) + 2;
  __shared__ unsigned hist[256];
  __shared__ unsigned chosen, rank_in, left, taken;
  __shared__ K kth_key, top_key[top_max];
  __shared__ int kth_pos, top_pos[top_max];
  for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
    const K *row = keys + r * n;
    K key[IPT];
    unsigned live = 0;
#pragma unroll
    for (int i = 0; i < IPT; i++) {
      int j = i * TPB + threadIdx.x;
      key[i] = j < n ? make_key<K>(dt, desc, row + j) : (K)0;
      if (j < n) live |= 1u << i;
    }
    if (threadIdx.x == 0) {
      rank_in = (unsigned)k;
      left = (unsigned)n;
      taken = 0;
    }
    for (int d = 0; d < digits; d++) {
      for (int b = threadIdx.x; b < 256; b += TPB) hist[b] = 0;
      __syncthreads();
      if (left == 1) break; /* the one pair in the running is the k-th */
#pragma unroll
      for (int i = 0; i < IPT; i++)
        if (live >> i & 1) atomicAdd(&hist[pair_digit<K>(key[i], i * TPB + threadIdx.x, d)], 1u);
      __syncthreads();
      if (threadIdx.x < 32) { /* the bin where the running count reaches rank_in */
        unsigned lane = threadIdx.x, own = 0;
#pragma unroll
        for (int b = 0; b < 8; b++) own += hist[lane * 8 + b];
        unsigned incl = own;
#pragma unroll
        for (int o = 1; o < 32; o <<= 1) {
          unsigned t = __shfl_up_sync(0xffffffffu, incl, o);
          if (lane >= (unsigned)o) incl += t;
        }
        unsigned before = incl - own, want = rank_in;
        if (before < want && want <= incl) {
          for (int b = 0; b < 8; b++) {
            unsigned h = hist[lane * 8 + b];
            if (want <= before + h) {
              chosen = lane * 8 + b;
              rank_in = want - before;
              left = h;
              break;
            }
            before += h;
          }
        }
      }
      __syncthreads();
      unsigned c = chosen;
#pragma unroll
      for (int i = 0; i < IPT; i++)
        if ((live >> i & 1) && pair_digit<K>(key[i], i * TPB + threadIdx.x, d) != c) live &= ~(1u << i);
    }
#pragma unroll
    for (int i = 0; i < IPT; i++)
      if (live >> i & 1) {
        kth_key = key[i];
        kth_pos = i * TPB + threadIdx.x;
      }
    __syncthreads();
    K kk = kth_key;
    int kp = kth_pos;
#pragma unroll
    for (int i = 0; i < IPT; i++) {
      int j = i * TPB + threadIdx.x;
      if (j < n && (key[i] < kk || (key[i] == kk && j <= kp))) {
        unsigned at = atomicAdd(&taken, 1u);
        top_key[at] = key[i];
        top_pos[at] = j;
      }
    }
    __syncthreads();
    for (int t = threadIdx.x; t < k; t += TPB) {
      K tk = top_key[t];
      int tp = top_pos[t], rank = 0;
      for (int u = 0; u < k; u++) rank += top_key[u] < tk || (top_key[u] == tk && top_pos[u] < tp);
      if (indices) indices[r * k + rank] = (int64_t)tp + 1;
      if (values) values[r * k + rank] = row[tp];
    }
    __syncthreads();
  }
}

template <class K, int TPB, int IPT> ca_status block_top(ca_backend *be, const ca_sort *so) {
  unsigned blocks = cuk::blocks_for(so->rows, 1, (int64_t)cuk::sm_count(be) * 32);
  k_block_top<K, TPB, IPT><<<blocks, TPB, 0, cu_stream(be)>>>((const K *)so->keys, so->dtype, so->descending, so->rows,
                                                              (int)so->n, (int)so->k, (K *)so->values, so->indices);
  return cu_check_launch(be, "top-k rows");
}

/* Rows too long, or k too large, for the selection: the whole sort into scratch, then the
 * first k of each row copied out. */
template <class K> ca_status top_by_sort(ca_backend *be, const ca_sort *so) {
  size_t vbytes = so->values ? ((size_t)(so->rows * so->n) * sizeof(K) + 255) & ~(size_t)255 : 0;
  size_t ibytes = so->indices ? (size_t)(so->rows * so->n) * sizeof(int64_t) : 0;
  char *scratch = NULL;
  ca_status st = cu_scratch(be, vbytes + ibytes, (void **)&scratch);
  if (st != CA_OK) return st;
  ca_sort full = *so;
  full.k = so->n;
  full.values = so->values ? scratch : NULL;
  full.indices = so->indices ? (int64_t *)(scratch + vbytes) : NULL;
  st = sort_width<K>(be, &full);
  cudaError_t err = cudaSuccess;
  if (st == CA_OK && so->values)
    err = cudaMemcpy2DAsync(so->values, (size_t)so->k * sizeof(K), full.values, (size_t)so->n * sizeof(K),
                            (size_t)so->k * sizeof(K), (size_t)so->rows, cudaMemcpyDeviceToDevice, cu_stream(be));
  if (st == CA_OK && err == cudaSuccess && so->indices)
    err = cudaMemcpy2DAsync(so->indices, (size_t)so->k * 8, full.indices, (size_t)so->n * 8, (size_t)so->k * 8,
                            (size_t)so->rows, cudaMemcpyDeviceToDevice, cu_stream(be));
  if (st == CA_OK && err != cudaSuccess) st = cu_fail(be, "cudaMemcpy2DAsync (top-k)", err);
  cu_scratch_free(be, scratch);
  return st;
}

template <class K> ca_status top_width(ca_backend *be, const ca_sort *so) {
  if (so->k <= top_max && so->n <= 1024) return block_top<K, 128, 8>(be, so);
  if (so->k <= top_max && so->n <= 4096) return block_top<K, 256, 16>(be, so);
  return top_by_sort<K>(be, so);
}

/* ---- unique: the runs of sorted elements ------------------------------------------------ */

/* Tiles of run_tile elements: a pass counts the runs starting in each tile, one block scans
 * the counts into the tiles' first output slots (and the total into the count), and a second
 * pass writes each run's first element and its 1-based position. Two reads of the elements,
 * writes of the runs only, and no synchronisation. */
constexpr int run_tpb = 256, run_ipt = 16, run_tile = run_tpb * run_ipt, scan_tpb = 1024;

/* Whether element i starts a run: the first, or not one value (src/sort_keys.h's
 * ca_same_value) with the element before it. */
template <class K> __device__ __forceinline__ bool starts_run(int dt, int equal_nan, bool first, K prev, K x) {
  return first || !ca_same_value(dt, sort_key<K>(dt, (const char *)&prev), sort_key<K>(dt, (const char *)&x),
                                 (int)sizeof(K), equal_nan);
}

template <class K>
__global__ void __launch_bounds__(run_tpb) k_count_runs(const K *x, int64_t n, int dt, int equal_nan, int64_t *counts) {
  typedef cub::BlockReduce<int, run_tpb> Reduce;
  __shared__ typename Reduce::TempStorage tmp;
  int64_t base = (int64_t)blockIdx.x * run_tile;
  int c = 0;
#pragma unroll
  for (int i = 0; i < run_ipt; i++) {
    int64_t j = base + i * run_tpb + threadIdx.x;
    if (j < n) c += starts_run<K>(dt, equal_nan, j == 0, j ? x[j - 1] : x[j], x[j]);
  }
  c = Reduce(tmp).Sum(c);
  if (threadIdx.x == 0) counts[blockIdx.x] = c;
}

/* counts[t] becomes the sum of the counts before tile t; *total the sum of them all. */
__global__ void __launch_bounds__(scan_tpb) k_scan_counts(int64_t *counts, int64_t tiles, int64_t *total) {
  typedef cub::BlockScan<int64_t, scan_tpb> Scan;
  __shared__ typename Scan::TempStorage tmp;
  int64_t carry = 0;
  for (int64_t t0 = 0; t0 < tiles; t0 += scan_tpb) {
    int64_t t = t0 + threadIdx.x, v = t < tiles ? counts[t] : 0, before, sum;
    Scan(tmp).ExclusiveSum(v, before, sum);
    if (t < tiles) counts[t] = carry + before;
    carry += sum;
    __syncthreads();
  }
  if (threadIdx.x == 0) *total = carry;
}

/* Each thread takes run_ipt consecutive elements (loaded through shared memory), so that a
 * scan of the threads' counts gives each run its slot. */
template <class K>
__global__ void __launch_bounds__(run_tpb) k_write_runs(const K *x, int64_t n, int dt, int equal_nan,
                                                         const int64_t *offsets, K *values, int64_t *starts) {
  typedef cub::BlockLoad<K, run_tpb, run_ipt, cub::BLOCK_LOAD_WARP_TRANSPOSE> Load;
  typedef cub::BlockScan<int, run_tpb> Scan;
  __shared__ union {
    typename Load::TempStorage load;
    typename Scan::TempStorage scan;
  } tmp;
  int64_t base = (int64_t)blockIdx.x * run_tile;
  int valid = n - base < run_tile ? (int)(n - base) : run_tile;
  K v[run_ipt];
  Load(tmp.load).Load(x + base, v, valid);
  __syncthreads();
  int64_t first = base + (int64_t)threadIdx.x * run_ipt;
  K prev = first > 0 && first < n ? x[first - 1] : v[0];
  unsigned flags = 0;
  int c = 0;
#pragma unroll
  for (int i = 0; i < run_ipt; i++) {
    if (first + i < n && starts_run<K>(dt, equal_nan, first + i == 0, i ? v[i - 1] : prev, v[i])) {
      flags |= 1u << i;
      c++;
    }
  }
  int before;
  Scan(tmp.scan).ExclusiveSum(c, before);
  int64_t at = offsets[blockIdx.x] + before;
#pragma unroll
  for (int i = 0; i < run_ipt; i++)
    if (flags >> i & 1) {
      values[at] = v[i];
      starts[at] = first + i + 1;
      at++;
    }
}

template <class K>
ca_status unique_width(ca_backend *be, int dt, const void *sorted, int64_t n, int equal_nan, void *values,
                       int64_t *starts, int64_t *count) {
  cudaStream_t s = cu_stream(be);
  int64_t tiles = (n + run_tile - 1) / run_tile;
  if (tiles > INT32_MAX) return cu_fail_msg(be, CA_ERR_UNSUPPORTED, "unique: too many elements for the GPU");
  int64_t *offsets = NULL;
  ca_status st = cu_scratch(be, (size_t)tiles * sizeof(int64_t), (void **)&offsets);
  if (st != CA_OK) return st;
  const K *x = (const K *)sorted;
  k_count_runs<K><<<(unsigned)tiles, run_tpb, 0, s>>>(x, n, dt, equal_nan, offsets);
  k_scan_counts<<<1, scan_tpb, 0, s>>>(offsets, tiles, count);
  k_write_runs<K><<<(unsigned)tiles, run_tpb, 0, s>>>(x, n, dt, equal_nan, offsets, (K *)values, starts);
  st = cu_check_launch(be, "unique");
  cu_scratch_free(be, offsets);
  return st;
}

} /* namespace */

extern "C" ca_status cu_sort(ca_backend *be, const ca_sort *s) {
  if (!ca_sortable(s->dtype) || s->rows < 0 || s->n < 0 || s->k < 0 || s->k > s->n) return CA_ERR_VALUE;
  if (s->rows == 0 || s->k == 0) return CA_OK;
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
