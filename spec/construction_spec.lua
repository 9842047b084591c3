-- Constructors: cu.array, asarray, empty/zeros/ones/full and _like, arange, linspace, logspace,
-- eye, identity, and the random draws. Expected values are NumPy's (1.24, NumPy 2 where the
-- two differ, as noted).
local cu = require "cuarray"
local H = require "helper"


H.each_device("cu.array", function(dev)
  local cases = {
    -- value, expected shape, expected dtype, expected values
    {{1, 2, 3}, {3}, "int64", {1, 2, 3}},
    {{1.5, 2}, {2}, "float64", {1.5, 2}},
    {{true, false}, {2}, "bool", {true, false}},
    {{true, 2}, {2}, "int64", {1, 2}},
    {{{1, 2}, {3, 4}}, {2, 2}, "int64", {{1, 2}, {3, 4}}},
    {{{{1}, {2}}, {{3}, {4}}}, {2, 2, 1}, "int64", {{{1}, {2}}, {{3}, {4}}}},
    {{{1, 2.5, -3}}, {1, 3}, "float64", {{1, 2.5, -3}}},
    {{}, {0}, "float64", {}},
    {{{}, {}}, {2, 0}, "float64", {{}, {}}},
    {{0 / 0, math.huge, -math.huge}, {3}, "float64", {H.nan, H.inf, -H.inf}},
  }
  for i, c in ipairs(cases) do
    it("infers shape and dtype, case " .. i, function()
      local a = cu.array(c[1])
      assert.are.same(c[2], a.shape)
      assert.are.equal(c[3], a.dtype)
      assert.are.equal(dev, (a.device:gsub(":%d+$", "")))
      H.same(a, c[4])
    end)
  end

  it("makes 0-d arrays from numbers and booleans", function()
    local a = cu.array(3.5)
    assert.are.same({}, a.shape)
    assert.are.equal(0, a.ndim)
    assert.are.equal("float64", a.dtype)
    assert.are.equal(3.5, a:item())
    assert.are.equal("int64", cu.array(7).dtype)
    assert.are.equal(7, cu.array(7):item())
    assert.are.equal("bool", cu.array(true).dtype)
    assert.are.equal(true, cu.array(true):item())
  end)

  local casts = {
    -- value, dtype, expected (np.array(value, dtype=dtype).tolist())
    {{1.7, -1.7, 0.5}, "int32", {1, -1, 0}},
    {{0, 2, -1}, "bool", {false, true, true}},
    {{1, 2, 3}, "float32", {1, 2, 3}},
    {{0.1}, "float32", {0.10000000149011612}},
    {{0.1}, "float16", {0.0999755859375}},
    {{65519}, "float16", {65504}},
    {{255, 0}, "uint8", {255, 0}},
    {{-128, 127}, "int8", {-128, 127}},
    {{true, false}, "float64", {1, 0}},
  }
  for i, c in ipairs(casts) do
    it("converts to the dtype given, case " .. i .. " (" .. c[2] .. ")", function()
      local a = cu.array(c[1], {dtype = c[2]})
      assert.are.equal(c[2], a.dtype)
      H.same(a, c[3])
    end)
  end

  it("keeps int64 values exactly", function()
    local big = 2 ^ 53
    local a = cu.array({big, -big})
    assert.are.equal("int64", a.dtype)
    H.same(a, {big, -big})
  end)

  it("stacks arrays given as elements", function()
    local a = cu.array({1, 2, 3}, {dtype = "int32"})
    local b = cu.array({4, 5, 6}, {dtype = "int32"})
    local s = cu.array({a, b})
    assert.are.same({2, 3}, s.shape)
    assert.are.equal("int32", s.dtype)
    H.same(s, {{1, 2, 3}, {4, 5, 6}})
    local m = cu.array({{a}, {b}}, {dtype = "float64"})
    assert.are.same({2, 1, 3}, m.shape)
    H.same(m, {{{1, 2, 3}}, {{4, 5, 6}}})
  end)

  it("copies an array argument, converting when asked", function()
    local a = cu.array({1, 2, 3})
    local b = cu.array(a)
    assert.are_not.equal(a, b)
    b:fill(9)
    H.same(a, {1, 2, 3})
    H.same(b, {9, 9, 9})
    local t = cu.zeros(2, {dtype = "bool"}) -- the truth of the number, as NumPy's fill
    H.same(t:fill(0.5), {true, true})
    H.same(t:fill(0), {false, false})
    H.same(t:fill(-0.25), {true, true})
    local c = cu.array(a, {dtype = "float32"})
    assert.are.equal("float32", c.dtype)
    H.same(c, {1, 2, 3})
  end)

  it("copies views in their logical order", function()
    local a = cu.array({{1, 2, 3}, {4, 5, 6}})
    H.same(cu.array(a.T), {{1, 4}, {2, 5}, {3, 6}})
    H.same(cu.array(a:flip(2)), {{3, 2, 1}, {6, 5, 4}})
  end)

  it("honours device = 'cpu'", function()
    local a = cu.array({1, 2}, {device = "cpu"})
    assert.are.equal("cpu", a.device)
    H.same(a, {1, 2})
  end)

  it("uses the default float dtype for float data", function()
    local prev = cu.get_default_dtype()
    cu.set_default_dtype("float32")
    local ok, err = pcall(function()
      assert.are.equal("float32", cu.array({1.5, 2}).dtype)
      assert.are.equal("float32", cu.zeros(2).dtype)
      assert.are.equal("int64", cu.array({1, 2}).dtype)
    end)
    cu.set_default_dtype(prev)
    assert(ok, err)
  end)
end)

