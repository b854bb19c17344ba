/* Image readers: every record type of every format, and every rejection. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "internal.h"

static swdf_ctx *ctx;

static int setup(void **state) {
  (void)state;
  return swdf_ctx_new(&ctx, NULL) == SWDF_OK ? 0 : -1;
}

static int teardown(void **state) {
  (void)state;
  swdf_ctx_free(ctx);
  return 0;
}

static swdf_err parse_named(swdf_image **img, const char *name, const char *text) {
  return swdf_image_parse(img, ctx, text, strlen(text), name, NULL);
}

static void assert_msg_has(const char *needle) {
  const char *msg = swdf_ctx_errmsg(ctx);
  if (strstr(msg, needle) == NULL) {
    fail_msg("message \"%s\" lacks \"%s\"", msg, needle);
  }
}

/* Parse `text` expecting SWDF_ERR_IMAGE and a message with each needle. */
static void expect_image_error(const char *name, const char *text, ...) {
  swdf_image *img = (swdf_image *)0x1;
  assert_int_equal(parse_named(&img, name, text), SWDF_ERR_IMAGE);
  assert_null(img);
  assert_msg_has(name);
  va_list ap;
  va_start(ap, text);
  for (const char *n = va_arg(ap, const char *); n != NULL; n = va_arg(ap, const char *)) {
    assert_msg_has(n);
  }
  va_end(ap);
}

static void assert_segment(const swdf_image *img, size_t index, uint32_t addr, const void *data,
                           uint32_t size) {
  const swdf_image_segment *seg = swdf_image_segment_at(img, index);
  assert_non_null(seg);
  assert_int_equal(seg->addr, addr);
  assert_int_equal(seg->size, size);
  assert_memory_equal(seg->data, data, size);
}

static const uint8_t seq16[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};

/* ---- Intel HEX ------------------------------------------------------------ */

static const char ihex_linear[] = ":020000040800F2\n"
                                  ":10000000000102030405060708090A0B0C0D0E0F78\n"
                                  ":10001000101112131415161718191A1B1C1D1E1F68\n"
                                  ":04010000DEADBEEFC3\n"
                                  ":0400000508000131BD\n"
                                  ":00000001FF\n";

static void ihex_data_linear_address_and_start(void **state) {
  (void)state;
  swdf_image *img = NULL;
  assert_int_equal(parse_named(&img, "fw.hex", ihex_linear), SWDF_OK);
  assert_int_equal(swdf_image_get_format(img), SWDF_IMAGE_IHEX);
  /* Two adjacent records merge; the third starts a new range. */
  assert_int_equal(swdf_image_segment_count(img), 2);
  uint8_t first[32];
  for (int i = 0; i < 32; i++) {
    first[i] = (uint8_t)i;
  }
  assert_segment(img, 0, 0x08000000, first, 32);
  assert_segment(img, 1, 0x08000100, "\xde\xad\xbe\xef", 4);
  assert_null(swdf_image_segment_at(img, 2));
  assert_int_equal(swdf_image_size(img), 36);
  uint32_t entry = 0;
  assert_int_equal(swdf_image_entry(img, &entry), 1);
  assert_int_equal(entry, 0x08000131);
  char where[32];
  swdf_image_origin(img, 0x08000015, where, sizeof(where));
  assert_string_equal(where, "line 3");
  swdf_image_origin(img, 0x08000100, where, sizeof(where));
  assert_string_equal(where, "line 4");
  assert_string_equal(swdf_image_name(img), "fw.hex");
  swdf_image_free(img);
}

static void ihex_segment_address_wraps_and_segment_start(void **state) {
  (void)state;
  const char *text = ":020000021000EC\r\n"
                     "\r\n"
                     ":10FFF800A0A1A2A3A4A5A6A7A8A9AAABACADAEAF81\r\n"
                     "  :0400000312345678E5  \r\n"
                     ":00000001FF\r\n";
  swdf_image *img = NULL;
  assert_int_equal(parse_named(&img, "seg.hex", text), SWDF_OK);
  /* Base 0x10000; offset 0xfff8 + 16 wraps to the start of the segment. */
  assert_int_equal(swdf_image_segment_count(img), 2);
  assert_segment(img, 0, 0x10000, "\xa8\xa9\xaa\xab\xac\xad\xae\xaf", 8);
  assert_segment(img, 1, 0x1fff8, "\xa0\xa1\xa2\xa3\xa4\xa5\xa6\xa7", 8);
  uint32_t entry = 0;
  assert_int_equal(swdf_image_entry(img, &entry), 1);
  assert_int_equal(entry, (0x1234u << 4) + 0x5678u);
  swdf_image_free(img);
}

