#!/usr/bin/env python3
"""Joins the JSON lines of bench/multigpu.lua and bench/torch_multigpu_peer.py into one table.

    python3 bench/multigpu_compare.py FILE.jsonl...   (or the lines on stdin)

Prints a Markdown table: each op with cuarray's and PyTorch's bandwidth (GB/s for the peer
copies, bus bandwidth for all_reduce) and cuarray's share of PyTorch's.
"""
import fileinput
import json


def main():
    rows = {}
    for line in fileinput.input():
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            r = json.loads(line)
        except ValueError:
            continue
        if r.get("lib") not in ("cuarray", "torch"):
            continue
        key = "GBps" if "GBps" in r else "busbw_GBps"
        if key not in r:
            continue
        rows.setdefault(r["op"], {})[r["lib"]] = r[key]
    if not rows:
        print("no benchmark lines")
        return
    print("| op | cuarray GB/s | PyTorch GB/s | cuarray / PyTorch |")
    print("| --- | ---: | ---: | ---: |")

    def order(op):
        size = op.rsplit("_", 1)[-1]
        scale = 1024 if size.endswith("GiB") else 1
        digits = "".join(c for c in size if c.isdigit()) or "0"
        return (op.split("_")[0], int(digits) * scale, op)

    for op in sorted(rows, key=order):
        ours, theirs = rows[op].get("cuarray"), rows[op].get("torch")
        share = f"{ours / theirs:.3f}" if ours and theirs else "-"
        fmt = lambda v: f"{v:.1f}" if v is not None else "-"
        print(f"| {op} | {fmt(ours)} | {fmt(theirs)} | {share} |")


if __name__ == "__main__":
    main()
