-- The reductions that skip NaN (nansum, nanprod, nanmin, nanmax, nanmean, nanvar, nanstd,
-- nanargmin, nanargmax), count_nonzero and ptp. Expected values computed with NumPy 1.24
-- (positions made 1-based).
local cu = require "cuarray"
local H = require "helper"

local NAN, INF = H.nan, H.inf
local TOL = 1e-12

-- A row of NaNs, and NaNs in every column.
local X = {{1.5, NAN, -2, 4}, {NAN, NAN, NAN, NAN}, {3, -1, NAN, 0.5}}
local A = {{3, -1, 4, 1.5}, {-5, 9, 2, 6}, {5, 3, -5, 8}}

H.each_device("nan-reductions, count_nonzero, ptp", function(dev)
  describe("over all elements, one axis, a list of axes", function()
    -- {function, axis, expected, result dtype}; axis "all" stands for nil
    local cases = {
      {"nansum", "all", 6}, {"nansum", 1, {4.5, -1, -2, 4.5}}, {"nansum", 2, {3.5, 0, 2.5}},
      {"nansum", -1, {3.5, 0, 2.5}}, {"nansum", {1, 2}, 6},
      {"nanprod", "all", 18}, {"nanprod", 1, {4.5, -1, -2, 2}}, {"nanprod", 2, {-12, 1, -1.5}},
      {"nanprod", {1, 2}, 18},
      {"nanmin", "all", -2}, {"nanmin", 1, {1.5, -1, -2, 0.5}}, {"nanmin", 2, {-2, NAN, -1}},
      {"nanmin", {1, 2}, -2},
      {"nanmax", "all", 4}, {"nanmax", 1, {3, -1, -2, 4}}, {"nanmax", -1, {4, NAN, 3}},
      {"nanmax", {1, 2}, 4},
      {"nanmean", "all", 1}, {"nanmean", 1, {2.25, -1, -2, 2.25}},
      {"nanmean", 2, {1.1666666666666667, NAN, 0.8333333333333334}},
      {"nanvar", "all", 4.416666666666667}, {"nanvar", 1, {0.5625, 0, 0, 3.0625}},
      {"nanvar", 2, {6.055555555555556, NAN, 2.722222222222222}},
      {"nanvar", {1, 2}, 4.416666666666667},
      {"nanstd", "all", 2.101586702153082}, {"nanstd", 1, {0.75, 0, 0, 1.75}},
      {"nanstd", -1, {2.4608038433722337, NAN, 1.6499158227686108}},
      {"nanargmin", "all", 3, "int64"}, {"nanargmin", 1, {1, 3, 1, 3}, "int64"},
      {"nanargmax", "all", 4, "int64"}, {"nanargmax", 1, {3, 3, 1, 1}, "int64"},
      {"count_nonzero", "all", 12, "int64"}, {"count_nonzero", 1, {3, 3, 3, 3}, "int64"},
      {"count_nonzero", 2, {4, 4, 4}, "int64"}, {"count_nonzero", {1, 2}, 12, "int64"},
      {"ptp", "all", NAN}, {"ptp", 1, {NAN, NAN, NAN, NAN}}, {"ptp", 2, {NAN, NAN, NAN}},
    }
    for _, c in ipairs(cases) do
      local name, axis, expected, dtype = c[1], c[2], c[3], c[4] or "float64"
      local label = type(axis) == "table" and "{" .. table.concat(axis, ",") .. "}"
        or tostring(axis)
      it(("%s over %s, as function and method"):format(name, label), function()
        local x = cu.array(X)
        local ax = axis ~= "all" and axis or nil
        local r1, r2 = cu[name](x, ax), x[name](x, ax)
        H.same(r1, expected, TOL)
        H.same(r2, expected, TOL)
        local r = cu[name](x, ax, {array = true}) -- over all elements: a Lua value, unless
        assert.are.equal(dtype, r.dtype)
        assert.are.equal(x.device, r.device)
      end)
    end

    it("ptp of numbers", function()
      local a = cu.array(A)
      H.same(a:ptp(), 14)
      H.same(a:ptp(1), {10, 10, 9, 6.5})
      H.same(cu.ptp(a, 2), {5, 14, 13})
      H.same(cu.ptp(a, -1, {keepdims = true}), {{5}, {14}, {13}})
      local h = cu.array({1.7, -2.9, 3.5}, {dtype = "float16"}):ptp({array = true})
      assert.are.equal("float16", h.dtype)
      H.same(h, 6.3984375)
    end)

    it("ptp wraps in the integer dtype, as NumPy's max - min", function()
      local r = cu.array({-128, 127, 0}, {dtype = "int8"}):ptp({array = true})
      assert.are.equal("int8", r.dtype)
      H.same(r, -1)
      H.same(cu.array({{100, -100}, {-100, 100}}, {dtype = "int8"}):ptp(1), {-56, -56})
    end)

    it("count_nonzero: NaN counts, -0 does not", function()
      local c = cu.array{{0, 1.5, -0.0}, {NAN, 0, 2}}
      H.same(c:count_nonzero(), 3)
      H.same(cu.count_nonzero(c, 1), {1, 1, 1})
      H.same(cu.count_nonzero(c, 2), {1, 2})
      H.same(cu.count_nonzero(c, 2, {keepdims = true}), {{1}, {2}})
      H.same(cu.array{true, false, true}:count_nonzero(), 2)
      assert.are.equal("int64", cu.array({1, 0}, {dtype = "int8"}):count_nonzero({array = true}).dtype)
    end)
  end)

  describe("dtypes", function()
    local D = {
      bool = {{true, false, true}, {false, true, true}},
      int8 = {{3, -1, 4}, {0, 9, -2}},
      uint8 = {{3, 1, 4}, {0, 9, 2}},
      int16 = {{3, -1, 4}, {0, 9, -2}},
      int32 = {{3, -1, 4}, {0, 9, -2}},
      int64 = {{3, -1, 4}, {0, 9, -2}},
      float16 = {{3.5, NAN, -2.25}, {NAN, 9, 0.5}},
      float32 = {{3.5, NAN, -2.25}, {NAN, 9, 0.5}},
      float64 = {{3.5, NAN, -2.25}, {NAN, 9, 0.5}},
    }
    -- {function, input dtype, over all, over axis 2, result dtype}. NumPy sums uint8 into
    -- uint64, which cuarray has not: like its sum, cuarray's nansum and nanprod give int64.
    local cases = {
      {"nansum", "bool", 4, {2, 2}, "int64"},
      {"nansum", "int8", 13, {6, 7}, "int64"},
      {"nansum", "uint8", 19, {8, 11}, "uint64"},
      {"nansum", "int16", 13, {6, 7}, "int64"},
      {"nansum", "int32", 13, {6, 7}, "int64"},
      {"nansum", "int64", 13, {6, 7}, "int64"},
      {"nansum", "float16", 10.75, {1.25, 9.5}, "float16"},
      {"nansum", "float32", 10.75, {1.25, 9.5}, "float32"},
      {"nansum", "float64", 10.75, {1.25, 9.5}, "float64"},
      {"nanprod", "bool", 0, {0, 0}, "int64"},
      {"nanprod", "int8", 0, {-12, 0}, "int64"},
      {"nanprod", "uint8", 0, {12, 0}, "uint64"},
      {"nanprod", "int32", 0, {-12, 0}, "int64"},
      {"nanprod", "float16", -35.4375, {-7.875, 4.5}, "float16"},
      {"nanprod", "float32", -35.4375, {-7.875, 4.5}, "float32"},
      {"nanprod", "float64", -35.4375, {-7.875, 4.5}, "float64"},
      {"nanmin", "bool", false, {false, false}, "bool"},
      {"nanmin", "int8", -2, {-1, -2}, "int8"},
      {"nanmin", "uint8", 0, {1, 0}, "uint8"},
      {"nanmin", "int16", -2, {-1, -2}, "int16"},
      {"nanmin", "int64", -2, {-1, -2}, "int64"},
      {"nanmin", "float16", -2.25, {-2.25, 0.5}, "float16"},
      {"nanmin", "float32", -2.25, {-2.25, 0.5}, "float32"},
      {"nanmin", "float64", -2.25, {-2.25, 0.5}, "float64"},
      {"nanmax", "bool", true, {true, true}, "bool"},
      {"nanmax", "int8", 9, {4, 9}, "int8"},
      {"nanmax", "uint8", 9, {4, 9}, "uint8"},
      {"nanmax", "int32", 9, {4, 9}, "int32"},
      {"nanmax", "float16", 9, {3.5, 9}, "float16"},
      {"nanmax", "float32", 9, {3.5, 9}, "float32"},
      {"nanmax", "float64", 9, {3.5, 9}, "float64"},
      {"nanmean", "bool", 0.6666666666666666, {0.6666666666666666, 0.6666666666666666}, "float64"},
      {"nanmean", "int8", 2.1666666666666665, {2, 2.3333333333333335}, "float64"},
      {"nanmean", "uint8", 3.1666666666666665, {2.6666666666666665, 3.6666666666666665},
       "float64"},
      {"nanmean", "int64", 2.1666666666666665, {2, 2.3333333333333335}, "float64"},
      {"nanmean", "float16", 2.6875, {0.625, 4.75}, "float16"},
      {"nanmean", "float32", 2.6875, {0.625, 4.75}, "float32"},
      {"nanmean", "float64", 2.6875, {0.625, 4.75}, "float64"},
      {"nanvar", "bool", 0.22222222222222224, {0.22222222222222224, 0.22222222222222224},
       "float64"},
      {"nanvar", "int16", 13.805555555555557, {4.666666666666667, 22.888888888888886}, "float64"},
      {"nanvar", "uint8", 8.472222222222223, {1.5555555555555554, 14.888888888888891}, "float64"},
      {"nanvar", "float16", 17.421875, {8.265625, 18.0625}, "float16"},
      {"nanvar", "float32", 17.41796875, {8.265625, 18.0625}, "float32"},
      {"nanvar", "float64", 17.41796875, {8.265625, 18.0625}, "float64"},
      {"nanstd", "int32", 3.7155828016013257, {2.160246899469287, 4.784233364802441}, "float64"},
      -- NumPy's float16 nanstd takes the root of the float16 variance (4.17578125); cuarray's
      -- of the exact one, one float16 step lower
      {"nanstd", "float16", 4.171875, {2.875, 4.25}, "float16"},
      {"nanstd", "float32", 4.173483848571777, {2.875, 4.25}, "float32"},
      {"nanstd", "float64", 4.173484006199137, {2.875, 4.25}, "float64"},
      {"nanargmin", "bool", 2, {2, 1}, "int64"},
      {"nanargmin", "int8", 6, {2, 3}, "int64"},
      {"nanargmin", "uint8", 4, {2, 1}, "int64"},
      {"nanargmin", "float16", 3, {3, 3}, "int64"},
      {"nanargmin", "float32", 3, {3, 3}, "int64"},
      {"nanargmin", "float64", 3, {3, 3}, "int64"},
      {"nanargmax", "bool", 1, {1, 2}, "int64"},
      {"nanargmax", "int16", 5, {3, 2}, "int64"},
      {"nanargmax", "float16", 5, {1, 2}, "int64"},
      {"nanargmax", "float32", 5, {1, 2}, "int64"},
      {"nanargmax", "float64", 5, {1, 2}, "int64"},
      {"count_nonzero", "bool", 4, {2, 2}, "int64"},
      {"count_nonzero", "int8", 5, {3, 2}, "int64"},
      {"count_nonzero", "uint8", 5, {3, 2}, "int64"},
      {"count_nonzero", "float16", 6, {3, 3}, "int64"},
      {"count_nonzero", "float64", 6, {3, 3}, "int64"},
      {"ptp", "int8", 11, {5, 11}, "int8"},
      {"ptp", "uint8", 9, {3, 9}, "uint8"},
      {"ptp", "int32", 11, {5, 11}, "int32"},
      {"ptp", "int64", 11, {5, 11}, "int64"},
      {"ptp", "float16", NAN, {NAN, NAN}, "float16"},
      {"ptp", "float32", NAN, {NAN, NAN}, "float32"},
      {"ptp", "float64", NAN, {NAN, NAN}, "float64"},
    }
    for _, c in ipairs(cases) do
      local name, dt, all, ax2, rdt = c[1], c[2], c[3], c[4], c[5]
      it(("%s of %s"):format(name, dt), function()
        local x = cu.array(D[dt], {dtype = dt})
        local r = cu[name](x, nil, {array = true})
        assert.are.equal(rdt, r.dtype)
        H.same(r, all, TOL)
        H.same(cu[name](x, 2), ax2, TOL)
      end)
    end

    it("of integers are the plain reductions", function()
      local x = cu.array({{3, -1, 4}, {0, 9, -2}}, {dtype = "int16"})
      local pairs_ = {{"nansum", "sum"}, {"nanprod", "prod"}, {"nanmin", "min"},
        {"nanmax", "max"}, {"nanmean", "mean"}, {"nanvar", "var"}, {"nanstd", "std"},
        {"nanargmin", "argmin"}, {"nanargmax", "argmax"}}
      for _, p in ipairs(pairs_) do
        for _, ax in ipairs({false, 1, 2}) do
          local keep = {array = true}
          local a, b = cu[p[1]](x, ax or nil, keep), cu[p[2]](x, ax or nil, keep)
          assert.are.equal(b.dtype, a.dtype)
          H.same(a, b:totable())
        end
      end
    end)

    it("take a dtype option for nansum, nanprod, nanmean, nanvar, nanstd", function()
      local x = cu.array(X)
      local r = x:nansum(nil, {dtype = "float32", array = true})
      assert.are.equal("float32", r.dtype)
      H.same(r, 6)
      H.same(x:nanmean(nil, {dtype = "float32"}), 1)
      assert.are.equal("float32", x:nanvar(nil, {dtype = "float32", array = true}).dtype)
      assert.are.equal("float32", x:nanstd(1, {dtype = "float32"}).dtype)
      -- NaN counts as 0, then each element is cast to the integer dtype (1.7 adds 1)
      local h = cu.array({{1.7, NAN, -2.9}, {3.5, NAN, 0.6}}, {dtype = "float16"})
      H.same(h:nansum(nil, {dtype = "int32"}), 2)
      H.same(h:nansum(1, {dtype = "int32"}), {4, 0, -2})
      H.same(h.T:nansum(2, {dtype = "int8"}), {4, 0, -2})
      H.same(cu.array{100, 3, NAN}:nanprod(nil, {dtype = "int8"}), 44) -- wraps
      H.same(cu.array{{100, NAN}, {3, 2.5}}:nanprod(1, {dtype = "int8"}), {44, 2})
      H.same(cu.array({NAN, 2.5, NAN}, {dtype = "float32"}):nansum(nil, {dtype = "int64"}), 2)
    end)

    it("take ddof for nanvar and nanstd", function()
      local x = cu.array(X)
      H.same(x:nanvar(2, {ddof = 1}), {9.083333333333334, NAN, 4.083333333333333}, TOL)
      H.same(x:nanstd(nil, {ddof = 1}), 2.3021728866442674, TOL)
    end)
  end)

  describe("slices of NaN only", function()
    local N = {{NAN, NAN}, {1, NAN}}
    it("give 0, 1, NaN as NumPy does (without its warning)", function()
      local n = cu.array(N)
      H.same(n:nansum(2), {0, 1})
      H.same(n:nansum(1), {1, 0})
      H.same(n:nanprod(2), {1, 1})
      H.same(n:nanmax(2), {NAN, 1})
      H.same(n:nanmin(1), {1, NAN})
      H.same(n:nanmean(2), {NAN, 1})
      H.same(n:nanvar(2), {NAN, 0})
      H.same(n:nanstd(1), {0, NAN})
      H.same(n:nanvar(2, {ddof = 1}), {NAN, NAN}) -- no degrees of freedom left: NaN
      local f = cu.array({NAN, NAN}, {dtype = "float32"}):nanmax({array = true})
      assert.are.equal("float32", f.dtype)
      H.same(f, NAN)
      H.same(cu.array({NAN, NAN}, {dtype = "float16"}):nansum(), 0)
    end)

    it("have no position: nanargmin and nanargmax raise", function()
      local n = cu.array(N)
      H.raises("nanargmax: All-NaN slice encountered", cu.nanargmax, n, 2)
      H.raises("nanargmin: All-NaN slice encountered", n.nanargmin, n, 1)
      H.raises("nanargmax: All-NaN slice encountered", cu.nanargmax, cu.array{NAN, NAN})
      H.same(cu.nanargmax(n[{{}, 1}]), 2)
      local o = cu.zeros({2}, {dtype = "int64"})
      H.raises("All-NaN slice encountered", cu.nanargmax, n, 2, {out = o})
    end)

    it("skip NaN next to infinities", function()
      H.same(cu.array{-INF, NAN}:nanmax(), -INF)
      H.same(cu.array{NAN, INF, NAN}:nanmin(), INF)
      H.same(cu.array{INF, NAN, 1}:nanmean(), INF)
      H.same(cu.array{INF, NAN, 1}:nanvar(), NAN)
      -- NumPy replaces NaN by -inf here and answers 1, a NaN's position; the -inf is at 2
      H.same(cu.array{NAN, -INF}:nanargmax(), 2)
    end)
  end)

  describe("arg-reductions", function()
    -- Contiguous float rows take a vectorised path on the CPU; a strided view of the same
    -- elements takes the element-by-element one. Both give the first winner: the first NaN
    -- (argmax, argmin), the first of equal values (zeros of either sign), NaNs skipped.
    it("agree on long rows, contiguous or strided: NaN, zeros, infinities, ties", function()
      local pool = {NAN, 0.0, -0.0, INF, -INF, 3, -3, 1, 1}
      local seed = 7
      for _, n in ipairs({1, 15, 16, 17, 40, 200}) do
        for _, with_nan in ipairs({false, true}) do
          local t = {}
          for i = 1, n do
            seed = (seed * 1103515245 + 12345) % 2147483648
            local v = pool[seed % #pool + 1]
            if v ~= v and not with_nan then v = 2 end
            t[i] = v
          end
          for _, dt in ipairs({"float32", "float64"}) do
            local x = cu.array(t, {dtype = dt, device = dev})
            local wide = cu.zeros(2 * n, {dtype = dt, device = dev})
            wide[{{1, -1, 2}}] = x
            local strided = wide[{{1, -1, 2}}]
            for _, fn in ipairs({"argmax", "argmin", "nanargmax", "nanargmin"}) do
              local ok1, r1 = pcall(cu[fn], x)
              local ok2, r2 = pcall(cu[fn], strided)
              assert(ok1 == ok2 and (not ok1 or r1 == r2),
                ("%s of %d %s: %s against %s"):format(fn, n, dt, tostring(r1), tostring(r2)))
            end
          end
        end
      end
    end)
  end)

  describe("empty arrays", function()
    it("nansum, nanprod, count_nonzero give their identities; the averages NaN", function()
      local e = cu.zeros{0}
      H.same(e:nansum(), 0)
      H.same(e:nanprod(), 1)
      H.same(e:count_nonzero(), 0)
      H.same(e:nanmean(), NAN)
      H.same(e:nanvar(), NAN)
      H.same(e:nanstd(), NAN)
      local e2 = cu.zeros{0, 3}
      H.same(e2:nansum(1), {0, 0, 0})
      H.same(e2:nanprod(1), {1, 1, 1})
      H.same(e2:count_nonzero(1), {0, 0, 0})
      assert.are.same({0}, e2:nanmax(2).shape)
      assert.are.same({0}, e2:ptp(2).shape)
    end)

    it("nanmin, nanmax, nanargmin, nanargmax, ptp raise", function()
      local e = cu.zeros{0}
      for _, name in ipairs({"nanmin", "nanmax", "nanargmin", "nanargmax", "ptp"}) do
        H.raises(("%s: zero-size array to reduction operation %s which has no identity")
          :format(name, name), cu[name], e)
      end
      H.raises("nanmax: zero-size array", cu.nanmax, cu.zeros{0, 3}, 1)
      H.raises("ptp: zero-size array", cu.ptp, cu.zeros{2, 0}, 2)
    end)
  end)

  describe("keepdims and views", function()
    it("keep reduced dims", function()
      local x = cu.array(X)
      H.same(x:nansum(2, {keepdims = true}), {{3.5}, {0}, {2.5}})
      H.same(x:nanargmax(1, {keepdims = true}), {{3, 3, 1, 1}})
      H.same(cu.nanmax(x, 1, {keepdims = true}), {{3, -1, -2, 4}})
      assert.are.same({1, 1}, x:nanmean(nil, {keepdims = true}).shape)
    end)

    it("reduce transposed, flipped and strided views", function()
      local x = cu.array(X)
      H.same(x.T:nansum(2), {4.5, -1, -2, 4.5})
      H.same(x:flip(2):nanmax(2), {4, NAN, 3})
      H.same(x:flip(1):nanargmax(1), {1, 1, 3, 3})
      H.same(x[{{}, {1, -1, 2}}]:nanmean(2), {-0.25, NAN, 3})
      H.same(x.T:flip(1)[{{1, 4, 3}}]:nanargmin(2), {3, 1})
    end)

    it("write into out", function()
      local x = cu.array(X)
      local o = cu.zeros{4}
      assert.are.equal(o, cu.nansum(x, 1, {out = o}))
      H.same(o, {4.5, -1, -2, 4.5})
      local p = cu.zeros({3}, {dtype = "int64"})
      cu.count_nonzero(x, 2, {out = p})
      H.same(p, {4, 4, 4})
    end)
  end)

  describe("long runs", function()
    -- nansum is the sum of the array with NaN made 0 (NumPy's definition), on every path:
    -- pairwise over float32 or float64 runs, columns, strided views
    it("agree with the plain reductions of the array without its NaNs", function()
      local exact = dev == "cpu" and 0 or 1e-6 -- the GPU's sums take other orders
      cu.random.seed(11)
      for _, dt in ipairs({"float32", "float64"}) do
        local v = cu.random.random({600, 300}, {dtype = dt})
        local x = cu.where(v:lt(0.1), NAN, v * 10 - 5)
        local zero = cu.where(x:isnan(), 0, x)
        for _, view in ipairs({function(a) return a end, function(a) return a.T end,
                               function(a) return a[{{1, -1, 3}}] end}) do
          local xv, zv = view(x), view(zero)
          H.same(xv:nansum(), zv:sum(), exact)
          H.same(xv:nansum(1), zv:sum(1):totable(), exact)
          H.same(xv:nansum(2), zv:sum(2):totable(), exact)
          local count = xv:isnan():logical_not():sum(2)
          H.same(xv:nanmean(2), (zv:sum(2) / count):totable(), dt == "float32" and 1e-6 or 1e-12)
          local big = cu.where(xv:isnan(), -INF, xv)
          H.same(xv:nanmax(1), big:max(1):totable())
          H.same(xv:nanargmax(2), big:argmax(2):totable())
          assert.are.equal(xv.size - count:sum(), cu.count_nonzero(xv:isnan()))
        end
      end
    end)

    it("nanvar matches the variance of the values that are not NaN", function()
      cu.random.seed(12)
      local v = cu.random.random({5000})
      local x = cu.where(v:lt(0.2), NAN, v)
      local kept = x[x:isnan():logical_not()]
      H.same(x:nanvar(), kept:var(), 1e-12)
      H.same(x:nanstd(nil, {ddof = 1}), kept:std(nil, {ddof = 1}), 1e-12)
    end)
  end)

  describe("errors", function()
    it("name the function and what was wrong", function()
      local x = cu.array(X)
      H.raises("ptp: not supported for bool arrays", cu.ptp, cu.array{true, false})
      H.raises("nanmax: unknown option 'dtype'", cu.nanmax, x, 1, {dtype = "float32"})
      H.raises("count_nonzero: unknown option 'dtype'", cu.count_nonzero, x, nil,
        {dtype = "int32"})
      H.raises("nanargmax: axis must be a single integer or nil", cu.nanargmax, x, {1, 2})
      H.raises("nanvar: ddof must be a number, got string", cu.nanvar, x, nil, {ddof = "1"})
      H.raises("nansum: axis 3 is out of bounds for an array of dimension 2", x.nansum, x, 3)
      H.raises("nanmean: expected an array, got table", cu.nanmean, {1, 2})
    end)
  end)

  it("nanmax and nanmin agree between contiguous runs and strided views", function()
    -- contiguous float32/float64 runs take vector lanes; every second element of a wider
    -- array walks the elements one by one: the same answers, signs of zeros included on the
    -- CPU. A GPU reduces in a tree whose shape follows the layout, and a tie of -0 and 0 may
    -- go either way there (as in NumPy, where it follows the order of the elements).
    local zero_sign = dev == "cpu"
    local rng = 12345
    local function rand()
      rng = (rng * 1103515245 + 12345) % 2147483648
      return rng / 2147483648
    end
    for trial = 1, 120 do
      local n = trial % 7 == 0 and 5000 or math.floor(rand() * 70) + 1
      local t, wide = {}, {}
      for i = 1, n do
        local r = rand()
        t[i] = r < 0.3 and NAN or r < 0.4 and 0.0 or r < 0.45 and -0.0 or r < 0.5 and -1 / 0
          or rand() - 0.5
        wide[2 * i - 1], wide[2 * i] = t[i], 5
      end
      for _, dt in ipairs({"float32", "float64"}) do
        local a = cu.array(t, {dtype = dt})
        local s = cu.array(wide, {dtype = dt})[{{1, -1, 2}}]
        for _, f in ipairs({"nanmax", "nanmin"}) do
          local x, y = a[f](a), s[f](s)
          assert.is_true((x ~= x and y ~= y) or (x == y and (1 / x == 1 / y or not zero_sign)),
            ("%s %s n=%d: %s vs %s"):format(f, dt, n, tostring(x), tostring(y)))
        end
      end
    end
  end)

  if dev == "cuda" then
    it("gives the CPU's answers on random data with NaNs", function()
      cu.random.seed(8)
      for _, shape in ipairs{{1000}, {37, 53}, {5, 6, 7}, {3, 1, 4000}} do
        local r = cu.random.random(shape)
        local g = cu.where(r:lt(0.1), NAN, r)
        local c = g:to("cpu")
        for _, name in ipairs{"nansum", "nanmean", "nanvar", "nanstd", "nanmin", "nanmax",
                              "count_nonzero", "ptp"} do
          H.same(g[name](g), c[name](c), 1e-9)
          H.same(g[name](g, -1), c[name](c, -1):totable(), 1e-9)
        end
      end
    end)
  end
end)
