-- Run by examples/embed/host.c: the host set the globals input (2x3 float32, its buffer),
-- output (2x3 float32, borrowed), column (a strided int32 view into its matrix), reversed
-- (negative strides), dl (a DLPack tensor pointer) and DEVICE ("cpu" or "cuda").
-- luacheck: globals input output column reversed dl DEVICE result, ignore 311
local cu = require "cuarray"

assert(cu.is_array(input) and input.dtype == "float32" and input.shape[2] == 3)
-- result = input * 2 + 1 on the device; the host reads it back through the C API.
local x = input:to(DEVICE)
result = x * 2 + 1
assert(result.device:sub(1, #DEVICE) == DEVICE, result.device)
-- The host's borrowed output buffer gets a copy on the CPU.
cu.add(result:to("cpu"), 0, {out = output})
-- Write through the strided and the reversed views.
column:fill(-1)
assert(reversed:totable()[1] == 4)
cu.multiply(reversed, 10, {out = reversed})
-- Take the host's DLPack tensor; writes reach its memory; the deleter runs on collection.
local t = cu.from_dlpack(dl)
assert(t.dtype == "int16" and t.shape[1] == 2 and t.shape[2] == 2)
cu.add(t, 1, {out = t})
t = nil
input, reversed = nil, nil
collectgarbage()
collectgarbage()
