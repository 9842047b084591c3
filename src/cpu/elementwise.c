/* Elementwise entries: unary, binary (the CA_UNARY / CA_BINARY ops of ops.def) and where.
 *
 * One kernel per (op, compute type) is instantiated from the formula in scalar.h. A kernel
 * reads its inputs as contiguous arrays of the compute type (or a single broadcast value,
 * stride 0) and writes a contiguous array of the formula's result type. The driver feeds it
 * either the operands themselves (when their storage already is the compute type and the
 * inner stride is 0 or 1: the fast path, no copies) or chunks converted into small buffers
 * (the general path: any dtype, any stride), walking the outer dims with a counter. */
#include "cpu_internal.h"

/* Which compute types have a formula, by the op's rule in ops.def: math functions and true
 * division are float-only, bitwise ops and shifts integer-only; the complex types where
 * scalar.h lists the op (CA_CPLX_KINDS). An (op, type) pair without a formula has no kernel
 * and answers CA_ERR_UNSUPPORTED. */
#define KINDS_ALL(X, name) X(name, i) X(name, u) X(name, f) X(name, d) CA_CPLX_KINDS(X, name)
#define KINDS_FLOATS(X, name) X(name, f) X(name, d) CA_CPLX_KINDS(X, name)
#define KINDS_INTS(X, name) X(name, i) X(name, u)
#define KINDS_DOUBLES(X, name) X(name, d)
#define KINDS_CA_RULE_SAME KINDS_ALL
#define KINDS_CA_RULE_NUMERIC KINDS_ALL
#define KINDS_CA_RULE_PREDICATE KINDS_ALL
#define KINDS_CA_RULE_INTPROMOTE KINDS_ALL
#define KINDS_CA_RULE_FLOAT KINDS_FLOATS
#define KINDS_CA_RULE_TRUEDIV KINDS_FLOATS
#define KINDS_CA_RULE_BITWISE KINDS_INTS
#define KINDS_CA_RULE_SHIFT KINDS_INTS
#define KINDS_CA_RULE_INTEGER KINDS_INTS
#define KINDS_CA_RULE_DOUBLE KINDS_DOUBLES
#define KINDS_CA_RULE_LDEXP KINDS_FLOATS
#define KINDS_CA_RULE_FREXP KINDS_FLOATS

/* The result type of formula fn on kind k (predicates return ca_i from float inputs), and the
 * compute type it is. */
#define R1(fn, k) __typeof__(fn((ca_k_##k){0}))
#define R2(fn, k) __typeof__(fn((ca_k_##k){0}, (ca_k_##k){0}))
#define RESULT_CT(R)                                                                           \
  _Generic((R){0}, ca_i: CA_CPU_I, ca_u: CA_CPU_U, float: CA_CPU_F, double: CA_CPU_D,          \
           ca_c8: CA_CPU_C, ca_c16: CA_CPU_Z)

/* A kernel: n results into r (contiguous, of the kernel's result type) from inputs in[j] of
 * stride s[j], 1 or 0 (one broadcast value). */
typedef void (*kern_fn)(int64_t n, void *r, const void *const *in, const int64_t *s);
#define KERN int64_t n, void *r, const void *const *in, const int64_t *s
typedef struct kern {
  kern_fn fn;
  int rct; /* compute type of the result */
} kern;

/* ---- the loops --------------------------------------------------------------------------- */

/* Element functions: r[i] = formula(x[ix]) or formula(x[ix], y[iy]), each at its own type. */
typedef void (*el1_fn)(void *r, int64_t i, const void *x, int64_t ix);
typedef void (*el2_fn)(void *r, int64_t i, const void *x, int64_t ix, const void *y, int64_t iy);
#define EL1 void *r, int64_t i, const void *x, int64_t ix
#define EL2 void *r, int64_t i, const void *x, int64_t ix, const void *y, int64_t iy

/* Room for one value of any compute or storage type. A broadcast input is copied into one
 * first, so that the compiler sees it cannot change while r is written. */
typedef union cval { ca_i i; ca_u u; int32_t i32; float f; double d; ca_c8 c; ca_c16 z; } cval;

/* r[i] = f(x[i]), rsz bytes per result; a broadcast x is computed once. */
CA_CPU_INLINE void loop1(el1_fn f, size_t rsz, KERN) {
  if (s[0]) {
    CA_IVDEP for (int64_t i = 0; i < n; i++) f(r, i, in[0], i);
  } else {
    cval v;
    f(&v, 0, in[0], 0);
    for (int64_t i = 0; i < n; i++) memcpy((char *)r + i * (int64_t)rsz, &v, rsz);
  }
}

