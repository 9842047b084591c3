/* Shared by the CUDA backend's translation units (cuda/*.cu, compiled by nvcc as C++, and
 * cuda/l_cuda.c, the Lua binding, compiled by the C compiler). No Lua header here: only
 * l_cuda.c talks to Lua. Backend entries return ca_status and never throw or longjmp. */
#ifndef CA_CUDA_INTERNAL_H
#define CA_CUDA_INTERNAL_H

#include <cuda_runtime_api.h>
#include "../src/backend.h"

#ifdef __cplusplus
extern "C" {
#endif

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
ca_status cu_copy(ca_backend *be, const ca_loop *l);                      /* elementwise.cu */
ca_status cu_unary(ca_backend *be, int op, const ca_loop *l);            /* elementwise.cu */
ca_status cu_binary(ca_backend *be, int op, const ca_loop *l);           /* elementwise.cu */
ca_status cu_where(ca_backend *be, const ca_loop *l);                    /* elementwise.cu */
ca_status cu_reduce(ca_backend *be, int op, const ca_reduction *r);      /* reduce.cu */
ca_status cu_scan(ca_backend *be, int op, const ca_reduction *r);        /* reduce.cu */
ca_status cu_matmul(ca_backend *be, const ca_matmul *m);                 /* blas.cu */
ca_status cu_random(ca_backend *be, int dist, void *out, int dtype, int64_t n,
                    double p1, double p2, uint64_t seed, uint64_t counter); /* random.cu */
ca_status cu_index_offsets(ca_backend *be, const ca_loop *l, int64_t size, int64_t stride,
                           int accumulate, int64_t *bad);                /* index.cu */
ca_status cu_gather(ca_backend *be, const ca_loop *l);                   /* index.cu */
ca_status cu_scatter(ca_backend *be, const ca_loop *l);                  /* index.cu */
ca_status cu_nonzero(ca_backend *be, const ca_loop *l, int64_t count);   /* index.cu */

#ifdef __cplusplus
}
#endif

#endif
