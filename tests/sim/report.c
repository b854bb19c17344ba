/* The JSON report of timing-model section 7, written atomically. */
#include "sim.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* Microseconds with the nanoseconds kept: 52.5 us per half-word stays exact. */
static void print_us(FILE *f, const char *name, sim_ns ns, const char *sep)
{
  fprintf(f, "  \"%s\": %" PRIu64, name, ns / 1000u);
  unsigned frac = (unsigned)(ns % 1000u);
  if (frac) {
    char digits[8];
    snprintf(digits, sizeof digits, "%03u", frac);
    for (size_t n = strlen(digits); n && digits[n - 1] == '0'; n--)
      digits[n - 1] = 0;
    fprintf(f, ".%s", digits);
  }
  fprintf(f, "%s\n", sep);
}

static void print_string(FILE *f, const char *name, const char *value)
{
  fprintf(f, "  \"%s\": \"", name);
  for (const char *c = value; *c; c++) {
    if (*c == '"' || *c == '\\')
      fputc('\\', f);
    fputc((unsigned char)*c < 0x20 ? '?' : *c, f);
  }
  fprintf(f, "\"");
}

bool sim_report_write(const char *path, const sim_clock *clock, const char *chip,
                      const char *probe_kind, char *err, size_t err_len)
{
  char tmp[4200];
  if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", path) >= sizeof tmp) {
    snprintf(err, err_len, "report path too long");
    return false;
  }
  FILE *f = fopen(tmp, "w");
  if (!f) {
    snprintf(err, err_len, "%s: %s", tmp, strerror(errno));
    return false;
  }
  const sim_report *r = &clock->report;
  fprintf(f, "{\n");
  print_us(f, "virtual_us", clock->now, ",");
  fprintf(f, "  \"usb_transfers\": %" PRIu64 ",\n", r->usb_transfers);
  fprintf(f, "  \"usb_bytes_out\": %" PRIu64 ",\n", r->usb_bytes_out);
  fprintf(f, "  \"usb_bytes_in\": %" PRIu64 ",\n", r->usb_bytes_in);
  fprintf(f, "  \"probe_commands\": %" PRIu64 ",\n", r->probe_commands);
  fprintf(f, "  \"swd_transactions\": %" PRIu64 ",\n", r->swd_transactions);
  fprintf(f, "  \"swd_wait_acks\": %" PRIu64 ",\n", r->swd_wait_acks);
  fprintf(f, "  \"cpu_cycles\": %" PRIu64 ",\n", r->cpu_cycles);
  print_us(f, "flash_busy_us", r->flash_busy_ns, ",");
  fprintf(f, "  \"flash_program_units\": %" PRIu64 ",\n", r->flash_program_units);
  fprintf(f, "  \"flash_erase_units\": %" PRIu64 ",\n", r->flash_erase_units);
  fprintf(f, "  \"mass_erases\": %" PRIu64 ",\n", r->mass_erases);
  fprintf(f, "  \"swd_khz\": %" PRIu32 ",\n", r->swd_khz);
  fprintf(f, "  \"cache_unsafe_runs\": %" PRIu64 ",\n", r->cache_unsafe_runs);
  fprintf(f, "  \"cache_ccr\": %" PRIu32 ",\n", r->cache_ccr);
  print_string(f, "chip", chip);
  fprintf(f, ",\n");
  print_string(f, "probe", probe_kind);
  fprintf(f, "\n}\n");
  bool ok = fflush(f) == 0;
  ok = fclose(f) == 0 && ok;
  if (!ok || rename(tmp, path) != 0) {
    snprintf(err, err_len, "%s: %s", path, strerror(errno));
    remove(tmp);
    return false;
  }
  return true;
}
