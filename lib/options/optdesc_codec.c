/*
 * The generic decoder and encoder over option-byte descriptions: field
 * values from raw words and back, names users type, validation, the
 * read-protection level and write-protected address ranges. Family code
 * never looks inside a field; it only moves raw words.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "optdesc.h"

static uint32_t width_mask(unsigned width) {
  return width >= 32 ? UINT32_MAX : (1u << width) - 1u;
}

uint32_t swdf__optd_get(const swdf_optd *d, const uint32_t *words, size_t f) {
  const swdf_optd_field *field = &d->fields[f];
  return (words[field->word] >> field->shift) & width_mask(field->width);
}

void swdf__optd_put(const swdf_optd *d, uint32_t *words, size_t f, uint32_t raw) {
  const swdf_optd_field *field = &d->fields[f];
  uint32_t mask = width_mask(field->width) << field->shift;
  uint32_t w = (words[field->word] & ~mask) | ((raw << field->shift) & mask);
  if (d->words[field->word].complement) {
    w = (w & 0xFFu) | ((~w & 0xFFu) << 8);
  }
  words[field->word] = w;
}

bool swdf__optd_word_consistent(const swdf_optd *d, const uint32_t *words, size_t w) {
  if (!d->words[w].complement) {
    return true;
  }
  return ((words[w] >> 8) & 0xFFu) == (~words[w] & 0xFFu);
}

const swdf_optd_value *swdf__optd_value_of(const swdf_optd_field *field, uint32_t raw) {
  for (size_t i = 0; i < field->value_count; i++) {
    if (field->values[i].raw == raw) {
      return &field->values[i];
    }
  }
  return field->other >= 0 ? &field->values[field->other] : NULL;
}

const swdf_optd_value *swdf__optd_value_named(const swdf_optd_field *field, const char *name) {
  for (size_t i = 0; i < field->value_count; i++) {
    if (strcasecmp(field->values[i].name, name) == 0) {
      return &field->values[i];
    }
  }
  return NULL;
}

static bool parse_number(const char *s, uint32_t *out) {
  if (s == NULL || *s == '\0' || *s == '-' || *s == '+' || *s == ' ') {
    return false;
  }
  char *end = NULL;
  unsigned long long v;
  errno = 0;
  if (s[0] == '0' && (s[1] == 'b' || s[1] == 'B')) {
    if (s[2] == '\0') {
      return false;
    }
    v = strtoull(s + 2, &end, 2);
  } else {
    v = strtoull(s, &end, 0);
  }
  if (errno != 0 || end == s || *end != '\0' || v > UINT32_MAX) {
    return false;
  }
  *out = (uint32_t)v;
  return true;
}

static void format_number(char *out, size_t out_len, const swdf_optd_field *field, uint32_t raw) {
  if (field->width <= 3) {
    snprintf(out, out_len, "%u", raw);
  } else {
    snprintf(out, out_len, "0x%0*X", (int)((field->width + 3) / 4), raw);
  }
}

void swdf__optd_value_name(char *out, size_t out_len, const swdf_optd_field *field, uint32_t raw) {
  const swdf_optd_value *v = swdf__optd_value_of(field, raw);
  if (v != NULL) {
    snprintf(out, out_len, "%s", v->name);
  } else {
    format_number(out, out_len, field, raw);
  }
}

/* "software, hardware" (and the numeric range for fields that take any). */
static void allowed_values(char *out, size_t out_len, const swdf_optd_field *field) {
  size_t pos = 0;
  out[0] = '\0';
  for (size_t i = 0; i < field->value_count && pos < out_len; i++) {
    int n = snprintf(out + pos, out_len - pos, "%s%s", i > 0 ? ", " : "", field->values[i].name);
    pos += n > 0 ? (size_t)n : 0;
  }
  if (field->any_value && pos < out_len) {
    char max[16];
    format_number(max, sizeof(max), field, width_mask(field->width));
    snprintf(out + pos, out_len - pos, "%sa number from 0 to %s", pos > 0 ? ", or " : "", max);
  }
}

