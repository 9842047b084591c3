"""Reduction cases: sum, prod, mean, var, std, min, max, amin, amax, argmin, argmax, all, any
over all elements, one axis (1-based, negative from the end) or a list of axes, with keepdims,
dtype, ddof and out; the options table in place of the axis; and the scans cumsum and
cumprod (flattened or along an axis, dtype, out)."""
import numpy as np

import deviations
import numpy2
import tolerances
from common import (DTYPES, FLOATS, INTS, Expect, Raises, is_float, is_unsigned, outcome,
                    random_shape)

REDUCTIONS = {"sum": np.sum, "prod": np.prod, "mean": np.mean, "var": np.var, "std": np.std,
              "min": np.min, "max": np.max, "amin": np.amin, "amax": np.amax,
              "argmin": np.argmin, "argmax": np.argmax, "all": np.all, "any": np.any}
WITH_DTYPE = {"sum", "prod", "mean", "var", "std"}
ARG = {"argmin", "argmax"}


def moderate(case, dt):
    """Values whose sums cannot overflow in any order (infinities and NaN kept)."""
    r = case.rng
    if dt == "bool":
        return r.random() < 0.5
    if dt in INTS:
        lo, hi = np.iinfo(dt).min, np.iinfo(dt).max
        if r.random() < 0.1:
            return r.choice([int(lo), int(hi)])
        return max(int(lo), min(int(hi), r.randint(-9, 12)))
    u = r.random()
    if u < 0.05:
        return r.choice([float("nan"), float("inf"), float("-inf"), -0.0])
    if u < 0.3:
        return r.uniform(-50, 50)
    return r.randint(-16, 16) / 4.0


def no_extremes(case, dt):
    """Values whose squares stay finite in float16 (var, std)."""
    if dt in INTS:
        return case.randint(0, 12) if is_unsigned(dt) else case.randint(-9, 12)
    return moderate(case, dt)


def small(case, dt):
    """Values whose products stay small (prod, cumprod)."""
    r = case.rng
    if dt == "bool":
        return r.random() < 0.7
    if dt in INTS:
        return r.choice([1, 1, 2, 3, 0]) if is_unsigned(dt) else r.choice([1, 1, 2, -1, 3, 0, -2])
    if r.random() < 0.04:
        return r.choice([float("nan"), float("inf"), -0.0])
    return r.choice([1.0, -1.0, 0.5, 1.5, 2.0, -0.75, 1.25, 0.0])


def axis_lua(axes, ndim, case, single=False):
    """A Lua axis argument for 0-based axes: an integer (maybe negative) or a list."""
    def one(a):
        if case.chance(0.3):
            deviations.use("axes-from-one")
            return str(a - ndim)
        return str(a + 1)
    if len(axes) == 1 and (case.chance(0.7) or single):
        return one(axes[0])
    return "{" + ", ".join(one(a) for a in axes) + "}"


def float_bound(x, axes, rdt, scale=1.0):
    """The reordering bound of tolerances.py for sums of x over axes (a scalar)."""
    if rdt not in FLOATS or x.size == 0:
        return 0.0
    ax = tuple(axes) if axes is not None else None
    mag = np.abs(np.asarray(x, dtype=np.float64))
    mag = np.where(np.isfinite(mag), mag, 0.0)
    n = x.size if ax is None else int(np.prod([x.shape[a] for a in ax])) if ax else 1
    s = np.sum(mag, axis=ax)
    return float(tolerances.SUM_FACTOR * tolerances.EPS[rdt] * max(n, 1) * np.max(s) * scale)


def float16_overflows(x, want):
    """NumPy accumulates a float16 dtype in float16 and overflows where cuarray's float32
    accumulator does not: such inputs are not generated with dtype = "float16"."""
    if want != "float16":
        return False
    f = np.abs(np.asarray(x, dtype=np.float64))
    return float(np.sum(f[np.isfinite(f)])) > 30000


