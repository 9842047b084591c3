-- Every op of the op table (cu._ops, built from src/ops.def) against NumPy, on every device:
-- spec/ops_rows.lua holds, per op, inputs over several dtypes and NumPy's result dtype and
-- values (tools/gen_op_rows.py writes it; make test checks that it still is NumPy's answer).
-- An op without rows fails here, so a new row of ops.def needs its NumPy-checked values.
local cu = require "cuarray"
local H = require "helper"
local ROWS = require "ops_rows"

-- Relative tolerances for float results, by dtype, with per-op exceptions: the math
-- functions of the C library and of CUDA may differ from NumPy's in the last bits.
local TOLERANCE = {
  default = {float16 = 2e-3, float32 = 2e-6, float64 = 1e-13, complex64 = 2e-6, complex128 = 1e-13},
  -- float16 sums and means round once per partial sum
  sum = {float16 = 4e-3}, mean = {float16 = 4e-3}, var = {float16 = 4e-3}, std = {float16 = 4e-3},
  prod = {float16 = 4e-3},
}

local function tolerance(op, dtype)
  local t = TOLERANCE[op]
  return t and t[dtype] or TOLERANCE.default[dtype]
end

local function operand(spec)
  if type(spec) ~= "table" then return spec end   -- a Lua number: a weak scalar
  return cu.array(spec[2], {dtype = spec[1]})
end

local function describe_input(spec)
  if type(spec) ~= "table" then return tostring(spec) end
  return spec[1]
end

local function call(op, kind, row)
  if kind == "unary" or kind == "unary2" then return cu[op](operand(row.a)) end
  if kind == "binary" or kind == "binary2" then return cu[op](operand(row.a), operand(row.b)) end
  return cu[op](operand(row.a), row.axis)
end

local function check_result(op, r, want)
  local dtype, values = want[1], want[2]
  if cu.is_array(r) then
    if r.dtype ~= dtype then error(("dtype %s, NumPy %s"):format(r.dtype, dtype), 0) end
    assert(r.device == cu.get_default_device() or r.device .. ":0" == cu.get_default_device(),
      "the result is on " .. r.device)
  end
  local same, why = H.compare(r, values, tolerance(op, dtype))
  if not same then error(why, 0) end
end

local function check_row(op, kind, row)
  local ok, r, r2 = pcall(call, op, kind, row)
  if row.raises then
    if ok then error("NumPy raises, cuarray gave " .. tostring(r), 0) end
    assert(tostring(r):find(op, 1, true), "the message names the op: " .. tostring(r))
    return
  end
  if not ok then error("raised: " .. tostring(r), 0) end
  check_result(op, r, row.want)
  if row.want2 then
    local ok2, why = pcall(check_result, op, r2, row.want2)
    if not ok2 then error("second result: " .. tostring(why), 0) end
  end
end

describe("the op table", function()
  it("lists every op once with its kind and dtype rule", function()
    local seen = {}
    assert.is_true(#cu._ops > 0)
    for _, o in ipairs(cu._ops) do
      assert.is_nil(seen[o.name], o.name .. " is listed twice")
      seen[o.name] = true
      assert.is_truthy(({unary = true, binary = true, unary2 = true, binary2 = true, reduce = true})[o.kind],
        o.kind)
      assert.is_string(o.rule)
      assert.is_function(cu[o.name], "cu." .. o.name)
    end
  end)

  it("has NumPy-checked rows for every op, and no rows for ops it lacks", function()
    local names = {}
    for _, o in ipairs(cu._ops) do
      names[o.name] = true
      assert.is_table(ROWS[o.name], o.name .. " has no rows in spec/ops_rows.lua "
        .. "(add its inputs to tools/gen_op_rows.py and run it)")
      assert.is_true(#ROWS[o.name] > 0, o.name .. " has an empty list of rows")
    end
    for name in pairs(ROWS) do assert.is_true(names[name], name .. " is not an op") end
  end)
end)

H.each_device("ops against NumPy", function()
  for _, o in ipairs(cu._ops) do
    it(o.name .. " (" .. o.kind .. ", " .. o.rule .. ")", function()
      local dtypes = {}
      for i, row in ipairs(ROWS[o.name] or {}) do
        local ok, why = pcall(check_row, o.name, o.kind, row)
        if not ok then
          local what = describe_input(row.a) .. (row.b ~= nil and ", " .. describe_input(row.b) or "")
            .. (row.axis and ", axis " .. row.axis or "")
          error(("%s row %d (%s): %s"):format(o.name, i, what, tostring(why)), 0)
        end
        if type(row.a) == "table" then dtypes[row.a[1]] = true end
      end
      local n = 0
      for _ in pairs(dtypes) do n = n + 1 end
      assert.is_true(n >= 3, o.name .. " is checked on fewer than three dtypes")
    end)
  end
end)
