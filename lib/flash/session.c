/* A flash session: the controller unlocked, the core halted, a backend running. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flash/loaders/loader_crc.h"
#include "flash_internal.h"

uint32_t swdf__crc32(const swdf__flash_session *s, const uint8_t *data, size_t len) {
  return ~swdf_crc32_run(s->crc_tables, 0xffffffffu, data, len);
}

/*
 * Core cycles the loader spends per program unit on top of the flash's own
 * time: noticing BSY clear, the error check and the next store (about
 * 1.75 us per half-word at the F1's 8 MHz under the timing model). Pacing
 * adds these estimates up over the whole ring, so an estimate above the
 * truth makes the host sleep past the end of the job (a fixed microsecond
 * per unit cost about 100 ms at the end of a 256 KiB F1 write with the core
 * on the PLL), while one below only costs a few more polls. So they count
 * only when the job set the clock itself and knows it.
 */
enum { LOADER_CYCLES_PER_UNIT = 14 };

uint64_t swdf__program_time_us(const swdf__flash_session *s, uint32_t len, bool max) {
  const swdf__flash_ctl *ctl = &s->ctl;
  uint64_t units = (len + ctl->unit - 1) / ctl->unit;
  if (max) {
    return units * ctl->program_max_us;
  }
  uint64_t gap_ns =
      s->clock_saved.boosted ? LOADER_CYCLES_PER_UNIT * 1000000000ull / s->cpu_hz : 0;
  return units * (ctl->program_typ_ns + gap_ns) / 1000u;
}

/* The loader's CRC takes about 4 cycles per byte, its blank check (eight
 * words per step) about 3/4.
 * The deadline allows for a core that firmware left on a much slower clock
 * than the one assumed. */
uint64_t swdf__check_time_us(const swdf__flash_session *s, uint32_t op, uint64_t len, bool max) {
  uint64_t quarter_cycles_per_byte = op == SWDF_LOADER_OP_CRC ? 16 : 3;
  uint64_t us = len * quarter_cycles_per_byte * 1000000u / 4u / s->cpu_hz;
  return max ? us * 16 + 500000u : us;
}

/*
 * Link time of one memory command carrying `bytes`: three USB transfers
 * (command, data, status) on a full-speed (V2) or high-speed (V3) bus, and
 * one 48-clock SWD transaction per word. An estimate for pacing and plans.
 */
uint64_t swdf__wire_time_us(const swdf__flash_session *s, size_t bytes) {
  const swdf_probe_limits *lim = swdf__target_limits(s->t);
  bool high_speed = lim->kind == SWDF_PROBE_V3;
  uint64_t transfer_ns = high_speed ? 40000u : 125000u;
  uint64_t byte_ns = high_speed ? 25u : 850u;
  uint64_t khz = lim->freq_khz != 0 ? lim->freq_khz : 1800u;
  uint64_t swd_ns = (bytes + 3) / 4 * 48u * 1000000u / khz;
  return (3 * transfer_ns + bytes * byte_ns + swd_ns) / 1000u;
}

/* The fields a family may leave at 0. */
static void ctl_defaults(swdf__flash_ctl *ctl, const swdf_chip *chip) {
  if (ctl->sr_wait == 0) {
    ctl->sr_wait = ctl->sr_busy;
  }
  if (ctl->access == 0) {
    ctl->access = ctl->unit < 4 ? ctl->unit : 4;
  }
  if (ctl->ram_size == 0) {
    ctl->ram_base = chip->ram_base;
    ctl->ram_size = chip->ram_size;
  }
}

uint32_t swdf__flash_clear_reg(const swdf__flash_ctl *ctl, unsigned bank) {
  return ctl->regs[bank] + (ctl->ccr != 0 ? ctl->ccr : ctl->sr);
}

static swdf_err unlock_bank(swdf__flash_session *s, uint32_t base) {
  const swdf__key_lock lock = {"FLASH_CR", base + s->ctl.cr, s->ctl.cr_lock, 0,
                               base + s->ctl.keyr, SWDF_FLASH_KEY1, SWDF_FLASH_KEY2};
  return swdf__unlock_with_keys(s->t, &lock);
}

