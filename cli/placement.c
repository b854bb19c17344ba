/* Raw binaries: where they go and whether they can run there. The facts
 * (program or not, linked for which address, built for which MCU) come
 * from the library's boot checks (swdf_boot_check_image). */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "placement.h"

static void add(cli_placement *p, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void add(cli_placement *p, const char *code, const char *fmt, ...) {
  if (p->count == CLI_PLACEMENT_MAX) {
    return;
  }
  p->codes[p->count] = code;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(p->warnings[p->count++], sizeof(p->warnings[0]), fmt, ap);
  va_end(ap);
}

void cli_check_placement(cli_placement *out, cli_session *s, const swdf_chip_info *chip,
                         const swdf_image *img, bool addr_given) {
  memset(out, 0, sizeof(*out));
  const swdf_image_segment *first = swdf_image_segment_at(img, 0);
  if (first == NULL) {
    return;
  }
  out->addr = first->addr;
  bool raw = swdf_image_get_format(img) == SWDF_IMAGE_BIN;
  out->address_from = !raw ? "file" : addr_given ? "command line" : "default";
  if (!raw) {
    return; /* HEX, S-record and ELF carry their addresses */
  }
  const char *name = swdf_image_name(img);
  if (!addr_given) {
    add(out, "default_address", "no address given for the raw binary %s: it goes to the flash base 0x%08X "
             "(the default for raw binaries; give ADDR to put it elsewhere)",
        name, first->addr);
  }
  swdf_boot_memory mem = SWDF_BOOT_MEMORY_INIT;
  mem.flash_base = chip->flash_base;
  mem.flash_size = chip->flash_size;
  mem.ram_base = chip->ram_base;
  mem.ram_size = chip->ram_size;
  mem.chip_name = chip->name;
  swdf_boot_check_opts opts = SWDF_BOOT_CHECK_OPTS_INIT;
  opts.has_base = 1;
  opts.base = first->addr & ~3u;
  swdf_boot_report *r = calloc(1, sizeof(*r));
  if (r != NULL) {
    r->size = sizeof(*r); /* the caller's size, for versioned structs */
  }
  if (r == NULL || swdf_boot_check_image(r, s->ctx, img, &mem, &opts) != SWDF_OK) {
    free(r);
    return; /* outside the flash: the write itself says so */
  }
  const swdf_boot_image *at = &r->images[0];
  const swdf_boot_detail *d = &r->details[0];
  if (strcmp(at->kind, "erased") == 0 || strcmp(at->kind, "invalid") == 0) {
    add(out, "not_a_program", "%s does not start with a vector table, so it is not a program (%s); it is "
             "written as data at 0x%08X",
        name, at->problem, first->addr);
  } else if (d->linked_for != 0 && d->linked_for != first->addr) {
    add(out, "linked_elsewhere", "%s was linked for 0x%08X (its vector table says so), but goes to 0x%08X: "
             "started there it crashes; give ADDR 0x%08X, or write the ELF or HEX file, which "
             "carries its address",
        name, d->linked_for, first->addr, d->linked_for);
  } else if (!at->plausible && at->problem[0] != '\0') {
    add(out, "will_not_run", "%s at 0x%08X will not run: %s", name, first->addr, at->problem);
  }
  if (d->mcu_match == 0) {
    add(out, "other_mcu", "%s was built for %s, but this chip is %s: it will not run", name, at->mcu,
        chip->name);
  }
  free(r);
}

void cli_print_placement(const cli_placement *p, const cli_globals *g) {
  const char *yellow = g->color ? "\033[1;33m" : "";
  const char *reset = g->color ? "\033[0m" : "";
  for (size_t i = 0; i < p->count; i++) {
    fprintf(stderr, "swdflash: %swarning:%s %s\n", yellow, reset, p->warnings[i]);
  }
}

void cli_json_placement(cli_json *j, const cli_globals *g, const cli_placement *p) {
  cli_json_str(j, "address_from", p->address_from);
  for (size_t i = 0; i < p->count; i++) {
    cli_warn(g, p->codes[i], "%s", p->warnings[i]);
  }
}
