#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"

static const cli_opt global_opts[] = {
    {"verbose", 'v', false, 1, NULL, "more messages (repeat for protocol traces)"},
    {"quiet", 'q', false, 2, NULL, "only errors"},
    {"json", 0, false, 3, NULL, "print one JSON object on standard output"},
    {"serial", 's', true, 4, "SERIAL", "use the probe with this serial number"},
    {"freq", 'f', true, 5, "KHZ", "SWD clock, e.g. 1800, 4M, 950k"},
    {"connect", 'c', true, 6, "MODE", "normal, hot-plug, under-reset or auto (default)"},
    {0},
};

const cli_opt *cli_global_opts(void);
const cli_opt *cli_global_opts(void) { return global_opts; }

void cli_parser_init(cli_parser *p, int argc, char **argv, const cli_opt *opts,
                     cli_globals *globals) {
  memset(p, 0, sizeof(*p));
  p->argc = argc;
  p->argv = argv;
  p->index = 0;
  p->opts = opts;
  p->globals = globals;
}

static const cli_opt *find_long(const cli_opt *table, const char *name, size_t len) {
  for (; table != NULL && table->long_name != NULL; table++) {
    if (strlen(table->long_name) == len && strncmp(table->long_name, name, len) == 0) {
      return table;
    }
  }
  return NULL;
}

static const cli_opt *find_short(const cli_opt *table, char c) {
  for (; table != NULL && table->long_name != NULL; table++) {
    if (table->short_name == c) {
      return table;
    }
  }
  return NULL;
}

static int apply_global(cli_parser *p, const cli_opt *o, const char *value) {
  cli_globals *g = p->globals;
  switch (o->id) {
  case 1: g->verbose++; return 0;
  case 2: g->quiet = true; return 0;
  case 3: g->json = true; return 0;
  case 4: g->serial = value; return 0;
  case 5:
    return cli_parse_freq_khz(value, &g->freq_khz, p->error, sizeof(p->error)) ? 0 : -1;
  case 6:
    return cli_parse_connect(value, &g->connect, p->error, sizeof(p->error)) ? 0 : -1;
  default: return -1;
  }
}

/* Handle one option whose descriptor is known; returns its id, 0 for a global. */
static int take_option(cli_parser *p, const cli_opt *o, bool global, const char *inline_value,
                       const char *spelled) {
  const char *value = NULL;
  if (o->takes_value) {
    if (inline_value != NULL) {
      value = inline_value;
    } else if (p->index < p->argc) {
      value = p->argv[p->index++];
    } else {
      snprintf(p->error, sizeof(p->error), "option %s needs a value (%s)", spelled,
               o->value_name != NULL ? o->value_name : "VALUE");
      return CLI_NEXT_ERROR;
    }
  } else if (inline_value != NULL) {
    snprintf(p->error, sizeof(p->error), "option %s takes no value", spelled);
    return CLI_NEXT_ERROR;
  }
  p->value = value;
  if (global) {
    return apply_global(p, o, value) == 0 ? 0 : CLI_NEXT_ERROR;
  }
  return o->id;
}

int cli_next(cli_parser *p) {
  while (p->index < p->argc) {
    const char *arg = p->argv[p->index++];
    if (p->only_args || arg[0] != '-' || strcmp(arg, "-") == 0) {
      p->value = arg;
      return CLI_NEXT_ARG;
    }
    if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
      return CLI_NEXT_HELP;
    }
    if (strcmp(arg, "--") == 0) {
      p->only_args = true;
      continue;
    }
    int r;
    if (arg[1] == '-') {
      const char *name = arg + 2;
      const char *eq = strchr(name, '=');
      size_t len = eq != NULL ? (size_t)(eq - name) : strlen(name);
      const char *inline_value = eq != NULL ? eq + 1 : NULL;
      const cli_opt *o = find_long(p->opts, name, len);
      bool global = false;
      if (o == NULL) {
        o = find_long(global_opts, name, len);
        global = o != NULL;
      }
      if (o == NULL) {
        snprintf(p->error, sizeof(p->error), "unknown option --%.*s", (int)len, name);
        return CLI_NEXT_ERROR;
      }
      r = take_option(p, o, global, inline_value, arg);
    } else {
      if (arg[2] != '\0' && !isdigit((unsigned char)arg[2])) {
        /* Bundled flags such as -vv. */
        for (const char *c = arg + 1; *c != '\0'; c++) {
          const cli_opt *o = find_short(global_opts, *c);
          if (o == NULL || o->takes_value || find_short(p->opts, *c) != NULL) {
            snprintf(p->error, sizeof(p->error), "unknown option -%c in %s", *c, arg);
            return CLI_NEXT_ERROR;
          }
          apply_global(p, o, NULL);
        }
        continue;
      }
      const cli_opt *o = find_short(p->opts, arg[1]);
      bool global = false;
      if (o == NULL) {
        o = find_short(global_opts, arg[1]);
        global = o != NULL;
      }
      if (o == NULL) {
        snprintf(p->error, sizeof(p->error), "unknown option %s", arg);
        return CLI_NEXT_ERROR;
      }
      r = take_option(p, o, global, arg[2] != '\0' ? arg + 2 : NULL, arg);
    }
    if (r != 0) {
      return r;
    }
  }
  return CLI_NEXT_END;
}

