-- cu.fuse without a GPU: the trace replayed op by op on the CPU equals the unfused
-- expression, tracing errors, and the generated kernel of every elementwise op compiled by
-- NVRTC for sm_90. The fused kernel on the GPU is checked in spec/fuse_gpu_spec.lua.
local cu = require "cuarray"
local H = require "helper"
local jit = require "cuarray.jit"

local function cpu(t, dt) return cu.array(t, {dtype = dt or "float32", device = "cpu"}) end

-- Every elementwise op of the table that accepts these dtypes, as one function of (x, y).
local function all_ops(x, y)
  local names = {}
  for _, op in ipairs(cu._ops) do
    if op.kind == "unary" and pcall(cu[op.name], x) then names[#names + 1] = {op.name, 1}
    elseif op.kind == "binary" and pcall(cu[op.name], x, y) then names[#names + 1] = {op.name, 2} end
  end
  return names, function(a, b)
    local out = {}
    for i, nm in ipairs(names) do
      out[i] = nm[2] == 1 and cu[nm[1]](a) or cu[nm[1]](a, b)
    end
    return (table.unpack or unpack)(out)
  end
end

describe("cu.fuse on the CPU", function()
  it("replays the trace op by op: the same values as the unfused expression", function()
    local physics = function(x, v, dt) return x + v * dt, v * 0.99 - 9.81 * dt end
    local f = cu.fuse(physics)
    local x, v = cpu({0, 1, 2}), cpu({1, -1, 0.5})
    local x1, v1 = f(x, v, 0.01)
    local ex, ev = physics(x, v, 0.01)
    H.same(x1:totable(), ex:totable())
    H.same(v1:totable(), ev:totable())
    local g = cu.fuse(function(a, b) return cu.where(cu.less(a, b), a:astype("float16"), 2) end)
    H.same(g(cpu({1, 5, 3}), 4):totable(), {1, 2, 1 * 3})
    assert.are.equal("float16", g(cpu({1, 5, 3}), 4).dtype)
    local h = cu.fuse(function(a) return cu.isnan(a), a:abs() end)
    local n, ab = h(cpu({0 / 0, -2}))
    H.same(n:totable(), {true, false})
    H.same(ab:totable(), {0 / 0, 2})
  end)

  it("keeps NumPy's dtypes through the trace (weak scalars, integer division, predicates)", function()
    local f = cu.fuse(function(a, b) return a / b, a * 2, cu.floor_divide(a, 2), cu.greater(a, 1.5) end)
    for _, dt in ipairs({"int8", "int32", "uint64", "float16", "float64", "bool"}) do
      local a = cu.array({1, 2, 3}, {dtype = dt, device = "cpu"})
      local ok = pcall(cu.floor_divide, a, 2)
      if ok then
        local r = {f(a, a)}
        local e = {a / a, a * 2, cu.floor_divide(a, 2), cu.greater(a, 1.5)}
        for i = 1, 4 do
          assert.are.equal(e[i].dtype, r[i].dtype, dt .. " result " .. i)
          H.same(r[i]:totable(), e[i]:totable())
        end
      end
    end
  end)

  it("traces once per combination of dtypes and scalar kinds", function()
    local calls = 0
    local f = cu.fuse(function(a, s) calls = calls + 1; return a * s end)
    f(cpu({1, 2}), 2)
    f(cpu({3, 4}), 3)
    assert.are.equal(1, calls)
    f(cpu({3, 4}), 2.5)
    f(cpu({3, 4}, "float64"), 2.5)
    assert.are.equal(3, calls)
  end)

  it("raises for what it cannot trace", function()
    local captured = cpu({1, 2})
    H.raises("fuse: a fused function can only use arrays passed as its arguments",
             cu.fuse(function(a) return a + captured end), cpu({1, 2}))
    H.raises("fuse: matmul is not supported in a fused function",
             cu.fuse(function(a) return a:matmul(a) end), cpu({1, 2}))
    H.raises("fuse: a fused function cannot index its arrays", cu.fuse(function(a) return a[1] end), cpu({1}))
    H.raises("fuse: the fused function returned a number as result 1", cu.fuse(function() return 1 end), cpu({1}))
    H.raises("fuse: the fused function returned a scalar as result 1", cu.fuse(function(_, s) return s end),
             cpu({1}), 2)
    H.raises("fuse: argument 2 must be an array or a number, got string", cu.fuse(function(a) return a end),
             cpu({1}), "x")
    H.raises("fuse: expected a function, got number", cu.fuse, 1)
    H.raises("bitwise_and", cu.fuse(function(a) return cu.bitwise_and(a, a) end), cpu({1.5}))
    -- the functions are restored after a failed trace
    assert.is_true(cu.is_array(cu.exp(cpu({1}))))
  end)

  it("generates one loop: flat for contiguous operands, strided for broadcast ones", function()
    local f = cu.fuse(function(a, b) return a * 2 + b end)
    local src = f:source(cpu({1, 2, 3}), cpu({4, 5, 6}))
    assert.truthy(src:find("_out1.p[i] = v", 1, true), src)
    assert.truthy(src:find("ca_store_f_float32(ca_add_f(", 1, true))
    local s2 = f:source(cu.zeros({3, 4}, {dtype = "float32", device = "cpu"}), cpu({1, 2, 3, 4}))
    assert.truthy(s2:find("_o_out1 += _q * _out1.stride[_d];", 1, true), s2)
    -- outputs of different shapes run op by op
    local g = cu.fuse(function(a, b) return a * 2, b + 1 end)
    assert.is_nil(g:source(cu.zeros({3, 4}, {device = "cpu"}), cpu({1, 2, 3, 4})))
  end)

  it("plans each layout once: the same shape with other strides gets its own loop", function()
    local f = cu.fuse(function(a, b) return a * 2 + b end)
    local m = cu.zeros({4, 4}, {dtype = "float32", device = "cpu"})
    local flat = f:source(m, m)
    local strided = f:source(m.T, m)
    assert.truthy(flat:find("_out1.p[i] = v", 1, true), flat)
    assert.truthy(strided:find("_o_out1 += _q * _out1.stride[_d];", 1, true), strided)
    for n = 1, 70 do f:source(cu.zeros(n, {dtype = "float32", device = "cpu"}), m[1]:copy()[{{1, 1}}]) end
    assert.are.equal(flat, f:source(m, m))
    assert.are.equal(strided, f:source(m.T, m))
    H.raises("cannot be broadcast", f.source, f, m, cu.zeros(3, {dtype = "float32", device = "cpu"}))
    assert.are.equal(strided, f:source(m.T, m))
  end)
end)

describe("cu.fuse with NVRTC", function()
  if not jit.nvrtc_version() then
    it("is not available here", function() pending("no NVRTC: " .. select(2, jit.nvrtc_version())) end)
    return
  end

  it("compiles every elementwise op of the table for sm_90, for each kind of dtype", function()
    local dir = os.tmpname()
    os.remove(dir)
    local before = cu.kernel_cache_dir()
    cu.set_kernel_cache_dir(dir)
    for _, dt in ipairs({"float32", "float16", "float64", "int32", "uint64", "bool"}) do
      local x = cu.array({1, 2}, {dtype = dt, device = "cpu"})
      local names, fn = all_ops(x, x)
      local f = cu.fuse(fn)
      assert.is_true(#names > 20, dt)
      assert.is_true(f:compile(x, x) > 0, dt)
      local ws = cu.fuse(function(a, s) return a + s, cu.where(a, s, 2.5), a:astype("int8") end)
      assert.is_true(ws:compile(x, 3) > 0, dt)
    end
    cu.set_kernel_cache_dir(before)
    os.execute("rm -rf '" .. dir .. "'")
  end)
end)
