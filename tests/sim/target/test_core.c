/* Cortex-M3 core debug and execution: halt, step, registers, vector catch,
 * breakpoints, faults, sleep, cycle accounting, the PLL and idle skipping. */
#include "cortex_m.h"
#include "test_support.h"
#include "target.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

/* movs r0,#100; 1: subs r0,#1; bne 1b; bkpt #0 */
static const uint8_t loop_prog[] = {0x64, 0x20, 0x01, 0x38, 0xfd, 0xd1, 0x00, 0xbe};

/* Vector table and firmware linked at 0 (fw.s in the commit message):
 * reset: movs r0,#42; movs r1,#1; adds r0,r0,r1 (0x14); mov.w r3,#0x60000000;
 *        ldr r4,[r3] (bus fault); hang: b hang
 * hardfault (0x1E): movs r2,#0x55; b . */
static const uint8_t fw[] = {
    0x00, 0x50, 0x00, 0x20, 0x11, 0x00, 0x00, 0x00, 0x1d, 0x00, 0x00, 0x00,
    0x1f, 0x00, 0x00, 0x00, 0x2a, 0x20, 0x01, 0x21, 0x40, 0x18, 0x4f, 0xf0,
    0xc0, 0x43, 0x1c, 0x68, 0xfe, 0xe7, 0x55, 0x22, 0xfe, 0xe7,
};

/* 0: 1: adds r0,#1; b 1b   4: b .   6: wfi; b . */
static const uint8_t misc[] = {0x01, 0x30, 0xfd, 0xe7, 0xfe, 0xe7, 0x30, 0xbf, 0xfe, 0xe7};

/* Firmware that starts the IWDG and feeds it for ever (iwdg_state() points
 * its reset vector at 0x08000009 and its literal at the chip's IWDG):
 * 0x08: ldr r0,=0x40003000; ldr r1,=0xCCCC; ldr r2,=0xAAAA; str r1,[r0];
 * 0x10: str r2,[r0]; b 0x10 */
static const uint8_t iwdg_fw[] = {
    0x00, 0x50, 0x00, 0x20, 0x09, 0x00, 0x00, 0x00, 0x04, 0x48, 0x05, 0x49, 0x05, 0x4a,
    0x01, 0x60, 0x02, 0x60, 0xfd, 0xe7, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x30, 0x00, 0x40, 0xcc, 0xcc, 0x00, 0x00, 0xaa, 0xaa, 0x00, 0x00,
};


static void open_connected(tp *p, const char *state)
{
  tp_options o = {.chip = "stm32f103c8", .state = state};
  tp_open(p, &o);
  assert_int_equal(tp_connect(p, NULL), SIM_ACK_OK);
}

/* Halted, with `prog` in SRAM at 0x20000000 and the PC on it. */
static void load_and_point(tp *p, const uint8_t *prog, uint32_t len, uint32_t pc)
{
  uint8_t buf[64] = {0};
  memcpy(buf, prog, len);
  tp_halt(p);
  assert_true(tp_dhcsr(p) & S_HALT);
  assert_int_equal(tp_write_block(p, 0x20000000, buf, (len + 3) & ~3u), SIM_ACK_OK);
  tp_set_reg(p, 16, XPSR_T);
  tp_set_reg(p, 15, pc);
  tp_set_reg(p, 13, 0x20004000);
}

