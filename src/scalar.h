/* The scalar formulas, each written once, read by the C compiler (CPU backend) and by nvcc
 * (CUDA kernels): ca_<op>_i on int64 (every integer dtype and bool computes there, results
 * wrap when stored), ca_<op>_f on float (float16, float32), ca_<op>_d on double.
 * Names follow src/ops.def. Integer arithmetic goes through uint64 so that overflow wraps
 * as NumPy's does instead of being undefined behaviour. */
#ifndef CA_SCALAR_H
#define CA_SCALAR_H

#include <math.h>
#include "convert.h"

/* ---- unary -------------------------------------------------------------------------- */

CA_FN ca_i ca_negative_i(ca_i x) { return (ca_i)(0u - (ca_u)x); }
CA_FN float ca_negative_f(float x) { return -x; }
CA_FN double ca_negative_d(double x) { return -x; }

CA_FN ca_i ca_abs_i(ca_i x) { return x < 0 ? ca_negative_i(x) : x; }
CA_FN float ca_abs_f(float x) { return fabsf(x); }
CA_FN double ca_abs_d(double x) { return fabs(x); }

CA_FN ca_i ca_square_i(ca_i x) { return (ca_i)((ca_u)x * (ca_u)x); }
CA_FN float ca_square_f(float x) { return x * x; }
CA_FN double ca_square_d(double x) { return x * x; }

CA_FN ca_i ca_sign_i(ca_i x) { return (x > 0) - (x < 0); }
CA_FN float ca_sign_f(float x) { return x > 0 ? 1.0f : x < 0 ? -1.0f : x; } /* 0 and NaN stay */
CA_FN double ca_sign_d(double x) { return x > 0 ? 1.0 : x < 0 ? -1.0 : x; }

/* Integer reciprocal is integer division 1 / x (0 for |x| > 1); 1 / 0 gives 0. */
CA_FN ca_i ca_reciprocal_i(ca_i x) { return x == 1 ? 1 : x == -1 ? -1 : 0; }
CA_FN float ca_reciprocal_f(float x) { return 1.0f / x; }
CA_FN double ca_reciprocal_d(double x) { return 1.0 / x; }

/* Rounding functions are the identity on integers. round is half to even, as NumPy's. */
CA_FN ca_i ca_floor_i(ca_i x) { return x; }
CA_FN float ca_floor_f(float x) { return floorf(x); }
CA_FN double ca_floor_d(double x) { return floor(x); }
CA_FN ca_i ca_ceil_i(ca_i x) { return x; }
CA_FN float ca_ceil_f(float x) { return ceilf(x); }
CA_FN double ca_ceil_d(double x) { return ceil(x); }
CA_FN ca_i ca_trunc_i(ca_i x) { return x; }
CA_FN float ca_trunc_f(float x) { return truncf(x); }
CA_FN double ca_trunc_d(double x) { return trunc(x); }
CA_FN ca_i ca_round_i(ca_i x) { return x; }
CA_FN float ca_round_f(float x) { return rintf(x); }
CA_FN double ca_round_d(double x) { return rint(x); }

/* conj is the identity on real values; angle of a real value is 0 or pi (arctan2(0, x)). */
CA_FN ca_i ca_conj_i(ca_i x) { return x; }
CA_FN float ca_conj_f(float x) { return x; }
CA_FN double ca_conj_d(double x) { return x; }
CA_FN float ca_angle_f(float x) { return atan2f(0.0f, x); }
CA_FN double ca_angle_d(double x) { return atan2(0.0, x); }

/* Math functions: only float kinds (the core promotes integer inputs to a float dtype). */
CA_FN float ca_exp_f(float x) { return expf(x); }
CA_FN double ca_exp_d(double x) { return exp(x); }
CA_FN float ca_expm1_f(float x) { return expm1f(x); }
CA_FN double ca_expm1_d(double x) { return expm1(x); }
CA_FN float ca_log_f(float x) { return logf(x); }
CA_FN double ca_log_d(double x) { return log(x); }
CA_FN float ca_log2_f(float x) { return log2f(x); }
CA_FN double ca_log2_d(double x) { return log2(x); }
CA_FN float ca_log10_f(float x) { return log10f(x); }
CA_FN double ca_log10_d(double x) { return log10(x); }
CA_FN float ca_log1p_f(float x) { return log1pf(x); }
CA_FN double ca_log1p_d(double x) { return log1p(x); }
CA_FN float ca_sqrt_f(float x) { return sqrtf(x); }
CA_FN double ca_sqrt_d(double x) { return sqrt(x); }
CA_FN float ca_sin_f(float x) { return sinf(x); }
CA_FN double ca_sin_d(double x) { return sin(x); }
CA_FN float ca_cos_f(float x) { return cosf(x); }
CA_FN double ca_cos_d(double x) { return cos(x); }
CA_FN float ca_tan_f(float x) { return tanf(x); }
CA_FN double ca_tan_d(double x) { return tan(x); }
CA_FN float ca_arcsin_f(float x) { return asinf(x); }
CA_FN double ca_arcsin_d(double x) { return asin(x); }
CA_FN float ca_arccos_f(float x) { return acosf(x); }
CA_FN double ca_arccos_d(double x) { return acos(x); }
CA_FN float ca_arctan_f(float x) { return atanf(x); }
CA_FN double ca_arctan_d(double x) { return atan(x); }
CA_FN float ca_sinh_f(float x) { return sinhf(x); }
CA_FN double ca_sinh_d(double x) { return sinh(x); }
CA_FN float ca_cosh_f(float x) { return coshf(x); }
CA_FN double ca_cosh_d(double x) { return cosh(x); }
CA_FN float ca_tanh_f(float x) { return tanhf(x); }
CA_FN double ca_tanh_d(double x) { return tanh(x); }

/* Predicates return 0 or 1. */
CA_FN ca_i ca_isnan_i(ca_i x) { (void)x; return 0; }
CA_FN ca_i ca_isnan_f(float x) { return x != x; }
CA_FN ca_i ca_isnan_d(double x) { return x != x; }
CA_FN ca_i ca_isinf_i(ca_i x) { (void)x; return 0; }
CA_FN ca_i ca_isinf_f(float x) { return x == INFINITY || x == -INFINITY; }
CA_FN ca_i ca_isinf_d(double x) { return x == INFINITY || x == -INFINITY; }
CA_FN ca_i ca_isfinite_i(ca_i x) { (void)x; return 1; }
CA_FN ca_i ca_isfinite_f(float x) { return x - x == 0.0f; }
CA_FN ca_i ca_isfinite_d(double x) { return x - x == 0.0; }
CA_FN ca_i ca_logical_not_i(ca_i x) { return x == 0; }
CA_FN ca_i ca_logical_not_f(float x) { return x == 0.0f; }
CA_FN ca_i ca_logical_not_d(double x) { return x == 0.0; }

/* Bitwise: integers only (on bool the core uses logical_not for invert). */
CA_FN ca_i ca_invert_i(ca_i x) { return ~x; }

/* ---- binary ------------------------------------------------------------------------- */

CA_FN ca_i ca_add_i(ca_i a, ca_i b) { return (ca_i)((ca_u)a + (ca_u)b); }
CA_FN float ca_add_f(float a, float b) { return a + b; }
CA_FN double ca_add_d(double a, double b) { return a + b; }
CA_FN ca_i ca_subtract_i(ca_i a, ca_i b) { return (ca_i)((ca_u)a - (ca_u)b); }
CA_FN float ca_subtract_f(float a, float b) { return a - b; }
CA_FN double ca_subtract_d(double a, double b) { return a - b; }
CA_FN ca_i ca_multiply_i(ca_i a, ca_i b) { return (ca_i)((ca_u)a * (ca_u)b); }
CA_FN float ca_multiply_f(float a, float b) { return a * b; }
CA_FN double ca_multiply_d(double a, double b) { return a * b; }
CA_FN float ca_divide_f(float a, float b) { return a / b; }
CA_FN double ca_divide_d(double a, double b) { return a / b; }

/* Integer floor division rounds toward minus infinity; division by zero gives 0. */
CA_FN ca_i ca_floor_divide_i(ca_i a, ca_i b) {
  if (b == 0) return 0;
  if (b == -1) return ca_negative_i(a); /* INT64_MIN / -1 would trap */
  ca_i q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) q--;
  return q;
}
/* Float floor division and modulo as NumPy's npy_divmod: consistent with each other,
 * a == b * (a // b) + a % b as closely as rounding allows. */
