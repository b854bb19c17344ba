/*
 * Cortex-M core control through the debug registers (ARMv7-M ARM C1.6,
 * ARMv6-M ARM C1.6): halt, run, step, registers, code start, resets.
 */
#include <stdio.h>

#include "adi/adi.h"

enum {
  HALT_TIMEOUT_US = 100000,   /* a core halts within a few cycles; allow for slow clocks */
  REGRDY_TIMEOUT_US = 50000,
  RESET_TIMEOUT_US = 200000,  /* reset release to first instruction: POR delay, clock start */
  NRST_PULSE_US = 2000,       /* NRST minimum pulse is 20 us (datasheets); be generous */
  PROBE_REG_LAST = 18,        /* READREG/WRITEREG cover R0-R15, xPSR, MSP, PSP */
  XPSR_THUMB = 1u << 24,
};

swdf_err swdf__dhcsr_read(uint32_t *dhcsr, swdf_target *t) {
  return swdf__read32(dhcsr, t, DHCSR_ADDR);
}

swdf_err swdf__dhcsr_write(swdf_target *t, uint32_t control_bits) {
  return swdf__write32(t, DHCSR_ADDR, DHCSR_DBGKEY | (control_bits & 0xFFFF));
}

swdf_err swdf__vector_catch(swdf_target *t, bool enable) {
  swdf_err err = swdf__modify32(t, DEMCR_ADDR, enable ? 0 : DEMCR_VC_CORERESET,
                                enable ? DEMCR_VC_CORERESET : 0);
  if (err == SWDF_OK) {
    t->vector_catch_set = enable;
  }
  return err;
}

/* SWDF_ERR_TIMEOUT only when the deadline passed (USB errors pass through). */
static swdf_err wait_dhcsr(uint32_t *dhcsr, swdf_target *t, uint32_t mask, uint64_t timeout_us,
                           const char *what) {
  swdf_err err = swdf__poll32(dhcsr, t, DHCSR_ADDR, mask, mask, timeout_us);
  if (err == SWDF_ERR_TIMEOUT && !swdf__usb_error(t, err)) {
    swdf__prefix_error(t->ctx, "%s", what);
  }
  return err;
}

static bool deadline_passed(swdf_target *t, swdf_err err) {
  return err == SWDF_ERR_TIMEOUT && !swdf__usb_error(t, err);
}

swdf_err swdf__core_halt(swdf_target *t) {
  swdf_err err = swdf__dhcsr_write(t, DHCSR_C_DEBUGEN | DHCSR_C_HALT);
  uint32_t dhcsr = 0;
  if (err == SWDF_OK) {
    err = wait_dhcsr(&dhcsr, t, DHCSR_S_HALT, HALT_TIMEOUT_US, "halting the core");
  }
  if (deadline_passed(t, err)) {
    return swdf__fail(t->ctx, SWDF_ERR_HALT,
                      "the core may be held in reset; try --connect under-reset",
                      "the core did not halt (DHCSR 0x%08X)", dhcsr);
  }
  return err;
}

swdf_err swdf__core_halt_locked_up(swdf_target *t, bool at_reset) {
  swdf__log(t->ctx, SWDF_LOG_WARN,
            "the core %s: read protection keeps it from reading the flash while a debugger is "
            "attached, or the vector table at the start of flash is invalid (erased, no "
            "program)%s; halting it (memory, option bytes and unlock still work)",
            at_reset ? "locked up at reset" : "is locked up",
            at_reset ? "" : ", or the firmware faulted inside a fault handler");
  return swdf__core_halt(t);
}

swdf_err swdf__core_resume(swdf_target *t) {
  swdf_err err = swdf__dhcsr_write(t, DHCSR_C_DEBUGEN);
  if (err == SWDF_OK) {
    t->halted_by_user = false;
    t->halted_by_connect = false;
  }
  return err;
}

swdf_err swdf__core_is_halted(bool *halted, swdf_target *t) {
  uint32_t dhcsr = 0;
  swdf_err err = swdf__dhcsr_read(&dhcsr, t);
  *halted = (dhcsr & DHCSR_S_HALT) != 0;
  return err;
}

static swdf_err require_halted(swdf_target *t, const char *what) {
  bool halted = false;
  swdf_err err = swdf__core_is_halted(&halted, t);
  if (err == SWDF_OK && !halted) {
    return swdf__fail(t->ctx, SWDF_ERR_HALT, "halt the core first", "%s: the core is running",
                      what);
  }
  return err;
}

