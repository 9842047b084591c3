/* The dense factorizations of cu.linalg: solve, inv and cholesky, and the primitives the Lua
 * layer composes the others from (lua/cuarray/linalg.lua): _lu (det, slogdet), _qr, _svd,
 * _eigh and _eig. Each takes a stack of matrices (..., M, N), as NumPy 2 does.
 *
 * Every call copies its input into a work array in the layout the backend's LAPACK-style
 * entries take (src/backend.h: column-major matrices): a C-contiguous buffer of shape
 * (..., R, C) holds R x C row-major matrices, which LAPACK reads as the C x R column-major
 * transposes. So a straight copy hands LAPACK A^T and a transposing copy hands it A; results
 * come back as the buffers themselves or as views with the last two axes swapped. solve, inv
 * and det factor A^T (PyTorch does the same): solve then solves with the transpose, and inv's
 * identity right-hand side comes back as inv(A) in C order.
 *
 * dtypes as NumPy's linalg: float32, complex64 and complex128 stay, float64, integers and bool
 * give float64, float16 raises; singular values and Hermitian eigenvalues are real.
 *
 * A complex matrix's transpose is not its conjugate transpose: a Hermitian A's straight copy
 * holds conj(A), whose factors are the conjugates of A's. cholesky takes them as they come (the
 * transpose of U in conj(A) = U^H U is L in A = L L^H); eigh instead hands LAPACK A itself (a
 * transposing copy) so that its eigenvectors need no conjugation. On a GPU, the calls that can fail (singular matrix, not positive definite,
 * no convergence) read the device's status, which is one synchronization. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "core.h"

/* ---- stacks of matrices ---------------------------------------------------------------- */

static int la_dtype(lua_State *L, const ca_array *a, const char *fname) {
  if (a->dtype == CA_FLOAT16 || a->dtype == CA_BFLOAT16)
    ca_raisef(L, "%s: array type %s is unsupported in linalg", fname, ca_dtype_name(a->dtype));
  if (ca_is_complex(a->dtype) || a->dtype == CA_FLOAT32) return a->dtype;
  return CA_FLOAT64;
}

/* At least 2-d, and square when asked, with NumPy's words and the shape. */
static void check_stack(lua_State *L, const ca_array *a, int square, const char *fname) {
  if (a->ndim < 2)
    ca_raisef(L, "%s: %d-dimensional array given. Array must be at least two-dimensional",
              fname, a->ndim);
  if (square && a->shape[a->ndim - 1] != a->shape[a->ndim - 2]) {
    char s[256];
    ca_format_shape(s, sizeof s, a->ndim, a->shape);
    ca_raisef(L, "%s: last 2 dimensions of the array must be square, got shape %s", fname, s);
  }
}

static int64_t product(int n, const int64_t *d) {
  int64_t p = 1;
  for (int i = 0; i < n; i++) p *= d[i];
  return p;
}

/* Pushes a C-contiguous array on a's device of shape bshape + (r, c). */
static ca_array *push_new(lua_State *L, const ca_array *a, int dt, int nb, const int64_t *bshape,
                          int nlast, int64_t r, int64_t c) {
  int64_t shape[CA_MAXDIMS];
  memcpy(shape, bshape, sizeof(int64_t) * (size_t)nb);
  shape[nb] = r;
  if (nlast == 2) shape[nb + 1] = c;
  return ca_new(L, ca_be(a), dt, nb + nlast, shape);
}

/* Pushes a view of w with its last two axes swapped. */
static ca_array *push_swapped(lua_State *L, ca_array *w) {
  ca_array *v = ca_view(L, w);
  int nd = v->ndim;
  int64_t t = v->shape[nd - 1];
  v->shape[nd - 1] = v->shape[nd - 2];
  v->shape[nd - 2] = t;
  t = v->strides[nd - 1];
  v->strides[nd - 1] = v->strides[nd - 2];
  v->strides[nd - 2] = t;
  return v;
}

/* Pushes a work array of dtype dt holding the matrices of `a` (broadcast to the batch shape
 * bshape): as they are, shape bshape + (rows, cols), where LAPACK reads each as A^T; or with
 * `transpose`, shape bshape + (cols, rows), where LAPACK reads A. `a` must stay on the stack. */
