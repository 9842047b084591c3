/* Arguments and options of the bindings: the checks that raise in the function's name (luaL's
 * name it only when the caller's debug information does), the options tables. */
#include <string.h>
#include <stdio.h>
#include "core.h"

/* ---- arguments ----------------------------------------------------------------------- */

#define CA_CALLER_NAME_MAX 256 /* so that a message of ca_raisef's (1024 bytes) holds it whole */
const char *ca_caller_name(lua_State *L, int idx, const char *own) {
  size_t len = 0;
  const char *s = lua_type(L, idx) == LUA_TSTRING ? lua_tolstring(L, idx, &len) : NULL;
  return s && len <= CA_CALLER_NAME_MAX ? s : own;
}

const char *ca_check_string(lua_State *L, int idx, const char *fname, const char *what) {
  if (!lua_isstring(L, idx))
    ca_raisef(L, "%s: %s must be a string, got %s", fname, what, luaL_typename(L, idx));
  return lua_tostring(L, idx);
}

void ca_check_type(lua_State *L, int idx, int t, const char *fname, const char *what) {
  if (lua_type(L, idx) != t)
    ca_raisef(L, "%s: %s must be a %s, got %s", fname, what, lua_typename(L, t),
              luaL_typename(L, idx));
}

lua_Number ca_check_number(lua_State *L, int idx, const char *fname, const char *what) {
  ca_check_type(L, idx, LUA_TNUMBER, fname, what);
  return lua_tonumber(L, idx);
}

int ca_check_option(lua_State *L, int idx, const char *const *list, const char *fname,
                    const char *what) {
  const char *s = lua_type(L, idx) == LUA_TSTRING ? lua_tostring(L, idx) : NULL;
  for (int i = 0; s && list[i]; i++)
    if (strcmp(s, list[i]) == 0) return i;
  return ca_raisef(L, "%s: unknown %s %s%s%s", fname, what, s ? "'" : "",
                   s ? s : luaL_typename(L, idx), s ? "'" : "");
}

/* ---- options ----------------------------------------------------------------------- */

/* NumPy's axis= and Torch's dim= are positional in cuarray: a:sum({axis = 1}) earns a hint. */
static const char *option_hint(char *hint, size_t len, const char *fname, const char *key,
                               const char *const *known) {
  if (strcmp(key, "axis") && strcmp(key, "axes") && strcmp(key, "dim")) return "";
  int keepdims = 0, out = 0; /* the reductions take both; their axis comes first */
  for (int i = 0; known[i]; i++) {
    keepdims |= strcmp(known[i], "keepdims") == 0;
    out |= strcmp(known[i], "out") == 0;
  }
  if (!keepdims || !out) return " (the axis is a positional argument, not an option)";
  snprintf(hint, len, " (the axis is the first argument: a:%s(1))", fname);
  return hint;
}

int ca_opt_check(lua_State *L, int idx, const char *fname, const char *const *known) {
  if (lua_isnoneornil(L, idx)) return 0;
  idx = ca_absindex(L, idx);
  if (!lua_istable(L, idx))
    ca_raisef(L, "%s: options must be a table, got %s", fname, luaL_typename(L, idx));
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    lua_pop(L, 1);
    int ok = 0;
    if (lua_type(L, -1) == LUA_TSTRING) {
      const char *k = lua_tostring(L, -1);
      for (int i = 0; known[i]; i++)
        if (strcmp(k, known[i]) == 0) { ok = 1; break; }
    }
    if (!ok) {
      const char *k = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : luaL_typename(L, -1);
      char hint[128];
      ca_raisef(L, "%s: unknown option '%s'%s", fname, k, option_hint(hint, sizeof hint, fname, k, known));
    }
  }
  return 1;
}

int ca_check_dtype(lua_State *L, int idx, const char *fname) {
  if (lua_type(L, idx) != LUA_TSTRING)
    ca_raisef(L, "%s: dtype must be a string such as \"float32\", got %s", fname,
              luaL_typename(L, idx));
  int dt = ca_dtype_from_name(lua_tostring(L, idx));
  if (dt < 0) {
    char names[256];
    size_t n = 0;
    for (int d = 0; d < CA_NDTYPES && n + 16 < sizeof names; d++)
      n += (size_t)snprintf(names + n, sizeof names - n, "%s%s", d ? ", " : "", ca_dtype_name(d));
    ca_raisef(L, "%s: unknown dtype '%s' (%s)", fname, lua_tostring(L, idx), names);
  }
  return dt;
}

void ca_opt_get(lua_State *L, int idx, const char *key) {
  idx = ca_absindex(L, idx);
  lua_pushstring(L, key);
  lua_rawget(L, idx);
}

/* Reads field `key` of the options table at idx with `read`, or gives dflt. */
static int opt_field(lua_State *L, int idx, const char *key, int dflt, const char *fname,
                     int (*read)(lua_State *, int, int, const char *)) {
  if (idx == 0 || !lua_istable(L, idx)) return dflt;
  ca_opt_get(L, idx, key);
  int v = lua_isnil(L, -1) ? dflt : read(L, -1, dflt, fname);
  lua_pop(L, 1);
  return v;
}

static int read_dtype(lua_State *L, int idx, int dflt, const char *fname) {
  (void)dflt;
  return ca_check_dtype(L, idx, fname);
}

int ca_opt_dtype(lua_State *L, int idx, int dflt, const char *fname) {
  return opt_field(L, idx, "dtype", dflt, fname, read_dtype);
}

int ca_opt_device(lua_State *L, int idx, int dflt, const char *fname) {
  return opt_field(L, idx, "device", dflt, fname, ca_parse_device);
}

ca_array *ca_opt_out(lua_State *L, int idx, const char *fname) {
  if (!lua_istable(L, idx)) return NULL;
  ca_opt_get(L, idx, "out");
  if (lua_isnil(L, -1)) {
    lua_pop(L, 1);
    return NULL;
  }
  ca_array *o = ca_test(L, -1);
  if (!o) ca_raisef(L, "%s: option 'out' must be an array, got %s", fname, luaL_typename(L, -1));
  if (!o->storage) ca_raisef(L, "%s: option 'out': the array has been freed", fname);
  return o; /* stays on the stack: Lua code run by the operation may drop the table's reference */
}

int ca_opt_bool(lua_State *L, int idx, const char *key, int dflt) {
  if (!lua_istable(L, idx)) return dflt;
  ca_opt_get(L, idx, key);
  int v = lua_isnil(L, -1) ? dflt : lua_toboolean(L, -1);
  lua_pop(L, 1);
  return v;
}

int ca_is_options(lua_State *L, int idx) {
  if (!lua_istable(L, idx)) return 0;
  idx = ca_absindex(L, idx);
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    lua_pop(L, 1);
    if (lua_type(L, -1) == LUA_TSTRING) {
      lua_pop(L, 1);
      return 1;
    }
  }
  return 0;
}

int ca_split_options(lua_State *L, int *oi) {
  int top = lua_gettop(L), empty = 0;
  if (top > 0 && lua_istable(L, top)) {
    lua_pushnil(L);
    empty = !lua_next(L, top);
    if (!empty) lua_pop(L, 2);
  }
  *oi = top > 0 && (empty || ca_is_options(L, top)) ? top : 0;
  return *oi ? top - 1 : top;
}
