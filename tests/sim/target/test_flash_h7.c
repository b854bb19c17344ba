/* STM32H7 chips: IDs on AP0 and AP2, the RAMs and the D2 SRAM clocks, the
 * flash interface per bank (write buffer, FW, every error flag, ECC on a
 * word programmed twice, erase timing by PSIZE, banks side by side), option
 * bytes through OPTSTART (OPTCHANGEERR, RDP regression) and the boot
 * address. */
#include "cortex_m.h"
#include "test_support.h"
#include "target.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

enum {
  FLASH = 0x52002000,
  KEYR1 = FLASH + 0x04,
  OPTKEYR = FLASH + 0x08,
  CR1 = FLASH + 0x0C,
  SR1 = FLASH + 0x10,
  CCR1 = FLASH + 0x14,
  OPTCR = FLASH + 0x18,
  OPTSR_CUR = FLASH + 0x1C,
  OPTSR_PRG = FLASH + 0x20,
  OPTCCR = FLASH + 0x24,
  WPSN_CUR1 = FLASH + 0x38,
  WPSN_PRG1 = FLASH + 0x3C,
  BOOT_CUR = FLASH + 0x40,
  BOOT_PRG = FLASH + 0x44,
  ECC_FA1 = FLASH + 0x60,
  KEYR2 = FLASH + 0x104,
  CR2 = FLASH + 0x10C,
  SR2 = FLASH + 0x110,
  CR_LOCK = 1,
  CR_PG = 2,
  CR_SER = 4,
  CR_BER = 8,
  CR_FW = 0x40,
  CR_START = 0x80,
  PSIZE_X32 = 2u << 4,
  PSIZE_X64 = 3u << 4,
  SR_BSY = 1,
  SR_WBNE = 2,
  SR_QW = 4,
  SR_EOP = 1u << 16,
  SR_WRPERR = 1u << 17,
  SR_PGSERR = 1u << 18,
  SR_STRBERR = 1u << 19,
  SR_INCERR = 1u << 21,
  SR_SNECCERR = 1u << 25,
  SR_DBECCERR = 1u << 26,
  SR_ALL = 0x1FEF0000u,
  RCC_AHB2ENR = 0x58024400 + 0xDC,
};

static void open_chip(tp *p, const char *chip, const char *state, const char *scenario)
{
  tp_options o = {.chip = chip, .state = state, .scenarios = {scenario}};
  tp_open(p, &o);
  assert_int_equal(tp_connect(p, NULL), SIM_ACK_OK);
  tp_halt(p);
}

static void unlock(tp *p, uint32_t keyr, uint32_t cr)
{
  tp_write32(p, keyr, 0x45670123);
  tp_write32(p, keyr, 0xCDEF89AB);
  assert_int_equal(tp_read32(p, cr) & CR_LOCK, 0);
}

static void unlock_options(tp *p)
{
  tp_write32(p, OPTKEYR, 0x08192A3B);
  tp_write32(p, OPTKEYR, 0x4C5D6E7F);
  assert_int_equal(tp_read32(p, OPTCR) & 1, 0);
}

static uint32_t wait_idle(tp *p, uint32_t sr)
{
  uint32_t v;
  while ((v = tp_read32(p, sr)) & (SR_QW | SR_BSY))
    tp_wait(p, SIM_US(50));
  return v;
}

static void write_word(tp *p, uint32_t addr, uint32_t first)
{
  for (unsigned i = 0; i < 8; i++)
    tp_write32(p, addr + 4 * i, first + i);
}

