-- cu.fuse on the GPU: one kernel whose results equal the unfused ops bit for bit (the same
-- formulas, loads and stores), over dtypes, broadcasting, strided views and weak scalars.
-- Runs under `make test-gpu` only.
local cu = require "cuarray"
local H = require "helper"

-- Exact equality, NaN equal to NaN.
local function identical(got, want, what)
  assert.are.equal(want.dtype, got.dtype, what)
  assert.are.same(want.shape, got.shape, what)
  local same = cu.logical_or(cu.equal(got, want), cu.logical_and(cu.isnan(got), cu.isnan(want)))
  assert.is_true(cu.all(same), "fused and unfused results differ: " .. (what or ""))
end

describe("cu.fuse on the GPU", function()
  if not cu.cuda.is_available() then
    it("needs a GPU", function() error("cuarray.cuda reports no GPU: " .. select(2, cu.cuda.is_available())) end)
    return
  end
  local dev = "cuda"

  it("equals the unfused expression bit for bit", function()
    local fn = function(x, y) return cu.exp(-x * x) * y + 0.5 * x end
    local f = cu.fuse(fn)
    for _, dt in ipairs({"float32", "float64", "float16"}) do
      local a = cu.random.standard_normal({1000, 37}, {dtype = dt, device = dev})
      local b = cu.random.standard_normal({37}, {dtype = dt, device = dev})
      identical(f(a, b), fn(a, b))
      identical(f(a:transpose(), 2.5), fn(a:transpose(), 2.5))
      identical(f(a[{{1, 1000, 3}}], b), fn(a[{{1, 1000, 3}}], b))
    end
  end)

  it("every elementwise op of the table, for each kind of dtype", function()
    for _, dt in ipairs({"float32", "float64", "float16", "int8", "int32", "int64", "bool"}) do
      local x = cu.random.randint(-5, 6, {257}, {device = "cpu"}):astype(dt):to(dev)
      local y = cu.random.randint(1, 4, {257}, {device = "cpu"}):astype(dt):to(dev)
      for _, op in ipairs(cu._ops) do
        local f = cu[op.name]
        if op.kind == "unary" and pcall(f, x) then
          identical(cu.fuse(function(a) return cu[op.name](a) end)(x), f(x), op.name .. " " .. dt)
        elseif op.kind == "binary" and pcall(f, x, y) then
          identical(cu.fuse(function(a, b) return cu[op.name](a, b) end)(x, y), f(x, y), op.name .. " " .. dt)
          identical(cu.fuse(function(a) return cu[op.name](a, 3) end)(x), f(x, 3), op.name .. " " .. dt .. ", 3")
        end
      end
    end
  end)

  it("where, casts, predicates, several outputs and scalar parameters", function()
    local step = function(x, v, dt) return x + v * dt, v * 0.99 - 9.81 * dt end
    local f = cu.fuse(step)
    local x, v = cu.random.random({4096}, {device = dev}), cu.random.random({4096}, {device = dev})
    local x1, v1 = f(x, v, 0.01)
    local ex, ev = step(x, v, 0.01)
    identical(x1, ex, "x + v * dt")
    identical(v1, ev, "v * 0.99 - 9.81 * dt")
    local g = function(a, s) return cu.where(cu.less(a, s), a:astype("float16"), 2), cu.isnan(a / s) end
    local fg = cu.fuse(g)
    local a = cu.random.standard_normal({300}, {dtype = "float32", device = dev})
    local r1, r2 = fg(a, 0)
    local e1, e2 = g(a, 0)
    identical(r1, e1, "where")
    identical(r2, e2, "isnan")
    H.same(cu.fuse(function(p) return p * 2 end)(cu.zeros({0, 3}, {device = dev})).shape, {0, 3})
  end)
end)
