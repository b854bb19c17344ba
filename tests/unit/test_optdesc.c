/*
 * Option-byte descriptions: the built-in files for F1, F4, G0 and H7 (the
 * last two show that other controllers fit the same mechanism as data), the
 * parser's checks, and the generic decoder/encoder.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "chipdb.h"
#include "options/optdesc.h"

static swdf_optd_set builtin;

static int setup(void **state) {
  (void)state;
  char err[400];
  if (!swdf__optd_load_builtin(&builtin, err, sizeof(err))) {
    fprintf(stderr, "%s\n", err);
    return -1;
  }
  return 0;
}

static int teardown(void **state) {
  (void)state;
  swdf__optd_set_free(&builtin);
  return 0;
}

static const swdf_optd *find(const char *driver, uint16_t dev_id) {
  const swdf_optd *d = swdf__optd_find(&builtin, driver, dev_id);
  assert_non_null(d);
  return d;
}

static int field(const swdf_optd *d, const char *name) {
  int f = swdf__optd_field_index(d, name);
  assert_true(f >= 0);
  return f;
}

/* Words with every field at its factory default (complements filled in). */
static void factory_words(const swdf_optd *d, uint32_t *words) {
  memset(words, 0, sizeof(uint32_t) * SWDF_OPTD_MAX_WORDS);
  for (size_t i = 0; i < d->word_count; i++) {
    words[i] = d->words[i].bits == 16 ? 0xFFFFu : UINT32_MAX;
    if (d->words[i].complement) {
      words[i] = 0x00FFu;
    }
  }
  for (size_t f = 0; f < d->field_count; f++) {
    if (d->fields[f].has_default) {
      swdf__optd_put(d, words, f, d->fields[f].default_raw);
    }
  }
}

static void test_descriptions_are_found_per_chip(void **state) {
  (void)state;
  assert_string_equal(find("stm32f1", 0x410)->name, "stm32f1");
  assert_string_equal(find("stm32f1", 0x414)->name, "stm32f1");
  assert_string_equal(find("stm32f1", 0x430)->name, "stm32f1-xl");
  assert_string_equal(find("stm32f4", 0x413)->name, "stm32f4-40x");
  assert_string_equal(find("stm32f4", 0x421)->name, "stm32f4-pcrop");
  assert_string_equal(find("stm32f4", 0x419)->name, "stm32f4-42x");
  assert_string_equal(find("stm32g0", 0x460)->name, "stm32g0");
  assert_string_equal(find("stm32g0", 0x467)->name, "stm32g0-bx");
  assert_string_equal(find("stm32h7", 0x483)->name, "stm32h7-72x");
  assert_string_equal(find("stm32h7", 0x480)->name, "stm32h7");
  assert_string_equal(find("stm32h7", 0x450)->name, "stm32h7-dual");
  assert_null(swdf__optd_find(&builtin, "stm32l4", 0x415));
}

static void test_f1_fields_and_xl_bfb2(void **state) {
  (void)state;
  const swdf_optd *md = find("stm32f1", 0x410);
  const swdf_optd *xl = find("stm32f1", 0x430);
  const char *names[] = {"rdp",  "wdg_sw", "nrst_stop", "nrst_stdby", "data0", "data1",
                         "wrp0", "wrp1",   "wrp2",      "wrp3",       "opterr", "rdprt"};
  for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
    assert_true(swdf__optd_field_index(md, names[i]) >= 0);
    assert_true(swdf__optd_field_index(xl, names[i]) >= 0);
  }
  assert_int_equal(swdf__optd_field_index(md, "bfb2"), -1);
  const swdf_optd_field *bfb2 = &xl->fields[field(xl, "bfb2")];
  assert_int_equal(bfb2->shift, 3);
  assert_int_equal(bfb2->group, SWDF_OPTD_GROUP_BOOT);
  /* The option words are the half-words at 0x1FFFF800 with complements. */
  assert_int_equal(md->words[0].addr, 0x1FFFF800);
  assert_true(md->words[0].complement);
  assert_int_equal(md->words[7].addr, 0x1FFFF80E);
  assert_true(md->words[8].readonly);
}

