/* Linear algebra: cu.matmul (1-d, 2-d and batched n-d with broadcast batch dims), cu.dot,
 * cu.inner, cu.outer, cu.vdot, cu.linalg.norm, and the matmul precision (TF32 or not).
 *
 * matmul hands the backend one ca_matmul per block of batches: the operands are promoted to
 * one dtype (converted copies only when the dtypes differ), float operands keep their
 * layout when BLAS can read it (a unit row or column stride and a leading dim that covers
 * the other extent; transposed views qualify) and are copied C-contiguous otherwise, and the
 * batch dims are broadcast and coalesced; when they still need more than one batch stride,
 * the outer ones are looped over here. */
#include <string.h>
#include <stdio.h>
#include <math.h>
#include "core.h"

/* "(3,4)", as NumPy's dot writes shapes in its messages. */
static void fmt_shape(char *buf, size_t len, int nd, const int64_t *shape) {
  size_t n = (size_t)snprintf(buf, len, "(");
  for (int i = 0; i < nd && n < len; i++)
    n += (size_t)snprintf(buf + n, len - n, i ? ",%lld" : "%lld", (long long)shape[i]);
  if (n < len) snprintf(buf + n, len - n, nd == 1 ? ",)" : ")");
}

static void same_device(lua_State *L, const ca_array *a, const ca_array *b, const char *fname) {
  if (ca_be(a) != ca_be(b))
    ca_raisef(L, "%s: arrays are on different devices (%s and %s); move one with a:to(device)",
               fname, ca_be(a)->name, ca_be(b)->name);
}

/* Pushes a converted C-contiguous copy of the array at idx when its dtype is not dt (or when
 * `copy` is set), else nothing. Returns the array to use. */
static ca_array *as_dtype(lua_State *L, ca_array *a, int dt, int copy) {
  if (a->dtype == dt && !copy) return a;
  ca_array *c = ca_new_like(L, a, dt);
  ca_copy_into(L, c, a);
  return c;
}

/* Whether BLAS can read a rows x cols matrix with strides (rs, cs): one stride is 1 and the
 * other (the leading dim) covers the extent of the unit-stride dim. The stride of an extent-1
 * dim is never used, so it is set to whatever makes the layout plain. */
static int blasable(int64_t rows, int64_t cols, int64_t *rs, int64_t *cs) {
  if (rows <= 1 && cols <= 1) {
    *rs = *cs = 1;
    return 1;
  }
  if (rows <= 1) {
    if (*cs == 1) *rs = cols;
    else *rs = 1;
  } else if (cols <= 1) {
    if (*rs == 1) *cs = rows;
    else *cs = 1;
  }
  if (*cs == 1 && *rs >= (cols > 1 ? cols : 1)) return 1;
  if (*rs == 1 && *cs >= (rows > 1 ? rows : 1)) return 1;
  return 0;
}

/* The matrix view of an operand: its last two dims, or a 1-d operand as a row (`row`) or
 * a column. */
typedef struct mview {
  int64_t rows, cols, rs, cs;
  int nb;                      /* batch dims */
} mview;

static mview matrix_of(const ca_array *a, int row) {
  mview v;
  int nd = a->ndim;
  if (nd == 1) {
    v.nb = 0;
    if (row) { v.rows = 1; v.cols = a->shape[0]; v.rs = 0; v.cs = a->strides[0]; }
    else { v.rows = a->shape[0]; v.cols = 1; v.rs = a->strides[0]; v.cs = 0; }
  } else {
    v.nb = nd - 2;
    v.rows = a->shape[nd - 2];
    v.cols = a->shape[nd - 1];
    v.rs = a->strides[nd - 2];
    v.cs = a->strides[nd - 1];
  }
  return v;
}

/* C = A @ B with NumPy's matmul rules; A and B are the arrays at ia and ib. Pushes the
 * result, or writes `out` and pushes nothing. */
