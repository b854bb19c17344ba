/*
 * ST-Link probe firmware: the 16-byte command blocks of the V2/V3 protocol
 * (stlink-protocol.md 2-6), each executed as the SWD transactions a real
 * probe issues, with the firmware-version gating of section 5.
 */
#include "debug_regs.h"
#include "stlink_internal.h"

#include <stdlib.h>
#include <string.h>

enum {
  TOP_GET_VERSION = 0xF1,
  TOP_DEBUG = 0xF2,
  TOP_DFU = 0xF3,
  TOP_SWIM = 0xF4,
  TOP_GET_CURRENT_MODE = 0xF5,
  TOP_GET_TARGET_VOLTAGE = 0xF7,
  TOP_GET_VERSION_APIV3 = 0xFB,

  DFU_EXIT = 0x07,
  SWIM_EXIT = 0x01,

  ENTER_SWD = 0xA3,
  NRST_LOW = 0,
  NRST_HIGH = 1,
  NRST_PULSE = 2,
  REGRDY_POLLS = 10,
  POWERUP_POLLS = 10,
};

/* How long DRIVE_NRST "pulse" holds the line (not documented by ST). */
#define NRST_PULSE_NS SIM_US(1000)

/* GET_COM_FREQ list of the V3 (stlink-protocol.md 3.7), highest first. */
static const uint32_t v3_swd_khz[] = {24000, 8000, 3300, 1000, 200, 50, 5};

/* V2 SWD_SET_FREQ divisors: OpenOCD and stlink-org agree on theirs; pyOCD also
 * uses 5, 9, 10 and 25 (stlink-protocol.md 3.7, 3.9). */
static const struct {
  uint16_t divisor;
  uint32_t khz;
} v2_divisors[] = {
  {0, 4000}, {1, 1800}, {2, 1200}, {3, 950}, {5, 650}, {7, 480}, {9, 400}, {10, 360},
  {15, 240}, {25, 150}, {31, 125}, {40, 100}, {79, 50}, {158, 25}, {265, 15}, {798, 5},
};

/* ---------------------------------------------------------------------- */
/* Top-level commands                                                      */
/* ---------------------------------------------------------------------- */

static void get_version(sim_stlink *s)
{
  const sim_probe_kind *k = s->kind;
  /* A V3 reports X = Y = 0 here; the real version needs GET_VERSION_APIV3. */
  unsigned low = k->msd ? k->msd : k->swim;
  unsigned word = is_v3(s) ? (unsigned)k->hw << 12
                           : (unsigned)k->hw << 12 | (unsigned)k->jtag << 6 | low;
  uint8_t *r = reply(s, 6);
  r[0] = (uint8_t)(word >> 8); /* big-endian, unlike everything else */
  r[1] = (uint8_t)word;
  r[2] = 0x83;
  r[3] = 0x04;
  r[4] = (uint8_t)k->pid;
  r[5] = (uint8_t)(k->pid >> 8);
}

static void get_version_apiv3(sim_stlink *s)
{
  const sim_probe_kind *k = s->kind;
  uint8_t *r = reply(s, 12);
  r[0] = k->hw;
  r[1] = k->swim;
  r[2] = k->jtag;
  r[3] = k->msd;
  r[4] = k->bridge;
  r[8] = 0x83;
  r[9] = 0x04;
  r[10] = (uint8_t)k->pid;
  r[11] = (uint8_t)(k->pid >> 8);
}

static void get_current_mode(sim_stlink *s)
{
  reply(s, 2)[0] = (uint8_t)s->mode;
}

static void get_target_voltage(sim_stlink *s)
{
  uint8_t *r = reply(s, 8);
  if (s->mode == SIM_MODE_DFU)
    return; /* not measured in DFU mode: a0 = 0 reads as 0 V */
  /* voltage = 2 * 1.2 V * a1 / a0 (stlink-protocol.md 3.5) */
  uint32_t mv = s->target ? sim_target_voltage_mv(s->target) : 0;
  put32(r, 1600);
  put32(r + 4, mv * 1600 / 2400);
}

static void leave_to_idle(sim_stlink *s)
{
  s->mode = SIM_MODE_MASS_STORAGE;
}

/* ---------------------------------------------------------------------- */
/* Debug commands: connection and core                                    */
/* ---------------------------------------------------------------------- */

