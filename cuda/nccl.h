/* NCCL inside cuarray.cuda: the library loaded at run time (cuda/nccl_lib.c), communicators
 * with their watchdog (cuda/nccl_comm.c), and the Lua binding (cuda/l_nccl.c).
 *
 * Nothing links against libnccl and nothing includes nccl.h: the few types and calls used are
 * declared here with NCCL's stable ABI (2.13 and later; nccl_lib.c checks the values against
 * nccl.h when the build finds one). No Lua header here. */
#ifndef CA_NCCL_H
#define CA_NCCL_H

#include <pthread.h>
#include <stddef.h>
#include <cuda_runtime_api.h>

#define CU_NCCL_ID_BYTES 128
#define CU_NCCL_MIN_VERSION 21300 /* 2.13: ncclGetLastError, ncclRemoteError */
#define CU_NCCL_RING 16            /* operations watched per communicator */
#define CU_NCCL_CALL_MAX 64        /* communicators one call is known to involve */

typedef struct { char internal[CU_NCCL_ID_BYTES]; } cu_nccl_id;
typedef struct cu_nccl_handle *cu_nccl_handle; /* ncclComm_t */

enum { CU_NCCL_SUCCESS = 0, CU_NCCL_IN_PROGRESS = 7 }; /* ncclResult_t */
enum { CU_NCCL_NTYPES = 10, CU_NCCL_NOPS = 5 };          /* ncclDataType_t, ncclRedOp_t counts */

typedef struct cu_nccl_lib {
  void *dl;
  char path[1024];
  int version;                  /* NCCL_VERSION_CODE, e.g. 22809 for 2.28.9 */
  int (*GetVersion)(int *version);
  int (*GetUniqueId)(cu_nccl_id *id);
  int (*CommInitRank)(cu_nccl_handle *comm, int nranks, cu_nccl_id id, int rank);
  int (*CommInitAll)(cu_nccl_handle *comms, int ndev, const int *devlist);
  int (*CommDestroy)(cu_nccl_handle comm);
  int (*CommAbort)(cu_nccl_handle comm);
  int (*CommGetAsyncError)(cu_nccl_handle comm, int *result);
  const char *(*GetErrorString)(int result);
  const char *(*GetLastError)(cu_nccl_handle comm);
  int (*AllReduce)(const void *send, void *recv, size_t count, int type, int op, cu_nccl_handle comm,
                   cudaStream_t s);
  int (*Broadcast)(const void *send, void *recv, size_t count, int type, int root, cu_nccl_handle comm,
                   cudaStream_t s);
  int (*Reduce)(const void *send, void *recv, size_t count, int type, int op, int root, cu_nccl_handle comm,
                cudaStream_t s);
  int (*AllGather)(const void *send, void *recv, size_t sendcount, int type, cu_nccl_handle comm,
                   cudaStream_t s);
  int (*ReduceScatter)(const void *send, void *recv, size_t recvcount, int type, int op, cu_nccl_handle comm,
                       cudaStream_t s);
  int (*Send)(const void *send, size_t count, int type, int peer, cu_nccl_handle comm, cudaStream_t s);
  int (*Recv)(void *recv, size_t count, int type, int peer, cu_nccl_handle comm, cudaStream_t s);
  int (*GroupStart)(void);
  int (*GroupEnd)(void);
} cu_nccl_lib;

/* Loads libnccl.so.2 into lib (the search order is in nccl_lib.c). Returns 1, or 0 with the
 * reason, naming every place tried, in why. The library is never unloaded: NCCL keeps threads
 * of its own running. */
int cu_nccl_lib_load(cu_nccl_lib *lib, char *why, size_t len);

/* One communicator: one rank on one device. Owned by its Lua userdata; the watchdog reads it
 * under world->mu. */