swdf_err swdf__core_step(swdf_target *t) {
  swdf_err err = require_halted(t, "stepping");
  /* C_MASKINTS may only change while halted: set it, step, restore. */
  if (err == SWDF_OK) {
    err = swdf__dhcsr_write(t, DHCSR_C_DEBUGEN | DHCSR_C_HALT | DHCSR_C_MASKINTS);
  }
  if (err == SWDF_OK) {
    err = swdf__dhcsr_write(t, DHCSR_C_DEBUGEN | DHCSR_C_STEP | DHCSR_C_MASKINTS);
  }
  uint32_t dhcsr;
  if (err == SWDF_OK) {
    err = wait_dhcsr(&dhcsr, t, DHCSR_S_HALT, HALT_TIMEOUT_US, "stepping");
  }
  if (err == SWDF_OK) {
    err = swdf__dhcsr_write(t, DHCSR_C_DEBUGEN | DHCSR_C_HALT);
  }
  return err;
}

/* ---- registers ----------------------------------------------------------- */

typedef struct reg_access {
  unsigned reg;
  uint32_t value;
} reg_access;

static swdf_err probe_read_reg(swdf_target *t, void *arg) {
  reg_access *r = arg;
  return swdf__stlink_read_reg(&r->value, t->st, (uint8_t)r->reg);
}

static swdf_err probe_write_reg(swdf_target *t, void *arg) {
  const reg_access *r = arg;
  return swdf__stlink_write_reg(t->st, (uint8_t)r->reg, r->value);
}

/* Other registers (CONTROL/PRIMASK = 20, FPSCR = 33, S0-S31 = 64-95) through
 * DCRSR/DCRDR, waiting for S_REGRDY. */
static swdf_err dcrsr_transfer(swdf_target *t, unsigned reg, uint32_t *value, bool write) {
  swdf_err err = SWDF_OK;
  if (write) {
    err = swdf__write32(t, DCRDR_ADDR, *value);
  }
  if (err == SWDF_OK) {
    err = swdf__write32(t, DCRSR_ADDR, (reg & 0x7F) | (write ? DCRSR_REGWNR : 0));
  }
  uint32_t dhcsr;
  if (err == SWDF_OK) {
    err = wait_dhcsr(&dhcsr, t, DHCSR_S_REGRDY, REGRDY_TIMEOUT_US, "core register transfer");
  }
  if (err == SWDF_OK && !write) {
    err = swdf__read32(value, t, DCRDR_ADDR);
  }
  return err;
}

static swdf_err check_reg(swdf_target *t, unsigned reg) {
  if (reg > 0x7F) {
    return swdf__fail(t->ctx, SWDF_ERR_INVALID_ARG, NULL, "no core register %u", reg);
  }
  return SWDF_OK;
}

swdf_err swdf__core_reg_read(uint32_t *value, swdf_target *t, unsigned reg) {
  swdf_err err = check_reg(t, reg);
  if (err != SWDF_OK) {
    return err;
  }
  if (reg > PROBE_REG_LAST) {
    return dcrsr_transfer(t, reg, value, false);
  }
  reg_access r = {reg, 0};
  err = swdf__link_retry(t, probe_read_reg, &r);
  *value = r.value;
  return err;
}

swdf_err swdf__core_reg_write(swdf_target *t, unsigned reg, uint32_t value) {
  swdf_err err = check_reg(t, reg);
  if (err != SWDF_OK) {
    return err;
  }
  if (reg > PROBE_REG_LAST) {
    return dcrsr_transfer(t, reg, &value, true);
  }
  reg_access r = {reg, value};
  return swdf__link_retry(t, probe_write_reg, &r);
}

swdf_err swdf__core_regs_read(uint32_t *values, swdf_target *t, const unsigned *regs,
                              size_t count) {
  for (size_t i = 0; i < count; i++) {
    swdf_err err = swdf__core_reg_read(&values[i], t, regs[i]);
    if (err != SWDF_OK) {
      return err;
    }
  }
  return SWDF_OK;
}

