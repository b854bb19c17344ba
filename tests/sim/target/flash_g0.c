/*
 * STM32G0 flash interface, option bytes and boot configuration: RM0444
 * (STM32G0x1) §3 (flash), §2.5 (boot), DS12232 (G071) and DS13560 (G0B1)
 * "Flash memory characteristics".
 *
 * What the manuals leave open, decided here (and tested):
 *  - a write to the array with PG and FSTPG clear, or with PER/MERx still
 *    set, sets PGSERR and changes nothing; it is no bus error;
 *  - a new program or erase while PROGERR, WRPERR, PGAERR, SIZERR, PGSERR,
 *    MISSERR or FASTERR is still set is refused with PGSERR (RM0444 §3.7.4:
 *    "set if ... an error flag was not cleared"); OPTVERR does not block;
 *  - a KEYR (OPTKEYR) write while FLASH_CR (the options) is already
 *    unlocked is a wrong key sequence: a bus error and the lock until the
 *    next reset, which is why the HAL and the tools read LOCK first;
 *  - writing FLASH_CR while CFGBSY is set (half a double word written, or
 *    an operation running) is a bus error: a HardFault for the CPU, a FAULT
 *    for a debugger (RM0444 §3.7.5 CFGBSY note);
 *  - page erase on a dual-bank part takes the bank from BKER and the page
 *    from PNB with bit 8 ignored, so both RM0444's numbering of bank 2
 *    (256..383) and the HAL's (BKER + 0..127) erase the same page; a page
 *    number past the end of the bank erases nothing and reports nothing
 *    (what G0B1 silicon does with PNB 128..255 and BKER clear);
 *  - fast programming (FSTPG) takes a row of 64 word stores, each at most
 *    20 us after the previous one (else MISSERR), only in the page erased
 *    last or after a mass erase (else PGSERR); the row then keeps the flash
 *    busy for 32 double-word times; every double word is written as it
 *    arrives, so those before an error stay programmed;
 *  - OPTSTRT keeps BSY1 for one page erase plus 16 double words (the option
 *    page is rewritten; the datasheets give no figure); the RDP 1 -> 0
 *    regression adds a mass erase of every bank (22 ms per bank);
 *  - OBL_LAUNCH reloads the option bytes and resets the system; the debug
 *    port keeps its state (a debugger sees a reset, not a power cycle);
 *  - PCROP areas refuse program and erase (WRPERR) and survive a regression
 *    with PCROP_RDP = 0; reads of PCROP areas are not blocked here.
 *
 * The option bytes in the state are their memory image at 0x1FFF7800
 * (RM0444 §3.4.1): one double word per option register, the value then its
 * complement; a pair that does not match loads safe values for that word and
 * sets OPTVERR.
 */
#include "target.h"

#include <string.h>

enum {
  ACR = 0x00, KEYR = 0x08, OPTKEYR = 0x0C, SR = 0x10, CR = 0x14, ECCR = 0x18, ECC2R = 0x1C,

  ACR_EMPTY = 1 << 16,
  ACR_DBG_SWEN = 1 << 18,
  ACR_WRITABLE = 0x7 | 1 << 8 | 1 << 9 | 1 << 11 | ACR_EMPTY | 1 << 18,
  ACR_RESET = 0x00040600, /* DBG_SWEN, ICEN, bit 10 */

  SR_EOP = 1 << 0, SR_OPERR = 1 << 1, SR_PROGERR = 1 << 3, SR_WRPERR = 1 << 4,
  SR_PGAERR = 1 << 5, SR_SIZERR = 1 << 6, SR_PGSERR = 1 << 7, SR_MISSERR = 1 << 8,
  SR_FASTERR = 1 << 9, SR_RDERR = 1 << 14, SR_OPTVERR = 1 << 15,
  SR_BSY1 = 1 << 16, SR_BSY2 = 1 << 17, SR_CFGBSY = 1 << 18,
  SR_W1C = SR_EOP | SR_OPERR | SR_PROGERR | SR_WRPERR | SR_PGAERR | SR_SIZERR | SR_PGSERR |
           SR_MISSERR | SR_FASTERR | SR_RDERR | SR_OPTVERR,
  SR_BLOCKING = SR_PROGERR | SR_WRPERR | SR_PGAERR | SR_SIZERR | SR_PGSERR | SR_MISSERR |
                SR_FASTERR,

  CR_PG = 1 << 0, CR_PER = 1 << 1, CR_MER1 = 1 << 2, CR_PNB = 0x3FF << 3, CR_BKER = 1 << 13,
  CR_MER2 = 1 << 15, CR_STRT = 1 << 16, CR_OPTSTRT = 1 << 17, CR_FSTPG = 1 << 18,
  CR_EOPIE = 1 << 24, CR_ERRIE = 1 << 25, CR_RDERRIE = 1 << 26, CR_OBL_LAUNCH = 1 << 27,
  CR_SEC_PROT = 1 << 28, CR_SEC_PROT2 = 1 << 29, CR_OPTLOCK = 1 << 30,
  CR_WRITABLE = CR_PG | CR_PER | CR_MER1 | CR_PNB | CR_BKER | CR_MER2 | CR_FSTPG | CR_EOPIE |
                CR_ERRIE | CR_RDERRIE,

  OPTR_BOR_EN = 1 << 8, OPTR_nSWAP_BANK = 1 << 20, OPTR_DUAL_BANK = 1 << 21,
  OPTR_nBOOT_SEL = 1 << 24, OPTR_nBOOT1 = 1 << 25, OPTR_nBOOT0 = 1 << 26,
  SECR_BOOT_LOCK = 1 << 16,

  OPTKEY1 = 0x08192A3B, OPTKEY2 = 0x4C5D6E7F,
  RDP_LEVEL0 = 0xAA, RDP_LEVEL2 = 0xCC,
  ROW = 256,
  PCROP_UNIT = 512,
  REGRESSION_PARTIAL = 1, /* flash_op.offset of an option change that erases around PCROP */
};
#define CR_LOCK 0x80000000u
#define PCROP_RDP_BIT 0x80000000u

/* DS12232/DS13560 "Flash memory characteristics", typical values (timing
 * model §4: 85 us per double word, 22 ms per page, 22 ms per bank). */
static const sim_ns T_PROG = SIM_US(85);
static const sim_ns T_PAGE_ERASE = SIM_MS(22);
static const sim_ns T_BANK_ERASE = SIM_MS(22);
static const sim_ns T_OPTIONS = SIM_MS(22) + 16 * SIM_US(85);
static const sim_ns T_FAST_GAP = SIM_US(20);

