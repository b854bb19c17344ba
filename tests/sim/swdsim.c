/*
 * swdsim: run ST-Link tools against simulated probes and chips, list what
 * can be simulated, and look inside chip state files.
 */
#include "limit.h"
#include "probe.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef SWDSIM_DROPIN_DIR
#define SWDSIM_DROPIN_DIR "."
#endif
#ifndef SWDSIM_SANITIZER_RUNTIMES
#define SWDSIM_SANITIZER_RUNTIMES ""
#endif

#define DROPIN_NAME "libusb-1.0.so.0"

enum { EXIT_USAGE = 2, EXIT_NO_EXEC = 127 };

static const char usage_main[] =
  "usage: swdsim COMMAND [ARGS]\n"
  "\n"
  "Simulated ST-Link probes with STM32 chips behind them, for running ST-Link\n"
  "tools (swdflash, st-flash, st-info, openocd, pyocd) without hardware.\n"
  "\n"
  "commands:\n"
  "  run [OPTIONS] -- CMD [ARGS...]  run CMD against the simulator\n"
  "  chips                           list the chips that can be simulated\n"
  "  probes                          list the probe personalities\n"
  "  state init|dump|show|boot ...   create, inspect or boot a chip state file\n"
  "  limit --chip NAME [OPTIONS]     the physical limit of a write, read or erase\n"
  "  help [COMMAND]                  this text, or one command in detail\n"
  "\n"
  "Run `swdsim help run` to start.\n";

static const char usage_run[] =
  "usage: swdsim run [OPTIONS] -- CMD [ARGS...]\n"
  "\n"
  "Runs CMD with the simulator standing in for libusb-1.0 (first in\n"
  "LD_LIBRARY_PATH and in LD_PRELOAD, so that sleeps and clocks follow the\n"
  "simulation's virtual time) and exits with CMD's status.\n"
  "\n"
  "options (each also read from the environment variable shown):\n"
  "  --chip NAME            the chip behind every probe (SWDSIM_CHIP; default\n"
  "                         stm32f103c8; `swdsim chips` lists them)\n"
  "  --probe KIND[:SERIAL[:MODE]]\n"
  "                         a probe on the USB bus; repeat for several, each with\n"
  "                         its own chip (SWDSIM_PROBE, comma-separated; default v2).\n"
  "                         SERIAL: 24 hex digits for probes with a binary serial,\n"
  "                         else up to 24 characters. MODE at power-up: dfu,\n"
  "                         mass-storage (default), debug, swim or bootloader\n"
  "  --state FILE           the chip state file: flash, option bytes, protection,\n"
  "                         kept between runs (SWDSIM_STATE; the second probe's chip\n"
  "                         uses FILE.2 and so on). Without it a fresh erased chip\n"
  "                         is used and forgotten\n"
  "  --idle-ms N            the board stays powered and running between runs, as a\n"
  "                         real one does: each run goes on from where the last one\n"
  "                         (or `swdsim state boot`) left the core (running, halted,\n"
  "                         sleeping or locked up), RAM and peripherals, after N more\n"
  "                         virtual ms of firmware with no tool attached\n"
  "                         (SWDSIM_IDLE_MS; default 300, a board plugged in a\n"
  "                         moment before; 0: no time passes)\n"
  "  --reset-each-run       forget the running board instead: each run starts the\n"
  "                         firmware again from a system reset of the powered board\n"
  "                         (SWDSIM_RESET_EACH_RUN=1)\n"
  "  --report FILE          write the timing report (JSON) there at exit (SWDSIM_REPORT)\n"
  "  --trace FILE           write one line per USB transfer there: virtual time, idle\n"
  "                         time before it, USB and probe cost, the bytes (SWDSIM_TRACE)\n"
  "  --fault KIND@N         inject a fault at the Nth event of its kind; repeatable\n"
  "                         (SWDSIM_FAULT, comma-separated). Kinds: usb-stall,\n"
  "                         usb-timeout, usb-disconnect (Nth USB transfer of the\n"
  "                         process), swd-fault, swd-wait, swd-stuck (Nth SWD\n"
  "                         transaction), flash-error, power-loss, interrupt (Nth\n"
  "                         flash program/erase), usb-access (Nth and later opens:\n"
  "                         no permission)\n"
  "  --scenario NAME        no-target, nrst-not-wired, swd-disabled, sleep, boot0=1,\n"
  "                         boot1=1, vdd=MV, g0-boot0-ignored, g0-empty-check,\n"
  "                         g0-empty-stuck (G0: FLASH_ACR.EMPTY not writable),\n"
  "                         h7-caches-on (H7: the firmware enabled the M7 caches),\n"
  "                         h7-boot-add[=0xHHHH] (H7: BOOT_ADD0 in the option bytes,\n"
  "                         alone 0x1FF0, the system memory); repeatable\n"
  "                         (SWDSIM_SCENARIO, comma-separated)\n"
  "\n"
  "With a sanitized build, the sanitizer runtimes are preloaded ahead of the\n"
  "simulator. If ASAN_OPTIONS does not choose detect_leaks or\n"
  "detect_odr_violation, both are turned off for programs that are not\n"
  "themselves built with AddressSanitizer (the peer tools), and left alone for\n"
  "ours.\n"
  "\n"
  "example: swdsim run --chip stm32f446re --probe v3 -- st-info --probe\n";

