/* What every command that talks to a probe needs: a context with the log
 * and progress callbacks, the probe, and the target. */
#ifndef SWDFLASH_CLI_SESSION_H
#define SWDFLASH_CLI_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "cli.h"

enum { CLI_PROGRESS_PHASES = 8 };

/* One bar per job: phases that interleave (erase and program, unit by
 * unit) share one bar; a phase that starts after the others finished
 * (verify) gets a line of its own. A bar never goes backwards. */
typedef struct cli_progress {
  bool enabled;        /* drawing on standard error */
  bool color;
  bool drawn;          /* a bar is on the screen */
  int last_permille;   /* what the bar shows; it never goes down */
  swdf_phase phase;    /* the phase reported last */
  unsigned phases;     /* bit set of the phases on the current bar */
  uint64_t done[CLI_PROGRESS_PHASES];
  uint64_t total[CLI_PROGRESS_PHASES];
  double started;      /* when the current bar started (monotonic seconds) */
} cli_progress;

typedef struct cli_session {
  const cli_globals *g;
  const char *command;
  swdf_ctx *ctx;
  swdf_probe *probe;
  swdf_target *target;
  cli_progress progress;
  double started; /* monotonic seconds at cli_session_start */
} cli_session;

/* Create the context (log level from -v/-q, progress bar on a terminal
 * unless -q or --json). Returns an exit code; CLI_EXIT_OK on success. */
int cli_session_start(cli_session *s, const cli_globals *g, const char *command);

/* Open the probe (--serial). */
int cli_session_open_probe(cli_session *s);

/* Open the probe and connect to the target (--connect, --freq). */
int cli_session_connect(cli_session *s);

/* Disconnect, close and free everything. */
void cli_session_end(cli_session *s);

/* Report a library failure of this session; returns the exit code. */
int cli_session_fail(cli_session *s, swdf_err err, const char *what);

/* End the current progress bar line, if one is drawn. */
void cli_progress_finish(cli_progress *p);

/* Monotonic seconds, for how long something took. */
double cli_now_s(void);

/* "64 KiB", "1.5 MiB", "12 bytes" */
void cli_format_size(char *out, size_t len, uint64_t bytes);

/* "s" after a count other than 1: "1 sector", "2 sectors", "0 pages". */
const char *cli_plural(uint64_t count);

#endif