/* ---- the option words ---- */

/* Slots of the option image, in register order; the register offset of
 * each (0: no register). Bank-2 slots exist on the G0B1 only. */
enum {
  OB_OPTR, OB_PCROP1ASR, OB_PCROP1AER, OB_WRP1AR, OB_WRP1BR, OB_PCROP1BSR, OB_PCROP1BER,
  OB_PCROP2ASR, OB_PCROP2AER, OB_WRP2AR, OB_WRP2BR, OB_PCROP2BSR, OB_PCROP2BER,
  OB_SECR = 14, OB_SLOTS = 16
};
static const uint8_t slot_reg[OB_SLOTS] = {0x20, 0x24, 0x28, 0x2C, 0x30, 0x34, 0x38, 0x44,
                                           0x48, 0x4C, 0x50, 0x54, 0x58, 0,    0x80, 0};

static uint32_t get32(const uint8_t *p)
{
  uint32_t v;
  memcpy(&v, p, 4);
  return v;
}

static void put32(uint8_t *p, uint32_t v)
{
  memcpy(p, &v, 4);
}

static void ob_set(uint8_t *opts, int slot, uint32_t value)
{
  put32(opts + 8 * slot, value);
  put32(opts + 8 * slot + 4, ~value);
}

/* Values loaded when a pair does not match (RM0444 §3.4.2, option byte
 * loading): user bits set except BOR_EN, RDP level 1, no WRP, PCROP over the
 * whole flash, boot forced from the main flash. */
static uint32_t safe_value(int slot)
{
  switch (slot) {
  case OB_OPTR:
    return 0xFFFFFFFFu & ~(uint32_t)OPTR_BOR_EN & ~0xFFu;
  case OB_WRP1AR:
  case OB_WRP1BR:
  case OB_WRP2AR:
  case OB_WRP2BR:
    return 0x000000FF;
  case OB_SECR:
    return SECR_BOOT_LOCK;
  default:
    return 0; /* PCROP start = end = 0: everything */
  }
}

static bool slot_bad(const uint8_t *opts, int slot)
{
  return slot_reg[slot] && get32(opts + 8 * slot) != ~get32(opts + 8 * slot + 4);
}

static uint32_t ob_word(const uint8_t *opts, int slot)
{
  return slot_bad(opts, slot) ? safe_value(slot) : get32(opts + 8 * slot);
}

static bool options_bad(const uint8_t *opts)
{
  for (int i = 0; i < OB_SLOTS; i++)
    if (slot_bad(opts, i))
      return true;
  return false;
}

static int rdp_of(uint32_t optr)
{
  uint8_t rdp = (uint8_t)optr;
  return rdp == RDP_LEVEL0 ? 0 : rdp == RDP_LEVEL2 ? 2 : 1;
}

static int g0_rdp_level(const uint8_t opts[SIM_OPTIONS_SIZE])
{
  return rdp_of(ob_word(opts, OB_OPTR));
}

/* ---- geometry ---- */

static uint32_t wrp_mask(const sim_chip *chip)
{
  return chip->dual_bank ? 0x7F : 0x3F; /* RM0444 §3.7.9: WRP1A_STRT[6:0] / [5:0] */
}

static uint32_t pcrop_mask(const sim_chip *chip)
{
  return chip->dual_bank ? 0x1FF : 0xFF;
}

/* Bits each register implements (the rest keep their value: reserved). */
static uint32_t reg_mask(const sim_chip *chip, int slot)
{
  switch (slot) {
  case OB_OPTR:
    return chip->dual_bank ? 0x3F7FFFFFu : 0x3F4FFFFFu;
  case OB_WRP1AR:
  case OB_WRP1BR:
  case OB_WRP2AR:
  case OB_WRP2BR:
    return wrp_mask(chip) | wrp_mask(chip) << 16;
  case OB_PCROP1AER:
    return pcrop_mask(chip) | PCROP_RDP_BIT;
  case OB_SECR:
    return chip->dual_bank ? 0x0FF100FFu : 0x0001007Fu;
  default:
    return pcrop_mask(chip);
  }
}

static bool slot_exists(const sim_chip *chip, int slot)
{
  return slot_reg[slot] && (chip->dual_bank || slot < OB_PCROP2ASR || slot == OB_SECR);
}

static bool dual_mode(const sim_chip *chip, const uint8_t *opts)
{
  return chip->dual_bank && (ob_word(opts, OB_OPTR) & OPTR_DUAL_BANK);
}

static bool swapped(const sim_chip *chip, const uint8_t *opts)
{
  return dual_mode(chip, opts) && !(ob_word(opts, OB_OPTR) & OPTR_nSWAP_BANK);
}

static uint32_t bank_size(const sim_chip *chip, const uint8_t *opts)
{
  return dual_mode(chip, opts) ? chip->flash_size / 2 : chip->flash_size;
}

/* The physical bank behind an offset (nSWAP_BANK = 0 maps bank 2 first). */
static unsigned phys_bank(const sim_chip *chip, const uint8_t *opts, uint32_t offset)
{
  unsigned b = offset / bank_size(chip, opts);
  return swapped(chip, opts) ? b ^ 1u : b;
}

static uint32_t bank_offset(const sim_chip *chip, const uint8_t *opts, unsigned phys)
{
  unsigned logical = swapped(chip, opts) ? phys ^ 1u : phys;
  return logical * bank_size(chip, opts);
}

/* WRP zones (RM0444 §3.5.3): pages STRT..END of the bank, none if STRT > END. */
static bool g0_offset_protected(const sim_chip *chip, const uint8_t opts[SIM_OPTIONS_SIZE],
                                uint32_t offset)
{
  unsigned bank = phys_bank(chip, opts, offset);
  uint32_t page = (offset % bank_size(chip, opts)) / chip->page_size;
  int first = bank ? OB_WRP2AR : OB_WRP1AR;
  for (int z = first; z < first + 2; z++) {
    uint32_t w = ob_word(opts, z), m = wrp_mask(chip);
    uint32_t start = w & m, end = (w >> 16) & m;
    if (start <= end && page >= start && page <= end)
      return true;
  }
  return false;
}