bool swdf__optd_parse_value(const swdf_optd_field *field, const char *text, uint32_t *raw,
                            char *err, size_t err_len) {
  const swdf_optd_value *v = swdf__optd_value_named(field, text);
  if (v != NULL) {
    *raw = v->raw;
    return true;
  }
  uint32_t n;
  if (parse_number(text, &n)) {
    /* A number of a listed value is that value; the other numbers only for
     * fields that take any value, so RDP never gets an unlisted code. */
    for (size_t i = 0; i < field->value_count; i++) {
      if (field->values[i].raw == n && field->group != SWDF_OPTD_GROUP_RDP) {
        *raw = n;
        return true;
      }
    }
    if (field->any_value && n <= width_mask(field->width)) {
      *raw = n;
      return true;
    }
  }
  char allowed[400];
  allowed_values(allowed, sizeof(allowed), field);
  snprintf(err, err_len, "'%s' is not a valid value for %s; allowed: %s", text, field->name,
           allowed);
  return false;
}

int swdf__optd_rdp_field(const swdf_optd *d) {
  for (size_t i = 0; i < d->field_count; i++) {
    if (d->fields[i].group == SWDF_OPTD_GROUP_RDP) {
      return (int)i;
    }
  }
  return -1;
}

int swdf__optd_rdp_now_field(const swdf_optd *d) {
  int f = swdf__optd_rdp_field(d);
  return f >= 0 && d->fields[f].in_force != 0 ? d->fields[f].in_force - 1 : f;
}

int swdf__optd_rdp_level(const swdf_optd *d, const uint32_t *words) {
  int f = swdf__optd_rdp_field(d);
  if (f < 0) {
    return -1;
  }
  const swdf_optd_value *v = swdf__optd_value_of(&d->fields[f], swdf__optd_get(d, words, f));
  if (v == NULL || v->name[0] < '0' || v->name[0] > '2' || v->name[1] != '\0') {
    return -1;
  }
  return v->name[0] - '0';
}

/* ---- write protection as addresses --------------------------------------- */

typedef struct range_list {
  swdf_optd_range *items;
  size_t count;
  size_t capacity;
  bool failed;
} range_list;

static void add_range(range_list *l, const swdf_optd_flash *flash, uint32_t addr, uint64_t size,
                      swdf_optd_range_kind kind, size_t field) {
  uint64_t lo = addr;
  uint64_t hi = (uint64_t)addr + size;
  uint64_t flash_end = (uint64_t)flash->base + flash->size;
  if (lo < flash->base) {
    lo = flash->base;
  }
  if (hi > flash_end) {
    hi = flash_end;
  }
  if (lo >= hi || l->failed) {
    return;
  }
  if (l->count == l->capacity) {
    size_t cap = l->capacity == 0 ? 16 : l->capacity * 2;
    swdf_optd_range *items = realloc(l->items, cap * sizeof(*items));
    if (items == NULL) {
      l->failed = true;
      return;
    }
    l->items = items;
    l->capacity = cap;
  }
  l->items[l->count++] =
      (swdf_optd_range){(uint32_t)lo, (uint32_t)(hi - lo), kind, (uint8_t)field};
}

static bool bit_protects(uint32_t raw, unsigned bit, bool active_low) {
  bool set = ((raw >> bit) & 1u) != 0;
  return active_low ? !set : set;
}

/* `protects pages bank=N` names a physical bank; with the banks swapped in
 * the address map (G0B1 FLASH_OPTR.nSWAP_BANK=0, RM0444 section 3.7.8; the
 * FLASH_WRP2xR registers, sections 3.7.20-3.7.21) physical bank 2 is the one at the
 * flash base, so its zones are placed there. A part with one bank in the
 * map has nothing to swap. */
