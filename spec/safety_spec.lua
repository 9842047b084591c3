-- Whatever a script does, the host process survives: every function reachable from the
-- array metatable checks its `self`; sizes whose byte count or sum overflows raise "too
-- large" instead of wrapping into a tiny buffer; signed 64-bit arithmetic on user-given
-- numbers never overflows; writes into broadcast views (one element aliased many times)
-- raise, as NumPy's read-only broadcast_to results do.
local cu = require "cuarray"
local H = require "helper"

-- Values a script may pass where an array is expected.
local function foreign_values()
  local freed = cu.zeros(2)
  freed:free()
  return {{}, io.stdout, 5, "x", true, cu.newaxis, freed, function() end, coroutine.create(function() end)}
end

H.each_device("foreign self", function()
  it("__index with a foreign self raises, naming the metamethod", function()
    local index = getmetatable(cu.zeros(1)).__index
    H.raises("__index: expected an array, got table", index, {}, "x")
    H.raises("__index: expected an array, got userdata", index, io.stdout, "x")
    H.raises("__index: expected an array, got number", index, 5, "x")
    H.raises("__index: expected an array, got number", index, 5, 1)
  end)

  it("__tostring with a foreign self raises", function()
    H.raises("__tostring: expected an array, got table", getmetatable(cu.zeros(1)).__tostring, {})
  end)

  it("every metamethod and method survives foreign arguments", function()
    local mt = getmetatable(cu.zeros(1))
    local fns = {}
    for k, f in pairs(mt) do
      if type(f) == "function" then fns[#fns + 1] = {k, f} end
    end
    for k, f in pairs(mt.__methods) do
      if type(f) == "function" and k ~= "to_ffi" then fns[#fns + 1] = {k, f} end
    end
    assert(#fns > 40)
    local values = foreign_values()
    local keys = {"x", "shape", 1, -1, {}, {{1, 2}}, cu.newaxis, "...", {}, 2.5}
    for _, e in ipairs(fns) do
      for _, self in ipairs(values) do
        for _, k in ipairs(keys) do
          pcall(e[2], self, k)
          pcall(e[2], self, k, 1)
        end
        pcall(e[2], self)
      end
    end
    -- the arrays still work afterwards
    H.same(cu.arange(3) + 1, {1, 2, 3})
  end)
end)

H.each_device("sizes that overflow", function()
  local huge = 2 ^ 61 -- 2^61 float64 elements are 2^64 bytes: a size_t product wraps to 0

  it("reading a huge broadcast view raises instead of wrapping its byte count", function()
    local v = cu.zeros({1}):broadcast_to({huge})
    assert.are.equal(huge, v.size)
    H.raises("totable: an array of 2305843009213693952 elements of float64 is too large",
             function() return v:totable() end)
    H.raises("too large", function() return v:copy() end)
    H.raises("too large", function() return v:get() end)
    H.raises("too large", function() return v + 1 end)
  end)

  it("printing a huge broadcast view in full raises", function()
    local v = cu.zeros({1}):broadcast_to({huge})
    cu.set_printoptions{threshold = math.huge}
    local ok, err = pcall(tostring, v)
    cu.set_printoptions()
    assert.is_false(ok)
    assert.truthy(tostring(err):find("too large", 1, true))
    -- summarised, it prints
    assert.truthy(tostring(v):find("0., 0., 0., ..., 0., 0., 0.", 1, true))
  end)

  it("nbytes of a huge broadcast view is its logical size", function()
    assert.are.equal(2 ^ 64, cu.zeros({1}):broadcast_to({huge}).nbytes)
    assert.are.equal(24, cu.zeros(3).nbytes)
  end)
end)

H.each_device("signed 64-bit arithmetic", function()
  it("edgeitems near 2^62 print the whole array", function()
    cu.set_printoptions{edgeitems = 2 ^ 62}
    local ok, s = pcall(tostring, cu.zeros(1001))
    cu.set_printoptions()
    assert.is_true(ok, s)
    assert.is_nil(s:find("...", 1, true))
  end)

  it("eye with k = -2^63 is all zeros", function()
    H.same(cu.eye(3, {k = -2 ^ 63}), {{0, 0, 0}, {0, 0, 0}, {0, 0, 0}})
    H.same(cu.eye(2, 3, {k = 2 ^ 62}), {{0, 0, 0}, {0, 0, 0}})
  end)

  it("reshape with known dims whose product overflows raises", function()
    H.raises("reshape: cannot reshape array of size 8 (shape (8,)) into shape "
             .. "(-1, 4611686018427387904, 4)", function() return cu.zeros(8):reshape({-1, 2 ^ 62, 4}) end)
    H.raises("reshape: cannot reshape array of size 8 into a shape with -1",
             function() return cu.zeros(8):reshape({2 ^ 62, 4, 0, -1}) end)
  end)

  it("concatenate of views whose lengths add past 2^63 raises", function()
    local v = cu.zeros(1):broadcast_to({2 ^ 62})
    H.raises("concatenate: the result is too large", function() return cu.concatenate({v, v}) end)
  end)

  it("stack of huge views raises naming the function", function()
    local v = cu.zeros(1):broadcast_to({2 ^ 62})
    H.raises("stack: ", function() return cu.stack({v, v}) end)
  end)

  it("arange over more than 2^63 values raises", function()
    H.raises("arange: the range is too long", function() return cu.arange(-2 ^ 62, 2 ^ 62) end)
    H.raises("arange: an array of shape (4611686018427387904,) and dtype int64 is too large",
             function() return cu.arange(-2 ^ 63, 2 ^ 62, 3) end)
  end)

  it("ranges with steps near 2^63 select one element", function()
    local a = cu.arange(10)
    H.same(a[{{1, -1, 2 ^ 62}}], {0})
    H.same(a[{{-1, 1, -2 ^ 63}}], {9})
    H.same(a:reshape(2, 5)[{{}, {2, -1, 2 ^ 62}}], {{1}, {6}})
  end)
end)

H.each_device("writes into broadcast views", function()
  it("fill and index assignment raise instead of looping over aliased elements", function()
    local b = cu.zeros(1):broadcast_to({2 ^ 61})
    assert.is_false(b.writeable)
    H.raises("fill: the array is read-only", function() return b:fill(1) end)
    H.raises("index assignment: the array is read-only", function() b[{{}}] = 1 end)
    H.raises("index assignment: the array is read-only", function() b[1] = 1 end)
    H.raises("index assignment: the array is read-only",
             function() b[cu.array({1, 2})] = 1 end)
  end)

  it("a broadcast view is read-only, and so are its views; copies are not", function()
    local a = cu.arange(3, {dtype = "float64"})
    local b = a:broadcast_to({4, 3})
    H.raises("index assignment: the array is read-only", function() b[{1, 2}] = 7 end)
    H.raises("index assignment: the array is read-only", function() b[2] = a end)
    H.raises("fill: the array is read-only", function() return b.T:fill(0) end)
    H.raises("fill: the array is read-only", function() return b[{{1, 2}}]:fill(0) end)
    H.same(a, {0, 1, 2})
    local c = b:copy()
    assert.is_true(c.writeable)
    c[{1, 2}] = 7
    H.same(c[1], {0, 7, 2})
    assert.is_true(a.writeable)
    assert.is_true(cu.zeros(3):expand_dims(1).writeable)
  end)

  it("out= a broadcast view raises, naming the function", function()
    local a = cu.ones(3)
    local b = cu.zeros(1):broadcast_to({3})
    H.raises("add: the array is read-only", function() return cu.add(a, 1, {out = b}) end)
    H.raises("sqrt: the array is read-only", function() return cu.sqrt(a, {out = b}) end)
    H.raises("sum: the array is read-only",
             function() return cu.sum(cu.ones({3, 3}), 1, {out = b}) end)
    H.raises("cumsum: the array is read-only", function() return cu.cumsum(a, {out = b}) end)
    H.raises("matmul: the array is read-only",
             function() return cu.matmul(cu.ones({3, 2}), cu.ones(2), {out = b}) end)
    H.raises("clip: the array is read-only", function() return cu.clip(a, 0, 1, {out = b}) end)
    H.same(b, {0, 0, 0})
  end)
end)
