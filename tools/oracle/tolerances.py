"""How far cuarray's floats may lie from NumPy's: the one table.

Everything not listed is compared exactly (bit for bit, the sign of zero included; NaN equals
NaN): integer and bool results always, and the float ops whose IEEE result is unique
(+, -, *, /, sqrt, square, abs, negative, reciprocal, rounding, comparisons, maximum,
minimum, fmod, mod, floor_divide, conversions, copies, indexing).

ULPS[op][dtype] is a distance in units in the last place of the result dtype, for results
computed by a math library: NumPy uses its own SIMD code (AVX-512/AVX2) or the C library,
cuarray the C library on the CPU and CUDA's on the GPU; each is within a few ulps of the
true value. float16 results are computed in float32 by both and rounded once, so they may
differ by one float16 ulp. GPU_ULPS adds to it on the GPU, where CUDA's math library is
used for every function (its documented maximum errors are 1 to 4 ulps)."""

MATH = {"float16": 1, "float32": 4, "float64": 4}

ULPS = {name: MATH for name in (
    "exp", "expm1", "log", "log2", "log10", "log1p", "sin", "cos", "tan", "arcsin", "arccos",
    "arctan", "sinh", "cosh", "tanh", "arctan2", "power", "logspace", "cbrt", "exp2", "arcsinh",
    "arccosh", "arctanh", "hypot", "logaddexp", "logaddexp2", "float_power", "sinc",
    "deg2rad", "rad2deg",
)}
# i0: a 30-term Chebyshev series, which NumPy sums in the input's own precision (float16 too,
# where cuarray sums in float32 and rounds once).
ULPS["i0"] = {"float16": 8, "float32": 8, "float64": 8}
# linalg.norm: sums of squares, then a square root (the sum's error bound is added).
ULPS["norm"] = {"float16": 2, "float32": 4, "float64": 4}

# Complex results: in ulps of the result's larger part (tools/oracle/compare.lua), both parts.
# src/complex_math.h computes in double from real functions; NumPy calls glibc's complex ones
# (for complex64 the generator asks NumPy in complex128 and rounds, as cuarray computes). The
# formulas agree with glibc within a few ulps; more where they cancel differently (arccos and
# arccosh near 1, log1p's NumPy formula, tan and tanh of large parts).
for _op in ("exp", "expm1", "log", "log2", "log10", "log1p", "sin", "cos", "tan", "arcsin",
            "arccos", "arctan", "sinh", "cosh", "tanh", "exp2", "arcsinh", "arccosh", "arctanh",
            "sqrt"):
    ULPS.setdefault(_op, {})
    ULPS[_op] = dict(ULPS[_op], complex64=4, complex128=16)

GPU_ULPS = {"float16": 1, "float32": 2, "float64": 2, "complex64": 2, "complex128": 4}
# Ops exact on the CPU that the GPU computes with its own (correctly rounded but
# differently fused) code: none so far.
GPU_EXTRA = set()

# Sums (sum, mean, var, std, cumsum, matmul, dot, ...) are reordered by every backend
# (pairwise on the CPU, trees on the GPU): they are compared within
#   SUM_FACTOR * eps(dtype) * (number of terms) * (sum of the magnitudes of the terms),
# computed per case by the generator from the inputs in float64.
SUM_FACTOR = 2.0

# Where equal zeros of opposite signs meet, NumPy's choice between them depends on the loop
# it runs (its SIMD and scalar loops differ): the sign of a zero result is not compared.
ZERO_SIGN_FREE = {"maximum", "minimum", "clip", "min", "max", "amin", "amax", "fmax", "fmin"}

EPS = {"float16": 2.0 ** -10, "float32": 2.0 ** -23, "float64": 2.0 ** -52}


def ulps(op, dtype, device="cpu"):
    u = ULPS.get(op, {}).get(dtype, 0)
    if device != "cpu" and dtype in GPU_ULPS and (u or op in GPU_EXTRA):
        u += GPU_ULPS[dtype]
    return u