static bool wrp_any(const sim_chip *chip, const uint8_t *opts, unsigned bank)
{
  int first = bank ? OB_WRP2AR : OB_WRP1AR;
  for (int z = first; z < first + 2; z++) {
    uint32_t w = ob_word(opts, z), m = wrp_mask(chip);
    if ((w & m) <= ((w >> 16) & m))
      return true;
  }
  return false;
}

/* PCROP zones in 512-byte units from the bank start (RM0444 §3.5.2): START =
 * END protects the whole flash, START > END nothing. */
static bool pcrop_zone(const sim_chip *chip, const uint8_t *opts, int zone, uint32_t *lo,
                       uint32_t *hi)
{
  static const int starts[4] = {OB_PCROP1ASR, OB_PCROP1BSR, OB_PCROP2ASR, OB_PCROP2BSR};
  if (zone >= 2 && !chip->dual_bank)
    return false;
  uint32_t m = pcrop_mask(chip);
  uint32_t s = ob_word(opts, starts[zone]) & m, e = ob_word(opts, starts[zone] + 1) & m;
  if (s > e)
    return false;
  if (s == e) {
    *lo = 0;
    *hi = chip->flash_size;
    return true;
  }
  uint32_t base = zone >= 2 ? bank_offset(chip, opts, 1) : bank_offset(chip, opts, 0);
  *lo = base + s * PCROP_UNIT;
  *hi = base + (e + 1) * PCROP_UNIT;
  return true;
}

static bool pcrop_hits(const sim_chip *chip, const uint8_t *opts, uint32_t offset, uint32_t len)
{
  for (int z = 0; z < 4; z++) {
    uint32_t lo, hi;
    if (pcrop_zone(chip, opts, z, &lo, &hi) && offset < hi && offset + len > lo)
      return true;
  }
  return false;
}

/* ---- registers ---- */

static const uint8_t *loaded(const sim_target *t)
{
  return t->st.loaded;
}

static bool set_error(sim_target *t, uint32_t flags)
{
  t->flash.sr |= flags;
  return false;
}

/* Program/erase refused: RDP level 1 with a debugger (or not booted from
 * flash), WRP, PCROP, or a securable area locked by SEC_PROT. */
static bool write_blocked(sim_target *t, uint32_t offset, uint32_t len)
{
  const sim_chip *chip = t->chip;
  if (flash_rdp_blocks_writes(t) || pcrop_hits(chip, loaded(t), offset, len))
    return true;
  for (uint32_t off = offset; off < offset + len; off += chip->page_size)
    if (g0_offset_protected(chip, loaded(t), off))
      return true;
  uint32_t secr = ob_word(loaded(t), OB_SECR);
  uint32_t sec1 = (secr & 0xFF) * chip->page_size, sec2 = ((secr >> 20) & 0xFF) * chip->page_size;
  if ((t->flash.cr & CR_SEC_PROT) && offset < sec1)
    return true;
  uint32_t b2 = bank_offset(chip, loaded(t), 1);
  if (chip->dual_bank && (t->flash.cr & CR_SEC_PROT2) && offset >= b2 && offset < b2 + sec2)
    return true;
  return false;
}

/* BSY1/BSY2: the banks the running operation works on. */
static uint32_t busy_bits(const sim_target *t, const flash_op *op)
{
  if (op->erase_all_first)
    return SR_BSY1 | (dual_mode(t->chip, loaded(t)) ? SR_BSY2 : 0);
  if (op->kind == FLASH_OP_OPTIONS || op->len == 0)
    return SR_BSY1;
  unsigned first = phys_bank(t->chip, loaded(t), op->offset);
  unsigned last = phys_bank(t->chip, loaded(t), op->offset + op->len - 1);
  return (first == 0 || last == 0 ? SR_BSY1 : 0) | (first == 1 || last == 1 ? SR_BSY2 : 0);
}

static uint32_t sr_value(sim_target *t)
{
  sim_flash *f = &t->flash;
  uint32_t v = f->sr;
  if (flash_busy(t))
    v |= SR_CFGBSY | busy_bits(t, &f->op);
  if (f->half_pending || f->fast_count)
    v |= SR_CFGBSY;
  return v;
}

static bus_status g0_reg_read(sim_target *t, uint32_t off, uint32_t *value)
{
  sim_flash *f = &t->flash;
  *value = 0;
  switch (off) {
  case ACR:
    *value = (f->acr & ~(uint32_t)ACR_EMPTY) | (t->st.flash_empty ? ACR_EMPTY : 0);
    return BUS_OK;
  case SR:
    *value = sr_value(t);
    return BUS_OK;
  case CR:
    flash_busy(t);
    *value = f->cr;
    return BUS_OK;
  case KEYR:
  case OPTKEYR:
  case ECCR:
  case ECC2R:
    return BUS_OK; /* write only; no ECC error is ever detected */
  default:
    break;
  }
  for (int i = 0; i < OB_SLOTS; i++)
    if (slot_reg[i] == off && slot_exists(t->chip, i)) /* reserved bits: OPTR 1, others 0 */
      *value = i == OB_OPTR ? f->opt_regs[i] : f->opt_regs[i] & reg_mask(t->chip, i);
  return BUS_OK;
}

static bool start_erase(sim_target *t)
{
  sim_flash *f = &t->flash;
  const sim_chip *chip = t->chip;
  const uint8_t *o = loaded(t);
  uint32_t mode = f->cr & (CR_PER | CR_MER1 | CR_MER2);
  if (!dual_mode(chip, o) && (mode & CR_MER1))
    mode &= ~(uint32_t)CR_MER2; /* one bank: MER1 erases all of it */
  if ((f->sr & SR_BLOCKING) || (f->cr & (CR_PG | CR_FSTPG)) || !mode ||
      ((mode & CR_PER) && mode != CR_PER) || (!dual_mode(chip, o) && mode == CR_MER2))
    return set_error(t, SR_PGSERR);
  flash_op op = {.kind = FLASH_OP_ERASE};
  if (mode == CR_PER) {
    bool dual = dual_mode(chip, o);
    unsigned bank = dual && (f->cr & CR_BKER) ? 1 : 0;
    uint32_t pnb = (f->cr & CR_PNB) >> 3;
    uint32_t page = dual ? pnb & ~0x100u : pnb;
    f->last_erased_page = -1;
    if (page < bank_size(chip, o) / chip->page_size) {
      op.offset = bank_offset(chip, o, bank) + page * chip->page_size;
      op.len = chip->page_size;
      if (write_blocked(t, op.offset, op.len))
        return set_error(t, SR_WRPERR);
      f->last_erased_page = (int32_t)op.offset;
    }
    if (!flash_start(t, &op, T_PAGE_ERASE, 0, 1, false))
      return false;
  } else {
    unsigned banks = 0, first = mode & CR_MER1 ? 0 : 1;
    for (unsigned b = 0; b < 2; b++) {
      if (!(mode & (b ? CR_MER2 : CR_MER1)))
        continue;
      banks++;
      uint32_t base = bank_offset(chip, o, b);
      if (flash_rdp_blocks_writes(t) || wrp_any(chip, o, b) ||
          pcrop_hits(chip, o, base, bank_size(chip, o)))
        return set_error(t, SR_WRPERR); /* RM0444 §3.3.7: no mass erase under WRP or PCROP */
    }
    op.offset = banks == 2 ? 0 : bank_offset(chip, o, first);
    op.len = banks * bank_size(chip, o);
    f->last_erased_page = -2;
    if (!flash_start(t, &op, banks * T_BANK_ERASE, 0, 0, true))
      return false;
  }
  f->cr |= CR_STRT;
  return true;
}