/* Unlock every bank's register block and clear stale status bits. */
static swdf_err unlock(swdf__flash_session *s) {
  unsigned banks = s->ctl.regs[1] != s->ctl.regs[0] ? 2 : 1;
  for (unsigned b = 0; b < banks; b++) {
    swdf_err err = unlock_bank(s, s->ctl.regs[b]);
    if (err == SWDF_OK) {
      err = swdf__write32(s->t, s->ctl.regs[b] + s->ctl.cr, 0);
    }
    if (err == SWDF_OK) {
      err = swdf__write32(s->t, swdf__flash_clear_reg(&s->ctl, b), s->ctl.sr_clear);
    }
    if (err != SWDF_OK) {
      swdf__prefix_error(s->ctx, "unlocking the flash");
      return err;
    }
  }
  return SWDF_OK;
}

static void lock(swdf__flash_session *s) {
  unsigned banks = s->ctl.regs[1] != s->ctl.regs[0] ? 2 : 1;
  for (unsigned b = 0; b < banks; b++) {
    (void)swdf__write32(s->t, s->ctl.regs[b] + s->ctl.cr, s->ctl.cr_lock);
  }
}

/* R0-R12, LR, PC, xPSR, MSP and PSP; SP (R13) is whichever of MSP and PSP
 * is active, so reading it too would only cost a round trip. */
static const unsigned saved_reg_numbers[SWDF__SAVED_REGS] = {0,  1,  2,  3,  4,  5,  6,  7, 8,
                                                             9,  10, 11, 12, 14, 15, 16, 17, 18};

/* A transfer the probe missed (a USB error) is tried again: the probe
 * answers the next command normally. WAIT and wire errors were retried by
 * the link layer already; retrying them here too would multiply its bound. */
enum { CORE_ATTEMPTS = 3 };

static swdf_err save_core(swdf__flash_session *s) {
  swdf_err err = SWDF_OK;
  for (int attempt = 0; attempt < CORE_ATTEMPTS; attempt++) {
    err = swdf__core_regs_read(s->saved_regs, s->t, saved_reg_numbers, SWDF__SAVED_REGS);
    if (err != SWDF_ERR_USB) {
      break;
    }
  }
  s->regs_saved = err == SWDF_OK;
  return err;
}

static swdf_err restore_core(swdf__flash_session *s) {
  for (size_t i = 0; i < SWDF__SAVED_REGS; i++) {
    swdf_err err = SWDF_OK;
    for (int attempt = 0; attempt < CORE_ATTEMPTS; attempt++) {
      err = swdf__core_reg_write(s->t, saved_reg_numbers[i], s->saved_regs[i]);
      if (err != SWDF_ERR_USB) {
        break;
      }
    }
    if (err != SWDF_OK) {
      return err;
    }
  }
  return SWDF_OK;
}

static swdf_err start_backend(swdf__flash_session *s, swdf_flash_method method) {
  bool use_loader = method != SWDF_FLASH_REGISTERS;
  if (use_loader && !swdf__loader_fits(s)) {
    if (method == SWDF_FLASH_LOADER) {
      return swdf__fail(s->ctx, SWDF_ERR_UNSUPPORTED, "use the register method",
                        "%s: %u bytes of SRAM are too few for the flash loader", s->chip->name,
                        (unsigned)s->ctl.ram_size);
    }
    swdf__log(s->ctx, SWDF_LOG_INFO,
              "too little SRAM for the flash loader: writing through "
              "the flash registers (slow)");
    use_loader = false;
  }
  if (use_loader) {
    s->backend = &swdf__loader_backend;
    swdf_err err = s->backend->start(s);
    if (err != SWDF_OK && err != SWDF_ERR_CANCELLED) {
      /* Once more, in case the link hiccupped (the core is halted again first). */
      swdf__log(s->ctx, SWDF_LOG_DEBUG, "starting the flash loader failed (%s), trying again",
                swdf_ctx_errmsg(s->ctx));
      s->backend->stop(s);
      free(s->backend_state);
      s->backend_state = NULL;
      swdf__clear_error(s->ctx);
      err = s->backend->start(s);
    }
    if (err == SWDF_OK || method == SWDF_FLASH_LOADER) {
      return err;
    }
    s->backend->stop(s);
    free(s->backend_state);
    s->backend_state = NULL;
    swdf__log(s->ctx, SWDF_LOG_WARN,
              "the flash loader did not start (%s): writing through the flash registers (slow)",
              swdf_ctx_errmsg(s->ctx));
    swdf__clear_error(s->ctx);
  }
  s->backend = &swdf__register_backend;
  return s->backend->start(s);
}

