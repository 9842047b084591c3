-- Run by examples/embed/host.c, which set the globals input (2x3 float32, its buffer), output
-- (2x3 float32, borrowed), column (a strided int32 view into its matrix), reversed (negative
-- strides), dl (an array from its DLPack tensor), DEVICE ("cpu" or "cuda"), HOST_STREAM (its
-- own CUDA stream is cuarray's), and the C functions engine_frame() and engine_sum(a).
-- luacheck: globals input output column reversed dl DEVICE HOST_STREAM result, ignore 311
-- luacheck: globals engine_frame engine_sum
local cu = require "cuarray"

-- The host's settings, seen from Lua.
assert(cu.get_num_threads() == 2, cu.get_num_threads())
assert(cu.get_gc_threshold() == 8 * 2 ^ 20, cu.get_gc_threshold())
if HOST_STREAM then
  assert(tostring(cu.cuda.current_stream()):find("the host program's", 1, true),
    tostring(cu.cuda.current_stream()))
end

assert(cu.is_array(input) and input.dtype == "float32" and tostring(input.shape) == "(2, 3)")
-- result = input * 2 + 1 on the device; the host reads it back through the C API.
local x = input:to(DEVICE)
result = x * 2 + 1
assert(result.device:sub(1, #DEVICE) == DEVICE, result.device)
assert(engine_sum(result) == 2 * 21 + 6)
-- The host's borrowed output buffer gets a copy on the CPU.
cu.add(result:to("cpu"), 0, {out = output})
-- Write through the strided and the reversed views.
column:fill(-1)
assert(reversed:totable()[1] == 4)
reversed:mul_(10)
-- The host's DLPack tensor; writes reach its memory; the deleter runs on collection.
assert(dl.dtype == "int16" and dl.shape[1] == 2 and dl.shape[2] == 2)
dl:add_(1)
-- The engine's frame buffer, asked for through a C function.
local frame = engine_frame()
frame[{}] = cu.arange(16, {dtype = "float32", device = frame.device}):reshape(4, 4)
dl, input, reversed, frame = nil, nil, nil, nil
collectgarbage()
collectgarbage()
