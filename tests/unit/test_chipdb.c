/* The chip database: the built-in table, the parser, lookup, geometry. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "chipdb.h"
#include "internal.h"

static const char *source_dir; /* chipdb/ in the source tree (argv[1]) */

static const swdf_chip *builtin(size_t *count) { return swdf_chipdb_builtin(count); }

static const swdf_chip *by_id(const char *id) {
  size_t n;
  const swdf_chip *chips = builtin(&n);
  for (size_t i = 0; i < n; i++) {
    if (strcmp(chips[i].id, id) == 0) {
      return &chips[i];
    }
  }
  fail_msg("no chip %s", id);
  return NULL;
}

static const swdf_chip *find(uint32_t dp, uint32_t cpuid, uint32_t idcode, uint32_t addr,
                             uint16_t designer) {
  size_t n;
  const swdf_chip *chips = builtin(&n);
  swdf_chip_ids ids = {.designer = designer, .dp_idcode = dp, .cpuid = cpuid,
                       .dbgmcu_idcode = idcode, .idcode_addr = addr};
  return swdf_chipdb_find(chips, n, &ids);
}

/* ---- the built-in table ------------------------------------------------ */

static void every_family_of_the_fact_sheets_is_there(void **state) {
  (void)state;
  const char *families[] = {"f0", "f1", "f2", "f3", "f4", "f7", "g0", "g4", "h7",
                            "l0", "l1", "l4", "l5", "u5", "wb", "wl", "c0"};
  size_t n;
  const swdf_chip *chips = builtin(&n);
  for (size_t f = 0; f < sizeof(families) / sizeof(families[0]); f++) {
    bool found = false;
    for (size_t i = 0; i < n && !found; i++) {
      found = strcmp(chips[i].family, families[f]) == 0;
    }
    assert_true(found);
  }
}

static void every_entry_is_consistent(void **state) {
  (void)state;
  size_t n;
  const swdf_chip *chips = builtin(&n);
  assert_true(n > 60);
  for (size_t i = 0; i < n; i++) {
    const swdf_chip *c = &chips[i];
    for (size_t j = i + 1; j < n; j++) {
      assert_string_not_equal(c->id, chips[j].id);
    }
    /* The largest part of every line tiles its geometry, in both bank modes. */
    swdf_flash_layout l;
    if (!swdf_flash_layout_init(&l, c, c->flash_max, false)) {
      fail_msg("%s: layout does not fill %u bytes", c->id, c->flash_max);
    }
    if (c->dual_geometry.group_count != 0 &&
        !swdf_flash_layout_init(&l, c, c->flash_max, true)) {
      fail_msg("%s: dual-bank layout does not fill %u bytes", c->id, c->flash_max);
    }
    assert_true(c->program_unit >= 1 && c->program_unit <= 32);
    assert_true(c->ram_size >= 1024);
    assert_true(c->idcode_addr != 0);
    /* Read protection: test_optdesc checks it is described once. */
    /* Every entry is found by its own IDs. */
    uint32_t idcode = (uint32_t)c->rev_id << 16 | c->dev_id;
    const swdf_chip *found = find(c->dp_idcode, (uint32_t)c->cpuid_part << 4 | 0x41000000u,
                                  idcode, c->idcode_addr, c->designer);
    if (found != c) {
      fail_msg("%s is found as %s", c->id, found != NULL ? found->id : "nothing");
    }
  }
}

/* ---- lookup -------------------------------------------------------------- */

