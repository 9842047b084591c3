/* The scalar formulas, each written once, read by the C compiler (CPU backend) and by nvcc
 * (CUDA kernels): ca_<op>_i on int64 (every integer dtype but uint64, and bool, computes there,
 * results wrap when stored), ca_<op>_u on uint64 (the section "uint64" below), ca_<op>_f on
 * float (float16, float32), ca_<op>_d on double.
 * Names follow src/ops.def. Integer arithmetic goes through uint64 so that overflow wraps
 * as NumPy's does instead of being undefined behaviour. */
#ifndef CA_SCALAR_H
#define CA_SCALAR_H

#include <math.h>
#include "convert.h"
#include "complex_math.h" /* the complex elementary functions (exp, log, sin, arctanh, ...) */

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
/* NaN stays NaN; both zeros give +0, as NumPy's sign. */
CA_FN float ca_sign_f(float x) { return x > 0 ? 1.0f : x < 0 ? -1.0f : x == 0 ? 0.0f : x; }
CA_FN double ca_sign_d(double x) { return x > 0 ? 1.0 : x < 0 ? -1.0 : x == 0 ? 0.0 : x; }

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
/* rint is round computed in a float: NumPy's rint of integers and bool gives a float. */
CA_FN float ca_rint_f(float x) { return ca_round_f(x); }
CA_FN double ca_rint_d(double x) { return ca_round_d(x); }

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

/* ---- uint64 -------------------------------------------------------------------------------
 * The unsigned formulas of every op that has an int64 one: arithmetic wraps modulo 2^64,
 * comparisons, division, modulo, shifts and max/min see values up to 2^64 - 1. As on int64,
 * division and modulo by zero give 0 and a shift by 64 or more gives 0; the rounding functions
 * are the identity and the float predicates false. Predicates return ca_i, as on every kind. */
CA_FN ca_u ca_negative_u(ca_u x) { return 0u - x; }
CA_FN ca_u ca_abs_u(ca_u x) { return x; }
CA_FN ca_u ca_square_u(ca_u x) { return x * x; }
CA_FN ca_u ca_sign_u(ca_u x) { return x != 0; }
CA_FN ca_u ca_reciprocal_u(ca_u x) { return x == 1; }
CA_FN ca_u ca_floor_u(ca_u x) { return x; }
CA_FN ca_u ca_ceil_u(ca_u x) { return x; }
CA_FN ca_u ca_trunc_u(ca_u x) { return x; }
CA_FN ca_u ca_round_u(ca_u x) { return x; }
CA_FN ca_u ca_conj_u(ca_u x) { return x; }
CA_FN ca_i ca_isnan_u(ca_u x) { (void)x; return 0; }
CA_FN ca_i ca_isinf_u(ca_u x) { (void)x; return 0; }
CA_FN ca_i ca_isfinite_u(ca_u x) { (void)x; return 1; }
CA_FN ca_i ca_logical_not_u(ca_u x) { return x == 0; }
CA_FN ca_u ca_invert_u(ca_u x) { return ~x; }
CA_FN ca_i ca_signbit_u(ca_u x) { (void)x; return 0; }
CA_FN ca_i ca_isposinf_u(ca_u x) { (void)x; return 0; }
CA_FN ca_i ca_isneginf_u(ca_u x) { (void)x; return 0; }