static ca_array *push_work(lua_State *L, ca_array *a, int dt, int transpose, int nb,
                           const int64_t *bshape) {
  int64_t rows = a->shape[a->ndim - 2], cols = a->shape[a->ndim - 1];
  ca_array *w = transpose ? push_new(L, a, dt, nb, bshape, 2, cols, rows)
                          : push_new(L, a, dt, nb, bshape, 2, rows, cols);
  if (w->size > 0) {
    ca_array *dst = transpose ? push_swapped(L, w) : ca_view(L, w);
    /* `a` without the leading batch dims the work array has not (all of size 1) */
    ca_array *src = ca_view(L, a);
    int drop = src->ndim - dst->ndim;
    if (drop > 0) {
      memmove(src->shape, src->shape + drop, sizeof(int64_t) * (size_t)dst->ndim);
      memmove(src->strides, src->strides + drop, sizeof(int64_t) * (size_t)dst->ndim);
      src->ndim = dst->ndim;
    }
    ca_copy_into(L, dst, src);
    lua_pop(L, 2);
  }
  return w;
}

/* The column-major matrices LAPACK sees in a C-contiguous buffer (..., R, C): C x R, ld C. */
static ca_mats mats_of(const ca_array *w) {
  ca_mats x;
  int nd = w->ndim;
  x.data = ca_data(w);
  x.ld = w->shape[nd - 1] > 1 ? w->shape[nd - 1] : 1;
  x.bs = w->shape[nd - 1] * w->shape[nd - 2];
  return x;
}

/* The vectors of a C-contiguous buffer (..., K). */
static ca_mats vecs_of(const ca_array *w) {
  ca_mats x;
  x.data = ca_data(w);
  x.ld = 1;
  x.bs = w->shape[w->ndim - 1];
  return x;
}

/* Fills the C-contiguous stack w (..., n, n) with identity matrices. */
static void fill_identity(lua_State *L, ca_array *w) {
  if (w->size == 0) return;
  ca_fill(L, w, 0);
  ca_array *d = ca_view(L, w);
  d->ndim--;
  d->shape[d->ndim - 1] = w->shape[w->ndim - 1];
  d->strides[d->ndim - 1] = w->shape[w->ndim - 1] + 1;
  ca_fill(L, d, 1);
  lua_pop(L, 1);
}

typedef ca_status (*la_entry)(ca_backend *be, const ca_lapack *l);

/* Runs a factorization entry; `failure` (NumPy's LinAlgError text) is raised when the entry
 * reports one, NULL: the caller wants no report (and on a GPU no synchronization). */
static int run_info(lua_State *L, ca_backend *be, la_entry fn, ca_lapack *l, const char *fname,
                    int want_info) {
  int info = 0;
  l->info = want_info ? &info : NULL;
  if (!fn) ca_raisef(L, "%s: not supported on %s", fname, be->name);
  be->errmsg[0] = 0;
  CA_CHECK(L, be, fn(be, l), fname);
  return info;
}

static void run(lua_State *L, ca_backend *be, la_entry fn, ca_lapack *l, const char *fname,
                const char *failure) {
  if (run_info(L, be, fn, l, fname, failure != NULL) > 0) ca_raisef(L, "%s: %s", fname, failure);
}

/* Whether the float or complex array a holds a NaN (read on the host: only a failed
 * factorization asks). */
static int holds_nan(lua_State *L, const ca_array *a) {
  size_t nbytes = (size_t)a->size * ca_itemsize(a->dtype);
  void *h = ca_newuserdata(L, nbytes ? nbytes : 1);
  ca_read_host(L, a, h);
  int single = ca_real_of(a->dtype) == CA_FLOAT32;
  size_t n = nbytes / (single ? sizeof(float) : sizeof(double));
  int found = 0;
  for (size_t i = 0; i < n && !found; i++) {
    double x = single ? (double)((const float *)h)[i] : ((const double *)h)[i];
    found = x != x;
  }
  lua_pop(L, 1);
  return found;
}

