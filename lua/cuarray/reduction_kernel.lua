-- cu.ReductionKernel(in_params, out_params, map_expr, reduce_expr, post_map_expr, identity,
-- name[, {reduce_type =, preamble =, options =}]), called as k(x, ...[, outputs...][, {axis =,
-- keepdims =, stream =}]): CuPy's reduction kernel. Each element of the broadcast inputs is
-- mapped (map_expr, over the input names), the mapped values are combined (reduce_expr, over
-- `a` and `b`) from `identity` in the reduce type (reduce_type, default the first output's),
-- and post_map_expr writes the outputs from the result `a`. Axes count from 1 (negative from
-- the end); no axis reduces everything.
--
-- One block of threads makes one output element: each thread folds a strided share of the
-- reduced elements, then the block combines the threads' values in shared memory.
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
local function axes_of(fname, axis, nd)
  local set = {}
  if axis == nil then
    for d = 0, nd - 1 do set[d] = true end
    return set
  end
  local list = type(axis) == "table" and axis or {axis}
  for _, a in ipairs(list) do
    if type(a) ~= "number" or a ~= math.floor(a) then
      error(fname .. ": axis must be an integer or a list of integers", 4)
    end
    local d = a < 0 and nd + a or a - 1
    if a == 0 or d < 0 or d >= nd then
      error(("%s: axis %d is out of range for %d dimensions"):format(fname, a, nd), 4)
    end
    if set[d] then error(("%s: axis %d repeated"):format(fname, a), 4) end
    set[d] = true
  end
  return set
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
  local nd = #shape
  local red = axes_of(fname, opts.axis, nd)
  local kept_shape, red_shape, out_shape = {}, {}, {}
  for d = 0, nd - 1 do
    if red[d] then
      red_shape[#red_shape + 1] = shape[d + 1]
      if opts.keepdims then out_shape[#out_shape + 1] = 1 end
    else
      kept_shape[#kept_shape + 1] = shape[d + 1]
      out_shape[#out_shape + 1] = shape[d + 1]
    end
  end
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

  -- strides: kept dims (inputs and outputs together), reduced dims (inputs)
  local kept_strides, red_strides, ins = {}, {}, {}
  for i = 1, nin do
    if U.is_array(args[i]) then
      ins[#ins + 1] = i
      local st = U.broadcast_strides(args[i], shape)
      local ks, rs = {}, {}
      for d = 0, nd - 1 do
        if red[d] then rs[#rs + 1] = st[d + 1] else ks[#ks + 1] = st[d + 1] end
      end
      kept_strides[#kept_strides + 1], red_strides[#red_strides + 1] = ks, rs
    end
  end
  for i = nin + 1, nin + nout do
    local v, ks = args[i], {}
    local st = v.strides
    local j = 0
    for d = 0, nd - 1 do
      if opts.keepdims then j = j + 1 end
      if not red[d] then
        if not opts.keepdims then j = j + 1 end
        ks[#ks + 1] = st[j]
      end
    end
    kept_strides[#kept_strides + 1] = ks
  end
  local kshape, kst = U.coalesce(kept_shape, kept_strides)
  local rshape, rst = U.coalesce(red_shape, red_strides)
  local nk, nr = #kshape, #rshape
  local nred = U.size_of(red_shape)

  -- source
  local src = {kernel.PRELUDE, k.preamble or ""}
  local sig, decl, values = {"l", "l"}, {"long long _nout", "long long _nred"},
                            {U.size_of(kept_shape), nred}
  local loads, kept_offsets, red_offsets, outs = {}, {}, {}, {}
  local first
  for j, i in ipairs(ins) do
    local p, v = params[i], args[i]
    local dt = U.type_of(p, types)
    local a = "_a_" .. p.name
    first = first or a
    decl[#decl + 1] = ("ca_view<%s, %d> %s"):format(U.ctype(v.dtype, fname).elem, nk + nr, a)
    sig[#sig + 1] = "v"
    local t = {v:data_ptr()}
    for d = 1, nk do t[#t + 1] = kshape[d] end
    for d = 1, nr do t[#t + 1] = rshape[d] end
    for d = 1, nk do t[#t + 1] = kst[j][d] end
    for d = 1, nr do t[#t + 1] = rst[j][d] end
    values[#values + 1] = t
    kept_offsets[#kept_offsets + 1] = p.name
    red_offsets[#red_offsets + 1] = p.name
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
    local t = {v:data_ptr()}
    for d = 1, nk do t[#t + 1] = kshape[d] end
    for d = 1, nk do t[#t + 1] = kst[#ins + j][d] end
    values[#values + 1] = t
    kept_offsets[#kept_offsets + 1] = p.name
    local at = ("%s.p[_o_%s]"):format(a, p.name)
    if c.bits then
      outs[#outs + 1] = {("        float %s = ca_float16_to_f(%s);"):format(p.name, at),
                         ("        %s = ca_store_f_float16(%s);"):format(at, p.name)}
    else
      outs[#outs + 1] = {("        %s &%s = %s;"):format(c.var, p.name, at)}
    end
  end
  local typedefs = {}
  for tname, dt in pairs(types) do
    if not U.is_dtype(tname) then
      typedefs[#typedefs + 1] = ("  typedef %s %s;"):format(U.ctype(dt, fname).var, tname)
    end
  end
  table.sort(typedefs)
  local L = function(line) src[#src + 1] = line end
  L(("extern \"C\" __global__ void %s(%s) {"):format(k.name, table.concat(decl, ", ")))
  for _, t in ipairs(typedefs) do L(t) end
  L(("  typedef %s _type_reduce;"):format(U.ctype(rt, fname).var))
  L(("  __shared__ _type_reduce _sh[%d];"):format(U.BLOCK))
  L("  for (long long _j = blockIdx.x; _j < _nout; _j += gridDim.x) {")
  local zero = {}
  for _, n in ipairs(kept_offsets) do zero[#zero + 1] = "_k_" .. n .. " = 0" end
  L("    long long " .. table.concat(zero, ", ") .. ";")
  L(("    for (long long _r = _j, _d = %d; _d >= 0; _d--) {"):format(nk - 1))
  L(("      const long long _q = _r %% %s.shape[_d];"):format(first))
  L(("      _r /= %s.shape[_d];"):format(first))
  for _, n in ipairs(kept_offsets) do L(("      _k_%s += _q * _a_%s.stride[_d];"):format(n, n)) end
  L("    }")
  L(("    _type_reduce _acc = (_type_reduce)(%s);"):format(k.identity))
  L("    for (long long _i = threadIdx.x; _i < _nred; _i += blockDim.x) {")
  local ro = {}
  for _, n in ipairs(red_offsets) do ro[#ro + 1] = ("_o_%s = _k_%s"):format(n, n) end
  L("      long long " .. table.concat(ro, ", ") .. ";")
  L(("      for (long long _r = _i, _d = %d; _d >= %d; _d--) {"):format(nk + nr - 1, nk))
  L(("        const long long _q = _r %% %s.shape[_d];"):format(first))
  L(("        _r /= %s.shape[_d];"):format(first))
  for _, n in ipairs(red_offsets) do L(("        _o_%s += _q * _a_%s.stride[_d];"):format(n, n)) end
  L("      }")
  for _, l in ipairs(loads) do L(l) end
  L(("      const _type_reduce _b = (_type_reduce)(%s);"):format(k.map))
  L(("      { const _type_reduce a = _acc, b = _b; _acc = (%s); }"):format(k.reduce))
  L("    }")
  L("    _sh[threadIdx.x] = _acc;")
  L("    __syncthreads();")
  L("    for (int _s = blockDim.x / 2; _s > 0; _s >>= 1) {")
  L("      if (threadIdx.x < _s) {")
  L(("        const _type_reduce a = _sh[threadIdx.x], b = _sh[threadIdx.x + _s];"))
  L(("        _sh[threadIdx.x] = (%s);"):format(k.reduce))
  L("      }")
  L("      __syncthreads();")
  L("    }")
  L("    if (threadIdx.x == 0) {")
  for j, n in ipairs(kept_offsets) do
    if j > #ins then L(("      const long long _o_%s = _k_%s;"):format(n, n)) end
  end
  L("      const _type_reduce a = _sh[0];")
  L("      {")
  for _, o in ipairs(outs) do L(o[1]) end
  L(k.post)
  for _, o in ipairs(outs) do if o[2] then L(o[2]) end end
  L("      }")
  L("    }")
  L("    __syncthreads();")
  L("  }")
  L("}")
  local outputs = {}
  for i = nin + 1, nin + nout do outputs[#outputs + 1] = args[i] end
  return {source = table.concat(src, "\n") .. "\n", sig = table.concat(sig), values = values,
          device = device, nout = U.size_of(kept_shape), outputs = outputs}
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
    jit.launch(self.fname, kern, ordinal, {math.min(p.nout, U.MAX_GRID)}, {U.BLOCK}, 0,
               opts.stream, p.sig, unpack(p.values, 1, #p.sig))
  end
  return unpack(p.outputs)
end

return M
