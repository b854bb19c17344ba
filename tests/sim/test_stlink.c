/* The ST-Link firmware emulation against the fake target. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fake_target.h"
#include "probe.h"

typedef struct fixture {
  sim_clock clock;
  sim_target *target;
  sim_stlink *probe;
  uint8_t reply[8192];
  size_t reply_len;
} fixture;

static fixture *setup_kind(const char *kind, sim_probe_mode mode)
{
  fixture *f = test_calloc(1, sizeof *f);
  char err[128];
  sim_target_options opts = {.chip = "fake"};
  f->target = sim_target_new(&f->clock, &opts, err, sizeof err);
  assert_non_null(f->target);
  f->probe = sim_stlink_new(sim_probe_kind_find(kind), f->target, &f->clock, mode);
  assert_non_null(f->probe);
  return f;
}

static int setup_v2(void **state)
{
  *state = setup_kind("v2", SIM_MODE_MASS_STORAGE);
  return 0;
}

static int teardown(void **state)
{
  fixture *f = *state;
  sim_stlink_free(f->probe);
  sim_target_free(f->target);
  test_free(f);
  return 0;
}

/* Send a command block (zero padded) and collect whatever reply it has. */
static size_t run(fixture *f, const uint8_t *cmd, size_t len)
{
  uint8_t block[16] = {0};
  memcpy(block, cmd, len);
  sim_stlink_receive(f->probe, block, sizeof block);
  bool overflow;
  f->reply_len = sim_stlink_take_reply(f->probe, f->reply, sizeof f->reply, &overflow);
  assert_false(overflow);
  return f->reply_len;
}

#define RUN(f, ...)                                                                                \
  run((f), (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__}))