/* Under read protection nothing can read or change the flash from a
 * debugger or from SRAM (RM0008 section 2.3.x, RM0090 section 3.7.3): say so
 * before a loader would fault on its first read. */
static swdf_err check_not_read_protected(swdf_target *t) {
  const swdf_chip *chip = swdf__target_chip(t);
  uint32_t value = 0;
  if (chip->rdp.reg == 0 || swdf__read32(&value, t, chip->rdp.reg) != SWDF_OK) {
    return SWDF_OK; /* unknown: the flash job will say what fails */
  }
  int level = swdf_chip_rdp_level(chip, value, NULL);
  if (level <= 0) {
    return SWDF_OK;
  }
  return swdf__fail(swdf__target_ctx(t), SWDF_ERR_READ_PROTECTED,
                    level >= 2 ? "level 2 is permanent: the chip cannot be reprogrammed over SWD"
                               : "'swdflash unlock' removes it, erasing the whole flash",
                    "%s: flash read protection level %d is active; the flash cannot be written "
                    "through the debug port",
                    chip->name, level);
}

swdf_err swdf__session_open_with(swdf__flash_session **out, swdf_target *t,
                                 swdf_flash_method method, swdf__session_early_fn early,
                                 void *user) {
  *out = NULL;
  const swdf__family *family = swdf__family_for(t);
  if (family == NULL) {
    return swdf_ctx_last_error(swdf__target_ctx(t));
  }
  swdf_err protected_err = check_not_read_protected(t);
  if (protected_err != SWDF_OK) {
    return protected_err;
  }
  swdf__flash_session *s = calloc(1, sizeof(*s));
  if (s == NULL) {
    return swdf__fail(swdf__target_ctx(t), SWDF_ERR_NO_MEMORY, NULL, "out of memory");
  }
  s->t = t;
  s->ctx = swdf__target_ctx(t);
  s->chip = swdf__target_chip(t);
  s->layout = swdf__target_flash_layout(t);
  s->family = family;
  s->cpu_hz = family->reset_clock_hz != 0 ? family->reset_clock_hz : 8000000u;
  swdf_crc32_tables_init(s->crc_tables);
  swdf_err err = swdf__core_halt(t);
  if (err == SWDF_OK) {
    err = family->describe(&s->ctl, t);
  }
  if (err == SWDF_OK) {
    ctl_defaults(&s->ctl, s->chip);
  }
  if (err == SWDF_OK && s->ctl.width_note[0] != '\0') {
    swdf__log(s->ctx, SWDF_LOG_INFO, "%s", s->ctl.width_note);
  }
  if (err == SWDF_OK) {
    s->unlocked = true; /* from the first key on: lock again when closing */
    err = unlock(s);
  }
  /* Flash-register work started here runs on while the rest is set up. */
  if (err == SWDF_OK && early != NULL) {
    err = early(s, user);
  }
  if (err == SWDF_OK) {
    err = save_core(s);
  }
  if (err == SWDF_OK && family->prepare != NULL) {
    err = family->prepare(t, &s->family_saved);
  }
  s->prepared = err == SWDF_OK;
  if (err == SWDF_OK && family->boost != NULL) {
    err = family->boost(t, &s->clock_saved, &s->cpu_hz);
    if (s->clock_saved.boosted) {
      swdf__log(s->ctx, SWDF_LOG_DEBUG, "core clock raised to %u MHz for the job",
                (unsigned)(s->cpu_hz / 1000000));
    }
  }
  if (err == SWDF_OK) {
    err = start_backend(s, method);
  }
  if (err != SWDF_OK) {
    s->backend = NULL;
    swdf__session_close(s, true, false);
    return err;
  }
  *out = s;
  return SWDF_OK;
}