static void test_f1_factory_state_decodes(void **state) {
  (void)state;
  const swdf_optd *d = find("stm32f1", 0x410);
  uint32_t w[SWDF_OPTD_MAX_WORDS];
  factory_words(d, w);
  assert_int_equal(w[0], 0x5AA5); /* RDP 0xA5 with its complement */
  assert_int_equal(swdf__optd_rdp_level(d, w), 0);
  char name[32];
  swdf__optd_value_name(name, sizeof(name), &d->fields[field(d, "wdg_sw")],
                        swdf__optd_get(d, w, (size_t)field(d, "wdg_sw")));
  assert_string_equal(name, "software");
  for (size_t i = 0; i < 8; i++) {
    assert_true(swdf__optd_word_consistent(d, w, i));
  }
}

static void test_f1_rdp_any_other_value_is_level_1(void **state) {
  (void)state;
  const swdf_optd *d = find("stm32f1", 0x410);
  uint32_t w[SWDF_OPTD_MAX_WORDS];
  factory_words(d, w);
  int rdp = field(d, "rdp");
  swdf__optd_put(d, w, (size_t)rdp, 0x3C);
  assert_int_equal(swdf__optd_rdp_level(d, w), 1);
  assert_int_equal(w[0], 0xC33C);
  w[0] = 0xFFFF; /* erased option bytes: no valid complement */
  assert_false(swdf__optd_word_consistent(d, w, 0));
  assert_int_equal(swdf__optd_rdp_level(d, w), 1);
}

static void test_encoder_keeps_other_bits(void **state) {
  (void)state;
  const swdf_optd *d = find("stm32f4", 0x421);
  uint32_t w[SWDF_OPTD_MAX_WORDS];
  factory_words(d, w);
  w[0] |= 0x1; /* OPTLOCK is a control bit, not a field */
  swdf__optd_put(d, w, (size_t)field(d, "bor_lev"), 1);
  assert_int_equal(w[0] & 0x1, 0x1);
  assert_int_equal((w[0] >> 2) & 3, 1);
  assert_int_equal(swdf__optd_get(d, w, (size_t)field(d, "rdp")), 0xAA);
  assert_int_equal(swdf__optd_get(d, w, (size_t)field(d, "nwrp")), 0xFF);
}

/* ---- write protection as addresses ------------------------------------ */

/* F4 single bank: 4 x 16 KiB, 64 KiB, then 128 KiB sectors; optional bank 2
 * numbered from 12 at base + 1 MiB. */
typedef struct f4_layout {
  uint32_t size;
  bool dual;
} f4_layout;

static bool f4_unit(void *user, uint32_t index, uint32_t *addr, uint32_t *size) {
  const f4_layout *l = user;
  uint32_t bank_base = 0x08000000, bank_size = l->dual ? l->size / 2 : l->size;
  if (index >= 12) {
    if (!l->dual) {
      return false;
    }
    index -= 12;
    bank_base += 0x100000;
  }
  uint32_t offset = index < 4 ? index * 0x4000 : index == 4 ? 0x10000 : (index - 4) * 0x20000;
  uint32_t s = index < 4 ? 0x4000 : index == 4 ? 0x10000 : 0x20000;
  if (offset + s > bank_size) {
    return false;
  }
  *addr = bank_base + offset;
  *size = s;
  return true;
}

/* G0 banks of 2 KiB pages, 256 KiB apart; `user` points at the bank count
 * (NULL: one bank). */
static bool g0_bank(void *user, unsigned bank, uint32_t *addr, uint32_t *page) {
  unsigned banks = user != NULL ? *(const unsigned *)user : 1;
  if (bank >= banks) {
    return false;
  }
  *addr = 0x08000000 + bank * 0x40000;
  *page = 0x800;
  return true;
}

