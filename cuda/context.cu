/* The CUDA backend's context: device, streams, cuBLAS and cuSOLVER handles, memory pool, the memory
 * entries of the backend table (cuda/backend.cu adds the others), and its lifetime (a backend outlives the module's state while allocations from it live). */
#include <cublas_v2.h>
#include <cusolverDn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cuda_internal.h"
#include "device_scope.cuh"

#define CU_CUBLAS_WORKSPACE ((size_t)32 << 20)

/* The small-block cache: device blocks of at most 1 MiB are allocated in power-of-two size
 * classes and, when freed, kept per class for the next allocation of that class on the same
 * stream (stream order makes the reuse safe without events: the new user's work is queued
 * after the old one's). cudaMallocAsync + cudaFreeAsync cost ~0.8 us per op; a cache hit is a
 * few nanoseconds. Blocks freed while the current stream differs from the cache's go back to
 * the pool, and switching streams hands the cached blocks back to the pool. Cached bytes show
 * in mem_info as cached; trim (cuda.empty_cache, the out-of-memory retry) releases them. */
#define CU_CACHE_MINSHIFT 8      /* 256 B */
#define CU_CACHE_MAXSHIFT 20     /* 1 MiB */
#define CU_CACHE_NCLASS (CU_CACHE_MAXSHIFT - CU_CACHE_MINSHIFT + 1)
#define CU_CACHE_CLASS_BYTES ((size_t)16 << 20) /* at most this much cached per class */
#define CU_CACHE_CLASS_MIN 16                     /* ... or this many blocks, if more */

typedef struct cu_cache_class {
  void **blocks;
  int n, cap;
} cu_cache_class;

/* A host program's allocator (cuarray_set_allocator) replaces the pool and the small-block
 * cache for device memory; it must align blocks as cudaMalloc does. Scratch blocks are freed
 * without their size (cu_scratch_free), so the sizes of those it gave are kept here. */
#define CU_HOOK_ALIGN 256
typedef struct cu_block {
  void *p;
  size_t n;
} cu_block;

struct cu_ctx {
  ca_backend be;                /* first member: be->ctx points back here */
  char name[24];
  int device;
  cudaStream_t stream;          /* current stream (own_stream unless cu_set_stream changed it) */
  cudaStream_t own_stream;      /* the non-blocking default stream we created */
  cudaMemPool_t pool;
  cublasHandle_t cublas;        /* lazily created */
  void *cublas_ws;
  cudaStream_t cublas_stream;   /* the stream the handle is bound to */
  cusolverDnHandle_t cusolver;  /* lazily created, with its default parameters */
  cusolverDnParams_t cusolver_params;
  cudaStream_t cusolver_stream; /* the stream the handle is bound to */
  cudaEvent_t join;             /* cu_set_stream's ordering event */
  int64_t live;                 /* live allocations (device and pinned host) */
  int64_t dev_live;             /* ... of device memory, from the current allocator */
  ca_allocator hook;            /* a host program's allocator; alloc NULL: the pool */
  size_t hook_bytes;            /* bytes the hook gave and has not taken back */
  cu_block *hook_scratch;       /* the scratch blocks the hook gave, with their sizes */
  int n_hook_scratch, cap_hook_scratch;
  int closing;                  /* cu_backend_destroy was called */
  char last_kernel[64];         /* the latest launch, named when an asynchronous fault shows */
  const char *last_kernel_src;  /* the pointer it was copied from */
  void *xfer;                   /* transfer.cu's pinned buffers and copy threads */
  void (*xfer_destroy)(void *); /* ... and how to free them */
  void *peer;                   /* peer.cu's event and reachability table ... */
  void (*peer_destroy)(void *); /* ... and how to free it */
  void *fft;                    /* fft.cu's plan cache ... */
  void (*fft_destroy)(void *);  /* ... and how to free it */
  cu_cache_class cache[CU_CACHE_NCLASS];
  cudaStream_t cache_stream;    /* the stream the cached blocks were freed on */
  size_t cached_bytes;
};