static void ihex_without_start_address_has_no_entry(void **state) {
  (void)state;
  swdf_image *img = NULL;
  assert_int_equal(
      parse_named(&img, "a.hex", ":10000000000102030405060708090A0B0C0D0E0F78\n:00000001FF"),
      SWDF_OK);
  assert_int_equal(swdf_image_entry(img, NULL), 0);
  assert_segment(img, 0, 0, seq16, 16);
  swdf_image_free(img);
}

static void ihex_rejects_damaged_records(void **state) {
  (void)state;
  expect_image_error("c.hex", ":020000040800F2\n:10000000000102030405060708090A0B0C0D0E0F77\n",
                     "line 2", "checksum is 0x77, expected 0x78 (data for 0x08000000-0x0800000F)",
                     NULL);
  expect_image_error("t.hex", ":020000040800F2\n:10000000000102030405060708090A0B0C0D\n", "line 2",
                     "length byte says 16 data bytes but the record holds", "truncated", NULL);
  expect_image_error("o.hex", ":020000040800F\n", "line 1", "odd number of hex digits", NULL);
  expect_image_error("s.hex", ":0000\n", "line 1", "too short", NULL);
  expect_image_error("x.hex", ":02000004080GF2\n", "line 1", "'G' at column 13", NULL);
  expect_image_error("n.hex", ":020000040800F2\n\n020000040800F2\n", "line 3",
                     "must start with ':'", NULL);
  expect_image_error("u.hex", ":00000006FA\n:00000001FF\n", "line 1", "unknown record type 0x06",
                     NULL);
  expect_image_error("l.hex", ":0100000408F3\n", "line 1", "extended linear address",
                     "must hold 2 data bytes", NULL);
  expect_image_error("e.hex", ":0100000100FE\n", "line 1", "end of file", NULL);
  expect_image_error("a.hex", ":00000001FF\n:020000040800F2\n", "line 2",
                     "after the end-of-file record", NULL);
  expect_image_error("m.hex", ":020000040800F2\n:04010000DEADBEEFC3\n", "line 2",
                     "without an end-of-file record", NULL);
  expect_image_error("w.hex", ":02000004FFFFFC\n:10FFF80000000000000000000000000000000000F9\n",
                     "line 2", "0xFFFFFFF8-0x100000007", "32-bit address space", NULL);
  expect_image_error("empty.hex", "", "the file is empty", NULL);
}

static void ihex_rejects_overlaps_naming_both_lines(void **state) {
  (void)state;
  expect_image_error("ov.hex",
                     ":020000040800F2\n"
                     ":10000000000102030405060708090A0B0C0D0E0F78\n"
                     ":04000800DEADBEEFBC\n"
                     ":00000001FF\n",
                     "line 3", "0x08000008-0x0800000B", "overlaps", "0x08000000-0x0800000F",
                     "line 2", NULL);
}

/* ---- Motorola S-record ------------------------------------------------------ */

static void srec_every_data_count_and_start_record(void **state) {
  (void)state;
  const char *text = "S00600004844521B\n"
                     "S107100001020304DE\n"
                     "S2060810000506D6\n"
                     "S30808000000070809D7\n"
                     "S5030003F9\n"
                     "S604000003F8\n"
                     "S70508000131C0\n";
  swdf_image *img = NULL;
  assert_int_equal(parse_named(&img, "fw.s19", text), SWDF_OK);
  assert_int_equal(swdf_image_get_format(img), SWDF_IMAGE_SREC);
  assert_int_equal(swdf_image_segment_count(img), 3);
  assert_segment(img, 0, 0x1000, "\x01\x02\x03\x04", 4);
  assert_segment(img, 1, 0x081000, "\x05\x06", 2);
  assert_segment(img, 2, 0x08000000, "\x07\x08\x09", 3);
  uint32_t entry = 0;
  assert_int_equal(swdf_image_entry(img, &entry), 1);
  assert_int_equal(entry, 0x08000131);
  char where[32];
  swdf_image_origin(img, 0x08000001, where, sizeof(where));
  assert_string_equal(where, "line 4");
  swdf_image_free(img);
}

