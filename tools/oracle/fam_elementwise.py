"""Elementwise cases: every unary and binary op of src/ops.def, their aliases, the short
comparison methods and the arithmetic operators, on broadcast operands of every dtype and
layout, with weak Lua scalars on either side, `out=` (wider dtypes, strided views, the
operand itself, another view of the operand's memory); and where and clip."""
import numpy as np

import deviations
import numpy2
import tolerances
from common import (COMPLEX, DTYPES, FLOATS, INTS, Expect, Raises, broadcast_shapes_for,
                    incompatible, is_float, is_int, is_unsigned, outcome, random_scalar,
                    random_shape)

# name -> NumPy's function; the cuarray name is the key
UNARY = {
    "negative": np.negative, "abs": np.absolute, "square": np.square, "sign": np.sign,
    "reciprocal": np.reciprocal, "floor": np.floor, "ceil": np.ceil, "trunc": np.trunc,
    "round": np.round, "exp": np.exp, "expm1": np.expm1, "log": np.log, "log2": np.log2,
    "log10": np.log10, "log1p": np.log1p, "sqrt": np.sqrt, "sin": np.sin, "cos": np.cos,
    "tan": np.tan, "arcsin": np.arcsin, "arccos": np.arccos, "arctan": np.arctan,
    "sinh": np.sinh, "cosh": np.cosh, "tanh": np.tanh, "isnan": np.isnan, "isinf": np.isinf,
    "isfinite": np.isfinite, "logical_not": np.logical_not, "invert": np.invert,
    "cbrt": np.cbrt, "exp2": np.exp2, "arcsinh": np.arcsinh, "arccosh": np.arccosh,
    "arctanh": np.arctanh, "deg2rad": np.deg2rad, "rad2deg": np.rad2deg, "spacing": np.spacing,
    "i0": np.i0, "sinc": np.sinc, "signbit": np.signbit, "isposinf": np.isposinf,
    "isneginf": np.isneginf,
}
UNARY_ALIASES = {"absolute": "abs", "bitwise_not": "invert", "rint": "rint", "around": "round",
                 "asin": "arcsin", "acos": "arccos", "atan": "arctan", "radians": "deg2rad",
                 "degrees": "rad2deg", "fix": "trunc", "asinh": "arcsinh", "acosh": "arccosh",
                 "atanh": "arctanh"}
NP_EXTRA = {"rint": np.rint}

BINARY = {
    "add": np.add, "subtract": np.subtract, "multiply": np.multiply, "divide": np.divide,
    "floor_divide": np.floor_divide, "mod": np.remainder, "fmod": np.fmod, "power": np.power,
    "maximum": np.maximum, "minimum": np.minimum, "arctan2": np.arctan2, "equal": np.equal,
    "not_equal": np.not_equal, "less": np.less, "less_equal": np.less_equal,
    "greater": np.greater, "greater_equal": np.greater_equal, "logical_and": np.logical_and,
    "logical_or": np.logical_or, "logical_xor": np.logical_xor, "bitwise_and": np.bitwise_and,
    "bitwise_or": np.bitwise_or, "bitwise_xor": np.bitwise_xor, "left_shift": np.left_shift,
    "right_shift": np.right_shift, "hypot": np.hypot, "logaddexp": np.logaddexp,
    "logaddexp2": np.logaddexp2, "copysign": np.copysign, "nextafter": np.nextafter,
    "heaviside": np.heaviside, "fmax": np.fmax, "fmin": np.fmin, "float_power": np.float_power,
    "gcd": np.gcd, "ldexp": np.ldexp,
}
BINARY_ALIASES = {"remainder": "mod", "true_divide": "divide", "pow": "power",
                  "atan2": "arctan2", "eq": "equal", "ne": "not_equal", "lt": "less",
                  "le": "less_equal", "gt": "greater", "ge": "greater_equal"}
# Lua operators: (operator, needs Lua 5.3+)
OPERATORS = {"add": ("+", False), "subtract": ("-", False), "multiply": ("*", False),
             "divide": ("/", False), "mod": ("%", False), "power": ("^", False),
             "floor_divide": ("//", True), "bitwise_and": ("&", True),
             "bitwise_or": ("|", True), "bitwise_xor": ("~", True),
             "left_shift": ("<<", True), "right_shift": (">>", True)}

UNIT_DOMAIN = {"arcsin", "arccos"}
# binary ops that compute in a float dtype whatever their integer inputs
FLOAT_BINARY = {"divide", "arctan2", "hypot", "logaddexp", "logaddexp2", "copysign", "nextafter",
                "heaviside", "float_power"}
