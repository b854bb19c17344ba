/* Exception behaviour the firmware sees (ARMv7-M ARM B1.5, ARMv6-M ARM
 * B1.5): the FPU's extended frame, WFE and the event register with
 * SEVONPEND, SLEEPONEXIT, FAULTMASK, preemption by group priority under
 * BASEPRI, and fault escalation to HardFault and lockup. Each program of
 * exc/ (assembled into exc_progs.h) runs from SRAM with its vector table
 * there, and logs what happened at LOG. */
#include "cortex_m.h"
#include "exc_progs.h"
#include "test_support.h"
#include "target.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#define LOG 0x20001000u
#define VTOR 0xE000ED08u
#define ICSR 0xE000ED04u
#define ISPR0 0xE000E200u
#define CFSR 0xE000ED28u
#define HFSR 0xE000ED2Cu

/* `prog` at 0x20000000, VTOR on it, the core started at its reset vector
 * with the stack at the top of its table's first word. */
static void start(tp *p, const char *chip, const unsigned char *prog, size_t len)
{
  tp_options o = {.chip = chip};
  tp_open(p, &o);
  assert_int_equal(tp_connect(p, NULL), SIM_ACK_OK);
  tp_halt(p);
  uint8_t buf[1024] = {0};
  assert_true(len <= sizeof buf);
  memcpy(buf, prog, len);
  assert_int_equal(tp_write_block(p, 0x20000000, buf, sizeof buf), SIM_ACK_OK);
  static const uint8_t zeros[128];
  assert_int_equal(tp_write_block(p, LOG, zeros, sizeof zeros), SIM_ACK_OK);
  uint32_t sp, pc;
  memcpy(&sp, prog, 4);
  memcpy(&pc, prog + 4, 4);
  tp_write32(p, VTOR, 0x20000000);
  tp_set_reg(p, 16, XPSR_T);
  tp_set_reg(p, 17, sp);
  tp_set_reg(p, 13, sp);
  tp_set_reg(p, 15, pc & ~1u);
  tp_run(p);
}

static uint32_t log_word(tp *p, unsigned i)
{
  return tp_read32(p, LOG + 4 * i);
}

/* CONTROL.FPCA set by an FP instruction: the extended frame (0x68 bytes,
 * S0-S15 and FPSCR after the basic frame), EXC_RETURN 0xFFFFFFE9, FPCA
 * clear in the handler and restored with S0 by the return. */
static void test_fpu_extended_frame(void **state)
{
  (void)state;
  tp p;
  start(&p, "stm32f446re", exc_fpu, sizeof exc_fpu);
  tp_wait(&p, SIM_US(200));
  assert_true(log_word(&p, 1) & 4);                 /* FPCA before */
  assert_int_equal(log_word(&p, 5), 0xFFFFFFE9);    /* EXC_RETURN: extended frame, MSP */
  uint32_t thread_sp = log_word(&p, 4), handler_sp = log_word(&p, 6);
  assert_int_equal(thread_sp - handler_sp, 0x68);
  assert_false(log_word(&p, 7) & 4);                /* FPCA clear in the handler */
  assert_int_equal(tp_read32(&p, handler_sp + 0x20), 0x3F800000);      /* stacked S0 */
  assert_int_equal(tp_read32(&p, handler_sp + 0x20 + 60), 0x40000000); /* stacked S15 */
  assert_int_equal(log_word(&p, 2), 0x3F800000);    /* S0 restored */
  assert_true(log_word(&p, 3) & 4);                 /* FPCA restored */
  tp_close(&p);
}

/* SEV then WFE returns at once; WFE sleeps until an exception, whose
 * return sets the event again; SEVONPEND wakes it on a disabled interrupt
 * becoming pending. */
static void run_wfe(const char *chip)
{
  tp p;
  start(&p, chip, exc_wfe, sizeof exc_wfe);
  tp_wait(&p, SIM_MS(1));
  assert_int_equal(log_word(&p, 1), 1);
  assert_true(tp_dhcsr(&p) & S_SLEEP);
  tp_write32(&p, ICSR, 1u << 28); /* PendSV */
  tp_wait(&p, SIM_MS(1));
  assert_int_equal(log_word(&p, 0), 14); /* the handler ran */
  assert_int_equal(log_word(&p, 1), 3);
  assert_true(tp_dhcsr(&p) & S_SLEEP);
  tp_wait(&p, SIM_MS(1));
  assert_int_equal(log_word(&p, 1), 3); /* nothing else wakes it */
  tp_write32(&p, ISPR0, 1);             /* IRQ 0, disabled */
  tp_wait(&p, SIM_MS(1));
  assert_int_equal(log_word(&p, 1), 4);
  assert_false(tp_dhcsr(&p) & S_SLEEP);
  tp_close(&p);
}

