/* The physical limit of timing model section 6, worked out by hand from the
 * tables of sections 1, 2 and 4. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "limit.h"

#define MS(x) ((sim_ns)(x) * 1000000u)
#define KIB(x) ((uint32_t)(x) * 1024u)
#define FLASH 0x08000000u

static char err[256];

/* A chip's main flash for the tests: erased (0xFF) or holding other data. */
static uint8_t *flash_of(uint32_t size, uint8_t fill)
{
  uint8_t *f = malloc(size);
  assert_non_null(f);
  memset(f, fill, size);
  return f;
}

static sim_limit compute_on(const char *chip, const char *probe, uint32_t khz, sim_limit_op op,
                            uint32_t addr, uint32_t bytes, const uint8_t *flash)
{
  sim_limit_request req = {.chip = chip, .probe = sim_probe_kind_find(probe), .swd_khz = khz,
                           .op = op, .addr = addr, .bytes = bytes, .flash = flash};
  sim_limit l;
  assert_non_null(req.probe);
  assert_true(sim_limit_compute(&req, &l, err, sizeof err));
  assert_true(l.flash_busy_ns == l.erase_ns + l.program_ns);
  assert_true(l.wire_ns == (l.usb_ns > l.swd_ns ? l.usb_ns : l.swd_ns));
  assert_true(l.limit_ns == (l.flash_busy_ns > l.wire_ns ? l.flash_busy_ns : l.wire_ns));
  return l;
}

static sim_limit compute(const char *chip, const char *probe, uint32_t khz, sim_limit_op op,
                         uint32_t addr, uint32_t bytes)
{
  return compute_on(chip, probe, khz, op, addr, bytes, NULL);
}

static void f103_write_to_an_erased_chip_programs_only(void **state)
{
  (void)state;
  sim_limit l = compute("stm32f103re", "v2", 0, SIM_LIMIT_WRITE, FLASH, KIB(256));
  assert_int_equal(l.swd_khz, 4000);                  /* the V2's fastest clock */
  assert_true(l.erase_ns == 0);                        /* every page is blank already */
  assert_int_equal(l.erase_units, 0);
  assert_true(l.program_ns == 131072ull * 52500);      /* half-words x 52.5 us */
  assert_true(l.usb_ns == 262144ull * 850);
  assert_true(l.swd_ns == 786432000ull);               /* 65536 x 48 cycles at 4 MHz */
  assert_true(l.wire_ns == l.swd_ns);                  /* the larger, not the sum */
  assert_true(l.limit_ns == 6881280000ull);
}

static void f103_write_over_data_erases_its_pages(void **state)
{
  (void)state;
  uint8_t *old = flash_of(KIB(512), 0x00);
  sim_limit l = compute_on("stm32f103re", "v2", 0, SIM_LIMIT_WRITE, FLASH, KIB(256), old);
  assert_int_equal(l.erase_units, 128);
  assert_true(l.erase_ns == 128 * MS(40)); /* 128 pages of 2 KiB; the rest is kept */
  assert_true(l.limit_ns == MS(5120) + 6881280000ull);
  free(old);
}

static void only_units_not_blank_where_the_image_goes_are_erased(void **state)
{
  (void)state;
  uint8_t *old = flash_of(KIB(512), 0xFF);
  /* page 0 holds data only below 0x400, page 2 in its second half: an
   * image at 0x08000400..0x08001400 (pages 0 to 2) finds page 0 blank where
   * it goes, page 1 blank, and page 2 not blank in 0x1000..0x1400 */
  memset(old, 0x12, 0x400);
  old[0x1000] = 0x7F;
  sim_limit l = compute_on("stm32f103re", "v2", 0, SIM_LIMIT_WRITE, FLASH + 0x400, 0x1000, old);
  assert_int_equal(l.erase_units, 1);
  assert_true(l.erase_ns == MS(40));
  /* one bit cleared anywhere in the range is enough to need the erase */
  memset(old, 0xFF, 0x400);
  old[0x1000] = 0xFF;
  old[0x13FF] = 0xFE;
  assert_true(compute_on("stm32f103re", "v2", 0, SIM_LIMIT_WRITE, FLASH + 0x400, 0x1000, old)
                  .erase_ns == MS(40));
  old[0x13FF] = 0xFF;
  assert_true(compute_on("stm32f103re", "v2", 0, SIM_LIMIT_WRITE, FLASH + 0x400, 0x1000, old)
                  .erase_ns == 0);
  free(old);
}

