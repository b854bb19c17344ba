#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "internal.h"

struct log_capture {
  int count;
  swdf_log_level last_level;
  char last[256];
};

static void capture_log(void *user, swdf_log_level level, const char *msg) {
  struct log_capture *c = user;
  c->count++;
  c->last_level = level;
  snprintf(c->last, sizeof(c->last), "%s", msg);
}

static void create_with_defaults_and_free(void **state) {
  (void)state;
  swdf_ctx *ctx = NULL;
  assert_int_equal(swdf_ctx_new(&ctx, NULL), SWDF_OK);
  assert_non_null(ctx);
  assert_string_equal(swdf_ctx_errmsg(ctx), "");
  assert_string_equal(swdf_ctx_hint(ctx), "");
  assert_int_equal(swdf_ctx_last_error(ctx), SWDF_OK);
  swdf_ctx_free(ctx);
  swdf_ctx_free(NULL);
}

static void rejects_null_out_and_bad_size(void **state) {
  (void)state;
  assert_int_equal(swdf_ctx_new(NULL, NULL), SWDF_ERR_INVALID_ARG);
  swdf_ctx_opts opts = SWDF_CTX_OPTS_INIT;
  swdf_ctx *ctx = (swdf_ctx *)0x1;
  /* A size below the first version's (size never set) is refused. */
  opts.size = offsetof(swdf_ctx_opts, log);
  assert_int_equal(swdf_ctx_new(&ctx, &opts), SWDF_ERR_INVALID_ARG);
  assert_null(ctx);
}

static void newer_larger_opts_struct(void **state) {
  (void)state;
  /* A caller built against newer headers: fields this library does not
   * know are fine while unset (zero), refused when set. */
  struct {
    swdf_ctx_opts opts;
    unsigned char newer[64];
  } caller = {SWDF_CTX_OPTS_INIT, {0}};
  caller.opts.size = sizeof(caller);
  swdf_ctx *ctx = NULL;
  assert_int_equal(swdf_ctx_new(&ctx, &caller.opts), SWDF_OK);
  swdf_ctx_free(ctx);
  caller.newer[10] = 1;
  ctx = (swdf_ctx *)0x1;
  assert_int_equal(swdf_ctx_new(&ctx, &caller.opts), SWDF_ERR_UNSUPPORTED);
  assert_null(ctx);
}

static void log_levels_filter(void **state) {
  (void)state;
  struct log_capture cap = {0};
  swdf_ctx_opts opts = SWDF_CTX_OPTS_INIT;
  opts.log = capture_log;
  opts.log_level = SWDF_LOG_WARN;
  opts.user = &cap;
  swdf_ctx *ctx = NULL;
  assert_int_equal(swdf_ctx_new(&ctx, &opts), SWDF_OK);
  swdf__log(ctx, SWDF_LOG_INFO, "dropped");
  assert_int_equal(cap.count, 0);
  swdf__log(ctx, SWDF_LOG_WARN, "kept %d", 42);
  assert_int_equal(cap.count, 1);
  assert_int_equal(cap.last_level, SWDF_LOG_WARN);
  assert_string_equal(cap.last, "kept 42");
  swdf_ctx_set_log_level(ctx, SWDF_LOG_TRACE);
  swdf__log(ctx, SWDF_LOG_TRACE, "trace");
  assert_int_equal(cap.count, 2);
  swdf_ctx_free(ctx);
}

static void errors_carry_message_and_hint(void **state) {
  (void)state;
  swdf_ctx *ctx = NULL;
  assert_int_equal(swdf_ctx_new(&ctx, NULL), SWDF_OK);
  swdf_err e = swdf__fail(ctx, SWDF_ERR_NO_TARGET, "check the wiring", "no answer at %d kHz",
                          1800);
  assert_int_equal(e, SWDF_ERR_NO_TARGET);
  assert_int_equal(swdf_ctx_last_error(ctx), SWDF_ERR_NO_TARGET);
  assert_string_equal(swdf_ctx_errmsg(ctx), "no answer at 1800 kHz");
  assert_string_equal(swdf_ctx_hint(ctx), "check the wiring");
  swdf__prefix_error(ctx, "connecting");
  assert_string_equal(swdf_ctx_errmsg(ctx), "connecting: no answer at 1800 kHz");
  swdf__set_hint(ctx, "try --connect %s", "under-reset");
  assert_string_equal(swdf_ctx_hint(ctx), "try --connect under-reset");
  swdf__clear_error(ctx);
  assert_int_equal(swdf_ctx_last_error(ctx), SWDF_OK);
  assert_string_equal(swdf_ctx_errmsg(ctx), "");
  assert_string_equal(swdf_ctx_hint(ctx), "");
  swdf_ctx_free(ctx);
}

static void long_messages_are_truncated_safely(void **state) {
  (void)state;
  swdf_ctx *ctx = NULL;
  assert_int_equal(swdf_ctx_new(&ctx, NULL), SWDF_OK);
  char big[2000];
  memset(big, 'x', sizeof(big) - 1);
  big[sizeof(big) - 1] = '\0';
  swdf__fail(ctx, SWDF_ERR_IO, big, "%s", big);
  assert_int_equal(strlen(swdf_ctx_errmsg(ctx)), SWDF_MSG_MAX - 1);
  assert_int_equal(strlen(swdf_ctx_hint(ctx)), SWDF_MSG_MAX - 1);
  swdf__prefix_error(ctx, "%s", big);
  assert_int_equal(strlen(swdf_ctx_errmsg(ctx)), SWDF_MSG_MAX - 1);
  swdf_ctx_free(ctx);
}

