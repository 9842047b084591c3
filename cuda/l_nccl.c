/* The Lua binding of NCCL: cuarray.cuda's `nccl` table, over raw device buffers. The Lua layer
 * (lua/cuarray/nccl.lua) turns arrays into (address, count, NCCL type) and checks them; this
 * file checks what it is handed again, runs the calls on the current stream of the
 * communicator's device, and raises NCCL's errors.
 *
 * State: a userdata per lua_State in the registry (WORLD_KEY), as the module's other state is,
 * holding the cu_nccl_world; its __gc stops the watchdog and ends the communicators left. A
 * communicator is a userdata made empty first, then filled; its __gc ends it. */
#include <lua.h>
#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "compat.h"
#include "l_cuda.h"
#include "nccl.h"

#define WORLD_KEY "cuarray.nccl.world"
#define COMM_MT "cuarray.nccl.Communicator"

typedef struct nccl_state {
  cu_nccl_world w;
  int group_depth;              /* open ncclGroupStart calls of this lua_State */
} nccl_state;

typedef enum op_kind { OP_ALL_REDUCE, OP_BROADCAST, OP_REDUCE, OP_ALL_GATHER, OP_REDUCE_SCATTER, OP_SEND, OP_RECV } op_kind;
static const char *const op_names[] = {"all_reduce", "broadcast", "reduce", "all_gather", "reduce_scatter", "send",
                                       "recv"};

static nccl_state *state_of(lua_State *L) {
  lua_getfield(L, LUA_REGISTRYINDEX, WORLD_KEY);
  nccl_state *S = (nccl_state *)lua_touserdata(L, -1);
  lua_pop(L, 1);
  if (!S) luaL_error(L, "nccl: the module's state is gone (the registry entry %s was removed)", WORLD_KEY);
  return S;
}

/* The library, or a raised error saying why it is missing. */
static cu_nccl_world *loaded_world(lua_State *L, const char *fname) {
  nccl_state *S = state_of(L);
  if (!cu_nccl_world_load(&S->w)) luaL_error(L, "nccl.%s: NCCL is not available: %s", fname, S->w.why);
  return &S->w;
}

static cu_nccl_comm *check_comm(lua_State *L, int i, const char *fname) {
  cu_nccl_comm *c = (cu_nccl_comm *)ca_testudata(L, i, COMM_MT);
  if (!c) luaL_error(L, "nccl.%s: expected a communicator, got %s", fname, luaL_typename(L, i));
  return c;
}

static int64_t check_int(lua_State *L, int i, int64_t lo, int64_t hi, const char *fname, const char *what) {
  int64_t v = 0;
  if (!ca_tointeger(L, i, &v) || v < lo || v > hi) {
    char range[64];
    snprintf(range, sizeof range, "from %lld to %lld", (long long)lo, (long long)hi);
    luaL_error(L, "nccl.%s: %s must be an integer %s, got %s", fname, what, range,
               lua_tostring(L, i) ? lua_tostring(L, i) : luaL_typename(L, i));
  }
  return v;
}

/* A device address: a light userdata or a non-negative integer. */
static void *check_addr(lua_State *L, int i, const char *fname) {
  if (lua_type(L, i) == LUA_TLIGHTUSERDATA) return lua_touserdata(L, i);
  return (void *)(uintptr_t)check_int(L, i, 0, INT64_MAX, fname, "a buffer address");
}

static double opt_timeout(lua_State *L, int i, const char *fname) {
  if (lua_isnoneornil(L, i)) return 0;
  lua_Number t = lua_type(L, i) == LUA_TNUMBER ? lua_tonumber(L, i) : -1;
  if (!(t >= 0 && t < 1e9)) luaL_error(L, "nccl.%s: timeout must be a number of seconds >= 0", fname);
  return (double)t;
}

/* ---- the unique id ------------------------------------------------------------------------ */

static int l_unique_id(lua_State *L) {
  cu_nccl_world *w = loaded_world(L, "get_unique_id");
  cu_nccl_id id;
  int rc = w->lib.GetUniqueId(&id);
  if (rc != CU_NCCL_SUCCESS) {
    char text[512];
    cu_nccl_error_text(&w->lib, NULL, rc, text, sizeof text);
    return luaL_error(L, "nccl.get_unique_id: %s", text);
  }
  char hex[2 * CU_NCCL_ID_BYTES + 1];
  for (int i = 0; i < CU_NCCL_ID_BYTES; i++) snprintf(hex + 2 * i, 3, "%02x", (unsigned char)id.internal[i]);
  lua_pushlstring(L, hex, 2 * CU_NCCL_ID_BYTES);
  return 1;
}

