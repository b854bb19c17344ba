/*
 * The chips swdsim can simulate. Facts: RM0008, PM0075, RM0090, RM0390 for
 * the F1/F4; RM0444 (STM32G0x1) with DS12232 (G071) and DS13560 (G0B1) for
 * the G0; RM0433 (H742/H743/H750/H753) and RM0468 (H723/H725/H730/H733/
 * H735) with ST's CMSIS device headers stm32h743xx.h / stm32h723xx.h for the
 * H7; the datasheets and the stlink/openocd chip tables (docs/sim-h7.md).
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
    .gpioa = 0x40020000,
    .afio = 0,
    /* APB1, APB2, AHB1; AHB2 (USB OTG FS, DCMI, RNG); FSMC/FMC registers
     * (RM0090 §2.3) */
    .periph_windows = {{0x40000000, 0x40080000}, {0x50000000, 0x50061000}, {0xA0000000, 0xA0001000}},
    .flash = &sim_flash_f4,
};

/* STM32F07x (RM0091 §2.2 table 2, §3.2.1 table 5, §33): system memory
 * 0x1FFFC800-0x1FFFF7FF with the unique ID at 0x1FFFF7AC and the flash
 * size at 0x1FFFF7CC; DBGMCU on the APB at 0x40015800 (§32.9). The clock
 * tree is the F1's (HSI 8 MHz, the same RCC_CR/CFGR PLL fields, §6.4). */
static const sim_family family_f0 = {
    .id = SIM_FAMILY_F1,
    .name = "STM32F0",
    .hsi_hz = 8000000,
    .sysmem_base = 0x1FFFC800,
    .sysmem_size = 0x3000,
    .rom_size = 0x2FAC,
    .flash_size_reg = 0x1FFFF7CC,
    .uid_reg = 0x1FFFF7AC,
    .option_base = 0x1FFFF800,
    .option_size = 16,
    .flash_regs = 0x40022000,
    .rcc = 0x40021000,
    .dbgmcu = 0x40015800,
    .gpioa = 0,
    .afio = 0,
    /* APB and AHB1 up to the CRC/TSC, AHB2 GPIOA-F (RM0091 table 1) */
    .periph_windows = {{0x40000000, 0x40024400}, {0x48000000, 0x48001800}},
    .flash = &sim_flash_f0,
    .apb_freeze = true,
};

/* STM32F04x: as the F07x but 13 KiB of system memory from 0x1FFFC400
 * (RM0091 §2.2 table 2). */
static const sim_family family_f04x = {
    .id = SIM_FAMILY_F1,
    .name = "STM32F0",
    .hsi_hz = 8000000,
    .sysmem_base = 0x1FFFC400,
    .sysmem_size = 0x3400,
    .rom_size = 0x33AC,
    .flash_size_reg = 0x1FFFF7CC,
    .uid_reg = 0x1FFFF7AC,
    .option_base = 0x1FFFF800,
    .option_size = 16,
    .flash_regs = 0x40022000,
    .rcc = 0x40021000,
    .dbgmcu = 0x40015800,
    .periph_windows = {{0x40000000, 0x40024400}, {0x48000000, 0x48001800}},
    .flash = &sim_flash_f0,
    .apb_freeze = true,
};

/* STM32F303xD/E (RM0316 §3.2 table 2, §4.2, §34): system memory
 * 0x1FFFD800-0x1FFFF7FF, unique ID 0x1FFFF7AC, flash size 0x1FFFF7CC,
 * DBGMCU at 0xE0042000 with APB1_FZ/APB2_FZ; the clock tree is the F1's. */
