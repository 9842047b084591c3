"""Sorting cases: sort and argsort (stable, 1-based positions, along an axis counted from 1),
searchsorted into a sorted 1-D array (1-based insertion points), unique, and median along an
axis, over every dtype and layout."""
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


FAMILIES = [(sort_case, 6), (search_case, 3), (unique_case, 3), (median_case, 2)]
