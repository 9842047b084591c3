-- Shared by the specs: run a block once per available device, and compare arrays with
-- hand-computed (NumPy-checked) values.
local cu = require "cuarray"
-- busted's API (describe, before_each, ...) lives in each spec file's environment; a module
-- reaches it through require "busted".
local busted = require "busted"

local H = {}

-- The devices to test: the CPU always, CUDA when a GPU is present. CUARRAY_TEST_DEVICES
-- ("cpu", "cuda" or "cpu,cuda") narrows or forces the list (make test-gpu forces cuda).
function H.devices()
  local want = os.getenv("CUARRAY_TEST_DEVICES")
  local list = {}
  if want and want ~= "" then
    for d in want:gmatch("[^,%s]+") do list[#list + 1] = d end
    return list
  end
  list[1] = "cpu"
  if cu.cuda.is_available() then list[2] = "cuda" end
  return list
end

-- describe(name .. " on <device>") for every device, with that device the default inside.
function H.each_device(name, fn)
  for _, dev in ipairs(H.devices()) do
    busted.describe(name .. " on " .. dev, function()
      local previous
      busted.before_each(function()
        previous = cu.get_default_device()
        cu.set_default_device(dev)
      end)
      busted.after_each(function() cu.set_default_device(previous) end)
      fn(dev)
    end)
  end
end

-- tostring(a) without NumPy 2's ", device=..." (which an array off the default CPU prints), for
-- texts that must read the same on every device.
function H.printed(a)
  return (tostring(a):gsub(", device=[^)]*", ""))
end

local function flatten(t, out)
  out = out or {}
  if type(t) ~= "table" then out[#out + 1] = t; return out end
  for i = 1, #t do flatten(t[i], out) end
  return out
end

local function shape_of(t)
  local s = {}
  while type(t) == "table" do s[#s + 1] = #t; t = t[1] end
  return s
end

-- THE comparison of two values (numbers or booleans): booleans and integers exactly, NaN
-- matches NaN, infinities match only themselves, and with `tol` two finite numbers agree when
-- |x - y| <= tol * max(1, |x|, |y|). Every spec compares through this (H.same, the op rows,
-- the GPU differential spec).
function H.close(x, y, tol)
  if type(y) == "string" then return H.same_integer(x, y) end
  if type(x) == "boolean" or type(y) == "boolean" then return x == y end
  if x ~= x then return y ~= y end
  if x == y then return true end
  if not tol or x == math.huge or x == -math.huge or y == math.huge or y == -math.huge then
    return false
  end
  return math.abs(x - y) <= tol * math.max(1, math.abs(x), math.abs(y))
end

-- Whether x, a 64-bit integer as Lua gets it from an array, is the integer whose decimal digits
-- are the string y: exactly for a Lua 5.4 integer and a LuaJIT int64 / uint64 cdata, and as the
-- float Lua holds for it otherwise (a uint64 beyond 2^63 on Lua 5.4, anything beyond 2^53 on
-- PUC Lua 5.1: the printer shows those digits exactly).
function H.same_integer(x, y)
  if type(x) == "cdata" then return (tostring(x):gsub("U?LL$", "")) == y end
  if math.type and math.type(x) == "integer" then return tostring(x) == y end
  return x == tonumber(y)
end

-- Compares `got` (an array, a Lua value, or nested tables) with `expected` (nested tables or
-- a value) in shape and values: returns true, or false and what differs.
function H.compare(got, expected, tol)
  if cu.is_array(got) then got = got:totable() end
  local gs, es = shape_of(got), shape_of(expected)
  if table.concat(gs, ",") ~= table.concat(es, ",") then
    return false, ("shapes differ: got (%s), expected (%s)"):format(table.concat(gs, ","),
      table.concat(es, ","))
  end
  local g, e = flatten(got), flatten(expected)
  for i = 1, #e do
    if not H.close(g[i], e[i], tol) then
      return false, ("element %d: got %s, expected %s"):format(i, tostring(g[i]), tostring(e[i]))
    end
  end
  return true
end

-- Asserts that `a` (an array, or a Lua table/number) equals `expected` (nested tables or a
-- number) in shape and values; `tol` is a relative tolerance (default exact).
function H.same(a, expected, tol)
  local ok, why = H.compare(a, expected, tol)
  if not ok then error(why, 2) end
end

-- Asserts that fn raises an error whose message contains `fragment` (plain text).
function H.raises(fragment, fn, ...)
  local ok, err = pcall(fn, ...)
  if ok then error("expected an error containing: " .. fragment, 2) end
  err = tostring(err)
  if not err:find(fragment, 1, true) then
    error(("error %q does not contain %q"):format(err, fragment), 2)
  end
end

-- Debian's Python, with NumPy, for the cross-checks against NumPy; H.have_numpy() says whether
-- NumPy is there (asked once).
H.python = "/usr/bin/python3"
local numpy_here
function H.have_numpy()
  if numpy_here == nil then
    local ok = os.execute(H.python .. " -c 'import numpy' >/dev/null 2>&1")
    numpy_here = ok == true or ok == 0
  end
  return numpy_here
end

-- The whole file at path, as bytes.
function H.read_file(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("*a")
  f:close()
  return s
end

-- Writes the string s (bytes) as the file at path.
function H.write_file(path, s)
  local f = assert(io.open(path, "wb"))
  f:write(s)
  f:close()
end

-- Writes `code` to a temporary file (named with `ext`), runs `command <file> [args]` in a
-- shell and returns what it printed (stdout and stderr).
function H.run_code(command, code, ext, args)
  local path = os.tmpname() .. (ext or "")
  H.write_file(path, code)
  local p = assert(io.popen(("%s %s %s 2>&1"):format(command, path, args or "")))
  local out = p:read("*a")
  p:close()
  os.remove(path)
  return out
end

H.nan = 0 / 0
H.inf = math.huge

return H
