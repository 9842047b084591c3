-- Checks of the Lua layer's positional arguments, raising in the name of the function the user
-- called (level 3: the caller of the function that asks).
local core = require "cuarray.core"

local M = {}

local unpack = table.unpack or unpack
-- The arguments as a list, their count in `n` (nils kept). Under LuaJIT, a function that counts
-- its arguments with select("#", ...) and also copies them with {...} took 6 us a call (its
-- trace exits each time); this one constructor takes 0.1 us.
function M.pack(...) return {n = select("#", ...), ...} end
local pack = M.pack

-- The arguments as a plain list and their count (nils kept), by the same constructor.
function M.list(...)
  local t = pack(...)
  local n = t.n
  t.n = nil
  return t, n
end

local function describe(v)
  return type(v) == "number" and tostring(v) or type(v)
end

-- An integer argument; `default` when v is nil (nil default: required).
function M.integer(fname, what, v, default)
  if v == nil and default ~= nil then return default end
  if type(v) ~= "number" or v ~= math.floor(v) or v ~= v or v == math.huge or v == -math.huge then
    error(("%s: %s must be an integer, got %s"):format(fname, what, describe(v)), 3)
  end
  return v
end

-- An axis (1-based, negative from the end) of an array of nd dims, as a positive axis.
function M.axis(fname, ax, nd, what)
  what = what or "axis"
  if type(ax) ~= "number" or ax ~= math.floor(ax) then
    error(("%s: %s must be an integer, got %s"):format(fname, what, describe(ax)), 3)
  end
  local a = ax < 0 and ax + nd + 1 or ax
  if a < 1 or a > nd then
    error(("%s: %s %d is out of bounds for an array of dimension %d (axes run from 1, or from -1 "
      .. "at the end)"):format(fname, what, ax, nd), 3)
  end
  return a
end

-- The entries 1, 2, ... of the table t up to the first nil, read raw (no __index or __len runs:
-- a user's table may have any metatable), as a new plain table.
function M.raw_list(t)
  local out, i = {}, 1
  while rawget(t, i) ~= nil do
    out[i] = rawget(t, i)
    i = i + 1
  end
  return out
end

M.MAXDIMS = 32 -- the core's CA_MAXDIMS

-- Raises unless an array of n dimensions fits the core's limit.
function M.check_ndim(fname, n)
  if n > M.MAXDIMS then
    error(("%s: too many dimensions (%d; at most %d)"):format(fname, n, M.MAXDIMS), 3)
  end
end

-- A list of integers: a number (one entry), a table of them, or a 1-d integer array (read to
-- the host).
function M.int_list(fname, what, v)
  if type(v) == "number" then v = {v} end
  if core.is_array(v) then
    if v.ndim > 1 then
      error(("%s: %s must be 1-d, got %d-d"):format(fname, what, v.ndim), 3)
    end
    v = v:totable()
    if type(v) ~= "table" then v = {v} end
  end
  if type(v) ~= "table" then
    error(("%s: %s must be an integer or a list of integers, got %s"):format(fname, what,
      type(v)), 3)
  end
  v = M.raw_list(v)
  local out = {}
  for i = 1, #v do
    local x = v[i]
    if type(x) == "boolean" then x = x and 1 or 0 end
    if type(x) ~= "number" or x ~= math.floor(x) or x == math.huge or x == -math.huge then
      error(("%s: %s entry %d must be an integer, got %s"):format(fname, what, i, describe(x)), 3)
    end
    out[i] = x
  end
  return out
end

-- a, or a Lua number, boolean or (nested) list as an array on `device` (default: the default
-- device); raises for anything else.
function M.array(fname, a, device)
  local t = type(a)
  if t == "number" or t == "boolean" or (t == "table" and not core.is_array(a)) then
    local ok, r = pcall(core.asarray, a, {device = device})
    if not ok then -- the message in the caller's name
      error(("%s: %s"):format(fname, tostring(r):gsub("^.-asarray: ", "")), 3)
    end
    return r
  end
  return core._check_array(a, fname)
end

-- f(...) for a function built on other ones (ops, names): an error raised in one of their
-- names ("<where>: add: operands must be ...") is raised again in fname's ("fname: operands
-- must be ..."), at the caller of the function that calls call_as.
function M.call_as(fname, names, f, ...)
  local r = pack(pcall(f, ...))
  if r[1] then return unpack(r, 2, r.n) end
  local e = r[2]
  if type(e) == "string" then
    for _, name in ipairs(names) do
      local i, j = e:find(name .. ": ", 1, true)
      if i and (i == 1 or e:sub(i - 1, i - 1):find("[^%w_%.]")) then
        error(fname .. ": " .. e:sub(j + 1), 3)
      end
    end
  end
  error(e, 0)
end

-- x as integer indices: a Lua number as it is, else an array (a list becomes one on
-- `device`) of an integer dtype; raises for bool and float arrays.
function M.integers(fname, what, x, device)
  if type(x) == "number" then return x end
  x = M.array(fname, x, device)
  if x.dtype == "bool" or x.dtype:find("float") then
    error(("%s: %s must be integers, got %s"):format(fname, what, x.dtype), 3)
  end
  return x
end

-- The key that takes elements first..last (1-based, inclusive; empty when last < first) of
-- axis `axis` of an array of nd dims, whole along the others.
function M.range_key(nd, axis, first, last)
  local key = {}
  for i = 1, nd do key[i] = {} end
  if last < first then key[axis] = {2, 1} else key[axis] = {first, last} end
  return key
end

-- An array on a's device: {dtype = ..., device = a.device}.
function M.like(a, dtype)
  return {dtype = dtype or a.dtype, device = a.device}
end

-- The broadcast of the shapes in the list `shapes` (Lua tables of sizes), or nil and the
-- positions of the first two that do not broadcast together.
function M.broadcast_shapes(shapes)
  local nd = 0
  for _, s in ipairs(shapes) do nd = math.max(nd, #s) end
  local out, from = {}, {}
  for i = 1, nd do out[i], from[i] = 1, nil end
  for j, s in ipairs(shapes) do
    for i = 1, #s do
      local k, n = nd - #s + i, s[i]
      if n ~= 1 then
        if out[k] ~= 1 and out[k] ~= n then return nil, from[k], j end
        out[k], from[k] = n, j
      end
    end
  end
  return out
end

return M
