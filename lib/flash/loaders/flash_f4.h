/*
 * STM32F2/F4 flash controller as the loader uses it (RM0090 section 3.5).
 * The program width (PSIZE, chosen by the host from the supply voltage) is
 * the access width of every write: bytes, half-words or words.
 */
#ifndef SWDF_LOADER_FLASH_F4_H
#define SWDF_LOADER_FLASH_F4_H

#define FLASH_SR 0x0cu
#define FLASH_CR 0x10u

#define FLASH_SR_BSY (1u << 16)
/* OPERR, WRPERR, PGAERR, PGPERR, PGSERR */
#define FLASH_SR_ERRORS ((1u << 1) | (1u << 4) | (1u << 5) | (1u << 6) | (1u << 7))
#define FLASH_CR_STRT (1u << 16)

#define FLASH_UNITS (1 | 2 | 4)

#endif
