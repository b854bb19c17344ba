/*
 * Attaching to the target: the connect modes, NRST detection, disconnect
 * and re-attach (docs/stlink-protocol.md section 7 for the sequences other
 * tools use).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adi/adi.h"

enum {
  DEFAULT_KHZ_V2 = 4000,
  LOW_VOLTAGE_MV = 1000,     /* below this the target is unpowered or VCC sense is open */
  UNDER_RESET_HALT_US = 100000,
};

/* ---- accessors for the layers above ------------------------------------ */

swdf_ctx *swdf__target_ctx(const swdf_target *t) { return t->ctx; }
const swdf_chip *swdf__target_chip(const swdf_target *t) { return t->chip; }
const swdf_flash_layout *swdf__target_flash_layout(const swdf_target *t) { return &t->layout; }
const swdf_probe_limits *swdf__target_limits(const swdf_target *t) { return &t->limits; }
int swdf__target_nrst_wired(const swdf_target *t) { return t->nrst_wired; }

swdf_err swdf__target_voltage(uint32_t *mv, swdf_target *t) {
  return swdf__stlink_target_voltage(mv, t->st);
}

/* ---- entering SWD ------------------------------------------------------- */

static void init_limits(swdf_target *t) {
  swdf_stlink *st = t->st;
  t->limits.kind = st->kind;
  t->limits.jtag_version = st->version.jtag;
  t->limits.max_rw32 = STLINK_MAX_RW32;
  t->limits.max_rw16 = (st->features & STLINK_F_MEM16) != 0 ? STLINK_MAX_RW32 : 0;
  t->limits.max_rw8 = st->max_rw8;
  t->limits.tar_block = STLINK_TAR_BLOCK;
  t->limits.usb_packet = st->usb->max_packet_in;
}

static bool no_target_idcode(uint32_t idcode) { return idcode == 0 || idcode == 0xFFFFFFFFu; }

/* ENTER SWD and read the DP IDCODE; `under_reset` pulls NRST low around it. */
static swdf_err enter(swdf_target *t, bool under_reset) {
  swdf_stlink *st = t->st;
  if (st->in_debug) {
    swdf__stlink_exit_debug(st);
  }
  if (under_reset) {
    /* Before choosing SWD the pin state is ambiguous on some firmware: the
     * answer is ignored (openocd stlink_usb_init_mode; docs/stlink-protocol.md
     * section 7). */
    swdf_err err = swdf__stlink_drive_nrst(st, STLINK_NRST_LOW, false);
    if (err != SWDF_OK) {
      return err;
    }
  }
  swdf_err err = swdf__stlink_set_freq(st, t->limits.freq_khz);
  if (err == SWDF_OK) {
    t->limits.freq_khz = st->freq_khz;
    err = swdf__stlink_enter_swd(st);
  }
  if (err == SWDF_OK && under_reset) {
    err = swdf__stlink_drive_nrst(st, STLINK_NRST_LOW, true);
  }
  uint32_t idcode = 0;
  if (err == SWDF_OK) {
    err = swdf__stlink_read_idcode(&idcode, st);
  }
  if (err == SWDF_OK && no_target_idcode(idcode)) {
    err = swdf__fail(t->ctx, SWDF_ERR_NO_TARGET, NULL, "the SW-DP IDCODE reads 0x%08X", idcode);
  }
  if (err == SWDF_OK) {
    err = swdf__stlink_init_ap0(st);
  }
  if (err == SWDF_OK) {
    t->ids.dp_idcode = idcode;
  } else if (err == SWDF_ERR_NO_TARGET) {
    swdf__prefix_error(t->ctx, "no answer on SWD");
  }
  return err;
}

/* No answer, or a garbled one: once more at the same clock (a glitch), then
 * at slower clocks (a marginal wire), saying so when that helps. */