CA_FN ca_u ca_add_u(ca_u a, ca_u b) { return a + b; }
CA_FN ca_u ca_subtract_u(ca_u a, ca_u b) { return a - b; }
CA_FN ca_u ca_multiply_u(ca_u a, ca_u b) { return a * b; }
CA_FN ca_u ca_floor_divide_u(ca_u a, ca_u b) { return b == 0 ? 0 : a / b; }
CA_FN ca_u ca_mod_u(ca_u a, ca_u b) { return b == 0 ? 0 : a % b; }
CA_FN ca_u ca_fmod_u(ca_u a, ca_u b) { return b == 0 ? 0 : a % b; }
CA_FN ca_u ca_power_u(ca_u a, ca_u b) {
  ca_u r = 1;
  while (b) {
    if (b & 1) r *= a;
    a *= a;
    b >>= 1;
  }
  return r;
}
CA_FN ca_u ca_maximum_u(ca_u a, ca_u b) { return a > b ? a : b; }
CA_FN ca_u ca_minimum_u(ca_u a, ca_u b) { return a < b ? a : b; }
CA_FN ca_u ca_fmax_u(ca_u a, ca_u b) { return a > b ? a : b; }
CA_FN ca_u ca_fmin_u(ca_u a, ca_u b) { return a < b ? a : b; }
CA_FN ca_i ca_equal_u(ca_u a, ca_u b) { return a == b; }
CA_FN ca_i ca_not_equal_u(ca_u a, ca_u b) { return a != b; }
CA_FN ca_i ca_less_u(ca_u a, ca_u b) { return a < b; }
CA_FN ca_i ca_less_equal_u(ca_u a, ca_u b) { return a <= b; }
CA_FN ca_i ca_greater_u(ca_u a, ca_u b) { return a > b; }
CA_FN ca_i ca_greater_equal_u(ca_u a, ca_u b) { return a >= b; }
CA_FN ca_i ca_logical_and_u(ca_u a, ca_u b) { return (a != 0) && (b != 0); }
CA_FN ca_i ca_logical_or_u(ca_u a, ca_u b) { return (a != 0) || (b != 0); }
CA_FN ca_i ca_logical_xor_u(ca_u a, ca_u b) { return (a != 0) != (b != 0); }
CA_FN ca_u ca_bitwise_and_u(ca_u a, ca_u b) { return a & b; }
CA_FN ca_u ca_bitwise_or_u(ca_u a, ca_u b) { return a | b; }
CA_FN ca_u ca_bitwise_xor_u(ca_u a, ca_u b) { return a ^ b; }
CA_FN ca_u ca_left_shift_u(ca_u a, ca_u b) { return b >= 64 ? 0 : a << b; }
CA_FN ca_u ca_right_shift_u(ca_u a, ca_u b) { return b >= 64 ? 0 : a >> b; }
CA_FN ca_u ca_divmod_u(ca_u a, ca_u b, ca_u *m) { *m = ca_mod_u(a, b); return ca_floor_divide_u(a, b); }

/* ---- NumPy's other elementwise functions ------------------------------------------------
 * As NumPy's loops compute them (numpy/_core/src/umath, npymath): float16 through float, as
 * NumPy's half loops do, except where a float16 formula ca_<op>_h is listed in
 * CA_HALF_FORMULAS (results that depend on float16's own format). */

CA_FN float ca_cbrt_f(float x) { return cbrtf(x); }
CA_FN double ca_cbrt_d(double x) { return cbrt(x); }
CA_FN float ca_exp2_f(float x) { return exp2f(x); }
CA_FN double ca_exp2_d(double x) { return exp2(x); }
CA_FN float ca_arcsinh_f(float x) { return asinhf(x); }
CA_FN double ca_arcsinh_d(double x) { return asinh(x); }
CA_FN float ca_arccosh_f(float x) { return acoshf(x); }
CA_FN double ca_arccosh_d(double x) { return acosh(x); }
CA_FN float ca_arctanh_f(float x) { return atanhf(x); }
CA_FN double ca_arctanh_d(double x) { return atanh(x); }
/* NumPy's constants: pi / 180 rounded in the kind's own precision */
CA_FN float ca_deg2rad_f(float x) { return x * (3.14159265358979323846f / 180.0f); }
CA_FN double ca_deg2rad_d(double x) { return x * (3.14159265358979323846 / 180.0); }
CA_FN float ca_rad2deg_f(float x) { return x * (180.0f / 3.14159265358979323846f); }
CA_FN double ca_rad2deg_d(double x) { return x * (180.0 / 3.14159265358979323846); }

