/*
 * Writing, erasing and verifying flash.
 * Included by <swdflash/swdflash.h>; do not include directly.
 *
 * One call does the common job:
 *
 *   swdf_write_opts opts = SWDF_WRITE_OPTS_INIT;
 *   swdf_write_stats stats;
 *   err = swdf_flash_write_image(&stats, target, image, &opts);
 *
 * It checks the image against the chip's flash before touching anything,
 * compares each erase unit (page or sector) the image touches with the
 * image on the target (CRC-32), erases only units that differ and are not
 * blank, keeps every byte outside the image (also inside a partly covered
 * unit: it is read, and written back after the erase), programs through an
 * on-target loader that programs one block while the probe streams the
 * next, and verifies. Success is only returned once verification passed
 * (unless verification was switched off).
 *
 * The same work in pieces: swdf_flash_plan_new() (read-only: checks the
 * target and decides what to do), swdf_flash_plan_execute() (erase and
 * program), swdf_flash_verify(); plus swdf_flash_erase() and
 * swdf_flash_mass_erase().
 *
 * Progress goes to the context's callback in phases SWDF_PHASE_CHECK,
 * SWDF_PHASE_ERASE, SWDF_PHASE_PROGRAM and SWDF_PHASE_VERIFY, counting bytes.
 * The core is halted while the flash is written; afterwards its registers
 * are restored as they were (or the chip is reset with `run_after`).
 */
#ifndef SWDFLASH_FLASH_H
#define SWDFLASH_FLASH_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum swdf_verify_mode {
  SWDF_VERIFY_CRC = 0,      /* CRC-32 computed on the target, compared with the host's */
  SWDF_VERIFY_READBACK = 1, /* read everything written back over SWD and compare */
  SWDF_VERIFY_NONE = 2,     /* trust the flash controller's status */
} swdf_verify_mode;

/* "crc", "readback", "none". */
SWDF_API const char *swdf_verify_mode_name(swdf_verify_mode mode);

typedef enum swdf_flash_method {
  SWDF_FLASH_AUTO = 0,      /* the on-target loader; the register path if it cannot run */
  SWDF_FLASH_LOADER = 1,    /* the on-target loader only */
  SWDF_FLASH_REGISTERS = 2, /* host-driven register writes: slow, needs no RAM */
} swdf_flash_method;

typedef struct swdf_write_opts {
  size_t size;              /* sizeof(swdf_write_opts); set by SWDF_WRITE_OPTS_INIT */
  swdf_verify_mode verify;
  int mass_erase;           /* 1: erase the whole flash first (nothing outside the image kept) */
  int skip_unchanged;       /* 1: leave units that already hold the image alone (default) */
  swdf_flash_method method;
  int run_after;            /* 1: after success reset the chip and let it run */
} swdf_write_opts;

#define SWDF_WRITE_OPTS_INIT {sizeof(swdf_write_opts), SWDF_VERIFY_CRC, 0, 1, SWDF_FLASH_AUTO, 0}

/* What a write did (or, for a plan, will do). */
typedef struct swdf_write_stats {
  size_t size;               /* sizeof(swdf_write_stats); set by the library */
  uint64_t image_bytes;      /* data bytes in the image */
  uint32_t units;            /* erase units the image touches */
  uint32_t units_unchanged;  /* already held the image: left alone */
  uint32_t units_blank;      /* blank where the image goes: programmed without any erase */
  uint32_t units_erased;     /* erased (on their own, or by the erase of the whole flash when
                                mass_erase is 1), then programmed */
  uint32_t erase_bytes;      /* bytes erased (the whole flash for mass erase) */
  uint64_t program_bytes;    /* bytes programmed, image and kept bytes together */
  uint64_t kept_bytes;       /* bytes outside the image read and written back */
  int mass_erase;            /* 1: the whole flash erased first (asked, or chosen for an
                                image filling the flash because it is quicker); by its mass
                                erase command or unit by unit, whichever is quicker */
  swdf_verify_mode verify;   /* how the result was verified */
  int verified;              /* 1 when verification ran and passed */
  char method[16];           /* "loader" or "registers" */
  uint32_t program_width;    /* bytes per program operation used */
  uint64_t estimated_us;     /* time the plan expects (datasheet typical times and the wire) */
  uint32_t units_programmed; /* units with bytes to program (an erased unit may have none:
                                the image is all 0xFF there) */
  uint32_t units_protected;  /* units the write would change (for mass_erase: units anywhere in
                                the flash) that the option bytes protect; when not 0 the plan
                                is refused (swdf_flash_plan_refusal) and nothing is erased */
} swdf_write_stats;

/*
 * Write an image and verify it (see the top of this file). `out` may be
 * NULL. `opts` may be NULL for the defaults. Failures: SWDF_ERR_RANGE (image
 * outside the flash; nothing touched), SWDF_ERR_WRITE_PROTECTED,
 * SWDF_ERR_FLASH (the controller reported an error; message names the
 * address and the cause), SWDF_ERR_TIMEOUT, SWDF_ERR_VERIFY, and the
 * connection errors of the lower layers.
 */
