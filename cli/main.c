#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli.h"
#include "interrupt.h"
#include "json.h"

static int cmd_help(int argc, char **argv, cli_globals *g);
static int cmd_version(int argc, char **argv, cli_globals *g);

const cli_command cli_commands[] = {
    {"list", "", "list the connected ST-Link probes (serial, kind, firmware, target voltage)",
     cli_cmd_list},
    {"info", "", "identify the probe, the chip, its memory and its protection", cli_cmd_info},
    {"read", "ADDR LEN FILE", "read memory into FILE ('-' for standard output)", cli_cmd_read},
    {"reset", "[--hard|--soft|--halt]", "reset the chip", cli_cmd_reset},
    {"write", "FILE [ADDR]",
     "write an image (bin, HEX, S-record, ELF; FILE '-': standard input) to flash and verify "
     "it; ADDR for raw binary",
     cli_cmd_write},
    {"erase", "--mass | ADDR LEN", "erase the whole flash, or the pages/sectors of a range",
     cli_cmd_erase},
    {"verify", "FILE [ADDR]", "compare the flash with an image (FILE '-': standard input)",
     cli_cmd_verify},
    {"options", "[--raw] | set NAME=VALUE...",
     "show every option byte decoded, or change them (validated, confirmed, read back)",
     cli_cmd_options},
    {"unlock", "[--yes]",
     "remove read protection (erases the whole flash) and write protection", cli_cmd_unlock},
    {"check-bootloader", "[--base ADDR]",
     "show which bootloader/firmware is in flash and whether the chip will boot it",
     cli_cmd_check_bootloader},
    {"rescue", "[--write IMAGE [ADDR]] [--yes] [--allow-unbootable]",
     "guided recovery of a board that will not enter DFU: diagnose, unlock, rewrite",
     cli_cmd_rescue},
    {"chips", "[CHIP]",
     "list the chips swdflash knows (id, flash, RAM, name); CHIP: only ids or names containing it",
     cli_cmd_chips},
    {"help", "[COMMAND]", "show help for swdflash or for one command", cmd_help},
    {"version", "", "show the versions of the tool and the library", cmd_version},
    {NULL, NULL, NULL, NULL},
};

const cli_opt *cli_global_opts(void);

const cli_command *cli_find_command(const char *name) {
  for (const cli_command *c = cli_commands; c->name != NULL; c++) {
    if (strcmp(c->name, name) == 0) {
      return c;
    }
  }
  return NULL;
}

/* Words other tools use for our commands (st-flash, probe-rs, openocd). */
static const struct {
  const char *word;
  const char *command;
} command_synonyms[] = {
    {"flash", "write"},    {"program", "write"},  {"load", "write"},   {"download", "write"},
    {"upload", "write"},   {"dump", "read"},      {"readback", "read"}, {"probe", "list"},
    {"probes", "list"},    {"ls", "list"},        {"chip", "info"},    {"identify", "info"},
    {"mass-erase", "erase"}, {"compare", "verify"}, {"unprotect", "unlock"},
    {"option-bytes", "options"}, {"ob", "options"}, {"recover", "rescue"},
};

/* Edit distance (insertions, deletions, substitutions) for short words. */
static size_t edit_distance(const char *a, const char *b) {
  enum { MAX = 32 };
  size_t la = strlen(a), lb = strlen(b);
  if (la >= MAX || lb >= MAX) {
    return MAX;
  }
  size_t row[MAX + 1];
  for (size_t j = 0; j <= lb; j++) {
    row[j] = j;
  }
  for (size_t i = 1; i <= la; i++) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= lb; j++) {
      size_t up = row[j];
      size_t best = diag + (a[i - 1] == b[j - 1] ? 0 : 1);
      if (up + 1 < best) {
        best = up + 1;
      }
      if (row[j - 1] + 1 < best) {
        best = row[j - 1] + 1;
      }
      row[j] = best;
      diag = up;
    }
  }
  return row[lb];
}

/* The command meant by an unknown word: another tool's name for it, or the
 * nearest by spelling (at most two edits, and fewer than the word's length). */
