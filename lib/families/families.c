/* The table of flash controller families, looked up by the chip's driver,
 * and what the family files share. */
#include <stdio.h>
#include <string.h>

#include "family.h"

extern const swdf__family swdf__family_f0;
extern const swdf__family swdf__family_f1;
extern const swdf__family swdf__family_f3;
extern const swdf__family swdf__family_f4;
extern const swdf__family swdf__family_g0;
extern const swdf__family swdf__family_h7;

/* Adding a family: its file, and one line here. */
static const swdf__family *const families[] = {
    &swdf__family_f0,
    &swdf__family_f1,
    &swdf__family_f3,
    &swdf__family_f4,
    &swdf__family_g0,
    &swdf__family_h7,
};

const swdf__family *swdf__family_by_driver(const char *driver) {
  for (size_t i = 0; i < SWDF_ARRAY_LEN(families); i++) {
    if (driver != NULL && strcmp(driver, families[i]->driver) == 0) {
      return families[i];
    }
  }
  return NULL;
}

const swdf__family *swdf__family_for(swdf_target *t) {
  const swdf_chip *chip = swdf__target_chip(t);
  const swdf__family *family = swdf__family_by_driver(chip->driver);
  if (family != NULL) {
    return family;
  }
  char known[128] = "";
  size_t used = 0;
  for (size_t i = 0; i < SWDF_ARRAY_LEN(families) && used < sizeof(known); i++) {
    int n = snprintf(known + used, sizeof(known) - used, "%s%s", i == 0 ? "" : ", ",
                     families[i]->title);
    used += n > 0 ? (size_t)n : 0;
  }
  swdf__fail(swdf__target_ctx(t), SWDF_ERR_UNSUPPORTED,
             NULL, "%s: no flash driver for its controller \"%s\" (supported: %s)", chip->name,
             chip->driver, known);
  return NULL;
}

const swdf__loader_blob *swdf__loader_for_core(swdf__core core) {
  return core == SWDF__CORE_V6M ? &swdf__loader_v6m : &swdf__loader_v7m;
}

/* The row for this unit size: the smallest row at least as large (a row of
 * size 0 fits any unit), else the largest row. */
uint32_t swdf__erase_time_us(const swdf__flash_ctl *ctl, uint32_t size, bool max) {
  const swdf__erase_time *pick = NULL;
  const swdf__erase_time *largest = NULL;
  for (size_t i = 0; i < SWDF_MAX_ERASE_TIMES; i++) {
    const swdf__erase_time *e = &ctl->erase[i];
    if (e->typ_us == 0) {
      continue;
    }
    if (e->unit_size == 0) {
      pick = e;
      break;
    }
    if (largest == NULL || e->unit_size > largest->unit_size) {
      largest = e;
    }
    if (e->unit_size >= size && (pick == NULL || e->unit_size < pick->unit_size)) {
      pick = e;
    }
  }
  if (pick == NULL) {
    pick = largest;
  }
  if (pick == NULL) {
    return max ? 4000000u : 1000000u;
  }
  return max ? pick->max_us : pick->typ_us;
}

/* RCC_CR and RCC_CFGR bits common to F1, F4 and G0 (RM0008 section 7.3,
 * RM0090 section 7.3, RM0444 section 5.4): PLLON/PLLRDY, SW = 2 for the PLL
 * and SWS right above SW; SW is 2 bits wide on F1/F4 and 3 on G0. */
enum {
  RCC_CR_PLLON = 1u << 24,
  RCC_CR_PLLRDY = 1u << 25,
  RCC_SW_PLL = 2u,
  CLOCK_TIMEOUT_US = 100000, /* PLL lock and clock switch take microseconds */
};

static uint32_t sw_mask(unsigned sw_bits) { return (1u << sw_bits) - 1u; }

swdf_err swdf__clock_switch_to_pll(swdf_target *t, uint32_t rcc_cr, uint32_t rcc_cfgr,
                                   unsigned sw_bits) {
  uint32_t sw = sw_mask(sw_bits);
  swdf_err err = swdf__modify32(t, rcc_cr, 0, RCC_CR_PLLON);
  if (err == SWDF_OK) {
    err = swdf__poll32(NULL, t, rcc_cr, RCC_CR_PLLRDY, RCC_CR_PLLRDY, CLOCK_TIMEOUT_US);
  }
  if (err == SWDF_OK) {
    err = swdf__modify32(t, rcc_cfgr, sw, RCC_SW_PLL);
  }
  if (err == SWDF_OK) {
    err = swdf__poll32(NULL, t, rcc_cfgr, sw << sw_bits, RCC_SW_PLL << sw_bits,
                       CLOCK_TIMEOUT_US);
  }
  return err;
}

/* Back to the HSI first, then the PLL off and every register as it was;
 * `flash_acr` 0: the caller puts the flash wait states back itself. */
swdf_err swdf__clock_restore(swdf_target *t, uint32_t rcc_cr, uint32_t rcc_cfgr,
                             uint32_t rcc_pllcfgr, uint32_t flash_acr, unsigned sw_bits,
                             const swdf__clock_saved *saved) {
  if (!saved->boosted) {
    return SWDF_OK;
  }
  uint32_t sw = sw_mask(sw_bits);
  swdf_err err = swdf__modify32(t, rcc_cfgr, sw, 0);
  if (err == SWDF_OK) {
    err = swdf__poll32(NULL, t, rcc_cfgr, sw << sw_bits, 0, CLOCK_TIMEOUT_US);
  }
  if (err == SWDF_OK) {
    err = swdf__write32(t, rcc_cr, saved->rcc_cr);
  }
  if (err == SWDF_OK) {
    err = swdf__write32(t, rcc_cfgr, saved->rcc_cfgr);
  }
  if (err == SWDF_OK && rcc_pllcfgr != 0) {
    err = swdf__write32(t, rcc_pllcfgr, saved->rcc_pllcfgr);
  }
  if (err == SWDF_OK && flash_acr != 0) {
    err = swdf__write32(t, flash_acr, saved->flash_acr);
  }
  return err;
}

