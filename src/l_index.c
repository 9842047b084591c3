/* Indexing and assignment with Lua conventions (a[key], a[key] = value), and take, nonzero,
 * flatnonzero, argwhere and the cu.newaxis sentinel.
 *
 * A key is one entry, or a table of entries, one per axis (missing trailing entries are whole
 * axes):
 *   i               an integer (1-based, negative from the end): selects, drops the axis
 *   {s, e[, step]}  an inclusive range, clipped as NumPy slices (past the end is empty);
 *                   {} is the whole axis, {s} the one element s kept as an axis (Torch's
 *                   narrow), a nil s or e runs to the end in the step's direction ({s, nil}
 *                   is {s} to Lua, so "from s to the end" is {s, nil, 1} or {s, -1})
 *   cu.newaxis      a new axis of size 1
 *   "..."           as many whole axes as needed (NumPy's Ellipsis; inside a table only,
 *                   since a string key a["..."] is an attribute lookup)
 *   integer array   an advanced index (1-based, negative from the end)
 *   bool array      a mask over as many axes as it has dims (its nonzero coordinates)
 * A table inside the key is always a range, never a list: an index list is an array
 * (cu.array{1, 3}). Integers and ranges alone give views; any array entry gives a copy,
 * with NumPy's placement of the broadcast index dims (in place when the advanced entries,
 * integers included, are adjacent, else first). A result of one element reached by integers
 * alone, or a 0-d advanced result without "...", is a Lua number (boolean for bool arrays).
 *
 * Advanced indexing runs on the array's device. Two keys go direct: one integer array alone
 * (integers and ranges aside) is read and written by be->gather_index / be->scatter_index,
 * which turn each index into its offset as they move the element; one mask alone is read by
 * be->count_true then be->compress (the selected elements, in C order, written in one pass)
 * and assigned a Lua scalar by be->where. Any other key: be->index_offsets turns each index
 * array into element offsets (accumulated over the index arrays), be->gather / be->scatter
 * move the elements, and be->nonzero turns a mask into coordinates after be->count_true
 * counted them. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "convert.h"
#include "core.h"

#define NEWAXIS_MT "cuarray.newaxis"
#define MAXENT (2 * CA_MAXDIMS + 1) /* entries a key may have */

/* ---- the key ---------------------------------------------------------------------------- */

enum { K_INT, K_RANGE, K_NEW, K_ELLIPSIS, K_ADV, K_MASK, K_BAD };

/* The selection a key makes of an array: the basic part as a view (not a userdata: it
 * borrows the array's storage) and the advanced indices. */
typedef struct sel {
  ca_backend *be;                 /* the array's device */
  ca_array view;                  /* integers, ranges, newaxis applied; index dims removed */
  int scalar;                     /* every axis taken by a plain integer: one element */
  int ellipsis;                   /* the key has "...": a 0-d result stays an array */
  int nadv;                       /* advanced index arrays (a mask gives one per axis) */
  const ca_array *adv[CA_MAXDIMS];
  int64_t adv_size[CA_MAXDIMS];   /* the indexed axis: size and stride in elements */
  int64_t adv_stride[CA_MAXDIMS];
  int adv_axis[CA_MAXDIMS];       /* 0-based axis of the source, for messages */
  ca_array cols[CA_MAXDIMS];      /* mask coordinates, one column per axis */
  int nmask;
  const ca_array *mask[CA_MAXDIMS];
  int mask_adv[CA_MAXDIMS];       /* first adv slot of each mask */
  int mask_pos[CA_MAXDIMS];       /* the view's dims before each mask's place */
  int first;                      /* where the index dims go among the view's dims */
  int nb;                         /* the broadcast shape of the index arrays */
  int64_t bshape[CA_MAXDIMS];
  int nr;                         /* the selection's shape: the view's dims with bshape */
  int64_t rshape[CA_MAXDIMS];
} sel;

static int is_newaxis(lua_State *L, int idx) {
  return lua_type(L, idx) == LUA_TUSERDATA && ca_testudata(L, idx, NEWAXIS_MT) != NULL;
}

static void push_entry(lua_State *L, int ki, int is_table, int p) {
  if (is_table) lua_rawgeti(L, ki, p);
  else lua_pushvalue(L, ki);
}

static int classify(lua_State *L, int idx, const ca_array **arr) {
  *arr = NULL;
  switch (lua_type(L, idx)) {
  case LUA_TNUMBER: return K_INT;
  case LUA_TTABLE: return K_RANGE;
  case LUA_TSTRING: return strcmp(lua_tostring(L, idx), "...") == 0 ? K_ELLIPSIS : K_BAD;
  case LUA_TUSERDATA: {
    if (is_newaxis(L, idx)) return K_NEW;
    const ca_array *a = ca_test(L, idx);
    if (!a || !a->storage) return K_BAD;
    *arr = a;
    if (a->dtype == CA_BOOL) return K_MASK;
    return ca_is_integer(a->dtype) ? K_ADV : K_BAD;
  }
  default: return K_BAD;
  }
}

/* Raises for an entry that is no index (the value at idx), naming the axis. */
static int bad_entry(lua_State *L, int idx, int axis, const char *pre) {
  const ca_array *a = ca_test(L, idx);
  if (a && !a->storage) return ca_raisef(L, "%sindex on axis %d: the array has been freed", pre, axis);
  if (a)
    return ca_raisef(L, "%sarrays used as indices must be of integer or boolean type, got %s "
                      "(axis %d)", pre, ca_dtype_name(a->dtype), axis);
  if (lua_type(L, idx) == LUA_TSTRING)
    return ca_raisef(L, "%sinvalid index '%s' on axis %d (the only string index is \"...\")",
                      pre, lua_tostring(L, idx), axis);
  return ca_raisef(L, "%sinvalid index on axis %d: expected an integer, a range {start, stop"
                    "[, step]}, cu.newaxis, \"...\" or an integer or boolean array, got %s",
                    pre, axis, luaL_typename(L, idx));
}

