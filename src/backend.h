/* The interface every device implements. Plain C, read by the core (src/), by the CPU
 * backend (src/cpu/) and by the CUDA module (cuda/, compiled as C++ there).
 *
 * Contract:
 *  - A backend never raises a Lua error and never touches a lua_State. Every entry returns a
 *    ca_status; on CA_ERR_DEVICE the text of the failure is in be->errmsg (the CUDA backend
 *    names the call and the CUDA/cuBLAS status there).
 *  - Every pointer handed to an entry (except `host` pointers) is memory of this backend's
 *    device, obtained from `alloc` or wrapped by the core. The host never dereferences device
 *    memory; it reads values through `download`.
 *  - Entries may run asynchronously (the CUDA backend launches on its current stream and
 *    returns). `download` and `synchronize` wait for all work queued before them.
 *  - Strides count ELEMENTS, not bytes, and may be zero (broadcast) or negative (flipped
 *    views). `data` is the address of the operand's element 0. Shapes are already broadcast
 *    and coalesced by the core; sizes may be 0 (then there is nothing to do).
 *  - Integer indices handed back to Lua are 1-based: arg-reductions and nonzero write them so.
 */
#ifndef CA_BACKEND_H
#define CA_BACKEND_H

#include "dtype.h"

#define CA_MAXDIMS 32
#define CA_MAXOPS 4

typedef enum ca_status {
  CA_OK = 0,
  CA_ERR_NOMEM,       /* allocation failed: the core collects garbage, trims, retries once */
  CA_ERR_DEVICE,      /* a device/library call failed: see be->errmsg */
  CA_ERR_UNSUPPORTED, /* this backend lacks the op for these dtypes: the core raises */
  CA_ERR_INDEX,       /* an index was out of range (index_offsets) */
  CA_ERR_VALUE        /* an argument the core could not have checked (see the entry) */
} ca_status;

/* A scalar operand passed by value, in its dtype's compute kind: .i for bool and integer
 * dtypes (uint64: the value's bits), .f for floats, .z for complex. */
typedef union ca_value {
  double f;
  int64_t i;
  ca_c16 z;
} ca_value;

typedef struct ca_operand {
  char *data;                   /* element 0; NULL: the operand is the scalar `value` */
  int dtype;
  int64_t strides[CA_MAXDIMS];  /* elements, one per loop dim */
  ca_value value;
} ca_operand;

/* An elementwise loop: out = f(in...), every operand seen through the same shape.
 * Operands may have any dtypes: a backend loads each element converting it to the loop's
 * `compute` dtype (the dtype whose semantics apply: int8 overflow wraps at 8 bits once
 * stored, float32 ops round as float32) and converts the result to op[0]'s dtype on store.
 * The CPU backend is the reference for these conversions: float -> integer truncates toward
 * zero, with NaN and values outside int64 giving INT64_MIN before narrowing (ca_d2i in
 * scalar.h); anything -> bool is `!= 0`. */
typedef struct ca_loop {
  int ndim;
  int64_t shape[CA_MAXDIMS];
  int64_t size;                 /* product of shape */
  int nop;                      /* operands in op[], op[0] is the output */
  int compute;                  /* dtype the op computes in */
  ca_operand op[CA_MAXOPS];
} ca_loop;

/* A reduction: the input has nout leading dims that are kept and nred trailing dims that are
 * reduced (the core moves and coalesces them); the output has the nout leading dims.
 * For scans (cumsum/cumprod) nred == 1 and out.strides covers all nout + 1 dims. */
typedef struct ca_reduction {
  int nout, nred;
  int64_t shape[CA_MAXDIMS];    /* nout + nred sizes */
  ca_operand in;                /* strides over all nout + nred dims */
  ca_operand out;               /* strides over the nout dims (scans: nout + 1) */
  double ddof;                  /* var/std only */
} ca_reduction;

/* C[b] = A[b] @ B[b] for b in 0..batch-1, all of one dtype. Strides in elements; a batch
 * stride of 0 broadcasts that matrix. The core guarantees for float dtypes that A and B each
 * have a unit row or column stride (BLAS-able) and that C is C-contiguous per batch with
 * c_rs == n and c_cs == 1; integer dtypes may have any strides. */
