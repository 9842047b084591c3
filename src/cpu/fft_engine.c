/* The CPU backend's one-dimensional complex FFT: see fft_engine.h.
 *
 * Mixed radix: x of length n = p * m is split into the p subsequences x[r + p j], each
 * transformed (recursively, with the remaining factors) into out[r m .. r m + m), and one
 * radix-p butterfly per k in [0, m) combines them:
 *   X[k + m q] = sum_r W_n^(r k) Y_r[k] W_p^(r q).
 * Radix 4 and 2 have their own butterflies; 3, 5 and the other primes up to CA_FFT_MAXRADIX
 * share the direct one. A length with a larger prime factor goes through Bluestein:
 *   X[k] = c[k] sum_j (x[j] c[j]) conj(c[k - j]),  c[k] = exp(-pi i k^2 / n),
 * a convolution computed by transforms of a 2,3,5-smooth length m >= 2n - 1. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "fft_engine.h"

#define CA_FFT_MAXRADIX 31
#define CA_FFT_MAXFACTORS 64

struct ca_fft_plan {
  int64_t n;
  int nfac;
  int64_t fac[CA_FFT_MAXFACTORS]; /* mixed radix: the radices, outermost first */
  double *tw;                     /* mixed radix: exp(-2 pi i j / n), j in [0, n) */
  ca_fft_plan *sub;               /* Bluestein: the plan of length m */
  double *chirp;                  /* Bluestein: c[k], k in [0, n) */
  double *bspec;                  /* Bluestein: DFT_m of conj(c) wrapped around, over m */
};

/* The factors of n (4s first, then 2, 3, 5, ...) into p->fac; 0 when a prime factor is
 * larger than CA_FFT_MAXRADIX. */
static int factorize(ca_fft_plan *p, int64_t n) {
  p->nfac = 0;
  while (n % 4 == 0) { p->fac[p->nfac++] = 4; n /= 4; }
  if (n % 2 == 0) { p->fac[p->nfac++] = 2; n /= 2; }
  for (int64_t f = 3; n > 1; f += 2) {
    if (f > CA_FFT_MAXRADIX) return 0;
    while (n % f == 0) { p->fac[p->nfac++] = f; n /= f; }
  }
  return 1;
}

/* The smallest 2,3,5-smooth number >= n. */
static int64_t smooth_at_least(int64_t n) {
  for (int64_t m = n;; m++) {
    int64_t r = m;
    while (r % 2 == 0) r /= 2;
    while (r % 3 == 0) r /= 3;
    while (r % 5 == 0) r /= 5;
    if (r == 1) return m;
  }
}

static const long double two_pi = 6.283185307179586476925286766559005768L;

static void butterfly2(const ca_fft_plan *p, double *out, int64_t m, int64_t fs, int sign) {
  const double *tw = p->tw;
  double *a = out, *b = out + 2 * m;
  for (int64_t k = 0; k < m; k++) {
    double wr = tw[2 * k * fs], wi = sign * -tw[2 * k * fs + 1];
    double br = b[2 * k] * wr - b[2 * k + 1] * wi, bi = b[2 * k] * wi + b[2 * k + 1] * wr;
    double ar = a[2 * k], ai = a[2 * k + 1];
    a[2 * k] = ar + br;
    a[2 * k + 1] = ai + bi;
    b[2 * k] = ar - br;
    b[2 * k + 1] = ai - bi;
  }
}

