/*
 * STM32F4 flash interface and option bytes (RM0090 §3, RM0390 §3, PM0081).
 *
 * Choices where the manuals leave room (documented for the tests):
 *  - program/erase refused by read protection (level 1, debugger attached
 *    or not booted from flash) sets WRPERR, like a protected sector;
 *  - a PSIZE the supply cannot sustain (x32 below 2.7 V, x16 below 2.1 V)
 *    sets PGPERR; x64 (external VPP) has no 64-bit access on this bus, so
 *    programming with it always fails with PGPERR, and erasing with it
 *    takes the x32 time;
 *  - an SNB that names no sector of the chip, SER together with MER/MER1,
 *    or STRT while PG is set, set PGSERR and erase nothing;
 *  - SER (and SNB) only matter when STRT is set: a write to the array with
 *    PG set programs even if SER is still set from an erase. st-flash 1.7
 *    programs in that state (it erases with SER|SNB, sets LOCK on top, then
 *    unlocks and adds PSIZE and PG), and a real F411 shows it: after the
 *    erase and lock FLASH_CR reads 0x80000002, and the write that follows
 *    fails there only with PGPERR, never PGSERR (stlink-org/stlink issue
 *    #1340). A pending mass erase (MER/MER1) with PG is still PGSERR: no
 *    tool does that and nothing shows silicon accepting it;
 *  - setting LOCK keeps the other FLASH_CR bits (RM0090 §3.9.8 gives LOCK
 *    no other effect; the F411 above reads back LOCK|SER);
 *  - OPTSTRT keeps BSY for the erase time of a 16 KiB sector at the
 *    current PSIZE (the datasheets give no figure for option changes);
 *  - with SPRMOD = 1 the nWRP bits select PCROP, which is not modelled: no
 *    sector is then write protected.
 *
 * Option image in the state (16 bytes): u32 option word as in FLASH_OPTCR
 * (bits 31:2) and, on the F42x, u32 as in FLASH_OPTCR1 (nWRP of bank 2).
 */
#include "target.h"

#include <string.h>

enum {
  ACR = 0x00, KEYR = 0x04, OPTKEYR = 0x08, SR = 0x0C, CR = 0x10, OPTCR = 0x14, OPTCR1 = 0x18,

  SR_EOP = 1u << 0, SR_OPERR = 1u << 1, SR_WRPERR = 1u << 4, SR_PGAERR = 1u << 5,
  SR_PGPERR = 1u << 6, SR_PGSERR = 1u << 7, SR_RDERR = 1u << 8, SR_BSY = 1u << 16,
  SR_W1C = SR_EOP | SR_OPERR | SR_WRPERR | SR_PGAERR | SR_PGPERR | SR_PGSERR | SR_RDERR,

  CR_PG = 1u << 0, CR_SER = 1u << 1, CR_MER = 1u << 2, CR_MER1 = 1u << 15, CR_STRT = 1u << 16,
  CR_EOPIE = 1u << 24, CR_ERRIE = 1u << 25,

  OPTCR_OPTLOCK = 1u << 0, OPTCR_OPTSTRT = 1u << 1,

  OPTKEY1 = 0x08192A3B, OPTKEY2 = 0x4C5D6E7F,
  RDP_LEVEL0 = 0xAA, RDP_LEVEL2 = 0xCC,
};

/* DS8626 Table 40 / DS10693, typical values (timing model §4), in ms,
 * indexed by PSIZE x8, x16, x32. */
#define CR_LOCK 0x80000000u

static const struct {
  uint32_t kib;
  uint32_t ms[3];
} sector_erase_ms[] = {{16, {400, 300, 250}}, {64, {1200, 700, 550}}, {128, {2000, 1300, 1000}}};
static const uint32_t bank_erase_ms[3] = {16000, 11000, 8000};
static const sim_ns T_PROG = SIM_US(16);

/* ---- the option words ---- */

static uint32_t get_word(const uint8_t *opts, int i)
{
  uint32_t v;
  memcpy(&v, opts + 4 * i, 4);
  return v;
}