static void check_id(lua_State *L, int i, cu_nccl_id *id, const char *fname) {
  size_t n = 0;
  const char *s = lua_type(L, i) == LUA_TSTRING ? lua_tolstring(L, i, &n) : NULL;
  int ok = s && n == 2 * CU_NCCL_ID_BYTES;
  for (size_t k = 0; ok && k < n; k++) ok = strchr("0123456789abcdefABCDEF", s[k]) != NULL;
  if (!ok)
    luaL_error(L, "nccl.%s: the id must be the %d hex digits nccl.get_unique_id() gives", fname, 2 * CU_NCCL_ID_BYTES);
  for (int k = 0; k < CU_NCCL_ID_BYTES; k++) {
    char byte[3] = {s[2 * k], s[2 * k + 1], 0};
    id->internal[k] = (char)strtol(byte, NULL, 16);
  }
}

/* ---- creating communicators --------------------------------------------------------------- */

static cu_nccl_comm *push_comm(lua_State *L) {
  cu_nccl_comm *c = (cu_nccl_comm *)ca_newuserdata(L, sizeof *c);
  memset(c, 0, sizeof *c);
  luaL_getmetatable(L, COMM_MT);
  lua_setmetatable(L, -2);
  return c;
}

/* init_rank(nranks, id, rank, device, timeout): this process's rank of a communicator. */
static int l_init_rank(lua_State *L) {
  const char *fname = "Communicator";
  cu_nccl_world *w = loaded_world(L, fname);
  int nranks = (int)check_int(L, 1, 1, 1 << 24, fname, "nranks");
  cu_nccl_id id;
  check_id(L, 2, &id, fname);
  int rank = (int)check_int(L, 3, 0, nranks - 1, fname, "rank");
  int device = cu_lua_device(L, 4, "nccl.Communicator");
  double timeout = opt_timeout(L, 5, fname);
  cu_lua_backend(L, device); /* raises for a device that is not there */
  cu_nccl_comm *c = push_comm(L);
  cu_nccl_handle h = NULL;
  char err[600];
  int rc = cu_nccl_init_rank(w, device, nranks, &id, rank, timeout, &h, err, sizeof err);
  if (rc != CU_NCCL_SUCCESS) return luaL_error(L, "nccl.%s: rank %d of %d on cuda:%d: %s", fname, rank, nranks, device, err);
  int restore = cu_device_enter(device);
  int bad = cu_nccl_comm_attach(w, c, h, device, rank, nranks, timeout, err, sizeof err);
  if (bad) w->lib.CommAbort(h);
  cu_device_leave(restore);
  if (bad) return luaL_error(L, "nccl.%s: %s", fname, err);
  return 1;
}

