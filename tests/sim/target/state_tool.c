/*
 * `swdsim state ...`: create, inspect and read chip state files without any
 * client, the independent oracle of the end-to-end tests.
 */
#include "target.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_FIELDS = 48, MAX_RANGES = 64 };

static const char *const usage_main =
    "usage: swdsim state COMMAND ...\n"
    "\n"
    "Create and inspect simulated chip state files (flash, option bytes, protection,\n"
    "boot pins, supply) without any client.\n"
    "\n"
    "commands:\n"
    "  init FILE --chip NAME [--load IMAGE@ADDR]... [--option NAME=VALUE]...\n"
    "                   create a state file holding an erased chip\n"
    "  dump FILE ADDR LEN OUT\n"
    "                   copy LEN bytes of flash or option bytes at ADDR to OUT ('-': stdout)\n"
    "  show FILE [--json]\n"
    "                   print the option bytes and the protection in words\n"
    "  power-cycle FILE mark the board as switched off: the next session starts with\n"
    "                   a power-on reset (option bytes reloaded, debugger latch cleared)\n"
    "  boot FILE [--ms N] [--reset] [--read ADDR]... [--json]\n"
    "                   power the board on (or reset it) without a debugger, run its\n"
    "                   firmware N virtual ms, say where it booted and where the core is\n"
    "\n"
    "Run `swdsim state COMMAND --help` for the details of a command.\n";

static const char *const usage_init =
    "usage: swdsim state init FILE --chip NAME [--load IMAGE@ADDR]... [--option NAME=VALUE]...\n"
    "\n"
    "Create FILE (replacing it) with an erased chip and factory option bytes, then:\n"
    "  --load IMAGE@ADDR   copy the raw binary IMAGE into flash at ADDR (e.g. 0x08000000)\n"
    "  --option NAME=VALUE set an option field; NAME is the reference manual's field name\n"
    "                      in lower case, VALUE decimal or 0x-hex. Also:\n"
    "                      rdp=0|1|2 (protection level), boot0=0|1, boot1=0|1 (pin levels)\n";

static const char *const usage_dump =
    "usage: swdsim state dump FILE ADDR LEN OUT\n"
    "\n"
    "Copy LEN bytes starting at ADDR out of the state FILE into OUT ('-' for stdout).\n"
    "ADDR..ADDR+LEN must lie inside the main flash or inside the option bytes as the\n"
    "chip shows them in memory (F1 0x1FFFF800, 16 bytes; F4 0x1FFFC000, 16 bytes;\n"
    "F42x bank 2 also 0x1FFEC000; G0 0x1FFF7800, 128 bytes: each option register\n"
    "as a value and its complement).\n";

static const char *const usage_show =
    "usage: swdsim state show FILE [--json]\n"
    "\n"
    "Print the chip, its option bytes decoded field by field, the read protection\n"
    "level, the write-protected ranges, the boot pins and the boot decision: where\n"
    "the core starts at the next reset and which pins and option bits decided it.\n"
    "The next session starts with a system reset if the board was left powered,\n"
    "else with a power-on reset (which also reloads the option bytes).\n"
    "Values describe the programmed option bytes, which take effect at the next reset;\n"
    "the *_active values are those latched at the last reset.\n"
    "--json prints one object: chip, rdp_level, rdp_level_active, wrp_ranges and\n"
    "wrp_ranges_active ([{\"start\": ADDR, \"end\": ADDR}], end exclusive), options\n"
    "(field: value), boot0, boot1, boots_from (flash|system-memory|sram|nothing: the\n"
    "area of boot), boot and boot_after_power_on ({\"area\": AREA, \"address\": ADDR,\n"
    "\"reason\": TEXT}), flash_empty (G0 empty-check flag), powered, rdp2_locked,\n"
    "debugger_latched.\n";