/* An integer index i of an axis of size n, 0-based; raises naming the axis. */
static int64_t norm_index(lua_State *L, int idx, int axis, int64_t n, const char *pre) {
  int64_t i = 0;
  if (!ca_tointeger(L, idx, &i))
    ca_raisef(L, "%sindex %s on axis %d is not an integer", pre, lua_tostring(L, idx), axis);
  if (i >= 1 && i <= n) return i - 1;
  if (i <= -1 && i >= -n) return n + i;
  if (i == 0) ca_raisef(L, "%sindex 0 is invalid: indices start at 1 (axis %d)", pre, axis);
  ca_raisef(L, "%sindex %lld is out of bounds for axis %d with size %lld", pre, (long long)i,
             axis, (long long)n);
  return 0;
}

/* A range entry (the table at idx) over an axis of size n: 0-based start, length, step. */
static void read_range(lua_State *L, int idx, int axis, int64_t n, int64_t *start, int64_t *len,
                       int64_t *step, const char *pre) {
  static const char *const part[3] = {"start", "stop", "step"};
  int64_t r[3] = {0, 0, 1};
  int has[3];
  size_t rl = ca_rawlen(L, idx);
  if (rl > 3)
    ca_raisef(L, "%sindex range on axis %d has %d entries: a range is {start, stop[, step]} (for a "
               "list of indices use an integer array, cu.array{...})", pre, axis, (int)rl);
  for (int k = 0; k < 3; k++) {
    lua_rawgeti(L, idx, k + 1);
    has[k] = !lua_isnil(L, -1);
    if (has[k] && !ca_tointeger(L, -1, &r[k]))
      ca_raisef(L, "%sindex range on axis %d: %s must be an integer, got %s", pre, axis, part[k],
                 lua_type(L, -1) == LUA_TNUMBER ? lua_tostring(L, -1) : luaL_typename(L, -1));
    lua_pop(L, 1);
    if (has[k] && k < 2 && r[k] == 0)
      ca_raisef(L, "%sindex 0 is invalid: indices start at 1 (range %s on axis %d)", pre,
                 part[k], axis);
  }
  if (has[2] && r[2] == 0) ca_raisef(L, "%sindex range on axis %d: step cannot be zero", pre, axis);
  if (has[0] && !has[1] && !has[2]) { /* {s}: the one element s, kept as an axis */
    has[1] = 1;
    r[1] = r[0];
  }
  int64_t st = r[2], s0, e0;
#define POS0(k) ((k) > 0 ? (k) - 1 : n + (k))
  if (st > 0) {
    s0 = has[0] ? POS0(r[0]) : 0;
    e0 = has[1] ? POS0(r[1]) : n - 1;
    if (s0 < 0) s0 = 0;
    if (e0 > n - 1) e0 = n - 1;
    *len = e0 >= s0 ? (e0 - s0) / st + 1 : 0;
  } else {
    s0 = has[0] ? POS0(r[0]) : n - 1;
    e0 = has[1] ? POS0(r[1]) : 0;
    if (s0 > n - 1) s0 = n - 1;
    if (e0 < 0) e0 = 0;
    *len = s0 >= e0 ? (st == INT64_MIN ? 1 : (s0 - e0) / -st + 1) : 0;
  }
#undef POS0
  *start = s0;
  *step = st;
}

static void add_dim(lua_State *L, ca_array *v, int64_t size, int64_t stride, const char *pre) {
  if (v->ndim >= CA_MAXDIMS)
    ca_raisef(L, "%sthe index gives too many dimensions (at most %d)", pre, CA_MAXDIMS);
  v->shape[v->ndim] = size;
  v->strides[v->ndim] = stride;
  v->ndim++;
}

static void add_adv(sel *s, const ca_array *idx, int64_t size, int64_t stride, int axis) {
  s->adv[s->nadv] = idx;
  s->adv_size[s->nadv] = size;
  s->adv_stride[s->nadv] = stride;
  s->adv_axis[s->nadv] = axis;
  s->nadv++;
}

static void check_same_device(lua_State *L, const ca_array *a, const ca_array *idx, int axis,
                              const char *pre) {
  if (ca_be(idx) != ca_be(a))
    ca_raisef(L, "%sthe index array for axis %d is on %s but the array is on %s", pre, axis,
               ca_be(idx)->name, ca_be(a)->name);
}

static void fmt_shape(char *buf, size_t len, const ca_array *a) {
  ca_format_shape(buf, len, a->ndim, a->shape);
}

/* Reads the key at ki for array a into s: checks every entry, and builds the basic view.
 * Allocates nothing. */
