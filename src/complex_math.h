/* The complex elementary functions: exp, log, sqrt, the trigonometric and hyperbolic functions
 * and their inverses, log2, log10, log1p, expm1, exp2 and round (power, which also multiplies
 * and divides, stays in src/scalar.h). Read by the C compiler and nvcc through src/scalar.h;
 * listed there in the CA_CPLX_HAS_<op> table.
 *
 * NumPy takes these from the C library (glibc's csinh, casinh, ... for complex128, the float
 * ones for complex64). They are written here in double from real functions, with C99 Annex G's
 * special values as glibc gives them (infinities, NaN, signed zeros), and for finite arguments:
 *  - sinh, cosh, tanh: glibc's formulas, scaled for |re| beyond exp's range;
 *  - asin, acos, acosh: Kahan's, from the square roots of 1 +- z ("Branch cuts for complex
 *    elementary functions", 1987), which put the cuts where Annex G does (asin, acos: the real
 *    axis beyond +-1; acosh: the real axis below 1) and take their side from the sign of a
 *    zero imaginary part;
 *  - atanh: glibc's, with log1p and an atan2 that keeps the cut (the real axis beyond +-1);
 *  - sin, cos, tan, asin, asinh, atan from their Annex G identities (sin z = -i sinh(iz), ...);
 *  - log2, log10, log1p, expm1 and exp2 as NumPy's own loops write them: log(z) scaled by
 *    log2(e) or log10(e), log1p(z) = log|1 + z| + i arg(1 + z), expm1 from real expm1 and a
 *    half-angle sine, exp2(z) = exp(z ln 2).
 * complex64 computes in double and rounds once (as scalar.h's exp and log do). */
#ifndef CA_COMPLEX_MATH_H
#define CA_COMPLEX_MATH_H

#include <math.h>
#include "convert.h"

#define CA_PI_2 1.57079632679489661923
#define CA_PI_4 0.78539816339744830962
#define CA_LN2 0.69314718055994530942
#define CA_LOG2E 1.44269504088896340736
#define CA_LOG10E 0.43429448190325182765
#define CA_DBL_MAX 1.7976931348623157e308
#define CA_DBL_MIN 2.2250738585072014e-308
#define CA_DBL_EPS 2.220446049250313e-16

CA_FN int ca_finite_(double x) { return x - x == 0.0; }
CA_FN int ca_isinf_(double x) { return x == INFINITY || x == -INFINITY; }
/* (e^x k c, e^x k s) for finite x > 709, c and s, and k 1 or 1/2: e^x applied in steps of
 * e^709 (as glibc's cexp and csinh do), k with the first, so that a small c or s still gives
 * its finite product and e^x / 2 overflows only where the result does. */
CA_FN ca_c16 ca_exp_scaled(double x, double k, double c, double s) {
  const double t = 709.0, et = exp(t);
  double f = et * k;
  for (int step = 0; step < 2 && x > t; step++) {
    x -= t;
    c *= f;
    s *= f;
    f = et;
  }
  if (x > t) return ca_c16_of(c * 1.7976931348623157e308, s * 1.7976931348623157e308);
  double e = exp(x);
  return ca_c16_of(c * e, s * e);
}
/* exp: e^re (cos im, sin im); a real argument keeps its imaginary zero, e^-inf times a
 * non-finite angle is 0 and e^+inf times one is inf + i NaN (Annex G, as glibc signs them). */
CA_FN ca_c16 ca_exp_z(ca_c16 x) {
  if (x.im == 0.0) return ca_c16_of(exp(x.re), x.im);
  if (x.re == -INFINITY && !(x.im - x.im == 0.0))
    return ca_c16_of(0.0, x.im == -INFINITY ? -0.0 : 0.0);
  if (x.re == INFINITY && !(x.im - x.im == 0.0)) return ca_c16_of(INFINITY, x.im - x.im);
  if (x.re > 709.0 && x.re - x.re == 0.0) return ca_exp_scaled(x.re, 1.0, cos(x.im), sin(x.im));
  double r = exp(x.re);
  return ca_c16_of(r * cos(x.im), r * sin(x.im));
}
/* log: log |z| + i arg z (log 0 = -inf + i arg). Near |z| = 1, log |z| is log1p(|z|^2 - 1) / 2
 * with |z|^2 - 1 summed from the exact squares (fma), as glibc's clog does, so that a z just off
 * the unit circle keeps its tiny real part; |z| beyond the range of doubles or among the
 * subnormals is scaled by a power of two first. */
