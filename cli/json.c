#include "json.h"

#include "cli.h"

#include <math.h>
#include <inttypes.h>

void cli_json_init(cli_json *j, FILE *f) {
  j->f = f;
  j->depth = 0;
  j->has_items[0] = false;
}

static void write_string(FILE *f, const char *s) {
  fputc('"', f);
  for (const unsigned char *c = (const unsigned char *)s; *c != '\0'; c++) {
    switch (*c) {
    case '"': fputs("\\\"", f); break;
    case '\\': fputs("\\\\", f); break;
    case '\n': fputs("\\n", f); break;
    case '\r': fputs("\\r", f); break;
    case '\t': fputs("\\t", f); break;
    default:
      if (*c < 0x20) {
        fprintf(f, "\\u%04x", *c);
      } else {
        fputc(*c, f);
      }
    }
  }
  fputc('"', f);
}

static void item(cli_json *j, const char *key) {
  if (j->has_items[j->depth]) {
    fputc(',', j->f);
  }
  j->has_items[j->depth] = true;
  if (key != NULL) {
    write_string(j->f, key);
    fputc(':', j->f);
  }
}

static void open_scope(cli_json *j, const char *key, char c) {
  item(j, key);
  fputc(c, j->f);
  if (j->depth + 1 < CLI_JSON_MAX_DEPTH) {
    j->depth++;
  }
  j->has_items[j->depth] = false;
}

static void close_scope(cli_json *j, char c) {
  fputc(c, j->f);
  if (j->depth > 0) {
    j->depth--;
  }
}

void cli_json_object_begin(cli_json *j, const char *key) { open_scope(j, key, '{'); }
void cli_json_object_end(cli_json *j) { close_scope(j, '}'); }
void cli_json_array_begin(cli_json *j, const char *key) { open_scope(j, key, '['); }
void cli_json_array_end(cli_json *j) { close_scope(j, ']'); }

void cli_json_str(cli_json *j, const char *key, const char *value) {
  item(j, key);
  if (value == NULL) {
    fputs("null", j->f);
  } else {
    write_string(j->f, value);
  }
}

void cli_json_int(cli_json *j, const char *key, int64_t value) {
  item(j, key);
  fprintf(j->f, "%" PRId64, value);
}

void cli_json_uint(cli_json *j, const char *key, uint64_t value) {
  item(j, key);
  fprintf(j->f, "%" PRIu64, value);
}

void cli_json_double(cli_json *j, const char *key, double value) {
  item(j, key);
  if (isfinite(value)) {
    fprintf(j->f, "%.6g", value);
  } else {
    fputs("null", j->f);
  }
}

void cli_json_bool(cli_json *j, const char *key, bool value) {
  item(j, key);
  fputs(value ? "true" : "false", j->f);
}

void cli_json_null(cli_json *j, const char *key) {
  item(j, key);
  fputs("null", j->f);
}

void cli_json_hex32(cli_json *j, const char *key, uint32_t value) {
  item(j, key);
  fprintf(j->f, "\"0x%08" PRIX32 "\"", value);
}

void cli_json_reply_begin(cli_json *j, const cli_globals *g, bool ok) {
  cli_json_init(j, stdout);
  cli_json_object_begin(j, NULL);
  cli_json_bool(j, "ok", ok);
  cli_json_str(j, "command", g->command);
}

void cli_json_reply_end(cli_json *j, const cli_globals *g) {
  cli_json_array_begin(j, "warnings");
  for (size_t i = 0; g->warnings != NULL && i < g->warnings->count; i++) {
    cli_json_object_begin(j, NULL);
    cli_json_str(j, "code", g->warnings->items[i].code);
    cli_json_str(j, "message", g->warnings->items[i].message);
    cli_json_object_end(j);
  }
  cli_json_array_end(j);
  cli_json_object_end(j);
  cli_json_finish(j);
}

void cli_json_finish(cli_json *j) {
  fputc('\n', j->f);
  fflush(j->f);
}
