/* STM32G0 chips: IDs, the Cortex-M0+ (ARMv6-M faults on other Thumb-2), the
 * flash interface (double words, error flags, CFGBSY, page/bank/mass erase,
 * fast rows), option bytes through the registers with OPTSTRT and
 * OBL_LAUNCH, RDP regression, the EMPTY flag and the boot decision. */
#include "cortex_m.h"
#include "test_support.h"
#include "target.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

enum {
  ACR = 0x40022000,
  KEYR = 0x40022008,
  OPTKEYR = 0x4002200C,
  SR = 0x40022010,
  CR = 0x40022014,
  OPTR = 0x40022020,
  WRP1AR = 0x4002202C,
  SECR = 0x40022080,
  RCC_CSR = 0x40021060,
  ACR_EMPTY = 1 << 16,
  SR_PROGERR = 1 << 3,
  SR_WRPERR = 1 << 4,
  SR_PGAERR = 1 << 5,
  SR_SIZERR = 1 << 6,
  SR_PGSERR = 1 << 7,
  SR_MISSERR = 1 << 8,
  SR_FASTERR = 1 << 9,
  SR_ERRORS = 0xC3FA,
  SR_BSY1 = 1 << 16,
  SR_BSY2 = 1 << 17,
  SR_CFGBSY = 1 << 18,
  CR_PG = 1,
  CR_PER = 2,
  CR_MER1 = 4,
  CR_BKER = 1 << 13,
  CR_MER2 = 1 << 15,
  CR_STRT = 1 << 16,
  CR_OPTSTRT = 1 << 17,
  CR_FSTPG = 1 << 18,
  CR_OBL_LAUNCH = 1 << 27,
  CR_OPTLOCK = 1 << 30,
};

static const sim_ns T_PROG = SIM_US(85);
static const sim_ns T_PAGE = SIM_MS(22);
static const sim_ns T_OPTIONS = SIM_MS(22) + 16 * SIM_US(85);

static void open_chip(tp *p, const char *chip, const char *state, const char *scenario)
{
  tp_options o = {.chip = chip, .state = state, .scenarios = {scenario}};
  tp_open(p, &o);
  assert_int_equal(tp_connect(p, NULL), SIM_ACK_OK);
  tp_halt(p);
}

static void unlock(tp *p)
{
  if (!(tp_read32(p, CR) >> 31))
    return; /* as the tools do: the keys only when locked */
  tp_write32(p, KEYR, 0x45670123);
  tp_write32(p, KEYR, 0xCDEF89AB);
  assert_int_equal(tp_read32(p, CR) >> 31, 0);
}

static void unlock_options(tp *p)
{
  unlock(p);
  if (!(tp_read32(p, CR) & CR_OPTLOCK))
    return;
  tp_write32(p, OPTKEYR, 0x08192A3B);
  tp_write32(p, OPTKEYR, 0x4C5D6E7F);
  assert_int_equal(tp_read32(p, CR) & CR_OPTLOCK, 0);
}

static uint32_t wait_idle(tp *p)
{
  uint32_t sr;
  while ((sr = tp_read32(p, SR)) & (SR_BSY1 | SR_BSY2 | SR_CFGBSY))
    tp_wait(p, SIM_US(50));
  return sr;
}

static sim_ns op_time(const tp *p)
{
  return p->t->flash.op.end - p->t->flash.op.start;
}

static void program_dw(tp *p, uint32_t addr, uint32_t lo, uint32_t hi)
{
  tp_write32(p, addr, lo);
  tp_write32(p, addr + 4, hi);
  wait_idle(p);
}

static void page_erase(tp *p, uint32_t cr_bits)
{
  tp_write32(p, CR, CR_PER | cr_bits | CR_STRT);
  wait_idle(p);
  tp_write32(p, CR, 0);
}

static void test_ids(void **state)
{
  (void)state;
  static const struct {
    const char *chip;
    uint32_t idcode, kib, sram;
  } cases[] = {
      {"stm32g071rb", 0x20006460, 128, 36 * 1024},
      {"stm32g0b1re", 0x10006467, 512, 144 * 1024},
  };
  for (size_t i = 0; i < 2; i++) {
    tp p;
    tp_options o = {.chip = cases[i].chip};
    tp_open(&p, &o);
    uint32_t dpidr;
    assert_int_equal(tp_connect(&p, &dpidr), SIM_ACK_OK);
    assert_int_equal(dpidr, 0x0BC11477);
    tp_halt(&p);
    assert_int_equal(tp_read32(&p, 0xE000ED00), 0x410CC601); /* Cortex-M0+ r0p1 */
    assert_int_equal(tp_read32(&p, 0x40015800), cases[i].idcode);
    uint32_t v;
    assert_int_equal(tp_read(&p, 0x1FFF75E0, 2, &v), SIM_ACK_OK);
    assert_int_equal(v, cases[i].kib);
    assert_int_not_equal(tp_read32(&p, 0x1FFF7590) | tp_read32(&p, 0x1FFF7594), 0);
    /* no DBGMCU on the private bus of a Cortex-M0+, no ITM */
    assert_int_equal(tp_read(&p, 0xE0042000, 4, &v), SIM_ACK_FAULT);
    tp_abort(&p);
    assert_int_equal(tp_read(&p, 0xE0000000, 4, &v), SIM_ACK_FAULT);
    tp_abort(&p);
    /* the ROM table lists SCS, DWT and BPU only; 4 breakpoints, 2 watchpoints */
    assert_int_equal(tp_read32(&p, 0xE00FF00C), 0);
    assert_int_equal(tp_read32(&p, 0xE0002000) & 0xF0, 0x40);
    assert_int_equal(tp_read32(&p, 0xE0001000) >> 28, 2);
    /* SRAM size */
    tp_write32(&p, 0x20000000 + cases[i].sram - 4, 0x12345678);
    assert_int_equal(tp_read(&p, 0x20000000 + cases[i].sram, 4, &v), SIM_ACK_FAULT);
    tp_abort(&p);
    /* factory options: RDP 0, nBOOT_SEL = nBOOT1 = nBOOT0 = 1 */
    assert_int_equal(tp_read32(&p, OPTR), 0xFFFFFEAA);
    tp_close(&p);
  }
}

