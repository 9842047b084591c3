/* Dtype conversions: every rule written once, read by the C compiler (the core, the binding,
 * the CPU backend) and by nvcc (the CUDA kernels, as C++).
 *
 * A value lives in one of the compute kinds (CA_KINDS: i int64, u uint64, f float, d double,
 * c complex float, z complex double); an element
 * of an array lives in its dtype's storage type (CA_DTYPES in dtype.h). The rules:
 *   - kind -> kind: integers to floats round to nearest even (C's conversion); floats to
 *     integers truncate toward zero, with NaN, infinities and values outside int64 giving
 *     INT64_MIN (as x86's conversion does): ca_d2i; to uint64 the same below 2^63 (a negative
 *     value wraps), exact in [2^63, 2^64), and 0 from 2^64 and +inf (x86's conversion to
 *     unsigned, as NumPy's cast gives it): ca_d2u; int64 and uint64 convert by their bits
 *     (wrapping, as C's conversions); a real value becomes a complex one with
 *     imaginary part +0; a complex value becomes a real one by its real part (NumPy's cast,
 *     which only warns), each part converted as a real value would be;
 *   - storing a value of any kind, by the dtype's family:
 *       TRUTH (bool)      the truth of the value: != 0, so NaN is true and -0 false;
 *       INT (integers)    the value as int64 (above), then wrapped to the width;
 *       UINT (uint64)     the value as uint64 (above);
 *       FLOAT (float32/64) C's conversion: rounded once to nearest even;
 *       BITS (float16, bfloat16)  a format C lacks, kept as its bits: rounded once to
 *                         nearest even from the value's own kind (a double or an int64 is
 *                         never rounded through float), NaN kept quiet;
 *       CPLX (complex)    the pair of the value in the dtype's own kind (above);
 *   - loading an element gives its exact value in its dtype's own kind, then converts kinds;
 *   - the truth of an element is the truth of its value.
 * From these, instantiated from the lists (never written again):
 *   ca_load_<k>_<dtype>(x)    element -> kind k        ca_load_<k>(dt, p)     the same by dt
 *   ca_store_<k>_<dtype>(v)   kind k -> element        ca_store_<k>(dt, p, v)
 *   ca_truth_<dtype>(x)       element -> 0 / 1         ca_truth(dt, p)
 *
 * To add a dtype: a row in CA_DTYPES (dtype.h); when its storage relates to its kind in a new
 * way, a family here (a CA_GET_<FAM> and a CA_PUT_<FAM> line, plus the format's own functions
 * for a BITS-like family). To add a compute kind: a row in CA_KINDS, its conversions to and from
 * every other kind (ca_<a>2<b>) and its truth (ca_truth_<k>). */
#ifndef CA_CONVERT_H
#define CA_CONVERT_H

#include <stdint.h>
#include "backend.h"

#ifdef __CUDACC__
#define CA_FN __host__ __device__ static inline
#else
#define CA_FN static inline
#endif

typedef int64_t ca_i;
typedef uint64_t ca_u;

/* The compute kinds: (letter, C type, the dtype whose storage is that type). Leading arguments
 * are passed through to X, as for CA_DTYPES. */
#define CA_KINDS(X, ...)                                                                       \
  X(__VA_ARGS__ i, ca_i, INT64)                                                                \
  X(__VA_ARGS__ u, ca_u, UINT64)                                                               \
  X(__VA_ARGS__ f, float, FLOAT32)                                                             \
  X(__VA_ARGS__ d, double, FLOAT64)                                                            \
  X(__VA_ARGS__ c, ca_c8, COMPLEX64)                                                           \
  X(__VA_ARGS__ z, ca_c16, COMPLEX128)

typedef enum ca_ck {
#define CA_CK_ENUM(k, T, DT) CA_CK_##k,
  CA_KINDS(CA_CK_ENUM, )
#undef CA_CK_ENUM
  CA_NCK
} ca_ck;

/* ca_k_<letter>: the C type of a kind, for the instantiations below. */
#define CA_K_TYPEDEF(k, T, DT) typedef T ca_k_##k;
CA_KINDS(CA_K_TYPEDEF, )
#undef CA_K_TYPEDEF

/* ---- kind -> kind ---------------------------------------------------------------------- */

/* float -> integer: truncation toward zero; NaN, infinities and values outside int64 give
 * INT64_MIN (x86's rule), on every device. */
