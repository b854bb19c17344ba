/* Where a raw binary goes, and whether it can run there: said before it is
 * written (write), never guessed silently. */
#ifndef SWDFLASH_CLI_PLACEMENT_H
#define SWDFLASH_CLI_PLACEMENT_H

#include <stdbool.h>

#include "cli.h"
#include "json.h"
#include "session.h"

enum { CLI_PLACEMENT_MAX = 4 };

typedef struct cli_placement {
  const char *address_from; /* "file" (HEX, S-record, ELF), "command line", "default" */
  uint32_t addr;            /* where the image starts */
  size_t count;
  const char *codes[CLI_PLACEMENT_MAX]; /* the warnings' codes in the JSON reply */
  char warnings[CLI_PLACEMENT_MAX][640];
} cli_placement;

/*
 * Judge `img` (read with an address given on the command line when
 * `addr_given`) for the chip with the library's boot checks: a raw binary
 * whose vector table says it was linked for another address, that is not
 * a program at all, or that was built for another MCU gets a warning; a
 * raw binary without an address gets a note saying where it goes and why.
 */
void cli_check_placement(cli_placement *out, cli_session *s, const swdf_chip_info *chip,
                         const swdf_image *img, bool addr_given);

/* The warnings on standard error (text mode). */
void cli_print_placement(const cli_placement *p, const cli_globals *g);

/* The "address_from" member of the current JSON object; the warnings go
 * to the reply's "warnings" array. */
void cli_json_placement(cli_json *j, const cli_globals *g, const cli_placement *p);

#endif
