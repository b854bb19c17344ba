/*
 * The F1-style flash controller (FPEC) of the STM32F0, STM32F1 and STM32F3:
 * PM0075 sections 2.3 and 3 (F1), RM0091 section 3 (F0), RM0316 section 4
 * (F3); and the clone parts that copy it (GD32F1/F3, CKS32, APM32). The
 * three families share the registers, the half-word programming, the page
 * erase and the option-byte sequence; what differs is data (the core and
 * its loader, the datasheet times, the clock boost, the boot rules) and
 * how new options load: at the next system reset on the F1, at OBL_LAUNCH
 * (or power-on) on the F0 and F3 (RM0091 section 4, RM0316 section 4.4.2).
 * Bank 2 of F1 XL-density parts has its own register block at +0x40
 * (PM0075 section 3, KEYR2/SR2/CR2/AR2). Clone differences are
 * chip-database quirks, handled by every path: the loader always waits for
 * BSY after each half-word (APM32 loses data otherwise) and waits a little
 * before polling BSY after STRT.
 */
#include <stdio.h>

#include "family.h"
#include "swdflash/options.h"

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
  F1_CR_OBL_LAUNCH = 1u << 13, /* F0/F3 only (RM0091 section 3.5.5) */
};

/* What differs between the families of this controller, as data. */
typedef struct fpec_variant {
  uint32_t program_typ_ns; /* datasheet typical 16-bit programming time */
  /* The clock boost from the reset setup (HSI, PLL off): RCC_CFGR bits for
   * PLL from HSI/2 and the bus prescalers, FLASH_ACR, and the result. */
  uint32_t boost_cfgr, boost_acr, boost_hz;
} fpec_variant;

/*
 * F1: DS5319 table 28 / DS5792: t_prog 52.5 us typical, 70 us maximum; page
 * and mass erase 20-40 ms. Boost to 64 MHz: PLL from HSI/2 times 16, two
 * flash wait states above 48 MHz, APB1 halved to stay within 36 MHz (RM0008
 * sections 3.3.3, 7.2, 7.3.2).
 */
static const fpec_variant f1_variant = {
    .program_typ_ns = 52500,
    .boost_cfgr = (4u << 8) | (14u << 18), /* PPRE1 /2, PLLMUL x16, PLLSRC HSI/2 */
    .boost_acr = 2u | (1u << 4),           /* LATENCY 2, PRFTBE */
    .boost_hz = 64000000,
};

/*
 * F0: DS9826 (STM32F072x8/xB) section 6.3.10, flash memory characteristics:
 * t_prog 53.5 us typical (60 us maximum), page and mass erase 20-40 ms. The
 * timing model's row for "F1" gives 52.5 us; the F0 datasheet's figure is
 * used here. Boost to 48 MHz, the F0 maximum: PLL from HSI/2 times 12, one
 * wait state above 24 MHz, APB undivided (RM0091 sections 3.5.1, 6.2.4,
 * 6.4.2).
 */
static const fpec_variant f0_variant = {
    .program_typ_ns = 53500,
    .boost_cfgr = 10u << 18, /* PLLMUL x12, PLLSRC HSI/2, PPRE /1 */
    .boost_acr = 1u | (1u << 4),
    .boost_hz = 48000000,
};

/*
 * F3: DS9118 (STM32F303xB/C) and DS9896 (F303xD/E), flash memory
 * characteristics: t_prog 53.5 us typical, page and mass erase 20-40 ms.
 * Boost to 64 MHz as on the F1 (the F3 runs up to 72 MHz; APB1 at most
 * 36 MHz; two wait states above 48 MHz: RM0316 sections 4.5.1, 9.2).
 */
static const fpec_variant f3_variant = {
    .program_typ_ns = 53500,
    .boost_cfgr = (4u << 8) | (14u << 18),
    .boost_acr = 2u | (1u << 4),
    .boost_hz = 64000000,
};

