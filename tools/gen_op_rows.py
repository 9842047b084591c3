#!/usr/bin/python3
"""Writes spec/ops_rows.lua: for every op of src/ops.def, inputs over several dtypes and the
results NumPy gives for them (dtype and values), which spec/ops_spec.lua checks on every
device. NumPy is run in NEP 50 mode (weak Lua-number scalars), as NumPy 2 behaves.

    /usr/bin/python3 tools/gen_op_rows.py            # rewrite spec/ops_rows.lua
    /usr/bin/python3 tools/gen_op_rows.py --check    # fail if it is not what NumPy gives now

A new row of ops.def needs its inputs here (UNARY, BINARY or REDUCE), or this script stops.

Conventions of the rows: positions that NumPy counts from 0 (argmin, argmax, ...) are written
1-based, as cuarray returns them; axis 1 / -1 are cuarray's axes (NumPy's 0 / -1). Inputs are
exactly representable in every dtype they are given in, so no conversion rounds them.
"""
import math
import re
import sys
import warnings

import numpy as np

from generated import write_or_check

np._set_promotion_state("weak")
warnings.simplefilter("ignore")

OUT = "spec/ops_rows.lua"

F = [-2.5, -1.0, -0.5, 0.0, 0.25, 1.0, 3.75, math.nan, math.inf, -math.inf]
HALVES = [-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, -0.75, 3.25]
I = [-7, -1, 0, 1, 2, 5, 100]
U = [0, 1, 2, 5, 100, 255]
B = [True, False, True]
FLOATS = ["float16", "float32", "float64"]
COMPLEX = ["complex64", "complex128"]
# complex inputs as (re, im) pairs, written {re, im} in the rows (cu.array reads pairs under a
# complex dtype)
C = [(1.0, 2.0), (-0.5, 0.25), (0.0, 0.0), (3.0, -4.0), (-2.0, 0.0), (0.0, -1.5), (math.inf, 1.0),
     (math.nan, 0.0)]
CB = [(2.0, -1.0), (0.5, 0.5), (1.0, 0.0), (-3.0, 4.0), (0.0, 2.0), (4.0, 0.0), (2.0, 0.0),
      (1.0, 1.0)]
CPOW = [(2.0, 0.0), (0.5, 0.0), (3.0, 0.0), (0.0, 0.0), (-1.0, 0.0), (1.5, 0.5), (1.0, 0.0),
        (2.0, 0.0)]


def same(dtypes, values):
    return [(dt, values) for dt in dtypes]


# the wider unsigned dtypes also get values in their upper half (uint64's beyond 2^63 are
# doubles, so that every Lua reads the literal exactly)
U64_HIGH = [2 ** 64 - 2048, 2 ** 63]
U_OF = {"uint8": U, "uint16": U + [65535, 40000], "uint32": U + [4294967295, 3000000000],
        "uint64": U + U64_HIGH}


def ints(signed=("int8", "int16", "int32", "int64"), unsigned=("uint8", "uint16", "uint32", "uint64")):
    return same(signed, I) + [(dt, U_OF[dt]) for dt in unsigned]


