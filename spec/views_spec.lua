-- Views that need C (src/l_views.c) and cu.lib.stride_tricks (lua/cuarray/strided.lua):
-- bounds-checked strided views, reinterpreting bytes as another dtype, and whether two arrays
-- share memory. Values are NumPy's.
local cu = require "cuarray"
local H = require "helper"

local st = cu.lib.stride_tricks

H.each_device("as_strided", function()
  it("views the memory with the strides given, in elements", function()
    local a = cu.arange(10)
    local v = st.as_strided(a, {3, 3}, {2, 1})
    H.same(v, {{0, 1, 2}, {2, 3, 4}, {4, 5, 6}})
    assert.is_true(cu.shares_memory(a, v))
    H.same(st.as_strided(a[{{3, -1}}], {3}, {-1}), {2, 1, 0})
    H.same(st.as_strided(a), a:totable())
    assert.are.same({0}, st.as_strided(a, {0}, {100}).shape)
  end)

  it("is writable only when no two positions reach one element", function()
    local a = cu.arange(10)
    local rows = st.as_strided(a, {2, 5}, {5, 1})
    assert.is_true(rows.writeable)
    rows[{2, 1}] = 50
    assert.are.equal(50, a[6])
    assert.is_false(st.as_strided(a, {3, 3}, {2, 1}).writeable)
    assert.is_false(st.as_strided(a, {3, 2}, {0, 1}).writeable)
    assert.is_false(st.as_strided(a, {2, 5}, {5, 1}, {writeable = false}).writeable)
    assert.is_false(st.as_strided(a:broadcast_to({2, 10}), {10}, {1}).writeable)
  end)

  it("refuses a view that reaches outside the memory", function()
    local a = cu.arange(10)
    H.raises("as_strided: a view of shape (4, 3) with these strides reaches outside", st.as_strided,
      a, {4, 3}, {3, 1})
    H.raises("reaches outside", st.as_strided, a[{{2, -1}}], {3}, {-1})
    H.raises("reaches outside", st.as_strided, a, {2}, {2 ^ 62})
    H.raises("reaches outside", st.as_strided, a, {3, 2 ^ 40}, {2 ^ 40, 2 ^ 40})
    H.raises("as_strided: strides has 1 entries for a shape of 2 dimensions", st.as_strided, a,
      {2, 2}, {1})
    H.raises("as_strided: strides entry 1 must be an integer, got 1.5", st.as_strided, a, {2}, {1.5})
    H.raises("as_strided: negative dimension", st.as_strided, a, {-1}, {1})
    H.raises("as_strided: expected an array, got number", st.as_strided, 3, {1}, {1})
    H.raises("as_strided: unknown option 'bogus'", st.as_strided, a, {1}, {1}, {bogus = 1})
  end)
end)

H.each_device("sliding_window_view", function()
  it("gives every window as a read-only view (NumPy's values)", function()
    local a = cu.arange(12):reshape(3, 4)
    local w = st.sliding_window_view(a, {2, 3})
    assert.are.same({2, 2, 2, 3}, w.shape)
    H.same(w[{2, 1}], {{4, 5, 6}, {8, 9, 10}})
    assert.is_false(w.writeable)
    assert.is_true(cu.shares_memory(w, a))
    local w2 = st.sliding_window_view(a, 2, 2)
    assert.are.same({3, 3, 2}, w2.shape)
    H.same(w2[{3, 2}], {9, 10})
    assert.are.same({3, 2, 2}, st.sliding_window_view(cu.arange(5), {2, 2}, {1, 1}).shape)
    assert.are.same({1, 1, 0, 3}, st.sliding_window_view(cu.zeros({0, 3}), {0, 3}).shape)
  end)

  it("raises for windows that do not fit", function()
    local a = cu.arange(5)
    H.raises("sliding_window_view: the window 6 is larger than axis 1", st.sliding_window_view, a, 6)
    H.raises("sliding_window_view: window_shape has 2 entries for an array of 1 dimensions",
      st.sliding_window_view, a, {2, 2})
    H.raises("window_shape cannot contain negative values", st.sliding_window_view, a, -1)
    H.raises("sliding_window_view: axis 2 is out of bounds", st.sliding_window_view, a, 2, 2)
  end)
end)

