/* Showing option bytes and changes, and asking before changing a chip. */
#ifndef SWDFLASH_CLI_OPTIONS_VIEW_H
#define SWDFLASH_CLI_OPTIONS_VIEW_H

#include <stdbool.h>
#include <stdio.h>

#include "cli.h"
#include "json.h"

/* Where the chip boots from, for the "Boot configuration" section. */
typedef struct cli_boot_source {
  bool known;            /* false: not looked at */
  swdf_boot_source source;
  char why[240];
} cli_boot_source;

/* Every field decoded, grouped, with the protected ranges; `raw` adds the
 * raw words. */
void cli_print_options(FILE *f, const swdf_options *o, const char *chip,
                       const cli_boot_source *boot, bool raw);

/* The same as members of the current JSON object. */
void cli_json_options(cli_json *j, const swdf_options *o, const cli_boot_source *boot, bool raw);

/* The members of a protected range inside the current object: addr, size,
 * end (its last byte), kind ("wrp" or "pcrop") and the option field. */
void cli_json_protected_range(cli_json *j, const swdf_opt_range *r);

/* The changes set so far: each field before -> after, its warning, the
 * protected ranges afterwards, and whether the flash will be erased. */
void cli_print_changes(FILE *f, const swdf_options *o);

/* The changes as data, kept to report them after writing (which resets
 * the options' pending changes). */
enum { CLI_MAX_CHANGES = 40, CLI_MAX_RANGES = 32 };

typedef struct cli_changes {
  size_t count;
  struct {
    char name[24], from[24], to[24];
    uint32_t from_raw, to_raw;
  } items[CLI_MAX_CHANGES];
  size_t range_count;
  swdf_opt_range ranges_after[CLI_MAX_RANGES];
  bool erases;
} cli_changes;

void cli_capture_changes(cli_changes *c, const swdf_options *o);
void cli_json_changes(cli_json *j, const cli_changes *c);

/* "0x08000000-0x08001FFF (8 KiB)" */
void cli_format_range(char *out, size_t len, uint32_t addr, uint32_t size);

/* One line per protected range ("nothing" when none). */
void cli_print_ranges(FILE *f, const swdf_options *o, int staged, const char *indent);

/*
 * Ask before changing the chip. With `yes` go ahead; on a terminal ask
 * `question` and wait for "y"/"yes"; without a terminal refuse (the caller
 * must pass --yes). Returns CLI_EXIT_OK to go ahead, else the exit code to
 * return (the message is printed).
 */
int cli_confirm(const cli_globals *g, bool yes, const char *cmd, const char *question);

#endif
