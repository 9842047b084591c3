"""Runs the code cells of notebooks in the kernel's Lua process, without Jupyter:

    python3 -m cuarray_kernel.run [--lua LUA] [--expect-device cuda] NOTEBOOK.ipynb...

Each notebook gets a fresh Lua process (its directory as the working directory); its cells
run in order, as the kernel runs them, with what they print and show summarised on stdout.
It exits 1 when a cell fails, or when --expect-device is given and the default device of
the Lua state is not that one (`make notebook-gpu-check` runs the example notebooks on the
CUDA device this way). Needs only Python's standard library: LUA_PATH and LUA_CPATH must
let the interpreter find cuarray and cuarray_kernel.interrupt."""

import argparse
import json
import os
import sys
import time

from .luaproc import LuaExited, LuaProcess, run_cell


def cells(path):
    with open(path, encoding="utf-8") as f:
        nb = json.load(f)
    for c in nb.get("cells", []):
        if c.get("cell_type") == "code":
            src = c.get("source", "")
            yield "".join(src) if isinstance(src, list) else src


def run_notebook(path, lua, expect_device=None):
    proc = LuaProcess(lua, cwd=os.path.dirname(os.path.abspath(path)) or ".")
    info = proc.info
    print("== %s: %s, default device %s (CUDA: %s)" % (path, info.get("lua"),
                                                       info.get("device"), info.get("cuda")))
    failures = 0
    if info.get("cuarray") != "yes":
        print("cuarray could not be loaded: %s" % info.get("cuarray"))
        proc.stop()
        return 1
    if expect_device and not str(info.get("device", "")).startswith(expect_device):
        print("expected the default device to be %s" % expect_device)
        failures += 1
    counts = {}

    def on_stream(name, text):
        sys.stdout.write(text)

    def on_output(kind, fields):
        nonlocal failures
        d = dict(fields)
        if kind == "error":
            failures += 1
            print("ERROR %s" % d.get("traceback", b"").decode("utf-8", "replace"))
            return
        for mime in d:
            counts[mime] = counts.get(mime, 0) + 1
        text = d.get("text/plain", b"").decode("utf-8", "replace")
        print(("[%s] " % kind) + text)

    try:
        for n, code in enumerate(cells(path), 1):
            if not code.strip():
                continue
            t0 = time.monotonic()
            status = run_cell(proc, code, n, on_stream, on_output)
            print("-- cell %d: %s in %.2f s" % (n, status, time.monotonic() - t0))
    except LuaExited as e:
        print("the Lua process exited (status %s)" % (e.args[0] if e.args else None))
        failures += 1
    finally:
        proc.stop()
    print("== %s: %d failed; outputs by type: %s" % (
        path, failures, ", ".join("%s %d" % kv for kv in sorted(counts.items())) or "none"))
    return failures


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--lua", default=os.environ.get("CUARRAY_KERNEL_LUA", "luajit"))
    p.add_argument("--expect-device", help="fail unless the default device starts with this")
    p.add_argument("notebooks", nargs="+")
    a = p.parse_args(argv)
    failed = sum(run_notebook(nb, a.lua, a.expect_device) for nb in a.notebooks)
    print("%d notebook(s), %d failure(s)" % (len(a.notebooks), failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
