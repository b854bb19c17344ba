/*
 * Versioned structs: callers built against older headers (a smaller
 * `size`) and newer ones (a larger `size`), for every public struct with a
 * `size` field. Results: nothing is written past the caller's size (canary
 * bytes right after it stay as they were), a size below the struct's first
 * version is refused and nothing at all is written. Options: a prefix
 * leaves the missing fields at their defaults, a too small size is refused
 * before anything happens.
 *
 * Run under swdsim (`swdsim run -- test_versioned`): the calls that need a
 * probe and a chip get a simulated F103.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "internal.h"

enum { CANARY = 0xA5, SLACK = 64 };

/* ---- the helper, on a struct that grew ----------------------------------- */

typedef struct grown {
  size_t size;
  uint32_t a;  /* version 1 ends here */
  uint32_t b;  /* added in version 2 */
  uint64_t c;
} grown;

#define GROWN_MIN SWDF__V1_SIZE(grown, a)

static void helper_in_takes_the_callers_prefix(void **state) {
  (void)state;
  grown defaults = {sizeof(grown), 1, 2, 3};
  grown in = {GROWN_MIN, 10, 20, 30};
  grown dst = defaults;
  assert_int_equal(swdf__versioned_in(&dst, sizeof(dst), &in, GROWN_MIN, NULL, "grown"), SWDF_OK);
  assert_int_equal(dst.size, sizeof(grown));
  assert_int_equal(dst.a, 10);
  assert_int_equal(dst.b, 2); /* past the caller's size: the default */
  assert_int_equal(dst.c, 3);
  in.size = sizeof(in);
  dst = defaults;
  assert_int_equal(swdf__versioned_in(&dst, sizeof(dst), &in, GROWN_MIN, NULL, "grown"), SWDF_OK);
  assert_int_equal(dst.b, 20);
  assert_int_equal(dst.c, 30);
  in.size = GROWN_MIN - 1;
  dst = defaults;
  assert_int_equal(swdf__versioned_in(&dst, sizeof(dst), &in, GROWN_MIN, NULL, "grown"),
                   SWDF_ERR_INVALID_ARG);
  assert_memory_equal(&dst, &defaults, sizeof(dst));
  assert_int_equal(swdf__versioned_in(&dst, sizeof(dst), NULL, GROWN_MIN, NULL, "grown"), SWDF_OK);
  assert_memory_equal(&dst, &defaults, sizeof(dst));
}

static void helper_out_writes_only_the_callers_size(void **state) {
  (void)state;
  grown value = {sizeof(grown), 10, 20, 30};
  for (size_t size = 0; size <= sizeof(grown) + 8; size++) {
    unsigned char buf[sizeof(grown) + 16];
    memset(buf, CANARY, sizeof(buf));
    memcpy(buf, &size, sizeof(size));
    swdf_err err = swdf__versioned_out(buf, &value, sizeof(value), GROWN_MIN, NULL, "grown");
    size_t written = size < sizeof(grown) ? size : sizeof(grown);
    if (size < GROWN_MIN) {
      assert_int_equal(err, SWDF_ERR_INVALID_ARG);
      written = sizeof(size_t); /* only the caller's own size field */
    } else {
      assert_int_equal(err, SWDF_OK);
      size_t got;
      memcpy(&got, buf, sizeof(got));
      assert_int_equal(got, written);
      assert_memory_equal(buf + sizeof(size_t), (const unsigned char *)&value + sizeof(size_t),
                          written - sizeof(size_t));
    }
    for (size_t i = written; i < sizeof(buf); i++) {
      assert_int_equal(buf[i], CANARY);
    }
  }
}

/* ---- every public result struct, through the real calls ----------------- */

typedef struct sim {
  swdf_ctx *ctx;
  swdf_probe *probe;
  swdf_target *target;
  swdf_options *options;
} sim;

static int sim_setup(void **state) {
  sim *s = calloc(1, sizeof(*s));
  assert_int_equal(swdf_ctx_new(&s->ctx, NULL), SWDF_OK);
  assert_int_equal(swdf_probe_open(&s->probe, s->ctx, NULL), SWDF_OK);
  assert_int_equal(swdf_target_connect(&s->target, s->probe, NULL), SWDF_OK);
  assert_int_equal(swdf_options_read(&s->options, s->target), SWDF_OK);
  *state = s;
  return 0;
}

static int sim_teardown(void **state) {
  sim *s = *state;
  swdf_options_free(s->options);
  swdf_target_disconnect(s->target);
  swdf_probe_close(s->probe);
  swdf_ctx_free(s->ctx);
  free(s);
  return 0;
}

/* Calls the API with a result struct at `out`. */
typedef swdf_err (*result_call)(void *out, sim *s);

