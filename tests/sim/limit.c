/* `swdsim limit`: the physical limit of timing model section 6. */
#include "limit.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { FLASH_BASE = 0x08000000, EXIT_USAGE = 2 };

static const char usage[] =
  "usage: swdsim limit --chip NAME [--state FILE] [--probe KIND] [--read | --op OP]\n"
  "                    [--addr ADDR] [--bytes N] [--freq KHZ] [--json]\n"
  "\n"
  "Prints the physical limit of the timing model (section 6) in microseconds:\n"
  "the time under which no client can write, read or mass-erase, whatever it does.\n"
  "  write:      max(flash busy, wire). Flash busy = the program units the range\n"
  "              touches (half-words, words, double words, flash words) x their\n"
  "              time, at the fastest setting the chip allows at 3.3 V, plus the\n"
  "              erase of the pages/sectors the range touches that are not already\n"
  "              erased (all 0xFF) where the range goes; a bank, or the whole chip,\n"
  "              whose every unit must be erased counts its bank or mass erase\n"
  "              where that is cheaper. From an erased chip (the default) no erase\n"
  "              is counted; --state FILE gives the chip's current flash.\n"
  "              Wire = the larger of N bytes at the USB per-byte cost and N/4 SWD\n"
  "              transactions (over a job the probe works the wire while the next\n"
  "              command crosses USB).\n"
  "  read:       the larger of N bytes at the USB per-byte cost and N/4 SWD\n"
  "              transactions\n"
  "  mass-erase: the mass erase time (or the erase of every bank or unit, if\n"
  "              cheaper)\n"
  "SWD time is at the probe's fastest clock (4000 kHz for the V2 family, 24000 kHz\n"
  "for the V3), whatever clock a client chooses; it is printed on stderr (--json:\n"
  "swd_khz).\n"
  "\n"
  "  --chip NAME   a chip of `swdsim chips` (default with --state: the file's chip)\n"
  "  --state FILE  the chip's flash before the write, from a state file of\n"
  "                `swdsim state init` or `swdsim run --state` (default: an erased\n"
  "                chip)\n"
  "  --probe KIND  a probe of `swdsim probes` (default v2): its USB costs and clock\n"
  "  --read        the limit of a read (same as --op read)\n"
  "  --op OP       write (default), read or mass-erase\n"
  "  --addr ADDR   start of the range (default 0x08000000, the flash base)\n"
  "  --bytes N     size of the range (default: the rest of the flash); K and M\n"
  "                suffixes\n"
  "  --freq KHZ    what-if: the wire time at this SWD clock instead of the probe's\n"
  "                fastest (no longer the limit of section 6); also --khz\n"
  "  --json        print the parts of the limit as one JSON object (\"from\":\n"
  "                \"erased\" or \"state\"; erase_units: the units that must be erased)\n";

/* A bad command line: the message goes to the caller, which prints it. */
#define USAGE_ERROR(...) (snprintf(err, err_len, __VA_ARGS__), EXIT_USAGE)

static sim_ns max_ns(sim_ns a, sim_ns b)
{
  return a > b ? a : b;
}