static const char usage_chips[] =
  "usage: swdsim chips\n\nLists the chips that can be simulated, one per line with a description.\n";

static const char usage_probes[] =
  "usage: swdsim probes\n\nLists the probe personalities (the KIND of --probe), one per line.\n";

static const char usage_state[] =
  "usage: swdsim state init FILE --chip NAME [--load IMAGE@ADDR]... [--option NAME=VALUE]...\n"
  "       swdsim state dump FILE ADDR LEN OUT\n"
  "       swdsim state show FILE [--json]\n"
  "       swdsim state power-cycle FILE\n"
  "       swdsim state boot FILE [--ms N] [--reset] [--read ADDR]... [--json]\n"
  "\n"
  "Creates a chip state file, copies flash or option bytes out of one without\n"
  "any probe involved, shows its option bytes and protection, or runs its\n"
  "firmware with no debugger and says where it boots and where the core is.\n"
  "`swdsim state help` has the details.\n";

static const struct {
  const char *name;
  const char *text;
} helps[] = {
  {"run", usage_run},     {"chips", usage_chips}, {"probes", usage_probes},
  {"state", usage_state},
};

__attribute__((format(printf, 1, 2))) static int usage_error(const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "swdsim: ");
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\n");
  va_end(ap);
  return EXIT_USAGE;
}

static bool wants_help(const char *arg)
{
  return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0 || strcmp(arg, "help") == 0;
}

static int limit(int argc, char **argv)
{
  char err[512] = "";
  int status = sim_limit_main(argc, argv, err, sizeof err);
  return err[0] ? usage_error("limit: %s (see `swdsim help limit`)", err) : status;
}

static int help(const char *command)
{
  if (!command) {
    fputs(usage_main, stdout);
    return 0;
  }
  if (strcmp(command, "limit") == 0)
    return limit(2, (char *[]){"limit", "--help", NULL});
  for (size_t i = 0; i < sizeof helps / sizeof helps[0]; i++)
    if (strcmp(helps[i].name, command) == 0) {
      fputs(helps[i].text, stdout);
      return 0;
    }
  return usage_error("no command '%s' (try `swdsim help`)", command);
}

static int list_chips(void)
{
  for (const char *const *c = sim_chip_names(); *c; c++) {
    const char *d = sim_chip_describe(*c);
    printf("%-16s %s\n", *c, d ? d : "");
  }
  return 0;
}

static int list_probes(void)
{
  for (int i = 0; sim_probe_kind_at(i); i++) {
    const sim_probe_kind *k = sim_probe_kind_at(i);
    printf("%-12s %s (USB %04X:%04X, %s speed)\n", k->name, k->description, 0x0483, k->pid,
           k->high_speed ? "high" : "full");
  }
  return 0;
}