static void finds_st_parts_and_their_clones(void **state) {
  (void)state;
  const uint32_t m3 = 0x411FC231, m4 = 0x410FC241, m0p = 0x410CC601, m7 = 0x411FC270;
  assert_string_equal(find(0x1BA01477, m3, 0x20036410, 0xE0042000, 0x020)->id, "stm32f1-md");
  assert_string_equal(find(0x2BA01477, m3, 0x20036410, 0xE0042000, 0)->id, "cks32f1-md");
  assert_string_equal(find(0x1BA01477, m3, 0x20036410, 0xE0042000, 0x751)->id, "gd32f10x-md");
  assert_string_equal(find(0x2BA01477, m4, 0x10016414, 0xE0042000, 0)->id, "gd32f30x-hd");
  assert_string_equal(find(0x1BA01477, m3, 0x13030410, 0xE0042000, 0)->id, "gd32f1x0");
  assert_string_equal(find(0x2BA01477, m4, 0x10006421, 0xE0042000, 0x020)->id, "stm32f4-446");
  /* F4 rev A erratum: DEV_ID 0x411 on a Cortex-M4 is an F405/407. */
  assert_string_equal(find(0x2BA01477, m4, 0x10000411, 0xE0042000, 0)->id, "stm32f4-405-reva");
  assert_string_equal(find(0x2BA01477, 0x412FC230, 0x20000411, 0xE0042000, 0)->id, "stm32f2");
  assert_string_equal(find(0x0BC11477, m0p, 0x10006467, 0x40015800, 0)->id, "stm32g0-0bx");
  assert_string_equal(find(0x6BA02477, m7, 0x10036483, 0x5C001000, 0)->id, "stm32h7-72x");
  /* Wrong address or core: no match. */
  assert_null(find(0x1BA01477, m3, 0x20036410, 0x40015800, 0));
  assert_null(find(0x1BA01477, m4, 0x20036410, 0xE0042000, 0));
  assert_null(find(0x1BA01477, m3, 0x20036999, 0xE0042000, 0));
}

static void chooses_idcode_addresses_by_core(void **state) {
  (void)state;
  size_t n;
  const swdf_chip *chips = builtin(&n);
  uint32_t addrs[8];
  size_t k = swdf_chipdb_idcode_addrs(addrs, 8, chips, n, 0x410CC601, 0x0BC11477);
  assert_int_equal(k, 1);
  assert_int_equal(addrs[0], 0x40015800);
  k = swdf_chipdb_idcode_addrs(addrs, 8, chips, n, 0x411FC231, 0x1BA01477);
  assert_int_equal(k, 1);
  assert_int_equal(addrs[0], 0xE0042000);
  /* Cortex-M7: the H7's DP IDCODE puts its address first, the F7's the other. */
  k = swdf_chipdb_idcode_addrs(addrs, 8, chips, n, 0x411FC270, 0x6BA02477);
  assert_true(k >= 1);
  assert_int_equal(addrs[0], 0x5C001000);
  k = swdf_chipdb_idcode_addrs(addrs, 8, chips, n, 0x411FC270, 0x5BA02477);
  assert_int_equal(addrs[0], 0xE0042000);
  k = swdf_chipdb_idcode_addrs(addrs, 8, chips, n, 0x410FD210, 0x0BE02477);
  assert_int_equal(addrs[0], 0xE0044000);
  /* An unknown core still gets a guess. */
  k = swdf_chipdb_idcode_addrs(addrs, 8, chips, n, 0x41000000, 0);
  assert_true(k >= 1);
}

static void decodes_sizes_revisions_and_protection(void **state) {
  (void)state;
  const swdf_chip *f1 = by_id("stm32f1-md");
  assert_string_equal(swdf_chip_revision_name(f1, 0x2003), "Y");
  assert_string_equal(swdf_chip_revision_name(f1, 0x9999), "");
  assert_int_equal(swdf_chip_flash_size(f1, 64), 64 * 1024);
  assert_int_equal(swdf_chip_flash_size(f1, 0xFFFF), 128 * 1024);
  assert_int_equal(swdf_chip_flash_size(f1, 0), 128 * 1024);
  assert_int_equal(swdf_chip_flash_size(f1, 4096), 128 * 1024); /* clamped */
  const swdf_chip *l1 = by_id("stm32l1-cat4");
  assert_int_equal(swdf_chip_flash_size(l1, 0), 384 * 1024);
  assert_int_equal(swdf_chip_flash_size(l1, 1), 256 * 1024);
  uint32_t raw;
  const swdf_chip *l4 = by_id("stm32l4-47x");
  assert_int_equal(swdf_chip_rdp_level(l4, 0xFFEFF8AA, &raw), 0);
  assert_int_equal(raw, 0xAA);
  assert_int_equal(swdf_chip_rdp_level(l4, 0xFFEFF855, &raw), 1);
  assert_int_equal(swdf_chip_rdp_level(l4, 0xFFEFF8CC, &raw), 2);
  /* The F0/F3 two-bit FLASH_OBR.RDPRT comes from their option descriptions
   * (test_optdesc: test_chip_rdp_comes_from_the_description). */
  const swdf_chip *f7 = by_id("stm32f7-76x");
  assert_true(swdf_chip_dual_bank(f7, 0));              /* nDBANK = 0 */
  assert_false(swdf_chip_dual_bank(f7, 1u << 29));
  assert_false(swdf_chip_dual_bank(f1, 0xFFFFFFFF));    /* no option */
  assert_string_equal(swdf_chip_quirk_name(SWDF_QUIRK_CLONE), "clone");
  assert_null(swdf_chip_quirk_name(1u << 30));
}

