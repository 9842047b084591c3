"""What every family of cases shares: NumPy set up as NumPy 2 behaves, the case being built
(its Lua statements, its expected results), Lua literals, and random dtypes, shapes, values
and views (operands) built in NumPy and in Lua side by side.

A case is Lua code (statements ending in `return r1, r2, ...`) and, for each returned value,
NumPy's answer for the same inputs, or the fact that NumPy raises."""
import math
import warnings

import numpy as np

import deviations

# NumPy 2's promotion (NEP 50): Python scalars are weak. NumPy 2 has it built in.
if hasattr(np, "_set_promotion_state"):
    np._set_promotion_state("weak")
# NumPy 1.24 warns where NumPy 2 raises (out-of-bound Python integers): raise, as NumPy 2.
warnings.simplefilter("error", DeprecationWarning)
warnings.simplefilter("ignore", RuntimeWarning)

DTYPES = ["bool", "int8", "uint8", "int16", "int32", "int64", "float16", "float32", "float64",
          "uint16", "uint32", "uint64"]
INTS = ["int8", "uint8", "int16", "int32", "int64", "uint16", "uint32", "uint64"]
UNSIGNED = ["uint8", "uint16", "uint32", "uint64"]
FLOATS = ["float16", "float32", "float64"]
# drawn only where a family asks for them (fam_elementwise's complex unary cases)
COMPLEX = ["complex64", "complex128"]
BIG = 2 ** 53


def is_int(dt):
    return dt in INTS


def is_unsigned(dt):
    return dt in UNSIGNED


def is_float(dt):
    return dt in FLOATS


def is_complex(dt):
    return dt in COMPLEX


def int_range(dt):
    """The values drawn for an integer dtype: its range, but uint64's up to 2^53 only (a literal
    beyond 2^63 is a float on Lua 5.4; spec/uint64_spec.lua and the op rows cover those)."""
    if dt == "uint64":
        return 0, BIG
    i = np.iinfo(dt)
    return int(i.min), int(i.max)


AXIS_ERROR = getattr(np, "AxisError", None) or np.exceptions.AxisError  # moved in NumPy 2


class Raises:
    """NumPy raises (or cuarray must raise, by a listed deviation)."""

    def __init__(self, why=""):
        self.why = why


class Expect:
    """What a returned value must be. kind: "array" (an array: dtype, shape, values),
    "value" (a Lua number or boolean), "either" (a Lua value or a 0-d array: full reductions
    while they change from 0-d arrays to Lua values), "list" (a Lua table of arrays).
    ulps: float tolerance in ulps of the dtype (tolerances.py); atol: an absolute bound."""

    def __init__(self, kind, value, ulps=0, gulps=None, atol=0.0, zero_sign=True):
        self.kind = kind
        self.value = value
        self.ulps = ulps
        self.gulps = ulps if gulps is None else gulps
        self.atol = atol
        self.zero_sign = zero_sign


def outcome(fn):
    """NumPy's answer, or Raises when NumPy raises; floating-point warnings are silent, as
    cuarray is (deviation "no-warnings")."""
    try:
        with np.errstate(all="ignore"):
            return fn()
    except (ValueError, TypeError, IndexError, OverflowError, ZeroDivisionError,
            AXIS_ERROR, np.linalg.LinAlgError, DeprecationWarning, MemoryError) as e:
        return Raises("%s: %s" % (type(e).__name__, e))


# ---- Lua literals -----------------------------------------------------------------------

def lua_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def float_literal(v):
    """A Lua expression giving the double v exactly (the case prelude defines nan, inf and
    negz; Lua 5.1 folds the constant -0.0 into 0.0)."""
    v = float(v)
    if v != v:
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    if v == 0 and math.copysign(1, v) < 0:
        return "negz"
    return repr(v)