static void test_halt_step_resume(void **state)
{
  (void)state;
  tp p;
  open_connected(&p, NULL);
  load_and_point(&p, loop_prog, sizeof loop_prog, 0x20000000);
  assert_int_equal(tp_read32(&p, DFSR) & 1, 1); /* HALTED */
  tp_write32(&p, DFSR, 0x1F);
  /* step: one instruction, then halted again */
  tp_write32(&p, DHCSR, 0xA05F0005);
  assert_true(tp_dhcsr(&p) & S_HALT);
  assert_int_equal(tp_reg(&p, 15), 0x20000002);
  assert_int_equal(tp_reg(&p, 0), 100);
  assert_int_equal(tp_read32(&p, DFSR), 1);
  tp_write32(&p, DHCSR, 0xA05F0005);
  assert_int_equal(tp_reg(&p, 0), 99);
  /* resume: the loop ends on its BKPT */
  tp_run(&p);
  tp_wait(&p, SIM_US(100));
  uint32_t dhcsr = tp_dhcsr(&p);
  assert_true(dhcsr & S_HALT);
  assert_true(dhcsr & S_RETIRE_ST);
  assert_false(tp_dhcsr(&p) & S_RETIRE_ST); /* sticky, cleared on read */
  assert_int_equal(tp_read32(&p, DFSR) & 2, 2); /* BKPT */
  assert_int_equal(tp_reg(&p, 15), 0x20000006);
  assert_int_equal(tp_reg(&p, 0), 0);
  tp_close(&p);
}

static void test_register_transfer(void **state)
{
  (void)state;
  tp p;
  open_connected(&p, NULL);
  tp_halt(&p);
  for (unsigned r = 0; r <= 12; r++)
    tp_set_reg(&p, r, 0x1000 + r);
  tp_set_reg(&p, 14, 0x08000123);
  tp_set_reg(&p, 15, 0x20000100);
  tp_set_reg(&p, 17, 0x20004000); /* MSP */
  tp_set_reg(&p, 18, 0x20003000); /* PSP */
  tp_set_reg(&p, 20, 0x00000001); /* PRIMASK */
  for (unsigned r = 0; r <= 12; r++)
    assert_int_equal(tp_reg(&p, r), 0x1000 + r);
  assert_int_equal(tp_reg(&p, 14), 0x08000123);
  assert_int_equal(tp_reg(&p, 15), 0x20000100);
  assert_int_equal(tp_reg(&p, 13), 0x20004000);
  assert_int_equal(tp_reg(&p, 17), 0x20004000);
  assert_int_equal(tp_reg(&p, 18), 0x20003000);
  assert_int_equal(tp_reg(&p, 20), 0x00000001);
  tp_set_reg(&p, 16, 0x81000000);
  assert_int_equal(tp_reg(&p, 16), 0x81000000);
  assert_true(tp_dhcsr(&p) & S_REGRDY);
  tp_close(&p);
}

static void test_cycles_per_instruction(void **state)
{
  (void)state;
  tp p;
  open_connected(&p, NULL);
  load_and_point(&p, loop_prog, sizeof loop_prog, 0x20000000);
  uint64_t before = p.clock.report.cpu_cycles;
  tp_run(&p);
  tp_wait(&p, SIM_US(100));
  assert_true(tp_dhcsr(&p) & S_HALT);
  /* movs 1 + 100 subs + 99 taken bne x2 + 1 untaken bne + bkpt 1 */
  assert_int_equal(p.clock.report.cpu_cycles - before, 1 + 100 + 198 + 1 + 1);
  tp_close(&p);
}

static void test_vector_catch_and_reset_status(void **state)
{
  (void)state;
  char path[256];
  tp_temp_path(path, sizeof path, "vc");
  tp_make_state(path, "stm32f103c8", 0, fw, sizeof fw, NULL);
  tp p;
  open_connected(&p, path);
  tp_halt(&p);
  tp_dhcsr(&p); /* consume S_RESET_ST of the power-on */
  assert_false(tp_dhcsr(&p) & S_RESET_ST);
  tp_write32(&p, DEMCR, 1); /* VC_CORERESET */
  tp_write32(&p, DFSR, 0x1F);
  tp_write32(&p, AIRCR, 0x05FA0004); /* SYSRESETREQ */
  uint32_t dhcsr = tp_dhcsr(&p);
  assert_true(dhcsr & S_HALT);
  assert_true(dhcsr & S_RESET_ST);
  assert_false(tp_dhcsr(&p) & S_RESET_ST);
  assert_int_equal(tp_read32(&p, DFSR), 8); /* VCATCH */
  assert_int_equal(tp_reg(&p, 15), 0x10);
  assert_int_equal(tp_reg(&p, 13), 0x20005000);
  assert_int_equal(tp_reg(&p, 16), XPSR_T);
  /* a wrong key is ignored */
  tp_write32(&p, AIRCR, 0x12340004);
  assert_int_equal(tp_reg(&p, 15), 0x10);
  tp_close(&p);
  remove(path);
}

