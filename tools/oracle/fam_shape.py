"""Shape and copy cases (reshape, ravel, flatten, transpose, swapaxes, squeeze, expand_dims,
broadcast_to, flip, copy, astype, fill, .T, item, #, the attributes), whether each gives a
view or a copy (a fill through the result, then the base is read back), concatenate and
stack; and the constructors (array, asarray, zeros/ones/empty/full and their _like forms,
arange, linspace, logspace, eye, identity)."""
import math

import numpy as np

import deviations
import numpy2
import tolerances
from common import (DTYPES, FLOATS, INTS, Expect, Raises, int_range, is_float, is_int,
                    is_unsigned, outcome, random_shape)


def axis_arg(case, a, ndim):
    """Lua text of 0-based axis a among ndim axes: 1-based, sometimes negative."""
    deviations.use("axes-from-one")
    if case.chance(0.3):
        return str(a - ndim)
    return str(a + 1)


def fill_value_for(case, dt):
    if dt == "bool":
        return case.chance(0.5)
    if is_int(dt):
        lo, hi = int_range(dt)
        return case.randint(max(lo, -100), min(hi, 100))
    return case.pick([1.5, -2.25, 7.0, 0.0])


def view_check(case, res_lua, res_np, base_lua, base_np):
    """Writes through the result and reads the base: a view must change it, a copy not."""
    if res_np.size == 0 or not res_np.flags.writeable:
        return
    v = fill_value_for(case, res_np.dtype.name)
    res_np.fill(v)
    case.stmt("%s:fill(%s)" % (res_lua, case.num(v)))
    case.ret(base_lua, Expect("array", base_np))


def convertible(to):
    """Float values an integer dtype `to` receives exactly as NumPy defines it: inside its
    range, or NaN, infinities and values outside int64 (float-to-int-invalid)."""
    lo, hi = int_range(to)

    def gen(case, dt):
        if case.chance(0.1):
            return case.pick([float("nan"), float("inf"), float("-inf"), 1e19, -1e300])
        return case.rng.uniform(max(lo, -1000), min(hi, 1000)) if case.chance(0.5) \
            else float(case.randint(max(lo, -50), min(hi, 50))) + case.pick([0, 0.5, 0.25, -0.5])
    return gen


def near_half_ties(case, dt):
    """float64 values just off a float16 rounding tie, where rounding through float32 first
    lands on the tie and then on the wrong side of it."""
    h = float(np.float16(case.randint(-2000, 2000) / 16.0 or 1.0))
    ulp = float(np.spacing(np.float16(h)))
    side = case.pick([1, -1])
    return h + ulp / 2 + side * ulp * 2.0 ** -case.randint(14, 30)


