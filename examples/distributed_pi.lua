-- distributed_pi.lua: the Monte Carlo estimate of pi, data-parallel over several GPUs. Every rank
-- draws its own points on its own GPU and counts those inside the quarter circle; one
-- all_reduce adds the counts up. Rank 0 picks the seed and broadcasts it.
--   cuarray-run -n 2 examples/distributed_pi.lua [N]   (N points per rank, default 10^8)
--   luajit examples/distributed_pi.lua [N]             (one process, no NCCL: a job of one)
local cu = require "cuarray"

local per_rank = math.floor(tonumber(arg and arg[1]) or 1e8)
local batch = math.min(per_rank, 2 ^ 24)

-- Under cuarray-run, RANK is set: join the job (this also makes the rank's GPU the default).
local comm = os.getenv("RANK") and cu.nccl.init() or nil
local rank, nranks = comm and comm.rank or 0, comm and comm.nranks or 1

local seed = cu.array({os.time()}, {dtype = "int64"})
if comm then comm:broadcast(seed, {root = 0}) end
cu.random.seed(seed:item() + 7919 * rank) -- each rank its own stream of points

-- The count stays on the device, a 0-d array ({array = true}): no synchronisation until the end.
local inside, done = nil, 0
while done < per_rank do
  local m = math.min(batch, per_rank - done)
  local x = cu.random.random({m}, {dtype = "float32"})
  local y = cu.random.random({m}, {dtype = "float32"})
  local hits = (x * x + y * y):le(1):sum({array = true})
  inside = inside and inside + hits or hits
  done = done + m
  x:free(); y:free()
end

if comm then comm:all_reduce(inside) end -- in place: the sum over every rank
if rank == 0 then
  local total = per_rank * nranks
  local estimate = 4 * inside:item() / total
  print(("pi ~ %.6f from %d points on %d rank%s (error %.2e)")
    :format(estimate, total, nranks, nranks == 1 and "" or "s", math.abs(estimate - math.pi)))
end
if comm then comm:destroy() end