static void test_fpb_breakpoint_and_hardfault(void **state)
{
  (void)state;
  char path[256];
  tp_temp_path(path, sizeof path, "bp");
  tp_make_state(path, "stm32f103c8", 0, fw, sizeof fw, NULL);
  tp p;
  open_connected(&p, path);
  tp_halt(&p);
  tp_write32(&p, DEMCR, 1);
  tp_write32(&p, AIRCR, 0x05FA0004);
  tp_write32(&p, 0xE0002008, 0x40000014 | 1); /* FP_COMP0: lower half-word at 0x14 */
  tp_write32(&p, 0xE0002000, 3);              /* FP_CTRL: KEY | ENABLE */
  tp_write32(&p, DFSR, 0x1F);
  tp_run(&p);
  tp_wait(&p, SIM_US(50));
  assert_true(tp_dhcsr(&p) & S_HALT);
  assert_int_equal(tp_read32(&p, DFSR), 2); /* BKPT */
  assert_int_equal(tp_reg(&p, 15), 0x14);
  assert_int_equal(tp_reg(&p, 0), 42);
  /* resuming on the breakpoint halts again at once, as on the core */
  tp_run(&p);
  tp_wait(&p, SIM_US(50));
  assert_int_equal(tp_reg(&p, 15), 0x14);
  tp_write32(&p, 0xE0002000, 2); /* disable */
  tp_run(&p);
  tp_wait(&p, SIM_US(100));
  /* the firmware read 0x60000000: HardFault, handler at 0x1E spins */
  tp_halt(&p);
  assert_int_equal(tp_reg(&p, 2), 0x55);
  assert_int_equal(tp_reg(&p, 16) & 0x1FF, 3);
  assert_int_equal(tp_read32(&p, 0xE000ED28) & 0x8200, 0x8200); /* PRECISERR, BFARVALID */
  assert_int_equal(tp_read32(&p, 0xE000ED38), 0x60000000);
  assert_true(tp_read32(&p, 0xE000ED2C) & (1u << 30)); /* HFSR.FORCED */
  uint32_t sp = tp_reg(&p, 13);
  assert_int_equal(sp, 0x20005000 - 32);
  assert_int_equal(tp_read32(&p, sp + 24), 0x1A); /* stacked PC: the faulting load */
  assert_int_equal(tp_reg(&p, 14), 0xFFFFFFF9);
  tp_close(&p);
  remove(path);
}

static void test_lockup_on_erased_flash(void **state)
{
  (void)state;
  tp p;
  open_connected(&p, NULL);
  tp_wait(&p, SIM_US(100));
  uint32_t dhcsr = tp_dhcsr(&p);
  assert_true(dhcsr & S_LOCKUP);
  assert_false(dhcsr & S_HALT);
  /* C_HALT in lockup enters Debug state (ARMv7-M ARM C1.6.2): S_LOCKUP
   * clears, the PC shows the lockup address (B1.5.15) */
  tp_halt(&p);
  dhcsr = tp_dhcsr(&p);
  assert_true(dhcsr & S_HALT);
  assert_false(dhcsr & S_LOCKUP);
  assert_int_equal(tp_reg(&p, 15), 0xFFFFFFFE);
  assert_int_equal(tp_reg(&p, 17), 0xFFFFFFFC); /* MSP from the erased vector table */
  /* a debugger can still run code from SRAM */
  load_and_point(&p, loop_prog, sizeof loop_prog, 0x20000000);
  assert_false(tp_dhcsr(&p) & S_LOCKUP);
  tp_run(&p);
  tp_wait(&p, SIM_US(100));
  assert_int_equal(tp_reg(&p, 15), 0x20000006);
  tp_close(&p);
}

