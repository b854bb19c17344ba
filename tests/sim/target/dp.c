/*
 * SW-DP (ADIv5, DPv1 as on the Cortex-M3/M4 SWJ-DP) and the AHB-AP.
 * Cortex-M3 TRM §12 / Cortex-M4 TRM, RM0008 §31.8, RM0090 §38.8.
 *
 * Each sim_target_dp_* / sim_target_ap_* call is one SWD transaction.
 * Modelling choices:
 *  - a bus error is answered FAULT on the access that causes it (the SW-DP's
 *    one-transaction delay of posted writes is not modelled) and sets
 *    STICKYERR;
 *  - an access to the flash array while the flash is busy (or to FLASH_CR on
 *    the controllers that stall it) answers WAIT and is not performed: the
 *    probe retries it, and it succeeds once the operation has ended;
 *  - DPIDR reads, CTRL/STAT accesses and ABORT writes never get WAIT or
 *    FAULT (Cortex-M3 TRM §12.3.x "The FAULT response").
 */
#include "target.h"

#include "debug_regs.h"

enum {
  ABORT_STKCMPCLR = 1u << 1,
  ABORT_WDERRCLR = 1u << 3,
  ABORT_ORUNERRCLR = 1u << 4,

  CTRL_ORUNDETECT = 1u << 0,
  CTRL_STICKYORUN = 1u << 1,
  CTRL_STICKYCMP = 1u << 4,
  CTRL_READOK = 1u << 6,
  CTRL_WDATAERR = 1u << 7,
  CTRL_CDBGRSTREQ = 1u << 26,
  CTRL_STICKY = CTRL_STICKYORUN | CTRL_STICKYCMP | CTRL_STICKYERR | CTRL_WDATAERR,
  CTRL_WRITABLE = CTRL_ORUNDETECT | 0x00FFFF0Cu | CTRL_CDBGRSTREQ | CTRL_POWERUP_REQ,

  AP_BD0 = 0x10,
  AP_BASE = 0xF8,

  CSW_DEVICE_EN = 1u << 6,
  AHB_AP_IDR = 0x24770011, /* AHB-AP of the Cortex-M3/M4 */
  AHB_AP_IDR_M7 = 0x84770001, /* AHB-AP of the Cortex-M7 (H7 AP0) */
  APB_AP_IDR = 0x54770002,    /* H7 AP2: APB-AP to the debug APB */
  APBD_AP = 2,
  APBD_BASE = 0xE00E0000,
  APBD_END = 0xE0100000,
  APBD_DBGMCU = 0xE00E1000,
};
#define CSW_WRITABLE 0xFF000037u
#define ROM_TABLE 0xE00FF003u /* entry present, at 0xE00FF000 */

void dp_power_on(sim_target *t)
{
  sim_dp *dp = &t->dp;
  *dp = (sim_dp){0};
  dp->csw = 0x03000000 | CSW_DEVICE_EN | 0x2; /* HPROT data+privileged, word */
  dp->apbd_csw = 0x80000000u | CSW_DEVICE_EN | 0x2;
  dp->wcr = 0x40;
}

/* ---- H7 AP2: the debug APB (RM0433 §60.2.9) ---- */

static bool has_apbd(const sim_target *t)
{
  return t->chip->family->id == SIM_FAMILY_H7;
}

static unsigned current_ap(const sim_dp *dp)
{
  return dp->select >> 24;
}

/* The debug APB as AP2 sees it: the DBGMCU block, and storage that takes
 * anything for the trace blocks (SWO, SWTF, TPIU) a debugger may set up. */
static bus_status apbd_access(sim_target *t, uint32_t addr, bool write, uint32_t *value)
{
  addr &= ~3u;
  if (addr < APBD_BASE || addr >= APBD_END)
    return BUS_ERROR;
  if (addr - APBD_DBGMCU < 0x1000) {
    if (!write)
      return dbgmcu_read(t, addr - APBD_DBGMCU, value);
    return dbgmcu_write(t, addr - APBD_DBGMCU, *value);
  }
  if (!write)
    *value = 0;
  return BUS_OK;
}

