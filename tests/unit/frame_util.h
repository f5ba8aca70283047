/*
 * frame_util.h - reading back what the gate's framing check passed on under
 * chunked framing, for the suites of frame.c and of what runs inside it.
 */
#ifndef VNM_FRAME_UTIL_H
#define VNM_FRAME_UTIL_H

#include <stddef.h>

/* The content of the chunked bytes p (len of them), with end_mark written
 * for each end of chunks ("" for none), into out; its length.  A chunk
 * header that is not RFC 6242's fails the test. */
size_t ut_unchunk(const char *p, size_t len, char *out, const char *end_mark);

#endif