static void test_bkpt_without_debugger_faults(void **state)
{
  (void)state;
  tp p;
  open_connected(&p, NULL);
  load_and_point(&p, loop_prog, sizeof loop_prog, 0x20000000);
  /* VTOR in SRAM: HardFault vector -> the spin at 0x20000104 */
  static const uint32_t table[4] = {0x20004000, 0x20000101, 0x20000101, 0x20000105};
  assert_int_equal(tp_write_block(&p, 0x20000200, table, sizeof table), SIM_ACK_OK);
  tp_write32(&p, 0x20000104, 0xE7FEE7FE);
  tp_write32(&p, 0xE000ED08, 0x20000200);
  tp_write32(&p, DHCSR, 0xA05F0000); /* debug off: the core runs on its own */
  tp_wait(&p, SIM_US(100));
  tp_halt(&p);
  assert_int_equal(tp_reg(&p, 15), 0x20000104);
  assert_true(tp_read32(&p, 0xE000ED2C) & (1u << 31)); /* HFSR.DEBUGEVT */
  tp_close(&p);
}

static void test_wfi_sleeps(void **state)
{
  (void)state;
  tp p;
  open_connected(&p, NULL);
  load_and_point(&p, misc, sizeof misc, 0x20000006);
  tp_run(&p);
  tp_wait(&p, SIM_US(100));
  uint64_t cycles = p.clock.report.cpu_cycles;
  tp_wait(&p, SIM_MS(10));
  uint32_t dhcsr = tp_dhcsr(&p);
  assert_true(dhcsr & S_SLEEP);
  assert_false(dhcsr & S_HALT);
  assert_int_equal(p.clock.report.cpu_cycles, cycles); /* the clock is gated */
  tp_halt(&p);
  dhcsr = tp_dhcsr(&p);
  assert_true(dhcsr & S_HALT);
  assert_false(dhcsr & S_SLEEP);
  assert_int_equal(tp_reg(&p, 15), 0x20000008);
  tp_close(&p);
}

static void test_idle_loop_is_skipped(void **state)
{
  (void)state;
  tp p;
  open_connected(&p, NULL);
  load_and_point(&p, misc, sizeof misc, 0x20000004);
  tp_run(&p);
  uint64_t cycles = p.clock.report.cpu_cycles;
  tp_wait(&p, SIM_MS(60000)); /* a minute at 8 MHz: 480 M cycles */
  uint64_t ran = p.clock.report.cpu_cycles - cycles;
  assert_true(ran >= 480000000u - 16 && ran <= 480000000u + 16);
  assert_true(p.t->core.idle_skipped_cycles > 470000000u);
  tp_halt(&p);
  assert_int_equal(tp_reg(&p, 15), 0x20000004);
  tp_close(&p);
}

static void test_pll_speeds_up_the_core(void **state)
{
  (void)state;
  tp p;
  open_connected(&p, NULL);
  load_and_point(&p, misc, sizeof misc, 0x20000000);
  tp_set_reg(&p, 0, 0);
  tp_run(&p);
  tp_wait(&p, SIM_MS(1));
  tp_halt(&p);
  uint32_t slow = tp_reg(&p, 0);
  /* HSE on, PLL from HSE x9 = 72 MHz, switch SYSCLK to the PLL (RM0008 §7.3) */
  tp_write32(&p, 0x40021000, 0x00010083);
  tp_write32(&p, 0x40021004, 0x001D0000);
  tp_write32(&p, 0x40021000, 0x01010083);
  assert_int_equal(tp_read32(&p, 0x40021000) & 0x03030000, 0x03030000); /* ready bits */
  tp_write32(&p, 0x40021004, 0x001D0002);
  assert_int_equal(tp_read32(&p, 0x40021004) & 0xF, 0xA); /* SWS = PLL */
  tp_set_reg(&p, 0, 0);
  tp_run(&p);
  tp_wait(&p, SIM_MS(1));
  tp_halt(&p);
  uint32_t fast = tp_reg(&p, 0);
  /* 3 cycles per iteration; about 1 ms plus a few transactions each time */
  assert_true(slow > 2666 && slow < 2666 + 150);
  assert_true(fast > 24000 && fast < 24000 + 1300);
  tp_close(&p);
}