static void test_f1_wrp_groups_of_4k(void **state) {
  (void)state;
  const swdf_optd *d = find("stm32f1", 0x410);
  uint32_t w[SWDF_OPTD_MAX_WORDS];
  factory_words(d, w);
  swdf_optd_flash flash = {0x08000000, 64 * 1024, NULL, NULL, NULL};
  swdf_optd_range r[8];
  assert_int_equal(swdf__optd_protected_ranges(r, 8, d, w, &flash), 0);

  swdf__optd_put(d, w, (size_t)field(d, "wrp0"), 0xFC); /* groups 0 and 1 */
  swdf__optd_put(d, w, (size_t)field(d, "wrp1"), 0x7F); /* group 15 */
  assert_int_equal(swdf__optd_protected_ranges(r, 8, d, w, &flash), 2);
  assert_int_equal(r[0].addr, 0x08000000);
  assert_int_equal(r[0].size, 0x2000);
  assert_int_equal(r[0].kind, SWDF_OPTD_RANGE_WRITE);
  assert_int_equal(r[1].addr, 0x0800F000);
  assert_int_equal(r[1].size, 0x1000);

  /* wrp3 lies beyond 64 KiB: nothing to protect on this chip. */
  factory_words(d, w);
  swdf__optd_put(d, w, (size_t)field(d, "wrp3"), 0x00);
  assert_int_equal(swdf__optd_protected_ranges(r, 8, d, w, &flash), 0);
}

static void test_f1_last_wrp_bit_covers_the_rest(void **state) {
  (void)state;
  const swdf_optd *d = find("stm32f1", 0x414);
  uint32_t w[SWDF_OPTD_MAX_WORDS];
  factory_words(d, w);
  swdf_optd_flash flash = {0x08000000, 512 * 1024, NULL, NULL, NULL};
  swdf_optd_range r[4];
  swdf__optd_put(d, w, (size_t)field(d, "wrp3"), 0x7F); /* bit 31 */
  assert_int_equal(swdf__optd_protected_ranges(r, 4, d, w, &flash), 1);
  assert_int_equal(r[0].addr, 0x0801F000);
  assert_int_equal(r[0].size, 0x08080000 - 0x0801F000);

  swdf__optd_put(d, w, (size_t)field(d, "wrp3"), 0x00); /* 96 KiB to the end, merged */
  assert_int_equal(swdf__optd_protected_ranges(r, 4, d, w, &flash), 1);
  assert_int_equal(r[0].addr, 0x08018000);
  assert_int_equal(r[0].size, 0x08080000 - 0x08018000);
}

static void test_f4_sectors_and_pcrop(void **state) {
  (void)state;
  const swdf_optd *d = find("stm32f4", 0x421);
  uint32_t w[SWDF_OPTD_MAX_WORDS];
  factory_words(d, w);
  f4_layout l = {512 * 1024, false};
  swdf_optd_flash flash = {0x08000000, l.size, f4_unit, NULL, &l};
  swdf_optd_range r[8];
  int nwrp = field(d, "nwrp");
  swdf__optd_put(d, w, (size_t)nwrp, 0xFF & ~0x31u); /* sectors 0, 4, 5 */
  assert_int_equal(swdf__optd_protected_ranges(r, 8, d, w, &flash), 2);
  assert_int_equal(r[0].addr, 0x08000000);
  assert_int_equal(r[0].size, 0x4000);
  assert_int_equal(r[1].addr, 0x08010000);
  assert_int_equal(r[1].size, 0x10000 + 0x20000);

  /* SPRMOD=1: the same register now marks sectors 1-3 and 6-7 execute-only. */
  swdf__optd_put(d, w, (size_t)field(d, "sprmod"), 1);
  assert_int_equal(swdf__optd_protected_ranges(r, 8, d, w, &flash), 2);
  assert_int_equal(r[0].kind, SWDF_OPTD_RANGE_PCROP);
  assert_int_equal(r[0].addr, 0x08004000);
  assert_int_equal(r[0].size, 0xC000);
  assert_int_equal(r[1].addr, 0x08040000);
  assert_int_equal(r[1].size, 0x40000);
}

static void test_f42x_bank2_sectors_from_optcr1(void **state) {
  (void)state;
  const swdf_optd *d = find("stm32f4", 0x419);
  assert_int_equal(d->word_count, 2);
  assert_int_equal(d->words[1].addr, 0x40023C18);
  uint32_t w[SWDF_OPTD_MAX_WORDS];
  factory_words(d, w);
  f4_layout l = {2 * 1024 * 1024, true};
  swdf_optd_flash flash = {0x08000000, l.size, f4_unit, NULL, &l};
  swdf_optd_range r[4];
  swdf__optd_put(d, w, (size_t)field(d, "nwrp2"), 0xFFE); /* sector 12 */
  assert_int_equal(swdf__optd_protected_ranges(r, 4, d, w, &flash), 1);
  assert_int_equal(r[0].addr, 0x08100000);
  assert_int_equal(r[0].size, 0x4000);
  assert_true(swdf__optd_field_index(d, "db1m") >= 0);
  assert_true(swdf__optd_field_index(d, "bfb2") >= 0);
}