static void butterfly4(const ca_fft_plan *p, double *out, int64_t m, int64_t fs, int sign) {
  const double *tw = p->tw;
  double *x0 = out, *x1 = out + 2 * m, *x2 = out + 4 * m, *x3 = out + 6 * m;
  for (int64_t k = 0; k < m; k++) {
    int64_t j = 2 * k;
    double w1r = tw[2 * k * fs], w1i = sign * -tw[2 * k * fs + 1];
    double w2r = tw[4 * k * fs], w2i = sign * -tw[4 * k * fs + 1];
    double w3r = tw[6 * k * fs], w3i = sign * -tw[6 * k * fs + 1];
    double t1r = x1[j] * w1r - x1[j + 1] * w1i, t1i = x1[j] * w1i + x1[j + 1] * w1r;
    double t2r = x2[j] * w2r - x2[j + 1] * w2i, t2i = x2[j] * w2i + x2[j + 1] * w2r;
    double t3r = x3[j] * w3r - x3[j + 1] * w3i, t3i = x3[j] * w3i + x3[j + 1] * w3r;
    double s0r = x0[j] + t2r, s0i = x0[j + 1] + t2i;
    double s1r = x0[j] - t2r, s1i = x0[j + 1] - t2i;
    double s2r = t1r + t3r, s2i = t1i + t3i;
    /* sign i (t1 - t3) */
    double s3r = -sign * (t1i - t3i), s3i = sign * (t1r - t3r);
    x0[j] = s0r + s2r;
    x0[j + 1] = s0i + s2i;
    x2[j] = s0r - s2r;
    x2[j + 1] = s0i - s2i;
    x1[j] = s1r + s3r;
    x1[j + 1] = s1i + s3i;
    x3[j] = s1r - s3r;
    x3[j + 1] = s1i - s3i;
  }
}

/* Radix r <= CA_FFT_MAXRADIX, computed directly: r^2 products per group. */
static void butterfly_any(const ca_fft_plan *p, double *out, int64_t r, int64_t m, int64_t fs,
                          int sign) {
  const double *tw = p->tw;
  double t[2 * CA_FFT_MAXRADIX];
  int64_t wp = m * fs; /* W_r^j = W_n^(j m) = tw[j m fs] */
  for (int64_t k = 0; k < m; k++) {
    for (int64_t q = 0; q < r; q++) {
      const double *x = out + 2 * (q * m + k);
      int64_t w = q * k * fs;
      double wr = tw[2 * w], wi = sign * -tw[2 * w + 1];
      t[2 * q] = x[0] * wr - x[1] * wi;
      t[2 * q + 1] = x[0] * wi + x[1] * wr;
    }
    for (int64_t q = 0; q < r; q++) {
      double sr = t[0], si = t[1];
      for (int64_t s = 1, e = q; s < r; s++, e = (e + q) % r) {
        double wr = tw[2 * e * wp], wi = sign * -tw[2 * e * wp + 1];
        sr += t[2 * s] * wr - t[2 * s + 1] * wi;
        si += t[2 * s] * wi + t[2 * s + 1] * wr;
      }
      out[2 * (q * m + k)] = sr;
      out[2 * (q * m + k) + 1] = si;
    }
  }
}

/* out[0 .. n) = DFT of in[0], in[fs], ... in[(n-1) fs] (complex strides), with the factors
 * fac of n; the twiddles of this level are every fs-th entry of p->tw. */
static void transform(const ca_fft_plan *p, double *out, const double *in, int64_t n, int64_t fs,
                      const int64_t *fac, int sign) {
  int64_t r = fac[0], m = n / r;
  if (m == 1) {
    for (int64_t q = 0; q < r; q++) {
      out[2 * q] = in[2 * q * fs];
      out[2 * q + 1] = in[2 * q * fs + 1];
    }
  } else {
    for (int64_t q = 0; q < r; q++) transform(p, out + 2 * q * m, in + 2 * q * fs, m, fs * r, fac + 1, sign);
  }
  if (r == 2) butterfly2(p, out, m, fs, sign);
  else if (r == 4) butterfly4(p, out, m, fs, sign);
  else butterfly_any(p, out, r, m, fs, sign);
}

void ca_fft_plan_free(ca_fft_plan *p) {
  if (!p) return;
  free(p->tw);
  free(p->chirp);
  free(p->bspec);
  ca_fft_plan_free(p->sub);
  free(p);
}

size_t ca_fft_work_len(const ca_fft_plan *p) {
  return p->sub ? 2 * (size_t)p->sub->n + ca_fft_work_len(p->sub) : 2 * (size_t)p->n;
}

