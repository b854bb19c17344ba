/*
 * The debug port, memory and core layer, through the public API, against
 * recorded replies of a V2J37S7 probe with an STM32F103C8 behind it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "adi/target_internal.h"
#include "fake_usb.h"
#include "internal.h"
#include "probe_scripts.h"

typedef struct fixture {
  swdf_ctx *ctx;
  fake_usb *usb;
  swdf_probe *probe;
  swdf_target *target;
  char warnings[1024];
  unsigned progress_calls;
  uint64_t progress_done;
} fixture;

static void on_log(void *user, swdf_log_level level, const char *msg) {
  fixture *fx = user;
  if (level <= SWDF_LOG_WARN) {
    size_t n = strlen(fx->warnings);
    snprintf(fx->warnings + n, sizeof(fx->warnings) - n, "%s\n", msg);
  }
}

static int on_progress(void *user, swdf_phase phase, uint64_t done, uint64_t total) {
  fixture *fx = user;
  assert_int_equal(phase, SWDF_PHASE_READ);
  assert_true(done <= total);
  fx->progress_calls++;
  fx->progress_done = done;
  return 0;
}

static int setup(void **state) {
  fixture *fx = calloc(1, sizeof(*fx));
  swdf_ctx_opts opts = SWDF_CTX_OPTS_INIT;
  opts.log = on_log;
  opts.log_level = SWDF_LOG_WARN;
  opts.progress = on_progress;
  opts.user = fx;
  assert_int_equal(swdf_ctx_new(&fx->ctx, &opts), SWDF_OK);
  fx->usb = fake_usb_new(0x3748, NULL, 0);
  fake_usb_install(fx->usb, fx->ctx);
  script_open_v2(fx->usb, V2J37S7_VERSION, 0x01);
  assert_int_equal(swdf_probe_open(&fx->probe, fx->ctx, NULL), SWDF_OK);
  *state = fx;
  return 0;
}

static int teardown(void **state) {
  fixture *fx = *state;
  swdf_target_disconnect(fx->target);
  swdf_probe_close(fx->probe);
  swdf_ctx_free(fx->ctx);
  fake_usb_free(fx->usb);
  free(fx);
  return 0;
}

static swdf_err connect(fixture *fx, swdf_connect_mode mode) {
  swdf_connect_opts opts = SWDF_CONNECT_OPTS_INIT;
  opts.mode = mode;
  return swdf_target_connect(&fx->target, fx->probe, &opts);
}

static void connect_f103(fixture *fx) {
  script_connect_f103(fx->usb);
  if (connect(fx, SWDF_CONNECT_NORMAL) != SWDF_OK) {
    fail_msg("connect: %s (%s)", swdf_ctx_errmsg(fx->ctx), fake_usb_mismatch(fx->usb));
  }
}

static void check(fixture *fx, swdf_err got, swdf_err want) {
  if (got != want) {
    fail_msg("got %s, want %s: %s [%s]", swdf_err_name(got), swdf_err_name(want),
             swdf_ctx_errmsg(fx->ctx), fake_usb_mismatch(fx->usb));
  }
}

/* ---- connecting and identifying ---------------------------------------- */

