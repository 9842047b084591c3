/* Reductions: the CA_REDUCE rows of ops.def.
 *
 * Every row is instantiated at the accumulation types of its rule from its formulas in
 * reduce_ops.h (the lists at the end of this file): the loops are static inline functions
 * taking a pointer to a static const table of the row's formulas, which GCC folds, calling and
 * inlining the formulas directly.
 *
 * For each output the reduced dims are walked in C order, one run of the innermost reduced dim
 * at a time, in chunks read in the accumulation type: straight from storage when it already is
 * that type and contiguous, else converted into a buffer of CA_CPU_BUFN values.
 *   folds    float sums (folds whose comb is ca_add) are pairwise within a chunk and
 *            compensated (Neumaier) across chunks; a contiguous float64 run is one chunk
 *            (NumPy's tree). Other folds combine in order.
 *   args     in order; positions count the reduced elements in C order.
 *   moments  two passes, each a compensated pairwise sum in chunks of CA_CPU_BUFN: the mean,
 *            then the squared deviations from it.
 *   ranges   the two folds, then fin.
 * Float32 sums and float32/float64 max/min read contiguous runs straight from storage
 * (src/cpu/reduce_runs.h) with the results of the buffered path. Folds, moments and ranges
 * whose kept inner dim is contiguous but whose reduced dims are not (a sum over axis 1 of a
 * C-contiguous matrix) fold a block of up to CA_CPU_BUFN outputs at once, one row of the block
 * per reduced element, so memory is read in order. */
#include "cpu_internal.h"
#include "reduce_ops.h"
#include "reduce_runs.h"

#if defined(__GNUC__)
#define RED_INLINE static inline __attribute__((always_inline))
#else
#define RED_INLINE static inline
#endif

/* ---- the formulas of a row at one accumulation type ------------------------------------ */

/* The integer loops serve two accumulation types: int64 (ct CA_CPU_I) and uint64 (CA_CPU_U),
 * whose values they carry as int64 bits: elements are read and results stored as uint64, and
 * each formula is its uint64 version seen through the bits (the _ub adapters below). */
typedef struct fold_i {
  ca_i (*id)(void);
  ca_i (*skip)(ca_i);
  ca_i (*comb)(ca_i, ca_i);
  ca_i (*fin)(ca_i, int64_t);
  int skips;                                   /* skip can hold: count the elements */
  ca_i (*skip_float)(double);                  /* skip of a float input, before it converts */
  int ct;                                      /* CA_CPU_I or CA_CPU_U */
} fold_i;

typedef struct fold_d {
  double (*id)(void);
  ca_i (*skip)(double);
  double (*comb)(double, double);
  double (*fin)(double, int64_t);
  int skips;
  double (*pairwise)(const double *, int64_t); /* the sum of the elements not skipped */
} fold_d;

typedef struct arg_i {
  ca_i (*skip)(ca_i);
  ca_i (*beats)(ca_i, ca_i);
  int ct;
} arg_i;

typedef struct arg_d {
  ca_i (*skip)(double);
  ca_i (*beats)(double, double);
} arg_d;

typedef struct moment_d {
  fold_d sum;                                  /* the mean of the counted elements */
  double (*fin)(double, double, double);
} moment_d;

typedef struct range_i {
  const fold_i *hi, *lo;
  ca_i (*fin)(ca_i, ca_i);
} range_i;

typedef struct range_d {
  const fold_d *hi, *lo;
  double (*fin)(double, double);
} range_d;

/* ---- pairwise sums --------------------------------------------------------------------- */

/* The sum in double of x[0..n), n <= 128, elements with skip(x) counting as 0: eight partial
 * sums over blocks of eight, added as a tree (NumPy's leaf). */
RED_INLINE double pairwise_leaf(const double *x, int64_t n, ca_i (*skip)(double)) {
  if (n <= 8) {
    double s = 0.0;
    for (int64_t i = 0; i < n; i++) s += skip(x[i]) ? 0.0 : x[i];
    return s;
  }
  double r[8];
  for (int j = 0; j < 8; j++) r[j] = skip(x[j]) ? 0.0 : x[j];
  int64_t i;
  for (i = 8; i + 8 <= n; i += 8)
    for (int j = 0; j < 8; j++) r[j] += skip(x[i + j]) ? 0.0 : x[i + j];
  double s = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
  for (; i < n; i++) s += skip(x[i]) ? 0.0 : x[i];
  return s;
}

/* Longer runs split in two at a multiple of 8 near the middle (src/cpu/reduce_runs.h's
 * pairwise_f32 is the same tree over float32 storage). */
RED_INLINE double pairwise_tree(const double *x, int64_t n, ca_i (*skip)(double),
                                double (*self)(const double *, int64_t)) {
  if (n <= 128) return pairwise_leaf(x, n, skip);
  int64_t h = (n / 2) & ~(int64_t)7;
  return self(x, h) + self(x + h, n - h);
}

/* One per skip formula of reduce_ops.h (a fold row names its sum by its skip). */
static double pairwise_never(const double *x, int64_t n) {
  return pairwise_tree(x, n, ca_never_d, pairwise_never);
}
static double pairwise_isnan(const double *x, int64_t n) {
  return pairwise_tree(x, n, ca_isnan_d, pairwise_isnan);
}

/* A running compensated sum (s->acc, s->comp) or fold (s->acc), and the elements counted. */
typedef struct fsum {
  double acc, comp;
  int64_t count;
} fsum;

/* Compensated addition; once the sum is infinite or NaN the compensation would only turn
 * inf into NaN, so it stops. */
static void neumaier_add(fsum *s, double v) {
  double t = s->acc + v;
  if (!isfinite(t)) s->comp = 0;
  else if (fabs(s->acc) >= fabs(v)) s->comp += (s->acc - t) + v;
  else s->comp += (v - t) + s->acc;
  s->acc = t;
}

static double fsum_total(const fsum *s) { return isfinite(s->acc) ? s->acc + s->comp : s->acc; }

/* ---- walking the reduced elements of one output ------------------------------------------ */

