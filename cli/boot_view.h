/* Showing what a chip will boot (check-bootloader, rescue). */
#ifndef SWDFLASH_CLI_BOOT_VIEW_H
#define SWDFLASH_CLI_BOOT_VIEW_H

#include <stdbool.h>
#include <stdio.h>

#include "cli.h"
#include "json.h"
#include "session.h"

/* The report in words; `chip` (may be NULL) is checked against the MCU each
 * image was built for. */
void cli_print_boot_report(FILE *f, const swdf_boot_report *r, const char *chip);

/* The report as members of the current JSON object. */
void cli_json_boot_report(cli_json *j, const swdf_boot_report *r);

/* How the chip chooses where to start (swdf_boot_config_read), in words:
 * the explanation, then whether the ROM bootloader offers USB DFU and what
 * it needs. Each line starts with `indent`. */
void cli_print_boot_config(FILE *f, const swdf_boot_config *c, const char *indent);

/* The same as an object named `name` of the current JSON object. */
void cli_json_boot_config(cli_json *j, const char *name, const swdf_boot_config *c);

/* Run the check on the session's target and (with `print`) show it.
 * Returns CLI_EXIT_OK when a plausible program or bootloader is at the base,
 * CLI_EXIT_FAILED when not, or the exit code of an error (printed). */
int cli_check_bootloader(cli_session *s, const swdf_chip_info *chip,
                         const swdf_boot_check_opts *opts, bool print);

#endif