CA_FN double ca_floor_divide_d(double a, double b) {
  if (b == 0.0) return a / b;
  double m = fmod(a, b), div = (a - m) / b;
  if (m != 0.0 && ((b < 0) != (m < 0))) div -= 1.0;
  if (div == 0.0) return copysign(0.0, a / b);
  double fl = floor(div);
  return div - fl > 0.5 ? fl + 1.0 : fl;
}
CA_FN float ca_floor_divide_f(float a, float b) { return (float)ca_floor_divide_d(a, b); }

/* mod (NumPy's remainder) takes the divisor's sign; integer mod by zero gives 0. */
CA_FN ca_i ca_mod_i(ca_i a, ca_i b) {
  if (b == 0 || b == -1) return 0;
  ca_i r = a % b;
  if (r != 0 && ((r < 0) != (b < 0))) r += b;
  return r;
}
CA_FN double ca_mod_d(double a, double b) {
  if (b == 0.0) return fmod(a, b); /* NaN */
  double m = fmod(a, b);
  if (m != 0.0) {
    if ((b < 0) != (m < 0)) m += b;
  } else {
    m = copysign(0.0, b);
  }
  return m;
}
CA_FN float ca_mod_f(float a, float b) { return (float)ca_mod_d(a, b); }

/* fmod takes the dividend's sign (C's %); integer fmod by zero gives 0. */
CA_FN ca_i ca_fmod_i(ca_i a, ca_i b) { return (b == 0 || b == -1) ? 0 : a % b; }
CA_FN float ca_fmod_f(float a, float b) { return fmodf(a, b); }
CA_FN double ca_fmod_d(double a, double b) { return fmod(a, b); }

/* Integer power wraps; a negative exponent gives the truncated result (1 / a^-b: 0 unless
 * a is 1 or -1), where NumPy raises. */
CA_FN ca_i ca_power_i(ca_i a, ca_i b) {
  if (b < 0) return a == 1 ? 1 : a == -1 ? ((b & 1) ? -1 : 1) : 0;
  ca_u r = 1, base = (ca_u)a;
  while (b) {
    if (b & 1) r *= base;
    base *= base;
    b >>= 1;
  }
  return (ca_i)r;
}
CA_FN float ca_power_f(float a, float b) { return powf(a, b); }
CA_FN double ca_power_d(double a, double b) { return pow(a, b); }

/* maximum/minimum propagate NaN (NumPy's, not fmax's). */
CA_FN ca_i ca_maximum_i(ca_i a, ca_i b) { return a > b ? a : b; }
CA_FN float ca_maximum_f(float a, float b) { return (a != a || a > b) ? a : (b != b ? b : (a == b ? a : b)); }
CA_FN double ca_maximum_d(double a, double b) { return (a != a || a > b) ? a : (b != b ? b : (a == b ? a : b)); }
CA_FN ca_i ca_minimum_i(ca_i a, ca_i b) { return a < b ? a : b; }
CA_FN float ca_minimum_f(float a, float b) { return (a != a || a < b) ? a : (b != b ? b : (a == b ? a : b)); }
CA_FN double ca_minimum_d(double a, double b) { return (a != a || a < b) ? a : (b != b ? b : (a == b ? a : b)); }

CA_FN float ca_arctan2_f(float a, float b) { return atan2f(a, b); }
CA_FN double ca_arctan2_d(double a, double b) { return atan2(a, b); }

CA_FN ca_i ca_equal_i(ca_i a, ca_i b) { return a == b; }
CA_FN ca_i ca_equal_f(float a, float b) { return a == b; }
CA_FN ca_i ca_equal_d(double a, double b) { return a == b; }
CA_FN ca_i ca_not_equal_i(ca_i a, ca_i b) { return a != b; }
CA_FN ca_i ca_not_equal_f(float a, float b) { return a != b; }
CA_FN ca_i ca_not_equal_d(double a, double b) { return a != b; }
CA_FN ca_i ca_less_i(ca_i a, ca_i b) { return a < b; }
CA_FN ca_i ca_less_f(float a, float b) { return a < b; }
CA_FN ca_i ca_less_d(double a, double b) { return a < b; }
CA_FN ca_i ca_less_equal_i(ca_i a, ca_i b) { return a <= b; }
CA_FN ca_i ca_less_equal_f(float a, float b) { return a <= b; }
CA_FN ca_i ca_less_equal_d(double a, double b) { return a <= b; }
CA_FN ca_i ca_greater_i(ca_i a, ca_i b) { return a > b; }
CA_FN ca_i ca_greater_f(float a, float b) { return a > b; }
CA_FN ca_i ca_greater_d(double a, double b) { return a > b; }
CA_FN ca_i ca_greater_equal_i(ca_i a, ca_i b) { return a >= b; }
CA_FN ca_i ca_greater_equal_f(float a, float b) { return a >= b; }
CA_FN ca_i ca_greater_equal_d(double a, double b) { return a >= b; }

