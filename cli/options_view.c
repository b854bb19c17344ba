/* Option bytes for people (text) and scripts (JSON). */
#include <ctype.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "options_view.h"

static const struct {
  swdf_opt_group group;
  const char *title;
} sections[] = {
    {SWDF_OPT_GROUP_RDP, "Read protection"},     {SWDF_OPT_GROUP_WRP, "Write protection"},
    {SWDF_OPT_GROUP_WATCHDOG, "Watchdog"},        {SWDF_OPT_GROUP_RESET, "Reset"},
    {SWDF_OPT_GROUP_BOR, "Brown-out reset"},      {SWDF_OPT_GROUP_BOOT, "Boot configuration"},
    {SWDF_OPT_GROUP_USER, "User data"},           {SWDF_OPT_GROUP_OTHER, "Other"},
    {SWDF_OPT_GROUP_STATUS, "Flash controller status (read only)"},
};

void cli_format_range(char *out, size_t len, uint32_t addr, uint32_t size) {
  if (size % 1024 == 0) {
    snprintf(out, len, "0x%08X-0x%08X (%u KiB)", addr, addr + size - 1, size / 1024);
  } else {
    snprintf(out, len, "0x%08X-0x%08X (%u bytes)", addr, addr + size - 1, size);
  }
}

void cli_print_ranges(FILE *f, const swdf_options *o, int staged, const char *indent) {
  swdf_opt_range ranges[32];
  size_t n = swdf_options_ranges(ranges, 32, o, staged);
  if (n == 0) {
    fprintf(f, "%sprotected flash: nothing\n", indent);
  }
  for (size_t i = 0; i < n && i < 32; i++) {
    char r[64];
    cli_format_range(r, sizeof(r), ranges[i].addr, ranges[i].size);
    fprintf(f, "%s%s: %s (%s)\n", indent,
            ranges[i].code_protection ? "execute-only (PCROP)" : "write protected", r,
            ranges[i].field);
  }
}

static void print_field(FILE *f, const swdf_opt_field *fl) {
  char lhs[64];
  snprintf(lhs, sizeof(lhs), "%s = %s", fl->name, fl->value);
  const char *meaning = fl->value_text[0] != '\0' ? fl->value_text : fl->text;
  fprintf(f, "  %-24s %s\n", lhs, meaning);
}

static bool group_has_fields(const swdf_options *o, swdf_opt_group group) {
  for (size_t i = 0; i < swdf_options_field_count(o); i++) {
    swdf_opt_field fl = SWDF_OPT_FIELD_INIT;
    if (swdf_options_field(&fl, o, i) == SWDF_OK && fl.group == group) {
      return true;
    }
  }
  return false;
}

static void print_boot(FILE *f, const swdf_options *o, const cli_boot_source *boot) {
  if (!group_has_fields(o, SWDF_OPT_GROUP_BOOT)) {
    fprintf(f, "  chosen by the BOOT0 (and BOOT1) pins at reset; no option bits take part\n");
  }
  if (boot != NULL && boot->known) {
    fprintf(f, "  booted from: %s (%s)\n", swdf_boot_source_name(boot->source), boot->why);
  }
}

void cli_print_options(FILE *f, const swdf_options *o, const char *chip,
                       const cli_boot_source *boot, bool raw) {
  fprintf(f, "%s option bytes (description %s: %s)\n", chip, swdf_options_description(o),
          swdf_options_source(o));
  for (size_t s = 0; s < sizeof(sections) / sizeof(sections[0]); s++) {
    bool boot_section = sections[s].group == SWDF_OPT_GROUP_BOOT;
    if (!group_has_fields(o, sections[s].group) && !boot_section) {
      continue;
    }
    fprintf(f, "\n%s\n", sections[s].title);
    for (size_t i = 0; i < swdf_options_field_count(o); i++) {
      swdf_opt_field fl = SWDF_OPT_FIELD_INIT;
      if (swdf_options_field(&fl, o, i) == SWDF_OK && fl.group == sections[s].group) {
        print_field(f, &fl);
      }
    }
    if (sections[s].group == SWDF_OPT_GROUP_WRP) {
      cli_print_ranges(f, o, 0, "  ");
    }
    if (boot_section) {
      print_boot(f, o, boot);
    }
  }
  if (raw) {
    fprintf(f, "\nRaw option words\n");
    for (size_t i = 0; i < swdf_options_word_count(o); i++) {
      swdf_opt_word w = SWDF_OPT_WORD_INIT;
      if (swdf_options_word(&w, o, i) == SWDF_OK) {
        fprintf(f, "  %-8s 0x%08X = 0x%0*X%s%s\n", w.name, w.addr, (int)(w.bits / 4), w.value,
                w.read_only ? "  (status register)" : "",
                w.consistent ? "" : "  (value and complement do not match!)");
      }
    }
  }
  if (!swdf_options_writable(o)) {
    fprintf(f, "\nThis tool can show but not yet change the option bytes of this chip family.\n");
  }
}