static void normal_connect_identifies_the_f103(void **state) {
  fixture *fx = *state;
  connect_f103(fx);
  script_unique_id(fx->usb);
  swdf_chip_info chip = SWDF_CHIP_INFO_INIT;
  check(fx, swdf_target_chip_info(&chip, fx->target), SWDF_OK);
  assert_string_equal(chip.id, "stm32f1-md");
  assert_string_equal(chip.name, "STM32F10x medium density");
  assert_int_equal(chip.dev_id, 0x410);
  assert_int_equal(chip.rev_id, 0x2003);
  assert_string_equal(chip.revision, "Y");
  assert_int_equal(chip.flash_size, 64 * 1024);
  assert_int_equal(chip.connected_with, SWDF_CONNECT_NORMAL);
  assert_int_equal(chip.freq_khz, 4000);
  assert_int_equal(chip.unique_id[2], 0x33333333);
  assert_int_equal(chip.has_unique_id, 1);
  swdf_flash_info flash = SWDF_FLASH_INFO_INIT;
  check(fx, swdf_target_flash_info(&flash, fx->target), SWDF_OK);
  assert_string_equal(flash.summary, "64 pages of 1 KiB");
  assert_int_equal(flash.group_count, 1);
  assert_int_equal(flash.groups[0].count, 64);
  /* Option bytes: the 16-byte area, OBR, WRPR, then OBR for the RDP level. */
  script_read32(fx->usb, 0x1FFFF800, 0x00FF5AA5);
  script_read32(fx->usb, 0x1FFFF804, 0x00FF00FF);
  script_read32(fx->usb, 0x1FFFF808, 0x00FF00FF);
  script_read32(fx->usb, 0x1FFFF80C, 0x00FF00FF);
  script_read32(fx->usb, 0x4002201C, 0x03FFFFFC);
  script_read32(fx->usb, 0x40022020, 0xFFFFFFFF);
  swdf_protection_info prot = SWDF_PROTECTION_INFO_INIT;
  check(fx, swdf_target_protection(&prot, fx->target), SWDF_OK);
  assert_int_equal(prot.rdp_level, 0);
  assert_int_equal(prot.word_count, 6);
  assert_string_equal(prot.words[4].name, "OBR");
  assert_non_null(strstr(prot.rdp_text, "no read protection"));
  /* Disconnecting lets the core run again and leaves debug mode. */
  script_disconnect_resume(fx->usb);
  swdf_target_disconnect(fx->target);
  fx->target = NULL;
  fake_usb_assert_done(fx->usb);
}

static void unknown_chip_lists_the_ids_read(void **state) {
  fixture *fx = *state;
  script_voltage(fx->usb, 3300);
  script_enter_swd(fx->usb, 0, 0x1BA01477);
  script_read32(fx->usb, 0xE000EDF0, 0x00000000);
  script_write32(fx->usb, 0xE000EDF0, 0xA05F0003);
  script_read32(fx->usb, 0xE000EDF0, 0x00030003);
  script_read32(fx->usb, 0xE000ED00, 0x411FC231);
  fake_usb_script(fx->usb, "> F2 45 00 00 F8 00\n< 80 00 00 00 03 F0 0F E0\n"
                           "> F2 07 D0 FF 0F E0 20 00\n< x32\n");
  script_rw_status(fx->usb, 0x80, 0);
  script_read32(fx->usb, 0xE0042000, 0x20036999);
  /* Giving up: NRST released, the core let go, debug mode left. */
  fake_usb_script(fx->usb, "> F2 3C 01\n< 80 00\n");
  script_write32(fx->usb, 0xE000EDF0, 0xA05F0000);
  fake_usb_script(fx->usb, "> F2 21\n");
  check(fx, connect(fx, SWDF_CONNECT_NORMAL), SWDF_ERR_UNKNOWN_CHIP);
  const char *msg = swdf_ctx_errmsg(fx->ctx);
  assert_non_null(strstr(msg, "DEV_ID 0x999"));
  assert_non_null(strstr(msg, "SW-DP IDCODE 0x1BA01477"));
  assert_non_null(strstr(msg, "CPUID 0x411FC231"));
  assert_non_null(strstr(swdf_ctx_hint(fx->ctx), "SWDFLASH_CHIPDB"));
  assert_null(fx->target);
  fake_usb_assert_done(fx->usb);
}

/* Under reset, up to NRST release; `dhcsr_in_reset` is what DHCSR shows
 * while NRST is held. */
static void script_under_reset_start(fake_usb *f, uint32_t dhcsr_in_reset) {
  fake_usb_script(f, "> F2 3C 00\n< 80 00\n"           /* NRST low before ENTER */
                     "> F2 43 00 00\n< 80 00\n"
                     "> F2 30 A3\n< 80 00\n"
                     "> F2 3C 00\n< 80 00\n"           /* and again after it */
                     "> F2 31\n< 80 00 00 00 77 14 A0 1B x4\n"
                     "> F2 4B 00 01\n< 80 00\n");
  script_read32(f, 0xE000EDF0, 0x02000000);   /* stale S_RESET_ST from power-on */
  script_read32(f, 0xE000EDFC, 0x00000000);   /* DEMCR */
  script_write32(f, 0xE000EDFC, 0x00000001);  /* VC_CORERESET */
  script_write32(f, 0xE000EDF0, 0xA05F0001);  /* C_DEBUGEN */
  script_read32(f, 0xE000EDF0, dhcsr_in_reset);
  fake_usb_script(f, "> F2 3C 01\n< 80 00\n"); /* NRST released */
}

