/* A host program that embeds Lua (LuaJIT, Lua 5.4 or 5.1) and cuarray through the public C API
 * (src/cuarray.h): it opens the module in its own lua_State, hands a script buffers it owns
 * (one with a release callback, one borrowed, one strided), a DLPack tensor it produced, runs
 * the script, and checks the results in C, including the error paths of the API.
 *
 *   host SCRIPT [cpu|cuda]      exit status 0 when every check passed */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>
#include "cuarray.h"
#include "dlpack.h"

#ifndef LUA_OK /* Lua 5.1 */
#define LUA_OK 0
#endif

static int failures = 0;
#define CHECK(cond, ...) do { if (!(cond)) { failures++; fprintf(stderr, "FAIL %s:%d: ", \
    __FILE__, __LINE__); fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); } } while (0)

/* Release callbacks: count the calls, check the pointer handed back. */
typedef struct counter {
  int calls;
  void *expect;
} counter;

static void count_release(void *ctx, void *data) {
  counter *c = (counter *)ctx;
  c->calls++;
  CHECK(data == c->expect, "release got %p, expected %p", data, c->expect);
}

/* A DLPack producer: static storage, a deleter that counts. */
static int dl_deleted = 0;
static void dl_deleter(DLManagedTensorVersioned *self) { (void)self; dl_deleted++; }

static int run(lua_State *L, const char *what, int status) {
  if (status != LUA_OK) {
    fprintf(stderr, "FAIL %s: %s\n", what, lua_tostring(L, -1));
    failures++;
    lua_pop(L, 1);
  }
  return status;
}

static int traceback(lua_State *L) {
#if LUA_VERSION_NUM == 501
  /* PUC Lua 5.1 has no luaL_traceback (LuaJIT has): debug.traceback serves both */
  lua_getglobal(L, "debug");
  lua_getfield(L, -1, "traceback");
  lua_pushvalue(L, 1);
  lua_pushinteger(L, 2);
  lua_call(L, 2, 1);
#else
  luaL_traceback(L, L, lua_tostring(L, 1), 1);
#endif
  return 1;
}

static int run_file(lua_State *L, const char *path) {
  lua_pushcfunction(L, traceback);
  int st = luaL_loadfile(L, path);
  if (st == LUA_OK) st = lua_pcall(L, 0, 0, -2);
  run(L, path, st);
  lua_pop(L, 1);
  return st;
}

static int run_string(lua_State *L, const char *code) {
  int st = luaL_loadstring(L, code);
  if (st == LUA_OK) st = lua_pcall(L, 0, 0, 0);
  return run(L, code, st);
}

/* Pushes a wrapped array as a global, under lua_pcall. */
static void set_wrapped(lua_State *L, const char *name, const cuarray_desc *d) {
  if (run(L, name, cuarray_try_push_wrapped(L, d)) == LUA_OK) lua_setglobal(L, name);
}

/* cuarray_check under lua_pcall */
static int check_p(lua_State *L) {
  cuarray_check(L, 1, (cuarray_desc *)lua_touserdata(L, 2));
  return 0;
}
static int copy_p(lua_State *L) {
  cuarray_copy_to_host(L, 1, lua_touserdata(L, 2), (size_t)lua_tointeger(L, 3));
  return 0;
}
static int to_dlpack_p(lua_State *L) {
  lua_pushlightuserdata(L, cuarray_to_dlpack(L, 1, 1));
  return 1;
}
static int sync_p(lua_State *L) {
  cuarray_synchronize(L, 1);
  return 0;
}

