/* The transforms' C primitive, cu._fft (lua/cuarray/fft.lua resolves the arguments and pads or
 * truncates the input first): the dtypes of the input and the result, the transformed axes
 * seen as the trailing dims of a loop (through strides, without moving data), and the split of
 * more than CA_FFT_MAXRANK axes into several calls of the backend's fft entry. */
#include <math.h>
#include <string.h>
#include "core.h"
#include "compat.h"

/* The complex dtype of a precision, -1 when this build has none. */
static int complex_of(int real) {
  return ca_dtype_from_name(real == CA_FLOAT32 ? "complex64" : "complex128");
}

/* One call of the fft entry: `axes` (0-based dims of a, in order, at most CA_FFT_MAXRANK)
 * become the trailing dims of the loop; lengths are their transform lengths. */
static void run_chunk(lua_State *L, const char *fname, ca_array *a, ca_array *o, int kind,
                      int sign, int real, int naxes, const int *axes, const int64_t *lengths,
                      double scale) {
  ca_fft f;
  memset(&f, 0, sizeof f);
  f.kind = kind;
  f.real = real;
  f.sign = sign;
  f.ndim = a->ndim;
  f.rank = naxes;
  f.scale = scale;
  int is_axis[CA_MAXDIMS] = {0};
  for (int j = 0; j < naxes; j++) is_axis[axes[j]] = 1;
  int d = 0;
  for (int k = 0; k < a->ndim; k++) {
    if (is_axis[k]) continue;
    f.shape[d] = o->shape[k];
    f.in_strides[d] = a->strides[k];
    f.out_strides[d] = o->strides[k];
    d++;
  }
  for (int j = 0; j < naxes; j++, d++) {
    f.shape[d] = lengths[j];
    f.in_strides[d] = a->strides[axes[j]];
    f.out_strides[d] = o->strides[axes[j]];
  }
  ca_check_live(L, a, fname);
  ca_backend *be = ca_be(a);
  if (!be->fft) ca_raisef(L, "%s: no FFT on device %s", fname, be->name);
  f.in = ca_data(a);
  f.out = ca_data(o);
  CA_CHECK(L, be, be->fft(be, &f), fname);
}

/* A new array of `shape` whose memory holds the `naxes` axes innermost, in their order, under
 * the others in theirs (the backend's fft_real_last_first). */
static ca_array *new_axes_innermost(lua_State *L, ca_backend *be, int dtype, int ndim,
                                    const int64_t *shape, int naxes, const int *axes) {
  int order[CA_MAXDIMS], is_axis[CA_MAXDIMS] = {0}, n = 0;
  for (int j = 0; j < naxes; j++) is_axis[axes[j]] = 1;
  for (int k = 0; k < ndim; k++)
    if (!is_axis[k]) order[n++] = k;
  for (int j = 0; j < naxes; j++) order[n++] = axes[j];
  int64_t mshape[CA_MAXDIMS];
  for (int k = 0; k < ndim; k++) mshape[k] = shape[order[k]];
  ca_array *o = ca_new(L, be, dtype, ndim, mshape);
  int64_t step = 1;
  for (int k = ndim - 1; k >= 0; k--) {
    o->shape[order[k]] = mshape[k];
    o->strides[order[k]] = step;
    step *= mshape[k];
  }
  return o;
}

/* a converted to dtype (a itself when it has it), pushed on the stack. */
static ca_array *push_as(lua_State *L, int idx, ca_array *a, int dtype) {
  if (a->dtype == dtype) {
    lua_pushvalue(L, idx);
    return a;
  }
  ca_array *c = ca_new_like(L, a, dtype);
  ca_copy_into(L, c, a);
  return c;
}

/* An integer at stack index idx (a number with no fraction); 0 when it is not one. */
static int integer_at(lua_State *L, int idx, lua_Integer *out) {
  if (lua_type(L, idx) != LUA_TNUMBER) return 0;
  lua_Number v = lua_tonumber(L, idx);
  if (!(v >= -9.0e15 && v <= 9.0e15) || v != floor(v)) return 0;
  *out = (lua_Integer)v;
  return 1;
}

/* cu._fft(fname, x, kind, sign, axes, lengths, scale): fname the transform's name (messages
 * give it); kind "c2c", "r2c" or "c2r"; sign -1 (forward) or 1 (C2C only); axes 0-based,
 * distinct, in order; lengths the transform lengths (the real side's for r2c and c2r); x
 * already holds those lengths along axes (c2r: n // 2 + 1 along the last). Returns a new array
 * in x's axis order. The Lua layer checks the user's arguments; the checks here keep a direct
 * call from reading outside x. */
static int l_fft(lua_State *L) {
  static const char *const names[] = {"fft", "ifft", "rfft", "irfft", "hfft", "ihfft", "fft2",
                                      "ifft2", "rfft2", "irfft2", "fftn", "ifftn", "rfftn",
                                      "irfftn", NULL};
  static const char *const kinds[] = {"c2c", "r2c", "c2r", NULL};
  const char *fname = NULL, *s = lua_type(L, 1) == LUA_TSTRING ? lua_tostring(L, 1) : "";
  for (int k = 0; names[k]; k++)
    if (strcmp(s, names[k]) == 0) fname = names[k];
  if (!fname) return ca_raisef(L, "_fft: unknown transform '%s'", s);
  ca_array *x = ca_check_arg(L, 2, fname);
  int kind = -1;
  s = lua_type(L, 3) == LUA_TSTRING ? lua_tostring(L, 3) : "";
  for (int k = 0; kinds[k]; k++)
    if (strcmp(s, kinds[k]) == 0) kind = k;
  lua_Integer sign_in;
  if (kind < 0 || !integer_at(L, 4, &sign_in) || lua_type(L, 5) != LUA_TTABLE ||
      lua_type(L, 6) != LUA_TTABLE || lua_type(L, 7) != LUA_TNUMBER)
    return ca_raisef(L, "%s: expected (x, kind, sign, axes, lengths, scale)", fname);
  int sign = sign_in < 0 ? -1 : 1;
  double scale = lua_tonumber(L, 7);
  size_t naxes_raw = ca_rawlen(L, 5);
  int naxes = naxes_raw > CA_MAXDIMS ? CA_MAXDIMS + 1 : (int)naxes_raw;
  if (naxes < 1 || naxes > x->ndim || ca_rawlen(L, 6) != naxes_raw)
    return ca_raisef(L, "%s: %d axes for an array of %d dimensions", fname, naxes, x->ndim);
  int axes[CA_MAXDIMS], seen[CA_MAXDIMS] = {0};
  int64_t lengths[CA_MAXDIMS];
  for (int j = 0; j < naxes; j++) {
    lua_rawgeti(L, 5, j + 1);
    lua_rawgeti(L, 6, j + 1);
    lua_Integer ax = -1, n = 0;
    int ok = integer_at(L, -2, &ax) && integer_at(L, -1, &n);
    lua_pop(L, 2);
    if (!ok || ax < 0 || ax >= x->ndim || seen[ax] || n < 1)
      return ca_raisef(L, "%s: axis or length %d is not an axis or a length, or repeats", fname,
                       j + 1);
    seen[ax] = 1;
    axes[j] = (int)ax;
    lengths[j] = (int64_t)n;
  }
  /* x must hold what the transform reads: the backend reads exactly that much */
  for (int j = 0; j < naxes; j++) {
    int64_t want = kind == CA_FFT_C2R && j == naxes - 1 ? lengths[j] / 2 + 1 : lengths[j];
    if (x->shape[axes[j]] != want)
      return ca_raisef(L, "%s: x has %lld elements along axis %d, the transform reads %lld", fname,
                       (long long)x->shape[axes[j]], axes[j] + 1, (long long)want);
  }

  /* the precision: float32 (and float16, bfloat16) in complex64, everything else in complex128 */
  int c64 = complex_of(CA_FLOAT32), c128 = complex_of(CA_FLOAT64);
  if (c64 < 0 || c128 < 0) return ca_raisef(L, "%s: this build has no complex dtypes", fname);
  int cplx_in = x->dtype == c64 || x->dtype == c128;
  int real = (x->dtype == c64 || x->dtype == CA_FLOAT32 || x->dtype == CA_FLOAT16 ||
              x->dtype == CA_BFLOAT16) ? CA_FLOAT32 : CA_FLOAT64;
  int cdt = real == CA_FLOAT32 ? c64 : c128;
  if (kind == CA_FFT_R2C && cplx_in)
    return ca_raisef(L, "%s: x must be real, not %s", fname, ca_dtype_name(x->dtype));
  ca_array *a = push_as(L, 2, x, kind == CA_FFT_R2C ? real : cdt); /* stack 8 */

  /* The calls, each over at most CA_FFT_MAXRANK axes: for c2c and r2c from the end (the
   * first holds the last axis, the real one of r2c, alone where the backend asks for it; the
   * others are C2C); for c2r the leading axes first, as inverse C2C, then the C2R over the
   * last ones. */
  int lo[CA_MAXDIMS], hi[CA_MAXDIMS], kinds_of[CA_MAXDIMS], ncalls = 0;
  int split_real = kind == CA_FFT_R2C && naxes > 1 && ca_be(a)->fft_real_last_first;
  if (kind == CA_FFT_C2R) {
    int tail = naxes < CA_FFT_MAXRANK ? naxes : CA_FFT_MAXRANK;
    for (int j = 0; j < naxes - tail; j += CA_FFT_MAXRANK, ncalls++) {
      lo[ncalls] = j;
      hi[ncalls] = j + CA_FFT_MAXRANK < naxes - tail ? j + CA_FFT_MAXRANK : naxes - tail;
      kinds_of[ncalls] = CA_FFT_C2C;
    }
    lo[ncalls] = naxes - tail, hi[ncalls] = naxes, kinds_of[ncalls++] = CA_FFT_C2R;
  } else {
    int j = naxes;
    if (split_real) { /* the R2C over the last axis alone */
      hi[0] = naxes, lo[0] = naxes - 1, kinds_of[0] = CA_FFT_R2C;
      ncalls = 1, j = naxes - 1;
    }
    for (; j > 0; j -= CA_FFT_MAXRANK, ncalls++) {
      hi[ncalls] = j;
      lo[ncalls] = j > CA_FFT_MAXRANK ? j - CA_FFT_MAXRANK : 0;
      kinds_of[ncalls] = ncalls == 0 ? kind : CA_FFT_C2C;
    }
  }
  int last = axes[naxes - 1];
  int64_t n_last = lengths[naxes - 1];
  for (int c = 0; c < ncalls; c++) {
    int k = kinds_of[c];
    int64_t shape[CA_MAXDIMS];
    memcpy(shape, a->shape, sizeof shape);
    for (int j = lo[c]; j < hi[c]; j++) shape[axes[j]] = lengths[j];
    if (k == CA_FFT_R2C) shape[last] = n_last / 2 + 1;
    int rank = hi[c] - lo[c];
    ca_array *o = split_real && c > 0
                      ? new_axes_innermost(L, ca_be(a), cdt, a->ndim, shape, rank, axes + lo[c])
                      : ca_new(L, ca_be(a), k == CA_FFT_C2R ? real : cdt, a->ndim, shape);
    run_chunk(L, fname, a, o, k, kind == CA_FFT_C2C ? sign : kind == CA_FFT_R2C ? -1 : 1, real,
              rank, axes + lo[c], lengths + lo[c], c == ncalls - 1 ? scale : 1.0);
    if (c > 0) ca_array_release(a); /* the last call's result, which nothing else holds */
    lua_replace(L, 8); /* the result is the next call's input */
    a = o;
  }
  lua_settop(L, 8);
  return 1;
}

void ca_open_fft(lua_State *L) {
  static const luaL_Reg funcs[] = {{"_fft", l_fft}, {NULL, NULL}};
  ca_register(L, funcs, NULL);
}