static void wire_is_at_the_probes_fastest_clock(void **state)
{
  (void)state;
  assert_int_equal(compute("stm32f446re", "v3", 0, SIM_LIMIT_READ, FLASH, 4).swd_khz, 24000);
  assert_int_equal(compute("stm32f446re", "clone-j29s7", 0, SIM_LIMIT_READ, FLASH, 4).swd_khz,
                   4000);
  /* a slower clock is a what-if, never the default */
  assert_int_equal(compute("stm32f446re", "v2", 950, SIM_LIMIT_READ, FLASH, 4).swd_khz, 950);
  /* 64 KiB to the V3 at 24 MHz: 16384 x 48 cycles = 32.768 ms of SWD */
  sim_limit l = compute("stm32g0b1re", "v3", 0, SIM_LIMIT_WRITE, FLASH, KIB(64));
  assert_true(l.swd_ns == 32768000ull);
  assert_true(l.usb_ns == 65536ull * 25);
}

static void write_wire_is_the_larger_of_usb_and_swd(void **state)
{
  (void)state;
  /* 1 KiB to the F103C8 at 100 kHz: 256 x 48 cycles = 122.88 ms of SWD
   * against 1024 x 0.85 us of USB and 512 x 52.5 us of programming */
  sim_limit l = compute("stm32f103c8", "v2", 100, SIM_LIMIT_WRITE, FLASH, 1024);
  assert_true(l.flash_busy_ns == 512ull * 52500);
  assert_true(l.limit_ns == 122880000ull);
  /* at 240 MHz the SWD side is faster than USB: USB bounds the wire */
  l = compute("stm32f103c8", "v2", 240000, SIM_LIMIT_WRITE, FLASH, 1024);
  assert_true(l.wire_ns == 1024ull * 850);
}

static void command_line(void **state)
{
  (void)state;
  char *read_args[] = {"limit", "--chip", "stm32f446re", "--read", "--freq", "1800",
                       "--bytes", "16K", NULL};
  assert_int_equal(sim_limit_main(8, read_args, err, sizeof err), 0);
  char *bad_freq[] = {"limit", "--chip", "stm32f446re", "--freq", "fast", NULL};
  err[0] = 0;
  assert_int_equal(sim_limit_main(5, bad_freq, err, sizeof err), 2);
  assert_non_null(strstr(err, "--freq"));
  char *no_state[] = {"limit", "--state", "/nonexistent/chip.state", NULL};
  err[0] = 0;
  assert_int_equal(sim_limit_main(3, no_state, err, sizeof err), 2);
  assert_non_null(strstr(err, "/nonexistent/chip.state"));
}

static void f446_write_over_data_uses_x32_sector_times(void **state)
{
  (void)state;
  uint8_t *old = flash_of(KIB(512), 0x55);
  sim_limit l = compute_on("stm32f446re", "v2", 0, SIM_LIMIT_WRITE, FLASH, KIB(256), old);
  assert_true(l.erase_ns == 4 * MS(250) + MS(550) + MS(1000)); /* 4x16 + 64 + 128 KiB */
  assert_true(l.program_ns == 65536ull * 16000);               /* words x 16 us */
  assert_true(l.limit_ns == MS(3598) + 576000);
  /* from an erased chip: the words alone */
  assert_true(compute("stm32f446re", "v2", 0, SIM_LIMIT_WRITE, FLASH, KIB(256)).limit_ns ==
              65536ull * 16000);
  free(old);
}

static void partial_units_count_whole(void **state)
{
  (void)state;
  uint8_t *old = flash_of(KIB(512), 0x00);
  /* 2 KiB from 0x400 touches pages 0 and 1 */
  sim_limit l = compute_on("stm32f103re", "v2", 0, SIM_LIMIT_WRITE, FLASH + 0x400, 2048, old);
  assert_true(l.erase_ns == 2 * MS(40));
  assert_true(l.program_ns == 1024ull * 52500);
  /* 1 byte past the first 16 KiB sector of the F446: two sectors */
  l = compute_on("stm32f446re", "v3", 0, SIM_LIMIT_WRITE, FLASH, KIB(16) + 1, old);
  assert_true(l.erase_ns == 2 * MS(250));
  assert_true(l.program_ns == 4097ull * 16000);
  free(old);
}

