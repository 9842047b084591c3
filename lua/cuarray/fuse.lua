-- cu.fuse(fn[, {name =}]): one kernel for a chain of elementwise array expressions.
--
-- The first call with a combination of argument dtypes and scalar kinds traces `fn` with
-- symbolic arrays: arithmetic operators, the elementwise functions of the op table (cu.exp,
-- cu.less, ...), cu.where and x:astype(dt) record nodes whose dtypes are found by running the
-- core's own rules on one-element CPU arrays, so they cannot drift from the unfused ops. On a
-- CUDA device the trace becomes one CUDA C kernel that applies the same formulas
-- (ca_<op>_<kind> of src/scalar.h) with the same loads and stores (src/convert.h) as the
-- backends do, every intermediate rounded to its dtype as an unfused op would store it; so
-- fused results equal unfused ones bit for bit. NVRTC compiles it with --fmad=false, as the
-- backend is built: a multiply feeding an add stays two roundings. On the CPU the trace is
-- replayed op by op.
--
-- A fused function may end with a reduction (sum, prod, max/amax, min/amin, all, any, mean,
-- count_nonzero, as a function or a method, with the core's axis, keepdims, dtype and array):
-- on a CUDA device the chain and the reduction are then one kernel of ReductionKernel's shape
-- (lua/cuarray/reduction_kernel.lua), the chain computed in registers and folded with the
-- row's identity, combine and finalizer of src/reduce_ops.h in the core's accumulation type.
-- A reduction must be the last step: its result cannot feed further operations.
local kernel = require "cuarray.kernel"
local jit = require "cuarray.jit"
local options = require "cuarray.options"
local list = require("cuarray.args").list
local reduction = require "cuarray.reduction_kernel"

local NVRTC_OPTIONS = {"--fmad=false"}

local U = kernel.util
local unpack = table.unpack or unpack
local M = {}

local cu_ -- the module table (M.install)
local originals = {} -- name -> the real cu function, while tracing and for the replay

-- ---- symbolic values ------------------------------------------------------------------------

local Sym = {}
local trace -- the trace being recorded: {nodes = {...}, nparams = n}

local function is_sym(v) return getmetatable(v) == Sym end

-- A weak scalar's kind: "i", "f" or "b" (a Lua integer, float, boolean).
local function weak_kind(v)
  if type(v) == "boolean" then return "b" end
  if math.type then return math.type(v) == "integer" and "i" or "f" end
  return v == math.floor(v) and "i" or "f"
end

local function new_node(t)
  trace.nodes[#trace.nodes + 1] = t
  t.id = #trace.nodes
  return setmetatable(t, Sym)
end

-- A stand-in for a node when the core's rules decide a dtype: a one-element CPU array of its
-- dtype, or a Lua number of its weak kind.
local dummies = {}
local function dummy(n)
  if n.weak then return n.weak == "b" and true or n.weak == "i" and 1 or 0.5 end
  local d = dummies[n.dtype]
  if not d then
    d = cu_.zeros(1, {dtype = n.dtype, device = "cpu"})
    dummies[n.dtype] = d
  end
  return d
end

local function operand(v, fname)
  if is_sym(v) then
    if v.op == "reduce" then error(trace.fname .. ": a reduction must be the last step", 4) end
    return v
  end
  if type(v) == "number" or type(v) == "boolean" then
    return new_node({op = "const", weak = weak_kind(v), value = v})
  end
  if cu_.is_array(v) then
    error(fname .. ": a fused function can only use arrays passed as its arguments", 4)
  end
  error(("%s: cannot use a %s in a fused function"):format(fname, type(v)), 4)
end

local OPS -- name -> {kind =, rule =, own16 =}, from cu._ops

-- The dtype a weak scalar takes alone (as the core makes a lone number a 0-d array).
local LONE = {i = "int64", f = "float64", b = "bool"}

-- Records op `name` over its operands; the result dtype is the core's.
local function record(name, ...)
  local info = OPS[name]
  local n = select("#", ...)
  local args = {}
  for i = 1, n do args[i] = operand((select(i, ...)), "fuse") end
  if info.kind == "unary" and args[1].dtype == "bool" and name == "invert" then
    name, info = "logical_not", OPS.logical_not
  end
  local d = {}
  for i = 1, n do d[i] = dummy(args[i]) end
  local r = originals[name](unpack(d, 1, n))
  local node = {op = name, args = args, dtype = r.dtype}
  if info.rule == "predicate" then
    node.compute = n == 1 and (LONE[args[1].weak] or args[1].dtype)
                   or originals.maximum(d[1], d[2]).dtype
  else
    node.compute = r.dtype
  end
  return new_node(node)
end

local function record_where(c, x, y)
  local args = {operand(c, "fuse"), operand(x, "fuse"), operand(y, "fuse")}
  local r = originals.where(dummy(args[1]), dummy(args[2]), dummy(args[3]))
  local cd = LONE[args[1].weak] or args[1].dtype
  return new_node({op = "where", args = args, dtype = r.dtype, compute = r.dtype, cond = cd})
end

local function record_cast(x, dt)
  x = operand(x, "fuse")
  local r = originals.zeros(1, {dtype = dt, device = "cpu"}) -- checks the name
  return new_node({op = "astype", args = {x}, dtype = r.dtype, compute = r.dtype})
end

-- The reductions a fused function may end with: the folds of src/reduce_ops.h that skip
-- nothing (function name -> its row).
local REDUCTIONS = {sum = "sum", prod = "prod", max = "max", amax = "max", min = "min",
                    amin = "min", all = "all", any = "any", mean = "mean",
                    count_nonzero = "count_nonzero"}
local REDUCE_NAMES = {amax = true, amin = true} -- every reduction (cu._ops adds the rows)

local function is_float(dt) return dt == "float16" or dt == "float32" or dt == "float64" end

-- The accumulation kind of a reduction (src/reduce_ops.h's ca_reduce_acc): "d" double, "i"
-- int64, "u" uint64, "t" the truth of each element in int64.
local function acc_kind(rule, from, to)
  if rule == "accumulate" then return is_float(to) and "d" or to == "uint64" and "u" or "i" end
  if rule == "mean" then return "d" end
  if rule == "predicate" or rule == "count" then return "t" end
  return is_float(from) and "d" or from == "uint64" and "u" or "i"
end

local function is_options(v)
  if type(v) ~= "table" or is_sym(v) or cu_.is_array(v) then return false end
  for k in pairs(v) do if type(k) == "string" then return true end end
  return false
end

-- Records reduction `name` of x, called as cu.<name>(x[, axis][, opts]) or x:<name>(...); the
-- result dtype is the core's (for the options but the axis, which needs the shape).
local function record_reduce(name, x, axis, opts)
  local fname = trace.fname
  if axis ~= nil and opts == nil and is_options(axis) then axis, opts = nil, axis end
  x = operand(x, fname)
  if not REDUCTIONS[name] then
    error(("%s: %s is not supported in a fused function (it may end with sum, prod, max, amax, "
           .. "min, amin, all, any, mean or count_nonzero)"):format(fname, name), 3)
  end
  if x.weak then error(("%s: %s of a scalar, not an array expression"):format(fname, name), 3) end
  if opts ~= nil and type(opts) ~= "table" then
    error(("%s: %s's options must be a table, got %s"):format(fname, name, type(opts)), 3)
  end
  local ok = axis == nil or type(axis) == "number" or
             (type(axis) == "table" and not cu_.is_array(axis) and #axis > 0)
  for _, a in ipairs(type(axis) == "table" and ok and axis or {}) do
    if type(a) ~= "number" then ok = false end
  end
  if not ok then
    error(("%s: %s's axis must be an integer or a list of integers, got %s")
          :format(fname, name, type(axis)), 3)
  end
  local copy, probe = {}, {}
  for k, v in pairs(opts or {}) do copy[k], probe[k] = v, v end
  if copy.out ~= nil then
    error(("%s: %s with out= is not supported in a fused function"):format(fname, name), 3)
  end
  originals[name](dummy(x), nil, copy) -- the core's checks of the options as given
  probe.array = true
  local r = originals[name](dummy(x), nil, probe) -- the result dtype
  local row = REDUCTIONS[name]
  local keepdims = copy.keepdims and true or false
  return new_node({op = "reduce", fn = name, row = row, args = {x}, axis = axis, opts = copy,
                   keepdims = keepdims, dtype = r.dtype,
                   scalar = axis == nil and not keepdims and not copy.array,
                   acc = acc_kind(OPS[row].rule, x.dtype, r.dtype)})
end

local BINARY_META = {
  __add = "add", __sub = "subtract", __mul = "multiply", __div = "divide", __mod = "mod",
  __pow = "power", __idiv = "floor_divide", __band = "bitwise_and", __bor = "bitwise_or",
  __bxor = "bitwise_xor", __shl = "left_shift", __shr = "right_shift",
}
-- Lua's operators between two scalars (weak parameters or constants) are Lua arithmetic, as in
-- the unfused function: the result is a weak scalar, with Lua 5.3's number kinds (integer
-- operands give an integer, except / and ^; any float gives a float).
local LUA_ARITH = {
  add = function(a, b) return a + b end, subtract = function(a, b) return a - b end,
  multiply = function(a, b) return a * b end, divide = function(a, b) return a / b end,
  power = function(a, b) return a ^ b end, mod = function(a, b) return a % b end,
  floor_divide = function(a, b)
    local r = math.floor(a / b)
    return (math.type and (math.type(a) == "float" or math.type(b) == "float")) and r + 0.0 or r
  end,
  negative = function(a) return -a end,
}
-- The same in C, on double (f) or long long (i) operands: Lua's floored mod and division.
local C_ARITH = {
  add = "(%s + %s)", subtract = "(%s - %s)", multiply = "(%s * %s)",
  divide = "((double)%s / (double)%s)", power = "pow((double)%s, (double)%s)",
  negative = "(-%s)",
  mod = {f = "ca_mod_d(%s, %s)", i = "ca_mod_i(%s, %s)"},
  floor_divide = {f = "floor((double)%s / (double)%s)", i = "ca_floor_divide_i(%s, %s)"},
}

local function operator(name, ...)
  local n = select("#", ...)
  local all_weak = true
  for i = 1, n do
    local v = select(i, ...)
    if not (type(v) == "number" or (is_sym(v) and v.weak)) then all_weak = false end
  end
  if not all_weak then return record(name, ...) end
  if not LUA_ARITH[name] then
    error(("fuse: %s between two scalars is not supported in a fused function"):format(name), 3)
  end
  local args, w = {}, "i"
  for i = 1, n do
    args[i] = operand((select(i, ...)), "fuse")
    if args[i].weak == "f" then w = "f" end
  end
  if name == "divide" or name == "power" then w = "f" end
  return new_node({op = "lua", fn = name, args = args, weak = w})
end

for meta, name in pairs(BINARY_META) do
  Sym[meta] = function(a, b) return operator(name, a, b) end
end
Sym.__unm = function(a) return operator("negative", a) end
Sym.__bnot = function(a) return record("invert", a) end
local function no_compare()
  error("fuse: < and <= cannot be traced (Lua makes them booleans): use cu.less(x, y) and "
        .. "friends", 2)
end
Sym.__lt, Sym.__le = no_compare, no_compare
-- A node's own fields, which may be absent (nil) without being an error.
local FIELDS = {op = true, id = true, args = true, dtype = true, compute = true, weak = true,
                value = true, index = true, cond = true, fn = true, row = true, axis = true,
                opts = true, keepdims = true, scalar = true, acc = true}
Sym.__index = function(s, k)
  if FIELDS[k] then return nil end
  if k == "astype" then return record_cast end
  if type(k) == "string" and REDUCE_NAMES[k] then
    return function(self, ...) return record_reduce(k, self, ...) end
  end
  if type(k) == "string" and OPS[k] and OPS[k].kind ~= "reduce" then
    return function(self, ...) return record(k, self, ...) end
  end
  if type(k) == "string" then
    error(("fuse: %s is not supported in a fused function"):format(k), 2)
  end
  error("fuse: a fused function cannot index its arrays", 2)
end
Sym.__newindex = function() error("fuse: a fused function cannot assign into its arrays", 2) end

-- ---- tracing --------------------------------------------------------------------------------

local function traced(name)
  local f = originals[name]
  return function(...)
    for i = 1, select("#", ...) do
      if is_sym((select(i, ...))) then
        if name == "where" then return record_where(...) end
        if REDUCE_NAMES[name] then return record_reduce(name, ...) end
        return record(name, ...)
      end
    end
    return f(...)
  end
end

local function run_trace(fn, sig, fname)
  trace = {nodes = {}, params = {}, fname = fname}
  for i, s in ipairs(sig) do
    local node = new_node({op = "param", index = i, dtype = s.dtype, weak = s.weak})
    trace.params[i] = node
  end
  local saved = {}
  for name in pairs(OPS) do
    saved[name] = cu_[name]
    cu_[name] = traced(name)
  end
  for name in pairs(REDUCE_NAMES) do
    saved[name] = cu_[name]
    cu_[name] = traced(name)
  end
  saved.where = cu_.where
  cu_.where = traced("where")
  local results = {pcall(fn, unpack(trace.params, 1, #sig))}
  for name, f in pairs(saved) do cu_[name] = f end
  local t = trace
  trace = nil
  if not results[1] then
    local err = tostring(results[2])
    if err:find("got table", 1, true) then
      err = err .. " (in a fused function, call the functions through the module table, as "
            .. "cu.exp(x): a local copy taken before the trace cannot see its symbolic arrays)"
    end
    error(err, 0)
  end
  t.outputs = {}
  for i = 2, #results do
    local v = results[i]
    if not is_sym(v) or v.weak then
      error(("fuse: the fused function returned a %s as result %d, not an array expression")
            :format(is_sym(v) and "scalar" or type(v), i - 1), 0)
    end
    t.outputs[i - 1] = v
  end
  if #t.outputs == 0 then error("fuse: the fused function returned nothing", 0) end
  return t
end

-- ---- replay on the CPU ----------------------------------------------------------------------

local function replay(t, args)
  local val = {}
  for _, n in ipairs(t.nodes) do
    if n.op == "param" then val[n.id] = args[n.index]
    elseif n.op == "const" then val[n.id] = n.value
    elseif n.op == "lua" then
      local a, b = val[n.args[1].id], n.args[2] and val[n.args[2].id]
      val[n.id] = LUA_ARITH[n.fn](a, b)
    elseif n.op == "astype" then
      local x = val[n.args[1].id]
      val[n.id] = cu_.is_array(x) and x:astype(n.dtype) or cu_.array(x, {dtype = n.dtype})
    elseif n.op == "reduce" then
      local o = {}
      for k, v in pairs(n.opts) do o[k] = v end
      val[n.id] = originals[n.fn](val[n.args[1].id], n.axis, o)
    else
      local a = {}
      for i, m in ipairs(n.args) do a[i] = val[m.id] end
      val[n.id] = originals[n.op](unpack(a, 1, #n.args))
    end
  end
  local out = {}
  for i, o in ipairs(t.outputs) do out[i] = val[o.id] end
  return unpack(out)
end

-- ---- code generation ------------------------------------------------------------------------

local kind = kernel.kind_of

-- The expression of node n as a value of compute dtype cd (the loop's operand load).
local function load(n, cd, name_of)
  local k = kind(cd)
  if n.weak then
    local sk = (n.weak == "f" or (k ~= "i" and k ~= "u")) and "d" or "i"
    local v = name_of(n)
    return ("ca_load_%s_%s(ca_store_%s_%s(%s))"):format(k, cd, sk, cd, v)
  end
  return ("ca_load_%s_%s(%s)"):format(k, n.dtype, name_of(n))
end

local function literal(n)
  if n.weak == "b" then return n.value and "1LL" or "0LL" end
  if n.weak == "i" then return ("%dLL"):format(n.value) end
  local v = n.value
  if v ~= v then return "(0.0 / 0.0)" end
  if v == math.huge then return "(1.0 / 0.0)" end
  if v == -math.huge then return "(-1.0 / 0.0)" end
  return ("%.17g"):format(v)
end

-- The C expression of each node's value: literals, Lua arithmetic between scalars in C,
-- scalar parameters _s<index>, and a variable v<id> for every other node.
local function name_of(n)
  if n.op == "const" then return literal(n) end
  if n.op == "lua" then
    local c = C_ARITH[n.fn]
    if type(c) == "table" then c = c[n.weak] end
    local a = {}
    for i, m in ipairs(n.args) do
      local v = name_of(m)
      a[i] = (n.weak == "f" and m.weak ~= "f") and ("(double)" .. v) or v
    end
    return c:format(a[1], a[2])
  end
  if n.op == "param" and n.weak then return "_s" .. n.index end
  return "v" .. n.id
end

-- The lines that compute the elementwise nodes, each a variable v<id> of its dtype's storage
-- type; at(p) is the element of array parameter p.
local function node_lines(nodes, fname, at, indent)
  local body = {}
  for _, n in ipairs(nodes) do
    local e = n.op ~= "reduce" and U.ctype(n.dtype or "int64", fname).elem
    if n.op == "param" and not n.weak then
      body[#body + 1] = ("%sconst %s v%d = %s;"):format(indent, e, n.id, at(n))
    elseif n.op == "astype" then
      local x = n.args[1]
      local from = LONE[x.weak] or x.dtype
      local k = kind(from)
      body[#body + 1] = ("%sconst %s v%d = ca_store_%s_%s(%s);")
                        :format(indent, e, n.id, k, n.dtype, load(x, from, name_of))
    elseif n.op == "where" then
      local c, x, y = n.args[1], n.args[2], n.args[3]
      local k = kind(n.compute)
      local cond = c.weak and ("(%s != 0)"):format(name_of(c))
                   or ("ca_truth_%s(%s)"):format(c.dtype, name_of(c))
      body[#body + 1] = ("%sconst %s v%d = ca_store_%s_%s(%s ? %s : %s);")
                        :format(indent, e, n.id, k, n.dtype, cond, load(x, n.compute, name_of),
                                load(y, n.compute, name_of))
    elseif n.op ~= "param" and n.op ~= "const" and n.op ~= "lua" and n.op ~= "reduce" then
      local k = kind(n.compute)
      local a = {}
      for i, m in ipairs(n.args) do a[i] = load(m, n.compute, name_of) end
      local sk = n.dtype == "bool" and "i" or k
      -- float16's own formulas are ca_<op>_h, bfloat16's ca_<op>_b (in float, as kind f)
      local own = OPS[n.op] and OPS[n.op].own16[n.compute]
      local fk = own and (n.compute == "float16" and "h" or "b") or k
      body[#body + 1] = ("%sconst %s v%d = ca_store_%s_%s(ca_%s_%s(%s));")
                        :format(indent, e, n.id, sk, n.dtype, n.op, fk, table.concat(a, ", "))
    end
  end
  return body
end

-- The declaration and launch letter of scalar parameter p.
local function scalar_param(p)
  local f = p.weak == "f"
  return (f and "double _s" or "long long _s") .. p.index, f and "d" or "l"
end

-- Contiguous loops read and write VEC elements at a time, 16 bytes of the widest dtype, when
-- every pointer is aligned to its vector (checked once in the kernel, the same answer in
-- every thread); the tail, and unaligned views, take the loop over elements. Without the
-- vectors a fused a * 2 + b ran at 3.6 TB/s, where the core's add runs at the copy ceiling.
local MAX_VECTOR_GRID = 2 ^ 31 - 1
local VEC_STRUCT = "template <typename T, int N> struct alignas(sizeof(T) * N) ca_vec { T v[N]; };"

-- The source of the kernel for trace t with nd loop dimensions (contiguous: a flat loop), and
-- its launch signature and elements per thread and step.
local function generate(t, name, nd, contiguous)
  local decl, sig = {"long long _n"}, {"l"}
  local arrays, ins, outs, elems, widest = {}, {}, {}, {}, 1
  local function array(a, dtype, side)
    local c = U.ctype(dtype, name)
    decl[#decl + 1] = ("ca_view<%s, %d> %s"):format(c.elem, nd, a)
    sig[#sig + 1] = "v"
    arrays[#arrays + 1], side[#side + 1], elems[a] = a, a, c.elem
    widest = math.max(widest, c.size)
  end
  for _, p in ipairs(t.params) do
    if p.weak then
      decl[#decl + 1], sig[#sig + 1] = scalar_param(p)
    else
      array("_a" .. p.index, p.dtype, ins)
    end
  end
  for j, o in ipairs(t.outputs) do array("_out" .. j, o.dtype, outs) end
  local function lines(at, indent)
    local body = node_lines(t.nodes, name, function(p) return at("_a" .. p.index) end, indent)
    for j, o in ipairs(t.outputs) do
      body[#body + 1] = ("%s%s = %s;"):format(indent, at("_out" .. j), name_of(o))
    end
    return body
  end
  local vec = contiguous and math.floor(16 / widest) or 1
  local src = {kernel.PRELUDE}
  if vec > 1 then src[#src + 1] = VEC_STRUCT end
  src[#src + 1] = ("extern \"C\" __global__ void __launch_bounds__(%d) %s(%s) {")
                   :format(U.BLOCK, name, table.concat(decl, ", "))
  src[#src + 1] = "  const long long _t = (long long)blockIdx.x * blockDim.x + threadIdx.x;"
  src[#src + 1] = "  const long long _step = (long long)gridDim.x * blockDim.x;"
  src[#src + 1] = "  long long _done = 0;"
  if vec > 1 then
    local aligned = {}
    for _, a in ipairs(arrays) do
      aligned[#aligned + 1] = ("(unsigned long long)%s.p %% (sizeof(%s) * %d) == 0")
                              :format(a, elems[a], vec)
    end
    local function v(a) return ("ca_vec<%s, %d>"):format(elems[a], vec) end
    local function add(l) src[#src + 1] = l end
    local function compute(indent)
      add(indent .. "#pragma unroll")
      add(("%sfor (int _k = 0; _k < %d; _k++) {"):format(indent, vec))
      for _, l in ipairs(lines(function(a) return "_l" .. a .. "[_u].v[_k]" end, indent .. "  ")) do
        add(l)
      end
      add(indent .. "}")
    end
    -- As the core's fast path: tiles of two vectors a thread, both loaded before either is
    -- computed, at 32-bit offsets from the tile's pointers; a full tile takes no test per load.
    -- With 64-bit indices and a test on every load the kernels ran 3-5% behind the core's add.
    add("  if (" .. table.concat(aligned, " && ") .. ") {")
    add(("    const long long _nv = _n / %d;"):format(vec))
    local tile = 2 * U.BLOCK
    add(("    for (long long _b = (long long)blockIdx.x * %d; _b < _nv;"):format(tile))
    add(("         _b += (long long)gridDim.x * %d) {"):format(tile))
    for _, a in ipairs(ins) do
      add(("      const %s *_v%s = (const %s *)%s.p + _b;"):format(v(a), a, v(a), a))
    end
    for _, a in ipairs(outs) do
      add(("      %s *_v%s = (%s *)%s.p + _b;"):format(v(a), a, v(a), a))
    end
    for _, a in ipairs(arrays) do add(("      %s _l%s[2];"):format(v(a), a)) end
    add(("      if (_b + %d <= _nv) {"):format(tile))
    for _, a in ipairs(ins) do
      add("#pragma unroll")
      add(("        for (int _u = 0; _u < 2; _u++) _l%s[_u] = _v%s[_u * %d + threadIdx.x];")
          :format(a, a, U.BLOCK))
    end
    add("#pragma unroll")
    add("        for (int _u = 0; _u < 2; _u++) {")
    compute("          ")
    for _, a in ipairs(outs) do
      add(("          _v%s[_u * %d + threadIdx.x] = _l%s[_u];"):format(a, U.BLOCK, a))
    end
    add("        }")
    add("      } else {")
    add("#pragma unroll")
    add("        for (int _u = 0; _u < 2; _u++) {")
    add(("          const int _j = _u * %d + threadIdx.x;"):format(U.BLOCK))
    add("          if (_b + _j < _nv) {")
    for _, a in ipairs(ins) do add(("            _l%s[_u] = _v%s[_j];"):format(a, a)) end
    compute("            ")
    for _, a in ipairs(outs) do add(("            _v%s[_j] = _l%s[_u];"):format(a, a)) end
    add("          }")
    add("        }")
    add("      }")
    add("    }")
    add(("    _done = _nv * %d;"):format(vec))
    add("  }")
  end
  src[#src + 1] = "  for (long long i = _done + _t; i < _n; i += _step) {"
  if not contiguous then
    local offs = {}
    for _, a in ipairs(arrays) do offs[#offs + 1] = "_o" .. a .. " = 0" end
    src[#src + 1] = "    long long _r = i, " .. table.concat(offs, ", ") .. ";"
    src[#src + 1] = ("    for (int _d = %d; _d >= 0; _d--) {"):format(nd - 1)
    src[#src + 1] = ("      const long long _q = _r %% %s.shape[_d];"):format(arrays[#arrays])
    src[#src + 1] = ("      _r /= %s.shape[_d];"):format(arrays[#arrays])
    for _, a in ipairs(arrays) do
      src[#src + 1] = ("      _o%s += _q * %s.stride[_d];"):format(a, a)
    end
    src[#src + 1] = "    }"
  end
  local function at(a) return contiguous and (a .. ".p[i]") or (a .. ".p[_o" .. a .. "]") end
  for _, l in ipairs(lines(at, "    ")) do src[#src + 1] = l end
  src[#src + 1] = "  }"
  src[#src + 1] = "}"
  return table.concat(src, "\n") .. "\n", table.concat(sig), vec
end

-- The formulas of a row of src/reduce_ops.h, picked by the row's name from the header itself:
-- CA_FUSE_APPLY(CA_FUSE_ID, d, CA_FOLD_sum) is ca_zero_d().
local REDUCE_PREAMBLE = [[
#include "reduce_ops.h"
#define CA_FUSE_APPLY(m, ...) m(__VA_ARGS__)
#define CA_FUSE_ID(k, id, skip, comb, fin) ca_##id##_##k()
#define CA_FUSE_COMB(k, id, skip, comb, fin) ca_##comb##_##k
#define CA_FUSE_FIN(k, id, skip, comb, fin) ca_##fin##_##k
]]

-- The nodes output o depends on, in trace order.
local function needed_by(t, o)
  local need = {[o.id] = true}
  for i = #t.nodes, 1, -1 do
    local n = t.nodes[i]
    if need[n.id] and n.args then
      for _, m in ipairs(n.args) do need[m.id] = true end
    end
  end
  local nodes = {}
  for _, n in ipairs(t.nodes) do if need[n.id] then nodes[#nodes + 1] = n end end
  return nodes
end

-- The source of the reduction kernel of trace t's one output, a reduction r over `nodes` (its
-- chain, r last) with nk kept and nr reduced loop dimensions.
local function generate_reduction(nodes, r, name, nk, nr)
  local decl, sig, inputs = {}, {"l", "l"}, {}
  for _, p in ipairs(nodes) do
    if p.op == "param" and not p.weak then
      decl[#decl + 1] = ("ca_view<%s, %d> _a_p%d")
                        :format(U.ctype(p.dtype, name).elem, nk + nr, p.index)
      sig[#sig + 1] = "v"
      inputs[#inputs + 1] = "p" .. p.index
    end
  end
  for _, p in ipairs(nodes) do
    if p.op == "param" and p.weak then decl[#decl + 1], sig[#sig + 1] = scalar_param(p) end
  end
  decl[#decl + 1] = ("ca_view<%s, %d> _a_r"):format(U.ctype(r.dtype, name).elem, nk)
  sig[#sig + 1] = "v"
  local x = r.args[1]
  local k = (r.acc == "d" or r.acc == "u") and r.acc or "i"
  local map
  if r.acc == "t" then map = ("(ca_i)ca_truth_%s(%s)"):format(x.dtype, name_of(x))
  else map = ("ca_load_%s_%s(%s)"):format(k, x.dtype, name_of(x)) end
  local row = ("%s, CA_FOLD_%s"):format(k, r.row)
  local source = reduction.source({
    name = name, preamble = REDUCE_PREAMBLE, decl = decl, nk = nk, nr = nr, inputs = inputs,
    outputs = {"r"}, reduce_type = ({d = "double", u = "ca_u"})[k] or "ca_i",
    identity = ("CA_FUSE_APPLY(CA_FUSE_ID, %s)"):format(row),
    map = map, reduce = ("CA_FUSE_APPLY(CA_FUSE_COMB, %s)(a, b)"):format(row),
    loads = node_lines(nodes, name, function(p) return ("_a_p%d.p[_o_p%d]"):format(p.index, p.index)
                       end, "      "),
    post = {("        _a_r.p[_o_r] = ca_store_%s_%s(CA_FUSE_APPLY(CA_FUSE_FIN, %s)(a, _nred));")
            :format(k, r.dtype, row)}})
  return source, table.concat(sig)
end

-- ---- fused functions ------------------------------------------------------------------------

local Fused = {}
Fused.__index = Fused
local counter = 0

function M.fuse(fn, opts)
  if type(fn) ~= "function" then error("fuse: expected a function, got " .. type(fn), 2) end
  opts = options.check(opts, "fuse", {name = true})
  counter = counter + 1
  local name = opts.name or ("fused_" .. counter)
  if type(name) ~= "string" or not name:match("^[%a_][%w_]*$") then
    error("fuse: name must be a C identifier, got " .. tostring(name), 2)
  end
  return setmetatable({fn = fn, name = name, fname = "fuse " .. name, traces = {}, launches = {},
                       layouts = {}, nlayouts = 0}, Fused)
end

-- The trace for these arguments (traced on first use), its key and the arguments' device
-- (call_key has checked the arguments' types).
local function trace_for(f, args, n)
  local key, device = {}, nil
  for i = 1, n do
    local v = args[i]
    if cu_.is_array(v) then
      if device and device ~= v.device then
        error(("fuse: arguments on different devices (%s and %s)"):format(device, v.device), 4)
      end
      device = v.device
      key[i] = v.dtype
    else
      key[i] = weak_kind(v)
    end
  end
  key = table.concat(key, ",")
  local t = f.traces[key]
  if not t then
    local sig = {}
    for i = 1, n do
      local v = args[i]
      sig[i] = cu_.is_array(v) and {dtype = v.dtype} or {weak = weak_kind(v)}
    end
    t = run_trace(f.fn, sig, f.fname)
    f.traces[key] = t
  end
  return t, key, device
end

-- The loop of a GPU call: shape, coalesced shape and strides, whether every output has the
-- loop's shape (else the call runs op by op).
local function loop_of(t, args)
  local arrays = {}
  for _, p in ipairs(t.params) do
    if not p.weak then arrays[#arrays + 1] = args[p.index] end
  end
  if #arrays == 0 then return nil end
  local shape = U.broadcast_shape("fuse", arrays)
  local deps = {}
  for _, n in ipairs(t.nodes) do
    if n.op == "param" then
      deps[n.id] = n.weak and {} or {args[n.index]}
    elseif n.args then
      local d = {}
      for _, m in ipairs(n.args) do for _, a in ipairs(deps[m.id]) do d[#d + 1] = a end end
      deps[n.id] = d
    else
      deps[n.id] = {}
    end
  end
  local want = table.concat(shape, ",")
  for _, o in ipairs(t.outputs) do
    local d = deps[o.id]
    if #d == 0 or table.concat(U.broadcast_shape("fuse", d), ",") ~= want then return nil end
  end
  return shape, arrays
end

-- The plan of a GPU call whose one output is a reduction: one kernel over the arrays its chain
-- reads, broadcast together. A reduction of no elements runs op by op (the core's identity, or
-- its error for max and min).
local function plan_reduction(f, t, key, args, device)
  local r = t.outputs[1]
  local fname = f.fname
  local nodes = needed_by(t, r)
  local arrays = {}
  for _, p in ipairs(nodes) do
    if p.op == "param" and not p.weak then arrays[#arrays + 1] = args[p.index] end
  end
  local s = reduction.split(fname, U.broadcast_shape(fname, arrays), r.axis, r.keepdims, 4)
  if s.nred == 0 then return {replay = true, trace = t, device = device} end
  local out = kernel._empty(s.out, r.dtype, device)
  reduction.coalesce(s, arrays, {out})
  local lkey = key .. "|r" .. s.nk .. "," .. s.nr
  local gen = f.launches[lkey]
  if not gen then
    local src, sig = generate_reduction(nodes, r, f.name, s.nk, s.nr)
    gen = {source = src, sig = sig, kernels = {}}
    f.launches[lkey] = gen
  end
  local values = {s.nout, s.nred}
  for j, a in ipairs(arrays) do values[#values + 1] = reduction.input_view(s, j, a) end
  for _, p in ipairs(nodes) do
    if p.op == "param" and p.weak then
      local v = args[p.index]
      values[#values + 1] = type(v) == "boolean" and (v and 1 or 0) or v
    end
  end
  values[#values + 1] = reduction.output_view(s, 1, #arrays, out)
  return {trace = t, gen = gen, values = values, outputs = {out}, device = device, n = s.nout,
          reduction = r, split = s}
end

-- The strides of a new C-contiguous array of `shape`, as U.broadcast_strides gives them (0
-- along dimensions of one element).
local function contiguous_strides(shape)
  local st, step = {}, 1
  for d = #shape, 1, -1 do
    st[d] = shape[d] ~= 1 and step or 0
    step = step * shape[d]
  end
  return st
end

-- The layout of an elementwise GPU call: everything but the data pointers and the new
-- outputs, so that it depends only on the trace and the arrays' shapes and strides (false:
-- the call runs op by op).
local function layout(f, t, key, args)
  local shape = loop_of(t, args)
  if not shape then return false end
  local strides = {}
  for _, p in ipairs(t.params) do
    if not p.weak then strides[#strides + 1] = U.broadcast_strides(args[p.index], shape) end
  end
  local out_strides = contiguous_strides(shape)
  for _ = 1, #t.outputs do strides[#strides + 1] = out_strides end
  local cshape, cst = U.coalesce(shape, strides)
  local nd, contiguous = #cshape, #cshape == 1
  for _, st in ipairs(cst) do if st[1] ~= 1 then contiguous = false end end
  local lkey = key .. "|" .. nd .. (contiguous and "c" or "s")
  local gen = f.launches[lkey]
  if not gen then
    local src, sig, vec = generate(t, f.name, nd, contiguous)
    gen = {source = src, sig = sig, vec = vec, kernels = {}}
    f.launches[lkey] = gen
  end
  return {gen = gen, shape = shape, n = U.size_of(shape), nd = nd, cshape = cshape, cst = cst}
end

-- What a call depends on besides the data pointers and the scalars' values: each array's
-- dtype, device, shape and strides and each scalar's kind, as one string.
local function call_key(args, n)
  local parts = {}
  for i = 1, n do
    local v = args[i]
    local tv = type(v)
    if tv == "number" or tv == "boolean" then
      parts[i] = weak_kind(v)
    elseif cu_.is_array(v) then
      parts[i] = cu_._layout_key(v, "fuse")
    else
      error(("fuse: argument %d must be an array or a number, got %s"):format(i, tv), 4)
    end
  end
  return table.concat(parts, "|", 1, n)
end

-- The call of these arguments as planned once and kept, by call_key: its trace, the trace's
-- key, the arrays' device and, for an elementwise call, its layout (false: it runs op by op;
-- nil: a reduction, planned per call). The host work of a call that repeats one is the key,
-- the new outputs and the launch: a fused a * 2 + b of 1000 elements took 12.7 us a call on
-- the H200's host, 6.2 of them to the launch's values, where the core's a + b took 4.6.
local function call_of(f, args, n)
  local ck = call_key(args, n)
  local c = f.layouts[ck]
  if c then return c end
  local t, key, device = trace_for(f, args, n)
  c = {trace = t, key = key, device = device}
  if device then
    local reduces = false
    for _, o in ipairs(t.outputs) do reduces = reduces or o.op == "reduce" end
    if reduces then
      if #t.outputs > 1 then c.layout = false end
    else
      c.layout = layout(f, t, key, args)
    end
  end
  return U.remember(f, ck, c)
end

-- The plan of call c (call_of) of these arguments: {replay = true} when it runs op by op,
-- else the kernel's source and launch values and the new outputs.
local function plan(f, c, args)
  local t, device = c.trace, c.device
  if not device or c.layout == false then
    return {replay = true, trace = t, device = device}
  end
  if c.layout == nil then return plan_reduction(f, t, c.key, args, device) end
  local lay = c.layout
  local outs = {}
  for j, o in ipairs(t.outputs) do outs[j] = kernel._empty(lay.shape, o.dtype, device) end
  local nd, cshape, cst = lay.nd, lay.cshape, lay.cst
  local values, j = {lay.n}, 0
  local function view(a)
    j = j + 1
    local v, st = {a:data_ptr()}, cst[j]
    for d = 1, nd do v[1 + d], v[1 + nd + d] = cshape[d], st[d] end
    return v
  end
  for _, p in ipairs(t.params) do
    local v = args[p.index]
    if p.weak then
      values[#values + 1] = type(v) == "boolean" and (v and 1 or 0) or v
    else
      values[#values + 1] = view(v)
    end
  end
  for _, o in ipairs(outs) do values[#values + 1] = view(o) end
  return {trace = t, gen = lay.gen, values = values, outputs = outs, device = device, n = lay.n}
end

-- f:source(args...): the CUDA source of the fused kernel for these arguments (no GPU needed;
-- nil when they would run op by op).
function Fused:source(...)
  local args, n = list(...)
  local p = plan(self, call_of(self, args, n), args)
  return p.gen and p.gen.source
end

-- f:compile(args..., {arch = "sm_90"}): compiles for these arguments; the image's size.
function Fused:compile(...)
  local args, n, opts = U.call_args("fuse", {arch = true}, ...)
  local p = plan(self, call_of(self, args, n), args)
  if not p.gen then error("fuse: these arguments run op by op, not as one kernel", 2) end
  return #jit.compile(p.gen.source, self.name, NVRTC_OPTIONS, opts.arch or "sm_90", self.fname)
end

function Fused:__call(...)
  local args, n = list(...)
  local c = call_of(self, args, n)
  if not c.device or c.device == "cpu" then return replay(c.trace, args) end
  local p = plan(self, c, args)
  if p.replay then return replay(p.trace, args) end
  local fname = self.fname
  local ordinal = U.device_ordinal(p.device, fname)
  if p.n > 0 then
    local k = p.gen.kernels[ordinal]
    if not k then
      k = jit.kernel(p.gen.source, self.name, NVRTC_OPTIONS, ordinal, fname)
      p.gen.kernels[ordinal] = k
    end
    if p.reduction then
      reduction.launch(fname, k, ordinal, p.split, p.device, nil, p.gen.sig, p.values)
    else
      -- a tile a block on the vector path, as the core's kernels: with half as many blocks,
      -- each looping over two tiles, a * 2 + b of 2^28 float32 took 742 us under Nsight
      -- Compute, against 730 for the core's a + b
      local vec = p.gen.vec
      local blocks = math.ceil(p.n / (vec * (vec > 1 and 2 or 1) * U.BLOCK))
      local cap = vec > 1 and MAX_VECTOR_GRID or U.MAX_GRID
      jit.launch(fname, k, ordinal, {math.max(1, math.min(cap, blocks))},
                 {U.BLOCK}, 0, nil, p.gen.sig, unpack(p.values, 1, #p.gen.sig))
    end
  end
  if p.reduction and p.reduction.scalar then return p.outputs[1]:item() end
  return unpack(p.outputs)
end

function M.install(cu)
  cu_ = cu
  OPS = {}
  for _, op in ipairs(cu._ops) do
    OPS[op.name] = {kind = op.kind, rule = op.rule, own16 = op.own16 or {}}
  end
  for name, op in pairs(OPS) do
    originals[name] = cu[name]
    if op.kind == "reduce" then REDUCE_NAMES[name] = true end
  end
  originals.where, originals.zeros, originals.amax, originals.amin = cu.where, cu.zeros, cu.amax,
                                                                     cu.amin
  cu.fuse = M.fuse
end

return M
