/* Host memory and files for the binding, each held by a userdata so that an error raised
 * anywhere leaves it to the collector instead of leaking it (the userdata is pushed first,
 * the resource acquired second). The normal path releases them at once. */
#ifndef CA_HOSTIO_H
#define CA_HOSTIO_H

#include <stdio.h>
#include "core.h"

/* Pushes a userdata owning n bytes (n may be 0) of uninitialised host memory and returns
 * them; raises "fname: out of host memory (asked N bytes)". */
void *ca_scratch_push(lua_State *L, size_t n, const char *fname);
/* Frees the scratch memory of the userdata at idx now; the userdata stays, empty. */
void ca_scratch_free(lua_State *L, int idx);

/* The file at idx: a path, opened with `mode` and closed by ca_file_done (or by the
 * collector when an error comes first), or an open Lua file handle (io.open's), used at its
 * current position and left open. Pushes a userdata holding it and returns the FILE *. */
FILE *ca_file_push(lua_State *L, int idx, const char *mode, const char *fname);
/* Closes (a path) or flushes (a handle) the file of the userdata at box; raises on a write
 * error, naming the file. */
void ca_file_done(lua_State *L, int box, const char *fname);
/* fwrite / fread of exactly n bytes, raising "fname: writing 'path' failed: ..." or
 * "fname: 'path' ended after K of N bytes". */
void ca_file_write(lua_State *L, int box, const void *p, size_t n, const char *fname);
void ca_file_read(lua_State *L, int box, void *p, size_t n, const char *fname);
/* Bytes from the current position to the end, or -1 when the file cannot seek (a pipe). */
int64_t ca_file_remaining(lua_State *L, int box);

#endif
