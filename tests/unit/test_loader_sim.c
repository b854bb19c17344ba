/*
 * The generic flash loader (ABI 4) on a simulated core: the blob the
 * library picks for the chip's family core (ARMv6-M on a G0, ARMv7-M on an
 * F1/F4) runs from SRAM and does what its control block says. A fake
 * register block in SRAM stands in for the flash controller, so that every
 * generic field shows in memory afterwards: the error clear through CCR,
 * the AR write and start bit of an erase, the IWDG key register, a program
 * unit of 32 bytes stored 4 bytes at a time, a partial last unit allowed
 * only with a force bit, an error bit stopping the job at the failing
 * unit, a slot whose data do not match the CRC in its trailer refused
 * before anything is stored. CRC and blank checks run over SRAM and flash and are compared with
 * the host's.
 *
 * Run under swdsim: `swdsim run --chip CHIP -- test_loader_sim`.
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
#include "flash/loaders/loader_abi.h"
#include "flash/loaders/loader_crc.h"

enum {
  SLOT_SIZE = 1024,
  SLOT_COUNT = 2,
  STRIDE = SLOT_SIZE + SWDF_LOADER_TRAILER_SIZE,
  RESULTS = 16,
  /* The fake controller's registers, offsets in its block. */
  FAKE_CR = 0x0c,
  FAKE_SR = 0x10,
  FAKE_AR = 0x14,
  FAKE_CCR = 0x18,
  FAKE_BUSY = 1u << 0,
  FAKE_ERROR = 1u << 2,
  FAKE_CLEAR = 0x55u,
  FAKE_START = 1u << 7,
  FAKE_FORCE = 1u << 6,
  FAKE_PG = 1u << 0,
};

typedef struct rig {
  swdf_ctx *ctx;
  swdf_probe *probe;
  swdf_target *t;
  const swdf_chip *chip;
  const swdf__loader_blob *blob;
  uint32_t ctl, results, tables, stack_top, slots, fake, iwdg, data, dst;
  uint32_t seq;
  uint32_t crc_tables[4][256];
} rig;

static uint32_t align8(uint32_t v) { return (v + 7u) & ~7u; }

static uint32_t rd32(rig *r, uint32_t addr) {
  uint32_t v = 0;
  assert_int_equal(swdf__read32(&v, r->t, addr), SWDF_OK);
  return v;
}

static void wr32(rig *r, uint32_t addr, uint32_t v) {
  assert_int_equal(swdf__write32(r->t, addr, v), SWDF_OK);
}

static uint32_t state_word(rig *r, unsigned index) {
  return rd32(r, r->ctl + SWDF_LOADER_STATUS_OFFSET + 4u * index);
}

/* Queue one slot (with `data_crc` in its trailer) and wait until the
 * loader finished it (or stopped). */
static void run_slot_crc(rig *r, uint32_t op, uint32_t arg0, uint32_t arg1, const void *data,
                         uint32_t len, uint32_t data_crc) {
  uint8_t slot[STRIDE];
  memset(slot, 0xff, sizeof(slot));
  if (len > 0) {
    memcpy(slot, data, len);
  }
  r->seq++;
  swdf_loader_trailer tr = {.op = op, .arg0 = arg0, .arg1 = arg1, .data_crc = data_crc,
                            .seq = r->seq};
  memcpy(slot + SLOT_SIZE, &tr, sizeof(tr));
  uint32_t at = r->slots + ((r->seq - 1) % SLOT_COUNT) * STRIDE;
  assert_int_equal(swdf__mem_write(r->t, at, slot, sizeof(slot)), SWDF_OK);
  for (int i = 0; i < 1000; i++) {
    uint32_t state = state_word(r, 0);
    if (state != SWDF_LOADER_RUNNING || state_word(r, 1) == r->seq) {
      return;
    }
    swdf__sleep_us(1000);
  }
  fail_msg("the loader did not finish slot %u", (unsigned)r->seq);
}

static void run_slot(rig *r, uint32_t op, uint32_t arg0, uint32_t arg1, const void *data,
                     uint32_t len) {
  run_slot_crc(r, op, arg0, arg1, data, len, 0);
}

