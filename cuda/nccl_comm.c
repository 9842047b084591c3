/* NCCL communicators and their watchdog.
 *
 * Communicators are created in NCCL's blocking mode (as PyTorch's are by default: the
 * nonblocking mode starts a thread per collective). What could then wait forever is bounded here:
 *  - creation runs in a helper thread, and the Lua thread waits at most the timeout for the
 *    other ranks to join;
 *  - every watched operation records an event on its stream; a watchdog thread (one per
 *    lua_State, started with the first watched communicator) polls NCCL's asynchronous error
 *    and the oldest pending event ten times a second, and aborts a communicator that NCCL reports
 *    broken, whose oldest operation has not finished within the timeout, or on which an NCCL call
 *    of the Lua thread has not returned within it. The abort ends the kernels, so whatever waited
 *    for them (a:get(), a synchronize) returns; the communicator's next use raises the reason.
 * The watchdog reads the list of communicators and their rings under world->mu; it calls
 * ncclCommAbort with the lock released, with `aborting` set so that nobody frees the
 * communicator meanwhile. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cuda_internal.h"
#include "nccl.h"

#define WATCH_PERIOD 0.1 /* seconds */
#define CALL_MAX 64                 /* communicators one call may involve, as tracked */

double cu_nccl_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void cu_nccl_error_text(const cu_nccl_lib *lib, cu_nccl_handle h, int rc, char *buf, size_t len) {
  const char *s = lib->GetErrorString ? lib->GetErrorString(rc) : NULL;
  const char *last = lib->GetLastError ? lib->GetLastError(h) : NULL;
  if (last && *last)
    snprintf(buf, len, "%s (NCCL: %s)", s ? s : "NCCL error", last);
  else
    snprintf(buf, len, "%s", s ? s : "NCCL error");
}

/* The monotonic time `seconds` from now (what the condition variables wait against). */
static void deadline_in(struct timespec *ts, double seconds) {
  clock_gettime(CLOCK_MONOTONIC, ts);
  if (seconds > 1e9) seconds = 1e9;
  time_t whole = (time_t)seconds;
  ts->tv_sec += whole;
  ts->tv_nsec += (long)((seconds - (double)whole) * 1e9);
  if (ts->tv_nsec >= 1000000000L) {
    ts->tv_nsec -= 1000000000L;
    ts->tv_sec++;
  }
}

static void init_cond(pthread_cond_t *cv) {
  pthread_condattr_t a;
  pthread_condattr_init(&a);
  pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
  pthread_cond_init(cv, &a);
  pthread_condattr_destroy(&a);
}

/* ---- the ring of watched operations ----------------------------------------------------- */

/* Drops the finished operations at the head (the comm's device is current). */
static void retire(cu_nccl_comm *c) {
  while (c->count > 0) {
    cudaError_t q = cudaEventQuery(c->ev[c->head]);
    if (q == cudaErrorNotReady) {
      (void)cudaGetLastError();
      return;
    }
    (void)cudaGetLastError(); /* a failed query counts as finished: the fault shows elsewhere */
    c->head = (c->head + 1) % CU_NCCL_RING;
    c->count--;
  }
}

void cu_nccl_watch(cu_nccl_comm *c, const char *what, cudaStream_t stream) {
  cu_nccl_world *w = c->world;
  if (!w || c->timeout <= 0) return;
  pthread_mutex_lock(&w->mu);
  if (c->handle) {
    if (c->count == CU_NCCL_RING) retire(c);
    int slot, added = 0;
    if (c->count < CU_NCCL_RING) {
      slot = (c->head + c->count) % CU_NCCL_RING;
      c->count++;
      added = 1;
    } else { /* full: the newest entry follows the newest operation */
      slot = (c->head + CU_NCCL_RING - 1) % CU_NCCL_RING;
    }
    if (cudaEventRecord(c->ev[slot], stream) == cudaSuccess) {
      c->t[slot] = cu_nccl_now();
      c->what[slot] = what;
    } else {
      (void)cudaGetLastError();
      if (added) c->count--;
    }
  }
  pthread_mutex_unlock(&w->mu);
}

