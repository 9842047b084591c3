-- The collector runs inside operations: every allocation can run a full collection and so
-- finalizers, which may free the operands (a:free()), change the tables being read or drop
-- the only reference to an `out` array. No operation crashes or writes through a stale
-- pointer: each either completes or raises naming the function. cu._gc_stress(true) runs a
-- full collection before every array is made, so that a finalizer made garbage just before
-- an operation runs at the operation's first allocation.
local cu = require "cuarray"
local H = require "helper"

-- Makes garbage whose finalizer calls fn: a table with __gc on Lua 5.2+, a proxy on 5.1 and
-- LuaJIT. It is made some frames deeper than the operation that follows will reach, so that
-- no dead stack slot below the collector's view of the stack top still refers to it.
local function on_collect(fn, depth)
  depth = depth or 24
  if depth > 0 then
    on_collect(fn, depth - 1)
    return
  end
  local proxy = rawget(_G, "newproxy")
  if proxy then
    getmetatable(proxy(true)).__gc = function() fn() end
  else
    setmetatable({}, {__gc = function() fn() end})
  end
end

-- Runs op with a finalizer, already garbage, that runs fin at op's first array allocation.
-- Returns pcall's results.
local function during(fin, op)
  cu._gc_stress(true)
  on_collect(fin)
  local ok, err = pcall(op)
  cu._gc_stress(false)
  return ok, err
end

-- op must raise an error naming `fname` and saying an array was freed, or complete.
local function survives_free(fname, victims, op)
  local ok, err = during(function()
    for _, v in ipairs(victims) do v:free() end
  end, op)
  if not ok then
    err = tostring(err)
    assert(err:find("freed", 1, true), err)
    if not err:find(fname .. ":", 1, true) then
      return false, ("%q does not name %s"):format(err, fname)
    end
  end
  return true
end

