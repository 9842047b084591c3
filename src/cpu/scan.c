/* Inclusive scans (cumsum, cumprod) along the last dim of a ca_reduction: the running fold of
 * the sum or prod row of reduce_ops.h, in the output's compute type. */
#include "cpu_internal.h"
#include "reduce_ops.h"

#if defined(__GNUC__)
#define SCAN_INLINE static inline __attribute__((always_inline))
#else
#define SCAN_INLINE static inline
#endif

/* The fold a scan runs, at every compute type (cumsum: sum's, cumprod: prod's). */
typedef struct scan_fold {
  ca_i (*id_i)(void);
  ca_i (*comb_i)(ca_i, ca_i);
  float (*id_f)(void);
  float (*comb_f)(float, float);
  double (*id_d)(void);
  double (*comb_d)(double, double);
} scan_fold;

#define F(formula, t) ca_##formula##_##t
#define SCAN_FOLD(id, skip, comb, fin) {F(id, i), F(comb, i), F(id, f), F(comb, f), F(id, d), F(comb, d)}
#define APPLY(macro, ...) macro(__VA_ARGS__)
static const scan_fold scan_sum = APPLY(SCAN_FOLD, CA_FOLD_sum);
static const scan_fold scan_prod = APPLY(SCAN_FOLD, CA_FOLD_prod);

/* y[k] = the running fold of x[0..k], continuing from *acc. A float16 or bfloat16 output (odt)
 * rounds the running value to its dtype at each step, as NumPy's accumulate reads back what it
 * stored. */
SCAN_INLINE void scan_chunk(const scan_fold *f, int ct, int odt, const void *xv, void *yv,
                            void *accv, int64_t n) {
  if (ct == CA_CPU_I || ct == CA_CPU_U) { /* uint64 sums and products are int64's bits */
    const ca_i *x = (const ca_i *)xv;
    ca_i *y = (ca_i *)yv, s = *(ca_i *)accv;
    for (int64_t k = 0; k < n; k++) y[k] = s = f->comb_i(s, x[k]);
    *(ca_i *)accv = s;
  } else if (ct == CA_CPU_F) {
    const float *x = (const float *)xv;
    float *y = (float *)yv, s = *(float *)accv;
    if (odt == CA_FLOAT16 || odt == CA_BFLOAT16)
      for (int64_t k = 0; k < n; k++) y[k] = s = ca_narrow_f(odt, f->comb_f(s, x[k]));
    else
      for (int64_t k = 0; k < n; k++) y[k] = s = f->comb_f(s, x[k]);
    *(float *)accv = s;
  } else {
    const double *x = (const double *)xv;
    double *y = (double *)yv, s = *(double *)accv;
    for (int64_t k = 0; k < n; k++) y[k] = s = f->comb_d(s, x[k]);
    *(double *)accv = s;
  }
}

SCAN_INLINE void scan_rows(const scan_fold *f, const ca_reduction *r) {
  int nout = r->nout;
  int idt = r->in.dtype, odt = r->out.dtype, ct = ca_cpu_ct(odt);
  int64_t isz = (int64_t)ca_itemsize(idt), osz = (int64_t)ca_itemsize(odt);
  int64_t len = r->shape[nout], is = r->in.strides[nout], os = r->out.strides[nout];
  int64_t idx[CA_MAXDIMS] = {0}, off[2] = {0, 0};
  const int64_t *strides[2] = {r->in.strides, r->out.strides};
  double xbuf[CA_CPU_BUFN], ybuf[CA_CPU_BUFN];
  do {
    const char *p = r->in.data + off[0] * isz;
    char *q = r->out.data + off[1] * osz;
    union { ca_i i; float f; double d; } a;
    if (ct == CA_CPU_I || ct == CA_CPU_U) a.i = f->id_i();
    else if (ct == CA_CPU_F) a.f = f->id_f();
    else a.d = f->id_d();
    for (int64_t i0 = 0; i0 < len; i0 += CA_CPU_BUFN) {
      int64_t m = len - i0 < CA_CPU_BUFN ? len - i0 : CA_CPU_BUFN;
      const void *x = ca_cpu_fetch(ct, xbuf, idt, p + i0 * is * isz, is, m);
      scan_chunk(f, ct, odt, x, ybuf, &a, m);
      ca_cpu_store(ct, ybuf, odt, q + i0 * os * osz, os, m);
    }
  } while (ca_cpu_next(nout, r->shape, idx, 2, strides, off));
}

static void scan_sum_rows(const ca_reduction *r) { scan_rows(&scan_sum, r); }
static void scan_prod_rows(const ca_reduction *r) { scan_rows(&scan_prod, r); }

static int valid_scan(const ca_reduction *r) {
  return r->nout >= 0 && r->nred == 1 && r->nout + 1 <= CA_MAXDIMS && r->in.data &&
         r->out.data && r->in.dtype >= 0 && r->in.dtype < CA_NDTYPES && r->out.dtype >= 0 &&
         r->out.dtype < CA_NDTYPES;
}

ca_status ca_cpu_scan(ca_backend *be, int op, const ca_reduction *r) {
  (void)be;
  if (!valid_scan(r)) return CA_ERR_VALUE;
  if (op != CA_OP_sum && op != CA_OP_prod) return CA_ERR_UNSUPPORTED;
  for (int d = 0; d <= r->nout; d++)
    if (r->shape[d] == 0) return CA_OK;
  if (op == CA_OP_sum) scan_sum_rows(r);
  else scan_prod_rows(r);
  return CA_OK;
}
