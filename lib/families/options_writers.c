/* The table of option-byte writers and what they share. */
#include <string.h>

#include "options_family.h"

extern const swdf__opt_writer swdf__opt_writer_f1;
extern const swdf__opt_writer swdf__opt_writer_f4;

static const swdf__opt_writer *const writers[] = {&swdf__opt_writer_f1, &swdf__opt_writer_f4};

const swdf__opt_writer *swdf__opt_writer_for(const char *driver) {
  for (size_t i = 0; i < SWDF_ARRAY_LEN(writers); i++) {
    if (strcmp(writers[i]->driver, driver) == 0) {
      return writers[i];
    }
  }
  return NULL;
}

uint64_t swdf__opt_deadline_us(swdf_target *t, uint32_t op_max_us, bool erases) {
  uint64_t us = op_max_us;
  if (erases) {
    const swdf_chip *chip = swdf__target_chip(t);
    const swdf_flash_layout *layout = swdf__target_flash_layout(t);
    /* The chip database gives the mass erase at the fastest parallelism;
     * the hardware may erase at the slowest (x8 takes twice as long on F4,
     * DS8626 table 40), so allow four times that per bank. */
    uint64_t mass_ms = chip->mass_erase_time_ms != 0 ? chip->mass_erase_time_ms : 40000u;
    us += 4u * mass_ms * 1000u * (layout->bank_count != 0 ? layout->bank_count : 1);
  }
  return us + 100000u; /* USB round trips while polling */
}

swdf_err swdf__opt_reload_by_reset(swdf_target *t) {
  swdf_err err = swdf__target_reset(t, SWDF_RESET_HALT);
  if (err != SWDF_OK) {
    swdf__prefix_error(swdf__target_ctx(t), "resetting the chip to load the new option bytes");
  }
  return err;
}

swdf_err swdf__opt_relock(swdf_target *t, swdf_err err, uint32_t addr, uint32_t clear,
                          uint32_t set) {
  if (err == SWDF_OK) {
    return swdf__modify32(t, addr, clear, set);
  }
  swdf_saved_error saved;
  swdf__save_error(&saved, swdf__target_ctx(t));
  swdf__modify32(t, addr, clear, set);
  swdf__restore_error(swdf__target_ctx(t), &saved);
  return err;
}