static void test_ids_and_rams(void **state)
{
  (void)state;
  static const struct {
    const char *chip;
    uint32_t idcode, cpuid, kib;
  } cases[] = {
      {"stm32h743zi", 0x20036450, 0x411FC271, 2048},
      {"stm32h723zg", 0x10016483, 0x411FC272, 1024},
  };
  for (size_t i = 0; i < 2; i++) {
    tp p;
    tp_options o = {.chip = cases[i].chip};
    tp_open(&p, &o);
    uint32_t id, v;
    assert_int_equal(tp_connect(&p, &id), SIM_ACK_OK);
    assert_int_equal(id, 0x6BA02477);
    assert_int_equal(tp_read32(&p, 0xE000ED00), cases[i].cpuid);
    assert_int_equal(tp_read32(&p, 0x5C001000), cases[i].idcode);
    assert_int_equal(tp_read(&p, 0x1FF1E880, 2, &v), SIM_ACK_OK);
    assert_int_equal(v, cases[i].kib);
    for (unsigned w = 0; w < 3; w++) { /* the 96-bit unique ID */
      uint32_t uid;
      memcpy(&uid, p.t->st.uid + 4 * w, 4);
      assert_int_equal(tp_read32(&p, 0x1FF1E800 + 4 * w), uid);
    }
    /* the core runs at 64 MHz (HSI) after reset */
    assert_int_equal(p.t->core.hz, 64000000);
    /* the same DBGMCU through AP2, the debug APB, at 0xE00E1000 */
    assert_int_equal(tp_dp_write(&p, 0x08, 0x020000F0), SIM_ACK_OK);
    tp_ap_read(&p, 0x0C, &v);
    assert_int_equal(tp_dp_read(&p, 0x0C, &v), SIM_ACK_OK);
    assert_int_equal(v, 0x54770002);
    assert_int_equal(tp_dp_write(&p, 0x08, 0x02000000), SIM_ACK_OK);
    assert_int_equal(tp_ap_write(&p, 0x00, 0x80000042), SIM_ACK_OK);
    assert_int_equal(tp_ap_write(&p, 0x04, 0xE00E1000), SIM_ACK_OK);
    tp_ap_read(&p, 0x0C, &v);
    assert_int_equal(tp_dp_read(&p, 0x0C, &v), SIM_ACK_OK);
    assert_int_equal(v, cases[i].idcode);
    assert_int_equal(tp_dp_write(&p, 0x08, 0), SIM_ACK_OK);
    /* DTCM, AXI SRAM and ITCM are always there */
    tp_write32(&p, 0x20000000, 0x11111111);
    tp_write32(&p, 0x24000000, 0x22222222);
    tp_write32(&p, 0x00000000, 0x33333333);
    assert_int_equal(tp_read32(&p, 0x24000000), 0x22222222);
    assert_int_equal(tp_read32(&p, 0x00000000), 0x33333333);
    /* D2 SRAM1 answers a bus error until RCC_AHB2ENR.SRAM1EN is set */
    assert_int_equal(tp_read(&p, 0x30000000, 4, &v), SIM_ACK_FAULT);
    tp_abort(&p);
    tp_write32(&p, RCC_AHB2ENR, 1u << 29);
    tp_write32(&p, 0x30000000, 0x44444444);
    assert_int_equal(tp_read32(&p, 0x30000000), 0x44444444);
    /* no flash past the chip's size: H723 has no bank 2 */
    assert_int_equal(tp_read(&p, 0x08000000 + cases[i].kib * 1024, 4, &v), SIM_ACK_FAULT);
    tp_abort(&p);
    tp_close(&p);
  }
}

static void test_program_flash_word(void **state)
{
  (void)state;
  tp p;
  open_chip(&p, "stm32h743zi", NULL, NULL);
  assert_int_equal(tp_read32(&p, CR1), CR_LOCK | PSIZE_X64);
  unlock(&p, KEYR1, CR1);
  tp_write32(&p, CR1, CR_PG | PSIZE_X64);
  sim_report before = p.clock.report;
  for (unsigned i = 0; i < 7; i++)
    tp_write32(&p, 0x08000000 + 4 * i, 0xA0 + i);
  assert_int_equal(tp_read32(&p, SR1), SR_WBNE); /* partial word waits in the buffer */
  tp_write32(&p, 0x0800001C, 0xA7);
  assert_true(tp_read32(&p, SR1) & SR_QW);
  assert_int_equal(wait_idle(&p, SR1), SR_EOP);
  assert_int_equal(tp_read32(&p, 0x0800001C), 0xA7);
  assert_int_equal(p.clock.report.flash_program_units - before.flash_program_units, 1);
  assert_int_equal(p.clock.report.flash_busy_ns - before.flash_busy_ns, SIM_US(100));
  /* x32: 130 us per word; FW forces out a partial word, the rest erased */
  tp_write32(&p, CR1, CR_PG | PSIZE_X32);
  before = p.clock.report;
  tp_write32(&p, 0x08000020, 0x12345678);
  tp_write32(&p, CR1, CR_PG | PSIZE_X32 | CR_FW);
  wait_idle(&p, SR1);
  assert_int_equal(tp_read32(&p, 0x08000020), 0x12345678);
  assert_int_equal(tp_read32(&p, 0x08000024), 0xFFFFFFFF);
  assert_int_equal(p.clock.report.flash_busy_ns - before.flash_busy_ns, SIM_US(130));
  assert_int_equal(tp_read32(&p, CR1) & CR_FW, 0);
  tp_close(&p);
}