/* init_all(devices, timeout): one communicator per device, all in this process. */
static int l_init_all(lua_State *L) {
  const char *fname = "init_all";
  cu_nccl_world *w = loaded_world(L, fname);
  cu_check_type(L, 1, LUA_TTABLE, "nccl.init_all");
  int n = (int)ca_rawlen(L, 1);
  if (n < 1 || n > 64) return luaL_error(L, "nccl.init_all: give from 1 to 64 devices, got %d", n);
  double timeout = opt_timeout(L, 2, fname);
  int devs[64];
  for (int i = 0; i < n; i++) {
    lua_rawgeti(L, 1, i + 1);
    devs[i] = cu_lua_device(L, -1, "nccl.init_all");
    lua_pop(L, 1);
    for (int k = 0; k < i; k++)
      if (devs[k] == devs[i]) return luaL_error(L, "nccl.init_all: cuda:%d is named twice", devs[i]);
    cu_lua_backend(L, devs[i]);
  }
  /* NCCL may reach another device's arrays directly (NCCL_P2P_DIRECT_DISABLE says so): open
   * each pair's way, pool memory included, which peer access alone does not. */
  for (int i = 0; i < n; i++)
    for (int k = i + 1; k < n; k++) {
      ca_backend *a = cu_lua_backend(L, devs[i]), *b = cu_lua_backend(L, devs[k]);
      int restore = cu_device_enter(devs[i]);
      ca_status st = cu_peer_open(a, b);
      cu_device_leave(restore);
      if (st != CA_OK) return luaL_error(L, "nccl.init_all: cuda:%d and cuda:%d: %s", devs[i], devs[k], a->errmsg);
    }
  lua_createtable(L, n, 0);
  cu_nccl_comm *cs[64];
  for (int i = 0; i < n; i++) {
    cs[i] = push_comm(L);
    lua_rawseti(L, -2, i + 1);
  }
  cu_nccl_handle hs[64] = {0};
  int restore = cu_device_enter(devs[0]);
  int rc = w->lib.CommInitAll(hs, n, devs);
  char err[600] = "";
  int attached = 0;
  if (rc != CU_NCCL_SUCCESS) cu_nccl_error_text(&w->lib, NULL, rc, err, sizeof err);
  for (int i = 0; rc == CU_NCCL_SUCCESS && i < n; i++) {
    int r = cu_device_enter(devs[i]);
    if (cu_nccl_comm_attach(w, cs[i], hs[i], devs[i], i, n, timeout, err, sizeof err) != 0) rc = -1;
    else attached++;
    cu_device_leave(r);
  }
  if (rc != CU_NCCL_SUCCESS)
    for (int i = attached; i < n; i++) /* those attached are ended by their finalizers */
      if (hs[i]) w->lib.CommAbort(hs[i]);
  (void)cudaGetLastError();
  cu_device_leave(restore);
  if (rc != CU_NCCL_SUCCESS) return luaL_error(L, "nccl.init_all: %s", err);
  return 1;
}

/* ---- operations ---------------------------------------------------------------------------- */

typedef struct op_args {
  const void *send;
  void *recv;
  size_t count;
  int type, op, root;
} op_args;

static int call(const cu_nccl_lib *lib, op_kind k, cu_nccl_handle h, const op_args *a, cudaStream_t s) {
  switch (k) {
  case OP_ALL_REDUCE: return lib->AllReduce(a->send, a->recv, a->count, a->type, a->op, h, s);
  case OP_BROADCAST: return lib->Broadcast(a->send, a->recv, a->count, a->type, a->root, h, s);
  case OP_REDUCE: return lib->Reduce(a->send, a->recv, a->count, a->type, a->op, a->root, h, s);
  case OP_ALL_GATHER: return lib->AllGather(a->send, a->recv, a->count, a->type, h, s);
  case OP_REDUCE_SCATTER: return lib->ReduceScatter(a->send, a->recv, a->count, a->type, a->op, h, s);
  case OP_SEND: return lib->Send(a->send, a->count, a->type, a->root, h, s);
  default: return lib->Recv(a->recv, a->count, a->type, a->root, h, s);
  }
}

/* comm:_op(kind, send, recv, count, type, op, root): queues one operation on the current
 * stream of the communicator's device. For send and recv, `root` is the peer. */
static int comm_op(lua_State *L) {
  nccl_state *S = state_of(L);
  cu_nccl_comm *c = check_comm(L, 1, "operation");
  op_kind k = (op_kind)check_int(L, 2, OP_ALL_REDUCE, OP_RECV, "operation", "the operation");
  const char *fname = op_names[k];
  op_args a;
  a.send = lua_isnil(L, 3) ? NULL : check_addr(L, 3, fname);
  a.recv = lua_isnil(L, 4) ? NULL : check_addr(L, 4, fname);
  a.count = (size_t)check_int(L, 5, 0, INT64_MAX, fname, "the element count");
  a.type = (int)check_int(L, 6, 0, CU_NCCL_NTYPES - 1, fname, "the NCCL type");
  a.op = (int)check_int(L, 7, 0, CU_NCCL_NOPS - 1, fname, "the reduction");
  a.root = (int)check_int(L, 8, 0, c->nranks - 1, fname, k == OP_SEND || k == OP_RECV ? "peer" : "root");
  if ((k != OP_RECV && !a.send && a.count) || (k != OP_SEND && !a.recv && a.count))
    return luaL_error(L, "nccl.%s: a buffer is missing", fname);
  if (a.count == 0) return 0; /* nothing to move, on every rank alike (an empty array has no address) */
  cudaStream_t s = cu_get_stream(cu_lua_backend(L, c->device));
  cu_nccl_world *w = &S->w;
  char err[600];
  if (!cu_nccl_call_begin(w, &c, 1, fname, err, sizeof err)) return luaL_error(L, "nccl.%s: %s", fname, err);
  int restore = cu_device_enter(c->device);
  cu_nccl_handle h = c->handle;
  int rc = call(&w->lib, k, h, &a, s);
  cu_nccl_call_end(w);
  if (rc == CU_NCCL_SUCCESS && S->group_depth == 0) cu_nccl_watch(c, fname, s);
  if (rc != CU_NCCL_SUCCESS) {
    if (c->failure[0]) snprintf(err, sizeof err, "the communicator was aborted: %s", c->failure);
    else cu_nccl_error_text(&w->lib, h, rc, err, sizeof err);
  }
  cu_device_leave(restore);
  if (rc != CU_NCCL_SUCCESS) return luaL_error(L, "nccl.%s: %s", fname, err);
  return 0;
}

