/* cuarray's public C API: for host programs (game engines, tools) that embed Lua or LuaJIT
 * and exchange arrays with scripts without copies. Plain C types plus lua.h.
 *
 * Linking. `make install PREFIX=...` (and the rock) installs libcuarray.so (SONAME
 * libcuarray.so.1) and libcuarray.a, built from the same objects as the Lua module
 * cuarray/core.so, this header and dlpack.h under include/cuarray/, and cuarray.pc:
 *
 *     cc host.c $(pkg-config --cflags --libs cuarray) -llua5.4          (or -lluajit-5.1 ...)
 *
 * (`pkg-config --static` adds the BLAS, zlib and pthread libraries libcuarray.a needs). The
 * library is built for one Lua flavour (cuarray.pc's lua_flavour) and leaves the Lua API to
 * the program, as Lua modules do: link the same Lua, and export its symbols (-Wl,-E) when it
 * is linked statically so that cuarray/cuda.so finds them too.
 *
 * Opening the module in your own lua_State:
 *
 *     lua_State *L = luaL_newstate();
 *     luaL_openlibs(L);
 *     cuarray_preload(L);                  -- package.preload["cuarray.core"]: the linked copy
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
 * Errors. Each function that can fail comes in two forms. cuarray_<name> raises a Lua error
 * the way luaL_check* does: call it from a lua_CFunction, or under lua_pcall. cuarray_try_<name>
 * never raises (no longjmp through your frames): it returns CUARRAY_OK, or CUARRAY_ERROR /
 * CUARRAY_ERRMEM with the message written to err (see "Status-returning forms" below).
 * cuarray_desc_init, cuarray_test, cuarray_get_num_threads, cuarray_dtype_name and
 * cuarray_itemsize never raise.
 *
 * Threads. A lua_State and everything reached from it (its arrays, the module's state, the CUDA
 * contexts it opened with their streams, cuBLAS handles and block caches) belong to one thread
 * at a time, as Lua requires: run each lua_State on one thread, or hand it over under a lock of
 * your own. Separate lua_States may run on separate threads at once; cuarray keeps no state
 * outside them but the CPU thread count (cuarray_set_num_threads), which is the process's.
 * What may be shared between lua_States: memory, wrapped in each one (cuarray_push_wrapped,
 * borrowed or with a release that counts its users) or passed through DLPack, with the order of
 * their reads and writes kept by you (cuarray_synchronize one state's work on the memory before
 * another touches it, or queue both on one stream with cuarray_set_stream); a CUDA device, its
 * default memory pool and a stream of yours. The CPU backend splits large loops over threads it
 * starts and joins within the call; they never touch a lua_State. Release callbacks and the
 * allocator's free run on the thread that runs the lua_State's collector (or lua_close).
 * The CUDA backend makes its device the calling thread's current CUDA device (cudaSetDevice)
 * while it works.
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

/* The release: cu._VERSION is "cuarray " CUARRAY_VERSION; the release rockspec and
 * CHANGELOG.md name the same version. CUARRAY_API_VERSION counts changes to this header. */
#define CUARRAY_VERSION "0.2.0"
#define CUARRAY_API_VERSION 2
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
  CUARRAY_COMPLEX128,   /* two float64 */
  CUARRAY_UINT16,
  CUARRAY_UINT32,
  CUARRAY_BFLOAT16,     /* the high half of an IEEE binary32 */
  CUARRAY_UINT64
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

/* ---- hooks for a host program ---------------------------------------------------------- */

/* Makes `stream` (a cudaStream_t of CUDA device `device`) the stream this lua_State's arrays
 * on that device queue their work on, from now on, after the work queued on the previous one
 * (so results made before the switch are seen after it); NULL gives cuarray's own stream
 * back. cuarray does not destroy it: give cuarray's own back (NULL) before you destroy it, or
 * close the lua_State first. cu.cuda.current_stream() reports it; cu.cuda.with_stream
 * switches away from it and back. Opens the CUDA backend of that device (loading cuarray.cuda
 * through package.cpath or package.preload). Raises for the CPU, a device that is not there,
 * or a stream of another device. */
CUARRAY_API void cuarray_set_stream(lua_State *L, int device, void *stream);

/* A host program's allocator for the arrays of one device (cuarray_set_allocator). */
typedef struct cuarray_allocator {
  /* nbytes of memory on `device` (CUARRAY_CPU: host memory aligned to 64 bytes, asked in
   * multiples of 64; a CUDA ordinal: device memory aligned to 256 bytes, as cudaMalloc's),
   * or NULL when there is none (cuarray then collects garbage, asks once more, and raises
   * "out of memory"). The memory is used by work queued on `stream` (the cudaStream_t
   * cuarray works on; NULL for the CPU) after this call, as with cudaMallocAsync. */
  void *(*alloc)(void *ctx, size_t nbytes, int device, void *stream);
  /* Takes back a block alloc gave, with the same nbytes and device. Work queued on `stream`
   * before this call may still use it: free it in stream order (cudaFreeAsync) or wait. */
  void (*free)(void *ctx, void *ptr, size_t nbytes, int device, void *stream);
  void *ctx;
} cuarray_allocator;

