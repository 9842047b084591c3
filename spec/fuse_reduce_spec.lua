-- cu.fuse ending with a reduction, without a GPU: the replay on the CPU equals the unfused
-- function (values, dtypes, options, Lua values for reductions over everything), the errors,
-- the generated kernel's types (the core's result dtype and accumulation type), and every
-- supported reduction compiled by NVRTC for sm_90. The kernel on the GPU is checked in
-- spec/fuse_gpu_spec.lua.
local cu = require "cuarray"
local H = require "helper"
local jit = require "cuarray.jit"

local REDUCTIONS = {"sum", "prod", "max", "amax", "min", "amin", "all", "any", "mean",
                    "count_nonzero"}
local TAKES_DTYPE = {sum = true, prod = true, mean = true}
local DTYPES = {"float16", "float32", "float64", "int8", "uint8", "int32", "int64", "bool"}

local unpack = table.unpack or unpack

local function cpu(t, dt) return cu.array(t, {dtype = dt or "float32", device = "cpu"}) end

-- x of shape (2, 3, 4) and y of shape (4,) in dtype dt, with a NaN in x for the floats.
local function operands(dt)
  local x = cu.arange(24, {device = "cpu"}):reshape({2, 3, 4}):astype("float64")
  x = ((x * 7) % 11 - 4):astype(dt)
  if dt:find("float") then x[{1, 2, 3}] = 0 / 0 end
  return x, cpu({1, 2, 0, 3}, dt == "bool" and "bool" or dt)
end

-- The unfused value and the fused one agree in kind, dtype, shape and value.
local function agree(got, want, what)
  if cu.is_array(want) then
    assert.is_true(cu.is_array(got), what)
    assert.are.equal(want.dtype, got.dtype, what)
    assert.are.same(want.shape, got.shape, what)
    H.same(got, want:totable())
  else
    assert.are.equal(type(want), type(got), what)
    assert.is_true(H.close(got, want), what .. ": " .. tostring(got) .. " vs " .. tostring(want))
  end
end