static void test_error_flags(void **state)
{
  (void)state;
  tp p;
  open_chip(&p, "stm32h743zi", NULL, NULL);
  /* a store without PG (here: while locked): PGSERR, nothing buffered */
  tp_write32(&p, 0x08000000, 0);
  assert_int_equal(tp_read32(&p, SR1), SR_PGSERR);
  /* SR is read only; CCR clears */
  tp_write32(&p, SR1, SR_ALL);
  assert_int_equal(tp_read32(&p, SR1), SR_PGSERR);
  tp_write32(&p, CCR1, SR_ALL);
  assert_int_equal(tp_read32(&p, SR1), 0);
  unlock(&p, KEYR1, CR1);
  tp_write32(&p, CR1, CR_PG | PSIZE_X64);
  /* the same byte twice in the buffer: STRBERR */
  tp_write32(&p, 0x08000040, 1);
  tp_write32(&p, 0x08000040, 2);
  assert_int_equal(tp_read32(&p, SR1), SR_STRBERR | SR_WBNE);
  /* another flash word while one is half written: INCERR, both dropped */
  tp_write32(&p, 0x08000060, 3);
  assert_int_equal(tp_read32(&p, SR1), SR_STRBERR | SR_INCERR);
  tp_write32(&p, CCR1, SR_ALL);
  /* clearing PG over a partial word: PGSERR, the bytes are lost */
  tp_write32(&p, 0x08000080, 4);
  tp_write32(&p, CR1, PSIZE_X64);
  assert_int_equal(tp_read32(&p, SR1), SR_PGSERR);
  assert_int_equal(tp_read32(&p, 0x08000080), 0xFFFFFFFF);
  tp_write32(&p, CCR1, SR_ALL);
  /* a wrong key locks the bank until reset and is a bus error */
  assert_int_equal(tp_write(&p, KEYR1, 4, 0x12345678), SIM_ACK_FAULT);
  tp_abort(&p);
  assert_int_equal(tp_read32(&p, CR1) & CR_LOCK, CR_LOCK);
  tp_close(&p);
}

static void test_ecc_on_second_program(void **state)
{
  (void)state;
  tp p;
  open_chip(&p, "stm32h743zi", NULL, NULL);
  unlock(&p, KEYR2, CR2);
  tp_write32(&p, CR2, CR_PG | PSIZE_X64);
  write_word(&p, 0x08100040, 0x0F0F0F00);
  wait_idle(&p, SR2);
  /* the same data again: nothing changes, no error */
  write_word(&p, 0x08100040, 0x0F0F0F00);
  wait_idle(&p, SR2);
  assert_int_equal(tp_read32(&p, 0x08100040), 0x0F0F0F00);
  assert_int_equal(tp_read32(&p, SR2) & (SR_SNECCERR | SR_DBECCERR), 0);
  /* other data over a programmed word: no flag at programming time (no
   * PROGERR on the H7), but the ECC no longer fits: double error on read */
  write_word(&p, 0x08100040, 0x00000000);
  assert_int_equal(wait_idle(&p, SR2) & ~SR_EOP, 0);
  uint32_t v;
  assert_int_equal(tp_read(&p, 0x08100040, 4, &v), SIM_ACK_FAULT);
  tp_abort(&p);
  assert_true(tp_read32(&p, SR2) & SR_DBECCERR);
  assert_int_equal(tp_read32(&p, FLASH + 0x160), 2); /* ECC_FA2: word 2 of bank 2 */
  /* all zeros may be programmed over anything: data and ECC consistent again */
  for (unsigned i = 0; i < 8; i++)
    tp_write32(&p, 0x08100040 + 4 * i, 0);
  wait_idle(&p, SR2);
  assert_int_equal(tp_read(&p, 0x08100040, 4, &v), SIM_ACK_OK);
  assert_int_equal(v, 0);
  /* one bit different: corrected, SNECCERR */
  write_word(&p, 0x08100080, 0x0F0F0F00);
  wait_idle(&p, SR2);
  for (unsigned i = 0; i < 8; i++)
    tp_write32(&p, 0x08100080 + 4 * i, i == 3 ? 0x0F0F0F02 : 0x0F0F0F00 + i);
  wait_idle(&p, SR2);
  tp_write32(&p, FLASH + 0x114, SR_ALL);
  assert_int_equal(tp_read(&p, 0x08100080, 4, &v), SIM_ACK_OK);
  assert_true(tp_read32(&p, SR2) & SR_SNECCERR);
  /* an erase clears the ECC error, and it persists in the state until then */
  tp_write32(&p, CR2, CR_SER | PSIZE_X64 | (0u << 8));
  tp_write32(&p, CR2, CR_SER | PSIZE_X64 | CR_START);
  wait_idle(&p, SR2);
  assert_int_equal(tp_read32(&p, 0x08100040), 0xFFFFFFFF);
  tp_close(&p);
}

