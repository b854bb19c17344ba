/*
 * Firmware images: raw binary, Intel HEX, Motorola S-record and ELF32 ARM
 * executables, read into a sorted list of address ranges with their data.
 * Included by <swdflash/swdflash.h>; do not include directly.
 *
 * Reading an image never touches a probe: a malformed file is rejected with
 * the file name, the line (text formats) or offset (binary formats) and the
 * address range involved, before anything is erased.
 */
#ifndef SWDFLASH_IMAGE_H
#define SWDFLASH_IMAGE_H

#ifdef __cplusplus
extern "C" {
#endif

typedef struct swdf_image swdf_image;

typedef enum swdf_image_format {
  SWDF_IMAGE_AUTO = 0, /* detect by content, the file name's extension as a hint */
  SWDF_IMAGE_BIN = 1,  /* raw binary, placed at a given address */
  SWDF_IMAGE_IHEX = 2, /* Intel HEX (record types 00-05) */
  SWDF_IMAGE_SREC = 3, /* Motorola S-record (S0-S9) */
  SWDF_IMAGE_ELF = 4,  /* ELF32 little-endian ARM executable, by load address */
} swdf_image_format;

/* Every STM32 maps its main flash here; the default place of a raw binary. */
#define SWDF_IMAGE_DEFAULT_BASE 0x08000000u

typedef struct swdf_image_opts {
  size_t size;              /* sizeof(swdf_image_opts); set by SWDF_IMAGE_OPTS_INIT */
  swdf_image_format format; /* SWDF_IMAGE_AUTO: detect */
  int has_base;             /* 1: `base` was given (raw binary only; an error otherwise) */
  uint32_t base;            /* raw binary load address when has_base is 1 */
} swdf_image_opts;

#define SWDF_IMAGE_OPTS_INIT                                                                       \
  { sizeof(swdf_image_opts), SWDF_IMAGE_AUTO, 0, 0 }

/* One contiguous range of the image. Ranges are sorted and never overlap or
 * touch: adjacent records are merged. */
typedef struct swdf_image_segment {
  uint32_t addr;
  uint32_t size;       /* at least 1; addr + size never passes 4 GiB */
  const uint8_t *data; /* owned by the image */
} swdf_image_segment;

/*
 * Read an image file. `opts` may be NULL for the defaults (detect the format;
 * raw binary at SWDF_IMAGE_DEFAULT_BASE). Fails with SWDF_ERR_IO when the file
 * cannot be read and SWDF_ERR_IMAGE when it is malformed (truncated, bad
 * checksum, overlapping ranges, wrong ELF class, byte order or machine...).
 * Free the image with swdf_image_free().
 */
SWDF_API swdf_err swdf_image_load(swdf_image **out, swdf_ctx *ctx, const char *path,
                                  const swdf_image_opts *opts);

/*
 * Parse an image held in memory. `name` is used in messages (e.g. the file
 * name the bytes came from) and may be NULL. The bytes are copied.
 */
SWDF_API swdf_err swdf_image_parse(swdf_image **out, swdf_ctx *ctx, const void *bytes, size_t len,
                                   const char *name, const swdf_image_opts *opts);

/*
 * Build an image from ranges: `count` segments whose data is copied. The
 * ranges may come in any order; overlapping ranges fail with SWDF_ERR_IMAGE.
 */
SWDF_API swdf_err swdf_image_from_segments(swdf_image **out, swdf_ctx *ctx, const char *name,
                                           const swdf_image_segment *segments, size_t count);

/* Free an image. NULL is ignored. */
SWDF_API void swdf_image_free(swdf_image *image);

/* Number of segments, and segment `index` (NULL when out of range). */
SWDF_API size_t swdf_image_segment_count(const swdf_image *image);
SWDF_API const swdf_image_segment *swdf_image_segment_at(const swdf_image *image, size_t index);

/* Total number of data bytes over all segments. */
SWDF_API uint64_t swdf_image_size(const swdf_image *image);

/* The format the image was read as (never SWDF_IMAGE_AUTO). */
SWDF_API swdf_image_format swdf_image_get_format(const swdf_image *image);

/* "bin", "ihex", "srec", "elf" (or "auto"); "unknown" for other values. */
SWDF_API const char *swdf_image_format_name(swdf_image_format format);

/* Parse a format name as printed by swdf_image_format_name ("hex" is also
 * accepted for ihex, "s19"/"s28"/"s37"/"mot" for srec); 0 on success. */
SWDF_API int swdf_image_format_from_name(const char *name, swdf_image_format *out);

/* The name given when the image was read ("" when none). */
SWDF_API const char *swdf_image_name(const swdf_image *image);

/* Start address from the file (HEX 03/05, S7/S8/S9, ELF e_entry): 1 and
 * `*entry` set when the file has one, 0 otherwise. */
SWDF_API int swdf_image_entry(const swdf_image *image, uint32_t *entry);

/*
 * Where the byte at `addr` came from, for messages: "line 12" or
 * "offset 0x1F4" (with `addr` outside the image: the nearest record before it).
 */
SWDF_API void swdf_image_origin(const swdf_image *image, uint32_t addr, char *buf, size_t len);

/* A named range of the target's memory map. */
typedef struct swdf_mem_region {
  uint32_t base;
  uint32_t size;
  const char *name; /* "flash", "bank 2"...; may be NULL */
} swdf_mem_region;

/*
 * Check that every byte of the image lies inside one of `count` regions
 * (adjacent regions together may hold one segment). Fails with SWDF_ERR_RANGE,
 * naming the file, the line or offset, the range outside and the regions.
 */
SWDF_API swdf_err swdf_image_check_regions(const swdf_image *image, swdf_ctx *ctx,
                                           const swdf_mem_region *regions, size_t count);

#ifdef __cplusplus
}
#endif

#endif
