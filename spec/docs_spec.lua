-- lua/cuarray/docs.lua: every public function and method has a signature and a line of
-- documentation (what cu.help and the notebook's inspection show), and every entry names
-- something that exists. The entries are the reference's (docs/reference/*.md), written into
-- lua/cuarray/docs_data.lua by tools/gen_docs.lua.
local cu = require "cuarray"
local docs = require "cuarray.docs"

local function callable(v)
  if type(v) == "function" then return true end
  local mt = type(v) == "table" and getmetatable(v)
  return mt and mt.__call ~= nil
end

-- Every public callable name: "cu.zeros", "cu.random.seed", "a:sum", "fig:line", ...
local function public_names()
  local names = {}
  local function walk(t, prefix, sep)
    for k, v in pairs(t) do
      if type(k) == "string" and not k:match("^_") and callable(v) then
        names[#names + 1] = prefix .. sep .. k
      end
    end
  end
  walk(cu, "cu", ".")
  walk(cu._methods, "a", ":")
  for _, ns in ipairs({"random", "fft", "linalg", "cuda", "plot", "display"}) do
    walk(cu[ns], "cu." .. ns, ".")
  end
  walk(cu.lib.stride_tricks, "cu.lib.stride_tricks", ".")
  for k, v in pairs(cu.plot.Figure) do
    if type(v) == "function" and not k:match("^_") then names[#names + 1] = "cu.plot.Figure." .. k end
  end
  table.sort(names)
  return names
end

describe("documentation", function()
  it("is what tools/gen_docs.lua writes from the reference", function()
    local p = assert(io.popen((os.getenv("CUARRAY_LUA") or "luajit") .. " tools/gen_docs.lua"))
    local generated = p:read("*a")
    p:close()
    local f = assert(io.open("lua/cuarray/docs_data.lua", "r"))
    local current = f:read("*a")
    f:close()
    assert(generated == current, "lua/cuarray/docs_data.lua is stale: run `make docs-data`")
  end)

  it("has an entry for every public function and method", function()
    local missing = {}
    for _, name in ipairs(public_names()) do
      if not docs.get(name) then missing[#missing + 1] = name end
    end
    assert.are.same({}, missing,
      "document these in docs/reference/, then run `make docs-data`: " .. table.concat(missing, ", "))
  end)

  it("finds the entry of a function value, a method and a name", function()
    assert.are.equal("cu.zeros", docs.name_of(cu, cu.zeros))
    assert.are.equal("cu.random.normal", docs.name_of(cu, cu.random.normal))
    assert.are.equal("cu.display", docs.name_of(cu, cu.display))
    assert.truthy(docs.lookup(cu, cu.ones(2).reshape):find("reshape", 1, true))
    assert.truthy(docs.lookup(cu, "sum"):match("^cu%.sum%(a%[, axis%]"))
    assert.truthy(docs.lookup(cu, "a:matmul"):match("^a:matmul%(b"))
    assert.is_nil(docs.lookup(cu, "no_such_function"))
  end)

  it("cu.help prints the signature and the line", function()
    local printed = {}
    local print0 = print
    _G.print = function(s) printed[#printed + 1] = s end
    local ok, err = pcall(cu.help, cu.linspace)
    _G.print = print0
    assert.is_true(ok, err)
    assert.truthy(printed[1]:match("^cu%.linspace%(start, stop%[, num%]"))
    assert.truthy(printed[1]:find("\n\n", 1, true))
    assert.has_error(function() cu.help("nope") end, "help: no documentation for nope")
  end)
end)