static void test_g0_page_zones_fit_the_same_mechanism(void **state) {
  (void)state;
  const swdf_optd *d = find("stm32g0", 0x460);
  uint32_t w[SWDF_OPTD_MAX_WORDS] = {0xFFFFFEAA, 0x0000007F, 0x0000007F};
  swdf_optd_flash flash = {0x08000000, 128 * 1024, NULL, g0_bank, NULL};
  swdf_optd_range r[4];
  assert_int_equal(swdf__optd_rdp_level(d, w), 0);
  assert_int_equal(swdf__optd_protected_ranges(r, 4, d, w, &flash), 0);
  swdf__optd_put(d, w, (size_t)field(d, "wrp1a_strt"), 2);
  swdf__optd_put(d, w, (size_t)field(d, "wrp1a_end"), 5);
  assert_int_equal(swdf__optd_protected_ranges(r, 4, d, w, &flash), 1);
  assert_int_equal(r[0].addr, 0x08001000);
  assert_int_equal(r[0].size, 4 * 0x800);
  /* The boot fields that make the BOOT0 pin irrelevant are plain data. */
  char name[32];
  int sel = field(d, "nboot_sel");
  swdf__optd_value_name(name, sizeof(name), &d->fields[sel], swdf__optd_get(d, w, (size_t)sel));
  assert_string_equal(name, "option");
  assert_true(d->fields[sel].warning[0] != '\0');
}

/* The WRP2x zones protect physical bank 2: at 0x08040000 normally, at the
 * flash base with the banks swapped (nSWAP_BANK=0). */
static void test_g0b1_zones_follow_the_bank_swap(void **state) {
  (void)state;
  const swdf_optd *d = find("stm32g0", 0x467);
  uint32_t w[SWDF_OPTD_MAX_WORDS];
  factory_words(d, w);
  unsigned two_banks = 2;
  swdf_optd_flash flash = {0x08000000, 512 * 1024, NULL, g0_bank, &two_banks};
  swdf_optd_range r[4];
  swdf__optd_put(d, w, (size_t)field(d, "wrp2a_strt"), 2);
  swdf__optd_put(d, w, (size_t)field(d, "wrp2a_end"), 3);
  swdf__optd_put(d, w, (size_t)field(d, "wrp1b_strt"), 0);
  swdf__optd_put(d, w, (size_t)field(d, "wrp1b_end"), 0);
  assert_int_equal(swdf__optd_protected_ranges(r, 4, d, w, &flash), 2);
  assert_int_equal(r[0].addr, 0x08000000);
  assert_int_equal(r[1].addr, 0x08041000);
  assert_int_equal(r[1].size, 2 * 0x800);
  swdf__optd_put(d, w, (size_t)field(d, "nswap_bank"), 0);
  assert_int_equal(swdf__optd_protected_ranges(r, 4, d, w, &flash), 2);
  assert_int_equal(r[0].addr, 0x08001000);
  assert_int_equal(r[0].size, 2 * 0x800);
  assert_int_equal(r[1].addr, 0x08040000);
  /* One bank in the map (DUAL_BANK=0): nothing to swap. */
  swdf_optd_flash single = {0x08000000, 512 * 1024, NULL, g0_bank, NULL};
  assert_int_equal(swdf__optd_protected_ranges(r, 4, d, w, &single), 1);
  assert_int_equal(r[0].addr, 0x08000000);
}

