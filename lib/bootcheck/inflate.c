/*
 * zlib streams (RFC 1950) read through zlib itself. The two header bytes
 * are checked here (they also serve the signature scan as a cheap filter:
 * RFC 1950 §2.2, CM = 8 "deflate", CINFO <= 7, FDICT clear, FCHECK making
 * CMF*256 + FLG a multiple of 31); zlib inflates the raw DEFLATE data
 * (RFC 1951) straight into the caller's buffer, which bounds the output; the
 * Adler-32 trailer is compared here so that a bad checksum gets its own
 * result. Each call has its own z_stream: no state outlives the call.
 */
#include <limits.h>
#include <string.h>
#include <zlib.h>

#include "bootcheck/inflate.h"

enum { ZLIB_HEADER = 2, ZLIB_TRAILER = 4, RAW_DEFLATE_WINDOW_BITS = -15 };

int swdf__zlib_header_ok(const uint8_t *p) {
  return (p[0] & 0x0F) == 8 && (p[0] >> 4) <= 7 && (p[1] & 0x20) == 0 &&
         ((unsigned)p[0] << 8 | p[1]) % 31 == 0;
}

/* What a zlib return that did not reach the end of the stream means. */
static swdf_inflate_result unfinished(int zr, const z_stream *s) {
  if (zr == Z_MEM_ERROR) {
    return SWDF_INFLATE_NO_MEMORY;
  }
  if (zr == Z_DATA_ERROR) {
    return SWDF_INFLATE_BAD_DATA;
  }
  /* Z_BUF_ERROR (or Z_OK): it stopped for want of room or of input. */
  return s->avail_out == 0 ? SWDF_INFLATE_TOO_BIG : SWDF_INFLATE_TRUNCATED;
}

swdf_inflate_result swdf__zlib_inflate(uint8_t *out, size_t out_max, size_t *out_len,
                                       const uint8_t *in, size_t in_len, size_t *in_used) {
  *out_len = 0;
  if (in_len < ZLIB_HEADER || !swdf__zlib_header_ok(in)) {
    return SWDF_INFLATE_BAD_HEADER;
  }
  z_stream s;
  memset(&s, 0, sizeof(s)); /* zalloc/zfree NULL: zlib's malloc and free */
  if (inflateInit2(&s, RAW_DEFLATE_WINDOW_BITS) != Z_OK) {
    return SWDF_INFLATE_NO_MEMORY;
  }
  size_t data_len = in_len - ZLIB_HEADER;
  /* zlib counts in uInt: a longer input or output is offered in part, which
   * ends as TRUNCATED or TOO_BIG like any stream that does not fit. */
  s.next_in = (Bytef *)(uintptr_t)(in + ZLIB_HEADER); /* zlib does not write through it */
  s.avail_in = data_len > UINT_MAX ? UINT_MAX : (uInt)data_len;
  uint8_t empty = 0;
  s.next_out = out_max > 0 ? out : &empty;
  s.avail_out = out_max > UINT_MAX ? UINT_MAX : (uInt)out_max;
  int zr = inflate(&s, Z_FINISH);
  *out_len = s.total_out;
  size_t used = ZLIB_HEADER + s.total_in;
  inflateEnd(&s);
  if (zr != Z_STREAM_END) {
    return unfinished(zr, &s);
  }
  if (in_len - used < ZLIB_TRAILER) {
    return SWDF_INFLATE_TRUNCATED;
  }
  const uint8_t *t = in + used;
  uint32_t check = (uint32_t)t[0] << 24 | (uint32_t)t[1] << 16 | (uint32_t)t[2] << 8 | t[3];
  if (adler32_z(adler32_z(0, Z_NULL, 0), out, *out_len) != check) {
    return SWDF_INFLATE_BAD_CHECK;
  }
  if (in_used != NULL) {
    *in_used = used + ZLIB_TRAILER;
  }
  return SWDF_INFLATE_OK;
}