static void set_word(uint8_t *opts, int i, uint32_t v)
{
  memcpy(opts + 4 * i, &v, 4);
}

static int rdp_of(uint32_t optcr)
{
  uint8_t rdp = (uint8_t)(optcr >> 8);
  return rdp == RDP_LEVEL0 ? 0 : rdp == RDP_LEVEL2 ? 2 : 1;
}

static int f4_rdp_level(const uint8_t opts[SIM_OPTIONS_SIZE])
{
  return rdp_of(get_word(opts, 0));
}

/* OPTCR bits a chip implements (besides OPTLOCK/OPTSTRT). */
static uint32_t optcr_fields(const sim_chip *chip)
{
  unsigned bank_sectors = chip->bank2_first_sector ? chip->bank2_first_sector : chip->sector_count;
  uint32_t m = 0xFFECu | (((1u << bank_sectors) - 1) << 16); /* user bits, RDP, nWRP */
  if (chip->has_optcr1)
    m |= 1u << 4; /* BFB2 */
  if (chip->has_db1m)
    m |= 1u << 30;
  if (chip->has_sprmod)
    m |= 1u << 31;
  return m;
}

static bool f4_offset_protected(const sim_chip *chip, const uint8_t opts[SIM_OPTIONS_SIZE],
                                uint32_t offset)
{
  uint32_t optcr = get_word(opts, 0);
  int sector = sim_chip_sector_at(chip, offset);
  if (sector < 0 || (chip->has_sprmod && (optcr & (1u << 31))))
    return false;
  if (sector >= 12)
    return !(get_word(opts, 1) & (1u << (16 + sector - 12)));
  return !(optcr & (1u << (16 + sector)));
}

static void f4_factory_options(uint8_t opts[SIM_OPTIONS_SIZE])
{
  memset(opts, 0, SIM_OPTIONS_SIZE);
  set_word(opts, 0, 0x0FFFAAECu); /* RM0090 §3.9.10 reset value without OPTLOCK */
  set_word(opts, 1, 0x0FFF0000u);
}

/* ---- registers ---- */

static uint32_t psize(const sim_flash *f)
{
  return (f->cr >> 8) & 3;
}

static unsigned psize_index(uint32_t ps)
{
  return ps > 2 ? 2 : ps; /* x64 erases like x32 */
}

static uint32_t snb_of(const sim_target *t)
{
  return (t->flash.cr >> 3) & ((1u << t->chip->snb_bits) - 1);
}

static bool voltage_allows(const sim_target *t, uint32_t ps)
{
  uint32_t mv = t->scen.vdd_mv;
  return ps == 0 ? mv >= 1700 : ps == 1 ? mv >= 2100 : mv >= 2700;
}

static void set_error(sim_target *t, uint32_t bits)
{
  sim_flash *f = &t->flash;
  f->sr |= bits;
  if (f->cr & CR_ERRIE)
    f->sr |= SR_OPERR; /* RM0090: OPERR only when error interrupts are enabled */
}

static bool write_blocked(sim_target *t, uint32_t offset)
{
  return flash_rdp_blocks_writes(t) || f4_offset_protected(t->chip, t->st.loaded, offset);
}

static sim_ns sector_time(uint32_t size, uint32_t ps)
{
  for (size_t i = 0; i < sizeof sector_erase_ms / sizeof sector_erase_ms[0]; i++)
    if (KIB(sector_erase_ms[i].kib) == size)
      return SIM_MS(sector_erase_ms[i].ms[psize_index(ps)]);
  return SIM_MS(sector_erase_ms[2].ms[psize_index(ps)]);
}

static void start_sector_erase(sim_target *t)
{
  sim_flash *f = &t->flash;
  sim_sector s;
  int index = sim_chip_sector_by_snb(t->chip, snb_of(t));
  if (index < 0 || !sim_chip_sector(t->chip, (unsigned)index, &s)) {
    set_error(t, SR_PGSERR);
    return;
  }
  if (!voltage_allows(t, psize(f))) {
    set_error(t, SR_PGPERR);
    return;
  }
  if (write_blocked(t, s.offset)) {
    set_error(t, SR_WRPERR);
    return;
  }
  flash_op op = {.kind = FLASH_OP_ERASE, .offset = s.offset, .len = s.size};
  if (flash_start(t, &op, sector_time(s.size, psize(f)), 0, 1, false))
    f->cr |= CR_STRT;
}

