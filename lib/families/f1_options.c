/*
 * STM32F1 option bytes (PM0075 §2.5 "Option byte programming" and §2.4
 * "Read protection"; RM0008 §4.4): unlock the FPEC, unlock option writes
 * (OPTKEYR with the FPEC keys sets OPTWRE), erase the option block, program
 * every option half-word with OPTPG (the hardware writes the complement
 * byte), lock. The RDP half-word goes first: an erased RDP byte (0xFF) means
 * "protected", so the window in which an interrupted write leaves the chip
 * protected is as short as it can be. Removing read protection makes the
 * chip mass-erase the flash before the options change. There is no
 * OBL_LAUNCH on F1: the options load at the next system reset.
 */
#include <stdio.h>

#include "family.h"
#include "options_family.h"

enum {
  F1_KEYR = 0x04,
  F1_OPTKEYR = 0x08,
  F1_SR = 0x0C,
  F1_CR = 0x10,
  F1_SR_BSY = 1u << 0,
  F1_SR_PGERR = 1u << 2,
  F1_SR_WRPRTERR = 1u << 4,
  F1_SR_EOP = 1u << 5,
  F1_CR_OPTPG = 1u << 4,
  F1_CR_OPTER = 1u << 5,
  F1_CR_STRT = 1u << 6,
  F1_CR_LOCK = 1u << 7,
  F1_CR_OPTWRE = 1u << 9,
};

/* Wait for BSY to clear, then check the error bits of the step `what`. */
static swdf_err f1_wait(swdf_target *t, uint32_t regs, uint64_t timeout_us, const char *what) {
  swdf_ctx *ctx = swdf__target_ctx(t);
  uint32_t sr = 0;
  swdf_err err = swdf__poll32(&sr, t, regs + F1_SR, F1_SR_BSY, 0, timeout_us);
  if (err != SWDF_OK) {
    swdf__prefix_error(ctx, "%s", what);
    return err;
  }
  if ((sr & (F1_SR_PGERR | F1_SR_WRPRTERR)) != 0) {
    swdf__write32(t, regs + F1_SR, F1_SR_PGERR | F1_SR_WRPRTERR | F1_SR_EOP);
    return swdf__fail(ctx, SWDF_ERR_FLASH,
                      "reset the chip (swdflash reset) and try again; if it keeps failing the "
                      "option bytes may be damaged: run 'swdflash unlock'",
                      "%s: the flash controller reported %s (FLASH_SR 0x%08X)", what,
                      (sr & F1_SR_WRPRTERR) != 0 ? "a write-protection error"
                                                 : "a programming error",
                      sr);
  }
  return SWDF_OK;
}

static swdf_err f1_unlock(swdf_target *t, uint32_t regs) {
  swdf_ctx *ctx = swdf__target_ctx(t);
  uint32_t cr = 0;
  swdf_err err = swdf__read32(&cr, t, regs + F1_CR);
  if (err == SWDF_OK && (cr & F1_CR_LOCK) != 0) {
    /* Keys only while locked: a key written to an unlocked FPEC locks it
     * until the next reset (PM0075 §2.3.1). */
    err = swdf__write32(t, regs + F1_KEYR, SWDF_FLASH_KEY1);
    if (err == SWDF_OK) {
      err = swdf__write32(t, regs + F1_KEYR, SWDF_FLASH_KEY2);
    }
  }
  if (err == SWDF_OK) {
    err = swdf__write32(t, regs + F1_OPTKEYR, SWDF_FLASH_KEY1);
  }
  if (err == SWDF_OK) {
    err = swdf__write32(t, regs + F1_OPTKEYR, SWDF_FLASH_KEY2);
  }
  if (err == SWDF_OK) {
    err = swdf__read32(&cr, t, regs + F1_CR);
  }
  if (err != SWDF_OK) {
    swdf__prefix_error(ctx, "unlocking the option bytes");
    return err;
  }
  if ((cr & F1_CR_LOCK) != 0 || (cr & F1_CR_OPTWRE) == 0) {
    return swdf__fail(ctx, SWDF_ERR_FLASH,
                      "the flash controller locks itself after a wrong key until the next "
                      "reset: reset the chip (swdflash reset) and try again",
                      "the option bytes stay locked after the unlock keys (FLASH_CR 0x%08X)", cr);
  }
  return swdf__write32(t, regs + F1_SR, F1_SR_PGERR | F1_SR_WRPRTERR | F1_SR_EOP);
}

static swdf_err f1_program(swdf_target *t, uint32_t regs, const swdf_optd *d,
                           const uint32_t *words, bool erases) {
  const swdf_chip *chip = swdf__target_chip(t);
  uint32_t erase_us = (chip->erase_time_ms != 0 ? chip->erase_time_ms : 40u) * 1000u;
  uint32_t program_us = chip->program_time_us != 0 ? chip->program_time_us : 70u;
  swdf_err err = swdf__write32(t, regs + F1_CR, F1_CR_OPTER | F1_CR_OPTWRE);
  if (err == SWDF_OK) {
    err = swdf__write32(t, regs + F1_CR, F1_CR_OPTER | F1_CR_OPTWRE | F1_CR_STRT);
  }
  if (err == SWDF_OK) {
    err = f1_wait(t, regs, swdf__opt_deadline_us(t, erase_us, erases), "erasing the option bytes");
  }
  if (err == SWDF_OK) {
    err = swdf__write32(t, regs + F1_CR, F1_CR_OPTPG | F1_CR_OPTWRE);
  }
  for (size_t w = 0; w < d->word_count && err == SWDF_OK; w++) {
    if (d->words[w].readonly) {
      continue;
    }
    uint16_t value = (uint16_t)words[w];
    if (d->words[w].complement) {
      value = (uint16_t)((value & 0xFFu) | ((~value & 0xFFu) << 8));
    }
    err = swdf__write16(t, d->words[w].write_addr, value);
    if (err == SWDF_OK) {
      char what[64];
      snprintf(what, sizeof(what), "programming option byte %s", d->words[w].name);
      err = f1_wait(t, regs, swdf__opt_deadline_us(t, program_us, erases), what);
    }
  }
  return err;
}

static swdf_err f1_write(swdf_target *t, const swdf_optd *d, const uint32_t *words, bool erases) {
  /* Option bytes go through bank 1's registers only (PM0075 §3). */
  uint32_t regs = swdf__target_chip(t)->flash_regs;
  swdf_err err = f1_unlock(t, regs);
  if (err == SWDF_OK) {
    err = f1_program(t, regs, d, words, erases);
  }
  /* LOCK also ends OPTPG and OPTWRE. */
  return swdf__opt_relock(t, err, regs + F1_CR, F1_CR_OPTPG | F1_CR_OPTER | F1_CR_OPTWRE,
                          F1_CR_LOCK);
}

const swdf__opt_writer swdf__opt_writer_f1 = {
    .driver = "stm32f1",
    .write = f1_write,
    .reload = swdf__opt_reload_by_reset,
};
