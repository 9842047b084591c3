"""The cuarray Jupyter kernel: ipykernel's Kernel base (the protocol, ZeroMQ, the message
loop) around one persistent Lua process (luaproc.py), so the Lua side needs no ZeroMQ.

Interrupts: Jupyter signals the kernel's process group; the Lua process has a session of its
own, and while a cell runs the kernel forwards one SIGINT to it, which its handler turns into
an "interrupted" error (jupyter/interrupt.c). A process that does not stop within
`interrupt_timeout` seconds (a loop LuaJIT compiled, a long call into C) is restarted, and
the cell says its state is lost. A process that dies (os.exit, a crash) is restarted too.
"""

import os
import signal
import time

from ipykernel.kernelbase import Kernel

from . import __version__
from .luaproc import (Interrupt, InterruptTimeout, LuaExited, LuaProcess, bundle_data,
                      run_cell)


def _char_to_byte(text, pos):
    return len(text[:pos].encode("utf-8"))


def _byte_to_char(text, pos):
    return len(text.encode("utf-8")[:pos].decode("utf-8", "replace"))


class CuarrayKernel(Kernel):
    implementation = "cuarray_kernel"
    implementation_version = __version__
    language = "lua"
    # set per kernel spec by __main__ (--lua, --display-name)
    lua = "luajit"
    flavour_name = "LuaJIT"
    lua_env = {}

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.interrupt_timeout = float(os.environ.get("CUARRAY_KERNEL_INTERRUPT_TIMEOUT", "5"))
        self.luaproc = LuaProcess(self.lua, env=self.lua_env, cwd=os.getcwd())

    # ---- kernel_info ---------------------------------------------------------------------

    @property
    def language_version(self):
        v = self.luaproc.info.get("lua", "")
        for word in v.replace("Lua ", "").replace("LuaJIT ", "").split():
            return word
        return ""

    @property
    def language_info(self):
        return {
            "name": "lua",
            "version": self.language_version,
            "mimetype": "text/x-lua",
            "file_extension": ".lua",
            "codemirror_mode": "lua",
            "pygments_lexer": "lua",
        }

    @property
    def banner(self):
        i = self.luaproc.info
        lines = ["cuarray kernel (%s)" % i.get("lua", self.lua)]
        if i.get("cuarray") == "yes":
            lines.append("cu = require \"cuarray\": default device %s; CUDA: %s"
                         % (i.get("device"), i.get("cuda")))
        else:
            lines.append("cuarray could not be loaded: %s" % i.get("cuarray"))
        if i.get("interrupt") != "yes":
            lines.append("interrupts are not available: %s" % i.get("interrupt"))
        return "\n".join(lines)

    # ---- execute -------------------------------------------------------------------------

    def _stream(self, silent):
        def on_stream(name, text):
            if not silent:
                self.send_response(self.iopub_socket, "stream", {"name": name, "text": text})
        return on_stream

    def _error(self, ename, evalue, traceback):
        self.send_response(self.iopub_socket, "error",
                           {"ename": ename, "evalue": evalue, "traceback": traceback})
        return {"status": "error", "execution_count": self.execution_count, "ename": ename,
                "evalue": evalue, "traceback": traceback}

    def do_execute(self, code, silent, store_history=True, user_expressions=None,
                   allow_stdin=False):
        if not code.strip():
            return {"status": "ok", "execution_count": self.execution_count,
                    "payload": [], "user_expressions": {}}
        errors = []

        def on_output(kind, fields):
            if kind == "error":
                f = {k: v.decode("utf-8", "replace") for k, v in fields}
                errors.append(f)
                if silent:
                    return
                self.send_response(self.iopub_socket, "error", {
                    "ename": f.get("ename", "LuaError"), "evalue": f.get("evalue", ""),
                    "traceback": f.get("traceback", "").split("\n")})
            elif not silent:
                content = {"data": bundle_data(fields), "metadata": {}}
                if kind == "result":
                    content["execution_count"] = self.execution_count
                    self.send_response(self.iopub_socket, "execute_result", content)
                else:
                    self.send_response(self.iopub_socket, "display_data", content)

        interrupt = Interrupt(self.interrupt_timeout)

        def on_sigint(signum, frame):
            interrupt.sent_at = time.monotonic()
            self.luaproc.interrupt()

        previous = signal.signal(signal.SIGINT, on_sigint)
        try:
            if not self.luaproc.alive():
                self.luaproc.restart()
            status = run_cell(self.luaproc, code, self.execution_count, self._stream(silent),
                              on_output, interrupt)
        except InterruptTimeout:
            self.luaproc.restart()
            return self._error("Interrupted", "the Lua state was restarted", [
                "The Lua process did not stop within %g s of the interrupt (a loop compiled "
                "by LuaJIT, or a long call into C)." % self.interrupt_timeout,
                "It was restarted: variables and arrays of earlier cells are gone."])
        except LuaExited as e:
            code_ = e.args[0] if e.args else None
            self.luaproc.restart()
            return self._error("LuaExit", "the Lua process exited", [
                "The Lua process exited (status %s) while running this cell." % code_,
                "A new one was started: variables and arrays of earlier cells are gone."])
        finally:
            signal.signal(signal.SIGINT, previous)
        if status == "ok":
            return {"status": "ok", "execution_count": self.execution_count,
                    "payload": [], "user_expressions": {}}
        f = errors[-1] if errors else {}
        return {"status": "error", "execution_count": self.execution_count,
                "ename": f.get("ename", "LuaError"), "evalue": f.get("evalue", ""),
                "traceback": f.get("traceback", "").split("\n")}

    # ---- complete, inspect, is_complete ---------------------------------------------------

    def _ask(self, kind, fields, reply):
        try:
            if not self.luaproc.alive():
                self.luaproc.restart()
            return self.luaproc.request(kind, fields, reply, timeout=10)
        except (LuaExited, TimeoutError, RuntimeError):
            return None

    def do_complete(self, code, cursor_pos):
        if cursor_pos is None:
            cursor_pos = len(code)
        got = self._ask("complete", [("code", code), ("pos", str(_char_to_byte(code, cursor_pos)))],
                        "complete")
        if got is None:
            return {"status": "ok", "matches": [], "cursor_start": cursor_pos,
                    "cursor_end": cursor_pos, "metadata": {}}
        d = dict(got)
        return {"status": "ok", "matches": [v for k, v in got if k == "match"],
                "cursor_start": _byte_to_char(code, int(d["start"])),
                "cursor_end": _byte_to_char(code, int(d["end"])), "metadata": {}}

    def do_inspect(self, code, cursor_pos, detail_level=0, omit_sections=()):
        if cursor_pos is None:
            cursor_pos = len(code)
        got = self._ask("inspect", [("code", code), ("pos", str(_char_to_byte(code, cursor_pos)))],
                        "inspect")
        data = dict(got or [])
        return {"status": "ok", "found": bool(data), "data": data, "metadata": {}}

    def do_is_complete(self, code):
        got = self._ask("is_complete", [("code", code)], "is_complete")
        status = dict(got or []).get("status", "unknown")
        reply = {"status": status}
        if status == "incomplete":
            reply["indent"] = ""
        return reply

    def do_shutdown(self, restart):
        self.luaproc.stop()
        return {"status": "ok", "restart": restart}