static void start(rig *r) {
  const swdf_chip *chip = r->chip;
  uint32_t at = chip->ram_base;
  r->ctl = align8(at + r->blob->size);
  r->results = align8(r->ctl + sizeof(swdf_loader_ctl));
  r->tables = r->results + RESULTS * 4;
  r->stack_top = align8(r->tables + SWDF_LOADER_CRC_TABLES_SIZE + 256);
  r->slots = r->stack_top;
  r->fake = r->slots + SLOT_COUNT * STRIDE;
  r->iwdg = r->fake + 0x40;
  r->data = r->iwdg + 0x10;
  r->dst = (r->data + 0x400 + 31u) & ~31u; /* unit-aligned */
  assert_true(r->dst + 0x100 <= chip->ram_base + chip->ram_size);
  swdf_loader_ctl ctl = {
      .magic = SWDF_LOADER_MAGIC,
      .abi_version = SWDF_LOADER_ABI_VERSION,
      .slot_base = r->slots,
      .slot_size = SLOT_SIZE,
      .slot_count = SLOT_COUNT,
      .results = r->results,
      .result_count = RESULTS,
      .crc_tables = r->tables,
      .regs = {r->fake, r->fake},
      .cr_program = FAKE_PG,
      .unit = 32,
      .sr_off = FAKE_SR,
      .cr_off = FAKE_CR,
      .ar_off = FAKE_AR,
      .ccr_off = FAKE_CCR,
      .sr_busy = FAKE_BUSY,
      .sr_wait = FAKE_BUSY,
      .sr_errors = FAKE_ERROR,
      .sr_clear = FAKE_CLEAR,
      .cr_start = FAKE_START,
      .cr_force = FAKE_FORCE,
      .access = 4,
      .iwdg_kr = r->iwdg,
      .state = SWDF_LOADER_STARTING,
  };
  assert_int_equal(swdf__core_halt(r->t), SWDF_OK);
  uint8_t zero[0x40] = {0};
  assert_int_equal(swdf__mem_write(r->t, r->fake, zero, sizeof(zero)), SWDF_OK);
  wr32(r, r->iwdg, 0);
  assert_int_equal(swdf__mem_write(r->t, at, r->blob->code, r->blob->size), SWDF_OK);
  assert_int_equal(swdf__mem_write(r->t, r->ctl, &ctl, sizeof(ctl)), SWDF_OK);
  swdf_loader_header header;
  memcpy(&header, r->blob->code, sizeof(header));
  assert_int_equal(header.abi_version, SWDF_LOADER_ABI_VERSION);
  swdf_core_call call = {.entry = at + header.entry,
                         .sp = r->stack_top,
                         .args = {r->ctl},
                         .arg_count = 1,
                         .mask_interrupts = true};
  assert_int_equal(swdf__core_start(r->t, &call), SWDF_OK);
  for (int i = 0; i < 1000 && state_word(r, 0) == SWDF_LOADER_STARTING; i++) {
    swdf__sleep_us(1000);
  }
  assert_int_equal(state_word(r, 0), SWDF_LOADER_RUNNING);
}

static int setup(void **state) {
  static rig r;
  memset(&r, 0, sizeof(r));
  assert_int_equal(swdf_ctx_new(&r.ctx, NULL), SWDF_OK);
  assert_int_equal(swdf_probe_open(&r.probe, r.ctx, NULL), SWDF_OK);
  assert_int_equal(swdf_target_connect(&r.t, r.probe, NULL), SWDF_OK);
  r.chip = swdf__target_chip(r.t);
  /* The loader for the chip's core (the family, where one is registered,
   * must name the same: see the_family_core_picks_the_blob). */
  bool m0 = strstr(r.chip->core, "M0") != NULL;
  r.blob = swdf__loader_for_core(m0 ? SWDF__CORE_V6M : SWDF__CORE_V7M);
  swdf_crc32_tables_init(r.crc_tables);
  start(&r);
  *state = &r;
  return 0;
}

static int teardown(void **state) {
  rig *r = *state;
  (void)swdf__core_halt(r->t);
  if (r == NULL) {
    return 0;
  }
  swdf_target_disconnect(r->t);
  swdf_probe_close(r->probe);
  swdf_ctx_free(r->ctx);
  return 0;
}

static void the_family_core_picks_the_blob(void **state) {
  rig *r = *state;
  bool m0 = strstr(r->chip->core, "M0") != NULL;
  assert_string_equal(r->blob->name, m0 ? "v6m" : "v7m");
  const swdf__family *family = swdf__family_by_driver(r->chip->driver);
  if (family != NULL) {
    assert_int_equal(family->core, m0 ? SWDF__CORE_V6M : SWDF__CORE_V7M);
  }
}

