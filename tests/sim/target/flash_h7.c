/*
 * STM32H7 embedded flash interface (RM0433 §4 for H742/H743/H750/H753,
 * RM0468 §4 for H723/H725/H730/H733/H735; register and bit positions as in
 * ST's CMSIS headers stm32h743xx.h and stm32h723xx.h).
 *
 * Each bank has its own controller (bank 1 at +0x000, bank 2 at +0x100):
 * KEYR, CR, SR, CCR and its protection registers; ACR, OPTKEYR, OPTCR,
 * OPTSR, OPTCCR and BOOT are shared and seen at both offsets. A bank runs
 * its operations on its own (operation slot op->bank): bank 1 can be read
 * while bank 2 erases.
 *
 * Programming (RM0433 §4.3.9): 32-bit (or narrower) stores collect in a
 * 256-bit write buffer (WBNE); when all 32 bytes of one flash word are in,
 * the word is queued and programmed (QW and BSY for the word's time). FW in
 * CR forces out a partial word, its missing bytes erased (0xFF). Rules:
 *  - a store while LOCK is set or PG is clear: PGSERR, nothing stored;
 *  - a store to another flash word while the buffer holds part of one:
 *    INCERR, the buffer and the store are discarded;
 *  - a store to a byte the buffer already holds: STRBERR, the store is
 *    discarded;
 *  - a store to a write-protected sector (WPSN bit 0), into a PCROP or a
 *    secure-only area, or while read protection shuts the debugger out:
 *    WRPERR (from the debugger itself under RDP 1 the store is a bus error);
 *  - clearing PG while the buffer holds a partial word: PGSERR, the bytes
 *    are lost;
 *  - there is no PROGERR: a word that is not erased is programmed anyway.
 *    The array keeps old AND new, and its ECC no longer matches: if new and
 *    old data differ in exactly one bit the error is correctable (SNECCERR
 *    on read, the data returned as stored), otherwise every read of the word
 *    sets DBECCERR, writes its index to ECC_FA and answers a bus error.
 *    Programming the same data again leaves the word as it was, and all
 *    zeros may always be programmed over a word: data and ECC are then all
 *    cleared and consistent (ST forum "Flash writing issue", an ST-community
 *    answer about the H723: "you can also flash a non-null unit to all
 *    null"). (Only the
 *    debugger's reads are checked: the CPU reads the mapped array directly.)
 * Erase: SER with SNB (sector within the bank) or BER, then START; WPSN,
 * PCROP and secure areas refuse it with WRPERR (a bank erase too: keeping
 * the protected areas while erasing the rest is not modelled), SER and BER
 * together are PGSERR. OPTCR.MER (H74x only) erases both banks at once.
 * CCR clears SR flags (SR itself is read only); EOP is set at the end of
 * every operation.
 * Timing (timing model §4, STM32H743 DS12110): one flash word x64 100 us,
 * x32 130, x16 180, x8 290; a 128 KiB sector x64 1000 ms, x32 1100 ms,
 * x16 1800, x8 2000 (the last two from the datasheet's typical column as
 * quoted, not re-checked); a bank erase is the sum of its sectors.
 *
 * Option bytes (RM0433 §4.4): OPTKEYR unlocks OPTCR; the _PRG registers
 * take the new values; OPTSTART copies them to the _CUR registers after
 * OPT_BUSY (the time of one sector erase at x64: the manuals give no
 * figure). They act at once (there is no OBL_LAUNCH on the H7); BOOT_ADD0/1
 * matter at the next reset. OPTCHANGEERR: RDP level 2 (nothing may change),
 * or a PCROP/secure area shrunk or removed without an RDP 1 -> 0 regression.
 * Regression 1 -> 0 erases both banks (keeping each PCROP area whose DMEP
 * is 0 and each secure area whose DMES is 0) side by side and keeps
 * OPT_BUSY for the option time plus one bank erase.
 *
 * Kept and shown but without effect here: SWAP_BANK_OPT (the banks are not
 * remapped), OPTSR2.TCM_AXI_SHARED (the H72x RAM split stays 64 KiB ITCM /
 * 320 KiB AXI), the CRC unit (its registers are storage), the PLLs (the core
 * stays at the 64 MHz HSI).
 *
 * Option image in the state (little-endian words): 0 OPTSR, 1 BOOT
 * (BOOT_ADD0 | BOOT_ADD1 << 16), 2 PRAR1, 3 SCAR1, 4 WPSN1, 5 PRAR2,
 * 6 SCAR2, 7 WPSN2, 8 OPTSR2 (H72x).
 */
#include "target.h"

#include <string.h>

enum {
  ACR = 0x00, KEYR = 0x04, OPTKEYR = 0x08, CR = 0x0C, SR = 0x10, CCR = 0x14, OPTCR = 0x18,
  OPTSR_CUR = 0x1C, OPTSR_PRG = 0x20, OPTCCR = 0x24, PRAR_CUR = 0x28, PRAR_PRG = 0x2C,
  SCAR_CUR = 0x30, SCAR_PRG = 0x34, WPSN_CUR = 0x38, WPSN_PRG = 0x3C, BOOT_CUR = 0x40,
  BOOT_PRG = 0x44, CRCCR = 0x50, CRCDATA = 0x5C, ECC_FA = 0x60, OPTSR2_CUR = 0x70,
  OPTSR2_PRG = 0x74,

  CR_LOCK = 1u << 0, CR_PG = 1u << 1, CR_SER = 1u << 2, CR_BER = 1u << 3, CR_FW = 1u << 6,
  CR_START = 1u << 7, CR_PSIZE_SHIFT = 4, CR_SNB_SHIFT = 8,
  CR_WRITABLE = 0x1FFF873Eu, /* PG SER BER PSIZE FW START SNB CRC_EN, interrupt enables */

