/*
 * The ST-Link USB command protocol (V2, V2-1, V3 and clones), SWD subset.
 * Facts and their sources (openocd stlink_usb.c, stlink-org usb.c/common.c,
 * pyOCD stlink.py): docs/stlink-protocol.md; section numbers below are its.
 *
 * Every command is a 16-byte block on the OUT endpoint, optionally followed
 * by a data block (memory writes), optionally answered on the IN endpoint.
 * Functions here send exactly one command unless they say otherwise, map
 * status codes to swdf_err with a message, retry WAIT answers where that is
 * safe, and degrade gracefully on firmware that lacks a feature.
 */
#ifndef SWDF_STLINK_H
#define SWDF_STLINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "internal.h"
#include "transport/usb.h"

enum {
  STLINK_VID = 0x0483,
  STLINK_CMD_SIZE = 16,
  STLINK_MAX_RW32 = 6144,      /* firmware buffer (section 6.1) */
  STLINK_MAX_RW8_V2 = 64,
  STLINK_MAX_RW8_V3 = 512,
  STLINK_TAR_BLOCK = 1024,
  STLINK_WAIT_RETRIES = 8,     /* bounded retries of WAIT answers */
  STLINK_MAX_FREQS = 16,
  STLINK_DP_PORT = 0xFFFF,     /* READ/WRITE_DAP_REG port number of the DP */
};

/* Top-level commands (C[0]) and DEBUG sub-commands (C[1]), section 3. */
enum stlink_command {
  STLINK_GET_VERSION = 0xF1,
  STLINK_DEBUG_COMMAND = 0xF2,
  STLINK_DFU_COMMAND = 0xF3,
  STLINK_SWIM_COMMAND = 0xF4,
  STLINK_GET_CURRENT_MODE = 0xF5,
  STLINK_GET_TARGET_VOLTAGE = 0xF7,
  STLINK_GET_VERSION_APIV3 = 0xFB,

  STLINK_DFU_EXIT = 0x07,
  STLINK_SWIM_EXIT = 0x01,

  STLINK_DEBUG_GETSTATUS = 0x01,
  STLINK_DEBUG_FORCEDEBUG = 0x02,
  STLINK_DEBUG_READMEM_32BIT = 0x07,
  STLINK_DEBUG_WRITEMEM_32BIT = 0x08,
  STLINK_DEBUG_RUNCORE = 0x09,
  STLINK_DEBUG_STEPCORE = 0x0A,
  STLINK_DEBUG_READMEM_8BIT = 0x0C,
  STLINK_DEBUG_WRITEMEM_8BIT = 0x0D,
  STLINK_DEBUG_EXIT = 0x21,
  STLINK_DEBUG_APIV2_ENTER = 0x30,
  STLINK_DEBUG_APIV2_READ_IDCODES = 0x31,
  STLINK_DEBUG_APIV2_RESETSYS = 0x32,
  STLINK_DEBUG_APIV2_READREG = 0x33,
  STLINK_DEBUG_APIV2_WRITEREG = 0x34,
  STLINK_DEBUG_APIV2_WRITEDEBUGREG = 0x35,
  STLINK_DEBUG_APIV2_READDEBUGREG = 0x36,
  STLINK_DEBUG_APIV2_GETLASTRWSTATUS = 0x3B,
  STLINK_DEBUG_APIV2_DRIVE_NRST = 0x3C,
  STLINK_DEBUG_APIV2_GETLASTRWSTATUS2 = 0x3E,
  STLINK_DEBUG_APIV2_SWD_SET_FREQ = 0x43,
  STLINK_DEBUG_APIV2_READ_DAP_REG = 0x45,
  STLINK_DEBUG_APIV2_WRITE_DAP_REG = 0x46,
  STLINK_DEBUG_APIV2_READMEM_16BIT = 0x47,
  STLINK_DEBUG_APIV2_WRITEMEM_16BIT = 0x48,
  STLINK_DEBUG_APIV2_INIT_AP = 0x4B,
  STLINK_DEBUG_APIV3_SET_COM_FREQ = 0x61,
  STLINK_DEBUG_APIV3_GET_COM_FREQ = 0x62,