swdf_err swdf__session_open(swdf__flash_session **out, swdf_target *t, swdf_flash_method method) {
  return swdf__session_open_with(out, t, method, NULL, NULL);
}

swdf_err swdf__session_close(swdf__flash_session *s, bool failed, bool run_after) {
  if (s == NULL) {
    return SWDF_OK;
  }
  /* Keep the job's error message: closing is best effort after a failure. */
  char msg[SWDF_MSG_MAX], hint[SWDF_MSG_MAX];
  swdf_err job_err = swdf_ctx_last_error(s->ctx);
  snprintf(msg, sizeof(msg), "%s", swdf_ctx_errmsg(s->ctx));
  snprintf(hint, sizeof(hint), "%s", swdf_ctx_hint(s->ctx));
  if (s->backend != NULL) {
    s->backend->stop(s);
  }
  swdf_err err = SWDF_OK;
  if (!failed && s->family->after_write != NULL && s->erase_done + s->program_done > 0) {
    /* The flash changed: let the family make the next reset see it (G0 EMPTY flag). */
    char note[SWDF_MSG_MAX] = "";
    err = s->family->after_write(s->t, note, sizeof(note));
    if (note[0] != '\0') {
      swdf__log(s->ctx, SWDF_LOG_INFO, "%s", note);
    }
  }
  if (s->unlocked) {
    lock(s);
  }
  if (s->prepared) {
    if (s->family->unboost != NULL) {
      err = s->family->unboost(s->t, &s->clock_saved);
    }
    if (s->family->finish != NULL) {
      swdf_err e = s->family->finish(s->t, s->family_saved);
      err = err != SWDF_OK ? err : e;
    }
  }
  if (run_after && !failed) {
    swdf_err e = swdf__target_reset(s->t, SWDF_RESET_HARD);
    err = err != SWDF_OK ? err : e;
  } else if (s->regs_saved) {
    swdf_err e = restore_core(s);
    err = err != SWDF_OK ? err : e;
  }
  swdf_ctx *ctx = s->ctx;
  free(s->backend_state);
  free(s);
  if (failed) {
    return swdf__fail(ctx, job_err, hint[0] != '\0' ? hint : NULL, "%s", msg);
  }
  return err;
}

swdf_err swdf__session_progress(swdf__flash_session *s, swdf__op_kind kind, uint64_t bytes) {
  if (kind == SWDF__OP_ERASE) {
    s->erase_done += bytes;
    return swdf__progress(s->ctx, SWDF_PHASE_ERASE, s->erase_done, s->erase_total);
  }
  if (kind == SWDF__OP_PROGRAM) {
    s->program_done += bytes;
    return swdf__progress(s->ctx, SWDF_PHASE_PROGRAM, s->program_done, s->program_total);
  }
  return SWDF_OK;
}

swdf_err swdf__session_flash_error(swdf__flash_session *s, uint32_t sr, uint32_t addr,
                                   const char *doing) {
  for (size_t i = 0; i < s->ctl.error_bit_count; i++) {
    const swdf__flash_error_bit *e = &s->ctl.error_bits[i];
    if ((sr & e->mask) == 0) {
      continue;
    }
    const char *hint = e->err == SWDF_ERR_WRITE_PROTECTED
                           ? "remove the write protection with 'swdflash unlock' (or change the "
                             "option bytes), then write again"
                           : "run the write again; if it fails at the same address, the flash may "
                             "be worn out or the part may be a clone with other rules";
    return swdf__fail(s->ctx, e->err, hint, "%s 0x%08x failed: %s (%s; FLASH_SR 0x%08x)", doing,
                      (unsigned)addr, e->cause, e->name, (unsigned)sr);
  }
  return swdf__fail(s->ctx, SWDF_ERR_FLASH, NULL, "%s 0x%08x failed (FLASH_SR 0x%08x)", doing,
                    (unsigned)addr, (unsigned)sr);
}
