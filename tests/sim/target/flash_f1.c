/*
 * The F1-style flash program/erase controller (FPEC) and option bytes:
 * STM32F1 (PM0075 §2-3, RM0008 §3), STM32F0 (RM0091 §3-4) and STM32F3
 * (RM0316 §4). The F0 and F3 differ from the F1 in data and a few rules:
 *  - read protection levels 0xAA (0), 0xCC (2, for good), anything else 1;
 *    FLASH_OBR holds RDPRT[1:0] at bits 2:1 and the user byte at 15:8;
 *  - FLASH_CR.OBL_LAUNCH (bit 13, writable while locked) reloads the options
 *    and resets the chip; on the F0 a system reset does not reload them
 *    (RM0091 §4, note under table 10), on the F3 it does (RM0316 §4.4);
 *  - nBOOT1 is an option bit, not a pin (RM0091 §2.5, RM0316 §3.5);
 *  - an option half-word that is not erased sets WRPRTERR, a store that is
 *    not a half-word is a bus error, a program or erase from a debugger
 *    under read protection sets PGERR (RM0091 §3.2.2, §3.3.1);
 *  - the F1 rule that keeps the first 4 KiB write protected at level 1 does
 *    not exist there.
 * On the F04x/F09x (chip->boot_sel) BOOT_SEL=0 replaces the BOOT0 pin with
 * the nBOOT0 option bit, and the empty check latched at the option load
 * sends a flash start to the system memory while the first flash word is
 * erased (RM0091 §2.5).
 */
#include "target.h"

#include <string.h>

enum {
  ACR = 0x00, KEYR = 0x04, OPTKEYR = 0x08, SR = 0x0C, CR = 0x10, AR = 0x14, OBR = 0x1C, WRPR = 0x20,

  SR_BSY = 1u << 0, SR_PGERR = 1u << 2, SR_WRPRTERR = 1u << 4, SR_EOP = 1u << 5,

  CR_PG = 1u << 0, CR_PER = 1u << 1, CR_MER = 1u << 2, CR_OPTPG = 1u << 4, CR_OPTER = 1u << 5,
  CR_STRT = 1u << 6, CR_LOCK = 1u << 7, CR_OPTWRE = 1u << 9, CR_ERRIE = 1u << 10,
  CR_EOPIE = 1u << 12, CR_OBL_LAUNCH = 1u << 13,
  CR_WRITABLE = CR_PG | CR_PER | CR_MER | CR_OPTPG | CR_OPTER | CR_ERRIE | CR_EOPIE,

  RDP_OFF = 0xA5,
  RDP_F0_OFF = 0xAA, RDP_F0_LEVEL2 = 0xCC,
  /* F0/F3 user byte (RM0091 §4.1.1, RM0316 §4.2) */
  USER_NBOOT1 = 1u << 4, USER_NBOOT0 = 1u << 3, USER_BOOT_SEL = 1u << 7,
};

/* The F0 and F3 (RM0091, RM0316) rather than the F1. */
static bool fpec_f0(const sim_target *t)
{
  return t->chip->family->flash != &sim_flash_f1;
}

/* DS5319 Table 28 (typical t_prog, maximum t_ERASE/t_ME: timing model §4) */
static const sim_ns T_PROG = 52500;
static const sim_ns T_PAGE_ERASE = SIM_MS(40);
static const sim_ns T_MASS_ERASE = SIM_MS(40);
/* DS9826 (F072) §6.3.10 and DS9896 (F303xD/E): t_prog 53.5 us typical;
 * page and mass erase 40 ms maximum as on the F1. */
static const sim_ns T_PROG_F0 = 53500;

static sim_ns t_prog(const sim_target *t)
{
  return fpec_f0(t) ? T_PROG_F0 : T_PROG;
}

/* Option byte image: eight half-words "byte | ~byte << 8" at 0x1FFFF800. */
enum { OB_RDP = 0, OB_USER = 1, OB_DATA0 = 2, OB_DATA1 = 3, OB_WRP0 = 4 };

/* The value the option loader sees: a byte whose complement does not match
 * reads as 0xFF and sets OPTERR (PM0075 §2.5). */