  SR_BSY = 1u << 0, SR_WBNE = 1u << 1, SR_QW = 1u << 2, SR_EOP = 1u << 16,
  SR_WRPERR = 1u << 17, SR_PGSERR = 1u << 18, SR_STRBERR = 1u << 19, SR_INCERR = 1u << 21,
  SR_OPERR = 1u << 22, SR_RDPERR = 1u << 23, SR_RDSERR = 1u << 24, SR_SNECCERR = 1u << 25,
  SR_DBECCERR = 1u << 26, SR_FLAGS = 0x1FEF0000u,

  OPTCR_OPTLOCK = 1u << 0, OPTCR_OPTSTART = 1u << 1, OPTCR_MER = 1u << 4,
  OPTCR_CHANGEERRIE = 1u << 30,
  OPTSR_BUSY = 1u << 0, OPTSR_CHANGEERR = 1u << 30, OPTSR_SWAP_BANK = 1u << 31,
  OPTSR_SECURITY = 1u << 21,
  AREA_ERASE = 1u << 31, /* DMEP / DMES */

  OPTKEY1 = 0x08192A3B, OPTKEY2 = 0x4C5D6E7F,
  RDP_LEVEL0 = 0xAA, RDP_LEVEL2 = 0xCC,

  W_OPTSR = 0, W_BOOT = 1, W_PRAR1 = 2, W_SCAR1 = 3, W_WPSN1 = 4, W_PRAR2 = 5, W_SCAR2 = 6,
  W_WPSN2 = 7, W_OPTSR2 = 8,
  SECTOR = 128 * 1024,
};

/* The OPTSR fields each part implements (CMSIS FLASH_OPTSR_*): BOR_LEV,
 * IWDG1_SW, NRST_STOP_D1, NRST_STBY_D1, RDP, FZ_IWDG_STOP/SDBY, ST_RAM_SIZE,
 * SECURITY, IO_HSLV; H74x SWAP_BANK_OPT; H72x NRST_STOP_D2/NRST_STBY_D2. */
#define OPTSR_COMMON 0x203EFFDCu
#define OPTSR_H74X (OPTSR_COMMON | OPTSR_SWAP_BANK | 0x03000000u) /* 24-25 reserved, kept */
#define OPTSR_H72X (OPTSR_COMMON | 0x03000000u)

static const uint32_t prog_us[4] = {290, 180, 130, 100}; /* x8, x16, x32, x64 */
static const uint32_t sector_ms[4] = {2000, 1800, 1100, 1000};
enum { PSIZE_X64 = 3 };

/* ---- the option image ---- */

static uint32_t word_of(const uint8_t *opts, int i)
{
  uint32_t v;
  memcpy(&v, opts + 4 * i, 4);
  return v;
}

static void set_word(uint8_t *opts, int i, uint32_t v)
{
  memcpy(opts + 4 * i, &v, 4);
}

static uint32_t optsr_mask(const sim_chip *chip)
{
  return chip->is_h72x ? OPTSR_H72X : OPTSR_H74X;
}

static int banks(const sim_chip *chip)
{
  return (int)(chip->flash_size / chip->bank_size);
}

static int rdp_of(uint32_t optsr)
{
  uint8_t rdp = (uint8_t)(optsr >> 8);
  return rdp == RDP_LEVEL0 ? 0 : rdp == RDP_LEVEL2 ? 2 : 1;
}

static int h7_rdp_level(const uint8_t opts[SIM_OPTIONS_SIZE])
{
  return rdp_of(word_of(opts, W_OPTSR));
}

/* A PCROP or secure-only area (PRAR/SCAR): START [11:0] and END [27:16] in
 * 256-byte units from the bank base, inclusive; START > END is no area. */
static bool area_of(uint32_t reg, uint32_t *lo, uint32_t *hi)
{
  uint32_t start = reg & 0xFFF, end = (reg >> 16) & 0xFFF;
  if (start > end)
    return false;
  *lo = start * 256u;
  *hi = (end + 1) * 256u;
  return true;
}

static bool in_area(uint32_t reg, uint32_t in_bank, uint32_t len)
{
  uint32_t lo, hi;
  return area_of(reg, &lo, &hi) && in_bank < hi && in_bank + len > lo;
}

static int bank_of(const sim_chip *chip, uint32_t offset)
{
  return offset >= chip->bank_size ? 1 : 0;
}

/* 0: none, 1: PCROP, 2: secure-only, for [offset, offset + len). */
static int area_kind(const sim_chip *chip, const uint8_t *opts, uint32_t offset, uint32_t len)
{
  int b = bank_of(chip, offset);
  uint32_t in_bank = offset - (uint32_t)b * chip->bank_size;
  if (in_area(word_of(opts, b ? W_PRAR2 : W_PRAR1), in_bank, len))
    return 1;
  if (in_area(word_of(opts, b ? W_SCAR2 : W_SCAR1), in_bank, len))
    return 2;
  return 0;
}

static bool h7_offset_protected(const sim_chip *chip, const uint8_t opts[SIM_OPTIONS_SIZE],
                                uint32_t offset)
{
  int b = bank_of(chip, offset);
  unsigned sector = (offset - (uint32_t)b * chip->bank_size) / SECTOR;
  return !(word_of(opts, b ? W_WPSN2 : W_WPSN1) & (1u << sector));
}

/* Factory values: RDP level 0, BOR off, software watchdog, no reset on
 * Stop/Standby, IWDG running in Stop/Standby: an H723 from the field reads
 * OPTSR 0x0306AAD0, and the H74x is given the same word (its bits 24-25 are
 * reserved); BOOT_ADD0 0x0800 (flash), BOOT_ADD1 0x1FF0 (system memory); no
 * PCROP or secure area (0x000000FF, START > END); no sector write protected. */
