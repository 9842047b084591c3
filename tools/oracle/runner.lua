-- The NumPy-oracle runner: runs the cases tools/oracle/gen.py wrote (one Lua file per seed)
-- on every device spec/helper.lua lists (CUARRAY_TEST_DEVICES), compares each result with
-- NumPy's answer, and prints TAP: one test per op and device, one skipped test per entry of
-- tools/oracle/known_failures.json that matched a failing case. A failure prints the case's
-- Lua code, ready to paste, and NumPy's answer.
--
--   luajit tools/oracle/runner.lua build/oracle/cases_1.lua ...
--
-- ORACLE_SHOW=n prints at most n reproductions per op (default 3); ORACLE_ONLY=op,op runs
-- those ops only.
local here = (arg and arg[0] or ""):match("^(.*)/[^/]*$") or "."
package.path = here .. "/?.lua;" .. package.path
local cu = require "cuarray"
local H = require "helper"
local compare = require "compare"

local loadstring = loadstring or load -- luacheck: ignore
local LUA54 = math.type ~= nil
local FLAVOUR = jit and "luajit" or _VERSION:gsub("Lua ", "lua")
local SHOW = tonumber(os.getenv("ORACLE_SHOW") or "") or 3
local ONLY = {}
for op in (os.getenv("ORACLE_ONLY") or ""):gmatch("[^,%s]+") do ONLY[op] = true end

-- negz: -0.0 computed at run time (Lua 5.1 folds the constant -0.0 into 0.0)
local PRELUDE = "local cu = ...\nlocal nan, inf, negz = 0 / 0, math.huge, -1 / math.huge\n"

-- ---- reading the cases ---------------------------------------------------------------------

-- One file at a time (a run of many seeds keeps the heap, and so each collection, small).
local function load_cases(path)
  local cases = {}
  assert(loadfile(path))(function(make) cases[#cases + 1] = make end)
  return cases
end

local known = {}
for i = 1, #arg do
  local dir = arg[i]:match("^(.*)/[^/]*$") or "."
  local kf = loadfile(dir .. "/known.lua")
  if kf then for id, entry in pairs(kf()) do known[id] = entry end end
end

-- ---- running one case ---------------------------------------------------------------------

local function pack(...) return {n = select("#", ...), ...} end

local function skip_reason(c)
  if not c.needs then return nil end
  for need in c.needs:gmatch("[^,]+") do
    if need == "lua54" and not LUA54 then return "needs Lua 5.3+ (operators or int64 values)" end
  end
  return nil
end

-- Returns nil when the case passes, else a message.
local function run_case(c, device)
  local fn, err = loadstring(PRELUDE .. c.code, "=" .. c.id)
  if not fn then return "the case does not compile: " .. tostring(err) end
  local res = pack(pcall(fn, cu))
  if c.raises then
    if res[1] then
      return "NumPy raises, but cuarray returned " .. compare.describe(res[2])
    end
    if type(res[2]) ~= "string" then
      return "raised a non-string error: " .. tostring(res[2])
    end
    return nil
  end
  if not res[1] then return "raised: " .. tostring(res[2]) end
  for k = 1, #c.ex do
    local msg = compare.check(res[k + 1], c.ex[k], device)
    if msg then
      return (#c.ex > 1 and ("returned value %d: "):format(k) or "") .. msg
    end
  end
  return nil
end

local function reproduction(c, device, msg)
  local out = {("# case %s (%s, %s) on %s, %s: %s"):format(c.id, c.op, c.variant, device,
                                                          FLAVOUR, msg)}
  out[#out + 1] = "#   local cu = require \"cuarray\""
  out[#out + 1] = "#   cu.set_default_device(\"" .. device .. "\")"
  for line in (PRELUDE:gsub("^local cu = %.%.%.\n", "") .. c.code):gmatch("[^\n]+") do
    out[#out + 1] = "#   " .. line
  end
  out[#out + 1] = "# NumPy's answer:"
  for line in c.npr:gmatch("[^\n]+") do out[#out + 1] = "#   " .. line end
  return table.concat(out, "\n")
end

-- ---- the run ---------------------------------------------------------------------------------

local tap = 0
local failed_any = false
local function ok(pass, text)
  tap = tap + 1
  print(("%s %d - %s"):format(pass and "ok" or "not ok", tap, text))
end

local known_stats = {}   -- id -> {matched =, failed =, devices = {device = true}}
local total, t0 = 0, os.clock()

-- Runs case c on device and counts it in by_op[c.op] (order lists the ops seen).
local function account(c, device, by_op, order)
  if next(ONLY) and not ONLY[c.op] then return end
  local s = by_op[c.op]
  if not s then
    s = {op = c.op, n = 0, failed = 0, known = 0, skipped = 0, shown = {}}
    by_op[c.op] = s
    order[#order + 1] = c.op
  end
  s.n = s.n + 1
  if skip_reason(c) then
    s.skipped = s.skipped + 1
    return
  end
  total = total + 1
  local msg = run_case(c, device)
  if c.known then
    local k = known_stats[c.known] or {matched = 0, failed = 0, devices = {}}
    known_stats[c.known] = k
    k.matched = k.matched + 1
    k.devices[device] = true
    if msg then
      k.failed = k.failed + 1
      k.example = k.example or reproduction(c, device, msg)
      s.known = s.known + 1
    end
  elseif msg then
    s.failed = s.failed + 1
    if #s.shown < SHOW then s.shown[#s.shown + 1] = reproduction(c, device, msg) end
  end
end

for _, device in ipairs(H.devices()) do
  cu.set_default_device(device)
  local by_op, order = {}, {}
  for f = 1, #arg do
    for i, make in ipairs(load_cases(arg[f])) do
      account(make(), device, by_op, order)
      if i % 50 == 0 then collectgarbage() end
    end
  end
  table.sort(order)
  for _, op in ipairs(order) do
    local s = by_op[op]
    local text = ("oracle %s on %s: %s, %d cases"):format(FLAVOUR, device, op, s.n)
    if s.skipped > 0 then text = text .. (", %d skipped"):format(s.skipped) end
    if s.known > 0 then text = text .. (", %d known failures"):format(s.known) end
    if s.failed > 0 then
      failed_any = true
      ok(false, text .. (", %d FAILED"):format(s.failed))
      for _, r in ipairs(s.shown) do print(r) end
    else
      ok(true, text)
    end
  end
end

local ids = {}
for id in pairs(known_stats) do ids[#ids + 1] = id end
table.sort(ids)
for _, id in ipairs(ids) do
  local k, entry = known_stats[id], known[id] or {}
  local applies = false -- the entry names a device this run covered
  for d in (entry.devices or "cpu,cuda"):gmatch("[^,]+") do
    if k.devices[d] or k.devices[d .. ":0"] then applies = true end
  end
  if k.failed > 0 then
    ok(true, ("# SKIP known failure %s: %d of %d matching cases fail (%s)"):format(
      id, k.failed, k.matched, entry.defect or "see tools/oracle/known_failures.json"))
    if SHOW > 0 then print(k.example) end
  elseif applies then
    print(("# known failure %s: none of its %d matching cases failed in this run; once it "
           .. "no longer fails under make fuzz-numpy, delete it from "
           .. "tools/oracle/known_failures.json"):format(id, k.matched))
  end
end
print(("# %d cases run in %.1f s of CPU time (%s)"):format(total, os.clock() - t0, FLAVOUR))
print("1.." .. tap)
os.exit(failed_any and 1 or 0)