typedef struct red_walk {
  int nd;                       /* reduced dims (at least 1) */
  int64_t shape[CA_MAXDIMS];
  int64_t strides[CA_MAXDIMS];  /* of the input over the reduced dims */
  int dtype;
  int64_t isz;
  int64_t n;                    /* elements reduced per output */
} red_walk;

static void walk_init(red_walk *w, const ca_reduction *r) {
  w->dtype = r->in.dtype;
  w->isz = (int64_t)ca_itemsize(r->in.dtype);
  w->n = 1;
  if (r->nred == 0) { /* each output reduces its one element */
    w->nd = 1;
    w->shape[0] = 1;
    w->strides[0] = 0;
    return;
  }
  w->nd = r->nred;
  for (int d = 0; d < r->nred; d++) {
    w->shape[d] = r->shape[r->nout + d];
    w->strides[d] = r->in.strides[r->nout + d];
    w->n *= w->shape[d];
  }
}

/* The elements of one output from p, in chunks of at most `chunk` elements of one run. */
typedef struct cursor {
  const red_walk *w;
  const char *p;
  int64_t chunk, i0, off;
  int more;
  int64_t idx[CA_MAXDIMS];
} cursor;

RED_INLINE void cursor_init(cursor *c, const red_walk *w, const char *p, int64_t chunk) {
  c->w = w;
  c->p = p;
  c->chunk = chunk;
  c->i0 = 0;
  c->off = 0;
  c->more = w->n > 0;
  memset(c->idx, 0, sizeof c->idx[0] * (size_t)w->nd);
}

/* The next chunk: *src its first element (the run's stride apart), *m its size; 0 at the end. */
RED_INLINE int cursor_next(cursor *c, const char **src, int64_t *m) {
  if (!c->more) return 0;
  const red_walk *w = c->w;
  int last = w->nd - 1;
  int64_t rn = w->shape[last], left = rn - c->i0;
  *m = left < c->chunk ? left : c->chunk;
  *src = c->p + (c->off + c->i0 * w->strides[last]) * w->isz;
  c->i0 += *m;
  if (c->i0 == rn) {
    const int64_t *strides[1] = {w->strides};
    c->i0 = 0;
    c->more = ca_cpu_next(last, w->shape, c->idx, 1, strides, &c->off);
  }
  return 1;
}

/* The outputs in C order: the input at *p, the output element at *q. */
typedef struct outputs {
  const ca_reduction *r;
  int64_t isz, osz;
  int64_t idx[CA_MAXDIMS], off[2];
  int more;
} outputs;

RED_INLINE void outputs_init(outputs *o, const ca_reduction *r) {
  o->r = r;
  o->isz = (int64_t)ca_itemsize(r->in.dtype);
  o->osz = (int64_t)ca_itemsize(r->out.dtype);
  memset(o->idx, 0, sizeof o->idx[0] * (size_t)r->nout);
  o->off[0] = o->off[1] = 0;
  o->more = 1;
}

RED_INLINE int outputs_next(outputs *o, const char **p, char **q) {
  if (!o->more) return 0;
  const ca_reduction *r = o->r;
  const int64_t *strides[2] = {r->in.strides, r->out.strides};
  *p = r->in.data + o->off[0] * o->isz;
  *q = r->out.data + o->off[1] * o->osz;
  o->more = ca_cpu_next(r->nout, r->shape, o->idx, 2, strides, o->off);
  return 1;
}

/* ---- one output ------------------------------------------------------------------------- */

/* Folds x[0..m) into s: sums pairwise, the other folds in order. */
RED_INLINE void fold_chunk_d(const fold_d *f, fsum *s, const double *x, int64_t m) {
  if (f->comb == ca_add_d) {
    neumaier_add(s, f->pairwise(x, m));
    if (f->skips && f->fin != ca_total_d) { /* a total needs no count */
      int64_t c = 0;
      for (int64_t k = 0; k < m; k++) c += !f->skip(x[k]);
      s->count += c;
    }
    return;
  }
  double a = s->acc;
  int64_t c = 0;
  for (int64_t k = 0; k < m; k++) {
    if (f->skips && f->skip(x[k])) continue;
    a = f->comb(a, x[k]);
    c++;
  }
  s->acc = a;
  s->count += c;
}

/* The fold of the elements at p into s. `whole`: a contiguous float64 run is one chunk (folds);
 * else chunks of CA_CPU_BUFN (the sums of moments). */
RED_INLINE void fold_walk_d(const fold_d *f, const red_walk *w, const char *p, int whole,
                            fsum *s) {
  int last = w->nd - 1;
  int64_t rs = w->strides[last], m;
  const char *src;
  cursor c;
#if CA_CPU_RUNS
  int f32 = w->dtype == CA_FLOAT32, f64 = w->dtype == CA_FLOAT64;
  if (rs == 1 && !f->skips && (f32 || f64) &&
      (f->comb == ca_maximum_d || f->comb == ca_minimum_d)) {
    int mx = f->comb == ca_maximum_d;
    cursor_init(&c, w, p, w->shape[last]);
    while (cursor_next(&c, &src, &m)) {
      if (f32) minmax_run_f32(&s->acc, (const float *)src, m, mx);
      else minmax_run_f64(&s->acc, (const double *)src, m, mx);
    }
    return;
  }
  if (rs == 1 && f->skips && f->skip == ca_isnan_d && (f32 || f64) &&
      (f->comb == ca_maximum_d || f->comb == ca_minimum_d)) {
    int mx = f->comb == ca_maximum_d;
    cursor_init(&c, w, p, w->shape[last]);
    while (cursor_next(&c, &src, &m)) {
      if (f32) s->count += nan_minmax_run_f32(&s->acc, (const float *)src, m, mx);
      else s->count += nan_minmax_run_f64(&s->acc, (const double *)src, m, mx);
    }
    return;
  }
  if (rs == 1 && !f->skips && f32 && f->comb == ca_add_d) { /* the chunks of the buffered path */
    cursor_init(&c, w, p, w->shape[last]);
    while (cursor_next(&c, &src, &m))
      for (int64_t i0 = 0; i0 < m; i0 += CA_CPU_BUFN)
        neumaier_add(s, pairwise_f32((const float *)src + i0, m - i0 < CA_CPU_BUFN ? m - i0
                                                                                : CA_CPU_BUFN));
    return;
  }
#endif
  double buf[CA_CPU_BUFN];
  cursor_init(&c, w, p, whole && rs == 1 && w->dtype == CA_FLOAT64 ? w->shape[last] : CA_CPU_BUFN);
  while (cursor_next(&c, &src, &m))
    fold_chunk_d(f, s, (const double *)ca_cpu_fetch(CA_CPU_D, buf, w->dtype, src, rs, m), m);
}