CA_FN ca_i ca_d2i(double x) {
  if (!(x > -9223372036854775808.0 && x < 9223372036854775808.0)) return INT64_MIN;
  return (ca_i)x;
}
CA_FN ca_i ca_f2i(float x) { return ca_d2i((double)x); }
CA_FN ca_i ca_i2i(ca_i x) { return x; }
CA_FN float ca_i2f(ca_i x) { return (float)x; }
CA_FN double ca_i2d(ca_i x) { return (double)x; }
CA_FN float ca_f2f(float x) { return x; }
CA_FN double ca_f2d(float x) { return (double)x; }
CA_FN float ca_d2f(double x) { return (float)x; }
CA_FN double ca_d2d(double x) { return x; }

/* uint64: int64 by the bits both ways; to float by C's conversion (rounded once); from float
 * as x86 converts to unsigned: below 2^63 through int64 (so NaN, -inf and values below -2^63
 * give 2^63, and negative values wrap), [2^63, 2^64) exactly, 2^64 and beyond (and +inf) 0. */
CA_FN ca_u ca_i2u(ca_i x) { return (ca_u)x; }
CA_FN ca_i ca_u2i(ca_u x) { return (ca_i)x; }
CA_FN ca_u ca_u2u(ca_u x) { return x; }
CA_FN float ca_u2f(ca_u x) { return (float)x; }
CA_FN double ca_u2d(ca_u x) { return (double)x; }
CA_FN ca_u ca_d2u(double x) {
  if (x >= 9223372036854775808.0)
    return x < 18446744073709551616.0 ? (ca_u)(x - 9223372036854775808.0) | (1ull << 63) : 0u;
  return (ca_u)ca_d2i(x);
}
CA_FN ca_u ca_f2u(float x) { return ca_d2u((double)x); }

/* Complex: a real value is (x, +0); a complex value's real part is the real value. */
CA_FN ca_c8 ca_c8_of(float re, float im) { ca_c8 v; v.re = re; v.im = im; return v; }
CA_FN ca_c16 ca_c16_of(double re, double im) { ca_c16 v; v.re = re; v.im = im; return v; }
CA_FN ca_c8 ca_i2c(ca_i x) { return ca_c8_of((float)x, 0.0f); }
CA_FN ca_c8 ca_u2c(ca_u x) { return ca_c8_of((float)x, 0.0f); }
CA_FN ca_c16 ca_u2z(ca_u x) { return ca_c16_of((double)x, 0.0); }
CA_FN ca_u ca_c2u(ca_c8 x) { return ca_f2u(x.re); }
CA_FN ca_u ca_z2u(ca_c16 x) { return ca_d2u(x.re); }
CA_FN ca_c8 ca_f2c(float x) { return ca_c8_of(x, 0.0f); }
CA_FN ca_c8 ca_d2c(double x) { return ca_c8_of((float)x, 0.0f); }
CA_FN ca_c8 ca_c2c(ca_c8 x) { return x; }
CA_FN ca_c8 ca_z2c(ca_c16 x) { return ca_c8_of((float)x.re, (float)x.im); }
CA_FN ca_c16 ca_i2z(ca_i x) { return ca_c16_of((double)x, 0.0); }
CA_FN ca_c16 ca_f2z(float x) { return ca_c16_of((double)x, 0.0); }
CA_FN ca_c16 ca_d2z(double x) { return ca_c16_of(x, 0.0); }
CA_FN ca_c16 ca_c2z(ca_c8 x) { return ca_c16_of((double)x.re, (double)x.im); }
CA_FN ca_c16 ca_z2z(ca_c16 x) { return x; }
CA_FN ca_i ca_c2i(ca_c8 x) { return ca_f2i(x.re); }
CA_FN float ca_c2f(ca_c8 x) { return x.re; }
CA_FN double ca_c2d(ca_c8 x) { return (double)x.re; }
CA_FN ca_i ca_z2i(ca_c16 x) { return ca_d2i(x.re); }
CA_FN float ca_z2f(ca_c16 x) { return (float)x.re; }
CA_FN double ca_z2d(ca_c16 x) { return x.re; }

/* The real part of a value in its own type (a real value is its own real part). */
CA_FN ca_i ca_re_i(ca_i x) { return x; }
CA_FN ca_u ca_re_u(ca_u x) { return x; }
CA_FN float ca_re_f(float x) { return x; }
CA_FN double ca_re_d(double x) { return x; }
CA_FN float ca_re_c(ca_c8 x) { return x.re; }
CA_FN double ca_re_z(ca_c16 x) { return x.re; }