def reduction_case(case):
    name = case.pick(list(REDUCTIONS))
    case.op = name
    dt = case.dtype()
    case.dtypes = [dt]
    shape = random_shape(case)
    if name == "prod":
        shape = tuple(min(d, 3) for d in shape)
    domain = small if name == "prod" else no_extremes if name in ("var", "std") else moderate
    a, x, _, _ = case.operand(shape, dt, domain)
    nd = len(shape)
    opts = []
    kw = {}
    u = case.rng.random()
    axes = None
    axis_arg = None
    if nd and u < 0.55:
        k = 1 if name in ARG or case.chance(0.6) else case.randint(1, nd)
        axes = sorted(case.rng.sample(range(nd), k))
        axis_arg = axis_lua(axes, nd, case, single=name in ARG)
        if name in ARG and len(axes) == 1:
            kw["axis"] = axes[0]
        else:
            kw["axis"] = tuple(axes)
    elif nd and u < 0.6 and name not in ARG:
        axis_arg = "{}"  # an empty list reduces nothing
        axes = []
        kw["axis"] = ()
    if case.chance(0.3):
        opts.append("keepdims = true")
        kw["keepdims"] = True
    # NumPy's var and std subtract a mean of the dtype asked for from the input in the input's
    # dtype: a float32 dtype over float64 input is its own mixture, not generated
    if name in WITH_DTYPE and case.chance(0.25) and not (name in ("var", "std") and
                                                          dt == "float64"):
        # mean, var and std into an integer dtype convert NaN (empty means): floats only
        want = case.pick([d for d in DTYPES if d != "bool"] if name in ("sum", "prod")
                         else ["float32", "float64"] if name in ("var", "std") else FLOATS)
        opts.append('dtype = "%s"' % want)
        kw["dtype"] = want
        case.dtypes.append(want)
        case.tags.add("dtype-option")
    if name in ("var", "std") and case.chance(0.4):
        ddof = case.pick([0, 1, 2])
        opts.append("ddof = %d" % ddof)
        kw["ddof"] = ddof
    if kw.get("dtype") in INTS and x.dtype.name in FLOATS and not np.isfinite(x).all():
        return None  # NaN and infinities converted to an integer accumulator: platform-defined
    if float16_overflows(x, kw.get("dtype")):
        return None
    res = outcome(lambda: REDUCTIONS[name](x, **kw))
    if not isinstance(res, Raises) and name in ARG:
        deviations.use("one-based-positions")
        res = np.asarray(res) + 1
    # NumPy's var and std use out as scratch space (their answers with out are its own)
    use_out = case.chance(0.15) and not isinstance(res, Raises) and name not in ("var", "std")
    if use_out:
        rarr = np.asarray(res)
        odt = rarr.dtype.name
        if case.chance(0.4):
            odt = case.pick([d for d in DTYPES if np.can_cast(rarr.dtype, d, "same_kind")])
            if odt != rarr.dtype.name:
                case.tags.add("out:otherdtype")
        o, onp, _, _ = case.operand(rarr.shape, odt, layout=case.pick(["c", "c", "step", "T"]),
                                    name="o")
        if name in ARG:
            res2 = outcome(lambda: numpy2.copyto_same_kind(onp, rarr))
        elif name == "mean" and odt != rarr.dtype.name:
            deviations.use("moments-into-out-round-once")
            res2 = outcome(lambda: numpy2.copyto_same_kind(onp, rarr))
        else:
            res2 = outcome(lambda: REDUCTIONS[name](x, out=onp, **kw))
        opts.append("out = %s" % o)
        case.variant = "out"
        if isinstance(res2, Raises):
            res = res2
        else:
            res = onp.copy()
    tab = "{" + ", ".join(opts) + "}" if opts else None
    form = case.pick(["fn", "method"])
    target = ("cu.%s(%s" % (name, a)) if form == "fn" else ("%s:%s(" % (a, name))
    args = []
    if axis_arg is not None:
        args.append(axis_arg)
    elif tab and case.chance(0.3):
        args.append("nil")
    if tab:
        args.append(tab)
    sep = ", " if form == "fn" and args else ""
    expr = target + sep + ", ".join(args) + ")"
    case.variant = (case.variant + "," if case.variant else "") + form
    if isinstance(res, Raises):
        case.ret(expr, res)
        return case
    rarr = np.asarray(res)
    rdt = rarr.dtype.name
    ulps = 0
    atol = 0.0
    if name in ("sum", "mean") and rdt in FLOATS:
        atol = float_bound(x, axes, rdt, 1.0 / max(1, x.size) if name == "mean" and axes is None
                           else 1.0)
        if name == "mean" and axes:
            atol /= max(1, int(np.prod([shape[i] for i in axes])))
    elif name == "prod" and rdt in FLOATS:
        ulps = 2 * max(1, x.size)
    elif name in ("var", "std") and rdt in FLOATS:
        sq = np.where(np.isfinite(x.astype(np.float64)), x.astype(np.float64), 0.0) ** 2
        atol = float_bound(sq, axes, rdt) * 4
        if name == "std":
            atol = float(np.sqrt(atol))
    kind = "array"
    if rarr.ndim == 0 and not kw.get("keepdims") and not use_out:
        kind = "either"
    case.ret(expr, Expect(kind, rarr, ulps=ulps, atol=atol, zero_sign=rdt not in FLOATS or
                          name not in ("sum", "mean", "var", "std") and
                          name not in tolerances.ZERO_SIGN_FREE))
    return case


