/*
 * STM32G0 flash controller: RM0444 (STM32G0x0/G0x1) section 3, boot
 * selection section 2.5; timing from DS12232 (G071) and DS13560 (G0B1)
 * "Flash memory characteristics"; ROM bootloader interfaces from AN2606.
 *
 * One register block serves both banks of the G0B1/G0C1 (BSY1/BSY2 in SR,
 * MER1/MER2 and BKER in CR; RM0444 section 3.3.7). The core is a Cortex-M0+,
 * so the Thumb-1 loader runs on it.
 *
 * Programming: a 64-bit double word at a time (72-bit cells with ECC), as
 * two 32-bit stores to the same aligned double word; the controller starts
 * once the second word arrives and keeps CFGBSY set from the first store
 * to the end (RM0444 section 3.3.7). A double word can be written once
 * between erases; only all zeros may go over programmed data.
 * Fast programming (FSTPG, a 256-byte row of 64 word stores) is not used:
 * it keeps the flash busy 32 double-word times per row (32 x 85 us), the
 * same as 32 plain double words, so it saves no flash time; and it works
 * only in the page erased last or after a mass erase, fails with MISSERR
 * when two stores are more than 20 us apart (a slot boundary of the loader
 * ring, a USB hiccup), and cannot keep the bytes of a partly written row.
 * The loader overlaps the transfer of the next slot with programming, so
 * double words already keep the flash busy all the time.
 */
#include <stdio.h>
#include <string.h>

#include "family.h"

/* ---- register map (RM0444 section 3.7) ---- */
enum {
  G0_ACR = 0x00,
  G0_KEYR = 0x08,
  G0_OPTKEYR = 0x0c,
  G0_SR = 0x10,
  G0_CR = 0x14,
  G0_OPTR = 0x20,
  G0_WRP1AR = 0x2c,
  G0_WRP1BR = 0x30,
  G0_WRP2AR = 0x4c, /* G0B1/G0C1 */
  G0_WRP2BR = 0x50,
  G0_SECR = 0x80,

  G0_ACR_PRFTEN = 1u << 8,
  G0_ACR_ICEN = 1u << 9,
  G0_ACR_ICRST = 1u << 11,
  G0_ACR_EMPTY = 1u << 16, /* first flash word read erased at the last option load */

  G0_SR_EOP = 1u << 0,
  G0_SR_OPERR = 1u << 1,
  G0_SR_PROGERR = 1u << 3,
  G0_SR_WRPERR = 1u << 4,
  G0_SR_PGAERR = 1u << 5,
  G0_SR_SIZERR = 1u << 6,
  G0_SR_PGSERR = 1u << 7,
  G0_SR_MISSERR = 1u << 8,
  G0_SR_FASTERR = 1u << 9,
  G0_SR_RDERR = 1u << 14,
  G0_SR_OPTVERR = 1u << 15,
  G0_SR_BSY1 = 1u << 16,
  G0_SR_BSY2 = 1u << 17,
  G0_SR_CFGBSY = 1u << 18, /* FLASH_CR must not be written while set */

  G0_CR_PG = 1u << 0,
  G0_CR_PER = 1u << 1,
  G0_CR_MER1 = 1u << 2,
  G0_CR_PNB_SHIFT = 3, /* 10 bits; bank-2 pages are numbered 256 + n */
  G0_CR_BKER = 1u << 13,
  G0_CR_MER2 = 1u << 15,
  G0_CR_STRT = 1u << 16,
  G0_CR_OPTSTRT = 1u << 17,
  G0_CR_OBL_LAUNCH = 1u << 27, /* reload the option bytes: the chip resets */
  G0_CR_OPTLOCK = 1u << 30,
  G0_CR_LOCK = 1u << 31,

