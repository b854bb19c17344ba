/*
 * Parser of the chip database text format (chipdb/README.md). Used by the
 * library at run time and, compiled natively, by the build-time generator:
 * one parser, one format. Depends on nothing but the C library.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chipdb.h"

enum { LINE_MAX_LEN = 512, MAX_TOKENS = 24 };

typedef struct parser {
  swdf_chipdb *db;
  const char *file;
  int line;
  char *err;
  size_t err_len;
  swdf_chip defaults;
  swdf_chip chip;           /* the section being read */
  int section_line;
  enum { SECTION_NONE, SECTION_DEFAULTS, SECTION_CHIP } section;
  bool option_regs_replaced; /* first option_reg of a section drops inherited ones */
  bool debug_set_replaced;
} parser;

static bool fail(parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static bool fail(parser *p, const char *fmt, ...) {
  char msg[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  snprintf(p->err, p->err_len, "%s:%d: %s", p->file, p->line, msg);
  return false;
}

/* ---- values -------------------------------------------------------- */

static bool parse_number(const char *s, uint32_t *out, bool allow_size) {
  if (s == NULL || *s == '\0') {
    return false;
  }
  char *end = NULL;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 0);
  if (end == s || errno != 0 || s[0] == '-') {
    return false;
  }
  unsigned long long factor = 1;
  if (allow_size && *end != '\0') {
    if (strcmp(end, "K") == 0 || strcmp(end, "KiB") == 0) {
      factor = 1024;
    } else if (strcmp(end, "M") == 0 || strcmp(end, "MiB") == 0) {
      factor = 1024 * 1024;
    } else {
      return false;
    }
  } else if (*end != '\0') {
    return false;
  }
  if (v > UINT32_MAX / factor) {
    return false; /* checked before multiplying, which could wrap around */
  }
  *out = (uint32_t)(v * factor);
  return true;
}

static size_t split(char *s, char **tokens, size_t max) {
  size_t n = 0;
  char *save = NULL;
  for (char *tok = strtok_r(s, " \t", &save); tok != NULL && n < max;
       tok = strtok_r(NULL, " \t", &save)) {
    tokens[n++] = tok;
  }
  return n;
}

static bool copy_text(parser *p, char *dst, size_t dst_len, const char *value, const char *key) {
  if (strlen(value) >= dst_len) {
    return fail(p, "'%s' is longer than %zu characters", key, dst_len - 1);
  }
  snprintf(dst, dst_len, "%s", value);
  return true;
}

static bool number_arg(parser *p, const char *value, uint32_t *out, bool size, const char *key) {
  if (!parse_number(value, out, size)) {
    return fail(p, "'%s' needs a %s, not '%s'", key, size ? "size (e.g. 0x800, 2K, 1M)" : "number",
                value);
  }
  return true;
}

static bool number_max(parser *p, const char *value, uint32_t *out, uint32_t max,
                       const char *key) {
  if (!number_arg(p, value, out, false, key)) {
    return false;
  }
  if (*out > max) {
    return fail(p, "'%s' must be at most 0x%X", key, max);
  }
  return true;
}

/* "ADDR SIZE" */
static bool addr_size(parser *p, char *value, uint32_t *addr, uint32_t *size, const char *key) {
  char *tok[MAX_TOKENS];
  if (split(value, tok, MAX_TOKENS) != 2 || !parse_number(tok[0], addr, false) ||
      !parse_number(tok[1], size, true)) {
    return fail(p, "'%s' needs an address and a size, e.g. '0x20000000 20K'", key);
  }
  return true;
}

/* "4x16K 1x64K 7x128K" or a single page size "2K". */
static bool groups(parser *p, char *value, swdf_chip_geometry *g, bool uniform, const char *key) {
  char *tok[MAX_TOKENS];
  size_t n = split(value, tok, MAX_TOKENS);
  if (uniform) {
    uint32_t size;
    if (n != 1 || !parse_number(tok[0], &size, true) || size == 0) {
      return fail(p, "'%s' needs one page size, e.g. '2K'", key);
    }
    g->group_count = 1;
    g->groups[0].count = 0;
    g->groups[0].size = size;
    return true;
  }
  if (n == 0 || n > SWDF_CHIP_MAX_GROUPS) {
    return fail(p, "'%s' needs 1 to %d groups like '4x16K'", key, SWDF_CHIP_MAX_GROUPS);
  }
  for (size_t i = 0; i < n; i++) {
    char *x = strchr(tok[i], 'x');
    if (x == NULL) {
      return fail(p, "'%s': group '%s' is not COUNTxSIZE", key, tok[i]);
    }
    *x = '\0';
    uint32_t count;
    uint32_t size;
    if (!parse_number(tok[i], &count, false) || !parse_number(x + 1, &size, true) || count == 0 ||
        size == 0) {
      return fail(p, "'%s': bad group '%sx%s'", key, tok[i], x + 1);
    }
    g->groups[i].count = count;
    g->groups[i].size = size;
  }
  g->group_count = (uint8_t)n;
  return true;
}

/* "fixed 512K", "half", "half-max" */
static bool bank_split(parser *p, char *value, swdf_chip_geometry *g, const char *key) {
  char *tok[MAX_TOKENS];
  size_t n = split(value, tok, MAX_TOKENS);
  if (n == 2 && strcmp(tok[0], "fixed") == 0 && parse_number(tok[1], &g->bank_size, true)) {
    g->split = SWDF_BANK_SPLIT_FIXED;
    return true;
  }
  if (n == 1 && strcmp(tok[0], "half") == 0) {
    g->split = SWDF_BANK_SPLIT_HALF;
    return true;
  }
  if (n == 1 && strcmp(tok[0], "half-max") == 0) {
    g->split = SWDF_BANK_SPLIT_HALF_MAX;
    return true;
  }
  return fail(p, "'%s' must be 'fixed SIZE', 'half' or 'half-max'", key);
}

/* "FROM=TO ..." into a value map. */
static bool value_map(parser *p, char **tok, size_t n, swdf_chip_map_entry *map, uint8_t *count,
                      bool to_is_size, const char *key) {
  if (n > SWDF_CHIP_MAX_MAP) {
    return fail(p, "'%s' has more than %d entries", key, SWDF_CHIP_MAX_MAP);
  }
  for (size_t i = 0; i < n; i++) {
    char *eq = strchr(tok[i], '=');
    if (eq == NULL) {
      return fail(p, "'%s': '%s' is not VALUE=RESULT", key, tok[i]);
    }
    *eq = '\0';
    if (!parse_number(tok[i], &map[i].from, false) ||
        !parse_number(eq + 1, &map[i].to, to_is_size)) {
      return fail(p, "'%s': bad entry '%s=%s'", key, tok[i], eq + 1);
    }
  }
  *count = (uint8_t)n;
  return true;
}

/* ---- keys -------------------------------------------------------------- */

typedef bool (*key_fn)(parser *p, swdf_chip *c, char *value, const char *key);

#define TEXT_KEY(field)                                                     \
  static bool key_##field(parser *p, swdf_chip *c, char *value, const char *key) { \
    return copy_text(p, c->field, sizeof(c->field), value, key);             \
  }
