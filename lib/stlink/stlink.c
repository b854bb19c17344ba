/* ST-Link command framing, opening and mode handling. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deadline.h"
#include "stlink/stlink.h"

enum {
  EP_IN = 0x81,
  EP_OUT_V2 = 0x02,
  EP_OUT_V21 = 0x01,
  BASE_TIMEOUT_MS = 250,  /* USB scheduling, hubs, a busy host */
  SWD_CYCLES_PER_TRANSACTION = 48,
};

static void put_le32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
  p[2] = (uint8_t)(v >> 16);
  p[3] = (uint8_t)(v >> 24);
}

static uint32_t get_le32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/*
 * Timeout of one transfer, from the work it asks for: the bytes on the bus
 * at full speed (about 1 us per byte), the SWD transactions at the current
 * clock (or the slowest, 5 kHz, when unknown), with a factor 4 of margin
 * for the firmware's own WAIT retries.
 */
static unsigned timeout_ms(const swdf_stlink *st, size_t bytes, uint32_t swd_transactions) {
  uint32_t khz = st->freq_khz != 0 ? st->freq_khz : 5;
  uint64_t swd_us = (uint64_t)swd_transactions * SWD_CYCLES_PER_TRANSACTION * 1000u / khz;
  uint64_t ms = BASE_TIMEOUT_MS + 4 * (swd_us + bytes) / 1000u;
  return ms > 60000 ? 60000 : (unsigned)ms;
}

/* After a failed transfer the probe may still hold a reply or a stall. */
static void resync(swdf_stlink *st) {
  if (!st->needs_resync || st->usb->gone) {
    return;
  }
  swdf_saved_error saved;
  swdf__save_error(&saved, st->ctx);
  st->usb->ops->clear_halt(st->usb, st->ep_out);
  st->usb->ops->clear_halt(st->usb, st->ep_in);
  swdf__usb_drain(st->usb, st->ep_in, SWDF_USB_DRAIN_RESYNC_MS);
  swdf__restore_error(st->ctx, &saved);
  st->needs_resync = false;
}

/* A transfer failed: the endpoints need cleaning up before the next command. */
static swdf_err xfer_failed(swdf_stlink *st, swdf_err err) {
  st->needs_resync = true;
  if (err == SWDF_ERR_TIMEOUT) {
    swdf__set_hint(st->ctx, "the probe stopped answering; unplug and replug it if this "
                            "repeats, and check the target's power and wiring");
  } else if (err == SWDF_ERR_USB && !st->usb->gone) {
    swdf__set_hint(st->ctx, "USB communication with the probe failed; try another USB port "
                            "or cable, and unplug and replug the probe if this repeats");
  }
  return err;
}

static void trace_cmd(swdf_stlink *st, const uint8_t *cmd, const char *what) {
  if (swdf__log_enabled(st->ctx, SWDF_LOG_TRACE)) {
    swdf__log(st->ctx, SWDF_LOG_TRACE,
              "stlink > %02X %02X %02X %02X %02X %02X %02X %02X %02X %02X (%s)", cmd[0], cmd[1],
              cmd[2], cmd[3], cmd[4], cmd[5], cmd[6], cmd[7], cmd[8], cmd[9], what);
  }
}

swdf_err swdf__stlink_xfer(swdf_stlink *st, const uint8_t cmd[STLINK_CMD_SIZE],
                           const uint8_t *data_out, size_t data_len, uint8_t *reply,
                           size_t reply_len, uint32_t swd_transactions, const char *what) {
  resync(st);
  trace_cmd(st, cmd, what);
  st->commands++;
  unsigned tmo = timeout_ms(st, STLINK_CMD_SIZE + data_len + reply_len, swd_transactions);
  swdf_err err = swdf__usb_out(st->usb, st->ep_out, cmd, STLINK_CMD_SIZE, tmo, what);
  if (err == SWDF_OK && data_len > 0) {
    err = swdf__usb_out(st->usb, st->ep_out, data_out, data_len, tmo, what);
  }
  if (err == SWDF_OK && reply_len > 0) {
    err = swdf__usb_in(st->usb, st->ep_in, reply, reply_len, NULL, false, tmo, what);
  }
  return err != SWDF_OK ? xfer_failed(st, err) : SWDF_OK;
}