static void matmul_core(lua_State *L, int ia, int ib, ca_array *out, const char *fname) {
  int top = lua_gettop(L);
  ca_array *a = ca_check_arg(L, ia, fname), *b = ca_check_arg(L, ib, fname);
  same_device(L, a, b, fname);
  ca_backend *be = ca_be(a);
  if (a->ndim == 0 || b->ndim == 0)
    ca_raisef(L, "%s: operand %d is 0-d, but %s needs arrays of at least 1 dimension "
               "(use multiply for scalars)", fname, a->ndim == 0 ? 1 : 2, fname);
  mview va = matrix_of(a, 1), vb = matrix_of(b, 0);
  char s1[256], s2[256];
  if (va.cols != vb.rows) {
    fmt_shape(s1, sizeof s1, a->ndim, a->shape);
    fmt_shape(s2, sizeof s2, b->ndim, b->shape);
    ca_raisef(L, "%s: shapes %s and %s do not align (%lld vs %lld)", fname, s1, s2,
               (long long)va.cols, (long long)vb.rows);
  }
  int64_t m = va.rows, n = vb.cols, k = va.cols;
  /* broadcast the batch dims */
  int nb = va.nb > vb.nb ? va.nb : vb.nb;
  int64_t bshape[CA_MAXDIMS];
  for (int i = 0; i < nb; i++) {
    int ja = i - (nb - va.nb), jb = i - (nb - vb.nb);
    int64_t da = ja >= 0 ? a->shape[ja] : 1, db = jb >= 0 ? b->shape[jb] : 1;
    if (da != db && da != 1 && db != 1) {
      fmt_shape(s1, sizeof s1, a->ndim, a->shape);
      fmt_shape(s2, sizeof s2, b->ndim, b->shape);
      ca_raisef(L, "%s: the batch dims of shapes %s and %s cannot be broadcast (%lld vs %lld)",
                 fname, s1, s2, (long long)da, (long long)db);
    }
    bshape[i] = da == 1 ? db : da;
  }
  int64_t rshape[CA_MAXDIMS];
  int rnd = nb;
  memcpy(rshape, bshape, sizeof(int64_t) * (size_t)nb);
  if (a->ndim > 1) rshape[rnd++] = m;
  if (b->ndim > 1) rshape[rnd++] = n;
  int dt = ca_promote(a->dtype, b->dtype);
  if (out) ca_check_out(L, out, be, dt, rnd, rshape, fname);

  /* operands in the result dtype, in a layout the backend takes */
  int flt = ca_is_inexact(dt);
  a = as_dtype(L, a, dt, 0);
  if (a != ca_test(L, ia)) va = matrix_of(a, 1);
  if (flt && !blasable(va.rows, va.cols, &va.rs, &va.cs)) {
    a = as_dtype(L, a, dt, 1);
    va = matrix_of(a, 1);
    blasable(va.rows, va.cols, &va.rs, &va.cs);
  }
  b = as_dtype(L, b, dt, 0);
  if (b != ca_test(L, ib)) vb = matrix_of(b, 0);
  if (flt && !blasable(vb.rows, vb.cols, &vb.rs, &vb.cs)) {
    b = as_dtype(L, b, dt, 1);
    vb = matrix_of(b, 0);
    blasable(vb.rows, vb.cols, &vb.rs, &vb.cs);
  }
  ca_array *c;
  /* out directly when the backend can write it and it shares no memory with an operand */
  int direct = out && out->dtype == dt && ca_is_contiguous(out) &&
               out->storage != ca_test(L, ia)->storage && out->storage != ca_test(L, ib)->storage;
  if (direct) c = out;
  else c = ca_new(L, be, dt, rnd, rshape);
  int cidx = lua_gettop(L); /* c, unless direct */
  ca_check_live(L, a, fname);
  ca_check_live(L, b, fname);
  ca_check_live(L, c, fname);

  if (c->size > 0 && k == 0) {
    ca_fill(L, c, 0);
  } else if (c->size > 0) {
    /* batch strides over the broadcast batch shape; size-1 dims dropped, chains merged */
    int64_t shp[CA_MAXDIMS], sa[CA_MAXDIMS], sb[CA_MAXDIMS], sc[CA_MAXDIMS];
    int64_t cstride = m * n;
    int64_t cs_of[CA_MAXDIMS];
    for (int i = nb - 1; i >= 0; i--) {
      cs_of[i] = cstride;
      cstride *= bshape[i];
    }
    int q = 0;
    for (int i = 0; i < nb; i++) {
      if (bshape[i] == 1) continue;
      int ja = i - (nb - va.nb), jb = i - (nb - vb.nb);
      int64_t xa = ja >= 0 && a->shape[ja] != 1 ? a->strides[ja] : 0;
      int64_t xb = jb >= 0 && b->shape[jb] != 1 ? b->strides[jb] : 0;
      int64_t xc = cs_of[i];
      if (q > 0 && sa[q - 1] == xa * bshape[i] && sb[q - 1] == xb * bshape[i] &&
          sc[q - 1] == xc * bshape[i]) {
        shp[q - 1] *= bshape[i];
        sa[q - 1] = xa;
        sb[q - 1] = xb;
        sc[q - 1] = xc;
        continue;
      }
      shp[q] = bshape[i];
      sa[q] = xa;
      sb[q] = xb;
      sc[q] = xc;
      q++;
    }
    ca_matmul mm;
    memset(&mm, 0, sizeof mm);
    mm.dtype = dt;
    mm.m = m;
    mm.n = n;
    mm.k = k;
    mm.a_rs = va.rs;
    mm.a_cs = va.cs;
    mm.b_rs = vb.rs;
    mm.b_cs = vb.cs;
    mm.c_rs = n;
    mm.c_cs = 1;
    mm.allow_tf32 = ca_state_get(L)->allow_tf32;
    mm.batch = q > 0 ? shp[q - 1] : 1;
    mm.a_bs = q > 0 ? sa[q - 1] : 0;
    mm.b_bs = q > 0 ? sb[q - 1] : 0;
    mm.c_bs = q > 0 ? sc[q - 1] : m * n;
    int64_t isz = (int64_t)ca_itemsize(dt);
    const char *a0 = ca_data(a), *b0 = ca_data(b);
    char *c0 = ca_data(c);
    int64_t idx[CA_MAXDIMS] = {0};
    int outer = q > 0 ? q - 1 : 0;
    for (;;) {
      int64_t oa = 0, ob = 0, oc = 0;
      for (int i = 0; i < outer; i++) {
        oa += idx[i] * sa[i];
        ob += idx[i] * sb[i];
        oc += idx[i] * sc[i];
      }
      mm.a = a0 + oa * isz;
      mm.b = b0 + ob * isz;
      mm.c = c0 + oc * isz;
      CA_CHECK(L, be, be->matmul(be, &mm), fname);
      int i = outer - 1;
      while (i >= 0 && ++idx[i] == shp[i]) idx[i--] = 0;
      if (i < 0) break;
    }
  }
  if (out && !direct) ca_copy_into(L, out, c);
  /* keep only the result (or nothing with `out`) above the caller's stack */
  if (out) {
    lua_settop(L, top);
  } else {
    lua_pushvalue(L, cidx);
    lua_replace(L, top + 1);
    lua_settop(L, top + 1);
  }
}

