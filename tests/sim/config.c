/* SWDSIM_* settings: parsing and validation with messages that say what to do. */
#include "probe.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_PROBE "v2"

static const char *const fault_names[] = {
  [SIM_FAULT_USB_STALL] = "usb-stall",
  [SIM_FAULT_USB_TIMEOUT] = "usb-timeout",
  [SIM_FAULT_USB_DISCONNECT] = "usb-disconnect",
  [SIM_FAULT_SWD_FAULT] = "swd-fault",
  [SIM_FAULT_SWD_WAIT] = "swd-wait",
  [SIM_FAULT_FLASH_ERROR] = "flash-error",
  [SIM_FAULT_POWER_LOSS] = "power-loss",
  [SIM_FAULT_USB_ACCESS] = "usb-access",
  [SIM_FAULT_SWD_STUCK] = "swd-stuck",
  [SIM_FAULT_INTERRUPT] = "interrupt",
  NULL,
};

static const struct {
  const char *name;
  sim_probe_mode mode;
} mode_names[] = {
  {"dfu", SIM_MODE_DFU},         {"mass-storage", SIM_MODE_MASS_STORAGE},
  {"msd", SIM_MODE_MASS_STORAGE}, {"debug", SIM_MODE_DEBUG},
  {"swim", SIM_MODE_SWIM},       {"bootloader", SIM_MODE_BOOTLOADER},
};

static bool failf(char *err, size_t err_len, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, err_len, fmt, ap);
  va_end(ap);
  return false;
}

const char *const *sim_fault_names(void)
{
  return fault_names;
}

bool sim_fault_is_usb(sim_fault_kind kind)
{
  return kind == SIM_FAULT_USB_STALL || kind == SIM_FAULT_USB_TIMEOUT ||
         kind == SIM_FAULT_USB_DISCONNECT || kind == SIM_FAULT_USB_ACCESS;
}

static void list_faults(char *out, size_t cap)
{
  size_t used = 0;
  out[0] = 0;
  for (int i = 0; fault_names[i] && used < cap; i++)
    used += (size_t)snprintf(out + used, cap - used, "%s%s", i ? ", " : "", fault_names[i]);
}

bool sim_parse_fault(const char *spec, sim_fault *out, char *err, size_t err_len)
{
  const char *at = strchr(spec, '@');
  char known[160];
  list_faults(known, sizeof known);
  if (!at)
    return failf(err, err_len, "fault '%s' has no event number: write KIND@N, e.g. usb-stall@5 (kinds: %s)",
                 spec, known);
  size_t kind_len = (size_t)(at - spec);
  int kind = -1;
  for (int i = 0; fault_names[i]; i++)
    if (strlen(fault_names[i]) == kind_len && strncmp(spec, fault_names[i], kind_len) == 0)
      kind = i;
  if (kind < 0)
    return failf(err, err_len, "unknown fault kind '%.*s' in '%s' (kinds: %s)", (int)kind_len, spec,
                 spec, known);
  const char *num = at + 1;
  char *end;
  errno = 0;
  unsigned long long n = strtoull(num, &end, 10);
  if (!isdigit((unsigned char)num[0]) || *end || errno || n == 0)
    return failf(err, err_len,
                 "fault '%s': N must be a positive whole number counting events from 1", spec);
  out->kind = (sim_fault_kind)kind;
  out->at = n;
  return true;
}

bool sim_parse_probe_mode(const char *name, sim_probe_mode *out)
{
  for (size_t i = 0; i < sizeof mode_names / sizeof mode_names[0]; i++)
    if (strcmp(name, mode_names[i].name) == 0) {
      *out = mode_names[i].mode;
      return true;
    }
  return false;
}

static bool is_hex_serial(const char *s)
{
  if (strlen(s) != 24)
    return false;
  for (; *s; s++)
    if (!isxdigit((unsigned char)*s))
      return false;
  return true;
}

static bool valid_serial(const sim_probe_kind *kind, const char *serial, char *err, size_t err_len)
{
  if (kind->binary_serial) {
    if (!is_hex_serial(serial))
      return failf(err, err_len,
                   "probe %s has a 12-byte binary serial: give it as 24 hex digits, not '%s'",
                   kind->name, serial);
    return true;
  }
  size_t n = strlen(serial);
  if (n == 0 || n > 24)
    return failf(err, err_len, "probe %s serial '%s' must be 1 to 24 characters", kind->name, serial);
  for (const char *c = serial; *c; c++)
    if (!isgraph((unsigned char)*c))
      return failf(err, err_len, "probe %s serial '%s' must be printable ASCII without spaces",
                   kind->name, serial);
  return true;
}

