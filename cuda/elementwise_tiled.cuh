/* The tiled path of the binary ops (m.T + m): one input transposed relative to the output in
 * the innermost two dims (contiguous along dim -2 where the output is along dim -1) goes
 * through a shared-memory tile, as copy.cu's transpose does, so that every operand is read and
 * written in coalesced pairs of elements; the other input is read along the output's rows (or
 * is broadcast along them, or a scalar). Outer dims are batches over blockIdx.z.
 * Private to cuda/elementwise.cu, included after its op types, apply and out_dtype. */
#ifndef CA_CU_ELEMENTWISE_TILED_CUH
#define CA_CU_ELEMENTWISE_TILED_CUH

#include "tile.cuh"

/* T: the inputs' storage type, O: the output's; strides in elements. */
template <class T, class O> struct TiledArgs {
  const T *t;             /* the transposed input: stride 1 along dim -2, t_sc along dim -1 */
  const T *s;             /* the other input: s_sr along dim -2, s_inner (0 or 1) along dim -1;
                             NULL: the scalar val */
  O *out;                 /* o_sr along dim -2, 1 along dim -1 */
  T val;
  int t_first;            /* t is the op's first input */
  int s_inner;
  long long t_sc, s_sr, o_sr;
  int R, C;               /* sizes of dims -2, -1 */
  int nb;                 /* outer dims */
  unsigned nbatch;
  unsigned bshape[CA_MAXDIMS];
  long long bst[3][CA_MAXDIMS]; /* outer strides (elements) of out, t, s */
};

template <class Op, class K, int DT, int ODT>
__global__ void __launch_bounds__(32 * CU_TBY)
    k_tiled(const __grid_constant__ TiledArgs<typename cuk::St<DT>::T, typename cuk::St<ODT>::T> a) {
  typedef typename K::C C;
  typedef typename cuk::St<DT>::T T;
  typedef typename cuk::St<ODT>::T O;
  __shared__ T tile[CU_TD][CU_TD + 1];
  for (unsigned b = blockIdx.z; b < a.nbatch; b += gridDim.z) {
    long long off[3] = {0, 0, 0};
    unsigned rest = b;
    for (int d = a.nb - 1; d >= 0; d--) {
      const unsigned sh = a.bshape[d], j = rest / sh, r = rest - j * sh;
      rest = j;
#pragma unroll
      for (int q = 0; q < 3; q++) off[q] += (long long)r * a.bst[q][d];
    }
    const T *t = a.t + off[1];
    const T *s = a.s ? a.s + off[2] : nullptr;
    O *out = a.out + off[0];
    for (int rt = blockIdx.y * CU_TD; rt < a.R; rt += gridDim.y * CU_TD) {
      const int ct = blockIdx.x * CU_TD;
      tile_load_pairs<T>(tile, t, a.t_sc, rt, ct, a.R, a.C);
      __syncthreads();
      /* write: along dim -1, the output's (and s's) contiguous dim */
      tile_store_pairs<T>(tile, rt, ct, a.R, a.C, [&](int r, int c, T t0, T t1) {
        Vec<T, 2> sv;
        if (!s) {
          sv.v[0] = sv.v[1] = a.val;
        } else if (a.s_inner) {
          sv = *reinterpret_cast<const Vec<T, 2> *>(s + (long long)r * a.s_sr + c);
        } else {
          sv.v[0] = sv.v[1] = s[(long long)r * a.s_sr];
        }
        const T tv[2] = {t0, t1};
        Vec<O, 2> y;
#pragma unroll
        for (int e = 0; e < 2; e++) {
          const C tc = cuk::cvt<C, DT>(tv[e]), sc = cuk::cvt<C, DT>(sv.v[e]);
          const C xs[2] = {a.t_first ? tc : sc, a.t_first ? sc : tc};
          y.v[e] = cuk::to<ODT>(apply<Op, K>(xs));
        }
        *reinterpret_cast<Vec<O, 2> *>(out + (long long)r * a.o_sr + c) = y;
      });
      __syncthreads();
    }
  }
}

