/*
 * STM32F4 flash controller (RM0090 section 3; RM0368, RM0383, RM0390 for
 * F401, F411 and F446). One register block for both banks of F42x/F43x;
 * bank-2 sectors are numbered SNB = 0x10 | n (RM0090 section 3.9.8).
 *
 * The program and erase parallelism (PSIZE) must suit the supply: x32 from
 * 2.7 V, x16 from 2.1 V, x8 below (RM0090 section 3.5.1, table 8). Wider is
 * faster: erases take 250/550/1000 ms per 16/64/128 KiB sector at x32
 * against 400/1200/2000 ms at x8, and x32 programs four bytes per 16 us
 * operation (DS8626 table 40, DS10693).
 */
#include <stdio.h>

#include "family.h"

enum {
  F4_ACR = 0x00,
  F4_KEYR = 0x04,
  F4_SR = 0x0c,
  F4_CR = 0x10,
  F4_OPTKEYR = 0x08,
  F4_OPTCR = 0x14,
  F4_OPTCR1 = 0x18,
  /* SPRMOD set turns the nWRP bits into PCROP bits (1 = protected). */
  F4_OPTCR_SPRMOD = 1u << 31,
  F4_SR_EOP = 1u << 0,
  F4_SR_OPERR = 1u << 1,
  F4_SR_WRPERR = 1u << 4,
  F4_SR_PGAERR = 1u << 5,
  F4_SR_PGPERR = 1u << 6,
  F4_SR_PGSERR = 1u << 7,
  F4_SR_RDERR = 1u << 8,
  F4_SR_BSY = 1u << 16,
  F4_CR_PG = 1u << 0,
  F4_CR_SER = 1u << 1,
  F4_CR_MER = 1u << 2,
  F4_CR_SNB_SHIFT = 3,
  F4_CR_PSIZE_SHIFT = 8,
  F4_CR_MER1 = 1u << 15,
  F4_CR_STRT = 1u << 16,
  F4_CR_LOCK = 1u << 31,
  F4_ACR_ICEN = 1u << 9,
  F4_ACR_DCEN = 1u << 10,
  F4_ACR_ICRST = 1u << 11,
  F4_ACR_DCRST = 1u << 12,
  F4_OPTCR_OPTLOCK = 1u << 0,
  F4_OPTCR_OPTSTRT = 1u << 1,
  F4_SR_ERRORS = F4_SR_OPERR | F4_SR_WRPERR | F4_SR_PGAERR | F4_SR_PGPERR | F4_SR_PGSERR,
};

static const swdf__flash_error_bit f4_errors[] = {
    {F4_SR_WRPERR, "WRPERR", "the sector is write protected (option bytes nWRP)",
     SWDF_ERR_WRITE_PROTECTED},
    {F4_SR_PGAERR, "PGAERR", "alignment error: the write crossed a 128-bit row", SWDF_ERR_FLASH},
    {F4_SR_PGPERR, "PGPERR", "parallelism error: the write width does not match PSIZE",
     SWDF_ERR_FLASH},
    {F4_SR_PGSERR, "PGSERR", "sequence error: flash written without PG set", SWDF_ERR_FLASH},
    {F4_SR_OPERR, "OPERR", "operation error", SWDF_ERR_FLASH},
};

/* One row per program width: the lowest supply it needs and its timing
 * (DS8626 table 40: typical and maximum; mass erase per 1 MiB bank). */
static const struct f4_width {
  uint32_t bytes;
  uint32_t psize;
  uint32_t min_mv;
  swdf__erase_time erase[3];
  uint32_t mass_typ_ms, mass_max_ms;
} f4_widths[] = {
    {4,
     2,
     2700,
     {{16384, 250000, 500000}, {65536, 550000, 1100000}, {131072, 1000000, 2000000}},
     8000,
     16000},
    {2,
     1,
     2100,
     {{16384, 300000, 600000}, {65536, 700000, 1400000}, {131072, 1300000, 2600000}},
     11000,
     22000},
    {1,
     0,
     0,
     {{16384, 400000, 800000}, {65536, 1200000, 2400000}, {131072, 2000000, 4000000}},
     16000,
     32000},
};

