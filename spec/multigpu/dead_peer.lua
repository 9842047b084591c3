-- A rank that never joins, and a rank that dies after joining: the survivor must end with a Lua
-- error within its timeout, not hang. Not a busted spec (a rank dies on purpose):
--   cuarray-run -n 2 --timeout 90 spec/multigpu/dead_peer.lua late|dead|dead-wait
-- Rank 0 prints "ok MODE ..." and exits 0 when it got its error in time, else "FAIL ..." and 1.
-- Processes end with _exit: nothing waits on the dead communicator while exiting.
local cu = require "cuarray"
local ffi = require "ffi"
ffi.cdef "void _exit(int status);"

local mode, rank = arg[1], tonumber(os.getenv("RANK") or "")

local function quit(code)
  io.stdout:flush()
  io.stderr:flush()
  ffi.C._exit(code)
end

local function now() return os.time() end

-- fn must raise within `limit` seconds; prints the verdict and ends the process.
local function expect_error(what, limit, fn)
  local t0 = now()
  local ok, err = pcall(fn)
  local took = now() - t0
  if ok then
    print(("FAIL %s: no error after %d s"):format(what, took))
    quit(1)
  end
  if took > limit then
    print(("FAIL %s: the error came after %d s, more than %d: %s"):format(what, took, limit, err))
    quit(1)
  end
  print(("ok %s: error after %d s: %s"):format(what, took, tostring(err)))
  quit(0)
end

if not rank then
  print("FAIL: start this with cuarray-run -n 2")
  quit(2)
elseif mode == "late" then
  if rank ~= 0 then quit(0) end -- never joins
  expect_error("late: a rank that never joins", 30, function() cu.nccl.init({timeout = 5}) end)
elseif mode == "dead" or mode == "dead-wait" then
  local comm = cu.nccl.init({timeout = 8})
  local x = cu.ones({2 ^ 20}, {dtype = "float32"})
  comm:all_reduce(x) -- with every rank alive: the connections are made
  assert(x:sum() == 2 * 2 ^ 20, "the first all_reduce went wrong")
  if rank ~= 0 then quit(0) end -- dies without a word
  if mode == "dead" then
    expect_error("dead: all_reduce with a dead peer, then synchronize", 40, function()
      comm:all_reduce(x)
      comm:synchronize()
    end)
  else
    -- Nothing here waits through NCCL: the watchdog must end the kernel for x:sum() to return.
    local t0 = now()
    comm:all_reduce(x)
    local _ = x:sum()
    local why = comm:failure()
    if not why then
      print(("FAIL dead-wait: x:sum() returned after %d s and the communicator was not aborted")
        :format(now() - t0))
      quit(1)
    end
    print(("watchdog: %s (after %d s)"):format(why, now() - t0))
    expect_error("dead-wait: the aborted communicator's next use", 5, function() comm:all_reduce(x) end)
  end
else
  print("usage: cuarray-run -n 2 spec/multigpu/dead_peer.lua late|dead|dead-wait")
  quit(2)
end