static void read_key(lua_State *L, const ca_array *a, int ki, sel *s, const char *pre) {
  int kind[MAXENT];
  const ca_array *arr[MAXENT];
  int is_table = lua_type(L, ki) == LUA_TTABLE && !is_newaxis(L, ki);
  int n = is_table ? (int)ca_rawlen(L, ki) : 1;
  if (!is_table && lua_isnil(L, ki)) ca_raisef(L, "%sindex is nil", pre);
  if (n > MAXENT) ca_raisef(L, "%stoo many indices for array: array is %d-dimensional, but %d "
                             "were indexed", pre, a->ndim, n);
  int consumed = 0, ellipsis = 0, has_adv = 0;
  luaL_checkstack(L, n + 8, "index");
  for (int p = 0; p < n; p++) {
    push_entry(L, ki, is_table, p + 1);
    kind[p] = classify(L, -1, &arr[p]);
    /* Index arrays stay on the stack: Lua code run by the operation (a finalizer) may take
     * them out of the key table. */
    if (kind[p] != K_ADV && kind[p] != K_MASK) lua_pop(L, 1);
    switch (kind[p]) {
    case K_NEW: break;
    case K_ELLIPSIS:
      if (ellipsis++) ca_raisef(L, "%san index can only have a single ellipsis (\"...\")", pre);
      break;
    case K_MASK:
      if (arr[p]->ndim == 0)
        ca_raisef(L, "%sa 0-d boolean array is not supported as an index", pre);
      consumed += arr[p]->ndim;
      has_adv = 1;
      break;
    case K_ADV: has_adv = 1; consumed++; break;
    default: consumed++; break;
    }
  }
  if (consumed > a->ndim)
    ca_raisef(L, "%stoo many indices for array: array is %d-dimensional, but %d were indexed",
               pre, a->ndim, consumed);

  memset(s, 0, offsetof(sel, cols));
  s->nmask = 0;
  s->be = ca_be(a);
  s->view = *a;
  s->view.ndim = 0;
  int ax = 0, nint = 0, tok = 0, first_tok = -1, last_tok = -1, nadvtok = 0, pre_dims = 0;
  for (int p = 0; p < n; p++) {
    int k = kind[p];
    int64_t size = ax < a->ndim ? a->shape[ax] : 0, stride = ax < a->ndim ? a->strides[ax] : 0;
    tok++; /* any non-advanced entry separates advanced ones, even "..." for no axes */
    if (k == K_ADV || k == K_MASK || (k == K_INT && has_adv)) {
      if (first_tok < 0) {
        first_tok = tok;
        pre_dims = s->view.ndim;
      }
      last_tok = tok;
      nadvtok++;
    }
    push_entry(L, ki, is_table, p + 1);
    switch (k) {
    case K_INT:
      s->view.offset += norm_index(L, -1, ax + 1, size, pre) * stride;
      nint++;
      ax++;
      break;
    case K_RANGE: {
      int64_t start, len, step;
      read_range(L, lua_gettop(L), ax + 1, size, &start, &len, &step, pre);
      if (len > 0) s->view.offset += start * stride;
      add_dim(L, &s->view, len, len > 1 ? stride * step : stride, pre); /* (len - 1) * step fits */
      ax++;
      break;
    }
    case K_NEW: add_dim(L, &s->view, 1, 0, pre); break;
    case K_ELLIPSIS:
      for (int j = 0; j < a->ndim - consumed; j++, ax++)
        add_dim(L, &s->view, a->shape[ax], a->strides[ax], pre);
      break;
    case K_ADV:
      check_same_device(L, a, arr[p], ax + 1, pre);
      add_adv(s, arr[p], size, stride, ax);
      ax++;
      break;
    case K_MASK: {
      const ca_array *m = arr[p];
      check_same_device(L, a, m, ax + 1, pre);
      for (int j = 0; j < m->ndim; j++) {
        if (m->shape[j] == a->shape[ax + j]) continue;
        char s1[256], s2[256];
        fmt_shape(s1, sizeof s1, m);
        fmt_shape(s2, sizeof s2, a);
        ca_raisef(L, "%sboolean index of shape %s does not match the indexed array of shape %s "
                   "(axis %d has size %lld but the mask has %lld)", pre, s1, s2, ax + j + 1,
                   (long long)a->shape[ax + j], (long long)m->shape[j]);
      }
      s->mask[s->nmask] = m;
      s->mask_adv[s->nmask] = s->nadv;
      s->mask_pos[s->nmask] = s->view.ndim;
      s->nmask++;
      for (int j = 0; j < m->ndim; j++, ax++) add_adv(s, NULL, a->shape[ax], a->strides[ax], ax);
      break;
    }
    default:
      bad_entry(L, -1, ax + 1, pre);
    }
    lua_pop(L, 1);
  }
  for (; ax < a->ndim; ax++) add_dim(L, &s->view, a->shape[ax], a->strides[ax], pre);
  s->view.size = 1;
  for (int i = 0; i < s->view.ndim; i++) s->view.size *= s->view.shape[i];
  s->scalar = !has_adv && !ellipsis && nint == a->ndim && nint == n;
  s->ellipsis = ellipsis;
  s->first = (last_tok - first_tok + 1 == nadvtok) ? pre_dims : 0;
}

/* Leaves the value on top of the stack at top + 1, dropping whatever lies between. */
static void keep_top(lua_State *L, int top) {
  if (lua_gettop(L) <= top + 1) return;
  lua_replace(L, top + 1);
  lua_settop(L, top + 1);
}

/* ---- masks and nonzero ------------------------------------------------------------------ */

/* a as a C-contiguous bool array: a itself, or a truth copy pushed on the stack. */
static const ca_array *push_truth(lua_State *L, const ca_array *a) {
  if (a->dtype == CA_BOOL && ca_is_contiguous(a)) return a;
  ca_array *t = ca_new(L, ca_be(a), CA_BOOL, a->ndim, a->shape);
  ca_copy_into(L, t, a);
  return t;
}

/* The true elements of m, a C-contiguous bool array (on a GPU: one small read). */
static int64_t count_true(lua_State *L, const ca_array *m, const char *fname) {
  int64_t count = 0;
  if (m->size == 0) return 0;
  ca_check_live(L, m, fname);
  ca_backend *be = ca_be(m);
  CA_CHECK(L, be, be->count_true(be, ca_data(m), m->size, &count), fname);
  return count;
}

