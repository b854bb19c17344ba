/*
 * A connected target, for the layers above the debug port: the flash engine
 * (lib/flash, lib/families) and option-byte support.
 *
 * This interface is kept stable: functions are added, existing ones keep
 * their meaning. Everything takes the swdf_target of the public API (see
 * <swdflash/probe.h>); errors are recorded on the target's context with
 * swdf__fail like everywhere else, so callers only add context with
 * swdf__prefix_error.
 *
 * Costs, to plan fast code (USB round trips dominate):
 *  - swdf__read32 / swdf__write32: one probe round trip each.
 *  - swdf__mem_read / swdf__mem_write: two round trips (the command, then
 *    its status) per chunk of up to limits->max_rw32 bytes.
 *  - swdf__mem_write_posted: like swdf__mem_write but the status of its
 *    last chunk is checked by the next memory call or swdf__mem_sync, which
 *    saves a round trip when something else (a register poll) comes first.
 *  - core register access: one round trip per register.
 */
#ifndef SWDF_TARGET_INTERNAL_H
#define SWDF_TARGET_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chipdb.h"
#include "deadline.h"
#include "internal.h"

/* ---- what the probe can do ------------------------------------------- */

typedef struct swdf_probe_limits {
  swdf_probe_kind kind;
  uint8_t jtag_version;     /* firmware "J" number */
  uint32_t max_rw32;        /* largest 32-bit transfer per probe command, bytes */
  uint32_t max_rw16;        /* same for 16-bit; 0 when the firmware has no 16-bit access */
  uint32_t max_rw8;         /* 64, or 512 on V3 J6+ */
  uint32_t tar_block;       /* TAR auto-increment block; chunks start on its boundaries */
  uint32_t usb_packet;      /* bulk max packet size: 64 or 512 */
  uint32_t freq_khz;        /* SWD clock in use now */
} swdf_probe_limits;

/* ---- the target as a whole ------------------------------------------- */

swdf_ctx *swdf__target_ctx(const swdf_target *t);

/* The chip database entry of the connected chip (never NULL once connected). */
const swdf_chip *swdf__target_chip(const swdf_target *t);

/* The flash as found: actual size (flash size register), banks, sectors. */
const swdf_flash_layout *swdf__target_flash_layout(const swdf_target *t);

/* The probe's transfer limits and current SWD clock. */
const swdf_probe_limits *swdf__target_limits(const swdf_target *t);

/* Target supply voltage measured by the probe now, in millivolts (0 unknown). */
swdf_err swdf__target_voltage(uint32_t *mv, swdf_target *t);

/* Whether the board lost power: the probe can measure the target supply and
 * finds (almost) none. `*mv` gets the reading. False when it cannot tell. */
bool swdf__target_power_lost(swdf_target *t, uint32_t *mv);

/* ---- memory ----------------------------------------------------------- */

/*
 * Read or write any length at any alignment: 8-bit accesses for the
 * unaligned head and tail, 32-bit for the body, split at the probe limits.
 * WAIT answers are retried (bounded); a bus fault fails with
 * SWDF_ERR_MEM_FAULT (or SWDF_ERR_READ_PROTECTED inside flash under RDP)
 * naming the address, after clearing the sticky error so that the next call
 * works.
 */
swdf_err swdf__mem_read(void *buf, swdf_target *t, uint32_t addr, size_t len);
/* swdf__mem_read with SWDF_PHASE_READ progress at the start, about every
 * `every` bytes and at the end; the reads in flight carry on in between. */
swdf_err swdf__mem_read_reporting(void *buf, swdf_target *t, uint32_t addr, size_t len,
                                  size_t every);
swdf_err swdf__mem_write(swdf_target *t, uint32_t addr, const void *buf, size_t len);

/*
 * The same with every bus access of exactly `width` bytes (1, 2 or 4); addr
 * and len must be multiples of width. For peripheral registers and flash
 * programming where the access width matters. Width 2 needs probe firmware
 * with 16-bit access (max_rw16 != 0), else SWDF_ERR_PROBE_FIRMWARE.
 */
swdf_err swdf__mem_read_sized(void *buf, swdf_target *t, uint32_t addr, size_t len,
                              unsigned width);
swdf_err swdf__mem_write_sized(swdf_target *t, uint32_t addr, const void *buf, size_t len,
                               unsigned width);

/*
 * Write without waiting for the status of the last chunk. It is checked
 * before the next memory call (swdf__mem_read/write/..., posted or not) or
 * by swdf__mem_sync, which report its fault. Single-register accesses
 * (swdf__read32 and friends) do not disturb it. The buffer may be reused as
 * soon as the call returns.
 */
swdf_err swdf__mem_write_posted(swdf_target *t, uint32_t addr, const void *buf, size_t len);

