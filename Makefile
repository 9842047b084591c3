# cuarray build. `make` builds the Lua C modules for every Lua found (LuaJIT and Lua 5.4) under
# $(BUILD)/<lua>/cuarray/: core.so always, cuda.so when nvcc is found (CUDA_HOME, /usr/local/cuda
# or nvcc on PATH). LuaRocks calls `make rock` / `make install` with LUA_INCDIR and friends.
#
#   make demo       install missing Debian packages, build, run examples/quickstart.lua
#   make test       the whole check CI runs; last line "N passed, N failed"
#   make test-gpu   on a GPU machine: the suite on cuda and cpu,cuda (see "On the GPU machine" below)
#   make test-multigpu  on a machine with two GPUs: peer copies, NCCL, cuarray-run, the bench rows
#   make lint       luacheck, warnings as errors
#   make bench      bench/bench.lua on the CPU
#   make notebook   install the Jupyter kernels "cuarray (LuaJIT)" and "cuarray (Lua 5.4)"

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
# The first of these libraries that ldconfig knows (from /sbin too, which is not on a user's
# PATH on Debian), else the first that a program calling cblas_dgemm links against.
BLAS_CANDIDATES := openblas cblas blas
LDCONFIG_LIBS := $(shell PATH="$$PATH:/sbin:/usr/sbin" ldconfig -p 2>/dev/null | sed -n 's/^[[:space:]]*\(lib[^ ]*\.so\).*/\1/p')
links_cblas = $(shell printf 'void cblas_dgemm(void);\nint main(void) { cblas_dgemm(); return 0; }\n' | \
  $(CC) -x c - -o /dev/null -l$(1) >/dev/null 2>&1 && echo 1)
first_cblas = $(if $(1),$(if $(call links_cblas,$(firstword $(1))),-l$(firstword $(1)),$(call first_cblas,$(wordlist 2,9,$(1)))))
BLAS_LIB := $(if $(HAVE_CBLAS_H),$(or \
  $(firstword $(foreach l,$(BLAS_CANDIDATES),$(if $(filter lib$(l).so,$(LDCONFIG_LIBS)),-l$(l)))), \
  $(call first_cblas,$(BLAS_CANDIDATES))))
BLAS_NAME := $(patsubst -l%,%,$(BLAS_LIB))
BLAS_DEF := $(if $(BLAS_LIB),-DCA_HAVE_CBLAS -DCA_BLAS_NAME='"$(BLAS_NAME)"')

# ---- LAPACK (optional): cu.linalg's factorizations on the CPU, through LAPACKE (liblapacke-dev;
# Debian's LAPACK is OpenBLAS's when libopenblas is installed). Without it they raise.
HAVE_LAPACKE_H := $(shell printf '\#include <lapacke.h>\n' | $(CC) -E -x c - >/dev/null 2>&1 && echo 1)
links_lapacke := $(shell printf 'void LAPACKE_dgetrf(void);\nint main(void) { LAPACKE_dgetrf(); return 0; }\n' | \
  $(CC) -x c - -o /dev/null -llapacke >/dev/null 2>&1 && echo 1)
LAPACK_LIB := $(if $(HAVE_LAPACKE_H),$(if $(or $(filter liblapacke.so,$(LDCONFIG_LIBS)),$(links_lapacke)),-llapacke))
LAPACK_DEF := $(if $(LAPACK_LIB),-DCA_HAVE_LAPACKE)

# ---- zlib (optional): reading compressed .npz entries (numpy.savez_compressed) -------------
HAVE_ZLIB := $(shell printf '\#include <zlib.h>\n' | $(CC) -E -x c - >/dev/null 2>&1 && echo 1)
ZLIB_DEF := $(if $(HAVE_ZLIB),-DCA_HAVE_ZLIB)
ZLIB_LIB := $(if $(HAVE_ZLIB),-lz)

# ---- CUDA --------------------------------------------------------------------------------
CUDA_HOME ?= $(firstword $(wildcard /usr/local/cuda) $(patsubst %/bin/nvcc,%,$(shell command -v nvcc 2>/dev/null)))
NVCC := $(CUDA_HOME)/bin/nvcc
# `make HAVE_CUDA=` or `HAVE_CUDA=0` builds without CUDA even where nvcc is installed;
# `HAVE_CUDA=1` insists on it. LuaRocks passes its command line's HAVE_CUDA and CUDA_ARCH as
# CUARRAY_HAVE_CUDA and CUARRAY_CUDA_ARCH (see the rockspec), empty when not given.
ifneq ($(CUARRAY_HAVE_CUDA),)
  HAVE_CUDA := $(CUARRAY_HAVE_CUDA)
