/* Shared by the CUDA backend's translation units (the cuda/ .cu files, compiled by nvcc as C++, and
 * cuda/l_cuda.c, the Lua binding, compiled by the C compiler). No Lua header here: only
 * l_cuda.c talks to Lua. Backend entries return ca_status and never throw or longjmp. */
#ifndef CA_CUDA_INTERNAL_H
#define CA_CUDA_INTERNAL_H

#include <cuda_runtime_api.h>
#include "../src/backend.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Everything declared here is defined in this module and hidden: a file missing from the
 * link is a link-time error ("hidden symbol ... isn't defined"), not a symbol left for the
 * loader to miss at run time. */
#pragma GCC visibility push(hidden)

typedef struct cu_ctx cu_ctx; /* defined in cuda/context.cu */

/* The context behind a CUDA backend (be->ctx): device ordinal, current stream, cuBLAS
 * handle and workspace, cuSOLVER handle, the memory pool. */
cu_ctx *cu_ctx_of(ca_backend *be);
cudaStream_t cu_stream(ca_backend *be);
int cu_device(ca_backend *be);
void *cu_cublas(ca_backend *be);          /* cublasHandle_t, bound to the current stream */
/* cusolverDnHandle_t bound to the current stream; *params (if asked) gets the context's
 * cusolverDnParams_t for the 64-bit entries. */
void *cu_cusolver(ca_backend *be, void **params);

/* Temporary device memory ordered on the current stream (CUB temp storage, flags). */
ca_status cu_scratch(ca_backend *be, size_t nbytes, void **ptr);
void cu_scratch_free(ca_backend *be, void *ptr);

/* Record a failure: writes "<call>: <status string>" into be->errmsg and returns
 * CA_ERR_DEVICE (or CA_ERR_NOMEM for an allocation failure). */
ca_status cu_fail(ca_backend *be, const char *call, cudaError_t err);
ca_status cu_fail_msg(ca_backend *be, ca_status st, const char *msg);
/* Checks the launch that just happened (cudaGetLastError). */
ca_status cu_check_launch(ca_backend *be, const char *kernel);

/* Entries of the backend table, one group per file. */
ca_status cu_copy(ca_backend *be, const ca_loop *l);                      /* copy.cu */
ca_status cu_unary(ca_backend *be, int op, const ca_loop *l);            /* elementwise.cu */
ca_status cu_binary(ca_backend *be, int op, const ca_loop *l);           /* elementwise.cu */
ca_status cu_where(ca_backend *be, const ca_loop *l);                    /* elementwise.cu */
ca_status cu_reduce(ca_backend *be, int op, const ca_reduction *r);      /* reduce.cu */
ca_status cu_scan(ca_backend *be, int op, const ca_reduction *r);        /* scan.cu */
ca_status cu_matmul(ca_backend *be, const ca_matmul *m);                 /* blas.cu */
ca_status cu_fft(ca_backend *be, const ca_fft *f);                       /* fft.cu */
ca_status cu_getrf(ca_backend *be, const ca_lapack *l);                  /* solver.cu */
ca_status cu_gesv(ca_backend *be, const ca_lapack *l);                   /* solver.cu */
ca_status cu_potrf(ca_backend *be, const ca_lapack *l);                  /* solver.cu */
ca_status cu_geqrf(ca_backend *be, const ca_lapack *l);                  /* solver.cu */
ca_status cu_orgqr(ca_backend *be, const ca_lapack *l);                  /* solver.cu */
ca_status cu_syevd(ca_backend *be, const ca_lapack *l);                  /* solver.cu */
ca_status cu_gesvd(ca_backend *be, const ca_lapack *l);                  /* solver.cu */
ca_status cu_geev(ca_backend *be, const ca_lapack *l);                   /* solver.cu */
ca_status cu_random(ca_backend *be, int dist, void *out, int dtype, int64_t n,
                    ca_value p1, ca_value p2, uint64_t seed, uint64_t counter,
                    const double *aux, int64_t naux);                    /* random.cu */
ca_status cu_random_dist(ca_backend *be, int dist, void *out, int dtype, int64_t n,
                         ca_value p1, ca_value p2, uint64_t seed, uint64_t counter,
                         const double *aux, int64_t naux);         /* random_dists.cu */
ca_status cu_index_offsets(ca_backend *be, const ca_loop *l, int64_t size, int64_t stride,
                           int accumulate, int64_t *bad);                /* index.cu */
ca_status cu_gather(ca_backend *be, const ca_loop *l);                   /* index.cu */
ca_status cu_scatter(ca_backend *be, const ca_loop *l);                  /* index.cu */
ca_status cu_gather_index(ca_backend *be, const ca_loop *l, int64_t size, int64_t stride,
                          int64_t *bad);                                 /* index.cu */
