/* Family drivers: erase command encoding and datasheet times. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "families/family.h"
#include "flash/loaders/loader_abi.h"

extern const swdf__family swdf__family_f0;
extern const swdf__family swdf__family_f1;
extern const swdf__family swdf__family_f3;
extern const swdf__family swdf__family_f4;
extern const swdf__family swdf__family_g0;

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

/* The table: each family by its driver, with its core, clock and writers. */
static void families_are_found_by_driver(void **state) {
  (void)state;
  const swdf__family *f1 = swdf__family_by_driver("stm32f1");
  const swdf__family *f4 = swdf__family_by_driver("stm32f4");
  assert_ptr_equal(f1, &swdf__family_f1);
  assert_ptr_equal(f4, &swdf__family_f4);
  assert_null(swdf__family_by_driver("stm32f9"));
  assert_null(swdf__family_by_driver(NULL));
  assert_string_equal(f1->title, "STM32F1");
  assert_int_equal(f1->core, SWDF__CORE_V7M);
  assert_int_equal(f4->core, SWDF__CORE_V7M);
  assert_int_equal(f1->reset_clock_hz, 8000000);  /* HSI, timing model section 3 */
  assert_int_equal(f4->reset_clock_hz, 16000000); /* HSI16 */
  assert_non_null(f1->opt_write);
  assert_non_null(f4->opt_write);
  assert_non_null(f1->boot);
  assert_non_null(f4->boot);
}

static void each_core_has_its_loader(void **state) {
  (void)state;
  const swdf__loader_blob *v6 = swdf__loader_for_core(SWDF__CORE_V6M);
  const swdf__loader_blob *v7 = swdf__loader_for_core(SWDF__CORE_V7M);
  assert_string_equal(v6->name, "v6m");
  assert_string_equal(v7->name, "v7m");
  for (int i = 0; i < 2; i++) {
    const swdf__loader_blob *b = i == 0 ? v6 : v7;
    swdf_loader_header h;
    memcpy(&h, b->code, sizeof(h));
    assert_int_equal(h.magic, SWDF_LOADER_MAGIC);
    assert_int_equal(h.abi_version, 4); /* trailer with data CRC */
    assert_true(h.entry < b->size);
    assert_true((h.entry & 1u) == 1u); /* a Thumb address */
  }
  assert_memory_not_equal(v6->code, v7->code, 64);
}

/* AN2606: USB DFU in the F1 ROM only on the connectivity line (0x418); in
 * every F4 ROM but the F410's (0x458, no USB). */
static void rom_dfu_follows_an2606(void **state) {
  (void)state;
  swdf_chip chip = {.dev_id = 0x410};
  assert_false(swdf__family_f1.boot->rom_has_dfu(&chip));
  chip.dev_id = 0x414;
  assert_false(swdf__family_f1.boot->rom_has_dfu(&chip));
  chip.dev_id = 0x418;
  assert_true(swdf__family_f1.boot->rom_has_dfu(&chip));
  chip.dev_id = 0x421; /* F446 */
  assert_true(swdf__family_f4.boot->rom_has_dfu(&chip));
  chip.dev_id = 0x458; /* F410 */
  assert_false(swdf__family_f4.boot->rom_has_dfu(&chip));
  assert_non_null(strstr(swdf__family_f4.boot->dfu_needs, "between 4 and 26"));
}

/* F1/F4: the pins always decide; nothing to repair. */
static void f_series_boot_pins_always_decide(void **state) {
  (void)state;
  swdf_chip chip = {.flash_base = 0x08000000, .sysmem_base = 0x1fff0000, .dev_id = 0x421};
  for (int i = 0; i < 2; i++) {
    const swdf__family *f = i == 0 ? &swdf__family_f1 : &swdf__family_f4;
    swdf_boot_config c = {.size = sizeof(c), .empty_check = -1};
    assert_int_equal(f->boot->config(&c, NULL, &chip), SWDF_OK);
    assert_int_equal(c.pin_honoured, 1);
    assert_int_equal(c.rom_reachable, 1);
    assert_int_equal(c.boot_pin_low, 0x08000000);
    assert_int_equal(c.boot_pin_high, 0x1fff0000);
    assert_int_equal(c.empty_check, -1);
    assert_int_equal(c.repair_count, 0);
    assert_non_null(strstr(c.explain, "0x1FFF0000"));
  }
}