/* Pushes the array at idx seen as a 2-d matrix (product of the leading dims, last dim): a
 * view when the leading dims chain, else a view of a C-contiguous copy. 1-d: one row. */
static ca_array *push_as_rows(lua_State *L, int idx) {
  ca_array *a = ca_test(L, idx);
  int copied = 0;
  for (;;) {
    int nd = a->ndim, ok = 1, seen = 0;
    int64_t rows = 1, rs = 0, inner_stride = 0, inner_size = 0;
    for (int i = 0; i < nd - 1; i++) rows *= a->shape[i];
    for (int i = nd - 2; i >= 0 && ok; i--) {
      if (a->shape[i] == 1) continue;
      if (!seen) {
        rs = a->strides[i];
        seen = 1;
      } else if (a->strides[i] != inner_stride * inner_size) {
        ok = 0;
      }
      inner_stride = a->strides[i];
      inner_size = a->shape[i];
    }
    if (ok || rows == 0) {
      ca_array *v = ca_view(L, a);
      v->ndim = 2;
      v->shape[0] = rows;
      v->shape[1] = a->shape[nd - 1];
      v->strides[0] = rs;
      v->strides[1] = a->strides[nd - 1];
      if (copied) lua_remove(L, -2);
      return v;
    }
    a = ca_new_like(L, a, -1);
    ca_copy_into(L, a, ca_test(L, idx));
    copied = 1;
  }
}

static const char *const array_opts[] = {"array", NULL};
static const char *const matmul_opts[] = {"out", "array", NULL};

/* The product of two vectors is one value: a Lua value, as reductions over all elements
 * give, unless {array = true} (options at oi) keeps the 0-d array on its device. Replaces
 * the 0-d result on top. */
static int vector_result(lua_State *L, int oi) {
  if (ca_opt_bool(L, oi, "array", 0)) return 1;
  ca_push_element(L, ca_test(L, -1));
  lua_remove(L, -2);
  return 1;
}

/* cu.matmul(a, b[, {out = c, array = false}]) and a:matmul(b) */
static int l_matmul(lua_State *L) {
  ca_opt_check(L, 3, "matmul", matmul_opts);
  lua_settop(L, 3);
  ca_array *out = ca_opt_out(L, 3, "matmul"); /* at 4 */
  matmul_core(L, 1, 2, out, "matmul");
  if (out) {
    lua_pushvalue(L, 4);
    return 1;
  }
  if (ca_test(L, 1)->ndim == 1 && ca_test(L, 2)->ndim == 1) return vector_result(L, 3);
  return 1;
}

