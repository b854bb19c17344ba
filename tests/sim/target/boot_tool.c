/*
 * `swdsim state boot FILE`: the judge of "will it boot". The board of a
 * state file is powered on (or reset) with no debugger attached and runs
 * its firmware for a virtual time; then the report says where the chip
 * started and why, which vector table is in use, and where the core is:
 * running, asleep in WFI/WFE, locked up, or in a fault handler with the
 * fault status registers (ARMv7-M ARM B3.2.15-B3.2.18), and in which
 * memory and flash unit its PC lies.
 */
#include "cortex_m.h"
#include "target.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

enum { DEFAULT_MS = 1000, MAX_READS = 16 };

static const char *const usage_boot =
    "usage: swdsim state boot FILE [--ms N] [--reset] [--read ADDR]... [--json]\n"
    "\n"
    "Power the board of FILE on with no debugger attached (or, with --reset, reset\n"
    "a board left powered: a system reset, the option bytes stay latched), run its\n"
    "firmware for N virtual milliseconds (default 1000) and report:\n"
    "  - the boot source (main flash, system memory, SRAM, nothing) and the pins and\n"
    "    option bits that chose it;\n"
    "  - the vector table the chip started from and the one in use now (VTOR);\n"
    "  - the core: PC, SP, the exception it is handling, and its state: running,\n"
    "    sleeping (WFI/WFE), locked-up, halted, or fault-handler (in HardFault,\n"
    "    MemManage, BusFault or UsageFault) with CFSR, HFSR, MMFAR and BFAR;\n"
    "  - where the PC is: the memory, and in the main flash the offset and the\n"
    "    page or sector.\n"
    "--read ADDR prints the word at ADDR after the run (e.g. a firmware counter in\n"
    "RAM), as a debugger would read it.\n"
    "The board is then left powered in FILE, as after any session, and kept running\n"
    "(FILE.board): the next `swdsim run` goes on from there after its idle time\n"
    "(`--idle-ms`, default 300), unless it is given --reset-each-run.\n"
    "--json prints one object: chip, power_on, ms, boot ({area, address, reason}),\n"
    "vector_table_at_reset, vtor, state, exception (number), exception_name, pc, sp,\n"
    "cfsr, hfsr, mmfar, bfar, pc_region ({memory, offset, unit, unit_index}), reads\n"
    "([{address, value}]).\n";

static bool parse_u32(const char *s, uint32_t *out)
{
  char *end;
  errno = 0;
  unsigned long v = strtoul(s, &end, 0);
  if (!*s || *end || errno || v > 0xFFFFFFFFul || s[0] == '-')
    return false;
  *out = (uint32_t)v;
  return true;
}

static const char *exception_name(uint32_t n)
{
  static const char *const names[16] = {
      "thread", "reset",  "NMI",   "HardFault", "MemManage", "BusFault", "UsageFault", "reserved",
      "reserved", "reserved", "reserved", "SVCall", "DebugMonitor", "reserved", "PendSV",
      "SysTick"};
  return n < 16 ? names[n] : "IRQ";
}

static const char *core_words(const sim_target *t, uint32_t ipsr)
{
  switch (t->core.state) {
  case CORE_LOCKUP:
    return "locked-up";
  case CORE_HALTED:
    return "halted";
  case CORE_SLEEPING:
    return "sleeping";
  case CORE_IN_RESET:
    return "in-reset";
  default:
    return ipsr >= 3 && ipsr <= 6 ? "fault-handler" : "running";
  }
}

typedef struct pc_place {
  const char *memory;
  uint32_t offset;   /* from the start of that memory */
  const char *unit;  /* "page", "sector" or NULL */
  int unit_index;
} pc_place;

static void place_of(sim_target *t, uint32_t pc, pc_place *out)
{
  *out = (pc_place){.memory = "nothing", .unit_index = -1};
  const sim_region *r = bus_region(t, pc);
  if (!r)
    return;
  region_kind kind = r->kind;
  uint32_t off = pc - r->base;
  if (kind == REGION_ALIAS)
    kind = t->boot_target; /* the boot memory seen at 0 */
  out->offset = off;
  switch (kind) {
  case REGION_FLASH: {
    out->memory = "flash";
    uint32_t uoff, usize;
    for (unsigned i = 0; sim_chip_erase_unit(t->chip, i, &uoff, &usize); i++) {
      if (off >= uoff && off - uoff < usize) {
        out->unit = t->chip->family->id == SIM_FAMILY_F1 || t->chip->family->id == SIM_FAMILY_G0
                        ? "page"
                        : "sector";
        out->unit_index = (int)i;
      }
    }
    break;
  }
  case REGION_SYSMEM:
    out->memory = off < t->chip->family->rom_size ? "system-memory" : "otp-or-signature";
    break;
  case REGION_SRAM:
    out->memory = "sram";
    break;
  case REGION_CCM:
    out->memory = "ccm";
    break;
  case REGION_RAM:
    out->memory = r->info ? r->info->name : "ram";
    break;
  default:
    out->memory = "peripheral";
    break;
  }
}

static void json_string(const char *s)
{
  putchar('"');
  for (; *s; s++)
    if (*s == '"' || *s == '\\')
      printf("\\%c", *s);
    else
      putchar(*s);
  putchar('"');
}

