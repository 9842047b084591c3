/* Sorting, searching and counting on the CPU: the reference for the sort, searchsorted,
 * bincount and scatter_add entries. Elements are compared through their keys (src/sort_keys.h), so every
 * dtype sorts as unsigned integers of its width: a stable LSD radix sort of 8-bit digits,
 * skipping the digits every key shares, with insertion sort for short rows. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cpu_internal.h"
#include "sort_keys.h"
#include "histogram_bin.h"

#define SHORT_ROW 24

/* Rows of at most this many elements whose keys are at most 4 bytes wide sort as one 64-bit
 * word per element, the key above the position (half the memory traffic of two arrays). */
#define PACK_MAX ((int64_t)UINT32_MAX)

/* Stable insertion sort by k (and ix along, when given). */
static void insertion_sort(uint64_t *k, int64_t *ix, int64_t n) {
  for (int64_t i = 1; i < n; i++) {
    uint64_t kv = k[i];
    int64_t iv = ix ? ix[i] : 0, j = i - 1;
    while (j >= 0 && k[j] > kv) {
      k[j + 1] = k[j];
      if (ix) ix[j + 1] = ix[j];
      j--;
    }
    k[j + 1] = kv;
    if (ix) ix[j + 1] = iv;
  }
}

/* Stable LSD radix sort of k (and ix along, when not NULL) by bytes lo..hi-1 of k, with k2/ix2
 * as scratch; digits that every key shares are skipped. Returns the buffer that holds the
 * result: 0 for k/ix, 1 for k2/ix2. */
static int radix_sort(uint64_t *k, int64_t *ix, uint64_t *k2, int64_t *ix2, int64_t n, int lo, int hi) {
  if (n <= SHORT_ROW) {
    insertion_sort(k, ix, n);
    return 0;
  }
  static const int64_t zero[256];
  int64_t cnt[8][256];
  for (int b = lo; b < hi; b++) memcpy(cnt[b], zero, sizeof zero);
  for (int64_t i = 0; i < n; i++) {
    uint64_t v = k[i];
    for (int b = lo; b < hi; b++) cnt[b][(v >> (8 * b)) & 255]++;
  }
  int which = 0;
  for (int b = lo; b < hi; b++) {
    int sh = 8 * b;
    if (cnt[b][(k[0] >> sh) & 255] == n) continue; /* every key has this digit */
    int64_t pos[256], run = 0;
    for (int d = 0; d < 256; d++) {
      pos[d] = run;
      run += cnt[b][d];
    }
    if (ix) {
      for (int64_t i = 0; i < n; i++) {
        int64_t at = pos[(k[i] >> sh) & 255]++;
        k2[at] = k[i];
        ix2[at] = ix[i];
      }
    } else {
      for (int64_t i = 0; i < n; i++) k2[pos[(k[i] >> sh) & 255]++] = k[i];
    }
    uint64_t *tk = k; k = k2; k2 = tk;
    int64_t *ti = ix; ix = ix2; ix2 = ti;
    which ^= 1;
  }
  return which;
}

/* ---- values alone of 4-byte dtypes --------------------------------------------------------- */

/* Stable LSD radix sort of 32-bit keys by their bytes, digits every key shares skipped; k2 is
 * scratch. Returns the buffer holding the result. */
static uint32_t *radix_sort32(uint32_t *k, uint32_t *k2, int64_t n) {
  int64_t cnt[4][256];
  memset(cnt, 0, sizeof cnt);
  for (int64_t i = 0; i < n; i++)
    for (int b = 0; b < 4; b++) cnt[b][(k[i] >> (8 * b)) & 255]++;
  for (int b = 0; b < 4; b++) {
    int sh = 8 * b;
    if (cnt[b][(k[0] >> sh) & 255] == n) continue;
    int64_t pos[256], run = 0;
    for (int d = 0; d < 256; d++) {
      pos[d] = run;
      run += cnt[b][d];
    }
    for (int64_t i = 0; i < n; i++) k2[pos[(k[i] >> sh) & 255]++] = k[i];
    uint32_t *t = k; k = k2; k2 = t;
  }
  return k;
}