# The sign of a NaN differs between NumPy's (positive) and Lua's 0/0 (negative on x86): the
# ops that read it get no NaN.
SIGN_READERS = {"signbit"}
# Unary ops with complex formulas (src/scalar.h's CA_CPLX_HAS list; sign is left out: NumPy
# 1.24's is not NumPy 2's z / |z|), drawn with complex operands now and then; a few without
# check that cuarray refuses them as NumPy does.
COMPLEX_UNARY = {"negative", "abs", "square", "reciprocal", "exp", "log", "sqrt", "isnan",
                 "isinf", "isfinite", "logical_not", "sin", "cos", "tan", "sinh", "cosh", "tanh",
                 "arcsin", "arccos", "arctan", "arcsinh", "arccosh", "arctanh", "log2", "log10",
                 "log1p", "expm1", "exp2", "round", "rint"}
COMPLEX_REFUSED = {"floor", "ceil", "trunc", "cbrt", "deg2rad", "spacing", "invert"}
# complex64 results that cuarray computes in complex128 and rounds once
COMPLEX_IN_DOUBLE = {"exp", "log", "sqrt", "sin", "cos", "tan", "sinh", "cosh", "tanh", "arcsin",
                     "arccos", "arctan", "arcsinh", "arccosh", "arctanh", "log2", "log10", "log1p",
                     "expm1", "exp2"}


def no_nan(case, dt):
    v = random_scalar(case, dt)
    return 1.0 if isinstance(v, float) and v != v else v


def unit_domain(case, dt):
    if dt == "int64" or is_int(dt) or dt == "bool":
        return case.randint(-1, 1)
    return case.rng.choice([case.rng.uniform(-1.1, 1.1), 1.0, -1.0, 0.5, 0.0, -0.0, 1.5])


def shift_domain(bits):
    def gen(case, dt):
        u = case.rng.random()
        if u < 0.1:
            return case.randint(-3, -1)
        if u < 0.2:
            return case.randint(bits - 1, bits + 3)
        return case.randint(0, min(bits - 1, 8))
    return gen


def power_exponent(case, dt):
    if dt == "bool":
        return case.chance(0.5)
    if is_int(dt) or dt == "int64":
        return case.randint(0, 6) if is_unsigned(dt) else case.randint(-2, 6)
    return case.rng.choice([case.rng.uniform(-3, 3), 0.5, 2.0, -1.0, 0.0, 3.0, float("nan"),
                            float("inf"), -0.5, 1.5])


def small_base(case, dt):
    if dt == "bool":
        return case.chance(0.5)
    if is_int(dt) or dt == "int64":
        return case.rng.choice([case.randint(-3, 5), 1, -1, 0, 2])
    return case.rng.choice([case.rng.uniform(-4, 4), 0.0, -0.0, 1.0, -1.0, 2.0, float("inf"),
                            float("nan"), -2.0, 0.5])


def bits_of(dt):
    return {"int8": 8, "uint8": 8, "int16": 16, "int32": 32, "int64": 64, "uint16": 16,
            "uint32": 32, "uint64": 64}.get(dt, 8)


def result_expect(case, op, res, computed=None):
    """The expected array res; its tolerance is that of the dtype the op computed in
    (`computed`, when res is that result cast into a wider out), in ulps of res's dtype."""
    if isinstance(res, Raises):
        return res
    res = np.asarray(res)
    dt = res.dtype.name
    cdt = computed or dt
    scale = 1
    if cdt != dt and cdt in tolerances.EPS and dt in tolerances.EPS:
        scale = tolerances.EPS[cdt] / tolerances.EPS[dt]
    return Expect("array", res, ulps=tolerances.ulps(op, cdt) * scale,
                  gulps=tolerances.ulps(op, cdt, "cuda") * scale,
                  zero_sign=op not in tolerances.ZERO_SIGN_FREE)


# ---- NumPy's answers with the listed deviations ----------------------------------------

def np_unary(op, x):
    if op == "rint":
        return outcome(lambda: np.rint(x))
    if op in COMPLEX_IN_DOUBLE and getattr(x, "dtype", None) == np.complex64:
        deviations.use("complex64-math-in-double")
        res = outcome(lambda: UNARY[op](x.astype(np.complex128)))
        return res if isinstance(res, Raises) else res.astype(np.complex64)
    if op in ("floor", "ceil", "trunc") and np.asarray(x).dtype == bool:
        return None  # NumPy 2's dtype for bool here is not pinned down: not generated
    res = outcome(lambda: numpy2.unary(op, UNARY[op], x))
    if op == "reciprocal" and not isinstance(res, Raises) and is_int(res.dtype.name):
        deviations.use("int-reciprocal-zero")
        res = np.where(np.asarray(x) == 0, 0, res).astype(res.dtype)
    return res