/* r[i] = f(x[i], y[i]), xsz bytes per input, rsz per result. */
CA_CPU_INLINE void loop2(el2_fn f, size_t xsz, size_t rsz, KERN) {
  const void *a = in[0], *b = in[1];
  if (s[0] && s[1]) {
    CA_IVDEP for (int64_t i = 0; i < n; i++) f(r, i, a, i, b, i);
  } else if (s[0]) {
    cval y;
    memcpy(&y, b, xsz);
    CA_IVDEP for (int64_t i = 0; i < n; i++) f(r, i, a, i, &y, 0);
  } else if (s[1]) {
    cval x;
    memcpy(&x, a, xsz);
    CA_IVDEP for (int64_t i = 0; i < n; i++) f(r, i, &x, 0, b, i);
  } else {
    cval v;
    f(&v, 0, a, 0, b, 0);
    for (int64_t i = 0; i < n; i++) memcpy((char *)r + i * (int64_t)rsz, &v, rsz);
  }
}

/* ---- one kernel per (op, compute type), from the formula in scalar.h ------------------------ */

#define AT(k, p, j) (((const ca_k_##k *)(p))[j])
#define E1(fn, k) static void e_##fn(EL1) { ((R1(fn, k) *)r)[i] = fn(AT(k, x, ix)); }
#define E2(fn, k) static void e_##fn(EL2) { ((R2(fn, k) *)r)[i] = fn(AT(k, x, ix), AT(k, y, iy)); }
#define K1(fn, k) static void k_##fn(KERN) { loop1(e_##fn, sizeof(R1(fn, k)), n, r, in, s); }
#define K2(fn, k) static void k_##fn(KERN) { loop2(e_##fn, sizeof(ca_k_##k), sizeof(R2(fn, k)), n, r, in, s); }
#define DEF_UNARY(name, k) E1(ca_##name##_##k, k) K1(ca_##name##_##k, k)
#define DEF_BINARY(name, k) E2(ca_##name##_##k, k) K2(ca_##name##_##k, k)

/* Two results (CA_UNARY2, CA_BINARY2): r is the pair of result arrays, both of the formula's
 * result type; a broadcast input is read at index 0. */
typedef void (*el1p_fn)(void *const *r, int64_t i, const void *x, int64_t ix);
typedef void (*el2p_fn)(void *const *r, int64_t i, const void *x, int64_t ix, const void *y, int64_t iy);
#define EL1P void *const *r, int64_t i, const void *x, int64_t ix
#define EL2P void *const *r, int64_t i, const void *x, int64_t ix, const void *y, int64_t iy
CA_CPU_INLINE void loop1p(el1p_fn f, KERN) {
  void *const *rr = (void *const *)r;
  CA_IVDEP for (int64_t i = 0; i < n; i++) f(rr, i, in[0], i * s[0]);
}
CA_CPU_INLINE void loop2p(el2p_fn f, KERN) {
  void *const *rr = (void *const *)r;
  CA_IVDEP for (int64_t i = 0; i < n; i++) f(rr, i, in[0], i * s[0], in[1], i * s[1]);
}
#define RP1(fn, k) __typeof__(fn((ca_k_##k)0, NULL))
#define RP2(fn, k) __typeof__(fn((ca_k_##k)0, (ca_k_##k)0, NULL))
#define E1P(fn, k) static void e_##fn(EL1P) { \
    RP1(fn, k) t; ((RP1(fn, k) *)r[0])[i] = fn(AT(k, x, ix), &t); ((RP1(fn, k) *)r[1])[i] = t; }
#define E2P(fn, k) static void e_##fn(EL2P) { \
    RP2(fn, k) t; ((RP2(fn, k) *)r[0])[i] = fn(AT(k, x, ix), AT(k, y, iy), &t); ((RP2(fn, k) *)r[1])[i] = t; }
#define K1P(fn, k) static void k_##fn(KERN) { loop1p(e_##fn, n, r, in, s); }
#define K2P(fn, k) static void k_##fn(KERN) { loop2p(e_##fn, n, r, in, s); }
#define DEF_UNARY2(name, k) E1P(ca_##name##_##k, k) K1P(ca_##name##_##k, k)
#define DEF_BINARY2(name, k) E2P(ca_##name##_##k, k) K2P(ca_##name##_##k, k)

