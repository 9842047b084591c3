/* Elementwise kernels: copy (with dtype conversion, fills and tiled transposes), the unary and
 * binary ops of ops.def, and where. Every body calls the scalar.h formula of its op.
 *
 * Paths, chosen on the host per call:
 *  - fast: every input has the compute dtype and the output the compute dtype (bool for
 *    predicates); at most 2 dims whose inner dim is contiguous (stride 1) or broadcast
 *    (stride 0) in every operand; scalars by value. 16-byte vector loads/stores, 2 vectors
 *    in flight per operand per thread when the rows are 16-byte aligned, else scalar accesses
 *    (still 8 or more per thread). Instantiated per (op, compute dtype) for int32, int64,
 *    float16, float32 and float64.
 *  - general: any dims, strides and operand dtypes (converted on load, by a switch on the
 *    dtype), instantiated per (op, compute kind).
 * Kernels index with 32-bit math; larger loops are split on the host. */
#include <cuda_fp16.h>
#include <stdio.h>
#include <string.h>
#include <type_traits>
#include <utility>
#include "../src/scalar.h"
#include "cuda_internal.h"

#define CU_HD __host__ __device__ __forceinline__
#define CU_D __device__ __forceinline__
#define CU_BLOCK 256
#define CU_UNROLL 2    /* 16-byte vectors per operand per thread on the fast path */
#define CU_GUNROLL 4   /* elements per thread on the general path */
#define CU_MAXRUN ((int64_t)1 << 30) /* longest run one launch indexes (32-bit math) */

/* ---- storage types and conversions -------------------------------------------------------- */

struct cbool { uint8_t v; };

/* The value an element holds, in its own kind: integers (and bool) as int64, float16 and
 * float32 as float, float64 as double. */
CU_HD ca_i nat(cbool x) { return x.v != 0; }
CU_HD ca_i nat(int8_t x) { return x; }
CU_HD ca_i nat(uint8_t x) { return x; }
CU_HD ca_i nat(int16_t x) { return x; }
CU_HD ca_i nat(int32_t x) { return x; }
CU_HD ca_i nat(int64_t x) { return x; }
CU_HD float nat(__half x) { return __half2float(x); }
CU_HD float nat(float x) { return x; }
CU_HD double nat(double x) { return x; }

/* Conversion between compute kinds: float -> integer through ca_f2i / ca_d2i. */
template <class C> struct To;
template <> struct To<ca_i> {
  static CU_HD ca_i from(ca_i x) { return x; }
  static CU_HD ca_i from(float x) { return ca_f2i(x); }
  static CU_HD ca_i from(double x) { return ca_d2i(x); }
};
template <> struct To<float> {
  static CU_HD float from(ca_i x) { return (float)x; }
  static CU_HD float from(float x) { return x; }
  static CU_HD float from(double x) { return (float)x; }
};
template <> struct To<double> {
  static CU_HD double from(ca_i x) { return (double)x; }
  static CU_HD double from(float x) { return (double)x; }
  static CU_HD double from(double x) { return x; }
};

/* Storing a computed value: bool is != 0, integers wrap to their width, float16 rounds to
 * nearest even. */
template <class T> struct St {
  template <class R> static CU_HD T cv(R r) { return (T)(uint64_t)To<ca_i>::from(r); }
};
template <> struct St<cbool> {
  template <class R> static CU_HD cbool cv(R r) { cbool b; b.v = r != 0; return b; }
};
template <> struct St<__half> {
  template <class R> static CU_HD __half cv(R r) { return __float2half_rn(To<float>::from(r)); }
};
template <> struct St<float> {
  template <class R> static CU_HD float cv(R r) { return To<float>::from(r); }
};
template <> struct St<double> {
  template <class R> static CU_HD double cv(R r) { return To<double>::from(r); }
};

/* Load an element of dtype dt as compute type C / store R into an element of dtype dt. */
template <class C> CU_D C load_dyn(const char *p, int dt) {
  switch (dt) {
  case CA_BOOL: return To<C>::from(nat(*(const cbool *)p));
  case CA_INT8: return To<C>::from(nat(*(const int8_t *)p));
  case CA_UINT8: return To<C>::from(nat(*(const uint8_t *)p));
  case CA_INT16: return To<C>::from(nat(*(const int16_t *)p));
  case CA_INT32: return To<C>::from(nat(*(const int32_t *)p));
  case CA_INT64: return To<C>::from(nat(*(const int64_t *)p));
  case CA_FLOAT16: return To<C>::from(nat(*(const __half *)p));
  case CA_FLOAT32: return To<C>::from(nat(*(const float *)p));
  default: return To<C>::from(nat(*(const double *)p));
  }
}
template <class R> CU_D void store_dyn(char *p, int dt, R r) {
  switch (dt) {
  case CA_BOOL: *(cbool *)p = St<cbool>::cv(r); break;
  case CA_INT8: *(int8_t *)p = St<int8_t>::cv(r); break;
  case CA_UINT8: *(uint8_t *)p = St<uint8_t>::cv(r); break;
  case CA_INT16: *(int16_t *)p = St<int16_t>::cv(r); break;
  case CA_INT32: *(int32_t *)p = St<int32_t>::cv(r); break;
  case CA_INT64: *(int64_t *)p = St<int64_t>::cv(r); break;
  case CA_FLOAT16: *(__half *)p = St<__half>::cv(r); break;
  case CA_FLOAT32: *(float *)p = St<float>::cv(r); break;
  default: *(double *)p = St<double>::cv(r); break;
  }
}
CU_D bool truth_dyn(const char *p, int dt) {
  switch (ca_dtype_kind(dt)) {
  case CA_KIND_FLOAT: return load_dyn<double>(p, dt) != 0.0;
  default: return load_dyn<ca_i>(p, dt) != 0;
  }
}

