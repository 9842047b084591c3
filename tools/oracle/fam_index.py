"""Indexing cases, keys translated to the Lua conventions (DESIGN.md, "Indexing"): integers
(1-based, negative from the end), inclusive ranges {s, e, step} clipped as NumPy slices, {}
and {s}, cu.newaxis, "...", integer index arrays and boolean masks; reading (a view, a copy
or a Lua value; a write through a view reaches the base), assignment of numbers and arrays,
and take, nonzero, flatnonzero, argwhere."""
import numpy as np

import deviations
from common import DTYPES, FLOATS, INTS, Expect, Raises, int_range, outcome, random_shape


def lua_range(case, n):
    """A random range entry over an axis of size n: (Lua text, NumPy slice)."""
    deviations.use("inclusive-ranges")
    u = case.rng.random()
    if u < 0.15:
        return "{}", slice(None)
    if u < 0.25:
        s = case.pick([1, 2, -1, n, n + 1, -n]) if n else case.pick([1, -1])
        s = s or 1
        return "{%d}" % s, one_slice(s, n)
    step = case.pick([1, 1, 1, 2, 3, -1, -1, -2])
    def bound():
        if case.chance(0.2):
            return None
        v = case.randint(-n - 2, n + 2) if n else case.randint(-2, 2)
        return v if v != 0 else 1
    s, e = bound(), bound()
    if s is None and e is None and step == 1:
        s = 1
    parts = ["nil" if s is None else str(s), "nil" if e is None else str(e)]
    if step != 1 or case.chance(0.3):
        parts.append(str(step))
    elif e is None:
        parts.append("1")  # {s, nil} is {s} to Lua: say the step
    return "{" + ", ".join(parts) + "}", to_slice(s, e, step)


def one_slice(s, n):
    start = s - 1 if s > 0 else s
    stop = start + 1 if start != -1 else None
    if s > 0 or s < -n:
        # as Lua: {s} is {s, s}; outside the axis it is empty (clipped)
        return to_slice(s, s, 1)
    return slice(start, stop)


def to_slice(s, e, step):
    """The NumPy slice of the inclusive Lua range {s, e, step}."""
    start = None if s is None else (s - 1 if s > 0 else s)
    if e is None:
        stop = None
    elif step > 0:
        stop = e if e > 0 else (e + 1 if e + 1 < 0 else None)
    else:
        if e > 0:
            stop = e - 2 if e - 2 >= 0 else None
        else:
            stop = e - 1
    return slice(start, stop, step)


def int_entry(case, n):
    """An integer entry: (Lua text, NumPy index or None when cuarray must raise)."""
    deviations.use("one-based-positions")
    u = case.rng.random()
    if u < 0.04:
        return "0", None
    if u < 0.08 or n == 0:
        i = case.pick([n + 1, -n - 1])
        return str(i), None if True else i
    i = case.randint(1, n)
    if case.chance(0.35):
        return str(i - n - 1), i - n - 1
    return str(i), i - 1


def index_array(case, n, shape=None, unique=False):
    """An integer index array over an axis of size n: (Lua code, NumPy index array, ok)."""
    if shape is None:
        shape = case.pick([(), (1,), (2,), (3,), (2, 2), (0,), (1, 3)])
    size = int(np.prod(shape)) if shape else 1
    if unique:
        if size > n:
            shape = (n,) if n else (0,)
            size = n
        pos = case.rng.sample(range(n), size)
    else:
        pos = [case.randint(0, n - 1) for _ in range(size)] if n else [0] * size
    lua_vals = []
    for p in pos:
        v = p + 1 if case.chance(0.7) else p - n
        if n == 0 or case.chance(0.03):
            v = case.pick([0, n + 1, -n - 1])
        lua_vals.append(v)
    dt = case.pick(["int64", "int64", "int32", "int8", "uint8", "int16"])
    lo, hi = int_range(dt)
    lua_vals = [v if lo <= v <= hi else 1 for v in lua_vals]
    arr = np.array(lua_vals, dtype=np.int64).reshape(shape)
    np_idx = np.where(arr > 0, arr - 1, arr)
    ok = not ((arr == 0).any() or (arr > n).any() or (arr < -n).any())
    lit = case.array_expr(arr.astype(dt))
    return lit, np_idx, ok