static const char *const usage_power =
    "usage: swdsim state power-cycle FILE\n"
    "\n"
    "Mark the board of FILE as switched off, so that the next session starts with a\n"
    "power-on reset: option bytes are reloaded and the RDP debugger latch is cleared.\n";

static bool wants_help(int argc, char **argv)
{
  for (int i = 0; i < argc; i++)
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
      return true;
  return false;
}

__attribute__((format(printf, 1, 2))) static int fail(const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "swdsim state: ");
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  return 2;
}

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

static bool load_state(const char *path, sim_chip_state *st, const sim_chip **chip)
{
  char err[512];
  if (!sim_state_load(path, st, chip, err, sizeof err)) {
    fprintf(stderr, "swdsim state: %s\n", err);
    return false;
  }
  return true;
}

/* ---- init ---- */

static bool load_image(const sim_chip *chip, sim_chip_state *st, const char *spec)
{
  const char *at = strrchr(spec, '@');
  uint32_t addr;
  if (!at || at == spec || !parse_u32(at + 1, &addr)) {
    fail("bad --load '%s': expected IMAGE@ADDR, e.g. fw.bin@0x08000000", spec);
    return false;
  }
  char *path = strndup(spec, (size_t)(at - spec));
  FILE *f = path ? fopen(path, "rb") : NULL;
  if (!f) {
    fail("cannot open image %s: %s", path ? path : spec, strerror(errno));
    free(path);
    return false;
  }
  bool ok = false;
  fseek(f, 0, SEEK_END);
  long size = ftell(f);
  rewind(f);
  if (size < 0 || addr < 0x08000000 || addr - 0x08000000 > chip->flash_size ||
      (uint64_t)size > chip->flash_size - (addr - 0x08000000)) {
    fprintf(stderr,
            "swdsim state: image %s (%ld bytes) at 0x%08X does not fit in the flash of %s "
            "(0x08000000..0x%08X)\n",
            path, size, addr, chip->name, 0x08000000u + chip->flash_size);
  } else if (fread(st->flash + (addr - 0x08000000), 1, (size_t)size, f) != (size_t)size) {
    fail("cannot read image %s", path);
  } else {
    ok = true;
  }
  fclose(f);
  free(path);
  return ok;
}

static bool apply_option(const sim_chip *chip, sim_chip_state *st, const char *spec)
{
  const char *eq = strchr(spec, '=');
  uint32_t value;
  if (!eq || eq == spec || !parse_u32(eq + 1, &value)) {
    fail("bad --option '%s': expected NAME=VALUE, e.g. rdp=1", spec);
    return false;
  }
  char name[32];
  snprintf(name, sizeof name, "%.*s", (int)(eq - spec), spec);
  if (strcmp(name, "boot0") == 0 || strcmp(name, "boot1") == 0) {
    if (value > 1) {
      fail("%s must be 0 or 1 (%s)", name, spec);
      return false;
    }
    if (name[4] == '0')
      st->boot0 = value;
    else
      st->boot1 = value;
    return true;
  }
  char err[256];
  if (!chip->family->flash->set_option(chip, st->options, name, value, err, sizeof err)) {
    fail("%s (fields of %s: see `swdsim state init --help`)", err, chip->name);
    return false;
  }
  return true;
}