CA_FN ca_i ca_logical_and_i(ca_i a, ca_i b) { return (a != 0) && (b != 0); }
CA_FN ca_i ca_logical_and_f(float a, float b) { return (a != 0) && (b != 0); }
CA_FN ca_i ca_logical_and_d(double a, double b) { return (a != 0) && (b != 0); }
CA_FN ca_i ca_logical_or_i(ca_i a, ca_i b) { return (a != 0) || (b != 0); }
CA_FN ca_i ca_logical_or_f(float a, float b) { return (a != 0) || (b != 0); }
CA_FN ca_i ca_logical_or_d(double a, double b) { return (a != 0) || (b != 0); }
CA_FN ca_i ca_logical_xor_i(ca_i a, ca_i b) { return (a != 0) != (b != 0); }
CA_FN ca_i ca_logical_xor_f(float a, float b) { return (a != 0) != (b != 0); }
CA_FN ca_i ca_logical_xor_d(double a, double b) { return (a != 0) != (b != 0); }

CA_FN ca_i ca_bitwise_and_i(ca_i a, ca_i b) { return a & b; }
CA_FN ca_i ca_bitwise_or_i(ca_i a, ca_i b) { return a | b; }
CA_FN ca_i ca_bitwise_xor_i(ca_i a, ca_i b) { return a ^ b; }
/* Shifts as NumPy's: a count that is negative or not below the width gives 0 (left) or the
 * sign, 0 or -1 (right). NumPy's width is the dtype's; on the int64 value the limit 64 gives
 * the same results for every narrower integer dtype, since a left shift by width..63 leaves no
 * bit of the value in the stored width and a right shift by width..63 of a sign-extended value
 * leaves only its sign. */
CA_FN ca_i ca_left_shift_i(ca_i a, ca_i b) { return (b < 0 || b >= 64) ? 0 : (ca_i)((ca_u)a << b); }
CA_FN ca_i ca_right_shift_i(ca_i a, ca_i b) {
  if (b < 0 || b >= 64) return a < 0 ? -1 : 0;
  return a >> b;
}

/* ---- complex ---------------------------------------------------------------------------
 * ca_<op>_c on complex float (complex64), ca_<op>_z on complex double (complex128), as NumPy
 * computes them: division by Smith's algorithm, abs by hypot, exp/log/sqrt with C99 Annex G's
 * branch cuts (log and sqrt cut along the negative real axis, continuous from above for +0
 * imaginary parts), power by repeated multiplication for small integral real exponents and
 * exp(b log a) otherwise. Only the ops listed by CA_CPLX_HAS_<op> below have complex formulas;
 * the core refuses the others for complex dtypes (NumPy 2 has no ordering of complex values). */

#define CA_CPLX_HAS_negative ~, 1
#define CA_CPLX_HAS_abs ~, 1
#define CA_CPLX_HAS_square ~, 1
#define CA_CPLX_HAS_sign ~, 1
#define CA_CPLX_HAS_reciprocal ~, 1
#define CA_CPLX_HAS_exp ~, 1
#define CA_CPLX_HAS_log ~, 1
#define CA_CPLX_HAS_sqrt ~, 1
#define CA_CPLX_HAS_isnan ~, 1
#define CA_CPLX_HAS_isinf ~, 1
#define CA_CPLX_HAS_isfinite ~, 1
#define CA_CPLX_HAS_logical_not ~, 1
#define CA_CPLX_HAS_conj ~, 1
#define CA_CPLX_HAS_angle ~, 1
#define CA_CPLX_HAS_add ~, 1
#define CA_CPLX_HAS_subtract ~, 1
#define CA_CPLX_HAS_multiply ~, 1
#define CA_CPLX_HAS_divide ~, 1
#define CA_CPLX_HAS_power ~, 1
#define CA_CPLX_HAS_equal ~, 1
#define CA_CPLX_HAS_not_equal ~, 1
#define CA_CPLX_HAS_logical_and ~, 1
#define CA_CPLX_HAS_logical_or ~, 1
#define CA_CPLX_HAS_logical_xor ~, 1
/* CA_HAS_CPLX(name): 1 for an op listed above, else 0; CA_CPLX_KINDS(X, name): X(name, c)
 * X(name, z) for a listed op, nothing otherwise (the backends' kernel lists). */
