-- make test-gpu's first step: fail unless cuarray.cuda loads and reports a GPU.
local cu = require "cuarray"
local ok, why = cu.cuda.is_available()
if not ok then
  io.stderr:write("cuarray.cuda reports no GPU: ", tostring(why), "\n")
  os.exit(1)
end
local a = cu.ones({4}, {device = "cuda"})
print(("GPU found; ones(4) on %s sums to %s"):format(tostring(a.device), tostring(a:sum())))
