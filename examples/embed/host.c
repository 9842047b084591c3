/* A host program (a game engine, a tool) that embeds Lua (LuaJIT, Lua 5.4 or 5.1) and cuarray
 * through the installed C library (libcuarray, found by pkg-config; src/cuarray.h). It is
 * written as an engine must be: its own C frames never take a longjmp, so it calls the
 * status-returning forms (cuarray_try_*), and the raising forms only inside C functions that
 * scripts call. It shows
 *   - opening cuarray in its own lua_State, with the installed modules on package.path;
 *   - the hooks: its own allocator (host memory, and device memory on the GPU), its own CUDA
 *     stream, the CPU thread count, the collector threshold;
 *   - handing scripts buffers it owns (with a release callback, borrowed, strided, reversed),
 *     a DLPack tensor it produced, and a C function that wraps a frame buffer on demand;
 *   - reading results back, the error paths of the API, and its guarantees (every buffer
 *     released once, every block given back to the allocator, the stack left balanced);
 *   - the threading rule: two more lua_States running at once on two threads.
 *
 *   host SCRIPT [cpu|cuda]      exit status 0 when every check passed */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>
#include "cuarray.h"
#include "dlpack.h"
#ifdef EMBED_CUDA
#include <cuda_runtime_api.h>
#endif

#ifndef LUA_OK /* Lua 5.1 */
#define LUA_OK 0
#endif
/* Where `make install` put the Lua modules: pkg-config's luadir and cmoddir (Makefile). */
#ifndef CUARRAY_LUADIR
#define CUARRAY_LUADIR "/usr/local/share/lua/5.1"
#endif
#ifndef CUARRAY_CMODDIR
#define CUARRAY_CMODDIR "/usr/local/lib/lua/5.1"
#endif

static int failures = 0;
static pthread_mutex_t failures_lock = PTHREAD_MUTEX_INITIALIZER;
#define CHECK(cond, ...) do { if (!(cond)) { pthread_mutex_lock(&failures_lock); failures++; \
    fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); fprintf(stderr, __VA_ARGS__); \
    fputc('\n', stderr); pthread_mutex_unlock(&failures_lock); } } while (0)