swdf_err swdf__core_start(swdf_target *t, const swdf_core_call *call) {
  if (call->arg_count > 8) {
    return swdf__fail(t->ctx, SWDF_ERR_INVALID_ARG, NULL, "at most 8 arguments in R0-R7");
  }
  swdf_err err = require_halted(t, "starting code");
  for (unsigned i = 0; i < call->arg_count && err == SWDF_OK; i++) {
    err = swdf__core_reg_write(t, i, call->args[i]);
  }
  if (err == SWDF_OK) {
    err = swdf__core_reg_write(t, SWDF_REG_MSP, call->sp);
  }
  if (err == SWDF_OK) {
    err = swdf__core_reg_write(t, SWDF_REG_SP, call->sp);
  }
  if (err == SWDF_OK && call->lr != 0) {
    err = swdf__core_reg_write(t, SWDF_REG_LR, call->lr | 1u);
  }
  if (err == SWDF_OK) {
    err = swdf__core_reg_write(t, SWDF_REG_XPSR, XPSR_THUMB);
  }
  if (err == SWDF_OK) {
    err = swdf__core_reg_write(t, SWDF_REG_PC, call->entry & ~1u);
  }
  uint32_t mask = call->mask_interrupts ? DHCSR_C_MASKINTS : 0;
  if (err == SWDF_OK) {
    err = swdf__dhcsr_write(t, DHCSR_C_DEBUGEN | DHCSR_C_HALT | mask);
  }
  if (err == SWDF_OK) {
    err = swdf__dhcsr_write(t, DHCSR_C_DEBUGEN | mask);
  }
  if (err != SWDF_OK) {
    swdf__prefix_error(t->ctx, "starting code at 0x%08X", call->entry);
  }
  return err;
}

swdf_err swdf__core_wait_halt(swdf_target *t, uint64_t timeout_us) {
  uint32_t dhcsr = 0;
  swdf_err err = swdf__poll32(&dhcsr, t, DHCSR_ADDR, DHCSR_S_HALT, DHCSR_S_HALT, timeout_us);
  if (!deadline_passed(t, err)) {
    return err;
  }
  /* Leave the core in a known state: stopped, and say where it was. */
  swdf_saved_error saved;
  swdf__save_error(&saved, t->ctx);
  uint32_t pc = 0;
  bool where = swdf__core_halt(t) == SWDF_OK && swdf__core_reg_read(&pc, t, SWDF_REG_PC) == SWDF_OK;
  swdf__restore_error(t->ctx, &saved);
  char at[32] = "";
  if (where) {
    snprintf(at, sizeof(at), "; halted it at PC 0x%08X", pc);
  }
  return swdf__fail(t->ctx, SWDF_ERR_TIMEOUT, NULL,
                    "code on the target did not finish within %llu ms%s",
                    (unsigned long long)(timeout_us / 1000), at);
}

/* ---- resets ------------------------------------------------------------ */

/* Read DHCSR until S_RESET_ST shows that a reset happened, and then until
 * the bits of `wait_mask` are set (or the core locked up instead: it will
 * not get there); `*last` gets the last value read. Accesses may fail while
 * the chip is in reset, which is expected. */
static bool reset_seen(swdf_target *t, uint64_t timeout_us, uint32_t wait_mask, uint32_t *last) {
  swdf_deadline d;
  swdf__deadline_start(&d, timeout_us);
  bool seen = false;
  swdf_saved_error saved;
  swdf__save_error(&saved, t->ctx);
  for (;;) {
    uint32_t dhcsr = 0;
    if (swdf__dhcsr_read(&dhcsr, t) == SWDF_OK) {
      *last = dhcsr;
      seen = seen || (dhcsr & DHCSR_S_RESET_ST) != 0;
      if (seen && ((dhcsr & wait_mask) == wait_mask || (dhcsr & DHCSR_S_LOCKUP) != 0)) {
        break;
      }
    }
    if (swdf__deadline_passed(&d)) {
      break;
    }
    swdf__deadline_sleep(&d);
  }
  swdf__restore_error(t->ctx, &saved);
  return seen;
}

static swdf_err soft_reset(swdf_target *t, bool halt) {
  uint32_t dhcsr;
  swdf_err err = swdf__dhcsr_read(&dhcsr, t); /* clears S_RESET_ST */
  if (err == SWDF_OK) {
    err = swdf__vector_catch(t, halt);
  }
  if (err == SWDF_OK) {
    /* With C_HALT left set the core would stop before the reset vector's
     * first instruction anyway; keep debug enabled, drop the halt request. */
    err = swdf__dhcsr_write(t, DHCSR_C_DEBUGEN);
  }
  if (err != SWDF_OK) {
    return err;
  }
  /* The write may not be acknowledged: the system resets under it. */
  swdf_saved_error saved;
  swdf__save_error(&saved, t->ctx);
  swdf__write32(t, AIRCR_ADDR, AIRCR_VECTKEY | AIRCR_SYSRESETREQ);
  swdf__restore_error(t->ctx, &saved);
  uint32_t last = 0;
  if (!reset_seen(t, RESET_TIMEOUT_US, halt ? DHCSR_S_HALT : 0, &last)) {
    swdf__link_clear_errors(t, false);
    return swdf__fail(t->ctx, SWDF_ERR_TIMEOUT, NULL,
                      "the chip did not report a reset after SYSRESETREQ");
  }
  swdf__link_clear_errors(t, false);
  if (halt && (last & (DHCSR_S_HALT | DHCSR_S_LOCKUP)) == DHCSR_S_LOCKUP) {
    return swdf__core_halt_locked_up(t, true);
  }
  return SWDF_OK;
}

