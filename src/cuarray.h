/* cuarray's public C API: for host programs that embed Lua or LuaJIT and exchange arrays with
 * scripts without copies. Plain C types plus lua.h; the functions live in the core module
 * (cuarray/core.so), so link it (e.g. -L<dir>/cuarray -l:core.so -Wl,-rpath,<dir>/cuarray) or
 * dlopen it with RTLD_GLOBAL. Build against the same Lua flavour the module was built for.
 *
 * Opening the module in your own lua_State:
 *
 *     lua_State *L = luaL_newstate();
 *     luaL_openlibs(L);
 *     cuarray_preload(L);                  -- package.preload["cuarray.core"]
 *     -- then require "cuarray" from a script (lua/cuarray/init.lua on package.path), or
 *     -- lua_pushcfunction(L, luaopen_cuarray_core); lua_call(L, 0, 1) for the bare core
 *     -- (its C functions, without lua/cuarray/'s compositions: the _like forms, identity,
 *     -- cu.random's draws with positional forms).
 *
 * The CUDA backend is a separate module, cuarray/cuda.so, that the core loads on demand with
 * require "cuarray.cuda" the first time a CUDA device is named: put its directory on
 * package.cpath (e.g. "<dir>/?.so"), or register luaopen_cuarray_cuda in package.preload
 * when you link cuda.so yourself.
 *
 * Errors: every function here that takes a lua_State raises Lua errors the way luaL_check*
 * does (call it from a lua_CFunction or under lua_pcall), except cuarray_try_push_wrapped,
 * which returns a status instead.
 *
 * Conventions of this header (they differ from the Lua side on one point):
 *  - strides count BYTES here (as NumPy's __array_interface__ and the CUDA Array Interface
 *    do); a.strides in Lua and DLPack count elements. A byte stride must be a multiple of the
 *    item size, and the data pointer must be aligned to the item size, or the push raises.
 *  - `data` is the address of element 0 (the first element in index order); with negative
 *    strides the memory extends below it.
 *  - device -1 is the CPU (host memory); 0, 1, ... are CUDA device ordinals (device memory,
 *    or managed memory, that the CUDA backend's kernels may read).
 *  - dtypes are the CUARRAY_* numbers below.
 *
 * Lifetime: an array made by cuarray_push_wrapped wraps the memory without a copy, and so do
 * its views. When the last of them is collected (or freed with a:free()), cuarray calls
 * release(release_ctx, data) once, with the `data` you gave; with release == NULL the memory
 * is borrowed: cuarray never frees it and you must keep it valid while any array wraps it
 * (free them, or close the lua_State, first). Release callbacks run inside the collector, so
 * they must not call into that lua_State; they may run during lua_close. */
#ifndef CUARRAY_H
#define CUARRAY_H

#include <stdint.h>
#include <stddef.h>
#include <lua.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#define CUARRAY_API __declspec(dllimport)
#else
#define CUARRAY_API __attribute__((visibility("default")))
#endif

#define CUARRAY_API_VERSION 1
#define CUARRAY_MAXDIMS 32

typedef enum cuarray_dtype {
  CUARRAY_BOOL = 0,     /* one byte, 0 or 1 */
  CUARRAY_INT8,
  CUARRAY_UINT8,
  CUARRAY_INT16,
  CUARRAY_INT32,
  CUARRAY_INT64,
  CUARRAY_FLOAT16,      /* IEEE binary16 */
  CUARRAY_FLOAT32,
  CUARRAY_FLOAT64,
  CUARRAY_COMPLEX64,    /* two float32: real, imaginary */
  CUARRAY_COMPLEX128    /* two float64 */
} cuarray_dtype;

#define CUARRAY_CPU (-1)

/* An array's memory and layout: filled by you for cuarray_push_wrapped (use
 * cuarray_desc_init for the common C-contiguous case), filled by cuarray for cuarray_check. */
typedef struct cuarray_desc {
  void *data;                           /* element 0 (may be NULL only when size is 0) */
  int dtype;                            /* a cuarray_dtype */
  int device;                           /* CUARRAY_CPU or a CUDA ordinal */
  int ndim;                             /* 0 .. CUARRAY_MAXDIMS */
  int64_t shape[CUARRAY_MAXDIMS];
  int64_t strides[CUARRAY_MAXDIMS];     /* BYTES between neighbours along each axis */
  /* Push only: called once when the last array using the memory goes; NULL: borrowed. */
  void (*release)(void *release_ctx, void *data);
  void *release_ctx;
} cuarray_desc;

/* The entry points of the Lua modules. */
CUARRAY_API int luaopen_cuarray_core(lua_State *L);
int luaopen_cuarray_cuda(lua_State *L);  /* in cuarray/cuda.so, when built with CUDA */

/* Sets package.preload["cuarray.core"] to luaopen_cuarray_core (needs the package library). */
CUARRAY_API void cuarray_preload(lua_State *L);

/* Fills d for a C-contiguous (row-major) array: byte strides from shape and dtype, no
 * release callback. Returns 0, or -1 for a bad dtype or ndim. */
CUARRAY_API int cuarray_desc_init(cuarray_desc *d, void *data, int dtype, int device, int ndim,
                                  const int64_t *shape);

/* Pushes an array wrapping d->data (no copy). Raises on a bad dtype, device, shape, stride,
 * a NULL data pointer of a non-empty array, or one not aligned to the item size. Ownership
 * passes to cuarray as soon as this is called: if it raises, d->release (when set) has been
 * called already. */
CUARRAY_API void cuarray_push_wrapped(lua_State *L, const cuarray_desc *d);

/* The same under lua_pcall: returns LUA_OK with the array on the stack, or an error status
 * with the message on the stack (and d->release called, as above). */
CUARRAY_API int cuarray_try_push_wrapped(lua_State *L, const cuarray_desc *d);

/* Reads the array at idx into *out (release fields NULL). Raises unless idx holds a live
 * array. The pointers stay valid while the array (or a view of its memory) is alive. */
CUARRAY_API void cuarray_check(lua_State *L, int idx, cuarray_desc *out);

/* As cuarray_check, but returns 0 (and raises nothing) when idx is not a live array, 1 when
 * it is. */
CUARRAY_API int cuarray_test(lua_State *L, int idx, cuarray_desc *out);

/* Waits until the work queued on the array's device is done (CUDA kernels run
 * asynchronously); call it before reading device memory from your own code. */
CUARRAY_API void cuarray_synchronize(lua_State *L, int idx);

/* Copies the array at idx (any layout, any device) to host memory as C-contiguous elements;
 * nbytes must equal its size times its item size. Synchronises. Raises on a mismatch. */
CUARRAY_API void cuarray_copy_to_host(lua_State *L, int idx, void *dst, size_t nbytes);

/* DLPack: pushes an array that takes ownership of a DLManagedTensorVersioned (versioned != 0)
 * or a legacy DLManagedTensor, as cu.from_dlpack does; and returns a new managed tensor for
 * the array at idx, as a:to_dlpack() does (the consumer calls its deleter once). */
CUARRAY_API void cuarray_push_dlpack(lua_State *L, void *managed_tensor, int versioned);
CUARRAY_API void *cuarray_to_dlpack(lua_State *L, int idx, int versioned);

/* Name ("float32") and item size in bytes of a dtype; NULL / 0 when unknown. */
CUARRAY_API const char *cuarray_dtype_name(int dtype);
CUARRAY_API size_t cuarray_itemsize(int dtype);

#ifdef __cplusplus
}
#endif

#endif