static uint32_t masked_reg(const sim_chip *chip, int slot, uint32_t old, uint32_t v)
{
  uint32_t m = reg_mask(chip, slot);
  return (old & ~m) | (v & m);
}


/* OPTSTRT: the option registers are written to the option page (RM0444
 * §3.4.2); an RDP change from level 1 to 0 first erases the flash. */
static void start_options(sim_target *t)
{
  sim_flash *f = &t->flash;
  const sim_chip *chip = t->chip;
  if (g0_rdp_level(loaded(t)) == 2)
    return (void)set_error(t, SR_WRPERR); /* level 2 freezes the options */
  memcpy(f->pending_options, t->st.options, SIM_OPTIONS_SIZE);
  uint32_t old_secr = ob_word(loaded(t), OB_SECR);
  bool regression = g0_rdp_level(loaded(t)) == 1 && rdp_of(f->opt_regs[OB_OPTR]) == 0;
  for (int i = 0; i < OB_SLOTS; i++) {
    if (!slot_exists(chip, i))
      continue;
    uint32_t v = f->opt_regs[i];
    /* BOOT_LOCK is cleared only at level 0 or by the regression (§3.4.1) */
    if (i == OB_SECR && (old_secr & SECR_BOOT_LOCK) && g0_rdp_level(loaded(t)) != 0 && !regression)
      v |= SECR_BOOT_LOCK;
    ob_set(f->pending_options, i, v);
  }
  bool pcrop_rdp = ob_word(loaded(t), OB_PCROP1AER) & PCROP_RDP_BIT;
  uint32_t lo, hi;
  bool any_pcrop = false;
  for (int z = 0; z < 4; z++)
    any_pcrop |= pcrop_zone(chip, loaded(t), z, &lo, &hi);
  flash_op op = {.kind = FLASH_OP_OPTIONS};
  sim_ns duration = T_OPTIONS;
  if (regression) {
    unsigned banks = dual_mode(chip, loaded(t)) ? 2 : 1;
    duration += banks * T_BANK_ERASE;
    if (pcrop_rdp || !any_pcrop) { /* full mass erase; PCROP removed */
      op.erase_all_first = true;
      static const int zones[4] = {OB_PCROP1ASR, OB_PCROP1BSR, OB_PCROP2ASR, OB_PCROP2BSR};
      for (int z = 0; z < 4; z++) {
        if (!slot_exists(chip, zones[z]))
          continue;
        ob_set(f->pending_options, zones[z], pcrop_mask(chip));
        ob_set(f->pending_options, zones[z] + 1, 0);
      }
    } else {
      op.offset = REGRESSION_PARTIAL; /* op_done erases the pages outside PCROP */
    }
  }
  if (flash_start(t, &op, duration, 0, 0, regression))
    f->cr |= CR_OPTSTRT;
}

/* Regression with PCROP_RDP = 0: every page not overlapping a PCROP zone,
 * and the securable areas, are erased (RM0444 §3.5.1 Table 18). */
static void partial_erase(sim_target *t)
{
  const sim_chip *chip = t->chip;
  const uint8_t *o = loaded(t);
  uint32_t secr = ob_word(o, OB_SECR);
  uint32_t sec1 = (secr & 0xFF) * chip->page_size;
  for (uint32_t off = 0; off < chip->flash_size; off += chip->page_size) {
    if (pcrop_hits(chip, o, off, chip->page_size) && off >= sec1)
      continue;
    memset(t->st.flash + off, 0xFF, chip->page_size);
  }
  bus_flash_changed(t, 0, chip->flash_size);
}

static void write_key(sim_target *t, uint32_t key)
{
  sim_flash *f = &t->flash;
  if (!(f->cr & CR_LOCK)) {
    f->key_lockout = true; /* RM0444 §3.3.6: any write when unlocked is an error */
    return;
  }
  key_result r = flash_key_write(&f->key_stage, key, FLASH_KEY1, FLASH_KEY2);
  if (r == KEY_UNLOCKED)
    f->cr &= ~CR_LOCK;
  else if (r == KEY_WRONG)
    f->key_lockout = true; /* locked until the next reset, with a bus error */
}

static void write_optkey(sim_target *t, uint32_t key)
{
  sim_flash *f = &t->flash;
  if ((f->cr & CR_LOCK) || !(f->cr & CR_OPTLOCK)) {
    f->optkey_lockout = true;
    return;
  }
  key_result r = flash_key_write(&f->optkey_stage, key, OPTKEY1, OPTKEY2);
  if (r == KEY_UNLOCKED)
    f->cr &= ~(uint32_t)CR_OPTLOCK;
  else if (r == KEY_WRONG)
    f->optkey_lockout = true;
}

static void obl_launch(sim_target *t, bus_master m)
{
  if (m == MASTER_CPU) {
    t->core.reset_request = 3; /* once the store completes */
    t->core.stop_pending = true;
  } else {
    target_option_load_reset(t);
  }
}

