/*
 * STM32F1 flash controller (FPEC), PM0075 sections 2.3 and 3, and the clone
 * parts that copy it (GD32F1/F3, CKS32, APM32). Bank 2 of XL-density parts
 * has its own register block at +0x40 (PM0075 section 3, KEYR2/SR2/CR2/AR2).
 * Clone differences are chip-database quirks, handled by every path: the
 * loader always waits for BSY after each half-word (APM32 loses data
 * otherwise) and waits a little before polling BSY after STRT.
 */
#include <stdio.h>

#include "family.h"

enum {
  F1_KEYR = 0x04,
  F1_OPTKEYR = 0x08,
  F1_SR = 0x0c,
  F1_CR = 0x10,
  F1_AR = 0x14,
  F1_WRPR = 0x20,
  F1_BANK2_OFFSET = 0x40,
  F1_SR_BSY = 1u << 0,
  F1_SR_PGERR = 1u << 2,
  F1_SR_WRPRTERR = 1u << 4,
  F1_SR_EOP = 1u << 5,
  F1_CR_PG = 1u << 0,
  F1_CR_PER = 1u << 1,
  F1_CR_MER = 1u << 2,
  F1_CR_STRT = 1u << 6,
  F1_CR_LOCK = 1u << 7,
  F1_CR_OPTPG = 1u << 4,
  F1_CR_OPTER = 1u << 5,
  F1_CR_OPTWRE = 1u << 9,
};

static const swdf__flash_error_bit f1_errors[] = {
    {F1_SR_WRPRTERR, "WRPRTERR", "the page is write protected (option bytes WRP)",
     SWDF_ERR_WRITE_PROTECTED},
    {F1_SR_PGERR, "PGERR", "the half-word was not erased before programming", SWDF_ERR_FLASH},
};

/* DS5319 table 28 / DS5792: t_prog 52.5 us typical, 70 us maximum; page and
 * mass erase 20-40 ms (the maximum serves as the typical value, as in the
 * timing model). */
static swdf_err f1_describe(swdf__flash_ctl *ctl, swdf_target *t) {
  const swdf_chip *chip = swdf__target_chip(t);
  const swdf_flash_layout *layout = swdf__target_flash_layout(t);
  uint32_t erase_max_us = chip->erase_time_ms != 0 ? chip->erase_time_ms * 1000u : 40000u;
  *ctl = (swdf__flash_ctl){
      .regs = {chip->flash_regs,
               layout->bank_count > 1 ? chip->flash_regs + F1_BANK2_OFFSET : chip->flash_regs},
      .keyr = F1_KEYR,
      .sr = F1_SR,
      .cr = F1_CR,
      .ar = F1_AR,
      .sr_busy = F1_SR_BSY,
      .sr_errors = F1_SR_PGERR | F1_SR_WRPRTERR,
      .sr_clear = F1_SR_PGERR | F1_SR_WRPRTERR | F1_SR_EOP,
      .cr_lock = F1_CR_LOCK,
      .cr_start = F1_CR_STRT,
      .cr_program = F1_CR_PG,
      .unit = chip->program_unit != 0 ? chip->program_unit : 2,
      .iwdg_kr = SWDF_IWDG_KR,
      .program_typ_ns = 52500,
      .program_max_us = chip->program_time_us != 0 ? chip->program_time_us : 70,
      .erase = {{0, 40000, erase_max_us}},
      .mass_erase_typ_us = 40000,
      .mass_erase_max_us =
          chip->mass_erase_time_ms != 0 ? chip->mass_erase_time_ms * 1000u : 40000u,
      .error_bits = f1_errors,
      .error_bit_count = SWDF_ARRAY_LEN(f1_errors),
      .wrp = {{chip->flash_regs + F1_WRPR, 0xffffffffu, 0xffffffffu}},
  };
  return SWDF_OK;
}

/*
 * From the reset setup (SYSCLK = HSI, PLL off) to 64 MHz: PLL from HSI/2
 * times 16, two flash wait states above 48 MHz, APB1 halved to stay within
 * 36 MHz (RM0008 sections 3.3.3, 7.2, 7.3.2). The flash controller times its
 * operations with the HSI, which stays on.
 */
enum {
  F1_RCC_CR = 0x40021000,
  F1_RCC_CFGR = 0x40021004,
  F1_ACR = 0x00,
  F1_RCC_CR_HSIRDY = 1u << 1,
  F1_RCC_CR_PLLON = 1u << 24,
  F1_CFGR_SWS = 3u << 2,
  F1_CFGR_CLEAR = (0xfu << 4) | (7u << 8) | (7u << 11) | (1u << 16) | (1u << 17) | (0xfu << 18),
  F1_CFGR_PLL64 = (4u << 8) | (14u << 18), /* PPRE1 /2, PLLMUL x16, PLLSRC HSI/2 */
  F1_ACR_64MHZ = 2u | (1u << 4),           /* LATENCY 2, PRFTBE */
  F1_BOOST_HZ = 64000000,
};