static int l_group_start(lua_State *L) {
  nccl_state *S = state_of(L);
  cu_nccl_world *w = loaded_world(L, "group_start");
  int rc = w->lib.GroupStart();
  if (rc != CU_NCCL_SUCCESS) {
    char err[600];
    cu_nccl_error_text(&w->lib, NULL, rc, err, sizeof err);
    return luaL_error(L, "nccl.group_start: %s", err);
  }
  S->group_depth++;
  return 0;
}

/* group_end(comms): ends the innermost group; `comms` lists the communicators used in it, whose
 * operations start now and are watched from here. */
static int l_group_end(lua_State *L) {
  nccl_state *S = state_of(L);
  cu_nccl_world *w = loaded_world(L, "group_end");
  if (S->group_depth == 0) return luaL_error(L, "nccl.group_end: no group is open");
  cu_check_type(L, 1, LUA_TTABLE, "nccl.group_end");
  int n = (int)ca_rawlen(L, 1);
  cu_nccl_comm *cs[CU_NCCL_CALL_MAX];
  int m = n < CU_NCCL_CALL_MAX ? n : CU_NCCL_CALL_MAX;
  for (int i = 0; i < m; i++) {
    lua_rawgeti(L, 1, i + 1);
    cs[i] = check_comm(L, -1, "group_end");
    lua_pop(L, 1);
  }
  char err[600];
  if (!cu_nccl_call_begin(w, cs, m, "a group of operations", err, sizeof err)) {
    w->lib.GroupEnd(); /* the group must close whatever happened to its members */
    S->group_depth--;
    return luaL_error(L, "nccl.group_end: %s", err);
  }
  int rc = w->lib.GroupEnd();
  cu_nccl_call_end(w);
  S->group_depth--;
  if (rc != CU_NCCL_SUCCESS) {
    cu_nccl_error_text(&w->lib, NULL, rc, err, sizeof err);
    return luaL_error(L, "nccl.group_end: %s", err);
  }
  if (S->group_depth == 0)
    for (int i = 0; i < m; i++) {
      cudaStream_t s = cu_get_stream(cu_lua_backend(L, cs[i]->device));
      int restore = cu_device_enter(cs[i]->device);
      cu_nccl_watch(cs[i], "a group of operations", s);
      cu_device_leave(restore);
    }
  return 0;
}

/* ---- communicator methods ------------------------------------------------------------------ */

static int comm_info(lua_State *L) {
  cu_nccl_comm *c = check_comm(L, 1, "info");
  lua_pushinteger(L, c->rank);
  lua_pushinteger(L, c->nranks);
  lua_pushinteger(L, c->device);
  lua_pushnumber(L, c->timeout);
  return 4;
}

/* comm:synchronize([timeout]): waits for the work queued on the device's current stream. */
static int comm_synchronize(lua_State *L) {
  cu_nccl_comm *c = check_comm(L, 1, "synchronize");
  double timeout = lua_isnoneornil(L, 2) ? c->timeout : opt_timeout(L, 2, "synchronize");
  if (!c->world) return luaL_error(L, "nccl.synchronize: the communicator was destroyed");
  cudaStream_t s = cu_get_stream(cu_lua_backend(L, c->device));
  char err[700];
  int restore = cu_device_enter(c->device);
  int rc = cu_nccl_comm_wait(c, s, timeout, err, sizeof err);
  cu_device_leave(restore);
  if (rc != 0) return luaL_error(L, "nccl.synchronize: rank %d of %d: %s", c->rank, c->nranks, err);
  return 0;
}

