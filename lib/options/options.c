/*
 * The public option-byte API over the descriptions (optdesc.h) and the
 * family files (families/family.h, opt_write and opt_reload).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adi/target_internal.h"
#include "families/family.h"
#include "options/optdesc.h"

struct swdf_options {
  swdf_ctx *ctx;
  swdf_optd d;
  char driver[16];
  swdf_flash_layout layout;
  uint32_t words[SWDF_OPTD_MAX_WORDS];  /* as read */
  uint32_t staged[SWDF_OPTD_MAX_WORDS]; /* with the changes set so far */
};

const char *swdf_opt_group_name(swdf_opt_group group) {
  return swdf__optd_group_name((swdf_optd_group)group);
}

/* ---- reading ------------------------------------------------------------------- */

static swdf_err read_words(uint32_t *words, swdf_target *t, const swdf_optd *d) {
  for (size_t w = 0; w < d->word_count; w++) {
    swdf_err err;
    if (d->words[w].bits == 16) {
      uint16_t v = 0;
      err = swdf__read16(&v, t, d->words[w].addr);
      words[w] = v;
    } else {
      err = swdf__read32(&words[w], t, d->words[w].addr);
    }
    if (err != SWDF_OK) {
      swdf__prefix_error(swdf__target_ctx(t), "reading option word %s at 0x%08X",
                         d->words[w].name, d->words[w].addr);
      return err;
    }
  }
  return SWDF_OK;
}

static swdf_err find_description(swdf_optd *out, swdf_target *t) {
  swdf_ctx *ctx = swdf__target_ctx(t);
  const swdf_chip *chip = swdf__target_chip(t);
  swdf_optd_set set = {0};
  char err[400];
  if (!swdf__optd_load_builtin(&set, err, sizeof(err))) {
    return swdf__fail(ctx, SWDF_ERR_INTERNAL, NULL, "built-in option descriptions: %s", err);
  }
  const swdf_optd *d = swdf__optd_find(&set, chip->driver, chip->dev_id);
  if (d != NULL) {
    *out = *d;
  }
  swdf__optd_set_free(&set);
  if (d == NULL) {
    return swdf__fail(ctx, SWDF_ERR_UNSUPPORTED,
                      "option bytes are described for the STM32F1, F4, G0 and H7 so far; a "
                      "description is a data file in chipdb/options",
                      "%s: no description of the option bytes of its controller \"%s\"",
                      chip->name, chip->driver);
  }
  return SWDF_OK;
}

/* The chip data's view of one level field: register, bits, raw -> level. */
static void chip_rdp_from(swdf_chip_rdp *out, const swdf_optd *d, int f) {
  const swdf_optd_field *field = &d->fields[f];
  memset(out, 0, sizeof(*out));
  out->reg = d->words[field->word].addr;
  out->shift = field->shift;
  out->width = field->width;
  out->other_level = 1; /* a value no description names: treat as protected */
  for (size_t i = 0; i < field->value_count; i++) {
    const swdf_optd_value *v = &field->values[i];
    bool level = v->name[0] >= '0' && v->name[0] <= '2' && v->name[1] == '\0';
    if (!level) {
      continue;
    }
    if (field->other >= 0 && (size_t)field->other == i) {
      out->other_level = (uint8_t)(v->name[0] - '0');
    }
    if (out->map_count < SWDF_CHIP_MAX_MAP) {
      out->map[out->map_count].from = v->raw;
      out->map[out->map_count++].to = (uint32_t)(v->name[0] - '0');
    }
  }
}

bool swdf__optd_derive_chip_data(swdf_chip *chips, size_t count) {
  swdf_optd_set set = {0};
  char err[400];
  if (!swdf__optd_load_builtin(&set, err, sizeof(err))) {
    return false;
  }
  for (size_t i = 0; i < count; i++) {
    const swdf_optd *d = swdf__optd_find(&set, chips[i].driver, chips[i].dev_id);
    int f = d != NULL ? swdf__optd_rdp_now_field(d) : -1;
    if (f >= 0) {
      chip_rdp_from(&chips[i].rdp, d, f);
    }
    if (d != NULL && d->dual_field != 0 && chips[i].dual_geometry.group_count != 0) {
      const swdf_optd_field *dual = &d->fields[d->dual_field - 1];
      chips[i].dual_bank_reg = d->words[dual->word].addr;
      chips[i].dual_bank_bit = dual->shift;
      chips[i].dual_bank_value = (uint8_t)d->dual_raw;
    }
  }
  swdf__optd_set_free(&set);
  return true;
}