void sim_target_line_reset(sim_target *t)
{
  sim_target_sync(t);
  if (target_swd_off(t))
    return;
  t->dp.line_reset_seen = true;
  t->dp.idcode_pending = true;
}

static void latch_debugger(sim_target *t)
{
  if (!t->st.debugger_latched) {
    t->st.debugger_latched = true;
    t->st.boot0_at_debug = t->st.boot0; /* G0: the boot logic keeps this level */
    target_mark_dirty(t);
  }
}

/* DPIDR reads, ABORT writes and CTRL/STAT accesses */
static bool exempt(bool ap, uint8_t addr)
{
  return !ap && (addr == DP_DPIDR || addr == DP_CTRL_STAT);
}

/* What every transaction goes through before it reaches a register. */
static bool gate(sim_target *t, bool ap, bool read, uint8_t addr, sim_ack *ack)
{
  sim_target_sync(t);
  uint64_t n = ++t->swd_count;
  if (target_swd_off(t) || !t->dp.line_reset_seen) {
    *ack = SIM_ACK_NONE;
    return false;
  }
  if (target_fault_at(t, SIM_FAULT_SWD_FAULT, n)) {
    t->dp.ctrl_stat |= CTRL_STICKYERR;
    *ack = SIM_ACK_FAULT;
    return false;
  }
  if (target_fault_at(t, SIM_FAULT_SWD_WAIT, n))
    t->wait_storm_left = SWD_WAIT_STORM;
  bool special = exempt(ap, addr);
  if (t->wait_storm_left && !special) {
    t->wait_storm_left--;
    if (t->dp.ctrl_stat & CTRL_ORUNDETECT)
      t->dp.ctrl_stat |= CTRL_STICKYORUN;
    *ack = SIM_ACK_WAIT;
    return false;
  }
  if (t->dp.idcode_pending && !(!ap && read && addr == DP_DPIDR)) {
    *ack = SIM_ACK_FAULT; /* RM0008 §31.8.3: DPIDR must be read first */
    return false;
  }
  if (!special && (t->dp.ctrl_stat & CTRL_STICKY)) {
    *ack = SIM_ACK_FAULT;
    return false;
  }
  return true;
}

static uint32_t ctrl_stat_value(const sim_dp *dp)
{
  uint32_t cs = dp->ctrl_stat;
  cs |= (cs & (CTRL_CDBGRSTREQ | CTRL_CDBGPWRUPREQ | CTRL_CSYSPWRUPREQ)) << 1; /* ACKs follow */
  return cs | (dp->readok ? CTRL_READOK : 0);
}

sim_ack sim_target_dp_read(sim_target *t, uint8_t addr, uint32_t *value)
{
  sim_ack ack;
  *value = 0;
  if (!gate(t, false, true, addr & 0xC, &ack))
    return ack;
  sim_dp *dp = &t->dp;
  switch (addr & 0xC) {
  case DP_DPIDR:
    *value = t->chip->dpidr;
    dp->idcode_pending = false;
    break;
  case DP_CTRL_STAT:
    *value = (dp->select & 1) ? dp->wcr : ctrl_stat_value(dp);
    break;
  case DP_SELECT: /* RESEND */
  case DP_RDBUFF:
    *value = dp->rdbuff;
    break;
  }
  return SIM_ACK_OK;
}

sim_ack sim_target_dp_write(sim_target *t, uint8_t addr, uint32_t value)
{
  sim_ack ack;
  if (!gate(t, false, false, addr & 0xC, &ack))
    return ack;
  sim_dp *dp = &t->dp;
  switch (addr & 0xC) {
  case DP_ABORT:
    if (value & ABORT_DAPABORT)
      t->wait_storm_left = 0; /* the stalled transaction is abandoned */
    if (value & ABORT_STKCMPCLR)
      dp->ctrl_stat &= ~CTRL_STICKYCMP;
    if (value & ABORT_STKERRCLR)
      dp->ctrl_stat &= ~CTRL_STICKYERR;
    if (value & ABORT_WDERRCLR)
      dp->ctrl_stat &= ~CTRL_WDATAERR;
    if (value & ABORT_ORUNERRCLR)
      dp->ctrl_stat &= ~CTRL_STICKYORUN;
    break;
  case DP_CTRL_STAT:
    if (dp->select & 1) {
      dp->wcr = value;
      break;
    }
    dp->ctrl_stat = (dp->ctrl_stat & CTRL_STICKY) | (value & CTRL_WRITABLE);
    if (value & CTRL_CDBGPWRUPREQ)
      latch_debugger(t);
    break;
  case DP_SELECT:
    dp->select = value;
    break;
  case DP_RDBUFF:
    break; /* no TARGETSEL on a DPv1 */
  }
  return SIM_ACK_OK;
}

