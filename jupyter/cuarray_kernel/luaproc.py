"""The Lua process behind the kernel: one persistent Lua state running
jupyter/lua/cuarray_kernel/host.lua, driven over two pipes.

Only the standard library is used here, so that the plain notebook runner (run.py) works on a
machine without Jupyter. The framing is wire.lua's: a line "<kind> <nfields>", then per field
a line "<name> <nbytes>" and the bytes.

The process runs in a session of its own: Jupyter interrupts a kernel by signalling its
process group, and the kernel forwards exactly one SIGINT to Lua, only while a cell runs.
"""

import codecs
import fcntl
import os
import selectors
import signal
import subprocess
import time

HERE = os.path.dirname(os.path.abspath(__file__))
LUA_DIR = os.path.join(os.path.dirname(HERE), "lua")
HOST = os.path.join(LUA_DIR, "cuarray_kernel", "host.lua")


class LuaExited(Exception):
    """The Lua process is gone (it crashed, called os.exit, or was killed)."""


def _nonblocking(fd):
    flags = fcntl.fcntl(fd, fcntl.F_GETFL)
    fcntl.fcntl(fd, fcntl.F_SETFL, flags | os.O_NONBLOCK)


class LuaProcess:
    """Starts `lua host.lua` and exchanges messages with it.

    lua: the interpreter (luajit, lua5.4). env: extra environment (LUA_PATH, LUA_CPATH,
    CUARRAY_DEVICE...). cwd: the working directory of the cells.
    """

    def __init__(self, lua, env=None, cwd=None):
        self.lua = lua
        self.env = dict(os.environ)
        self.env.update(env or {})
        # the host's own modules (wire, cell, introspect) come first
        self.env["LUA_PATH"] = LUA_DIR + "/?.lua;" + self.env.get("LUA_PATH", ";;")
        self.cwd = cwd
        self.proc = None
        self.info = {}
        self.start()

    # ---- the process -------------------------------------------------------------------

    def start(self, timeout=60):
        cmd_r, cmd_w = os.pipe()
        msg_r, msg_w = os.pipe()
        try:
            self.proc = subprocess.Popen(
                [self.lua, HOST, str(cmd_r), str(msg_w)],
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                pass_fds=(cmd_r, msg_w), env=self.env, cwd=self.cwd,
                start_new_session=True)
        finally:
            os.close(cmd_r)
            os.close(msg_w)
        self.cmd = os.fdopen(cmd_w, "wb")
        self.msg_fd = msg_r
        self.out_fd = self.proc.stdout.fileno()
        self.err_fd = self.proc.stderr.fileno()
        for fd in (self.msg_fd, self.out_fd, self.err_fd):
            _nonblocking(fd)
        self.msg_buf = b""
        self.decoders = {name: codecs.getincrementaldecoder("utf-8")(errors="replace")
                         for name in ("stdout", "stderr")}
        self.sel = selectors.DefaultSelector()
        self.sel.register(self.msg_fd, selectors.EVENT_READ, "msg")
        self.sel.register(self.out_fd, selectors.EVENT_READ, "stdout")
        self.sel.register(self.err_fd, selectors.EVENT_READ, "stderr")
        self.open_streams = {"stdout", "stderr"}
        startup = []
        try:
            kind, fields = self.wait_for(("ready",), on_stream=lambda n, t: startup.append(t),
                                         timeout=timeout)
        except (LuaExited, TimeoutError) as e:
            raise RuntimeError("the Lua process (%s %s) did not start: %s\n%s" % (
                self.lua, HOST, e, "".join(startup))) from e
        self.info = dict(fields)
        self.info["startup_output"] = "".join(startup)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, grace=2.0):
        """Asks the host to finish, then terminates and kills it if it lingers."""
        if self.proc is None:
            return
        try:
            self.send("shutdown", [])
        except LuaExited:
            pass
        try:
            self.cmd.close()
        except OSError:
            pass
        deadline = time.monotonic() + grace
        while self.proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        for sig in (signal.SIGTERM, signal.SIGKILL):
            if self.proc.poll() is not None:
                break
            try:
                self.proc.send_signal(sig)
            except OSError:
                pass
            try:
                self.proc.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                pass
        self.sel.close()
        os.close(self.msg_fd)
        self.proc.stdout.close()
        self.proc.stderr.close()
        self.proc = None

    def restart(self):
        self.stop(grace=0.5)
        self.start()

    def interrupt(self):
        if self.alive():
            os.kill(self.proc.pid, signal.SIGINT)

    # ---- messages ----------------------------------------------------------------------

    def send(self, kind, fields):
        """fields: a list of (name, str or bytes)."""
        out = [("%s %d\n" % (kind, len(fields))).encode()]
        for name, data in fields:
            if isinstance(data, str):
                data = data.encode("utf-8")
            out.append(("%s %d\n" % (name, len(data))).encode())
            out.append(data)
        try:
            self.cmd.write(b"".join(out))
            self.cmd.flush()
        except (BrokenPipeError, ValueError) as e:
            raise LuaExited(self.exit_status()) from e

    def exit_status(self):
        if self.proc is None:
            return None
        try:
            return self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            return None

    def _parse(self):
        """One complete message from the buffer, or None."""
        buf = self.msg_buf
        nl = buf.find(b"\n")
        if nl < 0:
            return None
        kind, n = buf[:nl].decode().split(" ")
        pos = nl + 1
        fields = []
        for _ in range(int(n)):
            nl = buf.find(b"\n", pos)
            if nl < 0:
                return None
            name, size = buf[pos:nl].decode().split(" ")
            size = int(size)
            start = nl + 1
            if len(buf) < start + size:
                return None
            fields.append((name, buf[start:start + size]))
            pos = start + size
        self.msg_buf = buf[pos:]
        return kind, fields

    def _drain(self, name, fd, on_stream):
        """Reads what a stream holds now, handing the text to on_stream(name, text)."""
        chunks = []
        while True:
            try:
                data = os.read(fd, 65536)
            except BlockingIOError:
                break
            if not data:
                self.open_streams.discard(name)
                try:
                    self.sel.unregister(fd)
                except (KeyError, ValueError):
                    pass
                break
            chunks.append(data)
        text = self.decoders[name].decode(b"".join(chunks))
        if text and on_stream:
            on_stream(name, text)

    def poll(self, on_stream, timeout=None):
        """Waits up to `timeout` seconds; streams go to on_stream as they come. Returns the
        next message (kind, [(name, bytes)]) or None. Output written before a message is
        handed on before it (the host flushes its streams before writing a message)."""
        msg = self._parse()
        if msg:
            return msg
        events = self.sel.select(timeout)
        ready = {key.data for key, _ in events}
        for name, fd in (("stdout", self.out_fd), ("stderr", self.err_fd)):
            if name in ready or "msg" in ready:
                if name in self.open_streams:
                    self._drain(name, fd, on_stream)
        if "msg" in ready:
            while True:
                try:
                    data = os.read(self.msg_fd, 1 << 20)
                except BlockingIOError:
                    break
                if not data:
                    for name, fd in (("stdout", self.out_fd), ("stderr", self.err_fd)):
                        if name in self.open_streams:
                            self._drain(name, fd, on_stream)
                    raise LuaExited(self.exit_status())
                self.msg_buf += data
        return self._parse()

    def wait_for(self, kinds, on_stream=None, timeout=None):
        """Polls until a message of one of `kinds` arrives (others are an error)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            if left == 0.0:
                raise TimeoutError("the Lua process did not answer within %s s" % timeout)
            msg = self.poll(on_stream, timeout=left)
            if msg is None:
                continue
            if msg[0] in kinds:
                return msg[0], [(k, v.decode("utf-8", "replace")) for k, v in msg[1]]
            raise RuntimeError("unexpected message from the Lua process: %s" % msg[0])

    def request(self, kind, fields, reply, timeout=30):
        """Sends a command and returns the fields of its reply (as text)."""
        self.send(kind, fields)
        return self.wait_for((reply,), timeout=timeout)[1]


class InterruptTimeout(Exception):
    """The Lua process did not stop after an interrupt (a compiled loop or a long C call)."""


class Interrupt:
    """When an interrupt was sent to the cell now running (time.monotonic()), or None."""

    def __init__(self, timeout=5.0):
        self.sent_at = None
        self.timeout = timeout


def bundle_data(fields):
    """A Jupyter MIME bundle from wire fields: PNG base64-encoded, everything else text."""
    import base64
    data = {}
    for mime, raw in fields:
        if mime == "image/png":
            data[mime] = base64.b64encode(raw).decode("ascii")
        else:
            data[mime] = raw.decode("utf-8", "replace")
    return data


def run_cell(proc, code, count, on_stream, on_output, interrupt=None):
    """Runs one cell in the Lua process.

    on_stream(name, text) gets stdout / stderr as it comes; on_output(kind, fields) gets the
    'display', 'result' and 'error' messages (fields: a list of (name, bytes)), in order with
    the streams. Returns "ok" or "error". Raises LuaExited when the process dies, and
    InterruptTimeout when it has not finished interrupt.timeout seconds after an interrupt."""
    proc.send("execute", [("code", code), ("count", str(count))])
    status = "error"
    while True:
        msg = proc.poll(on_stream, timeout=0.1)
        if msg is None:
            if (interrupt is not None and interrupt.sent_at is not None
                    and time.monotonic() - interrupt.sent_at > interrupt.timeout):
                raise InterruptTimeout()
            continue
        kind, fields = msg
        if kind == "done":
            status = dict(fields).get("status", b"error").decode()
            return status
        on_output(kind, fields)
        if kind == "display":
            proc.send("ack", [])