static int cmd_init(int argc, char **argv)
{
  if (wants_help(argc, argv)) {
    fputs(usage_init, stdout);
    printf("F1 fields: %s\nF4 fields: %s\nG0 fields: %s\nH7 fields: %s\nChips:",
           sim_flash_f1.option_names, sim_flash_f4.option_names, sim_flash_g0.option_names,
           sim_flash_h7.option_names);
    for (const char *const *c = sim_chip_names(); *c; c++)
      printf(" %s", *c);
    printf("\n");
    return 0;
  }
  const char *path = NULL, *chip_name = NULL;
  for (int i = 0; i < argc; i++) {
    if (strcmp(argv[i], "--chip") == 0 && i + 1 < argc)
      chip_name = argv[++i];
    else if ((strcmp(argv[i], "--load") == 0 || strcmp(argv[i], "--option") == 0) && i + 1 < argc)
      i++;
    else if (argv[i][0] == '-')
      return fail("init: unknown or incomplete option '%s'", argv[i]);
    else if (!path)
      path = argv[i];
    else
      return fail("init: unexpected argument '%s'", argv[i]);
  }
  if (!path || !chip_name)
    return fail("init needs FILE and --chip NAME (see `swdsim state init --help`)");
  const sim_chip *chip = sim_chip_find(chip_name);
  if (!chip || !chip->family->flash->set_option)
    return fail("init: unknown chip '%s' (see `swdsim chips`)", chip_name);
  sim_chip_state st;
  if (!sim_state_init_fresh(&st, chip))
    return fail("out of memory");
  int rc = 0;
  for (int i = 0; i < argc && rc == 0; i++) {
    if (strcmp(argv[i], "--load") == 0)
      rc = load_image(chip, &st, argv[++i]) ? 0 : 2;
    else if (strcmp(argv[i], "--option") == 0)
      rc = apply_option(chip, &st, argv[++i]) ? 0 : 2;
    else if (strcmp(argv[i], "--chip") == 0)
      i++;
  }
  if (rc == 0) {
    board_forget_path(path); /* a new chip: no running board kept for it */
    memcpy(st.loaded, st.options, SIM_OPTIONS_SIZE);
    char err[512];
    if (!sim_state_store(path, &st, chip, err, sizeof err)) {
      fprintf(stderr, "swdsim state: %s\n", err);
      rc = 1;
    }
  }
  sim_state_release(&st);
  return rc;
}

/* ---- dump ---- */

static int cmd_dump(int argc, char **argv)
{
  if (wants_help(argc, argv)) {
    fputs(usage_dump, stdout);
    return 0;
  }
  if (argc != 4)
    return fail("dump needs FILE ADDR LEN OUT (see `swdsim state dump --help`)");
  uint32_t addr, len;
  if (!parse_u32(argv[1], &addr))
    return fail("dump: bad address '%s'", argv[1]);
  if (!parse_u32(argv[2], &len) || len == 0)
    return fail("dump: bad length '%s' (a positive number of bytes)", argv[2]);
  sim_chip_state st;
  const sim_chip *chip;
  if (!load_state(argv[0], &st, &chip))
    return 1;
  const uint8_t *src = NULL;
  uint8_t image[SIM_OPTIONS_SIZE];
  uint64_t end = (uint64_t)addr + len;
  if (addr >= 0x08000000 && end <= 0x08000000ull + chip->flash_size) {
    src = st.flash + (addr - 0x08000000);
  } else {
    static const uint32_t bases[2] = {0, 0x1FFEC000};
    for (int i = 0; i < 2 && !src; i++) {
      uint32_t base = i == 0 ? chip->family->option_base : bases[i];
      if (addr >= base && end <= (uint64_t)base + chip->family->option_size &&
          chip->family->flash->option_image(chip, st.options, base, image))
        src = image + (addr - base);
    }
  }
  int rc = 0;
  if (!src) {
    char range[64];
    snprintf(range, sizeof range, "0x%08X..0x%08llX", addr, (unsigned long long)end);
    rc = fail("dump: %s is outside the flash and the option bytes of %s", range, chip->name);
  } else {
    bool to_stdout = strcmp(argv[3], "-") == 0;
    FILE *out = to_stdout ? stdout : fopen(argv[3], "wb");
    if (!out) {
      rc = fail("dump: cannot create %s: %s", argv[3], strerror(errno));
    } else {
      bool ok = fwrite(src, 1, len, out) == len;
      if ((to_stdout ? fflush(out) : fclose(out)) != 0)
        ok = false;
      if (!ok)
        rc = fail("dump: cannot write %s: %s", argv[3], strerror(errno));
    }
  }
  sim_state_release(&st);
  return rc;
}

/* ---- show ---- */

