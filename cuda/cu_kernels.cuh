/* Device helpers shared by the cuda/ files: src/convert.h's conversions by dtype and compute
 * type (templates that call its functions, so every rule stays written there once), a
 * random-access iterator over a functor (for CUB), and launch sizing. Private to cuda/. */
#ifndef CA_CU_KERNELS_CUH
#define CA_CU_KERNELS_CUH

#include <cuda_runtime.h>
#include <stdint.h>
#include <iterator>
#include <type_traits>
#include "cuda_internal.h"
#include "../src/scalar.h"

#define CUK_HD __host__ __device__ __forceinline__

namespace cuk {

/* ---- storage types -------------------------------------------------------------------- */

/* St<DT>::T: the storage type of dtype DT, as on the CPU; St<DT>::kind its compute kind. */
template <int DT> struct St;
#define CUK_ST(NAME, name, ST, K, FAM) template <> struct St<CA_##NAME> { typedef ST T; static constexpr int kind = CA_CK_##K; };
CA_DTYPES(CUK_ST, )
#undef CUK_ST

/* ---- src/convert.h by (compute kind, dtype) --------------------------------------------- */

/* Kind<C>: the compute kind a C++ type computes in (floating types other than float in
 * double, uint64 in its own kind, every other integer type in int64, the complex pairs in
 * their own kinds), and KindT<K> that kind's type. */
template <class C> struct Kind {
  static constexpr int value = std::is_same<C, ca_c8>::value              ? (int)CA_CK_c
                               : std::is_same<C, ca_c16>::value           ? (int)CA_CK_z
                               : std::is_same<C, float>::value            ? (int)CA_CK_f
                               : std::is_floating_point<C>::value ? (int)CA_CK_d
                               : std::is_same<C, ca_u>::value     ? (int)CA_CK_u
                                                                  : (int)CA_CK_i;
};
template <int K> struct KindT;
#define CUK_KINDT(k, T, DT) template <> struct KindT<CA_CK_##k> { typedef T type; };
CA_KINDS(CUK_KINDT, )
#undef CUK_KINDT

/* Ld<K, DT>::f: an element of DT read in kind K; Sto<K, DT>::f: a value of kind K stored. */
template <int K, int DT> struct Ld;
template <int K, int DT> struct Sto;
#define CUK_LD(k, NAME, name, ST, K, FAM)                                                        \
  template <> struct Ld<CA_CK_##k, CA_##NAME> { static CUK_HD ca_k_##k f(ST x) { return ca_load_##k##_##name(x); } };
#define CUK_STO(k, NAME, name, ST, K, FAM)                                                       \
  template <> struct Sto<CA_CK_##k, CA_##NAME> { static CUK_HD ST f(ca_k_##k v) { return ca_store_##k##_##name(v); } };
#define CUK_KIND(k, T, DT) CA_DTYPES(CUK_LD, k, ) CA_DTYPES(CUK_STO, k, )
CA_KINDS(CUK_KIND, )
#undef CUK_KIND
#undef CUK_LD
#undef CUK_STO

/* ---- loads: stored value of dtype DT -> compute type C (ca_i, float or double) ------- */

template <class C, int DT> CUK_HD C cvt(typename St<DT>::T x) {
  return (C)Ld<Kind<C>::value, DT>::f(x);
}

/* v, a value of compute type C, as an element of dtype DT. */
template <int DT, class C> CUK_HD typename St<DT>::T to(C v) {
  constexpr int K = Kind<C>::value;
  return Sto<K, DT>::f((typename KindT<K>::type)v);
}

/* An element's exact value in its dtype's own compute kind. */
template <int DT> CUK_HD typename KindT<St<DT>::kind>::type own(typename St<DT>::T x) {
  return Ld<St<DT>::kind, DT>::f(x);
}

/* Typed load of element `i` (elements) of a DT array at base. */
template <class C, int DT> CUK_HD C ld(const char *base, int64_t i) {
  return cvt<C, DT>(((const typename St<DT>::T *)base)[i]);
}

/* The run-time switches below take `default` with their first case: no dtype outside the list
 * reaches a kernel (the core makes every loop), and a switch without a separate default block
 * branches as little as a hand-written one whose last case is the default. */

/* Runtime-dtype load. */
template <class C> CUK_HD C ld_rt(const char *base, int dt, int64_t i) {
  switch (dt) {
  default:
#define CUK_LD_CASE(NAME, name, ST, K, FAM) case CA_##NAME: return ld<C, CA_##NAME>(base, i);
  CA_DTYPES(CUK_LD_CASE, )
#undef CUK_LD_CASE
  }
}

/* Load with DT >= 0 typed, DT < 0 a runtime switch on dt. */
template <class C, int DT> __device__ __forceinline__ C ld_any(const char *base, int dt, int64_t i) {
  if constexpr (DT < 0) return ld_rt<C>(base, dt, i);
  else return ld<C, DT>(base, i);
}

/* Truth of a stored value: != 0, NaN true, -0 false. */
CUK_HD int truth_rt(const char *base, int dt, int64_t i) {
  switch (dt) {
  default:
#define CUK_TRUTH_CASE(NAME, name, ST, K, FAM) case CA_##NAME: return ca_truth_##name(((const ST *)base)[i]);
  CA_DTYPES(CUK_TRUTH_CASE, )
#undef CUK_TRUTH_CASE
  }
}

/* ---- stores: compute value -> dtype ------------------------------------------------------- */

template <class C> CUK_HD void st_rt(char *base, int dt, int64_t i, C v) {
  switch (dt) {
  default:
#define CUK_ST_CASE(NAME, name, ST, K, FAM) case CA_##NAME: ((ST *)base)[i] = to<CA_##NAME>(v); return;
  CA_DTYPES(CUK_ST_CASE, )
#undef CUK_ST_CASE
  }
}

/* dst[di] (ddt) = src[si] (sdt), the value read in the source's own compute type. */
CUK_HD void convert_rt(char *dst, int ddt, int64_t di, const char *src, int sdt, int64_t si) {
  switch (ca_compute_kind(sdt)) {
  default:
#define CUK_CONVERT_CASE(k, T, DT) case CA_CK_##k: st_rt<T>(dst, ddt, di, ld_rt<T>(src, sdt, si)); return;
  CA_KINDS(CUK_CONVERT_CASE, )
#undef CUK_CONVERT_CASE
  }
}

/* Copies one element of `size` bytes (1, 2, 4, 8, 16). */
__device__ __forceinline__ void copy_elem(char *dst, const char *src, int size) {
  switch (size) {
  case 1: *(uint8_t *)dst = *(const uint8_t *)src; break;
  case 2: *(uint16_t *)dst = *(const uint16_t *)src; break;
  case 4: *(uint32_t *)dst = *(const uint32_t *)src; break;
  case 8: *(uint64_t *)dst = *(const uint64_t *)src; break;
  default: *(ca_c16 *)dst = *(const ca_c16 *)src; break;
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
