/* NumPy's sort order as unsigned integers: ca_sort_key_<w> maps an element of a dtype of w
 * bytes to an unsigned integer of w bytes whose order is NumPy's (false < true; signed
 * integers by value; floats by value with -0.0 == +0.0 and every NaN after +inf, equal to one
 * another; unsigned integers are their own keys), so that sorting, merging and searching
 * compare plain integers. Equal elements get equal keys, so a stable sort of the keys is a
 * stable sort of the elements. Read by gcc (src/cpu/sort.c) and by nvcc (cuda/sort.cu): the
 * order is written once. */
#ifndef CA_SORT_KEYS_H
#define CA_SORT_KEYS_H

#include <stdint.h>
#include <string.h>
#include "dtype.h"

CA_HD static inline uint8_t ca_sort_key_1(int dt, const void *p) {
  uint8_t b = *(const uint8_t *)p;
  if (dt == CA_INT8) return (uint8_t)(b ^ 0x80u);
  if (dt == CA_BOOL) return b != 0;
  return b;
}

CA_HD static inline uint16_t ca_sort_key_2(int dt, const void *p) {
  uint16_t b = *(const uint16_t *)p;
  if (dt == CA_INT16) return (uint16_t)(b ^ 0x8000u);
  if (dt == CA_UINT16) return b;
  if (dt == CA_BFLOAT16) {
    if ((b & 0x7f80u) == 0x7f80u && (b & 0x007fu)) return 0xffffu;
    if (b == 0x8000u) b = 0;
    return (b & 0x8000u) ? (uint16_t)~b : (uint16_t)(b | 0x8000u);
  }
  /* float16 */
  if ((b & 0x7c00u) == 0x7c00u && (b & 0x03ffu)) return 0xffffu;
  if (b == 0x8000u) b = 0;
  return (b & 0x8000u) ? (uint16_t)~b : (uint16_t)(b | 0x8000u);
}

CA_HD static inline uint32_t ca_sort_key_4(int dt, const void *p) {
  uint32_t b = *(const uint32_t *)p;
  if (dt == CA_INT32) return b ^ 0x80000000u;
  if (dt == CA_UINT32) return b;
  /* float32 */
  if ((b & 0x7f800000u) == 0x7f800000u && (b & 0x007fffffu)) return 0xffffffffu;
  if (b == 0x80000000u) b = 0;
  return (b & 0x80000000u) ? ~b : (b | 0x80000000u);
}

CA_HD static inline uint64_t ca_sort_key_8(int dt, const void *p) {
  uint64_t b = *(const uint64_t *)p;
  if (dt == CA_INT64) return b ^ 0x8000000000000000ull;
  if (dt == CA_UINT64) return b;
  /* float64 */
  if ((b & 0x7ff0000000000000ull) == 0x7ff0000000000000ull && (b & 0x000fffffffffffffull))
    return 0xffffffffffffffffull;
  if (b == 0x8000000000000000ull) b = 0;
  return (b & 0x8000000000000000ull) ? ~b : (b | 0x8000000000000000ull);
}

/* The key of any dtype, widened to 64 bits (the order is kept). */
CA_HD static inline uint64_t ca_sort_key(int dt, const void *p) {
  switch (ca_itemsize(dt)) {
  case 1: return ca_sort_key_1(dt, p);
  case 2: return ca_sort_key_2(dt, p);
  case 4: return ca_sort_key_4(dt, p);
  default: return ca_sort_key_8(dt, p);
  }
}

/* Whether two elements of dt whose keys (of `bytes` bytes) are a and b are one value for
 * unique: equal keys, and without equal_nan not NaN (a NaN's key is all ones, and no other
 * float's is). */
CA_HD static inline int ca_same_value(int dt, uint64_t a, uint64_t b, int bytes, int equal_nan) {
  if (a != b) return 0;
  if (equal_nan || !ca_is_float(dt)) return 1;
  uint64_t ones = bytes >= 8 ? ~(uint64_t)0 : (((uint64_t)1 << (bytes * 8)) - 1);
  return a != ones;
}

/* Whether a backend can sort dtype dt by these keys: a complex element has two (src/l_sort.c
 * sorts by its parts). */
CA_HD static inline int ca_sortable(int dt) {
  return dt >= 0 && dt < CA_NDTYPES && !ca_is_complex(dt);
}

#endif