/* Write-protected address ranges [start, end) from an option image. */
static int protected_ranges(const sim_chip *chip, const uint8_t *opts, uint32_t ranges[][2])
{
  int n = 0;
  uint32_t off, size;
  for (unsigned i = 0; sim_chip_erase_unit(chip, i, &off, &size); i++) {
    if (!chip->family->flash->offset_protected(chip, opts, off))
      continue;
    uint32_t start = 0x08000000 + off;
    if (n > 0 && ranges[n - 1][1] == start)
      ranges[n - 1][1] = start + size;
    else if (n < MAX_RANGES) {
      ranges[n][0] = start;
      ranges[n][1] = start + size;
      n++;
    }
  }
  return n;
}

/* The next session starts with a power-on reset unless the board was left
 * powered; then it is a system reset, and so is any reset inside a session. */
static void next_boot(const sim_chip *chip, const sim_chip_state *st, sim_boot *next,
                      sim_boot *power_on)
{
  sim_chip_boot(chip, st, !st->powered, next);
  sim_chip_boot(chip, st, true, power_on);
}

static void print_boot_json(const char *key, const sim_boot *b)
{
  printf(", \"%s\": {\"area\": \"%s\", \"address\": %u, \"reason\": \"", key,
         sim_boot_area_name(b->area), b->address);
  for (const char *c = b->reason; *c; c++)
    if (*c == '"' || *c == '\\')
      printf("\\%c", *c);
    else
      putchar(*c);
  printf("\"}");
}

static const char *const boot_words[] = {"main flash", "system memory (ROM bootloader)",
                                         "embedded SRAM", "nothing (no memory there)"};

static void print_boot_text(const char *label, const sim_boot *b)
{
  printf("%s%s at 0x%08X: %s\n", label, boot_words[b->area], b->address, b->reason);
}

static void print_ranges_json(uint32_t ranges[][2], int n)
{
  printf("[");
  for (int i = 0; i < n; i++)
    printf("%s{\"start\": %u, \"end\": %u}", i ? ", " : "", ranges[i][0], ranges[i][1]);
  printf("]");
}

static void print_ranges_text(uint32_t ranges[][2], int n)
{
  if (n == 0)
    printf("none");
  for (int i = 0; i < n; i++)
    printf("%s0x%08X-0x%08X (%u KiB)", i ? ", " : "", ranges[i][0], ranges[i][1] - 1,
           (ranges[i][1] - ranges[i][0]) / 1024);
  printf("\n");
}

static const char *const rdp_words[3] = {
    "level 0: no read protection",
    "level 1: flash unreadable by a debugger; going back to 0 mass-erases it",
    "level 2: debug port disabled for good",
};

