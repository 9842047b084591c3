"""Constructor cases: array and asarray (nested tables of Lua numbers and booleans, arrays as
elements, dtype), zeros/ones/empty/full and their _like forms, arange, linspace (endpoint,
retstep), logspace (base), eye (k) and identity, each with and without a dtype."""
import numpy as np

import deviations
import numpy2
import tolerances
from common import (DTYPES, FLOATS, INTS, Expect, Raises, int_range, outcome,
                    python_scalar_of_lua, random_shape)


def lua_scalar(case, kind):
    """A Lua literal and the Python value NumPy sees (integral numbers are ints)."""
    if kind == "bool":
        v = case.chance(0.5)
        return case.num(v), v
    if kind == "int":
        v = case.pick([case.randint(-9, 9), case.randint(-300, 300), 127, -128, 255, 2 ** 31,
                       -2 ** 31, 40000])
        return case.num(v), v
    v = case.pick([case.randint(-40, 40) / 4.0, 0.1, -2.5, float("nan"), float("inf"), -0.0,
                   1e10, 0.5])
    v = python_scalar_of_lua(v)
    if isinstance(v, int):
        deviations.use("integral-number-is-int")
        return repr(float(v)), v
    return case.num(v), v


def convert(data, dt):
    """np.array(data, dtype=dt) as NumPy 2 makes it from Python scalars."""
    flat = list(np.array(data, dtype=object).reshape(-1)) if np.ndim(data) else [data]
    if dt is None:
        return np.array(data)
    bad = numpy2.check_python_ints(dt, [v for v in flat if isinstance(v, int)
                                        and not isinstance(v, bool)])
    if bad:
        return bad
    if dt in INTS and any(isinstance(v, float) for v in flat):
        f = np.array(data, dtype=np.float64)
        bad = ~np.isfinite(f) | (f >= 2.0 ** 63) | (f < -2.0 ** 63)
        lo, hi = int_range(dt)
        if ((f[~bad] <= lo - 1) | (f[~bad] >= hi + 1)).any():
            return None  # outside the dtype but inside int64: C leaves it undefined
        r = f.astype(dt)
        if bad.any():
            deviations.use("float-to-int-invalid")
            r = np.where(bad, np.array(-2 ** 63).astype(dt), r).astype(dt)
        ints = np.array([v if isinstance(v, (int, bool)) else 0 for v in flat], dtype=np.int64)
        isint = np.array([not isinstance(v, float) for v in flat])
        r = np.where(isint.reshape(r.shape), ints.reshape(r.shape).astype(dt), r).astype(dt)
        return r
    return np.array(data, dtype=dt)


def as_dtype(x, want):
    from fam_shape import astype
    return np.array(x) if want is None else astype(np.asarray(x), want)


def nested_lua(case, shape, kinds):
    if not shape:
        lit, v = lua_scalar(case, case.pick(kinds))
        return lit, v
    parts, vals = [], []
    for _ in range(shape[0]):
        lit, v = nested_lua(case, shape[1:], kinds)
        parts.append(lit)
        vals.append(v)
    return "{" + ", ".join(parts) + "}", vals