static void test_ecc_error_persists(void **state)
{
  (void)state;
  char path[] = "/tmp/swdsim_h7_eccXXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  close(fd);
  remove(path);
  tp p;
  open_chip(&p, "stm32h723zg", path, NULL);
  unlock(&p, KEYR1, CR1);
  tp_write32(&p, CR1, CR_PG | PSIZE_X64);
  write_word(&p, 0x08000000, 0x11111111);
  wait_idle(&p, SR1);
  write_word(&p, 0x08000000, 0x22222222);
  wait_idle(&p, SR1);
  tp_close(&p);
  open_chip(&p, "stm32h723zg", path, NULL);
  uint32_t v;
  assert_int_equal(tp_read(&p, 0x08000000, 4, &v), SIM_ACK_FAULT);
  tp_abort(&p);
  assert_true(tp_read32(&p, SR1) & SR_DBECCERR);
  tp_close(&p);
  remove(path);
}

static void test_erase_timing_and_banks(void **state)
{
  (void)state;
  tp p;
  open_chip(&p, "stm32h743zi", NULL, NULL);
  unlock(&p, KEYR1, CR1);
  unlock(&p, KEYR2, CR2);
  static const struct {
    uint32_t psize;
    sim_ns time;
  } cases[] = {{PSIZE_X64, SIM_MS(1000)}, {PSIZE_X32, SIM_MS(1100)}};
  for (size_t i = 0; i < 2; i++) {
    sim_report before = p.clock.report;
    tp_write32(&p, CR1, CR_SER | cases[i].psize | (3u << 8) | CR_START);
    assert_int_equal(tp_read32(&p, SR1) & (SR_QW | SR_BSY), SR_QW | SR_BSY);
    wait_idle(&p, SR1);
    assert_int_equal(p.clock.report.flash_busy_ns - before.flash_busy_ns, cases[i].time);
    assert_int_equal(p.clock.report.flash_erase_units - before.flash_erase_units, 1);
  }
  /* bank 2 erases its whole bank (8 sectors: 8 s at x64) while bank 1 is
   * read and programmed */
  sim_report before = p.clock.report;
  tp_write32(&p, CR2, CR_BER | PSIZE_X64 | CR_START);
  assert_true(tp_read32(&p, SR2) & SR_BSY);
  assert_int_equal(tp_read32(&p, 0x08000000), 0xFFFFFFFF);
  tp_write32(&p, CR1, CR_PG | PSIZE_X64);
  write_word(&p, 0x08000000, 0x5A5A0000);
  assert_int_equal(wait_idle(&p, SR1) & SR_EOP, SR_EOP);
  assert_true(tp_read32(&p, SR2) & SR_BSY);
  wait_idle(&p, SR2);
  assert_int_equal(p.clock.report.mass_erases - before.mass_erases, 1);
  assert_int_equal(p.clock.report.flash_busy_ns - before.flash_busy_ns,
                   SIM_MS(8000) + SIM_US(100));
  /* SER and BER together: PGSERR, nothing erased */
  tp_write32(&p, CR1, CR_SER | CR_BER | PSIZE_X64 | CR_START);
  assert_true(tp_read32(&p, SR1) & SR_PGSERR);
  assert_int_equal(tp_read32(&p, 0x08000000), 0x5A5A0000);
  tp_close(&p);
}

