/*
 * Reading a zlib stream (RFC 1950 around RFC 1951 DEFLATE) found in flash,
 * such as the compressed data dictionary Klipper firmware carries, through
 * zlib. It never reads past the input nor writes past the output buffer.
 */
#ifndef SWDF_INFLATE_H
#define SWDF_INFLATE_H

#include <stddef.h>
#include <stdint.h>

typedef enum swdf_inflate_result {
  SWDF_INFLATE_OK = 0,
  SWDF_INFLATE_BAD_HEADER = -1, /* not a zlib stream */
  SWDF_INFLATE_BAD_DATA = -2,   /* corrupt DEFLATE data */
  SWDF_INFLATE_TRUNCATED = -3,  /* input ended early */
  SWDF_INFLATE_TOO_BIG = -4,    /* output does not fit `out_max` */
  SWDF_INFLATE_BAD_CHECK = -5,  /* Adler-32 mismatch */
  SWDF_INFLATE_NO_MEMORY = -6,  /* zlib could not allocate its state */
} swdf_inflate_result;

/* True when the two bytes at `p` can start a zlib stream (CM 8, no dictionary). */
int swdf__zlib_header_ok(const uint8_t *p);

/*
 * Decompress the zlib stream at `in` into `out`, at most `out_max` bytes.
 * `*out_len` gets the bytes written (also on failure), `*in_used` (may be
 * NULL; set on success) the bytes of input consumed, including the Adler-32
 * trailer. Input after the stream is not looked at.
 */
swdf_inflate_result swdf__zlib_inflate(uint8_t *out, size_t out_max, size_t *out_len,
                                       const uint8_t *in, size_t in_len, size_t *in_used);

#endif