#define CA_UNARY(name, rule) KINDS_##rule(DEF_UNARY, name)
#define CA_BINARY(name, rule) KINDS_##rule(DEF_BINARY, name)
#define CA_UNARY2(name, rule) KINDS_##rule(DEF_UNARY2, name)
#define CA_BINARY2(name, rule) KINDS_##rule(DEF_BINARY2, name)
#include "ops.def"

#define UNARY_CELL(name, k) [CA_CK_##k] = {k_ca_##name##_##k, RESULT_CT(R1(ca_##name##_##k, k))},
#define BINARY_CELL(name, k) [CA_CK_##k] = {k_ca_##name##_##k, RESULT_CT(R2(ca_##name##_##k, k))},
#define UNARY2_CELL(name, k) [CA_CK_##k] = {k_ca_##name##_##k, RESULT_CT(RP1(ca_##name##_##k, k))},
#define BINARY2_CELL(name, k) [CA_CK_##k] = {k_ca_##name##_##k, RESULT_CT(RP2(ca_##name##_##k, k))},

static const kern unary_tab[CA_NOPS][CA_NCK] = {
#define CA_UNARY(name, rule) [CA_OP_##name] = {KINDS_##rule(UNARY_CELL, name)},
#define CA_UNARY2(name, rule) [CA_OP_##name] = {KINDS_##rule(UNARY2_CELL, name)},
#include "ops.def"
};

static const kern binary_tab[CA_NOPS][CA_NCK] = {
#define CA_BINARY(name, rule) [CA_OP_##name] = {KINDS_##rule(BINARY_CELL, name)},
#define CA_BINARY2(name, rule) [CA_OP_##name] = {KINDS_##rule(BINARY2_CELL, name)},
#include "ops.def"
};

/* float16 formulas (scalar.h's CA_HALF_FORMULAS): computed on floats like kind f, used instead
 * of the f formula when the loop computes in float16. */
typedef float ca_k_h;
#define DEF_HALF(name, nin) DEF_HALF_##nin(name)
#define DEF_HALF_1(name) DEF_UNARY(name, h)
#define DEF_HALF_2(name) DEF_BINARY(name, h)
CA_HALF_FORMULAS(DEF_HALF)
#define HALF_CELL(name, nin) [CA_OP_##name] = {k_ca_##name##_h, CA_CPU_F},
static const kern half_tab[CA_NOPS] = {CA_HALF_FORMULAS(HALF_CELL)};

/* bfloat16 formulas (CA_BF16_FORMULAS), the same way. */
typedef float ca_k_b;
#define DEF_BF16(name, nin) DEF_HALF_##nin##B(name)
#define DEF_HALF_1B(name) DEF_UNARY(name, b)
#define DEF_HALF_2B(name) DEF_BINARY(name, b)
CA_BF16_FORMULAS(DEF_BF16)
#define BF16_CELL(name, nin) [CA_OP_##name] = {k_ca_##name##_b, CA_CPU_F},
static const kern bf16_tab[CA_NOPS] = {CA_BF16_FORMULAS(BF16_CELL)};

/* The kernel of an op in compute kind ct, or the narrow float's own formula where it has one. */
static kern pick(const kern *tab, int op, int compute, int ct) {
  if (compute == CA_FLOAT16 && half_tab[op].fn) return half_tab[op];
  if (compute == CA_BFLOAT16 && bf16_tab[op].fn) return bf16_tab[op];
  return tab[ct];
}

/* int32 fast path: when every operand is int32 (output int32, or bool for predicates), the
 * kernel reads and writes the storage directly; it computes exactly as the buffered path
 * does (load to int64, formula, store), only without the buffers. */
#define TYPED32_ARITH(X, name) X(name, int32, INT32)
#define TYPED32_PRED(X, name) X(name, bool, BOOL)
#define TYPED32_NONE(X, name)
#define TYPED32_CA_RULE_SAME TYPED32_ARITH
#define TYPED32_CA_RULE_NUMERIC TYPED32_ARITH
#define TYPED32_CA_RULE_INTPROMOTE TYPED32_ARITH
#define TYPED32_CA_RULE_BITWISE TYPED32_ARITH
#define TYPED32_CA_RULE_SHIFT TYPED32_ARITH
#define TYPED32_CA_RULE_INTEGER TYPED32_ARITH
#define TYPED32_CA_RULE_DOUBLE TYPED32_NONE
#define TYPED32_CA_RULE_LDEXP TYPED32_NONE
#define TYPED32_CA_RULE_PREDICATE TYPED32_PRED
#define TYPED32_CA_RULE_FLOAT TYPED32_NONE
#define TYPED32_CA_RULE_TRUEDIV TYPED32_NONE

