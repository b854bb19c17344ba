#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chipdb.h"
#include "internal.h"
#include "options/optdesc.h"
#include "transport/usb.h"

swdf_err swdf_ctx_new(swdf_ctx **out, const swdf_ctx_opts *opts) {
  if (out == NULL) {
    return SWDF_ERR_INVALID_ARG;
  }
  *out = NULL;
  /* No context yet for a message: a bad size is only the error code. */
  swdf_ctx_opts o = SWDF_CTX_OPTS_INIT;
  swdf_err err = swdf__versioned_in(&o, sizeof(o), opts, SWDF__MIN_CTX_OPTS, NULL, "swdf_ctx_opts");
  if (err != SWDF_OK) {
    return err;
  }
  swdf_ctx *ctx = calloc(1, sizeof(*ctx));
  if (ctx == NULL) {
    return SWDF_ERR_NO_MEMORY;
  }
  ctx->opts = o;
  if (ctx->opts.chipdb_dir != NULL) {
    ctx->chipdb_dir = strdup(ctx->opts.chipdb_dir);
    if (ctx->chipdb_dir == NULL) {
      free(ctx);
      return SWDF_ERR_NO_MEMORY;
    }
  }
  ctx->opts.chipdb_dir = ctx->chipdb_dir;
  *out = ctx;
  return SWDF_OK;
}

void swdf_ctx_free(swdf_ctx *ctx) {
  if (ctx == NULL) {
    return;
  }
  if (ctx->usb_backend != NULL && ctx->usb_backend->free_state != NULL) {
    ctx->usb_backend->free_state(ctx->usb_state);
  }
  if (ctx->chipdb != NULL) {
    swdf_chipdb_free(ctx->chipdb);
    free(ctx->chipdb);
  }
  free(ctx->chipdb_dir);
  free(ctx);
}

swdf_err swdf__ctx_chipdb(const swdf_chipdb **out, swdf_ctx *ctx) {
  if (ctx->chipdb != NULL) {
    *out = ctx->chipdb;
    return SWDF_OK;
  }
  swdf_chipdb *db = calloc(1, sizeof(*db));
  if (db == NULL || !swdf_chipdb_add_builtin(db)) {
    free(db);
    return swdf__fail(ctx, SWDF_ERR_NO_MEMORY, NULL, "out of memory loading the chip database");
  }
  const char *dir = ctx->chipdb_dir;
  if (dir == NULL) {
    dir = getenv("SWDFLASH_CHIPDB");
  }
  if (dir != NULL && dir[0] != '\0') {
    char err[SWDF_MSG_MAX];
    if (!swdf_chipdb_load_dir(db, dir, err, sizeof(err))) {
      swdf_chipdb_free(db);
      free(db);
      return swdf__fail(ctx, SWDF_ERR_IO,
                        "fix the file, or unset SWDFLASH_CHIPDB to use the built-in database",
                        "chip database %s: %s", dir, err);
    }
    swdf__log(ctx, SWDF_LOG_DEBUG, "chip database: %zu chips after loading %s", db->count, dir);
  }
  if (!swdf__optd_derive_chip_data(db->chips, db->count)) {
    swdf_chipdb_free(db);
    free(db);
    return swdf__fail(ctx, SWDF_ERR_INTERNAL, NULL, "the built-in option descriptions are broken");
  }
  ctx->chipdb = db;
  *out = db;
  return SWDF_OK;
}

void swdf_ctx_set_log_level(swdf_ctx *ctx, swdf_log_level level) {
  if (ctx != NULL) {
    ctx->opts.log_level = level;
  }
}

const char *swdf_ctx_errmsg(const swdf_ctx *ctx) { return ctx != NULL ? ctx->errmsg : ""; }

const char *swdf_ctx_hint(const swdf_ctx *ctx) { return ctx != NULL ? ctx->hint : ""; }

swdf_err swdf_ctx_last_error(const swdf_ctx *ctx) {
  return ctx != NULL ? ctx->last_err : SWDF_ERR_INVALID_ARG;
}

