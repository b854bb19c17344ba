/*
 * ST-Link firmware emulation: the memory, raw DAP and batched (RW_MISC)
 * commands, with the size limits and alignment rules of
 * stlink-protocol.md 6 and the last-status bookkeeping of section 4.
 */
#include "debug_regs.h"
#include "stlink_internal.h"

enum {
  DP_PORT = 0xFFFF,
  MISC_ADDRESS = 1,
  MISC_WRITE = 2,
  MISC_READ = 3,
  MISC_APNUM = 5,
};

/* ---------------------------------------------------------------------- */
/* Memory                                                                  */
/* ---------------------------------------------------------------------- */

typedef struct mem_shape {
  uint8_t size;
  bool increment;
} mem_shape;

/* Decode a memory command; returns a status other than OK if it cannot run. */
static uint8_t mem_decode(sim_stlink *s, mem_shape shape, sim_mem_op *op, size_t *len)
{
  memset(op, 0, sizeof *op);
  op->addr = get32(s->cmd + 2);
  op->size = shape.size;
  op->increment = shape.increment;
  *len = get16(s->cmd + 6);
  if (has_multi_ap(s))
    op->ap = s->cmd[8];
  if (has_dpbanksel(s))
    op->csw_high = (uint32_t)s->cmd[9] | (uint32_t)s->cmd[10] << 8 | (uint32_t)s->cmd[11] << 16;
  op->fault_addr = op->addr;
  size_t limit = shape.size == 1 ? max_rw8(s) : DATA_MAX;
  if (*len > limit)
    return STLINK_FAULT;
  if (op->addr % shape.size || *len % shape.size)
    return STLINK_ALIGNMENT_ERROR;
  if (!s->ap_open[op->ap])
    return STLINK_BAD_AP;
  return STLINK_OK;
}

static void mem_read(sim_stlink *s, mem_shape shape)
{
  sim_mem_op op;
  size_t len;
  uint8_t st = mem_decode(s, shape, &op, &len);
  /* A 1-byte READMEM_8BIT answers 2 bytes (stlink-protocol.md 6.1). */
  size_t answer = (shape.size == 1 && len == 1) ? 2 : len;
  uint8_t *r = reply(s, answer > DATA_MAX ? DATA_MAX : answer);
  if (st == STLINK_OK)
    sim_swd_mem_read(&s->swd, &op, r, len);
  else
    op.status = st;
  s->last_rw = op;
  s->write_unchecked = false;
}

static void mem_write(sim_stlink *s, mem_shape shape)
{
  sim_mem_op op;
  size_t len;
  uint8_t st = mem_decode(s, shape, &op, &len);
  if (st == STLINK_OK)
    sim_swd_mem_write(&s->swd, &op, s->data, len);
  else
    op.status = st;
  s->last_rw = op;
  s->write_unchecked = st == STLINK_OK && len > 0;
}

static void read_mem8(sim_stlink *s)
{
  mem_read(s, (mem_shape){1, true});
}
static void read_mem16(sim_stlink *s)
{
  mem_read(s, (mem_shape){2, true});
}
static void read_mem32(sim_stlink *s)
{
  mem_read(s, (mem_shape){4, true});
}
static void read_mem32_no_inc(sim_stlink *s)
{
  mem_read(s, (mem_shape){4, false});
}
static void write_mem8(sim_stlink *s)
{
  mem_write(s, (mem_shape){1, true});
}
static void write_mem16(sim_stlink *s)
{
  mem_write(s, (mem_shape){2, true});
}
static void write_mem32(sim_stlink *s)
{
  mem_write(s, (mem_shape){4, true});
}
static void write_mem32_no_inc(sim_stlink *s)
{
  mem_write(s, (mem_shape){4, false});
}

/* The outcome of the last memory command, waiting for a posted write. */
static const sim_mem_op *last_rw_status(sim_stlink *s)
{
  if (s->write_unchecked) {
    sim_swd_mem_flush(&s->swd, &s->last_rw);
    s->write_unchecked = false;
  }
  if (s->last_rw.status == 0)
    s->last_rw.status = STLINK_OK; /* nothing transferred yet */
  return &s->last_rw;
}

static void get_last_rw_status(sim_stlink *s)
{
  reply_status(s, last_rw_status(s)->status);
}

static void get_last_rw_status2(sim_stlink *s)
{
  const sim_mem_op *op = last_rw_status(s);
  uint8_t *r = reply(s, 12);
  r[0] = op->status;
  if (op->status != STLINK_OK)
    put32(r + 4, op->fault_addr);
}

/* ---------------------------------------------------------------------- */
/* Raw DAP access and access ports                                         */
/* ---------------------------------------------------------------------- */

/* DP register with its bank (address bits 7..4) selected first. */
static uint8_t dp_bank_select(sim_stlink *s, uint16_t addr)
{
  uint32_t bank = (addr >> 4) & 0xF;
  if (bank == 0 && (!s->swd.select_known || (s->swd.select & 0xF) == 0))
    return STLINK_OK;
  if (bank && !has_dpbanksel(s))
    return STLINK_SWD_DP_ERROR; /* firmware before J32 has no banked DP registers */
  uint32_t select = s->swd.select_known ? (s->swd.select & ~0xFu) : 0;
  return sim_swd_dp_write(&s->swd, DP_SELECT, select | bank);
}

static uint8_t check_ap(sim_stlink *s, uint16_t port, uint16_t addr)
{
  if (port > 0xFF)
    return STLINK_BAD_AP;
  if (has_multi_ap(s) && !s->ap_open[port] && addr != AP_IDR)
    return STLINK_BAD_AP;
  return STLINK_OK;
}

