/* cu.random: the counter-based stream (seed, get_state, set_state) and the draws on the
 * array's device. lua/cuarray/random.lua gives the draws NumPy's positional forms over
 * random._draw; random._randint reads randint's bounds exactly here. Element i of a draw is a
 * pure function of (seed, counter, i) (scalar.h), so every backend draws the same numbers. */
#include <stdint.h>
#include <time.h>
#include "core.h"
#include "convert.h"
#include "scalar.h"

static const char *const dd_opts[] = {"dtype", "device", NULL};

/* Reads a shape at idx (nil or none: 0-d). */
static int opt_shape(lua_State *L, int idx, int64_t *shape, const char *fname) {
  if (lua_isnoneornil(L, idx)) return 0;
  return ca_read_shape(L, idx, shape, fname);
}

/* Pushes an array of `shape` filled by the backend's random stream; advances the counter.
 * p1, p2: .i for integer draws (exact bounds), .f otherwise. */
static int draw(lua_State *L, const char *fname, int dist, ca_value p1, ca_value p2, int nd,
                const int64_t *shape, int oi, int dflt_dtype) {
  ca_state *s = ca_state_get(L);
  if (oi) ca_opt_check(L, oi, fname, dd_opts);
  int dtype = ca_opt_dtype(L, oi, dflt_dtype, fname);
  if (dist == CA_DIST_INTEGER ? ca_is_float(dtype) : !ca_is_float(dtype))
    ca_raisef(L, "%s: dtype must be %s, got %s", fname,
               dist == CA_DIST_INTEGER ? "an integer or bool dtype" : "a float dtype",
               ca_dtype_name(dtype));
  int device = ca_opt_device(L, oi, s->default_device, fname);
  ca_check_new_size(L, fname, dtype, nd, shape);
  ca_backend *be = ca_backend_get(L, device);
  ca_array *a = ca_new(L, be, dtype, nd, shape);
  if (a->size > 0) {
    if (!be->random) ca_raisef(L, "%s: random numbers are not supported on %s", fname, be->name);
    CA_CHECK(L, be, be->random(be, dist, ca_data(a), dtype, a->size, p1, p2, s->seed, s->counter),
             fname);
    s->counter += ca_random_blocks(dtype, dist, a->size);
  }
  return 1;
}

/* cu.random.seed([s]): restarts the stream; with no seed, one from the clock. */
static int r_seed(lua_State *L) {
  ca_state *s = ca_state_get(L);
  int64_t v;
  if (lua_isnoneornil(L, 1)) {
    v = (int64_t)time(NULL) ^ ((int64_t)clock() << 20) ^ (int64_t)(intptr_t)&v;
  } else if (!ca_tointeger(L, 1, &v)) {
    return ca_raisef(L, "random.seed: seed must be an integer, got %s",
                      lua_type(L, 1) == LUA_TNUMBER ? lua_tostring(L, 1) : luaL_typename(L, 1));
  }
  s->seed = (uint64_t)v;
  s->counter = 0;
  return 0;
}

/* cu.random._draw(fname, dist, shape, p1, p2, opts): the float draws behind cu.random's
 * functions (lua/cuarray/random.lua reads their arguments): dist "uniform" in [p1, p2), or
 * "normal" with mean p1 and standard deviation p2. */
static int r_draw(lua_State *L) {
  static const char *const dists[] = {"uniform", "normal", NULL};
  const char *fname = luaL_checkstring(L, 1);
  int dist = luaL_checkoption(L, 2, NULL, dists) == 0 ? CA_DIST_UNIFORM : CA_DIST_NORMAL;
  int64_t shape[CA_MAXDIMS];
  int nd = opt_shape(L, 3, shape, fname);
  ca_value p1, p2;
  p1.f = luaL_checknumber(L, 4);
  p2.f = luaL_checknumber(L, 5);
  return draw(L, fname, dist, p1, p2, nd, shape, lua_isnoneornil(L, 6) ? 0 : 6,
              ca_state_get(L)->default_dtype);
}

/* cu.random._randint(lo, hi, shape, opts): integers in [lo, hi); with hi nil, [0, lo). The
 * bounds are read here, exactly; lua/cuarray/random.lua gives randint its trailing options. */
static int r_randint(lua_State *L) {
  int64_t lo, hi;
  /* exact: Lua 5.4 integers, LuaJIT int64 cdata (its numbers are exact up to 2^53) */
  if (!ca_toint64(L, 1, &lo))
    return ca_raisef(L, "random.randint: lo must be an integer, got %s",
                      lua_type(L, 1) == LUA_TNUMBER ? lua_tostring(L, 1) : luaL_typename(L, 1));
  if (!lua_isnil(L, 2)) {
    if (!ca_toint64(L, 2, &hi))
      return ca_raisef(L, "random.randint: hi must be an integer, got %s",
                        lua_type(L, 2) == LUA_TNUMBER ? lua_tostring(L, 2) : luaL_typename(L, 2));
  } else {
    hi = lo;
    lo = 0;
  }
  if (lo >= hi)
    return ca_raisef(L, "random.randint: lo must be less than hi (got lo = %lld, hi = %lld)",
                      (long long)lo, (long long)hi);
  int64_t shape[CA_MAXDIMS];
  int nd = opt_shape(L, 3, shape, "random.randint");
  int oi = lua_isnoneornil(L, 4) ? 0 : 4;
  if (oi) ca_opt_check(L, oi, "random.randint", dd_opts);
  int dtype = ca_opt_dtype(L, oi, CA_INT64, "random.randint");
  if (ca_is_integer(dtype) || dtype == CA_BOOL) {
    int64_t top = hi - 1;
    int ok = dtype == CA_BOOL ? lo >= 0 && top <= 1 : ca_int_fits(dtype, lo) && ca_int_fits(dtype, top);
    if (!ok)
      return ca_raisef(L, "random.randint: the range [%lld, %lld) is out of bounds for %s",
                        (long long)lo, (long long)hi, ca_dtype_name(dtype));
  }
  ca_value vlo, vhi;
  vlo.i = lo;
  vhi.i = hi;
  return draw(L, "random.randint", CA_DIST_INTEGER, vlo, vhi, nd, shape, oi, CA_INT64);
}

/* cu.random.get_state() -> seed, counter; cu.random.set_state(seed, counter) */
static int r_get_state(lua_State *L) {
  ca_state *s = ca_state_get(L);
  ca_pushinteger(L, (int64_t)s->seed);
  ca_pushinteger(L, (int64_t)s->counter);
  return 2;
}

static int r_set_state(lua_State *L) {
  ca_state *s = ca_state_get(L);
  int64_t seed, ctr;
  if (!ca_tointeger(L, 1, &seed) || !ca_tointeger(L, 2, &ctr))
    return ca_raisef(L, "random.set_state: expected two integers (seed, counter)");
  s->seed = (uint64_t)seed;
  s->counter = (uint64_t)ctr;
  return 0;
}

void ca_open_random(lua_State *L) {
  static const luaL_Reg random_funcs[] = {
    {"seed", r_seed}, {"get_state", r_get_state}, {"set_state", r_set_state},
    {"_draw", r_draw}, {"_randint", r_randint},
    {NULL, NULL}
  };
  /* module table at -2, methods table at -1 */
  lua_newtable(L);
  ca_setfuncs(L, random_funcs);
  lua_setfield(L, -3, "random");
}