cu_ctx *cu_ctx_of(ca_backend *be) { return (cu_ctx *)be->ctx; }
void **cu_xfer_slot(ca_backend *be, void (*destroy)(void *)) {
  cu_ctx_of(be)->xfer_destroy = destroy;
  return &cu_ctx_of(be)->xfer;
}
void **cu_peer_slot(ca_backend *be, void (*destroy)(void *)) {
  cu_ctx_of(be)->peer_destroy = destroy;
  return &cu_ctx_of(be)->peer;
}
void **cu_fft_slot(ca_backend *be, void (*destroy)(void *)) {
  cu_ctx_of(be)->fft_destroy = destroy;
  return &cu_ctx_of(be)->fft;
}
int cu_device(ca_backend *be) { return cu_ctx_of(be)->device; }
cudaMemPool_t cu_pool(ca_backend *be) { return cu_ctx_of(be)->pool; }

/* Make this backend's device current: every entry reaches here through cu_stream. */
static inline void cu_use_device(cu_ctx *c) {
  int cur = -1;
  if (cudaGetDevice(&cur) != cudaSuccess || cur != c->device) cudaSetDevice(c->device);
}

static void *driver_entry(const char *name) {
  cudaDriverEntryPointQueryResult q = cudaDriverEntryPointSymbolNotFound;
  void *fn = NULL;
  if (cudaGetDriverEntryPointByVersion(name, &fn, 12000, cudaEnableDefault, &q) != cudaSuccess ||
      q != cudaDriverEntryPointSuccess) {
    (void)cudaGetLastError();
    return NULL;
  }
  return fn;
}

/* cuDeviceGet and cuDevicePrimaryCtxGetState, looked up once per process through the runtime
 * (the module does not link the driver); NULL members when the driver lacks them. */
struct driver_calls {
  int (*device_get)(int *dev, int ordinal);
  int (*primary_state)(int dev, unsigned int *flags, int *active);
  driver_calls()
      : device_get((int (*)(int *, int))driver_entry("cuDeviceGet")),
        primary_state((int (*)(int, unsigned int *, int *))driver_entry("cuDevicePrimaryCtxGetState")) {}
};

/* Whether device `ordinal`'s primary context is running (unknown counts as running). */
static int primary_active(int ordinal) {
  static const driver_calls drv; /* immutable once made; C++ makes it once, thread-safely */
  int dev = 0, active = 1;
  unsigned int flags = 0;
  if (!drv.device_get || !drv.primary_state) return 1;
  if (drv.device_get(&dev, ordinal) != 0 || drv.primary_state(dev, &flags, &active) != 0) return 1;
  return active;
}

int cu_device_enter(int device) {
  int cur = -1;
  if (cudaGetDevice(&cur) != cudaSuccess) {
    (void)cudaGetLastError();
    cur = -1;
  }
  if (cur == device) return cur; /* the code inside may still switch: leave puts it back */
  if (cudaSetDevice(device) != cudaSuccess) (void)cudaGetLastError(); /* the calls inside report it */
  return cur >= 0 && primary_active(cur) ? cur : -1;
}

void cu_device_leave(int restore) {
  int now = -1;
  if (restore < 0) return;
  if (cudaGetDevice(&now) == cudaSuccess && now == restore) return;
  if (cudaSetDevice(restore) != cudaSuccess) (void)cudaGetLastError();
}

cudaStream_t cu_stream(ca_backend *be) {
  cu_ctx *c = cu_ctx_of(be);
  cu_use_device(c);
  return c->stream;
}

cudaStream_t cu_get_stream(ca_backend *be) { return cu_ctx_of(be)->stream; }
cudaStream_t cu_default_stream(ca_backend *be) { return cu_ctx_of(be)->own_stream; }

/* Switch the current stream (NULL: back to our own). The new stream first waits for the work
 * queued on the old one, so results made before the switch are visible after it either way. */
static void cache_flush(cu_ctx *c);

ca_status cu_set_stream(ca_backend *be, cudaStream_t s) {
  cu_ctx *c = cu_ctx_of(be);
  cudaError_t err;
  if (!s) s = c->own_stream;
  if (s == c->stream) return CA_OK;
  cu_use_device(c);
  cache_flush(c); /* the blocks go back to the pool on the stream they were freed on */
  if ((err = cudaEventRecord(c->join, c->stream)) != cudaSuccess) return cu_fail(be, "cudaEventRecord", err);
  if ((err = cudaStreamWaitEvent(s, c->join, 0)) != cudaSuccess) return cu_fail(be, "cudaStreamWaitEvent", err);
  c->stream = s;
  return CA_OK;
}

