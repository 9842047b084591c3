# cuarray build. `make` builds the Lua C modules for every Lua found (LuaJIT and Lua 5.4) under
# $(BUILD)/<lua>/cuarray/: core.so always, cuda.so when nvcc is found (CUDA_HOME, /usr/local/cuda
# or nvcc on PATH). LuaRocks calls `make rock` / `make install` with LUA_INCDIR and friends.
#
#   make demo       install missing Debian packages, build, run examples/quickstart.lua
#   make test       the whole check CI runs; last line "N passed, N failed"
#   make test-gpu   on a GPU machine: the suite on cuda and cpu,cuda (see "On the GPU machine" below)
#   make lint       luacheck, warnings as errors
#   make bench      bench/bench.lua on the CPU

CC ?= cc
CFLAGS ?= -O2 -fPIC
# `make WERROR=1` turns warnings into errors (`make test` does, so CI keeps the tree clean); a
# plain build leaves them warnings, so that a newer or different compiler cannot break it.
WERROR ?=
comma := ,
# -MMD -MP: each object gets a .d file listing the headers it includes (see -include below).
CA_CFLAGS := -std=gnu99 -fPIC -Isrc -Wall -Wextra -Wshadow -Wmissing-prototypes -fvisibility=hidden \
             $(if $(WERROR),-Werror) -MMD -MP
LIBFLAG ?= -shared
# Where everything is built; `make test` builds the sanitizer flavour under $(BUILD)/asan.
BUILD ?= build
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

# ---- Lua flavours ------------------------------------------------------------------------
LUAJIT_INC ?= $(firstword $(wildcard /usr/include/luajit-2.1 /usr/local/include/luajit-2.1))
LUA54_INC ?= $(firstword $(wildcard /usr/include/lua5.4 /usr/local/include/lua5.4))
LUA51_INC ?= $(firstword $(wildcard /usr/include/lua5.1 /usr/local/include/lua5.1))
FLAVOURS := $(if $(LUAJIT_INC),luajit) $(if $(LUA54_INC),lua5.4) $(if $(LUA51_INC),lua5.1)
INC_luajit := $(LUAJIT_INC)
INC_lua5.4 := $(LUA54_INC)
INC_lua5.1 := $(LUA51_INC)
# LuaRocks' single build: `make rock LUA_INCDIR=...`
LUA_INCDIR ?= $(or $(LUAJIT_INC),$(LUA54_INC))
INC_rock = $(LUA_INCDIR)

# ---- BLAS --------------------------------------------------------------------------------
HAVE_CBLAS_H := $(shell printf '\#include <cblas.h>\n' | $(CC) -E -x c - >/dev/null 2>&1 && echo 1)
BLAS_LIB := $(if $(HAVE_CBLAS_H),$(if $(shell ldconfig -p 2>/dev/null | grep -q libopenblas && echo 1),-lopenblas,$(if $(shell ldconfig -p 2>/dev/null | grep -q 'libcblas\.so' && echo 1),-lcblas,$(if $(shell ldconfig -p 2>/dev/null | grep -q 'libblas\.so' && echo 1),-lblas))))
BLAS_DEF := $(if $(BLAS_LIB),-DCA_HAVE_CBLAS)

# ---- zlib (optional): reading compressed .npz entries (numpy.savez_compressed) -------------
HAVE_ZLIB := $(shell printf '\#include <zlib.h>\n' | $(CC) -E -x c - >/dev/null 2>&1 && echo 1)
ZLIB_DEF := $(if $(HAVE_ZLIB),-DCA_HAVE_ZLIB)
ZLIB_LIB := $(if $(HAVE_ZLIB),-lz)

# ---- CUDA --------------------------------------------------------------------------------
CUDA_HOME ?= $(firstword $(wildcard /usr/local/cuda) $(patsubst %/bin/nvcc,%,$(shell command -v nvcc 2>/dev/null)))
NVCC := $(CUDA_HOME)/bin/nvcc
# `make HAVE_CUDA=` builds without CUDA even where nvcc is installed.
HAVE_CUDA ?= $(if $(wildcard $(NVCC)),1)
# Build for the GPU nvidia-smi reports, else for a list of common architectures.
GPU_CC := $(shell nvidia-smi --query-gpu=compute_cap --format=csv,noheader 2>/dev/null | head -1 | tr -d '. ')
CUDA_ARCH ?= $(if $(GPU_CC),sm_$(GPU_CC),sm_80 sm_90)
GENCODE := $(foreach a,$(CUDA_ARCH),-gencode arch=compute_$(subst sm_,,$(a)),code=$(a)) \
           -gencode arch=compute_$(subst sm_,,$(lastword $(CUDA_ARCH))),code=compute_$(subst sm_,,$(lastword $(CUDA_ARCH)))
