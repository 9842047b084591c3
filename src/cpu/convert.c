/* Bulk dtype conversions, loop coalescing, and the copy entry (astype, fills, strided copies).
 * Every loop is generated from the per-dtype macros of cpu_internal.h; each has a unit-stride
 * branch the compiler can vectorise. */
#include "cpu_internal.h"

#if defined(__GNUC__) && !defined(__clang__)
#define CA_IVDEP _Pragma("GCC ivdep")
#else
#define CA_IVDEP
#endif

/* ---- load: dtype -> compute type --------------------------------------------------------- */

#define LOAD_FN(K, NAME, T, OWN)                                                                \
  static void load_##K##_##NAME(void *bufv, const char *src, int64_t ss, int64_t n) {           \
    CA_CPU_T_##K *buf = (CA_CPU_T_##K *)bufv;                                                   \
    const T *s = (const T *)src;                                                                \
    if (ss == 1) {                                                                              \
      CA_IVDEP for (int64_t i = 0; i < n; i++) buf[i] = CA_CPU_L_##K##_##NAME(s[i]);            \
    } else {                                                                                    \
      for (int64_t i = 0; i < n; i++) buf[i] = CA_CPU_L_##K##_##NAME(s[i * ss]);                \
    }                                                                                           \
  }
CA_CPU_DTYPES(LOAD_FN, I, )
CA_CPU_DTYPES(LOAD_FN, F, )
CA_CPU_DTYPES(LOAD_FN, D, )

typedef void (*load_fn)(void *buf, const char *src, int64_t ss, int64_t n);
#define LOAD_CELL(K, NAME, T, OWN) [CA_##NAME] = load_##K##_##NAME,
static const load_fn load_tab[3][CA_NDTYPES] = {
  [CA_CPU_I] = { CA_CPU_DTYPES(LOAD_CELL, I, ) },
  [CA_CPU_F] = { CA_CPU_DTYPES(LOAD_CELL, F, ) },
  [CA_CPU_D] = { CA_CPU_DTYPES(LOAD_CELL, D, ) },
};

void ca_cpu_load(int ct, void *buf, int dt, const char *src, int64_t ss, int64_t n) {
  load_tab[ct][dt](buf, src, ss, n);
}

/* ---- store: compute type -> dtype --------------------------------------------------------- */

#define STORE_FN(K, NAME, T, OWN)                                                               \
  static void store_##K##_##NAME(const void *bufv, char *dst, int64_t ds, int64_t n) {          \
    const CA_CPU_T_##K *buf = (const CA_CPU_T_##K *)bufv;                                       \
    T *d = (T *)dst;                                                                            \
    if (ds == 1) {                                                                              \
      CA_IVDEP for (int64_t i = 0; i < n; i++) d[i] = CA_CPU_S_##K##_##NAME(buf[i]);            \
    } else {                                                                                    \
      for (int64_t i = 0; i < n; i++) d[i * ds] = CA_CPU_S_##K##_##NAME(buf[i]);                \
    }                                                                                           \
  }
CA_CPU_DTYPES(STORE_FN, I, )
CA_CPU_DTYPES(STORE_FN, F, )
CA_CPU_DTYPES(STORE_FN, D, )

typedef void (*store_fn)(const void *buf, char *dst, int64_t ds, int64_t n);
#define STORE_CELL(K, NAME, T, OWN) [CA_##NAME] = store_##K##_##NAME,
static const store_fn store_tab[3][CA_NDTYPES] = {
  [CA_CPU_I] = { CA_CPU_DTYPES(STORE_CELL, I, ) },
  [CA_CPU_F] = { CA_CPU_DTYPES(STORE_CELL, F, ) },
  [CA_CPU_D] = { CA_CPU_DTYPES(STORE_CELL, D, ) },
};

void ca_cpu_store(int ct, const void *buf, int dt, char *dst, int64_t ds, int64_t n) {
  store_tab[ct][dt](buf, dst, ds, n);
}

/* ---- truth -------------------------------------------------------------------------------- */

#define TRUTH_FN(NAME, T, OWN)                                                                  \
  static void truth_##NAME(uint8_t *buf, const char *src, int64_t ss, int64_t n) {              \
    const T *s = (const T *)src;                                                                \
    for (int64_t i = 0; i < n; i++) buf[i] = (uint8_t)CA_CPU_TRUTH_##NAME(s[i * ss]);           \
  }
CA_CPU_DTYPES(TRUTH_FN, )

typedef void (*truth_fn)(uint8_t *buf, const char *src, int64_t ss, int64_t n);
#define TRUTH_CELL(NAME, T, OWN) [CA_##NAME] = truth_##NAME,
static const truth_fn truth_tab[CA_NDTYPES] = { CA_CPU_DTYPES(TRUTH_CELL, ) };

void ca_cpu_load_truth(uint8_t *buf, int dt, const char *src, int64_t ss, int64_t n) {
  truth_tab[dt](buf, src, ss, n);
}

/* ---- dtype -> dtype: the value is read in the source's own compute type ------------------- */

