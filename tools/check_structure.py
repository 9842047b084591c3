#!/usr/bin/env python3
"""The tree's structural rules, checked from the sources and the built objects:

  - no source or header under src/ or cuda/ reaches 1,000 lines;
  - no circle of #include "..." between files;
  - no circle in the call graph between source files: file A depends on file B when A's
    object has an undefined symbol that B's object defines (`nm`), so a circle means two
    files that call into each other, directly or through others.

Usage: check_structure.py OBJDIR... (directories of the .o files, mirroring the tree).
Prints every violation and exits 1 if there is one.
"""
import os
import re
import subprocess
import sys

MAX_LINES = 1000
ROOTS = ("src", "cuda")
SOURCE_EXT = (".c", ".h", ".cu", ".cuh", ".def")


def tree_files():
    for root in ROOTS:
        for d, _, names in os.walk(root):
            for n in sorted(names):
                if n.endswith(SOURCE_EXT):
                    yield os.path.normpath(os.path.join(d, n))


def cycles(graph):
    """Strongly connected components of more than one node (Tarjan), or a self-loop."""
    index, low, on, stack, out = {}, {}, set(), [], []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1 or v in graph.get(v, ()):
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def include_graph(files):
    graph = {}
    for f in files:
        deps = set()
        with open(f, encoding="utf-8", errors="replace") as fh:
            for line in fh:
                m = re.match(r'\s*#\s*include\s+"([^"]+)"', line)
                if not m:
                    continue
                for base in (os.path.dirname(f), "src"):
                    cand = os.path.normpath(os.path.join(base, m.group(1)))
                    if os.path.exists(cand):
                        deps.add(cand)
                        break
        graph[f] = deps
    return graph


def symbols(obj):
    out = subprocess.run(["nm", "-g", obj], capture_output=True, text=True, check=True).stdout
    defined, undefined = set(), set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == "U":
            undefined.add(parts[1])
        elif len(parts) == 3 and parts[1] not in ("U", "w", "v"):
            defined.add(parts[2])
    return defined, undefined


def call_graph(objdirs):
    owner, needs = {}, {}
    for objdir in objdirs:
        for d, _, names in os.walk(objdir):
            for n in sorted(names):
                if not n.endswith(".o"):
                    continue
                obj = os.path.join(d, n)
                rel = os.path.relpath(obj, objdir)[:-2]
                src = next((rel + e for e in (".c", ".cu") if os.path.exists(rel + e)), None)
                if src is None:
                    continue
                defined, undefined = symbols(obj)
                for s in defined:
                    owner[s] = src
                needs[src] = undefined
    graph = {f: {owner[s] for s in und if s in owner and owner[s] != f} for f, und in needs.items()}
    return graph


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    problems = []
    files = list(tree_files())
    for f in files:
        with open(f, encoding="utf-8", errors="replace") as fh:
            n = sum(1 for _ in fh)
        if n >= MAX_LINES:
            problems.append(f"{f}: {n} lines (keep files under {MAX_LINES})")
    for c in cycles(include_graph(files)):
        problems.append("include circle: " + " -> ".join(c))
    graph = call_graph(sys.argv[1:])
    if not graph:
        problems.append("no objects found under " + " ".join(sys.argv[1:]))
    for c in cycles(graph):
        problems.append("call circle between files: " + ", ".join(c))
    for p in problems:
        print(p)
    edges = sum(len(v) for v in graph.values())
    print(f"structure: {len(files)} files, {len(graph)} objects, {edges} call edges, "
          f"{len(problems)} problem(s)")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
