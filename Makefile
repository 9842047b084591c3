# cuarray build. `make` builds the Lua C modules for every Lua found (LuaJIT and Lua 5.4) under
# build/<lua>/cuarray/: core.so always, cuda.so when nvcc is found (CUDA_HOME, /usr/local/cuda
# or nvcc on PATH). LuaRocks calls `make rock` / `make install` with LUA_INCDIR and friends.

CC ?= cc
CFLAGS ?= -O2 -fPIC
CA_CFLAGS := -std=gnu99 -fPIC -Wall -Wextra -Wshadow -Wmissing-prototypes -fvisibility=hidden
LIBFLAG ?= -shared

# ---- Lua flavours ------------------------------------------------------------------------
LUAJIT_INC ?= $(firstword $(wildcard /usr/include/luajit-2.1 /usr/local/include/luajit-2.1))
LUA54_INC ?= $(firstword $(wildcard /usr/include/lua5.4 /usr/local/include/lua5.4))
FLAVOURS := $(if $(LUAJIT_INC),luajit) $(if $(LUA54_INC),lua5.4)
INC_luajit := $(LUAJIT_INC)
INC_lua5.4 := $(LUA54_INC)
# LuaRocks' single build: `make rock LUA_INCDIR=...`
INC_rock = $(LUA_INCDIR)

# ---- BLAS --------------------------------------------------------------------------------
HAVE_CBLAS_H := $(shell printf '\#include <cblas.h>\n' | $(CC) -E -x c - >/dev/null 2>&1 && echo 1)
BLAS_LIB := $(if $(HAVE_CBLAS_H),$(if $(shell ldconfig -p 2>/dev/null | grep -q libopenblas && echo 1),-lopenblas,$(if $(shell ldconfig -p 2>/dev/null | grep -q 'libcblas\.so' && echo 1),-lcblas,$(if $(shell ldconfig -p 2>/dev/null | grep -q 'libblas\.so' && echo 1),-lblas))))
BLAS_DEF := $(if $(BLAS_LIB),-DCA_HAVE_CBLAS)

# ---- CUDA --------------------------------------------------------------------------------
CUDA_HOME ?= $(firstword $(wildcard /usr/local/cuda) $(patsubst %/bin/nvcc,%,$(shell command -v nvcc 2>/dev/null)))
NVCC := $(CUDA_HOME)/bin/nvcc
HAVE_CUDA := $(if $(wildcard $(NVCC)),1)
# Build for the GPU nvidia-smi reports, else for a list of common architectures.
GPU_CC := $(shell nvidia-smi --query-gpu=compute_cap --format=csv,noheader 2>/dev/null | head -1 | tr -d '. ')
CUDA_ARCH ?= $(if $(GPU_CC),sm_$(GPU_CC),sm_80 sm_90)
GENCODE := $(foreach a,$(CUDA_ARCH),-gencode arch=compute_$(subst sm_,,$(a)),code=$(a)) \
           -gencode arch=compute_$(subst sm_,,$(lastword $(CUDA_ARCH))),code=compute_$(subst sm_,,$(lastword $(CUDA_ARCH)))
NVCCFLAGS ?= -O3
CA_NVCCFLAGS := -std=c++17 -Xcompiler -fPIC,-fvisibility=hidden,-Wall $(GENCODE) --expt-relaxed-constexpr
CUDA_LIBS := -L$(CUDA_HOME)/lib64 -lcudart_static -lcublas -lcurand -lstdc++ -ldl -lpthread -lrt -Wl,-rpath,$(CUDA_HOME)/lib64

CORE_SRC := $(sort $(wildcard src/*.c src/cpu/*.c))
CUDA_CU := $(sort $(wildcard cuda/*.cu))
CUDA_C := $(sort $(wildcard cuda/*.c))
CUDA_CU_OBJ := $(patsubst cuda/%.cu,build/obj/cuda/%.o,$(CUDA_CU))
HEADERS := $(wildcard src/*.h src/*.def src/cpu/*.h cuda/*.h)

.PHONY: all rock clean
all: $(foreach f,$(FLAVOURS),build/$(f)/cuarray/core.so $(if $(HAVE_CUDA),build/$(f)/cuarray/cuda.so))

rock: build/rock/cuarray/core.so $(if $(HAVE_CUDA),build/rock/cuarray/cuda.so)

build/obj/cuda/%.o: cuda/%.cu $(HEADERS)
	@mkdir -p $(dir $@)
	$(NVCC) $(NVCCFLAGS) $(CA_NVCCFLAGS) -c $< -o $@

define flavour
build/obj/$(1)/%.o: %.c $$(HEADERS)
	@mkdir -p $$(dir $$@)
	$$(CC) $$(CFLAGS) $$(CA_CFLAGS) $$(BLAS_DEF) $$(SANFLAGS) -I$$(INC_$(1)) $$(if $$(findstring cuda/,$$<),-I$$(CUDA_HOME)/include) -c $$< -o $$@

build/$(1)/cuarray/core.so: $$(patsubst %.c,build/obj/$(1)/%.o,$$(CORE_SRC))
	@mkdir -p $$(dir $$@)
	$$(CC) $$(LIBFLAG) $$(SANFLAGS) -o $$@ $$^ $$(BLAS_LIB) -lm

build/$(1)/cuarray/cuda.so: $$(patsubst %.c,build/obj/$(1)/%.o,$$(CUDA_C)) $$(CUDA_CU_OBJ)
	@mkdir -p $$(dir $$@)
	$$(CC) $$(LIBFLAG) $$(SANFLAGS) -o $$@ $$^ $$(CUDA_LIBS) -lm
endef
$(foreach f,$(FLAVOURS) rock,$(eval $(call flavour,$(f))))

clean:
	rm -rf build
