-- cu.show_config([{mode = "stdout" | "dicts"}]): what this build of cuarray holds and what it
-- finds at run time, as NumPy's show_config: printed, or with mode = "dicts" returned as a
-- table. It starts nothing: the core's facts are constants of the build, and the CUDA facts
-- come from calls that create no context (versions, device properties), so no device memory,
-- stream or library handle is made by asking.
local options = require "cuarray.options"

local M = {}

local NO_BLAS = "NONE: matmul on the CPU runs cuarray's own loop, about 16 times slower; " ..
  "install libopenblas-dev (or another CBLAS) and rebuild"

-- 13000 -> "13.0"; 0 (no driver) -> false
local function cuda_version(v)
  if v == 0 then return false end
  return ("%d.%d"):format(math.floor(v / 1000), math.floor(v % 1000 / 10))
end

local function cuda_facts(cuda)
  local t = {built = rawget(cuda, "runtime_version") ~= nil}
  local ok, why = cuda.is_available()
  t.available = ok == true
  if not ok then t.reason = why end
  if not t.built then return t end
  t.runtime_version = cuda_version(cuda.runtime_version())
  t.driver_version = cuda_version(cuda.driver_version())
  t.architectures = cuda.get_arch_list()
  t.devices = {}
  if t.available then
    for d = 0, cuda.device_count() - 1 do
      local p = cuda.get_device_properties(d)
      t.devices[d + 1] = {name = p.name, compute_capability = p.major .. "." .. p.minor,
                          total_memory = p.total_memory,
                          multi_processor_count = p.multi_processor_count}
    end
  end
  return t
end

local function facts(cu, build)
  local b = build()
  return {
    version = cu._VERSION,
    api_version = b.api_version,
    lua = jit and jit.version or _VERSION,
    compiler = b.compiler,
    blas = b.blas,
    zlib = b.zlib,
    threads = b.threads,
    default_device = cu.get_default_device(),
    default_dtype = cu.get_default_dtype(),
    cuda = cuda_facts(cu.cuda),
  }
end

local function cuda_lines(c, out)
  if not c.built then
    out[#out + 1] = "  CUDA:            not built: " .. tostring(c.reason)
    return
  end
  out[#out + 1] = ("  CUDA:            runtime %s, driver %s, code for %s"):format(
    c.runtime_version or "?", c.driver_version or "none", table.concat(c.architectures, " "))
  if not c.available then
    out[#out + 1] = "  CUDA devices:    none (" .. tostring(c.reason) .. ")"
    return
  end
  out[#out + 1] = "  CUDA devices:    " .. #c.devices
  for i, d in ipairs(c.devices) do
    out[#out + 1] = ("    cuda:%d  %s, compute capability %s, %.1f GiB, %d multiprocessors"):format(
      i - 1, d.name, d.compute_capability, d.total_memory / 2 ^ 30, d.multi_processor_count)
  end
end

local function show(t)
  local out = {
    t.version,
    "  Lua:             " .. t.lua,
    "  compiler:        " .. t.compiler,
    "  BLAS:            " .. (t.blas or NO_BLAS),
    "  zlib:            " .. (t.zlib or "none (compressed .npz entries cannot be read or written)"),
    "  CPU threads:     " .. t.threads .. " (CUARRAY_NUM_THREADS sets them)",
    "  default device:  " .. t.default_device,
    "  default dtype:   " .. t.default_dtype,
  }
  cuda_lines(t.cuda, out)
  print(table.concat(out, "\n"))
end

-- The function cu.show_config, over the module table and the core's build facts.
function M.bind(cu, build)
  return function(opts)
    opts = options.check(opts, "show_config", {mode = true})
    local mode = opts.mode or "stdout"
    if mode ~= "stdout" and mode ~= "dicts" then
      error(("show_config: mode must be \"stdout\" or \"dicts\", got %s"):format(tostring(mode)), 2)
    end
    local t = facts(cu, build)
    if mode == "dicts" then return t end
    show(t)
  end
end

return M
