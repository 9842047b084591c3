/* Bulk dtype conversions and the copy entry (astype, fills, strided copies). One loop, map(),
 * moves n elements through an element function; the conversions of src/convert.h are
 * instantiated into it per (compute type, dtype) and per pair of dtypes, each with the
 * unit-stride and broadcast branches the compiler vectorises. */
#include "cpu_internal.h"

typedef ca_cpu_elem_fn elem_fn;
#define ELEM CA_CPU_ELEM

/* d[i * ds] = f(s[i * ss]) for n elements (strides in elements). */
CA_CPU_INLINE void map(elem_fn f, char *d, int64_t ds, const char *s, int64_t ss, int64_t n) {
  if (ds == 1 && ss == 1) {
    CA_IVDEP for (int64_t i = 0; i < n; i++) f(d, i, s, i);
  } else if (ds == 1 && ss == 0) {
    CA_IVDEP for (int64_t i = 0; i < n; i++) f(d, i, s, 0);
  } else {
    for (int64_t i = 0; i < n; i++) f(d, i * ds, s, i * ss);
  }
}

/* The bulk functions: n elements through one element function. */
typedef void (*bulk_fn)(char *d, int64_t ds, const char *s, int64_t ss, int64_t n);
#define BULK_ARGS char *d, int64_t ds, const char *s, int64_t ss, int64_t n
#define BULK(fn, elem) static void fn(BULK_ARGS) { map(elem, d, ds, s, ss, n); }

/* ---- load: dtype -> compute type, store: compute type -> dtype, truth --------------------- */

/* Element j of s read as a T; v written as element i of d, a T. */
#define AT(T, p, j) (((const T *)(p))[j])
#define PUT(T, v) (((T *)d)[i] = (v))
#define LOAD(k, N, n, ST, K, F) static void ld_##k##_##n(ELEM) { PUT(ca_k_##k, ca_load_##k##_##n(AT(ST, s, j))); }
#define STORE(k, N, n, ST, K, F) static void st_##k##_##n(ELEM) { PUT(ST, ca_store_##k##_##n(AT(ca_k_##k, s, j))); }
#define TRUTH(N, n, ST, K, F) static void tr_##n(ELEM) { PUT(uint8_t, (uint8_t)ca_truth_##n(AT(ST, s, j))); }
#define LOAD_BULK(k, N, n, ST, K, F) BULK(load_##k##_##n, ld_##k##_##n)
#define STORE_BULK(k, N, n, ST, K, F) BULK(store_##k##_##n, st_##k##_##n)
#define TRUTH_BULK(N, n, ST, K, F) BULK(truth_##n, tr_##n)
#define KIND_ELEMS(k, T, DT) CA_DTYPES(LOAD, k, ) CA_DTYPES(STORE, k, )
#define KIND_BULKS(k, T, DT) CA_DTYPES(LOAD_BULK, k, ) CA_DTYPES(STORE_BULK, k, )
CA_KINDS(KIND_ELEMS, )
CA_KINDS(KIND_BULKS, )
CA_DTYPES(TRUTH, )
CA_DTYPES(TRUTH_BULK, )

#define LOAD_CELL(k, N, n, ST, K, F) [CA_##N] = load_##k##_##n,
#define STORE_CELL(k, N, n, ST, K, F) [CA_##N] = store_##k##_##n,
#define LOAD_ROW(k, T, DT) [CA_CK_##k] = {CA_DTYPES(LOAD_CELL, k, )},
#define STORE_ROW(k, T, DT) [CA_CK_##k] = {CA_DTYPES(STORE_CELL, k, )},
#define TRUTH_CELL(N, n, ST, K, F) [CA_##N] = truth_##n,
static const bulk_fn load_tab[CA_NCK][CA_NDTYPES] = {CA_KINDS(LOAD_ROW, )};
static const bulk_fn store_tab[CA_NCK][CA_NDTYPES] = {CA_KINDS(STORE_ROW, )};
static const bulk_fn truth_tab[CA_NDTYPES] = {CA_DTYPES(TRUTH_CELL, )};

void ca_cpu_load(int ct, void *buf, int dt, const char *src, int64_t ss, int64_t n) {
  load_tab[ct][dt]((char *)buf, 1, src, ss, n);
}

void ca_cpu_store(int ct, const void *buf, int dt, char *dst, int64_t ds, int64_t n) {
  store_tab[ct][dt](dst, ds, (const char *)buf, 1, n);
}

void ca_cpu_load_truth(uint8_t *buf, int dt, const char *src, int64_t ss, int64_t n) {
  truth_tab[dt]((char *)buf, 1, src, ss, n);
}

/* ---- dtype -> dtype: the value read in the source's own compute type, then stored ----------
 * One function per pair, so that the compiler sees both types (int32 -> float32 is then one
 * vector conversion, not two steps through int64). CA_DTYPE_PAIRS(X) expands
 * X(source row, destination row) for every pair: the inner expansion of the list is deferred
 * (CA_DTYPES_ () is only expanded by the outer CA_EXPAND), since a macro cannot expand
 * itself. */
