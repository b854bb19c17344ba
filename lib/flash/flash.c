/* The flash engine's public API: plan, execute, verify, erase. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deadline.h"
#include "flash/loaders/loader_crc.h"
#include "flash_internal.h"
#include "plan.h"
#include "protect.h"

struct swdf_flash_plan {
  swdf_target *target;
  swdf_ctx *ctx;
  swdf__flash_session *session;
  swdf__plan_core core;
  swdf_write_opts opts;
  swdf_write_stats stats;
  bool executed;
  bool chip_erase; /* one erase of the whole chip instead of the units' (planner's choice) */
  swdf__protection prot;
  /* Why the plan may not be executed (SWDF_OK: it may), with the message. */
  swdf_err refusal;
  char refusal_msg[SWDF_MSG_MAX];
  char refusal_hint[SWDF_MSG_MAX];
};

/* Fixed costs of a job beyond the flash work: starting the loader, the
 * register saves and restores. An estimate for plans. */
enum { JOB_OVERHEAD_US = 30000, MASS_ERASE_MARGIN_US = 500000 };

const char *swdf_verify_mode_name(swdf_verify_mode mode) {
  static const char *const names[] = {"crc", "readback", "none"};
  return (unsigned)mode < SWDF_ARRAY_LEN(names) ? names[mode] : "unknown";
}

const char *swdf_unit_action_name(swdf_unit_action action) {
  static const char *const names[] = {"unchanged", "program", "erase"};
  return (unsigned)action < SWDF_ARRAY_LEN(names) ? names[action] : "unknown";
}

static swdf_err copy_opts(swdf_write_opts *out, swdf_ctx *ctx, const swdf_write_opts *in) {
  swdf_write_opts defaults = SWDF_WRITE_OPTS_INIT;
  *out = defaults;
  if (in == NULL) {
    return SWDF_OK;
  }
  if (in->size < sizeof(size_t) || in->size > sizeof(*in)) {
    return swdf__fail(ctx, SWDF_ERR_INVALID_ARG, NULL, "write options: bad size field");
  }
  memcpy(out, in, in->size);
  out->size = sizeof(*out);
  if ((unsigned)out->verify > SWDF_VERIFY_NONE || (unsigned)out->method > SWDF_FLASH_REGISTERS) {
    return swdf__fail(ctx, SWDF_ERR_INVALID_ARG, NULL,
                      "write options: unknown verify mode or "
                      "method");
  }
  return SWDF_OK;
}

static uint32_t crc_step(const void *user, const uint8_t *data, size_t len, uint32_t crc) {
  const swdf__flash_session *s = user;
  return swdf_crc32_run(s->crc_tables, crc, data, len);
}

/* Run one kind of check over a plan-made entry list. */
static swdf_err run_checks(swdf__flash_session *s, uint32_t op, const swdf_loader_check *checks,
                           size_t count, uint32_t *results, size_t result_count) {
  uint64_t bytes = 0;
  for (size_t i = 0; i < count; i++) {
    bytes += checks[i].len;
  }
  swdf_err err = s->backend->check(s, op, checks, count, results, result_count);
  if (err == SWDF_OK) {
    err = swdf__progress(s->ctx, SWDF_PHASE_CHECK, bytes, bytes);
  }
  return err;
}

static uint64_t unit_erase_us(const void *user, uint32_t size) {
  return swdf__erase_time_us(&((const swdf__flash_session *)user)->ctl, size, false);
}

static uint64_t unit_program_us(const void *user, uint32_t bytes) {
  return swdf__program_time_us(user, bytes, false);
}

static swdf__erase_costs erase_costs(const swdf__flash_session *s) {
  return (swdf__erase_costs){.unit_us = unit_erase_us,
                             .program_us = unit_program_us,
                             .bank_mass_us = s->ctl.mass_erase_typ_us,
                             .user = s};
}