RED_INLINE double fold_one_d(const fold_d *f, const red_walk *w, const char *p) {
  fsum s = {f->id(), 0.0, 0};
  fold_walk_d(f, w, p, 1, &s);
  return f->fin(f->comb == ca_add_d ? fsum_total(&s) : s.acc, f->skips ? s.count : w->n);
}

/* truth: over the truth of each element (0 or 1). A skip sees each element in its own kind,
 * before it converts (a NaN summed into an integer dtype is skipped, as NumPy's nansum
 * replaces it first). */
RED_INLINE ca_i fold_one_i(const fold_i *f, const red_walk *w, const char *p, int truth) {
  int last = w->nd - 1;
  int64_t rs = w->strides[last], count = 0, m;
  ca_i buf[CA_CPU_BUFN], a = f->id();
  double fbuf[CA_CPU_BUFN];
  uint8_t t[CA_CPU_BUFN];
  const char *src;
  cursor c;
  cursor_init(&c, w, p, !truth && rs == 1 && w->dtype == CA_INT64 ? w->shape[last] : CA_CPU_BUFN);
  while (cursor_next(&c, &src, &m)) {
    if (truth) { /* truth folds skip nothing */
      ca_cpu_load_truth(t, w->dtype, src, rs, m);
      for (int64_t k = 0; k < m; k++) a = f->comb(a, t[k]);
      continue;
    }
    const ca_i *x = (const ca_i *)ca_cpu_fetch(f->ct, buf, w->dtype, src, rs, m);
    if (f->skips && ca_is_float(w->dtype)) { /* a float summed into an integer dtype */
      const double *v = (const double *)ca_cpu_fetch(CA_CPU_D, fbuf, w->dtype, src, rs, m);
      for (int64_t k = 0; k < m; k++) {
        if (f->skip_float(v[k])) continue;
        a = f->comb(a, x[k]);
        count++;
      }
      continue;
    }
    for (int64_t k = 0; k < m; k++) {
      if (f->skips && f->skip(x[k])) continue;
      a = f->comb(a, x[k]);
      count++;
    }
  }
  return f->fin(a, f->skips ? count : w->n);
}

#if CA_CPU_RUNS
/* The first i from `from` with x[i] == v, for a v that is there and not NaN: blocks of 16
 * compared at once (a loop the compiler turns into vector compares), then the block's
 * element. The scan one element at a time took half of argmax's time along float32 rows. */
#define FIND_EQUAL(NAME, T)                                                                   \
  static int64_t NAME(const T *x, int64_t n, int64_t from, T v) {                             \
    int64_t i = from;                                                                         \
    for (; i + 16 <= n; i += 16) {                                                            \
      int hit = 0;                                                                            \
      for (int k = 0; k < 16; k++) hit |= x[i + k] == v;                                      \
      if (hit) break;                                                                         \
    }                                                                                         \
    while (x[i] != v) i++;                                                                    \
    return i;                                                                                 \
  }
FIND_EQUAL(find_equal_f32, float)
FIND_EQUAL(find_equal_f64, double)
#undef FIND_EQUAL

/* The arg-reduction of one contiguous float32/float64 run of n > 0 elements: the winner's
 * value by src/cpu/reduce_runs.h's fold (mx: the maximum), then the first element equal to it.
 * Without skip_nan the first NaN wins; with it NaNs are skipped (0 when every one is). */
static int64_t arg_run(int f32, const char *p, int64_t n, int mx, int skip_nan) {
  const float *xf = (const float *)p;
  const double *xd = (const double *)p;
#define AT(i) (f32 ? (double)xf[i] : xd[i])
  int64_t i = 0;
  if (skip_nan)
    while (i < n && AT(i) != AT(i)) i++;
  if (i == n) return 0;
  double acc = AT(i);
  if (skip_nan && f32) nan_minmax_run_f32(&acc, xf + i, n - i, mx);
  else if (skip_nan) nan_minmax_run_f64(&acc, xd + i, n - i, mx);
  else if (f32) minmax_run_f32(&acc, xf, n, mx);
  else minmax_run_f64(&acc, xd, n, mx);
  if (acc != acc)
    while (AT(i) == AT(i)) i++;
  else if (f32)
    i = find_equal_f32(xf, n, i, (float)acc);
  else
    i = find_equal_f64(xd, n, i, acc);
#undef AT
  return i + 1;
}
#endif

/* 1-based position of the winner; 0 when every element is skipped. */
RED_INLINE int64_t arg_one_d(const arg_d *f, const red_walk *w, const char *p) {
  int64_t rs = w->strides[w->nd - 1], at = -1, pos = 0, m;
#if CA_CPU_RUNS
  if (w->nd == 1 && rs == 1 && w->n > 0 && (w->dtype == CA_FLOAT32 || w->dtype == CA_FLOAT64) &&
      (f->beats == ca_beats_max_d || f->beats == ca_beats_min_d) &&
      (f->skip == ca_never_d || f->skip == ca_isnan_d))
    return arg_run(w->dtype == CA_FLOAT32, p, w->n, f->beats == ca_beats_max_d, f->skip == ca_isnan_d);
#endif
  double buf[CA_CPU_BUFN], best = 0.0;
  const char *src;
  cursor c;
  cursor_init(&c, w, p, CA_CPU_BUFN);
  while (cursor_next(&c, &src, &m)) {
    const double *x = (const double *)ca_cpu_fetch(CA_CPU_D, buf, w->dtype, src, rs, m);
    for (int64_t k = 0; k < m; k++) {
      double v = x[k];
      if (f->skip(v)) continue;
      if (at < 0 || f->beats(v, best)) {
        best = v;
        at = pos + k;
      }
    }
    pos += m;
  }
  return at + 1;
}