CA_FN ca_c16 ca_log_z(ca_c16 x) {
  double h = hypot(x.re, x.im), re;
  if (h == INFINITY && ca_finite_(x.re) && ca_finite_(x.im)) { /* |z| beyond DBL_MAX */
    re = log(hypot(x.re * 0.5, x.im * 0.5)) + CA_LN2;
  } else if (h < 0x1p-1000 && h > 0.0) { /* subnormal parts: scaled up exactly first */
    re = log(hypot(x.re * 0x1p+600, x.im * 0x1p+600)) - 600.0 * CA_LN2;
  } else if (h > 0.71 && h < 1.41) {
    double px = x.re * x.re, py = x.im * x.im;
    double ex = fma(x.re, x.re, -px), ey = fma(x.im, x.im, -py);
    double big = px > py ? px : py, small = px > py ? py : px;
    re = 0.5 * log1p(((big - 1.0) + small) + (ex + ey));
  } else {
    re = log(h);
  }
  return ca_c16_of(re, atan2(x.im, x.re));
}

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
  /* near the ends of the range, scaled by an even power of two so that |re| + |z| neither
   * overflows nor underflows (as glibc's csqrt) */
  double scale = 1.0;
  if (fabs(re) > 0x1p+1020 || fabs(im) > 0x1p+1020) {
    re *= 0x1p-600;
    im *= 0x1p-600;
    scale = 0x1p+300;
  } else if (fabs(re) < 0x1p-1000 && fabs(im) < 0x1p-1000) {
    re *= 0x1p+600;
    im *= 0x1p+600;
    scale = 0x1p-300;
  }
  double t = sqrt((fabs(re) + hypot(re, im)) * 0.5);
  if (re >= 0.0) return ca_c16_of(t * scale, im / (2.0 * t) * scale);
  return ca_c16_of(fabs(im) / (2.0 * t) * scale, copysign(t, im) * scale);
}

/* (i z): the rotation the Annex G identities use, and its inverse (-i z). */
CA_FN ca_c16 ca_times_i_(ca_c16 z) { return ca_c16_of(-z.im, z.re); }
CA_FN ca_c16 ca_times_minus_i_(ca_c16 z) { return ca_c16_of(z.im, -z.re); }

/* (sinh(x) c, cosh(x) s) when `hyp_sinh`, else (cosh(x) c, sinh(x) s), for finite x, c and s:
 * beyond |x| = 709 both are e^|x| / 2, applied in steps (ca_exp_scaled) so that a small c or
 * s still gives a finite result. */
CA_FN ca_c16 ca_hyp_scaled_(double x, double c, double s, int hyp_sinh) {
  if (fabs(x) <= 709.0) {
    return hyp_sinh ? ca_c16_of(sinh(x) * c, cosh(x) * s) : ca_c16_of(cosh(x) * c, sinh(x) * s);
  }
  ca_c16 r = ca_exp_scaled(fabs(x), 0.5, c, s);
  if (x < 0) { /* the odd factor takes x's sign */
    if (hyp_sinh) r.re = -r.re;
    else r.im = -r.im;
  }
  return r;
}

/* cos and sin of y, as glibc takes them: a subnormal or zero y gives (1, y). */
CA_FN void ca_cos_sin_(double y, double *c, double *s) {
  if (fabs(y) > CA_DBL_MIN) {
    *c = cos(y);
    *s = sin(y);
  } else {
    *c = 1.0;
    *s = y;
  }
}

CA_FN ca_c16 ca_sinh_z(ca_c16 z) {
  double x = z.re, y = z.im, c, s;
  if (ca_finite_(x) && ca_finite_(y)) {
    ca_cos_sin_(y, &c, &s);
    return ca_hyp_scaled_(x, c, s, 1);
  }
  if (x == 0.0) return ca_c16_of(x, y - y);                  /* +-0 + i(inf or NaN) */
  if (ca_isinf_(x)) {
    if (y == 0.0) return ca_c16_of(x, y);
    if (ca_finite_(y)) {
      ca_cos_sin_(y, &c, &s);
      return ca_c16_of(copysign(INFINITY, c) * (x < 0 ? -1.0 : 1.0), copysign(INFINITY, s));
    }
    return ca_c16_of(INFINITY, y - y);                       /* +-inf + i(inf or NaN) */
  }
  if (x != x && y == 0.0) return ca_c16_of(x, y);
  return ca_c16_of(NAN, NAN);
}