  G0_OPTR_nSWAP_BANK = 1u << 20, /* G0B1/G0C1 */
  G0_OPTR_nBOOT_SEL = 1u << 24,
  G0_OPTR_nBOOT1 = 1u << 25,
  G0_OPTR_nBOOT0 = 1u << 26,
  G0_SECR_BOOT_LOCK = 1u << 16,

  G0_BANK2_PAGE = 0x100u,
};

#define G0_SR_ERRORS                                                                            \
  (G0_SR_OPERR | G0_SR_PROGERR | G0_SR_WRPERR | G0_SR_PGAERR | G0_SR_SIZERR | G0_SR_PGSERR |   \
   G0_SR_MISSERR | G0_SR_FASTERR)
#define G0_SR_BUSY (G0_SR_BSY1 | G0_SR_BSY2 | G0_SR_CFGBSY)

/* ---- status bits and what they mean (RM0444 section 3.7.4) ---- */
static const swdf__flash_error_bit g0_errors[] = {
    {G0_SR_WRPERR, "WRPERR",
     "the page is write protected (option bytes WRP), in a PCROP area, or in a securable area "
     "the firmware has locked",
     SWDF_ERR_WRITE_PROTECTED},
    {G0_SR_PROGERR, "PROGERR",
     "the double word was not erased: a G0 double word can be written only once between erases",
     SWDF_ERR_FLASH},
    {G0_SR_PGAERR, "PGAERR",
     "alignment error: the two words did not go to the same 8-byte aligned double word",
     SWDF_ERR_FLASH},
    {G0_SR_SIZERR, "SIZERR", "size error: the flash takes 32-bit stores only", SWDF_ERR_FLASH},
    {G0_SR_PGSERR, "PGSERR",
     "sequence error: flash written without PG, with another operation selected, or with an "
     "earlier error flag still set",
     SWDF_ERR_FLASH},
    {G0_SR_MISSERR, "MISSERR", "fast programming: the next word came too late", SWDF_ERR_FLASH},
    {G0_SR_FASTERR, "FASTERR", "fast programming was interrupted", SWDF_ERR_FLASH},
    {G0_SR_OPERR, "OPERR", "the operation could not complete", SWDF_ERR_FLASH},
};

/* ---- timing (DS12232/DS13560: typical; maxima from the chip data) ---- */
enum {
  G0_PROGRAM_TYP_NS = 85000, /* one double word */
  G0_PROGRAM_MAX_US = 125,
  G0_PAGE_ERASE_TYP_US = 22000,
  G0_PAGE_ERASE_MAX_US = 40000,
  G0_BANK_ERASE_TYP_US = 22000, /* per bank */
  G0_BANK_ERASE_MAX_US = 40000,
  G0_OPTION_DOUBLE_WORDS = 16, /* OPTSTRT rewrites the option page */
  G0_RESET_CLOCK_HZ = 16000000, /* HSISYS = HSI16 after reset (RM0444 section 5.2) */
};

static uint32_t g0_reg(swdf_target *t, uint32_t offset) {
  return swdf__target_chip(t)->flash_regs + offset;
}

