/* swdflash reset [--hard|--soft|--halt] */
#include <stdio.h>

#include "json.h"
#include "session.h"

enum { OPT_HARD = 1, OPT_SOFT, OPT_HALT };

static const cli_opt reset_opts[] = {
    {"hard", 0, false, OPT_HARD, NULL,
     "pulse NRST (default; a software reset when NRST is not wired, and says so)"},
    {"soft", 0, false, OPT_SOFT, NULL, "software reset through AIRCR.SYSRESETREQ"},
    {"halt", 0, false, OPT_HALT, NULL, "reset and stop at the reset vector; the core stays halted"},
    {0},
};

static const char *kind_name(swdf_reset_kind kind) {
  switch (kind) {
  case SWDF_RESET_SOFT: return "soft";
  case SWDF_RESET_HALT: return "halt";
  default: return "hard";
  }
}

/* The reset done and what the core did afterwards, as observed. */
static void print_json(const cli_globals *g, const swdf_reset_result *r) {
  if (r->fell_back) {
    /* The library's own warning says the same in these words: kept once. */
    cli_warn(g, "nrst_fallback", "%s; using a software reset (SYSRESETREQ) instead", r->why);
  }
  cli_json j;
  cli_json_reply_begin(&j, g, true);
  cli_json_str(&j, "reset", kind_name(r->done));
  cli_json_str(&j, "requested", kind_name(r->requested));
  cli_json_str(&j, "fallback", r->fell_back ? r->why : NULL);
  cli_json_str(&j, "core", swdf_core_state_name(r->core));
  cli_json_str(&j, "core_text", r->core_text);
  cli_json_hex32(&j, "dhcsr", r->dhcsr);
  if (r->exception != 0) {
    cli_json_uint(&j, "exception", r->exception);
  } else {
    cli_json_null(&j, "exception");
  }
  cli_json_bool(&j, "halted", r->core == SWDF_CORE_HALTED);
  cli_json_reply_end(&j, g);
}

static void print_text(const swdf_reset_result *r, const cli_globals *g) {
  static const char *const done_text[] = {
      [SWDF_RESET_HARD] = "hard reset (NRST)",
      [SWDF_RESET_SOFT] = "software reset (SYSRESETREQ)",
      [SWDF_RESET_HALT] = "reset and halt",
  };
  printf("%s", done_text[r->done]);
  if (r->fell_back) {
    printf(" instead of a hard reset: %s", r->why);
  }
  printf("\n");
  bool trouble = r->core == SWDF_CORE_LOCKED_UP || r->core == SWDF_CORE_FAULT ||
                 r->core == SWDF_CORE_IN_RESET || r->core == SWDF_CORE_STALLED ||
                 r->core == SWDF_CORE_UNKNOWN;
  const char *mark = g->color_out && trouble ? "\033[1;33m" : ""; /* on standard output */
  printf("core: %s%s%s\n", mark, r->core_text, mark[0] != '\0' ? "\033[0m" : "");
  if (r->core == SWDF_CORE_LOCKED_UP) {
    printf("  'swdflash check-bootloader' shows what is in the flash; 'swdflash write' "
           "programs firmware\n");
  }
}


int cli_cmd_reset(int argc, char **argv, cli_globals *g) {
  cli_parser p;
  cli_parser_init(&p, argc, argv, reset_opts, g);
  swdf_reset_kind kind = SWDF_RESET_HARD;
  int kinds_given = 0;
  for (int r; (r = cli_next(&p)) != CLI_NEXT_END;) {
    if (r == CLI_NEXT_ERROR) {
      return cli_usage_error(g, "reset", "%s", p.error);
    }
    if (r == CLI_NEXT_HELP) {
      cli_command_help(g, "reset", reset_opts);
      return CLI_EXIT_OK;
    }
    if (r == CLI_NEXT_ARG) {
      return cli_usage_error(g, "reset", "unexpected argument '%s'", p.value);
    }
    kind = r == OPT_SOFT ? SWDF_RESET_SOFT : r == OPT_HALT ? SWDF_RESET_HALT : SWDF_RESET_HARD;
    kinds_given++;
  }
  if (kinds_given > 1) {
    return cli_usage_error(g, "reset", "choose one of --hard, --soft and --halt");
  }
  cli_session s;
  int rc = cli_session_start(&s, g, "reset");
  if (rc == CLI_EXIT_OK) {
    rc = cli_session_connect(&s);
  }
  if (rc == CLI_EXIT_OK) {
    swdf_reset_result r = SWDF_RESET_RESULT_INIT;
    swdf_err err = swdf_target_reset_ext(&r, s.target, kind);
    if (err != SWDF_OK) {
      rc = cli_session_fail(&s, err, "reset");
    } else if (g->json) {
      print_json(g, &r);
    } else if (!g->quiet) {
      print_text(&r, g);
    }
  }
  cli_session_end(&s);
  return rc;
}