static swdf_err hard_reset(swdf_target *t, bool *worked) {
  uint32_t dhcsr;
  swdf_err err = swdf__dhcsr_write(t, DHCSR_C_DEBUGEN);
  if (err == SWDF_OK) {
    err = swdf__dhcsr_read(&dhcsr, t); /* clears S_RESET_ST */
  }
  if (err == SWDF_OK) {
    err = swdf__stlink_drive_nrst(t->st, STLINK_NRST_LOW, true);
  }
  if (err != SWDF_OK) {
    return err;
  }
  swdf__sleep_us(NRST_PULSE_US);
  bool during = false;
  if (swdf__dhcsr_read(&dhcsr, t) == SWDF_OK) {
    during = (dhcsr & DHCSR_S_RESET_ST) != 0;
  }
  err = swdf__stlink_drive_nrst(t->st, STLINK_NRST_HIGH, true);
  if (err != SWDF_OK) {
    return err;
  }
  uint32_t last = 0;
  *worked = reset_seen(t, RESET_TIMEOUT_US / 4, 0, &last) || during;
  swdf__link_clear_errors(t, false);
  return SWDF_OK;
}

/* ---- what the core does after a reset ----------------------------------- */

enum {
  OBSERVE_SETTLE_US = 20000, /* let the firmware start (clock setup, data copy) */
  OBSERVE_GAP_US = 5000,     /* between the two samples */
  EXC_NMI = 2,
  EXC_USAGE_FAULT = 6,
};

static const char *exception_name(uint32_t n) {
  static const char *const names[] = {"", "", "NMI", "HardFault", "MemManage", "BusFault",
                                      "UsageFault"};
  return n < SWDF_ARRAY_LEN(names) ? names[n] : "";
}

const char *swdf_core_state_name(swdf_core_state state) {
  static const char *const names[] = {"unknown", "running",   "sleeping",           "halted",
                                      "locked up", "in a fault handler", "in reset", "stalled"};
  return (unsigned)state < SWDF_ARRAY_LEN(names) ? names[state] : "unknown";
}

/* Name the state from two samples of DHCSR and ICSR taken OBSERVE_GAP_US
 * apart; the first read of DHCSR cleared its sticky S_RETIRE_ST and
 * S_RESET_ST, so the second tells what happened in between (ARMv7-M ARM
 * C1.6.2, ARMv6-M ARM C1.6.3; ICSR.VECTACTIVE: B3.2.4 / B3.2.4). */
static void classify(swdf_reset_result *r, swdf_reset_kind kind, uint32_t dhcsr,
                     uint32_t icsr_first, uint32_t icsr) {
  uint32_t exc = icsr & ICSR_VECTACTIVE;
  bool in_fault = exc >= EXC_NMI && exc <= EXC_USAGE_FAULT &&
                  (icsr_first & ICSR_VECTACTIVE) == exc;
  r->dhcsr = dhcsr;
  const char *text;
  if ((dhcsr & DHCSR_S_LOCKUP) != 0) {
    r->core = SWDF_CORE_LOCKED_UP;
    text = "locked up: the core could not start a program; the vector table at the boot "
           "address is not valid (erased flash, or no program there), or the firmware "
           "faulted inside a fault handler";
  } else if ((dhcsr & DHCSR_S_HALT) != 0) {
    r->core = SWDF_CORE_HALTED;
    text = kind == SWDF_RESET_HALT ? "halted at the reset vector, as asked"
                                   : "halted: something stopped it (a breakpoint instruction "
                                     "in the firmware, or a debug request)";
  } else if ((dhcsr & DHCSR_S_RESET_ST) != 0 && (dhcsr & DHCSR_S_RETIRE_ST) == 0) {
    r->core = SWDF_CORE_IN_RESET;
    text = "in reset: the chip is held in reset or keeps resetting (NRST held low, a "
           "watchdog or a brown-out)";
  } else if ((dhcsr & DHCSR_S_RETIRE_ST) != 0 && in_fault) {
    r->core = SWDF_CORE_FAULT;
    r->exception = exc;
    text = NULL;
    snprintf(r->core_text, sizeof(r->core_text),
             "in a fault handler: the core runs the %s handler, so the firmware faulted and "
             "is most likely stuck there",
             exception_name(exc));
  } else if ((dhcsr & DHCSR_S_SLEEP) != 0) {
    r->core = SWDF_CORE_SLEEPING;
    text = "sleeping: the firmware started and waits for an interrupt or event (WFI/WFE, "
           "a low-power mode)";
  } else if ((dhcsr & DHCSR_S_RETIRE_ST) != 0) {
    r->core = SWDF_CORE_RUNNING;
    r->exception = exc;
    text = "running: the core executes the program it booted";
  } else {
    r->core = SWDF_CORE_STALLED;
    text = "stalled: the core executed no instruction between two samples, yet it is not "
           "sleeping, halted or locked up";
  }
  if (text != NULL) {
    snprintf(r->core_text, sizeof(r->core_text), "%s", text);
  }
}