/* ---- geometry ----------------------------------------------------------- */

static void sector(const swdf_flash_layout *l, uint32_t addr, uint32_t index, uint32_t base,
                   uint32_t size, uint8_t bank, uint32_t in_bank) {
  swdf_flash_sector s;
  if (!swdf_flash_layout_sector_at(&s, l, addr)) {
    fail_msg("no sector at 0x%08X", addr);
  }
  assert_int_equal(s.index, index);
  assert_int_equal(s.addr, base);
  assert_int_equal(s.size, size);
  assert_int_equal(s.bank, bank);
  assert_int_equal(s.index_in_bank, in_bank);
  swdf_flash_sector by_number;
  bool found = false;
  for (uint32_t n = 0; n < swdf_flash_layout_count(l) && !found; n++) {
    assert_true(swdf_flash_layout_sector(&by_number, l, n));
    found = by_number.addr == base;
  }
  assert_true(found);
  assert_int_equal(by_number.index, index);
}

static void f4_sectors(void **state) {
  (void)state;
  swdf_flash_layout l;
  assert_true(swdf_flash_layout_init(&l, by_id("stm32f4-446"), 512 * 1024, false));
  assert_int_equal(swdf_flash_layout_count(&l), 8);
  sector(&l, 0x08000000, 0, 0x08000000, 16384, 0, 0);
  sector(&l, 0x0800FFFF, 3, 0x0800C000, 16384, 0, 3);
  sector(&l, 0x08010000, 4, 0x08010000, 65536, 0, 4);
  sector(&l, 0x0807FFFF, 7, 0x08060000, 131072, 0, 7);
  swdf_flash_sector s;
  assert_false(swdf_flash_layout_sector_at(&s, &l, 0x08080000));
  assert_false(swdf_flash_layout_sector(&s, &l, 8));
  char text[96];
  swdf_flash_layout_describe(text, sizeof(text), &l);
  assert_string_equal(text, "4 x 16 KiB, 1 x 64 KiB, 3 x 128 KiB");
}

static void f4_dual_bank(void **state) {
  (void)state;
  const swdf_chip *c = by_id("stm32f4-42x");
  swdf_flash_layout l;
  assert_true(swdf_flash_layout_init(&l, c, 2048 * 1024, false));
  assert_int_equal(l.bank_count, 2);
  assert_int_equal(swdf_flash_layout_count(&l), 24);
  sector(&l, 0x08100000, 12, 0x08100000, 16384, 1, 0);
  sector(&l, 0x081E0000, 23, 0x081E0000, 131072, 1, 11);
  /* 1 MiB part: one bank, unless DB1M makes two of 512 KiB. */
  assert_true(swdf_flash_layout_init(&l, c, 1024 * 1024, false));
  assert_int_equal(l.bank_count, 1);
  assert_int_equal(swdf_flash_layout_count(&l), 12);
  assert_true(swdf_flash_layout_init(&l, c, 1024 * 1024, true));
  assert_int_equal(l.bank_count, 2);
  sector(&l, 0x08080000, 12, 0x08080000, 16384, 1, 0);
  sector(&l, 0x08060000, 7, 0x08060000, 131072, 0, 7);
  char text[96];
  swdf_flash_layout_describe(text, sizeof(text), &l);
  assert_string_equal(text, "4 x 16 KiB, 1 x 64 KiB, 3 x 128 KiB per bank, 2 banks");
}

static void f1_pages_and_xl_banks(void **state) {
  (void)state;
  swdf_flash_layout l;
  assert_true(swdf_flash_layout_init(&l, by_id("stm32f1-md"), 64 * 1024, false));
  assert_int_equal(swdf_flash_layout_count(&l), 64);
  sector(&l, 0x080003FF, 0, 0x08000000, 1024, 0, 0);
  sector(&l, 0x0800FC00, 63, 0x0800FC00, 1024, 0, 63);
  char text[96];
  swdf_flash_layout_describe(text, sizeof(text), &l);
  assert_string_equal(text, "64 pages of 1 KiB");
  assert_true(swdf_flash_layout_init(&l, by_id("stm32f1-xl"), 768 * 1024, false));
  assert_int_equal(l.bank_count, 2);
  assert_int_equal(l.banks[1].base, 0x08080000);
  assert_int_equal(l.banks[1].size, 256 * 1024);
  sector(&l, 0x08080000, 256, 0x08080000, 2048, 1, 0);
  swdf_flash_layout_describe(text, sizeof(text), &l);
  assert_string_equal(text, "bank 1: 256 pages of 2 KiB; bank 2: 128 pages of 2 KiB");
  assert_true(swdf_flash_layout_contains(&l, 0x0807F000, 0x2000)); /* across banks */
  /* Half a bank, where the size register can only be wrong. */
  assert_false(swdf_flash_layout_init(&l, by_id("stm32f4-446"), 100 * 1024, false));
}

