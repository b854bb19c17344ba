/* The ST-Link protocol layer against recorded probe replies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fake_usb.h"
#include "internal.h"
#include "probe_scripts.h"
#include "stlink/stlink.h"

typedef struct fixture {
  swdf_ctx *ctx;
  fake_usb *usb;
  swdf_stlink *st;
} fixture;

static fixture *fixture_new(uint16_t pid) {
  fixture *fx = calloc(1, sizeof(*fx));
  assert_non_null(fx);
  assert_int_equal(swdf_ctx_new(&fx->ctx, NULL), SWDF_OK);
  fx->usb = fake_usb_new(pid, NULL, 0);
  fake_usb_install(fx->usb, fx->ctx);
  return fx;
}

static swdf_err fixture_open(fixture *fx, uint16_t pid) {
  const swdf_usb_backend *backend;
  void *state;
  assert_int_equal(swdf__usb_backend(&backend, &state, fx->ctx), SWDF_OK);
  swdf_usb_device_info dev = {.vid = 0x0483, .pid = pid};
  swdf_usb *usb;
  assert_int_equal(backend->open(&usb, fx->ctx, state, &dev), SWDF_OK);
  return swdf__stlink_open(&fx->st, fx->ctx, usb, pid);
}

static void fixture_free(fixture *fx) {
  swdf__stlink_close(fx->st);
  swdf_ctx_free(fx->ctx);
  fake_usb_free(fx->usb);
  free(fx);
}

/* ---- pure functions ---------------------------------------------------- */

static void parses_versions_and_names_firmware(void **state) {
  (void)state;
  static const struct {
    const char *reply;
    const char *reply_fb;
    swdf_probe_kind kind;
    const char *name;
    uint8_t jtag;
  } cases[] = {
      {V2J37S7_VERSION, NULL, SWDF_PROBE_V2, "V2J37S7", 37},
      {V21J37M26_VERSION, NULL, SWDF_PROBE_V2_1, "V2J37M26", 37},
      {V2J20S4_VERSION, NULL, SWDF_PROBE_V2, "V2J20S4", 20},
      {V3_VERSION, V3J7_VERSION_EX, SWDF_PROBE_V3, "V3J7M3B2S1", 7},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    uint8_t f1[6];
    uint8_t fb[12];
    for (int b = 0; b < 6; b++) {
      sscanf(cases[i].reply + 3 * b, "%2hhx", &f1[b]);
    }
    for (int b = 0; cases[i].reply_fb != NULL && b < 12; b++) {
      sscanf(cases[i].reply_fb + 3 * b, "%2hhx", &fb[b]);
    }
    stlink_version v;
    swdf__stlink_parse_version(&v, f1, cases[i].reply_fb != NULL ? fb : NULL, cases[i].kind);
    char name[32];
    swdf__stlink_firmware_name(name, sizeof(name), &v, cases[i].kind);
    assert_string_equal(name, cases[i].name);
    assert_int_equal(v.jtag, cases[i].jtag);
    assert_int_equal(v.vid, 0x0483);
  }
}

static void features_follow_the_j_version(void **state) {
  (void)state;
  stlink_version v = {.hw = 2};
  const struct {
    uint8_t j;
    uint32_t has;
    uint32_t lacks;
  } v2[] = {
      {12, 0, STLINK_F_TARGET_VOLTAGE | STLINK_F_RW_STATUS2},
      {13, STLINK_F_TARGET_VOLTAGE, STLINK_F_RW_STATUS2},
      {15, STLINK_F_RW_STATUS2, STLINK_F_SWD_SET_FREQ},
      {21, STLINK_F_RW_STATUS2, STLINK_F_SWD_SET_FREQ},
      {22, STLINK_F_SWD_SET_FREQ, STLINK_F_DAP_REG},
      {24, STLINK_F_DAP_REG, STLINK_F_MEM16},
      {25, STLINK_F_DAP_REG, STLINK_F_MEM16},
      {26, STLINK_F_MEM16, STLINK_F_AP_INIT},
      {28, STLINK_F_AP_INIT, STLINK_F_FIX_CLOSE_AP | STLINK_F_DPBANKSEL},
      {31, STLINK_F_FIX_CLOSE_AP, STLINK_F_DPBANKSEL},
      {32, STLINK_F_DPBANKSEL, STLINK_F_RW8_512 | STLINK_F_COM_FREQ},
      {45, STLINK_F_DPBANKSEL | STLINK_F_SWD_SET_FREQ, STLINK_F_RW8_512 | STLINK_F_COM_FREQ},
  };
  for (size_t i = 0; i < sizeof(v2) / sizeof(v2[0]); i++) {
    v.jtag = v2[i].j;
    uint32_t f = swdf__stlink_features(&v);
    assert_int_equal(f & v2[i].has, v2[i].has);
    assert_int_equal(f & v2[i].lacks, 0);
  }
  v.hw = 3;
  v.jtag = 1;
  uint32_t f = swdf__stlink_features(&v);
  assert_true((f & STLINK_F_COM_FREQ) != 0);
  assert_true((f & STLINK_F_SWD_SET_FREQ) == 0); /* V3 sets its clock differently */
  assert_true((f & STLINK_F_DPBANKSEL) == 0);
  v.jtag = 2;
  assert_true((swdf__stlink_features(&v) & STLINK_F_DPBANKSEL) != 0);
  assert_true((swdf__stlink_features(&v) & STLINK_F_RW8_512) == 0);
  v.jtag = 6;
  assert_true((swdf__stlink_features(&v) & STLINK_F_RW8_512) != 0);
}