RED_INLINE int64_t arg_one_i(const arg_i *f, const red_walk *w, const char *p) {
  int64_t rs = w->strides[w->nd - 1], at = -1, pos = 0, m;
  ca_i buf[CA_CPU_BUFN], best = 0;
  const char *src;
  cursor c;
  cursor_init(&c, w, p, CA_CPU_BUFN);
  while (cursor_next(&c, &src, &m)) {
    const ca_i *x = (const ca_i *)ca_cpu_fetch(f->ct, buf, w->dtype, src, rs, m);
    for (int64_t k = 0; k < m; k++) {
      ca_i v = x[k];
      if (f->skip(v)) continue;
      if (at < 0 || f->beats(v, best)) {
        best = v;
        at = pos + k;
      }
    }
    pos += m;
  }
  return at + 1;
}

RED_INLINE double moment_one(const moment_d *f, const red_walk *w, const char *p, double ddof) {
  fsum s = {0.0, 0.0, 0}, d = {0.0, 0.0, 0};
  fold_walk_d(&f->sum, w, p, 0, &s);
  int64_t count = f->sum.skips ? s.count : w->n;
  double mean = f->sum.fin(fsum_total(&s), count);
  int64_t rs = w->strides[w->nd - 1], m;
  double buf[CA_CPU_BUFN], dev[CA_CPU_BUFN];
  const char *src;
  cursor c;
  cursor_init(&c, w, p, CA_CPU_BUFN);
  while (cursor_next(&c, &src, &m)) {
    const double *x = (const double *)ca_cpu_fetch(CA_CPU_D, buf, w->dtype, src, rs, m);
    for (int64_t k = 0; k < m; k++) {
      double e = x[k] - mean;
      dev[k] = f->sum.skip(x[k]) ? 0.0 : e * e;
    }
    neumaier_add(&d, pairwise_never(dev, m));
  }
  return f->fin(fsum_total(&d), (double)count, ddof);
}

/* ---- blocks of outputs (columns) ------------------------------------------------------------- */

/* Whether the kept inner dim is contiguous and the reduced ones are not. */
static int columns_fit(const ca_reduction *r) {
  if (r->nout < 1 || r->nred < 1) return 0;
  return r->in.strides[r->nout - 1] == 1 && r->shape[r->nout - 1] > 1 &&
         r->in.strides[r->nout + r->nred - 1] != 1;
}

/* Blocks of up to CA_CPU_BUFN consecutive outputs along the kept inner dim: the input of the
 * first at *p (the others follow it), the first output at *q (the inner output stride apart). */
typedef struct blocks {
  const ca_reduction *r;
  int64_t isz, osz, len, j0;
  int64_t idx[CA_MAXDIMS], off[2];
  int more;
} blocks;

RED_INLINE void blocks_init(blocks *b, const ca_reduction *r) {
  b->r = r;
  b->isz = (int64_t)ca_itemsize(r->in.dtype);
  b->osz = (int64_t)ca_itemsize(r->out.dtype);
  b->len = r->shape[r->nout - 1];
  b->j0 = 0;
  memset(b->idx, 0, sizeof b->idx[0] * (size_t)r->nout);
  b->off[0] = b->off[1] = 0;
  b->more = 1;
}

RED_INLINE int blocks_next(blocks *b, const char **p, char **q, int64_t *kb) {
  if (!b->more) return 0;
  const ca_reduction *r = b->r;
  int64_t left = b->len - b->j0;
  *kb = left < CA_CPU_BUFN ? left : CA_CPU_BUFN;
  *p = r->in.data + (b->off[0] + b->j0) * b->isz;
  *q = r->out.data + (b->off[1] + b->j0 * r->out.strides[r->nout - 1]) * b->osz;
  b->j0 += *kb;
  if (b->j0 == b->len) {
    const int64_t *strides[2] = {r->in.strides, r->out.strides};
    b->j0 = 0;
    b->more = ca_cpu_next(r->nout - 1, r->shape, b->idx, 2, strides, b->off);
  }
  return 1;
}

/* The reduced positions of a block: the offset of each from the block's input, in C order
 * (the innermost reduced dim stepped here, the outer ones by ca_cpu_next). */
typedef struct rows {
  int nd;
  const int64_t *shape, *strides[1];
  int64_t idx[CA_MAXDIMS], off, n, i, len, step;
  int more;
} rows;

RED_INLINE void rows_init(rows *w, const ca_reduction *r) {
  w->nd = r->nred;
  w->shape = r->shape + r->nout;
  w->strides[0] = r->in.strides + r->nout;
  w->n = 1;
  for (int d = 0; d < r->nred; d++) w->n *= w->shape[d];
  memset(w->idx, 0, sizeof w->idx[0] * (size_t)r->nred);
  w->off = 0;
  w->i = 0;
  w->len = w->shape[w->nd - 1];
  w->step = w->strides[0][w->nd - 1];
  w->more = w->n > 0;
}

RED_INLINE int rows_next(rows *w, int64_t *off) {
  if (!w->more) return 0;
  *off = w->off + w->i * w->step;
  if (++w->i == w->len) {
    w->i = 0;
    w->more = ca_cpu_next(w->nd - 1, w->shape, w->idx, 1, w->strides, &w->off);
  }
  return 1;
}

/* o[0] = off, then the offsets of up to three more rows from w: how many o holds. */
RED_INLINE int rows_next_four(rows *w, int64_t off, int64_t o[4]) {
  int m = 1;
  o[0] = off;
  while (m < 4 && rows_next(w, &o[m])) m++;
  return m;
}

