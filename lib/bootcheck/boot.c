/* Public boot checks that need no target: names and image buffers. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bootcheck/bootscan.h"
#include "internal.h"

const char *swdf_boot_source_name(swdf_boot_source source) {
  switch (source) {
  case SWDF_BOOT_FLASH:
    return "main flash";
  case SWDF_BOOT_SYSTEM:
    return "system memory (ST ROM bootloader)";
  case SWDF_BOOT_SRAM:
    return "SRAM";
  case SWDF_BOOT_UNKNOWN:
    break;
  }
  return "unknown";
}

typedef struct buffer_flash {
  const uint8_t *data;
  size_t len;
  uint32_t base;
} buffer_flash;

static swdf_err read_buffer(void *user, uint32_t addr, void *buf, size_t len) {
  const buffer_flash *b = user;
  size_t off = addr - b->base;
  memset(buf, 0xFF, len);
  if (off < b->len) {
    size_t n = b->len - off < len ? b->len - off : len;
    memcpy(buf, b->data + off, n);
  }
  return SWDF_OK;
}

/* The chip name of a swdf_boot_memory, when the caller's struct has it. */
static const char *memory_chip(const swdf_boot_memory *mem) {
  return mem->size >= offsetof(swdf_boot_memory, chip_name) + sizeof(mem->chip_name)
             ? mem->chip_name
             : NULL;
}

static swdf_err check_flash(swdf_boot_report *out, swdf_ctx *ctx, const uint8_t *data, size_t len,
                            const swdf_boot_memory *mem, uint32_t base) {
  memset(out, 0, sizeof(*out));
  out->size = sizeof(*out);
  buffer_flash b = {data, len, mem->flash_base};
  swdf_bootscan_mem m = {mem->flash_base, mem->flash_size, mem->ram_base, mem->ram_size,
                         read_buffer, &b, memory_chip(mem)};
  swdf_err err = swdf__bootscan(out, &m, base);
  if (err != SWDF_OK) {
    return swdf__fail(ctx, err, NULL, "out of memory while checking the image");
  }
  out->source = SWDF_BOOT_UNKNOWN;
  snprintf(out->source_text, sizeof(out->source_text),
           "not known: the image was checked without a chip");
  swdf__bootscan_verdict(out, m.chip_name);
  return SWDF_OK;
}

/* Start a check: clear the error and take the caller's memory description
 * (its `size` bytes over the defaults). *mem is NULL when mem_in is. */
static swdf_err memory_in(swdf_boot_memory *m, const swdf_boot_memory **mem, swdf_ctx *ctx,
                          const swdf_boot_memory *mem_in) {
  if (ctx == NULL) {
    return SWDF_ERR_INVALID_ARG;
  }
  swdf__clear_error(ctx);
  *m = (swdf_boot_memory)SWDF_BOOT_MEMORY_INIT;
  if (mem_in == NULL) {
    return SWDF_OK;
  }
  swdf_err err = swdf__versioned_in(m, sizeof(*m), mem_in, SWDF__MIN_BOOT_MEMORY, ctx,
                                    "swdf_boot_memory");
  *mem = err == SWDF_OK ? m : NULL;
  return err;
}

static swdf_err check_buffer_full(swdf_boot_report *out, swdf_ctx *ctx, const void *data,
                                  size_t len, const swdf_boot_memory *mem_in) {
  swdf_boot_memory m_in;
  const swdf_boot_memory *mem = NULL;
  swdf_err verr = memory_in(&m_in, &mem, ctx, mem_in);
  if (verr != SWDF_OK) {
    return verr;
  }
  if (out == NULL || mem == NULL || (data == NULL && len > 0) || mem->flash_size == 0 ||
      len > mem->flash_size) {
    return swdf__fail(ctx, SWDF_ERR_INVALID_ARG, NULL,
                      "swdf_boot_check_buffer: missing argument or data larger than the flash");
  }
  return check_flash(out, ctx, data, len, mem, mem->flash_base);
}

static swdf_err check_image_full(swdf_boot_report *out, swdf_ctx *ctx, const swdf_image *image,
                                 const swdf_boot_memory *mem_in,
                                 const swdf_boot_check_opts *opts) {
  swdf_boot_memory m_in;
  const swdf_boot_memory *mem = NULL;
  swdf_err verr = memory_in(&m_in, &mem, ctx, mem_in);
  if (verr != SWDF_OK) {
    return verr;
  }
  if (out == NULL || mem == NULL || image == NULL || mem->flash_size == 0 ||
      swdf_image_segment_count(image) == 0) {
    return swdf__fail(ctx, SWDF_ERR_INVALID_ARG, NULL,
                      "swdf_boot_check_image: missing argument or empty image");
  }
  uint64_t flash_end = (uint64_t)mem->flash_base + mem->flash_size;
  size_t count = swdf_image_segment_count(image);
  for (size_t i = 0; i < count; i++) {
    const swdf_image_segment *seg = swdf_image_segment_at(image, i);
    if (seg->addr < mem->flash_base || seg->addr + (uint64_t)seg->size > flash_end) {
      return swdf__fail(ctx, SWDF_ERR_RANGE, "give the address the image goes to in the flash",
                        "%s: 0x%08X-0x%08X is not inside the flash (0x%08X-0x%08X)",
                        swdf_image_name(image), seg->addr, seg->addr + seg->size - 1,
                        mem->flash_base, (uint32_t)(flash_end - 1));
    }
  }
  uint32_t base = mem->flash_base;
  if (opts != NULL && opts->size >= sizeof(*opts) && opts->has_base) {
    base = opts->base;
  }
  if (base < mem->flash_base || base >= flash_end || base % 4 != 0) {
    return swdf__fail(ctx, SWDF_ERR_INVALID_ARG, "give a word-aligned address inside the flash",
                      "0x%08X is not a word-aligned address inside the flash", base);
  }
  /* The flash as it would be: erased, then the image. */
  const swdf_image_segment *last = swdf_image_segment_at(image, count - 1);
  size_t len = last->addr + last->size - mem->flash_base;
  uint8_t *flash = malloc(len);
  if (flash == NULL) {
    return swdf__fail(ctx, SWDF_ERR_NO_MEMORY, NULL, "out of memory while checking the image");
  }
  memset(flash, 0xFF, len);
  for (size_t i = 0; i < count; i++) {
    const swdf_image_segment *seg = swdf_image_segment_at(image, i);
    memcpy(flash + (seg->addr - mem->flash_base), seg->data, seg->size);
  }
  swdf_err err = check_flash(out, ctx, flash, len, mem, base);
  free(flash);
  return err;
}

swdf_err swdf_boot_check_buffer(swdf_boot_report *out, swdf_ctx *ctx, const void *data,
                                size_t len, const swdf_boot_memory *mem) {
  swdf_boot_report full;
  swdf_err err = check_buffer_full(out != NULL ? &full : NULL, ctx, data, len, mem);
  return err != SWDF_OK ? err
                        : swdf__versioned_out(out, &full, sizeof(full), SWDF__MIN_BOOT_REPORT, ctx,
                                              "swdf_boot_report");
}

swdf_err swdf_boot_check_image(swdf_boot_report *out, swdf_ctx *ctx, const swdf_image *image,
                               const swdf_boot_memory *mem, const swdf_boot_check_opts *opts) {
  swdf_boot_report full;
  swdf_err err = check_image_full(out != NULL ? &full : NULL, ctx, image, mem, opts);
  return err != SWDF_OK ? err
                        : swdf__versioned_out(out, &full, sizeof(full), SWDF__MIN_BOOT_REPORT, ctx,
                                              "swdf_boot_report");
}