NVCCFLAGS ?= -O3
CA_NVCCFLAGS := -std=c++17 -Isrc -Xcompiler -fPIC,-fvisibility=hidden,-Wall$(if $(WERROR),$(comma)-Werror) \
                $(if $(WERROR),-Werror all-warnings) $(GENCODE) --expt-relaxed-constexpr -MMD -MP
CUDA_LIBS := -L$(CUDA_HOME)/lib64 -lcudart_static -lcublas -lcurand -lstdc++ -ldl -lpthread -lrt -Wl,-rpath,$(CUDA_HOME)/lib64

CORE_SRC := $(sort $(wildcard src/*.c src/cpu/*.c))
CUDA_CU := $(sort $(wildcard cuda/*.cu))
CUDA_C := $(sort $(wildcard cuda/*.c))
CUDA_CU_OBJ := $(patsubst cuda/%.cu,$(BUILD)/obj/cuda/%.o,$(CUDA_CU))
# The headers NVRTC programs may include (cuda/jit.c), built into the module as C strings.
RTC_HEADERS := src/scalar.h src/convert.h src/dtype.h src/backend.h src/ops.def src/reduce_ops.h \
               $(sort $(wildcard cuda/rtc/*.h))
RTC_EMBED := $(BUILD)/gen/nvrtc_headers.h

.PHONY: all rock install clean deps demo test test-run test-gpu lint bench fuzz \
        busted-luajit busted-lua5.4 busted-lua5.1 examples rock-check asan-build busted-asan gpu-check \
        run-quickstart bench-numpy header-check structure-check op-rows-check \
        oracle-gen oracle-luajit oracle-lua5.4 oracle-lua5.1 \
        oracle-design oracle-design-check fuzz-numpy oracle-asan
all: $(foreach f,$(FLAVOURS),$(BUILD)/$(f)/cuarray/core.so $(if $(HAVE_CUDA),$(BUILD)/$(f)/cuarray/cuda.so))

# One rock build dir per LUA_INCDIR: a 5.4 build must not reuse objects compiled for LuaJIT.
ifneq ($(filter rock,$(MAKECMDGOALS)),)
  $(shell test "$$(cat $(BUILD)/rock/.incdir 2>/dev/null)" = "$(LUA_INCDIR)" || \
          { rm -rf $(BUILD)/rock $(BUILD)/obj/rock; mkdir -p $(BUILD)/rock; \
            echo "$(LUA_INCDIR)" > $(BUILD)/rock/.incdir; })
endif
rock: $(BUILD)/rock/cuarray/core.so $(if $(HAVE_CUDA),$(BUILD)/rock/cuarray/cuda.so)

$(RTC_EMBED): tools/embed_headers.sh $(RTC_HEADERS)
	@mkdir -p $(dir $@)
	sh tools/embed_headers.sh $@ $(RTC_HEADERS)

$(BUILD)/obj/cuda/%.o: cuda/%.cu
	@mkdir -p $(dir $@)
	$(NVCC) $(NVCCFLAGS) $(CA_NVCCFLAGS) -c $< -o $@

define flavour
$$(BUILD)/obj/$(1)/%.o: %.c
	@mkdir -p $$(dir $$@)
	$$(CC) $$(CFLAGS) $$(CA_CFLAGS) $$(BLAS_DEF) $$(ZLIB_DEF) $$(SANFLAGS) -I$$(INC_$(1)) $$(if $$(findstring cuda/,$$<),-I$$(CUDA_HOME)/include -I$$(BUILD)/gen) -c $$< -o $$@

$$(BUILD)/obj/$(1)/cuda/jit.o: $$(RTC_EMBED)

$$(BUILD)/$(1)/cuarray/core.so: $$(patsubst %.c,$$(BUILD)/obj/$(1)/%.o,$$(CORE_SRC))
	@mkdir -p $$(dir $$@)
	$$(CC) $$(LIBFLAG) $$(SANFLAGS) -o $$@ $$^ $$(BLAS_LIB) $$(ZLIB_LIB) -lpthread -lm

$$(BUILD)/$(1)/cuarray/cuda.so: $$(patsubst %.c,$$(BUILD)/obj/$(1)/%.o,$$(CUDA_C)) $$(CUDA_CU_OBJ)
	@mkdir -p $$(dir $$@)
	$$(CC) $$(LIBFLAG) $$(SANFLAGS) -o $$@ $$^ $$(CUDA_LIBS) -lm
endef
$(foreach f,$(FLAVOURS) rock,$(eval $(call flavour,$(f))))

# The headers each object was built from (written by -MMD -MP beside the objects); an object
# without its .d file (built before this scheme) is rebuilt once.
ALL_OBJ := $(foreach f,$(FLAVOURS) rock,$(patsubst %.c,$(BUILD)/obj/$(f)/%.o,$(CORE_SRC) $(CUDA_C))) $(CUDA_CU_OBJ)
-include $(wildcard $(ALL_OBJ:.o=.d))
$(foreach o,$(ALL_OBJ),$(if $(wildcard $(o:.o=.d)),,$(eval $(o): FORCE)))
.PHONY: FORCE
FORCE:

# ---- install (LuaRocks' install pass; also usable by hand) --------------------------------
PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib/lua/5.1
LUADIR ?= $(PREFIX)/share/lua/5.1
INCDIR ?= $(PREFIX)/include
install:
	@test -f $(BUILD)/rock/cuarray/core.so || \
	  { echo "make install: run 'make rock LUA_INCDIR=...' first (LuaRocks does)"; exit 1; }
	mkdir -p $(LIBDIR)/cuarray $(LUADIR)/cuarray
	cp $(BUILD)/rock/cuarray/core.so $(LIBDIR)/cuarray/
	if [ -f $(BUILD)/rock/cuarray/cuda.so ]; then cp $(BUILD)/rock/cuarray/cuda.so $(LIBDIR)/cuarray/; fi
	cd lua && find cuarray -name '*.lua' -exec sh -c \
	  'for f; do mkdir -p "$(LUADIR)/$$(dirname "$$f")" && cp "$$f" "$(LUADIR)/$$f"; done' sh {} +
	if [ -f src/cuarray.h ]; then mkdir -p $(INCDIR) && cp src/cuarray.h $(INCDIR)/; fi

clean:
	rm -rf $(BUILD)
	$(MAKE) -C fuzz clean

# libFuzzer over the .npy header parser and the .npz reader (needs clang), 60 s.
fuzz:
	$(MAKE) -C fuzz run FUZZ_SECONDS=$(or $(FUZZ_SECONDS),60)

# The embedding example (a C host program running a script on its own buffer), per flavour.
embed-%: $(BUILD)/%/cuarray/core.so
	$(MAKE) --no-print-directory -C examples/embed test LUA=$* BUILD=$(abspath $(BUILD)) \
	  $(if $(EMBED_DEVICE),DEVICE=$(EMBED_DEVICE)) \
	  $(if $(filter luajit,$*),LUA_INC=$(LUAJIT_INC) \
	    LUA_LIB='-L$(dir $(shell command -v luajit))../lib/x86_64-linux-gnu -l:libluajit-5.1.so.2')

# ---- Debian packages ----------------------------------------------------------------------
DEB_PKGS := gcc libc6-dev luajit libluajit-5.1-dev lua5.4 liblua5.4-dev lua5.1 liblua5.1-0-dev \
            lua-busted luarocks \
            lua-check libopenblas-dev zlib1g-dev python3-numpy clang
deps:
	@sh tools/deps.sh $(DEB_PKGS)

# ---- running things from the checkout -----------------------------------------------------
# The Python with Debian's NumPy (python3-numpy), the oracle of the op rows and bench-numpy.
NUMPY_PYTHON ?= /usr/bin/python3
LUAJIT ?= $(shell command -v luajit 2>/dev/null)
LUA54 ?= $(shell command -v lua5.4 2>/dev/null)
LUA51 ?= $(shell command -v lua5.1 2>/dev/null)
LUA_luajit = $(LUAJIT)
LUA_lua5.4 = $(LUA54)
LUA_lua5.1 = $(LUA51)
# The busted launcher script, run under each interpreter explicitly (`lua5.4 $(BUSTED)`).
BUSTED ?= $(shell command -v busted 2>/dev/null)
LUACHECK ?= $(shell command -v luacheck 2>/dev/null)
# LUA_PATH/LUA_CPATH for a flavour: the checkout's lua/ and spec helpers, then whatever the
# caller had (an environment that installs busted outside the system paths puts its modules
# there), then the defaults (;;).
run_path = $(CURDIR)/lua/?.lua;$(CURDIR)/lua/?/init.lua;$(CURDIR)/?.lua;$(CURDIR)/spec/?.lua;$(if $(LUA_PATH),$(LUA_PATH);,;)
run_cpath = $(CURDIR)/$(1)/?.so;$(if $(LUA_CPATH),$(LUA_CPATH);,;)
run_env = LUA_PATH='$(run_path)' LUA_CPATH='$(call run_cpath,$(BUILD)/$(1))' CUARRAY_LUA='$(LUA_$(1))'
TAP := -o TAP
ASAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LIBASAN := $(shell $(CC) -print-file-name=libasan.so 2>/dev/null)
ASAN_OPTIONS ?= detect_leaks=0:allocator_may_return_null=1

demo: deps
	@$(MAKE) --no-print-directory -j$(JOBS) all
	@$(MAKE) --no-print-directory run-quickstart
run-quickstart:
	$(call run_env,luajit) $(LUAJIT) examples/quickstart.lua

# `make test`: deps first, then a fresh make (so the packages deps installed are detected),
# then every part through tools/run_tests.sh, which prints the summary line.
# WERROR=1 reaches every make that tools/run_tests.sh starts (through MAKEFLAGS).
test: deps
	@$(MAKE) --no-print-directory -j$(JOBS) WERROR=1 all
	@$(MAKE) --no-print-directory WERROR=1 test-run

test-run:
	@BUILD='$(BUILD)' MAKE='$(MAKE)' TEST_FLAVOURS='$(strip $(FLAVOURS))' bash tools/run_tests.sh

# The parts, each usable alone.
busted-luajit busted-lua5.4 busted-lua5.1: busted-%: $(BUILD)/%/cuarray/core.so
	$(call run_env,$*) $(LUA_$*) $(BUSTED) $(TAP) $(BUSTED_ARGS)

examples:
	@$(call run_env,luajit) bash tools/run_examples.sh

lint:
	$(LUACHECK) --no-color -q lua spec bench examples tools/oracle

rock-check:
	@bash tools/rock_check.sh

# The src/ headers that the CUDA sources include (found by the preprocessor, so a new shared
# header joins by being included) compile as C with -Wc++-compat and as C++17, warning-free.
shared_headers = $(sort $(filter src/%.h,$(patsubst cuda/../%,%,$(shell \
  $(CC) -MM -MG -x c++ -D__CUDACC__ -Isrc $(CUDA_CU) 2>/dev/null | tr ' \\' '\n\n'))))
CXX_HDR ?= $(or $(shell command -v g++ 2>/dev/null),$(shell command -v clang++ 2>/dev/null),c++)
header-check:
	@test -n "$(shared_headers)" || { echo "header-check: found no shared headers"; exit 1; }
	@for h in $(shared_headers); do \
	  $(CC) -std=gnu99 -Wall -Wextra -Wc++-compat -Werror -fsyntax-only -x c $$h || exit 1; \
	  $(CXX_HDR) -std=c++17 -Wall -Wextra -Werror -fsyntax-only -x c++ $$h || exit 1; \
	  echo "$$h: C (-Wc++-compat) and C++17 clean"; done

# spec/ops_rows.lua (every op's inputs and NumPy's results) is what NumPy gives today.
op-rows-check:
	@$(NUMPY_PYTHON) tools/gen_op_rows.py --check

# File sizes, #include circles and call circles between source files (tools/check_structure.py).
STRUCT_FLAVOUR := $(firstword $(FLAVOURS))
structure-check: $(BUILD)/$(STRUCT_FLAVOUR)/cuarray/core.so $(if $(HAVE_CUDA),$(BUILD)/$(STRUCT_FLAVOUR)/cuarray/cuda.so)
	@python3 tools/check_structure.py $(BUILD)/obj/$(STRUCT_FLAVOUR) $(if $(HAVE_CUDA),$(BUILD)/obj)

asan-build:
	@$(MAKE) --no-print-directory -j$(JOBS) BUILD=$(BUILD)/asan HAVE_CUDA= \
	  CFLAGS='-O1 -g -fPIC' SANFLAGS='$(ASAN_FLAGS)' $(BUILD)/asan/lua5.4/cuarray/core.so

busted-asan: asan-build
	LD_PRELOAD='$(LIBASAN)' ASAN_OPTIONS='$(ASAN_OPTIONS)' UBSAN_OPTIONS=print_stacktrace=1 \
	  CUARRAY_TEST_DEVICES=cpu LUA_PATH='$(run_path)' \
	  LUA_CPATH='$(call run_cpath,$(BUILD)/asan/lua5.4)' CUARRAY_LUA='$(LUA54)' \
	  $(LUA54) $(BUSTED) $(TAP) $(BUSTED_ARGS)

# On the GPU machine: `make -j16 && make test-gpu`, with LuaJIT, busted and nvcc on PATH. On
# the project's H200 host a small environment script prepared outside the repository,
# `.gpu/env.sh` (ignored by git), puts them there: `source .gpu/env.sh` first. Any
# environment with those on PATH works.
gpu-check: $(BUILD)/luajit/cuarray/cuda.so
	@$(call run_env,luajit) $(LUAJIT) tools/gpu_check.lua

test-gpu: all
	@GPU=1 BUILD='$(BUILD)' MAKE='$(MAKE)' TEST_FLAVOURS=luajit bash tools/run_tests.sh

# ---- the NumPy oracle (tools/oracle/README.md) ----------------------------------------------
# tools/oracle/gen.py draws random cases from fixed seeds and writes NumPy's answers;
# tools/oracle/runner.lua checks cuarray against them on every device of spec/helper.lua.
# `make test` runs ORACLE_SEEDS under each Lua; `make fuzz-numpy SEEDS=1001-1200` (or N=200,
# seeds from 1001) runs more; `make test-gpu` runs the same seeds on the GPU.
ORACLE_SEEDS ?= 1-8
ORACLE_COUNT ?= 500
ORACLE_DIR ?= $(BUILD)/oracle
oracle-gen:
	@rm -rf $(ORACLE_DIR) && $(NUMPY_PYTHON) tools/oracle/gen.py --seeds '$(ORACLE_SEEDS)' \
	  --count $(ORACLE_COUNT) --out $(ORACLE_DIR) >/dev/null

oracle-luajit oracle-lua5.4 oracle-lua5.1: oracle-%: $(BUILD)/%/cuarray/core.so oracle-gen
	$(call run_env,$*) $(LUA_$*) tools/oracle/runner.lua $(ORACLE_DIR)/cases_*.lua

# The same cases on the CPU under AddressSanitizer + UndefinedBehaviorSanitizer (Lua 5.4).
oracle-asan: asan-build oracle-gen
	LD_PRELOAD='$(LIBASAN)' ASAN_OPTIONS='$(ASAN_OPTIONS)' UBSAN_OPTIONS=print_stacktrace=1 \
	  CUARRAY_TEST_DEVICES=cpu LUA_PATH='$(run_path)' \
	  LUA_CPATH='$(call run_cpath,$(BUILD)/asan/lua5.4)' $(LUA54) tools/oracle/runner.lua \
	  $(ORACLE_DIR)/cases_*.lua

# DESIGN.md's "Differences from NumPy" is generated from tools/oracle/deviations.json.
oracle-design:
	$(NUMPY_PYTHON) tools/oracle/gen.py --write-design DESIGN.md
oracle-design-check:
	$(NUMPY_PYTHON) tools/oracle/gen.py --check-design DESIGN.md

SEEDS ?= $(if $(N),1001-$(shell echo $$((1000 + $(N)))),1001-1100)
fuzz-numpy: $(foreach f,$(filter luajit lua5.4,$(FLAVOURS)),$(BUILD)/$(f)/cuarray/core.so)
	@$(MAKE) --no-print-directory -k ORACLE_SEEDS='$(SEEDS)' ORACLE_DIR=$(BUILD)/oracle-fuzz \
	  $(foreach f,$(filter luajit lua5.4,$(FLAVOURS)),oracle-$(f))

# `make bench BENCH_ARGS=--quick`; `make bench-numpy` adds NumPy's figures for the same table.
bench: $(BUILD)/luajit/cuarray/core.so
	$(call run_env,luajit) $(LUAJIT) bench/bench.lua --device cpu $(BENCH_ARGS)

bench-numpy:
	$(NUMPY_PYTHON) bench/numpy_peer.py $(BENCH_ARGS)
