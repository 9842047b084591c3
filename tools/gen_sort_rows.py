#!/usr/bin/python3
"""Writes spec/sort_rows.lua: cases for sorting, searching, sets, counting and order
statistics with the results NumPy gives, which spec/sort_spec.lua checks on every device.

    /usr/bin/python3 tools/gen_sort_rows.py            # rewrite spec/sort_rows.lua
    /usr/bin/python3 tools/gen_sort_rows.py --check    # fail if it is not what NumPy gives now

Conventions: positions are written 1-based (argsort, unique's index and inverse, topk,
searchsorted), axes are cuarray's (1 / -1 for NumPy's 0 / -1), and views ("flip", "T",
"step2") are applied to the input on both sides. Descending sorts have no NumPy form: they are
the stable sort by the reverse order (NaN first), computed here in Python.
"""
import math
import warnings

import numpy as np

from generated import write_or_check

np._set_promotion_state("weak")
warnings.simplefilter("ignore")

OUT = "spec/sort_rows.lua"
NAN, INF = math.nan, math.inf

INTS = ["int8", "uint8", "int16", "int32", "int64"]
FLOATS = ["float16", "float32", "float64"]

F1 = [3.5, -1.0, NAN, 0.0, -0.0, 2.0, -INF, 2.0, INF, -1.0, NAN, 0.5]
I1 = [5, 3, 0, 3, 100, 1, 5, 2, 0, 7]
B1 = [True, False, True, True, False]
F2 = [[2.0, NAN, 1.0, 1.0], [0.5, -3.0, 4.0, -3.0], [NAN, 9.0, 0.0, -0.0]]
I2 = [[4, 1, 4, 0], [2, 2, 9, 1], [7, 3, 3, 3]]


def lua(v):
    if isinstance(v, (list, tuple)):
        return "{" + ", ".join(lua(x) for x in v) + "}"
    if isinstance(v, (bool, np.bool_)):
        return "true" if v else "false"
    if isinstance(v, str):
        return '"' + v + '"'
    if v is None:
        return "nil"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    f = float(v)
    if math.isnan(f):
        return "NAN"
    if math.isinf(f):
        return "INF" if f > 0 else "-INF"
    if f == 0 and math.copysign(1, f) < 0:
        return "-0.0"
    return repr(f)


def arr(values, dtype):
    return np.array(values, dtype=dtype)


def view(x, v):
    if v == "flip":
        return x[::-1]
    if v == "T":
        return x.T
    if v == "step2":
        return x[::2]
    return x


def tolist(r):
    r = np.asarray(r)
    if r.dtype == np.float16:
        r = r.astype(np.float64)
    return r.tolist()


ROWS = []


def case(f, x, dtype, out, args=(), opts=None, v=None, dt_out=None, label=None):
    ROWS.append("  {f = %s, x = %s, dtype = %s, view = %s, args = %s, opts = %s, out = %s, dt_out = %s},"
                % (lua(f), lua(x), lua(dtype), lua(v), "{" + ", ".join(args) + "}",
                   opts or "nil", lua(out), lua(dt_out)))


def desc_order(x):
    """Stable order by NumPy's order reversed: NaN first, then larger first."""
    flat = list(x)
    def key(i):
        e = flat[i]
        if isinstance(e, float) and math.isnan(e):
            return (0, 0)
        return (1, -float(e))
    return sorted(range(len(flat)), key=key)


def sort_cases():
    data = [(dt, F1) for dt in FLOATS] + [(dt, I1) for dt in INTS] + [("bool", B1)]
    for dt, vals in data:
        x = arr(vals, dt)
        for v in (None, "flip", "step2"):
            xv = view(x, v)
            case("sort", vals, dt, tolist(np.sort(xv, kind="stable")), v=v, dt_out=dt)
            case("argsort", vals, dt, tolist(np.argsort(xv, kind="stable") + 1), v=v, dt_out="int64")
        order = desc_order(x.tolist())
        case("argsort", vals, dt, [i + 1 for i in order], opts="{descending = true}", dt_out="int64")
        case("sort", vals, dt, tolist(x[order]), opts="{descending = true}", dt_out=dt)
    for dt, vals in [("float64", F2), ("float32", F2), ("int16", I2), ("int64", I2)]:
        x = arr(vals, dt)
        for axis, npax in ((1, 0), (2, 1), (-1, -1)):
            for v in (None, "T"):
                xv = view(x, v)
                case("sort", vals, dt, tolist(np.sort(xv, axis=npax, kind="stable")), args=[str(axis)], v=v)
                case("argsort", vals, dt, tolist(np.argsort(xv, axis=npax, kind="stable") + 1), args=[str(axis)], v=v)
    # empty and size-1 axes
    case("sort", [], "float32", [])
    case("argsort", [[3.0], [1.0]], "float64", [[1], [1]])
    case("argsort", [[3.0], [1.0]], "float64", [[2], [1]], args=["1"])


