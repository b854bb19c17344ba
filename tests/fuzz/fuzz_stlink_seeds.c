/*
 * Seeds for the ST-Link fuzz harness: the unit tests' recorded probe
 * sessions (tests/unit/probe_scripts.c) replayed through the library, with
 * what each IN transfer returned written in the harness's input format.
 * Later commands of the harness find no script and fail; the fuzzer takes
 * it from there.
 *
 *   fuzz_stlink_seeds OUTPUT_DIR    (run by tests/fuzz/gen_corpus.py)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../unit/fake_usb.h"
#include "../unit/probe_scripts.h"
#include "internal.h"

/* The harness's header: PID selector (index into its table), flags, serial. */
enum { PID_V2 = 0, PID_V3 = 2 };
enum { FLAG_MODE_NORMAL = 1 << 2, FLAG_LIST = 0x20 };

typedef void (*scenario_fn)(fake_usb *f);

static void open_only_v2(fake_usb *f) { script_open_v2(f, V2J37S7_VERSION, 0x01); }
static void open_dfu_v2(fake_usb *f) { script_open_v2(f, V2J20S4_VERSION, 0x00); }
static void open_only_v3(fake_usb *f) { script_open_v3(f); }

static void connect_f103(fake_usb *f) {
  script_open_v2(f, V2J37S7_VERSION, 0x01);
  script_voltage(f, 3300);
  script_connect_f103(f);
  script_unique_id(f);
}

static void write_seed(const char *dir, const char *name, uint8_t pid_index, uint8_t flags,
                       scenario_fn scenario) {
  uint16_t pids[] = {0x3748, 0x374B, 0x374F};
  fake_usb *f = fake_usb_new(pids[pid_index], NULL, 0);
  fake_usb_record(f, true);
  scenario(f);
  swdf_ctx *ctx = NULL;
  if (swdf_ctx_new(&ctx, NULL) != SWDF_OK) {
    exit(1);
  }
  fake_usb_install(f, ctx);
  swdf_probe *probe = NULL;
  if (swdf_probe_open(&probe, ctx, NULL) == SWDF_OK) {
    swdf_probe_info info = {.size = sizeof(info)};
    (void)swdf_probe_get_info(&info, probe);
    swdf_connect_opts opts = SWDF_CONNECT_OPTS_INIT;
    opts.mode = (swdf_connect_mode)((flags >> 2) & 3);
    swdf_target *t = NULL;
    if (swdf_target_connect(&t, probe, &opts) == SWDF_OK) {
      swdf_chip_info chip = {.size = sizeof(chip)};
      (void)swdf_target_chip_info(&chip, t);
      swdf_target_disconnect(t);
    }
    swdf_probe_close(probe);
  }
  swdf_ctx_free(ctx);
  size_t len = 0;
  const uint8_t *rec = fake_usb_recording(f, &len);
  static const char serial[] = "FAKESERIAL00000000000001";
  char path[512];
  snprintf(path, sizeof(path), "%s/%s", dir, name);
  FILE *out = fopen(path, "wb");
  if (out == NULL) {
    perror(path);
    exit(1);
  }
  uint8_t header[3] = {pid_index, flags, 2 * (sizeof(serial) - 1)};
  fwrite(header, 1, sizeof(header), out);
  for (size_t i = 0; i + 1 < sizeof(serial); i++) {
    fputc(serial[i], out);
    fputc(0, out);
  }
  fwrite(rec, 1, len, out);
  fclose(out);
  fake_usb_free(f);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s OUTPUT_DIR\n", argv[0]);
    return 2;
  }
  write_seed(argv[1], "open-v2", PID_V2, 0, open_only_v2);
  write_seed(argv[1], "open-v2-dfu", PID_V2, 0, open_dfu_v2);
  write_seed(argv[1], "open-v3", PID_V3, 0, open_only_v3);
  write_seed(argv[1], "connect-f103", PID_V2, FLAG_MODE_NORMAL, connect_f103);
  return 0;
}