class Case:
    """One case: Lua statements, returned expressions and what NumPy says of each."""

    def __init__(self, rng, op, variant=""):
        self.rng = rng
        self.op = op                # the function under test (groups the report)
        self.variant = variant      # how it was called (method, operator, out=, ...)
        self.lines = []
        self.rets = []              # (Lua expression, expected) pairs
        self.needs = set()          # "lua54": Lua 5.3+ syntax or int64 values beyond 2^53
        self.tags = set()           # facts known-failure entries match on
        self.dtypes = []            # the dtypes involved, in order
        self.nlocal = 0
        self.npcode = []            # NumPy statements, for the reproduction

    # -- code ----------------------------------------------------------------------------
    def local(self, expr, prefix="x"):
        self.nlocal += 1
        name = "%s%d" % (prefix, self.nlocal)
        self.lines.append("local %s = %s" % (name, expr))
        return name

    def stmt(self, line):
        self.lines.append(line)

    def ret(self, expr, expected):
        """Returns expr from the case. Lua evaluates every returned expression at the end, so
        an expected NumPy array is encoded as it is when the case is complete: pass the array
        itself (not a copy) when later statements write through it."""
        self.rets.append((expr, expected))

    def np(self, line):
        self.npcode.append(line)

    # -- literals ------------------------------------------------------------------------
    def num(self, v):
        """A Lua literal for a Python/NumPy scalar (exact: floats by their shortest repr; a
        complex value as its {re, im} pair, which cu.array reads under a complex dtype)."""
        if isinstance(v, (complex, np.complexfloating)):
            return "{%s, %s}" % (float_literal(v.real), float_literal(v.imag))
        if isinstance(v, (bool, np.bool_)):
            return "true" if v else "false"
        if isinstance(v, (int, np.integer)):
            v = int(v)
            if abs(v) > BIG:
                self.needs.add("lua54")
                if v == -2 ** 63:
                    return "math.mininteger"
            return str(v)
        return float_literal(v)

    def paren(self, v):
        s = self.num(v)
        return "(" + s + ")" if s.startswith("-") else s

    def paren_lit(self, lit):
        return "(" + lit + ")" if lit.startswith("-") else lit

    def nested(self, a):
        if a.ndim == 0:
            return self.num(a[()])
        return "{" + ", ".join(self.nested(x) for x in a) + "}"

    def shape(self, shape):
        return "{" + ", ".join(str(d) for d in shape) + "}"

    def array_expr(self, a):
        """Lua code building a C-contiguous copy of the NumPy array a."""
        dt = a.dtype.name
        if a.size == 0:
            return 'cu.zeros(%s, {dtype = "%s"})' % (self.shape(a.shape), dt)
        return 'cu.array(%s, {dtype = "%s"})' % (self.nested(a), dt)

    # -- randomness ----------------------------------------------------------------------
    def chance(self, p):
        return self.rng.random() < p

    def pick(self, seq):
        return seq[self.rng.randrange(len(seq))]

    def randint(self, lo, hi):
        return self.rng.randint(lo, hi)

    # -- operands ------------------------------------------------------------------------
    def dtype(self, pool=DTYPES):
        dt = self.pick(pool)
        return dt

    def values(self, shape, dt, domain=None):
        return random_values(self, shape, dt, domain)

    def operand(self, shape, dt, domain=None, layout=None, name="a"):
        """A random array of shape and dtype, built in some layout: returns (Lua name, NumPy
        view, Lua name of its base, NumPy base)."""
        return make_operand(self, shape, dt, domain, layout, name)

    def weak(self, dt_hint, domain=None, kind=None):
        """A Lua number or boolean and the Python scalar NumPy sees for it."""
        return weak_scalar(self, dt_hint, domain, kind)


# ---- values ---------------------------------------------------------------------------

FLOAT_SPECIALS = [float("nan"), float("inf"), float("-inf"), -0.0, 0.0, 0.5, -0.5, 1.5, 2.5,
                  -2.5, 1.0, -1.0, 3.0, 1e-5, 1e10, -1e10, 65504.0, 1e-7, 5e-324, 1e300, -1e300,
                  3.4028234663852886e38, 1.401298464324817e-45, 6e-8]