bool sim_limit_compute(const sim_limit_request *req, sim_limit *out, char *err, size_t err_len)
{
  memset(out, 0, sizeof *out);
  sim_flash_costs costs;
  if (!req->chip || !sim_chip_flash_costs(req->chip, &costs)) {
    snprintf(err, err_len, "unknown chip '%s' (`swdsim chips` lists them)",
             req->chip ? req->chip : "");
    return false;
  }
  uint32_t offset = req->addr - FLASH_BASE;
  if (req->op != SIM_LIMIT_MASS_ERASE &&
      (req->addr < FLASH_BASE || offset > costs.flash_size || req->bytes > costs.flash_size - offset)) {
    snprintf(err, err_len, "0x%08" PRIX32 "+%" PRIu32 " is not inside the %" PRIu32
             " KiB flash of %s at 0x%08X", req->addr, req->bytes, costs.flash_size / 1024,
             req->chip, FLASH_BASE);
    return false;
  }
  out->swd_khz = req->swd_khz ? req->swd_khz : sim_probe_max_swd_khz(req->probe);
  if (req->op == SIM_LIMIT_MASS_ERASE) {
    sim_ns units = sim_chip_erase_cover_ns(req->chip, 0, costs.flash_size);
    uint32_t banks = (costs.flash_size + costs.bank_size - 1) / costs.bank_size;
    out->erase_ns = costs.mass_erase_ns;
    if (units < out->erase_ns)
      out->erase_ns = units;
    if ((sim_ns)banks * costs.bank_erase_ns < out->erase_ns)
      out->erase_ns = (sim_ns)banks * costs.bank_erase_ns;
  } else {
    out->usb_ns = (sim_ns)req->bytes * req->probe->usb_byte_ns;
    uint64_t cycles = ((uint64_t)req->bytes + 3) / 4 * SIM_SWD_CYCLES_PER_TRANSACTION;
    out->swd_ns = (cycles * 1000000u + out->swd_khz - 1) / out->swd_khz;
  }
  if (req->op == SIM_LIMIT_WRITE) {
    out->erase_ns = sim_chip_erase_needed_ns(req->chip, req->flash, offset, req->bytes,
                                             &out->erase_units);
    /* every program unit the range touches, partial ones included */
    uint64_t first = offset / costs.program_unit;
    uint64_t end = ((uint64_t)offset + req->bytes + costs.program_unit - 1) / costs.program_unit;
    uint64_t units = req->bytes ? end - first : 0;
    out->program_ns = units * costs.program_ns;
  }
  out->flash_busy_ns = out->erase_ns + out->program_ns;
  /* Within one command USB and SWD time add up, but a probe that buffers the
   * next command while it works the wire overlaps them over a job: the wire
   * bound of section 6 is the larger of the two, for writes and reads. */
  out->wire_ns = max_ns(out->usb_ns, out->swd_ns);
  out->limit_ns = max_ns(out->flash_busy_ns, out->wire_ns);
  return true;
}

/* Microseconds, with the nanoseconds kept when there are any. */
static void format_us(char *out, size_t cap, sim_ns ns)
{
  int n = snprintf(out, cap, "%" PRIu64, ns / 1000u);
  unsigned frac = (unsigned)(ns % 1000u);
  if (frac && n > 0 && (size_t)n < cap) {
    snprintf(out + n, cap - (size_t)n, ".%03u", frac);
    for (size_t end = strlen(out); out[end - 1] == '0'; end--)
      out[end - 1] = 0;
  }
}

static bool parse_size(const char *s, uint32_t *out)
{
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 0);
  if (end == s || s[0] == '-' || errno)
    return false;
  if (*end == 'K' || *end == 'k')
    v *= 1024u, end++;
  else if (*end == 'M' || *end == 'm')
    v *= 1024u * 1024u, end++;
  if (*end || v > 0xFFFFFFFFull)
    return false;
  *out = (uint32_t)v;
  return true;
}

static const char *const op_names[] = {"write", "read", "mass-erase"};

static void print_json(const sim_limit_request *req, bool state, const sim_limit *l)
{
  const struct {
    const char *name;
    sim_ns ns;
  } parts[] = {
    {"erase_us", l->erase_ns}, {"program_us", l->program_ns}, {"flash_busy_us", l->flash_busy_ns},
    {"usb_us", l->usb_ns},     {"swd_us", l->swd_ns},         {"wire_us", l->wire_ns},
    {"limit_us", l->limit_ns},
  };
  printf("{\n  \"chip\": \"%s\",\n  \"probe\": \"%s\",\n  \"op\": \"%s\",\n", req->chip,
         req->probe->name, op_names[req->op]);
  printf("  \"addr\": %" PRIu32 ",\n  \"bytes\": %" PRIu32 ",\n  \"swd_khz\": %" PRIu32 ",\n",
         req->addr, req->bytes, l->swd_khz);
  printf("  \"from\": \"%s\",\n", state ? "state" : "erased");
  printf("  \"erase_units\": %" PRIu32 ",\n", l->erase_units);
  for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
    char us[32];
    format_us(us, sizeof us, parts[i].ns);
    printf("  \"%s\": %s,\n", parts[i].name, us);
  }
  printf("  \"bound\": \"%s\"\n}\n", l->flash_busy_ns >= l->wire_ns ? "flash" : "wire");
}

