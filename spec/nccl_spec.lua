-- cu.nccl where there may be no GPU: the namespace loads, is_available() says why not, the
-- library search reports where it looked, the id and the rendezvous work without a device, and
-- misuse raises before any device is touched. The collectives themselves run on two GPUs
-- (spec/multigpu/, make test-multigpu).
local cu = require "cuarray"
local H = require "helper"

local lua = os.getenv("CUARRAY_LUA") or "luajit"
local has_cuda_module = package.searchpath("cuarray.cuda", package.cpath) ~= nil
local nccl_path = cu.nccl.library()

local function quote(s) return "'" .. s:gsub("'", "'\\''") .. "'" end

-- Runs a Lua chunk in a fresh process with extra environment; returns its output.
local function run(env, code)
  local p = io.popen(("env %s %s -e %s 2>&1"):format(env, lua, quote(code)))
  local out = p:read("*a")
  p:close()
  return out
end

describe("cu.nccl", function()
  it("is there whether or not NCCL and a GPU are", function()
    for _, name in ipairs({"is_available", "library", "version", "get_unique_id", "Communicator",
                           "init_all", "init", "rendezvous", "group", "group_start", "group_end"}) do
      assert.are.equal("function", type(cu.nccl[name]), name)
    end
  end)

  it("says why it is not available, or is", function()
    local ok, why = cu.nccl.is_available()
    if ok then
      assert.is_true(cu.cuda.is_available())
      assert.truthy(nccl_path)
    else
      assert.are.equal("string", type(why))
      if not cu.cuda.is_available() then
        assert.truthy(why:find("no usable CUDA device (", 1, true), why)
      else
        assert.truthy(why:find("libnccl.so.2", 1, true) or why:find("CUARRAY_NCCL", 1, true), why)
      end
    end
  end)

  it("reports the library found, or every place it looked", function()
    local path, v = cu.nccl.library()
    if path then
      assert.truthy(path:find("libnccl", 1, true), path)
      assert.truthy(v:find("^2%.%d+%.%d+$"), v)
      assert.are.equal(v, cu.nccl.version())
    elseif has_cuda_module then
      assert.truthy(v:find("libnccl.so.2 was not found; tried libnccl.so.2 (", 1, true), v)
      assert.truthy(v:find("set CUARRAY_NCCL", 1, true), v)
      H.raises("nccl.version: NCCL is not available: ", cu.nccl.version)
    else
      assert.truthy(v:find("cuarray.cuda is not available", 1, true), v)
    end
  end)

  it("loads the library CUARRAY_NCCL names, and only that one", function()
    if not has_cuda_module then
      pending("cuarray.cuda is not built")
      return
    end
    local code = "local p, v = require('cuarray').nccl.library() print(tostring(p) .. ' | ' .. v)"
    local out = run("CUARRAY_NCCL=/no/such/dir/libnccl.so.2", code)
    assert.truthy(out:find("nil | CUARRAY_NCCL=/no/such/dir/libnccl.so.2: /no/such/dir/libnccl.so.2 (",
                           1, true), out)
    out = run("CUARRAY_NCCL=libm.so.6", code)
    assert.truthy(out:find("CUARRAY_NCCL=libm.so.6: libm.so.6 does not export ncclGetVersion: not "
                           .. "NCCL 2.x", 1, true), out)
    if nccl_path then -- a directory holding the library will do too
      local dir = nccl_path:match("^(.*)/[^/]+$")
      out = run("CUARRAY_NCCL=" .. quote(dir), code)
      assert.truthy(out:find("libnccl.so.2 | 2.", 1, true), out)
    end
  end)

  it("makes ids of 256 hex digits, a new one each time, without a GPU", function()
    if not nccl_path then
      pending("no NCCL library")
      return
    end
    local a, b = cu.nccl.get_unique_id(), cu.nccl.get_unique_id()
    assert.are.equal(256, #a)
    assert.truthy(a:find("^%x+$"))
    assert.are_not.equal(a, b)
  end)

  it("checks a communicator's arguments before touching a device", function()
    if not nccl_path then
      pending("no NCCL library")
      return
    end
    local id = cu.nccl.get_unique_id()
    H.raises("nccl.Communicator: nranks must be a positive integer, got 0", cu.nccl.Communicator, 0, id, 0)
    H.raises("nccl.Communicator: rank must be an integer from 0 to 1, got 2", cu.nccl.Communicator, 2, id, 2)
    H.raises("nccl.Communicator: rank must be an integer from 0 to 1, got 0.5", cu.nccl.Communicator, 2, id, 0.5)
    H.raises("nccl.Communicator: the id must be the 256 hex digits nccl.get_unique_id() gives",
             cu.nccl.Communicator, 2, "not an id", 0)
    H.raises("nccl.Communicator: unknown option 'root'", cu.nccl.Communicator, 2, id, 0, {root = 1})
    H.raises("nccl.Communicator: timeout must be a number of seconds >= 0", cu.nccl.Communicator, 2, id,
             0, {timeout = -1})
    H.raises("nccl.init_all: unknown option 'device'", cu.nccl.init_all, {0}, {device = 1})
  end)

  it("needs RANK and WORLD_SIZE to join a job", function()
    if os.getenv("RANK") then
      pending("RANK is set here")
      return
    end
    H.raises("nccl.init: RANK and WORLD_SIZE are not set: start the script with cuarray-run -n N",
             cu.nccl.init)
    H.raises("nccl.rendezvous: RANK and WORLD_SIZE are not set", cu.nccl.rendezvous)
    H.raises("nccl.init: unknown option 'rank'", cu.nccl.init, {rank = 0})
  end)

  it("shares the id through the rendezvous file, CUARRAY_NCCL_ID or NCCL_COMM_ID", function()
    if not has_cuda_module then
      pending("cuarray.cuda is not built")
      return
    end
    local code = "local ok, id = pcall(require('cuarray').nccl.rendezvous, {timeout = 0.3}) "
                 .. "print(ok, id)"
    assert.truthy(run("RANK=1 WORLD_SIZE=2 CUARRAY_NCCL_ID=given", code):find("true\tgiven", 1, true))
    local out = run("-u CUARRAY_RENDEZVOUS -u NCCL_COMM_ID RANK=1 WORLD_SIZE=2", code)
    assert.truthy(out:find("no way to share the NCCL id", 1, true), out)
    out = run("RANK=2 WORLD_SIZE=2", code)
    assert.truthy(out:find("RANK=2 is not below WORLD_SIZE=2", 1, true), out)
    local path = os.tmpname()
    os.remove(path)
    out = run("RANK=1 WORLD_SIZE=2 CUARRAY_RENDEZVOUS=" .. quote(path), code)
    assert.truthy(out:find("rank 1 got no id from rank 0: " .. path .. " did not appear within", 1, true), out)
    local f = assert(io.open(path, "w"))
    f:write(("ab"):rep(128), "\n")
    f:close()
    out = run("RANK=1 WORLD_SIZE=2 CUARRAY_RENDEZVOUS=" .. quote(path), code)
    assert.truthy(out:find("true\t" .. ("ab"):rep(128), 1, true), out)
    os.remove(path)
    if nccl_path then -- rank 0 makes the id and writes it
      out = run("RANK=0 WORLD_SIZE=2 CUARRAY_RENDEZVOUS=" .. quote(path), code)
      local id = out:match("true\t(%x+)")
      assert.are.equal(256, id and #id, out)
      f = assert(io.open(path))
      assert.are.equal(id .. "\n", f:read("*a"))
      f:close()
      os.remove(path)
      out = run("RANK=1 WORLD_SIZE=2 NCCL_COMM_ID=127.0.0.1:29500", code)
      assert.are.equal(256, #(out:match("true\t(%x+)") or ""), out)
    end
  end)
end)