static void under_reset_halts_at_the_reset_vector(void **state) {
  fixture *fx = *state;
  script_voltage(fx->usb, 3300);
  script_under_reset_start(fx->usb, 0x02000001); /* held in reset */
  script_read32(fx->usb, 0xE000EDF0, 0x00030001); /* caught at the vector */
  script_read32(fx->usb, 0xE000EDFC, 0x00000001);
  script_write32(fx->usb, 0xE000EDFC, 0x00000000);
  script_identify_f103(fx->usb);
  check(fx, connect(fx, SWDF_CONNECT_UNDER_RESET), SWDF_OK);
  script_unique_id(fx->usb);
  swdf_chip_info chip = SWDF_CHIP_INFO_INIT;
  check(fx, swdf_target_chip_info(&chip, fx->target), SWDF_OK);
  assert_int_equal(chip.connected_with, SWDF_CONNECT_UNDER_RESET);
  fake_usb_assert_done(fx->usb);
  script_disconnect_resume(fx->usb);
}

static void under_reset_without_nrst_says_so(void **state) {
  fixture *fx = *state;
  script_voltage(fx->usb, 3300);
  script_under_reset_start(fx->usb, 0x00000001); /* running: NRST did nothing */
  script_poll32(fx->usb, 0xE000EDF0, 0x00000001);  /* and it keeps running */
  script_read32(fx->usb, 0xE000EDFC, 0x00000001);
  script_write32(fx->usb, 0xE000EDFC, 0x00000000);
  fake_usb_script(fx->usb, "> F2 3C 01\n< 80 00\n> F2 21\n");
  check(fx, connect(fx, SWDF_CONNECT_UNDER_RESET), SWDF_ERR_NRST);
  assert_non_null(strstr(swdf_ctx_errmsg(fx->ctx), "NRST seems unconnected"));
  assert_non_null(strstr(swdf_ctx_hint(fx->ctx), "NRST"));
  fake_usb_assert_done(fx->usb);
}

/* Read protection with a debugger attached: the core cannot fetch its reset
 * vector and locks up instead of stopping at the catch; C_HALT stops it. */
static void under_reset_halts_a_core_locked_up_at_reset(void **state) {
  fixture *fx = *state;
  script_voltage(fx->usb, 3300);
  script_under_reset_start(fx->usb, 0x02000001);
  script_read32(fx->usb, 0xE000EDF0, 0x00090001); /* S_LOCKUP, not halted */
  script_read32(fx->usb, 0xE000EDFC, 0x00000001);
  script_write32(fx->usb, 0xE000EDFC, 0x00000000);
  script_write32(fx->usb, 0xE000EDF0, 0xA05F0003); /* C_HALT in lockup */
  script_read32(fx->usb, 0xE000EDF0, 0x00030003);
  script_identify_f103(fx->usb);
  check(fx, connect(fx, SWDF_CONNECT_UNDER_RESET), SWDF_OK);
  assert_non_null(strstr(fx->warnings, "locked up at reset"));
  assert_non_null(strstr(fx->warnings, "read protection"));
  assert_non_null(strstr(fx->warnings, "vector table"));
  fake_usb_assert_done(fx->usb);
  script_disconnect_resume(fx->usb);
}

/* A core locked up long before, with NRST doing nothing: no reset shows,
 * so NRST is reported unconnected rather than the lockup halted. */
static void under_reset_locked_up_without_nrst_says_so(void **state) {
  fixture *fx = *state;
  script_voltage(fx->usb, 3300);
  script_under_reset_start(fx->usb, 0x00090001);
  script_poll32(fx->usb, 0xE000EDF0, 0x00090001);
  script_read32(fx->usb, 0xE000EDFC, 0x00000001);
  script_write32(fx->usb, 0xE000EDFC, 0x00000000);
  fake_usb_script(fx->usb, "> F2 3C 01\n< 80 00\n> F2 21\n");
  check(fx, connect(fx, SWDF_CONNECT_UNDER_RESET), SWDF_ERR_NRST);
  assert_non_null(strstr(swdf_ctx_errmsg(fx->ctx), "NRST seems unconnected"));
  assert_null(strstr(fx->warnings, "locked up"));
  fake_usb_assert_done(fx->usb);
}

