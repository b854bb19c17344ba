/* A minimal program that uses the installed library through pkg-config. */
#include <stdio.h>
#include <string.h>

#include <swdflash/swdflash.h>

int main(void) {
  swdf_ctx *ctx = NULL;
  swdf_ctx_opts opts = SWDF_CTX_OPTS_INIT;
  if (swdf_ctx_new(&ctx, &opts) != SWDF_OK) {
    return 1;
  }
  if (strcmp(swdf_version(), SWDF_VERSION_STRING) != 0) {
    fprintf(stderr, "header %s, library %s\n", SWDF_VERSION_STRING, swdf_version());
    swdf_ctx_free(ctx);
    return 1;
  }
  printf("consumer ok: %s, %s\n", swdf_version(), swdf_strerror(SWDF_ERR_NO_PROBE));
  swdf_ctx_free(ctx);
  return 0;
}
