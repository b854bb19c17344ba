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

/* The stream ends at its Adler-32 trailer: bytes after it are not read (the
 * dictionary sits among other flash contents); a wrong trailer is reported as
 * such; an output buffer of exactly the stream's size is enough. */
static void test_inflate_trailer_and_bounds(void **state) {
  (void)state;
  uint8_t in[sizeof(fixed_block) + 3], out[64];
  size_t out_len = 0, used = 0;
  memcpy(in, fixed_block, sizeof(fixed_block));
  memset(in + sizeof(fixed_block), 0xFF, 3);
  assert_int_equal(swdf__zlib_inflate(out, 12, &out_len, in, sizeof(in), &used), SWDF_INFLATE_OK);
  assert_int_equal(used, sizeof(fixed_block));
  assert_int_equal(out_len, 12);
  assert_memory_equal(out, "abcabcabcabc", 12);
  assert_int_equal(swdf__zlib_inflate(out, 11, &out_len, in, sizeof(in), NULL),
                   SWDF_INFLATE_TOO_BIG);
  assert_true(out_len <= 11);
  in[sizeof(fixed_block) - 1] ^= 0x01;
  assert_int_equal(swdf__zlib_inflate(out, sizeof(out), &out_len, in, sizeof(in), NULL),
                   SWDF_INFLATE_BAD_CHECK);
  assert_int_equal(swdf__zlib_inflate(out, sizeof(out), &out_len, fixed_block,
                                      sizeof(fixed_block) - 2, NULL),
                   SWDF_INFLATE_TRUNCATED);
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

/* A program at `addr` of `size` bytes linked for `link`: vector table,
 * "code" filler, every system handler pointing into it as linked. */
static void put_program_linked(uint32_t addr, uint32_t size, uint32_t reset_offset,
                               uint32_t link) {
  memset(flash + (addr - FLASH_BASE), 0x5A, size);
  put32(addr, RAM_BASE + RAM_SIZE);
  put32(addr + 4, link + reset_offset + 1);
  for (int i = 2; i < 16; i++) {
    uint32_t reserved = (i >= 7 && i <= 10) || i == 13;
    put32(addr + 4 * (uint32_t)i, reserved ? 0 : link + 0x180 + 1);
  }
}

/* A program linked for where it is. */
static void put_program(uint32_t addr, uint32_t size, uint32_t reset_offset) {
  put_program_linked(addr, size, reset_offset, addr);
}

/* Katapult built to start the application at `app` (0: the address is not
 * in its code), as the constant its code loads. */
static void put_katapult_for(uint32_t addr, uint32_t size, const char *usb_name, uint32_t app) {
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
  if (app != 0) {
    put32(addr + 0x700, app);
  }
}

static void put_katapult(uint32_t addr, uint32_t size, const char *usb_name) {
  put_katapult_for(addr, size, usb_name, FLASH_BASE + 0x2000);
}

/* Klipper linked for `link`, written at `addr`; like Klipper it sets VTOR
 * to its own vector table, so `link` is one of its constants. */
static void put_klipper_linked(uint32_t addr, uint32_t size, uint32_t link) {
  static const uint8_t request[] = {0x9B, 0x58, 0xA1, 0x6C, 0xFA, 0xE3, 0x84, 0x59};
  put_program_linked(addr, size, 0x200, link);
  put32(addr + 0x400, link);
  put_bytes(addr + 0x800, klipper_dict, sizeof(klipper_dict));
  put_bytes(addr + 0xA00, request, sizeof(request)); /* Klipper knows how to start Katapult */
}

static void put_klipper(uint32_t addr, uint32_t size) { put_klipper_linked(addr, size, addr); }

static const swdf_boot_memory mem = {sizeof(swdf_boot_memory), FLASH_BASE, FLASH_SIZE, RAM_BASE,
                                     RAM_SIZE, "STM32F10x high density"};

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
  assert_non_null(strstr(r.verdict, "no application is there, so the bootloader waits"));
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
  put_program(FLASH_BASE, 0x3000, 0x200);
  put32(FLASH_BASE + 12, FLASH_BASE + 0xF001); /* HardFault far beyond the data */
  swdf_boot_report r = SWDF_BOOT_REPORT_INIT;
  check(&r);
  assert_false(r.base_ok);
  assert_false(r.runs);
  assert_int_equal(r.details[0].linked_for, 0); /* no address makes it consistent */
  assert_non_null(strstr(r.images[0].problem, "HardFault vector"));
}