static uint8_t power_up_debug(sim_stlink *s)
{
  sim_swd *w = &s->swd;
  uint32_t id;
  sim_swd_line_reset(w);
  if (sim_swd_dp_read(w, DP_DPIDR, &id) != STLINK_OK)
    return STLINK_GET_IDCODE_ERROR;
  sim_swd_clear_sticky(w);
  uint8_t st = sim_swd_dp_write(w, DP_CTRL_STAT, CTRL_POWERUP_REQ);
  if (st != STLINK_OK)
    return st;
  for (int i = 0; i < POWERUP_POLLS; i++) {
    uint32_t ctrl;
    st = sim_swd_dp_read(w, DP_CTRL_STAT, &ctrl);
    if (st != STLINK_OK)
      return st;
    if ((ctrl & CTRL_POWERUP_ACK) == CTRL_POWERUP_ACK)
      return STLINK_OK;
  }
  return STLINK_DBG_POWER_ERROR;
}

static void debug_enter(sim_stlink *s)
{
  if (s->cmd[2] != ENTER_SWD) {
    reply_status(s, 0x04); /* JTAG: nothing on a JTAG chain here */
    return;
  }
  memset(s->ap_open, 0, sizeof s->ap_open);
  s->ap_open[0] = true;
  s->write_unchecked = false;
  uint8_t st = power_up_debug(s);
  if (st == STLINK_OK)
    s->mode = SIM_MODE_DEBUG;
  reply_status(s, st);
}

static void debug_exit(sim_stlink *s)
{
  leave_to_idle(s);
}

static void read_idcodes(sim_stlink *s)
{
  uint32_t id;
  uint8_t st = sim_swd_dp_read(&s->swd, DP_DPIDR, &id);
  uint8_t *r = reply(s, 12);
  r[0] = st;
  if (st == STLINK_OK)
    put32(r + 4, id);
}

static void write_dhcsr(sim_stlink *s, uint32_t bits)
{
  reply_status(s, sim_swd_write32(&s->swd, DHCSR, DBGKEY | bits));
}

static void get_status(sim_stlink *s)
{
  uint32_t dhcsr;
  uint8_t st = sim_swd_read32(&s->swd, DHCSR, &dhcsr);
  reply_status(s, st != STLINK_OK ? st : (dhcsr & S_HALT) ? 0x81 : 0x80);
}

static void force_debug(sim_stlink *s)
{
  write_dhcsr(s, C_DEBUGEN | C_HALT);
}

static void run_core(sim_stlink *s)
{
  write_dhcsr(s, C_DEBUGEN);
}

static void step_core(sim_stlink *s)
{
  write_dhcsr(s, C_DEBUGEN | C_STEP);
}

static void reset_sys(sim_stlink *s)
{
  reply_status(s, sim_swd_write32(&s->swd, AIRCR, AIRCR_SYSRESETREQ));
}

static uint8_t wait_regrdy(sim_stlink *s)
{
  for (int i = 0; i < REGRDY_POLLS; i++) {
    uint32_t dhcsr;
    uint8_t st = sim_swd_read32(&s->swd, DHCSR, &dhcsr);
    if (st != STLINK_OK || (dhcsr & S_REGRDY))
      return st;
  }
  return STLINK_OK; /* the firmware reads DCRDR anyway */
}

/* Core register through DCRSR/DCRDR; the index is the DCRSR REGSEL. */
static uint8_t core_reg_read(sim_stlink *s, uint8_t index, uint32_t *value)
{
  *value = 0;
  uint8_t st = sim_swd_write32(&s->swd, DCRSR, index);
  if (st == STLINK_OK)
    st = wait_regrdy(s);
  if (st == STLINK_OK)
    st = sim_swd_read32(&s->swd, DCRDR, value);
  return st;
}

static void read_reg(sim_stlink *s)
{
  uint32_t value;
  uint8_t st = core_reg_read(s, s->cmd[2], &value);
  reply_value(s, st, value);
}

static void write_reg(sim_stlink *s)
{
  uint8_t st = sim_swd_write32(&s->swd, DCRDR, get32(s->cmd + 3));
  if (st == STLINK_OK)
    st = sim_swd_write32(&s->swd, DCRSR, DCRSR_WRITE | s->cmd[2]);
  if (st == STLINK_OK)
    st = wait_regrdy(s);
  reply_status(s, st);
}

static void read_all_regs(sim_stlink *s)
{
  /* R0-R15, xPSR, MSP, PSP and REGSEL 19, 20 (special registers). */
  uint8_t *r = reply(s, 88);
  uint8_t st = STLINK_OK;
  for (uint8_t i = 0; i < 21 && st == STLINK_OK; i++) {
    uint32_t value;
    st = core_reg_read(s, i, &value);
    put32(r + 4 + 4 * i, value);
  }
  r[0] = st;
}

static void read_debug_reg(sim_stlink *s)
{
  uint32_t value;
  uint8_t st = sim_swd_read32(&s->swd, get32(s->cmd + 2), &value);
  reply_value(s, st, value);
}

static void write_debug_reg(sim_stlink *s)
{
  reply_status(s, sim_swd_write32(&s->swd, get32(s->cmd + 2), get32(s->cmd + 6)));
}

static void drive_nrst(sim_stlink *s)
{
  uint8_t how = s->cmd[2];
  if (how > NRST_PULSE) {
    reply_status(s, STLINK_FAULT);
    return;
  }
  if (s->target) {
    sim_target_set_nrst(s->target, how != NRST_HIGH);
    if (how == NRST_PULSE) {
      sim_swd_wait_ns(&s->swd, NRST_PULSE_NS);
      sim_target_set_nrst(s->target, false);
    }
  }
  reply_status(s, STLINK_OK);
}

/* ---------------------------------------------------------------------- */
/* Clock                                                                   */
/* ---------------------------------------------------------------------- */

static void swd_set_freq(sim_stlink *s)
{
  uint16_t divisor = get16(s->cmd + 2);
  uint32_t khz = 0;
  for (size_t i = 0; i < sizeof v2_divisors / sizeof v2_divisors[0]; i++)
    if (v2_divisors[i].divisor == divisor)
      khz = v2_divisors[i].khz;
  if (!khz && divisor <= 798)
    khz = 4000u / (divisor + 1u); /* the firmware's clock is about 4 MHz / (divisor + 1) */
  if (!khz) {
    reply_status(s, STLINK_FREQ_NOT_SUPPORTED);
    return;
  }
  s->swd.khz = khz;
  reply_status(s, STLINK_OK);
}

static void jtag_set_freq(sim_stlink *s)
{
  reply_status(s, STLINK_OK); /* JTAG is not simulated; the setting is kept nowhere */
}

static void set_com_freq(sim_stlink *s)
{
  uint32_t want = get32(s->cmd + 4);
  size_t n = sizeof v3_swd_khz / sizeof v3_swd_khz[0];
  uint32_t khz = v3_swd_khz[n - 1];
  for (size_t i = 0; i < n; i++)
    if (v3_swd_khz[i] <= want) {
      khz = v3_swd_khz[i];
      break;
    }
  if (s->cmd[2] == 0)
    s->swd.khz = khz;
  reply_value(s, STLINK_OK, khz);
}

static void get_com_freq(sim_stlink *s)
{
  uint8_t *r = reply(s, 52);
  size_t n = sizeof v3_swd_khz / sizeof v3_swd_khz[0];
  r[0] = STLINK_OK;
  put32(r + 4, s->swd.khz);
  r[8] = (uint8_t)n;
  for (size_t i = 0; i < n; i++)
    put32(r + 12 + 4 * i, v3_swd_khz[i]);
}

/* ---------------------------------------------------------------------- */
/* Trace and miscellany                                                    */
/* ---------------------------------------------------------------------- */

static void reply_ok(sim_stlink *s)
{
  reply_status(s, STLINK_OK);
}

/* GET_BOARD_IDENTIFIERS: a 4-character Mbed board id after the status; the
 * simulated probes sit on no board, so it is all zeros. */
static void get_board_ids(sim_stlink *s)
{
  reply(s, 36)[0] = STLINK_OK;
}

static void get_trace_nb(sim_stlink *s)
{
  reply(s, 2); /* no SWO data is ever captured */
}

/* ---------------------------------------------------------------------- */
/* Dispatch                                                                */
/* ---------------------------------------------------------------------- */

static const command debug_commands[] = {
  {0x01, 0, 0, NO_DATA, get_status},
  {0x02, 0, 0, NO_DATA, force_debug},
  {0x09, 0, 0, NO_DATA, run_core},
  {0x0A, 0, 0, NO_DATA, step_core},
  {0x21, 0, 0, NO_DATA, debug_exit},
  {0x30, 0, 0, NO_DATA, debug_enter},
  {0x31, 0, 0, NO_DATA, read_idcodes},
  {0x32, 0, 0, NO_DATA, reset_sys},
  {0x33, 0, 0, NO_DATA, read_reg},
  {0x34, 0, 0, NO_DATA, write_reg},
  {0x35, 0, 0, NO_DATA, write_debug_reg},
  {0x36, 0, 0, NO_DATA, read_debug_reg},
  {0x3A, 0, 0, NO_DATA, read_all_regs},
  {0x3C, 0, 0, NO_DATA, drive_nrst},
  {0x40, 13, 0, NO_DATA, reply_ok},     /* START_TRACE_RX */
  {0x41, 13, 0, NO_DATA, reply_ok},     /* STOP_TRACE_RX */
  {0x42, 13, 0, NO_DATA, get_trace_nb},
  {0x43, 22, NONE, NO_DATA, swd_set_freq},
  {0x44, 24, NONE, NO_DATA, jtag_set_freq},
  {0x49, 28, 0, NO_DATA, reply_ok},     /* BLINK_LED */
  {0x56, 36, 6, NO_DATA, get_board_ids},
  {0x61, NONE, 0, NO_DATA, set_com_freq},
  {0x62, NONE, 0, NO_DATA, get_com_freq},
};