/* H7 (RM0433 §8.5, §8.7): HSE 25 MHz / DIVM1 5 x DIVN1 160 / DIVP1 2 = 400
 * MHz once CFGR.SW selects PLL1, halved by D1CPRE; the counting loop of
 * `misc` tells the core's speed. */
static uint32_t count_for_1ms(tp *p)
{
  tp_set_reg(p, 0, 0);
  tp_set_reg(p, 15, 0x20000000);
  tp_run(p);
  tp_wait(p, SIM_MS(1));
  tp_halt(p);
  return tp_reg(p, 0);
}

static void test_h7_pll_speeds_up_the_core(void **state)
{
  (void)state;
  tp_options o = {.chip = "stm32h723zg"};
  tp p;
  tp_open(&p, &o);
  assert_int_equal(tp_connect(&p, NULL), SIM_ACK_OK);
  load_and_point(&p, misc, sizeof misc, 0x20000000);
  uint32_t hsi = count_for_1ms(&p);
  const uint32_t rcc = 0x58024400;
  tp_write32(&p, rcc + 0x00, tp_read32(&p, rcc) | 1u << 16); /* HSEON */
  tp_write32(&p, rcc + 0x28, 2u | 5u << 4);                 /* PLLSRC HSE, DIVM1 5 */
  tp_write32(&p, rcc + 0x30, 159u | 1u << 9);                /* DIVN1 160, DIVP1 2 */
  tp_write32(&p, rcc + 0x00, tp_read32(&p, rcc) | 1u << 24); /* PLL1ON */
  assert_true(tp_read32(&p, rcc) & 1u << 25);                /* PLL1RDY */
  uint32_t before_switch = count_for_1ms(&p);
  tp_write32(&p, rcc + 0x10, 3);                             /* SW = PLL1 */
  assert_int_equal((tp_read32(&p, rcc + 0x10) >> 3) & 7, 3); /* SWS */
  uint32_t pll = count_for_1ms(&p);
  tp_write32(&p, rcc + 0x18, 8u << 8); /* D1CPRE /2 */
  uint32_t halved = count_for_1ms(&p);
  /* 3 cycles per iteration; about 1 ms plus a few transactions each time */
  assert_in_range(hsi, 21333, 21333 + 1200);
  assert_in_range(before_switch, 21333, 21333 + 1200);
  assert_in_range(pll, 133333, 133333 + 10000);
  assert_in_range(halved, 66666, 66666 + 5000);
  tp_close(&p);
}

/* The watchdog on every family (RM0008 §19, RM0090 §21, RM0444 §27,
 * RM0433 §45): where it is, where its reset flag is, and the DBGMCU freeze
 * bit that stops it while the core is halted (RM0008 §31.16.3, RM0090
 * §38.16.4, RM0444 §40.9.3, RM0433 §60.5.8). */
typedef struct iwdg_chip {
  const char *chip;
  uint32_t iwdg, flags, rmvf, iwdgrstf, freeze_reg, freeze_bit;
} iwdg_chip;

static const iwdg_chip iwdg_chips[] = {
    {"stm32f103c8", 0x40003000, 0x40021024, 1u << 24, 1u << 29, 0xE0042004, 1u << 8},
    {"stm32f446re", 0x40003000, 0x40023874, 1u << 24, 1u << 29, 0xE0042008, 1u << 12},
    {"stm32g071rb", 0x40003000, 0x40021060, 1u << 23, 1u << 29, 0x40015808, 1u << 12},
    {"stm32h723zg", 0x58004800, 0x580244D0, 1u << 16, 1u << 26, 0x5C001054, 1u << 18},
};

