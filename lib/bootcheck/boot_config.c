/*
 * swdf_boot_config_read: how the chip decides where to start and what makes
 * its ROM bootloader reachable. The knowledge lives with each family
 * (swdf__family.boot, in lib/families/); this file reads the option bytes
 * and hands them to it.
 */
#include <stdio.h>
#include <string.h>

#include "adi/target_internal.h"
#include "families/family.h"

static swdf_err config_full(swdf_boot_config *full, swdf_target *target) {
  swdf_ctx *ctx = swdf__target_ctx(target);
  const swdf_chip *chip = swdf__target_chip(target);
  const swdf__family *family = swdf__family_by_driver(chip->driver);
  if (family == NULL || family->boot == NULL || family->boot->config == NULL) {
    return swdf__fail(ctx, SWDF_ERR_UNSUPPORTED, NULL,
                      "%s: the boot rules of its family (\"%s\") are not known to this version",
                      chip->name, chip->driver);
  }
  swdf_options *o = NULL;
  swdf_err err = swdf_options_read(&o, target);
  if (err != SWDF_OK) {
    swdf__prefix_error(ctx, "reading the boot configuration");
    return err;
  }
  *full = (swdf_boot_config){.size = sizeof(*full), .empty_check = -1};
  err = family->boot->config(full, o, chip);
  swdf_options_free(o);
  if (err != SWDF_OK) {
    return err;
  }
  full->rom_has_dfu = family->boot->rom_has_dfu != NULL && family->boot->rom_has_dfu(chip);
  snprintf(full->dfu_needs, sizeof(full->dfu_needs), "%s",
           full->rom_has_dfu && family->boot->dfu_needs != NULL ? family->boot->dfu_needs : "");
  return SWDF_OK;
}

swdf_err swdf_boot_config_read(swdf_boot_config *out, swdf_target *target) {
  if (target == NULL) {
    return SWDF_ERR_INVALID_ARG;
  }
  swdf_ctx *ctx = swdf__target_ctx(target);
  if (out == NULL) {
    return swdf__fail(ctx, SWDF_ERR_INVALID_ARG, NULL, "swdf_boot_config_read: out is NULL");
  }
  swdf_err err = swdf__versioned_out_check(out, SWDF__MIN_BOOT_CONFIG, ctx, "swdf_boot_config");
  if (err != SWDF_OK) {
    return err;
  }
  swdf_boot_config full;
  err = config_full(&full, target);
  if (err != SWDF_OK) {
    return err;
  }
  return swdf__versioned_out(out, &full, sizeof(full), SWDF__MIN_BOOT_CONFIG, ctx,
                             "swdf_boot_config");
}
