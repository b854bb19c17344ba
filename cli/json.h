/* A small streaming JSON writer for --json output. */
#ifndef SWDFLASH_CLI_JSON_H
#define SWDFLASH_CLI_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum { CLI_JSON_MAX_DEPTH = 16 };

typedef struct cli_json {
  FILE *f;
  int depth;
  bool has_items[CLI_JSON_MAX_DEPTH];
} cli_json;

/* `key` is NULL for values inside arrays and for the top-level value. */
void cli_json_init(cli_json *j, FILE *f);
void cli_json_object_begin(cli_json *j, const char *key);
void cli_json_object_end(cli_json *j);
void cli_json_array_begin(cli_json *j, const char *key);
void cli_json_array_end(cli_json *j);
void cli_json_str(cli_json *j, const char *key, const char *value); /* NULL -> null */
void cli_json_int(cli_json *j, const char *key, int64_t value);
void cli_json_uint(cli_json *j, const char *key, uint64_t value);
void cli_json_double(cli_json *j, const char *key, double value);
void cli_json_bool(cli_json *j, const char *key, bool value);
void cli_json_null(cli_json *j, const char *key);
/* An address or register as a string "0x08000000", easier to read than decimal. */
void cli_json_hex32(cli_json *j, const char *key, uint32_t value);
struct cli_globals;

/* Starts the one document a command prints on standard output: an object
 * whose first members say whether the command succeeded and which command
 * it was ("command", null before one is known). docs/swdflash.schema.json
 * describes every reply. */
void cli_json_reply_begin(cli_json *j, const struct cli_globals *g, bool ok);
/* Ends the reply: its "warnings" array, then the closing brace and a newline. */
void cli_json_reply_end(cli_json *j, const struct cli_globals *g);
/* Ends the document with a newline. */
void cli_json_finish(cli_json *j);

#endif
