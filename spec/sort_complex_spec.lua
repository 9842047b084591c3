-- Sorting complex arrays: NumPy's lexicographic order (the real parts, then the imaginary
-- ones; NaN last in each), stable, along any axis, on every device. Expected positions are
-- NumPy's (np.argsort(a, kind="stable") + 1).
local cu = require "cuarray"
local H = require "helper"

local nan = H.nan
local RE = {3, 1, nan, 1, 1, nan, -0.0, 0, 2, 1}
local IM = {1, nan, 2, 2, -1, nan, 5, 4, 0, 2}
local ORDER = {8, 7, 5, 4, 10, 9, 1, 2, 3, 6}

local function parts(a)
  local re, im = {}, {}
  for i, z in ipairs(a:totable()) do re[i], im[i] = z.real, z.imag end
  return re, im
end

H.each_device("complex sorting", function(dev)
  for _, dt in ipairs({"complex64", "complex128"}) do
    local function input()
      return cu.complex(cu.array(RE, {device = dev}), cu.array(IM, {device = dev})):astype(dt)
    end

    it("argsort and sort " .. dt .. " by real then imaginary parts, NaN last", function()
      local a = input()
      H.same(cu.argsort(a), ORDER)
      local s = cu.sort(a)
      assert.are.equal(dt, s.dtype)
      local re, im = parts(s)
      local want_re, want_im = {}, {}
      for i, p in ipairs(ORDER) do want_re[i], want_im[i] = RE[p], IM[p] end
      H.same(re, want_re)
      H.same(im, want_im)
    end)

    it("sorts " .. dt .. " descending as the reverse order, ties kept in place", function()
      H.same(cu.argsort(input(), -1, {descending = true}), {6, 3, 2, 1, 9, 4, 10, 5, 7, 8})
    end)

    it("sorts " .. dt .. " along the first axis and a strided view", function()
      local m = input():reshape(2, 5)
      H.same(cu.argsort(m, 1), {{1, 2, 2, 1, 1}, {2, 1, 1, 2, 2}})     -- np.argsort(axis=0) + 1
      local v = input()[{{10, 1, -3}}]                                  -- elements 10, 7, 4, 1
      H.same(cu.argsort(v), {2, 1, 3, 4})
    end)
  end

  it("refuses complex searchsorted with a clear error", function()
    local a = cu.complex(cu.array({1, 2}, {device = dev}), cu.array({0, 0}, {device = dev}))
    H.raises("searchsorted: complex128 arrays are not supported", cu.searchsorted, a, a)
  end)

  -- values checked with NumPy 1.24 (np.median, np.nanmedian, np.isin)
  it("takes medians of complex values, NaN where a slice holds one, as NumPy", function()
    local z = cu.complex(cu.array({3, 1, 2, 1}, {device = dev}), cu.array({1, -2, 0, 5}, {device = dev}))
    local m = cu.median(z)
    assert.are.equal(1.5, m.real)
    assert.are.equal(2.5, m.imag)
    local by = cu.median(z:reshape(2, 2), 1)
    assert.are.equal("complex128", by.dtype)
    local t = by:totable()
    assert.are.same({2.5, 0.5, 1, 1.5}, {t[1].real, t[1].imag, t[2].real, t[2].imag})
    local nz = cu.complex(cu.array({3, nan, 1}, {device = dev}), cu.array({1, 0, -2}, {device = dev}))
    assert(cu.median(nz).real ~= cu.median(nz).real)
    local nm = cu.nanmedian(nz:astype("complex64"))
    assert.are.same({2, -0.5}, {nm.real, nm.imag})
  end)

  it("finds complex values with isin, against real or complex tests, NaN never", function()
    local z = cu.complex(cu.array({3, 1, 2, 1, nan}, {device = dev}),
                         cu.array({1, -2, 0, 5, 0}, {device = dev}))
    local tests = cu.complex(cu.array({1, 2, nan}, {device = dev}), cu.array({5, 0, 0}, {device = dev}))
    H.same(cu.isin(z, tests), {false, false, true, true, false})
    H.same(cu.isin(z, cu.array({2, 7}, {device = dev})), {false, false, true, false, false})
    H.same(cu.isin(z:reshape(5, 1), cu.array({2, 7}, {device = dev}), {invert = true}), {{true}, {true}, {false}, {true}, {true}})
    H.same(cu.isin(cu.array({2, 3, 2}, {device = dev}), z), {true, false, true})
  end)
end)
