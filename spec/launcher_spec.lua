-- bin/cuarray-run with a CPU stand-in script (spec/support/rank_standin.lua): argument handling,
-- the environment each rank gets, failures, the timeout and signals. Needs no GPU.
local cu = require "cuarray"

local launcher = "bin/cuarray-run"
local standin = "spec/support/rank_standin.lua"

-- Runs a shell command; returns its exit status and its output (stdout and stderr).
local function sh(cmd)
  local p = io.popen("(" .. cmd .. ") 2>&1; echo \"__status=$?\"")
  local out = p:read("*a")
  p:close()
  local status = tonumber(out:match("__status=(%d+)%s*$"))
  return status, (out:gsub("__status=%d+%s*$", ""))
end

local function quote(s) return "'" .. s:gsub("'", "'\\''") .. "'" end

local function run(args, env)
  return sh((env or "") .. " " .. launcher .. " " .. args)
end

-- The stand-in's lines, by rank.
local function ranks(out)
  local t = {}
  for line in out:gmatch("[^\n]+") do
    local r = line:match("^rank=(%d+) size=")
    if r then t[tonumber(r)] = line end
  end
  return t
end

local function field(line, name) return line:match(name .. "=(%S+)") end

local function tmpname()
  local p = os.tmpname()
  os.remove(p)
  return p
end