static void test_h7_cur_and_prg_registers(void **state) {
  (void)state;
  const swdf_optd *d = find("stm32h7", 0x450);
  assert_int_equal(d->words[0].addr, 0x5200201C);
  assert_int_equal(d->words[0].write_addr, 0x52002020);
  uint32_t w[SWDF_OPTD_MAX_WORDS] = {0x0000CC00, 0xFF, 0x1FF00800, 0xFF};
  assert_int_equal(swdf__optd_rdp_level(d, w), 2);
  assert_int_equal(swdf__optd_get(d, w, (size_t)field(d, "boot_add1")), 0x1FF0);
  int rdp = field(d, "rdp");
  const swdf_optd_value *v = swdf__optd_value_named(&d->fields[rdp], "2");
  assert_non_null(v);
  assert_true(v->flags & SWDF_OPTD_PERMANENT);
  /* The secure access mode cannot be switched off again. */
  v = swdf__optd_value_named(&d->fields[field(d, "security")], "on");
  assert_non_null(v);
  assert_true(v->flags & SWDF_OPTD_PERMANENT);
  /* Boot addresses by name or number; the bank swap only where there are two banks. */
  v = swdf__optd_value_named(&d->fields[field(d, "boot_add1")], "system-memory");
  assert_non_null(v);
  assert_int_equal(v->raw, 0x1FF0);
  assert_true(field(d, "swap_bank_opt") >= 0);
  const swdf_optd *h72x = find("stm32h7", 0x483);
  assert_true(swdf__optd_field_index(h72x, "swap_bank_opt") < 0);
  assert_true(swdf__optd_field_index(h72x, "wpsn2") < 0);
  assert_true(field(h72x, "nrst_stop_d2") >= 0);
}

/* ---- values a user types ------------------------------------------------ */

static void test_parse_value(void **state) {
  (void)state;
  const swdf_optd *d = find("stm32f4", 0x421);
  char err[400];
  uint32_t raw = 0;
  const swdf_optd_field *wdg = &d->fields[field(d, "wdg_sw")];
  assert_true(swdf__optd_parse_value(wdg, "hardware", &raw, err, sizeof(err)));
  assert_int_equal(raw, 0);
  assert_true(swdf__optd_parse_value(wdg, "SOFTWARE", &raw, err, sizeof(err)));
  assert_int_equal(raw, 1);
  assert_true(swdf__optd_parse_value(wdg, "0", &raw, err, sizeof(err)));
  assert_int_equal(raw, 0);
  assert_false(swdf__optd_parse_value(wdg, "maybe", &raw, err, sizeof(err)));
  assert_non_null(strstr(err, "allowed: software, hardware"));
  assert_false(swdf__optd_parse_value(wdg, "2", &raw, err, sizeof(err)));

  const swdf_optd_field *rdp = &d->fields[field(d, "rdp")];
  assert_true(swdf__optd_parse_value(rdp, "1", &raw, err, sizeof(err)));
  assert_int_equal(raw, 0x55);
  assert_true(swdf__optd_parse_value(rdp, "2", &raw, err, sizeof(err)));
  assert_int_equal(raw, 0xCC);
  /* Levels only: a raw code typed by hand is refused, listed or not. */
  assert_false(swdf__optd_parse_value(rdp, "0xCC", &raw, err, sizeof(err)));
  assert_false(swdf__optd_parse_value(rdp, "0x12", &raw, err, sizeof(err)));
  assert_false(swdf__optd_parse_value(rdp, "3", &raw, err, sizeof(err)));

  const swdf_optd_field *nwrp = &d->fields[field(d, "nwrp")];
  assert_true(swdf__optd_parse_value(nwrp, "none", &raw, err, sizeof(err)));
  assert_int_equal(raw, 0xFF);
  assert_true(swdf__optd_parse_value(nwrp, "0b11111100", &raw, err, sizeof(err)));
  assert_int_equal(raw, 0xFC);
  assert_false(swdf__optd_parse_value(nwrp, "0x1FF", &raw, err, sizeof(err)));
  assert_non_null(strstr(err, "a number from 0 to 0xFF"));
  assert_false(swdf__optd_parse_value(nwrp, "", &raw, err, sizeof(err)));
  assert_false(swdf__optd_parse_value(nwrp, "-1", &raw, err, sizeof(err)));
}

static void test_unlock_values(void **state) {
  (void)state;
  const swdf_optd *d = find("stm32f4", 0x421);
  size_t with_unlock = 0;
  for (size_t f = 0; f < d->field_count; f++) {
    with_unlock += d->fields[f].has_unlock;
  }
  assert_int_equal(with_unlock, 3); /* rdp, nwrp, sprmod */
  assert_int_equal(d->fields[field(d, "rdp")].unlock_raw, 0xAA);
  assert_int_equal(d->fields[field(d, "nwrp")].unlock_raw, 0xFF);
  assert_int_equal(d->fields[field(d, "sprmod")].unlock_raw, 0);
}