static void g4_bank_gap(void **state) {
  (void)state;
  swdf_flash_layout l;
  const swdf_chip *c = by_id("stm32g4-47x");
  assert_true(swdf_flash_layout_init(&l, c, 256 * 1024, true));
  assert_int_equal(l.banks[1].base, 0x08040000);
  sector(&l, 0x08040800, 65, 0x08040800, 2048, 1, 1);
  swdf_flash_sector s;
  assert_false(swdf_flash_layout_sector_at(&s, &l, 0x08020000)); /* in the gap */
  assert_false(swdf_flash_layout_contains(&l, 0x0801F000, 0x2000));
  assert_true(swdf_flash_layout_contains(&l, 0x0801F000, 0x1000));
  assert_true(swdf_flash_layout_init(&l, c, 512 * 1024, false));
  assert_int_equal(swdf_flash_layout_count(&l), 128); /* 4 KiB pages single-bank */
}

/* ---- the parser --------------------------------------------------------- */

static bool parse(swdf_chipdb *db, const char *text, char *err, size_t len) {
  return swdf_chipdb_parse(db, text, "test.chip", err, len);
}

static void parses_defaults_inherit_and_repeats(void **state) {
  (void)state;
  swdf_chipdb db = {0};
  char err[256];
  const char *text = "# a family\n"
                     "[defaults]\n"
                     "family = x1\ndriver = stm32f1\ncore = Cortex-M3\n"
                     "idcode_addr = 0xE0042000\nprogram_unit = 2\n"
                     "option_reg = OBR 0x4002201C\n"
                     "rdp = 0x4002201C 1:1 0=0 *=1\n"
                     "[x1-a]\nname = Part A   # trailing comment\ndev_id = 0x4AB\n"
                     "flash_max = 64K\npages = 1K\nram = 0x20000000 8K\n"
                     "revisions = 0x1000=A 0x2000=B\n"
                     "[x1-b]\ninherit = x1-a\nname = Part B\ndev_id = 0x4AC\n"
                     "option_reg = OPTCR 0x40023C14\noption_reg = OPTCR1 0x40023C18\n"
                     "sectors = 4x16K 1x64K 7x128K\nflash_max = 1M\n"
                     "uid = 0x1FF80050 0x1FF80054 0x1FF80064\n"
                     "quirks = clone wait-bsy-each-unit\n";
  if (!parse(&db, text, err, sizeof(err))) {
    fail_msg("%s", err);
  }
  assert_int_equal(db.count, 2);
  swdf_chip *a = &db.chips[0];
  swdf_chip *b = &db.chips[1];
  assert_string_equal(a->name, "Part A");
  assert_int_equal(a->flash_base, 0x08000000);
  assert_int_equal(a->erased_value, 0xFF);
  assert_int_equal(a->option_reg_count, 1);
  assert_int_equal(a->revision_count, 2);
  assert_string_equal(b->family, "x1");
  assert_int_equal(b->revision_count, 2); /* inherited */
  assert_int_equal(b->option_reg_count, 2); /* replaced, not appended */
  assert_string_equal(b->option_regs[0].name, "OPTCR");
  assert_int_equal(b->geometry.group_count, 3);
  assert_int_equal(b->uid_addr[2], 0x1FF80064);
  assert_int_equal(b->quirks, SWDF_QUIRK_CLONE | SWDF_QUIRK_WAIT_BSY_EACH_UNIT);
  /* A later chip with the same id replaces the earlier one. */
  assert_true(parse(&db, "[x1-a]\ninherit = x1-b\nname = Part A2\ndev_id = 0x4AB\n", err,
                    sizeof(err)));
  assert_int_equal(db.count, 2);
  assert_string_equal(db.chips[0].name, "Part A2");
  swdf_chipdb_free(&db);
}

