-- Comfort at the prompt: shapes that print as tuples, iteration, the in-place forms of the op
-- table, the strict module tables and the hints for NumPy users' usual mistakes.
local cu = require "cuarray"
local H = require "helper"

describe("a.shape and a.strides", function()
  it("print as NumPy's tuples", function()
    local a = cu.zeros({2, 3})
    assert.are.equal("(2, 3)", tostring(a.shape))
    assert.are.equal("(3, 1)", tostring(a.strides))
    assert.are.equal("(4,)", tostring(cu.zeros(4).shape))
    assert.are.equal("()", tostring(cu.zeros({}).shape))
    assert.are.equal("(0, 5)", tostring(cu.zeros({0, 5}).shape))
    assert.are.equal("(3, -1)", tostring(cu.zeros({2, 3}):flip(2).strides))
    assert.are.equal("shape (2, 3)!", "shape " .. a.shape .. "!")
  end)

  it("stay plain sequences: indexing, #, ipairs and shape arguments", function()
    local a = cu.zeros({2, 3, 4})
    local s = a.shape
    assert.are.equal(3, #s)
    assert.are.equal(3, s[2])
    assert.is_nil(s[4])
    local seen = {}
    for i, n in ipairs(s) do seen[i] = n end
    assert.are.same({2, 3, 4}, seen)
    assert.are.same({2, 3, 4}, s)
    assert.are.equal("2x3x4", table.concat(s, "x"))
    assert.are.same({2, 3, 4}, cu.ones(s).shape)
    assert.are.same({4, 6}, a:reshape({s[3], s[1] * s[2]}).shape)
    assert.are.same({3, 8}, cu.zeros({3, 8}, {dtype = "int8"}).shape)
  end)

  it("compare equal to another shape with the same entries, and to no other table", function()
    local a, b = cu.zeros({2, 3}), cu.ones({2, 3}, {dtype = "int8"})
    assert.is_true(a.shape == b.shape)
    assert.is_false(a.shape == cu.zeros({3, 2}).shape)
    assert.is_false(a.shape == cu.zeros({2, 3, 1}).shape)
    assert.is_false(a.shape == {2, 3})
    assert.is_true(a.strides == b.strides)
  end)

  it("are copies: changing one changes neither the array nor the next read", function()
    local a = cu.zeros({2, 3})
    local s = a.shape
    s[1] = 7
    s[3] = "x"
    assert.are.equal("(7, 3, x)", tostring(s))
    assert.are.same({2, 3}, a.shape)
    H.raises("attempt to concatenate a shape and a table value", function() return s .. {} end)
  end)
end)

H.each_device("a:iter()", function()
  it("gives positions and rows along the first axis; rows are views", function()
    local a = cu.array({{1, 2}, {3, 4}, {5, 6}})
    local n = 0
    for i, row in a:iter() do
      n = n + 1
      assert.are.equal(n, i)
      assert.is_true(cu.is_array(row))
      H.same(row, {2 * i - 1, 2 * i})
      row:fill(i)
    end
    assert.are.equal(3, n)
    H.same(a, {{1, 1}, {2, 2}, {3, 3}})
  end)

  it("gives Lua values along a 1-d array", function()
    local got = {}
    for i, v in cu.array({1.5, 2.5, 3.5}):iter() do got[i] = v end
    assert.are.same({1.5, 2.5, 3.5}, got)
    local flags = {}
    for i, v in cu.array({true, false}):iter() do flags[i] = v end
    assert.are.same({true, false}, flags)
  end)

  it("runs no step over an empty axis, and refuses a 0-d array", function()
    for _ in cu.zeros({0, 3}):iter() do error("a step over an empty axis") end
    H.raises("iter: iteration over a 0-d array", function() return cu.array(1):iter() end)
    H.raises("iter: expected an array, got number", function() return cu._methods.iter(1) end)
    local a = cu.zeros(2)
    a:free()
    H.raises("iter: the array has been freed", function() return a:iter() end)
  end)
end)

-- The in-place form of each op of the op table gives what cu.<op> gives, into its operand.
local function operands(rule)
  if rule == "bitwise" or rule == "shift" or rule == "integer" then
    return cu.array({{5, 12, 7}, {1, 0, 3}}), cu.array({1, 2, 3})
  end
  if rule == "ldexp" then
    return cu.array({{0.5, 1.5, 2.0}, {3.0, 0.25, 0.75}}), cu.array({1, -2, 3})
  end
  return cu.array({{0.5, 1.5, 2.0}, {3.0, 0.25, 0.75}}), cu.array({1.5, 2.0, 0.5})
end

H.each_device("in-place forms", function()
  -- ops of two results (unary2, binary2) have none: one array cannot take both results
  local NONE = {reduce = true, unary2 = true, binary2 = true}
  it("exist for every op of the op table but the predicates, the reductions and the ops of two results", function()
    for _, o in ipairs(cu._ops) do
      local inplace = rawget(cu._methods, o.name .. "_")
      if NONE[o.kind] or o.rule == "predicate" then
        assert.is_nil(inplace, o.name .. "_")
      else
        assert.is_function(inplace, o.name .. "_")
      end
      assert.is_nil(rawget(cu, o.name .. "_"), "cu." .. o.name .. "_ is a method only")
    end
  end)

  it("write cu.<op>'s result into the array and return it", function()
    for _, o in ipairs(cu._ops) do
      if not NONE[o.kind] and o.rule ~= "predicate" then
        local a, b = operands(o.rule)
        local expected = o.kind == "binary" and cu[o.name](a, b) or cu[o.name](a)
        local x = a:copy()
        local r = o.kind == "binary" and x[o.name .. "_"](x, b) or x[o.name .. "_"](x)
        assert.is_true(rawequal(x, r), o.name .. "_ returns its array")
        local ok, why = H.compare(x, expected:totable(), 1e-12)
        assert(ok, o.name .. "_: " .. tostring(why))
      end
    end
  end)

  it("have NumPy's other names and PyTorch's short ones", function()
    local x = cu.array({1, 2, 4}, {dtype = "float64"})
    assert.is_true(rawequal(x, x:mul_(2):sub_(1):div_(2):neg_()))
    H.same(x, {-0.5, -1.5, -3.5})
    x:absolute_():pow_(2):remainder_(2)
    H.same(x, {0.25, 0.25, 0.25})
    H.same(cu.mul(cu.array({1, 2}), 3), {3, 6})
    H.same(cu.array({5}, {dtype = "float32"}):true_divide_(2), {2.5})
  end)

  it("take numbers, arrays that broadcast, and chain", function()
    local x = cu.zeros({2, 3})
    x:add_(cu.array({1, 2, 3})):mul_(cu.array({{1}, {10}})):add_(0.5)
    H.same(x, {{1.5, 2.5, 3.5}, {10.5, 20.5, 30.5}})
    H.raises("add_: out has shape (3,) but the result has shape (2, 3)", function() return cu.zeros(3):add_(cu.zeros({2, 3})) end)
  end)

  it("refuse a result the array's dtype cannot hold, leaving the array as it was", function()
    local i = cu.array({1, 2, 3})
    H.raises("div_: cannot cast the float64 result to out's dtype int64", function() return i:div_(2) end)
    H.raises("sqrt_: cannot cast the float64 result to out's dtype int64", function() return i:sqrt_() end)
    H.raises("add_: cannot cast the float64 result to out's dtype int64", function() return i:add_(0.5) end)
    H.raises("bitwise_and_: not supported for float64", function() return cu.zeros(2):bitwise_and_(1) end)
    H.same(i, {1, 2, 3})
    H.same(cu.array({1, 2}, {dtype = "int8"}):add_(cu.array({3, 4}, {dtype = "int8"})), {4, 6})
    H.same(cu.array({1, 2}, {dtype = "float32"}):add_(cu.array({1, 2}, {dtype = "int8"})), {2, 4})
  end)

  it("check their arguments", function()
    local x = cu.zeros(2)
    H.raises("add_: takes one operand (the result goes into the array itself), got 0", function() return x:add_() end)
    H.raises("add_: takes one operand (the result goes into the array itself), got 2",
      function() return x:add_(1, {out = x}) end)
    H.raises("exp_: takes no arguments", function() return x:exp_(1) end)
    H.raises("add_: expected an array, got number", function() return x.add_(1, 2) end)
    H.raises("add_: operands must be arrays or numbers, got string", function() return x:add_("1") end)
    x:free()
    H.raises("neg_: the array has been freed", function() return x:neg_() end)
  end)

  -- NumPy reads the inputs as they were: np.add(a, a.T, out=a) is a + a.T.
  it("read an operand that overlaps the array in another layout as it was", function()
    local a = cu.arange(9):reshape(3, 3)
    a:add_(a.T)
    H.same(a, {{0, 4, 8}, {4, 8, 12}, {8, 12, 16}})
    local v = cu.arange(5)
    v:flip():add_(v)
    H.same(v, {4, 4, 4, 4, 4})
    local m = cu.arange(6):reshape(2, 3)
    m:add_(m[1])
    H.same(m, {{0, 2, 4}, {3, 5, 7}})
    local w = cu.arange(6)
    w[{{2, 6}}]:sub_(w[{{1, 5}}])
    H.same(w, {0, 1, 1, 1, 1, 1})
    local f = cu.arange(4.0)
    cu.negative(f, {out = f:flip()})
    H.same(f, {-3, -2, -1, 0})
  end)
end)

describe("the module tables", function()
  it("raise for a field they do not have, suggesting a near name", function()
    H.raises("cuarray has no field 'float33' (did you mean 'float32'?)", function() return cu.float33 end)
    H.raises("cuarray has no field 'zros' (did you mean 'zeros'?)", function() return cu.zros end)
    H.raises("cuarray has no field 'random_normal_matrix'", function() return cu.random_normal_matrix end)
    H.raises("cuarray.random has no field 'rnad' (did you mean 'rand'?)", function() return cu.random.rnad end)
    H.raises("cuarray.linalg has no field 'nrom' (did you mean 'norm'?)", function() return cu.linalg.nrom end)
    H.raises("cuarray has no field 1", function() return cu[1] end)
    local ok, err = pcall(function() return cu.zros end)
    assert.is_false(ok)
    assert.is_truthy(tostring(err):find("repl_spec.lua", 1, true), "the message points at the caller")
  end)

  it("give nil through rawget, and take new fields", function()
    assert.is_nil(rawget(cu, "zros"))
    assert.is_nil(rawget(cu.random, "rnad"))
    cu.my_helper = function() return 42 end
    assert.are.equal(42, cu.my_helper())
    cu.my_helper = nil
    assert.is_nil(rawget(cu, "my_helper"))
  end)
end)

describe("hints for NumPy habits", function()
  local a = cu.arange(6):reshape(2, 3)

  it("answer a slice written as a string", function()
    H.raises("array has no attribute or method '1:2' (slices are written as tables: a[{{1, 2}}]",
      function() return a["1:2"] end)
    H.raises("array has no attribute or method ':, 1' (slices are written as tables",
      function() return a[":, 1"] end)
    H.raises("cannot set attribute '0:1' of an array (slices are written as tables",
      function() a["0:1"] = 5 end)
    H.raises("array has no attribute or method '...' (the ellipsis goes inside a table: a[{\"...\", 1}])",
      function() return a["..."] end)
    H.raises("array has no attribute or method 'shap'", function() return a.shap end)
    local ok, err = pcall(function() return a.shap end)
    assert.is_false(ok)
    assert.is_nil(tostring(err):find("slices", 1, true))
  end)

  it("answer an axis given as an option", function()
    H.raises("sum: unknown option 'axis' (the axis is the first argument: a:sum(1))",
      function() return a:sum({axis = 1}) end)
    H.raises("max: unknown option 'dim' (the axis is the first argument: a:max(1))",
      function() return cu.max(a, {dim = 1}) end)
    H.raises("concatenate: unknown option 'axis' (the axis is a positional argument, not an option)",
      function() return cu.concatenate({a, a}, {axis = 1}) end)
    H.raises("zeros_like: unknown option 'axis' (the axis is a positional argument, not an option)",
      function() return cu.zeros_like(a, {axis = 1}) end)
    H.raises("sum: unknown option 'keepdim'", function() return a:sum(1, {keepdim = true}) end)
  end)

  it("answer a shape given as separate numbers", function()
    H.raises("zeros: the shape is a table: cu.zeros({2, 3})", function() return cu.zeros(2, 3) end)
    H.raises("ones: the shape is a table: cu.ones({2, 3, 4}, {...})",
      function() return cu.ones(2, 3, 4, {dtype = "int8"}) end)
    H.raises("empty: the shape is a table: cu.empty({2, 3})", function() return cu.empty(2, 3) end)
    H.raises("full: the shape is a table: cu.full({2, 3}, 7)", function() return cu.full(2, 3, 7) end)
    H.same(cu.full(2, 3), {3, 3})
    H.same(cu.zeros(2, {dtype = "int8"}), {0, 0})
  end)
end)