/* A cuarray_try_* call that must succeed, writing its message to the caller's `err`. */
#define OK(call) do { cuarray_status st_ = (call); \
    CHECK(st_ == CUARRAY_OK, "%s: %s", #call, err); } while (0)

/* ---- the engine's allocator: counts what it hands out; device memory in stream order ---- */

typedef struct heap {
  long allocs, frees, live;
  size_t bytes, misaligned;
} heap;

static void *heap_alloc(void *ctx, size_t nbytes, int device, void *stream) {
  heap *h = (heap *)ctx;
  void *p = NULL;
  if (device == CUARRAY_CPU) {
    if (nbytes % 64) h->misaligned++; /* cuarray asks whole 64-byte lines */
    if (posix_memalign(&p, 64, nbytes) != 0) p = NULL;
  } else {
#ifdef EMBED_CUDA
    if (cudaMallocAsync(&p, nbytes, (cudaStream_t)stream) != cudaSuccess) p = NULL;
#else
    (void)stream;
#endif
  }
  if (p) {
    h->allocs++;
    h->live++;
    h->bytes += nbytes;
  }
  return p;
}

static void heap_free(void *ctx, void *ptr, size_t nbytes, int device, void *stream) {
  heap *h = (heap *)ctx;
  if (device == CUARRAY_CPU) {
    free(ptr);
  } else {
#ifdef EMBED_CUDA
    cudaFreeAsync(ptr, (cudaStream_t)stream);
#else
    (void)stream;
#endif
  }
  h->frees++;
  h->live--;
  h->bytes -= nbytes;
}

/* ---- buffers handed to scripts --------------------------------------------------------- */

typedef struct counter {
  int calls;
  void *expect;
} counter;

static void count_release(void *ctx, void *data) {
  counter *c = (counter *)ctx;
  c->calls++;
  CHECK(data == c->expect, "release got %p, expected %p", data, c->expect);
}

static int dl_deleted = 0;
static void dl_deleter(DLManagedTensorVersioned *self) { (void)self; dl_deleted++; }

/* engine_frame(): a script asks for the engine's frame buffer (4x4 float32, borrowed). A C
 * function that Lua calls may raise, so it uses the raising forms. */
static float frame[4][4];
static int engine_frame(lua_State *L) {
  cuarray_desc d;
  int64_t shape[2] = {4, 4};
  cuarray_desc_init(&d, frame, CUARRAY_FLOAT32, CUARRAY_CPU, 2, shape);
  cuarray_push_wrapped(L, &d);
  return 1;
}

/* engine_sum(a): the engine reads an array a script hands it (any device, any layout). */
static int engine_sum(lua_State *L) {
  cuarray_desc d;
  cuarray_check(L, 1, &d);
  if (d.dtype != CUARRAY_FLOAT32) return luaL_error(L, "engine_sum: float32 expected");
  size_t n = 1;
  for (int i = 0; i < d.ndim; i++) n *= (size_t)d.shape[i];
  float *buf = (float *)lua_newuserdata(L, n * sizeof(float) + 1); /* collected, even on error */
  cuarray_copy_to_host(L, 1, buf, n * sizeof(float));
  double s = 0;
  for (size_t i = 0; i < n; i++) s += buf[i];
  lua_pushnumber(L, s);
  return 1;
}

/* ---- running Lua ------------------------------------------------------------------------ */

static int traceback(lua_State *L) {
#if LUA_VERSION_NUM == 501
  lua_getglobal(L, "debug"); /* PUC Lua 5.1 has no luaL_traceback (LuaJIT has) */
  lua_getfield(L, -1, "traceback");
  lua_pushvalue(L, 1);
  lua_pushinteger(L, 2);
  lua_call(L, 2, 1);
#else
  luaL_traceback(L, L, lua_tostring(L, 1), 1);
#endif
  return 1;
}

static int run_chunk(lua_State *L, int loaded, const char *what) {
  int base = lua_gettop(L);
  lua_pushcfunction(L, traceback);
  lua_insert(L, base);
  int st = loaded == LUA_OK ? lua_pcall(L, 0, 0, base) : loaded;
  CHECK(st == LUA_OK, "%s: %s", what, lua_tostring(L, -1));
  lua_settop(L, base - 1);
  return st;
}

static int run_string(lua_State *L, const char *code) {
  return run_chunk(L, luaL_loadstring(L, code), code);
}

/* A lua_State with cuarray ready: the installed modules first on the paths, the linked core
 * preloaded (so scripts use this copy, not core.so), the engine's hooks set before any array
 * exists. */
static lua_State *open_state(heap *h, const char *device) {
  char err[512];
  lua_State *L = luaL_newstate();
  luaL_openlibs(L);
  run_string(L, "package.path = '" CUARRAY_LUADIR "/?.lua;" CUARRAY_LUADIR "/?/init.lua;' .. package.path\n"
                "package.cpath = '" CUARRAY_CMODDIR "/?.so;' .. package.cpath");
  OK(cuarray_try_preload(L, err, sizeof err));
  cuarray_allocator a = {heap_alloc, heap_free, h};
  OK(cuarray_try_set_allocator(L, CUARRAY_CPU, &a, err, sizeof err));
  if (strcmp(device, "cpu") != 0) OK(cuarray_try_set_allocator(L, 0, &a, err, sizeof err));
  lua_pushstring(L, device);
  lua_setglobal(L, "DEVICE");
  return L;
}

/* ---- two more lua_States at once, one per thread ------------------------------------------ */

typedef struct worker {
  const char *device;
  double scale, result;
  heap h;
} worker;

static void *run_worker(void *p) {
  worker *w = (worker *)p;
  lua_State *L = open_state(&w->h, w->device);
  lua_pushnumber(L, w->scale);
  lua_setglobal(L, "SCALE");
  if (run_string(L, "local cu = require 'cuarray'\n"
                    "local x = cu.arange(1, 100001, {dtype = 'float64', device = DEVICE})\n"
                    "for _ = 1, 20 do x = (x * SCALE):add_(1) end\n"
                    "RESULT = x:sum()") == LUA_OK) {
    lua_getglobal(L, "RESULT");
    w->result = lua_tonumber(L, -1);
    lua_pop(L, 1);
  }
  lua_close(L);
  return NULL;
}

static double worker_expect(double scale) {
  double s = 0;
  for (int i = 1; i <= 100000; i++) {
    double x = i;
    for (int k = 0; k < 20; k++) x = x * scale + 1;
    s += x;
  }
  return s;
}

/* ---- the main state ------------------------------------------------------------------------ */

static void check_api_errors(lua_State *L) {
  char err[256];
  int top = lua_gettop(L);
  lua_pushnumber(L, 42);
  cuarray_desc d;
  CHECK(cuarray_try_check(L, -1, &d, err, sizeof err) == CUARRAY_ERROR, "a number passed as an array");
  CHECK(strstr(err, "cuarray_check: expected an array, got number"), "message: %s", err);
  CHECK(lua_gettop(L) == top + 1, "the stack changed on failure");
  lua_pop(L, 1);
  CHECK(cuarray_try_set_num_threads(L, 0, err, sizeof err) == CUARRAY_ERROR &&
        strstr(err, "from 1 to 64, got 0"), "set_num_threads(0): %s", err);
  CHECK(cuarray_try_set_stream(L, CUARRAY_CPU, NULL, err, sizeof err) == CUARRAY_ERROR &&
        strstr(err, "the CPU has no streams"), "set_stream on the CPU: %s", err);
  /* A host array alive (the script's arrays may all be on the GPU). */
  CHECK(luaL_dostring(L, "return require('cuarray').zeros(4, {device = 'cpu'})") == 0,
        "a host array: %s", lua_tostring(L, -1));
  cuarray_allocator a = {heap_alloc, NULL, NULL};
  CHECK(cuarray_try_set_allocator(L, CUARRAY_CPU, &a, err, sizeof err) == CUARRAY_ERROR &&
        strstr(err, "from the current allocator still in use"), "set_allocator with arrays alive: %s", err);
  lua_pop(L, 1);
  char tiny[8];
  CHECK(cuarray_try_set_num_threads(L, 100, tiny, sizeof tiny) == CUARRAY_ERROR &&
        strlen(tiny) == sizeof tiny - 1, "a message cut to the buffer: '%s'", tiny);
  CHECK(cuarray_try_set_num_threads(L, 100, NULL, 0) == CUARRAY_ERROR, "no buffer");
  CHECK(lua_gettop(L) == top, "the stack changed");

  /* Wrapping: each refusal calls release exactly once. */
  counter bad = {0, NULL};
  int64_t shape23[2] = {2, 3};
  char *raw = (char *)malloc(64);
  cuarray_desc_init(&d, raw + 1, CUARRAY_FLOAT32, CUARRAY_CPU, 2, shape23);
  d.release = count_release;
  d.release_ctx = &bad;
  bad.expect = raw + 1;
  CHECK(cuarray_try_push_wrapped(L, &d, err, sizeof err) == CUARRAY_ERROR, "a misaligned pointer was accepted");
  CHECK(strstr(err, "not aligned"), "message: %s", err);
  cuarray_desc_init(&d, raw, CUARRAY_FLOAT32, CUARRAY_CPU, 2, shape23);
  d.strides[1] = 6;
  d.release = count_release;
  d.release_ctx = &bad;
  bad.expect = raw;
  CHECK(cuarray_try_push_wrapped(L, &d, err, sizeof err) == CUARRAY_ERROR, "a stride of 6 bytes was accepted");
  CHECK(strstr(err, "not a multiple of the item size 4"), "message: %s", err);
  cuarray_desc_init(&d, NULL, CUARRAY_FLOAT32, CUARRAY_CPU, 2, shape23);
  CHECK(cuarray_try_push_wrapped(L, &d, err, sizeof err) == CUARRAY_ERROR && strstr(err, "null pointer"),
        "a null pointer: %s", err);
  d.dtype = 42;
  CHECK(cuarray_try_push_wrapped(L, &d, err, sizeof err) == CUARRAY_ERROR, "dtype 42 was accepted");
  CHECK(bad.calls == 2, "release of refused buffers called %d times, expected 2", bad.calls);
  CHECK(lua_gettop(L) == top, "the stack changed");
  free(raw);
}

/* Pushes a wrapped array as a global. */
static void set_wrapped(lua_State *L, const char *name, const cuarray_desc *d) {
  char err[256];
  cuarray_status st = cuarray_try_push_wrapped(L, d, err, sizeof err);
  CHECK(st == CUARRAY_OK, "wrapping %s: %s", name, err);
  if (st == CUARRAY_OK) lua_setglobal(L, name);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s SCRIPT [cpu|cuda]\n", argv[0]);
    return 2;
  }
  const char *device = argc > 2 ? argv[2] : "cpu";
  int gpu = strcmp(device, "cpu") != 0;
  char err[512];
  heap h = {0, 0, 0, 0, 0};
  lua_State *L = open_state(&h, device);
  OK(cuarray_try_set_num_threads(L, 2, err, sizeof err));
  CHECK(cuarray_get_num_threads() == 2, "threads: %d", cuarray_get_num_threads());
  OK(cuarray_try_set_gc_threshold(L, (size_t)8 << 20, err, sizeof err));
#ifdef EMBED_CUDA
  cudaStream_t stream = NULL;
  if (gpu) { /* the engine's own stream: cuarray queues its work there */
    CHECK(cudaSetDevice(0) == cudaSuccess && cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking) == cudaSuccess,
          "cudaStreamCreate");
    OK(cuarray_try_set_stream(L, 0, stream, err, sizeof err));
  }
