/* The flash engine's public API: plan, execute, verify, erase. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deadline.h"
#include "flash/loaders/loader_crc.h"
#include "flash_internal.h"
#include "journal.h"
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
  /* The kept-bytes journal (see flash.h): its path when one is kept for
   * this chip, the journal of an interrupted write found there, and which
   * of its units lost their bytes (to be restored by this write). */
  char *journal_path;
  uint32_t uid[3];
  swdf__journal found;
  bool *found_damaged;
  bool journal_saved; /* this job's journal is on disk */
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
  swdf_err err =
      swdf__versioned_in(out, sizeof(*out), in, SWDF__MIN_WRITE_OPTS, ctx, "swdf_write_opts");
  if (err != SWDF_OK) {
    return err;
  }
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

static swdf_err fill_restored_unit(swdf_flash_plan *plan, size_t u);

/* Read what must survive the erase of partly covered units, and build the
 * contents of every unit to write. */
static swdf_err fill_units(swdf_flash_plan *plan) {
  swdf__plan_core *p = &plan->core;
  for (size_t u = 0; u < p->unit_count; u++) {
    if (p->units[u].restored) {
      swdf_err err = fill_restored_unit(plan, u);
      if (err != SWDF_OK) {
        return err;
      }
      continue;
    }
    uint32_t addr = 0, len = 0;
    swdf__plan_kept_span(p, u, &addr, &len);
    uint8_t *kept = NULL;
    swdf_err err = SWDF_OK;
    if (len > 0) {
      kept = malloc(len);
      err = kept == NULL ? swdf__fail(plan->ctx, SWDF_ERR_NO_MEMORY, NULL, "out of memory")
                         : swdf__mem_read(kept, plan->target, addr, len);
      if (err == SWDF_ERR_USB) {
        err = swdf__mem_read(kept, plan->target, addr, len); /* once more: a missed transfer */
      }
      if (err != SWDF_OK) {
        swdf__prefix_error(plan->ctx, "reading the bytes to keep at 0x%08X", (unsigned)addr);
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
    st->units_restored += p->units[u].restored;
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

/* ---- the kept-bytes journal ----------------------------------------------- */

/* Whether each range of `checks` (result i for entry i) holds expected[i],
 * by CRC-32 on the chip. */
static swdf_err ranges_hold(bool *same, swdf__flash_session *s, const swdf_loader_check *checks,
                            size_t n, const uint8_t *const *expected) {
  *same = true;
  if (n == 0) {
    return SWDF_OK;
  }
  uint32_t *results = malloc(n * sizeof(*results));
  if (results == NULL) {
    return swdf__fail(s->ctx, SWDF_ERR_NO_MEMORY, NULL, "out of memory");
  }
  swdf_err err = s->backend->check(s, SWDF_LOADER_OP_CRC, checks, n, results, n);
  for (size_t i = 0; i < n && err == SWDF_OK; i++) {
    if (results[i] != swdf__crc32(s, expected[i], checks[i].len)) {
      *same = false;
    }
  }
  free(results);
  return err;
}

/* Whether a unit of a found journal still holds its kept bytes. */
static swdf_err found_unit_holds(bool *same, swdf__flash_session *s,
                                 const swdf__journal_unit *ju) {
  swdf_loader_check *checks = malloc((ju->range_count + 1) * sizeof(*checks));
  const uint8_t **expected = malloc((ju->range_count + 1) * sizeof(*expected));
  swdf_err err = SWDF_OK;
  if (checks == NULL || expected == NULL) {
    err = swdf__fail(s->ctx, SWDF_ERR_NO_MEMORY, NULL, "out of memory");
  }
  size_t n = 0;
  for (size_t r = 0; err == SWDF_OK && r < ju->range_count; r++) {
    if (ju->ranges[r].len > 0) {
      checks[n] = (swdf_loader_check){ju->ranges[r].addr, ju->ranges[r].len, (uint32_t)n};
      expected[n++] = ju->ranges[r].data;
    }
  }
  if (err == SWDF_OK) {
    err = ranges_hold(same, s, checks, n, expected);
  }
  free(checks);
  free(expected);
  return err;
}

/* Unit u's bytes outside the image (its kept ranges) as checks and the
 * bytes they should hold. `checks` and `expected` need piece_count + 1. */
static size_t unit_outside(const swdf__plan_core *p, size_t u, swdf_loader_check *checks,
                           const uint8_t **expected, size_t first_result) {
  const swdf__unit *unit = &p->units[u];
  size_t n = swdf__plan_outside(p, u, 0, checks);
  for (size_t i = 0; i < n; i++) {
    checks[i].result = (uint32_t)(first_result + i);
    expected[i] = unit->content + (checks[i].addr - unit->pub.addr);
  }
  return n;
}

/* Whether a unit's erase puts bytes outside the image at stake. */
static bool unit_keeps(const swdf__unit *unit) {
  return unit->pub.action == SWDF_UNIT_ERASE && unit->content != NULL &&
         (unit->pub.kept_bytes > 0 || unit->restored) && unit->pub.image_bytes < unit->pub.size;
}

/* Make the plan restore a unit of the found journal: erase it and write its
 * kept bytes back, with the image on top where the image touches it. */
static swdf_err restore_found_unit(swdf_flash_plan *plan, const swdf__journal_unit *ju) {
  swdf__plan_core *p = &plan->core;
  size_t at = 0;
  while (at < p->unit_count && p->units[at].pub.addr < ju->addr) {
    at++;
  }
  if (at == p->unit_count || p->units[at].pub.addr != ju->addr) {
    swdf__unit *units = realloc(p->units, (p->unit_count + 1) * sizeof(*units));
    if (units == NULL) {
      return swdf__fail(plan->ctx, SWDF_ERR_NO_MEMORY, NULL, "out of memory");
    }
    p->units = units;
    memmove(&units[at + 1], &units[at], (p->unit_count - at) * sizeof(*units));
    p->unit_count++;
    units[at] = (swdf__unit){
        .pub = {.addr = ju->addr, .size = ju->size, .index = ju->index, .bank = ju->bank},
        .first_piece = p->piece_count,
        .image_first_not_blank = 0xffffffffu,
        .rest_first_not_blank = ju->addr};
  }
  p->units[at].pub.action = SWDF_UNIT_ERASE;
  p->units[at].restored = true;
  return SWDF_OK;
}

/* The journal kept for this chip: its path, and what an interrupted write
 * left in it. Units that lost their kept bytes join the plan. */
static swdf_err journal_open(swdf_flash_plan *plan) {
  if (plan->opts.journal_dir == NULL || plan->opts.journal_dir[0] == '\0') {
    return SWDF_OK;
  }
  swdf_chip_info info = {.size = sizeof(info)};
  swdf_err err = swdf_target_chip_info(&info, plan->target);
  if (err != SWDF_OK) {
    return err;
  }
  if (!info.has_unique_id) {
    swdf__log(plan->ctx, SWDF_LOG_WARN,
              "%s has no unique ID: no journal of the bytes kept around the image (they are "
              "still written back after a flash error)",
              info.name);
    return SWDF_OK;
  }
  memcpy(plan->uid, info.unique_id, sizeof(plan->uid));
  size_t len = strlen(plan->opts.journal_dir) + 64;
  plan->journal_path = malloc(len);
  if (plan->journal_path == NULL ||
      !swdf__journal_path(plan->journal_path, len, plan->opts.journal_dir, plan->uid)) {
    return swdf__fail(plan->ctx, SWDF_ERR_NO_MEMORY, NULL, "out of memory");
  }
  bool found = false;
  if (plan->opts.mass_erase) {
    return SWDF_OK; /* nothing outside the image is kept: the journal goes on success */
  }
  err = swdf__journal_load(&plan->found, &found, plan->ctx, plan->journal_path);
  if (err != SWDF_OK || !found) {
    return err;
  }
  if (memcmp(plan->found.uid, plan->uid, sizeof(plan->uid)) != 0) {
    swdf__log(plan->ctx, SWDF_LOG_WARN, "ignoring %s: it belongs to another chip",
              plan->journal_path);
    swdf__journal_free(&plan->found);
    return SWDF_OK;
  }
  plan->found_damaged = calloc(plan->found.unit_count + 1, sizeof(bool));
  if (plan->found_damaged == NULL) {
    return swdf__fail(plan->ctx, SWDF_ERR_NO_MEMORY, NULL, "out of memory");
  }
  size_t damaged = 0;
  for (size_t i = 0; i < plan->found.unit_count && err == SWDF_OK; i++) {
    bool same = true;
    err = found_unit_holds(&same, plan->session, &plan->found.units[i]);
    if (err == SWDF_OK && !same) {
      plan->found_damaged[i] = true;
      damaged++;
      err = restore_found_unit(plan, &plan->found.units[i]);
    }
  }
  if (err != SWDF_OK) {
    return err;
  }
  if (damaged > 0) {
    plan->chip_erase = false;
    swdf__log(plan->ctx, SWDF_LOG_WARN,
              "an earlier write on this chip was interrupted: %zu unit(s) lost the bytes kept "
              "around its image; restoring them from the journal %s",
              damaged, plan->journal_path);
  } else {
    swdf__log(plan->ctx, SWDF_LOG_INFO,
              "the journal %s of an interrupted write lists bytes that are all still in place",
              plan->journal_path);
  }
  return SWDF_OK;
}

/* A restored unit's content: 0xFF, the journal's kept bytes, the image on top. */
static swdf_err fill_restored_unit(swdf_flash_plan *plan, size_t u) {
  swdf__plan_core *p = &plan->core;
  swdf__unit *unit = &p->units[u];
  uint8_t *kept = malloc(unit->pub.size);
  if (kept == NULL) {
    return swdf__fail(plan->ctx, SWDF_ERR_NO_MEMORY, NULL, "out of memory");
  }
  memset(kept, 0xff, unit->pub.size);
  for (size_t i = 0; i < plan->found.unit_count; i++) {
    const swdf__journal_unit *ju = &plan->found.units[i];
    if (ju->addr != unit->pub.addr || !plan->found_damaged[i]) {
      continue;
    }
    for (size_t r = 0; r < ju->range_count; r++) {
      memcpy(kept + (ju->ranges[r].addr - unit->pub.addr), ju->ranges[r].data, ju->ranges[r].len);
    }
  }
  swdf_err err = swdf__plan_fill(p, plan->ctx, u, unit->pub.addr, kept, unit->pub.size);
  free(kept);
  return err;
}

/* Save what this job puts at stake, before its first erase. */
static swdf_err journal_save(swdf_flash_plan *plan) {
  if (plan->journal_path == NULL) {
    return SWDF_OK;
  }
  const swdf__plan_core *p = &plan->core;
  swdf__journal j = {.unit_count = 0};
  memcpy(j.uid, plan->uid, sizeof(j.uid));
  swdf_err err = SWDF_OK;
  for (size_t u = 0; u < p->unit_count && err == SWDF_OK; u++) {
    const swdf__unit *unit = &p->units[u];
    if (!unit_keeps(unit)) {
      continue;
    }
    swdf__journal_unit *ju =
        swdf__journal_add_unit(&j, unit->pub.addr, unit->pub.size, unit->pub.index, unit->pub.bank);
    swdf_loader_check *ranges = malloc((unit->piece_count + 1) * sizeof(*ranges));
    size_t n = ranges != NULL ? swdf__plan_outside(p, u, 0, ranges) : 0;
    bool ok = ju != NULL && ranges != NULL;
    for (size_t r = 0; ok && r < n; r++) {
      ok = swdf__journal_add_range(ju, ranges[r].addr,
                                   unit->content + (ranges[r].addr - unit->pub.addr), ranges[r].len);
    }
    free(ranges);
    if (!ok) {
      err = swdf__fail(plan->ctx, SWDF_ERR_NO_MEMORY, NULL, "out of memory");
    }
  }
  if (err == SWDF_OK && j.unit_count > 0) {
    err = swdf__journal_save(&j, plan->ctx, plan->journal_path);
    plan->journal_saved = err == SWDF_OK;
    if (err == SWDF_OK) {
      swdf__log(plan->ctx, SWDF_LOG_DEBUG, "kept bytes of %zu unit(s) saved in %s", j.unit_count,
                plan->journal_path);
    }
  }
  swdf__journal_free(&j);
  return err;
}

/* Whether units [first, last) that keep bytes hold them now. */
static swdf_err kept_hold(bool *same, swdf_flash_plan *plan, swdf__flash_session *s, size_t first,
                          size_t last) {
  const swdf__plan_core *p = &plan->core;
  *same = true;
  for (size_t u = first; u < last && *same; u++) {
    if (!unit_keeps(&p->units[u])) {
      continue;
    }
    swdf_loader_check checks[64];
    const uint8_t *expected[64];
    if (p->units[u].piece_count + 1 > 64) {
      *same = false; /* too scattered to check here: the journal stays */
      break;
    }
    size_t n = unit_outside(p, u, checks, expected, 0);
    swdf_err err = ranges_hold(same, s, checks, n, expected);
    if (err != SWDF_OK) {
      return err;
    }
  }
  return SWDF_OK;
}

static bool plan_keeps_bytes(const swdf_flash_plan *plan) {
  for (size_t u = 0; u < plan->core.unit_count; u++) {
    if (unit_keeps(&plan->core.units[u])) {
      return true;
    }
  }
  return false;
}

void swdf_flash_plan_free(swdf_flash_plan *plan) {
  if (plan == NULL) {
    return;
  }
  if (plan->session != NULL) {
    swdf__session_close(plan->session, false, false);
  }
  swdf__plan_free(&plan->core);
  swdf__journal_free(&plan->found);
  free(plan->found_damaged);
  free(plan->journal_path);
  free(plan);
}

static swdf_err fail_plan(swdf_flash_plan *plan, swdf_err err) {
  if (plan->session != NULL) {
    swdf__session_close(plan->session, true, false);
    plan->session = NULL;
  }
  swdf_flash_plan_free(plan);
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
    err = journal_open(plan);
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

/* `out` may be NULL (no statistics wanted). */
static swdf_err check_stats_out(const swdf_write_stats *out, swdf_ctx *ctx) {
  return out == NULL ? SWDF_OK
                     : swdf__versioned_out_check(out, SWDF__MIN_WRITE_STATS, ctx,
                                                 "swdf_write_stats");
}

static swdf_err copy_stats(swdf_write_stats *out, const swdf_write_stats *st, swdf_ctx *ctx) {
  return out == NULL ? SWDF_OK
                     : swdf__versioned_out(out, st, sizeof(*st), SWDF__MIN_WRITE_STATS, ctx,
                                           "swdf_write_stats");
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
  swdf__clear_error(plan->ctx);
  return copy_stats(out, &plan->stats, plan->ctx);
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

/* Stop at the safe point before unit u, as the caller asked: everything
 * queued is finished first, so no unit is left erased without its bytes. */
static swdf_err stop_before(swdf_flash_plan *plan, size_t u) {
  swdf__flash_session *s = plan->session;
  swdf_err err = s->backend->flush(s);
  if (err != SWDF_OK) {
    return err;
  }
  if (u == 0) {
    return swdf__fail(plan->ctx, SWDF_ERR_CANCELLED, "run the same write again to do it",
                      "stopped as asked %s",
                      plan->opts.mass_erase || plan->chip_erase
                          ? "after the mass erase, before writing the image: the flash is blank"
                          : "before changing the flash: it is as it was");
  }
  const swdf_plan_unit *next = &plan->core.units[u].pub;
  return swdf__fail(plan->ctx, SWDF_ERR_CANCELLED, "run the same write again to finish it",
                    "stopped as asked at a safe point: %zu of %zu units written (up to 0x%08X), "
                    "from 0x%08X on the flash is as it was; the bytes kept around the image are "
                    "in place",
                    u, plan->core.unit_count, (unsigned)(next->addr - 1), (unsigned)next->addr);
}

/* Units u.. cover a whole bank that the family erases with one command,
 * all to be erased with nothing to keep, and that is quicker than their
 * erases: queue the bank erase and return the bank's end (else 0). */
static uint64_t erase_bank_of_units(swdf_err *err, swdf__flash_session *s,
                                    const swdf__plan_core *p, size_t u) {
  const swdf_flash_layout *l = s->layout;
  for (unsigned b = 0; s->family->bank_erase_cmd != NULL && l->bank_count > 1 &&
                       b < l->bank_count && b < SWDF_LAYOUT_MAX_BANKS;
       b++) {
    uint64_t end = (uint64_t)l->banks[b].base + l->banks[b].size;
    if (l->banks[b].base != p->units[u].pub.addr) {
      continue;
    }
    /* Every unit erased with nothing to keep, or blank already. */
    swdf__erase_costs costs = erase_costs(s);
    uint64_t covered = 0, units_us = 0;
    for (size_t i = u; i < p->unit_count && p->units[i].pub.addr < end; i++) {
      const swdf__unit *unit = &p->units[i];
      bool erase = unit->pub.action == SWDF_UNIT_ERASE && unit->pub.kept_bytes == 0 &&
                   !unit->restored;
      bool blank = unit->pub.action == SWDF_UNIT_PROGRAM &&
                   unit->rest_first_not_blank == 0xffffffffu;
      if (!erase && !blank) {
        return 0;
      }
      covered += unit->pub.size;
      units_us += erase ? costs.unit_us(costs.user, unit->pub.size) : 0;
    }
    swdf__erase_cmd cmd;
    if (covered != l->banks[b].size || costs.bank_mass_us >= units_us ||
        !s->family->bank_erase_cmd(&cmd, &s->ctl, l, b)) {
      return 0;
    }
    *err = s->backend->erase(s, &cmd, l->banks[b].base, l->banks[b].size,
                             s->ctl.mass_erase_typ_us, s->ctl.mass_erase_max_us);
    return end;
  }
  return 0;
}

static swdf_err write_units(swdf_flash_plan *plan, size_t *stopped) {
  swdf__flash_session *s = plan->session;
  swdf__plan_core *p = &plan->core;
  s->erase_total = plan->stats.erase_bytes;
  s->program_total = plan->stats.program_bytes;
  s->erase_done = s->program_done = 0;
  bool chip_erase = plan->opts.mass_erase || plan->chip_erase;
  swdf__cancel_hold(plan->ctx, true);
  swdf_err err = chip_erase ? mass_erase(s) : SWDF_OK;
  uint64_t bank_erased_to = 0; /* units below were erased with their bank */
  for (size_t u = 0; u < p->unit_count && err == SWDF_OK; u++) {
    const swdf_plan_unit *unit = &p->units[u].pub;
    if (swdf__cancel_asked(plan->ctx)) {
      *stopped = u;
      err = stop_before(plan, u);
      break;
    }
    bool group = unit->kept_bytes > 0 && s->backend->group_begin != NULL;
    if (group) {
      s->backend->group_begin(s);
    }
    if (unit->action == SWDF_UNIT_ERASE && !chip_erase && unit->addr >= bank_erased_to) {
      uint64_t bank_end = erase_bank_of_units(&err, s, p, u);
      bank_erased_to = bank_end != 0 ? bank_end : bank_erased_to;
      if (bank_end == 0) {
        err = erase_unit(s, unit);
      }
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
  swdf__cancel_hold(plan->ctx, false);
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
  snprintf(range, sizeof(range), "0x%08X-0x%08X", (unsigned)addr, (unsigned)(addr + len - 1));
  const char *hint = "write the image again; if the same bytes differ, the flash may be worn "
                     "out or protected";
  swdf_err result;
  if (at < len) {
    result = swdf__fail(s->ctx, SWDF_ERR_VERIFY, hint,
                        "verification failed in %s: 0x%08X holds 0x%02X, expected 0x%02X", range,
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

/* Whether the board lost power: the probe measures (almost) no target voltage. */
static bool power_lost(swdf_flash_plan *plan, uint32_t *mv) {
  return swdf__target_power_lost(plan->target, mv);
}

/* After a failure: write the kept bytes of every unit that lost them back
 * (without the image's part), in a fresh session, and check them. */
static swdf_err put_kept_back(swdf_flash_plan *plan, size_t *units_put) {
  swdf__plan_core *p = &plan->core;
  swdf__flash_session *s = NULL;
  *units_put = 0;
  swdf__cancel_hold(plan->ctx, true);
  swdf_err err = swdf__session_open(&s, plan->target, plan->opts.method);
  for (size_t u = 0; u < p->unit_count && err == SWDF_OK; u++) {
    swdf__unit *unit = &p->units[u];
    bool same = true;
    if (!unit_keeps(unit) || (err = kept_hold(&same, plan, s, u, u + 1)) != SWDF_OK || same) {
      continue;
    }
    uint8_t *kept_only = malloc(unit->pub.size);
    if (kept_only == NULL) {
      err = swdf__fail(plan->ctx, SWDF_ERR_NO_MEMORY, NULL, "out of memory");
      break;
    }
    memcpy(kept_only, unit->content, unit->pub.size);
    for (size_t i = 0; i < unit->piece_count; i++) {
      const swdf__piece *piece = &p->pieces[unit->first_piece + i];
      memset(kept_only + (piece->addr - unit->pub.addr), 0xff, piece->len);
    }
    uint8_t *content = unit->content;
    unit->content = kept_only;
    err = erase_unit(s, &unit->pub);
    if (err == SWDF_OK) {
      err = swdf__plan_program_runs(p, u, program_run, s);
    }
    if (err == SWDF_OK) {
      err = s->backend->flush(s);
    }
    unit->content = content;
    free(kept_only);
    if (err == SWDF_OK) {
      err = kept_hold(&same, plan, s, u, u + 1);
    }
    if (err == SWDF_OK && !same) {
      err = swdf__fail(plan->ctx, SWDF_ERR_VERIFY, NULL, "the bytes written back at 0x%08X differ",
                       (unsigned)unit->pub.addr);
    }
    *units_put += err == SWDF_OK;
  }
  swdf_err closed = swdf__session_close(s, err != SWDF_OK, false);
  swdf__cancel_hold(plan->ctx, false);
  return err != SWDF_OK ? err : closed;
}

/* The units that put kept bytes at stake, as "0x08010000 (48 KiB)" items. */
static void list_kept_units(char *out, size_t len, const swdf_flash_plan *plan) {
  size_t used = 0;
  out[0] = '\0';
  for (size_t u = 0; u < plan->core.unit_count && used < len; u++) {
    const swdf__unit *unit = &plan->core.units[u];
    if (unit_keeps(unit)) {
      int n = snprintf(out + used, len - used, "%s0x%08X-0x%08X", used > 0 ? ", " : "",
                       (unsigned)unit->pub.addr, (unsigned)(unit->pub.addr + unit->pub.size - 1));
      used += n > 0 ? (size_t)n : 0;
    }
  }
}

/*
 * The job failed (not as asked): say what the flash now holds. On a flash
 * error the kept bytes are written back first; after a power loss the
 * journal (if any) keeps them for the rerun.
 */
static swdf_err explain_failure(swdf_flash_plan *plan, swdf_err err) {
  swdf_saved_error job;
  swdf__save_error(&job, plan->ctx);
  uint32_t mv = 0;
  bool lost = power_lost(plan, &mv);
  bool keeps = plan_keeps_bytes(plan);
  char units[256];
  list_kept_units(units, sizeof(units), plan);
  char msg[4 * SWDF_MSG_MAX], hint[2 * SWDF_MSG_MAX];
  char power[SWDF_MSG_MAX] = "";
  if (lost && job.err != SWDF_ERR_TARGET_POWER) {
    snprintf(power, sizeof(power), "the board lost power (the probe measures %u.%02u V)",
             (unsigned)(mv / 1000), (unsigned)(mv % 1000 / 10));
  }
  if (keeps && !lost && err != SWDF_ERR_CANCELLED) {
    size_t put = 0;
    swdf_err back = put_kept_back(plan, &put);
    if (back == SWDF_OK) {
      plan->stats.kept_restored = 1;
      if (plan->journal_saved &&
          swdf__journal_remove(plan->ctx, plan->journal_path) == SWDF_OK) {
        plan->journal_saved = false;
      }
      snprintf(msg, sizeof(msg),
               "%s; the bytes kept around the image in %s were %s and checked: every byte "
               "outside the image is as it was, the image is incomplete",
               job.errmsg, units, put > 0 ? "written back" : "found in place");
      snprintf(hint, sizeof(hint), "%s",
               job.hint[0] != '\0' ? job.hint : "run the same write again to finish it");
      return swdf__fail(plan->ctx, job.err, hint, "%s", msg);
    }
    snprintf(power, sizeof(power), "writing the kept bytes back failed too (%s)",
             swdf_ctx_errmsg(plan->ctx));
    if (power_lost(plan, &mv)) {
      snprintf(power, sizeof(power), "the board lost power (the probe measures %u.%02u V)",
               (unsigned)(mv / 1000), (unsigned)(mv % 1000 / 10));
      lost = true;
    }
  }
  if (!keeps) {
    snprintf(msg, sizeof(msg),
             "%s%s%s; the image is incomplete, no byte outside it was at stake", job.errmsg,
             power[0] != '\0' ? "; " : "", power);
    snprintf(hint, sizeof(hint), "%s", lost ? "power the board and run the same write again: it "
                                              "finishes the job"
                                            : job.hint);
  } else if (plan->journal_saved) {
    plan->stats.journal_left = 1;
    snprintf(msg, sizeof(msg),
             "%s%s%s; the image is incomplete, and %s may have lost the bytes kept around it "
             "(a unit being erased or programmed may hold anything); they are saved in the "
             "journal %s",
             job.errmsg, power[0] != '\0' ? "; " : "", power, units, plan->journal_path);
    snprintf(hint, sizeof(hint),
             "%srun the same write again on this chip: it finds the journal, puts the kept "
             "bytes back and finishes the image (another write on this chip restores them too)",
             lost ? "power the board and " : "");
  } else {
    snprintf(msg, sizeof(msg),
             "%s%s%s; the image is incomplete, and %s may have lost the bytes kept around it; "
             "no journal holds them",
             job.errmsg, power[0] != '\0' ? "; " : "", power, units);
    snprintf(hint, sizeof(hint), "%s", job.hint);
  }
  return swdf__fail(plan->ctx, job.err, hint[0] != '\0' ? hint : NULL, "%s", msg);
}

swdf_err swdf_flash_plan_execute(swdf_write_stats *out, swdf_flash_plan *plan) {
  if (plan == NULL) {
    return SWDF_ERR_INVALID_ARG;
  }
  swdf__clear_error(plan->ctx);
  if (plan->executed || plan->session == NULL) {
    return swdf__fail(plan->ctx, SWDF_ERR_INVALID_ARG, NULL, "this plan was executed already");
  }
  swdf_err serr = check_stats_out(out, plan->ctx);
  if (serr != SWDF_OK) {
    return serr; /* before anything is erased */
  }
  /* A refused plan is never started: nothing has been erased. */
  swdf_err refused = swdf_flash_plan_refusal(plan);
  if (refused != SWDF_OK) {
    copy_stats(out, &plan->stats, plan->ctx);
    return refused;
  }
  plan->executed = true;
  size_t stopped = plan->core.unit_count;
  bool wrote = false;
  swdf_err err = journal_save(plan);
  if (err == SWDF_OK) {
    wrote = true;
    err = write_units(plan, &stopped);
  }
  bool written = err == SWDF_OK;
  if (err == SWDF_OK && plan->opts.verify != SWDF_VERIFY_NONE) {
    err = verify_written(plan);
    plan->stats.verified = err == SWDF_OK;
    if (err == SWDF_ERR_CANCELLED) {
      swdf__fail(plan->ctx, err, "run the same write again to verify it",
                 "stopped as asked while verifying: the image is written but not verified");
    }
  }
  /* Stopped as asked at a safe point: every queued unit finished. */
  bool cancelled_at_unit =
      err == SWDF_ERR_CANCELLED && (stopped < plan->core.unit_count || written);
  /* The journal goes once its bytes are known to be in place. */
  bool kept_ok = plan->stats.verified != 0;
  if (!kept_ok && plan->journal_saved && (err == SWDF_OK || cancelled_at_unit)) {
    swdf_saved_error saved;
    swdf__save_error(&saved, plan->ctx);
    bool same = false;
    kept_ok = kept_hold(&same, plan, plan->session, 0, stopped) == SWDF_OK && same;
    swdf__restore_error(plan->ctx, &saved);
  }
  swdf_err closed = swdf__session_close(plan->session, err != SWDF_OK, plan->opts.run_after != 0);
  plan->session = NULL;
  if (err == SWDF_OK) {
    err = closed;
  }
  if (plan->journal_path != NULL && (err == SWDF_OK || cancelled_at_unit) &&
      (kept_ok || !plan->journal_saved)) {
    swdf_saved_error saved;
    swdf__save_error(&saved, plan->ctx);
    if (swdf__journal_remove(plan->ctx, plan->journal_path) == SWDF_OK) {
      plan->journal_saved = false;
    }
    swdf__restore_error(plan->ctx, &saved);
  }
  if (err != SWDF_OK && wrote && !cancelled_at_unit) {
    err = explain_failure(plan, err);
  }
  copy_stats(out, &plan->stats, plan->ctx); /* the size was checked above */
  return err;
}

swdf_err swdf_flash_write_image(swdf_write_stats *out, swdf_target *target, const swdf_image *image,
                                const swdf_write_opts *opts) {
  if (target != NULL && out != NULL) {
    swdf_ctx *ctx = swdf__target_ctx(target);
    swdf__clear_error(ctx);
    swdf_err err = check_stats_out(out, ctx);
    if (err != SWDF_OK) {
      return err; /* before the chip is touched */
    }
  }
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
                     "after the erase 0x%08X is not blank", (unsigned)first);
  }
  return err;
}

/* A whole bank inside [at, end) that the family erases with one command,
 * where that is quicker than its units: queue it and return its size. */
static uint32_t erase_whole_bank(swdf_err *err, swdf__flash_session *s, uint64_t at,
                                 uint64_t end) {
  const swdf_flash_layout *l = s->layout;
  for (unsigned b = 0; s->family->bank_erase_cmd != NULL && l->bank_count > 1 &&
                       b < l->bank_count && b < SWDF_LAYOUT_MAX_BANKS;
       b++) {
    swdf__erase_cmd cmd;
    swdf__erase_costs costs = erase_costs(s);
    if (l->banks[b].base != at || at + l->banks[b].size > end ||
        !swdf__plan_mass_erase_pays(l, l->banks[b].base, l->banks[b].size, 1, &costs) ||
        !s->family->bank_erase_cmd(&cmd, &s->ctl, l, b)) {
      continue;
    }
    *err = s->backend->erase(s, &cmd, l->banks[b].base, l->banks[b].size,
                             s->ctl.mass_erase_typ_us, s->ctl.mass_erase_max_us);
    return l->banks[b].size;
  }
  return 0;
}

/* Erase the units of [addr, addr + len); asked to stop, stop between units
 * (after those already queued are done) and say how far it got. */
static swdf_err erase_range_units(swdf__flash_session *s, uint32_t addr, uint32_t len) {
  s->erase_total = len;
  swdf__cancel_hold(s->ctx, true);
  swdf_err err = SWDF_OK;
  uint64_t at = addr;
  while (err == SWDF_OK && at < (uint64_t)addr + len) {
    if (swdf__cancel_asked(s->ctx)) {
      err = s->backend->flush(s);
      if (err == SWDF_OK) {
        err = at == addr ? swdf__fail(s->ctx, SWDF_ERR_CANCELLED, NULL,
                                      "stopped as asked before erasing anything")
                         : swdf__fail(s->ctx, SWDF_ERR_CANCELLED,
                                      "run the same erase again to finish it",
                                      "stopped as asked: 0x%08X-0x%08X is erased, 0x%08X-0x%08X "
                                      "is as it was",
                                      (unsigned)addr, (unsigned)(at - 1), (unsigned)at,
                                      (unsigned)(addr + len - 1));
      }
      break;
    }
    uint32_t bank_size = erase_whole_bank(&err, s, at, (uint64_t)addr + len);
    if (bank_size != 0) {
      at += bank_size;
      continue;
    }
    swdf_flash_sector sector;
    swdf_flash_layout_sector_at(&sector, s->layout, (uint32_t)at);
    err = erase_units_of(s, sector.addr, sector.size);
    at = (uint64_t)sector.addr + sector.size;
  }
  if (err == SWDF_OK) {
    err = s->backend->flush(s);
  }
  swdf__cancel_hold(s->ctx, false);
  return err;
}

static swdf_err check_erase_range(swdf_ctx *ctx, const swdf_flash_layout *layout, uint32_t addr,
                                  uint32_t len) {
  swdf_flash_sector first, last;
  if (len == 0 || !swdf_flash_layout_contains(layout, addr, len) ||
      !swdf_flash_layout_sector_at(&first, layout, addr) ||
      !swdf_flash_layout_sector_at(&last, layout, addr + len - 1)) {
    return swdf__fail(ctx, SWDF_ERR_RANGE, "see 'swdflash info' for the flash layout",
                      "0x%08X-0x%08X is not inside the flash (0x%08X-0x%08X)", (unsigned)addr,
                      (unsigned)(addr + (len > 0 ? len - 1 : 0)), (unsigned)layout->base,
                      (unsigned)(layout->base + layout->size - 1));
  }
  uint64_t last_end = (uint64_t)last.addr + last.size;
  if (first.addr != addr || last_end != (uint64_t)addr + len) {
    char hint[128];
    snprintf(hint, sizeof(hint), "to erase the units it touches, give 0x%08X 0x%X",
             (unsigned)first.addr, (unsigned)(last_end - first.addr));
    return swdf__fail(ctx, SWDF_ERR_RANGE, hint,
                      "0x%08X-0x%08X does not start and end on erase-unit boundaries: erasing it "
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
  /* One erase command cannot stop half-way: a stop asked meanwhile waits
   * until it is done and checked. */
  swdf__cancel_hold(ctx, true);
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
  swdf__cancel_hold(ctx, false);
  swdf_err closed = swdf__session_close(s, err != SWDF_OK, false);
  return err != SWDF_OK ? err : closed;
}
