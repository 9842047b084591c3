-- The Lua layer over the C primitives: the one rule for a trailing options table (the same in
-- lua/cuarray/options.lua and in the C functions), the compositions of lua/cuarray/create.lua
-- and random.lua raising in their own names, and lists taken from the modules.
local cu = require "cuarray"
local options = require "cuarray.options"
local H = require "helper"

describe("the options rule", function()
  it("takes a table with a string key as options, and a list or an array as an argument", function()
    assert.is_true(options.is_options({dtype = "int8"}, true))
    assert.is_true(options.is_options({dtype = "int8"}, false))
    assert.is_false(options.is_options({2, 3}, false))
    assert.is_false(options.is_options(cu.zeros(2), false))
    assert.is_false(options.is_options("float32", false))
  end)

  it("takes an empty table as options only where no table argument could stand", function()
    assert.is_true(options.is_options({}, false))
    assert.is_false(options.is_options({}, true))
  end)

  it("splits positional arguments from trailing options", function()
    local args, n, opts = options.split(1, nil, {dtype = "int8"})
    assert.are.equal(2, n)
    assert.are.equal(1, args[1])
    assert.are.same({dtype = "int8"}, opts)
    args, n, opts = options.split(1, {2, 3})
    assert.are.equal(2, n)
    assert.are.same({2, 3}, args[2])
    assert.is_nil(opts)
  end)
end)

H.each_device("the options rule in C and in Lua", function()
  it("reads an empty trailing table as no options where no table could stand", function()
    H.same(cu.arange(3, {}), {0, 1, 2})
    H.same(cu.eye(2, {}), {{1, 0}, {0, 1}})
    assert.are.same({2, 3}, cu.random.rand(2, 3, {}).shape)
    assert.are.same({}, cu.random.random({}).shape)
    assert.are.same({}, cu.random.uniform(0, 1, {}).shape)
  end)

  it("reads an empty table as an argument where one could stand", function()
    local b = cu.arange(6.0):reshape(2, 3)
    H.same(b:sum({}), b:totable())
    H.same(b:sum({}, {keepdims = true}), b:totable())
  end)

  it("checks the keys of the options the same way on both sides", function()
    H.raises("random.uniform: unknown option 'size'", cu.random.uniform, 0, 1, {2}, {size = 2})
    H.raises("arange: unknown option 'size'", cu.arange, 3, {size = 2})
    H.raises("ones_like: options must be a table, got string", cu.ones_like, cu.ones(2), "int8")
    H.raises("identity: unknown option 'k'", cu.identity, 2, {k = 1})
  end)
end)

H.each_device("compositions in the Lua layer", function()
  it("raise in the name of the function called", function()
    H.raises("full_like: fill value must be a number, boolean or array, got no value",
             cu.full_like, cu.ones(2))
    H.raises("full_like: fill value 300 is out of bounds for int8", cu.full_like,
             cu.ones(2, {dtype = "int8"}), 300)
    H.raises("zeros_like: negative dimension -1 in shape", cu.zeros_like, cu.ones(2), {shape = {-1}})
    H.raises("identity: n must be an integer, got 1.5", cu.identity, 1.5)
    H.raises("identity: n must be an integer, got string", cu.identity, "3")
    H.raises("random.rand: dimension 2 must be an integer, got 1.5", cu.random.rand, 2, 1.5)
    H.raises("random.uniform: hi must be finite, got inf", cu.random.uniform, 0, math.huge)
    H.raises("random.standard_normal: expected (shape[, opts]), got 2 arguments",
             cu.random.standard_normal, 1, 2)
    H.raises("random.randint: expected (lo[, hi[, shape]]), got 0 arguments", cu.random.randint)
  end)

  it("keep the model's dtype and device, and take a new shape", function()
    local a = cu.ones({2, 3}, {dtype = "int16"})
    local z = cu.zeros_like(a, {shape = {4}})
    assert.are.equal("int16", z.dtype)
    assert.are.equal(a.device, z.device)
    H.same(z, {0, 0, 0, 0})
    H.same(cu.identity(2, {dtype = "int32"}), {{1, 0}, {0, 1}})
  end)

  it("leave the core's private primitives out of cu.random", function()
    for name in pairs(cu.random) do assert.is_false(name:sub(1, 1) == "_", name) end
  end)
end)

describe("lists taken from the modules", function()
  it("takes the dtypes from the core, a constant per name", function()
    assert.is_true(#cu.dtypes >= 9)
    for _, name in ipairs(cu.dtypes) do
      assert.are.equal(name, cu[name])
      assert.are.equal(name, cu.zeros(1, {dtype = name}).dtype)
    end
  end)

  it("has cu.cuda's functions raise the reason when CUDA is not available", function()
    local ok, why = cu.cuda.is_available()
    if ok then return end
    assert.is_string(why)
    for _, name in ipairs({"memory_info", "Event", "Stream", "current_stream"}) do
      assert.is_function(cu.cuda[name], name)
      H.raises("cuda", cu.cuda[name])
    end
  end)
end)