/* Pushes the 1-based coordinates of the nonzero elements of a as an int64 (count, nd) array,
 * where nd is a's ndim, or 1 with `flat` (positions in the flattened array). */
static ca_array *push_coords(lua_State *L, const ca_array *a, int flat, const char *fname) {
  ca_backend *be = ca_be(a);
  int top = lua_gettop(L);
  const ca_array *m = push_truth(L, a);
  int64_t count = count_true(L, m, fname);
  int nd = flat ? 1 : a->ndim;
  int64_t shape[2] = {count, nd};
  ca_array *out = ca_new(L, be, CA_INT64, 2, shape);
  ca_check_live(L, m, fname);
  if (count > 0) {
    ca_loop l;
    memset(&l, 0, sizeof l);
    l.nop = 2;
    l.compute = CA_BOOL;
    l.size = m->size;
    l.ndim = nd;
    if (flat) {
      l.shape[0] = m->size;
      l.op[1].strides[0] = 1;
    } else {
      memcpy(l.shape, m->shape, sizeof(int64_t) * (size_t)nd);
      ca_array tmp = *m;
      ca_set_contiguous_strides(&tmp);
      memcpy(l.op[1].strides, tmp.strides, sizeof(int64_t) * (size_t)nd);
    }
    l.op[0].data = ca_data(out);
    l.op[0].dtype = CA_INT64;
    l.op[1].data = ca_data(m);
    l.op[1].dtype = CA_BOOL;
    CA_CHECK(L, be, be->nonzero(be, &l, count), fname);
  }
  keep_top(L, top);
  return out;
}

/* Column j of a (count, nd) coordinates array, as a 1-d view (not a userdata). */
static void coord_column(ca_array *col, const ca_array *coords, int j) {
  *col = *coords;
  col->ndim = 1;
  col->shape[0] = coords->shape[0];
  col->strides[0] = coords->shape[1];
  col->offset = coords->offset + j;
  col->size = coords->shape[0];
}

/* ---- advanced indexing ------------------------------------------------------------------ */

/* Turns the masks into coordinates (pushing one array per mask), broadcasts the index arrays
 * and sets the selection's shape. */
static void resolve_adv(lua_State *L, sel *s, const char *pre) {
  for (int k = 0; k < s->nmask; k++) {
    const ca_array *m = s->mask[k];
    ca_array *c = push_coords(L, m, 0, "boolean index");
    for (int j = 0; j < m->ndim; j++) {
      coord_column(&s->cols[s->mask_adv[k] + j], c, j);
      s->adv[s->mask_adv[k] + j] = &s->cols[s->mask_adv[k] + j];
    }
  }
  int nb = 0;
  for (int k = 0; k < s->nadv; k++)
    if (s->adv[k]->ndim > nb) nb = s->adv[k]->ndim;
  for (int i = 0; i < nb; i++) s->bshape[i] = 1;
  for (int k = 0; k < s->nadv; k++) {
    const ca_array *x = s->adv[k];
    for (int j = 0; j < x->ndim; j++) {
      int i = nb - x->ndim + j;
      if (x->shape[j] == s->bshape[i] || x->shape[j] == 1) continue;
      if (s->bshape[i] == 1) { s->bshape[i] = x->shape[j]; continue; }
      char msg[1024];
      size_t len = 0;
      for (int q = 0; q < s->nadv && len < sizeof msg - 1; q++) {
        char one[256];
        fmt_shape(one, sizeof one, s->adv[q]);
        len += (size_t)snprintf(msg + len, sizeof msg - len, "%s%s", q ? " " : "", one);
      }
      ca_raisef(L, "%sshape mismatch: indexing arrays could not be broadcast together with "
                 "shapes %s", pre, msg);
    }
  }
  s->nb = nb;
  if (s->view.ndim + nb > CA_MAXDIMS)
    ca_raisef(L, "%sthe index gives too many dimensions (at most %d)", pre, CA_MAXDIMS);
  s->nr = s->view.ndim + nb;
  for (int i = 0, q = 0; i < s->nr; i++) {
    if (i >= s->first && i < s->first + nb) s->rshape[i] = s->bshape[i - s->first];
    else s->rshape[i] = s->view.shape[q++];
  }
}

/* Raises for the out-of-range index `bad` of the index array in adv slot k. */
static void raise_bad_index(lua_State *L, const sel *s, int k, int64_t bad, const char *pre) {
  if (bad == 0)
    ca_raisef(L, "%sindex 0 is invalid: indices start at 1 (axis %d)", pre, s->adv_axis[k] + 1);
  ca_raisef(L, "%sindex %lld is out of bounds for axis %d with size %lld", pre, (long long)bad,
             s->adv_axis[k] + 1, (long long)s->adv_size[k]);
}

/* A key whose only advanced entry is one integer array, which selects something or nothing
 * at all: the gather_index and scatter_index entries take it without an offsets array (when
 * the selection is empty but the index is not, push_offsets still checks the index). */
static int single_index(const sel *s) {
  if (s->nadv != 1 || s->nmask != 0) return 0;
  int64_t n = 1;
  for (int i = 0; i < s->nr; i++) n *= s->rshape[i];
  return n > 0 || s->adv[0]->size == 0;
}

/* A key whose only advanced entries are one mask's (integers aside, which only move the
 * view's offset). */
static int single_mask(const sel *s) {
  return s->nmask == 1 && s->nadv == s->mask[0]->ndim;
}

