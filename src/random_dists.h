/* The distributions beyond uniform, normal and integers: each a transform of the Philox
 * stream of scalar.h, written once, read by gcc (src/cpu/random.c) and nvcc (cuda/random.cu).
 *
 * Element i of a draw is a pure function of (seed, counter, i, parameters), and every element
 * consumes a fixed number of Philox blocks, so the counter advance (ca_dist_blocks) is known
 * before drawing and any thread computes any element alone. Rejection samplers (gamma,
 * Poisson and binomial for large means) get a fixed budget of candidate blocks per element;
 * when every candidate is rejected (probability below 1e-9 per element, see each sampler)
 * the last candidate is kept. Everything computes in double and is rounded once to the
 * output's dtype.
 *
 * Layouts, per distribution (block b of a draw is Philox block counter + b):
 * - one-uniform transforms (exponential, laplace, logistic, gumbel, standard_cauchy,
 *   geometric) and lognormal: two elements per block, element i in block i / 2, words
 *   2 (i % 2) and 2 (i % 2) + 1; lognormal is exp of the float64 normal draw's element i,
 *   so lognormal(m, s) is exactly exp(normal(m, s)) drawn from the same state;
 * - gamma: 8 blocks per element; beta: 16 (two gammas); poisson and binomial: 16;
 * - dirichlet: 8 per component of a row; multinomial: 16 per category but the last;
 * - categorical (choice with p): two elements per block, as the transforms;
 * - permutation: one block for the whole draw (the key of a Feistel network). */
#ifndef CA_RANDOM_DISTS_H
#define CA_RANDOM_DISTS_H

#include "scalar.h"

#define CA_GAMMA_BLOCKS 8   /* 7 candidates, then the uniform that boosts shapes below 1 */
#define CA_COUNT_BLOCKS 16  /* candidates of the Poisson and binomial samplers */

/* Blocks a draw of n elements consumes (for dirichlet and multinomial, n counts elements of
 * rows of k). */
CA_FN uint64_t ca_dist_blocks(int dtype, int dist, int64_t n, int64_t k) {
  switch (dist) {
  case CA_DIST_UNIFORM: case CA_DIST_NORMAL: case CA_DIST_INTEGER:
    return ca_random_blocks(dtype, dist, n);
  case CA_DIST_GAMMA: return (uint64_t)n * CA_GAMMA_BLOCKS;
  case CA_DIST_BETA: return (uint64_t)n * 2 * CA_GAMMA_BLOCKS;
  case CA_DIST_POISSON: case CA_DIST_BINOMIAL: return (uint64_t)n * CA_COUNT_BLOCKS;
  case CA_DIST_DIRICHLET: return (uint64_t)n * CA_GAMMA_BLOCKS;
  case CA_DIST_MULTINOMIAL:
    return k > 0 ? (uint64_t)(n / k) * (uint64_t)(k - 1) * CA_COUNT_BLOCKS : 0;
  case CA_DIST_PERMUTATION: return 1;
  default: return (uint64_t)(n + 1) / 2;
  }
}

/* Whether a distribution's values are integers (stored from int64). */
CA_FN int ca_dist_discrete(int dist) {
  return dist == CA_DIST_INTEGER || dist == CA_DIST_GEOMETRIC || dist == CA_DIST_POISSON ||
         dist == CA_DIST_BINOMIAL || dist == CA_DIST_MULTINOMIAL ||
         dist == CA_DIST_CATEGORICAL || dist == CA_DIST_PERMUTATION;
}

