"""The kernel through the Jupyter protocol (jupyter_client), as a notebook drives it:
kernel_info, execute, streams, display_data, errors, complete, inspect, is_complete,
interrupt, restart, a dying Lua process. Prints TAP.

    JUPYTER_PATH=build/jupyter python3 jupyter/tests/test_protocol.py cuarray-luajit [...]
"""

import base64
import os
import sys
import time
import xml.etree.ElementTree as ET

from jupyter_client.manager import KernelManager

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tap import Tap  # noqa: E402


class Session:
    def __init__(self, name, env=None):
        self.km = KernelManager(kernel_name=name)
        e = dict(os.environ)
        e.update(env or {})
        self.km.start_kernel(env=e)
        self.kc = self.km.client()
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=60)

    def close(self):
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=False)

    def execute(self, code, timeout=60):
        """Runs code; returns the reply content and the iopub messages (type, content, time)."""
        return self.collect(self.send(code), timeout)

    def send(self, code):
        # stop_on_error=False: after an error reply the kernel aborts the requests that reach
        # it before it finishes aborting (ipykernel's queue abort); the next test's first cell
        # could be one of them
        return self.kc.execute(code, stop_on_error=False)

    def collect(self, msg_id, timeout=60):
        out = []
        deadline = time.monotonic() + timeout
        while True:
            m = self.kc.get_iopub_msg(timeout=max(0.1, deadline - time.monotonic()))
            if m["parent_header"].get("msg_id") != msg_id:
                continue
            t = m["msg_type"]
            if t == "status" and m["content"]["execution_state"] == "idle":
                break
            if t in ("stream", "display_data", "execute_result", "error"):
                out.append((t, m["content"], time.monotonic()))
        while True:
            r = self.kc.get_shell_msg(timeout=timeout)
            if r["parent_header"].get("msg_id") == msg_id:
                return r["content"], out