ca_status cu_fail(ca_backend *be, const char *call, cudaError_t err) {
  cu_ctx *c = cu_ctx_of(be);
  (void)cudaGetLastError(); /* clear a non-sticky error so that the next check does not see it */
  if (err == cudaErrorMemoryAllocation) {
    snprintf(be->errmsg, sizeof be->errmsg, "%s: %s", call, cudaGetErrorString(err));
    return CA_ERR_NOMEM;
  }
  if (c->last_kernel[0] && err != cudaErrorInvalidValue)
    snprintf(be->errmsg, sizeof be->errmsg, "%s: %s (last kernel launched: %s)", call,
             cudaGetErrorString(err), c->last_kernel);
  else
    snprintf(be->errmsg, sizeof be->errmsg, "%s: %s", call, cudaGetErrorString(err));
  return CA_ERR_DEVICE;
}

ca_status cu_fail_msg(ca_backend *be, ca_status st, const char *msg) {
  snprintf(be->errmsg, sizeof be->errmsg, "%s", msg);
  return st;
}

/* Records the latest kernel's name (elementwise.cu's fast path, which takes the launch's
 * status from cudaLaunchKernel, calls this alone). Names are literals: copied on change. */
extern "C" void cu_note_launch(ca_backend *be, const char *kernel);
void cu_note_launch(ca_backend *be, const char *kernel) {
  cu_ctx *c = cu_ctx_of(be);
  if (kernel != c->last_kernel_src) {
    strncpy(c->last_kernel, kernel, sizeof c->last_kernel - 1);
    c->last_kernel[sizeof c->last_kernel - 1] = 0;
    c->last_kernel_src = kernel;
  }
}

ca_status cu_check_launch(ca_backend *be, const char *kernel) {
  cu_note_launch(be, kernel);
  cudaError_t err = cudaGetLastError();
  if (err != cudaSuccess) {
    snprintf(be->errmsg, sizeof be->errmsg, "launch of %s: %s", kernel, cudaGetErrorString(err));
    return err == cudaErrorMemoryAllocation ? CA_ERR_NOMEM : CA_ERR_DEVICE;
  }
  return CA_OK;
}

static const char *cublas_status_name(cublasStatus_t st) {
  switch (st) {
  case CUBLAS_STATUS_NOT_INITIALIZED: return "CUBLAS_STATUS_NOT_INITIALIZED";
  case CUBLAS_STATUS_ALLOC_FAILED: return "CUBLAS_STATUS_ALLOC_FAILED";
  case CUBLAS_STATUS_INVALID_VALUE: return "CUBLAS_STATUS_INVALID_VALUE";
  case CUBLAS_STATUS_ARCH_MISMATCH: return "CUBLAS_STATUS_ARCH_MISMATCH";
  case CUBLAS_STATUS_EXECUTION_FAILED: return "CUBLAS_STATUS_EXECUTION_FAILED";
  case CUBLAS_STATUS_INTERNAL_ERROR: return "CUBLAS_STATUS_INTERNAL_ERROR";
  case CUBLAS_STATUS_NOT_SUPPORTED: return "CUBLAS_STATUS_NOT_SUPPORTED";
  default: return "cuBLAS error";
  }
}

/* The handle, bound to the current stream with our workspace (cublasSetStream resets the
 * workspace, so it is set again after every stream change). NULL on failure, with errmsg. */
