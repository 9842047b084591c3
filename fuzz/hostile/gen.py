"""The steps of the hostile-input fuzzer, as Lua source.

A step calls one public function or metamethod of cuarray (the list comes from the module at
run time: `runner.lua discover`) with hostile arguments. Functions this file knows get
arguments shaped like their signature (a shape where a shape goes, an axis where an axis goes)
with hostile values mixed in; any other function, such as one added after this file was
written, gets generic hostile arguments, so it is covered too.

A step is the Lua source of two functions: `args` builds the arguments (it may bind locals,
make garbage with finalizers, free arrays), `call` makes the one call under test with them.
Everything is a pure function of the seed, so a batch can be written again to bisect it.
"""

import re

from values import (DEVICES, DTYPES, HUGE_INTS, INT_RANGE, ODD_NUMBERS, ROUNDING_VALUES,
                    SMALL_INTS, Step, Value, Values, lua_str, nest, numel)

# Accepted names in error messages, beyond the function's own.
ALIASES = [("abs", "absolute"), ("acos", "arccos"), ("asin", "arcsin"), ("atan", "arctan"),
           ("atan2", "arctan2"), ("pow", "power"), ("mod", "remainder"),
           ("divide", "true_divide"), ("eq", "equal"), ("ne", "not_equal"), ("lt", "less"),
           ("le", "less_equal"), ("gt", "greater"), ("ge", "greater_equal"), ("amax", "max"),
           ("amin", "min"), ("invert", "bitwise_not"), ("round", "around"),
           ("ravel", "flatten"), ("asarray", "array"), ("rand", "random"), ("sub", "subtract"),
           ("mul", "multiply"), ("div", "divide"), ("neg", "negative"),
           ("repeat", "repeat_interleave"), ("_as_strided", "as_strided"),
           ("radians", "deg2rad"), ("degrees", "rad2deg"), ("fix", "trunc"), ("asinh", "arcsinh"),
           ("acosh", "arccosh"), ("atanh", "arctanh"), ("conjugate", "conj")]
# Lua's keywords, which a public name may be (cu["repeat"]): such a field is written with [].
LUA_KEYWORDS = set("""and break do else elseif end false for function goto if in local nil not
  or repeat return then true until while""".split())


def lua_field(name):
    """`.name`, or `["name"]` for a Lua keyword."""
    return '["%s"]' % name if name in LUA_KEYWORDS else "." + name
META_NAMES = {
    "__add": ["add"], "__sub": ["subtract"], "__mul": ["multiply"],
    "__div": ["divide", "true_divide"], "__mod": ["mod", "remainder"], "__pow": ["power", "pow"],
    "__unm": ["negative"], "__idiv": ["floor_divide"], "__band": ["bitwise_and"],
    "__bor": ["bitwise_or"], "__bxor": ["bitwise_xor"], "__shl": ["left_shift"],
    "__shr": ["right_shift"], "__bnot": ["invert", "bitwise_not"], "__len": ["len"],
    "__index": ["index", "indices", "attribute", "indexing", "reading"],
    "__newindex": ["index", "indices", "attribute", "assignment", "indexing"],
    "__tostring": ["tostring", "repr", "print", "_print_data", "array_repr"],
    "__gc": ["gc", "free"], "__close": ["close", "free"],
}
BINARY_OPERATORS = {"__add": "+", "__sub": "-", "__mul": "*", "__div": "/", "__mod": "%",
                    "__pow": "^", "__idiv": "//", "__band": "&", "__bor": "|", "__bxor": "~",
                    "__shl": "<<", "__shr": ">>"}
OPERATORS_54 = {"__idiv", "__band", "__bor", "__bxor", "__shl", "__shr", "__bnot"}

# Functions whose loops are as long as their input: a 2^61-element view makes them run for
# ever, as NumPy would, so they get no such views.
REDUCING = set("""sum prod mean std var max min amax amin all any argmax argmin cumsum cumprod
  nonzero argwhere flatnonzero norm dot vdot inner matmul nansum nanprod nanmean nanstd nanvar
  nanmax nanmin nanargmax nanargmin count_nonzero ptp""".split())
