/*
 * Fuzz the option-description parser (lib/options/optdesc_parse.c), which
 * reads .opt text, and the generic codec that then works from what it
 * parsed (lib/options/optdesc_codec.c): decoding, encoding, value names and
 * write protection as address ranges.
 *
 * Input: the text of one .opt file.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "options/optdesc.h"

/* An F4-like flash: 4 x 16 KiB, 1 x 64 KiB, 7 x 128 KiB per bank, two banks
 * of 1 MiB, 2 KiB pages for page-based protection. */
static bool f4_unit(void *user, uint32_t index, uint32_t *addr, uint32_t *size) {
  (void)user;
  uint32_t bank = index / 12, i = index % 12;
  if (index >= 24) {
    return false;
  }
  uint32_t base = 0x08000000u + bank * 0x100000u;
  if (i < 4) {
    *addr = base + i * 0x4000u, *size = 0x4000u;
  } else if (i == 4) {
    *addr = base + 0x10000u, *size = 0x10000u;
  } else {
    *addr = base + 0x20000u * (i - 4), *size = 0x20000u;
  }
  return true;
}

static bool f4_bank(void *user, unsigned bank, uint32_t *addr, uint32_t *page_size) {
  (void)user;
  if (bank > 1) {
    return false;
  }
  *addr = 0x08000000u + bank * 0x100000u;
  *page_size = 0x800u;
  return true;
}

static void exercise_codec(const swdf_optd *d) {
  static const uint32_t patterns[] = {0, 0xFFFFFFFFu, 0xAAAAAAAAu, 0x5555AA55u, 0x00FF00FFu};
  const swdf_optd_flash flash = {0x08000000u, 0x200000u, f4_unit, f4_bank, NULL};
  FUZZ_CHECK(d->word_count <= SWDF_OPTD_MAX_WORDS);
  FUZZ_CHECK(d->field_count <= SWDF_OPTD_MAX_FIELDS);
  for (size_t p = 0; p < sizeof(patterns) / sizeof(patterns[0]); p++) {
    uint32_t words[SWDF_OPTD_MAX_WORDS];
    for (size_t w = 0; w < SWDF_OPTD_MAX_WORDS; w++) {
      words[w] = patterns[p] ^ (uint32_t)(w * 0x01010101u);
    }
    for (size_t f = 0; f < d->field_count; f++) {
      const swdf_optd_field *field = &d->fields[f];
      FUZZ_CHECK(field->word < d->word_count);
      FUZZ_CHECK(field->value_count <= SWDF_OPTD_MAX_VALUES);
      uint32_t raw = swdf__optd_get(d, words, f);
      char name[64];
      swdf__optd_value_name(name, sizeof(name), field, raw);
      FUZZ_CHECK(strlen(name) < sizeof(name));
      (void)swdf__optd_value_of(field, raw);
      /* Every listed value survives put then get. */
      for (size_t v = 0; v < field->value_count; v++) {
        uint32_t copy[SWDF_OPTD_MAX_WORDS];
        memcpy(copy, words, sizeof(copy));
        swdf__optd_put(d, copy, f, field->values[v].raw);
        uint32_t back = swdf__optd_get(d, copy, f);
        uint32_t mask = field->width >= 32 ? 0xFFFFFFFFu : (1u << field->width) - 1u;
        FUZZ_CHECK(back == (field->values[v].raw & mask));
        uint32_t parsed = 0;
        char err[256];
        if (swdf__optd_parse_value(field, field->values[v].name, &parsed, err, sizeof(err))) {
          FUZZ_CHECK(swdf__optd_value_named(field, field->values[v].name) != NULL);
        }
      }
      uint32_t parsed = 0;
      char err[256];
      (void)swdf__optd_parse_value(field, "0x1", &parsed, err, sizeof(err));
      (void)swdf__optd_parse_value(field, "0b101", &parsed, err, sizeof(err));
      (void)swdf__optd_parse_value(field, "4294967296", &parsed, err, sizeof(err));
    }
    for (size_t w = 0; w < d->word_count; w++) {
      (void)swdf__optd_word_consistent(d, words, w);
    }
    int level = swdf__optd_rdp_level(d, words);
    FUZZ_CHECK(level >= -1 && level <= 2);
    swdf_optd_range ranges[16];
    size_t n = swdf__optd_protected_ranges(ranges, 16, d, words, &flash);
    for (size_t i = 0; i < n && i < 16; i++) {
      FUZZ_CHECK(ranges[i].size > 0);
      FUZZ_CHECK(ranges[i].addr >= flash.base);
      FUZZ_CHECK((uint64_t)ranges[i].addr + ranges[i].size <= (uint64_t)flash.base + flash.size);
      FUZZ_CHECK(ranges[i].field < d->field_count);
      FUZZ_CHECK(i == 0 || ranges[i].addr >= ranges[i - 1].addr);
    }
  }
  (void)swdf__optd_rdp_field(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *text = malloc(size + 1);
  if (text == NULL) {
    return 0;
  }
  memcpy(text, data, size);
  text[size] = '\0';
  swdf_optd_set set = {0};
  char err[256] = "";
  bool ok = swdf__optd_parse(&set, text, "fuzz.opt", err, sizeof(err));
  FUZZ_CHECK(ok || err[0] != '\0');
  FUZZ_CHECK(strlen(err) < sizeof(err));
  for (size_t i = 0; i < set.count; i++) {
    exercise_codec(&set.items[i]);
    (void)swdf__optd_find(&set, set.items[i].driver,
                          set.items[i].dev_id_count > 0 ? set.items[i].dev_ids[0] : 0);
    for (size_t f = 0; f < set.items[i].field_count; f++) {
      FUZZ_CHECK(swdf__optd_field_index(&set.items[i], set.items[i].fields[f].name) >= 0);
    }
  }
  swdf__optd_set_free(&set);
  free(text);
  return 0;
}