/* The truth of a value: != 0 (NaN is true, -0 false); a complex value is true when either
 * part is. */
CA_FN int ca_truth_i(ca_i x) { return x != 0; }
CA_FN int ca_truth_u(ca_u x) { return x != 0; }
CA_FN int ca_truth_f(float x) { return x != 0.0f; }
CA_FN int ca_truth_d(double x) { return x != 0.0; }
CA_FN int ca_truth_c(ca_c8 x) { return x.re != 0.0f || x.im != 0.0f; }
CA_FN int ca_truth_z(ca_c16 x) { return x.re != 0.0 || x.im != 0.0; }

/* ---- float16: IEEE binary16, round to nearest even, NaN and infinities kept ---------------
 * On the GPU a number is one conversion instruction (cvt), which rounds the same way (to
 * nearest even, overflow to infinity, subnormals kept). A NaN keeps its sign and payload on
 * both devices (cvt gives the canonical NaN, and NumPy keeps a NaN's sign: signbit, copysign):
 * on the GPU by a select after the cvt, not a branch, which in a vectorised kernel would be one
 * branch per element. */

CA_FN float ca_half_to_float(uint16_t h) {
#ifdef __CUDA_ARCH__
  float f;
  asm("cvt.f32.f16 %0, %1;" : "=f"(f) : "h"(h));
  const uint32_t nan = ((uint32_t)(h & 0x8000u) << 16) | 0x7f800000u | ((uint32_t)(h & 0x3ffu) << 13);
  return (h & 0x7fffu) > 0x7c00u ? __uint_as_float(nan) : f;
#else
  uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1f, man = h & 0x3ffu, bits;
  if (exp == 0x1f) {
    bits = sign | 0x7f800000u | (man << 13);
  } else if (exp != 0) {
    bits = sign | ((exp + 112u) << 23) | (man << 13);
  } else if (man == 0) {
    bits = sign;
  } else { /* subnormal: normalise */
    exp = 113;
    while (!(man & 0x400u)) { man <<= 1; exp--; }
    bits = sign | (exp << 23) | ((man & 0x3ffu) << 13);
  }
  union { uint32_t u; float f; } v;
  v.u = bits;
  return v.f;
#endif
}

CA_FN uint16_t ca_float_to_half(float f) {
#ifdef __CUDA_ARCH__
  uint16_t h;
  asm("cvt.rn.f16.f32 %0, %1;" : "=h"(h) : "f"(f));
  const uint32_t b = __float_as_uint(f);
  const uint16_t nan = (uint16_t)(((b >> 16) & 0x8000u) | 0x7e00u | ((b >> 13) & 0x3ffu));
  return f == f ? h : nan;
#else
  union { float f; uint32_t u; } v;
  v.f = f;
  uint32_t x = v.u, sign = (x >> 16) & 0x8000u, absx = x & 0x7fffffffu;
  if (absx >= 0x7f800000u) /* inf or NaN (keep NaN quiet) */
    return (uint16_t)(sign | 0x7c00u | (absx > 0x7f800000u ? 0x200u | ((absx >> 13) & 0x3ffu) : 0));
  if (absx >= 0x477ff000u) /* rounds to >= 65520: overflow */
    return (uint16_t)(sign | 0x7c00u);
  if (absx < 0x38800000u) { /* result is subnormal or zero */
    if (absx < 0x33000000u) return (uint16_t)sign; /* below half the smallest subnormal */
    uint32_t e = absx >> 23, man = (absx & 0x7fffffu) | 0x800000u;
    uint32_t shift = 126 - e; /* 14..24 */
    uint32_t r = man >> shift, rem = man & ((1u << shift) - 1), halfway = 1u << (shift - 1);
    if (rem > halfway || (rem == halfway && (r & 1u))) r++;
    return (uint16_t)(sign | r);
  }
  uint32_t r = absx - 0x38000000u; /* rebias exponent 127 -> 15 */
  uint32_t out = r >> 13, rem = r & 0x1fffu;
  if (rem > 0x1000u || (rem == 0x1000u && (out & 1u))) out++;
  return (uint16_t)(sign | out);
#endif
}

/* Rounded once: through float, 1 + 2^-11 + 2^-30 would round to 1 + 2^-11 and then, a tie, to
 * 1; the nearest float16 is 1 + 2^-10. */