/* Vector table at 0x20000000 (HardFault: movs r2,#0x55; b .) and code at
 * 0x20000200: movs r0,#1; add.w r0,r0,#1; bkpt. */
static void run_thumb2(tp *p)
{
  static const uint8_t handler[] = {0x55, 0x22, 0xfe, 0xe7};
  static const uint8_t code[] = {0x01, 0x20, 0x00, 0xf1, 0x01, 0x00, 0x00, 0xbe};
  uint32_t vectors[4] = {0x20001000, 0x20000201, 0x20000101, 0x20000101};
  assert_int_equal(tp_write_block(p, 0x20000000, vectors, sizeof vectors), SIM_ACK_OK);
  assert_int_equal(tp_write_block(p, 0x20000100, handler, sizeof handler), SIM_ACK_OK);
  assert_int_equal(tp_write_block(p, 0x20000200, code, sizeof code), SIM_ACK_OK);
  tp_write32(p, 0xE000ED08, 0x20000000); /* VTOR */
  tp_set_reg(p, 16, XPSR_T);
  tp_set_reg(p, 15, 0x20000200);
  tp_set_reg(p, 13, 0x20001000);
  tp_set_reg(p, 2, 0);
  tp_run(p);
  tp_wait(p, SIM_US(100));
  tp_halt(p);
}

/* ARMv6-M has no Thumb-2 data processing: ADD.W is UNDEFINED and the
 * Cortex-M0+ takes a HardFault; the Cortex-M3 executes it. */
static void test_thumb2_faults_on_m0plus(void **state)
{
  (void)state;
  tp p;
  open_chip(&p, "stm32g071rb", NULL, NULL);
  run_thumb2(&p);
  assert_int_equal(tp_reg(&p, 2), 0x55);
  assert_int_equal(tp_reg(&p, 16) & 0x3F, 3); /* in the HardFault handler */
  assert_int_equal(tp_reg(&p, 0), 1);
  tp_close(&p);

  open_chip(&p, "stm32f103c8", NULL, NULL);
  run_thumb2(&p);
  assert_int_equal(tp_reg(&p, 0), 2);
  assert_int_equal(tp_reg(&p, 2), 0);
  assert_int_equal(tp_reg(&p, 15), 0x20000206); /* stopped on the BKPT */
  tp_close(&p);

  /* the 32-bit instructions ARMv6-M has: BL and DMB run on the M0+ */
  open_chip(&p, "stm32g071rb", NULL, NULL);
  static const uint8_t ok[] = {0x01, 0x20, 0x00, 0xf0, 0x00, 0xf8, 0xbf, 0xf3,
                               0x5f, 0x8f, 0x00, 0xbe, 0x00, 0xbe};
  assert_int_equal(tp_write_block(&p, 0x20000200, ok, 12), SIM_ACK_OK);
  tp_set_reg(&p, 16, XPSR_T);
  tp_set_reg(&p, 15, 0x20000200);
  tp_set_reg(&p, 13, 0x20001000);
  tp_run(&p);
  tp_wait(&p, SIM_US(100));
  assert_true(tp_dhcsr(&p) & S_HALT);
  assert_int_equal(tp_read32(&p, DFSR) & 2, 2);
  assert_int_equal(tp_reg(&p, 15), 0x2000020A);
  assert_int_equal(tp_reg(&p, 14), 0x20000207); /* BL set LR */
  tp_close(&p);
}

