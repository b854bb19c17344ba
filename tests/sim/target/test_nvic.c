/* The NVIC and system handler registers as a debugger sees them (ARMv7-M
 * ARM B3.4, B3.2.4, ARMv6-M ARM B3.4): enables, pending bits, priorities
 * with their implemented bits, ICSR's VECTPENDING, and SysTick counting
 * and reloading in virtual time. */
#include "cortex_m.h"
#include "test_support.h"
#include "target.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#define ISER0 0xE000E100u
#define ICER0 0xE000E180u
#define ISPR0 0xE000E200u
#define ICPR0 0xE000E280u
#define IPR0 0xE000E400u
#define ICSR 0xE000ED04u
#define SHPR3 0xE000ED20u
#define SYST_CSR 0xE000E010u
#define SYST_RVR 0xE000E014u
#define SYST_CVR 0xE000E018u

static void open_halted(tp *p, const char *chip)
{
  tp_options o = {.chip = chip};
  tp_open(p, &o);
  assert_int_equal(tp_connect(p, NULL), SIM_ACK_OK);
  tp_halt(p);
}

static void test_enable_pending_priority(void **state)
{
  (void)state;
  tp p;
  open_halted(&p, "stm32f446re");
  tp_write32(&p, ISER0, 1u << 5);
  assert_int_equal(tp_read32(&p, ISER0), 1u << 5);
  assert_int_equal(tp_read32(&p, ICER0), 1u << 5); /* reads the enables too */
  tp_write32(&p, IPR0 + 4, 0x000000FF);          /* IRQ 4: 8 bits written, 4 kept */
  assert_int_equal(tp_read32(&p, IPR0 + 4), 0xF0);
  tp_write32(&p, ISPR0, 1u << 5);
  assert_int_equal(tp_read32(&p, ICPR0), 1u << 5);
  uint32_t icsr = tp_read32(&p, ICSR);
  assert_int_equal((icsr >> 12) & 0x1FF, 16 + 5); /* VECTPENDING */
  assert_true(icsr & (1u << 22));                 /* ISRPENDING */
  /* PendSV at the same priority 0 has the lower number: it goes first */
  tp_write32(&p, ICSR, 1u << 28);
  icsr = tp_read32(&p, ICSR);
  assert_int_equal((icsr >> 12) & 0x1FF, 14);
  assert_true(icsr & (1u << 28));
  /* a lower priority for PendSV (SHPR3 bits 23:16) lets IRQ 5 go first */
  tp_write32(&p, SHPR3, 0x00800000);
  assert_int_equal((tp_read32(&p, ICSR) >> 12) & 0x1FF, 16 + 5);
  tp_write32(&p, ICSR, 1u << 27); /* PENDSVCLR */
  tp_write32(&p, ICPR0, 1u << 5);
  icsr = tp_read32(&p, ICSR);
  assert_int_equal((icsr >> 12) & 0x1FF, 0);
  assert_false(icsr & (1u << 22));
  tp_write32(&p, ICER0, 1u << 5);
  assert_int_equal(tp_read32(&p, ISER0), 0);
  tp_close(&p);
}

/* ARMv6-M: two priority bits, no SHPR1. */
static void test_v6m_priority_bits(void **state)
{
  (void)state;
  tp p;
  open_halted(&p, "stm32g071rb");
  tp_write32(&p, IPR0, 0xFFFFFFFF);
  assert_int_equal(tp_read32(&p, IPR0), 0xC0C0C0C0);
  tp_write32(&p, 0xE000ED18u, 0xFFFFFFFF);
  assert_int_equal(tp_read32(&p, 0xE000ED18u), 0);
  tp_write32(&p, SHPR3, 0xFFFFFFFF);
  assert_int_equal(tp_read32(&p, SHPR3), 0xC0C00000);
  tp_close(&p);
}

/* SysTick at the core clock (HSI 16 MHz): LOAD 15999 is one arrival at 0
 * per millisecond, COUNTFLAG set by it and cleared by a read, VAL cleared
 * by a write. */
static void test_systick_counts(void **state)
{
  (void)state;
  tp p;
  open_halted(&p, "stm32f446re");
  tp_write32(&p, SYST_RVR, 15999);
  tp_write32(&p, SYST_CVR, 0);
  tp_write32(&p, SYST_CSR, 5); /* core clock, enabled, no interrupt */
  uint32_t a = tp_read32(&p, SYST_CVR);
  tp_wait(&p, SIM_US(100));
  uint32_t b = tp_read32(&p, SYST_CVR);
  assert_true(a > b);
  assert_in_range(a - b, 1600, 3600); /* 100 us and the transactions of a read, at 16 MHz */
  tp_wait(&p, SIM_MS(2));
  assert_true(tp_read32(&p, SYST_CSR) & (1u << 16));
  assert_false(tp_read32(&p, SYST_CSR) & (1u << 16));
  tp_write32(&p, SYST_CSR, 0);
  uint32_t held = tp_read32(&p, SYST_CVR);
  tp_wait(&p, SIM_MS(1));
  assert_int_equal(tp_read32(&p, SYST_CVR), held); /* disabled: it holds */
  tp_write32(&p, SYST_CVR, 1234);
  assert_int_equal(tp_read32(&p, SYST_CVR), 0);
  tp_close(&p);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_enable_pending_priority),
      cmocka_unit_test(test_v6m_priority_bits),
      cmocka_unit_test(test_systick_counts),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