static void list_kinds(char *out, size_t cap)
{
  size_t used = 0;
  out[0] = 0;
  for (int i = 0; sim_probe_kind_at(i) && used < cap; i++)
    used += (size_t)snprintf(out + used, cap - used, "%s%s", i ? ", " : "", sim_probe_kind_at(i)->name);
}

bool sim_parse_probe(const char *spec, sim_probe_config *out, char *err, size_t err_len)
{
  memset(out, 0, sizeof *out);
  out->start_mode = -1;
  char buf[128];
  if (strlen(spec) >= sizeof buf)
    return failf(err, err_len, "probe spec '%.40s...' is too long", spec);
  strcpy(buf, spec);
  char *serial = strchr(buf, ':');
  char *mode = NULL;
  if (serial) {
    *serial++ = 0;
    mode = strchr(serial, ':');
    if (mode)
      *mode++ = 0;
  }
  const sim_probe_kind *kind = sim_probe_kind_find(buf);
  if (!kind) {
    char known[160];
    list_kinds(known, sizeof known);
    return failf(err, err_len, "unknown probe kind '%s' (kinds: %s; `swdsim probes` describes them)",
                 buf, known);
  }
  snprintf(out->kind, sizeof out->kind, "%s", kind->name);
  if (serial && *serial) {
    if (!valid_serial(kind, serial, err, err_len))
      return false;
    snprintf(out->serial, sizeof out->serial, "%s", serial);
  }
  if (mode) {
    sim_probe_mode m;
    if (!sim_parse_probe_mode(mode, &m))
      return failf(err, err_len,
                   "probe '%s': unknown start mode '%s' (modes: dfu, mass-storage, debug, swim, "
                   "bootloader)",
                   spec, mode);
    out->start_mode = (int)m;
  }
  return true;
}

static bool chip_known(const char *name)
{
  for (const char *const *c = sim_chip_names(); *c; c++)
    if (strcmp(*c, name) == 0)
      return true;
  return false;
}

/* Split a comma-separated list, calling `each` per non-empty item. */
static bool for_each_item(const char *list, const char *var, bool (*each)(const char *, void *, char *, size_t),
                          void *ctx, char *err, size_t err_len)
{
  char item[256];
  while (*list) {
    size_t n = strcspn(list, ",");
    if (n >= sizeof item)
      return failf(err, err_len, "%s: item '%.40s...' is too long", var, list);
    memcpy(item, list, n);
    item[n] = 0;
    if (n && !each(item, ctx, err, err_len))
      return false;
    list += n;
    if (*list == ',')
      list++;
  }
  return true;
}

static bool add_probe(const char *spec, void *ctx, char *err, size_t err_len)
{
  sim_config *cfg = ctx;
  if (cfg->probe_count == SIM_MAX_PROBES)
    return failf(err, err_len, "at most %d probes can be simulated at once", SIM_MAX_PROBES);
  return sim_parse_probe(spec, &cfg->probes[cfg->probe_count++], err, err_len);
}

static bool add_fault(const char *spec, void *ctx, char *err, size_t err_len)
{
  sim_config *cfg = ctx;
  if (cfg->fault_count == SIM_MAX_FAULTS)
    return failf(err, err_len, "at most %d faults can be given", SIM_MAX_FAULTS);
  return sim_parse_fault(spec, &cfg->faults[cfg->fault_count++], err, err_len);
}

static bool add_scenario(const char *name, void *ctx, char *err, size_t err_len)
{
  sim_config *cfg = ctx;
  if (cfg->scenario_count == SIM_MAX_SCENARIOS)
    return failf(err, err_len, "at most %d scenarios can be given", SIM_MAX_SCENARIOS);
  if (strlen(name) >= sizeof cfg->scenarios[0])
    return failf(err, err_len, "scenario '%s' is too long", name);
  char why[256];
  if (!sim_target_scenario_valid(name, why, sizeof why))
    return failf(err, err_len, "SWDSIM_SCENARIO: %s", why);
  strcpy(cfg->scenarios[cfg->scenario_count++], name);
  return true;
}

