/* The CPU backend: the reference semantics every other backend is compared against. */
#ifndef CA_CPU_H
#define CA_CPU_H

#include "backend.h"

/* Fills a ca_backend the core owns: name "cpu", device -1, every entry. May allocate
 * be->ctx (the allocation counter); ca_cpu_backend_release frees it. */
void ca_cpu_backend_init(ca_backend *be);
/* Frees what init allocated; safe twice. */
void ca_cpu_backend_release(ca_backend *be);

#endif
