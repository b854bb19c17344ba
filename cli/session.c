/* Connecting to the target for a command: context, probe, target, messages, progress. */
#include <string.h>
#include <time.h>

#include "session.h"

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void log_line(void *user, swdf_log_level level, const char *msg) {
  cli_session *s = user;
  static const char *const prefixes[] = {"error: ", "warning: ", "", "debug: ", "trace: "};
  cli_progress_clear(s);
  if (level >= SWDF_LOG_DEBUG) {
    /* Debug output shows when things happened, to see where time goes. */
    fprintf(stderr, "swdflash: [%9.3f] %s%s\n", now_s() - s->started, prefixes[level], msg);
  } else {
    fprintf(stderr, "swdflash: %s%s\n", (unsigned)level < 5 ? prefixes[level] : "", msg);
  }
}

static const char *const phase_names[CLI_PHASES] = {"read", "erase", "program", "verify", "check"};

void cli_progress_clear(cli_session *s) {
  if (s->progress_shown) {
    fputs("\r\033[K", stderr);
    s->progress_shown = false;
  }
}

static void draw(cli_session *s) {
  char line[160];
  size_t used = 0;
  for (int p = 0; p < CLI_PHASES; p++) {
    const cli_phase_state *ph = &s->phases[p];
    if (!ph->seen || used + 40 >= sizeof(line)) {
      continue;
    }
    int pct = ph->total > 0 ? (int)(ph->done * 100 / ph->total) : 100;
    used += (size_t)snprintf(line + used, sizeof(line) - used, "%s%s %3d%%", used > 0 ? "  " : "",
                             phase_names[p], pct);
  }
  fprintf(stderr, "\r\033[K%s", line);
  fflush(stderr);
  s->progress_shown = true;
}

static int on_progress(void *user, swdf_phase phase, uint64_t done, uint64_t total) {
  cli_session *s = user;
  if ((unsigned)phase >= CLI_PHASES) {
    return 0;
  }
  cli_phase_state *ph = &s->phases[phase];
  ph->seen = true;
  ph->done = done;
  ph->total = total;
  if (!s->show_progress) {
    return 0;
  }
  double now = now_s();
  if (now - s->last_draw >= 0.1 || done == total) {
    s->last_draw = now;
    draw(s);
  }
  return 0;
}

static swdf_log_level level_for(const cli_globals *g) {
  if (g->quiet) {
    return SWDF_LOG_ERROR;
  }
  int level = SWDF_LOG_INFO + g->verbose;
  return level > SWDF_LOG_TRACE ? SWDF_LOG_TRACE : (swdf_log_level)level;
}

int cli_session_ctx(cli_session *s, cli_globals *g) {
  memset(s, 0, sizeof(*s));
  s->g = g;
  s->show_progress = g->tty && !g->quiet && !g->json;
  s->started = now_s();
  swdf_ctx_opts opts = SWDF_CTX_OPTS_INIT;
  opts.log = log_line;
  opts.log_level = level_for(g);
  opts.progress = on_progress;
  opts.user = s;
  swdf_err err = swdf_ctx_new(&s->ctx, &opts);
  if (err != SWDF_OK) {
    return cli_lib_error(g, NULL, err, "creating the library context");
  }
  return CLI_EXIT_OK;
}

int cli_session_open(cli_session *s, cli_globals *g) {
  int rc = cli_session_ctx(s, g);
  return rc != CLI_EXIT_OK ? rc : cli_session_connect(s);
}

int cli_session_connect(cli_session *s) {
  cli_globals *g = s->g;
  int rc;
  swdf_err err = swdf_probe_open(&s->probe, s->ctx, g->serial);
  if (err != SWDF_OK) {
    rc = cli_lib_error(g, s->ctx, err, "opening the probe");
    cli_session_close(s);
    return rc;
  }
  static const swdf_connect_mode modes[] = {
      [CLI_CONNECT_AUTO] = SWDF_CONNECT_AUTO,
      [CLI_CONNECT_NORMAL] = SWDF_CONNECT_NORMAL,
      [CLI_CONNECT_HOT_PLUG] = SWDF_CONNECT_HOT_PLUG,
      [CLI_CONNECT_UNDER_RESET] = SWDF_CONNECT_UNDER_RESET,
  };
  swdf_connect_opts copts = SWDF_CONNECT_OPTS_INIT;
  copts.mode = modes[g->connect];
  copts.freq_khz = g->freq_khz;
  err = swdf_target_connect(&s->target, s->probe, &copts);
  if (err != SWDF_OK) {
    rc = cli_lib_error(g, s->ctx, err, "connecting to the target");
    cli_session_close(s);
    return rc;
  }
  s->chip.size = sizeof(s->chip);
  err = swdf_target_chip_info(&s->chip, s->target);
  if (err != SWDF_OK) {
    rc = cli_lib_error(g, s->ctx, err, "identifying the chip");
    cli_session_close(s);
    return rc;
  }
  return CLI_EXIT_OK;
}

void cli_session_close(cli_session *s) {
  cli_progress_clear(s);
  swdf_target_disconnect(s->target);
  swdf_probe_close(s->probe);
  swdf_ctx_free(s->ctx);
  s->target = NULL;
  s->probe = NULL;
  s->ctx = NULL;
}

double cli_session_elapsed(const cli_session *s) { return now_s() - s->started; }
