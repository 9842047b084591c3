-- lua/cuarray/docs.lua: every public function and method has a signature and a line of
-- documentation (what cu.help and the notebook's inspection show), and every entry names
-- something that exists.
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
  for k, v in pairs(cu.plot.Figure) do
    if type(v) == "function" and not k:match("^_") then names[#names + 1] = "fig:" .. k end
  end
  table.sort(names)
  return names
end

describe("documentation", function()
  it("has an entry for every public function and method", function()
    local missing = {}
    for _, name in ipairs(public_names()) do
      if not docs.get(name) then missing[#missing + 1] = name end
    end
    assert.are.same({}, missing,
      "add a line for each of these to lua/cuarray/docs.lua: " .. table.concat(missing, ", "))
  end)

  it("documents nothing that does not exist", function()
    local exists = {}
    for _, name in ipairs(public_names()) do exists[name] = true end
    -- Without cuarray.cuda, cu.cuda is a stand-in whose functions (all raising "CUDA is
    -- not available") come from its __index: any name is callable there.
    local function cuda_callable(name)
      local rest = name:match("^cu%.cuda%.(.+)$")
      return rest ~= nil and callable(cu.cuda[rest])
    end
    local stale = {}
    for name in pairs(docs.entries) do
      if not exists[name] and not cuda_callable(name) then stale[#stale + 1] = name end
    end
    table.sort(stale)
    assert.are.same({}, stale)
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
    assert.truthy(printed[1]:match("^cu%.linspace%(start, stop%[, num = 50%]"))
    assert.truthy(printed[1]:find("\n\n", 1, true))
    assert.has_error(function() cu.help("nope") end, "help: no documentation for nope")
  end)
end)