static void test_program_rules(void **state)
{
  (void)state;
  tp p;
  open_chip(&p, "stm32g071rb", NULL, NULL);
  uint32_t v;
  /* no PG: PGSERR, nothing written */
  unlock(&p);
  tp_write32(&p, 0x08000000, 0);
  assert_int_equal(tp_read32(&p, SR) & SR_ERRORS, SR_PGSERR);
  tp_write32(&p, CR, CR_PG);
  /* a stale error blocks the next double word */
  tp_write32(&p, 0x08000000, 0x11111111);
  tp_write32(&p, 0x08000004, 0x22222222);
  assert_int_equal(tp_read32(&p, 0x08000000), 0xFFFFFFFF);
  tp_write32(&p, SR, SR_ERRORS);
  /* first word: CFGBSY until the second; CR cannot be written meanwhile */
  tp_write32(&p, 0x08000000, 0x11111111);
  assert_int_equal(tp_read32(&p, SR) & (SR_CFGBSY | SR_BSY1), SR_CFGBSY);
  assert_int_equal(tp_write(&p, CR, 4, 0), SIM_ACK_FAULT);
  tp_abort(&p);
  sim_report before = p.clock.report;
  tp_write32(&p, 0x08000004, 0x22222222);
  assert_int_equal(tp_read32(&p, SR) & (SR_CFGBSY | SR_BSY1), SR_CFGBSY | SR_BSY1);
  assert_int_equal(op_time(&p), T_PROG);
  wait_idle(&p);
  assert_int_equal(p.clock.report.flash_program_units - before.flash_program_units, 1);
  assert_int_equal(tp_read32(&p, 0x08000000), 0x11111111);
  assert_int_equal(tp_read32(&p, 0x08000004), 0x22222222);
  /* over programmed data: PROGERR (ECC), the array keeps its value */
  tp_write32(&p, 0x08000000, 0x00000000);
  tp_write32(&p, 0x08000004, 0x20000000);
  assert_int_equal(wait_idle(&p) & SR_ERRORS, SR_PROGERR);
  assert_int_equal(tp_read32(&p, 0x08000004), 0x22222222);
  tp_write32(&p, SR, SR_ERRORS);
  /* all zeros may still be written */
  program_dw(&p, 0x08000000, 0, 0);
  assert_int_equal(tp_read32(&p, SR) & SR_ERRORS, 0);
  assert_int_equal(tp_read32(&p, 0x08000004), 0);
  /* first word not double-word aligned: PGAERR */
  tp_write32(&p, 0x08000014, 1);
  assert_int_equal(tp_read32(&p, SR) & SR_ERRORS, SR_PGAERR);
  tp_write32(&p, SR, SR_ERRORS);
  /* second word of another double word: PGAERR */
  tp_write32(&p, 0x08000010, 1);
  tp_write32(&p, 0x08000024, 1);
  assert_int_equal(tp_read32(&p, SR) & SR_ERRORS, SR_PGAERR);
  assert_int_equal(tp_read32(&p, 0x08000010), 0xFFFFFFFF);
  tp_write32(&p, SR, SR_ERRORS);
  /* half-word store: SIZERR */
  assert_int_equal(tp_write(&p, 0x08000010, 2, 0x1234), SIM_ACK_OK);
  assert_int_equal(tp_read32(&p, SR) & SR_ERRORS, SR_SIZERR);
  tp_write32(&p, SR, SR_ERRORS);
  assert_int_equal(tp_read(&p, 0x08000010, 4, &v), SIM_ACK_OK);
  assert_int_equal(v, 0xFFFFFFFF);
  /* a wrong key locks the controller until reset, with a bus error */
  tp_write32(&p, CR, 1u << 31);
  assert_int_equal(tp_write(&p, KEYR, 4, 0x12345678), SIM_ACK_FAULT);
  tp_abort(&p);
  assert_int_equal(tp_write(&p, KEYR, 4, 0x45670123), SIM_ACK_FAULT);
  tp_abort(&p);
  tp_close(&p);
}

static void test_erase_pages_and_banks(void **state)
{
  (void)state;
  static uint8_t image[512 * 1024];
  memset(image, 0x5A, sizeof image);
  char path[256];
  tp_temp_path(path, sizeof path, "g0erase");
  tp_make_state(path, "stm32g0b1re", 0, image, sizeof image, NULL);
  tp p;
  open_chip(&p, "stm32g0b1re", path, NULL);
  unlock(&p);
  /* bank 2, page 5 in the HAL's numbering (BKER + page in the bank) */
  tp_write32(&p, CR, CR_PER | CR_BKER | 5 << 3 | CR_STRT);
  assert_int_equal(tp_read32(&p, SR) & (SR_BSY1 | SR_BSY2), SR_BSY2);
  assert_int_equal(op_time(&p), T_PAGE);
  wait_idle(&p);
  assert_int_equal(tp_read32(&p, 0x08040000 + 5 * 2048), 0xFFFFFFFF);
  assert_int_equal(tp_read32(&p, 0x08040000 + 6 * 2048), 0x5A5A5A5A);
  assert_int_equal(tp_read32(&p, 0x08000000 + 5 * 2048), 0x5A5A5A5A);
  /* ... and in RM0444's (bank-2 pages from 256): page 262 = bank 2, page 6 */
  tp_write32(&p, CR, CR_PER | CR_BKER | 262 << 3 | CR_STRT);
  wait_idle(&p);
  assert_int_equal(tp_read32(&p, 0x08040000 + 6 * 2048), 0xFFFFFFFF);
  /* page 200 without BKER is past bank 1: nothing is erased, no flag */
  tp_write32(&p, CR, CR_PER | 200 << 3 | CR_STRT);
  assert_int_equal(wait_idle(&p) & SR_ERRORS, 0);
  for (uint32_t a = 0x08000000; a < 0x08080000; a += 2048)
    if (a != 0x08040000 + 5 * 2048 && a != 0x08040000 + 6 * 2048)
      assert_int_equal(tp_read32(&p, a), 0x5A5A5A5A);
  /* bank 1 page 3 */
  page_erase(&p, 3 << 3);
  assert_int_equal(tp_read32(&p, 0x08001800), 0xFFFFFFFF);
  /* PER with PG set: PGSERR */
  tp_write32(&p, CR, CR_PG | CR_PER | 4 << 3 | CR_STRT);
  assert_int_equal(tp_read32(&p, SR) & SR_ERRORS, SR_PGSERR);
  tp_write32(&p, SR, SR_ERRORS);
  tp_write32(&p, CR, 0);
  /* mass erase of bank 1: 22 ms, bank 2 untouched */
  sim_report before = p.clock.report;
  tp_write32(&p, CR, CR_MER1 | CR_STRT);
  assert_int_equal(op_time(&p), SIM_MS(22));
  wait_idle(&p);
  assert_int_equal(tp_read32(&p, 0x0803FFFC), 0xFFFFFFFF);
  assert_int_equal(tp_read32(&p, 0x08040000), 0x5A5A5A5A);
  /* both banks: 22 ms each */
  tp_write32(&p, CR, CR_MER1 | CR_MER2 | CR_STRT);
  assert_int_equal(tp_read32(&p, SR) & (SR_BSY1 | SR_BSY2), SR_BSY1 | SR_BSY2);
  assert_int_equal(op_time(&p), SIM_MS(44));
  wait_idle(&p);
  assert_int_equal(tp_read32(&p, 0x0807FFFC), 0xFFFFFFFF);
  assert_int_equal(p.clock.report.mass_erases - before.mass_erases, 2);
  tp_close(&p);

  /* single-bank mode (DUAL_BANK=0): MER1 erases all 512 KiB in one 22 ms
   * step, MER2 alone is a sequence error, PNB counts 0..255 */
  tp_make_state(path, "stm32g0b1re", 0, image, sizeof image, (const char *[]){"dual_bank=0", NULL});
  open_chip(&p, "stm32g0b1re", path, NULL);
  unlock(&p);
  page_erase(&p, 200 << 3);
  assert_int_equal(tp_read32(&p, 0x08000000 + 200 * 2048), 0xFFFFFFFF);
  tp_write32(&p, CR, CR_MER2 | CR_STRT);
  assert_int_equal(tp_read32(&p, SR) & SR_ERRORS, SR_PGSERR);
  tp_write32(&p, SR, SR_ERRORS);
  tp_write32(&p, CR, CR_MER1 | CR_MER2 | CR_STRT);
  assert_int_equal(op_time(&p), SIM_MS(22));
  wait_idle(&p);
  assert_int_equal(tp_read32(&p, 0x0807FFFC), 0xFFFFFFFF);
  tp_close(&p);
  remove(path);
}