typedef struct ca_matmul {
  int dtype;
  int64_t batch, m, n, k;
  const char *a, *b;
  char *c;
  int64_t a_bs, a_rs, a_cs;
  int64_t b_bs, b_rs, b_cs;
  int64_t c_bs, c_rs, c_cs;
  int allow_tf32;               /* float32 may use TF32 tensor cores (cu.set_matmul_precision) */
} ca_matmul;

/* A discrete Fourier transform over the last `rank` dims of a loop (the fft entry):
 *   C2C: complex in, complex out, the same shape; sign -1 (forward) or +1 (inverse).
 *   R2C: real in, complex out; forward. The last dim has n real inputs and n/2 + 1 outputs
 *        (the others of the Hermitian spectrum are their conjugates).
 *   C2R: complex in, real out; inverse. The last dim has n/2 + 1 inputs and n outputs; the
 *        input is read as a Hermitian spectrum, so the imaginary parts of element 0 and (n
 *        even) element n/2 are ignored, as NumPy does. The other transformed dims are inverse
 *        C2C transforms done first.
 * Transforms are unnormalised; every output is multiplied by `scale` (1: none), which the core
 * derives from the norm mode. `real` is CA_FLOAT32 or CA_FLOAT64: real operands are of that
 * dtype, complex ones are pairs (re, im) of it, 2 * itemsize bytes each, complex64 and
 * complex128. Strides count elements of the operand (a complex element counts one), may be
 * negative, and are never zero for the output. `shape` gives the dims as the transform sees
 * them: batch dims first, then the transformed dims with their transform lengths n (the real
 * side's length for R2C and C2R); the complex side's last dim is n/2 + 1 there. Lengths are at
 * least 1, the batch may be empty (nothing to do). The output never overlaps the input, and
 * the entry leaves the input unchanged. */
typedef enum ca_fft_kind { CA_FFT_C2C, CA_FFT_R2C, CA_FFT_C2R } ca_fft_kind;
#define CA_FFT_MAXRANK 3
typedef struct ca_fft {
  int kind;                       /* ca_fft_kind */
  int real;                       /* CA_FLOAT32 or CA_FLOAT64 */
  int sign;                       /* C2C: -1 forward, +1 inverse */
  int ndim, rank;                 /* all dims, and the trailing transformed ones (1..3) */
  int64_t shape[CA_MAXDIMS];
  const char *in;
  int64_t in_strides[CA_MAXDIMS];
  char *out;
  int64_t out_strides[CA_MAXDIMS];
  double scale;
} ca_fft;

/* ---- dense factorizations (LAPACK's conventions) ----------------------------------------
 * `batch` independent problems of one dtype (CA_FLOAT32 or CA_FLOAT64; the core converts
 * integer and bool inputs to float64 and refuses float16, as NumPy does). Matrices are
 * column-major, LAPACK's layout: element (i, j) of problem p of operand X is at
 * X.data + (p * X.bs + i + j * X.ld) elements, X.ld >= max(1, rows); a batch stride of 0 uses
 * one matrix for every problem (read-only operands only). Vectors (pivots, tau, eigen- and
 * singular values): element i of problem p at v.data + (p * v.bs + i) elements. Operands are
 * memory of this backend and do not overlap. The core calls with batch >= 1 and every size
 * >= 1 (it makes empty results itself). Each entry below says which fields it reads.
 *
 * `info`: when not NULL, the entry stores there 0, or LAPACK's positive info of the first
 * problem (in batch order) that failed (what it means is said per entry); on a GPU reading
 * it is one synchronization. When NULL nothing is waited for (a failure leaves the outputs
 * LAPACK leaves: Inf/NaN or garbage, as the entry says). A backend built without LAPACK
 * returns CA_ERR_UNSUPPORTED with errmsg saying so. */
typedef struct ca_mats {
  char *data;                   /* problem 0's matrix (or vector) */
  int64_t ld;                   /* elements between columns (matrices) */
  int64_t bs;                   /* elements between problems */
} ca_mats;

enum { CA_SVD_NONE, CA_SVD_REDUCED, CA_SVD_FULL };