static void test_write_protection(void **state)
{
  (void)state;
  tp p;
  open_chip(&p, "stm32h723zg", NULL, NULL);
  unlock_options(&p);
  tp_write32(&p, WPSN_PRG1, 0xFE); /* sector 0 protected */
  tp_write32(&p, OPTCR, 2);        /* OPTSTART */
  assert_true(tp_read32(&p, OPTSR_CUR) & 1);
  while (tp_read32(&p, OPTSR_CUR) & 1)
    tp_wait(&p, SIM_MS(10));
  assert_int_equal(tp_read32(&p, WPSN_CUR1), 0xFE);
  unlock(&p, KEYR1, CR1);
  tp_write32(&p, CR1, CR_SER | PSIZE_X64 | CR_START);
  assert_true(tp_read32(&p, SR1) & SR_WRPERR);
  tp_write32(&p, CCR1, SR_ALL);
  tp_write32(&p, CR1, CR_PG | PSIZE_X64);
  tp_write32(&p, 0x08000000, 0);
  assert_true(tp_read32(&p, SR1) & SR_WRPERR);
  assert_int_equal(tp_read32(&p, 0x08000000), 0xFFFFFFFF);
  /* sector 1 is free */
  write_word(&p, 0x08020000, 0x1000);
  wait_idle(&p, SR1);
  assert_int_equal(tp_read32(&p, 0x08020000), 0x1000);
  tp_close(&p);
}

static void test_options_and_boot(void **state)
{
  (void)state;
  char path[] = "/tmp/swdsim_h7_optXXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  close(fd);
  remove(path);
  tp p;
  open_chip(&p, "stm32h743zi", path, NULL);
  assert_int_equal(tp_read32(&p, OPTSR_CUR), 0x0306AAD0);
  assert_int_equal(tp_read32(&p, BOOT_CUR), 0x1FF00800);
  /* _PRG registers are locked with OPTCR */
  tp_write32(&p, BOOT_PRG, 0x1FF01FF0);
  assert_int_equal(tp_read32(&p, BOOT_PRG), 0x1FF00800);
  unlock_options(&p);
  tp_write32(&p, BOOT_PRG, 0x1FF01FF0); /* BOOT_ADD0 -> system memory */
  tp_write32(&p, OPTCR, 2);
  while (tp_read32(&p, OPTSR_CUR) & 1)
    tp_wait(&p, SIM_MS(10));
  assert_int_equal(tp_read32(&p, BOOT_CUR), 0x1FF01FF0);
  /* acts at the next reset: the core then starts in the ROM bootloader */
  tp_write32(&p, 0xE000ED0C, 0x05FA0004);
  tp_halt(&p);
  assert_int_equal(tp_reg(&p, 15) & 0xFFF00000u, 0x1FF00000);
  assert_int_equal(tp_read32(&p, 0xE000ED08), 0x1FF00000); /* VTOR */
  /* level 2 refuses every later change with OPTCHANGEERR */
  unlock_options(&p);
  tp_write32(&p, OPTSR_PRG, (tp_read32(&p, OPTSR_PRG) & ~0xFF00u) | 0xCC00);
  tp_write32(&p, OPTCR, 2);
  while (tp_read32(&p, OPTSR_CUR) & 1)
    tp_wait(&p, SIM_MS(10));
  tp_write32(&p, BOOT_PRG, 0x1FF00800);
  tp_write32(&p, OPTCR, 2);
  assert_true(tp_read32(&p, OPTSR_CUR) & (1u << 30));
  tp_write32(&p, OPTCCR, 1u << 30);
  assert_int_equal(tp_read32(&p, OPTSR_CUR) & (1u << 30), 0);
  assert_int_equal(tp_read32(&p, BOOT_CUR), 0x1FF01FF0);
  tp_close(&p);
  remove(path);
}

