/*
 * The bootloader/firmware recogniser on synthetic flash contents: vector
 * table checks, image extents, the signatures of Katapult/CanBoot, Klipper
 * and the STM32duino bootloader, erased flash and random data; and the
 * inflate that reads Klipper's compressed dictionary.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bootcheck/bootscan.h"
#include "bootcheck/inflate.h"

/* zlib.compress(json, 9) of a small Klipper-style dictionary:
 * {"app":"Klipper",...,"config":{...,"MCU":"stm32f103xe"},...,
 *  "version":"v0.12.0-123-gabcdef0"} */
static const uint8_t klipper_dict[] = {
    0x78, 0xda, 0x2d, 0x8c, 0xcb, 0x0a, 0x83, 0x30, 0x14, 0x05, 0x7f, 0x45, 0xee, 0x3a, 0x4a,
    0x1e, 0x8b, 0x42, 0xb6, 0xa1, 0x75, 0xa1, 0x7d, 0x82, 0x6b, 0xd1, 0x98, 0x84, 0x40, 0x8c,
    0xc1, 0xb4, 0x41, 0x10, 0xff, 0xbd, 0xa1, 0xf4, 0x2c, 0xcf, 0x0c, 0xb3, 0xc3, 0x10, 0x02,
    0x70, 0x68, 0x9c, 0x0d, 0x41, 0xad, 0x80, 0x60, 0xfc, 0x58, 0x37, 0xf5, 0x49, 0xad, 0xd1,
    0x2e, 0x3e, 0x66, 0x64, 0xa4, 0xe4, 0xc5, 0x96, 0x89, 0x5c, 0xbc, 0xb6, 0x06, 0xf8, 0x0e,
    0xa2, 0xbd, 0x8b, 0xa6, 0xbf, 0xbc, 0xce, 0x4f, 0xe0, 0x27, 0x8a, 0x7f, 0x43, 0x70, 0x15,
    0x5d, 0xd6, 0xe3, 0x7b, 0x66, 0x54, 0x13, 0xcc, 0x36, 0x05, 0x07, 0x02, 0x67, 0xa5, 0xf2,
    0x51, 0x65, 0x50, 0xdf, 0xba, 0xa2, 0x7e, 0xb4, 0x89, 0xe5, 0xd4, 0x3f, 0x9f, 0xdf, 0x84,
    0x2b, 0x42, 0x2b, 0x5c, 0x12, 0xca, 0x4a, 0x33, 0x8c, 0x72, 0x52, 0x1a, 0xc3, 0xf1, 0x05,
    0xc7, 0xac, 0x2c, 0xef,
};

/* zlib.compress(b"hello hello hello stored", 0): one stored block. */
static const uint8_t stored_block[] = {
    0x78, 0x01, 0x01, 0x18, 0x00, 0xe7, 0xff, 0x68, 0x65, 0x6c, 0x6c, 0x6f,
    0x20, 0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x20, 0x68, 0x65, 0x6c, 0x6c, 0x6f,
    0x20, 0x73, 0x74, 0x6f, 0x72, 0x65, 0x64, 0x71, 0xaf, 0x09, 0x2e,
};

/* zlib.compress(b"abcabcabcabc", 9): fixed Huffman codes with a back-reference. */
static const uint8_t fixed_block[] = {0x78, 0xda, 0x4b, 0x4c, 0x4a, 0x4e, 0x84,
                                      0x21, 0x00, 0x1d, 0xe0, 0x04, 0x99};

/* zlib.compress(TEXT, 9) with TEXT below: dynamic Huffman codes. */
#define DYNAMIC_TEXT                                                                             \
  "The quick brown fox jumps over the lazy dog. The quick brown fox jumps over the lazy dog. "   \
  "The quick brown fox jumps over the lazy dog. Pack my box with five dozen liquor jugs. "       \
  "0123456789Pack my box with five dozen liquor jugs. 0123456789"
static const uint8_t dynamic_block[] = {
    0x78, 0xda, 0xb5, 0xcb, 0xd9, 0x11, 0x40, 0x30, 0x14, 0x46, 0xe1, 0x56, 0xfe, 0x0a, 0x8c,
    0x7d, 0xe9, 0xc2, 0x83, 0x06, 0x84, 0x44, 0x62, 0xbb, 0x84, 0xd8, 0xaa, 0x77, 0x6b, 0x30,
    0xe3, 0xf9, 0x7c, 0xa7, 0xd2, 0x12, 0xab, 0x33, 0xcd, 0x00, 0x61, 0xe9, 0x9c, 0xa1, 0xe8,
    0x42, 0xef, 0xa6, 0x65, 0x03, 0x1d, 0xd2, 0x62, 0xe7, 0x3c, 0xd6, 0xcf, 0x8d, 0x96, 0x3a,
    0x0f, 0xd5, 0x6f, 0xb8, 0xac, 0xd9, 0x4d, 0x37, 0x04, 0xa3, 0xd3, 0xec, 0x1a, 0xca, 0x1c,
    0x92, 0xd3, 0x23, 0x67, 0x8c, 0x66, 0x75, 0x64, 0xf9, 0xed, 0x36, 0x0f, 0x7e, 0x10, 0x46,
    0x71, 0x92, 0x66, 0x79, 0xf1, 0x61, 0x79, 0x01, 0x48, 0x15, 0x51, 0xfe,
};

