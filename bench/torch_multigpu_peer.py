#!/usr/bin/env python3
"""PyTorch's figures for the rows bench/multigpu.lua prints, measured the same way.

    python3 bench/torch_multigpu_peer.py peer [MiB]
    python3 -m torch.distributed.run --nproc_per_node=2 bench/torch_multigpu_peer.py allreduce [MiB_max]

peer: t.to("cuda:1") and back of a 1 GiB float32 tensor, wall clock around the copy and a
synchronisation of both devices, median of 20 after 3 warm-ups. allreduce: float32
torch.distributed.all_reduce (sum, in place, NCCL backend) from 1 MiB to 1 GiB; CUDA events
around a loop of back-to-back operations, the median of 5 loops; bus bandwidth
size / time * 2 (n - 1) / n. Rank 0 prints JSON lines {"lib": "torch", "op": ..., "ms": ...}.
"""
import json
import os
import statistics
import sys
import time

import torch

MiB = 1 << 20


def emit(op, ms, key, value):
    print(json.dumps({"lib": "torch", "op": op, "ms": round(ms, 4), key: round(value, 2)}), flush=True)


def size_name(nbytes):
    return f"{nbytes >> 30}GiB" if nbytes >= 1 << 30 else f"{nbytes >> 20}MiB"


def peer(nbytes):
    assert torch.cuda.device_count() >= 2, "needs two GPUs"
    print(f"peer access between cuda:0 and cuda:1: {torch.cuda.can_device_access_peer(0, 1)}",
          file=sys.stderr)
    for src, dst in ((0, 1), (1, 0)):
        a = torch.ones(nbytes // 4, dtype=torch.float32, device=f"cuda:{src}")
        times = []
        for rep in range(23):
            torch.cuda.synchronize(src)
            torch.cuda.synchronize(dst)
            t0 = time.perf_counter()
            b = a.to(f"cuda:{dst}")
            torch.cuda.synchronize(src)
            torch.cuda.synchronize(dst)
            t = time.perf_counter() - t0
            if rep >= 3:
                times.append(t)
            del b
        s = statistics.median(times)
        emit(f"peer_copy_{src}to{dst}_{size_name(nbytes)}", s * 1e3, "GBps", nbytes / s / 1e9)


def allreduce(top):
    import torch.distributed as dist
    local_rank = int(os.environ["LOCAL_RANK"])
    torch.cuda.set_device(local_rank)
    dist.init_process_group("nccl", device_id=torch.device("cuda", local_rank))
    rank, n = dist.get_rank(), dist.get_world_size()
    x = torch.ones(top // 4, dtype=torch.float32, device="cuda")
    nbytes = MiB
    while nbytes <= top:
        view = x[: nbytes // 4]
        iters = max(10, min(200, (4 << 30) // nbytes))
        for _ in range(5):
            dist.all_reduce(view)
        times = []
        for _ in range(5):
            e0, e1 = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            e0.record()
            for _ in range(iters):
                dist.all_reduce(view)
            e1.record()
            e1.synchronize()
            times.append(e0.elapsed_time(e1) / iters)
        ms = statistics.median(times)
        if rank == 0:
            emit(f"allreduce_f32_{size_name(nbytes)}", ms, "busbw_GBps",
                 nbytes / (ms / 1e3) / 1e9 * 2 * (n - 1) / n)
        nbytes *= 2
    torch.cuda.synchronize()
    dist.destroy_process_group()


if __name__ == "__main__":
    mode = sys.argv[1] if len(sys.argv) > 1 else ""
    size = int(sys.argv[2]) * MiB if len(sys.argv) > 2 else 1024 * MiB
    if mode == "peer":
        peer(size)
    elif mode == "allreduce":
        allreduce(size)
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