# Functions whose work grows with the square of a list's length, as NumPy's do (poly multiplies
# one linear factor after another): given a hostile list of 100000 entries, a slow answer is
# legitimate.
QUADRATIC = {"poly"}
# Functions that take a raw address (by name): any integer would be a pointer to anywhere, as
# in C, so their address argument is a live buffer or a value that is no address at all, and
# their other arguments are not replaced by arbitrary values.
RAW_POINTER = re.compile(r"pointer|ptr|ffi|dlpack")
# Hidden functions that are not fuzzed as such: the printer hook (see with_formatter instead).
SKIP = {("cu", "_set_formatter"), ("cu", "_methods")}
# Private primitives that raise in the name their Lua caller passes at this argument (the public
# function they serve), when it is a string, else in their own (src/array.c, ca_caller_name).
CALLER_NAMED = {("cu", "_check_array"): 2, ("cu", "_layout_key"): 2, ("cu", "_write_out"): 3,
                ("cu", "_encode_png"): 1,
                ("cu", "_sort"): 4,
                ("cu", "_searchsorted"): 4, ("cu", "_scatter_add"): 4, ("cu", "_filled"): 1,
                ("cu", "_as_strided"): 5, ("random", "_draw"): 1, ("random", "_permutation"): 1,
                ("random", "_rows"): 1}

SIGNATURES = {}


def sig(names, *slots, ns="cu"):
    for n in names.split():
        SIGNATURES[(ns, n)] = slots


UNARY = """abs absolute acos arccos asin arcsin atan arctan ceil cos cosh exp expm1 floor invert
  bitwise_not isfinite isinf isnan log log10 log1p log2 logical_not negative reciprocal rint sign
  sin sinh sqrt square tan tanh trunc"""
BINARY = """add subtract multiply divide true_divide floor_divide mod remainder fmod power pow
  maximum minimum arctan2 atan2 bitwise_and bitwise_or bitwise_xor left_shift right_shift
  logical_and logical_or logical_xor eq ne lt le gt ge equal not_equal less less_equal greater
  greater_equal"""
REDUCTIONS = "sum prod mean std var max min amax amin all any argmax argmin"
# Reductions whose result does not depend on the order of the elements' reading.
EXACT_REDUCTIONS = "max min amax amin all any argmax argmin"
COMPARISONS = ["lt", "le", "gt", "ge", "eq", "ne", "less", "less_equal", "greater",
               "greater_equal", "equal", "not_equal"]

sig("zeros ones empty", "shape", "opts:dtype,device,pinned")
sig("full", "shape", "fill", "opts:dtype,device,pinned")
sig("zeros_like ones_like empty_like", "array", "opts:dtype,device,shape,pinned")
sig("full_like", "array", "fill", "opts:dtype,device,shape,pinned")
sig("identity", "count", "opts:dtype,device")
sig("eye", "count", "count", "opts:dtype,device,k")
sig("arange", "number", "number", "number", "opts:dtype,device")
sig("linspace logspace", "number", "number", "count", "opts:dtype,device,endpoint,retstep,base")
sig("array asarray", "nested", "opts:dtype,device,pinned")
sig("copy ravel flatnonzero nonzero argwhere flatten get item totable free cpu cuda data_ptr "
    "array_repr is_array", "array")
sig(UNARY, "operand", "opts:out")
sig(BINARY, "operand", "operand", "opts:out")
sig("round around", "operand", "count", "opts:out")
sig("clip", "operand", "operand", "operand", "opts:out")
sig("where", "operand", "operand", "operand")
sig(REDUCTIONS, "array", "axis", "opts:keepdims,out,dtype,ddof")
sig("cumsum cumprod", "array", "axis", "opts:dtype,out")
sig("reshape broadcast_to", "array", "shape")
sig("transpose", "array", "perm")
sig("swapaxes", "array", "axis", "axis")
sig("expand_dims squeeze flip", "array", "axis")
sig("take", "array", "indexarray", "axis")
sig("concatenate stack", "arrays", "axis", "opts:dtype")
sig("matmul dot inner outer vdot", "operand", "operand", "opts:out")
sig("astype", "array", "dtype")
sig("fill", "array", "fill")
sig("to", "array", "device")
sig("set_default_device", "device")
sig("set_default_dtype", "dtype")
sig("set_matmul_precision", "precision")
sig("set_printoptions", "printoptions")
sig("_print_data", "array", "count")
sig("save", "wpath", "array")
sig("savez", "wpath", "arraydict")
sig("load", "rpath", "opts:device")
sig("from_pointer", "pointer", "shape", "opts:dtype,device,owner,strides")
sig("from_ffi", "pointer", "count", "dtype", "opts:device")
sig("to_ffi", "array", "pointer")
sig("to_dlpack", "array", "opts:versioned")
sig("_as_strided", "array", "shape", "shape", "count")
sig("norm", "array", "number", "axis", "opts:keepdims", ns="linalg")
sig("seed", "number", ns="random")
sig("set_state", "number", "number", ns="random")
sig("random standard_normal", "shape", "opts:dtype,device", ns="random")
sig("rand", "count", "count", "count", ns="random")
sig("uniform normal randint", "number", "number", "shape", "opts:dtype,device", ns="random")
sig("synchronize memory_info backend", "count", ns="cuda")
sig("Event Stream", "opts:blocking,timing,priority", ns="cuda")
sig("with_stream", "stream", "function", ns="cuda")