CA_FN ca_c16 ca_cosh_z(ca_c16 z) {
  double x = z.re, y = z.im, c, s;
  if (ca_finite_(x) && ca_finite_(y)) {
    ca_cos_sin_(y, &c, &s);
    return ca_hyp_scaled_(x, c, s, 0);
  }
  if (x == 0.0) return ca_c16_of(y - y, 0.0);                /* +-0 + i(inf or NaN) */
  if (ca_isinf_(x)) {
    if (y == 0.0) return ca_c16_of(INFINITY, y * copysign(1.0, x));
    if (ca_finite_(y)) {
      ca_cos_sin_(y, &c, &s);
      return ca_c16_of(copysign(INFINITY, c), copysign(INFINITY, s) * copysign(1.0, x));
    }
    return ca_c16_of(INFINITY, y - y);
  }
  if (x != x && y == 0.0) return ca_c16_of(x, y);
  return ca_c16_of(NAN, NAN);
}

CA_FN ca_c16 ca_tanh_z(ca_c16 z) {
  double x = z.re, y = z.im, c, s;
  if (!ca_finite_(x) || !ca_finite_(y)) {
    if (ca_isinf_(x)) {
      double im = copysign(0.0, y);
      if (ca_finite_(y) && fabs(y) > 1.0) {
        ca_cos_sin_(y, &c, &s);
        im = copysign(0.0, s * c);
      }
      return ca_c16_of(copysign(1.0, x), im);
    }
    if (y == 0.0) return ca_c16_of(x, y);
    if (x == 0.0) return ca_c16_of(x, NAN);                  /* C11's tanh(+-0 + i inf) */
    return ca_c16_of(NAN, NAN);
  }
  ca_cos_sin_(y, &c, &s);
  const double t = 354.0; /* (DBL_MAX_EXP - 1) ln 2 / 2, rounded down */
  if (fabs(x) > t) {
    double e2t = exp(2.0 * t), im = 4.0 * s * c, r = fabs(x) - t;
    im /= e2t;
    im /= r > t ? e2t : exp(2.0 * r);
    return ca_c16_of(copysign(1.0, x), im);
  }
  double sh = fabs(x) > CA_DBL_MIN ? sinh(x) : x, ch = fabs(x) > CA_DBL_MIN ? cosh(x) : 1.0;
  double den = fabs(sh) > fabs(c) * CA_DBL_EPS ? sh * sh + c * c : c * c;
  return ca_c16_of(sh * ch / den, s * c / den);
}

/* sin z = -i sinh(iz), but for a non-finite real part and an infinite imaginary one glibc's
 * csin gives NaN + i inf (the identity would give -inf: Annex G leaves the sign open). */
CA_FN ca_c16 ca_sin_z(ca_c16 z) {
  if (!ca_finite_(z.re) && ca_isinf_(z.im)) return ca_c16_of(NAN, INFINITY);
  return ca_times_minus_i_(ca_sinh_z(ca_times_i_(z)));
}
CA_FN ca_c16 ca_cos_z(ca_c16 z) { return ca_cosh_z(ca_times_i_(z)); }
CA_FN ca_c16 ca_tan_z(ca_c16 z) { return ca_times_minus_i_(ca_tanh_z(ca_times_i_(z))); }

/* Kahan's asin of a finite z: Re = atan2(x, Re(s1 s2)), Im = asinh(Im(conj(s1) s2)) with
 * s1 = sqrt(1 - z), s2 = sqrt(1 + z) (1 - z keeps -y as its imaginary part, so that the side
 * of the cut follows y's zero). */
CA_FN ca_c16 ca_asin_finite_(ca_c16 z) {
  ca_c16 s1 = ca_sqrt_z(ca_c16_of(1.0 - z.re, -z.im)), s2 = ca_sqrt_z(ca_c16_of(1.0 + z.re, z.im));
  return ca_c16_of(atan2(z.re, s1.re * s2.re - s1.im * s2.im),
                   asinh(s1.re * s2.im - s1.im * s2.re));
}

/* log(2z): asinh(z) and acosh(z) for |z| beyond 2^66 (the next term, 1 / (4 z^2), is below
 * the last bit), without the overflow of the square roots' product. */