/*
 * Write without reading the status of any of its probe commands, so that
 * the probe takes the next command's data over USB while it still writes
 * this one over SWD (a status command in between would hold them back).
 * A fault on the wire goes unnoticed here (the probe firmware clears the
 * sticky flags for the next command): only for data whose arrival the
 * target checks itself (the flash loader's slot CRC). USB errors are
 * reported as usual. The buffer may be reused as soon as the call returns.
 */
swdf_err swdf__mem_write_unchecked(swdf_target *t, uint32_t addr, const void *buf, size_t len);

/* Check the outcome of posted writes. */
swdf_err swdf__mem_sync(swdf_target *t);

/* Single aligned accesses (one round trip each for 32-bit). */
swdf_err swdf__read32(uint32_t *value, swdf_target *t, uint32_t addr);
swdf_err swdf__write32(swdf_target *t, uint32_t addr, uint32_t value);
swdf_err swdf__read16(uint16_t *value, swdf_target *t, uint32_t addr);
swdf_err swdf__write16(swdf_target *t, uint32_t addr, uint16_t value);

/* value = (value & ~clear) | set, at a 32-bit register. */
swdf_err swdf__modify32(swdf_target *t, uint32_t addr, uint32_t clear, uint32_t set);

/*
 * Poll a 32-bit register until (value & mask) == want or the deadline
 * (computed by the caller) passes; the last value read is stored in *last
 * (may be NULL). SWDF_ERR_TIMEOUT on expiry.
 */
swdf_err swdf__poll32(uint32_t *last, swdf_target *t, uint32_t addr, uint32_t mask,
                      uint32_t want, uint64_t timeout_us);

/* ---- core --------------------------------------------------------------- */

/* Register numbers as in <swdflash/probe.h>: 0-15 R0-R15, 16 xPSR, 17 MSP, 18 PSP. */

swdf_err swdf__core_halt(swdf_target *t);
swdf_err swdf__core_resume(swdf_target *t);
swdf_err swdf__core_step(swdf_target *t);
swdf_err swdf__core_is_halted(bool *halted, swdf_target *t);
swdf_err swdf__core_reg_read(uint32_t *value, swdf_target *t, unsigned reg);
swdf_err swdf__core_reg_write(swdf_target *t, unsigned reg, uint32_t value);

/* Read `count` registers (numbers in regs[]) into values[]. */
swdf_err swdf__core_regs_read(uint32_t *values, swdf_target *t, const unsigned *regs,
                              size_t count);

/* Start code on the halted core, e.g. an on-target flash loader. */
typedef struct swdf_core_call {
  uint32_t entry;           /* address of the first instruction (Thumb bit optional) */
  uint32_t sp;              /* initial stack pointer (MSP) */
  uint32_t lr;              /* return address, e.g. of a BKPT; 0 leaves LR alone */
  uint32_t args[8];         /* R0..R7 */
  unsigned arg_count;       /* how many of args[] to set */
  bool mask_interrupts;     /* run with DHCSR.C_MASKINTS set */
} swdf_core_call;

/*
 * Set the registers of `call` (xPSR gets only the Thumb bit) and let the
 * core run. Does not wait: use swdf__core_wait_halt, or poll memory while
 * streaming data to the running code.
 */
swdf_err swdf__core_start(swdf_target *t, const swdf_core_call *call);

/*
 * Wait until the core halts (BKPT or a debug event) with adaptive polling.
 * On SWDF_ERR_TIMEOUT the core has been halted by force so that it is left
 * in a known state.
 */
swdf_err swdf__core_wait_halt(swdf_target *t, uint64_t timeout_us);

/* ---- reset and link ------------------------------------------------- */

/*
 * Reset the chip (kinds as in the public API). SWDF_RESET_HALT leaves the
 * core halted at the reset vector. NRST that turns out not to be wired is
 * remembered; hard resets then fall back to a software reset (with a
 * warning).
 */
swdf_err swdf__target_reset(swdf_target *t, swdf_reset_kind kind);

/* The same, filling `r` (the library's full struct; may be NULL) with the
 * reset done, why a hard reset fell back, and the core's state afterwards
 * (see swdf_target_reset_ext). */
swdf_err swdf__target_reset_report(swdf_target *t, swdf_reset_kind kind, swdf_reset_result *r);

/*
 * Re-establish the SWD link after the chip reset itself (an option-byte
 * reload with OBL_LAUNCH, a power cycle): re-enters SWD, powers the debug
 * port up and checks that the same chip answers. With `halt` the core is
 * halted afterwards (under reset when NRST is wired).
 */
swdf_err swdf__target_reattach(swdf_target *t, bool halt);

/* NRST wiring as far as the target layer knows: 1 works, 0 not wired, -1 unknown. */
int swdf__target_nrst_wired(const swdf_target *t);

#endif