/* ---------------------------------------------------------------------- */
/* run                                                                     */
/* ---------------------------------------------------------------------- */

typedef struct list {
  char text[2048];
} list;

static bool append(list *l, const char *item)
{
  size_t used = strlen(l->text);
  int n = snprintf(l->text + used, sizeof l->text - used, "%s%s", used ? "," : "", item);
  return n > 0 && (size_t)n < sizeof l->text - used;
}

/* "--name VALUE" or "--name=VALUE"; advances *i past what it used. */
static const char *option_value(int argc, char **argv, int *i, const char *name)
{
  size_t n = strlen(name);
  const char *arg = argv[*i];
  if (strncmp(arg, name, n) != 0)
    return NULL;
  if (arg[n] == '=')
    return arg + n + 1;
  if (arg[n] != 0)
    return NULL;
  if (*i + 1 >= argc)
    return "";
  return argv[++*i];
}

static bool absolute_path(const char *path, char *out, size_t cap)
{
  if (path[0] == '/')
    return (size_t)snprintf(out, cap, "%s", path) < cap;
  char cwd[PATH_MAX];
  if (!getcwd(cwd, sizeof cwd))
    return false;
  return (size_t)snprintf(out, cap, "%s/%s", cwd, path) < cap;
}

static void dropin_dir(char *out, size_t cap)
{
  /* Next to the launcher, where the build puts both; else where it was built. */
  char self[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n > 0) {
    self[n] = 0;
    char *slash = strrchr(self, '/');
    if (slash) {
      *slash = 0;
      char probe[PATH_MAX + 32];
      snprintf(probe, sizeof probe, "%s/%s", self, DROPIN_NAME);
      if (access(probe, R_OK) == 0) {
        snprintf(out, cap, "%s", self);
        return;
      }
    }
  }
  snprintf(out, cap, "%s", SWDSIM_DROPIN_DIR);
}

static bool prepend_env(const char *var, const char *value)
{
  const char *old = getenv(var);
  size_t len = strlen(value) + (old ? strlen(old) + 1 : 0) + 1;
  char *joined = malloc(len);
  if (!joined)
    return false;
  snprintf(joined, len, "%s%s%s", value, old && *old ? ":" : "", old ? old : "");
  int r = setenv(var, joined, 1);
  free(joined);
  return r == 0;
}

/* Is the program built with AddressSanitizer (it names libasan)? */
static bool program_is_sanitized(const char *cmd)
{
  char path[PATH_MAX] = "";
  if (strchr(cmd, '/')) {
    snprintf(path, sizeof path, "%s", cmd);
  } else {
    const char *p = getenv("PATH");
    for (; p && *p && !path[0];) {
      size_t n = strcspn(p, ":");
      char candidate[PATH_MAX];
      snprintf(candidate, sizeof candidate, "%.*s/%s", (int)n, p, cmd);
      if (access(candidate, X_OK) == 0)
        snprintf(path, sizeof path, "%s", candidate);
      p += n + (p[n] == ':');
    }
  }
  FILE *f = path[0] ? fopen(path, "rb") : NULL;
  if (!f)
    return false;
  static const char needle[] = "libasan.so";
  char buf[65536 + sizeof needle];
  size_t keep = 0, n;
  bool found = false;
  while (!found && (n = fread(buf + keep, 1, sizeof buf - keep, f)) > 0) {
    size_t have = keep + n;
    for (size_t i = 0; i + sizeof needle - 1 <= have && !found; i++)
      found = memcmp(buf + i, needle, sizeof needle - 1) == 0;
    keep = have < sizeof needle - 1 ? have : sizeof needle - 1;
    memmove(buf, buf + have - keep, keep);
  }
  fclose(f);
  return found;
}

