-- Memory: views keep their storage alive after the base is collected; a:free() releases at
-- once and later use raises; temporaries in a loop are collected so memory stays flat (the
-- core steps the collector in proportion to array bytes); <close> frees on Lua 5.4.
local cu = require "cuarray"
local H = require "helper"


local function full_gc()
  collectgarbage()
  collectgarbage()
end

-- Resident memory of this process in bytes (Linux), or nil.
local function rss()
  local f = io.open("/proc/self/statm", "r")
  if not f then return nil end
  local s = f:read("*l")
  f:close()
  local pages = s and tonumber(s:match("^%d+%s+(%d+)"))
  return pages and pages * 4096
end

-- Bytes in use on the array's device: the CUDA pool's count, or the process's resident size.
local function device_used(dev)
  if dev ~= "cpu" then return cu.cuda.memory_info().used end
  return rss()
end

H.each_device("views and the collector", function()
  it("keeps storage alive through a view after the base is collected", function()
    local v
    do
      local a = cu.arange(100):reshape(10, 10)
      v = a.T
    end
    full_gc()
    cu.ones(100) -- reuse freed memory, if any was freed wrongly
    H.same(v:reshape(100):totable()[2], 10)
    assert.are.equal(99, v:copy():reshape(100):totable()[100])
  end)

  it("keeps storage alive through chained views", function()
    local v
    do
      local a = cu.arange(24)
      v = a:reshape(2, 3, 4):swapaxes(1, 3):flip(1)
    end
    full_gc()
    assert.are.same({4, 3, 2}, v.shape)
    H.same(v:copy():reshape(24):totable()[1], 3)
  end)

  it("collects arrays nothing refers to", function()
    local weak = setmetatable({}, {__mode = "v"})
    do
      weak[1] = cu.ones(1000)
      weak[2] = cu.ones(10):reshape(2, 5)
    end
    full_gc()
    assert.is_nil(weak[1])
    assert.is_nil(weak[2])
  end)
end)

H.each_device("free", function(dev)
  it("releases the storage at once; later use raises", function()
    local a = cu.ones(1024 * 1024) -- 8 MiB
    if dev ~= "cpu" then
      cu.cuda.synchronize()
      local before = cu.cuda.memory_info().used
      a:free()
      assert(cu.cuda.memory_info().used <= before - 8 * 1024 * 1024 + 4096,
             "memory_info().used did not drop after free")
    else
      a:free()
    end
    H.raises("the array has been freed", function() return a:totable() end)
    H.raises("add: an operand array has been freed", function() return a + 1 end)
    a:free() -- twice is harmless
    full_gc() -- and so is collecting it afterwards
  end)

  it("leaves views of a freed array working", function()
    local a = cu.arange(6)
    local v = a:reshape(2, 3)
    a:free()
    full_gc()
    H.same(v, {{0, 1, 2}, {3, 4, 5}})
  end)

  it("frees with <close> on Lua 5.4", function()
    local f = (rawget(_G, "loadstring") or load)([[
      local cu = ...
      local kept
      do
        local a <close> = cu.ones(4)
        kept = a
        assert(a:totable()[1] == 1)
      end
      return kept
    ]])
    if not f then
      pending("this Lua has no <close>")
      return
    end
    local kept = f(cu)
    assert.are.equal("array(<freed>)", tostring(kept))
    H.raises("the array has been freed", function() return kept:totable() end)
  end)
end)

H.each_device("temporaries in a loop", function(dev)
  it("keep memory flat over 2000 iterations with 1 MiB operands", function()
    local n = 1024 * 1024 / 8
    local a, b = cu.ones(n), cu.full(n, 2.0)
    full_gc()
    local lua0, dev0 = collectgarbage("count"), device_used(dev)
    local lua_peak, dev_peak = lua0, dev0
    for i = 1, 2000 do
      local t = a + b
      if i % 50 == 0 then
        lua_peak = math.max(lua_peak, collectgarbage("count"))
        if dev0 then
          if dev ~= "cpu" then cu.cuda.synchronize() end
          dev_peak = math.max(dev_peak, device_used(dev))
        end
      end
      assert(t) -- keeps t a live local for the iteration
    end
    -- without collection this loop would hold 2000 MiB; the core collects every ~64 MiB on
    -- the host, and on a GPU once garbage reaches 1/128 of its memory (if that is more)
    assert(lua_peak - lua0 < 16 * 1024, ("Lua heap grew by %.0f KiB"):format(lua_peak - lua0))
    if dev0 then
      local grew, limit = (dev_peak - dev0) / 2 ^ 20, 400
      if dev ~= "cpu" then
        limit = math.max(limit, cu.cuda.memory_info().total / 128 / 2 ^ 20 + 64)
      end
      assert(grew < limit, ("%s memory grew by %.0f MiB (at most %.0f)"):format(dev, grew, limit))
    end
    H.same(cu.copy(a + b):reshape(n):totable()[n], 3)
  end)

  it("keep memory flat for views made in a loop", function()
    local a = cu.ones({512, 256})
    full_gc()
    local lua0 = collectgarbage("count")
    local peak = lua0
    for i = 1, 2000 do
      local v = a.T:reshape(256 * 512)
      if i % 100 == 0 then peak = math.max(peak, collectgarbage("count")) end
      assert(v)
    end
    assert(peak - lua0 < 16 * 1024, ("Lua heap grew by %.0f KiB"):format(peak - lua0))
  end)
end)