/* ---- AHB-AP ---- */

static unsigned csw_bytes(uint32_t csw)
{
  switch (csw & 7) {
  case 0:
    return 1;
  case 1:
    return 2;
  case 2:
    return 4;
  default:
    return 0;
  }
}

static void tar_advance(sim_dp *dp, unsigned bytes)
{
  if (((dp->csw >> 4) & 3) == 0)
    return;
  /* auto-increment only carries within the 1 KiB block (ADIv5 §7.2.2) */
  dp->tar = (dp->tar & ~0x3FFu) | ((dp->tar + bytes) & 0x3FFu);
}

static bus_status mem_read(sim_target *t, uint32_t addr, unsigned bytes, uint32_t *lanes)
{
  uint32_t v = 0;
  addr &= ~(bytes - 1);
  if (current_ap(&t->dp) == APBD_AP) {
    bus_status s = apbd_access(t, addr, false, &v);
    *lanes = v;
    return s;
  }
  bus_status s = bus_read(t, MASTER_DEBUG, addr, bytes, &v);
  *lanes = v << (8 * (addr & 3));
  return s;
}

static bus_status mem_write(sim_target *t, uint32_t addr, unsigned bytes, uint32_t lanes)
{
  addr &= ~(bytes - 1);
  uint32_t v = lanes >> (8 * (addr & 3));
  if (bytes < 4)
    v &= (1u << (8 * bytes)) - 1;
  if (current_ap(&t->dp) == APBD_AP)
    return bytes == 4 ? apbd_access(t, addr, true, &lanes) : BUS_ERROR;
  return bus_write(t, MASTER_DEBUG, addr, bytes, v);
}

/* DRW at TAR (auto-incremented), or BD0-3 in the 16-byte block at TAR.
 * With AddrInc "packed" a DRW access of bytes or half-words moves a whole
 * word: 4 (or 2) bus transfers at successive addresses, each in the byte
 * lanes of its own address (ADIv5 §7.2.2). */
static bus_status ap_mem_access(sim_target *t, uint8_t reg, bool write, uint32_t *value)
{
  sim_dp *dp = &t->dp;
  unsigned bytes = csw_bytes(dp->csw);
  if (!bytes)
    return BUS_ERROR;
  if (reg != AP_DRW) {
    uint32_t addr = (dp->tar & ~0xFu) | (reg & 0xCu);
    return write ? mem_write(t, addr, bytes, *value) : mem_read(t, addr, bytes, value);
  }
  bool packed = ((dp->csw >> 4) & 3) == 2;
  unsigned transfers = packed ? 4 / bytes : 1;
  uint32_t word = 0;
  bus_status s = BUS_OK;
  for (unsigned i = 0; i < transfers && s == BUS_OK; i++) {
    uint32_t lanes = 0;
    s = write ? mem_write(t, dp->tar, bytes, *value) : mem_read(t, dp->tar, bytes, &lanes);
    word |= lanes;
    if (s == BUS_OK)
      tar_advance(dp, bytes);
  }
  if (!write)
    *value = word;
  return s;
}

static bool is_data_reg(uint8_t reg)
{
  return reg == AP_DRW || (reg >= AP_BD0 && reg <= AP_BD0 + 12);
}