static swdf_err enter_stepping_down(swdf_target *t, bool under_reset) {
  swdf_err err = enter(t, under_reset);
  for (int step = 0; step < 3 && (err == SWDF_ERR_NO_TARGET || err == SWDF_ERR_SWD); step++) {
    uint32_t before = t->limits.freq_khz;
    if (step > 0) {
      /* Two table steps down at a time: a marginal wire needs a real change. */
      uint32_t slower = swdf__stlink_slower_freq(t->st, t->limits.freq_khz);
      uint32_t slowest = slower != 0 ? swdf__stlink_slower_freq(t->st, slower) : 0;
      slower = slowest != 0 ? slowest : slower;
      if (slower == 0) {
        break;
      }
      swdf__log(t->ctx, SWDF_LOG_INFO, "no answer on SWD at %u kHz; trying %u kHz", before,
                slower);
      t->limits.freq_khz = slower;
    }
    err = enter(t, under_reset);
    if (err == SWDF_OK && step > 0) {
      swdf__log(t->ctx, SWDF_LOG_WARN,
                "the target answers at %u kHz only: check the SWD wiring (short wires, GND)",
                t->limits.freq_khz);
    }
  }
  return err;
}

/* ---- the modes ------------------------------------------------------------ */

static swdf_err attach_running(swdf_target *t, bool halt) {
  swdf_err err = enter_stepping_down(t, false);
  if (err != SWDF_OK) {
    return err;
  }
  if (!halt) {
    return SWDF_OK;
  }
  uint32_t dhcsr = 0;
  err = swdf__dhcsr_read(&dhcsr, t);
  if (err == SWDF_OK && (dhcsr & DHCSR_S_HALT) != 0) {
    t->halted_by_user = true; /* someone else halted it: leave it so */
    return SWDF_OK;
  }
  if (err == SWDF_OK && (dhcsr & DHCSR_S_LOCKUP) != 0) {
    err = swdf__core_halt_locked_up(t, false);
  } else if (err == SWDF_OK) {
    err = swdf__core_halt(t);
  }
  if (err == SWDF_OK) {
    t->halted_by_connect = true;
  }
  return err;
}

static swdf_err nrst_unconnected(swdf_target *t) {
  t->nrst_wired = 0;
  return swdf__fail(t->ctx, SWDF_ERR_NRST,
                    "wire the probe's NRST (RST) pin to the board's reset pin; or, if the "
                    "firmware leaves SWD on, use --connect normal",
                    "NRST seems unconnected: the chip did not reset while the probe held NRST "
                    "low");
}

/*
 * Connect under reset: NRST held low while SWD is entered, vector catch set,
 * NRST released; the core must then stop at its reset vector, or lock up
 * there when it cannot fetch the vector (read protection with a debugger
 * attached) and be halted from lockup. Whether NRST is wired shows in
 * DHCSR: a core held in reset is not halted and reports S_RESET_ST (the
 * first read only clears a stale flag, e.g. from power-on), and after the
 * release the vector catch stops it. A core that never reset keeps running
 * past the catch (or stays locked up, if it was).
 */
static swdf_err prepare_vector_catch(bool *reset_flag, bool *halted, swdf_target *t) {
  uint32_t dhcsr = 0;
  swdf_err err = swdf__dhcsr_read(&dhcsr, t);
  if (err == SWDF_OK) {
    err = swdf__vector_catch(t, true);
  }
  if (err == SWDF_OK) {
    err = swdf__dhcsr_write(t, DHCSR_C_DEBUGEN); /* also drops a stale C_HALT */
  }
  if (err == SWDF_OK) {
    err = swdf__dhcsr_read(&dhcsr, t);
  }
  *reset_flag = err == SWDF_OK && (dhcsr & DHCSR_S_RESET_ST) != 0;
  *halted = err == SWDF_OK && (dhcsr & DHCSR_S_HALT) != 0;
  return err;
}

