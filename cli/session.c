#include "session.h"

#include "interrupt.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

enum { BAR_WIDTH = 30 };

static const char *const phase_names[] = {"reading", "erasing", "programming", "verifying",
                                          "checking"};

void cli_format_size(char *out, size_t len, uint64_t bytes) {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) == 0) {
    snprintf(out, len, "%llu MiB", (unsigned long long)(bytes / (1024 * 1024)));
  } else if (bytes >= 1024 * 1024) {
    snprintf(out, len, "%.1f MiB", (double)bytes / (1024.0 * 1024.0));
  } else if (bytes >= 1024 && bytes % 1024 == 0) {
    snprintf(out, len, "%llu KiB", (unsigned long long)(bytes / 1024));
  } else if (bytes >= 1024) {
    snprintf(out, len, "%.1f KiB", (double)bytes / 1024.0);
  } else {
    snprintf(out, len, "%llu byte%s", (unsigned long long)bytes, cli_plural(bytes));
  }
}

const char *cli_plural(uint64_t count) {
  return count == 1 ? "" : "s";
}

static void progress_reset(cli_progress *p) {
  p->drawn = false;
  p->last_permille = -1;
  p->phases = 0;
  memset(p->done, 0, sizeof(p->done));
  memset(p->total, 0, sizeof(p->total));
}

void cli_progress_finish(cli_progress *p) {
  if (p->drawn) {
    fputc('\n', stderr);
    fflush(stderr);
  }
  progress_reset(p);
}

/* Every phase on the bar has reached its total. */
static bool bar_complete(const cli_progress *p) {
  for (unsigned i = 0; i < CLI_PROGRESS_PHASES; i++) {
    if ((p->phases & 1u << i) != 0 && p->done[i] < p->total[i]) {
      return false;
    }
  }
  return p->phases != 0;
}

static const char *bar_name(const cli_progress *p) {
  if ((p->phases & (p->phases - 1)) != 0) {
    return "writing"; /* erase and program together */
  }
  return (unsigned)p->phase < sizeof(phase_names) / sizeof(phase_names[0]) ? phase_names[p->phase]
                                                                           : "working";
}

/* "  12.3 KiB/s  0:07 left" once there is a rate to speak of. */
static void rate_text(char *out, size_t len, uint64_t done, uint64_t total, double seconds) {
  out[0] = '\0';
  if (seconds < 0.2 || done == 0) {
    return;
  }
  double rate = (double)done / seconds;
  unsigned left = (unsigned)((double)(total - done) / rate + 0.5);
  snprintf(out, len, "  %.1f KiB/s  %u:%02u left", rate / 1024.0, left / 60, left % 60);
}

static void draw(cli_progress *p, int permille, uint64_t done, uint64_t total) {
  int filled = permille * BAR_WIDTH / 1000;
  char bar[BAR_WIDTH + 1];
  memset(bar, '#', (size_t)filled);
  memset(bar + filled, '.', (size_t)(BAR_WIDTH - filled));
  bar[BAR_WIDTH] = '\0';
  char d[24], t[24], rate[48];
  cli_format_size(d, sizeof(d), done);
  cli_format_size(t, sizeof(t), total);
  rate_text(rate, sizeof(rate), done, total, cli_now_s() - p->started);
  fprintf(stderr, "\r%-11s %s[%s]%s %3d%%  %s / %s%s   ", bar_name(p),
          p->color ? "\033[32m" : "", bar, p->color ? "\033[0m" : "", permille / 10, d, t, rate);
  fflush(stderr);
  p->drawn = true;
}

static int on_progress(void *user, swdf_phase phase, uint64_t done, uint64_t total) {
  cli_session *s = user;
  cli_progress *p = &s->progress;
  if (cli_interrupted()) {
    return 1; /* the library stops at its next safe point */
  }
  unsigned slot = (unsigned)phase < CLI_PROGRESS_PHASES ? (unsigned)phase : 0;
  if (!p->enabled || total == 0) {
    return 0;
  }
  bool known = (p->phases & 1u << slot) != 0;
  /* A phase that starts after the bar's phases are complete, or that starts
   * over (a second pass), begins a line of its own. */
  if ((!known && bar_complete(p)) || (known && done < p->done[slot] && bar_complete(p))) {
    cli_progress_finish(p);
    known = false;
  }
  if (p->phases == 0) {
    p->started = cli_now_s();
  }
  p->phases |= 1u << slot;
  p->phase = phase;
  p->done[slot] = done > p->done[slot] || !known ? done : p->done[slot];
  p->total[slot] = total;
  uint64_t all_done = 0, all_total = 0;
  for (unsigned i = 0; i < CLI_PROGRESS_PHASES; i++) {
    all_done += p->done[i];
    all_total += p->total[i];
  }
  int permille = all_total > 0 ? (int)(all_done * 1000 / all_total) : 0;
  if (permille <= p->last_permille) {
    if (p->drawn) {
      return 0; /* never backwards; nothing new to show */
    }
    permille = p->last_permille < 0 ? 0 : p->last_permille;
  }
  p->last_permille = permille;
  draw(p, permille, all_done, all_total);
  return 0;
}