/* ---- aborting ---------------------------------------------------------------------------- */

/* Called with w->mu held; returns with it held, having released it around ncclCommAbort. */
static void abort_locked(cu_nccl_world *w, cu_nccl_comm *c, const char *why, int report) {
  while (c->aborting) pthread_cond_wait(&w->cv, &w->mu);
  if (!c->handle) return;
  snprintf(c->failure, sizeof c->failure, "%s", why);
  c->aborting = 1;
  cu_nccl_handle h = c->handle;
  int device = c->device;
  pthread_mutex_unlock(&w->mu);
  if (report) /* the Lua thread may be blocked in a wait that the abort ends with no error */
    fprintf(stderr, "cuarray.nccl: rank %d of %d on cuda:%d: %s; the communicator was aborted\n", c->rank,
            c->nranks, device, why);
  int restore = cu_device_enter(device);
  w->lib.CommAbort(h);
  (void)cudaGetLastError();
  cu_device_leave(restore);
  pthread_mutex_lock(&w->mu);
  c->handle = NULL;
  c->aborting = 0;
  pthread_cond_broadcast(&w->cv);
}

void cu_nccl_comm_abort(cu_nccl_comm *c, const char *why) {
  cu_nccl_world *w = c->world;
  if (!w) return;
  pthread_mutex_lock(&w->mu);
  abort_locked(w, c, why, 0);
  pthread_mutex_unlock(&w->mu);
}

/* NCCL's asynchronous error on c, as text in why (0 when there is none). */
static int async_error(cu_nccl_world *w, cu_nccl_comm *c, char *why, size_t len) {
  int a = CU_NCCL_SUCCESS;
  if (w->lib.CommGetAsyncError(c->handle, &a) != CU_NCCL_SUCCESS || a == CU_NCCL_SUCCESS || a == CU_NCCL_IN_PROGRESS)
    return 0;
  char text[400];
  cu_nccl_error_text(&w->lib, c->handle, a, text, sizeof text);
  snprintf(why, len, "NCCL reported an asynchronous error: %s", text);
  return 1;
}

/* ---- the watchdog ------------------------------------------------------------------------ */

/* With w->mu held: the first communicator that must be aborted, with the reason in why. */
static cu_nccl_comm *find_broken(cu_nccl_world *w, char *why, size_t len) {
  double now = cu_nccl_now();
  for (cu_nccl_comm *c = w->comms; c; c = c->next) {
    if (!c->handle || c->aborting || c->timeout <= 0) continue;
    if (cudaSetDevice(c->device) != cudaSuccess) { /* the watchdog's own thread: nothing to restore */
      (void)cudaGetLastError();
      continue;
    }
    retire(c);
    if (async_error(w, c, why, len)) return c;
    if (c->count > 0 && now - c->t[c->head] > c->timeout) {
      snprintf(why, len, "%s did not finish within %g s (a peer may have died, or the ranks did not call the "
               "same collectives in the same order)", c->what[c->head], c->timeout);
      return c;
    }
    if (w->call_since > 0 && now - w->call_since > c->timeout) {
      int involved = w->call_n < 0;
      for (int i = 0; i < w->call_n && !involved; i++) involved = w->call_comms[i] == c;
      if (involved) {
        snprintf(why, len, "%s did not return within %g s (a peer may have died)", w->call_what, c->timeout);
        return c;
      }
    }
  }
  return NULL;
}

static void *watchdog(void *arg) {
  cu_nccl_world *w = (cu_nccl_world *)arg;
  char why[512];
  pthread_mutex_lock(&w->mu);
  while (!w->stop) {
    struct timespec ts;
    deadline_in(&ts, WATCH_PERIOD);
    pthread_cond_timedwait(&w->cv, &w->mu, &ts);
    cu_nccl_comm *c;
    while (!w->stop && (c = find_broken(w, why, sizeof why)) != NULL) abort_locked(w, c, why, 1);
  }
  pthread_mutex_unlock(&w->mu);
  return NULL;
}