def search_cases():
    s = [-INF, -1.0, 0.0, 0.0, 2.5, 2.5, 7.0, INF, NAN]
    q = [-5.0, 0.0, -0.0, 2.5, 3.0, INF, NAN, -INF]
    for dt in FLOATS:
        for side in ("left", "right"):
            r = np.searchsorted(arr(s, dt), arr(q, dt), side=side) + 1
            case("searchsorted", s, dt, tolist(r), args=["A(%s, %s)" % (lua(q), lua(dt))],
                 opts='{side = "%s"}' % side)
    si = [0, 1, 1, 3, 9, 9, 20]
    qi = [-1, 0, 1, 2, 9, 21]
    for dt in ("int8", "int16", "int32", "int64"):
        for side in ("left", "right"):
            r = np.searchsorted(arr(si, dt), arr(qi, dt), side=side) + 1
            case("searchsorted", si, dt, tolist(r), args=["A(%s, %s)" % (lua(qi), lua(dt))],
                 opts='{side = "%s"}' % side)
    # a float value in an integer array, a number, a sorter
    case("searchsorted", si, "int32", tolist(np.searchsorted(arr(si, "int32"), [1.5, 3.0]) + 1),
         args=["A({1.5, 3.0}, \"float64\")"])
    case("searchsorted", si, "int64", int(np.searchsorted(arr(si, "int64"), 9, side="right")) + 1,
         args=["9"], opts='{side = "right"}')
    u = [30, 10, 20, 10]
    srt = np.argsort(u, kind="stable")
    case("searchsorted", u, "int64", tolist(np.searchsorted(u, [10, 25], sorter=srt) + 1),
         args=["A({10, 25}, \"int64\")"], opts="{sorter = A(%s, \"int64\")}" % lua((srt + 1).tolist()))
    bins = [0.0, 1.0, 2.5, 4.0]
    xs = [-1.0, 0.0, 1.0, 2.0, 4.0, 5.0]
    for right in (False, True):
        case("digitize", xs, "float64", tolist(np.digitize(xs, bins, right=right)),
             args=["A(%s, \"float64\")" % lua(bins)], opts="{right = %s}" % lua(right))
        case("digitize", xs, "float64", tolist(np.digitize(xs, bins[::-1], right=right)),
             args=["A(%s, \"float64\")" % lua(bins[::-1])], opts="{right = %s}" % lua(right))


def unique_cases():
    data = [("float64", [3.0, 1.0, NAN, 2.0, 2.0, NAN, 1.0, -0.0, 0.0]), ("float32", [1.0, 1.0, 0.5]),
            ("int8", [5, -3, 5, 0, -3, 5]), ("uint8", [200, 3, 3]), ("bool", [True, False, True]),
            ("int64", [])]
    for dt, vals in data:
        x = arr(vals, dt)
        case("unique", vals, dt, tolist(np.unique(x)), dt_out=dt)
        if len(vals):
            u, idx, inv, cnt = np.unique(x, return_index=True, return_inverse=True, return_counts=True)
            case("unique", vals, dt, [tolist(u), tolist(idx + 1), tolist(inv + 1), tolist(cnt)],
                 opts="{return_index = true, return_inverse = true, return_counts = true}")
            case("unique", vals, dt, [tolist(u), tolist(cnt)], opts="{return_counts = true}")
    x2 = [[1, 2], [2, 5]]
    u, inv = np.unique(np.array(x2), return_inverse=True)
    case("unique", x2, "int32", [tolist(u), tolist(inv.reshape(2, 2) + 1)], opts="{return_inverse = true}")
    a, b = [5.0, 1.0, NAN, 3.0, 1.0], [3.0, 3.0, 8.0, NAN, 5.0]
    B = "A(%s, \"float64\")" % lua(b)
    case("isin", a, "float64", tolist(np.isin(a, b)), args=[B])
    case("isin", a, "float64", tolist(np.isin(a, b, invert=True)), args=[B], opts="{invert = true}")
    for f in ("intersect1d", "union1d", "setdiff1d", "setxor1d"):
        case(f, a, "float64", tolist(getattr(np, f)(a, b)), args=[B])
    ai, bi = [4, 1, 4, 9, 0], [9, 2, 2, 4]
    for f in ("intersect1d", "union1d", "setdiff1d", "setxor1d"):
        case(f, ai, "int16", tolist(getattr(np, f)(np.int16(ai), np.int16(bi))), args=["A(%s, \"int16\")" % lua(bi)])


