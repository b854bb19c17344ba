/* SWDSIM_* parsing and validation (the fake target knows one chip, "fake"). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "probe.h"

static char err[512];

static void clear_env(void)
{
  const char *vars[] = {"SWDSIM_CHIP", "SWDSIM_PROBE", "SWDSIM_STATE",
                        "SWDSIM_REPORT", "SWDSIM_FAULT", "SWDSIM_SCENARIO"};
  for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
    unsetenv(vars[i]);
  err[0] = 0;
}

static void faults_parse(void **state)
{
  (void)state;
  sim_fault f;
  assert_true(sim_parse_fault("usb-stall@5", &f, err, sizeof err));
  assert_int_equal(f.kind, SIM_FAULT_USB_STALL);
  assert_int_equal(f.at, 5);
  assert_true(sim_parse_fault("power-loss@12345678901", &f, err, sizeof err));
  assert_int_equal(f.kind, SIM_FAULT_POWER_LOSS);
  assert_true(f.at == 12345678901ull);
  assert_true(sim_parse_fault("swd-wait@1", &f, err, sizeof err));
  assert_int_equal(f.kind, SIM_FAULT_SWD_WAIT);
  assert_true(sim_parse_fault("swd-stuck@7", &f, err, sizeof err));
  assert_int_equal(f.kind, SIM_FAULT_SWD_STUCK);
  assert_true(sim_parse_fault("interrupt@3", &f, err, sizeof err));
  assert_int_equal(f.kind, SIM_FAULT_INTERRUPT);
  assert_false(sim_fault_is_usb(SIM_FAULT_INTERRUPT));
  assert_true(sim_fault_is_usb(SIM_FAULT_USB_DISCONNECT));
  assert_false(sim_fault_is_usb(SIM_FAULT_FLASH_ERROR));
}

static void bad_faults_say_why(void **state)
{
  (void)state;
  sim_fault f;
  assert_false(sim_parse_fault("usb-stall", &f, err, sizeof err));
  assert_non_null(strstr(err, "KIND@N"));
  assert_false(sim_parse_fault("usb-explode@3", &f, err, sizeof err));
  assert_non_null(strstr(err, "usb-explode"));
  assert_non_null(strstr(err, "usb-disconnect")); /* lists the kinds */
  assert_false(sim_parse_fault("usb-stall@0", &f, err, sizeof err));
  assert_false(sim_parse_fault("usb-stall@-1", &f, err, sizeof err));
  assert_false(sim_parse_fault("usb-stall@3x", &f, err, sizeof err));
  assert_false(sim_parse_fault("usb-stall@", &f, err, sizeof err));
}

static void probes_parse(void **state)
{
  (void)state;
  sim_probe_config p;
  assert_true(sim_parse_probe("v2", &p, err, sizeof err));
  assert_string_equal(p.kind, "v2");
  assert_string_equal(p.serial, "");
  assert_int_equal(p.start_mode, -1);
  assert_true(sim_parse_probe("v2-1:MYSERIAL01", &p, err, sizeof err));
  assert_string_equal(p.serial, "MYSERIAL01");
  assert_true(sim_parse_probe("v3::dfu", &p, err, sizeof err));
  assert_string_equal(p.serial, "");
  assert_int_equal(p.start_mode, SIM_MODE_DFU);
  assert_true(sim_parse_probe("clone-j29s7:0102030405060708090A0B0C:debug", &p, err, sizeof err));
  assert_int_equal(p.start_mode, SIM_MODE_DEBUG);
}

static void bad_probes_say_why(void **state)
{
  (void)state;
  sim_probe_config p;
  assert_false(sim_parse_probe("v4", &p, err, sizeof err));
  assert_non_null(strstr(err, "v4"));
  assert_non_null(strstr(err, "clone-slow")); /* lists the kinds */
  /* Binary-serial probes take 24 hex digits (12 bytes). */
  assert_false(sim_parse_probe("v2:HELLO", &p, err, sizeof err));
  assert_non_null(strstr(err, "24 hex digits"));
  assert_false(sim_parse_probe("v2-1:has space", &p, err, sizeof err));
  assert_false(sim_parse_probe("v2::sleepy", &p, err, sizeof err));
  assert_non_null(strstr(err, "sleepy"));
}