static void test_write_protection(void **state)
{
  (void)state;
  char path[256];
  tp_temp_path(path, sizeof path, "g0wrp");
  /* WRP1A: pages 1..2 */
  tp_make_state(path, "stm32g071rb", 0, NULL, 0, (const char *[]){"wrp1ar=0x00020001", NULL});
  tp p;
  open_chip(&p, "stm32g071rb", path, NULL);
  assert_int_equal(tp_read32(&p, WRP1AR), 0x00020001);
  unlock(&p);
  tp_write32(&p, CR, CR_PG);
  program_dw(&p, 0x08000800, 1, 2);
  assert_int_equal(tp_read32(&p, SR) & SR_ERRORS, SR_WRPERR);
  assert_int_equal(tp_read32(&p, 0x08000800), 0xFFFFFFFF);
  tp_write32(&p, SR, SR_ERRORS);
  program_dw(&p, 0x08001800, 1, 2); /* page 3 is free */
  assert_int_equal(tp_read32(&p, SR) & SR_ERRORS, 0);
  tp_write32(&p, CR, 0);
  page_erase(&p, 2 << 3);
  assert_int_equal(tp_read32(&p, SR) & SR_ERRORS, SR_WRPERR);
  tp_write32(&p, SR, SR_ERRORS);
  tp_write32(&p, CR, CR_MER1 | CR_STRT);
  assert_int_equal(tp_read32(&p, SR) & SR_ERRORS, SR_WRPERR);
  assert_int_equal(tp_read32(&p, 0x08001800), 1);
  tp_close(&p);
  remove(path);
}

static void options_program(tp *p, uint32_t reg, uint32_t value)
{
  unlock_options(p);
  tp_write32(p, reg, value);
  tp_write32(p, CR, CR_OPTSTRT);
}

static bool state_flag_empty(const char *path)
{
  sim_chip_state st;
  const sim_chip *chip;
  char err[256];
  assert_true(sim_state_load(path, &st, &chip, err, sizeof err));
  bool e = st.flash_empty;
  sim_state_release(&st);
  return e;
}

/* nBOOT_SEL=0 through the registers: stored by OPTSTRT, in effect only
 * after OBL_LAUNCH (or a power-on), not after a system reset. */
static void test_options_and_obl_launch(void **state)
{
  (void)state;
  char path[256];
  tp_temp_path(path, sizeof path, "g0opt");
  tp_make_state(path, "stm32g071rb", 0, NULL, 0, NULL);
  tp p;
  open_chip(&p, "stm32g071rb", path, NULL);
  /* locked: the write is ignored */
  tp_write32(&p, OPTR, 0xFEFFFEAA);
  assert_int_equal(tp_read32(&p, OPTR), 0xFFFFFEAA);
  sim_report before = p.clock.report;
  options_program(&p, OPTR, 0xFEFFFEAA);
  assert_int_equal(op_time(&p), T_OPTIONS);
  assert_int_equal(tp_read32(&p, SR) & SR_BSY1, SR_BSY1);
  wait_idle(&p);
  assert_int_equal(p.clock.report.mass_erases - before.mass_erases, 0);
  /* the option page holds it: value then complement */
  assert_int_equal(tp_read32(&p, 0x1FFF7800), 0xFEFFFEAA);
  assert_int_equal(tp_read32(&p, 0x1FFF7804), ~0xFEFFFEAAu);
  tp_write32(&p, CR, 1u << 31);
  /* a system reset does not load it */
  tp_write32(&p, AIRCR, AIRCR_KEY | AIRCR_SYSRESETREQ_BIT);
  tp_halt(&p);
  assert_int_equal(tp_read32(&p, OPTR), 0xFFFFFEAA);
  /* OBL_LAUNCH does, and resets the chip */
  unlock_options(&p);
  tp_write32(&p, CR, CR_OBL_LAUNCH);
  tp_halt(&p);
  assert_int_equal(tp_read32(&p, OPTR), 0xFEFFFEAA);
  assert_int_equal(tp_read32(&p, CR) >> 30, 3); /* locked again by the reset */
  assert_true(tp_read32(&p, RCC_CSR) & (1u << 25)); /* OBLRSTF */
  tp_close(&p);
  sim_chip_state st;
  const sim_chip *chip;
  char err[256];
  assert_true(sim_state_load(path, &st, &chip, err, sizeof err));
  sim_boot b;
  chip->family->flash->boot(chip, &st, false, &b);
  assert_int_equal(b.area, BOOT_SYSMEM); /* flash empty */
  st.boot0 = false;
  st.flash[0] = 0;
  st.flash_empty = false;
  chip->family->flash->boot(chip, &st, false, &b);
  assert_int_equal(b.area, BOOT_FLASH);
  st.boot0 = true; /* nBOOT_SEL=0: the pin counts again (high since power-on) */
  st.boot0_at_debug = true;
  chip->family->flash->boot(chip, &st, false, &b);
  assert_int_equal(b.area, BOOT_SYSMEM);
  assert_non_null(strstr(b.reason, "nBOOT_SEL=0: BOOT0 pin=1"));
  sim_state_release(&st);
  remove(path);
}

