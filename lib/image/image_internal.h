/*
 * Image readers share one builder: each reader adds the ranges it finds
 * (with the line or offset they came from) and the builder sorts them,
 * rejects overlaps and merges neighbours into segments.
 */
#ifndef SWDF_IMAGE_INTERNAL_H
#define SWDF_IMAGE_INTERNAL_H

#include <stdint.h>

#include "internal.h"

/* Where a record came from: a line of a text file, an offset in a binary
 * file, or the index of a range given in memory. */
typedef enum swdf__origin_kind {
  SWDF__ORIGIN_LINE,
  SWDF__ORIGIN_OFFSET,
  SWDF__ORIGIN_INDEX,
} swdf__origin_kind;

typedef struct swdf__chunk {
  uint32_t addr;
  uint32_t len;
  uint64_t origin;
  size_t data_off; /* into the builder's data buffer */
} swdf__chunk;

typedef struct swdf__image_builder {
  swdf_ctx *ctx;
  const char *name;
  swdf__origin_kind origin_kind;
  swdf__chunk *chunks;
  size_t chunk_count, chunk_cap;
  uint8_t *data;
  size_t data_len, data_cap;
  int has_entry;
  uint32_t entry;
} swdf__image_builder;

void swdf__builder_init(swdf__image_builder *b, swdf_ctx *ctx, const char *name,
                        swdf__origin_kind kind);
void swdf__builder_free(swdf__image_builder *b);

/* Add `len` bytes at `addr`; fails when the range passes 4 GiB. */
swdf_err swdf__builder_add(swdf__image_builder *b, uint32_t addr, const uint8_t *data, size_t len,
                           uint64_t origin);

/* Sort, check overlaps and produce the image (the builder is emptied). */
swdf_err swdf__builder_finish(swdf__image_builder *b, swdf_image_format format, swdf_image **out);

/* Fail with SWDF_ERR_IMAGE, prefixing "NAME line N: " or "NAME offset 0xN: ". */
swdf_err swdf__image_fail(swdf__image_builder *b, uint64_t origin, const char *fmt, ...)
    SWDF_PRINTF(3, 4);

/* The readers. `bytes` is the whole file. */
swdf_err swdf__read_bin(swdf__image_builder *b, const uint8_t *bytes, size_t len, uint32_t base);
swdf_err swdf__read_ihex(swdf__image_builder *b, const uint8_t *bytes, size_t len);
swdf_err swdf__read_srec(swdf__image_builder *b, const uint8_t *bytes, size_t len);
swdf_err swdf__read_elf(swdf__image_builder *b, const uint8_t *bytes, size_t len);

/* Text readers: iterate over the lines of a file. */
typedef struct swdf__line_reader {
  const uint8_t *bytes;
  size_t len;
  size_t pos;
  uint64_t number; /* 1-based number of the current line */
} swdf__line_reader;

/* Next line without its end (CR, LF or CRLF) and surrounding blanks;
 * returns 0 at the end of the file. */
int swdf__next_line(swdf__line_reader *r, const char **line, size_t *len);

/*
 * Feed every non-empty line of a text image to `record` (with its 1-based
 * number), stopping at the first error. `*last_line` ends as the number of
 * the file's last line, for messages about what is missing at the end.
 */
typedef swdf_err (*swdf__record_fn)(void *state, uint64_t line, const char *text, size_t len);
swdf_err swdf__read_records(const uint8_t *bytes, size_t len, swdf__record_fn record, void *state,
                            uint64_t *last_line);

/* Decode `count` bytes written as hex digit pairs; returns the index of the
 * first bad character, or -1 when all were hex. */
long swdf__decode_hex(const char *text, size_t count, uint8_t *out);

/* Render a range as "0x08000000-0x080000ff" (inclusive end). */
void swdf__format_range(char *buf, size_t len, uint32_t addr, uint64_t size);

/* The name to show for a file: its name, or "image" when it has none. */
const char *swdf__image_display_name(const char *name);

#endif
