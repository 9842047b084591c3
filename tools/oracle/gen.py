#!/usr/bin/python3
"""The NumPy-oracle generator: draws random cases from a seed and writes, per seed, a Lua file
of cases (the Lua code of each, and NumPy's answer) for tools/oracle/runner.lua.

    /usr/bin/python3 tools/oracle/gen.py --seeds 1,2,3 --count 400 --out build/oracle
    /usr/bin/python3 tools/oracle/gen.py --check-design DESIGN.md   # the deviations section
    /usr/bin/python3 tools/oracle/gen.py --write-design DESIGN.md

The same seed gives the same cases (Python's random.Random; NumPy only computes answers).
Cases matching an entry of known_failures.json carry its id, and the runner reports them as
known instead of failing."""
import argparse
import json
import os
import random
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import common  # noqa: E402
import deviations  # noqa: E402
import fam_create  # noqa: E402
import fam_elementwise  # noqa: E402
import fam_index  # noqa: E402
import fam_linalg  # noqa: E402
import fam_manip  # noqa: E402
import fam_reduce  # noqa: E402
import fam_shape  # noqa: E402
import fam_sort  # noqa: E402
from common import BIG, Case, Expect, Raises  # noqa: E402

MODULES = [fam_elementwise, fam_reduce, fam_shape, fam_create, fam_index, fam_linalg, fam_manip,
           fam_sort]
FAMILIES = [f for m in MODULES for f in m.FAMILIES]


# ---- known failures ----------------------------------------------------------------------

def load_known():
    with open(os.path.join(HERE, "known_failures.json")) as f:
        return json.load(f)


def matches(entry, case):
    m = entry["match"]
    if "op" in m and case.op not in m["op"]:
        return False
    if "tags" in m and not all(t in case.tags for t in m["tags"]):
        return False
    if "any_tag" in m and not any(t in case.tags for t in m["any_tag"]):
        return False
    if "dtypes" in m and not all(d in case.dtypes for d in m["dtypes"]):
        return False
    if "any_dtype" in m and not any(d in case.dtypes for d in m["any_dtype"]):
        return False
    if "variant" in m and not any(v in case.variant for v in m["variant"]):
        return False
    return True


# ---- Lua encoding -------------------------------------------------------------------------

def lua_value(v):
    if isinstance(v, (complex, np.complexfloating)):
        return "{%s, %s}" % (common.float_literal(v.real), common.float_literal(v.imag))
    if isinstance(v, (bool, np.bool_)):
        return "true" if v else "false"
    if isinstance(v, (int, np.integer)):
        v = int(v)
        return str(v) if abs(v) <= BIG else '"%d"' % v
    return common.float_literal(v)


def long_string(s):
    level = 1
    while ("]" + "=" * level + "]") in s:
        level += 1
    eq = "=" * level
    return "[%s[\n%s]%s]" % (eq, s, eq)


def np_repr(v):
    if isinstance(v, Raises):
        return "raises " + v.why
    if isinstance(v, list):
        return "[" + ", ".join(np_repr(x) for x in v) + "]"
    if isinstance(v, np.ndarray):
        s = np.array_repr(v)
    else:
        s = repr(v)
    return s if len(s) < 600 else s[:600] + " ..."


def encode_expect(e):
    if isinstance(e, Raises):
        return "{k = \"r\"}"
    if e.kind == "value":
        return "{k = \"v\", v = %s}" % lua_value(e.value)
    if e.kind == "list":
        return "{k = \"l\", items = {%s}}" % ", ".join(
            encode_expect(Expect("array", a)) for a in e.value)
    a = np.asarray(e.value)
    vals = ", ".join(lua_value(x) for x in a.reshape(-1).tolist())
    parts = ['k = "%s"' % ("a" if e.kind == "array" else "e"), 'dt = "%s"' % a.dtype.name,
             "sh = {%s}" % ", ".join(str(d) for d in a.shape), "v = {%s}" % vals]
    if e.ulps:
        parts.append("u = %d" % e.ulps)
    if e.gulps != e.ulps:
        parts.append("gu = %d" % e.gulps)
    if e.atol:
        parts.append("at = %s" % repr(float(e.atol)))
    if not e.zero_sign:
        parts.append("zs = false")
    return "{" + ", ".join(parts) + "}"