TEXT_KEY(name)
TEXT_KEY(family)
TEXT_KEY(driver)
TEXT_KEY(core)
TEXT_KEY(note)

#define U32_KEY(field, size)                                                \
  static bool key_##field(parser *p, swdf_chip *c, char *value, const char *key) { \
    return number_arg(p, value, &c->field, size, key);                       \
  }
U32_KEY(dp_idcode, false)
U32_KEY(idcode_addr, false)
U32_KEY(flash_base, false)
U32_KEY(flash_max, true)
U32_KEY(flash_size_reg, false)
U32_KEY(program_unit, true)
U32_KEY(flash_regs, false)
U32_KEY(program_time_us, false)
U32_KEY(erase_time_ms, false)
U32_KEY(mass_erase_time_ms, false)

static bool key_dev_id(parser *p, swdf_chip *c, char *value, const char *key) {
  uint32_t v = 0;
  if (!number_max(p, value, &v, 0xFFF, key)) {
    return false;
  }
  c->dev_id = (uint16_t)v;
  return true;
}

static bool key_cpuid_part(parser *p, swdf_chip *c, char *value, const char *key) {
  uint32_t v = 0;
  if (!number_max(p, value, &v, 0xFFF, key)) {
    return false;
  }
  c->cpuid_part = (uint16_t)v;
  return true;
}