/* Blank checks, then CRCs where the image's part is not blank. */
static swdf_err check_units(swdf_flash_plan *plan) {
  swdf__plan_core *p = &plan->core;
  swdf__flash_session *s = plan->session;
  size_t units = p->unit_count;
  swdf_loader_check *checks =
      malloc((swdf__plan_blank_check_count(p) + p->piece_count + 1) * sizeof(*checks));
  uint32_t *results = malloc((2 * units + 1) * sizeof(*results));
  uint32_t *host_crcs = malloc((units + 1) * sizeof(*host_crcs));
  swdf_err err = SWDF_OK;
  if (checks == NULL || results == NULL || host_crcs == NULL) {
    err = swdf__fail(plan->ctx, SWDF_ERR_NO_MEMORY, NULL, "out of memory");
  }
  if (err == SWDF_OK) {
    size_t n = swdf__plan_blank_checks(p, checks);
    err = run_checks(s, SWDF_LOADER_OP_BLANK, checks, n, results, 2 * units);
  }
  if (err == SWDF_OK) {
    swdf__plan_set_blank_results(p, results);
    size_t n = swdf__plan_crc_checks(p, checks);
    if (n > 0 && plan->opts.skip_unchanged) {
      err = run_checks(s, SWDF_LOADER_OP_CRC, checks, n, results, units);
      if (err == SWDF_OK) {
        swdf__plan_set_crc_results(p, results);
      }
    }
  }
  if (err == SWDF_OK) {
    for (size_t u = 0; u < units; u++) {
      host_crcs[u] = swdf__plan_image_crc(p, u, crc_step, s);
    }
    swdf__plan_decide(p, host_crcs, plan->opts.skip_unchanged != 0, false);
    swdf__erase_costs costs = erase_costs(s);
    plan->chip_erase = swdf__plan_prefer_chip_erase(p, s->layout, &costs) &&
                       !swdf__protection_any(&plan->prot);
    if (plan->chip_erase) {
      swdf__plan_erase_all(p);
      swdf__log(plan->ctx, SWDF_LOG_INFO, "the image covers the whole flash: one mass erase");
    }
  }
  free(checks);
  free(results);
  free(host_crcs);
  return err;
}

/* Read what must survive the erase of partly covered units, and build the
 * contents of every unit to write. */
static swdf_err fill_units(swdf_flash_plan *plan) {
  swdf__plan_core *p = &plan->core;
  for (size_t u = 0; u < p->unit_count; u++) {
    uint32_t addr = 0, len = 0;
    swdf__plan_kept_span(p, u, &addr, &len);
    uint8_t *kept = NULL;
    swdf_err err = SWDF_OK;
    if (len > 0) {
      kept = malloc(len);
      err = kept == NULL ? swdf__fail(plan->ctx, SWDF_ERR_NO_MEMORY, NULL, "out of memory")
                         : swdf__mem_read(kept, plan->target, addr, len);
      if (err != SWDF_OK && err != SWDF_ERR_NO_MEMORY) {
        err = swdf__mem_read(kept, plan->target, addr, len); /* once more after a link error */
      }
      if (err != SWDF_OK) {
        swdf__prefix_error(plan->ctx, "reading the bytes to keep at 0x%08x", (unsigned)addr);
      }
    }
    if (err == SWDF_OK) {
      err = swdf__plan_fill(p, plan->ctx, u, addr, kept, len);
    }
    free(kept);
    if (err != SWDF_OK) {
      return err;
    }
  }
  return SWDF_OK;
}

static uint64_t estimate_us(const swdf_flash_plan *plan) {
  const swdf__plan_core *p = &plan->core;
  const swdf__flash_session *s = plan->session;
  uint64_t flash = 0, check = 0;
  bool chip_erase = plan->opts.mass_erase || plan->chip_erase;
  if (chip_erase) {
    swdf__erase_costs costs = erase_costs(s);
    flash += swdf__plan_chip_erase_us(s->layout, &costs);
  }
  if (!plan->opts.mass_erase) {
    check += swdf__check_time_us(s, SWDF_LOADER_OP_BLANK, plan->stats.image_bytes, false) +
             swdf__check_time_us(s, SWDF_LOADER_OP_CRC, plan->stats.image_bytes, false);
  }
  uint64_t verify = 0;
  for (size_t u = 0; u < p->unit_count; u++) {
    const swdf_plan_unit *unit = &p->units[u].pub;
    if (unit->action == SWDF_UNIT_ERASE && !chip_erase) {
      flash += swdf__erase_time_us(&s->ctl, unit->size, false);
    }
    flash += swdf__program_time_us(s, unit->program_bytes, false);
    if (unit->action != SWDF_UNIT_UNCHANGED && plan->opts.verify != SWDF_VERIFY_NONE) {
      verify += swdf__check_time_us(s, SWDF_LOADER_OP_CRC, unit->program_bytes, false);
    }
  }
  /* The loader overlaps the wire with the flash: the slower of the two counts. */
  uint64_t wire = swdf__wire_time_us(s, plan->stats.program_bytes) +
                  swdf__wire_time_us(s, plan->stats.kept_bytes);
  if (plan->opts.verify == SWDF_VERIFY_READBACK) {
    verify = swdf__wire_time_us(s, plan->stats.program_bytes);
  }
  return JOB_OVERHEAD_US + check + (flash > wire ? flash : wire) + verify;
}

/*
 * Mark the protected units, and refuse the plan when it would erase or
 * program one; erasing the whole flash first, when any unit of the flash
 * is protected. Returns the number of protected units in the way.
 */
