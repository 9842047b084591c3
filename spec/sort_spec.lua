-- Sorting, searching, sets, counting and order statistics: every case of spec/sort_rows.lua
-- (NumPy's results, written by tools/gen_sort_rows.py) on every device, then the properties
-- and errors NumPy's values do not pin down.
local cu = require "cuarray"
local H = require "helper"

local NAN, INF = H.nan, H.inf
local unpack = table.unpack or unpack

local PARTS = {complex64 = "float32", complex128 = "float64"}

-- An array of values; complex ones are written as {real, imag} pairs (innermost).
local function A(values, dtype)
  if not PARTS[dtype] then return cu.array(values, {dtype = dtype}) end
  local parts = cu.array(values, {dtype = PARTS[dtype]})
  local shape = parts.shape
  shape[#shape] = nil
  return parts:view(dtype):reshape(shape)
end

-- A result as the rows write it: complex arrays as {real, imag} pairs.
local function as_written(x)
  if not (cu.is_array(x) and PARTS[x.dtype]) then return x end
  local shape = x.shape
  shape[#shape + 1] = 2
  return x:copy():view(PARTS[x.dtype]):reshape(shape)
end

local ROWS = dofile("spec/sort_rows.lua")(A, NAN, INF)

-- float16/float32 results: NumPy 1.24 computes order statistics of them in float64 and NumPy 2
-- in their own dtype, so they agree to the dtype's precision.
local TOL = {float16 = 1e-3, float32 = 1e-6}

local function apply_view(x, v)
  if v == "flip" then return cu.flip(x, 1) end
  if v == "T" then return x:transpose() end
  if v == "step2" then return x[{{1, -1, 2}}] end
  return x
end

local function label(r)
  local parts = {}
  for i, a in ipairs(r.args) do
    parts[i] = cu.is_array(a) and "array" or type(a) == "table" and "{...}" or tostring(a)
  end
  return ("%s of %s %s%s(%s)%s"):format(r.f, r.dtype, r.view and (r.view .. " ") or "",
    #r.x == 0 and "empty " or "", table.concat(parts, ", "), r.opts and " with options" or "")
end

-- A result against NumPy's: an array or value, or a Lua list of arrays (histogramdd's edges).
local function same_result(got, want, tol)
  if type(got) == "table" and not cu.is_array(got) then
    assert.are.equal(#want, #got)
    for k = 1, #want do H.same(got[k], want[k], tol) end
    return
  end
  H.same(as_written(got), want, tol)
end

H.each_device("sorting, searching, sets and order statistics", function(dev)
  describe("NumPy's results", function()
    for i, r in ipairs(ROWS) do
      it(("%d: %s"):format(i, label(r)), function()
        -- rebuild the array arguments on this device
        local args = {}
        for k, a in ipairs(r.args) do args[k] = cu.is_array(a) and a:to(dev) or a end
        local opts
        if r.opts then
          opts = {}
          for k, v in pairs(r.opts) do opts[k] = cu.is_array(v) and v:to(dev) or v end
          args[#args + 1] = opts
        end
        local x = apply_view(A(r.x, r.dtype), r.view)
        assert.are.equal(dev, x.device:match("^%a+"))
        local res
        if r.f == "lexsort" then res = {cu.lexsort({x, args[1]})} else res = {cu[r.f](x, unpack(args))} end
        local tol = TOL[r.dt_out or r.dtype]
        if r.f == "add_at" then -- in place
          assert.are.equal(0, #res)
          H.same(x, r.out, tol)
          return
        end
        if r.f == "partition" then
          local kth = args[1]
          H.same(res[1][{kth}], r.out, tol)
          return
        end
        if #res == 1 and type(res[1]) == "table" then res = res[1] end -- unique's table
        if #res == 1 then
          H.same(as_written(res[1]), r.out, tol)
          if r.dt_out and cu.is_array(res[1]) then assert.are.equal(r.dt_out, res[1].dtype) end
          if cu.is_array(res[1]) then assert.are.equal(x.device, res[1].device) end
        else
          assert.are.equal(#r.out, #res)
          for k = 1, #res do same_result(res[k], r.out[k], tol) end
        end
      end)
    end
  end)

  describe("stability and ties", function()
    it("keeps equal elements in their order, ascending and descending, on long rows", function()
      for _, n in ipairs({5000, 70000}) do
        local x = cu.random.randint(0, 7, {n}):astype("int16")
        local p = cu.argsort(x):totable()
        local v = x:totable()
        for i = 2, n do
          local a, b = v[p[i - 1]], v[p[i]]
          assert(a < b or (a == b and p[i - 1] < p[i]), "not a stable ascending order")
        end
        local d = cu.argsort(x, {descending = true}):totable()
        for i = 2, n do
          local a, b = v[d[i - 1]], v[d[i]]
          assert(a > b or (a == b and d[i - 1] < d[i]), "not a stable descending order")
        end
      end
    end)

    it("sorts many rows of every length class along the last and the first axis", function()
      for _, shape in ipairs({{50, 3}, {7, 1000}, {3, 3000}, {2, 9000}}) do
        local x = cu.random.standard_normal(shape):astype("float32")
        for _, axis in ipairs({-1, 1}) do
          local s, p = cu.sort(x, axis), cu.argsort(x, axis)
          local st, pt, xt = s:totable(), p:totable(), x:totable()
          local rows, cols = shape[1], shape[2]
          if axis == -1 then
            for i = 1, rows do
              for j = 1, cols do
                assert.are.equal(xt[i][pt[i][j]], st[i][j])
                if j > 1 then assert(st[i][j - 1] <= st[i][j]) end
              end
            end
          else
            for j = 1, cols do
              for i = 1, rows do
                assert.are.equal(xt[pt[i][j]][j], st[i][j])
                if i > 1 then assert(st[i - 1][j] <= st[i][j]) end
              end
            end
          end
        end
      end
    end)

    it("puts every NaN last and -0.0 with +0.0 in their order", function()
      local x = cu.array({0.0, -0.0, 0 / 0, -1, 0.0, -(0 / 0)}, {dtype = "float32"})
      H.same(cu.argsort(x), {4, 1, 2, 5, 3, 6})
      H.same(cu.argsort(x, {descending = true}), {3, 6, 1, 2, 5, 4})
    end)

    -- Long float32 rows sort their values alone as keys; the bits of zeros (either sign) and
    -- NaNs (any sign and payload) come back in the row's order, as the positions give them.
    it("keeps the bits of zeros and NaNs of long rows, in their order", function()
      local bits = {0x00000000, 0x80000000, 0x7fc00000, 0xffc00000, 0x7f800001, 0xff812345,
                    0x3f800000, 0xbf800000, 0x7f800000, 0xff800000}
      local t = {}
      for i = 1, 300 do t[i] = bits[(i * 7) % #bits + 1] end
      local x = cu.array(t, {dtype = "uint32", device = dev}):view("float32")
      for _, desc in ipairs({false, true}) do
        local want = cu.take(x, cu.argsort(x, {descending = desc})):view("uint32")
        H.same(cu.sort(x, {descending = desc}):view("uint32"), want:totable())
      end
    end)
  end)

  describe("counting and sliding sums at size", function()
    it("unique of many elements gives each value once with its first position and count", function()
      local x = cu.random.randint(0, 5000, {20000}):astype("int32")
      local u = cu.unique(x, {return_index = true, return_inverse = true, return_counts = true})
      local xt = x:totable()
      local first, count, distinct = {}, {}, {}
      for i, v in ipairs(xt) do
        if not first[v] then first[v] = i; distinct[#distinct + 1] = v end
        count[v] = (count[v] or 0) + 1
      end
      table.sort(distinct)
      local v, idx, inv, cnt = u.values:totable(), u.index:totable(), u.inverse:totable(),
                               u.counts:totable()
      assert.are.same(distinct, v)
      for k, d in ipairs(distinct) do
        assert.are.equal(first[d], idx[k])
        assert.are.equal(count[d], cnt[k])
      end
      for i = 1, #xt do assert.are.equal(xt[i], v[inv[i]]) end
    end)

    it("unique along an axis gives each distinct row once, in order, and rebuilds it", function()
      local x = cu.random.randint(0, 3, {500, 3}):astype("int16")
      local u = cu.unique(x, {axis = 1, return_index = true, return_inverse = true,
                              return_counts = true})
      local v, idx, inv = u.values:totable(), u.index:totable(), u.inverse:totable()
      local cnt = u.counts:totable()
      local xt = x:totable()
      local function less(p, q)
        for k = 1, 3 do if p[k] ~= q[k] then return p[k] < q[k] end end
        return false
      end
      for i = 2, #v do assert(less(v[i - 1], v[i]), "rows not strictly increasing") end
      local total = 0
      for i = 1, #v do
        assert.are.same(v[i], xt[idx[i]])
        total = total + cnt[i]
      end
      assert.are.equal(500, total)
      for r = 1, 500 do assert.are.same(xt[r], v[inv[r]]) end
      -- the same rows as columns of the transposed (non-contiguous) array
      H.same(cu.unique(x.T, {axis = -1}), u.values.T:totable())
    end)

    it("convolves long sequences in blocks as the sums of shifted products", function()
      local a = cu.random.randint(-50, 50, {3000})
      local v = cu.random.randint(-50, 50, {2000})
      local full = cu.zeros(4999, {dtype = "int64"})
      local vt = v:totable()
      for j = 1, 2000 do
        local part = full[{{j, j + 2999}}]
        part[{}] = part + a * vt[j]
      end
      H.same(cu.convolve(a, v), full:totable())
      H.same(cu.convolve(v, a, {mode = "valid"}), full[{{2000, 3000}}]:totable())
      H.same(cu.correlate(a, cu.flip(v), {mode = "full"}), full:totable())
    end)

    it("takes a sample as a list of coordinates, or one coordinate as a 1-D array", function()
      local x, y = cu.array({1, 2, 2, 3}), cu.array({0.5, 0.25, 1, 1})
      local h1, e1 = cu.histogramdd(cu.stack({x, y}, -1), {2, 3})
      local h2, e2 = cu.histogramdd({x, y}, {2, 3})
      H.same(h2, h1:totable())
      H.same(e2[2], e1[2]:totable())
      local h3 = cu.histogram2d(x, y, {2, 3})
      H.same(h3, h1:totable())
      local h4, e4 = cu.histogramdd(x, 2)
      H.same(h4, {1, 3})
      H.same(e4[1], {1, 2, 3})
    end)
  end)

  describe("results", function()
    it("gives a method form, a copy, and a C-contiguous result", function()
      local x = cu.array({{3, 1, 2}, {9, 7, 8}})
      local s = x:sort(1)
      H.same(s, {{3, 1, 2}, {9, 7, 8}})
      H.same(x:argsort(), {{2, 3, 1}, {2, 3, 1}})
      s[{1, 1}] = 100
      H.same(x, {{3, 1, 2}, {9, 7, 8}})
      H.same(x:transpose():sort(), {{3, 9}, {1, 7}, {2, 8}})
      H.same(cu.array({1, 3, 5, 7}):searchsorted(5), 3)
    end)

    it("median and quantile over all elements give Lua values, {array = true} a 0-d array", function()
      local x = cu.array({4, 1, 3, 2})
      assert.are.equal(2.5, cu.median(x))
      assert.are.equal(1.9, cu.quantile(x, 0.3))
      local m = cu.median(x, {array = true})
      assert.are.equal(0, m.ndim)
      assert.are.equal(x.device, m.device)
      H.same(cu.median(x:reshape(2, 2), {keepdims = true}), {{2.5}})
      H.same(cu.median(cu.empty(0)), NAN)
    end)

    it("topk and unique's results name themselves", function()
      local v, i = cu.array({1, 9, 3}):topk(2)
      H.same(v, {9, 3})
      H.same(i, {2, 3})
      local u = cu.unique(cu.array({2, 2, 1}), {return_counts = true})
      H.same(u.values, {1, 2})
      H.same(u.counts, {1, 2})
    end)
  end)

  describe("errors", function()
    local x = cu.array({{1, 2}, {3, 4}})
    local cases = {
      {"sort: axis 3 is out of bounds", function() cu.sort(x, 3) end},
      {"sort: axis -1 is out of bounds for an array of dimension 0", function() cu.sort(cu.array(1)) end},
      {"argsort: axis must be an integer", function() cu.argsort(x, 1.5) end},
      {"sort: kind must be", function() cu.sort(x, {kind = "bogo"}) end},
      {"sort: unknown option", function() cu.sort(x, {reverse = true}) end},
      {"topk: k = 3 is out of range for an axis of length 2", function() cu.topk(x, 3) end},
      {"topk: k = -1 is out of range", function() cu.topk(x, -1) end},
      {"partition: kth 3 is out of range for an axis of length 2", function() cu.partition(x, 3) end},
      -- kth's list is read raw: its __index is not run
      {"partition: kth 3 is out of range for an axis of length 2",
        function() cu.partition(x, setmetatable({3}, {__index = function() error("no") end})) end},
      {"argpartition: kth 0 is out of range", function() cu.argpartition(x, 0) end},
      {"searchsorted: the sorted array must be 1-D", function() cu.searchsorted(x, 1) end},
      {"searchsorted: side must be", function() cu.searchsorted(x[1], 1, {side = "up"}) end},
      {"bincount: x must not hold negative values", function() cu.bincount(cu.array({1, -2})) end},
      {"bincount: x must be an integer array", function() cu.bincount(cu.array({1.5})) end},
      {"bincount: x must be 1-D", function() cu.bincount(x) end},
      {"bincount: minlength must be a non-negative integer", function() cu.bincount(x[1], {minlength = -1}) end},
      {"bincount: weights must be 1-D of the length of x", function() cu.bincount(x[1], {weights = cu.ones(3)}) end},
      {"histogram: bins must be a positive integer", function() cu.histogram(x, {bins = 0}) end},
      {"histogram: weights must have the shape of a",
        function() cu.histogram(x, {weights = cu.ones(3)}) end},
      {"histogram: bins must increase monotonically", function() cu.histogram(x, {bins = cu.array({1, 3, 2})}) end},
      {"is not finite", function() cu.histogram(cu.array({0 / 0})) end},
      {"histogram: max must be larger than min in range", function() cu.histogram(x, {range = {2, 1}}) end},
      {"quantile: q must be in [0, 1]", function() cu.quantile(x, 1.5) end},
      {"percentile: q must be in [0, 100]", function() cu.percentile(x, {50, -1}) end},
      {"quantile: method must be", function() cu.quantile(x, 0.5, {method = "weibull"}) end},
      {"quantile: cannot take a quantile over an empty axis", function() cu.quantile(cu.empty(0), 0.5) end},
      {"median: axis 2 is out of bounds", function() cu.median(x[1], 2) end},
      {"nanmedian: out has shape (7,) but the result has shape", function()
        cu.nanmedian(x, 1, {out = cu.zeros(7, {device = x.device})}) end},
      {"percentile: out has shape (7,) but the result has shape", function()
        cu.percentile(x, 50, 1, {out = cu.zeros(7, {device = x.device})}) end},
      {"nanquantile: axis -3 is out of bounds", function() cu.nanquantile(x, 0.5, -3) end},
      {"unique: axis 3 is out of bounds for an array of dimension 2", function() cu.unique(x, {axis = 3}) end},
      {"unique: return_counts must be a boolean", function() cu.unique(x, {return_counts = 1}) end},
      {"unique_all: expected an array", function() cu.unique_all({1, 2}) end},
      {"unique: axis must be an integer", function() cu.unique(x, {axis = "rows"}) end},
      -- a table's __tostring (which may raise) is not called for the message
      {"index_add: axis must be an integer, got table",
        function() x:index_add(setmetatable({}, {__tostring = function() error("no") end})) end},
      {"unique: axis -3 is out of bounds", function() cu.unique(x, {axis = -3}) end},
      {"unique: unknown option 'return_inverses'", function() cu.unique(x, {return_inverses = true}) end},
      {"unique_counts: expected an array", function() cu.unique_counts(nil) end},
      {'histogram_bin_edges: bins must be a count, edges or one of "auto"',
        function() cu.histogram_bin_edges(x, "best") end},
      {'histogram: estimating the number of bins (bins = "fd") is not supported with weights',
        function() cu.histogram(x, "fd", {weights = cu.ones({2, 2})}) end},
      {"histogram_bin_edges: supplied range of [0, inf] is not finite",
        function() cu.histogram_bin_edges(x, 2, {range = {0, 1 / 0}}) end},
      {"histogram: bins must be 1-D edges, got 2 dimensions", function() cu.histogram(x, x) end},
      {"histogram: weights must have the shape of a (2,2), got (4)",
        function() cu.histogram(x, {weights = cu.ones(4)}) end},
      {"histogramdd: bins must be a count or have one entry per dimension (2), got 3",
        function() cu.histogramdd(x, {1, 2, 3}) end},
      {"histogramdd: bins[2] must be a positive integer, got 0", function() cu.histogramdd(x, {2, 0}) end},
      {"histogramdd: bins[1] must increase monotonically",
        function() cu.histogramdd(x, {{2, 1}, 2}) end},
      {"histogramdd: range must have one entry per dimension (2)",
        function() cu.histogramdd(x, 2, {range = {{0, 1}}}) end},
      {"histogramdd: max must be larger than min in range[2]",
        function() cu.histogramdd(x, 2, {range = {false, {3, 1}}}) end},
      {"histogramdd: autodetected range of [nan, nan] is not finite",
        function() cu.histogramdd(cu.array({{1, 0 / 0}}), 2) end},
      {"histogramdd: weights must be 1-D of the sample's length (2), got shape (3)",
        function() cu.histogramdd(x, 2, {weights = cu.ones(3)}) end},
      {"histogramdd: sample must be an (N, D) array or a list of D 1-D arrays, got 3 dimensions",
        function() cu.histogramdd(cu.ones({2, 2, 2})) end},
      {"histogramdd: the coordinates must have one length",
        function() cu.histogramdd({cu.ones(2), cu.ones(3)}) end},
      {"histogram2d: x and y must have the same length (2 and 3)",
        function() cu.histogram2d(x[1], cu.ones(3)) end},
      {"histogram2d: y must be a 1-D array", function() cu.histogram2d(x[1], x) end},
      {"convolve: v cannot be empty", function() cu.convolve({1, 2}, cu.empty(0)) end},
      {"correlate: a cannot be empty", function() cu.correlate({}, {1}) end},
      {'convolve: mode must be "valid", "same" or "full", got "middle"',
        function() cu.convolve({1}, {1}, {mode = "middle"}) end},
      {"correlate: unknown option 'axis'", function() cu.correlate({1}, {1}, {axis = 1}) end},
      {"convolve: a must be 1-D, got 2 dimensions", function() cu.convolve(x, {1}) end},
      {"correlate: v must be 1-D, got 0 dimensions", function() cu.correlate({1}, 2) end},
      {"convolve: v must be a 1-D array or a list of numbers", function() cu.convolve({1}, "v") end},
      {"sort_complex: a must have at least one dimension", function() cu.sort_complex(cu.array(1)) end},
      {"sort_complex: expected an array", function() cu.sort_complex({1, 2}) end},
      {"sort: axis 3 is out of bounds for an array of dimension 2",
        function() cu.sort(x:astype("complex64"), 3) end},
      {"argsort: kind must be", function() cu.argsort(x:astype("complex128"), {kind = "radix"}) end},
      {"percentile: a must be an array of real numbers, got complex128",
        function() cu.percentile(x:astype("complex128"), 50) end},
      {"nanquantile: a must be an array of real numbers, got complex64",
        function() cu.nanquantile(x:astype("complex64"), 0.5) end},
      {"searchsorted: complex128 arrays are not supported",
        function() cu.searchsorted(x[1]:astype("complex64"), 1) end},
      {"lexsort: key 2 has shape", function() cu.lexsort({x[1], cu.ones(3)}) end},
      -- a table whose __index raises (the module's own) is read raw
      {"lexsort: need at least one key", function() cu.lexsort(cu) end},
      {"sort: expected an array", function() cu.sort("x") end},
      {"add_at: index 3 is out of bounds for axis 1 with size 2", function() cu.add_at(x, {3}, 1) end},
      {"add_at: index 0 is out of bounds", function() cu.add_at(x, cu.array({1, 0}), 1) end},
      {"add_at: indices must be integers", function() cu.add_at(x, cu.array({1.5}), 1) end},
      {"add_at: values of shape (3) do not broadcast to (1,2)",
        function() cu.add_at(x, {1}, cu.ones(3)) end},
      {"searchsorted: values must be an array or a number, got string",
        function() cu.searchsorted(x[1], "v") end},
      {"digitize: values must be an array or a number, got table",
        function() cu.digitize({}, x[1]) end},
      -- the private primitives raise in their own name unless their caller passes its own
      {"_searchsorted: expected an array, got string", function() cu._searchsorted("x", 1) end},
      {"_sort: expected an array, got no value", function() cu._sort() end},
      {"topk: expected an array", function() cu._sort(1, 1, false, "topk") end},
      {"topk: k must be an integer from 0 to the axis's length 3",
       function() cu._sort(cu.array({1, 2, 3}), 1, false, "topk", 4) end},
      {"topk: k must be an integer from 0 to the axis's length 3",
       function() cu._sort(cu.array({1, 2, 3}), 1, false, "topk", 1.5) end},
      {"_scatter_add: expected an array, got number", function() cu._scatter_add(1) end},
      {"_check_array: expected an array, got boolean", function() cu._check_array(true) end},
      {"zeros_like: expected an array", function() cu._check_array(true, "zeros_like") end},
      {"_encode_png: expected an array", function() cu._encode_png(nil, 2) end},
    }
    for _, c in ipairs(cases) do
      it(c[1], function() H.raises(c[1], c[2]) end)
    end
  end)
end)

-- Expected values from NumPy 1.24's np.add.at.
H.each_device("add_at on arrays of three dims and more", function()
  it("adds each index's slice, repeated indices adding up", function()
    local a = cu.zeros({4, 3, 2})
    cu.add_at(a, {1, 4, 1}, cu.arange(18.0):reshape({3, 3, 2}))
    H.same(a, {{{12, 14}, {16, 18}, {20, 22}}, {{0, 0}, {0, 0}, {0, 0}}, {{0, 0}, {0, 0}, {0, 0}},
               {{6, 7}, {8, 9}, {10, 11}}})
    local b = cu.zeros({2, 2, 2, 2})
    cu.add_at(b, cu.array({{2, 1}, {2, 2}}), 1.5) -- a 2-D index array
    H.same(b, {{{{1.5, 1.5}, {1.5, 1.5}}, {{1.5, 1.5}, {1.5, 1.5}}},
               {{{4.5, 4.5}, {4.5, 4.5}}, {{4.5, 4.5}, {4.5, 4.5}}}})
  end)
end)

H.each_device("add_at of complex values", function()
  it("adds both parts in order, NaN and infinities as NumPy's add.at", function()
    for _, dt in ipairs({"complex64", "complex128"}) do
      local t = cu.ones({3}, {dtype = dt})
      local v = cu.array({{2.5, -1}, {0 / 0, 0}, {1 / 0, 2}, {0.5, 0.25}}, {dtype = dt})
      cu.add_at(t, cu.array({1, 2, 3, 1}), v)
      -- np.add.at(np.ones(3, complex), [0, 1, 2, 0], [2.5-1j, nan, inf+2j, 0.5+0.25j])
      H.same(t, {{4, -0.75}, {0 / 0, 0}, {1 / 0, 2}})
    end
  end)
end)

-- Expected values from NumPy 1.24: np.add.at(a, (slice(None),) * (axis - 1) + (index - 1,),
-- alpha * source), PyTorch's index_add_.
H.each_device("index_add", function()
  it("adds source's slices at the index along the axis, repeated positions adding up", function()
    local a = cu.zeros({3, 4})
    assert.are.equal(a, a:index_add(2, {1, 1, 4}, cu.ones({3, 3}), {alpha = 2}))
    H.same(a, {{4, 0, 0, 2}, {4, 0, 0, 2}, {4, 0, 0, 2}})
    H.same(cu.index_add(cu.zeros({3, 2}), 1, cu.array({3, -1}), cu.array({{1, 2}, {3, 4}})),
      {{0, 0}, {0, 0}, {4, 6}})
    local t = cu.zeros({2, 3, 4})
    t:index_add(-1, {2, 2, 1}, cu.arange(18):reshape({2, 3, 3}), {alpha = 0.5})
    H.same(t, {{{1, 0.5, 0, 0}, {2.5, 3.5, 0, 0}, {4, 6.5, 0, 0}},
               {{5.5, 9.5, 0, 0}, {7, 12.5, 0, 0}, {8.5, 15.5, 0, 0}}})
    local i = cu.zeros({4, 5}, {dtype = "int32"})
    i:index_add(1, {2, 2}, 3)
    H.same(i, {{0, 0, 0, 0, 0}, {6, 6, 6, 6, 6}, {0, 0, 0, 0, 0}, {0, 0, 0, 0, 0}})
  end)

  it("writes through a strided view into its base", function()
    local b = cu.zeros({4, 6})
    b[{{}, {1, -1, 2}}]:index_add(2, {3, 1}, cu.array({{1, 2}, {3, 4}, {5, 6}, {7, 8}}))
    H.same(b, {{2, 0, 0, 0, 1, 0}, {4, 0, 0, 0, 3, 0}, {6, 0, 0, 0, 5, 0}, {8, 0, 0, 0, 7, 0}})
  end)

  it("names what was wrong", function()
    local x = cu.zeros({3, 2})
    H.raises("index_add: index 4 is out of bounds for axis 1 with size 3",
      function() x:index_add(1, {4}, cu.ones({1, 2})) end)
    H.raises("index_add: axis 3 is out of bounds for an array of dimension 2",
      function() x:index_add(3, {1}, cu.ones({1, 2})) end)
    H.raises("index_add: index must be 1-D, got 2 dims",
      function() x:index_add(1, cu.array({{1}}), cu.ones({1, 2})) end)
    H.raises("index_add: source of shape (2,2) does not broadcast to (3,2)",
      function() x:index_add(2, {1, 2}, cu.ones({2, 2})) end)
    H.raises("index_add: alpha must be a number, got string",
      function() x:index_add(1, {1}, cu.ones({1, 2}), {alpha = "2"}) end)
    H.raises("index_add: indices must be integers, got float64",
      function() x:index_add(1, cu.array({1.5}), cu.ones({1, 2})) end)
  end)
end)
