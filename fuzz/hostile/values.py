"""The values of the hostile-input fuzzer's arguments, as Lua source: numbers at the edges of
every integer width and of doubles, shapes and axes that overflow, arrays of every dtype with
extreme values in contiguous, strided, flipped, broadcast and 2^61-element layouts, freed
arrays, values of every Lua type, option tables whose metamethods raise, free an operand,
collect garbage or call cuarray again. gen.py puts them into calls."""

import random

DTYPES = ["bool", "int8", "uint8", "int16", "int32", "int64", "float16", "float32", "float64",
          "uint16", "uint32", "bfloat16", "uint64"]
INT_RANGE = {"int8": (-128, 127), "uint8": (0, 255), "int16": (-32768, 32767),
             "int32": (-2 ** 31, 2 ** 31 - 1), "int64": (-2 ** 63, 2 ** 63 - 1),
             "uint16": (0, 2 ** 16 - 1), "uint32": (0, 2 ** 32 - 1)}

SMALL_INTS = ["0", "1", "2", "3", "-1", "-2", "5"]
HUGE_INTS = ["2^31", "2^31 - 1", "-2^31", "2^32", "2^53", "2^53 + 2", "2^62", "-2^62", "2^63",
             "-2^63", "2^64", "H.I(2^62)", "H.I(-2^63)", "(math.maxinteger or 2^63)", "1e308",
             "-1e308"]
ODD_NUMBERS = ["0/0", "1/0", "-1/0", "0.5", "-0.5", "2.5", "1e-300", "-0.0"]
FLOAT_VALUES = ["0", "1", "-1", "0.5", "-2.5", "3", "1/0", "-1/0", "0/0", "-0.0", "1e300", "65504",
                "1e-8", "7"]
STRINGS = ['""', '"x"', '"float32"', '"int8"', '"cpu"', '"cuda"', '"cuda:99"', '"cuda:-1"',
           '"cuda:4611686018427387904"', '"..."', '"shape"', '"\\0"', '"%s%n%d"',
           'string.rep("a", 70000)']
DEVICES = ['"cpu"', '"cpu"', '"cuda"', '"cuda:0"', '"cuda:1"', '"cuda:99"', '"cuda:-1"',
           '"cuda:2147483648"', '"cuda:"', '"cpu:0"', '"CPU"', "0", "true"]
PLAIN_SHAPES = [(), (1,), (4,), (7,), (2, 3), (3, 1), (1, 3), (2, 2, 2), (4, 4), (3, 4), (0,),
                (2, 0), (0, 3)]
# Broadcast views far larger than memory (stride 0), and their shapes.
HUGE_VIEWS = [("cu.broadcast_to(cu.zeros(1, {dtype = %s}), {2^61})", (2 ** 61,)),
              ("cu.broadcast_to(cu.zeros(1, {dtype = %s}), {2^31, 2^31})", (2 ** 31, 2 ** 31)),
              ("cu.broadcast_to(cu.zeros(1, {dtype = %s}), {2^62})", (2 ** 62,)),
              ("cu.broadcast_to(cu.zeros({1, 3}, {dtype = %s}), {2^60, 3})", (2 ** 60, 3))]


# float64 values near the rounding boundaries of float32 and float16: a conversion that rounds
# twice (through float32 to float16) gets some of them wrong.
ROUNDING_VALUES = ["1 + 2^-11 + 2^-40", "1 + 2^-11", "1 + 3 * 2^-11", "65519.99", "65520",
                   "2^-24", "2^-25", "2^-25 + 2^-60", "3 * 2^-26", "1 + 2^-24 + 2^-60",
                   "2^128", "3.4028235677973366e38", "1e-46", "-0.0", "0.1", "2049 + 2^-30",
                   "0/0", "1/0", "-1/0", "2^63", "-2^63", "2^31 + 0.5", "-128.9", "255.9",
                   "-2.5", "2.5", "3.5"]

OPTION_VALUES = {"dtype": "dtype", "device": "device", "pinned": "bool", "shape": "shape",
                 "k": "count", "endpoint": "bool", "retstep": "bool", "base": "number",
                 "keepdims": "bool", "ddof": "count", "out": "out", "owner": "any",
                 "strides": "perm", "versioned": "bool", "copy": "bool", "blocking": "bool",
                 "timing": "bool", "priority": "count"}


