/* The public target API of <swdflash/probe.h>: argument checks, error
 * bookkeeping and progress around the internal calls. */
#include <stdio.h>
#include <string.h>

#include "adi/adi.h"

enum { READ_PROGRESS_CHUNKS = 4 };

#define BEGIN(t)                       \
  do {                                 \
    if ((t) == NULL) {                 \
      return SWDF_ERR_INVALID_ARG;     \
    }                                  \
    swdf__clear_error((t)->ctx);       \
  } while (0)

static swdf_err null_arg(swdf_target *t, const char *what) {
  return swdf__fail(t->ctx, SWDF_ERR_INVALID_ARG, NULL, "%s is NULL", what);
}

swdf_err swdf_mem_read(void *out, swdf_target *target, uint32_t addr, size_t len) {
  BEGIN(target);
  if (out == NULL && len > 0) {
    return null_arg(target, "the buffer");
  }
  /* Progress every few maximum-size commands: often enough for a bar. */
  return swdf__mem_read_reporting(out, target, addr, len,
                                  (size_t)target->limits.max_rw32 * READ_PROGRESS_CHUNKS);
}

swdf_err swdf_mem_write(swdf_target *target, uint32_t addr, const void *buf, size_t len) {
  BEGIN(target);
  if (buf == NULL && len > 0) {
    return null_arg(target, "the buffer");
  }
  uint64_t flash_end = (uint64_t)target->layout.base + target->layout.size;
  if (len > 0 && addr < flash_end && (uint64_t)addr + len > target->layout.base) {
    return swdf__fail(target->ctx, SWDF_ERR_INVALID_ARG, "use the flash functions to write flash",
                      "0x%08X + %zu bytes reaches into flash: swdf_mem_write writes RAM and "
                      "peripherals only", addr, len);
  }
  return swdf__mem_write(target, addr, buf, len);
}

swdf_err swdf_mem_read32(uint32_t *out, swdf_target *target, uint32_t addr) {
  BEGIN(target);
  if (out == NULL) {
    return null_arg(target, "the result pointer");
  }
  return swdf__read32(out, target, addr);
}

swdf_err swdf_mem_write32(swdf_target *target, uint32_t addr, uint32_t value) {
  BEGIN(target);
  return swdf__write32(target, addr, value);
}

swdf_err swdf_core_halt(swdf_target *target) {
  BEGIN(target);
  swdf_err err = swdf__core_halt(target);
  if (err == SWDF_OK) {
    target->halted_by_user = true;
  }
  return err;
}

swdf_err swdf_core_run(swdf_target *target) {
  BEGIN(target);
  return swdf__core_resume(target);
}

swdf_err swdf_core_step(swdf_target *target) {
  BEGIN(target);
  return swdf__core_step(target);
}

swdf_err swdf_core_is_halted(int *out, swdf_target *target) {
  BEGIN(target);
  if (out == NULL) {
    return null_arg(target, "the result pointer");
  }
  bool halted = false;
  swdf_err err = swdf__core_is_halted(&halted, target);
  *out = halted ? 1 : 0;
  return err;
}

static swdf_err require_halted(swdf_target *t, const char *what) {
  bool halted = false;
  swdf_err err = swdf__core_is_halted(&halted, t);
  if (err == SWDF_OK && !halted) {
    return swdf__fail(t->ctx, SWDF_ERR_HALT, "halt the core first (swdf_core_halt)",
                      "core registers can only be %s while the core is halted", what);
  }
  return err;
}

swdf_err swdf_core_reg_read(uint32_t *out, swdf_target *target, unsigned reg) {
  BEGIN(target);
  if (out == NULL) {
    return null_arg(target, "the result pointer");
  }
  swdf_err err = require_halted(target, "read");
  return err != SWDF_OK ? err : swdf__core_reg_read(out, target, reg);
}

swdf_err swdf_core_reg_write(swdf_target *target, unsigned reg, uint32_t value) {
  BEGIN(target);
  swdf_err err = require_halted(target, "written");
  return err != SWDF_OK ? err : swdf__core_reg_write(target, reg, value);
}

