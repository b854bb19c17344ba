/* swdflash check-bootloader [--base ADDR] */
#include <string.h>

#include "boot_view.h"
#include "cli.h"
#include "json.h"
#include "recovery.h"
#include "reply.h"
#include "session.h"

enum { OPT_BASE = 1 };

static const cli_opt check_opts[] = {
    {"base", 0, true, OPT_BASE, "ADDR", "look for the vector table here instead of the flash base"},
    {0},
};

static void size_text(char *out, size_t len, uint32_t bytes) {
  if (bytes >= 1024) {
    snprintf(out, len, "%.1f KiB", (double)bytes / 1024.0);
  } else {
    snprintf(out, len, "%u bytes", bytes);
  }
}

/* The lines under an image that say how it will run. */
static void print_image_details(FILE *f, const swdf_boot_image *img, const swdf_boot_detail *d,
                                const char *chip) {
  if (strcmp(img->kind, "erased") != 0) {
    fprintf(f, "            stack pointer 0x%08X, reset handler 0x%08X: %s\n", img->initial_sp,
            img->reset_vector,
            img->plausible ? "the core starts it, and it was linked for this address"
                           : "it will NOT run from here");
  }
  if (!img->plausible && img->problem[0] != '\0') {
    fprintf(f, "            why: %s\n", img->problem);
  }
  if (d->linked_for != 0 && d->linked_for != img->addr) {
    fprintf(f, "            linked for: 0x%08X (its vector table says so)\n", d->linked_for);
  }
  if (img->is_bootloader && strcmp(img->kind, "st-rom") != 0) {
    if (d->app_addr != 0) {
      fprintf(f, "            starts the application at: 0x%08X (%s)\n", d->app_addr,
              d->app_addr_how);
    } else {
      fprintf(f, "            starts the application at: cannot be known (%s)\n",
              d->app_addr_how);
    }
  }
  if (d->warning[0] != '\0') {
    fprintf(f, "            warning: %s\n", d->warning);
  }
  if (img->evidence[0] != '\0') {
    fprintf(f, "            recognised by: %s\n", img->evidence);
  }
  if (d->mcu_match == 0) {
    fprintf(f, "            WARNING: it was built for %s but this chip is %s: it will not run; "
               "rebuild it for this chip\n",
            img->mcu, chip != NULL ? chip : "another MCU");
  }
}

void cli_print_boot_report(FILE *f, const swdf_boot_report *r, const char *chip) {
  if (r->source != SWDF_BOOT_UNKNOWN || r->source_text[0] != '\0') {
    fprintf(f, "Boots from: %s (%s)\n", swdf_boot_source_name(r->source), r->source_text);
  }
  for (size_t i = 0; i < r->image_count; i++) {
    const swdf_boot_image *img = &r->images[i];
    char size[32];
    size_text(size, sizeof(size), img->size);
    fprintf(f, "\n0x%08X  %s", img->addr, img->name);
    if (img->size > 0) {
      fprintf(f, ", %s", size);
    }
    if (img->version[0] != '\0') {
      fprintf(f, ", version %s", img->version);
    }
    if (img->mcu[0] != '\0') {
      fprintf(f, ", built for %s", img->mcu);
    }
    fprintf(f, "\n");
    print_image_details(f, img, &r->details[i], chip);
  }
  fprintf(f, "\n%s\n", r->verdict);
}