H.each_device("a:view(dtype)", function()
  it("reads the same bytes as another dtype", function()
    local f = cu.array({1.0, -2.0}, {dtype = "float32"})
    H.same(f:view("int32"), {1065353216, -1073741824})
    H.same(f:view("uint8"), {0, 0, 128, 63, 0, 0, 0, 192})
    H.same(f:view("float64"), {-2.000000473111868})
    assert.is_true(cu.shares_memory(f, f:view("uint8")))
    local x = cu.arange(8, {dtype = "int16"}):reshape(2, 4)
    local v = x:view("int32")
    H.same(v, {{65536, 196610}, {327684, 458758}})
    assert.are.same({2, 1}, v.strides)
    v[{1, 1}] = 0
    H.same(x[1], {0, 0, 2, 3})
    H.same(x[{{}, {3, 4}}]:view("int32"), {{196610}, {458758}})
    H.same(cu.zeros(2):view("int64"), {0, 0})
  end)

  it("follows NumPy's rules for the last axis", function()
    local x = cu.arange(6, {dtype = "int16"})
    H.raises("view: the last axis of 6 bytes (3 x int16) does not divide into int32 items",
      x[{{1, 3}}].view, x[{{1, 3}}], "int32")
    H.raises("view: to change the item size (int16 to int32) the last axis must be contiguous",
      x:reshape(2, 3).T.view, x:reshape(2, 3).T, "int32")
    H.raises("view: the array does not start on a int32 item boundary", x[{{2, 5}}].view,
      x[{{2, 5}}], "int32")
    H.raises("view: a 0-d array of int16 cannot be viewed as int32", x[{{1}}]:reshape({}).view,
      x[{{1}}]:reshape({}), "int32")
    H.raises("view: unknown dtype", x.view, x, "int31")
  end)
end)

H.each_device("shares_memory and may_share_memory", function()
  it("tell exactly whether two arrays have an element's bytes in common", function()
    local a = cu.arange(10)
    assert.is_false(cu.shares_memory(a[{{1, 5}}], a[{{6, 10}}]))
    assert.is_true(cu.shares_memory(a[{{1, 5}}], a[{{5, 10}}]))
    assert.is_false(cu.shares_memory(a[{{1, -1, 2}}], a[{{2, -1, 2}}]))
    assert.is_true(cu.may_share_memory(a[{{1, -1, 2}}], a[{{2, -1, 2}}]))
    assert.is_false(cu.may_share_memory(a[{{1, 5}}], a[{{6, 10}}]))
    assert.is_false(cu.shares_memory(a, a:copy()))
    assert.is_false(cu.shares_memory(a[{{1, 0 + 2, 1}}][{{2, 1}}], a))
    local f = cu.zeros(4, {dtype = "float32"})
    local bytes = f:view("uint8")
    assert.is_false(cu.shares_memory(f[{{2}}], bytes[{{1, 4}}]))
    assert.is_true(cu.shares_memory(f[{{2}}], bytes[{{5}}]))
    assert.is_true(cu.shares_memory(a:reshape(2, 5).T, a[{{7}}]))
    H.raises("shares_memory: expected an array, got number", cu.shares_memory, a, 1)
  end)
end)

H.each_device("a.flags", function()
  it("tells the layout as NumPy's flags of the same names", function()
    local a = cu.zeros({2, 3})
    assert.are.same({c_contiguous = true, f_contiguous = false, writeable = true}, a.flags)
    assert.are.same({c_contiguous = false, f_contiguous = true, writeable = true}, a.T.flags)
    assert.is_false(a:broadcast_to({2, 2, 3}).flags.writeable)
    local one = cu.zeros({1, 3})
    assert.is_true(one.flags.c_contiguous and cu.zeros(3).flags.f_contiguous)
    assert.is_false(a[{{}, {1, -1, 2}}].flags.c_contiguous)
  end)
end)

