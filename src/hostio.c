/* Host memory and files held by userdata: see hostio.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <lualib.h>
#include "hostio.h"

#define SCRATCH_MT "cuarray.scratch"
#define FILEBOX_MT "cuarray.filebox"

typedef struct scratch {
  void *p;
} scratch;

static int scratch_gc(lua_State *L) {
  scratch *s = (scratch *)lua_touserdata(L, 1);
  if (s) {
    free(s->p);
    s->p = NULL;
  }
  return 0;
}

/* Gives the userdata on top the metatable `name` with __gc, made on first use. */
static void set_gc_metatable(lua_State *L, const char *name, lua_CFunction gc) {
  if (luaL_newmetatable(L, name)) {
    lua_pushcfunction(L, gc);
    lua_setfield(L, -2, "__gc");
  }
  lua_setmetatable(L, -2);
}

void *ca_scratch_push(lua_State *L, size_t n, const char *fname) {
  scratch *s = (scratch *)ca_newuserdata(L, sizeof *s);
  s->p = NULL;
  set_gc_metatable(L, SCRATCH_MT, scratch_gc);
  s->p = malloc(n ? n : 1);
  if (!s->p) ca_raisef(L, "%s: out of host memory (asked %zu bytes)", fname, n);
  return s->p;
}

void ca_scratch_free(lua_State *L, int idx) {
  scratch *s = (scratch *)luaL_checkudata(L, idx, SCRATCH_MT);
  free(s->p);
  s->p = NULL;
}

typedef struct filebox {
  FILE *f;
  int owned;        /* opened here from a path: closed here */
  int writing;      /* a handle written to: flushed when done */
  char name[240];   /* for messages */
} filebox;

static int filebox_gc(lua_State *L) {
  filebox *b = (filebox *)lua_touserdata(L, 1);
  if (b && b->f && b->owned) fclose(b->f);
  if (b) b->f = NULL;
  return 0;
}

/* The FILE * of an io library handle at idx; NULL (and *closed) for a closed one. Lua 5.1 and
 * LuaJIT keep the FILE * first in the userdata (NULL once closed); 5.2+ use luaL_Stream,
 * whose closef is NULL once closed. */
static FILE *lua_file_handle(lua_State *L, int idx, int *is_handle) {
  void *ud = ca_testudata(L, idx, LUA_FILEHANDLE);
  *is_handle = ud != NULL;
  if (!ud) return NULL;
#if LUA_VERSION_NUM >= 502
  luaL_Stream *s = (luaL_Stream *)ud;
  return s->closef ? s->f : NULL;
#else
  return *(FILE **)ud;
#endif
}

FILE *ca_file_push(lua_State *L, int idx, const char *mode, const char *fname) {
  idx = ca_absindex(L, idx);
  int is_handle;
  FILE *handle = lua_file_handle(L, idx, &is_handle);
  if (!is_handle && lua_type(L, idx) != LUA_TSTRING)
    ca_raisef(L, "%s: expected a path or an open file, got %s", fname, luaL_typename(L, idx));
  if (is_handle && !handle) ca_raisef(L, "%s: the file is closed", fname);
  filebox *b = (filebox *)ca_newuserdata(L, sizeof *b);
  b->f = NULL;
  b->owned = 0;
  b->writing = strpbrk(mode, "wa+") != NULL;
  set_gc_metatable(L, FILEBOX_MT, filebox_gc);
  if (is_handle) {
    snprintf(b->name, sizeof b->name, "the file");
    b->f = handle;
    return handle;
  }
  const char *path = lua_tostring(L, idx);
  snprintf(b->name, sizeof b->name, "'%s'", path);
  b->f = fopen(path, mode);
  if (!b->f) ca_raisef(L, "%s: cannot open '%s': %s", fname, path, strerror(errno));
  b->owned = 1;
  return b->f;
}

static filebox *check_box(lua_State *L, int box) {
  return (filebox *)luaL_checkudata(L, box, FILEBOX_MT);
}

void ca_file_done(lua_State *L, int box, const char *fname) {
  filebox *b = check_box(L, box);
  if (!b->f) return;
  int bad = ferror(b->f);
  if (b->owned) {
    if (fclose(b->f) != 0) bad = 1;
  } else if (b->writing && fflush(b->f) != 0) {
    bad = 1;
  }
  b->f = NULL;
  if (bad) ca_raisef(L, "%s: writing %s failed: %s", fname, b->name, strerror(errno));
}

void ca_file_write(lua_State *L, int box, const void *p, size_t n, const char *fname) {
  filebox *b = check_box(L, box);
  if (n && fwrite(p, 1, n, b->f) != n)
    ca_raisef(L, "%s: writing %s failed: %s", fname, b->name, strerror(errno));
}

void ca_file_read(lua_State *L, int box, void *p, size_t n, const char *fname) {
  filebox *b = check_box(L, box);
  size_t got = n ? fread(p, 1, n, b->f) : 0;
  if (got != n) {
    if (ferror(b->f)) ca_raisef(L, "%s: reading %s failed: %s", fname, b->name, strerror(errno));
    ca_raisef(L, "%s: %s ended after %zu of %zu bytes", fname, b->name, got, n);
  }
}

int64_t ca_file_remaining(lua_State *L, int box) {
  filebox *b = check_box(L, box);
  off_t here = ftello(b->f);
  if (here < 0 || fseeko(b->f, 0, SEEK_END) != 0) return -1;
  off_t end = ftello(b->f);
  if (end < 0 || fseeko(b->f, here, SEEK_SET) != 0) return -1;
  return end > here ? (int64_t)(end - here) : 0;
}
