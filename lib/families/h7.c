/*
 * STM32H7 flash controller: H742/H743/H750/H753 (RM0433 section 4,
 * "Embedded flash memory (FLASH)") and H723/H725/H730/H733/H735 (RM0468
 * section 4). Register and bit positions as in ST's device headers
 * stm32h743xx.h and stm32h723xx.h. (The H7A3/H7B3 controller differs:
 * 128-bit words, other CR bits; it has its own driver name.)
 *
 * What makes this controller different from the F-series ones:
 *  - Each bank has its own KEYR, CR, SR and CCR at +0x100 (RM0433 section
 *    4.9); sectors are numbered 0-7 within their bank (SNB), and both banks
 *    erase and program at the same time, each on its own.
 *  - SR is read only: error flags are cleared by writing 1s to CCR.
 *  - The flash is programmed in 256-bit flash words with ECC (section
 *    4.3.9): 32-bit stores collect in a write buffer; when all 32 bytes of
 *    one word are in, the word is queued (QW) and programmed. A store to a
 *    second word before the first is complete is an INCERR, a byte stored
 *    twice a STRBERR. FW forces out a partly filled word (its other bytes
 *    stay erased): used only where no padding is possible.
 *  - There is no "not erased" error: a word programmed twice keeps old AND
 *    new data and its ECC no longer matches, so the next read of it raises
 *    SNECCERR (one bit off, corrected) or DBECCERR (a bus error). The
 *    engine only ever programs words it knows are erased.
 *  - The program/erase parallelism PSIZE (x8 ... x64) sets how many bits
 *    switch at once and so the time: x64 programs a word in 100 us and
 *    erases a 128 KiB sector in 1 s, x8 takes 290 us and 2 s (DS12110,
 *    "Flash memory characteristics"). It must suit the supply, see
 *    h7_widths below.
 *  - The Cortex-M7 has an instruction and a data cache (Arm DDI 0489
 *    section 5, ARMv7-M ARM B2.2.7): stale lines of the flash would hide
 *    the new contents from the loader's checks, and stale lines of the RAM
 *    the loader runs in would run old code. h7_prepare turns both off for
 *    the job.
 *  - IWDG1 lives at 0x58004800 (RM0433 section 2.3.2): the loader feeds it
 *    between slots. DBGMCU_APB4FZ1 (chip database debug_set) freezes it only
 *    while the core is halted, not while the loader runs.
 *  - Option bytes are registers (*_CUR to read, *_PRG to write) and take
 *    effect at the end of OPTSTART, without a reset (section 4.4).
 *  - The boot address is not chosen by boot pins and bits as on the F-series
 *    but by two option fields: BOOT0 low starts at BOOT_ADD0 << 16, high at
 *    BOOT_ADD1 << 16 (RM0433 section 2.6, RM0468 section 2.6).
 */
#include <stdio.h>
#include <string.h>

#include "family.h"

#include <swdflash/options.h>

/* ---- register map (RM0433 section 4.9; bank 2 at +0x100) ---------------- */

enum {
  H7_ACR = 0x00,
  H7_KEYR = 0x04,
  H7_OPTKEYR = 0x08,
  H7_CR = 0x0c,
  H7_SR = 0x10,
  H7_CCR = 0x14,
  H7_OPTCR = 0x18,
  H7_OPTSR_CUR = 0x1c,
  H7_OPTSR_PRG = 0x20,
  H7_OPTCCR = 0x24,
  H7_WPSN_CUR = 0x38,
  H7_BANK2 = 0x100,

  H7_CR_LOCK = 1u << 0,
  H7_CR_PG = 1u << 1,
  H7_CR_SER = 1u << 2,
  H7_CR_BER = 1u << 3,
  H7_CR_PSIZE_SHIFT = 4,
  H7_CR_FW = 1u << 6,
  H7_CR_START = 1u << 7,
  H7_CR_SNB_SHIFT = 8,

