/* swdflash chips: the chip database (built in, plus SWDFLASH_CHIPDB), for
 * people and for the shell completions of chip ids. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "session.h"

static const cli_opt chips_opts[] = {{0}};

/* Case-insensitive: does `text` contain `pattern`? */
static bool contains(const char *text, const char *pattern) {
  size_t n = strlen(pattern);
  for (const char *t = text; *t != '\0' || n == 0; t++) {
    size_t k = 0;
    while (k < n && t[k] != '\0' &&
           tolower((unsigned char)t[k]) == tolower((unsigned char)pattern[k])) {
      k++;
    }
    if (k == n) {
      return true;
    }
  }
  return false;
}

static bool wanted(const swdf_chip_info *c, const char *pattern) {
  return pattern == NULL || contains(c->id, pattern) || contains(c->name, pattern);
}

static void size_text(char *out, size_t len, uint32_t bytes) {
  if (bytes >= 1024u * 1024 && bytes % (1024u * 1024) == 0) {
    snprintf(out, len, "%u MiB", bytes / (1024u * 1024));
  } else {
    snprintf(out, len, "%u KiB", bytes / 1024u);
  }
}

static int list_chips(swdf_ctx *ctx, const cli_globals *g, const char *pattern) {
  size_t count = 0;
  swdf_err err = swdf_chipdb_count(&count, ctx);
  if (err != SWDF_OK) {
    return cli_lib_error(g, ctx, err, "reading the chip database");
  }
  cli_json j;
  if (g->json) {
    cli_json_reply_begin(&j, g, true);
    cli_json_array_begin(&j, "chips");
  } else {
    printf("%-22s %-6s %-9s %-8s %s\n", "ID", "DEV_ID", "FLASH", "RAM", "NAME");
  }
  for (size_t i = 0; i < count; i++) {
    swdf_chip_info c = SWDF_CHIP_INFO_INIT;
    err = swdf_chipdb_get(&c, ctx, i);
    if (err != SWDF_OK) {
      return cli_lib_error(g, ctx, err, "reading the chip database");
    }
    if (!wanted(&c, pattern)) {
      continue;
    }
    char dev_id[8], flash[16], ram[16];
    snprintf(dev_id, sizeof(dev_id), "0x%03X", c.dev_id);
    if (g->json) {
      cli_json_object_begin(&j, NULL);
      cli_json_str(&j, "id", c.id);
      cli_json_str(&j, "name", c.name);
      cli_json_str(&j, "family", c.family);
      cli_json_str(&j, "core", c.core);
      cli_json_str(&j, "dev_id", dev_id);
      cli_json_uint(&j, "flash_size", c.flash_size);
      cli_json_uint(&j, "ram_size", c.ram_size);
      cli_json_str(&j, "note", c.note[0] != '\0' ? c.note : NULL);
      cli_json_object_end(&j);
    } else {
      size_text(flash, sizeof(flash), c.flash_size);
      size_text(ram, sizeof(ram), c.ram_size);
      printf("%-22s %-6s %-9s %-8s %s\n", c.id, dev_id, flash, ram, c.name);
    }
  }
  if (g->json) {
    cli_json_array_end(&j);
    cli_json_reply_end(&j, g);
  }
  return CLI_EXIT_OK;
}

int cli_cmd_chips(int argc, char **argv, cli_globals *g) {
  cli_parser p;
  cli_parser_init(&p, argc, argv, chips_opts, g);
  const char *pattern = NULL;
  for (int r; (r = cli_next(&p)) != CLI_NEXT_END;) {
    switch (r) {
    case CLI_NEXT_ERROR:
      return cli_usage_error(g, "chips", "%s", p.error);
    case CLI_NEXT_HELP:
      cli_print_command_help(stdout, cli_find_command("chips"), chips_opts);
      return CLI_EXIT_OK;
    case CLI_NEXT_ARG:
      if (pattern != NULL) {
        return cli_usage_error(g, "chips", "unexpected argument '%s'", p.value);
      }
      pattern = p.value;
      break;
    }
  }
  cli_session s;
  int rc = cli_session_start(&s, g, "chips");
  if (rc == CLI_EXIT_OK) {
    rc = list_chips(s.ctx, g, pattern);
  }
  cli_session_end(&s);
  return rc;
}