static void serials(void **state)
{
  (void)state;
  const sim_probe_kind *v2 = sim_probe_kind_find("v2");
  const sim_probe_kind *v21 = sim_probe_kind_find("v2-1");
  uint8_t raw[32];
  assert_int_equal(sim_probe_serial_bytes(v2, "55FF6B064978515430141887", raw, sizeof raw), 12);
  assert_int_equal(raw[0], 0x55);
  assert_int_equal(raw[11], 0x87);
  assert_int_equal(sim_probe_serial_bytes(v21, "ABC", raw, sizeof raw), 3);
  assert_int_equal(raw[2], 'C');
  char a[32], b[32];
  sim_probe_default_serial(v2, 0, a, sizeof a);
  sim_probe_default_serial(v2, 1, b, sizeof b);
  assert_string_equal(a, v2->default_serial);
  assert_int_equal(strlen(b), 24);
  assert_string_not_equal(a, b);
}

static void env_defaults_and_lists(void **state)
{
  (void)state;
  clear_env();
  sim_config cfg;
  setenv("SWDSIM_CHIP", "fake", 1);
  assert_true(sim_config_from_env(&cfg, err, sizeof err));
  assert_string_equal(cfg.chip, "fake");
  assert_int_equal(cfg.probe_count, 1);
  assert_string_equal(cfg.probes[0].kind, "v2");
  assert_int_equal(cfg.fault_count, 0);

  setenv("SWDSIM_PROBE", "v2:0102030405060708090A0B0C,v3:SERIAL2", 1);
  setenv("SWDSIM_FAULT", "usb-stall@3,flash-error@1", 1);
  setenv("SWDSIM_SCENARIO", "nrst-not-wired,boot0=1", 1);
  setenv("SWDSIM_STATE", "/tmp/chip.state", 1);
  setenv("SWDSIM_REPORT", "/tmp/report.json", 1);
  assert_true(sim_config_from_env(&cfg, err, sizeof err));
  assert_int_equal(cfg.probe_count, 2);
  assert_string_equal(cfg.probes[1].kind, "v3");
  assert_string_equal(cfg.probes[1].serial, "SERIAL2");
  assert_int_equal(cfg.fault_count, 2);
  assert_int_equal(cfg.faults[1].kind, SIM_FAULT_FLASH_ERROR);
  assert_int_equal(cfg.scenario_count, 2);
  assert_string_equal(cfg.scenarios[1], "boot0=1");
  assert_string_equal(cfg.state_path, "/tmp/chip.state");
  assert_string_equal(cfg.report_path, "/tmp/report.json");
}

static void env_errors_name_the_variable(void **state)
{
  (void)state;
  clear_env();
  sim_config cfg;
  /* No chip is fine (the target side decides); an unknown one is not. */
  assert_true(sim_config_from_env(&cfg, err, sizeof err));
  assert_string_equal(cfg.chip, "");
  setenv("SWDSIM_CHIP", "stm32f999", 1);
  assert_false(sim_config_from_env(&cfg, err, sizeof err));
  assert_non_null(strstr(err, "SWDSIM_CHIP"));
  assert_non_null(strstr(err, "stm32f999"));
  assert_non_null(strstr(err, "swdsim chips"));
  setenv("SWDSIM_CHIP", "fake", 1);
  setenv("SWDSIM_SCENARIO", "moonlight", 1);
  assert_false(sim_config_from_env(&cfg, err, sizeof err));
  assert_non_null(strstr(err, "moonlight"));
  unsetenv("SWDSIM_SCENARIO");
  setenv("SWDSIM_PROBE", "v2,nope", 1);
  assert_false(sim_config_from_env(&cfg, err, sizeof err));
  assert_non_null(strstr(err, "nope"));
  setenv("SWDSIM_PROBE", "v2", 1);
  setenv("SWDSIM_FAULT", "usb-stall@3,bogus", 1);
  assert_false(sim_config_from_env(&cfg, err, sizeof err));
  assert_non_null(strstr(err, "bogus"));
  unsetenv("SWDSIM_FAULT");
  setenv("SWDSIM_PROBE", "v2,v2,v2,v2,v2,v2,v2,v2,v2", 1);
  assert_false(sim_config_from_env(&cfg, err, sizeof err));
  assert_non_null(strstr(err, "at most"));
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(faults_parse),
    cmocka_unit_test(bad_faults_say_why),
    cmocka_unit_test(probes_parse),
    cmocka_unit_test(bad_probes_say_why),
    cmocka_unit_test(serials),
    cmocka_unit_test(env_defaults_and_lists),
    cmocka_unit_test(env_errors_name_the_variable),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