static int call_on_global(lua_State *L, lua_CFunction f, const char *global, void *arg, lua_Integer n) {
  lua_pushcfunction(L, f);
  lua_getglobal(L, global);
  lua_pushlightuserdata(L, arg);
  lua_pushinteger(L, n);
  return run(L, global, lua_pcall(L, 3, 1, 0));
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s SCRIPT [cpu|cuda]\n", argv[0]);
    return 2;
  }
  const char *device = argc > 2 ? argv[2] : "cpu";
  int gpu = strcmp(device, "cpu") != 0;

  lua_State *L = luaL_newstate();
  luaL_openlibs(L);
  cuarray_preload(L);
  lua_pushstring(L, device);
  lua_setglobal(L, "DEVICE");

  /* 1. A buffer we own, released through a callback; a borrowed output; a strided column. */
  float *in = (float *)malloc(6 * sizeof(float));
  for (int i = 0; i < 6; i++) in[i] = (float)(i + 1);
  counter in_rel = {0, in};
  int64_t shape23[2] = {2, 3};
  cuarray_desc d;
  cuarray_desc_init(&d, in, CUARRAY_FLOAT32, CUARRAY_CPU, 2, shape23);
  d.release = count_release;
  d.release_ctx = &in_rel;
  set_wrapped(L, "input", &d);

  float out[6] = {0};
  cuarray_desc_init(&d, out, CUARRAY_FLOAT32, CUARRAY_CPU, 2, shape23);
  set_wrapped(L, "output", &d);

  int32_t mat[3][4];
  for (int i = 0; i < 12; i++) mat[i / 4][i % 4] = i;
  int64_t three = 3;
  cuarray_desc_init(&d, &mat[0][1], CUARRAY_INT32, CUARRAY_CPU, 1, &three);
  d.strides[0] = 4 * sizeof(int32_t); /* column 2: byte strides */
  set_wrapped(L, "column", &d);

  /* Negative strides: the release callback still gets the pointer we gave. */
  double rev[4] = {1, 2, 3, 4};
  int64_t four = 4;
  counter rev_rel = {0, &rev[3]};
  cuarray_desc_init(&d, &rev[3], CUARRAY_FLOAT64, CUARRAY_CPU, 1, &four);
  d.strides[0] = -(int64_t)sizeof(double);
  d.release = count_release;
  d.release_ctx = &rev_rel;
  set_wrapped(L, "reversed", &d);

  /* 2. A DLPack tensor we produce (versioned, NULL strides: compact row-major). */
  static int16_t dl_data[4] = {10, 20, 30, 40};
  static int64_t dl_shape[2] = {2, 2};
  DLManagedTensorVersioned dl;
  memset(&dl, 0, sizeof dl);
  dl.version.major = 1;
  dl.version.minor = 1;
  dl.deleter = dl_deleter;
  dl.dl_tensor.data = dl_data;
  dl.dl_tensor.device.device_type = kDLCPU;
  dl.dl_tensor.ndim = 2;
  dl.dl_tensor.dtype.code = kDLInt;
  dl.dl_tensor.dtype.bits = 16;
  dl.dl_tensor.dtype.lanes = 1;
  dl.dl_tensor.shape = dl_shape;
  lua_pushlightuserdata(L, &dl);
  lua_setglobal(L, "dl");

  /* 3. The API's checks: each fails cleanly and calls release exactly once. */
  counter bad_rel = {0, NULL};
  char *raw = (char *)malloc(64);
  cuarray_desc_init(&d, raw + 1, CUARRAY_FLOAT32, CUARRAY_CPU, 2, shape23);
  d.release = count_release;
  d.release_ctx = &bad_rel;
  bad_rel.expect = raw + 1;
  CHECK(cuarray_try_push_wrapped(L, &d) != LUA_OK, "a misaligned pointer was accepted");
  CHECK(strstr(lua_tostring(L, -1), "not aligned"), "message: %s", lua_tostring(L, -1));
  lua_pop(L, 1);
  cuarray_desc_init(&d, raw, CUARRAY_FLOAT32, CUARRAY_CPU, 2, shape23);
  d.strides[1] = 6;
  d.release = count_release;
  d.release_ctx = &bad_rel;
  bad_rel.expect = raw;
  CHECK(cuarray_try_push_wrapped(L, &d) != LUA_OK, "a stride of 6 bytes was accepted for float32");
  CHECK(strstr(lua_tostring(L, -1), "not a multiple of the item size 4"), "message: %s", lua_tostring(L, -1));
  lua_pop(L, 1);
  cuarray_desc_init(&d, NULL, CUARRAY_FLOAT32, CUARRAY_CPU, 2, shape23);
  CHECK(cuarray_try_push_wrapped(L, &d) != LUA_OK, "a null pointer was accepted");
  CHECK(strstr(lua_tostring(L, -1), "null pointer"), "message: %s", lua_tostring(L, -1));
  lua_pop(L, 1);
  d.dtype = 42;
  CHECK(cuarray_try_push_wrapped(L, &d) != LUA_OK, "dtype 42 was accepted");
  lua_pop(L, 1);
  CHECK(bad_rel.calls == 2, "release of rejected buffers called %d times, expected 2", bad_rel.calls);
  free(raw);

  /* 4. The script. */
  if (run_file(L, argv[1]) == LUA_OK) {
    /* result = (input on DEVICE) * 2 + 1 */
    cuarray_desc r;
    lua_pushcfunction(L, check_p);
    lua_getglobal(L, "result");
    lua_pushlightuserdata(L, &r);
    if (run(L, "cuarray_check", lua_pcall(L, 2, 0, 0)) == LUA_OK) {
      CHECK(r.dtype == CUARRAY_FLOAT32 && r.ndim == 2 && r.shape[0] == 2 && r.shape[1] == 3,
            "result: dtype %d ndim %d", r.dtype, r.ndim);
      CHECK(r.strides[0] == 12 && r.strides[1] == 4, "result byte strides %lld %lld",
            (long long)r.strides[0], (long long)r.strides[1]);
      CHECK(r.device == (gpu ? 0 : CUARRAY_CPU), "result device %d", r.device);
      float host[6];
      call_on_global(L, copy_p, "result", host, sizeof host);
      for (int i = 0; i < 6; i++) CHECK(host[i] == 2 * (i + 1) + 1, "result[%d] = %g", i, host[i]);
      if (!gpu) {
        for (int i = 0; i < 6; i++) CHECK(((float *)r.data)[i] == 2 * (i + 1) + 1, "result data[%d]", i);
      } else {
        /* Device memory: wrap the result's device pointer again (borrowed) and write through it. */
        call_on_global(L, sync_p, "result", NULL, 0);
        cuarray_desc alias = r;
        alias.release = NULL;
        set_wrapped(L, "alias", &alias);
        run_string(L, "alias:fill(3)");
        call_on_global(L, copy_p, "result", host, sizeof host);
        for (int i = 0; i < 6; i++) CHECK(host[i] == 3, "through the alias: result[%d] = %g", i, host[i]);
      }
      /* The result as a DLPack tensor for a C consumer. */
      lua_pushcfunction(L, to_dlpack_p);
      lua_getglobal(L, "result");
      if (run(L, "cuarray_to_dlpack", lua_pcall(L, 1, 1, 0)) == LUA_OK) {
        DLManagedTensorVersioned *m = (DLManagedTensorVersioned *)lua_touserdata(L, -1);
        lua_pop(L, 1);
        CHECK(m->version.major == 1 && m->dl_tensor.ndim == 2 && m->dl_tensor.shape[1] == 3 &&
              m->dl_tensor.dtype.code == kDLFloat && m->dl_tensor.dtype.bits == 32,
              "exported tensor fields");
        CHECK(m->dl_tensor.device.device_type == (gpu ? kDLCUDA : kDLCPU), "exported device");
        run_string(L, "result = nil; collectgarbage(); collectgarbage()");
        if (!gpu) { /* still alive: the tensor holds the storage */
          float *p = (float *)((char *)m->dl_tensor.data + m->dl_tensor.byte_offset);
          CHECK(p[5] == 13, "exported data[5] = %g", p[5]);
        }
        m->deleter(m);
      }
    }
    for (int i = 0; i < 6; i++) CHECK(out[i] == 2 * (i + 1) + 1, "output[%d] = %g", i, out[i]);
    for (int i = 0; i < 3; i++) CHECK(mat[i][1] == -1 && mat[i][0] == 4 * i, "column %d", i);
    CHECK(rev[0] == 10 && rev[3] == 40, "reversed: %g %g", rev[0], rev[3]);
    CHECK(dl_data[3] == 41, "dlpack data written: %d", dl_data[3]);
  }
  lua_close(L);
  CHECK(in_rel.calls == 1, "input released %d times, expected 1", in_rel.calls);
  CHECK(rev_rel.calls == 1, "reversed released %d times, expected 1", rev_rel.calls);
  CHECK(dl_deleted == 1, "DLPack deleter called %d times, expected 1", dl_deleted);
  free(in);
  if (failures) {
    fprintf(stderr, "embed (%s, %s): %d checks failed\n", LUA_VERSION, device, failures);
    return 1;
  }
  printf("embed (%s, %s): all checks passed\n", LUA_VERSION, device);
  return 0;
}
