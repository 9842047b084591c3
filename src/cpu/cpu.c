/* Memory, transfers and the backend table. */
#define _GNU_SOURCE /* sysconf(_SC_AVPHYS_PAGES) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include "cpu.h"
#include "cpu_internal.h"

#define CA_CPU_ALIGN 64
#define CA_CPU_HUGE_MIN ((size_t)4 << 20)
#define CA_CPU_HUGE_PAGE ((size_t)2 << 20)

/* be->ctx: a ca_cpu_ctx, the caller's. */

/* A block's size: a unique pointer even for 0 bytes; whole cache lines so vector tails stay
 * inside. 0 when nbytes is too large to round. */
static size_t block_size(size_t nbytes) {
  size_t sz = nbytes == 0 ? CA_CPU_ALIGN : (nbytes + CA_CPU_ALIGN - 1) & ~(size_t)(CA_CPU_ALIGN - 1);
  return sz < nbytes ? 0 : sz;
}

/* A block from the host program's allocator, which must align it as ours are. */
static ca_status hook_alloc(ca_backend *be, ca_cpu_ctx *c, size_t nbytes, void **ptr) {
  size_t sz = block_size(nbytes);
  void *p = sz ? c->hook.alloc(c->hook.ctx, sz, -1, NULL) : NULL;
  if (p && ((uintptr_t)p & (CA_CPU_ALIGN - 1))) {
    c->hook.free(c->hook.ctx, p, sz, -1, NULL);
    snprintf(be->errmsg, sizeof be->errmsg, "cpu: the host program's allocator returned %p, "
             "which is not aligned to %d bytes", p, CA_CPU_ALIGN);
    return CA_ERR_DEVICE;
  }
  if (!p) {
    snprintf(be->errmsg, sizeof be->errmsg, "cpu: the host program's allocator has no %zu bytes", nbytes);
    return CA_ERR_NOMEM;
  }
  c->used += nbytes;
  c->live++;
  *ptr = p;
  return CA_OK;
}

/* Freed blocks from CA_CPU_CACHE_MIN bytes are kept (CA_CPU_CACHE_MAX bytes at most, the oldest
 * going first) and handed out again for the same size class. Arrays die when the collector
 * gets to them, in batches: without the cache each batch went back to the C library, which
 * returned large blocks to the system, and the next arrays faulted every page in again (on a
 * virtual machine about 0.5 ms per MiB: a 4 MiB a:get() took 1.1 ms instead of 0.36). Under
 * AddressSanitizer nothing is kept, so that a use after free is still caught. */
#define CA_CPU_CACHE_MIN ((size_t)256 << 10)
#if defined(__SANITIZE_ADDRESS__) /* gcc */
#define CA_CPU_CACHE_MAX ((size_t)0)
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) /* clang */
#define CA_CPU_CACHE_MAX ((size_t)0)
#endif
#endif
#ifndef CA_CPU_CACHE_MAX
#define CA_CPU_CACHE_MAX ((size_t)256 << 20)
#endif

/* Freed blocks under CA_CPU_CACHE_MIN bytes go to a list per size class (CA_CPU_SMALL_MAX bytes
 * in all at most) and are handed out again from there, newest first. Handed back to the C
 * library, a collection's worth of small arrays made it consolidate and return the heap's top
 * to the system, and the next arrays faulted their pages in again: a 1000-element add spent a
 * third of its time in malloc, free and page faults. */
#define CA_CPU_SMALL_EXACT ((size_t)512) /* up to here, classes are whole cache lines */
#define CA_CPU_SMALL_MAX (CA_CPU_CACHE_MAX ? (size_t)32 << 20 : (size_t)0)

/* The size a block of sz bytes (a multiple of CA_CPU_ALIGN) is allocated with: above
 * CA_CPU_SMALL_EXACT, rounded up to an eighth of its power of two, so that sizes close to each
 * other share blocks. */
static size_t size_class(size_t sz) {
  if (sz <= CA_CPU_SMALL_EXACT) return sz;
  size_t pow2 = CA_CPU_SMALL_EXACT;
  while (pow2 <= sz / 2) pow2 *= 2;
  size_t step = pow2 / 8, rounded = (sz + step - 1) / step * step;
  return rounded < sz ? 0 : rounded;
}

/* The list of a class under CA_CPU_CACHE_MIN: 64-byte steps to CA_CPU_SMALL_EXACT, then eight
 * classes to each power of two. */
static int small_index(size_t sz) {
  if (sz <= CA_CPU_SMALL_EXACT) return (int)(sz / CA_CPU_ALIGN) - 1;
  int o = 63 - __builtin_clzll((unsigned long long)sz);
  size_t pow2 = (size_t)1 << o;
  return 8 + (o - 9) * 8 + (int)((sz - pow2) / (pow2 / 8));
}

