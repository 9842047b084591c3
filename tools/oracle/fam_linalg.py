"""Linear algebra cases: matmul (1-d, 2-d and batched operands with broadcast batch dims, out),
dot, inner, outer, vdot and linalg.norm (vector and matrix orders, axis, keepdims; complex
input too, whose 2, -2 and 'nuc' matrix norms come from a complex SVD), on every dtype and
layout. Float products are compared within the reordering bound of tolerances.py."""
import numpy as np

import deviations
import tolerances
from common import COMPLEX, DTYPES, FLOATS, INTS, Expect, Raises, is_unsigned, outcome, random_shape


def small_values(case, dt):
    if dt == "bool":
        return case.chance(0.5)
    if dt in INTS:
        return case.randint(0, 6) if is_unsigned(dt) else case.randint(-4, 5)
    if case.chance(0.03):
        return case.pick([float("nan"), float("inf")])
    if dt in COMPLEX:
        return complex(case.randint(-12, 12) / 4.0, case.randint(-12, 12) / 4.0)
    return case.randint(-12, 12) / 4.0


def product_bound(fn, x, y, rdt):
    """SUM_FACTOR * eps * k * max(|x| op |y|), from float64 copies (k: the terms summed)."""
    if rdt not in FLOATS:
        return 0.0
    ax = np.abs(np.nan_to_num(np.asarray(x, dtype=np.float64), posinf=0, neginf=0))
    ay = np.abs(np.nan_to_num(np.asarray(y, dtype=np.float64), posinf=0, neginf=0))
    m = fn(ax, ay)
    k = max(1, max(np.shape(x)[-1:] or [1]))
    return float(tolerances.SUM_FACTOR * tolerances.EPS[rdt] * k * (np.max(m) if np.size(m)
                                                                      else 0.0))


def shapes_for(case, name):
    k = case.randint(0, 4)
    m, n = case.randint(1, 4), case.randint(1, 4)
    if case.chance(0.05):
        m = 0
    u = case.rng.random()
    if name in ("outer", "vdot"):
        s1 = random_shape(case, case.randint(0, 2))
        s2 = random_shape(case, case.randint(0, 2))
        if name == "vdot":
            s2 = s1 if case.chance(0.8) else s2
        return s1, s2
    if name == "inner":
        lead1 = random_shape(case, case.randint(0, 2), maxdim=3)
        lead2 = random_shape(case, case.randint(0, 2), maxdim=3)
        s1, s2 = lead1 + (k,), lead2 + (k,)
        if case.chance(0.05):
            s2 = lead2 + (k + 1,)
        return s1, s2
    if u < 0.2:
        s1, s2 = (k,), (k,)
    elif u < 0.35:
        s1, s2 = (m, k), (k,)
    elif u < 0.5:
        s1, s2 = (k,), (k, n)
    elif u < 0.75:
        s1, s2 = (m, k), (k, n)
    else:
        b1 = random_shape(case, case.randint(1, 2), maxdim=3)
        b2 = tuple(d if case.chance(0.6) else 1 for d in b1[case.randint(0, len(b1)):])
        s1, s2 = b1 + (m, k), b2 + (k, n)
        if name == "dot":
            s2 = (k, n) if case.chance(0.5) else s2
    if case.chance(0.06):
        s2 = s2[:-2] + (s2[-2] + 1,) + s2[-1:] if len(s2) >= 2 else (s2[0] + 1,)
    return s1, s2