typedef struct ca_lapack {
  int dtype;
  int64_t batch;
  int64_t m, n, k;              /* sizes, per entry */
  ca_mats a, b, c;              /* matrices, per entry */
  ca_mats v;                    /* one vector per problem (ld unused), per entry */
  int trans;                    /* gesv: solve A^T X = B */
  int upper;                    /* potrf, syevd: the triangle of a that is read (1: upper) */
  int job;                      /* gesvd: CA_SVD_*; syevd, geev: 1 eigenvectors too, 0 values */
  int *info;                    /* host; see above */
} ca_lapack;

/* Op codes: the X-macro table in ops.def, named once. */
typedef enum ca_op {
#define CA_UNARY(name, rule) CA_OP_##name,
#define CA_BINARY(name, rule) CA_OP_##name,
#define CA_REDUCE(name, rule) CA_OP_##name,
#define CA_UNARY2(name, rule) CA_OP_##name,
#define CA_BINARY2(name, rule) CA_OP_##name,
#include "ops.def"
  CA_NOPS
} ca_op;

/* Which entry an op belongs to, from ops.def: unary, binary or reduce; the ops of two
 * results (CA_UNARY2, CA_BINARY2) run through the unary and binary entries. */
typedef enum ca_op_class { CA_UNARY_OP, CA_BINARY_OP, CA_REDUCE_OP, CA_UNARY2_OP, CA_BINARY2_OP } ca_op_class;
static const unsigned char ca_op_classes[CA_NOPS] = {
#define CA_UNARY(name, rule) CA_UNARY_OP,
#define CA_BINARY(name, rule) CA_BINARY_OP,
#define CA_REDUCE(name, rule) CA_REDUCE_OP,
#define CA_UNARY2(name, rule) CA_UNARY2_OP,
#define CA_BINARY2(name, rule) CA_BINARY2_OP,
#include "ops.def"
};
CA_HD static inline int ca_is_reduce_op(int op) {
  switch (op) {
#define CA_REDUCE(name, rule) case CA_OP_##name:
#include "ops.def"
    return 1;
  default:
    return 0;
  }
}

/* What memory a pointer is, as a device's driver sees it (the pointer_kind entry). */
typedef enum ca_mem_kind {
  CA_MEM_HOST,      /* host memory the driver does not know (pageable) */
  CA_MEM_PINNED,    /* page-locked host memory, which the devices can read */
  CA_MEM_DEVICE,    /* memory of one device */
  CA_MEM_MANAGED    /* managed memory, usable from the host and the devices */
} ca_mem_kind;

/* Random distributions; see ca_random below. */
typedef enum ca_dist {
  CA_DIST_UNIFORM,  /* [p1, p2) floats */
  CA_DIST_NORMAL,   /* mean p1, std p2 */
  CA_DIST_INTEGER,  /* integers in [p1, p2) */
  /* src/random_dists.h: the formulas and the blocks each consumes */
  CA_DIST_EXPONENTIAL, /* scale p1 */
  CA_DIST_LAPLACE,     /* loc p1, scale p2; likewise LOGISTIC, GUMBEL, LOGNORMAL (mean, sigma) */
  CA_DIST_LOGISTIC,
  CA_DIST_GUMBEL,
  CA_DIST_LOGNORMAL,
  CA_DIST_CAUCHY,      /* standard */
  CA_DIST_GAMMA,       /* shape p1, scale p2 */
  CA_DIST_BETA,        /* a p1, b p2 */
  CA_DIST_GEOMETRIC,   /* p p2 */
  CA_DIST_POISSON,     /* lam p1 */
  CA_DIST_BINOMIAL,    /* trials p1.i, p p2 */
  CA_DIST_PERMUTATION, /* the first n values of a permutation of [0, p1.i) */
  CA_DIST_CATEGORICAL, /* indices 0 .. naux-1 by the ascending cdf aux (ending at 1) */
  CA_DIST_DIRICHLET,   /* rows of naux components, alphas aux */
  CA_DIST_MULTINOMIAL  /* rows of naux counts, p1.i trials, probabilities aux */
} ca_dist;

/* A host program's allocator (the C API's cuarray_set_allocator): alloc returns nbytes of
 * memory on `device` (-1: host memory for CPU arrays, else device memory of that CUDA
 * ordinal), to be used in the order of `stream` (the cudaStream_t the backend works on; NULL
 * on the CPU), or NULL when it has none; free takes back a block alloc gave, with the same
 * nbytes and device, and the stream the backend works on at that time. */