static void normal_connect_halts_a_locked_up_core_and_says_why(void **state) {
  fixture *fx = *state;
  script_voltage(fx->usb, 3300);
  script_enter_swd(fx->usb, 0, 0x1BA01477);
  script_read32(fx->usb, 0xE000EDF0, 0x00090001);
  script_write32(fx->usb, 0xE000EDF0, 0xA05F0003);
  script_read32(fx->usb, 0xE000EDF0, 0x00030003);
  script_identify_f103(fx->usb);
  check(fx, connect(fx, SWDF_CONNECT_NORMAL), SWDF_OK);
  assert_non_null(strstr(fx->warnings, "is locked up"));
  assert_non_null(strstr(fx->warnings, "read protection"));
  fake_usb_assert_done(fx->usb);
  script_disconnect_resume(fx->usb);
}

static void auto_falls_back_to_under_reset_and_says_so(void **state) {
  fixture *fx = *state;
  script_voltage(fx->usb, 3300);
  /* Normal: nothing answers at 4000 kHz (twice), 1200 or 480 kHz. */
  const char *divisors[] = {"00 00", "00 00", "02 00", "07 00"};
  for (int i = 0; i < 4; i++) {
    if (i > 0) {
      fake_usb_script(fx->usb, "> F2 21\n");
    }
    fake_usb_scriptf(fx->usb, "> F2 43 %s\n< 80 00\n> F2 30 A3\n< 80 00\n> F2 31\n< 09 00 x10\n",
                     divisors[i]);
  }
  fake_usb_script(fx->usb, "> F2 21\n");
  script_under_reset_start(fx->usb, 0x02000001);
  script_read32(fx->usb, 0xE000EDF0, 0x00030001);
  script_read32(fx->usb, 0xE000EDFC, 0x00000001);
  script_write32(fx->usb, 0xE000EDFC, 0x00000000);
  script_identify_f103(fx->usb);
  check(fx, connect(fx, SWDF_CONNECT_AUTO), SWDF_OK);
  script_unique_id(fx->usb);
  swdf_chip_info chip = SWDF_CHIP_INFO_INIT;
  check(fx, swdf_target_chip_info(&chip, fx->target), SWDF_OK);
  assert_int_equal(chip.connected_with, SWDF_CONNECT_UNDER_RESET);
  assert_non_null(strstr(chip.connect_note, "normal connect failed"));
  assert_non_null(strstr(fx->warnings, "connected under reset"));
  fake_usb_assert_done(fx->usb);
  script_disconnect_resume(fx->usb);
}

/* ---- memory ---------------------------------------------------------------- */

static void reads_in_large_commands(void **state) {
  fixture *fx = *state;
  connect_f103(fx);
  unsigned in_before = fake_usb_stats_get(fx->usb)->in_transfers;
  /* Each command is checked before the next: the firmware clears the sticky
   * error after a fault, so a later OK would hide an earlier fault. */
  fake_usb_script(fx->usb, "> F2 07 00 00 00 08 00 18\n< x6144\n");
  script_rw_status(fx->usb, 0x80, 0);
  fake_usb_script(fx->usb, "> F2 07 00 18 00 08 00 18\n< x6144\n");
  script_rw_status(fx->usb, 0x80, 0);
  fake_usb_script(fx->usb, "> F2 07 00 30 00 08 C8 02\n< x712\n");
  script_rw_status(fx->usb, 0x80, 0);
  uint8_t *buf = malloc(13000);
  check(fx, swdf_mem_read(buf, fx->target, 0x08000000, 13000), SWDF_OK);
  free(buf);
  assert_int_equal(fake_usb_stats_get(fx->usb)->in_transfers - in_before, 6);
  assert_int_equal(fx->progress_done, 13000);
  assert_true(fx->progress_calls >= 2);
  fake_usb_assert_done(fx->usb);
  script_disconnect_resume(fx->usb);
}

