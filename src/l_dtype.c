/* Dtype introspection: cu.promote_types, cu.result_type, cu.can_cast, cu.iinfo, cu.finfo, as
 * NumPy 2's (NEP 50: Lua values are weak scalars). The rules themselves are dtype.c's. */
#include <float.h>
#include <math.h>
#include <string.h>
#include "core.h"
#include "convert.h"

/* A dtype argument: a dtype name or an array (its dtype). */
static int dtype_arg(lua_State *L, int idx, const char *fname) {
  ca_array *a = ca_test(L, idx);
  if (a) return a->dtype;
  if (lua_type(L, idx) != LUA_TSTRING)
    ca_raisef(L, "%s: expected a dtype name or an array, got %s", fname, luaL_typename(L, idx));
  return ca_check_dtype(L, idx, fname);
}

/* cu.promote_types(a, b): NumPy's promote_types of two dtypes (names or arrays' dtypes). */
static int l_promote_types(lua_State *L) {
  int a = dtype_arg(L, 1, "promote_types"), b = dtype_arg(L, 2, "promote_types");
  lua_pushstring(L, ca_dtype_name(ca_promote(a, b)));
  return 1;
}

/* The kind of a weak scalar, in NumPy's order: 0 none, 1 bool, 2 int, 3 float, 4 complex. */
static int weak_kind(lua_State *L, int idx) {
  ca_c16 z;
  switch (lua_type(L, idx)) {
  case LUA_TBOOLEAN: return 1;
  case LUA_TNUMBER: return ca_number_is_integral(L, idx) ? 2 : 3;
  default: return ca_tocomplex(L, idx, &z) ? 4 : 0;
  }
}

/* cu.result_type(...): arrays and dtype names are strong, Lua numbers, booleans and complex
 * values weak (they decide the kind, never the width, unless nothing else is given). */
static int l_result_type(lua_State *L) {
  int n = lua_gettop(L), weak = 0;
  unsigned seen = 0;
  if (n == 0) return ca_raisef(L, "result_type: at least one array or dtype is required");
  for (int i = 1; i <= n; i++) {
    int k = weak_kind(L, i);
    if (k) {
      if (k > weak) weak = k;
    } else {
      seen |= 1u << dtype_arg(L, i, "result_type");
    }
  }
  int r = seen ? ca_promote_set(seen) : -1;
  if (weak == 1) r = r < 0 ? CA_BOOL : r;
  else if (weak == 2) r = r < 0 || r == CA_BOOL ? CA_INT64 : r;
  else if (weak == 3) r = r >= 0 && ca_is_inexact(r) ? r : CA_FLOAT64;
  else if (weak == 4)
    r = r >= 0 && ca_is_complex(r)                      ? r
        : r >= 0 && ca_is_float(r) && r != CA_FLOAT64 ? CA_COMPLEX64
                                                      : CA_COMPLEX128;
  lua_pushstring(L, ca_dtype_name(r));
  return 1;
}

static const char *const castings[] = {"no", "equiv", "safe", "same_kind", "unsafe", NULL};

int ca_opt_casting(lua_State *L, int idx, int dflt, const char *fname) {
  if (!lua_istable(L, idx)) return dflt;
  ca_opt_get(L, idx, "casting");
  int c = dflt;
  if (!lua_isnil(L, -1)) {
    const char *s = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
    for (c = 0; s && castings[c] && strcmp(castings[c], s) != 0; c++) {}
    if (!s || !castings[c])
      ca_raisef(L, "%s: casting must be one of 'no', 'equiv', 'safe', 'same_kind', 'unsafe'",
                fname);
  }
  lua_pop(L, 1);
  return c;
}

const char *ca_casting_name(int casting) { return castings[casting]; }

/* cu.can_cast(from, to[, {casting = "safe"}]): NumPy's can_cast of dtypes (names or arrays). */
static int l_can_cast(lua_State *L) {
  static const char *const known[] = {"casting", NULL};
  int from = dtype_arg(L, 1, "can_cast"), to = dtype_arg(L, 2, "can_cast");
  ca_opt_check(L, 3, "can_cast", known);
  lua_pushboolean(L, ca_can_cast(from, to, ca_opt_casting(L, 3, CA_CAST_SAFE, "can_cast")));
  return 1;
}

