/* SW-DP and AHB-AP state machines, the ROM table and the debug-visible IDs. */
#include "test_support.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

static void open_f1(tp *p)
{
  tp_options o = {.chip = "stm32f103c8"};
  tp_open(p, &o);
}

static void test_idcode_per_chip(void **state)
{
  (void)state;
  static const struct {
    const char *chip;
    uint32_t dpidr, idcode, flash_kib;
  } cases[] = {
      {"stm32f103c8", 0x1BA01477, 0x20036410, 64},
      {"stm32f103re", 0x1BA01477, 0x10036414, 512},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    tp p;
    tp_options o = {.chip = cases[i].chip};
    tp_open(&p, &o);
    uint32_t id = 0;
    assert_int_equal(tp_connect(&p, &id), SIM_ACK_OK);
    assert_int_equal(id, cases[i].dpidr);
    assert_int_equal(tp_read32(&p, 0xE0042000), cases[i].idcode);
    uint32_t fsize = 0;
    assert_int_equal(tp_read(&p, 0x1FFFF7E0, 2, &fsize), SIM_ACK_OK);
    assert_int_equal(fsize, cases[i].flash_kib);
    assert_int_equal(tp_read32(&p, 0xE000ED00), 0x411FC231);
    tp_close(&p);
  }
}

static void test_protocol_before_idcode(void **state)
{
  (void)state;
  tp p;
  open_f1(&p);
  uint32_t v;
  /* nothing answers before the line reset selects SWD */
  assert_int_equal(sim_target_dp_read(p.t, 0x4, &v), SIM_ACK_NONE);
  sim_target_line_reset(p.t);
  /* RM0008 §31.8.3: any transaction but a DPIDR read gets FAULT */
  assert_int_equal(sim_target_dp_read(p.t, 0x4, &v), SIM_ACK_FAULT);
  assert_int_equal(sim_target_dp_read(p.t, 0x0, &v), SIM_ACK_OK);
  assert_int_equal(v, 0x1BA01477);
  assert_int_equal(sim_target_dp_read(p.t, 0x4, &v), SIM_ACK_OK);
  assert_int_equal(v & 0xF0000000u, 0);
  assert_int_equal(sim_target_dp_write(p.t, 0x4, 0x50000000), SIM_ACK_OK);
  assert_int_equal(sim_target_dp_read(p.t, 0x4, &v), SIM_ACK_OK);
  assert_int_equal(v & 0xF0000000u, 0xF0000000u);
  tp_close(&p);
}

static void test_sticky_error_and_abort(void **state)
{
  (void)state;
  tp p;
  open_f1(&p);
  assert_int_equal(tp_connect(&p, NULL), SIM_ACK_OK);
  uint32_t v;
  /* nothing lives at 0x60000000 on an F103: bus fault */
  assert_int_equal(tp_read(&p, 0x60000000, 4, &v), SIM_ACK_FAULT);
  assert_int_equal(tp_dp_read(&p, 0x4, &v), SIM_ACK_OK);
  assert_true(v & (1u << 5)); /* STICKYERR */
  /* while it is set, every other access faults; CTRL/STAT and ABORT do not */
  assert_int_equal(sim_target_ap_read(p.t, 0xC, &v), SIM_ACK_FAULT);
  assert_int_equal(sim_target_dp_read(p.t, 0xC, &v), SIM_ACK_FAULT);
  assert_int_equal(sim_target_dp_write(p.t, 0x8, 0), SIM_ACK_FAULT);
  assert_int_equal(sim_target_dp_write(p.t, 0x0, 0x04), SIM_ACK_OK);
  assert_int_equal(tp_dp_read(&p, 0x4, &v), SIM_ACK_OK);
  assert_false(v & (1u << 5));
  assert_int_equal(tp_read32(&p, 0x20000000), 0);
  tp_close(&p);
}