static uint8_t ob_byte(const uint8_t *opts, int index, bool *bad_pair)
{
  uint8_t v = opts[2 * index], n = opts[2 * index + 1];
  if ((uint8_t)(v ^ n) != 0xFF) {
    if (bad_pair)
      *bad_pair = true;
    return 0xFF;
  }
  return v;
}

static void ob_set(uint8_t *opts, int index, uint8_t value)
{
  opts[2 * index] = value;
  opts[2 * index + 1] = (uint8_t)~value;
}

static int f1_rdp_level(const uint8_t opts[SIM_OPTIONS_SIZE])
{
  return ob_byte(opts, OB_RDP, NULL) == RDP_OFF ? 0 : 1;
}

static int f0_rdp_level(const uint8_t opts[SIM_OPTIONS_SIZE])
{
  uint8_t rdp = opts[2 * OB_RDP];
  return rdp == RDP_F0_OFF ? 0 : rdp == RDP_F0_LEVEL2 ? 2 : 1; /* RM0091 §3.3.1 table 6 */
}

static uint32_t wrp_bits(const uint8_t *opts)
{
  uint32_t w = 0;
  for (int i = 0; i < 4; i++)
    w |= (uint32_t)ob_byte(opts, OB_WRP0 + i, NULL) << (8 * i);
  return w;
}

/* One WRP bit per 4 KiB group (4 pages MD, 2 pages HD); bit 31 covers the
 * rest of the array (PM0075, the WRP option bytes). A cleared bit protects. */
static bool f1_offset_protected(const sim_chip *chip, const uint8_t opts[SIM_OPTIONS_SIZE],
                                uint32_t offset)
{
  uint32_t group = offset / chip->page_size / chip->wrp_pages_per_bit;
  if (group > 31)
    group = 31;
  return !(wrp_bits(opts) & (1u << group));
}

static void f1_factory_options(uint8_t opts[SIM_OPTIONS_SIZE])
{
  for (int i = 0; i < 8; i++)
    ob_set(opts, i, 0xFF);
  ob_set(opts, OB_RDP, RDP_OFF);
}

/* RM0091 §4.1.4 table 12: 0x00FF55AA, then all ones. */
static void f0_factory_options(uint8_t opts[SIM_OPTIONS_SIZE])
{
  for (int i = 0; i < 8; i++)
    ob_set(opts, i, 0xFF);
  ob_set(opts, OB_RDP, RDP_F0_OFF);
}

/* ---- registers ---- */

static uint32_t obr_value(const sim_target *t)
{
  const uint8_t *l = t->st.loaded;
  bool bad_pair = false;
  uint8_t rdp = ob_byte(l, OB_RDP, &bad_pair), user = ob_byte(l, OB_USER, &bad_pair);
  uint8_t d0 = ob_byte(l, OB_DATA0, &bad_pair), d1 = ob_byte(l, OB_DATA1, &bad_pair);
  for (int i = 0; i < 4; i++)
    ob_byte(l, OB_WRP0 + i, &bad_pair);
  return (bad_pair ? 1u : 0) | (rdp != RDP_OFF ? 2u : 0) | (uint32_t)user << 2 | (uint32_t)d0 << 10 |
         (uint32_t)d1 << 18;
}

/* RM0091 §3.5.7: OPTERR 0, RDPRT[1:0] 2:1, USER 15:8, DATA0 23:16, DATA1 31:24. */
static uint32_t obr_value_f0(const sim_target *t)
{
  const uint8_t *l = t->st.loaded;
  bool bad_pair = false;
  uint8_t user = ob_byte(l, OB_USER, &bad_pair);
  uint8_t d0 = ob_byte(l, OB_DATA0, &bad_pair), d1 = ob_byte(l, OB_DATA1, &bad_pair);
  for (int i = 0; i < 4; i++)
    ob_byte(l, OB_WRP0 + i, &bad_pair);
  ob_byte(l, OB_RDP, &bad_pair);
  int level = f0_rdp_level(l);
  uint32_t rdprt = level == 0 ? 0 : level == 1 ? 1 : 3;
  return (bad_pair ? 1u : 0) | rdprt << 1 | (uint32_t)user << 8 | (uint32_t)d0 << 16 |
         (uint32_t)d1 << 24;
}