static void set_number(lua_State *L, const char *k, double v) {
  lua_pushnumber(L, v);
  lua_setfield(L, -2, k);
}
static void set_int(lua_State *L, const char *k, int64_t v) {
  ca_push_int64(L, v);
  lua_setfield(L, -2, k);
}

/* cu.iinfo(dtype): {bits, min, max, dtype, kind} of an integer dtype (or an array's). */
static int l_iinfo(lua_State *L) {
  int dt = dtype_arg(L, 1, "iinfo");
  if (!ca_is_integer(dt))
    return ca_raisef(L, "iinfo: invalid integer data type '%s'", ca_dtype_name(dt));
  int bits = (int)ca_itemsize(dt) * 8;
  int is_signed = !ca_is_unsigned(dt);
  lua_createtable(L, 0, 5);
  set_int(L, "bits", bits);
  set_int(L, "min", is_signed ? (int64_t)(~(uint64_t)0 << (bits - 1)) : 0);
  if (is_signed) {
    set_int(L, "max", (int64_t)(~(uint64_t)0 >> (65 - bits)));
  } else { /* uint64's 2^64 - 1: a uint64 cdata on LuaJIT, a float on Lua 5.4 and 5.1 */
    ca_push_uint64(L, ~(uint64_t)0 >> (64 - bits));
    lua_setfield(L, -2, "max");
  }
  lua_pushstring(L, ca_dtype_name(dt));
  lua_setfield(L, -2, "dtype");
  lua_pushstring(L, is_signed ? "i" : "u");
  lua_setfield(L, -2, "kind");
  return 1;
}

/* cu.finfo(dtype): NumPy's machine limits of a float dtype (of a complex dtype: its parts'). */
static int l_finfo(lua_State *L) {
  int dt = dtype_arg(L, 1, "finfo");
  if (!ca_is_inexact(dt))
    return ca_raisef(L, "finfo: data type '%s' not inexact", ca_dtype_name(dt));
  dt = ca_real_of(dt);
  /* nmant (stored mantissa bits), nexp (exponent bits), decimal precision */
  int nmant = dt == CA_FLOAT16 ? 10 : dt == CA_BFLOAT16 ? 7 : dt == CA_FLOAT32 ? 23 : 52;
  int nexp = dt == CA_FLOAT16 ? 5 : dt == CA_BFLOAT16 || dt == CA_FLOAT32 ? 8 : 11;
  int precision = dt == CA_FLOAT16 ? 3 : dt == CA_BFLOAT16 ? 2 : dt == CA_FLOAT32 ? 6 : 15;
  int maxexp = 1 << (nexp - 1), minexp = 2 - maxexp;
  double eps = ldexp(1.0, -nmant);
  double tiny = ldexp(1.0, minexp);
  double max = ldexp(2.0 - eps, maxexp - 1);
  lua_createtable(L, 0, 18);
  set_int(L, "bits", (int64_t)ca_itemsize(dt) * 8);
  set_number(L, "eps", eps);
  set_number(L, "epsneg", ldexp(1.0, -nmant - 1));
  set_number(L, "max", max);
  set_number(L, "min", -max);
  set_number(L, "tiny", tiny);
  set_number(L, "smallest_normal", tiny);
  set_number(L, "smallest_subnormal", ldexp(1.0, minexp - nmant));
  ca_elem r; /* 10^-precision as the dtype holds it, as NumPy gives it */
  ca_store_d(dt, &r, pow(10.0, -precision));
  set_number(L, "resolution", ca_load_d(dt, &r));
  set_int(L, "precision", precision);
  set_int(L, "nmant", nmant);
  set_int(L, "nexp", nexp);
  set_int(L, "iexp", nexp);
  set_int(L, "maxexp", maxexp);
  set_int(L, "minexp", minexp);
  set_int(L, "machep", -nmant);
  set_int(L, "negep", -nmant - 1);
  lua_pushstring(L, ca_dtype_name(dt));
  lua_setfield(L, -2, "dtype");
  return 1;
}

void ca_open_dtype(lua_State *L) {
  static const luaL_Reg funcs[] = {
    {"promote_types", l_promote_types}, {"result_type", l_result_type}, {"can_cast", l_can_cast},
    {"iinfo", l_iinfo}, {"finfo", l_finfo}, {NULL, NULL},
  };
  ca_register(L, funcs, NULL);
}