def scan_case(case):
    name = case.pick(["cumsum", "cumprod"])
    case.op = name
    dt = case.dtype()
    case.dtypes = [dt]
    shape = random_shape(case)
    if name == "cumprod":
        shape = tuple(min(d, 3) for d in shape)
    a, x, _, _ = case.operand(shape, dt, small if name == "cumprod" else moderate)
    nd = len(shape)
    kw = {}
    args = []
    if nd and case.chance(0.6):
        ax = case.randint(0, nd - 1)
        kw["axis"] = ax
        args.append(axis_lua([ax], nd, case, single=True))
    opts = []
    if case.chance(0.25):
        want = case.pick([d for d in DTYPES if d != "bool"])
        kw["dtype"] = want
        opts.append('dtype = "%s"' % want)
        case.dtypes.append(want)
    fn = np.cumsum if name == "cumsum" else np.cumprod
    if kw.get("dtype") in INTS and x.dtype.name in FLOATS and not np.isfinite(x).all():
        return None  # NaN and infinities converted to an integer accumulator: platform-defined
    if float16_overflows(x, kw.get("dtype")):
        return None
    res = outcome(lambda: fn(x, **kw))
    if case.chance(0.15) and not isinstance(res, Raises):
        o, onp, _, _ = case.operand(res.shape, res.dtype.name,
                                    layout=case.pick(["c", "step"]), name="o")
        res = outcome(lambda: fn(x, out=onp, **kw))
        if not isinstance(res, Raises):
            res = onp.copy()
        opts.append("out = %s" % o)
        case.variant = "out"
    if opts:
        if not args and case.chance(0.5):
            args.append("nil")
        args.append("{" + ", ".join(opts) + "}")
    expr = "cu.%s(%s)" % (name, ", ".join([a] + args))
    if isinstance(res, Raises):
        case.ret(expr, res)
        return case
    rdt = res.dtype.name
    atol = 0.0
    ulps = 0
    if rdt in FLOATS:
        if name == "cumsum":
            atol = float_bound(x, None if "axis" not in kw else [kw["axis"]], rdt)
        else:
            ulps = 2 * max(1, x.size)
    case.ret(expr, Expect("array", res, ulps=ulps, atol=atol, zero_sign=rdt not in FLOATS))
    return case


FAMILIES = [(reduction_case, 22), (scan_case, 5)]