/* For a single_mask key: `full`, the view with the mask's axes back in their place (the
 * elements the mask covers), and `flags`, the mask m (of the mask's shape) seen through it. */
static void mask_operands(const sel *s, const ca_array *m, ca_array *full, ca_array *flags) {
  int at = s->mask_pos[0], k0 = s->mask_adv[0], mnd = m->ndim;
  *full = s->view;
  *flags = *m;
  full->ndim = flags->ndim = s->view.ndim + mnd;
  for (int i = 0, q = 0; i < full->ndim; i++) {
    if (i >= at && i < at + mnd) {
      full->shape[i] = s->adv_size[k0 + i - at];
      full->strides[i] = s->adv_stride[k0 + i - at];
      flags->strides[i] = m->strides[i - at];
    } else {
      full->shape[i] = s->view.shape[q];
      full->strides[i] = s->view.strides[q++];
      flags->strides[i] = 0;
    }
    flags->shape[i] = full->shape[i];
  }
  full->size = flags->size = s->view.size * m->size;
}

/* Pushes the int64 element offsets (of shape bshape) of every index position. */
static ca_array *push_offsets(lua_State *L, const sel *s, const char *pre) {
  ca_backend *be = s->be;
  ca_array *offs = ca_new(L, be, CA_INT64, s->nb, s->bshape);
  for (int k = 0; k < s->nadv; k++) {
    ca_check_live(L, s->adv[k], "indexing");
    ca_loop l;
    ca_array *ops[2] = {offs, (ca_array *)s->adv[k]};
    int top = lua_gettop(L);
    if (offs->size == 0) {
      /* Nothing is selected, but every index must still be valid (NumPy checks 0-d index
       * arrays, integers to it, and skips the others: an invalid index is a bug either way) */
      if (s->adv[k]->size == 0) continue;
      ca_array *scratch = ca_new(L, be, CA_INT64, s->adv[k]->ndim, s->adv[k]->shape);
      ca_check_live(L, s->adv[k], "indexing");
      ops[0] = scratch;
      ca_loop_build(&l, scratch->ndim, scratch->shape, 2, ops, NULL, NULL, CA_INT64);
    } else {
      ca_loop_build(&l, s->nb, s->bshape, 2, ops, NULL, NULL, CA_INT64);
    }
    int64_t bad = 0;
    be->errmsg[0] = 0;
    ca_status st = be->index_offsets(be, &l, s->adv_size[k], s->adv_stride[k],
                                     k > 0 && offs->size > 0, &bad);
    if (st == CA_ERR_INDEX) raise_bad_index(L, s, k, bad, pre);
    CA_CHECK(L, be, st, "indexing");
    lua_settop(L, top);
  }
  return offs;
}

/* Views over the selection's shape: `base` walks the view's dims (0 on the index dims),
 * `idx` walks the offsets over the index dims (0 elsewhere). */
static void sel_operands(const sel *s, const ca_array *offs, ca_array *base, ca_array *idx) {
  *base = s->view;
  *idx = *offs;
  base->ndim = idx->ndim = s->nr;
  for (int i = 0, q = 0; i < s->nr; i++) {
    base->shape[i] = idx->shape[i] = s->rshape[i];
    if (i >= s->first && i < s->first + s->nb) {
      base->strides[i] = 0;
      idx->strides[i] = offs->strides[i - s->first];
    } else {
      base->strides[i] = s->view.strides[q++];
      idx->strides[i] = 0;
    }
  }
}

/* ---- reading ---------------------------------------------------------------------------- */

/* Pushes a[key] for a single_mask key whose mask dims stay in their place: the selected
 * elements in C order are then the result's, so after the count one compress pass writes
 * them (no coordinates, no offsets). */
static void select_mask(lua_State *L, const sel *s, const ca_array *a, const char *pre) {
  ca_backend *be = s->be;
  const ca_array *m = push_truth(L, s->mask[0]);
  int64_t count = count_true(L, m, "boolean index");
  int at = s->mask_pos[0], nr = s->view.ndim + 1;
  if (nr > CA_MAXDIMS)
    ca_raisef(L, "%sthe index gives too many dimensions (at most %d)", pre, CA_MAXDIMS);
  int64_t shape[CA_MAXDIMS];
  for (int i = 0, q = 0; i < nr; i++) shape[i] = i == at ? count : s->view.shape[q++];
  ca_array *res = ca_new(L, be, a->dtype, nr, shape);
  ca_check_live(L, a, "indexing"); /* s->view borrows a's storage */
  ca_check_live(L, m, "indexing");
  if (res->size == 0) return;
  ca_array full, flags, out = *res;
  mask_operands(s, m, &full, &flags);
  out.ndim = 0; /* compress writes op[0] contiguously: its strides do not matter */
  ca_array *ops[3] = {&out, &full, &flags};
  ca_loop l;
  ca_loop_build(&l, full.ndim, full.shape, 3, ops, NULL, NULL, a->dtype);
  CA_CHECK(L, be, be->compress(be, &l, res->size), "indexing");
}