static bus_status ap_reg_read(sim_target *t, uint8_t reg, uint32_t *value)
{
  sim_dp *dp = &t->dp;
  *value = 0;
  if (is_data_reg(reg))
    return ap_mem_access(t, reg, false, value);
  switch (reg) {
  case AP_CSW:
    *value = dp->csw | CSW_DEVICE_EN;
    break;
  case AP_TAR:
    *value = dp->tar;
    break;
  case AP_BASE:
    *value = current_ap(dp) == APBD_AP ? APBD_BASE | 3u : ROM_TABLE;
    break;
  case AP_IDR:
    *value = current_ap(dp) == APBD_AP ? APB_AP_IDR
             : t->chip->is_m7          ? AHB_AP_IDR_M7
                                       : AHB_AP_IDR;
    break;
  default: /* CFG: little endian; the rest reads as zero */
    break;
  }
  return BUS_OK;
}

static bus_status ap_reg_write(sim_target *t, uint8_t reg, uint32_t value)
{
  sim_dp *dp = &t->dp;
  if (is_data_reg(reg))
    return ap_mem_access(t, reg, true, &value);
  if (reg == AP_CSW)
    dp->csw = value & CSW_WRITABLE;
  else if (reg == AP_TAR)
    dp->tar = value;
  return BUS_OK;
}

/* AP2 has its own CSW and TAR: they stand in for AP0's while it is used. */
static void swap_apbd(sim_dp *dp)
{
  uint32_t csw = dp->csw, tar = dp->tar;
  dp->csw = dp->apbd_csw;
  dp->tar = dp->apbd_tar;
  dp->apbd_csw = csw;
  dp->apbd_tar = tar;
}

static sim_ack ap_result(sim_target *t, bus_status s)
{
  switch (s) {
  case BUS_OK:
    return SIM_ACK_OK;
  case BUS_BUSY:
    if (t->dp.ctrl_stat & CTRL_ORUNDETECT)
      t->dp.ctrl_stat |= CTRL_STICKYORUN;
    return SIM_ACK_WAIT;
  default:
    t->dp.ctrl_stat |= CTRL_STICKYERR;
    return SIM_ACK_FAULT;
  }
}

static bool ap_reachable(sim_target *t, sim_ack *ack)
{
  latch_debugger(t);
  if (target_deep_sleep_blocks_ap(t)) {
    *ack = SIM_ACK_WAIT; /* the AHB is not clocked in Stop mode */
    return false;
  }
  return true;
}

sim_ack sim_target_ap_read(sim_target *t, uint8_t addr, uint32_t *value)
{
  sim_ack ack;
  *value = 0;
  if (!gate(t, true, true, addr, &ack) || !ap_reachable(t, &ack))
    return ack;
  sim_dp *dp = &t->dp;
  uint32_t result = 0;
  bus_status s = BUS_OK;
  if (current_ap(dp) == 0) {
    s = ap_reg_read(t, (uint8_t)((dp->select & 0xF0) | (addr & 0xC)), &result);
  } else if (current_ap(dp) == APBD_AP && has_apbd(t)) {
    swap_apbd(dp);
    s = ap_reg_read(t, (uint8_t)((dp->select & 0xF0) | (addr & 0xC)), &result);
    swap_apbd(dp);
  }
  ack = ap_result(t, s);
  if (ack == SIM_ACK_WAIT)
    return ack;
  /* posted: this transaction returns the previous AP read */
  *value = dp->ap_posted;
  dp->ap_posted = result;
  dp->rdbuff = result;
  dp->readok = ack == SIM_ACK_OK;
  return ack;
}

sim_ack sim_target_ap_write(sim_target *t, uint8_t addr, uint32_t value)
{
  sim_ack ack;
  if (!gate(t, true, false, addr, &ack) || !ap_reachable(t, &ack))
    return ack;
  sim_dp *dp = &t->dp;
  uint8_t reg = (uint8_t)((dp->select & 0xF0) | (addr & 0xC));
  if (current_ap(dp) == APBD_AP && has_apbd(t)) {
    swap_apbd(dp);
    bus_status s = ap_reg_write(t, reg, value);
    swap_apbd(dp);
    return ap_result(t, s);
  }
  if (current_ap(dp) != 0)
    return SIM_ACK_OK; /* no other AP: the write goes nowhere */
  return ap_result(t, ap_reg_write(t, reg, value));
}