void *cu_cublas(ca_backend *be) {
  cu_ctx *c = cu_ctx_of(be);
  cublasStatus_t st;
  cu_use_device(c);
  if (!c->cublas) {
    cudaError_t err = cudaMalloc(&c->cublas_ws, CU_CUBLAS_WORKSPACE);
    if (err != cudaSuccess) {
      c->cublas_ws = NULL;
      cu_fail(be, "cudaMalloc (cuBLAS workspace)", err);
      return NULL;
    }
    if ((st = cublasCreate(&c->cublas)) != CUBLAS_STATUS_SUCCESS) {
      c->cublas = NULL;
      cudaFree(c->cublas_ws);
      c->cublas_ws = NULL;
      snprintf(be->errmsg, sizeof be->errmsg, "cublasCreate: %s", cublas_status_name(st));
      return NULL;
    }
    c->cublas_stream = (cudaStream_t)-1;
  }
  if (c->cublas_stream != c->stream) {
    if ((st = cublasSetStream(c->cublas, c->stream)) != CUBLAS_STATUS_SUCCESS ||
        (st = cublasSetWorkspace(c->cublas, c->cublas_ws, CU_CUBLAS_WORKSPACE)) != CUBLAS_STATUS_SUCCESS) {
      snprintf(be->errmsg, sizeof be->errmsg, "cublasSetStream/cublasSetWorkspace: %s",
               cublas_status_name(st));
      return NULL;
    }
    c->cublas_stream = c->stream;
  }
  return c->cublas;
}

/* The cuSOLVER dense handle, bound to the current stream, and the default parameters of its
 * 64-bit entries. NULL on failure, with errmsg. */
void *cu_cusolver(ca_backend *be, void **params) {
  cu_ctx *c = cu_ctx_of(be);
  cusolverStatus_t st;
  cu_use_device(c);
  if (!c->cusolver) {
    if ((st = cusolverDnCreate(&c->cusolver)) != CUSOLVER_STATUS_SUCCESS) {
      c->cusolver = NULL;
      snprintf(be->errmsg, sizeof be->errmsg, "cusolverDnCreate: cuSOLVER status %d", (int)st);
      return NULL;
    }
    if ((st = cusolverDnCreateParams(&c->cusolver_params)) != CUSOLVER_STATUS_SUCCESS) {
      c->cusolver_params = NULL;
      cusolverDnDestroy(c->cusolver);
      c->cusolver = NULL;
      snprintf(be->errmsg, sizeof be->errmsg, "cusolverDnCreateParams: cuSOLVER status %d",
               (int)st);
      return NULL;
    }
    c->cusolver_stream = (cudaStream_t)-1;
  }
  if (c->cusolver_stream != c->stream) {
    if ((st = cusolverDnSetStream(c->cusolver, c->stream)) != CUSOLVER_STATUS_SUCCESS) {
      snprintf(be->errmsg, sizeof be->errmsg, "cusolverDnSetStream: cuSOLVER status %d", (int)st);
      return NULL;
    }
    c->cusolver_stream = c->stream;
  }
  if (params) *params = c->cusolver_params;
  return c->cusolver;
}

/* ---- lifetime --------------------------------------------------------------------------- */

static void teardown(cu_ctx *c) {
  cu_use_device(c);
  if (c->stream) cudaStreamSynchronize(c->stream);
  if (c->own_stream && c->own_stream != c->stream) cudaStreamSynchronize(c->own_stream);
  if (c->xfer) c->xfer_destroy(c->xfer);
  if (c->peer) c->peer_destroy(c->peer);
  if (c->fft) c->fft_destroy(c->fft);
  if (c->cusolver_params) cusolverDnDestroyParams(c->cusolver_params);
  if (c->cusolver) cusolverDnDestroy(c->cusolver);
  if (c->cublas) cublasDestroy(c->cublas);
  if (c->cublas_ws) cudaFree(c->cublas_ws);
  if (c->join) cudaEventDestroy(c->join);
  if (c->own_stream) cudaStreamDestroy(c->own_stream);
  (void)cudaGetLastError();
  for (int k = 0; k < CU_CACHE_NCLASS; k++) free(c->cache[k].blocks);
  free(c->hook_scratch);
  free(c);
}

static void release_one(cu_ctx *c) {
  if (--c->live == 0 && c->closing) teardown(c);
}

void cu_backend_destroy(ca_backend *be) {
  if (!be) return;
  cu_ctx *c = cu_ctx_of(be);
  if (c->closing) return;
  c->closing = 1;
  c->stream = c->own_stream; /* user streams may die with the Lua state */
  int restore = cu_device_enter(c->device);
  if (c->cached_bytes && c->cache_stream != c->own_stream) { /* free them on our own stream */
    cudaDeviceSynchronize();
    c->cache_stream = c->own_stream;
  }
  cache_flush(c); /* cached blocks may be the last live ones */
  if (c->live == 0) teardown(c);
  cu_device_leave(restore);
}

