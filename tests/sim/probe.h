/*
 * swdsim probe side: internal interfaces between the libusb drop-in, the
 * ST-Link firmware emulation and the launcher. See sim.h for the contract
 * with the target side.
 */
#ifndef SWDSIM_PROBE_H
#define SWDSIM_PROBE_H

#include "sim.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---------------------------------------------------------------------- */
/* Probe personalities                                                     */
/* ---------------------------------------------------------------------- */

/* GET_CURRENT_MODE answers (stlink-protocol.md 3.3). */
typedef enum sim_probe_mode {
  SIM_MODE_DFU = 0x00,
  SIM_MODE_MASS_STORAGE = 0x01,
  SIM_MODE_DEBUG = 0x02,
  SIM_MODE_SWIM = 0x03,
  SIM_MODE_BOOTLOADER = 0x04,
} sim_probe_mode;

typedef struct sim_probe_kind {
  const char *name;        /* "v2", "v2-1", ... */
  const char *description; /* one line for `swdsim probes` */
  uint16_t pid;
  const char *product;     /* USB product string */
  /* Firmware version: V<hw>J<jtag>M<msd>B<bridge>S<swim>. */
  uint8_t hw, jtag, msd, bridge, swim;
  uint8_t ep_out, ep_in, ep_trace;
  uint16_t max_packet;     /* bulk wMaxPacketSize: 64 full speed, 512 high speed */
  bool high_speed;
  sim_ns usb_fixed_ns;     /* timing model 1 */
  sim_ns usb_byte_ns;
  sim_ns firmware_ns;      /* timing model 2: probe firmware overhead per command */
  uint32_t default_swd_khz;
  bool binary_serial;      /* serial descriptor holds 12 raw bytes (clones, V2) */
  const char *default_serial; /* 24 characters; hex digits when binary */
} sim_probe_kind;

/* NULL if unknown. */
const sim_probe_kind *sim_probe_kind_find(const char *name);
/* The fastest SWD clock the kind's firmware offers (4 MHz V2, 24 MHz V3). */
uint32_t sim_probe_max_swd_khz(const sim_probe_kind *kind);
/* NULL-terminated table walk: index 0, 1, ... until NULL. */
const sim_probe_kind *sim_probe_kind_at(int index);

/* ---------------------------------------------------------------------- */
/* ST-Link firmware emulation (stlink.c, probe_swd.c)                      */
/* ---------------------------------------------------------------------- */

typedef struct sim_stlink sim_stlink;

/*
 * A probe running `kind` firmware, wired to `target` (NULL: nothing on the
 * wire), charging its time to `clock`. Never fails except for memory.
 */
sim_stlink *sim_stlink_new(const sim_probe_kind *kind, sim_target *target, sim_clock *clock,
                           sim_probe_mode start_mode);
void sim_stlink_free(sim_stlink *s);

/*
 * How the firmware overlaps USB with SWD (our model; ST documents none of
 * it). Its OUT endpoint is double-buffered (the STM32F103's USB peripheral
 * offers that for bulk endpoints), so two transfers can arrive while it
 * runs a command. It takes the next command once the one before has
 * finished and its reply is queued for the IN endpoint, behind at most
 * SIM_PROBE_REPLIES_HELD - 1 others: the reply being sent and one more,
 * which is a memory read's status check (2-12 bytes) between two reads.
 * A host that keeps commands in flight thus has the probe read the next
 * block while USB carries the last one; one that waits for each reply
 * gets no overlap.
 */
enum { SIM_PROBE_OUT_BUFFERS = 2, SIM_PROBE_REPLIES_HELD = 3 };

/*
 * The host's bulk OUT transfer of `len` bytes has arrived at the probe. A
 * complete command runs at once: its firmware and SWD time advance the clock
 * (the caller has already charged the USB transfer). Its reply, if any,
 * joins the replies waiting for the host, ready at the clock's new time. A
 * new command block first drops the unread replies (a host that sent it
 * without reading them has given up on them): sim_stlink_receive_next keeps
 * them, for a host that reads them later.
 */
void sim_stlink_receive(sim_stlink *s, const uint8_t *data, size_t len);
void sim_stlink_receive_next(sim_stlink *s, const uint8_t *data, size_t len);

/* True if the next OUT data starts a new command (no data phase pending). */
bool sim_stlink_expects_command(const sim_stlink *s);

/* Replies finished and not yet read in full (at most SIM_PROBE_REPLIES_HELD). */
int sim_stlink_replies_waiting(const sim_stlink *s);

/* Bytes left of the oldest waiting reply, and when it was ready. */
size_t sim_stlink_reply_pending(const sim_stlink *s);
sim_ns sim_stlink_reply_ready(const sim_stlink *s);

/*
 * Hand up to `cap` bytes of the oldest reply to an IN transfer. A transfer
 * ending in the middle of a USB packet that holds more data babbles:
 * *overflow is set, the rest of that packet is lost (libusb's
 * LIBUSB_ERROR_OVERFLOW).
 */
size_t sim_stlink_take_reply(sim_stlink *s, uint8_t *buf, size_t cap, bool *overflow);

/* Drop every waiting reply (USB stall of the IN endpoint). */
void sim_stlink_drop_reply(sim_stlink *s);

/* USB bus reset: the probe's USB side starts over (reply, half-received data). */
void sim_stlink_usb_reset(sim_stlink *s);

sim_probe_mode sim_stlink_mode(const sim_stlink *s);
uint32_t sim_stlink_swd_khz(const sim_stlink *s);

/* ---------------------------------------------------------------------- */
/* The probe's SWD engine (probe_swd.c): what the firmware does on the wire */
/* ---------------------------------------------------------------------- */