static uint32_t check_protection(swdf_flash_plan *plan) {
  swdf__plan_core *p = &plan->core;
  const swdf_flash_layout *layout = plan->session->layout;
  bool whole = plan->opts.mass_erase || plan->chip_erase;
  uint32_t blocked = 0, first = 0, end = 0;
  for (size_t u = 0; u < p->unit_count; u++) {
    swdf_plan_unit *unit = &p->units[u].pub;
    unit->write_protected = swdf__protection_hits(&plan->prot, unit->addr, unit->size);
    if (unit->write_protected && (whole || unit->action != SWDF_UNIT_UNCHANGED)) {
      first = blocked == 0 ? unit->addr : first;
      end = unit->addr + unit->size;
      blocked++;
    }
  }
  if (whole && swdf__protection_any(&plan->prot)) {
    blocked = (uint32_t)swdf__protection_units(&plan->prot, layout, layout->base, layout->size);
    first = layout->base;
    end = layout->base + layout->size;
  }
  if (blocked > 0) {
    plan->refusal = swdf__protection_refuse(plan->ctx, &plan->prot, layout, first, end - first,
                                            whole ? "the write (it erases the whole flash first)"
                                                  : "the write");
    snprintf(plan->refusal_msg, sizeof(plan->refusal_msg), "%s", swdf_ctx_errmsg(plan->ctx));
    snprintf(plan->refusal_hint, sizeof(plan->refusal_hint), "%s", swdf_ctx_hint(plan->ctx));
    swdf__clear_error(plan->ctx);
  }
  return blocked;
}

static void total_stats(swdf_flash_plan *plan, uint32_t units_protected) {
  const swdf__plan_core *p = &plan->core;
  swdf_write_stats *st = &plan->stats;
  *st = (swdf_write_stats){.size = sizeof(*st)};
  st->mass_erase = plan->opts.mass_erase != 0 || plan->chip_erase;
  st->verify = plan->opts.verify;
  st->units = (uint32_t)p->unit_count;
  st->units_protected = units_protected;
  for (size_t u = 0; u < p->unit_count; u++) {
    const swdf_plan_unit *unit = &p->units[u].pub;
    st->image_bytes += unit->image_bytes;
    st->program_bytes += unit->program_bytes;
    st->kept_bytes += unit->kept_bytes;
    st->units_programmed += unit->program_bytes > 0;
    st->units_unchanged += unit->action == SWDF_UNIT_UNCHANGED;
    st->units_blank += unit->action == SWDF_UNIT_PROGRAM;
    if (unit->action == SWDF_UNIT_ERASE) {
      st->units_erased++;
      st->erase_bytes += unit->size;
    }
  }
  if (st->mass_erase) {
    st->erase_bytes = plan->session->layout->size;
  }
  if (plan->session != NULL) {
    snprintf(st->method, sizeof(st->method), "%s", plan->session->backend->name);
    st->program_width = plan->session->ctl.unit;
    st->estimated_us = estimate_us(plan);
  }
}

void swdf_flash_plan_free(swdf_flash_plan *plan) {
  if (plan == NULL) {
    return;
  }
  if (plan->session != NULL) {
    swdf__session_close(plan->session, false, false);
  }
  swdf__plan_free(&plan->core);
  free(plan);
}

static swdf_err fail_plan(swdf_flash_plan *plan, swdf_err err) {
  if (plan->session != NULL) {
    swdf__session_close(plan->session, true, false);
    plan->session = NULL;
  }
  swdf__plan_free(&plan->core);
  free(plan);
  return err;
}

swdf_err swdf_flash_plan_new(swdf_flash_plan **out, swdf_target *target, const swdf_image *image,
                             const swdf_write_opts *opts) {
  if (out == NULL || target == NULL) {
    return SWDF_ERR_INVALID_ARG;
  }
  *out = NULL;
  swdf_ctx *ctx = swdf__target_ctx(target);
  swdf__clear_error(ctx);
  if (image == NULL) {
    return swdf__fail(ctx, SWDF_ERR_INVALID_ARG, NULL, "no image given");
  }
  swdf_flash_plan *plan = calloc(1, sizeof(*plan));
  if (plan == NULL) {
    return swdf__fail(ctx, SWDF_ERR_NO_MEMORY, NULL, "out of memory");
  }
  plan->target = target;
  plan->ctx = ctx;
  swdf_err err = copy_opts(&plan->opts, ctx, opts);
  /* The image must fit the flash before anything on the chip is touched. */
  if (err == SWDF_OK) {
    err = swdf__plan_build(&plan->core, ctx, swdf__target_flash_layout(target), image);
  }
  if (err == SWDF_OK) {
    err = swdf__session_open(&plan->session, target, plan->opts.method);
  }
  if (err == SWDF_OK && plan->session->ctl.unit > plan->core.program_unit) {
    plan->core.program_unit = plan->session->ctl.unit; /* the width chosen for this supply */
  }
  if (err == SWDF_OK) {
    err = swdf__protection_read(&plan->prot, target, &plan->session->ctl);
  }
  if (err == SWDF_OK && plan->opts.mass_erase) {
    swdf__plan_decide(&plan->core, NULL, false, true);
  } else if (err == SWDF_OK) {
    err = check_units(plan);
  }
  if (err == SWDF_OK) {
    err = fill_units(plan);
  }
  if (err != SWDF_OK) {
    return fail_plan(plan, err);
  }
  total_stats(plan, check_protection(plan));
  *out = plan;
  return SWDF_OK;
}

