/*
 * Which chip is this: DP IDCODE, CPUID, the ROM table's designer and
 * DBGMCU_IDCODE looked up in the chip database; then its flash size, bank
 * mode and unique ID.
 */
#include <stdio.h>
#include <string.h>

#include "adi/adi.h"

enum { MAX_IDCODE_ADDRS = 8, CPUID_IMPLEMENTER_ARM = 0x41 };

/* JEP106 designer from the CoreSight peripheral ID registers of the ROM
 * table (PIDR4 at 0xFD0, PIDR0-3 at 0xFE0): (continuation << 8) | id. */
/* The ROM table is optional as far as identification goes (clones may not
 * implement it): a target-side failure leaves the designer unknown (0). */
static swdf_err read_designer(uint16_t *designer, swdf_target *t) {
  *designer = 0;
  uint32_t rom = ROM_TABLE_DEFAULT;
  uint32_t base = 0;
  swdf_saved_error saved;
  swdf__save_error(&saved, t->ctx);
  swdf_err err = SWDF_OK;
  if ((t->st->features & STLINK_F_DAP_REG) != 0) {
    err = swdf__stlink_read_dap(&base, t->st, 0, AP_BASE);
    if (err == SWDF_OK && (base & 1u) != 0 && base != 0xFFFFFFFFu) {
      rom = base & 0xFFFFF000u;
    }
  }
  uint8_t pidr[32];
  if (!swdf__usb_error(t, err)) {
    err = swdf__mem_read_sized(pidr, t, rom + 0xFD0, sizeof(pidr), 4);
  }
  if (swdf__usb_error(t, err)) {
    return err;
  }
  swdf__restore_error(t->ctx, &saved);
  if (err == SWDF_OK && (pidr[0x18] & 0x08) != 0) { /* PIDR2: JEDEC-assigned code */
    uint8_t pidr1 = pidr[0x14];
    uint8_t pidr2 = pidr[0x18];
    uint8_t pidr4 = pidr[0x00];
    *designer = (uint16_t)((pidr4 & 0x0F) << 8 | (pidr2 & 0x07) << 4 | (pidr1 >> 4));
  }
  return SWDF_OK;
}

static const char *core_name(uint32_t cpuid) {
  static const struct {
    uint16_t part;
    const char *name;
  } cores[] = {
      {0xC20, "Cortex-M0"}, {0xC60, "Cortex-M0+"}, {0xC21, "Cortex-M1"},
      {0xC23, "Cortex-M3"}, {0xC24, "Cortex-M4"},  {0xC27, "Cortex-M7"},
      {0xD20, "Cortex-M23"}, {0xD21, "Cortex-M33"}, {0xD22, "Cortex-M55"},
  };
  for (size_t i = 0; i < SWDF_ARRAY_LEN(cores); i++) {
    if (cores[i].part == ((cpuid >> 4) & 0xFFF)) {
      return cores[i].name;
    }
  }
  return "unknown core";
}

static swdf_err unknown_chip(swdf_target *t, size_t addr_count, const uint32_t *values,
                             const uint32_t *addrs) {
  char reads[256] = "";
  size_t pos = 0;
  for (size_t i = 0; i < addr_count && pos < sizeof(reads); i++) {
    pos += (size_t)snprintf(reads + pos, sizeof(reads) - pos,
                            "%sDBGMCU_IDCODE 0x%08X at 0x%08X (DEV_ID 0x%03X, REV_ID 0x%04X)",
                            i == 0 ? "" : ", ", values[i], addrs[i], values[i] & 0xFFF,
                            values[i] >> 16);
  }
  if (addr_count == 0) {
    snprintf(reads, sizeof(reads), "no DBGMCU_IDCODE address known for this core");
  }
  return swdf__fail(t->ctx, SWDF_ERR_UNKNOWN_CHIP,
                    "if this is an STM32 (or a clone) of a known family, add a section with its "
                    "dev_id to chipdb/<family>.chip, or put a .chip file in a directory named by "
                    "SWDFLASH_CHIPDB (format: chipdb/README.md)",
                    "chip not in the chip database: SW-DP IDCODE 0x%08X, CPUID 0x%08X (%s r%up%u), "
                    "ROM table designer 0x%03X, %s",
                    t->ids.dp_idcode, t->ids.cpuid, core_name(t->ids.cpuid),
                    (t->ids.cpuid >> 20) & 0xF, t->ids.cpuid & 0xF, t->ids.designer, reads);
}

