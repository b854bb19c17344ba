/*
 * The recogniser behind swdf_boot_check: vector-table plausibility and
 * firmware signatures over any readable view of the flash (the target, or a
 * buffer in tests and for image files). Knows nothing of probes.
 */
#ifndef SWDF_BOOTSCAN_H
#define SWDF_BOOTSCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <swdflash/swdflash.h>

/* A readable flash. `read` returns SWDF_OK or the error of the access. */
typedef struct swdf_bootscan_mem {
  uint32_t flash_base;
  uint32_t flash_size;
  uint32_t ram_base;
  uint32_t ram_size;
  swdf_err (*read)(void *user, uint32_t addr, void *buf, size_t len);
  void *user;
  const char *chip_name; /* checked against the MCU each image names; NULL: not checked */
} swdf_bootscan_mem;

/* The application offsets worth looking at, from the flash base. */
extern const uint32_t swdf__boot_app_offsets[];
extern const size_t swdf__boot_app_offset_count;

/*
 * Fill `out` (images, details, base_ok; not the boot source or the verdict) by
 * scanning from `base`. Returns the first read error, with `out` holding
 * what was found before it.
 */
swdf_err swdf__bootscan(swdf_boot_report *out, const swdf_bootscan_mem *mem, uint32_t base);

/* Recognise the firmware in `len` bytes loaded at `addr`; fills kind, name,
 * is_bootloader, version, mcu and evidence of `img`. */
void swdf__bootscan_identify(swdf_boot_image *img, const uint8_t *data, size_t len, uint32_t addr);

/* Describe the ST ROM bootloader at `base` (`size` bytes of system memory)
 * from its first 64 bytes, checked like a program's vector table. */
void swdf__bootscan_rom(swdf_boot_image *img, swdf_boot_detail *d, const uint8_t *table,
                        uint32_t base, uint32_t size, const swdf_bootscan_mem *mem);

/* Write the verdict (verdict, runs): what the chip will boot given
 * `out->source`, on the chip named `chip` (NULL: not known) (verdict.c). */
void swdf__bootscan_verdict(swdf_boot_report *out, const char *chip);

/* 1 when the MCU an image names ("stm32f446xx") can be the chip
 * ("STM32F446xC/E"; an 'x' in either stands for any character), 0 when
 * not, -1 when either is unknown. */
int swdf__boot_mcu_match(const char *mcu, const char *chip);

/* The image among `r->images` whose vector table is at `addr`, or NULL. */
const swdf_boot_image *swdf__boot_image_at(const swdf_boot_report *r, uint32_t addr);

#endif