/* ---- the world --------------------------------------------------------------------------- */

void cu_nccl_world_init(cu_nccl_world *w) {
  memset(w, 0, sizeof *w);
  pthread_mutex_init(&w->mu, NULL);
  init_cond(&w->cv);
}

int cu_nccl_world_load(cu_nccl_world *w) {
  if (!w->tried) {
    w->tried = 1;
    w->loaded = cu_nccl_lib_load(&w->lib, w->why, sizeof w->why);
  }
  return w->loaded;
}

static void unlink_comm(cu_nccl_world *w, cu_nccl_comm *c) {
  for (cu_nccl_comm **p = &w->comms; *p; p = &(*p)->next)
    if (*p == c) {
      *p = c->next;
      c->next = NULL;
      return;
    }
}

void cu_nccl_world_close(cu_nccl_world *w) {
  pthread_mutex_lock(&w->mu);
  w->stop = 1;
  pthread_cond_broadcast(&w->cv);
  int running = w->running;
  w->running = 0;
  pthread_mutex_unlock(&w->mu);
  if (running) pthread_join(w->thread, NULL);
  while (w->comms) cu_nccl_comm_end(w->comms, 1);
  pthread_cond_destroy(&w->cv);
  pthread_mutex_destroy(&w->mu);
}

/* ---- creating a rank's communicator ------------------------------------------------------- */

typedef struct init_job {
  cu_nccl_lib lib;              /* a copy: the job may outlive the world */
  int device, nranks, rank;
  cu_nccl_id id;
  cu_nccl_handle comm;
  int rc, done, abandoned;
  char err[512];
  pthread_mutex_t mu;
  pthread_cond_t cv;
} init_job;

static void job_free(init_job *j) {
  pthread_cond_destroy(&j->cv);
  pthread_mutex_destroy(&j->mu);
  free(j);
}

static void *init_main(void *arg) {
  init_job *j = (init_job *)arg;
  cu_nccl_handle h = NULL;
  int rc;
  cudaError_t e = cudaSetDevice(j->device);
  if (e != cudaSuccess) {
    rc = 1; /* ncclUnhandledCudaError */
    snprintf(j->err, sizeof j->err, "cudaSetDevice(%d): %s", j->device, cudaGetErrorString(e));
  } else {
    rc = j->lib.CommInitRank(&h, j->nranks, j->id, j->rank);
    if (rc != CU_NCCL_SUCCESS) cu_nccl_error_text(&j->lib, NULL, rc, j->err, sizeof j->err);
  }
  pthread_mutex_lock(&j->mu);
  j->rc = rc;
  j->comm = h;
  j->done = 1;
  int abandoned = j->abandoned;
  pthread_cond_signal(&j->cv);
  pthread_mutex_unlock(&j->mu);
  if (abandoned) { /* the Lua thread gave up waiting: nobody will use what was made */
    if (rc == CU_NCCL_SUCCESS && h) j->lib.CommAbort(h);
    job_free(j);
  }
  return NULL;
}

