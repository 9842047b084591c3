-- cu.ReductionKernel(in_params, out_params, map_expr, reduce_expr, post_map_expr, identity,
-- name[, {reduce_type =, preamble =, options =}]), called as k(x, ...[, outputs...][, {axis =,
-- keepdims =, stream =}]): CuPy's reduction kernel. Each element of the broadcast inputs is
-- mapped (map_expr, over the input names), the mapped values are combined (reduce_expr, over
-- `a` and `b`) from `identity` in the reduce type (reduce_type, default the first output's),
-- and post_map_expr writes the outputs from the result `a`. Axes count from 1 (negative from
-- the end); no axis reduces everything.
--
-- One block of threads makes one output element (or one split of it, when few outputs reduce
-- many elements each): each thread folds a strided share of the reduced elements, then the
-- block combines the threads' values in shared memory.
local kernel = require "cuarray.kernel"
local jit = require "cuarray.jit"
local options = require "cuarray.options"

local U = kernel.util
local unpack = table.unpack or unpack
local M = {}

local Reduction = {}
Reduction.__index = Reduction

function M.ReductionKernel(in_params, out_params, map_expr, reduce_expr, post_map_expr,
                           identity, name, opts)
  local fname = "ReductionKernel"
  for what, v in pairs({map_expr = map_expr, reduce_expr = reduce_expr,
                        post_map_expr = post_map_expr, identity = identity}) do
    if type(v) ~= "string" then
      error(("%s: %s must be a string, got %s"):format(fname, what, type(v)), 2)
    end
  end
  if type(name) ~= "string" or not name:match("^[%a_][%w_]*$") then
    error(fname .. ": name must be a C identifier, got " .. tostring(name), 2)
  end
  opts = options.check(opts, fname, {reduce_type = true, preamble = true, options = true})
  local k = setmetatable({fname = fname .. " " .. name, name = name, map = map_expr,
                          reduce = reduce_expr, post = post_map_expr, identity = identity,
                          preamble = opts.preamble, reduce_type = opts.reduce_type}, Reduction)
  k.inputs = kernel.parse_params(in_params, fname, "in_params")
  k.outputs = kernel.parse_params(out_params, fname, "out_params")
  if #k.outputs == 0 then error(fname .. ": needs at least one output parameter", 2) end
  for _, p in ipairs(k.inputs) do
    if p.raw then error(fname .. ": raw parameters are not supported ('" .. p.name .. "')", 2) end
  end
  for _, p in ipairs(k.outputs) do
    if p.raw then error(fname .. ": raw parameters are not supported ('" .. p.name .. "')", 2) end
  end
  if k.preamble ~= nil and type(k.preamble) ~= "string" then
    error(fname .. ": preamble must be a string", 2)
  end
  k.options = U.check_options_list(fname, opts.options)
  return k
end

-- The reduced axes (a set of 0-based dims) of an nd-dim shape from axis = nil | n | {n, ...}.
-- Raises at `level` as M.split's caller counts it.
local function axes_of(fname, axis, nd, level)
  level = level + 2
  local set = {}
  if axis == nil then
    for d = 0, nd - 1 do set[d] = true end
    return set
  end
  local list = type(axis) == "table" and axis or {axis}
  for _, a in ipairs(list) do
    if type(a) ~= "number" or a ~= math.floor(a) then
      error(fname .. ": axis must be an integer or a list of integers", level)
    end
    local d = a < 0 and nd + a or a - 1
    if a == 0 or d < 0 or d >= nd then
      error(("%s: axis %d is out of range for %d dimensions"):format(fname, a, nd), level)
    end
    if set[d] then error(("%s: axis %d repeated"):format(fname, a), level) end
    set[d] = true
  end
  return set
end

-- The split of a reduction over `shape`: the reduced dims (a set of 0-based dims), the kept and
-- reduced extents, and the outputs' shape.
function M.split(fname, shape, axis, keepdims, level)
  local nd = #shape
  level = level or 2
  local red = axes_of(fname, axis, nd, level)
  local kept_shape, red_shape, out_shape = {}, {}, {}
  for d = 0, nd - 1 do
    if red[d] then
      red_shape[#red_shape + 1] = shape[d + 1]
      if keepdims then out_shape[#out_shape + 1] = 1 end
    else
      kept_shape[#kept_shape + 1] = shape[d + 1]
      out_shape[#out_shape + 1] = shape[d + 1]
    end
  end
  return {red = red, kept = kept_shape, reduced = red_shape, out = out_shape, shape = shape,
          keepdims = keepdims, nout = U.size_of(kept_shape), nred = U.size_of(red_shape)}
end

-- The loops of split s over the inputs `ins` (broadcast to s.shape) and the outputs `outs`
-- (of s.out's shape), each group of dims coalesced: s.kshape and s.kst (the kept dims of the
-- inputs, then of the outputs), s.rshape and s.rst (the reduced dims of the inputs).
function M.coalesce(s, ins, outs)
  local nd, red = #s.shape, s.red
  local kept_strides, red_strides = {}, {}
  for _, a in ipairs(ins) do
    local st = U.broadcast_strides(a, s.shape)
    local ks, rs = {}, {}
    for d = 0, nd - 1 do
      if red[d] then rs[#rs + 1] = st[d + 1] else ks[#ks + 1] = st[d + 1] end
    end
    kept_strides[#kept_strides + 1], red_strides[#red_strides + 1] = ks, rs
  end
  for _, v in ipairs(outs) do
    local ks, st, j = {}, v.strides, 0
    for d = 0, nd - 1 do
      if s.keepdims then j = j + 1 end
      if not red[d] then
        if not s.keepdims then j = j + 1 end
        ks[#ks + 1] = st[j]
      end
    end
    kept_strides[#kept_strides + 1] = ks
  end
  s.kshape, s.kst = U.coalesce(s.kept, kept_strides)
  s.rshape, s.rst = U.coalesce(s.reduced, red_strides)
  s.nk, s.nr = #s.kshape, #s.rshape
  return s
end

-- The launch value of input j of split s (a view over the kept, then the reduced dims) and of
-- output j (over the kept dims).
function M.input_view(s, j, a)
  local t = {a:data_ptr()}
  for d = 1, s.nk do t[#t + 1] = s.kshape[d] end
  for d = 1, s.nr do t[#t + 1] = s.rshape[d] end
  for d = 1, s.nk do t[#t + 1] = s.kst[j][d] end
  for d = 1, s.nr do t[#t + 1] = s.rst[j][d] end
  return t
end

function M.output_view(s, j, nin, a)
  local t = {a:data_ptr()}
  for d = 1, s.nk do t[#t + 1] = s.kshape[d] end
  for d = 1, s.nk do t[#t + 1] = s.kst[nin + j][d] end
  return t
end

-- The source of a reduction kernel: one block of threads per output element, or per split of
-- an output's reduced elements when there are few outputs (_nsplit splits of _chunk elements).
-- Each thread folds a strided share of its block's elements from the identity, then the block
-- combines them in a tree in shared memory. With one split thread 0 writes the outputs; with
-- several, it stores the block's value in _part, and the block that finishes an output's last
-- split (an atomic count per output) folds that output's values in split order, so the result
-- does not depend on the order the blocks run in, and writes the outputs. g gives:
--   name, preamble, decl (the C parameters after _nout and _nred), typedefs (lines),
--   nk, nr (kept and reduced dims), inputs (names n of the arrays _a_<n> walked over both),
--   outputs (names of the arrays walked over the kept dims), reduce_type (a C type),
--   identity, map (C expressions), reduce (a C expression over `a` and `b`), loads (lines
--   before map, with each input's offset _o_<n>), post (lines of thread 0, the result `a`).
function M.source(g)
  local src = {kernel.PRELUDE, g.preamble or ""}
  local L = function(line) src[#src + 1] = line end
  local decl = {"long long _nout", "long long _nred"}
  for _, d in ipairs(g.decl) do decl[#decl + 1] = d end
  local first = "_a_" .. g.inputs[1]
  decl[#decl + 1] = "long long _nsplit, long long _chunk, char *_part_bytes, unsigned int *_count"
  L(("extern \"C\" __global__ void %s(%s) {"):format(g.name, table.concat(decl, ", ")))
  for _, t in ipairs(g.typedefs or {}) do L(t) end
  L(("  typedef %s _type_reduce;"):format(g.reduce_type))
  L(("  __shared__ _type_reduce _sh[%d];"):format(U.BLOCK))
  L("  for (long long _j = blockIdx.x; _j < _nout * _nsplit; _j += gridDim.x) {")
  L("    const long long _jo = _j / _nsplit, _i0 = (_j % _nsplit) * _chunk;")
  L("    const long long _i1 = _nred - _i0 < _chunk ? _nred : _i0 + _chunk;")
  local zero = {}
  for _, n in ipairs(g.inputs) do zero[#zero + 1] = "_k_" .. n .. " = 0" end
  for _, n in ipairs(g.outputs) do zero[#zero + 1] = "_k_" .. n .. " = 0" end
  L("    long long " .. table.concat(zero, ", ") .. ";")
  L(("    for (long long _r = _jo, _d = %d; _d >= 0; _d--) {"):format(g.nk - 1))
  L(("      const long long _q = _r %% %s.shape[_d];"):format(first))
  L(("      _r /= %s.shape[_d];"):format(first))
  for _, n in ipairs(g.inputs) do L(("      _k_%s += _q * _a_%s.stride[_d];"):format(n, n)) end
  for _, n in ipairs(g.outputs) do L(("      _k_%s += _q * _a_%s.stride[_d];"):format(n, n)) end
  L("    }")
  L(("    _type_reduce _acc = (_type_reduce)(%s);"):format(g.identity))
  L("    for (long long _i = _i0 + threadIdx.x; _i < _i1; _i += blockDim.x) {")
  local ro = {}
  for _, n in ipairs(g.inputs) do ro[#ro + 1] = ("_o_%s = _k_%s"):format(n, n) end
  L("      long long " .. table.concat(ro, ", ") .. ";")
  L(("      for (long long _r = _i, _d = %d; _d >= %d; _d--) {"):format(g.nk + g.nr - 1, g.nk))
  L(("        const long long _q = _r %% %s.shape[_d];"):format(first))
  L(("        _r /= %s.shape[_d];"):format(first))
  for _, n in ipairs(g.inputs) do L(("        _o_%s += _q * _a_%s.stride[_d];"):format(n, n)) end
  L("      }")
  for _, l in ipairs(g.loads) do L(l) end
  L(("      const _type_reduce _b = (_type_reduce)(%s);"):format(g.map))
  L(("      { const _type_reduce a = _acc, b = _b; _acc = (%s); }"):format(g.reduce))
  L("    }")
  L("    _sh[threadIdx.x] = _acc;")
  L("    __syncthreads();")
  L("    for (int _s = blockDim.x / 2; _s > 0; _s >>= 1) {")
  L("      if (threadIdx.x < _s) {")
  L(("        const _type_reduce a = _sh[threadIdx.x], b = _sh[threadIdx.x + _s];"))
  L(("        _sh[threadIdx.x] = (%s);"):format(g.reduce))
  L("      }")
  L("      __syncthreads();")
  L("    }")
  L("    if (threadIdx.x == 0) {")
  L("      _type_reduce _fin = _sh[0];")
  L("      bool _done = true;")
  L("      if (_nsplit > 1) {")
  L("        volatile _type_reduce *_part = (volatile _type_reduce *)_part_bytes;")
  L("        _part[_j] = _fin;")
  L("        __threadfence();")
  L("        _done = atomicAdd(&_count[_jo], 1u) == (unsigned int)(_nsplit - 1);")
  L("        if (_done) {")
  L("          __threadfence();")
  L("          _fin = _part[_jo * _nsplit];")
  L("          for (long long _s = 1; _s < _nsplit; _s++) {")
  L("            const _type_reduce a = _fin, b = _part[_jo * _nsplit + _s];")
  L(("            _fin = (%s);"):format(g.reduce))
  L("          }")
  L("        }")
  L("      }")
  L("      if (_done) {")
  for _, n in ipairs(g.outputs) do L(("        const long long _o_%s = _k_%s;"):format(n, n)) end
  L("        const _type_reduce a = _fin;")
  L("        {")
  for _, l in ipairs(g.post) do L(l) end
  L("        }")
  L("      }")
  L("    }")
  L("    __syncthreads();")
  L("  }")
  L("}")
  return table.concat(src, "\n") .. "\n"
end

-- Launches a kernel of M.source for split s (M.split, M.coalesce) on `device`; sig and values
-- are the parameters before the splits'. Few outputs over many elements each are split so
-- that about SPLIT_BLOCKS blocks of at least SPLIT_MIN elements run; on the backend's stream
-- only, where the scratch arrays are freed in order after the kernel.
local SPLIT_BLOCKS, SPLIT_MIN = 2048, 4096

-- How a launch splits each of nout outputs of nred elements: the splits, and the elements of
-- each split.
function M.splits(nout, nred, stream)
  local nsplit = 1
  if stream == nil and nout < SPLIT_BLOCKS and nred >= 2 * SPLIT_MIN then
    nsplit = math.min(math.ceil(SPLIT_BLOCKS / nout), math.floor(nred / SPLIT_MIN))
  end
  local chunk = nred > 0 and math.ceil(nred / nsplit) or 0
  if chunk > 0 then nsplit = math.ceil(nred / chunk) end -- no split left empty
  return nsplit, chunk
end

function M.launch(fname, kern, ordinal, s, device, stream, sig, values)
  local n = #sig
  local nsplit, chunk = M.splits(s.nout, s.nred, stream)
  values[n + 1], values[n + 2] = nsplit, chunk
  local part, count
  if nsplit > 1 then
    part = kernel._empty({s.nout * nsplit * 8}, "uint8", device) -- 8 bytes hold any reduce type
    count = kernel._zeros({s.nout}, "int32", device)
    values[n + 3], values[n + 4] = part:data_ptr(), count:data_ptr()
  end
  jit.launch(fname, kern, ordinal, {math.min(s.nout * nsplit, U.MAX_GRID)}, {U.BLOCK}, 0, stream,
             sig .. "llpp", unpack(values, 1, n + 4))
end

local function plan(k, args, nargs, opts)
  local fname = k.fname
  local nin, nout = #k.inputs, #k.outputs
  local params, arrays, device = U.bound_params(k, nargs), {}, nil
  for i = 1, nargs do
    local v = args[i]
    if U.is_array(v) then
      if device and v.device ~= device then
        error(("%s: arguments on different devices (%s and %s)"):format(fname, device, v.device), 3)
      end
      device = v.device
      if i <= nin then arrays[#arrays + 1] = v end
    elseif i > nin then
      error(("%s: output '%s' must be an array, got %s"):format(fname, params[i].name, type(v)), 3)
    elseif type(v) ~= "number" and type(v) ~= "boolean" then
      error(("%s: argument '%s' must be an array or a number, got %s")
            :format(fname, params[i].name, type(v)), 3)
    end
  end
  if #arrays == 0 then error(fname .. ": needs at least one array input", 3) end
  local types = {}
  U.resolve_types(fname, params, args, types, nin)
  local shape = U.broadcast_shape(fname, arrays)
  local s = M.split(fname, shape, opts.axis, opts.keepdims, 3)
  local out_shape = s.out
  local rt = k.reduce_type or params[nin + 1].type
  rt = U.is_dtype(rt) and rt or types[rt]
  for i = nin + 1, nin + nout do
    local p, v = params[i], args[i]
    local dt = U.type_of(p, types)
    if v == nil then
      if not dt then
        error(("%s: cannot tell the type %s of output '%s' from the inputs: pass the output")
              :format(fname, p.type, p.name), 3)
      end
      args[i] = kernel._empty(out_shape, dt, device)
    else
      if dt ~= v.dtype then
        error(("%s: output '%s' is %s but the kernel makes %s")
              :format(fname, p.name, v.dtype, dt), 3)
      end
      if table.concat(v.shape, ",") ~= table.concat(out_shape, ",") then
        error(("%s: output '%s' has shape (%s), the result has (%s)")
              :format(fname, p.name, table.concat(v.shape, ","), table.concat(out_shape, ",")), 3)
      end
    end
  end
  if not rt then error(fname .. ": cannot tell the reduce type: pass {reduce_type = ...}", 3) end
  local ins, in_arrays, out_arrays = {}, {}, {}
  for i = 1, nin do
    if U.is_array(args[i]) then ins[#ins + 1], in_arrays[#in_arrays + 1] = i, args[i] end
  end
  for i = nin + 1, nin + nout do out_arrays[#out_arrays + 1] = args[i] end
  M.coalesce(s, in_arrays, out_arrays)
  local nk, nr = s.nk, s.nr

  -- source
  local sig, decl, values = {"l", "l"}, {}, {s.nout, s.nred}
  local loads, in_names, out_names, out_pre, out_post = {}, {}, {}, {}, {}
  for j, i in ipairs(ins) do
    local p, v = params[i], args[i]
    local dt = U.type_of(p, types)
    local a = "_a_" .. p.name
    decl[#decl + 1] = ("ca_view<%s, %d> %s"):format(U.ctype(v.dtype, fname).elem, nk + nr, a)
    sig[#sig + 1] = "v"
    values[#values + 1] = M.input_view(s, j, v)
    in_names[#in_names + 1] = p.name
    local at = ("%s.p[_o_%s]"):format(a, p.name)
    loads[#loads + 1] = ("      const %s %s = %s;")
                        :format(U.ctype(dt, fname).var, p.name, U.convert(at, v.dtype, dt))
  end
  for i = 1, nin do
    local p, v = params[i], args[i]
    if not U.is_array(v) then
      local dt = U.type_of(p, types)
      local c = U.ctype(dt, fname)
      decl[#decl + 1] = ("%s _s_%s"):format(c.elem, p.name)
      sig[#sig + 1] = c.sig
      values[#values + 1] = v
      loads[#loads + 1] = ("      const %s %s = %s;")
                          :format(c.var, p.name, U.convert("_s_" .. p.name, dt, dt))
    end
  end
  for j = 1, nout do
    local i = nin + j
    local p, v = params[i], args[i]
    local c = U.ctype(v.dtype, fname)
    local a = "_a_" .. p.name
    decl[#decl + 1] = ("ca_view<%s, %d> %s"):format(c.elem, nk, a)
    sig[#sig + 1] = "v"
    values[#values + 1] = M.output_view(s, j, #ins, v)
    out_names[#out_names + 1] = p.name
    local at = ("%s.p[_o_%s]"):format(a, p.name)
    if c.bits then
      out_pre[#out_pre + 1] = ("        float %s = ca_float16_to_f(%s);"):format(p.name, at)
      out_post[#out_post + 1] = ("        %s = ca_store_f_float16(%s);"):format(at, p.name)
    else
      out_pre[#out_pre + 1] = ("        %s &%s = %s;"):format(c.var, p.name, at)
    end
  end
  local typedefs = {}
  for tname, dt in pairs(types) do
    if not U.is_dtype(tname) then
      typedefs[#typedefs + 1] = ("  typedef %s %s;"):format(U.ctype(dt, fname).var, tname)
    end
  end
  table.sort(typedefs)
  local post = {}
  for _, l in ipairs(out_pre) do post[#post + 1] = l end
  post[#post + 1] = k.post
  for _, l in ipairs(out_post) do post[#post + 1] = l end
  local source = M.source({name = k.name, preamble = k.preamble, decl = decl, typedefs = typedefs,
                           nk = nk, nr = nr, inputs = in_names, outputs = out_names,
                           reduce_type = U.ctype(rt, fname).var, identity = k.identity,
                           map = k.map, reduce = k.reduce, loads = loads, post = post})
  return {source = source, sig = table.concat(sig), values = values,
          device = device, nout = s.nout, outputs = out_arrays, split = s}
end

local CALL_OPTS = {axis = true, keepdims = true, stream = true}

function Reduction:source(...)
  local args, n, opts = U.call_args(self.fname, CALL_OPTS, ...)
  return plan(self, args, n, opts).source
end

function Reduction:compile(...)
  local args, n, opts = U.call_args(self.fname, {axis = true, keepdims = true, arch = true}, ...)
  local p = plan(self, args, n, opts)
  local arch = opts.arch or "sm_90"
  return #jit.compile(p.source, self.name, U.compile_options(self), arch, self.fname)
end

function Reduction:__call(...)
  local args, n, opts = U.call_args(self.fname, CALL_OPTS, ...)
  local p = plan(self, args, n, opts)
  local ordinal = U.device_ordinal(p.device, self.fname)
  if p.nout > 0 then
    local kern = jit.kernel(p.source, self.name, U.compile_options(self), ordinal, self.fname)
    M.launch(self.fname, kern, ordinal, p.split, p.device, opts.stream, p.sig, p.values)
  end
  return unpack(p.outputs)
end

return M