static void expect_inflate(const uint8_t *in, size_t len, const char *text) {
  uint8_t out[512];
  size_t out_len = 0, used = 0;
  assert_int_equal(swdf__zlib_inflate(out, sizeof(out), &out_len, in, len, &used),
                   SWDF_INFLATE_OK);
  assert_int_equal(used, len);
  assert_int_equal(out_len, strlen(text));
  assert_memory_equal(out, text, out_len);
}

static void test_inflate_block_types(void **state) {
  (void)state;
  expect_inflate(stored_block, sizeof(stored_block), "hello hello hello stored");
  expect_inflate(fixed_block, sizeof(fixed_block), "abcabcabcabc");
  expect_inflate(dynamic_block, sizeof(dynamic_block), DYNAMIC_TEXT);
}

static void test_inflate_rejects_bad_input(void **state) {
  (void)state;
  uint8_t out[512], bad[sizeof(dynamic_block)];
  size_t out_len;
  const uint8_t not_zlib[] = {0x78, 0x00, 0x01};
  assert_int_equal(swdf__zlib_inflate(out, sizeof(out), &out_len, not_zlib, 3, NULL),
                   SWDF_INFLATE_BAD_HEADER);
  assert_int_equal(
      swdf__zlib_inflate(out, sizeof(out), &out_len, dynamic_block, sizeof(dynamic_block) - 20,
                         NULL),
      SWDF_INFLATE_TRUNCATED);
  assert_int_equal(
      swdf__zlib_inflate(out, 40, &out_len, dynamic_block, sizeof(dynamic_block), NULL),
      SWDF_INFLATE_TOO_BIG);
  /* Every corruption of the data is caught, one way or another (byte 97, the
   * last of the compressed data, has the flipped bit among the padding after
   * the end-of-block code, which carries nothing). */
  for (size_t i = 2; i < sizeof(dynamic_block); i++) {
    if (i == sizeof(dynamic_block) - 5) {
      continue;
    }
    memcpy(bad, dynamic_block, sizeof(bad));
    bad[i] ^= 0x10;
    assert_int_not_equal(swdf__zlib_inflate(out, sizeof(out), &out_len, bad, sizeof(bad), NULL),
                         SWDF_INFLATE_OK);
  }
}

/* ---- synthetic flash ------------------------------------------------------------ */

#define FLASH_BASE 0x08000000u
#define FLASH_SIZE (64u * 1024)
#define RAM_BASE 0x20000000u
#define RAM_SIZE (20u * 1024)

static uint8_t flash[FLASH_SIZE];

static void put32(uint32_t addr, uint32_t v) {
  uint8_t *p = flash + (addr - FLASH_BASE);
  for (int i = 0; i < 4; i++) {
    p[i] = (uint8_t)(v >> (8 * i));
  }
}

static void put_bytes(uint32_t addr, const void *data, size_t len) {
  memcpy(flash + (addr - FLASH_BASE), data, len);
}

static void put_utf16(uint32_t addr, const char *s) {
  for (size_t i = 0; s[i] != '\0'; i++) {
    flash[addr - FLASH_BASE + 2 * i] = (uint8_t)s[i];
    flash[addr - FLASH_BASE + 2 * i + 1] = 0;
  }
}

/* A program at `addr` of `size` bytes: vector table, "code" filler, every
 * system handler pointing into it. */
static void put_program(uint32_t addr, uint32_t size, uint32_t reset_offset) {
  memset(flash + (addr - FLASH_BASE), 0x5A, size);
  put32(addr, RAM_BASE + RAM_SIZE);
  put32(addr + 4, addr + reset_offset + 1);
  for (int i = 2; i < 16; i++) {
    uint32_t reserved = (i >= 7 && i <= 10) || i == 13;
    put32(addr + 4 * (uint32_t)i, reserved ? 0 : addr + 0x180 + 1);
  }
}

