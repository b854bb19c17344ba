/* The write planner (see plan.h). */
#include <stdlib.h>
#include <string.h>

#include "plan.h"

enum {
  /* Erased gaps shorter than this inside an erased unit are programmed
   * through (0xFF over 0xFF) rather than starting a new run. */
  GAP_MERGE = 32,
};

#define NOT_FOUND 0xffffffffu

static int grow(void **buf, size_t *cap, size_t need, size_t elem) {
  if (need <= *cap) {
    return 0;
  }
  size_t next = *cap != 0 ? *cap * 2 : 64;
  while (next < need) {
    next *= 2;
  }
  void *p = realloc(*buf, next * elem);
  if (p == NULL) {
    return -1;
  }
  *buf = p;
  *cap = next;
  return 0;
}

static uint64_t unit_end(const swdf__unit *u) { return (uint64_t)u->pub.addr + u->pub.size; }

/* Room for the widened pieces or the complement of one unit. */
static swdf_loader_check *range_buffer(const swdf__unit *u) {
  return malloc((2 * u->piece_count + 1) * sizeof(swdf_loader_check));
}

swdf_err swdf__plan_build(swdf__plan_core *p, swdf_ctx *ctx, const swdf_flash_layout *layout,
                          const swdf_image *image) {
  memset(p, 0, sizeof(*p));
  p->program_unit = layout->program_unit != 0 ? layout->program_unit : 1;
  swdf_mem_region regions[SWDF_LAYOUT_MAX_BANKS];
  static const char *const bank_names[SWDF_LAYOUT_MAX_BANKS] = {"bank 1", "bank 2"};
  for (unsigned b = 0; b < layout->bank_count && b < SWDF_LAYOUT_MAX_BANKS; b++) {
    regions[b] = (swdf_mem_region){layout->banks[b].base, layout->banks[b].size,
                                   layout->bank_count > 1 ? bank_names[b] : "flash"};
  }
  swdf_err err = swdf_image_check_regions(image, ctx, regions, layout->bank_count);
  if (err != SWDF_OK) {
    return err;
  }
  size_t piece_cap = 0, unit_cap = 0;
  for (size_t i = 0; i < swdf_image_segment_count(image); i++) {
    const swdf_image_segment *seg = swdf_image_segment_at(image, i);
    uint64_t addr = seg->addr, end = (uint64_t)seg->addr + seg->size;
    while (addr < end) {
      swdf_flash_sector sector;
      if (!swdf_flash_layout_sector_at(&sector, layout, (uint32_t)addr)) {
        return swdf__fail(ctx, SWDF_ERR_INTERNAL, NULL, "no flash unit at 0x%08X", (unsigned)addr);
      }
      swdf__unit *last = p->unit_count > 0 ? &p->units[p->unit_count - 1] : NULL;
      if (last == NULL || last->pub.addr != sector.addr) {
        if (grow((void **)&p->units, &unit_cap, p->unit_count + 1, sizeof(*p->units)) != 0) {
          return swdf__fail(ctx, SWDF_ERR_NO_MEMORY, NULL, "out of memory");
        }
        last = &p->units[p->unit_count++];
        *last = (swdf__unit){.pub = {.addr = sector.addr,
                                     .size = sector.size,
                                     .index = sector.index,
                                     .bank = sector.bank,
                                     .action = SWDF_UNIT_ERASE},
                             .first_piece = p->piece_count,
                             .image_first_not_blank = NOT_FOUND,
                             .rest_first_not_blank = NOT_FOUND};
      }
      uint64_t piece_end = end < unit_end(last) ? end : unit_end(last);
      if (grow((void **)&p->pieces, &piece_cap, p->piece_count + 1, sizeof(*p->pieces)) != 0) {
        return swdf__fail(ctx, SWDF_ERR_NO_MEMORY, NULL, "out of memory");
      }
      p->pieces[p->piece_count++] = (swdf__piece){(uint32_t)addr, (uint32_t)(piece_end - addr),
                                                  seg->data + (addr - seg->addr)};
      last->piece_count++;
      last->pub.image_bytes += (uint32_t)(piece_end - addr);
      addr = piece_end;
    }
  }
  return SWDF_OK;
}

void swdf__plan_free(swdf__plan_core *p) {
  for (size_t u = 0; u < p->unit_count; u++) {
    free(p->units[u].content);
  }
  free(p->units);
  free(p->pieces);
  memset(p, 0, sizeof(*p));
}

/* Unit u's image pieces widened to whole program units, merged where they
 * meet. Writes at most piece_count entries with the given result. */