  H7_SR_BSY = 1u << 0,
  H7_SR_QW = 1u << 2,
  H7_SR_EOP = 1u << 16,
  H7_SR_WRPERR = 1u << 17,
  H7_SR_PGSERR = 1u << 18,
  H7_SR_STRBERR = 1u << 19,
  H7_SR_INCERR = 1u << 21,
  H7_SR_OPERR = 1u << 22,
  H7_SR_RDPERR = 1u << 23,
  H7_SR_RDSERR = 1u << 24,
  H7_SR_SNECCERR = 1u << 25,
  H7_SR_DBECCERR = 1u << 26,
  H7_SR_CRCEND = 1u << 27,
  H7_SR_CRCRDERR = 1u << 28,
  H7_SR_FLAGS = 0x1fef0000u, /* every flag CCR clears */

  H7_OPTCR_OPTLOCK = 1u << 0,
  H7_OPTCR_OPTSTART = 1u << 1,
  H7_OPTCR_SWAP_BANK = 1u << 31, /* the swap in effect (H74x; RM0433 section 4.3.13) */
  H7_OPTSR_OPT_BUSY = 1u << 0,
  H7_OPTSR_OPTCHANGEERR = 1u << 30,
  H7_OPTCCR_CLR_OPTCHANGEERR = 1u << 30,

  H7_SECTOR_SIZE = 128 * 1024,
  H7_RESET_CLOCK_HZ = 64000000, /* HSI 64 MHz, HSIDIV 1 (RM0433 section 8.5.2) */
  H7_IWDG1_KR = 0x58004800,
};

/* ---- what each error bit means (RM0433 section 4.7) --------------------- */

static const swdf__flash_error_bit h7_errors[] = {
    {H7_SR_WRPERR, "WRPERR",
     "the sector is write protected (option bytes WPSN), lies in a PCROP or secure-only area, "
     "or read protection keeps the debugger out",
     SWDF_ERR_WRITE_PROTECTED},
    {H7_SR_PGSERR, "PGSERR",
     "sequence error: data stored without PG, an erase started with data waiting in the write "
     "buffer, or two erase requests at once",
     SWDF_ERR_FLASH},
    {H7_SR_STRBERR, "STRBERR", "strobe error: a byte of the 256-bit write buffer was written twice",
     SWDF_ERR_FLASH},
    {H7_SR_INCERR, "INCERR",
     "inconsistency error: a store to a second flash word before the first was complete",
     SWDF_ERR_FLASH},
    {H7_SR_OPERR, "OPERR", "the operation failed (supply or ECC fault during program or erase)",
     SWDF_ERR_FLASH},
    {H7_SR_RDPERR, "RDPERR", "a read of a PCROP (execute-only) area", SWDF_ERR_READ_PROTECTED},
    {H7_SR_RDSERR, "RDSERR", "a read of a secure-only area", SWDF_ERR_READ_PROTECTED},
    {H7_SR_SNECCERR, "SNECCERR",
     "a flash word reads with one bit corrected by its ECC: it was programmed twice without an "
     "erase; erase its sector",
     SWDF_ERR_FLASH},
    {H7_SR_DBECCERR, "DBECCERR",
     "a flash word fails its ECC check (two or more bits wrong): it was programmed twice without "
     "an erase, or a write was cut off; erase its sector",
     SWDF_ERR_FLASH},
    {H7_SR_CRCRDERR, "CRCRDERR", "the flash CRC unit read a protected area", SWDF_ERR_FLASH},
};

/* The errors that end a program or erase operation (the read-side flags
 * belong to whoever read the array). */
#define H7_SR_OP_ERRORS (H7_SR_WRPERR | H7_SR_PGSERR | H7_SR_STRBERR | H7_SR_INCERR | H7_SR_OPERR)

/* ---- program width from the supply (PSIZE) ------------------------------ */

/*
 * One row per parallelism, widest first: the lowest supply it is used at,
 * and its times (DS12110 "Flash memory characteristics": 256-bit word
 * 100/130/180/290 us typical, twice that at most; 128 KiB sector 1/1.1/1.8/
 * 2 s typical, twice that at most). RM0433 leaves PSIZE to the application
 * and ST's HAL names the four widths after supply ranges
 * (FLASH_VOLTAGE_RANGE_1..4); the ranges are those the same field has on the
 * F7 (RM0385 section 3.3.2, table 7): x8 from 1.7 V, x16 from 2.1 V, x32 and
 * x64 from 2.7 V. The H7 needs no VPP for x64, so from 2.7 V x64 is used.
 */
