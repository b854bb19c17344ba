/*
 * The probe firmware's SWD engine: every DP/AP/memory access an ST-Link
 * command needs, as transactions on the simulated wire, each charged 48 SWD
 * clock cycles (timing model 2). WAIT answers are retried by the firmware up
 * to SIM_PROBE_WAIT_RETRIES times.
 *
 * Sticky errors. A memory or debug-register command that meets a FAULT ends,
 * records where it failed (GETLASTRWSTATUS2) and has the firmware clear the
 * sticky flags, so the next command starts clean. A raw DP/AP register
 * access (READ/WRITE_DAP_REG) that faults leaves them set until the host
 * writes DP ABORT. Why, from what the host tools need of real probes:
 *  - stlink-org never writes ABORT, yet st-util serves gdb, which reads
 *    whatever address its user or its unwinder asks for; and OpenOCD's HLA
 *    driver, which never writes ABORT either, runs `program ... reset` on a
 *    blank chip: after the reset it reads the half-word at the stale PC
 *    0xfffffffe, which faults, and goes on writing DEMCR. OpenOCD's
 *    stlink_usb_error_check cites a fork that returns OK for SWD_AP_FAULT
 *    "when reading outside RAM" so that an IDE's memory view keeps working,
 *    which only helps if the next read works.
 *  - The tools that drive the DAP themselves clear the flags themselves:
 *    OpenOCD's dap-direct driver reads CTRL/STAT after every batch and
 *    writes ABORT.STKERRCLR when STICKYERR is set (stlink_dap_op_run),
 *    pyOCD writes ABORT after a memory-fault status, Black Magic's ST-Link
 *    backend reads CTRL/STAT and writes ABORT (stlink_dp_error).
 * Keeping the flags until ABORT for every command would be the simple
 * reading; the stlink-org and HLA cases above show the firmware does
 * not leave them to the host on its memory commands.
 */
#include "debug_regs.h"
#include "probe.h"

#include <string.h>

enum {
  /* >= 50 cycles high, the 16-bit JTAG-to-SWD sequence, >= 50 high, 2 idle. */
  CYCLES_LINE_RESET = 50 + 16 + 50 + 2,

  /* DbgSwEnable, HPROT1 (privileged), debug master: what hosts use on Cortex-M. */
  CSW_DEFAULT_HIGH = 0xA2000000u,

  TAR_BLOCK = 1024, /* auto-increment is only guaranteed inside 1 KiB */
};

typedef enum { DP_READ, DP_WRITE, AP_READ, AP_WRITE } access_kind;

void sim_swd_init(sim_swd *w, sim_target *target, sim_clock *clock, uint32_t khz)
{
  memset(w, 0, sizeof *w);
  w->target = target;
  w->clock = clock;
  w->khz = khz;
}

void sim_swd_forget(sim_swd *w)
{
  w->select_known = false;
  w->csw_known = false;
}

void sim_swd_wait_ns(sim_swd *w, sim_ns ns)
{
  w->clock->now += ns;
  if (w->target)
    sim_target_sync(w->target);
}

void sim_swd_cycles(sim_swd *w, uint32_t cycles)
{
  /* ns = cycles * 1e6 / kHz, keeping the remainder so that e.g. 48 cycles at
   * 1.8 MHz (26 666.67 ns) add up exactly over many transactions. */
  uint64_t total = (uint64_t)cycles * 1000000u + w->cycle_rest;
  w->cycle_rest = total % w->khz;
  sim_swd_wait_ns(w, total / w->khz);
}

static sim_ack transact_once(sim_swd *w, access_kind kind, uint8_t addr, uint32_t *value)
{
  sim_swd_cycles(w, SIM_SWD_CYCLES_PER_TRANSACTION);
  w->clock->report.swd_transactions++;
  w->clock->report.swd_khz = w->khz;
  if (!w->target)
    return SIM_ACK_NONE;
  switch (kind) {
  case DP_READ:
    return sim_target_dp_read(w->target, addr, value);
  case DP_WRITE:
    return sim_target_dp_write(w->target, addr, *value);
  case AP_READ:
    return sim_target_ap_read(w->target, addr, value);
  case AP_WRITE:
    return sim_target_ap_write(w->target, addr, *value);
  }
  return SIM_ACK_NONE;
}

static uint8_t status_of(access_kind kind, sim_ack ack)
{
  bool ap = kind == AP_READ || kind == AP_WRITE;
  switch (ack) {
  case SIM_ACK_OK:
    return STLINK_OK;
  case SIM_ACK_WAIT:
    return ap ? STLINK_SWD_AP_WAIT : STLINK_SWD_DP_WAIT;
  case SIM_ACK_FAULT:
    return ap ? STLINK_SWD_AP_FAULT : STLINK_SWD_DP_FAULT;
  default:
    return ap ? STLINK_SWD_AP_ERROR : STLINK_SWD_DP_ERROR;
  }
}