static bool key_rev_id(parser *p, swdf_chip *c, char *value, const char *key) {
  uint32_t v = 0;
  if (!number_max(p, value, &v, 0xFFFF, key)) {
    return false;
  }
  c->rev_id = (uint16_t)v;
  c->match_rev_id = true;
  return true;
}

static bool key_designer(parser *p, swdf_chip *c, char *value, const char *key) {
  uint32_t v = 0;
  if (!number_max(p, value, &v, 0xFFF, key)) {
    return false;
  }
  c->designer = (uint16_t)v;
  return true;
}

static bool key_erased(parser *p, swdf_chip *c, char *value, const char *key) {
  uint32_t v = 0;
  if (!number_max(p, value, &v, 0xFF, key)) {
    return false;
  }
  c->erased_value = (uint8_t)v;
  return true;
}

static bool key_revisions(parser *p, swdf_chip *c, char *value, const char *key) {
  char *tok[MAX_TOKENS];
  size_t n = split(value, tok, MAX_TOKENS);
  if (n == 1 && strcmp(tok[0], "none") == 0) {
    c->revision_count = 0;
    return true;
  }
  if (n > SWDF_CHIP_MAX_REVISIONS) {
    return fail(p, "'%s' lists more than %d revisions", key, SWDF_CHIP_MAX_REVISIONS);
  }
  for (size_t i = 0; i < n; i++) {
    char *eq = strchr(tok[i], '=');
    uint32_t rev;
    if (eq == NULL) {
      return fail(p, "'%s': '%s' is not REV_ID=NAME", key, tok[i]);
    }
    *eq = '\0';
    if (!parse_number(tok[i], &rev, false) || rev > 0xFFFF || strlen(eq + 1) == 0 ||
        strlen(eq + 1) >= sizeof(c->revisions[i].name)) {
      return fail(p, "'%s': bad revision '%s=%s'", key, tok[i], eq + 1);
    }
    c->revisions[i].rev_id = (uint16_t)rev;
    snprintf(c->revisions[i].name, sizeof(c->revisions[i].name), "%s", eq + 1);
  }
  c->revision_count = (uint8_t)n;
  return true;
}

static bool key_flash_size_map(parser *p, swdf_chip *c, char *value, const char *key) {
  char *tok[MAX_TOKENS];
  size_t n = split(value, tok, MAX_TOKENS);
  if (!value_map(p, tok, n, c->flash_size_map, &c->flash_size_map_count, true, key)) {
    return false;
  }
  for (size_t i = 0; i < n; i++) {
    c->flash_size_map[i].to /= 1024; /* stored in KiB like the register */
  }
  return true;
}

static bool key_pages(parser *p, swdf_chip *c, char *value, const char *key) {
  return groups(p, value, &c->geometry, true, key);
}
static bool key_sectors(parser *p, swdf_chip *c, char *value, const char *key) {
  return groups(p, value, &c->geometry, false, key);
}
static bool key_dual_pages(parser *p, swdf_chip *c, char *value, const char *key) {
  return groups(p, value, &c->dual_geometry, true, key);
}
static bool key_dual_sectors(parser *p, swdf_chip *c, char *value, const char *key) {
  return groups(p, value, &c->dual_geometry, false, key);
}

static bool banks_value(parser *p, char *value, swdf_chip_geometry *g, const char *key) {
  uint32_t v;
  if (!parse_number(value, &v, false) || v < 1 || v > 2) {
    return fail(p, "'%s' must be 1 or 2", key);
  }
  g->banks = (uint8_t)v;
  return true;
}
static bool key_banks(parser *p, swdf_chip *c, char *value, const char *key) {
  return banks_value(p, value, &c->geometry, key);
}
static bool key_dual_banks(parser *p, swdf_chip *c, char *value, const char *key) {
  return banks_value(p, value, &c->dual_geometry, key);
}
static bool key_bank_split(parser *p, swdf_chip *c, char *value, const char *key) {
  return bank_split(p, value, &c->geometry, key);
}
static bool key_dual_bank_split(parser *p, swdf_chip *c, char *value, const char *key) {
  return bank_split(p, value, &c->dual_geometry, key);
}
static bool key_bank2_first_index(parser *p, swdf_chip *c, char *value, const char *key) {
  return number_arg(p, value, &c->geometry.bank2_first_index, false, key);
}
static bool key_dual_bank2_first_index(parser *p, swdf_chip *c, char *value, const char *key) {
  return number_arg(p, value, &c->dual_geometry.bank2_first_index, false, key);
}