static size_t widened(const swdf__plan_core *p, size_t u, uint32_t result, swdf_loader_check *out) {
  const swdf__unit *unit = &p->units[u];
  uint32_t pu = p->program_unit;
  size_t n = 0;
  for (size_t i = 0; i < unit->piece_count; i++) {
    const swdf__piece *piece = &p->pieces[unit->first_piece + i];
    uint32_t start = piece->addr - (piece->addr - unit->pub.addr) % pu;
    uint64_t end = (uint64_t)piece->addr + piece->len;
    end += (pu - (end - unit->pub.addr) % pu) % pu;
    if (n > 0 && out[n - 1].addr + out[n - 1].len >= start) {
      out[n - 1].len = (uint32_t)(end - out[n - 1].addr);
    } else {
      out[n++] = (swdf_loader_check){start, (uint32_t)(end - start), result};
    }
  }
  return n;
}

/* The parts of unit u outside its exact image pieces. */
static size_t complement(const swdf__plan_core *p, size_t u, uint32_t result,
                         swdf_loader_check *out) {
  const swdf__unit *unit = &p->units[u];
  size_t n = 0;
  uint64_t at = unit->pub.addr;
  for (size_t i = 0; i < unit->piece_count; i++) {
    const swdf__piece *piece = &p->pieces[unit->first_piece + i];
    if (piece->addr > at) {
      out[n++] = (swdf_loader_check){(uint32_t)at, (uint32_t)(piece->addr - at), result};
    }
    at = (uint64_t)piece->addr + piece->len;
  }
  if (at < unit_end(unit)) {
    out[n++] = (swdf_loader_check){(uint32_t)at, (uint32_t)(unit_end(unit) - at), result};
  }
  return n;
}

size_t swdf__plan_outside(const swdf__plan_core *p, size_t u, uint32_t result,
                          swdf_loader_check *out) {
  return complement(p, u, result, out);
}

size_t swdf__plan_blank_check_count(const swdf__plan_core *p) {
  size_t n = 0;
  for (size_t u = 0; u < p->unit_count; u++) {
    n += 2 * p->units[u].piece_count + 1;
  }
  return n;
}

size_t swdf__plan_blank_checks(const swdf__plan_core *p, swdf_loader_check *out) {
  size_t n = 0;
  for (size_t u = 0; u < p->unit_count; u++) {
    n += widened(p, u, (uint32_t)(2 * u), out + n);
    n += complement(p, u, (uint32_t)(2 * u + 1), out + n);
  }
  return n;
}

void swdf__plan_set_blank_results(swdf__plan_core *p, const uint32_t *results) {
  for (size_t u = 0; u < p->unit_count; u++) {
    p->units[u].image_first_not_blank = results[2 * u];
    /* A unit fully covered by the image has no rest to check. */
    bool has_rest = p->units[u].pub.image_bytes < p->units[u].pub.size;
    p->units[u].rest_first_not_blank = has_rest ? results[2 * u + 1] : NOT_FOUND;
  }
}

size_t swdf__plan_crc_checks(const swdf__plan_core *p, swdf_loader_check *out) {
  size_t n = 0;
  for (size_t u = 0; u < p->unit_count; u++) {
    const swdf__unit *unit = &p->units[u];
    if (unit->image_first_not_blank == NOT_FOUND) {
      continue;
    }
    for (size_t i = 0; i < unit->piece_count; i++) {
      const swdf__piece *piece = &p->pieces[unit->first_piece + i];
      out[n++] = (swdf_loader_check){piece->addr, piece->len, (uint32_t)u};
    }
  }
  return n;
}

void swdf__plan_set_crc_results(swdf__plan_core *p, const uint32_t *results) {
  for (size_t u = 0; u < p->unit_count; u++) {
    if (p->units[u].image_first_not_blank != NOT_FOUND) {
      p->units[u].image_crc = results[u];
    }
  }
}

uint32_t swdf__plan_image_crc(const swdf__plan_core *p, size_t u, swdf__crc_fn crc,
                              const void *user) {
  const swdf__unit *unit = &p->units[u];
  uint32_t value = 0xffffffffu;
  for (size_t i = 0; i < unit->piece_count; i++) {
    const swdf__piece *piece = &p->pieces[unit->first_piece + i];
    value = crc(user, piece->data, piece->len, value);
  }
  return ~value;
}

void swdf__plan_decide(swdf__plan_core *p, const uint32_t *host_crcs, bool skip_unchanged,
                       bool mass_erase) {
  for (size_t u = 0; u < p->unit_count; u++) {
    swdf__unit *unit = &p->units[u];
    if (mass_erase) {
      unit->pub.action = SWDF_UNIT_ERASE; /* by the erase of the whole flash */
    } else if (!skip_unchanged) {
      unit->pub.action = SWDF_UNIT_ERASE;
    } else if (unit->image_first_not_blank == NOT_FOUND) {
      unit->pub.action = SWDF_UNIT_PROGRAM;
    } else if (host_crcs != NULL && unit->image_crc == host_crcs[u]) {
      unit->pub.action = SWDF_UNIT_UNCHANGED;
    } else {
      unit->pub.action = SWDF_UNIT_ERASE;
    }
  }
}

void swdf__plan_kept_span(const swdf__plan_core *p, size_t u, uint32_t *addr, uint32_t *len) {
  const swdf__unit *unit = &p->units[u];
  *addr = unit->pub.addr;
  *len = 0;
  if (unit->pub.action != SWDF_UNIT_ERASE || unit->rest_first_not_blank == NOT_FOUND) {
    return;
  }
  /* From the first byte that is not blank to the end of the last gap. */
  uint64_t end = unit_end(unit);
  swdf_loader_check *rest = range_buffer(unit);
  if (rest != NULL) {
    size_t n = complement(p, u, 0, rest);
    if (n > 0) {
      end = (uint64_t)rest[n - 1].addr + rest[n - 1].len;
    }
    free(rest);
  }
  *addr = unit->rest_first_not_blank;
  *len = end > *addr ? (uint32_t)(end - *addr) : 0;
}

static bool unit_is_erased(const uint8_t *p, uint32_t n) {
  for (uint32_t i = 0; i < n; i++) {
    if (p[i] != 0xff) {
      return false;
    }
  }
  return true;
}

swdf_err swdf__plan_fill(swdf__plan_core *p, swdf_ctx *ctx, size_t u, uint32_t kept_addr,
                         const uint8_t *kept, uint32_t kept_len) {
  swdf__unit *unit = &p->units[u];
  free(unit->content);
  unit->content = NULL;
  unit->pub.program_bytes = 0;
  unit->pub.kept_bytes = 0;
  if (unit->pub.action == SWDF_UNIT_UNCHANGED) {
    return SWDF_OK;
  }
  unit->content = malloc(unit->pub.size);
  if (unit->content == NULL) {
    return swdf__fail(ctx, SWDF_ERR_NO_MEMORY, NULL, "out of memory");
  }
  memset(unit->content, 0xff, unit->pub.size);
  if (kept != NULL && kept_len > 0) {
    memcpy(unit->content + (kept_addr - unit->pub.addr), kept, kept_len);
  }
  uint32_t image_in_kept = 0;
  for (size_t i = 0; i < unit->piece_count; i++) {
    const swdf__piece *piece = &p->pieces[unit->first_piece + i];
    memcpy(unit->content + (piece->addr - unit->pub.addr), piece->data, piece->len);
    uint64_t lo = piece->addr > kept_addr ? piece->addr : kept_addr;
    uint64_t hi_piece = (uint64_t)piece->addr + piece->len;
    uint64_t hi_kept = (uint64_t)kept_addr + kept_len;
    uint64_t hi = hi_piece < hi_kept ? hi_piece : hi_kept;
    image_in_kept += hi > lo ? (uint32_t)(hi - lo) : 0;
  }
  unit->pub.kept_bytes = kept != NULL ? kept_len - image_in_kept : 0;
  swdf_loader_check *ranges = range_buffer(unit);
  if (ranges == NULL) {
    return swdf__fail(ctx, SWDF_ERR_NO_MEMORY, NULL, "out of memory");
  }
  size_t n = 0;
  if (unit->pub.action == SWDF_UNIT_ERASE) {
    ranges[n++] = (swdf_loader_check){unit->pub.addr, unit->pub.size, 0};
  } else {
    n = widened(p, u, 0, ranges);
  }
  for (size_t r = 0; r < n; r++) {
    for (uint32_t off = 0; off < ranges[r].len; off += p->program_unit) {
      const uint8_t *at = unit->content + (ranges[r].addr - unit->pub.addr) + off;
      if (!unit_is_erased(at, p->program_unit)) {
        unit->pub.program_bytes += p->program_unit;
      }
    }
  }
  free(ranges);
  if (unit->pub.action == SWDF_UNIT_PROGRAM && unit->pub.program_bytes == 0) {
    unit->pub.action = SWDF_UNIT_UNCHANGED; /* blank, and the image is all 0xFF there */
    free(unit->content);
    unit->content = NULL;
  }
  return SWDF_OK;
}

/* Emit the non-erased program units of [addr, addr + len) as runs. */
static swdf_err emit_runs(const swdf__plan_core *p, const swdf__unit *unit, uint32_t addr,
                          uint32_t len, swdf__run_fn fn, void *user) {
  const uint8_t *base = unit->content + (addr - unit->pub.addr);
  uint32_t pu = p->program_unit;
  uint32_t run_start = 0, run_end = 0; /* offsets; run_end == 0: no open run */
  bool open = false;
  for (uint32_t off = 0; off < len; off += pu) {
    if (unit_is_erased(base + off, pu)) {
      continue;
    }
    if (open && off - run_end >= GAP_MERGE) {
      swdf_err err = fn(user, unit, addr + run_start, base + run_start, run_end - run_start);
      if (err != SWDF_OK) {
        return err;
      }
      open = false;
    }
    if (!open) {
      run_start = off;
      open = true;
    }
    run_end = off + pu;
  }
  if (open) {
    return fn(user, unit, addr + run_start, base + run_start, run_end - run_start);
  }
  return SWDF_OK;
}

/* The bytes of [addr, addr + len) as one range. */
static swdf_err emit_whole(const swdf__plan_core *p, const swdf__unit *unit, uint32_t addr,
                           uint32_t len, swdf__run_fn fn, void *user) {
  (void)p;
  return fn(user, unit, addr, unit->content + (addr - unit->pub.addr), len);
}

typedef swdf_err (*range_fn)(const swdf__plan_core *p, const swdf__unit *unit, uint32_t addr,
                             uint32_t len, swdf__run_fn fn, void *user);

/* Apply `each` to what the write touches of unit u: the whole unit when it
 * is erased, else only the image's (blank-checked) program units. */
static swdf_err for_written_ranges(const swdf__plan_core *p, size_t u, range_fn each,
                                   swdf__run_fn fn, void *user) {
  const swdf__unit *unit = &p->units[u];
  if (unit->content == NULL) {
    return SWDF_OK;
  }
  if (unit->pub.action == SWDF_UNIT_ERASE) {
    return each(p, unit, unit->pub.addr, unit->pub.size, fn, user);
  }
  swdf_loader_check *ranges = range_buffer(unit);
  if (ranges == NULL) {
    return SWDF_ERR_NO_MEMORY;
  }
  size_t n = widened(p, u, 0, ranges);
  swdf_err err = SWDF_OK;
  for (size_t r = 0; r < n && err == SWDF_OK; r++) {
    err = each(p, unit, ranges[r].addr, ranges[r].len, fn, user);
  }
  free(ranges);
  return err;
}

swdf_err swdf__plan_program_runs(const swdf__plan_core *p, size_t u, swdf__run_fn fn, void *user) {
  return for_written_ranges(p, u, emit_runs, fn, user);
}

swdf_err swdf__plan_verify_ranges(const swdf__plan_core *p, size_t u, swdf__run_fn fn, void *user) {
  return for_written_ranges(p, u, emit_whole, fn, user);
}

uint64_t swdf__plan_units_erase_us(const swdf_flash_layout *layout, uint32_t addr, uint32_t len,
                                   const swdf__erase_costs *costs) {
  uint64_t us = 0;
  for (uint64_t at = addr; at < (uint64_t)addr + len;) {
    swdf_flash_sector sector;
    if (!swdf_flash_layout_sector_at(&sector, layout, (uint32_t)at)) {
      break;
    }
    us += costs->unit_us(costs->user, sector.size);
    at = (uint64_t)sector.addr + sector.size;
  }
  return us;
}

bool swdf__plan_mass_erase_pays(const swdf_flash_layout *layout, uint32_t addr, uint32_t len,
                                unsigned banks, const swdf__erase_costs *costs) {
  return costs->bank_mass_us * banks <= swdf__plan_units_erase_us(layout, addr, len, costs);
}

uint64_t swdf__plan_chip_erase_us(const swdf_flash_layout *layout, const swdf__erase_costs *costs) {
  uint64_t us = 0;
  for (unsigned b = 0; b < layout->bank_count && b < SWDF_LAYOUT_MAX_BANKS; b++) {
    uint64_t units = swdf__plan_units_erase_us(layout, layout->banks[b].base, layout->banks[b].size,
                                               costs);
    us += units < costs->bank_mass_us ? units : costs->bank_mass_us;
  }
  return us;
}

bool swdf__plan_prefer_chip_erase(const swdf__plan_core *p, const swdf_flash_layout *layout,
                                  const swdf__erase_costs *costs) {
  uint64_t covered = 0, by_units = 0, extra_program = 0;
  for (size_t u = 0; u < p->unit_count; u++) {
    const swdf__unit *unit = &p->units[u];
    if (unit->rest_first_not_blank != NOT_FOUND) {
      return false; /* bytes outside the image would have to survive the erase */
    }
    covered += unit->pub.size;
    if (unit->pub.action == SWDF_UNIT_ERASE) {
      by_units += costs->unit_us(costs->user, unit->pub.size);
    } else {
      extra_program += costs->program_us(costs->user, unit->pub.image_bytes);
    }
  }
  return covered == layout->size &&
         swdf__plan_chip_erase_us(layout, costs) + extra_program < by_units;
}

void swdf__plan_erase_all(swdf__plan_core *p) {
  for (size_t u = 0; u < p->unit_count; u++) {
    p->units[u].pub.action = SWDF_UNIT_ERASE;
  }
}