def np_binary(op, x, y):
    fn = BINARY[op]
    if op == "power":
        return np_power(x, y)
    return outcome(lambda: numpy2.binary(op, fn, x, y))


def np_power(x, y):
    """NumPy's power; integer powers with negative exponents follow int-power-negative."""
    plain = outcome(lambda: np.power(x, y))
    if not isinstance(plain, Raises) or "negative integer powers" not in plain.why:
        return plain
    deviations.use("int-power-negative")
    yy = np.asarray(y)
    pos = outcome(lambda: np.power(x, np.maximum(y, 0).astype(yy.dtype)
                                   if isinstance(y, np.ndarray) else max(y, 0)))
    if isinstance(pos, Raises):
        return pos
    xb, yb = np.broadcast_arrays(np.asarray(x), yy)
    xb = xb.astype(np.int64)
    yb = yb.astype(np.int64)
    odd = (yb % 2) == 1
    neg = np.where(xb == 1, 1, np.where(xb == -1, np.where(odd, -1, 1), 0))
    out = np.where(yb < 0, neg, pos.astype(np.int64))
    return out.astype(pos.dtype).reshape(pos.shape)


# ---- unary -------------------------------------------------------------------------------

def unary_case(case):
    names = list(UNARY) + list(UNARY_ALIASES)
    name = case.pick(names)
    op = UNARY_ALIASES.get(name, name)
    if name == "rint":
        op = "rint"
    dt = case.dtype()
    case.op = name
    cplx = (op in COMPLEX_UNARY or op in COMPLEX_REFUSED) and case.chance(0.3)
    if cplx:
        dt = case.dtype(COMPLEX)
    case.dtypes = [dt]
    domain = unit_domain if op in UNIT_DOMAIN and not cplx else \
        no_nan if op in SIGN_READERS else None
    form = case.pick(["fn", "method"] if cplx else ["fn", "fn", "method", "out", "number", "op"])
    if form == "number":
        lit, v = case.weak(dt)
        res = np_unary(op, v)
        if res is None:
            return None
        deviations.use("numbers-give-arrays")
        case.variant = "number"
        case.dtypes = [np.asarray(v).dtype.name]
        case.ret("cu.%s(%s)" % (name, lit), result_expect(case, op, res))
        return case
    shape = random_shape(case)
    a, x, _, _ = case.operand(shape, dt, domain)
    res = np_unary(op, x)
    if res is None:
        return None
    if form == "op" and op in ("negative", "invert"):
        case.variant = "operator"
        if op == "invert":
            case.needs.add("lua54")
        case.ret(("-%s" if op == "negative" else "~%s") % a, result_expect(case, op, res))
    elif form == "method":
        case.variant = "method"
        case.ret("%s:%s()" % (a, name), complex_expect(case, op, res, cplx))
    elif form == "out" and not isinstance(res, Raises):
        out_case(case, name, op, [a], [x], res)
    else:
        case.variant = "function"
        case.ret("cu.%s(%s)" % (name, a), complex_expect(case, op, res, cplx))
    return case


# NumPy's complex abs and reciprocal run its own SIMD loops, whose rounding differs from the
# hypot and Smith's division of src/scalar.h by an ulp.
COMPLEX_ULP = {"abs", "reciprocal"}


def complex_expect(case, op, res, cplx):
    e = result_expect(case, op, res)
    if cplx and op in COMPLEX_ULP and isinstance(e, Expect):
        e.ulps, e.gulps = max(e.ulps, 2), max(e.gulps, 2)
    return e


# ---- out= ----------------------------------------------------------------------------------