swdf_err swdf_target_reset(swdf_target *target, swdf_reset_kind kind) {
  BEGIN(target);
  return swdf__target_reset(target, kind);
}

swdf_err swdf_target_reset_ext(swdf_reset_result *out, swdf_target *target,
                               swdf_reset_kind kind) {
  BEGIN(target);
  if (out == NULL) {
    return swdf__target_reset(target, kind);
  }
  swdf_err err = swdf__versioned_out_check(out, SWDF__MIN_RESET_RESULT, target->ctx,
                                           "swdf_reset_result");
  if (err != SWDF_OK) {
    return err; /* before the reset */
  }
  swdf_reset_result full;
  err = swdf__target_reset_report(target, kind, &full);
  swdf__versioned_out(out, &full, sizeof(full), SWDF__MIN_RESET_RESULT, target->ctx,
                      "swdf_reset_result");
  return err;
}

/* ---- identity ------------------------------------------------------------ */

#define COPY(dst, src) snprintf((dst), sizeof(dst), "%s", (src))

static swdf_err chip_info_full(swdf_chip_info *out, swdf_target *target) {
  BEGIN(target);
  if (out == NULL) {
    return null_arg(target, "the result pointer");
  }
  const swdf_chip *c = target->chip;
  swdf_err err = swdf__read_unique_id(target);
  if (err != SWDF_OK) {
    return err;
  }
  memset(out, 0, sizeof(*out));
  out->size = sizeof(*out);
  COPY(out->id, c->id);
  COPY(out->name, c->name);
  COPY(out->family, c->family);
  COPY(out->driver, c->driver);
  COPY(out->core, c->core);
  COPY(out->connect_note, target->connect_note);
  COPY(out->note, c->note);
  out->connected_with = target->mode_used;
  out->freq_khz = target->limits.freq_khz;
  out->dp_idcode = target->ids.dp_idcode;
  out->cpuid = target->ids.cpuid;
  out->dbgmcu_idcode = target->ids.dbgmcu_idcode;
  out->dev_id = (uint16_t)(target->ids.dbgmcu_idcode & 0xFFF);
  out->rev_id = (uint16_t)(target->ids.dbgmcu_idcode >> 16);
  COPY(out->revision, swdf_chip_revision_name(c, out->rev_id));
  out->flash_base = target->layout.base;
  out->flash_size = target->layout.size;
  out->ram_base = c->ram_base;
  out->ram_size = c->ram_size;
  out->has_unique_id = target->has_unique_id ? 1 : 0;
  memcpy(out->unique_id, target->unique_id, sizeof(out->unique_id));
  return SWDF_OK;
}

swdf_err swdf_target_chip_info(swdf_chip_info *out, swdf_target *target) {
  swdf_chip_info full;
  swdf_err err = chip_info_full(out != NULL ? &full : NULL, target);
  return err != SWDF_OK ? err
                        : swdf__versioned_out(out, &full, sizeof(full), SWDF__MIN_CHIP_INFO, target->ctx,
                                              "swdf_chip_info");
}

static swdf_err flash_info_full(swdf_flash_info *out, swdf_target *target) {
  BEGIN(target);
  if (out == NULL) {
    return null_arg(target, "the result pointer");
  }
  const swdf_flash_layout *l = &target->layout;
  memset(out, 0, sizeof(*out));
  out->size = sizeof(*out);
  out->base = l->base;
  out->total = l->size;
  out->program_unit = l->program_unit;
  out->bank_count = l->bank_count;
  swdf_flash_layout_describe(out->summary, sizeof(out->summary), l);
  uint32_t count = swdf_flash_layout_count(l);
  for (uint32_t i = 0; i < count; i++) {
    swdf_flash_sector s;
    if (!swdf_flash_layout_sector(&s, l, i)) {
      break;
    }
    swdf_sector_group *g = out->group_count > 0 ? &out->groups[out->group_count - 1] : NULL;
    if (g != NULL && g->size == s.size && g->bank == s.bank) {
      g->count++;
      continue;
    }
    if (out->group_count == SWDF_ARRAY_LEN(out->groups)) {
      break;
    }
    g = &out->groups[out->group_count++];
    g->addr = s.addr;
    g->count = 1;
    g->size = s.size;
    g->first_index = s.index;
    g->bank = s.bank;
  }
  return SWDF_OK;
}