def text_of(outputs, kind="stream"):
    return "".join(c.get("text", "") for t, c, _ in outputs if t == kind)


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def tests_for(tap, name):
    s = Session(name, env={"CUARRAY_DEVICE": "cpu", "CUARRAY_KERNEL_INTERRUPT_TIMEOUT": "3"})
    label = name + ": "
    try:
        def kernel_info():
            r = s.kc.kernel_info(reply=True, timeout=30)["content"]
            li = r["language_info"]
            check(li["name"] == "lua" and li["file_extension"] == ".lua", li)
            check(li["mimetype"] == "text/x-lua" and li["version"], li)
            check(r["implementation"] == "cuarray_kernel", r)
            check("cuarray kernel" in r["banner"] and "default device cpu" in r["banner"], r)
            check(r["status"] == "ok" and r["protocol_version"], r)
        tap.run(label + "kernel_info names Lua and .lua", kernel_info)

        def execute_value():
            r, out = s.execute("kept = 20\nkept + 1")
            check(r["status"] == "ok", r)
            res = [c for t, c, _ in out if t == "execute_result"]
            check(len(res) == 1 and res[0]["data"]["text/plain"] == "21", out)
            check(res[0]["execution_count"] == r["execution_count"], (res, r))
            r2, out2 = s.execute("kept")
            check(r2["execution_count"] == r["execution_count"] + 1, (r, r2))
            check(out2[0][1]["data"]["text/plain"] == "20", out2)
        tap.run(label + "execute shows the last expression; globals persist", execute_value)

        def statements():
            r, out = s.execute("for i = 1, 2 do end\nlocal z = 1")
            check(r["status"] == "ok" and out == [], out)
        tap.run(label + "a cell of statements shows nothing", statements)

        def stream_as_it_comes():
            code = ("for i = 1, 3 do\n  print('tick ' .. i)\n"
                    "  local t = os.clock() while os.clock() - t < 0.4 do end\nend")
            r, out = s.execute(code)
            check(r["status"] == "ok", r)
            streams = [(c["text"], at) for t, c, at in out if t == "stream"]
            check("".join(x for x, _ in streams) == "tick 1\ntick 2\ntick 3\n", streams)
            check(len(streams) >= 2 and streams[-1][1] - streams[0][1] > 0.5,
                  "printed lines arrived together: %r" % streams)
        tap.run(label + "print streams while the cell runs", stream_as_it_comes)

        def display_rich():
            code = ("print('before')\ncu.display(cu.arange(6):reshape({2, 3}))\nprint('between')\n"
                    "cu.display.image(cu.random.random({5, 7}))\n"
                    "cu.plot.line({1, 3, 2}, {title = 'small'})")
            r, out = s.execute(code)
            check(r["status"] == "ok", r)
            kinds = [t for t, _, _ in out]
            check(kinds == ["stream", "display_data", "stream", "display_data", "execute_result"],
                  kinds)
            table = out[1][1]["data"]
            check("cuarray.ndarray  shape (2, 3)  int64  cpu  48 bytes" in table["text/plain"], table)
            check('<table class="cuarray-table">' in table["text/html"], table)
            png = base64.b64decode(out[3][1]["data"]["image/png"])
            check(png[:8] == b"\x89PNG\r\n\x1a\n", png[:8])
            svg = ET.fromstring(out[4][1]["data"]["image/svg+xml"])
            check(svg.tag.endswith("svg") and svg.get("class") == "cuarray-plot", svg.attrib)
        tap.run(label + "display_data: array table, PNG image, SVG plot, in order", display_rich)

        def error_then_alive():
            r, out = s.execute("local a = 1\nprint('partial')\nlocal b = a + nil")
            check(r["status"] == "error" and r["ename"] == "LuaError", r)
            errs = [c for t, c, _ in out if t == "error"]
            check(len(errs) == 1, out)
            tb = "\n".join(errs[0]["traceback"])
            check("attempt to perform arithmetic" in errs[0]["evalue"], errs)
            check("line 3:" in tb and "local b = a + nil" in tb and "stack traceback" in tb, tb)
            check(text_of(out) == "partial\n", out)
            r, out = s.execute("kept")
            check(r["status"] == "ok" and out[0][1]["data"]["text/plain"] == "20", out)
        tap.run(label + "an error shows the cell's line and traceback; the kernel lives on",
                error_then_alive)

        def syntax_error():
            r, out = s.execute("x = = 1")
            check(r["status"] == "error" and r["ename"] == "SyntaxError", r)
        tap.run(label + "a syntax error is an error reply", syntax_error)

        def complete():
            r = s.kc.complete("cu.ra", 5, reply=True, timeout=30)["content"]
            check(r["matches"] == ["rad2deg", "radians", "random", "ravel",
                                     "ravel_multi_index"], r)
            check((r["cursor_start"], r["cursor_end"]) == (3, 5), r)
            s.execute("arr = cu.ones({2, 2})")
            r = s.kc.complete("x = arr:su", 10, reply=True, timeout=30)["content"]
            check(r["matches"] == ["sum", "swapaxes"] or "sum" in r["matches"], r)
            r = s.kc.complete("é = 1; arr.nd", 13, reply=True, timeout=30)["content"]
            check(r["matches"] == ["ndim"] and r["cursor_start"] == 11, r)
        tap.run(label + "complete: cu names, array methods and attributes", complete)

        def inspect():
            r = s.kc.inspect("cu.zeros(", 9, reply=True, timeout=30)["content"]
            check(r["found"] and r["data"]["text/plain"].startswith("cu.zeros(shape"), r)
            r = s.kc.inspect("arr:sum", 7, reply=True, timeout=30)["content"]
            check(r["data"]["text/plain"].startswith("a:sum([axis]"), r)
            r = s.kc.inspect("nothing_here", 5, reply=True, timeout=30)["content"]
            check(not r["found"], r)
        tap.run(label + "inspect: signature and documentation", inspect)

        def is_complete():
            def ask(code):
                msg_id = s.kc.is_complete(code)
                while True:
                    r = s.kc.get_shell_msg(timeout=30)
                    if r["parent_header"].get("msg_id") == msg_id:
                        return r["content"]["status"]
            check(ask("for i = 1, 3 do") == "incomplete", "for ... do")
            check(ask("x = 1") == "complete", "x = 1")
            check(ask("x = = 1") == "invalid", "x = = 1")
        tap.run(label + "is_complete", is_complete)

        def interrupt():
            msg_id = s.send("while true do local t = cu.ones(4) end")
            time.sleep(1.0)
            s.km.interrupt_kernel()
            r, out = s.collect(msg_id, timeout=30)
            check(r["status"] == "error" and r["ename"] == "Interrupted", r)
            r, out = s.execute("kept")
            check(out[0][1]["data"]["text/plain"] == "20", out)  # the state survived
            msg_id = s.send("while true do local t = cu.ones(4) end")
            time.sleep(0.5)
            s.km.interrupt_kernel()
            r, _ = s.collect(msg_id, timeout=30)
            check(r["ename"] == "Interrupted", r)                 # and a second time
        tap.run(label + "interrupt stops a running cell, twice, and keeps the state", interrupt)

        def interrupt_compiled_loop():
            # a loop LuaJIT compiles never runs the interrupt hook: the kernel restarts Lua
            msg_id = s.send("local x = 0\nwhile true do x = x + 1 end")
            time.sleep(1.0)
            t0 = time.monotonic()
            s.km.interrupt_kernel()
            r, out = s.collect(msg_id, timeout=60)
            check(r["status"] == "error", r)
            check(time.monotonic() - t0 < 20, "took too long")
            r, out = s.execute("1 + 1")
            check(out[0][1]["data"]["text/plain"] == "2", out)
        tap.run(label + "interrupt of a loop without calls: stopped or restarted",
                interrupt_compiled_loop)

        def lua_exit():
            r, out = s.execute("os.exit(3)")
            check(r["status"] == "error" and r["ename"] == "LuaExit", r)
            check("status 3" in "\n".join(r["traceback"]), r)
            r, out = s.execute("cu ~= nil")
            check(out[0][1]["data"]["text/plain"] == "true", out)
        tap.run(label + "a Lua process that exits is replaced", lua_exit)

        def restart():
            s.execute("kept = 20")
            s.km.restart_kernel(now=False)
            s.kc.wait_for_ready(timeout=60)
            r, out = s.execute("kept")
            check(out[0][1]["data"]["text/plain"] == "nil", out)
            r, out = s.execute("cu.get_default_device()")
            check(out[0][1]["data"]["text/plain"] == "cpu", out)
        tap.run(label + "restart gives a fresh Lua state", restart)
    finally:
        s.close()


def main(names):
    tap = Tap()
    for name in names:
        tests_for(tap, name)
    return tap.finish()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["cuarray-luajit"]))