int cu_nccl_init_rank(cu_nccl_world *w, int device, int nranks, const cu_nccl_id *id, int rank, double timeout,
                      cu_nccl_handle *out, char *err, size_t errlen) {
  *out = NULL;
  init_job *j = (init_job *)calloc(1, sizeof *j);
  if (!j) {
    snprintf(err, errlen, "out of host memory");
    return 2; /* ncclSystemError */
  }
  j->lib = w->lib;
  j->device = device;
  j->nranks = nranks;
  j->rank = rank;
  j->id = *id;
  pthread_mutex_init(&j->mu, NULL);
  init_cond(&j->cv);
  pthread_t th;
  if (pthread_create(&th, NULL, init_main, j) != 0) {
    job_free(j);
    snprintf(err, errlen, "cannot start a thread");
    return 2;
  }
  struct timespec ts;
  if (timeout > 0) deadline_in(&ts, timeout);
  pthread_mutex_lock(&j->mu);
  while (!j->done) {
    if (timeout <= 0) {
      pthread_cond_wait(&j->cv, &j->mu);
    } else if (pthread_cond_timedwait(&j->cv, &j->mu, &ts) != 0 && !j->done) {
      j->abandoned = 1;
      pthread_mutex_unlock(&j->mu);
      pthread_detach(th);
      snprintf(err, errlen, "the other ranks did not join within %g s", timeout);
      return -1;
    }
  }
  pthread_mutex_unlock(&j->mu);
  pthread_join(th, NULL);
  int rc = j->rc;
  *out = j->comm;
  if (rc != CU_NCCL_SUCCESS) snprintf(err, errlen, "%s", j->err);
  job_free(j);
  return rc;
}

int cu_nccl_comm_attach(cu_nccl_world *w, cu_nccl_comm *c, cu_nccl_handle h, int device, int rank, int nranks,
                        double timeout, char *err, size_t errlen) {
  memset(c, 0, sizeof *c);
  c->device = device;
  c->rank = rank;
  c->nranks = nranks;
  c->timeout = timeout > 0 ? timeout : 0;
  int made = 0;
  cudaError_t e = cudaEventCreateWithFlags(&c->sync_ev, cudaEventDisableTiming);
  for (; e == cudaSuccess && made < CU_NCCL_RING; made++)
    e = cudaEventCreateWithFlags(&c->ev[made], cudaEventDisableTiming);
  if (e != cudaSuccess) {
    snprintf(err, errlen, "cudaEventCreateWithFlags: %s", cudaGetErrorString(e));
    (void)cudaGetLastError();
    for (int i = 0; i < made; i++) cudaEventDestroy(c->ev[i]);
    if (c->sync_ev) cudaEventDestroy(c->sync_ev);
    return -1;
  }
  pthread_mutex_lock(&w->mu);
  if (c->timeout > 0 && !w->running && !w->stop) {
    if (pthread_create(&w->thread, NULL, watchdog, w) != 0) {
      pthread_mutex_unlock(&w->mu);
      for (int i = 0; i < CU_NCCL_RING; i++) cudaEventDestroy(c->ev[i]);
      cudaEventDestroy(c->sync_ev);
      snprintf(err, errlen, "cannot start the watchdog thread");
      return -1;
    }
    w->running = 1;
  }
  c->world = w;
  c->handle = h;
  c->next = w->comms;
  w->comms = c;
  pthread_mutex_unlock(&w->mu);
  return 0;
}

/* ---- calls of the Lua thread ------------------------------------------------------------- */

int cu_nccl_call_begin(cu_nccl_world *w, cu_nccl_comm *const *comms, int n, const char *what, char *err,
                       size_t errlen) {
  pthread_mutex_lock(&w->mu);
  for (int i = 0; i < n; i++) {
    cu_nccl_comm *c = comms[i];
    while (c->aborting) pthread_cond_wait(&w->cv, &w->mu);
    if (!c->handle) {
      snprintf(err, errlen, "the communicator (rank %d of %d on cuda:%d) %s%s", c->rank, c->nranks, c->device,
               c->failure[0] ? "was aborted: " : "was destroyed", c->failure);
      pthread_mutex_unlock(&w->mu);
      return 0;
    }
  }
  w->call_since = cu_nccl_now();
  w->call_what = what;
  w->call_n = n <= CU_NCCL_CALL_MAX ? n : -1;
  for (int i = 0; i < n && i < CU_NCCL_CALL_MAX; i++) w->call_comms[i] = comms[i];
  pthread_mutex_unlock(&w->mu);
  return 1;
}