CA_FN ca_i ca_signbit_i(ca_i x) { return x < 0; }
CA_FN ca_i ca_signbit_f(float x) { return signbit(x) != 0; }
CA_FN ca_i ca_signbit_d(double x) { return signbit(x) != 0; }
CA_FN ca_i ca_isposinf_i(ca_i x) { (void)x; return 0; }
CA_FN ca_i ca_isposinf_f(float x) { return x == INFINITY; }
CA_FN ca_i ca_isposinf_d(double x) { return x == INFINITY; }
CA_FN ca_i ca_isneginf_i(ca_i x) { (void)x; return 0; }
CA_FN ca_i ca_isneginf_f(float x) { return x == -INFINITY; }
CA_FN ca_i ca_isneginf_d(double x) { return x == -INFINITY; }

/* nextafter and spacing (npy_spacing: the step away from zero, upward from either zero; NaN
 * for infinities). */
CA_FN float ca_nextafter_f(float a, float b) { return nextafterf(a, b); }
CA_FN double ca_nextafter_d(double a, double b) { return nextafter(a, b); }
CA_FN float ca_spacing_f(float x) {
  return x == INFINITY || x == -INFINITY ? NAN : nextafterf(x, x < 0.0f ? -INFINITY : INFINITY) - x;
}
CA_FN double ca_spacing_d(double x) {
  return x == INFINITY || x == -INFINITY ? (double)NAN : nextafter(x, x < 0.0 ? -(double)INFINITY : (double)INFINITY) - x;
}
/* The float16 neighbour of a float16 value x toward b, computed on floats: a float16 step is
 * 2^(e - 11) for x = m 2^e (0.5 <= m < 1; subnormals: 2^-24), halved when going toward zero
 * from a power of two; beyond 65504 is infinity. */
CA_FN float ca_nextafter_h(float x, float b) {
  if (x != x || b != b) return x + b;
  if (x == b) return b;
  if (x == 0.0f) return b > 0.0f ? 5.9604644775390625e-8f : -5.9604644775390625e-8f;
  if (x == INFINITY || x == -INFINITY) return copysignf(65504.0f, x);
  int e;
  float ax = fabsf(x), step;
  (void)frexpf(ax, &e);
  step = ldexpf(1.0f, (e < -13 ? -13 : e) - 11);
  int away = (b > x) == (x > 0.0f);
  if (!away && e > -13 && ax == ldexpf(0.5f, e)) step *= 0.5f;
  float r = away ? x + copysignf(step, x) : x - copysignf(step, x);
  return fabsf(r) > 65504.0f ? copysignf(INFINITY, r) : r;
}
/* NumPy's float16 spacing (npy_half_spacing) is the step upward, so positive for negative x
 * too, unlike float32 and float64's. */
CA_FN float ca_spacing_h(float x) {
  return x == INFINITY || x == -INFINITY ? NAN : ca_nextafter_h(x, INFINITY) - x;
}
/* The ops above that have a float16 formula: X(op, nin). */
#define CA_HALF_FORMULAS(X) X(nextafter, 2) X(spacing, 1) X(i0, 1)

/* bfloat16's neighbours, on float values that are bfloat16 values: one step of the bits
 * (IEEE's nextafter), from zero the smallest subnormal toward b; spacing as float32's (the
 * step away from zero, upward from either zero, NaN for infinities). */
CA_FN float ca_nextafter_b(float x, float b) {
  if (x != x || b != b) return x + b;
  if (x == b) return b;
  uint16_t h = ca_float_to_bf16(x);
  if (x == 0.0f) h = b > 0.0f ? 0x0001u : 0x8001u;
  else if ((b > x) == (x > 0.0f)) h++;
  else h--;
  return ca_bf16_to_float(h);
}
CA_FN float ca_spacing_b(float x) {
  return x == INFINITY || x == -INFINITY ? NAN : ca_nextafter_b(x, x < 0.0f ? -INFINITY : INFINITY) - x;
}
/* The ops that have a bfloat16 formula, used when the loop computes in bfloat16. */
#define CA_BF16_FORMULAS(X) X(nextafter, 2) X(spacing, 1)