/* Routes the memory of this lua_State's arrays on `device` (CUARRAY_CPU or a CUDA ordinal)
 * through *a (copied; NULL: cuarray's own allocator again): the CUDA backend's stream-ordered
 * pool and its small-block cache, or the CPU's aligned malloc, step aside. Call it before the
 * first array on that device: it raises while memory from the previous allocator is in use
 * (cached CUDA blocks are handed back first). a->ctx must stay valid until the last block is
 * freed, at lua_close at the latest. Pinned host arrays and the CUDA backend's own buffers
 * (the cuBLAS workspace, the staging buffers of transfers) still come from CUDA. */
CUARRAY_API void cuarray_set_allocator(lua_State *L, int device, const cuarray_allocator *a);

/* The number of threads (1 to 64) the CPU backend splits large elementwise loops and random
 * draws over, and OpenBLAS (when it is the BLAS linked) its matmul: one setting for the
 * process, also cu.set_num_threads(n). It starts from CUARRAY_NUM_THREADS, else the CPUs the
 * process may run on (at most 8). */
CUARRAY_API void cuarray_set_num_threads(lua_State *L, int n);
CUARRAY_API int cuarray_get_num_threads(void);

/* This lua_State's collector threshold: array memory is invisible to Lua's collector, so
 * cuarray runs a full collection once as much again as was live at the last one has been
 * allocated, and `bytes` at least (64 MiB to start with; also cu.set_gc_threshold). */
CUARRAY_API void cuarray_set_gc_threshold(lua_State *L, size_t bytes);

/* ---- status-returning forms --------------------------------------------------------------
 * For C code that must not take a longjmp (an engine's frames, C++ with destructors): each
 * does what the raising form of the same name does, under a protected call, and returns
 * CUARRAY_OK, or CUARRAY_ERROR (a Lua error: the raising form's message) or CUARRAY_ERRMEM
 * (the lua_State ran out of memory) with the message written to err (errlen bytes at most,
 * always NUL-terminated; err may be NULL). On success the stack is as the raising form leaves
 * it; on failure it is unchanged. They need 4 free stack slots, as any Lua API call may
 * (a lua_CFunction is given 20), and allocate nothing outside the protected call, on every
 * Lua version. Ownership is as in the raising forms: cuarray_try_push_wrapped and
 * cuarray_try_push_dlpack release what they were given on any failure. */
typedef enum cuarray_status {
  CUARRAY_OK = 0,
  CUARRAY_ERROR = 1,
  CUARRAY_ERRMEM = 2
} cuarray_status;

CUARRAY_API cuarray_status cuarray_try_preload(lua_State *L, char *err, size_t errlen);
CUARRAY_API cuarray_status cuarray_try_push_wrapped(lua_State *L, const cuarray_desc *d,
                                                    char *err, size_t errlen);
CUARRAY_API cuarray_status cuarray_try_check(lua_State *L, int idx, cuarray_desc *out,
                                             char *err, size_t errlen);
CUARRAY_API cuarray_status cuarray_try_synchronize(lua_State *L, int idx, char *err, size_t errlen);
CUARRAY_API cuarray_status cuarray_try_copy_to_host(lua_State *L, int idx, void *dst, size_t nbytes,
                                                    char *err, size_t errlen);
CUARRAY_API cuarray_status cuarray_try_push_dlpack(lua_State *L, void *managed_tensor, int versioned,
                                                   char *err, size_t errlen);
/* The new managed tensor goes to *out (NULL on failure). */
CUARRAY_API cuarray_status cuarray_try_to_dlpack(lua_State *L, int idx, int versioned, void **out,
                                                 char *err, size_t errlen);
CUARRAY_API cuarray_status cuarray_try_set_stream(lua_State *L, int device, void *stream,
                                                  char *err, size_t errlen);
CUARRAY_API cuarray_status cuarray_try_set_allocator(lua_State *L, int device,
                                                     const cuarray_allocator *a,
                                                     char *err, size_t errlen);
CUARRAY_API cuarray_status cuarray_try_set_num_threads(lua_State *L, int n, char *err, size_t errlen);
CUARRAY_API cuarray_status cuarray_try_set_gc_threshold(lua_State *L, size_t bytes, char *err,
                                                        size_t errlen);

#ifdef __cplusplus
}
#endif

#endif
