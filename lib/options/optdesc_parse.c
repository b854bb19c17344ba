/*
 * Parser of the option-byte description format (chipdb/options/README.md).
 * Used by the library at run time and, compiled natively, by the build-time
 * checker: one parser, one format. Depends on nothing but the C library.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "optdesc.h"

enum { LINE_MAX_LEN = 600, MAX_TOKENS = 16 };

/* Names that can only be resolved once the whole description is read. */
typedef struct pending_names {
  char end_field[SWDF_OPTD_MAX_FIELDS][SWDF_OPTD_NAME_MAX];
  char mode_field[SWDF_OPTD_MAX_FIELDS][SWDF_OPTD_NAME_MAX];
  char other[SWDF_OPTD_MAX_FIELDS][SWDF_OPTD_VALUE_NAME_MAX];
  char unlock[SWDF_OPTD_MAX_FIELDS][SWDF_OPTD_VALUE_NAME_MAX];
  char in_force[SWDF_OPTD_MAX_FIELDS][SWDF_OPTD_NAME_MAX];
  int line[SWDF_OPTD_MAX_FIELDS]; /* where each field starts */
  char swap[SWDF_OPTD_NAME_MAX];  /* the `swap FIELD RAW` line's field */
  int swap_line;
} pending_names;

typedef struct parser {
  swdf_optd_set *set;
  const char *file;
  int line;
  char *err;
  size_t err_len;
  swdf_optd *cur;   /* description being read (last item of set), NULL before the first */
  int cur_line;
  int field;        /* field being read, -1 none */
  size_t first_of_file; /* `based-on` only sees descriptions of the same file */
  pending_names *pending;
} parser;

static const char *const group_names[SWDF_OPTD_GROUP_COUNT] = {
    "rdp", "wrp", "watchdog", "reset", "bor", "boot", "user", "status", "other",
};

const char *swdf__optd_group_name(swdf_optd_group group) {
  return (unsigned)group < SWDF_OPTD_GROUP_COUNT ? group_names[group] : "other";
}

static bool fail(parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static bool fail(parser *p, const char *fmt, ...) {
  char msg[300];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  snprintf(p->err, p->err_len, "%s:%d: %s", p->file, p->line, msg);
  return false;
}

/* ---- tokens ------------------------------------------------------------ */

/* Split a line into words; "quoted text" is one word. Comments start with
 * '#' outside quotes. Returns the count or -1 on an unterminated quote. */
static int tokenize(char *s, char **tok, int max) {
  int n = 0;
  for (;;) {
    while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n') {
      s++;
    }
    if (*s == '\0' || *s == '#') {
      return n;
    }
    if (n == max) {
      return n + 1; /* too many; the caller reports it */
    }
    if (*s == '"') {
      s++;
      tok[n++] = s;
      char *end = strchr(s, '"');
      if (end == NULL) {
        return -1;
      }
      *end = '\0';
      s = end + 1;
    } else {
      tok[n++] = s;
      while (*s != '\0' && *s != ' ' && *s != '\t' && *s != '\r' && *s != '\n') {
        s++;
      }
      if (*s != '\0') {
        *s++ = '\0';
      }
    }
  }
}

static bool parse_u32(const char *s, uint32_t *out) {
  if (s == NULL || *s == '\0' || *s == '-' || *s == '+') {
    return false;
  }
  unsigned long long v;
  char *end = NULL;
  errno = 0;
  if (s[0] == '0' && (s[1] == 'b' || s[1] == 'B')) {
    v = strtoull(s + 2, &end, 2);
    if (end == s + 2) {
      return false;
    }
  } else {
    v = strtoull(s, &end, 0);
  }
  if (end == s || errno != 0) {
    return false;
  }
  if (*end == 'K' && end[1] == '\0') {
    if (v > UINT32_MAX / 1024u) {
      return false; /* checked before multiplying, which could wrap around */
    }
    v *= 1024;
    end++;
  }
  if (*end != '\0' || v > UINT32_MAX) {
    return false;
  }
  *out = (uint32_t)v;
  return true;
}

static bool number(parser *p, const char *s, uint32_t *out, const char *what) {
  if (!parse_u32(s, out)) {
    return fail(p, "%s must be a number, not '%s'", what, s);
  }
  return true;
}