/* The element of the 4-byte dtype dt whose key (ca_sort_key_4) is key: exact but for the
 * zeros, +0 and -0 sharing a key, and the NaNs, which share one. */
static inline uint32_t element_of_key4(int dt, uint32_t key) {
  if (dt == CA_INT32) return key ^ 0x80000000u;
  if (dt == CA_UINT32) return key;
  return (key & 0x80000000u) ? key & 0x7fffffffu : ~key;
}

/* The first k sorted elements of a row of n 4-byte elements, without positions: the keys alone
 * sort (4 bytes an element where keys packed with positions take 8, and no gather from the row
 * after) and turn back into elements. Zeros and NaNs of a float32 row, whose keys do not say
 * which they were, are put back into their runs in the row's order (the sort is stable). k and
 * k2 hold n keys each. */
static void sort_values4(const ca_sort *s, const uint32_t *row, uint32_t *out, uint32_t *k, uint32_t *k2) {
  int64_t n = s->n, zeros = 0, nans = 0, negative = 0;
  int dt = s->dtype, f32 = dt == CA_FLOAT32;
  for (int64_t i = 0; i < n; i++) {
    uint32_t key = ca_sort_key_4(dt, &row[i]);
    if (f32) {
      zeros += key == 0x80000000u;
      nans += key == 0xffffffffu;
      negative += key < 0x80000000u;
    }
    k[i] = s->descending ? ~key : key;
  }
  const uint32_t *sorted = radix_sort32(k, k2, n);
  for (int64_t i = 0; i < s->k; i++) out[i] = element_of_key4(dt, s->descending ? ~sorted[i] : sorted[i]);
  if (!zeros && !nans) return;
  /* where the runs start: ascending, after the negatives and before the NaNs at the end;
   * descending, the NaNs first, then the positives */
  int64_t zero_at = s->descending ? n - negative - zeros : negative;
  int64_t nan_at = s->descending ? 0 : n - nans;
  for (int64_t i = 0; i < n; i++) {
    uint32_t b = row[i], key = ca_sort_key_4(dt, &b);
    int64_t *at = key == 0x80000000u ? &zero_at : key == 0xffffffffu ? &nan_at : NULL;
    if (at && *at < s->k) out[*at] = b;
    if (at) ++*at;
  }
}

typedef struct sort_job {
  const ca_sort *s;
  uint64_t *buf; /* for a single row: scratch from the backend's allocator; else NULL */
  int failed;
} sort_job;

static void copy_element(char *dst, const char *src, size_t sz) {
  switch (sz) {
  case 1: *dst = *src; break;
  case 2: memcpy(dst, src, 2); break;
  case 4: memcpy(dst, src, 4); break;
  default: memcpy(dst, src, 8); break;
  }
}

/* Scratch words per row of n elements: two key arrays, and two position arrays unless the
 * positions are packed with the keys. */
static size_t scratch_words(int64_t n, int w) { return (size_t)n * (w <= 4 && n <= PACK_MAX ? 2 : 4); }

/* The position of the i-th smallest: from the positions, or the low word of a packed key. */
static inline int64_t pos_at(const int64_t *perm, const uint64_t *sorted, int64_t i) {
  return perm ? perm[i] : (int64_t)(sorted[i] & 0xffffffffu);
}