static void bank_range(const sim_chip *chip, int bank, uint32_t *offset, uint32_t *len)
{
  sim_sector first;
  if (!chip->bank2_first_sector) {
    *offset = 0;
    *len = chip->flash_size;
    return;
  }
  sim_chip_sector(chip, chip->bank2_first_sector, &first);
  *offset = bank ? first.offset : 0;
  *len = bank ? chip->flash_size - first.offset : first.offset;
}

static void start_mass_erase(sim_target *t)
{
  sim_flash *f = &t->flash;
  const sim_chip *chip = t->chip;
  bool b1 = f->cr & CR_MER, b2 = chip->bank2_first_sector && (f->cr & CR_MER1);
  uint32_t lo = UINT32_MAX, hi = 0;
  for (int bank = 0; bank < 2; bank++) {
    if (!(bank ? b2 : b1))
      continue;
    uint32_t off, len;
    bank_range(chip, bank, &off, &len);
    for (uint32_t o = off; o < off + len;) {
      if (write_blocked(t, o)) {
        set_error(t, SR_WRPERR);
        return;
      }
      int idx = sim_chip_sector_at(chip, o);
      sim_sector s;
      sim_chip_sector(chip, (unsigned)idx, &s);
      o = s.offset + s.size;
    }
    lo = off < lo ? off : lo;
    hi = off + len > hi ? off + len : hi;
  }
  if (!voltage_allows(t, psize(f))) {
    set_error(t, SR_PGPERR);
    return;
  }
  /* with both banks the erased range is contiguous: bank 2 follows bank 1 */
  flash_op op = {.kind = FLASH_OP_ERASE, .offset = lo, .len = hi - lo};
  sim_ns duration = SIM_MS(bank_erase_ms[psize_index(psize(f))]) * ((b1 ? 1 : 0) + (b2 ? 1 : 0));
  if (flash_start(t, &op, duration, 0, 0, true))
    f->cr |= CR_STRT;
}

static void start_erase(sim_target *t)
{
  sim_flash *f = &t->flash;
  bool ser = f->cr & CR_SER, mer = f->cr & (CR_MER | CR_MER1);
  if ((ser && mer) || (f->cr & CR_PG)) {
    set_error(t, SR_PGSERR); /* RM0090 §3.5.3: conflicting requests erase nothing */
    return;
  }
  if (ser)
    start_sector_erase(t);
  else if (mer)
    start_mass_erase(t);
}

/* KEYR and OPTKEYR: a wrong key, or a key while unlocked, locks the register
 * until reset and is a bus error (RM0090 §3.5.1, §3.7.2). */
static void unlock_step(uint32_t *reg, uint32_t lock, uint8_t *stage, bool *lockout,
                        uint32_t value, uint32_t key1, uint32_t key2)
{
  key_result r = (*reg & lock) ? flash_key_write(stage, value, key1, key2) : KEY_WRONG;
  if (r == KEY_UNLOCKED) {
    *reg &= ~lock;
  } else if (r == KEY_WRONG) {
    *reg |= lock;
    *lockout = true;
  }
}