static bool copy_name(parser *p, char *dst, size_t len, const char *src, const char *what) {
  if (strlen(src) >= len) {
    return fail(p, "%s '%s' is longer than %zu characters", what, src, len - 1);
  }
  snprintf(dst, len, "%s", src);
  return true;
}

/* key=value option of a line; NULL when the word has another key. */
static const char *keyed(const char *tok, const char *key) {
  size_t n = strlen(key);
  return strncmp(tok, key, n) == 0 && tok[n] == '=' ? tok + n + 1 : NULL;
}

/* ---- descriptions -------------------------------------------------------- */

static uint32_t width_mask(unsigned width) {
  return width >= 32 ? UINT32_MAX : (1u << width) - 1u;
}

int swdf__optd_field_index(const swdf_optd *d, const char *name) {
  for (size_t i = 0; i < d->field_count; i++) {
    if (strcmp(d->fields[i].name, name) == 0) {
      return (int)i;
    }
  }
  return -1;
}

static int word_index(const swdf_optd *d, const char *name) {
  for (size_t i = 0; i < d->word_count; i++) {
    if (strcmp(d->words[i].name, name) == 0) {
      return (int)i;
    }
  }
  return -1;
}

static const swdf_optd_value *value_by_name(const swdf_optd_field *f, const char *name) {
  for (size_t i = 0; i < f->value_count; i++) {
    if (strcmp(f->values[i].name, name) == 0) {
      return &f->values[i];
    }
  }
  return NULL;
}

static swdf_optd_field *cur_field(parser *p, const char *key) {
  if (p->cur == NULL || p->field < 0) {
    fail(p, "'%s' belongs to a field; start one with 'field NAME WORD SHIFT WIDTH GROUP'", key);
    return NULL;
  }
  return &p->cur->fields[p->field];
}