/* A Lua number or a 0-d array: dot, inner and outer then multiply. */
static int scalar_like(lua_State *L, int idx, const char *fname) {
  if (lua_type(L, idx) == LUA_TNUMBER) return 1;
  return ca_check_arg(L, idx, fname)->ndim == 0;
}

/* Pushes the C-contiguous result at the top seen with shape (rnd dims): a view. */
static int push_shaped(lua_State *L, int rnd, const int64_t *rshape) {
  ca_array *v = ca_view(L, ca_check(L, -1));
  v->ndim = rnd;
  memcpy(v->shape, rshape, sizeof(int64_t) * (size_t)rnd);
  ca_set_contiguous_strides(v);
  return 1;
}

/* cu.dot(a, b) and a:dot(b): NumPy's dot. 1-d and 2-d operands (and an n-d operand with a
 * 1-d one) are matmul; n-d with m-d (both >= 2) sums over a's last and b's second-to-last
 * axis, giving a.shape[:-1] + b.shape[:-2] + b.shape[-1:]; a scalar multiplies. */
static int l_dot(lua_State *L) {
  ca_opt_check(L, 3, "dot", array_opts);
  lua_settop(L, 3);
  int sa = scalar_like(L, 1, "dot"), sb = scalar_like(L, 2, "dot");
  if (sa || sb) {
    ca_apply_binary(L, CA_OP_multiply, 1, 2, NULL, "dot");
    return 1;
  }
  ca_array *a = ca_test(L, 1), *b = ca_test(L, 2);
  if (a->ndim == 1 || b->ndim == 1 || (a->ndim == 2 && b->ndim == 2)) {
    int vectors = a->ndim == 1 && b->ndim == 1;
    matmul_core(L, 1, 2, NULL, "dot");
    return vectors ? vector_result(L, 3) : 1;
  }
  same_device(L, a, b, "dot");
  int nd = a->ndim, bnd = b->ndim;
  int64_t k = a->shape[nd - 1], kb = b->shape[bnd - 2], n = b->shape[bnd - 1];
  if (k != kb) {
    char s1[256], s2[256];
    fmt_shape(s1, sizeof s1, nd, a->shape);
    fmt_shape(s2, sizeof s2, bnd, b->shape);
    return ca_raisef(L, "dot: shapes %s and %s do not align (%lld vs %lld)", s1, s2,
                      (long long)k, (long long)kb);
  }
  int rnd = nd + bnd - 2;
  if (rnd > CA_MAXDIMS)
    return ca_raisef(L, "dot: the result would have %d dims (at most %d)", rnd, CA_MAXDIMS);
  int64_t rshape[CA_MAXDIMS];
  for (int i = 0; i < nd - 1; i++) rshape[i] = a->shape[i];
  for (int i = 0; i < bnd - 2; i++) rshape[nd - 1 + i] = b->shape[i];
  rshape[rnd - 1] = n;
  push_as_rows(L, 1);                          /* 4: a as (A, k) */
  int bi = 2;
  if (bnd > 2) {
    /* 5: b with its contracted axis first, C-contiguous: (k, B..., n); 6: as (k, B * n) */
    int64_t bn = n;
    for (int i = 0; i < bnd - 2; i++) bn *= b->shape[i];
    ca_array *bp = ca_view(L, b);
    bp->shape[0] = kb;
    bp->strides[0] = b->strides[bnd - 2];
    for (int i = 0; i < bnd - 2; i++) {
      bp->shape[i + 1] = b->shape[i];
      bp->strides[i + 1] = b->strides[i];
    }
    ca_array *t = ca_new(L, ca_be(b), b->dtype, bnd, bp->shape);
    ca_copy_into(L, t, bp);
    lua_remove(L, -2);
    ca_array *t2 = ca_view(L, t);
    t2->ndim = 2;
    t2->shape[0] = kb;
    t2->shape[1] = bn;
    ca_set_contiguous_strides(t2);
    bi = 6;
  }
  matmul_core(L, 4, bi, NULL, "dot");          /* (A, B * n) */
  return push_shaped(L, rnd, rshape);
}

