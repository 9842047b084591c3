/* The fft entry (ca_fft in src/backend.h) on cuFFT.
 *
 * One cuFFT plan does the whole transform when cuFFT's advanced data layout can describe the
 * operands: the transformed dims nested by whole multiples (inembed) of a positive innermost
 * stride, and the batch dims, once coalesced, one count with one distance; any outer batch dims
 * left are a loop of executions of the same plan at offsets. An input it cannot describe
 * (negative, zero or interleaved strides) is first copied into a C-ordered buffer by the copy entry,
 * and so is every C2R input, which cuFFT overwrites. An output it cannot describe is written to
 * such a buffer and copied out. The scale (1/n, 1/sqrt(n)) is one pass over the output by the
 * binary entry (multiply by a scalar), skipped when it is 1; its view coalesced, a contiguous
 * output is one run of reals, which that entry's vectorised fast path takes.
 *
 * Plans are cached per device context, keyed by everything that made them (type, lengths,
 * layout, batch) and by the stream they are bound to (cufftSetStream at creation), so that two
 * streams never share a plan's workspace; at most CU_FFT_PLANS of them, the least recently used
 * going first. Each plan owns its workspace (cuFFT's automatic allocation). */
#include <cufft.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cuda_internal.h"

#define CU_FFT_PLANS 16