static bus_status f1_reg_read(sim_target *t, uint32_t off, uint32_t *value)
{
  sim_flash *f = &t->flash;
  switch (off) {
  case ACR:
    *value = f->acr;
    break;
  case SR:
    *value = f->sr | (flash_busy(t) ? SR_BSY : 0);
    break;
  case CR:
    flash_busy(t);
    *value = f->cr;
    break;
  case AR:
    *value = f->ar;
    break;
  case OBR:
    *value = fpec_f0(t) ? obr_value_f0(t) : obr_value(t);
    break;
  case WRPR:
    *value = wrp_bits(t->st.loaded);
    break;
  default:
    *value = 0; /* KEYR, OPTKEYR are write only; the rest is reserved */
    break;
  }
  return BUS_OK;
}

/* Pages the current master may not program or erase. Under read protection
 * nothing can be changed from a debugger; code running from flash keeps the
 * first 4 KiB protected (PM0075 §2.4.1). */
static bool write_protected(sim_target *t, uint32_t offset)
{
  const sim_chip *chip = t->chip;
  if (f1_offset_protected(chip, t->st.loaded, offset))
    return true;
  if (flash_loaded_rdp(t) == 0)
    return false;
  return flash_rdp_blocks_writes(t) || (!fpec_f0(t) && offset < KIB(4));
}

/* The error a refused program or erase sets: a debugger under read
 * protection gets PGERR on the F0/F3 (RM0091 §3.3.1), WRPRTERR otherwise. */
static uint32_t protect_error(sim_target *t, uint32_t offset)
{
  if (fpec_f0(t) && !f1_offset_protected(t->chip, t->st.loaded, offset))
    return SR_PGERR;
  return SR_WRPRTERR;
}

static void start_erase(sim_target *t)
{
  sim_flash *f = &t->flash;
  const sim_chip *chip = t->chip;
  uint32_t mode = f->cr & (CR_PER | CR_MER | CR_OPTER);
  flash_op op = {.kind = FLASH_OP_ERASE};
  if (mode == CR_PER) {
    uint32_t addr = f->ar & ~(chip->page_size - 1);
    if (addr < 0x08000000 || addr - 0x08000000 >= chip->flash_size)
      return; /* nothing at that address to erase */
    op.offset = addr - 0x08000000;
    op.len = chip->page_size;
    if (write_protected(t, op.offset)) {
      f->sr |= protect_error(t, op.offset);
      return;
    }
    if (flash_start(t, &op, T_PAGE_ERASE, 0, 1, false))
      f->cr |= CR_STRT;
  } else if (mode == CR_MER) {
    for (uint32_t off = 0; off < chip->flash_size; off += chip->page_size) {
      if (write_protected(t, off)) { /* any protected page prevents it */
        f->sr |= protect_error(t, off);
        return;
      }
    }
    op.len = chip->flash_size;
    if (flash_start(t, &op, T_MASS_ERASE, 0, 0, true))
      f->cr |= CR_STRT;
  } else if (mode == CR_OPTER && (f->cr & CR_OPTWRE) && fpec_f0(t) && flash_loaded_rdp(t) == 2) {
    f->sr |= SR_WRPRTERR; /* level 2: the options cannot be erased (RM0091 §3.3.1) */
  } else if (mode == CR_OPTER && (f->cr & CR_OPTWRE)) {
    op.kind = FLASH_OP_OPTIONS;
    memset(f->pending_options, 0xFF, sizeof f->pending_options);
    if (flash_start(t, &op, T_PAGE_ERASE, 0, 1, false))
      f->cr |= CR_STRT;
  }
}

static void write_key(sim_target *t, uint32_t key)
{
  sim_flash *f = &t->flash;
  if (!(f->cr & CR_LOCK))
    return;
  key_result r = flash_key_write(&f->key_stage, key, FLASH_KEY1, FLASH_KEY2);
  if (r == KEY_UNLOCKED)
    f->cr &= ~CR_LOCK;
  else if (r == KEY_WRONG)
    f->key_lockout = true; /* PM0075 §2.3.1: locked until the next reset */
}

