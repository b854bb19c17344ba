/* swdflash list: the connected probes, and the chip behind each one when it
 * can be read without disturbing it (as st-info --probe does). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "json.h"
#include "reply.h"
#include "session.h"

/* The chip behind a probe, read by attaching without halting or resetting
 * the core (hot-plug), on a context of its own that logs nothing: a chip
 * that does not answer is shown as unknown, not as an error. A busy probe
 * is left alone. `out->name` stays empty when the chip was not read. */
static void read_chip(swdf_chip_info *out, const swdf_probe_info *p, const cli_globals *g) {
  out->name[0] = '\0';
  swdf_ctx *ctx = NULL;
  if (p->busy || swdf_ctx_new(&ctx, NULL) != SWDF_OK) {
    return;
  }
  swdf_probe *probe = NULL;
  if (swdf_probe_open(&probe, ctx, p->serial) == SWDF_OK) {
    swdf_connect_opts opts = SWDF_CONNECT_OPTS_INIT;
    opts.mode = SWDF_CONNECT_HOT_PLUG;
    opts.freq_khz = g->freq_khz;
    swdf_target *t = NULL;
    if (swdf_target_connect(&t, probe, &opts) == SWDF_OK) {
      swdf_chip_info chip = SWDF_CHIP_INFO_INIT;
      if (swdf_target_chip_info(&chip, t) == SWDF_OK) {
        *out = chip;
      }
      swdf_target_disconnect(t);
    }
    swdf_probe_close(probe);
  }
  swdf_ctx_free(ctx);
}

static void print_json(const cli_globals *g, const swdf_probe_info *list,
                       const swdf_chip_info *chips, size_t n) {
  cli_json j;
  cli_json_reply_begin(&j, g, true);
  cli_json_array_begin(&j, "probes");
  for (size_t i = 0; i < n; i++) {
    cli_json_probe_with_chip(&j, &list[i], &chips[i]);
  }
  cli_json_array_end(&j);
  cli_json_reply_end(&j, g);
}

static void print_text(const swdf_probe_info *list, const swdf_chip_info *chips, size_t n) {
  printf("%-26s %-5s %-12s %-8s %-26s %s\n", "SERIAL", "KIND", "FIRMWARE", "TARGET", "CHIP",
         "PRODUCT");
  for (size_t i = 0; i < n; i++) {
    const swdf_probe_info *p = &list[i];
    char volts[16] = "-";
    if (p->firmware[0] != '\0') {
      snprintf(volts, sizeof(volts), "%u.%02u V", p->target_voltage_mv / 1000,
               p->target_voltage_mv % 1000 / 10);
    }
    printf("%-26s %-5s %-12s %-8s %-26s %s%s\n", p->serial, swdf_probe_kind_name(p->kind),
           p->firmware[0] != '\0' ? p->firmware : "?", volts,
           chips[i].name[0] != '\0' ? chips[i].name : "-", p->product,
           p->busy ? " (busy: used by another program, or no permission: see 60-swdflash.rules)"
                   : "");
  }
}

/* Keep the probes --serial names: the one whose serial is SERIAL (any
 * case), else those whose serial begins with it. Returns how many remain
 * at the front of `list` (with their chips). */
static size_t filter_serial(swdf_probe_info *list, size_t n, const char *serial) {
  size_t kept = 0;
  for (size_t i = 0; i < n; i++) {
    if (strcasecmp(list[i].serial, serial) == 0) {
      list[kept++] = list[i];
    }
  }
  if (kept > 0) {
    return kept;
  }
  for (size_t i = 0; i < n; i++) {
    if (strncasecmp(list[i].serial, serial, strlen(serial)) == 0) {
      list[kept++] = list[i];
    }
  }
  return kept;
}

static int show(cli_session *s, const cli_globals *g, swdf_probe_info *list, size_t n) {
  if (g->serial != NULL) {
    size_t all = n;
    n = filter_serial(list, n, g->serial);
    if (n == 0 && all > 0) {
      char message[160];
      snprintf(message, sizeof(message), "no probe with serial number %s", g->serial);
      return cli_report_error(g, swdf_err_name(SWDF_ERR_NO_PROBE), message,
                              "'swdflash list' shows the serial numbers", CLI_EXIT_NO_PROBE);
    }
  }
  if (n == 0 && !g->json) {
    return cli_report_error(g, swdf_err_name(SWDF_ERR_NO_PROBE), "no ST-Link probe found",
                            "plug the ST-Link in with a data cable (not a charge-only one); on "
                            "Linux install swdflash's udev rules (60-swdflash.rules) and "
                            "replug it",
                            CLI_EXIT_NO_PROBE);
  }
  swdf_chip_info *chips = calloc(n > 0 ? n : 1, sizeof(*chips));
  if (chips == NULL) {
    return cli_session_fail(s, SWDF_ERR_NO_MEMORY, "listing probes");
  }
  for (size_t i = 0; i < n; i++) {
    read_chip(&chips[i], &list[i], g);
  }
  if (g->json) {
    print_json(g, list, chips, n); /* no probe: an empty list, for scripts */
  } else {
    print_text(list, chips, n);
  }
  free(chips);
  return CLI_EXIT_OK;
}

int cli_cmd_list(int argc, char **argv, cli_globals *g) {
  int rc = cli_parse_no_args(argc, argv, g, "list");
  if (rc >= 0) {
    return rc;
  }
  cli_session s;
  rc = cli_session_start(&s, g, "list");
  if (rc != CLI_EXIT_OK) {
    return rc;
  }
  swdf_probe_info *list = NULL;
  size_t n = 0;
  swdf_err err = swdf_probe_list(&list, &n, s.ctx);
  if (err != SWDF_OK) {
    rc = cli_session_fail(&s, err, "listing probes");
  } else {
    rc = show(&s, g, list, n);
  }
  swdf_probe_list_free(list);
  cli_session_end(&s);
  return rc;
}