static void reads_any_alignment(void **state) {
  fixture *fx = *state;
  connect_f103(fx);
  fake_usb_script(fx->usb, "> F2 0C 01 00 00 20 03 00\n< 01 02 03\n");
  script_rw_status(fx->usb, 0x80, 0);
  fake_usb_script(fx->usb, "> F2 07 04 00 00 20 04 00\n< 04 05 06 07\n");
  script_rw_status(fx->usb, 0x80, 0);
  fake_usb_script(fx->usb, "> F2 0C 08 00 00 20 03 00\n< 08 09 0A\n");
  script_rw_status(fx->usb, 0x80, 0);
  uint8_t buf[10];
  check(fx, swdf_mem_read(buf, fx->target, 0x20000001, sizeof(buf)), SWDF_OK);
  for (int i = 0; i < 10; i++) {
    assert_int_equal(buf[i], i + 1);
  }
  /* Commands end on 1 KiB TAR boundaries. */
  fake_usb_script(fx->usb, "> F2 07 00 02 00 20 00 16\n< x5632\n");
  script_rw_status(fx->usb, 0x80, 0);
  fake_usb_script(fx->usb, "> F2 07 00 18 00 20 00 0A\n< x2560\n");
  script_rw_status(fx->usb, 0x80, 0);
  uint8_t big[8192];
  check(fx, swdf_mem_read(big, fx->target, 0x20000200, sizeof(big)), SWDF_OK);
  fake_usb_assert_done(fx->usb);
  script_disconnect_resume(fx->usb);
}

static void writes_any_alignment_but_not_flash(void **state) {
  fixture *fx = *state;
  connect_f103(fx);
  fake_usb_script(fx->usb, "> F2 08 00 00 00 20 04 00\n>> 01 02 03 04\n");
  script_rw_status(fx->usb, 0x80, 0);
  fake_usb_script(fx->usb, "> F2 0D 04 00 00 20 01 00\n>> 05\n");
  script_rw_status(fx->usb, 0x80, 0);
  const uint8_t data[5] = {1, 2, 3, 4, 5};
  check(fx, swdf_mem_write(fx->target, 0x20000000, data, sizeof(data)), SWDF_OK);
  check(fx, swdf_mem_write(fx->target, 0x0800FFFE, data, 4), SWDF_ERR_INVALID_ARG);
  fake_usb_assert_done(fx->usb);
  script_disconnect_resume(fx->usb);
}

static void a_fault_in_flash_under_rdp_says_read_protected(void **state) {
  fixture *fx = *state;
  connect_f103(fx);
  fake_usb_script(fx->usb, "> F2 07 00 00 00 08 00 04\n< x1024\n");
  script_rw_status(fx->usb, 0x11, 0x08000000);
  fake_usb_script(fx->usb, "> F2 46 FF FF 00 00 1E 00 00 00\n< 80 00\n"); /* DP ABORT */
  script_read32(fx->usb, 0x4002201C, 0x03FFFFFE);                         /* RDPRT */
  uint8_t buf[1024];
  check(fx, swdf_mem_read(buf, fx->target, 0x08000000, sizeof(buf)), SWDF_ERR_READ_PROTECTED);
  assert_non_null(strstr(swdf_ctx_errmsg(fx->ctx), "read protection level 1"));
  assert_non_null(strstr(swdf_ctx_hint(fx->ctx), "swdflash unlock"));
  /* Elsewhere a fault is a fault, with its address. */
  fake_usb_script(fx->usb, "> F2 07 00 00 00 60 04 00\n< x4\n");
  script_rw_status(fx->usb, 0x11, 0x60000000);
  fake_usb_script(fx->usb, "> F2 46 FF FF 00 00 1E 00 00 00\n< 80 00\n");
  check(fx, swdf_mem_read(buf, fx->target, 0x60000000, 4), SWDF_ERR_MEM_FAULT);
  assert_non_null(strstr(swdf_ctx_errmsg(fx->ctx), "0x60000000"));
  fake_usb_assert_done(fx->usb);
  script_disconnect_resume(fx->usb);
}

static void wait_is_retried_after_an_abort(void **state) {
  fixture *fx = *state;
  connect_f103(fx);
  fake_usb_script(fx->usb, "> F2 07 00 00 00 20 04 00\n< x4\n");
  script_rw_status(fx->usb, 0x10, 0);
  fake_usb_script(fx->usb, "> F2 46 FF FF 00 00 1F 00 00 00\n< 80 00\n" /* with DAPABORT */
                           "> F2 07 00 00 00 20 04 00\n< 0D 0C 0B 0A\n");
  script_rw_status(fx->usb, 0x80, 0);
  uint32_t v = 0;
  uint8_t buf[4];
  check(fx, swdf_mem_read(buf, fx->target, 0x20000000, 4), SWDF_OK);
  memcpy(&v, buf, 4);
  assert_int_equal(v, 0x0A0B0C0D);
  fake_usb_assert_done(fx->usb);
  script_disconnect_resume(fx->usb);
}

