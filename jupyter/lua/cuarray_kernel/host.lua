-- The Lua side of the cuarray Jupyter kernel: one persistent Lua state, driven by the kernel
-- process (jupyter/cuarray_kernel/luaproc.py) over two pipes, framed by wire.lua.
--
--   lua host.lua CMD_FD MSG_FD
--
-- Commands arrive on CMD_FD: execute (code, count), complete and inspect (code, pos: a byte
-- offset), is_complete (code), shutdown. Replies and output go to MSG_FD: ready; for a cell
-- any number of display messages (each acknowledged by an "ack" command, so that what the
-- cell printed before it is read first), then result and/or error, then done. print and
-- io.write go to stdout as usual; the kernel streams it (stdout is line buffered here).
local wire = require "cuarray_kernel.wire"
local cell = require "cuarray_kernel.cell"
local introspect = require "cuarray_kernel.introspect"

local cmd = assert(io.open("/dev/fd/" .. assert(arg[1], "usage: host.lua CMD_FD MSG_FD"), "rb"))
local out = assert(io.open("/dev/fd/" .. assert(arg[2], "usage: host.lua CMD_FD MSG_FD"), "wb"))
io.stdout:setvbuf("line")

local function send(kind, fields)
  io.stdout:flush()
  io.stderr:flush()
  wire.write(out, kind, fields)
end

local have_interrupt, interrupt = pcall(require, "cuarray_kernel.interrupt")
local interrupt_missing
if not have_interrupt then interrupt, interrupt_missing = nil, tostring(interrupt) end

local have_cu, cu = pcall(require, "cuarray")
if have_cu then rawset(_G, "cu", cu) end

-- A bundle as wire fields, in a fixed order.
local function bundle_fields(bundle)
  local mimes = {}
  for mime in pairs(bundle) do mimes[#mimes + 1] = mime end
  table.sort(mimes)
  local fields = {}
  for _, mime in ipairs(mimes) do fields[#fields + 1] = {mime, bundle[mime]} end
  return fields
end

local function bundle_of(v)
  if have_cu then return (cu.display.bundle(v)) end
  return {["text/plain"] = tostring(v)}
end

if have_cu then
  cu.display.set_handler(function(bundle)
    send("display", bundle_fields(bundle))
    local kind = wire.read(cmd)
    if kind ~= "ack" then os.exit(3) end -- the kernel is gone or confused
  end)
end

local function status_fields()
  local version = rawget(_G, "jit") and jit.version or _VERSION
  local fields = {{"lua", version}, {"interrupt", have_interrupt and "yes" or interrupt_missing}}
  if have_cu then
    local ok, why = cu.cuda.is_available()
    fields[#fields + 1] = {"cuarray", "yes"}
    fields[#fields + 1] = {"device", cu.get_default_device()}
    fields[#fields + 1] = {"cuda", ok and "available" or tostring(why)}
  else
    fields[#fields + 1] = {"cuarray", tostring(cu)}
  end
  return fields
end

-- Sends the values a cell returned: one as the result; several as one line of text, as the
-- REPL prints them, unless any is rich (an array, a plot): then each one.
local function show_values(res)
  if res.n == 1 then
    send("result", bundle_fields(bundle_of(res[1])))
  elseif res.n > 1 then
    local rich, texts = false, {}
    for i = 1, res.n do
      local b = bundle_of(res[i])
      texts[i] = b["text/plain"] or tostring(res[i])
      for mime in pairs(b) do if mime ~= "text/plain" then rich = true end end
    end
    if rich then
      for i = 1, res.n - 1 do
        send("display", bundle_fields(bundle_of(res[i])))
        wire.read(cmd)
      end
      send("result", bundle_fields(bundle_of(res[res.n])))
    else
      send("result", {{"text/plain", table.concat(texts, "\t")}})
    end
  end
end

local function execute(fields)
  local code = wire.get(fields, "code") or ""
  local name = ("In[%s]"):format(wire.get(fields, "count") or "?")
  local fn, err = cell.compile(code, name)
  if not fn then
    local ename, evalue, tb = cell.describe_syntax_error(err)
    send("error", {{"ename", ename}, {"evalue", evalue}, {"traceback", table.concat(tb, "\n")}})
    send("done", {{"status", "error"}})
    return
  end
  local ok, res = cell.run(fn, interrupt)
  if ok then
    ok, res = pcall(show_values, res)
    if not ok then
      local msg = "showing the cell's value failed: " .. tostring(res)
      send("error", {{"ename", "DisplayError"}, {"evalue", msg}, {"traceback", msg}})
      send("done", {{"status", "error"}})
      return
    end
    send("done", {{"status", "ok"}})
  else
    local ename, evalue, tb = cell.describe_error(res)
    send("error", {{"ename", ename}, {"evalue", evalue}, {"traceback", table.concat(tb, "\n")}})
    send("done", {{"status", "error"}})
  end
end

send("ready", status_fields())

while true do
  local kind, fields = wire.read(cmd)
  if not kind or kind == "shutdown" then break end
  if kind == "execute" then
    execute(fields)
  elseif kind == "complete" then
    local code, pos = wire.get(fields, "code"), tonumber(wire.get(fields, "pos"))
    local ok, matches, from, to = pcall(introspect.complete, code, pos)
    if not ok then matches, from, to = {}, pos, pos end
    local reply = {{"start", from}, {"end", to}}
    for _, m in ipairs(matches) do reply[#reply + 1] = {"match", m} end
    send("complete", reply)
  elseif kind == "inspect" then
    local ok, text = pcall(introspect.inspect, wire.get(fields, "code"),
                           tonumber(wire.get(fields, "pos")))
    send("inspect", ok and text and {{"text/plain", text}} or {})
  elseif kind == "is_complete" then
    send("is_complete", {{"status", cell.is_complete(wire.get(fields, "code") or "")}})
  elseif kind == "status" then
    send("status", status_fields())
  end
end