static unsigned physical_to_mapped_bank(const swdf_optd *d, const uint32_t *words,
                                        const swdf_optd_flash *flash, unsigned bank) {
  uint32_t addr, page;
  bool swapped = d->swap_field != 0 &&
                 swdf__optd_get(d, words, (size_t)d->swap_field - 1) == d->swap_raw &&
                 flash->bank(flash->user, 1, &addr, &page);
  return swapped ? bank ^ 1u : bank;
}

static void field_ranges(range_list *l, const swdf_optd *d, const uint32_t *words, size_t f,
                         const swdf_optd_flash *flash) {
  const swdf_optd_field *field = &d->fields[f];
  const swdf_optd_protect *pr = &field->protect;
  uint32_t raw = swdf__optd_get(d, words, f);
  swdf_optd_range_kind kind = SWDF_OPTD_RANGE_WRITE;
  bool active_low = pr->active_low;
  if (pr->mode_field >= 0 && swdf__optd_get(d, words, (size_t)pr->mode_field) == 1) {
    kind = SWDF_OPTD_RANGE_PCROP;
    active_low = !active_low;
  }
  switch (pr->kind) {
  case SWDF_OPTD_PROTECT_GROUPS:
    for (unsigned i = 0; i < field->width; i++) {
      if (!bit_protects(raw, i, active_low)) {
        continue;
      }
      uint64_t start = (uint64_t)flash->base + (uint64_t)(pr->first + i) * pr->group_size;
      uint64_t size = pr->group_size;
      if (pr->last_bit_rest && i + 1 == field->width) {
        size = UINT32_MAX; /* to the end; clipped */
      }
      if (start < (uint64_t)flash->base + flash->size) {
        add_range(l, flash, (uint32_t)start, size, kind, f);
      }
    }
    break;
  case SWDF_OPTD_PROTECT_SECTORS:
    for (unsigned i = 0; i < field->width; i++) {
      uint32_t addr, size;
      if (bit_protects(raw, i, active_low) && flash->unit != NULL &&
          flash->unit(flash->user, pr->first + i, &addr, &size)) {
        add_range(l, flash, addr, size, kind, f);
      }
    }
    break;
  case SWDF_OPTD_PROTECT_PAGES: {
    uint32_t last = swdf__optd_get(d, words, (size_t)pr->end_field);
    uint32_t bank_addr, page;
    if (raw <= last && flash->bank != NULL &&
        flash->bank(flash->user, physical_to_mapped_bank(d, words, flash, pr->bank), &bank_addr,
                    &page)) {
      add_range(l, flash, bank_addr + raw * page, (uint64_t)(last - raw + 1) * page, kind, f);
    }
    break;
  }
  case SWDF_OPTD_PROTECT_NONE:
    break;
  }
}

static int compare_ranges(const void *a, const void *b) {
  const swdf_optd_range *ra = a, *rb = b;
  return ra->addr < rb->addr ? -1 : ra->addr > rb->addr ? 1 : 0;
}

size_t swdf__optd_protected_ranges(swdf_optd_range *out, size_t max, const swdf_optd *d,
                                   const uint32_t *words, const swdf_optd_flash *flash) {
  range_list l = {0};
  for (size_t f = 0; f < d->field_count; f++) {
    if (d->fields[f].protect.kind != SWDF_OPTD_PROTECT_NONE) {
      field_ranges(&l, d, words, f, flash);
    }
  }
  if (l.count > 1) {
    qsort(l.items, l.count, sizeof(*l.items), compare_ranges);
  }
  size_t merged = 0;
  for (size_t i = 0; i < l.count; i++) {
    swdf_optd_range *prev = merged > 0 ? &l.items[merged - 1] : NULL;
    const swdf_optd_range *r = &l.items[i];
    if (prev != NULL && prev->field == r->field && prev->kind == r->kind &&
        (uint64_t)prev->addr + prev->size == r->addr) {
      prev->size += r->size;
    } else {
      l.items[merged++] = *r;
    }
  }
  for (size_t i = 0; i < merged && i < max; i++) {
    out[i] = l.items[i];
  }
  free(l.items);
  return merged;
}