static void whole_chip_takes_the_mass_erase(void **state)
{
  (void)state;
  uint8_t *old = flash_of(KIB(2048), 0x00);
  sim_limit l = compute_on("stm32f103c8", "v2", 0, SIM_LIMIT_WRITE, FLASH, KIB(64), old);
  assert_true(l.erase_ns == MS(40)); /* not 64 pages x 40 ms */
  /* one blank page left: the other 63 pages, one by one */
  memset(old + KIB(10), 0xFF, KIB(1));
  l = compute_on("stm32f103c8", "v2", 0, SIM_LIMIT_WRITE, FLASH, KIB(64), old);
  assert_int_equal(l.erase_units, 63);
  assert_true(l.erase_ns == 63 * MS(40));
  l = compute("stm32f103re", "v2", 0, SIM_LIMIT_MASS_ERASE, 0, 0);
  assert_true(l.limit_ns == MS(40));
  /* the F446's 8 sectors (4.55 s) erase faster than its mass erase (8 s) */
  l = compute("stm32f446re", "v2", 0, SIM_LIMIT_MASS_ERASE, 0, 0);
  assert_true(l.limit_ns == 4 * MS(250) + MS(550) + 3 * MS(1000));
  /* two banks of 1 MiB: 2 x 8 s, against 2 x 8.55 s sector by sector */
  l = compute("stm32f429zi", "v2", 0, SIM_LIMIT_MASS_ERASE, 0, 0);
  assert_true(l.limit_ns == 2 * MS(8000));
  assert_true(l.wire_ns == 0);
  free(old);
}

static void g0_double_words_and_2k_pages(void **state)
{
  (void)state;
  /* G071: 64-bit double words of 85 us, 2 KiB pages of 22 ms */
  uint8_t *old = flash_of(KIB(512), 0xA5);
  sim_limit l = compute("stm32g071rb", "v2", 0, SIM_LIMIT_WRITE, FLASH, KIB(64));
  assert_true(l.erase_ns == 0);
  assert_true(l.program_ns == 8192ull * 85000);
  l = compute_on("stm32g071rb", "v2", 0, SIM_LIMIT_WRITE, FLASH, KIB(64), old);
  assert_int_equal(l.erase_units, 32);
  assert_true(l.erase_ns == 32 * MS(22));
  /* 9 bytes are two double words; 2 KiB + 1 byte touches two pages */
  assert_true(compute("stm32g071rb", "v2", 0, SIM_LIMIT_WRITE, FLASH, 9).program_ns == 2 * 85000);
  assert_true(compute_on("stm32g071rb", "v2", 0, SIM_LIMIT_WRITE, FLASH, KIB(2) + 1, old)
                  .erase_ns == 2 * MS(22));
  /* the whole G071 over data: one 22 ms mass erase, not 64 pages */
  l = compute_on("stm32g071rb", "v2", 0, SIM_LIMIT_WRITE, FLASH, KIB(128), old);
  assert_true(l.erase_ns == MS(22));
  free(old);
}

static void g0b1_erases_a_whole_bank_at_once(void **state)
{
  (void)state;
  uint8_t *old = flash_of(KIB(512), 0x00);
  /* 256 KiB from the base is all of bank 1: its bank erase (22 ms), not
   * 128 page erases (2.816 s) */
  sim_limit l = compute_on("stm32g0b1re", "v2", 0, SIM_LIMIT_WRITE, FLASH, KIB(256), old);
  assert_int_equal(l.erase_units, 128);
  assert_true(l.erase_ns == MS(22));
  assert_true(l.program_ns == 32768ull * 85000);
  assert_true(l.limit_ns == MS(22) + 32768ull * 85000);
  /* one page short of the bank: 127 pages one by one */
  l = compute_on("stm32g0b1re", "v2", 0, SIM_LIMIT_WRITE, FLASH, KIB(254), old);
  assert_true(l.erase_ns == 127 * MS(22));
  /* across the bank boundary: 2 pages of bank 1 and 2 of bank 2 */
  l = compute_on("stm32g0b1re", "v2", 0, SIM_LIMIT_WRITE, FLASH + KIB(252), KIB(8), old);
  assert_true(l.erase_ns == 4 * MS(22));
  /* the whole chip: both banks (2 x 22 ms, the mass erase) */
  l = compute_on("stm32g0b1re", "v2", 0, SIM_LIMIT_WRITE, FLASH, KIB(512), old);
  assert_true(l.erase_ns == 2 * MS(22));
  assert_true(compute("stm32g0b1re", "v3", 0, SIM_LIMIT_MASS_ERASE, 0, 0).limit_ns == 2 * MS(22));
  free(old);
}

