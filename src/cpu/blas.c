/* Matrix products: C[b] = A[b] @ B[b].
 *
 * float32/float64/complex64/complex128 go to CBLAS (sgemm, dgemm, cgemm, zgemm) when built
 * with -DCA_HAVE_CBLAS and the strides fit a BLAS layout; everything else (float16, integers,
 * strides BLAS cannot express, no CBLAS) runs a plain i-k-j loop over blocks of columns,
 * accumulating in the dtype's compute type (int64 wrapping for integers and bool, float for
 * float16/float32, double for float64, the complex pairs for complex). */
#include <limits.h>
#include "cpu_internal.h"
#ifdef CA_HAVE_CBLAS
#include <cblas.h>
#endif

#define COLS 256 /* columns of C accumulated at once */

/* The Makefile names the library it linked (-DCA_BLAS_NAME="openblas"). */
const char *ca_cpu_blas(void) {
#if defined(CA_HAVE_CBLAS) && defined(CA_BLAS_NAME)
  return CA_BLAS_NAME;
#elif defined(CA_HAVE_CBLAS)
  return "cblas";
#else
  return NULL;
#endif
}

#define MATMUL_LOOP(T, LOAD, STORE_CT)                                                          \
  do {                                                                                          \
    T acc[COLS];                                                                                \
    for (int64_t j0 = 0; j0 < m->n; j0 += COLS) {                                               \
      int64_t nj = m->n - j0 < COLS ? m->n - j0 : COLS;                                         \
      for (int64_t i = 0; i < m->m; i++) {                                                      \
        for (int64_t j = 0; j < nj; j++) acc[j] = (T){0};                                       \
        for (int64_t p = 0; p < m->k; p++) {                                                    \
          T aip = LOAD(a + (i * m->a_rs + p * m->a_cs) * sz);                                   \
          const char *brow = b + (p * m->b_rs + j0 * m->b_cs) * sz;                             \
          if (contig_b) {                                                                       \
            for (int64_t j = 0; j < nj; j++) acc[j] = MUL_ADD(T, acc[j], aip, LOAD(brow + j * sz)); \
          } else {                                                                              \
            for (int64_t j = 0; j < nj; j++)                                                    \
              acc[j] = MUL_ADD(T, acc[j], aip, LOAD(brow + j * m->b_cs * sz));                  \
          }                                                                                     \
        }                                                                                       \
        ca_cpu_store(STORE_CT, acc, m->dtype, c + (i * m->c_rs + j0 * m->c_cs) * sz, m->c_cs, nj); \
      }                                                                                         \
    }                                                                                           \
  } while (0)

/* Integer products wrap through uint64; float ones are plain. */
#define MUL_ADD(T, s, x, y) MUL_ADD_##T(s, x, y)
#define MUL_ADD_ca_i(s, x, y) ((ca_i)((ca_u)(s) + (ca_u)(x) * (ca_u)(y)))
#define MUL_ADD_float(s, x, y) ((s) + (x) * (y))
#define MUL_ADD_double(s, x, y) ((s) + (x) * (y))
#define MUL_ADD_ca_c8(s, x, y) ca_add_c(s, ca_multiply_c(x, y))
#define MUL_ADD_ca_c16(s, x, y) ca_add_z(s, ca_multiply_z(x, y))

/* Loaders for one element at address q, of the matrix dtype. */
#define LD_I(q) ca_cpu_ld_i(dt, q)
#define LD_F(q) ca_cpu_ld_f(dt, q)
#define LD_F32(q) (*(const float *)(q))
#define LD_D(q) (*(const double *)(q))
#define LD_C(q) (*(const ca_c8 *)(q))
#define LD_Z(q) (*(const ca_c16 *)(q))

static void plain(const ca_matmul *m, const char *a, const char *b, char *c) {
  int dt = m->dtype;
  int64_t sz = (int64_t)ca_itemsize(dt);
  int contig_b = m->b_cs == 1;
  if (dt == CA_COMPLEX128) MATMUL_LOOP(ca_c16, LD_Z, CA_CPU_Z);
  else if (dt == CA_COMPLEX64) MATMUL_LOOP(ca_c8, LD_C, CA_CPU_C);
  else if (dt == CA_FLOAT64) MATMUL_LOOP(double, LD_D, CA_CPU_D);
  else if (dt == CA_FLOAT32) MATMUL_LOOP(float, LD_F32, CA_CPU_F);
  else if (dt == CA_FLOAT16 || dt == CA_BFLOAT16) MATMUL_LOOP(float, LD_F, CA_CPU_F);
  else MATMUL_LOOP(ca_i, LD_I, CA_CPU_I);
}