/* Resolve names and check the rules of a finished description. */
static bool finish_description(parser *p) {
  swdf_optd *d = p->cur;
  if (d == NULL) {
    return true;
  }
  int saved_line = p->line;
  p->line = p->cur_line;
  if (d->driver[0] == '\0') {
    return fail(p, "options %s: no 'driver' line", d->name);
  }
  int rdp_fields = 0;
  for (size_t i = 0; i < d->field_count; i++) {
    swdf_optd_field *f = &d->fields[i];
    pending_names *pn = p->pending;
    p->line = pn->line[i] != 0 ? pn->line[i] : p->cur_line;
    if (pn->other[i][0] != '\0') {
      const swdf_optd_value *v = value_by_name(f, pn->other[i]);
      if (v == NULL) {
        return fail(p, "field %s: 'other %s' names no value of the field", f->name, pn->other[i]);
      }
      f->other = (int8_t)(v - f->values);
    }
    if (pn->unlock[i][0] != '\0') {
      const swdf_optd_value *v = value_by_name(f, pn->unlock[i]);
      uint32_t raw;
      if (v != NULL) {
        raw = v->raw;
      } else if (parse_u32(pn->unlock[i], &raw) && raw <= width_mask(f->width)) {
        /* a plain number that fits */
      } else {
        return fail(p, "field %s: 'unlock %s' is neither a value of the field nor a number "
                       "that fits",
                    f->name, pn->unlock[i]);
      }
      f->has_unlock = true;
      f->unlock_raw = raw;
    }
    if (pn->end_field[i][0] != '\0') {
      int e = swdf__optd_field_index(d, pn->end_field[i]);
      if (e < 0) {
        return fail(p, "field %s: end field '%s' does not exist", f->name, pn->end_field[i]);
      }
      f->protect.end_field = (int8_t)e;
    }
    if (pn->mode_field[i][0] != '\0') {
      int m = swdf__optd_field_index(d, pn->mode_field[i]);
      if (m < 0) {
        return fail(p, "field %s: mode field '%s' does not exist", f->name, pn->mode_field[i]);
      }
      f->protect.mode_field = (int8_t)m;
    }
    if (f->group == SWDF_OPTD_GROUP_RDP) {
      rdp_fields++;
      if (value_by_name(f, "0") == NULL || value_by_name(f, "1") == NULL) {
        return fail(p, "field %s: a read-protection field needs values named 0 and 1", f->name);
      }
    }
    if (pn->in_force[i][0] != '\0') {
      int s = swdf__optd_field_index(d, pn->in_force[i]);
      if (f->group != SWDF_OPTD_GROUP_RDP) {
        return fail(p, "field %s: 'in-force' belongs to the read-protection field", f->name);
      }
      if (s < 0 || d->fields[s].group != SWDF_OPTD_GROUP_STATUS ||
          value_by_name(&d->fields[s], "0") == NULL ||
          value_by_name(&d->fields[s], "1") == NULL) {
        return fail(p, "field %s: in-force field '%s' must be a status field with values named "
                       "0 and 1",
                    f->name, pn->in_force[i]);
      }
      f->in_force = (uint8_t)(s + 1);
    }
    if (f->protect.kind != SWDF_OPTD_PROTECT_NONE && !f->has_unlock) {
      return fail(p, "field %s: a field that protects flash needs an 'unlock' value", f->name);
    }
    if (d->words[f->word].readonly && f->group != SWDF_OPTD_GROUP_STATUS) {
      return fail(p, "field %s: fields of readonly word %s belong to the status group", f->name,
                  d->words[f->word].name);
    }
    if (!f->any_value && f->value_count == 0) {
      return fail(p, "field %s: no values; list them with 'value' or allow any with 'any'",
                  f->name);
    }
  }
  if (p->pending->swap[0] != '\0') {
    int s = swdf__optd_field_index(d, p->pending->swap);
    p->line = p->pending->swap_line;
    if (s < 0) {
      return fail(p, "swap: field '%s' does not exist", p->pending->swap);
    }
    if (d->swap_raw > width_mask(d->fields[s].width)) {
      return fail(p, "swap: 0x%X does not fit field %s", d->swap_raw, p->pending->swap);
    }
    d->swap_field = (uint8_t)(s + 1);
  }
  for (size_t j = 0; j < d->field_count; j++) {
    const swdf_optd_field *f = &d->fields[j];
    bool by_level = false;
    for (size_t i = 0; i < d->field_count; i++) {
      by_level = by_level || d->fields[i].in_force == j + 1;
    }
    for (size_t k = 0; f->group == SWDF_OPTD_GROUP_STATUS && !by_level && k < f->value_count; k++) {
      uint32_t as_number;
      if (parse_u32(f->values[k].name, &as_number) && as_number != f->values[k].raw) {
        p->line = p->cur_line;
        return fail(p, "field %s: value name '%s' reads as a different number", f->name,
                    f->values[k].name);
      }
    }
  }
  p->line = p->cur_line;
  if (rdp_fields != 1) {
    return fail(p, "options %s: %d read-protection (rdp) fields, expected exactly 1", d->name,
                rdp_fields);
  }
  p->line = saved_line;
  return true;
}

static bool start_description(parser *p, char **tok, int n) {
  if (n != 2) {
    return fail(p, "usage: options NAME");
  }
  if (!finish_description(p)) {
    return false;
  }
  for (size_t i = 0; i < p->set->count; i++) {
    if (strcmp(p->set->items[i].name, tok[1]) == 0) {
      return fail(p, "options %s is defined twice", tok[1]);
    }
  }
  if (p->set->count == p->set->capacity) {
    size_t cap = p->set->capacity == 0 ? 8 : p->set->capacity * 2;
    swdf_optd *items = realloc(p->set->items, cap * sizeof(*items));
    if (items == NULL) {
      return fail(p, "out of memory");
    }
    p->set->items = items;
    p->set->capacity = cap;
  }
  swdf_optd *d = &p->set->items[p->set->count];
  memset(d, 0, sizeof(*d));
  if (!copy_name(p, d->name, sizeof(d->name), tok[1], "description name")) {
    return false;
  }
  p->set->count++;
  p->cur = d;
  p->cur_line = p->line;
  p->field = -1;
  memset(p->pending, 0, sizeof(*p->pending));
  return true;
}

