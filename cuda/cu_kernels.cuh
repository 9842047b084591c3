/* Device helpers shared by reduce.cu, blas.cu, random.cu and index.cu: dtype storage types,
 * loads into the compute types and stores back, exactly as the CPU backend converts
 * (src/cpu/cpu_internal.h, CA_CPU_L_* / CA_CPU_S_* / CA_CPU_TRUTH_*), a random-access
 * iterator over a functor (for CUB), and launch sizing. Private to cuda/. */
#ifndef CA_CU_KERNELS_CUH
#define CA_CU_KERNELS_CUH

#include <cuda_runtime.h>
#include <stdint.h>
#include <iterator>
#include <type_traits>
#include "cuda_internal.h"
#include "../src/scalar.h"

namespace cuk {

/* ---- storage types ------------------------------------------------------------------- */

template <int DT> struct St;
template <> struct St<CA_BOOL> { typedef uint8_t T; };
template <> struct St<CA_INT8> { typedef int8_t T; };
template <> struct St<CA_UINT8> { typedef uint8_t T; };
template <> struct St<CA_INT16> { typedef int16_t T; };
template <> struct St<CA_INT32> { typedef int32_t T; };
template <> struct St<CA_INT64> { typedef int64_t T; };
template <> struct St<CA_FLOAT16> { typedef uint16_t T; };
template <> struct St<CA_FLOAT32> { typedef float T; };
template <> struct St<CA_FLOAT64> { typedef double T; };

/* ---- loads: stored value of dtype DT -> compute type C (ca_i, float or double) ------- */

template <class C, int DT> __host__ __device__ __forceinline__ C cvt(typename St<DT>::T x) {
  if constexpr (DT == CA_BOOL) {
    return (C)(x != 0);
  } else if constexpr (DT == CA_FLOAT16) {
    float f = ca_half_to_float(x);
    if constexpr (std::is_integral<C>::value) return ca_f2i(f);
    else return (C)f;
  } else if constexpr (DT == CA_FLOAT32) {
    if constexpr (std::is_integral<C>::value) return ca_f2i(x);
    else return (C)x;
  } else if constexpr (DT == CA_FLOAT64) {
    if constexpr (std::is_integral<C>::value) return ca_d2i(x);
    else return (C)x;
  } else {
    return (C)x;
  }
}

/* Typed load of element `i` (elements) of a DT array at base. */
template <class C, int DT> __device__ __forceinline__ C ld(const char *base, int64_t i) {
  return cvt<C, DT>(((const typename St<DT>::T *)base)[i]);
}

/* Runtime-dtype load. */
template <class C> __device__ __forceinline__ C ld_rt(const char *base, int dt, int64_t i) {
  switch (dt) {
  case CA_BOOL: return ld<C, CA_BOOL>(base, i);
  case CA_INT8: return ld<C, CA_INT8>(base, i);
  case CA_UINT8: return ld<C, CA_UINT8>(base, i);
  case CA_INT16: return ld<C, CA_INT16>(base, i);
  case CA_INT32: return ld<C, CA_INT32>(base, i);
  case CA_INT64: return ld<C, CA_INT64>(base, i);
  case CA_FLOAT16: return ld<C, CA_FLOAT16>(base, i);
  case CA_FLOAT32: return ld<C, CA_FLOAT32>(base, i);
  default: return ld<C, CA_FLOAT64>(base, i);
  }
}

/* Load with DT >= 0 typed, DT < 0 a runtime switch on dt. */
template <class C, int DT> __device__ __forceinline__ C ld_any(const char *base, int dt, int64_t i) {
  if constexpr (DT < 0) return ld_rt<C>(base, dt, i);
  else return ld<C, DT>(base, i);
}

/* Truth of a stored value: != 0, NaN true, -0 false. */
__device__ __forceinline__ int truth_rt(const char *base, int dt, int64_t i) {
  switch (dt) {
  case CA_BOOL: case CA_INT8: case CA_UINT8: return ((const uint8_t *)base)[i] != 0;
  case CA_INT16: return ((const int16_t *)base)[i] != 0;
  case CA_FLOAT16: return (((const uint16_t *)base)[i] & 0x7fffu) != 0;
  case CA_INT32: return ((const int32_t *)base)[i] != 0;
  case CA_FLOAT32: return ((const float *)base)[i] != 0.0f;
  case CA_INT64: return ((const int64_t *)base)[i] != 0;
  default: return ((const double *)base)[i] != 0.0;
  }
}

/* ---- stores: compute value -> dtype (integers wrap, float -> int via ca_f2i/ca_d2i) -- */

__host__ __device__ __forceinline__ ca_i to_i(ca_i v) { return v; }
__host__ __device__ __forceinline__ ca_i to_i(float v) { return ca_f2i(v); }
__host__ __device__ __forceinline__ ca_i to_i(double v) { return ca_d2i(v); }
__host__ __device__ __forceinline__ uint16_t to_h(ca_i v) { return ca_float_to_half((float)v); }
__host__ __device__ __forceinline__ uint16_t to_h(float v) { return ca_float_to_half(v); }
__host__ __device__ __forceinline__ uint16_t to_h(double v) { return ca_float_to_half((float)v); }

template <class C> __device__ __forceinline__ void st_rt(char *base, int dt, int64_t i, C v) {
  switch (dt) {
  case CA_BOOL: ((uint8_t *)base)[i] = (uint8_t)(v != 0); break;
  case CA_INT8: ((int8_t *)base)[i] = (int8_t)(uint8_t)(ca_u)to_i(v); break;
  case CA_UINT8: ((uint8_t *)base)[i] = (uint8_t)(ca_u)to_i(v); break;
  case CA_INT16: ((int16_t *)base)[i] = (int16_t)(uint16_t)(ca_u)to_i(v); break;
  case CA_INT32: ((int32_t *)base)[i] = (int32_t)(uint32_t)(ca_u)to_i(v); break;
  case CA_INT64: ((int64_t *)base)[i] = to_i(v); break;
  case CA_FLOAT16: ((uint16_t *)base)[i] = to_h(v); break;
  case CA_FLOAT32: ((float *)base)[i] = (float)v; break;
  default: ((double *)base)[i] = (double)v; break;
  }
}

/* dst[di] (ddt) = src[si] (sdt), the value read in the source's own compute type. */
__device__ __forceinline__ void convert_rt(char *dst, int ddt, int64_t di, const char *src, int sdt,
                                           int64_t si) {
  if (sdt == CA_FLOAT64) st_rt<double>(dst, ddt, di, ld<double, CA_FLOAT64>(src, si));
  else if (ca_is_float(sdt)) st_rt<float>(dst, ddt, di, ld_rt<float>(src, sdt, si));
  else st_rt<ca_i>(dst, ddt, di, ld_rt<ca_i>(src, sdt, si));
}

/* Copies one element of `size` bytes (1, 2, 4, 8). */
__device__ __forceinline__ void copy_elem(char *dst, const char *src, int size) {
  switch (size) {
  case 1: *(uint8_t *)dst = *(const uint8_t *)src; break;
  case 2: *(uint16_t *)dst = *(const uint16_t *)src; break;
  case 4: *(uint32_t *)dst = *(const uint32_t *)src; break;
  default: *(uint64_t *)dst = *(const uint64_t *)src; break;
  }
}

/* ---- strided iteration ---------------------------------------------------------------- */

/* Offsets (elements) of C-order flat index i for up to N operands over a shape. */
template <int N>
__device__ __forceinline__ void unravel(int ndim, const int64_t *shape, int64_t i,
                                        const int64_t *const *strides, int64_t *off) {
  for (int j = 0; j < N; j++) off[j] = 0;
  for (int d = ndim - 1; d >= 0 && i; d--) {
    int64_t s = shape[d], q = i / s, c = i - q * s;
    for (int j = 0; j < N; j++) off[j] += c * strides[j][d];
    i = q;
  }
}

/* ---- a random-access iterator over f(i), for CUB -------------------------------------- */

template <class F> struct FnIter {
  typedef FnIter self_type;
  typedef int64_t difference_type;
  typedef decltype(F()(int64_t(0))) value_type;
  typedef value_type reference;
  typedef value_type *pointer;
  typedef std::random_access_iterator_tag iterator_category;
  F f;
  int64_t i;
  __host__ __device__ FnIter(F fn, int64_t i0 = 0) : f(fn), i(i0) {}
  __host__ __device__ value_type operator*() const { return f(i); }
  __host__ __device__ value_type operator[](int64_t n) const { return f(i + n); }
  __host__ __device__ self_type operator+(int64_t n) const { return self_type(f, i + n); }
  __host__ __device__ self_type operator-(int64_t n) const { return self_type(f, i - n); }
  __host__ __device__ difference_type operator-(const self_type &o) const { return i - o.i; }
  __host__ __device__ self_type &operator+=(int64_t n) { i += n; return *this; }
  __host__ __device__ self_type &operator-=(int64_t n) { i -= n; return *this; }
  __host__ __device__ self_type &operator++() { ++i; return *this; }
  __host__ __device__ self_type operator++(int) { self_type t = *this; ++i; return t; }
  __host__ __device__ bool operator==(const self_type &o) const { return i == o.i; }
  __host__ __device__ bool operator!=(const self_type &o) const { return i != o.i; }
};

/* ---- launch sizing -------------------------------------------------------------------- */

static inline int sm_count(ca_backend *be) {
  int n = 0;
  if (cudaDeviceGetAttribute(&n, cudaDevAttrMultiProcessorCount, cu_device(be)) != cudaSuccess || n <= 0) {
    (void)cudaGetLastError();
    n = 80;
  }
  return n;
}

/* Blocks for `work` items of `per_block` each, capped at `cap` (the kernels grid-stride). */
static inline unsigned blocks_for(int64_t work, int64_t per_block, int64_t cap) {
  int64_t b = (work + per_block - 1) / per_block;
  if (b > cap) b = cap;
  if (b < 1) b = 1;
  return (unsigned)b;
}

} /* namespace cuk */

#endif