  STLINK_DEBUG_ENTER_SWD_NO_RESET = 0xA3,
};

/* GET_CURRENT_MODE answers (section 3.3). */
typedef enum stlink_mode {
  STLINK_MODE_DFU = 0x00,
  STLINK_MODE_MASS = 0x01,
  STLINK_MODE_DEBUG = 0x02,
  STLINK_MODE_SWIM = 0x03,
  STLINK_MODE_BOOTLOADER = 0x04,
} stlink_mode;

/* DRIVE_NRST levels. */
enum { STLINK_NRST_LOW = 0, STLINK_NRST_HIGH = 1, STLINK_NRST_PULSE = 2 };

/* Status codes (section 4.1). */
enum {
  STLINK_OK = 0x80,
  STLINK_FAULT = 0x81,
  STLINK_JTAG_UNKNOWN_ERROR = 0x01,
  STLINK_JTAG_NO_DEVICE = 0x05,
  STLINK_JTAG_CMD_WAIT = 0x07,
  STLINK_JTAG_GET_IDCODE_ERROR = 0x09,
  STLINK_JTAG_DBG_POWER_ERROR = 0x0B,
  STLINK_JTAG_WRITE_ERROR = 0x0C,
  STLINK_JTAG_WRITE_VERIF_ERROR = 0x0D,
  STLINK_SWD_AP_WAIT = 0x10,
  STLINK_SWD_AP_FAULT = 0x11,
  STLINK_SWD_AP_ERROR = 0x12,
  STLINK_SWD_AP_PARITY_ERROR = 0x13,
  STLINK_SWD_DP_WAIT = 0x14,
  STLINK_SWD_DP_FAULT = 0x15,
  STLINK_SWD_DP_ERROR = 0x16,
  STLINK_SWD_DP_PARITY_ERROR = 0x17,
  STLINK_SWD_AP_WDATA_ERROR = 0x18,
  STLINK_SWD_AP_STICKY_ERROR = 0x19,
  STLINK_SWD_AP_STICKYORUN_ERROR = 0x1A,
  STLINK_BAD_AP_ERROR = 0x1D,
  STLINK_JTAG_FREQ_NOT_SUPPORTED = 0x41,
  STLINK_JTAG_UNKNOWN_CMD = 0x42,
};

/* What a status code means for the caller. */
typedef enum stlink_status_class {
  STLINK_CLASS_OK = 0,
  STLINK_CLASS_WAIT,        /* try again later */
  STLINK_CLASS_FAULT,       /* FAULT answer or sticky error: a bus fault, or a prior one */
  STLINK_CLASS_WIRE,        /* parity error, protocol error: signal integrity */
  STLINK_CLASS_NO_TARGET,   /* nothing answered */
  STLINK_CLASS_UNSUPPORTED, /* the firmware does not know the command or AP */
  STLINK_CLASS_OTHER,
} stlink_status_class;

stlink_status_class swdf__stlink_status_class(uint8_t status);
/* "SWD_AP_FAULT" etc., or "status 0xNN". */
const char *swdf__stlink_status_name(uint8_t status);

/* Firmware feature bits by J version (section 5). */
typedef enum stlink_feature {
  STLINK_F_TARGET_VOLTAGE = 1u << 0, /* V2 J13+, V3 */
  STLINK_F_RW_STATUS2 = 1u << 1,     /* V2 J15+, V3: GETLASTRWSTATUS2 */
  STLINK_F_SWD_SET_FREQ = 1u << 2,   /* V2 J22+ (not V3) */
  STLINK_F_DAP_REG = 1u << 3,        /* V2 J24+, V3: READ/WRITE_DAP_REG */
  STLINK_F_MEM16 = 1u << 4,          /* V2 J26+, V3: 16-bit memory access */
  STLINK_F_AP_INIT = 1u << 5,        /* V2 J28+, V3: INIT_AP */
  STLINK_F_FIX_CLOSE_AP = 1u << 6,   /* V2 J29+, V3 */
  STLINK_F_DPBANKSEL = 1u << 7,      /* V2 J32+, V3 J2+: banked DP registers */
  STLINK_F_RW8_512 = 1u << 8,        /* V3 J6+: 8-bit transfers up to 512 bytes */
  STLINK_F_COM_FREQ = 1u << 9,       /* V3: GET/SET_COM_FREQ */
} stlink_feature;

