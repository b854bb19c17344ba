/* The table of flash controller families, looked up by the chip's driver. */
#include <string.h>

#include "family.h"

extern const swdf__family swdf__family_f1;
extern const swdf__family swdf__family_f4;

static const swdf__family *const families[] = {&swdf__family_f1, &swdf__family_f4};

const swdf__family *swdf__family_for(swdf_target *t) {
  const swdf_chip *chip = swdf__target_chip(t);
  for (size_t i = 0; i < SWDF_ARRAY_LEN(families); i++) {
    if (strcmp(chip->driver, families[i]->driver) == 0) {
      return families[i];
    }
  }
  swdf__fail(swdf__target_ctx(t), SWDF_ERR_UNSUPPORTED,
             "flash programming supports the STM32F1 and STM32F4 flash controllers so far",
             "%s: no flash driver for its controller \"%s\"", chip->name, chip->driver);
  return NULL;
}

/* The row for this unit size: the smallest row at least as large (a row of
 * size 0 fits any unit), else the largest row. */
uint32_t swdf__erase_time_us(const swdf__flash_ctl *ctl, uint32_t size, bool max) {
  const swdf__erase_time *pick = NULL;
  const swdf__erase_time *largest = NULL;
  for (size_t i = 0; i < SWDF_MAX_ERASE_TIMES; i++) {
    const swdf__erase_time *e = &ctl->erase[i];
    if (e->typ_us == 0) {
      continue;
    }
    if (e->unit_size == 0) {
      pick = e;
      break;
    }
    if (largest == NULL || e->unit_size > largest->unit_size) {
      largest = e;
    }
    if (e->unit_size >= size && (pick == NULL || e->unit_size < pick->unit_size)) {
      pick = e;
    }
  }
  if (pick == NULL) {
    pick = largest;
  }
  if (pick == NULL) {
    return max ? 4000000u : 1000000u;
  }
  return max ? pick->max_us : pick->typ_us;
}
