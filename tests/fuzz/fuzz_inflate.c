/*
 * Fuzz the reader of zlib streams (lib/bootcheck/inflate.c), which inflates
 * compressed data found in flash through zlib with its own header and
 * trailer checks and a bounded output. Its promise: it never reads past the
 * input nor writes past the output buffer, and reports what it used. Its
 * answers are compared with zlib's one-call uncompress().
 *
 * Input: one byte choosing the output size, then the zlib stream.
 */
#include <stdlib.h>
#include <string.h>

#include "bootcheck/inflate.h"
#include "fuzz.h"

#include <zlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) {
    return 0;
  }
  size_t out_max = (size_t)(data[0] & 0x7F) * 512u + (data[0] & 0x80 ? 0 : 1);
  data++;
  size--;
  /* Exact-size heap copies, so that ASan sees any access past either end. */
  uint8_t *in = malloc(size > 0 ? size : 1);
  uint8_t *out = malloc(out_max > 0 ? out_max : 1);
  FUZZ_CHECK(in != NULL && out != NULL);
  memcpy(in, data, size);
  if (size >= 2) {
    (void)swdf__zlib_header_ok(in);
  }
  size_t out_len = (size_t)-1, in_used = (size_t)-1;
  swdf_inflate_result r = swdf__zlib_inflate(out, out_max, &out_len, in, size, &in_used);
  FUZZ_CHECK(r <= SWDF_INFLATE_OK && r >= SWDF_INFLATE_NO_MEMORY);
  FUZZ_CHECK(out_len <= out_max);
  if (r == SWDF_INFLATE_OK) {
    FUZZ_CHECK(in_used <= size);
  }
  uLongf z_len = (uLongf)out_max;
  uint8_t *z_out = malloc(out_max > 0 ? out_max : 1);
  FUZZ_CHECK(z_out != NULL);
  int zr = uncompress(z_out, &z_len, in, (uLong)size);
  if (zr == Z_OK) {
    /* A stream zlib reads completely into this buffer must read the same. */
    FUZZ_CHECK(r == SWDF_INFLATE_OK);
    FUZZ_CHECK(out_len == z_len);
    FUZZ_CHECK(memcmp(out, z_out, out_len) == 0);
  } else {
    /* What zlib refuses (or cannot fit), we refuse. */
    FUZZ_CHECK(r != SWDF_INFLATE_OK);
  }
  free(z_out);
  free(in);
  free(out);
  return 0;
}