static void h7_factory_options(uint8_t opts[SIM_OPTIONS_SIZE])
{
  memset(opts, 0, SIM_OPTIONS_SIZE);
  set_word(opts, W_OPTSR, 0x0306AAD0u);
  set_word(opts, W_BOOT, 0x1FF00800u);
  set_word(opts, W_PRAR1, 0x000000FFu);
  set_word(opts, W_SCAR1, 0x000000FFu);
  set_word(opts, W_WPSN1, 0xFFu);
  set_word(opts, W_PRAR2, 0x000000FFu);
  set_word(opts, W_SCAR2, 0x000000FFu);
  set_word(opts, W_WPSN2, 0xFFu);
}

/* ---- timing ---- */

static uint32_t psize(uint32_t cr)
{
  return (cr >> CR_PSIZE_SHIFT) & 3;
}

static sim_ns sector_time(uint32_t ps)
{
  return SIM_MS(sector_ms[ps]);
}

static sim_ns bank_time(const sim_chip *chip, uint32_t ps)
{
  return sector_time(ps) * (chip->bank_size / SECTOR);
}

/* ---- status ---- */

static struct sim_h7_bank *bank_regs(sim_target *t, int b)
{
  return &t->flash.h7[b];
}

static void flag(sim_target *t, int b, uint32_t bits)
{
  bank_regs(t, b)->sr |= bits;
}

static bool options_busy(const sim_target *t)
{
  return t->flash.op.kind == FLASH_OP_OPTIONS;
}

static uint32_t sr_value(sim_target *t, int b)
{
  struct sim_h7_bank *r = bank_regs(t, b);
  bool busy = flash_bank_busy(t, b) && !(b == 0 && options_busy(t));
  return r->sr | (busy ? SR_BSY | SR_QW : 0) | (r->wmask ? SR_WBNE : 0);
}

/* ---- erase ---- */

/* Refused erases and programs set WRPERR: WPSN, PCROP, secure areas, and
 * read protection with a debugger attached. */
static bool range_blocked(sim_target *t, uint32_t offset, uint32_t len)
{
  if (flash_rdp_blocks_writes(t))
    return true;
  for (uint32_t o = offset; o < offset + len; o += SECTOR)
    if (h7_offset_protected(t->chip, t->st.loaded, o))
      return true;
  return area_kind(t->chip, t->st.loaded, offset, len) != 0;
}

static void start_erase(sim_target *t, int b)
{
  struct sim_h7_bank *r = bank_regs(t, b);
  const sim_chip *chip = t->chip;
  uint32_t base = (uint32_t)b * chip->bank_size;
  bool ser = r->cr & CR_SER, ber = r->cr & CR_BER;
  if ((ser && ber) || r->wmask) {
    flag(t, b, SR_PGSERR); /* two requests at once, or data waiting in the buffer */
    return;
  }
  if (!ser && !ber)
    return;
  uint32_t snb = (r->cr >> CR_SNB_SHIFT) & 7;
  uint32_t offset = ser ? base + snb * SECTOR : base, len = ser ? SECTOR : chip->bank_size;
  if (ser && snb * SECTOR >= chip->bank_size) {
    flag(t, b, SR_PGSERR);
    return;
  }
  if (range_blocked(t, offset, len)) {
    flag(t, b, SR_WRPERR);
    return;
  }
  flash_op op = {.kind = FLASH_OP_ERASE, .offset = offset, .len = len, .bank = (uint8_t)b};
  t->flash.starting_bank = (uint8_t)b;
  sim_ns duration = ser ? sector_time(psize(r->cr)) : bank_time(chip, psize(r->cr));
  flash_start_bank(t, &op, duration, 0, ser ? 1 : 0, ber);
}

/* OPTCR.MER (RM0433 §4.3.10): both banks at once, each at its own PSIZE. */
static void start_mass_erase(sim_target *t)
{
  const sim_chip *chip = t->chip;
  for (int b = 0; b < banks(chip); b++)
    if ((bank_regs(t, b)->cr & CR_LOCK) || range_blocked(t, (uint32_t)b * chip->bank_size,
                                                          chip->bank_size)) {
      flag(t, b, (bank_regs(t, b)->cr & CR_LOCK) ? SR_PGSERR : SR_WRPERR);
      return;
    }
  for (int b = 0; b < banks(chip); b++) {
    flash_op op = {.kind = FLASH_OP_ERASE,
                   .offset = (uint32_t)b * chip->bank_size,
                   .len = chip->bank_size,
                   .bank = (uint8_t)b};
    t->flash.starting_bank = (uint8_t)b;
    flash_start_bank(t, &op, bank_time(chip, psize(bank_regs(t, b)->cr)), 0, 0, b == 0);
  }
}

/* ---- programming ---- */

static unsigned popcount8(uint8_t v)
{
  unsigned n = 0;
  for (; v; v &= (uint8_t)(v - 1))
    n++;
  return n;
}

/* The buffer goes to the array: QW until the word is programmed. */
static void queue_word(sim_target *t, int b)
{
  struct sim_h7_bank *r = bank_regs(t, b);
  uint32_t offset = r->wword * SIM_ECC_WORD;
  flash_op op = {.kind = FLASH_OP_PROGRAM, .offset = offset, .len = 32, .bank = (uint8_t)b};
  for (unsigned i = 0; i < 32; i++)
    op.bytes[i] = (r->wmask >> i) & 1u ? r->wbuf[i] : 0xFF;
  r->wmask = 0;
  /* a word that already holds data: its ECC no longer fits (see top) */
  const uint8_t *old = t->st.flash + offset;
  bool erased = true, same = true, zero = true;
  unsigned differ = 0;
  for (unsigned i = 0; i < 32; i++) {
    erased = erased && old[i] == 0xFF;
    same = same && old[i] == op.bytes[i];
    zero = zero && op.bytes[i] == 0;
    differ += popcount8(old[i] ^ op.bytes[i]);
  }
  uint8_t *ecc = &t->st.ecc[r->wword];
  if (zero)
    *ecc = ECC_GOOD; /* all data and ECC bits cleared: consistent again */
  else if (!erased && !same)
    *ecc = differ == 1 && *ecc == ECC_GOOD ? ECC_SINGLE : ECC_DOUBLE;
  t->flash.starting_bank = (uint8_t)b;
  flash_start_bank(t, &op, SIM_US(prog_us[psize(r->cr)]), 1, 0, false);
}

