/* The CPU backend: the reference semantics every other backend is compared against. */
#ifndef CA_CPU_H
#define CA_CPU_H

#include "backend.h"

/* Freed blocks kept for reuse (see cpu.c): the newest last. Enough slots that the garbage the
 * collector lets pile up between its runs (64 MiB by default) fits in blocks of the smallest
 * size kept (256 KiB). */
#define CA_CPU_CACHE_SLOTS 256
typedef struct ca_cpu_block {
  void *p;
  size_t size;
} ca_cpu_block;
/* Size classes of the freed blocks under 256 KiB kept in lists (see cpu.c). */
#define CA_CPU_SMALL_CLASSES 80

/* The backend's state (be->ctx), owned by the caller, who calls ca_cpu_backend_close when
 * done with it; arrays freed after that go straight back to the C library. */
typedef struct ca_cpu_ctx {
  size_t used;            /* bytes alloc has handed out and free has not taken back */
  int64_t live;           /* blocks alloc has handed out and free has not taken back */
  ca_allocator hook;      /* a host program's allocator (set_allocator); alloc NULL: none */
  ca_cpu_block cache[CA_CPU_CACHE_SLOTS];
  int ncached;
  size_t cached;          /* bytes in cache */
  void *small[CA_CPU_SMALL_CLASSES]; /* freed small blocks by size class, each list linked
                                        through the blocks' first words */
  size_t small_cached;    /* bytes in small */
  int closed;             /* keep nothing more */
} ca_cpu_ctx;

/* Fills a ca_backend: name "cpu", device -1, every entry, with ctx (zeroed here) as its state. */
void ca_cpu_backend_init(ca_backend *be, ca_cpu_ctx *ctx);
/* Returns the cached blocks to the C library and keeps none from now on. */
void ca_cpu_backend_close(ca_backend *be);

/* The threads that large loops (and the BLAS, when it is OpenBLAS) are split over: one
 * setting for the process, as CUARRAY_NUM_THREADS, which gives the starting value (else the
 * CPUs this process may run on, at most CA_CPU_DEFAULT_THREADS). */
#define CA_CPU_MAX_THREADS 64
#define CA_CPU_DEFAULT_THREADS 8
int ca_cpu_threads(void);
void ca_cpu_set_threads(int n); /* 1 .. CA_CPU_MAX_THREADS */

/* What cu.show_config reports of this backend: the threads its loops use (parallel.c), and
 * the BLAS library matmul calls (blas.c), NULL when it was built without one. */
int ca_cpu_threads(void);
const char *ca_cpu_blas(void);

#endif