typedef struct ca_allocator {
  void *(*alloc)(void *ctx, size_t nbytes, int device, void *stream);
  void (*free)(void *ctx, void *ptr, size_t nbytes, int device, void *stream);
  void *ctx;
} ca_allocator;

/* Sorting a batch of rows (the sort entry). `keys` holds `rows` rows of `n` elements of
 * `dtype`, C-contiguous (row r starts at element r * n). Each row is sorted in NumPy's order
 * (src/sort_keys.h: NaN after everything, -0.0 equal to +0.0), stably: equal elements keep
 * their order. `descending` sorts by the reverse order (NaN first), still keeping equal
 * elements in their order (PyTorch's stable descending sort). Writes the sorted elements,
 * bit for bit as they were, to `values` and the 1-based positions within the row of the
 * elements taken to `indices` (int64); either may be NULL. Outputs never overlap keys.
 * Only the first `k` (0 <= k <= n) of each row's order are written: the outputs hold `rows`
 * rows of `k` (top-k; k == n is the whole sort). */
typedef struct ca_sort {
  int dtype;
  int descending;
  int64_t rows, n, k;
  const void *keys;
  void *values;
  int64_t *indices;
} ca_sort;

/* Counting into equal-width bins (the histogram entry), as NumPy's np.histogram computes each
 * element's bin when its edges are uniform (src/histogram_bin.h holds the formula). `x` holds
 * `n` contiguous elements of `dtype` (an integer dtype, float32 or float64); an element is
 * counted when first <= x <= last (compared in float32 for float32 data, else in float64: NaN
 * is never counted), in bin (x - first) * norm truncated, corrected by one against `edges` (the
 * nbins + 1 computed edges, float32 for float32 data, else float64) so that bin k holds
 * edges[k] <= x < edges[k + 1], the last bin closed. The difference is taken in float32 for
 * float32 data; the product in float32 when norm32, else in float64. `out` receives nbins int64
 * counts, or with weights (n contiguous float64) the float64 sums of the weights. */
typedef struct ca_histogram {
  int dtype;
  const void *x;
  int64_t n;
  const double *weights;
  int64_t nbins;
  double first, last, norm;
  int norm32;
  const void *edges;
  void *out;
} ca_histogram;

typedef struct ca_backend ca_backend;

struct ca_backend {
  const char *name;   /* "cpu", "cuda:0": how arrays print their device */
  int device;         /* -1 for the CPU, else the CUDA device ordinal */
  void *ctx;          /* the backend's own state */
  char errmsg[512];   /* filled on CA_ERR_DEVICE / CA_ERR_NOMEM */

  /* Memory. alloc of 0 bytes must succeed (it may return NULL or a unique pointer). */
  ca_status (*alloc)(ca_backend *be, size_t nbytes, void **ptr);
  void (*free)(ca_backend *be, void *ptr, size_t nbytes);
  ca_status (*mem_info)(ca_backend *be, size_t *used, size_t *cached, size_t *free_bytes);
  void (*trim)(ca_backend *be);                 /* return cached memory to the system */
  /* Host memory for CPU arrays with {pinned = true}; NULL entries: not offered. */
  ca_status (*host_alloc)(ca_backend *be, size_t nbytes, void **ptr);
  void (*host_free)(ca_backend *be, void *ptr);

  /* Transfers between ordinary host memory and this device; contiguous bytes. */
  ca_status (*upload)(ca_backend *be, void *dst, const void *host_src, size_t nbytes);
  ca_status (*download)(ca_backend *be, void *host_dst, const void *src, size_t nbytes);
  ca_status (*synchronize)(ca_backend *be);
  /* Copies nbytes of contiguous memory from `src`, memory of `from` (another device served by
   * the same entry), to `dst` on this device without going through the host. Asynchronous:
   * it runs after the work queued on both devices' current streams, and work queued on either
   * afterwards runs after it (so either side may free or reuse its memory at once).
   * CA_ERR_UNSUPPORTED: these two devices cannot reach each other; the core then copies
   * through the host. NULL: no direct path to any device. */
  ca_status (*copy_from_peer)(ca_backend *be, void *dst, ca_backend *from, const void *src,
                              size_t nbytes);