/* The int32 element at index j of p, and v stored as an element of out at index i of r. */
#define AT32(p, j) ca_load_i_int32(((const int32_t *)(p))[j])
#define PUT(out, v) (((__typeof__(ca_store_i_##out(0)) *)r)[i] = ca_store_i_##out(v))
#define E32_1(name, out) static void e32_##name(EL1) { PUT(out, ca_##name##_i(AT32(x, ix))); }
#define E32_2(name, out) static void e32_##name(EL2) { PUT(out, ca_##name##_i(AT32(x, ix), AT32(y, iy))); }
#define SZ(out) sizeof(ca_store_i_##out(0))
#define K32_1(name, out) static void k32_##name(KERN) { loop1(e32_##name, SZ(out), n, r, in, s); }
#define K32_2(name, out) static void k32_##name(KERN) { loop2(e32_##name, 4, SZ(out), n, r, in, s); }
#define DEF_UNARY32(name, out, OUT) E32_1(name, out) K32_1(name, out)
#define DEF_BINARY32(name, out, OUT) E32_2(name, out) K32_2(name, out)

#define CA_UNARY(name, rule) TYPED32_##rule(DEF_UNARY32, name)
#define CA_BINARY(name, rule) TYPED32_##rule(DEF_BINARY32, name)
#include "ops.def"

typedef struct typed_kern {
  kern_fn fn;
  int out_dt; /* inputs are int32 */
} typed_kern;

#define TYPED32_CELL(name, out, OUT) [CA_OP_##name] = {k32_##name, CA_##OUT},
static const typed_kern unary32_tab[CA_NOPS] = {
#define CA_UNARY(name, rule) TYPED32_##rule(TYPED32_CELL, name)
#include "ops.def"
};
static const typed_kern binary32_tab[CA_NOPS] = {
#define CA_BINARY(name, rule) TYPED32_##rule(TYPED32_CELL, name)
#include "ops.def"
};

/* where: r = c ? x : y, c read as truth bytes; x and y of the compute type, moved as their bits
 * (so one kernel per size). */
typedef void (*sel_fn)(void *r, int64_t i, const uint8_t *c, int64_t ic, const void *x, int64_t ix,
                       const void *y, int64_t iy);

CA_CPU_INLINE void where_loop(sel_fn f, KERN) {
  const uint8_t *c = (const uint8_t *)in[0];
  if (s[0] && s[1] && s[2]) {
    CA_IVDEP for (int64_t i = 0; i < n; i++) f(r, i, c, i, in[1], i, in[2], i);
  } else {
    for (int64_t i = 0; i < n; i++) f(r, i, c, i * s[0], in[1], i * s[1], in[2], i * s[2]);
  }
}

static void sel4(void *r, int64_t i, const uint8_t *c, int64_t ic, const void *x, int64_t ix,
                 const void *y, int64_t iy) {
  ((uint32_t *)r)[i] = c[ic] ? ((const uint32_t *)x)[ix] : ((const uint32_t *)y)[iy];
}
static void sel8(void *r, int64_t i, const uint8_t *c, int64_t ic, const void *x, int64_t ix,
                 const void *y, int64_t iy) {
  ((uint64_t *)r)[i] = c[ic] ? ((const uint64_t *)x)[ix] : ((const uint64_t *)y)[iy];
}
static void sel16(void *r, int64_t i, const uint8_t *c, int64_t ic, const void *x, int64_t ix,
                  const void *y, int64_t iy) {
  ((ca_c16 *)r)[i] = c[ic] ? ((const ca_c16 *)x)[ix] : ((const ca_c16 *)y)[iy];
}
static void where4(KERN) { where_loop(sel4, n, r, in, s); }
static void where8(KERN) { where_loop(sel8, n, r, in, s); }
static void where16(KERN) { where_loop(sel16, n, r, in, s); }
static const kern where_tab[CA_NCK] = {
  [CA_CPU_I] = {where8, CA_CPU_I}, [CA_CPU_U] = {where8, CA_CPU_U}, [CA_CPU_F] = {where4, CA_CPU_F},
  [CA_CPU_D] = {where8, CA_CPU_D}, [CA_CPU_C] = {where8, CA_CPU_C}, [CA_CPU_Z] = {where16, CA_CPU_Z}};

#define TRUTH (-1) /* an input read as truth bytes rather than in a compute type */

