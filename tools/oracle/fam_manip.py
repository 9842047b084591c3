"""Array manipulation cases: pad, roll, tile, repeat_interleave, diff (copies) and rot90,
moveaxis, split and sliding_window_view (views: a write through the result must reach the
base, as NumPy's does), on random shapes, dtypes and layouts, with Lua's 1-based axes."""
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from common import Expect, Raises, outcome, random_shape
from fam_shape import axis_arg, expect_array, view_check


def lua_list(values):
    return "{" + ", ".join(str(v) for v in values) + "}"


def pad_np2(x, widths, mode):
    """np.pad as NumPy 2 pads: since NumPy 1.25 "wrap" repeats the data periodically when a pad
    is wider than the axis (NumPy 1.24 wraps the partly padded array instead)."""
    if mode != "wrap" or x.size == 0:
        return np.pad(x, widths, mode)
    for ax, (before, after) in enumerate(widths):
        n = x.shape[ax]
        x = np.take(x, np.arange(-before, n + after) % n, axis=ax)
    return x


def copy_case(case):
    dt = case.dtype()
    case.dtypes = [dt]
    shape = random_shape(case, case.pick([1, 1, 2, 2, 3]))
    nd = len(shape)
    op = case.pick(["pad", "roll", "tile", "repeat", "diff"])
    case.op = op
    a, x, _, _ = case.operand(shape, dt)
    if op == "pad":
        mode = case.pick(["constant", "edge", "reflect", "symmetric", "wrap"])
        widths = [(case.randint(0, 4), case.randint(0, 4)) for _ in range(nd)]
        lua_w = "{" + ", ".join(lua_list(w) for w in widths) + "}"
        res = outcome(lambda: pad_np2(x, widths, mode))
        expr = 'cu.pad(%s, %s, "%s")' % (a, lua_w, mode)
    elif op == "roll":
        shift = case.randint(-7, 7)
        if case.chance(0.3):
            res = np.roll(x, shift)
            expr = "cu.roll(%s, %d)" % (a, shift)
        else:
            ax = case.randint(0, nd - 1)
            res = np.roll(x, shift, ax)
            expr = "cu.roll(%s, %d, %s)" % (a, shift, axis_arg(case, ax, nd))
    elif op == "tile":
        reps = [case.randint(0, 3) for _ in range(case.randint(1, 3))]
        res = np.tile(x, reps)
        expr = "cu.tile(%s, %s)" % (a, lua_list(reps))
    elif op == "repeat":
        ax = case.randint(0, nd - 1)
        if case.chance(0.5):
            reps = case.randint(0, 3)
            lua_r = str(reps)
        else:
            reps = [case.randint(0, 3) for _ in range(shape[ax])]
            lua_r = lua_list(reps) if reps else "0"
            reps = reps or 0
        if case.chance(0.3):
            if isinstance(reps, list) and len(reps) != x.size:
                reps = 1
                lua_r = "1"
            res = np.repeat(x, reps)
            expr = "cu.repeat_interleave(%s, %s)" % (a, lua_r)
        else:
            res = np.repeat(x, reps, ax)
            expr = "cu.repeat_interleave(%s, %s, %s)" % (a, lua_r, axis_arg(case, ax, nd))
    else:
        n = case.randint(0, 3)
        ax = case.randint(0, nd - 1)
        res = outcome(lambda: np.diff(x, n, ax))
        expr = "cu.diff(%s, %d, %s)" % (a, n, axis_arg(case, ax, nd))
    case.ret(expr, expect_array(res))
    return case


def view_case(case):
    dt = case.dtype()
    case.dtypes = [dt]
    shape = random_shape(case, case.pick([1, 2, 2, 3, 3]))
    nd = len(shape)
    ops = ["moveaxis", "split", "sliding_window_view"] + (["rot90"] if nd >= 2 else [])
    op = case.pick(ops)
    case.op = op
    a, x, ab, xb = case.operand(shape, dt)
    if op == "rot90":
        k = case.randint(-5, 5)
        i, j = case.pick([(0, 1), (1, 0), (0, nd - 1), (nd - 1, nd - 2)])
        res = outcome(lambda: np.rot90(x, k, (i, j)))
        expr = "cu.rot90(%s, %d, {%s, %s})" % (a, k, axis_arg(case, i, nd), axis_arg(case, j, nd))
    elif op == "moveaxis":
        s, d = case.randint(0, nd - 1), case.randint(0, nd - 1)
        res = np.moveaxis(x, s, d)
        expr = "cu.moveaxis(%s, %s, %s)" % (a, axis_arg(case, s, nd), axis_arg(case, d, nd))
    elif op == "split":
        ax = case.randint(0, nd - 1)
        points = sorted(case.randint(0, shape[ax] + 1) for _ in range(case.randint(0, 3)))
        parts = np.split(x, points, ax)
        pick = case.randint(0, len(parts) - 1)
        res = parts[pick]
        expr = "cu.split(%s, %s, %s)[%d]" % (a, lua_list(points) if points else "{}",
                                            axis_arg(case, ax, nd), pick + 1)
    else:
        ax = case.randint(0, nd - 1)
        w = case.randint(0, shape[ax] + 1)
        res = outcome(lambda: sliding_window_view(x, w, ax))
        expr = "cu.lib.stride_tricks.sliding_window_view(%s, %d, %s)" % (
            a, w, axis_arg(case, ax, nd))
    if isinstance(res, Raises):
        case.ret(expr, res)
        return case
    r = case.local(expr, "r")
    case.ret(r, Expect("array", res))
    if "layout:bcast" not in case.tags:
        view_check(case, r, res, ab, xb)
    return case


FAMILIES = [(copy_case, 4), (view_case, 4)]