H.each_device("cu.asarray", function()
  it("returns the same array when nothing changes", function()
    local a = cu.array({1, 2, 3})
    assert.are.equal(a, cu.asarray(a))
    assert.are.equal(a, cu.asarray(a, {dtype = "int64"}))
  end)

  it("converts when the dtype differs", function()
    local a = cu.array({1, 2, 3})
    local b = cu.asarray(a, {dtype = "float32"})
    assert.are_not.equal(a, b)
    assert.are.equal("float32", b.dtype)
    H.same(b, {1, 2, 3})
  end)

  it("builds arrays from tables and numbers", function()
    H.same(cu.asarray({{1, 2}}), {{1, 2}})
    assert.are.equal(2.5, cu.asarray(2.5):item())
  end)
end)

H.each_device("empty/zeros/ones/full", function(dev)
  local shapes = {
    {3, {3}}, {{2, 3}, {2, 3}}, {{}, {}}, {{0}, {0}}, {{2, 0, 4}, {2, 0, 4}}, {{1, 1, 1}, {1, 1, 1}},
  }
  for _, s in ipairs(shapes) do
    local label = type(s[1]) == "table" and "{" .. table.concat(s[1], ", ") .. "}" or tostring(s[1])
    it("reads the shape " .. label, function()
      for _, f in ipairs({cu.empty, cu.zeros, cu.ones}) do
        local a = f(s[1])
        assert.are.same(s[2], a.shape)
        assert.are.equal("float64", a.dtype)
      end
      assert.are.same(s[2], cu.full(s[1], 2).shape)
    end)
  end

  it("fills with zeros and ones in every dtype", function()
    for _, dt in ipairs(cu.dtypes) do
      local z, o = cu.zeros({2, 2}, {dtype = dt}), cu.ones({2, 2}, {dtype = dt})
      assert.are.equal(dt, z.dtype)
      assert.are.equal(dt, o.dtype)
      local zero, one = 0, 1
      if dt == "bool" then zero, one = false, true end
      if dt:match("^complex") then zero, one = {0, 0}, {1, 0} end
      H.same(z, {{zero, zero}, {zero, zero}})
      H.same(o, {{one, one}, {one, one}})
      assert.are.equal(dev, (o.device:gsub(":%d+$", "")))
    end
  end)

  local fulls = {
    -- value, opts, expected dtype, expected element
    {7, nil, "int64", 7},
    {2.5, nil, "float64", 2.5},
    {true, nil, "bool", true},
    {-1, {dtype = "int8"}, "int8", -1},
    {2.7, {dtype = "int32"}, "int32", 2},
    {3, {dtype = "float32"}, "float32", 3},
    {0.1, {dtype = "float16"}, "float16", 0.0999755859375},
    {1, {dtype = "bool"}, "bool", true},
    {0 / 0, nil, "float64", H.nan},
  }
  for i, c in ipairs(fulls) do
    it("full picks the dtype, case " .. i, function()
      local a = cu.full({2}, c[1], c[2])
      assert.are.equal(c[3], a.dtype)
      H.same(a, {c[4], c[4]})
    end)
  end

  it("full keeps int64 values exactly", function()
    H.same(cu.full(2, 2 ^ 53 + 2), {2 ^ 53 + 2, 2 ^ 53 + 2})
  end)

  it("full broadcasts an array value", function()
    local row = cu.array({1, 2, 3})
    local a = cu.full({2, 3}, row)
    assert.are.equal("int64", a.dtype)
    H.same(a, {{1, 2, 3}, {1, 2, 3}})
    H.same(cu.full({2, 3}, row, {dtype = "float32"}), {{1, 2, 3}, {1, 2, 3}})
    H.raises("full: shapes (2, 2) and (3,) cannot be broadcast", cu.full, {2, 2}, row)
  end)
end)

