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

/* Every dtype, in promotion order (ca_promote and the kind tests below rely on it):
 *   (NAME, name, storage type, compute kind, family)
 * The storage type is the C type of an element, the same on every device. The compute kind is
 * the letter of the type a backend computes in (CA_KINDS in convert.h: i int64, f float,
 * d double); the family says how a value of any kind is stored (convert.h). This list is data:
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
  X(__VA_ARGS__ FLOAT64, float64, double, d, FLOAT)

typedef enum ca_dtype {
#define CA_DTYPE_ENUM(NAME, name, ST, K, FAM) CA_##NAME,
  CA_DTYPES(CA_DTYPE_ENUM, )
#undef CA_DTYPE_ENUM
  CA_NDTYPES
} ca_dtype;

/* The kind of a dtype in NumPy's casting order, bool < integer < float (how a backend
 * computes on a dtype is its compute kind, in the list above). */
typedef enum ca_kind { CA_KIND_BOOL, CA_KIND_INT, CA_KIND_FLOAT } ca_kind;

CA_HD static inline ca_kind ca_dtype_kind(int dt) {
  return dt == CA_BOOL ? CA_KIND_BOOL : dt <= CA_INT64 ? CA_KIND_INT : CA_KIND_FLOAT;
}
CA_HD static inline int ca_is_float(int dt) { return dt >= CA_FLOAT16; }
CA_HD static inline int ca_is_integer(int dt) { return dt >= CA_INT8 && dt <= CA_INT64; }

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
int ca_can_cast_same_kind(int from, int to);
#endif

#endif