static void test_tables_at_offsets_need_a_consistent_link(void **state) {
  (void)state;
  /* A table behind the base whose handlers fit no link address is no
   * program (a literal pool can look like two vectors). */
  put_program(FLASH_BASE + 0x2000, 0x3000, 0x200);
  put32(FLASH_BASE + 0x2000 + 12, FLASH_BASE + 0xF001);
  swdf_boot_report r = {.size = sizeof(swdf_boot_report)};
  check(&r);
  assert_string_equal(r.images[0].kind, "erased");
  assert_int_equal(r.image_count, 1);
}

/* ---- boot as the core does (issue 16) ------------------------------------------ */

static void test_minimal_program_boots(void **state) {
  (void)state;
  /* Only the stack and reset words; code right after them. */
  memset(flash, 0x00, 0x40);
  put32(FLASH_BASE, RAM_BASE + RAM_SIZE);
  put32(FLASH_BASE + 4, FLASH_BASE + 8 + 1);
  put32(FLASH_BASE + 8, 0xE7FEBF00u); /* nop; b . */
  put32(FLASH_BASE + 12, 0x12345678u); /* code words, not vectors */
  swdf_boot_report r = {.size = sizeof(swdf_boot_report)};
  check(&r);
  assert_true(r.base_ok);
  assert_true(r.runs);
  assert_true(r.images[0].plausible);
  assert_int_equal(r.details[0].vectors, 2);
  assert_int_equal(r.details[0].linked_for, FLASH_BASE);
  assert_non_null(strstr(r.details[0].warning, "only 2 entries"));
  assert_non_null(strstr(r.verdict, "it starts a program we do not recognise"));
  assert_null(strstr(r.verdict, "crash"));
}

static void test_stack_at_the_top_of_ram_and_unaligned(void **state) {
  (void)state;
  put_program(FLASH_BASE, 0x1000, 0x200);
  put32(FLASH_BASE, RAM_BASE + RAM_SIZE + 1); /* the core ignores bits 1:0 */
  swdf_boot_report r = {.size = sizeof(swdf_boot_report)};
  check(&r);
  assert_true(r.base_ok);
  put32(FLASH_BASE, RAM_BASE + RAM_SIZE + 4); /* past the RAM */
  check(&r);
  assert_false(r.base_ok);
  assert_non_null(strstr(r.images[0].problem, "not a stack address in RAM"));
}

static void test_reset_handler_outside_the_flash(void **state) {
  (void)state;
  put_program(FLASH_BASE, 0x1000, 0x200);
  put32(FLASH_BASE + 4, RAM_BASE + 0x101);
  swdf_boot_report r = {.size = sizeof(swdf_boot_report)};
  check(&r);
  assert_false(r.base_ok);
  assert_non_null(strstr(r.images[0].problem, "outside the memory that holds code"));
}

/* Case 1: an application linked for 0x08002000 written at the base. */
static void test_application_linked_for_8k_at_the_base(void **state) {
  (void)state;
  put_klipper_linked(FLASH_BASE, 0x800, FLASH_BASE + 0x2000); /* smaller than its offset */
  swdf_boot_report r = {.size = sizeof(swdf_boot_report)};
  check(&r);
  assert_false(r.base_ok);
  assert_false(r.runs);
  assert_int_equal(r.details[0].linked_for, FLASH_BASE + 0x2000);
  assert_string_equal(r.images[0].kind, "klipper"); /* still recognised */
  assert_non_null(strstr(r.images[0].problem, "linked for 0x08002000, not for 0x08000000"));
  assert_non_null(strstr(r.verdict, "will not run"));
  assert_null(strstr(r.verdict, "plausible"));
}

