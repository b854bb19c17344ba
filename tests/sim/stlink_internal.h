/* Shared by the files of the ST-Link firmware emulation (stlink*.c). */
#ifndef SWDSIM_STLINK_INTERNAL_H
#define SWDSIM_STLINK_INTERNAL_H

#include "probe.h"

#include <string.h>

enum {
  CMD_SIZE = 16,
  /* The firmware's transfer buffer. It bounds what one command can read and
   * one RW_MISC batch, but not a write: the firmware passes written data on
   * to the target as it arrives, so st-flash's 16/32 KiB WRITEMEM_32BIT of
   * its loader buffer works on real probes (stlink-protocol.md 6.1). */
  DATA_MAX = 6144,
  REPLY_MAX = DATA_MAX + 16,
  /* RW_MISC batches: what OpenOCD assumes the firmware holds (it has no way
   * to ask; RW_MISC_GET_MAX is not implemented by any host). */
  MISC_MAX_V2 = 64,
  MISC_MAX_V3 = 1227,
  MAX_RW8_FULL_SPEED = 64,
  MAX_RW8_V3 = 512,
  REPLY_BUF = MISC_MAX_V3 * 8 > REPLY_MAX ? MISC_MAX_V3 * 8 : REPLY_MAX,
};

struct sim_stlink {
  const sim_probe_kind *kind;
  sim_clock *clock;
  sim_target *target;
  sim_swd swd;
  sim_probe_mode mode;

  uint8_t cmd[CMD_SIZE];
  /* The data phase of the command in cmd: data_len bytes in all, data_got
   * of them arrived so far; data holds the piece not yet handed on, the
   * data_piece_at-th byte of the phase first. */
  const struct command *data_command; /* NULL: no data phase pending */
  size_t data_len, data_got, data_piece_at, data_piece_len;
  uint8_t data[DATA_MAX];

  /* The reply the running command builds. */
  uint8_t reply[REPLY_BUF];
  size_t reply_len;
  /* Finished replies waiting for IN transfers, oldest first (see
   * SIM_PROBE_REPLIES_HELD in probe.h). */
  struct sim_reply {
    uint8_t bytes[REPLY_BUF];
    size_t len, pos;
    sim_ns ready; /* when the command that made it finished */
  } replies[SIM_PROBE_REPLIES_HELD];
  int reply_count;

  /* Outcome of the last RW_MISC_OUT batch: a value and a status per item. */
  uint32_t misc_items;
  uint32_t misc_value[MISC_MAX_V3];
  uint32_t misc_status[MISC_MAX_V3];

  sim_mem_op last_rw;
  bool write_unchecked; /* last_rw was a write whose final access is still posted */
  bool ap_open[256];
};

typedef void (*command_fn)(sim_stlink *s);

/* Minimum J version per generation; NONE: that generation lacks the command. */
enum { NONE = 0xFF };

typedef struct command {
  uint8_t sub;
  uint8_t v2_min, v3_min;
  enum {
    NO_DATA,
    /* A data phase of the length in C[6..7], any size: run once per piece
     * of at most DATA_MAX bytes as they arrive (s->data, data_piece_len). */
    DATA_STREAMED,
    /* An RW_MISC batch: buffered whole (at most DATA_MAX), run once. */
    DATA_BY_ITEMS,
  } data;
  command_fn run;
} command;

/* The memory, DAP and RW_MISC commands (stlink_mem.c). */
extern const command stlink_memory_commands[];
extern const size_t stlink_memory_command_count;

/* ---------------------------------------------------------------------- */
/* Little helpers                                                          */
/* ---------------------------------------------------------------------- */

static inline uint16_t get16(const uint8_t *p)
{
  return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t get32(const uint8_t *p)
{
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline void put32(uint8_t *p, uint32_t v)
{
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
  p[2] = (uint8_t)(v >> 16);
  p[3] = (uint8_t)(v >> 24);
}

static inline uint8_t *reply(sim_stlink *s, size_t len)
{
  memset(s->reply, 0, len);
  s->reply_len = len;
  return s->reply;
}

/* The common 2-byte status reply (R[1] = 0: pyOCD reads a u16). */
static inline void reply_status(sim_stlink *s, uint8_t status)
{
  reply(s, 2)[0] = status;
}

/* Status plus a 32-bit value at offset 4. */
static inline void reply_value(sim_stlink *s, uint8_t status, uint32_t value)
{
  uint8_t *r = reply(s, 8);
  r[0] = status;
  put32(r + 4, value);
}

static inline bool is_v3(const sim_stlink *s)
{
  return s->kind->hw >= 3;
}

static inline bool has_jtag(const sim_stlink *s, uint8_t v2_min, uint8_t v3_min)
{
  uint8_t min = is_v3(s) ? v3_min : v2_min;
  return min != NONE && s->kind->jtag >= min;
}

/* Features of stlink-protocol.md section 5. */
static inline bool has_multi_ap(const sim_stlink *s)
{
  return has_jtag(s, 28, 2);
}

static inline bool has_dpbanksel(const sim_stlink *s)
{
  return has_jtag(s, 32, 2);
}

static inline uint32_t misc_max(const sim_stlink *s)
{
  return is_v3(s) ? MISC_MAX_V3 : MISC_MAX_V2;
}

static inline size_t max_rw8(const sim_stlink *s)
{
  return has_jtag(s, NONE, 6) ? MAX_RW8_V3 : MAX_RW8_FULL_SPEED;
}

#endif