int sim_limit_main(int argc, char **argv, char *err, size_t err_len)
{
  sim_limit_request req = {.probe = sim_probe_kind_find("v2"), .addr = FLASH_BASE};
  bool json = false, have_bytes = false;
  const char *state = NULL;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      fputs(usage, stdout);
      return 0;
    }
    if (strcmp(a, "--json") == 0) {
      json = true;
      continue;
    }
    if (strcmp(a, "--read") == 0) {
      req.op = SIM_LIMIT_READ;
      continue;
    }
    if (!v)
      return USAGE_ERROR("%s needs a value", a);
    i++;
    if (strcmp(a, "--chip") == 0) {
      req.chip = v;
    } else if (strcmp(a, "--state") == 0) {
      state = v;
    } else if (strcmp(a, "--probe") == 0) {
      if (!(req.probe = sim_probe_kind_find(v)))
        return USAGE_ERROR("unknown probe '%s' (`swdsim probes` lists them)", v);
    } else if (strcmp(a, "--freq") == 0 || strcmp(a, "--khz") == 0) {
      if (!parse_size(v, &req.swd_khz) || req.swd_khz == 0)
        return USAGE_ERROR("bad %s '%s': a clock in kHz, e.g. 4000", a, v);
    } else if (strcmp(a, "--addr") == 0) {
      if (!parse_size(v, &req.addr))
        return USAGE_ERROR("bad --addr '%s'", v);
    } else if (strcmp(a, "--bytes") == 0) {
      if (!parse_size(v, &req.bytes))
        return USAGE_ERROR("bad --bytes '%s'", v);
      have_bytes = true;
    } else if (strcmp(a, "--op") == 0) {
      size_t n = sizeof op_names / sizeof op_names[0], k = 0;
      while (k < n && strcmp(op_names[k], v) != 0)
        k++;
      if (k == n)
        return USAGE_ERROR("bad --op '%s': write, read or mass-erase", v);
      req.op = (sim_limit_op)k;
    } else {
      return USAGE_ERROR("unknown option '%s'", a);
    }
  }
  uint8_t *flash = NULL;
  uint32_t flash_size = 0;
  const char *state_chip = NULL;
  if (state && !sim_state_read_flash(state, &flash, &flash_size, &state_chip, err, err_len))
    return EXIT_USAGE;
  if (state && req.chip && strcmp(req.chip, state_chip) != 0) {
    free(flash);
    return USAGE_ERROR("%s holds a %s, not a %s", state, state_chip, req.chip);
  }
  if (!req.chip)
    req.chip = state_chip;
  if (!req.chip)
    return USAGE_ERROR("--chip is required");
  req.flash = flash;
  sim_flash_costs costs;
  if (!have_bytes && sim_chip_flash_costs(req.chip, &costs))
    req.bytes = costs.flash_size - (req.addr - FLASH_BASE);
  sim_limit l;
  bool ok = sim_limit_compute(&req, &l, err, err_len);
  free(flash);
  if (!ok)
    return EXIT_USAGE;
  if (!req.swd_khz && req.op != SIM_LIMIT_MASS_ERASE)
    fprintf(stderr, "swdsim limit: SWD clock %" PRIu32 " kHz, the fastest of the %s probe\n",
            l.swd_khz, req.probe->name);
  if (json) {
    print_json(&req, state != NULL, &l);
  } else {
    char us[32];
    format_us(us, sizeof us, l.limit_ns);
    printf("%s\n", us);
  }
  return 0;
}
