/* Connecting to a chip in trouble: every connection mode in turn. */
#include <string.h>

#include "recovery.h"

static swdf_err try_mode(cli_session *s, swdf_connect_mode mode) {
  swdf_connect_opts copts = SWDF_CONNECT_OPTS_INIT;
  copts.mode = mode;
  copts.freq_khz = s->g->freq_khz;
  return swdf_target_connect(&s->target, s->probe, &copts);
}

static const char *const advice =
    "check the wiring (SWDIO, SWCLK, GND and 3.3 V between the ST-Link and the board, board "
    "powered); if the firmware switches SWD off, connect the board's NRST pin to the "
    "ST-Link's RST pin so that the chip can be caught in reset. A chip at read protection "
    "level 2 never answers again and cannot be recovered.";

static int identify(cli_session *s, swdf_chip_info *chip) {
  memset(chip, 0, sizeof(*chip));
  chip->size = sizeof(*chip);
  swdf_err err = swdf_target_chip_info(chip, s->target);
  return err == SWDF_OK ? CLI_EXIT_OK : cli_session_fail(s, err, "identifying the chip");
}

int cli_connect_chip(cli_session *s, swdf_chip_info *chip) {
  int rc = cli_session_connect(s);
  return rc != CLI_EXIT_OK ? rc : identify(s, chip);
}

int cli_connect_recovery(cli_session *s, swdf_chip_info *chip, char *how, size_t how_len) {
  how[0] = '\0';
  int rc = cli_session_open_probe(s);
  if (rc != CLI_EXIT_OK) {
    return rc;
  }
  swdf_err err = SWDF_OK;
  static const swdf_connect_mode chosen[] = {
      [CLI_CONNECT_AUTO] = SWDF_CONNECT_AUTO,
      [CLI_CONNECT_NORMAL] = SWDF_CONNECT_NORMAL,
      [CLI_CONNECT_HOT_PLUG] = SWDF_CONNECT_HOT_PLUG,
      [CLI_CONNECT_UNDER_RESET] = SWDF_CONNECT_UNDER_RESET,
  };
  swdf_connect_mode modes[3] = {SWDF_CONNECT_NORMAL, SWDF_CONNECT_UNDER_RESET,
                                SWDF_CONNECT_HOT_PLUG};
  size_t count = 3, used = 0;
  if (s->g->connect != CLI_CONNECT_AUTO) {
    modes[0] = chosen[s->g->connect];
    count = 1;
  }
  char failures[2][300] = {"", ""};
  for (used = 0; used < count; used++) {
    err = try_mode(s, modes[used]);
    if (err == SWDF_OK) {
      break;
    }
    if (used < 2) {
      snprintf(failures[used], sizeof(failures[used]), "%s", swdf_ctx_errmsg(s->ctx));
    }
  }
  if (err != SWDF_OK) {
    char what[700];
    snprintf(what, sizeof(what), "connecting to the chip (%s%s%s)", failures[0],
             failures[1][0] != '\0' ? "; under reset: " : "", failures[1]);
    cli_session_fail(s, err, what);
    if (!s->g->json) {
      fprintf(stderr, "  what to do: %s\n", advice);
    }
    return cli_exit_code_for(err);
  }
  rc = identify(s, chip);
  if (rc != CLI_EXIT_OK) {
    return rc;
  }
  if (count > 1 && used == 1) {
    snprintf(how, how_len,
             "Connected only by holding the chip in reset through the NRST wire (normally: %s). "
             "The firmware on the chip most likely switches the SWD pins off or puts the chip "
             "to sleep right after it starts; keep the NRST wire connected.",
             failures[0]);
  } else if (count > 1 && used == 2) {
    snprintf(how, how_len,
             "Connected without stopping the processor, which cannot be halted (normally: %s; "
             "under reset: %s). That happens when read protection keeps the processor from "
             "reading its own flash while a debugger is attached, or when the firmware keeps "
             "SWD off except right at reset.",
             failures[0], failures[1]);
  }
  return CLI_EXIT_OK;
}