/* Unknown supply (a probe that cannot measure it): x16, safe from 2.1 V. */
static const struct f4_width *choose_width(uint32_t mv) {
  if (mv == 0) {
    return &f4_widths[1];
  }
  for (size_t i = 0; i < SWDF_ARRAY_LEN(f4_widths); i++) {
    if (mv >= f4_widths[i].min_mv) {
      return &f4_widths[i];
    }
  }
  return &f4_widths[SWDF_ARRAY_LEN(f4_widths) - 1];
}

static swdf_err f4_describe(swdf__flash_ctl *ctl, swdf_target *t) {
  const swdf_chip *chip = swdf__target_chip(t);
  uint32_t mv = 0;
  if (swdf__target_voltage(&mv, t) != SWDF_OK) {
    mv = 0;
  }
  const struct f4_width *w = choose_width(mv);
  *ctl = (swdf__flash_ctl){
      .regs = {chip->flash_regs, chip->flash_regs},
      .keyr = F4_KEYR,
      .sr = F4_SR,
      .cr = F4_CR,
      .ar = 0,
      .sr_busy = F4_SR_BSY,
      .sr_errors = F4_SR_ERRORS,
      .sr_clear = F4_SR_EOP | F4_SR_OPERR | F4_SR_WRPERR | F4_SR_PGAERR | F4_SR_PGPERR |
                  F4_SR_PGSERR | F4_SR_RDERR,
      .cr_lock = F4_CR_LOCK,
      .cr_start = F4_CR_STRT,
      .cr_program = F4_CR_PG | w->psize << F4_CR_PSIZE_SHIFT,
      .cr_psize = w->psize << F4_CR_PSIZE_SHIFT,
      .unit = w->bytes,
      .access = w->bytes, /* one PSIZE-wide access per operation */
      .iwdg_kr = SWDF_IWDG_KR,
      .program_typ_ns = 16000,
      .program_max_us = chip->program_time_us != 0 ? chip->program_time_us : 100,
      .mass_erase_typ_us = w->mass_typ_ms * 1000u,
      .mass_erase_max_us = w->mass_max_ms * 1000u,
      .error_bits = f4_errors,
      .error_bit_count = SWDF_ARRAY_LEN(f4_errors),
  };
  /* One nWRP bit per sector of the bank, from bit 16 (bank 2: OPTCR1). */
  const swdf_flash_layout *layout = swdf__target_flash_layout(t);
  static const uint32_t optcr[2] = {F4_OPTCR, F4_OPTCR1};
  for (unsigned b = 0; b < layout->bank_count && b < 2; b++) {
    uint32_t sectors = layout->banks[b].unit_count < 12 ? layout->banks[b].unit_count : 12;
    uint32_t nwrp = ((1u << sectors) - 1u) << 16;
    ctl->wrp[b].addr = chip->flash_regs + optcr[b];
    ctl->wrp[b].mask = nwrp | (b == 0 ? F4_OPTCR_SPRMOD : 0);
    ctl->wrp[b].want = nwrp;
  }
  for (size_t i = 0; i < SWDF_ARRAY_LEN(w->erase); i++) {
    ctl->erase[i] = w->erase[i];
  }
  if (mv == 0) {
    snprintf(ctl->width_note, sizeof(ctl->width_note),
             "target voltage unknown: programming x16 (safe from 2.1 V)");
  } else {
    snprintf(ctl->width_note, sizeof(ctl->width_note), "target at %u.%02u V: programming x%u",
             (unsigned)(mv / 1000), (unsigned)(mv % 1000 / 10), (unsigned)(w->bytes * 8));
  }
  return SWDF_OK;
}

/* The caches hold flash contents: turn them off and empty them while the
 * flash changes (RM0090 section 3.5.2), and restore them afterwards. */
static swdf_err f4_prepare(swdf_target *t, uint32_t *saved) {
  uint32_t acr_addr = swdf__target_chip(t)->flash_regs + F4_ACR;
  uint32_t acr = 0;
  swdf_err err = swdf__read32(&acr, t, acr_addr);
  if (err != SWDF_OK) {
    return err;
  }
  *saved = acr;
  if ((acr & (F4_ACR_ICEN | F4_ACR_DCEN)) == 0) {
    return SWDF_OK;
  }
  uint32_t off = acr & ~(F4_ACR_ICEN | F4_ACR_DCEN);
  err = swdf__write32(t, acr_addr, off);
  if (err == SWDF_OK) {
    err = swdf__write32(t, acr_addr, off | F4_ACR_ICRST | F4_ACR_DCRST);
  }
  if (err == SWDF_OK) {
    err = swdf__write32(t, acr_addr, off);
  }
  return err;
}