/* OPTKEYR takes the same keys and sets OPTWRE (PM0075 §2.5). */
static void write_optkey(sim_target *t, uint32_t key)
{
  sim_flash *f = &t->flash;
  if (f->cr & CR_LOCK)
    return;
  if (flash_key_write(&f->optkey_stage, key, FLASH_KEY1, FLASH_KEY2) == KEY_UNLOCKED)
    f->cr |= CR_OPTWRE;
}

/* Reload the options and reset (RM0091 §3.5.5): after the CPU's store
 * completes, at once for the debugger. */
static void obl_launch(sim_target *t, bus_master m)
{
  if (m == MASTER_CPU) {
    t->core.reset_request = 3;
    t->core.stop_pending = true;
  } else {
    target_option_load_reset(t);
  }
}

static bus_status f1_reg_write(sim_target *t, bus_master m, uint32_t off, uint32_t value,
                               uint32_t mask)
{
  sim_flash *f = &t->flash;
  switch (off) {
  case ACR: {
    uint32_t v = (f->acr & ~mask) | (value & mask);
    f->acr = (v & 0x1F) | ((v & 0x10) << 1); /* PRFTBS follows PRFTBE */
    return BUS_OK;
  }
  case KEYR:
    if (f->key_lockout)
      return BUS_ERROR;
    write_key(t, value);
    return BUS_OK;
  case OPTKEYR:
    write_optkey(t, value);
    return BUS_OK;
  case SR:
    f->sr &= ~(value & mask & (SR_PGERR | SR_WRPRTERR | SR_EOP));
    return BUS_OK;
  case CR: {
    if (flash_busy(t))
      return BUS_BUSY;
    if (fpec_f0(t) && (value & mask & CR_OBL_LAUNCH)) { /* also while locked (RM0091 §3.2.2) */
      obl_launch(t, m);
      return BUS_OK;
    }
    if (f->cr & CR_LOCK)
      return BUS_OK;
    uint32_t v = (f->cr & ~mask) | (value & mask);
    uint32_t optwre = f->cr & v & CR_OPTWRE; /* software can only clear OPTWRE */
    f->cr = (v & CR_WRITABLE) | optwre;
    if (v & CR_LOCK)
      f->cr |= CR_LOCK;
    else if (v & CR_STRT)
      start_erase(t);
    return BUS_OK;
  }
  case AR:
    f->ar = (f->ar & ~mask) | (value & mask);
    return BUS_OK;
  default:
    return BUS_OK;
  }
}

static bus_status f1_array_write(sim_target *t, bus_master m, uint32_t offset, unsigned size,
                                 uint32_t value)
{
  (void)m;
  sim_flash *f = &t->flash;
  if (!(f->cr & CR_PG) || (f->cr & CR_LOCK))
    return BUS_ERROR; /* the array is not writable outside programming mode */
  if (size != 2) {
    if (fpec_f0(t))
      return BUS_ERROR; /* RM0091 §3.2.2: a bus error */
    f->sr |= SR_PGERR; /* half-word programming only (PM0075 §2.3.3) */
    return BUS_OK;
  }
  if (write_protected(t, offset)) {
    f->sr |= protect_error(t, offset);
    return BUS_OK;
  }
  uint16_t old = (uint16_t)(t->st.flash[offset] | t->st.flash[offset + 1] << 8);
  if (old != 0xFFFF && (value & 0xFFFF) != 0) {
    f->sr |= SR_PGERR; /* not erased: only 0x0000 may still be written */
    return BUS_OK;
  }
  flash_op op = {.kind = FLASH_OP_PROGRAM, .offset = offset, .len = 2, .data = value & 0xFFFF};
  flash_start(t, &op, t_prog(t), 1, 0, false);
  return BUS_OK;
}

/* ---- option bytes at 0x1FFFF800 ---- */

static bool f1_option_image(const sim_chip *chip, const uint8_t opts[SIM_OPTIONS_SIZE],
                            uint32_t base, uint8_t out[SIM_OPTIONS_SIZE])
{
  if (base != chip->family->option_base)
    return false;
  memcpy(out, opts, SIM_OPTIONS_SIZE); /* the state keeps the image itself */
  return true;
}

