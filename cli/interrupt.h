/*
 * Ctrl-C and SIGTERM: the handlers only note the signal. The progress
 * callback passes it on to the library, which stops at the next safe point
 * (after the page or sector in progress, with the bytes kept around the
 * image written back) and fails with SWDF_ERR_CANCELLED; the command then
 * says what the flash holds and exits with CLI_EXIT_INTERRUPTED.
 */
#ifndef SWDFLASH_CLI_INTERRUPT_H
#define SWDFLASH_CLI_INTERRUPT_H

#include <stdbool.h>

/* Install the SIGINT and SIGTERM handlers (once, at start-up). */
void cli_interrupt_install(void);

/* Whether SIGINT or SIGTERM arrived. */
bool cli_interrupted(void);

#endif