/* A float value rounded to the narrow float dtype dt stores (float16, bfloat16), read back:
 * what a running value of a float16 or bfloat16 accumulation holds. */
CA_FN float ca_narrow_f(int dt, float v) {
  return dt == CA_FLOAT16 ? ca_half_to_float(ca_float_to_half(v))
         : dt == CA_BFLOAT16 ? ca_bf16_to_float(ca_float_to_bf16(v)) : v;
}

/* i0: NumPy's, Cephes' Chebyshev series (_chbevl) on |x| <= 8 and beyond, in the kind's own
 * precision as NumPy computes it for float32 and float64. */
CA_FN double ca_chbevl_d(double x, const double *c, int n) {
  double b0 = c[0], b1 = 0.0, b2 = 0.0;
  for (int i = 1; i < n; i++) {
    b2 = b1;
    b1 = b0;
    b0 = x * b1 - b2 + c[i];
  }
  return 0.5 * (b0 - b2);
}
CA_FN float ca_chbevl_f(float x, const double *c, int n) {
  float b0 = (float)c[0], b1 = 0.0f, b2 = 0.0f;
  for (int i = 1; i < n; i++) {
    b2 = b1;
    b1 = b0;
    b0 = x * b1 - b2 + (float)c[i];
  }
  return 0.5f * (b0 - b2);
}
#define CA_I0_A                                                                                \
  {-4.41534164647933937950E-18, 3.33079451882223809783E-17, -2.43127984654795469359E-16,       \
   1.71539128555513303061E-15, -1.16853328779934516808E-14, 7.67618549860493561688E-14,        \
   -4.85644678311192946090E-13, 2.95505266312963983461E-12, -1.72682629144155570723E-11,       \
   9.67580903537323691224E-11, -5.18979560163526290666E-10, 2.65982372468238665035E-9,         \
   -1.30002500998624804212E-8, 6.04699502254191894932E-8, -2.67079385394061173391E-7,          \
   1.11738753912010371815E-6, -4.41673835845875056359E-6, 1.64484480707288970893E-5,           \
   -5.75419501008210370398E-5, 1.88502885095841655729E-4, -5.76375574538582365885E-4,          \
   1.63947561694133579842E-3, -4.32430999505057594430E-3, 1.05464603945949983183E-2,           \
   -2.37374148058994688156E-2, 4.93052842396707084878E-2, -9.49010970480476444210E-2,          \
   1.71620901522208775349E-1, -3.04682672343198398683E-1, 6.76795274409476084995E-1}
#define CA_I0_B                                                                                \
  {-7.23318048787475395456E-18, -4.83050448594418207126E-18, 4.46562142029675999901E-17,       \
   3.46122286769746109310E-17, -2.82762398051658348494E-16, -3.42548561967721913462E-16,       \
   1.77256013305652638360E-15, 3.81168066935262242075E-15, -9.55484669882830764870E-15,        \
   -4.15056934728722208663E-14, 1.54008621752140982691E-14, 3.85277838274214270114E-13,        \
   7.18012445138366623367E-13, -1.79417853150680611778E-12, -1.32158118404477131188E-11,       \
   -3.14991652796324136454E-11, 1.18891471078464383424E-11, 4.94060238822496958910E-10,        \
   3.39623202570838634515E-9, 2.26666899049817806459E-8, 2.04891858946906374183E-7,            \
   2.89137052083475648297E-6, 6.88975834691682398426E-5, 3.36911647825569408990E-3,            \
   8.04490411014108831608E-1}