void cu_nccl_call_end(cu_nccl_world *w) {
  pthread_mutex_lock(&w->mu);
  w->call_since = 0;
  w->call_n = 0;
  pthread_mutex_unlock(&w->mu);
}

/* ---- waiting and ending ------------------------------------------------------------------ */

static void pause_briefly(double waited) {
  struct timespec ts = {0, waited < 0.01 ? 50000L : 1000000L}; /* 50 us, then 1 ms */
  nanosleep(&ts, NULL);
}

int cu_nccl_comm_wait(cu_nccl_comm *c, cudaStream_t stream, double timeout, char *err, size_t errlen) {
  cu_nccl_world *w = c->world;
  char why[512];
  if (!w) {
    snprintf(err, errlen, "the communicator was destroyed");
    return -1;
  }
  cudaError_t e = cudaEventRecord(c->sync_ev, stream);
  if (e != cudaSuccess) {
    snprintf(err, errlen, "cudaEventRecord: %s", cudaGetErrorString(e));
    (void)cudaGetLastError();
    return -1;
  }
  double start = cu_nccl_now();
  for (;;) {
    e = cudaEventQuery(c->sync_ev);
    if (e != cudaErrorNotReady) {
      (void)cudaGetLastError();
      if (e != cudaSuccess) {
        snprintf(err, errlen, "waiting for the stream: %s", cudaGetErrorString(e));
        return -1;
      }
    }
    pthread_mutex_lock(&w->mu);
    while (c->aborting) pthread_cond_wait(&w->cv, &w->mu);
    int gone = !c->handle, broken = !gone && async_error(w, c, why, sizeof why);
    if (gone) snprintf(err, errlen, "the communicator %s%s", c->failure[0] ? "was aborted: " : "was destroyed",
                       c->failure);
    pthread_mutex_unlock(&w->mu);
    if (gone) return -1;
    if (!broken && e == cudaSuccess) return 0;
    double waited = cu_nccl_now() - start;
    if (!broken && timeout > 0 && waited > timeout)
      snprintf(why, sizeof why, "synchronize: the queued work did not finish within %g s (a peer may have died)",
               timeout);
    else if (!broken) {
      pause_briefly(waited);
      continue;
    }
    cu_nccl_comm_abort(c, why);
    snprintf(err, errlen, "%s; the communicator was aborted", why);
    return -1;
  }
}

void cu_nccl_comm_end(cu_nccl_comm *c, int abort_now) {
  cu_nccl_world *w = c->world;
  if (!w) return;
  pthread_mutex_lock(&w->mu);
  while (c->aborting) pthread_cond_wait(&w->cv, &w->mu);
  unlink_comm(w, c);
  cu_nccl_handle h = c->handle;
  c->handle = NULL;
  pthread_mutex_unlock(&w->mu);
  int restore = cu_device_enter(c->device);
  if (h) {
    int ok = !abort_now;
    if (ok && c->timeout > 0) { /* let its operations finish first, but not forever */
      double start = cu_nccl_now();
      for (retire(c); ok && c->count > 0; retire(c)) {
        int a = CU_NCCL_SUCCESS;
        if ((w->lib.CommGetAsyncError(h, &a) == CU_NCCL_SUCCESS && a != CU_NCCL_SUCCESS && a != CU_NCCL_IN_PROGRESS) ||
            cu_nccl_now() - start > c->timeout)
          ok = 0;
        else
          pause_briefly(cu_nccl_now() - start);
      }
    }
    if (ok) w->lib.CommDestroy(h);
    else w->lib.CommAbort(h);
  }
  (void)cudaGetLastError();
  for (int i = 0; i < CU_NCCL_RING; i++)
    if (c->ev[i]) cudaEventDestroy(c->ev[i]);
  if (c->sync_ev) cudaEventDestroy(c->sync_ev);
  (void)cudaGetLastError();
  cu_device_leave(restore);
  c->count = 0;
  c->world = NULL;
}