# ---- unary ops: a list of (dtype, values) per op ------------------------------------------
MATH_DOMAIN = {
    "log": [0.5, 1.0, 2.0, 10.0, 0.0, -1.0, math.inf, math.nan],
    "log2": [0.5, 1.0, 2.0, 10.0, 0.0, -1.0, math.inf],
    "log10": [0.5, 1.0, 2.0, 10.0, 0.0, -1.0, math.inf],
    "log1p": [-0.5, 0.0, 0.25, 1.0, 10.0, -1.0, -2.0, math.inf],
    "sqrt": [0.0, 0.25, 2.0, 9.0, 100.0, -1.0, math.inf, math.nan],
    "arcsin": [-1.0, -0.5, 0.0, 0.25, 1.0, 2.0, math.nan],
    "arccos": [-1.0, -0.5, 0.0, 0.25, 1.0, 2.0, math.nan],
    "tan": [-1.0, -0.5, 0.0, 0.25, 1.0, 1.5, math.nan, math.inf],
    "arccosh": [1.0, 1.5, 2.0, 10.0, 0.5, -1.0, math.inf, math.nan],
    "arctanh": [-0.5, 0.0, 0.25, 0.75, 1.0, -1.0, 2.0, math.nan, -0.0],
    "cbrt": F + [-8.0, 27.0, -0.0],
    "exp2": F + [-24.0, 10.0, -0.0],
    "spacing": F + [-0.0, 65504.0, -65504.0, 2.0 ** -24, 2.0 ** -14, -(2.0 ** -13), 1024.0, 0.75],
    "i0": F + [-0.0, 8.0, 9.0, -10.0, 2.0 ** -10],
    "sinc": F + [-0.0, 2.0, -3.0, 1.5, 0.125],
}
MATH_INT = {  # integer inputs (in range for int8 and of moderate results)
    "log": [1, 2, 10, 100], "log2": [1, 2, 8, 100], "log10": [1, 10, 100, 3],
    "log1p": [0, 1, 9, 100], "sqrt": [0, 1, 4, 100], "arcsin": [-1, 0, 1], "arccos": [-1, 0, 1],
    "arccosh": [1, 2, 5, 100], "arctanh": [-1, 0, 1], "exp2": [-3, 0, 1, 10],
    "spacing": [-3, -1, 0, 1, 2, 100, 127], "i0": [-3, -1, 0, 1, 2, 5, 9, 20],
}


def math_rows(op):
    vals = MATH_DOMAIN.get(op, F)
    ivals = MATH_INT.get(op, [-3, -1, 0, 1, 2, 5])
    return same(FLOATS, vals) + [("int8", ivals), ("int32", ivals), ("uint8", [abs(v) for v in ivals]),
                                 ("int16", ivals), ("bool", B)]


UNARY = {
    "negative": same(FLOATS, F) + ints(),
    "abs": same(FLOATS, F) + ints() + [("int8", [-128, 127, -1]), ("bool", B)],
    "square": same(FLOATS, F) + ints() + [("bool", B)],
    "sign": same(FLOATS, F + [-0.0]) + ints(),
    "reciprocal": same(FLOATS, F) + same(["int8", "int32", "int64"], [1, 2, -1, 5, -3]),
    "floor": same(FLOATS, F + HALVES),
    "ceil": same(FLOATS, F + HALVES),
    "trunc": same(FLOATS, F + HALVES),
    "round": same(FLOATS, F + HALVES) + ints() + [("bool", B)],
    "rint": same(FLOATS, F + HALVES) + ints() + [("bool", B)],
    "isnan": same(FLOATS, F) + ints() + [("bool", B)],
    "isinf": same(FLOATS, F) + ints() + [("bool", B)],
    "isfinite": same(FLOATS, F) + ints() + [("bool", B)],
    "logical_not": same(FLOATS, F) + ints() + [("bool", B)],
    "invert": ints() + [("bool", B)],
    "conj": same(FLOATS, F) + ints() + same(COMPLEX, C),
    "angle": same(FLOATS, F) + [("int8", [-3, -1, 0, 1, 2]), ("int32", [-3, 0, 5]), ("bool", B)]
             + same(COMPLEX, C),
}
# the sign of a NaN is not the same for Lua's 0/0 (negative on x86) and NumPy's nan: no NaN
SIGNED_F = [v for v in F if v == v] + [-0.0, 2.0 ** -24, -(2.0 ** -24)]
for _op in ["signbit", "isposinf", "isneginf"]:
    UNARY[_op] = same(FLOATS, SIGNED_F) + ints() + [("bool", B)]
# ops with complex formulas (sign is left out: NumPy 1.24 takes the sign of the real part,
# NumPy 2 z / |z|, which cuarray gives; spec/complex_spec.lua checks it)
for _op in ["negative", "abs", "square", "reciprocal", "isnan", "isinf", "isfinite",
            "logical_not"]:
    UNARY[_op] = UNARY[_op] + same(COMPLEX, C)
