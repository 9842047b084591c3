#!/usr/bin/env python3
"""The end-to-end rows of bench/bench.lua (e2e_*) through CuPy and PyTorch on the same GPU.

Each row is a whole script's time on the host clock, ending in a read to the host or a
synchronisation, temporaries left to the library's allocator; medians of 20 after warm-up.
Prints {"lib": "cupy"|"torch", "op": NAME, "ms": value} per line, as .gpu/peers.py does.
Usage: python3 bench/e2e_peers.py [--only cupy|torch] > e2e.jsonl
"""
import json, statistics, sys, time

REPS, WARMUP, S = 20, 3, 4096


def emit(lib, op, ms):
    print(json.dumps({"lib": lib, "op": op, "ms": round(ms, 4)}), flush=True)


def e2e(lib, sync, name, fn):
    for _ in range(WARMUP):
        fn()
    sync()
    ts = []
    for _ in range(REPS):
        t0 = time.perf_counter(); fn(); sync(); ts.append((time.perf_counter() - t0) * 1e3)
    emit(lib, name, statistics.median(ts))


def run(lib):
    if lib == "cupy":
        import cupy as xp
        sync = xp.cuda.Device().synchronize
        rand = lambda shape: xp.random.random(shape, dtype=xp.float32)
        to_host = lambda a: a.get()
        amax = lambda a: a.max(axis=1, keepdims=True)
        asum = lambda a: a.sum(axis=1, keepdims=True)
    else:
        import torch as xp
        xp.backends.cuda.matmul.allow_tf32 = False
        sync = xp.cuda.synchronize
        rand = lambda shape: xp.rand(shape, dtype=xp.float32, device="cuda")
        to_host = lambda a: a.cpu().numpy()
        amax = lambda a: a.amax(dim=1, keepdim=True)
        asum = lambda a: a.sum(dim=1, keepdim=True)

    def seed():
        x = rand((1000, 1000))
        return to_host(x @ x)
    e2e(lib, sync, "e2e_seed_1000", seed)

    x = rand((S, S))

    def softmax():
        e = xp.exp(x - amax(x))
        return e / asum(e)
    e2e(lib, sync, f"e2e_softmax_{S}", softmax)

    u = rand((S, S))

    def stencil():
        u[1:-1, 1:-1] = (u[:-2, 1:-1] + u[2:, 1:-1] + u[1:-1, :-2] + u[1:-1, 2:]) * 0.25
    e2e(lib, sync, f"e2e_stencil_{S}", stencil)

    w = rand(1000)

    def chain():
        y = w
        for _ in range(10):
            y = y * 1.0001 + w
        return float(y.sum())
    e2e(lib, sync, "e2e_chain_1000", chain)


if __name__ == "__main__":
    libs = ([sys.argv[sys.argv.index("--only") + 1]] if "--only" in sys.argv else
            ["cupy", "torch"])
    for lib in libs:
        try:
            run(lib)
        except Exception as e:  # one peer missing must not hide the other's rows
            print(json.dumps({"lib": lib, "error": repr(e)[:300]}), flush=True)