/* Pushes a[key] (the key at ki): a view, a copy, or a Lua value for one element. */
static void index_get(lua_State *L, const ca_array *a, int ki, const char *pre) {
  sel s;
  read_key(L, a, ki, &s, pre);
  if (s.nadv == 0) {
    if (s.scalar) {
      ca_push_element(L, &s.view);
      return;
    }
    ca_array *v = ca_view(L, a);
    *v = s.view; /* the same storage: ca_view counted the reference */
    return;
  }
  int top = lua_gettop(L);
  if (single_mask(&s) && s.first == s.mask_pos[0]) {
    select_mask(L, &s, a, pre);
    keep_top(L, top);
    return;
  }
  ca_backend *be = ca_be(a);
  resolve_adv(L, &s, pre);
  int direct = single_index(&s);
  ca_array *offs = direct ? NULL : push_offsets(L, &s, pre);
  ca_array *res = ca_new(L, be, a->dtype, s.nr, s.rshape);
  ca_check_live(L, a, "indexing"); /* s.view borrows a's storage */
  if (direct) ca_check_live(L, s.adv[0], "indexing");
  if (res->size > 0) {
    ca_array base, idx;
    sel_operands(&s, direct ? s.adv[0] : offs, &base, &idx);
    ca_array *ops[3] = {res, &base, &idx};
    ca_loop l;
    ca_loop_build(&l, s.nr, s.rshape, 3, ops, NULL, NULL, a->dtype);
    int64_t bad = 0;
    ca_status st = direct ? be->gather_index(be, &l, s.adv_size[0], s.adv_stride[0], &bad)
                          : be->gather(be, &l);
    if (st == CA_ERR_INDEX && direct) raise_bad_index(L, &s, 0, bad, pre);
    CA_CHECK(L, be, st, "indexing");
  }
  if (res->ndim == 0 && !s.ellipsis) ca_push_element(L, res); /* as NumPy's scalar */
  keep_top(L, top);
}

int ca_index_get(lua_State *L) {
  ca_array *a = ca_check(L, 1);
  index_get(L, a, 2, "");
  return 1;
}

/* ---- assignment ------------------------------------------------------------------------- */

/* dst = the Lua number or boolean at vi, as NumPy 2 assigns a Python scalar: an integral
 * number must fit an integer dtype; NaN, infinities and numbers beyond int64 cannot become
 * integers. */
static void fill_scalar(lua_State *L, ca_array *dst, int vi) {
  ca_value v;
  int vdt;
  uint64_t big;
  if (dst->dtype == CA_UINT64 && ca_touint64_big(L, vi, &big)) {
    v.i = (int64_t)big;
    vdt = CA_UINT64;
  } else if (lua_type(L, vi) == LUA_TBOOLEAN) {
    v.i = lua_toboolean(L, vi);
    vdt = CA_INT64;
  } else if (ca_number_is_integral(L, vi) || ca_is_int_cdata(L, vi)) {
    int64_t i;
    if (!ca_toint64(L, vi, &i)) { /* a uint64 cdata beyond 2^63 */
      if (ca_touint64_big(L, vi, &big))
        ca_raisef(L, "index assignment: Lua integer %llu is out of bounds for %s",
                  (unsigned long long)big, ca_dtype_name(dst->dtype));
      i = (int64_t)lua_tonumber(L, vi);
    }
    if (ca_is_integer(dst->dtype) && !ca_int_fits(dst->dtype, i))
      ca_raisef(L, "index assignment: Lua integer %lld is out of bounds for %s", (long long)i,
                 ca_dtype_name(dst->dtype));
    v.i = i;
    vdt = CA_INT64;
  } else {
    lua_Number x = lua_tonumber(L, vi);
    if (ca_is_integer(dst->dtype) && x != x)
      ca_raisef(L, "index assignment: cannot convert float NaN to integer (%s)",
                 ca_dtype_name(dst->dtype));
    if (ca_is_integer(dst->dtype) && isinf(x))
      ca_raisef(L, "index assignment: cannot convert float infinity to integer (%s)",
                 ca_dtype_name(dst->dtype));
    if (ca_is_integer(dst->dtype) && !(x > -9223372036854775808.0 && x < 9223372036854775808.0))
      ca_raisef(L, "index assignment: Lua number %.17g is too large to convert to an integer (%s)",
                 x, ca_dtype_name(dst->dtype));
    v.f = x;
    vdt = CA_FLOAT64;
  }
  ca_loop l;
  ca_array *ops[2] = {dst, NULL};
  ca_value vals[2];
  int dts[2] = {dst->dtype, vdt};
  vals[1] = v;
  ca_loop_build(&l, dst->ndim, dst->shape, 2, ops, vals, dts, dst->dtype);
  if (l.size == 0) return;
  CA_CHECK(L, ca_be(dst), ca_be(dst)->copy(ca_be(dst), &l), "index assignment");
}

/* a[mask] = the Lua scalar at vi, for a single_mask key: one where pass over the elements
 * the mask covers, which needs neither the count nor the coordinates. */
static void fill_mask(lua_State *L, const sel *s, const ca_array *a, int vi) {
  ca_backend *be = s->be;
  ca_array *c = ca_new(L, be, a->dtype, 0, NULL);
  fill_scalar(L, c, vi);
  const ca_array *m = s->mask[0];
  ca_check_live(L, a, "index assignment"); /* full borrows a's storage */
  ca_check_live(L, m, "index assignment");
  ca_array full, flags;
  mask_operands(s, m, &full, &flags);
  if (ca_overlaps(&full, &flags)) { /* the mask lies in the target: read it first */
    ca_array *t = ca_new(L, be, CA_BOOL, m->ndim, m->shape);
    ca_copy_into(L, t, m);
    m = t;
    ca_check_live(L, a, "index assignment");
    mask_operands(s, m, &full, &flags);
  }
  ca_array *ops[4] = {&full, &flags, c, &full};
  ca_loop l;
  ca_loop_build(&l, full.ndim, full.shape, 4, ops, NULL, NULL, a->dtype);
  if (l.size > 0) CA_CHECK(L, be, be->where(be, &l), "index assignment");
}

