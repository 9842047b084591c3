/* NVRTC through dlopen (cuda/jit.h). The library is optional at run time: the module loads
 * and every core op works without it; only a user kernel or a fused function needs it, and
 * then its absence is an error naming the library. The handle and the function pointers are
 * process-wide (a shared library is loaded once per process whatever the lua_State), set once
 * under pthread_once. */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <nvrtc.h>
#include "jit.h"
#include "nvrtc_headers.h"

typedef struct nvrtc_api {
  void *lib;
  char why[256];
  const char *(*GetErrorString)(nvrtcResult);
  nvrtcResult (*Version)(int *, int *);
  nvrtcResult (*CreateProgram)(nvrtcProgram *, const char *, const char *, int, const char *const *,
                               const char *const *);
  nvrtcResult (*DestroyProgram)(nvrtcProgram *);
  nvrtcResult (*CompileProgram)(nvrtcProgram, int, const char *const *);
  nvrtcResult (*GetProgramLogSize)(nvrtcProgram, size_t *);
  nvrtcResult (*GetProgramLog)(nvrtcProgram, char *);
  nvrtcResult (*GetCUBINSize)(nvrtcProgram, size_t *);
  nvrtcResult (*GetCUBIN)(nvrtcProgram, char *);
  nvrtcResult (*GetPTXSize)(nvrtcProgram, size_t *);
  nvrtcResult (*GetPTX)(nvrtcProgram, char *);
} nvrtc_api;

static nvrtc_api api;
static pthread_once_t api_once = PTHREAD_ONCE_INIT;

static void api_open(void) {
  /* The versioned name first: the unversioned link exists only with the toolkit's -dev files. */
  static const char *const names[] = {"libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so"};
  for (size_t i = 0; i < sizeof names / sizeof names[0] && !api.lib; i++)
    api.lib = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
  if (!api.lib) {
    snprintf(api.why, sizeof api.why, "cannot load NVRTC (libnvrtc.so.13): %s", dlerror());
    return;
  }
#define LOAD(f)                                                                                 \
  if (!(*(void **)&api.f = dlsym(api.lib, "nvrtc" #f))) {                                       \
    snprintf(api.why, sizeof api.why, "NVRTC lacks nvrtc" #f);                                  \
    dlclose(api.lib);                                                                           \
    api.lib = NULL;                                                                             \
    return;                                                                                     \
  }
  LOAD(GetErrorString) LOAD(Version) LOAD(CreateProgram) LOAD(DestroyProgram)
  LOAD(CompileProgram) LOAD(GetProgramLogSize) LOAD(GetProgramLog) LOAD(GetCUBINSize)
  LOAD(GetCUBIN) LOAD(GetPTXSize) LOAD(GetPTX)
#undef LOAD
}

static int api_get(char *why, size_t whylen) {
  pthread_once(&api_once, api_open);
  if (api.lib) return 0;
  snprintf(why, whylen, "%s", api.why);
  return -1;
}

int cu_jit_version(int *major, int *minor, char *why, size_t whylen) {
  if (api_get(why, whylen)) return -1;
  nvrtcResult r = api.Version(major, minor);
  if (r != NVRTC_SUCCESS) {
    snprintf(why, whylen, "nvrtcVersion: %s", api.GetErrorString(r));
    return -1;
  }
  return 0;
}

static char *program_log(nvrtcProgram prog) {
  size_t n = 0;
  if (api.GetProgramLogSize(prog, &n) != NVRTC_SUCCESS || n == 0) n = 1;
  char *log = (char *)malloc(n + 1);
  if (!log) return NULL;
  log[0] = 0;
  if (n > 1 && api.GetProgramLog(prog, log) != NVRTC_SUCCESS) log[0] = 0;
  log[n] = 0;
  return log;
}

int cu_jit_compile(const char *src, const char *name, const char *const *opts, int nopts,
                   char **image, size_t *size, char **log, char *why, size_t whylen) {
  *image = NULL;
  *log = NULL;
  *size = 0;
  if (api_get(why, whylen)) return -1;
  nvrtcProgram prog = NULL;
  nvrtcResult r = api.CreateProgram(&prog, src, name, CU_NVRTC_NHEADERS, cu_nvrtc_header_text,
                                    cu_nvrtc_header_names);
  if (r != NVRTC_SUCCESS) {
    snprintf(why, whylen, "nvrtcCreateProgram: %s", api.GetErrorString(r));
    return -1;
  }
  int ret = -1;
  r = api.CompileProgram(prog, nopts, opts);
  if (r == NVRTC_ERROR_COMPILATION) {
    *log = program_log(prog);
    ret = *log ? 1 : -1;
    if (!*log) snprintf(why, whylen, "out of memory for NVRTC's log");
    goto done;
  }
  if (r != NVRTC_SUCCESS) {
    snprintf(why, whylen, "nvrtcCompileProgram: %s", api.GetErrorString(r));
    goto done;
  }
  /* A virtual architecture (compute_XX) gives PTX only: the cubin size is then 0. */
  size_t n = 0;
  int ptx = 0;
  if ((r = api.GetCUBINSize(prog, &n)) != NVRTC_SUCCESS) goto fail;
  if (n == 0) {
    ptx = 1;
    if ((r = api.GetPTXSize(prog, &n)) != NVRTC_SUCCESS) goto fail;
  }
  *image = (char *)malloc(n ? n : 1);
  if (!*image) {
    snprintf(why, whylen, "out of memory for a compiled image of %zu bytes", n);
    goto done;
  }
  if ((r = ptx ? api.GetPTX(prog, *image) : api.GetCUBIN(prog, *image)) != NVRTC_SUCCESS) {
    free(*image);
    *image = NULL;
    goto fail;
  }
  *size = n;
  ret = 0;
  goto done;
fail:
  snprintf(why, whylen, "NVRTC: %s", api.GetErrorString(r));
done:
  api.DestroyProgram(&prog);
  return ret;
}

unsigned long long cu_hash(unsigned long long h, const void *p, size_t n) {
  const unsigned char *b = (const unsigned char *)p;
  for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 0x100000001b3ull;
  return h;
}