for _op in ["exp", "expm1", "log", "log2", "log10", "log1p", "sqrt", "sin", "cos", "tan",
            "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh", "cbrt", "exp2", "arcsinh",
            "arccosh", "arctanh", "deg2rad", "rad2deg", "spacing", "i0", "sinc"]:
    UNARY[_op] = math_rows(_op)
CFINITE = [(1.0, 2.0), (-0.5, 0.25), (3.0, -4.0), (-2.0, 0.0), (0.0, -1.5), (0.25, 0.0), (-1.0, -1e-3)]
for _op in ["exp", "log", "sqrt", "sin", "cos", "tan", "sinh", "cosh", "tanh", "arcsin",
            "arccos", "arctan", "arcsinh", "arccosh", "arctanh", "log2", "log10", "log1p",
            "expm1", "exp2"]:
    UNARY[_op] = UNARY[_op] + same(COMPLEX, CFINITE)
# complex round: both parts, halves to even
UNARY["round"] = UNARY["round"] + same(COMPLEX, [(0.5, 1.5), (2.5, -0.5), (-1.5, 3.25), (-2.75, 0.0),
                                                 (math.inf, 0.5), (math.nan, -2.5)])

# ---- binary ops: (dtype_a, a, dtype_b | None for a Lua number, b) ---------------------------
FA = [-2.5, -1.0, 0.0, 0.5, 3.0, 7.25, math.nan, math.inf]
FB = [2.0, -0.5, 0.0, 4.0, -3.0, 2.0, 1.0, math.inf]
IA = [-7, -1, 0, 3, 100, 17, -128, 127]
IB = [2, 3, 5, -4, 7, -1, 1, 1]
UA = [0, 1, 2, 200, 255, 17, 9, 128]
UA16 = [0, 1, 2, 200, 65535, 17, 40000, 128]
UA32 = [0, 1, 2, 200, 4294967295, 17, 3000000000, 128]
UA64 = [0, 1, 2, 200, 2 ** 64 - 2048, 17, 2 ** 63, 128]
UB = [1, 3, 5, 4, 7, 1, 2, 2]
BA = [True, True, False, False]
BB = [True, False, True, False]


def pairs(float_b=FB, int_b=IB, uint_b=UB, with_bool=True, floats=True, scalars=(3, -2.5)):
    rows = []
    if floats:
        rows += [(dt, FA, dt, float_b) for dt in FLOATS]
    rows += [("int8", IA, "int8", int_b), ("int16", IA, "int16", int_b), ("int32", IA, "int32", int_b),
             ("int64", IA, "int64", int_b), ("uint8", UA, "uint8", uint_b),
             ("int8", IA, "uint8", uint_b), ("uint16", UA16, "uint16", uint_b),
             ("uint32", UA32, "uint32", uint_b), ("uint16", UA16, "int16", int_b),
             ("uint32", UA32, "int8", int_b), ("uint64", UA64, "uint64", uint_b),
             ("uint64", UA64, "uint8", uint_b), ("uint64", UA64, "int8", int_b)]
    if floats:
        rows += [("int32", IA, "float32", float_b)]
    if with_bool:
        rows += [("bool", BA, "bool", BB)]
    for s in scalars:
        rows += [("int32", IA, None, s), ("float32", FA, None, s)]
    return rows