/* The F1-style controller serves three families: the F0 on the ARMv6-M
 * loader, the F1 and F3 on the ARMv7-M one, all from the 8 MHz HSI; the F0
 * and F3 load new options with OBL_LAUNCH, the F1 at a reset. */
static void f0_f1_f3_share_the_controller(void **state) {
  (void)state;
  const swdf__family *f0 = swdf__family_by_driver("stm32f0");
  const swdf__family *f3 = swdf__family_by_driver("stm32f3");
  assert_ptr_equal(f0, &swdf__family_f0);
  assert_ptr_equal(f3, &swdf__family_f3);
  assert_int_equal(f0->core, SWDF__CORE_V6M);
  assert_int_equal(f3->core, SWDF__CORE_V7M);
  assert_int_equal(f0->reset_clock_hz, 8000000);
  assert_int_equal(f3->reset_clock_hz, 8000000);
  assert_ptr_equal(f0->erase_cmd, swdf__family_f1.erase_cmd);
  assert_ptr_equal(f3->opt_write, swdf__family_f1.opt_write);
  assert_ptr_equal(f0->opt_reload, f3->opt_reload);
  assert_ptr_not_equal(f0->opt_reload, swdf__family_f1.opt_reload);
  assert_non_null(f0->after_write); /* the F04x/F09x empty check */
  /* AN2606: USB DFU in ROM on the F04x and F07x, the F302/F303 xB/C and xD/E */
  swdf_chip chip = {.dev_id = 0x448};
  assert_true(f0->boot->rom_has_dfu(&chip));
  chip.dev_id = 0x445;
  assert_true(f0->boot->rom_has_dfu(&chip));
  chip.dev_id = 0x440; /* F05x */
  assert_false(f0->boot->rom_has_dfu(&chip));
  chip.dev_id = 0x446;
  assert_true(f3->boot->rom_has_dfu(&chip));
  chip.dev_id = 0x438; /* F303x6/8, F334 */
  assert_false(f3->boot->rom_has_dfu(&chip));
}

/* F0/F3 with the factory options (nBOOT1=1, no BOOT_SEL): the pin decides,
 * BOOT0 high starts the ROM bootloader; the empty check only on the
 * F04x/F09x. */
static void f0_boot_rules_with_factory_options(void **state) {
  (void)state;
  swdf_chip chip = {.flash_base = 0x08000000, .sysmem_base = 0x1fffc800, .dev_id = 0x448};
  swdf_boot_config c = {.size = sizeof(c), .empty_check = -1};
  assert_int_equal(swdf__family_f0.boot->config(&c, NULL, &chip), SWDF_OK);
  assert_int_equal(c.pin_honoured, 1);
  assert_int_equal(c.rom_reachable, 1);
  assert_int_equal(c.boot_pin_high, 0x1fffc800);
  assert_int_equal(c.empty_check, -1);
  assert_int_equal(c.repair_count, 0);
  chip.dev_id = 0x442; /* F09x */
  c = (swdf_boot_config){.size = sizeof(c), .empty_check = -1};
  assert_int_equal(swdf__family_f0.boot->config(&c, NULL, &chip), SWDF_OK);
  assert_int_equal(c.empty_check, 1);
  assert_non_null(strstr(c.explain, "while the flash is empty"));
}

/* RM0444 section 3.7.5: PNB counts pages from the bank start; bank 2 is
 * BKER with page numbers from 256. */