typedef struct stlink_version {
  uint8_t hw;      /* 2 or 3 (V3PWR may say 4) */
  uint8_t jtag;    /* J */
  uint8_t swim;    /* S */
  uint8_t msd;     /* M (V2-1 and V3) */
  uint8_t bridge;  /* B (V3) */
  uint16_t vid;
  uint16_t pid;
} stlink_version;

/* Known product IDs (section 1.1). */
typedef struct stlink_pid_info {
  uint16_t pid;
  swdf_probe_kind kind;
  const char *product;
  bool v2_endpoints;  /* OUT 0x02 (V1/V2) instead of 0x01 */
  bool usable;        /* false: V1 or a USB loader personality */
  const char *unusable_reason;
} stlink_pid_info;

/* Entry for a PID, or NULL when it is not an ST-Link. */
const stlink_pid_info *swdf__stlink_pid_info(uint16_t pid);

/*
 * Printable serial number from the raw string descriptor payload (UTF-16LE
 * code units): 12 code units (binary serial of many V2 probes) become 24
 * upper-case hex digits of their low bytes, as other tools print them;
 * printable strings are kept; anything else is hex-encoded.
 */
void swdf__stlink_serial(char *out, size_t out_len, const uint8_t *raw, size_t raw_len);

/* Feature bits for a firmware version. */
uint32_t swdf__stlink_features(const stlink_version *v);

/* Parse a GET_VERSION reply (6 bytes) and, for V3, the 0xFB reply (12 bytes; may be NULL). */
void swdf__stlink_parse_version(stlink_version *out, const uint8_t reply_f1[6],
                                const uint8_t *reply_fb, swdf_probe_kind kind);

/* "V2J37S7", "V2J37M26", "V3J15M7B5S1" (OpenOCD's format). */
void swdf__stlink_firmware_name(char *out, size_t out_len, const stlink_version *v,
                                swdf_probe_kind kind);

/* Target voltage in mV from the GET_TARGET_VOLTAGE reply (0 when unusable). */
uint32_t swdf__stlink_voltage_mv(const uint8_t reply[8]);

/* ---- an open probe --------------------------------------------------- */

typedef struct swdf_stlink {
  swdf_ctx *ctx;
  swdf_usb *usb;
  const stlink_pid_info *pid_info;
  swdf_probe_kind kind;
  uint8_t ep_out;
  uint8_t ep_in;
  stlink_version version;
  uint32_t features;
  uint32_t freqs[STLINK_MAX_FREQS]; /* supported SWD clocks in kHz, fastest first */
  size_t freq_count;
  uint32_t freq_khz;                /* current SWD clock (0 = firmware default) */
  bool in_debug;                    /* we entered SWD mode */
  bool needs_resync;                /* a transfer failed: clean up before the next one */
  bool ap0_open;
  uint32_t max_rw8;
  uint8_t last_status;              /* status byte of the last status-bearing reply; 0 if none */
  uint64_t commands;                /* statistics for tests and traces */
  uint64_t wait_retries;
} swdf_stlink;

/*
 * Take over an opened USB device: read the firmware version, check that it
 * can do SWD, and leave DFU/SWIM/debug modes so that SWD can be entered.
 * On success the stlink owns `usb`; on failure `usb` is closed.
 */