/* ---- the parser's checks --------------------------------------------------- */

static void expect_parse_error(const char *text, const char *line, const char *message) {
  swdf_optd_set set = {0};
  char err[400] = "";
  assert_false(swdf__optd_parse(&set, text, "t.opt", err, sizeof(err)));
  if (strstr(err, line) == NULL || strstr(err, message) == NULL) {
    fail_msg("error '%s' lacks '%s' or '%s'", err, line, message);
  }
  swdf__optd_set_free(&set);
}

#define HEAD "options x\n driver d\n word w 0x1000 32\n"
#define RDP_OK " field rdp w 0 8 rdp\n  value 0xAA 0 \"off\"\n  value 0x55 1 \"on\"\n"

static void test_parser_accepts_a_minimal_description(void **state) {
  (void)state;
  swdf_optd_set set = {0};
  char err[400] = "";
  assert_true(swdf__optd_parse(&set, HEAD RDP_OK, "t.opt", err, sizeof(err)));
  assert_int_equal(set.count, 1);
  assert_int_equal(set.items[0].field_count, 1);
  swdf__optd_set_free(&set);
}

static void test_parser_errors(void **state) {
  (void)state;
  expect_parse_error("driver d\n", "t.opt:1:", "before the first 'options NAME'");
  expect_parse_error("options x\n word w 0x1000 32\n" RDP_OK, "t.opt:1:", "no 'driver' line");
  expect_parse_error(HEAD RDP_OK " field f w 30 4 other\n  any\n", "t.opt:7:", "do not fit");
  expect_parse_error(HEAD " field f w 0 4 frob\n", "t.opt:4:", "unknown group 'frob'");
  expect_parse_error(HEAD " field f w 0 4 other\n  any\n", "t.opt:1:", "0 read-protection");
  expect_parse_error(HEAD " field rdp w 0 8 rdp\n  value 0xAA 0 \"off\"\n", "t.opt:4:",
                     "values named 0 and 1");
  expect_parse_error(HEAD RDP_OK " field f w 8 2 other\n  value 4 big \"x\"\n", "t.opt:8:",
                     "does not fit 2 bits");
  expect_parse_error(HEAD RDP_OK " field f w 8 2 other\n  value 1 a \"x\"\n  value 1 b \"y\"\n",
                     "t.opt:9:", "listed twice");
  expect_parse_error(HEAD RDP_OK " field f w 8 2 other\n  text \"open\n", "t.opt:8:",
                     "unterminated quote");
  expect_parse_error(HEAD RDP_OK " field f w 8 4 wrp\n  any\n  protects sectors\n", "t.opt:7:",
                     "needs an 'unlock' value");
  expect_parse_error(HEAD RDP_OK " field f w 8 4 wrp\n  any\n  unlock 0\n  protects pages e\n",
                     "t.opt:7:", "end field 'e' does not exist");
  expect_parse_error(HEAD RDP_OK " field f w 8 2 other\n  any\n  other nope\n", "t.opt:7:",
                     "names no value");
  expect_parse_error(HEAD RDP_OK " field f w 8 2 other\n", "t.opt:7:", "no values");
  expect_parse_error(HEAD RDP_OK " field f w 8 2 other\n  value 1 2 \"x\"\n", "t.opt:8:",
                     "reads as a different number");
  /* A status field may name values by level only as an rdp field's in-force field. */
  expect_parse_error(HEAD RDP_OK " word s 0x2000 32 readonly\n field f s 0 2 status\n"
                                 "  value 3 2 \"x\"\n",
                     "t.opt:", "reads as a different number");
  expect_parse_error("options y\n based-on x\n", "t.opt:2:", "no description 'x'");
  expect_parse_error(HEAD RDP_OK " word s 0x2000 32 readonly\n field f s 0 1 other\n  any\n",
                     "t.opt:8:", "belong to the status group");
  expect_parse_error(HEAD RDP_OK "  in-force s\n", "t.opt:4:", "in-force field 's'");
  expect_parse_error(HEAD RDP_OK " field f w 8 2 other\n  any\n  in-force f\n", "t.opt:7:",
                     "belongs to the read-protection field");
  expect_parse_error(HEAD RDP_OK " swap nope 0\n", "t.opt:7:", "swap: field 'nope'");
  expect_parse_error(HEAD " value 1 a \"x\"\n", "t.opt:4:", "belongs to a field");
  expect_parse_error(HEAD " word v 0x1001 16\n", "t.opt:4:", "not aligned");
  expect_parse_error(HEAD " word v 0x1004 32 complement\n", "t.opt:4:", "only 16-bit words");
  expect_parse_error(HEAD RDP_OK "options x\n", "t.opt:7:", "defined twice");
  /* Numbers that wrap around 32 or 64 bits are refused, not taken modulo. */
  expect_parse_error(HEAD RDP_OK " field f w 4294967295 2 other\n  any\n", "t.opt:7:",
                     "do not fit");
  expect_parse_error(HEAD " word v 18014398509481985K 32\n" RDP_OK, "t.opt:4:",
                     "must be a number");
}