static bus_status h7_array_write(sim_target *t, bus_master m, uint32_t offset, unsigned size,
                                 uint32_t value)
{
  int b = bank_of(t->chip, offset);
  struct sim_h7_bank *r = bank_regs(t, b);
  if ((r->cr & CR_LOCK) || !(r->cr & CR_PG)) {
    flag(t, b, SR_PGSERR);
    return BUS_OK;
  }
  if (flash_rdp_blocks_writes(t) && m == MASTER_DEBUG)
    return BUS_ERROR;
  uint32_t word = offset / SIM_ECC_WORD, lane = offset % SIM_ECC_WORD;
  uint32_t bytes = ((1u << size) - 1) << lane;
  if (r->wmask && r->wword != word) {
    r->wmask = 0;
    flag(t, b, SR_INCERR);
    return BUS_OK;
  }
  if (r->wmask & bytes) {
    flag(t, b, SR_STRBERR);
    return BUS_OK;
  }
  if (range_blocked(t, word * SIM_ECC_WORD, SIM_ECC_WORD)) {
    r->wmask = 0;
    flag(t, b, SR_WRPERR);
    return BUS_OK;
  }
  for (unsigned i = 0; i < size; i++)
    r->wbuf[lane + i] = (uint8_t)(value >> (8 * i));
  r->wmask |= bytes;
  r->wword = word;
  if (r->wmask == 0xFFFFFFFFu)
    queue_word(t, b);
  return BUS_OK;
}

/* ---- reads: ECC, PCROP and secure areas ---- */

static bus_status h7_array_read(sim_target *t, bus_master m, uint32_t offset, unsigned size,
                                uint32_t *value)
{
  int b = bank_of(t->chip, offset);
  uint32_t word = offset / SIM_ECC_WORD;
  *value = 0;
  int area = m == MASTER_DEBUG ? area_kind(t->chip, t->st.loaded, offset, size) : 0;
  if (area) {
    flag(t, b, area == 1 ? SR_RDPERR : SR_RDSERR); /* the data reads as zero */
    return BUS_OK;
  }
  /* the CPU reads the array straight from its mapping (see core.c), so only
   * the debugger's reads meet the ECC check */
  if (m == MASTER_DEBUG && t->st.ecc[word] != ECC_GOOD) {
    bank_regs(t, b)->ecc_fa = word - (uint32_t)b * (t->chip->bank_size / SIM_ECC_WORD);
    if (t->st.ecc[word] == ECC_DOUBLE) {
      flag(t, b, SR_DBECCERR);
      return BUS_ERROR;
    }
    flag(t, b, SR_SNECCERR);
  }
  for (unsigned i = 0; i < size; i++)
    *value |= (uint32_t)t->st.flash[offset + i] << (8 * i);
  return BUS_OK;
}

/* ---- option bytes ---- */

static bool area_shrinks(uint32_t old_reg, uint32_t new_reg)
{
  uint32_t olo, ohi, nlo, nhi;
  if (!area_of(old_reg, &olo, &ohi))
    return false;
  return !area_of(new_reg, &nlo, &nhi) || nlo > olo || nhi < ohi;
}

static void h7_erase_for_regression(sim_target *t, const uint8_t *opts)
{
  const sim_chip *chip = t->chip;
  for (int b = 0; b < banks(chip); b++) {
    uint32_t keep[2] = {word_of(opts, b ? W_PRAR2 : W_PRAR1), word_of(opts, b ? W_SCAR2 : W_SCAR1)};
    for (uint32_t w = 0; w < chip->bank_size / SIM_ECC_WORD; w++) {
      uint32_t in_bank = w * SIM_ECC_WORD, offset = (uint32_t)b * chip->bank_size + in_bank;
      bool kept = false;
      for (int k = 0; k < 2; k++)
        kept = kept || (!(keep[k] & AREA_ERASE) && in_area(keep[k], in_bank, SIM_ECC_WORD));
      if (kept)
        continue;
      memset(t->st.flash + offset, 0xFF, SIM_ECC_WORD);
      t->st.ecc[offset / SIM_ECC_WORD] = ECC_GOOD;
    }
  }
  bus_flash_changed(t, 0, chip->flash_size);
}

static void start_option_change(sim_target *t)
{
  sim_flash *f = &t->flash;
  const sim_chip *chip = t->chip;
  uint8_t *cur = t->st.options, *next = f->pending_options;
  memcpy(next, cur, SIM_OPTIONS_SIZE);
  set_word(next, W_OPTSR, f->optsr_prg & optsr_mask(chip));
  set_word(next, W_BOOT, f->boot_prg);
  set_word(next, W_PRAR1, f->prar_prg[0] & 0x8FFF0FFFu);
  set_word(next, W_SCAR1, f->scar_prg[0] & 0x8FFF0FFFu);
  set_word(next, W_WPSN1, f->wpsn_prg[0] & 0xFFu);
  if (banks(chip) == 2) {
    set_word(next, W_PRAR2, f->prar_prg[1] & 0x8FFF0FFFu);
    set_word(next, W_SCAR2, f->scar_prg[1] & 0x8FFF0FFFu);
    set_word(next, W_WPSN2, f->wpsn_prg[1] & 0xFFu);
  }
  if (chip->is_h72x)
    set_word(next, W_OPTSR2, f->optsr2_prg & 0x7u);
  int level = h7_rdp_level(cur), want = h7_rdp_level(next);
  bool regression = level == 1 && want == 0;
  bool shrinks = false;
  for (int w = W_PRAR1; w <= W_SCAR2; w++)
    if (w != W_WPSN1)
      shrinks = shrinks || area_shrinks(word_of(cur, w), word_of(next, w));
  if (level == 2 || (shrinks && !regression)) {
    f->optchangeerr = true; /* RM0433 §4.4.3: the change is refused */
    return;
  }
  flash_op op = {.kind = FLASH_OP_OPTIONS, .bank = 0};
  sim_ns duration = sector_time(PSIZE_X64);
  if (regression) { /* the banks erase side by side: the slower one counts */
    sim_ns slowest = 0;
    for (int b = 0; b < banks(chip); b++)
      if (bank_time(chip, psize(bank_regs(t, b)->cr)) > slowest)
        slowest = bank_time(chip, psize(bank_regs(t, b)->cr));
    duration += slowest;
  }
  t->flash.starting_bank = 0;
  f->regression_pending = flash_start_bank(t, &op, duration, 0, 0, regression) && regression;
}