/* iwdg_fw linked at 0x08000000 for `c`'s watchdog, in a fresh state file. */
static void iwdg_state(char *path, size_t len, const iwdg_chip *c)
{
  uint8_t image[sizeof iwdg_fw];
  memcpy(image, iwdg_fw, sizeof image);
  uint32_t reset = 0x08000009;
  memcpy(image + 4, &reset, 4);
  memcpy(image + 28, &c->iwdg, 4); /* the literal the firmware loads */
  tp_temp_path(path, len, c->chip);
  tp_make_state(path, c->chip, 0, image, sizeof image, NULL);
}

/* The firmware feeds its watchdog; a debugger halts the core without
 * freezing the IWDG: RLR 0xFFF at LSI / 4 (409.6 ms at 40 kHz, 512 ms at
 * 32 kHz) later the watchdog resets the chip. Running and fed, it does not;
 * with the freeze bit set, a halted core is left alone. */
static void test_watchdog_resets_a_halted_chip(void **state)
{
  (void)state;
  for (size_t i = 0; i < sizeof iwdg_chips / sizeof iwdg_chips[0]; i++) {
    const iwdg_chip *c = &iwdg_chips[i];
    char path[256];
    iwdg_state(path, sizeof path, c);
    tp_options o = {.chip = c->chip, .state = path};
    tp p;
    tp_open(&p, &o);
    assert_int_equal(tp_connect(&p, NULL), SIM_ACK_OK);
    tp_wait(&p, SIM_MS(2));
    tp_write32(&p, c->flags, c->rmvf); /* clear the reset flags */
    tp_halt(&p);
    tp_dhcsr(&p); /* S_RESET_ST read and cleared */
    tp_wait(&p, SIM_MS(300));
    assert_false(tp_read32(&p, c->flags) & c->iwdgrstf);
    tp_wait(&p, SIM_MS(300));
    assert_true(tp_read32(&p, c->flags) & c->iwdgrstf);
    assert_true(tp_dhcsr(&p) & S_RESET_ST);
    /* running and fed, it does not (on one chip: the feeding loop is
     * emulated instruction by instruction) */
    if (i == 0) {
      tp_write32(&p, c->flags, c->rmvf);
      tp_run(&p);
      tp_wait(&p, SIM_MS(600));
      assert_false(tp_read32(&p, c->flags) & c->iwdgrstf);
    }
    tp_close(&p);
    remove(path);
  }
}

static void test_watchdog_frozen_by_dbgmcu(void **state)
{
  (void)state;
  for (size_t i = 0; i < sizeof iwdg_chips / sizeof iwdg_chips[0]; i++) {
    const iwdg_chip *c = &iwdg_chips[i];
    char path[256];
    iwdg_state(path, sizeof path, c);
    tp_options o = {.chip = c->chip, .state = path};
    tp p;
    tp_open(&p, &o);
    assert_int_equal(tp_connect(&p, NULL), SIM_ACK_OK);
    tp_write32(&p, c->freeze_reg, c->freeze_bit);
    tp_wait(&p, SIM_MS(2));
    tp_write32(&p, c->flags, c->rmvf);
    tp_halt(&p);
    tp_wait(&p, SIM_MS(2000));
    assert_false(tp_read32(&p, c->flags) & c->iwdgrstf);
    assert_true(tp_dhcsr(&p) & S_HALT);
    tp_close(&p);
    remove(path);
  }
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_halt_step_resume),
      cmocka_unit_test(test_register_transfer),
      cmocka_unit_test(test_cycles_per_instruction),
      cmocka_unit_test(test_vector_catch_and_reset_status),
      cmocka_unit_test(test_fpb_breakpoint_and_hardfault),
      cmocka_unit_test(test_lockup_on_erased_flash),
      cmocka_unit_test(test_bkpt_without_debugger_faults),
      cmocka_unit_test(test_wfi_sleeps),
      cmocka_unit_test(test_idle_loop_is_skipped),
      cmocka_unit_test(test_pll_speeds_up_the_core),
      cmocka_unit_test(test_h7_pll_speeds_up_the_core),
      cmocka_unit_test(test_watchdog_resets_a_halted_chip),
      cmocka_unit_test(test_watchdog_frozen_by_dbgmcu),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