/*
 * One result struct of `full` bytes whose first version is `min` bytes:
 * callers with sizes 0, min - 1 (refused: nothing written), min (an older
 * caller: exactly min bytes written), the library's size, and a newer
 * caller's (the library's size written, and said so in `size`).
 */
static void check_result(sim *s, const char *type, size_t full, size_t min, result_call call) {
  size_t sizes[] = {0, sizeof(size_t), min - 1, min, full, full + SLACK};
  for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
    size_t size = sizes[k];
    unsigned char *buf = malloc(full + 2 * SLACK);
    memset(buf, CANARY, full + 2 * SLACK);
    memcpy(buf, &size, sizeof(size));
    swdf_err err = call(buf, s);
    size_t written;
    if (size < min) {
      if (err != SWDF_ERR_INVALID_ARG) {
        fail_msg("%s with size %zu: %s, expected a refusal", type, size, swdf_err_name(err));
      }
      assert_non_null(strstr(swdf_ctx_errmsg(s->ctx), type));
      written = sizeof(size_t);
    } else {
      if (err != SWDF_OK) {
        fail_msg("%s with size %zu: %s (%s)", type, size, swdf_err_name(err),
                 swdf_ctx_errmsg(s->ctx));
      }
      written = size < full ? size : full;
      size_t got;
      memcpy(&got, buf, sizeof(got));
      assert_int_equal(got, written);
    }
    for (size_t i = written; i < full + 2 * SLACK; i++) {
      if (buf[i] != CANARY) {
        fail_msg("%s with size %zu: byte %zu (past the caller's size) was written", type, size,
                 i);
      }
    }
    free(buf);
  }
}

static swdf_err call_probe_info(void *out, sim *s) { return swdf_probe_get_info(out, s->probe); }
static swdf_err call_probe_list_get(void *out, sim *s) {
  swdf_probe_info *list = NULL;
  size_t count = 0;
  swdf_err err = swdf_probe_list(&list, &count, s->ctx);
  if (err == SWDF_OK) {
    err = swdf_probe_list_get(out, list, count, 0);
    if (err != SWDF_OK) {
      /* No context to carry a message: name the struct for check_result. */
      swdf__fail(s->ctx, err, NULL, "swdf_probe_info: refused");
    }
  }
  swdf_probe_list_free(list);
  return err;
}
static swdf_err call_chip_info(void *out, sim *s) { return swdf_target_chip_info(out, s->target); }
static swdf_err call_flash_info(void *out, sim *s) {
  return swdf_target_flash_info(out, s->target);
}
static swdf_err call_protection(void *out, sim *s) {
  return swdf_target_protection(out, s->target);
}
static swdf_err call_opt_field(void *out, sim *s) { return swdf_options_field(out, s->options, 0); }
static swdf_err call_opt_value(void *out, sim *s) {
  return swdf_options_value(out, s->options, (size_t)swdf_options_find(s->options, "rdp"), 0);
}
static swdf_err call_opt_word(void *out, sim *s) { return swdf_options_word(out, s->options, 0); }
static swdf_err call_boot_report(void *out, sim *s) { return swdf_boot_check(out, s->target, NULL); }
static swdf_err call_boot_buffer(void *out, sim *s) {
  static const uint8_t erased[256] = {0};
  swdf_boot_memory mem = SWDF_BOOT_MEMORY_INIT;
  mem.flash_size = 64 * 1024;
  mem.ram_size = 20 * 1024;
  return swdf_boot_check_buffer(out, s->ctx, erased, sizeof(erased), &mem);
}
static swdf_err call_boot_config(void *out, sim *s) {
  return swdf_boot_config_read(out, s->target);
}
static swdf_err call_reset(void *out, sim *s) {
  return swdf_target_reset_ext(out, s->target, SWDF_RESET_SOFT);
}

static swdf_image *small_image(sim *s) {
  static const uint8_t bytes[64] = {1, 2, 3, 4};
  swdf_image *img = NULL;
  swdf_image_opts io = SWDF_IMAGE_OPTS_INIT;
  io.format = SWDF_IMAGE_BIN;
  assert_int_equal(swdf_image_parse(&img, s->ctx, bytes, sizeof(bytes), "small", &io), SWDF_OK);
  return img;
}

static swdf_err call_plan_stats(void *out, sim *s) {
  swdf_image *img = small_image(s);
  swdf_flash_plan *plan = NULL;
  swdf_err err = swdf_flash_plan_new(&plan, s->target, img, NULL);
  if (err == SWDF_OK) {
    err = swdf_flash_plan_stats(out, plan);
  }
  swdf_flash_plan_free(plan);
  swdf_image_free(img);
  return err;
}