static bool based_on(parser *p, char **tok, int n) {
  if (n != 2) {
    return fail(p, "usage: based-on NAME");
  }
  if (p->cur->word_count != 0 || p->cur->field_count != 0 || p->cur->driver[0] != '\0') {
    return fail(p, "'based-on' must come first in a description");
  }
  for (size_t i = p->first_of_file; i + 1 < p->set->count; i++) {
    const swdf_optd *base = &p->set->items[i];
    if (strcmp(base->name, tok[1]) == 0) {
      char name[sizeof(p->cur->name)];
      memcpy(name, p->cur->name, sizeof(name));
      *p->cur = *base;
      memcpy(p->cur->name, name, sizeof(name));
      p->cur->dev_id_count = 0;
      return true;
    }
  }
  return fail(p, "based-on: no description '%s' earlier in this file", tok[1]);
}

static bool dev_ids(parser *p, char **tok, int n) {
  if (n < 2) {
    return fail(p, "usage: dev-ids ID...");
  }
  for (int i = 1; i < n; i++) {
    uint32_t id;
    if (!number(p, tok[i], &id, "a DEV_ID")) {
      return false;
    }
    if (id > 0xFFF) {
      return fail(p, "DEV_ID 0x%X does not fit 12 bits", id);
    }
    if (p->cur->dev_id_count == SWDF_OPTD_MAX_DEV_IDS) {
      return fail(p, "more than %d DEV_IDs", SWDF_OPTD_MAX_DEV_IDS);
    }
    p->cur->dev_ids[p->cur->dev_id_count++] = (uint16_t)id;
  }
  return true;
}

static bool word_line(parser *p, char **tok, int n) {
  if (n < 4) {
    return fail(p, "usage: word NAME ADDR BITS [complement] [readonly] [write=ADDR]");
  }
  swdf_optd *d = p->cur;
  if (word_index(d, tok[1]) >= 0) {
    return fail(p, "word %s is defined twice", tok[1]);
  }
  if (d->word_count == SWDF_OPTD_MAX_WORDS) {
    return fail(p, "more than %d words", SWDF_OPTD_MAX_WORDS);
  }
  swdf_optd_word w = {0};
  uint32_t bits;
  if (!copy_name(p, w.name, sizeof(w.name), tok[1], "word name") ||
      !number(p, tok[2], &w.addr, "the word address") || !number(p, tok[3], &bits, "BITS")) {
    return false;
  }
  if (bits != 16 && bits != 32) {
    return fail(p, "word %s: BITS must be 16 or 32", w.name);
  }
  if (w.addr % (bits / 8) != 0) {
    return fail(p, "word %s: address 0x%08X is not aligned to %u bits", w.name, w.addr, bits);
  }
  w.bits = (uint8_t)bits;
  w.write_addr = w.addr;
  for (int i = 4; i < n; i++) {
    const char *v;
    if (strcmp(tok[i], "complement") == 0) {
      if (bits != 16) {
        return fail(p, "word %s: only 16-bit words hold a complement", w.name);
      }
      w.complement = true;
    } else if (strcmp(tok[i], "readonly") == 0) {
      w.readonly = true;
    } else if ((v = keyed(tok[i], "write")) != NULL) {
      if (!number(p, v, &w.write_addr, "write=ADDR")) {
        return false;
      }
    } else {
      return fail(p, "word %s: unknown attribute '%s'", w.name, tok[i]);
    }
  }
  d->words[d->word_count++] = w;
  return true;
}