static void test_posted_reads_and_rdbuff(void **state)
{
  (void)state;
  tp p;
  open_f1(&p);
  assert_int_equal(tp_connect(&p, NULL), SIM_ACK_OK);
  tp_write32(&p, 0x20000000, 0x11111111);
  tp_write32(&p, 0x20000004, 0x22222222);
  uint32_t v;
  assert_int_equal(tp_ap_write(&p, 0x00, 0x23000012), SIM_ACK_OK); /* word, increment */
  assert_int_equal(tp_ap_write(&p, 0x04, 0x20000000), SIM_ACK_OK);
  assert_int_equal(tp_ap_read(&p, 0x0C, &v), SIM_ACK_OK); /* stale */
  assert_int_equal(tp_ap_read(&p, 0x0C, &v), SIM_ACK_OK);
  assert_int_equal(v, 0x11111111);
  assert_int_equal(tp_dp_read(&p, 0x0C, &v), SIM_ACK_OK);
  assert_int_equal(v, 0x22222222);
  /* RDBUFF does not start another access: it reads the same again */
  assert_int_equal(tp_dp_read(&p, 0x0C, &v), SIM_ACK_OK);
  assert_int_equal(v, 0x22222222);
  assert_int_equal(tp_ap_read(&p, 0x04, &v), SIM_ACK_OK); /* TAR, posted */
  assert_int_equal(tp_dp_read(&p, 0x0C, &v), SIM_ACK_OK);
  assert_int_equal(v, 0x20000008);
  tp_close(&p);
}

static void test_tar_wraps_at_1k(void **state)
{
  (void)state;
  tp p;
  open_f1(&p);
  assert_int_equal(tp_connect(&p, NULL), SIM_ACK_OK);
  uint32_t v;
  assert_int_equal(tp_ap_write(&p, 0x00, 0x23000012), SIM_ACK_OK);
  assert_int_equal(tp_ap_write(&p, 0x04, 0x200003FC), SIM_ACK_OK);
  assert_int_equal(tp_ap_write(&p, 0x0C, 0xAAAAAAAA), SIM_ACK_OK);
  assert_int_equal(tp_ap_write(&p, 0x0C, 0xBBBBBBBB), SIM_ACK_OK);
  /* the second word went to 0x20000000, not 0x20000400 */
  assert_int_equal(tp_read32(&p, 0x20000000), 0xBBBBBBBB);
  assert_int_equal(tp_read32(&p, 0x20000400), 0);
  assert_int_equal(tp_read32(&p, 0x200003FC), 0xAAAAAAAA);
  (void)v;
  tp_close(&p);
}

static void test_sizes_and_lanes(void **state)
{
  (void)state;
  tp p;
  open_f1(&p);
  assert_int_equal(tp_connect(&p, NULL), SIM_ACK_OK);
  tp_write32(&p, 0x20000010, 0x44332211);
  uint32_t v;
  assert_int_equal(tp_read(&p, 0x20000012, 1, &v), SIM_ACK_OK);
  assert_int_equal(v, 0x33);
  assert_int_equal(tp_read(&p, 0x20000012, 2, &v), SIM_ACK_OK);
  assert_int_equal(v, 0x4433);
  assert_int_equal(tp_write(&p, 0x20000011, 1, 0xEE), SIM_ACK_OK);
  assert_int_equal(tp_write(&p, 0x20000012, 2, 0xCCDD), SIM_ACK_OK);
  assert_int_equal(tp_read32(&p, 0x20000010), 0xCCDDEE11);
  /* the raw lanes: a byte read at offset 3 arrives in bits 31:24 */
  assert_int_equal(tp_ap_write(&p, 0x00, 0x23000000), SIM_ACK_OK);
  assert_int_equal(tp_ap_write(&p, 0x04, 0x20000013), SIM_ACK_OK);
  assert_int_equal(tp_ap_read(&p, 0x0C, &v), SIM_ACK_OK);
  assert_int_equal(tp_dp_read(&p, 0x0C, &v), SIM_ACK_OK);
  assert_int_equal(v, 0xCC000000);
  p.csw_valid = false;
  tp_close(&p);
}

