-- The distributions of cu.random beyond uniform and normal: each checked at a fixed seed
-- against its law (a Kolmogorov-Smirnov test for the continuous ones, a chi-square test for
-- the discrete ones, with thresholds at p = 0.001 or beyond, far from flaky since the seed is
-- fixed), their moments, the stream's bookkeeping, and the errors that name the function
-- and the argument. The GPU gives the same values (spec/differential_gpu_spec.lua).
local cu = require "cuarray"
local H = require "helper"

local N = 20000
local unpack = table.unpack or unpack

local function sorted_values(a)
  local t = a:astype("float64"):totable()
  table.sort(t)
  return t
end

-- sqrt(n) times the largest distance between the sample's and the law's CDF.
local function ks(a, cdf)
  local t = sorted_values(a)
  local n, d = #t, 0
  for i, x in ipairs(t) do
    local f = cdf(x)
    d = math.max(d, math.abs(f - (i - 1) / n), math.abs(i / n - f))
  end
  return d * math.sqrt(n)
end

-- The chi-square statistic and degrees of freedom of integer samples against pmf(k), cells
-- merged from both tails until each expects at least 20.
local function chi2(a, pmf, lo, hi)
  local counts = {}
  for _, v in ipairs(a:totable()) do counts[v] = (counts[v] or 0) + 1 end
  local n = a.size
  local cells, obs, exp = {}, 0, 0
  local total_p = 0
  for k = lo, hi do
    local p = pmf(k)
    total_p = total_p + p
    obs, exp = obs + (counts[k] or 0), exp + n * p
    if exp >= 20 then
      cells[#cells + 1] = {obs, exp}
      obs, exp = 0, 0
    end
  end
  -- what lies beyond hi joins the last cell
  local beyond = 0
  for k, c in pairs(counts) do if k < lo or k > hi then beyond = beyond + c end end
  obs, exp = obs + beyond, exp + n * (1 - total_p)
  local last = cells[#cells]
  last[1], last[2] = last[1] + obs, last[2] + exp
  local x = 0
  for _, c in ipairs(cells) do x = x + (c[1] - c[2]) ^ 2 / c[2] end
  return x, #cells - 1
end

-- chi-square's 0.001 upper quantile, by the Wilson-Hilferty approximation, rounded up.
local function chi2_limit(dof)
  local z = 3.09
  return dof * (1 - 2 / (9 * dof) + z * math.sqrt(2 / (9 * dof))) ^ 3 + 2
end

local KS_LIMIT = 1.95 -- p = 0.001

local function erf(x) -- Abramowitz and Stegun 7.1.26 (|error| < 1.5e-7)
  local s = x < 0 and -1 or 1
  x = math.abs(x)
  local t = 1 / (1 + 0.3275911 * x)
  local y = 1 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t
    + 0.254829592) * t * math.exp(-x * x)
  return s * y
end

local function phi(x) return 0.5 * (1 + erf(x / math.sqrt(2))) end

local function logfact(k)
  local s = 0
  for i = 2, k do s = s + math.log(i) end
  return s
end

local function choose_log(n, k) return logfact(n) - logfact(k) - logfact(n - k) end

-- cu.random[name](params..., n)
local function draw_n(name, params, n)
  local args = {}
  for i, p in ipairs(params) do args[i] = p end
  args[#args + 1] = n
  return cu.random[name](unpack(args))
end

local function mean_std(a)
  local m = a:astype("float64"):mean()
  return m, a:astype("float64"):std()
end

H.each_device("random distributions", function()
  local CONTINUOUS = {
    {"exponential", {2}, function(x) return x < 0 and 0 or 1 - math.exp(-x / 2) end},
    {"standard_exponential", {}, function(x) return x < 0 and 0 or 1 - math.exp(-x) end},
    {"laplace", {1, 2}, function(x)
      if x < 1 then return 0.5 * math.exp((x - 1) / 2) end
      return 1 - 0.5 * math.exp(-(x - 1) / 2)
    end},
    {"logistic", {-1, 0.5}, function(x) return 1 / (1 + math.exp(-(x + 1) / 0.5)) end},
    {"gumbel", {2, 3}, function(x) return math.exp(-math.exp(-(x - 2) / 3)) end},
    {"standard_cauchy", {}, function(x) return 0.5 + math.atan(x) / math.pi end},
    {"lognormal", {0.5, 0.75}, function(x)
      return x <= 0 and 0 or phi((math.log(x) - 0.5) / 0.75)
    end},
    -- Gamma(3, 2): Erlang, 1 - sum_{j<3} e^-y y^j / j! with y = x / 2
    {"gamma", {3, 2}, function(x)
      if x <= 0 then return 0 end
      local y = x / 2
      return 1 - math.exp(-y) * (1 + y + y * y / 2)
    end},
    -- Gamma(1/2, 1) is chi-square(1) / 2: erf(sqrt(x)) (the boosted branch below 1)
    {"standard_gamma", {0.5}, function(x) return x <= 0 and 0 or erf(math.sqrt(x)) end},
    -- Beta(2, 3): P(Binomial(4, x) >= 2)
    {"beta", {2, 3}, function(x)
      if x <= 0 then return 0 elseif x >= 1 then return 1 end
      local q = 1 - x
      return 6 * x ^ 2 * q ^ 2 + 4 * x ^ 3 * q + x ^ 4
    end},
    -- Beta(1/2, 1/2): the arcsine law, 2/pi asin(sqrt(x)) (both gammas boosted)
    {"beta", {0.5, 0.5}, function(x)
      if x <= 0 then return 0 elseif x >= 1 then return 1 end
      return 2 / math.pi * math.asin(math.sqrt(x))
    end},
  }

  for _, case in ipairs(CONTINUOUS) do
    local name, params, cdf = case[1], case[2], case[3]
    it(("%s(%s) follows its law (Kolmogorov-Smirnov)"):format(name, table.concat(params, ", ")),
      function()
        cu.random.seed(2024)
        local x = draw_n(name, params, N)
        assert.are.equal("float64", x.dtype)
        assert.are.same({N}, x.shape)
        local d = ks(x, cdf)
        assert.is_true(d < KS_LIMIT, ("%s: sqrt(n) D = %.3f"):format(name, d))
      end)
  end

  local DISCRETE = {
    {"poisson", {3}, function(k) return math.exp(-3 + k * math.log(3) - logfact(k)) end, 0, 20},
    {"poisson", {45}, function(k) return math.exp(-45 + k * math.log(45) - logfact(k)) end, 10, 90},
    {"binomial", {20, 0.3}, function(k)
      return math.exp(choose_log(20, k) + k * math.log(0.3) + (20 - k) * math.log(0.7))
    end, 0, 20},
    {"binomial", {200, 0.4}, function(k)
      return math.exp(choose_log(200, k) + k * math.log(0.4) + (200 - k) * math.log(0.6))
    end, 40, 130},
    {"binomial", {150, 0.85}, function(k)
      return math.exp(choose_log(150, k) + k * math.log(0.85) + (150 - k) * math.log(0.15))
    end, 90, 150},
    {"geometric", {0.3}, function(k) return 0.7 ^ (k - 1) * 0.3 end, 1, 40},
  }

  for _, case in ipairs(DISCRETE) do
    local name, params, pmf, lo, hi = case[1], case[2], case[3], case[4], case[5]
    it(("%s(%s) follows its law (chi-square)"):format(name, table.concat(params, ", ")), function()
      cu.random.seed(77)
      local x = draw_n(name, params, N)
      assert.are.equal("int64", x.dtype)
      local stat, dof = chi2(x, pmf, lo, hi)
      assert.is_true(stat < chi2_limit(dof), ("%s: chi2 = %.1f, %d dof"):format(name, stat, dof))
    end)
  end

  it("gives the moments of each law", function()
    cu.random.seed(5)
    local n = 200000
    local cases = {
      -- name, args, mean, std
      {"exponential", {0.5}, 0.5, 0.5},
      {"gamma", {9, 0.5}, 4.5, 1.5},
      {"gamma", {0.2, 1}, 0.2, math.sqrt(0.2)},
      {"beta", {2, 5}, 2 / 7, math.sqrt(10 / (49 * 8))},
      {"poisson", {1000}, 1000, math.sqrt(1000)},
      {"binomial", {100000, 0.001}, 100, math.sqrt(100 * 0.999)},
      {"lognormal", {0, 0.25}, math.exp(0.03125), math.sqrt((math.exp(0.0625) - 1) * math.exp(0.0625))},
      {"laplace", {0, 1}, 0, math.sqrt(2)},
    }
    for _, c in ipairs(cases) do
      local m, s = mean_std(draw_n(c[1], c[2], n))
      -- 6 standard errors of the mean; the deviation within 3%
      assert.is_true(math.abs(m - c[3]) < 6 * c[4] / math.sqrt(n), ("%s mean %g"):format(c[1], m))
      assert.is_true(math.abs(s - c[4]) < 0.03 * c[4], ("%s std %g"):format(c[1], s))
    end
  end)

  it("handles the edges of the parameters", function()
    cu.random.seed(1)
    H.same(cu.random.poisson(0, 5), {0, 0, 0, 0, 0})
    H.same(cu.random.binomial(0, 0.5, 3), {0, 0, 0})
    H.same(cu.random.binomial(7, 0, 3), {0, 0, 0})
    H.same(cu.random.binomial(7, 1, 3), {7, 7, 7})
    H.same(cu.random.geometric(1, 3), {1, 1, 1})
    H.same(cu.random.gamma(0, 1, 2), {0, 0})
    H.same(cu.random.exponential(0, 2), {0, 0})
    local g = cu.random.gamma(1e-3, 1, 1000)
    assert.is_true(g:min() >= 0)
    local b = cu.random.beta(1e-3, 1e-3, 1000)
    assert.is_true(b:min() >= 0 and b:max() <= 1)
    assert.are.equal(0, cu.random.binomial(10, 0.5, {0}).size)
    -- large counts stay exact integers
    local big = cu.random.binomial(2 ^ 40, 0.5, 100):astype("float64")
    assert.is_true(math.abs(big:mean() - 2 ^ 39) < 6 * 2 ^ 19.5 / 10)
  end)

  it("lognormal is exp of normal drawn from the same state", function()
    cu.random.seed(31)
    local z = cu.random.normal(0.5, 2, 101)
    cu.random.seed(31)
    local l = cu.random.lognormal(0.5, 2, 101)
    H.same(l, cu.exp(z):totable(), 1e-15)
  end)

  it("advances the counter by the blocks each draw consumes", function()
    local cases = {
      {function() return cu.random.exponential(1, 7) end, 4},
      {function() return cu.random.lognormal(0, 1, 7) end, 4},
      {function() return cu.random.gamma(2, 1, 3) end, 24},
      {function() return cu.random.beta(2, 2, 3) end, 48},
      {function() return cu.random.poisson(2, 3) end, 48},
      {function() return cu.random.binomial(5, 0.5, 3) end, 48},
      {function() return cu.random.permutation(1000) end, 1},
      {function() return cu.random.dirichlet({1, 2}, 3) end, 48},
      {function() return cu.random.multinomial(9, {0.5, 0.25, 0.25}, 2) end, 64},
    }
    for i, c in ipairs(cases) do
      cu.random.seed(3)
      c[1]()
      local _, counter = cu.random.get_state()
      assert.are.equal(c[2], tonumber(counter), "case " .. i)
    end
  end)

  it("draws other dtypes: float32 and integer dtypes", function()
    cu.random.seed(8)
    local f = cu.random.exponential(1, 4, {dtype = "float32"})
    assert.are.equal("float32", f.dtype)
    cu.random.seed(8)
    local d = cu.random.exponential(1, 4)
    H.same(f, d:astype("float32"):totable())
    local p = cu.random.poisson(4, {2, 3}, {dtype = "int32"})
    assert.are.equal("int32", p.dtype)
    assert.are.same({2, 3}, p.shape)
    assert.are.same({}, cu.random.gamma(2).shape)
  end)

  it("names the function and the argument in its errors", function()
    H.raises("random.exponential: scale must be non-negative, got -1", cu.random.exponential, -1)
    H.raises("random.gamma: shape is required", cu.random.gamma)
    H.raises("random.beta: b must be positive, got 0", cu.random.beta, 1, 0)
    H.raises("random.geometric: p must be in (0, 1], got 0", cu.random.geometric, 0)
    H.raises("random.poisson: lam must be non-negative and at most 1e18", cu.random.poisson, -2)
    H.raises("random.binomial: p must be in [0, 1], got 1.5", cu.random.binomial, 3, 1.5)
    H.raises("random.binomial: n must be non-negative, got -3", cu.random.binomial, -3, 0.5)
    H.raises("random.binomial: n must be an integer, got 2.5", cu.random.binomial, 2.5, 0.5)
    H.raises("random.laplace: scale must be finite", cu.random.laplace, 0, 1 / 0)
    H.raises("random.logistic: loc must be a number, got string", cu.random.logistic, "a")
    H.raises("random.poisson: dtype must be an integer or bool dtype, got float32",
             cu.random.poisson, 1, 3, {dtype = "float32"})
    H.raises("random.gamma: dtype must be a float dtype, got int64",
             cu.random.gamma, 1, 1, 3, {dtype = "int64"})
    H.raises("random.gumbel: expected (loc, scale, shape[, opts]), got 4 arguments",
             cu.random.gumbel, 0, 1, 3, 4)
  end)
end)

H.each_device("permutations and samples", function()
  local function sorted_ints(a)
    local t = a:totable()
    table.sort(t)
    return t
  end

  it("permutes 0 .. n - 1", function()
    cu.random.seed(4)
    for _, n in ipairs({0, 1, 2, 3, 17, 1000, 4099}) do
      local p = cu.random.permutation(n)
      assert.are.equal("int64", p.dtype)
      local t = sorted_ints(p)
      for i = 1, n do assert.are.equal(i - 1, t[i]) end
      assert.are.equal(n, #t)
    end
  end)

  it("gives every order of a few elements equally often (chi-square)", function()
    cu.random.seed(9)
    local counts, trials = {}, 12000
    for _ = 1, trials do
      local key = table.concat(cu.random.permutation(4):totable(), "")
      counts[key] = (counts[key] or 0) + 1
    end
    local x, cells = 0, 0
    for _, c in pairs(counts) do
      x = x + (c - trials / 24) ^ 2 / (trials / 24)
      cells = cells + 1
    end
    assert.are.equal(24, cells)
    assert.is_true(x < chi2_limit(23), ("chi2 = %.1f"):format(x))
    -- each position takes each value equally often, for a larger n
    local n, pos = 10, {}
    for _ = 1, 3000 do
      local v = cu.random.permutation(n):totable()
      pos[v[1]] = (pos[v[1]] or 0) + 1
    end
    x = 0
    for k = 0, n - 1 do x = x + ((pos[k] or 0) - 300) ^ 2 / 300 end
    assert.is_true(x < chi2_limit(n - 1), ("chi2 = %.1f"):format(x))
  end)

  it("permutes an array's first axis, and shuffles in place", function()
    cu.random.seed(12)
    local a = cu.arange(12):reshape({4, 3})
    local p = cu.random.permutation(a)
    assert.are.same({4, 3}, p.shape)
    local firsts = {}
    for i = 1, 4 do
      local row = p[i]:totable()
      assert.are.equal(row[1] + 1, row[2])
      assert.are.equal(row[1] + 2, row[3])
      firsts[#firsts + 1] = row[1]
    end
    table.sort(firsts)
    H.same(firsts, {0, 3, 6, 9})
    H.same(a, {{0, 1, 2}, {3, 4, 5}, {6, 7, 8}, {9, 10, 11}}) -- a copy
    cu.random.seed(12)
    local idx = cu.random.permutation(4)
    cu.random.seed(12)
    cu.random.shuffle(a)
    H.same(a, cu.arange(12):reshape({4, 3})[idx + 1]:totable())
    -- a strided view shuffles its own elements only
    local base = cu.arange(10)
    local v = base[{{1, -1, 2}}]
    cu.random.shuffle(v)
    H.same(sorted_ints(v), {0, 2, 4, 6, 8})
    H.same(base[{{2, -1, 2}}], {1, 3, 5, 7, 9})
  end)

  it("chooses with and without replacement", function()
    cu.random.seed(21)
    local c = cu.random.choice(5, {2, 3})
    assert.are.same({2, 3}, c.shape)
    assert.is_true(c:min() >= 0 and c:max() <= 4)
    local d = cu.random.choice(10, 10, {replace = false})
    H.same(sorted_ints(d), {0, 1, 2, 3, 4, 5, 6, 7, 8, 9})
    local s = cu.random.choice(cu.array({10, 20, 30}), 5)
    for _, v in ipairs(s:totable()) do assert.is_true(v == 10 or v == 20 or v == 30) end
    local z = cu.random.choice(4, 0)
    assert.are.equal(0, z.size)
    assert.are.same({}, cu.random.choice(3).shape)
  end)

  it("chooses by probabilities", function()
    cu.random.seed(22)
    local p = {0.1, 0, 0.6, 0.3}
    local x = cu.random.choice(4, N, {p = p})
    local counts = {}
    for _, v in ipairs(x:totable()) do counts[v] = (counts[v] or 0) + 1 end
    assert.is_nil(counts[1]) -- probability 0
    local stat = 0
    for k, pk in ipairs(p) do
      if pk > 0 then stat = stat + ((counts[k - 1] or 0) - N * pk) ^ 2 / (N * pk) end
    end
    assert.is_true(stat < chi2_limit(2), ("chi2 = %.1f"):format(stat))
    -- as an array, and without replacement: distinct, never a zero-probability element
    local y = cu.random.choice(cu.array({5, 6, 7, 8}), 3, {p = cu.array(p), replace = false})
    H.same(sorted_ints(y), {5, 7, 8})
  end)

  it("checks choice's arguments", function()
    H.raises("random.choice: cannot take a larger sample (4) than the population (3) without replacement",
             cu.random.choice, 3, 4, {replace = false})
    H.raises("random.choice: p must sum to 1, got 0.9", cu.random.choice, 3, 2, {p = {0.3, 0.3, 0.3}})
    H.raises("random.choice: p must have one probability per element (3), got 2",
             cu.random.choice, 3, 2, {p = {0.5, 0.5}})
    H.raises("random.choice: p[2] must be non-negative, got -0.5",
             cu.random.choice, 3, 2, {p = {1, -0.5, 0.5}})
    H.raises("random.choice: fewer non-zero probabilities (1) than samples (2)",
             cu.random.choice, 2, 2, {p = {1, 0}, replace = false})
    H.raises("random.choice: cannot take a sample from an empty population", cu.random.choice, 0, 1)
    H.raises("random.choice: unknown option 'axis'", cu.random.choice, 3, 1, {axis = 1})
    H.raises("random.permutation: the array must have at least one dimension",
             cu.random.permutation, cu.array(3))
    H.raises("random.shuffle: expected an array, got number", cu.random.shuffle, 3)
  end)

  it("draws multinomial counts and dirichlet rows", function()
    cu.random.seed(23)
    local m = cu.random.multinomial(50, {0.2, 0.3, 0.5}, {1000})
    assert.are.same({1000, 3}, m.shape)
    assert.are.equal("int64", m.dtype)
    H.same(m:sum(2), (cu.zeros({1000}, {dtype = "int64"}) + 50):totable())
    local means = m:astype("float64"):mean(1):totable()
    for j, p in ipairs({0.2, 0.3, 0.5}) do
      local sd = math.sqrt(50 * p * (1 - p) / 1000)
      assert.is_true(math.abs(means[j] - 50 * p) < 6 * sd, ("category %d: %g"):format(j, means[j]))
    end
    local one = cu.random.multinomial(10, {1})
    H.same(one, {10})
    local d = cu.random.dirichlet({1, 2, 3}, {2000})
    assert.are.same({2000, 3}, d.shape)
    local sums = d:sum(2):totable()
    for i = 1, #sums do assert.is_true(math.abs(sums[i] - 1) < 1e-12) end
    local dm = d:mean(1):totable()
    for j, a in ipairs({1, 2, 3}) do
      assert.is_true(math.abs(dm[j] - a / 6) < 0.01, ("component %d: %g"):format(j, dm[j]))
    end
    local f = cu.random.dirichlet({0.01, 0.01}, 50, {dtype = "float32"})
    assert.are.equal("float32", f.dtype)
    assert.is_true(f:min() >= 0 and f:max() <= 1)
    H.raises("random.multinomial: pvals[2] must be in [0, 1], got 2",
             cu.random.multinomial, 3, {0.5, 2})
    H.raises("random.multinomial: the probabilities but the last sum to",
             cu.random.multinomial, 3, {0.7, 0.7, 0})
    H.raises("random.multinomial: n must be non-negative, got -1",
             cu.random.multinomial, -1, {0.5, 0.5})
    H.raises("random.dirichlet: alpha[1] must be positive, got 0", cu.random.dirichlet, {0, 1})
    H.raises("random.dirichlet: alpha must not be empty", cu.random.dirichlet, {})
  end)

  it("gives generators streams of their own", function()
    cu.random.seed(40)
    local before = cu.random.random(3):totable()
    cu.random.seed(40)
    local g = cu.random.default_rng(7)
    local a = g:normal(0, 1, 4):totable()
    local b = g:integers(0, 100, 4):totable()
    H.same(cu.random.random(3), before) -- the global stream did not move
    local g2 = cu.random.default_rng(7)
    H.same(g2:normal(0, 1, 4), a)
    H.same(g2:integers(0, 100, 4), b)
    local s, c = g2:get_state()
    assert.are.equal(7, tonumber(s))
    assert.is_true(tonumber(c) > 0)
    H.raises("random.gamma: shape is required", function() return g:gamma() end)
    H.raises("Generator:normal: call it as a method", g.normal, 0, 1)
  end)
end)