  /* op[0] = op[1] converted to op[0]'s dtype (op[1] may be a scalar: a fill). */
  ca_status (*copy)(ca_backend *be, const ca_loop *l);
  /* op[0] = f(op[1]) / f(op[1], op[2]) for the CA_UNARY / CA_BINARY ops of ops.def;
   * (op[0], op[1]) = f(op[2]) / f(op[2], op[3]) for the CA_UNARY2 / CA_BINARY2 ops (two
   * results: the formula returns the first and writes the second through a pointer). */
  ca_status (*unary)(ca_backend *be, int op, const ca_loop *l);
  ca_status (*binary)(ca_backend *be, int op, const ca_loop *l);
  /* op[0] = op[1] ? op[2] : op[3]; op[1] is read as a truth value. */
  ca_status (*where)(ca_backend *be, const ca_loop *l);

  /* CA_REDUCE ops of ops.def, as their formulas in reduce_ops.h define them (accumulation
   * types by ca_reduce_acc). The core never calls this with zero reduced elements: it fills
   * what the formulas give for nothing (sum 0, prod 1, all true, any false, the averages NaN)
   * and raises for the reductions without an identity (min, max, arg-, ranges). An
   * arg-reduction writes 0 for a slice whose every element is skipped (nanargmax of NaNs). */
  ca_status (*reduce)(ca_backend *be, int op, const ca_reduction *r);
  /* Inclusive scan along the last dim, op is CA_OP_sum or CA_OP_prod. */
  ca_status (*scan)(ca_backend *be, int op, const ca_reduction *r);

  ca_status (*matmul)(ca_backend *be, const ca_matmul *m);
  /* The transform f describes (see ca_fft). CA_ERR_NOMEM when its work memory (CPU buffers,
   * a cuFFT plan's workspace) cannot be had. NULL: no FFT on this backend. */
  ca_status (*fft)(ca_backend *be, const ca_fft *f);
  /* 1: a real forward transform over several axes is asked for as an R2C over the last axis,
   * then C2C over the others into arrays whose transformed axes are innermost (the memory
   * order PyTorch's results have): cuFFT's kernels write whole transforms contiguously there,
   * and run slower writing them across the rows of a C-ordered result. */
  int fft_real_last_first;

  /* Dense factorizations (ca_lapack above). n x n matrices unless said otherwise; dtype float32,
   * float64, complex64 or complex128 (for complex ones read ^T below as the conjugate transpose
   * ^H, "symmetric" as Hermitian, orgqr as ungqr; syevd's and gesvd's v stays real).
   * getrf: a = P L U in place (L's unit diagonal not stored); v: the int64 pivots, 1-based
   *        (row i was interchanged with row v[i]). info > 0: U(info, info) is exactly zero
   *        (the factorization is complete).
   * gesv:  solves A X = B (A^T X = B with trans) for b's k columns: b is overwritten with X,
   *        a with its factors. info > 0: A is singular (as getrf), X is not computed.
   * potrf: the Cholesky factor of the symmetric matrix whose `upper` (else lower) triangle a
   *        holds, in that triangle (A = U^T U, or L L^T); the other triangle is set to zero.
   *        info > 0: the leading minor of order info is not positive definite.
   * geqrf: a (m x n) = Q R: R in the upper triangle, the Householder reflectors below it;
   *        v: their scalars tau (min(m, n) per problem).
   * orgqr: a (m x n, m >= n >= k) holds k reflectors in its first k columns (as geqrf leaves
   *        them), v their tau: overwritten with the n first columns of Q = H(1)...H(k).
   * syevd: the eigenvalues of the symmetric matrix whose `upper` (else lower) triangle a
   *        holds, ascending into v; with job 1, a is overwritten with the orthonormal
   *        eigenvectors (column j for v[j]), else a is destroyed. info > 0: no convergence.
   * gesvd: a (m x n, m >= n, destroyed) = U S V^T: v gets the n singular values, descending;
   *        job CA_SVD_REDUCED: b = U (m x n), c = V^T (n x n); CA_SVD_FULL: b = U (m x m),
   *        c = V^T; CA_SVD_NONE: values only, b and c unused. info > 0: no convergence,
   *        which a matrix holding a NaN always reports (as LAPACK refuses one).
   * geev:  the eigenvalues of the general matrix a (destroyed; dtype float32, float64,
   *        complex64 or complex128) into v, in the complex dtype of a's precision (complex64
   *        for float32 and complex64), in LAPACK's order (a real matrix's conjugate pairs side by
   *        side, the one with the positive imaginary part first); with job 1 the right
   *        eigenvectors into b (n x n, that complex dtype), column j for v[j], each of unit
   *        2-norm with its largest component real, as LAPACK's geev normalizes them. info > 0:
   *        the QR algorithm failed (no eigenvalues are reliable). */
  ca_status (*getrf)(ca_backend *be, const ca_lapack *l);
  ca_status (*gesv)(ca_backend *be, const ca_lapack *l);
  ca_status (*potrf)(ca_backend *be, const ca_lapack *l);
  ca_status (*geqrf)(ca_backend *be, const ca_lapack *l);
  ca_status (*orgqr)(ca_backend *be, const ca_lapack *l);
  ca_status (*syevd)(ca_backend *be, const ca_lapack *l);
  ca_status (*gesvd)(ca_backend *be, const ca_lapack *l);
  ca_status (*geev)(ca_backend *be, const ca_lapack *l);

