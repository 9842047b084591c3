/* The CPU backend: the reference semantics every other backend is compared against. */
#ifndef CA_CPU_H
#define CA_CPU_H

#include "backend.h"

/* Fills a ca_backend the core owns: name "cpu", device -1, every entry. `used` counts the
 * bytes alloc has handed out and free has not taken back (mem_info reports it); it belongs
 * to the caller, so that nothing here needs releasing before the last array's finalizer. */
void ca_cpu_backend_init(ca_backend *be, size_t *used);

/* What cu.show_config reports of this backend: the threads its loops use (parallel.c), and
 * the BLAS library matmul calls (blas.c), NULL when it was built without one. */
int ca_cpu_threads(void);
const char *ca_cpu_blas(void);

#endif
