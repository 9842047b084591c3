"""Sorting cases: sort and argsort (stable, 1-based positions, along an axis counted from 1),
searchsorted into a sorted 1-D array (1-based insertion points), unique (flat, along an axis,
the array API's unique_all), median along an axis, convolve and correlate, over every dtype
and layout."""
import numpy as np

import deviations
from common import DTYPES, FLOATS, Expect, Raises, outcome, random_shape


def axis_arg(case, nd):
    """(Lua axis text or None for the default, NumPy axis, ok)."""
    if case.chance(0.4):
        return None, -1, nd > 0
    deviations.use("axes-from-one")
    ax = case.randint(-nd - 1, nd + 1) if nd else case.pick([1, -1])
    if ax == 0:
        ax = 1
    ok = -nd <= ax <= nd
    return str(ax), (ax - 1 if ax > 0 else ax), ok


def sort_case(case):
    name = case.pick(["sort", "argsort"])
    case.op = name
    dt = case.dtype()
    shape = random_shape(case)
    a, x, _, _ = case.operand(shape, dt)
    lax, npax, ok = axis_arg(case, len(shape))
    args = [a] + ([lax] if lax is not None else [])
    expr = "cu.%s(%s)" % (name, ", ".join(args))
    if not ok:
        case.ret(expr, Raises("axis"))
        return case
    if name == "sort":
        res = outcome(lambda: np.sort(x, axis=npax, kind="stable"))
    else:
        deviations.use("one-based-positions")
        res = outcome(lambda: np.argsort(x, axis=npax, kind="stable") + 1)
    case.ret(expr, res if isinstance(res, Raises) else Expect("array", np.asarray(res)))
    return case


def search_case(case):
    case.op = "searchsorted"
    dt = case.dtype([d for d in DTYPES if d != "bool"])
    n = case.randint(0, 12)
    a, x, _, _ = case.operand((n,), dt)
    v, y, _, _ = case.operand(random_shape(case, maxdim=3), dt, name="v")
    side = case.pick(["left", "right"])
    deviations.use("one-based-positions")
    expr = 'cu.searchsorted(cu.sort(%s), %s, {side = "%s"})' % (a, v, side)
    res = outcome(lambda: np.searchsorted(np.sort(x, kind="stable"), y, side=side) + 1)
    case.ret(expr, res if isinstance(res, Raises) else Expect("array", np.asarray(res)))
    return case


def unique_case(case):
    case.op = "unique"
    dt = case.dtype()
    a, x, _, _ = case.operand(random_shape(case), dt)
    # np.unique's own sort is unstable, so which of -0.0 and +0.0 it keeps varies; cuarray
    # keeps the first in a stable sort: the answer is np.unique's values taken that way.
    s = np.sort(x.ravel(), kind="stable")
    keep = np.ones(s.size, dtype=bool)
    if s.size > 1:
        same = s[1:] == s[:-1]
        if s.dtype.kind == "f":
            same |= np.isnan(s[1:]) & np.isnan(s[:-1])
        keep[1:] = ~same
    u = s[keep]
    assert np.array_equal(u, np.unique(x), equal_nan=s.dtype.kind == "f")
    case.ret("cu.unique(%s)" % a, Expect("array", u))
    return case


UNIQUE_ALL = "return_index = true, return_inverse = true, return_counts = true"


def unique_axis_case(case):
    """unique along an axis with every result. NumPy keeps slices holding NaNs apart whatever
    equal_nan says, so the cases ask for that (equal_nan = false); NumPy's stable sort
    (return_index) picks which of -0.0 and +0.0 stands for its slice, as cuarray's does."""
    case.op = "unique"
    case.variant = "axis"
    dt = case.dtype()
    shape = random_shape(case, ndim=case.pick([1, 2, 2, 3]))
    a, x, _, _ = case.operand(shape, dt)
    lax, npax, ok = axis_arg(case, len(shape))
    if lax is None:
        lax = "-1"
    deviations.use("unique-axis-equal-nan")
    expr = "cu.unique(%s, {axis = %s, %s, equal_nan = false})" % (a, lax, UNIQUE_ALL)
    if not ok:
        case.ret(expr, Raises("axis"))
        return case
    deviations.use("one-based-positions")
    res = outcome(lambda: np.unique(x, axis=npax, return_index=True, return_inverse=True,
                                    return_counts=True, equal_nan=False))
    if isinstance(res, Raises):
        case.ret(expr, res)
        return case
    u = case.local(expr, "u")
    values, index, inverse, counts = res
    case.ret("%s.values" % u, Expect("array", values))
    case.ret("%s.index" % u, Expect("array", index + 1))
    case.ret("%s.inverse" % u, Expect("array", inverse.reshape(-1) + 1))
    case.ret("%s.counts" % u, Expect("array", counts))
    return case


def unique_all_case(case):
    """NumPy 2's unique_all: np.unique with equal_nan=False, the inverse in x's shape."""
    case.op = "unique_all"
    dt = case.dtype()
    a, x, _, _ = case.operand(random_shape(case), dt)
    deviations.use("one-based-positions")
    values, index, inverse, counts = np.unique(x, return_index=True, return_inverse=True,
                                               return_counts=True, equal_nan=False)
    u = case.local("cu.unique_all(%s)" % a, "u")
    case.ret("%s.values" % u, Expect("array", values))
    case.ret("%s.indices" % u, Expect("array", index + 1))
    case.ret("%s.inverse_indices" % u, Expect("array", inverse.reshape(x.shape) + 1))
    case.ret("%s.counts" % u, Expect("array", counts))
    return case


def dyadic(case, dt):
    """Small multiples of 1/4 (integers for integer dtypes): sums of their products are exact
    in any order, so convolutions compare exactly."""
    if dt == "bool":
        return case.chance(0.5)
    v = case.randint(-12, 12)
    return v if dt not in FLOATS else v / 4.0


def convolve_case(case):
    name = case.pick(["convolve", "correlate"])
    case.op = name
    dta, dtv = case.dtype(), case.dtype()
    a, x, _, _ = case.operand((case.randint(0, 9),), dta, domain=dyadic)
    v, y, _, _ = case.operand((case.randint(0, 9),), dtv, domain=dyadic, name="v")
    mode = case.pick([None, "full", "same", "valid"])
    opts = "" if mode is None else ', {mode = "%s"}' % mode
    kw = {} if mode is None else {"mode": mode}
    res = outcome(lambda: getattr(np, name)(x, y, **kw))
    case.ret("cu.%s(%s, %s%s)" % (name, a, v, opts),
             res if isinstance(res, Raises) else Expect("array", np.asarray(res)))
    return case


def median_case(case):
    case.op = "median"
    dt = case.dtype(FLOATS + ["int16", "int32", "int64"])
    shape = random_shape(case, allow_zero=False)
    a, x, _, _ = case.operand(shape, dt)
    if len(shape) == 0:
        return unique_case(case)
    deviations.use("axes-from-one")
    ax = case.randint(1, len(shape))
    rdt = x.dtype if x.dtype.kind == "f" else np.float64
    res = outcome(lambda: np.median(x, axis=ax - 1).astype(rdt))
    case.ret("cu.median(%s, %d)" % (a, ax), res if isinstance(res, Raises) else Expect("array", np.asarray(res)))
    return case


FAMILIES = [(sort_case, 6), (search_case, 3), (unique_case, 3), (unique_axis_case, 2),
            (unique_all_case, 1), (median_case, 2), (convolve_case, 2)]