/* ---- memory ----------------------------------------------------------------------------- */

/* The size class of a request (-1: not cached), and its block size. */
static inline int cache_class(size_t nbytes) {
  if (nbytes > ((size_t)1 << CU_CACHE_MAXSHIFT)) return -1;
  if (nbytes <= ((size_t)1 << CU_CACHE_MINSHIFT)) return 0;
  return (64 - __builtin_clzll((unsigned long long)(nbytes - 1))) - CU_CACHE_MINSHIFT;
}
static inline size_t class_bytes(int k) { return (size_t)1 << (k + CU_CACHE_MINSHIFT); }

/* Hands every cached block back to the pool (ordered on the stream it was freed on); the
 * blocks stop counting as live. Never tears down: cu_backend_destroy checks after it. */
static void cache_flush(cu_ctx *c) {
  int64_t n = 0;
  for (int k = 0; k < CU_CACHE_NCLASS; k++) {
    cu_cache_class *cl = &c->cache[k];
    for (int i = 0; i < cl->n; i++)
      if (cudaFreeAsync(cl->blocks[i], c->cache_stream) != cudaSuccess) (void)cudaGetLastError();
    n += cl->n;
    cl->n = 0;
  }
  c->cached_bytes = 0;
  c->live -= n;
  c->dev_live -= n;
}

static ca_status hook_alloc(ca_backend *be, cu_ctx *c, size_t nbytes, void **ptr, cudaStream_t s) {
  void *p = c->hook.alloc(c->hook.ctx, nbytes, c->device, (void *)s);
  if (!p) {
    snprintf(be->errmsg, sizeof be->errmsg, "the host program's allocator has no %zu bytes on %s",
             nbytes, c->name);
    return CA_ERR_NOMEM;
  }
  if ((uintptr_t)p % CU_HOOK_ALIGN) {
    c->hook.free(c->hook.ctx, p, nbytes, c->device, (void *)s);
    snprintf(be->errmsg, sizeof be->errmsg, "the host program's allocator returned %p on %s, "
             "which is not aligned to %d bytes", p, c->name, CU_HOOK_ALIGN);
    return CA_ERR_DEVICE;
  }
  *ptr = p;
  c->live++;
  c->dev_live++;
  c->hook_bytes += nbytes;
  return CA_OK;
}

static void hook_free(cu_ctx *c, void *ptr, size_t nbytes, cudaStream_t s) {
  if (!nbytes) { /* a scratch block: its size was kept */
    for (int i = 0; i < c->n_hook_scratch; i++) {
      if (c->hook_scratch[i].p != ptr) continue;
      nbytes = c->hook_scratch[i].n;
      c->hook_scratch[i] = c->hook_scratch[--c->n_hook_scratch];
      break;
    }
  }
  c->hook.free(c->hook.ctx, ptr, nbytes, c->device, (void *)s);
  c->hook_bytes -= nbytes < c->hook_bytes ? nbytes : c->hook_bytes;
  c->dev_live--;
  release_one(c);
}

static ca_status pool_alloc(ca_backend *be, cu_ctx *c, size_t nbytes, void **ptr, cudaStream_t s) {
  if (c->hook.alloc) return hook_alloc(be, c, nbytes, ptr, s);
  cudaError_t err = cudaMallocFromPoolAsync(ptr, nbytes, c->pool, s);
  if (err != cudaSuccess) {
    *ptr = NULL;
    (void)cudaGetLastError();
    snprintf(be->errmsg, sizeof be->errmsg, "cudaMallocAsync of %zu bytes: %s", nbytes,
             cudaGetErrorString(err));
    return err == cudaErrorMemoryAllocation ? CA_ERR_NOMEM : CA_ERR_DEVICE;
  }
  c->live++;
  c->dev_live++;
  return CA_OK;
}

