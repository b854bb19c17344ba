/*
 * Flash controller families. A family driver is mostly data: where the
 * registers are, which bits mean busy and which mean error, what each error
 * means, the datasheet times. The flash engine drives any family through
 * this description (and the on-target loader built for it); the few things
 * that differ in kind are the functions of swdf__family.
 */
#ifndef SWDF_FAMILY_H
#define SWDF_FAMILY_H

#include <stdbool.h>
#include <stdint.h>

#include "adi/target_internal.h"
#include "flash/loaders/loader_blobs.h"

/* What an error bit of the status register means. */
typedef struct swdf__flash_error_bit {
  uint32_t mask;
  const char *name;  /* "WRPRTERR" */
  const char *cause; /* "the page is write protected" */
  swdf_err err;
} swdf__flash_error_bit;

/* Erase time of one erase-unit size (typical for estimates, maximum for deadlines). */
typedef struct swdf__erase_time {
  uint32_t unit_size; /* bytes; 0 = any size */
  uint32_t typ_us;
  uint32_t max_us;
} swdf__erase_time;

enum { SWDF_MAX_ERASE_TIMES = 4 };

/* The flash controller of the connected chip, as the engine drives it. */
typedef struct swdf__flash_ctl {
  uint32_t regs[2];          /* register block of each bank */
  uint32_t keyr, sr, cr, ar; /* register offsets; ar = 0 when there is none */
  uint32_t sr_busy;
  uint32_t sr_errors;
  uint32_t sr_clear; /* write-1-to-clear bits cleared before starting */
  uint32_t cr_lock;
  uint32_t cr_start;   /* STRT */
  uint32_t cr_program; /* PG (| PSIZE) */
  uint32_t cr_psize;   /* PSIZE bits also set for erases (F2/F4 erase parallelism) */
  uint32_t unit;       /* bytes per program operation */
  uint32_t program_typ_ns;
  uint32_t program_max_us;
  swdf__erase_time erase[SWDF_MAX_ERASE_TIMES];
  uint32_t mass_erase_typ_us; /* per bank */
  uint32_t mass_erase_max_us;
  const swdf__flash_error_bit *error_bits;
  size_t error_bit_count;
  /* Where write protection shows: nothing is protected when every register
   * reads (value & mask) == want (F1 WRPR all ones, F4 nWRP all ones). */
  struct {
    uint32_t addr, mask, want;
  } wrp[2];
  char width_note[96]; /* why this program width was chosen, for the log */
} swdf__flash_ctl;

/* One erase command: FLASH_CR value (without STRT), AR value, bank registers. */
typedef struct swdf__erase_cmd {
  uint32_t cr;
  uint32_t ar;
  unsigned bank;
} swdf__erase_cmd;

/* The clock registers as they were before a boost. */
typedef struct swdf__clock_saved {
  bool boosted;
  uint32_t rcc_cr, rcc_cfgr, rcc_pllcfgr, flash_acr;
} swdf__clock_saved;

/* Shared steps of a boost: switch SYSCLK to the PLL once it locks, and back. */
swdf_err swdf__clock_switch_to_pll(swdf_target *t, uint32_t rcc_cr, uint32_t rcc_cfgr);
swdf_err swdf__clock_restore(swdf_target *t, uint32_t rcc_cr, uint32_t rcc_cfgr,
                             uint32_t rcc_pllcfgr, uint32_t flash_acr,
                             const swdf__clock_saved *saved);

typedef struct swdf__family {
  const char *driver; /* matches swdf_chip.driver */
  const swdf__loader_blob *loader;
  /* Fill `ctl` for the connected chip (program width from the supply voltage...). */
  swdf_err (*describe)(swdf__flash_ctl *ctl, swdf_target *t);
  /* Before and after a flash job (caches off and back on...); may be NULL. */
  swdf_err (*prepare)(swdf_target *t, uint32_t *saved);
  swdf_err (*finish)(swdf_target *t, uint32_t saved);
  /*
   * Run the core from the PLL while the loader works (its checks and the
   * gap between program units scale with the CPU clock): only from the
   * reset clock setup, and undone exactly. `*hz` becomes the new core clock
   * (unchanged when nothing was done). May be NULL.
   */
  swdf_err (*boost)(swdf_target *t, swdf__clock_saved *saved, uint32_t *hz);
  swdf_err (*unboost)(swdf_target *t, const swdf__clock_saved *saved);
  void (*erase_cmd)(swdf__erase_cmd *out, const swdf__flash_ctl *ctl,
                    const swdf_flash_sector *sector);
  /* Mass erase of the banks set in `bank_mask` as commands (one per bank or
   * one for all); returns the number of commands written (at most 2). */
  unsigned (*mass_erase_cmds)(swdf__erase_cmd *out, const swdf__flash_ctl *ctl,
                              const swdf_flash_layout *layout);
} swdf__family;

/* The family driving this chip, or NULL (with an error on the context). */
const swdf__family *swdf__family_for(swdf_target *t);

/* Erase time of a unit of `size` bytes. */
uint32_t swdf__erase_time_us(const swdf__flash_ctl *ctl, uint32_t size, bool max);

/* Shared keys: the same on every F-series flash controller (PM0075, RM0090). */
#define SWDF_FLASH_KEY1 0x45670123u
#define SWDF_FLASH_KEY2 0xcdef89abu

#endif