swdf_err swdf__stlink_open(swdf_stlink **out, swdf_ctx *ctx, swdf_usb *usb, uint16_t pid);

/* Leave debug mode (best effort) and close the USB device. NULL is ignored. */
void swdf__stlink_close(swdf_stlink *st);

/*
 * One command: the 16-byte block, an optional data block, an optional reply
 * of `reply_len` bytes. No status interpretation. `swd_transactions`
 * estimates the SWD work the probe does, for the timeout.
 */
swdf_err swdf__stlink_xfer(swdf_stlink *st, const uint8_t cmd[STLINK_CMD_SIZE],
                           const uint8_t *data_out, size_t data_len, uint8_t *reply,
                           size_t reply_len, uint32_t swd_transactions, const char *what);

/*
 * A command whose reply carries a status in byte 0. WAIT answers are retried
 * up to STLINK_WAIT_RETRIES times with growing pauses when `retry_wait`.
 * On a bad status returns its swdf_err with a message naming `what`; the raw
 * code is stored in *status when status != NULL, and in st->last_status.
 */
swdf_err swdf__stlink_cmd(swdf_stlink *st, const uint8_t cmd[STLINK_CMD_SIZE], uint8_t *reply,
                          size_t reply_len, bool retry_wait, uint8_t *status, const char *what);

/* Record the error for a bad status code and return it. */
swdf_err swdf__stlink_status_error(swdf_stlink *st, uint8_t status, const char *what);

swdf_err swdf__stlink_get_mode(uint8_t *mode, swdf_stlink *st);
swdf_err swdf__stlink_target_voltage(uint32_t *mv, swdf_stlink *st);

/* Enter SWD (no reset) / leave debug mode. */
swdf_err swdf__stlink_enter_swd(swdf_stlink *st);
swdf_err swdf__stlink_exit_debug(swdf_stlink *st);

/* DRIVE_NRST; `check_status` false ignores the answer (before ENTER, 7.2). */
swdf_err swdf__stlink_drive_nrst(swdf_stlink *st, int level, bool check_status);

/* SW-DP IDCODE via READ_IDCODES. */
swdf_err swdf__stlink_read_idcode(uint32_t *idcode, swdf_stlink *st);

/* ---- SWD clock ----------------------------------------------------------- */

/* Fill st->freqs: the V2 divisor table, or the V3 probe's own list. */
swdf_err swdf__stlink_load_freqs(swdf_stlink *st);

/* The fastest supported clock not above `khz` (the slowest if none is). */
uint32_t swdf__stlink_pick_freq(const swdf_stlink *st, uint32_t khz);

/* The next slower supported clock, or 0 when already at the slowest. */
uint32_t swdf__stlink_slower_freq(const swdf_stlink *st, uint32_t khz);

/* Set the SWD clock to the fastest supported clock not above `khz`. */
swdf_err swdf__stlink_set_freq(swdf_stlink *st, uint32_t khz);

/* V2 divisor for a table frequency (section 3.7); -1 if not in the table. */
int swdf__stlink_v2_divisor(uint32_t khz);

/* ---- debug port and memory ------------------------------------------- */

/* DP or AP register through READ/WRITE_DAP_REG (needs STLINK_F_DAP_REG). */
swdf_err swdf__stlink_read_dap(uint32_t *value, swdf_stlink *st, uint16_t port, uint16_t addr);
swdf_err swdf__stlink_write_dap(swdf_stlink *st, uint16_t port, uint16_t addr, uint32_t value);

/* Open AP 0 for memory access (J28+; a no-op before). */
swdf_err swdf__stlink_init_ap0(swdf_stlink *st);

/* One 32-bit read/write with its own status (READ/WRITEDEBUGREG). WAIT is
 * not retried here: the target layer retries with sticky-error clearing. */
swdf_err swdf__stlink_read_debug32(uint32_t *value, swdf_stlink *st, uint32_t addr);
swdf_err swdf__stlink_write_debug32(swdf_stlink *st, uint32_t addr, uint32_t value);