static const struct h7_width {
  uint32_t psize;
  uint32_t bits;
  uint32_t min_mv;
  uint32_t word_typ_us;
  uint32_t sector_typ_ms;
} h7_widths[] = {
    {3, 64, 2700, 100, 1000},
    {1, 16, 2100, 180, 1800},
    {0, 8, 0, 290, 2000},
};

/* Unknown supply (a probe that cannot measure it): x16, safe from 2.1 V. */
static const struct h7_width *choose_width(uint32_t mv) {
  if (mv == 0) {
    return &h7_widths[1];
  }
  for (size_t i = 0; i < SWDF_ARRAY_LEN(h7_widths); i++) {
    if (mv >= h7_widths[i].min_mv) {
      return &h7_widths[i];
    }
  }
  return &h7_widths[SWDF_ARRAY_LEN(h7_widths) - 1];
}

/* ---- describe ----------------------------------------------------------- */

static swdf_err h7_describe(swdf__flash_ctl *ctl, swdf_target *t) {
  const swdf_chip *chip = swdf__target_chip(t);
  const swdf_flash_layout *layout = swdf__target_flash_layout(t);
  uint32_t mv = 0;
  if (swdf__target_voltage(&mv, t) != SWDF_OK) {
    mv = 0;
  }
  uint32_t optcr = 0;
  swdf_err err = swdf__read32(&optcr, t, chip->flash_regs + H7_OPTCR);
  if (err != SWDF_OK) {
    return err;
  }
  if ((optcr & H7_OPTCR_SWAP_BANK) != 0 && layout->bank_count > 1) {
    return swdf__fail(swdf__target_ctx(t), SWDF_ERR_UNSUPPORTED,
                      "swap them back first: swdflash options set swap_bank_opt=normal",
                      "%s: the flash banks are swapped (SWAP_BANK): bank 2 answers at 0x%08X",
                      chip->name, chip->flash_base);
  }
  const struct h7_width *w = choose_width(mv);
  uint32_t psize = w->psize << H7_CR_PSIZE_SHIFT;
  uint32_t bank_sectors = 1;
  for (unsigned b = 0; b < layout->bank_count && b < 2; b++) {
    uint32_t n = (layout->banks[b].size + H7_SECTOR_SIZE - 1) / H7_SECTOR_SIZE;
    bank_sectors = n > bank_sectors ? n : bank_sectors;
  }
  uint32_t sector_us = w->sector_typ_ms * 1000u;
  *ctl = (swdf__flash_ctl){
      .regs = {chip->flash_regs,
               layout->bank_count > 1 ? chip->flash_regs + H7_BANK2 : chip->flash_regs},
      .keyr = H7_KEYR,
      .sr = H7_SR,
      .cr = H7_CR,
      .ar = 0,
      .ccr = H7_CCR,
      .sr_busy = H7_SR_BSY | H7_SR_QW,
      .sr_wait = H7_SR_BSY | H7_SR_QW,
      .sr_errors = H7_SR_OP_ERRORS,
      .sr_clear = H7_SR_FLAGS,
      .cr_lock = H7_CR_LOCK,
      .cr_start = H7_CR_START,
      .cr_program = H7_CR_PG | psize,
      .cr_psize = psize,
      .cr_force = H7_CR_FW,
      .unit = 32,
      .access = 4,
      .iwdg_kr = H7_IWDG1_KR,
      /* ram_base/ram_size stay 0: the chip's RAM, the DTCM at 0x20000000.
       * The debugger reaches it (through the M7's AHBS port) and no cache
       * ever holds TCM contents. (The larger AXI SRAM would let the ring
       * hold a whole 128 KiB sector, but writes over about 128 KiB then
       * stalled in the simulator; not resolved.) */
      .program_typ_ns = w->word_typ_us * 1000u,
      .program_max_us = chip->program_time_us != 0 ? chip->program_time_us : 2u * w->word_typ_us,
      .erase = {{H7_SECTOR_SIZE, sector_us, 2u * sector_us}},
      /* A bank erase is the erase of all its sectors; the banks erase side
       * by side, so this is also the time of a mass erase. */
      .mass_erase_typ_us = bank_sectors * sector_us,
      .mass_erase_max_us = 2u * bank_sectors * sector_us,
      .error_bits = h7_errors,
      .error_bit_count = SWDF_ARRAY_LEN(h7_errors),
  };
  /* WPSN_CURx: one bit per sector of the bank, 0 = protected (section 4.9.14). */
  for (unsigned b = 0; b < layout->bank_count && b < 2; b++) {
    uint32_t n = layout->banks[b].size / H7_SECTOR_SIZE;
    uint32_t bits = n >= 8 ? 0xffu : (1u << n) - 1u;
    ctl->wrp[b].addr = ctl->regs[b] + H7_WPSN_CUR;
    ctl->wrp[b].mask = bits;
    ctl->wrp[b].want = bits;
  }
  if (mv == 0) {
    snprintf(ctl->width_note, sizeof(ctl->width_note),
             "target voltage unknown: programming x16 (safe from 2.1 V)");
  } else {
    snprintf(ctl->width_note, sizeof(ctl->width_note), "target at %u.%02u V: programming x%u",
             (unsigned)(mv / 1000), (unsigned)(mv % 1000 / 10), (unsigned)w->bits);
  }
  return SWDF_OK;
}

