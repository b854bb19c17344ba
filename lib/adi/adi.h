/*
 * Private state of probes and targets, shared by lib/probe.c and lib/adi/.
 * The layers above use lib/adi/target_internal.h instead.
 */
#ifndef SWDF_ADI_H
#define SWDF_ADI_H

#include "adi/target_internal.h"
#include "stlink/stlink.h"

/* Cortex-M debug registers (ARMv7-M ARM C1.6, ARMv6-M ARM C1.6). */
enum {
  CPUID_ADDR = 0xE000ED00,
  ICSR_ADDR = 0xE000ED04,
  ICSR_VECTACTIVE = 0x1FF,
  AIRCR_ADDR = 0xE000ED0C,
  DFSR_ADDR = 0xE000ED30,
  DHCSR_ADDR = 0xE000EDF0,
  DCRSR_ADDR = 0xE000EDF4,
  DCRDR_ADDR = 0xE000EDF8,
  DEMCR_ADDR = 0xE000EDFC,

  DHCSR_DBGKEY = 0xA05F0000u,
  DHCSR_C_DEBUGEN = 1u << 0,
  DHCSR_C_HALT = 1u << 1,
  DHCSR_C_STEP = 1u << 2,
  DHCSR_C_MASKINTS = 1u << 3,
  DHCSR_S_REGRDY = 1u << 16,
  DHCSR_S_HALT = 1u << 17,
  DHCSR_S_SLEEP = 1u << 18,
  DHCSR_S_LOCKUP = 1u << 19,
  DHCSR_S_RETIRE_ST = 1u << 24,
  DHCSR_S_RESET_ST = 1u << 25,

  DCRSR_REGWNR = 1u << 16,
  DEMCR_VC_CORERESET = 1u << 0,
  AIRCR_VECTKEY = 0x05FA0000u,
  AIRCR_SYSRESETREQ = 1u << 2,

  DP_ABORT = 0x0,
  DP_CTRL_STAT = 0x4,
  /* ABORT: ORUNERRCLR | WDERRCLR | STKERRCLR | STKCMPCLR; DAPABORT for a stuck WAIT. */
  DP_ABORT_CLEAR_STICKY = 0x1E,
  DP_ABORT_DAPABORT = 0x01,
  AP_BASE = 0xF8,
  ROM_TABLE_DEFAULT = 0xE00FF000,
};

struct swdf_probe {
  swdf_ctx *ctx;
  swdf_stlink *st;
  swdf_usb_device_info dev;
  char serial[64];
  swdf_target *target; /* connected target, borrowed */
};

struct swdf_target {
  swdf_ctx *ctx;
  swdf_probe *probe;
  swdf_stlink *st;
  swdf_probe_limits limits;
  const swdf_chip *chip;       /* entry in the context's chip database */
  swdf_flash_layout layout;
  swdf_chip_ids ids;
  uint32_t freq_wanted_khz;
  swdf_connect_mode mode_used;
  char connect_note[160];
  uint32_t unique_id[3];
  bool has_unique_id;
  int nrst_wired;              /* 1 works, 0 not wired, -1 unknown */
  bool halted_by_connect;      /* let it run again on disconnect */
  bool halted_by_user;         /* leave it halted on disconnect */
  bool vector_catch_set;       /* DEMCR.VC_CORERESET set by us */
  unsigned wire_errors;        /* consecutive wire-level errors at this clock */
  uint32_t connect_mv;         /* target supply measured when connecting (0: unknown) */
  bool power_lost;             /* the probe measured the target supply gone */
  uint32_t power_lost_mv;      /* what it measured then */
  bool posted_writes;          /* a posted write not yet checked */
  uint32_t posted_addr;        /* its range, for the message */
  size_t posted_len;
};

/* ---- link (connect.c) ---------------------------------------------------- */

/* Leave and re-enter SWD at the current clock (after a clock change or to
 * clear errors on firmware that cannot write DP ABORT). */
swdf_err swdf__link_restart(swdf_target *t);

/* Clear sticky errors (DP ABORT, or a link restart on old firmware). With
 * `dap_abort` also abort a transaction stuck in WAIT. Never fails loudly:
 * it keeps the caller's error on the context. */
void swdf__link_clear_errors(swdf_target *t, bool dap_abort);

/*
 * After an operation failed with probe status `status`, decide whether to
 * try again: WAIT (with a growing pause) and wire errors (stepping the SWD
 * clock down after repeated ones, and saying so) are retried while
 * `attempt` is below the bound; faults are not. Returns true to retry.
 */
bool swdf__link_should_retry(swdf_target *t, uint8_t status, unsigned attempt);

/* However quickly each attempt fails, the retries of one operation end
 * within this time: the bound above alone allows about 0.3 s of WAIT
 * pauses, and wire retries restart the link. */
enum { SWDF_LINK_RETRY_DEADLINE_US = 2000000 };

/*
 * Run one status-bearing probe command (fn) with the retry policy above;
 * a fault's sticky error is cleared before returning it.
 */
typedef swdf_err (*swdf_link_attempt)(swdf_target *t, void *arg);
swdf_err swdf__link_retry(swdf_target *t, swdf_link_attempt fn, void *arg);

/* True when `err` came from the USB link (a failed or timed-out transfer)
 * rather than from the target: such errors are never absorbed or retried. */
static inline bool swdf__usb_error(const swdf_target *t, swdf_err err) {
  return err == SWDF_ERR_USB || t->st->usb->gone ||
         (err == SWDF_ERR_TIMEOUT && t->st->needs_resync);
}

/* ---- core (cortexm.c) ------------------------------------------------------ */

swdf_err swdf__dhcsr_read(uint32_t *dhcsr, swdf_target *t);
swdf_err swdf__dhcsr_write(swdf_target *t, uint32_t control_bits);
swdf_err swdf__vector_catch(swdf_target *t, bool enable);

/* A core that cannot fetch its vector table (read protection refusing the
 * fetch while a debugger is attached, or no valid table) locks up instead
 * of running or stopping at the vector catch. C_HALT still stops it
 * (ARMv7-M ARM C1.6.2, ARMv6-M ARM C1.6.3): halt it, with a warning that
 * says why that happens (`at_reset`: it locked up right after a reset). */
swdf_err swdf__core_halt_locked_up(swdf_target *t, bool at_reset);

/* ---- identification (identify.c) --------------------------------------- */

/* Read the IDs, find the chip in the database, read its flash size and
 * unique ID. */
swdf_err swdf__identify(swdf_target *t);

/* Read the 96-bit unique ID once (kept on the target). */
swdf_err swdf__read_unique_id(swdf_target *t);

/* Set the chip's debug configuration bits (debug_set in the database). */
swdf_err swdf__apply_debug_config(swdf_target *t);

/* Read the RDP level (-1 when unknown); keeps the context's error on failure. */
int swdf__rdp_level(swdf_target *t, uint32_t *raw);

#endif