static bus_status cr_write(sim_target *t, bus_master m, uint32_t value, uint32_t mask)
{
  sim_flash *f = &t->flash;
  if (sr_value(t) & SR_CFGBSY)
    return BUS_ERROR;
  if (f->cr & CR_LOCK)
    return BUS_OK;
  uint32_t v = (f->cr & ~mask) | (value & mask);
  bool opt_unlocked = !(f->cr & CR_OPTLOCK);
  uint32_t sticky = f->cr & (CR_SEC_PROT | CR_SEC_PROT2 | CR_OPTLOCK); /* set-only bits */
  f->cr = (v & (CR_WRITABLE | CR_SEC_PROT | CR_SEC_PROT2 | CR_OPTLOCK | CR_LOCK)) | sticky;
  if (!t->chip->dual_bank)
    f->cr &= ~(uint32_t)(CR_SEC_PROT2 | CR_BKER | CR_MER2);
  if (v & CR_LOCK) {
    f->cr |= CR_LOCK | CR_OPTLOCK; /* RM0444 §3.4.2: LOCK also locks the options */
    return BUS_OK;
  }
  if ((v & CR_OBL_LAUNCH) && opt_unlocked) {
    obl_launch(t, m);
    return BUS_OK;
  }
  if ((v & CR_OPTSTRT) && opt_unlocked)
    start_options(t);
  else if (v & CR_STRT)
    start_erase(t);
  return BUS_OK;
}

static bus_status g0_reg_write(sim_target *t, bus_master m, uint32_t off, uint32_t value,
                               uint32_t mask)
{
  sim_flash *f = &t->flash;
  switch (off) {
  case ACR: {
    uint32_t v = f->acr | (t->st.flash_empty ? ACR_EMPTY : 0);
    v = ((v & ~mask) | (value & mask)) & ACR_WRITABLE;
    f->acr = v & ~(uint32_t)ACR_EMPTY;
    f->debug_disabled = !(v & ACR_DBG_SWEN); /* software may turn the debug port off */
    bool empty = v & ACR_EMPTY; /* software may correct EMPTY (RM0444 §3.7.1) */
    if (empty != t->st.flash_empty && !t->scen.g0_empty_stuck) {
      t->st.flash_empty = empty;
      target_mark_dirty(t);
    }
    return BUS_OK;
  }
  case KEYR:
    if (f->key_lockout)
      return BUS_ERROR;
    write_key(t, value);
    return f->key_lockout ? BUS_ERROR : BUS_OK;
  case OPTKEYR:
    if (f->optkey_lockout)
      return BUS_ERROR;
    write_optkey(t, value);
    return f->optkey_lockout ? BUS_ERROR : BUS_OK;
  case SR:
    f->sr &= ~(value & mask & SR_W1C);
    return BUS_OK;
  case CR:
    return cr_write(t, m, value, mask);
  default:
    break;
  }
  if ((f->cr & (CR_LOCK | CR_OPTLOCK)) || flash_busy(t))
    return BUS_OK; /* option registers are writable only when unlocked */
  for (int i = 0; i < OB_SLOTS; i++)
    if (slot_reg[i] == off && slot_exists(t->chip, i))
      f->opt_regs[i] = masked_reg(t->chip, i, f->opt_regs[i], value & mask);
  return BUS_OK;
}

/* ---- programming ---- */

static bool erased(const uint8_t *p, uint32_t len)
{
  for (uint32_t i = 0; i < len; i++)
    if (p[i] != 0xFF)
      return false;
  return true;
}

static bus_status fast_abort(sim_target *t, uint32_t flags)
{
  t->flash.fast_count = 0;
  set_error(t, flags | SR_FASTERR);
  return BUS_OK;
}

/* FSTPG: 64 word stores of one row, back to back (RM0444 §3.3.7). */
static bus_status fast_write(sim_target *t, uint32_t offset, unsigned size, uint32_t value)
{
  sim_flash *f = &t->flash;
  const sim_chip *chip = t->chip;
  sim_ns now = target_time(t);
  if (f->fast_count == 0) {
    if ((f->sr & SR_BLOCKING) || (f->cr & (CR_PG | CR_PER | CR_MER1 | CR_MER2)))
      return fast_abort(t, SR_PGSERR);
    if (size != 4)
      return fast_abort(t, SR_SIZERR);
    if (offset % ROW)
      return fast_abort(t, SR_PGAERR);
    bool after_erase = f->last_erased_page == -2 ||
                       (f->last_erased_page >= 0 &&
                        offset / chip->page_size == (uint32_t)f->last_erased_page / chip->page_size);
    if (!after_erase)
      return fast_abort(t, SR_PGSERR);
    if (write_blocked(t, offset, ROW))
      return fast_abort(t, SR_WRPERR);
    if (!erased(t->st.flash + offset, ROW))
      return fast_abort(t, SR_PROGERR);
    f->fast_offset = offset;
  } else {
    if (size != 4)
      return fast_abort(t, SR_SIZERR);
    if (offset != f->fast_offset + 4 * f->fast_count)
      return fast_abort(t, SR_PGAERR);
    if (now - f->fast_last > T_FAST_GAP)
      return fast_abort(t, SR_MISSERR);
  }
  f->fast_last = now;
  if (f->fast_count % 2 == 0) {
    f->half_word0 = value;
  } else { /* a double word is complete: it is written now */
    uint64_t dw = (uint64_t)value << 32 | f->half_word0;
    uint8_t *p = t->st.flash + offset - 4;
    for (int i = 0; i < 8; i++)
      p[i] &= (uint8_t)(dw >> (8 * i));
    bus_flash_changed(t, offset - 4, 8);
    target_mark_dirty(t);
  }
  if (++f->fast_count == ROW / 4) {
    f->fast_count = 0;
    flash_op op = {.kind = FLASH_OP_PROGRAM, .offset = f->fast_offset, .len = 0};
    flash_start(t, &op, ROW / 8 * T_PROG, ROW / 8, 0, false);
  }
  return BUS_OK;
}