static swdf_err g0_describe(swdf__flash_ctl *ctl, swdf_target *t) {
  const swdf_chip *chip = swdf__target_chip(t);
  uint32_t optr = 0;
  swdf_err err = swdf__read32(&optr, t, g0_reg(t, G0_OPTR));
  if (err != SWDF_OK) {
    return err;
  }
  uint32_t page_max_us =
      chip->erase_time_ms != 0 ? chip->erase_time_ms * 1000u : G0_PAGE_ERASE_MAX_US;
  *ctl = (swdf__flash_ctl){
      .regs = {chip->flash_regs, chip->flash_regs},
      .keyr = G0_KEYR,
      .sr = G0_SR,
      .cr = G0_CR,
      .ar = 0,
      .ccr = 0,
      .sr_busy = G0_SR_BUSY,
      .sr_wait = G0_SR_BUSY,
      .sr_errors = G0_SR_ERRORS,
      .sr_clear = G0_SR_ERRORS | G0_SR_EOP | G0_SR_RDERR | G0_SR_OPTVERR,
      .cr_lock = G0_CR_LOCK,
      .cr_start = G0_CR_STRT,
      .cr_program = G0_CR_PG,
      .unit = 8,
      .access = 4,
      .iwdg_kr = SWDF_IWDG_KR,
      .program_typ_ns = G0_PROGRAM_TYP_NS,
      .program_max_us = chip->program_time_us != 0 ? chip->program_time_us : G0_PROGRAM_MAX_US,
      .erase = {{0, G0_PAGE_ERASE_TYP_US, page_max_us}},
      .mass_erase_typ_us = G0_BANK_ERASE_TYP_US,
      .mass_erase_max_us = chip->mass_erase_time_ms != 0 ? chip->mass_erase_time_ms * 1000u
                                                         : G0_BANK_ERASE_MAX_US,
      .error_bits = g0_errors,
      .error_bit_count = SWDF_ARRAY_LEN(g0_errors),
      /* nSWAP_BANK=0 maps physical bank 2 at the base; BKER and MERx name
       * physical banks (RM0444 section 3.3.2). */
      .banks_swapped = swdf__target_flash_layout(t)->bank_count > 1 &&
                       (optr & G0_OPTR_nSWAP_BANK) == 0,
  };
  return SWDF_OK;
}

/* ---- around a flash job ---- */

/* The instruction cache and prefetch hold flash contents: off and emptied
 * while the flash changes (RM0444 section 3.3.4), back on afterwards. */
static swdf_err g0_prepare(swdf_target *t, uint32_t *saved) {
  uint32_t acr = 0;
  swdf_err err = swdf__read32(&acr, t, g0_reg(t, G0_ACR));
  if (err != SWDF_OK) {
    return err;
  }
  *saved = acr;
  if ((acr & (G0_ACR_ICEN | G0_ACR_PRFTEN)) == 0) {
    return SWDF_OK;
  }
  uint32_t off = acr & ~(G0_ACR_ICEN | G0_ACR_PRFTEN);
  err = swdf__write32(t, g0_reg(t, G0_ACR), off);
  if (err == SWDF_OK) {
    err = swdf__write32(t, g0_reg(t, G0_ACR), off | G0_ACR_ICRST);
  }
  if (err == SWDF_OK) {
    err = swdf__write32(t, g0_reg(t, G0_ACR), off);
  }
  return err;
}

/* Only the cache bits go back: EMPTY may have been corrected meanwhile. */
static swdf_err g0_finish(swdf_target *t, uint32_t saved) {
  if ((saved & (G0_ACR_ICEN | G0_ACR_PRFTEN)) == 0) {
    return SWDF_OK;
  }
  return swdf__modify32(t, g0_reg(t, G0_ACR), 0, saved & (G0_ACR_ICEN | G0_ACR_PRFTEN));
}

/*
 * Clock boost: from the reset setup (SYSCLK = HSISYS = HSI16 / 1, PLL off,
 * voltage range 1) to 64 MHz, the most range 1 allows (RM0444 section 5.2.4,
 * DS13560 "PLL characteristics"): PLL input HSI16 / PLLM 1 = 16 MHz (2.66 to
 * 16 MHz allowed), VCO x PLLN 8 = 128 MHz (64 to 344 MHz), PLLRCLK / PLLR 2
 * = 64 MHz. Above 48 MHz the flash needs two wait states in range 1
 * (RM0444 section 3.3.4): LATENCY is raised before the switch
 * and lowered only after SYSCLK is back on the HSI. APB stays /1 (PCLK may
 * run at 64 MHz). The flash controller times its own operations, so the
 * program and erase times do not change. Only LATENCY of FLASH_ACR is
 * touched: EMPTY may be corrected by after_write between boost and unboost
 * and the cache bits are g0_prepare's.
 */
