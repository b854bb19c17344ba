/*
 * The chip database: what the library knows about each STM32 part, as data.
 *
 * The entries come from the text files chipdb/<family>.chip (one per family),
 * turned into C tables at build time by the same parser that the library
 * uses to load extra files at run time (SWDFLASH_CHIPDB or
 * swdf_ctx_opts.chipdb_dir). Adding a chip of a known family means adding a
 * section to a file; see chipdb/README.md for the format.
 *
 * Internal to libswdflash (not installed). Used by the target layer to
 * identify a chip and by the flash engine and option-byte code for the
 * geometry and register addresses.
 */
#ifndef SWDF_CHIPDB_H
#define SWDF_CHIPDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
  SWDF_CHIP_ID_MAX = 32,
  SWDF_CHIP_NAME_MAX = 64,
  SWDF_CHIP_MAX_GROUPS = 6,     /* sector groups per bank layout */
  SWDF_CHIP_MAX_REVISIONS = 8,
  SWDF_CHIP_MAX_OPTION_REGS = 8,
  SWDF_CHIP_MAX_MAP = 4,        /* entries of a value map */
  SWDF_CHIP_NOTE_MAX = 192,
};

/* A run of `count` equal erase units of `size` bytes. */
typedef struct swdf_chip_group {
  uint32_t count;
  uint32_t size;
} swdf_chip_group;

/* Where the second bank starts (when there are two). */
typedef enum swdf_bank_split {
  SWDF_BANK_SPLIT_FIXED = 0,    /* bank 2 at base + bank_size (F1 XL, F42x 2 MiB, H7) */
  SWDF_BANK_SPLIT_HALF = 1,     /* bank 2 at base + flash size / 2 (G0B1, L4) */
  SWDF_BANK_SPLIT_HALF_MAX = 2, /* bank 2 at base + maximum size / 2, banks of size / 2 (G4) */
} swdf_bank_split;

/*
 * Erase-unit layout of one bank organisation. Uniform pages have one group
 * whose count is 0 ("as many as fit"); sector layouts list their groups, and
 * the last group's size repeats if the bank is larger than the list.
 */
typedef struct swdf_chip_geometry {
  uint8_t banks;                /* 1 or 2 */
  swdf_bank_split split;
  uint32_t bank_size;           /* for SWDF_BANK_SPLIT_FIXED */
  uint8_t group_count;
  swdf_chip_group groups[SWDF_CHIP_MAX_GROUPS];
  uint32_t bank2_first_index;   /* sector number of bank 2's first unit; 0 = continue */
} swdf_chip_geometry;

typedef struct swdf_chip_revision {
  uint16_t rev_id;
  char name[6];
} swdf_chip_revision;

typedef struct swdf_chip_map_entry {
  uint32_t from;
  uint32_t to;
} swdf_chip_map_entry;

/* A register or memory word shown as a raw option word. */
typedef struct swdf_chip_option_reg {
  char name[16];
  uint32_t addr;
} swdf_chip_option_reg;

/* Read protection as seen in a register field, mapped to a level 0/1/2. */
typedef struct swdf_chip_rdp {
  uint32_t reg;                 /* 0: unknown */
  uint8_t shift;
  uint8_t width;
  uint8_t map_count;
  swdf_chip_map_entry map[SWDF_CHIP_MAX_MAP]; /* field value -> level */
  uint8_t other_level;          /* level of any value not in the map */
} swdf_chip_rdp;

/*
 * Behaviour differences written down as data; the flash engine and the
 * target layer read these bits. Names in the .chip files: see
 * swdf_chip_quirk_name().
 */
typedef enum swdf_chip_quirk {
  SWDF_QUIRK_WAIT_BSY_EACH_UNIT = 1u << 0, /* "wait-bsy-each-unit": poll BSY after every
                                              program unit; no back-to-back writes (APM32) */
  SWDF_QUIRK_ERASE_BSY_DELAY = 1u << 1,    /* "erase-bsy-delay": BSY reads 0 right after
                                              STRT; wait before the first poll */
  SWDF_QUIRK_NO_UNIQUE_ID = 1u << 2,       /* "no-unique-id": UID area not implemented */
  SWDF_QUIRK_FLASH_SIZE_UNRELIABLE = 1u << 3, /* "flash-size-unreliable": size register may
                                                 lie; trust it only up to flash_max */
  SWDF_QUIRK_CLONE = 1u << 4,              /* "clone": not an ST part */
  SWDF_QUIRK_IDCODE_REV_A = 1u << 5,       /* "idcode-errata": DEV_ID reads wrong on rev A */
} swdf_chip_quirk;