namespace {

struct plan_key {
  int type; /* cufftType */
  int rank;
  long long n[CA_FFT_MAXRANK], inembed[CA_FFT_MAXRANK], onembed[CA_FFT_MAXRANK];
  long long istride, idist, ostride, odist, batch;
  cudaStream_t stream;
};

struct plan_entry {
  plan_key key;
  cufftHandle plan;
  unsigned long long used; /* the cache's clock at the last use; 0: the slot is free */
};

struct plan_cache {
  plan_entry e[CU_FFT_PLANS];
  unsigned long long clock;
};

const char *cufft_name(cufftResult r) {
  switch (r) {
  case CUFFT_SUCCESS: return "CUFFT_SUCCESS";
  case CUFFT_INVALID_PLAN: return "CUFFT_INVALID_PLAN";
  case CUFFT_ALLOC_FAILED: return "CUFFT_ALLOC_FAILED";
  case CUFFT_INVALID_TYPE: return "CUFFT_INVALID_TYPE";
  case CUFFT_INVALID_VALUE: return "CUFFT_INVALID_VALUE";
  case CUFFT_INTERNAL_ERROR: return "CUFFT_INTERNAL_ERROR";
  case CUFFT_EXEC_FAILED: return "CUFFT_EXEC_FAILED";
  case CUFFT_SETUP_FAILED: return "CUFFT_SETUP_FAILED";
  case CUFFT_INVALID_SIZE: return "CUFFT_INVALID_SIZE";
  case CUFFT_UNALIGNED_DATA: return "CUFFT_UNALIGNED_DATA";
  case CUFFT_INVALID_DEVICE: return "CUFFT_INVALID_DEVICE";
  case CUFFT_NO_WORKSPACE: return "CUFFT_NO_WORKSPACE";
  case CUFFT_NOT_IMPLEMENTED: return "CUFFT_NOT_IMPLEMENTED";
  case CUFFT_NOT_SUPPORTED: return "CUFFT_NOT_SUPPORTED";
  default: return "unknown cuFFT status";
  }
}

ca_status fft_fail(ca_backend *be, const char *call, cufftResult r) {
  snprintf(be->errmsg, sizeof be->errmsg, "%s: %s", call, cufft_name(r));
  return r == CUFFT_ALLOC_FAILED ? CA_ERR_NOMEM : CA_ERR_DEVICE;
}

void cache_destroy(void *p) {
  plan_cache *c = (plan_cache *)p;
  for (int k = 0; k < CU_FFT_PLANS; k++)
    if (c->e[k].used) cufftDestroy(c->e[k].plan);
  free(c);
}

plan_cache *cache_of(ca_backend *be) {
  void **slot = cu_fft_slot(be, cache_destroy);
  if (!*slot) *slot = calloc(1, sizeof(plan_cache));
  return (plan_cache *)*slot;
}

void evict(plan_entry *e) {
  cufftDestroy(e->plan);
  memset(e, 0, sizeof *e);
}

/* The cached plan for key, made (and bound to key.stream) when there is none. */
ca_status get_plan(ca_backend *be, const plan_key *key, cufftHandle *out) {
  plan_cache *c = cache_of(be);
  if (!c) return cu_fail_msg(be, CA_ERR_NOMEM, "fft: no memory for the plan cache");
  plan_entry *victim = &c->e[0];
  for (int k = 0; k < CU_FFT_PLANS; k++) {
    plan_entry *e = &c->e[k];
    if (e->used && memcmp(&e->key, key, sizeof *key) == 0) {
      e->used = ++c->clock;
      *out = e->plan;
      return CA_OK;
    }
    if (e->used < victim->used) victim = e;
  }
  if (victim->used) evict(victim);
  long long n[CA_FFT_MAXRANK], inembed[CA_FFT_MAXRANK], onembed[CA_FFT_MAXRANK];
  memcpy(n, key->n, sizeof n);
  memcpy(inembed, key->inembed, sizeof inembed);
  memcpy(onembed, key->onembed, sizeof onembed);
  cufftResult r = CUFFT_SUCCESS;
  for (int attempt = 0; attempt < 2; attempt++) {
    cufftHandle h;
    size_t ws = 0;
    if ((r = cufftCreate(&h)) != CUFFT_SUCCESS) return fft_fail(be, "cufftCreate", r);
    r = cufftMakePlanMany64(h, key->rank, n, inembed, key->istride, key->idist, onembed,
                            key->ostride, key->odist, (cufftType)key->type, key->batch, &ws);
    if (r == CUFFT_SUCCESS) r = cufftSetStream(h, key->stream);
    if (r == CUFFT_SUCCESS) {
      victim->key = *key;
      victim->plan = h;
      victim->used = ++c->clock;
      *out = h;
      return CA_OK;
    }
    cufftDestroy(h);
    if (r != CUFFT_ALLOC_FAILED) break;
    /* the cached plans' workspaces may be what is missing */
    for (int k = 0; k < CU_FFT_PLANS; k++)
      if (c->e[k].used) evict(&c->e[k]);
  }
  return fft_fail(be, "cufftMakePlanMany64", r);
}

/* An operand's layout as cuFFT sees it. */
struct layout {
  long long embed[CA_FFT_MAXRANK], stride, dist;
};

/* The layout of the `rank` trailing dims of (shape, st), or 0 when cuFFT's advanced layout
 * cannot describe them or a batch dim's stride. */
int describe(const int64_t *shape, const int64_t *st, int ndim, int rank, layout *out) {
  int first = ndim - rank;
  /* batch strides become distances: positive ones only (a broadcast input is copied) */
  for (int k = 0; k < first; k++)
    if (shape[k] > 1 && st[k] <= 0) return 0;
  int64_t inner = st[ndim - 1];
  if (inner <= 0) return 0;
  out->stride = inner;
  out->embed[0] = shape[first];
  for (int k = ndim - 1; k > first; k--) {
    /* dim k-1 steps over whole rows of dim k, each at least as long as the row */
    if (st[k] <= 0 || st[k - 1] % st[k] != 0 || st[k - 1] / st[k] < shape[k]) return 0;
    out->embed[k - first] = st[k - 1] / st[k];
  }
  return 1;
}

/* The view (data, C-ordered strides) of a scratch copy of an operand of `shape`. */
void c_strides(const int64_t *shape, int ndim, int64_t *st) {
  int64_t s = 1;
  for (int k = ndim - 1; k >= 0; k--) {
    st[k] = s;
    s *= shape[k];
  }
}

int64_t count_of(const int64_t *shape, int ndim) {
  int64_t c = 1;
  for (int k = 0; k < ndim; k++) c *= shape[k];
  return c;
}

/* A loop over views of `real` elements (pairs when cplx: a trailing dim of 2). */
void view_loop(ca_loop *l, int real, int cplx, const int64_t *shape, int ndim, int nop) {
  memset(l, 0, sizeof *l);
  l->ndim = ndim + (cplx ? 1 : 0);
  l->nop = nop;
  l->compute = real;
  l->size = cplx ? 2 : 1;
  for (int k = 0; k < ndim; k++) {
    l->shape[k] = shape[k];
    l->size *= shape[k];
  }
  if (cplx) l->shape[ndim] = 2;
}

/* Operand i of such a loop: data with `st` (strides in elements of the view). */
void view_operand(ca_loop *l, int i, int cplx, char *data, const int64_t *st, int ndim) {
  int w = cplx ? 2 : 1;
  for (int k = 0; k < ndim; k++) l->op[i].strides[k] = st[k] * w;
  if (cplx) l->op[i].strides[ndim] = 1;
  l->op[i].data = data;
  l->op[i].dtype = l->compute;
}

/* Merges the adjacent dims of a loop whose strides chain in every operand with data, as the
 * core does for its own loops: a contiguous complex output, shape (n, 2),
 * becomes one run of 2n reals, which the elementwise fast path takes. */
void coalesce(ca_loop *l) {
  int nd = 0;
  for (int k = 0; k < l->ndim; k++) {
    bool chains = nd > 0;
    for (int q = 0; q < l->nop && chains; q++)
      if (l->op[q].data && l->op[q].strides[nd - 1] != l->op[q].strides[k] * l->shape[k]) chains = false;
    if (chains) {
      l->shape[nd - 1] *= l->shape[k];
      for (int q = 0; q < l->nop; q++) l->op[q].strides[nd - 1] = l->op[q].strides[k];
      continue;
    }
    l->shape[nd] = l->shape[k];
    for (int q = 0; q < l->nop; q++) l->op[q].strides[nd] = l->op[q].strides[k];
    nd++;
  }
  l->ndim = nd;
}

/* dst = src through the copy entry. */
ca_status copy_view(ca_backend *be, int real, int cplx, const int64_t *shape, int ndim, char *dst,
                    const int64_t *ds, const char *src, const int64_t *ss) {
  ca_loop l;
  view_loop(&l, real, cplx, shape, ndim, 2);
  view_operand(&l, 0, cplx, dst, ds, ndim);
  view_operand(&l, 1, cplx, (char *)src, ss, ndim);
  coalesce(&l);
  return cu_copy(be, &l);
}

/* x *= k in place through the binary entry (multiply by a scalar). */
ca_status scale_view(ca_backend *be, int real, int cplx, const int64_t *shape, int ndim, char *x,
                     const int64_t *xs, double k) {
  ca_loop l;
  view_loop(&l, real, cplx, shape, ndim, 3);
  view_operand(&l, 0, cplx, x, xs, ndim);
  view_operand(&l, 1, cplx, x, xs, ndim);
  l.op[2].data = NULL;
  l.op[2].dtype = real;
  l.op[2].value.f = k;
  coalesce(&l);
  return cu_binary(be, CA_OP_multiply, &l);
}

cufftResult exec(cufftHandle p, int type, const char *in, char *out, int sign) {
  switch (type) {
  case CUFFT_C2C: return cufftExecC2C(p, (cufftComplex *)in, (cufftComplex *)out, sign);
  case CUFFT_Z2Z:
    return cufftExecZ2Z(p, (cufftDoubleComplex *)in, (cufftDoubleComplex *)out, sign);
  case CUFFT_R2C: return cufftExecR2C(p, (cufftReal *)in, (cufftComplex *)out);
  case CUFFT_D2Z: return cufftExecD2Z(p, (cufftDoubleReal *)in, (cufftDoubleComplex *)out);
  case CUFFT_C2R: return cufftExecC2R(p, (cufftComplex *)in, (cufftReal *)out);
  default: return cufftExecZ2D(p, (cufftDoubleComplex *)in, (cufftDoubleReal *)out);
  }
}

} // namespace