describe("cuarray-run", function()
  it("prints its usage", function()
    local status, out = run("--help")
    assert.are.equal(0, status)
    assert.truthy(out:find("usage: cuarray-run [options] [--] script.lua [args...]", 1, true))
    assert.truthy(out:find("--nproc N", 1, true))
  end)

  it("refuses bad arguments with a message and status 2", function()
    local cases = {
      {"-n", "-n needs a value"},
      {"-n two " .. standin, "-n needs a whole number, got 'two'"},
      {"--nproc=0 " .. standin, "-n must be at least 1"},
      {"--bogus " .. standin, "unknown option --bogus"},
      {"-n 2", "no script given"},
      {"-n 2 spec/support/no_such_script.lua", "cannot read the script 'spec/support/no_such_script.lua'"},
      {"-n 2 --nnodes 2 --node-rank 2 " .. standin, "--node-rank 2 is not below --nnodes 2"},
      {"-n 2 --timeout soon " .. standin, "--timeout needs a number of seconds, got 'soon'"},
      {"-n 2 --lua /no/such/lua " .. standin, "the interpreter '/no/such/lua' was not found"},
    }
    for _, c in ipairs(cases) do
      local status, out = run(c[1])
      assert.are.equal(2, status, c[1] .. ": " .. out)
      assert.truthy(out:find("cuarray-run: " .. c[2], 1, true), c[1] .. ": " .. out)
    end
    local status, out = run("-n 2 --nnodes 2 " .. standin, "env -u NCCL_COMM_ID")
    assert.are.equal(2, status)
    assert.truthy(out:find("give --rendezvous PATH on storage every host sees", 1, true))
  end)

  it("starts N ranks with RANK, WORLD_SIZE, LOCAL_RANK and one rendezvous file", function()
    local status, out = run("-n 3 -- " .. standin .. " first 'second arg'")
    assert.are.equal(0, status, out)
    local t = ranks(out)
    local rendezvous = field(t[0], "rendezvous")
    for r = 0, 2 do
      assert.truthy(t[r], "no line from rank " .. r .. " in " .. out)
      assert.are.equal("3", field(t[r], "size"))
      assert.are.equal(tostring(r), field(t[r], "local"))
      assert.are.equal("3", field(t[r], "local_size"))
      assert.are.equal("0", field(t[r], "node"))
      assert.are.equal(rendezvous, field(t[r], "rendezvous"))
      assert.truthy(t[r]:find("args=first,second arg$"))
    end
    assert.truthy(rendezvous:find("cuarray%-run%.[%w]+/nccl%-id$"), rendezvous)
    local dir = rendezvous:match("^(.*)/nccl%-id$")
    assert.are.equal(1, (sh("test -e " .. quote(dir))), "the private directory is removed at exit")
  end)

  it("passes the environment on unchanged", function()
    local status, out = run("-n 2 " .. standin, "NCCL_NVLS_ENABLE=0 EXTRA=kept")
    assert.are.equal(0, status, out)
    for r = 0, 1 do
      assert.are.equal("0", field(ranks(out)[r], "nvls"))
      assert.are.equal("kept", field(ranks(out)[r], "extra"))
    end
  end)

  it("numbers the ranks of one host among several", function()
    local path = tmpname()
    local status, out = run("--nnodes 2 --node-rank 1 -n 2 --rendezvous " .. quote(path) .. " " .. standin)
    assert.are.equal(0, status, out)
    local t = ranks(out)
    for r = 2, 3 do
      assert.are.equal("4", field(t[r], "size"))
      assert.are.equal(tostring(r - 2), field(t[r], "local"))
      assert.are.equal("1", field(t[r], "node"))
      assert.are.equal(path, field(t[r], "rendezvous"))
    end
    assert.is_nil(t[0])
  end)

  it("refuses a rendezvous file left by an earlier job", function()
    local path = tmpname()
    local f = assert(io.open(path, "w"))
    f:write("stale\n")
    f:close()
    local status, out = run("-n 2 --rendezvous " .. quote(path) .. " " .. standin)
    os.remove(path)
    assert.are.equal(2, status)
    assert.truthy(out:find("exists (from an earlier job?)", 1, true), out)
  end)

  it("writes each rank's output to --log-dir", function()
    local dir = tmpname()
    local status, out = run("-n 2 --log-dir " .. quote(dir) .. " " .. standin .. " logged")
    assert.are.equal(0, status, out)
    assert.is_nil(ranks(out)[0], "nothing on the terminal")
    for r = 0, 1 do
      local f = assert(io.open(dir .. "/rank-" .. r .. ".log"))
      local text = f:read("*a")
      f:close()
      assert.truthy(text:find("rank=" .. r .. " size=2", 1, true), text)
      os.remove(dir .. "/rank-" .. r .. ".log")
    end
    os.remove(dir)
  end)

  it("stops the other ranks when one fails, and returns its status", function()
    local t0 = os.time()
    local status, out = run("-n 3 --grace 2 " .. standin,
                            "STANDIN_EXIT_1=3 STANDIN_SLEEP_0=60 STANDIN_SLEEP_2=60")
    assert.are.equal(3, status, out)
    assert.truthy(out:find("rank 1 exited with status 3; stopping the other ranks", 1, true), out)
    assert.is_true(os.time() - t0 < 20, "the sleeping ranks were not stopped")
  end)

  it("returns the worst status of ranks that end by themselves", function()
    local status = run("-n 3 " .. standin, "STANDIN_EXIT_0=0 STANDIN_EXIT_1=4 STANDIN_EXIT_2=9 "
                       .. "STANDIN_SLEEP_0=0 STANDIN_SLEEP_1=0 STANDIN_SLEEP_2=0")
    assert.is_true(status == 4 or status == 9, "status " .. tostring(status))
  end)

  it("stops every rank after --timeout and returns 124", function()
    local t0 = os.time()
    local status, out = run("-n 2 --timeout 1 --grace 1 " .. standin, "STANDIN_SLEEP_0=60 STANDIN_SLEEP_1=60")
    assert.are.equal(124, status, out)
    assert.truthy(out:find("--timeout 1 s reached", 1, true), out)
    assert.is_true(os.time() - t0 < 20)
  end)

  it("passes SIGTERM on to the ranks", function()
    local status, out = sh("STANDIN_SLEEP_0=60 STANDIN_SLEEP_1=60 " .. launcher .. " -n 2 " .. standin
                           .. " & pid=$!; sleep 1; kill -TERM $pid; wait $pid; echo \"launcher=$?\"")
    assert.are.equal(0, status)
    assert.truthy(out:find("got SIGTERM, passing it on to the ranks", 1, true), out)
    assert.truthy(out:find("launcher=143", 1, true), out)
  end)

  it("shares one NCCL id among the ranks through the rendezvous file", function()
    local path = cu.nccl.library()
    if not path then
      pending("no NCCL library: " .. select(2, cu.nccl.library()))
      return
    end
    local status, out = run("-n 3 " .. standin, "STANDIN_ID=1")
    assert.are.equal(0, status, out)
    local ids = {}
    for r, id in out:gmatch("rank=(%d+) id=(%x+)") do ids[tonumber(r)] = id end
    assert.are.equal(256, #ids[0])
    assert.are.equal(ids[0], ids[1])
    assert.are.equal(ids[0], ids[2])
  end)
end)