/* cu.inner(a, b): sums over the last axes; a.shape[:-1] + b.shape[:-1]. */
static int l_inner(lua_State *L) {
  ca_opt_check(L, 3, "inner", array_opts);
  lua_settop(L, 3);
  int sa = scalar_like(L, 1, "inner"), sb = scalar_like(L, 2, "inner");
  if (sa || sb) {
    ca_apply_binary(L, CA_OP_multiply, 1, 2, NULL, "inner");
    return 1;
  }
  ca_array *a = ca_test(L, 1), *b = ca_test(L, 2);
  same_device(L, a, b, "inner");
  int nd = a->ndim, bnd = b->ndim;
  if (a->shape[nd - 1] != b->shape[bnd - 1]) {
    char s1[256], s2[256];
    fmt_shape(s1, sizeof s1, nd, a->shape);
    fmt_shape(s2, sizeof s2, bnd, b->shape);
    return ca_raisef(L, "inner: shapes %s and %s do not align on the last axis (%lld vs %lld)",
                      s1, s2, (long long)a->shape[nd - 1], (long long)b->shape[bnd - 1]);
  }
  int rnd = nd + bnd - 2;
  int64_t rshape[CA_MAXDIMS];
  for (int i = 0; i < nd - 1; i++) rshape[i] = a->shape[i];
  for (int i = 0; i < bnd - 1; i++) rshape[nd - 1 + i] = b->shape[i];
  push_as_rows(L, 1);                         /* 4: (A, k) */
  ca_array *b2 = push_as_rows(L, 2);          /* 5: (B, k) */
  int64_t t = b2->shape[0];
  b2->shape[0] = b2->shape[1];                /* now (k, B) */
  b2->shape[1] = t;
  t = b2->strides[0];
  b2->strides[0] = b2->strides[1];
  b2->strides[1] = t;
  matmul_core(L, 4, 5, NULL, "inner");        /* 6: (A, B) */
  push_shaped(L, rnd, rshape);
  return rnd == 0 ? vector_result(L, 3) : 1;
}

/* cu.outer(a, b): a flattened as a column times b flattened as a row. */
static int l_outer(lua_State *L) {
  static const char *const no_opts[] = {NULL};
  ca_opt_check(L, 3, "outer", no_opts);
  lua_settop(L, 2);
  ca_array *a = ca_check_arg(L, 1, "outer"), *b = ca_check_arg(L, 2, "outer");
  same_device(L, a, b, "outer");
  ca_array *fa = ca_push_flat(L, 1);             /* 3 */
  fa->ndim = 2;
  fa->shape[1] = 1;
  fa->strides[1] = 0;
  ca_array *fb = ca_push_flat(L, 2);             /* 4 */
  fb->ndim = 2;
  fb->shape[1] = fb->shape[0];
  fb->strides[1] = fb->strides[0];
  fb->shape[0] = 1;
  fb->strides[0] = 0;
  ca_apply_binary(L, CA_OP_multiply, 3, 4, NULL, "outer");
  return 1;
}

/* cu.vdot(a, b): the dot product of a and b flattened (same sizes). */
static int l_vdot(lua_State *L) {
  ca_opt_check(L, 3, "vdot", array_opts);
  ca_array *a = ca_check_arg(L, 1, "vdot"), *b = ca_check_arg(L, 2, "vdot");
  same_device(L, a, b, "vdot");
  if (a->size != b->size)
    return ca_raisef(L, "vdot: the arrays have different sizes (%lld vs %lld)",
                      (long long)a->size, (long long)b->size);
  lua_settop(L, 3);
  ca_push_flat(L, 1);
  if (ca_is_complex(a->dtype)) { /* NumPy's vdot conjugates its first argument */
    ca_apply_unary(L, CA_OP_conj, 4, NULL, "vdot");
    lua_replace(L, 4);
  }
  ca_push_flat(L, 2);
  matmul_core(L, 4, 5, NULL, "vdot");
  return vector_result(L, 3);
}

/* ---- norm ------------------------------------------------------------------------------ */

enum { ORD_NONE, ORD_FRO, ORD_NUC, ORD_NUM };
enum { UP_SUM = 1, UP_MAX, UP_MIN, UP_SVD };

/* Calls the reduction in upvalue `which` on the array at idx over the (0-based) axes, n < 0
 * for all; pushes the result. */
static void call_reduce(lua_State *L, int which, int idx, const int *axes, int n, int keepdims,
                        int dtype) {
  lua_pushvalue(L, lua_upvalueindex(which));
  lua_pushvalue(L, idx);
  if (n < 0) {
    lua_pushnil(L);
  } else {
    lua_createtable(L, n, 0);
    for (int i = 0; i < n; i++) {
      lua_pushinteger(L, axes[i] + 1);
      lua_rawseti(L, -2, i + 1);
    }
  }
  lua_createtable(L, 0, 3);
  lua_pushboolean(L, keepdims);
  lua_setfield(L, -2, "keepdims");
  lua_pushboolean(L, 1);
  lua_setfield(L, -2, "array");
  if (dtype >= 0) {
    lua_pushstring(L, ca_dtype_name(dtype));
    lua_setfield(L, -2, "dtype");
  }
  lua_call(L, 3, 1);
}

