-- Running a notebook cell: compile it so that the value of its last expression comes back
-- (Lua 5.4's REPL tries "return <line>" first; a cell tries it on its last lines), run it
-- with interrupts enabled, and turn an error into what Jupyter shows (the message, the
-- cell's line, the Lua traceback without the kernel's own frames).
local M = {}

local load_chunk = rawget(_G, "loadstring") or function(s, name) return load(s, name, "t") end

-- The source of every cell run so far, by chunk name ("In[3]"), for the lines in errors.
local sources = {}

local function split_lines(code)
  local lines = {}
  for line in (code .. "\n"):gmatch("([^\n]*)\n") do lines[#lines + 1] = line end
  if code:sub(-1) == "\n" then lines[#lines] = nil end
  return lines
end

-- "return <expr>" without a tail call, so that errors inside expr keep the cell's line.
local function returning(expr)
  return "return (function(...) return ... end)(" .. expr .. "\n)"
end

-- The function of cell `name` returning the values to show: the cell with its last
-- expression (the longest tail of lines that is an expression, its head being a whole chunk
-- by itself) returned, else the cell as it is (which may `return` values itself).
-- Returns fn, or nil and the compiler's message.
function M.compile(code, name)
  sources[name] = split_lines(code)
  local chunkname = "@" .. name
  local f = load_chunk(returning(code), chunkname)
  if f then return f end
  local lines = {}
  for line in (code .. "\n"):gmatch("([^\n]*\n)") do lines[#lines + 1] = line end
  for k = #lines, math.max(2, #lines - 40), -1 do
    local tail = table.concat(lines, "", k)
    if tail:match("%S") and load_chunk("return " .. tail, chunkname) then
      local head = table.concat(lines, "", 1, k - 1)
      if load_chunk(head, chunkname) then
        f = load_chunk(head .. returning(tail), chunkname)
        if f then return f end
      end
    end
  end
  return load_chunk(code, chunkname)
end

local running -- the cell function being run: its frame is the last one a traceback shows

-- One traceback line for the frame `info` (debug.getinfo's "Slnf").
local function frame_line(info)
  local place = info.short_src
  if info.what == "C" then
    place = "[C]"
  elseif info.currentline and info.currentline > 0 then
    place = ("%s:%d"):format(info.short_src, info.currentline)
  end
  local what
  if info.func == running or info.what == "main" then
    what = "in main chunk"
  elseif info.name then
    what = ("in function '%s'"):format(info.name)
  elseif info.what == "C" then
    what = "in ?"
  else
    what = ("in function <%s:%d>"):format(info.short_src, info.linedefined)
  end
  return "\t" .. place .. ": " .. what
end

-- The frames from `level` up to the cell's own, outermost first last; the middle of a deep
-- stack (recursion) is elided.
local function cell_traceback(level)
  local lines = {"stack traceback:"}
  local frames = {}
  while true do
    local info = debug.getinfo(level, "Slnf")
    if not info then break end
    frames[#frames + 1] = info
    if info.func == running then break end
    level = level + 1
  end
  for i, info in ipairs(frames) do
    if i == 11 and #frames > 22 then
      lines[#lines + 1] = ("\t...\t(%d levels)"):format(#frames - 20)
    elseif i <= 10 or i > #frames - 10 or #frames <= 22 then
      lines[#lines + 1] = frame_line(info)
    end
  end
  return table.concat(lines, "\n")
end

-- What an error handler records: the message, the first cell frame (chunk, line) and the
-- traceback.
local function on_error(e)
  local msg
  if type(e) == "string" or type(e) == "number" then
    msg = tostring(e)
  else
    local mt = getmetatable(e)
    msg = (mt and mt.__tostring) and tostring(e) or ("(error object is a %s value)"):format(type(e))
  end
  local where
  for level = 2, 200 do
    local info = debug.getinfo(level, "Sl")
    if not info then break end
    local chunk = info.source:match("^@(In%[%d+%])$")
    if chunk and info.currentline and info.currentline > 0 then
      where = {chunk, info.currentline}
      break
    end
  end
  return {message = msg, where = where, traceback = cell_traceback(3)}
end

local function pack(...) return {n = select("#", ...), ...} end

-- Runs fn with interrupts enabled (interrupt: the cuarray_kernel.interrupt module or nil).
-- Returns true and a packed list of the values, or false and the error record. The outer
-- pcall catches an interrupt that lands between fn's end and disable().
function M.run(fn, interrupt)
  running = fn
  local done, r = pcall(function()
    if interrupt then interrupt.enable() end
    local res = pack(xpcall(fn, on_error))
    if interrupt then interrupt.disable() end
    return res
  end)
  local interrupted = interrupt and interrupt.disable()
  if not done then
    return false, {message = "interrupted", interrupted = true, traceback = ""}
  end
  if not r[1] then
    r[2].interrupted = interrupted
    return false, r[2]
  end
  local values = {n = r.n - 1}
  for i = 2, r.n do values[i - 1] = r[i] end
  return true, values
end

local red, bold, reset = "\27[0;31m", "\27[1m", "\27[0m"

-- The source line of a cell frame, with its place.
local function source_line(where)
  local src = sources[where[1]]
  local text = src and src[where[2]]
  if not text then return nil end
  return ("%s, line %d:"):format(where[1], where[2]), "    " .. text:gsub("^%s+", "")
end

-- ename, evalue and the traceback lines of a run error (res from M.run).
function M.describe_error(res)
  local ename = res.interrupted and "Interrupted" or "LuaError"
  local tb = {red .. res.message .. reset}
  if res.where then
    local place, text = source_line(res.where)
    if place then tb[#tb + 1] = place; tb[#tb + 1] = bold .. text .. reset end
  end
  if res.traceback ~= "" then
    tb[#tb + 1] = ""
    tb[#tb + 1] = res.traceback
  end
  return ename, res.message, tb
end

-- The same for a cell that does not compile (msg: "In[3]:2: ... near ...").
function M.describe_syntax_error(msg)
  local chunk, line = msg:match("^(In%[%d+%]):(%d+):")
  local tb = {red .. msg .. reset}
  if chunk then
    local place, text = source_line({chunk, tonumber(line)})
    if place then tb[#tb + 1] = place; tb[#tb + 1] = bold .. text .. reset end
  end
  return "SyntaxError", msg, tb
end

-- "complete", "incomplete" or "invalid" (Jupyter's is_complete_request).
function M.is_complete(code)
  local f, err = load_chunk(code, "=cell")
  if f then return "complete" end
  if err:match("<eof>") or err:match("unfinished") then return "incomplete" end
  return "invalid"
end


return M