static void *cache_take(ca_cpu_ctx *c, size_t sz) {
  if (sz < CA_CPU_CACHE_MIN) {
    void **head = &c->small[small_index(sz)], *p = *head;
    if (p) {
      *head = *(void **)p;
      c->small_cached -= sz;
    }
    return p;
  }
  for (int i = c->ncached - 1; i >= 0; i--) {
    if (c->cache[i].size != sz) continue;
    void *p = c->cache[i].p;
    memmove(&c->cache[i], &c->cache[i + 1], (size_t)(c->ncached - 1 - i) * sizeof c->cache[0]);
    c->ncached--;
    c->cached -= sz;
    return p;
  }
  return NULL;
}

static void cache_drop_oldest(ca_cpu_ctx *c) {
  free(c->cache[0].p);
  c->cached -= c->cache[0].size;
  c->ncached--;
  memmove(&c->cache[0], &c->cache[1], (size_t)c->ncached * sizeof c->cache[0]);
}

/* Keeps the block if it may, else frees it. */
static void cache_put(ca_cpu_ctx *c, void *p, size_t sz) {
  if (sz < CA_CPU_CACHE_MIN && !c->closed && c->small_cached + sz <= CA_CPU_SMALL_MAX) {
    void **head = &c->small[small_index(sz)];
    *(void **)p = *head;
    *head = p;
    c->small_cached += sz;
    return;
  }
  if (c->closed || sz < CA_CPU_CACHE_MIN || sz > CA_CPU_CACHE_MAX) {
    free(p);
    return;
  }
  while (c->ncached > 0 && (c->ncached == CA_CPU_CACHE_SLOTS || c->cached + sz > CA_CPU_CACHE_MAX))
    cache_drop_oldest(c);
  c->cache[c->ncached].p = p;
  c->cache[c->ncached].size = sz;
  c->ncached++;
  c->cached += sz;
}

static void cache_clear(ca_cpu_ctx *c) {
  while (c->ncached > 0) cache_drop_oldest(c);
  for (int k = 0; k < CA_CPU_SMALL_CLASSES; k++) {
    while (c->small[k]) {
      void *p = c->small[k];
      c->small[k] = *(void **)p;
      free(p);
    }
  }
  c->small_cached = 0;
}

static void *fresh_block(size_t sz) {
  void *p = NULL;
#ifdef MADV_HUGEPAGE
  /* Large blocks come fresh from mmap (glibc) and every 4 KiB page faults on first touch:
   * ask for transparent huge pages, as NumPy does from 4 MiB, so a 64 MiB result takes 32
   * faults instead of 16384. They start on a huge page's boundary, or a 4 MiB block holds one
   * whole huge page at most: the first 4 MiB a:get()s of a script, before the collector
   * recycles any, took 2 ms each on the H200 machine, where faults cost about 0.5 ms a MiB.
   * Advice only: where THP is off this does nothing. */
  if (sz >= CA_CPU_HUGE_MIN) {
    if (posix_memalign(&p, CA_CPU_HUGE_PAGE, sz) != 0) return NULL;
    uintptr_t b = ((uintptr_t)p + 4095) & ~(uintptr_t)4095, e = ((uintptr_t)p + sz) & ~(uintptr_t)4095;
    if (e > b) (void)madvise((void *)b, e - b, MADV_HUGEPAGE);
    return p;
  }
#endif
  if (posix_memalign(&p, CA_CPU_ALIGN, sz) != 0) return NULL;
  return p;
}

static ca_status cpu_alloc(ca_backend *be, size_t nbytes, void **ptr) {
  ca_cpu_ctx *c = (ca_cpu_ctx *)be->ctx;
  *ptr = NULL;
  if (c->hook.alloc) return hook_alloc(be, c, nbytes, ptr);
  size_t sz = size_class(block_size(nbytes));
  void *p = sz ? cache_take(c, sz) : NULL;
  if (!p && sz) p = fresh_block(sz);
  if (!p && sz && c->ncached > 0) {
    cache_clear(c);
    p = fresh_block(sz);
  }
  if (!p) {
    snprintf(be->errmsg, sizeof be->errmsg, "cpu: out of memory allocating %zu bytes", nbytes);
    return CA_ERR_NOMEM;
  }
  c->used += nbytes;
  c->live++;
  *ptr = p;
  return CA_OK;
}

static void cpu_free(ca_backend *be, void *ptr, size_t nbytes) {
  if (!ptr) return;
  ca_cpu_ctx *c = (ca_cpu_ctx *)be->ctx;
  if (c->hook.free) c->hook.free(c->hook.ctx, ptr, block_size(nbytes), -1, NULL);
  else cache_put(c, ptr, size_class(block_size(nbytes)));
  c->used = c->used >= nbytes ? c->used - nbytes : 0;
  c->live--;
}

