/* Shared by the interop files: wrapping memory the core did not allocate (src/wrap.c), pointers
 * between Lua and C (src/l_pointer.c) and DLPack (src/l_dlpack.c), for the Lua functions and
 * for the public C API (src/c_api.c). */
#ifndef CA_INTEROP_H
#define CA_INTEROP_H

#include "core.h"

/* ---- wrap.c ---- */

/* Checks a layout (element strides, or NULL for C-contiguous) of memory whose element 0 is at
 * elem0, and works out what ca_wrap needs: the lowest address (base), the byte extent and
 * element 0's offset from base. Returns NULL, or an error message written into buf. */
const char *ca_wrap_layout(char *elem0, int dtype, int ndim, const int64_t *shape,
                           const int64_t *strides, char **base, size_t *nbytes, int64_t *offset,
                           char *buf, size_t len);
/* Makes the blank array `a` (pushed before the memory was taken over) wrap elem0 with that
 * layout. On any failure calls release(ctx, NULL) first (when given), then raises. */
void ca_wrap_or_release(lua_State *L, ca_array *a, ca_backend *be, void *elem0, int dtype, int ndim,
                        const int64_t *shape, const int64_t *strides,
                        void (*release)(void *, void *), void *ctx, const char *fname);
/* ca_backend_get and ca_push_blank under lua_pcall, for callers that hold memory they must
 * release before raising: NULL with the error message pushed, on failure. */
ca_backend *ca_try_backend(lua_State *L, int device);
ca_array *ca_try_push_blank(lua_State *L);
/* Whether memory at p can be an array on `device` (-1: the CPU; be is that device's
 * backend), as the CUDA driver sees it when the CUDA module is loaded: NULL when it can (or
 * nothing can tell), else why not, written into buf. Device memory read from the host, or
 * host memory handed to a kernel, would crash later. */
const char *ca_pointer_mismatch(lua_State *L, ca_backend *be, const void *p, int device,
                                char *buf, size_t len);

/* ---- l_pointer.c ---- */

/* An address given as a light userdata, a non-negative integer, or (LuaJIT) a pointer or array
 * cdata; raises naming fname and what. */
void *ca_to_address(lua_State *L, int idx, const char *fname, const char *what);
/* Pushing a pointer for Lua (a `void *` cdata when LuaJIT's ffi is loaded, else a light
 * userdata) in two steps, so that a caller can acquire what the pointer points to in
 * between: ca_pointer_prepare may raise and pushes 0 or 2 values (returning how many);
 * ca_pointer_push never raises and leaves the pointer where those values were. */
int ca_pointer_prepare(lua_State *L);
void ca_pointer_push(lua_State *L, int prepared, void *p);

/* ---- l_dlpack.c ---- */

/* Takes ownership of a DLManagedTensorVersioned (versioned) or DLManagedTensor and pushes an
 * array wrapping it (a copy with `copy`, or for read-only tensors). Every failure calls the
 * deleter once before raising, except a NULL pointer or one of ours already consumed. */
void ca_dlpack_import(lua_State *L, void *ptr, int versioned, int copy);
/* A new managed tensor sharing the memory of the array at idx; raises nothing once it has
 * allocated the tensor. */
void *ca_dlpack_export(lua_State *L, int idx, int versioned);

#endif