def lua_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def numel(shape):
    n = 1
    for d in shape:
        n *= d
    return n


def nest(values, shape):
    """Lua table source for a C-order list of element sources in `shape`."""
    if not shape:
        return values[0]
    step = numel(shape[1:])
    parts = [nest(values[i * step:(i + 1) * step], shape[1:]) for i in range(shape[0])]
    return "{" + ", ".join(parts) + "}"


class Value:
    """A generated argument: its source, and what the generator knows of it."""

    def __init__(self, src, kind, shape=None, dtype=None, huge=False, owned=True):
        self.src, self.kind, self.shape, self.dtype, self.huge = src, kind, shape, dtype, huge
        self.owned = owned  # a fresh array (not a slot): safe to take views of


class Step:
    """One call: its number, the operation, the names its errors may carry (None: any; a number
    k stands for argument k when it is a string), the source of its args and call functions."""

    def __init__(self, n, op, names, op_name=None):
        self.n, self.op, self.names = n, op, names
        self.op_name = op_name or op  # the function's own name, without its namespace
        self.setup, self.args, self.call, self.heavy = [], [], "", False
        self.keep = []      # locals of the args function that must outlive the call
        self.store = True   # whether later steps may use the result (S[n])

    def lua(self):
        """The step as the runner's batch file has it."""
        params = ", ".join("a%d" % (i + 1) for i in range(len(self.args)))
        names = "nil" if self.names is None else \
            "{" + ", ".join(lua_str(x) if isinstance(x, str) else str(x) for x in self.names) + "}"
        body = "".join("  %s\n" % s for s in self.setup)
        ret = ", ".join([v.src for v in self.args] + self.keep) or "nil"
        return ("step(%d, %s, function()\n%s  return %s\nend, function(%s)\n  %s\nend, %d, %s)\n"
                % (self.n, names, body, ret, params, self.call, len(self.args),
                   "true" if self.store else "false"))