uint64_t swdf__opt_deadline_us(swdf_target *t, uint32_t op_max_us, bool erases) {
  uint64_t us = op_max_us;
  if (erases) {
    const swdf_chip *chip = swdf__target_chip(t);
    const swdf_flash_layout *layout = swdf__target_flash_layout(t);
    /* The chip database gives the mass erase at the fastest parallelism;
     * the hardware may erase at the slowest (x8 takes twice as long on F4,
     * DS8626 table 40), so allow four times that per bank. */
    uint64_t mass_ms = chip->mass_erase_time_ms != 0 ? chip->mass_erase_time_ms : 40000u;
    us += 4u * mass_ms * 1000u * (layout->bank_count != 0 ? layout->bank_count : 1);
  }
  return us + 100000u; /* USB round trips while polling */
}

uint64_t swdf__opt_regression_typ_us(const swdf__flash_ctl *ctl, swdf_target *t) {
  const swdf_flash_layout *layout = swdf__target_flash_layout(t);
  return (uint64_t)ctl->mass_erase_typ_us * (layout->bank_count != 0 ? layout->bank_count : 1);
}

swdf_err swdf__opt_wait(uint32_t *value, swdf_target *t, uint32_t addr, const char *reg,
                        uint32_t busy, uint64_t timeout_us, uint64_t erase_typ_us) {
  swdf_ctx *ctx = swdf__target_ctx(t);
  uint64_t total = erase_typ_us != 0 ? swdf__target_flash_layout(t)->size : 0;
  swdf_deadline d;
  /* About 64 polls over the expected time (without one: over an eighth of the deadline). */
  uint64_t expect_us = erase_typ_us != 0 ? erase_typ_us : timeout_us / 8;
  swdf__deadline_start_polling(&d, timeout_us, 1000, (uint32_t)(expect_us / 64 + 1));
  swdf_err err;
  while ((err = swdf__read32(value, t, addr)) == SWDF_OK && (*value & busy) != 0) {
    if (swdf__deadline_passed(&d)) {
      return swdf__fail(ctx, SWDF_ERR_TIMEOUT,
                        "power-cycle the board and read the options again (swdflash options)",
                        "the option change did not finish within %llu ms (%s 0x%08X)",
                        (unsigned long long)(d.timeout_us / 1000), reg, *value);
    }
    if (total != 0) {
      uint64_t done = swdf__deadline_elapsed_us(&d) * total / erase_typ_us;
      (void)swdf__progress(ctx, SWDF_PHASE_ERASE, done < total ? done : total - 1, total);
    }
    swdf__deadline_sleep(&d);
  }
  if (err == SWDF_OK && total != 0) {
    (void)swdf__progress(ctx, SWDF_PHASE_ERASE, total, total);
  }
  return err;
}

swdf_err swdf__opt_reload_by_reset(swdf_target *t) {
  swdf_err err = swdf__target_reset(t, SWDF_RESET_HALT);
  if (err != SWDF_OK) {
    swdf__prefix_error(swdf__target_ctx(t), "resetting the chip to load the new option bytes");
  }
  return err;
}

static bool key_locked(const swdf__key_lock *lock, uint32_t value) {
  return (value & lock->locked) != 0 || (value & lock->opened) != lock->opened;
}

swdf_err swdf__unlock_with_keys(swdf_target *t, const swdf__key_lock *lock) {
  uint32_t value = 0;
  swdf_err err = swdf__read32(&value, t, lock->status);
  if (err == SWDF_OK && key_locked(lock, value)) {
    err = swdf__write32(t, lock->keyr, lock->key1);
    if (err == SWDF_OK) {
      err = swdf__write32(t, lock->keyr, lock->key2);
    }
    if (err == SWDF_OK) {
      err = swdf__read32(&value, t, lock->status);
    }
  }
  if (err != SWDF_OK) {
    swdf__prefix_error(swdf__target_ctx(t), "unlocking %s", lock->name);
    return err;
  }
  if (key_locked(lock, value)) {
    return swdf__fail(swdf__target_ctx(t), SWDF_ERR_FLASH,
                      "the flash controller locks itself after a wrong key until the next "
                      "reset: reset the chip (swdflash reset) and try again",
                      "%s at 0x%08X stays locked after the unlock keys (it reads 0x%08X)",
                      lock->name, (unsigned)lock->status, (unsigned)value);
  }
  return SWDF_OK;
}

void swdf__boot_add_repair(swdf_boot_config *out, const char *field, const char *value,
                           const char *why, int starts_flash) {
  if (out->repair_count >= SWDF_ARRAY_LEN(out->repairs)) {
    return;
  }
  size_t i = out->repair_count++;
  snprintf(out->repairs[i].field, sizeof(out->repairs[i].field), "%s", field);
  snprintf(out->repairs[i].value, sizeof(out->repairs[i].value), "%s", value);
  snprintf(out->repairs[i].why, sizeof(out->repairs[i].why), "%s", why);
  out->repairs[i].starts_flash = starts_flash;
}

swdf_err swdf__opt_relock(swdf_target *t, swdf_err err, uint32_t addr, uint32_t clear,
                          uint32_t set) {
  if (err == SWDF_OK) {
    return swdf__modify32(t, addr, clear, set);
  }
  swdf_saved_error saved;
  swdf__save_error(&saved, swdf__target_ctx(t));
  swdf__modify32(t, addr, clear, set);
  swdf__restore_error(swdf__target_ctx(t), &saved);
  return err;
}