/* EMPTY is evaluated by the option loader only: programming the flash and a
 * system reset leave it set (the chip enters the ROM bootloader), software
 * may clear it, OBL_LAUNCH re-evaluates it. */
static void test_empty_flag(void **state)
{
  (void)state;
  char path[256];
  tp_temp_path(path, sizeof path, "g0empty");
  tp_make_state(path, "stm32g071rb", 0, NULL, 0, NULL);
  tp p;
  open_chip(&p, "stm32g071rb", path, NULL);
  assert_true(tp_read32(&p, ACR) & ACR_EMPTY);
  unlock(&p);
  tp_write32(&p, CR, CR_PG);
  /* a vector table: SP 0x20001000, reset handler 0x08000101 */
  program_dw(&p, 0x08000000, 0x20001000, 0x08000101);
  tp_write32(&p, CR, 1u << 31);
  assert_true(tp_read32(&p, ACR) & ACR_EMPTY);
  tp_write32(&p, DEMCR, 1); /* VC_CORERESET */
  tp_write32(&p, AIRCR, AIRCR_KEY | AIRCR_SYSRESETREQ_BIT);
  assert_int_equal(tp_reg(&p, 15), 0x1FFF0100); /* the ROM bootloader */
  assert_true(tp_read32(&p, ACR) & ACR_EMPTY);
  tp_close(&p);
  assert_true(state_flag_empty(path));
  /* the next session on the powered board: still the bootloader */
  open_chip(&p, "stm32g071rb", path, NULL);
  tp_write32(&p, DEMCR, 1);
  tp_write32(&p, AIRCR, AIRCR_KEY | AIRCR_SYSRESETREQ_BIT);
  assert_int_equal(tp_reg(&p, 15), 0x1FFF0100);
  /* clearing EMPTY by software: the next reset runs the program */
  tp_write32(&p, ACR, tp_read32(&p, ACR) & ~(uint32_t)ACR_EMPTY);
  tp_write32(&p, AIRCR, AIRCR_KEY | AIRCR_SYSRESETREQ_BIT);
  assert_int_equal(tp_reg(&p, 15), 0x08000100);
  /* and setting it sends it back to the bootloader */
  tp_write32(&p, ACR, tp_read32(&p, ACR) | ACR_EMPTY);
  tp_write32(&p, AIRCR, AIRCR_KEY | AIRCR_SYSRESETREQ_BIT);
  assert_int_equal(tp_reg(&p, 15), 0x1FFF0100);
  /* OBL_LAUNCH runs the empty check again */
  unlock_options(&p);
  tp_write32(&p, CR, CR_OBL_LAUNCH);
  assert_int_equal(tp_read32(&p, ACR) & ACR_EMPTY, 0);
  assert_int_equal(tp_reg(&p, 15), 0x08000100);
  tp_close(&p);
  assert_false(state_flag_empty(path));
  remove(path);
}

/* RDP 1 -> 0: the option change mass-erases both banks first. */
static void test_rdp_regression(void **state)
{
  (void)state;
  static uint8_t image[4096];
  memset(image, 0x42, sizeof image);
  char path[256];
  tp_temp_path(path, sizeof path, "g0rdp");
  tp_make_state(path, "stm32g0b1re", 0x40000, image, sizeof image, (const char *[]){"rdp=1", NULL});
  tp p;
  open_chip(&p, "stm32g0b1re", path, NULL);
  uint32_t v;
  assert_int_equal(tp_read(&p, 0x08040000, 4, &v), SIM_ACK_FAULT);
  tp_abort(&p);
  /* program and erase are refused too */
  unlock(&p);
  tp_write32(&p, CR, CR_PER | 3 << 3 | CR_STRT);
  assert_int_equal(tp_read32(&p, SR) & SR_ERRORS, SR_WRPERR);
  tp_write32(&p, SR, SR_ERRORS);
  tp_write32(&p, CR, 0);
  sim_report before = p.clock.report;
  options_program(&p, OPTR, (tp_read32(&p, OPTR) & ~0xFFu) | 0xAA);
  assert_int_equal(op_time(&p), T_OPTIONS + SIM_MS(44));
  wait_idle(&p);
  assert_int_equal(p.clock.report.mass_erases - before.mass_erases, 1);
  unlock_options(&p);
  tp_write32(&p, CR, CR_OBL_LAUNCH);
  tp_halt(&p);
  assert_int_equal(tp_read32(&p, OPTR) & 0xFF, 0xAA);
  assert_int_equal(tp_read32(&p, 0x08040000), 0xFFFFFFFF);
  tp_close(&p);
  remove(path);
}