SWDF_API swdf_err swdf_flash_write_image(swdf_write_stats *out, swdf_target *target,
                                         const swdf_image *image, const swdf_write_opts *opts);

/* ---- the pieces ---------------------------------------------------------- */

typedef struct swdf_flash_plan swdf_flash_plan;

typedef enum swdf_unit_action {
  SWDF_UNIT_UNCHANGED = 0, /* already holds the image */
  SWDF_UNIT_PROGRAM = 1,   /* blank where the image goes: program only */
  SWDF_UNIT_ERASE = 2,     /* erase, then program the image and the kept bytes */
} swdf_unit_action;

/* "unchanged", "program", "erase". */
SWDF_API const char *swdf_unit_action_name(swdf_unit_action action);

/* One erase unit the image touches. */
typedef struct swdf_plan_unit {
  uint32_t addr;
  uint32_t size;
  uint32_t index;          /* reference manual's page or sector number */
  uint32_t bank;
  swdf_unit_action action;
  uint32_t image_bytes;    /* image bytes inside this unit */
  uint32_t program_bytes;  /* bytes that will be programmed */
  uint32_t kept_bytes;     /* bytes outside the image written back after the erase */
  int write_protected;     /* 1: the option bytes protect this unit from erase and programming
                              (write protection, or an execute-only PCROP sector) */
} swdf_plan_unit;

/*
 * Decide what writing `image` takes: checks the image against the flash,
 * reads the protection (read protection fails here with
 * SWDF_ERR_READ_PROTECTED; write protection is recorded per unit), and
 * (unless opts->mass_erase) reads the target's units through CRC and blank
 * checks. Changes nothing in flash; the core stays halted and the loader
 * ready until the plan is executed or freed (freeing restores the core).
 * Free with swdf_flash_plan_free().
 *
 * Every check that can fail without touching the chip is made here, so a
 * plan either is executable or carries its refusal: see
 * swdf_flash_plan_refusal(). Execution of a refused plan fails with that
 * error before anything is erased.
 */
SWDF_API swdf_err swdf_flash_plan_new(swdf_flash_plan **out, swdf_target *target,
                                      const swdf_image *image, const swdf_write_opts *opts);
SWDF_API void swdf_flash_plan_free(swdf_flash_plan *plan);

SWDF_API size_t swdf_flash_plan_unit_count(const swdf_flash_plan *plan);
SWDF_API const swdf_plan_unit *swdf_flash_plan_unit_at(const swdf_flash_plan *plan, size_t i);

/* Totals of the plan: what it will erase and program, and the time it expects. */
SWDF_API swdf_err swdf_flash_plan_stats(swdf_write_stats *out, const swdf_flash_plan *plan);

/*
 * SWDF_OK when the plan may be executed, else the error its execution
 * returns without touching the flash (SWDF_ERR_WRITE_PROTECTED: a unit the
 * plan would erase or program is protected, or, for a mass erase, any unit
 * is), with its message and hint on the context (they name the protected
 * units). For dry runs: show the plan, then say why it would be refused.
 */
SWDF_API swdf_err swdf_flash_plan_refusal(const swdf_flash_plan *plan);

/*
 * Carry out a plan: erase and program (and verify as opts->verify says).
 * A plan is executed at most once; a refused plan (see
 * swdf_flash_plan_refusal) is not executed at all.
 */
SWDF_API swdf_err swdf_flash_plan_execute(swdf_write_stats *out, swdf_flash_plan *plan);

/*
 * Compare the flash with an image: SWDF_OK when every image byte matches,
 * SWDF_ERR_VERIFY naming the first range (with CRC) or address (readback)
 * that differs. SWDF_VERIFY_NONE is invalid here.
 */
SWDF_API swdf_err swdf_flash_verify(swdf_target *target, const swdf_image *image,
                                    swdf_verify_mode mode);

/*
 * Erase the units in [addr, addr + len). Both ends must fall on unit
 * boundaries (the message says which units would be needed otherwise), so
 * that nothing outside the range changes. Refused before anything is
 * erased (SWDF_ERR_WRITE_PROTECTED) when a unit of the range is protected.
 */
SWDF_API swdf_err swdf_flash_erase(swdf_target *target, uint32_t addr, uint32_t len);

/* Erase the whole flash (every bank): by mass erase, or unit by unit where
 * the datasheet times say that is quicker; then check that it reads blank.
 * Refused before anything is erased (SWDF_ERR_WRITE_PROTECTED, the message
 * names the protected units) when any unit is protected: remove the
 * protection first (swdf_options_set_unprotected, swdf_options_write). */
SWDF_API swdf_err swdf_flash_mass_erase(swdf_target *target);

#ifdef __cplusplus
}
#endif

#endif
