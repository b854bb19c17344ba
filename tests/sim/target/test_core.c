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

/* Firmware at 0 that starts the IWDG and feeds it for ever:
 * 0x08: ldr r0,=0x40003000; ldr r1,=0xCCCC; ldr r2,=0xAAAA; str r1,[r0];
 * 0x10: str r2,[r0]; b 0x10 */
static const uint8_t iwdg_fw[] = {
    0x00, 0x50, 0x00, 0x20, 0x09, 0x00, 0x00, 0x00, 0x04, 0x48, 0x05, 0x49, 0x05, 0x4a,
    0x01, 0x60, 0x02, 0x60, 0xfd, 0xe7, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x30, 0x00, 0x40, 0xcc, 0xcc, 0x00, 0x00, 0xaa, 0xaa, 0x00, 0x00,
};

#define RCC_CSR_F1 0x40021024u
#define IWDGRSTF (1u << 29)

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

/* The firmware feeds its watchdog; a debugger halts the core without
 * freezing the IWDG (DBGMCU_CR.DBG_IWDG_STOP, RM0008 §31.16.3): 409.6 ms
 * later (RLR 0xFFF, LSI 40 kHz / 4) the watchdog resets the chip. */
static void test_watchdog_resets_a_halted_chip(void **state)
{
  (void)state;
  char path[256];
  tp_temp_path(path, sizeof path, "iwdg");
  tp_make_state(path, "stm32f103c8", 0, iwdg_fw, sizeof iwdg_fw, NULL);
  tp p;
  open_connected(&p, path);
  tp_wait(&p, SIM_MS(2));
  tp_write32(&p, RCC_CSR_F1, 1u << 24); /* RMVF: clear the reset flags */
  tp_halt(&p);
  tp_dhcsr(&p); /* S_RESET_ST read and cleared */
  tp_wait(&p, SIM_MS(300));
  assert_false(tp_read32(&p, RCC_CSR_F1) & IWDGRSTF);
  tp_wait(&p, SIM_MS(200));
  assert_true(tp_read32(&p, RCC_CSR_F1) & IWDGRSTF);
  assert_true(tp_dhcsr(&p) & S_RESET_ST);
  /* running and fed, it does not */
  tp_write32(&p, RCC_CSR_F1, 1u << 24);
  tp_run(&p);
  tp_wait(&p, SIM_MS(600));
  assert_false(tp_read32(&p, RCC_CSR_F1) & IWDGRSTF);
  tp_close(&p);
  remove(path);
}

static void test_watchdog_frozen_by_dbgmcu(void **state)
{
  (void)state;
  char path[256];
  tp_temp_path(path, sizeof path, "iwdgfz");
  tp_make_state(path, "stm32f103c8", 0, iwdg_fw, sizeof iwdg_fw, NULL);
  tp p;
  open_connected(&p, path);
  tp_write32(&p, 0xE0042004u, 1u << 8); /* DBG_IWDG_STOP */
  tp_wait(&p, SIM_MS(2));
  tp_write32(&p, RCC_CSR_F1, 1u << 24);
  tp_halt(&p);
  tp_wait(&p, SIM_MS(2000));
  assert_false(tp_read32(&p, RCC_CSR_F1) & IWDGRSTF);
  assert_true(tp_dhcsr(&p) & S_HALT);
  tp_close(&p);
  remove(path);
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
      cmocka_unit_test(test_watchdog_resets_a_halted_chip),
      cmocka_unit_test(test_watchdog_frozen_by_dbgmcu),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
