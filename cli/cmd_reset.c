/* swdflash reset [--hard|--soft|--halt] */
#include <stdio.h>

#include "json.h"
#include "session.h"

enum { OPT_HARD = 1, OPT_SOFT, OPT_HALT };

static const cli_opt reset_opts[] = {
    {"hard", 0, false, OPT_HARD, NULL,
     "pulse NRST (default; a software reset when NRST is not wired)"},
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
      cli_print_command_help(stdout, cli_find_command("reset"), reset_opts);
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
    swdf_err err = swdf_target_reset(s.target, kind);
    if (err != SWDF_OK) {
      rc = cli_session_fail(&s, err, "reset");
    }
  }
  if (rc == CLI_EXIT_OK) {
    if (g->json) {
      cli_json j;
      cli_json_reply_begin(&j, true);
      cli_json_str(&j, "reset", kind_name(kind));
      cli_json_bool(&j, "halted", kind == SWDF_RESET_HALT);
      cli_json_object_end(&j);
      cli_json_finish(&j);
    } else if (!g->quiet) {
      printf("%s\n", kind == SWDF_RESET_HALT ? "reset; the core is halted at the reset vector"
                                             : "reset; the firmware is running");
    }
  }
  cli_session_end(&s);
  return rc;
}