def unique_rows(x, axis, equal_nan):
    """np.unique(x, axis=axis) with its options, NaNs equal when equal_nan (NumPy's documented
    equal_nan; NumPy 1.24 and 2.x compare slices with ==, so NaN slices stay apart: checked
    below to agree with np.unique wherever no NaN is involved). Positions 0-based."""
    m = np.moveaxis(x, axis, 0)
    n = m.shape[0]
    rows = m.reshape(n, -1)
    perm = np.lexsort(rows.T[::-1]) if rows.shape[1] else np.arange(n)
    s = rows[perm]
    if n == 0:
        mask = np.zeros(0, dtype=bool)
    else:
        ne = s[1:] != s[:-1]
        if equal_nan and s.dtype.kind == "f":
            ne &= ~(np.isnan(s[1:]) & np.isnan(s[:-1]))
        mask = np.concatenate([[True], ne.any(axis=1)])
    u = np.moveaxis(s[mask].reshape((-1,) + m.shape[1:]), 0, axis)
    inv = np.empty(n, dtype=np.int64)
    inv[perm] = np.cumsum(mask) - 1
    starts = np.flatnonzero(mask)
    return u, perm[mask], inv, np.diff(np.append(starts, n))


def unique_axis_cases():
    data = [("int32", I2), ("float64", F2), ("int8", [[[1, 2], [1, 2]], [[0, 5], [1, 2]], [[1, 2], [1, 2]]]),
            ("float32", [[1.0, NAN, 0.0], [1.0, NAN, -0.0], [0.5, 2.0, 0.0]]), ("bool", [[True, False], [True, False]])]
    every = "return_index = true, return_inverse = true, return_counts = true"
    for dt, vals in data:
        x = arr(vals, dt)
        for axis, npax in [(1, 0), (2, 1), (-1, -1)][:x.ndim + 1]:
            for v in (None, "T"):
                xv = view(x, v)
                for equal_nan in (True, False):
                    u, idx, inv, cnt = unique_rows(xv, npax, equal_nan)
                    if equal_nan is False or not np.isnan(xv).any():
                        nu, nidx, ninv, ncnt = np.unique(xv, axis=npax, return_index=True, return_inverse=True,
                                                         return_counts=True)
                        assert np.array_equal(nu, u, equal_nan=True) and np.array_equal(ninv.ravel(), inv)
                        assert np.array_equal(ncnt, cnt)
                    opts = "{axis = %d, %s%s}" % (axis, every, "" if equal_nan else ", equal_nan = false")
                    case("unique", vals, dt, [tolist(u), tolist(idx + 1), tolist(inv + 1), tolist(cnt)], v=v,
                         opts=opts)
                case("unique", vals, dt, tolist(unique_rows(xv, npax, True)[0]), v=v, opts="{axis = %d}" % axis,
                     dt_out=dt)
    case("unique", [[], [], []], "float64", [[[]], [1], [1, 1, 1], [3]], opts="{axis = 1, %s}" % every)
    case("unique", [[], [], []], "float64", [[[], [], []], [], [], []], opts="{axis = 2, %s}" % every)


def unique_api_cases():
    """NumPy 2's array-API forms: np.unique with equal_nan=False, the inverse in x's shape."""
    for dt, vals in (("float64", [3.0, NAN, 1.0, NAN, 3.0, -0.0, 0.0]), ("int16", [[4, 1], [4, 9]]),
                     ("float32", []), ("uint8", [7])):
        x = arr(vals, dt)
        u, idx, inv, cnt = np.unique(x, return_index=True, return_inverse=True, return_counts=True,
                                     equal_nan=False)
        inv = inv.reshape(x.shape)
        case("unique_values", vals, dt, tolist(u), dt_out=dt)
        case("unique_counts", vals, dt, [tolist(u), tolist(cnt)])
        case("unique_inverse", vals, dt, [tolist(u), tolist(inv + 1)])
        case("unique_all", vals, dt, [tolist(u), tolist(idx + 1), tolist(inv + 1), tolist(cnt)])


