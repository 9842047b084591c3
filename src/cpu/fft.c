/* The fft entry of the CPU backend (see ca_fft in backend.h): one pass per transformed dim,
 * each pass a set of independent lines, spread over threads. A line is gathered from its
 * strided source into a buffer of complex doubles, transformed there by the engine
 * (fft_engine.c) and scattered to its destination, converted and scaled on the way; so every
 * precision computes in double, and float32 results are float32 roundings of them. */
#include <stdio.h>
#include <stdlib.h>
#include "cpu_internal.h"
#include "fft_engine.h"

/* How an operand's elements are stored. */
enum { F_REAL32, F_REAL64, F_CPLX64, F_CPLX128 };
static const size_t fmt_size[] = {4, 8, 8, 16};

typedef struct fft_pass {
  int ndim, axis;                 /* the lines run along dim `axis` */
  int64_t shape[CA_MAXDIMS];      /* sizes of the other dims (shape[axis] is not read) */
  int kind, sign;                 /* ca_fft_kind of this pass, and the C2C direction */
  int64_t n;                      /* transform length */
  double scale;
  const char *src;
  int64_t ss[CA_MAXDIMS];         /* bytes */
  int sfmt;
  char *dst;
  int64_t ds[CA_MAXDIMS];         /* bytes */
  int dfmt;
  const ca_fft_plan *plan;
  int failed;                     /* a thread could not get its buffers */
} fft_pass;

static void load_complex(int fmt, const char *p, double *re, double *im) {
  if (fmt == F_CPLX64) {
    *re = ((const float *)p)[0];
    *im = ((const float *)p)[1];
  } else {
    *re = ((const double *)p)[0];
    *im = ((const double *)p)[1];
  }
}

static void gather(const fft_pass *ps, const char *s, double *buf) {
  int64_t n = ps->n, st = ps->ss[ps->axis];
  if (ps->kind == CA_FFT_R2C) {
    for (int64_t j = 0; j < n; j++, s += st) {
      buf[2 * j] = ps->sfmt == F_REAL32 ? *(const float *)s : *(const double *)s;
      buf[2 * j + 1] = 0;
    }
    return;
  }
  int64_t len = ps->kind == CA_FFT_C2R ? n / 2 + 1 : n;
  for (int64_t j = 0; j < len; j++, s += st) load_complex(ps->sfmt, s, &buf[2 * j], &buf[2 * j + 1]);
  if (ps->kind == CA_FFT_C2R) {
    for (int64_t j = 1; j <= (n - 1) / 2; j++) {
      buf[2 * (n - j)] = buf[2 * j];
      buf[2 * (n - j) + 1] = -buf[2 * j + 1];
    }
  }
}

static void scatter(const fft_pass *ps, const double *buf, char *d) {
  int64_t n = ps->n, st = ps->ds[ps->axis];
  double k = ps->scale;
  if (ps->kind == CA_FFT_C2R) {
    for (int64_t j = 0; j < n; j++, d += st) {
      if (ps->dfmt == F_REAL32) *(float *)d = (float)(buf[2 * j] * k);
      else *(double *)d = buf[2 * j] * k;
    }
    return;
  }
  int64_t len = ps->kind == CA_FFT_R2C ? n / 2 + 1 : n;
  for (int64_t j = 0; j < len; j++, d += st) {
    if (ps->dfmt == F_CPLX64) {
      ((float *)d)[0] = (float)(buf[2 * j] * k);
      ((float *)d)[1] = (float)(buf[2 * j + 1] * k);
    } else {
      ((double *)d)[0] = buf[2 * j] * k;
      ((double *)d)[1] = buf[2 * j + 1] * k;
    }
  }
}

static void run_lines(void *ctx, int64_t lo, int64_t hi) {
  fft_pass *ps = (fft_pass *)ctx;
  double *buf = (double *)malloc((2 * (size_t)ps->n + ca_fft_work_len(ps->plan)) * sizeof(double));
  if (!buf) {
    ps->failed = 1;
    return;
  }
  double *work = buf + 2 * ps->n;
  int sign = ps->kind == CA_FFT_C2C ? ps->sign : ps->kind == CA_FFT_R2C ? -1 : 1;
  for (int64_t line = lo; line < hi; line++) {
    const char *s = ps->src;
    char *d = ps->dst;
    int64_t rest = line;
    for (int k = ps->ndim - 1; k >= 0; k--) {
      if (k == ps->axis) continue;
      int64_t i = rest % ps->shape[k];
      rest /= ps->shape[k];
      s += i * ps->ss[k];
      d += i * ps->ds[k];
    }
    gather(ps, s, buf);
    ca_fft_exec(ps->plan, buf, work, sign);
    scatter(ps, buf, d);
  }
  free(buf);
}

