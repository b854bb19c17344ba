/* swdflash info: probe, connection, chip, memory, protection. */
#include <stdio.h>
#include <string.h>

#include "boot_view.h"
#include "json.h"
#include "options_view.h"
#include "reply.h"
#include "session.h"

enum { INFO_MAX_RANGES = 32 };

typedef struct info {
  swdf_probe_info probe;
  swdf_chip_info chip;
  swdf_flash_info flash;
  swdf_protection_info prot;
  bool have_prot;
  /* Write (and code) protection from the option bytes; known = false when
   * the chip's option bytes are not described. */
  bool wrp_known;
  size_t wrp_count;
  swdf_opt_range wrp[INFO_MAX_RANGES];
  bool have_boot; /* the family's boot rules are known and the options readable */
  swdf_boot_config boot;
} info;

/* The number of the unit holding `addr` ("page 12"), from the layout. */
static bool unit_at(const swdf_flash_info *f, uint32_t addr, uint32_t *index) {
  for (uint32_t g = 0; g < f->group_count; g++) {
    const swdf_sector_group *grp = &f->groups[g];
    uint64_t end = (uint64_t)grp->addr + (uint64_t)grp->count * grp->size;
    if (addr >= grp->addr && addr < end) {
      *index = grp->first_index + (addr - grp->addr) / grp->size;
      return true;
    }
  }
  return false;
}

/* "sectors 2-3" or "page 48" for a protected range. */
static void units_text(char *out, size_t len, const swdf_flash_info *f, const swdf_opt_range *r) {
  const char *unit = strstr(f->summary, "page") != NULL ? "page" : "sector";
  uint32_t first = 0, last = 0;
  if (r->size == 0 || !unit_at(f, r->addr, &first) || !unit_at(f, r->addr + r->size - 1, &last)) {
    snprintf(out, len, "?");
  } else if (first == last) {
    snprintf(out, len, "%s %u", unit, (unsigned)first);
  } else {
    snprintf(out, len, "%ss %u-%u", unit, (unsigned)first, (unsigned)last);
  }
}

static void uid_text(char *out, size_t len, const swdf_chip_info *c) {
  if (!c->has_unique_id) {
    snprintf(out, len, "none");
    return;
  }
  snprintf(out, len, "%08X%08X%08X", c->unique_id[2], c->unique_id[1], c->unique_id[0]);
}

static void json_chip(cli_json *j, const cli_globals *g, const swdf_chip_info *c) {
  cli_json_chip_connection(j, g, c);
  cli_json_object_begin(j, "ram");
  cli_json_hex32(j, "base", c->ram_base);
  cli_json_uint(j, "size", c->ram_size);
  cli_json_object_end(j);
}

static void json_flash(cli_json *j, const swdf_flash_info *f) {
  cli_json_object_begin(j, "flash");
  cli_json_hex32(j, "base", f->base);
  cli_json_uint(j, "size", f->total);
  cli_json_uint(j, "program_unit", f->program_unit);
  cli_json_uint(j, "banks", f->bank_count);
  cli_json_str(j, "layout", f->summary);
  cli_json_array_begin(j, "sectors");
  for (uint32_t i = 0; i < f->group_count; i++) {
    cli_json_object_begin(j, NULL);
    cli_json_hex32(j, "addr", f->groups[i].addr);
    cli_json_uint(j, "count", f->groups[i].count);
    cli_json_uint(j, "size", f->groups[i].size);
    cli_json_uint(j, "first_index", f->groups[i].first_index);
    cli_json_uint(j, "bank", f->groups[i].bank);
    cli_json_object_end(j);
  }
  cli_json_array_end(j);
  cli_json_object_end(j);
}

