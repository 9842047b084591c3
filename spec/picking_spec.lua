-- Grids (lua/cuarray/grids.lua), flat positions (positions.lua), picking and placing
-- (picking.lua), insert and delete (editing.lua): NumPy's values shifted to 1-based indices,
-- empty inputs, and errors naming the function.
local cu = require "cuarray"
local H = require "helper"

H.each_device("meshgrid, indices, fromfunction", function()
  it("meshgrid follows NumPy's xy and ij indexing", function()
    local x, y = cu.meshgrid(cu.arange(3), cu.arange(2))
    H.same(x, {{0, 1, 2}, {0, 1, 2}})
    H.same(y, {{0, 0, 0}, {1, 1, 1}})
    x, y = cu.meshgrid(cu.arange(3), cu.arange(2), {indexing = "ij", sparse = true})
    assert.are.same({{3, 1}, {1, 2}}, {x.shape, y.shape})
    assert.are.same({2, 3, 4}, cu.meshgrid(cu.arange(3), cu.arange(2), cu.arange(4)).shape)
    local base = cu.arange(3)
    x = cu.meshgrid(base, cu.arange(2), {copy = false})
    assert.is_true(cu.shares_memory(x, base))
    assert.is_false(x.writeable)
    assert.is_false(cu.shares_memory(cu.meshgrid(base, {1, 2}), base))
    assert.are.equal(0, select("#", cu.meshgrid()))
    H.raises("meshgrid: indexing must be 'xy' or 'ij', got yx", cu.meshgrid, base, {indexing = "yx"})
  end)

  it("indices and fromfunction give 1-based coordinates", function()
    H.same(cu.indices({2, 3}), {{{1, 1, 1}, {2, 2, 2}}, {{1, 2, 3}, {1, 2, 3}}})
    local r, c = cu.indices({2, 3}, {sparse = true})
    assert.are.same({{2, 1}, {1, 3}}, {r.shape, c.shape})
    assert.are.same({1, 0}, cu.indices({0}).shape)
    assert.are.equal("int32", cu.indices({2}, {dtype = "int32"}).dtype)
    H.same(cu.fromfunction(function(i, j) return i * 10 + j end, {2, 3}),
      {{11, 12, 13}, {21, 22, 23}})
    H.raises("fromfunction: expected a function, got number", cu.fromfunction, 1, {2})
    H.raises("indices: negative dimension -1", cu.indices, {-1})
    H.raises("indices: dimensions entry 1 must be an integer, got inf", cu.indices, 1 / 0)
  end)

  it("mgrid and ogrid take inclusive ranges", function()
    H.same(cu.mgrid({0, 2}, {0, 1}), {{{0, 0}, {1, 1}, {2, 2}}, {{0, 1}, {0, 1}, {0, 1}}})
    local y, x = cu.ogrid({0, 4, 2}, {0, 1, 0.5})
    H.same(y, {{0}, {2}, {4}})
    H.same(x, {{0, 0.5, 1}})
    assert.are.equal("float64", y.dtype)
    H.same(cu.mgrid({5, 1, -2}), {5, 3, 1})
    assert.are.same({0}, cu.mgrid({1, 0}).shape)
    H.raises("mgrid: range 1 must be {start, stop[, step]}", cu.mgrid, {1})
    H.raises("ogrid: range 2: step cannot be zero", cu.ogrid, {1, 2}, {1, 2, 0})
    H.raises("mgrid: expected at least one range", cu.mgrid)
  end)
end)