static bus_status g0_array_write(sim_target *t, bus_master m, uint32_t offset, unsigned size,
                                 uint32_t value)
{
  (void)m;
  sim_flash *f = &t->flash;
  if (f->cr & CR_FSTPG)
    return fast_write(t, offset, size, value);
  if (!(f->cr & CR_PG) || (f->cr & (CR_PER | CR_MER1 | CR_MER2)) || (f->sr & SR_BLOCKING)) {
    f->half_pending = false;
    set_error(t, SR_PGSERR);
    return BUS_OK;
  }
  if (size != 4) { /* RM0444 §3.3.7: 32-bit writes only */
    f->half_pending = false;
    set_error(t, SR_SIZERR);
    return BUS_OK;
  }
  if (!f->half_pending) {
    if (offset % 8) {
      set_error(t, SR_PGAERR);
      return BUS_OK;
    }
    f->half_pending = true; /* CFGBSY until the double word is complete */
    f->half_word0 = value;
    f->half_offset = offset;
    return BUS_OK;
  }
  f->half_pending = false;
  if (offset != f->half_offset + 4) {
    set_error(t, SR_PGAERR); /* the second word is not in the same double word */
    return BUS_OK;
  }
  uint32_t dw_off = f->half_offset;
  if (write_blocked(t, dw_off, 8)) {
    set_error(t, SR_WRPERR);
    return BUS_OK;
  }
  /* ECC: only an erased double word, or all zeros, can be written */
  if (!erased(t->st.flash + dw_off, 8) && (f->half_word0 | value) != 0) {
    set_error(t, SR_PROGERR);
    return BUS_OK;
  }
  flash_op op = {.kind = FLASH_OP_PROGRAM, .offset = dw_off, .len = 8};
  memcpy(op.bytes, &f->half_word0, 4);
  memcpy(op.bytes + 4, &value, 4);
  flash_start(t, &op, T_PROG, 1, 0, false);
  return BUS_OK;
}

/* ---- option bytes in memory (0x1FFF7800, 128 bytes) ---- */

static bool g0_option_image(const sim_chip *chip, const uint8_t opts[SIM_OPTIONS_SIZE],
                            uint32_t base, uint8_t out[SIM_OPTIONS_SIZE])
{
  if (base != chip->family->option_base)
    return false;
  memcpy(out, opts, SIM_OPTIONS_SIZE);
  return true;
}

static bus_status g0_option_write(sim_target *t, bus_master m, uint32_t addr, unsigned size,
                                  uint32_t value)
{
  (void)t, (void)m, (void)addr, (void)size, (void)value;
  return BUS_ERROR; /* changed through the option registers and OPTSTRT only */
}

static void g0_op_done(sim_target *t, const flash_op *op)
{
  sim_flash *f = &t->flash;
  if (op->kind == FLASH_OP_OPTIONS) {
    if (op->offset == REGRESSION_PARTIAL)
      partial_erase(t);
    memcpy(t->st.options, f->pending_options, SIM_OPTIONS_SIZE);
  }
  f->cr &= ~(uint32_t)(CR_STRT | CR_OPTSTRT);
  if (f->cr & CR_EOPIE)
    f->sr |= SR_EOP;
}

static void g0_op_failed(sim_target *t)
{
  t->flash.sr |= SR_OPERR;
}

/* The option loader (power-on, OBL_LAUNCH): EMPTY records whether the first
 * word of the main flash is erased (RM0444 §3.3.2 "Empty check"). */
static void g0_option_load(sim_target *t)
{
  uint32_t first;
  memcpy(&first, t->st.flash, 4);
  bool empty = first == 0xFFFFFFFFu;
  if (empty != t->st.flash_empty) {
    t->st.flash_empty = empty;
    target_mark_dirty(t);
  }
}

static void g0_reset(sim_target *t)
{
  sim_flash *f = &t->flash;
  /* RM0444 §3.5.1 caution: BOOT_LOCK with RDP level 1 resets DBG_SWEN to 0,
   * the debug port is gone unless the firmware sets it; not when the
   * options failed to load (safe values) */
  bool locked_out = (ob_word(loaded(t), OB_SECR) & SECR_BOOT_LOCK) &&
                    g0_rdp_level(loaded(t)) == 1 && !options_bad(loaded(t));
  f->acr = locked_out ? ACR_RESET & ~(uint32_t)ACR_DBG_SWEN : ACR_RESET;
  f->debug_disabled = locked_out;
  f->sr = options_bad(loaded(t)) ? SR_OPTVERR : 0;
  f->cr = CR_LOCK | CR_OPTLOCK;
  f->key_stage = f->optkey_stage = 0;
  f->key_lockout = f->optkey_lockout = false;
  f->half_pending = false;
  f->fast_count = 0;
  f->last_erased_page = -1;
  for (int i = 0; i < OB_SLOTS; i++)
    f->opt_regs[i] = ob_word(loaded(t), i);
}

/* ---- boot (RM0444 §2.5, Table 7) ---- */

static void g0_boot(const sim_chip *chip, const sim_chip_state *st, bool power_on, sim_boot *out)
{
  const uint8_t *o = power_on ? st->options : st->loaded;
  uint32_t optr = ob_word(o, OB_OPTR);
  uint32_t first;
  memcpy(&first, st->flash, 4);
  bool empty = power_on ? first == 0xFFFFFFFFu : st->flash_empty;
  const uint32_t sysmem = chip->family->sysmem_base;
  char why[200];
  if (ob_word(o, OB_SECR) & SECR_BOOT_LOCK) {
    *out = (sim_boot){.area = BOOT_FLASH, .address = 0x08000000};
    snprintf(out->reason, sizeof out->reason,
             "BOOT_LOCK=1 forces the main flash whatever the pins and options (RM0444 §2.5)");
    return;
  }
  bool sel = optr & OPTR_nBOOT_SEL;
  /* ES0486 §2.2.9 (and the same reports on G070, G0B1, G0C1): once a
   * debugger has been connected, until power-down, a reset samples the
   * PA14-BOOT0 level stored before the connection, not the pin */
  bool latched = !power_on && st->debugger_latched && st->boot0_at_debug != st->boot0;
  bool pin = latched ? st->boot0_at_debug : st->boot0;
  bool boot0 = sel ? !(optr & OPTR_nBOOT0) : pin;
  if (sel)
    snprintf(why, sizeof why, "nBOOT_SEL=1: the BOOT0 pin (%d) is ignored, nBOOT0=%d", st->boot0,
             (optr & OPTR_nBOOT0) ? 1 : 0);
  else if (latched)
    snprintf(why, sizeof why,
             "nBOOT_SEL=0: BOOT0 pin=%d, but the level kept since the debugger connected is %d "
             "(errata ES0486 2.2.9; a power cycle clears it)",
             st->boot0, pin);
  else
    snprintf(why, sizeof why, "nBOOT_SEL=0: BOOT0 pin=%d", st->boot0);
  if (boot0) {
    bool sys = optr & OPTR_nBOOT1;
    *out = (sim_boot){.area = sys ? BOOT_SYSMEM : BOOT_SRAM, .address = sys ? sysmem : 0x20000000};
    snprintf(out->reason, sizeof out->reason, "%s; nBOOT1=%d selects the %s (RM0444 §2.5)", why,
             sys, sys ? "system memory" : "embedded SRAM");
  } else if (empty) {
    *out = (sim_boot){.area = BOOT_SYSMEM, .address = sysmem};
    snprintf(out->reason, sizeof out->reason,
             "%s selects the main flash, but the empty check sends it to the system memory: "
             "%s (RM0444 §2.5)",
             why,
             power_on ? "the first flash word reads 0xFFFFFFFF at the option load"
             : first != 0xFFFFFFFFu
                 ? "FLASH_ACR.EMPTY=1 from the last option load although the flash now holds a "
                   "program; only a power-on, OBL_LAUNCH or clearing EMPTY changes that"
                 : "FLASH_ACR.EMPTY=1");
  } else {
    *out = (sim_boot){.area = BOOT_FLASH, .address = 0x08000000};
    snprintf(out->reason, sizeof out->reason, "%s selects the main flash%s (RM0444 §2.5)", why,
             !power_on && first == 0xFFFFFFFFu
                 ? "; FLASH_ACR.EMPTY=0 from the last option load although the flash is now "
                   "erased"
                 : "");
  }
}