/* res[j] = the fold of output j of the block at p, j < kb. */
RED_INLINE void fold_block_d(const fold_d *f, const ca_reduction *r, const char *p, int64_t kb,
                             double *res) {
  int idt = r->in.dtype;
  int64_t isz = (int64_t)ca_itemsize(idt), cnt[CA_CPU_BUFN], off;
  double buf[CA_CPU_BUFN];
  int first = 1;
  rows w;
  rows_init(&w, r);
  for (int64_t j = 0; j < kb; j++) { /* nothing reduced: the identity */
    res[j] = f->id();
    cnt[j] = 0;
  }
  const int f32 = idt == CA_FLOAT32 && !f->skips;
  while (rows_next(&w, &off)) {
    if (f32 && !first) {
      /* Converted in the loop, four rows at a pass over res, each column's values still
       * combined in row order: through the buffer, a row at a time, the column means of
       * 2048 x 1024 float32 took 0.90 ms on one core; converted here a row at a time, 0.53. */
      int64_t o[4];
      int m = rows_next_four(&w, off, o);
      const float *x0 = (const float *)(p + o[0] * isz);
      if (m == 4) {
        const float *x1 = (const float *)(p + o[1] * isz), *x2 = (const float *)(p + o[2] * isz),
                    *x3 = (const float *)(p + o[3] * isz);
        for (int64_t j = 0; j < kb; j++) {
          double v = f->comb(f->comb(res[j], (double)x0[j]), (double)x1[j]);
          res[j] = f->comb(f->comb(v, (double)x2[j]), (double)x3[j]);
        }
      } else {
        for (int k = 0; k < m; k++) {
          const float *xk = (const float *)(p + o[k] * isz);
          for (int64_t j = 0; j < kb; j++) res[j] = f->comb(res[j], (double)xk[j]);
        }
      }
      continue;
    }
    const double *x = (const double *)ca_cpu_fetch(CA_CPU_D, buf, idt, p + off * isz, 1, kb);
    if (first) {
      for (int64_t j = 0; j < kb; j++) {
        int sk = f->skips && f->skip(x[j]);
        res[j] = sk ? f->id() : x[j];
        cnt[j] = !sk;
      }
    } else if (f->skips) {
      for (int64_t j = 0; j < kb; j++) {
        if (f->skip(x[j])) continue;
        res[j] = f->comb(res[j], x[j]);
        cnt[j]++;
      }
    } else {
      for (int64_t j = 0; j < kb; j++) res[j] = f->comb(res[j], x[j]);
    }
    first = 0;
  }
  for (int64_t j = 0; j < kb; j++) res[j] = f->fin(res[j], f->skips ? cnt[j] : w.n);
}

/* The moments of a block: the means by fold_block_d, then the squared deviations from them,
 * a row of the block at a time (rows read in order, as the folds' blocks read them). */
RED_INLINE void moment_block_d(const moment_d *f, const ca_reduction *r, const char *p, int64_t kb,
                               double *res) {
  int idt = r->in.dtype;
  int64_t isz = (int64_t)ca_itemsize(idt), cnt[CA_CPU_BUFN], off;
  double mean[CA_CPU_BUFN], buf[CA_CPU_BUFN];
  fold_block_d(&f->sum, r, p, kb, mean);
  rows w;
  rows_init(&w, r);
  for (int64_t j = 0; j < kb; j++) {
    res[j] = 0.0;
    cnt[j] = 0;
  }
  const int f32 = idt == CA_FLOAT32 && !f->sum.skips;
  while (rows_next(&w, &off)) {
    if (f32) { /* as fold_block_d's float32 rows */
      int64_t o[4];
      int m = rows_next_four(&w, off, o);
      if (m == 4) {
        const float *x0 = (const float *)(p + o[0] * isz), *x1 = (const float *)(p + o[1] * isz),
                    *x2 = (const float *)(p + o[2] * isz), *x3 = (const float *)(p + o[3] * isz);
        for (int64_t j = 0; j < kb; j++) {
          double e0 = (double)x0[j] - mean[j], e1 = (double)x1[j] - mean[j];
          double e2 = (double)x2[j] - mean[j], e3 = (double)x3[j] - mean[j];
          res[j] = res[j] + e0 * e0 + e1 * e1 + e2 * e2 + e3 * e3;
        }
      } else {
        for (int k = 0; k < m; k++) {
          const float *xk = (const float *)(p + o[k] * isz);
          for (int64_t j = 0; j < kb; j++) {
            double e = (double)xk[j] - mean[j];
            res[j] += e * e;
          }
        }
      }
      continue;
    }
    const double *x = (const double *)ca_cpu_fetch(CA_CPU_D, buf, idt, p + off * isz, 1, kb);
    for (int64_t j = 0; j < kb; j++) {
      if (f->sum.skip(x[j])) continue;
      double e = x[j] - mean[j];
      res[j] += e * e;
      cnt[j]++;
    }
  }
  for (int64_t j = 0; j < kb; j++)
    res[j] = f->fin(res[j], (double)(f->sum.skips ? cnt[j] : w.n), r->ddof);
}

RED_INLINE void fold_block_i(const fold_i *f, const ca_reduction *r, const char *p, int64_t kb,
                             ca_i *res) {
  int idt = r->in.dtype;
  int64_t isz = (int64_t)ca_itemsize(idt), cnt[CA_CPU_BUFN], off;
  ca_i buf[CA_CPU_BUFN];
  double fbuf[CA_CPU_BUFN];
  uint8_t sk[CA_CPU_BUFN]; /* skipped, seen in the input's own kind (fold_one_i) */
  int first = 1;
  rows w;
  rows_init(&w, r);
  for (int64_t j = 0; j < kb; j++) {
    res[j] = f->id();
    cnt[j] = 0;
  }
  while (rows_next(&w, &off)) {
    const ca_i *x = (const ca_i *)ca_cpu_fetch(f->ct, buf, idt, p + off * isz, 1, kb);
    if (f->skips && ca_is_float(idt)) {
      const double *v = (const double *)ca_cpu_fetch(CA_CPU_D, fbuf, idt, p + off * isz, 1, kb);
      for (int64_t j = 0; j < kb; j++) sk[j] = (uint8_t)f->skip_float(v[j]);
    } else if (f->skips) {
      for (int64_t j = 0; j < kb; j++) sk[j] = (uint8_t)f->skip(x[j]);
    }
    if (first) {
      for (int64_t j = 0; j < kb; j++) {
        int skipped = f->skips && sk[j];
        res[j] = skipped ? f->id() : x[j];
        cnt[j] = !skipped;
      }
    } else if (f->skips) {
      for (int64_t j = 0; j < kb; j++) {
        if (sk[j]) continue;
        res[j] = f->comb(res[j], x[j]);
        cnt[j]++;
      }
    } else {
      for (int64_t j = 0; j < kb; j++) res[j] = f->comb(res[j], x[j]);
    }
    first = 0;
  }
  for (int64_t j = 0; j < kb; j++) res[j] = f->fin(res[j], f->skips ? cnt[j] : w.n);
}