H.each_device("unravel_index and ravel_multi_index", function()
  it("convert 1-based positions and coordinates", function()
    local r, c = cu.unravel_index(cu.array({23, 42, 38}), {7, 6})
    H.same(r, {4, 7, 7})
    H.same(c, {5, 6, 2})
    assert.are.same({2, 3}, {cu.unravel_index(6, {2, 3}, {order = "F"})})
    assert.are.same({2, 3}, {cu.unravel_index(6, {2, 3})})
    H.same(cu.ravel_multi_index({cu.array({4, 7, 7}), cu.array({5, 6, 2})}, {7, 6}), {23, 42, 38})
    H.same(cu.ravel_multi_index({cu.array({4, 7, 7}), cu.array({5, 6, 2})}, {7, 6}, {order = "F"}),
      {32, 42, 14})
    H.same(cu.ravel_multi_index({cu.array({4, 8}), cu.array({5, 10})}, {7, 6}, {mode = "clip"}),
      {23, 42})
    H.same(cu.ravel_multi_index({cu.array({4, 8}), cu.array({5, 10})}, {7, 6}, {mode = "wrap"}),
      {23, 4})
    assert.are.equal(6, cu.ravel_multi_index({2, 3}, {2, 3}))
    H.raises("unravel_index: a position is out of bounds for an array of size 3", cu.unravel_index,
      0, {3})
    H.raises("unravel_index: a position is out of bounds", cu.unravel_index, cu.array({4}), {3})
    H.raises("ravel_multi_index: a coordinate is out of bounds for axis 2 of length 6",
      cu.ravel_multi_index, {cu.array({1}), cu.array({7})}, {7, 6})
    H.raises("ravel_multi_index: 1 coordinates for a shape of 2 dimensions",
      cu.ravel_multi_index, {1}, {2, 2})
    H.raises("unravel_index: positions must be integers, got float64", cu.unravel_index,
      cu.array({1.5}), {3})
  end)
end)

H.each_device("picking and placing", function()
  local function a() return cu.array({{10, 30, 20}, {60, 40, 50}}) end

  it("take_along_axis and put_along_axis pair indices with the other axes", function()
    H.same(cu.take_along_axis(a(), cu.array({{1, 3, 2}, {2, 3, 1}}), 2), {{10, 20, 30}, {40, 50, 60}})
    H.same(cu.take_along_axis(a(), cu.array({{2, 1, 2}}), 1), {{60, 30, 50}})
    H.same(cu.take_along_axis(a(), cu.array({6, 1})), {50, 10})
    local b = a()
    cu.put_along_axis(b, cu.array({{1}, {3}}), 99, 2)
    H.same(b, {{99, 30, 20}, {60, 40, 99}})
    H.raises("take_along_axis: indices and arr must have the same number of dimensions (1 and 2)",
      cu.take_along_axis, a(), cu.array({1}), 2)
    H.raises("index 4 is out of bounds", cu.take_along_axis, a(), cu.array({{4}, {1}}), 2)
  end)

  it("put and place write in C order", function()
    local b = a()
    cu.put(b, {1, -1}, {7, 8})
    H.same(b, {{7, 30, 20}, {60, 40, 8}})
    b = a()
    cu.put(b, cu.array({1, 2, 3}), 0)
    H.same(b, {{0, 0, 0}, {60, 40, 50}})
    b = a()
    cu.put(b, {8}, 5, {mode = "wrap"})
    H.same(b, {{10, 5, 20}, {60, 40, 50}})
    b = a()
    local t = b.T
    cu.put(t, {2}, 1)
    H.same(b, {{10, 30, 20}, {1, 40, 50}})
    b = a()
    cu.place(b, b:gt(25), {1, 2})
    H.same(b, {{10, 1, 20}, {2, 1, 2}})
    H.raises("put: a position is out of bounds for an array of size 6", cu.put, a(), {7}, 1)
    H.raises("put: a position is out of bounds", cu.put, a(), {0}, 1)
    H.raises("place: mask and data must be the same size (2 and 6)", cu.place, a(),
      cu.array({true, false}), 1)
  end)

  it("compress, extract, select and choose", function()
    H.same(cu.compress(cu.array({false, true}), a(), 1), {{60, 40, 50}})
    H.same(cu.compress(cu.array({true, false, true}), a(), 2), {{10, 20}, {60, 50}})
    H.same(cu.compress(cu.array({1, 0, 1}), a()), {10, 20})
    H.raises("compress: condition is true at 3, past the end of the axis of length 2",
      cu.compress, cu.array({false, false, true}), a(), 1)
    H.same(cu.extract(a():gt(25), a()), {30, 60, 40, 50})
    local x = cu.arange(6)
    H.same(cu.select({x:lt(3), x:gt(3)}, {x, x * x}, 42), {0, 1, 2, 42, 16, 25})
    H.same(cu.select({x:lt(1)}, {x}), {0, 0, 0, 0, 0, 0})
    H.raises("select: condlist entry 1 must be a bool array, got int64", cu.select, {x}, {x})
    H.same(cu.choose(cu.array({1, 2, 3, 2}), {cu.zeros(4, {dtype = "int64"}), cu.arange(4),
      cu.array({10, 20, 30, 40})}), {0, 1, 30, 3})
    H.same(cu.choose(cu.array({0, 4}), {1, 2, 3}, {mode = "wrap"}), {3, 1})
    H.same(cu.choose(cu.array({0, 4}), {1, 2, 3}, {mode = "clip"}), {1, 3})
    H.raises("choose: a holds a choice outside 1 .. 2", cu.choose, cu.array({3}), {1, 2})
  end)
end)

