/* The CPU FFT engine (src/cpu/fft_engine.c) against a direct DFT computed in long double, for
 * every length up to 160 and for primes, prime powers and products chosen to reach each of
 * its paths (radix 4, 2, the direct radices, Bluestein, Bluestein's even and odd lengths),
 * both directions (all outputs up to 512, a spread of them above), and the round trip. Prints one TAP line per length; exits 1 on a failure. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "cpu/fft_engine.h"

static const long double two_pi = 6.283185307179586476925286766559005768L;

/* Deterministic values in [-1, 1) (a 64-bit LCG), so that a failure repeats. */
static uint64_t state = 0x9E3779B97F4A7C15u;
static double draw(void) {
  state = state * 6364136223846793005u + 1442695040888963407u;
  return (double)(state >> 11) / 4503599627370496.0 - 1.0;
}

/* Outputs of the direct DFT computed for length n: every one up to 512, else every step-th
 * (which keeps the test fast while the round trip still covers every output). */
static int64_t step_of(int64_t n) { return n <= 512 ? 1 : n / 97 + 1; }

static void direct(const double *x, long double *y, int64_t n, int sign, long double *w) {
  for (int64_t j = 0; j < n; j++) {
    long double a = two_pi * (long double)j / (long double)n;
    w[2 * j] = cosl(a);
    w[2 * j + 1] = sign * sinl(a);
  }
  for (int64_t k = 0; k < n; k += step_of(n)) {
    long double sr = 0, si = 0;
    for (int64_t j = 0; j < n; j++) {
      /* (j k) mod n keeps the angle exact */
      int64_t e = (j * k) % n;
      long double c = w[2 * e], s = w[2 * e + 1];
      sr += x[2 * j] * c - x[2 * j + 1] * s;
      si += x[2 * j] * s + x[2 * j + 1] * c;
    }
    y[2 * k] = sr;
    y[2 * k + 1] = si;
  }
}

/* max |a - b| / max |b| over every step-th element */
static double rel_err(const double *a, const long double *b, int64_t n, int64_t step) {
  long double num = 0, den = 0;
  for (int64_t k = 0; k < n; k += step) {
    long double dr = a[2 * k] - b[2 * k], di = a[2 * k + 1] - b[2 * k + 1];
    long double d = sqrtl(dr * dr + di * di), m = sqrtl(b[2 * k] * b[2 * k] + b[2 * k + 1] * b[2 * k + 1]);
    if (d > num) num = d;
    if (m > den) den = m;
  }
  return den > 0 ? (double)(num / den) : (double)num;
}

static int check(int64_t n, int test) {
  double *x = malloc(2 * n * sizeof *x), *y = malloc(2 * n * sizeof *y);
  long double *ref = malloc(2 * n * sizeof *ref), *orig = malloc(2 * n * sizeof *orig);
  long double *w = malloc(2 * n * sizeof *w);
  ca_fft_plan *p = ca_fft_plan_new(n);
  double *work = p ? malloc((ca_fft_work_len(p) + 1) * sizeof *work) : NULL;
  if (!x || !y || !ref || !orig || !w || !p || !work) {
    printf("not ok %d - n = %lld: out of memory\n", test, (long long)n);
    return 0;
  }
  for (int64_t k = 0; k < 2 * n; k++) x[k] = draw();
  double worst = 0;
  for (int sign = -1; sign <= 1; sign += 2) {
    for (int64_t k = 0; k < 2 * n; k++) y[k] = x[k];
    direct(x, ref, n, sign, w);
    ca_fft_exec(p, y, work, sign);
    double e = rel_err(y, ref, n, step_of(n));
    if (e > worst) worst = e;
  }
  /* forward then backward gives n x */
  for (int64_t k = 0; k < 2 * n; k++) y[k] = x[k], orig[k] = (long double)x[k] * n;
  ca_fft_exec(p, y, work, -1);
  ca_fft_exec(p, y, work, 1);
  double rt = rel_err(y, orig, n, 1);
  if (rt > worst) worst = rt;
  int ok = worst < 1e-14;
  printf("%s %d - n = %lld: relative error %.3g\n", ok ? "ok" : "not ok", test, (long long)n, worst);
  free(x), free(y), free(ref), free(orig), free(w), free(work);
  ca_fft_plan_free(p);
  return ok;
}

int main(void) {
  static const int64_t extra[] = {
      256, 243, 625, 1000, 1024, 2 * 3 * 5 * 7 * 11 * 13, 29 * 31, 37, 2 * 37, 4 * 41, 97,
      3 * 97, 1009, 2 * 1009, 2053, 37 * 41, 31 * 31 * 2, 3 * 1024};
  int nextra = (int)(sizeof extra / sizeof extra[0]);
  int total = 160 + nextra, failed = 0, test = 0;
  printf("1..%d\n", total);
  for (int64_t n = 1; n <= 160; n++) failed += !check(n, ++test);
  for (int i = 0; i < nextra; i++) failed += !check(extra[i], ++test);
  if (ca_fft_plan_new(0) != NULL) {
    printf("# ca_fft_plan_new(0) gave a plan\n");
    failed++;
  }
  return failed ? 1 : 0;
}
