-- Complex values as Lua sees them: what a[i], :item(), totable and reductions give for an
-- element of a complex64 or complex128 array, and what cu.array, fills and operators accept
-- beside them (a weak complex scalar, as Python's complex is in NumPy 2).
--
-- A value is a table {re, im} under this metatable, so that a plain pair {re, im} and a value
-- read the same way in the core. It has .real and .imag, arithmetic with numbers and other
-- values (+ - * / ^ and unary -), == between values, and tostring as Python writes complex
-- numbers ("(1+2j)", "2j"). An operator with an array on either side is the array's op.
local M = {}
local mt = {}

local function is_value(v) return getmetatable(v) == mt end

local function new(re, im) return setmetatable({re, im or 0}, mt) end
M.new = new
M.is_complex = is_value
M.mt = mt

-- re, im of a number or a complex value; nil for anything else (an array).
local function parts(v)
  if type(v) == "number" then return v, 0 end
  if is_value(v) then return v[1], v[2] end
  return nil
end

mt.__index = function(z, k)
  if k == "real" then return rawget(z, 1) end
  if k == "imag" then return rawget(z, 2) end
  return nil
end

-- Python's repr of a float inside a complex: the shortest digits that read back, no ".0".
local function num(x)
  if x ~= x then return "nan" end
  if x == math.huge then return "inf" end
  if x == -math.huge then return "-inf" end
  if x == math.floor(x) and math.abs(x) < 1e16 then
    if x == 0 and 1 / x < 0 then return "-0" end
    return ("%d"):format(x)
  end
  for d = 1, 17 do
    local s = ("%." .. d .. "g"):format(x)
    if tonumber(s) == x then return s end
  end
  return ("%.17g"):format(x)
end

mt.__tostring = function(z)
  local re, im = z[1], z[2]
  local si = num(im)
  if re == 0 and 1 / re > 0 then return si .. "j" end
  if si:sub(1, 1) ~= "-" then si = "+" .. si end
  return "(" .. num(re) .. si .. "j)"
end

-- Lua 5.4 asks a complex value's __eq about any table it meets (cu == cu.j): only two complex
-- values can be equal.
mt.__eq = function(a, b)
  if getmetatable(a) ~= mt or getmetatable(b) ~= mt then return false end
  return a[1] == b[1] and a[2] == b[2]
end

-- An operator on two operands: values and numbers compute here, anything else is an array's
-- op (arrays take a complex value as a weak scalar).
local function binary(name, f)
  return function(a, b)
    local ar, ai = parts(a)
    local br, bi = parts(b)
    if ar and br then return new(f(ar, ai, br, bi)) end
    return M.cu[name](a, b)
  end
end
mt.__add = binary("add", function(ar, ai, br, bi) return ar + br, ai + bi end)
mt.__sub = binary("subtract", function(ar, ai, br, bi) return ar - br, ai - bi end)
mt.__mul = binary("multiply", function(ar, ai, br, bi)
  return ar * br - ai * bi, ar * bi + ai * br
end)
-- Smith's algorithm, as the arrays divide
mt.__div = binary("divide", function(ar, ai, br, bi)
  if math.abs(br) >= math.abs(bi) then
    if br == 0 and bi == 0 then return ar / math.abs(br), ai / math.abs(br) end
    local rat = bi / br
    local scl = 1 / (br + bi * rat)
    return (ar + ai * rat) * scl, (ai - ar * rat) * scl
  end
  local rat = br / bi
  local scl = 1 / (bi + br * rat)
  return (ar * rat + ai) * scl, (ai * rat - ar) * scl
end)
mt.__pow = function(a, b)
  local ar, ai = parts(a)
  local br, bi = parts(b)
  if not (ar and br) then return M.cu.power(a, b) end
  if br == 0 and bi == 0 then return new(1, 0) end
  if ar == 0 and ai == 0 then
    if br > 0 and bi == 0 then return new(0, 0) end
    return new(0 / 0, 0 / 0)
  end
  local atan2 = math.atan2 or math.atan -- Lua 5.4's math.atan takes two arguments
  local lr, li = math.log(math.sqrt(ar * ar + ai * ai)), atan2(ai, ar)
  local er, ei = br * lr - bi * li, br * li + bi * lr
  local m = math.exp(er)
  return new(m * math.cos(ei), m * math.sin(ei))
end
mt.__unm = function(a) return new(-a[1], -a[2]) end

return M