#define CA_CPLX_SECOND_(a, b, ...) b
#define CA_CPLX_SECOND(...) CA_CPLX_SECOND_(__VA_ARGS__)
#define CA_HAS_CPLX(name) CA_CPLX_SECOND(CA_CPLX_HAS_##name, 0, ~)
#define CA_CPLX_CAT_(a, b) a##b
#define CA_CPLX_CAT(a, b) CA_CPLX_CAT_(a, b)
#define CA_CPLX_KINDS(X, name) CA_CPLX_CAT(CA_CPLX_KINDS_, CA_HAS_CPLX(name))(X, name)
#define CA_CPLX_KINDS_1(X, name) X(name, c) X(name, z)
#define CA_CPLX_KINDS_0(X, name)

CA_FN ca_c8 ca_negative_c(ca_c8 x) { return ca_c8_of(-x.re, -x.im); }
CA_FN ca_c16 ca_negative_z(ca_c16 x) { return ca_c16_of(-x.re, -x.im); }
CA_FN ca_c8 ca_conj_c(ca_c8 x) { return ca_c8_of(x.re, -x.im); }
CA_FN ca_c16 ca_conj_z(ca_c16 x) { return ca_c16_of(x.re, -x.im); }
CA_FN float ca_abs_c(ca_c8 x) { return hypotf(x.re, x.im); }
CA_FN double ca_abs_z(ca_c16 x) { return hypot(x.re, x.im); }
CA_FN float ca_angle_c(ca_c8 x) { return atan2f(x.im, x.re); }
CA_FN double ca_angle_z(ca_c16 x) { return atan2(x.im, x.re); }

CA_FN ca_c8 ca_add_c(ca_c8 a, ca_c8 b) { return ca_c8_of(a.re + b.re, a.im + b.im); }
CA_FN ca_c16 ca_add_z(ca_c16 a, ca_c16 b) { return ca_c16_of(a.re + b.re, a.im + b.im); }
CA_FN ca_c8 ca_subtract_c(ca_c8 a, ca_c8 b) { return ca_c8_of(a.re - b.re, a.im - b.im); }
CA_FN ca_c16 ca_subtract_z(ca_c16 a, ca_c16 b) { return ca_c16_of(a.re - b.re, a.im - b.im); }
CA_FN ca_c8 ca_multiply_c(ca_c8 a, ca_c8 b) {
  return ca_c8_of(a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re);
}
CA_FN ca_c16 ca_multiply_z(ca_c16 a, ca_c16 b) {
  return ca_c16_of(a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re);
}
/* Smith's algorithm, as NumPy's loops: scaled by the larger part of the divisor; 0 / 0 gives
 * NaNs and x / 0 infinities. */