swdf_err swdf__stlink_cmd(swdf_stlink *st, const uint8_t cmd[STLINK_CMD_SIZE], uint8_t *reply,
                          size_t reply_len, bool retry_wait, uint8_t *status, const char *what) {
  uint32_t pause_us = 1000;
  for (unsigned attempt = 0;; attempt++) {
    st->last_status = 0;
    swdf_err err = swdf__stlink_xfer(st, cmd, NULL, 0, reply, reply_len, 4, what);
    if (err != SWDF_OK) {
      return err;
    }
    uint8_t code = reply[0];
    st->last_status = code;
    if (status != NULL) {
      *status = code;
    }
    stlink_status_class cls = swdf__stlink_status_class(code);
    if (cls == STLINK_CLASS_OK) {
      return SWDF_OK;
    }
    if (cls != STLINK_CLASS_WAIT || !retry_wait || attempt >= STLINK_WAIT_RETRIES) {
      return swdf__stlink_status_error(st, code, what);
    }
    st->wait_retries++;
    swdf__log(st->ctx, SWDF_LOG_DEBUG, "%s: WAIT, retrying in %u us", what, pause_us);
    swdf__sleep_us(pause_us);
    pause_us *= 2;
  }
}

static void cmd_init(uint8_t cmd[STLINK_CMD_SIZE], uint8_t c0, uint8_t c1) {
  memset(cmd, 0, STLINK_CMD_SIZE);
  cmd[0] = c0;
  cmd[1] = c1;
}

swdf_err swdf__stlink_get_mode(uint8_t *mode, swdf_stlink *st) {
  uint8_t cmd[STLINK_CMD_SIZE];
  uint8_t reply[2];
  cmd_init(cmd, STLINK_GET_CURRENT_MODE, 0);
  swdf_err err = swdf__stlink_xfer(st, cmd, NULL, 0, reply, sizeof(reply), 0, "GET_CURRENT_MODE");
  if (err == SWDF_OK) {
    *mode = reply[0];
  }
  return err;
}

swdf_err swdf__stlink_target_voltage(uint32_t *mv, swdf_stlink *st) {
  *mv = 0;
  if ((st->features & STLINK_F_TARGET_VOLTAGE) == 0) {
    return SWDF_OK; /* unknown, not an error: older firmware cannot measure */
  }
  uint8_t cmd[STLINK_CMD_SIZE];
  uint8_t reply[8];
  cmd_init(cmd, STLINK_GET_TARGET_VOLTAGE, 0);
  swdf_err err =
      swdf__stlink_xfer(st, cmd, NULL, 0, reply, sizeof(reply), 0, "GET_TARGET_VOLTAGE");
  if (err == SWDF_OK) {
    *mv = swdf__stlink_voltage_mv(reply);
  }
  return err;
}

static swdf_err send_no_reply(swdf_stlink *st, uint8_t c0, uint8_t c1, const char *what) {
  uint8_t cmd[STLINK_CMD_SIZE];
  cmd_init(cmd, c0, c1);
  return swdf__stlink_xfer(st, cmd, NULL, 0, NULL, 0, 0, what);
}

swdf_err swdf__stlink_enter_swd(swdf_stlink *st) {
  uint8_t cmd[STLINK_CMD_SIZE];
  uint8_t reply[2];
  cmd_init(cmd, STLINK_DEBUG_COMMAND, STLINK_DEBUG_APIV2_ENTER);
  cmd[2] = STLINK_DEBUG_ENTER_SWD_NO_RESET;
  swdf_err err = swdf__stlink_cmd(st, cmd, reply, sizeof(reply), true, NULL, "entering SWD mode");
  if (err == SWDF_OK) {
    st->in_debug = true;
    st->ap0_open = false;
  }
  return err;
}

swdf_err swdf__stlink_exit_debug(swdf_stlink *st) {
  st->in_debug = false;
  st->ap0_open = false;
  return send_no_reply(st, STLINK_DEBUG_COMMAND, STLINK_DEBUG_EXIT, "leaving debug mode");
}

swdf_err swdf__stlink_drive_nrst(swdf_stlink *st, int level, bool check_status) {
  uint8_t cmd[STLINK_CMD_SIZE];
  uint8_t reply[2];
  cmd_init(cmd, STLINK_DEBUG_COMMAND, STLINK_DEBUG_APIV2_DRIVE_NRST);
  cmd[2] = (uint8_t)level;
  if (!check_status) {
    return swdf__stlink_xfer(st, cmd, NULL, 0, reply, sizeof(reply), 0, "driving NRST");
  }
  return swdf__stlink_cmd(st, cmd, reply, sizeof(reply), true, NULL, "driving NRST");
}

swdf_err swdf__stlink_read_idcode(uint32_t *idcode, swdf_stlink *st) {
  uint8_t cmd[STLINK_CMD_SIZE];
  uint8_t reply[12];
  cmd_init(cmd, STLINK_DEBUG_COMMAND, STLINK_DEBUG_APIV2_READ_IDCODES);
  swdf_err err =
      swdf__stlink_cmd(st, cmd, reply, sizeof(reply), true, NULL, "reading the SW-DP IDCODE");
  if (err == SWDF_OK) {
    *idcode = get_le32(reply + 4);
  }
  return err;
}

/* READ/WRITE_DAP_REG command block (section 3.6), or an error on firmware
 * before V2J24 that has neither. */
static swdf_err dap_cmd(uint8_t cmd[STLINK_CMD_SIZE], swdf_stlink *st, uint8_t op, uint16_t port,
                        uint16_t addr) {
  if ((st->features & STLINK_F_DAP_REG) == 0) {
    return swdf__fail(st->ctx, SWDF_ERR_PROBE_FIRMWARE,
                      "update the probe firmware (ST-LINK upgrade tool STSW-LINK007)",
                      "probe firmware before V2J24 cannot access debug port registers");
  }
  cmd_init(cmd, STLINK_DEBUG_COMMAND, op);
  cmd[2] = (uint8_t)port;
  cmd[3] = (uint8_t)(port >> 8);
  cmd[4] = (uint8_t)addr;
  cmd[5] = (uint8_t)(addr >> 8);
  return SWDF_OK;
}

swdf_err swdf__stlink_read_dap(uint32_t *value, swdf_stlink *st, uint16_t port, uint16_t addr) {
  uint8_t cmd[STLINK_CMD_SIZE];
  uint8_t reply[8];
  swdf_err err = dap_cmd(cmd, st, STLINK_DEBUG_APIV2_READ_DAP_REG, port, addr);
  if (err == SWDF_OK) {
    err = swdf__stlink_cmd(st, cmd, reply, sizeof(reply), false, NULL,
                           port == STLINK_DP_PORT ? "reading a DP register"
                                                  : "reading an AP register");
  }
  if (err == SWDF_OK) {
    *value = get_le32(reply + 4);
  }
  return err;
}

swdf_err swdf__stlink_write_dap(swdf_stlink *st, uint16_t port, uint16_t addr, uint32_t value) {
  uint8_t cmd[STLINK_CMD_SIZE];
  uint8_t reply[2];
  swdf_err err = dap_cmd(cmd, st, STLINK_DEBUG_APIV2_WRITE_DAP_REG, port, addr);
  if (err != SWDF_OK) {
    return err;
  }
  put_le32(cmd + 6, value);
  return swdf__stlink_cmd(st, cmd, reply, sizeof(reply), false, NULL,
                          port == STLINK_DP_PORT ? "writing a DP register"
                                                 : "writing an AP register");
}

swdf_err swdf__stlink_init_ap0(swdf_stlink *st) {
  if ((st->features & STLINK_F_AP_INIT) == 0 || st->ap0_open) {
    return SWDF_OK;
  }
  uint8_t cmd[STLINK_CMD_SIZE];
  uint8_t reply[2];
  cmd_init(cmd, STLINK_DEBUG_COMMAND, STLINK_DEBUG_APIV2_INIT_AP);
  cmd[2] = 0;
  cmd[3] = 1; /* the AP of a Cortex-M core */
  swdf_err err = swdf__stlink_cmd(st, cmd, reply, sizeof(reply), true, NULL, "opening AP 0");
  if (err == SWDF_OK) {
    st->ap0_open = true;
  }
  return err;
}

swdf_err swdf__stlink_read_debug32(uint32_t *value, swdf_stlink *st, uint32_t addr) {
  uint8_t cmd[STLINK_CMD_SIZE];
  uint8_t reply[8];
  cmd_init(cmd, STLINK_DEBUG_COMMAND, STLINK_DEBUG_APIV2_READDEBUGREG);
  put_le32(cmd + 2, addr);
  char what[32];
  snprintf(what, sizeof(what), "reading 0x%08X", addr);
  swdf_err err = swdf__stlink_cmd(st, cmd, reply, sizeof(reply), false, NULL, what);
  if (err == SWDF_OK) {
    *value = get_le32(reply + 4);
  }
  return err;
}

swdf_err swdf__stlink_write_debug32(swdf_stlink *st, uint32_t addr, uint32_t value) {
  uint8_t cmd[STLINK_CMD_SIZE];
  uint8_t reply[2];
  cmd_init(cmd, STLINK_DEBUG_COMMAND, STLINK_DEBUG_APIV2_WRITEDEBUGREG);
  put_le32(cmd + 2, addr);
  put_le32(cmd + 6, value);
  char what[32];
  snprintf(what, sizeof(what), "writing 0x%08X", addr);
  return swdf__stlink_cmd(st, cmd, reply, sizeof(reply), false, NULL, what);
}

swdf_err swdf__stlink_read_reg(uint32_t *value, swdf_stlink *st, uint8_t index) {
  uint8_t cmd[STLINK_CMD_SIZE];
  uint8_t reply[8];
  cmd_init(cmd, STLINK_DEBUG_COMMAND, STLINK_DEBUG_APIV2_READREG);
  cmd[2] = index;
  swdf_err err =
      swdf__stlink_cmd(st, cmd, reply, sizeof(reply), false, NULL, "reading a core register");
  if (err == SWDF_OK) {
    *value = get_le32(reply + 4);
  }
  return err;
}

swdf_err swdf__stlink_write_reg(swdf_stlink *st, uint8_t index, uint32_t value) {
  uint8_t cmd[STLINK_CMD_SIZE];
  uint8_t reply[2];
  cmd_init(cmd, STLINK_DEBUG_COMMAND, STLINK_DEBUG_APIV2_WRITEREG);
  cmd[2] = index;
  put_le32(cmd + 3, value);
  return swdf__stlink_cmd(st, cmd, reply, sizeof(reply), false, NULL, "writing a core register");
}

static uint8_t mem_opcode(unsigned width, bool write) {
  switch (width) {
  case 1: return write ? STLINK_DEBUG_WRITEMEM_8BIT : STLINK_DEBUG_READMEM_8BIT;
  case 2: return write ? STLINK_DEBUG_APIV2_WRITEMEM_16BIT : STLINK_DEBUG_APIV2_READMEM_16BIT;
  default: return write ? STLINK_DEBUG_WRITEMEM_32BIT : STLINK_DEBUG_READMEM_32BIT;
  }
}

static void mem_cmd(uint8_t cmd[STLINK_CMD_SIZE], uint32_t addr, uint32_t len, unsigned width,
                    bool write) {
  cmd_init(cmd, STLINK_DEBUG_COMMAND, mem_opcode(width, write));
  put_le32(cmd + 2, addr);
  cmd[6] = (uint8_t)len;
  cmd[7] = (uint8_t)(len >> 8);
  cmd[8] = 0; /* AP 0; CSW bits left 0: the firmware's default */
}

swdf_err swdf__stlink_read_mem(uint8_t *buf, swdf_stlink *st, uint32_t addr, uint32_t len,
                               unsigned width) {
  uint8_t cmd[STLINK_CMD_SIZE];
  mem_cmd(cmd, addr, len, width, false);
  return swdf__stlink_xfer(st, cmd, NULL, 0, buf, len, len / width + 4, "reading memory");
}

swdf_err swdf__stlink_write_mem(swdf_stlink *st, uint32_t addr, const uint8_t *buf, uint32_t len,
                                unsigned width) {
  uint8_t cmd[STLINK_CMD_SIZE];
  mem_cmd(cmd, addr, len, width, true);
  return swdf__stlink_xfer(st, cmd, buf, len, NULL, 0, len / width + 4, "writing memory");
}

/* The GETLASTRWSTATUS(2) command block; returns its reply length. */
static size_t rw_status_cmd(const swdf_stlink *st, uint8_t cmd[STLINK_CMD_SIZE]) {
  bool v2 = (st->features & STLINK_F_RW_STATUS2) != 0;
  cmd_init(cmd, STLINK_DEBUG_COMMAND,
           v2 ? STLINK_DEBUG_APIV2_GETLASTRWSTATUS2 : STLINK_DEBUG_APIV2_GETLASTRWSTATUS);
  return v2 ? 12 : 2;
}

static void rw_status_parse(const uint8_t *reply, size_t reply_len, uint8_t *status,
                            uint32_t *fault_addr) {
  *status = reply[0];
  if (fault_addr != NULL) {
    *fault_addr = reply_len >= 8 ? get_le32(reply + 4) : 0;
  }
}

static const char rw_status_what[] = "reading the memory access status";

swdf_err swdf__stlink_rw_status(uint8_t *status, uint32_t *fault_addr, swdf_stlink *st) {
  uint8_t cmd[STLINK_CMD_SIZE];
  uint8_t reply[12] = {0};
  size_t len = rw_status_cmd(st, cmd);
  swdf_err err = swdf__stlink_xfer(st, cmd, NULL, 0, reply, len, 0, rw_status_what);
  if (err == SWDF_OK) {
    rw_status_parse(reply, len, status, fault_addr);
  }
  return err;
}

/* ---- memory reads in flight together ------------------------------------ */

static const char read_mem_what[] = "reading memory";

static size_t in_packet(const swdf_stlink *st) {
  return st->usb->max_packet_in != 0 ? st->usb->max_packet_in : 64;
}

bool swdf__stlink_pipe_can_read(const swdf_stlink *st, uint32_t len, unsigned width) {
  /* The data land in the caller's buffer only as whole packets. */
  return width == 4 && len > 0 && len % in_packet(st) == 0 && swdf__usb_can_submit(st->usb);
}

void swdf__stlink_pipe_init(swdf_stlink_pipe *p, swdf_stlink *st) {
  memset(p, 0, sizeof(*p));
  p->st = st;
}

bool swdf__stlink_pipe_has_room(const swdf_stlink_pipe *p) {
  return p->count + 2 <= STLINK_PIPE_DEPTH;
}

size_t swdf__stlink_pipe_reads(const swdf_stlink_pipe *p) {
  return p->count / 2;
}

static stlink_pipe_cmd *pipe_at(swdf_stlink_pipe *p, size_t i) {
  return &p->cmds[(p->first + i) % STLINK_PIPE_DEPTH];
}

/* End one command's transfers without using them. */
static void pipe_abandon(swdf_stlink_pipe *p, stlink_pipe_cmd *c) {
  swdf_usb *usb = p->st->usb;
  if (c->out != NULL) {
    usb->ops->abandon(usb, c->out);
  }
  if (c->in != NULL) {
    usb->ops->abandon(usb, c->in);
  }
  c->out = c->in = NULL;
}

/* Cancel everything in flight after a failure; the endpoints need a resync. */
static swdf_err pipe_abort(swdf_stlink_pipe *p, swdf_err err) {
  for (size_t i = 0; i < p->count; i++) {
    pipe_abandon(p, pipe_at(p, i));
  }
  p->count = 0;
  return xfer_failed(p->st, err);
}

/* Submit one command and its reply's IN transfer. */
static swdf_err pipe_send(swdf_stlink_pipe *p, const uint8_t cmd[STLINK_CMD_SIZE], uint8_t *reply,
                          size_t reply_len, uint32_t swd_transactions, const char *what) {
  swdf_stlink *st = p->st;
  resync(st);
  trace_cmd(st, cmd, what);
  st->commands++;
  stlink_pipe_cmd *c = pipe_at(p, p->count);
  memcpy(c->cmd, cmd, STLINK_CMD_SIZE);
  c->reply = reply;
  c->reply_len = reply_len;
  c->out = c->in = NULL;
  p->count++;
  size_t packet = in_packet(st);
  size_t posted = (reply_len + packet - 1) / packet * packet;
  c->bounced = posted != reply_len;
  uint8_t *dst = c->bounced ? c->bounce : reply;
  if (posted > reply_len && posted > sizeof(c->bounce)) {
    return pipe_abort(p, swdf__fail(st->ctx, SWDF_ERR_INTERNAL, NULL,
                                    "%s: reply of %zu bytes cannot be pipelined", what, reply_len));
  }
  /* The last reply waits for every command ahead of it. */
  unsigned tmo = timeout_ms(st, STLINK_PIPE_DEPTH * (STLINK_CMD_SIZE + reply_len),
                            STLINK_PIPE_DEPTH * swd_transactions);
  swdf_err err = swdf__usb_submit(st->usb, &c->out, st->ep_out, c->cmd, STLINK_CMD_SIZE, tmo, what);
  if (err == SWDF_OK) {
    err = swdf__usb_submit(st->usb, &c->in, st->ep_in, dst, posted, tmo, what);
  }
  return err != SWDF_OK ? pipe_abort(p, err) : SWDF_OK;
}

/* Wait for the oldest command's reply. */
static swdf_err pipe_take(swdf_stlink_pipe *p, const char *what) {
  swdf_stlink *st = p->st;
  stlink_pipe_cmd *c = pipe_at(p, 0);
  size_t got = 0;
  swdf_err err = swdf__usb_reap(st->usb, c->out, &got, what);
  c->out = NULL;
  if (err != SWDF_OK) {
    return pipe_abort(p, err);
  }
  err = swdf__usb_reap(st->usb, c->in, &got, what);
  c->in = NULL;
  if (err != SWDF_OK) {
    return pipe_abort(p, err);
  }
  p->first = (p->first + 1) % STLINK_PIPE_DEPTH;
  p->count--;
  if (got < c->reply_len) {
    return pipe_abort(p, swdf__fail(st->ctx, SWDF_ERR_USB, NULL,
                                    "%s: the probe answered %zu of %zu bytes", what, got,
                                    c->reply_len));
  }
  if (c->bounced) {
    memcpy(c->reply, c->bounce, c->reply_len);
  }
  return SWDF_OK;
}

swdf_err swdf__stlink_pipe_send_read(swdf_stlink_pipe *p, uint8_t *buf, uint32_t addr,
                                     uint32_t len, unsigned width) {
  if (!swdf__stlink_pipe_has_room(p) || !swdf__stlink_pipe_can_read(p->st, len, width)) {
    return pipe_abort(p, swdf__fail(p->st->ctx, SWDF_ERR_INTERNAL, NULL,
                                    "read of %u bytes cannot be pipelined", len));
  }
  uint8_t cmd[STLINK_CMD_SIZE];
  mem_cmd(cmd, addr, len, width, false);
  swdf_err err = pipe_send(p, cmd, buf, len, len / width + 4, read_mem_what);
  if (err != SWDF_OK) {
    return err;
  }
  stlink_pipe_cmd *c = pipe_at(p, p->count - 1);
  size_t status_len = rw_status_cmd(p->st, cmd);
  return pipe_send(p, cmd, c->status, status_len, 0, rw_status_what);
}

swdf_err swdf__stlink_pipe_take_read(swdf_stlink_pipe *p, uint8_t *status, uint32_t *fault_addr) {
  if (p->count < 2) {
    return pipe_abort(p, swdf__fail(p->st->ctx, SWDF_ERR_INTERNAL, NULL,
                                    "no pipelined read to take"));
  }
  /* The status reply lives in the read's slot: take both before reusing it. */
  const stlink_pipe_cmd *read = pipe_at(p, 0);
  const stlink_pipe_cmd *check = pipe_at(p, 1);
  swdf_err err = pipe_take(p, read_mem_what);
  if (err == SWDF_OK) {
    err = pipe_take(p, rw_status_what);
  }
  if (err == SWDF_OK) {
    rw_status_parse(read->status, check->reply_len, status, fault_addr);
  }
  return err;
}

void swdf__stlink_pipe_drain(swdf_stlink_pipe *p) {
  swdf_saved_error saved;
  swdf__save_error(&saved, p->st->ctx);
  while (p->count > 0 && pipe_take(p, "finishing reads in flight") == SWDF_OK) {
  }
  swdf__restore_error(p->st->ctx, &saved);
}

/* ---- opening --------------------------------------------------------- */

static swdf_err read_version(swdf_stlink *st) {
  uint8_t cmd[STLINK_CMD_SIZE];
  uint8_t f1[6];
  uint8_t fb[12];
  cmd_init(cmd, STLINK_GET_VERSION, 0);
  swdf_err err = swdf__stlink_xfer(st, cmd, NULL, 0, f1, sizeof(f1), 0, "GET_VERSION");
  if (err != SWDF_OK) {
    return err;
  }
  bool v3 = (f1[0] >> 4) >= 3;
  if (v3) {
    cmd_init(cmd, STLINK_GET_VERSION_APIV3, 0);
    err = swdf__stlink_xfer(st, cmd, NULL, 0, fb, sizeof(fb), 0, "GET_VERSION_APIV3");
    if (err != SWDF_OK) {
      return err;
    }
  }
  swdf__stlink_parse_version(&st->version, f1, v3 ? fb : NULL, st->kind);
  st->features = swdf__stlink_features(&st->version);
  st->max_rw8 = (st->features & STLINK_F_RW8_512) != 0 ? STLINK_MAX_RW8_V3 : STLINK_MAX_RW8_V2;
  if (st->version.hw >= 3) {
    st->kind = SWDF_PROBE_V3;
  }
  char fw[32];
  swdf__stlink_firmware_name(fw, sizeof(fw), &st->version, st->kind);
  swdf__log(st->ctx, SWDF_LOG_DEBUG, "probe firmware %s (features 0x%03X)", fw, st->features);
  if (st->version.jtag == 0) {
    return swdf__fail(st->ctx, SWDF_ERR_PROBE_FIRMWARE,
                      "flash the ST-LINK firmware with ST's upgrade tool (STSW-LINK007)",
                      "probe firmware %s has no SWD support (SWIM-only firmware)", fw);
  }
  if (st->version.hw < 2) {
    return swdf__fail(st->ctx, SWDF_ERR_PROBE_FIRMWARE, NULL,
                      "ST-LINK/V1 probes are not supported");
  }
  return SWDF_OK;
}

/* Get the probe out of DFU, SWIM or an old debug session (section 3.4). */
static swdf_err leave_other_modes(swdf_stlink *st) {
  uint8_t mode = 0;
  swdf_err err = swdf__stlink_get_mode(&mode, st);
  if (err != SWDF_OK) {
    return err;
  }
  switch (mode) {
  case STLINK_MODE_DFU:
    swdf__log(st->ctx, SWDF_LOG_DEBUG, "probe in DFU mode: leaving it");
    err = send_no_reply(st, STLINK_DFU_COMMAND, STLINK_DFU_EXIT, "leaving DFU mode");
    break;
  case STLINK_MODE_DEBUG:
    swdf__log(st->ctx, SWDF_LOG_DEBUG, "probe still in debug mode: leaving it");
    err = send_no_reply(st, STLINK_DEBUG_COMMAND, STLINK_DEBUG_EXIT, "leaving debug mode");
    break;
  case STLINK_MODE_SWIM:
    err = send_no_reply(st, STLINK_SWIM_COMMAND, STLINK_SWIM_EXIT, "leaving SWIM mode");
    break;
  default: /* mass storage and bootloader need nothing */
    break;
  }
  return err;
}

swdf_err swdf__stlink_open(swdf_stlink **out, swdf_ctx *ctx, swdf_usb *usb, uint16_t pid) {
  *out = NULL;
  const stlink_pid_info *info = swdf__stlink_pid_info(pid);
  if (info == NULL || !info->usable) {
    usb->ops->close(usb);
    return swdf__fail(ctx, SWDF_ERR_UNSUPPORTED, NULL, "USB device 0483:%04X: %s", pid,
                      info != NULL ? info->unusable_reason : "not an ST-Link debug probe");
  }
  swdf_stlink *st = calloc(1, sizeof(*st));
  if (st == NULL) {
    usb->ops->close(usb);
    return swdf__fail(ctx, SWDF_ERR_NO_MEMORY, NULL, "out of memory opening the probe");
  }
  st->ctx = ctx;
  st->usb = usb;
  st->pid_info = info;
  st->kind = info->kind;
  st->ep_out = info->v2_endpoints ? EP_OUT_V2 : EP_OUT_V21;
  st->ep_in = EP_IN;
  if (usb->max_packet_in == 0) {
    usb->max_packet_in = info->kind == SWDF_PROBE_V3 ? 512 : 64;
  }
  st->max_rw8 = STLINK_MAX_RW8_V2;
  /* A previous program may have left a reply behind. */
  swdf__usb_drain(usb, st->ep_in, SWDF_USB_DRAIN_OPEN_MS);
  swdf_err err = read_version(st);
  if (err == SWDF_ERR_USB || err == SWDF_ERR_TIMEOUT) {
    /* One more try after cleaning up the endpoints, as a probe left in the
     * middle of a command by a killed program needs. */
    st->needs_resync = true;
    err = read_version(st);
  }
  if (err == SWDF_OK) {
    err = leave_other_modes(st);
  }
  if (err == SWDF_OK) {
    err = swdf__stlink_load_freqs(st);
  }
  if (err != SWDF_OK) {
    swdf__prefix_error(ctx, "opening the probe");
    usb->ops->close(usb);
    free(st);
    return err;
  }
  *out = st;
  return SWDF_OK;
}

void swdf__stlink_close(swdf_stlink *st) {
  if (st == NULL) {
    return;
  }
  if (st->in_debug && !st->usb->gone) {
    swdf_saved_error saved;
    swdf__save_error(&saved, st->ctx);
    swdf__stlink_exit_debug(st);
    swdf__restore_error(st->ctx, &saved);
  }
  st->usb->ops->close(st->usb);
  free(st);
}