describe("cu.fuse with a final reduction on the CPU", function()
  it("replays every reduction like the unfused function, for every dtype and axis", function()
    local calls = {{n = 0}, {2, n = 1}, {-1, n = 1}, {{1, 3}, n = 1},
                   {2, {keepdims = true}, n = 2}, {{keepdims = true}, n = 1},
                   {{array = true}, n = 1}, {nil, {keepdims = false}, n = 2}}
    for _, name in ipairs(REDUCTIONS) do
      for _, dt in ipairs(DTYPES) do
        local x, y = operands(dt)
        if pcall(cu.multiply, x, y) then
          for _, c in ipairs(calls) do
            local fn = function(a, b) return cu[name](a * b, unpack(c, 1, c.n)) end
            local what = ("%s %s %d"):format(name, dt, _)
            agree(cu.fuse(fn)(x, y), fn(x, y), what)
            local method = function(a, b)
              local p = a * b
              return p[name](p, unpack(c, 1, c.n))
            end
            agree(cu.fuse(method)(x, y), fn(x, y), what .. " (method)")
          end
        end
      end
    end
  end)

  it("takes the dtype option where the core does", function()
    local x = cpu({{1, 2, 3}, {4, 5, 6}}, "int8")
    for _, name in ipairs({"sum", "prod", "mean"}) do
      for _, dt in ipairs({"float32", "int16", "float16", "uint8"}) do
        local fn = function(a) return cu[name](a * 30, 2, {dtype = dt}) end
        agree(cu.fuse(fn)(x), fn(x), name .. " " .. dt)
      end
    end
    H.raises("max", cu.fuse(function(a) return cu.max(a, {dtype = "float32"}) end), x)
  end)

  it("ends a chain of where, casts and weak scalars; several outputs replay op by op", function()
    local fn = function(a, b, s) return cu.sum(cu.where(cu.less(a, s), (a - b) ^ 2, 0):astype("float64"), 1) end
    local a = cpu({{1, 5, 2}, {7, 3, 0.5}})
    local b = cpu({0.5, 1, 2})
    agree(cu.fuse(fn)(a, b, 4), fn(a, b, 4), "where")
    local two = function(p) return p:max(), p * 2 end
    local m, d = cu.fuse(two)(a)
    agree(m, 7, "max of two outputs")
    agree(d, a * 2, "the elementwise output")
  end)

  it("gives the core's result for a reduction of no elements", function()
    local e = cu.zeros({0, 3}, {device = "cpu"})
    agree(cu.fuse(function(p) return cu.sum(p * 2, 1) end)(e), cu.sum(e, 1), "sum over 0")
    agree(cu.fuse(function(p) return cu.mean(p + 1) end)(e), cu.mean(e), "mean of nothing")
    H.raises("zero-size array to reduction operation max which has no identity",
             cu.fuse(function(p) return cu.max(p + 1, 1) end), e)
  end)

  it("refuses a reduction that is not the last step, and what it cannot fuse", function()
    local x = cpu({1, 2, 3})
    local function f(fn) return cu.fuse(fn, {name = "k"}) end
    H.raises("fuse k: a reduction must be the last step", f(function(a) return cu.sum(a) + 1 end), x)
    H.raises("fuse k: a reduction must be the last step", f(function(a) return a - a:mean() end), x)
    H.raises("fuse k: a reduction must be the last step", f(function(a) return a:sum():sum() end), x)
    H.raises("fuse k: a reduction must be the last step", f(function(a) return cu.exp(a:max()) end), x)
    H.raises("fuse k: var is not supported in a fused function (it may end with sum, prod",
             f(function(a) return cu.var(a * 2) end), x)
    H.raises("fuse k: nansum is not supported", f(function(a) return (a * 2):nansum() end), x)
    H.raises("fuse k: argmax is not supported", f(function(a) return (a * 2):argmax() end), x)
    H.raises("fuse k: sum with out= is not supported in a fused function",
             f(function(a) return cu.sum(a, 1, {out = x}) end), x)
    H.raises("fuse k: sum of a scalar", f(function(_, s) return cu.sum(s) end), x, 2)
    H.raises("fuse k: sum's axis must be an integer or a list of integers, got string",
             f(function(a) return cu.sum(a, "1") end), x)
    H.raises("fuse k: max's options must be a table, got number", f(function(a) return a:max(1, 2) end), x)
    H.raises("fuse k: sum's axis must be an integer or a list of integers, got table",
             f(function(a, b) return cu.sum(a, b) end), x, x)
    H.raises("sum: unknown option", f(function(a) return cu.sum(a, {keep = true}) end), x)
    H.raises("sum: axis 2 is out of bounds for an array of dimension 1", f(function(a) return cu.sum(a, 2) end), x)
    -- the module's functions are restored after a failed trace
    assert.are.equal(6, cu.sum(x))
  end)

  it("generates the core's result dtype and accumulation type", function()
    local function src(name, dt, opts)
      local x = cu.ones({2, 3}, {dtype = dt, device = "cpu"})
      return cu.fuse(function(a) return cu[name](a + a, 2, opts) end):source(x)
    end
    local function has(s, frag) assert.truthy(s:find(frag, 1, true), frag .. " in\n" .. s) end
    has(src("sum", "float32"), "typedef double _type_reduce;")
    has(src("sum", "float32"), "ca_store_d_float32(CA_FUSE_APPLY(CA_FUSE_FIN, d, CA_FOLD_sum)(a, _nred))")
    has(src("sum", "int8"), "typedef ca_i _type_reduce;")
    has(src("sum", "int8"), "ca_view<long long, 1> _a_r")
    has(src("sum", "int8", {dtype = "float32"}), "ca_load_d_int8(v")
    has(src("prod", "uint8"), "ca_store_u_uint64(")
    has(src("prod", "uint8"), "typedef ca_u _type_reduce;")
    has(src("max", "uint64"), "CA_FUSE_APPLY(CA_FUSE_COMB, u, CA_FOLD_max)(a, b)")
    has(src("mean", "int32"), "ca_store_d_float64(CA_FUSE_APPLY(CA_FUSE_FIN, d, CA_FOLD_mean)")
    has(src("mean", "float16"), "ca_store_d_float16(")
    has(src("max", "float16"), "CA_FUSE_APPLY(CA_FUSE_COMB, d, CA_FOLD_max)(a, b)")
    has(src("amin", "int16"), "ca_store_i_int16(CA_FUSE_APPLY(CA_FUSE_FIN, i, CA_FOLD_min)")
    has(src("all", "float32"), "(ca_i)ca_truth_float32(v")
    has(src("any", "int8"), "ca_store_i_bool(")
    has(src("count_nonzero", "float64"), "ca_store_i_int64(CA_FUSE_APPLY(CA_FUSE_FIN, i, CA_FOLD_count_nonzero)")
    -- the kept and reduced dims, each coalesced; an array the reduction does not read is no
    -- parameter; several outputs run op by op
    local x = cu.ones({4, 5, 6}, {dtype = "float32", device = "cpu"})
    local s = cu.fuse(function(a, b) return cu.sum(a * b, {2, 3}) end)
                :source(x, cu.ones({5, 6}, {dtype = "float32", device = "cpu"}))
    has(s, "ca_view<float, 2> _a_p1, ca_view<float, 2> _a_p2, ca_view<float, 1> _a_r")
    s = cu.fuse(function(a, _) return cu.sum(a, 1) end):source(x, cpu({1}))
    has(s, "(long long _nout, long long _nred, ca_view<float, 2> _a_p1, ca_view<float, 1> _a_r, "
           .. "long long _nsplit")
    assert.is_nil(cu.fuse(function(a) return a:sum(), a + 1 end):source(x))
  end)
end)