static void json_hex(cli_json *j, const char *key, uint32_t value) {
  char buf[16];
  snprintf(buf, sizeof(buf), "0x%X", value);
  cli_json_str(j, key, buf);
}

void cli_json_protected_range(cli_json *j, const swdf_opt_range *r) {
  cli_json_hex32(j, "addr", r->addr);
  cli_json_uint(j, "size", r->size);
  cli_json_hex32(j, "end", r->addr + r->size - 1);
  cli_json_str(j, "kind", r->code_protection ? "pcrop" : "wrp");
  cli_json_str(j, "field", r->field);
}

static void json_range_array(cli_json *j, const char *key, const swdf_opt_range *ranges,
                             size_t n) {
  cli_json_array_begin(j, key);
  for (size_t i = 0; i < n; i++) {
    cli_json_object_begin(j, NULL);
    cli_json_protected_range(j, &ranges[i]);
    cli_json_object_end(j);
  }
  cli_json_array_end(j);
}

static void json_ranges(cli_json *j, const char *key, const swdf_options *o, int staged) {
  swdf_opt_range ranges[CLI_MAX_RANGES];
  size_t n = swdf_options_ranges(ranges, CLI_MAX_RANGES, o, staged);
  json_range_array(j, key, ranges, n < CLI_MAX_RANGES ? n : CLI_MAX_RANGES);
}

static void json_field(cli_json *j, const swdf_options *o, size_t index, const swdf_opt_field *fl) {
  cli_json_object_begin(j, NULL);
  cli_json_str(j, "name", fl->name);
  cli_json_str(j, "group", swdf_opt_group_name(fl->group));
  cli_json_str(j, "value", fl->value);
  json_hex(j, "raw", fl->raw);
  cli_json_str(j, "meaning", fl->value_text[0] != '\0' ? fl->value_text : NULL);
  cli_json_str(j, "description", fl->text);
  if (fl->has_default) {
    json_hex(j, "default", fl->default_raw);
  } else {
    cli_json_null(j, "default");
  }
  cli_json_bool(j, "read_only", fl->read_only != 0);
  cli_json_str(j, "word", fl->word);
  cli_json_hex32(j, "addr", fl->addr);
  cli_json_uint(j, "shift", fl->shift);
  cli_json_uint(j, "width", fl->width);
  cli_json_bool(j, "any_number", fl->any_value != 0);
  cli_json_str(j, "warning", fl->warning[0] != '\0' ? fl->warning : NULL);
  cli_json_array_begin(j, "values");
  for (size_t v = 0; v < swdf_options_value_count(o, index); v++) {
    swdf_opt_value val = SWDF_OPT_VALUE_INIT;
    if (swdf_options_value(&val, o, index, v) == SWDF_OK) {
      cli_json_object_begin(j, NULL);
      cli_json_str(j, "name", val.name);
      json_hex(j, "raw", val.raw);
      cli_json_str(j, "meaning", val.text);
      cli_json_bool(j, "permanent", val.permanent != 0);
      cli_json_object_end(j);
    }
  }
  cli_json_array_end(j);
  cli_json_object_end(j);
}

void cli_json_options(cli_json *j, const swdf_options *o, const cli_boot_source *boot, bool raw) {
  cli_json_str(j, "description", swdf_options_description(o));
  cli_json_str(j, "source", swdf_options_source(o));
  cli_json_bool(j, "writable", swdf_options_writable(o) != 0);
  int level = swdf_options_rdp_level(o);
  if (level >= 0) {
    cli_json_int(j, "rdp_level", level);
  } else {
    cli_json_null(j, "rdp_level");
  }
  cli_json_array_begin(j, "fields");
  for (size_t i = 0; i < swdf_options_field_count(o); i++) {
    swdf_opt_field fl = SWDF_OPT_FIELD_INIT;
    if (swdf_options_field(&fl, o, i) == SWDF_OK) {
      json_field(j, o, i, &fl);
    }
  }
  cli_json_array_end(j);
  json_ranges(j, "protected_ranges", o, 0);
  if (boot != NULL && boot->known) {
    /* The names check-bootloader gives them. */
    cli_json_str(j, "boot_source", swdf_boot_source_name(boot->source));
    cli_json_str(j, "boot_source_why", boot->why);
  }
  if (raw) {
    cli_json_array_begin(j, "words");
    for (size_t i = 0; i < swdf_options_word_count(o); i++) {
      swdf_opt_word w = SWDF_OPT_WORD_INIT;
      if (swdf_options_word(&w, o, i) == SWDF_OK) {
        cli_json_object_begin(j, NULL);
        cli_json_str(j, "name", w.name);
        cli_json_hex32(j, "addr", w.addr);
        cli_json_uint(j, "bits", w.bits);
        json_hex(j, "value", w.value);
        cli_json_bool(j, "read_only", w.read_only != 0);
        cli_json_bool(j, "consistent", w.consistent != 0);
        cli_json_object_end(j);
      }
    }
    cli_json_array_end(j);
  }
}

