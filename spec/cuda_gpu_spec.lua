-- The CUDA module's own functions: availability, synchronisation, events, streams, the memory
-- pool. Runs under `make test-gpu` only (spec/*_gpu_spec.lua).
local cu = require "cuarray"
local H = require "helper"

describe("cu.cuda", function()
  if not cu.cuda.is_available() then
    it("needs a GPU", function() error("cuarray.cuda reports no GPU: " .. select(2, cu.cuda.is_available())) end)
    return
  end

  it("reports the device and puts new arrays there by default", function()
    assert.is_true(cu.cuda.is_available())
    assert.is_true(cu.cuda.device_count() >= 1)
    assert.are.equal("cuda:0", cu.zeros(2, {device = "cuda"}).device)
    H.raises("cuda.memory_info: device 99 does not exist (", cu.cuda.memory_info, 99)
  end)

  it("times work between two events, and they report completion", function()
    local a = cu.random.random({2048, 2048}, {dtype = "float32", device = "cuda"})
    local e1, e2 = cu.cuda.Event(), cu.cuda.Event()
    e1:record()
    local b = cu.matmul(a, a)
    e2:record()
    e2:synchronize()
    assert.is_true(e2:query())
    local ms = e1:elapsed(e2)
    assert.is_true(ms > 0 and ms < 10000, "elapsed " .. tostring(ms))
    H.same(b[{1, 1}], cu.dot(a[1]:get(), a[{{}, 1}]:get()), 1e-4)
  end)

  it("runs work on a stream inside with_stream and restores the previous one", function()
    local s = cu.cuda.Stream()
    local before = cu.cuda.current_stream()
    local a = cu.arange(1000, {dtype = "float32", device = "cuda"})
    local inside
    local r1, r2 = cu.cuda.with_stream(s, function(x, k)
      inside = cu.cuda.current_stream()
      return x * k, "second"
    end, a, 3)
    assert.are.equal(s, inside)
    assert.are.equal("second", r2)
    s:synchronize()
    H.same(r1:sum(), 3 * 999 * 1000 / 2)
    assert.are_not.equal(s, cu.cuda.current_stream())
    assert.are.equal(tostring(before), tostring(cu.cuda.current_stream()))
  end)

  it("restores the stream when the function raises, and passes the error on", function()
    local s = cu.cuda.Stream()
    local ok, err = pcall(cu.cuda.with_stream, s, function() error("inside the stream") end)
    assert.is_false(ok)
    assert.truthy(tostring(err):find("inside the stream", 1, true))
    assert.are_not.equal(s, cu.cuda.current_stream())
    H.same(cu.ones(4, {device = "cuda"}):sum(), 4)
  end)

  it("keeps freed blocks cached until empty_cache returns them", function()
    collectgarbage("collect") -- earlier specs' garbage must not be freed in the middle
    collectgarbage("collect")
    cu.cuda.synchronize()
    local m0 = cu.cuda.memory_info()
    for _, k in ipairs({"used", "cached", "free", "total"}) do
      assert.are.equal("number", type(m0[k]), k)
    end
    local big = cu.empty({64, 1024, 1024}, {dtype = "float32", device = "cuda"})
    local m1 = cu.cuda.memory_info()
    assert.is_true(m1.used >= m0.used + 256 * 2 ^ 20)
    big:free()
    cu.cuda.synchronize()
    local m2 = cu.cuda.memory_info()
    assert.is_true(m2.used < m1.used)
    assert.is_true(m2.cached >= 256 * 2 ^ 20, "freed memory stays cached")
    cu.cuda.empty_cache()
    assert.is_true(cu.cuda.memory_info().cached < m2.cached)
  end)

  it("does not synchronise on an op, and does on reading a value", function()
    local a = cu.random.random({4096, 4096}, {dtype = "float32", device = "cuda"})
    local e = cu.cuda.Event()
    local b = cu.matmul(a, a) -- ~5 ms of work
    e:record()
    assert.is_false(e:query(), "matmul returned after the work finished")
    assert.are.equal("number", type(b[{1, 1}]))
    assert.is_true(e:query())
  end)

  -- A script for a fresh process: `setup`, then with Lua's own collector stopped, 1 MiB arrays
  -- on `device` until the first full collection (it clears a weak table); prints their count
  -- and then what `report` gives.
  local function collection_probe(setup, device, report)
    return "local cu = require 'cuarray'\n" .. setup .. ([[

collectgarbage("stop")
local weak = setmetatable({}, {__mode = "v"})
weak[1] = {}
local n = 0
for _ = 1, 4000 do
  local a = cu.empty({131072}, {dtype = "float64", device = %q})
  n = n + 1
  if weak[1] == nil then break end
  a = nil
end
print("collected after " .. n .. %s)
]]):format(device, report)
  end
  local LUA = "'" .. (os.getenv("CUARRAY_LUA") or "luajit") .. "'"

  -- A fresh process holds 256 MiB on the GPU and makes 1 MiB host arrays: the host's memory is paced apart from the GPU's, so the next full collection
  -- comes after the threshold's 64 of them, not after as much again as the GPU holds.
  it("paces collections per memory space: memory live on the GPU does not delay the host's", function()
    local probe = collection_probe(
      'local held = cu.zeros({2 ^ 25}, {dtype = "float64", device = "cuda"})', "cpu",
      '" with " .. held.nbytes .. " bytes on the GPU"')
    local out = H.run_code(LUA, probe, ".lua", "")
    assert.truthy(out:find("collected after 64 with 268435456 bytes", 1, true), out)
  end)

  -- GPU garbage piles up to 1/128 of the device's memory before a collection, unless
  -- cu.set_gc_threshold was called: then its threshold holds on the GPU too, until
  -- cu.set_gc_threshold() restores the default.
  it("lets garbage on a GPU reach a share of its memory before collecting", function()
    local probe = collection_probe([[
if arg[1] == "restored" then cu.set_gc_threshold(2 ^ 20); cu.set_gc_threshold()
elseif arg[1] ~= "default" then cu.set_gc_threshold(tonumber(arg[1])) end]], "cuda",
      '(" of %d MiB"):format(math.floor(cu.cuda.memory_info().total / 2 ^ 20))')
    for _, how in ipairs({"default", "restored"}) do
      local out = H.run_code(LUA, probe, ".lua", how)
      local n, total = out:match("collected after (%d+) of (%d+) MiB")
      assert.truthy(n, out)
      local share = tonumber(total) / 128
      assert.is_true(tonumber(n) > 0.9 * share and tonumber(n) < 1.02 * share + 1, out)
    end
    local out = H.run_code(LUA, probe, ".lua", tostring(64 * 2 ^ 20))
    assert.truthy(out:find("collected after 64 of", 1, true), out)
  end)
end)