  /* Fill `n` contiguous elements of `dtype` at out. The stream is a pure function of
   * (seed, counter, element index): element i of a draw uses Philox4x32-10 (ca_philox in
   * scalar.h) as ca_random_* in scalar.h define, so every backend draws the same numbers
   * for the same seed. The core advances the counter by ca_random_blocks(dtype, dist, n).
   * p1, p2: .f (lo and hi, or mean and std) for the float distributions, .i (lo and hi,
   * exact int64) for CA_DIST_INTEGER; the other distributions as ca_dist says. The others
   * consume ca_dist_blocks(dtype, dist, n, naux) blocks (src/random_dists.h). aux: naux
   * float64 values in this device's memory (categorical, dirichlet, multinomial), else
   * NULL; for dirichlet and multinomial, n is a whole number of rows of naux. Discrete
   * distributions store int64 values into any dtype, the others float64 values. */
  ca_status (*random)(ca_backend *be, int dist, void *out, int dtype, int64_t n,
                      ca_value p1, ca_value p2, uint64_t seed, uint64_t counter,
                      const double *aux, int64_t naux);

  /* Indexing. op[0] is an int64 offset array (the loop's shape), op[1] an integer index
   * array broadcast to it. Writes op[0] = (accumulate ? op[0] : 0) + norm(op[1]) * stride,
   * where norm maps Lua's 1..size to 0..size-1 and -size..-1 to 0..size-1. Any other value:
   * CA_ERR_INDEX with *bad set to one offending index. */
  ca_status (*index_offsets)(ca_backend *be, const ca_loop *l, int64_t size, int64_t stride,
                             int accumulate, int64_t *bad);
  /* gather:  op[0][i] = op[1].data[op[1] offset of i + op[2][i]]   (op[2] int64 offsets)
   * scatter: op[0].data[op[0] offset of i + op[2][i]] = op[1][i]   (with conversion)
   * Repeated offsets in scatter: the CPU keeps the last value; others may keep any. */
  ca_status (*gather)(ca_backend *be, const ca_loop *l);
  ca_status (*scatter)(ca_backend *be, const ca_loop *l);
  /* 1-based coordinates of the true elements of op[1] (bool, C-contiguous over the loop's
   * shape) in C order, written to op[0].data as an int64 (count, ndim) C-contiguous array;
   * the core counted them first (count). */
  ca_status (*nonzero)(ca_backend *be, const ca_loop *l, int64_t count);
  /* gather_index / scatter_index: gather and scatter with op[2] an integer index array (any
   * integer dtype, any strides) in place of offsets: the offset of i along the indexed axis
   * is norm(op[2][i]) * stride, norm as index_offsets's over `size`. Out-of-range indices:
   * CA_ERR_INDEX with *bad set to one of them (the first in C order on the CPU, any on a
   * GPU); scatter_index then has written nothing, gather_index's op[0] is unspecified. On a
   * GPU the check is one small read: a synchronisation. */
  ca_status (*gather_index)(ca_backend *be, const ca_loop *l, int64_t size, int64_t stride,
                            int64_t *bad);
  ca_status (*scatter_index)(ca_backend *be, const ca_loop *l, int64_t size, int64_t stride,
                             int64_t *bad);
  /* *count = how many of the n contiguous bytes at flags (bool elements) are nonzero, on the
   * host; on a GPU one small read: a synchronisation. */
  ca_status (*count_true)(ca_backend *be, const void *flags, int64_t n, int64_t *count);
  /* The elements of op[1] whose op[2] (bool) is true, in C order over the loop, written
   * contiguously from op[0].data (op[0]'s strides are unused; op[0].dtype == op[1].dtype, the
   * bits are copied). op[1] and op[2] may have any strides (op[2]'s zero on the dims a mask
   * does not cover). count: how many the core counted; never more are written. */
  ca_status (*compress)(ca_backend *be, const ca_loop *l, int64_t count);

