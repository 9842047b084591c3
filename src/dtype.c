/* dtype names and NumPy 2 promotion. */
#include <string.h>
#include "dtype.h"

static const char *const names[CA_NDTYPES] = {
  "bool", "int8", "uint8", "int16", "int32", "int64", "float16", "float32", "float64",
};

const char *ca_dtype_name(int dt) {
  return dt >= 0 && dt < CA_NDTYPES ? names[dt] : "?";
}

int ca_dtype_from_name(const char *name) {
  static const struct { const char *alias; int dt; } aliases[] = {
    {"bool_", CA_BOOL}, {"b1", CA_BOOL}, {"i1", CA_INT8}, {"u1", CA_UINT8}, {"i2", CA_INT16},
    {"i4", CA_INT32}, {"i8", CA_INT64}, {"int", CA_INT64}, {"f2", CA_FLOAT16},
    {"half", CA_FLOAT16}, {"f4", CA_FLOAT32}, {"float", CA_FLOAT64}, {"f8", CA_FLOAT64},
    {"double", CA_FLOAT64}, {"single", CA_FLOAT32},
  };
  for (int i = 0; i < CA_NDTYPES; i++)
    if (strcmp(name, names[i]) == 0) return i;
  for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
    if (strcmp(name, aliases[i].alias) == 0) return aliases[i].dt;
  return -1;
}

/* NumPy 2's table for our dtypes (numpy.result_type of two arrays). */
int ca_promote(int a, int b) {
  static const signed char table[CA_NDTYPES][CA_NDTYPES] = {
    /*           b    i8   u8   i16  i32  i64  f16  f32  f64 */
    /* bool */ { 0,   1,   2,   3,   4,   5,   6,   7,   8 },
    /* i8   */ { 1,   1,   3,   3,   4,   5,   6,   7,   8 },
    /* u8   */ { 2,   3,   2,   3,   4,   5,   6,   7,   8 },
    /* i16  */ { 3,   3,   3,   3,   4,   5,   7,   7,   8 },
    /* i32  */ { 4,   4,   4,   4,   4,   5,   8,   8,   8 },
    /* i64  */ { 5,   5,   5,   5,   5,   5,   8,   8,   8 },
    /* f16  */ { 6,   6,   6,   7,   8,   8,   6,   7,   8 },
    /* f32  */ { 7,   7,   7,   7,   8,   8,   7,   7,   8 },
    /* f64  */ { 8,   8,   8,   8,   8,   8,   8,   8,   8 },
  };
  return table[a][b];
}

int ca_promote_set(unsigned seen) {
  int widest_float = -1, r = -1;
  for (int dt = 0; dt < CA_NDTYPES; dt++)
    if ((seen >> dt & 1u) && ca_is_float(dt)) widest_float = dt; /* floats are in width order */
  for (int dt = 0; dt < CA_NDTYPES; dt++) {
    if (!(seen >> dt & 1u)) continue;
    int x = widest_float >= 0 ? ca_promote(widest_float, dt) : dt;
    r = r < 0 ? x : ca_promote(r, x);
  }
  return r;
}

/* The float dtype NumPy's math functions return for an input dtype: the smallest float that
 * holds every value (bool, int8, uint8 -> float16; int16 -> float32; wider -> float64). */
int ca_float_for(int dt) {
  switch (dt) {
  case CA_BOOL: case CA_INT8: case CA_UINT8: return CA_FLOAT16;
  case CA_INT16: return CA_FLOAT32;
  case CA_FLOAT16: case CA_FLOAT32: return dt;
  default: return CA_FLOAT64;
  }
}

/* NumPy's "same_kind" casting: safe casts, or within a kind (bool < int < float). */
int ca_can_cast_same_kind(int from, int to) {
  return ca_dtype_kind(from) <= ca_dtype_kind(to) || ca_promote(from, to) == to;
}
