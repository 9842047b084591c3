/* The general elementwise path, shared by elementwise.cu (ops, where) and copy.cu (converting
 * and same-dtype strided copies, fills): any dims, strides and operand dtypes, one kernel
 * template whose per-element work is a body functor. Kernels index with 32-bit math; the host
 * splits larger loops (gen_split). Private to cuda/. */
#ifndef CA_CU_GENERAL_CUH
#define CA_CU_GENERAL_CUH

#include <string.h>
#include "cu_kernels.cuh"

#define CU_D __device__ __forceinline__
#define CU_BLOCK 256
#define CU_GUNROLL 4   /* elements per thread on the general path */
#define CU_MAXRUN ((int64_t)1 << 30) /* longest run one launch indexes (32-bit math) */

/* N elements of T, moved as one aligned vector access. */
template <class T, int N> struct alignas(sizeof(T) * N) Vec { T v[N]; };

/* Whether any of N (even) 16-bit floats is a NaN, two at a time: adding `low` (0x3ff for
 * float16, 0x7f for bfloat16: the exponent's all-ones pattern's complement in the mantissa)
 * to each half's magnitude carries into its bit 15 exactly when it is above infinity, and no
 * further. */
template <uint32_t low, int N> CU_D bool any_nan16(const uint16_t (&h)[N]) {
  static_assert(N % 2 == 0, "pairs");
  uint32_t w[N / 2], acc = 0;
  memcpy(w, h, sizeof w);
#pragma unroll
  for (int k = 0; k < N / 2; k++) acc |= (w[k] & 0x7fff7fffu) + (low | low << 16);
  return (acc & 0x80008000u) != 0;
}

/* A vector's elements of dtype DT in compute type C: convert.h's conversion, except that a
 * float16 vector without a NaN converts by the instruction alone (convert.h keeps a NaN's sign
 * with a select, six instructions an element: float16 + float16 ran at half the copy speed). */
template <class C, int DT, class T, int V> CU_D void load_vec(const Vec<T, V> &x, C (&out)[V]) {
  if constexpr (DT == CA_FLOAT16 && std::is_same<C, float>::value) {
    if (!any_nan16<0x3ffu>(x.v)) {
#pragma unroll
      for (int e = 0; e < V; e++) asm("cvt.f32.f16 %0, %1;" : "=f"(out[e]) : "h"(x.v[e]));
      return;
    }
  }
#pragma unroll
  for (int e = 0; e < V; e++) out[e] = cuk::cvt<C, DT>(x.v[e]);
}

/* Values r of a compute type as a vector of dtype ODT: float16 and bfloat16 from float by the
 * rounding instruction, kept when no result is a NaN (then the instruction's canonical NaN is
 * replaced by convert.h's, which keeps the sign and payload as the CPU does). */
template <int ODT, class R, class O, int V> CU_D void store_vec(const R (&r)[V], Vec<O, V> &y) {
  if constexpr ((ODT == CA_FLOAT16 || ODT == CA_BFLOAT16) && std::is_same<R, float>::value) {
#pragma unroll
    for (int e = 0; e < V; e++) {
      if constexpr (ODT == CA_FLOAT16) asm("cvt.rn.f16.f32 %0, %1;" : "=h"(y.v[e]) : "f"(r[e]));
      else asm("cvt.rn.bf16.f32 %0, %1;" : "=h"(y.v[e]) : "f"(r[e]));
    }
    if (!any_nan16<ODT == CA_FLOAT16 ? 0x3ffu : 0x7fu>(y.v)) return;
  }
#pragma unroll
  for (int e = 0; e < V; e++) y.v[e] = cuk::to<ODT>(r[e]);
}

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

/* The general kernel: each thread takes CU_GUNROLL elements CU_BLOCK apart and loads all of
 * them before it stores any. The body says what an element is:
 *   static constexpr int NOP;     operands, the output op[0] first
 *   typedef ... V;                what travels from the load to the store
 *   static CU_D V load(const GenArgs &a, const long long (&off)[NOP]);
 *   static CU_D void store(const GenArgs &a, long long off0, const V &v);  */