/* Only between allocators: a block goes back to the allocator that gave it. */
static ca_status cpu_set_allocator(ca_backend *be, const ca_allocator *a) {
  ca_cpu_ctx *c = (ca_cpu_ctx *)be->ctx;
  if (c->live > 0) {
    snprintf(be->errmsg, sizeof be->errmsg, "cpu: %lld block%s (%zu bytes) from the current "
             "allocator still in use: set the allocator before the first array there, or free "
             "them first", (long long)c->live, c->live == 1 ? "" : "s", c->used);
    return CA_ERR_VALUE;
  }
  if (a && (!a->alloc || !a->free)) {
    snprintf(be->errmsg, sizeof be->errmsg, "the allocator needs both alloc and free");
    return CA_ERR_VALUE;
  }
  cache_clear(c);
  memset(&c->hook, 0, sizeof c->hook);
  if (a) c->hook = *a;
  return CA_OK;
}

static ca_status cpu_mem_info(ca_backend *be, size_t *used, size_t *cached, size_t *free_bytes) {
  if (used) *used = ((ca_cpu_ctx *)be->ctx)->used;
  if (cached) *cached = ((ca_cpu_ctx *)be->ctx)->cached + ((ca_cpu_ctx *)be->ctx)->small_cached;
  if (free_bytes) {
    *free_bytes = 0;
#if defined(_SC_AVPHYS_PAGES) && defined(_SC_PAGESIZE)
    long pages = sysconf(_SC_AVPHYS_PAGES), psz = sysconf(_SC_PAGESIZE);
    if (pages > 0 && psz > 0) *free_bytes = (size_t)pages * (size_t)psz;
#endif
  }
  return CA_OK;
}

static void cpu_trim(ca_backend *be) { cache_clear((ca_cpu_ctx *)be->ctx); }

void ca_cpu_backend_close(ca_backend *be) {
  ca_cpu_ctx *c = (ca_cpu_ctx *)be->ctx;
  cache_clear(c);
  c->closed = 1;
}

static ca_status cpu_upload(ca_backend *be, void *dst, const void *host_src, size_t nbytes) {
  (void)be;
  if (nbytes) memcpy(dst, host_src, nbytes);
  return CA_OK;
}

static ca_status cpu_download(ca_backend *be, void *host_dst, const void *src, size_t nbytes) {
  (void)be;
  if (nbytes) memcpy(host_dst, src, nbytes);
  return CA_OK;
}

static ca_status cpu_synchronize(ca_backend *be) {
  (void)be;
  return CA_OK;
}

void ca_cpu_backend_init(ca_backend *be, ca_cpu_ctx *ctx) {
  memset(be, 0, sizeof *be);
  memset(ctx, 0, sizeof *ctx);
  be->name = "cpu";
  be->device = -1;
  be->ctx = ctx;
  be->alloc = cpu_alloc;
  be->free = cpu_free;
  be->mem_info = cpu_mem_info;
  be->trim = cpu_trim;
  be->host_alloc = NULL; /* pinned memory means nothing on the CPU */
  be->host_free = NULL;
  be->upload = cpu_upload;
  be->download = cpu_download;
  be->synchronize = cpu_synchronize;
  be->copy_from_peer = NULL; /* one CPU: there is no other device of its kind */
  be->copy = ca_cpu_copy;
  be->unary = ca_cpu_unary;
  be->binary = ca_cpu_binary;
  be->where = ca_cpu_where;
  be->reduce = ca_cpu_reduce;
  be->scan = ca_cpu_scan;
  be->matmul = ca_cpu_matmul;
  be->fft = ca_cpu_fft;
  be->fft_real_last_first = 0; /* NumPy's C-ordered results */
  be->getrf = ca_cpu_getrf;
  be->gesv = ca_cpu_gesv;
  be->potrf = ca_cpu_potrf;
  be->geqrf = ca_cpu_geqrf;
  be->orgqr = ca_cpu_orgqr;
  be->syevd = ca_cpu_syevd;
  be->gesvd = ca_cpu_gesvd;
  be->geev = ca_cpu_geev;
  be->random = ca_cpu_random;
  be->index_offsets = ca_cpu_index_offsets;
  be->gather = ca_cpu_gather;
  be->scatter = ca_cpu_scatter;
  be->nonzero = ca_cpu_nonzero;
  be->gather_index = ca_cpu_gather_index;
  be->scatter_index = ca_cpu_scatter_index;
  be->count_true = ca_cpu_count_true;
  be->compress = ca_cpu_compress;
  be->set_stream = NULL; /* no streams on the CPU */
  be->set_allocator = cpu_set_allocator;
  be->sort = ca_cpu_sort;
  be->searchsorted = ca_cpu_searchsorted;
  be->bincount = ca_cpu_bincount;
  be->histogram = ca_cpu_histogram;
  be->unique = ca_cpu_unique;
  be->scatter_add = ca_cpu_scatter_add;
}
