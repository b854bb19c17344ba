/*
 * The SWD link: entering SWD, clearing sticky errors, the retry policy and
 * stepping the SWD clock down when the wire misbehaves.
 */
#include <stdio.h>

#include "adi/adi.h"
#include "deadline.h"

enum {
  WIRE_RETRIES = 4,        /* attempts after a wire-level error */
  WIRE_ERRORS_TO_SLOW = 2, /* consecutive wire errors before slowing the clock */
  WAIT_PAUSE_MAX_US = 128000,
  /* Below this the board has no supply (the probe's sense pin reads
   * nothing); a marginal wire never drops the measured voltage. */
  POWER_LOST_MV = 1000,
};

bool swdf__target_power_lost(swdf_target *t, uint32_t *mv) {
  *mv = 0;
  /* A board measured unpowered while it answered (VCC sense not wired)
   * tells nothing. */
  if ((t->st->features & STLINK_F_TARGET_VOLTAGE) == 0 || t->st->usb->gone ||
      t->connect_mv < POWER_LOST_MV) {
    return false;
  }
  swdf_saved_error saved;
  swdf__save_error(&saved, t->ctx);
  bool lost = swdf__stlink_target_voltage(mv, t->st) == SWDF_OK && *mv < POWER_LOST_MV;
  swdf__restore_error(t->ctx, &saved);
  if (lost) {
    t->power_lost = true;
    t->power_lost_mv = *mv;
  }
  return lost;
}

/* Wire errors with the supply gone are not the wire's fault: stepping the
 * clock down would not help, and saying so would send the user to the
 * wrong place. */
static bool supply_gone(swdf_target *t) {
  uint32_t mv = 0;
  return swdf__target_power_lost(t, &mv);
}

swdf_err swdf__link_restart(swdf_target *t) {
  swdf_stlink *st = t->st;
  swdf_err err = swdf__stlink_exit_debug(st);
  if (err == SWDF_OK) {
    err = swdf__stlink_set_freq(st, t->limits.freq_khz);
  }
  if (err == SWDF_OK) {
    err = swdf__stlink_enter_swd(st);
  }
  if (err == SWDF_OK) {
    err = swdf__stlink_init_ap0(st);
  }
  t->limits.freq_khz = st->freq_khz;
  return err;
}

void swdf__link_clear_errors(swdf_target *t, bool dap_abort) {
  swdf_saved_error saved;
  swdf__save_error(&saved, t->ctx);
  swdf_err err = SWDF_ERR_PROBE_FIRMWARE;
  if ((t->st->features & STLINK_F_DAP_REG) != 0) {
    uint32_t abort_bits = DP_ABORT_CLEAR_STICKY | (dap_abort ? DP_ABORT_DAPABORT : 0);
    err = swdf__stlink_write_dap(t->st, STLINK_DP_PORT, DP_ABORT, abort_bits);
  }
  if (err != SWDF_OK && !t->st->usb->gone) {
    /* Firmware without DP register access, or a DP that did not take the
     * write: entering SWD again powers the debug port up afresh. */
    swdf__link_restart(t);
  }
  swdf__restore_error(t->ctx, &saved);
}

static void slow_down(swdf_target *t, uint8_t status) {
  uint32_t slower = swdf__stlink_slower_freq(t->st, t->limits.freq_khz);
  if (slower == 0) {
    return;
  }
  swdf__log(t->ctx, SWDF_LOG_WARN,
            "repeated SWD errors at %u kHz (%s): slowing the SWD clock down to %u kHz",
            t->limits.freq_khz, swdf__stlink_status_name(status), slower);
  t->limits.freq_khz = slower;
  t->wire_errors = 0;
  swdf_saved_error saved;
  swdf__save_error(&saved, t->ctx);
  swdf__link_restart(t);
  swdf__restore_error(t->ctx, &saved);
}

bool swdf__link_should_retry(swdf_target *t, uint8_t status, unsigned attempt) {
  switch (swdf__stlink_status_class(status)) {
  case STLINK_CLASS_WAIT: {
    if (attempt >= STLINK_WAIT_RETRIES) {
      return false;
    }
    swdf__link_clear_errors(t, true);
    uint32_t pause = 1000u << (attempt < 7 ? attempt : 7);
    swdf__sleep_us(pause < WAIT_PAUSE_MAX_US ? pause : WAIT_PAUSE_MAX_US);
    t->st->wait_retries++;
    return true;
  }
  case STLINK_CLASS_WIRE:
  case STLINK_CLASS_NO_TARGET: {
    t->wire_errors++;
    bool final =
        swdf__stlink_status_class(status) == STLINK_CLASS_NO_TARGET || attempt >= WIRE_RETRIES;
    /* Before the clock is stepped down or the error is final: is it the
     * supply rather than the wire? */
    if (t->power_lost ||
        ((final || t->wire_errors >= WIRE_ERRORS_TO_SLOW) && supply_gone(t))) {
      return false;
    }
    if (final) {
      return false;
    }
    swdf__link_clear_errors(t, false);
    if (t->wire_errors >= WIRE_ERRORS_TO_SLOW) {
      slow_down(t, status);
    }
    return true;
  }
  default:
    return false;
  }
}

swdf_err swdf__link_retry(swdf_target *t, swdf_link_attempt fn, void *arg) {
  swdf_deadline d;
  swdf__deadline_start(&d, SWDF_LINK_RETRY_DEADLINE_US);
  for (unsigned attempt = 0;; attempt++) {
    swdf_err err = fn(t, arg);
    if (err == SWDF_OK) {
      t->wire_errors = 0;
      return SWDF_OK;
    }
    uint8_t status = t->st->last_status;
    if (status == 0 || status == STLINK_OK) {
      return err; /* USB or argument error: nothing to retry at this level */
    }
    if (swdf__deadline_passed(&d) || !swdf__link_should_retry(t, status, attempt)) {
      if (swdf__stlink_status_class(status) == STLINK_CLASS_FAULT) {
        swdf__link_clear_errors(t, false);
      }
      if (t->power_lost) {
        char old[SWDF_MSG_MAX];
        snprintf(old, sizeof(old), "%s", swdf_ctx_errmsg(t->ctx));
        return swdf__fail(t->ctx, SWDF_ERR_TARGET_POWER,
                          "power the board again; the wiring and the SWD clock are not the "
                          "problem",
                          "%s: the board lost power (the probe measures %u.%02u V on its target "
                          "voltage pin)",
                          old, (unsigned)(t->power_lost_mv / 1000),
                          (unsigned)(t->power_lost_mv % 1000 / 10));
      }
      return err;
    }
  }
}