static bool field_line(parser *p, char **tok, int n) {
  if (n != 6) {
    return fail(p, "usage: field NAME WORD SHIFT WIDTH GROUP");
  }
  swdf_optd *d = p->cur;
  swdf_optd_field f = {0};
  f.other = -1;
  f.protect.end_field = -1;
  f.protect.mode_field = -1;
  if (!copy_name(p, f.name, sizeof(f.name), tok[1], "field name")) {
    return false;
  }
  int w = word_index(d, tok[2]);
  if (w < 0) {
    return fail(p, "field %s: no word named '%s'", f.name, tok[2]);
  }
  uint32_t shift, width;
  if (!number(p, tok[3], &shift, "SHIFT") || !number(p, tok[4], &width, "WIDTH")) {
    return false;
  }
  /* The field must fit the word (only the low byte of a complement pair);
   * compared without adding, which a huge SHIFT would wrap around. */
  uint32_t room = d->words[w].complement ? 8u : d->words[w].bits;
  if (width == 0 || shift >= room || width > room - shift) {
    return fail(p, "field %s: bits %u..%u do not fit word %s", f.name, shift, shift + width - 1,
                d->words[w].name);
  }
  int group = -1;
  for (int g = 0; g < SWDF_OPTD_GROUP_COUNT; g++) {
    if (strcmp(tok[5], group_names[g]) == 0) {
      group = g;
    }
  }
  if (group < 0) {
    return fail(p, "field %s: unknown group '%s' (rdp, wrp, watchdog, reset, bor, boot, user, "
                   "status, other)",
                f.name, tok[5]);
  }
  f.word = (uint8_t)w;
  f.shift = (uint8_t)shift;
  f.width = (uint8_t)width;
  f.group = (swdf_optd_group)group;

  int index = swdf__optd_field_index(d, f.name);
  if (index < 0) {
    if (d->field_count == SWDF_OPTD_MAX_FIELDS) {
      return fail(p, "more than %d fields", SWDF_OPTD_MAX_FIELDS);
    }
    index = d->field_count++;
  } else if (p->pending->line[index] != 0) {
    return fail(p, "field %s is defined twice", f.name);
  }
  d->fields[index] = f;
  pending_names *pn = p->pending;
  pn->end_field[index][0] = pn->mode_field[index][0] = '\0';
  pn->other[index][0] = pn->unlock[index][0] = pn->in_force[index][0] = '\0';
  pn->line[index] = p->line;
  p->field = index;
  return true;
}

static bool value_line(parser *p, swdf_optd_field *f, char **tok, int n) {
  if (n < 4) {
    return fail(p, "usage: value RAW NAME \"TEXT\" [permanent] [erases]");
  }
  if (f->value_count == SWDF_OPTD_MAX_VALUES) {
    return fail(p, "field %s: more than %d values", f->name, SWDF_OPTD_MAX_VALUES);
  }
  swdf_optd_value v = {0};
  if (!number(p, tok[1], &v.raw, "RAW") ||
      !copy_name(p, v.name, sizeof(v.name), tok[2], "value name") ||
      !copy_name(p, v.text, sizeof(v.text), tok[3], "value text")) {
    return false;
  }
  if (v.raw > width_mask(f->width)) {
    return fail(p, "field %s: value 0x%X does not fit %u bits", f->name, v.raw, f->width);
  }
  for (size_t i = 0; i < f->value_count; i++) {
    if (f->values[i].raw == v.raw || strcmp(f->values[i].name, v.name) == 0) {
      return fail(p, "field %s: value %s (0x%X) is listed twice", f->name, v.name, v.raw);
    }
  }
  uint32_t as_number;
  /* Read-protection fields name their values by level; so does the status
   * field an rdp field names as `in-force`, checked once the description ends. */
  if (parse_u32(v.name, &as_number) && as_number != v.raw && f->group != SWDF_OPTD_GROUP_RDP &&
      f->group != SWDF_OPTD_GROUP_STATUS) {
    return fail(p, "field %s: value name '%s' reads as a different number", f->name, v.name);
  }
  for (int i = 4; i < n; i++) {
    if (strcmp(tok[i], "permanent") == 0) {
      v.flags |= SWDF_OPTD_PERMANENT;
    } else if (strcmp(tok[i], "erases") == 0) {
      v.flags |= SWDF_OPTD_ERASES;
    } else {
      return fail(p, "value %s: unknown attribute '%s'", v.name, tok[i]);
    }
  }
  f->values[f->value_count++] = v;
  return true;
}