static void h7_flash_words_and_128k_sectors(void **state)
{
  (void)state;
  uint8_t *old = flash_of(KIB(2048), 0x00);
  /* H723: 256-bit flash words of 100 us (x64), 128 KiB sectors of 1 s */
  sim_limit l = compute("stm32h723zg", "v3", 0, SIM_LIMIT_WRITE, FLASH, KIB(256));
  assert_true(l.erase_ns == 0);
  assert_true(l.program_ns == 8192ull * 100000);
  assert_true(l.swd_ns == 131072000ull); /* 65536 x 48 cycles at 24 MHz */
  assert_true(l.limit_ns == 8192ull * 100000);
  l = compute_on("stm32h723zg", "v3", 0, SIM_LIMIT_WRITE, FLASH, KIB(256), old);
  assert_int_equal(l.erase_units, 2);
  assert_true(l.erase_ns == 2 * MS(1000));
  /* 33 bytes are two flash words; one byte into the second sector erases it */
  l = compute_on("stm32h723zg", "v2", 0, SIM_LIMIT_WRITE, FLASH + KIB(128) - 1, 33, old);
  assert_true(l.program_ns == 2 * 100000);
  assert_true(l.erase_ns == 2 * MS(1000));
  /* 2 bytes across a word boundary are two flash words too */
  assert_true(compute("stm32h723zg", "v2", 0, SIM_LIMIT_WRITE, FLASH + 31, 2).program_ns ==
              2 * 100000);
  /* H743: both banks over data. The whole chip is one mass erase, in which
   * the banks erase side by side (8 s, not 16 s) */
  l = compute_on("stm32h743zi", "v3", 0, SIM_LIMIT_WRITE, FLASH, KIB(2048), old);
  assert_int_equal(l.erase_units, 16);
  assert_true(l.erase_ns == 8 * MS(1000));
  free(old);
}

static void read_is_the_larger_of_usb_and_swd(void **state)
{
  (void)state;
  sim_limit l = compute("stm32f446re", "v2", 0, SIM_LIMIT_READ, FLASH, KIB(256));
  assert_int_equal(l.swd_khz, 4000);
  assert_true(l.flash_busy_ns == 0);
  assert_true(l.limit_ns == 786432000ull);
  l = compute("stm32f446re", "v3", 0, SIM_LIMIT_READ, FLASH, KIB(256));
  assert_true(l.usb_ns == 262144ull * 25);
  assert_true(l.limit_ns == 131072000ull);
  /* a fast enough wire leaves USB as the bound */
  l = compute("stm32f446re", "v2", 240000, SIM_LIMIT_READ, FLASH, KIB(256));
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
    cmocka_unit_test(f103_write_to_an_erased_chip_programs_only),
    cmocka_unit_test(f103_write_over_data_erases_its_pages),
    cmocka_unit_test(only_units_not_blank_where_the_image_goes_are_erased),
    cmocka_unit_test(wire_is_at_the_probes_fastest_clock),
    cmocka_unit_test(write_wire_is_the_larger_of_usb_and_swd),
    cmocka_unit_test(command_line),
    cmocka_unit_test(f446_write_over_data_uses_x32_sector_times),
    cmocka_unit_test(partial_units_count_whole),
    cmocka_unit_test(whole_chip_takes_the_mass_erase),
    cmocka_unit_test(g0_double_words_and_2k_pages),
    cmocka_unit_test(g0b1_erases_a_whole_bank_at_once),
    cmocka_unit_test(h7_flash_words_and_128k_sectors),
    cmocka_unit_test(read_is_the_larger_of_usb_and_swd),
    cmocka_unit_test(bad_requests_say_why),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
