/* Elementwise kernels: the unary and binary ops of ops.def, and where. Every body calls the
 * scalar.h formula of its op; every conversion is src/convert.h's (through cu_kernels.cuh).
 *
 * Paths, chosen on the host per call:
 *  - fast: every input has the compute dtype and the output the compute dtype (bool for
 *    predicates); at most 2 dims whose inner dim is contiguous (stride 1) or broadcast
 *    (stride 0) in every operand; scalars by value. 16-byte vector loads/stores, 2 vectors
 *    in flight per operand per thread when the rows are 16-byte aligned, else scalar accesses
 *    (still 8 or more per thread). Instantiated per (op, compute dtype) for int32, int64,
 *    float16, float32, float64 and complex64 (the ops with complex formulas), and for bool,
 *    int8, uint8, int16, uint16, uint32, uint64, bfloat16 and complex128 the arithmetic of
 *    narrow_fast.
 *  - tiled (elementwise_tiled.cuh): the arithmetic of narrow_fast in int32, int64, float32 and
 *    float64 with one input transposed relative to the output (m.T + m), through
 *    shared-memory tiles.
 *  - mixed (elementwise_mixed.cuh): the arithmetic of mixed_fast computed in int32, int64,
 *    float32 or float64 from inputs of other dtypes (int32 + float32), each converted in
 *    registers, with the fast path's layouts.
 *  - general: any dims, strides and operand dtypes (converted on load, by a switch on the
 *    dtype), instantiated per (op, compute kind): k_general (general.cuh) with an op's body.
 * Kernels index with 32-bit math; larger loops are split on the host. */
#include <stdio.h>
#include <string.h>
#include <type_traits>
#include <utility>
#include "general.cuh"

#define CU_UNROLL 2    /* 16-byte vectors per operand per thread on the fast path */

/* ---- the ops: one struct per op of ops.def, calling its scalar.h formulas ------------------ */

/* CU_ISPRED(rule) is 1 for CA_RULE_PREDICATE (the output is bool), else 0. */
#define CU_SECOND(a, b, ...) b
#define CU_ISPRED_(...) CU_SECOND(__VA_ARGS__, 0, ~)
#define CU_ISPRED(rule) CU_ISPRED_(CU_PRED_TEST_##rule)
#define CU_PRED_TEST_CA_RULE_PREDICATE ~, 1

