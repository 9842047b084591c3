-- Hostile values for the fuzzer's steps (fuzz/hostile/gen.py writes the steps that use them).
-- Each helper is a section opening with a `--@ name` line: a reproduction script carries only
-- the sections it uses (driver.py reads them from here). A helper never raises by itself,
-- except where it says so: its errors carry "hostile:" or are H.ERR, so that the runner can
-- tell them from the library's.
local cu = require "cuarray"
local H = {}

--@ ERR
-- An error value that is not a string, raised by hostile callbacks.
H.ERR = setmetatable({}, {__tostring = function() return "hostile: error object" end})

--@ I
-- An integral number as a Lua 5.3+ integer where there are integers (2^62 exactly, not a float).
function H.I(x) return math.tointeger and math.tointeger(x) or x end

--@ MT
-- The metatable of arrays, to call its metamethods with any self.
H.MT = getmetatable(cu.zeros(1))

--@ freed
function H.freed(a)
  a:free()
  return a
end

--@ garbage
-- Makes garbage whose finalizer runs fn: a table with __gc, or a proxy on Lua 5.1 and LuaJIT.
function H.garbage(fn)
  if rawget(_G, "newproxy") then
    local p = newproxy(true)
    getmetatable(p).__gc = function() fn() end
  else
    setmetatable({}, {__gc = function() fn() end})
  end
end