def encode_case(case, ident):
    body = "\n".join(case.lines)
    raises = [e for _, e in case.rets if isinstance(e, Raises)]
    if raises:
        expr = case.rets[-1][0]
        code = body + ("\n" if body else "") + "return " + expr
        ex = '{k = "r"}'
        exs = "raises = true"
        npr = np_repr(raises[0])
    else:
        code = body + ("\n" if body else "") + "return " + ", ".join(x for x, _ in case.rets)
        exs = "ex = {%s}" % ", ".join(encode_expect(e) for _, e in case.rets)
        npr = "\n".join(np_repr(e.value) for _, e in case.rets)
        ex = None
    del ex
    fields = ['id = "%s"' % ident, 'op = "%s"' % case.op, 'variant = "%s"' % case.variant,
              "code = " + long_string(code), "npr = " + long_string(npr), exs]
    if case.needs:
        fields.append('needs = "%s"' % ",".join(sorted(case.needs)))
    if getattr(case, "known", None):
        fields.append('known = "%s"' % case.known)
    return "C(function() return {%s} end)\n" % ",\n  ".join(fields)


# ---- drawing -------------------------------------------------------------------------------

def draw_case(rng, index, only):
    fams = [(f, w) for f, w in FAMILIES if not only or f.__name__ in only]
    total = sum(w for _, w in fams)
    while True:
        u = rng.random() * total
        for fam, w in fams:
            u -= w
            if u < 0:
                break
        case = Case(rng, fam.__name__)
        if fam(case) is not None and case.rets:
            return case


def generate(seed, count, only, known):
    rng = random.Random(seed)
    out = ["-- cases for seed %d, written by tools/oracle/gen.py (NumPy %s)\n" %
           (seed, np.__version__), "local C = ...\nlocal nan, inf, negz = 0 / 0, math.huge, -1 / math.huge\n"]
    for i in range(count):
        case = draw_case(rng, i, only)
        for entry in known:
            if matches(entry, case):
                case.known = entry["id"]
                break
        out.append(encode_case(case, "%d:%d" % (seed, i + 1)))
    return "".join(out)


def parse_seeds(text):
    seeds = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        if "-" in part[1:]:
            lo, hi = part.split("-", 1)
            seeds.extend(range(int(lo), int(hi) + 1))
        else:
            seeds.append(int(part))
    return seeds


def check_design(path, write):
    with open(path) as f:
        text = f.read()
    current = deviations.design_section(text)
    want = deviations.render()
    if write:
        if current is None:
            sys.exit("%s has no generated deviations section (markers missing)" % path)
        with open(path, "w") as f:
            f.write(text.replace(current, want))
        return 0
    src = ""
    for m in MODULES + [common]:
        with open(m.__file__) as f:
            src += f.read()
    unused = deviations.check_used(src)
    if unused:
        print("deviations.json lists entries no generator code names: %s" % ", ".join(unused))
        return 1
    if current != want:
        print("%s: the section 'Differences from NumPy' differs from tools/oracle/deviations.json;"
              " run make oracle-design" % path)
        return 1
    print("%s: the deviations section matches tools/oracle/deviations.json (%d entries)"
          % (path, len(deviations.ENTRIES)))
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", default="1")
    ap.add_argument("--count", type=int, default=300)
    ap.add_argument("--out", default="build/oracle")
    ap.add_argument("--only", default="", help="comma-separated family functions")
    ap.add_argument("--check-design")
    ap.add_argument("--write-design")
    args = ap.parse_args()
    if args.check_design:
        return check_design(args.check_design, False)
    if args.write_design:
        return check_design(args.write_design, True)
    only = set(x for x in args.only.split(",") if x)
    known = load_known()
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "known.lua"), "w") as f:
        f.write("return {\n%s}\n" % "".join(
            "  [%s] = {defect = %s, devices = %s},\n" % (
                common.lua_str(e["id"]), common.lua_str(e["defect"]),
                common.lua_str(",".join(e.get("devices", ["cpu", "cuda"]))))
            for e in known))
    for seed in parse_seeds(args.seeds):
        path = os.path.join(args.out, "cases_%d.lua" % seed)
        text = generate(seed, args.count, only, known)
        with open(path + ".tmp", "w") as f:
            f.write(text)
        os.replace(path + ".tmp", path)
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
