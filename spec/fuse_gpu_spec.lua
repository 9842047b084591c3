-- cu.fuse on the GPU: one kernel whose results equal the unfused ops bit for bit (the same
-- formulas, loads and stores), over dtypes, broadcasting, strided views and weak scalars; and
-- a fused function ending with a reduction, one kernel whose result equals the unfused one
-- exactly for max, min, all, any, count_nonzero and integer sums and products, and within a
-- tolerance for float sums, products and means (another order of additions, in double).
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

  it("reads contiguous operands by vectors when aligned, element by element when not", function()
    local fn = function(x, y) return x * 2 + y end
    local f = cu.fuse(fn)
    for _, dt in ipairs({"float32", "float64", "float16", "int8", "bool"}) do
      local a = cu.random.randint(-50, 50, {4099}, {device = "cpu"}):astype(dt):to(dev)
      local b = cu.random.randint(-50, 50, {4099}, {device = "cpu"}):astype(dt):to(dev)
      identical(f(a, b), fn(a, b), dt .. " aligned, with a tail")
      identical(f(a[{{2, 4099}}], b[{{1, 4098}}]), fn(a[{{2, 4099}}], b[{{1, 4098}}]), dt .. " offset")
      identical(f(a[{{1, 3}}], b[{{1, 3}}]), fn(a[{{1, 3}}], b[{{1, 3}}]), dt .. " shorter than a vector")
    end
    local h = cu.random.standard_normal({1001}, {dtype = "float16", device = dev})
    local w = cu.random.standard_normal({1001}, {dtype = "float64", device = dev})
    identical(f(h, w), fn(h, w), "float16 with float64: two vector widths")
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

  -- Fused reductions: the result and the unfused one agree in kind, dtype and shape, and in
  -- value exactly or within a relative tolerance tol.
  local function agree(got, want, tol, what)
    if not cu.is_array(want) then
      assert.are.equal(type(want), type(got), what)
      assert.is_true(H.close(got, want, tol), ("%s: %s vs %s"):format(what, tostring(got), tostring(want)))
      return
    end
    assert.are.equal(want.dtype, got.dtype, what)
    assert.are.same(want.shape, got.shape, what)
    if not tol then return identical(got, want, what) end
    local ok, why = H.compare(got:to("cpu"), want:to("cpu"):totable(), tol)
    assert.is_true(ok, what .. ": " .. tostring(why))
  end

  it("fuses a chain and a final reduction: every reduction, dtype and axis", function()
    local exact = {max = true, amax = true, min = true, amin = true, all = true, any = true,
                   count_nonzero = true}
    local calls = {{n = 0}, {2, n = 1}, {-1, n = 1}, {{1, 3}, n = 1}, {1, {keepdims = true}, n = 2},
                   {{array = true}, n = 1}}
    for _, dt in ipairs({"float32", "float64", "float16", "int8", "int32", "int64", "bool"}) do
      local x = cu.random.randint(-5, 6, {37, 129, 5}, {device = "cpu"}):astype(dt):to(dev)
      local y = cu.random.randint(1, 4, {5}, {device = "cpu"}):astype(dt):to(dev)
      if dt:find("float") then x[{3, 4, 2}] = 0 / 0 end -- NaN propagates through max and min
      for _, name in ipairs({"sum", "prod", "max", "amax", "min", "amin", "all", "any", "mean",
                             "count_nonzero"}) do
        for k, c in ipairs(calls) do
          local fn = function(a, b) return cu[name](a * b, (table.unpack or unpack)(c, 1, c.n)) end
          local ok, want = pcall(fn, x, y)
          if ok then
            local float = dt:find("float") or name == "mean"
            local tol = not exact[name] and float and (dt == "float16" and 2e-3 or 1e-6) or nil
            agree(cu.fuse(fn)(x, y), want, tol, ("%s %s call %d"):format(name, dt, k))
          end
        end
      end
    end
  end)

  it("fused reductions over strided, transposed and broadcast operands, with weak scalars", function()
    local fn = function(x, w, s) return (cu.where(cu.greater(x, s), x, 0) * w):sum(2) end
    local f = cu.fuse(fn)
    local a = cu.random.standard_normal({300, 1000}, {dtype = "float32", device = dev})
    local w = cu.random.standard_normal({1000}, {dtype = "float32", device = dev})
    agree(f(a, w, 0.5), fn(a, w, 0.5), 1e-6, "rows")
    agree(f(a[{{1, 300, 7}, {2, 1000, 3}}], w[{{2, 1000, 3}}], 0), fn(a[{{1, 300, 7}, {2, 1000, 3}}], w[{{2, 1000, 3}}], 0), 1e-6, "strided")
    local g = function(x, y) return cu.sum((x - y) ^ 2) end
    agree(cu.fuse(g)(a:transpose(), a:transpose()), 0.0, nil, "sum of nothing but zeros")
    agree(cu.fuse(g)(a, a[1]), g(a, a[1]), 1e-6, "broadcast row")
    local ints = cu.random.randint(-1000, 1000, {1048576}, {dtype = "int32", device = dev})
    agree(cu.fuse(function(x) return cu.sum(x * x) end)(ints), cu.sum(ints * ints), nil, "int32 sum of squares")
    agree(cu.fuse(function(x) return cu.max(cu.abs(x), 1, {keepdims = true}) end)(a), cu.max(cu.abs(a), 1, {keepdims = true}), nil, "max, keepdims")
    agree(cu.fuse(function(x) return cu.mean(x * 2, {1, 2}, {dtype = "float64"}) end)(a), cu.mean(a * 2, {1, 2}, {dtype = "float64"}), 1e-12, "mean in float64")
    -- reductions of no elements and several outputs run op by op, with the core's results
    agree(cu.fuse(function(x) return cu.sum(x + 1, 1) end)(cu.zeros({0, 3}, {device = dev})), cu.zeros({3}, {device = dev}), nil, "empty")
    local m, d = cu.fuse(function(x) return x:max(), x * 2 end)(a)
    agree(m, a:max(), nil, "max of two outputs")
    identical(d, a * 2, "elementwise beside a reduction")
  end)
end)