typedef struct job {
  ca_loop l;
  int nout, nin, nd;            /* operands: nout results, then nin inputs */
  const int *in_ct;
  kern k;
  typed_kern t;
  int typed, all_direct;
  int64_t n;                    /* the inner dim */
  const char *base[CA_MAXOPS];
  int64_t s[CA_MAXOPS], isz[CA_MAXOPS];
  int direct[CA_MAXOPS];
  const int64_t *strides[CA_MAXOPS];
  ca_elem tmp[CA_MAXOPS];       /* scalar operands, stored in their dtype */
} job;

/* Elements [lo, hi) of the loop in C order: rows of the inner dim, the first and the last
 * possibly partial. */
static void run_range(void *ctx, int64_t lo, int64_t hi) {
  const job *jb = (const job *)ctx;
  const ca_loop *lp = &jb->l;
  int nout = jb->nout, nop = jb->nout + jb->nin, nd = jb->nd;
  int64_t n = jb->n;
  const int64_t *s = jb->s, *isz = jb->isz;
  int64_t idx[CA_MAXDIMS] = {0}, off[CA_MAXOPS] = {0};
  int64_t row = lo / n, col = lo % n;
  for (int d = nd - 1; d >= 0; d--) { /* the counter and offsets of the first row */
    idx[d] = row % lp->shape[d];
    row /= lp->shape[d];
    for (int j = 0; j < nop; j++) off[j] += idx[d] * jb->strides[j][d];
  }
  int64_t left = hi - lo;
  int64_t chunk = jb->typed || jb->all_direct ? n : CA_CPU_BUFN;
  ca_elem bufs[CA_MAXOPS][CA_CPU_BUFN];
  for (;;) {
    int64_t end = n - col < left ? n : col + left;
    left -= end - col;
    for (int64_t i0 = col; i0 < end; i0 += chunk) {
      int64_t cn = end - i0 < chunk ? end - i0 : chunk;
      const void *in[CA_MAXOPS];
      int64_t ks[CA_MAXOPS];
      for (int j = nout; j < nop; j++) {
        const char *p = jb->base[j] + (off[j] + i0 * s[j]) * isz[j];
        int dt = lp->op[j].dtype;
        int64_t m = s[j] == 0 ? 1 : cn;
        ks[j - nout] = s[j] == 0 ? 0 : 1;
        if (jb->typed || jb->direct[j]) {
          in[j - nout] = p;
        } else if (jb->in_ct[j - nout] == TRUTH) {
          ca_cpu_load_truth((uint8_t *)bufs[j], dt, p, s[j], m);
          in[j - nout] = bufs[j];
        } else {
          ca_cpu_load(jb->in_ct[j - nout], bufs[j], dt, p, s[j], m);
          in[j - nout] = bufs[j];
        }
      }
      char *po[2];
      for (int j = 0; j < nout; j++) po[j] = (char *)jb->base[j] + (off[j] + i0 * s[j]) * isz[j];
      if (jb->typed) {
        jb->t.fn(cn, po[0], in, ks);
      } else if (nout == 1) {
        jb->k.fn(cn, jb->direct[0] ? po[0] : (void *)bufs[0], in, ks);
        if (!jb->direct[0]) ca_cpu_store(jb->k.rct, bufs[0], lp->op[0].dtype, po[0], s[0], cn);
      } else { /* two results: the kernel takes the pair of result arrays */
        void *rs[2];
        for (int j = 0; j < 2; j++) rs[j] = jb->direct[j] ? (void *)po[j] : (void *)bufs[j];
        jb->k.fn(cn, rs, in, ks);
        for (int j = 0; j < 2; j++)
          if (!jb->direct[j]) ca_cpu_store(jb->k.rct, bufs[j], lp->op[j].dtype, po[j], s[j], cn);
      }
    }
    if (left <= 0 || !ca_cpu_next(nd, lp->shape, idx, nop, jb->strides, off)) break;
    col = 0;
  }
}

/* (op[0][, op[1]]) = k(inputs), nout results then nin inputs, input j read in compute type
 * in_ct[j] (or TRUTH). t, when it has a kernel, is used instead where every input is int32
 * and the one output t.out_dt. Large loops are split over the threads by element ranges
 * (each element is computed alone, so the split changes nothing). */