describe("reduction kernels' splits", function()
  it("splits few outputs over many elements into chunks of at least 4096, on the backend's stream", function()
    local splits = require("cuarray.reduction_kernel").splits
    local function is(nout, nred, stream, n, chunk)
      local a, b = splits(nout, nred, stream)
      assert.are.same({n, chunk}, {a, b}, ("%d outputs of %d"):format(nout, nred))
      assert.is_true(a == 1 or (b >= 4096 and (a - 1) * b < nred and a * b >= nred))
    end
    is(1, 2 ^ 28, nil, 2048, 131072)
    is(1, 23865, nil, 5, 4773)
    is(1, 8192, nil, 2, 4096)
    is(1, 8191, nil, 1, 8191)
    is(1, 0, nil, 1, 0)
    is(300, 300000, nil, 7, 42858)
    is(300, 1000, nil, 1, 1000)
    is(4096, 2 ^ 20, nil, 1, 2 ^ 20)
    is(1, 2 ^ 28, {}, 1, 2 ^ 28)
  end)
end)

describe("cu.fuse with a final reduction and NVRTC", function()
  if not jit.nvrtc_version() then
    it("is not available here", function() pending("no NVRTC: " .. select(2, jit.nvrtc_version())) end)
    return
  end

  it("compiles every supported reduction for sm_90, for each kind of dtype", function()
    local dir = os.tmpname()
    os.remove(dir)
    local before = cu.kernel_cache_dir()
    cu.set_kernel_cache_dir(dir)
    for _, name in ipairs(REDUCTIONS) do
      for _, dt in ipairs({"float16", "float32", "float64", "int32", "uint64", "bool"}) do
        local x = cu.ones({3, 4}, {dtype = dt, device = "cpu"})
        local f = cu.fuse(function(a, b, s) return cu[name](cu.where(a, b, s), 2) end)
        assert.is_true(f:compile(x, x, 2.5) > 0, name .. " " .. dt)
        local g = cu.fuse(function(a) return cu[name](a, nil, {keepdims = true}) end)
        assert.is_true(g:compile(x:transpose(), {arch = "sm_90"}) > 0, name .. " " .. dt)
        if TAKES_DTYPE[name] then
          local h = cu.fuse(function(a) return cu[name](a, 1, {dtype = "int16"}) end)
          assert.is_true(h:compile(x) > 0, name .. " " .. dt .. " to int16")
        end
      end
    end
    cu.set_kernel_cache_dir(before)
    os.execute("rm -rf '" .. dir .. "'")
  end)

  it("still compiles ReductionKernel's kernels through the shared generator", function()
    local k = cu.ReductionKernel("T x", "T y", "x * x", "a + b", "y = a;", "0", "sumsq")
    local x = cu.ones({3, 4}, {device = "cpu"})
    assert.is_true(k:compile(x, {axis = 2, arch = "sm_90"}) > 0)
  end)
end)