typedef struct swdf_chip {
  char id[SWDF_CHIP_ID_MAX];     /* unique key, e.g. "stm32f1-md" */
  char name[SWDF_CHIP_NAME_MAX]; /* "STM32F10x medium density" */
  char family[8];                /* "f1": the fact-sheet family */
  char driver[16];               /* flash controller driver, e.g. "stm32f1" */
  char core[16];                 /* "Cortex-M3" */

  /* Identification: every field that is set must match. */
  uint16_t dev_id;               /* DBGMCU_IDCODE[11:0] */
  uint16_t cpuid_part;           /* CPUID[15:4], 0 = any */
  uint32_t dp_idcode;            /* SW-DP IDR, 0 = any */
  uint16_t rev_id;               /* DBGMCU_IDCODE[31:16] */
  bool match_rev_id;             /* rev_id is a match criterion */
  uint16_t designer;             /* JEP106 designer in the core's ROM table
                                    ((continuation << 8) | id), 0 = any */
  uint32_t idcode_addr;          /* where DBGMCU_IDCODE is read */
  uint8_t revision_count;
  swdf_chip_revision revisions[SWDF_CHIP_MAX_REVISIONS];

  /* Flash. */
  uint32_t flash_base;
  uint32_t flash_max;            /* bytes; also the size when the register is unusable */
  uint32_t flash_size_reg;       /* 16-bit, in KiB; 0 = none */
  uint8_t flash_size_map_count;  /* register values with a special meaning */
  swdf_chip_map_entry flash_size_map[SWDF_CHIP_MAX_MAP]; /* raw value -> KiB */
  swdf_chip_geometry geometry;   /* single-bank (or fixed dual-bank) layout */
  uint32_t dual_bank_reg;        /* 0: the layout does not depend on an option bit */
  uint8_t dual_bank_bit;
  uint8_t dual_bank_value;       /* the bit's value that means dual bank (0 for nDBANK) */
  swdf_chip_geometry dual_geometry; /* used in dual-bank mode */
  uint32_t program_unit;         /* bytes written per programming operation */
  uint8_t erased_value;          /* 0xFF */
  uint32_t flash_regs;           /* flash interface register base */

  /* Other memory. */
  uint32_t ram_base;
  uint32_t ram_size;
  uint32_t sysmem_base;          /* ROM bootloader */
  uint32_t sysmem_size;
  uint8_t uid_words;             /* 0 or 3 */
  uint32_t uid_addr[3];          /* the three 32-bit words of the 96-bit unique ID */

  /* Option bytes. */
  uint32_t option_addr;          /* option-byte area (memory view); 0 = none */
  uint32_t option_size;
  uint8_t option_reg_count;
  swdf_chip_option_reg option_regs[SWDF_CHIP_MAX_OPTION_REGS];
  swdf_chip_rdp rdp;

  /* Debug configuration set after connecting (not in hot-plug mode): bits
   * ORed into registers, e.g. DBGMCU_CR low-power debug and watchdog
   * freezes, so that sleeping firmware and watchdogs do not cut the link. */
  uint8_t debug_set_count;
  swdf_chip_map_entry debug_set[SWDF_CHIP_MAX_MAP]; /* from = address, to = bits */

  /* Datasheet maxima, for deadlines (0 = unknown). */
  uint32_t program_time_us;      /* one program unit */
  uint32_t erase_time_ms;        /* one page, or the largest sector */
  uint32_t mass_erase_time_ms;

  uint32_t quirks;               /* swdf_chip_quirk bits */
  char note[SWDF_CHIP_NOTE_MAX]; /* free text shown to users (clone caveats) */
} swdf_chip;

/* A set of chips: the built-in table plus any loaded at run time. */
typedef struct swdf_chipdb {
  swdf_chip *chips;              /* owned when loaded; the built-in table is static */
  size_t count;
  size_t capacity;
} swdf_chipdb;

/* What a probe reads from an unknown chip, for lookup and error messages. */
typedef struct swdf_chip_ids {
  uint16_t designer;             /* from the ROM table; 0 when unreadable */
  uint32_t dp_idcode;
  uint32_t cpuid;
  uint32_t dbgmcu_idcode;        /* the raw register value */
  uint32_t idcode_addr;          /* where it was read */
} swdf_chip_ids;

/* ---- the built-in database ------------------------------------------ */

/* The chips compiled into the library (generated from chipdb/ *.chip). */
const swdf_chip *swdf_chipdb_builtin(size_t *count);

/* ---- loading -------------------------------------------------------- */

/*
 * Parse the text of one .chip file and append its chips to `db` (which owns
 * them; free with swdf_chipdb_free). A chip whose id already exists replaces
 * the earlier one. On a syntax error returns false with
 * "FILE:LINE: message" in `err`.
 */
