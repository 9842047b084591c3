-- Runs each example (and bench/bench.lua --quick) as a separate process at a small size, on
-- every test device (CUARRAY_DEVICE), and checks it exits cleanly and prints the right values,
-- recomputed here in plain Lua where that is cheap.
local H = require "spec.helper"

-- The interpreter running this suite: the Makefile sets CUARRAY_LUA; otherwise guess.
local LUA = os.getenv("CUARRAY_LUA")
if not LUA or LUA == "" then LUA = rawget(_G, "jit") and "luajit" or "lua5.4" end

local function shell_quote(s) return "'" .. tostring(s):gsub("'", "'\\''") .. "'" end

-- run(device, script, args...) -> output (stdout and stderr), exit status
local function run(device, script, ...)
  local parts = {"CUARRAY_DEVICE=" .. shell_quote(device), shell_quote(LUA), shell_quote(script)}
  for _, a in ipairs({...}) do parts[#parts + 1] = shell_quote(a) end
  local p = assert(io.popen(table.concat(parts, " ") .. " 2>&1; echo \"__exit=$?\""))
  local out = p:read("*a")
  p:close()
  local status = tonumber(out:match("__exit=(%d+)%s*$"))
  return out:gsub("__exit=%d+%s*$", ""), status
end

local function run_ok(device, script, ...)
  local out, status = run(device, script, ...)
  if status ~= 0 then error(("%s exited with %s:\n%s"):format(script, tostring(status), out), 2) end
  return out
end

local function near(got, want, tol, what)
  if math.abs(got - want) > tol * math.max(1, math.abs(want)) then
    error(("%s: got %.10g, expected %.10g"):format(what, got, want), 2)
  end
end

-- A file name no other run uses: the suites of two Luas run side by side, and a name made of
-- the device and the time in seconds was the same in both.
local function unique_path(ext)
  local base = os.tmpname()
  os.remove(base)
  return base .. ext
end

for _, dev in ipairs(H.devices()) do
  describe("examples on " .. dev, function()
    it("quickstart prints a (40, 40) product with mean about n/4", function()
      local out = run_ok(dev, "examples/quickstart.lua", 40)
      assert.truthy(out:find("shape (40, 40)", 1, true), out)
      local mean = tonumber(out:match("mean ([%d%.]+)"))
      assert.is_number(mean, out)
      assert.is_true(mean > 0.8 * 10 and mean < 1.2 * 10, out)
    end)

    it("monte_carlo_pi estimates pi", function()
      local out = run_ok(dev, "examples/monte_carlo_pi.lua", 200000)
      local est = tonumber(out:match("pi ~ ([%d%.]+)"))
      assert.is_number(est, out)
      near(est, math.pi, 0.02, "pi estimate")
    end)

    it("distributed_pi estimates pi in a job of one process", function()
      local out = run_ok(dev, "examples/distributed_pi.lua", 200000)
      local est = tonumber(out:match("pi ~ ([%d%.]+) from 200000 points on 1 rank "))
      assert.is_number(est, out)
      near(est, math.pi, 0.02, "pi estimate")
    end)

    it("heat_diffusion matches a plain Lua stencil", function()
      local n, steps = 16, 6
      local out = run_ok(dev, "examples/heat_diffusion.lua", n, steps)
      -- the same computation, element by element
      local u = {}
      for i = 1, n do u[i] = {} for j = 1, n do u[i][j] = 0 end end
      local lo, hi = math.floor(n * 3 / 8) + 1, math.floor(n * 5 / 8)
      for i = lo, hi do for j = lo, hi do u[i][j] = 100 end end
      for _ = 1, steps do
        local new = {}
        for i = 2, n - 1 do
          new[i] = {}
          for j = 2, n - 1 do
            local lap = u[i - 1][j] + u[i + 1][j] + u[i][j - 1] + u[i][j + 1] - u[i][j] * 4
            new[i][j] = u[i][j] + lap * 0.2
          end
        end
        for i = 2, n - 1 do for j = 2, n - 1 do u[i][j] = new[i][j] end end
      end
      local total, sq = 0, 0
      for i = 1, n do for j = 1, n do total = total + u[i][j]; sq = sq + u[i][j] ^ 2 end end
      local c = math.floor((n + 1) / 2)
      local t, init, chk, centre =
        out:match("total heat ([%d%.%-]+) %(initial ([%d%.%-]+)%), checksum ([%d%.%-]+), " ..
                  "centre ([%d%.%-]+)")
      assert.is_not_nil(t, out)
      near(tonumber(init), (hi - lo + 1) ^ 2 * 100, 1e-12, "initial heat")
      near(tonumber(t), total, 1e-6, "total heat")
      near(tonumber(chk), sq, 1e-6, "checksum")
      near(tonumber(centre), u[c][c], 1e-6, "centre")
    end)

    it("image_filter writes PGM files of the right size and values", function()
      local n = 24
      local path = unique_path(".pgm")
      local out = run_ok(dev, "examples/image_filter.lua", n, path)
      -- the image, blurred, in plain Lua
      local c, r = (n - 1) / 2, n / 4
      local img = {}
      for i = 0, n - 1 do
        img[i] = {}
        for j = 0, n - 1 do
          local inside = (i - c) ^ 2 + (j - c) ^ 2 <= r * r
          img[i][j] = (inside and 160 or 0) + j * (95 / (n - 1))
        end
      end
      local sum, bsum = 0, 0
      for i = 0, n - 1 do for j = 0, n - 1 do sum = sum + img[i][j] end end
      for i = 1, n - 2 do
        for j = 1, n - 2 do
          for di = -1, 1 do for dj = -1, 1 do bsum = bsum + img[i + di][j + dj] / 9 end end
        end
      end
      local mean, bmean = out:match("mean ([%d%.]+), blurred interior mean ([%d%.]+)")
      assert.is_not_nil(mean, out)
      near(tonumber(mean), sum / n ^ 2, 1e-4, "image mean")
      near(tonumber(bmean), bsum / (n - 2) ^ 2, 1e-4, "blurred mean")
      for _, file in ipairs({path, (path:gsub("%.pgm$", "")) .. "_edges.pgm"}) do
        local f = assert(io.open(file, "rb"), "no file " .. file)
        local data = f:read("*a")
        f:close()
        os.remove(file)
        local header = ("P5\n%d %d\n255\n"):format(n - 2, n - 2)
        assert.are.equal(header, data:sub(1, #header))
        assert.are.equal(#header + (n - 2) ^ 2, #data)
      end
    end)

    it("image_filter writes greyscale PNG files with save_image", function()
      local n = 20
      local path = unique_path(".png")
      run_ok(dev, "examples/image_filter.lua", n, path)
      for _, file in ipairs({path, (path:gsub("%.png$", "")) .. "_edges.png"}) do
        local f = assert(io.open(file, "rb"), "no file " .. file)
        local data = f:read("*a")
        f:close()
        os.remove(file)
        assert.are.equal("\137PNG\r\n\26\n\0\0\0\13IHDR", data:sub(1, 16))
        local w = data:byte(19) * 256 + data:byte(20)
        local h = data:byte(23) * 256 + data:byte(24)
        assert.are.same({n - 2, n - 2, 8, 0}, {w, h, data:byte(25), data:byte(26)})
        assert.are.equal("IEND", data:sub(-8, -5))
      end
    end)

    it("bench/bench.lua --quick prints a JSON line per workload", function()
      local bdev = dev:match("^cuda") and "cuda" or "cpu"
      local out = run_ok(dev, "bench/bench.lua", "--quick", "--device", bdev)
      local ops = {}
      for line in out:gmatch("[^\n]+") do
        local op = line:match('^{"lib": "cuarray", "op": "([%w_]+)"')
        if op then
          local v = tonumber(line:match('"[mu]s": ([%d%.eE%+%-]+)}$'))
          assert.is_true(v ~= nil and v >= 0, line)
          ops[op] = true
        end
      end
      for _, want in ipairs({"add_f32", "add_f32_alloc", "axpb_f32", "exp_f32", "bcast_add_f32",
                             "sum_f32", "max_f32", "sum_axis_f32", "transpose_f32",
                             "slice_step2_f32", "rand_f32", "randn_f32", "tiny_add_us",
                             "tiny_sum_us"}) do
        assert.is_true(ops[want] ~= nil, "bench printed no line for " .. want .. ":\n" .. out)
      end
    end)
  end)
end