static bus_status f1_option_write(sim_target *t, bus_master m, uint32_t addr, unsigned size,
                                  uint32_t value)
{
  (void)m;
  sim_flash *f = &t->flash;
  uint32_t off = addr - t->chip->family->option_base;
  if (off >= t->chip->family->option_size)
    return BUS_ERROR;
  if (!(f->cr & CR_OPTPG) || !(f->cr & CR_OPTWRE))
    return BUS_ERROR;
  if (size != 2) {
    f->sr |= SR_PGERR;
    return BUS_OK;
  }
  if (t->st.options[off] != 0xFF || t->st.options[off + 1] != 0xFF) {
    f->sr |= fpec_f0(t) ? SR_WRPRTERR : SR_PGERR; /* RM0091 §3.2.2: WRPRTERR */
    return BUS_OK;
  }
  /* the hardware writes the complement itself (PM0075 §2.5) */
  memcpy(f->pending_options, t->st.options, SIM_OPTIONS_SIZE);
  ob_set(f->pending_options, (int)off / 2, (uint8_t)value);
  flash_op op = {.kind = FLASH_OP_OPTIONS};
  sim_ns duration = t_prog(t);
  uint8_t rdp_off = fpec_f0(t) ? RDP_F0_OFF : RDP_OFF;
  if (off == 0 && fpec_f0(t) && flash_loaded_rdp(t) == 2) {
    f->sr |= SR_WRPRTERR; /* level 2: the RDP byte can never change (RM0091 §3.3.1) */
    return BUS_OK;
  }
  bool unprotect = off == 0 && (uint8_t)value == rdp_off && flash_loaded_rdp(t) != 0;
  if (unprotect) { /* RDP removal mass-erases the main flash first */
    op.erase_all_first = true;
    duration += T_MASS_ERASE;
  }
  flash_start(t, &op, duration, 1, 0, unprotect);
  return BUS_OK;
}

static void f1_op_done(sim_target *t, const flash_op *op)
{
  sim_flash *f = &t->flash;
  if (op->kind == FLASH_OP_OPTIONS)
    memcpy(t->st.options, f->pending_options, SIM_OPTIONS_SIZE);
  f->cr &= ~CR_STRT;
  f->sr |= SR_EOP;
}

static void f1_op_failed(sim_target *t)
{
  t->flash.sr |= SR_PGERR;
}

static void f1_reset(sim_target *t)
{
  sim_flash *f = &t->flash;
  f->acr = 0x30;
  f->sr = 0;
  f->cr = CR_LOCK;
  f->ar = 0;
  f->key_stage = f->optkey_stage = 0;
  f->key_lockout = f->optkey_lockout = false;
}

/* ---- state tool ---- */

static const struct {
  const char *name;
  int index;
  uint8_t bit; /* 0xFF: the whole byte */
} f1_fields[] = {
    {"wdg_sw", OB_USER, 0},  {"nrst_stop", OB_USER, 1}, {"nrst_stdby", OB_USER, 2},
    {"data0", OB_DATA0, 0xFF}, {"data1", OB_DATA1, 0xFF}, {"wrp0", OB_WRP0, 0xFF},
    {"wrp1", OB_WRP0 + 1, 0xFF}, {"wrp2", OB_WRP0 + 2, 0xFF}, {"wrp3", OB_WRP0 + 3, 0xFF},
};

static bool f1_set_option(const sim_chip *chip, uint8_t opts[SIM_OPTIONS_SIZE], const char *name,
                          uint32_t value, char *err, size_t err_len);

/* F0 (RM0091 §4.1.1) and F3 (RM0316 §4.2) user bits besides the F1's. */
static const struct {
  const char *name;
  int index;
  uint8_t bit;
} f0_user_fields[] = {
    {"nboot1", OB_USER, 4}, {"vdda_monitor", OB_USER, 5}, {"ram_parity_check", OB_USER, 6},
    {"nboot0", OB_USER, 3}, {"boot_sel", OB_USER, 7},
};