static const sim_family family_f3 = {
    .id = SIM_FAMILY_F1,
    .name = "STM32F3",
    .hsi_hz = 8000000,
    .sysmem_base = 0x1FFFD800,
    .sysmem_size = 0x2000,
    .rom_size = 0x1FAC,
    .flash_size_reg = 0x1FFFF7CC,
    .uid_reg = 0x1FFFF7AC,
    .option_base = 0x1FFFF800,
    .option_size = 16,
    .flash_regs = 0x40022000,
    .rcc = 0x40021000,
    .gpioa = 0,
    .afio = 0,
    /* APB1, APB2, AHB1 up to the TSC; AHB2 GPIOA-H; AHB3 ADCs (RM0316 table 2) */
    .periph_windows = {{0x40000000, 0x40024400}, {0x48000000, 0x48002000}, {0x50000000, 0x50000800}},
    .flash = &sim_flash_f3,
    .apb_freeze = true,
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

/* H7 (RM0433 §2.3.2, RM0468 §2.3.2): no alias at 0 (ITCM lives there); the
 * core boots from BOOT_ADD0/BOOT_ADD1. System memory 0x1FF00000-0x1FF1FFFF
 * holds the ROM bootloader, the unique ID (0x1FF1E800) and the flash size
 * (0x1FF1E880). The flash interface is at 0x52002000 in the D1 AHB3 space,
 * RCC at 0x58024400, GPIOA at 0x58020000, IWDG1 at 0x58004800, DBGMCU at
 * 0x5C001000 on the system bus (and at 0xE00E1000 through AP2). */
static const sim_family family_h7 = {
    .id = SIM_FAMILY_H7,
    .name = "STM32H7",
    .hsi_hz = 64000000,
    .sysmem_base = 0x1FF00000,
    .sysmem_size = 0x20000,
    .rom_size = 0x1E800,
    .flash_size_reg = 0x1FF1E880,
    .uid_reg = 0x1FF1E800,
    .option_base = 0, /* the options are registers only (FLASH_OPTSR_CUR ...) */
    .option_size = 0,
    .flash_regs = 0x52002000,
    .rcc = 0x58024400,
    .gpioa = 0x58020000,
    .afio = 0,
    /* D2 APB1/APB2/AHB1, D2 AHB2, D1 APB3, D1 AHB3, D3 APB4/AHB4, and the
     * DBGMCU block with the trace funnel past it (RM0433 §2.3.2 Table 8) */
    .periph_windows = {{0x40000000, 0x40080000},
                       {0x48020000, 0x48023000},
                       {0x50000000, 0x50004000},
                       {0x52000000, 0x5200A000},
                       {0x58000000, 0x58026800},
                       {0x5C000000, 0x5C005000}},
    .flash = &sim_flash_h7,
    .boot_by_address = true,
    .dbgmcu = 0x5C001000,
    .iwdg = 0x58004800,
};

/* RAMs besides the DTCM at 0x20000000. The D2 SRAMs are clocked by
 * RCC_AHB2ENR (offset 0xDC) SRAM1EN 29, SRAM2EN 30, SRAM3EN 31, all 0 after
 * reset (RM0433 §8.7.40). */
static const sim_ram rams_h743[] = {
    {"itcm", 0x00000000, KIB(64), 0, 0},
    {"axi-sram", 0x24000000, KIB(512), 0, 0},
    {"sram1", 0x30000000, KIB(128), 0xDC, 29},
    {"sram2", 0x30020000, KIB(128), 0xDC, 30},
    {"sram3", 0x30040000, KIB(32), 0xDC, 31},
    {"sram4", 0x38000000, KIB(64), 0, 0},
    {"backup-sram", 0x38800000, KIB(4), 0, 0},
};

/* RM0468 §2.3.2 with the default TCM/AXI split (OPTSR2.TCM_AXI_SHARED = 00:
 * 64 KiB ITCM, 320 KiB AXI SRAM); SRAM1 and SRAM2 16 KiB each, no SRAM3. */
static const sim_ram rams_h723[] = {
    {"itcm", 0x00000000, KIB(64), 0, 0},
    {"axi-sram", 0x24000000, KIB(320), 0, 0},
    {"sram1", 0x30000000, KIB(16), 0xDC, 29},
    {"sram2", 0x30004000, KIB(16), 0xDC, 30},
    {"sram4", 0x38000000, KIB(16), 0, 0},
    {"backup-sram", 0x38800000, KIB(4), 0, 0},
};

static const uint16_t sectors_h7_1m[] = {128, 128, 128, 128, 128, 128, 128, 128};
static const uint16_t sectors_h7_2m[] = {128, 128, 128, 128, 128, 128, 128, 128,
                                         128, 128, 128, 128, 128, 128, 128, 128};

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
        .name = "stm32f072rb",
        .description = "STM32F072RB: F0, Cortex-M0, 128 KiB flash (2 KiB pages), 16 KiB SRAM",
        .family = &family_f0,
        .dpidr = 0x0BB11477,  /* Cortex-M0 SW-DP */
        .cpuid = 0x410CC200,  /* Cortex-M0 r0p0 */
        .idcode = 0x20006448, /* DEV_ID 0x448, REV_ID 0x2000 */
        .flash_size = KIB(128),
        .page_size = KIB(2),
        .wrp_pages_per_bit = 2, /* 4 KiB sectors (RM0091 §3.2.1) */
        .sram_size = KIB(16),
        .hse_hz = 8000000,
        .armv6m = true,
    },
    {
        .name = "stm32f042k6",
        .description = "STM32F042K6: F0, Cortex-M0, 32 KiB flash (1 KiB pages), 6 KiB SRAM, BOOT_SEL/nBOOT0 and the empty check",
        .family = &family_f04x,
        .dpidr = 0x0BB11477,
        .cpuid = 0x410CC200,
        .idcode = 0x10006445, /* DEV_ID 0x445 */
        .flash_size = KIB(32),
        .page_size = KIB(1),
        .wrp_pages_per_bit = 4,
        .sram_size = KIB(6),
        .hse_hz = 0, /* crystal-less USB boards (candleLight) */
        .armv6m = true,
        .boot_sel = true,
    },
    {
        .name = "stm32f303re",
        .description = "STM32F303RE: F3, Cortex-M4F, 512 KiB flash (2 KiB pages), 64 KiB SRAM + 16 KiB CCM",
        .family = &family_f3,
        .dpidr = 0x2BA01477,
        .cpuid = 0x410FC241,  /* Cortex-M4 r0p1 */
        .idcode = 0x10016446, /* DEV_ID 0x446, REV_ID 0x1001 */
        .flash_size = KIB(512),
        .page_size = KIB(2),
        .wrp_pages_per_bit = 2, /* bits 0-30: 4 KiB each; bit 31 the rest */
        .sram_size = KIB(64),
        .ccm_size = KIB(16),
        .hse_hz = 8000000,
        .has_fpu = true,
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
    {
        .name = "stm32h723zg",
        .description = "STM32H723ZG: H7, Cortex-M7, 1 MiB flash (one bank, 8x128 KiB sectors), 128 KiB DTCM + 320 KiB AXI SRAM",
        .family = &family_h7,
        .dpidr = 0x6BA02477,
        .cpuid = 0x411FC272,  /* Cortex-M7 r1p2 */
        .idcode = 0x10016483, /* DEV_ID 0x483, rev Z */
        .flash_size = KIB(1024),
        .sector_kib = sectors_h7_1m,
        .sector_count = 8,
        .snb_bits = 3,
        .bank_size = KIB(1024),
        .sram_size = KIB(128), /* DTCM */
        .hse_hz = 25000000,    /* BTT Octopus Pro H723 */
        .has_fpu = true,
        .rams = rams_h723,
        .ram_count = sizeof rams_h723 / sizeof rams_h723[0],
        .is_h72x = true,
        .is_m7 = true,
    },
    {
        .name = "stm32h743zi",
        .description = "STM32H743ZI: H7, Cortex-M7, 2 MiB flash (two banks of 8x128 KiB sectors), 128 KiB DTCM + 512 KiB AXI SRAM",
        .family = &family_h7,
        .dpidr = 0x6BA02477,
        .cpuid = 0x411FC271,  /* Cortex-M7 r1p1 */
        .idcode = 0x20036450, /* DEV_ID 0x450, rev V */
        .flash_size = KIB(2048),
        .sector_kib = sectors_h7_2m,
        .sector_count = 16,
        .bank2_first_sector = 8,
        .snb_bits = 3,
        .bank_size = KIB(1024),
        .sram_size = KIB(128), /* DTCM */
        .hse_hz = 25000000,
        .has_fpu = true,
        .rams = rams_h743,
        .ram_count = sizeof rams_h743 / sizeof rams_h743[0],
        .is_m7 = true,
    },
};

enum { CHIP_COUNT = sizeof chips / sizeof chips[0] };

const char *const *sim_chip_names(void)
{
  static const char *const names[CHIP_COUNT + 1] = {
      "stm32f103c8", "stm32f103re", "stm32f072rb", "stm32f042k6", "stm32f303re", "stm32f446re", "stm32f407vg", "stm32f429zi",
      "stm32g071rb", "stm32g0b1re", "stm32h723zg", "stm32h743zi", NULL,
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
  /* RM0090 §3.5.3: bank-2 sectors are selected with SNB = 0x10 | n; the H7
   * has a controller per bank and SNB counts within it (RM0433 §4.9.4) */
  unsigned in_bank = bank2 ? index - chip->bank2_first_sector : index;
  out->snb = (uint8_t)(bank2 && chip->family->id != SIM_FAMILY_H7 ? 0x10u | in_bank : in_bank);
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
