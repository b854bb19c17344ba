/*
 * Flash engine internals: a session holds the flash controller unlocked and
 * a backend running (the on-target loader, or host-driven register writes);
 * the planner decides what to erase and program; the engine (flash.c) ties
 * them to the public API.
 */
#ifndef SWDF_FLASH_INTERNAL_H
#define SWDF_FLASH_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "adi/target_internal.h"
#include "families/family.h"
#include "flash/loaders/loader_abi.h"

typedef struct swdf__flash_session swdf__flash_session;

/* What the backend does; the session reports progress by kind. */
typedef enum swdf__op_kind {
  SWDF__OP_ERASE,
  SWDF__OP_PROGRAM,
  SWDF__OP_CHECK,
  SWDF__OP_END,
} swdf__op_kind;

typedef struct swdf__backend {
  const char *name;
  /* Bring the backend up; the controller is unlocked already. */
  swdf_err (*start)(swdf__flash_session *s);
  /* Queue (or do) one erase command covering `size` bytes at `addr`. */
  swdf_err (*erase)(swdf__flash_session *s, const swdf__erase_cmd *cmd, uint32_t addr,
                    uint32_t size, uint32_t typ_us, uint32_t max_us);
  /* Queue (or do) programming `len` bytes (a multiple of the unit) in one bank. */
  swdf_err (*program)(swdf__flash_session *s, unsigned bank, uint32_t addr, const uint8_t *data,
                      uint32_t len);
  /* Run checks (SWDF_LOADER_OP_CRC or _BLANK) after all queued work and
   * store one value per result index in results[]. */
  swdf_err (*check)(swdf__flash_session *s, uint32_t op, const swdf_loader_check *checks,
                    size_t count, uint32_t *results, size_t result_count);
  /* Between these two, hold back the first operation until the rest is
   * queued too (as far as the ring allows): an erase whose unit has bytes
   * to keep then only starts once those bytes are on the target, so that a
   * lost link cannot leave them erased. May be NULL. */
  void (*group_begin)(swdf__flash_session *s);
  swdf_err (*group_end)(swdf__flash_session *s);
  /* Wait until everything queued is done. */
  swdf_err (*flush)(swdf__flash_session *s);
  /* Stop (after success or failure) and leave the core halted. */
  void (*stop)(swdf__flash_session *s);
} swdf__backend;

enum { SWDF__SAVED_REGS = 18 };

struct swdf__flash_session {
  swdf_target *t;
  swdf_ctx *ctx;
  const swdf_chip *chip;
  const swdf_flash_layout *layout;
  const swdf__family *family;
  swdf__flash_ctl ctl;
  uint32_t family_saved;
  swdf__clock_saved clock_saved;
  bool unlocked;
  bool prepared;
  bool regs_saved;
  uint32_t saved_regs[SWDF__SAVED_REGS];
  uint32_t crc_tables[4][256];
  const swdf__backend *backend;
  void *backend_state;
  uint32_t cpu_hz;
  /* Progress: bytes per phase. */
  uint64_t erase_done, erase_total;
  uint64_t program_done, program_total;
};

/* Open a session: halt the core, describe and unlock the controller, start
 * the backend the method asks for (the loader falls back to registers
 * under SWDF_FLASH_AUTO). */
swdf_err swdf__session_open(swdf__flash_session **out, swdf_target *t, swdf_flash_method method);

/* The same, calling `early` as soon as the controller is unlocked, before
 * the core's registers are saved, the clock raised and the backend started:
 * flash-register work begun there (a mass erase) runs on meanwhile. Only
 * memory-mapped registers may be used in it. */
typedef swdf_err (*swdf__session_early_fn)(swdf__flash_session *s, void *user);
swdf_err swdf__session_open_with(swdf__flash_session **out, swdf_target *t,
                                 swdf_flash_method method, swdf__session_early_fn early,
                                 void *user);

/* Stop the backend, lock the controller, restore the core (or reset and
 * run it with `run_after`). Returns the first error met while closing;
 * `failed` says the job failed, so that closing adds no error of its own. */
swdf_err swdf__session_close(swdf__flash_session *s, bool failed, bool run_after);

/* Called by backends when work completes. */
swdf_err swdf__session_progress(swdf__flash_session *s, swdf__op_kind kind, uint64_t bytes);

/* Turn a status register value into an error naming the address and cause. */
swdf_err swdf__session_flash_error(swdf__flash_session *s, uint32_t sr, uint32_t addr,
                                   const char *doing);

/* CRC-32 of host data with the session's tables. */
uint32_t swdf__crc32(const swdf__flash_session *s, const uint8_t *data, size_t len);

/* Estimated link time of one memory command carrying `bytes`. */
uint64_t swdf__wire_time_us(const swdf__flash_session *s, size_t bytes);

/* Time a program operation of `len` bytes and a check of `len` bytes take. */
uint64_t swdf__program_time_us(const swdf__flash_session *s, uint32_t len, bool max);
uint64_t swdf__check_time_us(const swdf__flash_session *s, uint32_t op, uint64_t len, bool max);

extern const swdf__backend swdf__loader_backend;
extern const swdf__backend swdf__register_backend;

/* The register that clears the error flags of a bank: CCR where the
 * controller has one, else SR (write 1 to clear). */
uint32_t swdf__flash_clear_reg(const swdf__flash_ctl *ctl, unsigned bank);

/* Loader backend: can it run on this chip at all (enough RAM)? */
bool swdf__loader_fits(const swdf__flash_session *s);

#endif