/* A scalar operand (value in its dtype's kind) as the element it stands for, in kind C. */
template <class C> static C scalar_as(ca_value v, int dt) {
  switch (dt) {
  case CA_BOOL: return To<C>::from((ca_i)(v.i != 0));
  case CA_INT8: return To<C>::from((ca_i)(int8_t)(uint64_t)v.i);
  case CA_UINT8: return To<C>::from((ca_i)(uint8_t)(uint64_t)v.i);
  case CA_INT16: return To<C>::from((ca_i)(int16_t)(uint64_t)v.i);
  case CA_INT32: return To<C>::from((ca_i)(int32_t)(uint64_t)v.i);
  case CA_INT64: return To<C>::from((ca_i)v.i);
  case CA_FLOAT16: return To<C>::from(ca_half_to_float(ca_float_to_half((float)v.f)));
  case CA_FLOAT32: return To<C>::from((float)v.f);
  default: return To<C>::from(v.f);
  }
}
template <class C> static ca_value value_of(C c);
template <> ca_value value_of<ca_i>(ca_i c) { ca_value v; v.i = c; return v; }
template <> ca_value value_of<float>(float c) { ca_value v; v.f = c; return v; }
template <> ca_value value_of<double>(double c) { ca_value v; v.f = c; return v; }
template <class C> CU_D C value_as(ca_value v);
template <> CU_D ca_i value_as<ca_i>(ca_value v) { return v.i; }
template <> CU_D float value_as<float>(ca_value v) { return (float)v.f; }
template <> CU_D double value_as<double>(ca_value v) { return v.f; }

/* ---- the ops: one struct per op of ops.def, calling its scalar.h formulas ------------------ */

/* CU_ISPRED(rule) is 1 for CA_RULE_PREDICATE (the output is bool), else 0. */
#define CU_SECOND(a, b, ...) b
#define CU_ISPRED_(...) CU_SECOND(__VA_ARGS__, 0, ~)
#define CU_ISPRED(rule) CU_ISPRED_(CU_PRED_TEST_##rule)
#define CU_PRED_TEST_CA_RULE_PREDICATE ~, 1

