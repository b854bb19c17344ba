/*
 * Shared by the fuzz harnesses: the libFuzzer entry point, a check that
 * stays on in every build, and a quiet library context.
 */
#ifndef SWDF_FUZZ_H
#define SWDF_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <swdflash/swdflash.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An invariant of the code under test; a failure is a finding (abort, so
 * libFuzzer saves the input). Unlike assert(), never compiled out. */
#define FUZZ_CHECK(cond)                                                                           \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond);                \
      abort();                                                                                     \
    }                                                                                              \
  } while (0)

/* Every message is built (so its formatting is exercised) and dropped. */
static inline void fuzz_log_sink(void *user, swdf_log_level level, const char *msg) {
  (void)user;
  (void)level;
  size_t n = 0;
  while (msg[n] != '\0') {
    n++;
  }
  FUZZ_CHECK(n < 4096);
}

static inline swdf_ctx *fuzz_ctx_new(void) {
  swdf_ctx_opts opts = SWDF_CTX_OPTS_INIT;
  opts.log = fuzz_log_sink;
  opts.log_level = SWDF_LOG_DEBUG;
  swdf_ctx *ctx = NULL;
  if (swdf_ctx_new(&ctx, &opts) != SWDF_OK) {
    abort();
  }
  return ctx;
}

#endif