static void h7_op_done(sim_target *t, const flash_op *op)
{
  sim_flash *f = &t->flash;
  if (op->kind == FLASH_OP_OPTIONS) {
    if (f->regression_pending) {
      f->regression_pending = false;
      h7_erase_for_regression(t, f->pending_options);
    }
    memcpy(t->st.options, f->pending_options, SIM_OPTIONS_SIZE);
    memcpy(t->st.loaded, f->pending_options, SIM_OPTIONS_SIZE); /* no OBL on the H7 */
    target_mark_dirty(t);
    return;
  }
  struct sim_h7_bank *r = bank_regs(t, op->bank);
  r->sr |= SR_EOP;
  r->cr &= ~CR_START;
}

static void h7_op_failed(sim_target *t)
{
  flag(t, t->flash.starting_bank, SR_OPERR);
}

/* ---- registers ---- */

/* KEYR and OPTKEYR: a wrong key, or a key while unlocked, locks until reset
 * and is a bus error (RM0433 §4.5.1). */
static void unlock_step(uint32_t *reg, uint32_t lock, uint8_t *stage, bool *lockout,
                        uint32_t value, uint32_t key1, uint32_t key2)
{
  key_result res = (*reg & lock) ? flash_key_write(stage, value, key1, key2) : KEY_WRONG;
  if (res == KEY_UNLOCKED) {
    *reg &= ~lock;
  } else if (res == KEY_WRONG) {
    *reg |= lock;
    *lockout = true;
  }
}

static uint32_t optsr_cur(sim_target *t)
{
  uint32_t v = word_of(t->st.loaded, W_OPTSR);
  if (options_busy(t) && flash_bank_busy(t, 0))
    v |= OPTSR_BUSY;
  return v | (t->flash.optchangeerr ? OPTSR_CHANGEERR : 0);
}

static uint32_t optcr_value(sim_target *t)
{
  uint32_t v = t->flash.optcr & (OPTCR_OPTLOCK | OPTCR_CHANGEERRIE);
  if (options_busy(t) && flash_bank_busy(t, 0))
    v |= OPTCR_OPTSTART;
  if (!t->chip->is_h72x && (word_of(t->st.loaded, W_OPTSR) & OPTSR_SWAP_BANK))
    v |= 1u << 31;
  return v;
}

static bus_status h7_reg_read(sim_target *t, uint32_t off, uint32_t *value)
{
  sim_flash *f = &t->flash;
  const sim_chip *chip = t->chip;
  int b = off >= 0x100 ? 1 : 0;
  bool has_bank = b < banks(chip);
  uint32_t reg = off & 0xFF;
  const uint8_t *lo = t->st.loaded;
  *value = 0;
  flash_update(t);
  switch (reg) {
  case ACR:
    *value = f->acr;
    return BUS_OK;
  case OPTCR:
    *value = optcr_value(t);
    return BUS_OK;
  case OPTSR_CUR:
    *value = optsr_cur(t);
    return BUS_OK;
  case OPTSR_PRG:
    *value = f->optsr_prg;
    return BUS_OK;
  case BOOT_CUR:
    *value = word_of(lo, W_BOOT);
    return BUS_OK;
  case BOOT_PRG:
    *value = f->boot_prg;
    return BUS_OK;
  case OPTSR2_CUR:
    *value = chip->is_h72x && !b ? word_of(lo, W_OPTSR2) : 0;
    return BUS_OK;
  case OPTSR2_PRG:
    *value = chip->is_h72x && !b ? f->optsr2_prg : 0;
    return BUS_OK;
  default:
    break;
  }
  if (!has_bank)
    return BUS_OK;
  struct sim_h7_bank *r = bank_regs(t, b);
  switch (reg) {
  case CR:
    *value = r->cr;
    break;
  case SR:
    *value = sr_value(t, b);
    break;
  case PRAR_CUR:
    *value = word_of(lo, b ? W_PRAR2 : W_PRAR1);
    break;
  case PRAR_PRG:
    *value = f->prar_prg[b];
    break;
  case SCAR_CUR:
    *value = word_of(lo, b ? W_SCAR2 : W_SCAR1);
    break;
  case SCAR_PRG:
    *value = f->scar_prg[b];
    break;
  case WPSN_CUR:
    *value = word_of(lo, b ? W_WPSN2 : W_WPSN1);
    break;
  case WPSN_PRG:
    *value = f->wpsn_prg[b];
    break;
  case ECC_FA:
    *value = r->ecc_fa;
    break;
  default:
    if (reg >= CRCCR && reg <= CRCDATA)
      *value = r->crc[(reg - CRCCR) / 4 % 3]; /* storage; the CRC unit is not modelled */
    break;
  }
  return BUS_OK;
}

