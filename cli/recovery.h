/* Connecting to a chip: as the options say, or, for a chip in trouble
 * (unlock, rescue), every way in turn. */
#ifndef SWDFLASH_CLI_RECOVERY_H
#define SWDFLASH_CLI_RECOVERY_H

#include "session.h"

/*
 * Open the probe and connect, trying the ways that work on stuck chips in
 * turn (unless --connect chose one): normally; holding the chip in reset
 * through NRST (firmware that switches SWD off or sleeps; a core that locks
 * up at reset under read protection is halted there by the library); and
 * without halting the core (one that cannot be halted at all). `*how` gets
 * a sentence for the user when the normal way failed ("" otherwise). On
 * failure prints the error with wiring advice and returns its exit code.
 */
int cli_connect_recovery(cli_session *s, swdf_chip_info *chip, char *how, size_t how_len);

/* Connect as the global options say (--connect) and identify the chip.
 * Returns an exit code; on failure the error is printed. */
int cli_connect_chip(cli_session *s, swdf_chip_info *chip);

#endif