/* ---- around a flash job: the Cortex-M7 caches --------------------------- */

/* System control block (ARMv7-M ARM B3.2.2, B4.8; Cortex-M7 TRM 4.1). */
enum {
  SCB_CCR = 0xe000ed14,
  SCB_CCR_DC = 1u << 16,
  SCB_CCR_IC = 1u << 17,
  SCB_CCSIDR = 0xe000ed80,
  SCB_CSSELR = 0xe000ed84,
  SCB_ICIALLU = 0xe000ef50,
  SCB_DCCISW = 0xe000ef74,
};

/* Clean and invalidate the whole level-1 data cache by set and way (ARMv7-M
 * ARM B2.2.7): dirty RAM lines of the firmware reach memory, and no line of
 * the flash survives the job. 4 ways x 128 sets on the H7's 16 KiB cache. */
static swdf_err dcache_clean_invalidate(swdf_target *t) {
  uint32_t ccsidr = 0;
  swdf_err err = swdf__write32(t, SCB_CSSELR, 0);
  if (err == SWDF_OK) {
    err = swdf__read32(&ccsidr, t, SCB_CCSIDR);
  }
  uint32_t sets = ((ccsidr >> 13) & 0x7fffu) + 1u;
  uint32_t ways = ((ccsidr >> 3) & 0x3ffu) + 1u;
  uint32_t line_shift = (ccsidr & 7u) + 4u;
  uint32_t way_shift = 32;
  while (way_shift > 0 && (1u << (32 - way_shift)) < ways) {
    way_shift--;
  }
  for (uint32_t way = 0; way < ways && err == SWDF_OK; way++) {
    uint32_t way_bits = way_shift < 32 ? way << way_shift : 0;
    for (uint32_t set = 0; set < sets && err == SWDF_OK; set++) {
      err = swdf__write32(t, SCB_DCCISW, way_bits | set << line_shift);
    }
  }
  return err;
}

/* Caches off for the job (the core is halted, so nothing allocates behind
 * our back): the loader then reads the flash and its own RAM as they are. */
static swdf_err h7_prepare(swdf_target *t, uint32_t *saved) {
  uint32_t ccr = 0;
  swdf_err err = swdf__read32(&ccr, t, SCB_CCR);
  if (err != SWDF_OK) {
    return err;
  }
  *saved = ccr;
  if ((ccr & (SCB_CCR_DC | SCB_CCR_IC)) == 0) {
    return SWDF_OK; /* the reset state: nothing cached */
  }
  err = swdf__write32(t, SCB_CCR, ccr & ~(SCB_CCR_DC | SCB_CCR_IC));
  if (err == SWDF_OK && (ccr & SCB_CCR_DC) != 0) {
    err = dcache_clean_invalidate(t);
  }
  if (err == SWDF_OK && (ccr & SCB_CCR_IC) != 0) {
    err = swdf__write32(t, SCB_ICIALLU, 0);
  }
  return err;
}