size_t swdf_flash_plan_unit_count(const swdf_flash_plan *plan) {
  return plan != NULL ? plan->core.unit_count : 0;
}

const swdf_plan_unit *swdf_flash_plan_unit_at(const swdf_flash_plan *plan, size_t i) {
  if (plan == NULL || i >= plan->core.unit_count) {
    return NULL;
  }
  return &plan->core.units[i].pub;
}

static swdf_err copy_stats(swdf_write_stats *out, const swdf_write_stats *st) {
  if (out == NULL) {
    return SWDF_OK;
  }
  size_t size = out->size >= sizeof(size_t) && out->size <= sizeof(*out) ? out->size : sizeof(*out);
  memcpy(out, st, size);
  out->size = size;
  return SWDF_OK;
}

swdf_err swdf_flash_plan_refusal(const swdf_flash_plan *plan) {
  if (plan == NULL) {
    return SWDF_ERR_INVALID_ARG;
  }
  swdf__clear_error(plan->ctx);
  if (plan->refusal == SWDF_OK) {
    return SWDF_OK;
  }
  const char *hint = plan->refusal_hint[0] != '\0' ? plan->refusal_hint : NULL;
  return swdf__fail(plan->ctx, plan->refusal, hint, "%s", plan->refusal_msg);
}

swdf_err swdf_flash_plan_stats(swdf_write_stats *out, const swdf_flash_plan *plan) {
  if (plan == NULL || out == NULL) {
    return SWDF_ERR_INVALID_ARG;
  }
  return copy_stats(out, &plan->stats);
}

/* ---- execution ----------------------------------------------------------- */

static swdf_err program_run(void *user, const swdf__unit *unit, uint32_t addr, const uint8_t *data,
                            uint32_t len) {
  swdf__flash_session *s = user;
  return s->backend->program(s, unit->pub.bank, addr, data, len);
}

static swdf_err erase_unit(swdf__flash_session *s, const swdf_plan_unit *unit) {
  swdf_flash_sector sector = {
      .index = unit->index, .bank = (uint8_t)unit->bank, .addr = unit->addr, .size = unit->size};
  swdf_flash_sector full;
  if (swdf_flash_layout_sector_at(&full, s->layout, unit->addr)) {
    sector = full;
  }
  swdf__erase_cmd cmd;
  s->family->erase_cmd(&cmd, &s->ctl, &sector);
  return s->backend->erase(s, &cmd, unit->addr, unit->size,
                           swdf__erase_time_us(&s->ctl, unit->size, false),
                           swdf__erase_time_us(&s->ctl, unit->size, true));
}

/* Queue the erase of every unit of [addr, addr + len). */
static swdf_err erase_units_of(swdf__flash_session *s, uint32_t addr, uint32_t len) {
  for (uint64_t at = addr; at < (uint64_t)addr + len;) {
    swdf_flash_sector sector;
    swdf_flash_layout_sector_at(&sector, s->layout, (uint32_t)at);
    swdf_plan_unit unit = {
        .addr = sector.addr, .size = sector.size, .index = sector.index, .bank = sector.bank};
    swdf_err err = erase_unit(s, &unit);
    if (err != SWDF_OK) {
      return err;
    }
    at = (uint64_t)sector.addr + sector.size;
  }
  return SWDF_OK;
}

/* Erase the whole chip: each mass erase command, or its units one by one
 * where the datasheet times say that is quicker. */
static swdf_err mass_erase(swdf__flash_session *s) {
  swdf__erase_cmd cmds[2];
  unsigned n = s->family->mass_erase_cmds(cmds, &s->ctl, s->layout);
  swdf__erase_costs costs = erase_costs(s);
  for (unsigned i = 0; i < n; i++) {
    bool whole = n == 1;
    uint32_t base = whole ? s->layout->base : s->layout->banks[cmds[i].bank].base;
    uint32_t size = whole ? s->layout->size : s->layout->banks[cmds[i].bank].size;
    uint32_t banks = whole ? s->layout->bank_count : 1;
    swdf_err err =
        swdf__plan_mass_erase_pays(s->layout, base, size, banks, &costs)
            ? s->backend->erase(s, &cmds[i], cmds[i].ar, size, s->ctl.mass_erase_typ_us * banks,
                                s->ctl.mass_erase_max_us * banks)
            : erase_units_of(s, base, size);
    if (err != SWDF_OK) {
      return err;
    }
  }
  return SWDF_OK;
}

static swdf_err write_units(swdf_flash_plan *plan) {
  swdf__flash_session *s = plan->session;
  swdf__plan_core *p = &plan->core;
  s->erase_total = plan->stats.erase_bytes;
  s->program_total = plan->stats.program_bytes;
  s->erase_done = s->program_done = 0;
  bool chip_erase = plan->opts.mass_erase || plan->chip_erase;
  swdf_err err = chip_erase ? mass_erase(s) : SWDF_OK;
  for (size_t u = 0; u < p->unit_count && err == SWDF_OK; u++) {
    const swdf_plan_unit *unit = &p->units[u].pub;
    bool group = unit->kept_bytes > 0 && s->backend->group_begin != NULL;
    if (group) {
      s->backend->group_begin(s);
    }
    if (unit->action == SWDF_UNIT_ERASE && !chip_erase) {
      err = erase_unit(s, unit);
    }
    if (err == SWDF_OK) {
      err = swdf__plan_program_runs(p, u, program_run, s);
    }
    if (group) {
      swdf_err ended = s->backend->group_end(s);
      err = err != SWDF_OK ? err : ended;
    }
  }
  if (err == SWDF_OK) {
    err = s->backend->flush(s);
  }
  return err;
}

/* ---- verification ----------------------------------------------------- */

typedef struct verify_list {
  swdf__flash_session *s;
  swdf_loader_check *checks;
  size_t count, cap;
  const uint8_t **expected; /* the bytes each check should find */
  uint32_t *expected_crc;   /* per result index */
  uint32_t results;
} verify_list;

static swdf_err add_verify_range(void *user, const swdf__unit *unit, uint32_t addr,
                                 const uint8_t *data, uint32_t len) {
  (void)unit;
  verify_list *v = user;
  if (v->count == v->cap) {
    size_t cap = v->cap != 0 ? v->cap * 2 : 64;
    swdf_loader_check *c = realloc(v->checks, cap * sizeof(*c));
    if (c != NULL) {
      v->checks = c;
    }
    const uint8_t **e = realloc(v->expected, cap * sizeof(*e));
    if (e != NULL) {
      v->expected = e;
    }
    if (c == NULL || e == NULL) {
      return swdf__fail(v->s->ctx, SWDF_ERR_NO_MEMORY, NULL, "out of memory");
    }
    v->cap = cap;
  }
  v->checks[v->count] = (swdf_loader_check){addr, len, (uint32_t)v->count};
  v->expected[v->count] = data;
  v->count++;
  return SWDF_OK;
}

static void free_verify_list(verify_list *v) {
  free(v->checks);
  free(v->expected);
  free(v->expected_crc);
}

/* Find the first byte of [addr, addr + len) that differs, by reading it. */
static swdf_err report_difference(swdf__flash_session *s, uint32_t addr, const uint8_t *want,
                                  uint32_t len, bool crc) {
  uint8_t *got = malloc(len);
  swdf_err err = got == NULL ? SWDF_ERR_NO_MEMORY : swdf__mem_read(got, s->t, addr, len);
  uint32_t at = len;
  for (uint32_t i = 0; err == SWDF_OK && i < len; i++) {
    if (got[i] != want[i]) {
      at = i;
      break;
    }
  }
  char range[48];
  snprintf(range, sizeof(range), "0x%08x-0x%08x", (unsigned)addr, (unsigned)(addr + len - 1));
  const char *hint = "write the image again; if the same bytes differ, the flash may be worn "
                     "out or protected";
  swdf_err result;
  if (at < len) {
    result = swdf__fail(s->ctx, SWDF_ERR_VERIFY, hint,
                        "verification failed in %s: 0x%08x holds 0x%02x, expected 0x%02x", range,
                        (unsigned)(addr + at), got[at], want[at]);
  } else {
    result =
        swdf__fail(s->ctx, SWDF_ERR_VERIFY, hint, "verification failed in %s: the %s differs%s",
                   range, crc ? "CRC-32 computed on the chip" : "data read back",
                   err == SWDF_OK ? " (a re-read matched: the link or the flash is "
                                    "unreliable)"
                                  : "");
  }
  free(got);
  return result;
}

static swdf_err verify_list_run(verify_list *v, swdf_verify_mode mode) {
  swdf__flash_session *s = v->s;
  uint64_t total = 0, done = 0;
  for (size_t i = 0; i < v->count; i++) {
    total += v->checks[i].len;
  }
  if (mode == SWDF_VERIFY_READBACK) {
    for (size_t i = 0; i < v->count; i++) {
      const swdf_loader_check *c = &v->checks[i];
      uint8_t *got = malloc(c->len);
      swdf_err err = got == NULL ? swdf__fail(s->ctx, SWDF_ERR_NO_MEMORY, NULL, "out of memory")
                                 : swdf__mem_read(got, s->t, c->addr, c->len);
      bool same = err == SWDF_OK && memcmp(got, v->expected[i], c->len) == 0;
      free(got);
      if (err != SWDF_OK) {
        return err;
      }
      if (!same) {
        return report_difference(s, c->addr, v->expected[i], c->len, false);
      }
      done += c->len;
      err = swdf__progress(s->ctx, SWDF_PHASE_VERIFY, done, total);
      if (err != SWDF_OK) {
        return err;
      }
    }
    return SWDF_OK;
  }
  uint32_t *results = malloc((v->count + 1) * sizeof(*results));
  if (results == NULL) {
    return swdf__fail(s->ctx, SWDF_ERR_NO_MEMORY, NULL, "out of memory");
  }
  swdf_err err = s->backend->check(s, SWDF_LOADER_OP_CRC, v->checks, v->count, results, v->count);
  for (size_t i = 0; i < v->count && err == SWDF_OK; i++) {
    const swdf_loader_check *c = &v->checks[i];
    if (results[i] != swdf__crc32(s, v->expected[i], c->len)) {
      err = report_difference(s, c->addr, v->expected[i], c->len, true);
    }
  }
  free(results);
  if (err == SWDF_OK) {
    err = swdf__progress(s->ctx, SWDF_PHASE_VERIFY, total, total);
  }
  return err;
}

static swdf_err verify_written(swdf_flash_plan *plan) {
  verify_list v = {.s = plan->session};
  swdf_err err = SWDF_OK;
  for (size_t u = 0; u < plan->core.unit_count && err == SWDF_OK; u++) {
    err = swdf__plan_verify_ranges(&plan->core, u, add_verify_range, &v);
  }
  if (err == SWDF_OK) {
    err = verify_list_run(&v, plan->opts.verify);
  }
  free_verify_list(&v);
  return err;
}

swdf_err swdf_flash_plan_execute(swdf_write_stats *out, swdf_flash_plan *plan) {
  if (plan == NULL) {
    return SWDF_ERR_INVALID_ARG;
  }
  swdf__clear_error(plan->ctx);
  if (plan->executed || plan->session == NULL) {
    return swdf__fail(plan->ctx, SWDF_ERR_INVALID_ARG, NULL, "this plan was executed already");
  }
  /* A refused plan is never started: nothing has been erased. */
  swdf_err refused = swdf_flash_plan_refusal(plan);
  if (refused != SWDF_OK) {
    copy_stats(out, &plan->stats);
    return refused;
  }
  plan->executed = true;
  swdf_err err = write_units(plan);
  if (err == SWDF_OK && plan->opts.verify != SWDF_VERIFY_NONE) {
    err = verify_written(plan);
    plan->stats.verified = err == SWDF_OK;
  }
  swdf_err closed = swdf__session_close(plan->session, err != SWDF_OK, plan->opts.run_after != 0);
  plan->session = NULL;
  if (err == SWDF_OK) {
    err = closed;
  }
  copy_stats(out, &plan->stats);
  return err;
}

swdf_err swdf_flash_write_image(swdf_write_stats *out, swdf_target *target, const swdf_image *image,
                                const swdf_write_opts *opts) {
  swdf_flash_plan *plan = NULL;
  swdf_err err = swdf_flash_plan_new(&plan, target, image, opts);
  if (err != SWDF_OK) {
    return err;
  }
  err = swdf_flash_plan_execute(out, plan);
  swdf_flash_plan_free(plan);
  return err;
}

/* ---- verify, erase --------------------------------------------------------- */

swdf_err swdf_flash_verify(swdf_target *target, const swdf_image *image, swdf_verify_mode mode) {
  if (target == NULL) {
    return SWDF_ERR_INVALID_ARG;
  }
  swdf_ctx *ctx = swdf__target_ctx(target);
  swdf__clear_error(ctx);
  if (image == NULL || (mode != SWDF_VERIFY_CRC && mode != SWDF_VERIFY_READBACK)) {
    return swdf__fail(ctx, SWDF_ERR_INVALID_ARG, NULL, "verify needs an image and a mode");
  }
  swdf__plan_core core;
  swdf_err err = swdf__plan_build(&core, ctx, swdf__target_flash_layout(target), image);
  if (err != SWDF_OK) {
    swdf__plan_free(&core);
    return err;
  }
  swdf__flash_session *s = NULL;
  err = swdf__session_open(&s, target,
                           mode == SWDF_VERIFY_CRC ? SWDF_FLASH_AUTO : SWDF_FLASH_REGISTERS);
  verify_list v = {.s = s};
  for (size_t i = 0; i < core.piece_count && err == SWDF_OK; i++) {
    err = add_verify_range(&v, NULL, core.pieces[i].addr, core.pieces[i].data, core.pieces[i].len);
  }
  if (err == SWDF_OK) {
    err = verify_list_run(&v, mode);
  }
  free_verify_list(&v);
  swdf_err closed = swdf__session_close(s, err != SWDF_OK, false);
  swdf__plan_free(&core);
  return err != SWDF_OK ? err : closed;
}

/* Check that the units now read blank. */
static swdf_err check_blank(swdf__flash_session *s, uint32_t addr, uint32_t len) {
  swdf_loader_check check = {addr, len, 0};
  uint32_t first = 0;
  swdf_err err = s->backend->check(s, SWDF_LOADER_OP_BLANK, &check, 1, &first, 1);
  if (err == SWDF_OK && first != 0xffffffffu) {
    err = swdf__fail(s->ctx, SWDF_ERR_VERIFY, "erase again; the flash may be protected or worn",
                     "after the erase 0x%08x is not blank", (unsigned)first);
  }
  return err;
}

static swdf_err erase_range_units(swdf__flash_session *s, uint32_t addr, uint32_t len) {
  s->erase_total = len;
  swdf_err err = erase_units_of(s, addr, len);
  return err != SWDF_OK ? err : s->backend->flush(s);
}

static swdf_err check_erase_range(swdf_ctx *ctx, const swdf_flash_layout *layout, uint32_t addr,
                                  uint32_t len) {
  swdf_flash_sector first, last;
  if (len == 0 || !swdf_flash_layout_contains(layout, addr, len) ||
      !swdf_flash_layout_sector_at(&first, layout, addr) ||
      !swdf_flash_layout_sector_at(&last, layout, addr + len - 1)) {
    return swdf__fail(ctx, SWDF_ERR_RANGE, "see 'swdflash info' for the flash layout",
                      "0x%08x-0x%08x is not inside the flash (0x%08x-0x%08x)", (unsigned)addr,
                      (unsigned)(addr + (len > 0 ? len - 1 : 0)), (unsigned)layout->base,
                      (unsigned)(layout->base + layout->size - 1));
  }
  uint64_t last_end = (uint64_t)last.addr + last.size;
  if (first.addr != addr || last_end != (uint64_t)addr + len) {
    char hint[128];
    snprintf(hint, sizeof(hint), "to erase the units it touches, give 0x%08x 0x%x",
             (unsigned)first.addr, (unsigned)(last_end - first.addr));
    return swdf__fail(ctx, SWDF_ERR_RANGE, hint,
                      "0x%08x-0x%08x does not start and end on erase-unit boundaries: erasing it "
                      "would change bytes outside it",
                      (unsigned)addr, (unsigned)(addr + len - 1));
  }
  return SWDF_OK;
}

swdf_err swdf_flash_erase(swdf_target *target, uint32_t addr, uint32_t len) {
  if (target == NULL) {
    return SWDF_ERR_INVALID_ARG;
  }
  swdf_ctx *ctx = swdf__target_ctx(target);
  swdf__clear_error(ctx);
  swdf_err err = check_erase_range(ctx, swdf__target_flash_layout(target), addr, len);
  if (err != SWDF_OK) {
    return err;
  }
  swdf__flash_session *s = NULL;
  err = swdf__session_open(&s, target, SWDF_FLASH_AUTO);
  if (err == SWDF_OK) {
    char job[64];
    snprintf(job, sizeof(job), "erasing 0x%08X-0x%08X", (unsigned)addr,
             (unsigned)(addr + len - 1));
    err = swdf__protection_check(target, &s->ctl, addr, len, job);
  }
  if (err == SWDF_OK) {
    err = erase_range_units(s, addr, len);
  }
  if (err == SWDF_OK) {
    err = check_blank(s, addr, len);
  }
  swdf_err closed = swdf__session_close(s, err != SWDF_OK, false);
  return err != SWDF_OK ? err : closed;
}

/*
 * A mass erase needs no loader: it is started through the flash registers
 * as soon as the controller is unlocked, and runs while the session saves
 * the core, raises the clock and starts the loader for the blank check.
 */
typedef struct early_erase {
  swdf__erase_cmd cmds[2];
  unsigned count;
  bool started;
} early_erase;

static uint32_t ctl_reg(const swdf__flash_session *s, unsigned bank, uint32_t offset) {
  return s->ctl.regs[bank] + offset;
}

static swdf_err start_mass_erase(swdf__flash_session *s, void *user) {
  early_erase *e = user;
  /* Before the first erase command: a protected unit anywhere refuses it. */
  swdf_err refused = swdf__protection_check(s->t, &s->ctl, s->layout->base, s->layout->size,
                                            "the mass erase");
  if (refused != SWDF_OK) {
    return refused;
  }
  swdf__erase_costs costs = erase_costs(s);
  e->count = s->family->mass_erase_cmds(e->cmds, &s->ctl, s->layout);
  if (!swdf__plan_mass_erase_pays(s->layout, s->layout->base, s->layout->size,
                                  s->layout->bank_count, &costs)) {
    return SWDF_OK; /* unit by unit through the backend */
  }
  for (unsigned i = 0; i < e->count; i++) {
    const swdf__erase_cmd *cmd = &e->cmds[i];
    swdf_err err = swdf__write32(s->t, ctl_reg(s, cmd->bank, s->ctl.cr), cmd->cr);
    if (err == SWDF_OK) {
      err = swdf__write32(s->t, ctl_reg(s, cmd->bank, s->ctl.cr), cmd->cr | s->ctl.cr_start);
    }
    if (err != SWDF_OK) {
      swdf__prefix_error(s->ctx, "starting the mass erase");
      return err;
    }
    e->started = true;
  }
  return SWDF_OK;
}

/* Wait for the mass erase, polling in steps of 1/32 of its typical time
 * (the polls fall inside the erase; only the last one's lateness counts),
 * up to the datasheet maximum; then check the status for errors. */
static swdf_err finish_mass_erase(swdf__flash_session *s, const early_erase *e) {
  uint64_t typ_us = (uint64_t)s->ctl.mass_erase_typ_us * s->layout->bank_count;
  uint64_t max_us = (uint64_t)s->ctl.mass_erase_max_us * s->layout->bank_count;
  for (unsigned i = 0; i < e->count; i++) {
    unsigned bank = e->cmds[i].bank;
    uint32_t sr = 0;
    swdf_deadline d;
    swdf__deadline_start(&d, max_us + MASS_ERASE_MARGIN_US);
    uint32_t step_us = (uint32_t)(typ_us / 32);
    swdf_err err;
    while ((err = swdf__read32(&sr, s->t, ctl_reg(s, bank, s->ctl.sr))) == SWDF_OK &&
           (sr & s->ctl.sr_busy) != 0 && !swdf__deadline_passed(&d)) {
      swdf__sleep_us(step_us);
      d.slept_us += step_us;
    }
    if (err == SWDF_OK && (sr & s->ctl.sr_busy) != 0) {
      err = swdf__fail(s->ctx, SWDF_ERR_TIMEOUT, "reset the chip and try again",
                       "the mass erase took longer than %u ms (the datasheet maximum)",
                       (unsigned)(max_us / 1000));
    }
    if (err == SWDF_OK && (sr & s->ctl.sr_errors) != 0) {
      (void)swdf__write32(s->t, ctl_reg(s, bank, s->ctl.sr), s->ctl.sr_clear);
      err = swdf__session_flash_error(s, sr, e->cmds[i].ar, "mass erasing");
    }
    if (err == SWDF_OK) {
      err = swdf__write32(s->t, ctl_reg(s, bank, s->ctl.cr), 0);
    }
    if (err != SWDF_OK) {
      return err;
    }
  }
  return swdf__session_progress(s, SWDF__OP_ERASE, s->layout->size);
}

swdf_err swdf_flash_mass_erase(swdf_target *target) {
  if (target == NULL) {
    return SWDF_ERR_INVALID_ARG;
  }
  swdf_ctx *ctx = swdf__target_ctx(target);
  swdf__clear_error(ctx);
  swdf__flash_session *s = NULL;
  early_erase early = {.count = 0};
  swdf_err err = swdf__session_open_with(&s, target, SWDF_FLASH_AUTO, start_mass_erase, &early);
  if (err == SWDF_OK) {
    s->erase_total = s->layout->size;
    err = early.started ? finish_mass_erase(s, &early) : mass_erase(s);
  }
  if (err == SWDF_OK) {
    err = s->backend->flush(s);
  }
  if (err == SWDF_OK) {
    err = check_blank(s, s->layout->base, s->layout->size);
  }
  swdf_err closed = swdf__session_close(s, err != SWDF_OK, false);
  return err != SWDF_OK ? err : closed;
}