enum {
  G0_RCC_CR = 0x40021000,
  G0_RCC_CFGR = 0x40021008,
  G0_RCC_PLLCFGR = 0x4002100c,
  G0_PWR_CR1 = 0x40007000,
  G0_RCC_CR_HSIRDY = 1u << 10,
  G0_RCC_CR_HSIDIV = 7u << 11,
  G0_RCC_CR_PLLON = 1u << 24,
  G0_CFGR_SWS = 7u << 3,
  G0_CFGR_SW_BITS = 3,
  /* PLLSRC HSI16 (2), PLLM /1 (0), PLLN x8, PLLREN, PLLR /2 (1); P and Q off */
  G0_PLLCFGR_64MHZ = 2u | (0u << 4) | (8u << 8) | (1u << 28) | (1u << 29),
  G0_PWR_VOS = 3u << 9,
  G0_PWR_VOS_RANGE2 = 2u << 9,
  G0_ACR_LATENCY = 7u,
  G0_ACR_64MHZ = 2u,
  G0_BOOST_HZ = 64000000,
};

/* Range 2 allows 16 MHz only (RM0444 section 4.1.4). VOS reads 0 on a
 * part whose PWR clock is off, which is the reset state (range 1), so only
 * a range-2 reading stops the boost. */
static bool g0_reset_clocks(const swdf__clock_saved *saved, uint32_t pwr_cr1) {
  return (saved->rcc_cfgr & G0_CFGR_SWS) == 0 && (saved->rcc_cr & G0_RCC_CR_PLLON) == 0 &&
         (saved->rcc_cr & G0_RCC_CR_HSIRDY) != 0 && (saved->rcc_cr & G0_RCC_CR_HSIDIV) == 0 &&
         (pwr_cr1 & G0_PWR_VOS) != G0_PWR_VOS_RANGE2;
}

static swdf_err g0_boost(swdf_target *t, swdf__clock_saved *saved, uint32_t *hz) {
  uint32_t pwr_cr1 = 0;
  *saved = (swdf__clock_saved){0};
  swdf_err err = swdf__read32(&saved->rcc_cr, t, G0_RCC_CR);
  if (err == SWDF_OK) {
    err = swdf__read32(&saved->rcc_cfgr, t, G0_RCC_CFGR);
  }
  if (err == SWDF_OK) {
    err = swdf__read32(&saved->rcc_pllcfgr, t, G0_RCC_PLLCFGR);
  }
  if (err == SWDF_OK) {
    err = swdf__read32(&saved->flash_acr, t, g0_reg(t, G0_ACR));
  }
  if (err == SWDF_OK) {
    err = swdf__read32(&pwr_cr1, t, G0_PWR_CR1);
  }
  if (err != SWDF_OK || !g0_reset_clocks(saved, pwr_cr1)) {
    return err; /* not the reset setup: leave the clocks to the firmware */
  }
  saved->boosted = true;
  err = swdf__modify32(t, g0_reg(t, G0_ACR), G0_ACR_LATENCY, G0_ACR_64MHZ);
  if (err == SWDF_OK) {
    err = swdf__write32(t, G0_RCC_PLLCFGR, G0_PLLCFGR_64MHZ);
  }
  if (err == SWDF_OK) {
    err = swdf__clock_switch_to_pll(t, G0_RCC_CR, G0_RCC_CFGR, G0_CFGR_SW_BITS);
  }
  if (err == SWDF_OK) {
    *hz = G0_BOOST_HZ;
  }
  return err;
}

static swdf_err g0_unboost(swdf_target *t, const swdf__clock_saved *saved) {
  swdf_err err = swdf__clock_restore(t, G0_RCC_CR, G0_RCC_CFGR, G0_RCC_PLLCFGR, 0,
                                     G0_CFGR_SW_BITS, saved);
  if (err == SWDF_OK && saved->boosted) {
    err = swdf__modify32(t, g0_reg(t, G0_ACR), G0_ACR_LATENCY,
                         saved->flash_acr & G0_ACR_LATENCY);
  }
  return err;
}