CA_FN int ca_huge_(ca_c16 z) { return fabs(z.re) > 0x1p+66 || fabs(z.im) > 0x1p+66; }
CA_FN ca_c16 ca_log_twice_(ca_c16 z) {
  ca_c16 l = ca_log_z(ca_c16_of(z.re * 0.5, z.im * 0.5));
  return ca_c16_of(l.re + 2.0 * CA_LN2, l.im);
}

/* asinh: Annex G's special values (glibc's), else -i asin(i z) (Kahan's); a huge z log(2z),
 * through asinh(-z) = -asinh(z) for a negative real part. */
CA_FN ca_c16 ca_arcsinh_z(ca_c16 z) {
  double x = z.re, y = z.im;
  if (!ca_finite_(x) || !ca_finite_(y)) {
    if (ca_isinf_(y)) {
      double im = x != x ? NAN : copysign(ca_finite_(x) ? CA_PI_2 : CA_PI_4, y);
      return ca_c16_of(copysign(INFINITY, x), im);
    }
    if (ca_isinf_(x) || x != x) {
      double im = (ca_isinf_(x) && y == y) || (x != x && y == 0.0) ? copysign(0.0, y) : NAN;
      return ca_c16_of(x, im);
    }
    return ca_c16_of(NAN, NAN);
  }
  if (x == 0.0 && y == 0.0) return z;
  if (ca_huge_(z)) {
    if (signbit(x)) {
      ca_c16 r = ca_log_twice_(ca_c16_of(-x, -y));
      return ca_c16_of(-r.re, -r.im);
    }
    return ca_log_twice_(z);
  }
  return ca_times_minus_i_(ca_asin_finite_(ca_times_i_(z)));
}
/* asin z = -i asinh(iz), but with a NaN part glibc's casin answers at once: the identity would
 * negate the NaN, and a GPU's negation does not keep a NaN's sign, which copysign then reads. */
CA_FN ca_c16 ca_arcsin_z(ca_c16 z) {
  if (z.re != z.re || z.im != z.im) {
    if (z.re == 0.0) return z;
    if (ca_isinf_(z.re) || ca_isinf_(z.im)) return ca_c16_of(NAN, copysign(INFINITY, z.im));
    return ca_c16_of(NAN, NAN);
  }
  return ca_times_minus_i_(ca_arcsinh_z(ca_times_i_(z)));
}

/* acos: Kahan's for finite z (Re = 2 atan2(Re s1, Re s2), Im = asinh(Im(conj(s2) s1))), from
 * acosh's log(2z) for a huge one; the special values as glibc takes them, pi/2 - asin(z). */
CA_FN ca_c16 ca_arccos_z(ca_c16 z) {
  if (!ca_finite_(z.re) || !ca_finite_(z.im)) {
    ca_c16 a = ca_arcsin_z(z);
    double re = CA_PI_2 - a.re;
    return ca_c16_of(re == 0.0 ? 0.0 : re, -a.im);
  }
  if (ca_huge_(z)) { /* -i acosh(z) above the real axis, i acosh(z) below; acosh is log(2z) */
    ca_c16 l = ca_log_twice_(z);
    return signbit(z.im) ? ca_c16_of(-l.im, l.re) : ca_c16_of(l.im, -l.re);
  }
  ca_c16 s1 = ca_sqrt_z(ca_c16_of(1.0 - z.re, -z.im)), s2 = ca_sqrt_z(ca_c16_of(1.0 + z.re, z.im));
  return ca_c16_of(2.0 * atan2(s1.re, s2.re), asinh(s2.re * s1.im - s2.im * s1.re));
}

/* acosh: Annex G's special values (glibc's); for finite z Kahan's, Re = asinh(Re(conj(s1)
 * s2)), Im = 2 atan2(Im s1, Re s2) with s1 = sqrt(z - 1), s2 = sqrt(z + 1); log(2z) for a huge
 * z. */
