/* The loader's CRC-32 and blank check, compiled for the host. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "flash/loaders/loader_crc.h"

static uint32_t tables[4][256];

/* Bit by bit, straight from the definition, to check the tables against. */
static uint32_t crc32_bitwise(const uint8_t *p, size_t len) {
  uint32_t crc = 0xffffffffu;
  for (size_t i = 0; i < len; i++) {
    crc ^= p[i];
    for (int b = 0; b < 8; b++) {
      crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
    }
  }
  return ~crc;
}

static uint32_t crc32(const uint8_t *p, size_t len) {
  return ~swdf_crc32_run((const uint32_t(*)[256])tables, 0xffffffffu, p, len);
}

static void known_check_value(void **state) {
  (void)state;
  assert_int_equal(crc32((const uint8_t *)"123456789", 9), 0xcbf43926u);
  assert_int_equal(crc32((const uint8_t *)"", 0), 0);
}

static void every_alignment_and_length_matches_bitwise(void **state) {
  (void)state;
  _Alignas(4) uint8_t buf[96];
  for (size_t i = 0; i < sizeof(buf); i++) {
    buf[i] = (uint8_t)(i * 37 + 11);
  }
  for (size_t start = 0; start < 8; start++) {
    for (size_t len = 0; len + start <= sizeof(buf); len++) {
      assert_int_equal(crc32(buf + start, len), crc32_bitwise(buf + start, len));
    }
  }
}

static void crc_continues_across_calls(void **state) {
  (void)state;
  const uint8_t *text = (const uint8_t *)"The quick brown fox jumps over the lazy dog";
  size_t len = strlen((const char *)text);
  for (size_t cut = 0; cut <= len; cut++) {
    uint32_t crc = swdf_crc32_run((const uint32_t(*)[256])tables, 0xffffffffu, text, cut);
    crc = swdf_crc32_run((const uint32_t(*)[256])tables, crc, text + cut, len - cut);
    assert_int_equal(~crc, 0x414fa339u);
  }
}

static void blank_check_finds_first_programmed_byte(void **state) {
  (void)state;
  _Alignas(4) uint8_t buf[80];
  for (size_t start = 0; start < 5; start++) {
    for (size_t len = 0; start + len <= sizeof(buf); len++) {
      memset(buf, 0xff, sizeof(buf));
      assert_int_equal(swdf_first_not_blank(buf + start, len), len);
      for (size_t at = 0; at < len; at++) {
        memset(buf, 0xff, sizeof(buf));
        buf[start + at] = 0xfe;
        assert_int_equal(swdf_first_not_blank(buf + start, len), at);
      }
    }
  }
}

int main(void) {
  swdf_crc32_tables_init(tables);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(known_check_value),
      cmocka_unit_test(every_alignment_and_length_matches_bitwise),
      cmocka_unit_test(crc_continues_across_calls),
      cmocka_unit_test(blank_check_finds_first_programmed_byte),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