/* The batch dims of a stack: its dims but the last two. */
typedef struct stack {
  int nb;
  int64_t bshape[CA_MAXDIMS];
  int64_t batch;
} stack;

static stack stack_of(const ca_array *a) {
  stack s;
  s.nb = a->ndim - 2;
  memcpy(s.bshape, a->shape, sizeof(int64_t) * (size_t)s.nb);
  s.batch = product(s.nb, s.bshape);
  return s;
}

/* A binding's stack argument: the live array at idx, checked as a stack (of square matrices
 * when `square`), with the dtype LAPACK computes it in (*dt) and its batch dims (*s). */
static ca_array *stack_arg(lua_State *L, int idx, int square, const char *fname, int *dt,
                          stack *s) {
  ca_array *a = ca_check_arg(L, idx, fname);
  check_stack(L, a, square, fname);
  *dt = la_dtype(L, a, fname);
  *s = stack_of(a);
  return a;
}

static ca_lapack lapack_for(int dt, int64_t batch) {
  ca_lapack l;
  memset(&l, 0, sizeof l);
  l.dtype = dt;
  l.batch = batch;
  return l;
}

/* ---- solve, inv, cholesky -------------------------------------------------------------- */

/* cu.linalg.solve(a, b): x with a @ x = b, for a (..., M, M) and b (..., M, K), or b (M,) (one
 * right-hand side: x (..., M)); the batch dims broadcast, as NumPy 2's. */
static int l_solve(lua_State *L) {
  static const char *const no_opts[] = {NULL};
  ca_opt_check(L, 3, "solve", no_opts);
  lua_settop(L, 2);
  ca_array *a = ca_check_arg(L, 1, "solve"), *b = ca_check_arg(L, 2, "solve");
  if (ca_be(a) != ca_be(b))
    return ca_raisef(L, "solve: arrays are on different devices (%s and %s); move one with "
                     "a:to(device)", ca_be(a)->name, ca_be(b)->name);
  check_stack(L, a, 1, "solve");
  /* la_dtype gives float32, float64, complex64 or complex128; NumPy's promotion among them */
  int dt = ca_promote(la_dtype(L, a, "solve"), la_dtype(L, b, "solve"));
  char s1[256], s2[256];
  ca_format_shape(s1, sizeof s1, a->ndim, a->shape);
  ca_format_shape(s2, sizeof s2, b->ndim, b->shape);
  if (b->ndim == 0) return ca_raisef(L, "solve: b must be at least 1-dimensional, got a 0-d array");
  int vec = b->ndim == 1;
  int64_t n = a->shape[a->ndim - 1], bn = vec ? b->shape[0] : b->shape[b->ndim - 2];
  int64_t k = vec ? 1 : b->shape[b->ndim - 1];
  if (bn != n)
    return ca_raisef(L, "solve: shapes %s and %s do not align: b has %lld rows for %lld "
                     "equations", s1, s2, (long long)bn, (long long)n);
  /* broadcast the batch dims */
  int nba = a->ndim - 2, nbb = vec ? 0 : b->ndim - 2;
  stack s;
  s.nb = nba > nbb ? nba : nbb;
  for (int i = 0; i < s.nb; i++) {
    int ja = i - (s.nb - nba), jb = i - (s.nb - nbb);
    int64_t x = ja >= 0 ? a->shape[ja] : 1, y = jb >= 0 ? b->shape[jb] : 1;
    if (x != y && x != 1 && y != 1)
      return ca_raisef(L, "solve: the batch dims of shapes %s and %s cannot be broadcast "
                       "(%lld vs %lld)", s1, s2, (long long)x, (long long)y);
    s.bshape[i] = x == 1 ? y : x;
  }
  s.batch = product(s.nb, s.bshape);
  int64_t a_batch = product(nba, a->shape);
  if (s.batch == 0 || n == 0 || k == 0) {
    push_new(L, a, dt, s.nb, s.bshape, vec ? 1 : 2, n, k);
    return 1;
  }
  /* b as a column (n, 1) when it is a vector: position 3 */
  ca_array *bm = ca_view(L, b);
  if (vec) {
    bm->ndim = 2;
    bm->shape[1] = 1;
    bm->strides[1] = 0;
  }
  /* One matrix for every problem: factor it once and solve for all the columns at once */
  int shared = a_batch == 1;
  static const int64_t none[1] = {0};
  ca_array *wa = push_work(L, a, dt, 0, shared ? 0 : s.nb, shared ? none : s.bshape);
  ca_array *wb = push_work(L, bm, dt, 1, s.nb, s.bshape);
  ca_lapack l = lapack_for(dt, shared ? 1 : s.batch);
  l.n = n;
  l.k = shared ? s.batch * k : k;
  l.a = mats_of(wa);
  l.b = mats_of(wb);
  if (shared) l.a.bs = l.b.bs = 0;
  l.trans = 1;
  run(L, ca_be(a), ca_be(a)->gesv, &l, "solve", "Singular matrix");
  if (vec) {
    ca_array *x = ca_view(L, wb);
    x->ndim--;
    x->shape[x->ndim - 1] = n;
    x->strides[x->ndim - 1] = 1;
    return 1;
  }
  push_swapped(L, wb);
  return 1;
}

