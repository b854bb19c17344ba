#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "json.h"

void cli_warn(const cli_globals *g, const char *code, const char *fmt, ...) {
  cli_warnings *w = g->warnings;
  if (!g->json || w == NULL) {
    return;
  }
  char message[sizeof(w->items[0].message)];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(message, sizeof(message), fmt, ap);
  va_end(ap);
  for (size_t i = 0; i < w->count; i++) {
    if (strcmp(w->items[i].message, message) == 0) {
      if (strcmp(w->items[i].code, "log") == 0) {
        snprintf(w->items[i].code, sizeof(w->items[i].code), "%s", code);
      }
      return;
    }
  }
  if (w->count < CLI_MAX_WARNINGS) {
    snprintf(w->items[w->count].code, sizeof(w->items[0].code), "%s", code);
    memcpy(w->items[w->count].message, message, sizeof(message));
    w->count++;
  }
}

static void print_error_json(const cli_globals *g, const char *code, const char *message,
                             const char *hint) {
  cli_json j;
  cli_json_reply_begin(&j, g, false);
  cli_json_object_begin(&j, "error");
  cli_json_str(&j, "code", code);
  cli_json_str(&j, "message", message);
  cli_json_str(&j, "hint", hint != NULL && hint[0] != '\0' ? hint : NULL);
  cli_json_object_end(&j);
  cli_json_reply_end(&j, g);
}

static void print_error_text(const cli_globals *g, const char *message, const char *hint) {
  const char *red = g->color ? "\033[1;31m" : "";
  const char *reset = g->color ? "\033[0m" : "";
  fprintf(stderr, "swdflash: %serror:%s %s\n", red, reset, message);
  if (hint != NULL && hint[0] != '\0') {
    fprintf(stderr, "  hint: %s\n", hint);
  }
}

int cli_report_error(const cli_globals *g, const char *code, const char *message,
                     const char *hint, int exit_code) {
  if (g->json && g->capture != NULL) {
    if (!g->capture->captured) {
      g->capture->captured = true;
      snprintf(g->capture->code, sizeof(g->capture->code), "%s", code);
      snprintf(g->capture->message, sizeof(g->capture->message), "%s", message);
      snprintf(g->capture->hint, sizeof(g->capture->hint), "%s", hint != NULL ? hint : "");
    }
  } else if (g->json) {
    print_error_json(g, code, message, hint);
  } else {
    print_error_text(g, message, hint);
  }
  return exit_code;
}

int cli_usage_error(const cli_globals *g, const char *cmd, const char *fmt, ...) {
  char message[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(message, sizeof(message), fmt, ap);
  va_end(ap);
  char hint[128];
  snprintf(hint, sizeof(hint), "see 'swdflash %s%s--help'", cmd != NULL ? cmd : "",
           cmd != NULL ? " " : "");
  return cli_report_error(g, "usage", message, hint, CLI_EXIT_USAGE);
}

int cli_exit_code_for(swdf_err err) {
  static const struct {
    swdf_err err;
    int code;
  } map[] = {
      {SWDF_OK, CLI_EXIT_OK},
      {SWDF_ERR_INVALID_ARG, CLI_EXIT_USAGE},
      {SWDF_ERR_NO_PROBE, CLI_EXIT_NO_PROBE},
      {SWDF_ERR_PROBE_AMBIGUOUS, CLI_EXIT_NO_PROBE},
      {SWDF_ERR_PROBE_ACCESS, CLI_EXIT_NO_PROBE},
      {SWDF_ERR_PROBE_FIRMWARE, CLI_EXIT_NO_PROBE},
      {SWDF_ERR_NO_TARGET, CLI_EXIT_NO_TARGET},
      {SWDF_ERR_TARGET_POWER, CLI_EXIT_NO_TARGET},
      {SWDF_ERR_NRST, CLI_EXIT_NO_TARGET},
      {SWDF_ERR_SWD, CLI_EXIT_NO_TARGET},
      {SWDF_ERR_WAIT, CLI_EXIT_NO_TARGET},
      {SWDF_ERR_HALT, CLI_EXIT_NO_TARGET},
      {SWDF_ERR_READ_PROTECTED, CLI_EXIT_PROTECTED},
      {SWDF_ERR_WRITE_PROTECTED, CLI_EXIT_PROTECTED},
      {SWDF_ERR_PERMANENT, CLI_EXIT_PROTECTED},
      {SWDF_ERR_VERIFY, CLI_EXIT_MISMATCH},
      {SWDF_ERR_CANCELLED, CLI_EXIT_INTERRUPTED},
      {SWDF_ERR_IMAGE, CLI_EXIT_BAD_INPUT},
      {SWDF_ERR_RANGE, CLI_EXIT_BAD_INPUT},
  };
  for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
    if (map[i].err == err) {
      return map[i].code;
    }
  }
  return CLI_EXIT_FAILED;
}

int cli_lib_error(const cli_globals *g, swdf_ctx *ctx, swdf_err err, const char *what) {
  const char *detail = ctx != NULL ? swdf_ctx_errmsg(ctx) : "";
  const char *hint = ctx != NULL ? swdf_ctx_hint(ctx) : "";
  char message[1024];
  if (detail[0] == '\0') {
    detail = swdf_strerror(err);
  }
  if (what != NULL) {
    snprintf(message, sizeof(message), "%s: %s", what, detail);
  } else {
    snprintf(message, sizeof(message), "%s", detail);
  }
  return cli_report_error(g, swdf_err_name(err), message, hint, cli_exit_code_for(err));
}