/* RDBUFF completes an AP access: its failures are the AP's. */
static uint8_t as_ap_status(uint8_t dp_status)
{
  switch (dp_status) {
  case STLINK_SWD_DP_WAIT:
    return STLINK_SWD_AP_WAIT;
  case STLINK_SWD_DP_FAULT:
    return STLINK_SWD_AP_FAULT;
  case STLINK_SWD_DP_ERROR:
    return STLINK_SWD_AP_ERROR;
  default:
    return dp_status;
  }
}

/* One access, retrying WAIT answers; returns the ST-Link status. */
static uint8_t transact(sim_swd *w, access_kind kind, uint8_t addr, uint32_t *value)
{
  for (int retries = 0;; retries++) {
    sim_ack ack = transact_once(w, kind, addr, value);
    if (ack != SIM_ACK_WAIT)
      return status_of(kind, ack);
    w->clock->report.swd_wait_acks++;
    if (retries == SIM_PROBE_WAIT_RETRIES) {
      /* Give up: cancel the stalled access so the DP answers again. */
      uint32_t abort = ABORT_DAPABORT;
      transact_once(w, DP_WRITE, DP_ABORT, &abort);
      return status_of(kind, SIM_ACK_WAIT);
    }
  }
}

uint8_t sim_swd_line_reset(sim_swd *w)
{
  sim_swd_cycles(w, CYCLES_LINE_RESET);
  if (w->target)
    sim_target_line_reset(w->target);
  sim_swd_forget(w);
  return STLINK_OK;
}

uint8_t sim_swd_dp_read(sim_swd *w, uint8_t addr, uint32_t *value)
{
  *value = 0;
  return transact(w, DP_READ, addr, value);
}

uint8_t sim_swd_dp_write(sim_swd *w, uint8_t addr, uint32_t value)
{
  uint8_t st = transact(w, DP_WRITE, addr, &value);
  if (addr == DP_SELECT) {
    w->select_known = st == STLINK_OK;
    w->select = value;
  }
  return st;
}

void sim_swd_clear_sticky(sim_swd *w)
{
  uint32_t v = ABORT_CLEAR_STICKY;
  transact(w, DP_WRITE, DP_ABORT, &v);
}

static uint8_t select_ap(sim_swd *w, uint8_t ap, uint8_t addr)
{
  uint32_t want = (uint32_t)ap << 24 | (addr & 0xF0u);
  if (w->select_known && w->select == want)
    return STLINK_OK;
  return sim_swd_dp_write(w, DP_SELECT, want);
}

uint8_t sim_swd_ap_read(sim_swd *w, uint8_t ap, uint8_t addr, uint32_t *value)
{
  *value = 0;
  uint8_t st = select_ap(w, ap, addr);
  if (st != STLINK_OK)
    return st;
  uint32_t stale;
  st = transact(w, AP_READ, addr & 0x0C, &stale);
  if (st != STLINK_OK)
    return st;
  return as_ap_status(transact(w, DP_READ, DP_RDBUFF, value));
}

uint8_t sim_swd_ap_write(sim_swd *w, uint8_t ap, uint8_t addr, uint32_t value)
{
  uint8_t st = select_ap(w, ap, addr);
  if (st != STLINK_OK)
    return st;
  if ((addr & 0xFC) == AP_CSW && ap == w->csw_ap)
    w->csw_known = false;
  return transact(w, AP_WRITE, addr & 0x0C, &value);
}

/* Make CSW match the access size (a write only when it changes). */
static uint8_t set_csw(sim_swd *w, const sim_mem_op *op)
{
  static const uint32_t size_bits[5] = {0, 0, 1, 0, 2};
  uint32_t high = op->csw_high ? op->csw_high << 8 : CSW_DEFAULT_HIGH;
  uint32_t csw = high | (op->increment ? CSW_ADDRINC_SINGLE : 0) | size_bits[op->size];
  if (w->csw_known && w->csw_ap == op->ap && w->csw == csw)
    return STLINK_OK;
  uint8_t st = sim_swd_ap_write(w, op->ap, AP_CSW, csw);
  if (st == STLINK_OK) {
    w->csw_known = true;
    w->csw_ap = op->ap;
    w->csw = csw;
  }
  return st;
}

static uint8_t set_tar(sim_swd *w, const sim_mem_op *op, uint32_t addr)
{
  return sim_swd_ap_write(w, op->ap, AP_TAR, addr);
}

/* TAR is (re)written at the start and wherever auto-increment may wrap. */
static bool needs_tar(const sim_mem_op *op, size_t index, uint32_t addr)
{
  return (index == 0 && !op->continued) || (op->increment && addr % TAR_BLOCK == 0);
}