swdf_err swdf_options_read(swdf_options **out, swdf_target *target) {
  if (out == NULL || target == NULL) {
    return SWDF_ERR_INVALID_ARG;
  }
  *out = NULL;
  swdf_ctx *ctx = swdf__target_ctx(target);
  swdf__clear_error(ctx);
  swdf_options *o = calloc(1, sizeof(*o));
  if (o == NULL) {
    return swdf__fail(ctx, SWDF_ERR_NO_MEMORY, NULL, "out of memory reading the option bytes");
  }
  o->ctx = ctx;
  swdf_err err = find_description(&o->d, target);
  if (err == SWDF_OK) {
    err = read_words(o->words, target, &o->d);
  }
  if (err != SWDF_OK) {
    free(o);
    return err;
  }
  snprintf(o->driver, sizeof(o->driver), "%s", swdf__target_chip(target)->driver);
  o->layout = *swdf__target_flash_layout(target);
  memcpy(o->staged, o->words, sizeof(o->staged));
  *out = o;
  return SWDF_OK;
}

void swdf_options_free(swdf_options *opts) { free(opts); }

const char *swdf_options_description(const swdf_options *opts) {
  return opts != NULL ? opts->d.name : "";
}

const char *swdf_options_source(const swdf_options *opts) {
  return opts != NULL ? opts->d.source : "";
}

int swdf_options_writable(const swdf_options *opts) {
  const swdf__family *family = opts != NULL ? swdf__family_by_driver(opts->driver) : NULL;
  return family != NULL && family->opt_write != NULL;
}

size_t swdf_options_field_count(const swdf_options *opts) {
  return opts != NULL ? opts->d.field_count : 0;
}

static void value_text(char *out, size_t len, const swdf_optd_field *f, uint32_t raw) {
  const swdf_optd_value *v = swdf__optd_value_of(f, raw);
  snprintf(out, len, "%s", v != NULL ? v->text : "");
}

static swdf_err field_full(swdf_opt_field *out, const swdf_options *opts, size_t index) {
  if (out == NULL || opts == NULL || index >= opts->d.field_count) {
    return SWDF_ERR_INVALID_ARG;
  }
  const swdf_optd_field *f = &opts->d.fields[index];
  const swdf_optd_word *w = &opts->d.words[f->word];
  memset(out, 0, sizeof(*out));
  out->size = sizeof(*out);
  snprintf(out->name, sizeof(out->name), "%s", f->name);
  out->group = (swdf_opt_group)f->group;
  snprintf(out->text, sizeof(out->text), "%s", f->text);
  snprintf(out->warning, sizeof(out->warning), "%s", f->warning);
  snprintf(out->word, sizeof(out->word), "%s", w->name);
  out->addr = w->addr;
  out->shift = f->shift;
  out->width = f->width;
  out->raw = swdf__optd_get(&opts->d, opts->words, index);
  swdf__optd_value_name(out->value, sizeof(out->value), f, out->raw);
  value_text(out->value_text, sizeof(out->value_text), f, out->raw);
  out->has_default = f->has_default;
  out->default_raw = f->default_raw;
  out->read_only = w->readonly;
  out->any_value = f->any_value;
  out->new_raw = swdf__optd_get(&opts->d, opts->staged, index);
  out->changed = out->new_raw != out->raw;
  swdf__optd_value_name(out->new_value, sizeof(out->new_value), f, out->new_raw);
  value_text(out->new_value_text, sizeof(out->new_value_text), f, out->new_raw);
  return SWDF_OK;
}

swdf_err swdf_options_field(swdf_opt_field *out, const swdf_options *opts, size_t index) {
  swdf_opt_field full;
  swdf_err err = field_full(out != NULL ? &full : NULL, opts, index);
  return err != SWDF_OK ? err
                        : swdf__versioned_out(out, &full, sizeof(full), SWDF__MIN_OPT_FIELD, opts->ctx,
                                              "swdf_opt_field");
}