-- Runs every case, then reports all the messages that do not name their function.
local function all_survive(cases, run)
  local bad = {}
  for _, c in ipairs(cases) do
    local ok, why = run(c)
    if not ok then bad[#bad + 1] = why end
  end
  assert(#bad == 0, table.concat(bad, "\n"))
end

H.each_device("finalizers inside operations", function()
  after_each(function() cu._gc_stress(false) end)

  it("a finalizer that frees an operand of victim + 1", function()
    local victim = cu.arange(1000, {dtype = "float64"})
    local ok, err = during(function() victim:free() end, function() return victim + 1 end)
    assert.is_false(ok)
    assert.truthy(tostring(err):find("add: an array was freed while the operation ran", 1, true))
  end)

  it("the same with the core's own pacing: a 128 MiB result runs a collection", function()
    -- Lua's collector stopped, the only collection is the one the core runs when the result
    -- is allocated (past the threshold, which on a GPU is a share of its memory unless set).
    -- A dead value a register still holds can keep the finalizer's object alive (LuaJIT, now
    -- and then): then the op just succeeds, and the case runs again.
    cu.set_gc_threshold(64 * 2 ^ 20)
    finally(function() cu.set_gc_threshold() end)
    for _ = 1, 5 do
      local victim = cu.zeros(1):broadcast_to({2 ^ 24})
      local fired = false
      collectgarbage("stop")
      on_collect(function() fired = true; victim:free() end)
      local ok, err = pcall(function() return victim + 1 end)
      collectgarbage("restart")
      if fired then
        assert.is_false(ok)
        assert.truthy(tostring(err):find("add: an array was freed while the operation ran", 1, true))
        return
      end
    end
    error("the finalizer never ran inside the operation")
  end)

  it("a finalizer that puts an array where cu.array(t) read a number", function()
    local t = {1, 2, 3, 4}
    local repl = cu.ones(100)
    local ok, err = during(function() t[2] = repl end, function() return cu.array(t) end)
    assert.is_false(ok)
    assert.truthy(tostring(err):find("array: the table changed while it was being converted (at [2])",
                                     1, true))
    -- a nested table replaced by a number, a row shortened
    local n = {{1, 2}, {3, 4}}
    ok, err = during(function() n[2] = 5 end, function() return cu.array(n) end)
    assert.is_false(ok)
    assert.truthy(tostring(err):find("the table changed", 1, true))
    n = {{1, 2}, {3, 4}}
    ok, err = during(function() n[1][2] = nil end, function() return cu.array(n) end)
    assert.is_false(ok)
    assert.truthy(tostring(err):find("the table changed", 1, true))
    -- what the shape pass accepts, the fill pass does: 0-d arrays beside numbers
    H.same(cu.array({cu.array(1), 2.5, cu.array(true)}), {1, 2.5, 1})
    H.same(cu.array({{cu.array(1), 2}, {3, cu.array(4)}}), {{1, 2}, {3, 4}})
  end)

  it("options are read raw: an out array behind __index is not seen", function()
    -- cu.sqrt(4, opts) with opts.out from __index, held only by a weak table, used to keep a
    -- C pointer to an array the collector then finalized
    local weak = setmetatable({}, {__mode = "v"})
    weak[1] = cu.zeros({})
    local opts = setmetatable({}, {__index = function(_, k)
      if k == "out" then return weak[1] end
    end})
    local ok, r = during(function() end, function() return cu.sqrt(4, opts) end)
    assert.is_true(ok, r)
    assert.is_true(cu.is_array(r))
    assert.is_false(rawequal(r, weak[1]))
    H.same(r, 2)
    local hidden = cu.zeros({})
    opts = setmetatable({}, {__index = function() return hidden end})
    H.same(cu.sqrt(cu.full({}, 9.0), opts), 3)
    H.same(hidden, 0)
  end)

  it("an out array whose only reference the options table drops stays alive", function()
    local opts = {out = cu.zeros(3)}
    local ok, r = during(function() opts.out = nil end,
                         function() return cu.sqrt(cu.full(3, 4.0), opts) end)
    assert.is_true(ok, r)
    H.same(r, {2, 2, 2})
  end)

  it("index arrays taken out of the key stay alive", function()
    local a = cu.arange(10)
    local key = {cu.array({2, 4, 6})}
    local ok, r = during(function() key[1] = nil end, function() return a[key] end)
    assert.is_true(ok, r)
    H.same(r, {1, 3, 5})
  end)

  it("arrays taken out of a concatenate list stay alive", function()
    local list = {cu.arange(3), cu.arange(2)}
    local ok, r = during(function() list[1], list[2] = nil, nil end,
                         function() return cu.concatenate(list) end)
    assert.is_true(ok, r)
    H.same(r, {0, 1, 2, 0, 1})
  end)

  it("no operation uses an operand freed by a finalizer", function()
    local m = cu.array({{true, false, true}, {false, true, false}})
    local idx = cu.array({1, 2})
    local v3 = cu.ones(3)
    local cases = { -- the function the error names, and the operation on x of shape (2, 3)
      {"add", function(x) return x + 1 end},
      {"add", function(x) return cu.add(v3, x) end},
      {"multiply", function(x) return cu.multiply(x, x) end},
      {"sqrt", function(x) return cu.sqrt(x) end},
      {"where", function(x) return cu.where(m, x, 0) end},
      {"sum", function(x) return cu.sum(x, 1) end},
      {"max", function(x) return x:max(2) end},
      {"cumsum", function(x) return cu.cumsum(x, 2) end},
      {"matmul", function(x) return cu.matmul(x, v3) end},
      {"dot", function(x) return cu.dot(x, v3) end},
      {"astype", function(x) return x:astype("float32") end},
      {"copy", function(x) return x:copy() end},
      {"reshape", function(x) return x:reshape(3, 2) end},
      {"flatten", function(x) return x:flatten() end},
      {"transpose", function(x) return x:transpose() end},
      {"indexing", function(x) return x[idx] end},
      {"indexing", function(x) return x[m] end},
      {"index assignment", function(x) x[idx] = 3 end},
      {"index assignment", function(x) x[m] = 3 end},
      {"concatenate", function(x) return cu.concatenate({x, x}) end},
      {"stack", function(x) return cu.stack({x, x}) end},
      {"array", function(x) return cu.array(x, {dtype = "int32"}) end},
      {"array", function(x) return cu.array({x, x}) end},
      {"full", function(x) return cu.full({2, 2, 3}, x) end},
      {"totable", function(x) return x:totable() end},
      {"_print_data", function(x) return tostring(x) end},
      {"nonzero", function(x) return cu.nonzero(x) end},
      {"take", function(x) return cu.take(x, idx) end},
    }
    all_survive(cases, function(c)
      local victim = cu.arange(6, {dtype = "float64"}):reshape(2, 3)
      return survives_free(c[1], {victim}, function() return c[2](victim) end)
    end)
  end)

  it("no operation writes into an out freed by a finalizer", function()
    local a, a23 = cu.ones(6), cu.ones({2, 3})
    local cases = {
      {"add", 6, function(o) return cu.add(a, 1, {out = o}) end},
      {"sqrt", 6, function(o) return cu.sqrt(a, {out = o}) end},
      {"clip", 6, function(o) return cu.clip(a, 0, 1, {out = o}) end},
      {"sum", 3, function(o) return cu.sum(a23, 1, {out = o}) end},
      {"cumsum", 6, function(o) return cu.cumsum(a, {out = o}) end},
      {"matmul", 2, function(o) return cu.matmul(a23, cu.ones(3), {out = o}) end},
    }
    all_survive(cases, function(c)
      local o = cu.zeros(c[2])
      return survives_free(c[1], {o}, function() return c[3](o) end)
    end)
  end)
end)
