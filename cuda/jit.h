/* Run-time compilation (cuda/jit.c): NVRTC, opened with dlopen on first use, compiles CUDA C++
 * source to a cubin for one architecture. No Lua and no device needed: compiling for an
 * explicit architecture (sm_90) works on a machine without a GPU. The scalar headers of src/
 * (scalar.h, convert.h and what they include) are built into the module and offered to every
 * program by their names, so `#include "scalar.h"` works without a source tree. */
#ifndef CA_CUDA_JIT_H
#define CA_CUDA_JIT_H

#include <stddef.h>

#pragma GCC visibility push(hidden)

/* NVRTC's version; 0, or -1 with why it cannot be loaded in `why`. */
int cu_jit_version(int *major, int *minor, char *why, size_t whylen);

/* Compiles `src` (program name `name`, used in NVRTC's messages) with `opts`. Returns 0 with
 * the image in *image (malloc'd, *size bytes: a cubin for sm_XX, PTX for compute_XX); 1 when
 * the source does not compile, with NVRTC's log in *log (malloc'd); -1 when NVRTC is missing
 * or failed otherwise, with the reason in `why`. */
int cu_jit_compile(const char *src, const char *name, const char *const *opts, int nopts,
                   char **image, size_t *size, char **log, char *why, size_t whylen);

/* The 64-bit FNV-1a hash of n bytes, continuing from h (start from CU_HASH_SEED). */
#define CU_HASH_SEED 0xcbf29ce484222325ull
unsigned long long cu_hash(unsigned long long h, const void *p, size_t n);

#pragma GCC visibility pop

#endif