bool cli_parse_u32(const char *s, uint32_t *out, char *err, size_t err_len) {
  if (s == NULL || *s == '\0') {
    snprintf(err, err_len, "empty number");
    return false;
  }
  int base = 10;
  const char *digits = s;
  if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    digits = s + 2;
  } else if (s[0] == '0' && (s[1] == 'b' || s[1] == 'B')) {
    base = 2;
    digits = s + 2;
  }
  if (*digits == '\0') {
    snprintf(err, err_len, "'%s' is not a number", s);
    return false;
  }
  uint64_t value = 0;
  for (const char *c = digits; *c != '\0'; c++) {
    int d;
    if (isdigit((unsigned char)*c)) {
      d = *c - '0';
    } else if (isxdigit((unsigned char)*c)) {
      d = tolower((unsigned char)*c) - 'a' + 10;
    } else {
      d = 99;
    }
    if (d >= base) {
      snprintf(err, err_len, "'%s' is not a valid number: unexpected '%c'", s, *c);
      return false;
    }
    value = value * (uint64_t)base + (uint64_t)d;
    if (value > UINT32_MAX) {
      snprintf(err, err_len, "'%s' does not fit in 32 bits (largest is 0xFFFFFFFF)", s);
      return false;
    }
  }
  *out = (uint32_t)value;
  return true;
}

struct suffix {
  const char *text;
  uint32_t factor;
};

static bool parse_with_suffix(const char *s, const struct suffix *suffixes, uint32_t *out,
                              char *err, size_t err_len, const char *what) {
  if (s == NULL || *s == '\0') {
    snprintf(err, err_len, "empty %s", what);
    return false;
  }
  size_t n = strlen(s);
  bool hex = n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
  for (const struct suffix *sf = suffixes; sf->text != NULL; sf++) {
    size_t sl = strlen(sf->text);
    /* Hex numbers keep their letters; a suffix only applies to decimals. */
    if (hex || n <= sl || strcasecmp(s + n - sl, sf->text) != 0) {
      continue;
    }
    char number[32];
    if (n - sl >= sizeof(number)) {
      break;
    }
    memcpy(number, s, n - sl);
    number[n - sl] = '\0';
    uint32_t v;
    if (!cli_parse_u32(number, &v, err, err_len)) {
      snprintf(err, err_len, "'%s' is not a valid %s", s, what);
      return false;
    }
    if (v != 0 && sf->factor > UINT32_MAX / v) {
      snprintf(err, err_len, "'%s' is too large for a %s", s, what);
      return false;
    }
    *out = v * sf->factor;
    return true;
  }
  if (!cli_parse_u32(s, out, err, err_len)) {
    return false;
  }
  return true;
}

bool cli_parse_size(const char *s, uint32_t *out, char *err, size_t err_len) {
  static const struct suffix suffixes[] = {
      {"KiB", 1024}, {"MiB", 1024 * 1024}, {"K", 1024}, {"M", 1024 * 1024}, {NULL, 0}};
  return parse_with_suffix(s, suffixes, out, err, err_len, "size");
}

bool cli_parse_freq_khz(const char *s, uint32_t *out, char *err, size_t err_len) {
  static const struct suffix suffixes[] = {
      {"kHz", 1}, {"MHz", 1000}, {"k", 1}, {"M", 1000}, {NULL, 0}};
  if (!parse_with_suffix(s, suffixes, out, err, err_len, "frequency")) {
    return false;
  }
  if (*out == 0) {
    snprintf(err, err_len, "frequency must be above 0 kHz");
    return false;
  }
  return true;
}

bool cli_parse_range(const char *addr_s, const char *len_s, uint32_t *addr, uint32_t *len,
                     char *err, size_t err_len) {
  if (!cli_parse_u32(addr_s, addr, err, err_len)) {
    return false;
  }
  if (!cli_parse_size(len_s, len, err, err_len)) {
    return false;
  }
  if (*len == 0) {
    snprintf(err, err_len, "length must be at least 1 byte");
    return false;
  }
  if ((uint64_t)*addr + *len > (uint64_t)UINT32_MAX + 1) {
    snprintf(err, err_len, "range 0x%08X + %u bytes runs past the end of the 4 GiB address space",
             *addr, *len);
    return false;
  }
  return true;
}

bool cli_parse_connect(const char *s, cli_connect_mode *out, char *err, size_t err_len) {
  static const struct {
    const char *name;
    cli_connect_mode mode;
  } modes[] = {
      {"auto", CLI_CONNECT_AUTO},
      {"normal", CLI_CONNECT_NORMAL},
      {"hot-plug", CLI_CONNECT_HOT_PLUG},
      {"under-reset", CLI_CONNECT_UNDER_RESET},
  };
  if (s == NULL) {
    snprintf(err, err_len, "missing connect mode (use normal, hot-plug, under-reset or auto)");
    return false;
  }
  for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
    if (strcmp(s, modes[i].name) == 0) {
      *out = modes[i].mode;
      return true;
    }
  }
  snprintf(err, err_len, "unknown connect mode '%s' (use normal, hot-plug, under-reset or auto)",
           s);
  return false;
}