def shape_case(case):
    dt = case.dtype()
    case.dtypes = [dt]
    shape = random_shape(case)
    nd = len(shape)
    ops = ["reshape", "ravel", "flatten", "transpose", "T", "copy", "astype", "fill", "item",
           "len", "attrs", "flip", "broadcast_to", "expand_dims"]
    if nd >= 2:
        ops.append("swapaxes")
    if 1 in shape or case.chance(0.2):
        ops.append("squeeze")
    op = case.pick(ops)
    case.op = op
    to = case.dtype()
    domain = convertible(to) if op == "astype" and dt in FLOATS and to in INTS else None
    if op == "astype" and dt == "float64" and to == "float16":
        domain = near_half_ties
        case.tags.add("astype:float64-float16-ties")
    a, x, ab, xb = case.operand(shape, dt, domain)
    writable_base = "layout:bcast" not in case.tags
    if op == "reshape":
        n = x.size
        dims = factor_shape(case, n)
        lua_dims = list(dims)
        if dims and case.chance(0.3):
            i = case.randint(0, len(dims) - 1)
            lua_dims[i] = -1
        if case.chance(0.1):
            lua_dims = lua_dims + [2] if lua_dims else [2]  # a size that does not fit
            dims = None
        target = tuple(lua_dims)
        res = outcome(lambda: x.reshape(target))
        if case.chance(0.5):
            expr = "%s:reshape(%s)" % (a, case.shape(lua_dims))
        elif lua_dims:
            expr = "%s:reshape(%s)" % (a, ", ".join(str(d) for d in lua_dims))
        else:
            expr = "cu.reshape(%s, {})" % a
    elif op == "ravel":
        res = x.ravel()
        expr = case.pick(["%s:ravel()", "cu.ravel(%s)"]) % a
    elif op == "flatten":
        res = x.flatten()
        expr = "%s:flatten()" % a
    elif op == "transpose":
        if case.chance(0.4) or nd == 0:
            res = x.transpose()
            expr = case.pick(["%s:transpose()", "cu.transpose(%s)"]) % a
        else:
            perm = list(range(nd))
            case.rng.shuffle(perm)
            res = x.transpose(perm)
            deviations.use("axes-from-one")
            args = ", ".join(str(p + 1) for p in perm)
            expr = ("%s:transpose({%s})" if case.chance(0.6) else "%s:transpose(%s)") % (a, args)
    elif op == "T":
        res = x.T
        expr = a + ".T"
    elif op == "swapaxes":
        i, j = case.randint(0, nd - 1), case.randint(0, nd - 1)
        res = np.swapaxes(x, i, j)
        expr = "%s:swapaxes(%s, %s)" % (a, axis_arg(case, i, nd), axis_arg(case, j, nd))
    elif op == "squeeze":
        ones = [i for i, d in enumerate(shape) if d == 1]
        if case.chance(0.4) or not nd:
            res = np.squeeze(x)
            expr = "%s:squeeze()" % a
        else:
            pool = ones if ones and case.chance(0.8) else list(range(nd))
            ax = sorted(set(case.pick(pool) for _ in range(case.randint(1, 2))))
            res = outcome(lambda: np.squeeze(x, axis=tuple(ax)))
            if len(ax) == 1 and case.chance(0.5):
                expr = "%s:squeeze(%s)" % (a, axis_arg(case, ax[0], nd))
            else:
                expr = "%s:squeeze({%s})" % (a, ", ".join(axis_arg(case, q, nd) for q in ax))
    elif op == "expand_dims":
        ax = case.randint(0, nd)
        res = np.expand_dims(x, ax)
        expr = "%s:expand_dims(%s)" % (a, axis_arg(case, ax, nd + 1))
    elif op == "flip":
        if not nd or case.chance(0.3):
            res = np.flip(x)
            expr = "%s:flip()" % a
        else:
            axes = sorted(set(case.randint(0, nd - 1) for _ in range(case.randint(1, 2))))
            res = np.flip(x, tuple(axes))
            if len(axes) == 1:
                expr = "cu.flip(%s, %s)" % (a, axis_arg(case, axes[0], nd))
            else:
                expr = "%s:flip({%s})" % (a, ", ".join(axis_arg(case, q, nd) for q in axes))
    elif op == "broadcast_to":
        target = list(shape)
        for i in range(len(target)):
            if target[i] == 1 and case.chance(0.5):
                target[i] = case.randint(0, 3)
        if case.chance(0.4):
            target = [case.randint(1, 3)] + target
        if case.chance(0.1) and target:
            target[-1] += 1  # does not broadcast unless it was 1
        res = outcome(lambda: np.broadcast_to(x, tuple(target)))
        expr = "%s:broadcast_to(%s)" % (a, case.shape(target))
        case.ret(expr, expect_array(res))
        return case
    elif op == "copy":
        res = x.copy()
        expr = case.pick(["%s:copy()", "cu.copy(%s)"]) % a
    elif op == "astype":
        case.dtypes.append(to)
        case.op = "astype"
        res = astype(x, to)
        expr = '%s:astype("%s")' % (a, to)
    elif op == "fill":
        if not writable_base:
            return None
        lit, v = case.weak(dt, kind=case.pick(["int", "float", "bool"]))
        if isinstance(v, float):
            case.tags.add("fill:float")
        res = outcome(lambda: fill_np(x, v))
        case.stmt("local r = %s:fill(%s)" % (a, lit))
        if isinstance(res, Raises):
            return None  # NumPy's fill with out-of-range values is not pinned down here
        case.ret("r", Expect("array", x.copy()))
        case.ret("rawequal(r, %s)" % a, Expect("value", True))
        case.ret(ab, Expect("array", xb.copy()))
        return case
    elif op == "item":
        res = outcome(lambda: x.item())
        expr = "%s:item()" % a
        if isinstance(res, Raises):
            case.ret(expr, res)
        else:
            deviations.use("lua-values-for-scalars")
            case.ret(expr, Expect("value", res))
        return case
    elif op == "len":
        res = outcome(lambda: len(x))
        case.ret("#%s" % a, res if isinstance(res, Raises) else Expect("value", res))
        return case
    else:  # attributes
        case.op = "attributes"
        case.ret("%s.ndim" % a, Expect("value", x.ndim))
        case.ret("%s.size" % a, Expect("value", x.size))
        case.ret('%s.dtype == "%s"' % (a, dt), Expect("value", True))
        case.ret("%s.itemsize" % a, Expect("value", x.itemsize))
        case.ret("%s.nbytes" % a, Expect("value", x.nbytes))
        case.ret("cu.array(%s.shape, {dtype = \"int64\"})" % a,
                 Expect("array", np.array(x.shape, dtype=np.int64)))
        if x.size > 1 and "layout:bcast" not in case.tags:
            deviations.use("strides-in-elements")
            keep = [i for i, d in enumerate(x.shape) if d > 1]
            strides = [x.strides[i] // x.itemsize for i in keep]
            case.ret("(function(s) return cu.array({%s}, {dtype = \"int64\"}) end)(%s.strides)"
                     % (", ".join("s[%d]" % (i + 1) for i in keep), a),
                     Expect("array", np.array(strides, dtype=np.int64)))
            case.ret("%s.is_contiguous" % a, Expect("value", bool(x.flags.c_contiguous)))
        return case
    if isinstance(res, Raises):
        case.ret(expr, res)
        return case
    r = case.local(expr, "r")
    case.ret(r, Expect("array", res))  # returned values are read at the end: no copies
    if writable_base and op not in ("astype",):
        view_check(case, r, res, ab, xb)
    return case


def expect_array(res):
    return res if isinstance(res, Raises) else Expect("array", np.array(res))


def fill_np(x, v):
    bad = numpy2.check_python_ints(x.dtype.name, [v])
    if bad:
        raise OverflowError(bad.why)
    x.fill(v)


def factor_shape(case, n):
    """A random shape of n elements."""
    if n == 0:
        return case.pick([(0,), (2, 0), (0, 3), (0,)])
    dims = []
    rest = n
    for p in (2, 3, 5, 7):
        while rest % p == 0 and case.chance(0.6):
            dims.append(p)
            rest //= p
    if rest > 1:
        dims.append(rest)
    case.rng.shuffle(dims)
    if case.chance(0.3):
        dims.insert(case.randint(0, len(dims)), 1)
    if not dims and case.chance(0.5):
        return ()
    return tuple(dims)


def astype(x, to):
    """x.astype(to); float -> integer conversions of NaN, infinities and values outside int64
    follow float-to-int-invalid."""
    res = x.astype(to)
    if x.dtype.name in FLOATS and to in INTS:
        xf = x.astype(np.float64)
        bad = ~np.isfinite(xf) | (xf >= 2.0 ** 63) | (xf < -2.0 ** 63)
        if bad.any():
            deviations.use("float-to-int-invalid")
            res = np.where(bad, np.array(-2 ** 63, dtype=np.int64).astype(to), res).astype(to)
    return res


# ---- concatenate and stack ------------------------------------------------------------------

def join_case(case):
    name = case.pick(["concatenate", "stack"])
    case.op = name
    n = case.randint(1, 3)
    base = list(random_shape(case, case.pick([1, 1, 2, 2, 3]) if name == "concatenate"
                             else None))
    nd = len(base)
    if name == "concatenate" and nd == 0:
        base = [2]
        nd = 1
    axis = case.randint(0, nd - 1 if name == "concatenate" else nd) if nd or name == "stack" \
        else 0
    names, arrays = [], []
    for i in range(n):
        s = list(base)
        if name == "concatenate" and nd:
            s[axis] = case.randint(0, 3)
        if case.chance(0.08) and s:
            s[case.randint(0, len(s) - 1)] += 1  # a mismatch
        dt = case.dtype()
        case.dtypes.append(dt)
        la, x, _, _ = case.operand(tuple(s), dt, name="a")
        names.append(la)
        arrays.append(x)
    kw = {}
    args = ["{" + ", ".join(names) + "}"]
    if case.chance(0.7) or axis != 0:
        args.append(axis_arg(case, axis, nd if name == "concatenate" else nd + 1))
    if case.chance(0.2):
        want = case.dtype()
        kw["dtype"] = want
        case.tags.add("dtype-option")
        if is_unsigned(want) and any(x.dtype.name in ("int8", "int16", "int32", "int64")
                                   for x in arrays):
            case.tags.add("cast:signed-into-unsigned")
        args.append('{dtype = "%s"}' % want)
    fn = np.concatenate if name == "concatenate" else np.stack
    if "dtype" in kw:
        res = outcome(lambda: fn(arrays, axis=axis, dtype=kw["dtype"], casting="same_kind"))
    else:
        res = outcome(lambda: fn(arrays, axis=axis))
    pairwise = arrays[0].dtype
    for x in arrays[1:]:
        pairwise = np.promote_types(pairwise, x.dtype)
    if "dtype" not in kw and pairwise != np.result_type(*arrays):
        case.tags.add("join:pairwise-promotion-differs")
    case.ret("cu.%s(%s)" % (name, ", ".join(args)), expect_array(res))
    return case


FAMILIES = [(shape_case, 20), (join_case, 6)]
