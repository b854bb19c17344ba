/*
 * Fuzz the boot check (lib/bootcheck: bootscan.c, signatures.c, and the
 * decompressor through Klipper's data dictionary), which reads whatever the
 * flash holds: vector tables, firmware signatures, version strings.
 *
 * Input: one byte choosing the chip's memory sizes, then the flash contents
 * from the flash base (the rest of the flash reads as erased).
 */
#include <string.h>

#include "fuzz.h"

#define TERMINATED(field) (memchr((field), '\0', sizeof(field)) != NULL)

static void check_report(const swdf_boot_report *r, const swdf_boot_memory *mem) {
  FUZZ_CHECK(r->size == sizeof(*r));
  FUZZ_CHECK(r->image_count <= SWDF_BOOT_MAX_IMAGES);
  FUZZ_CHECK(TERMINATED(r->source_text));
  FUZZ_CHECK(TERMINATED(r->verdict));
  FUZZ_CHECK(r->base_ok == 0 || r->base_ok == 1);
  uint64_t flash_end = (uint64_t)mem->flash_base + mem->flash_size;
  for (size_t i = 0; i < r->image_count; i++) {
    const swdf_boot_image *img = &r->images[i];
    FUZZ_CHECK(TERMINATED(img->problem));
    FUZZ_CHECK(TERMINATED(img->kind));
    FUZZ_CHECK(TERMINATED(img->name));
    FUZZ_CHECK(TERMINATED(img->version));
    FUZZ_CHECK(TERMINATED(img->mcu));
    FUZZ_CHECK(TERMINATED(img->evidence));
    if (strcmp(img->kind, "st-rom") != 0) {
      /* Images found in the flash lie inside it. */
      FUZZ_CHECK(img->addr >= mem->flash_base && img->addr < flash_end);
      FUZZ_CHECK((uint64_t)img->addr + img->size <= flash_end);
    }
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const struct {
    uint32_t flash, ram;
  } chips[] = {
      {64 * 1024, 20 * 1024},   /* F103C8 */
      {512 * 1024, 128 * 1024}, /* F446RE */
      {128 * 1024, 144 * 1024}, /* G0B1 */
      {2048 * 1024, 192 * 1024},
      {16 * 1024, 4 * 1024},
      {4 * 1024, 1024},
      {1000, 100}, /* sizes that are not a multiple of anything */
      {512 * 1024, 0},
  };
  if (size < 1) {
    return 0;
  }
  swdf_boot_memory mem = SWDF_BOOT_MEMORY_INIT;
  mem.flash_size = chips[data[0] % 8].flash;
  mem.ram_size = chips[data[0] % 8].ram;
  if (data[0] & 0x80) {
    mem.ram_base = 0x10000000u; /* CCM-like RAM elsewhere */
  }
  data++;
  size--;
  if (size > mem.flash_size) {
    size = mem.flash_size;
  }
  swdf_ctx *ctx = fuzz_ctx_new();
  swdf_boot_report report;
  memset(&report, 0xA5, sizeof(report));
  report.size = sizeof(report);
  swdf_err err = swdf_boot_check_buffer(&report, ctx, size > 0 ? data : NULL, size, &mem);
  FUZZ_CHECK(err == SWDF_OK || err == SWDF_ERR_NO_MEMORY);
  if (err == SWDF_OK) {
    check_report(&report, &mem);
  }
  swdf_ctx_free(ctx);
  return 0;
}