def array_case(case):
    name = case.pick(["array", "array", "asarray"])
    case.op = name
    u = case.rng.random()
    if u < 0.25:
        # arrays as elements (stacked), or an array argument
        dt = case.dtype()
        shape = random_shape(case, case.pick([0, 1, 2]))
        n = case.randint(1, 3)
        names, xs = [], []
        for i in range(n):
            d2 = dt if case.chance(0.6) else case.dtype()
            case.dtypes.append(d2)
            la, x, _, _ = case.operand(shape, d2, name="e")
            names.append(la)
            xs.append(x)
        want = case.dtype() if case.chance(0.3) else None
        opt = ', {dtype = "%s"}' % want if want else ""
        if want in INTS and any(x.dtype.name in FLOATS for x in xs):
            lo, hi = int_range(want)
            for x in xs:
                f = x.astype(np.float64)
                fin = np.isfinite(f) & (np.abs(f) < 2.0 ** 63)
                if ((f[fin] <= lo - 1) | (f[fin] >= hi + 1)).any():
                    return None  # outside the dtype, inside int64: C leaves it undefined
        if case.chance(0.3):
            res = outcome(lambda: as_dtype(xs[0], want))
            expr = "cu.%s(%s%s)" % (name, names[0], opt)
            if name == "asarray" and (want is None or want == xs[0].dtype.name):
                case.stmt("local r = " + expr)
                case.ret("rawequal(r, %s)" % names[0], Expect("value", True))
                return case
        else:
            # with a dtype, each element array is cast to it directly
            res = outcome(lambda: np.array(xs) if want is None else
                          np.stack([as_dtype(x, want) for x in xs]))
            expr = "cu.%s({%s}%s)" % (name, ", ".join(names), opt)
        case.ret(expr, res if isinstance(res, Raises) else Expect("array", res))
        return case
    shape = random_shape(case, case.pick([0, 1, 1, 2, 3]), allow_zero=False)
    kinds = case.pick([["int"], ["float"], ["bool"], ["int", "bool"], ["int", "float"],
                       ["float", "int", "bool"]])
    lit, data = nested_lua(case, shape, kinds)
    if case.chance(0.05):
        lit, data, shape = "{}", [], (0,)
    want = case.dtype() if case.chance(0.5) else None
    if want:
        case.dtypes.append(want)
    res = convert(data, want) if want else outcome(lambda: np.array(data))
    if res is None:
        return None
    if isinstance(res, np.ndarray) and res.dtype == object:
        return None
    if want is None and isinstance(res, np.ndarray) and res.size == 0:
        res = res.astype(np.float64)
    opt = ', {dtype = "%s"}' % want if want else ""
    case.ret("cu.%s(%s%s)" % (name, lit, opt),
             res if isinstance(res, Raises) else Expect("array", np.asarray(res)))
    return case


def filled_case(case):
    name = case.pick(["zeros", "ones", "empty", "full", "zeros_like", "ones_like", "empty_like",
                      "full_like"])
    case.op = name
    like = name.endswith("_like")
    want = case.dtype() if case.chance(0.5) else None
    opts = []
    if want:
        opts.append('dtype = "%s"' % want)
        case.dtypes.append(want)
    if like:
        shape = random_shape(case)
        a, x, _, _ = case.operand(shape, case.dtype(), name="m")
        newshape = None
        if case.chance(0.2):
            newshape = random_shape(case)
            opts.append("shape = %s" % case.shape(newshape))
        args = [a]
        dt = want or x.dtype.name
        shp = newshape if newshape is not None else shape
    else:
        shp = random_shape(case)
        if len(shp) == 1 and case.chance(0.4):
            args = [str(shp[0])]
        else:
            args = [case.shape(shp)]
        dt = want
    value = None
    if name.startswith("full"):
        lit, value = lua_scalar(case, case.pick(["int", "float", "bool"]))
        if case.chance(0.15):
            case.dtypes.append("array-value")
            vshape = tuple(shp[len(shp) - case.randint(0, len(shp)):]) if shp else ()
            vl, vx, _, _ = case.operand(vshape, case.dtype(), name="v")
            lit, value = vl, vx
        args.append(case.paren_lit(lit) if lit.startswith("-") else lit)
    if opts:
        args.append("{" + ", ".join(opts) + "}")
    expr = "cu.%s(%s)" % (name, ", ".join(args))
    base = name.replace("_like", "")
    if base == "full":
        if dt is None:
            dt = value.dtype.name if isinstance(value, np.ndarray) else \
                np.array(value).dtype.name
        if isinstance(value, np.ndarray):
            res = outcome(lambda: np.full(shp, value, dtype=dt))
        else:
            res = convert(value, dt)
            if isinstance(res, np.ndarray):
                res = np.full(shp, res, dtype=dt)
    else:
        dt = dt or "float64"
        res = (np.zeros if base != "ones" else np.ones)(shp, dtype=dt)
    if res is None:
        return None
    if isinstance(res, Raises):
        case.ret(expr, res)
    elif base == "empty":
        case.stmt("local r = " + expr)
        case.ret('r.dtype == "%s"' % dt, Expect("value", True))
        case.ret("cu.array(r.shape, {dtype = \"int64\"})",
                 Expect("array", np.array(shp, dtype=np.int64)))
    else:
        case.ret(expr, Expect("array", res))
    return case


