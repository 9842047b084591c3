-- Run-time settings: the CPU thread count (the process's) and the collector threshold (each
-- lua_State's), from Lua; the C API sets the same (examples/embed/host.c checks that side).
local cu = require "cuarray"
local H = require "helper"

local LUA = os.getenv("CUARRAY_LUA")
if not LUA or LUA == "" then LUA = rawget(_G, "jit") and "luajit" or "lua5.4" end

-- Runs `code` in a fresh interpreter (a fresh lua_State: the collector's counts start at 0),
-- with `args` as arg[1..], and returns what it printed.
local function run_fresh(code, arg1)
  return H.run_code("CUARRAY_DEVICE=cpu '" .. LUA .. "'", code, ".lua", tostring(arg1))
end

describe("the CPU thread count", function()
  local start
  before_each(function() start = cu.get_num_threads() end)
  after_each(function() cu.set_num_threads(start) end)

  it("is read and set", function()
    assert.is_true(start >= 1 and start <= 64, tostring(start))
    cu.set_num_threads(3)
    assert.are.equal(3, cu.get_num_threads())
    cu.set_num_threads(1)
    assert.are.equal(1, cu.get_num_threads())
  end)

  it("refuses counts out of 1 to 64", function()
    H.raises("set_num_threads: the thread count must be from 1 to 64, got 0", cu.set_num_threads, 0)
    H.raises("set_num_threads: the thread count must be from 1 to 64, got 65", cu.set_num_threads, 65)
    H.raises("set_num_threads: the thread count must be an integer, got 2.5", cu.set_num_threads, 2.5)
    H.raises("set_num_threads: the thread count must be an integer, got no value", cu.set_num_threads)
    assert.are.equal(start, cu.get_num_threads())
  end)

  it("does not change results", function()
    local x = cu.arange(3 * 2 ^ 19, {dtype = "float64", device = "cpu"}) * 1e-6
    cu.set_num_threads(1)
    local one = (cu.exp(x) + x * 3):totable()
    cu.set_num_threads(4)
    local four = (cu.exp(x) + x * 3):totable()
    assert.are.same(one, four)
  end)

  -- Reductions of 2^20 elements or more split their outputs among the threads; every output is
  -- still computed alone, in the same order, so the values are the same bits.
  it("reduces to the same values whatever the count", function()
    local cases = { -- shape, axes (each 2^20 elements or more, so that they split)
      {{1537, 1031}, {1}}, {{1537, 1031}, {2}}, {{7, 600, 300}, {1, 3}}, {{2 ^ 20, 2}, {1}},
      {{3, 2 ^ 19}, {2}},
    }
    local names = {"sum", "mean", "max", "argmin", "var", "nansum", "any", "ptp"}
    for _, dt in ipairs({"float32", "float64", "int32"}) do
      for _, case in ipairs(cases) do
        local x = cu.random.random(case[1], {dtype = "float64", device = "cpu"}) - 0.5
        if dt == "int32" then
          x = x * 100
        else -- magnitudes from 1e-20 to 1e20: sums in double round, so their order shows
          x = x * cu.power(10, cu.random.random(case[1], {dtype = "float64", device = "cpu"}) * 40 - 20)
          x[{{1, 3}}] = 0 / 0
        end
        x = x:astype(dt)
        for _, name in ipairs(names) do
          local function run()
            if name == "argmax" or name == "argmin" or name == "count_nonzero" then
              local r = {}
              for _, axis in ipairs(case[2]) do r[#r + 1] = cu[name](x, axis):tobytes() end
              return table.concat(r)
            end
            return cu[name](x, case[2]):tobytes()
          end
          cu.set_num_threads(1)
          local one = run()
          cu.set_num_threads(3)
          local three = run()
          assert.are.equal(one, three, ("%s %s %s over %s"):format(name, dt,
            table.concat(case[1], "x"), table.concat(case[2], ",")))
        end
      end
    end
  end)

  it("draws the same random numbers whatever the count", function()
    local seed, counter = cu.random.get_state()
    cu.set_num_threads(1)
    local a = cu.random.random({2 ^ 21}, {device = "cpu"}):sum()
    cu.random.set_state(seed, counter)
    cu.set_num_threads(5)
    local b = cu.random.random({2 ^ 21}, {device = "cpu"}):sum()
    assert.are.equal(a, b)
  end)
end)

describe("the collector threshold", function()
  local start
  before_each(function() start = cu.get_gc_threshold() end)
  after_each(function() cu.set_gc_threshold() end)

  it("is read and set, in bytes", function()
    cu.set_gc_threshold(2 ^ 20)
    assert.are.equal(2 ^ 20, cu.get_gc_threshold())
    cu.set_gc_threshold(0)
    assert.are.equal(0, cu.get_gc_threshold())
    cu.set_gc_threshold()
    assert.are.equal(64 * 2 ^ 20, cu.get_gc_threshold())
  end)

  it("refuses what is not a number of bytes", function()
    H.raises("set_gc_threshold: the threshold must be a number of bytes from 0, got -1",
      cu.set_gc_threshold, -1)
    H.raises("set_gc_threshold: the threshold must be an integer, got 0.5", cu.set_gc_threshold, 0.5)
    H.raises("set_gc_threshold: the threshold must be an integer, got string", cu.set_gc_threshold, "1")
    assert.are.equal(start, cu.get_gc_threshold())
  end)

  -- In a fresh state with Lua's own collector stopped, the first full collection (which
  -- clears a weak table) comes after as many 1 MiB arrays as the threshold holds. `setup`
  -- runs first.
  local function probe(setup)
    return "local cu = require 'cuarray'\n" .. setup .. [[

collectgarbage("stop")
local weak = setmetatable({}, {__mode = "v"})
weak[1] = {}
local n = 0
for _ = 1, 300 do
  local a = cu.zeros({131072}, {dtype = "float64"})
  n = n + 1
  if weak[1] == nil then break end
  a = nil
end
print("collected after " .. n)
]]
  end
  local threshold_probe = probe([[
if arg[1] ~= "default" then cu.set_gc_threshold(tonumber(arg[1])) end
print("threshold " .. cu.get_gc_threshold())]])

  it("paces the full collections the core runs", function()
    local out = run_fresh(threshold_probe, "default")
    assert.truthy(out:find("threshold 67108864", 1, true), out)
    assert.truthy(out:find("collected after 64", 1, true), out)
    out = run_fresh(threshold_probe, 4 * 2 ^ 20)
    assert.truthy(out:find("collected after 4", 1, true), out)
    out = run_fresh(threshold_probe, 16 * 2 ^ 20)
    assert.truthy(out:find("collected after 16", 1, true), out)
    out = run_fresh(threshold_probe, 0)
    assert.truthy(out:find("collected after 1\n", 1, true), out)
  end)

  -- 128 MiB live at a collection, then freed: the next collection comes after the threshold's
  -- 64 arrays of 1 MiB, not after 128 (what was live then and has been released no longer
  -- counts).
  it("forgets what was live at the last collection once it is freed", function()
    local out = run_fresh(probe([[
local big = cu.zeros({2 ^ 24}, {dtype = "float64"}) -- its allocation runs a collection
big:free()]]), "")
    assert.truthy(out:find("collected after 64\n", 1, true), out)
  end)
end)