def out_case(case, name, op, lua_args, np_args, res):
    """Calls cu.<name>(args..., {out = o}) with o chosen from: a fresh array of the result's
    dtype or a wider one, a strided or transposed view, an operand itself, another view of an
    operand's memory; or an out NumPy refuses. NumPy's ufuncs pick their loop from the
    inputs alone and read overlapping inputs as they were, so out receives the result
    (computed without out) cast with the same_kind rule."""
    rdt = res.dtype.name
    shape = res.shape
    castable = [d for d in DTYPES if np.can_cast(rdt, d, "same_kind")]
    refused = [d for d in DTYPES if d not in castable]
    kind = case.pick(["fresh", "fresh", "wider", "view", "alias", "overlap", "refused"])
    candidates = [i for i, x in enumerate(np_args)
                  if isinstance(x, np.ndarray) and x.shape == shape and x.dtype.name in castable
                  and x.base is None and x.size > 0]
    if kind in ("alias", "overlap") and not candidates:
        kind = "fresh"
    if kind == "refused" and not refused:
        kind = "wider"
    case.variant = "out:" + kind
    if kind in ("alias", "overlap"):
        i = case.pick(candidates)
        onp = np_args[i]
        obase = onp
        if onp.ndim == 0:
            kind = "alias"
            case.variant = "out:alias"
        if kind == "alias":
            o = lua_args[i]
            case.tags.add("out:alias")
        else:
            axis = case.randint(0, onp.ndim - 1)
            if onp.ndim == 2 and onp.shape[0] == onp.shape[1] and case.chance(0.5):
                o = case.local("%s.T" % lua_args[i], "o")
                onp = onp.T
            else:
                o = case.local("%s:flip(%d)" % (lua_args[i], axis + 1), "o")
                onp = np.flip(onp, axis)
            case.tags.add("out:overlap")
        ob = lua_args[i]
    else:
        odt = rdt
        if kind == "wider":
            odt = case.pick(castable)
        elif kind == "refused":
            odt = case.pick(refused)
        if odt != rdt and kind != "refused":
            case.tags.add("out:otherdtype")
        if kind == "refused" and is_int(rdt) and is_unsigned(odt) and not is_unsigned(rdt):
            case.tags.add("out:signed-into-unsigned")
        case.dtypes.append(odt)
        layout = case.pick(["c", "step", "T", "negstep"]) if kind == "view" else "c"
        o, onp, ob, obase = case.operand(shape, odt, layout=layout, name="o")
    r = outcome(lambda: numpy2.copyto_same_kind(onp, res))
    args = ", ".join(lua_args)
    call = "cu.%s(%s, {out = %s})" % (name, args, o)
    if isinstance(r, Raises):
        case.ret(call, r)
        return
    case.stmt("local r = " + call)
    exp = result_expect(case, op, onp.copy(), rdt)
    case.ret("r", exp)
    case.ret("rawequal(r, %s)" % o, Expect("value", True))
    if ob != o:
        case.ret(ob, result_expect(case, op, obase.copy()))


# ---- binary --------------------------------------------------------------------------------

def operand_domain(op, which, dt):
    if op in ("left_shift", "right_shift") and which == 1:
        return shift_domain(bits_of(dt))
    if op == "power":
        return power_exponent if which == 1 else small_base
    if op == "copysign" and which == 1:
        return no_nan
    return None


def binary_case(case):
    names = list(BINARY) + list(BINARY_ALIASES)
    name = case.pick(names)
    op = BINARY_ALIASES.get(name, name)
    case.op = name
    form = case.pick(["aa", "aa", "aa", "as", "sa", "ss", "out", "op", "op", "bad_shape"])
    if form == "op" and op not in OPERATORS:
        form = "aa"
    dts = [case.dtype(), case.dtype()]
    if case.chance(0.3):
        dts[1] = dts[0]
    case.dtypes = list(dts)
    if form == "ss":
        la, va = case.weak(dts[0], operand_domain(op, 0, "int64"))
        lb, vb = case.weak(dts[1], operand_domain(op, 1, "int64"))
        deviations.use("numbers-give-arrays")
        case.variant = "numbers"
        if op == "right_shift" and not isinstance(vb, bool) and vb < 0:
            case.tags.add("shift:negative")
        res = np_binary(op, va, vb)
        case.ret("cu.%s(%s, %s)" % (name, la, lb), result_expect(case, op, res))
        return case
    shapes = broadcast_shapes_for(case, 2)
    if form == "bad_shape":
        bad = incompatible(case, shapes[0])
        if bad is None:
            form = "aa"
        else:
            shapes[1] = bad
    a, x, _, _ = case.operand(shapes[0], dts[0], operand_domain(op, 0, dts[0]), name="a")
    if form in ("as", "sa") or (form == "op" and case.chance(0.4)):
        lit, v = case.weak(dts[0], operand_domain(op, 1, dts[0]))
        first = form == "sa" or (form == "op" and case.chance(0.5))
        case.variant = "scalar-first" if first else "scalar-second"
        case.dtypes[1] = "weak:" + type(v).__name__
        if op.startswith("logical_") and isinstance(v, int) and not isinstance(v, bool) \
                and is_int(x.dtype.name) and numpy2.py_int_out_of_range(x.dtype.name, v):
            return None  # NumPy 2's answer for logical ops with such ints is not pinned down
        if isinstance(v, int) and not isinstance(v, bool) \
                and numpy2.py_int_out_of_range(x.dtype.name, v):
            case.tags.add("weak:out-of-range")
            if op in FLOAT_BINARY:
                case.tags.add("weak:out-of-range-float-op")
        if op == "right_shift" and np.any(np.asarray(v) < 0):
            case.tags.add("shift:negative")
        res = np_binary(op, v, x) if first else np_binary(op, x, v)
        args = (case.paren_lit(lit), a) if first else (a, case.paren_lit(lit))
        if form == "op":
            sym, new = OPERATORS[op]
            if new:
                case.needs.add("lua54")
            case.variant += ",operator"
            expr = "%s %s %s" % (args[0], sym, args[1])
        elif form == "sa" or case.chance(0.7):
            expr = "cu.%s(%s, %s)" % (name, args[0], args[1])
        else:
            expr = "%s:%s(%s)" % (a, name, lit)
            res = np_binary(op, x, v)
        case.ret(expr, result_expect(case, op, res))
        return case
    b, y, _, _ = case.operand(shapes[1], dts[1], operand_domain(op, 1, dts[1]), name="b")
    if op == "right_shift" and y.dtype != bool and np.any(y < 0):
        case.tags.add("shift:negative")
    res = np_binary(op, x, y)
    if form == "out" and not isinstance(res, Raises):
        out_case(case, name, op, [a, b], [x, y], res)
        return case
    if form == "op":
        sym, new = OPERATORS[op]
        if new:
            case.needs.add("lua54")
        case.variant = "operator"
        expr = "%s %s %s" % (a, sym, b)
    elif case.chance(0.3):
        case.variant = "method"
        expr = "%s:%s(%s)" % (a, name, b)
    else:
        case.variant = "function" if form != "bad_shape" else "bad shapes"
        expr = "cu.%s(%s, %s)" % (name, a, b)
    case.ret(expr, result_expect(case, op, res))
    return case


