-- A CPU stand-in for a distributed script, run by spec/launcher_spec.lua through bin/cuarray-run:
-- prints what the launcher gave this rank, then, as the environment asks, sleeps, fails, or
-- fetches the job's NCCL id through cu.nccl.rendezvous() (which needs no GPU).
local rank = os.getenv("RANK") or "?"
local function env(name) return os.getenv(name) or "-" end
print(("rank=%s size=%s local=%s local_size=%s node=%s rendezvous=%s nvls=%s extra=%s args=%s")
  :format(rank, env("WORLD_SIZE"), env("LOCAL_RANK"), env("LOCAL_WORLD_SIZE"), env("NODE_RANK"),
          env("CUARRAY_RENDEZVOUS"), env("NCCL_NVLS_ENABLE"), env("EXTRA"), table.concat(arg, ",")))
if os.getenv("STANDIN_ID") then
  local cu = require "cuarray"
  print(("rank=%s id=%s"):format(rank, cu.nccl.rendezvous({timeout = 30})))
end
io.stdout:flush()
local nap = os.getenv("STANDIN_SLEEP_" .. rank)
if nap then os.execute("sleep " .. nap) end
os.exit(tonumber(os.getenv("STANDIN_EXIT_" .. rank) or "0"))