static void repeated_wire_errors_slow_the_clock(void **state) {
  fixture *fx = *state;
  connect_f103(fx);
  fake_usb_script(fx->usb, "> F2 36 00 00 00 20\n< 17 00 00 00 x4\n"
                           "> F2 46 FF FF 00 00 1E 00 00 00\n< 80 00\n"
                           "> F2 36 00 00 00 20\n< 17 00 00 00 x4\n"
                           /* the supply is there (3.3 V): the wire it is */
                           "> F7\n< 00 04 00 00 80 05 00 00\n"
                           "> F2 46 FF FF 00 00 1E 00 00 00\n< 80 00\n"
                           /* slower: leave, 1800 kHz, enter again */
                           "> F2 21\n> F2 43 01 00\n< 80 00\n> F2 30 A3\n< 80 00\n"
                           "> F2 4B 00 01\n< 80 00\n");
  script_read32(fx->usb, 0x20000000, 0xCAFEF00D);
  uint32_t v = 0;
  check(fx, swdf_mem_read32(&v, fx->target, 0x20000000), SWDF_OK);
  assert_int_equal(v, 0xCAFEF00D);
  assert_non_null(strstr(fx->warnings, "slowing the SWD clock down to 1800 kHz"));
  script_unique_id(fx->usb);
  swdf_chip_info chip = SWDF_CHIP_INFO_INIT;
  check(fx, swdf_target_chip_info(&chip, fx->target), SWDF_OK);
  assert_int_equal(chip.freq_khz, 1800);
  fake_usb_assert_done(fx->usb);
  script_disconnect_resume(fx->usb);
}

static void usb_failure_mid_read_is_a_clean_error(void **state) {
  fixture *fx = *state;
  connect_f103(fx);
  fake_usb_script(fx->usb, "> F2 07 00 00 00 08 00 18\n! in gone\n");
  uint8_t *buf = malloc(8192);
  check(fx, swdf_mem_read(buf, fx->target, 0x08000000, 8192), SWDF_ERR_USB);
  free(buf);
  assert_non_null(strstr(swdf_ctx_hint(fx->ctx), "replug"));
  /* Disconnecting a vanished probe sends nothing. */
  swdf_target_disconnect(fx->target);
  fx->target = NULL;
  fake_usb_assert_done(fx->usb);
}

static void a_fault_stops_the_read_at_its_command(void **state) {
  fixture *fx = *state;
  connect_f103(fx);
  fake_usb_script(fx->usb, "> F2 07 00 00 00 20 00 18\n< x6144\n");
  script_rw_status(fx->usb, 0x11, 0x20001000);
  fake_usb_script(fx->usb, "> F2 46 FF FF 00 00 1E 00 00 00\n< 80 00\n");
  uint8_t *buf = malloc(8192);
  check(fx, swdf_mem_read(buf, fx->target, 0x20000000, 8192), SWDF_ERR_MEM_FAULT);
  free(buf);
  assert_non_null(strstr(swdf_ctx_errmsg(fx->ctx), "0x20000000-0x200017FF at 0x20001000"));
  fake_usb_assert_done(fx->usb);
  script_disconnect_resume(fx->usb);
}

static void posted_writes_are_checked_before_the_next_memory_call(void **state) {
  fixture *fx = *state;
  connect_f103(fx);
  /* The posted write's status waits while registers are polled... */
  fake_usb_script(fx->usb, "> F2 08 00 00 00 20 08 00\n>> 01 00 00 00 02 00 00 00\n");
  script_read32(fx->usb, 0x20004000, 0);
  /* ...and is checked before the next memory command, which it fails. */
  script_rw_status(fx->usb, 0x11, 0x20000004);
  fake_usb_script(fx->usb, "> F2 46 FF FF 00 00 1E 00 00 00\n< 80 00\n");
  const uint8_t data[8] = {1, 0, 0, 0, 2, 0, 0, 0};
  check(fx, swdf__mem_write_posted(fx->target, 0x20000000, data, sizeof(data)), SWDF_OK);
  uint32_t v;
  check(fx, swdf__read32(&v, fx->target, 0x20004000), SWDF_OK);
  uint8_t buf[4];
  check(fx, swdf__mem_read(buf, fx->target, 0x20000100, 4), SWDF_ERR_MEM_FAULT);
  assert_non_null(strstr(swdf_ctx_errmsg(fx->ctx), "writing 0x20000000-0x20000007"));
  /* Nothing pending any more: the sync is free. */
  check(fx, swdf__mem_sync(fx->target), SWDF_OK);
  fake_usb_assert_done(fx->usb);
  script_disconnect_resume(fx->usb);
}