#else
  if (gpu) CHECK(0, "this host was built without CUDA (EMBED_CUDA)");
#endif
  lua_pushboolean(L, gpu);
  lua_setglobal(L, "HOST_STREAM");
  lua_register(L, "engine_frame", engine_frame);
  lua_register(L, "engine_sum", engine_sum);

  /* 1. A buffer we own, released through a callback; a borrowed output; a strided column; a
   * reversed view (negative strides: the release still gets the pointer we gave). */
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
  int64_t three = 3, four = 4;
  cuarray_desc_init(&d, &mat[0][1], CUARRAY_INT32, CUARRAY_CPU, 1, &three);
  d.strides[0] = 4 * sizeof(int32_t);
  set_wrapped(L, "column", &d);
  double rev[4] = {1, 2, 3, 4};
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
  OK(cuarray_try_push_dlpack(L, &dl, 1, err, sizeof err));
  lua_setglobal(L, "dl");

  /* 3. The script, then the results. */
  if (run_chunk(L, luaL_loadfile(L, argv[1]), argv[1]) == LUA_OK) {
    check_api_errors(L);
    lua_getglobal(L, "result"); /* (input on DEVICE) * 2 + 1 */
    cuarray_desc r;
    if (cuarray_try_check(L, -1, &r, err, sizeof err) == CUARRAY_OK) {
      CHECK(r.dtype == CUARRAY_FLOAT32 && r.ndim == 2 && r.shape[0] == 2 && r.shape[1] == 3,
            "result: dtype %d ndim %d", r.dtype, r.ndim);
      CHECK(r.strides[0] == 12 && r.strides[1] == 4, "result byte strides %lld %lld",
            (long long)r.strides[0], (long long)r.strides[1]);
      CHECK(r.device == (gpu ? 0 : CUARRAY_CPU), "result device %d", r.device);
      float host[6];
      OK(cuarray_try_copy_to_host(L, -1, host, sizeof host, err, sizeof err));
      for (int i = 0; i < 6; i++) CHECK(host[i] == 2 * (i + 1) + 1, "result[%d] = %g", i, host[i]);
      CHECK(cuarray_try_copy_to_host(L, -1, host, 5, err, sizeof err) == CUARRAY_ERROR &&
            strstr(err, "the array has 24 bytes, the buffer 5"), "a short buffer: %s", err);
      if (!gpu) {
        for (int i = 0; i < 6; i++) CHECK(((float *)r.data)[i] == 2 * (i + 1) + 1, "result data[%d]", i);
      } else { /* device memory: wrap the result's pointer again (borrowed) and write through it */
        OK(cuarray_try_synchronize(L, -1, err, sizeof err));
        cuarray_desc alias = r;
        alias.release = NULL;
        set_wrapped(L, "alias", &alias);
        run_string(L, "alias:fill(3)");
        OK(cuarray_try_copy_to_host(L, -1, host, sizeof host, err, sizeof err));
        for (int i = 0; i < 6; i++) CHECK(host[i] == 3, "through the alias: result[%d] = %g", i, host[i]);
      }
      void *m = NULL; /* the result as a DLPack tensor for a C consumer */
      OK(cuarray_try_to_dlpack(L, -1, 1, &m, err, sizeof err));
      lua_pop(L, 1);
      if (m) {
        DLManagedTensorVersioned *t = (DLManagedTensorVersioned *)m;
        CHECK(t->version.major == 1 && t->dl_tensor.ndim == 2 && t->dl_tensor.shape[1] == 3 &&
              t->dl_tensor.dtype.code == kDLFloat && t->dl_tensor.dtype.bits == 32, "exported tensor fields");
        CHECK(t->dl_tensor.device.device_type == (gpu ? kDLCUDA : kDLCPU), "exported device");
        run_string(L, "result, alias = nil, nil; collectgarbage(); collectgarbage()");
        if (!gpu) { /* still alive: the tensor holds the storage */
          float *p = (float *)((char *)t->dl_tensor.data + t->dl_tensor.byte_offset);
          CHECK(p[5] == 13, "exported data[5] = %g", p[5]);
        }
        t->deleter(t);
      }
    } else {
      CHECK(0, "result: %s", err);
      lua_pop(L, 1);
    }
    for (int i = 0; i < 6; i++) CHECK(out[i] == 2 * (i + 1) + 1, "output[%d] = %g", i, out[i]);
    for (int i = 0; i < 3; i++) CHECK(mat[i][1] == -1 && mat[i][0] == 4 * i, "column %d", i);
    CHECK(rev[0] == 10 && rev[3] == 40, "reversed: %g %g", rev[0], rev[3]);
    CHECK(dl_data[3] == 41, "dlpack data written: %d", dl_data[3]);
    CHECK(frame[3][3] == 15 && frame[0][1] == 1, "the frame the script filled: %g", frame[3][3]);
    CHECK(h.allocs > 0 && h.misaligned == 0, "the engine's allocator: %ld blocks, %zu asked "
          "in other than 64-byte lines", h.allocs, h.misaligned);
  }

  /* 4. Two more lua_States at once, one per thread, each with its own allocator. */
  worker w[2] = {{device, 1.0001, 0, {0, 0, 0, 0, 0}}, {device, 0.9999, 0, {0, 0, 0, 0, 0}}};
  pthread_t tid[2];
  for (int k = 0; k < 2; k++) CHECK(pthread_create(&tid[k], NULL, run_worker, &w[k]) == 0, "pthread_create");
  for (int k = 0; k < 2; k++) pthread_join(tid[k], NULL);
  for (int k = 0; k < 2; k++) {
    double want = worker_expect(w[k].scale);
    CHECK(w[k].result > want * (1 - 1e-12) && w[k].result < want * (1 + 1e-12),
          "worker %d: %.17g, expected %.17g", k, w[k].result, want);
    CHECK(w[k].h.allocs > 0 && w[k].h.live == 0 && w[k].h.bytes == 0,
          "worker %d's allocator: %ld blocks given, %ld still out", k, w[k].h.allocs, w[k].h.live);
  }

  lua_close(L);
#ifdef EMBED_CUDA
  if (stream) { /* cuarray gave it back at lua_close; the frees were queued on it */
    CHECK(cudaStreamSynchronize(stream) == cudaSuccess, "cudaStreamSynchronize");
    cudaStreamDestroy(stream);
  }
#endif
  CHECK(h.live == 0 && h.bytes == 0 && h.frees == h.allocs,
        "the engine's allocator after lua_close: %ld of %ld blocks still out", h.live, h.allocs);
  CHECK(in_rel.calls == 1, "input released %d times, expected 1", in_rel.calls);
  CHECK(rev_rel.calls == 1, "reversed released %d times, expected 1", rev_rel.calls);
  CHECK(dl_deleted == 1, "DLPack deleter called %d times, expected 1", dl_deleted);
  free(in);
  if (failures) {
    fprintf(stderr, "embed (%s, %s): %d checks failed\n", LUA_VERSION, device, failures);
    return 1;
  }
  printf("embed (%s, %s): all checks passed (%ld blocks through the engine's allocator)\n",
         LUA_VERSION, device, h.allocs);
  return 0;
}