def product_case(case):
    name = case.pick(["matmul", "matmul", "matmul", "dot", "dot", "inner", "outer", "vdot"])
    case.op = name
    d1, d2 = case.dtype(), case.dtype()
    if case.chance(0.5):
        d2 = d1
    case.dtypes = [d1, d2]
    s1, s2 = shapes_for(case, name)
    a, x, _, _ = case.operand(s1, d1, small_values, name="a")
    b, y, _, _ = case.operand(s2, d2, small_values, name="b")
    fn = {"matmul": np.matmul, "dot": np.dot, "inner": np.inner, "outer": np.outer,
          "vdot": np.vdot}[name]
    res = outcome(lambda: fn(x, y))
    form = "cu.%s(%s, %s)" % (name, a, b)
    if name in ("matmul", "dot") and case.chance(0.3):
        form = "%s:%s(%s)" % (a, name, b)
    if isinstance(res, Raises):
        case.ret(form, res)
        return case
    res = np.asarray(res)
    rdt = res.dtype.name
    if name in ("outer",):
        atol = 0.0
    else:
        mag = {"matmul": np.matmul, "dot": np.dot, "inner": np.inner,
               "vdot": lambda p, q: np.sum(p.reshape(-1) * q.reshape(-1))}[name]
        atol = outcome(lambda: product_bound(mag, x, y, rdt))
        if isinstance(atol, Raises):
            atol = 0.0
    if name == "matmul" and case.chance(0.2):
        o, onp, _, _ = case.operand(res.shape, rdt, layout=case.pick(["c", "T", "step"]),
                                    name="o")
        case.variant = "out"
        form = "cu.matmul(%s, %s, {out = %s})" % (a, b, o)
    # one value (two vectors, vdot): a Lua value, as full reductions give
    kind = "either" if name == "vdot" or res.ndim == 0 else "array"
    case.ret(form, Expect(kind, res, atol=atol, zero_sign=rdt not in FLOATS))
    return case


def norm_case(case):
    case.op = "norm"
    dt = case.dtype([d for d in DTYPES if d != "bool"] + COMPLEX)
    case.dtypes = [dt]
    nd = case.pick([1, 1, 2, 2, 3])
    shape = random_shape(case, nd, allow_zero=False)
    a, x, _, _ = case.operand(shape, dt, small_values)
    args = [a]
    kw = {}
    u = case.rng.random()
    axis = None
    if u < 0.4:
        if nd <= 2 or case.chance(0.3):
            ords = [None, 1, 2, 0, -1, 3, "inf", "-inf"] if nd == 1 else \
                [None, "fro", 1, -1, "inf", "-inf", 2, -2, "nuc"]
            ord_ = case.pick(ords)
            args.append("nil" if ord_ is None else ('"%s"' % ord_ if isinstance(ord_, str)
                                                    else str(ord_)))
            kw["ord"] = {"inf": np.inf, "-inf": -np.inf}.get(ord_, ord_)
    elif u < 0.8:
        k = 1 if case.chance(0.6) else min(2, nd)
        axis = sorted(case.rng.sample(range(nd), k))
        ord_ = case.pick([None, 1, 2, "inf"]) if k == 1 else \
            case.pick([None, "fro", 1, "inf", 2, -2, "nuc"])
        args.append("nil" if ord_ is None else ('"%s"' % ord_ if isinstance(ord_, str)
                                                else str(ord_)))
        kw["ord"] = {"inf": np.inf}.get(ord_, ord_)
        deviations.use("axes-from-one")
        args.append(str(axis[0] + 1) if k == 1 else "{%s}" % ", ".join(str(q + 1) for q in axis))
        kw["axis"] = axis[0] if k == 1 else tuple(axis)
    if case.chance(0.25):
        kw["keepdims"] = True
        args.append("{keepdims = true}")
    res = outcome(lambda: np.linalg.norm(x, **kw))
    expr = "cu.linalg.norm(%s)" % ", ".join(args)
    if isinstance(res, Raises):
        case.ret(expr, res)
        return case
    res = np.asarray(res)
    rdt = res.dtype.name
    if rdt not in FLOATS:
        return None
    mag = np.abs(np.nan_to_num(x.astype(np.complex128 if dt in COMPLEX else np.float64),
                               posinf=0, neginf=0))
    bound = tolerances.SUM_FACTOR * tolerances.EPS[rdt] * max(1, x.size) * \
        float(np.max(mag) if mag.size else 0) * 2
    kind = "either" if res.ndim == 0 and not kw.get("keepdims") else "array"
    case.ret(expr, Expect(kind, res, ulps=tolerances.ulps("norm", rdt),
                          gulps=tolerances.ulps("norm", rdt, "cuda"), atol=bound,
                          zero_sign=False))
    return case


FAMILIES = [(product_case, 10), (norm_case, 4)]