static void test_large_application_linked_for_8k_at_the_base(void **state) {
  (void)state;
  /* Larger than its offset: its handlers fall inside it from either
   * address; the VTOR constant tells which one it was linked for. */
  put_klipper_linked(FLASH_BASE, 0x6000, FLASH_BASE + 0x2000);
  swdf_boot_report r = {.size = sizeof(swdf_boot_report)};
  check(&r);
  assert_false(r.runs);
  assert_int_equal(r.details[0].linked_for, FLASH_BASE + 0x2000);
  /* The same image linked for the base is fine. */
  memset(flash, 0xFF, sizeof(flash));
  put_klipper_linked(FLASH_BASE, 0x6000, FLASH_BASE);
  check(&r);
  assert_true(r.runs);
  assert_int_equal(r.details[0].linked_for, FLASH_BASE);
}

/* Case 2: Katapult built for 0x08002000, Klipper linked for and written at
 * 0x08004000. */
static void test_katapult_starts_only_its_own_address(void **state) {
  (void)state;
  put_katapult(FLASH_BASE, 0x1800, "katapult");
  put_klipper(FLASH_BASE + 0x4000, 0x3000);
  swdf_boot_report r = {.size = sizeof(swdf_boot_report)};
  check(&r);
  assert_true(r.base_ok);
  assert_int_equal(r.details[0].app_addr, FLASH_BASE + 0x2000);
  assert_non_null(strstr(r.details[0].app_addr_how, "0x08002000"));
  assert_int_equal(r.image_count, 2);
  assert_true(r.images[1].plausible); /* fine where it is, but never started */
  assert_null(strstr(r.verdict, "then starts"));
  assert_non_null(strstr(r.verdict, "only at 0x08002000"));
  assert_non_null(strstr(r.verdict, "0x08004000 is never started"));
}

/* Case 3: Klipper linked for the base written behind Katapult. */
static void test_application_linked_for_the_base_behind_katapult(void **state) {
  (void)state;
  put_katapult(FLASH_BASE, 0x1800, "katapult");
  put_klipper_linked(FLASH_BASE + 0x2000, 0x3000, FLASH_BASE);
  swdf_boot_report r = {.size = sizeof(swdf_boot_report)};
  check(&r);
  assert_int_equal(r.image_count, 2); /* listed, not left out */
  assert_string_equal(r.images[1].kind, "klipper");
  assert_false(r.images[1].plausible);
  assert_int_equal(r.details[1].linked_for, FLASH_BASE);
  assert_false(r.runs);
  assert_non_null(strstr(r.verdict, "which jumps to the Klipper firmware"));
  assert_non_null(strstr(r.verdict, "will not run"));
}

/* Case 4: built for another MCU. */
static void test_built_for_another_mcu_does_not_run(void **state) {
  (void)state;
  put_klipper(FLASH_BASE, 0x3000); /* the dictionary says stm32f103xe */
  swdf_boot_memory f446 = mem;
  f446.chip_name = "STM32F446xC/E";
  swdf_boot_report r = {.size = sizeof(swdf_boot_report)};
  assert_int_equal(swdf_boot_check_buffer(&r, ctx, flash, sizeof(flash), &f446), SWDF_OK);
  assert_true(r.base_ok); /* the core starts it */
  assert_false(r.runs);
  assert_int_equal(r.details[0].mcu_match, 0);
  assert_non_null(strstr(r.verdict, "built for stm32f103xe, not for this chip (STM32F446xC/E)"));
  check(&r); /* on an F103 it runs */
  assert_true(r.runs);
  assert_int_equal(r.details[0].mcu_match, 1);
  /* A bootloader's application built for another MCU. */
  memset(flash, 0xFF, sizeof(flash));
  put_katapult(FLASH_BASE, 0x1800, "katapult");
  put_klipper(FLASH_BASE + 0x2000, 0x3000);
  f446.chip_name = "STM32F446xC/E";
  assert_int_equal(swdf_boot_check_buffer(&r, ctx, flash, sizeof(flash), &f446), SWDF_OK);
  assert_false(r.runs);
}