CA_FN ca_c16 ca_divide_z(ca_c16 a, ca_c16 b) {
  double br = fabs(b.re), bi = fabs(b.im);
  if (br >= bi) {
    if (br == 0.0 && bi == 0.0) return ca_c16_of(a.re / br, a.im / br);
    double rat = b.im / b.re, scl = 1.0 / (b.re + b.im * rat);
    return ca_c16_of((a.re + a.im * rat) * scl, (a.im - a.re * rat) * scl);
  }
  double rat = b.re / b.im, scl = 1.0 / (b.im + b.re * rat);
  return ca_c16_of((a.re * rat + a.im) * scl, (a.im * rat - a.re) * scl);
}
CA_FN ca_c8 ca_divide_c(ca_c8 a, ca_c8 b) {
  float br = fabsf(b.re), bi = fabsf(b.im);
  if (br >= bi) {
    if (br == 0.0f && bi == 0.0f) return ca_c8_of(a.re / br, a.im / br);
    float rat = b.im / b.re, scl = 1.0f / (b.re + b.im * rat);
    return ca_c8_of((a.re + a.im * rat) * scl, (a.im - a.re * rat) * scl);
  }
  float rat = b.re / b.im, scl = 1.0f / (b.im + b.re * rat);
  return ca_c8_of((a.re * rat + a.im) * scl, (a.im * rat - a.re) * scl);
}
CA_FN ca_c8 ca_square_c(ca_c8 x) { return ca_multiply_c(x, x); }
CA_FN ca_c16 ca_square_z(ca_c16 x) { return ca_multiply_z(x, x); }
/* NumPy's reciprocal (its own loop, not 1 / z: the reciprocal of 0 is NaN). */
CA_FN ca_c16 ca_reciprocal_z(ca_c16 x) {
  if (fabs(x.im) <= fabs(x.re)) {
    double r = x.im / x.re, d = 1.0 / (x.re + x.im * r);
    return ca_c16_of(d, -r * d);
  }
  double r = x.re / x.im, d = 1.0 / (x.re * r + x.im);
  return ca_c16_of(r * d, -d);
}
CA_FN ca_c8 ca_reciprocal_c(ca_c8 x) {
  if (fabsf(x.im) <= fabsf(x.re)) {
    float r = x.im / x.re, d = 1.0f / (x.re + x.im * r);
    return ca_c8_of(d, -r * d);
  }
  float r = x.re / x.im, d = 1.0f / (x.re * r + x.im);
  return ca_c8_of(r * d, -d);
}
/* NumPy 2: z / |z|, and 0 for 0 (NaN parts stay NaN). */
CA_FN ca_c16 ca_sign_z(ca_c16 x) {
  double m = hypot(x.re, x.im);
  if (m == 0.0) return ca_c16_of(0.0, 0.0);
  if (m != m || m == INFINITY) {
    if (x.re != x.re || x.im != x.im) return ca_c16_of(NAN, NAN);
    return ca_c16_of(x.re == INFINITY ? 1.0 : x.re == -INFINITY ? -1.0 : 0.0,
                     x.im == INFINITY ? 1.0 : x.im == -INFINITY ? -1.0 : 0.0);
  }
  return ca_c16_of(x.re / m, x.im / m);
}
CA_FN ca_c8 ca_sign_c(ca_c8 x) { return ca_z2c(ca_sign_z(ca_c2z(x))); }

CA_FN ca_i ca_equal_c(ca_c8 a, ca_c8 b) { return a.re == b.re && a.im == b.im; }
CA_FN ca_i ca_equal_z(ca_c16 a, ca_c16 b) { return a.re == b.re && a.im == b.im; }
CA_FN ca_i ca_not_equal_c(ca_c8 a, ca_c8 b) { return !(a.re == b.re && a.im == b.im); }
CA_FN ca_i ca_not_equal_z(ca_c16 a, ca_c16 b) { return !(a.re == b.re && a.im == b.im); }
CA_FN ca_i ca_isnan_c(ca_c8 x) { return x.re != x.re || x.im != x.im; }
CA_FN ca_i ca_isnan_z(ca_c16 x) { return x.re != x.re || x.im != x.im; }
CA_FN ca_i ca_isinf_c(ca_c8 x) { return ca_isinf_f(x.re) || ca_isinf_f(x.im); }
CA_FN ca_i ca_isinf_z(ca_c16 x) { return ca_isinf_d(x.re) || ca_isinf_d(x.im); }
CA_FN ca_i ca_isfinite_c(ca_c8 x) { return ca_isfinite_f(x.re) && ca_isfinite_f(x.im); }
CA_FN ca_i ca_isfinite_z(ca_c16 x) { return ca_isfinite_d(x.re) && ca_isfinite_d(x.im); }
CA_FN ca_i ca_logical_not_c(ca_c8 x) { return !ca_truth_c(x); }
CA_FN ca_i ca_logical_not_z(ca_c16 x) { return !ca_truth_z(x); }
CA_FN ca_i ca_logical_and_c(ca_c8 a, ca_c8 b) { return ca_truth_c(a) && ca_truth_c(b); }
CA_FN ca_i ca_logical_and_z(ca_c16 a, ca_c16 b) { return ca_truth_z(a) && ca_truth_z(b); }
CA_FN ca_i ca_logical_or_c(ca_c8 a, ca_c8 b) { return ca_truth_c(a) || ca_truth_c(b); }
CA_FN ca_i ca_logical_or_z(ca_c16 a, ca_c16 b) { return ca_truth_z(a) || ca_truth_z(b); }
CA_FN ca_i ca_logical_xor_c(ca_c8 a, ca_c8 b) { return ca_truth_c(a) != ca_truth_c(b); }
CA_FN ca_i ca_logical_xor_z(ca_c16 a, ca_c16 b) { return ca_truth_z(a) != ca_truth_z(b); }

/* exp: e^re (cos im, sin im); a real argument keeps its imaginary zero, and e^-inf times a
 * non-finite angle is 0 (Annex G). */