void cli_print_changes(FILE *f, const swdf_options *o) {
  fprintf(f, "Changes:\n");
  for (size_t i = 0; i < swdf_options_field_count(o); i++) {
    swdf_opt_field fl = SWDF_OPT_FIELD_INIT;
    if (swdf_options_field(&fl, o, i) != SWDF_OK || !fl.changed) {
      continue;
    }
    fprintf(f, "  %s: %s -> %s\n", fl.name, fl.value, fl.new_value);
    fprintf(f, "      before: %s\n", fl.value_text[0] != '\0' ? fl.value_text : fl.text);
    fprintf(f, "      after:  %s\n", fl.new_value_text[0] != '\0' ? fl.new_value_text : fl.text);
    if (fl.warning[0] != '\0') {
      fprintf(f, "      note:   %s\n", fl.warning);
    }
  }
  fprintf(f, "Protection before:\n");
  cli_print_ranges(f, o, 0, "  ");
  fprintf(f, "Protection after:\n");
  cli_print_ranges(f, o, 1, "  ");
  if (swdf_options_change_erases(o)) {
    fprintf(f, "\nRemoving read protection makes the chip ERASE ITS WHOLE FLASH first: the "
               "program on it will be gone.\n");
  }
}

void cli_capture_changes(cli_changes *c, const swdf_options *o) {
  memset(c, 0, sizeof(*c));
  for (size_t i = 0; i < swdf_options_field_count(o) && c->count < CLI_MAX_CHANGES; i++) {
    swdf_opt_field fl = SWDF_OPT_FIELD_INIT;
    if (swdf_options_field(&fl, o, i) != SWDF_OK || !fl.changed) {
      continue;
    }
    snprintf(c->items[c->count].name, sizeof(c->items[0].name), "%s", fl.name);
    snprintf(c->items[c->count].from, sizeof(c->items[0].from), "%s", fl.value);
    snprintf(c->items[c->count].to, sizeof(c->items[0].to), "%s", fl.new_value);
    c->items[c->count].from_raw = fl.raw;
    c->items[c->count].to_raw = fl.new_raw;
    c->count++;
  }
  c->range_count = swdf_options_ranges(c->ranges_after, CLI_MAX_RANGES, o, 1);
  if (c->range_count > CLI_MAX_RANGES) {
    c->range_count = CLI_MAX_RANGES;
  }
  c->erases = swdf_options_change_erases(o) != 0;
}

void cli_json_changes(cli_json *j, const cli_changes *c) {
  cli_json_array_begin(j, "changes");
  for (size_t i = 0; i < c->count; i++) {
    cli_json_object_begin(j, NULL);
    cli_json_str(j, "name", c->items[i].name);
    cli_json_str(j, "from", c->items[i].from);
    cli_json_str(j, "to", c->items[i].to);
    json_hex(j, "from_raw", c->items[i].from_raw);
    json_hex(j, "to_raw", c->items[i].to_raw);
    cli_json_object_end(j);
  }
  cli_json_array_end(j);
  json_range_array(j, "protected_ranges_after", c->ranges_after, c->range_count);
  cli_json_bool(j, "erases_flash", c->erases);
}

int cli_confirm(const cli_globals *g, bool yes, const char *cmd, const char *question) {
  if (yes) {
    return CLI_EXIT_OK;
  }
  if (!isatty(STDIN_FILENO) || g->json) {
    (void)cmd;
    return cli_report_error(g, "needs_confirmation",
                            "this changes the chip and needs a confirmation, but there is no "
                            "terminal to ask on: nothing was changed",
                            "run the same command again with --yes to go ahead",
                            CLI_EXIT_NEEDS_YES);
  }
  fprintf(stderr, "%s [y/N] ", question);
  fflush(stderr);
  char answer[16] = "";
  if (fgets(answer, sizeof(answer), stdin) == NULL) {
    answer[0] = '\0';
  }
  answer[strcspn(answer, "\r\n")] = '\0';
  if (strcasecmp(answer, "y") == 0 || strcasecmp(answer, "yes") == 0) {
    return CLI_EXIT_OK;
  }
  fprintf(stderr, "swdflash: nothing changed\n");
  return CLI_EXIT_FAILED;
}
