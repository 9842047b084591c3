/* The mixed path of the elementwise ops: inputs of different dtypes (int32 + float32, float16
 * + float32, an int32 array times a float64 scalar), each read with vector loads of its own
 * width and converted in registers (src/convert.h's rules, through cuk::cvt), at most 2 dims
 * whose inner dim is contiguous or broadcast in every operand, as on the fast path. One kernel
 * per (op, compute dtype) holds a loader for each dtype of CU_MIXED_DTYPES, chosen per input
 * by a switch on its dtype that is uniform over the launch, so the operand dtype pairs cost no
 * instantiations. Private to cuda/elementwise.cu, included after its op types, apply and
 * out_dtype. */
#ifndef CA_CU_ELEMENTWISE_MIXED_CUH
#define CA_CU_ELEMENTWISE_MIXED_CUH

#define CU_ME 4                   /* elements per vector access of the mixed path */
#define CU_MPER (CU_ME * CU_UNROLL) /* elements per thread */

/* The dtypes an array input of the mixed path may have, one case each of mixed_in's switch
 * (every case is code in every mixed kernel): the integers and floats of the common pairs. */
#define CU_MIXED_DTYPES(X) \
  X(INT32) X(INT64) X(FLOAT32) X(FLOAT64) X(FLOAT16) X(BFLOAT16) X(INT16) X(INT8) X(UINT8) X(BOOL)

static inline bool mixed_loads(int dt) {
  switch (dt) {
#define CU_MIXED_IS(NAME) case CA_##NAME:
  CU_MIXED_DTYPES(CU_MIXED_IS)
#undef CU_MIXED_IS
    return true;
  default:
    return false;
  }
}

template <class C, int NIN> struct MixedArgs {
  const char *in[NIN];    /* NULL: the scalar val[] */
  int dt[NIN];
  int size[NIN];          /* bytes an element */
  long long rs[NIN];      /* row stride (bytes) */
  int inner[NIN];         /* 1: contiguous along the row, 0: broadcast */
  C val[NIN];             /* scalars, in the compute type */
  char *out;
  long long ors;          /* bytes */
  long long rows;
  int cols;
  int vec;                /* every row is aligned for vectors of CU_ME elements */
};

/* x[] = this thread's elements of a row of dtype DT in compute type C, scalar access: element
 * u is column c0 + u * CU_BLOCK + thread (the rows and tails that vectors do not fit). */
template <class C, int DT>
CU_D void mixed_row(const char *row, int inner, int c0, int cols, C (&x)[CU_MPER]) {
  typedef typename cuk::St<DT>::T T;
  const T *p = (const T *)row;
  if (!inner) {
    const C v = cuk::cvt<C, DT>(p[0]);
#pragma unroll
    for (int k = 0; k < CU_MPER; k++) x[k] = v;
    return;
  }
#pragma unroll
  for (int u = 0; u < CU_MPER; u++) {
    const int c = c0 + u * CU_BLOCK + (int)threadIdx.x;
    if (c < cols) x[u] = cuk::cvt<C, DT>(p[c]);
  }
}

/* The loader of an input's dtype, chosen by a switch that is uniform over the launch. */
template <class C>
CU_D void mixed_in(int dt, const char *row, int inner, int c0, int cols, C (&x)[CU_MPER]) {
  switch (dt) {
  default:
#define CU_MIXED_CASE(NAME) case CA_##NAME: mixed_row<C, CA_##NAME>(row, inner, c0, cols, x); return;
  CU_MIXED_DTYPES(CU_MIXED_CASE)
#undef CU_MIXED_CASE
  }
}

/* The bits of CU_ME elements of any dtype the path loads (8 bytes each at most). */
struct MixedRaw { uint4 w[2]; };

/* r[u] = the bits of this thread's u-th vector of a row of SZ-byte elements (columns c0 +
 * (u * CU_BLOCK + thread) * CU_ME on). Every input's vectors are fetched before any is
 * converted: converting in the loader made each input's loads wait for the one before. */
template <int SZ> CU_D void mixed_fetch_sz(const char *row, int c0, MixedRaw (&r)[CU_UNROLL]) {
#pragma unroll
  for (int u = 0; u < CU_UNROLL; u++) {
    const char *p = row + (long long)(c0 + (u * CU_BLOCK + (int)threadIdx.x) * CU_ME) * SZ;
    if constexpr (SZ == 8) {
      r[u].w[0] = reinterpret_cast<const uint4 *>(p)[0];
      r[u].w[1] = reinterpret_cast<const uint4 *>(p)[1];
    } else if constexpr (SZ == 4) {
      r[u].w[0] = *reinterpret_cast<const uint4 *>(p);
    } else if constexpr (SZ == 2) {
      const uint2 v = *reinterpret_cast<const uint2 *>(p);
      r[u].w[0].x = v.x;
      r[u].w[0].y = v.y;
    } else {
      r[u].w[0].x = *reinterpret_cast<const unsigned *>(p);
    }
  }
}