CA_FN uint16_t ca_double_to_half(double d) {
#ifdef __CUDA_ARCH__
  uint16_t h;
  asm("cvt.rn.f16.f64 %0, %1;" : "=h"(h) : "d"(d));
  const uint64_t b = (uint64_t)__double_as_longlong(d);
  const uint16_t nan = (uint16_t)(((b >> 48) & 0x8000u) | 0x7e00u | ((b >> 42) & 0x3ffu));
  return d == d ? h : nan;
#else
  union { double d; uint64_t u; } v;
  v.d = d;
  uint64_t x = v.u, absx = x & 0x7fffffffffffffffull;
  uint16_t sign = (uint16_t)((x >> 48) & 0x8000u);
  if (absx >= 0x7ff0000000000000ull) /* inf or NaN (keep NaN quiet) */
    return (uint16_t)(sign | 0x7c00u |
                      (absx > 0x7ff0000000000000ull ? 0x200u | ((absx >> 42) & 0x3ffu) : 0));
  if (absx >= 0x40effe0000000000ull) /* rounds to >= 65520: overflow */
    return (uint16_t)(sign | 0x7c00u);
  if (absx < 0x3f10000000000000ull) { /* result is subnormal or zero */
    if (absx <= 0x3e60000000000000ull) return sign; /* at most half the smallest subnormal */
    uint64_t e = absx >> 52, man = (absx & 0xfffffffffffffull) | 0x10000000000000ull;
    uint64_t shift = 1051 - e; /* 43..53 */
    uint64_t r = man >> shift, rem = man & ((1ull << shift) - 1), halfway = 1ull << (shift - 1);
    if (rem > halfway || (rem == halfway && (r & 1u))) r++;
    return (uint16_t)(sign | r);
  }
  uint64_t r = absx - 0x3f00000000000000ull; /* rebias exponent 1023 -> 15 */
  uint64_t out = r >> 42, rem = r & 0x3ffffffffffull;
  if (rem > 0x20000000000ull || (rem == 0x20000000000ull && (out & 1u))) out++;
  return (uint16_t)(sign | out);
#endif
}

/* The BITS family's functions for float16: its value (own kind f), and a value of each kind
 * rounded once. An int64 goes through float: exact up to 2^24, and anything larger is
 * beyond 65520, infinite either way. */
CA_FN float ca_float16_to_f(uint16_t x) { return ca_half_to_float(x); }
CA_FN uint16_t ca_float16_from_i(ca_i v) { return ca_float_to_half((float)v); }
CA_FN uint16_t ca_float16_from_u(ca_u v) { return ca_float_to_half((float)v); }
CA_FN uint16_t ca_float16_from_f(float v) { return ca_float_to_half(v); }
CA_FN uint16_t ca_float16_from_d(double v) { return ca_double_to_half(v); }
CA_FN uint16_t ca_float16_from_c(ca_c8 v) { return ca_float_to_half(v.re); }
CA_FN uint16_t ca_float16_from_z(ca_c16 v) { return ca_double_to_half(v.re); }

/* ---- bfloat16: the high half of an IEEE binary32 (8 exponent bits, 7 stored mantissa bits),
 * round to nearest even, NaN kept quiet, infinities and subnormals kept. The same integer code
 * on every device, so that a result never depends on where it was computed. */

CA_FN float ca_bf16_to_float(uint16_t h) {
  union { uint32_t u; float f; } v;
  v.u = (uint32_t)h << 16;
  return v.f;
}