int swdf_options_find(const swdf_options *opts, const char *name) {
  return opts != NULL && name != NULL ? swdf__optd_field_index(&opts->d, name) : -1;
}

size_t swdf_options_value_count(const swdf_options *opts, size_t field) {
  return opts != NULL && field < opts->d.field_count ? opts->d.fields[field].value_count : 0;
}

static swdf_err value_full(swdf_opt_value *out, const swdf_options *opts, size_t field,
                          size_t index) {
  if (out == NULL || swdf_options_value_count(opts, field) <= index) {
    return SWDF_ERR_INVALID_ARG;
  }
  const swdf_optd_value *v = &opts->d.fields[field].values[index];
  memset(out, 0, sizeof(*out));
  out->size = sizeof(*out);
  out->raw = v->raw;
  snprintf(out->name, sizeof(out->name), "%s", v->name);
  snprintf(out->text, sizeof(out->text), "%s", v->text);
  out->permanent = (v->flags & SWDF_OPTD_PERMANENT) != 0;
  out->erases_flash = (v->flags & SWDF_OPTD_ERASES) != 0;
  return SWDF_OK;
}

swdf_err swdf_options_value(swdf_opt_value *out, const swdf_options *opts, size_t field,
                            size_t index) {
  swdf_opt_value full;
  swdf_err err = value_full(out != NULL ? &full : NULL, opts, field, index);
  return err != SWDF_OK ? err
                        : swdf__versioned_out(out, &full, sizeof(full), SWDF__MIN_OPT_VALUE, opts->ctx,
                                              "swdf_opt_value");
}

size_t swdf_options_word_count(const swdf_options *opts) {
  return opts != NULL ? opts->d.word_count : 0;
}

static swdf_err word_full(swdf_opt_word *out, const swdf_options *opts, size_t index) {
  if (out == NULL || opts == NULL || index >= opts->d.word_count) {
    return SWDF_ERR_INVALID_ARG;
  }
  const swdf_optd_word *w = &opts->d.words[index];
  memset(out, 0, sizeof(*out));
  out->size = sizeof(*out);
  snprintf(out->name, sizeof(out->name), "%s", w->name);
  out->addr = w->addr;
  out->bits = w->bits;
  out->value = opts->words[index];
  out->new_value = opts->staged[index];
  out->read_only = w->readonly;
  out->consistent = swdf__optd_word_consistent(&opts->d, opts->words, index);
  return SWDF_OK;
}

swdf_err swdf_options_word(swdf_opt_word *out, const swdf_options *opts, size_t index) {
  swdf_opt_word full;
  swdf_err err = word_full(out != NULL ? &full : NULL, opts, index);
  return err != SWDF_OK ? err
                        : swdf__versioned_out(out, &full, sizeof(full), SWDF__MIN_OPT_WORD, opts->ctx,
                                              "swdf_opt_word");
}

int swdf_options_rdp_level(const swdf_options *opts) {
  return opts != NULL ? swdf__optd_rdp_level(&opts->d, opts->words) : -1;
}

/* ---- protected ranges ------------------------------------------------------------- */

static bool layout_unit(void *user, uint32_t index, uint32_t *addr, uint32_t *size) {
  const swdf_flash_layout *layout = user;
  swdf_flash_sector s;
  for (uint32_t n = 0; swdf_flash_layout_sector(&s, layout, n); n++) {
    if (s.index == index) {
      *addr = s.addr;
      *size = s.size;
      return true;
    }
  }
  return false;
}

static bool layout_bank(void *user, unsigned bank, uint32_t *addr, uint32_t *page_size) {
  const swdf_flash_layout *layout = user;
  swdf_flash_sector s;
  if (bank >= layout->bank_count ||
      !swdf_flash_layout_sector_at(&s, layout, layout->banks[bank].base)) {
    return false;
  }
  *addr = layout->banks[bank].base;
  *page_size = s.size;
  return true;
}

