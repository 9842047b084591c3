-- NCCL in one process, one communicator per GPU (cu.nccl.init_all): every collective on several
-- dtypes and shapes against the expected values (spec/support/collectives.lua), run through
-- the list's group calls. Runs under `make test-multigpu` only.
local cu = require "cuarray"
local H = require "helper"
local C = require "support.collectives"

describe("NCCL with one communicator per GPU in one process", function()
  local ok, why = cu.nccl.is_available()
  if not ok or cu.cuda.device_count() < 2 then
    it("needs NCCL and two GPUs", function()
      error("NCCL: " .. tostring(why) .. "; GPUs: " .. cu.cuda.device_count())
    end)
    return
  end
  io.stderr:write(("# NCCL %s from %s\n"):format(cu.nccl.version(), (cu.nccl.library())))

  local comms = cu.nccl.init_all({"cuda:0", 1}, {timeout = 120})

  it("gives one communicator per device, ranks in the order given", function()
    assert.are.equal(2, #comms)
    for i, c in ipairs(comms) do
      assert.are.equal(i - 1, c.rank)
      assert.are.equal(2, c.nranks)
      assert.are.equal("cuda:" .. (i - 1), c.device)
      assert.are.equal(120, c.timeout)
      assert.truthy(tostring(c):find("rank " .. (i - 1) .. " of 2", 1, true))
    end
  end)

  local here = {}
  for i, c in ipairs(comms) do here[i] = {rank = c.rank, device = c.device, comm = c} end
  C.define({
    nranks = 2,
    here = here,
    run = function(name, arrays, opts) return comms[name](comms, arrays, opts) end,
    group = cu.nccl.group,
  })

  it("checks the arrays of every device before queuing anything", function()
    local a = cu.ones(5, {dtype = "float32", device = "cuda:0"})
    local b = cu.ones(6, {dtype = "float32", device = "cuda:1"})
    H.raises("nccl.all_reduce: arrays[2] (float32, 6 elements) differs from arrays[1] (float32, 5 elements)",
             comms.all_reduce, comms, {a, b})
    H.raises("nccl.all_reduce: arrays[2] must be C-contiguous and on cuda:1 (it is contiguous on cuda:0)",
             comms.all_reduce, comms, {a, a})
    H.raises("nccl.broadcast: expected a list of 2 arrays, one per communicator", comms.broadcast, comms, {a})
    H.raises("nccl.all_gather: out must be a list of 2 arrays", comms.all_gather, comms,
             {a, cu.ones(5, {dtype = "float32", device = "cuda:1"})}, {out = a})
    -- and the communicators still work
    local r = comms:all_reduce({a, cu.ones(5, {dtype = "float32", device = "cuda:1"})})
    H.same(r[1], {2, 2, 2, 2, 2})
    H.same(r[2], {2, 2, 2, 2, 2})
  end)

  it("synchronize, then destroy; a destroyed communicator says so", function()
    comms:synchronize()
    local extra = cu.nccl.init_all({0, 1})
    extra:destroy()
    H.raises("was destroyed", extra[1].all_reduce, extra[1], cu.ones(2, {device = "cuda:0"}))
    assert.truthy(tostring(extra[2]):find("destroyed", 1, true))
  end)
end)