bool swdf_chipdb_parse(swdf_chipdb *db, const char *text, const char *file_name, char *err,
                       size_t err_len);

/* Copy the built-in chips into `db` (an empty, zeroed db). */
bool swdf_chipdb_add_builtin(swdf_chipdb *db);

/*
 * Load every *.chip file of a directory, in name order, into `db`.
 * Returns false with a message when the directory or a file cannot be read
 * or parsed.
 */
bool swdf_chipdb_load_dir(swdf_chipdb *db, const char *dir, char *err, size_t err_len);

void swdf_chipdb_free(swdf_chipdb *db);

/* ---- lookup --------------------------------------------------------- */

/*
 * The chip for these IDs, or NULL. Every identification field the entry sets
 * must match; when several match, the most specific (most fields set) wins,
 * so a clone entry keyed by DP IDCODE or REV_ID beats the ST part it copies.
 */
const swdf_chip *swdf_chipdb_find(const swdf_chip *chips, size_t count, const swdf_chip_ids *ids);

/*
 * The distinct DBGMCU_IDCODE addresses worth reading for a core with this
 * CPUID and DP IDCODE, most likely first. Returns how many were written.
 */
size_t swdf_chipdb_idcode_addrs(uint32_t *out, size_t max, const swdf_chip *chips, size_t count,
                                uint32_t cpuid, uint32_t dp_idcode);

/* Silicon revision letter for a REV_ID ("Y"), or "" when unknown. */
const char *swdf_chip_revision_name(const swdf_chip *chip, uint16_t rev_id);

/* Flash size in bytes from the raw 16-bit size register (0xFFFF/0: flash_max). */
uint32_t swdf_chip_flash_size(const swdf_chip *chip, uint16_t raw_kib);

/* Read-protection level 0/1/2 from the raw register holding the RDP field. */
int swdf_chip_rdp_level(const swdf_chip *chip, uint32_t reg_value, uint32_t *field);

/* True when an option register value selects the dual-bank geometry. */
bool swdf_chip_dual_bank(const swdf_chip *chip, uint32_t reg_value);

/* Name of a quirk bit ("wait-bsy-each-unit"), NULL for an unknown bit. */
const char *swdf_chip_quirk_name(uint32_t bit);

/* ---- flash geometry ------------------------------------------------- */

enum { SWDF_LAYOUT_MAX_BANKS = 2 };

/* The flash of one chip, resolved for its actual size and bank mode. */
typedef struct swdf_flash_layout {
  uint32_t base;
  uint32_t size;                 /* bytes present */
  uint8_t bank_count;
  struct {
    uint32_t base;
    uint32_t size;
    uint32_t first_index;        /* sector number of the bank's first unit */
    uint32_t unit_count;
  } banks[SWDF_LAYOUT_MAX_BANKS];
  const swdf_chip_geometry *geometry;
  uint32_t program_unit;
  uint8_t erased_value;
} swdf_flash_layout;

/* One erase unit (page or sector). */
typedef struct swdf_flash_sector {
  uint32_t index;                /* the reference manual's sector/page number */
  uint32_t index_in_bank;        /* position inside its bank, from 0 */
  uint8_t bank;                  /* 0 or 1 */
  uint32_t addr;
  uint32_t size;
} swdf_flash_sector;

/*
 * Resolve the layout for `flash_size` bytes, using the dual-bank geometry
 * when `dual_bank` is set and the chip has one. Returns false when the size
 * does not fit the geometry.
 */
bool swdf_flash_layout_init(swdf_flash_layout *out, const swdf_chip *chip, uint32_t flash_size,
                            bool dual_bank);

/* Total number of erase units. */
uint32_t swdf_flash_layout_count(const swdf_flash_layout *layout);

/* The erase unit containing `addr`; false outside the flash (or in a bank gap). */
bool swdf_flash_layout_sector_at(swdf_flash_sector *out, const swdf_flash_layout *layout,
                                 uint32_t addr);

/* The n-th erase unit in address order (0 .. count-1); false past the end. */
bool swdf_flash_layout_sector(swdf_flash_sector *out, const swdf_flash_layout *layout,
                              uint32_t n);

/* True when [addr, addr + len) lies entirely in the flash (no bank gap). */
bool swdf_flash_layout_contains(const swdf_flash_layout *layout, uint32_t addr, uint32_t len);

/*
 * Describe the layout for people: "4 x 16 KiB, 1 x 64 KiB, 3 x 128 KiB" or
 * "64 pages of 1 KiB", with " per bank, 2 banks" when dual-bank.
 */
void swdf_flash_layout_describe(char *out, size_t out_len, const swdf_flash_layout *layout);

#endif
