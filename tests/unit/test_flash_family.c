/* Family drivers: erase command encoding and datasheet times. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "families/family.h"

extern const swdf__family swdf__family_f1;
extern const swdf__family swdf__family_f4;

static void f1_page_erase_uses_per_and_the_bank_registers(void **state) {
  (void)state;
  swdf__flash_ctl ctl = {0};
  swdf_flash_sector page = {
      .index = 300, .index_in_bank = 44, .bank = 1, .addr = 0x08096000, .size = 2048};
  swdf__erase_cmd cmd;
  swdf__family_f1.erase_cmd(&cmd, &ctl, &page);
  assert_int_equal(cmd.cr, 1u << 1); /* PER */
  assert_int_equal(cmd.ar, 0x08096000);
  assert_int_equal(cmd.bank, 1);
}

static void f1_mass_erase_is_one_command_per_bank(void **state) {
  (void)state;
  swdf__flash_ctl ctl = {0};
  swdf_flash_layout layout = {.base = 0x08000000, .size = 0x100000, .bank_count = 2};
  layout.banks[0].base = 0x08000000;
  layout.banks[1].base = 0x08080000;
  swdf__erase_cmd cmds[2];
  assert_int_equal(swdf__family_f1.mass_erase_cmds(cmds, &ctl, &layout), 2);
  assert_int_equal(cmds[0].cr, 1u << 2); /* MER */
  assert_int_equal(cmds[0].bank, 0);
  assert_int_equal(cmds[1].bank, 1);
  layout.bank_count = 1;
  assert_int_equal(swdf__family_f1.mass_erase_cmds(cmds, &ctl, &layout), 1);
}

static void f4_sector_numbers_and_parallelism(void **state) {
  (void)state;
  swdf__flash_ctl ctl = {.cr_psize = 2u << 8}; /* x32 */
  swdf_flash_sector s5 = {.index = 5, .index_in_bank = 5, .bank = 0, .addr = 0x08020000};
  swdf__erase_cmd cmd;
  swdf__family_f4.erase_cmd(&cmd, &ctl, &s5);
  assert_int_equal(cmd.cr, (1u << 1) | (5u << 3) | (2u << 8)); /* SER, SNB 5, PSIZE x32 */
  assert_int_equal(cmd.bank, 0);
  /* Bank 2 of an F42x: sector 14 is SNB 0x12 (RM0090 section 3.9.8). */
  swdf_flash_sector s14 = {.index = 14, .index_in_bank = 2, .bank = 1, .addr = 0x08108000};
  swdf__family_f4.erase_cmd(&cmd, &ctl, &s14);
  assert_int_equal((cmd.cr >> 3) & 0x1f, 0x12);
  assert_int_equal(cmd.bank, 0); /* one register block for both banks */
}

static void f4_mass_erase_covers_both_banks_at_once(void **state) {
  (void)state;
  swdf__flash_ctl ctl = {.cr_psize = 1u << 8};
  swdf_flash_layout layout = {.base = 0x08000000, .size = 0x200000, .bank_count = 2};
  swdf__erase_cmd cmds[2];
  assert_int_equal(swdf__family_f4.mass_erase_cmds(cmds, &ctl, &layout), 1);
  assert_int_equal(cmds[0].cr, (1u << 2) | (1u << 15) | (1u << 8)); /* MER, MER1, x16 */
  layout.bank_count = 1;
  swdf__family_f4.mass_erase_cmds(cmds, &ctl, &layout);
  assert_int_equal(cmds[0].cr & (1u << 15), 0);
}

static void erase_times_follow_the_unit_size(void **state) {
  (void)state;
  swdf__flash_ctl ctl = {
      .erase = {{16384, 250000, 500000}, {65536, 550000, 1100000}, {131072, 1000000, 2000000}}};
  assert_int_equal(swdf__erase_time_us(&ctl, 16384, false), 250000);
  assert_int_equal(swdf__erase_time_us(&ctl, 65536, true), 1100000);
  assert_int_equal(swdf__erase_time_us(&ctl, 131072, false), 1000000);
  assert_int_equal(swdf__erase_time_us(&ctl, 32768, false), 550000);  /* next larger row */
  assert_int_equal(swdf__erase_time_us(&ctl, 262144, true), 2000000); /* largest row */
  swdf__flash_ctl pages = {.erase = {{0, 40000, 40000}}};
  assert_int_equal(swdf__erase_time_us(&pages, 2048, false), 40000);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(f1_page_erase_uses_per_and_the_bank_registers),
      cmocka_unit_test(f1_mass_erase_is_one_command_per_bank),
      cmocka_unit_test(f4_sector_numbers_and_parallelism),
      cmocka_unit_test(f4_mass_erase_covers_both_banks_at_once),
      cmocka_unit_test(erase_times_follow_the_unit_size),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