static void test_packed_transfers(void **state)
{
  (void)state;
  tp p;
  open_f1(&p);
  assert_int_equal(tp_connect(&p, NULL), SIM_ACK_OK);
  tp_write32(&p, 0x20000040, 0x44332211);
  tp_write32(&p, 0x20000044, 0x88776655);
  uint32_t v;
  /* bytes, packed: one DRW read brings four bytes, TAR moves by four */
  assert_int_equal(tp_ap_write(&p, 0x00, 0x23000020), SIM_ACK_OK);
  assert_int_equal(tp_ap_read(&p, 0x00, &v), SIM_ACK_OK);
  assert_int_equal(tp_dp_read(&p, 0x0C, &v), SIM_ACK_OK);
  assert_int_equal((v >> 4) & 3, 2); /* the AP keeps AddrInc = packed */
  assert_int_equal(tp_ap_write(&p, 0x04, 0x20000040), SIM_ACK_OK);
  assert_int_equal(tp_ap_read(&p, 0x0C, &v), SIM_ACK_OK);
  assert_int_equal(tp_ap_read(&p, 0x0C, &v), SIM_ACK_OK);
  assert_int_equal(v, 0x44332211);
  assert_int_equal(tp_dp_read(&p, 0x0C, &v), SIM_ACK_OK);
  assert_int_equal(v, 0x88776655);
  /* half-words, packed writes */
  assert_int_equal(tp_ap_write(&p, 0x00, 0x23000021), SIM_ACK_OK);
  assert_int_equal(tp_ap_write(&p, 0x04, 0x20000040), SIM_ACK_OK);
  assert_int_equal(tp_ap_write(&p, 0x0C, 0xBBBBAAAA), SIM_ACK_OK);
  assert_int_equal(tp_ap_read(&p, 0x04, &v), SIM_ACK_OK);
  assert_int_equal(tp_dp_read(&p, 0x0C, &v), SIM_ACK_OK);
  assert_int_equal(v, 0x20000044);
  p.csw_valid = false;
  assert_int_equal(tp_read32(&p, 0x20000040), 0xBBBBAAAA);
  assert_int_equal(tp_read32(&p, 0x20000044), 0x88776655);
  tp_close(&p);
}

static void test_banked_data_and_ids(void **state)
{
  (void)state;
  tp p;
  open_f1(&p);
  assert_int_equal(tp_connect(&p, NULL), SIM_ACK_OK);
  for (uint32_t i = 0; i < 4; i++)
    tp_write32(&p, 0x20000020 + 4 * i, 0x100 + i);
  uint32_t v;
  assert_int_equal(tp_ap_write(&p, 0x00, 0x23000002), SIM_ACK_OK);
  assert_int_equal(tp_ap_write(&p, 0x04, 0x20000024), SIM_ACK_OK);
  assert_int_equal(tp_dp_write(&p, 0x8, 0x10), SIM_ACK_OK); /* APBANKSEL 1 */
  assert_int_equal(tp_ap_read(&p, 0x08, &v), SIM_ACK_OK);   /* BD2 */
  assert_int_equal(tp_dp_read(&p, 0x0C, &v), SIM_ACK_OK);
  assert_int_equal(v, 0x102);
  assert_int_equal(tp_dp_write(&p, 0x8, 0xF0), SIM_ACK_OK);
  assert_int_equal(tp_ap_read(&p, 0x0C, &v), SIM_ACK_OK); /* IDR */
  assert_int_equal(tp_ap_read(&p, 0x08, &v), SIM_ACK_OK); /* BASE, returns IDR */
  assert_int_equal(v, 0x24770011);
  assert_int_equal(tp_dp_read(&p, 0x0C, &v), SIM_ACK_OK);
  assert_int_equal(v, 0xE00FF003);
  assert_int_equal(tp_dp_write(&p, 0x8, 0), SIM_ACK_OK);
  p.csw_valid = false;
  /* ROM table: SCS first, then DWT, FPB, ITM, TPIU, ETM, end */
  static const uint32_t entries[] = {0xFFF0F003, 0xFFF02003, 0xFFF03003, 0xFFF01003,
                                     0xFFF41003, 0xFFF42003, 0};
  for (int i = 0; i < 7; i++)
    assert_int_equal(tp_read32(&p, 0xE00FF000 + 4u * (uint32_t)i), entries[i]);
  assert_int_equal(tp_read32(&p, 0xE00FFFF4), 0x10); /* class 1: ROM table */
  assert_int_equal(tp_read32(&p, 0xE00FFFE0), 0x10); /* part = DEV_ID 0x410 */
  assert_int_equal(tp_read32(&p, 0xE00FFFE8), 0x0A); /* ST JEP106 */
  assert_int_equal(tp_read32(&p, 0xE000EFE0), 0x00); /* SCS part 0x000 (Cortex-M3) */
  assert_int_equal(tp_read32(&p, 0xE000EFF4), 0xE0);
  assert_int_equal(tp_read32(&p, 0xE0002FE0), 0x03); /* FPB */
  assert_int_equal(tp_read32(&p, 0xE0002000) & 0xFF0, 0x260); /* 6 code, 2 literal */
  tp_close(&p);
}

