/*
 * The chips swdsim can simulate. Facts: RM0008, PM0075, RM0090, RM0390 for
 * the F1 and F4; RM0444 (STM32G0x1) with DS12232 (G071) and DS13560 (G0B1)
 * for the G0; the stlink and openocd chip tables agree on the IDs.
 */
#include "target.h"

#include <string.h>

static const sim_family family_f1 = {
    .id = SIM_FAMILY_F1,
    .name = "STM32F1",
    .hsi_hz = 8000000,
    .sysmem_base = 0x1FFFF000,
    .sysmem_size = 0x800,
    .rom_size = 0x7E0,
    .flash_size_reg = 0x1FFFF7E0,
    .uid_reg = 0x1FFFF7E8,
    .option_base = 0x1FFFF800,
    .option_size = 16,
    .flash_regs = 0x40022000,
    .rcc = 0x40021000,
    .dbgmcu = 0xE0042000,
    .gpioa = 0x40010800,
    .afio = 0x40010000,
    /* APB1, APB2 and AHB up to the CRC unit (RM0008 §3.3) */
    .periph_windows = {{0x40000000, 0x40024000}},
    .flash = &sim_flash_f1,
};

static const sim_family family_f4 = {
    .id = SIM_FAMILY_F4,
    .name = "STM32F4",
    .hsi_hz = 16000000,
    .sysmem_base = 0x1FFF0000,
    .sysmem_size = 0x8000, /* 30 KiB ROM, OTP, unique ID, flash size */
    .rom_size = 0x7800,
    .flash_size_reg = 0x1FFF7A22,
    .uid_reg = 0x1FFF7A10,
    .option_base = 0x1FFFC000,
    .option_size = 16,
    .flash_regs = 0x40023C00,
    .rcc = 0x40023800,
    .dbgmcu = 0xE0042000,
    .gpioa = 0x40020000,
    .afio = 0,
    /* APB1, APB2, AHB1; AHB2 (USB OTG FS, DCMI, RNG); FSMC/FMC registers
     * (RM0090 §2.3) */
    .periph_windows = {{0x40000000, 0x40080000}, {0x50000000, 0x50061000}, {0xA0000000, 0xA0001000}},
    .flash = &sim_flash_f4,
};

/* RM0444 §2.2 memory map, §3.3.1 (system memory, OTP, engineering bytes,
 * option bytes at 0x1FFF7800), §40.4 (DBG at 0x40015800), §41 (UID at
 * 0x1FFF7590, flash size at 0x1FFF75E0). */
static const sim_family family_g0 = {
    .id = SIM_FAMILY_G0,
    .name = "STM32G0",
    .hsi_hz = 16000000,
    .sysmem_base = 0x1FFF0000,
    .sysmem_size = 0x7800, /* ROM bootloader, OTP 0x1FFF7000, engineering bytes 0x1FFF7500 */
    .rom_size = 0x7000,
    .flash_size_reg = 0x1FFF75E0,
    .uid_reg = 0x1FFF7590,
    .option_base = 0x1FFF7800,
    .option_size = 128,
    .flash_regs = 0x40022000,
    .rcc = 0x40021000,
    .dbgmcu = 0x40015800,
    .gpioa = 0x50000000,
    .afio = 0,
    /* APB and AHB peripherals (RM0444 Table 6), IOPORT (GPIOA..F) */
    .periph_windows = {{0x40000000, 0x40026400}, {0x50000000, 0x50001800}},
    .flash = &sim_flash_g0,
};

static const uint16_t sectors_512k[] = {16, 16, 16, 16, 64, 128, 128, 128};
static const uint16_t sectors_1m[] = {16, 16, 16, 16, 64, 128, 128, 128, 128, 128, 128, 128};
static const uint16_t sectors_2m[] = {16, 16, 16, 16, 64, 128, 128, 128, 128, 128, 128, 128,
                                      16, 16, 16, 16, 64, 128, 128, 128, 128, 128, 128, 128};