static int comm_abort(lua_State *L) {
  cu_nccl_comm *c = check_comm(L, 1, "abort");
  cu_nccl_comm_abort(c, "aborted by the program");
  return 0;
}

/* comm:destroy(): waits for its operations (at most its timeout), then frees it. */
static int comm_destroy(lua_State *L) {
  cu_nccl_comm_end(check_comm(L, 1, "destroy"), 0);
  return 0;
}

/* comm:failure(): why the communicator was aborted, or nil. */
static int comm_failure(lua_State *L) {
  cu_nccl_comm *c = check_comm(L, 1, "failure");
  if (c->failure[0]) lua_pushstring(L, c->failure);
  else lua_pushnil(L);
  return 1;
}

static int comm_gc(lua_State *L) {
  cu_nccl_comm *c = (cu_nccl_comm *)lua_touserdata(L, 1);
  if (c) cu_nccl_comm_end(c, 0);
  return 0;
}

static int comm_tostring(lua_State *L) {
  cu_nccl_comm *c = check_comm(L, 1, "tostring");
  lua_pushfstring(L, "nccl.Communicator(rank %d of %d, cuda:%d%s)", c->rank, c->nranks, c->device,
                  c->world ? (c->handle ? "" : ", aborted") : ", destroyed");
  return 1;
}

/* ---- module functions ---------------------------------------------------------------------- */

/* library(): path, version of the NCCL found, or nil and why not (no GPU needed). */
static int l_library(lua_State *L) {
  nccl_state *S = state_of(L);
  if (!cu_nccl_world_load(&S->w)) {
    lua_pushnil(L);
    lua_pushstring(L, S->w.why);
    return 2;
  }
  int v = S->w.lib.version;
  lua_pushstring(L, S->w.lib.path);
  lua_pushfstring(L, "%d.%d.%d", v / 10000, (v / 100) % 100, v % 100);
  return 2;
}

/* wait_file(path, timeout): the contents of `path` once it exists and ends with a newline
 * (the rendezvous file rank 0 writes), or nil and a reason after `timeout` seconds. */
static int l_wait_file(lua_State *L) {
  const char *path = cu_check_lstring(L, 1, NULL, "nccl.wait_file");
  double timeout = opt_timeout(L, 2, "wait_file");
  double start = cu_nccl_now();
  for (;;) {
    FILE *f = fopen(path, "rb");
    if (f) {
      char buf[1024];
      size_t n = fread(buf, 1, sizeof buf, f);
      fclose(f);
      if (n > 0 && buf[n - 1] == '\n') {
        lua_pushlstring(L, buf, n - 1);
        return 1;
      }
    }
    if (timeout > 0 && cu_nccl_now() - start > timeout) {
      lua_pushnil(L);
      lua_pushfstring(L, "%s did not appear within %f s", path, timeout);
      return 2;
    }
    struct timespec ts = {0, 20000000L};
    nanosleep(&ts, NULL);
  }
}

static int world_gc(lua_State *L) {
  nccl_state *S = (nccl_state *)lua_touserdata(L, 1);
  if (S) cu_nccl_world_close(&S->w);
  return 0;
}

static const luaL_Reg module_fns[] = {
  {"library", l_library}, {"unique_id", l_unique_id}, {"init_rank", l_init_rank}, {"init_all", l_init_all},
  {"group_start", l_group_start}, {"group_end", l_group_end}, {"wait_file", l_wait_file}, {NULL, NULL}
};

static const luaL_Reg comm_methods[] = {
  {"_op", comm_op}, {"_info", comm_info}, {"synchronize", comm_synchronize}, {"abort", comm_abort},
  {"destroy", comm_destroy}, {"failure", comm_failure}, {NULL, NULL}
};

void cu_open_nccl(lua_State *L) {
  int fresh;
  nccl_state *S = (nccl_state *)cu_lua_registry_state(L, WORLD_KEY, sizeof *S, world_gc, &fresh);
  if (fresh) cu_nccl_world_init(&S->w);
  cu_lua_new_type(L, COMM_MT, comm_methods, comm_gc, comm_tostring);
  lua_newtable(L);
  ca_setfuncs(L, module_fns);
  lua_setfield(L, -2, "_nccl"); /* module._nccl = the table (lua/cuarray/nccl.lua wraps it) */
}
