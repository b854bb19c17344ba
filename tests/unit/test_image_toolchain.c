/*
 * The image readers against files made by arm-none-eabi-gcc and objcopy:
 * an ELF whose initialised data has a load address (flash) different from
 * its run address (SRAM), and its Intel HEX, S-record and binary copies.
 * Usage: test_image_toolchain APP.elf APP.hex APP.srec APP.bin
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "internal.h"

static const char *paths[4];
static swdf_ctx *ctx;

static swdf_image *load(const char *path) {
  swdf_image *img = NULL;
  swdf_err err = swdf_image_load(&img, ctx, path, NULL);
  if (err != SWDF_OK) {
    fail_msg("%s: %s", path, swdf_ctx_errmsg(ctx));
  }
  return img;
}

static uint32_t le32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The test is only meaningful when the linker really split .data's
 * addresses; check that in the file itself. */
static void elf_has_data_with_distinct_load_address(void **state) {
  (void)state;
  FILE *f = fopen(paths[0], "rb");
  assert_non_null(f);
  uint8_t buf[4096];
  size_t len = fread(buf, 1, sizeof(buf), f);
  fclose(f);
  assert_true(len >= 52);
  uint32_t phoff = le32(buf + 28);
  unsigned phnum = (unsigned)(buf[44] | buf[45] << 8);
  int split = 0;
  for (unsigned i = 0; i < phnum && phoff + 32 * (i + 1) <= len; i++) {
    const uint8_t *ph = buf + phoff + 32 * i;
    if (le32(ph) == 1 && le32(ph + 16) > 0 && le32(ph + 8) != le32(ph + 12)) {
      split = 1;
      assert_true(le32(ph + 8) >= 0x20000000u); /* runs in SRAM */
      assert_true(le32(ph + 12) < 0x08010000u); /* stored in flash */
    }
  }
  assert_true(split);
}

static int find_bytes(const swdf_image *img, const uint8_t *needle, size_t n, uint32_t *at) {
  for (size_t s = 0; s < swdf_image_segment_count(img); s++) {
    const swdf_image_segment *seg = swdf_image_segment_at(img, s);
    for (size_t i = 0; i + n <= seg->size; i++) {
      if (memcmp(seg->data + i, needle, n) == 0) {
        *at = seg->addr + (uint32_t)i;
        return 1;
      }
    }
  }
  return 0;
}

static void elf_initialised_data_sits_in_flash(void **state) {
  (void)state;
  swdf_image *img = load(paths[0]);
  assert_int_equal(swdf_image_get_format(img), SWDF_IMAGE_ELF);
  const swdf_mem_region flash = {0x08000000, 64 * 1024, "flash"};
  assert_int_equal(swdf_image_check_regions(img, ctx, &flash, 1), SWDF_OK);
  const uint8_t words[] = {0x44, 0x33, 0x22, 0x11, 0x88, 0x77, 0x66, 0x55};
  uint32_t at = 0;
  assert_true(find_bytes(img, words, sizeof(words), &at));
  assert_true(at >= 0x08000000u && at < 0x08010000u);
  uint32_t entry = 0;
  assert_int_equal(swdf_image_entry(img, &entry), 1);
  assert_true(entry >= 0x08000000u && entry < 0x08010000u);
  swdf_image_free(img);
}

static void assert_same_content(const swdf_image *a, const swdf_image *b) {
  assert_int_equal(swdf_image_segment_count(a), swdf_image_segment_count(b));
  for (size_t s = 0; s < swdf_image_segment_count(a); s++) {
    const swdf_image_segment *x = swdf_image_segment_at(a, s);
    const swdf_image_segment *y = swdf_image_segment_at(b, s);
    assert_int_equal(x->addr, y->addr);
    assert_int_equal(x->size, y->size);
    assert_memory_equal(x->data, y->data, x->size);
  }
}

static void hex_srec_and_bin_copies_match_the_elf(void **state) {
  (void)state;
  swdf_image *elf = load(paths[0]);
  swdf_image *hex = load(paths[1]);
  swdf_image *srec = load(paths[2]);
  swdf_image *bin = load(paths[3]);
  assert_int_equal(swdf_image_get_format(hex), SWDF_IMAGE_IHEX);
  assert_int_equal(swdf_image_get_format(srec), SWDF_IMAGE_SREC);
  assert_int_equal(swdf_image_get_format(bin), SWDF_IMAGE_BIN);
  assert_same_content(elf, hex);
  assert_same_content(elf, srec);
  /* objcopy -O binary starts at the lowest load address, the flash base. */
  const swdf_image_segment *flat = swdf_image_segment_at(bin, 0);
  for (size_t s = 0; s < swdf_image_segment_count(elf); s++) {
    const swdf_image_segment *seg = swdf_image_segment_at(elf, s);
    assert_true(seg->addr >= flat->addr);
    assert_true(seg->addr - flat->addr + seg->size <= flat->size);
    assert_memory_equal(flat->data + (seg->addr - flat->addr), seg->data, seg->size);
  }
  uint32_t e1 = 0, e2 = 0, e3 = 0;
  assert_int_equal(swdf_image_entry(elf, &e1), 1);
  assert_int_equal(swdf_image_entry(hex, &e2), 1);
  assert_int_equal(swdf_image_entry(srec, &e3), 1);
  assert_int_equal(e1, e2);
  assert_int_equal(e1, e3);
  swdf_image_free(elf);
  swdf_image_free(hex);
  swdf_image_free(srec);
  swdf_image_free(bin);
}

static int setup(void **state) {
  (void)state;
  return swdf_ctx_new(&ctx, NULL) == SWDF_OK ? 0 : -1;
}

static int teardown(void **state) {
  (void)state;
  swdf_ctx_free(ctx);
  return 0;
}

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: %s APP.elf APP.hex APP.srec APP.bin\n", argv[0]);
    return 2;
  }
  for (int i = 0; i < 4; i++) {
    paths[i] = argv[i + 1];
  }
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(elf_has_data_with_distinct_load_address),
      cmocka_unit_test(elf_initialised_data_sits_in_flash),
      cmocka_unit_test(hex_srec_and_bin_copies_match_the_elf),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