/* Runs one pass; shape is the line layout (the source's dims but along the axis). */
static ca_status run_pass(ca_backend *be, fft_pass *ps) {
  int64_t lines = 1;
  for (int k = 0; k < ps->ndim; k++)
    if (k != ps->axis) lines *= ps->shape[k];
  ca_fft_plan *plan = ca_fft_plan_new(ps->n);
  if (!plan) {
    snprintf(be->errmsg, sizeof be->errmsg, "fft: no memory for a plan of length %lld", (long long)ps->n);
    return CA_ERR_NOMEM;
  }
  ps->plan = plan;
  ps->failed = 0;
  int64_t grain = ps->n >= 32768 ? 1 : 32768 / ps->n;
  ca_cpu_parallel(lines, grain, run_lines, ps);
  ca_fft_plan_free(plan);
  if (ps->failed) {
    snprintf(be->errmsg, sizeof be->errmsg, "fft: no memory for the buffers of length %lld", (long long)ps->n);
    return CA_ERR_NOMEM;
  }
  return CA_OK;
}

static void set_operands(fft_pass *ps, const char *src, const int64_t *ss, int sfmt, char *dst,
                         const int64_t *ds, int dfmt) {
  ps->src = src;
  ps->sfmt = sfmt;
  ps->dst = dst;
  ps->dfmt = dfmt;
  for (int k = 0; k < ps->ndim; k++) {
    ps->ss[k] = ss[k] * (int64_t)fmt_size[sfmt];
    ps->ds[k] = ds[k] * (int64_t)fmt_size[dfmt];
  }
}

ca_status ca_cpu_fft(ca_backend *be, const ca_fft *f) {
  if ((f->real != CA_FLOAT32 && f->real != CA_FLOAT64) || f->rank < 1 || f->rank > CA_FFT_MAXRANK ||
      f->rank > f->ndim || f->kind < CA_FFT_C2C || f->kind > CA_FFT_C2R)
    return CA_ERR_UNSUPPORTED;
  for (int k = 0; k < f->ndim; k++)
    if (f->shape[k] == 0) return CA_OK;
  int rfmt = f->real == CA_FLOAT32 ? F_REAL32 : F_REAL64, cfmt = rfmt + 2;
  int last = f->ndim - 1, first = f->ndim - f->rank;
  fft_pass ps;
  memset(&ps, 0, sizeof ps);
  ps.ndim = f->ndim;
  memcpy(ps.shape, f->shape, sizeof ps.shape);
  /* the complex side's shape: n/2 + 1 along the last dim for R2C and C2R */
  int64_t half = f->shape[last] / 2 + 1;
  ca_status st;

  if (f->kind != CA_FFT_C2R) {
    /* along the last dim from the input to the output, then in place along the others */
    ps.axis = last;
    ps.kind = f->kind;
    ps.sign = f->kind == CA_FFT_C2C ? f->sign : -1;
    ps.n = f->shape[last];
    ps.scale = f->rank == 1 ? f->scale : 1.0;
    set_operands(&ps, f->in, f->in_strides, f->kind == CA_FFT_R2C ? rfmt : cfmt, f->out,
                 f->out_strides, cfmt);
    if ((st = run_pass(be, &ps)) != CA_OK) return st;
    if (f->kind == CA_FFT_R2C) ps.shape[last] = half;
    set_operands(&ps, f->out, f->out_strides, cfmt, f->out, f->out_strides, cfmt);
    ps.kind = CA_FFT_C2C;
    for (int a = last - 1; a >= first; a--) {
      ps.axis = a;
      ps.n = f->shape[a];
      ps.scale = a == first ? f->scale : 1.0;
      if ((st = run_pass(be, &ps)) != CA_OK) return st;
    }
    return CA_OK;
  }

  /* C2R: the inverse C2C transforms along the other dims go into a contiguous buffer of
   * complex doubles (the input stays as it is), then C2R from there into the output. */
  ps.shape[last] = half;
  const char *src = f->in;
  const int64_t *ss = f->in_strides;
  int sfmt = cfmt;
  double *tmp = NULL;
  int64_t ts[CA_MAXDIMS];
  if (f->rank > 1) {
    int64_t count = 1;
    for (int k = last; k >= 0; k--) {
      ts[k] = count;
      count *= ps.shape[k];
    }
    tmp = (double *)malloc(2 * (size_t)count * sizeof(double));
    if (!tmp) {
      snprintf(be->errmsg, sizeof be->errmsg, "irfft: no memory for %lld complex values", (long long)count);
      return CA_ERR_NOMEM;
    }
    ps.kind = CA_FFT_C2C;
    ps.sign = 1;
    ps.scale = 1.0;
    for (int a = last - 1; a >= first; a--) {
      ps.axis = a;
      ps.n = f->shape[a];
      set_operands(&ps, src, ss, sfmt, (char *)tmp, ts, F_CPLX128);
      if ((st = run_pass(be, &ps)) != CA_OK) {
        free(tmp);
        return st;
      }
      src = (const char *)tmp, ss = ts, sfmt = F_CPLX128;
    }
  }
  ps.shape[last] = f->shape[last];
  ps.axis = last;
  ps.kind = CA_FFT_C2R;
  ps.n = f->shape[last];
  ps.scale = f->scale;
  set_operands(&ps, src, ss, sfmt, f->out, f->out_strides, rfmt);
  st = run_pass(be, &ps);
  free(tmp);
  return st;
}