static const swdf__flash_error_bit f1_errors[] = {
    {F1_SR_WRPRTERR, "WRPRTERR", "the page is write protected (option bytes WRP)",
     SWDF_ERR_WRITE_PROTECTED},
    {F1_SR_PGERR, "PGERR", "the half-word was not erased before programming", SWDF_ERR_FLASH},
};

/* Page and mass erase: the maximum serves as the typical value, as in the
 * timing model; the maxima come from the chip database. */
static swdf_err fpec_describe(swdf__flash_ctl *ctl, swdf_target *t, const fpec_variant *v) {
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
      .program_typ_ns = v->program_typ_ns,
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

static swdf_err f0_describe(swdf__flash_ctl *ctl, swdf_target *t) {
  return fpec_describe(ctl, t, &f0_variant);
}
static swdf_err f1_describe(swdf__flash_ctl *ctl, swdf_target *t) {
  return fpec_describe(ctl, t, &f1_variant);
}
static swdf_err f3_describe(swdf__flash_ctl *ctl, swdf_target *t) {
  return fpec_describe(ctl, t, &f3_variant);
}

/*
 * From the reset setup (SYSCLK = HSI, PLL off) to the variant's PLL clock.
 * RCC_CR and RCC_CFGR are at the same place with the same PLL, switch and
 * prescaler fields on the F0, F1 and F3 (RM0091 section 6.4, RM0008 section
 * 7.3, RM0316 section 9.4). The flash controller times its operations with
 * the HSI, which stays on.
 */
enum {
  F1_RCC_CR = 0x40021000,
  F1_RCC_CFGR = 0x40021004,
  F1_ACR = 0x00,
  F1_RCC_CR_HSIRDY = 1u << 1,
  F1_RCC_CR_PLLON = 1u << 24,
  F1_CFGR_SWS = 3u << 2,
  /* HPRE, PPRE1/PPRE, PPRE2, PLLSRC (bits 16:15 on the F04x/F07x/F09x and
   * F303xD/E; ADCPRE[1] on the F1, put back by the restore), PLLXTPRE, PLLMUL */
  F1_CFGR_CLEAR = (0xfu << 4) | (7u << 8) | (7u << 11) | (3u << 15) | (1u << 17) | (0xfu << 18),
};

static swdf_err fpec_boost(swdf_target *t, swdf__clock_saved *saved, uint32_t *hz,
                           const fpec_variant *v) {
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
  err = swdf__write32(t, acr_addr, (saved->flash_acr & ~0x17u) | v->boost_acr);
  if (err == SWDF_OK) {
    err = swdf__write32(t, F1_RCC_CFGR, (saved->rcc_cfgr & ~F1_CFGR_CLEAR) | v->boost_cfgr);
  }
  if (err == SWDF_OK) {
    err = swdf__clock_switch_to_pll(t, F1_RCC_CR, F1_RCC_CFGR, 2);
  }
  if (err == SWDF_OK) {
    *hz = v->boost_hz;
  }
  return err;
}

static swdf_err f0_boost(swdf_target *t, swdf__clock_saved *saved, uint32_t *hz) {
  return fpec_boost(t, saved, hz, &f0_variant);
}
static swdf_err f1_boost(swdf_target *t, swdf__clock_saved *saved, uint32_t *hz) {
  return fpec_boost(t, saved, hz, &f1_variant);
}
static swdf_err f3_boost(swdf_target *t, swdf__clock_saved *saved, uint32_t *hz) {
  return fpec_boost(t, saved, hz, &f3_variant);
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
/* Wait for BSY to clear, then check the error bits of the step `what`.
 * `erase_typ_us` not 0: the step mass-erases the flash, with progress. */
static swdf_err f1_wait(swdf_target *t, uint32_t regs, uint64_t timeout_us, uint64_t erase_typ_us,
                        const char *what) {
  swdf_ctx *ctx = swdf__target_ctx(t);
  uint32_t sr = 0;
  swdf_err err = swdf__opt_wait(&sr, t, regs + F1_SR, "FLASH_SR", F1_SR_BSY, timeout_us,
                                erase_typ_us);
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

/* The FPEC first (KEYR clears LOCK), then option writes (OPTKEYR with the
 * same keys sets OPTWRE; PM0075 §2.3.1, §2.5). */
static swdf_err f1_unlock(swdf_target *t, uint32_t regs) {
  const swdf__key_lock fpec = {"FLASH_CR", regs + F1_CR, F1_CR_LOCK, 0, regs + F1_KEYR,
                               SWDF_FLASH_KEY1, SWDF_FLASH_KEY2};
  const swdf__key_lock options = {"FLASH_CR (OPTWRE)", regs + F1_CR, F1_CR_LOCK, F1_CR_OPTWRE,
                                  regs + F1_OPTKEYR, SWDF_FLASH_KEY1, SWDF_FLASH_KEY2};
  swdf_err err = swdf__unlock_with_keys(t, &fpec);
  if (err == SWDF_OK) {
    err = swdf__unlock_with_keys(t, &options);
  }
  return err != SWDF_OK ? err
                        : swdf__write32(t, regs + F1_SR, F1_SR_PGERR | F1_SR_WRPRTERR | F1_SR_EOP);
}

static swdf_err f1_program(swdf_target *t, uint32_t regs, const swdf_optd *d,
                           const uint32_t *words, bool erases) {
  const swdf_chip *chip = swdf__target_chip(t);
  uint32_t erase_us = (chip->erase_time_ms != 0 ? chip->erase_time_ms : 40u) * 1000u;
  uint32_t program_us = chip->program_time_us != 0 ? chip->program_time_us : 70u;
  uint64_t regression_us = 0;
  swdf__flash_ctl ctl;
  if (erases && f1_describe(&ctl, t) == SWDF_OK) {
    regression_us = swdf__opt_regression_typ_us(&ctl, t);
  }
  bool erased = false;
  swdf_err err = swdf__write32(t, regs + F1_CR, F1_CR_OPTER | F1_CR_OPTWRE);
  if (err == SWDF_OK) {
    err = swdf__write32(t, regs + F1_CR, F1_CR_OPTER | F1_CR_OPTWRE | F1_CR_STRT);
  }
  if (err == SWDF_OK) {
    err = f1_wait(t, regs, swdf__opt_deadline_us(t, erase_us, erases), 0,
                  "erasing the option bytes");
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
      /* The RDP half-word goes first; writing 0xA5 over level 1 mass-erases
       * the flash before it takes (PM0075 section 2.4.1). */
      err = f1_wait(t, regs, swdf__opt_deadline_us(t, program_us, erases),
                    erases && !erased ? regression_us : 0, what);
      erased = true;
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

/*
 * F0 and F3: new options load at power-on or when OBL_LAUNCH is set, which
 * resets the chip; the write that sets it may go unanswered and the debug
 * port has to be entered again (RM0091 sections 3.5.5 and 4, RM0316 section
 * 4.5.5). FLASH_CR takes OBL_LAUNCH even while locked (RM0091 section
 * 3.2.2). The core is left halted so that no firmware runs before the
 * options are read back.
 */
static swdf_err f0_opt_reload(swdf_target *t) {
  swdf_ctx *ctx = swdf__target_ctx(t);
  uint32_t cr_addr = swdf__target_chip(t)->flash_regs + F1_CR;
  swdf_saved_error saved;
  swdf__save_error(&saved, ctx);
  (void)swdf__write32(t, cr_addr, F1_CR_LOCK | F1_CR_OBL_LAUNCH); /* the chip resets under it */
  swdf__restore_error(ctx, &saved);
  swdf_err err = swdf__target_reattach(t, true);
  if (err != SWDF_OK) {
    swdf__prefix_error(ctx, "reconnecting after loading the new option bytes (OBL_LAUNCH)");
  }
  return err;
}

/* The value of option field `name`, or `missing` when the part has none. */
static int opt_field(const swdf_options *o, const char *name, int missing) {
  int i = swdf_options_find(o, name);
  swdf_opt_field f = SWDF_OPT_FIELD_INIT;
  if (i < 0 || swdf_options_field(&f, o, (size_t)i) != SWDF_OK) {
    return missing;
  }
  return (int)f.raw;
}

/*
 * F0 and F3 boot rules (RM0091 section 2.5 table 3, RM0316 section 3.5):
 * the BOOT0 pin chooses, and the nBOOT1 option (not a pin as on the F1)
 * says what BOOT0 high starts: the ROM bootloader (1) or the SRAM (0). The
 * F04x and F09x add BOOT_SEL: with BOOT_SEL=0 the pin is ignored and the
 * nBOOT0 option bit takes its place; these two also start the ROM
 * bootloader instead of the flash while the first flash word read erased at
 * the last option load (the empty check). The traps: nBOOT1=0 (BOOT0 high
 * starts the SRAM, so the ROM bootloader is out of reach) and BOOT_SEL=0
 * (the pin does nothing).
 */
enum { F0_DEV_F04X = 0x445, F0_DEV_F07X = 0x448, F0_DEV_F09X = 0x442 };

static bool f0_has_empty_check(const swdf_chip *chip) {
  return chip->dev_id == F0_DEV_F04X || chip->dev_id == F0_DEV_F09X;
}

static swdf_err f0_boot_config(swdf_boot_config *out, const swdf_options *o,
                               const swdf_chip *chip) {
  const uint32_t flash = chip->flash_base, sram = 0x20000000u;
  bool boot1_rom = opt_field(o, "nboot1", 1) != 0;
  bool pin = opt_field(o, "boot_sel", 1) != 0; /* the parts without BOOT_SEL: the pin */
  bool boot0_flash = opt_field(o, "nboot0", 1) != 0;
  bool empty = f0_has_empty_check(chip);
  uint32_t high = boot1_rom ? chip->sysmem_base : sram;
  const char *high_name = boot1_rom ? "the ROM bootloader" : "the SRAM (nBOOT1=0)";
  out->empty_check = empty ? 1 : -1;
  if (pin) {
    out->pin_honoured = 1;
    out->boot_pin_low = flash;
    out->boot_pin_high = high;
    out->rom_reachable = boot1_rom || empty;
    snprintf(out->explain, sizeof(out->explain),
             "The BOOT0 pin decides at reset: low starts the program in flash at 0x%08X%s, high "
             "starts %s.",
             (unsigned)flash, empty ? " (or the ROM bootloader while the flash is empty)" : "",
             high_name);
  } else if (boot0_flash) {
    out->pin_honoured = 0;
    out->boot_pin_low = out->boot_pin_high = flash;
    out->rom_reachable = 1; /* through the empty check */
    snprintf(out->explain, sizeof(out->explain),
             "The BOOT0 pin is ignored because BOOT_SEL=0 and nBOOT0=1: every reset starts the "
             "program in flash, and the ROM bootloader only while the flash is empty (the empty "
             "check, made at power-on); set boot_sel=pin to use the pin again.");
    swdf__boot_add_repair(out, "boot_sel", "pin",
               "lets BOOT0 held high during reset start the ROM bootloader again", 0);
  } else {
    out->pin_honoured = 0;
    out->boot_pin_low = out->boot_pin_high = high;
    out->rom_reachable = boot1_rom;
    out->empty_check = 0;
    snprintf(out->explain, sizeof(out->explain),
             "The BOOT0 pin is ignored because BOOT_SEL=0, and nBOOT0=0 makes every reset start "
             "%s, never the program in flash.",
             high_name);
    swdf__boot_add_repair(out, "boot_sel", "pin",
               "hands the choice back to the BOOT0 pin, so that BOOT0 low starts the program in "
               "flash",
               1);
  }
  if (!boot1_rom) {
    swdf__boot_add_repair(out, "nboot1", "system",
               "makes a start from outside the flash run the ROM bootloader, not the SRAM", 0);
  }
  return SWDF_OK;
}

/* AN2606: USB DFU in the ROM bootloader of the F04x and F07x only. */
static bool f0_rom_has_dfu(const swdf_chip *chip) {
  return chip->dev_id == F0_DEV_F04X || chip->dev_id == F0_DEV_F07X;
}

/*
 * After a write on the F04x/F09x: the empty check is latched at the option
 * load only, so a chip that was erased keeps starting the ROM bootloader at
 * every system reset after its first program was written (RM0091 section
 * 2.5; the F09x until a power cycle). When the first flash word now holds a
 * program, reload the options (OBL_LAUNCH), so that the next reset starts
 * it. There is no register that shows the latched flag.
 */
static swdf_err f0_after_write(swdf_target *t, char *note, size_t note_len) {
  const swdf_chip *chip = swdf__target_chip(t);
  note[0] = '\0';
  if (!f0_has_empty_check(chip)) {
    return SWDF_OK;
  }
  uint32_t first = 0;
  swdf_err err = swdf__read32(&first, t, chip->flash_base);
  if (err != SWDF_OK || first == 0xFFFFFFFFu) {
    return err;
  }
  err = f0_opt_reload(t);
  if (err == SWDF_OK) {
    snprintf(note, note_len,
             "Reloaded the option bytes (OBL_LAUNCH) so that the empty check sees the new "
             "program: the next reset starts it, not the ROM bootloader.");
  }
  return err;
}

static const swdf__boot_rules f0_boot = {
    .rom_has_dfu = f0_rom_has_dfu,
    .dfu_needs = "The ROM DFU bootloader of the F04x/F07x needs only a USB data cable on "
                 "PA11/PA12: it clocks USB from the internal 48 MHz oscillator (HSI48 with "
                 "CRS), so no crystal is needed.",
    .config = f0_boot_config,
};

/*
 * F3 (RM0316 section 3.5, AN2606 "STM32F302xB/C/D/E, F303xB/C/D/E"): BOOT0
 * pin and the nBOOT1 option as on the F0 without BOOT_SEL. USB DFU in ROM
 * on the F302/F303 xB/xC and xD/xE (devices 0x422 and 0x446), with an HSE
 * crystal of 8 MHz (USB needs the PLL at 48 or 72 MHz from it).
 */
static bool f3_rom_has_dfu(const swdf_chip *chip) {
  return chip->dev_id == 0x422 || chip->dev_id == 0x446;
}

static const swdf__boot_rules f3_boot = {
    .rom_has_dfu = f3_rom_has_dfu,
    .dfu_needs = "The ROM DFU bootloader of the F302/F303 needs the board's crystal (HSE) at "
                 "8 MHz, a USB data cable on PA11/PA12 and a 1.5 kOhm pull-up on PA12 on the "
                 "board (the F3 has none inside).",
    .config = f0_boot_config,
};

const swdf__family swdf__family_f0 = {
    .driver = "stm32f0",
    .title = "STM32F0",
    .core = SWDF__CORE_V6M,
    .reset_clock_hz = 8000000, /* HSI (RM0091 section 6.2.2) */
    .describe = f0_describe,
    .boost = f0_boost,
    .unboost = f1_unboost,
    .erase_cmd = f1_erase_cmd,
    .mass_erase_cmds = f1_mass_erase_cmds,
    .opt_write = f1_write,
    .after_write = f0_after_write,
    .opt_reload = f0_opt_reload,
    .boot = &f0_boot,
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

const swdf__family swdf__family_f3 = {
    .driver = "stm32f3",
    .title = "STM32F3",
    .core = SWDF__CORE_V7M,
    .reset_clock_hz = 8000000, /* HSI (RM0316 section 9.2.2) */
    .describe = f3_describe,
    .boost = f3_boost,
    .unboost = f1_unboost,
    .erase_cmd = f1_erase_cmd,
    .mass_erase_cmds = f1_mass_erase_cmds,
    .opt_write = f1_write,
    .opt_reload = f0_opt_reload,
    .boot = &f3_boot,
};