  /* Which memory `ptr` is (a ca_mem_kind), and for device or managed memory the ordinal of
   * its device (else -1). NULL: the backend cannot tell (the CPU's). */
  ca_status (*pointer_kind)(ca_backend *be, const void *ptr, int *kind, int *device);

  /* Hooks for a host program; NULL entries: not offered by this backend.
   * set_stream: `stream` (a cudaStream_t; NULL: the backend's own) becomes the stream every
   * later entry works on, after the work queued on the previous one.
   * set_allocator: alloc and free go through `a` (NULL: the backend's own allocator again)
   * from now on, bypassing the backend's pool and caches. CA_ERR_VALUE, with the reason in
   * errmsg, while memory from the previous allocator is still in use (arrays, caches). */
  ca_status (*set_stream)(ca_backend *be, void *stream);
  ca_status (*set_allocator)(ca_backend *be, const ca_allocator *a);

  /* Sorting and counting (see ca_sort). */
  ca_status (*sort)(ca_backend *be, const ca_sort *s);
  /* out[i] = 1 + the number of elements of sorted[0..n) that come before values[i] in NumPy's
   * order (right == 0: strictly before; right != 0: before or equal), for i in 0..m-1: the
   * 1-based insertion point. sorted and values are contiguous, of one dtype; sorted is
   * ascending in that order (else the result is unspecified but in 1..n+1); out is int64. */
  ca_status (*searchsorted)(ca_backend *be, int dtype, const void *sorted, int64_t n,
                            const void *values, int64_t m, int right, int64_t *out);
  /* out[b] = the count (weights NULL: int64 out) or the sum of weights[i] (float64 out) over
   * the i in 0..n-1 with x[i] == b, for b in 0..nbins-1; x holds n contiguous elements of the
   * integer (or bool) dtype `dtype`, read as int64; values outside 0..nbins-1
   * are not counted. range (this device's memory) receives the least and the greatest value
   * of x as two int64 when n > 0. With nbins == 0 (out unused) only range is computed. The
   * entry writes every element of out. */
  ca_status (*bincount)(ca_backend *be, int dtype, const void *x, int64_t n,
                        const double *weights, int64_t nbins, void *out, int64_t *range);
  /* The runs of equal elements of `sorted` (n > 0 contiguous elements of a sortable dtype, in
   * NumPy's order): the first element of each run, bit for bit, to values and the 1-based
   * position where the run starts to starts (int64), each with room for n; the number of runs
   * to *count (one int64 in this device's memory). Elements are one value as ca_same_value
   * (src/sort_keys.h) says: -0.0 is +0.0; NaNs are one run with equal_nan, else each its own. */
  ca_status (*unique)(ca_backend *be, int dtype, const void *sorted, int64_t n, int equal_nan,
                      void *values, int64_t *starts, int64_t *count);
  /* See ca_histogram. */
  ca_status (*histogram)(ca_backend *be, const ca_histogram *h);
  /* base[offs[i]] += vals[i] for i in 0..n-1 (NumPy's add.at: repeated offsets accumulate),
   * each addition in dtype's compute kind, stored as an element of dtype (integers wrap,
   * float16 rounds). offs: int64 element offsets from base (the target's element 0), in
   * range (the core checked); vals: n contiguous elements of dtype. The CPU adds in order;
   * the GPU with atomics, so float additions to one element may come in any order. */
  ca_status (*scatter_add)(ca_backend *be, int dtype, void *base, const int64_t *offs,
                           const void *vals, int64_t n);
};

#endif