#define CA_EMPTY()
#define CA_DEFER(m) m CA_EMPTY()
#define CA_EXPAND(...) __VA_ARGS__
#define CA_DTYPES_() CA_DTYPES
#define CA_PAIR_ROW(X, N, n, ST, K, F) CA_DEFER(CA_DTYPES_)()(X, N, n, ST, K, F, )
#define CA_DTYPE_PAIRS(X) CA_EXPAND(CA_DTYPES(CA_PAIR_ROW, X, ))

#define CONV(SN, sn, ST, SK, SF, DN, dn, DT, DK, DF) CONV_(cv_##sn##_##dn, ST, ca_load_##SK##_##sn, DT, ca_store_##SK##_##dn)
#define CONV_(fn, SST, load, DST, store) static void fn(ELEM) { PUT(DST, store(load(AT(SST, s, j)))); }
#define CONV_BULK(SN, sn, SST, SK, SF, DN, dn, DST, DK, DF) BULK(conv_##sn##_##dn, cv_##sn##_##dn)
#define CONV_CELL(SN, sn, SST, SK, SF, DN, dn, DST, DK, DF) [CA_##SN][CA_##DN] = conv_##sn##_##dn,
CA_DTYPE_PAIRS(CONV)
CA_DTYPE_PAIRS(CONV_BULK)
static const bulk_fn conv_tab[CA_NDTYPES][CA_NDTYPES] = {CA_DTYPE_PAIRS(CONV_CELL)};

/* n copies of the element at v (sz bytes) into dst[i * ds]; v is copied into a local first, so
 * that the compiler sees the stores cannot change it. */
static void fill_raw(size_t sz, char *dst, int64_t ds, const void *v, int64_t n) {
  uint8_t x1;
  uint16_t x2;
  uint32_t x4;
  uint64_t x8;
  ca_c16 x16;
  switch (sz) {
  case 1: memcpy(&x1, v, 1); map(ca_cpu_mv1, dst, ds, (const char *)&x1, 0, n); break;
  case 2: memcpy(&x2, v, 2); map(ca_cpu_mv2, dst, ds, (const char *)&x2, 0, n); break;
  case 4: memcpy(&x4, v, 4); map(ca_cpu_mv4, dst, ds, (const char *)&x4, 0, n); break;
  case 8: memcpy(&x8, v, 8); map(ca_cpu_mv8, dst, ds, (const char *)&x8, 0, n); break;
  default: memcpy(&x16, v, 16); map(ca_cpu_mv16, dst, ds, (const char *)&x16, 0, n); break;
  }
}

void ca_cpu_convert(int ddt, char *dst, int64_t ds, int sdt, const char *src, int64_t ss,
                    int64_t n) {
  size_t sz = ca_itemsize(ddt);
  if (ss == 0 && n > 1) { /* one value: converted once, then its bits filled */
    ca_elem one;
    ca_cpu_convert(ddt, (char *)&one, 1, sdt, src, 1, 1);
    fill_raw(sz, dst, ds, &one, n);
  } else if (sdt != ddt) {
    conv_tab[sdt][ddt](dst, ds, src, ss, n);
  } else if (ds == 1 && ss == 1) { /* same dtype: the bits, as the GPU's copies move them */
    memmove(dst, src, (size_t)n * sz);
  } else {
    switch (sz) {
    case 1: map(ca_cpu_mv1, dst, ds, src, ss, n); break;
    case 2: map(ca_cpu_mv2, dst, ds, src, ss, n); break;
    case 4: map(ca_cpu_mv4, dst, ds, src, ss, n); break;
    case 8: map(ca_cpu_mv8, dst, ds, src, ss, n); break;
    default: map(ca_cpu_mv16, dst, ds, src, ss, n); break;
    }
  }
}

/* ---- copy --------------------------------------------------------------------------------- */

ca_status ca_cpu_copy(ca_backend *be, const ca_loop *l0) {
  (void)be;
  if (l0->nop < 2) return CA_ERR_VALUE;
  ca_loop l;
  ca_cpu_loop_view(l0, &l);
  if (l.size == 0) return CA_OK;
  ca_elem tmp;
  const ca_operand *o = &l.op[0], *a = &l.op[1];
  const char *src = ca_cpu_operand_data(a, &tmp);
  int nd = l.ndim - 1;
  int64_t n = l.shape[nd], ds = o->strides[nd], ss = a->strides[nd];
  int64_t dsz = (int64_t)ca_itemsize(o->dtype), ssz = (int64_t)ca_itemsize(a->dtype);
  int64_t idx[CA_MAXDIMS] = {0}, off[2] = {0, 0};
  const int64_t *strides[2] = {o->strides, a->strides};
  do {
    ca_cpu_convert(o->dtype, o->data + off[0] * dsz, ds, a->dtype, src + off[1] * ssz, ss, n);
  } while (ca_cpu_next(nd, l.shape, idx, 2, strides, off));
  return CA_OK;
}