static void start_option_change(sim_target *t)
{
  sim_flash *f = &t->flash;
  const sim_chip *chip = t->chip;
  if (rdp_of(get_word(t->st.loaded, 0)) == 2)
    return; /* level 2 freezes the option bytes */
  memset(f->pending_options, 0, SIM_OPTIONS_SIZE);
  set_word(f->pending_options, 0, f->optcr & optcr_fields(chip));
  set_word(f->pending_options, 1, chip->has_optcr1 ? f->optcr1 & 0x0FFF0000u : 0x0FFF0000u);
  flash_op op = {.kind = FLASH_OP_OPTIONS};
  sim_ns duration = sector_time(KIB(16), psize(f));
  bool regression = flash_loaded_rdp(t) == 1 && rdp_of(f->optcr) == 0;
  if (regression) { /* RM0090 §3.7.3: level 1 -> 0 mass-erases first, BSY meanwhile */
    op.erase_all_first = true;
    int banks = chip->bank2_first_sector ? 2 : 1;
    duration += SIM_MS(bank_erase_ms[psize_index(psize(f))]) * (sim_ns)banks;
  }
  if (flash_start(t, &op, duration, 0, 0, regression))
    f->optcr |= OPTCR_OPTSTRT;
}

static uint32_t optcr_read(const sim_target *t)
{
  return (t->flash.optcr & (optcr_fields(t->chip) | OPTCR_OPTLOCK | OPTCR_OPTSTRT)) |
         t->chip->optcr_reserved1;
}

static bus_status f4_reg_read(sim_target *t, uint32_t off, uint32_t *value)
{
  sim_flash *f = &t->flash;
  bool busy = flash_busy(t);
  switch (off) {
  case ACR:
    *value = f->acr;
    break;
  case SR:
    *value = f->sr | (busy ? SR_BSY : 0);
    break;
  case CR:
    *value = f->cr;
    break;
  case OPTCR:
    *value = optcr_read(t);
    break;
  case OPTCR1:
    *value = t->chip->has_optcr1 ? f->optcr1 : 0;
    break;
  default:
    *value = 0;
    break;
  }
  return BUS_OK;
}

static bus_status f4_reg_write(sim_target *t, bus_master m, uint32_t off, uint32_t value,
                               uint32_t mask)
{
  (void)m;
  sim_flash *f = &t->flash;
  switch (off) {
  case ACR:
    f->acr = ((f->acr & ~mask) | (value & mask)) & 0x1F0F;
    f->acr &= ~((1u << 11) | (1u << 12)); /* cache resets are self-clearing */
    return BUS_OK;
  case KEYR:
    if (!f->key_lockout)
      unlock_step(&f->cr, CR_LOCK, &f->key_stage, &f->key_lockout, value, FLASH_KEY1,
                  FLASH_KEY2);
    return f->key_lockout ? BUS_ERROR : BUS_OK;
  case OPTKEYR:
    if (!f->optkey_lockout)
      unlock_step(&f->optcr, OPTCR_OPTLOCK, &f->optkey_stage, &f->optkey_lockout, value, OPTKEY1,
                  OPTKEY2);
    return f->optkey_lockout ? BUS_ERROR : BUS_OK;
  case SR:
    f->sr &= ~(value & mask & SR_W1C);
    return BUS_OK;
  case CR: {
    if (flash_busy(t))
      return BUS_BUSY; /* RM0090 §3.6: CR writes stall while BSY */
    uint32_t v = (f->cr & ~mask) | (value & mask);
    if (f->cr & CR_LOCK)
      return BUS_OK;
    uint32_t snb_mask = ((1u << t->chip->snb_bits) - 1) << 3;
    uint32_t mer1 = t->chip->bank2_first_sector ? CR_MER1 : 0;
    f->cr = v & (CR_PG | CR_SER | CR_MER | mer1 | snb_mask | (3u << 8) | CR_EOPIE | CR_ERRIE |
                 CR_LOCK);
    if ((v & CR_STRT) && !(v & CR_LOCK))
      start_erase(t);
    return BUS_OK;
  }
  case OPTCR: {
    if (flash_busy(t))
      return BUS_BUSY;
    uint32_t v = (optcr_read(t) & ~mask) | (value & mask);
    if (f->optcr & OPTCR_OPTLOCK)
      return BUS_OK;
    f->optcr = (v & (optcr_fields(t->chip) | OPTCR_OPTLOCK));
    if (!(v & OPTCR_OPTLOCK) && (v & OPTCR_OPTSTRT))
      start_option_change(t);
    return BUS_OK;
  }
  case OPTCR1:
    if (t->chip->has_optcr1 && !(f->optcr & OPTCR_OPTLOCK))
      f->optcr1 = ((f->optcr1 & ~mask) | (value & mask)) & 0x0FFF0000u;
    return BUS_OK;
  default:
    return BUS_OK;
  }
}