static void knows_every_pid(void **state) {
  (void)state;
  const struct {
    uint16_t pid;
    swdf_probe_kind kind;
    bool usable;
    bool v2_endpoints;
  } pids[] = {
      {0x3744, SWDF_PROBE_V2, false, true},   {0x3748, SWDF_PROBE_V2, true, true},
      {0x374A, SWDF_PROBE_V2_1, true, false}, {0x374B, SWDF_PROBE_V2_1, true, false},
      {0x3742, SWDF_PROBE_V2_1, true, false}, {0x3752, SWDF_PROBE_V2_1, true, false},
      {0x374D, SWDF_PROBE_V3, false, false},  {0x374E, SWDF_PROBE_V3, true, false},
      {0x374F, SWDF_PROBE_V3, true, false},   {0x3753, SWDF_PROBE_V3, true, false},
      {0x3754, SWDF_PROBE_V3, true, false},   {0x3755, SWDF_PROBE_V3, false, false},
      {0x3757, SWDF_PROBE_V3, true, false},
  };
  for (size_t i = 0; i < sizeof(pids) / sizeof(pids[0]); i++) {
    const stlink_pid_info *p = swdf__stlink_pid_info(pids[i].pid);
    assert_non_null(p);
    assert_int_equal(p->kind, pids[i].kind);
    assert_int_equal(p->usable, pids[i].usable);
    assert_int_equal(p->v2_endpoints, pids[i].v2_endpoints);
    if (!p->usable) {
      assert_non_null(p->unusable_reason);
    }
  }
  assert_null(swdf__stlink_pid_info(0xDF11)); /* an STM32 in ROM DFU is not a probe */
}

static void normalises_serial_numbers(void **state) {
  (void)state;
  /* 12 binary code units (a V2 clone): low bytes as upper-case hex. */
  uint8_t binary[24];
  const uint8_t uid[12] = {0x55, 0xFF, 0x6B, 0x06, 0x49, 0x78, 0x51, 0x54, 0x30, 0x14, 0x18, 0x87};
  for (int i = 0; i < 12; i++) {
    binary[2 * i] = uid[i];
    binary[2 * i + 1] = 0;
  }
  char s[64];
  swdf__stlink_serial(s, sizeof(s), binary, sizeof(binary));
  assert_string_equal(s, "55FF6B064978515430141887");
  /* 24 ASCII code units (V2-1, V3): kept. */
  const char *ascii = "066DFF485457725187212429";
  uint8_t wide[48];
  for (int i = 0; i < 24; i++) {
    wide[2 * i] = (uint8_t)ascii[i];
    wide[2 * i + 1] = 0;
  }
  swdf__stlink_serial(s, sizeof(s), wide, sizeof(wide));
  assert_string_equal(s, ascii);
  /* 12 printable code units are binary too, as other tools treat them. */
  for (int i = 0; i < 12; i++) {
    binary[2 * i] = (uint8_t)('A' + i);
  }
  swdf__stlink_serial(s, sizeof(s), binary, sizeof(binary));
  assert_string_equal(s, "4142434445464748494A4B4C");
  /* Other lengths with unprintable bytes: hex as well. */
  uint8_t odd[6] = {0x01, 0, 0x02, 0, 0xFE, 0};
  swdf__stlink_serial(s, sizeof(s), odd, sizeof(odd));
  assert_string_equal(s, "0102FE");
  swdf__stlink_serial(s, sizeof(s), NULL, 0);
  assert_string_equal(s, "");
}

