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
 * handle and workspace, the memory pool. */
cu_ctx *cu_ctx_of(ca_backend *be);
cudaStream_t cu_stream(ca_backend *be);
int cu_device(ca_backend *be);
void *cu_cublas(ca_backend *be);          /* cublasHandle_t, bound to the current stream */

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
ca_status cu_random(ca_backend *be, int dist, void *out, int dtype, int64_t n,
                    ca_value p1, ca_value p2, uint64_t seed, uint64_t counter); /* random.cu */
ca_status cu_index_offsets(ca_backend *be, const ca_loop *l, int64_t size, int64_t stride,
                           int accumulate, int64_t *bad);                /* index.cu */
ca_status cu_gather(ca_backend *be, const ca_loop *l);                   /* index.cu */
ca_status cu_scatter(ca_backend *be, const ca_loop *l);                  /* index.cu */
ca_status cu_nonzero(ca_backend *be, const ca_loop *l, int64_t count);   /* index.cu */

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

/* transfer.cu: the upload/download entries; their pinned staging state hangs off the
 * context (cu_xfer_slot, which also records how teardown frees it: cu_xfer_destroy). */
ca_status cu_upload(ca_backend *be, void *dst, const void *host_src, size_t nbytes);
ca_status cu_download(ca_backend *be, void *host_dst, const void *src, size_t nbytes);
void **cu_xfer_slot(ca_backend *be, void (*destroy)(void *));
void cu_xfer_destroy(void *xfer);

/* l_kernel.c: adds the private functions of user kernels (_jit_*) to the module table on top
 * of the stack. */
struct lua_State;
void cu_open_kernel(struct lua_State *L);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif
