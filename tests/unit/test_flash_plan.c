/* The write planner over the chip database's real flash geometries. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "flash/loaders/loader_crc.h"
#include "flash/plan.h"

#define NONE 0xffffffffu

static swdf_ctx *ctx;
static uint32_t tables[4][256];

static int setup(void **state) {
  (void)state;
  swdf_crc32_tables_init(tables);
  return swdf_ctx_new(&ctx, NULL) == SWDF_OK ? 0 : -1;
}

static int teardown(void **state) {
  (void)state;
  swdf_ctx_free(ctx);
  return 0;
}

static void layout_for(swdf_flash_layout *out, const char *id, uint32_t size, bool dual) {
  size_t count = 0;
  const swdf_chip *chips = swdf_chipdb_builtin(&count);
  for (size_t i = 0; i < count; i++) {
    if (strcmp(chips[i].id, id) == 0) {
      assert_true(swdf_flash_layout_init(out, &chips[i], size, dual));
      return;
    }
  }
  fail_msg("chip %s is not in the chip database", id);
}

static swdf_image *image_of(const swdf_image_segment *segs, size_t n) {
  swdf_image *img = NULL;
  assert_int_equal(swdf_image_from_segments(&img, ctx, "test.bin", segs, n), SWDF_OK);
  return img;
}

/* A plan built for an image on one chip. */
typedef struct fixture {
  swdf_flash_layout layout;
  swdf_image *img;
  swdf__plan_core p;
} fixture;

static swdf__plan_core *plan_for(fixture *f, const char *chip, uint32_t size,
                                 const swdf_image_segment *segs, size_t n) {
  layout_for(&f->layout, chip, size, false);
  f->img = image_of(segs, n);
  assert_int_equal(swdf__plan_build(&f->p, ctx, &f->layout, f->img), SWDF_OK);
  return &f->p;
}

static void fixture_free(fixture *f) {
  swdf__plan_free(&f->p);
  swdf_image_free(f->img);
}

static uint32_t crc_step(const void *user, const uint8_t *data, size_t len, uint32_t crc) {
  (void)user;
  return swdf_crc32_run((const uint32_t(*)[256])tables, crc, data, len);
}

static uint8_t data[0x20000];

static void fill_data(void) {
  for (size_t i = 0; i < sizeof(data); i++) {
    data[i] = (uint8_t)(i * 7 + 3);
  }
}

static void assert_unit(const swdf__plan_core *p, size_t u, uint32_t addr, uint32_t size,
                        uint32_t index, uint32_t bank, uint32_t image_bytes) {
  assert_true(u < p->unit_count);
  const swdf_plan_unit *unit = &p->units[u].pub;
  assert_int_equal(unit->addr, addr);
  assert_int_equal(unit->size, size);
  assert_int_equal(unit->index, index);
  assert_int_equal(unit->bank, bank);
  assert_int_equal(unit->image_bytes, image_bytes);
}

static void assert_check(const swdf_loader_check *c, uint32_t addr, uint32_t len, uint32_t result) {
  assert_int_equal(c->addr, addr);
  assert_int_equal(c->len, len);
  assert_int_equal(c->result, result);
}

/* ---- splitting the image into erase units ---------------------------------- */

static void f1_pages_split_image_ranges(void **state) {
  (void)state;
  const swdf_image_segment segs[] = {{0x08000100, 0x500, data}, {0x08002000, 2, data}};
  fixture f;
  swdf__plan_core *p = plan_for(&f, "stm32f1-md", 64 * 1024, segs, 2);
  assert_int_equal(p->unit_count, 3);
  assert_int_equal(p->program_unit, 2);
  assert_unit(p, 0, 0x08000000, 1024, 0, 0, 0x300);
  assert_unit(p, 1, 0x08000400, 1024, 1, 0, 0x200);
  assert_unit(p, 2, 0x08002000, 1024, 8, 0, 2);
  assert_int_equal(p->piece_count, 3);
  assert_memory_equal(p->pieces[1].data, data + 0x300, 0x200);
  fixture_free(&f);
}