def range_case(case):
    name = case.pick(["arange", "arange", "linspace", "logspace", "eye", "identity"])
    case.op = name
    want = case.dtype() if case.chance(0.35) else None
    if want:
        case.dtypes.append(want)
    opts = ['dtype = "%s"' % want] if want else []
    kw = {"dtype": want} if want else {}
    if name == "arange":
        ints = case.chance(0.6)

        def num():
            if ints:
                return case.randint(-12, 12)
            return python_scalar_of_lua(case.pick([case.randint(-40, 40) / 4.0, 0.1, 0.3, -1.7,
                                                   2.5]))
        nargs = case.randint(1, 3)
        vals = [num() for _ in range(nargs)]
        if nargs == 3 and vals[2] == 0 and case.chance(0.7):
            vals[2] = 1
        args = [case.num(v) for v in vals]
        if want in INTS and any(isinstance(v, int) and not (int_range(want)[0] <= v <=
                                                            int_range(want)[1]) for v in vals):
            case.tags.add("arange:bound-out-of-range")
        res = outcome(lambda: np.arange(*vals, **kw))
        if isinstance(res, np.ndarray) and res.size > 200:
            return None
        ulps = 0
    elif name in ("linspace", "logspace"):
        start = case.pick([0, 1, -2.5, 0.5, 10, -3])
        stop = case.pick([1, 5, -1.25, 100, 2, 0.3])
        num = case.pick([None, 0, 1, 2, 5, 7, 11])
        args = [case.num(start), case.num(stop)] + ([str(num)] if num is not None else [])
        kw["num"] = 50 if num is None else num
        if case.chance(0.3):
            ep = case.chance(0.5)
            kw["endpoint"] = ep
            opts.append("endpoint = %s" % ("true" if ep else "false"))
        if name == "logspace" and case.chance(0.4):
            base = case.pick([2, 2.5, 10, 0.5])
            kw["base"] = base
            opts.append("base = %s" % case.num(base))
        retstep = name == "linspace" and case.chance(0.2)
        if retstep:
            opts.append("retstep = true")
        ulps = 0
        if name == "linspace":
            dt = kw.pop("dtype", None)
            res = outcome(lambda: np.linspace(start, stop, **kw))
            step = None
            if retstep and not isinstance(res, Raises):
                step = np.linspace(start, stop, retstep=True, **kw)[1]
            if not isinstance(res, Raises) and dt:
                if dt in INTS:
                    res = numpy2.linspace_int(res)
                res = res.astype(dt)
        else:
            res = outcome(lambda: np.logspace(start, stop, **kw))
            if not isinstance(res, Raises):
                ulps = tolerances.ulps("logspace", res.dtype.name)
            if want in INTS or want == "bool":
                return None  # integer logspace truncates a power: not pinned down here
    else:
        n = case.randint(0, 5)
        args = [str(n)]
        if name == "eye":
            m = case.randint(0, 5) if case.chance(0.5) else None
            if m is not None:
                args.append(str(m))
            k = case.pick([0, 0, 1, -1, 2, -3, 7])
            if k or case.chance(0.2):
                opts.append("k = %d" % k)
            res = outcome(lambda: np.eye(n, m, k=k, **kw))
        else:
            res = outcome(lambda: np.identity(n, **kw))
        ulps = 0
    if opts:
        args.append("{" + ", ".join(opts) + "}")
    expr = "cu.%s(%s)" % (name, ", ".join(args))
    if isinstance(res, Raises):
        case.ret(expr, res)
        return case
    if name == "linspace" and retstep:
        case.stmt("local r, step = " + expr)
        case.ret("r", Expect("array", res))
        case.ret("step", Expect("value", float(step)))
        return case
    case.ret(expr, Expect("array", res, ulps=ulps, gulps=ulps))
    return case


FAMILIES = [(array_case, 8), (filled_case, 8), (range_case, 7)]