def random_key(case, shape, allow_adv=True, unique=False):
    """A key for an array of shape: (list of Lua entry texts, NumPy key tuple, valid,
    facts) where facts are tags for the known-failure list."""
    nd = len(shape)
    entries, npkey = [], []
    valid = True
    ax = 0
    used_ellipsis = False
    nadv = 0
    plan = []
    while ax < nd and len(plan) < nd + 2:
        u = case.rng.random()
        if u < 0.05:
            plan.append("new")
            continue
        if u < 0.1 and not used_ellipsis:
            plan.append("...")
            used_ellipsis = True
            continue
        if allow_adv and u < 0.25:
            plan.append("adv")
        elif allow_adv and u < 0.3:
            plan.append("mask")
        elif u < 0.6:
            plan.append("int")
        else:
            plan.append("range")
        ax += 1
        if case.chance(0.25):
            break
    # where the ellipsis stands, the axes it covers come from what the others leave
    consumed = 0
    for p in plan:
        if p in ("adv", "int", "range"):
            consumed += 1
        elif p == "mask":
            consumed += 1
    facts = set()
    ax = 0
    ell_axes = nd - consumed if used_ellipsis else 0
    positions = []
    for p in plan:
        if p == "...":
            entries.append('"..."')
            npkey.append(Ellipsis)
            positions.append(("...", ell_axes))
            ax += max(ell_axes, 0)
            continue
        if p == "new":
            entries.append("cu.newaxis")
            npkey.append(None)
            positions.append(("new", 0))
            continue
        if ax >= nd:
            break
        n = shape[ax]
        if p == "int":
            lit, idx = int_entry(case, n)
            if idx is None:
                valid = False
                idx = 0
            entries.append(lit)
            npkey.append(idx)
        elif p == "range":
            lit, sl = lua_range(case, n)
            entries.append(lit)
            npkey.append(sl)
        elif p == "adv":
            lit, idx, ok = index_array(case, n, unique=unique)
            valid = valid and ok
            entries.append(lit)
            npkey.append(idx)
            nadv += 1
            if idx.ndim == 0:
                facts.add("index:0d-array")
        else:  # mask over this axis (and the next, sometimes)
            k = 2 if ax + 1 < nd and case.chance(0.3) else 1
            mshape = shape[ax:ax + k]
            m = np.array([case.chance(0.5) for _ in range(int(np.prod(mshape)))],
                         dtype=bool).reshape(mshape)
            entries.append(case.array_expr(m))
            npkey.append(m)
            ax += k - 1
            nadv += 1
        positions.append((p, 1))
        ax += 1
    # an ellipsis standing for no axes between two advanced entries
    kinds = [k for k, _ in positions]
    taken = sum(1 if not isinstance(k, np.ndarray) or k.dtype != bool else k.ndim
                for k in npkey if k is not None and k is not Ellipsis)
    ell_axes = nd - taken
    if "..." in kinds and ell_axes == 0:
        i = kinds.index("...")
        adv = ("adv", "mask", "int") if nadv else ()
        before = any(k in adv for k in kinds[:i])
        after = any(k in adv for k in kinds[i + 1:])
        if before and after:
            facts.add("index:empty-ellipsis-between-advanced")
    if nadv:
        facts.add("index:advanced")
    arrays = [k for k in npkey if isinstance(k, np.ndarray)]
    if any(k.size == 0 or (k.dtype == bool and not k.any()) for k in arrays) and not valid:
        facts.add("index:unchecked-empty-broadcast")
    return entries, tuple(npkey), valid, facts


def key_text(case, entries):
    if len(entries) == 1 and not entries[0].startswith("{") and entries[0] != '"..."' \
            and case.chance(0.6):
        return entries[0]
    return "{" + ", ".join(entries) + "}"


def np_get(x, key):
    r = x[key]
    return r


def index_case(case):
    case.op = "index"
    dt = case.dtype()
    case.dtypes = [dt]
    shape = random_shape(case)
    a, x, ab, xb = case.operand(shape, dt)
    entries, key, valid, facts = random_key(case, shape)
    if case.chance(0.03):
        m = np.array(case.chance(0.5))
        entries.insert(case.randint(0, len(entries)), case.array_expr(m))
        key = key + (m,)
    case.tags |= facts
    text = key_text(case, entries)
    expr = "%s[%s]" % (a, text)
    if any(isinstance(k, np.ndarray) and k.dtype == bool and k.ndim == 0 for k in key):
        deviations.use("zero-d-bool-index")
        case.ret(expr, Raises("a 0-d boolean index"))
        return case
    res = outcome(lambda: np_get(x, key)) if valid else Raises("an index out of range or 0")
    if isinstance(res, Raises):
        case.ret(expr, res)
        return case
    if not isinstance(res, np.ndarray):
        deviations.use("lua-values-for-scalars")
        case.ret(expr, Expect("value", res.item()))
        return case
    r = case.local(expr, "r")
    case.ret(r, Expect("array", res))
    basic = "index:advanced" not in facts
    if basic and res.size and "layout:bcast" not in case.tags and case.chance(0.5):
        v = case.pick([0, 1]) if dt != "bool" else True
        res.fill(v)
        case.stmt("%s:fill(%s)" % (r, case.num(v)))
        case.ret(ab, Expect("array", xb))
    return case


def value_domain(target):
    """Values an assignment into dtype `target` receives exactly (no undefined casts)."""
    def gen(case, dt):
        if target in INTS:
            lo, hi = int_range(target)
            if dt in FLOATS:
                return float(case.randint(max(lo, -20), min(hi, 20))) + case.pick([0, 0.5])
            return case.randint(max(lo, -20), min(hi, 20))
        if dt == "bool":
            return case.chance(0.5)
        return case.randint(-20, 20) / 2.0 if dt in FLOATS else case.randint(-20, 20)
    return gen