static void test_mcu_names(void **state) {
  (void)state;
  assert_int_equal(swdf__boot_mcu_match("stm32f446xx", "STM32F446xC/E"), 1);
  assert_int_equal(swdf__boot_mcu_match("stm32f103xe", "STM32F10x medium density"), 1);
  assert_int_equal(swdf__boot_mcu_match("stm32f107xc", "STM32F105/F107 connectivity line"), 1);
  assert_int_equal(swdf__boot_mcu_match("stm32f030xc", "STM32F09x / F030xC"), 1);
  assert_int_equal(swdf__boot_mcu_match("stm32f407xx", "STM32F446xC/E"), 0);
  assert_int_equal(swdf__boot_mcu_match("stm32g0b1xx", "STM32F10x high density"), 0);
  assert_int_equal(swdf__boot_mcu_match("stm32f103xe", "GD32F10x high density"), -1);
  assert_int_equal(swdf__boot_mcu_match("", "STM32F446xC/E"), -1);
}

static void test_katapult_without_an_address_says_so(void **state) {
  (void)state;
  put_katapult_for(FLASH_BASE, 0x1800, "katapult", 0);
  put_klipper(FLASH_BASE + 0x2000, 0x3000);
  swdf_boot_report r = {.size = sizeof(swdf_boot_report)};
  check(&r);
  assert_int_equal(r.details[0].app_addr, 0);
  assert_non_null(strstr(r.details[0].app_addr_how, "none of the usual"));
  assert_non_null(strstr(r.verdict, "cannot be known"));
  /* Several candidates (as an F4 build names its sector boundaries). */
  put32(FLASH_BASE + 0x704, FLASH_BASE + 0x4000);
  put32(FLASH_BASE + 0x708, FLASH_BASE + 0x8000);
  check(&r);
  assert_int_equal(r.details[0].app_addr, 0);
  assert_non_null(strstr(r.details[0].app_addr_how, "several"));
  /* The one its code reads a vector table through is the application's:
   * ldr r3, [pc, #4]; ldr r1, [r3, #0]; (literal) */
  put32(FLASH_BASE + 0x300, 0x68194B01u);
  put32(FLASH_BASE + 0x304, 0xBF00BF00u);
  put32(FLASH_BASE + 0x308, FLASH_BASE + 0x8000);
  check(&r);
  assert_int_equal(r.details[0].app_addr, FLASH_BASE + 0x8000);
  assert_non_null(strstr(r.details[0].app_addr_how, "reads the application's vector table"));
  /* LDR.W literal and LDRD through it count too:
   * ldr.w r2, [pc, #8]; ldrd r0, r1, [r2] */
  put32(FLASH_BASE + 0x300, 0x2008F8DFu);
  put32(FLASH_BASE + 0x304, 0x0100E9D2u);
  put32(FLASH_BASE + 0x308, 0xBF00BF00u);
  put32(FLASH_BASE + 0x30C, FLASH_BASE + 0x4000);
  check(&r);
  assert_int_equal(r.details[0].app_addr, FLASH_BASE + 0x4000);
}

static void test_stm32duino_names_its_application_address(void **state) {
  (void)state;
  put_program(FLASH_BASE, 0x1C00, 0x150);
  put_utf16(FLASH_BASE + 0x800, "LeafLabs");
  put_utf16(FLASH_BASE + 0x840, "Maple 003");
  put_utf16(FLASH_BASE + 0x880, "STM32duino bootloader v1.0  Upload to Flash 0x8002000");
  put_program(FLASH_BASE + 0x2000, 0x1000, 0x200);
  swdf_boot_report r = {.size = sizeof(swdf_boot_report)};
  check(&r);
  assert_int_equal(r.details[0].app_addr, 0x08002000);
  assert_non_null(strstr(r.verdict, "which then starts a program we do not recognise at "
                                    "0x08002000"));
}

/* Random contents with tables that pass the first checks at every offset:
 * the scan stays inside the flash and its reports stay consistent (run
 * under the sanitizers). */