static const char *nearest_command(const char *word) {
  for (size_t i = 0; i < sizeof(command_synonyms) / sizeof(command_synonyms[0]); i++) {
    if (strcasecmp(word, command_synonyms[i].word) == 0) {
      return command_synonyms[i].command;
    }
  }
  const char *best = NULL;
  size_t best_distance = 3;
  for (const cli_command *c = cli_commands; c->name != NULL; c++) {
    size_t d = edit_distance(word, c->name);
    if (d < best_distance && d < strlen(word)) {
      best = c->name;
      best_distance = d;
    }
  }
  return best;
}

static void print_opts(FILE *f, const cli_opt *opts) {
  for (const cli_opt *o = opts; o != NULL && o->long_name != NULL; o++) {
    char spec[64];
    if (o->short_name != 0) {
      snprintf(spec, sizeof(spec), "-%c, --%s%s%s", o->short_name, o->long_name,
               o->takes_value ? " " : "", o->takes_value ? o->value_name : "");
    } else {
      snprintf(spec, sizeof(spec), "    --%s%s%s", o->long_name, o->takes_value ? " " : "",
               o->takes_value ? o->value_name : "");
    }
    if (strlen(spec) > 28) {
      /* Too long for the column: the help goes on its own line. */
      fprintf(f, "  %s\n  %-28s %s\n", spec, "", o->help);
    } else {
      fprintf(f, "  %-28s %s\n", spec, o->help);
    }
  }
}

/* What a command's exit statuses mean, where it says more than the list in
 * the main help. */
static const struct {
  const char *command;
  const char *text;
} exit_texts[] = {
    {"check-bootloader",
     "  0  the chip will start firmware that runs (a bootloader waiting for an\n"
     "     application counts: it runs)\n"
     "  1  it will not: the flash is empty, holds no program, a program linked for\n"
     "     another address, one its bootloader never reaches or cannot start, or one\n"
     "     built for another MCU (the report says which)\n"
     "  2, 3, 4, 5  bad command line, no probe, no target, flash read protected\n"
     "  8  --base is not a word-aligned address inside the chip's flash\n"
     "with --json, \"ok\" is true exactly when the exit status is 0.\n"},
    {"rescue",
     "  0  diagnosed, and every repair carried out; with --write the chip was erased,\n"
     "     the image written and verified, and it will start firmware that runs\n"
     "  1  a repair failed, the image written does not boot, or the answer was no\n"
     "  2  bad command line or ADDR\n"
     "  3, 4  no probe, no target; 5 protection blocks the repair\n"
     "  7  a repair is needed but there is no terminal to confirm it and no --yes:\n"
     "     the diagnosis and the proposed repair were printed, nothing was changed\n"
     "  8  IMAGE could not be read, is not a valid image, or the chip could not\n"
     "     boot from it where it goes (refused before anything is changed;\n"
     "     --allow-unbootable writes it anyway)\n"
     "with --json one object is printed on every outcome; \"ok\" is true exactly when\n"
     "the exit status is 0, and \"error\" says what failed.\n"},
};

void cli_print_command_help(FILE *f, const cli_command *cmd, const cli_opt *opts) {
  fprintf(f, "usage: swdflash %s %s\n\n%s\n", cmd->name, cmd->args, cmd->summary);
  if (opts != NULL && opts->long_name != NULL) {
    fprintf(f, "\noptions:\n");
    print_opts(f, opts);
  }
  fprintf(f, "\nglobal options:\n");
  print_opts(f, cli_global_opts());
  for (size_t i = 0; i < sizeof(exit_texts) / sizeof(exit_texts[0]); i++) {
    if (strcmp(exit_texts[i].command, cmd->name) == 0) {
      fprintf(f, "\nexit status:\n%s", exit_texts[i].text);
    }
  }
}

/* Help text on standard output, or inside the one JSON reply with --json. */
static int help_reply(const cli_globals *g, const char *command,
                      void (*print)(FILE *f, const cli_command *cmd, const cli_opt *opts),
                      const cli_opt *opts) {
  const cli_command *cmd = command != NULL ? cli_find_command(command) : NULL;
  if (!g->json) {
    print(stdout, cmd, opts);
    return CLI_EXIT_OK;
  }
  char *text = NULL;
  size_t len = 0;
  FILE *mem = open_memstream(&text, &len);
  if (mem == NULL) {
    return cli_report_error(g, "SWDF_ERR_NO_MEMORY", "not enough memory for the help text",
                            NULL, CLI_EXIT_FAILED);
  }
  print(mem, cmd, opts);
  fclose(mem);
  cli_json j;
  cli_json_reply_begin(&j, g, true);
  cli_json_str(&j, "topic", command);
  cli_json_str(&j, "help", text);
  cli_json_reply_end(&j, g);
  free(text);
  return CLI_EXIT_OK;
}

