/*
 * Option bytes as data.
 *
 * Each flash controller family describes its option bytes in a text file
 * (chipdb/options/<family>.opt, format in chipdb/options/README.md): the
 * words that hold them, every field with its bit position, width, meaning
 * in words, allowed values, factory default, which values can never be
 * undone, and how write-protection bits map to addresses. This file holds
 * the parsed form, the parser (shared with the build-time checker, so it
 * depends on nothing but the C library) and the generic decoder/encoder
 * that every family uses. Only the write sequence is family code
 * (lib/families/<family>_options.c).
 */
#ifndef SWDF_OPTDESC_H
#define SWDF_OPTDESC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
  SWDF_OPTD_NAME_MAX = 24,
  SWDF_OPTD_VALUE_NAME_MAX = 16,
  SWDF_OPTD_TEXT_MAX = 200,
  SWDF_OPTD_MAX_WORDS = 12,
  SWDF_OPTD_MAX_FIELDS = 40,
  SWDF_OPTD_MAX_VALUES = 8,
  SWDF_OPTD_MAX_DEV_IDS = 16,
};

/* What a field is about; the tools group fields by it. */
typedef enum swdf_optd_group {
  SWDF_OPTD_GROUP_RDP = 0,      /* the read-protection level (exactly one field) */
  SWDF_OPTD_GROUP_WRP = 1,      /* write protection (and code protection) */
  SWDF_OPTD_GROUP_WATCHDOG = 2,
  SWDF_OPTD_GROUP_RESET = 3,    /* reset on low-power entry, NRST pin */
  SWDF_OPTD_GROUP_BOR = 4,      /* brown-out reset */
  SWDF_OPTD_GROUP_BOOT = 5,     /* boot selection, bank layout */
  SWDF_OPTD_GROUP_USER = 6,     /* free user data */
  SWDF_OPTD_GROUP_STATUS = 7,   /* read-only state of the controller */
  SWDF_OPTD_GROUP_OTHER = 8,
  SWDF_OPTD_GROUP_COUNT = 9,
} swdf_optd_group;

/* One option word: a register or a half-word/word of the option area. */
typedef struct swdf_optd_word {
  char name[SWDF_OPTD_NAME_MAX];
  uint32_t addr;       /* where the current value is read */
  uint32_t write_addr; /* where a new value is written (H7 *_PRG registers); = addr otherwise */
  uint8_t bits;        /* 16 or 32 */
  bool complement;     /* 16-bit pair: bits 15:8 hold the complement of bits 7:0 (F0/F1/F3) */
  bool readonly;       /* a status register: shown, never written */
} swdf_optd_word;

/* Value flags. */
enum {
  SWDF_OPTD_PERMANENT = 1u << 0, /* can never be undone (RDP level 2) */
  SWDF_OPTD_ERASES = 1u << 1,    /* moving to this value erases the whole flash (RDP 1 -> 0) */
};

typedef struct swdf_optd_value {
  uint32_t raw;
  char name[SWDF_OPTD_VALUE_NAME_MAX]; /* what a user types: "0", "software", "none" */
  char text[SWDF_OPTD_TEXT_MAX];       /* what it means */
  uint8_t flags;
} swdf_optd_value;

/* How the bits of a write-protection field map to the flash. */
typedef enum swdf_optd_protect_kind {
  SWDF_OPTD_PROTECT_NONE = 0,
  SWDF_OPTD_PROTECT_GROUPS = 1,  /* bit i: `group_size` bytes at flash base + (first + i) * size */
  SWDF_OPTD_PROTECT_SECTORS = 2, /* bit i: sector number first + i of the flash layout */
  SWDF_OPTD_PROTECT_PAGES = 3,   /* this field = first page, `end_field` = last page, in `bank` */
} swdf_optd_protect_kind;