/* Caches back as the firmware had them, emptied of the old flash contents
 * (nothing was allocated while they were off; the I-cache is invalidated
 * once more for the code the job replaced). */
static swdf_err h7_finish(swdf_target *t, uint32_t saved) {
  if ((saved & (SCB_CCR_DC | SCB_CCR_IC)) == 0) {
    return SWDF_OK;
  }
  swdf_err err = SWDF_OK;
  if ((saved & SCB_CCR_IC) != 0) {
    err = swdf__write32(t, SCB_ICIALLU, 0);
  }
  if (err == SWDF_OK) {
    err = swdf__write32(t, SCB_CCR, saved);
  }
  return err;
}

/*
 * No clock boost: the core runs from the 64 MHz HSI after reset, and a
 * 256-bit word takes 100 us to program, so the loader's few hundred cycles
 * between words do not count. FLASH_ACR keeps its reset latency (7 wait
 * states, WRHIGHFREQ 3: right for any clock, RM0433 section 4.3.8), and the
 * firmware's own ACR is left alone since its clocks are too.
 */

/* ---- erase (RM0433 sections 4.3.10-4.3.11) ------------------------------ */

/* SER with the sector's number within its bank, on that bank's CR. */
static void h7_erase_cmd(swdf__erase_cmd *out, const swdf__flash_ctl *ctl,
                         const swdf_flash_sector *sector) {
  *out = (swdf__erase_cmd){
      .cr = H7_CR_SER | ctl->cr_psize | sector->index_in_bank << H7_CR_SNB_SHIFT,
      .ar = sector->addr,
      .bank = sector->bank,
  };
}

/* BER on each bank: started back to back, the two banks erase side by side
 * (OPTCR.MER does the same on the H74x, but the H72x lacks it). */
static unsigned h7_mass_erase_cmds(swdf__erase_cmd *out, const swdf__flash_ctl *ctl,
                                   const swdf_flash_layout *layout) {
  unsigned n = layout->bank_count > 1 ? 2 : 1;
  for (unsigned b = 0; b < n; b++) {
    out[b] = (swdf__erase_cmd){
        .cr = H7_CR_BER | ctl->cr_psize, .ar = layout->banks[b].base, .bank = b};
  }
  return n;
}

/* ---- option bytes (RM0433 section 4.4) ---------------------------------- */

/*
 * Sequence: unlock OPTCR with the OPTKEYR keys; write the new values into
 * the *_PRG registers; clear OPTCHANGEERR; set OPTSTART; wait for OPT_BUSY
 * to drop; OPTCHANGEERR then says the chip refused the change (RDP level 2,
 * or a PCROP/secure area shrunk without a read protection regression);
 * lock OPTCR. The new values are in effect at once (no reset, no
 * OBL_LAUNCH); BOOT_ADD0/1 are used from the next reset.
 *
 * RDP 1 -> 0 erases both banks first (each bank erase takes 8 s at x64,
 * both side by side; the datasheet's maximum is twice that): OPT_BUSY stays
 * set all that time, reported as erase progress.
 */
enum {
  H7_OPT_TYP_US = 1000000, /* the manuals give no figure: one sector erase at x64 */
  H7_OPT_MAX_US = 2000000,
};

static swdf_err h7_opt_unlock(swdf_target *t, uint32_t regs) {
  const swdf__key_lock options = {"FLASH_OPTCR", regs + H7_OPTCR, H7_OPTCR_OPTLOCK, 0,
                                  regs + H7_OPTKEYR, SWDF_OPT_KEY1, SWDF_OPT_KEY2};
  swdf_err err = swdf__unlock_with_keys(t, &options);
  if (err != SWDF_OK) {
    return err;
  }
  return swdf__poll32(NULL, t, regs + H7_OPTSR_CUR, H7_OPTSR_OPT_BUSY, 0, H7_OPT_MAX_US);
}