/* "REG BIT" (dual bank when the bit is 1) or "REG !BIT" (when it is 0) */
static bool key_dual_bank_option(parser *p, swdf_chip *c, char *value, const char *key) {
  char *tok[MAX_TOKENS];
  uint32_t bit;
  size_t n = split(value, tok, MAX_TOKENS);
  bool inverted = n == 2 && tok[1][0] == '!';
  if (n != 2 || !parse_number(tok[0], &c->dual_bank_reg, false) ||
      !parse_number(tok[1] + (inverted ? 1 : 0), &bit, false) || bit > 31) {
    return fail(p, "'%s' needs a register address and a bit number, e.g. '0x40023C14 30' "
                   "or '0x40023C14 !29' for an active-low bit", key);
  }
  c->dual_bank_bit = (uint8_t)bit;
  c->dual_bank_value = inverted ? 0 : 1;
  return true;
}

static bool key_ram(parser *p, swdf_chip *c, char *value, const char *key) {
  return addr_size(p, value, &c->ram_base, &c->ram_size, key);
}
static bool key_sysmem(parser *p, swdf_chip *c, char *value, const char *key) {
  return addr_size(p, value, &c->sysmem_base, &c->sysmem_size, key);
}
static bool key_options(parser *p, swdf_chip *c, char *value, const char *key) {
  return addr_size(p, value, &c->option_addr, &c->option_size, key);
}

/* "ADDR" (three consecutive words) or "A1 A2 A3", or "none". */
static bool key_uid(parser *p, swdf_chip *c, char *value, const char *key) {
  char *tok[MAX_TOKENS];
  size_t n = split(value, tok, MAX_TOKENS);
  if (n == 1 && strcmp(tok[0], "none") == 0) {
    c->uid_words = 0;
    return true;
  }
  uint32_t addr[3];
  for (size_t i = 0; i < n && i < 3; i++) {
    if (!parse_number(tok[i], &addr[i], false)) {
      n = 0;
    }
  }
  if (n == 1) {
    addr[1] = addr[0] + 4;
    addr[2] = addr[0] + 8;
  } else if (n != 3) {
    return fail(p, "'%s' needs one address, three addresses or 'none'", key);
  }
  memcpy(c->uid_addr, addr, sizeof(addr));
  c->uid_words = 3;
  return true;
}

/* "NAME ADDR", repeatable. */
static bool key_option_reg(parser *p, swdf_chip *c, char *value, const char *key) {
  char *tok[MAX_TOKENS];
  uint32_t addr;
  if (!p->option_regs_replaced) {
    c->option_reg_count = 0;
    p->option_regs_replaced = true;
  }
  if (split(value, tok, MAX_TOKENS) != 2 || !parse_number(tok[1], &addr, false)) {
    return fail(p, "'%s' needs a name and an address, e.g. 'OBR 0x4002201C'", key);
  }
  if (c->option_reg_count >= SWDF_CHIP_MAX_OPTION_REGS) {
    return fail(p, "more than %d option registers", SWDF_CHIP_MAX_OPTION_REGS);
  }
  swdf_chip_option_reg *r = &c->option_regs[c->option_reg_count];
  if (!copy_text(p, r->name, sizeof(r->name), tok[0], key)) {
    return false;
  }
  r->addr = addr;
  c->option_reg_count++;
  return true;
}