double cli_now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void on_log(void *user, swdf_log_level level, const char *msg) {
  cli_session *s = user;
  cli_progress_finish(&s->progress);
  if (level >= SWDF_LOG_DEBUG) {
    /* Debug lines say when things happened, to see where time goes. */
    fprintf(stderr, "swdflash: [%9.3f] %s: %s\n", cli_now_s() - s->started,
            level == SWDF_LOG_DEBUG ? "debug" : "trace", msg);
    return;
  }
  if (level == SWDF_LOG_WARN) {
    cli_warn(s->g, "log", "%s", msg); /* for the JSON reply too */
  }
  static const char *const prefixes[] = {"error", "warning", "", "debug", "trace"};
  const char *prefix = (unsigned)level < 5 ? prefixes[level] : "";
  bool color = s->g->color && level <= SWDF_LOG_WARN;
  fprintf(stderr, "swdflash: %s%s%s%s%s\n", color ? "\033[33m" : "", prefix,
          color ? "\033[0m" : "", prefix[0] != '\0' ? ": " : "", msg);
}

static swdf_log_level log_level(const cli_globals *g) {
  if (g->quiet) {
    return SWDF_LOG_ERROR;
  }
  int level = SWDF_LOG_WARN + g->verbose;
  return level > SWDF_LOG_TRACE ? SWDF_LOG_TRACE : (swdf_log_level)level;
}

int cli_session_start(cli_session *s, const cli_globals *g, const char *command) {
  memset(s, 0, sizeof(*s));
  s->started = cli_now_s();
  s->g = g;
  s->command = command;
  s->progress.enabled = g->tty && !g->quiet && !g->json;
  s->progress.color = g->color;
  progress_reset(&s->progress);
  swdf_ctx_opts opts = SWDF_CTX_OPTS_INIT;
  opts.log = on_log;
  opts.log_level = log_level(g);
  opts.progress = on_progress;
  opts.user = s;
  swdf_err err = swdf_ctx_new(&s->ctx, &opts);
  if (err != SWDF_OK) {
    return cli_lib_error(g, NULL, err, "starting");
  }
  return CLI_EXIT_OK;
}

int cli_session_fail(cli_session *s, swdf_err err, const char *what) {
  cli_progress_finish(&s->progress);
  return cli_lib_error(s->g, s->ctx, err, what);
}

int cli_session_open_probe(cli_session *s) {
  swdf_err err = swdf_probe_open(&s->probe, s->ctx, s->g->serial);
  return err == SWDF_OK ? CLI_EXIT_OK : cli_session_fail(s, err, NULL);
}

static swdf_connect_mode connect_mode(cli_connect_mode mode) {
  switch (mode) {
  case CLI_CONNECT_NORMAL: return SWDF_CONNECT_NORMAL;
  case CLI_CONNECT_HOT_PLUG: return SWDF_CONNECT_HOT_PLUG;
  case CLI_CONNECT_UNDER_RESET: return SWDF_CONNECT_UNDER_RESET;
  default: return SWDF_CONNECT_AUTO;
  }
}

/* --freq: the clock the probe actually runs (it offers a few; the library
 * takes the nearest not above the one asked for, and may slow down). */
static void say_clock(const cli_session *s) {
  swdf_chip_info chip = SWDF_CHIP_INFO_INIT;
  if (s->g->freq_khz == 0 || s->g->json || s->g->quiet ||
      swdf_target_chip_info(&chip, s->target) != SWDF_OK) {
    return;
  }
  fprintf(stderr, "swdflash: SWD clock %u kHz%s", (unsigned)chip.freq_khz,
          chip.freq_khz == s->g->freq_khz ? "\n" : "");
  if (chip.freq_khz != s->g->freq_khz) {
    fprintf(stderr, " (asked for %u kHz: the nearest the probe offers)\n",
            (unsigned)s->g->freq_khz);
  }
}

int cli_session_connect(cli_session *s) {
  int rc = cli_session_open_probe(s);
  if (rc != CLI_EXIT_OK) {
    return rc;
  }
  swdf_connect_opts opts = SWDF_CONNECT_OPTS_INIT;
  opts.mode = connect_mode(s->g->connect);
  opts.freq_khz = s->g->freq_khz;
  swdf_err err = swdf_target_connect(&s->target, s->probe, &opts);
  if (err != SWDF_OK) {
    return cli_session_fail(s, err, NULL);
  }
  say_clock(s);
  return CLI_EXIT_OK;
}

void cli_session_end(cli_session *s) {
  cli_progress_finish(&s->progress);
  swdf_target_disconnect(s->target);
  swdf_probe_close(s->probe);
  swdf_ctx_free(s->ctx);
  s->target = NULL;
  s->probe = NULL;
  s->ctx = NULL;
}