static swdf_err f4_finish(swdf_target *t, uint32_t saved) {
  if ((saved & (F4_ACR_ICEN | F4_ACR_DCEN)) == 0) {
    return SWDF_OK;
  }
  return swdf__write32(t, swdf__target_chip(t)->flash_regs + F4_ACR, saved);
}

/*
 * From the reset setup (SYSCLK = HSI 16 MHz, PLL off) to 84 MHz, which every
 * F4 runs at in its reset voltage scale (the F401's maximum): VCO input
 * 1 MHz (HSI / 16), x168, / 2. Three flash wait states cover 84 MHz from
 * 2.7 V on every part (RM0090 table 10, RM0368 table 6); below 2.7 V the
 * clocks are left alone. APB1 is halved to stay within 42 MHz.
 */
enum {
  F4_RCC_CR = 0x40023800,
  F4_RCC_PLLCFGR = 0x40023804,
  F4_RCC_CFGR = 0x40023808,
  F4_RCC_CR_HSIRDY = 1u << 1,
  F4_RCC_CR_PLLON = 1u << 24,
  F4_CFGR_SWS = 3u << 2,
  F4_CFGR_CLEAR = (0xfu << 4) | (7u << 10) | (7u << 13),
  F4_CFGR_APB1_DIV2 = 4u << 10,
  F4_PLLCFGR_84MHZ = 16u | (168u << 6) | (0u << 16) | (7u << 24), /* M, N, P /2, HSI, Q */
  F4_ACR_LATENCY_MASK = 0xfu,
  F4_ACR_84MHZ = 3u,
  F4_BOOST_HZ = 84000000,
  F4_BOOST_MIN_MV = 2700,
};

static swdf_err f4_boost(swdf_target *t, swdf__clock_saved *saved, uint32_t *hz) {
  uint32_t acr_addr = swdf__target_chip(t)->flash_regs + F4_ACR;
  uint32_t mv = 0;
  *saved = (swdf__clock_saved){0};
  if (swdf__target_voltage(&mv, t) != SWDF_OK || mv < F4_BOOST_MIN_MV) {
    return SWDF_OK;
  }
  swdf_err err = swdf__read32(&saved->rcc_cr, t, F4_RCC_CR);
  if (err == SWDF_OK) {
    err = swdf__read32(&saved->rcc_cfgr, t, F4_RCC_CFGR);
  }
  if (err == SWDF_OK) {
    err = swdf__read32(&saved->rcc_pllcfgr, t, F4_RCC_PLLCFGR);
  }
  if (err == SWDF_OK) {
    err = swdf__read32(&saved->flash_acr, t, acr_addr);
  }
  if (err != SWDF_OK || (saved->rcc_cfgr & F4_CFGR_SWS) != 0 ||
      (saved->rcc_cr & F4_RCC_CR_PLLON) != 0 || (saved->rcc_cr & F4_RCC_CR_HSIRDY) == 0) {
    return err; /* not the reset setup: leave the clocks to the firmware */
  }
  saved->boosted = true;
  err = swdf__write32(t, acr_addr, (saved->flash_acr & ~F4_ACR_LATENCY_MASK) | F4_ACR_84MHZ);
  if (err == SWDF_OK) {
    err = swdf__write32(t, F4_RCC_PLLCFGR, F4_PLLCFGR_84MHZ);
  }
  if (err == SWDF_OK) {
    err = swdf__write32(t, F4_RCC_CFGR, (saved->rcc_cfgr & ~F4_CFGR_CLEAR) | F4_CFGR_APB1_DIV2);
  }
  if (err == SWDF_OK) {
    err = swdf__clock_switch_to_pll(t, F4_RCC_CR, F4_RCC_CFGR, 2);
  }
  if (err == SWDF_OK) {
    *hz = F4_BOOST_HZ;
  }
  return err;
}

static swdf_err f4_unboost(swdf_target *t, const swdf__clock_saved *saved) {
  return swdf__clock_restore(t, F4_RCC_CR, F4_RCC_CFGR, F4_RCC_PLLCFGR,
                             swdf__target_chip(t)->flash_regs + F4_ACR, 2, saved);
}

