/* swdflash list: the connected probes. */
#include <stdio.h>

#include "json.h"
#include "reply.h"
#include "session.h"

static void print_json(const cli_globals *g, const swdf_probe_info *list, size_t n) {
  cli_json j;
  cli_json_reply_begin(&j, g, true);
  cli_json_array_begin(&j, "probes");
  for (size_t i = 0; i < n; i++) {
    cli_json_probe(&j, NULL, &list[i]);
  }
  cli_json_array_end(&j);
  cli_json_reply_end(&j, g);
}

static void print_text(const swdf_probe_info *list, size_t n) {
  printf("%-26s %-5s %-12s %-8s %s\n", "SERIAL", "KIND", "FIRMWARE", "TARGET", "PRODUCT");
  for (size_t i = 0; i < n; i++) {
    const swdf_probe_info *p = &list[i];
    char volts[16] = "-";
    if (p->firmware[0] != '\0') {
      snprintf(volts, sizeof(volts), "%u.%02u V", p->target_voltage_mv / 1000,
               p->target_voltage_mv % 1000 / 10);
    }
    printf("%-26s %-5s %-12s %-8s %s%s\n", p->serial, swdf_probe_kind_name(p->kind),
           p->firmware[0] != '\0' ? p->firmware : "?", volts, p->product,
           p->busy ? " (busy: used by another program, or no permission: see 60-swdflash.rules)"
                   : "");
  }
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
  if (err == SWDF_OK && n == 0 && !g->json) {
    rc = cli_report_error(g, swdf_err_name(SWDF_ERR_NO_PROBE), "no ST-Link probe found",
                          "plug the ST-Link in with a data cable (not a charge-only one); on "
                          "Linux install swdflash's udev rules (60-swdflash.rules) and "
                          "replug it",
                          CLI_EXIT_NO_PROBE);
  } else if (err != SWDF_OK) {
    rc = cli_session_fail(&s, err, "listing probes");
  } else if (g->json) {
    print_json(g, list, n); /* no probe: an empty list, for scripts */
  } else {
    print_text(list, n);
  }
  swdf_probe_list_free(list);
  cli_session_end(&s);
  return rc;
}