static void put_katapult(uint32_t addr, uint32_t size, const char *usb_name) {
  static const uint8_t nack[] = {0x01, 0x88, 0xF1, 0x00, 0x68, 0x95, 0x99, 0x03};
  static const uint8_t request[] = {0x9B, 0x58, 0xA1, 0x6C, 0xFA, 0xE3, 0x84, 0x59};
  put_program(addr, size, 0x108);
  put_bytes(addr + 0x100, "CanBoot!", 8);
  put_bytes(addr + 0x400, nack, sizeof(nack));
  put_bytes(addr + 0x410, request, sizeof(request));
  if (usb_name != NULL) {
    put_utf16(addr + 0x500, usb_name);
  }
  put_bytes(addr + 0x600, "\0stm32f103xe\0v0.0.1-110-gb0bf421\0", 33);
}

static void put_klipper(uint32_t addr, uint32_t size) {
  static const uint8_t request[] = {0x9B, 0x58, 0xA1, 0x6C, 0xFA, 0xE3, 0x84, 0x59};
  put_program(addr, size, 0x200);
  put_bytes(addr + 0x800, klipper_dict, sizeof(klipper_dict));
  put_bytes(addr + 0xA00, request, sizeof(request)); /* Klipper knows how to start Katapult */
}

static const swdf_boot_memory mem = {sizeof(swdf_boot_memory), FLASH_BASE, FLASH_SIZE, RAM_BASE,
                                     RAM_SIZE};

static swdf_ctx *ctx;

static int setup(void **state) {
  (void)state;
  memset(flash, 0xFF, sizeof(flash));
  return swdf_ctx_new(&ctx, NULL) == SWDF_OK ? 0 : -1;
}

static int teardown(void **state) {
  (void)state;
  swdf_ctx_free(ctx);
  return 0;
}

static void check(swdf_boot_report *r) {
  assert_int_equal(swdf_boot_check_buffer(r, ctx, flash, sizeof(flash), &mem), SWDF_OK);
}

static void test_erased_flash(void **state) {
  (void)state;
  swdf_boot_report r = SWDF_BOOT_REPORT_INIT;
  check(&r);
  assert_int_equal(r.image_count, 1);
  assert_false(r.base_ok);
  assert_string_equal(r.images[0].kind, "erased");
  assert_int_equal(r.images[0].size, 0);
  assert_non_null(strstr(r.verdict, "empty"));
}

static void test_random_data_is_not_a_program(void **state) {
  (void)state;
  srand(7);
  for (size_t i = 0; i < sizeof(flash); i++) {
    flash[i] = (uint8_t)rand();
  }
  put32(FLASH_BASE, 0x12345678); /* make sure word 0 is no RAM address */
  swdf_boot_report r = SWDF_BOOT_REPORT_INIT;
  check(&r);
  assert_false(r.base_ok);
  assert_string_equal(r.images[0].kind, "invalid");
  assert_non_null(strstr(r.images[0].problem, "not a stack address in RAM"));
  assert_int_equal(r.images[0].size, FLASH_SIZE);
}

static void test_katapult_then_klipper(void **state) {
  (void)state;
  put_katapult(FLASH_BASE, 0x1800, "katapult");
  put_klipper(FLASH_BASE + 0x2000, 0x6000);
  swdf_boot_report r = SWDF_BOOT_REPORT_INIT;
  check(&r);
  assert_true(r.base_ok);
  assert_int_equal(r.image_count, 2);
  const swdf_boot_image *bl = &r.images[0], *app = &r.images[1];
  assert_string_equal(bl->kind, "katapult");
  assert_true(bl->is_bootloader);
  assert_int_equal(bl->size, 0x1800);
  assert_string_equal(bl->version, "v0.0.1-110-gb0bf421");
  assert_string_equal(bl->mcu, "stm32f103xe");
  assert_non_null(strstr(bl->evidence, "\"CanBoot!\" right before the reset handler at 0x08000100"));
  assert_non_null(strstr(bl->evidence, "NACK frame"));
  assert_int_equal(app->addr, FLASH_BASE + 0x2000);
  assert_string_equal(app->kind, "klipper");
  assert_false(app->is_bootloader);
  assert_true(app->plausible);
  assert_int_equal(app->size, 0x6000);
  assert_string_equal(app->version, "v0.12.0-123-gabcdef0");
  assert_string_equal(app->mcu, "stm32f103xe");
  assert_non_null(strstr(r.verdict, "Katapult"));
  assert_non_null(strstr(r.verdict, "which then starts the Klipper firmware"));
}

static void test_katapult_without_application(void **state) {
  (void)state;
  put_katapult(FLASH_BASE, 0x1800, NULL); /* a CAN build: no USB strings */
  swdf_boot_report r = SWDF_BOOT_REPORT_INIT;
  check(&r);
  assert_int_equal(r.image_count, 1);
  assert_string_equal(r.images[0].kind, "katapult");
  assert_non_null(strstr(r.verdict, "no application was found"));
}