/* Whether a binary loop fits the tiled path: at least 2 dims, both tiled dims at least a tile
 * and even (the pairs), the output contiguous along dim -1 and of dtype odt, exactly one
 * input of dtype dt contiguous along dim -2 but not along dim -1 (t), the other of dtype dt
 * along dim -1 contiguous or broadcast (s), or a scalar; strides, pointers and batch strides
 * aligned for pairs. */
template <class T, class O> static bool tiled_args(const ca_loop *l, int dt, int odt, TiledArgs<T, O> *a) {
  const int nd = l->ndim;
  if (nd < 2 || l->op[0].dtype != odt) return false;
  const int64_t R = l->shape[nd - 2], C = l->shape[nd - 1];
  if (R < CU_TD || C < CU_TD || R % 2 || C % 2 || R >= INT32_MAX || C >= INT32_MAX) return false;
  const ca_operand *o = &l->op[0], *x = &l->op[1], *y = &l->op[2];
  if (o->strides[nd - 1] != 1 || o->strides[nd - 2] % 2) return false;
  auto transposed = [&](const ca_operand *p) {
    return p->data && p->dtype == dt && p->strides[nd - 2] == 1 && p->strides[nd - 1] != 1;
  };
  const bool tx = transposed(x), ty = transposed(y);
  if (tx == ty) return false;
  const ca_operand *t = tx ? x : y, *s = tx ? y : x;
  if (t->strides[nd - 1] % 2) return false;
  memset(a, 0, sizeof *a);
  if (s->data) {
    if (s->dtype != dt || (s->strides[nd - 1] != 0 && s->strides[nd - 1] != 1)) return false;
    a->s_inner = (int)s->strides[nd - 1];
    if (a->s_inner && s->strides[nd - 2] % 2) return false;
  } else {
    if (s->dtype != dt) return false;
    ca_elem bits = scalar_bits(*s);
    memcpy(&a->val, &bits, sizeof(T));
  }
  int64_t nbatch = 1;
  const ca_operand *ops[3] = {o, t, s};
  for (int d = 0; d < nd - 2; d++) {
    a->bshape[d] = (unsigned)l->shape[d];
    for (int q = 0; q < 3; q++) a->bst[q][d] = ops[q]->strides[d];
    nbatch *= l->shape[d];
  }
  if (nbatch >= INT32_MAX) return false;
  for (int q = 0; q < 3; q++) {
    if (!ops[q]->data) continue;
    const size_t sz = q == 0 ? sizeof(O) : sizeof(T);
    if ((uintptr_t)ops[q]->data % (2 * sz)) return false;
    for (int d = 0; d < nd - 2; d++)
      if (a->bst[q][d] % 2 && !(q == 2 && !a->s_inner)) return false;
  }
  a->t = (const T *)t->data;
  a->s = (const T *)s->data;
  a->out = (O *)o->data;
  a->t_first = tx;
  a->t_sc = t->strides[nd - 1];
  a->s_sr = s->data ? s->strides[nd - 2] : 0;
  a->o_sr = o->strides[nd - 2];
  a->R = (int)R;
  a->C = (int)C;
  a->nb = nd - 2;
  a->nbatch = (unsigned)nbatch;
  return true;
}

template <class Op, class K, int DT, int NIN> static ca_status try_tiled(ca_backend *be, const ca_loop *l, bool *done) {
  constexpr int ODT = out_dtype<Op, K, DT, NIN>();
  typedef typename cuk::St<DT>::T T;
  typedef typename cuk::St<ODT>::T O;
  TiledArgs<T, O> a;
  *done = false;
  if (!tiled_args(l, DT, ODT, &a)) return CA_OK;
  *done = true;
  const unsigned gy = grid_for(a.R, CU_TD);
  dim3 grid(grid_for(a.C, CU_TD), gy < 65535 ? gy : 65535, a.nbatch < 65535 ? a.nbatch : 65535);
  k_tiled<Op, K, DT, ODT><<<grid, dim3(32, CU_TBY), 0, cu_stream(be)>>>(a);
  return cu_check_launch(be, Op::nm);
}

#endif
