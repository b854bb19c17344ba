/*
 * Flash controller families. A family is one file in lib/families/ (f1.c,
 * f4.c, ...) read top to bottom: register map, error bits, timings, the
 * flash-job hooks, erase commands, the option-byte write sequence and the
 * boot rules, ending in one `const swdf__family`, registered by one line in
 * families.c. The flash engine drives any family through this description
 * and the generic on-target loader built for the family's core; the few
 * things that differ in kind are the functions of swdf__family.
 */
#ifndef SWDF_FAMILY_H
#define SWDF_FAMILY_H

#include <stdbool.h>
#include <stdint.h>

#include "adi/target_internal.h"
#include "flash/loaders/loader_blobs.h"
#include "options/optdesc.h"

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
  uint32_t ccr;              /* error-clear register offset; 0 = clear by writing SR */
  uint32_t sr_busy;          /* set while an operation runs */
  uint32_t sr_wait;          /* bits to wait on after a program unit; 0 = sr_busy */
  uint32_t sr_errors;
  uint32_t sr_clear; /* write-1-to-clear bits cleared before starting (through CCR or SR) */
  uint32_t cr_lock;
  uint32_t cr_start;   /* STRT */
  uint32_t cr_program; /* PG (| PSIZE) */
  uint32_t cr_psize;   /* PSIZE bits also set for erases (F2/F4 erase parallelism) */
  uint32_t cr_force;   /* CR bit that writes out a partial unit (H7 FW); 0 = none */
  /* Bank swap in effect (G0 nSWAP_BANK=0): the bank-select bits of erase
   * commands name the physical bank, which is then the other one. */
  bool banks_swapped;
  /* Bytes per program operation (1, 2, 4, 8, 16 or 32): the loader stores
   * them `access` bytes at a time back to back, then waits for sr_wait. */
  uint32_t unit;
  uint32_t access; /* width of each store: 1, 2 or 4; 0 = min(unit, 4) */
  /* IWDG key register the loader reloads before each slot, so that a
   * watchdog the firmware started does not reset the chip; 0 = none. */
  uint32_t iwdg_kr;
  /* RAM the loader and its ring go to; 0 = the chip's RAM (chip data). */
  uint32_t ram_base, ram_size;
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

/* The IWDG key register of F0/F1/F2/F3/F4/G0/L4 (RM0008 section 19.4.1). */
#define SWDF_IWDG_KR 0x40003000u

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

/* Shared steps of a boost: switch SYSCLK to the PLL once it locks, and back.
 * `sw_bits` is the width of RCC_CFGR.SW (2 on F1/F4, 3 on G0), SWS follows. */
swdf_err swdf__clock_switch_to_pll(swdf_target *t, uint32_t rcc_cr, uint32_t rcc_cfgr,
                                   unsigned sw_bits);
swdf_err swdf__clock_restore(swdf_target *t, uint32_t rcc_cr, uint32_t rcc_cfgr,
                             uint32_t rcc_pllcfgr, uint32_t flash_acr, unsigned sw_bits,
                             const swdf__clock_saved *saved);

/* The core a family's chips have: it picks the loader build. */
typedef enum swdf__core {
  SWDF__CORE_V7M = 0, /* Cortex-M3/M4/M7 (ARMv7-M) */
  SWDF__CORE_V6M = 1, /* Cortex-M0/M0+ (ARMv6-M, Thumb-1 only) */
} swdf__core;

/* The loader blob built for a core. */
const swdf__loader_blob *swdf__loader_for_core(swdf__core core);

/* How a family boots and what makes its ROM bootloader reachable. */
typedef struct swdf__boot_rules {
  /* Does the ROM bootloader of this part offer USB DFU at all (AN2606)? */
  bool (*rom_has_dfu)(const swdf_chip *chip);
  /* Plain words: what the ROM DFU needs on this family besides the boot
   * choice (clock source, cable, pins left alone), or NULL. */
  const char *dfu_needs;
  /* Decode the option bytes into the boot configuration: pin_honoured,
   * boot_pin_low/high, rom_reachable, empty_check, explain, repairs. The
   * caller fills size, rom_has_dfu and dfu_needs. */
  swdf_err (*config)(swdf_boot_config *out, const swdf_options *o, const swdf_chip *chip);
  /* Where the chip started at its last reset, on chips that alias nothing
   * at address 0 (H7: the ITCM is there); fills `why` with the evidence.
   * NULL: the memory seen at address 0 tells (F1/F4/G0). */
  void (*source)(swdf_boot_source *out, char *why, size_t why_len, swdf_target *t);
} swdf__boot_rules;