static ca_status run(const ca_loop *l0, int nout, int nin, const int *in_ct, kern k, typed_kern t) {
  int nop = nout + nin;
  if (l0->nop < nop || l0->ndim < 0 || l0->ndim > CA_MAXDIMS) return CA_ERR_VALUE;
  for (int j = 0; j < nop; j++)
    if (l0->op[j].dtype < 0 || l0->op[j].dtype >= CA_NDTYPES) return CA_ERR_VALUE;
  job jb;
  ca_cpu_loop_view(l0, &jb.l);
  const ca_loop *lp = &jb.l;
  if (lp->size == 0) return CA_OK;

  int nd = lp->ndim - 1;
  jb.nout = nout;
  jb.nin = nin;
  jb.nd = nd;
  jb.in_ct = in_ct;
  jb.k = k;
  jb.t = t;
  jb.n = lp->shape[nd];
  jb.all_direct = 1;
  for (int j = 0; j < nop; j++) {
    const ca_operand *o = &lp->op[j];
    jb.base[j] = j < nout ? o->data : ca_cpu_operand_data(o, &jb.tmp[j]);
    jb.s[j] = o->strides[nd];
    jb.isz[j] = (int64_t)ca_itemsize(o->dtype);
    jb.strides[j] = o->strides;
    if (j < nout) {
      jb.direct[j] = jb.s[j] == 1 && o->dtype == ca_cpu_ct_dtype(k.rct);
      if (!jb.base[j]) return CA_ERR_VALUE;
    } else if (in_ct[j - nout] == TRUTH) {
      jb.direct[j] = (jb.s[j] == 0 || jb.s[j] == 1) && o->dtype == CA_BOOL;
    } else {
      jb.direct[j] = (jb.s[j] == 0 || jb.s[j] == 1) && o->dtype == ca_cpu_ct_dtype(in_ct[j - nout]);
    }
    jb.all_direct &= jb.direct[j];
  }

  jb.typed = nout == 1 && t.fn && lp->op[0].dtype == t.out_dt && jb.s[0] == 1;
  for (int j = nout; j < nop; j++)
    jb.typed &= lp->op[j].dtype == CA_INT32 && (jb.s[j] == 0 || jb.s[j] == 1);
  /* scalar operands point into jb.tmp: fix them up now that jb is in place */
  for (int j = nout; j < nop; j++)
    if (!lp->op[j].data) jb.base[j] = (const char *)&jb.tmp[j];
  ca_cpu_parallel(lp->size, CA_CPU_GRAIN, run_range, &jb);
  return CA_OK;
}

static int compute_ct(const ca_loop *l) {
  return l->compute >= 0 && l->compute < CA_NDTYPES ? ca_cpu_ct(l->compute) : -1;
}

ca_status ca_cpu_unary(ca_backend *be, int op, const ca_loop *l) {
  (void)be;
  int ct = compute_ct(l);
  if (op < 0 || op >= CA_NOPS || ct < 0) return CA_ERR_UNSUPPORTED;
  int cls = ca_op_classes[op];
  if (cls != CA_UNARY_OP && cls != CA_UNARY2_OP) return CA_ERR_UNSUPPORTED;
  kern k = pick(unary_tab[op], op, l->compute, ct);
  if (!k.fn) return CA_ERR_UNSUPPORTED;
  int in_ct[1] = {ct};
  typed_kern t = l->compute == CA_INT32 ? unary32_tab[op] : (typed_kern){NULL, 0};
  return run(l, cls == CA_UNARY2_OP ? 2 : 1, 1, in_ct, k, t);
}

ca_status ca_cpu_binary(ca_backend *be, int op, const ca_loop *l) {
  (void)be;
  int ct = compute_ct(l);
  if (op < 0 || op >= CA_NOPS || ct < 0) return CA_ERR_UNSUPPORTED;
  int cls = ca_op_classes[op];
  if (cls != CA_BINARY_OP && cls != CA_BINARY2_OP) return CA_ERR_UNSUPPORTED;
  kern k = pick(binary_tab[op], op, l->compute, ct);
  if (!k.fn) return CA_ERR_UNSUPPORTED;
  int in_ct[2] = {ct, ct};
  typed_kern t = l->compute == CA_INT32 ? binary32_tab[op] : (typed_kern){NULL, 0};
  return run(l, cls == CA_BINARY2_OP ? 2 : 1, 2, in_ct, k, t);
}

ca_status ca_cpu_where(ca_backend *be, const ca_loop *l) {
  (void)be;
  int ct = compute_ct(l);
  if (ct < 0) return CA_ERR_UNSUPPORTED;
  int in_ct[3] = {TRUTH, ct, ct};
  typed_kern none = {NULL, 0};
  return run(l, 1, 3, in_ct, where_tab[ct], none);
}