H.each_device("layouts: order, ascontiguousarray, asfortranarray, copyto", function()
  it("makes arrays in Fortran order", function()
    local f = cu.zeros({2, 3, 4}, {order = "F"})
    assert.are.same({1, 2, 6}, f.strides)
    assert.is_true(f.flags.f_contiguous)
    H.same(cu.full({2, 2}, 7, {order = "F"}), {{7, 7}, {7, 7}})
    assert.are.same({1, 2}, cu.ones({2, 3}, {order = "F"}).strides)
    assert.are.same({1, 2}, cu.empty({2, 3}, {order = "F"}).strides)
    local a = cu.arange(6):reshape(2, 3)
    assert.is_true(cu.zeros_like(a.T).flags.f_contiguous)
    assert.is_true(cu.zeros_like(a.T, {order = "C"}).flags.c_contiguous)
    assert.is_true(cu.full_like(a, 1, {order = "F"}).flags.f_contiguous)
    H.raises('ones: order must be "C" or "F"', cu.ones, {2}, {order = "K"})
  end)

  it("copies only when the layout or dtype asks", function()
    local a = cu.arange(6):reshape(2, 3)
    assert.is_true(rawequal(cu.ascontiguousarray(a), a))
    local c = cu.ascontiguousarray(a.T)
    assert.is_true(c.flags.c_contiguous)
    assert.is_false(cu.shares_memory(c, a))
    H.same(c, {{0, 3}, {1, 4}, {2, 5}})
    assert.are.equal("float32", cu.ascontiguousarray(a, {dtype = "float32"}).dtype)
    assert.are.same({1}, cu.ascontiguousarray(cu.asarray(5)).shape)
    local f = cu.asfortranarray(a)
    assert.are.same({1, 2}, f.strides)
    H.same(f, a:totable())
    local t = a.T
    assert.is_true(rawequal(cu.asfortranarray(t), t))
  end)

  it("copyto broadcasts, masks and checks the cast", function()
    local d = cu.zeros({2, 3})
    cu.copyto(d, cu.arange(3))
    H.same(d, {{0, 1, 2}, {0, 1, 2}})
    cu.copyto(d, 7, {where = cu.arange(6):reshape(2, 3):gt(2)})
    H.same(d, {{0, 1, 2}, {7, 7, 7}})
    local i = cu.zeros(2, {dtype = "int64"})
    H.raises("copyto: cannot cast from float64 to int64 with casting 'same_kind'", cu.copyto, i,
      cu.ones(2))
    H.raises("copyto: cannot cast the float 1.5 to int64", cu.copyto, i, 1.5)
    cu.copyto(i, cu.array({1.5, 2.5}), {casting = "unsafe"})
    H.same(i, {1, 2})
    H.raises("copyto: where must be a bool array, got int64", cu.copyto, i, 1, {where = i})
    H.raises("copyto: cannot broadcast src of shape {3} to dst's shape {2}", cu.copyto, i,
      cu.zeros(3, {dtype = "int64"}))
    H.raises("copyto: dst is read-only", cu.copyto, cu.zeros(1):broadcast_to({2}), 1)
  end)
end)

-- NumPy's ravel is a view of a C-contiguous array and a copy of any other, even where a
-- reshape could view it (a strided or flipped run); flatten always copies.
H.each_device("ravel and flatten", function()
  it("ravel views a C-contiguous array", function()
    local a = cu.arange(6):reshape(2, 3)
    local r = a:ravel()
    r[1] = 77
    H.same(a, {{77, 1, 2}, {3, 4, 5}})
    local one = cu.arange(6):reshape(6, 1)[{{2}}] -- size 1: contiguous whatever its strides
    one:ravel()[1] = 9
    H.same(one, {{9}})
  end)

  it("ravel copies any other layout", function()
    local a = cu.arange(6):reshape(2, 3)
    for _, v in ipairs({a.T, a[{{}, {1, -1, 2}}], cu.flip(a, 2), cu.arange(6)[{{1, -1, 2}}],
                        cu.arange(6)[{{-1, 1, -1}}], a[{{}, {2, 3}}]}) do
      local before = v:totable()
      local r = v:ravel()
      H.same(r, v:flatten():totable())
      r[1] = 99
      H.same(v, before)
    end
    H.same(a.T:ravel(), {0, 3, 1, 4, 2, 5})
  end)

  it("flatten copies", function()
    local a = cu.arange(4)
    local f = a:flatten()
    f[1] = 5
    H.same(a, {0, 1, 2, 3})
  end)
end)
