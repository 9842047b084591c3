/* cu.random: the counter-based stream (seed, get_state, set_state) and the draws on the
 * array's device. lua/cuarray/random.lua gives the draws NumPy's positional forms over
 * random._draw; random._randint reads randint's bounds exactly here. Element i of a draw is a
 * pure function of (seed, counter, i) (scalar.h), so every backend draws the same numbers. */
#include <stdint.h>
#include <time.h>
#include "core.h"
#include "convert.h"
#include "random_dists.h"

static const char *const dd_opts[] = {"dtype", "device", NULL};

/* Reads a shape at idx (nil or none: 0-d). */
static int opt_shape(lua_State *L, int idx, int64_t *shape, const char *fname) {
  if (lua_isnoneornil(L, idx)) return 0;
  return ca_read_shape(L, idx, shape, fname);
}

/* Pushes an array of `shape` filled by the backend's random stream; advances the counter.
 * p1, p2: as ca_dist says; aux: naux float64 values on `device` (or NULL); for row
 * distributions the last dim of `shape` is naux. */
static int draw_on(lua_State *L, const char *fname, int dist, ca_value p1, ca_value p2, int nd,
                   const int64_t *shape, int oi, int dflt_dtype, int device, const double *aux,
                   int64_t naux) {
  ca_state *s = ca_state_get(L);
  int dtype = ca_opt_dtype(L, oi, dflt_dtype, fname);
  int discrete = ca_dist_discrete(dist);
  if (discrete ? ca_is_float(dtype) : !ca_is_float(dtype))
    ca_raisef(L, "%s: dtype must be %s, got %s", fname,
               discrete ? "an integer or bool dtype" : "a float dtype", ca_dtype_name(dtype));
  ca_check_new_size(L, fname, dtype, nd, shape);
  ca_backend *be = ca_backend_get(L, device);
  ca_array *a = ca_new(L, be, dtype, nd, shape);
  if (a->size > 0) {
    if (!be->random) ca_raisef(L, "%s: random numbers are not supported on %s", fname, be->name);
    CA_CHECK(L, be, be->random(be, dist, ca_data(a), dtype, a->size, p1, p2, s->seed, s->counter,
                               aux, naux), fname);
    s->counter += ca_dist_blocks(dtype, dist, a->size, naux);
  }
  return 1;
}

