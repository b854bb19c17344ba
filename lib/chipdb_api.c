/* The chip database as the public API shows it: what each entry says about
 * a chip before any chip is connected (for listings and completions). */
#include <stdio.h>
#include <string.h>

#include "chipdb.h"
#include "internal.h"

swdf_err swdf_chipdb_count(size_t *out, swdf_ctx *ctx) {
  if (ctx == NULL) {
    return SWDF_ERR_INVALID_ARG;
  }
  swdf__clear_error(ctx);
  if (out == NULL) {
    return swdf__fail(ctx, SWDF_ERR_INVALID_ARG, NULL, "the result pointer is NULL");
  }
  const swdf_chipdb *db;
  swdf_err err = swdf__ctx_chipdb(&db, ctx);
  if (err == SWDF_OK) {
    *out = db->count;
  }
  return err;
}

swdf_err swdf_chipdb_get(swdf_chip_info *out, swdf_ctx *ctx, size_t index) {
  if (ctx == NULL) {
    return SWDF_ERR_INVALID_ARG;
  }
  swdf__clear_error(ctx);
  swdf_err err = swdf__versioned_out_check(out, SWDF__MIN_CHIP_INFO, ctx, "swdf_chip_info");
  const swdf_chipdb *db;
  if (err != SWDF_OK || (err = swdf__ctx_chipdb(&db, ctx)) != SWDF_OK) {
    return err;
  }
  if (index >= db->count) {
    return swdf__fail(ctx, SWDF_ERR_RANGE, NULL, "chip database entry %zu: there are %zu",
                      index, db->count);
  }
  const swdf_chip *c = &db->chips[index];
  swdf_chip_info full;
  memset(&full, 0, sizeof(full));
  full.size = sizeof(full);
  snprintf(full.id, sizeof(full.id), "%s", c->id);
  snprintf(full.name, sizeof(full.name), "%s", c->name);
  snprintf(full.family, sizeof(full.family), "%s", c->family);
  snprintf(full.driver, sizeof(full.driver), "%s", c->driver);
  snprintf(full.core, sizeof(full.core), "%s", c->core);
  full.dp_idcode = c->dp_idcode;
  full.dev_id = c->dev_id;
  full.rev_id = c->match_rev_id ? c->rev_id : 0;
  full.flash_base = c->flash_base;
  full.flash_size = c->flash_max;
  full.ram_base = c->ram_base;
  full.ram_size = c->ram_size;
  full.has_unique_id = c->uid_words == 3;
  snprintf(full.note, sizeof(full.note), "%s", c->note);
  return swdf__versioned_out(out, &full, sizeof(full), SWDF__MIN_CHIP_INFO, ctx,
                             "swdf_chip_info");
}