static void sort_rows(void *ctx, int64_t lo, int64_t hi) {
  sort_job *job = (sort_job *)ctx;
  const ca_sort *s = job->s;
  int64_t n = s->n;
  size_t sz = ca_itemsize(s->dtype);
  int w = (int)sz, packed = w <= 4 && n <= PACK_MAX;
  uint64_t mask = w == 8 ? ~(uint64_t)0 : (((uint64_t)1 << (8 * w)) - 1);
  uint64_t *k = job->buf ? job->buf : (uint64_t *)malloc(scratch_words(n, w) * sizeof(uint64_t));
  if (!k) {
    __atomic_store_n(&job->failed, 1, __ATOMIC_RELAXED);
    return;
  }
  int64_t *ix = packed ? NULL : (int64_t *)(k + 2 * n);
  for (int64_t r = lo; r < hi; r++) {
    const char *row = (const char *)s->keys + (size_t)(r * n) * sz;
    if (w == 4 && s->values && !s->indices && n > SHORT_ROW) {
      sort_values4(s, (const uint32_t *)row, (uint32_t *)s->values + r * s->k, (uint32_t *)k,
                   (uint32_t *)k + n);
      continue;
    }
    const int64_t *perm;
    uint64_t *sorted;
    if (packed) {
      for (int64_t i = 0; i < n; i++) {
        uint64_t key = ca_sort_key(s->dtype, row + (size_t)i * sz);
        k[i] = (s->descending ? ~key & mask : key) << 32 | (uint64_t)i;
      }
      sorted = radix_sort(k, NULL, k + n, NULL, n, 4, 4 + w) ? k + n : k;
      perm = NULL;
    } else {
      for (int64_t i = 0; i < n; i++) {
        uint64_t key = ca_sort_key(s->dtype, row + (size_t)i * sz);
        k[i] = s->descending ? ~key & mask : key;
        ix[i] = i;
      }
      int which = radix_sort(k, ix, k + n, ix + n, n, 0, w);
      perm = which ? ix + n : ix;
      sorted = NULL;
    }
    if (s->indices) {
      int64_t *out = s->indices + r * s->k;
      for (int64_t i = 0; i < s->k; i++) out[i] = pos_at(perm, sorted, i) + 1;
    }
    if (s->values) {
      char *out = (char *)s->values + (size_t)(r * s->k) * sz;
      for (int64_t i = 0; i < s->k; i++) copy_element(out + (size_t)i * sz, row + (size_t)pos_at(perm, sorted, i) * sz, sz);
    }
  }
  if (!job->buf) free(k);
}

ca_status ca_cpu_sort(ca_backend *be, const ca_sort *s) {
  if (!ca_sortable(s->dtype) || s->rows < 0 || s->n < 0 || s->k < 0 || s->k > s->n) return CA_ERR_VALUE;
  if (s->rows == 0 || s->k == 0) return CA_OK;
  sort_job job = {s, NULL, 0};
  size_t bytes = scratch_words(s->n, (int)ca_itemsize(s->dtype)) * sizeof(uint64_t);
  if (s->rows == 1) { /* one long row: the allocator's large pages spare the page faults */
    ca_status st = be->alloc(be, bytes, (void **)&job.buf);
    if (st != CA_OK) return st;
    sort_rows(&job, 0, 1);
    be->free(be, job.buf, bytes);
    return CA_OK;
  }
  int64_t grain = s->n >= CA_CPU_GRAIN / 8 ? 1 : (CA_CPU_GRAIN / 8) / s->n + 1;
  ca_cpu_parallel(s->rows, grain, sort_rows, &job);
  if (job.failed) {
    snprintf(be->errmsg, sizeof be->errmsg, "cpu: out of memory sorting rows of %lld elements",
             (long long)s->n);
    return CA_ERR_NOMEM;
  }
  return CA_OK;
}

typedef struct search_job {
  int dtype, right;
  const char *sorted, *values;
  int64_t n;
  int64_t *out;
} search_job;

static void search_part(void *ctx, int64_t lo, int64_t hi) {
  const search_job *j = (const search_job *)ctx;
  size_t sz = ca_itemsize(j->dtype);
  for (int64_t i = lo; i < hi; i++) {
    uint64_t v = ca_sort_key(j->dtype, j->values + (size_t)i * sz);
    int64_t a = 0, b = j->n; /* the answer is in [a, b] */
    while (a < b) {
      int64_t mid = a + (b - a) / 2;
      uint64_t m = ca_sort_key(j->dtype, j->sorted + (size_t)mid * sz);
      if (j->right ? m <= v : m < v) a = mid + 1;
      else b = mid;
    }
    j->out[i] = a + 1;
  }
}

