/* Lua 5.1 / LuaJIT 2.1 / 5.2 / 5.3 / 5.4 differences, in one place, under our own names. */
#ifndef CA_COMPAT_H
#define CA_COMPAT_H

#include <stdint.h>
#include <lua.h>
#include <lauxlib.h>

#define CA_EXPORT __attribute__((visibility("default")))

#if LUA_VERSION_NUM == 501
#define ca_rawlen(L, i) lua_objlen(L, i)
#define ca_absindex(L, i) (((i) > 0 || (i) <= LUA_REGISTRYINDEX) ? (i) : lua_gettop(L) + (i) + 1)
#define ca_newuserdata(L, sz) lua_newuserdata(L, sz)
#else
#define ca_rawlen(L, i) lua_rawlen(L, i)
#define ca_absindex(L, i) lua_absindex(L, i)
#if LUA_VERSION_NUM >= 504
#define ca_newuserdata(L, sz) lua_newuserdatauv(L, sz, 0)
#else
#define ca_newuserdata(L, sz) lua_newuserdata(L, sz)
#endif
#endif

/* luaL_setfuncs with no upvalues (PUC Lua 5.1 lacks it): the functions into the table at -1. */
static inline void ca_setfuncs(lua_State *L, const luaL_Reg *l) {
  for (; l->name; l++) {
    lua_pushcfunction(L, l->func);
    lua_setfield(L, -2, l->name);
  }
}

/* luaL_testudata, which PUC Lua 5.1 lacks (LuaJIT and 5.2+ have it). */
static inline void *ca_testudata(lua_State *L, int i, const char *tname) {
  void *p = lua_touserdata(L, i);
  if (!p || !lua_getmetatable(L, i)) return NULL;
  luaL_getmetatable(L, tname);
  int same = lua_rawequal(L, -1, -2);
  lua_pop(L, 2);
  return same ? p : NULL;
}

/* lua_Integer is 64-bit on 5.3+ and ptrdiff_t (64-bit on our targets) before. An integral
 * argument is required: 2.5 is an error on every Lua version. */
static inline int ca_tointeger(lua_State *L, int i, int64_t *out) {
  if (lua_type(L, i) != LUA_TNUMBER) return 0;
#if LUA_VERSION_NUM >= 503
  if (lua_isinteger(L, i)) {
    *out = (int64_t)lua_tointeger(L, i);
    return 1;
  }
#endif
  lua_Number n = lua_tonumber(L, i);
  if (!(n >= -9223372036854775808.0 && n < 9223372036854775808.0) || n != (lua_Number)(int64_t)n)
    return 0;
  *out = (int64_t)n;
  return 1;
}

/* Whether a Lua number is integral in value (how a Lua number acts as a weak scalar: an
 * integral value is an int, any other a float, on every Lua version). */
static inline int ca_number_is_integral(lua_State *L, int i) {
#if LUA_VERSION_NUM >= 503
  if (lua_isinteger(L, i)) return 1;
#endif
  lua_Number n = lua_tonumber(L, i);
  return n >= -9223372036854775808.0 && n < 9223372036854775808.0 && n == (lua_Number)(int64_t)n;
}

static inline void ca_pushinteger(lua_State *L, int64_t v) {
#if LUA_VERSION_NUM >= 503
  lua_pushinteger(L, (lua_Integer)v);
#else
  lua_pushnumber(L, (lua_Number)v);
#endif
}

#endif