CU_D void mixed_fetch(int size, const char *row, int c0, MixedRaw (&r)[CU_UNROLL]) {
  switch (size) {
  case 1: mixed_fetch_sz<1>(row, c0, r); return;
  case 2: mixed_fetch_sz<2>(row, c0, r); return;
  case 4: mixed_fetch_sz<4>(row, c0, r); return;
  default: mixed_fetch_sz<8>(row, c0, r); return;
  }
}

/* x[] = the CU_ME elements of dtype DT whose bits are r, in compute type C (load_vec's
 * conversions: float16 without a NaN by the instruction alone). */
template <class C, int DT> CU_D void mixed_unpack_dt(const MixedRaw &r, C (&x)[CU_ME]) {
  Vec<typename cuk::St<DT>::T, CU_ME> v;
  memcpy(&v, &r, sizeof v);
  load_vec<C, DT>(v, x);
}

template <class C> CU_D void mixed_unpack(int dt, const MixedRaw &r, C (&x)[CU_ME]) {
  switch (dt) {
  default:
#define CU_MIXED_CASE(NAME) case CA_##NAME: mixed_unpack_dt<C, CA_##NAME>(r, x); return;
  CU_MIXED_DTYPES(CU_MIXED_CASE)
#undef CU_MIXED_CASE
  }
}

/* Three blocks an SM at least (85 registers a thread): the loaders of every dtype took 118
 * and left two. With the loads fetched before converting, int32 + float32 of 2^26 elements
 * took 0.278 ms on the H200, against 0.336 before either change (four blocks: 0.293; five
 * spilled: 0.450). */
#define CU_MIXED_MIN_BLOCKS 3

template <class Op, class K, int ODT, int NIN>
__global__ void __launch_bounds__(CU_BLOCK, CU_MIXED_MIN_BLOCKS) k_mixed(MixedArgs<typename K::C, NIN> a) {
  typedef typename K::C C;
  typedef typename cuk::St<ODT>::T O;
  constexpr int TILE = CU_BLOCK * CU_MPER;
  const int c0 = blockIdx.x * TILE;
  const bool vec = a.vec && c0 + TILE <= a.cols;
  for (long long r = blockIdx.y; r < a.rows; r += gridDim.y) {
    O *po = (O *)(a.out + r * a.ors);
    if (vec) {
      MixedRaw raw[NIN][CU_UNROLL];
      C x[NIN][CU_MPER];
#pragma unroll
      for (int q = 0; q < NIN; q++) {
        if (a.in[q] && a.inner[q]) mixed_fetch(a.size[q], a.in[q] + r * a.rs[q], c0, raw[q]);
        else if (a.in[q]) mixed_in<C>(a.dt[q], a.in[q] + r * a.rs[q], 0, c0, a.cols, x[q]);
        else
#pragma unroll
          for (int k = 0; k < CU_MPER; k++) x[q][k] = a.val[q];
      }
#pragma unroll
      for (int u = 0; u < CU_UNROLL; u++) {
        C xv[NIN][CU_ME];
#pragma unroll
        for (int q = 0; q < NIN; q++) {
          if (a.in[q] && a.inner[q]) {
            mixed_unpack<C>(a.dt[q], raw[q][u], xv[q]);
          } else {
#pragma unroll
            for (int e = 0; e < CU_ME; e++) xv[q][e] = x[q][u * CU_ME + e];
          }
        }
        decltype(apply<Op, K>(std::declval<const C (&)[NIN]>())) y[CU_ME];
#pragma unroll
        for (int e = 0; e < CU_ME; e++) {
          C xs[NIN];
#pragma unroll
          for (int q = 0; q < NIN; q++) xs[q] = xv[q][e];
          y[e] = apply<Op, K>(xs);
        }
        Vec<O, CU_ME> w;
        store_vec<ODT>(y, w);
        *reinterpret_cast<Vec<O, CU_ME> *>(po + c0 + (u * CU_BLOCK + (int)threadIdx.x) * CU_ME) = w;
      }
    } else {
      C x[NIN][CU_MPER];
#pragma unroll
      for (int q = 0; q < NIN; q++) {
        if (a.in[q]) {
          mixed_in<C>(a.dt[q], a.in[q] + r * a.rs[q], a.inner[q], c0, a.cols, x[q]);
        } else {
#pragma unroll
          for (int k = 0; k < CU_MPER; k++) x[q][k] = a.val[q];
        }
      }
      store_scattered<Op, K, ODT>(po, x, c0, a.cols);
    }
  }
}