class Values:
    """Draws values from a seeded generator; a step (gen.Step) collects the locals they bind."""

    def __init__(self, seed, ffi):
        self.rng = random.Random(seed)
        self.ffi = ffi
        self.slots = []  # steps before this one that may have returned an array

    # ---- small choices --------------------------------------------------------------------
    def pick(self, seq):
        return self.rng.choice(seq)

    def chance(self, p):
        return self.rng.random() < p

    def let(self, step, src):
        name = "v%d" % (len(step.setup) + 1)
        step.setup.append("local %s = %s" % (name, src))
        return name

    # ---- scalars --------------------------------------------------------------------------
    def number(self):
        r = self.rng.random()
        if r < 0.45:
            return self.pick(SMALL_INTS)
        if r < 0.75:
            return self.pick(HUGE_INTS)
        return self.pick(ODD_NUMBERS)

    def count(self):
        return self.pick(SMALL_INTS + ["0", "4"] + HUGE_INTS[:12] + ODD_NUMBERS[:6])

    def axis(self):
        return self.pick(["1", "1", "2", "-1", "-2", "0", "3", "33", "-33", "2^31", "2^53",
                          "2^62", "-2^63", "H.I(-2^63)", "0/0", "1/0", "1.5", '"1"', "true",
                          "{1, 2}", "{1, 1}", "{}", "{-1, 2^62}", "nil"])

    def dtype(self):
        if self.chance(0.85):
            return lua_str(self.pick(DTYPES))
        return self.pick(['"float128"', '""', '"int"', "3", "{}", "true", '"Float32"',
                          '"float32 "'])

    def shape_src(self):
        r = self.rng.random()
        if r < 0.35:
            return self.pick(["{}", "{0}", "3", "{2, 3}", "{1, 1, 1}", "{4}", "0", "{3, 0}"])
        if r < 0.75:
            dims = [self.pick(["1", "2", "0", "-1"] + HUGE_INTS[:10] + ODD_NUMBERS[:4])
                    for _ in range(self.rng.randint(1, 3))]
            return "{" + ", ".join(dims) + "}"
        return self.pick(["-1", "2^62", "0/0", "2.5", '"3"', "{{2}}", "{n = 3}", "{1, nil, 3}",
                          "H.filled(33, 1)", "H.filled(32, 1)", "H.filled(32, 2)", "{2^62, 4}",
                          "{-1, 2^62, 4}", "{2^31, 2^31, 2^31}", "{true}", "H.cyclic()",
                          "H.chatty()", "setmetatable({}, {__index = function() return 2 end})",
                          "{2^40, 2^40}", "{3, -1}"])

    # ---- arrays ---------------------------------------------------------------------------
    def element(self, dtype):
        if dtype == "bool":
            return self.pick(["true", "false"])
        if dtype in INT_RANGE:
            lo, hi = INT_RANGE[dtype]
            if dtype == "int64":  # exact on every Lua: within 2^53, or 2^62 / -2^63 spelt out
                return self.pick(["0", "1", "-1", "7", "-7", "2^53", "-2^62", "-2^63"])
            return str(self.pick([0, 1, -1, 7, -7, lo, hi, lo + 1, hi - 1]) if lo < 0
                       else self.pick([0, 1, 7, hi, hi - 1, 128]))
        # uint64 (not in INT_RANGE, whose properties compute in doubles): values exact on every
        # Lua, beyond 2^63 as floats
        if dtype == "uint64":
            return self.pick(["0", "1", "7", "2^53", "2^63", "2^64 - 2^11"])
        return self.pick(FLOAT_VALUES)

    def plain_array(self, shape=None, dtype=None):
        shape = shape if shape is not None else self.pick(PLAIN_SHAPES)
        dtype = dtype or self.pick(DTYPES)
        dt = "{dtype = %s}" % lua_str(dtype)
        n = numel(shape)
        if n == 0:
            src = "cu.zeros({%s}, %s)" % (", ".join(map(str, shape)), dt)
        else:
            src = "cu.array(%s, %s)" % (nest([self.element(dtype) for _ in range(n)], shape), dt)
        return Value(src, "array", tuple(shape), dtype)

    def view_of(self, v):
        """A view of the fresh array v, with its shape worked out."""
        s, shape = v.src, v.shape
        nd = len(shape)
        choices = ["T", "broadcast", "expand"]
        if nd >= 1 and shape[0] >= 1:
            choices += ["stride", "flip"]
        if nd >= 2:
            choices += ["swap"] + (["select"] if shape[1] >= 1 else [])
        c = self.pick(choices)
        if c == "T":
            return Value("%s.T" % s, "array", shape[::-1], v.dtype)
        if c == "broadcast":
            new = (3,) + shape
            return Value("cu.broadcast_to(%s, {%s})" % (s, ", ".join(map(str, new))), "array",
                         new, v.dtype)
        if c == "expand":
            return Value("cu.expand_dims(%s, 1)" % s, "array", (1,) + shape, v.dtype)
        if c == "stride":
            return Value("%s[{{1, -1, 2}}]" % s, "array", ((shape[0] + 1) // 2,) + shape[1:],
                         v.dtype)
        if c == "flip":
            return Value("%s[{{-1, 1, -1}}]" % s, "array", shape, v.dtype)
        if c == "swap":
            new = (shape[-1],) + shape[1:-1] + (shape[0],)
            return Value("%s:swapaxes(1, -1)" % s, "array", new, v.dtype)
        return Value("%s[{{}, 1}]" % s, "array", shape[:1] + shape[2:], v.dtype)

    def array(self, allow_huge=True):
        r = self.rng.random()
        if r < 0.12 and self.slots:
            return Value("S[%d]" % self.pick(self.slots[-20:]), "slot", owned=False)
        v = self.plain_array()
        if r < 0.45:
            return v
        if r < 0.70:
            v = self.view_of(v)
            return self.view_of(v) if self.chance(0.3) else v
        if r < 0.78:
            return Value("H.freed(%s)" % v.src, "array", v.shape, v.dtype)
        if r < 0.86 and allow_huge:
            tmpl, shape = self.pick(HUGE_VIEWS)
            dt = self.pick(DTYPES)
            return Value(tmpl % lua_str(dt), "array", shape, dt, huge=True)
        if r < 0.90:
            nd = self.pick([32, 32, 31, 17])  # at the limit, or two of them past it
            return Value("cu.zeros(H.filled(%d, 1), {dtype = %s})" % (nd, lua_str(v.dtype)),
                         "array", (1,) * nd, v.dtype)
        return self.plain_array(shape=self.pick([(), (0,), (1,)]))

    def hostile(self):
        """Anything: a value of every Lua type, odd tables, foreign userdata."""
        return self.pick(["nil", "true", "false", self.number(), self.pick(STRINGS),
                          "function() end", "print", "coroutine.create(function() end)",
                          "H.dead_coroutine()", "coroutine.running()", "io.stdout",
                          "H.userdata()", "cu.newaxis", "{}", "{1, 2}", "{{}}", "H.cyclic()",
                          "H.deep(300, 1)", "H.chatty()", "H.opts_raising()", "H.ERR", "cu",
                          "cu.zeros", "setmetatable({}, H.MT)", "H.MT", "{0/0}", "{n = 2^62}",
                          "H.filled(100000, 1)"])

    def operand(self, allow_huge):
        r = self.rng.random()
        if r < 0.6:
            return self.array(allow_huge)
        if r < 0.9:
            return Value(self.number(), "scalar")
        return Value(self.pick(["true", "false", "nil", '"2"', "{1, 2}", "H.chatty()"]), "other")

    def nested(self):
        r = self.rng.random()
        if r < 0.4:
            return Value(nest([self.element("float64") for _ in range(6)], (2, 3)), "table")
        if r < 0.55:
            return Value(self.pick(["{{1, 2}, {3}}", "{1, {2}}", "{{}, {}}", "{}", "{{{}}}",
                                    "H.deep(40, 1)", "H.deep(300, 1)", "H.deep(100000, 1)",
                                    "H.cyclic()", "{1, nil, 3}", "{[1] = 1, [3] = 3}",
                                    "{1, true, 2.5}", "{cu.zeros(2), cu.ones(2)}",
                                    "{cu.zeros(2), {1, 2}}", "{H.freed(cu.zeros(2))}",
                                    "H.filled(3, cu.broadcast_to(cu.zeros(1), {2^61}))",
                                    "H.filled(100000, 0.5)", "{1, 2, n = 5}",
                                    "setmetatable({}, {__len = function() return 5 end})",
                                    "setmetatable({1, 2}, {__index = function() return 1 end})",
                                    "{0/0, 1/0, -1/0}", "{2^63, -2^63, 2^64}"]), "table")
        if r < 0.7:
            return Value("H.mutate_on_gc(%s)" % self.pick(["{1, 2, 3, 4}", "H.filled(64, 1)",
                                                          "{{1, 2}, {3, 4}}"]), "table")
        if r < 0.85:
            return self.array()
        return Value(self.hostile(), "other")

    # ---- option tables --------------------------------------------------------------------
    def option_value(self, key, step, first):
        kind = OPTION_VALUES.get(key, "any")
        if kind == "dtype":
            return self.dtype()
        if kind == "device":
            return self.pick(DEVICES)
        if kind == "bool":
            return self.pick(["true", "false", "1", '"yes"', "0/0", "{}"])
        if kind == "count":
            return self.count()
        if kind == "number":
            return self.number()
        if kind == "shape":
            return self.shape_src()
        if kind == "perm":
            return self.pick(["{1}", "{2, 1}", "{1, 2^62}", "{-1}", "{0/0}", "{2^63, 1}",
                              "{1, 2, 3}", '{"x"}'])
        if kind == "out":
            if first is not None and first.kind == "array" and first.shape is not None \
                    and numel(first.shape) <= 64 and self.chance(0.6):
                if first.owned and self.chance(0.3):  # the operand itself: out overlaps it
                    return self.bind(step, first)
                return self.plain_array(shape=first.shape).src
            return self.array(allow_huge=False).src
        return self.hostile()

    def opts(self, keys, step, first):
        r = self.rng.random()
        if r < 0.12:
            return self.pick(["nil", '"float32"', "3", "true", "H.opts_raising()",
                              "H.opts_raising_object()", "H.chatty()", "{}"])
        n = self.rng.randint(1, 3)
        pairs = []
        for _ in range(n):
            key = self.pick(keys + ["bogus"]) if keys and self.chance(0.92) else \
                self.pick(["bogus", "[1]", "[true]", "axis"])
            key_src = key if key.startswith("[") else key
            if key_src in [p[0] for p in pairs]:
                continue
            pairs.append((key_src, self.option_value(key, step, first)))
        table = "{" + ", ".join("%s = %s" % p if not p[0].startswith("[") else "%s = %s" % p
                                for p in pairs) + "}"
        r = self.rng.random()
        if r < 0.70:
            return table
        if r < 0.76:
            return "H.opts_odd(%s)" % self.pick(["2^62", "0/0", "true", "cu.zeros(2)",
                                                 "H.freed(cu.zeros(2))", "print",
                                                 "coroutine.create(function() end)", "H.chatty()",
                                                 '"float32"',
                                                 "cu.broadcast_to(cu.zeros(1), {2^61})"])
        if r < 0.82:
            return "H.opts_collecting(%s)" % table
        if r < 0.88:
            return "H.opts_reentrant(%s)" % table
        if r < 0.93 and first is not None and first.kind == "array" and first.owned:
            return "H.opts_freeing(%s, %s)" % (self.bind(step, first), table)
        shape = first.shape if first is not None and first.shape is not None \
            and numel(first.shape) <= 64 else (2,)
        return "H.opts_weak_out({%s}, %s)" % (", ".join(map(str, shape)),
                                              lua_str(self.pick(DTYPES)))

    def bind(self, step, value):
        """Makes value a local of the args function (so it can be named twice) and returns it."""
        if value.src.startswith("v") and value.src[1:].isdigit():
            return value.src
        value.src = self.let(step, value.src)
        return value.src

    # ---- special arguments ----------------------------------------------------------------
    def index_key(self):
        r = self.rng.random()
        ints = ["1", "-1", "2", "0", "100", "2^31", "2^62", "-2^63", "H.I(-2^63)", "0/0", "1.5",
                "1/0"]
        if r < 0.25:
            return Value(self.pick(ints), "scalar")
        if r < 0.5:
            def rng_entry():
                return "{%s}" % ", ".join(self.pick(ints + ["nil"])
                                          for _ in range(self.rng.randint(0, 3)))
            entries = [self.pick([rng_entry(), self.pick(ints), "cu.newaxis", '"..."', "{}"])
                       for _ in range(self.rng.randint(1, 4))]
            return Value("{%s}" % ", ".join(entries), "table")
        if r < 0.75:
            key = Value(self.pick([
                "cu.array({1, 3})", "cu.array({0})", "cu.array({-1, 2^53})",
                "cu.array(7)", "cu.array(-100)", "cu.array({}, {dtype = 'int64'})",
                "cu.array({true, false})", "cu.array(true)", "cu.array({1.5})",
                "cu.array({{1, 2}, {3, 4}}, {dtype = 'int8'})",
                "cu.array({200}, {dtype = 'uint8'})",
                "{cu.array({1, 2}), cu.array({1})}", "{'...', cu.array(1)}",
                "{cu.array(1), '...', cu.array(1)}", "{cu.newaxis, cu.array({1, 1})}",
                "H.freed(cu.array({1}))", "{cu.array({2^62})}",
                "cu.broadcast_to(cu.array({1}), {2^40})"]), "array")
            if key.src.startswith("{"):
                key.kind = "table"
            return key
        if r < 0.9:
            return Value(self.pick(['"shape"', '"T"', '"foo"', '"__index"', '"free"', '"size"',
                                    '"nbytes"', '"strides"', '"pinned"', '"is_contiguous"']),
                         "scalar")
        return Value(self.hostile(), "other")

    def pointer(self, step):
        """A live buffer's address (512 bytes, kept alive through the call), or a value that is
        no address. The buffer is on the default device for from_pointer (which must notice a
        device pointer), on the host for the functions that copy from or to host memory."""
        if self.chance(0.5):
            where = "" if step.op_name == "from_pointer" and self.chance(0.5) \
                else ", device = 'cpu'"
            buf = self.let(step, "cu.zeros(64, {dtype = 'float64'%s})" % where)
            step.keep.append(buf)
            return Value("%s:data_ptr()" % buf, "pointer")
        return Value(self.pick(["0", "-1", "0.5", "0/0", "2^64", "nil", "true", '"0x1000"', "{}",
                                "cu.zeros(2)", "function() end", "H.userdata()", "io.stdout"]
                               + (["H.ffi.cast('void *', 0)", "H.ffi.new('double[64]')"]
                                  if self.ffi else [])), "other")