/* A 53-bit uniform in the open interval (0, 1) from two words, and a 32-bit one from one. */
CA_FN double ca_u01o_d(uint32_t w0, uint32_t w1) {
  return ((double)((((uint64_t)w0 << 32) | w1) >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}
CA_FN double ca_u01o_32(uint32_t w) { return ((double)w + 0.5) * (1.0 / 4294967296.0); }

/* The open uniform of element i of a two-per-block layout. */
CA_FN double ca_pair_uniform(uint64_t seed, uint64_t counter, int64_t i) {
  ca_u32x4 w = ca_philox(seed, counter + (uint64_t)(i / 2));
  int q = (int)(i % 2) * 2;
  return ca_u01o_d(w.v[q], w.v[q + 1]);
}

/* log Gamma(x) for x > 0 (Stirling's series, shifted up to 7 below; NumPy's loggam). Written
 * here rather than lgamma, which is not thread-safe in glibc (it sets signgam). */
CA_FN double ca_loggam(double x) {
  if (x == 1.0 || x == 2.0) return 0.0;
  double x0 = x;
  int n = 0;
  if (x <= 7.0) {
    n = (int)(7.0 - x);
    x0 = x + n;
  }
  double x2 = 1.0 / (x0 * x0);
  double g = -1.39243221690590e+00;
  g = g * x2 + 1.796443723688307e-01;
  g = g * x2 - 2.955065359477124e-02;
  g = g * x2 + 6.410256410256410e-03;
  g = g * x2 - 1.917526917526918e-03;
  g = g * x2 + 8.417508417508418e-04;
  g = g * x2 - 5.952380952380952e-04;
  g = g * x2 + 7.936507936507937e-04;
  g = g * x2 - 2.777777777777778e-03;
  g = g * x2 + 8.333333333333333e-02;
  double gl = g / x0 + 0.5 * 1.8378770664093453 + (x0 - 0.5) * log(x0) - x0;
  for (int k = 1; k <= n; k++) {
    gl -= log(x0 - 1.0);
    x0 -= 1.0;
  }
  return gl;
}

/* ---- one uniform each ------------------------------------------------------------------ */

CA_FN double ca_exponential_of(double u, double scale) { return -scale * log(u); }
CA_FN double ca_laplace_of(double u, double loc, double scale) {
  return u < 0.5 ? loc + scale * log(2.0 * u) : loc - scale * log(2.0 - 2.0 * u);
}
CA_FN double ca_logistic_of(double u, double loc, double scale) {
  return loc + scale * log(u / (1.0 - u));
}
CA_FN double ca_gumbel_of(double u, double loc, double scale) {
  return loc - scale * log(-log(u));
}
CA_FN double ca_cauchy_of(double u) { return tan(3.14159265358979323846 * (u - 0.5)); }
/* Trials up to the first success, inversion: ceil(log u / log(1 - p)), at least 1. */
CA_FN int64_t ca_geometric_of(double u, double p) {
  if (p >= 1.0) return 1;
  double k = ceil(log(u) / log1p(-p));
  if (!(k >= 1.0)) return 1;
  return k >= 9.2e18 ? INT64_MAX : (int64_t)k;
}

/* Element i of a lognormal draw: exp of the float64 normal draw's element i (scalar.h). */
CA_FN double ca_lognormal_at(uint64_t seed, uint64_t counter, int64_t i, double mean,
                             double sigma) {
  ca_u32x4 w = ca_philox(seed, counter + (uint64_t)(i / 2));
  double z[2];
  ca_box_muller_d(ca_u01_d(w.v[0], w.v[1]), ca_u01_d(w.v[2], w.v[3]), &z[0], &z[1]);
  return exp(mean + sigma * z[i % 2]);
}

/* ---- gamma and beta: Marsaglia and Tsang ----------------------------------------------- */

/* log of a Gamma(k, 1) variate from blocks base .. base + 7: candidate t reads block
 * base + t (a normal from words 0-2, the acceptance uniform from word 3); a shape below 1 is
 * boosted, Gamma(k) = Gamma(k + 1) U^(1/k), with U from block base + 7. Each candidate is
 * accepted with probability above 0.95, so all seven fail with probability below 1e-9.
 * The log keeps tiny shapes (whose variates underflow) usable for beta and dirichlet. */
CA_FN double ca_log_gamma_draw(uint64_t seed, uint64_t base, double k) {
  if (k <= 0.0) return -INFINITY;
  double boost = 0.0;
  if (k < 1.0) {
    ca_u32x4 w = ca_philox(seed, base + CA_GAMMA_BLOCKS - 1);
    boost = log(ca_u01o_d(w.v[0], w.v[1])) / k;
    k += 1.0;
  }
  double d = k - 1.0 / 3.0, c = 1.0 / sqrt(9.0 * d), v = 1.0;
  for (int t = 0; t < CA_GAMMA_BLOCKS - 1; t++) {
    ca_u32x4 w = ca_philox(seed, base + (uint64_t)t);
    double x = sqrt(-2.0 * log(ca_u01o_d(w.v[0], w.v[1]))) *
               cos(6.283185307179586477 * ca_u01o_32(w.v[2]));
    double y = 1.0 + c * x;
    if (y <= 0.0) continue;
    v = y * y * y;
    double u = ca_u01o_32(w.v[3]), x2 = x * x;
    if (u < 1.0 - 0.0331 * x2 * x2 || log(u) < 0.5 * x2 + d * (1.0 - v + log(v)))
      return log(d) + log(v) + boost;
  }
  return log(d) + log(v) + boost;
}

/* Beta(a, b) = X / (X + Y), X ~ Gamma(a) from blocks base .., Y ~ Gamma(b) from base + 8 .. */
CA_FN double ca_beta_draw(uint64_t seed, uint64_t base, double a, double b) {
  double lx = ca_log_gamma_draw(seed, base, a);
  double ly = ca_log_gamma_draw(seed, base + CA_GAMMA_BLOCKS, b);
  return 1.0 / (1.0 + exp(ly - lx));
}

/* ---- Poisson: inversion below 10, PTRS (Hormann 1993, NumPy's) above -------------------- */

CA_FN int64_t ca_poisson_draw(uint64_t seed, uint64_t base, double lam) {
  if (lam <= 0.0) return 0;
  if (lam < 10.0) {
    ca_u32x4 w = ca_philox(seed, base);
    double u = ca_u01o_d(w.v[0], w.v[1]), p = exp(-lam), f = p;
    int64_t k = 0;
    while (u > f) {
      k++;
      p *= lam / (double)k;
      if (p == 0.0) break;
      f += p;
    }
    return k;
  }
  double slam = sqrt(lam), loglam = log(lam);
  double b = 0.931 + 2.53 * slam, a = -0.059 + 0.02483 * b;
  double invalpha = 1.1239 + 1.1328 / (b - 3.4), vr = 0.9277 - 3.6224 / (b - 2.0);
  double k = 0.0;
  for (int t = 0; t < CA_COUNT_BLOCKS; t++) {
    ca_u32x4 w = ca_philox(seed, base + (uint64_t)t);
    double u = ca_u01o_d(w.v[0], w.v[1]) - 0.5, v = ca_u01o_d(w.v[2], w.v[3]);
    double us = 0.5 - fabs(u);
    double kc = floor((2.0 * a / us + b) * u + lam + 0.43);
    if (!(kc >= 0.0)) continue;
    k = kc;
    if (us >= 0.07 && v <= vr) return (int64_t)k;
    if (us < 0.013 && v > us) continue;
    if (log(v) + log(invalpha) - log(a / (us * us) + b) <= -lam + k * loglam - ca_loggam(k + 1.0))
      return (int64_t)k;
  }
  return (int64_t)k;
}

/* ---- binomial: inversion for n min(p, q) below 10, BTRS (Hormann 1993) above ----------- */

CA_FN int64_t ca_binomial_draw(uint64_t seed, uint64_t base, int64_t n, double p) {
  if (n <= 0 || p <= 0.0) return 0;
  if (p >= 1.0) return n;
  int flip = p > 0.5;
  if (flip) p = 1.0 - p;
  double q = 1.0 - p, dn = (double)n;
  int64_t k = 0;
  if (dn * p < 10.0) {
    ca_u32x4 w = ca_philox(seed, base);
    double u = ca_u01o_d(w.v[0], w.v[1]), r = p / q, f = exp(dn * log1p(-p)), cdf = f;
    while (u > cdf && k < n) {
      f *= r * (dn - (double)k) / (double)(k + 1);
      k++;
      if (f == 0.0) break;
      cdf += f;
    }
  } else {
    double spq = sqrt(dn * p * q), b = 1.15 + 2.53 * spq;
    double a = -0.0873 + 0.0248 * b + 0.01 * p, c = dn * p + 0.5;
    double alpha = (2.83 + 5.1 / b) * spq, vr = 0.92 - 4.2 / b;
    double m = floor((dn + 1.0) * p), lpq = log(p / q);
    double h = ca_loggam(m + 1.0) + ca_loggam(dn - m + 1.0);
    double kd = floor(c);
    for (int t = 0; t < CA_COUNT_BLOCKS; t++) {
      ca_u32x4 w = ca_philox(seed, base + (uint64_t)t);
      double u = ca_u01o_d(w.v[0], w.v[1]) - 0.5, v = ca_u01o_d(w.v[2], w.v[3]);
      double us = 0.5 - fabs(u);
      double kc = floor((2.0 * a / us + b) * u + c);
      if (!(kc >= 0.0 && kc <= dn)) continue;
      kd = kc;
      if (us >= 0.07 && v <= vr) break;
      v = log(v * alpha / (a / (us * us) + b));
      if (v <= h - ca_loggam(kd + 1.0) - ca_loggam(dn - kd + 1.0) + (kd - m) * lpq) break;
    }
    k = (int64_t)kd;
  }
  return flip ? n - k : k;
}

/* ---- categorical: the first j with u < cdf[j] (cdf ascending, ending at 1) -------------- */

CA_FN int64_t ca_categorical_of(double u, const double *cdf, int64_t k) {
  int64_t lo = 0, hi = k - 1;
  while (lo < hi) {
    int64_t mid = lo + (hi - lo) / 2;
    if (u < cdf[mid]) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/* ---- permutation: a Feistel network keyed by one Philox block, cycle-walked into [0, n) - */

CA_FN uint64_t ca_mix64(uint64_t z) { /* SplitMix64's finalizer */
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/* The key of a permutation draw: one Philox block, and the Feistel width for n. */
typedef struct ca_perm_key {
  uint64_t k0, k1, mask, n;
  int half, odd;
} ca_perm_key;

CA_FN ca_perm_key ca_perm_key_of(uint64_t seed, uint64_t counter, int64_t n) {
  ca_u32x4 w = ca_philox(seed, counter);
  ca_perm_key k;
  k.k0 = ((uint64_t)w.v[0] << 32) | w.v[1];
  k.k1 = ((uint64_t)w.v[2] << 32) | w.v[3];
  int bits = 2;
  while (bits < 62 && ((uint64_t)1 << bits) < (uint64_t)n) bits += 2;
  k.half = bits / 2;
  k.mask = ((uint64_t)1 << k.half) - 1;
  k.n = (uint64_t)n;
  k.odd = (int)(ca_mix64(k.k0 ^ k.k1) >> 63); /* with a transposition half the time */
  return k;
}

/* Position i's value in a permutation of [0, n): twelve balanced Feistel rounds over the
 * smallest even number of bits covering n, then, by a coin of the key, the transposition of
 * 0 and 1, repeated until the value falls below n (cycle walking: the walk from i stays on
 * i's cycle, which holds a value below n, i itself). Feistel rounds only make even
 * permutations (of 4 bits or more), and cycle walking an even permutation onto fewer values
 * is biased (the parity of what it gives depends on the values it skips), so the coin makes
 * odd and even permutations equally likely. */
CA_FN int64_t ca_permutation_of(const ca_perm_key *k, int64_t i) {
  uint64_t x = (uint64_t)i;
  do {
    uint64_t l = x >> k->half, r = x & k->mask;
    for (int t = 0; t < 12; t++) {
      uint64_t f = ca_mix64(r ^ ((t & 1) ? k->k1 : k->k0) ^ ((uint64_t)t << 56)) & k->mask;
      uint64_t nl = r;
      r = l ^ f;
      l = nl;
    }
    x = (l << k->half) | r;
    if (k->odd && x < 2) x ^= 1;
  } while (x >= k->n);
  return (int64_t)x;
}

CA_FN int64_t ca_permutation_at(uint64_t seed, uint64_t counter, int64_t i, int64_t n) {
  ca_perm_key k = ca_perm_key_of(seed, counter, n);
  return ca_permutation_of(&k, i);
}

/* ---- one element of a scalar-parameter draw --------------------------------------------- */

/* Element i of a continuous distribution with parameters a, b (gamma: shape, scale). */
CA_FN double ca_dist_real(int dist, uint64_t seed, uint64_t counter, int64_t i, double a,
                          double b) {
  switch (dist) {
  case CA_DIST_EXPONENTIAL: return ca_exponential_of(ca_pair_uniform(seed, counter, i), a);
  case CA_DIST_LAPLACE: return ca_laplace_of(ca_pair_uniform(seed, counter, i), a, b);
  case CA_DIST_LOGISTIC: return ca_logistic_of(ca_pair_uniform(seed, counter, i), a, b);
  case CA_DIST_GUMBEL: return ca_gumbel_of(ca_pair_uniform(seed, counter, i), a, b);
  case CA_DIST_CAUCHY: return ca_cauchy_of(ca_pair_uniform(seed, counter, i));
  case CA_DIST_LOGNORMAL: return ca_lognormal_at(seed, counter, i, a, b);
  case CA_DIST_GAMMA:
    return b * exp(ca_log_gamma_draw(seed, counter + (uint64_t)i * CA_GAMMA_BLOCKS, a));
  case CA_DIST_BETA:
    return ca_beta_draw(seed, counter + (uint64_t)i * 2 * CA_GAMMA_BLOCKS, a, b);
  default: return 0.0;
  }
}

/* Element i of a discrete distribution: geometric (p in b.f), poisson (lam in a.f), binomial
 * (n in a.i, p in b.f), permutation (n in a.i). */
CA_FN int64_t ca_dist_int(int dist, uint64_t seed, uint64_t counter, int64_t i, ca_value a,
                          ca_value b) {
  switch (dist) {
  case CA_DIST_GEOMETRIC: return ca_geometric_of(ca_pair_uniform(seed, counter, i), b.f);
  case CA_DIST_POISSON:
    return ca_poisson_draw(seed, counter + (uint64_t)i * CA_COUNT_BLOCKS, a.f);
  case CA_DIST_BINOMIAL:
    return ca_binomial_draw(seed, counter + (uint64_t)i * CA_COUNT_BLOCKS, a.i, b.f);
  case CA_DIST_PERMUTATION: return ca_permutation_at(seed, counter, i, a.i);
  default: return 0;
  }
}

/* Row r of a dirichlet draw (k components, alpha[k]): the normalised gammas, written to out.
 * Component j of row r reads blocks counter + (r k + j) * 8 ... */
CA_FN void ca_dirichlet_row(uint64_t seed, uint64_t counter, int64_t r, const double *alpha,
                            int64_t k, double *out) {
  double mx = -INFINITY;
  for (int64_t j = 0; j < k; j++) {
    out[j] = ca_log_gamma_draw(seed, counter + (uint64_t)(r * k + j) * CA_GAMMA_BLOCKS, alpha[j]);
    if (out[j] > mx) mx = out[j];
  }
  double s = 0.0;
  for (int64_t j = 0; j < k; j++) {
    out[j] = exp(out[j] - mx); /* scaled by the largest: tiny alphas do not underflow to 0/0 */
    s += out[j];
  }
  for (int64_t j = 0; j < k; j++) out[j] /= s;
}

/* Row r of a multinomial draw (n trials, k categories, p[k]): conditional binomials, category
 * j < k - 1 from blocks counter + (r (k - 1) + j) * 16 ..., the last takes what remains. */
CA_FN void ca_multinomial_row(uint64_t seed, uint64_t counter, int64_t r, int64_t n,
                              const double *p, int64_t k, int64_t *out) {
  int64_t left = n;
  double rest = 1.0;
  for (int64_t j = 0; j < k - 1; j++) {
    double pj = rest > 0.0 ? p[j] / rest : 0.0;
    uint64_t base = counter + (uint64_t)(r * (k - 1) + j) * CA_COUNT_BLOCKS;
    out[j] = left > 0 ? ca_binomial_draw(seed, base, left, pj > 1.0 ? 1.0 : pj) : 0;
    left -= out[j];
    rest -= p[j];
  }
  out[k - 1] = left;
}

#endif