CA_FN ca_c16 ca_exp_z(ca_c16 x) {
  if (x.im == 0.0) return ca_c16_of(exp(x.re), x.im);
  if (x.re == -INFINITY && !(x.im - x.im == 0.0)) return ca_c16_of(0.0, 0.0);
  double r = exp(x.re);
  return ca_c16_of(r * cos(x.im), r * sin(x.im));
}
/* log: log |z| + i arg z (log 0 = -inf + i arg). */
CA_FN ca_c16 ca_log_z(ca_c16 x) { return ca_c16_of(log(hypot(x.re, x.im)), atan2(x.im, x.re)); }

/* sqrt: the principal root (real part >= 0, the imaginary part's sign kept), Annex G's special
 * values; the root of the larger part first, so that no intermediate cancels. */
CA_FN ca_c16 ca_sqrt_z(ca_c16 x) {
  double re = x.re, im = x.im;
  if (re == 0.0 && im == 0.0) return ca_c16_of(0.0, im);
  if (im == INFINITY || im == -INFINITY) return ca_c16_of(INFINITY, im);
  if (re != re) return ca_c16_of(re, (im - im) / (im - im));
  if (re == INFINITY || re == -INFINITY) {
    if (re < 0) return ca_c16_of(fabs(im - im), copysign(INFINITY, im));
    return ca_c16_of(re, copysign(im - im, im));
  }
  double t = sqrt((fabs(re) + hypot(re, im)) * 0.5);
  if (re >= 0.0) return ca_c16_of(t, im / (2.0 * t));
  return ca_c16_of(fabs(im) / (2.0 * t), copysign(t, im));
}
/* power as NumPy's npy_cpow: b = 0 gives 1; a = 0 gives 0 for a positive real b, else NaN;
 * an integral real b with |b| < 100 multiplies by squaring (a reciprocal for b < 0);
 * otherwise exp(b log a). */
CA_FN ca_c16 ca_power_z(ca_c16 a, ca_c16 b) {
  if (b.re == 0.0 && b.im == 0.0) return ca_c16_of(1.0, 0.0);
  if (a.re == 0.0 && a.im == 0.0) {
    if (b.re > 0.0 && b.im == 0.0) return ca_c16_of(0.0, 0.0);
    return ca_c16_of(NAN, NAN);
  }
  if (b.im == 0.0 && b.re == (double)(int)b.re && b.re > -100.0 && b.re < 100.0) {
    int n = (int)b.re, m = n < 0 ? -n : n;
    if (n == 1) return a;
    if (n == 2) return ca_multiply_z(a, a);
    if (n == 3) return ca_multiply_z(ca_multiply_z(a, a), a);
    ca_c16 r = ca_c16_of(1.0, 0.0), p = a;
    for (int mask = 1; mask <= m; mask <<= 1) {
      if (m & mask) r = ca_multiply_z(r, p);
      p = ca_multiply_z(p, p);
    }
    return n < 0 ? ca_divide_z(ca_c16_of(1.0, 0.0), r) : r;
  }
  ca_c16 l = ca_log_z(a); /* a real exponent scales both parts (no 0 * inf from its 0j) */
  return ca_exp_z(b.im == 0.0 ? ca_c16_of(b.re * l.re, b.re * l.im) : ca_multiply_z(b, l));
}
/* complex64's exp, log, sqrt and power compute in double and round once, as close to the
 * correctly rounded value as C libraries' cexpf / clogf / csqrtf come (float arithmetic would
 * lose log |z| near |z| = 1). */
CA_FN ca_c8 ca_exp_c(ca_c8 x) { return ca_z2c(ca_exp_z(ca_c2z(x))); }
CA_FN ca_c8 ca_log_c(ca_c8 x) { return ca_z2c(ca_log_z(ca_c2z(x))); }
CA_FN ca_c8 ca_sqrt_c(ca_c8 x) { return ca_z2c(ca_sqrt_z(ca_c2z(x))); }
CA_FN ca_c8 ca_power_c(ca_c8 a, ca_c8 b) { return ca_z2c(ca_power_z(ca_c2z(a), ca_c2z(b))); }

/* ---- random: Philox4x32-10 (Salmon et al., Random123; the same as cuRAND's) ------------- */

typedef struct ca_u32x4 { uint32_t v[4]; } ca_u32x4;