#define CONV_FN(SN, ST, SK, DN, DT, DK)                                                         \
  static void conv_##SN##_##DN(char *dst, int64_t ds, const char *src, int64_t ss, int64_t n) { \
    DT *d = (DT *)dst;                                                                          \
    const ST *s = (const ST *)src;                                                              \
    if (ds == 1 && ss == 1) {                                                                   \
      CA_IVDEP for (int64_t i = 0; i < n; i++) d[i] = CA_CPU_S_##SK##_##DN(CA_CPU_L_##SK##_##SN(s[i])); \
    } else if (ds == 1 && ss == 0) {                                                            \
      DT v = CA_CPU_S_##SK##_##DN(CA_CPU_L_##SK##_##SN(s[0]));                                  \
      for (int64_t i = 0; i < n; i++) d[i] = v;                                                 \
    } else {                                                                                    \
      for (int64_t i = 0; i < n; i++)                                                           \
        d[i * ds] = CA_CPU_S_##SK##_##DN(CA_CPU_L_##SK##_##SN(s[i * ss]));                      \
    }                                                                                           \
  }
#define CONV_ROW(SN, ST, SK) CA_CPU_DTYPES2(CONV_FN, SN, ST, SK, )
CA_CPU_DTYPES(CONV_ROW, )

typedef void (*conv_fn)(char *dst, int64_t ds, const char *src, int64_t ss, int64_t n);
#define CONV_CELL(SN, ST, SK, DN, DT, DK) [CA_##DN] = conv_##SN##_##DN,
#define CONV_TAB_ROW(SN, ST, SK) [CA_##SN] = { CA_CPU_DTYPES2(CONV_CELL, SN, ST, SK, ) },
static const conv_fn conv_tab[CA_NDTYPES][CA_NDTYPES] = { CA_CPU_DTYPES(CONV_TAB_ROW, ) };

void ca_cpu_convert(int ddt, char *dst, int64_t ds, int sdt, const char *src, int64_t ss,
                    int64_t n) {
  conv_tab[sdt][ddt](dst, ds, src, ss, n);
}

/* ---- iteration ---------------------------------------------------------------------------- */

void ca_cpu_coalesce(const ca_loop *l, ca_loop *out) {
  ca_loop in = *l;
  for (int j = 0; j < in.nop; j++)
    if (!in.op[j].data) memset(in.op[j].strides, 0, sizeof in.op[j].strides);
  *out = in;
  int nd = 0;
  for (int d = 0; d < in.ndim; d++) {
    if (in.shape[d] == 1) continue;
    if (in.shape[d] == 0) { /* nothing to do: one empty dim says so */
      out->ndim = 1;
      out->shape[0] = 0;
      out->size = 0;
      return;
    }
    if (nd > 0) {
      int merge = 1;
      for (int j = 0; j < in.nop; j++)
        if (out->op[j].strides[nd - 1] != in.op[j].strides[d] * in.shape[d]) merge = 0;
      if (merge) {
        out->shape[nd - 1] *= in.shape[d];
        for (int j = 0; j < in.nop; j++) out->op[j].strides[nd - 1] = in.op[j].strides[d];
        continue;
      }
    }
    out->shape[nd] = in.shape[d];
    for (int j = 0; j < in.nop; j++) out->op[j].strides[nd] = in.op[j].strides[d];
    nd++;
  }
  if (nd == 0) { /* a single element */
    out->shape[0] = 1;
    for (int j = 0; j < in.nop; j++) out->op[j].strides[0] = 0;
    nd = 1;
  }
  out->ndim = nd;
  out->size = 1;
  for (int d = 0; d < nd; d++) out->size *= out->shape[d];
}

/* ---- copy --------------------------------------------------------------------------------- */

ca_status ca_cpu_copy(ca_backend *be, const ca_loop *l0) {
  (void)be;
  if (l0->nop < 2) return CA_ERR_VALUE;
  ca_loop l;
  ca_cpu_coalesce(l0, &l);
  if (l.size == 0) return CA_OK;
  double tmp;
  const ca_operand *o = &l.op[0], *a = &l.op[1];
  const char *src = ca_cpu_operand_data(a, &tmp);
  int nd = l.ndim - 1; /* coalesced: a scalar operand has zero strides */
  int64_t n = l.shape[nd], ds = o->strides[nd], ss = a->strides[nd];
  size_t dsz = ca_itemsize(o->dtype), ssz = ca_itemsize(a->dtype);
  int same = o->dtype == a->dtype && ds == 1 && ss == 1;
  conv_fn fn = conv_tab[a->dtype][o->dtype];
  int64_t idx[CA_MAXDIMS] = {0}, off[2] = {0, 0};
  const int64_t *strides[2] = {o->strides, a->strides};
  do {
    char *d = o->data + off[0] * (int64_t)dsz;
    const char *s = src + off[1] * (int64_t)ssz;
    if (same) memmove(d, s, (size_t)n * dsz);
    else fn(d, ds, s, ss, n);
  } while (ca_cpu_next(nd, l.shape, idx, 2, strides, off));
  return CA_OK;
}
