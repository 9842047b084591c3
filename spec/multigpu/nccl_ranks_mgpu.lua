-- NCCL with one process per GPU, the way cuarray-run starts a job: every rank runs this file
-- under busted, `cuarray-run -n 2 -- <busted> -o TAP spec/multigpu/nccl_ranks_mgpu.lua`, and
-- the ranks make the same collectives in the same order (spec/support/collectives.lua).
-- Runs under `make test-multigpu` only.
local cu = require "cuarray"
local H = require "helper"
local C = require "support.collectives"
local unpack = table.unpack or unpack

describe("NCCL with one process per GPU, rank " .. tostring(os.getenv("RANK")), function()
  if not os.getenv("RANK") then
    it("runs under cuarray-run", function() error("start it with cuarray-run -n 2") end)
    return
  end
  local comm = cu.nccl.init({timeout = 120})

  it("joins the job on its own GPU", function()
    assert.are.equal(tonumber(os.getenv("RANK")), comm.rank)
    assert.are.equal(tonumber(os.getenv("WORLD_SIZE")), comm.nranks)
    assert.are.equal("cuda:" .. os.getenv("LOCAL_RANK"), comm.device)
    assert.are.equal(comm.device, cu.get_default_device())
  end)

  C.define({
    nranks = comm.nranks,
    here = {{rank = comm.rank, device = comm.device, comm = comm}},
    run = function(name, arrays, opts)
      local o
      if opts then
        o = {}
        for k, v in pairs(opts) do o[k] = v end
        o.out = opts.out and opts.out[1]
      end
      return {comm[name](comm, arrays[1], o)}
    end,
    group = cu.nccl.group,
  })

  it("with check on, raises on every rank when the ranks disagree", function()
    -- a second communicator, whose id rank 0 hands to the others over the first one
    local id = comm.rank == 0 and cu.nccl.get_unique_id() or ("0"):rep(256)
    local buf = cu.array({id:byte(1, -1)}, {dtype = "uint8"})
    comm:broadcast(buf, {root = 0})
    id = string.char(unpack(buf:totable()))
    local checked = cu.nccl.Communicator(comm.nranks, id, comm.rank, {check = true, timeout = 60})
    assert.is_true(checked.check)
    H.raises("nccl.all_reduce: the ranks disagree: rank " .. comm.rank .. " does all_reduce of "
             .. (10 + comm.rank) .. " elements", checked.all_reduce, checked, cu.ones(10 + comm.rank))
    local x = cu.ones(10)
    checked:all_reduce(x)
    H.same(x:sum(), 10 * comm.nranks)
    checked:destroy()
  end)

  it("synchronizes, within a timeout", function()
    comm:synchronize()
    comm:synchronize({timeout = 30})
    assert.is_nil(comm:failure())
  end)
end)
