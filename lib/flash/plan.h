/*
 * The write planner: which erase units an image touches, what each needs
 * (nothing, programming only, or erase and program), and the exact bytes to
 * program. Pure computation over the flash layout, the image and the results
 * of the on-target checks, so that it is unit-tested without a target.
 *
 * For every unit the image touches the planner asks two blank checks (the
 * image's bytes widened to whole program units, and the rest of the unit)
 * and, where the image's part is not blank, a CRC of the image's bytes:
 *   - CRC equal to the image's: the unit already holds the image: unchanged;
 *   - image part blank: program without erasing (the rest is not touched);
 *   - otherwise erase; the rest of the unit, where not blank, is read and
 *     programmed back together with the image.
 * The bytes of a unit after the write are kept in `content`; programming
 * skips program units that are all 0xFF (erased already).
 */
#ifndef SWDF_FLASH_PLAN_H
#define SWDF_FLASH_PLAN_H

#include <stdbool.h>
#include <stdint.h>

#include "chipdb.h"
#include "flash/loaders/loader_abi.h"
#include "internal.h"

/* A piece of the image inside one unit. */
typedef struct swdf__piece {
  uint32_t addr;
  uint32_t len;
  const uint8_t *data;
} swdf__piece;

typedef struct swdf__unit {
  swdf_plan_unit pub;
  size_t first_piece;
  size_t piece_count;
  uint32_t image_first_not_blank; /* results of the checks (0xffffffff: blank) */
  uint32_t rest_first_not_blank;
  uint32_t image_crc;
  uint8_t *content; /* the unit's bytes after the write; NULL for unchanged units */
} swdf__unit;

typedef struct swdf__plan_core {
  uint32_t program_unit;
  swdf__piece *pieces;
  size_t piece_count;
  swdf__unit *units;
  size_t unit_count;
} swdf__plan_core;

/*
 * Split the image into units of `layout`. Fails with SWDF_ERR_RANGE (via
 * swdf_image_check_regions) when any byte lies outside the flash.
 */
swdf_err swdf__plan_build(swdf__plan_core *p, swdf_ctx *ctx, const swdf_flash_layout *layout,
                          const swdf_image *image);
void swdf__plan_free(swdf__plan_core *p);

/*
 * The blank checks: result 2u is unit u's image part (widened to program
 * units), 2u + 1 the rest of the unit. `out` needs room for
 * swdf__plan_blank_check_count() entries. Entries are in result order.
 */
size_t swdf__plan_blank_check_count(const swdf__plan_core *p);
size_t swdf__plan_blank_checks(const swdf__plan_core *p, swdf_loader_check *out);
void swdf__plan_set_blank_results(swdf__plan_core *p, const uint32_t *results);

/* CRC checks of the image's exact bytes, result u, for units whose image part
 * is not blank. `out` needs room for p->piece_count entries. */
size_t swdf__plan_crc_checks(const swdf__plan_core *p, swdf_loader_check *out);
void swdf__plan_set_crc_results(swdf__plan_core *p, const uint32_t *results);

/* The CRC-32 of unit u's image bytes computed on the host. */
typedef uint32_t (*swdf__crc_fn)(const void *user, const uint8_t *data, size_t len, uint32_t crc);
uint32_t swdf__plan_image_crc(const swdf__plan_core *p, size_t u, swdf__crc_fn crc,
                              const void *user);

/*
 * Decide each unit's action from the check results (all units erased when
 * `skip_unchanged` is false or by a `mass_erase` of the whole flash, which
 * the engine does instead of the units' own erases). `host_crcs[u]` is swdf__plan_image_crc for unit u.
 */
void swdf__plan_decide(swdf__plan_core *p, const uint32_t *host_crcs, bool skip_unchanged,
                       bool mass_erase);

/* Where unit u must be read before the erase: [*addr, *addr + *len) of the
 * rest of the unit, from its first non-blank byte; 0 length when nothing. */
void swdf__plan_kept_span(const swdf__plan_core *p, size_t u, uint32_t *addr, uint32_t *len);

/*
 * Build unit u's content: 0xFF, then `kept` (the bytes read from
 * [kept_addr, kept_addr + kept_len), may be NULL), then the image on top.
 * Fills program_bytes and kept_bytes.
 */
swdf_err swdf__plan_fill(swdf__plan_core *p, swdf_ctx *ctx, size_t u, uint32_t kept_addr,
                         const uint8_t *kept, uint32_t kept_len);

/* The runs of unit u's content to program: program units that are not all
 * 0xFF, with short erased gaps programmed through. Calls `fn` per run. */
typedef swdf_err (*swdf__run_fn)(void *user, const swdf__unit *unit, uint32_t addr,
                                 const uint8_t *data, uint32_t len);
swdf_err swdf__plan_program_runs(const swdf__plan_core *p, size_t u, swdf__run_fn fn, void *user);

/*
 * What to verify of a written unit: the whole unit when it was erased,
 * else the image's part widened to program units. Calls `fn` per range with
 * the expected bytes.
 */
swdf_err swdf__plan_verify_ranges(const swdf__plan_core *p, size_t u, swdf__run_fn fn, void *user);

#endif

/*
 * The datasheet figures the erase choices weigh: the typical time to erase
 * one unit of `size` bytes, to mass erase one bank, and to program `bytes`.
 */
typedef struct swdf__erase_costs {
  uint64_t (*unit_us)(const void *user, uint32_t size);
  uint64_t (*program_us)(const void *user, uint32_t bytes);
  uint64_t bank_mass_us;
  const void *user;
} swdf__erase_costs;

/* The time to erase the units of [addr, addr + len) one by one. */
uint64_t swdf__plan_units_erase_us(const swdf_flash_layout *layout, uint32_t addr, uint32_t len,
                                   const swdf__erase_costs *costs);

/* Whether erasing all of [addr, addr + len) (`banks` whole banks) is
 * cheaper by mass erase than unit by unit (an F4 mass erase takes longer
 * than all its sectors on parts with few of them). */
bool swdf__plan_mass_erase_pays(const swdf_flash_layout *layout, uint32_t addr, uint32_t len,
                                unsigned banks, const swdf__erase_costs *costs);

/* The time to erase the whole flash, bank by bank the cheaper way. */
uint64_t swdf__plan_chip_erase_us(const swdf_flash_layout *layout, const swdf__erase_costs *costs);

/*
 * After swdf__plan_decide: whether one erase of the whole chip beats the
 * units' own erases. Only when the image's units cover the whole flash and
 * no byte outside the image holds data (nothing to lose); units that would
 * not have been erased are then programmed too, which counts.
 */
bool swdf__plan_prefer_chip_erase(const swdf__plan_core *p, const swdf_flash_layout *layout,
                                  const swdf__erase_costs *costs);

/* Make every unit an erased one (written and verified whole): after a chip erase. */
void swdf__plan_erase_all(swdf__plan_core *p);
