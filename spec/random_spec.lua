-- randint takes exact int64 bounds: Lua 5.4 integers, and on LuaJIT (whose numbers are exact
-- only up to 2^53) int64 cdata. Bounds near the int64 limits draw every value of the range
-- and never hi.
local cu = require "cuarray"
local H = require "helper"

local has_ffi, ffi = pcall(require, "ffi")
local exact64 = math.type ~= nil or has_ffi

-- 2^62 + k, exactly: a Lua 5.4 integer or an int64 cdata.
local function big(k)
  if math.type then return math.tointeger(2 ^ 62) + k end
  return ffi.new("int64_t", 2 ^ 62) + k
end

local function maxint(k)
  if math.type then return math.maxinteger + k end
  return ffi.new("int64_t", 2 ^ 62) * 2 - 1 + k
end

-- The distinct values of an int64 array, as strings (exact on every Lua).
local function distinct(a)
  local seen, n = {}, 0
  for _, v in ipairs(a:totable()) do
    local s = tostring(v):gsub("LL$", "")
    if not seen[s] then seen[s], n = true, n + 1 end
  end
  return seen, n
end

local function str(v) return (tostring(v):gsub("LL$", "")) end

H.each_device("randint with int64 bounds", function()
  if not exact64 then
    pending("needs Lua 5.3+ integers or LuaJIT's int64 cdata")
    return
  end

  it("draws every value of a range beyond 2^53", function()
    cu.random.seed(11)
    local seen, n = distinct(cu.random.randint(big(0), big(3), {300}))
    assert.are.equal(3, n)
    for k = 0, 2 do assert.is_true(seen[str(big(k))], str(big(k))) end
  end)

  it("draws below the largest int64 without wrapping", function()
    cu.random.seed(12)
    local seen, n = distinct(cu.random.randint(maxint(-2), maxint(0), {300}))
    assert.are.equal(2, n)
    assert.is_true(seen[str(maxint(-2))])
    assert.is_true(seen[str(maxint(-1))])
  end)

  it("never returns hi for negative bounds beyond 2^53", function()
    cu.random.seed(13)
    local lo, hi = -big(3), -big(0)
    local seen, n = distinct(cu.random.randint(lo, hi, {300}))
    assert.are.equal(3, n)
    assert.is_nil(seen[str(hi)])
    for k = 1, 3 do assert.is_true(seen[str(-big(k))], str(-big(k))) end
  end)

  it("checks exact bounds against the dtype", function()
    H.raises("random.randint: lo must be less than hi", cu.random.randint, big(1), big(1))
    H.raises("random.randint: the range [0, 4611686018427387905) is out of bounds for int32",
             cu.random.randint, 0, big(1), {2}, {dtype = "int32"})
  end)
end)