static void results_write_only_the_callers_size(void **state) {
  sim *s = *state;
  check_result(s, "swdf_probe_info", sizeof(swdf_probe_info), SWDF__MIN_PROBE_INFO,
               call_probe_info);
  check_result(s, "swdf_probe_info", sizeof(swdf_probe_info), SWDF__MIN_PROBE_INFO,
               call_probe_list_get);
  check_result(s, "swdf_chip_info", sizeof(swdf_chip_info), SWDF__MIN_CHIP_INFO, call_chip_info);
  check_result(s, "swdf_flash_info", sizeof(swdf_flash_info), SWDF__MIN_FLASH_INFO,
               call_flash_info);
  check_result(s, "swdf_protection_info", sizeof(swdf_protection_info),
               SWDF__MIN_PROTECTION_INFO, call_protection);
  check_result(s, "swdf_opt_field", sizeof(swdf_opt_field), SWDF__MIN_OPT_FIELD, call_opt_field);
  check_result(s, "swdf_opt_value", sizeof(swdf_opt_value), SWDF__MIN_OPT_VALUE, call_opt_value);
  check_result(s, "swdf_opt_word", sizeof(swdf_opt_word), SWDF__MIN_OPT_WORD, call_opt_word);
  check_result(s, "swdf_boot_report", sizeof(swdf_boot_report), SWDF__MIN_BOOT_REPORT,
               call_boot_report);
  check_result(s, "swdf_boot_report", sizeof(swdf_boot_report), SWDF__MIN_BOOT_REPORT,
               call_boot_buffer);
  check_result(s, "swdf_write_stats", sizeof(swdf_write_stats), SWDF__MIN_WRITE_STATS,
               call_plan_stats);
  check_result(s, "swdf_boot_config", sizeof(swdf_boot_config), SWDF__MIN_BOOT_CONFIG,
               call_boot_config);
  check_result(s, "swdf_reset_result", sizeof(swdf_reset_result), SWDF__MIN_RESET_RESULT,
               call_reset);
}

/* A write with a bad statistics size is refused before the flash changes. */
static void write_refused_before_touching_the_flash(void **state) {
  sim *s = *state;
  swdf_image *img = small_image(s);
  swdf_write_stats stats = SWDF_WRITE_STATS_INIT;
  stats.size = 4;
  assert_int_equal(swdf_flash_write_image(&stats, s->target, img, NULL), SWDF_ERR_INVALID_ARG);
  assert_non_null(strstr(swdf_ctx_errmsg(s->ctx), "swdf_write_stats"));
  uint32_t word = 0;
  assert_int_equal(swdf_mem_read32(&word, s->target, 0x08000000), SWDF_OK);
  assert_int_equal(word, 0xFFFFFFFFu);
  swdf_image_free(img);
}

/* ---- every public options struct ------------------------------------------ */

/* Calls the API with an options struct at `in`; SWDF_OK when it was taken. */
typedef swdf_err (*options_call)(const void *in, sim *s);

/*
 * Sizes below the first version are refused with a message naming the
 * struct; the first version's size and the library's are taken; a newer
 * caller's zeroed extra fields are taken, set ones refused as unsupported.
 */
static void check_options(sim *s, const char *type, const void *init, size_t full, size_t min,
                          options_call call) {
  unsigned char *buf = calloc(1, full + SLACK);
  size_t sizes[] = {0, min - 1, min, full, full + SLACK};
  for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
    size_t size = sizes[k];
    memset(buf, 0, full + SLACK);
    memcpy(buf, init, full);
    memcpy(buf, &size, sizeof(size));
    swdf_err err = call(buf, s);
    swdf_err want = size < min ? SWDF_ERR_INVALID_ARG : SWDF_OK;
    if (err != want) {
      fail_msg("%s with size %zu: %s, expected %s (%s)", type, size, swdf_err_name(err),
               swdf_err_name(want), swdf_ctx_errmsg(s->ctx));
    }
    if (err != SWDF_OK) {
      assert_non_null(strstr(swdf_ctx_errmsg(s->ctx), type));
    }
  }
  size_t size = full + SLACK;
  memcpy(buf, &size, sizeof(size));
  buf[full + 3] = 1;
  assert_int_equal(call(buf, s), SWDF_ERR_UNSUPPORTED);
  free(buf);
}

static swdf_err take_connect(const void *in, sim *s) {
  swdf_target_disconnect(s->target);
  s->target = NULL;
  swdf_err err = swdf_target_connect(&s->target, s->probe, in);
  if (err != SWDF_OK) {
    /* Keep the fixture usable: connect with the defaults, keep the error. */
    char msg[SWDF_MSG_MAX];
    snprintf(msg, sizeof(msg), "%s", swdf_ctx_errmsg(s->ctx));
    assert_int_equal(swdf_target_connect(&s->target, s->probe, NULL), SWDF_OK);
    swdf__fail(s->ctx, err, NULL, "%s", msg);
  }
  return err;
}

