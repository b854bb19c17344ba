/* swdflash read ADDR LEN FILE: memory to a file (or standard output). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "output_file.h"
#include "session.h"

enum { OPT_FORMAT = 1, HEX_RECORD_BYTES = 16 };

static const cli_opt read_opts[] = {
    {"format", 0, true, OPT_FORMAT, "bin|hex",
     "output format: raw binary, or Intel HEX (default: hex for *.hex, else bin)"},
    {0},
};

static void hex_record(FILE *f, uint8_t type, uint16_t addr, const uint8_t *data, size_t n) {
  unsigned sum = (unsigned)n + (addr >> 8) + (addr & 0xFF) + type;
  fprintf(f, ":%02X%04X%02X", (unsigned)n, addr, type);
  for (size_t i = 0; i < n; i++) {
    fprintf(f, "%02X", data[i]);
    sum += data[i];
  }
  fprintf(f, "%02X\n", (unsigned)(-sum & 0xFF));
}

/* Intel HEX: data records with extended linear address records (type 04)
 * whenever the upper 16 address bits change, and the end record. */
static void write_hex(FILE *f, uint32_t addr, const uint8_t *data, size_t len) {
  uint32_t upper = 0xFFFFFFFFu;
  for (size_t off = 0; off < len;) {
    uint32_t a = addr + (uint32_t)off;
    if (a >> 16 != upper) {
      upper = a >> 16;
      uint8_t ext[2] = {(uint8_t)(upper >> 8), (uint8_t)upper};
      hex_record(f, 0x04, 0, ext, 2);
    }
    size_t n = len - off < HEX_RECORD_BYTES ? len - off : HEX_RECORD_BYTES;
    size_t to_boundary = 0x10000u - (a & 0xFFFFu);
    if (n > to_boundary) {
      n = to_boundary;
    }
    hex_record(f, 0x00, (uint16_t)a, data + off, n);
    off += n;
  }
  hex_record(f, 0x01, 0, NULL, 0);
}

static bool ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s);
  size_t m = strlen(suffix);
  return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

typedef struct read_output {
  bool hex;
  uint32_t addr;
  const uint8_t *data;
  size_t len;
} read_output;

static void fill_output(FILE *f, void *user) {
  const read_output *o = user;
  if (o->hex) {
    write_hex(f, o->addr, o->data, o->len);
  } else {
    fwrite(o->data, 1, o->len, f);
  }
}

/* Standard output for '-', else the file the user named (output_file.h:
 * regular files are replaced whole or not at all, devices and FIFOs are
 * written through). */
static int save(const cli_globals *g, const char *path, bool hex, uint32_t addr,
                const uint8_t *data, size_t len) {
  read_output o = {hex, addr, data, len};
  char msg[512];
  if (strcmp(path, "-") == 0) {
    errno = 0;
    fill_output(stdout, &o);
    if (fflush(stdout) == 0 && !ferror(stdout)) {
      return CLI_EXIT_OK;
    }
    snprintf(msg, sizeof(msg), "cannot write standard output: %s",
             strerror(errno != 0 ? errno : EIO));
  } else if (cli_output_write(path, fill_output, &o, msg, sizeof(msg))) {
    return CLI_EXIT_OK;
  }
  return cli_report_error(g, swdf_err_name(SWDF_ERR_IO), msg,
                          "check that the directory exists and is writable", CLI_EXIT_FAILED);
}

static void print_json(const cli_globals *g, const char *path, bool hex, uint32_t addr,
                       size_t len, double seconds) {
  cli_json j;
  cli_json_reply_begin(&j, g, true);
  cli_json_hex32(&j, "addr", addr);
  cli_json_uint(&j, "size", len);
  cli_json_str(&j, "file", path);
  cli_json_str(&j, "format", hex ? "hex" : "bin");
  cli_json_double(&j, "seconds", seconds);
  cli_json_double(&j, "kib_per_s", seconds > 0 ? (double)len / 1024.0 / seconds : 0);
  cli_json_reply_end(&j, g);
}

typedef struct read_args {
  uint32_t addr;
  uint32_t len;
  const char *path;
  bool hex;
} read_args;

