/* The core's internal API, shared by the binding files (src/l_*.c) and src/array.c.
 * Only these files raise Lua errors; backends return ca_status. */
#ifndef CA_CORE_H
#define CA_CORE_H

#include <stdint.h>
#include <stddef.h>
#include "compat.h"
#include "backend.h"
#include "cpu/cpu.h"

#define CA_ARRAY_MT "cuarray.ndarray"

/* A refcounted block of memory on one device. Views share it. */
typedef struct ca_storage {
  int refs;
  ca_backend *be;        /* runs the ops on this memory (for pinned host memory: the CPU) */
  void *data;
  size_t nbytes;
  /* Frees data when the last reference goes; NULL: be->free. Borrowed memory (the C API
   * wrapping a host program's buffer without a release callback) sets borrowed. */
  void (*release)(void *ctx, void *data);
  void *release_ctx;
  ca_backend *owner_be;  /* pinned host memory: the CUDA backend that allocated it */
  int borrowed;
  struct ca_state *state; /* counts the bytes of memory the core allocated; NULL: wrapped */
  int gc_space;           /* ... in this memory space of it (gc_pace.c) */
  unsigned gc_epoch;      /* the state's collections before this was allocated */
} ca_storage;

/* An n-d view. Strides and offset count ELEMENTS (not bytes); strides may be 0 (broadcast)
 * or negative (flipped). The Lua userdata of an array holds this struct itself. */
typedef struct ca_array {
  ca_storage *storage;   /* NULL once freed (a:free()) */
  int dtype;
  int ndim;
  int64_t size;          /* product of shape */
  int64_t offset;        /* elements from storage->data to element 0 */
  int64_t shape[CA_MAXDIMS];
  int64_t strides[CA_MAXDIMS];
  /* Writes raise: a broadcast_to result, or wrapped memory whose stride-0 axes alias one
   * element many times. Views inherit it. */
  int readonly;
} ca_array;

/* Pacing the collector (gc_pace.c) in one memory space: bytes the core allocated there and holds,
 * released since the last allocation, live at the last collection, and allocated since it
 * (less releases). The spaces are the host's memory, then each CUDA device's (devices from
 * CA_GC_SPACES - 2 on share the last). */
#define CA_GC_SPACES 9
typedef struct ca_gc_space {
  int64_t live_bytes, freed_bytes, live_at_gc, gc_debt;
  int64_t floor; /* the least debt that collects here (gc_pace.c); 0: not yet known */
} ca_gc_space;

/* The collector threshold's default (cu.set_gc_threshold). */
#define CA_GC_THRESHOLD ((int64_t)64 << 20)

/* Per-lua_State state: defaults, the random generator, the backends in use. */
typedef struct ca_state {
  ca_backend cpu;
  ca_cpu_ctx cpu_ctx;         /* the CPU backend's state: its counts, a host allocator */
  int default_dtype;          /* float dtype of constructors that name none */
  int default_device;         /* -1 cpu, else a CUDA ordinal */
  uint64_t seed, counter;     /* the random stream (see scalar.h) */
  int allow_tf32;
  ca_gc_space gc[CA_GC_SPACES];
  unsigned gc_epoch;          /* the collections the core ran */
  int64_t gc_threshold;       /* collecting once this much, at least, was allocated in a space */
  int gc_threshold_set;       /* by cu.set_gc_threshold: it holds for GPUs too */
  /* cu._gc_stress(true): a full collection before every array is made, so that tests meet
   * finalizers running inside every operation. */
  int gc_stress;
  /* tostring is running the Lua layer's printer: a printer that calls tostring on the array
   * again gets the plain form instead of recursing until the C stack runs out. */
  int formatting;
} ca_state;

ca_state *ca_state_get(lua_State *L);

