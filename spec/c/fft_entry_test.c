/* The CPU backend's fft entry (src/cpu/fft.c) on its own: batches, strided and flipped
 * operands, ranks 1 to 3, float32 and float64, against a direct multi-dimensional DFT in long
 * double, and the R2C/C2R pair against C2C. TAP output; exits 1 on a failure. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cpu/cpu_internal.h"

static const long double two_pi = 6.283185307179586476925286766559005768L;
static int test, failed;

static uint64_t state = 0x2545F4914F6CDD1Du;
static double draw(void) {
  state = state * 6364136223846793005u + 1442695040888963407u;
  return (double)(state >> 11) / 4503599627370496.0 - 1.0;
}

/* The element at multi-index idx of an operand of precision `real` (complex when cplx). */
static void get(const char *base, const int64_t *st, const int64_t *idx, int nd, int real, int cplx,
                long double *re, long double *im) {
  int64_t off = 0;
  for (int k = 0; k < nd; k++) off += idx[k] * st[k];
  if (real == CA_FLOAT32) {
    const float *p = (const float *)base + off * (cplx ? 2 : 1);
    *re = p[0], *im = cplx ? p[1] : 0;
  } else {
    const double *p = (const double *)base + off * (cplx ? 2 : 1);
    *re = p[0], *im = cplx ? p[1] : 0;
  }
}

static int next(int64_t *idx, const int64_t *shape, int nd) {
  for (int k = nd - 1; k >= 0; k--) {
    if (++idx[k] < shape[k]) return 1;
    idx[k] = 0;
  }
  return 0;
}

/* Checks f's output against the direct DFT of its input (C2C and R2C). */
static void check(const ca_fft *f, const char *what) {
  int nd = f->ndim, first = nd - f->rank;
  int64_t oshape[CA_MAXDIMS], o[CA_MAXDIMS] = {0}, i[CA_MAXDIMS];
  memcpy(oshape, f->shape, sizeof oshape);
  if (f->kind == CA_FFT_R2C) oshape[nd - 1] = f->shape[nd - 1] / 2 + 1;
  long double num = 0, den = 0;
  int sign = f->kind == CA_FFT_R2C ? -1 : f->sign;
  do {
    long double sr = 0, si = 0;
    memcpy(i, o, sizeof i);
    for (int k = first; k < nd; k++) i[k] = 0;
    do {
      long double ang = 0;
      for (int k = first; k < nd; k++) ang += (long double)((i[k] * o[k]) % f->shape[k]) / f->shape[k];
      long double xr, xi, c = cosl(two_pi * ang), s = sign * sinl(two_pi * ang);
      get(f->in, f->in_strides, i, nd, f->real, f->kind == CA_FFT_C2C, &xr, &xi);
      sr += xr * c - xi * s;
      si += xr * s + xi * c;
      int k = nd - 1;
      for (; k >= first; k--) {
        if (++i[k] < f->shape[k]) break;
        i[k] = 0;
      }
      if (k < first) break;
    } while (1);
    long double yr, yi;
    get(f->out, f->out_strides, o, nd, f->real, 1, &yr, &yi);
    sr *= f->scale, si *= f->scale;
    long double d = hypotl(yr - sr, yi - si), m = hypotl(sr, si);
    if (d > num) num = d;
    if (m > den) den = m;
  } while (next(o, oshape, nd));
  double err = (double)(num / den), tol = f->real == CA_FLOAT32 ? 2e-6 : 1e-14;
  int ok = err < tol;
  failed += !ok;
  printf("%s %d - %s: relative error %.3g\n", ok ? "ok" : "not ok", ++test, what, err);
}

static ca_backend be;
static ca_cpu_ctx ctx;

/* A buffer of `count` elements of (real, cplx) filled with draws; *strides for a C-order
 * layout of shape, with the last dim spaced by `gap` and the first flipped when flip. */
static char *operand(const int64_t *shape, int nd, int real, int cplx, int64_t gap, int flip,
                     int64_t *strides, char **base) {
  int64_t count = 1;
  for (int k = nd - 1; k >= 0; k--) {
    strides[k] = k == nd - 1 ? gap : count;
    count = strides[k] * shape[k];
  }
  size_t esz = (real == CA_FLOAT32 ? 4 : 8) * (cplx ? 2 : 1);
  char *p = malloc(count * esz);
  for (int64_t j = 0; j < count * (cplx ? 2 : 1); j++) {
    if (real == CA_FLOAT32) ((float *)p)[j] = (float)draw();
    else ((double *)p)[j] = draw();
  }
  *base = p;
  if (flip) {
    char *e = p + (shape[0] - 1) * strides[0] * (int64_t)esz;
    strides[0] = -strides[0];
    return e;
  }
  return p;
}