static swdf_err attach_under_reset(swdf_target *t) {
  swdf_err err = enter_stepping_down(t, true);
  if (err == SWDF_ERR_NO_TARGET) {
    swdf__set_hint(t->ctx, "nothing answers even with NRST held low: check the SWDIO, SWCLK "
                           "and GND wires and target power, and that NRST is wired (without "
                           "NRST, firmware that turns SWD off cannot be reached; a chip at "
                           "read protection level 2 never answers)");
  }
  if (err != SWDF_OK) {
    return err;
  }
  bool reset_flag = false;
  bool halted_in_reset = false;
  swdf_saved_error saved;
  swdf__save_error(&saved, t->ctx);
  /* Some chips refuse debug accesses while held in reset: then the catch is
   * set up after the release instead (halting early rather than exactly at
   * the reset vector). */
  bool prepared = prepare_vector_catch(&reset_flag, &halted_in_reset, t) == SWDF_OK;
  if (!prepared) {
    swdf__link_clear_errors(t, false);
  }
  swdf__restore_error(t->ctx, &saved);
  err = swdf__stlink_drive_nrst(t->st, STLINK_NRST_HIGH, true);
  if (err != SWDF_OK) {
    return err;
  }
  if (!prepared) {
    err = swdf__core_halt(t);
    if (err != SWDF_OK) {
      return err;
    }
  }
  swdf_deadline d;
  swdf__deadline_start(&d, UNDER_RESET_HALT_US);
  uint32_t dhcsr = 0;
  bool halted = false;
  bool locked_up = false;
  for (;;) {
    if (swdf__dhcsr_read(&dhcsr, t) == SWDF_OK) {
      reset_flag = reset_flag || (dhcsr & DHCSR_S_RESET_ST) != 0;
      halted = (dhcsr & DHCSR_S_HALT) != 0;
      locked_up = !halted && (dhcsr & DHCSR_S_LOCKUP) != 0;
    }
    /* Locked up after a reset seen: it will not reach the catch. */
    if (halted || (locked_up && reset_flag) || swdf__deadline_passed(&d)) {
      break;
    }
    swdf__deadline_sleep(&d);
  }
  swdf__vector_catch(t, false);
  bool caught = prepared && halted;
  if (halted_in_reset || !(reset_flag || caught || !prepared)) {
    return nrst_unconnected(t);
  }
  t->nrst_wired = 1;
  if (locked_up) {
    err = swdf__core_halt_locked_up(t, true);
    if (err != SWDF_OK) {
      return err;
    }
    halted = true;
  }
  if (!halted) {
    return swdf__fail(t->ctx, SWDF_ERR_HALT, NULL,
                      "the core did not stop at its reset vector after NRST was released "
                      "(DHCSR 0x%08X)", dhcsr);
  }
  t->halted_by_connect = true;
  return SWDF_OK;
}

static swdf_err attach(swdf_target *t, swdf_connect_mode mode) {
  switch (mode) {
  case SWDF_CONNECT_NORMAL: return attach_running(t, true);
  case SWDF_CONNECT_HOT_PLUG: return attach_running(t, false);
  case SWDF_CONNECT_UNDER_RESET: return attach_under_reset(t);
  default: return swdf__fail(t->ctx, SWDF_ERR_INVALID_ARG, NULL, "bad connect mode %d", (int)mode);
  }
}

/* Failures that another connect mode may cure (not USB or probe trouble). */
static bool target_side(swdf_err err) {
  return err == SWDF_ERR_NO_TARGET || err == SWDF_ERR_SWD || err == SWDF_ERR_WAIT ||
         err == SWDF_ERR_HALT || err == SWDF_ERR_MEM_FAULT;
}

static swdf_err attach_auto(swdf_target *t) {
  uint32_t freq = t->limits.freq_khz;
  swdf_err err = attach(t, SWDF_CONNECT_NORMAL);
  if (err != SWDF_OK && err != SWDF_ERR_NO_TARGET && target_side(err)) {
    /* Something answered but the attach failed: a glitch is more likely
     * than firmware in the way, so try once more before resetting the chip
     * (no answer at all was already retried at slower clocks). */
    swdf__log(t->ctx, SWDF_LOG_INFO, "normal connect failed (%s); trying again",
              swdf_ctx_errmsg(t->ctx));
    t->limits.freq_khz = freq;
    err = attach(t, SWDF_CONNECT_NORMAL);
  }
  if (err == SWDF_OK) {
    t->mode_used = SWDF_CONNECT_NORMAL;
    return SWDF_OK;
  }
  if (!target_side(err)) {
    return err;
  }
  char first[SWDF_MSG_MAX];
  snprintf(first, sizeof(first), "%s", swdf_ctx_errmsg(t->ctx));
  swdf__log(t->ctx, SWDF_LOG_INFO, "normal connect failed (%s); trying under reset", first);
  t->limits.freq_khz = freq;
  swdf_err second = attach(t, SWDF_CONNECT_UNDER_RESET);
  if (second == SWDF_OK) {
    t->mode_used = SWDF_CONNECT_UNDER_RESET;
    snprintf(t->connect_note, sizeof(t->connect_note),
             "normal connect failed (%s); connected under reset: keep NRST wired for this "
             "board", err == SWDF_ERR_NO_TARGET ? "no answer on SWD" : swdf_strerror(err));
    swdf__log(t->ctx, SWDF_LOG_WARN, "%s", t->connect_note);
    return SWDF_OK;
  }
  swdf__prefix_error(t->ctx, "normal connect: %s; under reset", first);
  if (second == SWDF_ERR_NRST) {
    swdf__set_hint(t->ctx, "the target does not answer on SWD and NRST seems unconnected: "
                           "check the SWDIO/SWCLK/GND wires and wire NRST (the firmware may "
                           "disable SWD; under reset it cannot)");
  }
  return second;
}