/* cu.linalg.inv(a): the inverses of a stack (..., M, M), C-contiguous. */
static int l_inv(lua_State *L) {
  static const char *const no_opts[] = {NULL};
  ca_opt_check(L, 2, "inv", no_opts);
  lua_settop(L, 1);
  int dt;
  stack s;
  ca_array *a = stack_arg(L, 1, 1, "inv", &dt, &s);
  int64_t n = a->shape[a->ndim - 1];
  if (a->size == 0) {
    push_new(L, a, dt, s.nb, s.bshape, 2, n, n);
    return 1;
  }
  ca_array *wa = push_work(L, a, dt, 0, s.nb, s.bshape);            /* 2: A^T */
  ca_array *x = push_new(L, a, dt, s.nb, s.bshape, 2, n, n);        /* 3 */
  fill_identity(L, x);
  ca_lapack l = lapack_for(dt, s.batch);
  l.n = l.k = n;
  l.a = mats_of(wa);
  l.b = mats_of(x);
  /* A^T X = I: X = inv(A)^T in LAPACK's layout, which is inv(A) in C order */
  run(L, ca_be(a), ca_be(a)->gesv, &l, "inv", "Singular matrix");
  return 1;
}

/* cu.linalg.cholesky(a[, {upper = false}]): L (lower, a = L L^T) from a's lower triangle, or
 * with upper U (a = U^T U) from its upper triangle, as NumPy 2. LAPACK gets the straight copy,
 * A^T, and factors its other triangle (which holds the same symmetric matrix): the U^T U of
 * A^T's upper triangle, read in C order, is L, so the result is C-contiguous and the input
 * needs no transposing copy. */
static int l_cholesky(lua_State *L) {
  static const char *const opts[] = {"upper", NULL};
  ca_opt_check(L, 2, "cholesky", opts);
  int upper = ca_opt_bool(L, 2, "upper", 0);
  lua_settop(L, 1);
  int dt;
  stack s;
  ca_array *a = stack_arg(L, 1, 1, "cholesky", &dt, &s);
  int64_t n = a->shape[a->ndim - 1];
  if (a->size == 0) {
    push_new(L, a, dt, s.nb, s.bshape, 2, n, n);
    return 1;
  }
  ca_array *w = push_work(L, a, dt, 0, s.nb, s.bshape);
  ca_lapack l = lapack_for(dt, s.batch);
  l.n = n;
  l.upper = !upper;
  l.a = mats_of(w);
  run(L, ca_be(a), ca_be(a)->potrf, &l, "cholesky", "Matrix is not positive definite");
  return 1;
}

/* ---- primitives for the Lua layer ------------------------------------------------------- */

/* The public name a primitive raises with (argument 1): one of the functions composed over the
 * primitives, so that every message names a function the user can call. */