/* Core register of the halted core (READREG/WRITEREG, index as in section
 * 3.6). WAIT is not retried here either. */
swdf_err swdf__stlink_read_reg(uint32_t *value, swdf_stlink *st, uint8_t index);
swdf_err swdf__stlink_write_reg(swdf_stlink *st, uint8_t index, uint32_t value);

/*
 * One memory command of `width` (1, 2, 4) without a status check. The
 * caller respects the limits (len <= max for the width, alignment).
 */
swdf_err swdf__stlink_read_mem(uint8_t *buf, swdf_stlink *st, uint32_t addr, uint32_t len,
                               unsigned width);
swdf_err swdf__stlink_write_mem(swdf_stlink *st, uint32_t addr, const uint8_t *buf, uint32_t len,
                                unsigned width);

/*
 * Status of the last memory command: GETLASTRWSTATUS2 (with the fault
 * address) where the firmware has it, else GETLASTRWSTATUS. Does not record
 * an error; the caller interprets the status.
 */
swdf_err swdf__stlink_rw_status(uint8_t *status, uint32_t *fault_addr, swdf_stlink *st);

/* ---- memory reads in flight together ------------------------------------ */

/*
 * Memory reads kept in flight: while the bus carries one command's reply the
 * probe already runs the next one, so a long read costs about the larger of
 * its USB and SWD times instead of their sum. Each READMEM is followed by
 * its own GETLASTRWSTATUS(2), in flight as well: the firmware clears the
 * sticky flags after a fault, so every command's status must be read right
 * after it. Needs a USB backend that can submit (swdf__usb_can_submit).
 */
enum {
  STLINK_PIPE_READS = 2, /* READMEM commands in flight: one runs while one replies */
  STLINK_PIPE_DEPTH = 2 * STLINK_PIPE_READS,  /* with their status commands */
  STLINK_PIPE_BOUNCE = 512,                   /* a short reply's whole packet */
};

typedef struct stlink_pipe_cmd {
  uint8_t cmd[STLINK_CMD_SIZE];
  uint8_t *reply;    /* reply_len bytes land here */
  size_t reply_len;
  uint8_t bounce[STLINK_PIPE_BOUNCE];
  bool bounced;      /* the reply goes through bounce */
  uint8_t status[12]; /* a read's status reply (its status command points here) */
  swdf_usb_async *out;
  swdf_usb_async *in;
} stlink_pipe_cmd;

typedef struct swdf_stlink_pipe {
  swdf_stlink *st;
  stlink_pipe_cmd cmds[STLINK_PIPE_DEPTH];
  size_t first;
  size_t count;
} swdf_stlink_pipe;

/* Whether reads of `len` bytes can go through a pipe on this probe. */
bool swdf__stlink_pipe_can_read(const swdf_stlink *st, uint32_t len, unsigned width);

void swdf__stlink_pipe_init(swdf_stlink_pipe *p, swdf_stlink *st);

/* Whether another read fits in flight. */
bool swdf__stlink_pipe_has_room(const swdf_stlink_pipe *p);
/* Reads in flight. */
size_t swdf__stlink_pipe_reads(const swdf_stlink_pipe *p);

/* Send a READMEM of `width` and its status command (see can_read). */
swdf_err swdf__stlink_pipe_send_read(swdf_stlink_pipe *p, uint8_t *buf, uint32_t addr,
                                     uint32_t len, unsigned width);

/*
 * Wait for the oldest read: its data are in its buffer, its status as
 * swdf__stlink_rw_status gives it. On a USB error everything in flight is
 * cancelled first.
 */
swdf_err swdf__stlink_pipe_take_read(swdf_stlink_pipe *p, uint8_t *status, uint32_t *fault_addr);

/* Let everything in flight finish, its results unused (cancelled on a USB
 * error). The pipe is empty afterwards. */
void swdf__stlink_pipe_drain(swdf_stlink_pipe *p);

#endif
