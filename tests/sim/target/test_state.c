/* The chip state file: round trip, atomic replacement, damage detection,
 * periodic saving, the powered flag; and the `swdsim state` commands. */
#include "test_support.h"
#include "target.h"

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

static void program_halfword(tp *p, uint32_t addr, uint16_t v)
{
  tp_write32(p, 0x40022004, 0x45670123);
  tp_write32(p, 0x40022004, 0xCDEF89AB);
  tp_write32(p, 0x40022010, 1);
  assert_int_equal(tp_write(p, addr, 2, v), SIM_ACK_OK);
  while (tp_read32(p, 0x4002200C) & 1)
    ;
}

static void open_at(tp *p, const char *path, const char *chip)
{
  tp_options o = {.chip = chip, .state = path};
  tp_open(p, &o);
  assert_int_equal(tp_connect(p, NULL), SIM_ACK_OK);
  tp_halt(p);
}

static bool file_exists(const char *path)
{
  return access(path, F_OK) == 0;
}

static void test_round_trip(void **state)
{
  (void)state;
  char path[256];
  tp_temp_path(path, sizeof path, "trip");
  tp p;
  open_at(&p, path, "stm32f103c8");
  program_halfword(&p, 0x08000100, 0xA55A);
  tp_close(&p);
  sim_chip_state st;
  const sim_chip *chip;
  char err[256];
  assert_true(sim_state_load(path, &st, &chip, err, sizeof err));
  assert_string_equal(chip->name, "stm32f103c8");
  assert_int_equal(st.flash[0x100], 0x5A);
  assert_int_equal(st.flash[0x101], 0xA5);
  assert_int_equal(st.flash[0x102], 0xFF);
  assert_true(st.powered);          /* the board stays powered after a session */
  assert_true(st.debugger_latched); /* and remembers the debugger until power-off */
  assert_memory_equal(st.options, st.loaded, SIM_OPTIONS_SIZE);
  sim_state_release(&st);
  /* no temporary file is left behind */
  char tmp[300];
  snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
  assert_false(file_exists(tmp));
  /* the next session sees the same chip; the chip name can be left out */
  open_at(&p, path, NULL);
  uint32_t v;
  assert_int_equal(tp_read(&p, 0x08000100, 2, &v), SIM_ACK_OK);
  assert_int_equal(v, 0xA55A);
  tp_close(&p);
  remove(path);
}

static void expect_open_error(const char *path, const char *chip, const char *needle)
{
  sim_clock clock = {0};
  char err[512] = "";
  sim_target_options o = {.chip = chip, .state_path = path};
  sim_target *t = sim_target_new(&clock, &o, err, sizeof err);
  assert_null(t);
  if (!strstr(err, needle))
    fail_msg("error '%s' does not mention '%s'", err, needle);
}

static void test_damage_is_detected(void **state)
{
  (void)state;
  char path[256];
  tp_temp_path(path, sizeof path, "damage");
  static const uint8_t image[4] = {1, 2, 3, 4};
  tp_make_state(path, "stm32f103c8", 0, image, sizeof image, NULL);
  expect_open_error(path, "stm32f103re", "holds a stm32f103c8");
  /* flip one flash byte */
  FILE *f = fopen(path, "r+b");
  assert_non_null(f);
  fseek(f, 512 + 1000, SEEK_SET); /* header (format 2), then flash */
  fputc(0x00, f);
  fclose(f);
  expect_open_error(path, NULL, "corrupt");
  /* cut it short */
  assert_int_equal(truncate(path, 1000), 0);
  expect_open_error(path, NULL, "truncated");
  /* not a state file at all */
  f = fopen(path, "wb");
  fputs("hello, this is not a chip", f);
  fclose(f);
  expect_open_error(path, NULL, "not a swdsim state file");
  remove(path);
}

static void test_saved_while_running(void **state)
{
  (void)state;
  char path[256];
  tp_temp_path(path, sizeof path, "autosave");
  tp p;
  open_at(&p, path, "stm32f103c8");
  program_halfword(&p, 0x08000200, 0x1234);
  tp_wait(&p, SIM_MS(1100));
  /* without freeing the target: a killed client keeps what was done */
  sim_chip_state st;
  const sim_chip *chip;
  char err[256];
  assert_true(sim_state_load(path, &st, &chip, err, sizeof err));
  assert_int_equal(st.flash[0x200], 0x34);
  sim_state_release(&st);
  tp_close(&p);
  remove(path);
}