static void image_outside_flash_is_refused_before_anything(void **state) {
  (void)state;
  swdf_flash_layout layout;
  layout_for(&layout, "stm32f1-md", 64 * 1024, false);
  const swdf_image_segment segs[] = {{0x0800fff0, 0x20, data}};
  swdf_image *img = image_of(segs, 1);
  swdf__plan_core p;
  assert_int_equal(swdf__plan_build(&p, ctx, &layout, img), SWDF_ERR_RANGE);
  assert_non_null(strstr(swdf_ctx_errmsg(ctx), "0x08010000-0x0801000F"));
  assert_non_null(strstr(swdf_ctx_errmsg(ctx), "flash 0x08000000-0x0800FFFF"));
  swdf__plan_free(&p);
  swdf_image_free(img);
}

static void f4_sectors_of_a_256k_image(void **state) {
  (void)state;
  swdf_flash_layout layout;
  layout_for(&layout, "stm32f4-446", 512 * 1024, false);
  static uint8_t big[256 * 1024];
  const swdf_image_segment segs[] = {{0x08000000, sizeof(big), big}};
  swdf_image *img = image_of(segs, 1);
  swdf__plan_core p;
  assert_int_equal(swdf__plan_build(&p, ctx, &layout, img), SWDF_OK);
  assert_int_equal(p.unit_count, 6);
  for (uint32_t i = 0; i < 4; i++) {
    assert_unit(&p, i, 0x08000000 + i * 0x4000, 0x4000, i, 0, 0x4000);
  }
  assert_unit(&p, 4, 0x08010000, 0x10000, 4, 0, 0x10000);
  assert_unit(&p, 5, 0x08020000, 0x20000, 5, 0, 0x20000);
  swdf__plan_free(&p);
  swdf_image_free(img);
}

static void f42x_image_across_the_bank_boundary(void **state) {
  (void)state;
  const swdf_image_segment segs[] = {{0x080fff00, 0x200, data}};
  fixture f;
  swdf__plan_core *p = plan_for(&f, "stm32f4-42x", 2 * 1024 * 1024, segs, 1);
  assert_int_equal(p->unit_count, 2);
  assert_unit(p, 0, 0x080e0000, 0x20000, 11, 0, 0x100);
  assert_unit(p, 1, 0x08100000, 0x4000, 12, 1, 0x100);
  fixture_free(&f);
}

/* ---- the checks ------------------------------------------------------------ */

static void blank_checks_widen_image_and_cover_the_rest(void **state) {
  (void)state;
  swdf_flash_layout layout;
  layout_for(&layout, "stm32f1-md", 64 * 1024, false);
  /* Page 0 from 0x100 on; page 8: an odd byte range and a second piece. */
  const swdf_image_segment segs[] = {
      {0x08000100, 0x300, data}, {0x08002001, 2, data}, {0x08002010, 4, data}};
  swdf_image *img = image_of(segs, 3);
  swdf__plan_core p;
  assert_int_equal(swdf__plan_build(&p, ctx, &layout, img), SWDF_OK);
  swdf_loader_check checks[16];
  assert_true(swdf__plan_blank_check_count(&p) <= 16);
  size_t n = swdf__plan_blank_checks(&p, checks);
  assert_int_equal(n, 7);
  assert_check(&checks[0], 0x08000100, 0x300, 0);
  assert_check(&checks[1], 0x08000000, 0x100, 1);
  assert_check(&checks[2], 0x08002000, 4, 2); /* 0x2001..0x2002 widened to half-words */
  assert_check(&checks[3], 0x08002010, 4, 2);
  assert_check(&checks[4], 0x08002000, 1, 3); /* the rest: exact image bytes left out */
  assert_check(&checks[5], 0x08002003, 0xd, 3);
  assert_check(&checks[6], 0x08002014, 0x3ec, 3);
  swdf__plan_free(&p);
  swdf_image_free(img);
}

