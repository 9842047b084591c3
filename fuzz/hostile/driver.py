#!/usr/bin/env python3
"""The hostile-input fuzzer's driver: runs batches of hostile calls (gen.py) in child Lua
processes (runner.lua), watches each for a crash, a sanitizer report or a hang, bisects a
failing batch to its shortest failing call sequence, prints that as a standalone Lua script,
and checks that memory stays flat over repeated runs of a batch.

    driver.py --lua lua5.4 --cpath build/asan/lua5.4 --asan LIBASAN --seed 1 --calls 3000
    driver.py --lua luajit --cpath build/luajit --seconds 600 --rounds 8

A failure listed in known_failures.txt is reported as known; any other fails the run (exit 1).
"""

import argparse
import math
import os
import re
import resource
import select
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import gen  # noqa: E402  (the generator lives beside this file)
import known as known_list  # noqa: E402

SOFT = {"message", "error-type", "result", "args", "property"}


class Failure:
    def __init__(self, kind, n, text, op="?"):
        self.kind, self.n, self.text, self.op = kind, n, text, op
        self.known = None      # the known_failures.txt entry it matches
        self.repro = None      # path of the standalone script
        self.verified = None   # whether that script fails on its own

    def key(self):
        """What must stay the same while the batch is cut down."""
        return (self.kind, self.n, signature(self.text) if self.kind in ("sanitizer", "leak")
                else None)

    def summary(self):
        where = ("at step %s (%s)" % (self.n, self.op) if self.n is not None else
                 "over repeated runs" if self.kind == "memory" else "at exit")
        return "%s %s: %s" % (self.kind, where, self.text.split("\n")[0][:300])


def signature(text):
    """A sanitizer report's kind and its first frame in cuarray's code."""
    first = text.split("\n")[0]
    kind = re.sub(r" on (unknown )?address.*| of size.*|0x[0-9a-f]+", "", first)
    frame = re.search(r"\b(ca_\w+|l_\w+|arr_\w+|\w+) (src|cuda)/\S+", text)
    return kind.strip() + (" in " + frame.group(1) if frame else "")


def sanitizer_report(stderr):
    """The report's first line and the frames in cuarray's code, or None."""
    m = (re.search(r"ERROR: (AddressSanitizer|LeakSanitizer): ([^\n]*)", stderr)
         or re.search(r"(\S+:\d+:\d+): (runtime error: [^\n]*)", stderr))
    if not m:
        return None, None
    kind = "leak" if m.group(1) == "LeakSanitizer" else "sanitizer"
    head = ("%s: %s" % (m.group(1), m.group(2)) if kind != "leak"
            else "LeakSanitizer: " + m.group(2))
    if m.group(1).startswith(("src/", "cuda/", "/")) and "runtime error" in m.group(2):
        head = "UBSan: %s at %s" % (m.group(2), m.group(1))
    frames = re.findall(r"#\d+ 0x[0-9a-f]+ in (\S+) (\S+)", stderr[m.start():])
    ours = [f for f in frames if re.search(r"(^|/)(src|cuda)/", f[1])
            and "libsanitizer" not in f[1]] or frames
    lines = ["  %s %s" % (fn, re.sub(r"^.*/(src|cuda)/", r"\1/", loc)) for fn, loc in ours[:5]]
    return kind, "\n".join([head] + lines)