static bool copy_path(char *dst, size_t cap, const char *var, char *err, size_t err_len)
{
  const char *v = getenv(var);
  if (!v)
    return true;
  if (strlen(v) >= cap)
    return failf(err, err_len, "%s is too long", var);
  strcpy(dst, v);
  return true;
}

bool sim_config_from_env(sim_config *cfg, char *err, size_t err_len)
{
  memset(cfg, 0, sizeof *cfg);
  /* No chip: the state file's, or the target side's default (an F103C8). */
  const char *chip = getenv("SWDSIM_CHIP");
  if (chip && *chip) {
    if (strlen(chip) >= sizeof cfg->chip || !chip_known(chip))
      return failf(err, err_len, "SWDSIM_CHIP: unknown chip '%s' (`swdsim chips` lists them)",
                   chip);
    strcpy(cfg->chip, chip);
  }

  const char *probes = getenv("SWDSIM_PROBE");
  if (!probes || !*probes)
    probes = DEFAULT_PROBE;
  if (!for_each_item(probes, "SWDSIM_PROBE", add_probe, cfg, err, err_len))
    return false;
  if (cfg->probe_count == 0)
    return failf(err, err_len, "SWDSIM_PROBE names no probe");

  const char *faults = getenv("SWDSIM_FAULT");
  if (faults && !for_each_item(faults, "SWDSIM_FAULT", add_fault, cfg, err, err_len))
    return false;
  const char *scenarios = getenv("SWDSIM_SCENARIO");
  if (scenarios && !for_each_item(scenarios, "SWDSIM_SCENARIO", add_scenario, cfg, err, err_len))
    return false;
  /* The board stays powered and running between runs, as a real one on
   * its USB cable does, unless a test asks for the firmware to start again
   * from a reset at every run. */
  cfg->keep_running = true;
  cfg->idle_ms = SIM_DEFAULT_IDLE_MS;
  const char *idle = getenv("SWDSIM_IDLE_MS");
  if (idle && *idle) {
    char *end;
    unsigned long ms = strtoul(idle, &end, 10);
    if (*end || idle[0] == '-' || ms > 3600000)
      return failf(err, err_len, "SWDSIM_IDLE_MS: '%s' is not a number of ms (0..3600000)", idle);
    cfg->idle_ms = (uint32_t)ms;
  }
  const char *each = getenv("SWDSIM_RESET_EACH_RUN");
  if (each && *each) {
    if (strcmp(each, "0") != 0 && strcmp(each, "1") != 0)
      return failf(err, err_len, "SWDSIM_RESET_EACH_RUN: '%s' is not 0 or 1", each);
    cfg->keep_running = each[0] == '0';
  }
  return copy_path(cfg->state_path, sizeof cfg->state_path, "SWDSIM_STATE", err, err_len) &&
         copy_path(cfg->report_path, sizeof cfg->report_path, "SWDSIM_REPORT", err, err_len) &&
         copy_path(cfg->trace_path, sizeof cfg->trace_path, "SWDSIM_TRACE", err, err_len);
}

static int hex_value(char c)
{
  return isdigit((unsigned char)c) ? c - '0' : tolower((unsigned char)c) - 'a' + 10;
}

size_t sim_probe_serial_bytes(const sim_probe_kind *kind, const char *serial, uint8_t *out,
                              size_t cap)
{
  size_t n = 0;
  if (kind->binary_serial) {
    for (; serial[0] && serial[1] && n < cap; serial += 2)
      out[n++] = (uint8_t)(hex_value(serial[0]) << 4 | hex_value(serial[1]));
    return n;
  }
  for (; serial[n] && n < cap; n++)
    out[n] = (uint8_t)serial[n];
  return n;
}

void sim_probe_default_serial(const sim_probe_kind *kind, int index, char *out, size_t cap)
{
  /* The n-th probe of a kind differs in the last byte. */
  snprintf(out, cap, "%s", kind->default_serial);
  size_t n = strlen(out);
  if (index > 0 && n >= 2) {
    unsigned last = (unsigned)(hex_value(out[n - 2]) << 4 | hex_value(out[n - 1]));
    snprintf(out + n - 2, cap - (n - 2), "%02X", (last + (unsigned)index) & 0xFFu);
  }
}