/* The value at vi, checked: an array on a's device (returned), or NULL for a Lua scalar. */
static ca_array *check_value(lua_State *L, const ca_array *a, int vi) {
  int t = lua_type(L, vi);
  if (t == LUA_TNUMBER || t == LUA_TBOOLEAN || ca_is_int_cdata(L, vi)) return NULL;
  ca_array *v = ca_test(L, vi);
  if (!v)
    ca_raisef(L, "index assignment: the value must be a number, a boolean or an array, got %s%s",
               luaL_typename(L, vi), t == LUA_TTABLE ? " (make an array with cu.array{...})" : "");
  if (!v->storage) ca_raisef(L, "index assignment: the value array has been freed");
  if (ca_be(v) != ca_be(a))
    ca_raisef(L, "index assignment: the value is on %s but the array is on %s; move it with "
               "v:to(device)", ca_be(v)->name, ca_be(a)->name);
  return v;
}

/* The value seen through a selection of shape (nd, shape): leading size-1 dims dropped, as
 * NumPy does; raises unless it broadcasts. */
static void fit_value(lua_State *L, ca_array *v, int nd, const int64_t *shape) {
  int ok = 1;
  ca_array w = *v;
  while (w.ndim > nd && w.shape[0] == 1) {
    memmove(w.shape, w.shape + 1, sizeof(int64_t) * (size_t)(w.ndim - 1));
    memmove(w.strides, w.strides + 1, sizeof(int64_t) * (size_t)(w.ndim - 1));
    w.ndim--;
  }
  if (w.ndim > nd) ok = 0;
  for (int j = 0; ok && j < w.ndim; j++) {
    int64_t d = w.shape[j], t = shape[nd - w.ndim + j];
    if (d != t && d != 1) ok = 0;
  }
  if (!ok) {
    char s1[256], s2[256];
    fmt_shape(s1, sizeof s1, v);
    ca_format_shape(s2, sizeof s2, nd, shape);
    ca_raisef(L, "index assignment: could not broadcast input of shape %s into shape %s", s1,
              s2);
  }
  *v = w;
}

int ca_index_set(lua_State *L) {
  ca_array *a = ca_check(L, 1);
  ca_check_writable(L, a, "index assignment");
  ca_backend *be = ca_be(a);
  ca_array *v = check_value(L, a, 3);
  sel s;
  read_key(L, a, 2, &s, "");
  ca_array val;
  if (s.nadv == 0) {
    if (!v) {
      fill_scalar(L, &s.view, 3);
      return 0;
    }
    val = *v;
    fit_value(L, &val, s.view.ndim, s.view.shape);
    if (ca_overlaps(&s.view, &val)) { /* read the value before writing */
      ca_array *c = ca_new(L, be, val.dtype, val.ndim, val.shape);
      ca_check_live(L, v, "index assignment"); /* val borrows v's storage */
      ca_copy_into(L, c, &val);
      val = *c;
    }
    ca_check_live(L, a, "index assignment"); /* s.view borrows a's storage */
    ca_copy_into(L, &s.view, &val);
    return 0;
  }
  if (!v && single_mask(&s)) {
    fill_mask(L, &s, a, 3);
    return 0;
  }
  resolve_adv(L, &s, "");
  if (v) {
    ca_check_live(L, v, "index assignment");
    val = *v;
    fit_value(L, &val, s.nr, s.rshape);
    if (v->storage == a->storage) {
      ca_array *c = ca_new(L, be, val.dtype, val.ndim, val.shape);
      ca_check_live(L, v, "index assignment");
      ca_copy_into(L, c, &val);
      val = *c;
    }
  } else {
    ca_array *c = ca_new(L, be, a->dtype, 0, NULL);
    fill_scalar(L, c, 3);
    val = *c;
  }
  int direct = single_index(&s);
  ca_array *offs = direct ? NULL : push_offsets(L, &s, "");
  ca_check_live(L, a, "index assignment");
  if (v) ca_check_live(L, v, "index assignment");
  if (direct) ca_check_live(L, s.adv[0], "index assignment");
  ca_array base, idx;
  sel_operands(&s, direct ? s.adv[0] : offs, &base, &idx);
  ca_array *ops[3] = {&base, &val, &idx};
  ca_loop l;
  ca_loop_build(&l, s.nr, s.rshape, 3, ops, NULL, NULL, a->dtype);
  if (l.size == 0) return 0;
  int64_t bad = 0;
  ca_status st = direct ? be->scatter_index(be, &l, s.adv_size[0], s.adv_stride[0], &bad)
                        : be->scatter(be, &l);
  if (st == CA_ERR_INDEX && direct) raise_bad_index(L, &s, 0, bad, "");
  CA_CHECK(L, be, st, "index assignment");
  return 0;
}

/* ---- take, nonzero ---------------------------------------------------------------------- */

/* Pushes an int64 array on be from the Lua table of integers at idx. */
static ca_array *push_index_list(lua_State *L, int idx, ca_backend *be, const char *fname) {
  int64_t n = (int64_t)ca_rawlen(L, idx);
  ca_backend *cpu = ca_backend_get(L, -1);
  ca_array *h = ca_new(L, cpu, CA_INT64, 1, &n);
  int64_t *p = (int64_t *)ca_data(h);
  for (int64_t i = 0; i < n; i++) {
    lua_rawgeti(L, idx, (int)(i + 1));
    if (!ca_tointeger(L, -1, &p[i]))
      ca_raisef(L, "%s: index %d of the list must be an integer, got %s", fname, (int)(i + 1),
                 lua_type(L, -1) == LUA_TNUMBER ? lua_tostring(L, -1) : luaL_typename(L, -1));
    lua_pop(L, 1);
  }
  if (be == cpu) return h;
  ca_array *d = ca_to_backend(L, h, be);
  lua_remove(L, -2);
  return d;
}