static uint32_t lane_shift(uint32_t addr, uint8_t size)
{
  return size == 4 ? 0 : (addr & 3u) * 8;
}

static void store(uint8_t *buf, uint32_t word, uint32_t addr, uint8_t size)
{
  word >>= lane_shift(addr, size);
  for (uint8_t i = 0; i < size; i++)
    buf[i] = (uint8_t)(word >> (8 * i));
}

static uint32_t load(const uint8_t *buf, uint32_t addr, uint8_t size)
{
  uint32_t word = 0;
  for (uint8_t i = 0; i < size; i++)
    word |= (uint32_t)buf[i] << (8 * i);
  return word << lane_shift(addr, size);
}

static void fail(sim_swd *w, sim_mem_op *op, uint8_t status, uint32_t addr)
{
  op->status = status;
  op->fault_addr = addr;
  if (status == STLINK_SWD_AP_FAULT || status == STLINK_SWD_DP_FAULT)
    sim_swd_clear_sticky(w);
}

/*
 * The DRW accesses of a block, TAR written where needed. Accesses are posted:
 * a read returns the data of the access before it, and a FAULT answer
 * reports the error of the access before. Returns false on failure (op
 * holds why and where); else *last is the address of the final access.
 */
static bool drw_block(sim_swd *w, sim_mem_op *op, access_kind kind, uint8_t *in,
                      const uint8_t *out, size_t len, uint32_t *last)
{
  op->status = STLINK_OK;
  if (len == 0)
    return false;
  uint8_t st = set_csw(w, op);
  if (st != STLINK_OK) {
    fail(w, op, st, op->addr);
    return false;
  }
  uint32_t addr = op->addr, prev_addr = op->addr;
  for (size_t i = 0; i < len / op->size; i++) {
    uint32_t value = kind == AP_WRITE ? load(out + i * op->size, addr, op->size) : 0;
    if (needs_tar(op, i, addr))
      st = set_tar(w, op, addr);
    if (st == STLINK_OK)
      st = transact(w, kind, AP_DRW, &value);
    if (st != STLINK_OK) {
      fail(w, op, st, i ? prev_addr : addr);
      return false;
    }
    if (kind == AP_READ && i)
      store(in + (i - 1) * op->size, value, prev_addr, op->size);
    prev_addr = addr;
    if (op->increment)
      addr += op->size;
  }
  *last = prev_addr;
  return true;
}

void sim_swd_mem_read(sim_swd *w, sim_mem_op *op, uint8_t *buf, size_t len)
{
  memset(buf, 0, len);
  uint32_t last_addr, value = 0;
  if (!drw_block(w, op, AP_READ, buf, NULL, len, &last_addr))
    return;
  uint8_t st = as_ap_status(transact(w, DP_READ, DP_RDBUFF, &value));
  if (st != STLINK_OK)
    fail(w, op, st, last_addr);
  else
    store(buf + len - op->size, value, last_addr, op->size);
}

void sim_swd_mem_write(sim_swd *w, sim_mem_op *op, const uint8_t *buf, size_t len)
{
  uint32_t last_addr;
  if (drw_block(w, op, AP_WRITE, NULL, buf, len, &last_addr))
    op->fault_addr = last_addr; /* where a fault found by the flush belongs */
}

void sim_swd_mem_flush(sim_swd *w, sim_mem_op *op)
{
  if (op->status != STLINK_OK)
    return;
  uint32_t ignored;
  uint8_t st = as_ap_status(transact(w, DP_READ, DP_RDBUFF, &ignored));
  if (st != STLINK_OK)
    fail(w, op, st, op->fault_addr);
}

uint8_t sim_swd_read32(sim_swd *w, uint32_t addr, uint32_t *value)
{
  uint8_t buf[4];
  sim_mem_op op = {.ap = 0, .addr = addr, .size = 4, .increment = true};
  sim_swd_mem_read(w, &op, buf, 4);
  *value = (uint32_t)buf[0] | (uint32_t)buf[1] << 8 | (uint32_t)buf[2] << 16 |
           (uint32_t)buf[3] << 24;
  return op.status;
}

uint8_t sim_swd_write32(sim_swd *w, uint32_t addr, uint32_t value)
{
  uint8_t buf[4] = {(uint8_t)value, (uint8_t)(value >> 8), (uint8_t)(value >> 16),
                    (uint8_t)(value >> 24)};
  sim_mem_op op = {.ap = 0, .addr = addr, .size = 4, .increment = true};
  sim_swd_mem_write(w, &op, buf, 4);
  sim_swd_mem_flush(w, &op);
  return op.status;
}