/* Wait for OPT_BUSY to drop, reporting erase progress when the change
 * erases the flash (the time elapsed against the expected time). */
static swdf_err h7_opt_wait(uint32_t *optsr, swdf_target *t, uint32_t regs, bool erases) {
  uint64_t typ_us = H7_OPT_TYP_US;
  swdf__flash_ctl ctl;
  if (erases && h7_describe(&ctl, t) == SWDF_OK) {
    typ_us += ctl.mass_erase_typ_us; /* the banks erase side by side */
  }
  return swdf__opt_wait(optsr, t, regs + H7_OPTSR_CUR, "FLASH_OPTSR_CUR", H7_OPTSR_OPT_BUSY,
                        swdf__opt_deadline_us(t, H7_OPT_MAX_US, erases), erases ? typ_us : 0);
}

static swdf_err h7_opt_program(swdf_target *t, uint32_t regs, const swdf_optd *d,
                               const uint32_t *words, bool erases) {
  swdf_ctx *ctx = swdf__target_ctx(t);
  swdf_err err = SWDF_OK;
  for (size_t w = 0; w < d->word_count && err == SWDF_OK; w++) {
    if (d->words[w].readonly) {
      continue;
    }
    uint32_t value = words[w];
    if (d->words[w].write_addr == regs + H7_OPTSR_PRG) {
      value &= ~(H7_OPTSR_OPT_BUSY | H7_OPTSR_OPTCHANGEERR); /* status bits of OPTSR_CUR */
    }
    err = swdf__write32(t, d->words[w].write_addr, value);
  }
  if (err == SWDF_OK) {
    err = swdf__write32(t, regs + H7_OPTCCR, H7_OPTCCR_CLR_OPTCHANGEERR);
  }
  if (err == SWDF_OK) {
    err = swdf__modify32(t, regs + H7_OPTCR, 0, H7_OPTCR_OPTSTART);
  }
  uint32_t optsr = 0;
  if (err == SWDF_OK) {
    swdf__cancel_hold(ctx, true);
    err = h7_opt_wait(&optsr, t, regs, erases);
    swdf__cancel_hold(ctx, false);
  }
  if (err != SWDF_OK) {
    swdf__prefix_error(ctx, "programming the option bytes");
    return err;
  }
  if ((optsr & H7_OPTSR_OPTCHANGEERR) != 0) {
    swdf__write32(t, regs + H7_OPTCCR, H7_OPTCCR_CLR_OPTCHANGEERR);
    return swdf__fail(ctx, SWDF_ERR_FLASH,
                      "a PCROP (execute-only) or secure-only area can only shrink together with "
                      "a read protection regression (level 1 to 0), and nothing changes at "
                      "level 2: leave those areas as they are, or remove them with 'swdflash "
                      "options set rdp=1' then 'swdflash unlock' (which erases the flash)",
                      "the chip refused the option change and kept all its options as they were "
                      "(OPTCHANGEERR in FLASH_OPTSR_CUR 0x%08X)",
                      optsr);
  }
  return SWDF_OK;
}

static swdf_err h7_opt_write(swdf_target *t, const swdf_optd *d, const uint32_t *words,
                             bool erases) {
  uint32_t regs = swdf__target_chip(t)->flash_regs;
  swdf_err err = h7_opt_unlock(t, regs);
  if (err == SWDF_OK) {
    err = h7_opt_program(t, regs, d, words, erases);
  }
  return swdf__opt_relock(t, err, regs + H7_OPTCR, H7_OPTCR_OPTSTART, H7_OPTCR_OPTLOCK);
}

/* ---- boot rules (RM0433 section 2.6, AN2606, AN4938 section 5.1) -------- */

/*
 * BOOT0 low: the core starts at BOOT_ADD0 << 16; BOOT0 high: at BOOT_ADD1
 * << 16 (factory: 0x0800 = the flash, 0x1FF0 = system memory, the ST ROM
 * bootloader; AN2606 enters the bootloader exactly when the selected field
 * is 0x1FF0). An address where no memory is falls back to the flash (BOOT0
 * low) or the ITCM (high); at read protection level 2 only the flash boots
 * (AN4938 section 5.1). So "the ROM bootloader is reachable" means one of
 * the two fields is 0x1FF0, and boards, which hold BOOT0 low, run their
 * firmware only while BOOT_ADD0 points into the flash.
 */
