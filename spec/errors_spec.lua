-- Every misuse raises one clear message that names the function and what was wrong: bad
-- shapes, broadcast mismatches, dtype names, unknown options, shapes whose size overflows,
-- negative sizes, operands that are not arrays, freed arrays, devices that are mixed or unknown.
local cu = require "cuarray"
local H = require "helper"


local function thirty_three_ones()
  local t = {}
  for i = 1, 33 do t[i] = 1 end
  return t
end

H.each_device("errors", function()
  local cases = {
    -- message fragment, function, arguments...
    -- shapes
    {"zeros: negative dimension -1 in shape", cu.zeros, {2, -1}},
    {"zeros: negative dimension -1 in shape", cu.zeros, -1},
    {"ones: shape entry 1 must be an integer, got 2.5", cu.ones, {2.5}},
    {"empty: shape entry 2 must be an integer, got string", cu.empty, {2, "x"}},
    {"zeros: shape must be a number or a table of numbers, got string", cu.zeros, "x"},
    {"zeros: shape must be a number or a table of numbers, got no value", cu.zeros},
    {"full: shape must be integral, got 2.5", cu.full, 2.5, 1},
    {"zeros: too many dimensions (33; at most 32)", cu.zeros, thirty_three_ones()},
    {"random.random: negative dimension -3 in shape", cu.random.random, {-3}},
    {"random.rand: negative dimension -1", cu.random.rand, 2, -1},
    {"eye: n must be non-negative, got -2", cu.eye, -2},
    {"eye: m must be an integer, got 1.5", cu.eye, 2, 1.5},
    {"linspace: num must be non-negative, got -1", cu.linspace, 0, 1, -1},
    -- sizes that overflow
    {"zeros: an array of shape (1099511627776, 1099511627776) and dtype float64 is too large",
     cu.zeros, {2 ^ 40, 2 ^ 40}},
    {"ones: an array of shape (4611686018427387904, 4) and dtype int8 is too large", cu.ones,
     {2 ^ 62, 4}, {dtype = "int8"}},
    {"empty: an array of shape (9007199254740992, 1024) and dtype float64 is too large",
     cu.empty, {2 ^ 53, 1024}},
    {"random.random: an array of shape", cu.random.random, {2 ^ 40, 2 ^ 40}},
    {"arange: the range is too long", cu.arange, 0, 1e300, 1e-300},
    -- dtypes
    {"zeros: unknown dtype 'float128' (bool, int8, uint8, int16, int32, int64, float16, "
     .. "float32, float64, complex64, complex128", cu.zeros, 2, {dtype = "float128"}},
    {"array: unknown dtype 'flaot32'", cu.array, {1}, {dtype = "flaot32"}},
    {"array: dtype must be a string such as \"float32\", got number", cu.array, {1}, {dtype = 3}},
    {"arange: unknown dtype 'integer'", cu.arange, 3, {dtype = "integer"}},
    {"unknown dtype 'x'", function() return cu.ones(2):astype("x") end},
    {"set_default_dtype: the default must be a float dtype, got int32", cu.set_default_dtype,
     "int32"},
    -- options
    {"zeros: unknown option 'dtyp'", cu.zeros, 2, {dtyp = "float32"}},
    {"array: unknown option 'shape'", cu.array, {1}, {shape = 2}},
    {"zeros_like: unknown option 'fill'", cu.zeros_like, cu.ones(2), {fill = 1}},
    {"eye: unknown option 'K'", cu.eye, 2, {K = 1}},
    {"zeros: options must be a table, got string", cu.zeros, 2, "float32"},
    {"add: unknown option 'outt'", cu.add, cu.ones(2), cu.ones(2), {outt = 1}},
    {"add: option 'out' must be an array, got table", cu.add, cu.ones(2), 1, {out = {}}},
    {"random.normal: unknown option 'seed'", cu.random.normal, 0, 1, {2}, {seed = 1}},
    {"set_printoptions: unknown option 'width'", cu.set_printoptions, {width = 3}},
    -- values
    {"array: value 300 at [2][2] is out of bounds for uint8", cu.array, {{1, 2}, {3, 300}},
     {dtype = "uint8"}},
    {"array: value -1 is out of bounds for uint8", cu.array, -1, {dtype = "uint8"}},
    {"full: fill value 128 is out of bounds for int8", cu.full, 2, 128, {dtype = "int8"}},
    {"full: fill value must be a number, boolean or array, got string", cu.full, 2, "x"},
    {"arange: step must not be zero", cu.arange, 1, 5, 0},
    {"random.randint: lo must be less than hi (got lo = 3, hi = 1)", cu.random.randint, 3, 1},
    -- nested tables
    {"array: ragged nested table: [2] has 1 elements but 2 were expected (depth 2",
     cu.array, {{1, 2}, {3}}},
    {"array: ragged nested table: element [2] is a number where a table of 2 elements was "
     .. "expected (depth 2)", cu.array, {{1, 2}, 3}},
    {"array: ragged nested table: element [2] is a table where a number or boolean was "
     .. "expected (depth 2)", cu.array, {1, {2}}},
    {"array: ragged nested table: [1][2] has 3 elements but 2 were expected (depth 3",
     cu.array, {{{1, 2}, {3, 4, 5}}}},
    {"array: element [2][1] is a string (expected numbers, booleans, nested tables or arrays)",
     cu.array, {{1}, {"x"}}},
    {"array: expected a number, boolean, nested table or array, got string", cu.array, "abc"},
    {"array: expected a value to make an array of", cu.array},
    -- operands that are not arrays
    {"add: operands must be arrays or numbers, got string",
     function() return cu.ones(2) + "x" end},
    {"multiply: operands must be arrays or numbers, got table",
     function() return {} * cu.ones(2) end},
    {"exp: operands must be arrays or numbers, got string", cu.exp, "x"},
    {"less: operands must be arrays or numbers, got string", cu.less, cu.ones(2), "x"},
    {"zeros_like: expected an array, got number", cu.zeros_like, 3},
    {"full_like: expected an array, got table", cu.full_like, {1, 2}, 0},
    -- broadcasting
    {"add: shapes (2, 3) and (2,) cannot be broadcast together",
     function() return cu.zeros({2, 3}) + cu.zeros(2) end},
    {"where: shapes", cu.where, cu.ones(3), cu.ones(2), 1},
    {"broadcast_to: cannot broadcast an array of shape (3,) to shape (2, 2)", cu.broadcast_to,
     cu.ones(3), {2, 2}},
    {"reshape: cannot reshape array of size 6", function() return cu.ones(6):reshape(4) end},
    -- devices
    {"zeros: unknown device 'tpu' (expected \"cpu\", \"cuda\" or \"cuda:N\")", cu.zeros, 2,
     {device = "tpu"}},
    {"array: device must be a string such as \"cpu\" or \"cuda:0\", got number", cu.array, {1},
     {device = 0}},
    {"with_device: device must be a string such as \"cpu\" or \"cuda:0\", got table",
     cu.with_device, {}, print},
    {"device: device must be a string", cu.device, true},
    -- compositions raise in their own name, not in that of the ops they are built on
    {"complex: the real part must be a real array or a number, got table", cu.complex, {}, 1},
    {"complex: the imaginary part must be a real array or a number, got string", cu.complex,
     cu.ones(2), "x"},
    {"complex: shapes", cu.complex, cu.ones(2), cu.ones(3)},
    {"tile: too many dimensions (33; at most 32)", cu.tile, cu.ones(2), thirty_three_ones()},
    {"identity: unknown dtype 'x'", cu.identity, 3, {dtype = "x"}},
    {"identity: an array of shape (1099511627776, 1099511627776)", cu.identity, 2 ^ 40},
    {"clip: operands must be arrays or numbers, got string", cu.clip, cu.ones(2), "a", 1},
    {"clip: Lua integer 300 is out of bounds for int8", cu.clip,
     cu.ones(2, {dtype = "int8"}), 0, 300},
    {"dot: Lua integer 300 is out of bounds for int8", cu.dot, 300,
     cu.ones(1, {dtype = "int8"})},
    {"inner: Lua integer 300 is out of bounds for int8", cu.inner,
     cu.ones(1, {dtype = "int8"}), 300},
    {"nanquantile: q must hold numbers, got string", cu.nanquantile, cu.ones(3),
     setmetatable({"x"}, {__index = function() error("read past the list") end})},
  }
  for i, c in ipairs(cases) do
    it("raises: " .. c[1]:sub(1, 70) .. " (" .. i .. ")", function()
      H.raises(c[1], c[2], select(3, (table.unpack or unpack)(c)))
    end)
  end

  it("raises for a device that is not there", function()
    if cu.cuda.is_available() then
      H.raises("device", cu.zeros, 2, {device = "cuda:999"})
    else
      local _, why = cu.cuda.is_available()
      assert.is_string(why)
      H.raises("cuda", cu.zeros, 2, {device = "cuda"})
    end
  end)
end)

