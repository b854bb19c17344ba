/*
 * Option-byte writers: the only option-byte code that differs per flash
 * controller. Everything else (which words, which fields, what values mean,
 * validation, reading) is data in chipdb/options and generic code in
 * lib/options.
 */
#ifndef SWDF_OPTIONS_FAMILY_H
#define SWDF_OPTIONS_FAMILY_H

#include <stdbool.h>
#include <stdint.h>

#include "adi/target_internal.h"
#include "options/optdesc.h"

typedef struct swdf__opt_writer {
  const char *driver; /* matches swdf_chip.driver */
  /*
   * Program `new_words` (one per description word; readonly words are left
   * alone) with the controller's sequence. `erases` is true when the change
   * makes the chip erase its whole flash first (read protection 1 -> 0),
   * which sets the deadline. Leaves the controller locked, also on failure.
   */
  swdf_err (*write)(swdf_target *t, const swdf_optd *d, const uint32_t *new_words, bool erases);
  /* Make the chip load the options it now holds (a reset on F1/F4, which
   * have no OBL_LAUNCH), leaving the core halted at the reset vector so that
   * no firmware runs before they are read back. */
  swdf_err (*reload)(swdf_target *t);
} swdf__opt_writer;

/* The writer for a controller, or NULL when option bytes of that family
 * can be read but not yet written. */
const swdf__opt_writer *swdf__opt_writer_for(const char *driver);

/* Deadline for an option change: the datasheet time of the operation, and
 * when it erases the flash, the mass erase of every bank on top (with room
 * for the slowest erase parallelism). */
uint64_t swdf__opt_deadline_us(swdf_target *t, uint32_t op_max_us, bool erases);

/* Lock the controller again after a write that ended with `err`: modify
 * the register at `addr` (clear, set) and return the first failure, keeping
 * the earlier one's message. */
swdf_err swdf__opt_relock(swdf_target *t, swdf_err err, uint32_t addr, uint32_t clear,
                          uint32_t set);

/* Reset and halt at the reset vector: the reload of F1 and F4 options. */
swdf_err swdf__opt_reload_by_reset(swdf_target *t);

#endif