static const char *caller_name(lua_State *L, const char *prim) {
  static const char *const callers[] = {
    "det", "slogdet", "qr", "svd", "svdvals", "eigh", "eigvalsh", "eig", "eigvals", "lstsq",
    "pinv", "matrix_rank", "cond", "norm", NULL
  };
  if (lua_type(L, 1) != LUA_TSTRING)
    ca_raisef(L, "linalg.%s: argument 1 must be the calling function's name, got %s", prim,
              luaL_typename(L, 1));
  const char *s = lua_tostring(L, 1);
  for (int i = 0; callers[i]; i++)
    if (strcmp(s, callers[i]) == 0) return callers[i];
  ca_raisef(L, "linalg.%s: '%.40s' is not a function composed over it", prim, s);
  return NULL;
}

/* Argument idx of a primitive: one of the strings of `list` (its index; nil: the first). */
static int prim_option(lua_State *L, int idx, const char *prim, const char *const list[]) {
  if (lua_isnoneornil(L, idx)) return 0;
  const char *s = lua_type(L, idx) == LUA_TSTRING ? lua_tostring(L, idx) : NULL;
  for (int i = 0; s && list[i]; i++)
    if (strcmp(s, list[i]) == 0) return i;
  return ca_raisef(L, "linalg.%s: argument %d must be '%s', '%s' or '%s'", prim, idx, list[0],
                   list[1], list[2]);
}

/* linalg._lu(fname, a): the LU factors of A^T (a C-contiguous (..., M, M) buffer holding their
 * transposes: the diagonal is U's) and the int64 pivots (..., M), 1-based, for det and
 * slogdet. Never synchronizes. */
static int l_lu(lua_State *L) {
  const char *fname = caller_name(L, "_lu");
  lua_settop(L, 2);
  int dt;
  stack s;
  ca_array *a = stack_arg(L, 2, 1, fname, &dt, &s);
  int64_t n = a->shape[a->ndim - 1];
  ca_array *w = a->size ? push_work(L, a, dt, 0, s.nb, s.bshape)
                        : push_new(L, a, dt, s.nb, s.bshape, 2, n, n);   /* 3 */
  ca_array *piv = push_new(L, a, CA_INT64, s.nb, s.bshape, 1, n, 0);  /* 4 */
  if (a->size == 0) return 2;
  ca_lapack l = lapack_for(dt, s.batch);
  l.n = n;
  l.a = mats_of(w);
  l.v = vecs_of(piv);
  run(L, ca_be(a), ca_be(a)->getrf, &l, fname, NULL);
  return 2;
}

/* linalg._qr(fname, a, q): the Householder QR of a stack (..., M, N), K = min(M, N): h
 * (..., N, M), NumPy's 'raw' h (R in its upper triangle, read transposed), tau (..., K), and
 * with q "reduced" or "complete" Q (..., M, K) or (..., M, M). */
static int l_qr(lua_State *L) {
  static const char *const qmodes[] = {"none", "reduced", "complete", NULL};
  const char *fname = caller_name(L, "_qr");
  int qmode = prim_option(L, 3, "_qr", qmodes);
  lua_settop(L, 3);
  int dt;
  stack s;
  ca_array *a = stack_arg(L, 2, 0, fname, &dt, &s);
  int64_t m = a->shape[a->ndim - 2], n = a->shape[a->ndim - 1], k = m < n ? m : n;
  ca_array *h = push_work(L, a, dt, 1, s.nb, s.bshape);                 /* 4: A, LAPACK's */
  ca_array *tau = push_new(L, a, dt, s.nb, s.bshape, 1, k, 0);          /* 5 */
  int factor = s.batch > 0 && k > 0;
  ca_lapack l = lapack_for(dt, s.batch);
  l.m = m;
  l.n = n;
  l.a = mats_of(h);
  l.v = vecs_of(tau);
  if (factor) run(L, ca_be(a), ca_be(a)->geqrf, &l, fname, NULL);
  if (qmode == 0) return 2;
  int64_t qc = qmode == 2 ? m : k;
  ca_array *q = push_new(L, a, dt, s.nb, s.bshape, 2, qc, m);           /* 6: Q, LAPACK's */
  if (q->size > 0 && !factor) {
    fill_identity(L, q);
  } else if (q->size > 0) {
    int64_t cols = n < qc ? n : qc;        /* reflector columns: rows of the buffers */
    if (qc > n) ca_fill(L, q, 0);
    ca_array *dst = ca_view(L, q), *src = ca_view(L, h);
    dst->shape[dst->ndim - 2] = cols;
    src->shape[src->ndim - 2] = cols;
    dst->size = src->size = s.batch * cols * m;
    ca_copy_into(L, dst, src);
    lua_pop(L, 2);
    l.n = qc;
    l.k = k;
    l.a = mats_of(q);
    run(L, ca_be(a), ca_be(a)->orgqr, &l, fname, NULL);
  }
  push_swapped(L, q);
  lua_remove(L, -2);
  return 3;
}