/* i/u/f/d exist (by SFINAE) only where scalar.h has ca_<name>_i/_u/_f/_d. */
#define CA_UNARY(name, rule)                                                                    \
  struct U_##name {                                                                             \
    static constexpr bool pred = CU_ISPRED(rule);                                               \
    static constexpr const char *nm = #name;                                                    \
    template <class X> CU_D static auto i(X x) -> decltype(ca_##name##_i(x)) { return ca_##name##_i(x); } \
    template <class X> CU_D static auto u(X x) -> decltype(ca_##name##_u(x)) { return ca_##name##_u(x); } \
    template <class X> CU_D static auto f(X x) -> decltype(ca_##name##_f(x)) { return ca_##name##_f(x); } \
    template <class X> CU_D static auto d(X x) -> decltype(ca_##name##_d(x)) { return ca_##name##_d(x); } \
    template <class X> CU_D static auto h(X x) -> decltype(ca_##name##_h(x)) { return ca_##name##_h(x); } \
    template <class X> CU_D static auto b(X x) -> decltype(ca_##name##_b(x)) { return ca_##name##_b(x); } \
    template <class X> CU_D static auto c(X x) -> decltype(ca_##name##_c(x)) { return ca_##name##_c(x); } \
    template <class X> CU_D static auto z(X x) -> decltype(ca_##name##_z(x)) { return ca_##name##_z(x); } \
  };
#define CA_BINARY(name, rule)                                                                   \
  struct B_##name {                                                                             \
    static constexpr bool pred = CU_ISPRED(rule);                                               \
    static constexpr const char *nm = #name;                                                    \
    template <class X> CU_D static auto i(X x, X y) -> decltype(ca_##name##_i(x, y)) { return ca_##name##_i(x, y); } \
    template <class X> CU_D static auto u(X x, X y) -> decltype(ca_##name##_u(x, y)) { return ca_##name##_u(x, y); } \
    template <class X> CU_D static auto f(X x, X y) -> decltype(ca_##name##_f(x, y)) { return ca_##name##_f(x, y); } \
    template <class X> CU_D static auto d(X x, X y) -> decltype(ca_##name##_d(x, y)) { return ca_##name##_d(x, y); } \
    template <class X> CU_D static auto h(X x, X y) -> decltype(ca_##name##_h(x, y)) { return ca_##name##_h(x, y); } \
    template <class X> CU_D static auto b(X x, X y) -> decltype(ca_##name##_b(x, y)) { return ca_##name##_b(x, y); } \
    template <class X> CU_D static auto c(X x, X y) -> decltype(ca_##name##_c(x, y)) { return ca_##name##_c(x, y); } \
    template <class X> CU_D static auto z(X x, X y) -> decltype(ca_##name##_z(x, y)) { return ca_##name##_z(x, y); } \
  };
/* two results: the formula returns the first and writes the second through r2 */
#define CA_UNARY2(name, rule)                                                                   \
  struct U_##name {                                                                             \
    static constexpr const char *nm = #name;                                                    \
    template <class X> CU_D static auto i(X x, X *r2) -> decltype(ca_##name##_i(x, r2)) { return ca_##name##_i(x, r2); } \
    template <class X> CU_D static auto u(X x, X *r2) -> decltype(ca_##name##_u(x, r2)) { return ca_##name##_u(x, r2); } \
    template <class X> CU_D static auto f(X x, X *r2) -> decltype(ca_##name##_f(x, r2)) { return ca_##name##_f(x, r2); } \
    template <class X> CU_D static auto d(X x, X *r2) -> decltype(ca_##name##_d(x, r2)) { return ca_##name##_d(x, r2); } \
  };
#define CA_BINARY2(name, rule)                                                                  \
  struct B_##name {                                                                             \
    static constexpr const char *nm = #name;                                                    \
    template <class X> CU_D static auto i(X x, X y, X *r2) -> decltype(ca_##name##_i(x, y, r2)) { return ca_##name##_i(x, y, r2); } \
    template <class X> CU_D static auto u(X x, X y, X *r2) -> decltype(ca_##name##_u(x, y, r2)) { return ca_##name##_u(x, y, r2); } \
    template <class X> CU_D static auto f(X x, X y, X *r2) -> decltype(ca_##name##_f(x, y, r2)) { return ca_##name##_f(x, y, r2); } \
    template <class X> CU_D static auto d(X x, X y, X *r2) -> decltype(ca_##name##_d(x, y, r2)) { return ca_##name##_d(x, y, r2); } \
  };
#include "../src/ops.def"

/* Compute kinds: the C++ type and which formula. */
struct KI {
  typedef ca_i C;
  template <class Op, class... A> CU_D static auto call(A... a) -> decltype(Op::i(a...)) { return Op::i(a...); }
};
struct KU {
  typedef ca_u C;
  template <class Op, class... A> CU_D static auto call(A... a) -> decltype(Op::u(a...)) { return Op::u(a...); }
};
struct KF {
  typedef float C;
  template <class Op, class... A> CU_D static auto call(A... a) -> decltype(Op::f(a...)) { return Op::f(a...); }
};
struct KD {
  typedef double C;
  template <class Op, class... A> CU_D static auto call(A... a) -> decltype(Op::d(a...)) { return Op::d(a...); }
};
/* float16 through an op's float16 formula (scalar.h's CA_HALF_FORMULAS), where it has one */
struct KH {
  typedef float C;
  template <class Op, class... A> CU_D static auto call(A... a) -> decltype(Op::h(a...)) { return Op::h(a...); }
};
/* bfloat16 likewise (scalar.h's CA_BF16_FORMULAS) */
struct KB {
  typedef float C;
  template <class Op, class... A> CU_D static auto call(A... a) -> decltype(Op::b(a...)) { return Op::b(a...); }
};
struct KC {
  typedef ca_c8 C;
  template <class Op, class... A> CU_D static auto call(A... a) -> decltype(Op::c(a...)) { return Op::c(a...); }
};
struct KZ {
  typedef ca_c16 C;
  template <class Op, class... A> CU_D static auto call(A... a) -> decltype(Op::z(a...)) { return Op::z(a...); }
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

/* Ops of two results: formulas C f(C x[, C y], C *second). */
template <class Op, class K, int NIN, class = void> struct has_formula2 : std::false_type {};
template <class Op, class K>
struct has_formula2<Op, K, 1, std::void_t<decltype(K::template call<Op>(std::declval<typename K::C>(),
                                                                        std::declval<typename K::C *>()))>>
    : std::true_type {};
template <class Op, class K>
struct has_formula2<Op, K, 2, std::void_t<decltype(K::template call<Op>(std::declval<typename K::C>(),
                                                                        std::declval<typename K::C>(),
                                                                        std::declval<typename K::C *>()))>>
    : std::true_type {};
template <class Op, class K, class C> CU_D C apply2(const C (&x)[1], C *r2) { return K::template call<Op>(x[0], r2); }
template <class Op, class K, class C> CU_D C apply2(const C (&x)[2], C *r2) { return K::template call<Op>(x[0], x[1], r2); }

/* ---- fast path --------------------------------------------------------------------------- */

/* The ops whose fast path is instantiated for the 1- and 2-byte integers, uint32, uint64, bfloat16 and
 * complex128 too, and whose mixed path is instantiated (each instantiation costs compile time;
 * the other ops take the general path there). */
template <class Op> constexpr bool narrow_fast() {
  return std::is_same<Op, B_add>::value || std::is_same<Op, B_subtract>::value ||
         std::is_same<Op, B_multiply>::value;
}
template <class Op> constexpr bool mixed_fast() { return narrow_fast<Op>() || std::is_same<Op, B_divide>::value; }

/* Blocks of the fast kernel an SM must hold: the arithmetic of 2-byte floats converts through
 * float, which took 76 registers a thread and left three blocks an SM; at six (42 registers),
 * float16 + float16 of 2^26 elements took 0.075 ms instead of 0.087 on the H200. Five and
 * eight blocks were slower. */
template <class Op, int DT> constexpr int fast_min_blocks() {
  return narrow_fast<Op>() && (DT == CA_FLOAT16 || DT == CA_BFLOAT16) ? 6 : 1;
}

/* T and O: the storage types of the inputs' dtype DT and the output's ODT. */
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

/* po[c] = Op(x[0][u], ...) for this thread's columns c = c0 + u * CU_BLOCK + thread below
 * cols: the scalar-access store of the fast and mixed kernels. */
template <class Op, class K, int ODT, class O, class C, int NIN, int PER>
CU_D void store_scattered(O *po, const C (&x)[NIN][PER], int c0, int cols) {
#pragma unroll
  for (int u = 0; u < PER; u++) {
    const int c = c0 + u * CU_BLOCK + (int)threadIdx.x;
    if (c < cols) {
      C xs[NIN];
#pragma unroll
      for (int q = 0; q < NIN; q++) xs[q] = x[q][u];
      po[c] = cuk::to<ODT>(apply<Op, K>(xs));
    }
  }
}

template <class Op, class K, int DT, int ODT, int NIN>
__global__ void __launch_bounds__(CU_BLOCK, (fast_min_blocks<Op, DT>())) k_fast(FastArgs<typename cuk::St<DT>::T, typename cuk::St<ODT>::T, NIN> a) {
  typedef typename K::C C;
  typedef typename cuk::St<DT>::T T;
  typedef typename cuk::St<ODT>::T O;
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
        C xv[NIN][V];
#pragma unroll
        for (int q = 0; q < NIN; q++) load_vec<C, DT>(x[q][u], xv[q]);
        decltype(apply<Op, K>(std::declval<const C (&)[NIN]>())) r[V];
#pragma unroll
        for (int e = 0; e < V; e++) {
          C xs[NIN];
#pragma unroll
          for (int q = 0; q < NIN; q++) xs[q] = xv[q][e];
          r[e] = apply<Op, K>(xs);
        }
        Vec<O, V> y;
        store_vec<ODT>(r, y);
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
            x[q][u] = cuk::cvt<C, DT>(p[q] ? p[q][a.inner[q] ? c : 0] : a.val[q]);
        }
      }
      store_scattered<Op, K, ODT>(po, x, c0, a.cols);
    }
  }
}

/* ---- general path: the bodies of k_general -------------------------------------------------- */

/* op[0] = Op(op[1], ..., op[NIN]), inputs read in kind K. */
template <class Op, class K, int NIN> struct OpBody {
  typedef typename K::C C;
  static constexpr int NOP = NIN + 1;
  struct V { C x[NIN]; };
  static CU_D V load(const GenArgs &a, const long long (&off)[NOP]) {
    V v;
#pragma unroll
    for (int q = 0; q < NIN; q++)
      v.x[q] = a.ptr[q + 1] ? cuk::ld_rt<C>(a.ptr[q + 1] + off[q + 1], a.dt[q + 1], 0) : value_as<C>(a.val[q + 1]);
    return v;
  }
  static CU_D void store(const GenArgs &a, long long off0, const V &v) {
    cuk::st_rt(a.ptr[0] + off0, a.dt[0], 0, apply<Op, K>(v.x));
  }
};

/* (op[0], op[1]) = Op(op[2], ..., op[NIN + 1]), inputs read in kind K. The second result's
 * offset travels with the inputs, since k_general hands the store op[0]'s alone. */
template <class Op, class K, int NIN> struct OpBody2 {
  typedef typename K::C C;
  static constexpr int NOP = NIN + 2;
  struct V { C x[NIN]; long long off1; };
  static CU_D V load(const GenArgs &a, const long long (&off)[NOP]) {
    V v;
#pragma unroll
    for (int q = 0; q < NIN; q++)
      v.x[q] = a.ptr[q + 2] ? cuk::ld_rt<C>(a.ptr[q + 2] + off[q + 2], a.dt[q + 2], 0) : value_as<C>(a.val[q + 2]);
    v.off1 = off[1];
    return v;
  }
  static CU_D void store(const GenArgs &a, long long off0, const V &v) {
    C second;
    C first = apply2<Op, K>(v.x, &second);
    cuk::st_rt(a.ptr[0] + off0, a.dt[0], 0, first);
    cuk::st_rt(a.ptr[1] + v.off1, a.dt[1], 0, second);
  }
};

/* where: op[0] = op[1] ? op[2] : op[3], x and y in kind K; a scalar condition is its truth. */
template <class K> struct WhereBody {
  typedef typename K::C C;
  static constexpr int NOP = 4;
  typedef C V;
  static CU_D V load(const GenArgs &a, const long long (&off)[NOP]) {
    bool t = a.ptr[1] ? cuk::truth_rt(a.ptr[1] + off[1], a.dt[1], 0) : a.val[1].i != 0;
    int q = t ? 2 : 3;
    return a.ptr[q] ? cuk::ld_rt<C>(a.ptr[q] + off[q], a.dt[q], 0) : value_as<C>(a.val[q]);
  }
  static CU_D void store(const GenArgs &a, long long off0, const V &v) { cuk::st_rt(a.ptr[0] + off0, a.dt[0], 0, v); }
};

/* ---- host side --------------------------------------------------------------------------- */

/* context.cu: records the latest kernel's name (what cu_check_launch does) without asking
 * for the last error. */
extern "C" void cu_note_launch(ca_backend *be, const char *kernel);

static ca_status unsupported(ca_backend *be, const char *what, int dt) {
  snprintf(be->errmsg, sizeof be->errmsg, "cuda: %s has no formula for compute dtype %d", what, dt);
  return CA_ERR_UNSUPPORTED;
}

/* Whether the loop fits the fast path: the output and inputs as the template expects, at
 * most 2 dims, inner dim contiguous or broadcast everywhere. Fills the args; a scalar input
 * becomes the element of the input dtype it stands for. */
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
    if (!p->data) {
      ca_elem bits = scalar_bits(*p);
      memcpy(&a->val[q], &bits, sizeof(T));
      continue;
    }
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

template <class Op, class K, int DT, int ODT, int NIN>
static ca_status fast_run(ca_backend *be, FastArgs<typename cuk::St<DT>::T, typename cuk::St<ODT>::T, NIN> a,
                          int64_t cols) {
  typedef typename cuk::St<DT>::T T;
  typedef FastArgs<T, typename cuk::St<ODT>::T, NIN> Args;
  constexpr int TILE = CU_BLOCK * (16 / sizeof(T)) * CU_UNROLL;
  cudaStream_t s = cu_stream(be);
  unsigned gy = a.rows < 65535 ? (unsigned)a.rows : 65535u;
  for (int64_t c0 = 0; c0 < cols; c0 += CU_MAXRUN) { /* CU_MAXRUN is a multiple of TILE */
    Args b = a;
    int64_t n = cols - c0 < CU_MAXRUN ? cols - c0 : CU_MAXRUN;
    b.cols = (int)n;
    b.out = a.out + c0;
    for (int q = 0; q < NIN; q++)
      if (a.in[q]) b.in[q] = a.in[q] + c0 * a.inner[q];
    dim3 grid(grid_for(n, TILE), gy);
    /* cudaLaunchKernel's own status instead of a cudaGetLastError after <<<>>>: the hot path
     * of small ops; cu_check_launch still runs (and names the kernel) when it failed. */
    void *args[] = {&b};
    cudaError_t err = cudaLaunchKernel((const void *)k_fast<Op, K, DT, ODT, NIN>, grid, dim3(CU_BLOCK), args, 0, s);
    if (err != cudaSuccess) {
      ca_status st = cu_check_launch(be, Op::nm);
      return st != CA_OK ? st : cu_fail(be, "cudaLaunchKernel", err);
    }
  }
  cu_note_launch(be, Op::nm);
  return CA_OK;
}

/* The type an op's formula returns in kind K. Read from the formulas' declared return types
 * (call's trailing decltype), never from apply's deduced `auto`: in nvcc's host pass the body
 * of a __device__ function is not there to deduce from, and every op then looked like one of
 * float64 results, which no fast path matched. */
template <class Op, class K, int NIN> struct formula_result;
template <class Op, class K> struct formula_result<Op, K, 1> {
  typedef decltype(K::template call<Op>(std::declval<typename K::C>())) type;
};
template <class Op, class K> struct formula_result<Op, K, 2> {
  typedef decltype(K::template call<Op>(std::declval<typename K::C>(), std::declval<typename K::C>())) type;
};

/* The output dtype of an op computed in dtype DT: bool for predicates, DT where the formula
 * returns the compute type, else the real dtype it returns (abs and angle of complex). */
template <class Op, class K, int DT, int NIN> constexpr int out_dtype() {
  typedef typename K::C C;
  typedef typename formula_result<Op, K, NIN>::type R;
  return Op::pred ? (int)CA_BOOL
         : std::is_same<R, C>::value ? DT
         : std::is_same<R, float>::value ? (int)CA_FLOAT32
                                         : (int)CA_FLOAT64;
}

static_assert(out_dtype<B_add, KF, CA_FLOAT32, 2>() == CA_FLOAT32 &&
                  out_dtype<U_abs, KC, CA_COMPLEX64, 1>() == CA_FLOAT32 &&
                  out_dtype<B_less, KF, CA_FLOAT32, 2>() == CA_BOOL,
              "the fast path's output dtypes");

template <class Op, class K, int DT, int NIN> static ca_status try_fast(ca_backend *be, const ca_loop *l, bool *done) {
  constexpr int ODT = out_dtype<Op, K, DT, NIN>();
  FastArgs<typename cuk::St<DT>::T, typename cuk::St<ODT>::T, NIN> a;
  *done = false;
  if (!fast_args(l, DT, ODT, &a)) return CA_OK;
  *done = true;
  return fast_run<Op, K, DT, ODT, NIN>(be, a, l->ndim == 0 ? 1 : l->shape[l->ndim - 1]);
}

#include "elementwise_mixed.cuh"
#include "elementwise_tiled.cuh"

template <class Op, class K, int NIN> static ca_status gen_op(ca_backend *be, const ca_loop *l) {
  GenArgs g;
  gen_from_loop(&g, l);
  gen_values<typename K::C>(&g, l);
  return gen_run<OpBody<Op, K, NIN>>(be, g, l, Op::nm);
}

/* The compute dtypes of the mixed and tiled paths: those of the common pairs (int32 + float32
 * computes in float64, float16 + float32 in float32, int32 + int64 in int64). */
constexpr bool mixed_compute(int dt) {
  return dt == CA_FLOAT64 || dt == CA_FLOAT32 || dt == CA_INT64 || dt == CA_INT32;
}

/* Run an op in kind K with fast-path dtype DT (-1: general path only); where the fast path
 * does not fit, the tiled path (an input transposed) and the mixed path (inputs of other
 * dtypes) for the ops and compute dtypes they are made for, else the general path. */
template <class Op, class K, int DT, int NIN> static ca_status run_kind(ca_backend *be, const ca_loop *l) {
  if constexpr (!has_formula<Op, K, NIN>::value) {
    return unsupported(be, Op::nm, l->compute);
  } else {
    if constexpr (DT >= 0) {
      bool done;
      ca_status st = try_fast<Op, K, DT, NIN>(be, l, &done);
      if (done) return st;
      if constexpr (mixed_fast<Op>() && mixed_compute(DT)) {
        if constexpr (NIN == 2 && narrow_fast<Op>()) {
          st = try_tiled<Op, K, DT, NIN>(be, l, &done);
          if (done) return st;
        }
        st = try_mixed<Op, K, DT, NIN>(be, l, &done);
        if (done) return st;
      }
    }
    return gen_op<Op, K, NIN>(be, l);
  }
}

template <class Op, int NIN> static ca_status run_op(ca_backend *be, const ca_loop *l) {
  if (l->size == 0) return CA_OK;
  constexpr bool nf = narrow_fast<Op>();
  switch (l->compute) {
  case CA_INT32: return run_kind<Op, KI, CA_INT32, NIN>(be, l);
  case CA_INT64: return run_kind<Op, KI, CA_INT64, NIN>(be, l);
  case CA_BOOL: return run_kind<Op, KI, nf ? (int)CA_BOOL : -1, NIN>(be, l);
  case CA_INT8: return run_kind<Op, KI, nf ? (int)CA_INT8 : -1, NIN>(be, l);
  case CA_UINT8: return run_kind<Op, KI, nf ? (int)CA_UINT8 : -1, NIN>(be, l);
  case CA_INT16: return run_kind<Op, KI, nf ? (int)CA_INT16 : -1, NIN>(be, l);
  case CA_UINT16: return run_kind<Op, KI, nf ? (int)CA_UINT16 : -1, NIN>(be, l);
  case CA_UINT32: return run_kind<Op, KI, nf ? (int)CA_UINT32 : -1, NIN>(be, l);
  case CA_UINT64: return run_kind<Op, KU, nf ? (int)CA_UINT64 : -1, NIN>(be, l);
  case CA_BFLOAT16:
    if constexpr (has_formula<Op, KB, NIN>::value) return run_kind<Op, KB, -1, NIN>(be, l);
    else return run_kind<Op, KF, nf ? (int)CA_BFLOAT16 : -1, NIN>(be, l);
  case CA_FLOAT16:
    if constexpr (has_formula<Op, KH, NIN>::value) return run_kind<Op, KH, CA_FLOAT16, NIN>(be, l);
    else return run_kind<Op, KF, CA_FLOAT16, NIN>(be, l);
  case CA_FLOAT32: return run_kind<Op, KF, CA_FLOAT32, NIN>(be, l);
  case CA_FLOAT64: return run_kind<Op, KD, CA_FLOAT64, NIN>(be, l);
  case CA_COMPLEX64: return run_kind<Op, KC, CA_COMPLEX64, NIN>(be, l);
  case CA_COMPLEX128: return run_kind<Op, KZ, nf ? (int)CA_COMPLEX128 : -1, NIN>(be, l);
  default: return unsupported(be, Op::nm, l->compute);
  }
}

/* Ops of two results: the general path, any dtypes and layouts. */
template <class Op, class K, int NIN> static ca_status run_kind2(ca_backend *be, const ca_loop *l) {
  if constexpr (!has_formula2<Op, K, NIN>::value) {
    return unsupported(be, Op::nm, l->compute);
  } else {
    GenArgs g;
    gen_from_loop(&g, l);
    gen_values<typename K::C>(&g, l);
    return gen_run<OpBody2<Op, K, NIN>>(be, g, l, Op::nm);
  }
}

template <class Op, int NIN> static ca_status run_op2(ca_backend *be, const ca_loop *l) {
  if (l->size == 0) return CA_OK;
  if (l->nop < NIN + 2) return cu_fail_msg(be, CA_ERR_VALUE, "cuda: an op of two results needs four operands");
  switch (ca_compute_kind(l->compute)) {
  case CA_CK_d: return run_kind2<Op, KD, NIN>(be, l);
  case CA_CK_f: return run_kind2<Op, KF, NIN>(be, l);
  case CA_CK_u: return run_kind2<Op, KU, NIN>(be, l);
  default: return run_kind2<Op, KI, NIN>(be, l);
  }
}

extern "C" ca_status cu_unary(ca_backend *be, int op, const ca_loop *l) {
  switch (op) {
#define CA_UNARY(name, rule) case CA_OP_##name: return run_op<U_##name, 1>(be, l);
#define CA_UNARY2(name, rule) case CA_OP_##name: return run_op2<U_##name, 1>(be, l);
#include "../src/ops.def"
  default:
    return cu_fail_msg(be, CA_ERR_UNSUPPORTED, "cuda: unary called with a non-unary op");
  }
}

extern "C" ca_status cu_binary(ca_backend *be, int op, const ca_loop *l) {
  switch (op) {
#define CA_BINARY(name, rule) case CA_OP_##name: return run_op<B_##name, 2>(be, l);
#define CA_BINARY2(name, rule) case CA_OP_##name: return run_op2<B_##name, 2>(be, l);
#include "../src/ops.def"
  default:
    return cu_fail_msg(be, CA_ERR_UNSUPPORTED, "cuda: binary called with a non-binary op");
  }
}

template <class K> static ca_status where_run(ca_backend *be, GenArgs &g, const ca_loop *l) {
  typedef typename K::C C;
  for (int q = 2; q < 4; q++)
    if (!l->op[q].data) g.val[q] = value_of<C>(scalar_in<C>(l->op[q]));
  return gen_run<WhereBody<K>>(be, g, l, "where");
}

extern "C" ca_status cu_where(ca_backend *be, const ca_loop *l) {
  if (l->size == 0) return CA_OK;
  GenArgs g;
  gen_from_loop(&g, l);
  if (!l->op[1].data) {
    ca_elem bits = scalar_bits(l->op[1]);
    g.val[1].i = ca_truth(l->op[1].dtype, &bits);
  }
  switch (ca_compute_kind(l->compute)) {
  case CA_CK_z: return where_run<KZ>(be, g, l);
  case CA_CK_c: return where_run<KC>(be, g, l);
  case CA_CK_d: return where_run<KD>(be, g, l);
  case CA_CK_f: return where_run<KF>(be, g, l);
  case CA_CK_u: return where_run<KU>(be, g, l);
  default: return where_run<KI>(be, g, l);
  }
}