/* As fold_block_i over the truth of each element (truth folds skip nothing). `bytes`: the fold
 * keeps truth values (a PREDICATE rule's), so it runs on bytes, sixteen to a vector. */
RED_INLINE void fold_block_truth(const fold_i *f, const ca_reduction *r, const char *p,
                                 int64_t kb, int bytes, ca_i *res) {
  int idt = r->in.dtype;
  int64_t isz = (int64_t)ca_itemsize(idt), off;
  uint8_t t[CA_CPU_BUFN], acc[CA_CPU_BUFN];
  int first = 1;
  rows w;
  rows_init(&w, r);
  for (int64_t j = 0; j < kb; j++) res[j] = f->id();
  while (rows_next(&w, &off)) {
    if (bytes) {
      ca_cpu_load_truth(first ? acc : t, idt, p + off * isz, 1, kb);
      if (!first)
        for (int64_t j = 0; j < kb; j++) acc[j] = (uint8_t)f->comb(acc[j], t[j]);
    } else {
      ca_cpu_load_truth(t, idt, p + off * isz, 1, kb);
      if (first)
        for (int64_t j = 0; j < kb; j++) res[j] = t[j];
      else
        for (int64_t j = 0; j < kb; j++) res[j] = f->comb(res[j], t[j]);
    }
    first = 0;
  }
  if (bytes && !first)
    for (int64_t j = 0; j < kb; j++) res[j] = acc[j];
  for (int64_t j = 0; j < kb; j++) res[j] = f->fin(res[j], w.n);
}

/* ---- whole reductions, one per kind and accumulation type ---------------------------------- */

/* Every output of r on its own: ONE(w, p) reduces the output whose input starts at p, and
 * STORE(dtype, q, value) stores it. The kinds' functions below are inlined into each row's
 * runner with the row's formulas as a constant table, so GCC calls the formulas directly (a
 * step called through a pointer kept them behind calls: argmax along rows of 2048 x 1024
 * float32 took 7.5 ms, where NumPy takes 0.22). */
#define EACH_OUTPUT(r, ONE, STORE)                                                            \
  do {                                                                                        \
    red_walk w_;                                                                              \
    outputs o_;                                                                               \
    const char *p_;                                                                           \
    char *q_;                                                                                 \
    walk_init(&w_, r);                                                                        \
    outputs_init(&o_, r);                                                                     \
    while (outputs_next(&o_, &p_, &q_)) STORE((r)->out.dtype, q_, ONE(&w_, p_));              \
  } while (0)

/* Blocks of up to CA_CPU_BUFN consecutive outputs (columns_fit): BLOCK(p, kb, res) reduces
 * the block at p into res (type T), stored as the CPU type ct. */
#define EACH_BLOCK(r, T, ct, BLOCK)                                                           \
  do {                                                                                        \
    T res_[CA_CPU_BUFN];                                                                      \
    const char *p_;                                                                           \
    char *q_;                                                                                 \
    int64_t kb_, os_ = (r)->out.strides[(r)->nout - 1];                                       \
    blocks b_;                                                                                \
    blocks_init(&b_, r);                                                                      \
    while (blocks_next(&b_, &p_, &q_, &kb_)) {                                                \
      BLOCK(p_, kb_, res_);                                                                   \
      ca_cpu_store(ct, res_, (r)->out.dtype, q_, os_, kb_);                                   \
    }                                                                                         \
  } while (0)

#define STORE_D(dt, q, v) ca_cpu_st_d(dt, q, v)
#define STORE_I(dt, q, v) ca_cpu_st_i(dt, q, v)
#define STORE_U(dt, q, v) ca_store_u(dt, q, (ca_u)(v))

RED_INLINE void fold_reduce_d(const fold_d *f, const ca_reduction *r) {
#define ONE(w, p) fold_one_d(f, w, p)
#define BLOCK(p, kb, res) fold_block_d(f, r, p, kb, res)
  if (columns_fit(r)) EACH_BLOCK(r, double, CA_CPU_D, BLOCK);
  else EACH_OUTPUT(r, ONE, STORE_D);
#undef ONE
#undef BLOCK
}

/* Integer folds; truth: over the truth of each element (2: a fold of truth values). */
RED_INLINE void fold_reduce_int(const fold_i *f, const ca_reduction *r, int truth) {
#define ONE(w, p) fold_one_i(f, w, p, truth)
#define BLOCK(p, kb, res)                                                                     \
  do {                                                                                        \
    if (truth) fold_block_truth(f, r, p, kb, truth == 2, res);                                \
    else fold_block_i(f, r, p, kb, res);                                                      \
  } while (0)
  if (columns_fit(r)) EACH_BLOCK(r, ca_i, f->ct, BLOCK);
  else if (f->ct == CA_CPU_U) EACH_OUTPUT(r, ONE, STORE_U);
  else EACH_OUTPUT(r, ONE, STORE_I);
#undef ONE
#undef BLOCK
}
RED_INLINE void fold_reduce_i(const fold_i *f, const ca_reduction *r) { fold_reduce_int(f, r, 0); }
RED_INLINE void fold_reduce_count(const fold_i *f, const ca_reduction *r) { fold_reduce_int(f, r, 1); }
RED_INLINE void fold_reduce_truth(const fold_i *f, const ca_reduction *r) { fold_reduce_int(f, r, 2); }

RED_INLINE void arg_reduce_d(const arg_d *f, const ca_reduction *r) {
#define ONE(w, p) arg_one_d(f, w, p)
  EACH_OUTPUT(r, ONE, STORE_I);
#undef ONE
}
RED_INLINE void arg_reduce_i(const arg_i *f, const ca_reduction *r) {
#define ONE(w, p) arg_one_i(f, w, p)
  EACH_OUTPUT(r, ONE, STORE_I);
#undef ONE
}

