-- Tab completion and inspection (shift-tab) for the kernel. Both look at the dotted path
-- before the cursor ("cu.random.no", "a:su") and resolve it in the globals without calling
-- anything except an array's own lookup of its methods and attributes (no side effects).
-- Without cuarray on the path the kernel still runs Lua: then there is no documentation.
local have_docs, docs = pcall(require, "cuarray.docs")
if not have_docs then docs = nil end

local M = {}

local keywords = {"and", "break", "do", "else", "elseif", "end", "false", "for", "function",
                  "goto", "if", "in", "local", "nil", "not", "or", "repeat", "return", "then",
                  "true", "until", "while"}
local attributes = {"shape", "ndim", "size", "dtype", "device", "strides", "itemsize", "nbytes",
                    "T", "is_contiguous", "pinned"}

local function lib() return rawget(_G, "cu") end

local function is_array(v)
  local cu = lib()
  return cu ~= nil and type(cu) == "table" and type(cu.is_array) == "function" and cu.is_array(v)
end

local function index_table(v)
  local mt = getmetatable(v)
  local idx = type(mt) == "table" and rawget(mt, "__index")
  return type(idx) == "table" and idx or nil
end

-- v[name] through raw fields and __index tables only; arrays through their own __index.
local function field(v, name, depth)
  depth = depth or 0
  if depth > 10 then return nil end
  if is_array(v) then
    local ok, r = pcall(function() return v[name] end)
    return ok and r or nil
  end
  if type(v) == "table" then
    local r = rawget(v, name)
    if r ~= nil then return r end
  end
  local t = type(v)
  local idx = (t == "table" or t == "userdata" or t == "string") and index_table(v)
  return idx and field(idx, name, depth + 1) or nil
end

-- The names v offers: its keys and those of its __index tables; an array's methods and
-- (with '.') attributes.
local function names_of(v, sep)
  local out, seen = {}, {}
  local function take(k, val)
    if type(k) == "string" and k:match("^[%a_][%w_]*$") and not seen[k] and not k:match("^__") then
      if sep ~= ":" or type(val) == "function" or type(val) == "table" then
        seen[k] = true
        out[#out + 1] = k
      end
    end
  end
  if is_array(v) then
    for k, f in pairs(lib()._methods) do take(k, f) end
    if sep == "." then for _, k in ipairs(attributes) do take(k, true) end end
    return out
  end
  local t, depth = v, 0
  while t ~= nil and depth < 10 do
    if type(t) == "table" then for k, val in pairs(t) do take(k, val) end end
    t = index_table(t)
    depth = depth + 1
  end
  return out
end

-- Splits "cu.random.no" into {"cu", "random"}, the last separator and the prefix "no".
local function split_path(expr)
  local parts, seps = {}, {}
  local pos = 1
  while true do
    local name, sep, nxt = expr:match("^([%a_][%w_]*)([%.:])()", pos)
    if not name then break end
    parts[#parts + 1] = name
    seps[#seps + 1] = sep
    pos = nxt
  end
  return parts, seps[#seps], expr:sub(pos), seps
end

-- The value of the first n (default all) names of a path.
local function resolve(parts, n)
  n = n or #parts
  if n == 0 then return nil end
  local v = rawget(_G, parts[1])
  for i = 2, n do
    if v == nil then return nil end
    v = field(v, parts[i])
  end
  return v
end

-- Completions at byte position pos of code: the matches, and the byte range (0-based start,
-- end) they replace.
function M.complete(code, pos)
  code = code or ""
  pos = math.max(0, math.min(pos or #code, #code))
  local before = code:sub(1, pos)
  local expr = before:match("[%a_][%w_%.:]*$") or ""
  if before:sub(#before - #expr, #before - #expr):match("[%w_]") then expr = "" end
  local parts, sep, prefix = split_path(expr)
  if prefix:find("[%.:]") then return {}, pos, pos end
  local candidates
  if #parts == 0 then
    candidates = names_of(_G, ".")
    for _, k in ipairs(keywords) do candidates[#candidates + 1] = k end
  else
    local v = resolve(parts)
    if v == nil then return {}, pos, pos end
    candidates = names_of(v, sep)
  end
  local matches, seen = {}, {}
  for _, c in ipairs(candidates) do
    if c:sub(1, #prefix) == prefix and not seen[c] then
      seen[c] = true
      matches[#matches + 1] = c
    end
  end
  table.sort(matches)
  return matches, pos - #prefix, pos
end

-- The path the cursor is on: the name under or before it, else the function whose call's
-- parentheses hold the cursor.
local function path_at(code, pos)
  local before, after = code:sub(1, pos), code:sub(pos + 1)
  local expr = (before:match("[%a_][%w_%.:]*$") or "") .. (after:match("^[%w_]*") or "")
  if expr == "" or expr:match("[%.:]$") then
    local depth = 0
    for i = #before, 1, -1 do
      local c = before:sub(i, i)
      if c == ")" then
        depth = depth + 1
      elseif c == "(" then
        if depth == 0 then
          expr = before:sub(1, i - 1):match("([%a_][%w_%.:]*)%s*$") or ""
          break
        end
        depth = depth - 1
      end
    end
  end
  return (expr:gsub("[%.:]$", ""))
end

-- What Lua knows of a function without documentation: its parameters and where it is.
local function describe_function(f, name)
  local info = debug.getinfo(f, "Su")
  if info.what == "C" then return name .. ": a C function (no documentation)" end
  local params = {}
  for i = 1, info.nparams or 0 do params[i] = debug.getlocal(f, i) or ("arg" .. i) end
  if info.isvararg then params[#params + 1] = "..." end
  return ("%s(%s)\n\ndefined at %s:%d"):format(name, table.concat(params, ", "), info.short_src,
    info.linedefined)
end

-- The inspection text for the path at byte position pos, or nil when there is nothing.
function M.inspect(code, pos)
  code = code or ""
  pos = math.max(0, math.min(pos or #code, #code))
  local expr = path_at(code, pos)
  if expr == "" then return nil end
  local parts, _, _, seps = split_path(expr .. ".")
  local v = resolve(parts)
  if v == nil then return nil end
  local cu = lib()
  local method = docs and #parts > 1 and seps[#parts - 1] == ":"
    and docs.text("a:" .. parts[#parts])
  if method and is_array(resolve(parts, #parts - 1)) then return method end
  if docs and cu and (type(v) == "function" or type(v) == "table") then
    local name = docs.name_of(cu, v)
    if name then return docs.text(name) end
  end
  if is_array(v) then
    local ok, text = pcall(function() return cu.display.bundle(v)["text/plain"] end)
    return ok and text or tostring(v)
  end
  if type(v) == "function" then return describe_function(v, expr) end
  if type(v) == "table" then
    local names = names_of(v, ".")
    table.sort(names)
    local shown = {}
    for i = 1, math.min(#names, 30) do shown[i] = names[i] end
    local count = #names > 30 and (" (%d names)"):format(#names) or ""
    return ("%s: a table%s\n\n%s"):format(expr, count, table.concat(shown, ", "))
  end
  return ("%s: %s\n\n%s"):format(expr, type(v), tostring(v))
end

return M