static void test_power_cycle_reloads_options(void **state)
{
  (void)state;
  char path[256];
  tp_temp_path(path, sizeof path, "cycle");
  char *init[] = {"state", "init", path, "--chip", "stm32f103c8"};
  assert_int_equal(sim_state_main(5, init), 0);
  /* program WRP0 = 0xFE in the option bytes, and do not reset */
  tp p;
  open_at(&p, path, NULL);
  tp_write32(&p, 0x40022004, 0x45670123);
  tp_write32(&p, 0x40022004, 0xCDEF89AB);
  tp_write32(&p, 0x40022008, 0x45670123);
  tp_write32(&p, 0x40022008, 0xCDEF89AB);
  tp_write32(&p, 0x40022010, 0x220);
  tp_write32(&p, 0x40022010, 0x260);
  while (tp_read32(&p, 0x4002200C) & 1)
    ;
  tp_write32(&p, 0x40022010, 0x210);
  assert_int_equal(tp_write(&p, 0x1FFFF800, 2, 0xA5), SIM_ACK_OK);
  while (tp_read32(&p, 0x4002200C) & 1)
    ;
  assert_int_equal(tp_write(&p, 0x1FFFF808, 2, 0xFE), SIM_ACK_OK);
  while (tp_read32(&p, 0x4002200C) & 1)
    ;
  tp_close(&p);
  /* the board stayed powered: the next session still has the old WRPR... */
  open_at(&p, path, NULL);
  assert_int_equal(tp_read32(&p, 0x40022020), 0xFFFFFFFF);
  tp_close(&p);
  /* ...until it is switched off and on */
  char *cycle[] = {"state", "power-cycle", path};
  assert_int_equal(sim_state_main(3, cycle), 0);
  open_at(&p, path, NULL);
  assert_int_equal(tp_read32(&p, 0x40022020) & 0xFF, 0xFE);
  tp_close(&p);
  remove(path);
}

/* ---- the tool ---- */

typedef struct captured {
  int rc;
  char out[8192];
  char err[2048];
} captured;

static void slurp(const char *path, char *buf, size_t len)
{
  FILE *f = fopen(path, "rb");
  size_t n = f ? fread(buf, 1, len - 1, f) : 0;
  buf[n] = 0;
  if (f)
    fclose(f);
  remove(path);
}

static void run_tool(captured *c, int argc, char **argv)
{
  char out[256], err[256];
  tp_temp_path(out, sizeof out, "out");
  tp_temp_path(err, sizeof err, "err");
  fflush(stdout);
  fflush(stderr);
  int saved_out = dup(1), saved_err = dup(2);
  int fo = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  int fe = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  dup2(fo, 1);
  dup2(fe, 2);
  c->rc = sim_state_main(argc, argv);
  fflush(stdout);
  fflush(stderr);
  dup2(saved_out, 1);
  dup2(saved_err, 2);
  close(fo);
  close(fe);
  close(saved_out);
  close(saved_err);
  slurp(out, c->out, sizeof c->out);
  slurp(err, c->err, sizeof c->err);
}

#define RUN(c, ...)                                                                              \
  do {                                                                                           \
    char *argv_[] = {"state", __VA_ARGS__};                                                      \
    run_tool((c), (int)(sizeof argv_ / sizeof argv_[0]), argv_);                                \
  } while (0)

