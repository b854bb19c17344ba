/*
 * Fuzz image loading as the CLI does it: format detection by content and
 * name (lib/image/load.c), raw binaries at a given address.
 *
 * Input: one byte choosing the file name and options, four bytes of base
 * address (little-endian), then the file's bytes.
 */
#include <string.h>

#include "image_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const char *const names[] = {"firmware", "firmware.bin", "firmware.hex", "firmware.s19",
                                      "firmware.elf", "dir.hex/firmware", NULL, "x.srec"};
  if (size < 5) {
    return 0;
  }
  uint8_t sel = data[0];
  uint32_t base = (uint32_t)data[1] | (uint32_t)data[2] << 8 | (uint32_t)data[3] << 16 |
                  (uint32_t)data[4] << 24;
  data += 5;
  size -= 5;
  swdf_image_opts opts = SWDF_IMAGE_OPTS_INIT;
  opts.format = (sel & 0x08) ? SWDF_IMAGE_BIN : SWDF_IMAGE_AUTO;
  opts.has_base = (sel & 0x10) != 0;
  opts.base = base;
  fuzz_parse_image(data, size, names[sel & 7], &opts);
  return 0;
}
