-- GPU against CPU: every op of the op table (cu._ops), every dtype, on random shapes and layouts (size 0
-- and 1 dims, transposed, negative-step, strided and broadcast views), plus reductions, scans,
-- matmul, indexing, casts and the random stream. The CPU backend is the reference; results
-- must agree exactly for integers and bools and within a per-dtype tolerance for floats
-- (CUDA's math functions and summation orders differ from the C library's in the last bits).
-- Runs under `make test-gpu` only (spec/*_gpu_spec.lua).
local cu = require "cuarray"
local H = require "helper"

-- every dtype the core has (cu.dtypes), so that a new dtype is covered without a change here
local DTYPES = cu.dtypes
local FLOATS = {float16 = true, float32 = true, float64 = true, complex64 = true, complex128 = true,
                bfloat16 = true}
local COMPLEX = {complex64 = true, complex128 = true}

-- Relative tolerances for float results (H.close), by what is compared: an op's name or a
-- family named below, then per dtype. Integer and bool results always agree exactly.
local TOLERANCE = {
  default = {float16 = 2e-3, float32 = 2e-5, float64 = 1e-12, bfloat16 = 1.6e-2},
  reduce = {float16 = 1e-4, float32 = 1e-4, float64 = 1e-4, bfloat16 = 8e-3}, -- orders differ
  reduce_into = {float16 = 2e-3, float32 = 1e-4, float64 = 1e-4, bfloat16 = 1.6e-2},
  scan = {float16 = 1e-4, float32 = 1e-4, float64 = 1e-4, bfloat16 = 1e-4},
  matmul = {float16 = 1e-2, float32 = 1e-4, float64 = 1e-10, bfloat16 = 3e-2},
  astype = {float16 = 0, float32 = 0, float64 = 0, bfloat16 = 0}, -- conversions are exact
  random = {float16 = 0, float32 = 0, float64 = 0, bfloat16 = 0}, -- the same stream, [0, 1)
  random_dists = {float32 = 2e-6, float64 = 1e-12},              -- log, exp, tan in the last bits
  add_at = {float32 = 1e-4, float64 = 1e-10},                  -- atomics add in any order
  fft = {float32 = 1e-4, float64 = 1e-10},                     -- cuFFT's orders of operations
}
-- a complex dtype's parts compare as its real dtype's values
local PART = {complex64 = "float32", complex128 = "float64"}

local function tolerance(what, dtype)
  dtype = PART[dtype] or dtype
  local t = TOLERANCE[what]
  if t and t[dtype] then return t[dtype] end
  return TOLERANCE.default[dtype]
end

-- The op table as the core reports it (cu._ops, from src/ops.def), by kind.
local function op_table()
  local ops = {unary = {}, binary = {}, unary2 = {}, binary2 = {}, reduce = {}, rule = {}}
  for _, o in ipairs(cu._ops) do
    ops[o.kind][#ops[o.kind] + 1] = o.name
    ops.rule[o.name] = o.rule
  end
  return ops
end

-- A deterministic generator on the host, so a failure can be replayed.
local seed = 12345
local function rnd()
  seed = (seed * 1103515245 + 12345) % 2147483648
  return seed / 2147483648
end

local function values(dtype, n)
  local t = {}
  for i = 1, n do
    local u = rnd()
    if dtype == "bool" then t[i] = u < 0.5
    elseif dtype == "uint8" then t[i] = math.floor(u * 256)
    elseif dtype == "uint16" or dtype == "uint32" then -- small values, and the upper half
      local top = dtype == "uint16" and 65536 or 4294967296
      t[i] = u < 0.7 and math.floor(u * 30) or top - 1 - math.floor(rnd() * top / 2)
    elseif dtype == "uint64" then -- small values, and beyond 2^63 (multiples of 2048: exact)
      t[i] = u < 0.7 and math.floor(u * 30) or 2 ^ 63 + 2048 * math.floor(rnd() * 2 ^ 52)
    elseif COMPLEX[dtype] then -- {re, im} pairs, each part as a float's
      local p = values("float64", 2)
      t[i] = {p[1], p[2]}
    elseif FLOATS[dtype] then
      if u < 0.03 then t[i] = 0 / 0 elseif u < 0.05 then t[i] = (u < 0.04 and 1 or -1) / 0
      elseif u < 0.1 then t[i] = 0 else t[i] = (rnd() - 0.5) * 20 end
    else t[i] = math.floor(u * 41) - 20 end
  end
  return t
end

-- Layouts: each returns the same view of a CPU base and of its copy on the GPU.
local LAYOUTS = {
  {"contiguous", function(n) return {n} end, function(a) return a end},
  {"2-d", function(n) return {3, n} end, function(a) return a end},
  {"size 0", function() return {0, 4} end, function(a) return a end},
  {"size 1", function() return {1, 1} end, function(a) return a end},
  {"transposed", function(n) return {n, 3} end, function(a) return a.T end},
  {"negative step", function(n) return {2, n} end, function(a) return a[{{}, {-1, 1, -1}}] end},
  {"strided", function(n) return {2 * n} end, function(a) return a[{{1, -1, 2}}] end},
}

local function pair(dtype, shape)
  local n = 1
  for _, d in ipairs(shape) do n = n * d end
  local flat = cu.array(values(dtype, n), {dtype = dtype, device = "cpu"})
  local c = flat:reshape(shape)
  if n == 0 then c = cu.zeros(shape, {dtype = dtype, device = "cpu"}) end
  return c, c:to("cuda")
end

-- Compares a CPU result and a GPU result (values, arrays, or errors from both) of the op or
-- family `family`. Both raising agrees, unless a backend said it lacks the op: then the op is
-- missing on both devices, which is a failure, not an agreement.
-- `dtype`: the operands' dtype, which sets the tolerance of a result that is a Lua number (a
-- float32 dot product is a number, exact only to float32's precision)
local function agree(what, family, okc, rc, okg, rg, dtype)
  if okc ~= okg then
    error(("%s: cpu %s but cuda %s"):format(what, okc and "succeeded" or ("raised " .. tostring(rc)),
      okg and "succeeded" or ("raised " .. tostring(rg))), 0)
  end
  if not okc then
    for _, msg in ipairs({tostring(rc), tostring(rg)}) do
      if msg:find("not supported on", 1, true) then
        error(("%s: a backend lacks it: %s"):format(what, msg), 0)
      end
    end
    return
  end
  if not cu.is_array(rc) then
    if cu.is_complex(rc) then
      if not (H.close(rc.real, rg.real, tolerance(family, "float64"))
              and H.close(rc.imag, rg.imag, tolerance(family, "float64"))) then
        error(("%s: cpu %s, cuda %s"):format(what, tostring(rc), tostring(rg)), 0)
      end
      return
    end
    local scalar_dtype = type(rc) == "number" and (FLOATS[dtype] and dtype or "float64") or nil
    if not H.close(rc, rg, tolerance(family, scalar_dtype)) then
      error(("%s: cpu %s, cuda %s"):format(what, tostring(rc), tostring(rg)), 0)
    end
    return
  end
  assert(rg.device:match("^cuda"), what .. ": the result left the GPU")
  if rc.dtype ~= rg.dtype then error(("%s: dtype %s vs %s"):format(what, rc.dtype, rg.dtype), 0) end
  local sc, sg = table.concat(rc.shape, ","), table.concat(rg.shape, ",")
  if sc ~= sg then error(("%s: shape (%s) vs (%s)"):format(what, sc, sg), 0) end
  local t = FLOATS[rc.dtype] and tolerance(family, rc.dtype) or nil
  local same, why = H.compare(rg, rc:totable(), t)
  if not same then error(("%s: cuda against cpu: %s"):format(what, why), 0) end
end

local function both(what, family, fn, c, g)
  local okc, rc = pcall(fn, c)
  local okg, rg = pcall(fn, g)
  agree(what, family, okc, rc, okg, rg, cu.is_array(c) and c.dtype)
end

local function both2(what, family, fn, c1, g1, c2, g2)
  local okc, rc = pcall(fn, c1, c2)
  local okg, rg = pcall(fn, g1, g2)
  agree(what, family, okc, rc, okg, rg, cu.is_array(c1) and c1.dtype)
end

if not cu.cuda.is_available() then
  describe("GPU against CPU", function()
    it("needs a GPU", function() error("cuarray.cuda reports no GPU: " .. select(2, cu.cuda.is_available())) end)
  end)
  return
end

local OPS = op_table()

describe("GPU against CPU", function()
  it("walks an op table with every kind of op", function()
    assert.is_true(#OPS.unary >= 25 and #OPS.binary >= 20 and #OPS.reduce >= 10)
  end)

  -- Each result of an op is compared on its own: ops of two results (divmod, modf, frexp)
  -- through two pickers.
  local ONE = {{"", function(f) return f end}}
  local TWO = {{", first", function(f) return function(...) return (f(...)) end end},
               {", second", function(f) return function(...) return select(2, f(...)) end end}}

  local function unary_cases(name, picks)
    for _, dt in ipairs(DTYPES) do
      for _, lay in ipairs(LAYOUTS) do
        local c, g = pair(dt, lay[2](37))
        for _, p in ipairs(picks) do
          both(("%s %s %s%s"):format(name, dt, lay[1], p[1]), name,
            p[2](function(x) return cu[name](lay[3](x)) end), c, g)
        end
      end
    end
  end

  local function binary_cases(name, picks)
    for _, dt in ipairs(DTYPES) do
      for _, dt2 in ipairs({dt, "int32", "float32"}) do
        for _, lay in ipairs(LAYOUTS) do
          local shape = lay[2](29)
          local c1, g1 = pair(dt, shape)
          local c2, g2 = pair(dt2, shape)
          for _, p in ipairs(picks) do
            both2(("%s %s,%s %s%s"):format(name, dt, dt2, lay[1], p[1]), name,
              p[2](function(x, y) return cu[name](lay[3](x), lay[3](y)) end), c1, g1, c2, g2)
          end
        end
      end
      local r1, rg1 = pair(dt, {4, 1})
      local r2, rg2 = pair(dt, {1, 33})
      for _, p in ipairs(picks) do
        both2(("%s %s broadcast%s"):format(name, dt, p[1]), name, p[2](cu[name]), r1, rg1, r2, rg2)
        for _, s in ipairs({3, -2.5, 0}) do
          both(("%s %s with %s%s"):format(name, dt, s, p[1]), name,
            p[2](function(x) return cu[name](x, s) end), r2, rg2)
          both(("%s %s by %s%s"):format(name, dt, s, p[1]), name,
            p[2](function(x) return cu[name](s, x) end), r2, rg2)
        end
      end
    end
  end

  for _, name in ipairs(OPS.unary) do
    it("unary " .. name .. " on every dtype and layout", function() unary_cases(name, ONE) end)
  end
  for _, name in ipairs(OPS.unary2) do
    it("unary " .. name .. " (two results) on every dtype and layout", function() unary_cases(name, TWO) end)
  end
  for _, name in ipairs(OPS.binary) do
    it("binary " .. name .. " on every dtype pair, layout, broadcast and scalar", function()
      binary_cases(name, ONE)
    end)
  end
  for _, name in ipairs(OPS.binary2) do
    it("binary " .. name .. " (two results) on every dtype pair, layout, broadcast and scalar", function()
      binary_cases(name, TWO)
    end)
  end

  -- The elementwise kernels' other paths (cuda/elementwise.cu), on operands large enough to
  -- reach their vector branches and their tails: the mixed path (inputs of different dtypes,
  -- converted in registers), the fast path of the narrow dtypes and complex128, and the tiled
  -- path (one input transposed relative to the output); each against the CPU.
  local ARITH = {"add", "subtract", "multiply", "divide"}
  local EW_LAYOUTS = { -- name, shape, view
    {"long", {5003}, function(a) return a end},
    {"rows", {3, 2048}, function(a) return a end},
    {"odd rows", {3, 1030}, function(a) return a end},
    {"unaligned", {5004}, function(a) return a[{{2, -1}}] end},
  }

  it("arithmetic on mixed dtypes (the mixed path), every layout, broadcast and scalar", function()
    local pairs_ = {{"int32", "float32"}, {"float32", "int32"}, {"int32", "float64"}, {"int64", "float32"},
                    {"float16", "float32"}, {"int16", "float64"}, {"uint8", "float32"}, {"int8", "int64"},
                    {"int32", "int64"}, {"float32", "float64"}, {"int16", "int32"}, {"bool", "float32"}}
    for _, dts in ipairs(pairs_) do
      for _, lay in ipairs(EW_LAYOUTS) do
        local c1, g1 = pair(dts[1], lay[2])
        local c2, g2 = pair(dts[2], lay[2])
        for _, name in ipairs(ARITH) do
          both2(("%s %s,%s %s"):format(name, dts[1], dts[2], lay[1]), name,
            function(x, y) return cu[name](lay[3](x), lay[3](y)) end, c1, g1, c2, g2)
        end
      end
      local r1, rg1 = pair(dts[1], {3, 2048})
      local r2, rg2 = pair(dts[2], {3, 1})
      for _, name in ipairs(ARITH) do
        both2(("%s %s,%s column broadcast"):format(name, dts[1], dts[2]), name, cu[name], r1, rg1, r2, rg2)
        both2(("%s %s,%s column broadcast, swapped"):format(name, dts[2], dts[1]), name, cu[name],
          r2, rg2, r1, rg1)
        for _, sc in ipairs({2.5, -3}) do
          both(("%s %s with %s"):format(name, dts[1], sc), name, function(x) return cu[name](x, sc) end, r1, rg1)
          both(("%s %s by %s"):format(name, dts[1], sc), name, function(x) return cu[name](sc, x) end, r1, rg1)
        end
      end
    end
  end)

  it("arithmetic on the narrow dtypes and complex128 (the fast path), every layout and scalar", function()
    for _, dt in ipairs({"bool", "int8", "uint8", "int16", "uint16", "uint64", "float16", "bfloat16",
                         "complex128"}) do
      for _, lay in ipairs(EW_LAYOUTS) do
        local c1, g1 = pair(dt, lay[2])
        local c2, g2 = pair(dt, lay[2])
        for _, name in ipairs({"add", "subtract", "multiply"}) do
          both2(("%s %s %s"):format(name, dt, lay[1]), name,
            function(x, y) return cu[name](lay[3](x), lay[3](y)) end, c1, g1, c2, g2)
          both(("%s %s %s with 3"):format(name, dt, lay[1]), name,
            function(x) return cu[name](lay[3](x), 3) end, c1, g1)
        end
      end
    end
  end)

  it("arithmetic with one input transposed (the tiled path): edges, batches, broadcast, scalar", function()
    local T2 = function(a) return cu.moveaxis(a, -1, -2) end
    local cases = { -- name, base shape, the other input's shape (nil: the base again)
      {"130x258", {130, 258}},
      {"64x64", {64, 64}},
      {"batched 3x66x128", {3, 66, 128}},
      {"odd 65x130", {65, 130}},
      {"row broadcast", {96, 200}, {1, 96}},
      {"column broadcast", {96, 200}, {200, 1}},
    }
    for _, dt in ipairs({"float32", "float64", "int32", "int64", "float16"}) do
      for _, case in ipairs(cases) do
        local c, g = pair(dt, case[2])
        local o, og
        if case[3] then o, og = pair(dt, case[3]) else o, og = T2(c):copy(), T2(g):copy() end
        for _, name in ipairs({"add", "subtract", "multiply"}) do
          both2(("%s %s %s, transposed first"):format(name, dt, case[1]), name,
            function(x, y) return cu[name](T2(x), y) end, c, g, o, og)
          both2(("%s %s %s, transposed second"):format(name, dt, case[1]), name,
            function(x, y) return cu[name](y, T2(x)) end, c, g, o, og)
          both(("%s %s %s, transposed with 2"):format(name, dt, case[1]), name,
            function(x) return cu[name](T2(x), 2) end, c, g)
        end
      end
    end
  end)

  it("scales the inverse fft (a contiguous complex output as one run of reals)", function()
    for _, dt in ipairs({"complex64", "complex128"}) do
      for _, shape in ipairs({{4096}, {3, 1000}, {5}}) do
        local ci = pair("int32", shape) -- finite values: a NaN spreads over a whole transform
        local c = ci:astype(dt)
        local g = c:to("cuda")
        for _, norm in ipairs({"backward", "ortho"}) do
          both(("ifft %s %s %s"):format(dt, table.concat(shape, "x"), norm), "fft",
            function(x) return cu.fft.ifft(x, {norm = norm}) end, c, g)
        end
      end
    end
  end)

  local function reduce_cases(name, extra)
    for _, dt in ipairs(DTYPES) do
      for _, lay in ipairs(LAYOUTS) do
        local c, g = pair(dt, lay[2](41))
        local nd = lay[3](c).ndim
        local forms = {{"all"}, {"all, as an array", nil, {array = true}}, {"axis 1", 1},
                       {"axis -1", -1}, {"keepdims", -1, {keepdims = true}}}
        if nd >= 2 then forms[#forms + 1] = {"axes {1, 2}", {1, 2}} end
        for _, f in ipairs(forms) do
          if not (extra == "single" and type(f[2]) == "table") then
            local opts = f[3]
            both(("%s %s %s %s"):format(name, dt, lay[1], f[1]), FLOATS[dt] and "reduce" or name,
              function(x) return cu[name](lay[3](x), f[2], opts) end, c, g)
          end
        end
      end
    end
  end

  for _, name in ipairs(OPS.reduce) do
    it("reduction " .. name .. " over all elements, axes and keepdims", function()
      reduce_cases(name, OPS.rule[name] == "index" and "single" or nil)
    end)
  end

  it("nan-reductions of slices with many NaNs, and of NaNs alone", function()
    for _, dt in ipairs({"float16", "float32", "float64"}) do
      for _, shape in ipairs({{7, 5}, {300, 41}, {3, 70000}}) do
        local c = pair(dt, shape)
        c = cu.where(c:gt(2), 0 / 0, c) -- about 40% NaN
        c[{2}] = 0 / 0                  -- a row of NaNs
        local g = c:to("cuda")
        for _, name in ipairs(OPS.reduce) do
          if name:match("^nan") then
            for _, ax in ipairs({false, 1, 2}) do
              both(("%s %s %s axis %s"):format(name, dt, table.concat(shape, "x"), tostring(ax)),
                "reduce", function(x) return cu[name](x, ax or nil) end, c, g)
            end
          end
        end
      end
    end
  end)

  -- dtype= converts each element to the requested dtype before it is accumulated (a float16
  -- 1.7 adds 1 to an int32 sum), on every path: the small single-block one, CUB (a contiguous
  -- full reduction over 64 KiB), rows, columns (a reduction over axis 1 of a C-contiguous
  -- matrix), transposed and strided views.
  local DTYPE_RULES = {accumulate = true, mean = true, moment = true}
  local BIG_LAYOUTS = {
    {"contiguous 70000", function() return {70000} end, function(a) return a end},
    {"columns 300x257", function() return {300, 257} end, function(a) return a end},
    {"transposed 257x300", function() return {257, 300} end, function(a) return a.T end},
    {"strided 2x70000", function() return {140000} end, function(a) return a[{{1, -1, 2}}] end},
  }
  for _, name in ipairs(OPS.reduce) do
    if DTYPE_RULES[OPS.rule[name]] then
      it("reduction " .. name .. " with dtype= on every layout and path", function()
        local function check(dt, lay, c, g)
          -- A moment into an integer dtype truncates a double whose last bits depend on the
          -- order of summation, which differs between the devices: floats only there.
          local odts = OPS.rule[name] == "moment" and {"float16", "float64"}
                       or {"int32", "int8", "bool", "float16", "float64"}
          for _, odt in ipairs(odts) do
            for _, ax in ipairs({false, 1, -1}) do
              both(("%s %s dtype=%s %s axis %s"):format(name, dt, odt, lay[1], tostring(ax)),
                "reduce_into", function(x)
                  return cu[name](lay[3](x), ax or nil, {dtype = odt, array = true})
                end, c, g)
            end
          end
        end
        for _, dt in ipairs({"float16", "float32", "float64", "int16", "bool"}) do
          for _, lay in ipairs(LAYOUTS) do
            local c, g = pair(dt, lay[2](41))
            check(dt, lay, c, g)
          end
          for _, lay in ipairs(BIG_LAYOUTS) do
            local c, g = pair(dt, lay[2]())
            check(dt, lay, c, g)
          end
        end
      end)
    end
  end

  for _, name in ipairs({"cumsum", "cumprod"}) do
    it(name .. " flattened and along each axis", function()
      for _, dt in ipairs(DTYPES) do
        for _, lay in ipairs(LAYOUTS) do
          local c, g = pair(dt, lay[2](23))
          for _, ax in ipairs({false, 1, -1}) do
            both(("%s %s %s axis %s"):format(name, dt, lay[1], tostring(ax)), "scan",
              function(x) return cu[name](lay[3](x), ax or nil) end, c, g)
          end
        end
      end
    end)
  end

  it("casts between every pair of dtypes, NaN and infinities included", function()
    for _, from in ipairs(DTYPES) do
      for _, lay in ipairs(LAYOUTS) do
        local c, g = pair(from, lay[2](31))
        for _, to in ipairs(DTYPES) do
          both(("astype %s -> %s %s"):format(from, to, lay[1]), "astype",
            function(x) return lay[3](x):astype(to) end, c, g)
        end
      end
    end
  end)

  it("matmul on float, integer and bool dtypes, transposed and batched operands", function()
    local shapes = {{{5, 7}, {7, 3}}, {{7}, {7, 4}}, {{6, 7}, {7}}, {{2, 1, 3, 4}, {5, 4, 2}},
      {{3, 0}, {0, 4}}, {{1, 1}, {1, 1}}, {{7}, {7}}}
    for _, dt in ipairs({"float16", "float32", "float64", "int8", "int32", "int64", "bool"}) do
      for _, s in ipairs(shapes) do
        local a, ga = pair(dt, s[1])
        local b, gb = pair(dt, s[2])
        if FLOATS[dt] then -- keep float products finite and comparable
          a = cu.clip(cu.where(cu.isfinite(a), a, 1), -3, 3)
          b = cu.clip(cu.where(cu.isfinite(b), b, 1), -3, 3)
          ga, gb = a:to("cuda"), b:to("cuda")
        end
        both2(("matmul %s %s@%s"):format(dt, table.concat(s[1], "x"), table.concat(s[2], "x")),
          "matmul", cu.matmul, a, ga, b, gb)
        if #s[1] == 2 and #s[2] == 2 then
          both2(("matmul %s transposed"):format(dt), "matmul",
            function(x, y) return cu.matmul(y.T, x.T) end, a, ga, b, gb)
        end
      end
    end
  end)

  it("gathers, scatters, masks and nonzero the same way", function()
    for _, dt in ipairs(DTYPES) do
      local c, g = pair(dt, {6, 9})
      local idx = cu.array({1, -1, 3, 3, -6, 2}, {device = "cpu"})
      local gidx = idx:to("cuda")
      both2("take rows " .. dt, "index", function(x, i) return x[i] end, c, g, idx, gidx)
      both2("take columns " .. dt, "index", function(x, i) return x[{{}, i}] end, c, g, idx, gidx)
      both2("pairs " .. dt, "index", function(x, i) return x[{i, i}] end, c, g, idx, gidx)
      local m, gm = pair("bool", {6, 9})
      both2("mask " .. dt, "index", function(x, mm) return x[mm] end, c, g, m, gm)
      both2("rows by mask " .. dt, "index", function(x, mm) return x[mm[{{}, 1}]] end, c, g, m, gm)
      both("nonzero " .. dt, "nonzero", function(x) return cu.nonzero(x)[2] end, c, g)
      both2("scatter " .. dt, "index", function(x, mm)
        local y = x:copy()
        y[mm] = 7
        y[cu.array({2, 4}, {device = y.device})] = 1
        return y
      end, c, g, m, gm)
      both2("where " .. dt, "where", function(mm, x) return cu.where(mm, x, 0) end, m, gm, c, g)
      both2("concatenate " .. dt, "concatenate", function(x, y) return cu.concatenate({x, y:astype(dt)}, 2) end,
        c, g, m, gm)
    end
  end)

  it("selects, counts and moves across many CUB tiles and at every alignment", function()
    for _, dt in ipairs({"bool", "int8", "float16", "float32", "float64", "complex128"}) do
      local c, g = pair(dt, {301, 257})
      local m, gm = pair("bool", {301, 257})
      both2("long mask " .. dt, "index", function(x, mm) return x[mm] end, c, g, m, gm)
      both2("long mask, offset " .. dt, "index", function(x, mm) return x[{{2, -1}}][mm[{{2, -1}}]] end,
        c, g, m, gm)
      both2("long mask, strided " .. dt, "index", function(x, mm) return x.T[mm.T] end, c, g, m, gm)
      both2("long mask rows " .. dt, "index", function(x, mm) return x[{{}, mm[1]}] end, c, g, m, gm)
      both("argwhere " .. dt, "nonzero", function(x) return cu.argwhere(x) end, c, g)
      both("argwhere 5-d " .. dt, "nonzero", function(x) return cu.argwhere(x:reshape(7, 43, 1, 257, 1)) end,
        c, g)
      local idx = cu.arange(-77357, 77358, 3, {device = "cpu"}) -- two thirds of 301 * 257's positions
      both2("long gather " .. dt, "index", function(x, i) return x:reshape(-1)[i] end, c, g, idx,
        idx:to("cuda"))
      both2("checked scatter " .. dt, "index", function(x, i)
        local y = x:copy()
        pcall(function() y[i] = x[{{1, 4}}] end) -- index 400 is out of range: nothing written
        return y
      end, c, g, cu.array({5, 1, 400, 2}, {device = "cpu"}), cu.array({5, 1, 400, 2}, {device = "cuda"}))
    end
  end)

  it("raises for out-of-range indices on both devices", function()
    local c, g = pair("float32", {4, 5})
    for _, bad in ipairs({{5}, {-5}, {0}}) do
      both2("index " .. bad[1], "index", function(x, i) return x[i] end, c, g,
        cu.array(bad, {device = "cpu"}), cu.array(bad, {device = "cuda"}))
    end
  end)

  it("draws the same random numbers for the same seed", function()
    for _, dt in ipairs({"float16", "float32", "float64"}) do
      for _, n in ipairs({1, 3, 4, 5, 1000, 1001}) do
        local draws = {
          {"random", function(dev) return cu.random.random(n, {dtype = dt, device = dev}) end},
          {"uniform", function(dev) return cu.random.uniform(-2, 3, n, {dtype = dt, device = dev}) end},
          {"normal", function(dev) return cu.random.normal(1, 2, n, {dtype = dt, device = dev}) end},
        }
        for _, d in ipairs(draws) do
          cu.random.seed(99)
          local okc, rc = pcall(d[2], "cpu")
          cu.random.seed(99)
          local okg, rg = pcall(d[2], "cuda")
          agree(("%s %s n=%d"):format(d[1], dt, n), d[1], okc, rc, okg, rg)
        end
      end
    end
    -- the other distributions (src/random_dists.h): the same formulas in double; CUDA's log,
    -- exp and tan may differ from the C library's in the last bits, so the continuous ones
    -- agree within the default tolerance and the discrete ones exactly
    local function dev_opts(dt, dev) return {dtype = dt, device = dev} end
    local dists = {
      {"exponential", function(dt, dev) return cu.random.exponential(2, 1001, dev_opts(dt, dev)) end},
      {"laplace", function(dt, dev) return cu.random.laplace(1, 2, 1001, dev_opts(dt, dev)) end},
      {"logistic", function(dt, dev) return cu.random.logistic(1, 2, 1001, dev_opts(dt, dev)) end},
      {"gumbel", function(dt, dev) return cu.random.gumbel(1, 2, 1001, dev_opts(dt, dev)) end},
      {"lognormal", function(dt, dev) return cu.random.lognormal(0, 1, 1001, dev_opts(dt, dev)) end},
      {"standard_cauchy", function(dt, dev) return cu.random.standard_cauchy(1001, dev_opts(dt, dev)) end},
      {"gamma", function(dt, dev) return cu.random.gamma(0.3, 2, 1001, dev_opts(dt, dev)) end},
      {"gamma", function(dt, dev) return cu.random.gamma(7.5, 1, 1001, dev_opts(dt, dev)) end},
      {"beta", function(dt, dev) return cu.random.beta(0.5, 3, 1001, dev_opts(dt, dev)) end},
      {"dirichlet", function(dt, dev) return cu.random.dirichlet({0.5, 1, 4}, 333, dev_opts(dt, dev)) end},
    }
    for _, dt in ipairs({"float32", "float64"}) do
      for _, d in ipairs(dists) do
        cu.random.seed(5)
        local okc, rc = pcall(d[2], dt, "cpu")
        cu.random.seed(5)
        local okg, rg = pcall(d[2], dt, "cuda")
        agree(("%s %s"):format(d[1], dt), "random_dists", okc, rc, okg, rg)
      end
    end
    local counts = {
      {"geometric", function(dev) return cu.random.geometric(0.2, 1001, {device = dev}) end},
      {"poisson", function(dev) return cu.random.poisson(3.5, 1001, {device = dev}) end},
      {"poisson", function(dev) return cu.random.poisson(1e6, 1001, {device = dev}) end},
      {"binomial", function(dev) return cu.random.binomial(30, 0.2, 1001, {device = dev}) end},
      {"binomial", function(dev) return cu.random.binomial(5000, 0.7, 1001, {device = dev}) end},
      {"permutation", function(dev) return cu.random.permutation(100003, {device = dev}) end},
      {"choice", function(dev) return cu.random.choice(1000, 77, {replace = false, device = dev}) end},
      {"choice p", function(dev)
        return cu.random.choice(4, 1001, {p = {0.1, 0.2, 0.3, 0.4}, device = dev})
      end},
      {"multinomial", function(dev)
        return cu.random.multinomial(1000, {0.1, 0.6, 0.3}, 333, {dtype = "int32", device = dev})
      end},
    }
    for _, d in ipairs(counts) do
      cu.random.seed(6)
      local okc, rc = pcall(d[2], "cpu")
      cu.random.seed(6)
      local okg, rg = pcall(d[2], "cuda")
      agree(d[1], d[1], okc, rc, okg, rg)
    end
    for _, dt in ipairs({"int8", "int32", "int64"}) do
      cu.random.seed(7)
      local c = cu.random.randint(-50, 50, {33, 3}, {dtype = dt, device = "cpu"})
      cu.random.seed(7)
      local g = cu.random.randint(-50, 50, {33, 3}, {dtype = dt, device = "cuda"})
      agree("randint " .. dt, "randint", true, c, true, g)
    end
  end)

  -- Sorting, searching, sets, counting and order statistics (src/l_sort.c,
  -- lua/cuarray/sorting.lua, lua/cuarray/quantile.lua) on every dtype and layout.
  local SORTING = {
    {"sort", function(a) return cu.sort(a) end},
    {"sort axis 1", function(a) return cu.sort(a, 1) end},
    {"sort descending", function(a) return cu.sort(a, {descending = true}) end},
    {"argsort", function(a) return cu.argsort(a) end},
    {"argsort axis 1", function(a) return cu.argsort(a, 1) end},
    {"argsort descending", function(a) return cu.argsort(a, -1, {descending = true}) end},
    {"topk", function(a) return select(2, cu.topk(a, math.min(2, a.shape[a.ndim]))) end},
    {"unique", function(a) return cu.unique(a) end},
    {"unique inverse", function(a) return cu.unique(a, {return_inverse = true}).inverse end},
    {"unique counts", function(a) return cu.unique(a, {return_counts = true}).counts end},
    {"unique index", function(a) return cu.unique(a, {return_index = true}).index end},
    {"searchsorted", function(a) return cu.searchsorted(cu.sort(a:ravel()), a, {side = "right"}) end},
    {"isin", function(a) return cu.isin(a, a[{{1, 1}}]) end},
    {"median", function(a) return cu.median(a, -1) end},
    {"quantile", function(a) return cu.quantile(a, {0.1, 0.5, 0.9}, 1) end},
    {"nanmedian", function(a) return cu.nanmedian(a, -1) end},
    {"nanpercentile", function(a) return cu.nanpercentile(a, {10, 75}, 1, {method = "midpoint"}) end},
    {"histogram", function(a) return (cu.histogram(a, {bins = 7, range = {-5, 5}})) end},
    {"histogram auto", function(a) return (cu.histogram(a, "auto", {range = {-5, 5}})) end},
    {"histogram_bin_edges stone",
      function(a) return cu.histogram_bin_edges(a, "stone", {range = {-5, 5}}) end},
    {"histogramdd", function(a)
      return (cu.histogramdd({a:ravel(), cu.flip(a:ravel())}, {3, 4}, {range = {{-5, 5}, {-9, 9}}}))
    end},
    {"histogram2d density", function(a)
      return (cu.histogram2d(a:ravel(), a:ravel(), 5, {range = {{-5, 5}, {-5, 5}}, density = true}))
    end},
    {"unique axis 1", function(a) return cu.unique(a, {axis = 1}) end},
    {"unique axis -1 inverse", function(a)
      return cu.unique(a, {axis = -1, return_inverse = true, equal_nan = false}).inverse
    end},
    {"unique_all indices", function(a) return cu.unique_all(a).indices end},
    {"unique_counts", function(a) return cu.unique_counts(a).counts end},
    {"sort_complex", function(a) return cu.sort_complex(a) end},
    {"bincount", function(a) -- bins below 1000 (uint32's upper half would ask for 2^32 of them)
      return cu.bincount(a:astype("int64"):ravel() % 1000)
    end},
  }

  it("sorts, searches, counts and takes order statistics as the CPU does", function()
    for _, dt in ipairs(DTYPES) do
      for _, lay in ipairs(LAYOUTS) do
        for _, n in ipairs({1, 7, 1500, 5000}) do
          local c, g = pair(dt, lay[2](n))
          c, g = lay[3](c), lay[3](g)
          for _, f in ipairs(SORTING) do
            both(("%s %s %s n=%d"):format(f[1], dt, lay[1], n), "sort", f[2], c, g)
          end
        end
      end
    end
  end)

  it("convolves and correlates as the CPU does (cuBLAS and the integer products)", function()
    for _, dt in ipairs(DTYPES) do
      if dt ~= "float16" then -- float16 sums of products round in the products' order
        for _, lay in ipairs(LAYOUTS) do
          for _, n in ipairs({1, 7, 1500}) do
            local c, g = pair(dt, lay[2](n))
            c, g = lay[3](c), lay[3](g)
            local function short(a)
              return a.size == 0 and a:ravel() or a:ravel()[{{1, math.min(a.size, 4)}}]
            end
            both(("convolve %s %s n=%d"):format(dt, lay[1], n), "matmul",
              function(a) return cu.convolve(a:ravel(), short(a)) end, c, g)
            both(("correlate same %s %s n=%d"):format(dt, lay[1], n), "matmul",
              function(a) return cu.correlate(short(a), a:ravel(), {mode = "same"}) end, c, g)
          end
        end
      end
    end
    -- outputs in blocks of windows (a shorter sequence of 3000: blocks of 1398 outputs)
    local c = cu.subtract(cu.arange(9000, {dtype = "float64", device = "cpu"}) % 17, 8)
    both("convolve in blocks", "matmul", function(a) return cu.convolve(a, a[{{1, 3000}}]) end, c,
      c:to("cuda"))
  end)

  it("adds at repeated indices (add_at) as the CPU does", function()
    for _, dt in ipairs(DTYPES) do
      if dt ~= "float16" then -- float16 sums round at each step, in the atomics' order
        for _, lay in ipairs(LAYOUTS) do
          local c, g = pair(dt, lay[2](3000))
          c, g = lay[3](c), lay[3](g)
          both(("add_at %s %s"):format(dt, lay[1]), "add_at", function(a)
            cu.random.seed(5) -- the same indices for both devices
            local x = cu.random.randint(1, 6, {a.size}, {device = "cpu"}):to(a.device)
            local t = cu.ones({5, 2}, {dtype = dt, device = a.device})
            cu.add_at(t, x, cu.expand_dims(a:ravel(), -1))
            return t
          end, c, g)
        end
      end
    end
  end)

  it("sorts long single rows and many rows as the CPU does", function()
    for _, shape in ipairs({{131072}, {300, 4096}, {3, 50000}, {2000, 33}}) do
      for _, dt in ipairs({"int8", "int16", "float32", "float64"}) do
        local c, g = pair(dt, shape)
        both(("argsort %s (%s)"):format(dt, table.concat(shape, ",")), "sort", cu.argsort, c, g)
        both(("sort descending %s (%s)"):format(dt, table.concat(shape, ",")), "sort",
          function(a) return cu.sort(a, {descending = true}) end, c, g)
        -- long enough that the GPU's search starts in its sample of the sorted keys
        for _, side in ipairs({"left", "right"}) do
          both(("searchsorted %s %s (%s)"):format(side, dt, table.concat(shape, ",")), "sort",
            function(a)
              local flat = a:ravel()
              return cu.searchsorted(cu.sort(flat), flat, {side = side})
            end, c, g)
        end
      end
    end
  end)

  -- The GPU selects the top k of rows up to 4096 long for k up to 256, and sorts otherwise.
  it("takes the top k of rows as the CPU does", function()
    for _, case in ipairs({{{2000, 33}, {1, 5, 32}}, {{300, 4096}, {1, 16, 256, 257}},
                           {{40, 1000}, {3, 256, 999}}, {{3, 5000}, {2, 100}}}) do
      local shape, ks = case[1], case[2]
      for _, dt in ipairs({"int8", "uint16", "int32", "float32", "float64", "uint64"}) do
        local c, g = pair(dt, shape)
        for _, k in ipairs(ks) do
          for _, largest in ipairs({true, false}) do
            local what = ("topk %s (%s) k=%d largest=%s"):format(dt, table.concat(shape, ","), k,
              tostring(largest))
            both(what .. " values", "sort", function(a)
              return (cu.topk(a, k, {largest = largest}))
            end, c, g)
            both(what .. " positions", "sort", function(a)
              return select(2, cu.topk(a, k, {largest = largest}))
            end, c, g)
          end
        end
      end
    end
  end)
end)