static swdf_err find_chip(swdf_target *t) {
  const swdf_chipdb *db;
  swdf_err err = swdf__ctx_chipdb(&db, t->ctx);
  if (err != SWDF_OK) {
    return err;
  }
  uint32_t addrs[MAX_IDCODE_ADDRS];
  uint32_t values[MAX_IDCODE_ADDRS] = {0};
  size_t n = swdf_chipdb_idcode_addrs(addrs, MAX_IDCODE_ADDRS, db->chips, db->count,
                                      t->ids.cpuid, t->ids.dp_idcode);
  for (size_t i = 0; i < n; i++) {
    /* A wrong guess may fault (no DBGMCU there); that only rules it out. */
    swdf_saved_error saved;
    swdf__save_error(&saved, t->ctx);
    err = swdf__read32(&values[i], t, addrs[i]);
    if (swdf__usb_error(t, err)) {
      return err; /* the probe is gone: that is the error to report */
    }
    swdf__restore_error(t->ctx, &saved);
    if (err != SWDF_OK) {
      values[i] = 0;
      continue;
    }
    t->ids.dbgmcu_idcode = values[i];
    t->ids.idcode_addr = addrs[i];
    t->chip = swdf_chipdb_find(db->chips, db->count, &t->ids);
    if (t->chip != NULL) {
      return SWDF_OK;
    }
  }
  return unknown_chip(t, n, values, addrs);
}

static swdf_err read_flash_layout(swdf_target *t) {
  const swdf_chip *c = t->chip;
  uint16_t raw = 0;
  if (c->flash_size_reg != 0) {
    /* Readable on every healthy chip, also under read protection: a failure
     * here is not a reason to guess the size. */
    swdf_err err = swdf__read16(&raw, t, c->flash_size_reg);
    if (err != SWDF_OK) {
      swdf__prefix_error(t->ctx, "reading the flash size register");
      return err;
    }
  }
  uint32_t size = swdf_chip_flash_size(c, raw);
  bool dual = false;
  if (c->dual_bank_reg != 0) {
    uint32_t opt = 0;
    if (swdf__read32(&opt, t, c->dual_bank_reg) == SWDF_OK) {
      dual = swdf_chip_dual_bank(c, opt);
    }
  }
  if (!swdf_flash_layout_init(&t->layout, c, size, dual)) {
    swdf__log(t->ctx, SWDF_LOG_WARN,
              "flash size %u KiB does not fit the %s layout; using %u KiB", size / 1024,
              c->name, c->flash_max / 1024);
    if (!swdf_flash_layout_init(&t->layout, c, c->flash_max, dual)) {
      return swdf__fail(t->ctx, SWDF_ERR_INTERNAL, "fix the chip database entry",
                        "chip database entry %s: its flash layout does not fill %u bytes", c->id,
                        c->flash_max);
    }
  }
  return SWDF_OK;
}

swdf_err swdf__read_unique_id(swdf_target *t) {
  const swdf_chip *c = t->chip;
  if (t->has_unique_id || c->uid_words != 3 || (c->quirks & SWDF_QUIRK_NO_UNIQUE_ID) != 0) {
    return SWDF_OK;
  }
  uint32_t uid[3];
  for (int i = 0; i < 3; i++) {
    swdf_err err = swdf__read32(&uid[i], t, c->uid_addr[i]);
    if (err != SWDF_OK) {
      swdf__prefix_error(t->ctx, "reading the unique ID");
      return err;
    }
  }
  memcpy(t->unique_id, uid, sizeof(uid));
  t->has_unique_id = true;
  return SWDF_OK;
}

swdf_err swdf__identify(swdf_target *t) {
  swdf_err err = swdf__read32(&t->ids.cpuid, t, CPUID_ADDR);
  if (err != SWDF_OK) {
    swdf__prefix_error(t->ctx, "reading the CPUID");
    return err;
  }
  if ((t->ids.cpuid >> 24) != CPUID_IMPLEMENTER_ARM) {
    return swdf__fail(t->ctx, SWDF_ERR_UNKNOWN_CHIP,
                      "check the wiring; only Arm Cortex-M targets are supported",
                      "the CPUID reads 0x%08X: not an Arm Cortex-M core", t->ids.cpuid);
  }
  err = read_designer(&t->ids.designer, t);
  if (err == SWDF_OK) {
    err = find_chip(t);
  }
  if (err == SWDF_OK) {
    err = read_flash_layout(t);
  }
  if (err == SWDF_OK) {
    swdf__log(t->ctx, SWDF_LOG_INFO, "chip: %s (DEV_ID 0x%03X, REV_ID 0x%04X), %u KiB flash",
              t->chip->name, t->ids.dbgmcu_idcode & 0xFFF, t->ids.dbgmcu_idcode >> 16,
              t->layout.size / 1024);
  }
  return err;
}

swdf_err swdf__apply_debug_config(swdf_target *t) {
  for (size_t i = 0; i < t->chip->debug_set_count; i++) {
    swdf_err err = swdf__modify32(t, t->chip->debug_set[i].from, 0, t->chip->debug_set[i].to);
    if (err != SWDF_OK) {
      swdf__prefix_error(t->ctx, "setting debug configuration at 0x%08X",
                         t->chip->debug_set[i].from);
      return err;
    }
  }
  return SWDF_OK;
}

int swdf__rdp_level(swdf_target *t, uint32_t *raw) {
  if (t->chip == NULL || t->chip->rdp.reg == 0) {
    return -1;
  }
  uint32_t v;
  if (swdf__read32(&v, t, t->chip->rdp.reg) != SWDF_OK) {
    return -1;
  }
  return swdf_chip_rdp_level(t->chip, v, raw);
}