H.each_device("freed arrays", function()
  local function freed()
    local a = cu.ones({2, 2})
    a:free()
    return a
  end

  local uses = {
    {"add: an operand array has been freed", function(a) return a + 1 end},
    {"add: an operand array has been freed", function(a) return 1 + a end},
    {"exp: an operand array has been freed", function(a) return cu.exp(a) end},
    {"the array has been freed (reading 'shape')", function(a) return a.shape end},
    {"the array has been freed (reading 'dtype')", function(a) return a.dtype end},
    {"array: the array has been freed", function(a) return cu.array(a) end},
    {"asarray: the array has been freed", function(a) return cu.asarray(a) end},
    {"zeros_like: the array has been freed", function(a) return cu.zeros_like(a) end},
    {"the array has been freed", function(a) return a:totable() end},
    {"the array has been freed", function(a) return a:item() end},
    {"the array has been freed", function(a) return a:reshape(4) end},
    {"the array has been freed", function(a) return a:astype("int32") end},
    {"the array has been freed", function(a) return a:copy() end},
    {"the array has been freed", function(a) return a:get() end},
    {"the array has been freed", function(a) return #a end},
    {"index assignment: the array has been freed", function(a) a[1.5] = 2 end},
    {"array: element [1] is an array that has been freed", function(a) return cu.array({a}) end},
    {"full: the fill value array has been freed", function(a) return cu.full(2, a) end},
    {"exp: option 'out': the array has been freed",
     function(a) return cu.exp(cu.ones(2), {out = a}) end},
  }
  for i, c in ipairs(uses) do
    it("raises on use " .. i .. ": " .. c[1], function()
      H.raises(c[1], c[2], freed())
    end)
  end

  it("prints and frees again without complaint", function()
    local a = freed()
    assert.are.equal("array(<freed>)", tostring(a))
    a:free()
    assert.is_true(cu.is_array(a))
  end)
end)

describe("mixing devices", function()
  local devices = H.devices()
  if #devices < 2 then
    pending("needs two devices (cpu and cuda)")
    return
  end
  it("raises instead of copying between devices", function()
    local a = cu.ones(3, {device = devices[1]})
    local b = cu.ones(3, {device = devices[2]})
    local da, db = a.device, b.device
    H.raises("add: arrays are on different devices (" .. da .. " and " .. db .. ")",
             function() return a + b end)
    H.raises("multiply: arrays are on different devices", cu.multiply, b, a)
    H.raises("where: arrays are on different devices", cu.where, a:gt(0), a, b)
    H.raises("exp: out is on " .. db .. " but the operands are on " .. da, cu.exp, a, {out = b})
    -- moving one explicitly works
    H.same(a + b:to(da), {2, 2, 2})
  end)
end)
