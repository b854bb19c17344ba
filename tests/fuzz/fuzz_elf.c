/* Fuzz the ELF reader (lib/image/elf.c) through swdf_image_parse. */
#include "image_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  swdf_image_opts opts = SWDF_IMAGE_OPTS_INIT;
  opts.format = SWDF_IMAGE_ELF;
  fuzz_parse_image(data, size, "firmware.elf", &opts);
  return 0;
}