def count_cases():
    xs = [0, 3, 1, 3, 3, 7]
    for dt in ("int8", "uint8", "int32", "int64"):
        case("bincount", xs, dt, tolist(np.bincount(arr(xs, dt))), dt_out="int64")
    case("bincount", xs, "int64", tolist(np.bincount(xs, minlength=10)), opts="{minlength = 10}")
    w = [0.5, 1.0, 2.0, -1.0, 0.25, 3.0]
    case("bincount", xs, "int64", tolist(np.bincount(xs, weights=w)), opts="{weights = A(%s, \"float64\")}" % lua(w),
         dt_out="float64")
    case("bincount", [True, False, True], "bool", tolist(np.bincount([1, 0, 1])))
    case("bincount", [], "int64", tolist(np.bincount(np.array([], dtype=np.int64), minlength=3)), opts="{minlength = 3}")
    h = [1.0, 2.0, 2.0, 3.0, 4.0, 10.0, -1.0, 2.5]
    for opts, kw in (("nil", {}), ("{bins = 3}", {"bins": 3}), ("{bins = 4, range = {0, 4}}", {"bins": 4, "range": (0, 4)}),
                     ("{bins = 3, density = true}", {"bins": 3, "density": True})):
        c, e = np.histogram(h, **kw)
        case("histogram", h, "float64", [tolist(c), tolist(e)], opts=opts)
    c, e = np.histogram(h, bins=[0.0, 1.0, 2.5, 4.0])
    case("histogram", h, "float64", [tolist(c), tolist(e)], opts="{bins = A({0.0, 1.0, 2.5, 4.0}, \"float64\")}")
    c, e = np.histogram(np.float32(h), bins=2, weights=np.float32(np.arange(8)))
    case("histogram", h, "float32", [tolist(c), tolist(e)],
         opts="{bins = 2, weights = A({0, 1, 2, 3, 4, 5, 6, 7}, \"float32\")}")
    c, e = np.histogram(np.int32([5, 5, 5]), bins=2)
    case("histogram", [5, 5, 5], "int32", [tolist(c), tolist(e)], opts="{bins = 2}")