/* Read protection is described once: the chip data of F1, F4, G0 and H7
 * parts has no `rdp` line, and the library fills it from the option
 * description (the F1 from FLASH_OBR.RDPRT, the level in force now). */
static const swdf_chip *chip_by_id(const swdf_chipdb *db, const char *id) {
  for (size_t i = 0; i < db->count; i++) {
    if (strcmp(db->chips[i].id, id) == 0) {
      return &db->chips[i];
    }
  }
  fail_msg("no chip %s", id);
  return NULL;
}

static void test_chip_rdp_comes_from_the_description(void **state) {
  (void)state;
  swdf_chipdb db = {0};
  assert_true(swdf_chipdb_add_builtin(&db));
  const swdf_chip *f1 = chip_by_id(&db, "stm32f1-md");
  assert_int_equal(f1->rdp.reg, 0);
  assert_true(swdf__optd_derive_chip_data(db.chips, db.count));
  uint32_t raw;
  assert_int_equal(f1->rdp.reg, 0x4002201C);
  assert_int_equal(swdf_chip_rdp_level(f1, 0x03FFFFFC, &raw), 0);
  assert_int_equal(swdf_chip_rdp_level(f1, 0x03FFFFFE, &raw), 1);
  assert_int_equal(raw, 1);
  /* F0 and F3: FLASH_OBR.RDPRT is two bits (RM0091 §4.1, RM0316 §4.2), level 2 is 11. */
  const char *const fpec2[] = {"stm32f0-07x", "stm32f3-303de"};
  for (size_t i = 0; i < sizeof(fpec2) / sizeof(fpec2[0]); i++) {
    const swdf_chip *c = chip_by_id(&db, fpec2[i]);
    assert_int_equal(c->rdp.reg, 0x4002201C);
    assert_int_equal(swdf_chip_rdp_level(c, 0x03FFFFF8, NULL), 0);
    assert_int_equal(swdf_chip_rdp_level(c, 0x03FFFFFA, NULL), 1);
    assert_int_equal(swdf_chip_rdp_level(c, 0x03FFFFFE, NULL), 2);
  }
  struct {
    const char *id;
    uint32_t reg;
    unsigned shift;
  } same[] = {{"stm32f4-446", 0x40023C14, 8},
              {"stm32g0-0bx", 0x40022020, 0},
              {"stm32h7-72x", 0x5200201C, 8}};
  for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
    const swdf_chip *c = chip_by_id(&db, same[i].id);
    assert_int_equal(c->rdp.reg, same[i].reg);
    uint32_t other = 0x0FFF0000u | (0xED & ((1u << same[i].shift) - 1));
    assert_int_equal(swdf_chip_rdp_level(c, other | 0xAAu << same[i].shift, &raw), 0);
    assert_int_equal(raw, 0xAA);
    assert_int_equal(swdf_chip_rdp_level(c, other | 0x55u << same[i].shift, NULL), 1);
    assert_int_equal(swdf_chip_rdp_level(c, other | 0xCCu << same[i].shift, NULL), 2);
    assert_int_equal(swdf_chip_rdp_level(c, other | 0x12u << same[i].shift, NULL), 1);
  }
  /* The bank-layout bit too (G0B1 OPTR.DUAL_BANK, F42x/F43x OPTCR.DB1M). */
  const swdf_chip *g0b1 = chip_by_id(&db, "stm32g0-0bx");
  assert_int_equal(g0b1->dual_bank_reg, 0x40022020);
  assert_true(swdf_chip_dual_bank(g0b1, 1u << 21));
  assert_false(swdf_chip_dual_bank(g0b1, 0xFFDFFFFFu));
  const swdf_chip *f42x = chip_by_id(&db, "stm32f4-42x");
  assert_int_equal(f42x->dual_bank_reg, 0x40023C14);
  assert_true(swdf_chip_dual_bank(f42x, 1u << 30));
  assert_false(swdf_chip_dual_bank(f42x, 0x0FFFAAED));
  /* A family without an option description keeps its chip data. */
  assert_int_equal(chip_by_id(&db, "stm32l4-47x")->rdp.reg, 0x40022020);
  assert_int_equal(chip_by_id(&db, "stm32f7-76x")->dual_bank_reg, 0x40023C14);
  swdf_chipdb_free(&db);
  /* Every built-in chip has exactly one description of it. */
  swdf_chipdb raw_db = {0};
  assert_true(swdf_chipdb_add_builtin(&raw_db));
  for (size_t i = 0; i < raw_db.count; i++) {
    const swdf_chip *c = &raw_db.chips[i];
    bool in_options = swdf__optd_find(&builtin, c->driver, c->dev_id) != NULL;
    const swdf_optd *d = swdf__optd_find(&builtin, c->driver, c->dev_id);
    if (d != NULL && d->dual_field != 0 && c->dual_bank_reg != 0) {
      fail_msg("%s: the dual-bank option bit is described twice", c->id);
    }
    if ((c->rdp.reg != 0) == in_options) {
      fail_msg("%s: read protection %s", c->id,
               in_options ? "is described both in its chip data and in its option description"
                          : "is not described");
    }
  }
  swdf_chipdb_free(&raw_db);
}