/* Fast row programming: from the debugger the words come too slowly
 * (MISSERR); from code in SRAM the row programs in 32 double-word times. */
static void test_fast_programming(void **state)
{
  (void)state;
  tp p;
  open_chip(&p, "stm32g071rb", NULL, NULL);
  unlock(&p);
  /* not after an erase of that page: PGSERR | FASTERR */
  tp_write32(&p, CR, CR_FSTPG);
  tp_write32(&p, 0x08000800, 1);
  assert_int_equal(tp_read32(&p, SR) & SR_ERRORS, SR_PGSERR | SR_FASTERR);
  tp_write32(&p, SR, SR_ERRORS);
  tp_write32(&p, CR, 0);
  page_erase(&p, 1 << 3);
  tp_write32(&p, CR, CR_FSTPG);
  tp_write32(&p, 0x08000800, 0x01020304);
  tp_write32(&p, 0x08000804, 0x05060708); /* one SWD transaction later: too late */
  assert_int_equal(tp_read32(&p, SR) & SR_ERRORS, SR_MISSERR | SR_FASTERR);
  assert_int_equal(tp_read32(&p, 0x08000800), 0xFFFFFFFF);
  /* the next row start is refused until the errors are cleared */
  tp_write32(&p, 0x08000900, 0);
  assert_int_equal(tp_read32(&p, SR) & SR_ERRORS, SR_PGSERR | SR_MISSERR | SR_FASTERR);
  tp_write32(&p, SR, SR_ERRORS);
  /* the CPU: r0 destination, r1 source, r2 count;
   * 1: ldr r3,[r1]; str r3,[r0]; adds r0,#4; adds r1,#4; subs r2,#1; bne 1b; bkpt */
  static const uint8_t loop[] = {0x0b, 0x68, 0x03, 0x60, 0x04, 0x30, 0x04, 0x31,
                                 0x01, 0x3a, 0xf9, 0xd1, 0x00, 0xbe, 0x00, 0xbe};
  uint32_t data[64];
  for (int i = 0; i < 64; i++)
    data[i] = 0xA0000000u + (uint32_t)i;
  assert_int_equal(tp_write_block(&p, 0x20000000, loop, sizeof loop), SIM_ACK_OK);
  assert_int_equal(tp_write_block(&p, 0x20000400, data, sizeof data), SIM_ACK_OK);
  tp_write32(&p, CR, 0);
  page_erase(&p, 2 << 3);
  tp_write32(&p, CR, CR_FSTPG);
  tp_set_reg(&p, 0, 0x08001000);
  tp_set_reg(&p, 1, 0x20000400);
  tp_set_reg(&p, 2, 64);
  tp_set_reg(&p, 16, XPSR_T);
  tp_set_reg(&p, 15, 0x20000000);
  sim_report before = p.clock.report;
  tp_run(&p);
  tp_wait(&p, SIM_US(200));
  assert_true(tp_dhcsr(&p) & S_HALT);
  assert_int_equal(tp_reg(&p, 2), 0);
  assert_true(tp_read32(&p, SR) & SR_BSY1);
  assert_int_equal(op_time(&p), 32 * T_PROG);
  wait_idle(&p);
  assert_int_equal(tp_read32(&p, SR) & SR_ERRORS, 0);
  assert_int_equal(p.clock.report.flash_program_units - before.flash_program_units, 32);
  uint32_t back[64];
  assert_int_equal(tp_read_block(&p, 0x08001000, back, sizeof back), SIM_ACK_OK);
  assert_memory_equal(back, data, sizeof data);
  tp_close(&p);
}

static void boot_of(const char *path, bool power_on, sim_boot *b)
{
  sim_chip_state st;
  const sim_chip *chip;
  char err[256];
  assert_true(sim_state_load(path, &st, &chip, err, sizeof err));
  chip->family->flash->boot(chip, &st, power_on, b);
  sim_state_release(&st);
}

/* The scenarios: BOOT0 held high does nothing with the factory options and
 * a program in flash; an empty check from before the flash was written sends
 * the chip to the ROM bootloader until a power cycle. */
static void test_boot_scenarios(void **state)
{
  (void)state;
  static const uint32_t vectors[2] = {0x20001000, 0x08000101};
  char path[256];
  tp_temp_path(path, sizeof path, "g0scen");
  tp_make_state(path, "stm32g0b1re", 0, vectors, sizeof vectors, NULL);
  tp p;
  open_chip(&p, "stm32g0b1re", path, "g0-boot0-ignored");
  tp_write32(&p, DEMCR, 1);
  tp_write32(&p, AIRCR, AIRCR_KEY | AIRCR_SYSRESETREQ_BIT);
  assert_int_equal(tp_reg(&p, 15), 0x08000100);
  tp_close(&p);
  sim_boot b;
  boot_of(path, false, &b);
  assert_int_equal(b.area, BOOT_FLASH);
  assert_non_null(strstr(b.reason, "the BOOT0 pin (1) is ignored"));

  tp_make_state(path, "stm32g0b1re", 0, vectors, sizeof vectors, NULL);
  open_chip(&p, "stm32g0b1re", path, "g0-empty-check");
  assert_true(tp_read32(&p, ACR) & ACR_EMPTY);
  tp_write32(&p, DEMCR, 1);
  tp_write32(&p, AIRCR, AIRCR_KEY | AIRCR_SYSRESETREQ_BIT);
  assert_int_equal(tp_reg(&p, 15), 0x1FFF0100);
  tp_close(&p);
  boot_of(path, false, &b);
  assert_int_equal(b.area, BOOT_SYSMEM);
  assert_non_null(strstr(b.reason, "although the flash now holds a program"));
  boot_of(path, true, &b);
  assert_int_equal(b.area, BOOT_FLASH); /* a power cycle cures it */
  char *cycle[] = {"state", "power-cycle", path};
  assert_int_equal(sim_state_main(3, cycle), 0);
  open_chip(&p, "stm32g0b1re", path, NULL);
  assert_int_equal(tp_read32(&p, ACR) & ACR_EMPTY, 0);
  tp_close(&p);

  /* the G0 scenarios need a G0 */
  static const char names[1][32] = {"g0-empty-check"};
  sim_clock clock = {0};
  char err[256];
  sim_target_options so = {.chip = "stm32f103c8", .scenarios = names, .scenario_count = 1};
  assert_null(sim_target_new(&clock, &so, err, sizeof err));
  assert_non_null(strstr(err, "need a G0 chip"));
  remove(path);
}

