/*
 * STM32F4 option bytes (RM0090 §3.6.2 "Programming user option bytes",
 * §3.9.10-3.9.11; RM0368/RM0383/RM0390 §3.6): unlock OPTCR with the two
 * OPTKEYR keys, write OPTCR1 (dual-bank parts) and the new OPTCR value, set
 * OPTSTRT, wait for BSY, lock again. There is no option erase step: the
 * OPTCR write programs the whole option word. Going from read protection
 * level 1 to 0 makes the chip mass-erase the flash first, so BSY then stays
 * set for the mass-erase time. The options load at the next reset.
 */
#include "options_family.h"

enum {
  F4_OPTKEYR = 0x08,
  F4_SR = 0x0C,
  F4_OPTCR = 0x14,
  F4_OPTKEY1 = 0x08192A3Bu,
  F4_OPTKEY2 = 0x4C5D6E7Fu,
  F4_SR_OPERR = 1u << 1,
  F4_SR_WRPERR = 1u << 4,
  F4_SR_PGAERR = 1u << 5,
  F4_SR_PGPERR = 1u << 6,
  F4_SR_PGSERR = 1u << 7,
  F4_SR_BSY = 1u << 16,
  F4_SR_ERRORS = F4_SR_OPERR | F4_SR_WRPERR | F4_SR_PGAERR | F4_SR_PGPERR | F4_SR_PGSERR,
  F4_OPTCR_OPTLOCK = 1u << 0,
  F4_OPTCR_OPTSTRT = 1u << 1,
};

static swdf_err f4_unlock(swdf_target *t, uint32_t regs) {
  swdf_ctx *ctx = swdf__target_ctx(t);
  uint32_t optcr = 0;
  swdf_err err = swdf__read32(&optcr, t, regs + F4_OPTCR);
  if (err == SWDF_OK && (optcr & F4_OPTCR_OPTLOCK) != 0) {
    err = swdf__write32(t, regs + F4_OPTKEYR, F4_OPTKEY1);
    if (err == SWDF_OK) {
      err = swdf__write32(t, regs + F4_OPTKEYR, F4_OPTKEY2);
    }
    if (err == SWDF_OK) {
      err = swdf__read32(&optcr, t, regs + F4_OPTCR);
    }
  }
  if (err != SWDF_OK) {
    swdf__prefix_error(ctx, "unlocking the option bytes");
    return err;
  }
  if ((optcr & F4_OPTCR_OPTLOCK) != 0) {
    return swdf__fail(ctx, SWDF_ERR_FLASH,
                      "the option register locks itself after a wrong key until the next "
                      "reset: reset the chip (swdflash reset) and try again",
                      "FLASH_OPTCR stays locked after the unlock keys (0x%08X)", optcr);
  }
  uint32_t sr = 0;
  err = swdf__poll32(&sr, t, regs + F4_SR, F4_SR_BSY, 0, swdf__opt_deadline_us(t, 0, false));
  if (err == SWDF_OK) {
    err = swdf__write32(t, regs + F4_SR, F4_SR_ERRORS);
  }
  return err;
}

static swdf_err f4_program(swdf_target *t, uint32_t regs, const swdf_optd *d,
                           const uint32_t *words, bool erases) {
  swdf_ctx *ctx = swdf__target_ctx(t);
  const swdf_chip *chip = swdf__target_chip(t);
  int optcr = -1;
  swdf_err err = SWDF_OK;
  for (size_t w = 0; w < d->word_count && err == SWDF_OK; w++) {
    if (d->words[w].readonly) {
      continue;
    }
    if (d->words[w].write_addr == regs + F4_OPTCR) {
      optcr = (int)w;
      continue;
    }
    err = swdf__write32(t, d->words[w].write_addr, words[w]); /* OPTCR1: taken with OPTSTRT */
  }
  if (err != SWDF_OK) {
    return err;
  }
  if (optcr < 0) {
    return swdf__fail(ctx, SWDF_ERR_INTERNAL, "fix chipdb/options/stm32f4.opt",
                      "option description %s has no word at FLASH_OPTCR", d->name);
  }
  uint32_t value = words[optcr] & ~(F4_OPTCR_OPTLOCK | F4_OPTCR_OPTSTRT);
  err = swdf__write32(t, regs + F4_OPTCR, value);
  if (err == SWDF_OK) {
    err = swdf__write32(t, regs + F4_OPTCR, value | F4_OPTCR_OPTSTRT);
  }
  uint32_t sr = 0;
  uint32_t op_us = (chip->erase_time_ms != 0 ? chip->erase_time_ms : 4000u) * 1000u;
  if (err == SWDF_OK) {
    err = swdf__poll32(&sr, t, regs + F4_SR, F4_SR_BSY, 0, swdf__opt_deadline_us(t, op_us, erases));
  }
  if (err != SWDF_OK) {
    swdf__prefix_error(ctx, "programming the option bytes");
    return err;
  }
  if ((sr & F4_SR_ERRORS) != 0) {
    swdf__write32(t, regs + F4_SR, F4_SR_ERRORS);
    return swdf__fail(ctx, SWDF_ERR_FLASH,
                      "reset the chip (swdflash reset) and try again",
                      "programming the option bytes: the flash controller reported an error "
                      "(FLASH_SR 0x%08X)",
                      sr);
  }
  return SWDF_OK;
}

static swdf_err f4_write(swdf_target *t, const swdf_optd *d, const uint32_t *words, bool erases) {
  uint32_t regs = swdf__target_chip(t)->flash_regs;
  swdf_err err = f4_unlock(t, regs);
  if (err == SWDF_OK) {
    err = f4_program(t, regs, d, words, erases);
  }
  return swdf__opt_relock(t, err, regs + F4_OPTCR, F4_OPTCR_OPTSTRT, F4_OPTCR_OPTLOCK);
}

const swdf__opt_writer swdf__opt_writer_f4 = {
    .driver = "stm32f4",
    .write = f4_write,
    .reload = swdf__opt_reload_by_reset,
};