RED_INLINE void moment_reduce_d(const moment_d *f, const ca_reduction *r) {
#define ONE(w, p) moment_one(f, w, p, r->ddof)
#define BLOCK(p, kb, res) moment_block_d(f, r, p, kb, res)
  if (columns_fit(r)) EACH_BLOCK(r, double, CA_CPU_D, BLOCK);
  else EACH_OUTPUT(r, ONE, STORE_D);
#undef ONE
#undef BLOCK
}

/* A block of ranges (f a range_d or range_i): both folds, then fin. */
#define RANGE_BLOCK(T, fold_block, p, kb, res)                                                \
  do {                                                                                        \
    T lo_[CA_CPU_BUFN];                                                                       \
    fold_block(f->hi, r, p, kb, res);                                                         \
    fold_block(f->lo, r, p, kb, lo_);                                                         \
    for (int64_t k_ = 0; k_ < kb; k_++) res[k_] = f->fin(res[k_], lo_[k_]);                   \
  } while (0)

RED_INLINE void range_reduce_d(const range_d *f, const ca_reduction *r) {
#define ONE(w, p) f->fin(fold_one_d(f->hi, w, p), fold_one_d(f->lo, w, p))
#define BLOCK(p, kb, res) RANGE_BLOCK(double, fold_block_d, p, kb, res)
  if (columns_fit(r)) EACH_BLOCK(r, double, CA_CPU_D, BLOCK);
  else EACH_OUTPUT(r, ONE, STORE_D);
#undef ONE
#undef BLOCK
}

RED_INLINE void range_reduce_i(const range_i *f, const ca_reduction *r) {
#define ONE(w, p) f->fin(fold_one_i(f->hi, w, p, 0), fold_one_i(f->lo, w, p, 0))
#define BLOCK(p, kb, res) RANGE_BLOCK(ca_i, fold_block_i, p, kb, res)
  if (columns_fit(r)) EACH_BLOCK(r, ca_i, f->hi->ct, BLOCK);
  else if (f->hi->ct == CA_CPU_U) EACH_OUTPUT(r, ONE, STORE_U);
  else EACH_OUTPUT(r, ONE, STORE_I);
#undef ONE
#undef BLOCK
}

/* ---- the rows of ops.def, instantiated ------------------------------------------------------ */

/* The formulas of a row of reduce_ops.h at type t: F(formula, t) is ca_<formula>_<t>. */
#define F(formula, t) ca_##formula##_##t
#define FOLD_i(id, skip, comb, fin)                                                               \
  {F(id, i), F(skip, i), F(comb, i), F(fin, i), F(skip, skips), F(skip, d), CA_CPU_I}
#define FOLD_ub(id, skip, comb, fin)                                                              \
  {F(id, ub), F(skip, ub), F(comb, ub), F(fin, ub), F(skip, skips), F(skip, d), CA_CPU_U}
#define FOLD_d(id, skip, comb, fin) {F(id, d), F(skip, d), F(comb, d), F(fin, d), F(skip, skips), pairwise_##skip}
#define ARG_i(skip, beats) {F(skip, i), F(beats, i), CA_CPU_I}
#define ARG_ub(skip, beats) {F(skip, ub), F(beats, ub), CA_CPU_U}
#define ARG_d(skip, beats) {F(skip, d), F(beats, d)}
#define MOMENT_d(skip, fin) {FOLD_d(zero, skip, add, average), F(fin, d)}
#define RANGE_i(hi, lo, fin) {&fold_##hi##_i, &fold_##lo##_i, F(fin, i)}
#define RANGE_ub(hi, lo, fin) {&fold_##hi##_ub, &fold_##lo##_ub, F(fin, ub)}
#define RANGE_d(hi, lo, fin) {&fold_##hi##_d, &fold_##lo##_d, F(fin, d)}
#define APPLY(macro, ...) macro(__VA_ARGS__)

/* Row n of kind k (K in capitals) at type t: its formulas k_<n>_<t>, and its entry
 * run_<n>_<e> running k_reduce_<e> on them. */
#define FORMULAS(k, K, n, t) static const k##_##t k##_##n##_##t = APPLY(K##_##t, CA_##K##_##n);
/* A row's runner; reductions over columns (columns_fit) run in a copy that also has an AVX2
 * build, where four doubles a vector speed the column folds up. Along rows the AVX2 build was
 * slower (var of 2048 rows of 1024 float32: 1.85 -> 4.4 ms on the development machine), so
 * they keep the baseline one. */
#define RUNNER(k, n, e, t)                                                                         \
  CA_CPU_CLONES static void run_cols_##n##_##e(const ca_reduction *r) { k##_reduce_##e(&k##_##n##_##t, r); } \
  static void run_##n##_##e(const ca_reduction *r) {                                               \
    if (columns_fit(r)) run_cols_##n##_##e(r);                                                     \
    else k##_reduce_##e(&k##_##n##_##t, r);                                                        \
  }
#define ROW(k, K, n, t) FORMULAS(k, K, n, t) RUNNER(k, n, t, t)

/* The uint64 accumulation type (ub: uint64 as int64 bits) runs the integer loops. */
typedef fold_i fold_ub;
typedef arg_i arg_ub;
typedef range_i range_ub;
#define fold_reduce_ub fold_reduce_i
#define arg_reduce_ub arg_reduce_i
#define range_reduce_ub range_reduce_i
#define UB0(name) static ca_i ca_##name##_ub(void) { return (ca_i)ca_##name##_u(); }
#define UB1(name) static ca_i ca_##name##_ub(ca_i x) { return (ca_i)ca_##name##_u((ca_u)x); }
#define UB2(name)                                                                                 \
  static ca_i ca_##name##_ub(ca_i a, ca_i b) { return (ca_i)ca_##name##_u((ca_u)a, (ca_u)b); }
#define UBFIN(name)                                                                               \
  static ca_i ca_##name##_ub(ca_i a, int64_t n) { return (ca_i)ca_##name##_u((ca_u)a, n); }