def histogram_more_cases():
    """The bin-width estimators, histogram_bin_edges, histogram2d and histogramdd."""
    h = [1.0, 2.0, 2.0, 3.0, 4.0, 10.0, -1.0, 2.5, 7.5, 3.25, 0.0, 2.0]
    hi = [1, 2, 2, 3, 5, 9, 9, 9, 10, 40, 41, 3]
    for name in ("auto", "fd", "doane", "scott", "stone", "rice", "sturges", "sqrt"):
        case("histogram_bin_edges", h, "float64", tolist(np.histogram_bin_edges(h, name)), args=[lua(name)])
        case("histogram_bin_edges", hi, "int32", tolist(np.histogram_bin_edges(np.int32(hi), name)), args=[lua(name)])
        case("histogram_bin_edges", h, "float32", tolist(np.histogram_bin_edges(np.float32(h), name, range=(0, 5))),
             args=[lua(name)], opts="{range = {0, 5}}", dt_out="float32")
        c, e = np.histogram(h, name)
        case("histogram", h, "float64", [tolist(c), tolist(e)], args=[lua(name)])
    case("histogram_bin_edges", [5.0, 5.0], "float64", tolist(np.histogram_bin_edges([5.0, 5.0], "fd")), args=['"fd"'])
    case("histogram_bin_edges", [], "float64", tolist(np.histogram_bin_edges(np.zeros(0), "auto")), args=['"auto"'])
    case("histogram_bin_edges", h, "float64", tolist(np.histogram_bin_edges(h, 4, range=(0, 2))), args=["4"],
         opts="{range = {0, 2}}")
    case("histogram_bin_edges", h, "float64", tolist(np.histogram_bin_edges(h, [0, 1, 5])), args=["{0, 1, 5}"],
         dt_out="int64")
    c, e = np.histogram(h, [0, 1, 5])
    case("histogram", h, "float64", [tolist(c), tolist(e)], args=["{0, 1, 5}"])
    c, e = np.histogram(h, [3.0])
    case("histogram", h, "float64", [tolist(c), tolist(e)], args=["{3.0}"])
    # two dimensions: x is the first argument, y and the rest follow
    x2 = [0.5, 1.0, 2.0, 3.0, NAN, 1.5, 2.5, 3.0, -1.0]
    y2 = [1.0, 1.0, 5.0, 2.0, 1.0, NAN, 4.0, 0.0, 2.0]
    Y = "A(%s, \"float64\")" % lua(y2)
    rng = [(0, 3), (0, 5)]
    w = [1.0, 0.5, 2.0, 1.0, 3.0, 1.0, 0.25, 1.0, 1.0]
    for bins, blua in ((2, "2"), ([3, 2], "{3, 2}"), ([[0, 1, 3], 2], "{{0, 1, 3}, 2}"), ([0, 1, 2, 4], "{0, 1, 2, 4}")):
        for kw, olua in (({"range": rng}, "{range = {{0, 3}, {0, 5}}}"),
                         ({"range": rng, "density": True}, "{range = {{0, 3}, {0, 5}}, density = true}"),
                         ({"range": rng, "weights": np.array(w)},
                          "{range = {{0, 3}, {0, 5}}, weights = A(%s, \"float64\")}" % lua(w))):
            hh, ex, ey = np.histogram2d(np.array(x2), np.array(y2), bins, **kw)
            case("histogram2d", x2, "float64", [tolist(hh), tolist(ex), tolist(ey)], args=[Y, blua], opts=olua)
    xf, yf = [0.5, 1.0, 2.0, 3.0, 1.5], [1.0, 1.0, 5.0, 2.0, 1.0]
    hh, ex, ey = np.histogram2d(np.float32(xf), np.float32(yf), 3)
    case("histogram2d", xf, "float32", [tolist(hh), tolist(ex), tolist(ey)], args=["A(%s, \"float32\")" % lua(yf), "3"])
    hh, ex, ey = np.histogram2d(np.int16([1, 1, 1]), np.int16([2, 3, 4]))
    case("histogram2d", [1, 1, 1], "int16", [tolist(hh), tolist(ex), tolist(ey)], args=["A({2, 3, 4}, \"int16\")"])
    hh, ex, ey = np.histogram2d(np.zeros(0), np.zeros(0), 2)
    case("histogram2d", [], "float64", [tolist(hh), tolist(ex), tolist(ey)], args=["A({}, \"float64\")", "2"])
    # d dimensions: a sample of points as rows (the edges are a list of arrays)
    pts = [[0.5, 1.0, 7.0], [1.0, 1.0, 5.0], [2.0, NAN, 5.0], [3.0, 2.0, 6.0], [1.5, 0.0, 9.0], [3.0, 2.0, 5.5]]
    for dt in ("float64", "float32", "int32"):
        p = np.array(pts, dtype=np.float64)
        if dt == "int32":
            p = np.nan_to_num(p).astype(dt)
        else:
            p = p.astype(dt)
        vals = p.tolist()
        for bins, blua, kw, olua in ((2, "2", {"range": [(0, 3), (0, 2), (5, 9)]}, "{range = {{0, 3}, {0, 2}, {5, 9}}}"),
                                     ([2, 3, 1], "{2, 3, 1}", {"range": [(0, 3), (0, 2), None]},
                                      "{range = {{0, 3}, {0, 2}, false}}"),
                                     ([[0, 1, 4], 2, [5, 6, 7, 9]], "{{0, 1, 4}, 2, {5, 6, 7, 9}}",
                                      {"density": True, "range": [None, (0, 2), None]},
                                      "{density = true, range = {false, {0, 2}, false}}")):
            hh, edges = np.histogramdd(p, bins, **kw)
            case("histogramdd", vals, dt, [tolist(hh), [tolist(e) for e in edges]], args=[blua], opts=olua)
        if dt != "int32":
            hh, edges = np.histogramdd(p, 2, range=[(0, 3), (0, 2), (5, 9)], weights=np.arange(6.0))
            case("histogramdd", vals, dt, [tolist(hh), [tolist(e) for e in edges]], args=["2"],
                 opts="{range = {{0, 3}, {0, 2}, {5, 9}}, weights = A({0, 1, 2, 3, 4, 5}, \"float64\")}")
    c, e = np.histogram(np.array([True, False, True]), 2)
    case("histogram", [True, False, True], "bool", [tolist(c), tolist(e)], args=["2"])
    bb = [[True, False], [True, True]]
    hh, edges = np.histogramdd(np.array(bb), 2)
    case("histogramdd", bb, "bool", [tolist(hh), [tolist(e) for e in edges]], args=["2"])
    hh, edges = np.histogramdd(np.array([3.0, 1.0, 2.0]), 2)
    case("histogramdd", [3.0, 1.0, 2.0], "float64", [tolist(hh), [tolist(e) for e in edges]], args=["2"])