/* The scenarios every chip has, on a G0 holding a program (SP, reset
 * handler at 0x08000008: b .): swd-disabled, sleep, nrst-not-wired,
 * no-target, and boot0=1, which the factory nBOOT_SEL=1 ignores while with
 * nBOOT_SEL=0 it selects the ROM bootloader. */
static void test_common_scenarios(void **state)
{
  (void)state;
  static const uint8_t idle_fw[] = {0x00, 0x10, 0x00, 0x20, 0x09, 0x00, 0x00, 0x08, 0xfe, 0xe7};
  char path[256];
  tp_temp_path(path, sizeof path, "g0common");
  static const char *const chips[2] = {"stm32g071rb", "stm32g0b1re"};
  for (int i = 0; i < 2; i++) {
    const char *chip = chips[i];
    tp p;
    uint32_t v;
    tp_make_state(path, chip, 0, idle_fw, sizeof idle_fw, NULL);
    tp_options o = {.chip = chip, .state = path, .scenarios = {"swd-disabled"}};
    tp_open(&p, &o);
    assert_int_equal(tp_connect(&p, NULL), SIM_ACK_NONE);
    sim_target_set_nrst(p.t, true); /* connect under reset works */
    assert_int_equal(tp_connect(&p, NULL), SIM_ACK_OK);
    tp_close(&p);

    tp_make_state(path, chip, 0, idle_fw, sizeof idle_fw, NULL);
    o = (tp_options){.chip = chip, .state = path, .scenarios = {"sleep"}};
    tp_open(&p, &o);
    assert_int_equal(tp_connect(&p, NULL), SIM_ACK_OK);
    assert_int_equal(sim_target_ap_write(p.t, 0x04, DHCSR), SIM_ACK_WAIT); /* Stop mode */
    assert_int_equal(tp_read(&p, 0x40015800, 4, &v), SIM_ACK_OK); /* in a wake window */
    tp_write32(&p, 0x40015804, 2);                                   /* DBG_STOP */
    assert_int_equal(sim_target_ap_write(p.t, 0x04, DHCSR), SIM_ACK_OK);
    tp_close(&p);

    o = (tp_options){.chip = chip, .scenarios = {"no-target"}};
    tp_open(&p, &o);
    assert_int_equal(tp_connect(&p, NULL), SIM_ACK_NONE);
    assert_int_equal(sim_target_voltage_mv(p.t), 0);
    tp_close(&p);

    o = (tp_options){.chip = chip, .scenarios = {"nrst-not-wired"}};
    tp_open(&p, &o);
    assert_int_equal(tp_connect(&p, NULL), SIM_ACK_OK);
    tp_dhcsr(&p); /* clears the sticky S_RESET_ST of the power-on */
    sim_target_set_nrst(p.t, true);
    assert_false(tp_dhcsr(&p) & S_RESET_ST);
    tp_close(&p);

    tp_make_state(path, chip, 0, idle_fw, sizeof idle_fw, NULL);
    open_chip(&p, chip, path, "boot0=1");
    tp_write32(&p, DEMCR, 1);
    tp_write32(&p, AIRCR, AIRCR_KEY | AIRCR_SYSRESETREQ_BIT);
    assert_int_equal(tp_reg(&p, 15), 0x08000008); /* the pin is ignored */
    tp_close(&p);
    tp_make_state(path, chip, 0, idle_fw, sizeof idle_fw, (const char *[]){"nboot_sel=0", NULL});
    open_chip(&p, chip, path, "boot0=1");
    tp_write32(&p, DEMCR, 1);
    tp_write32(&p, AIRCR, AIRCR_KEY | AIRCR_SYSRESETREQ_BIT);
    assert_int_equal(tp_reg(&p, 15), 0x1FFF0100);
    tp_close(&p);
  }
  remove(path);
}

/* With nBOOT_SEL=0, once a debugger has connected the boot logic keeps the
 * BOOT0 level of that moment until a power cycle: raising BOOT0 on a
 * powered board and resetting still runs the flash (ES0486 §2.2.9). */