static bool set_asan_options(const char *cmd)
{
  if (!SWDSIM_SANITIZER_RUNTIMES[0] || program_is_sanitized(cmd))
    return true;
  /* The peer tools leak at exit and may trip ODR checks: not our bugs. */
  const char *old = getenv("ASAN_OPTIONS");
  char opts[4096];
  snprintf(opts, sizeof opts, "%s", old ? old : "");
  const char *keys[] = {"detect_leaks", "detect_odr_violation"};
  for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
    if (strstr(opts, keys[i]))
      continue; /* the user chose */
    size_t used = strlen(opts);
    snprintf(opts + used, sizeof opts - used, "%s%s=0", used ? ":" : "", keys[i]);
  }
  return setenv("ASAN_OPTIONS", opts, 1) == 0;
}

typedef struct run_options {
  const char *chip, *state, *report, *trace, *idle_ms;
  list probes, faults, scenarios;
  bool have_probes, have_faults, have_scenarios, reset_each_run;
} run_options;

static int parse_run(int argc, char **argv, run_options *o, int *cmd_index)
{
  memset(o, 0, sizeof *o);
  int i;
  for (i = 1; i < argc; i++) {
    const char *v;
    if (strcmp(argv[i], "--") == 0) {
      i++;
      break;
    }
    if (wants_help(argv[i])) {
      fputs(usage_run, stdout);
      exit(0);
    }
    if ((v = option_value(argc, argv, &i, "--chip"))) {
      o->chip = v;
    } else if ((v = option_value(argc, argv, &i, "--state"))) {
      o->state = v;
    } else if ((v = option_value(argc, argv, &i, "--report"))) {
      o->report = v;
    } else if ((v = option_value(argc, argv, &i, "--idle-ms"))) {
      o->idle_ms = v;
    } else if (strcmp(argv[i], "--reset-each-run") == 0) {
      o->reset_each_run = true;
    } else if ((v = option_value(argc, argv, &i, "--trace"))) {
      o->trace = v;
    } else if ((v = option_value(argc, argv, &i, "--probe"))) {
      o->have_probes = true;
      if (!append(&o->probes, v))
        return usage_error("too many --probe options");
    } else if ((v = option_value(argc, argv, &i, "--fault"))) {
      o->have_faults = true;
      if (!append(&o->faults, v))
        return usage_error("too many --fault options");
    } else if ((v = option_value(argc, argv, &i, "--scenario"))) {
      o->have_scenarios = true;
      if (!append(&o->scenarios, v))
        return usage_error("too many --scenario options");
    } else if (argv[i][0] == '-') {
      return usage_error("run: unknown option '%s' (see `swdsim help run`)", argv[i]);
    } else {
      break; /* the command, without "--" */
    }
  }
  if (i >= argc)
    return usage_error("run: no command to run (swdsim run [OPTIONS] -- CMD [ARGS...])");
  *cmd_index = i;
  return 0;
}

static int set_or_fail(const char *var, const char *value)
{
  if (setenv(var, value, 1) != 0)
    return usage_error("cannot set %s", var);
  return 0;
}

/* Put the run's settings into the environment the simulator reads. */
static int export_settings(const run_options *o)
{
  char path[PATH_MAX + 8];
  int r = 0;
  if (o->chip)
    r |= set_or_fail("SWDSIM_CHIP", o->chip);
  if (o->have_probes)
    r |= set_or_fail("SWDSIM_PROBE", o->probes.text);
  if (o->have_faults)
    r |= set_or_fail("SWDSIM_FAULT", o->faults.text);
  if (o->have_scenarios)
    r |= set_or_fail("SWDSIM_SCENARIO", o->scenarios.text);
  if (o->idle_ms)
    r |= set_or_fail("SWDSIM_IDLE_MS", o->idle_ms);
  if (o->reset_each_run)
    r |= set_or_fail("SWDSIM_RESET_EACH_RUN", "1");
  const char *state = o->state ? o->state : getenv("SWDSIM_STATE");
  if (state && *state) {
    if (!absolute_path(state, path, sizeof path))
      return usage_error("--state: path too long: %s", state);
    r |= set_or_fail("SWDSIM_STATE", path);
  }
  const char *report = o->report ? o->report : getenv("SWDSIM_REPORT");
  if (report && *report) {
    if (!absolute_path(report, path, sizeof path))
      return usage_error("--report: path too long: %s", report);
    r |= set_or_fail("SWDSIM_REPORT", path);
  }
  const char *trace = o->trace ? o->trace : getenv("SWDSIM_TRACE");
  if (trace && *trace) {
    if (!absolute_path(trace, path, sizeof path))
      return usage_error("--trace: path too long: %s", trace);
    FILE *f = fopen(path, "w");
    if (!f)
      return usage_error("--trace: cannot write %s: %s", path, strerror(errno));
    fclose(f);
    r |= set_or_fail("SWDSIM_TRACE", path);
  }
  return r;
}

