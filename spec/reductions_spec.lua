-- Reductions and scans: sum, prod, mean, var, std, min, max, argmin, argmax, all, any,
-- cumsum, cumprod. Expected values computed with NumPy 1.24 (positions made 1-based).
local cu = require "cuarray"
local H = require "helper"

local NAN, INF = H.nan, H.inf
local TOL = 1e-12

-- The 3x4 float64 matrix most cases reduce.
local A = {{3, -1, 4, 1.5}, {-5, 9, 2, 6}, {5, 3, -5, 8}}

H.each_device("reductions", function(dev)
  describe("over all elements, one axis, a list of axes", function()
    -- {function, axis, expected, result dtype}; axis "all" stands for nil
    local cases = {
      {"sum", "all", 30.5}, {"sum", 1, {3, 11, 1, 15.5}}, {"sum", 2, {7.5, 12, 11}},
      {"sum", -1, {7.5, 12, 11}}, {"sum", -2, {3, 11, 1, 15.5}}, {"sum", {1, 2}, 30.5},
      {"sum", {-1, 1}, 30.5},
      {"prod", "all", -5832000}, {"prod", 1, {-75, -27, -40, 72}},
      {"prod", 2, {-18, -540, -600}},
      {"mean", "all", 2.5416666666666665},
      {"mean", 1, {1.0, 3.6666666666666665, 0.3333333333333333, 5.166666666666667}},
      {"mean", 2, {1.875, 3.0, 2.75}},
      {"var", "all", 18.310763888888886},
      {"var", 1, {18.666666666666668, 16.88888888888889, 14.888888888888888, 7.388888888888889}},
      {"var", 2, {3.546875, 27.5, 23.1875}},
      {"std", "all", 4.2791078379597876},
      {"std", 1, {4.320493798938574, 4.109609335312651, 3.858612300930075, 2.718251071716682}},
      {"std", {2}, {1.8833148966649205, 5.244044240850758, 4.815340071064556}},
      {"min", "all", -5}, {"min", 1, {-5, -1, -5, 1.5}}, {"min", 2, {-1, -5, -5}},
      {"max", "all", 9}, {"max", 1, {5, 9, 4, 8}}, {"max", 2, {4, 9, 8}},
      {"max", {1, 2}, 9}, {"amax", 2, {4, 9, 8}}, {"amin", "all", -5},
      {"argmin", "all", 5, "int64"}, {"argmin", 1, {2, 1, 3, 1}, "int64"},
      {"argmin", 2, {2, 1, 3}, "int64"},
      {"argmax", "all", 6, "int64"}, {"argmax", 1, {3, 2, 1, 3}, "int64"},
      {"argmax", -1, {3, 2, 4}, "int64"},
    }
    for _, c in ipairs(cases) do
      local name, axis, expected, dtype = c[1], c[2], c[3], c[4] or "float64"
      local label = type(axis) == "table" and "{" .. table.concat(axis, ",") .. "}"
        or tostring(axis)
      it(("%s over %s, as function and method"):format(name, label), function()
        local a = cu.array(A)
        local ax = axis ~= "all" and axis or nil
        -- over all elements the value comes back as a Lua value; {array = true} keeps it
        local opts = axis == "all" and {array = true} or nil
        local r1, r2 = cu[name](a, ax, opts), a[name](a, ax, opts)
        H.same(r1, expected, TOL)
        H.same(r2, expected, TOL)
        assert.are.equal(dtype, r1.dtype)
        assert.are.equal(a.device, r1.device)
        if axis == "all" then
          assert.are.equal(0, r1.ndim)
          local v = cu[name](a)
          assert.are.equal("number", type(v))
          H.same(v, expected, TOL)
          H.same(a[name](a), expected, TOL)
        end
      end)
    end

    it("all and any over axes", function()
      local z = cu.array{{1, 0, 2}, {3, 4, 5}}
      H.same(z:all(), false)
      H.same(z:any(), true)
      H.same(z:all(1), {true, false, true})
      H.same(z:all(2), {false, true})
      H.same(cu.all(z, {1, 2}), false)
      local y = cu.array{{0, 0, 0}, {0, 1, 0}}
      H.same(y:any(1), {false, true, false})
      H.same(y:any(2), {false, true})
      assert.are.equal("bool", y:any(2).dtype)
      -- NaN is true
      H.same(cu.array{0, NAN}:all(), false)
      H.same(cu.array{0, NAN}:any(), true)
      H.same(cu.array{0, 0}:any(), false)
      H.same(cu.array{true, true}:all(), true)
    end)

    it("reduces 3-d arrays over lists of axes in any order", function()
      local b = cu.arange(24.0):reshape(2, 3, 4)
      H.same(b:sum({1, 3}), {60, 92, 124})
      H.same(b:sum({3, 1}, {keepdims = true}), {{{60}, {92}, {124}}})
      H.same(b:mean({-1, 1}), {7.5, 11.5, 15.5})
      H.same(b:max(2), {{8, 9, 10, 11}, {20, 21, 22, 23}})
      H.same(b:sum({}), b:totable()) -- no axes: nothing reduced
    end)
  end)

  describe("keepdims", function()
    it("keeps reduced dims as size 1", function()
      local a = cu.array(A)
      local r = a:sum(nil, {keepdims = true})
      assert.are.same({1, 1}, r.shape)
      H.same(r, {{30.5}})
      H.same(cu.sum(a, 2, {keepdims = true}), {{7.5}, {12}, {11}})
      H.same(a:argmax(1, {keepdims = true}), {{3, 2, 1, 3}})
      H.same(a:argmin(nil, {keepdims = true}), {{5}})
      H.same(a:var(2, {keepdims = true, ddof = 1}),
        {{4.729166666666667}, {36.666666666666664}, {30.916666666666668}}, TOL)
      assert.are.same({1, 4}, a:all(1, {keepdims = true}).shape)
    end)

    it("takes the options table in place of the axis", function()
      local a = cu.array(A)
      H.same(a:sum({keepdims = true}), {{30.5}})
      H.same(cu.max(a, {keepdims = true}), {{9}})
      H.same(cu.sum(a, {keepdims = false}), 30.5)
    end)
  end)

  describe("var and std", function()
    it("take ddof", function()
      local a = cu.array(A)
      H.same(a:var(nil, {ddof = 1}), 19.975378787878785, TOL)
      H.same(a:std(2, {ddof = 1}), {2.174664725116648, 6.0553007081949835, 5.560275772537426},
        TOL)
      H.same(cu.var(a, 1, {ddof = 2}),
        {56.0, 50.666666666666664, 44.666666666666664, 22.166666666666668}, TOL)
    end)

    it("give inf or NaN when ddof reaches the count", function()
      H.same(cu.array{1.0, 2.0}:var(nil, {ddof = 2}), INF)
      H.same(cu.array{1.0, 1.0}:var(nil, {ddof = 2}), NAN)
      H.same(cu.array{1.0, 2.0}:var(nil, {ddof = 3}), INF)
    end)

    -- 3e8 + 32 k (k = 7i mod 13): float32 values one to twelve units of the last place apart.
    -- A sum of squares loses the spread to rounding even in double (pairwise: 14352.4,
    -- in order: 13975.6); NumPy's float32 arithmetic gives 15374.3. Expected: NumPy on the
    -- values as float64, rounded to float32.
    local function large_mean(nan_first)
      local t = {}
      for i = 0, 999 do t[i + 1] = 3e8 + 32 * ((i * 7) % 13) end
      if nan_first then t[1] = NAN end
      return cu.array(t, {dtype = "float32"}):reshape(20, 50)
    end

    it("of float32 with a large mean and a small spread keep the spread", function()
      local a = large_mean()
      H.same(a:var(), 14350.3359375, 1e-7)
      H.same(a:std(nil, {ddof = 1}), 119.85282933957255, 1e-7)
      H.same(a:var(2), {14157.4140625, 14370.40625, 14498.201171875, 14540.7998046875,
        14498.201171875, 14370.40625, 14157.4140625, 14141.4404296875, 14311.833984375,
        14397.0302734375, 14397.0302734375, 14311.833984375, 14141.4404296875, 14157.4140625,
        14370.40625, 14498.201171875, 14540.7998046875, 14498.201171875, 14370.40625,
        14157.4140625}, 1e-7)
      local c = {126.67737579345703, 110.89985656738281, 133.14906311035156, 107.53192901611328,
        136.26969909667969, 106.38559722900391, 136.26969909667969, 107.53192901611328,
        133.14906311035156, 110.89985656738281, 126.67737579345703, 116.29653930664062,
        116.29653930664062}
      local expected = {}
      for j = 1, 50 do expected[j] = c[(j - 1) % 13 + 1] end
      H.same(a:std(1, {ddof = 1}), expected, 1e-7)
      -- the first element, NaN, is no shift for the others
      local b = large_mean(true)
      H.same(b:nanvar(), 14327.7626953125, 1e-7)
      H.same(b:nanvar(2)[{{1, 3}}], {13709.0615234375, 14370.40625, 14498.201171875}, 1e-7)
    end)

    -- Shapes that take each of the GPU's plans: a few long rows (a block each, split, with a
    -- second pass), many short rows (a warp each), one long run, columns; expected values
    -- from two passes in Lua over float32 values 1000 + (7i mod 13) / 4 with a NaN here and
    -- there for nanvar, and the last maximum placed in each row for argmax.
    it("agree with two passes in Lua on long rows, many rows and columns", function()
      for _, shape in ipairs({{4, 70000}, {600, 700}, {1, 120000}, {2000, 40}}) do
        local m, n = shape[1], shape[2]
        local t = {}
        for i = 0, m * n - 1 do t[i + 1] = 1000 + ((i * 7) % 13) / 4 end
        for r = 0, m - 1 do t[r * n + (r * 31) % n + 1] = 1004 end
        local a = cu.array(t, {dtype = "float32"}):reshape(m, n)
        local function stats(first, step, count, skip)
          local s, k = 0, 0
          for j = 0, count - 1 do
            local v = t[first + j * step]
            if not (skip and j % 17 == 3) then s, k = s + v, k + 1 end
          end
          local mean, m2 = s / k, 0
          for j = 0, count - 1 do
            local v = t[first + j * step]
            if not (skip and j % 17 == 3) then m2 = m2 + (v - mean) ^ 2 end
          end
          return m2 / k
        end
        local var_rows, std_rows, best = {}, {}, {}
        for r = 0, m - 1 do
          var_rows[r + 1] = stats(r * n + 1, 1, n)
          std_rows[r + 1] = math.sqrt(var_rows[r + 1])
          best[r + 1] = (r * 31) % n + 1
        end
        H.same(a:var(2), var_rows, 1e-6)
        H.same(a:std(2), std_rows, 1e-6)
        H.same(a:argmax(2), best)
        local var_cols = {}
        for c = 0, n - 1 do var_cols[c + 1] = stats(c + 1, n, m) end
        H.same(a:var(1), var_cols, 1e-6)
        -- NaN at positions j % 17 == 3 of every row
        local holes = {}
        for i = 0, m * n - 1 do holes[i + 1] = (i % n) % 17 == 3 and NAN or t[i + 1] end
        local b = cu.array(holes, {dtype = "float32"}):reshape(m, n)
        local nanvar_rows = {}
        for r = 0, m - 1 do nanvar_rows[r + 1] = stats(r * n + 1, 1, n, true) end
        H.same(b:nanvar(2), nanvar_rows, 1e-6)
      end
    end)

    it("of integers are float64", function()
      local r = cu.array({1, 2, 3, 4}, {dtype = "int8"}):var({array = true})
      assert.are.equal("float64", r.dtype)
      H.same(r, 1.25)
      H.same(cu.array({1, 2, 3, 4}, {dtype = "int32"}):std(), math.sqrt(1.25), TOL)
    end)
  end)

  describe("dtypes", function()
    it("sum and prod of integers and bool accumulate in int64", function()
      local r = cu.array({100, 100}, {dtype = "int8"}):sum({array = true})
      assert.are.equal("int64", r.dtype)
      H.same(r, 200)
      H.same(cu.array({100, 100}, {dtype = "int8"}):prod(), 10000)
      H.same(cu.array({200, 200}, {dtype = "uint8"}):sum(), 400)
      H.same(cu.array({30000, 30000}, {dtype = "int16"}):sum(), 60000)
      local b = cu.array{true, false, true}
      assert.are.equal("int64", b:sum({array = true}).dtype)
      H.same(b:sum(), 2)
      H.same(cu.array({{1, 2}, {3, 4}}, {dtype = "int32"}):sum(1), {4, 6})
      assert.are.equal("int64", cu.array({1}, {dtype = "int32"}):sum(1).dtype)
    end)

    it("float sums keep their dtype", function()
      local keep = {array = true}
      assert.are.equal("float32", cu.array({1, 2}, {dtype = "float32"}):sum(keep).dtype)
      assert.are.equal("float16", cu.array({1, 2}, {dtype = "float16"}):sum(keep).dtype)
      assert.are.equal("float32", cu.array({1, 2}, {dtype = "float32"}):mean(keep).dtype)
      H.same(cu.array({1, 2, 3}, {dtype = "float16"}):sum(), 6)
    end)

    it("mean of integers is float64", function()
      local r = cu.array({1, 2, 4}, {dtype = "int32"}):mean({array = true})
      assert.are.equal("float64", r.dtype)
      H.same(r, 2.3333333333333335, TOL)
      assert.are.equal("float64", cu.array{true, false}:mean({array = true}).dtype)
    end)

    it("takes a dtype option for sum, prod, mean, var, std", function()
      local a = cu.array({100, 100, 100}, {dtype = "int8"})
      local r = a:sum(nil, {dtype = "float32", array = true})
      assert.are.equal("float32", r.dtype)
      H.same(r, 300)
      local w = a:sum(nil, {dtype = "int8", array = true}) -- wraps as NumPy's does
      assert.are.equal("int8", w.dtype)
      H.same(w, 44)
      H.same(a:sum(nil, {dtype = "int8"}), 44)
      assert.are.equal("float32", a:mean(nil, {dtype = "float32", array = true}).dtype)
      assert.are.equal("float32", a:prod(nil, {dtype = "float32", array = true}).dtype)
      assert.are.equal("float32", a:var(nil, {dtype = "float32", array = true}).dtype)
      H.same(a:prod(nil, {dtype = "float64"}), 1e6)
    end)

    it("convert each element to the requested dtype before adding it", function()
      -- NumPy: each float16 element is cast (truncated) to the integer dtype, then summed
      local a = cu.array({{1.7, -2.9, 3.5, -0.6}, {2.5, 100.9, -3.5, 7.99},
        {-1.2, 0.4, 127.6, -128.7}}, {dtype = "float16"})
      local t = a.T
      for _, dt in ipairs({"int32", "int8"}) do
        local r = t:sum(nil, {dtype = dt, array = true})
        assert.are.equal(dt, r.dtype)
        H.same(r, 106)
        H.same(t:sum(1, {dtype = dt}), {2, 106, -2})
        H.same(t:sum(2, {dtype = dt}), {2, 98, 127, -121})
      end
      H.same(t:prod(2, {dtype = "int32"}), {-2, 0, -1143, 0})
      H.same(t:prod(1, {dtype = "int8"}), {0, -104, 0}) -- wraps as NumPy's int8 does
      H.same(t:sum(nil, {dtype = "float16"}), 107.625)
      H.same(t:sum(2, {dtype = "float16"}), {3.0, 98.375, 127.625, -121.375})
      H.same(t:sum(1, {dtype = "float64"}), {1.69970703125, 107.86328125, -1.92529296875})
      local b = cu.array({{1.7, -2.9, 3.5}}, {dtype = "float16"}).T
      H.same(b:sum(nil, {dtype = "int32"}), 2)
      H.same(b:sum(nil, {dtype = "int8"}), 2)
      H.same(b:sum(nil, {dtype = "float16"}), 2.30078125)
      H.same(cu.array({0.9, 0.9, -0.9}):sum(nil, {dtype = "int64"}), 0)
    end)

    it("min, max keep the dtype; argmin/argmax are int64; all/any bool", function()
      local a = cu.array({3, 1, 2}, {dtype = "int16"})
      local keep = {array = true}
      assert.are.equal("int16", a:max(keep).dtype)
      H.same(a:max(), 3)
      H.same(a:min(), 1)
      assert.are.equal("int64", a:argmax(keep).dtype)
      assert.are.equal("bool", a:all(keep).dtype)
      local b = cu.array{true, false}
      assert.are.equal("bool", b:max(keep).dtype)
      H.same(b:max(), true)
      H.same(b:min(), false)
    end)
  end)

  describe("NaN", function()
    local X = {{1, NAN, 3}, {4, 5, 6}}
    it("propagates through sums, means, var and min/max", function()
      local x = cu.array(X)
      H.same(x:sum(2), {NAN, 15})
      H.same(x:sum(), NAN)
      H.same(x:max(1), {4, NAN, 6})
      H.same(x:min(1), {1, NAN, 3})
      H.same(x:max(), NAN)
      H.same(x:mean(2), {NAN, 5})
      H.same(x:var(1), {2.25, NAN, 2.25})
      H.same(x:cumsum(2), {{1, NAN, NAN}, {4, 9, 15}})
    end)

    it("infinities sum to infinities, opposite ones to NaN", function()
      H.same(cu.array{1.5, INF}:sum(), INF)
      H.same(cu.array{{1.5, -INF, 2}}:sum(2), {-INF})
      H.same(cu.array{1.5, -INF}:mean(), -INF)
      H.same(cu.array{INF, -INF}:sum(), NAN)
      H.same(cu.array{INF, 1}:cumsum(), {INF, INF})
    end)

    it("wins argmin/argmax (the first NaN)", function()
      local x = cu.array(X)
      H.same(x:argmax(), 2)
      H.same(x:argmin(2), {2, 1})
      H.same(cu.array{1, NAN, NAN, 0}:argmin(), 2)
    end)
  end)

  describe("argmin and argmax", function()
    it("give the first of ties, 1-based", function()
      local t = cu.array{{1, 3, 3}, {3, 1, 3}}
      H.same(t:argmax(), 2)
      H.same(t:argmax(1), {2, 1, 1})
      H.same(t:argmax(2), {2, 1})
      H.same(t:argmin(1), {1, 2, 1})
      H.same(cu.array{7, 7, 7}:argmin(), 1)
    end)

    -- The CPU finds the winner's value, then its first position sixteen elements a step: ties
    -- in one block, across blocks and in the tail, in float32 and float64, after a skipped NaN.
    it("give the first of ties at any place of a long row", function()
      for _, dt in ipairs({"float32", "float64"}) do
        for _, n in ipairs({15, 16, 17, 33, 100}) do
          for _, at in ipairs({{1}, {16, 17}, {n}, {n - 1, n}, {3, 40}}) do
            local t = {}
            for i = 1, n do t[i] = (i * 7) % 11 end
            local first = nil
            for _, p in ipairs(at) do
              if p >= 1 and p <= n then
                t[p] = 20
                first = first and math.min(first, p) or p
              end
            end
            if first then
              local a = cu.array(t, {dtype = dt})
              H.same(a:argmax(), first)
              H.same((-a):argmin(), first)
              H.same(cu.stack({a, a}):argmax(2), {first, first})
              t[1] = NAN
              local want = 2
              for i = 3, n do if t[i] > t[want] then want = i end end
              H.same(cu.nanargmax(cu.array(t, {dtype = dt})), want)
            end
          end
        end
      end
    end)

    it("count positions in the C order of a view", function()
      local a = cu.array(A)
      H.same(a.T:argmax(), 5)              -- a.T flattened: 3,-5,5,-1,9,...
      H.same(a.T:argmin(2), {2, 1, 3, 1})
      H.same(a:flip(1):argmax(), 6)
      H.same(cu.argmax(a:flip(2), 2), {2, 3, 1})
    end)

    it("of a 0-d array is 1", function()
      H.same(cu.array(5):argmax(), 1)
      H.same(cu.array(5):argmin(), 1)
    end)

    it("take one axis only", function()
      H.raises("argmax: axis must be a single integer or nil", cu.argmax, cu.array(A), {1, 2})
      H.raises("argmin: axis must be a single integer or nil", cu.argmin, cu.array(A), {1})
    end)
  end)

  describe("non-contiguous views", function()
    it("transposed", function()
      local a = cu.array(A)
      H.same(a.T:sum(1), {7.5, 12, 11})
      H.same(a.T:var(1, {ddof = 1}), {4.729166666666667, 36.666666666666664, 30.916666666666668},
        TOL)
      local b = cu.arange(24.0):reshape(2, 3, 4)
      H.same(b:transpose(3, 1, 2):sum({2, 3}), {60, 66, 72, 78})
      H.same(b:transpose(3, 1, 2):argmax(3), {{3, 3}, {3, 3}, {3, 3}, {3, 3}})
      local s = 6.831300510639732
      H.same(b:transpose(2, 3, 1):std({1, 3}), {s, s, s, s}, TOL)
    end)

    it("flipped (negative strides)", function()
      local a = cu.array(A)
      H.same(a:flip():sum(1), {15.5, 1, 11, 3})
      H.same(a:flip(2):cumsum(2), {{1.5, 5.5, 4.5, 7.5}, {6, 8, 17, 12}, {8, 3, 6, 11}})
      H.same(a:flip():cumsum(),
        {8, 3, 6, 11, 17, 19, 28, 23, 24.5, 28.5, 27.5, 30.5})
    end)

    it("broadcast (zero strides)", function()
      H.same(cu.array{1, 2, 3}:broadcast_to{4, 3}:sum(1), {4, 8, 12})
      H.same(cu.array{{1}, {2}}:broadcast_to{2, 5}:sum(2), {5, 10})
      H.same(cu.array{1, 2, 3}:broadcast_to{4, 3}:cumsum(1), {{1, 2, 3}, {2, 4, 6}, {3, 6, 9},
        {4, 8, 12}})
    end)

    it("size-1 dims", function()
      local s = cu.arange(6.0):reshape(1, 6, 1)
      H.same(s:sum(2), {{15}})
      H.same(s:sum({1, 3}), {0, 1, 2, 3, 4, 5})
      H.same(s:argmax(2), {{6}})
      H.same(s:cumsum(1), {{{0}, {1}, {2}, {3}, {4}, {5}}})
    end)
  end)

  describe("empty arrays", function()
    it("sum, prod, all, any give their identities; mean gives NaN", function()
      local e = cu.zeros{0}
      H.same(e:sum(), 0)
      H.same(e:prod(), 1)
      H.same(e:all(), true)
      H.same(e:any(), false)
      H.same(e:mean(), NAN)
      local e2 = cu.zeros{0, 3}
      H.same(e2:sum(1), {0, 0, 0})
      H.same(e2:prod(1), {1, 1, 1})
      assert.are.same({0}, e2:sum(2).shape)
      assert.are.same({0}, e2:max(2).shape) -- the reduced axis is not empty
      assert.are.same({0}, e2:argmax(2).shape)
      assert.are.same({0, 1}, e2:max(2, {keepdims = true}).shape)
    end)

    it("min, max, argmin, argmax raise", function()
      local e = cu.zeros{0}
      H.raises("max: zero-size array to reduction operation max which has no identity", e.max, e)
      H.raises("min: zero-size array to reduction operation min which has no identity", cu.min, e)
      H.raises("argmax: zero-size array to reduction operation argmax", cu.argmax, e)
      H.raises("argmin: zero-size array to reduction operation argmin", cu.argmin, e)
      H.raises("max: zero-size array", cu.max, cu.zeros{0, 3}, 1)
      H.raises("max: zero-size array", cu.max, cu.zeros{0, 0}, 1)
      H.raises("amax: zero-size array to reduction operation max", cu.amax, e)
    end)

    it("scans of empty arrays are empty", function()
      assert.are.same({0}, cu.zeros{0}:cumsum().shape)
      assert.are.same({0}, cu.zeros{2, 0}:cumsum().shape)
      assert.are.same({2, 0}, cu.zeros{2, 0}:cumprod(2).shape)
      assert.are.same({0, 3}, cu.zeros{0, 3}:cumsum(2).shape)
    end)
  end)

  describe("results over all elements", function()
    it("are Lua values: numbers, booleans, 1-based positions", function()
      local a = cu.array(A)
      assert.are.equal(30.5, a:sum())
      assert.are.equal(6, a:argmax())
      assert.are.equal(5, cu.argmin(a))
      assert.are.equal(false, cu.array{0, 1}:all())
      assert.are.equal(true, cu.array{0, 1}:any())
      assert.are.equal(9, a:max())
      assert.are.equal("number", type(a:mean()))
    end)

    it("do what a Lua user means in conditions, comparisons and the math library", function()
      local taken = false
      if cu.zeros(3):any() then taken = true end
      assert.is_false(taken)
      assert.is_true(cu.zeros(3):sum() == 0)
      local r = cu.array({0.25, 0.75})
      assert.is_true(r:max() > 0.5)
      assert.are.equal(2, math.sqrt(cu.array({1, 3}):sum()))
      assert.are.equal("0.500", ("%.3f"):format(r:mean()))
      local n = 0
      for _ = 1, cu.array({1, 4, 2}):max() do n = n + 1 end
      assert.are.equal(4, n)
    end)

    it("stay 0-d arrays on the device with {array = true}, keepdims, an axis or out", function()
      local a = cu.array(A)
      local r = a:sum({array = true})
      assert.is_true(cu.is_array(r))
      assert.are.equal(0, r.ndim)
      assert.are.equal(a.device, r.device)
      assert.are.equal(30.5, r:item())
      assert.are.equal(6, a:argmax(nil, {array = true}):item())
      assert.is_true(cu.is_array(a:sum({keepdims = true})))
      assert.is_true(cu.is_array(a:sum({1, 2})))
      assert.is_true(cu.is_array(cu.array({1, 2}):sum(1)))
      local o = cu.zeros({})
      assert.are.equal(o, a:sum(nil, {out = o}))
      H.same(o, 30.5)
      H.same(a:sum({array = false}), 30.5)
      assert.is_true(cu.is_array(cu.cumsum(a)))
      H.raises("sum: unknown option 'arrray'", function() return a:sum({arrray = true}) end)
    end)

    it("give int64 values exactly, as indexing does", function()
      local big = cu.array({2 ^ 62, 3}, {dtype = "int64"})
      local s = big:sum()
      assert.is_true(s == big:sum({array = true}):item())
      assert.is_true(s == (big[1] + 3))
      assert.are.equal(type(big[1]), type(s))
      H.same(cu.array({5, 6}):sum(), 11)
      assert.are.equal("number", type(cu.array({5, 6}):sum()))
    end)

    it("reduce 0-d arrays", function()
      local z = cu.array(5)
      H.same(z:sum(), 5)
      H.same(z:mean(), 5)
      H.same(z:cumsum(), {5})
      H.raises("sum: axis 1 is out of bounds for an array of dimension 0", z.sum, z, 1)
    end)
  end)

  describe("cumsum and cumprod", function()
    it("flatten in C order without an axis", function()
      local a = cu.array(A)
      H.same(a:cumsum(), {3, 2, 6, 7.5, 2.5, 11.5, 13.5, 19.5, 24.5, 27.5, 22.5, 30.5})
      H.same(cu.cumsum(a.T), {3, -2, 3, 2, 11, 14, 18, 20, 15, 16.5, 22.5, 30.5})
      H.same(cu.array{{1, 2}, {3, 4}}:cumprod(), {1, 2, 6, 24})
    end)

    it("keep the shape along an axis", function()
      local a = cu.array(A)
      H.same(a:cumsum(1), {{3, -1, 4, 1.5}, {-2, 8, 6, 7.5}, {3, 11, 1, 15.5}})
      H.same(a:cumprod(2), {{3, -3, -12, -18}, {-5, -45, -90, -540}, {5, 15, -75, -600}})
      H.same(a:cumprod(-1), {{3, -3, -12, -18}, {-5, -45, -90, -540}, {5, 15, -75, -600}})
      local b = cu.arange(8):reshape(2, 2, 2)
      H.same(b:cumsum(2), {{{0, 1}, {2, 4}}, {{4, 5}, {10, 12}}})
      H.same(b:cumsum(3), {{{0, 1}, {2, 5}}, {{4, 9}, {6, 13}}})
    end)

    it("accumulate integers and bool in int64", function()
      local r = cu.array({100, 100, 100}, {dtype = "int8"}):cumsum()
      assert.are.equal("int64", r.dtype)
      H.same(r, {100, 200, 300})
      local b = cu.array{true, false, true}:cumsum()
      assert.are.equal("int64", b.dtype)
      H.same(b, {1, 1, 2})
      H.same(cu.array({100, 100, 100}, {dtype = "int8"}):cumsum(nil, {dtype = "int8"}),
        {100, -56, 44})
      assert.are.equal("float32", cu.array({1, 2}, {dtype = "float32"}):cumsum().dtype)
      assert.are.equal("float64", cu.array({1, 2}, {dtype = "int32"}):cumsum(nil,
        {dtype = "float64"}).dtype)
    end)
  end)

  describe("out", function()
    it("writes into a given array and returns it", function()
      local a = cu.array(A)
      local o = cu.zeros{4}
      local r = cu.sum(a, 1, {out = o})
      assert.are.equal(o, r)
      H.same(o, {3, 11, 1, 15.5})
      local o2 = cu.zeros({3}, {dtype = "int64"})
      a:argmax(2, {out = o2})
      H.same(o2, {3, 2, 4})
      local c = cu.zeros{3, 4}
      a:cumsum(1, {out = c})
      H.same(c, {{3, -1, 4, 1.5}, {-2, 8, 6, 7.5}, {3, 11, 1, 15.5}})
    end)

    it("into a strided view", function()
      local b = cu.arange(24.0):reshape(3, 2, 4)
      local o = cu.zeros{4, 2}
      cu.sum(b, 1, {out = o.T})
      H.same(o, {{24, 36}, {27, 39}, {30, 42}, {33, 45}})
      local m = cu.zeros{2, 3}
      b:argmax(3, {out = m.T})
      H.same(m, {{4, 4, 4}, {4, 4, 4}})
    end)

    it("that shares the input's memory", function()
      local a = cu.array{{1, 2, 3}, {4, 5, 6}}
      cu.cumsum(a, 2, {out = a})
      H.same(a, {{1, 3, 6}, {4, 9, 15}})
      local b = cu.array{{1, 2}, {3, 4}}
      cu.sum(b, 1, {out = b[1]})
      H.same(b, {{4, 6}, {3, 4}})
      local c = cu.array{5, 1, 7}
      c:cumprod(nil, {out = c})
      H.same(c, {5, 5, 35})
    end)

    -- NumPy copies the first element of each slice into out (converting it), then folds in
    -- the others in the promotion of out's and the input's dtypes (values checked with NumPy)
    it("of another dtype: min and max convert each slice's first element", function()
      local function into(f, t, dt, odt, axis, oshape)
        local o = cu.zeros(oshape or {}, {dtype = odt})
        cu[f](cu.array(t, {dtype = dt}), axis, {out = o})
        return o
      end
      local m = {{300, 50}, {-200, 7}}
      H.same(into("min", {300, 50}, "int32", "int8"), 44)
      H.same(into("amin", {300, 50}, "int32", "int8"), 44)
      H.same(into("min", m, "int32", "int8", 1, {2}), {56, 7})
      H.same(into("max", m, "int32", "int8", 2, {2}), {50, 56})
      H.same(into("min", {{300, -200}, {50, 7}}, "int32", "int8"), 56)
      H.same(into("min", {{{300, -200}, {50, 7}}, {{1, 2}, {3, 4}}}, "int32", "int8", {1, 3},
                  {2}), {56, 3})
      H.same(into("max", {2 ^ 32 + 5, 50}, "int64", "int32"), 50)
      H.same(into("min", {200, 50}, "uint8", "int8"), -56)
      H.same(into("nanmin", {300, 50}, "int32", "int8"), 44)
      H.same(into("max", {70000, -70000}, "float32", "float16"), math.huge)
      -- sums start from the identity and accumulate in the promotion
      H.same(into("sum", {300, 50}, "int32", "int8"), 94)
      H.same(into("sum", {70000, -70000}, "float32", "float16"), 0)
      H.same(into("prod", {300, 300}, "int32", "int16"), 24464)
      local a = cu.array(m, {dtype = "int32"})
      H.same(a, m) -- the input is left alone
    end)

    it("checks shape, dtype and device", function()
      local a = cu.array(A)
      H.raises("sum: out has shape (3,) but the result has shape (4,)", cu.sum, a, 1,
        {out = cu.zeros{3}})
      H.raises("mean: cannot cast the float64 result to out's dtype int64", cu.mean, a, 1,
        {out = cu.zeros({4}, {dtype = "int64"})})
      H.raises("sum: option 'out' must be an array, got number", cu.sum, a, 1, {out = 3})
    end)
  end)

  describe("errors", function()
    it("name the function and what was wrong", function()
      local a = cu.array(A)
      H.raises("sum: axis 3 is out of bounds for an array of dimension 2", a.sum, a, 3)
      H.raises("mean: axis -3 is out of bounds for an array of dimension 2", cu.mean, a, -3)
      H.raises("sum: repeated axis 1 in the list of axes", cu.sum, a, {1, -2})
      H.raises("sum: axis must be an integer", cu.sum, a, 1.5)
      H.raises("sum: axis must be an integer, a list of integers or nil, got string",
        cu.sum, a, "x")
      H.raises("cumsum: axis must be an integer or nil, got table", cu.cumsum, a, {1})
      H.raises("cumsum: axis 3 is out of bounds", cu.cumsum, a, 3)
      H.raises("sum: unknown option 'keepdim'", cu.sum, a, 1, {keepdim = true})
      H.raises("max: unknown option 'dtype'", cu.max, a, 1, {dtype = "float32"})
      H.raises("cumsum: unknown option 'keepdims'", cu.cumsum, a, 1, {keepdims = true})
      H.raises("mean: unknown option 'ddof'", cu.mean, a, nil, {ddof = 1})
      H.raises("var: ddof must be a number, got string", cu.var, a, nil, {ddof = "1"})
      H.raises("unknown dtype 'float128'", cu.sum, a, nil, {dtype = "float128"})
      H.raises("sum: expected an array, got table", cu.sum, {1, 2})
      H.raises("prod: expected an array, got no value", cu.prod)
      H.raises("sum: options must be a table, got number", cu.sum, a, 1, 2)
      local f = cu.array{1, 2}
      f:free()
      H.raises("sum: the array has been freed", cu.sum, f)
    end)
  end)

  if dev == "cuda" then
    it("gives the CPU's answers on random data", function()
      cu.random.seed(7)
      for _, shape in ipairs{{1000}, {37, 53}, {5, 6, 7}, {3, 1, 4000}} do
        local g = cu.random.random(shape)
        local c = g:to("cpu")
        for _, name in ipairs{"sum", "mean", "var", "std", "min", "max", "argmin", "argmax"} do
          H.same(g[name](g), c[name](c), 1e-9)
          H.same(g[name](g, -1), c[name](c, -1):totable(), 1e-9)
        end
        H.same(g:sum(1), c:sum(1):totable(), 1e-9)
        H.same(g:cumsum(), c:cumsum():totable(), 1e-9)
        H.same(g:cumsum(-1), c:cumsum(-1):totable(), 1e-9)
      end
    end)
  end
end)

-- The CPU's column folds of float32 read several rows a pass; each column's values must still
-- be combined in row order (the reference order: the first row, then each next one in double).
describe("CPU column sums of float32", function()
  it("add each column's values in row order, in double", function()
    for _, rows in ipairs({2, 5, 39}) do
      -- magnitudes from 1e-20 to 1e20, so that sums in double round and the order shows
      local u = cu.random.random({rows, 1030}, {dtype = "float64", device = "cpu"})
      local e = cu.random.random({rows, 1030}, {dtype = "float64", device = "cpu"}) * 40 - 20
      local x = ((u - 0.5) * cu.power(10, e)):astype("float32")
      local t = x:totable()
      local s = cu.sum(x, 1, {dtype = "float64"}):totable()
      for j = 1, 1030 do
        local acc = t[1][j]
        for i = 2, rows do acc = acc + t[i][j] end
        assert.are.equal(acc, s[j], ("rows %d, column %d"):format(rows, j))
      end
    end
  end)
end)
