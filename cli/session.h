/*
 * What a command that talks to the target holds: the library context (with
 * the log going to standard error and progress drawn on a terminal), the
 * probe and the target.
 */
#ifndef SWDFLASH_CLI_SESSION_H
#define SWDFLASH_CLI_SESSION_H

#include "cli.h"

enum { CLI_PHASES = 5 }; /* swdf_phase values */

typedef struct cli_phase_state {
  bool seen;
  uint64_t done, total;
} cli_phase_state;

typedef struct cli_session {
  cli_globals *g;
  swdf_ctx *ctx;
  swdf_probe *probe;
  swdf_target *target;
  swdf_chip_info chip;
  bool show_progress;
  bool progress_shown;
  double started, last_draw;
  cli_phase_state phases[CLI_PHASES];
} cli_session;

/* Only the context (for work that needs no probe yet, such as reading an
 * image). Returns an exit code; on failure the error is printed. */
int cli_session_ctx(cli_session *s, cli_globals *g);

/* Context, probe and target, connected as the global options say. */
int cli_session_open(cli_session *s, cli_globals *g);

/* Probe and target for a session that has its context already. On failure
 * the error is printed and the session closed. */
int cli_session_connect(cli_session *s);

void cli_session_close(cli_session *s);

/* Erase the progress line before printing something else. */
void cli_progress_clear(cli_session *s);

/* Seconds since the session was made. */
double cli_session_elapsed(const cli_session *s);

#endif
