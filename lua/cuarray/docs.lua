-- The signature and one line of documentation of every public function and method, for
-- cu.help(f) and the notebook kernel's inspection (shift-tab). Functions are named
-- "cu.zeros", "cu.random.seed", "cu.plot.Figure.line", ...; array methods "a:sum". The
-- entries come from the reference (docs/reference/*.md) through lua/cuarray/docs_data.lua,
-- which tools/gen_docs.lua writes (spec/docs_spec.lua checks that it is current).
local M = {}

-- The entries, read on first use: loaded with the module they were a third of the Lua heap
-- that every full collection walks (190 us of each under LuaJIT), and scripts that never ask
-- for help collect often (an array's memory is freed by the collector).
local entries
local function all()
  if not entries then
    entries = {}
    for name, e in pairs(require "cuarray.docs_data") do
      entries[name] = {signature = e[1], doc = e[2]}
    end
    package.loaded["cuarray.docs_data"] = nil
  end
  return entries
end

-- The entry for a qualified name ("cu.zeros", "a:sum"), or nil.
function M.get(name) return all()[name] end

-- "signature\n\ndoc" for a name, or nil.
function M.text(name)
  local e = all()[name]
  if not e then return nil end
  return e.signature .. "\n\n" .. e.doc
end

-- The qualified name of a function (or callable table) value: walks cu, its namespaces and
-- the array methods.
function M.name_of(cu, f)
  if type(f) ~= "function" and type(f) ~= "table" then return nil end
  local function search(t, prefix, sep)
    for k, v in pairs(t) do
      if v == f and type(k) == "string" and all()[prefix .. sep .. k] then
        return prefix .. sep .. k
      end
    end
  end
  return search(cu, "cu", ".") or search(cu._methods, "a", ":")
    or search(cu.random, "cu.random", ".") or search(cu.linalg, "cu.linalg", ".")
    or search(cu.fft, "cu.fft", ".")
    or search(cu.cuda, "cu.cuda", ".") or search(cu.plot, "cu.plot", ".")
    or search(cu.display, "cu.display", ".") or search(cu.plot.Figure, "cu.plot.Figure", ".")
end

-- The documentation of a value or a name ("cu.zeros", "zeros", "a:sum", "sum"), or nil.
function M.lookup(cu, what)
  if type(what) == "string" then
    return M.text(what) or M.text("cu." .. what) or M.text("a:" .. what)
      or M.text((what:gsub("^[%w_]+:", "a:")))
  end
  local name = M.name_of(cu, what)
  return name and M.text(name)
end

function M.attach(cu)
  -- cu.help(f): prints the signature and documentation of f (a function or a name).
  function cu.help(what)
    local t = M.lookup(cu, what)
    if not t then
      error("help: no documentation for " .. (type(what) == "string" and what or type(what)), 2)
    end
    print(t)
  end
end

return M
