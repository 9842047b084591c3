/* dtype names and NumPy 2 promotion. */
#include <string.h>
#include "dtype.h"

static const char *const names[CA_NDTYPES] = {
  "bool", "int8", "uint8", "int16", "int32", "int64", "float16", "float32", "float64",
  "complex64", "complex128", "uint16", "uint32", "bfloat16", "uint64",
};

const char *ca_dtype_name(int dt) {
  return dt >= 0 && dt < CA_NDTYPES ? names[dt] : "?";
}

int ca_dtype_from_name(const char *name) {
  static const struct { const char *alias; int dt; } aliases[] = {
    {"bool_", CA_BOOL}, {"b1", CA_BOOL}, {"i1", CA_INT8}, {"u1", CA_UINT8}, {"i2", CA_INT16},
    {"i4", CA_INT32}, {"i8", CA_INT64}, {"int", CA_INT64}, {"f2", CA_FLOAT16},
    {"half", CA_FLOAT16}, {"f4", CA_FLOAT32}, {"float", CA_FLOAT64}, {"f8", CA_FLOAT64},
    {"double", CA_FLOAT64}, {"single", CA_FLOAT32}, {"c8", CA_COMPLEX64},
    {"c16", CA_COMPLEX128}, {"complex", CA_COMPLEX128}, {"csingle", CA_COMPLEX64},
    {"cdouble", CA_COMPLEX128}, {"u2", CA_UINT16}, {"ushort", CA_UINT16}, {"u4", CA_UINT32},
    {"uintc", CA_UINT32}, {"bf16", CA_BFLOAT16}, {"u8", CA_UINT64},
    {"uint", CA_UINT64}, {"ulonglong", CA_UINT64},
  };
  for (int i = 0; i < CA_NDTYPES; i++)
    if (strcmp(name, names[i]) == 0) return i;
  for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
    if (strcmp(name, aliases[i].alias) == 0) return aliases[i].dt;
  return -1;
}

/* NumPy 2's table for our dtypes (numpy.result_type of two arrays). NumPy has no bfloat16: it
 * promotes as float16 does (the smallest dtype that holds both: bool, int8 and uint8 give
 * bfloat16, int16 and uint16 float32, wider integers float64), and with float16 to float32,
 * as ml_dtypes and PyTorch do (PyTorch gives bfloat16 for every integer). */
int ca_promote(int a, int b) {
  static const signed char table[CA_NDTYPES][CA_NDTYPES] = {
    /*              b   i8   u8  i16  i32  i64  f16  f32  f64  c64 c128  u16  u32 bf16  u64 */
    /* b    */ {   0,   1,   2,   3,   4,   5,   6,   7,   8,   9,  10,  11,  12,  13,  14 },
    /* i8   */ {   1,   1,   3,   3,   4,   5,   6,   7,   8,   9,  10,   4,   5,  13,   8 },
    /* u8   */ {   2,   3,   2,   3,   4,   5,   6,   7,   8,   9,  10,  11,  12,  13,  14 },
    /* i16  */ {   3,   3,   3,   3,   4,   5,   7,   7,   8,   9,  10,   4,   5,   7,   8 },
    /* i32  */ {   4,   4,   4,   4,   4,   5,   8,   8,   8,  10,  10,   4,   5,   8,   8 },
    /* i64  */ {   5,   5,   5,   5,   5,   5,   8,   8,   8,  10,  10,   5,   5,   8,   8 },
    /* f16  */ {   6,   6,   6,   7,   8,   8,   6,   7,   8,   9,  10,   7,   8,   7,   8 },
    /* f32  */ {   7,   7,   7,   7,   8,   8,   7,   7,   8,   9,  10,   7,   8,   7,   8 },
    /* f64  */ {   8,   8,   8,   8,   8,   8,   8,   8,   8,  10,  10,   8,   8,   8,   8 },
    /* c64  */ {   9,   9,   9,   9,  10,  10,   9,   9,  10,   9,  10,   9,  10,   9,  10 },
    /* c128 */ {  10,  10,  10,  10,  10,  10,  10,  10,  10,  10,  10,  10,  10,  10,  10 },
    /* u16  */ {  11,   4,  11,   4,   4,   5,   7,   7,   8,   9,  10,  11,  12,   7,  14 },
    /* u32  */ {  12,   5,  12,   5,   5,   5,   8,   8,   8,  10,  10,  12,  12,   8,  14 },
    /* bf16 */ {  13,  13,  13,   7,   8,   8,   7,   7,   8,   9,  10,   7,   8,  13,   8 },
    /* u64  */ {  14,   8,  14,   8,   8,   8,   8,   8,   8,  10,  10,  14,  14,   8,  14 },
  };
  return table[a][b];
}

int ca_promote_set(unsigned seen) {
  int widest_float = -1, r = -1;
  for (int dt = 0; dt < CA_NDTYPES; dt++) /* among floats and complex, promotion associates */
    if ((seen >> dt & 1u) && ca_is_inexact(dt))
      widest_float = widest_float < 0 ? dt : ca_promote(widest_float, dt);
  for (int dt = 0; dt < CA_NDTYPES; dt++) {
    if (!(seen >> dt & 1u)) continue;
    int x = widest_float >= 0 ? ca_promote(widest_float, dt) : dt;
    r = r < 0 ? x : ca_promote(r, x);
  }
  return r;
}

/* The float dtype NumPy's math functions return for an input dtype: the smallest float that
 * holds every value (bool, int8, uint8 -> float16; int16, uint16 -> float32; wider -> float64). */
int ca_float_for(int dt) {
  switch (dt) {
  case CA_BOOL: case CA_INT8: case CA_UINT8: return CA_FLOAT16;
  case CA_INT16: case CA_UINT16: return CA_FLOAT32;
  case CA_FLOAT16: case CA_FLOAT32: case CA_COMPLEX64: case CA_COMPLEX128: case CA_BFLOAT16: return dt;
  default: return CA_FLOAT64;
  }
}

/* NumPy's casting rules. safe: promote_types(from, to) is to (so int64 -> float64 counts as
 * safe, as in NumPy); same_kind: safe, or down a kind in NumPy's order bool < unsigned <
 * signed < float < complex. */
static int kind_rank(int dt) {
  switch (ca_dtype_kind(dt)) {
  case CA_KIND_BOOL: return 0;
  case CA_KIND_INT: return ca_is_unsigned(dt) ? 1 : 2;
  case CA_KIND_FLOAT: return 3;
  default: return 4;
  }
}

int ca_can_cast(int from, int to, int casting) {
  switch (casting) {
  case CA_CAST_NO: case CA_CAST_EQUIV: return from == to;
  case CA_CAST_UNSAFE: return 1;
  default: break;
  }
  int safe = ca_promote(from, to) == to;
  if (casting == CA_CAST_SAFE) return safe;
  return safe || kind_rank(from) <= kind_rank(to);
}

int ca_can_cast_same_kind(int from, int to) { return ca_can_cast(from, to, CA_CAST_SAME_KIND); }