static void no_identity(lua_State *L, const ca_array *x, int axis, int which) {
  if (x->shape[axis] == 0)
    ca_raisef(L, "norm: zero-size array to reduction operation %s which has no identity",
               which == UP_MAX ? "max" : "min");
}

/* sum(|x|^p)^(1/p) and the other vector norms over one axis of the float array at xi (x at 1). */
static void vector_norm(lua_State *L, int xi, int ord, double p, int ax, int keepdims, int ft) {
  ca_array *x = ca_test(L, 1);
  if (ord == ORD_FRO || ord == ORD_NUC)
    ca_raisef(L, "norm: invalid norm order '%s' for vectors", ord == ORD_FRO ? "fro" : "nuc");
  if (ord == ORD_NONE || p == 2) {
    ca_apply_unary(L, CA_OP_square, xi, NULL, "norm");
    call_reduce(L, UP_SUM, lua_gettop(L), &ax, 1, keepdims, -1);
    ca_apply_unary(L, CA_OP_sqrt, lua_gettop(L), NULL, "norm");
  } else if (isinf(p)) {
    int which = p > 0 ? UP_MAX : UP_MIN;
    no_identity(L, x, ax, which);
    ca_apply_unary(L, CA_OP_abs, xi, NULL, "norm");
    call_reduce(L, which, lua_gettop(L), &ax, 1, keepdims, -1);
  } else if (p == 0) {
    lua_pushinteger(L, 0);
    ca_apply_binary(L, CA_OP_not_equal, xi, lua_gettop(L), NULL, "norm");
    call_reduce(L, UP_SUM, lua_gettop(L), &ax, 1, keepdims, ft);
  } else if (p == 1) {
    ca_apply_unary(L, CA_OP_abs, xi, NULL, "norm");
    call_reduce(L, UP_SUM, lua_gettop(L), &ax, 1, keepdims, -1);
  } else if (p != p) {
    ca_raisef(L, "norm: invalid norm order nan");
  } else {
    ca_apply_unary(L, CA_OP_abs, xi, NULL, "norm");
    lua_pushnumber(L, p);
    ca_apply_binary(L, CA_OP_power, lua_gettop(L) - 1, lua_gettop(L), NULL, "norm");
    call_reduce(L, UP_SUM, lua_gettop(L), &ax, 1, keepdims, -1);
    lua_pushnumber(L, 1.0 / p);
    ca_apply_binary(L, CA_OP_power, lua_gettop(L) - 1, lua_gettop(L), NULL, "norm");
  }
}

/* Drops the reduced axes (r, c) of a keepdims result on top: replaces it with a view. */
static void drop_axes(lua_State *L, const int *axes) {
  ca_array *r = ca_test(L, -1);
  ca_array *v = ca_view(L, r);
  int nd = 0;
  for (int i = 0; i < r->ndim; i++) {
    if (i == axes[0] || i == axes[1]) continue;
    v->shape[nd] = r->shape[i];
    v->strides[nd] = r->strides[i];
    nd++;
  }
  v->ndim = nd;
  lua_remove(L, -2);
}

/* 2, -2 and 'nuc': the largest, smallest or summed singular values of the matrices over axes
 * (r, c), from linalg._svd (upvalue) of a view with those axes last. */
static void singular_norm(lua_State *L, int xi, int ord, double p, const int *axes, int keepdims) {
  ca_array *x = ca_test(L, xi);
  int nd = x->ndim, k = 0;
  ca_array *v = ca_view(L, x);
  for (int i = 0; i < nd; i++) {
    if (i == axes[0] || i == axes[1]) continue;
    v->shape[k] = x->shape[i];
    v->strides[k++] = x->strides[i];
  }
  for (int j = 0; j < 2; j++, k++) {
    v->shape[k] = x->shape[axes[j]];
    v->strides[k] = x->strides[axes[j]];
  }
  int vi = lua_gettop(L);
  lua_pushvalue(L, lua_upvalueindex(UP_SVD));
  lua_pushliteral(L, "norm");
  lua_pushvalue(L, vi);
  lua_pushliteral(L, "none");
  lua_call(L, 3, 1);
  ca_array *s = ca_test(L, -1);
  int which = ord == ORD_NUC ? UP_SUM : p > 0 ? UP_MAX : UP_MIN, last = s->ndim - 1;
  if (which != UP_SUM) no_identity(L, s, last, which);
  call_reduce(L, which, lua_gettop(L), &last, 1, 0, -1);
  if (keepdims) { /* the kept axes back in place, as size 1 */
    ca_array *r = ca_test(L, -1);
    ca_array *kv = ca_view(L, r);
    for (int i = 0, j = 0; i < nd; i++) {
      int reduced = i == axes[0] || i == axes[1];
      kv->shape[i] = reduced ? 1 : r->shape[j];
      kv->strides[i] = reduced ? 0 : r->strides[j++];
    }
    kv->ndim = nd;
  }
}

