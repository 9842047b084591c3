/* The CUDA backend's table: the context (context.cu, with its memory entries) plus the entries
 * of every other file. The only file that names them all, so that the files depend on the
 * context and this file on them, never the other way round. */
#include "cuda_internal.h"

ca_status cu_backend_open(int ordinal, ca_backend **out, char *errbuf, size_t errlen) {
  ca_status st = cu_context_open(ordinal, out, errbuf, errlen);
  if (st != CA_OK) return st;
  ca_backend *be = *out;
  be->upload = cu_upload;
  be->download = cu_download;
  be->copy = cu_copy;
  be->unary = cu_unary;
  be->binary = cu_binary;
  be->where = cu_where;
  be->reduce = cu_reduce;
  be->scan = cu_scan;
  be->matmul = cu_matmul;
  be->random = cu_random;
  be->index_offsets = cu_index_offsets;
  be->gather = cu_gather;
  be->scatter = cu_scatter;
  be->nonzero = cu_nonzero;
  be->sort = cu_sort;
  be->searchsorted = cu_searchsorted;
  be->bincount = cu_bincount;
  be->scatter_add = cu_scatter_add;
  return CA_OK;
}