typedef struct swdf_optd_protect {
  swdf_optd_protect_kind kind;
  bool active_low;          /* a 0 bit protects (nWRP); else a 1 bit protects */
  bool last_bit_rest;       /* the highest bit covers everything after its own group */
  uint32_t group_size;      /* GROUPS */
  uint32_t first;           /* GROUPS: index of bit 0's group; SECTORS: sector number of bit 0 */
  uint8_t bank;             /* PAGES: 0 or 1 */
  int8_t end_field;         /* PAGES: index of the field holding the last page */
  int8_t mode_field;        /* -1, or a field whose value 1 turns the bits into code
                               protection (PCROP) with the opposite polarity (F4 SPRMOD) */
} swdf_optd_protect;

typedef struct swdf_optd_field {
  char name[SWDF_OPTD_NAME_MAX];  /* the reference manual's name in lower case */
  uint8_t word;                   /* index into the description's words */
  uint8_t shift;
  uint8_t width;
  swdf_optd_group group;
  char text[SWDF_OPTD_TEXT_MAX];  /* what the field does */
  char warning[SWDF_OPTD_TEXT_MAX]; /* said before changing it; "" when harmless */
  bool has_default;
  uint32_t default_raw;           /* factory value */
  bool any_value;                 /* any number that fits is allowed (not only listed values) */
  int8_t other;                   /* value meant by any raw value not listed; -1 none */
  bool has_unlock;                /* `unlock` sets this field ... */
  uint32_t unlock_raw;            /* ... to this value */
  uint8_t value_count;
  swdf_optd_value values[SWDF_OPTD_MAX_VALUES];
  swdf_optd_protect protect;
  uint8_t in_force;               /* rdp field: 0, or 1 + the index of the status field telling
                                     the level in force now when this one only takes effect at
                                     the next reset (F1 FLASH_OBR.RDPRT) */
} swdf_optd_field;

/* The option bytes of one set of chips. */
typedef struct swdf_optd {
  char name[32];                  /* "stm32f1-xl" */
  char driver[16];                /* flash controller driver, as in the chip database */
  uint8_t dev_id_count;           /* 0: every chip of the driver */
  uint16_t dev_ids[SWDF_OPTD_MAX_DEV_IDS];
  char source[SWDF_OPTD_TEXT_MAX]; /* reference manual sections */
  uint8_t swap_field;             /* 0, or 1 + the index of the field that swaps the banks
                                     in the address map when it holds swap_raw: `protects
                                     pages bank=N` names the physical bank (G0B1 nSWAP_BANK) */
  uint32_t swap_raw;
  uint8_t dual_field;             /* 0, or 1 + the index of the one-bit field that selects the
                                     chip data's dual-bank geometry when it holds dual_raw */
  uint32_t dual_raw;
  uint8_t word_count;
  swdf_optd_word words[SWDF_OPTD_MAX_WORDS];
  uint8_t field_count;
  swdf_optd_field fields[SWDF_OPTD_MAX_FIELDS];
} swdf_optd;

/* A parsed set of descriptions (owned). */
typedef struct swdf_optd_set {
  swdf_optd *items;
  size_t count;
  size_t capacity;
} swdf_optd_set;

/* ---- parsing ---------------------------------------------------------- */

/*
 * Parse one .opt text and append its descriptions to `set`. On error returns
 * false with "FILE:LINE: message" in `err`; `set` then keeps what was
 * complete before the error.
 */
bool swdf__optd_parse(swdf_optd_set *set, const char *text, const char *file_name, char *err,
                      size_t err_len);

void swdf__optd_set_free(swdf_optd_set *set);

/* Parse every description compiled into the library into `set` (which must
 * be empty). Fails only when the library itself is broken. */
bool swdf__optd_load_builtin(swdf_optd_set *set, char *err, size_t err_len);

/* The description for a chip, or NULL. A description listing dev_ids beats
 * one for every chip of the driver. */
const swdf_optd *swdf__optd_find(const swdf_optd_set *set, const char *driver, uint16_t dev_id);

/* Field by name, -1 when absent. */
int swdf__optd_field_index(const swdf_optd *d, const char *name);

/* "rdp", "wrp", ... as written in the files. */
const char *swdf__optd_group_name(swdf_optd_group group);