/* ---- programming ---- */

static bus_status f4_array_write(sim_target *t, bus_master m, uint32_t offset, unsigned size,
                                 uint32_t value)
{
  (void)m;
  sim_flash *f = &t->flash;
  if (!(f->cr & CR_PG) || (f->cr & (CR_MER | CR_MER1 | CR_LOCK))) {
    set_error(t, SR_PGSERR);
    return BUS_OK;
  }
  uint32_t ps = psize(f);
  if (size != 1u << ps || !voltage_allows(t, ps)) {
    set_error(t, SR_PGPERR);
    return BUS_OK;
  }
  if (offset % size) {
    set_error(t, SR_PGAERR);
    return BUS_OK;
  }
  if (write_blocked(t, offset)) {
    set_error(t, SR_WRPERR);
    return BUS_OK;
  }
  /* programming can only clear bits: the new data is ANDed in */
  flash_op op = {.kind = FLASH_OP_PROGRAM, .offset = offset, .len = size, .data = value};
  flash_start(t, &op, T_PROG, 1, 0, false);
  return BUS_OK;
}

/* ---- option bytes in memory (0x1FFFC000, bank 2 at 0x1FFEC000) ---- */

static bool f4_option_image(const sim_chip *chip, const uint8_t opts[SIM_OPTIONS_SIZE],
                            uint32_t base, uint8_t out[SIM_OPTIONS_SIZE])
{
  uint32_t word;
  if (base == chip->family->option_base)
    word = get_word(opts, 0);
  else if (chip->has_optcr1 && base == 0x1FFEC000)
    word = get_word(opts, 1);
  else
    return false;
  /* RM0090 §3.6: user and RDP bytes at +0, nWRP (with DB1M/SPRMOD) at +8;
   * the reserved bytes read as erased */
  memset(out, 0xFF, SIM_OPTIONS_SIZE);
  bool bank2 = base != chip->family->option_base;
  uint16_t user_rdp = (uint16_t)(word & 0xFFFC);
  uint16_t nwrp = (uint16_t)(word >> 16);
  if (!bank2) {
    out[0] = (uint8_t)user_rdp;
    out[1] = (uint8_t)(user_rdp >> 8);
  }
  out[8] = (uint8_t)nwrp;
  out[9] = (uint8_t)(nwrp >> 8);
  return true;
}

static bus_status f4_option_write(sim_target *t, bus_master m, uint32_t addr, unsigned size,
                                  uint32_t value)
{
  (void)m, (void)addr, (void)size, (void)value;
  set_error(t, SR_PGSERR); /* option bytes change through OPTCR only */
  return BUS_OK;
}

static void f4_op_done(sim_target *t, const flash_op *op)
{
  sim_flash *f = &t->flash;
  if (op->kind == FLASH_OP_OPTIONS) {
    memcpy(t->st.options, f->pending_options, SIM_OPTIONS_SIZE);
    f->optcr &= ~OPTCR_OPTSTRT;
  }
  f->cr &= ~CR_STRT;
  if (f->cr & CR_EOPIE)
    f->sr |= SR_EOP; /* RM0090: EOP only with EOPIE */
}

static void f4_op_failed(sim_target *t)
{
  t->flash.sr |= SR_OPERR;
}

static void f4_reset(sim_target *t)
{
  sim_flash *f = &t->flash;
  f->acr = 0;
  f->sr = 0;
  f->cr = CR_LOCK;
  f->key_stage = f->optkey_stage = 0;
  f->key_lockout = f->optkey_lockout = false;
  f->optcr = (get_word(t->st.loaded, 0) & optcr_fields(t->chip)) | OPTCR_OPTLOCK;
  f->optcr1 = get_word(t->st.loaded, 1) & 0x0FFF0000u;
}

/* ---- state tool ---- */