static void reports_errors_with_file_and_line(void **state) {
  (void)state;
  const struct {
    const char *text;
    const char *message;
  } cases[] = {
      {"name = x\n", "test.chip:1: 'name = x' outside a section"},
      {"[a]\nfoo = 1\n", "test.chip:2: unknown key 'foo'"},
      {"[a]\ndev_id = 0x1000\n", "test.chip:2: 'dev_id' must be at most 0xFFF"},
      {"[a]\nflash_max = 12Q\n", "test.chip:2: 'flash_max' needs a size"},
      {"[a b]\n", "test.chip:1: chip id 'a b' may only hold"},
      {"[a]\nname = A\n", "test.chip:1: chip 'a' has no 'family'"},
      {"[a]\nsectors = 4y16K\n", "test.chip:2: 'sectors': group '4y16K' is not COUNTxSIZE"},
      {"[a]\nrdp = 0x40022020 7:0 0xAA=0\n", "must end with '*=LEVEL'"},
      {"[a]\nrdp = 0x40022020 7:0 0xAA=3 *=1\n", "levels are 0, 1 or 2"},
      {"[a]\nquirks = fast\n", "unknown quirk 'fast'"},
      {"[a]\ninherit = nothing\n", "no chip 'nothing' defined before"},
      {"[a]\nname =\n", "'name' has no value"},
      {"[a]\nbank_split = third\n", "'bank_split' must be"},
      {"[a]\ndual_bank_option = 0x40022020 40\n", "needs a register address and a bit"},
      /* 2^44 + 1 MiB: wraps around to 1 MiB if multiplied in 64 bits unchecked. */
      {"[a]\nflash_max = 17592186044417M\n", "'flash_max' needs a size"},
      {"[a]\nname = A\nfamily = x1\ndriver = stm32f1\ncore = Cortex-M3\ndev_id = 0x4AB\n"
       "idcode_addr = 0xE0042000\nflash_base = 0xFFFF0000\nflash_max = 1M\npages = 1K\n"
       "program_unit = 2\nram = 0x20000000 8K\n",
       "test.chip:1: chip 'a': the flash at 0xFFFF0000 passes the end of the address space"},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    swdf_chipdb db = {0};
    char err[256] = "";
    assert_false(parse(&db, cases[i].text, err, sizeof(err)));
    if (strstr(err, cases[i].message) == NULL) {
      fail_msg("case %zu: '%s' does not contain '%s'", i, err, cases[i].message);
    }
    swdf_chipdb_free(&db);
  }
}

/* The generated table says exactly what the source files say: parse them
 * again at run time and compare. */
static void builtin_table_matches_the_source_files(void **state) {
  (void)state;
  if (source_dir == NULL) {
    skip();
  }
  swdf_chipdb db = {0};
  char err[512];
  if (!swdf_chipdb_load_dir(&db, source_dir, err, sizeof(err))) {
    fail_msg("%s", err);
  }
  size_t n;
  const swdf_chip *chips = builtin(&n);
  assert_int_equal(db.count, n);
  for (size_t i = 0; i < n; i++) {
    const swdf_chip *a = &chips[i];
    const swdf_chip *b = NULL;
    for (size_t j = 0; j < db.count && b == NULL; j++) {
      b = strcmp(db.chips[j].id, a->id) == 0 ? &db.chips[j] : NULL;
    }
    assert_non_null(b);
    assert_string_equal(a->name, b->name);
    assert_string_equal(a->note, b->note);
    assert_int_equal(a->dev_id, b->dev_id);
    assert_int_equal(a->flash_max, b->flash_max);
    assert_int_equal(a->ram_size, b->ram_size);
    assert_memory_equal(&a->geometry.groups, &b->geometry.groups, sizeof(a->geometry.groups));
    assert_memory_equal(&a->rdp.map, &b->rdp.map, sizeof(a->rdp.map));
    assert_memory_equal(a->option_regs, b->option_regs, sizeof(a->option_regs));
    assert_memory_equal(a->debug_set, b->debug_set, sizeof(a->debug_set));
    assert_int_equal(a->quirks, b->quirks);
  }
  swdf_chipdb_free(&db);
}

/* Write `text` to PATH (replacing it). */
static void write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  assert_int_equal(fclose(f), 0);
}