endif
ifneq ($(CUARRAY_CUDA_ARCH),)
  CUDA_ARCH := $(CUARRAY_CUDA_ARCH)
endif
HAVE_CUDA ?= $(if $(wildcard $(NVCC)),1)
override HAVE_CUDA := $(filter-out 0 no NO No false,$(HAVE_CUDA))
ifneq ($(HAVE_CUDA),)
  ifeq ($(wildcard $(NVCC)),)
    $(error HAVE_CUDA=$(HAVE_CUDA) but there is no nvcc at $(NVCC): set CUDA_HOME, or HAVE_CUDA=0)
  endif
endif
# Build for the GPU nvidia-smi reports, else for a list of common architectures.
GPU_CC := $(shell nvidia-smi --query-gpu=compute_cap --format=csv,noheader 2>/dev/null | head -1 | tr -d '. ')
CUDA_ARCH ?= $(if $(GPU_CC),sm_$(GPU_CC),sm_80 sm_90)
GENCODE := $(foreach a,$(CUDA_ARCH),-gencode arch=compute_$(subst sm_,,$(a)),code=$(a)) \
           -gencode arch=compute_$(subst sm_,,$(lastword $(CUDA_ARCH))),code=compute_$(subst sm_,,$(lastword $(CUDA_ARCH)))
NVCCFLAGS ?= -O3
# --fmad=false: each operation rounds as C does on the CPU backend and as cu.fuse's kernels do,
# so a GPU result does not depend on which multiply and add nvcc happened to contract.
CA_NVCCFLAGS := -std=c++17 --fmad=false -Isrc -Xcompiler -fPIC,-fvisibility=hidden,-Wall$(if $(WERROR),$(comma)-Werror) \
                $(if $(WERROR),-Werror all-warnings) $(GENCODE) --expt-relaxed-constexpr -MMD -MP
CUDA_LIBS := -L$(CUDA_HOME)/lib64 -lcudart_static -lcublas -lcusolver -lcufft -lstdc++ -ldl -lpthread -lrt -Wl,-rpath,$(CUDA_HOME)/lib64