typedef struct f4_field {
  const char *name;
  uint8_t shift, width;
  uint8_t needs; /* 0 all, 1 BFB2/DB1M (F42x), 2 SPRMOD */
  const char *off_text, *on_text;
} f4_field;

static const f4_field f4_fields[] = {
    {"bor_lev", 2, 2, 0, NULL, NULL},
    {"bfb2", 4, 1, 1, "boot from bank 1", "boot from bank 2 (through the system memory)"},
    {"wdg_sw", 5, 1, 0, "hardware watchdog", "software watchdog"},
    {"nrst_stop", 6, 1, 0, "reset on Stop", "no reset on Stop"},
    {"nrst_stdby", 7, 1, 0, "reset on Standby", "no reset on Standby"},
    {"db1m", 30, 1, 1, "single bank", "dual bank (1 MiB parts)"},
    {"sprmod", 31, 1, 2, "nWRP bits are write protection", "nWRP bits select PCROP"},
};

static bool field_exists(const sim_chip *chip, const f4_field *fld)
{
  return fld->needs == 0 || (fld->needs == 1 && chip->has_optcr1) ||
         (fld->needs == 2 && chip->has_sprmod);
}

static bool f4_set_option(const sim_chip *chip, uint8_t opts[SIM_OPTIONS_SIZE], const char *name,
                          uint32_t value, char *err, size_t err_len)
{
  uint32_t optcr = get_word(opts, 0);
  if (strcmp(name, "rdp") == 0) {
    static const uint8_t levels[3] = {RDP_LEVEL0, 0x00, RDP_LEVEL2};
    if (value > 2) {
      snprintf(err, err_len, "rdp=%u: levels are 0, 1 and 2", value);
      return false;
    }
    set_word(opts, 0, (optcr & ~0xFF00u) | (uint32_t)levels[value] << 8);
    return true;
  }
  if (strcmp(name, "nwrp") == 0) {
    uint32_t bits = chip->sector_count;
    if (value >> bits) {
      snprintf(err, err_len, "nwrp=0x%X: %s has %u sectors (0..0x%X)", value, chip->name, bits,
               (1u << bits) - 1);
      return false;
    }
    unsigned bank1 = bits > 12 ? 12 : bits;
    uint32_t field = ((1u << bank1) - 1) << 16;
    set_word(opts, 0, (optcr & ~field) | (value << 16 & field));
    if (bits > 12)
      set_word(opts, 1, ((value >> 12) & 0xFFFu) << 16);
    return true;
  }
  for (size_t i = 0; i < sizeof f4_fields / sizeof f4_fields[0]; i++) {
    const f4_field *fld = &f4_fields[i];
    if (strcmp(name, fld->name) != 0)
      continue;
    if (!field_exists(chip, fld))
      break;
    uint32_t max = (1u << fld->width) - 1;
    if (value > max) {
      snprintf(err, err_len, "%s=%u is out of range (0..%u)", name, value, max);
      return false;
    }
    set_word(opts, 0, (optcr & ~(max << fld->shift)) | value << fld->shift);
    return true;
  }
  snprintf(err, err_len, "unknown %s option '%s'", chip->name, name);
  return false;
}

static const char *bor_text(uint32_t v)
{
  static const char *const t[4] = {"BOR level 3", "BOR level 2", "BOR level 1", "BOR off"};
  return t[v & 3];
}