static bool f0_set_option(const sim_chip *chip, uint8_t opts[SIM_OPTIONS_SIZE], const char *name,
                          uint32_t value, char *err, size_t err_len)
{
  if (strcmp(name, "rdp") == 0) {
    if (value > 2) {
      snprintf(err, err_len, "rdp=%u: levels are 0, 1 and 2", value);
      return false;
    }
    ob_set(opts, OB_RDP, value == 0 ? RDP_F0_OFF : value == 2 ? RDP_F0_LEVEL2 : 0xBB);
    return true;
  }
  for (size_t i = 0; i < sizeof f0_user_fields / sizeof f0_user_fields[0]; i++) {
    if (strcmp(name, f0_user_fields[i].name) != 0)
      continue;
    if (value > 1) {
      snprintf(err, err_len, "%s=%u is out of range (0..1)", name, value);
      return false;
    }
    uint8_t b = opts[2 * OB_USER], bit = f0_user_fields[i].bit;
    ob_set(opts, OB_USER, (uint8_t)((b & ~(1u << bit)) | (value << bit)));
    return true;
  }
  return f1_set_option(chip, opts, name, value, err, err_len);
}

static bool f1_set_option(const sim_chip *chip, uint8_t opts[SIM_OPTIONS_SIZE], const char *name,
                          uint32_t value, char *err, size_t err_len)
{
  if (strcmp(name, "rdp") == 0) {
    if (value > 1) {
      snprintf(err, err_len, "rdp=%u: the STM32F1 has only levels 0 and 1", value);
      return false;
    }
    ob_set(opts, OB_RDP, value ? 0x00 : RDP_OFF);
    return true;
  }
  for (size_t i = 0; i < sizeof f1_fields / sizeof f1_fields[0]; i++) {
    if (strcmp(name, f1_fields[i].name) != 0)
      continue;
    uint32_t max = f1_fields[i].bit == 0xFF ? 0xFF : 1;
    if (value > max) {
      snprintf(err, err_len, "%s=%u is out of range (0..%u)", name, value, max);
      return false;
    }
    uint8_t b = opts[2 * f1_fields[i].index];
    if (f1_fields[i].bit == 0xFF)
      b = (uint8_t)value;
    else
      b = (uint8_t)((b & ~(1u << f1_fields[i].bit)) | (value << f1_fields[i].bit));
    ob_set(opts, f1_fields[i].index, b);
    return true;
  }
  snprintf(err, err_len, "unknown %s option '%s'", chip->family->name, name);
  return false;
}

static int f1_decode(const sim_chip *chip, const uint8_t opts[SIM_OPTIONS_SIZE],
                     option_field *out, int max)
{
  bool f0 = chip->family->flash != &sim_flash_f1;
  int n = 0;
  bool bad_pair = false;
  uint8_t rdp = ob_byte(opts, OB_RDP, &bad_pair);
  if (n < max && f0) {
    int level = f0_rdp_level(opts);
    out[n++] = (option_field){"rdp", rdp,
                              level == 0   ? "read protection level 0"
                              : level == 1 ? "read protection level 1"
                                           : "read protection level 2 (for good)"};
  } else if (n < max) {
    out[n++] = (option_field){"rdp", rdp,
                              rdp == RDP_OFF ? "read protection off" : "read protection on"};
  }
  for (size_t i = 0; f0 && i < sizeof f0_user_fields / sizeof f0_user_fields[0] && n < max; i++) {
    if (!chip->boot_sel && (f0_user_fields[i].bit == 3 || f0_user_fields[i].bit == 7))
      continue; /* BOOT_SEL and nBOOT0: F04x/F09x only */
    uint32_t v = (ob_byte(opts, OB_USER, &bad_pair) >> f0_user_fields[i].bit) & 1u;
    const char *text = NULL;
    if (strcmp(f0_user_fields[i].name, "nboot1") == 0)
      text = v ? "BOOT0 high starts the system memory" : "BOOT0 high starts the SRAM";
    out[n++] = (option_field){f0_user_fields[i].name, v, text};
  }
  for (size_t i = 0; i < sizeof f1_fields / sizeof f1_fields[0] && n < max; i++) {
    uint8_t b = ob_byte(opts, f1_fields[i].index, &bad_pair);
    uint32_t v = f1_fields[i].bit == 0xFF ? b : (b >> f1_fields[i].bit) & 1u;
    const char *text = NULL;
    if (strcmp(f1_fields[i].name, "wdg_sw") == 0)
      text = v ? "software watchdog" : "hardware watchdog";
    else if (strcmp(f1_fields[i].name, "nrst_stop") == 0)
      text = v ? "no reset on Stop" : "reset on Stop";
    else if (strcmp(f1_fields[i].name, "nrst_stdby") == 0)
      text = v ? "no reset on Standby" : "reset on Standby";
    out[n++] = (option_field){f1_fields[i].name, v, text};
  }
  if (n < max)
    out[n++] = (option_field){"opterr", bad_pair,
                              bad_pair ? "an option byte does not match its complement" : NULL};
  return n;
}

