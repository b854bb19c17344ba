/* The objects that mean the same thing in every command's JSON reply
 * (docs/json.md): the probe, the chip, and how it was connected. */
#ifndef SWDFLASH_CLI_REPLY_H
#define SWDFLASH_CLI_REPLY_H

#include "cli.h"
#include "json.h"

/* "probe": {serial, kind, product, firmware, target_voltage, usb_id, ...}
 * (key NULL inside an array). */
void cli_json_probe(cli_json *j, const char *key, const swdf_probe_info *p);

/* The same inside an array, with its "chip" (null when it was not read). */
void cli_json_probe_with_chip(cli_json *j, const swdf_probe_info *p, const swdf_chip_info *c);

/* "chip": {id, name, family, core, dev_id, ...}; null when `c` is NULL or
 * was never filled in (the chip could not be identified). */
void cli_json_chip(cli_json *j, const char *key, const swdf_chip_info *c);

/* "connection": {mode, freq_khz, requested_freq_khz, note}; null when the
 * chip was not reached. */
void cli_json_connection(cli_json *j, const cli_globals *g, const swdf_chip_info *c);

/* "chip" and "connection" together, and the warnings they call for: the
 * connection made another way than asked (NRST), a slower clock than asked. */
void cli_json_chip_connection(cli_json *j, const cli_globals *g, const swdf_chip_info *c);

/* The warnings about how the chip was reached, for the reply's "warnings". */
void cli_warn_connection(const cli_globals *g, const swdf_chip_info *c);

#endif
