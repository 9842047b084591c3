-- Run-time compilation for user kernels and fused functions: NVRTC through cuarray.cuda's
-- private functions (cuda/l_kernel.c), an in-memory cache per process and a disk cache.
--
-- A compiled image is keyed by the source, the options, NVRTC's version and the architecture.
-- The disk cache ($CUARRAY_KERNEL_CACHE, else $XDG_CACHE_HOME/cuarray, else ~/.cache/cuarray;
-- cu.set_kernel_cache_dir changes it, false turns it off) holds one file per key: a header line
-- with a second, independent hash of the key and the image's hash and size, then the image.
-- A file is written under a unique temporary name and renamed into place (atomic on POSIX),
-- so concurrent processes never read half a file; an entry whose header does not match is
-- compiled again and replaced, never loaded.
local M = {}

-- Changes to the generated code's conventions bump this, so old cache entries are not reused.
local ABI = "cuarray-jit 1"

M.stats = {compiles = 0, compile_seconds = 0, memory_hits = 0, disk_hits = 0, disk_writes = 0}

local images = {}   -- key -> image
local libraries = {} -- key -> loaded library (cuda._jit_load), context-independent

local function cuda()
  local ok, mod = pcall(require, "cuarray.cuda")
  if ok and type(mod) == "table" and mod._jit_compile then return mod end
  return nil, ok and "cuarray.cuda lacks run-time compilation" or tostring(mod):match("^[^\n]*")
end

local function default_dir()
  local env = os.getenv("CUARRAY_KERNEL_CACHE")
  if env and env ~= "" then return env end
  local xdg = os.getenv("XDG_CACHE_HOME")
  if xdg and xdg ~= "" then return xdg .. "/cuarray" end
  local home = os.getenv("HOME")
  if home and home ~= "" then return home .. "/.cache/cuarray" end
  return false
end

local cache_dir = default_dir()

-- The disk cache's directory (false: no disk cache).
function M.cache_dir() return cache_dir end
function M.set_cache_dir(dir)
  if dir ~= false and type(dir) ~= "string" then
    error("set_kernel_cache_dir: expected a directory name or false, got " .. type(dir), 2)
  end
  cache_dir = dir
end

-- NVRTC's version as "13.0", or nil and why not.
function M.nvrtc_version()
  local mod, why = cuda()
  if not mod then return nil, why end
  local major, minor = mod._jit_version()
  if not major then return nil, minor end
  return major .. "." .. minor
end

local function numbered(source)
  local out, n = {}, 0
  for line in (source .. "\n"):gmatch("(.-)\n") do
    n = n + 1
    out[n] = ("%4d | %s"):format(n, line)
  end
  return table.concat(out, "\n")
end

local function read_entry(path, check)
  local f = io.open(path, "rb")
  if not f then return nil end
  local data = f:read("*a")
  f:close()
  if not data then return nil end
  local nl = data:find("\n", 1, true)
  if not nl then return nil end
  local tag, key2, ihash, size = data:sub(1, nl - 1):match("^(.-) (%x+) (%x+) (%d+)$")
  if tag ~= ABI or key2 ~= check then return nil end
  local image = data:sub(nl + 1)
  if #image ~= tonumber(size) then return nil end
  local mod = cuda()
  if mod._jit_hash(image) ~= ihash then return nil end
  return image
end

local function write_entry(dir, path, check, image)
  local mod = cuda()
  if not mod._jit_mkdirs(dir) then return end
  local unique = mod._jit_hash(tostring({}), tostring(os.time()), tostring(os.clock()),
                               tostring(math.random()))
  local tmp = path .. ".tmp." .. unique
  local f = io.open(tmp, "wb")
  if not f then return end
  local ok = f:write(ABI, " ", check, " ", mod._jit_hash(image), " ", #image, "\n", image)
  ok = f:close() and ok
  if ok and os.rename(tmp, path) then
    M.stats.disk_writes = M.stats.disk_writes + 1
  else
    os.remove(tmp)
  end
end

-- The compiled image of `source` for architecture `arch` ("sm_90"), from the caches or from
-- NVRTC. `options` is a list of NVRTC options; `fname` names the caller in errors.
function M.compile(source, name, options, arch, fname)
  local mod, why = cuda()
  if not mod then error(fname .. ": cannot compile a kernel: " .. why, 3) end
  local version, vwhy = M.nvrtc_version()
  if not version then error(fname .. ": " .. vwhy, 3) end
  local opts = {"--gpu-architecture=" .. arch, "-DCA_NVRTC=1"}
  for _, o in ipairs(options or {}) do opts[#opts + 1] = o end
  local joined = table.concat(opts, "\0")
  local key = mod._jit_hash(ABI, version, source, joined)
  local hit = images[key]
  if hit then
    M.stats.memory_hits = M.stats.memory_hits + 1
    return hit, key
  end
  local check = mod._jit_hash("check", ABI, version, joined, source)
  local path = cache_dir and (cache_dir .. "/" .. key .. ".cubin")
  local image = path and read_entry(path, check)
  if image then
    M.stats.disk_hits = M.stats.disk_hits + 1
  else
    local t0 = os.clock()
    local log
    image, log = mod._jit_compile(source, name .. ".cu", opts)
    M.stats.compiles = M.stats.compiles + 1
    M.stats.compile_seconds = M.stats.compile_seconds + (os.clock() - t0)
    if image == false then
      error(("%s: NVRTC could not compile the kernel:\n%s\ngenerated source:\n%s")
            :format(fname, (log:gsub("%s+$", "")), numbered(source)), 3)
    elseif not image then
      error(fname .. ": " .. log, 3)
    end
    if path then write_entry(cache_dir, path, check, image) end
  end
  images[key] = image
  return image, key
end

-- The kernel `name` of `source` compiled for device `ordinal`: a light userdata for
-- cuda._jit_launch, valid while the process runs (the library stays in `libraries`).
function M.kernel(source, name, options, ordinal, fname)
  local mod = cuda()
  if not mod then error(fname .. " needs a CUDA device", 3) end
  local arch = mod._jit_arch(ordinal)
  local image, key = M.compile(source, name, options, arch, fname)
  local lib = libraries[key]
  if not lib then
    lib = mod._jit_load(image)
    libraries[key] = lib
  end
  local k, why = mod._jit_get(lib, name)
  if not k then
    error(("%s: no kernel named '%s' in the module (%s)"):format(fname, name, why), 3)
  end
  return k
end

-- Launches kernel `k` on the backend of device `ordinal`.
function M.launch(fname, k, ordinal, grid, block, shared_mem, stream, sig, ...)
  local mod = cuda()
  local ok, why = mod._jit_launch(k, mod.backend(ordinal), grid[1], grid[2] or 1, grid[3] or 1,
                                  block[1], block[2] or 1, block[3] or 1, shared_mem or 0,
                                  stream, sig, ...)
  if not ok then error(fname .. ": launch failed: " .. why, 3) end
end

return M
