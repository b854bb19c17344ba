/* swdflash options [--raw] | options set NAME=VALUE... | unlock */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "json.h"
#include "options_view.h"
#include "recovery.h"
#include "reply.h"
#include "session.h"

enum { OPT_RAW = 1, OPT_YES, OPT_PERMANENT, OPT_PERMANENT_SHORT };

static const cli_opt options_opts[] = {
    {"raw", 0, false, OPT_RAW, NULL, "also show the raw option words"},
    {"yes", 'y', false, OPT_YES, NULL, "with set: do not ask for confirmation"},
    {"i-understand-this-is-irreversible", 0, false, OPT_PERMANENT, NULL,
     "with set: allow values that can never be undone (read protection level 2)"},
    /* Refused: a step that can never be undone takes only the long flag,
     * spelled out, so that no short or guessed spelling unlocks it. */
    {"permanent", 0, false, OPT_PERMANENT_SHORT, NULL,
     "not accepted: spell out --i-understand-this-is-irreversible"},
    {0},
};

static const cli_opt unlock_opts[] = {
    {"yes", 'y', false, OPT_YES, NULL, "do not ask for confirmation"},
    {0},
};

/* Read the options of the connected chip; prints the error on failure. */
static int read_options(cli_session *s, swdf_options **o) {
  swdf_err err = swdf_options_read(o, s->target);
  return err == SWDF_OK ? CLI_EXIT_OK : cli_session_fail(s, err, "reading the option bytes");
}

static void detect_boot(cli_session *s, cli_boot_source *boot) {
  boot->known = swdf_boot_source_detect(&boot->source, boot->why, sizeof(boot->why),
                                        s->target) == SWDF_OK;
}

static void json_begin(cli_json *j, const cli_globals *g, const swdf_chip_info *chip) {
  cli_json_reply_begin(j, g, true);
  cli_json_chip_connection(j, g, chip);
}

static void json_end(cli_json *j, const cli_globals *g) { cli_json_reply_end(j, g); }

static void connect_note(const cli_session *s, const swdf_chip_info *chip) {
  if (!s->g->json && !s->g->quiet && chip->connect_note[0] != '\0') {
    fprintf(stderr, "swdflash: %s\n", chip->connect_note);
  }
}

/* ---- options --------------------------------------------------------------------- */

/* Connect as the global options say and read the option bytes. On failure
 * the error is printed and the session closed. */
static int open_options(cli_session *s, swdf_chip_info *chip, cli_globals *g,
                        swdf_options **o) {
  *o = NULL;
  int rc = cli_session_start(s, g, "options");
  if (rc == CLI_EXIT_OK) {
    rc = cli_connect_chip(s, chip);
  }
  if (rc == CLI_EXIT_OK) {
    connect_note(s, chip);
    rc = read_options(s, o);
  }
  if (rc != CLI_EXIT_OK) {
    cli_session_end(s);
  }
  return rc;
}

static int show(cli_globals *g, bool raw) {
  cli_session s;
  swdf_chip_info chip = SWDF_CHIP_INFO_INIT;
  swdf_options *o;
  int rc = open_options(&s, &chip, g, &o);
  if (rc != CLI_EXIT_OK) {
    return rc;
  }
  cli_boot_source boot;
  detect_boot(&s, &boot);
  if (g->json) {
    cli_json j;
    json_begin(&j, g, &chip);
    cli_json_options(&j, o, &boot, raw);
    json_end(&j, g);
  } else {
    cli_print_options(stdout, o, chip.name, &boot, raw);
  }
  swdf_options_free(o);
  cli_session_end(&s);
  return rc;
}

/* Apply NAME=VALUE assignments; nothing is staged when one fails. */
static int apply_assignments(cli_session *s, swdf_options *o, char **assign, int count,
                             unsigned flags) {
  for (int i = 0; i < count; i++) {
    char name[64];
    const char *eq = strchr(assign[i], '=');
    size_t len = (size_t)(eq - assign[i]);
    if (len >= sizeof(name)) {
      swdf_options_discard(o);
      return cli_usage_error(s->g, "options", "option name too long in '%s'", assign[i]);
    }
    memcpy(name, assign[i], len);
    name[len] = '\0';
    swdf_err err = swdf_options_set(o, name, eq + 1, flags);
    if (err != SWDF_OK) {
      swdf_options_discard(o);
      return cli_session_fail(s, err, "nothing was changed");
    }
  }
  return CLI_EXIT_OK;
}