/* ST-Link status codes (stlink-protocol.md 4.1). */
enum {
  STLINK_OK = 0x80,
  STLINK_FAULT = 0x81,
  STLINK_GET_IDCODE_ERROR = 0x09,
  STLINK_ALIGNMENT_ERROR = 0x0A,
  STLINK_DBG_POWER_ERROR = 0x0B,
  STLINK_SWD_AP_WAIT = 0x10,
  STLINK_SWD_AP_FAULT = 0x11,
  STLINK_SWD_AP_ERROR = 0x12,
  STLINK_SWD_DP_WAIT = 0x14,
  STLINK_SWD_DP_FAULT = 0x15,
  STLINK_SWD_DP_ERROR = 0x16,
  STLINK_BAD_AP = 0x1D,
  STLINK_FREQ_NOT_SUPPORTED = 0x41,
  STLINK_UNKNOWN_CMD = 0x42,
};

/*
 * How many WAIT answers the firmware absorbs by retrying a transaction
 * before it gives up, aborts the transfer (DP ABORT.DAPABORT) and reports a
 * WAIT status to the host. ST does not document the figure; this is ours.
 */
enum { SIM_PROBE_WAIT_RETRIES = 100 };

/* One SWD transaction: request, ack, 32 data bits, parity, turnaround, idle
 * (timing model 2). */
enum { SIM_SWD_CYCLES_PER_TRANSACTION = 48 };

typedef struct sim_swd {
  sim_target *target;
  sim_clock *clock;
  uint32_t khz;          /* SWD clock */
  uint64_t cycle_rest;   /* sub-nanosecond remainder of clock cycles, in kHz units */
  /* What the firmware believes DP SELECT and each AP's CSW hold. */
  bool select_known;
  uint32_t select;
  uint8_t csw_ap;        /* AP whose CSW is cached */
  bool csw_known;
  uint32_t csw;
} sim_swd;

void sim_swd_init(sim_swd *w, sim_target *target, sim_clock *clock, uint32_t khz);
/* Advance the clock by `cycles` SWD clock cycles (and run the target). */
void sim_swd_cycles(sim_swd *w, uint32_t cycles);
/* Advance the clock by `ns` (firmware time) and run the target. */
void sim_swd_wait_ns(sim_swd *w, sim_ns ns);
/* Forget cached SELECT/CSW (after a line reset or host DAP writes). */
void sim_swd_forget(sim_swd *w);

/* One DP or AP register access with WAIT retries; returns an ST-Link status. */
uint8_t sim_swd_line_reset(sim_swd *w);
uint8_t sim_swd_dp_read(sim_swd *w, uint8_t addr, uint32_t *value);
uint8_t sim_swd_dp_write(sim_swd *w, uint8_t addr, uint32_t value);
/* AP register read: SELECT if needed, the posted AP read and RDBUFF. */
uint8_t sim_swd_ap_read(sim_swd *w, uint8_t ap, uint8_t addr, uint32_t *value);
uint8_t sim_swd_ap_write(sim_swd *w, uint8_t ap, uint8_t addr, uint32_t value);
/* Clear the sticky error flags (DP ABORT). */
void sim_swd_clear_sticky(sim_swd *w);

/* A MEM-AP transfer as the firmware runs it. */
typedef struct sim_mem_op {
  uint8_t ap;
  uint32_t addr;
  uint8_t size;        /* access size in bytes: 1, 2 or 4 */
  bool increment;      /* TAR auto-increment (false for the NO_ADDR_INC commands) */
  uint32_t csw_high;   /* CSW bits 31..8 from the command, 0: firmware default */
  bool continued;      /* carries on the previous block at addr: TAR is set */
  /* Results */
  uint8_t status;      /* ST-Link status */
  uint32_t fault_addr; /* address of the failing access */
} sim_mem_op;

/* Read `len` bytes into buf (len a multiple of size). */
void sim_swd_mem_read(sim_swd *w, sim_mem_op *op, uint8_t *buf, size_t len);
/* Write `len` bytes. The last write is posted: see sim_swd_mem_flush. */
void sim_swd_mem_write(sim_swd *w, sim_mem_op *op, const uint8_t *buf, size_t len);
/* Wait for the last posted write to complete (RDBUFF read); FAULT -> status. */
void sim_swd_mem_flush(sim_swd *w, sim_mem_op *op);

/* Single 32-bit word accesses (debug registers), complete with status. */
uint8_t sim_swd_read32(sim_swd *w, uint32_t addr, uint32_t *value);
uint8_t sim_swd_write32(sim_swd *w, uint32_t addr, uint32_t value);

/* ---------------------------------------------------------------------- */
/* Configuration helpers (config.c)                                        */
/* ---------------------------------------------------------------------- */

/* Parse one "KIND[:SERIAL[:MODE]]" probe spec. */
bool sim_parse_probe(const char *spec, sim_probe_config *out, char *err, size_t err_len);
/* Start mode given in a probe spec (mode field of sim_probe_config). */
bool sim_parse_probe_mode(const char *name, sim_probe_mode *out);
/* Names of the known fault kinds, NULL-terminated. */
const char *const *sim_fault_names(void);
bool sim_fault_is_usb(sim_fault_kind kind);
/* Serial as the probe's string descriptor carries it (raw bytes, length). */
size_t sim_probe_serial_bytes(const sim_probe_kind *kind, const char *serial, uint8_t *out,
                              size_t cap);
/* The default serial of the index-th probe of a kind (unique per index). */
void sim_probe_default_serial(const sim_probe_kind *kind, int index, char *out, size_t cap);

#endif