static void computes_target_voltage(void **state) {
  (void)state;
  const uint8_t typical[8] = {0x40, 0x06, 0, 0, 0x98, 0x08, 0, 0}; /* 1600, 2200 */
  assert_int_equal(swdf__stlink_voltage_mv(typical), 3300);
  const uint8_t zero_ref[8] = {0, 0, 0, 0, 0x98, 0x08, 0, 0};
  assert_int_equal(swdf__stlink_voltage_mv(zero_ref), 0);
  const uint8_t unpowered[8] = {0x40, 0x06, 0, 0, 0x05, 0, 0, 0};
  assert_true(swdf__stlink_voltage_mv(unpowered) < 100);
}

static void classifies_status_codes(void **state) {
  (void)state;
  assert_int_equal(swdf__stlink_status_class(0x80), STLINK_CLASS_OK);
  assert_int_equal(swdf__stlink_status_class(0x0D), STLINK_CLASS_OK);
  assert_int_equal(swdf__stlink_status_class(0x10), STLINK_CLASS_WAIT);
  assert_int_equal(swdf__stlink_status_class(0x14), STLINK_CLASS_WAIT);
  assert_int_equal(swdf__stlink_status_class(0x11), STLINK_CLASS_FAULT);
  assert_int_equal(swdf__stlink_status_class(0x19), STLINK_CLASS_FAULT);
  assert_int_equal(swdf__stlink_status_class(0x01), STLINK_CLASS_FAULT);
  assert_int_equal(swdf__stlink_status_class(0x13), STLINK_CLASS_WIRE);
  assert_int_equal(swdf__stlink_status_class(0x17), STLINK_CLASS_WIRE);
  assert_int_equal(swdf__stlink_status_class(0x09), STLINK_CLASS_NO_TARGET);
  assert_int_equal(swdf__stlink_status_class(0x42), STLINK_CLASS_UNSUPPORTED);
  assert_string_equal(swdf__stlink_status_name(0x11), "SWD_AP_FAULT");
}

static void v2_divisor_table(void **state) {
  (void)state;
  const struct {
    uint32_t khz;
    int divisor;
  } table[] = {{4000, 0}, {1800, 1}, {1200, 2},  {950, 3},   {480, 7},   {240, 15},
               {125, 31}, {100, 40}, {50, 79},   {25, 158},  {15, 265},  {5, 798}};
  for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
    assert_int_equal(swdf__stlink_v2_divisor(table[i].khz), table[i].divisor);
  }
  assert_int_equal(swdf__stlink_v2_divisor(3000), -1);
}

/* ---- through the fake USB -------------------------------------------- */

static void opens_v2_and_leaves_dfu_mode(void **state) {
  (void)state;
  fixture *fx = fixture_new(0x3748);
  script_open_v2(fx->usb, V2J37S7_VERSION, 0x00);
  assert_int_equal(fixture_open(fx, 0x3748), SWDF_OK);
  fake_usb_assert_done(fx->usb);
  assert_int_equal(fx->st->kind, SWDF_PROBE_V2);
  assert_int_equal(fx->st->ep_out, 0x02);
  assert_int_equal(fx->st->freq_count, 12);
  assert_int_equal(swdf__stlink_pick_freq(fx->st, 3000), 1800);
  assert_int_equal(swdf__stlink_pick_freq(fx->st, 1), 5);
  assert_int_equal(swdf__stlink_slower_freq(fx->st, 4000), 1800);
  assert_int_equal(swdf__stlink_slower_freq(fx->st, 5), 0);
  /* IN transfers are never smaller than the 64-byte packet. */
  assert_true(fake_usb_stats_get(fx->usb)->smallest_in_request >= 64);
  fixture_free(fx);
}

static void leaves_an_old_debug_session(void **state) {
  (void)state;
  fixture *fx = fixture_new(0x374B);
  script_open_v2(fx->usb, V21J37M26_VERSION, 0x02);
  assert_int_equal(fixture_open(fx, 0x374B), SWDF_OK);
  fake_usb_assert_done(fx->usb);
  assert_int_equal(fx->st->kind, SWDF_PROBE_V2_1);
  assert_int_equal(fx->st->ep_out, 0x01);
  fixture_free(fx);
}

static void mass_storage_mode_needs_nothing(void **state) {
  (void)state;
  fixture *fx = fixture_new(0x374B);
  script_open_v2(fx->usb, V21J37M26_VERSION, 0x01);
  assert_int_equal(fixture_open(fx, 0x374B), SWDF_OK);
  fake_usb_assert_done(fx->usb);
  fixture_free(fx);
}

