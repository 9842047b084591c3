/* Device-to-device copies between two GPUs (the copy_from_peer entry). Peer access is asked for
 * once per pair of devices, both ways: cudaDeviceEnablePeerAccess for memory from cudaMalloc
 * (arrays wrapped from other libraries) and cudaMemPoolSetAccess for our pool allocations,
 * which peer access alone does not open. Devices that cannot reach each other answer
 * CA_ERR_UNSUPPORTED, and the core copies through the host instead. */
#include <stdlib.h>
#include "cuda_internal.h"

#define PEER_MAXDEV 64

typedef struct peer {
  cudaEvent_t done;                  /* recorded on this device's stream by the last copy */
  signed char reach[PEER_MAXDEV];    /* per other device: 0 not asked yet, 1 open, -1 no path */
} peer;

static void peer_destroy(void *p) {
  peer *x = (peer *)p;
  if (!x) return;
  if (x->done) cudaEventDestroy(x->done);
  (void)cudaGetLastError();
  free(x);
}

/* The backend's peer state, with its event (made on the backend's device, which the caller
 * has made current). */
static ca_status get_peer(ca_backend *be, peer **out) {
  void **slot = cu_peer_slot(be, peer_destroy);
  peer *x = (peer *)*slot;
  if (!x) {
    x = (peer *)calloc(1, sizeof *x);
    if (!x) return cu_fail_msg(be, CA_ERR_NOMEM, "copy_from_peer: out of host memory");
    cudaError_t err = cudaEventCreateWithFlags(&x->done, cudaEventDisableTiming);
    if (err != cudaSuccess) {
      free(x);
      return cu_fail(be, "cudaEventCreateWithFlags", err);
    }
    *slot = x;
  }
  *out = x;
  return CA_OK;
}

/* Lets device `from` reach the memory of device `to`. */
static cudaError_t open_way(int from, int to, cudaMemPool_t to_pool) {
  cudaError_t err = cudaSetDevice(from);
  if (err != cudaSuccess) return err;
  err = cudaDeviceEnablePeerAccess(to, 0);
  if (err == cudaErrorPeerAccessAlreadyEnabled) {
    (void)cudaGetLastError();
    err = cudaSuccess;
  }
  if (err != cudaSuccess) return err;
  cudaMemAccessDesc desc = {};
  desc.location.type = cudaMemLocationTypeDevice;
  desc.location.id = from;
  desc.flags = cudaMemAccessFlagsProtReadWrite;
  return cudaMemPoolSetAccess(to_pool, &desc, 1);
}

/* Opens both ways between the two devices the first time they meet. */
static ca_status reach(ca_backend *be, peer *pd, ca_backend *from, peer *ps) {
  int d = cu_device(be), s = cu_device(from);
  if (d == s) return CA_OK;
  if (pd->reach[s] == 0 || ps->reach[d] == 0) {
    int ds = 0, sd = 0;
    cudaError_t err = cudaDeviceCanAccessPeer(&ds, d, s);
    if (err == cudaSuccess) err = cudaDeviceCanAccessPeer(&sd, s, d);
    if (err != cudaSuccess) return cu_fail(be, "cudaDeviceCanAccessPeer", err);
    if (ds && sd) {
      if ((err = open_way(s, d, cu_pool(be))) != cudaSuccess || (err = open_way(d, s, cu_pool(from))) != cudaSuccess)
        return cu_fail(be, "enabling peer access (cudaDeviceEnablePeerAccess, cudaMemPoolSetAccess)", err);
    }
    pd->reach[s] = ps->reach[d] = (ds && sd) ? 1 : -1;
  }
  if (pd->reach[s] < 0) {
    return cu_fail_msg(be, CA_ERR_UNSUPPORTED, "the two devices cannot access each other's memory");
  }
  return CA_OK;
}

/* The copy runs on the source device's stream (its copy engine pushes over NVLink or PCIe),
 * between two event edges: it waits for the destination's queued work (the allocation of dst
 * and the earlier users of that memory), and the destination's stream waits for it. */
ca_status cu_copy_from_peer(ca_backend *be, void *dst, ca_backend *from, const void *src, size_t nbytes) {
  if (nbytes == 0) return CA_OK;
  int d = cu_device(be), s = cu_device(from);
  if (d < 0 || d >= PEER_MAXDEV || s < 0 || s >= PEER_MAXDEV)
    return cu_fail_msg(be, CA_ERR_UNSUPPORTED, "device ordinal out of the peer table's range");
  peer *pd = NULL, *ps = NULL;
  cudaError_t err;
  ca_status st;
  if ((err = cudaSetDevice(d)) != cudaSuccess) return cu_fail(be, "cudaSetDevice", err);
  if ((st = get_peer(be, &pd)) != CA_OK) return st;
  if ((err = cudaSetDevice(s)) != cudaSuccess) return cu_fail(be, "cudaSetDevice", err);
  if ((st = get_peer(from, &ps)) != CA_OK) return cu_fail_msg(be, st, from->errmsg);
  if ((st = reach(be, pd, from, ps)) != CA_OK) return st;
  cudaStream_t dstream = cu_get_stream(be), sstream = cu_get_stream(from);
  if ((err = cudaSetDevice(d)) != cudaSuccess) return cu_fail(be, "cudaSetDevice", err);
  if ((err = cudaEventRecord(pd->done, dstream)) != cudaSuccess) return cu_fail(be, "cudaEventRecord", err);
  if ((err = cudaSetDevice(s)) != cudaSuccess) return cu_fail(be, "cudaSetDevice", err);
  if ((err = cudaStreamWaitEvent(sstream, pd->done, 0)) != cudaSuccess)
    return cu_fail(be, "cudaStreamWaitEvent", err);
  if ((err = cudaMemcpyPeerAsync(dst, d, src, s, nbytes, sstream)) != cudaSuccess)
    return cu_fail(be, "cudaMemcpyPeerAsync", err);
  if ((err = cudaEventRecord(ps->done, sstream)) != cudaSuccess) return cu_fail(be, "cudaEventRecord", err);
  if ((err = cudaSetDevice(d)) != cudaSuccess) return cu_fail(be, "cudaSetDevice", err);
  if ((err = cudaStreamWaitEvent(dstream, ps->done, 0)) != cudaSuccess)
    return cu_fail(be, "cudaStreamWaitEvent", err);
  return CA_OK;
}

ca_status cu_peer_open(ca_backend *a, ca_backend *b) {
  peer *pa = NULL, *pb = NULL;
  cudaError_t err;
  ca_status st;
  if ((err = cudaSetDevice(cu_device(a))) != cudaSuccess) return cu_fail(a, "cudaSetDevice", err);
  if ((st = get_peer(a, &pa)) != CA_OK) return st;
  if ((err = cudaSetDevice(cu_device(b))) != cudaSuccess) return cu_fail(a, "cudaSetDevice", err);
  if ((st = get_peer(b, &pb)) != CA_OK) return cu_fail_msg(a, st, b->errmsg);
  st = reach(a, pa, b, pb);
  return st == CA_ERR_UNSUPPORTED ? CA_OK : st;
}

int cu_can_access_peer(int a, int b) {
  int ab = 0, ba = 0;
  if (a == b) return 1;
  if (cudaDeviceCanAccessPeer(&ab, a, b) != cudaSuccess || cudaDeviceCanAccessPeer(&ba, b, a) != cudaSuccess) {
    (void)cudaGetLastError();
    return 0;
  }
  return ab && ba;
}