static const struct h7_memory {
  uint32_t base, size;
  const char *name;
} h7_memories[] = {
    {0x00000000u, 0x00010000u, "ITCM RAM"},
    {0x20000000u, 0x00020000u, "DTCM RAM"},
    {0x24000000u, 0x00080000u, "AXI SRAM"},
    {0x30000000u, 0x00048000u, "SRAM1-3"},
    {0x38000000u, 0x00010000u, "SRAM4"},
};

static const char *memory_at(const swdf_chip *chip, uint32_t addr) {
  if (addr - chip->flash_base < chip->flash_max) {
    return "user flash";
  }
  if (addr - chip->sysmem_base < chip->sysmem_size) {
    return "system memory: the ST ROM bootloader";
  }
  for (size_t i = 0; i < SWDF_ARRAY_LEN(h7_memories); i++) {
    if (addr - h7_memories[i].base < h7_memories[i].size) {
      return h7_memories[i].name;
    }
  }
  return "no memory there";
}

static bool option_raw(uint32_t *raw, const swdf_options *o, const char *name) {
  int i = swdf_options_find(o, name);
  swdf_opt_field f = SWDF_OPT_FIELD_INIT;
  if (i < 0 || swdf_options_field(&f, o, (size_t)i) != SWDF_OK) {
    return false;
  }
  *raw = f.raw;
  return true;
}

static bool h7_rom_has_dfu(const swdf_chip *chip) {
  (void)chip; /* every H74x/H72x ROM bootloader offers USB DFU (AN2606) */
  return true;
}

static swdf_err h7_boot_config(swdf_boot_config *out, const swdf_options *o,
                               const swdf_chip *chip) {
  uint32_t add0 = 0, add1 = 0;
  if (!option_raw(&add0, o, "boot_add0") || !option_raw(&add1, o, "boot_add1")) {
    return SWDF_ERR_INTERNAL; /* the option description lacks the boot fields */
  }
  uint32_t rom = chip->sysmem_base >> 16;
  uint32_t flash = chip->flash_base >> 16;
  out->pin_honoured = 1;
  out->boot_pin_low = add0 << 16;
  out->boot_pin_high = add1 << 16;
  out->rom_reachable = add0 == rom || add1 == rom;
  out->empty_check = -1;
  out->repair_count = 0;
  int n = snprintf(out->explain, sizeof(out->explain),
                   "BOOT0 low starts the chip at BOOT_ADD0 = 0x%04X 0000 (%s); BOOT0 high at "
                   "BOOT_ADD1 = 0x%04X 0000 (%s).",
                   (unsigned)add0, memory_at(chip, add0 << 16), (unsigned)add1,
                   memory_at(chip, add1 << 16));
  size_t at = n > 0 && (size_t)n < sizeof(out->explain) ? (size_t)n : sizeof(out->explain) - 1;
  if (add0 == rom) {
    snprintf(out->explain + at, sizeof(out->explain) - at,
             " BOOT_ADD0 points at 0x%04X 0000 (system memory): with BOOT0 low, as boards hold "
             "it, the chip starts the ST ROM bootloader and never the program in flash.",
             (unsigned)rom);
  } else if (add1 != rom) {
    snprintf(out->explain + at, sizeof(out->explain) - at,
             " Neither points at 0x%04X 0000 (system memory), so no BOOT0 level starts the ST "
             "ROM bootloader (USB DFU).",
             (unsigned)rom);
  } else if ((add0 << 16) - chip->flash_base >= chip->flash_max) {
    snprintf(out->explain + at, sizeof(out->explain) - at,
             " With BOOT0 low the chip does not start the program in flash.");
  }
  /* The addresses come from the chip data (sysmem, flash base). */
  char value[24], why[160];
  if (add1 != rom) {
    snprintf(value, sizeof(value), "0x%04X", (unsigned)rom);
    snprintf(why, sizeof(why),
             "BOOT0 high then starts the ST ROM bootloader (system memory at 0x%04X 0000)",
             (unsigned)rom);
    swdf__boot_add_repair(out, "boot_add1", value, why, 0);
  }
  if ((add0 << 16) - chip->flash_base >= chip->flash_max) {
    snprintf(value, sizeof(value), "0x%04X", (unsigned)flash);
    snprintf(why, sizeof(why),
             "BOOT0 low (as boards hold it) then starts the program in flash at 0x%04X 0000",
             (unsigned)flash);
    swdf__boot_add_repair(out, "boot_add0", value, why, 1);
  }
  return SWDF_OK;
}