describe("host blocks freed by the collector", function()
  -- A freed block of 256 KiB or more is kept and handed out again for the same size class;
  -- under AddressSanitizer nothing is kept (a use after free must still be caught).
  local asan = (os.getenv("LD_PRELOAD") or ""):find("asan", 1, true)
  it("are reused by the next array of their size", function()
    local n = 2 ^ 20 / 4
    local a = cu.empty({n}, {dtype = "float32", device = "cpu"})
    local p = a:data_ptr()
    a:free()
    local b = cu.zeros({n}, {dtype = "float32", device = "cpu"})
    if asan then assert.are_not.equal(nil, b:data_ptr()) else assert.are.equal(p, b:data_ptr()) end
    H.same(b:sum(), 0)
    local c = cu.empty({n / 2}, {dtype = "float32", device = "cpu"})
    assert.are_not.equal(p, c:data_ptr())
  end)
  it("come back filled by whatever made them, never as another live array", function()
    local n = 2 ^ 18
    local live = {}
    for i = 1, 40 do
      local t = cu.full({n}, i, {dtype = "float64", device = "cpu"})
      if i % 2 == 0 then live[#live + 1] = t else t:free() end
    end
    for k, t in ipairs(live) do H.same(t:max(), 2 * k) end
  end)
end)

H.each_device("running out of memory", function(dev)
  it("raises naming the device, the bytes asked and the bytes free, and stays usable", function()
    -- 2^47 float64 elements: 1 PiB, more than any machine has
    H.raises("out of memory on " .. (dev == "cuda" and "cuda:0" or "cpu") ..
      " (asked 1125899906842624 bytes, ", cu.empty, {2 ^ 47}, {dtype = "float64"})
    H.same(cu.ones(3) + 1, {2, 2, 2})
  end)
end)

describe("pinned host arrays", function()
  it("apply to host arrays only", function()
    H.raises('zeros: pinned applies to host arrays (device "cpu"), not to cuda:0', cu.zeros, 3,
      {pinned = true, device = "cuda"})
  end)

  if not cu.cuda.is_available() then
    it("need a CUDA device, and say so", function()
      H.raises("CUDA", cu.zeros, 3, {pinned = true})
      H.raises("CUDA", cu.array, {1, 2}, {pinned = true})
    end)
    return
  end

  it("live on the CPU in page-locked memory and move to the GPU and back", function()
    local p = cu.zeros({3, 4}, {pinned = true, dtype = "float32"})
    assert.is_true(p.pinned)
    assert.are.equal("cpu", p.device)
    assert.is_false(cu.zeros(3, {device = "cpu"}).pinned)
    p[{}] = cu.arange(12, {dtype = "float32", device = "cpu"}):reshape(3, 4)
    local g = p:to("cuda")
    assert.are.equal("cuda:0", g.device)
    H.same(g * 2, {{0, 2, 4, 6}, {8, 10, 12, 14}, {16, 18, 20, 22}})
    local back = cu.array(g * 2, {pinned = true, dtype = "int32"})
    assert.is_true(back.pinned)
    assert.are.equal("int32", back.dtype)
    H.same(back, {{0, 2, 4, 6}, {8, 10, 12, 14}, {16, 18, 20, 22}})
    H.same(cu.array({{1.5}, {2.5}}, {pinned = true}), {{1.5}, {2.5}})
    H.same(cu.full_like(p, 7, {pinned = true}):sum(), 84)
    p:free()
    back:free()
  end)
end)