static void g0_page_erase_numbers_bank2_from_256(void **state) {
  (void)state;
  swdf__flash_ctl ctl = {0};
  swdf_flash_sector p5 = {.index = 5, .index_in_bank = 5, .bank = 0, .addr = 0x08002800};
  swdf__erase_cmd cmd;
  swdf__family_g0.erase_cmd(&cmd, &ctl, &p5);
  assert_int_equal(cmd.cr, (1u << 1) | (5u << 3)); /* PER, PNB 5 */
  swdf_flash_sector p259 = {.index = 259, .index_in_bank = 3, .bank = 1, .addr = 0x08041800};
  swdf__family_g0.erase_cmd(&cmd, &ctl, &p259);
  assert_int_equal(cmd.cr, (1u << 1) | (259u << 3) | (1u << 13)); /* PER, PNB 259, BKER */
  assert_int_equal(cmd.bank, 0); /* one register block for both banks */
  /* nSWAP_BANK=0: the page at the base is in physical bank 2. */
  swdf__flash_ctl swapped = {.banks_swapped = true};
  swdf__family_g0.erase_cmd(&cmd, &swapped, &p5);
  assert_int_equal(cmd.cr, (1u << 1) | (261u << 3) | (1u << 13));
  swdf__family_g0.erase_cmd(&cmd, &swapped, &p259);
  assert_int_equal(cmd.cr, (1u << 1) | (3u << 3));
}

/* MER1 and MER2 in one command (a second CR write while the first runs
 * would be refused: CFGBSY); one bank alone by its own bit. */
static void g0_mass_and_bank_erase(void **state) {
  (void)state;
  swdf__flash_ctl ctl = {0};
  swdf_flash_layout layout = {.base = 0x08000000, .size = 0x80000, .bank_count = 2};
  layout.banks[0].base = 0x08000000;
  layout.banks[1].base = 0x08040000;
  swdf__erase_cmd cmds[2];
  assert_int_equal(swdf__family_g0.mass_erase_cmds(cmds, &ctl, &layout), 1);
  assert_int_equal(cmds[0].cr, (1u << 2) | (1u << 15));
  swdf__erase_cmd cmd;
  assert_true(swdf__family_g0.bank_erase_cmd(&cmd, &ctl, &layout, 1));
  assert_int_equal(cmd.cr, 1u << 15);
  assert_true(swdf__family_g0.bank_erase_cmd(&cmd, &ctl, &layout, 0));
  assert_int_equal(cmd.cr, 1u << 2);
  ctl.banks_swapped = true;
  assert_true(swdf__family_g0.bank_erase_cmd(&cmd, &ctl, &layout, 0));
  assert_int_equal(cmd.cr, 1u << 15);
  layout.bank_count = 1;
  assert_int_equal(swdf__family_g0.mass_erase_cmds(cmds, &ctl, &layout), 1);
  assert_int_equal(cmds[0].cr, 1u << 2);
}

/* A Cortex-M0+ family: the Thumb-1 loader, HSI16 after reset, DFU only
 * on the parts with USB (AN2606). */
static void g0_core_clock_and_dfu(void **state) {
  (void)state;
  assert_int_equal(swdf__family_g0.core, SWDF__CORE_V6M);
  assert_int_equal(swdf__family_g0.reset_clock_hz, 16000000);
  assert_ptr_equal(swdf__family_by_driver("stm32g0"), &swdf__family_g0);
  swdf_chip g0b1 = {.dev_id = 0x467};
  swdf_chip g071 = {.dev_id = 0x460};
  assert_true(swdf__family_g0.boot->rom_has_dfu(&g0b1));
  assert_false(swdf__family_g0.boot->rom_has_dfu(&g071));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(f1_page_erase_uses_per_and_the_bank_registers),
      cmocka_unit_test(f1_mass_erase_is_one_command_per_bank),
      cmocka_unit_test(f4_sector_numbers_and_parallelism),
      cmocka_unit_test(f4_mass_erase_covers_both_banks_at_once),
      cmocka_unit_test(g0_page_erase_numbers_bank2_from_256),
      cmocka_unit_test(g0_mass_and_bank_erase),
      cmocka_unit_test(g0_core_clock_and_dfu),
      cmocka_unit_test(erase_times_follow_the_unit_size),
      cmocka_unit_test(families_are_found_by_driver),
      cmocka_unit_test(each_core_has_its_loader),
      cmocka_unit_test(rom_dfu_follows_an2606),
      cmocka_unit_test(f_series_boot_pins_always_decide),
      cmocka_unit_test(f0_f1_f3_share_the_controller),
      cmocka_unit_test(f0_boot_rules_with_factory_options),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
