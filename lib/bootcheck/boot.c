/* Public boot checks that need no target: names and image buffers. */
#include <stdio.h>
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

static swdf_err check_buffer_full(swdf_boot_report *out, swdf_ctx *ctx, const void *data,
                                  size_t len, const swdf_boot_memory *mem_in) {
  if (ctx == NULL) {
    return SWDF_ERR_INVALID_ARG;
  }
  swdf__clear_error(ctx);
  swdf_boot_memory m_in = SWDF_BOOT_MEMORY_INIT;
  if (mem_in != NULL) {
    swdf_err verr = swdf__versioned_in(&m_in, sizeof(m_in), mem_in, SWDF__MIN_BOOT_MEMORY, ctx,
                                       "swdf_boot_memory");
    if (verr != SWDF_OK) {
      return verr;
    }
  }
  const swdf_boot_memory *mem = mem_in != NULL ? &m_in : NULL;
  if (out == NULL || mem == NULL || (data == NULL && len > 0) || mem->flash_size == 0 ||
      len > mem->flash_size) {
    return swdf__fail(ctx, SWDF_ERR_INVALID_ARG, NULL,
                      "swdf_boot_check_buffer: missing argument or data larger than the flash");
  }
  memset(out, 0, sizeof(*out));
  out->size = sizeof(*out);
  buffer_flash b = {data, len, mem->flash_base};
  swdf_bootscan_mem m = {mem->flash_base, mem->flash_size, mem->ram_base, mem->ram_size,
                         read_buffer, &b};
  swdf_err err = swdf__bootscan(out, &m, mem->flash_base);
  if (err != SWDF_OK) {
    return swdf__fail(ctx, err, NULL, "out of memory while checking the image");
  }
  out->source = SWDF_BOOT_UNKNOWN;
  snprintf(out->source_text, sizeof(out->source_text),
           "not known: the image was checked without a chip");
  swdf__bootscan_verdict(out);
  return SWDF_OK;
}

swdf_err swdf_boot_check_buffer(swdf_boot_report *out, swdf_ctx *ctx, const void *data,
                                size_t len, const swdf_boot_memory *mem) {
  swdf_boot_report full;
  swdf_err err = check_buffer_full(out != NULL ? &full : NULL, ctx, data, len, mem);
  return err != SWDF_OK ? err
                        : swdf__versioned_out(out, &full, sizeof(full), SWDF__MIN_BOOT_REPORT, ctx,
                                              "swdf_boot_report");
}