def random_scalar(case, dt, domain=None):
    """One random value of dtype dt as a Python scalar (before conversion to dt)."""
    r = case.rng
    if domain is not None:
        return domain(case, dt)
    if dt == "bool":
        return r.random() < 0.5
    if is_complex(dt):
        part = "float32" if dt == "complex64" else "float64"
        return complex(random_scalar(case, part), random_scalar(case, part))
    if is_int(dt):
        lo, hi = int_range(dt)
        u = r.random()
        if u < 0.12:
            return r.choice([lo, lo + 1, hi, hi - 1, 0, -1 if lo < 0 else 1, 1, 2])
        if u < 0.2:
            return r.randint(lo, hi)
        return max(lo, min(hi, r.randint(-6, 9)))
    u = r.random()
    if u < 0.1:
        return r.choice(FLOAT_SPECIALS)
    if u < 0.25:
        return r.uniform(-100, 100)
    if u < 0.35:
        return float(r.randint(-20, 20))
    return r.randint(-32, 32) / 4.0


def random_values(case, shape, dt, domain=None):
    n = int(np.prod(shape)) if shape else 1
    vals = [random_scalar(case, dt, domain) for _ in range(n)]
    if is_complex(dt):  # part by part: complex() arithmetic would lose signed zeros and NaN
        a = np.zeros(n, dtype=dt)
        a.real = np.array([complex(v).real for v in vals], dtype=np.float64)
        a.imag = np.array([complex(v).imag for v in vals], dtype=np.float64)
    elif is_float(dt):
        a = np.array(vals, dtype=np.float64).astype(dt)
    elif dt == "bool":
        a = np.array([bool(v) for v in vals], dtype=bool)
    else:
        lo, hi = int_range(dt)
        a = np.array([min(hi, max(lo, int(v))) for v in vals], dtype=dt)
    return a.reshape(shape).copy()  # owns its data: a view of it has it as base


def weak_scalar(case, dt_hint, domain=None, kind=None):
    """A weak scalar: (Lua literal, Python value). kind: 'int', 'float', 'bool' or None."""
    r = case.rng
    if kind is None:
        u = r.random()
        kind = "bool" if u < 0.08 else "int" if u < 0.6 else "float"
    if kind == "bool":
        v = r.random() < 0.5
        return case.num(v), v
    if kind == "int":
        if domain is not None:
            v = int(domain(case, "int64"))
        elif is_int(dt_hint) and r.random() < 0.85:
            lo, hi = int_range(dt_hint)
            v = r.choice([lo, hi, 0, 1, -1, 2, 3, 7, -5, 100, -100, 255, 256, 1000])
            if r.random() < 0.8:
                v = max(lo, min(hi, v))
        else:
            v = r.choice([0, 1, -1, 2, 3, -3, 7, 100, -100, 300, 70000, 2 ** 31, 2 ** 40])
        lit = case.num(v)
        if abs(v) > BIG:
            case.tags.add("weak:big-int")
        # deviation integral-number-is-int: written as a float (2.0), it is still an int
        if deviations.use("integral-number-is-int") and abs(v) < BIG and r.random() < 0.2:
            lit = repr(float(v))
        return lit, v
    if domain is not None:
        v = float(domain(case, "float64"))
    else:
        v = r.choice([0.5, -0.5, 2.5, 0.1, -1.75, 1e-3, 3.25, 1e20, float("nan"), float("inf"),
                      float("-inf"), 1e300, 0.3])
    v = python_scalar_of_lua(v)
    return case.num(v), v


def python_scalar_of_lua(v):
    """The Python scalar NumPy should see for a Lua number v (deviation
    integral-number-is-int: an integral value within int64 is an int)."""
    if isinstance(v, bool):
        return v
    if isinstance(v, float) and v == v and not math.isinf(v) and v == int(v) \
            and -2 ** 63 <= v < 2 ** 63 and deviations.use("integral-number-is-int"):
        return int(v)
    return v


# ---- shapes and layouts ---------------------------------------------------------------

def random_shape(case, ndim=None, maxdim=4, allow_zero=True):
    r = case.rng
    if ndim is None:
        ndim = r.choice([0, 1, 1, 2, 2, 2, 3, 3, 4])
    shape = []
    for _ in range(ndim):
        u = r.random()
        if allow_zero and u < 0.06:
            shape.append(0)
        elif u < 0.3:
            shape.append(1)
        else:
            shape.append(r.randint(2, maxdim))
    return tuple(shape)