static void crc_and_blank_checks_match_the_host(void **state) {
  rig *r = *state;
  uint8_t pattern[512];
  for (size_t i = 0; i < sizeof(pattern); i++) {
    pattern[i] = (uint8_t)(i * 7u + 3u);
  }
  assert_int_equal(swdf__mem_write(r->t, r->data, pattern, sizeof(pattern)), SWDF_OK);
  uint8_t flash[4096];
  uint32_t fbase = r->chip->flash_base;
  assert_int_equal(swdf__mem_read(flash, r->t, fbase, sizeof(flash)), SWDF_OK);
  /* Result 0: the pattern from an odd address; result 1: flash, as one
   * stream of two entries. */
  swdf_loader_check checks[3] = {
      {r->data + 1, 500, 0}, {fbase, 1000, 1}, {fbase + 1000, sizeof(flash) - 1000, 1}};
  run_slot(r, SWDF_LOADER_OP(SWDF_LOADER_OP_CRC, 0), 3, 0, checks, sizeof(checks));
  assert_int_equal(state_word(r, 0), SWDF_LOADER_RUNNING);
  assert_int_equal(rd32(r, r->results),
                   ~swdf_crc32_run(r->crc_tables, 0xffffffffu, pattern + 1, 500));
  assert_int_equal(rd32(r, r->results + 4),
                   ~swdf_crc32_run(r->crc_tables, 0xffffffffu, flash, sizeof(flash)));
  /* Blank: 0xFF everywhere but one byte. */
  uint8_t blank[256];
  memset(blank, 0xff, sizeof(blank));
  blank[200] = 0x7f;
  assert_int_equal(swdf__mem_write(r->t, r->data, blank, sizeof(blank)), SWDF_OK);
  swdf_loader_check b[2] = {{r->data, 200, 2}, {r->data, 256, 3}};
  run_slot(r, SWDF_LOADER_OP(SWDF_LOADER_OP_BLANK, 0), 2, 0, b, sizeof(b));
  assert_int_equal(rd32(r, r->results + 8), 0xffffffffu);
  assert_int_equal(rd32(r, r->results + 12), r->data + 200);
}

static void erase_uses_ccr_ar_start_and_the_watchdog_key(void **state) {
  rig *r = *state;
  wr32(r, r->iwdg, 0);
  run_slot(r, SWDF_LOADER_OP(SWDF_LOADER_OP_ERASE, 0), 0x1230, 0x0800c000, NULL, 0);
  assert_int_equal(state_word(r, 0), SWDF_LOADER_RUNNING);
  assert_int_equal(rd32(r, r->fake + FAKE_CCR), FAKE_CLEAR); /* not SR: the CCR */
  assert_int_equal(rd32(r, r->fake + FAKE_SR), 0);
  assert_int_equal(rd32(r, r->fake + FAKE_AR), 0x0800c000);
  assert_int_equal(rd32(r, r->fake + FAKE_CR), 0); /* cleared after the operation */
  assert_int_equal(rd32(r, r->iwdg), 0xaaaa);
}

static void program_stores_whole_units_and_a_forced_tail(void **state) {
  rig *r = *state;
  uint8_t before[0x60], data[40];
  memset(before, 0x11, sizeof(before));
  for (size_t i = 0; i < sizeof(data); i++) {
    data[i] = (uint8_t)(0xa0 + i);
  }
  assert_int_equal(swdf__mem_write(r->t, r->dst, before, sizeof(before)), SWDF_OK);
  /* One 32-byte unit and an 8-byte tail written out with the force bit. */
  run_slot(r, SWDF_LOADER_OP(SWDF_LOADER_OP_PROGRAM, 0), r->dst, sizeof(data), data,
           sizeof(data));
  assert_int_equal(state_word(r, 0), SWDF_LOADER_RUNNING);
  uint8_t after[0x60];
  assert_int_equal(swdf__mem_read(after, r->t, r->dst, sizeof(after)), SWDF_OK);
  assert_memory_equal(after, data, sizeof(data));
  assert_memory_equal(after + sizeof(data), before + sizeof(data), sizeof(after) - sizeof(data));
  assert_int_equal(rd32(r, r->fake + FAKE_CR), 0);
}

static void an_error_bit_stops_at_the_failing_unit(void **state) {
  rig *r = *state;
  uint8_t data[64];
  memset(data, 0x5a, sizeof(data));
  wr32(r, r->fake + FAKE_SR, FAKE_ERROR);
  run_slot(r, SWDF_LOADER_OP(SWDF_LOADER_OP_PROGRAM, 0), r->dst, sizeof(data), data,
           sizeof(data));
  assert_int_equal(state_word(r, 0), SWDF_LOADER_FAILED);
  assert_int_equal(state_word(r, 2), SWDF_LOADER_FAIL_FLASH);
  assert_int_equal(state_word(r, 3), r->seq);
  assert_int_equal(state_word(r, 4), r->dst); /* the first unit failed */
  assert_int_equal(state_word(r, 5) & FAKE_ERROR, FAKE_ERROR);
  /* The next job starts a fresh loader. */
  teardown(state);
  setup(state);
}