int cli_command_help(const cli_globals *g, const char *command, const cli_opt *opts) {
  return help_reply(g, command, cli_print_command_help, opts);
}

static void print_main_help(FILE *f);

static void main_help(FILE *f, const cli_command *cmd, const cli_opt *opts) {
  (void)cmd;
  (void)opts;
  print_main_help(f);
}

static void print_main_help(FILE *f) {
  fprintf(f,
          "usage: swdflash [OPTIONS] COMMAND [ARGS]\n"
          "\n"
          "Program STM32 microcontrollers over SWD with an ST-Link probe\n"
          "(V2, V2-1, V3 and compatible clones).\n"
          "\n"
          "commands:\n");
  for (const cli_command *c = cli_commands; c->name != NULL; c++) {
    char synopsis[64];
    snprintf(synopsis, sizeof(synopsis), "%s %s", c->name, c->args);
    if (strlen(synopsis) > 30) {
      /* Too long for the column: the summary goes on its own line. */
      fprintf(f, "  %s\n  %-30s %s\n", synopsis, "", c->summary);
    } else {
      fprintf(f, "  %-30s %s\n", synopsis, c->summary);
    }
  }
  fprintf(f, "\noptions (accepted before or after the command):\n");
  print_opts(f, cli_global_opts());
  fprintf(f,
          "  -h, --help                   show this help (or the command's)\n"
          "      --version                show the version\n"
          "\n"
          "numbers: decimal, 0x hex or 0b binary; sizes may end in K or M (x1024).\n"
          "\n"
          "exit status:\n"
          "  0  success\n"
          "  1  the operation failed\n"
          "  2  bad command line\n"
          "  3  no usable ST-Link probe\n"
          "  4  the probe works but the target does not answer\n"
          "  5  read or write protection blocks the operation\n"
          "  6  verification or comparison found differences\n"
          "  7  a change needs confirmation (--yes) and there is no terminal to ask on:\n"
          "     nothing was changed\n"
          "  8  bad input: a file that cannot be read (or, for read, written) or is not\n"
          "     a valid image (or, for rescue, one the chip could not boot), or an\n"
          "     address range the chip refuses (outside its memory, not on page or\n"
          "     sector boundaries); found before anything was changed\n"
          "  130  interrupted (Ctrl-C or SIGTERM): the command stopped at a safe point (a\n"
          "       write after the page or sector in progress, with the bytes kept around\n"
          "       the image in place), said what the flash holds, and left the core halted;\n"
          "       running the same command again finishes the job\n"
          "with --json, standard output holds one JSON object whatever the outcome;\n"
          "its \"ok\" is true exactly when the exit status is 0.\n"
          "(check-bootloader and rescue say more in their --help)\n"
          "\n"
          "environment:\n"
          "  NO_COLOR         when set and not empty: no colours\n"
          "  SWDFLASH_CHIPDB  a directory of extra chip files (*.chip) to load\n"
          "  XDG_STATE_HOME   where 'write' keeps its journal of the bytes around an image:\n"
          "                   $XDG_STATE_HOME/swdflash (default ~/.local/state/swdflash)\n");
}

static int cmd_help(int argc, char **argv, cli_globals *g) {
  cli_parser p;
  cli_parser_init(&p, argc, argv, NULL, g);
  const char *topic = NULL;
  for (int r; (r = cli_next(&p)) != CLI_NEXT_END;) {
    if (r == CLI_NEXT_ERROR) {
      return cli_usage_error(g, "help", "%s", p.error);
    }
    if (r == CLI_NEXT_HELP) {
      cli_command_help(g, "help", NULL);
      return CLI_EXIT_OK;
    }
    if (topic != NULL) {
      return cli_usage_error(g, "help", "unexpected argument '%s'", p.value);
    }
    topic = p.value;
  }
  if (topic == NULL) {
    return help_reply(g, NULL, main_help, NULL);
  }
  const cli_command *c = cli_find_command(topic);
  if (c == NULL) {
    const char *nearest = nearest_command(topic);
    if (nearest != NULL) {
      return cli_usage_error(g, "help", "unknown command '%s': did you mean '%s'?", topic,
                             nearest);
    }
    return cli_usage_error(g, "help", "unknown command '%s'", topic);
  }
  /* Every command prints its own help, with its options, for --help. */
  char *help_argv[] = {(char *)"--help", NULL};
  return c->run(1, help_argv, g);
}