swdf_err swdf_target_flash_info(swdf_flash_info *out, swdf_target *target) {
  swdf_flash_info full;
  swdf_err err = flash_info_full(out != NULL ? &full : NULL, target);
  return err != SWDF_OK ? err
                        : swdf__versioned_out(out, &full, sizeof(full), SWDF__MIN_FLASH_INFO, target->ctx,
                                              "swdf_flash_info");
}

static const char *rdp_words(int level) {
  switch (level) {
  case 0: return "level 0: no read protection";
  case 1:
    return "level 1: a debugger cannot read or write the flash; 'swdflash unlock' removes it "
           "and erases the whole flash";
  case 2: return "level 2: debug access is disabled for good; the chip cannot be unlocked";
  default: return "unknown: the protection register could not be read";
  }
}

static void add_word(swdf_protection_info *out, const char *name, uint32_t addr, uint32_t value) {
  if (out->word_count < SWDF_ARRAY_LEN(out->words)) {
    swdf_option_word *w = &out->words[out->word_count++];
    COPY(w->name, name);
    w->addr = addr;
    w->value = value;
  }
}

static swdf_err protection_full(swdf_protection_info *out, swdf_target *target) {
  BEGIN(target);
  if (out == NULL) {
    return null_arg(target, "the result pointer");
  }
  const swdf_chip *c = target->chip;
  memset(out, 0, sizeof(*out));
  out->size = sizeof(*out);
  size_t words = c->option_size / 4;
  if (words > SWDF_ARRAY_LEN(out->words) - c->option_reg_count) {
    words = SWDF_ARRAY_LEN(out->words) - c->option_reg_count;
  }
  for (size_t i = 0; i < words; i++) {
    uint32_t addr = c->option_addr + 4 * (uint32_t)i;
    uint32_t value;
    swdf_err err = swdf__read32(&value, target, addr);
    if (err != SWDF_OK) {
      swdf__prefix_error(target->ctx, "reading the option bytes");
      return err;
    }
    char name[16];
    snprintf(name, sizeof(name), "0x%08X", addr);
    add_word(out, name, addr, value);
  }
  for (size_t i = 0; i < c->option_reg_count; i++) {
    uint32_t value;
    swdf_err err = swdf__read32(&value, target, c->option_regs[i].addr);
    if (err != SWDF_OK) {
      swdf__prefix_error(target->ctx, "reading %s", c->option_regs[i].name);
      return err;
    }
    add_word(out, c->option_regs[i].name, c->option_regs[i].addr, value);
  }
  out->rdp_level = -1;
  for (uint32_t i = 0; i < out->word_count && out->rdp_level < 0; i++) {
    if (out->words[i].addr == c->rdp.reg) {
      out->rdp_level = swdf_chip_rdp_level(c, out->words[i].value, &out->rdp_raw);
    }
  }
  if (out->rdp_level < 0 && c->rdp.reg != 0) {
    uint32_t value;
    swdf_err err = swdf__read32(&value, target, c->rdp.reg);
    if (err != SWDF_OK) {
      swdf__prefix_error(target->ctx, "reading the read protection level");
      return err;
    }
    out->rdp_level = swdf_chip_rdp_level(c, value, &out->rdp_raw);
  }
  COPY(out->rdp_text, rdp_words(out->rdp_level));
  return SWDF_OK;
}

swdf_err swdf_target_protection(swdf_protection_info *out, swdf_target *target) {
  swdf_protection_info full;
  swdf_err err = protection_full(out != NULL ? &full : NULL, target);
  return err != SWDF_OK ? err
                        : swdf__versioned_out(out, &full, sizeof(full), SWDF__MIN_PROTECTION_INFO, target->ctx,
                                              "swdf_protection_info");
}

const char *swdf_connect_mode_name(swdf_connect_mode mode) {
  static const char *const names[] = {"auto", "normal", "hot-plug", "under-reset"};
  return (unsigned)mode < SWDF_ARRAY_LEN(names) ? names[mode] : "unknown";
}