/* Unchecked writes go out command after command without any status read
 * (split at the probe's 6 KiB as usual), and leave no status pending. */
static void unchecked_writes_read_no_status(void **state) {
  fixture *fx = *state;
  connect_f103(fx);
  fake_usb_script(fx->usb, "> F2 08 00 00 00 20 00 18\n>> x6144\n"
                           "> F2 08 00 18 00 20 00 08\n>> x2048\n"
                           "> F2 08 00 20 00 20 08 00\n>> x8\n");
  script_read32(fx->usb, 0x20004000, 0x1234);
  uint8_t *zeros = calloc(1, 8192);
  assert_non_null(zeros);
  check(fx, swdf__mem_write_unchecked(fx->target, 0x20000000, zeros, 8192), SWDF_OK);
  check(fx, swdf__mem_write_unchecked(fx->target, 0x20002000, zeros, 8), SWDF_OK);
  free(zeros);
  uint32_t v = 0;
  check(fx, swdf__read32(&v, fx->target, 0x20004000), SWDF_OK);
  assert_int_equal(v, 0x1234);
  check(fx, swdf__mem_sync(fx->target), SWDF_OK);
  fake_usb_assert_done(fx->usb);
  script_disconnect_resume(fx->usb);
}

/* ---- core ------------------------------------------------------------------ */

static void registers_and_run_control(void **state) {
  fixture *fx = *state;
  connect_f103(fx);
  script_read32(fx->usb, 0xE000EDF0, 0x00030003);
  fake_usb_script(fx->usb, "> F2 33 0F\n< 80 00 00 00 01 01 00 08\n");
  uint32_t pc = 0;
  check(fx, swdf_core_reg_read(&pc, fx->target, SWDF_REG_PC), SWDF_OK);
  assert_int_equal(pc, 0x08000101);
  /* Registers beyond the probe's own set go through DCRSR/DCRDR. */
  script_read32(fx->usb, 0xE000EDF0, 0x00030003);
  script_write32(fx->usb, 0xE000EDF4, 20);
  script_read32(fx->usb, 0xE000EDF0, 0x00030003); /* S_REGRDY */
  script_read32(fx->usb, 0xE000EDF8, 0x00000001);
  uint32_t primask = 0;
  check(fx, swdf_core_reg_read(&primask, fx->target, 20), SWDF_OK);
  assert_int_equal(primask, 1);
  script_write32(fx->usb, 0xE000EDF0, 0xA05F0001);
  check(fx, swdf_core_run(fx->target), SWDF_OK);
  script_read32(fx->usb, 0xE000EDF0, 0x00000001);
  check(fx, swdf_core_reg_read(&pc, fx->target, SWDF_REG_PC), SWDF_ERR_HALT);
  int halted = 1;
  script_read32(fx->usb, 0xE000EDF0, 0x00000001);
  check(fx, swdf_core_is_halted(&halted, fx->target), SWDF_OK);
  assert_int_equal(halted, 0);
  fake_usb_assert_done(fx->usb);
  /* Run by the caller: disconnect leaves it alone. */
  fake_usb_script(fx->usb, "> F2 21\n");
}

/* Reset and halt after options that protect the flash: the core locks up
 * at its vector fetch instead of reaching the catch, and is halted. */
