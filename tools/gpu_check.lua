-- make test-gpu's first step: fail unless cuarray.cuda loads and reports a GPU.
-- `--gpus N` asks for N GPUs at least, `--nccl` for NCCL too (make test-multigpu).
local cu = require "cuarray"
local want_gpus, want_nccl = 1, false
for i = 1, #arg do
  if arg[i] == "--gpus" then want_gpus = tonumber(arg[i + 1]) or want_gpus end
  if arg[i] == "--nccl" then want_nccl = true end
end
local ok, why = cu.cuda.is_available()
if not ok then
  io.stderr:write("cuarray.cuda reports no GPU: ", tostring(why), "\n")
  os.exit(1)
end
if cu.cuda.device_count() < want_gpus then
  io.stderr:write(("cuarray.cuda sees %d GPU(s), %d wanted\n")
    :format(cu.cuda.device_count(), want_gpus))
  os.exit(1)
end
local a = cu.ones({4}, {device = "cuda"})
print(("GPU found; ones(4) on %s sums to %s"):format(tostring(a.device), tostring(a:sum())))
if want_gpus > 1 then
  print(("%d GPUs; cuda:0 and cuda:1 reach each other directly: %s")
    :format(cu.cuda.device_count(), tostring(cu.cuda.can_access_peer(0, 1))))
end
if want_nccl then
  local nok, nwhy = cu.nccl.is_available()
  if not nok then
    io.stderr:write("NCCL is not available: ", tostring(nwhy), "\n")
    os.exit(1)
  end
  print(("NCCL %s from %s"):format(cu.nccl.version(), (cu.nccl.library())))
  local multicast = {"NCCL_NVLS_ENABLE", "TORCH_SYMM_MEM_DISABLE_MULTICAST", "NVSHMEM_DISABLE_NVLS"}
  for _, name in ipairs(multicast) do
    print(("%s=%s"):format(name, os.getenv(name) or "(unset)"))
  end
end