static uint32_t le32(const uint8_t *p)
{
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void enter_swd(fixture *f)
{
  assert_int_equal(RUN(f, 0xF2, 0x30, 0xA3), 2);
  assert_int_equal(f->reply[0], 0x80);
  assert_int_equal(f->reply[1], 0x00);
}

static void mem_cmd(uint8_t *cmd, uint8_t sub, uint32_t addr, uint16_t len)
{
  memset(cmd, 0, 16);
  cmd[0] = 0xF2;
  cmd[1] = sub;
  cmd[2] = (uint8_t)addr;
  cmd[3] = (uint8_t)(addr >> 8);
  cmd[4] = (uint8_t)(addr >> 16);
  cmd[5] = (uint8_t)(addr >> 24);
  cmd[6] = (uint8_t)len;
  cmd[7] = (uint8_t)(len >> 8);
}

static void write_mem(fixture *f, uint8_t sub, uint32_t addr, const uint8_t *data, uint16_t len)
{
  uint8_t cmd[16];
  mem_cmd(cmd, sub, addr, len);
  sim_stlink_receive(f->probe, cmd, 16);
  sim_stlink_receive(f->probe, data, len);
  assert_int_equal(sim_stlink_reply_pending(f->probe), 0);
}

static size_t read_mem(fixture *f, uint8_t sub, uint32_t addr, uint16_t len)
{
  uint8_t cmd[16];
  mem_cmd(cmd, sub, addr, len);
  return run(f, cmd, 16);
}

static void last_status2(fixture *f, uint8_t *status, uint32_t *addr)
{
  assert_int_equal(RUN(f, 0xF2, 0x3E), 12);
  *status = f->reply[0];
  *addr = le32(f->reply + 4);
}

/* ---------------------------------------------------------------------- */

static void version_v2(void **state)
{
  fixture *f = *state;
  assert_int_equal(RUN(f, 0xF1), 6);
  /* V2J37S7: 2 << 12 | 37 << 6 | 7, big-endian; VID and PID little-endian. */
  const uint8_t want[6] = {0x29, 0x47, 0x83, 0x04, 0x48, 0x37};
  assert_memory_equal(f->reply, want, 6);
  /* A V2 does not know GET_VERSION_APIV3: no answer at all. */
  assert_int_equal(RUN(f, 0xFB), 0);
}

static void version_v3(void **state)
{
  (void)state;
  fixture *f = setup_kind("v3", SIM_MODE_MASS_STORAGE);
  assert_int_equal(RUN(f, 0xF1), 6);
  assert_int_equal(f->reply[0], 0x30); /* V3 with X = Y = 0 */
  assert_int_equal(f->reply[1], 0x00);
  assert_int_equal(f->reply[4] | f->reply[5] << 8, 0x374F);
  assert_int_equal(RUN(f, 0xFB), 12);
  assert_int_equal(f->reply[0], 3);
  assert_int_equal(f->reply[2], 7); /* J7 */
  assert_int_equal(f->reply[3], 3); /* M3 */
  assert_int_equal(f->reply[10] | f->reply[11] << 8, 0x374F);
  void *s = f;
  teardown(&s);
}

static void version_v21_reports_msd(void **state)
{
  (void)state;
  fixture *f = setup_kind("v2-1", SIM_MODE_MASS_STORAGE);
  RUN(f, 0xF1);
  unsigned word = (unsigned)f->reply[0] << 8 | f->reply[1];
  assert_int_equal(word >> 12, 2);
  assert_int_equal(word >> 6 & 0x3F, 37);
  assert_int_equal(word & 0x3F, 26);
  void *s = f;
  teardown(&s);
}

static void modes_and_dfu_exit(void **state)
{
  (void)state;
  fixture *f = setup_kind("v2", SIM_MODE_DFU);
  RUN(f, 0xF5);
  assert_int_equal(f->reply[0], 0x00);
  /* No target voltage in DFU mode. */
  RUN(f, 0xF7);
  assert_int_equal(le32(f->reply), 0);
  assert_int_equal(RUN(f, 0xF3, 0x07), 0);
  RUN(f, 0xF5);
  assert_int_equal(f->reply[0], 0x01);
  enter_swd(f);
  RUN(f, 0xF5);
  assert_int_equal(f->reply[0], 0x02);
  assert_int_equal(RUN(f, 0xF2, 0x21), 0);
  RUN(f, 0xF5);
  assert_int_equal(f->reply[0], 0x01);
  void *s = f;
  teardown(&s);
}

static void target_voltage(void **state)
{
  fixture *f = *state;
  assert_int_equal(RUN(f, 0xF7), 8);
  uint32_t a0 = le32(f->reply), a1 = le32(f->reply + 4);
  assert_int_equal(2400 * a1 / a0, 3300);
}

static void enter_and_idcode(void **state)
{
  fixture *f = *state;
  enter_swd(f);
  assert_int_equal(fake_target_log(f->target)->line_resets, 1);
  assert_int_equal(RUN(f, 0xF2, 0x31), 12);
  assert_int_equal(f->reply[0], 0x80);
  assert_int_equal(le32(f->reply + 4), FAKE_DPIDR);
}

static void enter_without_target(void **state)
{
  fixture *f = *state;
  fake_target_unplug(f->target, true);
  RUN(f, 0xF2, 0x30, 0xA3);
  assert_int_equal(f->reply[0], 0x09);
  RUN(f, 0xF5);
  assert_int_equal(f->reply[0], 0x01); /* still not in debug mode */
}

static void memory_round_trip_and_costs(void **state)
{
  fixture *f = *state;
  enter_swd(f);
  uint8_t data[2048];
  for (size_t i = 0; i < sizeof data; i++)
    data[i] = (uint8_t)(i * 7 + 3);
  write_mem(f, 0x08, FAKE_SRAM_BASE, data, sizeof data);
  uint8_t st;
  uint32_t addr;
  last_status2(f, &st, &addr);
  assert_int_equal(st, 0x80);
  assert_memory_equal(fake_target_memory(f->target, FAKE_SRAM_BASE), data, sizeof data);

  assert_int_equal(read_mem(f, 0x07, FAKE_SRAM_BASE, 2048), 2048);
  assert_memory_equal(f->reply, data, sizeof data);

  /* Again, with SELECT and CSW already set: 2 TAR writes (start, 1 KiB),
   * 512 DRW reads, 1 RDBUFF read, each 48 cycles at 1.8 MHz. */
  uint64_t before = f->clock.report.swd_transactions;
  sim_ns t0 = f->clock.now;
  read_mem(f, 0x07, FAKE_SRAM_BASE, 2048);
  assert_int_equal(f->clock.report.swd_transactions - before, 515);
  sim_ns want = 20000 + (sim_ns)515 * 48 * 1000000 / 1800;
  assert_in_range(f->clock.now - t0, want - 1, want + 1);
}

static void byte_and_halfword_access(void **state)
{
  fixture *f = *state;
  enter_swd(f);
  const uint8_t bytes[5] = {0x11, 0x22, 0x33, 0x44, 0x55};
  write_mem(f, 0x0D, FAKE_SRAM_BASE + 1, bytes, 5);
  assert_memory_equal(fake_target_memory(f->target, FAKE_SRAM_BASE + 1), bytes, 5);
  assert_int_equal(read_mem(f, 0x0C, FAKE_SRAM_BASE + 2, 3), 3);
  assert_memory_equal(f->reply, bytes + 1, 3);
  /* One byte read answers two bytes. */
  assert_int_equal(read_mem(f, 0x0C, FAKE_SRAM_BASE + 3, 1), 2);
  assert_int_equal(f->reply[0], 0x33);
  const uint8_t halves[4] = {0xAA, 0xBB, 0xCC, 0xDD};
  write_mem(f, 0x48, FAKE_SRAM_BASE + 0x102, halves, 4);
  assert_int_equal(read_mem(f, 0x47, FAKE_SRAM_BASE + 0x102, 4), 4);
  assert_memory_equal(f->reply, halves, 4);
}

static void size_and_alignment_limits(void **state)
{
  fixture *f = *state;
  enter_swd(f);
  uint8_t st;
  uint32_t addr;
  read_mem(f, 0x07, FAKE_SRAM_BASE + 2, 8);
  last_status2(f, &st, &addr);
  assert_int_equal(st, 0x0A);
  read_mem(f, 0x0C, FAKE_SRAM_BASE, 65); /* more than one full-speed packet */
  last_status2(f, &st, &addr);
  assert_int_not_equal(st, 0x80);
  read_mem(f, 0x0C, FAKE_SRAM_BASE, 64);
  last_status2(f, &st, &addr);
  assert_int_equal(st, 0x80);
}

static void read_fault_reports_address(void **state)
{
  fixture *f = *state;
  enter_swd(f);
  fake_target_fault_range(f->target, FAKE_SRAM_BASE + 0x40, 0x10);
  read_mem(f, 0x07, FAKE_SRAM_BASE, 0x80);
  uint8_t st;
  uint32_t addr;
  last_status2(f, &st, &addr);
  assert_int_equal(st, 0x11);
  assert_int_equal(addr, FAKE_SRAM_BASE + 0x40);
  /* The firmware cleared the sticky error: the next read works. */
  fake_target_fault_range(f->target, 0, 0);
  read_mem(f, 0x07, FAKE_SRAM_BASE, 0x80);
  last_status2(f, &st, &addr);
  assert_int_equal(st, 0x80);
}

static void posted_write_fault_found_by_status(void **state)
{
  fixture *f = *state;
  enter_swd(f);
  fake_target_fault_range(f->target, FAKE_SRAM_BASE + 0x1C, 4);
  const uint8_t data[32] = {0};
  write_mem(f, 0x08, FAKE_SRAM_BASE, data, 32); /* the last word faults */
  uint8_t st;
  uint32_t addr;
  last_status2(f, &st, &addr);
  assert_int_equal(st, 0x11);
  assert_int_equal(addr, FAKE_SRAM_BASE + 0x1C);
  RUN(f, 0xF2, 0x3B); /* the status stays until the next transfer */
  assert_int_equal(f->reply[0], 0x11);
}

static void wait_answers_are_retried(void **state)
{
  fixture *f = *state;
  enter_swd(f);
  fake_target_wait(f->target, 5);
  RUN(f, 0xF2, 0x36, 0xF0, 0xED, 0x00, 0xE0);
  assert_int_equal(f->reply[0], 0x80);
  assert_int_equal(f->clock.report.swd_wait_acks, 5);
  /* A storm longer than the firmware's patience ends as a WAIT status. */
  fake_target_wait(f->target, 1000);
  RUN(f, 0xF2, 0x31);
  assert_int_equal(f->reply[0], 0x14);
}

static void core_registers(void **state)
{
  fixture *f = *state;
  enter_swd(f);
  RUN(f, 0xF2, 0x02);
  assert_int_equal(f->reply[0], 0x80);
  assert_true(fake_target_halted(f->target));
  RUN(f, 0xF2, 0x01);
  assert_int_equal(f->reply[0], 0x81);
  RUN(f, 0xF2, 0x34, 5, 0x78, 0x56, 0x34, 0x12);
  assert_int_equal(f->reply[0], 0x80);
  assert_int_equal(fake_target_core_reg(f->target, 5), 0x12345678);
  assert_int_equal(RUN(f, 0xF2, 0x33, 5), 8);
  assert_int_equal(le32(f->reply + 4), 0x12345678);
  assert_int_equal(RUN(f, 0xF2, 0x3A), 88);
  assert_int_equal(le32(f->reply + 4 + 5 * 4), 0x12345678);
  RUN(f, 0xF2, 0x09);
  RUN(f, 0xF2, 0x01);
  assert_int_equal(f->reply[0], 0x80);
  RUN(f, 0xF2, 0x32);
  assert_int_equal(fake_target_log(f->target)->aircr_writes, 1);
}

static void nrst_and_frequency(void **state)
{
  fixture *f = *state;
  RUN(f, 0xF2, 0x3C, 0);
  assert_true(fake_target_log(f->target)->nrst);
  RUN(f, 0xF2, 0x3C, 1);
  assert_false(fake_target_log(f->target)->nrst);
  assert_int_equal(sim_stlink_swd_khz(f->probe), 1800);
  RUN(f, 0xF2, 0x43, 0, 0);
  assert_int_equal(f->reply[0], 0x80);
  assert_int_equal(sim_stlink_swd_khz(f->probe), 4000);
  RUN(f, 0xF2, 0x43, 0x1E, 0x03); /* divisor 798: 5 kHz */
  assert_int_equal(sim_stlink_swd_khz(f->probe), 5);
  /* The V2 has no V3 frequency commands. */
  RUN(f, 0xF2, 0x62, 0);
  assert_int_equal(f->reply[0], 0x42);
}

static void v3_frequency_list(void **state)
{
  (void)state;
  fixture *f = setup_kind("v3", SIM_MODE_MASS_STORAGE);
  assert_int_equal(RUN(f, 0xF2, 0x62, 0), 52);
  assert_int_equal(f->reply[0], 0x80);
  assert_true(f->reply[8] >= 1 && f->reply[8] <= 10);
  assert_int_equal(le32(f->reply + 12), 24000);
  RUN(f, 0xF2, 0x61, 0, 0, 0xA0, 0x0F, 0, 0); /* 4000 kHz: the probe picks 3300 */
  assert_int_equal(f->reply[0], 0x80);
  assert_int_equal(le32(f->reply + 4), 3300);
  assert_int_equal(sim_stlink_swd_khz(f->probe), 3300);
  RUN(f, 0xF2, 0x43, 1, 0); /* SWD_SET_FREQ is V2 only */
  assert_int_equal(f->reply[0], 0x42);
  void *s = f;
  teardown(&s);
}

static void old_firmware_lacks_newer_commands(void **state)
{
  (void)state;
  fixture *f = setup_kind("clone-j29s7", SIM_MODE_MASS_STORAGE);
  enter_swd(f);
  RUN(f, 0xF2, 0x54, 0, 0, 0, 0x20, 4, 0); /* READMEM_32BIT_NO_ADDR_INC: J32 */
  assert_int_equal(f->reply_len, 2);
  assert_int_equal(f->reply[0], 0x42);
  RUN(f, 0xF2, 0x45, 0xFF, 0xFF, 0x24, 0x00); /* banked DP register: J32 */
  assert_int_not_equal(f->reply[0], 0x80);
  RUN(f, 0xF2, 0x45, 0xFF, 0xFF, 0x04, 0x00); /* plain CTRL/STAT works */
  assert_int_equal(f->reply[0], 0x80);
  RUN(f, 0xF2, 0x47, 0, 0, 0, 0x20, 4, 0); /* 16-bit: J26 */
  assert_int_equal(f->reply_len, 4);
  RUN(f, 0xF2, 0x56); /* GET_BOARD_IDENTIFIERS: J36 */
  assert_int_equal(f->reply_len, 2);
  assert_int_equal(f->reply[0], 0x42);
  void *s = f;
  teardown(&s);
}

static void access_ports_must_be_opened(void **state)
{
  fixture *f = *state;
  enter_swd(f);
  RUN(f, 0xF2, 0x45, 0x01, 0x00, 0x00, 0x00); /* AP 1 CSW, not opened */
  assert_int_equal(f->reply[0], 0x1D);
  RUN(f, 0xF2, 0x45, 0x01, 0x00, 0xFC, 0x00); /* IDR may be read anyway */
  assert_int_equal(f->reply[0], 0x80);
  RUN(f, 0xF2, 0x4B, 0x01);
  assert_int_equal(f->reply[0], 0x80);
  RUN(f, 0xF2, 0x45, 0x01, 0x00, 0x00, 0x00);
  assert_int_equal(f->reply[0], 0x80);
  RUN(f, 0xF2, 0x45, 0x00, 0x00, 0xFC, 0x00);
  assert_int_equal(le32(f->reply + 4), 0x24770011);
}

static void command_and_data_in_one_transfer(void **state)
{
  fixture *f = *state;
  enter_swd(f);
  uint8_t packet[16 + 8];
  mem_cmd(packet, 0x08, FAKE_SRAM_BASE + 0x200, 8);
  for (int i = 0; i < 8; i++)
    packet[16 + i] = (uint8_t)(0xA0 + i);
  sim_stlink_receive(f->probe, packet, sizeof packet);
  assert_memory_equal(fake_target_memory(f->target, FAKE_SRAM_BASE + 0x200), packet + 16, 8);
}

static void short_read_of_a_reply_overflows(void **state)
{
  fixture *f = *state;
  uint8_t cmd[16] = {0xF2, 0x3B};
  sim_stlink_receive(f->probe, cmd, 16);
  uint8_t one;
  bool overflow;
  assert_int_equal(sim_stlink_take_reply(f->probe, &one, 1, &overflow), 1);
  assert_true(overflow);
  assert_int_equal(sim_stlink_reply_pending(f->probe), 0);
}

static void batched_rw_misc(void **state)
{
  fixture *f = *state;
  enter_swd(f);
  uint8_t *m = fake_target_memory(f->target, FAKE_SRAM_BASE + 0x40);
  m[0] = 0x44, m[1] = 0x33, m[2] = 0x22, m[3] = 0x11;
  /* APNUM 0; READ 0x20000040; ADDRESS 0x20000080; WRITE 0xCAFEF00D */
  uint8_t cmd[16] = {0xF2, 0x51, 4};
  uint8_t data[4 + 16] = {5, 3, 1, 2};
  const uint32_t operands[4] = {0, FAKE_SRAM_BASE + 0x40, FAKE_SRAM_BASE + 0x80, 0xCAFEF00D};
  for (int i = 0; i < 4; i++)
    for (int b = 0; b < 4; b++)
      data[4 + 4 * i + b] = (uint8_t)(operands[i] >> (8 * b));
  sim_stlink_receive(f->probe, cmd, 16);
  sim_stlink_receive(f->probe, data, sizeof data);
  assert_int_equal(sim_stlink_reply_pending(f->probe), 0);
  assert_int_equal(RUN(f, 0xF2, 0x52), 32);
  assert_int_equal(le32(f->reply + 4), 0x11223344);
  for (int i = 0; i < 4; i++)
    assert_int_equal(le32(f->reply + 16 + 4 * i), 0x80);
  assert_int_equal(le32(fake_target_memory(f->target, FAKE_SRAM_BASE + 0x80)), 0xCAFEF00D);
}

static void unknown_debug_command(void **state)
{
  fixture *f = *state;
  assert_int_equal(RUN(f, 0xF2, 0x56), 36); /* known to J37: no board */
  assert_int_equal(f->reply[0], 0x80);
  f->clock.report.probe_commands = 0;
  assert_int_equal(RUN(f, 0xF2, 0x7E), 2);
  assert_int_equal(f->reply[0], 0x42);
  assert_int_equal(f->clock.report.probe_commands, 1);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(version_v2, setup_v2, teardown),
    cmocka_unit_test(version_v3),
    cmocka_unit_test(version_v21_reports_msd),
    cmocka_unit_test(modes_and_dfu_exit),
    cmocka_unit_test_setup_teardown(target_voltage, setup_v2, teardown),
    cmocka_unit_test_setup_teardown(enter_and_idcode, setup_v2, teardown),
    cmocka_unit_test_setup_teardown(enter_without_target, setup_v2, teardown),
    cmocka_unit_test_setup_teardown(memory_round_trip_and_costs, setup_v2, teardown),
    cmocka_unit_test_setup_teardown(byte_and_halfword_access, setup_v2, teardown),
    cmocka_unit_test_setup_teardown(size_and_alignment_limits, setup_v2, teardown),
    cmocka_unit_test_setup_teardown(read_fault_reports_address, setup_v2, teardown),
    cmocka_unit_test_setup_teardown(posted_write_fault_found_by_status, setup_v2, teardown),
    cmocka_unit_test_setup_teardown(wait_answers_are_retried, setup_v2, teardown),
    cmocka_unit_test_setup_teardown(core_registers, setup_v2, teardown),
    cmocka_unit_test_setup_teardown(nrst_and_frequency, setup_v2, teardown),
    cmocka_unit_test(v3_frequency_list),
    cmocka_unit_test(old_firmware_lacks_newer_commands),
    cmocka_unit_test_setup_teardown(access_ports_must_be_opened, setup_v2, teardown),
    cmocka_unit_test_setup_teardown(command_and_data_in_one_transfer, setup_v2, teardown),
    cmocka_unit_test_setup_teardown(short_read_of_a_reply_overflows, setup_v2, teardown),
    cmocka_unit_test_setup_teardown(batched_rw_misc, setup_v2, teardown),
    cmocka_unit_test_setup_teardown(unknown_debug_command, setup_v2, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
