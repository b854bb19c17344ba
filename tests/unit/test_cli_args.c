#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cli.h"

static char err[256];

static void numbers_in_every_base(void **state) {
  (void)state;
  uint32_t v = 0;
  assert_true(cli_parse_u32("0x08000000", &v, err, sizeof(err)));
  assert_int_equal(v, 0x08000000);
  assert_true(cli_parse_u32("0X1f", &v, err, sizeof(err)));
  assert_int_equal(v, 0x1f);
  assert_true(cli_parse_u32("4096", &v, err, sizeof(err)));
  assert_int_equal(v, 4096);
  assert_true(cli_parse_u32("0b101", &v, err, sizeof(err)));
  assert_int_equal(v, 5);
  assert_true(cli_parse_u32("0xFFFFFFFF", &v, err, sizeof(err)));
  assert_int_equal(v, 0xFFFFFFFFu);
}

static void bad_numbers_are_rejected_with_reason(void **state) {
  (void)state;
  uint32_t v = 7;
  assert_false(cli_parse_u32("0x8000000G", &v, err, sizeof(err)));
  assert_non_null(strstr(err, "0x8000000G"));
  assert_non_null(strstr(err, "'G'"));
  assert_int_equal(v, 7);
  assert_false(cli_parse_u32("", &v, err, sizeof(err)));
  assert_false(cli_parse_u32("0x", &v, err, sizeof(err)));
  assert_false(cli_parse_u32("-1", &v, err, sizeof(err)));
  assert_false(cli_parse_u32("12 ", &v, err, sizeof(err)));
  assert_false(cli_parse_u32("0b102", &v, err, sizeof(err)));
  assert_false(cli_parse_u32("0x100000000", &v, err, sizeof(err)));
  assert_non_null(strstr(err, "32 bits"));
  assert_false(cli_parse_u32("99999999999999999999999", &v, err, sizeof(err)));
  assert_int_equal(v, 7);
}

static void sizes_take_binary_suffixes(void **state) {
  (void)state;
  uint32_t v = 0;
  assert_true(cli_parse_size("64K", &v, err, sizeof(err)));
  assert_int_equal(v, 65536);
  assert_true(cli_parse_size("64KiB", &v, err, sizeof(err)));
  assert_int_equal(v, 65536);
  assert_true(cli_parse_size("2M", &v, err, sizeof(err)));
  assert_int_equal(v, 2 * 1024 * 1024);
  assert_true(cli_parse_size("0x400", &v, err, sizeof(err)));
  assert_int_equal(v, 1024);
  assert_false(cli_parse_size("4096M", &v, err, sizeof(err)));
  assert_false(cli_parse_size("12Q", &v, err, sizeof(err)));
  assert_false(cli_parse_size("K", &v, err, sizeof(err)));
}

static void ranges_must_stay_below_4gib(void **state) {
  (void)state;
  uint32_t a = 0;
  uint32_t l = 0;
  assert_true(cli_parse_range("0x08000000", "64K", &a, &l, err, sizeof(err)));
  assert_int_equal(a, 0x08000000);
  assert_int_equal(l, 65536);
  assert_true(cli_parse_range("0xFFFFFFF0", "16", &a, &l, err, sizeof(err)));
  assert_false(cli_parse_range("0xFFFFFFF0", "17", &a, &l, err, sizeof(err)));
  assert_non_null(strstr(err, "past the end"));
  assert_false(cli_parse_range("0x08000000", "0", &a, &l, err, sizeof(err)));
  assert_false(cli_parse_range("0x8000000G", "4", &a, &l, err, sizeof(err)));
}

static void frequencies(void **state) {
  (void)state;
  uint32_t v = 0;
  assert_true(cli_parse_freq_khz("1800", &v, err, sizeof(err)));
  assert_int_equal(v, 1800);
  assert_true(cli_parse_freq_khz("4M", &v, err, sizeof(err)));
  assert_int_equal(v, 4000);
  assert_true(cli_parse_freq_khz("4MHz", &v, err, sizeof(err)));
  assert_int_equal(v, 4000);
  assert_true(cli_parse_freq_khz("950k", &v, err, sizeof(err)));
  assert_int_equal(v, 950);
  assert_false(cli_parse_freq_khz("0", &v, err, sizeof(err)));
  assert_false(cli_parse_freq_khz("fast", &v, err, sizeof(err)));
}

static const cli_opt test_opts[] = {
    {"mass-erase", 0, false, 10, NULL, "erase everything"},
    {"format", 'F', true, 11, "FMT", "bin or hex"},
    {0},
};