void cu_fft_clear(ca_backend *be) {
  void **slot = cu_fft_slot(be, cache_destroy);
  if (!*slot) return;
  cudaStreamSynchronize(cu_stream(be)); /* no queued execution may lose its plan */
  cache_destroy(*slot);
  *slot = NULL;
}

ca_status cu_fft(ca_backend *be, const ca_fft *f) {
  if ((f->real != CA_FLOAT32 && f->real != CA_FLOAT64) || f->rank < 1 || f->rank > CA_FFT_MAXRANK ||
      f->rank > f->ndim || f->kind < CA_FFT_C2C || f->kind > CA_FFT_C2R)
    return CA_ERR_UNSUPPORTED;
  int nd = f->ndim, rank = f->rank, first = nd - rank, dbl = f->real == CA_FLOAT64;
  if (count_of(f->shape, nd) == 0) return CA_OK;
  cudaStream_t stream = cu_stream(be);

  /* the shapes of both sides: the complex side of R2C and C2R has n/2 + 1 in the last dim */
  int64_t ishape[CA_MAXDIMS], oshape[CA_MAXDIMS];
  memcpy(ishape, f->shape, sizeof ishape);
  memcpy(oshape, f->shape, sizeof oshape);
  int64_t half = f->shape[nd - 1] / 2 + 1;
  if (f->kind == CA_FFT_C2R) ishape[nd - 1] = half;
  if (f->kind == CA_FFT_R2C) oshape[nd - 1] = half;
  int icplx = f->kind != CA_FFT_R2C, ocplx = f->kind != CA_FFT_C2R;
  size_t rsize = dbl ? 8 : 4, isize = rsize * (icplx ? 2 : 1), osize = rsize * (ocplx ? 2 : 1);

  const char *in = f->in;
  char *out = f->out;
  int64_t is[CA_MAXDIMS], os[CA_MAXDIMS];
  memcpy(is, f->in_strides, sizeof is);
  memcpy(os, f->out_strides, sizeof os);
  layout il = {}, ol = {};
  void *ibuf = NULL, *obuf = NULL;
  ca_status st = CA_OK;

  if (f->kind == CA_FFT_C2R || !describe(ishape, is, nd, rank, &il)) {
    if ((st = cu_scratch(be, (size_t)count_of(ishape, nd) * isize, &ibuf)) != CA_OK) return st;
    c_strides(ishape, nd, is);
    if ((st = copy_view(be, f->real, icplx, ishape, nd, (char *)ibuf, is, in, f->in_strides)) != CA_OK)
      goto done;
    in = (const char *)ibuf;
    describe(ishape, is, nd, rank, &il);
  }
  if (!describe(oshape, os, nd, rank, &ol)) {
    if ((st = cu_scratch(be, (size_t)count_of(oshape, nd) * osize, &obuf)) != CA_OK) goto done;
    c_strides(oshape, nd, os);
    out = (char *)obuf;
    describe(oshape, os, nd, rank, &ol);
  }

  {
    /* Batch dims coalesced where both sides allow; the innermost is the plan's batch, the
     * others (outer) a loop of executions. */
    int64_t bshape[CA_MAXDIMS], bis[CA_MAXDIMS], bos[CA_MAXDIMS];
    int nb = 0;
    for (int k = 0; k < first; k++) {
      if (f->shape[k] == 1) continue;
      if (nb > 0 && bis[nb - 1] == is[k] * f->shape[k] && bos[nb - 1] == os[k] * f->shape[k]) {
        bshape[nb - 1] *= f->shape[k];
        bis[nb - 1] = is[k];
        bos[nb - 1] = os[k];
      } else {
        bshape[nb] = f->shape[k];
        bis[nb] = is[k];
        bos[nb] = os[k];
        nb++;
      }
    }
    plan_key key;
    memset(&key, 0, sizeof key);
    key.type = f->kind == CA_FFT_C2C ? (dbl ? CUFFT_Z2Z : CUFFT_C2C)
             : f->kind == CA_FFT_R2C ? (dbl ? CUFFT_D2Z : CUFFT_R2C)
                                     : (dbl ? CUFFT_Z2D : CUFFT_C2R);
    key.rank = rank;
    for (int k = 0; k < rank; k++) {
      key.n[k] = f->shape[first + k];
      key.inembed[k] = il.embed[k];
      key.onembed[k] = ol.embed[k];
    }
    key.istride = il.stride;
    key.ostride = ol.stride;
    key.batch = nb ? bshape[nb - 1] : 1;
    /* one transform's extent is the distance when there is no batch: cuFFT reads it anyway */
    key.idist = nb ? bis[nb - 1] : count_of(ishape + first, rank) * il.stride;
    key.odist = nb ? bos[nb - 1] : count_of(oshape + first, rank) * ol.stride;
    key.stream = stream;
    cufftHandle plan;
    if ((st = get_plan(be, &key, &plan)) != CA_OK) goto done;
    int sign = f->kind == CA_FFT_C2C ? (f->sign < 0 ? CUFFT_FORWARD : CUFFT_INVERSE) : 0;
    int64_t outer = nb > 1 ? count_of(bshape, nb - 1) : 1;
    for (int64_t b = 0; b < outer; b++) {
      int64_t rest = b, ioff = 0, ooff = 0;
      for (int k = nb - 2; k >= 0; k--) {
        int64_t i = rest % bshape[k];
        rest /= bshape[k];
        ioff += i * bis[k];
        ooff += i * bos[k];
      }
      cufftResult r = exec(plan, key.type, in + ioff * (int64_t)isize, out + ooff * (int64_t)osize, sign);
      if (r != CUFFT_SUCCESS) {
        st = fft_fail(be, "cufftExec", r);
        goto done;
      }
    }
  }
  if (f->scale != 1.0 && (st = scale_view(be, f->real, ocplx, oshape, nd, out, os, f->scale)) != CA_OK)
    goto done;
  if (obuf) st = copy_view(be, f->real, ocplx, oshape, nd, f->out, f->out_strides, out, os);

done:
  if (ibuf) cu_scratch_free(be, ibuf);
  if (obuf) cu_scratch_free(be, obuf);
  return st;
}
