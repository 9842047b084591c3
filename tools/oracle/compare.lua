-- Compares one value a case returned with what NumPy gave (an entry of the case's `ex`):
--   {k = "a", dt =, sh =, v = {...}}   an array: dtype, shape and values (C order)
--   {k = "e", ...}                     the same, or a Lua value (a full reduction)
--   {k = "v", v = x}                   a Lua number or boolean
--   {k = "l", items = {...}}           a Lua table of arrays
-- Values are exact unless u (ulps of the dtype; gu on the GPU) or at (an absolute bound) is
-- given; NaN equals NaN; the sign of zero counts unless zs = false. int64 values beyond 2^53
-- are strings of digits: exact on Lua 5.4 (integers) and LuaJIT (read through the ffi), and
-- compared after rounding to a double on Lua 5.1, which has no 64-bit integers.
local cu = require "cuarray"

local M = {}

local ffi = jit and require "ffi"
local LUA54 = math.type ~= nil
local INTS = {int8 = true, uint8 = true, int16 = true, int32 = true, int64 = true, uint16 = true,
              uint32 = true, uint64 = true}
local MANT = {float16 = 10, float32 = 23, float64 = 52}
local EMIN = {float16 = -14, float32 = -126, float64 = -1022}

local function fmt(x)
  if type(x) == "table" and #x == 2 then -- a complex element's parts
    return "(" .. fmt(x[1]) .. ", " .. fmt(x[2]) .. ")"
  end
  if type(x) == "number" then
    if x ~= x then return "nan" end
    if LUA54 and math.type(x) == "integer" then return tostring(x) end
    if x == math.floor(x) and math.abs(x) < 2 ^ 63 then return ("%.1f"):format(x) end
    return ("%.17g"):format(x)
  end
  return tostring(x)
end
M.fmt = fmt

function M.describe(v)
  if cu.is_array(v) then
    return ("an array of dtype %s, shape (%s)"):format(v.dtype, table.concat(v.shape, ", "))
  end
  return type(v) .. " " .. fmt(v)
end

-- One unit in the last place of x in dtype dt.
local function ulp(x, dt)
  local p, emin = MANT[dt], EMIN[dt]
  x = math.abs(x)
  local e = emin
  if x >= 2 ^ emin then
    e = math.floor(math.log(x) / math.log(2))
    while 2 ^ e > x do e = e - 1 end
    while 2 ^ (e + 1) <= x do e = e + 1 end
  end
  return 2 ^ (e - p)
end

-- An int64 as a string of digits, exactly where the Lua version allows.
local function int_string(v)
  if type(v) == "string" then return v end
  if type(v) == "cdata" then return (tostring(v):gsub("U?LL$", "")) end
  if LUA54 and math.type(v) == "integer" then return ("%d"):format(v) end
  return ("%.0f"):format(v)
end

local function same_int(g, e)
  if type(e) == "string" or type(g) == "cdata" then
    if not LUA54 and not ffi then return tonumber(e) == g end -- Lua 5.1: doubles only
    if LUA54 and math.type(g) == "float" then return tonumber(e) == g end -- uint64 beyond 2^63
    return int_string(g) == int_string(e)
  end
  return g == e
end

local function same_float(g, e, dt, ulps, atol, zs)
  if type(g) ~= "number" then return false end
  if e ~= e then return g ~= g end
  if g ~= g then return false end
  if g == e then
    if e == 0 and zs ~= false then return 1 / g == 1 / e end
    return true
  end
  if e == math.huge or e == -math.huge or g == math.huge or g == -math.huge then return false end
  local d = math.abs(g - e)
  if atol and d <= atol then return true end
  if ulps and ulps > 0 and d <= ulps * ulp(e, dt) then return true end
  return false
end

-- The real dtype of each complex dtype: a complex element is a {re, im} pair of it.
local PART = {complex64 = "float32", complex128 = "float64"}

-- Both parts of a complex element within the tolerance in ulps of its larger part (a part
-- that is rounding noise beside the other is not held to its own ulps).
local function same_complex(g, e, dt, ulps, atol, zs)
  local big = math.max(math.abs(e[1]), math.abs(e[2]))
  local tol = atol or 0
  if ulps and ulps > 0 and big == big and big < math.huge then
    tol = math.max(tol, ulps * ulp(big, dt))
  end
  return same_float(g[1], e[1], dt, nil, tol, zs) and same_float(g[2], e[2], dt, nil, tol, zs)
end

local function same_element(g, e, dt, ex, device)
  if dt == "bool" then return g == e end
  if PART[dt] then
    return same_complex(g, e, PART[dt], device ~= "cpu" and ex.gu or ex.u, ex.at, ex.zs)
  end
  if INTS[dt] then return same_int(g, e) end
  local ulps = device ~= "cpu" and ex.gu or ex.u
  return same_float(g, e, dt, ulps, ex.at, ex.zs)
end

local function flatten(t, out)
  if type(t) ~= "table" then out[#out + 1] = t; return out end
  for i = 1, #t do flatten(t[i], out) end
  return out
end

-- The elements of array a in C order, int64 ones exact (cdata) on LuaJIT.
local function elements(a)
  if PART[a.dtype] then -- {re, im} pairs
    local re, im, out = flatten(a.real:totable(), {}), flatten(a.imag:totable(), {}), {}
    for i = 1, #re do out[i] = {re[i], im[i]} end
    return out
  end
  if a.dtype == "int64" and ffi then
    local p, out = a:to_ffi(), {}
    for i = 0, a.size - 1 do out[i + 1] = p[i] end
    return out
  end
  return flatten(a:totable(), {})
end

local function shape_string(sh) return "(" .. table.concat(sh, ", ") .. ")" end

local function check_array(a, ex, device)
  if not cu.is_array(a) then return "expected an array, got " .. M.describe(a) end
  if a.dtype ~= ex.dt then
    return ("dtype %s, expected %s"):format(a.dtype, ex.dt)
  end
  local sh = a.shape
  if #sh ~= #ex.sh then
    return ("shape %s, expected %s"):format(shape_string(sh), shape_string(ex.sh))
  end
  for i = 1, #sh do
    if sh[i] ~= ex.sh[i] then
      return ("shape %s, expected %s"):format(shape_string(sh), shape_string(ex.sh))
    end
  end
  local got = elements(a)
  if #got ~= #ex.v then return ("%d elements, expected %d"):format(#got, #ex.v) end
  local bad, first
  for i = 1, #ex.v do
    if not same_element(got[i], ex.v[i], ex.dt, ex, device) then
      bad = (bad or 0) + 1
      first = first or i
    end
  end
  if bad then
    return ("%d of %d elements differ; the first is element %d (C order): got %s, expected %s")
      :format(bad, #ex.v, first, fmt(got[first]), fmt(ex.v[first]))
  end
  return nil
end

local function check_value(v, ex, dt, device)
  if cu.is_array(v) then return "expected a Lua value, got " .. M.describe(v) end
  local e = ex.v
  if type(e) == "boolean" then
    if v ~= e then return ("got %s, expected %s"):format(M.describe(v), tostring(e)) end
    return nil
  end
  if type(v) ~= "number" and type(v) ~= "cdata" then
    return ("got %s, expected the number %s"):format(M.describe(v), fmt(e))
  end
  local good
  local ulps = device ~= "cpu" and ex.gu or ex.u
  if type(e) == "string" then good = same_int(v, e) -- an int64 beyond 2^53
  elseif dt and MANT[dt] then good = same_float(v, e, dt, ulps, ex.at, ex.zs)
  elseif dt and INTS[dt] then good = same_int(v, e)
  else good = v == e or (v ~= v and e ~= e) end
  if not good then return ("got %s, expected %s"):format(fmt(v), fmt(e)) end
  return nil
end

-- Returns nil when v matches ex, else what differs.
function M.check(v, ex, device)
  if ex.k == "a" then return check_array(v, ex, device) end
  if ex.k == "v" then return check_value(v, ex, nil, device) end
  if ex.k == "e" then
    if cu.is_array(v) then return check_array(v, ex, device) end
    if ex.dt == "bool" and type(v) ~= "boolean" then
      return "expected a boolean (or a 0-d bool array), got " .. M.describe(v)
    end
    return check_value(v, {v = ex.v[1], u = ex.u, gu = ex.gu, at = ex.at, zs = ex.zs}, ex.dt,
                       device)
  end
  if ex.k == "l" then
    if type(v) ~= "table" then return "expected a table of arrays, got " .. M.describe(v) end
    if #v ~= #ex.items then
      return ("a table of %d arrays, expected %d"):format(#v, #ex.items)
    end
    for i = 1, #ex.items do
      local msg = check_array(v[i], ex.items[i], device)
      if msg then return ("array %d of the table: %s"):format(i, msg) end
    end
    return nil
  end
  return "unknown expectation " .. tostring(ex.k)
end

return M