/* Write the changes set on `o`, then report. */
static int write_changes(cli_session *s, const swdf_chip_info *chip, swdf_options *o,
                         unsigned flags, const char *cmd) {
  swdf_options_write_opts wopts = SWDF_OPTIONS_WRITE_OPTS_INIT;
  wopts.flags = flags;
  cli_changes changes;
  cli_capture_changes(&changes, o);
  bool erases = changes.erases;
  swdf_err err = swdf_options_write(o, s->target, &wopts);
  if (err != SWDF_OK) {
    return cli_session_fail(s, err, cmd);
  }
  if (s->g->json) {
    cli_json j;
    json_begin(&j, s->g, chip);
    cli_json_changes(&j, &changes);
    cli_json_bool(&j, "written", true);
    cli_json_bool(&j, "flash_erased", erases);
    cli_json_object_begin(&j, "options");
    cli_json_options(&j, o, NULL, false);
    cli_json_object_end(&j);
    json_end(&j, s->g);
  } else {
    if (swdf_options_rdp_level(o) == 2) {
      printf("\nWritten and read back. Read protection level 2 takes effect at the next reset: "
             "from then on SWD is off for good.\n");
      return CLI_EXIT_OK;
    }
    printf("\nWritten, loaded (the chip was reset) and read back. The option bytes now:\n");
    printf("  read protection: level %d\n", swdf_options_rdp_level(o));
    cli_print_ranges(stdout, o, 0, "  ");
    if (erases) {
      printf("  the flash was erased by the chip when read protection was removed\n");
    }
  }
  return CLI_EXIT_OK;
}

static int set(cli_globals *g, char **assign, int count, bool yes, unsigned flags) {
  if (count == 0) {
    return cli_usage_error(g, "options", "'options set' needs at least one NAME=VALUE");
  }
  for (int i = 0; i < count; i++) {
    if (strchr(assign[i], '=') == NULL || assign[i][0] == '=') {
      return cli_usage_error(g, "options", "'%s' is not NAME=VALUE", assign[i]);
    }
  }
  cli_session s;
  swdf_chip_info chip = SWDF_CHIP_INFO_INIT;
  swdf_options *o;
  int rc = open_options(&s, &chip, g, &o);
  if (rc != CLI_EXIT_OK) {
    return rc;
  }
  rc = apply_assignments(&s, o, assign, count, flags);
  if (rc == CLI_EXIT_OK && swdf_options_change_count(o) == 0) {
    if (g->json) {
      cli_json j;
      cli_changes changes;
      cli_capture_changes(&changes, o);
      json_begin(&j, g, &chip);
      cli_json_changes(&j, &changes);
      cli_json_bool(&j, "written", false);
      json_end(&j, g);
    } else {
      printf("Nothing to change: the option bytes already hold these values.\n");
    }
    swdf_options_free(o);
    cli_session_end(&s);
    return CLI_EXIT_OK;
  }
  if (rc == CLI_EXIT_OK && !g->json) {
    cli_print_changes(stdout, o);
    fflush(stdout);
  }
  if (rc == CLI_EXIT_OK) {
    rc = cli_confirm(g, yes, "options",
                     swdf_options_change_erases(o) ? "Erase the whole flash and write these "
                                                     "option bytes?"
                                                   : "Write these option bytes?");
  }
  if (rc == CLI_EXIT_OK) {
    rc = write_changes(&s, &chip, o, flags, "writing the option bytes");
  }
  swdf_options_free(o);
  cli_session_end(&s);
  return rc;
}

int cli_cmd_options(int argc, char **argv, cli_globals *g) {
  cli_parser p;
  cli_parser_init(&p, argc, argv, options_opts, g);
  bool raw = false, yes = false, set_mode = false;
  unsigned flags = 0;
  char **assign = calloc((size_t)argc + 1, sizeof(char *));
  int count = 0;
  if (assign == NULL) {
    return CLI_EXIT_FAILED;
  }
  int rc = -1;
  for (int r; rc < 0 && (r = cli_next(&p)) != CLI_NEXT_END;) {
    switch (r) {
    case CLI_NEXT_ERROR:
      rc = cli_usage_error(g, "options", "%s", p.error);
      break;
    case CLI_NEXT_HELP:
      cli_command_help(g, "options", options_opts);
      rc = CLI_EXIT_OK;
      break;
    case OPT_RAW:
      raw = true;
      break;
    case OPT_YES:
      yes = true;
      break;
    case OPT_PERMANENT:
      flags |= SWDF_OPT_ALLOW_PERMANENT;
      break;
    case OPT_PERMANENT_SHORT:
      rc = cli_usage_error(g, "options",
                           "--permanent is not accepted: a value that can never be undone (read "
                           "protection level 2) takes --i-understand-this-is-irreversible, "
                           "spelled out; nothing was changed");
      break;
    case CLI_NEXT_ARG:
      if (!set_mode && count == 0 && strcmp(p.value, "set") == 0) {
        set_mode = true;
      } else if (set_mode) {
        assign[count++] = (char *)p.value;
      } else {
        rc = cli_usage_error(g, "options", "unexpected argument '%s' (did you mean 'options set "
                                           "%s'?)",
                             p.value, p.value);
      }
      break;
    }
  }
  if (rc < 0 && !set_mode && (yes || flags != 0)) {
    rc = cli_usage_error(g, "options", "--yes and --i-understand-this-is-irreversible only go "
                                       "with 'options set'");
  }
  if (rc < 0) {
    rc = set_mode ? set(g, assign, count, yes, flags) : show(g, raw);
  }
  free(assign);
  return rc;
}