static void v3_reads_its_clock_list(void **state) {
  (void)state;
  fixture *fx = fixture_new(0x374F);
  script_open_v3(fx->usb);
  assert_int_equal(fixture_open(fx, 0x374F), SWDF_OK);
  assert_int_equal(fx->st->kind, SWDF_PROBE_V3);
  assert_int_equal(fx->st->version.jtag, 7);
  assert_int_equal(fx->st->freq_count, 4);
  assert_int_equal(fx->st->freqs[0], 24000);
  assert_int_equal(fx->st->max_rw8, 512);
  assert_true(fake_usb_stats_get(fx->usb)->smallest_in_request >= 512);
  /* SET_COM_FREQ with the chosen table entry; the probe says what it set. */
  fake_usb_script(fx->usb, "> F2 61 00 00 E4 0C 00 00\n< 80 00 00 00 E4 0C 00 00\n");
  assert_int_equal(swdf__stlink_set_freq(fx->st, 4000), SWDF_OK);
  assert_int_equal(fx->st->freq_khz, 3300);
  fake_usb_assert_done(fx->usb);
  fixture_free(fx);
}

static void old_firmware_keeps_its_clock(void **state) {
  (void)state;
  fixture *fx = fixture_new(0x3748);
  script_open_v2(fx->usb, V2J20S4_VERSION, 0x01);
  assert_int_equal(fixture_open(fx, 0x3748), SWDF_OK);
  /* Below J22 there is no SWD_SET_FREQ: nothing is sent. */
  assert_int_equal(swdf__stlink_set_freq(fx->st, 4000), SWDF_OK);
  assert_int_equal(fx->st->freq_khz, 1800);
  assert_int_equal(fx->st->freq_count, 1);
  fake_usb_assert_done(fx->usb);
  /* No 16-bit access, no DAP registers, no INIT_AP on J20. */
  assert_true((fx->st->features & (STLINK_F_MEM16 | STLINK_F_DAP_REG | STLINK_F_AP_INIT)) == 0);
  assert_int_equal(swdf__stlink_init_ap0(fx->st), SWDF_OK); /* a no-op */
  uint32_t v;
  assert_int_equal(swdf__stlink_read_dap(&v, fx->st, STLINK_DP_PORT, 0), SWDF_ERR_PROBE_FIRMWARE);
  fixture_free(fx);
}

static void rejects_swim_only_firmware(void **state) {
  (void)state;
  fixture *fx = fixture_new(0x3748);
  fake_usb_script(fx->usb, "> F1\n< 20 07 83 04 48 37\n"); /* V2J0S7 */
  assert_int_equal(fixture_open(fx, 0x3748), SWDF_ERR_PROBE_FIRMWARE);
  assert_non_null(strstr(swdf_ctx_errmsg(fx->ctx), "no SWD support"));
  assert_int_equal(fake_usb_stats_get(fx->usb)->closes, 1);
  fake_usb_assert_done(fx->usb);
  fx->st = NULL;
  fixture_free(fx);
}

static void rejects_loader_personalities(void **state) {
  (void)state;
  fixture *fx = fixture_new(0x374D);
  assert_int_equal(fixture_open(fx, 0x374D), SWDF_ERR_UNSUPPORTED);
  assert_non_null(strstr(swdf_ctx_errmsg(fx->ctx), "unplug and replug"));
  fx->st = NULL;
  fixture_free(fx);
}

static void retries_wait_with_a_bound(void **state) {
  (void)state;
  fixture *fx = fixture_new(0x3748);
  script_open_v2(fx->usb, V2J37S7_VERSION, 0x01);
  assert_int_equal(fixture_open(fx, 0x3748), SWDF_OK);
  /* ENTER answered DP WAIT forever: 1 + 8 retries, then SWDF_ERR_WAIT. */
  for (int i = 0; i <= STLINK_WAIT_RETRIES; i++) {
    fake_usb_script(fx->usb, "> F2 30 A3\n< 14 00\n");
  }
  assert_int_equal(swdf__stlink_enter_swd(fx->st), SWDF_ERR_WAIT);
  assert_non_null(strstr(swdf_ctx_errmsg(fx->ctx), "SWD_DP_WAIT"));
  fake_usb_assert_done(fx->usb);
  /* A WAIT that passes is retried to success. */
  fake_usb_script(fx->usb, "> F2 30 A3\n< 10 00\n> F2 30 A3\n< 80 00\n");
  assert_int_equal(swdf__stlink_enter_swd(fx->st), SWDF_OK);
  fake_usb_assert_done(fx->usb);
  fx->st->in_debug = false;
  fixture_free(fx);
}