struct progress_capture {
  int calls;
  int cancel_after;
  uint64_t last_done;
};

static int capture_progress(void *user, swdf_phase phase, uint64_t done, uint64_t total) {
  struct progress_capture *p = user;
  (void)phase;
  (void)total;
  p->calls++;
  p->last_done = done;
  return p->calls >= p->cancel_after;
}

static void progress_can_cancel(void **state) {
  (void)state;
  struct progress_capture cap = {0, 2, 0};
  swdf_ctx_opts opts = SWDF_CTX_OPTS_INIT;
  opts.progress = capture_progress;
  opts.user = &cap;
  swdf_ctx *ctx = NULL;
  assert_int_equal(swdf_ctx_new(&ctx, &opts), SWDF_OK);
  assert_int_equal(swdf__progress(ctx, SWDF_PHASE_PROGRAM, 10, 100), SWDF_OK);
  assert_int_equal(swdf__progress(ctx, SWDF_PHASE_PROGRAM, 20, 100), SWDF_ERR_CANCELLED);
  assert_int_equal(cap.last_done, 20);
  assert_int_equal(swdf_ctx_last_error(ctx), SWDF_ERR_CANCELLED);
  swdf_ctx_free(ctx);
}

/* While held (a unit whose kept bytes are not yet back), a stop is only
 * noted; the flash engine acts on it at its next safe point. */
static void held_cancellation_is_noted(void **state) {
  (void)state;
  struct progress_capture cap = {0, 1, 0};
  swdf_ctx_opts opts = SWDF_CTX_OPTS_INIT;
  opts.progress = capture_progress;
  opts.user = &cap;
  swdf_ctx *ctx = NULL;
  assert_int_equal(swdf_ctx_new(&ctx, &opts), SWDF_OK);
  swdf__cancel_hold(ctx, true);
  assert_false(swdf__cancel_asked(ctx));
  assert_int_equal(swdf__progress(ctx, SWDF_PHASE_ERASE, 10, 100), SWDF_OK);
  assert_true(swdf__cancel_asked(ctx));
  assert_int_equal(swdf_ctx_last_error(ctx), SWDF_OK);
  swdf__cancel_hold(ctx, true); /* nested: still held */
  swdf__cancel_hold(ctx, false);
  assert_int_equal(swdf__progress(ctx, SWDF_PHASE_ERASE, 20, 100), SWDF_OK);
  swdf__cancel_hold(ctx, false);
  assert_int_equal(swdf__progress(ctx, SWDF_PHASE_VERIFY, 30, 100), SWDF_ERR_CANCELLED);
  swdf_ctx_free(ctx);
}

static void two_contexts_are_independent(void **state) {
  (void)state;
  swdf_ctx *a = NULL;
  swdf_ctx *b = NULL;
  assert_int_equal(swdf_ctx_new(&a, NULL), SWDF_OK);
  assert_int_equal(swdf_ctx_new(&b, NULL), SWDF_OK);
  swdf__fail(a, SWDF_ERR_USB, NULL, "a failed");
  assert_string_equal(swdf_ctx_errmsg(b), "");
  assert_int_equal(swdf_ctx_last_error(b), SWDF_OK);
  swdf_ctx_free(a);
  swdf_ctx_free(b);
}

/* The chip database through the public API: every built-in entry with what
 * it says about the chip, the end of the list, and the caller's struct size. */
static void chipdb_entries(void **state) {
  (void)state;
  swdf_ctx *ctx = NULL;
  assert_int_equal(swdf_ctx_new(&ctx, NULL), SWDF_OK);
  size_t count = 0;
  assert_int_equal(swdf_chipdb_count(&count, ctx), SWDF_OK);
  assert_true(count > 50);
  bool found = false;
  for (size_t i = 0; i < count; i++) {
    swdf_chip_info c = SWDF_CHIP_INFO_INIT;
    assert_int_equal(swdf_chipdb_get(&c, ctx, i), SWDF_OK);
    assert_true(c.id[0] != '\0' && c.name[0] != '\0');
    if (strcmp(c.id, "stm32f4-446") == 0) {
      found = true;
      assert_int_equal(c.dev_id, 0x421);
      assert_int_equal(c.flash_base, 0x08000000u);
      assert_int_equal(c.flash_size, 512u * 1024);
      assert_int_equal(c.ram_size, 128u * 1024);
      assert_string_equal(c.family, "f4");
      assert_string_equal(c.driver, "stm32f4");
      assert_int_equal(c.freq_khz, 0); /* nothing connected */
    }
  }
  assert_true(found);
  swdf_chip_info c = SWDF_CHIP_INFO_INIT;
  assert_int_equal(swdf_chipdb_get(&c, ctx, count), SWDF_ERR_RANGE);
  assert_non_null(strstr(swdf_ctx_errmsg(ctx), "there are"));
  c.size = 0;
  assert_int_equal(swdf_chipdb_get(&c, ctx, 0), SWDF_ERR_INVALID_ARG);
  assert_int_equal(swdf_chipdb_count(NULL, ctx), SWDF_ERR_INVALID_ARG);
  swdf_ctx_free(ctx);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(create_with_defaults_and_free),
      cmocka_unit_test(rejects_null_out_and_bad_size),
      cmocka_unit_test(newer_larger_opts_struct),
      cmocka_unit_test(log_levels_filter),
      cmocka_unit_test(errors_carry_message_and_hint),
      cmocka_unit_test(long_messages_are_truncated_safely),
      cmocka_unit_test(progress_can_cancel),
      cmocka_unit_test(held_cancellation_is_noted),
      cmocka_unit_test(two_contexts_are_independent),
      cmocka_unit_test(chipdb_entries),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