int sim_state_boot_main(int argc, char **argv)
{
  for (int i = 0; i < argc; i++)
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      fputs(usage_boot, stdout);
      return 0;
    }
  const char *path = NULL;
  uint32_t ms = DEFAULT_MS, reads[MAX_READS];
  int nreads = 0;
  bool json = false, reset = false;
  for (int i = 0; i < argc; i++) {
    if (strcmp(argv[i], "--json") == 0) {
      json = true;
    } else if (strcmp(argv[i], "--reset") == 0) {
      reset = true;
    } else if (strcmp(argv[i], "--ms") == 0 && i + 1 < argc) {
      if (!parse_u32(argv[++i], &ms) || ms > 3600000) {
        fprintf(stderr, "swdsim state: boot: bad --ms '%s' (0..3600000)\n", argv[i]);
        return 2;
      }
    } else if (strcmp(argv[i], "--read") == 0 && i + 1 < argc) {
      if (nreads == MAX_READS || !parse_u32(argv[++i], &reads[nreads]) || reads[nreads] % 4) {
        fprintf(stderr, "swdsim state: boot: bad --read '%s' (a word address, at most %d)\n",
                argv[i], MAX_READS);
        return 2;
      }
      nreads++;
    } else if (argv[i][0] == '-' || path) {
      fprintf(stderr, "swdsim state: boot: unexpected argument '%s'\n", argv[i]);
      return 2;
    } else {
      path = argv[i];
    }
  }
  if (!path) {
    fprintf(stderr, "swdsim state: boot needs FILE (see `swdsim state boot --help`)\n");
    return 2;
  }
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "swdsim state: cannot open state file %s: %s\n", path, strerror(errno));
    return 1;
  }
  fclose(f);

  sim_clock clock = {0};
  sim_target_options opts = {
      .state_path = path, .power_cycle = !reset, .reset = reset, .save_board = true};
  char err[512] = "";
  sim_target *t = sim_target_new(&clock, &opts, err, sizeof err);
  if (!t) {
    fprintf(stderr, "swdsim state: %s\n", err);
    return 1;
  }
  sim_boot boot;
  sim_chip_boot(t->chip, &t->st, false, &boot); /* what the reset just latched */
  uint32_t vector_table = t->chip->family->boot_by_address ? bus_boot_address(t) : 0;
  clock.now = SIM_MS(ms);
  sim_target_sync(t);

  sim_core *c = &t->core;
  uint32_t pc = core_reg_read(t, 15), sp = core_reg_read(t, 13);
  uint32_t ipsr = core_reg_read(t, 16) & 0x1FF;
  pc_place place;
  place_of(t, pc, &place);
  uint32_t values[MAX_READS];
  bool ok[MAX_READS];
  for (int i = 0; i < nreads; i++)
    ok[i] = bus_read(t, MASTER_DEBUG, reads[i], 4, &values[i]) == BUS_OK;
  const char *state = core_words(t, ipsr);
  if (json) {
    printf("{\"chip\": \"%s\", \"power_on\": %s, \"ms\": %u, \"boot\": {\"area\": \"%s\", "
           "\"address\": %u, \"reason\": ",
           t->chip->name, reset ? "false" : "true", ms, sim_boot_area_name(boot.area),
           boot.address);
    json_string(boot.reason);
    printf("}, \"vector_table_at_reset\": %u, \"vtor\": %u, \"state\": \"%s\", \"exception\": %u, "
           "\"exception_name\": \"%s\", \"pc\": %u, \"sp\": %u, \"cfsr\": %u, \"hfsr\": %u, "
           "\"mmfar\": %u, \"bfar\": %u, \"pc_region\": {\"memory\": \"%s\", \"offset\": %u, "
           "\"unit\": ",
           vector_table, c->vtor, state, ipsr, exception_name(ipsr), pc, sp, c->cfsr, c->hfsr,
           c->mmfar, c->bfar, place.memory, place.offset);
    if (place.unit)
      printf("\"%s\", \"unit_index\": %d}", place.unit, place.unit_index);
    else
      printf("null, \"unit_index\": null}");
    printf(", \"reads\": [");
    for (int i = 0; i < nreads; i++) {
      printf("%s{\"address\": %u, \"value\": ", i ? ", " : "", reads[i]);
      if (ok[i])
        printf("%u}", values[i]);
      else
        printf("null}");
    }
    printf("]}\n");
  } else {
    printf("chip:          %s\n", t->chip->description);
    printf("start:         %s, then %u ms with no debugger\n",
           reset ? "system reset of a powered board" : "power-on", ms);
    printf("boot source:   %s at 0x%08X: %s\n", sim_boot_area_name(boot.area), boot.address,
           boot.reason);
    printf("vector table:  0x%08X at reset, VTOR 0x%08X now\n", vector_table, c->vtor);
    printf("core:          %s", state);
    if (t->core.state == CORE_SLEEPING)
      printf(" (%s)", c->sleep_wfe ? "WFE" : "WFI");
    printf(", PC 0x%08X, SP 0x%08X, in %s", pc, sp, exception_name(ipsr));
    if (ipsr >= 16)
      printf(" %u", ipsr - 16);
    printf("\n");
    if (!strcmp(state, "fault-handler") || t->core.state == CORE_LOCKUP)
      printf("fault status:  CFSR 0x%08X HFSR 0x%08X MMFAR 0x%08X BFAR 0x%08X\n", c->cfsr,
             c->hfsr, c->mmfar, c->bfar);
    printf("PC is in:      %s", place.memory);
    if (strcmp(place.memory, "nothing"))
      printf(" at offset 0x%X", place.offset);
    if (place.unit)
      printf(" (%s %d)", place.unit, place.unit_index);
    printf("\n");
    for (int i = 0; i < nreads; i++) {
      if (ok[i])
        printf("0x%08X:    0x%08X\n", reads[i], values[i]);
      else
        printf("0x%08X:    (bus error)\n", reads[i]);
    }
  }
  sim_target_free(t);
  return 0;
}