/* ---- state tool ---- */

typedef struct g0_field {
  const char *name;
  int slot;
  uint8_t shift, width;
  bool dual_only;
  const char *off_text, *on_text;
} g0_field;

static const g0_field g0_fields[] = {
    {"bor_en", OB_OPTR, 8, 1, false, "brown-out reset off", "brown-out reset on"},
    {"borr_lev", OB_OPTR, 9, 2, false, NULL, NULL},
    {"borf_lev", OB_OPTR, 11, 2, false, NULL, NULL},
    {"nrst_stop", OB_OPTR, 13, 1, false, "reset on Stop", "no reset on Stop"},
    {"nrst_stdby", OB_OPTR, 14, 1, false, "reset on Standby", "no reset on Standby"},
    {"nrst_shdw", OB_OPTR, 15, 1, false, "reset on Shutdown", "no reset on Shutdown"},
    {"iwdg_sw", OB_OPTR, 16, 1, false, "hardware IWDG", "software IWDG"},
    {"iwdg_stop", OB_OPTR, 17, 1, false, "IWDG frozen in Stop", "IWDG runs in Stop"},
    {"iwdg_stdby", OB_OPTR, 18, 1, false, "IWDG frozen in Standby", "IWDG runs in Standby"},
    {"wwdg_sw", OB_OPTR, 19, 1, false, "hardware WWDG", "software WWDG"},
    {"nswap_bank", OB_OPTR, 20, 1, true, "banks swapped", "bank 1 at 0x08000000"},
    {"dual_bank", OB_OPTR, 21, 1, true, "single bank", "dual bank"},
    {"ram_parity_check", OB_OPTR, 22, 1, false, "SRAM parity check on", "SRAM parity check off"},
    {"nboot_sel", OB_OPTR, 24, 1, false, "BOOT0 from the PA14-BOOT0 pin",
     "BOOT0 from nBOOT0, the pin is ignored"},
    {"nboot1", OB_OPTR, 25, 1, false, "BOOT0=1 boots the SRAM", "BOOT0=1 boots the system memory"},
    {"nboot0", OB_OPTR, 26, 1, false, "nBOOT0=0 (not the flash)", "nBOOT0=1 (the main flash)"},
    {"nrst_mode", OB_OPTR, 27, 2, false, NULL, NULL},
    {"irhen", OB_OPTR, 29, 1, false, "simple reset pulse on NRST", "internal reset holder on"},
    {"wrp1ar", OB_WRP1AR, 0, 32, false, NULL, NULL},
    {"wrp1br", OB_WRP1BR, 0, 32, false, NULL, NULL},
    {"wrp2ar", OB_WRP2AR, 0, 32, true, NULL, NULL},
    {"wrp2br", OB_WRP2BR, 0, 32, true, NULL, NULL},
    {"pcrop1asr", OB_PCROP1ASR, 0, 32, false, NULL, NULL},
    {"pcrop1aer", OB_PCROP1AER, 0, 32, false, NULL, NULL},
    {"pcrop1bsr", OB_PCROP1BSR, 0, 32, false, NULL, NULL},
    {"pcrop1ber", OB_PCROP1BER, 0, 32, false, NULL, NULL},
    {"pcrop2asr", OB_PCROP2ASR, 0, 32, true, NULL, NULL},
    {"pcrop2aer", OB_PCROP2AER, 0, 32, true, NULL, NULL},
    {"pcrop2bsr", OB_PCROP2BSR, 0, 32, true, NULL, NULL},
    {"pcrop2ber", OB_PCROP2BER, 0, 32, true, NULL, NULL},
    {"sec_size", OB_SECR, 0, 8, false, NULL, NULL},
    {"boot_lock", OB_SECR, 16, 1, false, "boot as the options say", "boot forced from main flash"},
    {"sec_size2", OB_SECR, 20, 8, true, NULL, NULL},
    {"optr", OB_OPTR, 0, 32, false, NULL, NULL},
};
enum { G0_FIELD_COUNT = sizeof g0_fields / sizeof g0_fields[0] };

static uint32_t field_mask(const g0_field *fld)
{
  return fld->width == 32 ? 0xFFFFFFFFu : ((1u << fld->width) - 1) << fld->shift;
}

static bool g0_set_option(const sim_chip *chip, uint8_t opts[SIM_OPTIONS_SIZE], const char *name,
                          uint32_t value, char *err, size_t err_len)
{
  if (strcmp(name, "rdp") == 0) {
    static const uint8_t levels[3] = {RDP_LEVEL0, 0xBB, RDP_LEVEL2};
    if (value > 2) {
      snprintf(err, err_len, "rdp=%u: levels are 0, 1 and 2", value);
      return false;
    }
    ob_set(opts, OB_OPTR, (ob_word(opts, OB_OPTR) & ~0xFFu) | levels[value]);
    return true;
  }
  for (int i = 0; i < G0_FIELD_COUNT; i++) {
    const g0_field *fld = &g0_fields[i];
    if (strcmp(name, fld->name) != 0)
      continue;
    if (fld->dual_only && !chip->dual_bank)
      break;
    uint32_t m = field_mask(fld);
    if (fld->width < 32 && value > m >> fld->shift) {
      snprintf(err, err_len, "%s=%u is out of range (0..%u)", name, value, m >> fld->shift);
      return false;
    }
    uint32_t old = ob_word(opts, fld->slot);
    uint32_t v = fld->width == 32 ? value : (old & ~m) | value << fld->shift;
    ob_set(opts, fld->slot, masked_reg(chip, fld->slot, old, v));
    return true;
  }
  snprintf(err, err_len, "unknown %s option '%s'", chip->name, name);
  return false;
}