static swdf_err take_image(const void *in, sim *s) {
  static const uint8_t bytes[16] = {1};
  swdf_image *img = NULL;
  swdf_err err = swdf_image_parse(&img, s->ctx, bytes, sizeof(bytes), "x.bin", in);
  swdf_image_free(img);
  return err;
}

static swdf_err take_write(const void *in, sim *s) {
  swdf_image *img = small_image(s);
  swdf_flash_plan *plan = NULL;
  swdf_err err = swdf_flash_plan_new(&plan, s->target, img, in);
  swdf_flash_plan_free(plan);
  swdf_image_free(img);
  return err;
}

static swdf_err take_boot_check(const void *in, sim *s) {
  swdf_boot_report r = SWDF_BOOT_REPORT_INIT;
  return swdf_boot_check(&r, s->target, in);
}

static swdf_err take_boot_memory(const void *in, sim *s) {
  static const uint8_t erased[64] = {0};
  swdf_boot_report r = SWDF_BOOT_REPORT_INIT;
  return swdf_boot_check_buffer(&r, s->ctx, erased, sizeof(erased), in);
}

static swdf_err take_options_write(const void *in, sim *s) {
  return swdf_options_write(s->options, s->target, in); /* nothing to write */
}

static swdf_err take_unlock(const void *in, sim *s) {
  swdf_options *o = NULL;
  swdf_err err = swdf_unlock(&o, s->target, in); /* unlocked already */
  swdf_options_free(o);
  return err;
}

static void options_read_only_the_callers_size(void **state) {
  sim *s = *state;
  swdf_connect_opts connect = SWDF_CONNECT_OPTS_INIT;
  check_options(s, "swdf_connect_opts", &connect, sizeof(connect), SWDF__MIN_CONNECT_OPTS,
                take_connect);
  swdf_image_opts image = SWDF_IMAGE_OPTS_INIT;
  image.format = SWDF_IMAGE_BIN;
  check_options(s, "swdf_image_opts", &image, sizeof(image), SWDF__MIN_IMAGE_OPTS, take_image);
  swdf_write_opts write = SWDF_WRITE_OPTS_INIT;
  check_options(s, "swdf_write_opts", &write, sizeof(write), SWDF__MIN_WRITE_OPTS, take_write);
  swdf_boot_check_opts boot = SWDF_BOOT_CHECK_OPTS_INIT;
  check_options(s, "swdf_boot_check_opts", &boot, sizeof(boot), SWDF__MIN_BOOT_CHECK_OPTS,
                take_boot_check);
  swdf_boot_memory mem = SWDF_BOOT_MEMORY_INIT;
  mem.flash_size = 64 * 1024;
  mem.ram_size = 20 * 1024;
  check_options(s, "swdf_boot_memory", &mem, sizeof(mem), SWDF__MIN_BOOT_MEMORY,
                take_boot_memory);
  swdf_options_write_opts ow = SWDF_OPTIONS_WRITE_OPTS_INIT;
  check_options(s, "swdf_options_write_opts", &ow, sizeof(ow), SWDF__MIN_OPTIONS_WRITE_OPTS,
                take_options_write);
  swdf_unlock_opts unlock = SWDF_UNLOCK_OPTS_INIT;
  check_options(s, "swdf_unlock_opts", &unlock, sizeof(unlock), SWDF__MIN_UNLOCK_OPTS,
                take_unlock);
}

/* swdf_ctx_opts has no context to carry a message: only the code. */
static void ctx_opts_sizes(void **state) {
  (void)state;
  struct {
    swdf_ctx_opts opts;
    unsigned char newer[SLACK];
  } caller = {SWDF_CTX_OPTS_INIT, {0}};
  size_t sizes[] = {0, SWDF__MIN_CTX_OPTS - 1, SWDF__MIN_CTX_OPTS, sizeof(swdf_ctx_opts),
                    sizeof(caller)};
  for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
    caller.opts.size = sizes[k];
    swdf_ctx *ctx = NULL;
    swdf_err err = swdf_ctx_new(&ctx, &caller.opts);
    assert_int_equal(err, sizes[k] < SWDF__MIN_CTX_OPTS ? SWDF_ERR_INVALID_ARG : SWDF_OK);
    swdf_ctx_free(ctx);
  }
}

int main(void) {
  const struct CMUnitTest helper[] = {
      cmocka_unit_test(helper_in_takes_the_callers_prefix),
      cmocka_unit_test(helper_out_writes_only_the_callers_size),
      cmocka_unit_test(ctx_opts_sizes),
  };
  const struct CMUnitTest with_chip[] = {
      cmocka_unit_test(results_write_only_the_callers_size),
      cmocka_unit_test(write_refused_before_touching_the_flash),
      cmocka_unit_test(options_read_only_the_callers_size),
  };
  int failed = cmocka_run_group_tests(helper, NULL, NULL);
  return failed + cmocka_run_group_tests(with_chip, sim_setup, sim_teardown);
}