/*
 * The empty check (RM0444 section 2.5 and 3.7.1): when the boot options
 * select the main flash, a chip whose first flash word read 0xFFFFFFFF at
 * the last option load starts the ROM bootloader instead, until the next
 * option load (power-on or OBL_LAUNCH). FLASH_ACR.EMPTY holds that
 * finding and software may correct it: set from the new first word, the
 * next reset starts the new program (or, after an erase, the bootloader)
 * without a power cycle.
 */
static swdf_err g0_after_write(swdf_target *t, char *note, size_t note_len) {
  const swdf_flash_layout *layout = swdf__target_flash_layout(t);
  uint32_t first = 0, acr = 0;
  note[0] = '\0';
  swdf_err err = swdf__read32(&first, t, layout->base);
  if (err == SWDF_OK) {
    err = swdf__read32(&acr, t, g0_reg(t, G0_ACR));
  }
  if (err != SWDF_OK) {
    return err;
  }
  bool empty = first == 0xffffffffu;
  if (((acr & G0_ACR_EMPTY) != 0) == empty) {
    return SWDF_OK;
  }
  uint32_t want = empty ? acr | G0_ACR_EMPTY : acr & ~(uint32_t)G0_ACR_EMPTY;
  err = swdf__write32(t, g0_reg(t, G0_ACR), want);
  if (err == SWDF_OK) {
    err = swdf__read32(&acr, t, g0_reg(t, G0_ACR));
  }
  if (err != SWDF_OK) {
    return err;
  }
  if (((acr & G0_ACR_EMPTY) != 0) != empty) {
    /* A warning, not the note (shown only with -v): the user has to act. */
    swdf__log(swdf__target_ctx(t), SWDF_LOG_WARN,
              "the chip still takes its flash for %s (FLASH_ACR.EMPTY did not change): power "
              "it off and on once so that the next start %s",
              empty ? "programmed" : "empty",
              empty ? "finds the flash empty" : "runs the new program, not the ROM bootloader");
    return SWDF_OK;
  }
  snprintf(note, note_len,
           empty ? "flash empty flag set (FLASH_ACR.EMPTY): with the boot options selecting the "
                   "flash, the next reset starts the ROM bootloader"
                 : "flash empty flag cleared (FLASH_ACR.EMPTY): the next reset starts the new "
                   "program, no power cycle needed");
  return SWDF_OK;
}

/* ---- erase (RM0444 section 3.3.6) ---- */

/* PNB counts pages from the bank start; bank 2 is selected by BKER and
 * numbered from 256 (RM0444 section 3.7.5). */
static void g0_erase_cmd(swdf__erase_cmd *out, const swdf__flash_ctl *ctl,
                         const swdf_flash_sector *sector) {
  uint32_t cr = G0_CR_PER;
  if ((sector->bank != 0) == ctl->banks_swapped) {
    cr |= sector->index_in_bank << G0_CR_PNB_SHIFT;
  } else {
    cr |= (G0_BANK2_PAGE | sector->index_in_bank) << G0_CR_PNB_SHIFT | G0_CR_BKER;
  }
  *out = (swdf__erase_cmd){.cr = cr, .ar = sector->addr, .bank = 0};
}

/* MER1 erases bank 1 (the whole flash of a single-bank part), MER2 bank 2;
 * both in one go on a dual-bank part. */
static unsigned g0_mass_erase_cmds(swdf__erase_cmd *out, const swdf__flash_ctl *ctl,
                                   const swdf_flash_layout *layout) {
  (void)ctl;
  uint32_t cr = G0_CR_MER1 | (layout->bank_count > 1 ? G0_CR_MER2 : 0);
  out[0] = (swdf__erase_cmd){.cr = cr, .ar = layout->base, .bank = 0};
  return 1;
}

