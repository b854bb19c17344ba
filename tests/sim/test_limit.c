/* The physical limit of timing model section 6, worked out by hand from the
 * tables of sections 1, 2 and 4. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "limit.h"

#define MS(x) ((sim_ns)(x) * 1000000u)

static char err[256];

static sim_limit compute(const char *chip, const char *probe, uint32_t khz, sim_limit_op op,
                         uint32_t addr, uint32_t bytes)
{
  sim_limit_request req = {.chip = chip, .probe = sim_probe_kind_find(probe), .swd_khz = khz,
                           .op = op, .addr = addr, .bytes = bytes};
  sim_limit l;
  assert_non_null(req.probe);
  assert_true(sim_limit_compute(&req, &l, err, sizeof err));
  return l;
}

static void f103_write_is_flash_bound(void **state)
{
  (void)state;
  sim_limit l = compute("stm32f103re", "v2", 0, SIM_LIMIT_WRITE, 0x08000000, 256 * 1024);
  assert_int_equal(l.swd_khz, 1800);                  /* the V2's power-on clock */
  assert_true(l.erase_ns == 128 * MS(40));             /* 128 pages of 2 KiB */
  assert_true(l.program_ns == 131072ull * 52500);      /* half-words x 52.5 us */
  assert_true(l.usb_ns == 262144ull * 850);
  assert_true(l.swd_ns == 1747626667ull);              /* 65536 x 48 cycles at 1.8 MHz */
  assert_true(l.wire_ns == l.swd_ns);
  assert_true(l.limit_ns == MS(5120) + 6881280000ull);
}

static void f446_write_uses_x32_sector_times(void **state)
{
  (void)state;
  sim_limit l = compute("stm32f446re", "v2", 0, SIM_LIMIT_WRITE, 0x08000000, 256 * 1024);
  assert_true(l.erase_ns == 4 * MS(250) + MS(550) + MS(1000)); /* 4x16 + 64 + 128 KiB */
  assert_true(l.program_ns == 65536ull * 16000);               /* words x 16 us */
  assert_true(l.limit_ns == MS(3598) + 576000);
}

static void partial_units_count_whole(void **state)
{
  (void)state;
  /* 2 KiB from 0x400 touches pages 0 and 1 */
  sim_limit l = compute("stm32f103re", "v2", 0, SIM_LIMIT_WRITE, 0x08000400, 2048);
  assert_true(l.erase_ns == 2 * MS(40));
  assert_true(l.program_ns == 1024ull * 52500);
  /* 1 byte past the first 16 KiB sector of the F446: two sectors */
  l = compute("stm32f446re", "v3", 0, SIM_LIMIT_WRITE, 0x08000000, 16 * 1024 + 1);
  assert_true(l.erase_ns == 2 * MS(250));
  assert_true(l.program_ns == 4097ull * 16000);
}

static void whole_chip_takes_the_mass_erase(void **state)
{
  (void)state;
  sim_limit l = compute("stm32f103c8", "v2", 0, SIM_LIMIT_WRITE, 0x08000000, 64 * 1024);
  assert_true(l.erase_ns == MS(40)); /* not 64 pages x 40 ms */
  l = compute("stm32f103re", "v2", 0, SIM_LIMIT_MASS_ERASE, 0, 0);
  assert_true(l.limit_ns == MS(40));
  /* the F446's 8 sectors (4.55 s) erase faster than its mass erase (8 s) */
  l = compute("stm32f446re", "v2", 0, SIM_LIMIT_MASS_ERASE, 0, 0);
  assert_true(l.limit_ns == 4 * MS(250) + MS(550) + 3 * MS(1000));
  /* two banks of 1 MiB: 2 x 8 s, against 2 x 8.55 s sector by sector */
  l = compute("stm32f429zi", "v2", 0, SIM_LIMIT_MASS_ERASE, 0, 0);
  assert_true(l.limit_ns == 2 * MS(8000));
  assert_true(l.wire_ns == 0);
}

static void read_is_the_larger_of_usb_and_swd(void **state)
{
  (void)state;
  sim_limit l = compute("stm32f446re", "v2", 4000, SIM_LIMIT_READ, 0x08000000, 256 * 1024);
  assert_int_equal(l.swd_khz, 4000);
  assert_true(l.flash_busy_ns == 0);
  assert_true(l.limit_ns == 786432000ull);
  l = compute("stm32f446re", "v3", 24000, SIM_LIMIT_READ, 0x08000000, 256 * 1024);
  assert_true(l.usb_ns == 262144ull * 25);
  assert_true(l.limit_ns == 131072000ull);
  /* a fast enough wire leaves USB as the bound */
  l = compute("stm32f446re", "v2", 240000, SIM_LIMIT_READ, 0x08000000, 256 * 1024);
  assert_true(l.limit_ns == l.usb_ns);
}

static void bad_requests_say_why(void **state)
{
  (void)state;
  sim_limit l;
  sim_limit_request req = {.chip = "stm32f103c8", .probe = sim_probe_kind_find("v2"),
                           .addr = 0x08000000, .bytes = 64 * 1024 + 1};
  assert_false(sim_limit_compute(&req, &l, err, sizeof err));
  assert_non_null(strstr(err, "not inside"));
  req.bytes = 16;
  req.addr = 0x20000000;
  assert_false(sim_limit_compute(&req, &l, err, sizeof err));
  req.chip = "stm32f999";
  assert_false(sim_limit_compute(&req, &l, err, sizeof err));
  assert_non_null(strstr(err, "unknown chip"));
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(f103_write_is_flash_bound),
    cmocka_unit_test(f446_write_uses_x32_sector_times),
    cmocka_unit_test(partial_units_count_whole),
    cmocka_unit_test(whole_chip_takes_the_mass_erase),
    cmocka_unit_test(read_is_the_larger_of_usb_and_swd),
    cmocka_unit_test(bad_requests_say_why),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
