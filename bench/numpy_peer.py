#!/usr/bin/python3
"""NumPy figures for bench/bench.lua --device cpu: the same workloads at the CPU sizes.

Prints one JSON object per line, {"lib": "numpy", "op": NAME, "ms"|"us": value}, medians of
20 repeats (5 for float64 matmul) after warm-up, timed with a monotonic clock.
Usage: /usr/bin/python3 bench/numpy_peer.py [--quick] > numpy.jsonl
(The pyenv python3 on the development machines lacks NumPy; Debian's /usr/bin/python3 has it.)
"""
import json, statistics, sys, time
import numpy as np

QUICK = "--quick" in sys.argv
N, M, MATMUL, REPS, SLOW, LOOP = ((1 << 12, 64, (16, 32), 3, 2, 200) if QUICK else
                                  (1 << 24, 4096, (256, 512, 1024), 20, 5, 20000))


def emit(op, **kv):
    print(json.dumps(dict(lib="numpy", op=op, **{k: round(v, 4) for k, v in kv.items()})),
          flush=True)


def t(fn, reps=REPS):
    for _ in range(3):
        fn()
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter(); fn(); ts.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(ts)


rng = np.random.default_rng(0)
a = rng.random(N, dtype=np.float32); b = rng.random(N, dtype=np.float32); c = np.empty_like(a)
m = a[: M * M].reshape(M, M); v = b[:M]
emit("add_f32", ms=t(lambda: np.add(a, b, out=c)))
emit("add_f32_alloc", ms=t(lambda: a + b))
emit("axpb_f32", ms=t(lambda: a * 2 + b))
emit("exp_f32", ms=t(lambda: np.exp(a, out=c)))
emit("hypot_f32", ms=t(lambda: np.hypot(a, b, out=c)))
emit("logaddexp_f32", ms=t(lambda: np.logaddexp(a, b, out=c)))
emit("modf_f32", ms=t(lambda: np.modf(a)))
emit("bcast_add_f32", ms=t(lambda: m + v))
emit("sum_f32", ms=t(lambda: a.sum()))
emit("max_f32", ms=t(lambda: a.max()))
emit("sum_axis_f32", ms=t(lambda: m.sum(axis=1)))
emit("transpose_f32", ms=t(lambda: np.ascontiguousarray(m.T)))
emit("slice_step2_f32", ms=t(lambda: a[::2].copy()))
emit("rand_f32", ms=t(lambda: rng.random(N, dtype=np.float32)))
emit("randn_f32", ms=t(lambda: rng.standard_normal(N, dtype=np.float32)))
for n in MATMUL:
    x = rng.random((n, n), dtype=np.float32); y = rng.random((n, n), dtype=np.float32)
    emit(f"matmul_f32_{n}", ms=t(lambda: x @ y))
    xd, yd = x.astype(np.float64), y.astype(np.float64)
    emit(f"matmul_f64_{n}", ms=t(lambda: xd @ yd, reps=SLOW))
