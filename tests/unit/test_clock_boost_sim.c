/*
 * The clock boost of a flash job on a simulated chip (F1, F4 or G0, by the
 * chip swdsim runs): from the reset clocks the family's boost runs the core
 * from the PLL with the flash wait states the new clock needs, and unboost
 * puts every register back; a setup the firmware changed is left alone; a
 * flash session raises the clock and restores it when the job fails.
 * swdsim computes the core clock from the RCC registers, so the PLL
 * settings checked here are the ones the simulated core runs at.
 *
 * Run under swdsim: `swdsim run --chip CHIP -- test_clock_boost_sim`.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "adi/target_internal.h"
#include "families/family.h"
#include "flash/flash_internal.h"
#include "internal.h"

/* Where each family keeps its clock registers, and what the boost sets
 * (RM0008 section 7.3, RM0090 section 7.3, RM0444 section 5.4). */
typedef struct clock_map {
  const char *driver;
  uint32_t rcc_cr, rcc_cfgr, rcc_pllcfgr; /* pllcfgr 0: none (F1) */
  unsigned sws_shift;                     /* SWS field: 2 bits at 2 (F1/F4), 3 at 3 (G0) */
  uint32_t acr_offset, latency_mask, latency;
  uint32_t hz;
} clock_map;

static const clock_map maps[] = {
    {"stm32f1", 0x40021000, 0x40021004, 0, 2, 0x00, 0x7, 2, 64000000},
    {"stm32f4", 0x40023800, 0x40023808, 0x40023804, 2, 0x00, 0xf, 3, 84000000},
    {"stm32g0", 0x40021000, 0x40021008, 0x4002100c, 3, 0x00, 0x7, 2, 64000000},
};

enum {
  G0_ACR_EMPTY = 1u << 16,
  G0_ACR_BIT10 = 1u << 10, /* reserved, reset value 1: swdsim drops it on a write */
  G0_PWR_CR1 = 0x40007000,
  G0_HSIDIV_2 = 1u << 11,
};

typedef struct rig {
  swdf_ctx *ctx;
  swdf_probe *probe;
  swdf_target *t;
  const swdf__family *family;
  const clock_map *map;
  uint32_t acr;
} rig;

typedef struct regs {
  uint32_t cr, cfgr, pllcfgr, acr;
} regs;

static uint32_t rd32(rig *r, uint32_t addr) {
  uint32_t v = 0;
  assert_int_equal(swdf__read32(&v, r->t, addr), SWDF_OK);
  return v;
}

static void wr32(rig *r, uint32_t addr, uint32_t v) {
  assert_int_equal(swdf__write32(r->t, addr, v), SWDF_OK);
}

static regs snapshot(rig *r) {
  return (regs){.cr = rd32(r, r->map->rcc_cr),
                .cfgr = rd32(r, r->map->rcc_cfgr),
                .pllcfgr = r->map->rcc_pllcfgr != 0 ? rd32(r, r->map->rcc_pllcfgr) : 0,
                .acr = rd32(r, r->acr)};
}

static void assert_same(const regs *a, const regs *b) {
  assert_int_equal(a->cr, b->cr);
  assert_int_equal(a->cfgr, b->cfgr);
  assert_int_equal(a->pllcfgr, b->pllcfgr);
  assert_int_equal(a->acr, b->acr);
}

static unsigned sws(rig *r, uint32_t cfgr) {
  unsigned width = r->map->sws_shift;
  return (cfgr >> width) & ((1u << width) - 1u);
}

static bool is_g0(rig *r) { return strcmp(r->map->driver, "stm32g0") == 0; }

/* Boost, check the PLL runs the core with enough wait states, unboost. */
static void boost_and_restore(rig *r, const regs *before) {
  swdf__clock_saved saved;
  uint32_t hz = 1;
  assert_int_equal(r->family->boost(r->t, &saved, &hz), SWDF_OK);
  assert_true(saved.boosted);
  assert_int_equal(hz, r->map->hz);
  regs during = snapshot(r);
  assert_int_equal(sws(r, during.cfgr), 2); /* SYSCLK from the PLL */
  assert_int_equal(during.acr & r->map->latency_mask, r->map->latency);
  if (is_g0(r)) {
    /* PLLRCLK = HSI16 / M x N / R = 64 MHz (RM0444 section 5.2.4) */
    uint32_t m = ((during.pllcfgr >> 4) & 7) + 1, n = (during.pllcfgr >> 8) & 0x7f;
    uint32_t rdiv = ((during.pllcfgr >> 29) & 7) + 1;
    assert_int_equal(during.pllcfgr & 3, 2); /* HSI16 */
    assert_true(during.pllcfgr & (1u << 28)); /* PLLREN */
    assert_int_equal(16000000u / m * n / rdiv, 64000000u);
    assert_true(16000000u / m * n <= 344000000u);
    /* A change of FLASH_ACR.EMPTY meanwhile (after_write) survives unboost. */
    wr32(r, r->acr, during.acr ^ G0_ACR_EMPTY);
  }
  assert_int_equal(r->family->unboost(r->t, &saved), SWDF_OK);
  regs after = snapshot(r);
  if (is_g0(r)) {
    assert_int_equal(after.acr & G0_ACR_EMPTY, (before->acr ^ G0_ACR_EMPTY) & G0_ACR_EMPTY);
    wr32(r, r->acr, after.acr ^ G0_ACR_EMPTY);
    after.acr = rd32(r, r->acr) | (before->acr & G0_ACR_BIT10);
  }
  assert_same(&after, before);
}