static void srec_s8_and_s9_end_records(void **state) {
  (void)state;
  swdf_image *img = NULL;
  uint32_t entry = 0;
  assert_int_equal(parse_named(&img, "a.srec", "S107100001020304DE\nS804080001F2\n"), SWDF_OK);
  assert_int_equal(swdf_image_entry(img, &entry), 1);
  assert_int_equal(entry, 0x080001);
  swdf_image_free(img);
  assert_int_equal(parse_named(&img, "b.srec", "S107100001020304DE\r\nS9030101FA\r\n"), SWDF_OK);
  assert_int_equal(swdf_image_entry(img, &entry), 1);
  assert_int_equal(entry, 0x0101);
  swdf_image_free(img);
}

static void srec_rejects_damaged_records(void **state) {
  (void)state;
  expect_image_error("c.srec", "S00600004844521B\nS107100001020304DF\nS9030101FA\n", "line 2",
                     "checksum is 0xDF, expected 0xDE (data for 0x00001000-0x00001003)", NULL);
  expect_image_error("t.srec", "S107100001020304\nS9030101FA\n", "line 1",
                     "count byte says 7 bytes follow but the record holds 6", "truncated", NULL);
  expect_image_error("o.srec", "S10710000102030\n", "line 1", "odd number of hex digits", NULL);
  expect_image_error("x.srec", "S1071000010Z0304DE\n", "line 1", "column 12", "not a hex digit",
                     NULL);
  expect_image_error("r.srec", "S4030000FC\nS9030101FA\n", "line 1", "S4 is a reserved", NULL);
  expect_image_error("n.srec", "S107100001020304DE\nS5030002FA\nS9030101FA\n", "line 2",
                     "count record says 2 data records, the file has 1", NULL);
  expect_image_error("d.srec", "S107100001020304DE\nS904010100F9\n", "line 2",
                     "S9 end record carries data", NULL);
  expect_image_error("m.srec", "S00600004844521B\nS107100001020304DE\n", "line 2",
                     "without an S7/S8/S9 end record", NULL);
  expect_image_error("a.srec", "S9030101FA\nS107100001020304DE\n", "line 2",
                     "after the S7/S8/S9 end record", NULL);
  expect_image_error("q.srec", "S107100001020304DE\nX107100001020304DE\n", "line 2",
                     "must start with 'S'", NULL);
  expect_image_error("y.srec", "S107100001020304DE\nSX\n", "line 2", "type must be a digit", NULL);
  expect_image_error("s.srec", "S3030000FC\n", "line 1", "too short for its 4-byte address", NULL);
  expect_image_error("v.srec", "S107100001020304DE\nS107100201020304DC\nS9030101FA\n", "line 2",
                     "overlaps", "from line 1", NULL);
}

/* ---- ELF ------------------------------------------------------------------ */

typedef struct elf_seg {
  uint32_t type, vaddr, paddr, filesz, memsz;
  const void *data;
} elf_seg;

static void put16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v) {
  put16(p, (uint16_t)v);
  put16(p + 2, (uint16_t)(v >> 16));
}

/* A minimal ELF32 ARM executable: header, program headers, segment data. */
static size_t make_elf(uint8_t *out, size_t cap, const elf_seg *segs, size_t n) {
  memset(out, 0, cap);
  memcpy(out,
         "\x7f"
         "ELF\x01\x01\x01",
         7);
  put16(out + 16, 2);  /* ET_EXEC */
  put16(out + 18, 40); /* EM_ARM */
  put32(out + 20, 1);
  put32(out + 24, 0x08000101); /* entry */
  put32(out + 28, 52);         /* phoff */
  put16(out + 40, 52);
  put16(out + 42, 32);
  put16(out + 44, (uint16_t)n);
  size_t off = 52 + 32 * n;
  for (size_t i = 0; i < n; i++) {
    uint8_t *ph = out + 52 + 32 * i;
    put32(ph, segs[i].type);
    put32(ph + 4, (uint32_t)off);
    put32(ph + 8, segs[i].vaddr);
    put32(ph + 12, segs[i].paddr);
    put32(ph + 16, segs[i].filesz);
    put32(ph + 20, segs[i].memsz);
    if (segs[i].data != NULL) {
      assert_true(off + segs[i].filesz <= cap);
      memcpy(out + off, segs[i].data, segs[i].filesz);
      off += segs[i].filesz;
    }
  }
  return off;
}

