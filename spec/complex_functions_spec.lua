-- The complex elementary functions (src/complex_math.h and scalar.h's exp, log, sqrt) against
-- NumPy on the points where they are delicate (spec/complex_rows.lua, from
-- tools/gen_complex_rows.py): Annex G's special values, signed zeros, overflow of the
-- hyperbolic functions and both sides of every branch cut. spec/ops_rows.lua holds the ordinary
-- points.
--
-- Each result is compared as a complex value: both parts within a tolerance relative to the
-- larger of the two (so a part that is rounding noise beside the other does not fail), NaN
-- only with NaN, an infinity only with itself (sign included), and a zero with a zero of the
-- same sign (which is what puts a result on one side of a cut). The rows' NaN has a clear sign
-- bit, as NumPy's: Annex G's functions copy a NaN's sign into infinities and zeros.
local cu = require "cuarray"
local H = require "helper"
local ROWS = require "complex_rows"

-- complex128 as NumPy's glibc within 1e-12. complex64 computes in double and rounds once;
-- NumPy's complex64 runs glibc's float functions, whose exp2 scales z by ln 2 in float (a
-- phase error of |im| * 2^-24) and whose log1p adds 1 in float (losing the real part of a
-- small z): those two get wider tolerances, and exp2 of complex64 is not compared beyond
-- |im| = 1000, where NumPy's phase has no correct digit left.
local TOL = {complex64 = 1e-6, complex128 = 1e-12}
local WIDE = {exp2 = {complex64 = 1e-4}, log1p = {complex64 = 1e-4}}
local SKIP = {exp2 = {complex64 = function(p) return math.abs(p[2]) > 1000 end}}

local function sign_of_zero(x) return 1 / x > 0 and 1 or -1 end

local function part_ok(g, e, tol, scale)
  if e ~= e then return g ~= g end
  if e == math.huge or e == -math.huge then return g == e end
  if e == 0 and g == 0 then return sign_of_zero(g) == sign_of_zero(e) end
  return math.abs(g - e) <= tol * scale
end

-- Compares one result; returns nil or a description of the difference.
local function differs(got, want, tol, point)
  local scale = math.max(math.abs(want[1]), math.abs(want[2]))
  if scale ~= scale or scale == math.huge then scale = 1 end
  scale = math.max(scale, 1e-300)
  if part_ok(got[1], want[1], tol, scale) and part_ok(got[2], want[2], tol, scale) then
    return nil
  end
  return ("at (%.17g, %.17g): got (%.17g, %.17g), NumPy (%.17g, %.17g)"):format(point[1],
    point[2], got[1], got[2], want[1], want[2])
end

local function parts(a)
  local re, im = a.real:totable(), a.imag:totable()
  local out = {}
  for i = 1, #re do out[i] = {re[i], im[i]} end
  return out
end

local OPS = {"sin", "cos", "tan", "sinh", "cosh", "tanh", "arcsin", "arccos", "arctan",
             "arcsinh", "arccosh", "arctanh", "log", "log2", "log10", "log1p", "exp", "expm1",
             "exp2", "sqrt", "round"}

H.each_device("complex functions on special values and branch cuts", function()
  for _, dtype in ipairs({"complex128", "complex64"}) do
    for _, op in ipairs(OPS) do
      it(op .. " of " .. dtype, function()
        local z = cu.array(ROWS.points, {dtype = dtype})
        local r = cu[op](z)
        assert.are.equal(dtype, r.dtype)
        local got, want = parts(r), ROWS[op][dtype]
        local tol = WIDE[op] and WIDE[op][dtype] or TOL[dtype]
        local skip = SKIP[op] and SKIP[op][dtype]
        local bad = {}
        for i, w in ipairs(want) do
          local p = ROWS.points[i]
          local why = not (skip and skip(p)) and differs(got[i], w, tol, p)
          if why then bad[#bad + 1] = why end
        end
        if #bad > 0 then
          error(("%s %s: %d of %d differ, first %s"):format(op, dtype, #bad, #want, bad[1]))
        end
      end)
    end
  end

  it("the branch cuts' sides follow the sign of a zero part (Annex G), as NumPy", function()
    local above = cu.array({{2, 0}}, {dtype = "complex128"})
    local below = cu.conj(above)
    assert.is_true(cu.arcsin(above).imag:item() > 0)
    assert.is_true(cu.arcsin(below).imag:item() < 0)
    assert.is_true(cu.arctanh(above).imag:item() > 0)
    assert.is_true(cu.arctanh(below).imag:item() < 0)
    H.same(cu.arccos(above).real, {0}, 0)
    local left = cu.array({{-3, 0}}, {dtype = "complex128"})
    H.same(cu.arccosh(left).imag, {math.pi}, 1e-15)
    H.same(cu.arccosh(cu.conj(left)).imag, {-math.pi}, 1e-15)
    H.same(cu.log10(left).imag, {math.pi / math.log(10)}, 1e-15)
  end)

  it("round with decimals rounds both parts, as NumPy", function()
    local z = cu.array({{0.55, 1.25}, {-2.5, 125}}, {dtype = "complex128"})
    H.same(cu.real(cu.round(z, 1)), {0.6, -2.5}, 1e-15)
    H.same(cu.imag(cu.round(z, 1)), {1.2, 125}, 1e-15)
    H.same(cu.real(cu.round(z, -1)), {0, -0}, 0)
    H.same(cu.imag(cu.round(z, -1)), {0, 120}, 0)
  end)
end)