NONNEG_IB = [2, 3, 5, 4, 7, 1, 1, 0]
SHIFT = [0, 1, 2, 3, 7, 1, 4, 6]
BINARY = {
    "add": pairs(),
    "subtract": pairs(with_bool=False),
    "multiply": pairs(),
    "divide": pairs(),
    "floor_divide": pairs(),
    "mod": pairs(),
    "fmod": pairs(),
    "power": pairs(int_b=NONNEG_IB, float_b=[2.0, 0.5, 3.0, 0.0, -1.0, 2.0, 1.0, 2.0], scalars=(3, 0.5)),
    "maximum": pairs(),
    "minimum": pairs(),
    "arctan2": [(dt, FA, dt, FB) for dt in FLOATS] + [("int8", IA, "int8", IB), ("int32", IA, "int32", IB)],
    "equal": pairs(), "not_equal": pairs(), "less": pairs(), "less_equal": pairs(),
    "greater": pairs(), "greater_equal": pairs(),
    "logical_and": pairs(), "logical_or": pairs(), "logical_xor": pairs(),
    "bitwise_and": pairs(floats=False, scalars=(3,)), "bitwise_or": pairs(floats=False, scalars=(3,)),
    "bitwise_xor": pairs(floats=False, scalars=(3,)),
    "left_shift": pairs(int_b=SHIFT, uint_b=SHIFT, floats=False, with_bool=False, scalars=(3,)),
    "right_shift": pairs(int_b=SHIFT, uint_b=SHIFT, floats=False, with_bool=False, scalars=(3,)),
}
# signed zeros, NaN against NaN and infinities of both signs, in every float dtype
EDGE_A = [0.0, -0.0, 0.0, math.nan, math.nan, math.inf, -math.inf, -math.inf, 1.0, -2.0]
EDGE_B = [-0.0, 0.0, math.nan, 1.0, math.nan, math.inf, -math.inf, math.inf, 1.0, -0.0]
EDGES = [(dt, EDGE_A, dt, EDGE_B) for dt in FLOATS]
for _op in ["hypot", "logaddexp", "logaddexp2", "copysign", "nextafter", "heaviside", "fmax",
            "fmin", "float_power"]:
    BINARY[_op] = pairs() + EDGES
BINARY["nextafter"] += [(dt, [1.0, 1.0, 65504.0, 2.0 ** -24, 2.0 ** -14, -1024.0, 0.5, -0.0], dt,
                         [2.0, 0.0, math.inf, 0.0, 0.0, 0.0, -1.0, 1.0]) for dt in FLOATS]
for _op in ["gcd", "lcm"]:
    BINARY[_op] = (pairs(floats=False, with_bool=False, scalars=(3, -6))
                   + [("int8", [-128, 0, 0, -128, 12, -12], "int8", [0, 0, 5, 3, -18, 18]),
                      ("int64", [2 ** 40, -(2 ** 62), 0, 6], "int64", [2 ** 20 * 3, 2 ** 61, -7, -4]),
                      ("bool", BA, "bool", BB), ("float32", FA, "float32", FB)])
EXPS = [3, -2, 0, 1, 10, -30, 100, -100]
BIG_EXPS = [3, -2, 0, 1, 10, -30, 2000, -2000]
BINARY["ldexp"] = ([(dt, FA, et, EXPS) for dt in FLOATS for et in ("int8", "int32", "int64")]
                   + [(dt, EDGE_A[:8], "int32", EXPS) for dt in FLOATS]
                   + [("int8", IA, "int8", EXPS), ("int32", IA, "int64", BIG_EXPS), ("float64", FA, "int32", BIG_EXPS), ("bool", BA, "bool", BB),
                      ("uint8", UA, "int16", EXPS), ("float32", FA, None, 3), ("int16", IA, None, -2),
                      ("float32", FA, "float32", FB), ("float64", FA, None, 2.5)])

# ---- ops of two results: inputs as for the unary and binary ops -----------------------------
UNARY2 = {
    "modf": same(FLOATS, F + HALVES + [-0.0, 1024.5, -123.125]) + [("int8", I), ("int32", I), ("uint8", U),
                                                                  ("bool", B)],
    "frexp": same(FLOATS, F + [-0.0, 2.0 ** -24, 2.0 ** -14, 65504.0, -1000.0, 0.375]) + [
        ("float64", [1e300, 5e-324, -2.0 ** -1074, 2.0 ** 1023]), ("float32", [1e30, 2.0 ** -149]),
        ("int8", I), ("int64", I), ("uint8", U), ("bool", B)],
}
BINARY2 = {
    "divmod": pairs() + EDGES + [("int8", [-128, -128, 7, 0], "int8", [-1, 1, 0, 0]),
                                 ("int64", [-(2 ** 63), 2 ** 52, -5, 5], "int64", [-1, -3, 3, -3])],
}


