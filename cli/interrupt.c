/* Ctrl-C and SIGTERM: note them, let the library stop at a safe point. */
#include "interrupt.h"

#include <signal.h>
#include <string.h>

/* The one piece of process-wide state a signal handler can reach. */
static volatile sig_atomic_t interrupted_by;

static void on_signal(int sig) { interrupted_by = sig; }

void cli_interrupt_install(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART; /* USB transfers in progress carry on */
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
}

bool cli_interrupted(void) { return interrupted_by != 0; }