typedef struct cu_nccl_comm {
  struct cu_nccl_world *world;  /* NULL once the world is gone */
  cu_nccl_handle handle;        /* NULL once destroyed or aborted */
  int device, rank, nranks;
  double timeout;               /* seconds an operation may take; 0: not watched */
  cudaEvent_t ev[CU_NCCL_RING]; /* recorded after watched operations, oldest at head */
  double t[CU_NCCL_RING];
  const char *what[CU_NCCL_RING];
  int head, count;
  cudaEvent_t sync_ev;          /* synchronize's marker on the current stream */
  int aborting;                 /* the watchdog is aborting it right now */
  char failure[512];            /* why it was aborted ("" while healthy) */
  struct cu_nccl_comm *next;    /* the world's list */
} cu_nccl_comm;

/* The NCCL state of one lua_State: the library, the communicators, and the watchdog thread that
 * aborts a communicator whose operation outlives its timeout or that NCCL reports broken, so that
 * a dead peer ends in an error instead of a hang. */
typedef struct cu_nccl_world {
  cu_nccl_lib lib;
  int tried, loaded;
  char why[1536];               /* why the library is missing */
  pthread_mutex_t mu;
  pthread_cond_t cv;            /* signals the watchdog to stop, and the end of an abort */
  pthread_t thread;
  int running, stop;
  cu_nccl_comm *comms;
  double call_since;            /* the Lua thread is inside an NCCL call since (0: not) */
  const char *call_what;
  cu_nccl_comm *call_comms[CU_NCCL_CALL_MAX]; /* the communicators that call involves */
  int call_n;                   /* -1: more than CU_NCCL_CALL_MAX */
} cu_nccl_world;

double cu_nccl_now(void);
/* NCCL's error text for rc, with the communicator's last error when there is one. */
void cu_nccl_error_text(const cu_nccl_lib *lib, cu_nccl_handle h, int rc, char *buf, size_t len);

void cu_nccl_world_init(cu_nccl_world *w);
/* Loads the library on first use; 1 when it is there (else w->why says why not). */
int cu_nccl_world_load(cu_nccl_world *w);
/* Stops the watchdog and aborts the communicators still alive (at lua_close). */
void cu_nccl_world_close(cu_nccl_world *w);

/* Creates one rank's communicator on `device` in a helper thread, waiting at most `timeout`
 * seconds (0: without bound) for the other ranks to join. Returns an NCCL status, or -1 on
 * timeout (the helper is left to finish and aborts what it made); message in err. */
int cu_nccl_init_rank(cu_nccl_world *w, int device, int nranks, const cu_nccl_id *id, int rank, double timeout,
                      cu_nccl_handle *out, char *err, size_t errlen);

/* Sets up comm (events) for the handle and adds it to the world's list. 0 on success. */
int cu_nccl_comm_attach(cu_nccl_world *w, cu_nccl_comm *c, cu_nccl_handle h, int device, int rank, int nranks,
                        double timeout, char *err, size_t errlen);

/* Brackets every NCCL call made by the Lua thread: begin fails (returns 0, reason in err) when
 * a communicator given has been aborted; while inside, the watchdog counts the call's time. */
int cu_nccl_call_begin(cu_nccl_world *w, cu_nccl_comm *const *comms, int n, const char *what, char *err,
                       size_t errlen);
void cu_nccl_call_end(cu_nccl_world *w);

/* Starts watching an operation just queued on `stream` (the comm's device is current). */
void cu_nccl_watch(cu_nccl_comm *c, const char *what, cudaStream_t stream);

/* Waits for the work queued so far on `stream` (the comm's device is current), watching NCCL's
 * asynchronous error: 0 when done, else aborts the communicator (an error, or `timeout`
 * seconds passed; 0: no bound) and returns -1 with the reason in err. */
int cu_nccl_comm_wait(cu_nccl_comm *c, cudaStream_t stream, double timeout, char *err, size_t errlen);

/* Aborts the communicator now (its pending operations end unfinished). */
void cu_nccl_comm_abort(cu_nccl_comm *c, const char *why);

/* Ends the communicator: waits for its operations (at most its timeout), then destroys it, or
 * aborts it when they do not finish. Safe on one already ended. */
void cu_nccl_comm_end(cu_nccl_comm *c, int abort_now);

#endif