/* One bank of a dual-bank part: MER1 or MER2 alone. */
static bool g0_bank_erase_cmd(swdf__erase_cmd *out, const swdf__flash_ctl *ctl,
                              const swdf_flash_layout *layout, unsigned bank) {
  bool physical_bank1 = (bank == 0) != ctl->banks_swapped;
  *out = (swdf__erase_cmd){.cr = physical_bank1 ? G0_CR_MER1 : G0_CR_MER2,
                           .ar = layout->banks[bank].base,
                           .bank = 0};
  return true;
}

/* ---- option bytes (RM0444 section 3.4.2) ---- */

/* FLASH_CR first (KEYR clears LOCK), then the options (OPTKEYR clears
 * OPTLOCK, which only opens once LOCK is clear). */
static swdf_err g0_opt_unlock(swdf_target *t) {
  const swdf__key_lock flash = {"FLASH_CR", g0_reg(t, G0_CR), G0_CR_LOCK, 0, g0_reg(t, G0_KEYR),
                                SWDF_FLASH_KEY1, SWDF_FLASH_KEY2};
  const swdf__key_lock options = {"FLASH_CR (OPTLOCK)", g0_reg(t, G0_CR), G0_CR_OPTLOCK, 0,
                                  g0_reg(t, G0_OPTKEYR), SWDF_OPT_KEY1, SWDF_OPT_KEY2};
  swdf_err err = swdf__unlock_with_keys(t, &flash);
  if (err == SWDF_OK) {
    err = swdf__unlock_with_keys(t, &options);
  }
  if (err != SWDF_OK) {
    return err;
  }
  uint32_t sr = 0;
  err = swdf__poll32(&sr, t, g0_reg(t, G0_SR), G0_SR_BUSY, 0, swdf__opt_deadline_us(t, 0, false));
  if (err == SWDF_OK) {
    err = swdf__write32(t, g0_reg(t, G0_SR), G0_SR_ERRORS | G0_SR_EOP | G0_SR_OPTVERR);
  }
  return err;
}

/* Every option register takes its new value, then OPTSTRT copies them all
 * to the option page: one page erase and a few double words, plus the
 * erase of every bank when read protection goes from level 1 to 0. */
static swdf_err g0_opt_program(swdf_target *t, const swdf_optd *d, const uint32_t *words,
                               bool erases) {
  swdf_ctx *ctx = swdf__target_ctx(t);
  const swdf_chip *chip = swdf__target_chip(t);
  swdf_err err = SWDF_OK;
  for (size_t w = 0; w < d->word_count && err == SWDF_OK; w++) {
    if (!d->words[w].readonly) {
      err = swdf__write32(t, d->words[w].write_addr, words[w]);
    }
  }
  if (err == SWDF_OK) {
    err = swdf__modify32(t, g0_reg(t, G0_CR), 0, G0_CR_OPTSTRT);
  }
  uint32_t page_us = chip->erase_time_ms != 0 ? chip->erase_time_ms * 1000u : G0_PAGE_ERASE_MAX_US;
  uint32_t prog_us = chip->program_time_us != 0 ? chip->program_time_us : G0_PROGRAM_MAX_US;
  uint32_t op_us = page_us + G0_OPTION_DOUBLE_WORDS * prog_us;
  uint32_t sr = 0;
  uint64_t regression_us = 0;
  swdf__flash_ctl ctl;
  if (erases && g0_describe(&ctl, t) == SWDF_OK) {
    regression_us = swdf__opt_regression_typ_us(&ctl, t); /* RM0444 section 3.5.1 */
  }
  if (err == SWDF_OK) {
    err = swdf__opt_wait(&sr, t, g0_reg(t, G0_SR), "FLASH_SR", G0_SR_BUSY,
                         swdf__opt_deadline_us(t, op_us, erases), regression_us);
  }
  if (err != SWDF_OK) {
    swdf__prefix_error(ctx, "programming the option bytes");
    return err;
  }
  if ((sr & G0_SR_ERRORS) != 0) {
    (void)swdf__write32(t, g0_reg(t, G0_SR), G0_SR_ERRORS);
    return swdf__fail(ctx, SWDF_ERR_FLASH, "reset the chip (swdflash reset) and try again",
                      "programming the option bytes: the flash controller reported %s "
                      "(FLASH_SR 0x%08X)",
                      (sr & G0_SR_WRPERR) != 0 ? "WRPERR (read protection level 2 freezes them)"
                                               : "an error",
                      sr);
  }
  return SWDF_OK;
}

