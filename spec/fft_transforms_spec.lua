-- cu.fft's transforms against NumPy 1.24 (values below from numpy.fft; every chain ends in a
-- real result, so the values are plain numbers), on every device.
local cu = require "cuarray"
local H = require "helper"

-- the signals the values were computed from: sin(0.37 j) + cos(0.013 j^2)
local function sig(n)
  local t = {}
  for j = 0, n - 1 do t[j + 1] = math.sin(j * 0.37) + math.cos(j * j * 0.013) end
  return t
end

local x7 = {1.0, 1.361530933154997, 1.672936216251354, 1.8888619899815653, 1.9743267227223567, 1.9089259293901155, 1.6890377492623436}
local irfft_rfft_5 = {1.5499413012740781, 2.0556865527994352, 2.61690623766246, 2.7487432558212994, 2.52434219320546}
local irfft_rfft_12 = {0.5833333333333333, 0.6458846415623527, 0.8500662881359116, 0.960470078743904, 0.997716444750188, 1.0863272716314203, 1.166835620252505, 1.1438424905468385, 1.1054284805145635, 1.1212341479245014, 1.0444296033948646, 0.7900511399723484}
-- irfft reads only the first n // 2 + 1 of a longer spectrum: here x itself, as complex
local irfft_ifft_fft_7 = {1.5495226112536902, -0.20719100751138556, -0.03787039880368643, -0.029699899311773335, -0.029699899311773335, -0.03787039880368643, -0.20719100751138556}
local irfft_fft = {0.32333617223413197, 0.8819526941553832, 0.6976555758019318, 1.0376464069483078, 0.9400014582723581, 1.1670244322688856, 1.0726060956945873, 1.2113374889989021, 1.0792272261985145, 1.1483823365870856, 0.9471564383936819, 0.9892932152089611}
local irfft_ifft_backward = {0.04619088174773315, 0.1413276021727087, 0.1353080626276688, 0.1640546195124408, 0.1541753180283592, 0.17304821271412885, 0.1532294422420839, 0.16671777603841223, 0.1342859226103369, 0.1482352009926154, 0.09966508225741885, 0.1259932420221976}
local irfft_rfft_backward = {0.7777777777777777, 0.9501146704234511, 1.2516691634314911, 1.3302885930002506, 1.4953467072032285, 1.5477518751536317, 1.473904640686085, 1.4877390718516141, 1.1810270412352024}
local irfft_ifft_ortho = {0.4233464240514825, 1.2952888694860862, 1.2401188782582357, 1.5035854240458786, 1.4130401303176923, 1.5860130672786303, 1.404371035540427, 1.527993656781438, 1.2307508102577018, 1.3585980584113062, 0.9134455671772443, 1.1547471372392228}
local irfft_rfft_ortho = {0.2939723678960655, 0.35910959070493526, 0.47308647573828383, 0.502801827003526, 0.5651879301541514, 0.5849952218414857, 0.5570835907827705, 0.5623125142676322, 0.4463862632501101}
local irfft_ifft_forward = {3.880034066809584, 11.871518582507532, 11.365877260724183, 13.780588039045028, 12.950726714382176, 14.536049867986826, 12.87127314833505, 14.00429318722663, 11.280017499268299, 12.451756883379694, 8.371866909623183, 10.5834323298646}
local irfft_rfft_forward = {0.11111111111111109, 0.1357306672033501, 0.178809880490213, 0.19004122757146433, 0.21362095817188975, 0.22110741073623308, 0.21055780581229783, 0.21253415312165913, 0.16871814874788602}
local hfft_rfft = {7.3748532531851945, 12.15830198755318, 13.63999501935996, 13.627174189844864, 12.347450590187451, 9.825942204445743}
local hfft_ifft_9 = {0.8928990705185151, 1.3262164321955114, 1.5197301790311766, 1.7740460051000715, 1.892477594565245, 1.9828819631460726, 1.9384462248352732, 1.8382779797113353, 1.6151068175917405}
local A = {1.0, 1.361530933154997, 1.672936216251354, 1.8888619899815653, 1.9743267227223567, 1.9089259293901155, 1.6890377492623436, 1.327928073780074, 0.8539948164561182, 0.3076718795074084, -0.26233731228390605, -0.8028704535973508}
local irfftn_fftn_axes21 = {0.6464598076026905, 1.0844562070428063, 1.4945986616290492, 1.8232297874587249, 1.5457385229403326, 1.524587520892141, 1.3799828516721513, 1.119559435096182, 1.0606205771919281, 0.8312241783365714, 0.5350126638669139, 0.19689660756852134, 0.5755026314435236, 0.1378608357810016, -0.30995752393832343, -0.7257662199591395}
local irfftn_fftn_axes21_shape = {4, 4}
local irfft2_fft2_s = {0.6206916063242062, 1.0030827380103167, 1.1379251810273816, 1.2727676240444465, 1.5245812628907993, 1.444450754485962, 1.3492363794946725, 1.254022004503383, 0.8483279955531805, 0.2638216829497707, 0.017000462708813502, -0.2298207575321438, 8.881784197001253e-17, 4.4408920985006264e-17, 8.881784197001253e-17, 1.332267629550188e-16, 1.3877787807814457e-16, 6.661338147750939e-17, 7.216449660063518e-17, 7.771561172376097e-17}
local irfft2_fft2_s_shape = {5, 4}
local irfft_fft_17_head = {0.9447879151159204, 0.3229950572695979, 0.981157969688563, 0.6283651681697713, 1.0657777519648173, 0.8437989776763941} -- of 32
local irfft_fft_97_head = {0.9002795938313806, 0.12970547717714465, 1.2343210149451025, 0.15563006051569442, 1.5354263837502797, 0.15898743806227555} -- of 192
local irfft_fft_1009_head = {0.9874795136863128, 0.01445396142015689, 1.3479473818989653, 0.01575036300013879, 1.6594341245833488, 0.014983676024353515} -- of 2016
local irfftn_rfftn_T_axis1 = {0.9999999999999999, -1.2598008358116783, 1.9743267227223569, -1.3379299607967363, 0.8539948164561182, 1.367224767112004, 1.361530933154997, -1.5813128091982405, 1.9089259293901155, -0.8097237170856049, 0.30767187950740826, 1.8489032644671477, 1.6729362162513537, -1.721584187865735, 1.6890377492623438, -0.11180635415581408, -0.2623373122839061, 1.9593359847396505, 1.8888619899815655, -1.6458752240069607, 1.327928073780074, 0.6599168865621301, -0.8028704535973508, 1.6212394618886412}
local irfftn_rfftn_T_axis1_shape = {4, 3, 2}