static int draw(lua_State *L, const char *fname, int dist, ca_value p1, ca_value p2, int nd,
                const int64_t *shape, int oi, int dflt_dtype) {
  if (oi) ca_opt_check(L, oi, fname, dd_opts);
  int device = ca_opt_device(L, oi, ca_state_get(L)->default_device, fname);
  return draw_on(L, fname, dist, p1, p2, nd, shape, oi, dflt_dtype, device, NULL, 0);
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

/* The distributions random._draw knows, by name, in ca_dist's order. */
static const char *const dist_names[] = {
  "uniform", "normal", "integers", "exponential", "laplace", "logistic", "gumbel", "lognormal",
  "standard_cauchy", "gamma", "beta", "geometric", "poisson", "binomial", NULL
};

/* Reads an exact integer argument at idx (a count), non-negative. */
static int64_t count_arg(lua_State *L, int idx, const char *fname, const char *what) {
  int64_t v;
  if (!ca_toint64(L, idx, &v))
    ca_raisef(L, "%s: %s must be an integer, got %s", fname, what,
               lua_type(L, idx) == LUA_TNUMBER ? lua_tostring(L, idx) : luaL_typename(L, idx));
  if (v < 0) ca_raisef(L, "%s: %s must be non-negative, got %lld", fname, what, (long long)v);
  return v;
}

/* cu.random._draw(fname, dist, shape, p1, p2, opts): the draws behind cu.random's functions
 * (lua/cuarray/random.lua reads and checks their parameters): "uniform" in [p1, p2),
 * "normal" with mean p1 and standard deviation p2, and the distributions of ca_dist with
 * their parameters as it lists them (binomial: p1 the number of trials, an exact integer). */
static int r_draw(lua_State *L) {
  const char *fname = ca_caller_name(L, 1, "random._draw");
  int dist = ca_check_option(L, 2, dist_names, fname, "distribution");
  if (dist == CA_DIST_INTEGER) ca_raisef(L, "%s: integers are drawn by _randint", fname);
  int64_t shape[CA_MAXDIMS];
  int nd = opt_shape(L, 3, shape, fname);
  ca_value p1, p2;
  if (dist == CA_DIST_BINOMIAL) p1.i = count_arg(L, 4, fname, "n");
  else p1.f = ca_check_number(L, 4, fname, "the first parameter");
  p2.f = ca_check_number(L, 5, fname, "the second parameter");
  int dflt = ca_dist_discrete(dist) ? CA_INT64 : ca_state_get(L)->default_dtype;
  return draw(L, fname, dist, p1, p2, nd, shape, lua_isnoneornil(L, 6) ? 0 : 6, dflt);
}

/* cu.random._permutation(fname, n, count, opts): the first `count` values (int64) of a
 * permutation of 0 .. n - 1 (count <= n, checked by the caller). */
static int r_permutation(lua_State *L) {
  const char *fname = ca_caller_name(L, 1, "random._permutation");
  ca_value p1, p2;
  p1.i = count_arg(L, 2, fname, "n");
  p2.i = 0;
  int64_t shape[1] = {count_arg(L, 3, fname, "size")};
  if (shape[0] > p1.i)
    ca_raisef(L, "%s: cannot take %lld values from a population of %lld without replacement",
               fname, (long long)shape[0], (long long)p1.i);
  return draw(L, fname, CA_DIST_PERMUTATION, p1, p2, 1, shape, lua_isnoneornil(L, 4) ? 0 : 4,
              CA_INT64);
}

/* cu.random._rows(fname, dist, shape, aux, trials, opts): "categorical" (int64 indices by the
 * ascending cdf aux, ending at 1; shape the sample's), "dirichlet" (rows of the alphas aux)
 * or "multinomial" (rows of counts of `trials` by the probabilities aux); for the row
 * distributions the result's shape is shape followed by #aux. aux: a contiguous float64
 * array on the result's device. */
static int r_rows(lua_State *L) {
  static const char *const kinds[] = {"categorical", "dirichlet", "multinomial", NULL};
  static const int dists[] = {CA_DIST_CATEGORICAL, CA_DIST_DIRICHLET, CA_DIST_MULTINOMIAL};
  const char *fname = ca_caller_name(L, 1, "random._rows");
  int dist = dists[ca_check_option(L, 2, kinds, fname, "distribution")];
  int64_t shape[CA_MAXDIMS];
  int nd = opt_shape(L, 3, shape, fname);
  ca_array *aux = ca_check_arg(L, 4, fname);
  ca_value p1, p2;
  p1.i = dist == CA_DIST_MULTINOMIAL ? count_arg(L, 5, fname, "n") : 0;
  p2.i = 0;
  int oi = lua_isnoneornil(L, 6) ? 0 : 6;
  if (oi) ca_opt_check(L, oi, fname, dd_opts);
  int device = ca_opt_device(L, oi, ca_state_get(L)->default_device, fname);
  if (aux->dtype != CA_FLOAT64 || aux->ndim != 1 || aux->size < 1 || !ca_is_contiguous(aux) ||
      ca_be(aux)->device != ca_backend_get(L, device)->device)
    return ca_raisef(L, "%s: internal: the parameters must be a contiguous float64 vector on "
                        "the result's device", fname);
  if (dist != CA_DIST_CATEGORICAL) {
    if (nd >= CA_MAXDIMS)
      return ca_raisef(L, "%s: size has too many dimensions (%d)", fname, nd);
    shape[nd++] = aux->size;
  }
  int dflt = dist == CA_DIST_DIRICHLET ? ca_state_get(L)->default_dtype : CA_INT64;
  return draw_on(L, fname, dist, p1, p2, nd, shape, oi, dflt, device,
                 (const double *)ca_data(aux), aux->size);
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
    {"_permutation", r_permutation}, {"_rows", r_rows},
    {NULL, NULL}
  };
  /* module table at -2, methods table at -1 */
  lua_newtable(L);
  ca_setfuncs(L, random_funcs);
  lua_setfield(L, -3, "random");
}
