/* Shared declarations of the swdflash command-line tool. */
#ifndef SWDFLASH_CLI_H
#define SWDFLASH_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <swdflash/swdflash.h>

/* Exit codes; documented in `swdflash --help`. */
enum cli_exit {
  CLI_EXIT_OK = 0,
  CLI_EXIT_FAILED = 1,     /* the operation failed */
  CLI_EXIT_USAGE = 2,      /* bad command line */
  CLI_EXIT_NO_PROBE = 3,   /* no usable probe */
  CLI_EXIT_NO_TARGET = 4,  /* probe found, target does not answer */
  CLI_EXIT_PROTECTED = 5,  /* read/write protection blocks the operation */
  CLI_EXIT_MISMATCH = 6,   /* verification or comparison found differences */
  CLI_EXIT_NEEDS_YES = 7,  /* a change needs confirmation (--yes); nothing was changed */
  CLI_EXIT_BAD_INPUT = 8,  /* an unreadable or invalid file, or an address range the chip
                            * refuses (outside it, not on unit boundaries): nothing changed */
  CLI_EXIT_INTERRUPTED = 130, /* Ctrl-C or SIGTERM: stopped at a safe point (128 + SIGINT) */
};

typedef enum cli_connect_mode {
  CLI_CONNECT_AUTO = 0,
  CLI_CONNECT_NORMAL,
  CLI_CONNECT_HOT_PLUG,
  CLI_CONNECT_UNDER_RESET,
} cli_connect_mode;

/* An error kept instead of printed, for a command that prints one JSON
 * object of its own on every outcome (rescue). */
typedef struct cli_error_capture {
  bool captured;
  char code[32];
  char message[1024];
  char hint[512];
} cli_error_capture;

/* What the text output warns about, kept for the "warnings" array of the
 * JSON reply (docs/json.md lists the codes). */
enum { CLI_MAX_WARNINGS = 16 };

typedef struct cli_warning {
  char code[32];
  char message[640];
} cli_warning;

typedef struct cli_warnings {
  size_t count;
  cli_warning items[CLI_MAX_WARNINGS];
} cli_warnings;

/* Options valid for every command. */
typedef struct cli_globals {
  int verbose;          /* -v, repeatable */
  bool quiet;           /* -q */
  bool json;            /* --json: one JSON object on standard output */
  const char *serial;   /* --serial */
  uint32_t freq_khz;    /* --freq, 0 = probe default */
  cli_connect_mode connect;
  bool color;           /* standard error is a terminal and NO_COLOR is unset */
  bool color_out;       /* the same for standard output */
  bool tty;             /* standard error is a terminal (progress bars) */
  cli_error_capture *capture; /* with --json: keep the first error here instead of printing it */
  const char *command;  /* the command being run (NULL before one is known), for --json */
  cli_warnings *warnings; /* with --json: the warnings of the reply; may be NULL */
} cli_globals;

/*
 * Keep a warning for the JSON reply (nothing happens without --json: the
 * text output says it in its own words). The same message is kept once; a
 * specific code replaces "log", the code of the library's own warnings.
 */