H.each_device("*_like", function()
  it("keeps the shape, dtype and device of the model", function()
    local a = cu.zeros({2, 3}, {dtype = "int16"})
    for _, f in ipairs({cu.empty_like, cu.zeros_like, cu.ones_like}) do
      local b = f(a)
      assert.are.same({2, 3}, b.shape)
      assert.are.equal("int16", b.dtype)
      assert.are.equal(a.device, b.device)
    end
    H.same(cu.ones_like(a), {{1, 1, 1}, {1, 1, 1}})
    H.same(cu.zeros_like(cu.ones(2)), {0, 0})
  end)

  it("full_like casts the value to the model's dtype", function()
    local a = cu.zeros({2}, {dtype = "int32"})
    local b = cu.full_like(a, 2.9)
    assert.are.equal("int32", b.dtype)
    H.same(b, {2, 2})
    H.same(cu.full_like(a, 2.5, {dtype = "float64"}), {2.5, 2.5})
  end)

  it("takes dtype and shape overrides", function()
    local a = cu.zeros({2, 3})
    local b = cu.ones_like(a, {dtype = "bool", shape = {4}})
    assert.are.equal("bool", b.dtype)
    assert.are.same({4}, b.shape)
  end)

  it("works on views", function()
    local a = cu.array({{1, 2, 3}, {4, 5, 6}}).T
    assert.are.same({3, 2}, cu.zeros_like(a).shape)
  end)
end)