static swdf_err g0_opt_write(swdf_target *t, const swdf_optd *d, const uint32_t *words,
                             bool erases) {
  swdf_err err = g0_opt_unlock(t);
  if (err == SWDF_OK) {
    err = g0_opt_program(t, d, words, erases);
  }
  /* LOCK locks the options too (RM0444 section 3.4.2). */
  return swdf__opt_relock(t, err, g0_reg(t, G0_CR), 0, G0_CR_LOCK);
}

/*
 * The new options take effect at OBL_LAUNCH, which reloads them and resets
 * the chip: the write that sets it may go unanswered, and the debug port
 * has to be entered again (RM0444 section 3.4.2). The core is left halted
 * so that no firmware runs before the options are read back.
 */
static swdf_err g0_opt_reload(swdf_target *t) {
  swdf_ctx *ctx = swdf__target_ctx(t);
  swdf_err err = g0_opt_unlock(t);
  if (err != SWDF_OK) {
    return err;
  }
  swdf_saved_error saved;
  swdf__save_error(&saved, ctx);
  (void)swdf__write32(t, g0_reg(t, G0_CR), G0_CR_OBL_LAUNCH); /* the chip resets under it */
  swdf__restore_error(ctx, &saved);
  err = swdf__target_reattach(t, true);
  if (err != SWDF_OK) {
    swdf__prefix_error(ctx, "reconnecting after loading the new option bytes (OBL_LAUNCH)");
    return err;
  }
  uint32_t cr = 0;
  err = swdf__read32(&cr, t, g0_reg(t, G0_CR));
  if (err == SWDF_OK && (cr & G0_CR_LOCK) == 0) {
    err = swdf__write32(t, g0_reg(t, G0_CR), G0_CR_LOCK); /* OBL_LAUNCH did not reset */
  }
  return err;
}

/* ---- boot rules (RM0444 section 2.5, table 7; AN2606 "pattern 11") ---- */

/* AN2606: the ROM bootloaders of the G0B0/G0B1/G0C1 (DEV_ID 0x467) offer
 * USB DFU; the other G0 lines have no USB and talk over USART, I2C and SPI. */
static bool g0_rom_has_dfu(const swdf_chip *chip) {
  return chip->dev_id == 0x467;
}

static int g0_field(const swdf_options *o, const char *name, int missing) {
  int i = swdf_options_find(o, name);
  swdf_opt_field f = SWDF_OPT_FIELD_INIT;
  if (i < 0 || swdf_options_field(&f, o, (size_t)i) != SWDF_OK) {
    return missing;
  }
  return (int)f.raw;
}

