/* Splitting large loops over the CPU's cores. A call runs fn over [0, n) in as many
 * contiguous parts as there are threads to use (at most one per `grain` items); the calling
 * thread takes the first part and joins the others. Parts are fixed by n and the thread
 * count alone, and every caller writes disjoint results per part, so results never depend on
 * timing. Threads: ca_cpu_set_threads (cu.set_num_threads, cuarray_set_num_threads), else
 * CUARRAY_NUM_THREADS if set (1 turns this off), else the CPUs this process may run on, at
 * most CA_CPU_DEFAULT_THREADS. The count is the process's, not a lua_State's: it bounds the
 * threads cuarray starts, as OpenMP's and BLAS's settings do. */
#define _GNU_SOURCE /* sched_getaffinity, CPU_COUNT */
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include "cpu.h"
#include "cpu_internal.h"

/* OpenBLAS, when it is the BLAS linked, has its own threads for matmul. */
extern void openblas_set_num_threads(int n) __attribute__((weak));

static int g_threads;      /* the starting count, from the environment */
static int g_set;          /* a count set at run time; 0: none (read and written atomically) */
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static void init_threads(void) {
  int t = 1;
  const char *e = getenv("CUARRAY_NUM_THREADS");
  if (e && *e) {
    t = atoi(e);
  } else {
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0) t = CPU_COUNT(&set);
    if (t > CA_CPU_DEFAULT_THREADS) t = CA_CPU_DEFAULT_THREADS;
  }
  g_threads = t < 1 ? 1 : t > CA_CPU_MAX_THREADS ? CA_CPU_MAX_THREADS : t;
}

int ca_cpu_threads(void) {
  int t = __atomic_load_n(&g_set, __ATOMIC_RELAXED);
  if (t > 0) return t;
  pthread_once(&g_once, init_threads);
  return g_threads;
}

void ca_cpu_set_threads(int n) {
  if (n < 1) n = 1;
  if (n > CA_CPU_MAX_THREADS) n = CA_CPU_MAX_THREADS;
  __atomic_store_n(&g_set, n, __ATOMIC_RELAXED);
  if (openblas_set_num_threads) openblas_set_num_threads(n);
}

typedef struct part {
  ca_cpu_task fn;
  void *ctx;
  int64_t lo, hi;
} part;

static void *run_part(void *p) {
  part *t = (part *)p;
  t->fn(t->ctx, t->lo, t->hi);
  return NULL;
}

void ca_cpu_parallel(int64_t n, int64_t grain, ca_cpu_task fn, void *ctx) {
  if (n <= 0) return;
  int64_t t = ca_cpu_threads();
  if (grain < 1) grain = 1;
  if (t > n / grain) t = n / grain;
  if (t <= 1) {
    fn(ctx, 0, n);
    return;
  }
  part parts[CA_CPU_MAX_THREADS];
  pthread_t tid[CA_CPU_MAX_THREADS];
  int started[CA_CPU_MAX_THREADS] = {0};
  for (int64_t k = 0; k < t; k++) {
    parts[k].fn = fn;
    parts[k].ctx = ctx;
    parts[k].lo = n * k / t;
    parts[k].hi = n * (k + 1) / t;
  }
  for (int64_t k = 1; k < t; k++) started[k] = pthread_create(&tid[k], NULL, run_part, &parts[k]) == 0;
  run_part(&parts[0]);
  for (int64_t k = 1; k < t; k++) {
    if (started[k]) pthread_join(tid[k], NULL);
    else run_part(&parts[k]); /* no thread: do it here */
  }
}