H.each_device("cu.arange", function()
  local cases = {
    -- arguments, expected dtype, expected values (np.arange)
    {{6}, "int64", {0, 1, 2, 3, 4, 5}},
    {{2, 8}, "int64", {2, 3, 4, 5, 6, 7}},
    {{1, 10, 3}, "int64", {1, 4, 7}},
    {{10, 0, -3}, "int64", {10, 7, 4, 1}},
    {{5, 1}, "int64", {}},
    {{0}, "int64", {}},
    {{-3}, "int64", {}},
    {{0, 1, 0.1}, "float64", {0.0, 0.1, 0.2, 0.30000000000000004, 0.4, 0.5, 0.6000000000000001,
                              0.7000000000000001, 0.8, 0.9}},
    {{0, 5, 1.5}, "float64", {0, 1.5, 3, 4.5}},
    {{-3, 3, 2.5}, "float64", {-3, -0.5, 2}},
    {{0.5, 4}, "float64", {0.5, 1.5, 2.5, 3.5}},
    {{1, -1, -0.5}, "float64", {1, 0.5, 0, -0.5}},
    {{5, {dtype = "float32"}}, "float32", {0, 1, 2, 3, 4}},
    {{1, 2, 0.3, {dtype = "float32"}}, "float32",
     {1.0, 1.2999999523162842, 1.5999999046325684, 1.8999998569488525}},
    {{0, 1, 0.1, {dtype = "float32"}}, "float32",
     {0.0, 0.10000000149011612, 0.20000000298023224, 0.30000001192092896, 0.4000000059604645,
      0.5, 0.6000000238418579, 0.699999988079071, 0.800000011920929, 0.9000000357627869}},
    {{3, {dtype = "int8"}}, "int8", {0, 1, 2}},
  }
  for i, c in ipairs(cases) do
    it("matches NumPy, case " .. i, function()
      local unpack = table.unpack or unpack
      local a = cu.arange(unpack(c[1]))
      assert.are.equal(c[2], a.dtype)
      assert.are.same({#c[3]}, a.shape)
      H.same(a, c[3])
    end)
  end

  it("has ceil((stop - start) / step) elements", function()
    for _, c in ipairs({{0, 10, 3, 4}, {0, 9, 3, 3}, {0, 1, 0.25, 4}, {0, 1.01, 0.25, 5}}) do
      assert.are.equal(c[4], cu.arange(c[1], c[2], c[3]).size)
    end
  end)

  it("raises on a zero step and on bad arguments", function()
    H.raises("arange: step must not be zero", cu.arange, 0, 10, 0)
    H.raises("arange: stop must be a number", cu.arange, "x")
    H.raises("arange: expected (stop), (start, stop) or (start, stop, step)", cu.arange)
    H.raises("arange: stop must be finite", cu.arange, 0, math.huge)
    H.raises("arange: unknown option 'typo'", cu.arange, 3, {typo = 1})
  end)

  -- NumPy 2 stores start and start + step as Python ints, which must fit the dtype; the
  -- stop and the later values are not checked (they wrap, as NumPy's fill computes them)
  it("raises when start or start + step do not fit an integer dtype", function()
    local u8 = {dtype = "uint8"}
    H.raises("arange: Lua integer -7 is out of bounds for uint8", cu.arange, -7, 9, u8)
    H.raises("arange: start + step (200 + 100) is out of bounds for uint8", cu.arange, 200, 500,
             100, u8)
    H.raises("arange: Lua integer 128 is out of bounds for int8", cu.arange, 128, 0, -1,
             {dtype = "int8"})
    H.same(cu.arange(0, 300, 100, u8), {0, 100, 200})
    H.same(cu.arange(250, 260, 10, u8), {250})
    H.same(cu.arange(100, 300, 150, u8), {100, 250})
    H.same(cu.arange(5, -3, -1, u8), {5, 4, 3, 2, 1, 0, 255, 254})
    H.same(cu.arange(3, 1, 300, u8), {})
    H.same(cu.arange(0.5, 300.5, 100, u8), {0, 100, 200})
  end)
end)

H.each_device("cu.linspace / cu.logspace", function()
  local cases = {
    -- fn, args, expected (NumPy)
    {"linspace", {0, 1, 5}, {0, 0.25, 0.5, 0.75, 1}},
    {"linspace", {0, 1, 5, {endpoint = false}}, {0, 0.2, 0.4, 0.6000000000000001, 0.8}},
    {"linspace", {2, 3, 1}, {2}},
    {"linspace", {0, 1, 0}, {}},
    {"linspace", {-1, 1, 5}, {-1, -0.5, 0, 0.5, 1}},
    {"linspace", {1, 0, 4}, {1, 0.6666666666666667, 0.33333333333333337, 0}},
    {"linspace", {0, 1, 7}, {0.0, 0.16666666666666666, 0.3333333333333333, 0.5, 0.6666666666666666,
                             0.8333333333333333, 1.0}},
    {"logspace", {0, 3, 4}, {1, 10, 100, 1000}},
    {"logspace", {0, 3, 4, {base = 2}}, {1, 2, 4, 8}},
    {"logspace", {0, 1, 3}, {1, 3.162277660168379, 10}},
    {"logspace", {0, 2, 2, {endpoint = false}}, {1, 10}},
  }
  for i, c in ipairs(cases) do
    it(c[1] .. " matches NumPy, case " .. i, function()
      local unpack = table.unpack or unpack
      local a = cu[c[1]](unpack(c[2]))
      assert.are.equal("float64", a.dtype)
      H.same(a, c[3], 1e-15)
    end)
  end

  it("defaults to 50 samples", function()
    assert.are.equal(50, cu.linspace(0, 1).size)
    assert.are.equal(50, cu.logspace(0, 1).size)
  end)

  it("returns the step with retstep", function()
    local a, step = cu.linspace(0, 10, 5, {retstep = true})
    H.same(a, {0, 2.5, 5, 7.5, 10})
    assert.are.equal(2.5, step)
  end)

  it("converts to the dtype given (integers floor, as NumPy 2)", function()
    local f = cu.linspace(0, 1, 3, {dtype = "float32"})
    assert.are.equal("float32", f.dtype)
    H.same(f, {0, 0.5, 1})
    local i = cu.linspace(-1, 1, 5, {dtype = "int64"})
    assert.are.equal("int64", i.dtype)
    H.same(i, {-1, -1, 0, 0, 1})
  end)

  it("raises on a bad count", function()
    H.raises("linspace: num must be non-negative", cu.linspace, 0, 1, -1)
    H.raises("linspace: num must be an integer", cu.linspace, 0, 1, 2.5)
    H.raises("linspace: unknown option 'base'", cu.linspace, 0, 1, 3, {base = 2})
    H.raises("logspace: unknown option 'retstep'", cu.logspace, 0, 1, 3, {retstep = true})
  end)
end)

H.each_device("cu.eye / cu.identity", function()
  local cases = {
    {{3}, {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}},
    {{2, 3}, {{1, 0, 0}, {0, 1, 0}}},
    {{2, 3, {k = 1}}, {{0, 1, 0}, {0, 0, 1}}},
    {{3, {k = -1}}, {{0, 0, 0}, {1, 0, 0}, {0, 1, 0}}},
    {{3, 2, {k = -2}}, {{0, 0}, {0, 0}, {1, 0}}},
    {{2, {k = 5}}, {{0, 0}, {0, 0}}},
    {{2, {k = -5}}, {{0, 0}, {0, 0}}},
    {{0}, {}},
  }
  for i, c in ipairs(cases) do
    it("eye matches NumPy, case " .. i, function()
      local unpack = table.unpack or unpack
      local a = cu.eye(unpack(c[1]))
      assert.are.equal("float64", a.dtype)
      H.same(a, c[2])
    end)
  end

  it("takes a dtype", function()
    local a = cu.eye(2, {dtype = "int32"})
    assert.are.equal("int32", a.dtype)
    H.same(a, {{1, 0}, {0, 1}})
    H.same(cu.eye(2, {dtype = "bool"}), {{true, false}, {false, true}})
  end)

  it("identity is eye(n)", function()
    H.same(cu.identity(2), {{1, 0}, {0, 1}})
    assert.are.equal("float32", cu.identity(3, {dtype = "float32"}).dtype)
    H.raises("identity: n must be non-negative", cu.identity, -1)
  end)
end)

H.each_device("cu.random", function()
  local function flat(a)
    local t = a:totable()
    if type(t) ~= "table" then return {t} end
    local out = {}
    local function walk(x)
      if type(x) == "table" then for i = 1, #x do walk(x[i]) end else out[#out + 1] = x end
    end
    walk(t)
    return out
  end

  it("follows the Philox stream of scalar.h", function()
    -- values computed from the Philox4x32-10 definition (seed 42, counter from 0)
    cu.random.seed(42)
    H.same(cu.random.random({5}), {0.6129598811894158, 0.07323173744158384, 0.9877186509145105,
                                   0.5139061469711166, 0.8258668271960493})
    H.same(cu.random.random({3}, {dtype = "float32"}),
           {0.7295992374420166, 0.6706398129463196, 0.5864003300666809})
    H.same(cu.random.randint(-5, 5, {4}), {-2, -2, -2, -5})
    H.same(cu.random.random(2), {0.22548206447231056, 0.47918443269620303})
  end)

  it("repeats with the same seed and moves on without it", function()
    cu.random.seed(7)
    local a = flat(cu.random.random({10}))
    local b = flat(cu.random.random({10}))
    cu.random.seed(7)
    local c = flat(cu.random.random({10}))
    assert.are.same(a, c)
    assert.are_not.same(a, b)
  end)

  it("has the shapes asked for", function()
    assert.are.same({2, 3}, cu.random.random({2, 3}).shape)
    assert.are.same({4}, cu.random.random(4).shape)
    assert.are.same({}, cu.random.random().shape)
    assert.are.same({2, 3, 4}, cu.random.rand(2, 3, 4).shape)
    assert.are.same({}, cu.random.rand().shape)
    assert.are.same({5}, cu.random.uniform(1, 2, 5).shape)
    assert.are.same({2, 2}, cu.random.standard_normal({2, 2}).shape)
    assert.are.same({3}, cu.random.normal(0, 1, {3}).shape)
    assert.are.same({0}, cu.random.randint(3, nil, {0}).shape)
  end)

  it("draws floats in [lo, hi)", function()
    cu.random.seed(1)
    for _, dt in ipairs({"float16", "float32", "float64"}) do
      local u = cu.random.random({1000}, {dtype = dt})
      assert.are.equal(dt, u.dtype)
      for _, x in ipairs(flat(u)) do assert(x >= 0 and x < 1, x) end
      for _, x in ipairs(flat(cu.random.uniform(-2, 3, {500}, {dtype = dt}))) do
        assert(x >= -2 and x < 3, x)
      end
    end
  end)

  it("draws integers in [lo, hi)", function()
    cu.random.seed(3)
    local seen = {}
    local r = cu.random.randint(-3, 4, {2000})
    assert.are.equal("int64", r.dtype)
    for _, x in ipairs(flat(r)) do
      assert(x >= -3 and x < 4 and x % 1 == 0, x)
      seen[x] = true
    end
    for v = -3, 3 do assert(seen[v], "never drew " .. v) end
    for _, x in ipairs(flat(cu.random.randint(5, nil, {200}))) do assert(x >= 0 and x < 5) end
    local u8 = cu.random.randint(0, 256, {100}, {dtype = "uint8"})
    assert.are.equal("uint8", u8.dtype)
    for _, x in ipairs(flat(u8)) do assert(x >= 0 and x <= 255) end
  end)

  it("draws normals with the mean and std asked for", function()
    cu.random.seed(11)
    local function moments(a)
      local t = flat(a)
      local s, s2 = 0, 0
      for _, x in ipairs(t) do s = s + x; s2 = s2 + x * x end
      local m = s / #t
      return m, math.sqrt(s2 / #t - m * m)
    end
    local m, sd = moments(cu.random.standard_normal({20000}))
    assert(math.abs(m) < 0.03 and math.abs(sd - 1) < 0.03, m .. " " .. sd)
    m, sd = moments(cu.random.normal(5, 2, {20000}, {dtype = "float32"}))
    assert(math.abs(m - 5) < 0.06 and math.abs(sd - 2) < 0.06, m .. " " .. sd)
  end)

  it("raises on bad arguments", function()
    H.raises("random.randint: lo must be less than hi", cu.random.randint, 5, 5)
    H.raises("random.randint: lo must be less than hi", cu.random.randint, 0)
    H.raises("random.randint: the range [0, 300) is out of bounds for uint8",
             cu.random.randint, 0, 300, {2}, {dtype = "uint8"})
    H.raises("random.randint: dtype must be an integer or bool dtype", cu.random.randint, 0, 3,
             {2}, {dtype = "float32"})
    H.raises("random.random: dtype must be a float dtype", cu.random.random, {2}, {dtype = "int32"})
    H.raises("random.normal: std must be non-negative", cu.random.normal, 0, -1, {2})
    H.raises("random.seed: seed must be an integer", cu.random.seed, 1.5)
    H.raises("random.rand: negative dimension", cu.random.rand, 2, -1)
    H.raises("random.uniform: unknown option 'size'", cu.random.uniform, 0, 1, {2}, {size = 2})
  end)
end)

describe("cu.random across devices", function()
  local devices = H.devices()
  if #devices < 2 then
    pending("needs a second device")
    return
  end
  it("gives the same numbers on every device for the same seed", function()
    for _, dt in ipairs({"float32", "float64"}) do
      local ref
      for _, dev in ipairs(devices) do
        cu.random.seed(2024)
        local u = cu.random.random({1001}, {dtype = dt, device = dev}):totable()
        local n = cu.random.standard_normal({257}, {dtype = dt, device = dev}):totable()
        local r = cu.random.randint(-1000, 1000, {99}, {device = dev}):totable()
        if ref then
          H.same(u, ref[1])
          H.same(n, ref[2], dt == "float32" and 1e-5 or 1e-12)
          H.same(r, ref[3])
        else
          ref = {u, n, r}
        end
      end
    end
  end)
end)