/* Watch the core without stopping it: DHCSR twice, ICSR twice. */
static void observe_core(swdf_target *t, swdf_reset_kind kind, swdf_reset_result *r) {
  swdf_saved_error saved;
  swdf__save_error(&saved, t->ctx);
  if (kind != SWDF_RESET_HALT) {
    swdf__sleep_us(OBSERVE_SETTLE_US);
  }
  uint32_t first = 0, dhcsr = 0, icsr_first = 0, icsr = 0;
  bool ok = swdf__dhcsr_read(&first, t) == SWDF_OK &&
            swdf__read32(&icsr_first, t, ICSR_ADDR) == SWDF_OK;
  swdf__sleep_us(OBSERVE_GAP_US);
  ok = ok && swdf__dhcsr_read(&dhcsr, t) == SWDF_OK &&
       swdf__read32(&icsr, t, ICSR_ADDR) == SWDF_OK;
  if (ok) {
    classify(r, kind, dhcsr, icsr_first, icsr);
  } else {
    r->core = SWDF_CORE_UNKNOWN;
    r->dhcsr = first;
    snprintf(r->core_text, sizeof(r->core_text),
             "unknown: the debug registers could not be read after the reset (%s)",
             swdf_ctx_errmsg(t->ctx));
    swdf__link_clear_errors(t, true);
  }
  swdf__restore_error(t->ctx, &saved);
}

swdf_err swdf__target_reset(swdf_target *t, swdf_reset_kind kind) {
  return swdf__target_reset_report(t, kind, NULL);
}

swdf_err swdf__target_reset_report(swdf_target *t, swdf_reset_kind kind, swdf_reset_result *r) {
  swdf_err err = SWDF_OK;
  swdf_reset_result unused;
  if (r == NULL) {
    r = &unused;
  }
  *r = (swdf_reset_result){.size = sizeof(*r), .requested = kind, .done = kind};
  switch (kind) {
  case SWDF_RESET_HARD: {
    bool known_unwired = t->nrst_wired == 0;
    if (!known_unwired) {
      bool worked = false;
      err = hard_reset(t, &worked);
      if (err != SWDF_OK || worked) {
        if (worked) {
          t->nrst_wired = 1;
        }
        break;
      }
      t->nrst_wired = 0;
    }
    r->done = SWDF_RESET_SOFT;
    r->fell_back = 1;
    snprintf(r->why, sizeof(r->why), "%s",
             known_unwired
                 ? "NRST was found not to be connected earlier in this session (the chip did "
                   "not reset while the probe held NRST low)"
                 : "NRST seems not to be connected: the chip did not reset when the probe "
                   "pulled NRST low");
    swdf__log(t->ctx, SWDF_LOG_WARN, "%s; using a software reset (SYSRESETREQ) instead",
              r->why);
    err = soft_reset(t, false);
    break;
  }
  case SWDF_RESET_SOFT:
    err = soft_reset(t, false);
    break;
  case SWDF_RESET_HALT:
    err = soft_reset(t, true);
    if (err == SWDF_OK) {
      err = swdf__vector_catch(t, false);
    }
    break;
  default:
    return swdf__fail(t->ctx, SWDF_ERR_INVALID_ARG, NULL, "unknown reset kind %d", (int)kind);
  }
  if (err == SWDF_OK) {
    t->halted_by_user = kind == SWDF_RESET_HALT;
    t->halted_by_connect = false;
  }
  if (r != &unused) {
    observe_core(t, kind, r);
  }
  return err;
}
