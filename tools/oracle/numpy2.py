"""Where Debian's NumPy 1.24 (even in NEP 50 mode) differs from NumPy 2, the oracle: each
function here gives NumPy 2's answer. Nothing here is a deviation of cuarray's."""
import numpy as np

from common import Raises, int_range, is_int

COMPARISONS = {"equal", "not_equal", "less", "less_equal", "greater", "greater_equal"}


def py_int_out_of_range(dt, v):
    """A Python int that NumPy 2 refuses to convert to an integer dtype (OverflowError)."""
    if isinstance(v, bool) or not isinstance(v, int) or not is_int(dt):
        return False
    lo, hi = int_range(dt)
    return v < lo or v > hi


def compare_python_int(npname, arr, v, scalar_first):
    """NumPy 2 compares an integer array with an out-of-range Python int by value (1.24 raises):
    every element lies on one side of it."""
    x = np.asarray(arr)
    vals = x.astype(object)
    ops = {"equal": lambda p, q: p == q, "not_equal": lambda p, q: p != q,
           "less": lambda p, q: p < q, "less_equal": lambda p, q: p <= q,
           "greater": lambda p, q: p > q, "greater_equal": lambda p, q: p >= q}
    f = ops[npname]
    flat = [f(v, int(e)) if scalar_first else f(int(e), v) for e in vals.reshape(-1)]
    return np.array(flat, dtype=bool).reshape(x.shape)


def binary(npname, fn, x, y):
    """fn(x, y) as NumPy 2 computes it."""
    if npname in COMPARISONS:
        if isinstance(y, int) and not isinstance(y, bool) and isinstance(x, np.ndarray) \
                and py_int_out_of_range(x.dtype.name, y):
            return compare_python_int(npname, x, y, False)
        if isinstance(x, int) and not isinstance(x, bool) and isinstance(y, np.ndarray) \
                and py_int_out_of_range(y.dtype.name, x):
            return compare_python_int(npname, y, x, True)
    return fn(x, y)


# NumPy 2 (since 2.1) keeps integer dtypes through floor, ceil and trunc; 1.24 gives floats.
INT_PRESERVING = {"floor", "ceil", "trunc"}


def unary(npname, fn, x):
    if npname in INT_PRESERVING:
        if isinstance(x, np.ndarray) and is_int(x.dtype.name):
            return x.copy()
        if isinstance(x, int) and not isinstance(x, bool):
            return np.array(x, dtype=np.int64)
    return fn(x)


def where(cond, x, y):
    """NumPy 2's where promotes its operands as weak scalars (NEP 50); 1.24 makes Python
    scalars int64 / float64 arrays first."""
    dt = np.result_type(x, y)
    for v in (x, y):
        if not isinstance(v, np.ndarray):
            bad = check_python_ints(dt.name, [v])
            if bad:
                return bad
    return np.where(cond, np.asarray(x, dtype=dt), np.asarray(y, dtype=dt))


def check_python_ints(dt, values):
    """NumPy 2 raises converting an out-of-range Python int (1.24 wraps, as for np.full)."""
    for v in values:
        if py_int_out_of_range(dt, v):
            return Raises("OverflowError: Python integer %d out of bounds for %s" % (v, dt))
    return None


def copyto_same_kind(dst, src):
    """np.copyto(dst, src, casting="same_kind") as NumPy 2 casts: by dtype alone (1.24 still
    lets a 0-d source cast by its value, int16 -32767 into uint8 for one)."""
    src = np.asarray(src)
    if not np.can_cast(src.dtype, dst.dtype, "same_kind"):
        raise TypeError("Cannot cast array data from dtype('%s') to dtype('%s') according to "
                        "the rule 'same_kind'" % (src.dtype, dst.dtype))
    np.copyto(dst, src, casting="same_kind")


def linspace_int(a):
    """NumPy 2's linspace floors into integer dtypes (1.24 truncates)."""
    return np.floor(a)
