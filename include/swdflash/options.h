/*
 * Option bytes: read protection (RDP), write protection (WRP), watchdog and
 * reset behaviour, brown-out level, boot configuration, user data.
 * Included by <swdflash/swdflash.h>; do not include directly.
 *
 * Every chip family describes its option bytes as data (field names as in
 * the reference manual, in lower case; bit positions; meaning; allowed
 * values). The calls below read, decode, validate and write through that
 * description:
 *
 *   swdf_options *o;
 *   if (swdf_options_read(&o, target) == SWDF_OK) {
 *     if (swdf_options_set(o, "wdg_sw", "software", 0) == SWDF_OK)
 *       swdf_options_write(o, target, NULL);   // writes, reloads, reads back
 *     swdf_options_free(o);
 *   }
 *
 * Read protection level 2 can never be undone: swdf_options_set() refuses
 * it unless the caller passes SWDF_OPT_ALLOW_PERMANENT, and
 * swdf_options_write() refuses it unless its options carry the flag too.
 * A chip already at level 2 gets SWDF_ERR_PERMANENT for any change.
 */
#ifndef SWDFLASH_OPTIONS_H
#define SWDFLASH_OPTIONS_H

#ifdef __cplusplus
extern "C" {
#endif

typedef struct swdf_options swdf_options;

/* What a field is about. */
typedef enum swdf_opt_group {
  SWDF_OPT_GROUP_RDP = 0,      /* read protection level */
  SWDF_OPT_GROUP_WRP = 1,      /* write protection, code protection */
  SWDF_OPT_GROUP_WATCHDOG = 2,
  SWDF_OPT_GROUP_RESET = 3,    /* reset on low-power entry, NRST pin */
  SWDF_OPT_GROUP_BOR = 4,      /* brown-out reset */
  SWDF_OPT_GROUP_BOOT = 5,     /* boot selection, bank layout */
  SWDF_OPT_GROUP_USER = 6,     /* free user data */
  SWDF_OPT_GROUP_STATUS = 7,   /* read-only state of the flash controller */
  SWDF_OPT_GROUP_OTHER = 8,
} swdf_opt_group;

/* "rdp", "wrp", "watchdog", "reset", "bor", "boot", "user", "status", "other". */
SWDF_API const char *swdf_opt_group_name(swdf_opt_group group);

/* One option field with its current (and, once set, its new) value. */
typedef struct swdf_opt_field {
  size_t size;               /* sizeof(swdf_opt_field); set by the library */
  char name[24];             /* reference manual name in lower case: "rdp", "wdg_sw" */
  swdf_opt_group group;
  char text[200];            /* what the field does, in plain words */
  char warning[200];         /* what to know before changing it, or "" */
  char word[24];             /* the option word holding it */
  uint32_t addr;             /* the word's address */
  unsigned shift, width;     /* bit position in the word */
  uint32_t raw;              /* current value */
  char value[24];            /* current value by name ("software"), or the number */
  char value_text[200];      /* what the current value means, or "" */
  int has_default;
  uint32_t default_raw;      /* factory value */
  int read_only;             /* 1 for status fields: shown, never written */
  int any_value;             /* 1 when any number that fits is accepted */
  int changed;               /* 1 when swdf_options_set() gave it a new value */
  uint32_t new_raw;          /* the new value (= raw when unchanged) */
  char new_value[24];
  char new_value_text[200];
} swdf_opt_field;

/* One listed value of a field. */
typedef struct swdf_opt_value {
  size_t size;               /* sizeof(swdf_opt_value); set by the library */
  uint32_t raw;
  char name[16];             /* what to pass to swdf_options_set() */
  char text[200];
  int permanent;             /* 1 when it can never be undone (RDP level 2) */
  int erases_flash;          /* 1 when moving to it erases the whole flash */
} swdf_opt_value;

/* A raw option word. */
typedef struct swdf_opt_word {
  size_t size;               /* sizeof(swdf_opt_word); set by the library */
  char name[24];
  uint32_t addr;
  unsigned bits;             /* 16 or 32 */
  uint32_t value;            /* as read */
  uint32_t new_value;        /* with the changes set so far */
  int read_only;
  int consistent;            /* 0 when a value/complement pair does not match (F1) */
} swdf_opt_word;

/* A protected flash range. */
typedef struct swdf_opt_range {
  uint32_t addr;
  uint32_t size;
  int code_protection;       /* 1: execute-only (PCROP), else write protection */
  char field[24];            /* the field whose bits protect it */
} swdf_opt_range;

/*
 * Read and decode the option bytes of the connected chip. Works under read
 * protection. Fails with SWDF_ERR_UNSUPPORTED when the chip's family has no
 * option-byte description. Free with swdf_options_free(); the result stays
 * valid after the target is disconnected but must be freed before the
 * context.
 */
SWDF_API swdf_err swdf_options_read(swdf_options **out, swdf_target *target);

/* Free the result of swdf_options_read() or swdf_unlock(). NULL is ignored. */
SWDF_API void swdf_options_free(swdf_options *opts);

/* Name of the description used ("stm32f1-xl") and its reference manual sections. */
SWDF_API const char *swdf_options_description(const swdf_options *opts);
SWDF_API const char *swdf_options_source(const swdf_options *opts);

/* 1 when this library can change the options of the chip's family, else 0
 * (they can still be read). */
SWDF_API int swdf_options_writable(const swdf_options *opts);

SWDF_API size_t swdf_options_field_count(const swdf_options *opts);

/* Field `index` (0 .. count-1). SWDF_ERR_INVALID_ARG past the end. */
SWDF_API swdf_err swdf_options_field(swdf_opt_field *out, const swdf_options *opts, size_t index);

/* Index of the field called `name`, or -1. */
SWDF_API int swdf_options_find(const swdf_options *opts, const char *name);

/* The listed values of field `field`. */
SWDF_API size_t swdf_options_value_count(const swdf_options *opts, size_t field);
SWDF_API swdf_err swdf_options_value(swdf_opt_value *out, const swdf_options *opts, size_t field,
                                     size_t index);

/* The raw option words. */
SWDF_API size_t swdf_options_word_count(const swdf_options *opts);
SWDF_API swdf_err swdf_options_word(swdf_opt_word *out, const swdf_options *opts, size_t index);

/* Read protection level 0, 1 or 2 (-1 when it cannot be told), as read. */
SWDF_API int swdf_options_rdp_level(const swdf_options *opts);

/*
 * The protected flash ranges, sorted, as read (`staged` 0) or with the
 * changes set so far (`staged` 1). Returns how many there are; at most `max`
 * are written to `out`.
 */
SWDF_API size_t swdf_options_ranges(swdf_opt_range *out, size_t max, const swdf_options *opts,
                                    int staged);

/* Flags of swdf_options_set() and swdf_options_write_opts. */
#define SWDF_OPT_ALLOW_PERMANENT 0x1u /* allow values that can never be undone (RDP level 2) */

/*
 * Give field `name` the value `value` (a listed value name such as
 * "software" or "0", or a number for fields that take one), to be written by
 * swdf_options_write(). Nothing changes on the chip yet. Fails without
 * changing anything: SWDF_ERR_INVALID_ARG for an unknown field, a status
 * field or a value that is not allowed (the message lists what is), and
 * SWDF_ERR_PERMANENT for a permanent value without SWDF_OPT_ALLOW_PERMANENT.
 */
SWDF_API swdf_err swdf_options_set(swdf_options *opts, const char *name, const char *value,
                                   unsigned flags);

/*
 * Set every field to the value that removes protection: read protection
 * level 0 (which erases the whole flash when it was 1), no write
 * protection, no code protection. SWDF_ERR_PERMANENT at level 2.
 */
SWDF_API swdf_err swdf_options_set_unlocked(swdf_options *opts);

/*
 * Set every write- and code-protection field to the value that protects
 * nothing; read protection stays as it is, so the flash is not erased by
 * this change. SWDF_ERR_PERMANENT at level 2.
 */
SWDF_API swdf_err swdf_options_set_unprotected(swdf_options *opts);

/* Forget the changes set so far. */
SWDF_API void swdf_options_discard(swdf_options *opts);

/* Number of fields with a new value. */
SWDF_API size_t swdf_options_change_count(const swdf_options *opts);

/* 1 when writing the changes will erase the whole flash (RDP 1 -> 0). */
SWDF_API int swdf_options_change_erases(const swdf_options *opts);

typedef struct swdf_options_write_opts {
  size_t size;               /* sizeof(swdf_options_write_opts); set by the _INIT macro */
  unsigned flags;            /* SWDF_OPT_ALLOW_PERMANENT */
} swdf_options_write_opts;

#define SWDF_OPTIONS_WRITE_OPTS_INIT {sizeof(swdf_options_write_opts), 0}

/*
 * Write the changes: program the option words with the family's sequence,
 * make the chip load them (F1/F4: a reset, after which the core is left
 * halted at the reset vector), read them back and compare. On success
 * `opts` describes the chip as it is now and has no pending changes. `opts`
 * (write options) may be NULL. Nothing to write is a success.
 *
 * Failures: SWDF_ERR_PERMANENT (a permanent value without the flag, or the
 * chip is at level 2), SWDF_ERR_UNSUPPORTED (no writer for the family),
 * SWDF_ERR_FLASH, SWDF_ERR_TIMEOUT, SWDF_ERR_VERIFY (the read-back differs:
 * the message names the fields).
 */
SWDF_API swdf_err swdf_options_write(swdf_options *opts, swdf_target *target,
                                     const swdf_options_write_opts *wopts);

typedef struct swdf_unlock_opts {
  size_t size;               /* sizeof(swdf_unlock_opts); set by the _INIT macro */
} swdf_unlock_opts;

#define SWDF_UNLOCK_OPTS_INIT {sizeof(swdf_unlock_opts)}

/*
 * Remove read and write protection in one call: read, set unlocked values,
 * write, reload, read back. Going from read protection level 1 to 0 erases
 * the whole flash (the chip does it). `*out` receives the final state (free
 * it with swdf_options_free()); it is set also when the chip was unlocked
 * already. At level 2 fails with SWDF_ERR_PERMANENT: such a chip cannot be
 * recovered. Connect with SWDF_CONNECT_UNDER_RESET (or AUTO) to reach chips
 * whose firmware turns SWD off.
 */
SWDF_API swdf_err swdf_unlock(swdf_options **out, swdf_target *target,
                              const swdf_unlock_opts *opts);

#ifdef __cplusplus
}
#endif

#endif