static void test_based_on_replaces_and_adds_fields(void **state) {
  (void)state;
  swdf_optd_set set = {0};
  char err[400] = "";
  const char *text = HEAD RDP_OK " field f w 8 2 other\n  any\n"
                     "options y\n based-on x\n dev-ids 0x123\n"
                     " field f w 8 4 other\n  any\n field g w 12 1 boot\n  any\n";
  assert_true(swdf__optd_parse(&set, text, "t.opt", err, sizeof(err)));
  assert_int_equal(set.count, 2);
  const swdf_optd *y = swdf__optd_find(&set, "d", 0x123);
  assert_string_equal(y->name, "y");
  assert_int_equal(y->field_count, 3);
  assert_int_equal(y->fields[1].width, 4);
  assert_string_equal(swdf__optd_find(&set, "d", 0x999)->name, "x");
  swdf__optd_set_free(&set);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_descriptions_are_found_per_chip),
      cmocka_unit_test(test_f1_fields_and_xl_bfb2),
      cmocka_unit_test(test_f1_factory_state_decodes),
      cmocka_unit_test(test_f1_rdp_any_other_value_is_level_1),
      cmocka_unit_test(test_encoder_keeps_other_bits),
      cmocka_unit_test(test_f1_wrp_groups_of_4k),
      cmocka_unit_test(test_f1_last_wrp_bit_covers_the_rest),
      cmocka_unit_test(test_f4_sectors_and_pcrop),
      cmocka_unit_test(test_f42x_bank2_sectors_from_optcr1),
      cmocka_unit_test(test_g0_page_zones_fit_the_same_mechanism),
      cmocka_unit_test(test_g0b1_zones_follow_the_bank_swap),
      cmocka_unit_test(test_h7_cur_and_prg_registers),
      cmocka_unit_test(test_parse_value),
      cmocka_unit_test(test_unlock_values),
      cmocka_unit_test(test_parser_accepts_a_minimal_description),
      cmocka_unit_test(test_parser_errors),
      cmocka_unit_test(test_based_on_replaces_and_adds_fields),
      cmocka_unit_test(test_chip_rdp_comes_from_the_description),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