CA_FN ca_c16 ca_arccosh_z(ca_c16 z) {
  double x = z.re, y = z.im;
  if (!ca_finite_(x) || !ca_finite_(y)) {
    if (ca_isinf_(y)) {
      double im = x != x ? NAN : copysign(ca_isinf_(x) ? (x < 0 ? 3.0 * CA_PI_4 : CA_PI_4)
                                                        : CA_PI_2, y);
      return ca_c16_of(INFINITY, im);
    }
    if (ca_isinf_(x)) return ca_c16_of(INFINITY, y == y ? copysign(x < 0 ? 2.0 * CA_PI_2 : 0.0, y)
                                                         : NAN);
    if (x == 0.0) return ca_c16_of(NAN, CA_PI_2);            /* +-0 + i NaN */
    return ca_c16_of(NAN, NAN);
  }
  if (x == 0.0 && y == 0.0) return ca_c16_of(0.0, copysign(CA_PI_2, y));
  if (ca_huge_(z)) return ca_log_twice_(z);
  ca_c16 s1 = ca_sqrt_z(ca_c16_of(x - 1.0, y)), s2 = ca_sqrt_z(ca_c16_of(x + 1.0, y));
  return ca_c16_of(asinh(s1.re * s2.re + s1.im * s2.im), 2.0 * atan2(s1.im, s2.re));
}

/* atanh: Annex G's special values and glibc's formulas for finite z. */
CA_FN ca_c16 ca_arctanh_z(ca_c16 z) {
  double x = z.re, y = z.im;
  if (!ca_finite_(x) || !ca_finite_(y)) {
    if (ca_isinf_(y)) return ca_c16_of(copysign(0.0, x), copysign(CA_PI_2, y));
    if (ca_isinf_(x) || x == 0.0) {
      return ca_c16_of(copysign(0.0, x), y == y ? copysign(CA_PI_2, y) : NAN);
    }
    return ca_c16_of(NAN, NAN);
  }
  if (x == 0.0 && y == 0.0) return z;
  double re, ax = fabs(x), ay = fabs(y);
  if (ax >= 16.0 / CA_DBL_EPS || ay >= 16.0 / CA_DBL_EPS) {
    if (ay <= 1.0) re = 1.0 / x;
    else if (ax <= 1.0) re = x / y / y;
    else {
      double h = hypot(x / 2.0, y / 2.0);
      re = x / h / h / 4.0;
    }
    return ca_c16_of(re, copysign(CA_PI_2, y));
  }
  if (ax == 1.0 && ay < CA_DBL_EPS * CA_DBL_EPS) {
    re = copysign(0.5, x) * (CA_LN2 - log(ay));
  } else {
    double y2 = ay >= CA_DBL_EPS * CA_DBL_EPS ? y * y : 0.0;
    double num = y2 + (1.0 + x) * (1.0 + x), den = y2 + (1.0 - x) * (1.0 - x), f = num / den;
    re = f < 0.5 ? 0.25 * log(f) : 0.25 * log1p(4.0 * x / den);
  }
  /* 1 - |z|^2 with the larger part first; fma keeps it accurate near the unit circle */
  double big = ax < ay ? ay : ax, small = ax < ay ? ax : ay, d;
  if (small < CA_DBL_EPS / 2.0) {
    d = (1.0 - big) * (1.0 + big);
    if (d == 0.0) d = 0.0;
  } else {
    d = -fma(small, small, (big - 1.0) * (big + 1.0));
  }
  return ca_c16_of(re, 0.5 * atan2(2.0 * y, d));
}
/* atan z = -i atanh(iz); with a NaN part glibc's catan's values, for asin's reason. */
CA_FN ca_c16 ca_arctan_z(ca_c16 z) {
  if (z.re != z.re || z.im != z.im) {
    if (ca_isinf_(z.re)) return ca_c16_of(copysign(CA_PI_2, z.re), copysign(0.0, z.im));
    if (ca_isinf_(z.im) || z.im == 0.0) return ca_c16_of(NAN, copysign(0.0, z.im));
    return ca_c16_of(NAN, NAN);
  }
  return ca_times_minus_i_(ca_arctanh_z(ca_times_i_(z)));
}

/* NumPy's own loops (numpy/core/src/umath/funcs.inc.src: nc_log2, nc_log10, nc_log1p,
 * nc_expm1, nc_exp2). */