/* RM0008 §3.4 Table 9: BOOT0 = 0 boots the main flash; BOOT0 = 1 boots the
 * system memory with BOOT1 = 0, the SRAM with BOOT1 = 1. The pins are sampled
 * at every reset; no option byte takes part. */
static void f1_boot(const sim_chip *chip, const sim_chip_state *st, bool power_on, sim_boot *out)
{
  (void)power_on;
  if (!st->boot0) {
    *out = (sim_boot){.area = BOOT_FLASH, .address = 0x08000000};
    snprintf(out->reason, sizeof out->reason, "BOOT0=0 selects the main flash (RM0008 §3.4)");
  } else if (!st->boot1) {
    *out = (sim_boot){.area = BOOT_SYSMEM, .address = chip->family->sysmem_base};
    snprintf(out->reason, sizeof out->reason,
             "BOOT0=1 with BOOT1=0 selects the system memory (RM0008 §3.4)");
  } else {
    *out = (sim_boot){.area = BOOT_SRAM, .address = 0x20000000};
    snprintf(out->reason, sizeof out->reason,
             "BOOT0=1 with BOOT1=1 selects the embedded SRAM (RM0008 §3.4)");
  }
}

/* RM0091 §2.5 table 3, RM0316 §3.5: BOOT0 = 0 boots the main flash;
 * BOOT0 = 1 boots the system memory with the option bit nBOOT1 = 1, the
 * SRAM with nBOOT1 = 0. The latched options count: on the F0 those of the
 * last power-on or OBL_LAUNCH, on the F3 those of the last reset. */
static void f0_boot(const sim_chip *chip, const sim_chip_state *st, bool power_on, sim_boot *out)
{
  /* a reset that loads the options sees the programmed ones */
  bool reload = power_on || !chip->family->flash->option_load_at_power_on;
  const uint8_t *opts = reload ? st->options : st->loaded;
  uint8_t user = ob_byte(opts, OB_USER, NULL);
  bool nboot1 = user & USER_NBOOT1;
  bool pin = !chip->boot_sel || (user & USER_BOOT_SEL);
  bool boot0 = pin ? st->boot0 : !(user & USER_NBOOT0);
  char by[48];
  if (pin)
    snprintf(by, sizeof by, "BOOT0=%d", boot0);
  else
    snprintf(by, sizeof by, "BOOT_SEL=0 with nBOOT0=%d", !boot0);
  uint32_t first;
  memcpy(&first, st->flash, 4);
  bool empty = chip->boot_sel && (power_on ? first == 0xFFFFFFFFu : st->flash_empty);
  if (!boot0 && empty) {
    *out = (sim_boot){.area = BOOT_SYSMEM, .address = chip->family->sysmem_base};
    snprintf(out->reason, sizeof out->reason,
             "%s selects the main flash, but the empty check found its first word erased, so "
             "the system memory starts (RM0091 §2.5)", by);
  } else if (!boot0) {
    *out = (sim_boot){.area = BOOT_FLASH, .address = 0x08000000};
    snprintf(out->reason, sizeof out->reason, "%s selects the main flash (RM0091 §2.5)", by);
  } else if (nboot1) {
    *out = (sim_boot){.area = BOOT_SYSMEM, .address = chip->family->sysmem_base};
    snprintf(out->reason, sizeof out->reason,
             "%s with the option bit nBOOT1=1 selects the system memory (RM0091 §2.5)", by);
  } else {
    *out = (sim_boot){.area = BOOT_SRAM, .address = 0x20000000};
    snprintf(out->reason, sizeof out->reason,
             "%s with the option bit nBOOT1=0 selects the embedded SRAM (RM0091 §2.5)", by);
  }
}