/* cu.take(a, indices[, axis]): the elements at integer indices (an integer array, a Lua
 * list of integers or one integer) along axis, or of the flattened array without one. */
static int l_take(lua_State *L) {
  ca_array *a = ca_check(L, 1);
  int flat = lua_isnoneornil(L, 3);
  int axis = flat ? 0 : ca_read_axis(L, 3, a->ndim, "take");
  lua_settop(L, 2);
  int t = lua_type(L, 2);
  if (t == LUA_TNUMBER) {
    int64_t i;
    if (!ca_tointeger(L, 2, &i))
      return ca_raisef(L, "take: index %s is not an integer", lua_tostring(L, 2));
    ca_backend *be = ca_be(a);
    ca_array *z = ca_new(L, be, CA_INT64, 0, NULL);
    ca_value val;
    val.i = i;
    ca_loop l;
    ca_array *ops[2] = {z, NULL};
    int dts[2] = {CA_INT64, CA_INT64};
    ca_value vals[2] = {val, val};
    ca_loop_build(&l, 0, NULL, 2, ops, vals, dts, CA_INT64);
    CA_CHECK(L, be, be->copy(be, &l), "take");
  } else if (t == LUA_TTABLE) {
    push_index_list(L, 2, ca_be(a), "take");
  } else {
    ca_array *x = ca_test(L, 2);
    if (!x || !x->storage || !ca_is_integer(x->dtype))
      return ca_raisef(L, "take: indices must be an integer array, a table of integers or an "
                        "integer, got %s", x && x->storage ? ca_dtype_name(x->dtype) : luaL_typename(L, 2));
    lua_pushvalue(L, 2);
  }
  int ii = lua_gettop(L);
  const ca_array *src = a;
  if (flat) { /* the flattened array */
    ca_array *c = ca_push_contiguous(L, 1);
    ca_array *f = ca_view(L, c);
    f->ndim = 1;
    f->shape[0] = c->size;
    f->strides[0] = 1;
    src = f;
  }
  lua_createtable(L, axis + 1, 0); /* the key {{}, ..., {}, indices} */
  for (int i = 0; i < axis; i++) {
    lua_newtable(L);
    lua_rawseti(L, -2, i + 1);
  }
  lua_pushvalue(L, ii);
  lua_rawseti(L, -2, axis + 1);
  index_get(L, src, lua_gettop(L), "take: ");
  return 1;
}

static ca_array *check_nonzero_arg(lua_State *L, const char *fname) {
  ca_array *a = ca_check(L, 1);
  if (a->ndim == 0)
    ca_raisef(L, "%s: not supported for 0-d arrays (use a:reshape(1) first)", fname);
  return a;
}

/* cu.nonzero(a): a Lua table of int64 arrays, the 1-based indices of the nonzero elements
 * along each axis (views of one (count, ndim) array). */
static int l_nonzero(lua_State *L) {
  ca_array *a = check_nonzero_arg(L, "nonzero");
  ca_array *c = push_coords(L, a, 0, "nonzero");
  int ci = lua_gettop(L);
  lua_createtable(L, a->ndim, 0);
  for (int j = 0; j < a->ndim; j++) {
    ca_array *v = ca_view(L, c);
    coord_column(v, c, j);
    lua_rawseti(L, -2, j + 1);
  }
  lua_remove(L, ci);
  return 1;
}

/* cu.flatnonzero(a): the 1-based positions of the nonzero elements of the flattened array. */
static int l_flatnonzero(lua_State *L) {
  ca_array *a = ca_check(L, 1);
  ca_array *c = push_coords(L, a, 1, "flatnonzero");
  ca_array *v = ca_view(L, c);
  coord_column(v, c, 0);
  return 1;
}

/* cu.argwhere(a): the 1-based coordinates of the nonzero elements, an int64 (count, ndim); of
 * a 0-d array (1, 0) when its element is nonzero, else (0, 0), as NumPy's. */
static int l_argwhere(lua_State *L) {
  ca_array *a = ca_check(L, 1);
  if (a->ndim > 0) {
    push_coords(L, a, 0, "argwhere");
    return 1;
  }
  ca_array *c = push_coords(L, a, 1, "argwhere");
  int64_t shape[2] = {c->shape[0], 0};
  ca_new(L, ca_be(a), CA_INT64, 2, shape);
  return 1;
}

/* ---- registration ----------------------------------------------------------------------- */

static int newaxis_tostring(lua_State *L) {
  lua_pushliteral(L, "cu.newaxis");
  return 1;
}

static const luaL_Reg funcs[] = {
  {"take", l_take}, {"nonzero", l_nonzero}, {"flatnonzero", l_flatnonzero},
  {"argwhere", l_argwhere}, {NULL, NULL}
};

static const luaL_Reg methods[] = {
  {"take", l_take}, {"nonzero", l_nonzero}, {"flatnonzero", l_flatnonzero},
  {"argwhere", l_argwhere}, {NULL, NULL}
};

void ca_open_index(lua_State *L) {
  ca_register(L, funcs, methods);
  /* cu.newaxis: a unique userdata, recognised by its metatable */
  ca_newuserdata(L, 1);
  if (luaL_newmetatable(L, NEWAXIS_MT)) {
    lua_pushcfunction(L, newaxis_tostring);
    lua_setfield(L, -2, "__tostring");
    lua_pushliteral(L, "newaxis");
    lua_setfield(L, -2, "__name");
  }
  lua_setmetatable(L, -2);
  lua_setfield(L, -3, "newaxis");
}