def assign_case(case):
    case.op = "index_assign"
    dt = case.dtype()
    case.dtypes = [dt]
    shape = random_shape(case)
    # no broadcast views as targets: cuarray lets them be written ("writable-broadcast-views")
    layout = case.pick(["c", "c", "T", "flip", "step", "negstep", "offset"])
    a, x, ab, xb = case.operand(shape, dt, layout=layout)
    entries, key, valid, facts = random_key(case, shape, unique=True)
    case.tags |= facts
    text = key_text(case, entries)
    if any(isinstance(k, np.ndarray) and k.dtype == bool and k.ndim == 0 for k in key):
        return None
    sel = outcome(lambda: x[key]) if valid else Raises("bad index")
    if isinstance(sel, Raises):
        lit, v = case.weak(dt, value_domain(dt), kind="int" if dt in INTS else None)
        case.stmt("%s[%s] = %s" % (a, text, lit))
        case.ret(ab, sel)
        return case
    selshape = np.shape(sel)
    if case.chance(0.5):
        kind = "int" if dt in INTS and case.chance(0.8) else None
        lit, v = case.weak(dt, value_domain(dt) if case.chance(0.85) else None, kind=kind)
        case.variant = "number"
        if isinstance(v, float) and dt in INTS and v == v and abs(v) != float("inf"):
            if abs(v) >= 2 ** 63:
                case.tags.add("assign:huge-float")
            elif v != int(v):
                return None  # a fractional float into an integer array: not generated
        res = outcome(lambda: setitem(x, key, v))
    else:
        case.variant = "array"
        vshape = list(selshape[len(selshape) - case.randint(0, len(selshape)):]) \
            if selshape else []
        for i in range(len(vshape)):
            if case.chance(0.3):
                vshape[i] = 1
        if case.chance(0.1) and vshape:
            vshape[-1] += 1
        vdt = case.dtype()
        case.dtypes.append(vdt)
        lit, vx, _, _ = case.operand(tuple(vshape), vdt, value_domain(dt),
                                     layout=case.pick(["c", "c", "T", "bcast", "flip"]),
                                     name="v")
        res = outcome(lambda: setitem(x, key, vx))
    case.stmt("%s[%s] = %s" % (a, text, lit))
    case.ret(ab, res if isinstance(res, Raises) else Expect("array", xb.copy()))
    return case


def setitem(x, key, v):
    from numpy2 import check_python_ints
    if not isinstance(v, np.ndarray):
        bad = check_python_ints(x.dtype.name, [v])
        if bad:
            raise OverflowError(bad.why)
    x[key] = v
    return True


def take_case(case):
    case.op = "take"
    dt = case.dtype()
    shape = random_shape(case)
    a, x, _, _ = case.operand(shape, dt)
    nd = len(shape)
    axis = case.randint(0, nd - 1) if nd and case.chance(0.6) else None
    n = x.size if axis is None else shape[axis]
    form = case.pick(["array", "list", "int"])
    if form == "array":
        lit, idx, ok = index_array(case, n)
    elif form == "list":
        k = case.randint(0, 4)
        vals = [case.randint(1, n) if n else 1 for _ in range(k)]
        vals = [v if case.chance(0.7) else v - n - 1 for v in vals]
        ok = n > 0 or k == 0
        lit = "{" + ", ".join(str(v) for v in vals) + "}"
        idx = np.array([v - 1 if v > 0 else v for v in vals], dtype=np.int64)
    else:
        v = case.randint(1, n) if n else 1
        ok = n > 0
        lit = str(v)
        idx = v - 1
    deviations.use("one-based-positions")
    args = [a, lit]
    if axis is not None:
        deviations.use("axes-from-one")
        args.append(str(axis + 1))
    expr = "cu.take(%s)" % ", ".join(args)
    res = outcome(lambda: np.take(x, idx, axis=axis)) if ok else Raises("bad index")
    if isinstance(res, np.generic):
        deviations.use("lua-values-for-scalars")
        res = Expect("value", res.item())
    elif not isinstance(res, Raises):
        res = Expect("array", np.asarray(res))
    case.ret(expr, res)
    return case


def nonzero_case(case):
    name = case.pick(["nonzero", "flatnonzero", "argwhere"])
    case.op = name
    dt = case.dtype()
    shape = random_shape(case)
    a, x, _, _ = case.operand(shape, dt)
    deviations.use("one-based-positions")
    expr = case.pick(["cu.%s(%s)", "%s:%s()"])
    expr = expr % ((name, a) if expr.startswith("cu") else (a, name))
    if name == "nonzero":
        res = outcome(lambda: np.nonzero(x))
        if isinstance(res, Raises):
            case.ret(expr, res)
        else:
            case.ret(expr, Expect("list", [np.asarray(c) + 1 for c in res]))
        return case
    fn = np.flatnonzero if name == "flatnonzero" else np.argwhere
    res = outcome(lambda: fn(x))
    case.ret(expr, res if isinstance(res, Raises) else Expect("array", res + 1))
    return case


FAMILIES = [(index_case, 20), (assign_case, 12), (take_case, 4), (nonzero_case, 4)]