/* linalg._svd(fname, a, job): job "none" gives s (..., K); "reduced" and "full" give u, s, vh
 * with u (..., M, K) or (..., M, M) and vh (..., K, N) or (..., N, N). A wide matrix is solved
 * as its transpose, so that the backend always sees M >= N. */
static int l_svd(lua_State *L) {
  static const char *const jobs[] = {"none", "reduced", "full", NULL};
  const char *fname = caller_name(L, "_svd");
  int job = prim_option(L, 3, "_svd", jobs);
  lua_settop(L, 3);
  int dt;
  stack s;
  ca_array *a = stack_arg(L, 2, 0, fname, &dt, &s);
  int64_t m = a->shape[a->ndim - 2], n = a->shape[a->ndim - 1], k = m < n ? m : n;
  int tall = m >= n;
  int64_t R = tall ? m : n, C = k;              /* the problem the backend sees: R x C */
  ca_array *w = push_work(L, a, dt, tall, s.nb, s.bshape);              /* 4 */
  ca_array *sv = push_new(L, a, ca_real_of(dt), s.nb, s.bshape, 1, k, 0); /* 5 */
  int64_t ucols = job == CA_SVD_FULL ? R : C;
  ca_array *u = NULL, *vt = NULL;
  if (job != CA_SVD_NONE) {
    u = push_new(L, a, dt, s.nb, s.bshape, 2, ucols, R);                /* 6: U, LAPACK's */
    vt = push_new(L, a, dt, s.nb, s.bshape, 2, C, C);                   /* 7: V^T, LAPACK's */
  }
  if (s.batch > 0 && k > 0) {
    ca_lapack l = lapack_for(dt, s.batch);
    l.m = R;
    l.n = C;
    l.job = job;
    l.a = mats_of(w);
    l.v = vecs_of(sv);
    if (u) {
      l.b = mats_of(u);
      l.c = mats_of(vt);
    }
    /* A NaN does not converge (NumPy's message; every backend reports one, src/backend.h); an
     * infinity without one gives NaN, as LAPACK's gesdd gives it, where cuSOLVER's gesvd
     * reports no convergence. */
    if (run_info(L, ca_be(a), ca_be(a)->gesvd, &l, fname, 1) > 0) {
      if (holds_nan(L, a)) ca_raisef(L, "%s: SVD did not converge", fname);
      ca_fill(L, sv, NAN);
      if (u) {
        ca_fill(L, u, NAN);
        ca_fill(L, vt, NAN);
      }
    }
  } else if (job == CA_SVD_FULL) {
    fill_identity(L, u);   /* no singular values: the full bases are the identities */
    fill_identity(L, vt);
  }
  if (job == CA_SVD_NONE) {
    lua_settop(L, 5);
    return 1;
  }
  /* tall: u = U, vh = V^T, both read transposed; wide (A^T = U S V^T): u = V and vh = U^T,
   * which the buffers hold in C order */
  if (tall) {
    push_swapped(L, u);
    push_swapped(L, vt);
  } else {
    lua_pushvalue(L, 7);
    lua_pushvalue(L, 6);
  }
  lua_pushvalue(L, 5);
  lua_insert(L, -2);
  return 3;
}