CA_FN double ca_i0_d(double x) {
  const double a[30] = CA_I0_A, b[25] = CA_I0_B;
  x = fabs(x);
  if (x <= 8.0) return exp(x) * ca_chbevl_d(x / 2.0 - 2.0, a, 30);
  return exp(x) * ca_chbevl_d(32.0 / x - 2.0, b, 25) / sqrt(x);
}
CA_FN float ca_i0_f(float x) {
  const double a[30] = CA_I0_A, b[25] = CA_I0_B;
  x = fabsf(x);
  if (x <= 8.0f) return expf(x) * ca_chbevl_f(x / 2.0f - 2.0f, a, 30);
  return expf(x) * ca_chbevl_f(32.0f / x - 2.0f, b, 25) / sqrtf(x);
}
/* float16: NumPy sums the series in float16 arithmetic, every step rounded (exp(x) overflows
 * past x = 11.1, so i0 gives inf there although the true value fits). */
CA_FN float ca_r16(float v) { return ca_half_to_float(ca_float_to_half(v)); }
CA_FN float ca_chbevl_h(float x, const double *c, int n) {
  float b0 = ca_half_to_float(ca_double_to_half(c[0])), b1 = 0.0f, b2 = 0.0f;
  for (int i = 1; i < n; i++) {
    b2 = b1;
    b1 = b0;
    b0 = ca_r16(ca_r16(ca_r16(x * b1) - b2) + ca_half_to_float(ca_double_to_half(c[i])));
  }
  return ca_r16(0.5f * ca_r16(b0 - b2));
}
CA_FN float ca_i0_h(float x) {
  const double a[30] = CA_I0_A, b[25] = CA_I0_B;
  x = fabsf(x);
  float ex = ca_r16(expf(x));
  if (x <= 8.0f) return ca_r16(ex * ca_chbevl_h(ca_r16(ca_r16(x / 2.0f) - 2.0f), a, 30));
  float t = ca_r16(ex * ca_chbevl_h(ca_r16(ca_r16(32.0f / x) - 2.0f), b, 25));
  return ca_r16(t / ca_r16(sqrtf(x)));
}
#undef CA_I0_A
#undef CA_I0_B

/* sinc: NumPy's sin(y) / y with y = pi * x (pi * 1e-20 for 0), in float64 as NumPy's is. */
CA_FN double ca_sinc_d(double x) {
  double y = 3.14159265358979323846 * (x == 0.0 ? 1.0e-20 : x);
  return sin(y) / y;
}

CA_FN float ca_hypot_f(float a, float b) { return hypotf(a, b); }
CA_FN double ca_hypot_d(double a, double b) { return hypot(a, b); }
/* npy_logaddexp(2): equal inputs (infinities of one sign too) give x + log 2 (x + 1); the
 * larger plus log1p of the other's exponential; NaN through the difference. */
CA_FN float ca_logaddexp_f(float a, float b) {
  if (a == b) return a + 0.693147180559945309417232121458176568f;
  float t = a - b;
  return t > 0 ? a + log1pf(expf(-t)) : t <= 0 ? b + log1pf(expf(t)) : t;
}
CA_FN double ca_logaddexp_d(double a, double b) {
  if (a == b) return a + 0.693147180559945309417232121458176568;
  double t = a - b;
  return t > 0 ? a + log1p(exp(-t)) : t <= 0 ? b + log1p(exp(t)) : t;
}
CA_FN float ca_logaddexp2_f(float a, float b) {
  if (a == b) return a + 1.0f;
  float t = a - b;
  const float log2e = 1.442695040888963407359924681001892137f;
  return t > 0 ? a + log2e * log1pf(exp2f(-t)) : t <= 0 ? b + log2e * log1pf(exp2f(t)) : t;
}
CA_FN double ca_logaddexp2_d(double a, double b) {
  if (a == b) return a + 1.0;
  double t = a - b;
  const double log2e = 1.442695040888963407359924681001892137;
  return t > 0 ? a + log2e * log1p(exp2(-t)) : t <= 0 ? b + log2e * log1p(exp2(t)) : t;
}
CA_FN float ca_copysign_f(float a, float b) { return copysignf(a, b); }
CA_FN double ca_copysign_d(double a, double b) { return copysign(a, b); }
/* heaviside(x, h0): 0 below zero, h0 at zero, 1 above, NaN for NaN. */
CA_FN float ca_heaviside_f(float x, float h0) { return x != x ? x : x == 0 ? h0 : x < 0 ? 0.0f : 1.0f; }
CA_FN double ca_heaviside_d(double x, double h0) { return x != x ? x : x == 0 ? h0 : x < 0 ? 0.0 : 1.0; }