CA_FN uint16_t ca_float_to_bf16(float f) {
  union { float f; uint32_t u; } v;
  v.f = f;
  uint32_t x = v.u;
  if ((x & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((x >> 16) | 0x0040u); /* quiet NaN */
  return (uint16_t)((x + 0x7fffu + ((x >> 16) & 1u)) >> 16); /* overflow carries into inf */
}

/* Rounded once through float rounded to odd (truncated, its last bit set when inexact):
 * float keeps 16 bits more than bfloat16, so the second rounding is exact. */
CA_FN uint16_t ca_double_to_bf16(double d) {
  if (d != d) return ca_float_to_bf16((float)d);
  union { float f; uint32_t u; } v;
  v.f = (float)d;
  if ((double)v.f != d) {
    if (v.f > 0.0f ? (double)v.f > d : (double)v.f < d) v.u--; /* away from zero: step back */
    v.u |= 1u;
  }
  return ca_float_to_bf16(v.f);
}

/* An integer of magnitude m rounded once: its top 8 significant bits, rounded to nearest even
 * by the rest. */
CA_FN uint16_t ca_mag_to_bf16(uint64_t m, int negative) {
  int shift = 0;
  while ((m >> shift) > 0xffu) shift++;
  if (shift > 0) {
    uint64_t rem = m & ((1ull << shift) - 1), half = 1ull << (shift - 1);
    m >>= shift;
    if (rem > half || (rem == half && (m & 1u))) m++;
  }
  union { uint32_t u; float f; } p2; /* 2^shift, shift <= 56 */
  p2.u = (uint32_t)(127 + shift) << 23;
  float f = (float)m * p2.f; /* exact: at most 9 bits */
  return ca_float_to_bf16(negative ? -f : f);
}
CA_FN uint16_t ca_int_to_bf16(ca_i x) {
  return ca_mag_to_bf16(x < 0 ? 0u - (uint64_t)x : (uint64_t)x, x < 0);
}

/* The BITS family's functions for bfloat16, as float16's. */
CA_FN float ca_bfloat16_to_f(uint16_t x) { return ca_bf16_to_float(x); }
CA_FN uint16_t ca_bfloat16_from_i(ca_i v) { return ca_int_to_bf16(v); }
CA_FN uint16_t ca_bfloat16_from_u(ca_u v) { return ca_mag_to_bf16(v, 0); }
CA_FN uint16_t ca_bfloat16_from_f(float v) { return ca_float_to_bf16(v); }
CA_FN uint16_t ca_bfloat16_from_d(double v) { return ca_double_to_bf16(v); }
CA_FN uint16_t ca_bfloat16_from_c(ca_c8 v) { return ca_float_to_bf16(v.re); }
CA_FN uint16_t ca_bfloat16_from_z(ca_c16 v) { return ca_double_to_bf16(v.re); }

/* The CPLX family: an element is its own kind's value; a value of any kind converted to it. */
CA_FN ca_c8 ca_complex64_to_c(ca_c8 x) { return x; }
CA_FN ca_c16 ca_complex128_to_z(ca_c16 x) { return x; }
#define CA_CPLX_FROM(k, T, DT)                                                                  \
  CA_FN ca_c8 ca_complex64_from_##k(T v) { return ca_##k##2c(v); }                             \
  CA_FN ca_c16 ca_complex128_from_##k(T v) { return ca_##k##2z(v); }
CA_KINDS(CA_CPLX_FROM, )
#undef CA_CPLX_FROM

/* ---- the families --------------------------------------------------------------------------
 * CA_GET_<FAM>(fn, own, ST, K): ca_k_K fn(ST x), an element's exact value in its own kind K
 *   (own: the BITS format's function for it).
 * CA_PUT_<FAM>(fn, from, ST, k): ST fn(ca_k_k v), a value of kind k stored (from: the BITS
 *   format's function for it). */
#define CA_GET_TRUTH(fn, own, ST, K) CA_FN ca_i fn(ST x) { return x != 0; }
#define CA_GET_INT(fn, own, ST, K) CA_FN ca_i fn(ST x) { return (ca_i)x; }
#define CA_GET_UINT(fn, own, ST, K) CA_FN ca_u fn(ST x) { return x; }
#define CA_GET_FLOAT(fn, own, ST, K) CA_FN ca_k_##K fn(ST x) { return x; }
#define CA_GET_BITS(fn, own, ST, K) CA_FN ca_k_##K fn(ST x) { return own(x); }
#define CA_GET_CPLX CA_GET_BITS

/* Integers wrap through uint64: converting to a narrower type keeps the low bits (modulo 2^N,
 * as GCC and nvcc define it). */
#define CA_PUT_TRUTH(fn, from, ST, k) CA_FN ST fn(ca_k_##k v) { return (ST)ca_truth_##k(v); }
#define CA_PUT_INT(fn, from, ST, k) CA_FN ST fn(ca_k_##k v) { return (ST)(ca_u)ca_##k##2i(v); }
#define CA_PUT_UINT(fn, from, ST, k) CA_FN ST fn(ca_k_##k v) { return ca_##k##2u(v); }
#define CA_PUT_FLOAT(fn, from, ST, k) CA_FN ST fn(ca_k_##k v) { return (ST)ca_re_##k(v); }
#define CA_PUT_BITS(fn, from, ST, k) CA_FN ST fn(ca_k_##k v) { return from(v); }
#define CA_PUT_CPLX CA_PUT_BITS

/* ---- per dtype and kind (instantiations) ----------------------------------------------------
 * Names are pasted where they first appear, so that a name of the lists (bool) is never
 * macro-expanded on the way. */
#define CA_DEF_GET(NAME, name, ST, K, FAM) CA_GET_##FAM(ca_get_##name, ca_##name##_to_##K, ST, K)
CA_DTYPES(CA_DEF_GET, )

#define CA_DEF_LOAD(k, NAME, name, ST, K, FAM)                                                  \
  CA_FN ca_k_##k ca_load_##k##_##name(ST x) { return ca_##K##2##k(ca_get_##name(x)); }
#define CA_DEF_STORE(k, NAME, name, ST, K, FAM)                                                 \
  CA_PUT_##FAM(ca_store_##k##_##name, ca_##name##_from_##k, ST, k)
#define CA_DEF_KIND(k, T, DT) CA_DTYPES(CA_DEF_LOAD, k, ) CA_DTYPES(CA_DEF_STORE, k, )
CA_KINDS(CA_DEF_KIND, )

#define CA_DEF_TRUTH(NAME, name, ST, K, FAM)                                                    \
  CA_FN int ca_truth_##name(ST x) { return ca_truth_##K(ca_get_##name(x)); }
CA_DTYPES(CA_DEF_TRUTH, )

/* ---- by a run-time dtype ------------------------------------------------------------------ */

#define CA_LOAD_CASE(k, NAME, name, ST, K, FAM)                                                 \
  case CA_##NAME: return ca_load_##k##_##name(*(const ST *)p);
#define CA_STORE_CASE(k, NAME, name, ST, K, FAM)                                                \
  case CA_##NAME: *(ST *)p = ca_store_##k##_##name(v); return;
#define CA_DEF_RT(k, T, DT)                                                                     \
  CA_FN T ca_load_##k(int dt, const void *p) { switch (dt) { CA_DTYPES(CA_LOAD_CASE, k, ) } return ca_i2##k(0); } \
  CA_FN void ca_store_##k(int dt, void *p, T v) { switch (dt) { CA_DTYPES(CA_STORE_CASE, k, ) } }
CA_KINDS(CA_DEF_RT, )

#define CA_TRUTH_CASE(NAME, name, ST, K, FAM) case CA_##NAME: return ca_truth_##name(*(const ST *)p);
CA_FN int ca_truth(int dt, const void *p) {
  switch (dt) { CA_DTYPES(CA_TRUTH_CASE, ) }
  return 0;
}

/* The compute kind of a dtype; the dtype stored as a kind's type; a kind's size in bytes. */
#define CA_CK_CASE(NAME, name, ST, K, FAM) case CA_##NAME: return CA_CK_##K;
CA_FN int ca_compute_kind(int dt) {
  switch (dt) { CA_DTYPES(CA_CK_CASE, ) }
  return -1;
}
#define CA_KIND_DTYPE_CASE(k, T, DT) case CA_CK_##k: return CA_##DT;
CA_FN int ca_kind_dtype(int ck) {
  switch (ck) { CA_KINDS(CA_KIND_DTYPE_CASE, ) }
  return -1;
}
#define CA_KIND_SIZE_CASE(k, T, DT) case CA_CK_##k: return sizeof(T);
CA_FN size_t ca_kind_size(int ck) {
  switch (ck) { CA_KINDS(CA_KIND_SIZE_CASE, ) }
  return 0;
}

/* ---- scalars and ranges ------------------------------------------------------------------ */

/* A scalar operand's value (backend.h: .f for float dtypes, .i for the others) written as an
 * element of dt, so that it reads back exactly as an array element would. */
CA_FN void ca_store_value(int dt, void *p, ca_value v) {
  if (ca_is_complex(dt)) ca_store_z(dt, p, v.z);
  else if (ca_is_float(dt)) ca_store_d(dt, p, v.f);
  else ca_store_i(dt, p, v.i);
}

/* Whether the integer v survives being stored in dt unchanged: for an integer dtype, whether
 * it is within the dtype's range (NumPy 2 raises where storing would wrap). A uint64 value
 * beyond 2^63 is not an int64 v: its callers check it apart. */
CA_FN int ca_int_fits(int dt, ca_i v) {
  if (dt == CA_UINT64) return v >= 0;
  ca_elem bits = {{0, 0}};
  ca_store_i(dt, &bits, v);
  return ca_load_i(dt, &bits) == v;
}

#endif