static void crc_checks_only_where_the_image_part_is_not_blank(void **state) {
  (void)state;
  const swdf_image_segment segs[] = {{0x08000000, 0xc00, data}};
  fixture f;
  swdf__plan_core *p = plan_for(&f, "stm32f1-md", 64 * 1024, segs, 1);
  const uint32_t blank[] = {NONE, NONE, 0x08000400, NONE, 0x08000800, 0x08000c10};
  swdf__plan_set_blank_results(p, blank);
  swdf_loader_check checks[4];
  size_t n = swdf__plan_crc_checks(p, checks);
  assert_int_equal(n, 2);
  assert_check(&checks[0], 0x08000400, 0x400, 1);
  assert_check(&checks[1], 0x08000800, 0x400, 2);
  /* Unit 2 is fully covered: its "rest" result is ignored. */
  assert_int_equal(p->units[2].rest_first_not_blank, NONE);
  fixture_free(&f);
}

static void decisions_follow_the_checks(void **state) {
  (void)state;
  fill_data();
  const swdf_image_segment segs[] = {{0x08000000, 0xc00, data}};
  fixture f;
  swdf__plan_core *p = plan_for(&f, "stm32f1-md", 64 * 1024, segs, 1);
  const uint32_t blank[] = {NONE, NONE, 0x08000400, NONE, 0x08000800, NONE};
  swdf__plan_set_blank_results(p, blank);
  uint32_t host[3];
  for (size_t u = 0; u < 3; u++) {
    host[u] = swdf__plan_image_crc(p, u, crc_step, NULL);
  }
  assert_int_equal(host[1],
                   ~swdf_crc32_run((const uint32_t(*)[256])tables, NONE, data + 0x400, 0x400));
  const uint32_t target_crc[] = {0, host[1], host[2] ^ 1};
  swdf__plan_set_crc_results(p, target_crc);
  swdf__plan_decide(p, host, true, false);
  assert_int_equal(p->units[0].pub.action, SWDF_UNIT_PROGRAM);
  assert_int_equal(p->units[1].pub.action, SWDF_UNIT_UNCHANGED);
  assert_int_equal(p->units[2].pub.action, SWDF_UNIT_ERASE);
  swdf__plan_decide(p, host, false, false);
  for (size_t u = 0; u < 3; u++) {
    assert_int_equal(p->units[u].pub.action, SWDF_UNIT_ERASE);
  }
  /* A mass erase erases every unit (the statistics count them erased). */
  swdf__plan_decide(p, host, true, true);
  for (size_t u = 0; u < 3; u++) {
    assert_int_equal(p->units[u].pub.action, SWDF_UNIT_ERASE);
  }
  fixture_free(&f);
}

/* ---- contents, runs and verification ranges ------------------------------- */

typedef struct runs {
  size_t count;
  uint32_t addr[16];
  uint32_t len[16];
  const uint8_t *data[16];
} runs;

static swdf_err collect(void *user, const swdf__unit *unit, uint32_t addr, const uint8_t *d,
                        uint32_t len) {
  (void)unit;
  runs *r = user;
  assert_true(r->count < 16);
  r->addr[r->count] = addr;
  r->len[r->count] = len;
  r->data[r->count] = d;
  r->count++;
  return SWDF_OK;
}

/* A page partly covered by the image, with old data after it: the old data
 * is read from its first programmed byte, kept, and programmed back; erased
 * gaps are skipped, short ones programmed through. */