class Generator(Values):
    def __init__(self, seed, functions, flavour):
        """functions: (kind, name) pairs from `runner.lua discover`; flavour: its V line."""
        super().__init__(seed, flavour.get("ffi") == "ffi")
        self.functions = sorted(f for f in functions if (f[0], f[1]) not in SKIP)
        self.lua54 = flavour.get("version") in ("Lua_5.4", "Lua_5.3")

    def slot_value(self, kind, step, first):
        if kind == "any" and RAW_POINTER.search(step.op_name):  # an address, or no number
            return self.pointer(step)
        if kind == "array" and RAW_POINTER.search(step.op_name):  # copies into 512 bytes
            return self.plain_array()
        if kind == "count" and RAW_POINTER.search(step.op_name):  # elements read from 512 bytes
            return Value(self.pick(["0", "1", "4", "-1", "0.5", "0/0", "1/0", "2^53", "2^62",
                                    "2^63", "H.I(2^62)"]), "scalar")
        if kind == "array":
            return self.array(allow_huge=step.op_name not in REDUCING)
        if kind == "operand":
            return self.operand(allow_huge=step.op_name not in REDUCING)
        if kind == "shape":
            return Value(self.shape_src(), "shape")
        if kind == "count":
            return Value(self.count(), "scalar")
        if kind == "number":
            return Value(self.number(), "scalar")
        if kind == "axis":
            return Value(self.axis(), "scalar")
        if kind == "dtype":
            return Value(self.dtype(), "scalar")
        if kind == "device":
            return Value(self.pick(DEVICES), "scalar")
        if kind == "fill":
            return self.operand(allow_huge=False) if self.chance(0.8) else \
                Value(self.pick(["true", "300", "-129", "2^64"]), "scalar")
        if kind == "nested":
            return self.nested()
        if kind == "perm":
            return Value(self.pick(["{2, 1}", "{1}", "{1, 1}", "{0, 1}", "{1, 2, 3}", "{2^62, 1}",
                                    "{-1, -2}", "2", "nil", "{0/0, 1}"]), "other")
        if kind == "indexarray":
            return self.index_key() if self.chance(0.3) else Value(self.pick([
                "cu.array({1, 2})", "cu.array({-1})", "cu.array({0})", "cu.array({99})",
                "cu.array({2^62})", "cu.array({1.5})", "cu.array({}, {dtype = 'int64'})",
                "cu.array(1)", "cu.array({true})"]), "array")
        if kind == "arrays":
            items = [self.array(allow_huge=True).src for _ in range(self.rng.randint(0, 3))]
            items += self.pick([[], [], ["1"], ["nil", "cu.zeros(2)"], ["{}"]])
            return Value("{%s}" % ", ".join(items), "table")
        if kind == "arraydict":
            return Value(self.pick(["{a = cu.zeros(2)}", "{[''] = cu.zeros(2)}",
                                    "{[string.rep('n', 300)] = cu.zeros(1)}", "{x = 1}",
                                    "{cu.zeros(1)}", "{a = H.freed(cu.zeros(2))}",
                                    "{a = cu.broadcast_to(cu.zeros(1), {2^61})}",
                                    "{['a/../b'] = cu.zeros(1)}", "{}"]), "table")
        if kind == "wpath":
            return Value(self.pick(['H.tmp("x.npy")', 'H.tmp("")', 'H.tmp("no/such/dir.npy")',
                                    '"/dev/full"', 'H.tmp("x.npz")', '""', "1", "nil"]), "other")
        if kind == "rpath":
            return Value(self.pick(['H.tmp("x.npy")', 'H.tmp("x.npz")', '"/dev/null"',
                                    '"/proc/self/maps"', '"/"', '"/no/such/file"', '""', "nil",
                                    'H.tmp("missing.npy")', "2"]), "other")
        if kind == "pointer":
            return self.pointer(step)
        if kind == "precision":
            return Value(self.pick(['"high"', '"highest"', '"medium"', "nil", "1", '""']), "other")
        if kind == "printoptions":
            key = self.pick(["threshold", "edgeitems", "precision", "linewidth", "suppress",
                             "bogus"])
            val = self.pick(["0", "1", "3", "17", "18", "2^31", "2^62", "2^53", "-1", "0/0",
                             "1/0", "2.5", "true", '"x"', "nil", "1e-300"])
            return Value(self.pick(["{%s = %s}" % (key, val), "nil", "{}", "3", "H.opts_raising()",
                                    "{%s = %s, edgeitems = 1}" % (key, val)]), "table")
        if kind == "stream":
            # made under pcall: without CUDA these raise, and the message is the argument
            return Value(self.pick(["select(2, pcall(cu.cuda.Stream))",
                                    "select(2, pcall(cu.cuda.current_stream))", "nil", "1",
                                    "{}", "cu.zeros(1)"]), "other")
        if kind == "function":
            return Value(self.pick(["function() return cu.zeros(3):sum() end",
                                    "function() error('hostile: in with_stream', 0) end",
                                    "function() error(H.ERR) end", "nil", "1",
                                    "function() return cu.cuda.with_stream(cu.cuda.Stream(), "
                                    "function() return 1 end) end"]), "other")
        if kind.startswith("opts:"):
            return Value(self.opts(kind[5:].split(","), step, first), "opts")
        return Value(self.hostile(), "other")

    # ---- steps ----------------------------------------------------------------------------
    def accepted_names(self, kind, name):
        if kind == "meta":  # the operation's name, or the metamethod's own
            return META_NAMES.get(name, [name.lstrip("_")]) + [name]
        names = [name]
        if (kind, name) in CALLER_NAMED:
            names.append(CALLER_NAMED[(kind, name)])
        for a, b in ALIASES:
            if name == a:
                names.append(b)
            elif name == b:
                names.append(a)
        if kind in ("random", "linalg", "cuda"):
            names += ["%s.%s" % (kind, n) for n in list(names)]
        return names

    def signature(self, kind, name):
        ns = "cu" if kind in ("method", "cu") else kind
        if (ns, name) in SIGNATURES:
            slots = list(SIGNATURES[(ns, name)])
        elif ("cu", name) in SIGNATURES:
            slots = list(SIGNATURES[("cu", name)])
        elif kind == "method" or kind.endswith("event") or kind.endswith("stream"):
            slots = ["array", "any", "any"][:self.rng.randint(1, 3)]
        else:
            slots = ["any"] * self.rng.randint(0, 3)
        if kind == "method" and (not slots or slots[0] not in ("array", "operand")):
            slots = ["array"] + slots
        return slots

    def make_step(self, n):
        kind, name = self.pick(self.functions)
        step = Step(n, "%s.%s" % (kind, name), self.accepted_names(kind, name), name)
        if kind == "meta":
            self.meta_step(step, name)
        elif name == "from_dlpack":
            self.dlpack_step(step)
        else:
            slots = self.signature(kind, name)
            if self.chance(0.15) and not RAW_POINTER.search(name):
                # a generic mutation: drop, add or replace an argument
                r = self.rng.random()
                if r < 0.3 and slots:
                    slots.pop()
                elif r < 0.6:
                    slots.append("any")
                elif slots:
                    slots[self.rng.randrange(len(slots))] = "any"
            first = None
            for s in slots:
                v = self.slot_value(s, step, first)
                step.args.append(v)
                if first is None:
                    first = v
            self.fn_call(step, kind, name)
        if name in REDUCING and any(v.huge for v in step.args):
            step.heavy = True
        if name in QUADRATIC and any("100000" in v.src for v in step.args):
            step.heavy = True
        self.gc_mode(step)
        if name == "from_pointer":  # the memory may be any buffer, with no owner given
            step.store = False
        if step.store and kind in ("cu", "method", "random", "linalg") and name != "free":
            self.slots.append(n)
        return step

    def dlpack_step(self, step):
        """from_dlpack of a tensor to_dlpack made, taken as the contract says (the versioned
        flag telling its kind truthfully), or of values that are no tensor at all. A tensor
        that is never taken would leak, so options that fail before it is taken go with values
        that are no tensor."""
        if self.chance(0.6):
            versioned = self.pick([True, False])
            src = self.pick(["cu.zeros({2, 3})", "cu.arange(5)[{{-1, 1, -1}}]", "cu.zeros({0})",
                             "cu.array(1.5)", "cu.broadcast_to(cu.zeros(1), {2^61})",
                             "cu.zeros(H.filled(32, 1))", "H.free_on_gc(cu.zeros(3))"])
            flag = "true" if versioned else "false"
            arg = "%s:to_dlpack({versioned = %s})" % (src, flag)
            opts = self.pick(["{versioned = %s}" % flag, "{versioned = %s, copy = true}" % flag,
                              "{versioned = %s, copy = false}" % flag]
                             + (["nil", "{copy = true}"] if versioned else []))
        else:
            arg = self.pick(["nil", "0", "-1", "0.5", "0/0", "{}", '"p"', "cu.zeros(2)",
                             "H.userdata()", "true"])
            opts = self.pick(["nil", "{bogus = 1}", "H.opts_raising()", "3", "{versioned = 0/0}",
                              "H.opts_collecting({copy = true})"])
        step.args = [Value(arg, "pointer"), Value(opts, "opts")]
        step.call = "return cu.from_dlpack(a1, a2)"

    def params(self, step, start=0):
        return ", ".join("a%d" % (i + 1) for i in range(start, len(step.args)))

    def fn_call(self, step, kind, name):
        if name == "to_dlpack":  # the consumer's half of the contract goes with it
            opts, versioned = self.pick([("nil", "nil"), ("{versioned = false}", "false"),
                                         ("{versioned = true}", "true"), ("{bogus = 1}", "nil"),
                                         ("H.opts_raising()", "nil"), ("{copy = true}", "nil")])
            step.args = step.args[:1] + [Value(opts, "opts")]
            step.names = step.names + ["from_dlpack"]
            method = "a1:to_dlpack(a2)" if step.args[0].kind == "array" and self.chance(0.7) \
                else "H.MT.__methods.to_dlpack(a1, a2)"
            step.call = "return H.consume(%s, %s)" % (method, versioned)
            return
        if kind == "cu":
            step.call = "return cu%s(%s)" % (lua_field(name), self.params(step))
        elif kind in ("random", "linalg", "cuda"):
            step.call = "return cu.%s%s(%s)" % (kind, lua_field(name), self.params(step))
        elif kind == "method":
            first = step.args[0] if step.args else None
            if first is not None and first.kind == "array" and self.chance(0.75):
                step.call = "return a1:%s(%s)" % (name, self.params(step, 1))
            else:
                step.call = "return H.MT.__methods%s(%s)" % (lua_field(name), self.params(step))
        else:  # methods of CUDA events and streams
            maker = "cu.cuda.Event()" if kind.startswith("event") else "cu.cuda.Stream()"
            if self.chance(0.7):
                step.args.insert(0, Value(maker, "other"))
            field = "" if kind.endswith("-meta") else ".__index"
            step.call = "return getmetatable(%s)%s.%s(%s)" % (maker, field, name,
                                                             self.params(step))

    def meta_step(self, step, name):
        allow_huge = True
        if name in BINARY_OPERATORS:
            a, b = self.operand(allow_huge), self.operand(allow_huge)
            if a.kind != "array" and b.kind != "array" and self.chance(0.7):
                b = self.array()
            step.args = [a, b]
            op = BINARY_OPERATORS[name]
            # an operator reaches the array metamethod only when no operand has one of its own
            # (an earlier step's result may be a cdata, whose metamethods LuaJIT tries first)
            arrays = (a.kind == "array" or b.kind == "array") and "slot" not in (a.kind, b.kind)
            if arrays and (name not in OPERATORS_54 or self.lua54) and self.chance(0.6):
                step.call = "return a1 %s a2" % op
            else:
                step.call = "return H.MT.%s(a1, a2)" % name
            return
        foreign = self.chance(0.25)
        self_value = Value(self.hostile(), "other") if foreign else self.array(allow_huge)
        step.args = [self_value]
        direct = foreign or self_value.kind != "array" or self.chance(0.3)
        if name == "__index":
            key = self.index_key()
            if key.kind == "array" and self_value.huge and "true" in key.src:
                key = Value("1", "scalar")
            step.args.append(key)
            step.call = "return H.MT.__index(a1, a2)" if direct else "return a1[a2]"
        elif name == "__newindex":
            key = self.index_key()
            val = self.operand(False) if self.chance(0.8) else Value(self.hostile(), "other")
            step.args += [key, val]
            # an index array broadcast to 2^40 entries asks for 2^40 writes (NumPy makes them
            # too): running out of time there is legitimate
            step.heavy = "2^40" in key.src
            step.call = "return H.MT.__newindex(a1, a2, a3)" if direct else "a1[a2] = a3"
        elif name == "__unm" and not direct:
            step.call = "return -a1"
        elif name == "__bnot" and not direct and self.lua54:
            step.call = "return ~a1"
        elif name == "__len" and not direct:
            step.call = "return #a1"
        elif name == "__tostring" and not direct:
            step.call = "return tostring(a1)"
        else:
            if self.chance(0.3):
                step.args.append(Value(self.hostile(), "other"))
            step.call = "return H.MT.%s(%s)" % (name, self.params(step))

    def gc_mode(self, step):
        """Sometimes makes the collector run inside the call: garbage whose finalizer frees an
        operand, with the collector at its most eager."""
        if not self.chance(0.08):
            return
        arrays = [i for i, v in enumerate(step.args) if v.kind == "array" and v.owned]
        if arrays and self.chance(0.7):
            i = self.pick(arrays)
            step.args[i].src = "H.free_on_gc(%s)" % step.args[i].src
        elif any(v.kind == "table" for v in step.args):
            pass  # H.mutate_on_gc tables are made by nested()
        step.call = "return H.eager_gc(function() %s end)" % (
            step.call if step.call.startswith("return") else step.call + " return nil")

    def special_step(self, n):
        """Steps that are not a plain call: printing with a hostile printer, tampering with the
        array metatable, the random stream at its limits."""
        r = self.rng.random()
        step = Step(n, "special", None)
        a = self.array(allow_huge=False)
        step.args = [a]
        if r < 0.15 and any(n == "from_pointer" for _, n in self.functions):
            # memory wrapped as the contract asks (within the buffer, the owner given), then
            # read: a device pointer given as host memory would be read from the CPU
            step.op, step.names = "cu.from_pointer", ["from_pointer", "sum", "totable"]
            buf = self.let(step, "cu.zeros(64, {dtype = 'float64'})")
            shape = self.pick(["{4, 4}", "{64}", "{2, 3, 4}", "{}", "{0}"])
            opts = "{dtype = %s, owner = %s%s}" % (
                lua_str(self.pick(DTYPES)), buf,
                self.pick(["", "", ", device = 'cpu'"]))
            step.args = [Value("%s:data_ptr()" % buf, "pointer"), Value(shape, "shape"),
                         Value(opts, "opts")]
            step.call = "return cu.from_pointer(a1, a2, a3):%s()" % self.pick(["sum", "totable"])
        elif r < 0.22:
            # cuarray called from a finalizer that runs when the Lua state closes
            step.op, step.names = "at_close", None
            body = self.pick(["local b = cu.zeros(3) + a1; b:free()", "return tostring(a1)",
                              "return cu.arange(5):sum()", "a1:free()",
                              "return cu.zeros({2, 2}) + 1"])
            step.call = "H.at_close(function() %s end)" % body
        elif r < 0.45:
            fmt = self.pick(["H.nested_print(50)", "H.nested_print(50)",
                             "function(x) return tostring(x) end" if self.chance(0.1) else
                             "H.nested_print(150)",
                             "function(x) error('hostile: formatter', 0) end",
                             "function(x) return 42 end", "function(x) x:free() return 'x' end",
                             "function(x) return cu.array_repr(x) end",
                             "function(x) collectgarbage() return 'x' end"])
            step.op = "cu._set_formatter"
            # printing that recurses until the C stack runs out: LuaJIT takes seconds to get
            # there, and a slow answer is no defect of the library
            step.heavy = "tostring(x)" in fmt
            step.call = "return H.with_formatter(%s, function() return tostring(a1) end)" % fmt
        elif r < 0.8:
            # (not __gc: arrays made without a finalizer leak, as Lua means them to)
            field = self.pick(['H.MT, "__methods"', 'H.MT, "__index"', 'H.MT.__methods, "sum"',
                               'H.MT.__methods, "free"', 'H.MT, "__tostring"',
                               'H.MT.__methods, "shape"', 'H.MT, "__add"'])
            value = self.pick(["nil", "5", "{}", "print", "H.MT", "'x'"])
            body = self.pick(["a1.shape", "a1:sum()", "tostring(a1)", "a1[1]", "a1 + 1",
                              "a1:free()", "#a1"])
            step.op = "tamper"
            step.call = "return H.tamper(%s, %s, function() return %s end)" % (field, value, body)
        else:
            step.op = "random.set_state"
            step.names = ["random", "uniform", "randint", "normal", "set_state", "standard_normal"]
            step.args = [Value(self.pick(["2^62", "-1", "H.I(-2^63)", "(math.maxinteger or 2^63)",
                                          "0"]), "scalar")]
            draw = self.pick(["cu.random.random(5)", "cu.random.randint(-2^62, 2^62, {4})",
                              "cu.random.normal(0, 1, {3})",
                              "cu.random.uniform(0, 1, {3}, {dtype = 'float16'})"])
            step.call = "cu.random.set_state(1, a1)\n  return %s" % draw
        return step

    # ---- properties: results that must agree with each other --------------------------------
    def have(self, names):
        """The names among `names` (a space-separated list) that the module has as functions."""
        present = {n for k, n in self.functions if k == "cu"}
        return [n for n in names.split() if n in present]

    def property_step(self, n):
        """A call whose result is checked against another way of getting it (helpers.lua's
        check_* functions): out= against a copy cast afterwards (out may overlap the inputs),
        concatenate and stack in both orders, comparisons with any Lua number, astype against
        the conversion contract, ops on views against the same ops on contiguous copies."""
        step = Step(n, "property", None)
        step.store = False
        kind = self.pick(["out", "out", "order", "compare", "astype", "astype", "layout",
                          "shift", "randint"])
        binary, unary = self.have(BINARY), self.have(UNARY)
        if kind == "out" and binary and unary:
            name = self.pick(binary + unary + self.have("clip"))
            shape = self.pick([(4,), (3, 3), (2, 2)])
            x = self.plain_array(shape=shape)
            x_var = self.let(step, x.src)
            overlap = self.chance(0.4)
            if overlap:
                out = self.pick([x_var, "%s.T" % x_var if len(shape) == 2 else
                                 "%s[{{-1, 1, -1}}]" % x_var])
            else:
                out = self.plain_array(shape=shape).src
            others = []
            if name in binary or name == "clip":
                for _ in range(2 if name == "clip" else 1):
                    r = self.rng.random()
                    if r < 0.5:
                        others.append(self.plain_array(shape=shape).src)
                    elif r < 0.7:
                        others.append(self.plain_array(shape=shape[-1:]).src)
                    elif r < 0.8:
                        others.append(x_var)
                    else:
                        others.append(self.pick(SMALL_INTS + ["0.5", "-2.5", "300", "2^31"]))
            xs = self.pick([x_var, "%s.T" % x_var]) if len(shape) == 2 and shape[0] == shape[1] \
                else x_var
            step.args = [Value(lua_str(name), "scalar"), Value(out, "array"), Value(xs, "array")]
            step.args += [Value(o, "array") for o in others]
            step.op = "property.out.%s" % name
            step.names = self.accepted_names("cu", name)
            step.call = "return H.check_out(%s)" % self.params(step)
        elif kind == "order" and self.have("concatenate stack"):
            name = self.pick(self.have("concatenate stack"))
            items = [self.plain_array(shape=(2,)).src for _ in range(self.rng.randint(2, 4))]
            step.args = [Value(lua_str(name), "scalar"), Value("{%s}" % ", ".join(items), "table"),
                         Value("1", "scalar")]
            step.op = "property.order.%s" % name
            step.names = [name]
            step.call = "return H.check_order(a1, a2, a3)"
        elif kind == "compare" and self.have(" ".join(COMPARISONS)):
            name = self.pick(self.have(" ".join(COMPARISONS)))
            a = self.pick([self.plain_array(), self.view_of(self.plain_array(shape=(2, 3)))])
            v = self.pick(SMALL_INTS + HUGE_INTS + ODD_NUMBERS + ["300", "-129", "255", "256",
                                                                "65504", "65520", "16777217",
                                                                "0.1", "-0.5", "128", "-32769"])
            step.args = [Value(lua_str(name), "scalar"), a, Value(v, "scalar")]
            step.op = "property.compare.%s" % name
            step.names = self.accepted_names("cu", name)
            step.call = "return H.check_compare(a1, a2, a3)"
        elif kind == "astype":
            if self.chance(0.5):  # float64 values at the rounding boundaries
                dtype = self.pick(["float16", "float16", "float32", "int8", "uint8", "int64",
                                   "int32"])
                shape = self.pick([(4,), (2, 3), (3, 3)])
                a = Value("cu.array(%s, {dtype = \"float64\"})" % nest(
                    [self.pick(ROUNDING_VALUES) for _ in range(numel(shape))], shape), "array",
                    shape, "float64")
            else:
                dtype = self.pick(DTYPES)
                a = self.plain_array()
            if a.shape and a.shape[0] and self.chance(0.4):
                a = self.view_of(a)
            step.args = [a, Value(lua_str(dtype), "scalar")]
            step.op = "property.astype.%s.%s" % (a.dtype, dtype)
            step.names = ["astype"]
            step.call = "return H.check_astype(a1, a2)"
        elif kind == "shift" and self.have("left_shift right_shift"):
            name = self.pick(self.have("left_shift right_shift"))
            a = self.plain_array(dtype=self.pick(list(INT_RANGE)))
            count = self.pick(["0", "1", "3", "7", "8", "-1", "-8", "15", "16", "31", "32", "63",
                               "64", "65"])
            step.args = [Value(lua_str(name), "scalar"), a, Value(count, "scalar")]
            step.op = "property.shift.%s" % name
            step.names = [name]
            step.call = "return H.check_shift(a1, a2, a3)"
        elif kind == "randint" and self.lua54:
            lo = self.pick(["H.I(2^62) + 1", "H.I(2^53) + 1", "-H.I(2^62) - 1", "H.I(2^60) + 7",
                            "0", "-3", "H.I(-2^63)"])
            step.args = [Value(lo, "scalar"), Value("%s + %s" % (lo, self.pick(["1", "2", "3",
                                                                              "1000"])),
                                                     "scalar"),
                         Value("8", "scalar")]
            step.op = "property.randint"
            step.names = ["randint", "random.randint"]
            step.call = "return H.check_randint(a1, a2, a3)"
        else:
            exact = self.have(UNARY) + self.have(BINARY) + self.have(EXACT_REDUCTIONS)
            if not exact:
                return self.make_step(n)
            name = self.pick(exact)
            shape = self.pick([(2, 3), (3, 3), (4,), (2, 2, 2)])
            view = self.view_of(self.plain_array(shape=shape))
            step.args = [Value(lua_str(name), "scalar"), view]
            if name in self.have(BINARY):
                step.args.append(self.pick([Value(self.pick(SMALL_INTS + ["0.5"]), "scalar"),
                                            self.plain_array(shape=view.shape[-1:])]))
            elif name in self.have(EXACT_REDUCTIONS):
                step.args.append(Value(self.pick(["nil", "1", "-1"]), "scalar"))
            step.op = "property.layout.%s" % name
            step.names = self.accepted_names("cu", name)
            step.call = "return H.check_layout(%s)" % self.params(step)
        return step

    def batch(self, first_n, count):
        steps = []
        for i in range(count):
            n = first_n + i
            r = self.rng.random()
            steps.append(self.special_step(n) if r < 0.04 else
                         self.property_step(n) if r < 0.16 else self.make_step(n))
        return steps