static swdf_err f1_boost(swdf_target *t, swdf__clock_saved *saved, uint32_t *hz) {
  uint32_t acr_addr = swdf__target_chip(t)->flash_regs + F1_ACR;
  *saved = (swdf__clock_saved){0};
  swdf_err err = swdf__read32(&saved->rcc_cr, t, F1_RCC_CR);
  if (err == SWDF_OK) {
    err = swdf__read32(&saved->rcc_cfgr, t, F1_RCC_CFGR);
  }
  if (err == SWDF_OK) {
    err = swdf__read32(&saved->flash_acr, t, acr_addr);
  }
  if (err != SWDF_OK || (saved->rcc_cfgr & F1_CFGR_SWS) != 0 ||
      (saved->rcc_cr & F1_RCC_CR_PLLON) != 0 || (saved->rcc_cr & F1_RCC_CR_HSIRDY) == 0) {
    return err; /* not the reset setup: leave the clocks to the firmware */
  }
  saved->boosted = true;
  err = swdf__write32(t, acr_addr, (saved->flash_acr & ~0x17u) | F1_ACR_64MHZ);
  if (err == SWDF_OK) {
    err = swdf__write32(t, F1_RCC_CFGR, (saved->rcc_cfgr & ~F1_CFGR_CLEAR) | F1_CFGR_PLL64);
  }
  if (err == SWDF_OK) {
    err = swdf__clock_switch_to_pll(t, F1_RCC_CR, F1_RCC_CFGR, 2);
  }
  if (err == SWDF_OK) {
    *hz = F1_BOOST_HZ;
  }
  return err;
}

static swdf_err f1_unboost(swdf_target *t, const swdf__clock_saved *saved) {
  return swdf__clock_restore(t, F1_RCC_CR, F1_RCC_CFGR, 0,
                             swdf__target_chip(t)->flash_regs + F1_ACR, 2, saved);
}

static void f1_erase_cmd(swdf__erase_cmd *out, const swdf__flash_ctl *ctl,
                         const swdf_flash_sector *sector) {
  (void)ctl;
  *out = (swdf__erase_cmd){.cr = F1_CR_PER, .ar = sector->addr, .bank = sector->bank};
}

/* Each bank has its own MER (PM0075 section 2.3.5; XL: through CR2). */
static unsigned f1_mass_erase_cmds(swdf__erase_cmd *out, const swdf__flash_ctl *ctl,
                                   const swdf_flash_layout *layout) {
  (void)ctl;
  unsigned n = 0;
  for (unsigned bank = 0; bank < layout->bank_count && bank < 2; bank++) {
    out[n++] = (swdf__erase_cmd){.cr = F1_CR_MER, .ar = layout->banks[bank].base, .bank = bank};
  }
  return n;
}

/*
 * Option bytes. STM32F1 option bytes (PM0075 §2.5 "Option byte programming" and §2.4
 * "Read protection"; RM0008 §4.4): unlock the FPEC, unlock option writes
 * (OPTKEYR with the FPEC keys sets OPTWRE), erase the option block, program
 * every option half-word with OPTPG (the hardware writes the complement
 * byte), lock. The RDP half-word goes first: an erased RDP byte (0xFF) means
 * "protected", so the window in which an interrupted write leaves the chip
 * protected is as short as it can be. Removing read protection makes the
 * chip mass-erase the flash before the options change. There is no
 * OBL_LAUNCH on F1: the options load at the next system reset.
 */
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

/*
 * Boot rules (RM0008 section 3.4, AN2606 "STM32F10xxx"): the BOOT0 and
 * BOOT1 (PB2) pins decide at every reset; no option byte overrides them.
 * BOOT0 low starts the flash, BOOT0 high with BOOT1 low the ROM bootloader.
 * That bootloader offers USB DFU only on the connectivity line (STM32F105/
 * F107, device 0x418); every other F1 has a serial-only ROM bootloader
 * (USART1 on PA9/PA10).
 */
enum { F1_DEV_CONNECTIVITY = 0x418 };

static bool f1_rom_has_dfu(const swdf_chip *chip) { return chip->dev_id == F1_DEV_CONNECTIVITY; }

static swdf_err f1_boot_config(swdf_boot_config *out, const swdf_options *o,
                               const swdf_chip *chip) {
  (void)o;
  out->pin_honoured = 1;
  out->boot_pin_low = chip->flash_base;
  out->boot_pin_high = chip->sysmem_base;
  out->rom_reachable = 1;
  out->empty_check = -1;
  snprintf(out->explain, sizeof(out->explain),
           "The BOOT0 pin decides at every reset (no option byte overrides it): low starts the "
           "program in flash at 0x%08X, high (with BOOT1/PB2 low) starts the ST ROM bootloader "
           "at 0x%08X.",
           (unsigned)chip->flash_base, (unsigned)chip->sysmem_base);
  return SWDF_OK;
}

static const swdf__boot_rules f1_boot = {
    .rom_has_dfu = f1_rom_has_dfu,
    .dfu_needs = "The ROM DFU bootloader needs the board's crystal (HSE) at 8, 14.7456 or 25 MHz "
                 "and a USB data cable.",
    .config = f1_boot_config,
};

const swdf__family swdf__family_f1 = {
    .driver = "stm32f1",
    .title = "STM32F1",
    .core = SWDF__CORE_V7M,
    .reset_clock_hz = 8000000, /* HSI (RM0008 section 7.2) */
    .describe = f1_describe,
    .boost = f1_boost,
    .unboost = f1_unboost,
    .erase_cmd = f1_erase_cmd,
    .mass_erase_cmds = f1_mass_erase_cmds,
    .opt_write = f1_write,
    .opt_reload = swdf__opt_reload_by_reset,
    .boot = &f1_boot,
};
