/*
 * STM32F1 flash controller (FPEC) as the loader uses it (PM0075 section 3;
 * the same on GD32F1/F3, CKS32 and APM32 F1 parts). Programming is by
 * 16-bit half-words only. XL-density parts have a second register block at
 * +0x40 for bank 2; the host passes both blocks in the control block.
 */
#ifndef SWDF_LOADER_FLASH_F1_H
#define SWDF_LOADER_FLASH_F1_H

#define FLASH_SR 0x0cu
#define FLASH_CR 0x10u
#define FLASH_AR 0x14u

#define FLASH_SR_BSY (1u << 0)
#define FLASH_SR_ERRORS ((1u << 2) | (1u << 4)) /* PGERR, WRPRTERR */
#define FLASH_CR_STRT (1u << 6)

/* Bit mask of the program widths in bytes: half-words, and words for the
 * clones whose controller programs 32 bits at once (a chip-database choice). */
#define FLASH_UNITS (2 | 4)

#endif