static void run(int kind, int real, int nd, int rank, const int64_t *shape, int sign, double scale,
                int64_t gap, int flip) {
  ca_fft f;
  memset(&f, 0, sizeof f);
  f.kind = kind, f.real = real, f.sign = sign, f.ndim = nd, f.rank = rank, f.scale = scale;
  memcpy(f.shape, shape, nd * sizeof *shape);
  int64_t oshape[CA_MAXDIMS];
  memcpy(oshape, shape, nd * sizeof *shape);
  if (kind == CA_FFT_R2C) oshape[nd - 1] = shape[nd - 1] / 2 + 1;
  char *ib, *ob;
  f.in = operand(shape, nd, real, kind == CA_FFT_C2C, gap, flip, f.in_strides, &ib);
  f.out = operand(oshape, nd, real, 1, 1, 0, f.out_strides, &ob);
  char what[160];
  int len = snprintf(what, sizeof what, "%s %s rank %d sign %d gap %lld%s shape", kind == CA_FFT_C2C ? "C2C" : "R2C",
                     real == CA_FLOAT32 ? "float32" : "float64", rank, sign, (long long)gap, flip ? " flipped" : "");
  for (int k = 0; k < nd; k++) len += snprintf(what + len, sizeof what - len, " %lld", (long long)shape[k]);
  ca_status st = be.fft(&be, &f);
  if (st != CA_OK) {
    printf("not ok %d - %s: status %d %s\n", ++test, what, st, be.errmsg);
    failed++;
  } else {
    check(&f, what);
  }
  free(ib), free(ob);
}

/* irfft(rfft(x)) == x through the C2R kind (rank nd - batch), with the 1/N scale. */
static void round_trip(int real, int nd, int rank, const int64_t *shape) {
  ca_fft f;
  memset(&f, 0, sizeof f);
  f.real = real, f.ndim = nd, f.rank = rank, f.scale = 1;
  memcpy(f.shape, shape, nd * sizeof *shape);
  int64_t cshape[CA_MAXDIMS], xs[CA_MAXDIMS], cs[CA_MAXDIMS], ys[CA_MAXDIMS];
  memcpy(cshape, shape, nd * sizeof *shape);
  cshape[nd - 1] = shape[nd - 1] / 2 + 1;
  char *xb, *cb, *yb;
  const char *x = operand(shape, nd, real, 0, 1, 0, xs, &xb);
  char *c = operand(cshape, nd, real, 1, 1, 0, cs, &cb);
  char *y = operand(shape, nd, real, 0, 1, 0, ys, &yb);
  double n = 1;
  for (int k = nd - rank; k < nd; k++) n *= shape[k];
  f.kind = CA_FFT_R2C, f.in = x, f.out = c;
  memcpy(f.in_strides, xs, sizeof xs), memcpy(f.out_strides, cs, sizeof cs);
  ca_status st = be.fft(&be, &f);
  f.kind = CA_FFT_C2R, f.in = c, f.out = y, f.scale = 1 / n;
  memcpy(f.in_strides, cs, sizeof cs), memcpy(f.out_strides, ys, sizeof ys);
  if (st == CA_OK) st = be.fft(&be, &f);
  int64_t count = 1;
  for (int k = 0; k < nd; k++) count *= shape[k];
  double worst = 0;
  for (int64_t j = 0; j < count; j++) {
    double a = real == CA_FLOAT32 ? ((float *)x)[j] : ((double *)x)[j];
    double b = real == CA_FLOAT32 ? ((float *)y)[j] : ((double *)y)[j];
    if (fabs(a - b) > worst) worst = fabs(a - b);
  }
  int ok = st == CA_OK && worst < (real == CA_FLOAT32 ? 2e-6 : 1e-14);
  failed += !ok;
  printf("%s %d - C2R(R2C) %s rank %d last %lld: max error %.3g\n", ok ? "ok" : "not ok", ++test,
         real == CA_FLOAT32 ? "float32" : "float64", rank, (long long)shape[nd - 1], worst);
  free(xb), free(cb), free(yb);
}

int main(void) {
  ca_cpu_backend_init(&be, &ctx);
  printf("1..24\n");
  static const int64_t s1[] = {3, 17}, s2[] = {5, 97}, s3[] = {4, 6, 7}, s4[] = {2, 3, 5, 4};
  static const int64_t s5[] = {1009}, s6[] = {2, 9, 8}, s7[] = {6, 10}, s8[] = {3, 7};
  for (int real = CA_FLOAT32; real <= CA_FLOAT64; real++) {
    run(CA_FFT_C2C, real, 2, 1, s1, -1, 1, 1, 0);
    run(CA_FFT_C2C, real, 2, 1, s2, 1, 1.0 / 97, 3, 1);
    run(CA_FFT_C2C, real, 3, 2, s3, -1, 1 / sqrt(42.0), 2, 1);
    run(CA_FFT_C2C, real, 4, 3, s4, 1, 1, 1, 0);
    run(CA_FFT_C2C, real, 1, 1, s5, -1, 1, 1, 0);
    run(CA_FFT_R2C, real, 2, 1, s1, -1, 1, 2, 1);
    run(CA_FFT_R2C, real, 3, 2, s6, -1, 0.5, 1, 0);
    run(CA_FFT_R2C, real, 4, 3, s4, -1, 1, 3, 1);
    round_trip(real, 2, 1, s7);
    round_trip(real, 2, 1, s8);
    round_trip(real, 3, 2, s3);
    round_trip(real, 3, 3, s6);
  }
  return failed ? 1 : 0;
}
