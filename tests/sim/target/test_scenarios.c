/* Target-side scenarios (swd-disabled, nrst-not-wired, sleep), firmware
 * that turns SWD off through AFIO, and exceptions taken and returned. */
#include "cortex_m.h"
#include "test_support.h"
#include "target.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#define DBGMCU_CR 0xE0042004u

/* Vector table at 0 with an SVC handler (svc.s in the commit message):
 * reset (0x30): movs r0,#0; svc #0; movs r1,#2; bkpt
 * svc_handler (0x38): movs r4,#1; bx lr
 * afio (0x3C): AFIO_MAPR = SWJ_CFG 100 (SWD off); b . */
static const uint8_t fw[] = {
    0x00, 0x50, 0x00, 0x20, 0x31, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x39, 0x00, 0x00, 0x00, 0x00, 0x20, 0x00, 0xdf, 0x02, 0x21, 0x00, 0xbe,
    0x01, 0x24, 0x70, 0x47, 0x02, 0x48, 0x4f, 0xf0, 0x80, 0x61, 0x01, 0x60, 0xfe, 0xe7,
    0x00, 0x00, 0x04, 0x00, 0x01, 0x40,
};

/* Firmware that keeps running: reset (0x08): b . */
static const uint8_t idle_fw[] = {0x00, 0x50, 0x00, 0x20, 0x09, 0x00, 0x00, 0x00, 0xfe, 0xe7};

static void fw_state(char *path, size_t len, const char *tag)
{
  tp_temp_path(path, len, tag);
  tp_make_state(path, "stm32f103c8", 0, fw, sizeof fw, NULL);
}

static void idle_state(char *path, size_t len, const char *tag, const char *const *options)
{
  tp_temp_path(path, len, tag);
  tp_make_state(path, "stm32f103c8", 0, idle_fw, sizeof idle_fw, options);
}

static void open_with(tp *p, const char *path, const char *s1, const char *s2)
{
  tp_options o = {.chip = "stm32f103c8", .state = path, .scenarios = {s1, s2}};
  tp_open(p, &o);
}

/* Connect under reset: NRST held, debug on, catch the reset vector, release. */
static sim_ack connect_under_reset(tp *p)
{
  sim_target_set_nrst(p->t, true);
  sim_ack ack = tp_connect(p, NULL);
  if (ack != SIM_ACK_OK)
    return ack;
  tp_write32(p, DHCSR, 0xA05F0001);
  tp_write32(p, DEMCR, 1);
  sim_target_set_nrst(p->t, false);
  return SIM_ACK_OK;
}

static void test_svc_entry_and_return(void **state)
{
  (void)state;
  char path[256];
  fw_state(path, sizeof path, "svc");
  tp p;
  open_with(&p, path, NULL, NULL);
  assert_int_equal(connect_under_reset(&p), SIM_ACK_OK);
  assert_true(tp_dhcsr(&p) & S_HALT);
  assert_int_equal(tp_reg(&p, 15), 0x30);
  tp_run(&p);
  tp_wait(&p, SIM_US(20));
  assert_true(tp_dhcsr(&p) & S_HALT);
  assert_int_equal(tp_reg(&p, 15), 0x36);
  assert_int_equal(tp_reg(&p, 4), 1); /* the handler ran */
  assert_int_equal(tp_reg(&p, 0), 0); /* and r0 came back from the stacked frame */
  assert_int_equal(tp_reg(&p, 1), 2);
  assert_int_equal(tp_reg(&p, 16), 1u << 24); /* back in thread mode */
  assert_int_equal(tp_reg(&p, 13), 0x20005000);
  tp_close(&p);
  remove(path);
}

static void test_firmware_disables_swd_through_afio(void **state)
{
  (void)state;
  char path[256];
  fw_state(path, sizeof path, "afio");
  tp p;
  open_with(&p, path, NULL, NULL);
  assert_int_equal(tp_connect(&p, NULL), SIM_ACK_OK);
  tp_halt(&p);
  /* the reset firmware ended in lockup with EPSR.T clear (a HardFault
   * vector of 0): start the AFIO code in Thumb state */
  tp_set_reg(&p, 16, XPSR_T);
  tp_set_reg(&p, 15, 0x3C);
  tp_run(&p);
  tp_wait(&p, SIM_US(20));
  uint32_t v;
  assert_int_equal(sim_target_dp_read(p.t, 0x0, &v), SIM_ACK_NONE);
  sim_target_line_reset(p.t);
  assert_int_equal(sim_target_dp_read(p.t, 0x0, &v), SIM_ACK_NONE);
  /* held in reset the pins are SWD again */
  sim_target_set_nrst(p.t, true);
  assert_int_equal(tp_connect(&p, NULL), SIM_ACK_OK);
  tp_close(&p);
  remove(path);
}

