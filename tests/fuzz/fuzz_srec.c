/* Fuzz the Motorola S-record reader (lib/image/srec.c) through swdf_image_parse. */
#include "image_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  swdf_image_opts opts = SWDF_IMAGE_OPTS_INIT;
  opts.format = SWDF_IMAGE_SREC;
  fuzz_parse_image(data, size, "firmware.s19", &opts);
  return 0;
}