typedef struct swdf__family {
  const char *driver; /* matches swdf_chip.driver ("stm32g0") */
  const char *title;  /* "STM32G0", for messages */
  swdf__core core;    /* picks the loader build */
  uint32_t reset_clock_hz; /* core clock after reset (timing model section 3; RM clock chapter) */
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
  /* The erase of one whole bank of a multi-bank layout as one command
   * (G0 MER1 or MER2); false when the family has none. May be NULL. */
  bool (*bank_erase_cmd)(swdf__erase_cmd *out, const swdf__flash_ctl *ctl,
                         const swdf_flash_layout *layout, unsigned bank);
  /* After a successful write or erase, before the core is resumed (G0: set
   * FLASH_ACR.EMPTY from the new content of the flash base so that the next
   * reset boots it). Writes a plain sentence into `note` (or ""). May be NULL. */
  swdf_err (*after_write)(swdf_target *t, char *note, size_t note_len);
  /*
   * Option bytes. opt_write programs `new_words` (one per description word;
   * readonly words are left alone) with the controller's sequence. `erases`
   * is true when the change makes the chip erase its whole flash first
   * (read protection 1 -> 0), which sets the deadline. Leaves the controller
   * locked, also on failure. NULL: options can be read but not written.
   */
  swdf_err (*opt_write)(swdf_target *t, const swdf_optd *d, const uint32_t *new_words, bool erases);
  /* Make the chip load the options it now holds (F1/F4: a reset; G0:
   * OBL_LAUNCH and reconnect), leaving the core halted at the reset vector
   * so that no firmware runs before they are read back. NULL: none needed. */
  swdf_err (*opt_reload)(swdf_target *t);
  const swdf__boot_rules *boot; /* NULL: unknown */
} swdf__family;

/* The family of a chip by its driver name, or NULL. */
const swdf__family *swdf__family_by_driver(const char *driver);

/* The family driving this chip, or NULL (with an error on the context). */
const swdf__family *swdf__family_for(swdf_target *t);

/* Erase time of a unit of `size` bytes. */
uint32_t swdf__erase_time_us(const swdf__flash_ctl *ctl, uint32_t size, bool max);

/* Option-byte helpers shared by the families' writers. */

/* Deadline for an option change: the datasheet time of the operation, and
 * when it erases the flash, the mass erase of every bank on top (with room
 * for the slowest erase parallelism). */
uint64_t swdf__opt_deadline_us(swdf_target *t, uint32_t op_max_us, bool erases);

/* Wait for an option change that has started: poll the register at `addr`
 * (named `reg` in messages) until its `busy` bits clear, keeping its last
 * value in `*value`, for at most `timeout_us` (swdf__opt_deadline_us). When
 * the change erases the flash (read protection 1 -> 0) the chip shows
 * nothing of its progress: with `erase_typ_us` not 0, SWDF_PHASE_ERASE
 * progress over the flash size is the time elapsed against that typical
 * time. The chip finishes whatever the host does, so a request to cancel is
 * not taken here (callers hold cancellation). */
swdf_err swdf__opt_wait(uint32_t *value, swdf_target *t, uint32_t addr, const char *reg,
                        uint32_t busy, uint64_t timeout_us, uint64_t erase_typ_us);

/* Typical time of the mass erase that a read protection regression runs:
 * the mass erase of every bank, one after the other. */
uint64_t swdf__opt_regression_typ_us(const swdf__flash_ctl *ctl, swdf_target *t);

/* Lock the controller again after a write that ended with `err`: modify
 * the register at `addr` (clear, set) and return the first failure, keeping
 * the earlier one's message. */
swdf_err swdf__opt_relock(swdf_target *t, swdf_err err, uint32_t addr, uint32_t clear,
                          uint32_t set);

/*
 * A lock of a flash controller opened by two keys: the status register
 * whose `locked` bits read 1 (or `opened` bits read 0) while it is locked,
 * and the key register. The keys go only to a locked register, since a
 * key written to an unlocked one locks it until the next reset (PM0075
 * section 2.3.1, RM0090 section 3.5.1, RM0444 section 3.3.6, RM0433
 * section 4.5.1); then the register is read back.
 */
typedef struct swdf__key_lock {
  const char *name;   /* "FLASH_CR", for the message */
  uint32_t status;    /* address of the register showing the lock */
  uint32_t locked;    /* bits set while locked (LOCK, OPTLOCK) */
  uint32_t opened;    /* bits set once unlocked (F1 OPTWRE); 0 none */
  uint32_t keyr;      /* address of the key register */
  uint32_t key1, key2;
} swdf__key_lock;

/* Open `lock`; fails with SWDF_ERR_FLASH and a plain message ("FLASH_CR
 * stays locked after the unlock keys") when it is still locked after the
 * keys. */
swdf_err swdf__unlock_with_keys(swdf_target *t, const swdf__key_lock *lock);

/* Add a repair to a boot configuration (dropped when the list is full):
 * set option `field` to `value`, for the reason `why`; `starts_flash` if it
 * makes the next reset start the program in flash (swdf_boot_config). */
void swdf__boot_add_repair(swdf_boot_config *out, const char *field, const char *value,
                           const char *why, int starts_flash);

/* Reset and halt at the reset vector: the reload of F1 and F4 options. */
swdf_err swdf__opt_reload_by_reset(swdf_target *t);

/* Shared keys: the same on every F-series flash controller (PM0075, RM0090). */
#define SWDF_FLASH_KEY1 0x45670123u
#define SWDF_FLASH_KEY2 0xcdef89abu
/* Option-byte keys: the same on the F2/F4, G0 and H7 controllers (RM0090
 * section 3.6.2, RM0444 section 3.4.2, RM0433 section 4.4); the F1 takes
 * the flash keys for its options too (PM0075, FLASH_OPTKEYR). */
#define SWDF_OPT_KEY1 0x08192a3bu
#define SWDF_OPT_KEY2 0x4c5d6e7fu

#endif