CA_FN ca_c16 ca_log2_z(ca_c16 z) {
  ca_c16 l = ca_log_z(z);
  return ca_c16_of(l.re * CA_LOG2E, l.im * CA_LOG2E);
}
CA_FN ca_c16 ca_log10_z(ca_c16 z) {
  ca_c16 l = ca_log_z(z);
  return ca_c16_of(l.re * CA_LOG10E, l.im * CA_LOG10E);
}
CA_FN ca_c16 ca_log1p_z(ca_c16 z) {
  return ca_c16_of(log(hypot(z.re + 1.0, z.im)), atan2(z.im, z.re + 1.0));
}
CA_FN ca_c16 ca_expm1_z(ca_c16 z) {
  double a = sin(z.im / 2.0);
  return ca_c16_of(expm1(z.re) * cos(z.im) - 2.0 * a * a, exp(z.re) * sin(z.im));
}
CA_FN ca_c16 ca_exp2_z(ca_c16 z) { return ca_exp_z(ca_c16_of(z.re * CA_LN2, z.im * CA_LN2)); }

/* round and rint: each part to the nearest integer, halves to even (NumPy rounds both parts). */
CA_FN ca_c16 ca_round_z(ca_c16 z) { return ca_c16_of(rint(z.re), rint(z.im)); }
CA_FN ca_c8 ca_round_c(ca_c8 z) { return ca_c8_of(rintf(z.re), rintf(z.im)); }
CA_FN ca_c16 ca_rint_z(ca_c16 z) { return ca_round_z(z); }
CA_FN ca_c8 ca_rint_c(ca_c8 z) { return ca_round_c(z); }

/* complex64: in double, rounded once, as close to the correctly rounded value as C libraries'
 * float functions come (float arithmetic would lose log |z| near |z| = 1). */
CA_FN ca_c8 ca_exp_c(ca_c8 x) { return ca_z2c(ca_exp_z(ca_c2z(x))); }
CA_FN ca_c8 ca_log_c(ca_c8 x) { return ca_z2c(ca_log_z(ca_c2z(x))); }
CA_FN ca_c8 ca_sqrt_c(ca_c8 x) { return ca_z2c(ca_sqrt_z(ca_c2z(x))); }
CA_FN ca_c8 ca_sinh_c(ca_c8 x) { return ca_z2c(ca_sinh_z(ca_c2z(x))); }
CA_FN ca_c8 ca_cosh_c(ca_c8 x) { return ca_z2c(ca_cosh_z(ca_c2z(x))); }
CA_FN ca_c8 ca_tanh_c(ca_c8 x) { return ca_z2c(ca_tanh_z(ca_c2z(x))); }
CA_FN ca_c8 ca_sin_c(ca_c8 x) { return ca_z2c(ca_sin_z(ca_c2z(x))); }
CA_FN ca_c8 ca_cos_c(ca_c8 x) { return ca_z2c(ca_cos_z(ca_c2z(x))); }
CA_FN ca_c8 ca_tan_c(ca_c8 x) { return ca_z2c(ca_tan_z(ca_c2z(x))); }
CA_FN ca_c8 ca_arcsinh_c(ca_c8 x) { return ca_z2c(ca_arcsinh_z(ca_c2z(x))); }
CA_FN ca_c8 ca_arccosh_c(ca_c8 x) { return ca_z2c(ca_arccosh_z(ca_c2z(x))); }
CA_FN ca_c8 ca_arctanh_c(ca_c8 x) { return ca_z2c(ca_arctanh_z(ca_c2z(x))); }
CA_FN ca_c8 ca_arcsin_c(ca_c8 x) { return ca_z2c(ca_arcsin_z(ca_c2z(x))); }
CA_FN ca_c8 ca_arccos_c(ca_c8 x) { return ca_z2c(ca_arccos_z(ca_c2z(x))); }
CA_FN ca_c8 ca_arctan_c(ca_c8 x) { return ca_z2c(ca_arctan_z(ca_c2z(x))); }
CA_FN ca_c8 ca_log2_c(ca_c8 x) { return ca_z2c(ca_log2_z(ca_c2z(x))); }
CA_FN ca_c8 ca_log10_c(ca_c8 x) { return ca_z2c(ca_log10_z(ca_c2z(x))); }
CA_FN ca_c8 ca_log1p_c(ca_c8 x) { return ca_z2c(ca_log1p_z(ca_c2z(x))); }
CA_FN ca_c8 ca_expm1_c(ca_c8 x) { return ca_z2c(ca_expm1_z(ca_c2z(x))); }
CA_FN ca_c8 ca_exp2_c(ca_c8 x) { return ca_z2c(ca_exp2_z(ca_c2z(x))); }

#endif
