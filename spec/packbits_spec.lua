-- packbits and unpackbits (lua/cuarray/bits.lua): NumPy 1.24's values, both bit orders, axes,
-- count, errors naming the function.
local cu = require "cuarray"
local H = require "helper"

H.each_device("packbits and unpackbits", function()
  local a = cu.array({{2, 0, 0}, {7, 0, 1}})
  local b = cu.array({{2}, {7}, {23}}, {dtype = "uint8"})

  it("packbits matches NumPy", function()
    local p = cu.packbits(a)
    assert.are.equal("uint8", p.dtype)
    H.same(p, {148})
    H.same(cu.packbits(a, {axis = 2}), {{128}, {160}})
    H.same(cu.packbits(a, {axis = 1, bitorder = "little"}), {{3, 0, 2}})
    H.same(cu.packbits(cu.ones(9, {dtype = "bool"})), {255, 128})
    H.same(cu.packbits(cu.zeros(0, {dtype = "uint8"})), {})
    H.same(cu.packbits(cu.array({-1, 0, 5}, {dtype = "int8"})), {160})
    H.raises("packbits: expected an array of an integer or bool dtype, got float64", cu.packbits,
      cu.array({1.5}))
    H.raises("packbits: bitorder must be \"big\" or \"little\", got middle", cu.packbits, a,
      {bitorder = "middle"})
    H.raises("packbits: axis 3 is out of bounds", cu.packbits, a, {axis = 3})
  end)

  it("unpackbits matches NumPy", function()
    H.same(cu.unpackbits(b, {axis = 2}), {{0, 0, 0, 0, 0, 0, 1, 0}, {0, 0, 0, 0, 0, 1, 1, 1},
      {0, 0, 0, 1, 0, 1, 1, 1}})
    H.same(cu.unpackbits(b, {axis = 2, count = -3}), {{0, 0, 0, 0, 0}, {0, 0, 0, 0, 0},
      {0, 0, 0, 1, 0}})
    H.same(cu.unpackbits(b, {axis = 2, bitorder = "little"}), {{0, 1, 0, 0, 0, 0, 0, 0},
      {1, 1, 1, 0, 0, 0, 0, 0}, {1, 1, 1, 0, 1, 0, 0, 0}})
    local u = cu.unpackbits(b, {count = 30})
    assert.are.same({30}, u.shape)
    assert.are.equal(8, u:sum())
    H.same(cu.unpackbits(b, {axis = 1, count = 2}), {{0}, {0}})
    H.same(cu.unpackbits(cu.packbits(cu.array({1, 0, 1, 1, 0, 0, 1, 0, 1})), {count = 9}),
      {1, 0, 1, 1, 0, 0, 1, 0, 1})
    H.raises("unpackbits: expected a uint8 array, got int64", cu.unpackbits, cu.array({1}))
    H.raises("unpackbits: -count (9) is larger than the number of bits (8)", cu.unpackbits, b,
      {axis = 2, count = -9})
    H.raises("unpackbits: unknown option 'bits'", cu.unpackbits, b, {bits = 1})
  end)
end)