static void usb_failure_is_clean_and_resyncs(void **state) {
  (void)state;
  fixture *fx = fixture_new(0x3748);
  script_open_v2(fx->usb, V2J37S7_VERSION, 0x01);
  assert_int_equal(fixture_open(fx, 0x3748), SWDF_OK);
  fake_usb_script(fx->usb, "> F7\n! in timeout\n");
  uint32_t mv;
  assert_int_equal(swdf__stlink_target_voltage(&mv, fx->st), SWDF_ERR_TIMEOUT);
  assert_non_null(strstr(swdf_ctx_hint(fx->ctx), "replug"));
  /* The next command first clears the endpoints' stalls, then works. */
  unsigned halts = fake_usb_stats_get(fx->usb)->clear_halts;
  script_voltage(fx->usb, 3300);
  assert_int_equal(swdf__stlink_target_voltage(&mv, fx->st), SWDF_OK);
  assert_int_equal(mv, 3300);
  assert_int_equal(fake_usb_stats_get(fx->usb)->clear_halts, halts + 2);
  /* A stall on the command is a USB error naming the command. */
  fake_usb_script(fx->usb, "! out pipe\n");
  assert_int_equal(swdf__stlink_target_voltage(&mv, fx->st), SWDF_ERR_USB);
  assert_non_null(strstr(swdf_ctx_errmsg(fx->ctx), "GET_TARGET_VOLTAGE"));
  /* A vanished probe: no further transfers are even tried. */
  fake_usb_script(fx->usb, "> F7\n! in gone\n");
  assert_int_equal(swdf__stlink_target_voltage(&mv, fx->st), SWDF_ERR_USB);
  assert_int_equal(swdf__stlink_target_voltage(&mv, fx->st), SWDF_ERR_USB);
  assert_non_null(strstr(swdf_ctx_errmsg(fx->ctx), "disconnected"));
  fake_usb_assert_done(fx->usb);
  fixture_free(fx);
}

static void reopens_after_a_stuck_reply(void **state) {
  (void)state;
  /* A killed program left the probe mid-command: the first GET_VERSION
   * times out, the retry after resync works. */
  fixture *fx = fixture_new(0x3748);
  fake_usb_script(fx->usb, "> F1\n! in timeout\n");
  script_open_v2(fx->usb, V2J37S7_VERSION, 0x01);
  assert_int_equal(fixture_open(fx, 0x3748), SWDF_OK);
  fake_usb_assert_done(fx->usb);
  fixture_free(fx);
}

static void one_byte_read_takes_the_two_byte_reply(void **state) {
  (void)state;
  fixture *fx = fixture_new(0x3748);
  script_open_v2(fx->usb, V2J37S7_VERSION, 0x01);
  assert_int_equal(fixture_open(fx, 0x3748), SWDF_OK);
  fake_usb_script(fx->usb, "> F2 0C 01 00 00 20 01 00\n< AB CD\n");
  uint8_t b[1] = {0};
  assert_int_equal(swdf__stlink_read_mem(b, fx->st, 0x20000001, 1, 1), SWDF_OK);
  assert_int_equal(b[0], 0xAB);
  fake_usb_assert_done(fx->usb);
  fixture_free(fx);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(parses_versions_and_names_firmware),
      cmocka_unit_test(features_follow_the_j_version),
      cmocka_unit_test(knows_every_pid),
      cmocka_unit_test(normalises_serial_numbers),
      cmocka_unit_test(computes_target_voltage),
      cmocka_unit_test(classifies_status_codes),
      cmocka_unit_test(v2_divisor_table),
      cmocka_unit_test(opens_v2_and_leaves_dfu_mode),
      cmocka_unit_test(leaves_an_old_debug_session),
      cmocka_unit_test(mass_storage_mode_needs_nothing),
      cmocka_unit_test(v3_reads_its_clock_list),
      cmocka_unit_test(old_firmware_keeps_its_clock),
      cmocka_unit_test(rejects_swim_only_firmware),
      cmocka_unit_test(rejects_loader_personalities),
      cmocka_unit_test(retries_wait_with_a_bound),
      cmocka_unit_test(usb_failure_is_clean_and_resyncs),
      cmocka_unit_test(reopens_after_a_stuck_reply),
      cmocka_unit_test(one_byte_read_takes_the_two_byte_reply),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