/* ---- backends and devices ---- */
ca_backend *ca_backend_get(lua_State *L, int device);      /* raises if unavailable */
int ca_parse_device(lua_State *L, int idx, int dflt, const char *fname); /* "cpu", "cuda:1", nil */
/* The ordinal "cuda" names: the default device when that is a CUDA device, else 0. */
int ca_default_cuda(lua_State *L);
void ca_raise_status(lua_State *L, ca_backend *be, ca_status st, const char *what);
/* luaL_error with C's printf formats (lua_pushfstring has no %lld, %g or %zu). */
int ca_raisef(lua_State *L, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define CA_CHECK(L, be, call, what) do { ca_status st_ = (call); \
    if (st_ != CA_OK) ca_raise_status(L, be, st_, what); } while (0)

/* ---- arrays ---- */
ca_array *ca_test(lua_State *L, int idx);                  /* NULL unless an array */
ca_array *ca_check(lua_State *L, int idx);                 /* raises unless a live array */
/* The same, with a message naming the function: "sum: expected an array, got string". */
ca_array *ca_check_arg(lua_State *L, int idx, const char *fname);
/* The name a private primitive (cu._sort, cu._searchsorted, ...) raises in: the string its
 * Lua caller passes at idx (the public function it serves) when it has at most 256 bytes,
 * else its own name `own`. */
const char *ca_caller_name(lua_State *L, int idx, const char *own);
/* The string (or number) at idx, else raises "fname: what must be a string, got T" (luaL's
 * checks name the function only when the caller's debug information does). */
const char *ca_check_string(lua_State *L, int idx, const char *fname, const char *what);
/* As ca_check_string: a value of Lua type t; a number; one of the strings of a NULL-ended
 * list (its position). */
void ca_check_type(lua_State *L, int idx, int t, const char *fname, const char *what);
lua_Number ca_check_number(lua_State *L, int idx, const char *fname, const char *what);
int ca_check_option(lua_State *L, int idx, const char *const *list, const char *fname,
                    const char *what);
/* Raises unless `a` is still live. An allocation can run the collector and so finalizers,
 * and an option's metamethod can run any Lua code: either may free an array that an
 * operation checked earlier, so operations check again after such calls, before they
 * touch the array's memory. */
void ca_check_live(lua_State *L, const ca_array *a, const char *fname);
/* Pushes a new C-contiguous array (uninitialised memory) on `be`. */
ca_array *ca_new(lua_State *L, ca_backend *be, int dtype, int ndim, const int64_t *shape);
ca_array *ca_new_like(lua_State *L, const ca_array *a, int dtype);
/* ca_new on `device`, or with `pinned` a host array in page-locked memory that the CUDA
 * backend allocates (transfers from it skip the staging copy): {device = "cpu", pinned = true}. */
ca_array *ca_new_at(lua_State *L, int device, int pinned, int dtype, int ndim, const int64_t *shape,
                    const char *fname);
/* Pushes a view sharing a's storage, with a's dtype, shape, strides and offset to adjust. */
ca_array *ca_view(lua_State *L, const ca_array *a);
/* Pushes the real (part 0) or imaginary (part 1) part of a: for a complex array a view of the
 * real dtype over every other element (strides count elements, so they double), as NumPy's
 * a.real / a.imag; for a real array a view of a, and read-only zeros. */
ca_array *ca_push_part(lua_State *L, const ca_array *a, int part);
void ca_array_release(ca_array *a);
/* The collector's pacing (gc_pace.c): a storage the core allocated in L's state s, its memory
 * counted (may run a full collection); and its release, uncounted. */
void ca_gc_allocated(lua_State *L, ca_state *s, ca_storage *st);
void ca_gc_released(ca_storage *st);
/* A pinned host array (see ca_new_at). */
ca_array *ca_new_pinned(lua_State *L, ca_backend *cuda, int dtype, int ndim, const int64_t *shape);
/* Pushes a blank array (no storage, 0-d) with its metatable: what a constructor pushes first,
 * before it acquires any memory, so that an error can never leak it (src/wrap.c fills it). */
ca_array *ca_push_blank(lua_State *L);

static inline ca_backend *ca_be(const ca_array *a) { return a->storage->be; }
static inline char *ca_data(const ca_array *a) {
  return (char *)a->storage->data + a->offset * (int64_t)ca_itemsize(a->dtype);
}
int ca_is_contiguous(const ca_array *a);
/* Raises unless the array may be written: not read-only (see ca_array.readonly). */
void ca_check_writable(lua_State *L, const ca_array *a, const char *fname);
/* Whether some axis of size > 1 has stride 0: elements that alias one another. */
int ca_has_aliasing_axes(const ca_array *a);
void ca_set_contiguous_strides(ca_array *a);
int64_t ca_shape_size(lua_State *L, int ndim, const int64_t *shape); /* raises on overflow */
/* Checks a shape for a new array before anything is allocated: no negative dimension, and a
 * size and byte count that fit; raises "fname: an array of shape ... is too large". */
void ca_check_new_size(lua_State *L, const char *fname, int dtype, int nd, const int64_t *shape);

/* ---- shapes ---- */
/* Reads a shape: a number, or a table of numbers, at idx. Returns ndim. */
int ca_read_shape(lua_State *L, int idx, int64_t *shape, const char *fname);
/* Reads an axis (1-based, negative from the end) for an array of ndim dims; 0-based out. */
int ca_read_axis(lua_State *L, int idx, int ndim, const char *fname);
/* Broadcast shapes; raises naming fname and both shapes. */
int ca_broadcast_shapes(lua_State *L, const char *fname, int n, const ca_array *const *arrs,
                        int64_t *shape);
/* Strides of `a` seen through the broadcast shape (ndim dims). */
void ca_broadcast_strides(const ca_array *a, int ndim, const int64_t *shape, int64_t *strides);
void ca_format_shape(char *buf, size_t len, int ndim, const int64_t *shape);

/* ---- loops ---- */
/* Elementwise loop over `shape` with operands; coalesces dims. arrays[k] may be NULL for a
 * by-value scalar operand (values[k]). The output arr[0] must have shape `shape`. */
void ca_loop_build(ca_loop *l, int ndim, const int64_t *shape, int nop,
                   ca_array *const *arrays, const ca_value *values, const int *dtypes, int compute);
/* Whether writing dst elementwise while reading src (seen through dst's shape) could read
 * an element already written: their bytes on one device intersect and they are not the very
 * same elements in the same order (so `cu.add(a, b, {out = a})` needs no copy, while
 * `out = a.T` or a shifted slice of a does). */
int ca_overlaps(const ca_array *dst, const ca_array *src);
/* dst = src (broadcast, converted); same device. Goes through a temporary when they overlap:
 * then it allocates, so dst and src must be arrays the stack keeps, or views borrowing from
 * arrays no Lua code can free meanwhile. */
void ca_copy_into(lua_State *L, ca_array *dst, const ca_array *src);
void ca_fill(lua_State *L, ca_array *dst, double v);
/* Pushes the array at idx as one 1-d run in C order: a view when its dims chain with one
 * stride (flipped or strided included), else a C-contiguous copy. */
ca_array *ca_push_flat(lua_State *L, int idx);
/* Pushes `a` if C-contiguous (or a copy that is). */
ca_array *ca_push_contiguous(lua_State *L, int idx);
/* a's elements in bytes; raises naming fname when they could not fit in memory (a broadcast
 * view may have more elements than any memory holds). */
size_t ca_nbytes(lua_State *L, const ca_array *a, const char *fname);
/* Copies a's elements (any layout) to host memory as a C-contiguous buffer; syncs. */
void ca_read_host(lua_State *L, const ca_array *a, void *out);
/* Pushes a copy of `a` on device `be` (cross-device transfers go through here). */
ca_array *ca_to_backend(lua_State *L, const ca_array *a, ca_backend *be);

/* ---- scalars ---- */
ca_value ca_value_from_number(lua_Number n, int dtype);
lua_Number ca_value_to_number(ca_value v, int dtype);
void ca_push_element(lua_State *L, const ca_array *a); /* a has size 1; pushes a number / bool */
/* An int64 value for Lua: an integer on 5.3+, a number up to 2^53 in magnitude, beyond that
 * an int64 cdata on LuaJIT (a double on PUC Lua 5.1). */
void ca_push_int64(lua_State *L, int64_t v);
/* An exact int64 argument: an integral number (exact up to 2^53 on LuaJIT), a Lua 5.4
 * integer, or on LuaJIT an int64_t / uint64_t cdata in range. Returns 0 otherwise. */
int ca_toint64(lua_State *L, int idx, int64_t *out);
/* A uint64 value for Lua: as ca_push_int64 up to 2^63 (a number up to 2^53 on LuaJIT, then a
 * uint64 cdata), beyond it a uint64 cdata on LuaJIT and a float on Lua 5.4 and PUC 5.1. */
void ca_push_uint64(lua_State *L, uint64_t v);
/* A value in [2^63, 2^64) that no int64 holds: an integral float there (Lua 5.4 floats
 * included), or on LuaJIT a uint64_t cdata. Returns 0 for anything else (ca_toint64 reads the
 * values below). */
int ca_touint64_big(lua_State *L, int idx, uint64_t *out);
/* Whether the value at idx is a 64-bit integer cdata that ca_toint64 or ca_touint64_big reads
 * (LuaJIT's 5LL and 5ULL; never on PUC Lua). */
int ca_is_int_cdata(lua_State *L, int idx);
/* Installs the Lua layer's int64 cdata helpers (functions at make and parts). */
void ca_set_int64(lua_State *L, int make, int parts);
/* Pushes the element of dtype at host address p: a boolean, an integer or a number (int64
 * exactly, as ca_push_int64; uint64 as ca_push_uint64), a complex value (ca_push_complex). */
void ca_push_value(lua_State *L, int dtype, const void *p);
/* A complex value for Lua: the Lua layer's value object (lua/cuarray/complex.lua, installed
 * by cu._set_complex), or without it a plain pair {re, im}. */
void ca_push_complex(lua_State *L, ca_c16 z);
/* Installs the Lua layer's complex helpers: make(re, im) and the values' metatable. */
void ca_set_complex(lua_State *L, int make, int mt);
/* Whether the value at idx is a complex value object (the metatable cu._set_complex gave);
 * its parts in *z. */
int ca_tocomplex(lua_State *L, int idx, ca_c16 *z);
/* Whether the value at idx is a pair {re, im}: a table of exactly two numbers (raw). */
int ca_topair(lua_State *L, int idx, ca_c16 *z);

/* ---- options ---- */
/* Options tables are read raw (no __index): reading them runs no Lua code. */
/* Pushes options[key] of the table at idx, read raw. */
void ca_opt_get(lua_State *L, int idx, const char *key);
/* Options table at idx (or none): returns 1 if idx is a table. Unknown keys raise. */
int ca_opt_check(lua_State *L, int idx, const char *fname, const char *const *known);
/* {dtype = ...} and {device = ...} of the options table at idx (0 or a non-table: none). */
int ca_opt_dtype(lua_State *L, int idx, int dflt, const char *fname);
int ca_opt_device(lua_State *L, int idx, int dflt, const char *fname);
/* {out = array}: pushes it (so that the stack keeps it for the whole operation) and
 * returns it, or pushes nothing and returns NULL. */
ca_array *ca_opt_out(lua_State *L, int idx, const char *fname);
int ca_opt_bool(lua_State *L, int idx, const char *key, int dflt);
int ca_check_dtype(lua_State *L, int idx, const char *fname); /* a dtype name */
/* {casting = "no"|"equiv"|"safe"|"same_kind"|"unsafe"} of the options at idx: a CA_CAST_*
 * (dflt when not given), and its name (l_dtype.c). */
int ca_opt_casting(lua_State *L, int idx, int dflt, const char *fname);
const char *ca_casting_name(int casting);
/* THE rule for telling a trailing options table from a positional argument (stated also in
 * lua/cuarray/options.lua): a table (arrays are userdata) with a string key is options; an
 * empty table is options too where no table argument could stand. So `a:sum({})` sums over
 * no axes, while `cu.arange(5, {})` has empty options.
 * ca_is_options: at idx, where a table argument could stand (a shape, a list of axes).
 * ca_split_options: for functions whose positional arguments are never tables: returns their
 * count before a trailing options table, whose index goes to *oi (0: none). */
int ca_is_options(lua_State *L, int idx);
int ca_split_options(lua_State *L, int *oi);
/* Checks a user-given `out` for a result of dtype and shape on be: same device, same shape,
 * and a same_kind cast from the result's dtype. */
void ca_check_out(lua_State *L, const ca_array *out, ca_backend *be, int dtype, int nd,
                  const int64_t *shape, const char *fname);

/* Module registration, one per binding file, called in this order by luaopen_cuarray_core
 * (l_module.c). */
void ca_open_array(lua_State *L);   /* l_array.c: the metatable, then methods */
void ca_open_ops(lua_State *L);     /* l_ops.c */
void ca_open_reduce(lua_State *L);  /* l_reduce.c */
void ca_open_lapack(lua_State *L);  /* l_lapack.c: makes module.linalg */
void ca_open_linalg(lua_State *L);  /* l_linalg.c */
void ca_open_fft(lua_State *L);     /* l_fft.c */
void ca_open_index(lua_State *L);   /* l_index.c */
void ca_open_join(lua_State *L);    /* l_join.c */
void ca_open_create(lua_State *L);  /* l_create.c */
void ca_open_random(lua_State *L);  /* l_random.c */
void ca_open_print(lua_State *L);   /* l_print.c */
void ca_open_pointer(lua_State *L); /* l_pointer.c */
void ca_open_dlpack(lua_State *L);  /* l_dlpack.c */
void ca_open_npy(lua_State *L);     /* l_npy.c */
void ca_open_config(lua_State *L);  /* l_config.c */
void ca_open_runtime(lua_State *L); /* l_runtime.c */
void ca_open_bytes(lua_State *L);   /* l_bytes.c */
void ca_open_image(lua_State *L);   /* l_image.c */
void ca_open_views(lua_State *L);   /* l_views.c */
void ca_open_sort(lua_State *L);    /* l_sort.c */
void ca_open_dtype(lua_State *L);   /* l_dtype.c */

/* Each binding file registers functions into the module table (at -2) and methods into the
 * methods table (at -1) with these helpers. */
void ca_register(lua_State *L, const luaL_Reg *funcs, const luaL_Reg *methods);

/* Indexing (l_index.c): a[key] and a[key] = value with the array at 1, key at 2, value at 3. */
int ca_index_get(lua_State *L);
int ca_index_set(lua_State *L);

/* Elementwise entry points shared between binding files (l_ops.c). */
/* Runs op on the Lua values at ia (and ib): arrays or numbers. Pushes the result, or with a
 * given `out` writes there and pushes nothing. Errors name fname (NULL: the op), the function
 * the user called. */
void ca_apply_unary(lua_State *L, int op, int ia, ca_array *out, const char *fname);
void ca_apply_binary(lua_State *L, int op, int ia, int ib, ca_array *out, const char *fname);
/* Reductions over all elements / axes, used by several files (l_reduce.c). */
void ca_reduce_all(lua_State *L, int op, int idx, int out_dtype);

/* Run-time settings (l_runtime.c), for the Lua functions and the C API: raise naming fname. */
void ca_set_gc_threshold(lua_State *L, int64_t bytes, const char *fname);
void ca_set_num_threads(lua_State *L, int64_t n, const char *fname);

#endif