def pairs(z):
    """A complex array as nested lists of [real, imag] pairs (the spec views them as complex)."""
    z = np.asarray(z)
    return np.stack([z.real, z.imag], axis=-1).tolist()


def convolve_cases():
    """convolve and correlate in every mode, sequences of every length order; values are dyadic,
    so any order of summation gives NumPy's sums exactly."""
    seqs = [([1.0, 2.0, -3.5, 0.25, 4.0], [0.5, -1.0, 2.0]), ([1.0, 2.0], [1.0, 2.0, 3.0, 4.0]),
            ([3.0], [2.0, -1.0]), ([1.0, -2.0, 0.5, 8.0], [0.25, 1.0]), ([2.0, 1.0, 0.0], [1.0])]
    for dt in ("float64", "float32", "int32", "int8", "int16"):
        for a, v in seqs:
            x, y = arr(a, dt), arr(v, dt)
            V = "A(%s, %s)" % (lua(tolist(y)), lua(dt))
            for mode in ("full", "same", "valid"):
                for f in ("convolve", "correlate"):
                    case(f, tolist(x), dt, tolist(getattr(np, f)(x, y, mode)), args=[V], opts='{mode = "%s"}' % mode,
                         dt_out=dt)
    big = [100, 100, -7]
    case("convolve", big, "int8", tolist(np.convolve(np.int8(big), np.int8([2, 3]))), args=['A({2, 3}, "int8")'],
         dt_out="int8")
    case("convolve", [True, False, True], "bool", tolist(np.convolve([True, False, True], [True, True])),
         args=["A({true, true}, \"bool\")"], dt_out="bool")
    case("correlate", [True, False, True], "bool", tolist(np.correlate([True, False, True], [False, True], "full")),
         args=["A({false, true}, \"bool\")"], opts='{mode = "full"}', dt_out="bool")
    x = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    for v in ("flip", "step2"):
        xv = view(arr(x, "float64"), v)
        case("convolve", x, "float64", tolist(np.convolve(xv, [1.0, -1.0])), args=["{1, -1}"], v=v)
        case("correlate", x, "float64", tolist(np.correlate(xv, [1.0, 0.5], "same")), args=["{1, 0.5}"],
             opts='{mode = "same"}', v=v)
    case("convolve", [1, 2, 3], "int16", tolist(np.convolve(np.int16([1, 2, 3]), np.float32([0.5, 2]))),
         args=['A({0.5, 2}, "float32")'], dt_out="float32")
    case("correlate", [1, 2, 3], "uint8", tolist(np.correlate(np.uint8([1, 2, 3]), np.int8([-1, 2]), "full")),
         args=['A({-1, 2}, "int8")'], opts='{mode = "full"}', dt_out="int16")
    za = np.array([1 + 1j, 2 - 0.5j, -1j])
    zv = np.array([1j, 2, 3 - 1j, 0.5])
    for dt in ("complex128", "complex64"):
        A2 = "A(%s, %s)" % (lua(pairs(zv)), lua(dt))
        for mode in ("full", "same", "valid"):
            for f in ("convolve", "correlate"):
                case(f, pairs(za), dt, pairs(getattr(np, f)(za.astype(dt), zv.astype(dt), mode)), args=[A2],
                     opts='{mode = "%s"}' % mode, dt_out=dt)
                case(f, pairs(zv), dt, pairs(getattr(np, f)(zv.astype(dt), za.astype(dt), mode)),
                     args=["A(%s, %s)" % (lua(pairs(za)), lua(dt))], opts='{mode = "%s"}' % mode, dt_out=dt)