static void json_image(cli_json *j, const swdf_boot_image *img, const swdf_boot_detail *d) {
  cli_json_object_begin(j, NULL);
  cli_json_hex32(j, "addr", img->addr);
  cli_json_uint(j, "size", img->size);
  cli_json_str(j, "kind", img->kind);
  cli_json_str(j, "name", img->name);
  cli_json_bool(j, "bootloader", img->is_bootloader != 0);
  cli_json_bool(j, "plausible", img->plausible != 0);
  cli_json_hex32(j, "initial_sp", img->initial_sp);
  cli_json_hex32(j, "reset_vector", img->reset_vector);
  cli_json_str(j, "problem", img->problem[0] != '\0' ? img->problem : NULL);
  cli_json_str(j, "version", img->version[0] != '\0' ? img->version : NULL);
  cli_json_str(j, "mcu", img->mcu[0] != '\0' ? img->mcu : NULL);
  if (d->mcu_match < 0) {
    cli_json_null(j, "mcu_matches_chip");
  } else {
    cli_json_bool(j, "mcu_matches_chip", d->mcu_match == 1);
  }
  if (d->linked_for != 0) {
    cli_json_hex32(j, "linked_for", d->linked_for);
  } else {
    cli_json_null(j, "linked_for");
  }
  if (img->is_bootloader) {
    if (d->app_addr != 0) {
      cli_json_hex32(j, "app_addr", d->app_addr);
    } else {
      cli_json_null(j, "app_addr");
    }
    cli_json_str(j, "app_addr_how", d->app_addr_how);
  }
  cli_json_uint(j, "vectors", (uint64_t)d->vectors);
  cli_json_str(j, "warning", d->warning[0] != '\0' ? d->warning : NULL);
  cli_json_str(j, "evidence", img->evidence[0] != '\0' ? img->evidence : NULL);
  cli_json_object_end(j);
}

void cli_json_boot_report(cli_json *j, const swdf_boot_report *r) {
  cli_json_bool(j, "bootable", r->base_ok != 0);
  cli_json_bool(j, "runs", r->runs != 0);
  cli_json_hex32(j, "base", r->base);
  cli_json_str(j, "boot_source", swdf_boot_source_name(r->source));
  cli_json_str(j, "boot_source_why", r->source_text);
  cli_json_array_begin(j, "images");
  for (size_t i = 0; i < r->image_count; i++) {
    json_image(j, &r->images[i], &r->details[i]);
  }
  cli_json_array_end(j);
  cli_json_str(j, "verdict", r->verdict);
}

void cli_print_boot_config(FILE *f, const swdf_boot_config *c, const char *indent) {
  fprintf(f, "%s%s\n", indent, c->explain);
  if (!c->rom_has_dfu) {
    fprintf(f,
            "%sThe ROM bootloader of this chip has no USB DFU at all (only serial interfaces): "
            "'DFU mode' on such a board needs a bootloader in flash (Katapult, the STM32duino "
            "bootloader...) or an SWD tool like this one.\n",
            indent);
  } else if (c->dfu_needs[0] != '\0') {
    fprintf(f, "%s%s\n", indent, c->dfu_needs);
  }
  for (size_t i = 0; i < c->repair_count && i < 4; i++) {
    fprintf(f, "%sRepair: set %s=%s: %s\n", indent, c->repairs[i].field, c->repairs[i].value,
            c->repairs[i].why);
  }
}

void cli_json_boot_config(cli_json *j, const char *name, const swdf_boot_config *c) {
  cli_json_object_begin(j, name);
  cli_json_bool(j, "pin_honoured", c->pin_honoured != 0);
  cli_json_hex32(j, "boot_pin_low", c->boot_pin_low);
  cli_json_hex32(j, "boot_pin_high", c->boot_pin_high);
  cli_json_bool(j, "rom_reachable", c->rom_reachable != 0);
  cli_json_bool(j, "rom_has_dfu", c->rom_has_dfu != 0);
  if (c->empty_check < 0) {
    cli_json_null(j, "empty_check");
  } else {
    cli_json_bool(j, "empty_check", c->empty_check != 0);
  }
  cli_json_str(j, "explain", c->explain);
  cli_json_str(j, "dfu_needs", c->dfu_needs[0] != '\0' ? c->dfu_needs : NULL);
  cli_json_array_begin(j, "repairs");
  for (size_t i = 0; i < c->repair_count && i < 4; i++) {
    cli_json_object_begin(j, NULL);
    cli_json_str(j, "field", c->repairs[i].field);
    cli_json_str(j, "value", c->repairs[i].value);
    cli_json_str(j, "why", c->repairs[i].why);
    cli_json_object_end(j);
  }
  cli_json_array_end(j);
  cli_json_object_end(j);
}