static void parser_mixes_globals_options_and_arguments(void **state) {
  (void)state;
  char *argv[] = {"--json", "a", "-vv", "--format=hex", "--serial", "ABC", "--mass-erase",
                  "-F", "bin", "--", "--not-an-option", "-q"};
  cli_globals g = {0};
  cli_parser p;
  cli_parser_init(&p, (int)(sizeof(argv) / sizeof(argv[0])), argv, test_opts, &g);
  assert_int_equal(cli_next(&p), CLI_NEXT_ARG);
  assert_string_equal(p.value, "a");
  assert_int_equal(cli_next(&p), 11);
  assert_string_equal(p.value, "hex");
  assert_int_equal(cli_next(&p), 10);
  assert_int_equal(cli_next(&p), 11);
  assert_string_equal(p.value, "bin");
  assert_int_equal(cli_next(&p), CLI_NEXT_ARG);
  assert_string_equal(p.value, "--not-an-option");
  assert_int_equal(cli_next(&p), CLI_NEXT_ARG);
  assert_string_equal(p.value, "-q");
  assert_int_equal(cli_next(&p), CLI_NEXT_END);
  assert_true(g.json);
  assert_int_equal(g.verbose, 2);
  assert_string_equal(g.serial, "ABC");
  assert_false(g.quiet);
}

static void parser_reports_errors(void **state) {
  (void)state;
  cli_globals g = {0};
  cli_parser p;
  char *unknown[] = {"--frobnicate"};
  cli_parser_init(&p, 1, unknown, test_opts, &g);
  assert_int_equal(cli_next(&p), CLI_NEXT_ERROR);
  assert_non_null(strstr(p.error, "--frobnicate"));

  char *missing[] = {"--serial"};
  cli_parser_init(&p, 1, missing, test_opts, &g);
  assert_int_equal(cli_next(&p), CLI_NEXT_ERROR);
  assert_non_null(strstr(p.error, "needs a value"));

  char *flag_value[] = {"--mass-erase=yes"};
  cli_parser_init(&p, 1, flag_value, test_opts, &g);
  assert_int_equal(cli_next(&p), CLI_NEXT_ERROR);
  assert_non_null(strstr(p.error, "takes no value"));

  char *bad_freq[] = {"--freq", "12x"};
  cli_parser_init(&p, 2, bad_freq, test_opts, &g);
  assert_int_equal(cli_next(&p), CLI_NEXT_ERROR);

  char *bad_connect[] = {"--connect=sideways"};
  cli_parser_init(&p, 1, bad_connect, test_opts, &g);
  assert_int_equal(cli_next(&p), CLI_NEXT_ERROR);
  assert_non_null(strstr(p.error, "under-reset"));

  char *help[] = {"-h"};
  cli_parser_init(&p, 1, help, test_opts, &g);
  assert_int_equal(cli_next(&p), CLI_NEXT_HELP);
}

static void connect_modes(void **state) {
  (void)state;
  cli_connect_mode m = CLI_CONNECT_AUTO;
  assert_true(cli_parse_connect("under-reset", &m, err, sizeof(err)));
  assert_int_equal(m, CLI_CONNECT_UNDER_RESET);
  assert_true(cli_parse_connect("hot-plug", &m, err, sizeof(err)));
  assert_int_equal(m, CLI_CONNECT_HOT_PLUG);
  assert_false(cli_parse_connect("Normal", &m, err, sizeof(err)));
}

static void exit_codes_follow_error_classes(void **state) {
  (void)state;
  assert_int_equal(cli_exit_code_for(SWDF_OK), CLI_EXIT_OK);
  assert_int_equal(cli_exit_code_for(SWDF_ERR_NO_PROBE), CLI_EXIT_NO_PROBE);
  assert_int_equal(cli_exit_code_for(SWDF_ERR_NO_TARGET), CLI_EXIT_NO_TARGET);
  assert_int_equal(cli_exit_code_for(SWDF_ERR_READ_PROTECTED), CLI_EXIT_PROTECTED);
  assert_int_equal(cli_exit_code_for(SWDF_ERR_VERIFY), CLI_EXIT_MISMATCH);
  assert_int_equal(cli_exit_code_for(SWDF_ERR_USB), CLI_EXIT_FAILED);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(numbers_in_every_base),
      cmocka_unit_test(bad_numbers_are_rejected_with_reason),
      cmocka_unit_test(sizes_take_binary_suffixes),
      cmocka_unit_test(ranges_must_stay_below_4gib),
      cmocka_unit_test(frequencies),
      cmocka_unit_test(parser_mixes_globals_options_and_arguments),
      cmocka_unit_test(parser_reports_errors),
      cmocka_unit_test(connect_modes),
      cmocka_unit_test(exit_codes_follow_error_classes),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
