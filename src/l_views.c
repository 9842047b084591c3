/* Views that need C: a bounds-checked strided view of an array's storage (as_strided, which
 * the Lua layer's diagonal and sliding windows are made of), a reinterpretation of the bytes
 * as another dtype (a:view(dtype)), and whether two arrays share memory.
 *
 * Strides count elements, as everywhere in the core (a.strides). */
#include <stdlib.h>
#include <string.h>
#include "core.h"

/* The lowest and highest element offsets (from the storage's start) a view with this offset,
 * shape and strides reaches; 0 when it has no elements or the span overflows int64. */
static int view_extent(int64_t offset, int nd, const int64_t *shape, const int64_t *strides,
                       int64_t *lo, int64_t *hi) {
  int64_t l = offset, h = offset;
  for (int i = 0; i < nd; i++) {
    if (shape[i] == 0) return 0;
    int64_t span;
    if (__builtin_mul_overflow(shape[i] - 1, strides[i], &span)) return -1;
    if (span < 0 && __builtin_add_overflow(l, span, &l)) return -1;
    if (span > 0 && __builtin_add_overflow(h, span, &h)) return -1;
  }
  *lo = l;
  *hi = h;
  return 1;
}

/* Whether two different index tuples can reach one element: proven not when, taking the axes
 * by growing |stride|, each stride steps over everything the smaller ones reach. */
static int may_alias_itself(int nd, const int64_t *shape, const int64_t *strides) {
  int order[CA_MAXDIMS], n = 0;
  for (int i = 0; i < nd; i++) {
    if (shape[i] == 0) return 0;
    if (shape[i] > 1) order[n++] = i;
  }
  for (int i = 1; i < n; i++) /* insertion sort by |stride| */
    for (int j = i; j > 0 && llabs(strides[order[j]]) < llabs(strides[order[j - 1]]); j--) {
      int t = order[j]; order[j] = order[j - 1]; order[j - 1] = t;
    }
  int64_t reach = 0; /* the largest distance the axes so far span */
  for (int k = 0; k < n; k++) {
    int64_t s = llabs(strides[order[k]]);
    if (s <= reach) return 1;
    reach += s * (shape[order[k]] - 1); /* no overflow: view_extent bounded the spans */
  }
  return 0;
}

static int read_int_list(lua_State *L, int idx, int64_t *out, const char *fname, const char *what) {
  if (!lua_istable(L, idx))
    ca_raisef(L, "%s: %s must be a table of integers, got %s", fname, what, luaL_typename(L, idx));
  int n = (int)ca_rawlen(L, idx);
  if (n > CA_MAXDIMS) ca_raisef(L, "%s: too many dimensions (%d; at most %d)", fname, n, CA_MAXDIMS);
  for (int i = 0; i < n; i++) {
    lua_rawgeti(L, idx, i + 1);
    if (!ca_tointeger(L, -1, &out[i]))
      ca_raisef(L, "%s: %s entry %d must be an integer, got %s", fname, what, i + 1,
                lua_type(L, -1) == LUA_TNUMBER ? lua_tostring(L, -1) : luaL_typename(L, -1));
    lua_pop(L, 1);
  }
  return n;
}

/* cu._as_strided(a, shape, strides, offset, fname[, readonly]): the view of a's storage whose
 * element [i1, ..., in] is the element offset + sum((ik - 1) * strides[k]) counted from a's
 * first element. Raises when the view would reach outside the storage. The view is read-only
 * when asked, when a is, or when two of its index tuples may reach one element. */