/* "REG HI:LO VALUE=LEVEL ... *=LEVEL" */
static bool key_rdp(parser *p, swdf_chip *c, char *value, const char *key) {
  char *tok[MAX_TOKENS];
  size_t n = split(value, tok, MAX_TOKENS);
  swdf_chip_rdp rdp = {0};
  uint32_t hi;
  uint32_t lo;
  char *colon = n >= 2 ? strchr(tok[1], ':') : NULL;
  if (n < 3 || colon == NULL || !parse_number(tok[0], &rdp.reg, false)) {
    return fail(p, "'%s' needs 'REG HI:LO VALUE=LEVEL... *=LEVEL'", key);
  }
  *colon = '\0';
  if (!parse_number(tok[1], &hi, false) || !parse_number(colon + 1, &lo, false) || hi > 31 ||
      lo > hi) {
    return fail(p, "'%s': bad bit range", key);
  }
  rdp.shift = (uint8_t)lo;
  rdp.width = (uint8_t)(hi - lo + 1);
  size_t last = n - 1;
  if (strncmp(tok[last], "*=", 2) != 0) {
    return fail(p, "'%s' must end with '*=LEVEL' for all other values", key);
  }
  uint32_t other;
  if (!parse_number(tok[last] + 2, &other, false) || other > 2) {
    return fail(p, "'%s': levels are 0, 1 or 2", key);
  }
  rdp.other_level = (uint8_t)other;
  if (!value_map(p, tok + 2, last - 2, rdp.map, &rdp.map_count, false, key)) {
    return false;
  }
  for (size_t i = 0; i < rdp.map_count; i++) {
    if (rdp.map[i].to > 2) {
      return fail(p, "'%s': levels are 0, 1 or 2", key);
    }
  }
  c->rdp = rdp;
  return true;
}

static const char *const quirk_names[] = {
    "wait-bsy-each-unit", "erase-bsy-delay", "no-unique-id", "flash-size-unreliable",
    "clone",              "idcode-errata",
};

const char *swdf_chip_quirk_name(uint32_t bit) {
  for (size_t i = 0; i < sizeof(quirk_names) / sizeof(quirk_names[0]); i++) {
    if (bit == (1u << i)) {
      return quirk_names[i];
    }
  }
  return NULL;
}

/* "ADDR BITS", repeatable (the first in a section replaces inherited ones). */
static bool key_debug_set(parser *p, swdf_chip *c, char *value, const char *key) {
  char *tok[MAX_TOKENS];
  uint32_t addr;
  uint32_t bits;
  if (!p->debug_set_replaced) {
    c->debug_set_count = 0;
    p->debug_set_replaced = true;
  }
  if (split(value, tok, MAX_TOKENS) != 2 || !parse_number(tok[0], &addr, false) ||
      !parse_number(tok[1], &bits, false)) {
    return fail(p, "'%s' needs an address and the bits to set, e.g. '0xE0042004 0x307'", key);
  }
  if (c->debug_set_count >= SWDF_CHIP_MAX_MAP) {
    return fail(p, "more than %d '%s' lines", SWDF_CHIP_MAX_MAP, key);
  }
  c->debug_set[c->debug_set_count].from = addr;
  c->debug_set[c->debug_set_count].to = bits;
  c->debug_set_count++;
  return true;
}

static bool key_quirks(parser *p, swdf_chip *c, char *value, const char *key) {
  char *tok[MAX_TOKENS];
  size_t n = split(value, tok, MAX_TOKENS);
  c->quirks = 0;
  for (size_t i = 0; i < n; i++) {
    bool known = false;
    for (size_t q = 0; q < sizeof(quirk_names) / sizeof(quirk_names[0]); q++) {
      if (strcmp(tok[i], quirk_names[q]) == 0) {
        c->quirks |= 1u << q;
        known = true;
      }
    }
    if (!known && strcmp(tok[i], "none") != 0) {
      return fail(p, "'%s': unknown quirk '%s'", key, tok[i]);
    }
  }
  return true;
}

static bool key_inherit(parser *p, swdf_chip *c, char *value, const char *key) {
  for (size_t i = p->db->count; i-- > 0;) {
    if (strcmp(p->db->chips[i].id, value) == 0) {
      char id[SWDF_CHIP_ID_MAX];
      memcpy(id, c->id, sizeof(id));
      *c = p->db->chips[i];
      memcpy(c->id, id, sizeof(id));
      p->option_regs_replaced = false;
      p->debug_set_replaced = false;
      return true;
    }
  }
  return fail(p, "'%s': no chip '%s' defined before this one", key, value);
}