/* Returns -1 to go on, else an exit code. */
static int parse(read_args *a, int argc, char **argv, cli_globals *g) {
  cli_parser p;
  cli_parser_init(&p, argc, argv, read_opts, g);
  const char *pos[3] = {NULL, NULL, NULL};
  int npos = 0;
  const char *format = NULL;
  for (int r; (r = cli_next(&p)) != CLI_NEXT_END;) {
    if (r == CLI_NEXT_ERROR) {
      return cli_usage_error(g, "read", "%s", p.error);
    }
    if (r == CLI_NEXT_HELP) {
      cli_command_help(g, "read", read_opts);
      return CLI_EXIT_OK;
    }
    if (r == OPT_FORMAT) {
      format = p.value;
    } else if (npos < 3) {
      pos[npos++] = p.value;
    } else {
      return cli_usage_error(g, "read", "unexpected argument '%s'", p.value);
    }
  }
  if (npos < 3) {
    return cli_usage_error(g, "read", "missing %s", npos == 0 ? "ADDR, LEN and FILE"
                                                  : npos == 1 ? "LEN and FILE"
                                                              : "FILE ('-' for standard output)");
  }
  char err[256];
  if (!cli_parse_range(pos[0], pos[1], &a->addr, &a->len, err, sizeof(err))) {
    return cli_usage_error(g, "read", "%s", err);
  }
  a->path = pos[2];
  if (format == NULL) {
    a->hex = ends_with(a->path, ".hex") || ends_with(a->path, ".ihex");
  } else if (strcmp(format, "hex") == 0 || strcmp(format, "bin") == 0) {
    a->hex = strcmp(format, "hex") == 0;
  } else {
    return cli_usage_error(g, "read", "unknown format '%s' (use bin or hex)", format);
  }
  if (g->json && strcmp(a->path, "-") == 0) {
    return cli_usage_error(g, "read", "--json needs standard output for itself: give a FILE");
  }
  return -1;
}


int cli_cmd_read(int argc, char **argv, cli_globals *g) {
  read_args a;
  int rc = parse(&a, argc, argv, g);
  if (rc >= 0) {
    return rc;
  }
  char msg[512];
  if (strcmp(a.path, "-") != 0 && !cli_output_check(a.path, msg, sizeof(msg))) {
    /* Bad input, found before the probe is touched. */
    return cli_report_error(g, swdf_err_name(SWDF_ERR_IO), msg,
                            "check that the directory exists and is writable", CLI_EXIT_BAD_INPUT);
  }
  uint8_t *buf = malloc(a.len);
  if (buf == NULL) {
    return cli_report_error(g, swdf_err_name(SWDF_ERR_NO_MEMORY), "not enough memory for the read",
                            "read a smaller range at a time", CLI_EXIT_FAILED);
  }
  cli_session s;
  rc = cli_session_start(&s, g, "read");
  if (rc == CLI_EXIT_OK) {
    rc = cli_session_connect(&s);
  }
  double start = cli_now_s();
  if (rc == CLI_EXIT_OK) {
    swdf_err err = swdf_mem_read(buf, s.target, a.addr, a.len);
    cli_progress_finish(&s.progress);
    if (err != SWDF_OK) {
      rc = cli_session_fail(&s, err, NULL);
    }
  }
  double seconds = cli_now_s() - start;
  cli_session_end(&s);
  if (rc == CLI_EXIT_OK) {
    rc = save(g, a.path, a.hex, a.addr, buf, a.len);
  }
  if (rc == CLI_EXIT_OK && g->json) {
    print_json(g, a.path, a.hex, a.addr, a.len, seconds);
  } else if (rc == CLI_EXIT_OK && !g->quiet && strcmp(a.path, "-") != 0) {
    char size[24];
    cli_format_size(size, sizeof(size), a.len);
    fprintf(stderr, "read %s from 0x%08X into %s in %.2f s (%.1f KiB/s)\n", size, a.addr, a.path,
            seconds, seconds > 0 ? (double)a.len / 1024.0 / seconds : 0.0);
  }
  free(buf);
  return rc;
}