static void erased_unit_keeps_old_bytes_and_skips_erased_runs(void **state) {
  (void)state;
  const uint8_t image[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  const swdf_image_segment segs[] = {{0x08000010, 8, image}};
  fixture f;
  swdf__plan_core *p = plan_for(&f, "stm32f1-md", 64 * 1024, segs, 1);
  const uint32_t blank[] = {0x08000010, 0x08000100};
  swdf__plan_set_blank_results(p, blank);
  const uint32_t crc[] = {0};
  swdf__plan_set_crc_results(p, crc);
  const uint32_t host[] = {1};
  swdf__plan_decide(p, host, true, false);
  assert_int_equal(p->units[0].pub.action, SWDF_UNIT_ERASE);
  uint32_t addr = 0, len = 0;
  swdf__plan_kept_span(p, 0, &addr, &len);
  assert_int_equal(addr, 0x08000100);
  assert_int_equal(len, 0x300);
  /* Old data: 0x100-0x10f, a 16-byte erased gap, 0x120-0x12f, then a long gap, 0x200-0x201. */
  uint8_t kept[0x300];
  memset(kept, 0xff, sizeof(kept));
  memset(kept + 0x00, 0xaa, 0x10);
  memset(kept + 0x20, 0xbb, 0x10);
  kept[0x100] = 0x00;
  assert_int_equal(swdf__plan_fill(p, ctx, 0, addr, kept, len), SWDF_OK);
  const swdf__unit *unit = &p->units[0];
  assert_memory_equal(unit->content + 0x10, image, 8);
  assert_int_equal(unit->content[0x0f], 0xff);
  assert_int_equal(unit->content[0x100], 0xaa);
  assert_int_equal(unit->pub.program_bytes, 8 + 0x10 + 0x10 + 2);
  assert_int_equal(unit->pub.kept_bytes, 0x300);
  runs r = {0};
  assert_int_equal(swdf__plan_program_runs(p, 0, collect, &r), SWDF_OK);
  assert_int_equal(r.count, 3);
  assert_int_equal(r.addr[0], 0x08000010);
  assert_int_equal(r.len[0], 8);
  assert_int_equal(r.addr[1], 0x08000100); /* the 16-byte gap is programmed through */
  assert_int_equal(r.len[1], 0x30);
  assert_int_equal(r.addr[2], 0x08000200);
  assert_int_equal(r.len[2], 2);
  runs v = {0};
  assert_int_equal(swdf__plan_verify_ranges(p, 0, collect, &v), SWDF_OK);
  assert_int_equal(v.count, 1);
  assert_int_equal(v.addr[0], 0x08000000);
  assert_int_equal(v.len[0], 1024);
  assert_ptr_equal(v.data[0], unit->content);
  fixture_free(&f);
}

/* Programming without an erase touches only the image's program units,
 * even across a short gap, and pads with 0xFF (checked blank). */
static void blank_unit_programs_only_the_image(void **state) {
  (void)state;
  const uint8_t a[3] = {0x11, 0x22, 0x33};
  const uint8_t b[2] = {0x44, 0x55};
  const swdf_image_segment segs[] = {{0x08000401, 3, a}, {0x08000410, 2, b}};
  fixture f;
  swdf__plan_core *p = plan_for(&f, "stm32f1-md", 64 * 1024, segs, 2);
  const uint32_t blank[] = {NONE, 0x08000600};
  swdf__plan_set_blank_results(p, blank);
  swdf__plan_decide(p, NULL, true, false);
  assert_int_equal(p->units[0].pub.action, SWDF_UNIT_PROGRAM);
  uint32_t addr = 0, len = 0;
  swdf__plan_kept_span(p, 0, &addr, &len);
  assert_int_equal(len, 0);
  assert_int_equal(swdf__plan_fill(p, ctx, 0, addr, NULL, 0), SWDF_OK);
  assert_int_equal(p->units[0].pub.program_bytes, 6);
  runs r = {0};
  assert_int_equal(swdf__plan_program_runs(p, 0, collect, &r), SWDF_OK);
  assert_int_equal(r.count, 2);
  assert_int_equal(r.addr[0], 0x08000400);
  assert_int_equal(r.len[0], 4);
  const uint8_t first[4] = {0xff, 0x11, 0x22, 0x33};
  assert_memory_equal(r.data[0], first, 4);
  assert_int_equal(r.addr[1], 0x08000410);
  assert_int_equal(r.len[1], 2);
  runs v = {0};
  assert_int_equal(swdf__plan_verify_ranges(p, 0, collect, &v), SWDF_OK);
  assert_int_equal(v.count, 2);
  assert_int_equal(v.addr[0], 0x08000400);
  assert_int_equal(v.len[0], 4);
  fixture_free(&f);
}

static void erased_image_on_blank_flash_needs_nothing(void **state) {
  (void)state;
  swdf_flash_layout layout;
  layout_for(&layout, "stm32f4-446", 512 * 1024, false);
  uint8_t ff[64];
  memset(ff, 0xff, sizeof(ff));
  const swdf_image_segment segs[] = {{0x08000000, sizeof(ff), ff}};
  swdf_image *img = image_of(segs, 1);
  swdf__plan_core p;
  assert_int_equal(swdf__plan_build(&p, ctx, &layout, img), SWDF_OK);
  const uint32_t blank[] = {NONE, NONE};
  swdf__plan_set_blank_results(&p, blank);
  swdf__plan_decide(&p, NULL, true, false);
  assert_int_equal(swdf__plan_fill(&p, ctx, 0, 0x08000000, NULL, 0), SWDF_OK);
  assert_int_equal(p.units[0].pub.action, SWDF_UNIT_UNCHANGED);
  assert_null(p.units[0].content);
  runs r = {0};
  assert_int_equal(swdf__plan_program_runs(&p, 0, collect, &r), SWDF_OK);
  assert_int_equal(r.count, 0);
  swdf__plan_free(&p);
  swdf_image_free(img);
}

static void wider_program_unit_widens_the_checks(void **state) {
  (void)state;
  const swdf_image_segment segs[] = {{0x08004001, 6, data}};
  fixture f;
  swdf__plan_core *p = plan_for(&f, "stm32f4-446", 512 * 1024, segs, 1);
  assert_int_equal(p->program_unit, 1);
  p->program_unit = 4; /* x32, as the engine sets it for a 3.3 V target */
  swdf_loader_check checks[8];
  size_t n = swdf__plan_blank_checks(p, checks);
  assert_int_equal(n, 3);
  assert_check(&checks[0], 0x08004000, 8, 0);
  assert_check(&checks[1], 0x08004000, 1, 1);
  assert_check(&checks[2], 0x08004007, 0x4000 - 7, 1);
  fixture_free(&f);
}

/* ---- erase choices ------------------------------------------------------ */

/* The F4 x32 figures of the timing model (DS8626 table 40): 16/64/128 KiB
 * sectors in 250/550/1000 ms, a mass erase in 8 s per bank; F1 pages and
 * mass erase 40 ms, half-words in 52.5 us. */
static uint64_t f4_sector_us(const void *user, uint32_t size) {
  (void)user;
  return size == 16384 ? 250000 : size == 65536 ? 550000 : 1000000;
}

static uint64_t f1_page_us(const void *user, uint32_t size) {
  (void)user;
  (void)size;
  return 40000;
}

static uint64_t f1_program_us(const void *user, uint32_t bytes) {
  (void)user;
  return (uint64_t)bytes / 2 * 525 / 10;
}

static const swdf__erase_costs f4_costs = {f4_sector_us, NULL, 8000000, NULL};
static const swdf__erase_costs f1_costs = {f1_page_us, f1_program_us, 40000, NULL};

static void f4_mass_erase_only_where_it_beats_the_sectors(void **state) {
  (void)state;
  swdf_flash_layout layout;
  /* F446: 4 x 16 + 64 + 3 x 128 KiB = 4.55 s by sectors against 8 s. */
  layout_for(&layout, "stm32f4-446", 512 * 1024, false);
  assert_int_equal(swdf__plan_units_erase_us(&layout, layout.base, layout.size, &f4_costs),
                   4550000);
  assert_false(swdf__plan_mass_erase_pays(&layout, layout.base, layout.size, 1, &f4_costs));
  assert_int_equal(swdf__plan_chip_erase_us(&layout, &f4_costs), 4550000);
  /* F407: 4 x 16 + 64 + 7 x 128 KiB = 8.55 s: the mass erase wins. */
  layout_for(&layout, "stm32f4-405", 1024 * 1024, false);
  assert_true(swdf__plan_mass_erase_pays(&layout, layout.base, layout.size, 1, &f4_costs));
  assert_int_equal(swdf__plan_chip_erase_us(&layout, &f4_costs), 8000000);
  /* F1: 64 pages of 40 ms against one 40 ms mass erase. */
  layout_for(&layout, "stm32f1-md", 64 * 1024, false);
  assert_true(swdf__plan_mass_erase_pays(&layout, layout.base, layout.size, 1, &f1_costs));
}

static void whole_flash_image_takes_one_chip_erase(void **state) {
  (void)state;
  static uint8_t image[64 * 1024];
  memset(image, 0x5a, sizeof(image));
  const swdf_image_segment whole[] = {{0x08000000, sizeof(image), image}};
  fixture f;
  swdf__plan_core *p = plan_for(&f, "stm32f1-md", 64 * 1024, whole, 1);
  assert_int_equal(p->unit_count, 64);
  uint32_t blank[128];
  for (size_t i = 0; i < 128; i++) {
    blank[i] = i % 2 == 0 ? 0x08000000u + (uint32_t)(i / 2) * 1024 : NONE;
  }
  swdf__plan_set_blank_results(p, blank);
  swdf__plan_decide(p, NULL, false, false);
  assert_true(swdf__plan_prefer_chip_erase(p, &f.layout, &f1_costs));
  swdf__plan_erase_all(p);
  assert_int_equal(p->units[63].pub.action, SWDF_UNIT_ERASE);
  /* Most units unchanged: programming them again costs more than the erases saved. */
  for (size_t u = 0; u < 60; u++) {
    p->units[u].pub.action = SWDF_UNIT_UNCHANGED;
  }
  assert_false(swdf__plan_prefer_chip_erase(p, &f.layout, &f1_costs));
  fixture_free(&f);

  /* One page short of the whole flash: the last page's bytes would be lost. */
  const swdf_image_segment most[] = {{0x08000000, sizeof(image) - 1024, image}};
  p = plan_for(&f, "stm32f1-md", 64 * 1024, most, 1);
  swdf__plan_set_blank_results(p, blank);
  swdf__plan_decide(p, NULL, false, false);
  assert_false(swdf__plan_prefer_chip_erase(p, &f.layout, &f1_costs));
  fixture_free(&f);

  /* Covering every page but not every byte, with data in a gap: kept, no chip erase. */
  const swdf_image_segment gap[] = {{0x08000000, 0x100, image},
                                    {0x08000200, sizeof(image) - 0x200, image}};
  p = plan_for(&f, "stm32f1-md", 64 * 1024, gap, 2);
  blank[1] = 0x08000180;
  swdf__plan_set_blank_results(p, blank);
  swdf__plan_decide(p, NULL, false, false);
  assert_false(swdf__plan_prefer_chip_erase(p, &f.layout, &f1_costs));
  blank[1] = NONE; /* the gap is blank: nothing to lose */
  swdf__plan_set_blank_results(p, blank);
  assert_true(swdf__plan_prefer_chip_erase(p, &f.layout, &f1_costs));
  fixture_free(&f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(f1_pages_split_image_ranges),
      cmocka_unit_test(image_outside_flash_is_refused_before_anything),
      cmocka_unit_test(f4_sectors_of_a_256k_image),
      cmocka_unit_test(f42x_image_across_the_bank_boundary),
      cmocka_unit_test(blank_checks_widen_image_and_cover_the_rest),
      cmocka_unit_test(crc_checks_only_where_the_image_part_is_not_blank),
      cmocka_unit_test(decisions_follow_the_checks),
      cmocka_unit_test(erased_unit_keeps_old_bytes_and_skips_erased_runs),
      cmocka_unit_test(blank_unit_programs_only_the_image),
      cmocka_unit_test(erased_image_on_blank_flash_needs_nothing),
      cmocka_unit_test(wider_program_unit_widens_the_checks),
      cmocka_unit_test(f4_mass_erase_only_where_it_beats_the_sectors),
      cmocka_unit_test(whole_flash_image_takes_one_chip_erase),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