static void test_swd_disabled_needs_connect_under_reset(void **state)
{
  (void)state;
  char path[256];
  idle_state(path, sizeof path, "swdoff", NULL);
  tp p;
  open_with(&p, path, "swd-disabled", NULL);
  assert_int_equal(tp_connect(&p, NULL), SIM_ACK_NONE);
  assert_int_equal(sim_target_voltage_mv(p.t), 3300);
  assert_int_equal(connect_under_reset(&p), SIM_ACK_OK);
  assert_true(tp_dhcsr(&p) & S_HALT);
  tp_wait(&p, SIM_MS(10));
  assert_int_equal(tp_reg(&p, 15), 0x08); /* halted at the reset vector, SWD kept */
  /* a plain reset with the debugger detached lets the firmware run: 1 ms
   * later SWD is gone */
  tp_write32(&p, DEMCR, 0);
  tp_write32(&p, DHCSR, 0xA05F0000);
  tp_write32(&p, AIRCR, 0x05FA0004);
  tp_wait(&p, SIM_US(900));
  uint32_t v;
  assert_int_equal(tp_dp_read(&p, 0x4, &v), SIM_ACK_OK);
  tp_wait(&p, SIM_US(200));
  assert_int_equal(tp_dp_read(&p, 0x4, &v), SIM_ACK_NONE);
  tp_close(&p);
  /* without NRST wired there is no way in */
  open_with(&p, path, "swd-disabled", "nrst-not-wired");
  assert_int_equal(connect_under_reset(&p), SIM_ACK_NONE);
  tp_close(&p);
  remove(path);
}

/* Read protection with a debugger attached: the CPU cannot fetch its vectors
 * from flash and, without a vector catch, ends in lockup, so the firmware
 * that would turn SWD off never runs. The debugger can still halt the core
 * (ARMv7-M ARM C1.6.2). */
static void test_swd_disabled_firmware_cannot_run_under_read_protection(void **state)
{
  (void)state;
  char path[256];
  static const char *const rdp1[] = {"rdp=1", NULL};
  idle_state(path, sizeof path, "swdoff-rdp1", rdp1);
  tp p;
  open_with(&p, path, "swd-disabled", NULL);
  /* no vector catch: after the release the core is on its own */
  sim_target_set_nrst(p.t, true);
  assert_int_equal(tp_connect(&p, NULL), SIM_ACK_OK);
  tp_write32(&p, DHCSR, 0xA05F0001);
  sim_target_set_nrst(p.t, false);
  tp_wait(&p, SIM_MS(10));
  uint32_t v;
  assert_int_equal(tp_dp_read(&p, 0x4, &v), SIM_ACK_OK); /* SWD still on */
  uint32_t dhcsr = tp_dhcsr(&p);
  assert_true(dhcsr & S_LOCKUP);
  assert_false(dhcsr & S_HALT);
  /* C_HALT in lockup enters Debug state: S_LOCKUP clears, the PC shows
   * the lockup address, registers and SRAM are there */
  tp_write32(&p, DHCSR, 0xA05F0003);
  dhcsr = tp_dhcsr(&p);
  assert_true(dhcsr & S_HALT);
  assert_false(dhcsr & S_LOCKUP);
  assert_true(tp_read32(&p, DFSR) & 1); /* HALTED */
  assert_int_equal(tp_reg(&p, 15), 0xFFFFFFFE);
  tp_set_reg(&p, 0, 0x12345678);
  assert_int_equal(tp_reg(&p, 0), 0x12345678);
  tp_write32(&p, 0x20000000, 0xCAFEF00D);
  assert_int_equal(tp_read32(&p, 0x20000000), 0xCAFEF00D);
  tp_close(&p);
  /* The board stays powered and the debugger stays latched: the next
   * session finds the core locked up, not the firmware running. */
  open_with(&p, path, "swd-disabled", NULL);
  assert_int_equal(tp_connect(&p, NULL), SIM_ACK_OK);
  tp_wait(&p, SIM_MS(10));
  assert_true(tp_dhcsr(&p) & S_LOCKUP);
  tp_close(&p);
  remove(path);
}

static void test_sleeping_firmware(void **state)
{
  (void)state;
  char path[256];
  fw_state(path, sizeof path, "sleep");
  tp p;
  open_with(&p, path, "sleep", NULL);
  assert_int_equal(tp_connect(&p, NULL), SIM_ACK_OK); /* the DP answers */
  uint32_t v;
  assert_int_equal(sim_target_ap_write(p.t, 0x04, DHCSR), SIM_ACK_WAIT);
  /* retried long enough, an access gets through in a wake window */
  unsigned waits = p.waits;
  assert_int_equal(tp_read(&p, 0xE0042000, 4, &v), SIM_ACK_OK);
  assert_int_equal(v, 0x20036410);
  assert_true(p.waits > waits);
  /* low-power debug keeps the clocks: no more waiting, the core is seen asleep */
  tp_write32(&p, DBGMCU_CR, 0x2);
  waits = p.waits;
  tp_wait(&p, SIM_US(100));
  assert_true(tp_dhcsr(&p) & S_SLEEP);
  assert_int_equal(p.waits, waits);
  tp_halt(&p);
  uint32_t dhcsr = tp_dhcsr(&p);
  assert_true(dhcsr & S_HALT);
  assert_false(dhcsr & S_SLEEP);
  tp_close(&p);
  remove(path);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_svc_entry_and_return),
      cmocka_unit_test(test_firmware_disables_swd_through_afio),
      cmocka_unit_test(test_swd_disabled_needs_connect_under_reset),
      cmocka_unit_test(test_swd_disabled_firmware_cannot_run_under_read_protection),
      cmocka_unit_test(test_sleeping_firmware),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
