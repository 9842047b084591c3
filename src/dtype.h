/* dtypes: names, sizes, NumPy 2 promotion, and float16 conversion.
 * Read by the C compiler and by nvcc (as C++). */
#ifndef CA_DTYPE_H
#define CA_DTYPE_H

#include <stdint.h>
#include <stddef.h>

#ifdef __CUDACC__
#define CA_HD __host__ __device__
#else
#define CA_HD
#endif

/* Order matters: ca_promote and the kind tests rely on it. */
typedef enum ca_dtype {
  CA_BOOL = 0,
  CA_INT8,
  CA_UINT8,
  CA_INT16,
  CA_INT32,
  CA_INT64,
  CA_FLOAT16,
  CA_FLOAT32,
  CA_FLOAT64,
  CA_NDTYPES
} ca_dtype;

/* How a backend computes on a dtype: every integer type (and bool) in int64, float16 and
 * float32 in float, float64 in double. Storing narrows (integers wrap, as NumPy's do). */
typedef enum ca_kind { CA_KIND_BOOL, CA_KIND_INT, CA_KIND_FLOAT } ca_kind;

CA_HD static inline ca_kind ca_dtype_kind(int dt) {
  return dt == CA_BOOL ? CA_KIND_BOOL : dt <= CA_INT64 ? CA_KIND_INT : CA_KIND_FLOAT;
}
CA_HD static inline int ca_is_float(int dt) { return dt >= CA_FLOAT16; }
CA_HD static inline int ca_is_integer(int dt) { return dt >= CA_INT8 && dt <= CA_INT64; }

CA_HD static inline size_t ca_itemsize(int dt) {
  switch (dt) {
  case CA_BOOL: case CA_INT8: case CA_UINT8: return 1;
  case CA_INT16: case CA_FLOAT16: return 2;
  case CA_INT32: case CA_FLOAT32: return 4;
  default: return 8;
  }
}

/* IEEE binary16 <-> binary32, round to nearest even; NaN and infinities kept. */
CA_HD static inline float ca_half_to_float(uint16_t h) {
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
}

CA_HD static inline uint16_t ca_float_to_half(float f) {
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
}

#ifndef __CUDACC__
/* Host-only helpers (src/dtype.c). */
const char *ca_dtype_name(int dt);
int ca_dtype_from_name(const char *name); /* -1 when unknown; accepts NumPy aliases */
int ca_promote(int a, int b);             /* NumPy 2 result type of two array dtypes */
/* numpy.result_type of arrays whose dtypes are the set bits of `seen` (1u << dt each), -1 for
 * none. Promotion is not associative (uint8 with int8 is int16, and int16 with float16 is
 * float32, but the three together are float16), so with a float present each dtype is first
 * promoted with the widest float, as NumPy does. */
int ca_promote_set(unsigned seen);
int ca_float_for(int dt);                 /* the float a math function of dt returns */
int ca_can_cast_same_kind(int from, int to);
#endif

#endif