def complex_order_cases():
    """NumPy's complex order: sort, argsort, sort_complex, unique."""
    z = np.array([complex(1, NAN), complex(NAN, 1), 1, complex(0, NAN), complex(NAN, NAN), 1 - 1j,
                  complex(-0.0, 0), complex(0, -0.0), 2, 1 + 2j, -3 + 0.5j])
    for dt in ("complex128", "complex64"):
        zz = z.astype(dt)
        case("sort", pairs(zz), dt, pairs(np.sort(zz, kind="stable")), dt_out=dt)
        case("argsort", pairs(zz), dt, tolist(np.argsort(zz, kind="stable") + 1), dt_out="int64")
        case("sort_complex", pairs(zz), dt, pairs(np.sort_complex(zz)), dt_out=dt)
        u, idx, inv, cnt = np.unique(zz, return_index=True, return_inverse=True, return_counts=True)
        case("unique", pairs(zz), dt, [pairs(u), tolist(idx + 1), tolist(inv + 1), tolist(cnt)],
             opts="{return_index = true, return_inverse = true, return_counts = true}")
        case("unique_values", pairs(zz), dt, pairs(np.unique(zz, equal_nan=False)), dt_out=dt)
    z2 = np.array([[3 + 1j, 3 - 1j, -2j], [0.5, 1j, 1j]])
    for axis, npax in ((1, 0), (2, 1), (-1, -1)):
        case("sort", pairs(z2), "complex128", pairs(np.sort(z2, axis=npax, kind="stable")), args=[str(axis)])
        case("argsort", pairs(z2), "complex128", tolist(np.argsort(z2, axis=npax, kind="stable") + 1), args=[str(axis)])
    case("unique", pairs(z2), "complex128", pairs(np.unique(z2, axis=1)), opts="{axis = 2}")
    for dt, vals in (("int8", [5, -3, 0]), ("uint8", [200, 3]), ("int16", [[4, 1], [-2, 0]]), ("int32", [9, 1]),
                     ("float32", [2.5, NAN, -1.0]), ("float16", [1.0, 0.5]), ("bool", [True, False]),
                     ("float64", [[3.0, 1.0], [NAN, 0.0]])):
        r = np.sort_complex(arr(vals, dt))
        case("sort_complex", vals, dt, pairs(r), dt_out=r.dtype.name)


def add_at_cases():
    """add_at(x, indices, values): x afterwards (the rows' out)."""
    for dt, x, idx, v in (("float64", [0.0, 1.0, 2.0, 3.0], [1, 1, 4, -1, 1], [0.5, 1.0, 2.0, 4.0, 8.0]),
                          ("int8", [100, 0, -5], [1, 1, 3], [20, 7, -128]),
                          ("uint8", [250, 1], [1, 1, 2], [3, 4, 255]),
                          ("float16", [0.0, 0.5], [2, 2, 2], [0.1, 0.1, 0.1]),
                          ("bool", [False, True, False], [1, 1, 3], [True, False, False]),
                          ("int64", [[1, 2], [3, 4], [5, 6]], [3, 1, 3], [[10, 20], [1, 1], [100, 200]])):
        a = np.array(x, dtype=dt)
        np.add.at(a, np.array([i - 1 if i > 0 else i for i in idx]), np.array(v, dtype=dt))
        case("add_at", x, dt, tolist(a), args=["A(%s, \"int64\")" % lua(idx), "A(%s, %s)" % (lua(v), lua(dt))])
    a = np.zeros((3, 2))
    np.add.at(a, [2, 2], 1.5)
    case("add_at", np.zeros((3, 2)).tolist(), "float64", tolist(a), args=["{3, 3}", "1.5"])


def topk_cases():
    x = [[1.0, 5.0, NAN, 5.0], [9.0, 0.0, 2.0, -1.0]]
    for k in (0, 1, 2, 4):
        order = [desc_order(r)[:k] for r in x]
        vals = [[x[i][j] for j in o] for i, o in enumerate(order)]
        case("topk", x, "float64", [vals, [[j + 1 for j in o] for o in order]], args=[str(k)])
        asc = [np.argsort(r, kind="stable")[:k].tolist() for r in x]
        case("topk", x, "float64", [[[x[i][j] for j in o] for i, o in enumerate(asc)], [[j + 1 for j in o] for o in asc]],
             args=[str(k)], opts="{largest = false}")
    xi = [[3, 1], [2, 8], [5, 5]]
    o = np.argsort(-np.array(xi), axis=0, kind="stable")[:2]
    case("topk", xi, "int32", [tolist(np.take_along_axis(np.array(xi), o, 0)), tolist(o + 1)], args=["2", "1"])
    y = [4.0, 1.0, 3.0, NAN, 2.0]
    for kth in (1, 3, -1):
        kk = kth - 1 if kth > 0 else kth
        p = np.partition(y, kk)
        case("partition", y, "float64", float(p[kk]), args=[str(kth)], label="kth")
    case("lexsort", [1, 2, 1, 2], "int64", tolist(np.lexsort([[1, 2, 1, 2], [2, 1, 1, 2]]) + 1),
         args=["A({2, 1, 1, 2}, \"int64\")"])