static const sim_chip chips[] = {
    {
        .name = "stm32f103c8",
        .description = "STM32F103C8: F1 medium density, Cortex-M3, 64 KiB flash (1 KiB pages), 20 KiB SRAM",
        .family = &family_f1,
        .dpidr = 0x1BA01477,
        .cpuid = 0x411FC231,
        .idcode = 0x20036410, /* DEV_ID 0x410, rev Y */
        .flash_size = KIB(64),
        .page_size = KIB(1),
        .wrp_pages_per_bit = 4,
        .sram_size = KIB(20),
        .hse_hz = 8000000,
    },
    {
        .name = "stm32f103re",
        .description = "STM32F103RE: F1 high density, Cortex-M3, 512 KiB flash (2 KiB pages), 64 KiB SRAM",
        .family = &family_f1,
        .dpidr = 0x1BA01477,
        .cpuid = 0x411FC231,
        .idcode = 0x10036414, /* DEV_ID 0x414, rev Y */
        .flash_size = KIB(512),
        .page_size = KIB(2),
        .wrp_pages_per_bit = 2,
        .sram_size = KIB(64),
        .hse_hz = 8000000,
    },
    {
        .name = "stm32f446re",
        .description = "STM32F446RE: F4, Cortex-M4F, 512 KiB flash (sectors 4x16, 64, 3x128 KiB), 128 KiB SRAM",
        .family = &family_f4,
        .dpidr = 0x2BA01477,
        .cpuid = 0x410FC241,
        .idcode = 0x10000421, /* DEV_ID 0x421, rev A */
        .flash_size = KIB(512),
        .sector_kib = sectors_512k,
        .sector_count = 8,
        .snb_bits = 4,
        .sram_size = KIB(128),
        .hse_hz = 12000000, /* BTT Octopus */
        .optcr_reserved1 = 0x0F000000,
        .has_fpu = true,
        .has_sprmod = true,
    },
    {
        .name = "stm32f407vg",
        .description = "STM32F407VG: F4, Cortex-M4F, 1 MiB flash (sectors 4x16, 64, 7x128 KiB), 128 KiB SRAM + 64 KiB CCM",
        .family = &family_f4,
        .dpidr = 0x2BA01477,
        .cpuid = 0x410FC241,
        .idcode = 0x10076413, /* DEV_ID 0x413, rev 1 */
        .flash_size = KIB(1024),
        .sector_kib = sectors_1m,
        .sector_count = 12,
        .snb_bits = 4,
        .sram_size = KIB(128),
        .ccm_size = KIB(64),
        .hse_hz = 8000000,
        .has_fpu = true,
    },
    {
        .name = "stm32f429zi",
        .description = "STM32F429ZI: F4, Cortex-M4F, 2 MiB dual-bank flash (2x 4x16, 64, 7x128 KiB), 192 KiB SRAM + 64 KiB CCM",
        .family = &family_f4,
        .dpidr = 0x2BA01477,
        .cpuid = 0x410FC241,
        .idcode = 0x20016419, /* DEV_ID 0x419, rev 3 */
        .flash_size = KIB(2048),
        .sector_kib = sectors_2m,
        .sector_count = 24,
        .bank2_first_sector = 12,
        .snb_bits = 5,
        .sram_size = KIB(192),
        .ccm_size = KIB(64),
        .hse_hz = 8000000,
        .has_fpu = true,
        .has_sprmod = true,
        .has_db1m = true,
        .has_optcr1 = true,
    },
    {
        .name = "stm32g071rb",
        .description = "STM32G071RB: G0, Cortex-M0+, 128 KiB flash (2 KiB pages), 36 KiB SRAM",
        .family = &family_g0,
        .dpidr = 0x0BC11477,
        .cpuid = 0x410CC601, /* Cortex-M0+ r0p1 */
        .idcode = 0x20006460, /* DEV_ID 0x460, REV_ID 0x2000 (rev B) */
        .flash_size = KIB(128),
        .page_size = KIB(2),
        .sram_size = KIB(36),
        .hse_hz = 8000000,
        .armv6m = true,
    },
    {
        .name = "stm32g0b1re",
        .description = "STM32G0B1RE: G0, Cortex-M0+, 512 KiB dual-bank flash (2 x 128 pages of 2 KiB), 144 KiB SRAM",
        .family = &family_g0,
        .dpidr = 0x0BC11477,
        .cpuid = 0x410CC601,
        .idcode = 0x10006467, /* DEV_ID 0x467, REV_ID 0x1000 (rev A) */
        .flash_size = KIB(512),
        .page_size = KIB(2),
        .sram_size = KIB(144),
        .hse_hz = 8000000, /* BTT EBB36/42, SKR Mini E3 v3 */
        .armv6m = true,
        .dual_bank = true,
    },
};

enum { CHIP_COUNT = sizeof chips / sizeof chips[0] };

const char *const *sim_chip_names(void)
{
  static const char *const names[CHIP_COUNT + 1] = {
      "stm32f103c8", "stm32f103re", "stm32f446re", "stm32f407vg", "stm32f429zi",
      "stm32g071rb", "stm32g0b1re", NULL,
  };
  return names;
}

const sim_chip *sim_chip_find(const char *name)
{
  if (!name)
    return NULL;
  for (size_t i = 0; i < CHIP_COUNT; i++)
    if (strcmp(chips[i].name, name) == 0)
      return &chips[i];
  return NULL;
}

const char *sim_chip_describe(const char *name)
{
  const sim_chip *chip = sim_chip_find(name);
  return chip ? chip->description : NULL;
}

bool sim_chip_sector(const sim_chip *chip, unsigned index, sim_sector *out)
{
  if (index >= chip->sector_count)
    return false;
  uint32_t offset = 0;
  for (unsigned i = 0; i < index; i++)
    offset += KIB(chip->sector_kib[i]);
  bool bank2 = chip->bank2_first_sector && index >= chip->bank2_first_sector;
  out->offset = offset;
  out->size = KIB(chip->sector_kib[index]);
  out->bank = bank2 ? 1 : 0;
  /* RM0090 §3.5.3: bank-2 sectors are selected with SNB = 0x10 | n */
  out->snb = (uint8_t)(bank2 ? 0x10u | (index - chip->bank2_first_sector) : index);
  return true;
}

int sim_chip_sector_by_snb(const sim_chip *chip, unsigned snb)
{
  sim_sector s;
  for (unsigned i = 0; sim_chip_sector(chip, i, &s); i++)
    if (s.snb == snb)
      return (int)i;
  return -1;
}

int sim_chip_sector_at(const sim_chip *chip, uint32_t offset)
{
  sim_sector s;
  for (unsigned i = 0; sim_chip_sector(chip, i, &s); i++)
    if (offset >= s.offset && offset - s.offset < s.size)
      return (int)i;
  return -1;
}

bool sim_chip_erase_unit(const sim_chip *chip, unsigned index, uint32_t *offset, uint32_t *size)
{
  if (chip->page_size) {
    if ((uint64_t)index * chip->page_size >= chip->flash_size)
      return false;
    *offset = index * chip->page_size;
    *size = chip->page_size;
    return true;
  }
  sim_sector s;
  if (!sim_chip_sector(chip, index, &s))
    return false;
  *offset = s.offset;
  *size = s.size;
  return true;
}
