/* `swdsim limit`: the physical limit of timing model section 6. */
#include "limit.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { FLASH_BASE = 0x08000000, EXIT_USAGE = 2 };

static const char usage[] =
  "usage: swdsim limit --chip NAME [--probe KIND] [--khz KHZ]\n"
  "                    [--op write|read|mass-erase] [--addr ADDR] [--bytes N] [--json]\n"
  "\n"
  "Prints the physical limit of the timing model (section 6) in microseconds:\n"
  "the time under which no client can write, read or mass-erase, whatever it does.\n"
  "  write:      max(flash busy, wire), flash busy = erase of the smallest set of\n"
  "              pages/sectors covering ADDR..ADDR+N (or the mass erase when the\n"
  "              whole flash is written and that is cheaper) + N / program unit x\n"
  "              program time, at the fastest setting the chip allows at 3.3 V\n"
  "  read:       wire = max(N bytes at the USB per-byte cost, N/4 SWD transactions)\n"
  "  mass-erase: the mass erase time (or the erase of every unit, if cheaper)\n"
  "The write's wire time is the same larger-of as the read's.\n"
  "\n"
  "  --chip NAME   a chip of `swdsim chips`\n"
  "  --probe KIND  a probe of `swdsim probes` (default v2): its USB cost per byte\n"
  "  --khz KHZ     the SWD clock the client runs (default: the probe's power-on clock)\n"
  "  --op OP       write (default), read or mass-erase\n"
  "  --addr ADDR   start of the range (default 0x08000000, the flash base)\n"
  "  --bytes N     size of the range (default: the whole flash); K and M suffixes\n"
  "  --json        print the parts of the limit as one JSON object\n";

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
  out->swd_khz = req->swd_khz ? req->swd_khz : req->probe->default_swd_khz;
  sim_ns all_units = sim_chip_erase_cover_ns(req->chip, 0, costs.flash_size);
  sim_ns whole = costs.mass_erase_ns < all_units ? costs.mass_erase_ns : all_units;
  if (req->op == SIM_LIMIT_MASS_ERASE) {
    out->erase_ns = whole;
  } else {
    out->usb_ns = (sim_ns)req->bytes * req->probe->usb_byte_ns;
    uint64_t cycles = ((uint64_t)req->bytes + 3) / 4 * SIM_SWD_CYCLES_PER_TRANSACTION;
    out->swd_ns = (cycles * 1000000u + out->swd_khz - 1) / out->swd_khz;
  }
  if (req->op == SIM_LIMIT_WRITE) {
    bool everything = offset == 0 && req->bytes == costs.flash_size;
    out->erase_ns = everything ? whole : sim_chip_erase_cover_ns(req->chip, offset, req->bytes);
    uint64_t units = ((uint64_t)req->bytes + costs.program_unit - 1) / costs.program_unit;
    out->program_ns = units * costs.program_ns;
  }
  out->flash_busy_ns = out->erase_ns + out->program_ns;
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

static void print_json(const sim_limit_request *req, const sim_limit *l)
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
    if (!v)
      return USAGE_ERROR("%s needs a value", a);
    i++;
    if (strcmp(a, "--chip") == 0) {
      req.chip = v;
    } else if (strcmp(a, "--probe") == 0) {
      if (!(req.probe = sim_probe_kind_find(v)))
        return USAGE_ERROR("unknown probe '%s' (`swdsim probes` lists them)", v);
    } else if (strcmp(a, "--khz") == 0) {
      if (!parse_size(v, &req.swd_khz) || req.swd_khz == 0)
        return USAGE_ERROR("bad --khz '%s': a clock in kHz, e.g. 1800", v);
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
  if (!req.chip)
    return USAGE_ERROR("--chip is required");
  sim_flash_costs costs;
  if (!have_bytes && sim_chip_flash_costs(req.chip, &costs))
    req.bytes = costs.flash_size - (req.addr - FLASH_BASE);
  sim_limit l;
  if (!sim_limit_compute(&req, &l, err, err_len))
    return EXIT_USAGE;
  if (json) {
    print_json(&req, &l);
  } else {
    char us[32];
    format_us(us, sizeof us, l.limit_ns);
    printf("%s\n", us);
  }
  return 0;
}