static void test_old_canboot_name(void **state) {
  (void)state;
  put_katapult(FLASH_BASE, 0x1800, "CanBoot");
  swdf_boot_report r = SWDF_BOOT_REPORT_INIT;
  check(&r);
  assert_string_equal(r.images[0].kind, "canboot");
}

static void test_klipper_alone_at_the_base(void **state) {
  (void)state;
  put_klipper(FLASH_BASE, 0x7000);
  put_utf16(FLASH_BASE + 0x1000, "Klipper");
  swdf_boot_report r = SWDF_BOOT_REPORT_INIT;
  check(&r);
  assert_true(r.base_ok);
  assert_string_equal(r.images[0].kind, "klipper");
  assert_non_null(strstr(r.images[0].evidence, "USB name \"Klipper\""));
  assert_non_null(strstr(r.images[0].evidence, "request code")); /* seen, but outweighed */
}

static void test_stm32duino_bootloader(void **state) {
  (void)state;
  put_program(FLASH_BASE, 0x1C00, 0x150);
  put_utf16(FLASH_BASE + 0x800, "LeafLabs");
  put_utf16(FLASH_BASE + 0x840, "Maple 003");
  put_utf16(FLASH_BASE + 0x880, "STM32duino bootloader v1.0  Upload to Flash 0x8002000");
  swdf_boot_report r = SWDF_BOOT_REPORT_INIT;
  check(&r);
  assert_string_equal(r.images[0].kind, "stm32duino");
  assert_true(r.images[0].is_bootloader);
}

static void test_unknown_program(void **state) {
  (void)state;
  put_program(FLASH_BASE, 0x3000, 0x200);
  swdf_boot_report r = SWDF_BOOT_REPORT_INIT;
  check(&r);
  assert_true(r.base_ok);
  assert_string_equal(r.images[0].kind, "unknown");
  assert_int_equal(r.image_count, 1); /* the offsets inside it are not separate programs */
}

static void test_vectors_outside_the_image(void **state) {
  (void)state;
  put_program(FLASH_BASE + 0x2000, 0x3000, 0x200);
  put32(FLASH_BASE + 0x2000 + 12, FLASH_BASE + 0xF001); /* HardFault far beyond the data */
  swdf_boot_report r = SWDF_BOOT_REPORT_INIT;
  check(&r);
  assert_false(r.base_ok);
  assert_string_equal(r.images[0].kind, "erased");
  /* The table at 8 KiB passes the first checks and is listed, marked bad. */
  assert_int_equal(r.image_count, 2);
  assert_false(r.images[1].plausible);
  assert_non_null(strstr(r.images[1].problem, "HardFault vector"));
}

static void test_reset_without_thumb_bit(void **state) {
  (void)state;
  put_program(FLASH_BASE, 0x1000, 0x200);
  put32(FLASH_BASE + 4, FLASH_BASE + 0x200);
  swdf_boot_report r = SWDF_BOOT_REPORT_INIT;
  check(&r);
  assert_false(r.base_ok);
  assert_non_null(strstr(r.images[0].problem, "Thumb bit"));
}

static void test_buffer_arguments(void **state) {
  (void)state;
  swdf_boot_report r = SWDF_BOOT_REPORT_INIT;
  swdf_boot_memory small = mem;
  small.flash_size = 16;
  assert_int_equal(swdf_boot_check_buffer(&r, ctx, flash, sizeof(flash), &small),
                   SWDF_ERR_INVALID_ARG);
  assert_int_equal(swdf_boot_check_buffer(&r, ctx, flash, 0, &mem), SWDF_OK);
  assert_string_equal(r.images[0].kind, "erased");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_inflate_block_types),
      cmocka_unit_test(test_inflate_rejects_bad_input),
      cmocka_unit_test_setup_teardown(test_erased_flash, setup, teardown),
      cmocka_unit_test_setup_teardown(test_random_data_is_not_a_program, setup, teardown),
      cmocka_unit_test_setup_teardown(test_katapult_then_klipper, setup, teardown),
      cmocka_unit_test_setup_teardown(test_katapult_without_application, setup, teardown),
      cmocka_unit_test_setup_teardown(test_old_canboot_name, setup, teardown),
      cmocka_unit_test_setup_teardown(test_klipper_alone_at_the_base, setup, teardown),
      cmocka_unit_test_setup_teardown(test_stm32duino_bootloader, setup, teardown),
      cmocka_unit_test_setup_teardown(test_unknown_program, setup, teardown),
      cmocka_unit_test_setup_teardown(test_vectors_outside_the_image, setup, teardown),
      cmocka_unit_test_setup_teardown(test_reset_without_thumb_bit, setup, teardown),
      cmocka_unit_test_setup_teardown(test_buffer_arguments, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