ca_status cu_scatter_index(ca_backend *be, const ca_loop *l, int64_t size, int64_t stride,
                           int64_t *bad);                                /* index.cu */
ca_status cu_count_true(ca_backend *be, const void *flags, int64_t n, int64_t *count);
                                                                         /* select.cu */
ca_status cu_compress(ca_backend *be, const ca_loop *l, int64_t count);  /* select.cu */
ca_status cu_nonzero(ca_backend *be, const ca_loop *l, int64_t count);   /* select.cu */
ca_status cu_sort(ca_backend *be, const ca_sort *s);                      /* sort.cu */
ca_status cu_unique(ca_backend *be, int dtype, const void *sorted, int64_t n, int equal_nan,
                    void *values, int64_t *starts, int64_t *count);      /* sort.cu */
ca_status cu_searchsorted(ca_backend *be, int dtype, const void *sorted, int64_t n,
                          const void *values, int64_t m, int right, int64_t *out); /* search.cu */
ca_status cu_bincount(ca_backend *be, int dtype, const void *x, int64_t n,
                      const double *weights, int64_t nbins, void *out,
                      int64_t *range);                                   /* search.cu */
ca_status cu_histogram(ca_backend *be, const ca_histogram *h);           /* search.cu */
ca_status cu_scatter_add(ca_backend *be, int dtype, void *base, const int64_t *offs,
                         const void *vals, int64_t n);                   /* search.cu */

/* ---- additions (context.cu, transfer.cu) ---------------------------------------------- */

/* backend.cu: the backend for device `ordinal` ("cuda:N", every entry filled); writes why it
 * failed into errbuf. context.cu: the context alone (the memory entries filled). Destroy
 * marks the backend closing; it is really torn down once its last allocation (device or
 * pinned host) is freed, so arrays that Lua finalizes after the module's state stay valid. */
ca_status cu_backend_open(int ordinal, ca_backend **out, char *errbuf, size_t errlen);
ca_status cu_context_open(int ordinal, ca_backend **out, char *errbuf, size_t errlen);
void cu_backend_destroy(ca_backend *be);

/* The current stream without switching devices (cu_stream also makes the device current),
 * the backend's own non-blocking stream, and switching: the new stream first waits for the
 * work queued on the old one. NULL selects the backend's own stream again. */
cudaStream_t cu_get_stream(ca_backend *be);
cudaStream_t cu_default_stream(ca_backend *be);
ca_status cu_set_stream(ca_backend *be, cudaStream_t s);

/* Device scopes. cu_device_enter makes `device` current and returns the caller's device, or -1
 * when it must not come back (a device whose primary context was never started: restoring it
 * would start one); cu_device_leave makes it current again if it no longer is, whatever the
 * code inside switched to. Every entry of the backend table and every Lua function of the
 * module that touches a device runs inside one, so the caller's current device survives any
 * call: a program embedding Lua may run CUDA work of its own on the same thread. */
int cu_device_enter(int device);
void cu_device_leave(int restore);

/* The backend's memory pool (cudaMallocAsync's default pool of its device). */
cudaMemPool_t cu_pool(ca_backend *be);

/* peer.cu: the copy_from_peer entry; its state hangs off the context (cu_peer_slot, which
 * also records how teardown frees it). cu_can_access_peer: 1 when devices a and b can reach
 * each other's memory directly (both ways). cu_peer_open opens that path (pool memory
 * included) when there is one, and does nothing otherwise: NCCL driving several devices of one
 * process reads and writes the other devices' arrays directly. Both change the current device. */
ca_status cu_copy_from_peer(ca_backend *be, void *dst, ca_backend *from, const void *src, size_t nbytes);
ca_status cu_peer_open(ca_backend *a, ca_backend *b);
void **cu_peer_slot(ca_backend *be, void (*destroy)(void *));
int cu_can_access_peer(int a, int b);

/* transfer.cu: the upload/download entries; their pinned staging state hangs off the
 * context (cu_xfer_slot, which also records how teardown frees it: cu_xfer_destroy). */
ca_status cu_upload(ca_backend *be, void *dst, const void *host_src, size_t nbytes);
ca_status cu_download(ca_backend *be, void *host_dst, const void *src, size_t nbytes);
void **cu_xfer_slot(ca_backend *be, void (*destroy)(void *));
void cu_xfer_destroy(void *xfer);

/* fft.cu: the cuFFT plan cache hangs off the context (cu_fft_slot, which also records how
 * teardown frees it); cu_fft_clear destroys every cached plan of the backend, after the work
 * queued on its current stream. */
void **cu_fft_slot(ca_backend *be, void (*destroy)(void *));
void cu_fft_clear(ca_backend *be);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif
