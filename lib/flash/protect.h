/*
 * Write protection, read before anything is erased. The option bytes say
 * which erase units are protected: write protection (F1 WRPx, one bit per
 * 4 KiB; F4 nWRP, one bit per sector), and execute-only PCROP sectors,
 * which cannot be erased or programmed either (RM0390 section 3.6.3). An
 * erase or program command on such a unit fails with WRPERR/WRPRTERR, but
 * only when the job reaches it: everything erased before that is lost. So
 * every job reads the protection first and is refused, with the units
 * named, while the flash is still as it was.
 */
#ifndef SWDF_FLASH_PROTECT_H
#define SWDF_FLASH_PROTECT_H

#include <stdbool.h>
#include <stdint.h>

#include "families/family.h"

enum { SWDF__PROT_MAX_RANGES = 64 };

typedef struct swdf__protection {
  size_t count;
  swdf_opt_range ranges[SWDF__PROT_MAX_RANGES]; /* from the option-byte description */
  /* The controller reports protection the option description does not
   * place (no description, or one without write-protection fields):
   * every unit counts as protected. */
  bool unplaced;
  uint32_t unplaced_reg, unplaced_value;
} swdf__protection;

/* Read the protection of the connected chip (its option bytes, and the
 * controller's write-protection registers described in `ctl`). */
swdf_err swdf__protection_read(swdf__protection *out, swdf_target *t, const swdf__flash_ctl *ctl);

/* Whether any unit of the flash is protected. */
bool swdf__protection_any(const swdf__protection *p);

/* Whether any byte of [addr, addr + len) is protected. */
bool swdf__protection_hits(const swdf__protection *p, uint32_t addr, uint32_t len);

/* How many units of [addr, addr + len) are protected. */
size_t swdf__protection_units(const swdf__protection *p, const swdf_flash_layout *layout,
                              uint32_t addr, uint32_t len);

/*
 * Fail with SWDF_ERR_WRITE_PROTECTED: `job` ("the mass erase") would change
 * the protected units of [addr, addr + len), which the message names with
 * their addresses and the option fields protecting them; the hint gives
 * the next step.
 */
swdf_err swdf__protection_refuse(swdf_ctx *ctx, const swdf__protection *p,
                                 const swdf_flash_layout *layout, uint32_t addr, uint32_t len,
                                 const char *job);

/* Read the protection and refuse `job` when [addr, addr + len) is touched by it. */
swdf_err swdf__protection_check(swdf_target *t, const swdf__flash_ctl *ctl, uint32_t addr,
                                uint32_t len, const char *job);

#endif