static void test_wfe_event_register(void **state)
{
  (void)state;
  run_wfe("stm32f446re");
  run_wfe("stm32g071rb");
}

/* SLEEPONEXIT: SysTick every ms for 10 ms, the Thread code after WFI never
 * runs. */
static void run_sleeponexit(const char *chip)
{
  tp p;
  start(&p, chip, exc_sleeponexit, sizeof exc_sleeponexit);
  tp_wait(&p, SIM_MS(10));
  assert_in_range(log_word(&p, 0), 9, 11);
  assert_true(tp_dhcsr(&p) & S_SLEEP);
  tp_halt(&p);
  assert_int_equal(tp_reg(&p, 5), 0);
  assert_int_equal(tp_reg(&p, 16) & 0x1FF, 0); /* in Thread mode, asleep */
  tp_close(&p);
}

static void test_sleeponexit(void **state)
{
  (void)state;
  run_sleeponexit("stm32f446re");
  run_sleeponexit("stm32g071rb");
}

static void test_faultmask(void **state)
{
  (void)state;
  tp p;
  start(&p, "stm32f446re", exc_faultmask, sizeof exc_faultmask);
  tp_wait(&p, SIM_US(200));
  assert_int_equal(log_word(&p, 1), 0); /* held off by FAULTMASK */
  assert_int_equal(log_word(&p, 2), 1); /* taken after CPSIE f */
  assert_true(tp_dhcsr(&p) & S_LOCKUP); /* a fault at priority -1 */
  tp_halt(&p);
  assert_int_equal(tp_reg(&p, 15), 0xFFFFFFFE);
  tp_close(&p);
}

static void test_nested_preemption_basepri(void **state)
{
  (void)state;
  tp p;
  start(&p, "stm32f446re", exc_nested, sizeof exc_nested);
  tp_wait(&p, SIM_US(200));
  static const uint32_t want[] = {16, 17, 0x110, 0xB0, 0xB1, 17, 0xB2, 16, 0x110, 17, 0xB3};
  size_t n = sizeof want / sizeof want[0];
  assert_int_equal(log_word(&p, 0), n);
  for (size_t i = 0; i < n; i++)
    assert_int_equal(log_word(&p, 1 + (unsigned)i), want[i]);
  tp_close(&p);
}

static void test_escalation_and_lockup(void **state)
{
  (void)state;
  tp p;
  start(&p, "stm32f446re", exc_escalate, sizeof exc_escalate);
  tp_wait(&p, SIM_US(200));
  static const uint32_t want[] = {3, 6, 11, 3};
  assert_int_equal(log_word(&p, 0), 4);
  for (unsigned i = 0; i < 4; i++)
    assert_int_equal(log_word(&p, 1 + i), want[i]);
  assert_true(tp_read32(&p, CFSR) & CFSR_UNDEFINSTR);
  assert_true(tp_read32(&p, HFSR) & HFSR_FORCED);
  assert_true(tp_dhcsr(&p) & S_LOCKUP);
  tp_halt(&p);
  assert_int_equal(tp_reg(&p, 15), 0xFFFFFFFE);
  tp_close(&p);

  start(&p, "stm32g071rb", exc_escalate_v6m, sizeof exc_escalate_v6m);
  tp_wait(&p, SIM_US(200));
  static const uint32_t want_v6m[] = {3, 11, 3};
  assert_int_equal(log_word(&p, 0), 3);
  for (unsigned i = 0; i < 3; i++)
    assert_int_equal(log_word(&p, 1 + i), want_v6m[i]);
  assert_true(tp_dhcsr(&p) & S_LOCKUP);
  tp_close(&p);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_fpu_extended_frame),
      cmocka_unit_test(test_wfe_event_register),
      cmocka_unit_test(test_sleeponexit),
      cmocka_unit_test(test_faultmask),
      cmocka_unit_test(test_nested_preemption_basepri),
      cmocka_unit_test(test_escalation_and_lockup),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