size_t swdf_options_ranges(swdf_opt_range *out, size_t max, const swdf_options *opts,
                           int staged) {
  if (opts == NULL) {
    return 0;
  }
  swdf_optd_range ranges[64];
  swdf_optd_flash flash = {opts->layout.base, opts->layout.size, layout_unit, layout_bank,
                           (void *)&opts->layout};
  size_t n = swdf__optd_protected_ranges(ranges, SWDF_ARRAY_LEN(ranges), &opts->d,
                                         staged ? opts->staged : opts->words, &flash);
  for (size_t i = 0; i < n && i < max && i < SWDF_ARRAY_LEN(ranges); i++) {
    out[i] = (swdf_opt_range){ranges[i].addr, ranges[i].size,
                              ranges[i].kind == SWDF_OPTD_RANGE_PCROP, ""};
    snprintf(out[i].field, sizeof(out[i].field), "%s", opts->d.fields[ranges[i].field].name);
  }
  return n;
}

/* ---- changes ------------------------------------------------------------------------ */

/* "rdp, wdg_sw, ..." : the fields that can be set. */
static void settable_names(char *out, size_t len, const swdf_optd *d) {
  size_t pos = 0;
  out[0] = '\0';
  for (size_t f = 0; f < d->field_count && pos < len; f++) {
    if (!d->words[d->fields[f].word].readonly) {
      int n = snprintf(out + pos, len - pos, "%s%s", pos > 0 ? ", " : "", d->fields[f].name);
      pos += n > 0 ? (size_t)n : 0;
    }
  }
}

swdf_err swdf_options_set(swdf_options *opts, const char *name, const char *value,
                          unsigned flags) {
  if (opts == NULL) {
    return SWDF_ERR_INVALID_ARG;
  }
  swdf__clear_error(opts->ctx);
  if (name == NULL || value == NULL) {
    return swdf__fail(opts->ctx, SWDF_ERR_INVALID_ARG, NULL, "option name or value missing");
  }
  int f = swdf__optd_field_index(&opts->d, name);
  if (f < 0 || opts->d.words[opts->d.fields[f].word].readonly) {
    char names[600];
    settable_names(names, sizeof(names), &opts->d);
    return swdf__fail(opts->ctx, SWDF_ERR_INVALID_ARG,
                      "'swdflash options' lists every field with its allowed values",
                      f < 0 ? "unknown option '%s'; this chip has: %s"
                            : "'%s' is a status field that cannot be set; settable: %s",
                      name, names);
  }
  const swdf_optd_field *field = &opts->d.fields[f];
  uint32_t raw;
  char why[500];
  if (!swdf__optd_parse_value(field, value, &raw, why, sizeof(why))) {
    return swdf__fail(opts->ctx, SWDF_ERR_INVALID_ARG, NULL, "%s", why);
  }
  const swdf_optd_value *v = swdf__optd_value_of(field, raw);
  if (v != NULL && (v->flags & SWDF_OPTD_PERMANENT) != 0 &&
      (flags & SWDF_OPT_ALLOW_PERMANENT) == 0) {
    return swdf__fail(opts->ctx, SWDF_ERR_PERMANENT,
                      "only with the explicit irreversible flag (the CLI's "
                      "--i-understand-this-is-irreversible)",
                      "refusing %s=%s: %s", name, value, v->text);
  }
  swdf__optd_put(&opts->d, opts->staged, (size_t)f, raw);
  return SWDF_OK;
}

static swdf_err refuse_level2(swdf_ctx *ctx) {
  return swdf__fail(ctx, SWDF_ERR_PERMANENT,
                    "nothing can undo read protection level 2; the chip has to be replaced",
                    "read protection level 2 is set: SWD and the option bytes are locked for "
                    "good, so this chip cannot be recovered");
}

/* Stage the unlocked value of every field that has one (only the write
 * protection fields when `wrp_only`). */
static swdf_err stage_unlocked(swdf_options *opts, bool wrp_only) {
  if (opts == NULL) {
    return SWDF_ERR_INVALID_ARG;
  }
  swdf__clear_error(opts->ctx);
  if (swdf_options_rdp_level(opts) == 2) {
    return refuse_level2(opts->ctx);
  }
  for (size_t f = 0; f < opts->d.field_count; f++) {
    const swdf_optd_field *field = &opts->d.fields[f];
    if (field->has_unlock && (!wrp_only || field->group == SWDF_OPTD_GROUP_WRP)) {
      swdf__optd_put(&opts->d, opts->staged, f, field->unlock_raw);
    }
  }
  return SWDF_OK;
}

swdf_err swdf_options_set_unlocked(swdf_options *opts) {
  return stage_unlocked(opts, false);
}

swdf_err swdf_options_set_unprotected(swdf_options *opts) {
  return stage_unlocked(opts, true);
}

void swdf_options_discard(swdf_options *opts) {
  if (opts != NULL) {
    memcpy(opts->staged, opts->words, sizeof(opts->staged));
  }
}

static bool field_changed(const swdf_options *opts, size_t f) {
  return !opts->d.words[opts->d.fields[f].word].readonly &&
         swdf__optd_get(&opts->d, opts->words, f) != swdf__optd_get(&opts->d, opts->staged, f);
}

size_t swdf_options_change_count(const swdf_options *opts) {
  size_t n = 0;
  for (size_t f = 0; opts != NULL && f < opts->d.field_count; f++) {
    n += field_changed(opts, f);
  }
  return n;
}

int swdf_options_change_erases(const swdf_options *opts) {
  if (opts == NULL) {
    return 0;
  }
  int now = swdf__optd_rdp_level(&opts->d, opts->words);
  int next = swdf__optd_rdp_level(&opts->d, opts->staged);
  return now >= 1 && next == 0;
}

/* ---- writing --------------------------------------------------------------------------- */

static swdf_err check_permanent(const swdf_options *opts, unsigned flags) {
  for (size_t f = 0; f < opts->d.field_count; f++) {
    const swdf_optd_field *field = &opts->d.fields[f];
    const swdf_optd_value *v = swdf__optd_value_of(field, swdf__optd_get(&opts->d, opts->staged, f));
    if (field_changed(opts, f) && v != NULL && (v->flags & SWDF_OPTD_PERMANENT) != 0 &&
        (flags & SWDF_OPT_ALLOW_PERMANENT) == 0) {
      return swdf__fail(opts->ctx, SWDF_ERR_PERMANENT,
                        "pass SWDF_OPT_ALLOW_PERMANENT only if this is really wanted",
                        "refusing to write %s=%s: %s", field->name, v->name, v->text);
    }
  }
  return SWDF_OK;
}

static void log_changes(const swdf_options *opts) {
  for (size_t f = 0; f < opts->d.field_count; f++) {
    if (!field_changed(opts, f)) {
      continue;
    }
    const swdf_optd_field *field = &opts->d.fields[f];
    char from[24], to[24];
    swdf__optd_value_name(from, sizeof(from), field, swdf__optd_get(&opts->d, opts->words, f));
    swdf__optd_value_name(to, sizeof(to), field, swdf__optd_get(&opts->d, opts->staged, f));
    swdf__log(opts->ctx, SWDF_LOG_INFO, "option %s: %s -> %s", field->name, from, to);
  }
}

/* Compare what was written with what the chip reads back, field by field. */
static swdf_err compare(const swdf_options *opts, const uint32_t *read_back) {
  char diff[400] = "";
  size_t pos = 0, bad = 0;
  for (size_t f = 0; f < opts->d.field_count; f++) {
    const swdf_optd_field *field = &opts->d.fields[f];
    if (opts->d.words[field->word].readonly) {
      continue;
    }
    uint32_t want = swdf__optd_get(&opts->d, opts->staged, f);
    uint32_t got = swdf__optd_get(&opts->d, read_back, f);
    if (want != got && pos < sizeof(diff)) {
      int n = snprintf(diff + pos, sizeof(diff) - pos, "%s%s is 0x%X, not 0x%X", bad > 0 ? "; " : "",
                       field->name, got, want);
      pos += n > 0 ? (size_t)n : 0;
      bad++;
    }
  }
  if (bad == 0) {
    return SWDF_OK;
  }
  return swdf__fail(opts->ctx, SWDF_ERR_VERIFY,
                    "run 'swdflash options' to see the state, and try again after a power cycle",
                    "the option bytes read back differ from what was written: %s", diff);
}

swdf_err swdf_options_write(swdf_options *opts, swdf_target *target,
                            const swdf_options_write_opts *wopts) {
  if (opts == NULL || target == NULL) {
    return SWDF_ERR_INVALID_ARG;
  }
  swdf__clear_error(opts->ctx);
  swdf_options_write_opts w = SWDF_OPTIONS_WRITE_OPTS_INIT;
  swdf_err verr = swdf__versioned_in(&w, sizeof(w), wopts, SWDF__MIN_OPTIONS_WRITE_OPTS,
                                     opts->ctx, "swdf_options_write_opts");
  if (verr != SWDF_OK) {
    return verr;
  }
  unsigned flags = w.flags;
  if (swdf_options_change_count(opts) == 0) {
    return SWDF_OK;
  }
  swdf_err err = check_permanent(opts, flags);
  if (err != SWDF_OK) {
    return err;
  }
  if (swdf_options_rdp_level(opts) == 2) {
    return refuse_level2(opts->ctx);
  }
  const swdf__family *family = swdf__family_by_driver(opts->driver);
  if (family == NULL || family->opt_write == NULL) {
    return swdf__fail(opts->ctx, SWDF_ERR_UNSUPPORTED, NULL,
                      "changing the option bytes of \"%s\" chips is not supported yet",
                      opts->driver);
  }
  bool erases = swdf_options_change_erases(opts) != 0;
  bool to_level2 = swdf__optd_rdp_level(&opts->d, opts->staged) == 2;
  log_changes(opts);
  if (erases) {
    swdf__log(opts->ctx, SWDF_LOG_WARN,
              "removing read protection: the chip erases its whole flash first (allowing up to "
              "%.1f s)",
              (double)swdf__opt_deadline_us(target, 0, true) / 1e6);
  }
  err = family->opt_write(target, &opts->d, opts->staged, erases);
  if (err == SWDF_OK && to_level2) {
    /* Level 2 switches SWD off for good at the next reset: nothing can be
     * read back, so the option area itself is the last check. */
    uint32_t now[SWDF_OPTD_MAX_WORDS];
    err = read_words(now, target, &opts->d);
    if (err == SWDF_OK) {
      err = compare(opts, now);
    }
    if (err == SWDF_OK) {
      swdf__log(opts->ctx, SWDF_LOG_WARN,
                "read protection level 2 is programmed; from the next reset SWD is off for good");
      memcpy(opts->words, opts->staged, sizeof(opts->words));
    }
    return err;
  }
  if (err == SWDF_OK && family->opt_reload != NULL) {
    err = family->opt_reload(target);
  }
  uint32_t read_back[SWDF_OPTD_MAX_WORDS];
  if (err == SWDF_OK) {
    err = read_words(read_back, target, &opts->d);
  }
  if (err != SWDF_OK) {
    swdf__prefix_error(opts->ctx, "writing the option bytes");
    return err;
  }
  err = compare(opts, read_back);
  memcpy(opts->words, read_back, sizeof(opts->words));
  memcpy(opts->staged, read_back, sizeof(opts->staged));
  return err;
}

swdf_err swdf_unlock(swdf_options **out, swdf_target *target, const swdf_unlock_opts *opts) {
  if (out == NULL || target == NULL) {
    return SWDF_ERR_INVALID_ARG;
  }
  *out = NULL;
  swdf_unlock_opts u = SWDF_UNLOCK_OPTS_INIT;
  swdf_ctx *ctx = swdf__target_ctx(target);
  swdf__clear_error(ctx);
  swdf_err verr =
      swdf__versioned_in(&u, sizeof(u), opts, SWDF__MIN_UNLOCK_OPTS, ctx, "swdf_unlock_opts");
  if (verr != SWDF_OK) {
    return verr;
  }
  swdf_options *o = NULL;
  swdf_err err = swdf_options_read(&o, target);
  if (err == SWDF_OK) {
    err = swdf_options_set_unlocked(o);
  }
  if (err == SWDF_OK) {
    err = swdf_options_write(o, target, NULL);
  }
  if (err != SWDF_OK) {
    swdf_options_free(o);
    return err;
  }
  *out = o;
  return SWDF_OK;
}