/* ---- host side --------------------------------------------------------------------------- */

/* Whether the loop fits the mixed path: the output of dtype odt, at most 2 dims, the inner
 * dim contiguous or broadcast everywhere, every array input of a dtype the path loads. */
template <class C, int NIN> static bool mixed_args(const ca_loop *l, int odt, MixedArgs<C, NIN> *a) {
  if (l->ndim > 2 || l->op[0].dtype != odt) return false;
  const int nd = l->ndim;
  const int64_t rows = nd == 2 ? l->shape[0] : 1, cols = nd == 0 ? 1 : l->shape[nd - 1];
  if (nd == 2 && cols < 1024) return false;
  const ca_operand *o = &l->op[0];
  if (nd > 0 && o->strides[nd - 1] != 1) return false;
  const int64_t osz = (int64_t)ca_itemsize(odt);
  a->out = o->data;
  a->ors = nd == 2 ? o->strides[0] * osz : 0;
  bool vec = (uintptr_t)o->data % (osz * CU_ME) == 0 && a->ors % (osz * CU_ME) == 0;
  for (int q = 0; q < NIN; q++) {
    const ca_operand *p = &l->op[q + 1];
    a->in[q] = p->data;
    a->dt[q] = p->dtype;
    a->size[q] = (int)ca_itemsize(p->dtype);
    a->rs[q] = 0;
    a->inner[q] = 0;
    if (!p->data) {
      a->val[q] = scalar_in<C>(*p);
      continue;
    }
    if (!mixed_loads(p->dtype)) return false;
    const int64_t in = nd > 0 ? p->strides[nd - 1] : 0, isz = (int64_t)ca_itemsize(p->dtype);
    if (in != 0 && in != 1) return false;
    a->inner[q] = (int)in;
    a->rs[q] = nd == 2 ? p->strides[0] * isz : 0;
    if (in == 1 && ((uintptr_t)p->data % (isz * CU_ME) || a->rs[q] % (isz * CU_ME))) vec = false;
  }
  a->rows = rows;
  a->cols = (int)cols; /* adjusted per run by mixed_run */
  a->vec = vec;
  return true;
}

template <class Op, class K, int ODT, int NIN>
static ca_status mixed_run(ca_backend *be, const MixedArgs<typename K::C, NIN> &a, int64_t cols) {
  constexpr int TILE = CU_BLOCK * CU_MPER;
  cudaStream_t s = cu_stream(be);
  unsigned gy = a.rows < 65535 ? (unsigned)a.rows : 65535u;
  for (int64_t c0 = 0; c0 < cols; c0 += CU_MAXRUN) { /* CU_MAXRUN is a multiple of TILE */
    MixedArgs<typename K::C, NIN> b = a;
    int64_t n = cols - c0 < CU_MAXRUN ? cols - c0 : CU_MAXRUN;
    b.cols = (int)n;
    b.out = a.out + c0 * (int64_t)sizeof(typename cuk::St<ODT>::T);
    for (int q = 0; q < NIN; q++)
      if (a.in[q]) b.in[q] = a.in[q] + c0 * a.inner[q] * (int64_t)ca_itemsize(a.dt[q]);
    void *args[] = {&b};
    cudaError_t err = cudaLaunchKernel((const void *)k_mixed<Op, K, ODT, NIN>, dim3(grid_for(n, TILE), gy),
                                       dim3(CU_BLOCK), args, 0, s);
    if (err != cudaSuccess) {
      ca_status st = cu_check_launch(be, Op::nm);
      return st != CA_OK ? st : cu_fail(be, "cudaLaunchKernel", err);
    }
  }
  cu_note_launch(be, Op::nm);
  return CA_OK;
}

template <class Op, class K, int DT, int NIN> static ca_status try_mixed(ca_backend *be, const ca_loop *l, bool *done) {
  constexpr int ODT = out_dtype<Op, K, DT, NIN>();
  MixedArgs<typename K::C, NIN> a;
  *done = false;
  if (!mixed_args(l, ODT, &a)) return CA_OK;
  *done = true;
  return mixed_run<Op, K, ODT, NIN>(be, a, l->ndim == 0 ? 1 : l->shape[l->ndim - 1]);
}

#endif