local TOL = 1e-12
local norms = {backward = irfft_rfft_backward, ortho = irfft_rfft_ortho, forward = irfft_rfft_forward}

H.each_device("fft transforms", function(dev)
  local x = cu.array(x7, {device = dev})

  it("round-trips and pads or truncates as NumPy does", function()
    H.same(cu.fft.irfft(cu.fft.rfft(x), 7), x7, TOL)
    H.same(cu.fft.irfft(cu.fft.rfft(x), 5), irfft_rfft_5, TOL)
    H.same(cu.fft.irfft(cu.fft.rfft(x), 12), irfft_rfft_12, TOL)
    H.same(cu.fft.irfft(cu.fft.fft(x)), irfft_fft, TOL)
    H.same(cu.fft.irfft(cu.fft.ifft(cu.fft.fft(x)), 7, -1), irfft_ifft_fft_7, TOL)
    local back = cu.fft.ifft(cu.fft.fft(x))
    H.same(cu.real(back), x7, TOL)
    assert.is_true(cu.abs(cu.imag(back)):max() < 1e-15)
  end)

  it("scales by every norm mode", function()
    H.same(cu.fft.irfft(cu.fft.ifft(x), {norm = "backward"}), irfft_ifft_backward, TOL)
    H.same(cu.fft.irfft(cu.fft.ifft(x, {norm = "ortho"}), {norm = "ortho"}), irfft_ifft_ortho, TOL)
    H.same(cu.fft.irfft(cu.fft.ifft(x, {norm = "forward"}), {norm = "forward"}),
           irfft_ifft_forward, TOL)
    for _, norm in ipairs({"backward", "ortho", "forward"}) do
      H.same(cu.fft.irfft(cu.fft.rfft(x, {norm = norm}), 9), norms[norm], TOL)
    end
  end)

  it("gives hfft NumPy's values", function()
    H.same(cu.fft.hfft(cu.fft.rfft(x)), hfft_rfft, TOL)
    H.same(cu.fft.hfft(cu.fft.ifft(x), 9), hfft_ifft_9, TOL)
    H.same(cu.fft.hfft(cu.fft.ihfft(x), 7), x7, TOL)
  end)

  it("transforms along axes in any order, with s, and non-contiguous input", function()
    local a = cu.array(A, {device = dev}):reshape({3, 4})
    local r = cu.fft.irfftn(cu.fft.fftn(a, nil, {2, 1}), nil, {2, 1})
    assert.are.same(irfftn_fftn_axes21_shape, r.shape)
    H.same(r:reshape({r.size}), irfftn_fftn_axes21, TOL)
    r = cu.fft.irfft2(cu.fft.fft2(a, {5, 3}))
    assert.are.same(irfft2_fft2_s_shape, r.shape)
    H.same(r:reshape({r.size}), irfft2_fft2_s, TOL)
    local b = cu.array(sig(24), {device = dev}):reshape({2, 3, 4}).T
    r = cu.fft.irfft(cu.fft.rfft(b, nil, 1), nil, 1)
    assert.are.same(irfftn_rfftn_T_axis1_shape, r.shape)
    H.same(cu.copy(r):reshape({r.size}), irfftn_rfftn_T_axis1, TOL)
    H.raises("fftn: axis 1 is repeated", cu.fft.fftn, a, nil, {1, -2})
  end)

  it("handles prime lengths (17, 97, 1009) to 1e-12", function()
    for _, c in ipairs({{17, irfft_fft_17_head}, {97, irfft_fft_97_head}, {1009, irfft_fft_1009_head}}) do
      local v = cu.array(sig(c[1]), {device = dev})
      local r = cu.fft.irfft(cu.fft.fft(v))
      H.same(r[{{1, 6}}], c[2], 1e-12)
      H.same(cu.fft.irfft(cu.fft.rfft(v), c[1]), sig(c[1]), 1e-12)
    end
  end)

  it("gives a real transform over several axes the complex transform's values, in any memory order", function()
    -- rfftn(x) is fftn(x) up to n // 2 + 1 along its last axis; on a GPU the result holds its
    -- C2C axes innermost (the backend's fft_real_last_first), on the CPU it is C-ordered
    local function check(shape, axes, dtype, tol)
      local v = cu.random.random(shape, {dtype = dtype, device = dev}) - 0.5
      local r = cu.fft.rfftn(v, nil, axes)
      local c = cu.fft.fftn(v, nil, axes)
      local last = axes and axes[#axes] or #shape
      local keep = {}
      for d = 1, #shape do keep[d] = d == last and {1, math.floor(shape[d] / 2) + 1} or {1, -1} end
      local want = c[keep]
      assert.are.same(want.shape, r.shape)
      assert.is_true(cu.abs(r - want):max() <= tol * cu.abs(want):max(),
                     "rfftn of " .. table.concat(shape, "x"))
      local s = {}
      for j, ax in ipairs(axes or {}) do s[j] = shape[ax] end
      assert.is_true(cu.abs(cu.fft.irfftn(r, axes and s or shape, axes) - v):max() <= tol * 4)
      return r
    end
    local r = check({6, 8}, nil, "float64", 1e-13)
    if dev ~= "cpu" then assert.are.same({1, 6}, r.strides) end
    check({3, 4, 10}, nil, "float32", 1e-5)
    check({4, 6, 8}, {1, 3}, "float64", 1e-13)
    check({4, 6, 8}, {3, 1}, "float64", 1e-13)
    check({2, 6, 9}, {2, 3}, "float64", 1e-13)
    check({2, 3, 2, 3, 4}, nil, "float64", 1e-13)
    local t = cu.random.random({8, 6}, {dtype = "float64", device = dev}).T
    H.same(cu.fft.rfft2(t), cu.fft.rfft2(cu.copy(t)):totable(), 1e-13)
  end)

  it("gives NumPy 2's dtypes", function()
    assert.are.equal("complex128", cu.fft.fft(x).dtype)
    assert.are.equal("complex128", cu.fft.fft(cu.arange(4, {device = dev})).dtype)
    local f = cu.array(x7, {dtype = "float32", device = dev})
    assert.are.equal("complex64", cu.fft.rfft(f).dtype)
    assert.are.equal("float32", cu.fft.irfft(cu.fft.rfft(f), 7).dtype)
    H.same(cu.fft.irfft(cu.fft.rfft(f), 7), x7, 1e-6)
  end)
end)