static void write_cr(sim_target *t, int b, uint32_t v)
{
  struct sim_h7_bank *r = bank_regs(t, b);
  if (r->cr & CR_LOCK)
    return; /* RM0433 §4.9.4: writes ignored until the key sequence */
  bool pg_cleared = (r->cr & CR_PG) && !(v & CR_PG);
  r->cr = (v & CR_WRITABLE & ~(CR_FW | CR_START)) | (v & CR_LOCK);
  if (pg_cleared && r->wmask) {
    r->wmask = 0; /* the partial word is lost */
    flag(t, b, SR_PGSERR);
  }
  if ((v & CR_FW) && r->wmask && (r->cr & CR_PG))
    queue_word(t, b);
  if ((v & CR_START) && !(v & CR_LOCK))
    start_erase(t, b);
}

static bus_status h7_reg_write(sim_target *t, bus_master m, uint32_t off, uint32_t value,
                               uint32_t mask)
{
  (void)m;
  sim_flash *f = &t->flash;
  const sim_chip *chip = t->chip;
  int b = off >= 0x100 ? 1 : 0;
  bool has_bank = b < banks(chip);
  uint32_t reg = off & 0xFF;
  uint32_t old = 0;
  h7_reg_read(t, off, &old);
  uint32_t v = (old & ~mask) | (value & mask);
  bool opt_locked = f->optcr & OPTCR_OPTLOCK;
  switch (reg) {
  case ACR:
    f->acr = v & 0x3Fu;
    return BUS_OK;
  case OPTKEYR:
    if (!f->optkey_lockout)
      unlock_step(&f->optcr, OPTCR_OPTLOCK, &f->optkey_stage, &f->optkey_lockout, value, OPTKEY1,
                  OPTKEY2);
    return f->optkey_lockout ? BUS_ERROR : BUS_OK;
  case OPTCR:
    if (opt_locked)
      return BUS_OK;
    if (flash_busy(t) && (v & (OPTCR_OPTSTART | OPTCR_MER)))
      return BUS_BUSY;
    f->optcr = v & (OPTCR_OPTLOCK | OPTCR_CHANGEERRIE);
    if (v & OPTCR_OPTLOCK)
      return BUS_OK;
    if ((v & OPTCR_MER) && !chip->is_h72x)
      start_mass_erase(t);
    else if (v & OPTCR_OPTSTART)
      start_option_change(t);
    return BUS_OK;
  case OPTCCR:
    if (v & OPTSR_CHANGEERR)
      f->optchangeerr = false;
    return BUS_OK;
  case OPTSR_PRG:
    if (!opt_locked)
      f->optsr_prg = v & optsr_mask(chip);
    return BUS_OK;
  case BOOT_PRG:
    if (!opt_locked)
      f->boot_prg = v;
    return BUS_OK;
  case OPTSR2_PRG:
    if (!opt_locked && chip->is_h72x && !b)
      f->optsr2_prg = v & 0x7u;
    return BUS_OK;
  default:
    break;
  }
  if (!has_bank)
    return BUS_OK;
  struct sim_h7_bank *r = bank_regs(t, b);
  switch (reg) {
  case KEYR:
    if (!r->key_lockout)
      unlock_step(&r->cr, CR_LOCK, &r->key_stage, &r->key_lockout, value, FLASH_KEY1, FLASH_KEY2);
    return r->key_lockout ? BUS_ERROR : BUS_OK;
  case CR:
    if (flash_bank_busy(t, b) && (v & (CR_START | CR_FW)))
      return BUS_BUSY;
    write_cr(t, b, v);
    return BUS_OK;
  case CCR:
    r->sr &= ~(value & mask & SR_FLAGS);
    return BUS_OK;
  case PRAR_PRG:
    if (!opt_locked)
      f->prar_prg[b] = v & 0x8FFF0FFFu;
    return BUS_OK;
  case SCAR_PRG:
    if (!opt_locked)
      f->scar_prg[b] = v & 0x8FFF0FFFu;
    return BUS_OK;
  case WPSN_PRG:
    if (!opt_locked)
      f->wpsn_prg[b] = v & 0xFFu;
    return BUS_OK;
  default:
    if (reg >= CRCCR && reg < CRCDATA)
      r->crc[(reg - CRCCR) / 4] = v;
    return BUS_OK;
  }
}

static bus_status h7_option_write(sim_target *t, bus_master m, uint32_t addr, unsigned size,
                                  uint32_t value)
{
  (void)t, (void)m, (void)addr, (void)size, (void)value;
  return BUS_ERROR; /* no option bytes in the memory map */
}

static void h7_reset(sim_target *t)
{
  sim_flash *f = &t->flash;
  const uint8_t *lo = t->st.loaded;
  f->acr = 0x37; /* LATENCY 7, WRHIGHFREQ 3 (RM0433 §4.9.1) */
  f->optcr = OPTCR_OPTLOCK;
  f->optkey_stage = 0;
  f->optkey_lockout = false;
  f->optchangeerr = false;
  for (int b = 0; b < 2; b++) {
    f->h7[b] = (struct sim_h7_bank){.cr = CR_LOCK | (PSIZE_X64 << CR_PSIZE_SHIFT)};
    f->prar_prg[b] = word_of(lo, b ? W_PRAR2 : W_PRAR1);
    f->scar_prg[b] = word_of(lo, b ? W_SCAR2 : W_SCAR1);
    f->wpsn_prg[b] = word_of(lo, b ? W_WPSN2 : W_WPSN1);
  }
  f->optsr_prg = word_of(lo, W_OPTSR);
  f->boot_prg = word_of(lo, W_BOOT);
  f->optsr2_prg = word_of(lo, W_OPTSR2);
}

/* ---- boot (RM0433 §2.6, AN4938 / the H72x hardware note §5.1) ---- */

/* What lies at `addr` on this chip, or NULL. */
static const char *memory_at(const sim_chip *chip, uint32_t addr)
{
  if (addr - 0x08000000u < chip->flash_size)
    return "flash";
  if (addr - chip->family->sysmem_base < chip->family->sysmem_size)
    return "system-memory";
  if (addr - 0x20000000u < chip->sram_size)
    return "sram";
  for (int i = 0; i < chip->ram_count; i++)
    if (addr - chip->rams[i].base < chip->rams[i].size)
      return "sram";
  return NULL;
}

