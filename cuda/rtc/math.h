/* The <math.h> that NVRTC programs see: the CUDA math functions are built into NVRTC; these
 * are the macros of C's header that the shared formulas use. */
#ifndef CA_RTC_MATH_H
#define CA_RTC_MATH_H
#define INFINITY __int_as_float(0x7f800000)
#define NAN __int_as_float(0x7fffffff)
#endif
