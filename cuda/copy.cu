/* Copies between arrays of one device: with dtype conversion, fills (one value, possibly
 * converted), strided same-dtype moves and tiled transposes. Every conversion is
 * src/convert.h's (through cu_kernels.cuh).
 *
 * Paths, chosen on the host per call: cudaMemcpyAsync for contiguous same-dtype copies,
 * cudaMemsetAsync or 16-byte stores for contiguous fills, a shared-memory tiled transpose where
 * the innermost two dims are swapped, and the general path (general.cuh) for the rest. */
#include <stdio.h>
#include <string.h>
#include <type_traits>
#include "tile.cuh"

/* ---- general path: the bodies of k_general -------------------------------------------------- */

/* Converting copy: the source read in its own compute type C. */
template <class C> struct ConvertBody {
  static constexpr int NOP = 2;
  typedef C V;
  static CU_D V load(const GenArgs &a, const long long (&off)[NOP]) { return cuk::ld_rt<C>(a.ptr[1] + off[1], a.dt[1], 0); }
  static CU_D void store(const GenArgs &a, long long off0, const V &v) { cuk::st_rt(a.ptr[0] + off0, a.dt[0], 0, v); }
};

/* Same-dtype strided copy or fill (ptr[1] NULL: the element's bits at the start of val[1]),
 * by element size. */
template <class U> struct MoveBody {
  static constexpr int NOP = 2;
  typedef U V;
  static CU_D V load(const GenArgs &a, const long long (&off)[NOP]) {
    if (a.ptr[1]) return *(const U *)(a.ptr[1] + off[1]);
    U u;
    memcpy(&u, &a.val[1], sizeof(U));
    return u;
  }
  static CU_D void store(const GenArgs &a, long long off0, const V &v) { *(U *)(a.ptr[0] + off0) = v; }
};

/* ---- fills and transposes ---------------------------------------------------------------- */

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
  static_assert(sizeof(P) == 2 * sizeof(U), "P holds a pair");
  union Pair { P p; U e[2]; };
  __shared__ U tile[CU_TD][CU_TD + 1];
  for (unsigned b = blockIdx.z; b < a.nbatch; b += gridDim.z) {
    long long oi, oo;
    batch_offsets(a, b, &oi, &oo);
    const U *in = (const U *)(a.in + oi);
    U *out = (U *)(a.out + oo);
    for (int rt = blockIdx.y * CU_TD; rt < a.R; rt += gridDim.y * CU_TD) {
      const int ct = blockIdx.x * CU_TD;
      tile_load_pairs<U>(tile, in, a.in_sc, rt, ct, a.R, a.C);
      __syncthreads();
      tile_store_pairs<U>(tile, rt, ct, a.R, a.C, [&](int r, int c, U x0, U x1) {
        Pair v;
        v.e[0] = x0;
        v.e[1] = x1;
        *reinterpret_cast<P *>(out + (long long)r * a.out_sr + c) = v.p;
      });
      __syncthreads();
    }
  }
}

/* ---- host side --------------------------------------------------------------------------- */

/* The bits of a scalar operand stored as dtype dt: its own element, converted as a device
 * copy converts it. */
static ca_elem fill_bits(const ca_operand &o, int dt) {
  ca_elem src = scalar_bits(o), bits = {{0, 0}};
  cuk::convert_rt((char *)&bits, dt, 0, (const char *)&src, o.dtype, 0);
  return bits;
}

template <class U> static ca_status move_run(ca_backend *be, GenArgs &g, const ca_loop *l) {
  return gen_run<MoveBody<U>>(be, g, l, "copy");
}

static ca_status move_by_size(ca_backend *be, GenArgs &g, const ca_loop *l, size_t sz) {
  switch (sz) {
  case 1: return move_run<uint8_t>(be, g, l);
  case 2: return move_run<uint16_t>(be, g, l);
  case 4: return move_run<uint32_t>(be, g, l);
  case 8: return move_run<uint64_t>(be, g, l);
  default: return move_run<ca_c16>(be, g, l);
  }
}

template <class U> static ca_status fill_contig(ca_backend *be, void *p, const ca_elem &bits, int64_t n) {
  cudaStream_t s = cu_stream(be);
  U v;
  memcpy(&v, &bits, sizeof(U));
  for (int64_t o = 0; o < n; o += CU_MAXRUN) {
    int64_t m = n - o < CU_MAXRUN ? n - o : CU_MAXRUN;
    unsigned nb = grid_for(m / (16 / sizeof(U)) + 1, CU_BLOCK);
    if (nb > 65536) nb = 65536;
    k_fill<U><<<nb, CU_BLOCK, 0, s>>>((U *)p + o, v, (unsigned)m);
    ca_status st = cu_check_launch(be, "fill");
    if (st != CA_OK) return st;
  }
  return CA_OK;
}

static ca_status copy_fill(ca_backend *be, const ca_loop *l) {
  const ca_operand *o = &l->op[0];
  int dt = o->dtype;
  size_t sz = ca_itemsize(dt);
  ca_elem bits = fill_bits(l->op[1], dt);
  if (l->ndim <= 1 && (l->ndim == 0 || o->strides[0] == 1) && (uintptr_t)o->data % 16 == 0) {
    if (bits.u[0] == 0 && bits.u[1] == 0) {
      cudaError_t err = cudaMemsetAsync(o->data, 0, (size_t)l->size * sz, cu_stream(be));
      return err == cudaSuccess ? CA_OK : cu_fail(be, "cudaMemsetAsync", err);
    }
    switch (sz) {
    case 1: return fill_contig<uint8_t>(be, o->data, bits, l->size);
    case 2: return fill_contig<uint16_t>(be, o->data, bits, l->size);
    case 4: return fill_contig<uint32_t>(be, o->data, bits, l->size);
    case 8: return fill_contig<uint64_t>(be, o->data, bits, l->size);
    default: return fill_contig<ca_c16>(be, o->data, bits, l->size);
    }
  }
  GenArgs g;
  gen_from_loop(&g, l);
  g.ptr[1] = NULL;
  memcpy(&g.val[1], &bits, sizeof bits);
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
  unsigned gy = grid_for(t.R, CU_TD);
  dim3 grid(grid_for(t.C, CU_TD), gy < 65535 ? gy : 65535, nbatch < 65535 ? (unsigned)nbatch : 65535);
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
    /* the innermost two dims transposed relative to the output: tiled through shared memory
     * (elements of up to 8 bytes: a tile of 16-byte ones would not fit) */
    if (nd >= 2 && sz <= 8 && o->strides[nd - 1] == 1 && i->strides[nd - 2] == 1 && i->strides[nd - 1] != 1 &&
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
  switch (ca_compute_kind(i->dtype)) {
  case CA_CK_z: return gen_run<ConvertBody<ca_c16>>(be, g, l, "copy (convert)");
  case CA_CK_c: return gen_run<ConvertBody<ca_c8>>(be, g, l, "copy (convert)");
  case CA_CK_d: return gen_run<ConvertBody<double>>(be, g, l, "copy (convert)");
  case CA_CK_f: return gen_run<ConvertBody<float>>(be, g, l, "copy (convert)");
  case CA_CK_u: return gen_run<ConvertBody<ca_u>>(be, g, l, "copy (convert)");
  default: return gen_run<ConvertBody<ca_i>>(be, g, l, "copy (convert)");
  }
}