static uint8_t elf_buf[1024];

static swdf_err parse_elf(swdf_image **img, size_t len) {
  return swdf_image_parse(img, ctx, elf_buf, len, "fw.elf", NULL);
}

static void elf_places_segments_by_load_address(void **state) {
  (void)state;
  const elf_seg segs[] = {
      {1, 0x08000000, 0x08000000, 16, 16, seq16},
      /* .data: runs in RAM, stored in flash right after the code */
      {1, 0x20000000, 0x08000010, 4, 8, "\x11\x22\x33\x44"},
      /* .bss: nothing in the file */
      {1, 0x20000008, 0x20000008, 0, 64, NULL},
      /* not loadable */
      {0x70000001, 0, 0, 4, 4, "\x01\x02\x03\x04"},
  };
  size_t len = make_elf(elf_buf, sizeof(elf_buf), segs, 4);
  swdf_image *img = NULL;
  assert_int_equal(parse_elf(&img, len), SWDF_OK);
  assert_int_equal(swdf_image_get_format(img), SWDF_IMAGE_ELF);
  assert_int_equal(swdf_image_segment_count(img), 1);
  uint8_t want[20];
  memcpy(want, seq16, 16);
  memcpy(want + 16, "\x11\x22\x33\x44", 4);
  assert_segment(img, 0, 0x08000000, want, 20);
  uint32_t entry = 0;
  assert_int_equal(swdf_image_entry(img, &entry), 1);
  assert_int_equal(entry, 0x08000101);
  char where[32];
  swdf_image_origin(img, 0x08000012, where, sizeof(where));
  assert_string_equal(where, "offset 0xC4"); /* 52 + 4 * 32 + 16 */
  swdf_image_free(img);
}

static void elf_without_load_addresses_uses_virtual_addresses(void **state) {
  (void)state;
  const elf_seg segs[] = {{1, 0x08000000, 0, 16, 16, seq16}};
  size_t len = make_elf(elf_buf, sizeof(elf_buf), segs, 1);
  swdf_image *img = NULL;
  assert_int_equal(parse_elf(&img, len), SWDF_OK);
  assert_segment(img, 0, 0x08000000, seq16, 16);
  swdf_image_free(img);
}

static void expect_elf_error(size_t len, const char *needle, const char *needle2) {
  swdf_image *img = NULL;
  assert_int_equal(parse_elf(&img, len), SWDF_ERR_IMAGE);
  assert_null(img);
  assert_msg_has("fw.elf");
  assert_msg_has(needle);
  if (needle2 != NULL) {
    assert_msg_has(needle2);
  }
}

static void elf_rejects_wrong_class_order_type_and_machine(void **state) {
  (void)state;
  const elf_seg segs[] = {{1, 0x08000000, 0x08000000, 16, 16, seq16}};
  size_t len = make_elf(elf_buf, sizeof(elf_buf), segs, 1);
  elf_buf[4] = 2;
  expect_elf_error(len, "offset 0x4", "ELF64");
  elf_buf[4] = 7;
  expect_elf_error(len, "offset 0x4", "unknown ELF class 7");
  elf_buf[4] = 1;
  elf_buf[5] = 2;
  expect_elf_error(len, "offset 0x5", "big-endian");
  elf_buf[5] = 3;
  expect_elf_error(len, "offset 0x5", "unknown ELF byte order");
  elf_buf[5] = 1;
  put16(elf_buf + 16, 1);
  expect_elf_error(len, "offset 0x10", "relocatable object");
  put16(elf_buf + 16, 3);
  expect_elf_error(len, "offset 0x10", "shared object");
  put16(elf_buf + 16, 2);
  put16(elf_buf + 18, 62);
  expect_elf_error(len, "offset 0x12", "machine type 62 (x86-64) is not ARM");
  put16(elf_buf + 18, 243);
  expect_elf_error(len, "machine type 243 (RISC-V)", NULL);
  put16(elf_buf + 18, 40);
  elf_buf[0] = 0;
  swdf_image_opts opts = SWDF_IMAGE_OPTS_INIT;
  opts.format = SWDF_IMAGE_ELF;
  swdf_image *img = NULL;
  assert_int_equal(swdf_image_parse(&img, ctx, elf_buf, len, "fw.elf", &opts), SWDF_ERR_IMAGE);
  assert_msg_has("no ELF magic");
}