void swdf__clear_error(swdf_ctx *ctx) {
  ctx->last_err = SWDF_OK;
  ctx->errmsg[0] = '\0';
  ctx->hint[0] = '\0';
}

swdf_err swdf__fail(swdf_ctx *ctx, swdf_err err, const char *hint, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(ctx->errmsg, sizeof(ctx->errmsg), fmt, ap);
  va_end(ap);
  snprintf(ctx->hint, sizeof(ctx->hint), "%s", hint != NULL ? hint : "");
  ctx->last_err = err;
  swdf__log(ctx, SWDF_LOG_DEBUG, "error %s: %s", swdf_err_name(err), ctx->errmsg);
  return err;
}

void swdf__prefix_error(swdf_ctx *ctx, const char *fmt, ...) {
  char prefix[SWDF_MSG_MAX];
  char old[SWDF_MSG_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(prefix, sizeof(prefix), fmt, ap);
  va_end(ap);
  memcpy(old, ctx->errmsg, sizeof(old));
  /* Truncation is fine: the start of the message matters most. */
  size_t used = 0;
  const char *parts[] = {prefix, ": ", old};
  for (size_t i = 0; i < SWDF_ARRAY_LEN(parts); i++) {
    size_t room = sizeof(ctx->errmsg) - 1 - used;
    size_t len = strnlen(parts[i], room);
    memcpy(ctx->errmsg + used, parts[i], len);
    used += len;
  }
  ctx->errmsg[used] = '\0';
}

void swdf__save_error(swdf_saved_error *saved, const swdf_ctx *ctx) {
  saved->err = ctx->last_err;
  memcpy(saved->errmsg, ctx->errmsg, sizeof(saved->errmsg));
  memcpy(saved->hint, ctx->hint, sizeof(saved->hint));
}

void swdf__restore_error(swdf_ctx *ctx, const swdf_saved_error *saved) {
  ctx->last_err = saved->err;
  memcpy(ctx->errmsg, saved->errmsg, sizeof(ctx->errmsg));
  memcpy(ctx->hint, saved->hint, sizeof(ctx->hint));
}

void swdf__set_hint(swdf_ctx *ctx, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(ctx->hint, sizeof(ctx->hint), fmt, ap);
  va_end(ap);
}

bool swdf__log_enabled(const swdf_ctx *ctx, swdf_log_level level) {
  return ctx->opts.log != NULL && level <= ctx->opts.log_level;
}

void swdf__vlog(swdf_ctx *ctx, swdf_log_level level, const char *fmt, va_list ap) {
  if (!swdf__log_enabled(ctx, level)) {
    return;
  }
  char line[1024];
  vsnprintf(line, sizeof(line), fmt, ap);
  ctx->opts.log(ctx->opts.user, level, line);
}

void swdf__log(swdf_ctx *ctx, swdf_log_level level, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  swdf__vlog(ctx, level, fmt, ap);
  va_end(ap);
}

swdf_err swdf__progress(swdf_ctx *ctx, swdf_phase phase, uint64_t done, uint64_t total) {
  if (ctx->opts.progress == NULL) {
    return SWDF_OK;
  }
  if (ctx->opts.progress(ctx->opts.user, phase, done, total) != 0) {
    if (ctx->cancel_held > 0) {
      ctx->cancel_asked = true;
      return SWDF_OK;
    }
    return swdf__fail(ctx, SWDF_ERR_CANCELLED, NULL, "cancelled by the caller");
  }
  return SWDF_OK;
}

void swdf__cancel_hold(swdf_ctx *ctx, bool hold) {
  if (hold) {
    if (ctx->cancel_held++ == 0) {
      ctx->cancel_asked = false;
    }
  } else if (ctx->cancel_held > 0) {
    ctx->cancel_held--;
  }
}

bool swdf__cancel_asked(const swdf_ctx *ctx) { return ctx->cancel_asked; }