/* ---- decoding and encoding ------------------------------------------- */

/* Raw value of field `f` in the option words `words` (one per description word). */
uint32_t swdf__optd_get(const swdf_optd *d, const uint32_t *words, size_t f);

/* Store `raw` into field `f`, updating the complement byte of pair words. */
void swdf__optd_put(const swdf_optd *d, uint32_t *words, size_t f, uint32_t raw);

/* The listed value for `raw` (or the `other` value), NULL when neither. */
const swdf_optd_value *swdf__optd_value_of(const swdf_optd_field *field, uint32_t raw);

/* Value by the name a user types, NULL when not listed. */
const swdf_optd_value *swdf__optd_value_named(const swdf_optd_field *field, const char *name);

/*
 * Turn what a user typed into a raw value: a listed value name, or a number
 * (decimal, 0x hex, 0b binary) that is listed or, for fields that take any
 * value, fits the width. On failure writes a message naming the allowed
 * values into `err` and returns false.
 */
bool swdf__optd_parse_value(const swdf_optd_field *field, const char *text, uint32_t *raw,
                            char *err, size_t err_len);

/* Name of the value as shown: the listed name, else the number ("0x3f"). */
void swdf__optd_value_name(char *out, size_t out_len, const swdf_optd_field *field, uint32_t raw);

/* False when a complement pair word does not hold value and complement. */
bool swdf__optd_word_consistent(const swdf_optd *d, const uint32_t *words, size_t w);

/* Read-protection level 0/1/2 from the words, -1 when it cannot be told. */
int swdf__optd_rdp_level(const swdf_optd *d, const uint32_t *words);

/* Index of the read-protection field, -1 when the description has none. */
int swdf__optd_rdp_field(const swdf_optd *d);

/*
 * Read protection and the bank-layout option bit are described once, in
 * the option description: the chips of a family that has one carry no
 * `rdp` or `dual_bank_option` line in their chip data, and this fills each
 * such chip's `rdp` (register, field, value -> level, from the in-force
 * field) and its dual-bank option bit (from the field marked `dual-bank`).
 * Chips of families without a description keep their lines. False when
 * the built-in descriptions cannot be parsed (a broken library).
 */
struct swdf_chip;
bool swdf__optd_derive_chip_data(struct swdf_chip *chips, size_t count);

/* Index of the field telling the read-protection level in force now: the
 * rdp field's `in-force` status field, else the rdp field; -1 none. */
int swdf__optd_rdp_now_field(const swdf_optd *d);

/* ---- write protection as addresses ------------------------------------ */

/* The flash as the protection bits see it. */
typedef struct swdf_optd_flash {
  uint32_t base;
  uint32_t size;
  /* Sector (or page) lookup: address and size of the unit numbered `index`
   * as the reference manual numbers it (bank 2 included); false when there
   * is no such unit. */
  bool (*unit)(void *user, uint32_t index, uint32_t *addr, uint32_t *size);
  /* Start and page size of bank `bank`; false when there is no such bank. */
  bool (*bank)(void *user, unsigned bank, uint32_t *addr, uint32_t *page_size);
  void *user;
} swdf_optd_flash;

typedef enum swdf_optd_range_kind {
  SWDF_OPTD_RANGE_WRITE = 0, /* write (and erase) protected */
  SWDF_OPTD_RANGE_PCROP = 1, /* execute-only: neither readable nor writable */
} swdf_optd_range_kind;

typedef struct swdf_optd_range {
  uint32_t addr;
  uint32_t size;
  swdf_optd_range_kind kind;
  uint8_t field; /* the field whose bits protect it */
} swdf_optd_range;

/*
 * The protected address ranges, sorted, adjacent ranges of the same field
 * and kind merged, clipped to the flash. Returns how many there are (may
 * exceed `max`; only `max` are written).
 */
size_t swdf__optd_protected_ranges(swdf_optd_range *out, size_t max, const swdf_optd *d,
                                   const uint32_t *words, const swdf_optd_flash *flash);

#endif
