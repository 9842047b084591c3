/* Settings a script or a host program changes at run time: the collector threshold (each
 * lua_State's own) and the CPU backend's thread count (the process's, as CUARRAY_NUM_THREADS
 * and BLAS's settings are). The C API (c_api.c) sets them through the same checks. */
#include "core.h"

static void set_threshold(lua_State *L, int64_t bytes, int set) {
  ca_state *s = ca_state_get(L);
  s->gc_threshold = bytes;
  s->gc_threshold_set = set;
  for (int k = 0; k < CA_GC_SPACES; k++) s->gc[k].floor = 0;
}

void ca_set_gc_threshold(lua_State *L, int64_t bytes, const char *fname) {
  if (bytes < 0)
    ca_raisef(L, "%s: the threshold must be a number of bytes from 0, got %lld", fname,
              (long long)bytes);
  set_threshold(L, bytes, 1);
}

void ca_set_num_threads(lua_State *L, int64_t n, const char *fname) {
  if (n < 1 || n > CA_CPU_MAX_THREADS)
    ca_raisef(L, "%s: the thread count must be from 1 to %d, got %lld", fname, CA_CPU_MAX_THREADS,
              (long long)n);
  ca_cpu_set_threads((int)n);
}

static int64_t check_integer(lua_State *L, int idx, const char *fname, const char *what) {
  int64_t v = 0;
  if (!ca_tointeger(L, idx, &v))
    ca_raisef(L, "%s: %s must be an integer, got %s", fname, what,
              lua_type(L, idx) == LUA_TNUMBER ? lua_tostring(L, idx) : luaL_typename(L, idx));
  return v;
}

/* cu.set_gc_threshold(bytes): a full collection runs once as much again as was live at the
 * last one has been allocated, and this many bytes at least (64 MiB to start with, a share of
 * a GPU's memory there: src/gc_pace.c). cu.set_gc_threshold() restores that default. */
static int l_set_gc_threshold(lua_State *L) {
  const char *fname = "set_gc_threshold";
  if (lua_isnoneornil(L, 1)) set_threshold(L, CA_GC_THRESHOLD, 0);
  else ca_set_gc_threshold(L, check_integer(L, 1, fname, "the threshold"), fname);
  return 0;
}

static int l_get_gc_threshold(lua_State *L) {
  ca_pushinteger(L, ca_state_get(L)->gc_threshold);
  return 1;
}

/* cu.set_num_threads(n): the threads large CPU loops (and OpenBLAS's matmul) are split over. */
static int l_set_num_threads(lua_State *L) {
  const char *fname = "set_num_threads";
  ca_set_num_threads(L, check_integer(L, 1, fname, "the thread count"), fname);
  return 0;
}

static int l_get_num_threads(lua_State *L) {
  lua_pushinteger(L, ca_cpu_threads());
  return 1;
}

void ca_open_runtime(lua_State *L) {
  static const luaL_Reg funcs[] = {
    {"set_gc_threshold", l_set_gc_threshold}, {"get_gc_threshold", l_get_gc_threshold},
    {"set_num_threads", l_set_num_threads}, {"get_num_threads", l_get_num_threads},
    {NULL, NULL}
  };
  ca_register(L, funcs, NULL);
}