class Child:
    """One child process running a batch file, watched step by step."""

    def __init__(self, opts):
        self.opts = opts
        lua_path = "%s/lua/?.lua;%s/lua/?/init.lua;;" % (ROOT, ROOT)
        self.env = dict(os.environ, LUA_PATH=lua_path,
                        LUA_CPATH="%s/?.so;;" % os.path.abspath(opts.cpath),
                        HOSTILE_TMP=os.path.join(opts.out, "tmp"),
                        OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
        if opts.device:
            self.env["CUARRAY_DEVICE"] = opts.device
        if opts.asan:
            # core.so preloaded too: Lua unloads C modules when it closes, and LeakSanitizer,
            # which reports at exit, could not name the functions of an unloaded library
            core = os.path.join(os.path.abspath(opts.cpath), "cuarray", "core.so")
            self.env.update(
                LD_PRELOAD="%s:%s" % (opts.asan, core),
                ASAN_OPTIONS="detect_leaks=1:allocator_may_return_null=1:"
                             "max_allocation_size_mb=1024:hard_rss_limit_mb=4096:"
                             "malloc_context_size=12:print_summary=1",
                UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1")

    def limits(self):
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        resource.setrlimit(resource.RLIMIT_CPU, (900, 900))
        if not self.opts.asan and self.opts.device != "cuda":
            # without a sanitizer's shadow memory or CUDA's reservations, cap the address
            # space: a request for terabytes must fail as "out of memory", not page the machine
            resource.setrlimit(resource.RLIMIT_AS, (3 << 29, 3 << 29))

    def run(self, args, step_timeout, short=()):
        """Runs runner.lua with args; returns (records, rc, stderr, timed_out). A step gets
        step_timeout seconds, or one second if its number is in `short`."""
        errpath = os.path.join(self.opts.out, "child.stderr")
        with open(errpath, "wb") as err:
            p = subprocess.Popen([self.opts.lua, os.path.join(HERE, "runner.lua")] + args,
                                 stdout=subprocess.PIPE, stderr=err, env=self.env,
                                 cwd=self.env["HOSTILE_TMP"], preexec_fn=self.limits,
                                 start_new_session=True)
            records, buf, timed_out = [], b"", False
            deadline = time.time() + step_timeout
            fd = p.stdout.fileno()
            while True:
                left = deadline - time.time()
                if left <= 0:
                    timed_out = True
                    os.killpg(p.pid, signal.SIGKILL)
                    break
                ready, _, _ = select.select([fd], [], [], left)
                if not ready:
                    continue
                chunk = os.read(fd, 65536)
                if not chunk:
                    break
                buf += chunk
                *lines, buf = buf.split(b"\n")
                for line in lines:
                    rec = line.decode("utf-8", "replace").split(" ", 3)
                    records.append(rec)
                    if rec[0] in ("S", "C", "M"):
                        quick = rec[0] == "S" and rec[1].isdigit() and int(rec[1]) in short
                        deadline = time.time() + (1 if quick else step_timeout)
            p.stdout.close()
            rc = p.wait()
        with open(errpath, "rb") as f:
            stderr = f.read().decode("utf-8", "replace")
        return records, rc, stderr, timed_out


class Fuzzer:
    def __init__(self, opts):
        self.opts = opts
        os.makedirs(os.path.join(opts.out, "tmp"), exist_ok=True)
        self.child = Child(opts)
        self.known = known_list.load(opts.known)
        self.calls = 0
        self.failures = []     # every failure found, known or new
        self.slow = []         # steps that ran out of time where that is legitimate
        self.runs = 0
        self.host_measure = "resident set"  # what the memory check reads for host memory

    # ---- running steps ----------------------------------------------------------------------
    def discover(self):
        records, rc, stderr, _ = self.child.run(["discover"], 60)
        if rc != 0:
            sys.exit("hostile: discovering the functions failed (exit %d):\n%s" % (rc, stderr))
        flavour, functions = {}, []
        for rec in records:
            if rec[0] == "V":
                flavour = dict(zip(["version", "jit", "ffi", "cuda", "device"],
                                   " ".join(rec[1:]).split()))
            elif rec[0] == "F":
                functions.append((rec[1], rec[2]))
        return flavour, functions

    def write_batch(self, steps, name):
        path = os.path.join(self.opts.out, name)
        with open(path, "w") as f:
            f.write("local cu, H, S, step = ...\n")
            for s in steps:
                f.write(s.lua())
        return path

    def run_steps(self, steps, rounds=1):
        """Runs steps in one child; returns (failures, records)."""
        path = self.write_batch(steps, "batch.lua")
        # a step that matches a known hang need not be given the whole time to hang again
        short = {s.n for s in steps if known_list.match(self.known, "timeout", s.op, s.lua(),
                                                        count=False)}
        records, rc, stderr, timed_out = self.child.run(
            ["run", path, str(rounds)], self.opts.step_timeout, short)
        self.runs += 1
        by_n = {s.n: s for s in steps}
        found, started, answered, done = [], None, set(), False
        for rec in records:
            if rec[0] == "S":
                started = int(rec[1])
            elif rec[0] in ("R", "X"):
                answered.add(int(rec[1]))
                if rec[0] == "X":
                    n = int(rec[1])
                    found.append(Failure(rec[2], n, rec[3] if len(rec) > 3 else "",
                                         by_n[n].op if n in by_n else "?"))
            elif rec[0] == "D":
                done = True
        pending = started if started is not None and started not in answered else None
        op = by_n[pending].op if pending in by_n else "exit" if pending is None else "?"
        kind, report = sanitizer_report(stderr)
        if timed_out:
            slow = pending in by_n and by_n[pending].heavy
            found.append(Failure("slow" if slow else "timeout", pending, "no answer within %g s"
                                 % (1 if pending in short else self.opts.step_timeout), op))
        elif kind == "leak" and done:
            found.append(Failure("leak", None, report, op))
        elif kind:
            found.append(Failure(kind, pending, report, op))
        elif rc < 0:
            found.append(Failure("crash", pending, "killed by %s" % signal.Signals(-rc).name, op))
        elif not done:
            tail = "\n".join(stderr.strip().split("\n")[-6:])
            what = "crash" if pending is not None else "runner"
            found.append(Failure(what, pending, "exit %d: %s" % (rc, tail), op))
        return found, records

    # ---- batches --------------------------------------------------------------------------
    def run_batch(self, steps):
        """Runs a batch to its end: a step that kills the child is recorded, and the steps
        after it run in a new child (with the earlier steps whose results they use). Returns
        the steps that ran to their end in one child, for the memory check."""
        seen, active, clean, called = set(), list(steps), [], set()
        while True:
            found, records = self.run_steps(active)
            called |= {int(r[1]) for r in records if r[0] == "C"}
            hard = None
            for f in found:
                if f.kind in SOFT:
                    if (f.kind, f.n) not in seen:
                        seen.add((f.kind, f.n))
                        self.record(f, active)
                else:
                    hard = f
            if hard is None or hard.n is None:  # the calls all ran (a leak shows at exit)
                self.calls += len(called)
                if hard is not None:
                    self.record(hard, active)
                return active if len(active) > len(clean) else clean
            if hard.kind == "slow":
                self.slow.append(hard)
            else:
                self.record(hard, active)
            before = [s for s in active if s.n < hard.n]
            if len(before) > len(clean):
                clean = before
            after = [s for s in active if s.n > hard.n]
            if not after:
                self.calls += len(called)
                return clean
            active = slot_closure(after, before) + after

    def record(self, failure, steps):
        self.failures.append(failure)
        step = next((s for s in steps if s.n == failure.n), None)
        text = failure.text + "\n" + (step.lua() if step else "")
        failure.known = known_list.match(self.known, failure.kind, failure.op, text)
        if failure.kind == "runner":  # the fuzzer's own fault: keep the batch to look at it
            failure.repro = os.path.join(self.opts.out, "runner-%d.lua" % len(self.failures))
            with open(failure.repro, "w") as f:
                f.write("local cu, H, S, step = ...\n" + "".join(s.lua() for s in steps))
        elif failure.known is None:
            kept = self.minimise(steps, failure)
            script = self.repro(kept, failure)
            failure.known = known_list.match(self.known, failure.kind, failure.op,
                                             failure.text + "\n" + script)
            if failure.known is None:
                failure.repro = os.path.join(self.opts.out, "new-%d.lua" % len(self.failures))
                with open(failure.repro, "w") as f:
                    f.write(script)
                failure.verified = self.verify(failure)

    # ---- cutting a failing batch down -------------------------------------------------------
    def reproduces(self, steps, failure):
        found, _ = self.run_steps(steps)
        return any(f.key() == failure.key() for f in found)

    def minimise(self, steps, failure):
        """The shortest list of steps found (by delta debugging, within a budget of runs)
        that still fails the same way."""
        budget = [self.opts.minimise_budget]

        def test(cand):
            if budget[0] <= 0:
                return False
            budget[0] -= 1
            return self.reproduces(cand, failure)

        if failure.n is None:
            # at exit: the finalizers that run when the state closes are the first suspects
            target, rest = [], list(steps)
            for s in steps:
                if "H.at_close" in s.lua() and test(slot_closure([s], rest) + [s]):
                    return slot_closure([s], rest) + [s]
        else:
            target = [s for s in steps if s.n == failure.n]
            rest = [s for s in steps if s.n < failure.n]
            deps = slot_closure(target, rest)
            if test(deps + target):
                return deps + target
        k = 2
        while rest and budget[0] > 0:
            size = math.ceil(len(rest) / k)
            for i in range(0, len(rest), size):
                cand = rest[:i] + rest[i + size:]
                if test(cand + target):
                    rest, k = cand, max(k - 1, 2)
                    break
            else:
                if size == 1:
                    break
                k = min(len(rest), 2 * k)
        return rest + target

    def repro(self, steps, failure):
        """A standalone Lua script: the helpers the steps use, then the steps in order."""
        return repro_script(steps, failure, self.opts)

    def verify(self, failure):
        """Whether the repro script fails on its own (crashes, sanitizer reports, hangs)."""
        if failure.kind in SOFT:
            return None
        cmd = [self.opts.lua, failure.repro]
        try:
            p = subprocess.run(cmd, env=self.child.env, cwd=self.child.env["HOSTILE_TMP"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               preexec_fn=self.child.limits, timeout=self.opts.step_timeout * 2)
        except subprocess.TimeoutExpired:
            return failure.kind == "timeout"
        return p.returncode != 0

    # ---- memory -------------------------------------------------------------------------------
    def memory_check(self, steps, rounds):
        """Runs the batch `rounds` times in one process. Over the last third of the rounds,
        memory must not keep growing: the bytes malloc holds (where LuaJIT's ffi can ask glibc;
        else the resident set), the Lua heap, the CUDA pool's bytes in use. Caches fill up
        during the first rounds (up to about 15 here); a leak grows in every round. Steps
        that keep values until the state closes (H.at_close) hold memory by design: left out."""
        steps = [s for s in steps if "H.at_close" not in s.lua()]
        found, records = self.run_steps(steps, rounds)
        if any(f.kind not in SOFT for f in found):
            return None
        m = [list(map(float, " ".join(r[1:]).split())) for r in records if r[0] == "M"]
        if len(m) < 6:
            return None
        late = m[len(m) * 2 // 3 - 1:]

        def growing(col, slack):
            v = [row[col] for row in late]
            return v[-1] - v[0] > slack and all(b > a for a, b in zip(v[-3:], v[-2:]))

        grew = []
        self.host_measure = "bytes held by malloc" if late[0][4] >= 0 else "resident set"
        if late[0][4] >= 0:
            if growing(4, self.opts.malloc_slack):
                grew.append("bytes held by malloc %d -> %d" % (late[0][4], late[-1][4]))
        elif growing(1, self.opts.rss_slack_kib):
            grew.append("resident set %d KiB -> %d KiB" % (late[0][1], late[-1][1]))
        if growing(2, self.opts.lua_slack_kib):
            grew.append("Lua heap %d KiB -> %d KiB" % (late[0][2], late[-1][2]))
        if growing(3, 0):
            grew.append("CUDA bytes in use %d -> %d" % (late[0][3], late[-1][3]))
        if grew:
            f = Failure("memory", None, "over rounds %d to %d of the same calls: %s"
                        % (late[0][0], late[-1][0], "; ".join(grew)), "batch")
            self.failures.append(f)
            f.known = known_list.match(self.known, "memory", "batch", f.text)
            if f.known is None:
                f.repro = os.path.join(self.opts.out, "memory-%d.lua" % len(self.failures))
                with open(f.repro, "w") as out:
                    out.write("-- run with: runner.lua run THIS_FILE %d\n" % rounds)
                    out.write("local cu, H, S, step = ...\n")
                    for s in steps:
                        out.write(s.lua())
        return m

    # ---- the whole run --------------------------------------------------------------------
    def run(self):
        start = time.time()
        flavour, functions = self.discover()
        o = self.opts
        if flavour.get("cuda") != "cuda" and not o.keep_cuda:
            self.child.env["HOSTILE_HIDE_CUDA"] = "1"
            flavour, functions = self.discover()
        print("hostile: %s (%s), %d functions and metamethods, seed %d"
              % (o.label, " ".join(flavour.get(k, "?") for k in ("version", "jit", "device")),
                 len(functions), o.seed), flush=True)
        batch, memory_done, total = 0, 0, 0
        while True:
            if o.calls and total >= o.calls:
                break
            if o.seconds and time.time() - start >= o.seconds:
                break
            g = gen.Generator(o.seed * 1000003 + batch, functions, flavour)
            count = min(o.batch, o.calls - total) if o.calls else o.batch
            steps = g.batch(batch * o.batch + 1, count)
            total += count
            clean = self.run_batch(steps)
            if o.rounds > 2 and memory_done < o.memory_batches:
                if self.memory_check(clean, o.rounds) is not None:
                    memory_done += 1
            batch += 1
        return self.report(time.time() - start, batch, memory_done)

    def report(self, seconds, batches, memory_batches):
        o = self.opts
        new = [f for f in self.failures if f.known is None]
        known = [f for f in self.failures if f.known is not None]
        memory = ("memory: LeakSanitizer at each child's exit" if o.asan else
                  "memory: %d batches run %d times each, %s, Lua heap and CUDA pool flat"
                  % (memory_batches, o.rounds, self.host_measure) if memory_batches
                  else "memory: not checked")
        lines = ["hostile: %s: %d calls in %d batches (%d child runs), %.1f s; %s" % (
                     o.label, self.calls, batches, self.runs, seconds, memory),
                 "hostile: %d failures: %d known, %d new; %d legitimately slow calls skipped"
                 % (len(self.failures), len(known), len(new), len(self.slow))]
        counts = {}
        for f in known:
            counts[f.known.description] = counts.get(f.known.description, 0) + 1
        for d, c in sorted(counts.items()):
            lines.append("  known x%d: %s" % (c, d))
        for f in new:
            lines.append("  NEW %s" % f.summary())
            for extra in f.text.split("\n")[1:6]:
                lines.append("      %s" % extra)
            if f.repro:
                lines.append("      reproduction: %s%s" % (
                    os.path.relpath(f.repro, ROOT),
                    "" if f.verified is None else
                    " (fails on its own)" if f.verified else " (passes on its own)"))
        unseen = [e for e in self.known if not e.hits]
        if unseen:
            lines.append("hostile: %d known entries not met in this run (bounded runs "
                         "need not meet them all)" % len(unseen))
        text = "\n".join(lines)
        print(text, flush=True)
        with open(os.path.join(o.out, "report.txt"), "w") as f:
            f.write(text + "\n")
        return 1 if new else 0


def slot_closure(target, rest):
    """The steps whose results (S[k]) the target steps use, and theirs, in order."""
    by_n = {s.n: s for s in rest}
    need, todo = set(), list(target)
    while todo:
        s = todo.pop()
        for k in map(int, re.findall(r"S\[(\d+)\]", s.lua())):
            if k in by_n and k not in need:
                need.add(k)
                todo.append(by_n[k])
    return [s for s in rest if s.n in need]


def helper_sections():
    """helpers.lua cut at its `--@ name` lines: {name: text}."""
    sections, name, body = {}, None, []
    with open(os.path.join(HERE, "helpers.lua")) as f:
        for line in f:
            m = re.match(r"--@ ?(\S+)", line)
            if m:
                if name:
                    sections[name] = "".join(body)
                name, body = m.group(1), []
            elif name:
                body.append(line)
    return sections


def repro_script(steps, failure, opts):
    sections = helper_sections()
    source = "".join(s.lua() for s in steps)
    need, todo = set(), re.findall(r"\bH\.(\w+)", source)
    while todo:
        n = todo.pop()
        if n in sections and n not in need:
            need.add(n)
            todo += re.findall(r"\bH\.(\w+)", sections[n])
    out = ["-- A hostile-input fuzzer finding (fuzz/hostile, seed %d): %s" % (opts.seed,
                                                                        failure.summary()),
           "-- From the repository root, after make:",
           "--   LUA_PATH='lua/?.lua;lua/?/init.lua;;' LUA_CPATH='%s/?.so;;' %s THIS_FILE"
           % (os.path.relpath(os.path.abspath(opts.cpath), ROOT), os.path.basename(opts.lua))
           + ("   (with LD_PRELOAD=$(gcc -print-file-name=libasan.so))" if opts.asan else ""),
           'local cu = require "cuarray"', "local H = {}"]
    for name, text in sections.items():  # in the file's order, which respects dependencies
        if name in need:
            out.append(text.rstrip("\n"))
    if "tmp" in need:
        out.append('os.execute("mkdir -p " .. H.tmp(""))')
    out.append("local S = {}")
    for s in steps:
        last = s is steps[-1] and failure.n is not None
        out.append("do -- step %d: %s" % (s.n, s.op))
        out += ["  " + line for line in s.setup]
        if s.args:
            out.append("  local %s = %s" % (", ".join("a%d" % (i + 1) for i in range(len(s.args))),
                                            ", ".join(v.src for v in s.args)))
        body = s.call.replace("\n  ", "\n    ")
        if last:
            out.append("  print(pcall(function()\n    %s\n  end))" % body)
        else:
            out.append("  local ok, r = pcall(function()\n    %s\n  end)" % body)
            out.append("  if ok then S[%d] = r end" % s.n if s.store else "  local _ = ok, r")
        out.append("end")
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--lua", required=True, help="the Lua interpreter")
    ap.add_argument("--cpath", required=True, help="the directory holding cuarray/core.so")
    ap.add_argument("--asan", default="", help="libasan.so to preload (the core built with it)")
    ap.add_argument("--device", default="", help="CUARRAY_DEVICE for the children (cuda)")
    ap.add_argument("--label", default="", help="a name for this run in the report")
    ap.add_argument("--keep-cuda", action="store_true",
                    help="load cuarray.cuda even where it finds no GPU (else it is hidden)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--calls", type=int, default=0, help="steps to generate (bounded run)")
    ap.add_argument("--seconds", type=float, default=0, help="run for this long instead")
    ap.add_argument("--batch", type=int, default=300, help="steps per child process")
    ap.add_argument("--step-timeout", type=float, default=4,
                    help="seconds a step may run before it counts as hung")
    ap.add_argument("--rounds", type=int, default=0,
                    help="memory check: runs of a batch in one process (20 or more)")
    ap.add_argument("--memory-batches", type=int, default=2)
    ap.add_argument("--malloc-slack", type=int, default=4096,
                    help="growth of the bytes malloc holds allowed over the memory check")
    ap.add_argument("--rss-slack-kib", type=int, default=1024,
                    help="growth of the resident set allowed (where malloc cannot be asked)")
    ap.add_argument("--lua-slack-kib", type=int, default=64,
                    help="growth of the Lua heap allowed over the memory check")
    ap.add_argument("--minimise-budget", type=int, default=40, help="child runs per failure")
    ap.add_argument("--known", default=os.path.join(HERE, "known_failures.txt"))
    ap.add_argument("--out", required=True, help="directory for batches, scripts and report")
    opts = ap.parse_args()
    if not opts.calls and not opts.seconds:
        opts.calls = 1000
    opts.out = os.path.abspath(opts.out)
    opts.label = opts.label or os.path.basename(opts.lua) + (" +asan" if opts.asan else "")
    os.makedirs(opts.out, exist_ok=True)
    sys.exit(Fuzzer(opts).run())


if __name__ == "__main__":
    main()