/* Frobenius, 1, -1, inf, -inf norms of the matrices over axes (r, c), and the singular-value
 * ones. */
static void matrix_norm(lua_State *L, int xi, int ord, double p, const int *axes, int keepdims) {
  ca_array *x = ca_test(L, 1);
  if (ord == ORD_NONE || ord == ORD_FRO) {
    ca_apply_unary(L, CA_OP_square, xi, NULL, "norm");
    call_reduce(L, UP_SUM, lua_gettop(L), axes, 2, keepdims, -1);
    ca_apply_unary(L, CA_OP_sqrt, lua_gettop(L), NULL, "norm");
    return;
  }
  if (ord == ORD_NUC || p == 2 || p == -2) {
    singular_norm(L, xi, ord, p, axes, keepdims);
    return;
  }
  if (p != 1 && p != -1 && !isinf(p))
    ca_raisef(L, "norm: invalid norm order %g for matrices (matrix norms: 'fro', 'nuc', 2, -2, "
               "1, -1, inf, -inf)", p);
  /* 1-norms: the largest column sum; inf-norms: the largest row sum */
  int along = isinf(p) ? axes[1] : axes[0], across = isinf(p) ? axes[0] : axes[1];
  int which = p > 0 ? UP_MAX : UP_MIN;
  no_identity(L, x, across, which);
  ca_apply_unary(L, CA_OP_abs, xi, NULL, "norm");
  call_reduce(L, UP_SUM, lua_gettop(L), &along, 1, 1, -1);
  call_reduce(L, which, lua_gettop(L), &across, 1, 1, -1);
  if (!keepdims) drop_axes(L, axes);
}