static const struct {
  const char *key;
  key_fn fn;
} keys[] = {
    {"inherit", key_inherit},
    {"name", key_name},
    {"family", key_family},
    {"driver", key_driver},
    {"core", key_core},
    {"note", key_note},
    {"dev_id", key_dev_id},
    {"cpuid_part", key_cpuid_part},
    {"dp_idcode", key_dp_idcode},
    {"rev_id", key_rev_id},
    {"designer", key_designer},
    {"idcode_addr", key_idcode_addr},
    {"revisions", key_revisions},
    {"flash_base", key_flash_base},
    {"flash_max", key_flash_max},
    {"flash_size_reg", key_flash_size_reg},
    {"flash_size_map", key_flash_size_map},
    {"pages", key_pages},
    {"sectors", key_sectors},
    {"banks", key_banks},
    {"bank_split", key_bank_split},
    {"bank2_first_index", key_bank2_first_index},
    {"dual_bank_option", key_dual_bank_option},
    {"dual_pages", key_dual_pages},
    {"dual_sectors", key_dual_sectors},
    {"dual_banks", key_dual_banks},
    {"dual_bank_split", key_dual_bank_split},
    {"dual_bank2_first_index", key_dual_bank2_first_index},
    {"program_unit", key_program_unit},
    {"erased", key_erased},
    {"flash_regs", key_flash_regs},
    {"ram", key_ram},
    {"sysmem", key_sysmem},
    {"uid", key_uid},
    {"options", key_options},
    {"option_reg", key_option_reg},
    {"rdp", key_rdp},
    {"program_time_us", key_program_time_us},
    {"erase_time_ms", key_erase_time_ms},
    {"mass_erase_time_ms", key_mass_erase_time_ms},
    {"debug_set", key_debug_set},
    {"quirks", key_quirks},
};

/* ---- sections ------------------------------------------------------------ */

static bool validate(parser *p, const swdf_chip *c) {
  const struct {
    bool missing;
    const char *key;
  } required[] = {
      {c->name[0] == '\0', "name"},
      {c->family[0] == '\0', "family"},
      {c->driver[0] == '\0', "driver"},
      {c->core[0] == '\0', "core"},
      {c->dev_id == 0, "dev_id"},
      {c->idcode_addr == 0, "idcode_addr"},
      {c->flash_max == 0, "flash_max"},
      {c->geometry.group_count == 0, "pages or sectors"},
      {c->program_unit == 0, "program_unit"},
      {c->ram_size == 0, "ram"},
  };
  for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
    if (required[i].missing) {
      p->line = p->section_line;
      return fail(p, "chip '%s' has no '%s'", c->id, required[i].key);
    }
  }
  /* Every flash size the chip can report must end inside the 32-bit address
   * space, or the units' addresses would wrap around to 0. */
  uint64_t largest = c->flash_max;
  for (size_t i = 0; i < c->flash_size_map_count; i++) {
    uint64_t mapped = (uint64_t)c->flash_size_map[i].to * 1024u;
    largest = mapped > largest ? mapped : largest;
  }
  if (c->flash_base + largest > 0x100000000ull) {
    p->line = p->section_line;
    return fail(p, "chip '%s': the flash at 0x%X passes the end of the address space", c->id,
                c->flash_base);
  }
  if (c->geometry.banks == 2 && c->geometry.split == SWDF_BANK_SPLIT_FIXED &&
      c->geometry.bank_size == 0) {
    p->line = p->section_line;
    return fail(p, "chip '%s': two banks need 'bank_split'", c->id);
  }
  if (c->dual_bank_reg != 0 && c->dual_geometry.group_count == 0) {
    p->line = p->section_line;
    return fail(p, "chip '%s': 'dual_bank_option' needs 'dual_pages' or 'dual_sectors'", c->id);
  }
  return true;
}

static bool db_put(swdf_chipdb *db, const swdf_chip *c) {
  for (size_t i = 0; i < db->count; i++) {
    if (strcmp(db->chips[i].id, c->id) == 0) {
      db->chips[i] = *c;
      return true;
    }
  }
  if (db->count == db->capacity) {
    size_t cap = db->capacity != 0 ? db->capacity * 2 : 64;
    swdf_chip *grown = realloc(db->chips, cap * sizeof(*grown));
    if (grown == NULL) {
      return false;
    }
    db->chips = grown;
    db->capacity = cap;
  }
  db->chips[db->count++] = *c;
  return true;
}