/* fmax/fmin ignore a NaN beside a number; of equal inputs (+0 and -0) the second, as NumPy. */
CA_FN ca_i ca_fmax_i(ca_i a, ca_i b) { return a > b ? a : b; }
CA_FN float ca_fmax_f(float a, float b) { return (a > b || b != b) ? a : b; }
CA_FN double ca_fmax_d(double a, double b) { return (a > b || b != b) ? a : b; }
CA_FN ca_i ca_fmin_i(ca_i a, ca_i b) { return a < b ? a : b; }
CA_FN float ca_fmin_f(float a, float b) { return (a < b || b != b) ? a : b; }
CA_FN double ca_fmin_d(double a, double b) { return (a < b || b != b) ? a : b; }

CA_FN double ca_float_power_d(double a, double b) { return pow(a, b); }

/* ldexp(x, e): e is an integer read in x's kind (exactly, for any exponent that matters);
 * beyond +-400 (float) or +-2200 (double) every result is 0 or infinite already. */
CA_FN float ca_ldexp_f(float x, float e) { return ldexpf(x, e < -400.0f ? -400 : e > 400.0f ? 400 : (int)e); }
CA_FN double ca_ldexp_d(double x, double e) { return ldexp(x, e < -2200.0 ? -2200 : e > 2200.0 ? 2200 : (int)e); }

/* gcd of the absolute values, never negative except where |x| wraps (the most negative value
 * of a dtype); gcd(0, 0) = 0. lcm is NumPy's |a / gcd * b| (0 for gcd 0), the product wrapping
 * in int64: for int64 inputs exactly NumPy's; int32 products past 2^31, which NumPy wraps in 32
 * bits before taking |.|, can differ in sign. */
CA_FN ca_u ca_uabs(ca_i x) { return x < 0 ? 0u - (ca_u)x : (ca_u)x; }
CA_FN ca_u ca_ugcd(ca_u a, ca_u b) {
  while (b) {
    ca_u t = a % b;
    a = b;
    b = t;
  }
  return a;
}
CA_FN ca_i ca_gcd_i(ca_i a, ca_i b) { return (ca_i)ca_ugcd(ca_uabs(a), ca_uabs(b)); }
CA_FN ca_i ca_lcm_i(ca_i a, ca_i b) {
  ca_u g = ca_ugcd(ca_uabs(a), ca_uabs(b));
  if (g == 0) return 0;
  ca_i q = a < 0 ? ca_negative_i((ca_i)(ca_uabs(a) / g)) : (ca_i)((ca_u)a / g);
  return (ca_i)ca_uabs((ca_i)((ca_u)q * (ca_u)b));
}
CA_FN ca_u ca_gcd_u(ca_u a, ca_u b) { return ca_ugcd(a, b); }
CA_FN ca_u ca_lcm_u(ca_u a, ca_u b) {
  ca_u g = ca_ugcd(a, b);
  return g == 0 ? 0 : a / g * b;
}

/* Two results: the formula returns the first and writes the second. */

