/* The CUDA backend's table: the context (context.cu, with its memory entries) plus the entries
 * of every other file. The only file that names them all, so that the files depend on the
 * context and this file on them, never the other way round. */
#include "cuda_internal.h"
#include "device_scope.cuh"

/* Every entry runs inside a device scope: the caller's current device survives the call. */
ca_status cu_backend_open(int ordinal, ca_backend **out, char *errbuf, size_t errlen) {
  ca_status st = cu_context_open(ordinal, out, errbuf, errlen);
  if (st != CA_OK) return st;
  ca_backend *be = *out;
  be->upload = cu_scoped<cu_upload>::call;
  be->download = cu_scoped<cu_download>::call;
  be->copy_from_peer = cu_scoped<cu_copy_from_peer>::call;
  be->copy = cu_scoped<cu_copy>::call;
  be->unary = cu_scoped<cu_unary>::call;
  be->binary = cu_scoped<cu_binary>::call;
  be->where = cu_scoped<cu_where>::call;
  be->reduce = cu_scoped<cu_reduce>::call;
  be->scan = cu_scoped<cu_scan>::call;
  be->matmul = cu_scoped<cu_matmul>::call;
  be->fft = cu_scoped<cu_fft>::call;
  be->fft_real_last_first = 1;
  be->getrf = cu_scoped<cu_getrf>::call;
  be->gesv = cu_scoped<cu_gesv>::call;
  be->potrf = cu_scoped<cu_potrf>::call;
  be->geqrf = cu_scoped<cu_geqrf>::call;
  be->orgqr = cu_scoped<cu_orgqr>::call;
  be->syevd = cu_scoped<cu_syevd>::call;
  be->gesvd = cu_scoped<cu_gesvd>::call;
  be->geev = cu_scoped<cu_geev>::call;
  be->random = cu_scoped<cu_random>::call;
  be->index_offsets = cu_scoped<cu_index_offsets>::call;
  be->gather = cu_scoped<cu_gather>::call;
  be->scatter = cu_scoped<cu_scatter>::call;
  be->nonzero = cu_scoped<cu_nonzero>::call;
  be->gather_index = cu_scoped<cu_gather_index>::call;
  be->scatter_index = cu_scoped<cu_scatter_index>::call;
  be->count_true = cu_scoped<cu_count_true>::call;
  be->compress = cu_scoped<cu_compress>::call;
  be->sort = cu_scoped<cu_sort>::call;
  be->searchsorted = cu_scoped<cu_searchsorted>::call;
  be->bincount = cu_scoped<cu_bincount>::call;
  be->histogram = cu_scoped<cu_histogram>::call;
  be->unique = cu_scoped<cu_unique>::call;
  be->scatter_add = cu_scoped<cu_scatter_add>::call;
  return CA_OK;
}