static int l_as_strided(lua_State *L) {
  const char *fname = ca_caller_name(L, 5, "as_strided");
  ca_array *a = ca_check_arg(L, 1, fname);
  int64_t shape[CA_MAXDIMS], strides[CA_MAXDIMS], offset = 0;
  int nd = ca_read_shape(L, 2, shape, fname);
  int ns = read_int_list(L, 3, strides, fname, "strides");
  if (ns != nd)
    return ca_raisef(L, "%s: strides has %d entries for a shape of %d dimensions", fname, ns, nd);
  if (!lua_isnoneornil(L, 4) && !ca_tointeger(L, 4, &offset))
    return ca_raisef(L, "%s: offset must be an integer", fname);
  int asked_readonly = lua_toboolean(L, 6);
  ca_shape_size(L, nd, shape);
  int64_t start, lo, hi;
  int64_t capacity = (int64_t)(a->storage->nbytes / ca_itemsize(a->dtype));
  int r = __builtin_add_overflow(a->offset, offset, &start) ? -1
          : view_extent(start, nd, shape, strides, &lo, &hi);
  if (r < 0 || (r > 0 && (lo < 0 || hi >= capacity))) {
    char s[256];
    ca_format_shape(s, sizeof s, nd, shape);
    return ca_raisef(L, "%s: a view of shape %s with these strides reaches outside the array's "
                     "memory (%lld elements)", fname, s, (long long)capacity);
  }
  ca_array *v = ca_view(L, a);
  v->ndim = nd;
  v->offset = r > 0 ? start : a->offset;
  memcpy(v->shape, shape, sizeof(int64_t) * (size_t)nd);
  memcpy(v->strides, strides, sizeof(int64_t) * (size_t)nd);
  v->size = ca_shape_size(L, nd, shape);
  v->readonly = asked_readonly || a->readonly || may_alias_itself(nd, shape, strides);
  return 1;
}

/* a:view(dtype): the same bytes read as another dtype. Of the same item size, the same shape
 * and strides; else, as NumPy, the last axis must be contiguous and its bytes divide into the
 * new items, which changes its length; the other strides and the offset must be whole new
 * items. */
static int arr_view(lua_State *L) {
  ca_array *a = ca_check_arg(L, 1, "view");
  int dt = ca_check_dtype(L, 2, "view");
  int64_t olds = (int64_t)ca_itemsize(a->dtype), news = (int64_t)ca_itemsize(dt);
  if (olds == news) {
    ca_array *v = ca_view(L, a);
    v->dtype = dt;
    return 1;
  }
  if (a->ndim == 0)
    return ca_raisef(L, "view: a 0-d array of %s cannot be viewed as %s (the item sizes "
                     "differ)", ca_dtype_name(a->dtype), ca_dtype_name(dt));
  int last = a->ndim - 1;
  if (a->shape[last] != 1 && a->strides[last] != 1)
    return ca_raisef(L, "view: to change the item size (%s to %s) the last axis must be "
                     "contiguous", ca_dtype_name(a->dtype), ca_dtype_name(dt));
  int64_t bytes = a->shape[last] * olds;
  if (bytes % news != 0)
    return ca_raisef(L, "view: the last axis of %lld bytes (%lld x %s) does not divide into "
                     "%s items", (long long)bytes, (long long)a->shape[last],
                     ca_dtype_name(a->dtype), ca_dtype_name(dt));
  for (int i = 0; i < last; i++)
    if (a->shape[i] > 1 && (a->strides[i] * olds) % news != 0)
      return ca_raisef(L, "view: axis %d's stride (%lld bytes) is not a whole number of %s "
                       "items", i + 1, (long long)(a->strides[i] * olds), ca_dtype_name(dt));
  if ((a->offset * olds) % news != 0)
    return ca_raisef(L, "view: the array does not start on a %s item boundary",
                     ca_dtype_name(dt));
  ca_array *v = ca_view(L, a);
  v->dtype = dt;
  v->offset = a->offset * olds / news;
  for (int i = 0; i < last; i++) v->strides[i] = a->shape[i] > 1 ? a->strides[i] * olds / news : 0;
  v->shape[last] = bytes / news;
  v->strides[last] = 1;
  v->size = ca_shape_size(L, a->ndim, v->shape);
  return 1;
}

/* ---- shared memory ---------------------------------------------------------------------- */

/* The lowest byte address of a's elements and one past the highest (a->size > 0). */
static void byte_bounds(const ca_array *a, uintptr_t *lo, uintptr_t *hi) {
  int64_t l = 0, h = 0, isz = (int64_t)ca_itemsize(a->dtype);
  for (int i = 0; i < a->ndim; i++) {
    int64_t span = (a->shape[i] - 1) * a->strides[i];
    if (span < 0) l += span; else h += span;
  }
  uintptr_t base = (uintptr_t)ca_data(a);
  *lo = base + (uintptr_t)(l * isz);
  *hi = base + (uintptr_t)((h + 1) * isz);
}

/* Whether the byte ranges of a and b on one device meet: NumPy's may_share_memory. */
static int bounds_meet(const ca_array *a, const ca_array *b) {
  if (a->size == 0 || b->size == 0 || ca_be(a) != ca_be(b)) return 0;
  uintptr_t alo, ahi, blo, bhi;
  byte_bounds(a, &alo, &ahi);
  byte_bounds(b, &blo, &bhi);
  return alo < bhi && blo < ahi;
}

/* Calls fn on the byte offset (from ca_data) of every element of a. */
static void each_offset(const ca_array *a, void (*fn)(void *ctx, int64_t off), void *ctx) {
  int64_t idx[CA_MAXDIMS] = {0}, off = 0, isz = (int64_t)ca_itemsize(a->dtype);
  for (int64_t n = 0; n < a->size; n++) {
    fn(ctx, off * isz);
    for (int d = a->ndim - 1; d >= 0; d--) {
      if (++idx[d] < a->shape[d]) { off += a->strides[d]; break; }
      off -= (a->shape[d] - 1) * a->strides[d];
      idx[d] = 0;
    }
  }
}

struct collect { int64_t *offs; int64_t n; };
static void collect_one(void *ctx, int64_t off) {
  struct collect *c = (struct collect *)ctx;
  c->offs[c->n++] = off;
}

static int cmp_int64(const void *x, const void *y) {
  int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
  return (a > b) - (a < b);
}

/* Looks up each element of the second array among the first's sorted element starts. */
struct probe { const int64_t *starts; int64_t n, isz_a, isz_b, shift; int found; };
static void probe_one(void *ctx, int64_t off) {
  struct probe *p = (struct probe *)ctx;
  if (p->found) return;
  int64_t b = off + p->shift, last = b + p->isz_b - 1;
  int64_t lo = 0, hi = p->n; /* the first start > last */
  while (lo < hi) {
    int64_t mid = lo + (hi - lo) / 2;
    if (p->starts[mid] <= last) lo = mid + 1; else hi = mid;
  }
  if (lo > 0 && p->starts[lo - 1] + p->isz_a > b) p->found = 1;
}

/* The most elements shares_memory lists to decide exactly (8 bytes each). */
#define SHARES_MAX_ELEMENTS ((int64_t)1 << 27)

/* cu.shares_memory(a, b): whether some byte belongs to an element of both, decided exactly
 * (NumPy's shares_memory) by listing the smaller array's elements. */
static int l_shares_memory(lua_State *L) {
  ca_array *a = ca_check_arg(L, 1, "shares_memory");
  ca_array *b = ca_check_arg(L, 2, "shares_memory");
  if (!bounds_meet(a, b)) { lua_pushboolean(L, 0); return 1; }
  if (b->size < a->size) { ca_array *t = a; a = b; b = t; }
  if (a->size > SHARES_MAX_ELEMENTS)
    return ca_raisef(L, "shares_memory: both arrays have more than %lld elements, too many to "
                     "decide exactly; may_share_memory tells whether their bounds meet",
                     (long long)SHARES_MAX_ELEMENTS);
  struct collect c = {(int64_t *)ca_newuserdata(L, (size_t)a->size * sizeof(int64_t)), 0};
  each_offset(a, collect_one, &c);
  qsort(c.offs, (size_t)c.n, sizeof(int64_t), cmp_int64);
  struct probe p = {c.offs, c.n, (int64_t)ca_itemsize(a->dtype), (int64_t)ca_itemsize(b->dtype),
                    (int64_t)((uintptr_t)ca_data(b) - (uintptr_t)ca_data(a)), 0};
  each_offset(b, probe_one, &p);
  lua_pushboolean(L, p.found);
  return 1;
}

/* cu.may_share_memory(a, b): whether the byte ranges the two arrays span on one device meet
 * (NumPy's may_share_memory): false means they share nothing. */
static int l_may_share_memory(lua_State *L) {
  ca_array *a = ca_check_arg(L, 1, "may_share_memory");
  ca_array *b = ca_check_arg(L, 2, "may_share_memory");
  lua_pushboolean(L, bounds_meet(a, b));
  return 1;
}

static const luaL_Reg funcs[] = {
  {"_as_strided", l_as_strided}, {"shares_memory", l_shares_memory},
  {"may_share_memory", l_may_share_memory}, {NULL, NULL}
};

static const luaL_Reg methods[] = {{"view", arr_view}, {NULL, NULL}};

void ca_open_views(lua_State *L) { ca_register(L, funcs, methods); }