static int cmd_show(int argc, char **argv)
{
  if (wants_help(argc, argv)) {
    fputs(usage_show, stdout);
    return 0;
  }
  bool json = false;
  const char *path = NULL;
  for (int i = 0; i < argc; i++) {
    if (strcmp(argv[i], "--json") == 0)
      json = true;
    else if (argv[i][0] == '-' || path)
      return fail("show: unexpected argument '%s'", argv[i]);
    else
      path = argv[i];
  }
  if (!path)
    return fail("show needs FILE (see `swdsim state show --help`)");
  sim_chip_state st;
  const sim_chip *chip;
  if (!load_state(path, &st, &chip))
    return 1;
  const flash_family *ff = chip->family->flash;
  int rdp = ff->rdp_level(st.options), rdp_active = ff->rdp_level(st.loaded);
  uint32_t ranges[MAX_RANGES][2], active[MAX_RANGES][2];
  int nr = protected_ranges(chip, st.options, ranges);
  int na = protected_ranges(chip, st.loaded, active);
  option_field fields[MAX_FIELDS];
  int nf = ff->decode(chip, st.options, fields, MAX_FIELDS);
  sim_boot boot, boot_power_on;
  next_boot(chip, &st, &boot, &boot_power_on);
  if (json) {
    printf("{\"chip\": \"%s\", \"rdp_level\": %d, \"rdp_level_active\": %d, \"wrp_ranges\": ",
           chip->name, rdp, rdp_active);
    print_ranges_json(ranges, nr);
    printf(", \"wrp_ranges_active\": ");
    print_ranges_json(active, na);
    printf(", \"options\": {");
    for (int i = 0; i < nf; i++)
      printf("%s\"%s\": %u", i ? ", " : "", fields[i].name, fields[i].value);
    printf("}, \"boot0\": %d, \"boot1\": %d, \"boots_from\": \"%s\"", st.boot0, st.boot1,
           sim_boot_area_name(boot.area));
    print_boot_json("boot", &boot);
    print_boot_json("boot_after_power_on", &boot_power_on);
    printf(", \"flash_empty\": %s, \"powered\": %s, \"rdp2_locked\": %s, "
           "\"debugger_latched\": %s}\n",
           st.flash_empty ? "true" : "false", st.powered ? "true" : "false",
           st.rdp2_locked ? "true" : "false", st.debugger_latched ? "true" : "false");
  } else {
    printf("chip:             %s\n", chip->description);
    printf("read protection:  %s\n", rdp_words[rdp]);
    if (rdp_active != rdp)
      printf("                  (until the next reset still %s)\n", rdp_words[rdp_active]);
    printf("write protection: ");
    print_ranges_text(ranges, nr);
    printf("option fields:\n");
    for (int i = 0; i < nf; i++)
      printf("  %-16s 0x%-8X %s\n", fields[i].name, fields[i].value,
             fields[i].text ? fields[i].text : "");
    if (memcmp(st.options, st.loaded, SIM_OPTIONS_SIZE) != 0)
      printf("  (programmed values take effect at the next reset)\n");
    printf("boot pins:        BOOT0=%d BOOT1=%d\n", st.boot0, st.boot1);
    print_boot_text(st.powered ? "next reset:       " : "next power-on:    ", &boot);
    if (st.powered)
      print_boot_text("after power-on:   ", &boot_power_on);
    printf("supply:           %s\n",
           st.powered ? "on since the last session" : "off (next session: power-on reset)");
    if (st.rdp2_locked)
      printf("debug port:       disabled for good (RDP level 2)\n");
  }
  sim_state_release(&st);
  return 0;
}

/* ---- power-cycle ---- */

static int cmd_power_cycle(int argc, char **argv)
{
  if (wants_help(argc, argv)) {
    fputs(usage_power, stdout);
    return 0;
  }
  if (argc != 1)
    return fail("power-cycle needs FILE");
  sim_chip_state st;
  const sim_chip *chip;
  if (!load_state(argv[0], &st, &chip))
    return 1;
  st.powered = false;
  board_forget_path(argv[0]); /* RAM, registers and peripherals are lost */
  char err[512];
  int rc = 0;
  if (!sim_state_store(argv[0], &st, chip, err, sizeof err)) {
    fprintf(stderr, "swdsim state: %s\n", err);
    rc = 1;
  }
  sim_state_release(&st);
  return rc;
}

int sim_state_main(int argc, char **argv)
{
  if (argc < 2) {
    fputs(usage_main, stderr);
    return 2;
  }
  const char *cmd = argv[1];
  if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
    fputs(usage_main, stdout);
    return 0;
  }
  static const struct {
    const char *name;
    int (*run)(int, char **);
  } cmds[] = {{"init", cmd_init}, {"dump", cmd_dump}, {"show", cmd_show},
              {"power-cycle", cmd_power_cycle}, {"boot", sim_state_boot_main}};
  for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
    if (strcmp(cmd, cmds[i].name) == 0)
      return cmds[i].run(argc - 2, argv + 2);
  fprintf(stderr, "swdsim state: unknown command '%s'\n\n%s", cmd, usage_main);
  return 2;
}
