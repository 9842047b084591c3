-- Two GPUs in one process: copies between them (peer to peer when they reach each other),
-- per-device state when a script alternates devices, device scopes and device arguments, and
-- the calling thread's current device left as it was. Runs under `make test-multigpu` only.
local cu = require "cuarray"
local H = require "helper"

local function near_table(got, want, tol)
  for i = 1, #want do
    if math.abs(got[i] - want[i]) > tol * math.max(1, math.abs(want[i])) then
      error(("element %d: got %s, expected %s"):format(i, got[i], want[i]), 2)
    end
  end
end

describe("two GPUs in one process", function()
  if cu.cuda.device_count() < 2 then
    it("needs two GPUs", function() error("cuarray.cuda sees " .. cu.cuda.device_count() .. " GPU(s)") end)
    return
  end

  local previous
  before_each(function()
    previous = cu.get_default_device()
    cu.set_default_device("cuda:0")
  end)
  after_each(function() cu.set_default_device(previous) end)

  it("know whether the devices reach each other", function()
    local p = cu.cuda.can_access_peer("cuda:0", 1)
    assert.are.equal("boolean", type(p))
    assert.are.equal(p, cu.cuda.can_access_peer(1, 0))
    assert.is_true(cu.cuda.can_access_peer(0, 0))
    io.stderr:write(("# peer access between cuda:0 and cuda:1: %s\n"):format(tostring(p)))
  end)

  it("copy both ways, for every dtype and layout", function()
    for _, dtype in ipairs({"float32", "float64", "float16", "int8", "uint8", "int16", "int32", "int64",
                            "bool"}) do
      local src = (cu.arange(24, {device = "cuda:0"}) % 7):astype(dtype):reshape({4, 6})
      local views = {src, src.T, src[{{}, {1, -1, 2}}], src:flip(1), src[{2}],
                     cu.broadcast_to(src[{{1}, {}}], {3, 6}), src[{{2, 1}}], src[{{1}, {1}}]}
      for k, v in ipairs(views) do
        local want = v:get():totable()
        local there = v:to("cuda:1")
        assert.are.equal("cuda:1", there.device)
        H.same(there, want)
        local back = there:to("cuda:0")
        assert.are.equal("cuda:0", back.device)
        local ok, err = pcall(H.same, back, want)
        assert(ok, dtype .. " view " .. k .. ": " .. tostring(err))
      end
    end
  end)

  it("copy 256 MiB whole, both ways", function()
    local n = 2 ^ 26
    local x = cu.arange(n, {dtype = "float32", device = "cuda:0"})
    local y = x:to("cuda:1")
    local z = y:to("cuda:0")
    H.same(y[{-1}], x[{-1}]) -- 2^26 - 1 is 2^26 in float32
    assert.is_true(z:eq(x):all())
    assert.is_true((y - 1):to("cuda:0"):eq(x - 1):all())
  end)

  it("order copies after the work queued on both devices' current streams", function()
    local s0, s1 = cu.cuda.Stream("cuda:0"), cu.cuda.Stream(1)
    local y
    cu.cuda.with_stream(s0, function()
      local x = cu.ones({2 ^ 22}, {dtype = "float32", device = "cuda:0"}) * 3
      cu.cuda.with_stream(s1, function()
        y = x:to("cuda:1") + 1
      end)
      x:free() -- freed on s0 at once: the copy must be done with it by then
      local _ = cu.zeros({2 ^ 22}, {dtype = "float32", device = "cuda:0"}) + 7 -- may reuse x's memory
    end)
    s1:synchronize()
    H.same(y:sum(), 4 * 2 ^ 22)
    H.same(y:min(), 4)
  end)

  it("keep each device's state apart when a script alternates between them", function()
    cu.random.seed(11)
    local r0 = cu.random.random({1000}, {dtype = "float32", device = "cuda:0"})
    cu.random.seed(11)
    local r1 = cu.random.random({1000}, {dtype = "float32", device = "cuda:1"})
    H.same(r1, r0:get():totable())
    for i = 1, 12 do
      local dev = i % 2 == 0 and "cuda:0" or "cuda:1"
      local a = cu.random.random({48, 40}, {device = dev})
      local b = cu.random.random({40, 32}, {device = dev})
      local c = cu.matmul(a, b)
      assert.are.equal(dev, c.device)
      local want = cu.matmul(a:get(), b:get())
      near_table(c:ravel():totable(), want:ravel():totable(), 1e-12)
      H.same(a:sum(), a:get():sum(), 1e-12)
      H.same(c:argmax(), want:argmax())
    end
    local big = cu.zeros({2 ^ 24}, {device = "cuda:1"})
    assert.is_true(cu.cuda.memory_info(1).used >= 8 * 2 ^ 24)
    assert.are.equal(cu.cuda.memory_info(1).total, cu.cuda.memory_info("cuda:1").total)
    big:free()
  end)

  it("take their streams and events per device", function()
    local s = cu.cuda.Stream("cuda:1")
    assert.truthy(tostring(s):find("cuda:1", 1, true))
    assert.truthy(tostring(cu.cuda.current_stream(1)):find("cuda:1", 1, true))
    local e0, e1 = cu.cuda.Event("cuda:1"), cu.cuda.Event("cuda:1")
    local r = cu.cuda.with_stream(s, function()
      e0:record()
      local x = cu.ones({1000}, {device = "cuda:1"}) * 2
      local y = cu.ones({1000}, {device = "cuda:0"}) * 3 -- cuda:0 keeps its own stream
      e1:record()
      assert.are.equal(s, cu.cuda.current_stream("cuda:1"))
      assert.are_not.equal(s, cu.cuda.current_stream("cuda:0"))
      return x:sum() + y:sum()
    end)
    e1:synchronize()
    assert.is_true(e0:elapsed(e1) >= 0)
    assert.are.equal(5000, r)
    cu.cuda.synchronize("cuda:1")
    cu.cuda.synchronize()
  end)

  it("scope the default device, and \"cuda\" names it", function()
    local seen = cu.cuda.with_device("cuda:1", function()
      local a = cu.zeros(3)
      return {a.device, cu.ones(2, {device = "cuda"}).device, cu.zeros(2, {device = "cpu"}):cuda().device,
              cu.cuda.current_device(), tostring(cu.cuda.Stream())}
    end)
    assert.are.same({"cuda:1", "cuda:1", "cuda:1", "cuda:1"}, {seen[1], seen[2], seen[3], seen[4]})
    assert.truthy(seen[5]:find("cuda:1", 1, true))
    assert.are.equal("cuda:0", cu.get_default_device())
    assert.are.equal("cuda:0", cu.zeros(2):cuda().device)
    local ok = pcall(cu.cuda.with_device, 1, function() error("raised inside") end)
    assert.is_false(ok)
    assert.are.equal("cuda:0", cu.get_default_device())
    local scope = cu.cuda.device(1)
    assert.are.equal("cuda:1", cu.zeros(1).device)
    scope:restore()
    assert.are.equal("cuda:0", cu.zeros(1).device)
    assert.are.equal("cuda:1", cu.zeros(1):cuda(1).device)
    assert.are.equal("cuda:1", cu.zeros(1):cuda("cuda:1").device)
  end)

  it("still refuse to mix devices in one op", function()
    local a, b = cu.ones(3, {device = "cuda:0"}), cu.ones(3, {device = "cuda:1"})
    local ok, err = pcall(function() return a + b end)
    assert.is_false(ok)
    assert.truthy(tostring(err):find("cuda:0", 1, true) and tostring(err):find("cuda:1", 1, true), err)
  end)

  it("leave the calling thread's current device as it was", function()
    local ffi = require "ffi"
    ffi.cdef [[
      int cuInit(unsigned int flags);
      int cuDeviceGet(int *device, int ordinal);
      int cuDevicePrimaryCtxRetain(void **ctx, int device);
      int cuCtxSetCurrent(void *ctx);
      int cuCtxGetDevice(int *device);
    ]]
    local drv = ffi.load("libcuda.so.1")
    assert.are.equal(0, drv.cuInit(0))
    local function make_current(ordinal)
      local dev, ctx = ffi.new("int[1]"), ffi.new("void *[1]")
      assert.are.equal(0, drv.cuDeviceGet(dev, ordinal))
      assert.are.equal(0, drv.cuDevicePrimaryCtxRetain(ctx, dev[0]))
      assert.are.equal(0, drv.cuCtxSetCurrent(ctx[0]))
    end
    local function current()
      local dev = ffi.new("int[1]")
      assert.are.equal(0, drv.cuCtxGetDevice(dev))
      return dev[0]
    end
    for _, mine in ipairs({0, 1}) do
      local other = 1 - mine
      make_current(mine)
      local a = cu.ones({1000}, {device = "cuda:" .. other}) * 2
      assert.are.equal(mine, current())
      local b = a:to("cuda:" .. mine)
      assert.are.equal(mine, current())
      local s = cu.cuda.Stream(other)
      cu.cuda.with_stream(s, function() a = a + 1 end)
      cu.cuda.memory_info(other)
      cu.cuda.synchronize(other)
      assert.are.equal(mine, current())
      H.same(a:sum(), 3000)
      H.same(b:sum(), 2000)
      assert.are.equal(mine, current())
    end
  end)
end)