static ca_status cu_alloc(ca_backend *be, size_t nbytes, void **ptr) {
  cu_ctx *c = cu_ctx_of(be);
  *ptr = NULL;
  if (nbytes == 0) return CA_OK;
  cudaStream_t s = cu_stream(be);
  if (c->hook.alloc) return hook_alloc(be, c, nbytes, ptr, s);
  int k = cache_class(nbytes);
  if (k < 0) return pool_alloc(be, c, nbytes, ptr, s);
  cu_cache_class *cl = &c->cache[k];
  if (cl->n > 0 && s == c->cache_stream) {
    *ptr = cl->blocks[--cl->n];
    c->cached_bytes -= class_bytes(k);
    return CA_OK; /* still counted live */
  }
  return pool_alloc(be, c, class_bytes(k), ptr, s);
}

static void cu_free(ca_backend *be, void *ptr, size_t nbytes) {
  if (!ptr) return;
  cu_ctx *c = cu_ctx_of(be);
  cudaStream_t s = cu_stream(be);
  if (c->hook.free) {
    hook_free(c, ptr, nbytes, s);
    return;
  }
  int k = nbytes ? cache_class(nbytes) : -1;
  if (k >= 0 && !c->closing) {
    if (s != c->cache_stream && c->cached_bytes == 0) c->cache_stream = s;
    cu_cache_class *cl = &c->cache[k];
    size_t cb = class_bytes(k);
    if (s == c->cache_stream && ((size_t)cl->n * cb < CU_CACHE_CLASS_BYTES || cl->n < CU_CACHE_CLASS_MIN)) {
      if (cl->n == cl->cap) {
        int cap = cl->cap ? 2 * cl->cap : 64;
        void **nb = (void **)realloc(cl->blocks, sizeof(void *) * (size_t)cap);
        if (nb) {
          cl->blocks = nb;
          cl->cap = cap;
        }
      }
      if (cl->n < cl->cap) {
        cl->blocks[cl->n++] = ptr;
        c->cached_bytes += cb;
        return; /* stays live until flushed */
      }
    }
  }
  if (cudaFreeAsync(ptr, s) != cudaSuccess) (void)cudaGetLastError();
  c->dev_live--;
  release_one(c);
}

/* Scratch bypasses the cache (cu_scratch_free does not know the size). */
ca_status cu_scratch(ca_backend *be, size_t nbytes, void **ptr) {
  cu_ctx *c = cu_ctx_of(be);
  *ptr = NULL;
  if (nbytes == 0) return CA_OK;
  cudaStream_t s = cu_stream(be);
  if (c->hook.alloc && c->n_hook_scratch == c->cap_hook_scratch) {
    int cap = c->cap_hook_scratch ? 2 * c->cap_hook_scratch : 8;
    cu_block *nb = (cu_block *)realloc(c->hook_scratch, sizeof(cu_block) * (size_t)cap);
    if (!nb) return cu_fail_msg(be, CA_ERR_NOMEM, "out of host memory");
    c->hook_scratch = nb;
    c->cap_hook_scratch = cap;
  }
  ca_status st = pool_alloc(be, c, nbytes, ptr, s);
  if (st == CA_OK && c->hook.alloc) {
    c->hook_scratch[c->n_hook_scratch].p = *ptr;
    c->hook_scratch[c->n_hook_scratch++].n = nbytes;
  }
  return st;
}
void cu_scratch_free(ca_backend *be, void *ptr) { cu_free(be, ptr, 0); }

static ca_status cu_mem_info(ca_backend *be, size_t *used, size_t *cached, size_t *free_bytes) {
  cu_ctx *c = cu_ctx_of(be);
  uint64_t u = 0, r = 0;
  size_t fr = 0, tot = 0;
  cudaError_t err;
  cu_use_device(c);
  if (c->hook.alloc) { /* the pool holds nothing of ours */
    if ((err = cudaMemGetInfo(&fr, &tot)) != cudaSuccess) return cu_fail(be, "cudaMemGetInfo", err);
    if (used) *used = c->hook_bytes;
    if (cached) *cached = 0;
    if (free_bytes) *free_bytes = fr;
    return CA_OK;
  }
  if ((err = cudaMemPoolGetAttribute(c->pool, cudaMemPoolAttrUsedMemCurrent, &u)) != cudaSuccess)
    return cu_fail(be, "cudaMemPoolGetAttribute", err);
  if ((err = cudaMemPoolGetAttribute(c->pool, cudaMemPoolAttrReservedMemCurrent, &r)) != cudaSuccess)
    return cu_fail(be, "cudaMemPoolGetAttribute", err);
  if ((err = cudaMemGetInfo(&fr, &tot)) != cudaSuccess) return cu_fail(be, "cudaMemGetInfo", err);
  uint64_t mine = c->cached_bytes < u ? c->cached_bytes : u; /* in the pool's "used" */
  if (used) *used = (size_t)(u - mine);
  if (cached) *cached = (size_t)((r > u ? r - u : 0) + mine);
  if (free_bytes) *free_bytes = fr;
  return CA_OK;
}