/* The Cortex-M7 caches as the firmware left them (h7-caches-on): SCB_CCR
 * shows DC and IC, CCSIDR the 16 KiB D-cache (4 ways x 128 sets), and the
 * D-cache stays dirty until every set and way has been cleaned. */
static void test_cache_state(void **state)
{
  (void)state;
  tp p;
  open_chip(&p, "stm32h743zi", NULL, "h7-caches-on");
  assert_int_equal(tp_read32(&p, 0xE000ED14) & 0x30000u, 0x30000u);
  assert_true(scs_cache_unsafe(p.t));
  tp_write32(&p, 0xE000ED84, 0); /* CSSELR: the data cache */
  assert_int_equal(tp_read32(&p, 0xE000ED80), 0xF00FE019u);
  tp_write32(&p, 0xE000ED14, tp_read32(&p, 0xE000ED14) & ~0x30000u);
  assert_true(scs_cache_unsafe(p.t)); /* off, but the dirty lines are still there */
  for (uint32_t way = 0; way < 4; way++)
    for (uint32_t set = 0; set < 127; set++)
      tp_write32(&p, 0xE000EF74, way << 30 | set << 5);
  assert_true(scs_cache_unsafe(p.t)); /* one set of each way left */
  for (uint32_t way = 0; way < 4; way++)
    tp_write32(&p, 0xE000EF74, way << 30 | 127u << 5);
  assert_false(scs_cache_unsafe(p.t));
  assert_int_equal(p.clock.report.cache_ccr, 0);
  tp_close(&p);
}

static void test_rdp_regression(void **state)
{
  (void)state;
  tp p;
  open_chip(&p, "stm32h743zi", NULL, NULL);
  unlock(&p, KEYR1, CR1);
  tp_write32(&p, CR1, CR_PG | PSIZE_X64);
  write_word(&p, 0x08000000, 0x100);
  wait_idle(&p, SR1);
  unlock(&p, KEYR2, CR2);
  tp_write32(&p, CR2, CR_PG | PSIZE_X64);
  write_word(&p, 0x08100000, 0x200);
  wait_idle(&p, SR2);
  unlock_options(&p);
  uint32_t prg = tp_read32(&p, OPTSR_PRG);
  tp_write32(&p, OPTSR_PRG, (prg & ~0xFF00u) | 0x5500); /* level 1 */
  tp_write32(&p, OPTCR, 2);
  while (tp_read32(&p, OPTSR_CUR) & 1)
    tp_wait(&p, SIM_MS(10));
  uint32_t v;
  assert_int_equal(tp_read(&p, 0x08000000, 4, &v), SIM_ACK_FAULT); /* the debugger is out */
  tp_abort(&p);
  sim_report before = p.clock.report;
  tp_write32(&p, OPTSR_PRG, (prg & ~0xFF00u) | 0xAA00);
  tp_write32(&p, OPTCR, 2);
  while (tp_read32(&p, OPTSR_CUR) & 1)
    tp_wait(&p, SIM_MS(100));
  /* both banks erased side by side after the option time (one sector) */
  assert_int_equal(p.clock.report.flash_busy_ns - before.flash_busy_ns,
                   SIM_MS(1000) + SIM_MS(8000));
  assert_int_equal(p.clock.report.mass_erases - before.mass_erases, 1);
  assert_int_equal(tp_read32(&p, 0x08000000), 0xFFFFFFFF);
  assert_int_equal(tp_read32(&p, 0x08100000), 0xFFFFFFFF);
  tp_close(&p);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_ids_and_rams),
      cmocka_unit_test(test_program_flash_word),
      cmocka_unit_test(test_error_flags),
      cmocka_unit_test(test_ecc_on_second_program),
      cmocka_unit_test(test_ecc_error_persists),
      cmocka_unit_test(test_erase_timing_and_banks),
      cmocka_unit_test(test_write_protection),
      cmocka_unit_test(test_options_and_boot),
      cmocka_unit_test(test_rdp_regression),
      cmocka_unit_test(test_cache_state),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