CA_FN uint32_t ca_mulhilo32(uint32_t a, uint32_t b, uint32_t *hi) {
  uint64_t p = (uint64_t)a * b;
  *hi = (uint32_t)(p >> 32);
  return (uint32_t)p;
}

/* One block: four 32-bit words for the 64-bit counter `ctr` under the 64-bit key `seed`. */
CA_FN ca_u32x4 ca_philox(uint64_t seed, uint64_t ctr) {
  uint32_t c0 = (uint32_t)ctr, c1 = (uint32_t)(ctr >> 32), c2 = 0, c3 = 0;
  uint32_t k0 = (uint32_t)seed, k1 = (uint32_t)(seed >> 32);
  for (int r = 0; r < 10; r++) {
    uint32_t hi0, hi1;
    uint32_t lo0 = ca_mulhilo32(0xD2511F53u, c0, &hi0);
    uint32_t lo1 = ca_mulhilo32(0xCD9E8D57u, c2, &hi1);
    uint32_t n0 = hi1 ^ c1 ^ k0, n2 = hi0 ^ c3 ^ k1;
    c0 = n0; c1 = lo1; c2 = n2; c3 = lo0;
    k0 += 0x9E3779B9u; k1 += 0xBB67AE85u;
  }
  ca_u32x4 out = {{c0, c1, c2, c3}};
  return out;
}

/* The stream, per draw: a draw of n elements uses blocks counter, counter + 1, ...
 * - uniform float16/float32: one word per element, block i/4, word i%4;
 *   float32 u = (w >> 8) * 2^-24, float16 u = (w >> 21) * 2^-11 (both exact, in [0, 1)).
 * - uniform float64: two words per element, block i/2, words 2(i%2), 2(i%2)+1;
 *   u = (w0:w1 >> 11) * 2^-53.
 * - normal: Box-Muller on pairs; float16/32: block i/4 holds two pairs (words 0,1 and 2,3),
 *   element 2p takes r cos t, 2p+1 takes r sin t with r = sqrt(-2 ln(1 - u1)), t = 2 pi u2,
 *   u as for float32; float64: block i/2 holds one pair of 53-bit uniforms.
 * - integers in [lo, hi): two words per element as for float64 uniform, lo + mulhi(x, span).
 * Uniform values are lo + (hi - lo) * u in the output's compute precision. */
CA_FN int64_t ca_random_per_block(int dtype, int dist) {
  if (dist == CA_DIST_INTEGER || dtype == CA_FLOAT64) return 2;
  return 4;
}
CA_FN uint64_t ca_random_blocks(int dtype, int dist, int64_t n) {
  int64_t per = ca_random_per_block(dtype, dist);
  return (uint64_t)((n + per - 1) / per);
}
CA_FN float ca_u01_f(uint32_t w) { return (float)(w >> 8) * (1.0f / 16777216.0f); }
CA_FN float ca_u01_h(uint32_t w) { return (float)(w >> 21) * (1.0f / 2048.0f); }
CA_FN double ca_u01_d(uint32_t w0, uint32_t w1) {
  return (double)((((uint64_t)w0 << 32) | w1) >> 11) * (1.0 / 9007199254740992.0);
}
CA_FN uint64_t ca_mulhi64(uint64_t a, uint64_t b) {
#ifdef __CUDA_ARCH__
  return __umul64hi(a, b);
#else
  return (uint64_t)(((unsigned __int128)a * b) >> 64);
#endif
}
/* Box-Muller on one pair of uniforms in [0, 1); writes two normals. */
CA_FN void ca_box_muller_f(float u1, float u2, float *z0, float *z1) {
  float r = sqrtf(-2.0f * logf(1.0f - u1)), t = 6.2831853071795864f * u2, s, c;
#ifdef __CUDA_ARCH__
  sincosf(t, &s, &c); /* one range reduction for both: 0.57 ms instead of 0.69 per 2^28 */
#else
  s = sinf(t);
  c = cosf(t);
#endif
  *z0 = r * c;
  *z1 = r * s;
}
CA_FN void ca_box_muller_d(double u1, double u2, double *z0, double *z1) {
  double r = sqrt(-2.0 * log(1.0 - u1)), t = 6.283185307179586477 * u2, s, c;
#ifdef __CUDA_ARCH__
  sincos(t, &s, &c);
#else
  s = sin(t);
  c = cos(t);
#endif
  *z0 = r * c;
  *z1 = r * s;
}

#endif