#ifdef CA_HAVE_CBLAS
/* The BLAS view of a rows x cols operand with strides (rs, cs) in a row-major call: no
 * transpose with leading dim rs when cs is 1, transposed with leading dim cs when rs is 1.
 * A dim of extent 1 may have any stride. Returns 0 when BLAS cannot express it. */
static int blas_view(int64_t rows, int64_t cols, int64_t rs, int64_t cs, int *trans, int64_t *ld) {
  if (cs == 1 || cols == 1) {
    int64_t need = cols > 1 ? cols : 1;
    if (rows == 1 && rs < need) rs = need;
    if (rs >= need && (cs == 1 || cols == 1)) {
      *trans = 0;
      *ld = rs;
      return *ld <= INT_MAX;
    }
  }
  if (rs == 1 || rows == 1) {
    int64_t need = rows > 1 ? rows : 1;
    if (cols == 1 && cs < need) cs = need;
    if (cs >= need) {
      *trans = 1;
      *ld = cs;
      return *ld <= INT_MAX;
    }
  }
  return 0;
}
#endif

ca_status ca_cpu_matmul(ca_backend *be, const ca_matmul *m) {
  (void)be;
  if (m->dtype < 0 || m->dtype >= CA_NDTYPES || m->batch < 0 || m->m < 0 || m->n < 0 || m->k < 0)
    return CA_ERR_VALUE;
  if (m->batch == 0 || m->m == 0 || m->n == 0) return CA_OK;
  int64_t sz = (int64_t)ca_itemsize(m->dtype);
#ifdef CA_HAVE_CBLAS
  int ta = 0, tb = 0;
  int64_t lda = 0, ldb = 0;
  int blas = (m->dtype == CA_FLOAT32 || m->dtype == CA_FLOAT64 || ca_is_complex(m->dtype)) &&
             m->k > 0 &&
             m->m <= INT_MAX && m->n <= INT_MAX && m->k <= INT_MAX && m->c_cs == 1 &&
             m->c_rs >= m->n && m->c_rs <= INT_MAX &&
             blas_view(m->m, m->k, m->a_rs, m->a_cs, &ta, &lda) &&
             blas_view(m->k, m->n, m->b_rs, m->b_cs, &tb, &ldb);
#endif
  for (int64_t bi = 0; bi < m->batch; bi++) {
    const char *a = m->a + bi * m->a_bs * sz, *b = m->b + bi * m->b_bs * sz;
    char *c = m->c + bi * m->c_bs * sz;
#ifdef CA_HAVE_CBLAS
    if (blas) {
      enum CBLAS_TRANSPOSE ka = ta ? CblasTrans : CblasNoTrans, kb = tb ? CblasTrans : CblasNoTrans;
      static const ca_c16 one16 = {1.0, 0.0}, zero16 = {0.0, 0.0};
      static const ca_c8 one8 = {1.0f, 0.0f}, zero8 = {0.0f, 0.0f};
      if (m->dtype == CA_COMPLEX128)
        cblas_zgemm(CblasRowMajor, ka, kb, (int)m->m, (int)m->n, (int)m->k, &one16, a, (int)lda,
                    b, (int)ldb, &zero16, c, (int)m->c_rs);
      else if (m->dtype == CA_COMPLEX64)
        cblas_cgemm(CblasRowMajor, ka, kb, (int)m->m, (int)m->n, (int)m->k, &one8, a, (int)lda,
                    b, (int)ldb, &zero8, c, (int)m->c_rs);
      else if (m->dtype == CA_FLOAT64)
        cblas_dgemm(CblasRowMajor, ka, kb, (int)m->m, (int)m->n, (int)m->k, 1.0,
                    (const double *)a, (int)lda, (const double *)b, (int)ldb, 0.0, (double *)c,
                    (int)m->c_rs);
      else
        cblas_sgemm(CblasRowMajor, ka, kb, (int)m->m, (int)m->n, (int)m->k, 1.0f,
                    (const float *)a, (int)lda, (const float *)b, (int)ldb, 0.0f, (float *)c,
                    (int)m->c_rs);
      continue;
    }
#endif
    plain(m, a, b, c);
  }
  return CA_OK;
}