S = 12 if QUICK else 22  # bench.lua's CPU size for the stats and sort rows
xn = rng.random(1 << S, dtype=np.float32); xn[::7] = np.nan
emit(f"nansum_f32_2p{S}", ms=t(lambda: np.nansum(xn)))
emit(f"nanmax_f32_2p{S}", ms=t(lambda: np.nanmax(xn)))
emit(f"permutation_2p{S}", ms=t(lambda: rng.permutation(1 << S)))
# Sorting and order statistics (bench/bench.lua's CPU sizes under the peers' names).
SN, RM, RN = ((1 << 12, 16, 256) if QUICK else (1 << 22, 1024, 4096))
x = rng.random(SN, dtype=np.float32); m = rng.random((RM, RN), dtype=np.float32)
emit("sort_f32_2p26", ms=t(lambda: np.sort(x), reps=SLOW))
emit("argsort_f32_2p26", ms=t(lambda: np.argsort(x, kind="stable"), reps=SLOW))
emit("sort_rows_f32_16384x4096", ms=t(lambda: np.sort(m, axis=-1), reps=SLOW))
hay, q = np.sort(x), rng.random(SN // 4, dtype=np.float32)
emit("searchsorted_2p24_in_2p26", ms=t(lambda: np.searchsorted(hay, q)))
u = rng.integers(0, 1 << 20, SN, dtype=np.int32)
emit("unique_i32_2p26", ms=t(lambda: np.unique(u), reps=SLOW))
emit("unique_counts_i32_2p26", ms=t(lambda: np.unique(u, return_counts=True), reps=SLOW))
emit("topk_rows_16384x4096_k16", ms=t(lambda: np.sort(np.partition(m, RN - 16, axis=-1)[:, -16:], axis=-1), reps=SLOW))
bi = rng.integers(0, 1024, SN, dtype=np.int32)
emit("bincount_2p26_1024", ms=t(lambda: np.bincount(bi, minlength=1024)))
emit("histogram_f32_2p26_256", ms=t(lambda: np.histogram(x, bins=256, range=(0, 1))))
emit("median_f32_2p26", ms=t(lambda: np.median(x), reps=SLOW))
emit("quantile_f32_2p24_q3", ms=t(lambda: np.percentile(x[: SN // 4], [25, 50, 75]), reps=SLOW))
# Layouts, mixed dtypes, selection and scans (bench.lua's layout rows at its CPU sizes; 1-based
# indices there are these 0-based ones).
SQ, R, C, LB, IB = ((64, 64, 32, 12, 10) if QUICK else (2048, 2048, 1024, 22, 20))
mq = rng.random((SQ, SQ), dtype=np.float32)
emit(f"add_transposed_f32_{SQ}", ms=t(lambda: mq.T + mq))
yl = rng.random((R, C), dtype=np.float32)
emit(f"mean_axis0_f32_{R}x{C}", ms=t(lambda: yl.mean(axis=0)))
emit(f"std_axis0_f32_{R}x{C}", ms=t(lambda: yl.std(axis=0)))
emit(f"argmax_axis1_f32_{R}x{C}", ms=t(lambda: yl.argmax(axis=1)))
emit(f"var_axis1_f32_{R}x{C}", ms=t(lambda: yl.var(axis=1)))
z = rng.random(1 << LB, dtype=np.float32)
emit(f"mask_select_f32_2p{LB}", ms=t(lambda: z[z > 0.5]))
idx = rng.integers(0, 1 << LB, 1 << IB)
emit(f"gather_f32_2p{IB}_of_2p{LB}", ms=t(lambda: z[idx]))
vals = rng.random(1 << IB, dtype=np.float32)


def scatter():
    z[idx] = vals


emit(f"scatter_f32_2p{IB}_into_2p{LB}", ms=t(scatter))
emit(f"cumsum_f32_2p{LB}", ms=t(lambda: np.cumsum(z)))
pi = rng.integers(0, 100, 1 << LB, dtype=np.int32)
emit(f"add_i32_f32_2p{LB}", ms=t(lambda: pi + z))
h16 = z.astype(np.float16)
emit(f"add_f16_2p{LB}", ms=t(lambda: h16 + h16))
# End to end (bench.lua's e2e rows at its CPU sizes): a whole script's time.
ES, SEED = ((64, 64) if QUICK else (1024, 1000))


def seed():
    xs = rng.random((SEED, SEED), dtype=np.float32)
    return np.dot(xs, xs).copy()


emit(f"e2e_seed_{SEED}", ms=t(seed))
xe = rng.random((ES, ES), dtype=np.float32)


def softmax():
    e = np.exp(xe - xe.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


emit(f"e2e_softmax_{ES}", ms=t(softmax))
ue = rng.random((ES, ES), dtype=np.float32)


def stencil():
    ue[1:-1, 1:-1] = (ue[:-2, 1:-1] + ue[2:, 1:-1] + ue[1:-1, :-2] + ue[1:-1, 2:]) * 0.25


emit(f"e2e_stencil_{ES}", ms=t(stencil))
we = rng.random(1000, dtype=np.float32)


def chain():
    yc = we
    for _ in range(10):
        yc = yc * 1.0001 + we
    return float(yc.sum())


emit("e2e_chain_1000", ms=t(chain))
x = np.ones(1000, dtype=np.float32); y = np.ones(1000, dtype=np.float32)
for name, fn in (("tiny_add_us", lambda: x + y), ("tiny_sum_us", lambda: x.sum())):
    for _ in range(min(1000, LOOP)):
        fn()
    t0 = time.perf_counter()
    for _ in range(LOOP):
        fn()
    emit(name, us=(time.perf_counter() - t0) / LOOP * 1e6)
