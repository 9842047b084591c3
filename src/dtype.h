/* dtypes: the list of dtypes, names, sizes and NumPy 2 promotion (their conversions are in
 * convert.h).
 * Read by the C compiler and by nvcc (as C++). */
#ifndef CA_DTYPE_H
#define CA_DTYPE_H

#include <stdint.h>
#include <stddef.h>

#ifdef __CUDACC__
#define CA_HD __host__ __device__
#else
#define CA_HD
#endif

/* A complex value: the storage type of complex64 and complex128 and the type their compute
 * kinds (c, z) compute in. C99's complex types are not shared with nvcc, so a plain pair. */
typedef struct ca_c8 { float re, im; } ca_c8;
typedef struct ca_c16 { double re, im; } ca_c16;


/* Every dtype, numbered as the public C API (src/cuarray.h) numbers them: a new dtype is
 * appended, and promotion comes from the table in dtype.c, not from this order:
 *   (NAME, name, storage type, compute kind, family)
 * The storage type is the C type of an element, the same on every device. The compute kind is
 * the letter of the type a backend computes in (CA_KINDS in convert.h: i int64, u uint64,
 * f float, d double, c complex float, z complex double); the family says how a value of any kind is stored (convert.h). This list is data:
 * the enum, the sizes and every conversion are instantiated from it. Leading arguments are
 * passed through to X: write them with a trailing comma, or pass one empty argument. */
#define CA_DTYPES(X, ...)                                                                      \
  X(__VA_ARGS__ BOOL, bool, uint8_t, i, TRUTH)                                                 \
  X(__VA_ARGS__ INT8, int8, int8_t, i, INT)                                                    \
  X(__VA_ARGS__ UINT8, uint8, uint8_t, i, INT)                                                 \
  X(__VA_ARGS__ INT16, int16, int16_t, i, INT)                                                 \
  X(__VA_ARGS__ INT32, int32, int32_t, i, INT)                                                 \
  X(__VA_ARGS__ INT64, int64, int64_t, i, INT)                                                 \
  X(__VA_ARGS__ FLOAT16, float16, uint16_t, f, BITS)                                           \
  X(__VA_ARGS__ FLOAT32, float32, float, f, FLOAT)                                             \
  X(__VA_ARGS__ FLOAT64, float64, double, d, FLOAT)                                            \
  X(__VA_ARGS__ COMPLEX64, complex64, ca_c8, c, CPLX)                                          \
  X(__VA_ARGS__ COMPLEX128, complex128, ca_c16, z, CPLX)                                       \
  X(__VA_ARGS__ UINT16, uint16, uint16_t, i, INT)                                              \
  X(__VA_ARGS__ UINT32, uint32, uint32_t, i, INT)                                              \
  X(__VA_ARGS__ BFLOAT16, bfloat16, uint16_t, f, BITS)                                         \
  X(__VA_ARGS__ UINT64, uint64, uint64_t, u, UINT)

/* The widest element (complex128), for host buffers that hold one element of any dtype. It has
 * a member of every storage type, so that an element stored or read through a pointer of its
 * own type is an access the compilers' aliasing rules allow (a store of a complex128 through a
 * cast into a union of integers alone lost its imaginary part in nvcc's host pass). */
#define CA_MAXITEM 16
typedef union ca_elem {
  uint64_t u[2];
  double d[2];
#define CA_ELEM_MEMBER(NAME, name, ST, K, FAM) ST as_##name;
  CA_DTYPES(CA_ELEM_MEMBER, )
#undef CA_ELEM_MEMBER
} ca_elem;

typedef enum ca_dtype {
#define CA_DTYPE_ENUM(NAME, name, ST, K, FAM) CA_##NAME,
  CA_DTYPES(CA_DTYPE_ENUM, )
#undef CA_DTYPE_ENUM
  CA_NDTYPES
} ca_dtype;

/* The kind of a dtype in NumPy's casting order, bool < integer < float < complex (how a
 * backend computes on a dtype is its compute kind, in the list above). */
typedef enum ca_kind { CA_KIND_BOOL, CA_KIND_INT, CA_KIND_FLOAT, CA_KIND_COMPLEX } ca_kind;

CA_HD static inline ca_kind ca_dtype_kind(int dt) {
  switch (dt) {
  case CA_BOOL: return CA_KIND_BOOL;
  case CA_FLOAT16: case CA_FLOAT32: case CA_FLOAT64: case CA_BFLOAT16: return CA_KIND_FLOAT;
  case CA_COMPLEX64: case CA_COMPLEX128: return CA_KIND_COMPLEX;
  default: return CA_KIND_INT;
  }
}
/* Real floats only: a complex dtype is not "float" (ca_is_inexact covers both). */
CA_HD static inline int ca_is_float(int dt) { return ca_dtype_kind(dt) == CA_KIND_FLOAT; }
CA_HD static inline int ca_is_complex(int dt) { return ca_dtype_kind(dt) == CA_KIND_COMPLEX; }
CA_HD static inline int ca_is_inexact(int dt) { return ca_dtype_kind(dt) >= CA_KIND_FLOAT; }
CA_HD static inline int ca_is_integer(int dt) { return ca_dtype_kind(dt) == CA_KIND_INT; }
CA_HD static inline int ca_is_unsigned(int dt) {
  return dt == CA_UINT8 || dt == CA_UINT16 || dt == CA_UINT32 || dt == CA_UINT64;
}
/* The real dtype of a complex one's parts (abs, real, imag); other dtypes are their own. */
CA_HD static inline int ca_real_of(int dt) {
  return dt == CA_COMPLEX64 ? CA_FLOAT32 : dt == CA_COMPLEX128 ? CA_FLOAT64 : dt;
}

CA_HD static inline size_t ca_itemsize(int dt) {
  switch (dt) {
#define CA_ITEMSIZE_CASE(NAME, name, ST, K, FAM) case CA_##NAME: return sizeof(ST);
  CA_DTYPES(CA_ITEMSIZE_CASE, )
#undef CA_ITEMSIZE_CASE
  default: return 8;
  }
}

#ifndef __CUDACC__
/* Host-only helpers (src/dtype.c). */
const char *ca_dtype_name(int dt);
int ca_dtype_from_name(const char *name); /* -1 when unknown; accepts NumPy aliases */
int ca_promote(int a, int b);             /* NumPy 2 result type of two array dtypes */
/* numpy.result_type of arrays whose dtypes are the set bits of `seen` (1u << dt each), -1 for
 * none. Promotion is not associative (uint8 with int8 is int16, and int16 with float16 is
 * float32, but the three together are float16), so with a float present each dtype is first
 * promoted with the widest float, as NumPy does. */
int ca_promote_set(unsigned seen);
int ca_float_for(int dt);                 /* the float a math function of dt returns */
/* NumPy's casting rules (numpy.can_cast of two dtypes). */
enum { CA_CAST_NO, CA_CAST_EQUIV, CA_CAST_SAFE, CA_CAST_SAME_KIND, CA_CAST_UNSAFE };
int ca_can_cast(int from, int to, int casting);
int ca_can_cast_same_kind(int from, int to);
#endif

#endif