ca_status ca_cpu_searchsorted(ca_backend *be, int dtype, const void *sorted, int64_t n,
                              const void *values, int64_t m, int right, int64_t *out) {
  (void)be;
  if (!ca_sortable(dtype) || n < 0 || m < 0) return CA_ERR_VALUE;
  search_job j = {dtype, right, (const char *)sorted, (const char *)values, n, out};
  ca_cpu_parallel(m, 1 << 14, search_part, &j);
  return CA_OK;
}

ca_status ca_cpu_unique(ca_backend *be, int dtype, const void *sorted, int64_t n, int equal_nan,
                        void *values, int64_t *starts, int64_t *count) {
  (void)be;
  if (!ca_sortable(dtype) || n < 1) return CA_ERR_VALUE;
  size_t sz = ca_itemsize(dtype);
  const char *p = (const char *)sorted;
  char *v = (char *)values;
  int64_t m = 0;
  uint64_t prev = 0;
  for (int64_t i = 0; i < n; i++) {
    uint64_t k = ca_sort_key(dtype, p + (size_t)i * sz);
    if (i > 0 && ca_same_value(dtype, prev, k, (int)sz, equal_nan)) continue;
    prev = k;
    memcpy(v + (size_t)m * sz, p + (size_t)i * sz, sz);
    starts[m++] = i + 1;
  }
  *count = m;
  return CA_OK;
}

/* The bins of bincount and histogram: int64 counts, or with weights double sums. */
static void clear_bins(void *out, const double *weights, int64_t nbins) {
  for (int64_t b = 0; b < nbins; b++) {
    if (weights) ((double *)out)[b] = 0;
    else ((int64_t *)out)[b] = 0;
  }
}

static void add_to_bin(void *out, const double *weights, int64_t bin, int64_t i) {
  if (weights) ((double *)out)[bin] += weights[i];
  else ((int64_t *)out)[bin]++;
}

/* In the order of x, as NumPy adds the weights. */
ca_status ca_cpu_bincount(ca_backend *be, int dtype, const void *x, int64_t n,
                          const double *weights, int64_t nbins, void *out, int64_t *range) {
  (void)be;
  if (n < 0 || nbins < 0 || !(ca_is_integer(dtype) || dtype == CA_BOOL)) return CA_ERR_VALUE;
  size_t sz = ca_itemsize(dtype);
  const char *p = (const char *)x;
  clear_bins(out, weights, nbins);
  int64_t lo = INT64_MAX, hi = INT64_MIN;
  for (int64_t i = 0; i < n; i++) {
    int64_t v = (int64_t)ca_load_i(dtype, p + (size_t)i * sz);
    if (v < lo) lo = v;
    if (v > hi) hi = v;
    if (v >= 0 && v < nbins) add_to_bin(out, weights, v, i);
  }
  if (n > 0) {
    range[0] = lo;
    range[1] = hi;
  }
  return CA_OK;
}

/* The bin of element i of h's data, or -1. */
static inline int64_t bin_of(const ca_histogram *h, int64_t i) {
  if (h->dtype == CA_FLOAT32)
    return ca_bin_f32(((const float *)h->x)[i], (float)h->first, (float)h->last, (float)h->norm,
                      h->norm, h->norm32, (const float *)h->edges, h->nbins);
  return ca_bin_f64(ca_load_d(h->dtype, (const char *)h->x + (size_t)i * ca_itemsize(h->dtype)),
                    h->first, h->last, h->norm, (const double *)h->edges, h->nbins);
}

/* The loop of count_part for one kind of data: the bin rule's parameters in locals. */
#define COUNT_LOOP(BIN)                                                                      \
  do {                                                                                       \
    for (; i + HIST_COPIES <= end; i += HIST_COPIES)                                         \
      for (int c = 0; c < HIST_COPIES; c++) {                                                \
        int64_t k = BIN(i + c);                                                              \
        if (k >= 0) local[c * nb + k]++;                                                     \
      }                                                                                      \
    for (; i < end; i++) {                                                                   \
      int64_t k = BIN(i);                                                                    \
      if (k >= 0) local[k]++;                                                                \
    }                                                                                        \
  } while (0)

/* Counts without weights need no order: each part of the data counts into its own bins (four
 * copies, so that runs of one bin do not wait on each other's increments) and adds them to
 * the total. Up to this many bins; more are counted in one pass. */