static void test_tool_init_show_dump(void **state)
{
  (void)state;
  char path[256], image[256], out[256];
  tp_temp_path(path, sizeof path, "tool");
  tp_temp_path(image, sizeof image, "image");
  tp_temp_path(out, sizeof out, "dump");
  FILE *f = fopen(image, "wb");
  for (int i = 0; i < 3000; i++)
    fputc(i & 0xFF, f);
  fclose(f);
  char load[300];
  snprintf(load, sizeof load, "%s@0x08000400", image);
  captured c;
  RUN(&c, "init", path, "--chip", "stm32f103re", "--load", load, "--option", "wrp1=0x7F",
      "--option", "rdp=1", "--option", "boot0=1", "--option", "wdg_sw=0");
  assert_int_equal(c.rc, 0);

  RUN(&c, "show", path, "--json");
  assert_int_equal(c.rc, 0);
  assert_non_null(strstr(c.out, "\"chip\": \"stm32f103re\""));
  assert_non_null(strstr(c.out, "\"rdp_level\": 1"));
  /* WRP1 bit 7 = group 15 = pages 30-31 (HD: 2 pages of 2 KiB per bit) */
  assert_non_null(strstr(c.out, "\"wrp_ranges\": [{\"start\": 134279168, \"end\": 134283264}]"));
  assert_non_null(strstr(c.out, "\"wdg_sw\": 0"));
  assert_non_null(strstr(c.out, "\"boot0\": 1"));
  assert_non_null(strstr(c.out, "\"boots_from\": \"system-memory\""));
  RUN(&c, "show", path);
  assert_int_equal(c.rc, 0);
  assert_non_null(strstr(c.out, "level 1"));
  assert_non_null(strstr(c.out, "0x0800F000-0x0800FFFF (4 KiB)"));
  assert_non_null(strstr(c.out, "hardware watchdog"));

  RUN(&c, "dump", path, "0x08000400", "3000", out);
  assert_int_equal(c.rc, 0);
  f = fopen(out, "rb");
  for (int i = 0; i < 3000; i++)
    assert_int_equal(fgetc(f), i & 0xFF);
  assert_int_equal(fgetc(f), EOF);
  fclose(f);
  RUN(&c, "dump", path, "0x1FFFF800", "16", out);
  assert_int_equal(c.rc, 0);
  f = fopen(out, "rb");
  uint8_t ob[16];
  assert_int_equal(fread(ob, 1, 16, f), 16);
  fclose(f);
  static const uint8_t want[16] = {0x00, 0xFF, 0xFE, 0x01, 0xFF, 0x00, 0xFF, 0x00,
                                   0xFF, 0x00, 0x7F, 0x80, 0xFF, 0x00, 0xFF, 0x00};
  assert_memory_equal(ob, want, 16);
  remove(path);
  remove(image);
  remove(out);
}

/* `state show` gives the boot decision with its reason for the next reset and
 * for a power-on, from the pins and (F4) the read protection. */
static void test_tool_shows_boot_decision(void **state)
{
  (void)state;
  char path[256];
  tp_temp_path(path, sizeof path, "boot");
  captured c;
  RUN(&c, "init", path, "--chip", "stm32f103c8", "--option", "boot0=1", "--option", "boot1=1");
  assert_int_equal(c.rc, 0);
  RUN(&c, "show", path, "--json");
  assert_int_equal(c.rc, 0);
  assert_non_null(strstr(c.out, "\"boots_from\": \"sram\""));
  assert_non_null(strstr(c.out, "\"boot\": {\"area\": \"sram\", \"address\": 536870912, "
                                "\"reason\": \"BOOT0=1 with BOOT1=1 selects the embedded SRAM"));
  assert_non_null(strstr(c.out, "\"boot_after_power_on\": {\"area\": \"sram\""));
  RUN(&c, "show", path);
  assert_int_equal(c.rc, 0);
  assert_non_null(strstr(c.out, "next power-on:    embedded SRAM at 0x20000000: BOOT0=1"));

  /* F4 level 2 boots the flash whatever the pins */
  RUN(&c, "init", path, "--chip", "stm32f446re", "--option", "boot0=1", "--option", "rdp=2");
  assert_int_equal(c.rc, 0);
  RUN(&c, "show", path, "--json");
  assert_int_equal(c.rc, 0);
  assert_non_null(strstr(c.out, "\"boot\": {\"area\": \"flash\", \"address\": 134217728, "
                                "\"reason\": \"read protection level 2 forces the main flash"));
  RUN(&c, "init", path, "--chip", "stm32f446re", "--option", "boot0=1");
  RUN(&c, "show", path, "--json");
  assert_non_null(strstr(c.out, "\"boot\": {\"area\": \"system-memory\", \"address\": 536805376"));
  remove(path);
}