# ---- where, clip -----------------------------------------------------------------------------

def where_case(case):
    case.op = "where"
    shapes = broadcast_shapes_for(case, 3)
    cdt = case.pick(["bool", "bool", "bool", case.dtype()])
    c, cx, _, _ = case.operand(shapes[0], cdt, name="c")
    parts = []
    vals = []
    for i in (1, 2):
        if case.chance(0.25):
            lit, v = case.weak(case.dtype())
            parts.append(case.paren_lit(lit))
            vals.append(v)
        else:
            dt = case.dtype()
            case.dtypes.append(dt)
            n, x, _, _ = case.operand(shapes[i], dt, name="w")
            parts.append(n)
            vals.append(x)
    res = outcome(lambda: numpy2.where(cx, vals[0], vals[1]))
    case.dtypes.insert(0, cdt)
    case.ret("cu.where(%s, %s, %s)" % (c, parts[0], parts[1]), result_expect(case, "where", res))
    return case


def clip_case(case):
    case.op = "clip"
    dt = case.dtype([d for d in DTYPES if d != "bool"])
    case.dtypes = [dt]
    shape = random_shape(case)
    a, x, _, _ = case.operand(shape, dt)
    bounds = []
    npb = []
    for _ in range(2):
        u = case.rng.random()
        if u < 0.2:
            bounds.append("nil")
            npb.append(None)
        elif u < 0.7:
            lit, v = case.weak(dt, kind=case.pick(["int", "int", "float"]))
            bounds.append(case.paren_lit(lit))
            npb.append(v)
        else:
            bdt = case.dtype([d for d in DTYPES if d != "bool"])
            n, y, _, _ = case.operand(broadcast_shapes_for(case, 1, len(shape))[0]
                                      if case.chance(0.3) else shape, bdt, name="b")
            bounds.append(n)
            npb.append(y)
    if npb[0] is None and npb[1] is None:
        res = Raises("clip: one of lo and hi must be given")
    else:
        res = outcome(lambda: np_clip(x, npb[0], npb[1]))
    case.ret("cu.clip(%s, %s, %s)" % (a, bounds[0], bounds[1]), result_expect(case, "clip", res))
    return case


def np_clip(x, lo, hi):
    """NumPy 2's clip: minimum(maximum(x, lo), hi) with each bound promoted as an operand."""
    r = x
    if lo is not None:
        r = numpy2.binary("maximum", np.maximum, r, lo)
    if hi is not None:
        r = numpy2.binary("minimum", np.minimum, r, hi)
    if r is x:
        r = x.copy()
    return r


FAMILIES = [(unary_case, 30), (binary_case, 45), (where_case, 4), (clip_case, 4)]