static void read_dap_reg(sim_stlink *s)
{
  uint16_t port = get16(s->cmd + 2), addr = get16(s->cmd + 4);
  uint32_t value = 0;
  uint8_t st;
  if (port == DP_PORT) {
    st = dp_bank_select(s, addr);
    if (st == STLINK_OK)
      st = sim_swd_dp_read(&s->swd, (uint8_t)(addr & 0xC), &value);
  } else {
    st = check_ap(s, port, addr);
    if (st == STLINK_OK)
      st = sim_swd_ap_read(&s->swd, (uint8_t)port, (uint8_t)addr, &value);
  }
  reply_value(s, st, value);
}

static void write_dap_reg(sim_stlink *s)
{
  uint16_t port = get16(s->cmd + 2), addr = get16(s->cmd + 4);
  uint32_t value = get32(s->cmd + 6);
  uint8_t st;
  if (port == DP_PORT) {
    st = (addr & 0xC) == DP_SELECT ? STLINK_OK : dp_bank_select(s, addr);
    if (st == STLINK_OK)
      st = sim_swd_dp_write(&s->swd, (uint8_t)(addr & 0xC), value);
  } else {
    st = check_ap(s, port, addr);
    if (st == STLINK_OK)
      st = sim_swd_ap_write(&s->swd, (uint8_t)port, (uint8_t)addr, value);
  }
  reply_status(s, st);
}

static void init_ap(sim_stlink *s)
{
  uint8_t ap = s->cmd[2];
  uint32_t idr;
  uint8_t st = sim_swd_ap_read(&s->swd, ap, AP_IDR, &idr);
  if (st == STLINK_OK)
    s->ap_open[ap] = true;
  reply_status(s, st);
}

static void close_ap(sim_stlink *s)
{
  s->ap_open[s->cmd[2]] = false;
  reply_status(s, STLINK_OK);
}

/* ---------------------------------------------------------------------- */
/* Batched memory accesses (RW_MISC, OpenOCD's dap-direct driver)          */
/* ---------------------------------------------------------------------- */

static uint8_t misc_item(sim_stlink *s, uint8_t op, uint32_t operand, uint8_t *ap,
                         uint32_t *addr, uint32_t *value)
{
  uint8_t buf[4];
  sim_mem_op mop = {.ap = *ap, .addr = *addr, .size = 4, .increment = true};
  switch (op) {
  case MISC_APNUM:
    if (operand > 0xFF || !s->ap_open[operand])
      return STLINK_BAD_AP;
    *ap = (uint8_t)operand;
    return STLINK_OK;
  case MISC_ADDRESS:
    *addr = operand;
    return STLINK_OK;
  case MISC_READ:
    mop.addr = operand;
    sim_swd_mem_read(&s->swd, &mop, buf, 4);
    *value = get32(buf);
    return mop.status;
  case MISC_WRITE:
    put32(buf, operand);
    sim_swd_mem_write(&s->swd, &mop, buf, 4);
    sim_swd_mem_flush(&s->swd, &mop);
    return mop.status;
  default:
    return STLINK_FAULT;
  }
}

static void rw_misc_out(sim_stlink *s)
{
  uint32_t items = get32(s->cmd + 2);
  if (items > misc_max(s))
    items = misc_max(s);
  const uint8_t *ops = s->data, *operands = s->data + (items + 3) / 4 * 4;
  uint8_t ap = 0;
  uint32_t addr = 0;
  for (uint32_t i = 0; i < items; i++) {
    s->misc_value[i] = 0;
    s->misc_status[i] = misc_item(s, ops[i], get32(operands + 4 * i), &ap, &addr,
                                  &s->misc_value[i]);
  }
  s->misc_items = items;
}

static void rw_misc_in(sim_stlink *s)
{
  uint8_t *r = reply(s, 8 * (size_t)s->misc_items);
  for (uint32_t i = 0; i < s->misc_items; i++) {
    put32(r + 4 * i, s->misc_value[i]);
    put32(r + 4 * (s->misc_items + i), s->misc_status[i]);
  }
}

const command stlink_memory_commands[] = {
  {0x07, 0, 0, NO_DATA, read_mem32},
  {0x08, 0, 0, DATA_BY_LENGTH, write_mem32},
  {0x0C, 0, 0, NO_DATA, read_mem8},
  {0x0D, 0, 0, DATA_BY_LENGTH, write_mem8},
  {0x3B, 0, 0, NO_DATA, get_last_rw_status},
  {0x3E, 15, 0, NO_DATA, get_last_rw_status2},
  {0x45, 24, 0, NO_DATA, read_dap_reg},
  {0x46, 24, 0, NO_DATA, write_dap_reg},
  {0x47, 26, 0, NO_DATA, read_mem16},
  {0x48, 26, 0, DATA_BY_LENGTH, write_mem16},
  {0x4B, 28, 0, NO_DATA, init_ap},
  {0x4C, 28, 0, NO_DATA, close_ap},
  {0x50, 26, 0, DATA_BY_LENGTH, write_mem32_no_inc},
  {0x51, 32, 2, DATA_BY_ITEMS, rw_misc_out},
  {0x52, 32, 2, NO_DATA, rw_misc_in},
  {0x54, 32, 2, NO_DATA, read_mem32_no_inc},
};

const size_t stlink_memory_command_count =
  sizeof stlink_memory_commands / sizeof stlink_memory_commands[0];
