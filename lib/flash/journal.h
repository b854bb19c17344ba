/*
 * The kept-bytes journal: a file on the host holding, for one chip, the
 * bytes outside an image that a write erases and programs back (the rest of
 * a partly covered page or sector). It is written and flushed to disk before
 * the first such erase and removed once the write is verified, so that a
 * power loss (or a lost link) between the erase and the end of the job
 * loses nothing: the next write on that chip finds the journal and puts the
 * bytes back.
 *
 * One file per chip, named after its 96-bit unique ID: DIR/UID.journal.
 * Format (little endian): "SWDFJRNL", version (1), the chip's unique ID
 * (3 words), the unit count; per unit its address, size, index and bank and
 * its range count; per range address, length and the bytes; last the CRC-32
 * of everything before it. A file that does not check out was cut short
 * while being written, before any erase, and is ignored.
 */
#ifndef SWDF_FLASH_JOURNAL_H
#define SWDF_FLASH_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "internal.h"

typedef struct swdf__journal_range {
  uint32_t addr;
  uint32_t len;
  uint8_t *data;
} swdf__journal_range;

typedef struct swdf__journal_unit {
  uint32_t addr, size, index, bank;
  size_t range_count;
  swdf__journal_range *ranges;
} swdf__journal_unit;

typedef struct swdf__journal {
  uint32_t uid[3];
  size_t unit_count;
  swdf__journal_unit *units;
} swdf__journal;

/* DIR/UID.journal into `out`; false when it does not fit. */
bool swdf__journal_path(char *out, size_t len, const char *dir, const uint32_t uid[3]);

/* Add a unit (addr, size, index, bank) and return it; NULL when out of memory. */
swdf__journal_unit *swdf__journal_add_unit(swdf__journal *j, uint32_t addr, uint32_t size,
                                           uint32_t index, uint32_t bank);
/* Add a copy of `len` bytes at `addr` to a unit; false when out of memory. */
bool swdf__journal_add_range(swdf__journal_unit *u, uint32_t addr, const uint8_t *data,
                             uint32_t len);
void swdf__journal_free(swdf__journal *j);

/*
 * Read the journal at `path`. SWDF_OK with *found false when there is none;
 * a damaged file is reported in the log and taken as none. Fails only when
 * the file exists but cannot be read (SWDF_ERR_IO).
 */
swdf_err swdf__journal_load(swdf__journal *out, bool *found, swdf_ctx *ctx, const char *path);

/* Write the journal to `path` (through a temporary file, renamed over it,
 * both flushed to the disk). SWDF_ERR_IO with the reason on failure. */
swdf_err swdf__journal_save(const swdf__journal *j, swdf_ctx *ctx, const char *path);

/* Remove the journal at `path` (and flush the directory). */
swdf_err swdf__journal_remove(swdf_ctx *ctx, const char *path);

#endif