static bool protects_line(parser *p, swdf_optd_field *f, char **tok, int n) {
  if (n < 2) {
    return fail(p, "usage: protects groups SIZE | sectors | pages END_FIELD ...");
  }
  swdf_optd_protect *pr = &f->protect;
  int first_attr = 2;
  if (strcmp(tok[1], "groups") == 0) {
    pr->kind = SWDF_OPTD_PROTECT_GROUPS;
    if (n < 3 || !number(p, tok[2], &pr->group_size, "the group SIZE")) {
      return n < 3 ? fail(p, "protects groups needs a SIZE") : false;
    }
    if (pr->group_size == 0) {
      return fail(p, "protects groups: SIZE must not be 0");
    }
    first_attr = 3;
  } else if (strcmp(tok[1], "sectors") == 0) {
    pr->kind = SWDF_OPTD_PROTECT_SECTORS;
  } else if (strcmp(tok[1], "pages") == 0) {
    pr->kind = SWDF_OPTD_PROTECT_PAGES;
    if (n < 3) {
      return fail(p, "protects pages needs the END_FIELD holding the last page");
    }
    if (!copy_name(p, p->pending->end_field[p->field], SWDF_OPTD_NAME_MAX, tok[2],
                   "end field")) {
      return false;
    }
    first_attr = 3;
  } else {
    return fail(p, "protects: unknown kind '%s' (groups, sectors, pages)", tok[1]);
  }
  for (int i = first_attr; i < n; i++) {
    const char *v;
    uint32_t num;
    if (strcmp(tok[i], "active-low") == 0) {
      pr->active_low = true;
    } else if (strcmp(tok[i], "last-covers-rest") == 0) {
      pr->last_bit_rest = true;
    } else if ((v = keyed(tok[i], "first")) != NULL) {
      if (!number(p, v, &pr->first, "first=N")) {
        return false;
      }
    } else if ((v = keyed(tok[i], "bank")) != NULL) {
      if (!number(p, v, &num, "bank=N")) {
        return false;
      }
      if (num > 1) {
        return fail(p, "bank must be 0 or 1");
      }
      pr->bank = (uint8_t)num;
    } else if ((v = keyed(tok[i], "mode")) != NULL) {
      if (!copy_name(p, p->pending->mode_field[p->field], SWDF_OPTD_NAME_MAX, v, "mode field")) {
        return false;
      }
    } else {
      return fail(p, "protects: unknown attribute '%s'", tok[i]);
    }
  }
  return true;
}

/* Lines that belong to the current field. */
static bool field_attribute(parser *p, char **tok, int n) {
  swdf_optd_field *f = cur_field(p, tok[0]);
  if (f == NULL) {
    return false;
  }
  const char *key = tok[0];
  if (strcmp(key, "value") == 0) {
    return value_line(p, f, tok, n);
  }
  if (strcmp(key, "protects") == 0) {
    return protects_line(p, f, tok, n);
  }
  if (strcmp(key, "any") == 0) {
    if (n != 1) {
      return fail(p, "usage: any");
    }
    f->any_value = true;
    return true;
  }
  if (n != 2) {
    return fail(p, "usage: %s VALUE", key);
  }
  if (strcmp(key, "text") == 0) {
    return copy_name(p, f->text, sizeof(f->text), tok[1], "text");
  }
  if (strcmp(key, "warning") == 0) {
    return copy_name(p, f->warning, sizeof(f->warning), tok[1], "warning");
  }
  if (strcmp(key, "default") == 0) {
    if (!number(p, tok[1], &f->default_raw, "the default")) {
      return false;
    }
    if (f->default_raw > width_mask(f->width)) {
      return fail(p, "field %s: default 0x%X does not fit %u bits", f->name, f->default_raw,
                  f->width);
    }
    f->has_default = true;
    return true;
  }
  if (strcmp(key, "other") == 0) {
    return copy_name(p, p->pending->other[p->field], SWDF_OPTD_VALUE_NAME_MAX, tok[1],
                     "other value");
  }
  if (strcmp(key, "unlock") == 0) {
    return copy_name(p, p->pending->unlock[p->field], SWDF_OPTD_VALUE_NAME_MAX, tok[1],
                     "unlock value");
  }
  if (strcmp(key, "dual-bank") == 0) {
    if (!number(p, tok[1], &p->cur->dual_raw, "the dual-bank value")) {
      return false;
    }
    if (f->width != 1 || p->cur->dual_raw > 1) {
      return fail(p, "field %s: 'dual-bank' needs a one-bit field and the value 0 or 1", f->name);
    }
    p->cur->dual_field = (uint8_t)(p->field + 1);
    return true;
  }
  if (strcmp(key, "in-force") == 0) {
    return copy_name(p, p->pending->in_force[p->field], SWDF_OPTD_NAME_MAX, tok[1],
                     "in-force field");
  }
  return fail(p, "unknown keyword '%s'", key);
}