void cli_warn(const cli_globals *g, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * The journal directory for 'write': `chosen` (--journal-dir) or
 * $XDG_STATE_HOME/swdflash, else ~/.local/state/swdflash; created (0700) if
 * missing. False when none can be named (no HOME).
 */
bool cli_journal_dir(char *out, size_t len, const char *chosen);

/* ---- option parser ----------------------------------------------------- */

typedef struct cli_opt {
  const char *long_name; /* without the leading "--" */
  char short_name;       /* 0 when there is none */
  bool takes_value;
  int id;                /* returned by cli_next(); must be > 0 */
  const char *value_name; /* for help: "KHZ" */
  const char *help;
} cli_opt;

enum { CLI_NEXT_END = 0, CLI_NEXT_ARG = -1, CLI_NEXT_ERROR = -2, CLI_NEXT_HELP = -3 };

typedef struct cli_parser {
  int argc;
  char **argv;
  int index;
  bool only_args;        /* after "--" */
  const cli_opt *opts;   /* command options, terminated by a zeroed entry */
  cli_globals *globals;  /* global options are accepted anywhere */
  const char *value;     /* value of the last option or positional argument */
  char error[256];
} cli_parser;

void cli_parser_init(cli_parser *p, int argc, char **argv, const cli_opt *opts,
                     cli_globals *globals);

/*
 * Next command option id, CLI_NEXT_ARG with p->value set for a positional
 * argument, CLI_NEXT_HELP for -h/--help, CLI_NEXT_END, or CLI_NEXT_ERROR with
 * p->error set. Global options
 * are handled inside and never returned.
 */
int cli_next(cli_parser *p);

/* ---- value parsers: return false and fill `err` on bad input ---------- */

/* Unsigned 32-bit number: decimal, 0x hex or 0b binary. */
bool cli_parse_u32(const char *s, uint32_t *out, char *err, size_t err_len);

/* Size: like cli_parse_u32 with optional K/KiB/M/MiB suffix (powers of 1024). */
bool cli_parse_size(const char *s, uint32_t *out, char *err, size_t err_len);

/* Address and length whose end (addr + len) must not pass 4 GiB. */
bool cli_parse_range(const char *addr_s, const char *len_s, uint32_t *addr, uint32_t *len,
                     char *err, size_t err_len);

/* Frequency in kHz: "4000", "4M", "4MHz", "1800k", "1800kHz". */
bool cli_parse_freq_khz(const char *s, uint32_t *out, char *err, size_t err_len);

bool cli_parse_connect(const char *s, cli_connect_mode *out, char *err, size_t err_len);

/* ---- commands ---------------------------------------------------------- */

typedef struct cli_command {
  const char *name;
  const char *args;     /* synopsis of the arguments, for help */
  const char *summary;  /* one line */
  int (*run)(int argc, char **argv, cli_globals *g);
} cli_command;

/* The commands (cli/cmd_*.c). */
int cli_cmd_list(int argc, char **argv, cli_globals *g);
int cli_cmd_info(int argc, char **argv, cli_globals *g);
int cli_cmd_read(int argc, char **argv, cli_globals *g);
int cli_cmd_reset(int argc, char **argv, cli_globals *g);
int cli_cmd_write(int argc, char **argv, cli_globals *g);
int cli_cmd_erase(int argc, char **argv, cli_globals *g);
int cli_cmd_verify(int argc, char **argv, cli_globals *g);

/* Option bytes and recovery (cmd_options.c, cmd_boot.c, cmd_rescue.c). */
int cli_cmd_options(int argc, char **argv, cli_globals *g);
int cli_cmd_unlock(int argc, char **argv, cli_globals *g);
int cli_cmd_check_bootloader(int argc, char **argv, cli_globals *g);
int cli_cmd_rescue(int argc, char **argv, cli_globals *g);
int cli_cmd_chips(int argc, char **argv, cli_globals *g);

/* NULL-terminated table of every command, in help order. */
extern const cli_command cli_commands[];

const cli_command *cli_find_command(const char *name);

/* Print an error in the right format (text on stderr or JSON on stdout). */
int cli_usage_error(const cli_globals *g, const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Print an error (code name for JSON, message, hint) and return exit_code. */
int cli_report_error(const cli_globals *g, const char *code, const char *message,
                     const char *hint, int exit_code);

/* Report a library failure: message, hint, exit code from the error code. */
int cli_lib_error(const cli_globals *g, swdf_ctx *ctx, swdf_err err, const char *what);

int cli_exit_code_for(swdf_err err);

/*
 * Parse the arguments of a command that takes none (global options only).
 * Returns -1 to go on, or the exit code to return (help printed, usage
 * error reported).
 */
int cli_parse_no_args(int argc, char **argv, cli_globals *g, const char *command);

/* Print the usage of a command: its arguments and its options table. */
void cli_print_command_help(FILE *f, const cli_command *cmd, const cli_opt *opts);

/* The same on standard output for `command --help`; with --json as the
 * "help" text of a JSON reply. Returns CLI_EXIT_OK. */
int cli_command_help(const cli_globals *g, const char *command, const cli_opt *opts);

#endif
