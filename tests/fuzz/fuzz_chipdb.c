/*
 * Fuzz the chip-database parser (chipdb/chipdb_parse.c), which reads the
 * *.chip files of SWDFLASH_CHIPDB at run time, and the flash layouts the
 * parsed entries lead to (chipdb/chipdb.c).
 *
 * Input: the text of one .chip file. The built-in files are parsed first,
 * so that `inherit` finds the real chips.
 */
#include <stdlib.h>
#include <string.h>

#include "chipdb.h"
#include "fuzz.h"

enum { UNITS_CHECKED = 2048 };

/* Units n0 .. n1-1: in address order, inside their bank and the 32-bit
 * address space, found again by address. */
static void check_units(const swdf_flash_layout *l, uint32_t n0, uint32_t n1) {
  uint64_t prev_end = 0;
  for (uint32_t n = n0; n < n1; n++) {
    swdf_flash_sector s;
    FUZZ_CHECK(swdf_flash_layout_sector(&s, l, n));
    FUZZ_CHECK(s.size > 0);
    FUZZ_CHECK(s.bank < l->bank_count);
    FUZZ_CHECK(s.addr >= prev_end);
    FUZZ_CHECK(s.addr >= l->banks[s.bank].base);
    FUZZ_CHECK((uint64_t)s.addr + s.size <= (uint64_t)l->banks[s.bank].base + l->banks[s.bank].size);
    FUZZ_CHECK((uint64_t)s.addr + s.size <= 0x100000000ull);
    prev_end = (uint64_t)s.addr + s.size;
    FUZZ_CHECK(swdf_flash_layout_contains(l, s.addr, s.size));
    swdf_flash_sector again;
    FUZZ_CHECK(swdf_flash_layout_sector_at(&again, l, s.addr));
    FUZZ_CHECK(again.addr == s.addr && again.size == s.size && again.index == s.index);
    FUZZ_CHECK(swdf_flash_layout_sector_at(&again, l, (uint32_t)(prev_end - 1)));
    FUZZ_CHECK(again.addr == s.addr);
  }
}

/* The first and the last units of each bank (all of them when few). */
static void check_layout(const swdf_flash_layout *l) {
  FUZZ_CHECK(l->bank_count >= 1 && l->bank_count <= SWDF_LAYOUT_MAX_BANKS);
  uint32_t first = 0;
  for (uint8_t b = 0; b < l->bank_count; b++) {
    FUZZ_CHECK((uint64_t)l->banks[b].base + l->banks[b].size <= 0x100000000ull);
    FUZZ_CHECK(b == 0 || l->banks[b].base >= (uint64_t)l->banks[b - 1].base + l->banks[b - 1].size);
    uint32_t n = l->banks[b].unit_count;
    if (n <= 2 * UNITS_CHECKED) {
      check_units(l, first, first + n);
    } else {
      check_units(l, first, first + UNITS_CHECKED);
      check_units(l, first + n - UNITS_CHECKED, first + n);
    }
    first += n;
  }
  swdf_flash_sector s;
  FUZZ_CHECK(!swdf_flash_layout_sector(&s, l, swdf_flash_layout_count(l)));
  char text[256];
  swdf_flash_layout_describe(text, sizeof(text), l);
  FUZZ_CHECK(strlen(text) < sizeof(text));
}

static void exercise_chip(const swdf_chip *c) {
  static const uint16_t raw_sizes[] = {0, 16, 64, 128, 256, 512, 1024, 2048, 0xFFFF};
  for (size_t i = 0; i < sizeof(raw_sizes) / sizeof(raw_sizes[0]); i++) {
    uint32_t size = swdf_chip_flash_size(c, raw_sizes[i]);
    for (int dual = 0; dual < 2; dual++) {
      swdf_flash_layout l;
      if (swdf_flash_layout_init(&l, c, size, dual != 0)) {
        check_layout(&l);
      }
    }
  }
  for (size_t i = 0; i < c->revision_count; i++) {
    FUZZ_CHECK(swdf_chip_revision_name(c, c->revisions[i].rev_id) != NULL);
  }
  uint32_t field = 0;
  int level = swdf_chip_rdp_level(c, 0xA5A5A5A5u, &field);
  FUZZ_CHECK(level >= -1 && level <= 2);
  (void)swdf_chip_dual_bank(c, 0xFFFFFFFFu);
  (void)swdf_chip_dual_bank(c, 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *text = malloc(size + 1);
  if (text == NULL) {
    return 0;
  }
  memcpy(text, data, size);
  text[size] = '\0';

  swdf_chipdb db = {0};
  FUZZ_CHECK(swdf_chipdb_add_builtin(&db));
  size_t builtin = db.count;
  char err[256] = "";
  bool ok = swdf_chipdb_parse(&db, text, "fuzz.chip", err, sizeof(err));
  FUZZ_CHECK(ok || err[0] != '\0');
  FUZZ_CHECK(strlen(err) < sizeof(err));
  for (size_t i = builtin; i < db.count; i++) {
    exercise_chip(&db.chips[i]);
  }
  /* Lookups over the whole set, with IDs taken from the new entries. */
  for (size_t i = builtin; i < db.count; i++) {
    const swdf_chip *c = &db.chips[i];
    swdf_chip_ids ids = {c->designer, c->dp_idcode, (uint32_t)c->cpuid_part << 4,
                         (uint32_t)c->rev_id << 16 | c->dev_id, c->idcode_addr};
    (void)swdf_chipdb_find(db.chips, db.count, &ids);
    uint32_t addrs[8];
    size_t n = swdf_chipdb_idcode_addrs(addrs, 8, db.chips, db.count, ids.cpuid, ids.dp_idcode);
    FUZZ_CHECK(n <= 8);
  }
  swdf_chipdb_free(&db);
  free(text);
  return 0;
}