template <class Body> __global__ void __launch_bounds__(CU_BLOCK) k_general(const __grid_constant__ GenArgs a) {
  typedef typename Body::V V;
  const unsigned base = blockIdx.x * (CU_BLOCK * CU_GUNROLL) + threadIdx.x;
  V x[CU_GUNROLL];
  long long oo[CU_GUNROLL];
#pragma unroll
  for (int u = 0; u < CU_GUNROLL; u++) {
    const unsigned i = base + u * CU_BLOCK;
    if (i < a.size) {
      long long off[Body::NOP];
      offsets_of<Body::NOP>(a, i, off);
      oo[u] = off[0];
      x[u] = Body::load(a, off);
    }
  }
#pragma unroll
  for (int u = 0; u < CU_GUNROLL; u++)
    if (base + u * CU_BLOCK < a.size) Body::store(a, oo[u], x[u]);
}

/* ---- host side --------------------------------------------------------------------------- */

static inline unsigned grid_for(int64_t n, int per_block) { return (unsigned)((n + per_block - 1) / per_block); }

/* A value of compute type C in a ca_value (.i for ca_i, and for ca_u its bits, .f for float
 * and double, .z for the complex pairs), and back. */
template <class C> static ca_value value_of(C c) {
  ca_value v;
  if constexpr (std::is_same<C, ca_i>::value) v.i = c;
  else if constexpr (std::is_same<C, ca_u>::value) v.i = (ca_i)c;
  else if constexpr (std::is_same<C, ca_c16>::value) v.z = c;
  else if constexpr (std::is_same<C, ca_c8>::value) v.z = ca_c2z(c);
  else v.f = c;
  return v;
}
template <class C> CU_D C value_as(ca_value v) {
  if constexpr (std::is_same<C, ca_i>::value) return v.i;
  else if constexpr (std::is_same<C, ca_u>::value) return (ca_u)v.i;
  else if constexpr (std::is_same<C, ca_c16>::value) return v.z;
  else if constexpr (std::is_same<C, ca_c8>::value) return ca_z2c(v.z);
  else return (C)v.f;
}

/* The bits of a scalar operand as an element of its dtype (src/convert.h's store), so that it
 * reads back exactly as an array element would. */
static inline ca_elem scalar_bits(const ca_operand &o) {
  ca_elem bits = {{0, 0}};
  ca_store_value(o.dtype, &bits, o.value);
  return bits;
}

/* A scalar operand read in compute type C, as its element would be: its bits (stored through
 * the ca_elem member of its dtype's type, which the aliasing rules allow) read back as an
 * element of its dtype. */
template <class C> static C scalar_in(const ca_operand &o) {
  ca_elem bits = scalar_bits(o);
  return cuk::ld_rt<C>((const char *)&bits, o.dtype, 0);
}

/* Fill GenArgs from a loop (byte strides, no values). */
static inline void gen_from_loop(GenArgs *g, const ca_loop *l) {
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

/* Scalars of the loop's inputs, in compute type C. */
template <class C> static void gen_values(GenArgs *g, const ca_loop *l) {
  for (int q = 1; q < l->nop; q++)
    if (!l->op[q].data) g->val[q] = value_of<C>(scalar_in<C>(l->op[q]));
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

/* Runs k_general<Body> over the loop l, whose operands g describes. */
template <class Body> static ca_status gen_run(ca_backend *be, GenArgs &g, const ca_loop *l, const char *name) {
  cudaStream_t s = cu_stream(be);
  auto launch = [&](const GenArgs &a) -> ca_status {
    k_general<Body><<<grid_for(a.size, CU_BLOCK * CU_GUNROLL), CU_BLOCK, 0, s>>>(a);
    return cu_check_launch(be, name);
  };
  int64_t shape1 = 1;
  return gen_split(be, g, Body::NOP, l->ndim > 0 ? l->shape : &shape1, launch);
}

#endif