int cli_check_bootloader(cli_session *s, const swdf_chip_info *chip,
                         const swdf_boot_check_opts *opts, bool print) {
  swdf_boot_report r = SWDF_BOOT_REPORT_INIT;
  swdf_err err = swdf_boot_check(&r, s->target, opts);
  if (err != SWDF_OK) {
    int rc = cli_session_fail(s, err, "checking the bootloader");
    /* --base outside this chip's flash: an address the chip refuses. */
    return err == SWDF_ERR_INVALID_ARG ? CLI_EXIT_BAD_INPUT : rc;
  }
  /* How the chip chooses where to start: shown when the library knows the
   * family's boot rules and the options can be read (not under RDP 2...). */
  swdf_boot_config cfg = SWDF_BOOT_CONFIG_INIT;
  swdf_err cfg_err = print ? swdf_boot_config_read(&cfg, s->target) : SWDF_ERR_UNSUPPORTED;
  bool have_cfg = cfg_err == SWDF_OK;
  if (cfg_err != SWDF_OK && cfg_err != SWDF_ERR_UNSUPPORTED &&
      cfg_err != SWDF_ERR_READ_PROTECTED) {
    return cli_session_fail(s, cfg_err, "reading the boot configuration");
  }
  if (!print) {
    /* nothing */
  } else if (s->g->json) {
    cli_json j;
    cli_json_reply_begin(&j, s->g, r.runs != 0); /* "ok" agrees with the exit status */
    if (!r.runs) {
      cli_json_object_begin(&j, "error");
      cli_json_str(&j, "code", "not_bootable");
      cli_json_str(&j, "message", r.verdict);
      cli_json_null(&j, "hint");
      cli_json_object_end(&j);
    }
    cli_json_chip_connection(&j, s->g, chip);
    cli_json_boot_report(&j, &r);
    if (have_cfg) {
      cli_json_boot_config(&j, "boot_config", &cfg);
    } else {
      cli_json_null(&j, "boot_config");
    }
    cli_json_reply_end(&j, s->g);
  } else {
    printf("Chip: %s\n", chip->name);
    cli_print_boot_report(stdout, &r, chip->name);
    if (have_cfg) {
      printf("Boot configuration:\n");
      cli_print_boot_config(stdout, &cfg, "  ");
    }
  }
  return r.runs ? CLI_EXIT_OK : CLI_EXIT_FAILED; /* documented in its --help */
}

int cli_cmd_check_bootloader(int argc, char **argv, cli_globals *g) {
  cli_parser p;
  cli_parser_init(&p, argc, argv, check_opts, g);
  swdf_boot_check_opts opts = SWDF_BOOT_CHECK_OPTS_INIT;
  for (int r; (r = cli_next(&p)) != CLI_NEXT_END;) {
    char err[128];
    switch (r) {
    case CLI_NEXT_ERROR:
      return cli_usage_error(g, "check-bootloader", "%s", p.error);
    case CLI_NEXT_HELP:
      cli_print_command_help(stdout, cli_find_command("check-bootloader"), check_opts);
      return CLI_EXIT_OK;
    case OPT_BASE:
      if (!cli_parse_u32(p.value, &opts.base, err, sizeof(err))) {
        return cli_usage_error(g, "check-bootloader", "--base: %s", err);
      }
      opts.has_base = 1;
      break;
    case CLI_NEXT_ARG:
      return cli_usage_error(g, "check-bootloader", "unexpected argument '%s'", p.value);
    }
  }
  cli_session s;
  swdf_chip_info chip = SWDF_CHIP_INFO_INIT;
  int rc = cli_session_start(&s, g, "check-bootloader");
  if (rc == CLI_EXIT_OK) {
    rc = cli_connect_chip(&s, &chip);
  }
  if (rc == CLI_EXIT_OK) {
    rc = cli_check_bootloader(&s, &chip, &opts, true);
  }
  cli_session_end(&s);
  return rc;
}