#define HIST_LOCAL_BINS 4096
#define HIST_COPIES 4

static void count_part(void *ctx, int64_t lo, int64_t hi) {
  const ca_histogram *h = (const ca_histogram *)ctx;
  int64_t nb = h->nbins;
  uint32_t local[HIST_COPIES * HIST_LOCAL_BINS];
  memset(local, 0, sizeof(uint32_t) * (size_t)(HIST_COPIES * nb));
  for (int64_t i0 = lo; i0 < hi; i0 += (int64_t)1 << 30) { /* uint32 counts cannot wrap */
    int64_t end = hi - i0 > ((int64_t)1 << 30) ? i0 + ((int64_t)1 << 30) : hi, i = i0;
    if (h->dtype == CA_FLOAT32) {
      const float *x = (const float *)h->x, *edges = (const float *)h->edges;
      const float first = (float)h->first, last = (float)h->last, normf = (float)h->norm;
      const double normd = h->norm;
      const int norm32 = h->norm32;
#define BIN_F32(j) ca_bin_f32(x[j], first, last, normf, normd, norm32, edges, nb)
      COUNT_LOOP(BIN_F32);
#undef BIN_F32
    } else {
#define BIN_ANY(j) bin_of(h, j)
      COUNT_LOOP(BIN_ANY);
#undef BIN_ANY
    }
    for (int64_t b = 0; b < nb; b++) {
      int64_t t = 0;
      for (int c = 0; c < HIST_COPIES; c++) {
        t += local[c * nb + b];
        local[c * nb + b] = 0;
      }
      if (t) __atomic_fetch_add((int64_t *)h->out + b, t, __ATOMIC_RELAXED);
    }
  }
}

/* Weights are added in the order of x, as NumPy adds them. */
ca_status ca_cpu_histogram(ca_backend *be, const ca_histogram *h) {
  (void)be;
  int dt = h->dtype;
  if (h->n < 0 || h->nbins < 1 || !(ca_is_integer(dt) || dt == CA_BOOL || dt == CA_FLOAT32 ||
                                   dt == CA_FLOAT64))
    return CA_ERR_VALUE;
  clear_bins(h->out, h->weights, h->nbins);
  if (!h->weights && h->nbins <= HIST_LOCAL_BINS) {
    ca_cpu_parallel(h->n, CA_CPU_GRAIN, count_part, (void *)h);
    return CA_OK;
  }
  for (int64_t i = 0; i < h->n; i++) {
    int64_t k = bin_of(h, i);
    if (k >= 0) add_to_bin(h->out, h->weights, k, i);
  }
  return CA_OK;
}

/* In order, as NumPy's add.at. */
ca_status ca_cpu_scatter_add(ca_backend *be, int dtype, void *base, const int64_t *offs,
                             const void *vals, int64_t n) {
  (void)be;
  if (dtype < 0 || dtype >= CA_NDTYPES || n < 0) return CA_ERR_VALUE;
  size_t sz = ca_itemsize(dtype);
  char *b = (char *)base;
  const char *v = (const char *)vals;
  for (int64_t i = 0; i < n; i++) {
    char *p = b + offs[i] * (int64_t)sz;
    const char *x = v + (size_t)i * sz;
    if (dtype == CA_COMPLEX128) ca_store_z(dtype, p, ca_add_z(ca_load_z(dtype, p), ca_load_z(dtype, x)));
    else if (dtype == CA_COMPLEX64) ca_store_c(dtype, p, ca_add_c(ca_load_c(dtype, p), ca_load_c(dtype, x)));
    else if (dtype == CA_FLOAT64) ca_store_d(dtype, p, ca_load_d(dtype, p) + ca_load_d(dtype, x));
    else if (ca_is_float(dtype)) ca_store_f(dtype, p, ca_load_f(dtype, p) + ca_load_f(dtype, x));
    else ca_store_i(dtype, p, (ca_i)((ca_u)ca_load_i(dtype, p) + (ca_u)ca_load_i(dtype, x)));
  }
  return CA_OK;
}