static void from_the_reset_clocks_to_the_pll_and_back(void **state) {
  rig *r = *state;
  regs before = snapshot(r);
  assert_int_equal(sws(r, before.cfgr), 0);
  boost_and_restore(r, &before);
  boost_and_restore(r, &before); /* twice: nothing left over from the first */
}

static void unboost_without_boost_changes_nothing(void **state) {
  rig *r = *state;
  regs before = snapshot(r);
  swdf__clock_saved saved = {0};
  assert_int_equal(r->family->unboost(r->t, &saved), SWDF_OK);
  regs after = snapshot(r);
  assert_same(&after, &before);
}

/* A clock setup the firmware made is not the reset one: left alone. */
static void a_firmware_clock_setup_is_left_alone(void **state) {
  rig *r = *state;
  regs reset = snapshot(r);
  /* SYSCLK from the PLL already (the boost's own switch), then as found. */
  swdf__clock_saved first;
  uint32_t hz = 1;
  assert_int_equal(r->family->boost(r->t, &first, &hz), SWDF_OK);
  regs firmware = snapshot(r);
  swdf__clock_saved second;
  hz = 1;
  assert_int_equal(r->family->boost(r->t, &second, &hz), SWDF_OK);
  assert_false(second.boosted);
  assert_int_equal(hz, 1);
  regs after = snapshot(r);
  assert_same(&after, &firmware);
  assert_int_equal(r->family->unboost(r->t, &second), SWDF_OK);
  after = snapshot(r);
  assert_same(&after, &firmware);
  assert_int_equal(r->family->unboost(r->t, &first), SWDF_OK);
  after = snapshot(r);
  assert_same(&after, &reset);
}

/* G0: HSISYS divided (HSIDIV), or voltage range 2 (16 MHz at most,
 * RM0444 section 4.1.4): no boost. */
static void g0_divided_hsi_or_range_2_is_left_alone(void **state) {
  rig *r = *state;
  if (!is_g0(r)) {
    skip();
  }
  regs reset = snapshot(r);
  uint32_t pwr = rd32(r, G0_PWR_CR1);
  assert_int_equal(pwr & (3u << 9), 1u << 9); /* range 1 after reset */
  swdf__clock_saved saved;
  uint32_t hz = 1;
  wr32(r, r->map->rcc_cr, reset.cr | G0_HSIDIV_2);
  regs divided = snapshot(r);
  assert_int_equal(r->family->boost(r->t, &saved, &hz), SWDF_OK);
  assert_false(saved.boosted);
  regs after = snapshot(r);
  assert_same(&after, &divided);
  wr32(r, r->map->rcc_cr, reset.cr);

  wr32(r, G0_PWR_CR1, (pwr & ~(3u << 9)) | (2u << 9));
  assert_int_equal(r->family->boost(r->t, &saved, &hz), SWDF_OK);
  assert_false(saved.boosted);
  assert_int_equal(hz, 1);
  after = snapshot(r);
  assert_same(&after, &reset);
  wr32(r, G0_PWR_CR1, pwr);
  for (int i = 0; i < 100 && (rd32(r, G0_PWR_CR1 + 0x14) & (1u << 10)) != 0; i++) {
    swdf__sleep_us(100); /* VOSF: the regulator back in range 1 */
  }
}

/* A flash session raises the clock; closing it after a failed job puts
 * the clocks back as they were. */
static void a_failed_session_restores_the_clocks(void **state) {
  rig *r = *state;
  regs before = snapshot(r);
  swdf__flash_session *s = NULL;
  assert_int_equal(swdf__session_open(&s, r->t, SWDF_FLASH_LOADER), SWDF_OK);
  assert_true(s->clock_saved.boosted);
  assert_int_equal(s->cpu_hz, r->map->hz);
  assert_int_equal(sws(r, rd32(r, r->map->rcc_cfgr)), 2);
  swdf__fail(r->ctx, SWDF_ERR_FLASH, NULL, "a job that failed");
  assert_int_equal(swdf__session_close(s, true, false), SWDF_ERR_FLASH);
  regs after = snapshot(r);
  assert_same(&after, &before);
}

static int setup(void **state) {
  static rig r;
  memset(&r, 0, sizeof(r));
  assert_int_equal(swdf_ctx_new(&r.ctx, NULL), SWDF_OK);
  assert_int_equal(swdf_probe_open(&r.probe, r.ctx, NULL), SWDF_OK);
  assert_int_equal(swdf_target_connect(&r.t, r.probe, NULL), SWDF_OK);
  assert_int_equal(swdf__core_halt(r.t), SWDF_OK);
  const swdf_chip *chip = swdf__target_chip(r.t);
  r.family = swdf__family_by_driver(chip->driver);
  assert_non_null(r.family);
  assert_non_null(r.family->boost);
  assert_non_null(r.family->unboost);
  for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
    if (strcmp(maps[i].driver, chip->driver) == 0) {
      r.map = &maps[i];
    }
  }
  assert_non_null(r.map);
  r.acr = chip->flash_regs + r.map->acr_offset;
  *state = &r;
  return 0;
}

static int teardown(void **state) {
  rig *r = *state;
  if (r == NULL) {
    return 0;
  }
  swdf_target_disconnect(r->t);
  swdf_probe_close(r->probe);
  swdf_ctx_free(r->ctx);
  return 0;
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(from_the_reset_clocks_to_the_pll_and_back),
      cmocka_unit_test(unboost_without_boost_changes_nothing),
      cmocka_unit_test(a_firmware_clock_setup_is_left_alone),
      cmocka_unit_test(g0_divided_hsi_or_range_2_is_left_alone),
      cmocka_unit_test(a_failed_session_restores_the_clocks),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