static int f4_decode(const sim_chip *chip, const uint8_t opts[SIM_OPTIONS_SIZE],
                     option_field *out, int max)
{
  uint32_t optcr = get_word(opts, 0);
  int n = 0, level = rdp_of(optcr);
  static const char *const rdp_text[3] = {"level 0", "level 1", "level 2 (permanent)"};
  if (n < max)
    out[n++] = (option_field){"rdp", (optcr >> 8) & 0xFF, rdp_text[level]};
  for (size_t i = 0; i < sizeof f4_fields / sizeof f4_fields[0] && n < max; i++) {
    const f4_field *fld = &f4_fields[i];
    if (!field_exists(chip, fld))
      continue;
    uint32_t v = (optcr >> fld->shift) & ((1u << fld->width) - 1);
    const char *text = fld->width == 2 ? bor_text(v) : v ? fld->on_text : fld->off_text;
    out[n++] = (option_field){fld->name, v, text};
  }
  uint32_t bank1 = chip->sector_count > 12 ? 12 : chip->sector_count;
  uint32_t nwrp = (optcr >> 16) & ((1u << bank1) - 1);
  if (chip->sector_count > 12)
    nwrp |= ((get_word(opts, 1) >> 16) & 0xFFF) << 12;
  if (n < max)
    out[n++] = (option_field){"nwrp", nwrp, "one bit per sector, 0 = write protected"};
  return n;
}

/* RM0090 §2.4 Table 2: the BOOT0/BOOT1 pins as on the F1, sampled at every
 * reset; RM0090 §3.7.3: read protection level 2 forbids booting from the
 * system memory or SRAM, the chip always starts from the main flash. */
static void f4_boot(const sim_chip *chip, const sim_chip_state *st, bool power_on, sim_boot *out)
{
  (void)power_on;
  if (st->rdp2_locked || f4_rdp_level(st->options) == 2) {
    *out = (sim_boot){.area = BOOT_FLASH, .address = 0x08000000};
    snprintf(out->reason, sizeof out->reason,
             "read protection level 2 forces the main flash whatever the pins (RM0090 §3.7.3)");
  } else if (!st->boot0) {
    *out = (sim_boot){.area = BOOT_FLASH, .address = 0x08000000};
    snprintf(out->reason, sizeof out->reason, "BOOT0=0 selects the main flash (RM0090 §2.4)");
  } else if (!st->boot1) {
    *out = (sim_boot){.area = BOOT_SYSMEM, .address = chip->family->sysmem_base};
    snprintf(out->reason, sizeof out->reason,
             "BOOT0=1 with BOOT1=0 selects the system memory (RM0090 §2.4)");
  } else {
    *out = (sim_boot){.area = BOOT_SRAM, .address = 0x20000000};
    snprintf(out->reason, sizeof out->reason,
             "BOOT0=1 with BOOT1=1 selects the embedded SRAM (RM0090 §2.4)");
  }
}

/* x32, the widest access the bus offers, is allowed at 3.3 V. */
enum { PSIZE_X32 = 2 };

static void f4_costs(const sim_chip *chip, sim_flash_costs *out)
{
  out->flash_size = chip->flash_size;
  out->program_unit = 4;
  out->program_ns = T_PROG;
  out->mass_erase_ns = SIM_MS(bank_erase_ms[PSIZE_X32]) * (chip->bank2_first_sector ? 2 : 1);
  /* MER and MER1 erase one bank each (RM0090 §3.9.7) */
  sim_sector bank2;
  out->bank_size = chip->bank2_first_sector && sim_chip_sector(chip, chip->bank2_first_sector, &bank2)
                       ? bank2.offset
                       : chip->flash_size;
  out->bank_erase_ns = SIM_MS(bank_erase_ms[PSIZE_X32]);
}

static sim_ns f4_unit_erase_ns(uint32_t size)
{
  return sector_time(size, PSIZE_X32);
}

const flash_family sim_flash_f4 = {
    .reset = f4_reset,
    .reg_read = f4_reg_read,
    .reg_write = f4_reg_write,
    .array_write = f4_array_write,
    .option_write = f4_option_write,
    .op_done = f4_op_done,
    .op_failed = f4_op_failed,
    .rdp_level = f4_rdp_level,
    .offset_protected = f4_offset_protected,
    .factory_options = f4_factory_options,
    .option_image = f4_option_image,
    .set_option = f4_set_option,
    .decode = f4_decode,
    .option_names = "rdp=0|1|2 bor_lev wdg_sw nrst_stop nrst_stdby nwrp bfb2 db1m sprmod",
    .boot = f4_boot,
    .costs = f4_costs,
    .unit_erase_ns = f4_unit_erase_ns,
};
