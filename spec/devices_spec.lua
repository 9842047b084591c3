-- Naming devices and scoping the default device: what holds with or without a GPU. The same on
-- two GPUs is in spec/multigpu/devices_mgpu.lua.
local cu = require "cuarray"
local H = require "helper"

local has_cuda_module = package.searchpath("cuarray.cuda", package.cpath) ~= nil

describe("device scopes", function()
  local previous
  before_each(function()
    previous = cu.get_default_device()
    cu.set_default_device("cpu")
  end)
  after_each(function() cu.set_default_device(previous) end)

  it("run a function with a default device and give its results back", function()
    local dev, a, b = cu.with_device("cpu", function(x, y)
      return cu.zeros(2).device, x, y
    end, 1, nil)
    assert.are.equal("cpu", dev)
    assert.are.equal(1, a)
    assert.is_nil(b)
    assert.are.equal("cpu", cu.get_default_device())
  end)

  it("restore the default device when the function raises, and raise again", function()
    local ok, err = pcall(cu.with_device, "cpu", function() error("inside the scope") end)
    assert.is_false(ok)
    assert.truthy(tostring(err):find("inside the scope", 1, true))
    assert.are.equal("cpu", cu.get_default_device())
  end)

  it("nest", function()
    local inner = cu.with_device("cpu", function()
      return cu.with_device("cpu", function() return cu.get_default_device() end)
    end)
    assert.are.equal("cpu", inner)
  end)

  it("refuse what is not a device or not a function", function()
    H.raises("unknown device 'gpu7'", cu.with_device, "gpu7", function() end)
    H.raises("with_device: expected a function to run, got number", cu.with_device, "cpu", 3)
    H.raises("cuda.with_device: device must be \"cuda:N\", \"cuda\" or the ordinal N (from 0), got 'cpu'",
             cu.cuda.with_device, "cpu", function() end)
    H.raises("cuda.with_device: a device number is CUDA's ordinal, an integer from 0 (got -1)",
             cu.cuda.with_device, -1, function() end)
    H.raises("cuda.device: device must be", cu.cuda.device, "cuda:x")
  end)

  it("are objects that restore the caller's device once", function()
    local s = cu.device("cpu")
    assert.are.equal("cpu", s.device)
    assert.truthy(tostring(s):find("device scope (cpu)", 1, true))
    s:restore()
    s:restore()
    assert.are.equal("cpu", cu.get_default_device())
  end)

  it("close at the end of a block on Lua 5.4", function()
    if _VERSION ~= "Lua 5.4" then
      pending("to-be-closed variables are Lua 5.4's")
      return
    end
    local chunk = assert(load([[
      local cu = ...
      do
        local s <close> = cu.device("cpu")
        assert(cu.get_default_device() == "cpu")
      end
      return cu.get_default_device()
    ]]))
    assert.are.equal("cpu", chunk(cu))
  end)

  it("name the device \"cuda\" means", function()
    assert.are.equal("cuda:0", cu.cuda.current_device()) -- the default is the CPU here
  end)
end)

describe("device arguments", function()
  it("are \"cuda:N\", \"cuda\" or CUDA's ordinal N in cu.cuda", function()
    if not has_cuda_module then
      pending("cuarray.cuda is not built")
      return
    end
    local cuda = require "cuarray.cuda"
    H.raises("cuda.memory_info: device must be \"cuda:N\", \"cuda\" or the ordinal N (from 0), got cpu",
             cuda.memory_info, "cpu")
    H.raises("cuda.Stream: device must be", cuda.Stream, "cuda:1x")
    H.raises("cuda.Event: a device number is CUDA's ordinal, an integer from 0 (got 1.5)", cuda.Event, 1.5)
    H.raises("cuda.memory_info: device 99 does not exist", cuda.memory_info, "cuda:99")
    if not cu.cuda.is_available() then -- the forms are taken; the device is what is missing
      for _, dev in ipairs({"cuda:0", "cuda", 0}) do
        H.raises("no CUDA device available", cuda.memory_info, dev)
      end
    else
      assert.are.equal(cuda.memory_info(0).total, cuda.memory_info("cuda:0").total)
    end
  end)

  it("of a:cuda() are the same forms", function()
    local a = cu.zeros(2, {device = "cpu"})
    H.raises("cuda: expected a CUDA device, got \"cpu\"", a.cuda, a, "cpu")
    H.raises("cuda: device must be \"cuda:N\" or the ordinal N (from 0), got -1", a.cuda, a, -1)
    H.raises("unknown device 'cuda:one'", a.cuda, a, "cuda:one")
  end)
end)