static bool end_section(parser *p) {
  if (p->section == SECTION_DEFAULTS) {
    p->defaults = p->chip;
  } else if (p->section == SECTION_CHIP) {
    if (!validate(p, &p->chip)) {
      return false;
    }
    if (!db_put(p->db, &p->chip)) {
      return fail(p, "out of memory");
    }
  }
  p->section = SECTION_NONE;
  return true;
}

static bool start_section(parser *p, char *line) {
  char *close = strchr(line, ']');
  if (close == NULL || close[1] != '\0') {
    return fail(p, "a section header looks like '[chip-id]'");
  }
  *close = '\0';
  const char *id = line + 1;
  if (!end_section(p)) {
    return false;
  }
  p->section_line = p->line;
  p->option_regs_replaced = false;
  p->debug_set_replaced = false;
  if (strcmp(id, "defaults") == 0) {
    p->section = SECTION_DEFAULTS;
    p->chip = p->defaults;
    return true;
  }
  size_t len = strlen(id);
  if (len == 0 || len >= SWDF_CHIP_ID_MAX) {
    return fail(p, "chip id must be 1 to %d characters", SWDF_CHIP_ID_MAX - 1);
  }
  for (size_t i = 0; i < len; i++) {
    if (!isalnum((unsigned char)id[i]) && id[i] != '-' && id[i] != '_') {
      return fail(p, "chip id '%s' may only hold letters, digits, '-' and '_'", id);
    }
  }
  p->section = SECTION_CHIP;
  p->chip = p->defaults;
  memcpy(p->chip.id, id, len + 1);
  return true;
}

static char *trim(char *s) {
  while (isspace((unsigned char)*s)) {
    s++;
  }
  size_t n = strlen(s);
  while (n > 0 && isspace((unsigned char)s[n - 1])) {
    s[--n] = '\0';
  }
  return s;
}

static bool parse_line(parser *p, char *raw) {
  char *hash = strchr(raw, '#');
  if (hash != NULL) {
    *hash = '\0';
  }
  char *line = trim(raw);
  if (*line == '\0') {
    return true;
  }
  if (*line == '[') {
    return start_section(p, line);
  }
  if (p->section == SECTION_NONE) {
    return fail(p, "'%s' outside a section; start one with [defaults] or [chip-id]", line);
  }
  char *eq = strchr(line, '=');
  if (eq == NULL) {
    return fail(p, "expected 'key = value'");
  }
  *eq = '\0';
  char *key = trim(line);
  char *value = trim(eq + 1);
  for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
    if (strcmp(keys[i].key, key) == 0) {
      if (*value == '\0') {
        return fail(p, "'%s' has no value", key);
      }
      if (keys[i].fn == key_inherit && p->section != SECTION_CHIP) {
        return fail(p, "'inherit' only works in a chip section");
      }
      return keys[i].fn(p, &p->chip, value, key);
    }
  }
  return fail(p, "unknown key '%s'", key);
}

bool swdf_chipdb_parse(swdf_chipdb *db, const char *text, const char *file_name, char *err,
                       size_t err_len) {
  parser p = {0};
  p.db = db;
  p.file = file_name;
  p.err = err;
  p.err_len = err_len;
  p.defaults.erased_value = 0xFF;
  p.defaults.flash_base = 0x08000000;
  p.defaults.geometry.banks = 1;
  p.defaults.dual_geometry.banks = 1;
  const char *pos = text;
  while (*pos != '\0') {
    p.line++;
    const char *nl = strchr(pos, '\n');
    size_t len = nl != NULL ? (size_t)(nl - pos) : strlen(pos);
    if (len >= LINE_MAX_LEN) {
      return fail(&p, "line longer than %d characters", LINE_MAX_LEN - 1);
    }
    char line[LINE_MAX_LEN];
    memcpy(line, pos, len);
    line[len] = '\0';
    if (!parse_line(&p, line)) {
      return false;
    }
    pos += len;
    if (*pos == '\n') {
      pos++;
    }
  }
  return end_section(&p);
}

void swdf_chipdb_free(swdf_chipdb *db) {
  free(db->chips);
  db->chips = NULL;
  db->count = 0;
  db->capacity = 0;
}