/* ---- unlock ------------------------------------------------------------------------ */

static void explain_unlock(const swdf_options *o) {
  printf("This removes the protection of the flash:\n");
  if (swdf_options_change_erases(o)) {
    printf("  - read protection goes from level 1 to level 0. The chip does that only after\n"
           "    ERASING ITS WHOLE FLASH: the firmware on it will be gone (write a new one\n"
           "    afterwards, e.g. with 'swdflash write' or 'swdflash rescue --write').\n");
  }
  swdf_opt_range r[32];
  if (swdf_options_ranges(r, 32, o, 0) > 0) {
    printf("  - write protection is removed from:\n");
    cli_print_ranges(stdout, o, 0, "      ");
  }
  printf("\n");
  cli_print_changes(stdout, o);
  fflush(stdout);
}

static int unlock(cli_globals *g, bool yes) {
  cli_session s;
  swdf_chip_info chip = SWDF_CHIP_INFO_INIT;
  int rc = cli_session_start(&s, g, "unlock");
  char how[900];
  if (rc == CLI_EXIT_OK) {
    rc = cli_connect_recovery(&s, &chip, how, sizeof(how));
  }
  if (rc != CLI_EXIT_OK) {
    cli_session_end(&s);
    return rc;
  }
  if (how[0] != '\0' && !g->json) {
    printf("%s\n\n", how);
  }
  swdf_options *o = NULL;
  rc = read_options(&s, &o);
  if (rc == CLI_EXIT_OK) {
    swdf_err err = swdf_options_set_unlocked(o);
    if (err != SWDF_OK) {
      rc = cli_session_fail(&s, err, "unlocking");
    }
  }
  if (rc == CLI_EXIT_OK && swdf_options_change_count(o) == 0) {
    if (g->json) {
      cli_json j;
      json_begin(&j, g, &chip);
      cli_json_bool(&j, "written", false);
      cli_json_object_begin(&j, "options");
      cli_json_options(&j, o, NULL, false);
      cli_json_object_end(&j);
      json_end(&j, g);
    } else {
      printf("The chip is not protected: read protection level %d, nothing write protected. "
             "Nothing to do.\n",
             swdf_options_rdp_level(o));
    }
  } else if (rc == CLI_EXIT_OK) {
    if (!g->json) {
      explain_unlock(o);
    }
    rc = cli_confirm(g, yes, "unlock",
                     swdf_options_change_erases(o) ? "Erase the whole flash and remove the "
                                                     "protection?"
                                                   : "Remove the write protection?");
    if (rc == CLI_EXIT_OK) {
      rc = write_changes(&s, &chip, o, 0, "unlocking");
    }
  }
  swdf_options_free(o);
  cli_session_end(&s);
  return rc;
}

int cli_cmd_unlock(int argc, char **argv, cli_globals *g) {
  cli_parser p;
  cli_parser_init(&p, argc, argv, unlock_opts, g);
  bool yes = false;
  for (int r; (r = cli_next(&p)) != CLI_NEXT_END;) {
    switch (r) {
    case CLI_NEXT_ERROR:
      return cli_usage_error(g, "unlock", "%s", p.error);
    case CLI_NEXT_HELP:
      cli_command_help(g, "unlock", unlock_opts);
      return CLI_EXIT_OK;
    case OPT_YES:
      yes = true;
      break;
    case CLI_NEXT_ARG:
      return cli_usage_error(g, "unlock", "unexpected argument '%s'", p.value);
    }
  }
  return unlock(g, yes);
}