static bool parse_line(parser *p, char *line) {
  char *tok[MAX_TOKENS];
  int n = tokenize(line, tok, MAX_TOKENS);
  if (n < 0) {
    return fail(p, "unterminated quote");
  }
  if (n > MAX_TOKENS) {
    return fail(p, "too many words on one line");
  }
  if (n == 0) {
    return true;
  }
  if (strcmp(tok[0], "options") == 0) {
    return start_description(p, tok, n);
  }
  if (p->cur == NULL) {
    return fail(p, "'%s' before the first 'options NAME' line", tok[0]);
  }
  if (strcmp(tok[0], "based-on") == 0) {
    return based_on(p, tok, n);
  }
  if (strcmp(tok[0], "driver") == 0) {
    return n == 2 ? copy_name(p, p->cur->driver, sizeof(p->cur->driver), tok[1], "driver")
                  : fail(p, "usage: driver NAME");
  }
  if (strcmp(tok[0], "swap") == 0) {
    if (n != 3) {
      return fail(p, "usage: swap FIELD RAW");
    }
    p->pending->swap_line = p->line;
    return copy_name(p, p->pending->swap, SWDF_OPTD_NAME_MAX, tok[1], "swap field") &&
           number(p, tok[2], &p->cur->swap_raw, "the swap value");
  }
  if (strcmp(tok[0], "source") == 0) {
    return n == 2 ? copy_name(p, p->cur->source, sizeof(p->cur->source), tok[1], "source")
                  : fail(p, "usage: source \"TEXT\"");
  }
  if (strcmp(tok[0], "dev-ids") == 0) {
    return dev_ids(p, tok, n);
  }
  if (strcmp(tok[0], "word") == 0) {
    p->field = -1;
    return word_line(p, tok, n);
  }
  if (strcmp(tok[0], "field") == 0) {
    return field_line(p, tok, n);
  }
  return field_attribute(p, tok, n);
}

bool swdf__optd_parse(swdf_optd_set *set, const char *text, const char *file_name, char *err,
                      size_t err_len) {
  pending_names *pending = calloc(1, sizeof(*pending));
  if (pending == NULL) {
    snprintf(err, err_len, "%s: out of memory", file_name);
    return false;
  }
  parser p = {set, file_name, 0, err, err_len, NULL, 0, -1, set->count, pending};
  bool ok = true;
  const char *s = text;
  while (ok && *s != '\0') {
    p.line++;
    const char *nl = strchr(s, '\n');
    size_t len = nl != NULL ? (size_t)(nl - s) : strlen(s);
    char line[LINE_MAX_LEN];
    if (len >= sizeof(line)) {
      ok = fail(&p, "line longer than %d characters", LINE_MAX_LEN - 1);
      break;
    }
    memcpy(line, s, len);
    line[len] = '\0';
    ok = parse_line(&p, line);
    s += len + (nl != NULL ? 1 : 0);
  }
  if (ok) {
    ok = finish_description(&p);
  }
  if (!ok && p.cur != NULL) {
    set->count--; /* drop the incomplete description */
  }
  free(pending);
  return ok;
}

void swdf__optd_set_free(swdf_optd_set *set) {
  free(set->items);
  set->items = NULL;
  set->count = set->capacity = 0;
}

const swdf_optd *swdf__optd_find(const swdf_optd_set *set, const char *driver, uint16_t dev_id) {
  const swdf_optd *generic = NULL;
  for (size_t i = 0; i < set->count; i++) {
    const swdf_optd *d = &set->items[i];
    if (strcmp(d->driver, driver) != 0) {
      continue;
    }
    if (d->dev_id_count == 0) {
      if (generic == NULL) {
        generic = d;
      }
      continue;
    }
    for (size_t k = 0; k < d->dev_id_count; k++) {
      if (d->dev_ids[k] == dev_id) {
        return d;
      }
    }
  }
  return generic;
}
