-- The child process of the hostile-input fuzzer (fuzz/hostile/driver.py starts it, one per
-- batch, so that a crash, a sanitizer report or a hang ends only this process).
--
--   lua runner.lua discover             the public functions, one per line
--   lua runner.lua run BATCH [ROUNDS]   runs a batch file ROUNDS times (default 1)
--
-- A batch file is a chunk `local cu, H, S, step = ...` followed by calls
-- step(n, names, args, call, nargs, store): `args` builds the arguments (its first nargs
-- results; any more are kept alive through the call), `call` makes the call under test,
-- `names` lists the names its error message may give (nil: any error will do), and with
-- `store` the result is kept as S[n] for later steps.
-- Every line this script prints is a record for the driver, flushed at once:
--   S n           step n starts (building its arguments)
--   C n           step n makes its call
--   R n ok|err    step n returned or raised as it should
--   X n kind msg  step n did something it must not: kind is `message` (the error does not name
--                 the function), `error-type` (an error value that is not a string), `result`
--                 (a returned array whose attributes do not hold together), `property` (a
--                 result that contradicts another: helpers.lua's check_* functions), `args`
--                 (the fuzzer's own argument code failed: a bug in the generator)
--   M round rss_kib lua_kib cuda_bytes malloc_bytes   memory after each round (ROUNDS > 1)
--   D calls       the batch ran to its end
if os.getenv("HOSTILE_HIDE_CUDA") then
  -- without a GPU the CUDA module only says so, and loading it can cost seconds per child:
  -- the driver hides it, and cu.cuda is the Lua layer's stand-in
  package.preload["cuarray.cuda"] = function()
    error("module 'cuarray.cuda' not found (hidden: no GPU)", 0)
  end
end
local cu = require "cuarray"
local here = (arg and arg[0] or ""):match("^(.*)[/\\]") or "."
local H = dofile(here .. "/helpers.lua")

local mode, path, rounds = ...
local unpack = table.unpack or unpack

local function out(...)
  local t = {...}
  for i = 1, select("#", ...) do t[i] = tostring(t[i]):gsub("[\r\n]", " ") end
  io.stdout:write(table.concat(t, " "), "\n")
  io.stdout:flush()
end

local function pack(...) return {n = select("#", ...), ...} end

local function discover()
  local jit_version = rawget(_G, "jit") and jit.version or "-"
  local has_ffi = pcall(require, "ffi")
  out("V", _VERSION:gsub(" ", "_"), jit_version:gsub(" ", "_"), has_ffi and "ffi" or "noffi",
      cu.cuda.is_available() and "cuda" or "nocuda", cu.get_default_device())
  local function list(kind, t)
    local names = {}
    for k, v in pairs(t) do
      if type(k) == "string" and type(v) == "function" then names[#names + 1] = k end
    end
    table.sort(names)
    for _, k in ipairs(names) do out("F", kind, k) end
  end
  list("cu", cu)
  list("random", cu.random)
  list("linalg", cu.linalg)
  list("cuda", cu.cuda)
  list("method", getmetatable(cu.zeros(1)).__methods)
  list("meta", getmetatable(cu.zeros(1)))
  if cu.cuda.is_available() then
    -- the methods of CUDA events and streams, from their metatables
    for kind, make in pairs({event = cu.cuda.Event, stream = cu.cuda.Stream}) do
      local mt = getmetatable(make())
      if type(mt) == "table" then
        list(kind .. "-meta", mt)
        if type(mt.__index) == "table" then list(kind, mt.__index) end
      end
    end
  end
end

-- What a hostile value's own code raises (its __index, __tostring, a formatter): it may
-- reach the caller unchanged, so it needs no function name.
local function raised_by_hostile_code(e)
  if e == H.ERR then return true end
  if type(e) ~= "string" then return false end
  return e:find("hostile:", 1, true) or e:find("stack overflow", 1, true)
      or e:find("'__tostring' must return a string", 1, true)
end

local function names_one(msg, names)
  for _, name in ipairs(names) do
    local from = 1
    while true do
      local i, j = msg:find(name, from, true)
      if not i then break end
      local before, after = msg:sub(i - 1, i - 1), msg:sub(j + 1, j + 1)
      if not before:find("^[%w_]$") and not after:find("^[%w_]$") then return true end
      from = j + 1
    end
  end
  return false
end

-- An array's attributes must hold together; returns what is wrong, or nil.
local function check_array(a)
  local ok, nd = pcall(function() return a.ndim end)
  if not ok then
    if tostring(nd):find("freed", 1, true) then return nil end
    return "reading ndim raised: " .. tostring(nd)
  end
  local shape, size, strides, dtype = a.shape, a.size, a.strides, a.dtype
  if type(nd) ~= "number" or nd < 0 or nd > 32 or nd % 1 ~= 0 then
    return "ndim " .. tostring(nd)
  end
  if type(shape) ~= "table" or #shape ~= nd then return "shape has the wrong length" end
  if type(strides) ~= "table" or #strides ~= nd then return "strides have the wrong length" end
  local n = 1
  for i = 1, nd do
    local d = shape[i]
    if type(d) ~= "number" or d < 0 or d % 1 ~= 0 then
      return "dim " .. i .. " is " .. tostring(d)
    end
    n = n * d
  end
  if n < 2 ^ 53 and n ~= size then return ("size %s for %s elements"):format(tostring(size), n) end
  local known = false
  for _, name in ipairs(cu.dtypes) do known = known or name == dtype end
  if not known then return "dtype " .. tostring(dtype) end
  return nil
end

local calls = 0
local S = {}

-- One step: build the arguments, make the call, judge how it ended.
local function step(n, names, args, call, nargs, store)
  out("S", n)
  local a = pack(pcall(args))
  if not a[1] then
    out("X", n, "args", a[2])
    return
  end
  out("C", n)
  calls = calls + 1
  -- `a` holds every value args returned, so what it keeps beyond nargs lives through the call
  local r = pack(pcall(call, unpack(a, 2, nargs + 1)))
  if r[1] then
    if store then S[n] = r[2] end
    local bad = cu.is_array(r[2]) and check_array(r[2])
    if bad then out("X", n, "result", bad) else out("R", n, "ok") end
    return
  end
  local e = r[2]
  if names then -- a number k stands for argument k, when it is a string
    local given = {}
    for _, name in ipairs(names) do
      if type(name) ~= "number" then
        given[#given + 1] = name
      elseif type(a[name + 1]) == "string" and name <= nargs then
        given[#given + 1] = a[name + 1]
      end
    end
    names = given
  end
  if type(e) == "table" and e.property then
    out("X", n, "property", e.property)
  elseif names == nil or raised_by_hostile_code(e) then
    out("R", n, "err")
  elseif type(e) ~= "string" then
    out("X", n, "error-type", "raised a " .. type(e) .. " value: " .. tostring(e))
  elseif not names_one(e, names) then
    out("X", n, "message", e)
  else
    out("R", n, "err")
  end
end

local function rss_kib()
  local f = io.open("/proc/self/status")
  if not f then return -1 end
  local s = f:read("*a")
  f:close()
  return tonumber(s:match("VmRSS:%s*(%d+)")) or -1
end

-- Bytes that malloc has handed out and not had back (glibc's mallinfo2, through LuaJIT's ffi;
-- LuaJIT's own heap is not among them, so this counts the library's host memory), or -1.
local malloc_bytes = function() return -1 end
do
  local ok, ffi = pcall(require, "ffi")
  if ok and pcall(ffi.cdef, [[
      struct hostile_mallinfo2 { size_t arena, ordblks, smblks, hblks, hblkhd, usmblks, fsmblks,
                                 uordblks, fordblks, keepcost; };
      struct hostile_mallinfo2 mallinfo2(void);]]) and pcall(function() return ffi.C.mallinfo2 end)
  then
    malloc_bytes = function()
      local m = ffi.C.mallinfo2()
      return tonumber(m.uordblks + m.hblkhd)
    end
  end
end

local function cuda_bytes()
  if not cu.cuda.is_available() then return 0 end
  cu.cuda.synchronize()
  return cu.cuda.memory_info().used
end

local function run()
  local chunk = assert(loadfile(path))
  for round = 1, tonumber(rounds) or 1 do
    for k in pairs(S) do S[k] = nil end
    chunk(cu, H, S, step)
    if (tonumber(rounds) or 1) > 1 then
      for k in pairs(S) do S[k] = nil end
      if rawget(_G, "jit") then jit.flush() end -- compiled traces live in the Lua heap
      collectgarbage()
      collectgarbage()
      out("M", round, rss_kib(), math.floor(collectgarbage("count")), cuda_bytes(),
          malloc_bytes())
    end
  end
  out("D", calls)
end

if mode == "discover" then discover()
elseif mode == "run" and path then run()
else error("usage: runner.lua discover | run BATCH [ROUNDS]", 0) end