static void test_boot0_kept_after_debug(void **state)
{
  (void)state;
  static const uint8_t idle_fw[] = {0x00, 0x10, 0x00, 0x20, 0x09, 0x00, 0x00, 0x08, 0xfe, 0xe7};
  char path[256];
  tp_temp_path(path, sizeof path, "g0latch");
  tp_make_state(path, "stm32g0b1re", 0, idle_fw, sizeof idle_fw,
                (const char *[]){"nboot_sel=0", NULL});
  tp p;
  open_chip(&p, "stm32g0b1re", path, "boot0=0");
  tp_close(&p);
  open_chip(&p, "stm32g0b1re", path, "boot0=1"); /* the board stayed powered */
  tp_write32(&p, DEMCR, 1);
  tp_write32(&p, AIRCR, AIRCR_KEY | AIRCR_SYSRESETREQ_BIT);
  assert_int_equal(tp_reg(&p, 15), 0x08000008);
  tp_close(&p);
  sim_boot b;
  boot_of(path, false, &b);
  assert_int_equal(b.area, BOOT_FLASH);
  assert_non_null(strstr(b.reason, "the level kept since the debugger connected is 0"));
  boot_of(path, true, &b);
  assert_int_equal(b.area, BOOT_SYSMEM);
  char *cycle[] = {"state", "power-cycle", path};
  assert_int_equal(sim_state_main(3, cycle), 0);
  open_chip(&p, "stm32g0b1re", path, "boot0=1");
  tp_write32(&p, DEMCR, 1);
  tp_write32(&p, AIRCR, AIRCR_KEY | AIRCR_SYSRESETREQ_BIT);
  assert_int_equal(tp_reg(&p, 15), 0x1FFF0100);
  tp_close(&p);
  remove(path);
}

/* BOOT_LOCK together with RDP level 1 leaves DBG_SWEN at 0 after reset:
 * the debug port does not answer, even under reset. BOOT_LOCK alone keeps
 * it, and boots the flash whatever the other options say. */
static void test_boot_lock(void **state)
{
  (void)state;
  char path[256];
  tp_temp_path(path, sizeof path, "g0lock");
  tp_make_state(path, "stm32g071rb", 0, NULL, 0, (const char *[]){"boot_lock=1", NULL});
  tp p;
  open_chip(&p, "stm32g071rb", path, NULL);
  assert_int_equal(tp_read32(&p, SECR) >> 16 & 1, 1);
  tp_close(&p);
  sim_boot b;
  boot_of(path, true, &b);
  assert_int_equal(b.area, BOOT_FLASH); /* even with an empty flash */
  assert_non_null(strstr(b.reason, "BOOT_LOCK=1"));
  tp_make_state(path, "stm32g071rb", 0, NULL, 0, (const char *[]){"boot_lock=1", "rdp=1", NULL});
  tp_options o = {.chip = "stm32g071rb", .state = path};
  tp_open(&p, &o);
  assert_int_equal(tp_connect(&p, NULL), SIM_ACK_NONE);
  sim_target_set_nrst(p.t, true);
  assert_int_equal(tp_connect(&p, NULL), SIM_ACK_NONE);
  tp_close(&p);
  remove(path);
}

/* An option word whose complement does not match (an interrupted option
 * change) sets OPTVERR at every reset and loads safe values for that word
 * (FLASH_OPTR: RDP level 1, user bits set but BOR_EN); the debug port stays
 * usable so that the part can be repaired (RM0444 §3.4.2). */
static void test_option_mismatch(void **state)
{
  (void)state;
  char path[256];
  tp_temp_path(path, sizeof path, "g0bad");
  tp_make_state(path, "stm32g071rb", 0, NULL, 0, NULL);
  sim_chip_state st;
  const sim_chip *chip;
  char err[256];
  assert_true(sim_state_load(path, &st, &chip, err, sizeof err));
  st.options[4] ^= 0x01; /* complement of FLASH_OPTR */
  memcpy(st.loaded, st.options, SIM_OPTIONS_SIZE);
  assert_true(sim_state_store(path, &st, chip, err, sizeof err));
  sim_state_release(&st);
  tp p;
  open_chip(&p, "stm32g071rb", path, NULL);
  assert_true(tp_read32(&p, SR) & (1u << 15)); /* OPTVERR */
  assert_int_equal(tp_read32(&p, OPTR) & 0xFF, 0x00); /* level 1 */
  uint32_t v;
  assert_int_equal(tp_read(&p, 0x08000000, 4, &v), SIM_ACK_FAULT);
  tp_abort(&p);
  tp_write32(&p, SR, 1u << 15);
  assert_int_equal(tp_read32(&p, SR) & (1u << 15), 0);
  tp_write32(&p, AIRCR, AIRCR_KEY | AIRCR_SYSRESETREQ_BIT);
  assert_true(tp_read32(&p, SR) & (1u << 15)); /* again after the reset */
  tp_close(&p);
  /* only the bad word takes safe values (nBOOT0 = 1): the empty check decides */
  sim_boot b;
  boot_of(path, true, &b);
  assert_int_equal(b.area, BOOT_SYSMEM);
  assert_non_null(strstr(b.reason, "nBOOT0=1 selects the main flash, but the empty check"));
  remove(path);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_ids),
      cmocka_unit_test(test_thumb2_faults_on_m0plus),
      cmocka_unit_test(test_program_rules),
      cmocka_unit_test(test_erase_pages_and_banks),
      cmocka_unit_test(test_write_protection),
      cmocka_unit_test(test_options_and_obl_launch),
      cmocka_unit_test(test_empty_flag),
      cmocka_unit_test(test_rdp_regression),
      cmocka_unit_test(test_fast_programming),
      cmocka_unit_test(test_boot_scenarios),
      cmocka_unit_test(test_common_scenarios),
      cmocka_unit_test(test_boot0_kept_after_debug),
      cmocka_unit_test(test_boot_lock),
      cmocka_unit_test(test_option_mismatch),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
