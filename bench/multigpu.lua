-- bench/multigpu.lua: the multi-GPU rows of the benchmark, one JSON object per line on stdout
-- (the same op names as bench/torch_multigpu_peer.py prints for PyTorch):
--   {"lib": "cuarray", "op": "peer_copy_0to1_1GiB", "ms": 2.8, "GBps": 383.5}
--   {"lib": "cuarray", "op": "allreduce_f32_1MiB", "ms": 0.02, "busbw_GBps": 52.1}
--
--   luajit bench/multigpu.lua peer [MiB]                        one process, two GPUs
--   cuarray-run -n 2 bench/multigpu.lua allreduce [MiB_max]     one process per GPU
--
-- peer: a:to("cuda:1") and back of a 1 GiB float32 array, wall clock around the copy and a
-- synchronisation of both devices, median of 20 after 3 warm-ups. allreduce: float32
-- all_reduce (sum, in place) from 1 MiB to 1 GiB; CUDA events around a loop of back-to-back
-- operations, the median of 5 loops; bus bandwidth as nccl-tests defines it,
-- size / time * 2 (n - 1) / n. Rank 0 prints.
local cu = require "cuarray"

local mode = arg and arg[1]
local MiB = 2 ^ 20

local now
do
  local ffi = require "ffi"
  pcall(ffi.cdef, [[
    typedef struct { long tv_sec; long tv_nsec; } cuarray_mgpu_timespec;
    int clock_gettime(int clk_id, cuarray_mgpu_timespec *tp);
  ]])
  local ts = ffi.new("cuarray_mgpu_timespec")
  now = function()
    ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
    return tonumber(ts.tv_sec) + 1e-9 * tonumber(ts.tv_nsec)
  end
end

local function median(t)
  table.sort(t)
  local n = #t
  return n % 2 == 1 and t[(n + 1) / 2] or (t[n / 2] + t[n / 2 + 1]) / 2
end

local function emit(op, ms, key, value)
  print(('{"lib": "cuarray", "op": "%s", "ms": %.4f, "%s": %.2f}'):format(op, ms, key, value))
  io.stdout:flush()
end

local function size_name(bytes)
  return bytes >= 2 ^ 30 and ("%dGiB"):format(bytes / 2 ^ 30) or ("%dMiB"):format(bytes / MiB)
end

if mode == "peer" then
  local bytes = (tonumber(arg[2]) or 1024) * MiB
  assert(cu.cuda.device_count() >= 2, "bench/multigpu.lua peer needs two GPUs")
  io.stderr:write(("peer access between cuda:0 and cuda:1: %s\n")
    :format(tostring(cu.cuda.can_access_peer(0, 1))))
  for _, dir in ipairs({{0, 1}, {1, 0}}) do
    local from, to = "cuda:" .. dir[1], "cuda:" .. dir[2]
    local a = cu.ones({bytes / 4}, {dtype = "float32", device = from})
    local times = {}
    for rep = 1, 23 do
      cu.cuda.synchronize()
      local t0 = now()
      local b = a:to(to)
      cu.cuda.synchronize()
      local t = now() - t0
      if rep > 3 then times[#times + 1] = t end
      b:free()
    end
    local s = median(times)
    emit(("peer_copy_%dto%d_%s"):format(dir[1], dir[2], size_name(bytes)), s * 1e3, "GBps",
         bytes / s / 1e9)
    a:free()
  end
elseif mode == "allreduce" then
  local top = (tonumber(arg[2]) or 1024) * MiB
  local comm = cu.nccl.init({timeout = 300})
  local n = comm.nranks
  local x = cu.ones({top / 4}, {dtype = "float32"})
  local bytes = MiB
  while bytes <= top do
    local view = x[{{1, bytes / 4}}]
    local iters = math.max(10, math.min(200, math.floor(4 * 2 ^ 30 / bytes)))
    for _ = 1, 5 do comm:all_reduce(view) end -- warm-up (values grow; timing does not care)
    local e0, e1 = cu.cuda.Event(), cu.cuda.Event()
    local times = {}
    for _ = 1, 5 do
      e0:record()
      for _ = 1, iters do comm:all_reduce(view) end
      e1:record()
      e1:synchronize()
      times[#times + 1] = e0:elapsed(e1) / iters
    end
    local ms = median(times)
    if comm.rank == 0 then
      emit("allreduce_f32_" .. size_name(bytes), ms, "busbw_GBps",
           bytes / (ms / 1e3) / 1e9 * 2 * (n - 1) / n)
    end
    bytes = bytes * 2
  end
  comm:synchronize()
  comm:destroy()
else
  io.stderr:write("usage: luajit bench/multigpu.lua peer [MiB]\n",
                  "       cuarray-run -n 2 bench/multigpu.lua allreduce [MiB_max]\n")
  os.exit(2)
end