/* BOOT pin low: BOOT_ADD0 << 16, high: BOOT_ADD1 << 16 (RM0433 §2.6). An
 * address outside the memory map falls back to flash (pin low) or ITCM (pin
 * high); RDP level 2 allows only the flash (AN4938, the H72x hardware note
 * §5.1). The pins are sampled and BOOT_CUR is read at every reset; there is
 * no empty check, so a power-on decides alike. */
static void h7_boot(const sim_chip *chip, const sim_chip_state *st, bool power_on, sim_boot *out)
{
  (void)power_on;
  uint32_t boot = word_of(st->options, W_BOOT);
  const char *pin = st->boot0 ? "BOOT0=1 selects BOOT_ADD1" : "BOOT0=0 selects BOOT_ADD0";
  uint32_t field = st->boot0 ? boot >> 16 : boot & 0xFFFF;
  uint32_t addr = field << 16;
  const char *mem = memory_at(chip, addr);
  int n;
  if ((h7_rdp_level(st->options) == 2 || st->rdp2_locked) && !(mem && !strcmp(mem, "flash"))) {
    addr = 0x08000000;
    n = snprintf(out->reason, sizeof out->reason,
                 "%s = 0x%04X, but read protection level 2 allows only the flash", pin, field);
  } else if (!mem) {
    addr = st->boot0 ? 0x00000000u : 0x08000000u;
    n = snprintf(out->reason, sizeof out->reason,
                 "%s = 0x%04X, where there is no memory: the default %s", pin, field,
                 st->boot0 ? "ITCM (0x00000000)" : "flash (0x08000000)");
  } else {
    n = snprintf(out->reason, sizeof out->reason, "%s = 0x%04X (RM0433 §2.6)", pin, field);
  }
  mem = memory_at(chip, addr);
  out->address = addr;
  out->area = !strcmp(mem, "flash") ? BOOT_FLASH : !strcmp(mem, "system-memory") ? BOOT_SYSMEM
                                                                                    : BOOT_SRAM;
  size_t left = n > 0 && (size_t)n < sizeof out->reason ? sizeof out->reason - (size_t)n : 0;
  if (out->area == BOOT_FLASH && left) {
    uint32_t off = addr - 0x08000000u, vector;
    memcpy(&vector, st->flash + off + 4, 4);
    if (vector == 0xFFFFFFFFu)
      snprintf(out->reason + n, left, "; the flash there is erased: no program to run");
  } else if (out->area == BOOT_SRAM && left) {
    snprintf(out->reason + n, left, "; RAM holds no program after power-on");
  }
}

void h7_set_boot_add0(uint8_t opts[SIM_OPTIONS_SIZE], uint16_t value)
{
  set_word(opts, W_BOOT, (word_of(opts, W_BOOT) & 0xFFFF0000u) | value);
}

/* ---- state tool ---- */

typedef struct h7_field {
  const char *name;
  uint8_t word, shift, width;
  uint8_t needs; /* 0 all, 1 H74x, 2 H72x, 3 dual bank */
  const char *off_text, *on_text;
} h7_field;

static const h7_field h7_fields[] = {
    {"bor_lev", W_OPTSR, 2, 2, 0, NULL, NULL},
    {"iwdg1_sw", W_OPTSR, 4, 1, 0, "hardware watchdog", "software watchdog"},
    {"nrst_stop_d1", W_OPTSR, 6, 1, 0, "reset on D1 Stop", "no reset on D1 Stop"},
    {"nrst_stby_d1", W_OPTSR, 7, 1, 0, "reset on D1 Standby", "no reset on D1 Standby"},
    {"fz_iwdg_stop", W_OPTSR, 17, 1, 0, "IWDG frozen in Stop", "IWDG runs in Stop"},
    {"fz_iwdg_sdby", W_OPTSR, 18, 1, 0, "IWDG frozen in Standby", "IWDG runs in Standby"},
    {"st_ram_size", W_OPTSR, 19, 2, 0, NULL, NULL},
    {"security", W_OPTSR, 21, 1, 0, "secure access mode off", "secure access mode on"},
    {"nrst_stop_d2", W_OPTSR, 24, 1, 2, "reset on D2 Stop", "no reset on D2 Stop"},
    {"nrst_stby_d2", W_OPTSR, 25, 1, 2, "reset on D2 Standby", "no reset on D2 Standby"},
    {"io_hslv", W_OPTSR, 29, 1, 0, "I/O high speed at low voltage off", "on"},
    {"swap_bank", W_OPTSR, 31, 1, 1, "bank 1 at 0x08000000", "banks swapped"},
    {"boot_add0", W_BOOT, 0, 16, 0, NULL, NULL},
    {"boot_add1", W_BOOT, 16, 16, 0, NULL, NULL},
    {"wpsn1", W_WPSN1, 0, 8, 0, "one bit per bank-1 sector, 0 = write protected", NULL},
    {"wpsn2", W_WPSN2, 0, 8, 3, "one bit per bank-2 sector, 0 = write protected", NULL},
    {"prar1", W_PRAR1, 0, 32, 0, "PCROP area of bank 1 (START > END: none)", NULL},
    {"scar1", W_SCAR1, 0, 32, 0, "secure-only area of bank 1 (START > END: none)", NULL},
    {"prar2", W_PRAR2, 0, 32, 3, "PCROP area of bank 2 (START > END: none)", NULL},
    {"scar2", W_SCAR2, 0, 32, 3, "secure-only area of bank 2 (START > END: none)", NULL},
    {"tcm_axi_shared", W_OPTSR2, 0, 2, 2, NULL, NULL},
    {"cpufreq_boost", W_OPTSR2, 2, 1, 2, "550 MHz boost off", "550 MHz boost on"},
};