--@ at_close
-- An object held until the Lua state closes, whose finalizer (run by lua_close) calls fn.
H.closing = {}
function H.at_close(fn)
  local function fin() pcall(fn) end
  if rawget(_G, "newproxy") then
    local p = newproxy(true)
    getmetatable(p).__gc = fin
    H.closing[#H.closing + 1] = p
  else
    H.closing[#H.closing + 1] = setmetatable({}, {__gc = fin})
  end
end

--@ free_on_gc
-- Garbage whose finalizer frees `a` at the next collection; returns `a`.
function H.free_on_gc(a)
  H.garbage(function() a:free() end)
  return a
end

--@ mutate_on_gc
-- Garbage whose finalizer rewrites the table t (cu.array may be converting it then); returns t.
function H.mutate_on_gc(t)
  H.garbage(function()
    for i = 1, #t do t[i] = {i, {i, i}} end
    t[#t + 1] = "x"
  end)
  return t
end

--@ eager_gc
-- Calls fn with the collector at its most eager (a new cycle at once, large steps), so that
-- finalizers run inside the calls fn makes; then puts the settings back.
function H.eager_gc(fn)
  local pause = collectgarbage("setpause", 0)
  local stepmul = collectgarbage("setstepmul", 1000)
  local ok, r = pcall(fn)
  collectgarbage("setpause", pause)
  collectgarbage("setstepmul", stepmul)
  if not ok then error(r, 0) end
  return r
end

--@ opts_freeing
-- An options table (answering from t) whose every read frees `a` first.
function H.opts_freeing(a, t)
  return setmetatable({}, {__index = function(_, k)
    a:free()
    return t and t[k]
  end})
end

--@ opts_collecting
-- An options table (answering from t) whose every read runs a full collection first.
function H.opts_collecting(t)
  return setmetatable({}, {__index = function(_, k)
    collectgarbage()
    return t and t[k]
  end})
end

--@ opts_raising
-- An options table whose every read raises.
function H.opts_raising()
  return setmetatable({}, {__index = function(_, k)
    error("hostile: __index " .. tostring(k), 0)
  end})
end

--@ opts_raising_object
-- An options table whose every read raises a table.
function H.opts_raising_object()
  return setmetatable({}, {__index = function() error(H.ERR) end})
end

--@ opts_odd
-- An options table answering every key with v.
function H.opts_odd(v)
  return setmetatable({}, {__index = function() return v end})
end

--@ opts_weak_out
-- {out = ...} read through __index: a new array that only a weak table holds; every other
-- read runs a full collection.
function H.opts_weak_out(shape, dtype)
  local weak = setmetatable({}, {__mode = "v"})
  return setmetatable({}, {__index = function(_, k)
    if k == "out" then
      local o = cu.zeros(shape, {dtype = dtype})
      weak[1] = o
      return o
    end
    collectgarbage()
  end})
end

--@ opts_reentrant
-- An options table (answering from t) whose reads call cuarray again: print, reduce, allocate.
function H.opts_reentrant(t)
  return setmetatable({}, {__index = function(_, k)
    local a = cu.arange(7)
    local _ = tostring(a) .. tostring(a:sum()) .. tostring(cu.zeros({2, 2}) + 1)
    return t and t[k]
  end})
end

--@ chatty
-- A table whose metamethods call cuarray: __tostring prints an array, __index makes one, __len
-- is huge, __call and __concat raise.
function H.chatty()
  return setmetatable({}, {
    __tostring = function() return tostring(cu.arange(4)) end,
    __index = function() return cu.zeros(2) end,
    __len = function() return 2 ^ 62 end,
    __call = function() error("hostile: __call", 0) end,
    __concat = function() error(H.ERR) end,
  })
end

--@ cyclic
-- A table that contains itself.
function H.cyclic()
  local t = {}
  t[1] = t
  return t
end

--@ deep
-- n tables nested in each other around v.
function H.deep(n, v)
  local t = v
  for _ = 1, n do t = {t} end
  return t
end

--@ filled
-- A list of n copies of v.
function H.filled(n, v)
  local t = {}
  for i = 1, n do t[i] = v end
  return t
end

--@ userdata
-- A full userdata that is not an array.
function H.userdata()
  return rawget(_G, "newproxy") and newproxy(true) or io.stdout
end

--@ dead_coroutine
function H.dead_coroutine()
  local co = coroutine.create(function() end)
  coroutine.resume(co)
  return co
end

--@ with_formatter
-- Calls fn with the printer replaced by f, then puts the library's printer back.
function H.with_formatter(f, fn)
  cu._set_formatter(f)
  local ok, r = pcall(fn)
  local format = require "cuarray.format"
  cu._set_formatter(function(a) return format.repr(a, cu._print_data) end)
  if not ok then error(r, 0) end
  return r
end

--@ nested_print
-- A printer that prints the array again from inside itself, n levels deep.
function H.nested_print(n)
  local depth = 0
  return function(x)
    if depth >= n then return "x" end
    depth = depth + 1
    local ok, s = pcall(tostring, x)
    depth = depth - 1
    if not ok then error(s, 0) end
    return s
  end
end

--@ tamper
-- Calls fn with t[k] set to v (t: the array metatable or its methods), then puts it back.
function H.tamper(t, k, v, fn)
  local old = rawget(t, k)
  rawset(t, k, v)
  local ok, r = pcall(fn)
  rawset(t, k, old)
  if not ok then error(r, 0) end
  return r
end

--@ consume
-- The consumer's half of the DLPack contract: takes the tensor p that to_dlpack gave and frees
-- the array made of it.
function H.consume(p, versioned)
  cu.from_dlpack(p, {versioned = versioned}):free()
  return p
end

--@ tmp
-- A path in the fuzzer's scratch directory.
function H.tmp(name)
  return (os.getenv("HOSTILE_TMP") or ".") .. "/" .. name
end

--@ ffi
-- LuaJIT's ffi, or nil.
H.ffi = rawget(_G, "jit") and require("ffi") or nil

--@ unpack
H.unpack = table.unpack or unpack

--@ plain
-- A result as plain Lua values: nested tables for an array, its value for a 0-d array, so that
-- a full reduction compares the same whether it gives a Lua value or a 0-d array.
function H.plain(x)
  if not cu.is_array(x) then return x end
  if x.ndim == 0 then return x:item() end
  return x:totable()
end

--@ differ
-- Where got and want (arrays, tables or values) differ, or nil: NaN equals NaN, true equals 1.
function H.differ(got, want, where)
  got, want, where = H.plain(got), H.plain(want), where or ""
  if type(got) == "table" and type(want) == "table" then
    if #got ~= #want then return ("%s: %d elements, expected %d"):format(where, #got, #want) end
    for i = 1, #got do
      local why = H.differ(got[i], want[i], where .. "[" .. i .. "]")
      if why then return why end
    end
    return nil
  end
  local g = type(got) == "boolean" and (got and 1 or 0) or got
  local w = type(want) == "boolean" and (want and 1 or 0) or want
  if g == w or (g ~= g and w ~= w) then return nil end
  return ("%s: got %s, expected %s"):format(where, tostring(got), tostring(want))
end

--@ property
-- Raises a property failure (the runner reports it apart from errors).
function H.property(fmt, ...)
  error({property = fmt:format(...)})
end

--@ check_out
-- cu[name](args..., {out = o}) must leave in o what cu[name] gives for copies of the args, cast
-- to o's dtype: NumPy computes as if the inputs were copied first (o may overlap them), in the
-- dtype the inputs select, and casts the result to out's dtype.
function H.check_out(name, o, ...)
  local n, args, copies = select("#", ...), {...}, {}
  for i = 1, n do copies[i] = cu.is_array(args[i]) and args[i]:copy() or args[i] end
  local ok, want = pcall(cu[name], H.unpack(copies, 1, n))
  if not ok then return nil end -- nothing to compare with: the call itself is under test elsewhere
  want = cu.is_array(want) and want:astype(o.dtype) or want
  local dtypes = {}
  for i = 1, n do dtypes[i] = cu.is_array(args[i]) and args[i].dtype or tostring(args[i]) end
  args[n + 1] = {out = o}
  cu[name](H.unpack(args, 1, n + 1))
  local why = H.differ(o, want)
  if why then
    H.property("%s(%s) into out %s: %s", name, table.concat(dtypes, ", "), o.dtype, why)
  end
end

--@ check_order
-- The result of cu[name] (concatenate, stack) of a list must not depend on the list's order.
function H.check_order(name, list, axis)
  local rev, dtypes = {}, {}
  for i = 1, #list do
    rev[i] = list[#list + 1 - i]
    dtypes[i] = list[i].dtype
  end
  local a = cu[name](list, axis)
  local b = cu[name](rev, axis)
  if a.dtype ~= b.dtype then
    H.property("%s of (%s) gives %s, reversed %s", name, table.concat(dtypes, ", "), a.dtype,
               b.dtype)
  end
end

--@ round_float
-- x rounded to the nearest value of an IEEE binary format with p significand bits and normal
-- exponents emin..emax (ties to even; overflow to infinity; subnormals).
function H.round_float(x, p, emin, emax)
  if x ~= x or x == 0 or x == math.huge or x == -math.huge then return x end
  local _, e = math.frexp(x)
  local ulp = 2 ^ (math.max(e - 1, emin) - p + 1)
  local q = x / ulp
  local r = math.floor(q)
  local d = q - r
  if d > 0.5 or (d == 0.5 and r % 2 == 1) then r = r + 1 end
  local y = r * ulp
  if math.abs(y) >= 2 ^ (emax + 1) then return x < 0 and -math.huge or math.huge end
  return y
end

--@ convert
-- The value x (a Lua number or boolean) converted to dtype as the backend contract says: floats
-- round to nearest even; float -> int truncates, NaN and values outside int64 give INT64_MIN
-- before narrowing; integers wrap; uint64 as H.to_uint64.
H.INT_BITS = {int8 = 8, uint8 = 8, int16 = 16, int32 = 32, int64 = 64, uint16 = 16, uint32 = 32}
function H.convert(x, dtype)
  if type(x) == "boolean" then x = x and 1 or 0 end
  if dtype == "uint64" then return H.to_uint64(x) end
  if type(x) == "cdata" then -- LuaJIT's boxed int64 (beyond 2^53): wrap it exactly
    if dtype == "int64" then return H.ffi.cast("int64_t", x) end -- a uint64's bits wrap
    if not H.INT_BITS[dtype] then
      x = tonumber(x)
    else
      -- a comparison with 2^63 would convert 2^63 to int64 (INT64_MIN); % is exact, and its
      -- sign convention does not matter once the remainder is taken into 0..m-1
      local m = 2 ^ H.INT_BITS[dtype]
      local r = tonumber(x % m)
      if r < 0 then r = r + m end
      return H.wrap(r, dtype)
    end
  end
  if dtype == "bool" then return x ~= 0 end
  if dtype == "float64" then return x end
  if dtype == "float32" then return H.round_float(x, 24, -126, 127) end
  if dtype == "float16" then return H.round_float(x, 11, -14, 15) end
  if dtype == "bfloat16" then return H.round_float(x, 8, -126, 127) end
  if x ~= x or x >= 2 ^ 63 or x < -2 ^ 63 then x = -2 ^ 63 end
  return H.wrap(x < 0 and math.ceil(x) or math.floor(x), dtype)
end

--@ to_uint64
-- x (a Lua number or a 64-bit cdata) as uint64, as the contract converts it: a cdata by its
-- bits; a float truncated, exact in [2^63, 2^64), 0 from 2^64 (and +inf), 2^63 for NaN, -inf
-- and below -2^63, negative values wrapped. A uint64 cdata beyond 2^53 on LuaJIT (what arrays
-- give there); elsewhere the float that Lua 5.4 and 5.1 get back for the value.
function H.to_uint64(x)
  if type(x) == "cdata" then return H.ffi.cast("uint64_t", x) end
  if x ~= x or x < -2 ^ 63 then x = 2 ^ 63
  elseif x >= 2 ^ 64 then x = 0
  else x = x < 0 and math.ceil(x) or math.floor(x) end
  if not H.ffi then return x < 0 and x + 2 ^ 64 or x end
  if x < 0 then return H.ffi.cast("uint64_t", H.ffi.new("int64_t", x)) end
  if x > 2 ^ 53 then return H.ffi.new("uint64_t", x) end
  return x
end

--@ wrap
-- The integer x (a Lua number, exact) wrapped to an integer dtype, as fixed-width arithmetic
-- stores it.
function H.wrap(x, dtype)
  local m, signed = 2 ^ H.INT_BITS[dtype], not dtype:match("^uint")
  if signed and x >= -m / 2 and x < m / 2 then return x end
  x = x % m -- exact: m is a power of two, x an integer that m does not dwarf or a multiple
  if signed and x >= m / 2 then x = x - m end
  return x
end

--@ check_astype
-- a:astype(dtype) must hold the contract's conversion of each of a's values.
function H.check_astype(a, dtype)
  local got = a:astype(dtype)
  -- uint64 values from 2^63 come back as floats on Lua 5.4 and 5.1; into an integer dtype they
  -- wrap, as a cast of their bits, where H.convert takes a float as out of int64's range
  local wrap_big = a.dtype == "uint64" and H.INT_BITS[dtype] ~= nil
  local function map(t)
    if type(t) ~= "table" then
      if wrap_big and type(t) == "number" and t >= 2 ^ 63 then t = t - 2 ^ 64 end
      return H.convert(t, dtype)
    end
    local r = {}
    for i = 1, #t do r[i] = map(t[i]) end
    return r
  end
  local why = H.differ(got, map(H.plain(a)))
  if why then H.property("astype %s -> %s: %s", a.dtype, dtype, why) end
end

--@ check_compare
-- Comparing an array with any Lua number must not raise, and must give what comparing the values
-- gives: the number taken exactly, but rounded to a float array's dtype first (a weak scalar).
H.COMPARE = {lt = "<", less = "<", le = "<=", less_equal = "<=", gt = ">", greater = ">",
             ge = ">=", greater_equal = ">=", eq = "==", equal = "==", ne = "~=", not_equal = "~="}
function H.check_compare(name, a, v)
  local ok, got = pcall(cu[name], a, v)
  if not ok then H.property("%s(%s array, %s) raised: %s", name, a.dtype, tostring(v), got) end
  local op, w = H.COMPARE[name], v
  if a.dtype == "float16" or a.dtype == "float32" or a.dtype == "bfloat16" then
    w = H.convert(v, a.dtype)
  end
  local function map(t)
    if type(t) ~= "table" then
      local x = type(t) == "boolean" and (t and 1 or 0) or t
      -- LuaJIT compares an int64 cdata with a double by converting the double to int64: a
      -- fraction or a value beyond the int64 range is then compared wrongly. The double order
      -- is exact there (the int64 side needs no fraction, and past 2^63 no digits).
      -- A uint64 cdata would take a negative double as uint64 (2^64 - 1 for -1).
      local unsigned = type(x) == "cdata" and H.ffi.istype("uint64_t", x)
      if type(x) == "cdata" and type(w) == "number" and
         (w % 1 ~= 0 or math.abs(w) >= 2 ^ 63 or (w < 0 and unsigned)) then
        x = tonumber(x)
      end
      if op == "<" then return x < w elseif op == "<=" then return x <= w
      elseif op == ">" then return x > w elseif op == ">=" then return x >= w
      elseif op == "==" then return x == w else return x ~= w end
    end
    local r = {}
    for i = 1, #t do r[i] = map(t[i]) end
    return r
  end
  local why = H.differ(got, map(H.plain(a)))
  if why then H.property("%s(%s array, %s): %s", name, a.dtype, tostring(v), why) end
end

--@ check_shift
-- left_shift and right_shift of an integer array by a count must give NumPy's values: a count
-- that is negative or at least the width shifts everything out (left: 0; right: the sign).
function H.check_shift(name, a, count)
  local got = cu[name](a, count)
  local bits = H.INT_BITS[a.dtype] or 1
  local function ref(x)
    if count < 0 or count >= bits then
      if name == "left_shift" then return 0 end
      return x < 0 and -1 or 0
    end
    if type(x) == "cdata" then -- LuaJIT's int64: exact through the bit library
      return name == "right_shift" and bit.arshift(x, count) or bit.lshift(x, count)
    end
    if name == "right_shift" then return math.floor(x / 2 ^ count) end
    return H.wrap(x * 2 ^ count, a.dtype)
  end
  local function map(t)
    if type(t) ~= "table" then return ref(type(t) == "boolean" and (t and 1 or 0) or t) end
    local r = {}
    for i = 1, #t do r[i] = map(t[i]) end
    return r
  end
  local why = H.differ(got, map(H.plain(a)))
  if why then H.property("%s(%s array, %s): %s", name, a.dtype, tostring(count), why) end
end

--@ check_randint
-- randint(lo, hi, {n}) with integer bounds (Lua 5.3+ integers, beyond 2^53 too) must give
-- values in [lo, hi).
function H.check_randint(lo, hi, n)
  local r = cu.random.randint(lo, hi, {n}, {dtype = "int64"})
  for i, v in ipairs(r:totable()) do
    if not (v >= lo and v < hi) then
      H.property("randint(%s, %s): element %d is %s", tostring(lo), tostring(hi), i, tostring(v))
    end
  end
end

--@ check_layout
-- cu[name] of a view must give what it gives for a contiguous copy of the view.
function H.check_layout(name, view, ...)
  local want = cu[name](view:copy(), ...)
  local got = cu[name](view, ...)
  local why = H.differ(got, want)
  if why then H.property("%s of a %s view (strides %s): %s", name, view.dtype,
                         table.concat(view.strides, ","), why) end
end

--@end
return H