static void loads_extra_files_from_a_directory(void **state) {
  (void)state;
  char dir[] = "/tmp/swdf-chipdb-XXXXXX";
  assert_non_null(mkdtemp(dir));
  char path[128];
  snprintf(path, sizeof(path), "%s/extra.chip", dir);
  write_file(path, "[stm32f4-9zz]\ninherit = stm32f4-446\nname = STM32F4 future part\n"
                   "dev_id = 0x4FF\n");
  swdf_chipdb db = {0};
  char err[256];
  assert_true(swdf_chipdb_add_builtin(&db));
  size_t before = db.count;
  if (!swdf_chipdb_load_dir(&db, dir, err, sizeof(err))) {
    fail_msg("%s", err);
  }
  assert_int_equal(db.count, before + 1);
  swdf_chip_ids ids = {.dp_idcode = 0x2BA01477, .cpuid = 0x410FC241,
                       .dbgmcu_idcode = 0x100064FF, .idcode_addr = 0xE0042000};
  const swdf_chip *c = swdf_chipdb_find(db.chips, db.count, &ids);
  assert_non_null(c);
  assert_string_equal(c->name, "STM32F4 future part");
  assert_int_equal(c->flash_max, 512 * 1024);
  /* A broken file names itself and the line. */
  write_file(path, "[broken]\n\nflash_max = lots\n");
  assert_false(swdf_chipdb_load_dir(&db, dir, err, sizeof(err)));
  assert_non_null(strstr(err, "extra.chip:3:"));
  assert_false(swdf_chipdb_load_dir(&db, "/nonexistent/chips", err, sizeof(err)));
  unlink(path);
  rmdir(dir);
  swdf_chipdb_free(&db);
}

static void context_loads_its_directory(void **state) {
  (void)state;
  char dir[] = "/tmp/swdf-ctxdb-XXXXXX";
  assert_non_null(mkdtemp(dir));
  char path[128];
  snprintf(path, sizeof(path), "%s/mine.chip", dir);
  write_file(path, "[stm32f1-md]\ninherit = stm32f1-md\nname = My F103\n");
  swdf_ctx_opts opts = SWDF_CTX_OPTS_INIT;
  opts.chipdb_dir = dir;
  swdf_ctx *ctx = NULL;
  assert_int_equal(swdf_ctx_new(&ctx, &opts), SWDF_OK);
  const swdf_chipdb *db = NULL;
  assert_int_equal(swdf__ctx_chipdb(&db, ctx), SWDF_OK);
  size_t n;
  builtin(&n);
  assert_int_equal(db->count, n); /* replaced, not added */
  swdf_chip_ids ids = {.dp_idcode = 0x1BA01477, .cpuid = 0x411FC231,
                       .dbgmcu_idcode = 0x20036410, .idcode_addr = 0xE0042000};
  assert_string_equal(swdf_chipdb_find(db->chips, db->count, &ids)->name, "My F103");
  swdf_ctx_free(ctx);
  /* A broken file is an error naming it, with a hint. */
  write_file(path, "[oops\n");
  assert_int_equal(swdf_ctx_new(&ctx, &opts), SWDF_OK);
  assert_int_equal(swdf__ctx_chipdb(&db, ctx), SWDF_ERR_IO);
  assert_non_null(strstr(swdf_ctx_errmsg(ctx), "mine.chip:1:"));
  assert_non_null(strstr(swdf_ctx_hint(ctx), "SWDFLASH_CHIPDB"));
  swdf_ctx_free(ctx);
  unlink(path);
  rmdir(dir);
}

int main(int argc, char **argv) {
  source_dir = argc > 1 ? argv[1] : NULL;
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(every_family_of_the_fact_sheets_is_there),
      cmocka_unit_test(every_entry_is_consistent),
      cmocka_unit_test(finds_st_parts_and_their_clones),
      cmocka_unit_test(chooses_idcode_addresses_by_core),
      cmocka_unit_test(decodes_sizes_revisions_and_protection),
      cmocka_unit_test(f4_sectors),
      cmocka_unit_test(f4_dual_bank),
      cmocka_unit_test(f1_pages_and_xl_banks),
      cmocka_unit_test(g4_bank_gap),
      cmocka_unit_test(parses_defaults_inherit_and_repeats),
      cmocka_unit_test(reports_errors_with_file_and_line),
      cmocka_unit_test(builtin_table_matches_the_source_files),
      cmocka_unit_test(loads_extra_files_from_a_directory),
      cmocka_unit_test(context_loads_its_directory),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