/* ---- the public entry points -------------------------------------------- */

static swdf_err voltage_check(swdf_target *t, swdf_err err, uint32_t mv) {
  if ((t->st->features & STLINK_F_TARGET_VOLTAGE) == 0 || mv >= LOW_VOLTAGE_MV ||
      !(target_side(err) || err == SWDF_ERR_NRST)) {
    return err;
  }
  char old[SWDF_MSG_MAX];
  snprintf(old, sizeof(old), "%s", swdf_ctx_errmsg(t->ctx));
  return swdf__fail(t->ctx, SWDF_ERR_TARGET_POWER,
                    "the target looks unpowered (or the probe's VCC/VAPP sense pin is not wired "
                    "to the target's 3.3 V): power the board and connect VCC",
                    "target voltage %u.%02u V (%s)", mv / 1000, mv % 1000 / 10, old);
}

/* A V3 lists its clocks (fastest first): its fastest; wire trouble steps
 * down from there (link.c). */
static uint32_t default_freq(const swdf_stlink *st) {
  if ((st->features & STLINK_F_COM_FREQ) != 0 && st->freq_count > 0) {
    return st->freqs[0];
  }
  return DEFAULT_KHZ_V2;
}

static swdf_err connect(swdf_target *t, swdf_connect_mode mode) {
  uint32_t mv = 0;
  swdf_err err = swdf__stlink_target_voltage(&mv, t->st);
  if (err != SWDF_OK) {
    return err;
  }
  t->connect_mv = mv;
  t->power_lost = false;
  if (mode == SWDF_CONNECT_AUTO) {
    err = attach_auto(t);
  } else {
    err = attach(t, mode);
    t->mode_used = mode;
  }
  if (err == SWDF_OK) {
    err = swdf__identify(t);
  }
  if (err == SWDF_OK && t->mode_used != SWDF_CONNECT_HOT_PLUG) {
    err = swdf__apply_debug_config(t);
  }
  if (err == SWDF_OK && mv < LOW_VOLTAGE_MV && (t->st->features & STLINK_F_TARGET_VOLTAGE) != 0) {
    swdf__log(t->ctx, SWDF_LOG_WARN,
              "the probe measures %u.%02u V on its target voltage pin: VCC sense not wired?",
              mv / 1000, mv % 1000 / 10);
  }
  return voltage_check(t, err, mv);
}

/* After a failed connect: leave the chip as it was found, as far as the link
 * still allows (NRST released, the core running if we stopped it). */
static void abandon(swdf_target *t) {
  swdf_saved_error saved;
  swdf__save_error(&saved, t->ctx);
  if (!t->st->usb->gone) {
    swdf__stlink_drive_nrst(t->st, STLINK_NRST_HIGH, false);
    if (t->st->in_debug && t->vector_catch_set) {
      swdf__vector_catch(t, false);
    }
    if (t->st->in_debug && t->halted_by_connect) {
      swdf__write32(t, DHCSR_ADDR, DHCSR_DBGKEY);
    }
    if (t->st->in_debug) {
      swdf__stlink_exit_debug(t->st);
    }
  }
  swdf__restore_error(t->ctx, &saved);
  free(t);
}