/* A state file of format 1 (128-byte header, 16 option bytes) still loads. */
static void test_reads_format_1(void **state)
{
  (void)state;
  char path[256];
  tp_temp_path(path, sizeof path, "v1");
  const sim_chip *chip = sim_chip_find("stm32f103c8");
  uint8_t h[128] = {'S', 'W', 'D', 'S', 'I', 'M', 'S', 'T', 1, 0, 0, 0, 128, 0, 0, 0};
  strcpy((char *)h + 16, chip->name);
  h[48] = 8; /* BOOT0 high */
  memcpy(h + 52, &chip->flash_size, 4);
  for (int i = 0; i < 16; i++)
    h[56 + i] = h[72 + i] = (uint8_t)(i & 1 ? 0x00 : 0xFF);
  h[56] = h[72] = 0xA5; /* RDP off */
  h[57] = h[73] = 0x5A;
  h[88] = 0x42;
  uint8_t *flash = malloc(chip->flash_size);
  memset(flash, 0xFF, chip->flash_size);
  flash[0] = 0x11;
  /* the CRC-32 of header and flash, computed the slow way */
  uint32_t crc = 0xFFFFFFFFu;
  for (size_t i = 0; i < 128 + chip->flash_size; i++) {
    crc ^= i < 128 ? h[i] : flash[i - 128];
    for (int b = 0; b < 8; b++)
      crc = crc & 1 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
  }
  crc = ~crc;
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  fwrite(h, 1, 128, f);
  fwrite(flash, 1, chip->flash_size, f);
  fwrite(&crc, 1, 4, f);
  fclose(f);
  free(flash);
  sim_chip_state st;
  const sim_chip *got;
  char err[256];
  assert_true(sim_state_load(path, &st, &got, err, sizeof err));
  assert_ptr_equal(got, chip);
  assert_true(st.boot0);
  assert_int_equal(st.flash[0], 0x11);
  assert_int_equal(st.options[0], 0xA5);
  assert_int_equal(st.loaded[1], 0x5A);
  assert_int_equal(st.uid[0], 0x42);
  sim_state_release(&st);
  remove(path);
}

static void test_tool_rejects_bad_arguments(void **state)
{
  (void)state;
  char path[256];
  tp_temp_path(path, sizeof path, "bad");
  captured c;
  RUN(&c, "init", path, "--chip", "stm32f999");
  assert_int_not_equal(c.rc, 0);
  assert_non_null(strstr(c.err, "unknown chip 'stm32f999'"));
  RUN(&c, "init", path);
  assert_int_not_equal(c.rc, 0);
  RUN(&c, "init", path, "--chip", "stm32f103c8", "--option", "rdp=2");
  assert_int_not_equal(c.rc, 0);
  assert_non_null(strstr(c.err, "levels 0 and 1"));
  RUN(&c, "init", path, "--chip", "stm32f103c8", "--option", "nwrp=3");
  assert_int_not_equal(c.rc, 0);
  assert_non_null(strstr(c.err, "nwrp"));
  RUN(&c, "init", path, "--chip", "stm32f103c8", "--load", "/nonexistent/fw.bin@0x08000000");
  assert_int_not_equal(c.rc, 0);
  assert_non_null(strstr(c.err, "/nonexistent/fw.bin"));
  RUN(&c, "init", path, "--chip", "stm32f103c8", "--load", "fw.bin");
  assert_int_not_equal(c.rc, 0);
  RUN(&c, "dump", path, "0x08000000", "16", "-");
  assert_int_not_equal(c.rc, 0); /* no such file yet */
  assert_non_null(strstr(c.err, path));
  RUN(&c, "init", path, "--chip", "stm32f103c8");
  assert_int_equal(c.rc, 0);
  RUN(&c, "dump", path, "0x0800FFF0", "32", "-");
  assert_int_not_equal(c.rc, 0);
  assert_non_null(strstr(c.err, "outside"));
  RUN(&c, "dump", path, "0x20000000", "4", "-");
  assert_int_not_equal(c.rc, 0);
  RUN(&c, "dump", path, "zero", "4", "-");
  assert_int_not_equal(c.rc, 0);
  RUN(&c, "dump", path, "0x08000000", "0", "-");
  assert_int_not_equal(c.rc, 0);
  RUN(&c, "show", path, "--yaml");
  assert_int_not_equal(c.rc, 0);
  RUN(&c, "frobnicate");
  assert_int_not_equal(c.rc, 0);
  assert_non_null(strstr(c.err, "frobnicate"));
  /* every command explains itself */
  static const char *const cmds[] = {"init", "dump", "show", "power-cycle"};
  for (int i = 0; i < 4; i++) {
    RUN(&c, (char *)cmds[i], "--help");
    assert_int_equal(c.rc, 0);
    assert_non_null(strstr(c.out, "usage: swdsim state"));
  }
  RUN(&c, "--help");
  assert_int_equal(c.rc, 0);
  assert_non_null(strstr(c.out, "power-cycle"));
  remove(path);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_round_trip),
      cmocka_unit_test(test_damage_is_detected),
      cmocka_unit_test(test_saved_while_running),
      cmocka_unit_test(test_power_cycle_reloads_options),
      cmocka_unit_test(test_tool_init_show_dump),
      cmocka_unit_test(test_tool_rejects_bad_arguments),
      cmocka_unit_test(test_tool_shows_boot_decision),
      cmocka_unit_test(test_reads_format_1),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
