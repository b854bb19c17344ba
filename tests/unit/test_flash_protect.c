/* The write-protection checks that run before the first erase (protect.c),
 * over the chip database's real flash geometries. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "flash/protect.h"

static swdf_ctx *ctx;

static int setup(void **state) {
  (void)state;
  return swdf_ctx_new(&ctx, NULL) == SWDF_OK ? 0 : -1;
}

static int teardown(void **state) {
  (void)state;
  swdf_ctx_free(ctx);
  return 0;
}

static void layout_for(swdf_flash_layout *out, const char *id, uint32_t size) {
  size_t count = 0;
  const swdf_chip *chips = swdf_chipdb_builtin(&count);
  for (size_t i = 0; i < count; i++) {
    if (strcmp(chips[i].id, id) == 0) {
      assert_true(swdf_flash_layout_init(out, &chips[i], size, false));
      return;
    }
  }
  fail_msg("chip %s is not in the chip database", id);
}

static void add_range(swdf__protection *p, uint32_t addr, uint32_t size, const char *field,
                      int pcrop) {
  swdf_opt_range *r = &p->ranges[p->count++];
  *r = (swdf_opt_range){addr, size, pcrop, ""};
  snprintf(r->field, sizeof(r->field), "%s", field);
}

static void nothing_protected_refuses_nothing(void **state) {
  (void)state;
  swdf__protection p = {0};
  assert_false(swdf__protection_any(&p));
  assert_false(swdf__protection_hits(&p, 0x08000000, 0x80000));
}

/* F446, sector 7 (the last 128 KiB): a mass erase meets it, sectors 0-6 do not. */
static void f446_last_sector_names_sector_7(void **state) {
  (void)state;
  swdf_flash_layout layout;
  layout_for(&layout, "stm32f4-446", 512 * 1024);
  swdf__protection p = {0};
  add_range(&p, 0x08060000, 0x20000, "nwrp", 0);
  assert_true(swdf__protection_any(&p));
  assert_false(swdf__protection_hits(&p, 0x08000000, 0x60000));
  assert_true(swdf__protection_hits(&p, 0x0805FFFF, 2));
  assert_int_equal(swdf__protection_units(&p, &layout, layout.base, layout.size), 1);
  assert_int_equal(swdf__protection_refuse(ctx, &p, &layout, layout.base, layout.size,
                                           "the mass erase"),
                   SWDF_ERR_WRITE_PROTECTED);
  assert_string_equal(swdf_ctx_errmsg(ctx),
                      "refusing the mass erase: sector 7 at 0x08060000-0x0807FFFF (option nwrp) "
                      "is write protected; nothing was erased");
  assert_non_null(strstr(swdf_ctx_hint(ctx), "--remove-protection"));
}

/* F103: WRP bits cover groups of four 1 KiB pages; runs of the same field
 * are named together, separate fields apart, only those inside the range. */
static void f103_page_groups_are_named_as_runs(void **state) {
  (void)state;
  swdf_flash_layout layout;
  layout_for(&layout, "stm32f1-md", 64 * 1024);
  swdf__protection p = {0};
  add_range(&p, 0x08000000, 0x2000, "wrp0", 0);
  add_range(&p, 0x0800C000, 0x1000, "wrp1", 0);
  assert_int_equal(swdf__protection_units(&p, &layout, layout.base, layout.size), 12);
  assert_int_equal(swdf__protection_units(&p, &layout, 0x08001000, 0x2000), 4);
  swdf__protection_refuse(ctx, &p, &layout, layout.base, layout.size, "the write");
  assert_string_equal(swdf_ctx_errmsg(ctx),
                      "refusing the write: pages 0-7 at 0x08000000-0x08001FFF (option wrp0), "
                      "pages 48-51 at 0x0800C000-0x0800CFFF (option wrp1) are write protected; "
                      "nothing was erased");
  swdf__protection_refuse(ctx, &p, &layout, 0x0800C800, 0x400, "erasing 0x0800C800-0x0800CBFF");
  assert_string_equal(swdf_ctx_errmsg(ctx),
                      "refusing erasing 0x0800C800-0x0800CBFF: page 50 at 0x0800C800-0x0800CBFF "
                      "(option wrp1) is write protected; nothing was erased");
}

/* Execute-only sectors cannot be erased either; the hint says why. */
static void pcrop_sectors_block_and_say_so(void **state) {
  (void)state;
  swdf_flash_layout layout;
  layout_for(&layout, "stm32f4-446", 512 * 1024);
  swdf__protection p = {0};
  add_range(&p, 0x08008000, 0x8000, "nwrp", 1);
  swdf__protection_refuse(ctx, &p, &layout, layout.base, layout.size, "the mass erase");
  assert_non_null(strstr(swdf_ctx_errmsg(ctx), "sectors 2-3 at 0x08008000-0x0800FFFF (option "
                                               "nwrp: execute-only PCROP) are write protected"));
  assert_non_null(strstr(swdf_ctx_hint(ctx), "PCROP"));
}

/* Protection the description cannot place makes every unit protected. */
static void unplaced_protection_blocks_everything(void **state) {
  (void)state;
  swdf_flash_layout layout;
  layout_for(&layout, "stm32f4-446", 512 * 1024);
  swdf__protection p = {.unplaced = true, .unplaced_reg = 0x40023C14, .unplaced_value = 0x0FFEAAED};
  assert_true(swdf__protection_any(&p));
  assert_true(swdf__protection_hits(&p, 0x08000000, 1));
  assert_int_equal(swdf__protection_units(&p, &layout, layout.base, layout.size), 8);
  assert_int_equal(swdf__protection_units(&p, &layout, 0x08000000, 0x8000), 2);
  swdf__protection_refuse(ctx, &p, &layout, layout.base, layout.size, "the mass erase");
  assert_non_null(strstr(swdf_ctx_errmsg(ctx), "0x40023C14 reads 0x0FFEAAED"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(nothing_protected_refuses_nothing),
      cmocka_unit_test(f446_last_sector_names_sector_7),
      cmocka_unit_test(f103_page_groups_are_named_as_runs),
      cmocka_unit_test(pcrop_sectors_block_and_say_so),
      cmocka_unit_test(unplaced_protection_blocks_everything),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