static void cu_trim(ca_backend *be) {
  cu_ctx *c = cu_ctx_of(be);
  cu_use_device(c);
  cache_flush(c);
  cudaDeviceSynchronize();
  cudaMemPoolTrimTo(c->pool, 0);
  (void)cudaGetLastError();
}

static ca_status cu_host_alloc(ca_backend *be, size_t nbytes, void **ptr) {
  cu_ctx *c = cu_ctx_of(be);
  *ptr = NULL;
  if (nbytes == 0) return CA_OK;
  cu_use_device(c);
  cudaError_t err = cudaMallocHost(ptr, nbytes);
  if (err != cudaSuccess) {
    *ptr = NULL;
    return cu_fail(be, "cudaMallocHost", err);
  }
  c->live++;
  return CA_OK;
}

static void cu_host_free(ca_backend *be, void *ptr) {
  if (!ptr) return;
  cu_ctx *c = cu_ctx_of(be);
  if (cudaFreeHost(ptr) != cudaSuccess) (void)cudaGetLastError();
  release_one(c);
}

/* Only between allocators: a block goes back to the allocator that gave it. The cached
 * blocks go back to the pool first. */
static ca_status cu_set_allocator(ca_backend *be, const ca_allocator *a) {
  cu_ctx *c = cu_ctx_of(be);
  cu_use_device(c);
  cache_flush(c);
  if (c->dev_live > 0) {
    snprintf(be->errmsg, sizeof be->errmsg, "%s: %lld block%s from the current allocator still "
             "in use: set the allocator before the first array there, or free them first", c->name,
             (long long)c->dev_live, c->dev_live == 1 ? "" : "s");
    return CA_ERR_VALUE;
  }
  if (a && (!a->alloc || !a->free))
    return cu_fail_msg(be, CA_ERR_VALUE, "the allocator needs both alloc and free");
  memset(&c->hook, 0, sizeof c->hook);
  if (a) c->hook = *a;
  return CA_OK;
}

/* A host program's stream, which must belong to this device. */
static ca_status cu_set_stream_entry(ca_backend *be, void *stream) {
  cu_ctx *c = cu_ctx_of(be);
  if (stream) {
    int dev = -1;
    cudaError_t err = cudaStreamGetDevice((cudaStream_t)stream, &dev);
    if (err != cudaSuccess) return cu_fail(be, "cudaStreamGetDevice", err);
    if (dev != c->device) {
      snprintf(be->errmsg, sizeof be->errmsg, "the stream belongs to cuda:%d, not to %s", dev, c->name);
      return CA_ERR_VALUE;
    }
  }
  return cu_set_stream(be, (cudaStream_t)stream);
}

/* Waits for the work on the current stream; a kernel fault shows here. */
static ca_status cu_synchronize(ca_backend *be) {
  cudaError_t err = cudaStreamSynchronize(cu_stream(be));
  if (err != cudaSuccess) return cu_fail(be, "cudaStreamSynchronize", err);
  return CA_OK;
}

/* ---- creation --------------------------------------------------------------------------- */

static ca_status open_fail(char *errbuf, size_t errlen, const char *call, cudaError_t err) {
  if (errbuf && errlen) snprintf(errbuf, errlen, "%s: %s", call, cudaGetErrorString(err));
  (void)cudaGetLastError();
  return err == cudaErrorMemoryAllocation ? CA_ERR_NOMEM : CA_ERR_DEVICE;
}

/* cudaPointerGetAttributes: since CUDA 11 an unknown host pointer is a success with type
 * cudaMemoryTypeUnregistered; an error also means memory the driver does not know. */