static bool field_exists(const sim_chip *chip, const h7_field *fld)
{
  switch (fld->needs) {
  case 1:
    return !chip->is_h72x;
  case 2:
    return chip->is_h72x;
  case 3:
    return banks(chip) == 2;
  default:
    return true;
  }
}

static uint32_t field_max(const h7_field *fld)
{
  return fld->width == 32 ? 0xFFFFFFFFu : (1u << fld->width) - 1;
}

static bool h7_set_option(const sim_chip *chip, uint8_t opts[SIM_OPTIONS_SIZE], const char *name,
                          uint32_t value, char *err, size_t err_len)
{
  uint32_t optsr = word_of(opts, W_OPTSR);
  if (strcmp(name, "rdp") == 0) {
    static const uint8_t levels[3] = {RDP_LEVEL0, 0x55, RDP_LEVEL2};
    if (value > 2) {
      snprintf(err, err_len, "rdp=%u: levels are 0, 1 and 2", value);
      return false;
    }
    set_word(opts, W_OPTSR, (optsr & ~0xFF00u) | (uint32_t)levels[value] << 8);
    return true;
  }
  if (strcmp(name, "nwrp") == 0) {
    uint32_t bits = chip->sector_count;
    if (value >> bits) {
      snprintf(err, err_len, "nwrp=0x%X: %s has %u sectors (0..0x%X)", value, chip->name, bits,
               (1u << bits) - 1);
      return false;
    }
    set_word(opts, W_WPSN1, value & 0xFF);
    if (banks(chip) == 2)
      set_word(opts, W_WPSN2, (value >> 8) & 0xFF);
    return true;
  }
  for (size_t i = 0; i < sizeof h7_fields / sizeof h7_fields[0]; i++) {
    const h7_field *fld = &h7_fields[i];
    if (strcmp(name, fld->name) != 0)
      continue;
    if (!field_exists(chip, fld))
      break;
    uint32_t max = field_max(fld);
    if (value > max) {
      snprintf(err, err_len, "%s=%u is out of range (0..%u)", name, value, max);
      return false;
    }
    uint32_t w = word_of(opts, fld->word);
    set_word(opts, fld->word, (w & ~(max << fld->shift)) | value << fld->shift);
    return true;
  }
  snprintf(err, err_len, "unknown %s option '%s'", chip->name, name);
  return false;
}

static const char *bor_text(uint32_t v)
{
  static const char *const t[4] = {"BOR off", "BOR level 1", "BOR level 2", "BOR level 3"};
  return t[v & 3];
}

static int h7_decode(const sim_chip *chip, const uint8_t opts[SIM_OPTIONS_SIZE],
                     option_field *out, int max)
{
  uint32_t optsr = word_of(opts, W_OPTSR);
  int n = 0, level = rdp_of(optsr);
  static const char *const rdp_text[3] = {"level 0", "level 1", "level 2 (permanent)"};
  if (n < max)
    out[n++] = (option_field){"rdp", (optsr >> 8) & 0xFF, rdp_text[level]};
  for (size_t i = 0; i < sizeof h7_fields / sizeof h7_fields[0] && n < max; i++) {
    const h7_field *fld = &h7_fields[i];
    if (!field_exists(chip, fld))
      continue;
    uint32_t v = (word_of(opts, fld->word) >> fld->shift) & field_max(fld);
    const char *text = fld->on_text ? (v ? fld->on_text : fld->off_text) : fld->off_text;
    if (strcmp(fld->name, "bor_lev") == 0)
      text = bor_text(v);
    else if (strncmp(fld->name, "boot_add", 8) == 0)
      text = memory_at(chip, v << 16) ? memory_at(chip, v << 16) : "no memory there";
    out[n++] = (option_field){fld->name, v, text};
  }
  return n;
}

static void h7_costs(const sim_chip *chip, sim_flash_costs *out)
{
  out->flash_size = chip->flash_size;
  out->program_unit = 32;
  out->program_ns = SIM_US(prog_us[PSIZE_X64]);
  out->mass_erase_ns = bank_time(chip, PSIZE_X64); /* the banks erase side by side */
  out->bank_size = chip->bank_size;
  out->bank_erase_ns = bank_time(chip, PSIZE_X64);
}

static sim_ns h7_unit_erase_ns(uint32_t size)
{
  (void)size;
  return sector_time(PSIZE_X64);
}

static bool h7_option_image(const sim_chip *chip, const uint8_t opts[SIM_OPTIONS_SIZE],
                            uint32_t base, uint8_t out[SIM_OPTIONS_SIZE])
{
  (void)chip, (void)opts, (void)base, (void)out;
  return false;
}

const flash_family sim_flash_h7 = {
    .reset = h7_reset,
    .reg_read = h7_reg_read,
    .reg_write = h7_reg_write,
    .array_write = h7_array_write,
    .option_write = h7_option_write,
    .op_done = h7_op_done,
    .op_failed = h7_op_failed,
    .rdp_level = h7_rdp_level,
    .offset_protected = h7_offset_protected,
    .factory_options = h7_factory_options,
    .option_image = h7_option_image,
    .set_option = h7_set_option,
    .decode = h7_decode,
    .option_names = "rdp=0|1|2 bor_lev iwdg1_sw nrst_stop_d1 nrst_stby_d1 fz_iwdg_stop "
                    "fz_iwdg_sdby st_ram_size security io_hslv boot_add0 boot_add1 wpsn1 "
                    "prar1 scar1 nwrp; H74x: swap_bank wpsn2 prar2 scar2; H72x: nrst_stop_d2 "
                    "nrst_stby_d2 tcm_axi_shared cpufreq_boost",
    .costs = h7_costs,
    .unit_erase_ns = h7_unit_erase_ns,
    .array_read = h7_array_read,
    .boot = h7_boot,
};
