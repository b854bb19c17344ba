/* swdflash check-bootloader [--base ADDR] */
#include <ctype.h>
#include <string.h>

#include "boot_view.h"
#include "cli.h"
#include "json.h"
#include "recovery.h"
#include "session.h"

enum { OPT_BASE = 1 };

static const cli_opt check_opts[] = {
    {"base", 0, true, OPT_BASE, "ADDR", "look for the vector table here instead of the flash base"},
    {0},
};

/* True when the MCU an image was built for ("stm32f446xx") can be this chip
 * ("STM32F446xC/E"; an 'x' in either stands for any character). */
static bool mcu_matches(const char *mcu, const char *chip) {
  for (size_t i = 0; i < 9; i++) {
    char a = (char)tolower((unsigned char)mcu[i]);
    char b = (char)tolower((unsigned char)chip[i]);
    if (a == '\0' || b == '\0') {
      return false;
    }
    if (a != b && a != 'x' && b != 'x') {
      return false;
    }
  }
  return true;
}

static void size_text(char *out, size_t len, uint32_t bytes) {
  if (bytes >= 1024) {
    snprintf(out, len, "%.1f KiB", (double)bytes / 1024.0);
  } else {
    snprintf(out, len, "%u bytes", bytes);
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
    if (strcmp(img->kind, "erased") != 0) {
      fprintf(f, "            stack pointer 0x%08X, reset handler 0x%08X: %s\n", img->initial_sp,
              img->reset_vector, img->plausible ? "a plausible program" : "NOT a valid program");
    }
    if (!img->plausible && img->problem[0] != '\0') {
      fprintf(f, "            why: %s\n", img->problem);
    }
    if (img->evidence[0] != '\0') {
      fprintf(f, "            recognised by: %s\n", img->evidence);
    }
    if (chip != NULL && img->mcu[0] != '\0' && !mcu_matches(img->mcu, chip)) {
      fprintf(f, "            WARNING: it was built for %s but this chip is %s: it will not run "
                 "properly; rebuild it for this chip\n",
              img->mcu, chip);
    }
  }
  fprintf(f, "\n%s\n", r->verdict);
}

void cli_json_boot_report(cli_json *j, const swdf_boot_report *r) {
  cli_json_bool(j, "bootable", r->base_ok != 0);
  cli_json_hex32(j, "base", r->base);
  cli_json_str(j, "boot_source", swdf_boot_source_name(r->source));
  cli_json_str(j, "boot_source_why", r->source_text);
  cli_json_array_begin(j, "images");
  for (size_t i = 0; i < r->image_count; i++) {
    const swdf_boot_image *img = &r->images[i];
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
    cli_json_str(j, "evidence", img->evidence[0] != '\0' ? img->evidence : NULL);
    cli_json_object_end(j);
  }
  cli_json_array_end(j);
  cli_json_str(j, "verdict", r->verdict);
}

int cli_check_bootloader(cli_session *s, const swdf_chip_info *chip,
                         const swdf_boot_check_opts *opts, bool print) {
  swdf_boot_report r = SWDF_BOOT_REPORT_INIT;
  swdf_err err = swdf_boot_check(&r, s->target, opts);
  if (err != SWDF_OK) {
    return cli_session_fail(s, err, "checking the bootloader");
  }
  if (!print) {
    /* nothing */
  } else if (s->g->json) {
    cli_json j;
    cli_json_reply_begin(&j, true);
    cli_json_str(&j, "chip", chip->name);
    cli_json_boot_report(&j, &r);
    cli_json_object_end(&j);
    cli_json_finish(&j);
  } else {
    printf("Chip: %s\n", chip->name);
    cli_print_boot_report(stdout, &r, chip->name);
  }
  return r.base_ok ? CLI_EXIT_OK : CLI_EXIT_FAILED;
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