static void test_random_tables(void **state) {
  (void)state;
  srand(16);
  for (int round = 0; round < 200; round++) {
    for (size_t i = 0; i < sizeof(flash); i++) {
      flash[i] = (uint8_t)(rand() % 3 == 0 ? 0xFF : rand());
    }
    put32(FLASH_BASE, RAM_BASE + (uint32_t)(rand() % (RAM_SIZE + 8)));
    for (size_t k = 0; k < 12; k++) {
      uint32_t at = FLASH_BASE + (uint32_t)(rand() % 16) * 0x800;
      put32(at, RAM_BASE + RAM_SIZE);
      for (uint32_t v = 1; v < 16; v++) {
        uint32_t h = FLASH_BASE + (uint32_t)(rand() % (FLASH_SIZE + 0x1000));
        put32(at + 4 * v, rand() % 4 == 0 ? 0 : h | (uint32_t)(rand() % 2));
      }
      if (rand() % 2) {
        put32(at + 0x80, 0x68194B01u); /* a literal load and a read through it */
        put32(at + 0x88, FLASH_BASE + 0x8000);
      }
    }
    swdf_boot_report r = {.size = sizeof(swdf_boot_report)};
    check(&r);
    assert_true(r.image_count >= 1 && r.image_count <= SWDF_BOOT_MAX_IMAGES);
    for (size_t i = 0; i < r.image_count; i++) {
      assert_true(r.images[i].addr + r.images[i].size <= FLASH_BASE + FLASH_SIZE);
      assert_true(!r.images[i].plausible || r.details[i].linked_for == r.images[i].addr);
    }
    assert_true(!r.runs || r.base_ok);
    assert_non_null(memchr(r.verdict, '\0', sizeof(r.verdict)));
  }
}

/* Judging an image file before it is written. */
static void test_check_image(void **state) {
  (void)state;
  put_klipper(FLASH_BASE + 0x4000, 0x2000);
  swdf_image_segment seg = {FLASH_BASE + 0x4000, 0x2000, flash + 0x4000};
  swdf_image *img;
  assert_int_equal(swdf_image_from_segments(&img, ctx, "app.bin", &seg, 1), SWDF_OK);
  swdf_boot_report r = {.size = sizeof(swdf_boot_report)};
  /* Alone on the chip it does not boot: nothing at the base. */
  assert_int_equal(swdf_boot_check_image(&r, ctx, img, &mem, NULL), SWDF_OK);
  assert_false(r.runs);
  assert_string_equal(r.images[0].kind, "erased");
  /* At its own start: a program linked for where it goes. */
  swdf_boot_check_opts opts = SWDF_BOOT_CHECK_OPTS_INIT;
  opts.has_base = 1;
  opts.base = seg.addr;
  assert_int_equal(swdf_boot_check_image(&r, ctx, img, &mem, &opts), SWDF_OK);
  assert_true(r.images[0].plausible);
  assert_int_equal(r.details[0].linked_for, seg.addr);
  swdf_image_free(img);
  /* Outside the flash. */
  seg.addr = 0x20000000;
  assert_int_equal(swdf_image_from_segments(&img, ctx, "ram.bin", &seg, 1), SWDF_OK);
  assert_int_equal(swdf_boot_check_image(&r, ctx, img, &mem, NULL), SWDF_ERR_RANGE);
  swdf_image_free(img);
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
      cmocka_unit_test(test_inflate_trailer_and_bounds),
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
      cmocka_unit_test_setup_teardown(test_tables_at_offsets_need_a_consistent_link, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_minimal_program_boots, setup, teardown),
      cmocka_unit_test_setup_teardown(test_stack_at_the_top_of_ram_and_unaligned, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_reset_handler_outside_the_flash, setup, teardown),
      cmocka_unit_test_setup_teardown(test_application_linked_for_8k_at_the_base, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_large_application_linked_for_8k_at_the_base, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_katapult_starts_only_its_own_address, setup, teardown),
      cmocka_unit_test_setup_teardown(test_application_linked_for_the_base_behind_katapult, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_built_for_another_mcu_does_not_run, setup, teardown),
      cmocka_unit_test(test_mcu_names),
      cmocka_unit_test_setup_teardown(test_katapult_without_an_address_says_so, setup, teardown),
      cmocka_unit_test_setup_teardown(test_stm32duino_names_its_application_address, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_check_image, setup, teardown),
      cmocka_unit_test_setup_teardown(test_random_tables, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