swdf_err swdf_target_connect(swdf_target **out, swdf_probe *probe, const swdf_connect_opts *opts) {
  if (out == NULL || probe == NULL) {
    return SWDF_ERR_INVALID_ARG;
  }
  *out = NULL;
  swdf_ctx *ctx = probe->ctx;
  swdf__clear_error(ctx);
  swdf_connect_opts o = SWDF_CONNECT_OPTS_INIT;
  swdf_err verr =
      swdf__versioned_in(&o, sizeof(o), opts, SWDF__MIN_CONNECT_OPTS, ctx, "swdf_connect_opts");
  if (verr != SWDF_OK) {
    return verr;
  }
  if (probe->target != NULL) {
    return swdf__fail(ctx, SWDF_ERR_INVALID_ARG, "disconnect the previous target first",
                      "the probe is already connected to a target");
  }
  swdf_target *t = calloc(1, sizeof(*t));
  if (t == NULL) {
    return swdf__fail(ctx, SWDF_ERR_NO_MEMORY, NULL, "out of memory");
  }
  t->ctx = ctx;
  t->probe = probe;
  t->st = probe->st;
  t->nrst_wired = -1;
  init_limits(t);
  t->freq_wanted_khz = o.freq_khz != 0 ? o.freq_khz : default_freq(t->st);
  t->limits.freq_khz = swdf__stlink_pick_freq(t->st, t->freq_wanted_khz);
  swdf_err err = connect(t, o.mode);
  if (err != SWDF_OK) {
    abandon(t);
    return err;
  }
  swdf__log(ctx, SWDF_LOG_DEBUG, "connected (%s) at %u kHz", swdf_connect_mode_name(t->mode_used),
            t->limits.freq_khz);
  probe->target = t;
  *out = t;
  return SWDF_OK;
}

void swdf_target_disconnect(swdf_target *t) {
  if (t == NULL) {
    return;
  }
  swdf_saved_error saved;
  swdf__save_error(&saved, t->ctx);
  if (!t->st->usb->gone && !t->power_lost) {
    if (t->vector_catch_set) {
      swdf__vector_catch(t, false);
    }
    if (t->halted_by_connect && !t->halted_by_user &&
        swdf__write32(t, DHCSR_ADDR, DHCSR_DBGKEY) != SWDF_OK && !t->st->usb->gone) {
      /* Release the core entirely: debug off, as if never attached. A
       * glitch must not leave the user's firmware stopped: once more. */
      swdf__link_clear_errors(t, true);
      if (swdf__write32(t, DHCSR_ADDR, DHCSR_DBGKEY) != SWDF_OK) {
        swdf__log(t->ctx, SWDF_LOG_WARN, "could not let the core run again: %s; reset the "
                                         "board to restart its firmware",
                  swdf_ctx_errmsg(t->ctx));
      }
    }
    swdf__stlink_exit_debug(t->st);
  }
  swdf__restore_error(t->ctx, &saved);
  t->probe->target = NULL;
  free(t);
}

swdf_err swdf__target_reattach(swdf_target *t, bool halt) {
  uint32_t old_dp = t->ids.dp_idcode;
  swdf_err err;
  if (halt && t->nrst_wired == 1) {
    err = attach_under_reset(t);
  } else {
    err = enter_stepping_down(t, false);
    if (err == SWDF_OK && halt) {
      err = swdf__core_halt(t);
      t->halted_by_connect = err == SWDF_OK;
    }
  }
  if (err == SWDF_OK && t->ids.dp_idcode != old_dp) {
    return swdf__fail(t->ctx, SWDF_ERR_NO_TARGET, "reconnect and run the command again",
                      "a different chip answers after re-attaching (SW-DP IDCODE 0x%08X, was "
                      "0x%08X)", t->ids.dp_idcode, old_dp);
  }
  if (err == SWDF_OK && t->mode_used != SWDF_CONNECT_HOT_PLUG) {
    err = swdf__apply_debug_config(t);
  }
  if (err != SWDF_OK) {
    swdf__prefix_error(t->ctx, "re-attaching after a reset");
  }
  return err;
}
