#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <swdflash/swdflash.h>

static void every_code_has_text_and_name(void **state) {
  (void)state;
  for (int code = SWDF_OK; code >= SWDF_ERR_NRST; code--) {
    const char *text = swdf_strerror((swdf_err)code);
    const char *name = swdf_err_name((swdf_err)code);
    assert_non_null(text);
    assert_string_not_equal(text, "unknown error code");
    assert_true(strncmp(name, "SWDF_", 5) == 0);
  }
}

static void names_are_unique(void **state) {
  (void)state;
  for (int a = SWDF_OK; a >= SWDF_ERR_NRST; a--) {
    for (int b = a - 1; b >= SWDF_ERR_NRST; b--) {
      assert_string_not_equal(swdf_err_name((swdf_err)a), swdf_err_name((swdf_err)b));
      assert_string_not_equal(swdf_strerror((swdf_err)a), swdf_strerror((swdf_err)b));
    }
  }
}

static void unknown_code_is_reported_as_such(void **state) {
  (void)state;
  assert_string_equal(swdf_strerror((swdf_err)-999), "unknown error code");
  assert_string_equal(swdf_err_name((swdf_err)42), "SWDF_ERR_UNKNOWN");
  assert_string_equal(swdf_err_name(SWDF_ERR_USB), "SWDF_ERR_USB");
}

static void version_matches_macros(void **state) {
  (void)state;
  assert_string_equal(swdf_version(), SWDF_VERSION_STRING);
  assert_int_equal(SWDF_VERSION_NUMBER,
                   SWDF_VERSION_MAJOR * 10000 + SWDF_VERSION_MINOR * 100 + SWDF_VERSION_PATCH);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(every_code_has_text_and_name),
      cmocka_unit_test(names_are_unique),
      cmocka_unit_test(unknown_code_is_reported_as_such),
      cmocka_unit_test(version_matches_macros),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