/* The option loader (power-on, OBL_LAUNCH) of the F04x/F09x latches the
 * empty check: set while the first flash word reads erased (RM0091 §2.5). */
static void f0_option_load(sim_target *t)
{
  if (!t->chip->boot_sel)
    return;
  uint32_t first;
  memcpy(&first, t->st.flash, 4);
  bool empty = first == 0xFFFFFFFFu;
  if (empty != t->st.flash_empty) {
    t->st.flash_empty = empty;
    target_mark_dirty(t);
  }
}

static void f1_costs(const sim_chip *chip, sim_flash_costs *out)
{
  out->flash_size = chip->flash_size;
  out->program_unit = 2;
  out->program_ns = chip->family->flash != &sim_flash_f1 ? T_PROG_F0 : T_PROG;
  out->mass_erase_ns = T_MASS_ERASE;
  out->bank_size = chip->flash_size;
  out->bank_erase_ns = T_MASS_ERASE;
}

static sim_ns f1_unit_erase_ns(uint32_t size)
{
  (void)size;
  return T_PAGE_ERASE;
}

const flash_family sim_flash_f1 = {
    .reset = f1_reset,
    .reg_read = f1_reg_read,
    .reg_write = f1_reg_write,
    .array_write = f1_array_write,
    .option_write = f1_option_write,
    .op_done = f1_op_done,
    .op_failed = f1_op_failed,
    .rdp_level = f1_rdp_level,
    .offset_protected = f1_offset_protected,
    .factory_options = f1_factory_options,
    .option_image = f1_option_image,
    .set_option = f1_set_option,
    .decode = f1_decode,
    .option_names = "rdp=0|1 wdg_sw nrst_stop nrst_stdby data0 data1 wrp0 wrp1 wrp2 wrp3",
    .boot = f1_boot,
    .costs = f1_costs,
    .unit_erase_ns = f1_unit_erase_ns,
};

/* F0: the options load at power-on and OBL_LAUNCH only (RM0091 §4). */
const flash_family sim_flash_f0 = {
    .reset = f1_reset,
    .reg_read = f1_reg_read,
    .reg_write = f1_reg_write,
    .array_write = f1_array_write,
    .option_write = f1_option_write,
    .op_done = f1_op_done,
    .op_failed = f1_op_failed,
    .rdp_level = f0_rdp_level,
    .offset_protected = f1_offset_protected,
    .factory_options = f0_factory_options,
    .option_image = f1_option_image,
    .set_option = f0_set_option,
    .decode = f1_decode,
    .option_names = "rdp=0|1|2 wdg_sw nrst_stop nrst_stdby nboot1 vdda_monitor ram_parity_check "
                    "data0 data1 wrp0 wrp1 wrp2 wrp3; F04x: nboot0 boot_sel",
    .option_load_at_power_on = true,
    .option_load = f0_option_load,
    .boot = f0_boot,
    .costs = f1_costs,
    .unit_erase_ns = f1_unit_erase_ns,
};

/* F3: as the F0, but a system reset loads the options too (RM0316 §4.4);
 * bit 6 of the user byte is SRAM_PE, the same parity switch. */
const flash_family sim_flash_f3 = {
    .reset = f1_reset,
    .reg_read = f1_reg_read,
    .reg_write = f1_reg_write,
    .array_write = f1_array_write,
    .option_write = f1_option_write,
    .op_done = f1_op_done,
    .op_failed = f1_op_failed,
    .rdp_level = f0_rdp_level,
    .offset_protected = f1_offset_protected,
    .factory_options = f0_factory_options,
    .option_image = f1_option_image,
    .set_option = f0_set_option,
    .decode = f1_decode,
    .option_names = "rdp=0|1|2 wdg_sw nrst_stop nrst_stdby nboot1 vdda_monitor ram_parity_check "
                    "data0 data1 wrp0 wrp1 wrp2 wrp3",
    .boot = f0_boot,
    .costs = f1_costs,
    .unit_erase_ns = f1_unit_erase_ns,
};