static void json_protection(cli_json *j, const info *in) {
  cli_json_object_begin(j, "protection");
  if (in->have_prot && in->prot.rdp_level >= 0) {
    cli_json_int(j, "rdp_level", in->prot.rdp_level);
    cli_json_hex32(j, "rdp_raw", in->prot.rdp_raw);
  } else {
    cli_json_null(j, "rdp_level");
  }
  cli_json_str(j, "rdp", in->have_prot ? in->prot.rdp_text : NULL);
  if (in->wrp_known) {
    cli_json_array_begin(j, "write_protected");
    for (size_t i = 0; i < in->wrp_count && i < INFO_MAX_RANGES; i++) {
      const swdf_opt_range *r = &in->wrp[i];
      char units[48];
      units_text(units, sizeof(units), &in->flash, r);
      cli_json_object_begin(j, NULL);
      cli_json_protected_range(j, r);
      cli_json_str(j, "units", units);
      cli_json_object_end(j);
    }
    cli_json_array_end(j);
  } else {
    cli_json_null(j, "write_protected");
  }
  cli_json_array_begin(j, "option_words");
  for (uint32_t i = 0; in->have_prot && i < in->prot.word_count; i++) {
    cli_json_object_begin(j, NULL);
    cli_json_str(j, "name", in->prot.words[i].name);
    cli_json_hex32(j, "addr", in->prot.words[i].addr);
    cli_json_hex32(j, "value", in->prot.words[i].value);
    cli_json_object_end(j);
  }
  cli_json_array_end(j);
  cli_json_object_end(j);
}

static void print_json(const cli_globals *g, const info *in) {
  cli_json j;
  cli_json_reply_begin(&j, g, true);
  cli_json_probe(&j, "probe", &in->probe);
  json_chip(&j, g, &in->chip);
  json_flash(&j, &in->flash);
  json_protection(&j, in);
  if (in->have_boot) {
    cli_json_boot_config(&j, "boot_config", &in->boot);
  } else {
    cli_json_null(&j, "boot_config");
  }
  cli_json_reply_end(&j, g);
}

static void print_text(const info *in) {
  const swdf_probe_info *p = &in->probe;
  const swdf_chip_info *c = &in->chip;
  const swdf_flash_info *f = &in->flash;
  char size[24];
  printf("probe:        %s %s, firmware %s, target %u.%02u V\n", p->product, p->serial,
         p->firmware, p->target_voltage_mv / 1000, p->target_voltage_mv % 1000 / 10);
  printf("connection:   %s, SWD at %u kHz\n", swdf_connect_mode_name(c->connected_with),
         c->freq_khz);
  if (c->connect_note[0] != '\0') {
    printf("              %s\n", c->connect_note);
  }
  printf("chip:         %s\n", c->name);
  if (c->note[0] != '\0') {
    printf("              note: %s\n", c->note);
  }
  printf("device ID:    0x%03X, revision ID 0x%04X%s%s%s\n", c->dev_id, c->rev_id,
         c->revision[0] != '\0' ? " (revision " : "", c->revision,
         c->revision[0] != '\0' ? ")" : "");
  printf("core:         %s (CPUID 0x%08X, SW-DP IDCODE 0x%08X)\n", c->core, c->cpuid,
         c->dp_idcode);
  cli_format_size(size, sizeof(size), f->total);
  printf("flash:        %s at 0x%08X: %s, programmed in units of %u byte%s\n", size, f->base,
         f->summary, f->program_unit, f->program_unit == 1 ? "" : "s");
  cli_format_size(size, sizeof(size), c->ram_size);
  printf("RAM:          %s at 0x%08X\n", size, c->ram_base);
  char uid[32];
  uid_text(uid, sizeof(uid), c);
  printf("unique ID:    %s\n", uid);
  if (!in->have_prot) {
    printf("protection:   unknown (the option bytes could not be read)\n");
    return;
  }
  printf("protection:   %s\n", in->prot.rdp_text);
  if (!in->wrp_known) {
    printf("write protect: unknown (the option bytes of this chip are not described)\n");
  } else if (in->wrp_count == 0) {
    printf("write protect: none\n");
  }
  for (size_t i = 0; in->wrp_known && i < in->wrp_count && i < INFO_MAX_RANGES; i++) {
    char units[48], range[64];
    units_text(units, sizeof(units), &in->flash, &in->wrp[i]);
    cli_format_range(range, sizeof(range), in->wrp[i].addr, in->wrp[i].size);
    printf("%s %s at %s, %s (%s)\n", i == 0 ? "write protect:" : "             ", units, range,
           in->wrp[i].code_protection ? "execute-only (PCROP)" : "write protected",
           in->wrp[i].field);
  }
  if (in->have_boot) {
    printf("boot:\n");
    cli_print_boot_config(stdout, &in->boot, "              ");
  }
  if (in->prot.word_count > 0) {
    printf("option bytes (raw):\n");
  }
  for (uint32_t i = 0; i < in->prot.word_count; i++) {
    const swdf_option_word *w = &in->prot.words[i];
    if (strncmp(w->name, "0x", 2) == 0) {
      printf("  %-12s 0x%08X\n", w->name, w->value);
    } else {
      printf("  %-12s 0x%08X  (register at 0x%08X)\n", w->name, w->value, w->addr);
    }
  }
}