static int make_bluestein(ca_fft_plan *p) {
  int64_t n = p->n, m = smooth_at_least(2 * n - 1);
  p->sub = ca_fft_plan_new(m);
  p->chirp = (double *)malloc(2 * (size_t)n * sizeof(double));
  p->bspec = (double *)calloc(2 * (size_t)m, sizeof(double));
  double *work = p->sub ? (double *)malloc(ca_fft_work_len(p->sub) * sizeof(double)) : NULL;
  if (!p->sub || !p->chirp || !p->bspec || !work) {
    free(work);
    return 0;
  }
  /* k^2 mod 2n, kept exact in integers: the angle pi k^2 / n is periodic in k^2 with 2n. */
  for (int64_t k = 0, sq = 0; k < n; k++) {
    long double a = two_pi / 2 * (long double)sq / (long double)n;
    p->chirp[2 * k] = (double)cosl(a);
    p->chirp[2 * k + 1] = (double)-sinl(a);
    sq += 2 * k + 1;
    if (sq >= 2 * n) sq -= 2 * n;
  }
  double *b = p->bspec;
  for (int64_t k = 0; k < n; k++) {
    b[2 * k] = p->chirp[2 * k];
    b[2 * k + 1] = -p->chirp[2 * k + 1];
    if (k > 0) {
      b[2 * (m - k)] = b[2 * k];
      b[2 * (m - k) + 1] = b[2 * k + 1];
    }
  }
  ca_fft_exec(p->sub, b, work, -1);
  for (int64_t k = 0; k < 2 * m; k++) b[k] /= (double)m;
  free(work);
  return 1;
}

ca_fft_plan *ca_fft_plan_new(int64_t n) {
  if (n < 1) return NULL;
  ca_fft_plan *p = (ca_fft_plan *)calloc(1, sizeof *p);
  if (!p) return NULL;
  p->n = n;
  if (n == 1) return p;
  if (!factorize(p, n)) {
    if (!make_bluestein(p)) {
      ca_fft_plan_free(p);
      return NULL;
    }
    return p;
  }
  p->tw = (double *)malloc(2 * (size_t)n * sizeof(double));
  if (!p->tw) {
    ca_fft_plan_free(p);
    return NULL;
  }
  for (int64_t j = 0; j < n; j++) {
    long double a = two_pi * (long double)j / (long double)n;
    p->tw[2 * j] = (double)cosl(a);
    p->tw[2 * j + 1] = (double)-sinl(a);
  }
  return p;
}

static void exec_bluestein(const ca_fft_plan *p, double *x, double *work, int sign) {
  int64_t n = p->n, m = p->sub->n;
  const double *c = p->chirp, *b = p->bspec;
  double *a = work, *subwork = work + 2 * m;
  /* The backward transform is the conjugate of the forward one of the conjugate. */
  double cj = sign > 0 ? -1.0 : 1.0;
  for (int64_t k = 0; k < n; k++) {
    double xr = x[2 * k], xi = cj * x[2 * k + 1];
    a[2 * k] = xr * c[2 * k] - xi * c[2 * k + 1];
    a[2 * k + 1] = xr * c[2 * k + 1] + xi * c[2 * k];
  }
  memset(a + 2 * n, 0, 2 * (size_t)(m - n) * sizeof(double));
  ca_fft_exec(p->sub, a, subwork, -1);
  for (int64_t k = 0; k < m; k++) {
    double ar = a[2 * k], ai = a[2 * k + 1];
    a[2 * k] = ar * b[2 * k] - ai * b[2 * k + 1];
    a[2 * k + 1] = ar * b[2 * k + 1] + ai * b[2 * k];
  }
  ca_fft_exec(p->sub, a, subwork, 1);
  for (int64_t k = 0; k < n; k++) {
    double ar = a[2 * k], ai = a[2 * k + 1];
    x[2 * k] = ar * c[2 * k] - ai * c[2 * k + 1];
    x[2 * k + 1] = cj * (ar * c[2 * k + 1] + ai * c[2 * k]);
  }
}

void ca_fft_exec(const ca_fft_plan *p, double *x, double *work, int sign) {
  if (p->n == 1) return;
  if (p->sub) {
    exec_bluestein(p, x, work, sign);
    return;
  }
  memcpy(work, x, 2 * (size_t)p->n * sizeof(double));
  transform(p, x, work, p->n, 1, p->fac, sign);
}