/* linalg._eigh(fname, a, upper, vectors): the eigenvalues w (..., M), ascending and real, of
 * the symmetric (Hermitian) matrices whose lower (upper) triangle a holds, and with vectors the
 * eigenvectors v (..., M, M), column j for w[j]. A real matrix's straight copy, A^T, holds the
 * same symmetric matrix, whose other triangle LAPACK reads; a complex one's would hold conj(A),
 * so LAPACK gets A from a transposing copy. */
static int l_eigh(lua_State *L) {
  const char *fname = caller_name(L, "_eigh");
  lua_settop(L, 4);
  int dt;
  stack s;
  ca_array *a = stack_arg(L, 2, 1, fname, &dt, &s);
  int upper = lua_toboolean(L, 3), vectors = lua_toboolean(L, 4);
  int64_t n = a->shape[a->ndim - 1];
  int cplx = ca_is_complex(dt);   /* complex: A itself (see the top of the file) */
  ca_array *v = push_work(L, a, dt, cplx, s.nb, s.bshape);              /* 5: LAPACK's */
  ca_array *w = push_new(L, a, ca_real_of(dt), s.nb, s.bshape, 1, n, 0); /* 6 */
  if (s.batch > 0 && n > 0) {
    ca_lapack l = lapack_for(dt, s.batch);
    l.n = n;
    l.upper = cplx ? upper : !upper;
    l.job = vectors;
    l.a = mats_of(v);
    l.v = vecs_of(w);
    run(L, ca_be(a), ca_be(a)->syevd, &l, fname, "Eigenvalues did not converge");
  }
  if (!vectors) return 1;
  push_swapped(L, v);
  return 2;
}

/* linalg._eig(fname, a, vectors): the eigenvalues w (..., M) of general matrices, in LAPACK's
 * order, and with vectors the right eigenvectors v (..., M, M), column j for w[j]; both in the
 * complex dtype of a's precision (the Lua layer makes them real as NumPy does). LAPACK gets A
 * itself (a transposing copy): the order of the eigenvalues is the one geev gives for A. */
static int l_eig(lua_State *L) {
  const char *fname = caller_name(L, "_eig");
  lua_settop(L, 3);
  ca_array *a = ca_check_arg(L, 2, fname);
  int vectors = lua_toboolean(L, 3);
  check_stack(L, a, 1, fname);
  int dt = la_dtype(L, a, fname);
  int cdt = ca_is_complex(dt) ? dt : dt == CA_FLOAT32 ? CA_COMPLEX64 : CA_COMPLEX128;
  stack s = stack_of(a);
  int64_t n = a->shape[a->ndim - 1];
  ca_array *h = push_work(L, a, dt, 1, s.nb, s.bshape);                 /* 4: A, LAPACK's */
  ca_array *w = push_new(L, a, cdt, s.nb, s.bshape, 1, n, 0);           /* 5 */
  ca_array *v = vectors ? push_new(L, a, cdt, s.nb, s.bshape, 2, n, n) : NULL; /* 6: V^T */
  if (s.batch > 0 && n > 0) {
    ca_lapack l = lapack_for(dt, s.batch);
    l.n = n;
    l.job = vectors;
    l.a = mats_of(h);
    l.v = vecs_of(w);
    if (v) l.b = mats_of(v);
    run(L, ca_be(a), ca_be(a)->geev, &l, fname, "Eigenvalues did not converge");
  }
  if (!vectors) return 1;
  push_swapped(L, v);
  lua_pushvalue(L, 5);
  lua_insert(L, -2);
  return 2;
}

void ca_open_lapack(lua_State *L) {
  static const luaL_Reg funcs[] = {
    {"solve", l_solve}, {"inv", l_inv}, {"cholesky", l_cholesky}, {"_lu", l_lu}, {"_qr", l_qr},
    {"_svd", l_svd}, {"_eigh", l_eigh}, {"_eig", l_eig}, {NULL, NULL}
  };
  /* into module.linalg, made here (ca_open_linalg adds to it) */
  lua_newtable(L);
  lua_pushvalue(L, -1);
  lua_setfield(L, -4, "linalg");
  for (const luaL_Reg *f = funcs; f->name; f++) {
    lua_pushcfunction(L, f->func);
    lua_setfield(L, -2, f->name);
  }
  lua_pop(L, 1);
}