H.each_device("insert and delete", function()
  local function a() return cu.array({{10, 30, 20}, {60, 40, 50}}) end

  it("insert before 1-based positions", function()
    H.same(cu.insert(cu.arange(5), 3, {7, 8}), {0, 1, 7, 8, 2, 3, 4})
    H.same(cu.insert(a(), 2, {1, 2, 3}, 1), {{10, 30, 20}, {1, 2, 3}, {60, 40, 50}})
    H.same(cu.insert(a(), 2, 5, 2), {{10, 5, 30, 20}, {60, 5, 40, 50}})
    H.same(cu.insert(cu.arange(5), {2, 2, 5}, {7, 8, 9}), {0, 7, 8, 1, 2, 3, 9, 4})
    H.same(cu.insert(a(), {1, 4}, {{1}, {2}}, 2), {{1, 10, 30, 20, 1}, {2, 60, 40, 50, 2}})
    H.same(cu.insert(cu.arange(3), -1, 9), {0, 1, 9, 2})
    H.same(cu.insert(cu.arange(3), 4, 9), {0, 1, 2, 9})
    H.same(cu.insert(a(), 3, {1, 2}), {10, 30, 1, 2, 20, 60, 40, 50})
    H.same(cu.insert(cu.arange(3), 2, 2.5), {0, 2, 1, 2})
    H.raises("insert: position 5 is out of bounds for axis 1 with size 3", cu.insert,
      cu.arange(3), 5, 1)
    -- NumPy: shape mismatch (values cannot be broadcast to the inserted slices)
    H.raises("insert: values of shape (3,) cannot be broadcast to the inserted shape (0,)",
      cu.insert, cu.arange(3), {}, cu.arange(3))
    H.raises("insert: values of shape (2,) cannot be broadcast to the inserted shape (3,)",
      cu.insert, cu.arange(3), {1, 2, 3}, cu.arange(2))
  end)

  it("delete positions, lists and masks", function()
    H.same(cu.delete(cu.arange(6), {1, -1}), {1, 2, 3, 4})
    H.same(cu.delete(a(), 2, 2), {{10, 20}, {60, 50}})
    H.same(cu.delete(a(), {2}), {10, 20, 60, 40, 50})
    H.same(cu.delete(cu.arange(3), cu.array({true, false, true})), {1})
    assert.are.same({0, 3}, cu.delete(a(), {1, 2}, 1).shape)
    H.raises("delete: position 7 is out of bounds for axis 1 with size 6", cu.delete, a(), 7)
    H.raises("delete: axis 3 is out of bounds", cu.delete, a(), 1, 3)
  end)
end)