static const command *find_in(const command *table, size_t n, const sim_stlink *s, uint8_t sub)
{
  for (size_t i = 0; i < n; i++)
    if (table[i].sub == sub)
      return has_jtag(s, table[i].v2_min, table[i].v3_min) ? &table[i] : NULL;
  return NULL;
}

static const command *find_debug_command(const sim_stlink *s, uint8_t sub)
{
  const command *c = find_in(debug_commands, sizeof debug_commands / sizeof debug_commands[0], s, sub);
  return c ? c : find_in(stlink_memory_commands, stlink_memory_command_count, s, sub);
}

static size_t data_phase_length(const sim_stlink *s, const command *c)
{
  if (c->data == DATA_STREAMED)
    return get16(s->cmd + 6);
  if (c->data == DATA_BY_ITEMS) {
    /* One opcode byte per item (padded to 4), then a 32-bit operand each. */
    size_t items = get32(s->cmd + 2);
    size_t len = (items + 3) / 4 * 4 + 4 * items;
    return len > DATA_MAX ? DATA_MAX : len;
  }
  return 0;
}

/* Run the top-level command in s->cmd (its data, if any, has arrived). */
static void execute(sim_stlink *s)
{
  const uint8_t *c = s->cmd;
  switch (c[0]) {
  case TOP_GET_VERSION:
    get_version(s);
    break;
  case TOP_GET_VERSION_APIV3:
    if (is_v3(s))
      get_version_apiv3(s);
    break; /* V2 firmware does not answer an unknown top-level command */
  case TOP_GET_CURRENT_MODE:
    get_current_mode(s);
    break;
  case TOP_GET_TARGET_VOLTAGE:
    if (has_jtag(s, 13, 0))
      get_target_voltage(s);
    break;
  case TOP_DFU:
    if (c[1] == DFU_EXIT && s->mode == SIM_MODE_DFU)
      leave_to_idle(s);
    break;
  case TOP_SWIM:
    if (c[1] == SWIM_EXIT && s->mode == SIM_MODE_SWIM)
      leave_to_idle(s);
    break;
  case TOP_DEBUG: {
    const command *cmd = find_debug_command(s, c[1]);
    if (cmd)
      cmd->run(s);
    else
      reply_status(s, STLINK_UNKNOWN_CMD);
    break;
  }
  default:
    break;
  }
}

/* Hand the buffered piece of a data phase to its command. */
static void deliver_piece(sim_stlink *s)
{
  const command *c = s->data_command;
  bool last = s->data_got == s->data_len;
  if (last)
    s->data_command = NULL;
  if (c->data == DATA_STREAMED)
    c->run(s);
  else if (last)
    execute(s);
  s->data_piece_at += s->data_piece_len;
  s->data_piece_len = 0;
}

/* Data of the pending data phase; what follows its end is ignored. */
static void receive_data(sim_stlink *s, const uint8_t *data, size_t len)
{
  while (len > 0 && s->data_command) {
    size_t take = s->data_len - s->data_got;
    if (take > DATA_MAX - s->data_piece_len)
      take = DATA_MAX - s->data_piece_len;
    if (take > len)
      take = len;
    memcpy(s->data + s->data_piece_len, data, take);
    s->data_piece_len += take;
    s->data_got += take;
    data += take;
    len -= take;
    if (s->data_got == s->data_len || s->data_piece_len == DATA_MAX)
      deliver_piece(s);
  }
}

/* The running command's reply, if it made one, joins the waiting replies. */
static void finish_reply(sim_stlink *s)
{
  if (s->reply_len == 0)
    return;
  if (s->reply_count == SIM_PROBE_REPLIES_HELD) {
    /* Only a host ignoring the flow control gets here: lose the oldest. */
    memmove(&s->replies[0], &s->replies[1], sizeof s->replies[0] * (SIM_PROBE_REPLIES_HELD - 1));
    s->reply_count--;
  }
  struct sim_reply *r = &s->replies[s->reply_count++];
  memcpy(r->bytes, s->reply, s->reply_len);
  r->len = s->reply_len;
  r->pos = 0;
  r->ready = s->clock->now;
  s->reply_len = 0;
}

static void receive(sim_stlink *s, const uint8_t *data, size_t len, bool keep_replies)
{
  s->reply_len = 0;
  if (s->data_command) {
    receive_data(s, data, len);
    finish_reply(s);
    return;
  }
  if (!keep_replies)
    sim_stlink_drop_reply(s);
  memset(s->cmd, 0, sizeof s->cmd);
  memcpy(s->cmd, data, len < CMD_SIZE ? len : CMD_SIZE);
  s->clock->report.probe_commands++;
  sim_swd_wait_ns(&s->swd, s->kind->firmware_ns);

  const command *cmd = s->cmd[0] == TOP_DEBUG ? find_debug_command(s, s->cmd[1]) : NULL;
  size_t data_len = cmd ? data_phase_length(s, cmd) : 0;
  s->data_got = s->data_piece_at = s->data_piece_len = 0;
  if (data_len == 0) {
    execute(s);
  } else {
    s->data_command = cmd;
    s->data_len = data_len;
    if (len > CMD_SIZE) /* command and data packed into one transfer */
      receive_data(s, data + CMD_SIZE, len - CMD_SIZE);
  }
  finish_reply(s);
}

void sim_stlink_receive(sim_stlink *s, const uint8_t *data, size_t len)
{
  receive(s, data, len, false);
}

void sim_stlink_receive_next(sim_stlink *s, const uint8_t *data, size_t len)
{
  receive(s, data, len, true);
}

bool sim_stlink_expects_command(const sim_stlink *s)
{
  return s->data_command == NULL;
}

int sim_stlink_replies_waiting(const sim_stlink *s)
{
  return s->reply_count;
}

size_t sim_stlink_reply_pending(const sim_stlink *s)
{
  return s->reply_count ? s->replies[0].len - s->replies[0].pos : 0;
}

sim_ns sim_stlink_reply_ready(const sim_stlink *s)
{
  return s->reply_count ? s->replies[0].ready : 0;
}

static void pop_reply(sim_stlink *s)
{
  memmove(&s->replies[0], &s->replies[1], sizeof s->replies[0] * (SIM_PROBE_REPLIES_HELD - 1));
  s->reply_count--;
}

size_t sim_stlink_take_reply(sim_stlink *s, uint8_t *buf, size_t cap, bool *overflow)
{
  *overflow = false;
  if (!s->reply_count)
    return 0;
  struct sim_reply *r = &s->replies[0];
  size_t avail = r->len - r->pos;
  size_t n = avail < cap ? avail : cap;
  memcpy(buf, r->bytes + r->pos, n);
  r->pos += n;
  size_t packet = s->kind->max_packet;
  if (n < avail && n % packet != 0) {
    /* The host's buffer ended inside a packet: the rest of it is lost. */
    *overflow = true;
    size_t packet_end = (r->pos / packet + 1) * packet;
    r->pos = packet_end < r->len ? packet_end : r->len;
  }
  if (r->pos == r->len)
    pop_reply(s);
  return n;
}

void sim_stlink_drop_reply(sim_stlink *s)
{
  s->reply_count = 0;
  s->reply_len = 0;
}

void sim_stlink_usb_reset(sim_stlink *s)
{
  sim_stlink_drop_reply(s);
  s->data_command = NULL;
}

uint32_t sim_probe_max_swd_khz(const sim_probe_kind *kind)
{
  return kind->hw >= 3 ? v3_swd_khz[0] : v2_divisors[0].khz;
}

sim_probe_mode sim_stlink_mode(const sim_stlink *s)
{
  return s->mode;
}

uint32_t sim_stlink_swd_khz(const sim_stlink *s)
{
  return s->swd.khz;
}

sim_stlink *sim_stlink_new(const sim_probe_kind *kind, sim_target *target, sim_clock *clock,
                           sim_probe_mode start_mode)
{
  sim_stlink *s = calloc(1, sizeof *s);
  if (!s)
    return NULL;
  s->kind = kind;
  s->clock = clock;
  s->target = target;
  s->mode = start_mode;
  s->ap_open[0] = true;
  sim_swd_init(&s->swd, target, clock, kind->default_swd_khz);
  return s;
}

void sim_stlink_free(sim_stlink *s)
{
  free(s);
}
