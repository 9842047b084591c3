-- The reference (docs/reference/*.md) documents every public name, and only names that exist:
-- the module's functions and values (cu.*, every namespace table under it: cu.random.*,
-- cu.linalg.*, cu.cuda.*, ...), the array methods, attributes and metamethods, the methods of
-- every other userdata type the modules register, and the C API of src/cuarray.h. The names
-- are walked at run time, not listed here. Each entry has its fields, and every example on the
-- pages runs and gives what the page says.
local cu = require "cuarray"
local pages = require "reference_pages"

local README = pages.DIR .. "/README.md"

-- The userdata types registered by the modules, by their metatable's name in the registry,
-- and the receiver their methods are written with in the reference (`event:record()`). A
-- new type needs a line here.
local RECEIVERS = {
  ["cuarray.ndarray"] = "a",
  ["cuarray.cuda.Event"] = "event",
  ["cuarray.cuda.Stream"] = "stream",
  ["cuarray.nccl.Communicator"] = "comm",
}

local function sorted_keys(t)
  local keys = {}
  for k in pairs(t) do keys[#keys + 1] = k end
  table.sort(keys)
  return keys
end

local function is_list(t)
  local n = 0
  for _ in pairs(t) do n = n + 1 end
  return n > 0 and n == #t
end

local function callable(v)
  if type(v) == "function" then return true end
  local mt = getmetatable(v)
  return type(mt) == "table" and mt.__call ~= nil
end

-- The names src/cuarray.h declares: functions, types, enum constants and macros.
local function c_api_names()
  local f = assert(io.open("src/cuarray.h", "r"))
  local src = f:read("*a")
  f:close()
  local names = {}
  src = src:gsub("/%*.-%*/", " "):gsub("//[^\n]*", " ")
  src = src:gsub("#ifdef __cplusplus.-#endif", " ")
  src = src:gsub("#[^\n]*", function(line)
    local macro = line:match("^#define%s+([%w_]+)")
    if macro and macro ~= "CUARRAY_H" and macro ~= "CUARRAY_API" then names[#names + 1] = macro end
    return " "
  end)
  for body in src:gmatch("enum%s+[%w_]*%s*(%b{})") do
    for item in body:sub(2, -2):gmatch("[^,]+") do
      local id = item:match("^%s*([%a_][%w_]*)")
      if id then names[#names + 1] = id end
    end
  end
  src = src:gsub("%b{}", " ")
  for stmt in src:gmatch("[^;]+") do
    if stmt:match("^%s*typedef") then
      names[#names + 1] = stmt:match("([%a_][%w_]*)%s*$")
    else
      local fn = stmt:match("([%a_][%w_]*)%s*%(")
      if fn then names[#names + 1] = fn end
    end
  end
  return names
end

-- Every public name: "cu.zeros", "cu.random.seed", "a:sum", "a.shape", "__add",
-- "event:record", "cuarray_check", ...
local function public_names()
  local names = {}
  local seen = {}
  local function walk(t, prefix, depth)
    seen[t] = true
    for _, k in ipairs(sorted_keys(t)) do
      local v = t[k]
      if type(k) == "string" and (k:sub(1, 1) ~= "_" or k == "_VERSION") then
        local name = prefix .. "." .. k
        local namespace = type(v) == "table" and not is_list(v) and not seen[v] and depth < 3
        if not namespace or callable(v) then names[name] = true end
        if namespace then walk(v, name, depth + 1) end
      end
    end
  end
  walk(cu, "cu", 1)
  for k in pairs(cu._methods) do names["a:" .. k] = true end
  for _, k in ipairs(cu._attributes) do names["a." .. k] = true end
  for k, v in pairs(getmetatable(cu.zeros(1))) do
    if type(k) == "string" and k:match("^__") and type(v) == "function" then names[k] = true end
  end
  for _, n in ipairs(c_api_names()) do names[n] = true end
  return names
end

-- The methods of the other userdata types (in the registry, with an __index table).
local function object_names(names, unknown)
  for k, v in pairs(debug.getregistry()) do
    if type(k) == "string" and k:match("^cuarray%.") and type(v) == "table" and
       type(v.__index) == "table" and k ~= "cuarray.ndarray" then
      local receiver = RECEIVERS[k]
      if not receiver then unknown[#unknown + 1] = k end
      for m in pairs(v.__index) do
        if type(m) == "string" and m:sub(1, 1) ~= "_" then
          names[(receiver or k) .. ":" .. m] = true
        end
      end
    end
  end
end

-- Names that exist only in some builds: cu.cuda's functions and the CUDA types need
-- cuarray.cuda (without it, cu.cuda holds is_available alone).
local function may_be_absent(name)
  -- A communicator's methods are Lua's (lua/cuarray/nccl.lua), over a userdata only NCCL makes.
  if name:match("^comm:") then return true end
  local cuda_built = rawget(cu.cuda, "runtime_version") ~= nil
  if cuda_built then return false end
  return name:match("^cu%.cuda%.") or name:match("^event:") or name:match("^stream:")
end

-- ---- examples -------------------------------------------------------------------------------

local function compile(src, name, env)
  if setfenv and loadstring then
    local fn, err = loadstring(src, name)
    if fn then setfenv(fn, env) end
    return fn, err
  end
  return load(src, name, "t", env)
end

local render
local function render_table(t)
  local parts = {}
  for i = 1, #t do parts[#parts + 1] = render(t[i]) end
  local keys = {}
  for k in pairs(t) do
    if not (type(k) == "number" and k >= 1 and k <= #t and k % 1 == 0) then keys[#keys + 1] = k end
  end
  table.sort(keys, function(x, y) return tostring(x) < tostring(y) end)
  for _, k in ipairs(keys) do
    local key = type(k) == "string" and k:match("^[%a_][%w_]*$") and k or "[" .. render(k) .. "]"
    parts[#parts + 1] = key .. " = " .. render(t[k])
  end
  return "{" .. table.concat(parts, ", ") .. "}"
end

-- How an example's values are written on the page: numbers as Lua shows integers (3, not
-- 3.0) and otherwise with the digits that read back as the same double, strings quoted,
-- arrays as print shows them, tables as constructors.
function render(v)
  local t = type(v)
  if t == "number" then
    if v ~= v then return "nan" end
    if v == math.huge then return "inf" end
    if v == -math.huge then return "-inf" end
    if v == math.floor(v) and math.abs(v) < 2 ^ 53 then return ("%d"):format(v) end
    for digits = 15, 17 do
      local s = ("%." .. digits .. "g"):format(v)
      if tonumber(s) == v then return s end
    end
  end
  if t == "string" then return ("%q"):format(v) end
  if cu.is_array(v) then return cu.array_repr(v) end
  if t == "table" then return render_table(v) end
  if t == "nil" or t == "boolean" then return tostring(v) end
  return "<" .. t .. ">"
end

local function normalise(s) return (s:gsub("%s+", " "):gsub("^ ", ""):gsub(" $", "")) end

local function pack(...) return {n = select("#", ...), ...} end

-- Runs fn and compares its values (or its error) with `expected`; returns nil or what differs.
local function check(fn, expected)
  local r = pack(pcall(fn))
  local want_error = expected:match("^error:%s*(.*)$")
  if not r[1] then
    local msg = tostring(r[2])
    if want_error and msg:find(want_error, 1, true) then return nil end
    return "raised " .. msg
  end
  if want_error then return "did not raise (expected an error containing: " .. want_error .. ")" end
  if expected == "" then return nil end
  local got = {}
  for i = 2, r.n do got[#got + 1] = render(r[i]) end
  local text = normalise(table.concat(got, ", "))
  if text ~= normalise(expected) then return "gave " .. text end
  return nil
end

local function new_env()
  return setmetatable({cu = cu}, {__index = _G})
end

-- Runs one code span `code --> expected`: code is an expression, or statements then an
-- expression after the last ";".
local function run_span(ex)
  local env = new_env()
  local fn = compile("return " .. ex.code, "=example", env)
  if not fn then
    local stmts, expr = ex.code:match("^(.*);%s*(.-)$")
    if stmts then fn = compile(stmts .. "; return " .. expr, "=example", env) end
  end
  if not fn then
    local _, err = compile(ex.code, "=example", env)
    return "does not compile: " .. tostring(err)
  end
  return check(fn, ex.expected)
end

-- Whether a ```lua block runs here: ```lua always, ```lua gpu with a GPU, ```lua53 on Lua
-- 5.3 and later, ```luajit under LuaJIT.
local function block_runs(kind)
  if kind == "lua" then return true end
  if kind == "lua gpu" then return cu.cuda.is_available() end
  if kind == "lua nccl" then
    return cu.cuda.is_available() and cu.cuda.device_count() >= 2 and cu.nccl.is_available()
  end
  if kind == "lua53" then return math.type ~= nil end
  if kind == "luajit" then return jit ~= nil end
  return false
end

-- Runs a ```lua block as one chunk; each `code --> expected` line is checked where it stands.
-- With `compile_only`, only compiles it (a ```lua gpu block on a machine without a GPU).
local function run_block(block, problems, compile_only)
  local src, checks = {}, {}
  for _, l in ipairs(block.lines) do
    if l.expected then
      checks[#checks + 1] = l
      src[#src + 1] = ("__check(%d, function() return %s end)"):format(#checks, l.code)
    else
      src[#src + 1] = l.code
    end
  end
  local env = new_env()
  env.__check = function(i, fn)
    local why = check(fn, checks[i].expected)
    if why then
      problems[#problems + 1] = ("%s:%d: `%s` %s; the page says %s"):format(block.path,
        checks[i].line, checks[i].code, why, checks[i].expected)
    end
  end
  local fn, err = compile(table.concat(src, "\n"), "=" .. block.path .. ":" .. block.line, env)
  if not fn then
    problems[#problems + 1] = ("%s:%d: the block does not compile: %s"):format(block.path,
      block.line, tostring(err))
    return
  end
  if compile_only then return end
  local ok, msg = pcall(fn)
  if not ok then
    problems[#problems + 1] = ("%s:%d: the block raised %s"):format(block.path, block.line,
      tostring(msg))
  end
end

-- State the examples may change, put back after each page.
local function save_state()
  local seed, counter = cu.random.get_state()
  return {device = cu.get_default_device(), dtype = cu.get_default_dtype(),
          print = cu.get_printoptions(), precision = cu.get_matmul_precision(),
          seed = seed, counter = counter}
end

local function restore_state(s)
  cu.set_default_device(s.device)
  cu.set_default_dtype(s.dtype)
  cu.set_printoptions(s.print)
  cu.set_matmul_precision(s.precision)
  cu.random.set_state(s.seed, s.counter)
end

-- ---- the spec -------------------------------------------------------------------------------

local c_names = {}
for _, n in ipairs(c_api_names()) do c_names[n] = true end
local all_pages, documented = pages.read_all(c_names)
local HOWTO = "see \"Writing an entry\" in " .. README

describe("the reference", function()
  it("has an entry for every public name", function()
    local names, unknown = public_names(), {}
    object_names(names, unknown)
    assert(#unknown == 0, ("userdata types without a receiver name in spec/reference_spec.lua's " ..
      "RECEIVERS: %s"):format(table.concat(unknown, ", ")))
    local missing = {}
    for _, name in ipairs(sorted_keys(names)) do
      if not documented[name] then
        missing[#missing + 1] = ("%s is public but not in %s/: add an entry"):format(name, pages.DIR)
      end
    end
    assert(#missing == 0, #missing .. " undocumented names (" .. HOWTO .. "):\n" ..
      table.concat(missing, "\n"))
  end)

  it("documents only names that exist", function()
    local names = public_names()
    object_names(names, {})
    local stale = {}
    for _, name in ipairs(sorted_keys(documented)) do
      if not names[name] and not may_be_absent(name) then
        local e = documented[name]
        stale[#stale + 1] = ("%s:%d: %s is documented but does not exist"):format(e.path, e.line, name)
      end
    end
    assert(#stale == 0, table.concat(stale, "\n"))
  end)

  it("gives each entry its fields and an example", function()
    local problems = {}
    for _, page in ipairs(all_pages) do
      for _, e in ipairs(page.entries) do
        local where = ("%s:%d: %s"):format(e.path, e.line, e.names[1])
        local lua = e.names[1]:match("^cu%.") or e.names[1]:match("^%a+[:.]") or
                    e.names[1]:match("^__")
        if e.heading and e.signature and lua then
          for _, field in ipairs({"Returns", "Errors"}) do
            if not e.fields[field] then
              problems[#problems + 1] = where .. ": no **" .. field .. "** line"
            end
          end
          if e.takes_options and not e.fields.Options then
            problems[#problems + 1] = where .. ": takes opts but has no **Options** line"
          end
        end
        if not e.has_example and (e.heading or lua) then
          problems[#problems + 1] = where .. ": no example"
        end
      end
    end
    assert(#problems == 0, table.concat(problems, "\n") .. "\n(" .. HOWTO .. ")")
  end)

  it("links every page from its index", function()
    local index
    for _, page in ipairs(all_pages) do
      if page.path == README then index = page end
    end
    assert(index, README .. " is missing")
    local unlinked = {}
    for _, page in ipairs(all_pages) do
      local file = page.path:match("([^/]+)$")
      if page ~= index and not page.guide and not index.links[file] then
        unlinked[#unlinked + 1] = file
      end
    end
    assert.are.same({}, unlinked)
  end)

  for _, page in ipairs(all_pages) do
    if #page.examples > 0 then
      it("runs the examples of " .. page.path, function()
        local problems = {}
        local state = save_state()
        cu.set_default_device("cpu")
        for _, ex in ipairs(page.examples) do
          if ex.lines then
            if block_runs(ex.kind) then
              run_block(ex, problems)
            elseif ex.kind ~= "lua53" or math.type then
              run_block(ex, problems, true)
            end
          else
            local why = run_span(ex)
            if why then
              problems[#problems + 1] = ("%s:%d: `%s` %s; the page says %s"):format(ex.path,
                ex.line, ex.code, why, ex.expected)
            end
          end
        end
        restore_state(state)
        assert(#problems == 0, table.concat(problems, "\n"))
      end)
    end
  end
end)