static const char *bor_text(const char *name, uint32_t v)
{
  static const char *const rising[4] = {"BOR rising 2.1 V", "BOR rising 2.3 V",
                                        "BOR rising 2.6 V", "BOR rising 2.9 V"};
  static const char *const falling[4] = {"BOR falling 2.0 V", "BOR falling 2.2 V",
                                         "BOR falling 2.5 V", "BOR falling 2.8 V"};
  return (name[3] == 'r' ? rising : falling)[v & 3];
}

static int g0_decode(const sim_chip *chip, const uint8_t opts[SIM_OPTIONS_SIZE],
                     option_field *out, int max)
{
  static const char *const rdp_text[3] = {"level 0", "level 1", "level 2 (permanent)"};
  static const char *const nrst_text[4] = {"reserved", "reset input only", "GPIO",
                                           "bidirectional reset"};
  uint32_t optr = ob_word(opts, OB_OPTR);
  int n = 0;
  if (n < max)
    out[n++] = (option_field){"rdp", optr & 0xFF, rdp_text[rdp_of(optr)]};
  for (int i = 0; i < G0_FIELD_COUNT && n < max; i++) {
    const g0_field *fld = &g0_fields[i];
    if ((fld->dual_only && !chip->dual_bank) || (fld->slot == OB_OPTR && fld->width == 32))
      continue;
    uint32_t w = ob_word(opts, fld->slot);
    uint32_t v = fld->width == 32 ? w : (w & field_mask(fld)) >> fld->shift;
    const char *text = fld->off_text ? (v ? fld->on_text : fld->off_text) : NULL;
    if (strncmp(fld->name, "bor", 3) == 0 && fld->width == 2)
      text = bor_text(fld->name, v);
    else if (strcmp(fld->name, "nrst_mode") == 0)
      text = nrst_text[v];
    out[n++] = (option_field){fld->name, v, text};
  }
  if (n < max)
    out[n++] = (option_field){"optverr", options_bad(opts),
                              options_bad(opts) ? "an option word does not match its complement"
                                                : NULL};
  return n;
}

static unsigned banks_of(const sim_chip *chip)
{
  return chip->dual_bank ? 2 : 1; /* factory options: DUAL_BANK = 1 */
}

static void g0_costs(const sim_chip *chip, sim_flash_costs *out)
{
  out->flash_size = chip->flash_size;
  out->program_unit = 8;
  out->program_ns = T_PROG;
  out->mass_erase_ns = banks_of(chip) * T_BANK_ERASE;
  out->bank_size = chip->flash_size / banks_of(chip); /* MER1, MER2 (RM0444 §3.3.7) */
  out->bank_erase_ns = T_BANK_ERASE;
}

static sim_ns g0_unit_erase_ns(uint32_t size)
{
  (void)size;
  return T_PAGE_ERASE;
}

/* Factory option bytes: OPTR 0xFFFFFEAA (RDP level 0, nBOOT_SEL = nBOOT1 =
 * nBOOT0 = 1, dual bank on the G0B1), no WRP or PCROP zone, no securable
 * area, BOOT_LOCK clear. */
static void g0_factory_options(uint8_t opts[SIM_OPTIONS_SIZE])
{
  memset(opts, 0xFF, SIM_OPTIONS_SIZE);
  ob_set(opts, OB_OPTR, 0xFFFFFEAAu);
  for (int z = OB_PCROP1ASR; z <= OB_PCROP2BER; z++)
    ob_set(opts, z, 0);
  static const int starts[4] = {OB_PCROP1ASR, OB_PCROP1BSR, OB_PCROP2ASR, OB_PCROP2BSR};
  for (int z = 0; z < 4; z++)
    ob_set(opts, starts[z], 0x1FF);
  static const int wrp[4] = {OB_WRP1AR, OB_WRP1BR, OB_WRP2AR, OB_WRP2BR};
  for (int z = 0; z < 4; z++)
    ob_set(opts, wrp[z], 0x7F);
  ob_set(opts, OB_SECR, 0);
}

/* ---- scenarios ---- */

static void factory_boot_options(uint8_t *opts)
{
  ob_set(opts, OB_OPTR, ob_word(opts, OB_OPTR) | OPTR_nBOOT_SEL | OPTR_nBOOT0 | OPTR_nBOOT1);
}

void flash_g0_scenarios(sim_target *t)
{
  sim_chip_state *st = &t->st;
  factory_boot_options(st->options);
  factory_boot_options(st->loaded);
  if (t->scen.g0_boot0_ignored)
    st->boot0 = true;
  if (t->scen.g0_empty_check) {
    st->boot0 = false;
    st->flash_empty = true;
    st->powered = true; /* no power-on since: the empty check is not run again */
  }
  target_mark_dirty(t);
}

const flash_family sim_flash_g0 = {
    .reset = g0_reset,
    .reg_read = g0_reg_read,
    .reg_write = g0_reg_write,
    .array_write = g0_array_write,
    .option_write = g0_option_write,
    .op_done = g0_op_done,
    .op_failed = g0_op_failed,
    .rdp_level = g0_rdp_level,
    .offset_protected = g0_offset_protected,
    .factory_options = g0_factory_options,
    .option_image = g0_option_image,
    .set_option = g0_set_option,
    .decode = g0_decode,
    .option_names = "rdp=0|1|2 bor_en borr_lev borf_lev nrst_stop nrst_stdby nrst_shdw iwdg_sw "
                    "iwdg_stop iwdg_stdby wwdg_sw nswap_bank dual_bank ram_parity_check "
                    "nboot_sel nboot1 nboot0 nrst_mode irhen wrp1ar wrp1br wrp2ar wrp2br "
                    "pcrop1asr pcrop1aer pcrop1bsr pcrop1ber pcrop2asr pcrop2aer pcrop2bsr "
                    "pcrop2ber sec_size boot_lock sec_size2 optr",
    .option_load_at_power_on = true,
    .option_load = g0_option_load,
    .boot = g0_boot,
    .costs = g0_costs,
    .unit_erase_ns = g0_unit_erase_ns,
};