/*
 * Where the chip started: nothing is aliased at address 0 (the ITCM is
 * there), but the Cortex-M7's VTOR resets to the boot address (RM0433
 * section 2.6). Firmware usually points VTOR at its own vector table, in
 * flash; the ROM bootloader keeps it in system memory. A VTOR in RAM is a
 * RAM boot only when a boot address selects it, else firmware moved it.
 */
enum { SCB_VTOR = 0xe000ed08, H7_BOOT_CUR = 0x40 };

static void h7_boot_source(swdf_boot_source *out, char *why, size_t why_len, swdf_target *t) {
  const swdf_chip *chip = swdf__target_chip(t);
  uint32_t vtor = 0, boot = 0;
  if (swdf__read32(&vtor, t, SCB_VTOR) != SWDF_OK ||
      swdf__read32(&boot, t, chip->flash_regs + H7_BOOT_CUR) != SWDF_OK) {
    *out = SWDF_BOOT_UNKNOWN;
    snprintf(why, why_len, "the core's vector table address (VTOR) cannot be read");
    return;
  }
  const char *mem = memory_at(chip, vtor);
  bool boot_address = vtor == (boot & 0xffffu) << 16 || vtor == (boot & 0xffff0000u);
  if (vtor - chip->sysmem_base < chip->sysmem_size) {
    *out = SWDF_BOOT_SYSTEM;
  } else if (vtor - chip->flash_base < chip->flash_max) {
    *out = SWDF_BOOT_FLASH;
  } else if (strcmp(mem, "no memory there") != 0 && boot_address) {
    *out = SWDF_BOOT_SRAM;
  } else {
    *out = SWDF_BOOT_UNKNOWN;
    snprintf(why, why_len,
             "the core's vector table (VTOR) is at 0x%08X (%s), where the firmware moved it, so "
             "it does not tell where the chip started",
             (unsigned)vtor, mem);
    return;
  }
  snprintf(why, why_len,
           "the core's vector table (VTOR, which starts at the boot address) is at 0x%08X (%s)",
           (unsigned)vtor, mem);
}

static const swdf__boot_rules h7_boot = {
    .rom_has_dfu = h7_rom_has_dfu,
    .dfu_needs = "The ROM DFU bootloader needs BOOT0 held high while the chip resets with "
                 "BOOT_ADD1 at 0x1FF0 (system memory), and a USB data cable on the USB OTG FS "
                 "port (PA11/PA12) (AN2606, STM32H72x/73x and STM32H74x/75x sections).",
    .config = h7_boot_config,
    .source = h7_boot_source,
};

/* ---- the family --------------------------------------------------------- */

const swdf__family swdf__family_h7 = {
    .driver = "stm32h7",
    .title = "STM32H7",
    .core = SWDF__CORE_V7M,
    .reset_clock_hz = H7_RESET_CLOCK_HZ,
    .describe = h7_describe,
    .prepare = h7_prepare,
    .finish = h7_finish,
    .erase_cmd = h7_erase_cmd,
    .mass_erase_cmds = h7_mass_erase_cmds,
    .opt_write = h7_opt_write,
    /* Nothing to load: the *_CUR registers hold the new values once OPT_BUSY
     * drops (RM0433 section 4.4.3; ST's HAL_FLASH_OB_Launch on the H7 is the
     * OPTSTART sequence itself). */
    .opt_reload = NULL,
    .boot = &h7_boot,
};