int cli_cmd_info(int argc, char **argv, cli_globals *g) {
  int rc = cli_parse_no_args(argc, argv, g, "info");
  if (rc >= 0) {
    return rc;
  }
  cli_session s;
  rc = cli_session_start(&s, g, "info");
  if (rc == CLI_EXIT_OK) {
    rc = cli_session_connect(&s);
  }
  info in = {.probe = SWDF_PROBE_INFO_INIT,
             .chip = SWDF_CHIP_INFO_INIT,
             .flash = SWDF_FLASH_INFO_INIT,
             .prot = SWDF_PROTECTION_INFO_INIT,
             .boot = SWDF_BOOT_CONFIG_INIT};
  swdf_err err = SWDF_OK;
  if (rc == CLI_EXIT_OK) {
    err = swdf_probe_get_info(&in.probe, s.probe);
  }
  if (rc == CLI_EXIT_OK && err == SWDF_OK) {
    err = swdf_target_chip_info(&in.chip, s.target);
  }
  if (rc == CLI_EXIT_OK && err == SWDF_OK) {
    err = swdf_target_flash_info(&in.flash, s.target);
  }
  swdf_err prot_err = SWDF_OK;
  if (rc == CLI_EXIT_OK && err == SWDF_OK) {
    prot_err = swdf_target_protection(&in.prot, s.target);
    in.have_prot = prot_err == SWDF_OK;
  }
  if (rc == CLI_EXIT_OK && err == SWDF_OK && prot_err == SWDF_OK) {
    swdf_options *o = NULL;
    swdf_err oerr = swdf_options_read(&o, s.target);
    if (oerr == SWDF_OK) {
      in.wrp_known = true;
      in.wrp_count = swdf_options_ranges(in.wrp, INFO_MAX_RANGES, o, 0);
    } else if (oerr != SWDF_ERR_UNSUPPORTED) {
      prot_err = oerr;
    }
    swdf_options_free(o);
    if (prot_err == SWDF_OK) {
      /* Unknown boot rules leave the section out; a failed read is an error. */
      swdf_err berr = swdf_boot_config_read(&in.boot, s.target);
      in.have_boot = berr == SWDF_OK;
      if (berr != SWDF_OK && berr != SWDF_ERR_UNSUPPORTED) {
        prot_err = berr;
      }
    }
  }
  if (rc == CLI_EXIT_OK && err != SWDF_OK) {
    rc = cli_session_fail(&s, err, NULL);
  }
  if (rc == CLI_EXIT_OK && !(g->json && prot_err != SWDF_OK)) {
    if (g->json) {
      print_json(g, &in);
    } else {
      print_text(&in);
    }
  }
  if (rc == CLI_EXIT_OK && prot_err != SWDF_OK) {
    /* Everything else was shown; the answer is still incomplete. */
    rc = cli_session_fail(&s, prot_err, "reading the protection");
  }
  cli_session_end(&s);
  return rc;
}