static void elf_rejects_truncation_and_empty_files(void **state) {
  (void)state;
  const elf_seg segs[] = {{1, 0x08000000, 0x08000000, 16, 16, seq16}};
  size_t len = make_elf(elf_buf, sizeof(elf_buf), segs, 1);
  expect_elf_error(40, "ELF header truncated", "40 bytes");
  expect_elf_error(60, "program headers pass the end of the file", "truncated");
  expect_elf_error(len - 1, "offset 0x54", "segment 0 data (16 bytes) passes the end");
  put16(elf_buf + 42, 40);
  expect_elf_error(len, "program header size 40", NULL);
  put16(elf_buf + 42, 32);
  put16(elf_buf + 44, 0);
  expect_elf_error(len, "no program headers", NULL);
  const elf_seg bss_only[] = {{1, 0x20000000, 0x20000000, 0, 16, NULL}};
  len = make_elf(elf_buf, sizeof(elf_buf), bss_only, 1);
  expect_elf_error(len, "no loadable segment", NULL);
  const elf_seg bad_sizes[] = {{1, 0x08000000, 0x08000000, 16, 8, seq16}};
  len = make_elf(elf_buf, sizeof(elf_buf), bad_sizes, 1);
  expect_elf_error(len, "more file bytes (16) than memory (8)", NULL);
}

static void elf_rejects_overlapping_segments(void **state) {
  (void)state;
  const elf_seg segs[] = {
      {1, 0x08000000, 0x08000000, 16, 16, seq16},
      {1, 0x20000000, 0x08000008, 4, 4, "\x11\x22\x33\x44"},
  };
  size_t len = make_elf(elf_buf, sizeof(elf_buf), segs, 2);
  expect_elf_error(len, "offset 0x84", "0x08000008-0x0800000B overlaps 0x08000000-0x0800000F");
}

/* ---- raw binary and format choice ------------------------------------------ */

static void bin_defaults_to_flash_base_or_given_address(void **state) {
  (void)state;
  swdf_image *img = NULL;
  assert_int_equal(swdf_image_parse(&img, ctx, seq16, 16, "fw.bin", NULL), SWDF_OK);
  assert_int_equal(swdf_image_get_format(img), SWDF_IMAGE_BIN);
  assert_segment(img, 0, SWDF_IMAGE_DEFAULT_BASE, seq16, 16);
  assert_int_equal(swdf_image_entry(img, NULL), 0);
  swdf_image_free(img);
  swdf_image_opts opts = SWDF_IMAGE_OPTS_INIT;
  opts.has_base = 1;
  opts.base = 0x08004000;
  assert_int_equal(swdf_image_parse(&img, ctx, seq16, 16, "fw.bin", &opts), SWDF_OK);
  assert_segment(img, 0, 0x08004000, seq16, 16);
  swdf_image_free(img);
}

static void bin_rejects_empty_and_overflowing_files(void **state) {
  (void)state;
  swdf_image *img = NULL;
  assert_int_equal(swdf_image_parse(&img, ctx, seq16, 0, "empty.bin", NULL), SWDF_ERR_IMAGE);
  assert_msg_has("empty.bin");
  assert_msg_has("empty");
  swdf_image_opts opts = SWDF_IMAGE_OPTS_INIT;
  opts.has_base = 1;
  opts.base = 0xfffffff8;
  assert_int_equal(swdf_image_parse(&img, ctx, seq16, 16, "hi.bin", &opts), SWDF_ERR_IMAGE);
  assert_msg_has("0xFFFFFFF8-0x100000007");
}

static void format_is_detected_by_content(void **state) {
  (void)state;
  swdf_image *img = NULL;
  assert_int_equal(parse_named(&img, "noext", ihex_linear), SWDF_OK);
  assert_int_equal(swdf_image_get_format(img), SWDF_IMAGE_IHEX);
  swdf_image_free(img);
  assert_int_equal(parse_named(&img, "dir.v2/firmware", "S107100001020304DE\nS9030101FA\n"),
                   SWDF_OK);
  assert_int_equal(swdf_image_get_format(img), SWDF_IMAGE_SREC);
  swdf_image_free(img);
  assert_int_equal(parse_named(&img, "fw.img", "\x01\x02 not text"), SWDF_OK);
  assert_int_equal(swdf_image_get_format(img), SWDF_IMAGE_BIN);
  swdf_image_free(img);
  const elf_seg segs[] = {{1, 0x08000000, 0x08000000, 16, 16, seq16}};
  size_t len = make_elf(elf_buf, sizeof(elf_buf), segs, 1);
  assert_int_equal(swdf_image_parse(&img, ctx, elf_buf, len, "firmware", NULL), SWDF_OK);
  assert_int_equal(swdf_image_get_format(img), SWDF_IMAGE_ELF);
  swdf_image_free(img);
}