static swdf_err g0_boot_config(swdf_boot_config *out, const swdf_options *o,
                               const swdf_chip *chip) {
  const uint32_t flash = chip->flash_base;
  bool lock = g0_field(o, "boot_lock", 0) != 0;
  bool sel_option = g0_field(o, "nboot_sel", 1) != 0;
  bool boot1_rom = g0_field(o, "nboot1", 1) != 0;
  bool boot0_flash = g0_field(o, "nboot0", 1) != 0;
  uint32_t other = boot1_rom ? chip->sysmem_base : chip->ram_base; /* SRAM at 0x20000000 */
  out->empty_check = 0;
  if (lock) {
    out->pin_honoured = 0;
    out->boot_pin_low = out->boot_pin_high = flash;
    out->rom_reachable = 0;
    snprintf(out->explain, sizeof(out->explain),
             "BOOT_LOCK=1: the chip always starts the program in flash, whatever the BOOT0 pin, "
             "the boot options or an empty flash say; set boot_lock=off (possible at read "
             "protection level 0 only) to reach the ROM bootloader again");
    swdf__boot_add_repair(out, "boot_lock", "off",
              "lets the BOOT0 pin and the boot options choose again (BOOT_LOCK forces the "
              "start from flash)", 0);
  } else if (sel_option) {
    out->pin_honoured = 0;
    out->boot_pin_low = out->boot_pin_high = boot0_flash ? flash : other;
    out->rom_reachable = 1; /* through the empty check at least */
    out->empty_check = boot0_flash ? 1 : 0;
    if (boot0_flash) {
      snprintf(out->explain, sizeof(out->explain),
               "the BOOT0 pin is ignored because nBOOT_SEL=1 and nBOOT0=1 (the factory setting): "
               "the chip starts the program in flash, and the ROM bootloader only while the "
               "flash is empty (the empty check, made at power-on); set nBOOT_SEL=0 to use the "
               "pin");
      swdf__boot_add_repair(out, "nboot_sel", "pin",
                "lets BOOT0 held high during reset start the ROM bootloader again", 0);
    } else {
      snprintf(out->explain, sizeof(out->explain),
               "the BOOT0 pin is ignored because nBOOT_SEL=1, and nBOOT0=0 makes every reset "
               "start the %s, never the program in flash",
               boot1_rom ? "ROM bootloader" : "SRAM");
    }
  } else {
    out->pin_honoured = 1;
    out->boot_pin_low = flash;
    out->boot_pin_high = other;
    out->rom_reachable = 1;
    out->empty_check = 1;
    snprintf(out->explain, sizeof(out->explain),
             "nBOOT_SEL=0: the BOOT0 pin (PA14, shared with SWCLK) chooses at reset: low starts "
             "the program in flash (or the ROM bootloader while the flash is empty), high the %s; "
             "after a debugger was connected the level seen at the connection counts until the "
             "next power cycle (errata ES0486 2.2.9)",
             boot1_rom ? "ROM bootloader" : "SRAM");
  }
  if (!lock && !boot1_rom) {
    out->rom_reachable = sel_option && boot0_flash; /* only the empty check still reaches it */
    swdf__boot_add_repair(out, "nboot1", "system",
              "makes a start from outside the flash run the ROM bootloader, not the SRAM", 0);
  }
  return SWDF_OK;
}

static const swdf__boot_rules g0_boot = {
    .rom_has_dfu = g0_rom_has_dfu,
    .dfu_needs = "The ROM DFU bootloader of the G0B0/G0B1/G0C1 needs only a USB data cable on "
                 "PA11/PA12: it clocks USB from the internal 48 MHz oscillator, so no crystal "
                 "is needed.",
    .config = g0_boot_config,
};

const swdf__family swdf__family_g0 = {
    .driver = "stm32g0",
    .title = "STM32G0",
    .core = SWDF__CORE_V6M,
    .reset_clock_hz = G0_RESET_CLOCK_HZ,
    .describe = g0_describe,
    .prepare = g0_prepare,
    .finish = g0_finish,
    .boost = g0_boost,
    .unboost = g0_unboost,
    .erase_cmd = g0_erase_cmd,
    .mass_erase_cmds = g0_mass_erase_cmds,
    .bank_erase_cmd = g0_bank_erase_cmd,
    .after_write = g0_after_write,
    .opt_write = g0_opt_write,
    .opt_reload = g0_opt_reload,
    .boot = &g0_boot,
};