/* i/f/d exist (by SFINAE) only where scalar.h has ca_<name>_i/_f/_d. */
#define CA_UNARY(name, rule)                                                                    \
  struct U_##name {                                                                             \
    static constexpr bool pred = CU_ISPRED(rule);                                               \
    static constexpr const char *nm = #name;                                                    \
    template <class X> CU_D static auto i(X x) -> decltype(ca_##name##_i(x)) { return ca_##name##_i(x); } \
    template <class X> CU_D static auto f(X x) -> decltype(ca_##name##_f(x)) { return ca_##name##_f(x); } \
    template <class X> CU_D static auto d(X x) -> decltype(ca_##name##_d(x)) { return ca_##name##_d(x); } \
  };
#define CA_BINARY(name, rule)                                                                   \
  struct B_##name {                                                                             \
    static constexpr bool pred = CU_ISPRED(rule);                                               \
    static constexpr const char *nm = #name;                                                    \
    template <class X> CU_D static auto i(X x, X y) -> decltype(ca_##name##_i(x, y)) { return ca_##name##_i(x, y); } \
    template <class X> CU_D static auto f(X x, X y) -> decltype(ca_##name##_f(x, y)) { return ca_##name##_f(x, y); } \
    template <class X> CU_D static auto d(X x, X y) -> decltype(ca_##name##_d(x, y)) { return ca_##name##_d(x, y); } \
  };
#define CA_REDUCE(name, rule)
#include "../src/ops.def"
#undef CA_UNARY
#undef CA_BINARY
#undef CA_REDUCE

/* Compute kinds: the C++ type and which formula. */
struct KI {
  typedef ca_i C;
  template <class Op, class... A> CU_D static auto call(A... a) -> decltype(Op::i(a...)) { return Op::i(a...); }
};
struct KF {
  typedef float C;
  template <class Op, class... A> CU_D static auto call(A... a) -> decltype(Op::f(a...)) { return Op::f(a...); }
};
struct KD {
  typedef double C;
  template <class Op, class... A> CU_D static auto call(A... a) -> decltype(Op::d(a...)) { return Op::d(a...); }
};

template <class Op, class K, int NIN, class = void> struct has_formula : std::false_type {};
template <class Op, class K>
struct has_formula<Op, K, 1, std::void_t<decltype(K::template call<Op>(std::declval<typename K::C>()))>>
    : std::true_type {};
template <class Op, class K>
struct has_formula<Op, K, 2, std::void_t<decltype(K::template call<Op>(std::declval<typename K::C>(),
                                                                       std::declval<typename K::C>()))>>
    : std::true_type {};

template <class Op, class K, class C> CU_D auto apply(const C (&x)[1]) { return K::template call<Op>(x[0]); }
template <class Op, class K, class C> CU_D auto apply(const C (&x)[2]) { return K::template call<Op>(x[0], x[1]); }

/* ---- fast path --------------------------------------------------------------------------- */

template <class T, int N> struct alignas(sizeof(T) * N) Vec { T v[N]; };

template <class T, class O, int NIN> struct FastArgs {
  const T *in[NIN];       /* NULL: the scalar val[] */
  long long rs[NIN];      /* row stride (elements) */
  int inner[NIN];         /* 1: contiguous along the row, 0: broadcast */
  T val[NIN];
  O *out;
  long long ors;
  long long rows;
  int cols;
  int vec;                /* rows are aligned for vector access */
};

template <class Op, class K, class T, class O, int NIN>
__global__ void __launch_bounds__(CU_BLOCK) k_fast(FastArgs<T, O, NIN> a) {
  typedef typename K::C C;
  constexpr int V = 16 / sizeof(T), PER = V * CU_UNROLL, TILE = CU_BLOCK * PER;
  const int c0 = blockIdx.x * TILE;
  for (long long r = blockIdx.y; r < a.rows; r += gridDim.y) {
    const T *p[NIN];
#pragma unroll
    for (int q = 0; q < NIN; q++) p[q] = a.in[q] ? a.in[q] + r * a.rs[q] : nullptr;
    O *po = a.out + r * a.ors;
    if (a.vec && c0 + TILE <= a.cols) {
      /* Each operand's loads are issued together under one test, whichever position a
       * by-value scalar takes: interleaving the loads of one operand with the scalar test of
       * the other cost 10% when the scalar came second (a * 2 against 2 * a). */
      Vec<T, V> x[NIN][CU_UNROLL];
#pragma unroll
      for (int q = 0; q < NIN; q++) {
        if (p[q] && a.inner[q]) {
#pragma unroll
          for (int u = 0; u < CU_UNROLL; u++)
            x[q][u] = *reinterpret_cast<const Vec<T, V> *>(p[q] + c0 + (u * CU_BLOCK + (int)threadIdx.x) * V);
        } else {
          const T s = p[q] ? p[q][0] : a.val[q];
#pragma unroll
          for (int u = 0; u < CU_UNROLL; u++)
#pragma unroll
            for (int e = 0; e < V; e++) x[q][u].v[e] = s;
        }
      }
#pragma unroll
      for (int u = 0; u < CU_UNROLL; u++) {
        const int c = c0 + (u * CU_BLOCK + (int)threadIdx.x) * V;
        Vec<O, V> y;
#pragma unroll
        for (int e = 0; e < V; e++) {
          C xs[NIN];
#pragma unroll
          for (int q = 0; q < NIN; q++) xs[q] = To<C>::from(nat(x[q][u].v[e]));
          y.v[e] = St<O>::cv(apply<Op, K>(xs));
        }
        *reinterpret_cast<Vec<O, V> *>(po + c) = y;
      }
    } else {
      C x[NIN][PER];
#pragma unroll
      for (int u = 0; u < PER; u++) {
        const int c = c0 + u * CU_BLOCK + (int)threadIdx.x;
        if (c < a.cols) {
#pragma unroll
          for (int q = 0; q < NIN; q++)
            x[q][u] = To<C>::from(nat(p[q] ? p[q][a.inner[q] ? c : 0] : a.val[q]));
        }
      }
#pragma unroll
      for (int u = 0; u < PER; u++) {
        const int c = c0 + u * CU_BLOCK + (int)threadIdx.x;
        if (c < a.cols) {
          C xs[NIN];
#pragma unroll
          for (int q = 0; q < NIN; q++) xs[q] = x[q][u];
          po[c] = St<O>::cv(apply<Op, K>(xs));
        }
      }
    }
  }
}

/* ---- general path ------------------------------------------------------------------------ */

struct GenArgs {
  int ndim;
  unsigned size;
  unsigned shape[CA_MAXDIMS];
  int dt[CA_MAXOPS];
  char *ptr[CA_MAXOPS];                 /* NULL: the scalar val[] */
  long long st[CA_MAXOPS][CA_MAXDIMS];  /* byte strides */
  ca_value val[CA_MAXOPS];              /* scalars, already in the compute kind */
};

/* Byte offsets of element i (C order) for operands 0..NOP-1. */
template <int NOP> CU_D void offsets_of(const GenArgs &a, unsigned i, long long (&off)[NOP]) {
#pragma unroll
  for (int q = 0; q < NOP; q++) off[q] = 0;
  for (int d = a.ndim - 1; d > 0; d--) {
    unsigned s = a.shape[d], j = i / s, r = i - j * s;
    i = j;
#pragma unroll
    for (int q = 0; q < NOP; q++) off[q] += (long long)r * a.st[q][d];
  }
#pragma unroll
  for (int q = 0; q < NOP; q++) off[q] += (long long)i * a.st[q][0];
}

template <class Op, class K, int NIN>
__global__ void __launch_bounds__(CU_BLOCK) k_gen(const __grid_constant__ GenArgs a) {
  typedef typename K::C C;
  const unsigned base = blockIdx.x * (CU_BLOCK * CU_GUNROLL) + threadIdx.x;
  C x[CU_GUNROLL][NIN];
  long long oo[CU_GUNROLL];
#pragma unroll
  for (int u = 0; u < CU_GUNROLL; u++) {
    const unsigned i = base + u * CU_BLOCK;
    if (i < a.size) {
      long long off[NIN + 1];
      offsets_of<NIN + 1>(a, i, off);
      oo[u] = off[0];
#pragma unroll
      for (int q = 0; q < NIN; q++)
        x[u][q] = a.ptr[q + 1] ? load_dyn<C>(a.ptr[q + 1] + off[q + 1], a.dt[q + 1]) : value_as<C>(a.val[q + 1]);
    }
  }
#pragma unroll
  for (int u = 0; u < CU_GUNROLL; u++)
    if (base + u * CU_BLOCK < a.size) store_dyn(a.ptr[0] + oo[u], a.dt[0], apply<Op, K>(x[u]));
}

/* where: op[0] = op[1] ? op[2] : op[3], x and y in kind K. */
template <class K> __global__ void __launch_bounds__(CU_BLOCK) k_where(const __grid_constant__ GenArgs a) {
  typedef typename K::C C;
  const unsigned base = blockIdx.x * (CU_BLOCK * CU_GUNROLL) + threadIdx.x;
#pragma unroll
  for (int u = 0; u < CU_GUNROLL; u++) {
    const unsigned i = base + u * CU_BLOCK;
    if (i < a.size) {
      long long off[4];
      offsets_of<4>(a, i, off);
      bool t = a.ptr[1] ? truth_dyn(a.ptr[1] + off[1], a.dt[1]) : a.val[1].i != 0;
      int q = t ? 2 : 3;
      C v = a.ptr[q] ? load_dyn<C>(a.ptr[q] + off[q], a.dt[q]) : value_as<C>(a.val[q]);
      store_dyn(a.ptr[0] + off[0], a.dt[0], v);
    }
  }
}

/* Converting copy: the source read in its own kind K. */
template <class K> __global__ void __launch_bounds__(CU_BLOCK) k_convert(const __grid_constant__ GenArgs a) {
  typedef typename K::C C;
  const unsigned base = blockIdx.x * (CU_BLOCK * CU_GUNROLL) + threadIdx.x;
  C x[CU_GUNROLL];
  long long oo[CU_GUNROLL];
#pragma unroll
  for (int u = 0; u < CU_GUNROLL; u++) {
    const unsigned i = base + u * CU_BLOCK;
    if (i < a.size) {
      long long off[2];
      offsets_of<2>(a, i, off);
      oo[u] = off[0];
      x[u] = load_dyn<C>(a.ptr[1] + off[1], a.dt[1]);
    }
  }
#pragma unroll
  for (int u = 0; u < CU_GUNROLL; u++)
    if (base + u * CU_BLOCK < a.size) store_dyn(a.ptr[0] + oo[u], a.dt[0], x[u]);
}

/* Same-dtype strided copy or fill (ptr[1] NULL: the bits in val[1].i), by element size. */
template <class U> __global__ void __launch_bounds__(CU_BLOCK) k_move(const __grid_constant__ GenArgs a) {
  const unsigned base = blockIdx.x * (CU_BLOCK * CU_GUNROLL) + threadIdx.x;
  U x[CU_GUNROLL];
  long long oo[CU_GUNROLL];
#pragma unroll
  for (int u = 0; u < CU_GUNROLL; u++) {
    const unsigned i = base + u * CU_BLOCK;
    if (i < a.size) {
      long long off[2];
      offsets_of<2>(a, i, off);
      oo[u] = off[0];
      x[u] = a.ptr[1] ? *(const U *)(a.ptr[1] + off[1]) : (U)a.val[1].i;
    }
  }
#pragma unroll
  for (int u = 0; u < CU_GUNROLL; u++)
    if (base + u * CU_BLOCK < a.size) *(U *)(a.ptr[0] + oo[u]) = x[u];
}

/* Contiguous fill with 16-byte stores (p aligned to 16). */
template <class U> __global__ void __launch_bounds__(CU_BLOCK) k_fill(U *p, U v, unsigned n) {
  constexpr int V = 16 / sizeof(U);
  const unsigned nv = n / V;
  Vec<U, V> w;
#pragma unroll
  for (int e = 0; e < V; e++) w.v[e] = v;
  for (unsigned i = blockIdx.x * CU_BLOCK + threadIdx.x; i < nv; i += gridDim.x * CU_BLOCK)
    reinterpret_cast<Vec<U, V> *>(p)[i] = w;
  unsigned t = nv * V + blockIdx.x * CU_BLOCK + threadIdx.x;
  if (t < n && blockIdx.x == 0) p[t] = v;
}

/* Tiled transpose: the input is contiguous along dim -2 (stride 1), the output along dim -1;
 * a TD x TD tile goes through shared memory so that both sides are coalesced. Outer dims
 * (batch) come from GenArgs-style strides over blockIdx.z. */
#ifndef CU_TD
#define CU_TD 64  /* tile side */
#endif
#ifndef CU_TBY
#define CU_TBY 8  /* threads per block: 32 x CU_TBY */
#endif
struct TrArgs {
  const char *in;
  char *out;
  long long in_sc;             /* input stride along dim -1 (elements); along dim -2 it is 1 */
  long long out_sr;            /* output stride along dim -2; along dim -1 it is 1 */
  int R, C;                    /* sizes of dims -2, -1 */
  int nb;                      /* outer dims */
  unsigned nbatch;
  unsigned bshape[CA_MAXDIMS];
  long long bst_in[CA_MAXDIMS], bst_out[CA_MAXDIMS];  /* bytes */
};

/* Byte offsets of transpose batch b in the input and the output. */
CU_D void batch_offsets(const TrArgs &a, unsigned b, long long *oi, long long *oo) {
  *oi = *oo = 0;
  for (int d = a.nb - 1; d >= 0; d--) {
    unsigned s = a.bshape[d], j = b / s, r = b - j * s;
    b = j;
    *oi += (long long)r * a.bst_in[d];
    *oo += (long long)r * a.bst_out[d];
  }
}

template <class U> __global__ void __launch_bounds__(32 * CU_TBY) k_transpose(const __grid_constant__ TrArgs a) {
  __shared__ U tile[CU_TD][CU_TD + 1];
  const int tx = threadIdx.x, ty = threadIdx.y; /* 32 x CU_TBY */
  for (unsigned b = blockIdx.z; b < a.nbatch; b += gridDim.z) {
    long long oi, oo;
    batch_offsets(a, b, &oi, &oo);
    const U *in = (const U *)(a.in + oi);
    U *out = (U *)(a.out + oo);
    for (int rt = blockIdx.y * CU_TD; rt < a.R; rt += gridDim.y * CU_TD) {
      const int ct = blockIdx.x * CU_TD;
      /* read: consecutive threads walk dim -2 (contiguous in the input) */
#pragma unroll
      for (int j = ty; j < CU_TD; j += CU_TBY) {
        const int c = ct + j;
#pragma unroll
        for (int k = tx; k < CU_TD; k += 32) {
          const int r = rt + k;
          if (r < a.R && c < a.C) tile[j][k] = in[r + (long long)c * a.in_sc];
        }
      }
      __syncthreads();
      /* write: consecutive threads walk dim -1 (contiguous in the output) */
#pragma unroll
      for (int j = ty; j < CU_TD; j += CU_TBY) {
        const int r = rt + j;
#pragma unroll
        for (int k = tx; k < CU_TD; k += 32) {
          const int c = ct + k;
          if (r < a.R && c < a.C) out[(long long)r * a.out_sr + c] = tile[k][j];
        }
      }
      __syncthreads();
    }
  }
}

/* The same with element pairs: each access moves two adjacent elements (one 2*sizeof(U) word)
 * along the contiguous dim of its side, which brings the transpose to copy speed where
 * single-element accesses stall near 60% of it (H200, 16384^2 float32: 0.52 vs 0.82 ms).
 * Needs even R, C, in_sc, out_sr and pair-aligned pointers and batch strides. */
#ifndef CU_TRANSPOSE_PAIRS
#define CU_TRANSPOSE_PAIRS 1
#endif
template <class U, class P> __global__ void __launch_bounds__(32 * CU_TBY) k_transpose2(const __grid_constant__ TrArgs a) {
  static_assert(CU_TD == 64 && sizeof(P) == 2 * sizeof(U), "a warp covers a 64-element tile side in pairs");
  union Pair { P p; U e[2]; };
  __shared__ U tile[CU_TD][CU_TD + 1];
  const int tx = threadIdx.x, ty = threadIdx.y;
  for (unsigned b = blockIdx.z; b < a.nbatch; b += gridDim.z) {
    long long oi, oo;
    batch_offsets(a, b, &oi, &oo);
    const U *in = (const U *)(a.in + oi);
    U *out = (U *)(a.out + oo);
    for (int rt = blockIdx.y * CU_TD; rt < a.R; rt += gridDim.y * CU_TD) {
      const int ct = blockIdx.x * CU_TD;
#pragma unroll
      for (int j = ty; j < CU_TD; j += CU_TBY) {
        const int c = ct + j, r = rt + 2 * tx;
        if (r < a.R && c < a.C) { /* r even, R even: r + 1 < R too */
          Pair v;
          v.p = *reinterpret_cast<const P *>(in + r + (long long)c * a.in_sc);
          tile[j][2 * tx] = v.e[0];
          tile[j][2 * tx + 1] = v.e[1];
        }
      }
      __syncthreads();
#pragma unroll
      for (int j = ty; j < CU_TD; j += CU_TBY) {
        const int r = rt + j, c = ct + 2 * tx;
        if (r < a.R && c < a.C) {
          Pair v;
          v.e[0] = tile[2 * tx][j];
          v.e[1] = tile[2 * tx + 1][j];
          *reinterpret_cast<P *>(out + (long long)r * a.out_sr + c) = v.p;
        }
      }
      __syncthreads();
    }
  }
}

/* ---- host side --------------------------------------------------------------------------- */

/* context.cu: records the latest kernel's name (what cu_check_launch does) without asking
 * for the last error. */
extern "C" void cu_note_launch(ca_backend *be, const char *kernel);

static ca_status unsupported(ca_backend *be, const char *what, int dt) {
  snprintf(be->errmsg, sizeof be->errmsg, "cuda: %s has no formula for compute dtype %d", what, dt);
  return CA_ERR_UNSUPPORTED;
}

static unsigned blocks_for(int64_t n, int per_block) { return (unsigned)((n + per_block - 1) / per_block); }

/* Fill GenArgs from a loop (byte strides, no values). */
static void gen_from_loop(GenArgs *g, const ca_loop *l) {
  memset(g, 0, sizeof *g);
  g->ndim = l->ndim > 0 ? l->ndim : 1;
  for (int d = 0; d < g->ndim; d++) g->shape[d] = l->ndim > 0 ? (unsigned)l->shape[d] : 1u;
  for (int q = 0; q < l->nop; q++) {
    size_t isz = ca_itemsize(l->op[q].dtype);
    g->dt[q] = l->op[q].dtype;
    g->ptr[q] = l->op[q].data;
    for (int d = 0; d < l->ndim; d++) g->st[q][d] = (long long)(l->op[q].strides[d] * (int64_t)isz);
  }
}

/* Launch `launch(args)` over pieces of at most CU_MAXRUN elements: the host splits the outer
 * dims (and a single huge dim into runs), moving the pointers, so kernels index in 32 bits. */
template <class F> static ca_status gen_split(ca_backend *be, GenArgs &g, int nop, const int64_t *shape, F &launch) {
  int64_t size = 1;
  for (int d = 0; d < g.ndim; d++) size *= shape[d];
  if (size == 0) return CA_OK;
  if (size <= CU_MAXRUN) {
    for (int d = 0; d < g.ndim; d++) g.shape[d] = (unsigned)shape[d];
    g.size = (unsigned)size;
    return launch(g);
  }
  int64_t inner = size / shape[0];
  GenArgs h = g;
  ca_status st;
  if (inner == 1 || g.ndim == 1) { /* one long dim: runs of CU_MAXRUN */
    for (int64_t s = 0; s < shape[0]; s += CU_MAXRUN) {
      int64_t n = shape[0] - s < CU_MAXRUN ? shape[0] - s : CU_MAXRUN;
      for (int q = 0; q < nop; q++)
        if (g.ptr[q]) h.ptr[q] = g.ptr[q] + s * g.st[q][0];
      int64_t sh[CA_MAXDIMS];
      memcpy(sh, shape, sizeof(int64_t) * g.ndim);
      sh[0] = n;
      if ((st = gen_split(be, h, nop, sh, launch)) != CA_OK) return st;
    }
    return CA_OK;
  }
  if (inner <= CU_MAXRUN) { /* slabs of whole outer indices */
    int64_t per = CU_MAXRUN / inner;
    for (int64_t s = 0; s < shape[0]; s += per) {
      int64_t n = shape[0] - s < per ? shape[0] - s : per;
      for (int q = 0; q < nop; q++)
        if (g.ptr[q]) h.ptr[q] = g.ptr[q] + s * g.st[q][0];
      int64_t sh[CA_MAXDIMS];
      memcpy(sh, shape, sizeof(int64_t) * g.ndim);
      sh[0] = n;
      if ((st = gen_split(be, h, nop, sh, launch)) != CA_OK) return st;
    }
    return CA_OK;
  }
  /* each outer index is itself too large: drop dim 0 */
  h.ndim = g.ndim - 1;
  for (int q = 0; q < nop; q++)
    for (int d = 0; d < h.ndim; d++) h.st[q][d] = g.st[q][d + 1];
  for (int64_t s = 0; s < shape[0]; s++) {
    GenArgs k = h;
    for (int q = 0; q < nop; q++)
      if (g.ptr[q]) k.ptr[q] = g.ptr[q] + s * g.st[q][0];
    if ((st = gen_split(be, k, nop, shape + 1, launch)) != CA_OK) return st;
  }
  return CA_OK;
}

static ca_status gen_run(ca_backend *be, GenArgs &g, int nop, const ca_loop *l,
                         void (*kernel)(GenArgs), const char *name) {
  cudaStream_t s = cu_stream(be);
  auto launch = [&](const GenArgs &a) -> ca_status {
    kernel<<<blocks_for(a.size, CU_BLOCK * CU_GUNROLL), CU_BLOCK, 0, s>>>(a);
    return cu_check_launch(be, name);
  };
  int64_t shape1 = 1;
  return gen_split(be, g, nop, l->ndim > 0 ? l->shape : &shape1, launch);
}

/* Scalars of the loop's inputs, converted to the compute kind. */
template <class C> static void gen_values(GenArgs *g, const ca_loop *l) {
  for (int q = 1; q < l->nop; q++)
    if (!l->op[q].data) g->val[q] = value_of<C>(scalar_as<C>(l->op[q].value, l->op[q].dtype));
}

/* Whether the loop fits the fast path: the output and inputs as the template expects, at
 * most 2 dims, inner dim contiguous or broadcast everywhere. Fills the args. */
template <class T, class O, int NIN>
static bool fast_args(const ca_loop *l, int tdt, int odt, FastArgs<T, O, NIN> *a) {
  if (l->ndim > 2 || l->op[0].dtype != odt) return false;
  const int nd = l->ndim;
  int64_t rows = nd == 2 ? l->shape[0] : 1, cols = nd == 0 ? 1 : l->shape[nd - 1];
  if (nd == 2 && cols < 1024) return false;
  constexpr int V = 16 / sizeof(T);
  const ca_operand *o = &l->op[0];
  if (nd > 0 && o->strides[nd - 1] != 1) return false;
  bool vec = true;
  a->out = (O *)o->data;
  a->ors = nd == 2 ? o->strides[0] : 0;
  if ((uintptr_t)o->data % (sizeof(O) * V) || (rows > 1 && (a->ors * (int64_t)sizeof(O)) % (int64_t)(sizeof(O) * V)))
    vec = false;
  for (int q = 0; q < NIN; q++) {
    const ca_operand *p = &l->op[q + 1];
    if (p->dtype != tdt) return false;
    a->in[q] = (const T *)p->data;
    a->rs[q] = 0;
    a->inner[q] = 0;
    if (!p->data) continue;
    int64_t in = nd > 0 ? p->strides[nd - 1] : 0;
    if (in != 0 && in != 1) return false;
    a->inner[q] = (int)in;
    a->rs[q] = nd == 2 ? p->strides[0] : 0;
    if (in == 1 && ((uintptr_t)p->data % 16 || (rows > 1 && (a->rs[q] * (int64_t)sizeof(T)) % 16))) vec = false;
  }
  a->rows = rows;
  a->cols = (int)cols; /* adjusted per run by the caller */
  a->vec = vec;
  return true;
}

template <class Op, class K, class T, class O, int NIN>
static ca_status fast_run(ca_backend *be, const ca_loop *l, FastArgs<T, O, NIN> a, int64_t cols) {
  typedef typename K::C C;
  constexpr int TILE = CU_BLOCK * (16 / sizeof(T)) * CU_UNROLL;
  for (int q = 0; q < NIN; q++)
    if (!a.in[q]) a.val[q] = St<T>::cv(scalar_as<C>(l->op[q + 1].value, l->op[q + 1].dtype));
  cudaStream_t s = cu_stream(be);
  unsigned gy = a.rows < 65535 ? (unsigned)a.rows : 65535u;
  for (int64_t c0 = 0; c0 < cols; c0 += CU_MAXRUN) { /* CU_MAXRUN is a multiple of TILE */
    FastArgs<T, O, NIN> b = a;
    int64_t n = cols - c0 < CU_MAXRUN ? cols - c0 : CU_MAXRUN;
    b.cols = (int)n;
    b.out = a.out + c0;
    for (int q = 0; q < NIN; q++)
      if (a.in[q]) b.in[q] = a.in[q] + c0 * a.inner[q];
    dim3 grid(blocks_for(n, TILE), gy);
    /* cudaLaunchKernel's own status instead of a cudaGetLastError after <<<>>>: the hot path
     * of small ops; cu_check_launch still runs (and names the kernel) when it failed. */
    void *args[] = {&b};
    cudaError_t err = cudaLaunchKernel((const void *)k_fast<Op, K, T, O, NIN>, grid, dim3(CU_BLOCK), args, 0, s);
    if (err != cudaSuccess) {
      ca_status st = cu_check_launch(be, Op::nm);
      return st != CA_OK ? st : cu_fail(be, "cudaLaunchKernel", err);
    }
  }
  cu_note_launch(be, Op::nm);
  return CA_OK;
}

template <class Op, class K, class T, int NIN> static ca_status try_fast(ca_backend *be, const ca_loop *l, bool *done) {
  typedef typename std::conditional<Op::pred, cbool, T>::type O;
  FastArgs<T, O, NIN> a;
  *done = false;
  if (!fast_args<T, O, NIN>(l, l->compute, Op::pred ? (int)CA_BOOL : l->compute, &a)) return CA_OK;
  *done = true;
  return fast_run<Op, K, T, O, NIN>(be, l, a, l->ndim == 0 ? 1 : l->shape[l->ndim - 1]);
}

template <class Op, class K, int NIN> static ca_status gen_op(ca_backend *be, const ca_loop *l) {
  GenArgs g;
  gen_from_loop(&g, l);
  gen_values<typename K::C>(&g, l);
  return gen_run(be, g, NIN + 1, l, k_gen<Op, K, NIN>, Op::nm);
}

/* Run an op in kind K with fast-path storage type T (void: general path only). */
template <class Op, class K, class T, int NIN> static ca_status run_kind(ca_backend *be, const ca_loop *l) {
  if constexpr (!has_formula<Op, K, NIN>::value) {
    return unsupported(be, Op::nm, l->compute);
  } else {
    if constexpr (!std::is_void<T>::value) {
      bool done;
      ca_status st = try_fast<Op, K, T, NIN>(be, l, &done);
      if (done) return st;
    }
    return gen_op<Op, K, NIN>(be, l);
  }
}

template <class Op, int NIN> static ca_status run_op(ca_backend *be, const ca_loop *l) {
  if (l->size == 0) return CA_OK;
  switch (l->compute) {
  case CA_INT32: return run_kind<Op, KI, int32_t, NIN>(be, l);
  case CA_INT64: return run_kind<Op, KI, int64_t, NIN>(be, l);
  case CA_FLOAT16: return run_kind<Op, KF, __half, NIN>(be, l);
  case CA_FLOAT32: return run_kind<Op, KF, float, NIN>(be, l);
  case CA_FLOAT64: return run_kind<Op, KD, double, NIN>(be, l);
  case CA_BOOL: case CA_INT8: case CA_UINT8: case CA_INT16: return run_kind<Op, KI, void, NIN>(be, l);
  default: return unsupported(be, Op::nm, l->compute);
  }
}

extern "C" ca_status cu_unary(ca_backend *be, int op, const ca_loop *l) {
  switch (op) {
#define CA_UNARY(name, rule) case CA_OP_##name: return run_op<U_##name, 1>(be, l);
#define CA_BINARY(name, rule)
#define CA_REDUCE(name, rule)
#include "../src/ops.def"
#undef CA_UNARY
#undef CA_BINARY
#undef CA_REDUCE
  default:
    return cu_fail_msg(be, CA_ERR_UNSUPPORTED, "cuda: unary called with a non-unary op");
  }
}

extern "C" ca_status cu_binary(ca_backend *be, int op, const ca_loop *l) {
  switch (op) {
#define CA_UNARY(name, rule)
#define CA_BINARY(name, rule) case CA_OP_##name: return run_op<B_##name, 2>(be, l);
#define CA_REDUCE(name, rule)
#include "../src/ops.def"
#undef CA_UNARY
#undef CA_BINARY
#undef CA_REDUCE
  default:
    return cu_fail_msg(be, CA_ERR_UNSUPPORTED, "cuda: binary called with a non-binary op");
  }
}

extern "C" ca_status cu_where(ca_backend *be, const ca_loop *l) {
  if (l->size == 0) return CA_OK;
  GenArgs g;
  gen_from_loop(&g, l);
  if (!l->op[1].data) {
    const ca_value v = l->op[1].value;
    g.val[1].i = ca_is_float(l->op[1].dtype) ? v.f != 0.0 : v.i != 0;
  }
  switch (ca_dtype_kind(l->compute)) {
  case CA_KIND_FLOAT:
    if (l->compute == CA_FLOAT64) {
      for (int q = 2; q < 4; q++)
        if (!l->op[q].data) g.val[q] = value_of<double>(scalar_as<double>(l->op[q].value, l->op[q].dtype));
      return gen_run(be, g, 4, l, k_where<KD>, "where");
    }
    for (int q = 2; q < 4; q++)
      if (!l->op[q].data) g.val[q] = value_of<float>(scalar_as<float>(l->op[q].value, l->op[q].dtype));
    return gen_run(be, g, 4, l, k_where<KF>, "where");
  default:
    for (int q = 2; q < 4; q++)
      if (!l->op[q].data) g.val[q] = value_of<ca_i>(scalar_as<ca_i>(l->op[q].value, l->op[q].dtype));
    return gen_run(be, g, 4, l, k_where<KI>, "where");
  }
}

/* ---- copy -------------------------------------------------------------------------------- */

/* The bits of a scalar stored as dtype dt, converted as a device store would. */
template <class T, class C> static uint64_t bits_as(C x) {
  T v = St<T>::cv(x);
  uint64_t bits = 0;
  memcpy(&bits, &v, sizeof v);
  return bits;
}
template <class C> static uint64_t bits_of(C x, int dt) {
  switch (dt) {
  case CA_BOOL: return bits_as<cbool>(x);
  case CA_INT8: return bits_as<int8_t>(x);
  case CA_UINT8: return bits_as<uint8_t>(x);
  case CA_INT16: return bits_as<int16_t>(x);
  case CA_INT32: return bits_as<int32_t>(x);
  case CA_INT64: return bits_as<int64_t>(x);
  case CA_FLOAT16: return bits_as<__half>(x);
  case CA_FLOAT32: return bits_as<float>(x);
  default: return bits_as<double>(x);
  }
}
static uint64_t fill_bits(ca_value v, int vdt, int dt) {
  if (vdt == CA_FLOAT64) return bits_of(scalar_as<double>(v, vdt), dt);
  if (ca_is_float(vdt)) return bits_of(scalar_as<float>(v, vdt), dt);
  return bits_of(scalar_as<ca_i>(v, vdt), dt);
}

template <class U> static ca_status move_run(ca_backend *be, GenArgs &g, const ca_loop *l) {
  return gen_run(be, g, 2, l, k_move<U>, "copy");
}

static ca_status move_by_size(ca_backend *be, GenArgs &g, const ca_loop *l, size_t sz) {
  switch (sz) {
  case 1: return move_run<uint8_t>(be, g, l);
  case 2: return move_run<uint16_t>(be, g, l);
  case 4: return move_run<uint32_t>(be, g, l);
  default: return move_run<uint64_t>(be, g, l);
  }
}

template <class U> static ca_status fill_contig(ca_backend *be, void *p, uint64_t bits, int64_t n) {
  cudaStream_t s = cu_stream(be);
  for (int64_t o = 0; o < n; o += CU_MAXRUN) {
    int64_t m = n - o < CU_MAXRUN ? n - o : CU_MAXRUN;
    unsigned nb = blocks_for(m / (16 / sizeof(U)) + 1, CU_BLOCK);
    if (nb > 65536) nb = 65536;
    k_fill<U><<<nb, CU_BLOCK, 0, s>>>((U *)p + o, (U)bits, (unsigned)m);
    ca_status st = cu_check_launch(be, "fill");
    if (st != CA_OK) return st;
  }
  return CA_OK;
}

static ca_status copy_fill(ca_backend *be, const ca_loop *l) {
  const ca_operand *o = &l->op[0];
  int dt = o->dtype;
  size_t sz = ca_itemsize(dt);
  uint64_t bits = fill_bits(l->op[1].value, l->op[1].dtype, dt);
  if (l->ndim <= 1 && (l->ndim == 0 || o->strides[0] == 1) && (uintptr_t)o->data % 16 == 0) {
    if (bits == 0) {
      cudaError_t err = cudaMemsetAsync(o->data, 0, (size_t)l->size * sz, cu_stream(be));
      return err == cudaSuccess ? CA_OK : cu_fail(be, "cudaMemsetAsync", err);
    }
    switch (sz) {
    case 1: return fill_contig<uint8_t>(be, o->data, bits, l->size);
    case 2: return fill_contig<uint16_t>(be, o->data, bits, l->size);
    case 4: return fill_contig<uint32_t>(be, o->data, bits, l->size);
    default: return fill_contig<uint64_t>(be, o->data, bits, l->size);
    }
  }
  GenArgs g;
  gen_from_loop(&g, l);
  g.ptr[1] = NULL;
  g.val[1].i = (int64_t)bits;
  return move_by_size(be, g, l, sz);
}

template <class U> struct PairOf;
template <> struct PairOf<uint8_t> { typedef uint16_t T; };
template <> struct PairOf<uint16_t> { typedef uint32_t T; };
template <> struct PairOf<uint32_t> { typedef uint64_t T; };
template <> struct PairOf<uint64_t> { typedef void T; };

template <class U> static ca_status transpose_run(ca_backend *be, const ca_loop *l) {
  const int nd = l->ndim;
  const size_t sz = sizeof(U);
  TrArgs t;
  memset(&t, 0, sizeof t);
  t.in = l->op[1].data;
  t.out = l->op[0].data;
  t.in_sc = l->op[1].strides[nd - 1];
  t.out_sr = l->op[0].strides[nd - 2];
  t.R = (int)l->shape[nd - 2];
  t.C = (int)l->shape[nd - 1];
  t.nb = nd - 2;
  int64_t nbatch = 1;
  for (int d = 0; d < nd - 2; d++) {
    t.bshape[d] = (unsigned)l->shape[d];
    t.bst_in[d] = l->op[1].strides[d] * (long long)sz;
    t.bst_out[d] = l->op[0].strides[d] * (long long)sz;
    nbatch *= l->shape[d];
  }
  t.nbatch = (unsigned)nbatch;
  unsigned gy = blocks_for(t.R, CU_TD);
  dim3 grid(blocks_for(t.C, CU_TD), gy < 65535 ? gy : 65535, nbatch < 65535 ? (unsigned)nbatch : 65535);
  typedef typename PairOf<U>::T P;
  if constexpr (CU_TRANSPOSE_PAIRS && !std::is_void<P>::value) {
    const size_t ps = 2 * sz;
    bool pairs = t.R % 2 == 0 && t.C % 2 == 0 && t.in_sc % 2 == 0 && t.out_sr % 2 == 0 &&
                 (uintptr_t)t.in % ps == 0 && (uintptr_t)t.out % ps == 0;
    for (int d = 0; d < t.nb; d++)
      if (t.bst_in[d] % (long long)ps || t.bst_out[d] % (long long)ps) pairs = false;
    if (pairs) {
      k_transpose2<U, P><<<grid, dim3(32, CU_TBY), 0, cu_stream(be)>>>(t);
      return cu_check_launch(be, "copy (transpose)");
    }
  }
  k_transpose<U><<<grid, dim3(32, CU_TBY), 0, cu_stream(be)>>>(t);
  return cu_check_launch(be, "copy (transpose)");
}

extern "C" ca_status cu_copy(ca_backend *be, const ca_loop *l) {
  if (l->size == 0) return CA_OK;
  if (!l->op[1].data) return copy_fill(be, l);
  const ca_operand *o = &l->op[0], *i = &l->op[1];
  const int nd = l->ndim;
  GenArgs g;
  if (o->dtype == i->dtype) {
    const size_t sz = ca_itemsize(o->dtype);
    cudaStream_t s = cu_stream(be);
    if (nd <= 1 && (nd == 0 || (o->strides[0] == 1 && i->strides[0] == 1))) {
      if (o->data == i->data) return CA_OK;
      cudaError_t err = cudaMemcpyAsync(o->data, i->data, (size_t)l->size * sz, cudaMemcpyDeviceToDevice, s);
      return err == cudaSuccess ? CA_OK : cu_fail(be, "cudaMemcpyAsync (copy)", err);
    }
    /* the innermost two dims transposed relative to the output: tiled through shared memory */
    if (nd >= 2 && o->strides[nd - 1] == 1 && i->strides[nd - 2] == 1 && i->strides[nd - 1] != 1 &&
        l->shape[nd - 1] >= 16 && l->shape[nd - 2] >= 16 && l->shape[nd - 1] < INT32_MAX &&
        l->shape[nd - 2] < INT32_MAX && l->size / (l->shape[nd - 1] * l->shape[nd - 2]) < UINT32_MAX) {
      switch (sz) {
      case 1: return transpose_run<uint8_t>(be, l);
      case 2: return transpose_run<uint16_t>(be, l);
      case 4: return transpose_run<uint32_t>(be, l);
      default: return transpose_run<uint64_t>(be, l);
      }
    }
    gen_from_loop(&g, l);
    return move_by_size(be, g, l, sz);
  }
  gen_from_loop(&g, l);
  switch (ca_dtype_kind(i->dtype)) {
  case CA_KIND_FLOAT:
    if (i->dtype == CA_FLOAT64) return gen_run(be, g, 2, l, k_convert<KD>, "copy (convert)");
    return gen_run(be, g, 2, l, k_convert<KF>, "copy (convert)");
  default:
    return gen_run(be, g, 2, l, k_convert<KI>, "copy (convert)");
  }
}