static void extension_is_a_hint_checked_against_content(void **state) {
  (void)state;
  swdf_image *img = NULL;
  /* ".bin" means the bytes as they are, even when they look like text. */
  assert_int_equal(parse_named(&img, "odd.bin", ihex_linear), SWDF_OK);
  assert_int_equal(swdf_image_get_format(img), SWDF_IMAGE_BIN);
  assert_int_equal(swdf_image_size(img), strlen(ihex_linear));
  swdf_image_free(img);
  expect_image_error("fw.hex", "\x01\x02\x03", "the name says Intel HEX",
                     "content looks like raw binary", NULL);
  expect_image_error("fw.elf", ihex_linear, "the name says ELF", "looks like Intel HEX", NULL);
  /* An explicit format overrides both. */
  swdf_image_opts opts = SWDF_IMAGE_OPTS_INIT;
  opts.format = SWDF_IMAGE_BIN;
  assert_int_equal(swdf_image_parse(&img, ctx, ihex_linear, 8, "fw.hex", &opts), SWDF_OK);
  assert_int_equal(swdf_image_get_format(img), SWDF_IMAGE_BIN);
  swdf_image_free(img);
}

static void address_only_for_raw_binary(void **state) {
  (void)state;
  swdf_image_opts opts = SWDF_IMAGE_OPTS_INIT;
  opts.has_base = 1;
  opts.base = 0x08000000;
  swdf_image *img = NULL;
  assert_int_equal(swdf_image_parse(&img, ctx, ihex_linear, strlen(ihex_linear), "fw.hex", &opts),
                   SWDF_ERR_INVALID_ARG);
  assert_msg_has("fw.hex is Intel HEX");
  assert_msg_has("only to a raw binary");
  assert_null(img);
}

static void format_names_round_trip(void **state) {
  (void)state;
  const swdf_image_format all[] = {SWDF_IMAGE_AUTO, SWDF_IMAGE_BIN, SWDF_IMAGE_IHEX,
                                   SWDF_IMAGE_SREC, SWDF_IMAGE_ELF};
  for (size_t i = 0; i < SWDF_ARRAY_LEN(all); i++) {
    swdf_image_format f = (swdf_image_format)-1;
    assert_int_equal(swdf_image_format_from_name(swdf_image_format_name(all[i]), &f), 0);
    assert_int_equal(f, all[i]);
  }
  swdf_image_format f;
  assert_int_equal(swdf_image_format_from_name("HEX", &f), 0);
  assert_int_equal(f, SWDF_IMAGE_IHEX);
  assert_int_equal(swdf_image_format_from_name("s19", &f), 0);
  assert_int_equal(f, SWDF_IMAGE_SREC);
  assert_int_equal(swdf_image_format_from_name("zip", &f), -1);
  assert_string_equal(swdf_image_format_name((swdf_image_format)42), "unknown");
}

static void load_reads_files_and_reports_missing_ones(void **state) {
  (void)state;
  char path[] = "/tmp/swdf_image_XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  assert_int_equal(write(fd, ihex_linear, strlen(ihex_linear)), (ssize_t)strlen(ihex_linear));
  close(fd);
  swdf_image *img = NULL;
  assert_int_equal(swdf_image_load(&img, ctx, path, NULL), SWDF_OK);
  assert_int_equal(swdf_image_get_format(img), SWDF_IMAGE_IHEX);
  assert_string_equal(swdf_image_name(img), path);
  swdf_image_free(img);
  unlink(path);
  assert_int_equal(swdf_image_load(&img, ctx, path, NULL), SWDF_ERR_IO);
  assert_msg_has(path);
  assert_msg_has("No such file");
  assert_int_equal(swdf_image_load(&img, ctx, NULL, NULL), SWDF_ERR_INVALID_ARG);
  swdf_image_opts bad = SWDF_IMAGE_OPTS_INIT;
  bad.size = 1;
  assert_int_equal(swdf_image_parse(&img, ctx, "x", 1, "x", &bad), SWDF_ERR_INVALID_ARG);
}