/* Build each target once, as the simulator will: bad scenarios, unreadable
 * state files and the like are reported before CMD starts. */
static int check_targets(const sim_config *cfg)
{
  for (int i = 0; i < cfg->probe_count; i++) {
    char state[sizeof cfg->state_path + 8] = "";
    if (cfg->state_path[0] && snprintf(state, sizeof state, i ? "%s.%d" : "%s", cfg->state_path,
                                       i + 1) >= (int)sizeof state)
      return usage_error("--state: path too long");
    sim_target_options opts = {
      .chip = cfg->chip,
      .state_path = state,
      .scenarios = cfg->scenarios,
      .scenario_count = cfg->scenario_count,
      .no_save = true, /* a trial: the board must not move on */
    };
    sim_clock clock = {0};
    char err[512] = "";
    sim_target *t = sim_target_new(&clock, &opts, err, sizeof err);
    if (!t)
      return usage_error("%s", err[0] ? err : "cannot simulate this configuration");
    sim_target_free(t);
  }
  return 0;
}

static int run(int argc, char **argv)
{
  run_options o;
  int cmd_index = 0;
  int r = parse_run(argc, argv, &o, &cmd_index);
  if (r)
    return r;
  if ((r = export_settings(&o)))
    return r;
  sim_config cfg;
  char err[512];
  if (!sim_config_from_env(&cfg, err, sizeof err))
    return usage_error("%s", err);
  if ((r = check_targets(&cfg)))
    return r;

  char dir[PATH_MAX], lib[PATH_MAX + 32];
  dropin_dir(dir, sizeof dir);
  snprintf(lib, sizeof lib, "%s/%s", dir, DROPIN_NAME);
  if (access(lib, R_OK) != 0)
    return usage_error("cannot find the simulator library %s (build it with ninja)", lib);
  char preload[2 * PATH_MAX + sizeof SWDSIM_SANITIZER_RUNTIMES];
  snprintf(preload, sizeof preload, "%s%s%s", SWDSIM_SANITIZER_RUNTIMES,
           SWDSIM_SANITIZER_RUNTIMES[0] ? ":" : "", lib);
  if (!prepend_env("LD_LIBRARY_PATH", dir) || !prepend_env("LD_PRELOAD", preload) ||
      !set_asan_options(argv[cmd_index]))
    return usage_error("cannot set up the environment");
  fflush(NULL);
  execvp(argv[cmd_index], argv + cmd_index);
  fprintf(stderr, "swdsim: cannot run %s: %s\n", argv[cmd_index], strerror(errno));
  return EXIT_NO_EXEC;
}

int main(int argc, char **argv)
{
  if (argc < 2)
    return usage_error("no command given (try `swdsim help`)");
  const char *command = argv[1];
  if (wants_help(command))
    return help(argc > 2 ? argv[2] : NULL);
  bool sub_help = argc > 2 && wants_help(argv[2]) && strcmp(command, "state") != 0;
  if (strcmp(command, "run") == 0)
    return run(argc - 1, argv + 1);
  if (strcmp(command, "chips") == 0)
    return sub_help ? help(command) : argc == 2 ? list_chips() : usage_error("chips takes no arguments");
  if (strcmp(command, "probes") == 0)
    return sub_help ? help(command) : argc == 2 ? list_probes() : usage_error("probes takes no arguments");
  if (strcmp(command, "state") == 0)
    return sim_state_main(argc - 1, argv + 1);
  if (strcmp(command, "limit") == 0)
    return limit(argc - 1, argv + 1);
  return usage_error("unknown command '%s' (try `swdsim help`)", command);
}