UB0(zero) UB0(one) UB0(lowest) UB0(highest)
UB1(never) UB1(isnan)
UB2(add) UB2(multiply) UB2(maximum) UB2(minimum) UB2(subtract) UB2(beats_max) UB2(beats_min)
UBFIN(total) UBFIN(nan_if_none)

/* The rows of each rule at the accumulation types ca_reduce_acc gives it. */
#define ROWS_FOLD_ALL(name) ROW(fold, FOLD, name, i) ROW(fold, FOLD, name, ub) ROW(fold, FOLD, name, d)
#define ROWS_CA_RULE_ACCUMULATE(name) ROWS_FOLD_ALL(name)
#define ROWS_CA_RULE_SAME(name) ROWS_FOLD_ALL(name)
#define ROWS_CA_RULE_MEAN(name) ROW(fold, FOLD, name, d)
#define ROWS_CA_RULE_PREDICATE(name) FORMULAS(fold, FOLD, name, i) RUNNER(fold, name, truth, i)
#define ROWS_CA_RULE_COUNT(name) FORMULAS(fold, FOLD, name, i) RUNNER(fold, name, count, i)
#define ROWS_CA_RULE_INDEX(name)                                                                  \
  ROW(arg, ARG, name, i) ROW(arg, ARG, name, ub) ROW(arg, ARG, name, d)
#define ROWS_CA_RULE_MOMENT(name) ROW(moment, MOMENT, name, d)
#define ROWS_CA_RULE_RANGE(name)                                                                  \
  ROW(range, RANGE, name, i) ROW(range, RANGE, name, ub) ROW(range, RANGE, name, d)

#define CA_REDUCE(name, rule) ROWS_##rule(name)
#include "ops.def"

typedef void (*red_fn)(const ca_reduction *r);
typedef struct red_row {
  int rule;
  red_fn run[4]; /* by ca_racc */
} red_row;

#define RUNS_ID(name)                                                                             \
  {[CA_RACC_I] = run_##name##_i, [CA_RACC_D] = run_##name##_d, [CA_RACC_U] = run_##name##_ub}
#define RUNS_CA_RULE_ACCUMULATE(name) RUNS_ID(name)
#define RUNS_CA_RULE_SAME(name) RUNS_ID(name)
#define RUNS_CA_RULE_MEAN(name) {[CA_RACC_D] = run_##name##_d}
#define RUNS_CA_RULE_PREDICATE(name) {[CA_RACC_TRUTH] = run_##name##_truth}
#define RUNS_CA_RULE_COUNT(name) {[CA_RACC_TRUTH] = run_##name##_count}
#define RUNS_CA_RULE_INDEX(name) RUNS_ID(name)
#define RUNS_CA_RULE_MOMENT(name) {[CA_RACC_D] = run_##name##_d}
#define RUNS_CA_RULE_RANGE(name) RUNS_ID(name)

static const red_row red_rows[CA_NOPS] = {
#define CA_REDUCE(name, rule) [CA_OP_##name] = {rule, RUNS_##rule(name)},
#include "ops.def"
};

/* ---- threads ----------------------------------------------------------------------------- */

/* Large reductions with outputs split among threads along one kept dim: each part is the same
 * reduction over a slice of the outputs, so every output is computed as it would be alone (the
 * same order of additions; results do not depend on the thread count). NumPy reduces on one
 * core. */
typedef struct red_split {
  const ca_reduction *r;
  red_fn run;
  int dim;
} red_split;

static void run_split(void *ctx, int64_t lo, int64_t hi) {
  const red_split *sp = (const red_split *)ctx;
  ca_reduction part = *sp->r;
  int d = sp->dim;
  part.shape[d] = hi - lo;
  part.in.data += lo * part.in.strides[d] * (int64_t)ca_itemsize(part.in.dtype);
  part.out.data += lo * part.out.strides[d] * (int64_t)ca_itemsize(part.out.dtype);
  sp->run(&part);
}

static int64_t count_of(const int64_t *shape, int nd) {
  int64_t c = 1;
  for (int d = 0; d < nd; d++) c *= shape[d];
  return c;
}

/* The kept dim to split: the longest (-1: none is longer than 1). */
static int split_dim(const ca_reduction *r) {
  int best = -1;
  for (int d = 0; d < r->nout; d++)
    if (r->shape[d] > 1 && (best < 0 || r->shape[d] > r->shape[best])) best = d;
  return best;
}

static int valid_reduction(const ca_reduction *r) {
  return r->nout >= 0 && r->nred >= 0 && r->nout + r->nred <= CA_MAXDIMS && r->in.data &&
         r->out.data && r->in.dtype >= 0 && r->in.dtype < CA_NDTYPES && r->out.dtype >= 0 &&
         r->out.dtype < CA_NDTYPES;
}

ca_status ca_cpu_reduce(ca_backend *be, int op, const ca_reduction *r) {
  (void)be;
  if (!valid_reduction(r)) return CA_ERR_VALUE;
  if (!ca_is_reduce_op(op)) return CA_ERR_UNSUPPORTED;
  const red_row *row = &red_rows[op];
  for (int d = 0; d < r->nout; d++)
    if (r->shape[d] == 0) return CA_OK;
  int64_t n = count_of(r->shape + r->nout, r->nred); /* elements reduced into each output */
  if (n == 0 && !ca_reduce_has_identity(row->rule)) return CA_ERR_VALUE;
  red_fn run = row->run[ca_reduce_acc(row->rule, r->in.dtype, r->out.dtype)];
  if (!run) return CA_ERR_UNSUPPORTED;
  int64_t total = n * count_of(r->shape, r->nout); /* elements read */
  int dim = split_dim(r);
  if (dim < 0 || total < 2 * CA_CPU_GRAIN) {
    run(r);
    return CA_OK;
  }
  int64_t per = total / r->shape[dim]; /* elements read for one index of the split dim */
  int64_t grain = (CA_CPU_GRAIN + per - 1) / per;
  /* a part of one column would take the one-output path, whose order of additions differs */
  if (dim == r->nout - 1 && columns_fit(r) && grain < 2) grain = 2;
  red_split sp = {r, run, dim};
  ca_cpu_parallel(r->shape[dim], grain, run_split, &sp);
  return CA_OK;
}