/* cu.linalg.norm(x[, ord][, axis][, {keepdims = bool, array = bool}]) */
static int l_norm(lua_State *L) {
  static const char *const norm_opts[] = {"keepdims", "array", NULL};
  ca_array *x = ca_check_arg(L, 1, "norm");
  int top = lua_gettop(L), oidx = 4;
  if (top >= 2 && top <= 3 && ca_is_options(L, top)) oidx = top;
  ca_opt_check(L, oidx, "norm", norm_opts);
  int keepdims = ca_opt_bool(L, oidx, "keepdims", 0);
  int ord = ORD_NONE;
  double p = 0;
  if (oidx > 2 && !lua_isnoneornil(L, 2)) {
    if (lua_type(L, 2) == LUA_TNUMBER) {
      ord = ORD_NUM;
      p = lua_tonumber(L, 2);
    } else if (lua_type(L, 2) == LUA_TSTRING) {
      const char *s = lua_tostring(L, 2);
      if (strcmp(s, "fro") == 0) ord = ORD_FRO;
      else if (strcmp(s, "nuc") == 0) ord = ORD_NUC;
      else if (strcmp(s, "inf") == 0) { ord = ORD_NUM; p = HUGE_VAL; }
      else if (strcmp(s, "-inf") == 0) { ord = ORD_NUM; p = -HUGE_VAL; }
      else return ca_raisef(L, "norm: invalid norm order '%s' (a number, 'fro', 'nuc', 'inf' or "
                             "'-inf')", s);
    } else {
      return ca_raisef(L, "norm: ord must be a number, 'fro', 'nuc', 'inf' or '-inf', got %s",
                        luaL_typename(L, 2));
    }
  }
  int axes[2], nax = 0, as_value = !keepdims && !ca_opt_bool(L, oidx, "array", 0);
  if (oidx > 3 && !lua_isnoneornil(L, 3)) {
    as_value = 0; /* an axis given: an array, as reductions with an axis give */
    if (lua_type(L, 3) == LUA_TNUMBER) {
      axes[nax++] = ca_read_axis(L, 3, x->ndim, "norm");
    } else if (lua_istable(L, 3)) {
      int n = (int)ca_rawlen(L, 3);
      if (n < 1 || n > 2)
        return ca_raisef(L, "norm: axis must be one axis or a list of one or two axes (got %d)", n);
      for (int i = 0; i < n; i++) {
        lua_rawgeti(L, 3, i + 1);
        axes[nax++] = ca_read_axis(L, -1, x->ndim, "norm");
        lua_pop(L, 1);
      }
      if (nax == 2 && axes[0] == axes[1])
        return ca_raisef(L, "norm: duplicate axes given (%d)", axes[0] + 1);
    } else {
      return ca_raisef(L, "norm: axis must be an integer, a list of integers or nil, got %s",
                        luaL_typename(L, 3));
    }
  } else if (ord != ORD_NONE) {
    if (x->ndim == 1) {
      axes[nax++] = 0;
    } else if (x->ndim == 2) {
      axes[nax++] = 0;
      axes[nax++] = 1;
    } else {
      return ca_raisef(L, "norm: an ord without an axis needs a 1-d or 2-d array (got %d-d); "
                        "give the axis", x->ndim);
    }
  }
  lua_settop(L, 4);
  /* the singular values of a complex matrix are not those of its moduli */
  int by_svd = nax == 2 && (ord == ORD_NUC || p == 2 || p == -2);
  if (ca_is_complex(x->dtype) && !by_svd) { /* the other norms are those of the moduli */
    ca_apply_unary(L, CA_OP_abs, 1, NULL, "norm");
    lua_replace(L, 1);
    x = ca_test(L, 1);
  }
  int ft = ca_is_float(x->dtype) || ca_is_complex(x->dtype) ? x->dtype : CA_FLOAT64;
  as_dtype(L, x, ft, 0);
  if (lua_gettop(L) == 4) lua_pushvalue(L, 1);
  int xi = 5;
  if (nax == 0) { /* the 2-norm of all elements */
    ca_apply_unary(L, CA_OP_square, xi, NULL, "norm");
    call_reduce(L, UP_SUM, lua_gettop(L), NULL, -1, keepdims, -1);
    ca_apply_unary(L, CA_OP_sqrt, lua_gettop(L), NULL, "norm");
  } else if (nax == 1) {
    vector_norm(L, xi, ord, p, axes[0], keepdims, ft);
  } else {
    matrix_norm(L, xi, ord, p, axes, keepdims);
  }
  if (as_value) { /* the norm of everything: a Lua value, as reductions over all elements */
    ca_push_element(L, ca_test(L, -1));
  }
  return 1;
}

/* cu.set_matmul_precision("highest" | "high"): "high" lets float32 products use TF32. */
static int l_set_precision(lua_State *L) {
  const char *s = lua_tostring(L, 1);
  if (lua_type(L, 1) != LUA_TSTRING || (strcmp(s, "highest") != 0 && strcmp(s, "high") != 0))
    return ca_raisef(L, "set_matmul_precision: precision must be \"highest\" or \"high\", got %s",
                      lua_type(L, 1) == LUA_TSTRING ? s : luaL_typename(L, 1));
  ca_state_get(L)->allow_tf32 = strcmp(s, "high") == 0;
  return 0;
}

static int l_get_precision(lua_State *L) {
  lua_pushstring(L, ca_state_get(L)->allow_tf32 ? "high" : "highest");
  return 1;
}

void ca_open_linalg(lua_State *L) {
  static const luaL_Reg funcs[] = {
    {"matmul", l_matmul}, {"dot", l_dot}, {"inner", l_inner}, {"outer", l_outer},
    {"vdot", l_vdot}, {"set_matmul_precision", l_set_precision},
    {"get_matmul_precision", l_get_precision}, {NULL, NULL}
  };
  static const luaL_Reg methods[] = {{"matmul", l_matmul}, {"dot", l_dot}, {NULL, NULL}};
  ca_register(L, funcs, methods);
  /* module.linalg.norm, with the reductions it builds on (registered by ca_open_reduce) and
   * the singular values (ca_open_lapack) */
  lua_getfield(L, -2, "linalg");
  lua_getfield(L, -3, "sum");
  lua_getfield(L, -4, "max");
  lua_getfield(L, -5, "min");
  lua_getfield(L, -4, "_svd");  /* registered by ca_open_lapack, which runs first */
  lua_pushcclosure(L, l_norm, 4);
  lua_setfield(L, -2, "norm");
  lua_pop(L, 1);
}