def complex_pairs(a=C, b=CB, scalars=(2.5, -3)):
    b = b[:len(a)]
    rows = [(dt, a, dt, b) for dt in COMPLEX]
    rows += [("complex64", a, "float32", [p[0] for p in b]),
             ("int32", [1, -2, 0, 5, 7, -1, 3, 2][:len(a)], "complex64", b),
             ("complex64", a, "complex128", b),
             ("float64", [1.0, -2.0, 0.5, 0.0, 3.0, 1.0, 2.0, 4.0][:len(a)], "complex64", b)]
    rows += [("complex64", a, None, s) for s in scalars]
    return rows


for _op in ["add", "subtract", "multiply", "divide", "equal", "not_equal", "logical_and",
            "logical_or", "logical_xor"]:
    BINARY[_op] = BINARY[_op] + complex_pairs()
# (C99's cpow of an infinite base differs between C libraries: finite bases only)
BINARY["power"] = BINARY["power"] + complex_pairs(a=C[:6] + [(0.5, -2.0), (-1.0, 1.0)], b=CPOW,
                                                  scalars=(2, 0.5))

# ---- reductions: 2-d inputs, reduced over everything, axis 1 and axis -1 ------------------
RF = [[1.5, -2.0, 0.25, 4.0], [3.0, 0.5, -1.0, 2.0]]
RF_NAN = [[1.5, math.nan, 0.25, 4.0], [3.0, 0.5, -1.0, 2.0]]
RI = [[3, -2, 7, 0], [-5, 4, 1, 2]]
RU = [[3, 2, 7, 0], [5, 4, 1, 200]]
RB = [[True, False, True, True], [True, True, True, False]]
REDUCE_INPUTS = same(FLOATS, RF) + [("float64", RF_NAN), ("float32", RF_NAN), ("int8", RI),
                                    ("int32", RI), ("int64", RI), ("uint8", RU), ("bool", RB),
                                    ("uint16", [[3, 2, 7, 0], [5, 4, 1, 65535]]),
                                    ("uint32", [[3, 2, 7, 0], [5, 4, 1, 4294967295]]),
                                    ("uint64", [[3, 2, 7, 0], [5, 4, 1, 2 ** 64 - 2048]])]
RC = [[(1.5, -1.0), (2.0, 0.5), (-0.25, 3.0), (4.0, 0.0)], [(0.0, 1.0), (3.0, -2.0), (-1.0, 0.25), (2.5, 2.5)]]
RF_NANS = [[math.nan, math.nan, 0.25, 4.0], [3.0, math.nan, -1.0, math.nan]]  # a column of NaN
REDUCE = {op: REDUCE_INPUTS for op in
          ["sum", "prod", "min", "max", "argmin", "argmax", "all", "any", "mean", "var", "std",
           "count_nonzero", "ptp"]}
for _op in ["sum", "mean", "var", "std"]:
    REDUCE[_op] = REDUCE_INPUTS + same(COMPLEX, RC)
REDUCE.update({op: REDUCE_INPUTS + same(FLOATS, RF_NANS) for op in
               ["nansum", "nanprod", "nanmin", "nanmax", "nanmean", "nanvar", "nanstd",
                "nanargmin", "nanargmax"]})


# ---- NumPy's answers ------------------------------------------------------------------------

def run(fn, *args):
    try:
        return fn(*args)
    except Exception:  # NumPy refuses these dtypes: cuarray must raise too
        return None


def reduce_np(op, a, axis):
    x = a
    if op in ("argmin", "argmax", "nanargmin", "nanargmax"):
        r = getattr(np, op)(x, axis=axis)
        return np.asarray(r + 1, dtype=np.int64)
    if op == "count_nonzero":
        return np.asarray(np.count_nonzero(x, axis=axis), dtype=np.int64)
    return np.asarray(getattr(np, op)(x, axis=axis))


def lua_value(v):
    if isinstance(v, np.uint64) and v > 2 ** 53:  # exact as a string (spec/helper.lua's H.close)
        return '"%d"' % int(v)
    if isinstance(v, (complex, np.complexfloating)):
        return "{%s, %s}" % (lua_value(v.real), lua_value(v.imag))
    if isinstance(v, (bool, np.bool_)):
        return "true" if v else "false"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    f = float(v)
    if math.isnan(f):
        return "nan"
    if math.isinf(f):
        return "inf" if f > 0 else "-inf"
    if f == int(f) and abs(f) < 2 ** 53:
        return ("nzero" if math.copysign(1, f) < 0 and f == 0 else str(int(f)))
    return repr(f)


