/* What every image the readers produce must satisfy (include/swdflash/image.h). */
#ifndef SWDF_FUZZ_IMAGE_CHECK_H
#define SWDF_FUZZ_IMAGE_CHECK_H

#include <string.h>

#include <swdflash/swdflash.h>

#include "fuzz.h"

/* Segments: non-empty, inside the 32-bit address space, sorted, neither
 * overlapping nor touching (neighbours are merged), sizes adding up; every
 * byte readable. */
static inline void fuzz_check_image(const swdf_image *img, swdf_ctx *ctx, size_t input_len) {
  size_t n = swdf_image_segment_count(img);
  uint64_t total = 0;
  uint64_t prev_end = 0;
  volatile uint8_t sink = 0;
  for (size_t i = 0; i < n; i++) {
    const swdf_image_segment *s = swdf_image_segment_at(img, i);
    FUZZ_CHECK(s != NULL);
    FUZZ_CHECK(s->size >= 1);
    FUZZ_CHECK(s->data != NULL);
    FUZZ_CHECK((uint64_t)s->addr + s->size <= 0x100000000ull);
    FUZZ_CHECK(i == 0 || s->addr > prev_end);
    sink ^= s->data[0];
    sink ^= s->data[s->size - 1];
    prev_end = (uint64_t)s->addr + s->size;
    total += s->size;
    char where[64];
    swdf_image_origin(img, s->addr, where, sizeof(where));
    swdf_image_origin(img, (uint32_t)(prev_end - 1), where, sizeof(where));
    FUZZ_CHECK(strlen(where) < sizeof(where));
  }
  (void)sink;
  FUZZ_CHECK(swdf_image_segment_at(img, n) == NULL);
  FUZZ_CHECK(swdf_image_size(img) == total);
  /* A reader never makes bytes up: each image byte comes from the input.
   * (Not for ELF, whose program headers may load the same file bytes at
   * several addresses.) */
  FUZZ_CHECK(total <= input_len || swdf_image_get_format(img) == SWDF_IMAGE_ELF);
  FUZZ_CHECK(swdf_image_get_format(img) != SWDF_IMAGE_AUTO);
  FUZZ_CHECK(swdf_image_name(img) != NULL);
  uint32_t entry = 0;
  (void)swdf_image_entry(img, &entry);

  /* The region check on an F4-like map must not fail oddly. */
  static const swdf_mem_region regions[] = {
      {0x08000000u, 0x80000u, "flash"},
      {0x1fffc000u, 0x10u, "option bytes"},
      {0xfffffff0u, 0x10u, "top"},
  };
  swdf_err err = swdf_image_check_regions(img, ctx, regions, 3);
  FUZZ_CHECK(err == SWDF_OK || err == SWDF_ERR_RANGE);
  err = swdf_image_check_regions(img, ctx, regions, 0);
  FUZZ_CHECK(err == (n == 0 ? SWDF_OK : SWDF_ERR_RANGE));
}

/* Parse with the given options; check the result or the error. */
static inline void fuzz_parse_image(const uint8_t *data, size_t size, const char *name,
                                    const swdf_image_opts *opts) {
  swdf_ctx *ctx = fuzz_ctx_new();
  swdf_image *img = NULL;
  swdf_err err = swdf_image_parse(&img, ctx, data, size, name, opts);
  if (err == SWDF_OK) {
    FUZZ_CHECK(img != NULL);
    fuzz_check_image(img, ctx, size);
  } else {
    FUZZ_CHECK(img == NULL);
    FUZZ_CHECK(err == SWDF_ERR_IMAGE || err == SWDF_ERR_INVALID_ARG);
    FUZZ_CHECK(swdf_ctx_errmsg(ctx)[0] != '\0');
  }
  swdf_image_free(img);
  swdf_ctx_free(ctx);
}

#endif