CORE_SRC := $(sort $(wildcard src/*.c src/cpu/*.c))
CUDA_CU := $(sort $(wildcard cuda/*.cu))
CUDA_C := $(sort $(wildcard cuda/*.c))
CUDA_CU_OBJ := $(patsubst cuda/%.cu,$(BUILD)/obj/cuda/%.o,$(CUDA_CU))
# The headers NVRTC programs may include (cuda/jit.c), built into the module as C strings.
RTC_HEADERS := src/scalar.h src/complex_math.h src/convert.h src/dtype.h src/backend.h src/ops.def \
               src/ops.h src/reduce_ops.h $(sort $(wildcard cuda/rtc/*.h))
RTC_EMBED := $(BUILD)/gen/nvrtc_headers.h

.PHONY: all rock configure install clean deps demo test test-run test-gpu test-multigpu launch bench-multigpu-peer \
        lint bench fuzz fft-engine-test \
        busted-luajit busted-lua5.4 busted-lua5.1 examples rock-check asan-build busted-asan gpu-check \
        hostile-asan hostile-luajit hostile-lua5.4 hostile-lua5.1 \
        run-quickstart bench-numpy header-check structure-check op-rows-check \
        oracle-gen oracle-luajit oracle-lua5.4 oracle-lua5.1 \
        oracle-design oracle-design-check fuzz-numpy oracle-asan \
        deps-notebook notebook notebook-test notebook-gpu-check install-kernels \
        notebooks-refresh docs-data

# The C library for host programs (src/cuarray.h): the core's objects linked once more, with a
# SONAME, and archived.
CUARRAY_SOVERSION := 1
CLIB = $(BUILD)/$(1)/libcuarray.so.$(CUARRAY_SOVERSION) $(BUILD)/$(1)/libcuarray.a
all: configure $(foreach f,$(FLAVOURS),$(BUILD)/$(f)/cuarray/core.so $(call CLIB,$(f)) \
       $(if $(HAVE_CUDA),$(BUILD)/$(f)/cuarray/cuda.so))

# The CUDA objects hold code for CUDA_ARCH: a stamp named after it is a prerequisite of each,
# so building for other architectures rebuilds them (cuda/l_cuda.c reports the list). The
# first stamp is dated 1970: objects built before this scheme are kept.
empty :=
space := $(empty) $(empty)
CUDA_ARCH_STAMP := $(BUILD)/obj/cuda/arch-$(subst $(space),-,$(strip $(CUDA_ARCH)))
$(CUDA_ARCH_STAMP):
	@mkdir -p $(dir $@)
	@if ls $(BUILD)/obj/cuda/arch-* >/dev/null 2>&1; then rm -f $(BUILD)/obj/cuda/arch-*; \
	  touch $@; else touch -d @0 $@; fi
$(CUDA_CU_OBJ) $(foreach f,$(FLAVOURS) rock,$(patsubst %.c,$(BUILD)/obj/$(f)/%.o,$(CUDA_C))): $(CUDA_ARCH_STAMP)

# One rock build dir per LUA_INCDIR: a 5.4 build must not reuse objects compiled for LuaJIT.
ifneq ($(filter rock,$(MAKECMDGOALS)),)
  $(shell test "$$(cat $(BUILD)/rock/.incdir 2>/dev/null)" = "$(LUA_INCDIR)" || \
          { rm -rf $(BUILD)/rock $(BUILD)/obj/rock; mkdir -p $(BUILD)/rock; \
            echo "$(LUA_INCDIR)" > $(BUILD)/rock/.incdir; })
endif
# The compiles run in parallel (LuaRocks runs make without -j).
rock: configure
	@$(MAKE) --no-print-directory -j$(JOBS) $(BUILD)/rock/cuarray/core.so $(call CLIB,rock) \
	  $(if $(HAVE_CUDA),$(BUILD)/rock/cuarray/cuda.so)

# ---- configure summary: what this build found (printed by `make` and `make rock`) ----------
VERSION := $(shell sed -n 's/^\#define CUARRAY_VERSION "\(.*\)"/\1/p' src/cuarray.h)
NO_BLAS_WARNING := WARNING: no CBLAS found (cblas.h with libopenblas, libcblas or libblas), so \
  matmul on the CPU runs cuarray's own loop, about 16 times slower. Install libopenblas-dev \
  (Debian, Ubuntu) or another CBLAS and rebuild.
configure:
	@printf '%s\n' "cuarray $(VERSION): configuration" \
	  "  Lua:   $(if $(filter rock,$(MAKECMDGOALS)),LuaRocks build for $(LUA_INCDIR),$(or $(FLAVOURS),no Lua headers found))" \
	  "  BLAS:  $(or $(BLAS_NAME),NONE)" \
	  "  LAPACK: $(if $(LAPACK_LIB),lapacke,NONE (cu.linalg's factorizations raise on the CPU; install liblapacke-dev))" \
	  "  zlib:  $(if $(HAVE_ZLIB),yes,no (compressed .npz entries cannot be read))" \
	  "  CUDA:  $(if $(HAVE_CUDA),$(NVCC) ($$($(NVCC) --version | sed -n 's/.*release \([0-9.]*\).*/\1/p')) for $(CUDA_ARCH),no$(if $(wildcard $(NVCC)), (turned off by HAVE_CUDA), (no nvcc at $(NVCC); set CUDA_HOME)): cuarray.cuda is not built)" \
	  $(if $(BLAS_LIB),,"" "**** $(NO_BLAS_WARNING)" "")

$(RTC_EMBED): tools/embed_headers.sh $(RTC_HEADERS)
	@mkdir -p $(dir $@)
	sh tools/embed_headers.sh $@ $(RTC_HEADERS)

$(BUILD)/obj/cuda/%.o: cuda/%.cu
	@mkdir -p $(dir $@)
	$(NVCC) $(NVCCFLAGS) $(CA_NVCCFLAGS) -c $< -o $@

define flavour
$$(BUILD)/obj/$(1)/%.o: %.c
	@mkdir -p $$(dir $$@)
	$$(CC) $$(CFLAGS) $$(CA_CFLAGS) $$(BLAS_DEF) $$(LAPACK_DEF) $$(ZLIB_DEF) $$(SANFLAGS) -I$$(INC_$(1)) $$(if $$(findstring cuda/,$$<),-I$$(CUDA_HOME)/include -I$$(BUILD)/gen -DCA_CUDA_ARCH='"$$(CUDA_ARCH)"') -c $$< -o $$@

$$(BUILD)/obj/$(1)/cuda/jit.o: $$(RTC_EMBED)

$$(BUILD)/$(1)/cuarray/core.so: $$(patsubst %.c,$$(BUILD)/obj/$(1)/%.o,$$(CORE_SRC))
	@mkdir -p $$(dir $$@)
	$$(CC) $$(LIBFLAG) $$(SANFLAGS) -o $$@ $$^ $$(LAPACK_LIB) $$(BLAS_LIB) $$(ZLIB_LIB) -lpthread -lm
	$$(if $$(BLAS_LIB),,@echo "$$(NO_BLAS_WARNING)" >&2)

$$(BUILD)/$(1)/libcuarray.so.$(CUARRAY_SOVERSION): $$(patsubst %.c,$$(BUILD)/obj/$(1)/%.o,$$(CORE_SRC))
	$$(CC) -shared -Wl,-soname,libcuarray.so.$(CUARRAY_SOVERSION) $$(SANFLAGS) -o $$@ $$^ $$(LAPACK_LIB) $$(BLAS_LIB) $$(ZLIB_LIB) -lpthread -lm

$$(BUILD)/$(1)/libcuarray.a: $$(patsubst %.c,$$(BUILD)/obj/$(1)/%.o,$$(CORE_SRC))
	rm -f $$@ && $$(AR) rcs $$@ $$^

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
# The Lua modules go to LIBDIR and LUADIR; the C library for host programs (libcuarray.so and
# .a, the headers under $(INCDIR)/cuarray/, cuarray.pc) under CPREFIX, which the rock puts in
# its own directory (LuaRocks would deploy whatever lies in its LIBDIR as Lua modules).
# INSTALL_FLAVOUR picks the build installed: rock (what `make rock` built, as LuaRocks
# does), or a flavour `make` built (luajit, lua5.4, lua5.1).
PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib/lua/5.1
LUADIR ?= $(PREFIX)/share/lua/5.1
CPREFIX ?= $(PREFIX)
INCDIR ?= $(CPREFIX)/include
CLIBDIR ?= $(CPREFIX)/lib
INSTALL_FLAVOUR ?= rock
FROM = $(BUILD)/$(INSTALL_FLAVOUR)
PC_VERSION ?= $(VERSION)
BINDIR ?= $(PREFIX)/bin
install:
	@test -f $(FROM)/cuarray/core.so -a -f $(FROM)/libcuarray.a || \
	  { echo "make install: run 'make rock LUA_INCDIR=...' first (LuaRocks does), or 'make' and" \
	         "name its flavour: make install INSTALL_FLAVOUR=luajit"; exit 1; }
	mkdir -p $(LIBDIR)/cuarray $(LUADIR)/cuarray
	cp $(FROM)/cuarray/core.so $(LIBDIR)/cuarray/
	if [ -f $(FROM)/cuarray/cuda.so ]; then cp $(FROM)/cuarray/cuda.so $(LIBDIR)/cuarray/; fi
	cd lua && find cuarray -name '*.lua' -exec sh -c \
	  'for f; do mkdir -p "$(LUADIR)/$$(dirname "$$f")" && cp "$$f" "$(LUADIR)/$$f"; done' sh {} +
	mkdir -p $(INCDIR)/cuarray $(CLIBDIR)/pkgconfig
	cp src/cuarray.h src/dlpack.h $(INCDIR)/cuarray/
	cp $(FROM)/libcuarray.so.$(CUARRAY_SOVERSION) $(FROM)/libcuarray.a $(CLIBDIR)/
	ln -sf libcuarray.so.$(CUARRAY_SOVERSION) $(CLIBDIR)/libcuarray.so
	sed -e 's|@PREFIX@|$(CPREFIX)|; s|@INCDIR@|$(INCDIR)|; s|@CLIBDIR@|$(CLIBDIR)|' \
	    -e 's|@LUADIR@|$(LUADIR)|; s|@LIBDIR@|$(LIBDIR)|; s|@VERSION@|$(PC_VERSION)|' \
	    -e 's|@LUA_INCDIR@|$(INC_$(INSTALL_FLAVOUR))|; s|@LUA_FLAVOUR@|$(notdir $(INC_$(INSTALL_FLAVOUR)))|' \
	    -e 's|@LIBS_PRIVATE@|$(strip $(LAPACK_LIB) $(BLAS_LIB) $(ZLIB_LIB) -lpthread -lm)|' src/cuarray.pc.in \
	    > $(CLIBDIR)/pkgconfig/cuarray.pc
	mkdir -p $(BINDIR)
	sed 's|^default_lua=$$|default_lua=$(LUA)|' bin/cuarray-run > $(BINDIR)/cuarray-run
	chmod 755 $(BINDIR)/cuarray-run

clean:
	rm -rf $(BUILD)
	$(MAKE) -C fuzz clean

# `make fuzz [FUZZ_SECONDS=600]`: libFuzzer over the .npy header parser and the .npz reader
# (needs clang), then the hostile-input fuzzer under ASan + UBSan and on plain LuaJIT, each for
# FUZZ_SECONDS (60) seconds.
FUZZ_SECONDS ?= 60
fuzz: asan-build $(BUILD)/luajit/cuarray/core.so
	$(MAKE) -C fuzz run FUZZ_SECONDS=$(FUZZ_SECONDS)
	$(call hostile_asan,--seconds $(FUZZ_SECONDS) --minimise-budget 60)
	$(call hostile_plain,luajit,--seconds $(FUZZ_SECONDS) --minimise-budget 60 --memory-batches 20)

# The hostile-input fuzzer (fuzz/hostile/): every public function and metamethod with hostile
# arguments, batches in child processes, failures cut down to standalone scripts, known
# failures listed in fuzz/hostile/known_failures.txt. `make test` runs a fixed number of calls
# from a fixed seed; HOSTILE_SEED, HOSTILE_CALLS and HOSTILE_DEVICE (cuda) change that.
PYTHON ?= python3
HOSTILE_SEED ?= 1
hostile_run = $(PYTHON) fuzz/hostile/driver.py --seed $(HOSTILE_SEED) $(HOSTILE_ARGS)
hostile_asan = $(hostile_run) --lua $(LUA54) --cpath $(BUILD)/asan/lua5.4 --asan $(LIBASAN) \
  --out $(BUILD)/hostile/asan-lua5.4 $(1)
hostile_plain = $(hostile_run) --lua $(LUA_$(1)) --cpath $(BUILD)/$(1) --out $(BUILD)/hostile/$(1) \
  --rounds 24 $(if $(HOSTILE_DEVICE),--device $(HOSTILE_DEVICE) --label $(1)-$(HOSTILE_DEVICE)) $(2)
hostile-asan: asan-build
	$(call hostile_asan,--calls $(or $(HOSTILE_CALLS),3000))
hostile-luajit hostile-lua5.4 hostile-lua5.1: hostile-%: $(BUILD)/%/cuarray/core.so
	$(call hostile_plain,$*,--calls $(or $(HOSTILE_CALLS),$(if $(filter luajit,$*),2000,1000)))

# The embedding example (a C host program, examples/embed/), per flavour: that flavour's build
# installed into a fresh prefix, the host built against it through pkg-config (linked to
# libcuarray.so, and to libcuarray.a), both run.
embed-%: $(BUILD)/%/cuarray/core.so $(call CLIB,%) $(if $(HAVE_CUDA),$(BUILD)/%/cuarray/cuda.so)
	@rm -rf $(BUILD)/embed/$*
	@$(MAKE) --no-print-directory -s install INSTALL_FLAVOUR=$* PREFIX=$(abspath $(BUILD)/embed/$*) \
	  LIBDIR=$(abspath $(BUILD)/embed/$*)/lib/lua LUADIR=$(abspath $(BUILD)/embed/$*)/share/lua
	$(MAKE) --no-print-directory -C examples/embed test LUA=$* PREFIX=$(abspath $(BUILD)/embed/$*) \
	  $(if $(EMBED_DEVICE),DEVICE=$(EMBED_DEVICE)) $(if $(HAVE_CUDA),CUDA_HOME=$(CUDA_HOME)) \
	  $(if $(filter luajit,$*),LUA_INC=$(LUAJIT_INC) \
	    LUA_LIB='-L$(dir $(shell command -v luajit))../lib/x86_64-linux-gnu -l:libluajit-5.1.so.2')

# ---- Debian packages ----------------------------------------------------------------------
DEB_PKGS := gcc libc6-dev luajit libluajit-5.1-dev lua5.4 liblua5.4-dev lua5.1 liblua5.1-0-dev \
            lua-busted luarocks \
            lua-check libopenblas-dev liblapacke-dev zlib1g-dev python3-numpy clang pkgconf
deps:
	@sh tools/deps.sh $(DEB_PKGS)
# Optional: the notebook kernel, its tests and the browser check (make notebook, make test).
NOTEBOOK_PKGS := python3-ipykernel python3-jupyter-client jupyter-nbconvert jupyter-notebook \
                 chromium python3-websocket
deps-notebook:
	@sh tools/deps.sh $(NOTEBOOK_PKGS)

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
# Without a GPU the CUDA module can be compiled but not run: `make test` then compiles it for
# one architecture (TEST_CUDA_ARCH), half the work of the release build's CUDA_ARCH. It goes
# through the environment, not the command line, so that the rock check's own CUARRAY_CUDA_ARCH
# still wins inside it.
TEST_CUDA_ARCH ?= $(if $(GPU_CC),$(CUDA_ARCH),sm_90)
test: deps deps-notebook
	@CUDA_ARCH='$(TEST_CUDA_ARCH)' $(MAKE) --no-print-directory -j$(JOBS) WERROR=1 all
	@CUDA_ARCH='$(TEST_CUDA_ARCH)' $(MAKE) --no-print-directory WERROR=1 test-run

test-run:
	@BUILD='$(BUILD)' MAKE='$(MAKE)' TEST_FLAVOURS='$(strip $(FLAVOURS))' bash tools/run_tests.sh

# The parts, each usable alone.
busted-luajit busted-lua5.4 busted-lua5.1: busted-%: $(BUILD)/%/cuarray/core.so
	$(call run_env,$*) $(LUA_$*) $(BUSTED) $(TAP) $(BUSTED_ARGS)

examples:
	@$(call run_env,luajit) bash tools/run_examples.sh

lint:
	$(LUACHECK) --no-color -q lua spec bench examples tools/oracle fuzz/hostile jupyter/lua

# lua/cuarray/docs_data.lua (cu.help's entries) from the reference (docs/reference/*.md).
docs-data:
	$(LUAJIT) tools/gen_docs.lua > lua/cuarray/docs_data.lua.tmp && \
	  mv lua/cuarray/docs_data.lua.tmp lua/cuarray/docs_data.lua

rock-check:
	@HAVE_CUDA='$(HAVE_CUDA)' ROCK_CUDA='$(ROCK_CUDA)' BLAS='$(BLAS_NAME)' MAKE='$(MAKE)' bash tools/rock_check.sh

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

# spec/ops_rows.lua (every op's inputs and NumPy's results), spec/sort_rows.lua (the sorting
# family's), spec/dtype_tables.lua (promotion and casting) and spec/complex_rows.lua (the
# complex functions' special values) are what NumPy gives today.
op-rows-check:
	@$(NUMPY_PYTHON) tools/gen_op_rows.py --check
	@$(NUMPY_PYTHON) tools/gen_sort_rows.py --check
	@$(NUMPY_PYTHON) tools/gen_dtype_tables.py --check
	@$(NUMPY_PYTHON) tools/gen_complex_rows.py --check

# File sizes, #include circles and call circles between source files (tools/check_structure.py).
STRUCT_FLAVOUR := $(firstword $(FLAVOURS))
structure-check: $(BUILD)/$(STRUCT_FLAVOUR)/cuarray/core.so $(if $(HAVE_CUDA),$(BUILD)/$(STRUCT_FLAVOUR)/cuarray/cuda.so)
	@python3 tools/check_structure.py $(BUILD)/obj/$(STRUCT_FLAVOUR) $(if $(HAVE_CUDA),$(BUILD)/obj)

asan-build:
	@$(MAKE) --no-print-directory -j$(JOBS) BUILD=$(BUILD)/asan HAVE_CUDA= \
	  CFLAGS='-O1 -g -fPIC' SANFLAGS='$(ASAN_FLAGS)' $(BUILD)/asan/lua5.4/cuarray/core.so

# The CPU FFT in C, under AddressSanitizer + UndefinedBehaviorSanitizer (TAP): the engine
# alone against a direct DFT in long double (spec/c/fft_engine_test.c), and the backend's fft
# entry, with batches, strides and ranks, against a direct multi-dimensional DFT
# (spec/c/fft_entry_test.c, linked with the CPU backend).
FFT_TESTS := $(BUILD)/spec/fft_engine_test $(BUILD)/spec/fft_entry_test
FFT_TEST_CFLAGS = -std=gnu99 -O1 -g -Isrc -Wall -Wextra -Wshadow -Wmissing-prototypes $(if $(WERROR),-Werror) \
  $(ASAN_FLAGS) $(BLAS_DEF)
$(BUILD)/spec/fft_engine_test: spec/c/fft_engine_test.c src/cpu/fft_engine.c src/cpu/fft_engine.h
	@mkdir -p $(dir $@)
	$(CC) $(FFT_TEST_CFLAGS) -o $@ spec/c/fft_engine_test.c src/cpu/fft_engine.c -lm
$(BUILD)/spec/fft_entry_test: spec/c/fft_entry_test.c $(wildcard src/cpu/*.c src/cpu/*.h) src/backend.h
	@mkdir -p $(dir $@)
	$(CC) $(FFT_TEST_CFLAGS) -o $@ spec/c/fft_entry_test.c $(wildcard src/cpu/*.c) $(BLAS_LIB) -lpthread -lm
fft-engine-test: $(FFT_TESTS)
	@for t in $(FFT_TESTS); do ASAN_OPTIONS=detect_leaks=1 $$t || exit 1; done

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
	@$(call run_env,luajit) $(LUAJIT) tools/gpu_check.lua $(GPU_CHECK_ARGS)

test-gpu: all
	@GPU=1 BUILD='$(BUILD)' MAKE='$(MAKE)' TEST_FLAVOURS=luajit bash tools/run_tests.sh

# On a machine with two GPUs (LuaJIT, busted and nvcc on PATH, as for test-gpu):
# `make -j16 && make test-multigpu`. The multi-GPU specs (spec/multigpu/: one process, then one
# per GPU through cuarray-run), the dead peer checks, the distributed example, and the benchmark
# rows beside PyTorch's; every part bounded, MULTIGPU_BUDGET seconds in all (default 540).
test-multigpu: $(BUILD)/luajit/cuarray/core.so $(BUILD)/luajit/cuarray/cuda.so
	@MULTIGPU=1 BUILD='$(BUILD)' MAKE='$(MAKE)' BUSTED='$(BUSTED)' TEST_FLAVOURS=luajit bash tools/run_tests.sh

# bin/cuarray-run with the checkout's modules: `make launch LAUNCH_ARGS="-n 2 script.lua"`.
launch: $(BUILD)/luajit/cuarray/core.so
	@$(call run_env,luajit) bin/cuarray-run --lua $(LUAJIT) $(LAUNCH_ARGS)

bench-multigpu-peer: $(BUILD)/luajit/cuarray/cuda.so
	@$(call run_env,luajit) $(LUAJIT) bench/multigpu.lua peer

# ---- the NumPy oracle (tools/oracle/README.md) ----------------------------------------------
# tools/oracle/gen.py draws random cases from fixed seeds and writes NumPy's answers;
# tools/oracle/runner.lua checks cuarray against them on every device of spec/helper.lua.
# `make test` runs ORACLE_SEEDS under each Lua; `make fuzz-numpy SEEDS=1001-1200` (or N=200,
# seeds from 1001) runs more; `make test-gpu` runs the same seeds on the GPU.
ORACLE_SEEDS ?= 1-8
ORACLE_COUNT ?= 500
ORACLE_DIR ?= $(BUILD)/oracle
# ORACLE_CASES=keep runs the cases already in ORACLE_DIR: generated on a machine with the
# NumPy the known differences were written against, then run where another NumPy is installed.
# Where NumPy is missing (the GPU machine), cases already in ORACLE_DIR are kept the same way.
oracle-gen:
ifeq ($(ORACLE_CASES),keep)
	@ls $(ORACLE_DIR)/cases_*.lua >/dev/null
else
	@if ! $(NUMPY_PYTHON) -c 'import numpy' 2>/dev/null && ls $(ORACLE_DIR)/cases_*.lua >/dev/null 2>&1; \
	then echo "oracle: no NumPy for $(NUMPY_PYTHON); running the cases already in $(ORACLE_DIR)"; \
	else rm -rf $(ORACLE_DIR) && $(NUMPY_PYTHON) tools/oracle/gen.py --seeds '$(ORACLE_SEEDS)' \
	  --count $(ORACLE_COUNT) --out $(ORACLE_DIR) >/dev/null; fi
endif

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

# ---- the Jupyter kernel (jupyter/) ---------------------------------------------------------
# Debian's python3, not one earlier on PATH: the Jupyter packages are installed for it.
JUPYTER_PYTHON ?= /usr/bin/python3
KERNEL_FLAVOURS := $(filter luajit lua5.4,$(FLAVOURS))
kernel_name = cuarray-$(1)
kernel_display = cuarray ($(if $(filter luajit,$(1)),LuaJIT,Lua 5.4))
kernel_parts = $(foreach f,$(KERNEL_FLAVOURS),$(BUILD)/$(f)/cuarray/core.so \
                 $(BUILD)/$(f)/cuarray_kernel/interrupt.so)

# The kernel's SIGINT module, per Lua flavour: build/<flavour>/cuarray_kernel/interrupt.so
$(BUILD)/%/cuarray_kernel/interrupt.so: jupyter/interrupt.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(CA_CFLAGS) -I$(INC_$*) $(LIBFLAG) -o $@ $<

# KERNEL_DIR=dir installs the specs there instead of the user's Jupyter data directory.
install-kernels: $(kernel_parts)
	@$(foreach f,$(KERNEL_FLAVOURS),PYTHONPATH=jupyter $(JUPYTER_PYTHON) -m cuarray_kernel.install \
	  --name $(call kernel_name,$(f)) --display-name '$(call kernel_display,$(f))' \
	  --lua $(LUA_$(f)) --root $(CURDIR) --flavour $(f) $(if $(KERNEL_DIR),--dir $(KERNEL_DIR)) &&) true

# `make notebook`: the packages, the modules, the kernels for this user; then `jupyter notebook`.
notebook: deps deps-notebook
	@$(MAKE) --no-print-directory -j$(JOBS) $(kernel_parts) $(if $(HAVE_CUDA),$(BUILD)/luajit/cuarray/cuda.so)
	@$(MAKE) --no-print-directory install-kernels
	@echo "Now run: jupyter notebook examples/notebooks (and pick the kernel \"cuarray (LuaJIT)\")"

# The kernel protocol tests, the example notebooks executed and checked, and the browser
# check (make test runs it; the screenshot goes to $(BUILD)/notebooks/).
notebook-test: $(kernel_parts)
	@$(MAKE) --no-print-directory -s install-kernels KERNEL_DIR=$(CURDIR)/$(BUILD)/jupyter/kernels
	@BUILD='$(BUILD)' PYTHON3='$(JUPYTER_PYTHON)' KERNELS='$(foreach f,$(KERNEL_FLAVOURS),$(call kernel_name,$(f)))' \
	  bash tools/notebook_test.sh

# On the GPU machine: the notebooks' code on the CUDA device, without Jupyter.
notebook-gpu-check: $(BUILD)/luajit/cuarray/core.so $(BUILD)/luajit/cuarray/cuda.so \
                    $(BUILD)/luajit/cuarray_kernel/interrupt.so
	$(call run_env,luajit) CUARRAY_DEVICE=cuda PYTHONPATH=jupyter $(JUPYTER_PYTHON) -m cuarray_kernel.run \
	  --lua $(LUAJIT) --expect-device cuda examples/notebooks/*.ipynb

# Runs the example notebooks in place with the LuaJIT kernel, saving their outputs (on a GPU
# machine they show the GPU).
notebooks-refresh: $(BUILD)/luajit/cuarray/core.so $(BUILD)/luajit/cuarray_kernel/interrupt.so
	@$(MAKE) --no-print-directory -s install-kernels KERNEL_DIR=$(CURDIR)/$(BUILD)/jupyter/kernels
	cd examples/notebooks && for nb in *.ipynb; do \
	  JUPYTER_PATH=$(CURDIR)/$(BUILD)/jupyter $(JUPYTER_PYTHON) -m nbconvert --to notebook \
	    --execute --inplace --ExecutePreprocessor.timeout=600 \
	    --ExecutePreprocessor.kernel_name=cuarray-luajit "$$nb" || exit 1; done