/* ---- images from memory and the region check -------------------------------- */

static void segments_are_sorted_merged_and_checked_for_overlap(void **state) {
  (void)state;
  const swdf_image_segment in[] = {
      {0x08000010, 16, seq16},
      {0x08000000, 16, seq16},
      {0x08001000, 4, seq16},
  };
  swdf_image *img = NULL;
  assert_int_equal(swdf_image_from_segments(&img, ctx, "mem", in, 3), SWDF_OK);
  assert_int_equal(swdf_image_segment_count(img), 2);
  assert_int_equal(swdf_image_segment_at(img, 0)->size, 32);
  assert_int_equal(swdf_image_segment_at(img, 1)->addr, 0x08001000);
  swdf_image_free(img);
  const swdf_image_segment overlap[] = {{0x08000000, 16, seq16}, {0x0800000f, 2, seq16}};
  assert_int_equal(swdf_image_from_segments(&img, ctx, "mem", overlap, 2), SWDF_ERR_IMAGE);
  assert_msg_has("range 1: 0x0800000F-0x08000010 overlaps 0x08000000-0x0800000F from range 0");
}

static void region_check_names_file_line_and_range(void **state) {
  (void)state;
  const swdf_mem_region flash[] = {{0x08000000, 0x100, "flash"}};
  const swdf_mem_region banks[] = {{0x08000010, 0x100, "bank 2"}, {0x08000000, 0x10, "bank 1"}};
  swdf_image *img = NULL;
  assert_int_equal(parse_named(&img, "fw.hex", ihex_linear), SWDF_OK);
  /* The second range (line 4) starts at 0x08000100, just past the flash. */
  assert_int_equal(swdf_image_check_regions(img, ctx, flash, 1), SWDF_ERR_RANGE);
  assert_msg_has("fw.hex line 4: 0x08000100-0x08000103 (4 bytes) lies outside");
  assert_msg_has("flash 0x08000000-0x080000FF");
  assert_true(strlen(swdf_ctx_hint(ctx)) > 0);
  /* Adjacent regions together hold a range that crosses between them. */
  assert_int_equal(swdf_image_check_regions(img, ctx, banks, 2), SWDF_OK);
  assert_string_equal(swdf_ctx_errmsg(ctx), "");
  const swdf_mem_region gap[] = {{0x08000000, 0x8, "a"}, {0x08000010, 0x1000, "b"}};
  assert_int_equal(swdf_image_check_regions(img, ctx, gap, 2), SWDF_ERR_RANGE);
  assert_msg_has("line 2: 0x08000008-0x0800000F (8 bytes)");
  assert_int_equal(swdf_image_check_regions(img, ctx, NULL, 0), SWDF_ERR_RANGE);
  swdf_image_free(img);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(ihex_data_linear_address_and_start),
      cmocka_unit_test(ihex_segment_address_wraps_and_segment_start),
      cmocka_unit_test(ihex_without_start_address_has_no_entry),
      cmocka_unit_test(ihex_rejects_damaged_records),
      cmocka_unit_test(ihex_rejects_overlaps_naming_both_lines),
      cmocka_unit_test(srec_every_data_count_and_start_record),
      cmocka_unit_test(srec_s8_and_s9_end_records),
      cmocka_unit_test(srec_rejects_damaged_records),
      cmocka_unit_test(elf_places_segments_by_load_address),
      cmocka_unit_test(elf_without_load_addresses_uses_virtual_addresses),
      cmocka_unit_test(elf_rejects_wrong_class_order_type_and_machine),
      cmocka_unit_test(elf_rejects_truncation_and_empty_files),
      cmocka_unit_test(elf_rejects_overlapping_segments),
      cmocka_unit_test(bin_defaults_to_flash_base_or_given_address),
      cmocka_unit_test(bin_rejects_empty_and_overflowing_files),
      cmocka_unit_test(format_is_detected_by_content),
      cmocka_unit_test(extension_is_a_hint_checked_against_content),
      cmocka_unit_test(address_only_for_raw_binary),
      cmocka_unit_test(format_names_round_trip),
      cmocka_unit_test(load_reads_files_and_reports_missing_ones),
      cmocka_unit_test(segments_are_sorted_merged_and_checked_for_overlap),
      cmocka_unit_test(region_check_names_file_line_and_range),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
