/* The <stddef.h> that NVRTC programs see: NVRTC declares size_t and ptrdiff_t itself. */
#ifndef CA_RTC_STDDEF_H
#define CA_RTC_STDDEF_H
#ifndef NULL
#define NULL 0
#endif
#endif