static ca_status cu_pointer_kind(ca_backend *be, const void *ptr, int *kind, int *device) {
  (void)be;
  cudaPointerAttributes at;
  memset(&at, 0, sizeof at);
  *kind = CA_MEM_HOST;
  *device = -1;
  if (cudaPointerGetAttributes(&at, ptr) != cudaSuccess) {
    (void)cudaGetLastError();
    return CA_OK;
  }
  switch (at.type) {
  case cudaMemoryTypeDevice: *kind = CA_MEM_DEVICE; *device = at.device; break;
  case cudaMemoryTypeManaged: *kind = CA_MEM_MANAGED; *device = at.device; break;
  case cudaMemoryTypeHost: *kind = CA_MEM_PINNED; break;
  default: break;
  }
  return CA_OK;
}

ca_status cu_context_open(int ordinal, ca_backend **out, char *errbuf, size_t errlen) {
  cudaError_t err;
  const char *call = NULL;
  int n = 0, pools = 0;
  *out = NULL;
  if ((err = cudaGetDeviceCount(&n)) != cudaSuccess) return open_fail(errbuf, errlen, "cudaGetDeviceCount", err);
  if (ordinal < 0 || ordinal >= n) return open_fail(errbuf, errlen, "cudaSetDevice", cudaErrorInvalidDevice);
  cu_ctx *c = (cu_ctx *)calloc(1, sizeof *c);
  if (!c) {
    if (errbuf && errlen) snprintf(errbuf, errlen, "out of host memory");
    return CA_ERR_NOMEM;
  }
  ca_backend *be = &c->be;
  be->ctx = c;
  c->device = ordinal;
  snprintf(c->name, sizeof c->name, "cuda:%d", ordinal);
  be->name = c->name;
  be->device = ordinal;
  be->alloc = cu_scoped<cu_alloc>::call;
  be->free = cu_scoped<cu_free>::call;
  be->mem_info = cu_scoped<cu_mem_info>::call;
  be->trim = cu_scoped<cu_trim>::call;
  be->host_alloc = cu_scoped<cu_host_alloc>::call;
  be->host_free = cu_scoped<cu_host_free>::call;
  be->synchronize = cu_scoped<cu_synchronize>::call;
  be->set_stream = cu_scoped<cu_set_stream_entry>::call;
  be->set_allocator = cu_scoped<cu_set_allocator>::call;
  be->pointer_kind = cu_pointer_kind; /* asks about a pointer: no device of its own */
  int restore = cu_device_enter(ordinal);

  uint64_t threshold = UINT64_MAX;
  if ((err = cudaSetDevice(ordinal)) != cudaSuccess) { call = "cudaSetDevice"; goto fail; }
  if ((err = cudaDeviceGetAttribute(&pools, cudaDevAttrMemoryPoolsSupported, ordinal)) != cudaSuccess) {
    call = "cudaDeviceGetAttribute";
    goto fail;
  }
  if (!pools) {
    err = cudaErrorNotSupported;
    call = "cudaDevAttrMemoryPoolsSupported";
    goto fail;
  }
  if ((err = cudaDeviceGetDefaultMemPool(&c->pool, ordinal)) != cudaSuccess) {
    call = "cudaDeviceGetDefaultMemPool";
    goto fail;
  }
  /* Keep freed blocks cached: without this the pool gives memory back at every sync. */
  if ((err = cudaMemPoolSetAttribute(c->pool, cudaMemPoolAttrReleaseThreshold, &threshold)) != cudaSuccess) {
    call = "cudaMemPoolSetAttribute";
    goto fail;
  }
  if ((err = cudaStreamCreateWithFlags(&c->own_stream, cudaStreamNonBlocking)) != cudaSuccess) {
    c->own_stream = NULL;
    call = "cudaStreamCreateWithFlags";
    goto fail;
  }
  c->stream = c->own_stream;
  if ((err = cudaEventCreateWithFlags(&c->join, cudaEventDisableTiming)) != cudaSuccess) {
    c->join = NULL;
    call = "cudaEventCreateWithFlags";
    goto fail;
  }
  *out = be;
  cu_device_leave(restore);
  return CA_OK;
fail: {
  ca_status st = open_fail(errbuf, errlen, call, err);
  teardown(c);
  cu_device_leave(restore);
  return st;
}
}