def quantile_cases():
    x = [3.0, 1.0, 4.0, 1.5, 9.0, 2.0, 6.0]
    x2 = [[3.0, 1.0, 4.0, 8.0], [1.5, 9.0, 2.0, 0.5], [6.0, 5.0, -1.0, 7.0]]
    xn = [[3.0, NAN, 4.0, 8.0], [NAN, NAN, NAN, NAN], [6.0, 5.0, -1.0, NAN]]
    for dt in ("float64", "float32", "float16", "int32", "bool"):
        vals = [True, False, True, True] if dt == "bool" else x
        a = arr(vals, dt)
        rdt = dt if dt.startswith("float") else "float64"
        case("median", vals, dt, float(np.median(a)))
        if dt == "bool":  # NumPy interpolates no booleans (it cannot subtract them)
            continue
        for m in ("linear", "lower", "higher", "nearest", "midpoint"):
            case("quantile", vals, dt, tolist(np.quantile(a, [0.0, 0.3, 0.5, 0.99, 1.0], method=m).astype(rdt)),
                 args=["{0.0, 0.3, 0.5, 0.99, 1.0}"], opts='{method = "%s"}' % m, dt_out=rdt)
        case("percentile", vals, dt, float(np.percentile(a, 37.5)), args=["37.5"])
    a2 = np.array(x2)
    for ax, npax in ((1, 0), (2, 1), (-1, -1)):
        case("median", x2, "float64", tolist(np.median(a2, axis=npax)), args=[str(ax)])
        case("median", x2, "float64", tolist(np.median(a2, axis=npax, keepdims=True)), args=[str(ax)],
             opts="{keepdims = true}")
        case("quantile", x2, "float64", tolist(np.quantile(a2, [0.25, 0.75], axis=npax)), args=["{0.25, 0.75}", str(ax)])
        case("percentile", x2, "float32", tolist(np.percentile(np.float32(a2), 40, axis=npax)), args=["40", str(ax)],
             dt_out="float32")
    an = np.array(xn)
    case("median", xn, "float64", tolist(np.median(an, axis=1)), args=["2"])
    case("quantile", xn, "float64", float(np.quantile(an, 0.5)), args=["0.5"])
    for ax, npax in ((1, 0), (2, 1)):
        case("nanmedian", xn, "float64", tolist(np.nanmedian(an, axis=npax)), args=[str(ax)])
        for m in ("linear", "lower", "higher", "nearest", "midpoint"):
            case("nanquantile", xn, "float64", tolist(np.nanquantile(an, [0.2, 0.5, 1.0], axis=npax, method=m)),
                 args=["{0.2, 0.5, 1.0}", str(ax)], opts='{method = "%s"}' % m)
        case("nanpercentile", xn, "float32", tolist(np.nanpercentile(np.float32(an), 30, axis=npax)),
             args=["30", str(ax)], dt_out="float32")
    case("nanmedian", xn, "float64", float(np.nanmedian(an)))
    case("nanmedian", [1, 4, 2], "int16", float(np.nanmedian(np.int16([1, 4, 2]))))
    case("median", x2, "float64", tolist(np.median(a2.T, axis=0)), args=["1"], v="T")


def main():
    sort_cases()
    search_cases()
    unique_cases()
    unique_axis_cases()
    unique_api_cases()
    count_cases()
    histogram_more_cases()
    convolve_cases()
    complex_order_cases()
    add_at_cases()
    topk_cases()
    quantile_cases()
    text = ("-- Generated by tools/gen_sort_rows.py from NumPy %s; do not edit.\n"
            "-- {f, x, dtype, view, args, opts, out, dt_out}: cu[f](view(A(x, dtype)), args..., opts)\n"
            "-- gives out (a list of results for several), of dtype dt_out when given.\n"
            "return function(A, NAN, INF)\n return {\n%s\n }\nend\n" % (np.__version__, "\n".join(ROWS)))
    write_or_check(OUT, text, "tools/gen_sort_rows.py")


main()