static void f4_erase_cmd(swdf__erase_cmd *out, const swdf__flash_ctl *ctl,
                         const swdf_flash_sector *sector) {
  uint32_t snb = sector->bank == 0 ? sector->index : (0x10u | sector->index_in_bank);
  *out = (swdf__erase_cmd){
      .cr = F4_CR_SER | snb << F4_CR_SNB_SHIFT | ctl->cr_psize,
      .ar = sector->addr,
      .bank = 0,
  };
}

/* MER erases bank 1, MER1 bank 2; both in one go (RM0090 section 3.5.3). */
static unsigned f4_mass_erase_cmds(swdf__erase_cmd *out, const swdf__flash_ctl *ctl,
                                   const swdf_flash_layout *layout) {
  uint32_t cr = F4_CR_MER | ctl->cr_psize;
  if (layout->bank_count > 1) {
    cr |= F4_CR_MER1;
  }
  out[0] = (swdf__erase_cmd){.cr = cr, .ar = layout->base, .bank = 0};
  return 1;
}

/*
 * Option bytes. STM32F4 option bytes (RM0090 §3.6.2 "Programming user option bytes",
 * §3.9.10-3.9.11; RM0368/RM0383/RM0390 §3.6): unlock OPTCR with the two
 * OPTKEYR keys, write OPTCR1 (dual-bank parts) and the new OPTCR value, set
 * OPTSTRT, wait for BSY, lock again. There is no option erase step: the
 * OPTCR write programs the whole option word. Going from read protection
 * level 1 to 0 makes the chip mass-erase the flash first, so BSY then stays
 * set for the mass-erase time. The options load at the next reset.
 */
static swdf_err f4_unlock(swdf_target *t, uint32_t regs) {
  const swdf__key_lock options = {"FLASH_OPTCR", regs + F4_OPTCR, F4_OPTCR_OPTLOCK, 0,
                                  regs + F4_OPTKEYR, SWDF_OPT_KEY1, SWDF_OPT_KEY2};
  swdf_err err = swdf__unlock_with_keys(t, &options);
  if (err != SWDF_OK) {
    return err;
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
  uint64_t regression_us = 0;
  swdf__flash_ctl ctl;
  if (erases && f4_describe(&ctl, t) == SWDF_OK) {
    regression_us = swdf__opt_regression_typ_us(&ctl, t); /* RM0090 section 3.7.3 */
  }
  if (err == SWDF_OK) {
    err = swdf__opt_wait(&sr, t, regs + F4_SR, "FLASH_SR", F4_SR_BSY,
                         swdf__opt_deadline_us(t, op_us, erases), regression_us);
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

/*
 * Boot rules (RM0090 section 2.4, AN2606 "STM32F40xxx/41xxx" and following):
 * the BOOT0 and BOOT1 (PB2) pins decide at every reset; no option byte
 * overrides them. BOOT0 low starts the flash, BOOT0 high with BOOT1 low the
 * ROM bootloader. Every F4 but the F410 (device 0x458, no USB) offers USB
 * DFU there; it detects the crystal with the HSI and gives up on one it
 * cannot use, and a serial or CAN interface that sees activity first wins.
 */
enum { F4_DEV_F410 = 0x458 };

static bool f4_rom_has_dfu(const swdf_chip *chip) { return chip->dev_id != F4_DEV_F410; }

static swdf_err f4_boot_config(swdf_boot_config *out, const swdf_options *o,
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

static const swdf__boot_rules f4_boot = {
    .rom_has_dfu = f4_rom_has_dfu,
    .dfu_needs = "The ROM DFU bootloader needs the board's crystal (HSE) to be a whole number of "
                 "MHz between 4 and 26, a USB data cable, and nothing else driving its serial/CAN "
                 "pins while it starts.",
    .config = f4_boot_config,
};

const swdf__family swdf__family_f4 = {
    .driver = "stm32f4",
    .title = "STM32F4",
    .core = SWDF__CORE_V7M,
    .reset_clock_hz = 16000000, /* HSI (RM0090 section 6.2.2) */
    .describe = f4_describe,
    .prepare = f4_prepare,
    .finish = f4_finish,
    .boost = f4_boost,
    .unboost = f4_unboost,
    .erase_cmd = f4_erase_cmd,
    .mass_erase_cmds = f4_mass_erase_cmds,
    .opt_write = f4_write,
    .opt_reload = swdf__opt_reload_by_reset,
    .boot = &f4_boot,
};