/* SWDF_LOADER_OP_DATA_CRC: data matching the trailer's CRC are programmed;
 * data that do not (damaged on the wire) are not, not even in part. */
static void a_data_crc_guards_programming(void **state) {
  rig *r = *state;
  uint8_t before[0x60], data[64];
  memset(before, 0x22, sizeof(before));
  for (size_t i = 0; i < sizeof(data); i++) {
    data[i] = (uint8_t)(0x30 + 3 * i);
  }
  uint32_t crc = ~swdf_crc32_run(r->crc_tables, 0xffffffffu, data, sizeof(data));
  uint32_t op = SWDF_LOADER_OP(SWDF_LOADER_OP_PROGRAM, 0) | SWDF_LOADER_OP_DATA_CRC;
  assert_int_equal(swdf__mem_write(r->t, r->dst, before, sizeof(before)), SWDF_OK);
  run_slot_crc(r, op, r->dst, sizeof(data), data, sizeof(data), crc);
  assert_int_equal(state_word(r, 0), SWDF_LOADER_RUNNING);
  uint8_t after[0x60];
  assert_int_equal(swdf__mem_read(after, r->t, r->dst, sizeof(after)), SWDF_OK);
  assert_memory_equal(after, data, sizeof(data));

  /* One bit off in the last byte: refused before the first store. */
  assert_int_equal(swdf__mem_write(r->t, r->dst, before, sizeof(before)), SWDF_OK);
  data[sizeof(data) - 1] ^= 0x10;
  run_slot_crc(r, op, r->dst, sizeof(data), data, sizeof(data), crc);
  assert_int_equal(state_word(r, 0), SWDF_LOADER_FAILED);
  assert_int_equal(state_word(r, 2), SWDF_LOADER_FAIL_DATA);
  assert_int_equal(state_word(r, 3), r->seq);
  assert_int_equal(state_word(r, 4), r->dst);
  assert_int_equal(state_word(r, 1), r->seq - 1); /* not done */
  assert_int_equal(swdf__mem_read(after, r->t, r->dst, sizeof(after)), SWDF_OK);
  assert_memory_equal(after, before, sizeof(before));
  assert_int_equal(rd32(r, r->fake + FAKE_CR), 0); /* PG never set */
  teardown(state);
  setup(state);
}

static void a_partial_unit_without_force_bit_is_refused(void **state) {
  rig *r = *state;
  /* Restart with cr_force = 0. */
  assert_int_equal(swdf__core_halt(r->t), SWDF_OK);
  wr32(r, r->ctl + offsetof(swdf_loader_ctl, cr_force), 0);
  wr32(r, r->ctl + offsetof(swdf_loader_ctl, state), SWDF_LOADER_STARTING);
  r->seq = 0;
  swdf_loader_header header;
  memcpy(&header, r->blob->code, sizeof(header));
  swdf_core_call call = {.entry = r->chip->ram_base + header.entry,
                         .sp = r->stack_top,
                         .args = {r->ctl},
                         .arg_count = 1,
                         .mask_interrupts = true};
  assert_int_equal(swdf__core_start(r->t, &call), SWDF_OK);
  for (int i = 0; i < 1000 && state_word(r, 0) == SWDF_LOADER_STARTING; i++) {
    swdf__sleep_us(1000);
  }
  uint8_t data[40] = {0};
  run_slot(r, SWDF_LOADER_OP(SWDF_LOADER_OP_PROGRAM, 0), r->dst, sizeof(data), data,
           sizeof(data));
  assert_int_equal(state_word(r, 0), SWDF_LOADER_FAILED);
  assert_int_equal(state_word(r, 2), SWDF_LOADER_FAIL_BAD_ARG);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(the_family_core_picks_the_blob),
      cmocka_unit_test(crc_and_blank_checks_match_the_host),
      cmocka_unit_test(erase_uses_ccr_ar_start_and_the_watchdog_key),
      cmocka_unit_test(program_stores_whole_units_and_a_forced_tail),
      cmocka_unit_test(an_error_bit_stops_at_the_failing_unit),
      cmocka_unit_test(a_data_crc_guards_programming),
      cmocka_unit_test(a_partial_unit_without_force_bit_is_refused),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