static void reset_halt_halts_a_core_locked_up_at_reset(void **state) {
  fixture *fx = *state;
  connect_f103(fx);
  script_read32(fx->usb, 0xE000EDF0, 0x00030003);
  script_read32(fx->usb, 0xE000EDFC, 0x00000000);
  script_write32(fx->usb, 0xE000EDFC, 0x00000001);
  script_write32(fx->usb, 0xE000EDF0, 0xA05F0001);
  script_write32(fx->usb, 0xE000ED0C, 0x05FA0004);
  script_read32(fx->usb, 0xE000EDF0, 0x02090001); /* reset, then lockup */
  fake_usb_script(fx->usb, "> F2 46 FF FF 00 00 1E 00 00 00\n< 80 00\n");
  script_write32(fx->usb, 0xE000EDF0, 0xA05F0003);
  script_read32(fx->usb, 0xE000EDF0, 0x00030003);
  script_read32(fx->usb, 0xE000EDFC, 0x00000001);
  script_write32(fx->usb, 0xE000EDFC, 0x00000000);
  check(fx, swdf_target_reset(fx->target, SWDF_RESET_HALT), SWDF_OK);
  assert_non_null(strstr(fx->warnings, "locked up at reset"));
  fake_usb_assert_done(fx->usb);
  fake_usb_script(fx->usb, "> F2 21\n");
}

static void hard_reset_falls_back_when_nrst_is_not_wired(void **state) {
  fixture *fx = *state;
  connect_f103(fx);
  script_write32(fx->usb, 0xE000EDF0, 0xA05F0001);
  script_read32(fx->usb, 0xE000EDF0, 0x00000001);
  fake_usb_script(fx->usb, "> F2 3C 00\n< 80 00\n");
  script_read32(fx->usb, 0xE000EDF0, 0x00000001);
  fake_usb_script(fx->usb, "> F2 3C 01\n< 80 00\n");
  script_poll32(fx->usb, 0xE000EDF0, 0x00000001); /* no reset seen */
  fake_usb_script(fx->usb, "> F2 46 FF FF 00 00 1E 00 00 00\n< 80 00\n");
  /* software reset instead */
  script_read32(fx->usb, 0xE000EDF0, 0x00000001);
  script_read32(fx->usb, 0xE000EDFC, 0x00000000);
  script_write32(fx->usb, 0xE000EDFC, 0x00000000);
  script_write32(fx->usb, 0xE000EDF0, 0xA05F0001);
  script_write32(fx->usb, 0xE000ED0C, 0x05FA0004);
  script_read32(fx->usb, 0xE000EDF0, 0x02000001);
  fake_usb_script(fx->usb, "> F2 46 FF FF 00 00 1E 00 00 00\n< 80 00\n");
  check(fx, swdf_target_reset(fx->target, SWDF_RESET_HARD), SWDF_OK);
  assert_non_null(strstr(fx->warnings, "NRST seems not to be connected"));
  fake_usb_assert_done(fx->usb);
  fake_usb_script(fx->usb, "> F2 21\n");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(normal_connect_identifies_the_f103, setup, teardown),
      cmocka_unit_test_setup_teardown(unknown_chip_lists_the_ids_read, setup, teardown),
      cmocka_unit_test_setup_teardown(under_reset_halts_at_the_reset_vector, setup, teardown),
      cmocka_unit_test_setup_teardown(under_reset_without_nrst_says_so, setup, teardown),
      cmocka_unit_test_setup_teardown(under_reset_halts_a_core_locked_up_at_reset, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(under_reset_locked_up_without_nrst_says_so, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(normal_connect_halts_a_locked_up_core_and_says_why, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(auto_falls_back_to_under_reset_and_says_so, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(reads_in_large_commands, setup, teardown),
      cmocka_unit_test_setup_teardown(reads_any_alignment, setup, teardown),
      cmocka_unit_test_setup_teardown(writes_any_alignment_but_not_flash, setup, teardown),
      cmocka_unit_test_setup_teardown(a_fault_in_flash_under_rdp_says_read_protected, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(wait_is_retried_after_an_abort, setup, teardown),
      cmocka_unit_test_setup_teardown(a_fault_stops_the_read_at_its_command, setup, teardown),
      cmocka_unit_test_setup_teardown(unchecked_writes_read_no_status, setup, teardown),
      cmocka_unit_test_setup_teardown(posted_writes_are_checked_before_the_next_memory_call, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(repeated_wire_errors_slow_the_clock, setup, teardown),
      cmocka_unit_test_setup_teardown(usb_failure_mid_read_is_a_clean_error, setup, teardown),
      cmocka_unit_test_setup_teardown(registers_and_run_control, setup, teardown),
      cmocka_unit_test_setup_teardown(reset_halt_halts_a_core_locked_up_at_reset, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(hard_reset_falls_back_when_nrst_is_not_wired, setup,
                                      teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