/* modf: the fractional part, then the integral part, both with x's sign. */
CA_FN float ca_modf_f(float x, float *ip) { return modff(x, ip); }
CA_FN double ca_modf_d(double x, double *ip) { return modf(x, ip); }
/* frexp: m in [0.5, 1) with x = m 2^e, then e (an integer, in x's kind; the core stores it as
 * int32); 0, infinities and NaN give themselves and e = 0. */
CA_FN float ca_frexp_f(float x, float *e) {
  int k = 0;
  if (!(x - x == 0.0f) || x == 0.0f) {
    *e = 0.0f;
    return x;
  }
  float m = frexpf(x, &k);
  *e = (float)k;
  return m;
}
CA_FN double ca_frexp_d(double x, double *e) {
  int k = 0;
  if (!(x - x == 0.0) || x == 0.0) {
    *e = 0.0;
    return x;
  }
  double m = frexp(x, &k);
  *e = (double)k;
  return m;
}
/* divmod: floor_divide and mod together, as NumPy's. */
CA_FN ca_i ca_divmod_i(ca_i a, ca_i b, ca_i *m) { *m = ca_mod_i(a, b); return ca_floor_divide_i(a, b); }
CA_FN float ca_divmod_f(float a, float b, float *m) { *m = ca_mod_f(a, b); return ca_floor_divide_f(a, b); }
CA_FN double ca_divmod_d(double a, double b, double *m) { *m = ca_mod_d(a, b); return ca_floor_divide_d(a, b); }

/* ---- complex ---------------------------------------------------------------------------
 * ca_<op>_c on complex float (complex64), ca_<op>_z on complex double (complex128), as NumPy
 * computes them: division by Smith's algorithm, abs by hypot, power by repeated
 * multiplication for small integral real exponents and exp(b log a) otherwise; the elementary
 * functions (exp, log, sqrt, the trigonometric and hyperbolic ones and their inverses, ...) with
 * C99 Annex G's special values and branch cuts are src/complex_math.h's. Only the ops listed by
 * CA_CPLX_HAS_<op> below have complex formulas; the core refuses the others for complex dtypes
 * (NumPy 2 has no ordering of complex values). */

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
#define CA_CPLX_HAS_sin ~, 1
#define CA_CPLX_HAS_cos ~, 1
#define CA_CPLX_HAS_tan ~, 1
#define CA_CPLX_HAS_sinh ~, 1
#define CA_CPLX_HAS_cosh ~, 1
#define CA_CPLX_HAS_tanh ~, 1
#define CA_CPLX_HAS_arcsin ~, 1
#define CA_CPLX_HAS_arccos ~, 1
#define CA_CPLX_HAS_arctan ~, 1
#define CA_CPLX_HAS_arcsinh ~, 1
#define CA_CPLX_HAS_arccosh ~, 1
#define CA_CPLX_HAS_arctanh ~, 1
#define CA_CPLX_HAS_log2 ~, 1
#define CA_CPLX_HAS_log10 ~, 1
#define CA_CPLX_HAS_log1p ~, 1
#define CA_CPLX_HAS_expm1 ~, 1
#define CA_CPLX_HAS_exp2 ~, 1
#define CA_CPLX_HAS_round ~, 1
#define CA_CPLX_HAS_rint ~, 1
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
/* complex64's power computes in double and rounds once, as its exp and log do. */
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
 * - uniform float16/bfloat16/float32: one word per element, block i/4, word i%4;
 *   float32 u = (w >> 8) * 2^-24, float16 u = (w >> 21) * 2^-11, bfloat16 u = (w >> 24) * 2^-8
 *   (each exact in its dtype, in [0, 1)).
 * - uniform float64: two words per element, block i/2, words 2(i%2), 2(i%2)+1;
 *   u = (w0:w1 >> 11) * 2^-53.
 * - normal: Box-Muller on pairs; float16/bfloat16/float32: block i/4 holds two pairs (words 0,1 and 2,3),
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
CA_FN float ca_u01_b(uint32_t w) { return (float)(w >> 24) * (1.0f / 256.0f); }
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