def lua_list(values):
    if isinstance(values, (list, tuple)):
        return "{" + ", ".join(lua_list(v) for v in values) + "}"
    return lua_value(values)


def arr(dtype, values):
    if dtype.startswith("complex"):  # (re, im) pairs, nested as the rows nest them
        return np.array(values, dtype="float64").view("complex128")[..., 0].astype(dtype)
    return np.array(values, dtype=dtype)


def nested(r):
    """r's values as nested lists; uint64 elements stay np.uint64 (lua_value writes the large
    ones as strings)."""
    if r.dtype != np.uint64:
        return r.tolist()
    return np.array(list(r.flat), dtype=object).reshape(r.shape).tolist()


def result(r):
    if r is None:
        return "raises = true"
    if isinstance(r, tuple):  # two results: want and want2
        return result(np.asarray(r[0])) + ", " + result(np.asarray(r[1])).replace("want", "want2", 1)
    return 'want = {"%s", %s}' % (r.dtype.name, lua_list(nested(r)))


def numpy_name(op):
    return {"mod": "remainder"}.get(op, op)


def ops_def():
    ops = []
    with open("src/ops.def") as fh:
        for line in fh:
            m = re.match(r"^CA_(UNARY2|BINARY2|UNARY|BINARY|REDUCE)\((\w+),", line)
            if m:
                ops.append((m.group(1).lower(), m.group(2)))
    return ops


def generate():
    out = ["-- Generated by tools/gen_op_rows.py from NumPy %s (NEP 50 weak promotion): the"
           % np.__version__,
           "-- expected result of every op of src/ops.def on inputs over several dtypes.",
           "-- Do not edit: change the inputs in the generator and run it again.",
           "-- nzero is -0.0 computed at run time: Lua 5.1 folds the constant -0.0 into 0.",
           "local nan, inf = 0 / 0, math.huge", "local nzero = -1 / inf", "", "return {"]
    missing = []
    for kind, op in ops_def():
        table = {"unary": UNARY, "binary": BINARY, "unary2": UNARY2, "binary2": BINARY2,
                 "reduce": REDUCE}[kind]
        if op not in table:
            missing.append(op)
            continue
        out.append("  %s = {" % op)
        fn = getattr(np, numpy_name(op), None)
        for row in table[op]:
            if kind in ("unary", "unary2"):
                dt, vals = row
                r = run(fn, arr(dt, vals))
                out.append('    {a = {"%s", %s}, %s},' % (dt, lua_list(vals), result(r)))
            elif kind in ("binary", "binary2"):
                dta, a, dtb, b = row
                x = arr(dta, a)
                y = b if dtb is None else arr(dtb, b)
                r = run(fn, x, y)
                if r is not None and kind == "binary":
                    r = np.asarray(r)
                bstr = lua_value(b) if dtb is None else '{"%s", %s}' % (dtb, lua_list(b))
                out.append('    {a = {"%s", %s}, b = %s, %s},' % (dta, lua_list(a), bstr, result(r)))
            else:
                dt, vals = row
                x = arr(dt, vals)
                for axis, lua_axis in ((None, "nil"), (0, "1"), (-1, "-1")):
                    r = run(reduce_np, op, x, axis)
                    out.append('    {a = {"%s", %s}, axis = %s, %s},'
                               % (dt, lua_list(vals), lua_axis, result(r)))
        out.append("  },")
    out.append("}")
    if missing:
        sys.exit("tools/gen_op_rows.py: no inputs for " + ", ".join(missing) + " (add them to UNARY, BINARY or REDUCE)")
    return "\n".join(out) + "\n"


def main():
    write_or_check(OUT, generate(), "tools/gen_op_rows.py", version_line=True)


if __name__ == "__main__":
    main()