static void test_swd_fault_injection(void **state)
{
  (void)state;
  tp p;
  tp_options o = {.chip = "stm32f103c8", .faults = {{SIM_FAULT_SWD_FAULT, 9}}};
  tp_open(&p, &o);
  assert_int_equal(tp_connect(&p, NULL), SIM_ACK_OK); /* transactions 1..5 */
  uint32_t v;
  assert_int_equal(tp_dp_read(&p, 0x4, &v), SIM_ACK_OK);           /* 6 */
  assert_int_equal(tp_ap_write(&p, 0x00, 0x23000012), SIM_ACK_OK); /* 7 */
  assert_int_equal(tp_ap_write(&p, 0x04, 0x20000000), SIM_ACK_OK); /* 8 */
  assert_int_equal(tp_ap_read(&p, 0x0C, &v), SIM_ACK_FAULT);       /* 9 */
  assert_int_equal(tp_dp_read(&p, 0x4, &v), SIM_ACK_OK);
  assert_true(v & (1u << 5));
  tp_abort(&p);
  assert_int_equal(tp_ap_read(&p, 0x0C, &v), SIM_ACK_OK);
  tp_close(&p);
}

static void test_swd_wait_storm(void **state)
{
  (void)state;
  tp p;
  tp_options o = {.chip = "stm32f103c8", .faults = {{SIM_FAULT_SWD_WAIT, 8}}};
  tp_open(&p, &o);
  assert_int_equal(tp_connect(&p, NULL), SIM_ACK_OK);
  assert_int_equal(tp_read32(&p, 0x20000000), 0);
  assert_int_equal(p.waits, 200);
  tp_close(&p);
}

/* swd-stuck: WAIT for good, DAPABORT or not; DP registers still answer. */
static void test_swd_stuck(void **state)
{
  (void)state;
  tp p;
  tp_options o = {.chip = "stm32f103c8", .faults = {{SIM_FAULT_SWD_STUCK, 8}}};
  tp_open(&p, &o);
  assert_int_equal(tp_connect(&p, NULL), SIM_ACK_OK);
  uint32_t v;
  int before = 0;
  while (tp_ap_read(&p, 0x0C, &v) == SIM_ACK_OK && before < 8)
    before++;
  assert_true(before < 8); /* the 8th transaction at the latest */
  /* each read is retried TP_MAX_WAITS (a million) times: three of them are
   * three million WAITs in a row */
  for (int i = 0; i < 3; i++)
    assert_int_equal(tp_ap_read(&p, 0x0C, &v), SIM_ACK_WAIT);
  tp_abort(&p);
  assert_int_equal(tp_ap_read(&p, 0x0C, &v), SIM_ACK_WAIT);
  assert_int_equal(sim_target_dp_read(p.t, 0, &v), SIM_ACK_OK);
  tp_close(&p);
}

static void test_no_target(void **state)
{
  (void)state;
  tp p;
  tp_options o = {.chip = "stm32f103c8", .scenarios = {"no-target"}};
  tp_open(&p, &o);
  uint32_t v;
  sim_target_line_reset(p.t);
  assert_int_equal(sim_target_dp_read(p.t, 0, &v), SIM_ACK_NONE);
  assert_int_equal(sim_target_voltage_mv(p.t), 0);
  tp_close(&p);
}

static void test_unknown_names_rejected(void **state)
{
  (void)state;
  sim_clock clock = {0};
  char err[256] = "";
  sim_target_options o = {.chip = "stm32f999"};
  assert_null(sim_target_new(&clock, &o, err, sizeof err));
  assert_non_null(strstr(err, "stm32f999"));
  assert_non_null(strstr(err, "stm32f103c8"));
  assert_false(sim_target_scenario_valid("warp-speed", err, sizeof err));
  assert_non_null(strstr(err, "warp-speed"));
  assert_true(sim_target_scenario_valid("boot0=1", err, sizeof err));
  assert_true(sim_target_scenario_valid("vdd=2500", err, sizeof err));
  assert_false(sim_target_scenario_valid("vdd=9000", err, sizeof err));
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_idcode_per_chip),
      cmocka_unit_test(test_protocol_before_idcode),
      cmocka_unit_test(test_sticky_error_and_abort),
      cmocka_unit_test(test_posted_reads_and_rdbuff),
      cmocka_unit_test(test_tar_wraps_at_1k),
      cmocka_unit_test(test_sizes_and_lanes),
      cmocka_unit_test(test_packed_transfers),
      cmocka_unit_test(test_banked_data_and_ids),
      cmocka_unit_test(test_swd_fault_injection),
      cmocka_unit_test(test_swd_wait_storm),
      cmocka_unit_test(test_swd_stuck),
      cmocka_unit_test(test_no_target),
      cmocka_unit_test(test_unknown_names_rejected),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