static int cmd_version(int argc, char **argv, cli_globals *g) {
  int rc = cli_parse_no_args(argc, argv, g, "version");
  if (rc >= 0) {
    return rc;
  }
  if (g->json) {
    cli_json j;
    cli_json_reply_begin(&j, g, true);
    cli_json_str(&j, "tool", SWDF_VERSION_STRING);
    cli_json_str(&j, "library", swdf_version());
    cli_json_reply_end(&j, g);
  } else {
    printf("swdflash %s (libswdflash %s)\n", SWDF_VERSION_STRING, swdf_version());
  }
  return CLI_EXIT_OK;
}

int cli_parse_no_args(int argc, char **argv, cli_globals *g, const char *command) {
  cli_parser p;
  cli_parser_init(&p, argc, argv, NULL, g);
  for (int r; (r = cli_next(&p)) != CLI_NEXT_END;) {
    if (r == CLI_NEXT_ERROR) {
      return cli_usage_error(g, command, "%s", p.error);
    }
    if (r == CLI_NEXT_HELP) {
      cli_command_help(g, command, NULL);
      return CLI_EXIT_OK;
    }
    return cli_usage_error(g, command, "unexpected argument '%s'", p.value);
  }
  return -1;
}

static bool is_help(const char *arg) {
  return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0;
}

int main(int argc, char **argv) {
  cli_warnings warnings = {0};
  cli_globals g = {0};
  g.warnings = &warnings;
  const char *no_color = getenv("NO_COLOR");
  g.tty = isatty(STDERR_FILENO) != 0;
  bool colors_wanted = no_color == NULL || no_color[0] == '\0';
  g.color = g.tty && colors_wanted;
  g.color_out = isatty(STDOUT_FILENO) != 0 && colors_wanted;

  /* Global options may precede the command; find the command word. */
  cli_parser p;
  cli_parser_init(&p, argc - 1, argv + 1, NULL, &g);
  int command_index = -1;
  while (p.index < p.argc) {
    const char *arg = p.argv[p.index];
    if (is_help(arg)) {
      g.command = "help";
      return help_reply(&g, NULL, main_help, NULL);
    }
    if (strcmp(arg, "--version") == 0) {
      g.command = "version";
      return cmd_version(0, NULL, &g);
    }
    int r = cli_next(&p);
    if (r == CLI_NEXT_HELP) { /* after global options: --json --help */
      g.command = "help";
      return help_reply(&g, NULL, main_help, NULL);
    }
    if (r == CLI_NEXT_ERROR && strcmp(p.argv[p.index - 1], "--version") == 0) {
      g.command = "version";
      return cmd_version(0, NULL, &g); /* after global options: --json --version */
    }
    if (r == CLI_NEXT_ERROR) {
      return cli_usage_error(&g, NULL, "%s", p.error);
    }
    if (r == CLI_NEXT_ARG) {
      command_index = p.index; /* index of the argument after the command word */
      break;
    }
  }
  if (command_index < 0) {
    if (g.json) {
      return cli_usage_error(&g, NULL, "no command given (run 'swdflash --help' for the list)");
    }
    print_main_help(stderr);
    return CLI_EXIT_USAGE;
  }
  const char *name = p.value;
  const cli_command *cmd = cli_find_command(name);
  if (cmd == NULL) {
    const char *nearest = nearest_command(name);
    if (nearest != NULL) {
      return cli_usage_error(&g, NULL, "unknown command '%s': did you mean '%s'?", name,
                             nearest);
    }
    return cli_usage_error(&g, NULL, "unknown command '%s' (run 'swdflash --help' for the list)",
                           name);
  }
  g.command = cmd->name;
  cli_interrupt_install();
  int rc = cmd->run(p.argc - command_index, p.argv + command_index, &g);
  if (rc == CLI_EXIT_OK && cli_interrupted()) {
    /* The signal came while a step that cannot stop half-way ran to its end. */
    fprintf(stderr, "swdflash: interrupted: the %s had completed before it could stop; the "
                    "result above stands\n",
            name);
    return CLI_EXIT_INTERRUPTED;
  }
  return rc;
}