def broadcast_shapes_for(case, n, ndim=None):
    """n operand shapes that broadcast together (dims dropped in front or set to 1)."""
    target = random_shape(case, ndim)
    shapes = []
    for _ in range(n):
        s = list(target)
        drop = case.randint(0, len(s)) if case.chance(0.3) else 0
        s = s[drop:]
        for i in range(len(s)):
            if case.chance(0.25):
                s[i] = 1
        shapes.append(tuple(s))
    return shapes


def incompatible(case, shape):
    """A shape that does not broadcast with shape (None when none is easy to make)."""
    for i, d in enumerate(shape):
        if d >= 2:
            s = list(shape)
            s[i] = d + 1
            return tuple(s)
    return None


LAYOUTS = ["c", "c", "c", "T", "perm", "flip", "step", "negstep", "bcast", "offset"]


def make_operand(case, shape, dt, domain=None, layout=None, name="a"):
    shape = tuple(shape)
    nd = len(shape)
    if layout is None:
        layout = case.pick(LAYOUTS)
    if nd == 0 or (nd < 2 and layout in ("T", "perm")):
        layout = "c" if nd == 0 or layout == "perm" else layout
    case.tags.add("layout:" + layout)
    if nd == 0:
        case.tags.add("ndim:0")
    if layout == "c":
        base = random_values(case, shape, dt, domain)
        b = case.local(case.array_expr(base), name)
        return b, base, b, base
    if layout in ("T", "perm"):
        if layout == "T":
            perm = list(range(nd))[::-1]
        else:
            perm = list(range(nd))
            case.rng.shuffle(perm)
        inv = [perm.index(i) for i in range(nd)]
        base = random_values(case, tuple(shape[inv[i]] for i in range(nd)), dt, domain)
        view = base.transpose(perm)
        assert view.shape == shape
        b = case.local(case.array_expr(base), name)
        if layout == "T":
            v = case.local(b + ".T", name)
        else:
            v = case.local("%s:transpose({%s})" % (b, ", ".join(str(p + 1) for p in perm)), name)
        return v, view, b, base
    if layout == "flip":
        base = random_values(case, shape, dt, domain)
        axes = [i for i in range(nd) if case.chance(0.6)] or [case.randint(0, nd - 1)] \
            if nd else []
        view = np.flip(base, axes) if nd else base
        b = case.local(case.array_expr(base), name)
        if len(axes) == 1 and case.chance(0.5):
            arg = str(axes[0] + 1)
        else:
            arg = "{" + ", ".join(str(a + 1) for a in axes) + "}"
        v = case.local("%s:flip(%s)" % (b, arg), name)
        return v, view, b, base
    if layout in ("step", "negstep", "offset"):
        ax = case.randint(0, nd - 1)
        bshape = list(shape)
        if layout == "offset":
            extra = case.randint(1, 2)
            bshape[ax] = shape[ax] + extra
            base = random_values(case, tuple(bshape), dt, domain)
            sl = slice(extra, None)
            rng = "{%d, -1}" % (extra + 1) if shape[ax] > 0 else "{%d, %d}" % (extra + 1, extra)
        else:
            bshape[ax] = 2 * shape[ax]
            base = random_values(case, tuple(bshape), dt, domain)
            if layout == "step":
                sl = slice(None, None, 2)
                rng = "{1, -1, 2}"
            else:
                sl = slice(None, None, -2)
                rng = "{-1, 1, -2}"
        key = [slice(None)] * nd
        key[ax] = sl
        view = base[tuple(key)]
        assert view.shape == shape, (view.shape, shape, layout)
        lkey = ["{}"] * nd
        lkey[ax] = rng
        b = case.local(case.array_expr(base), name)
        v = case.local("%s[{%s}]" % (b, ", ".join(lkey)), name)
        return v, view, b, base
    if layout == "bcast":
        drop = case.randint(0, nd)
        bshape = list(shape[drop:])
        for i in range(len(bshape)):
            if case.chance(0.5):
                bshape[i] = 1
        base = random_values(case, tuple(bshape), dt, domain)
        view = np.broadcast_to(base, shape)
        b = case.local(case.array_expr(base), name)
        v = case.local("%s:broadcast_to(%s)" % (b, case.shape(shape)), name)
        return v, view, b, base
    raise ValueError(layout)
