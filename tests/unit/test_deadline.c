/* Deadlines: they pass by real time or by time slept, whichever is more. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "deadline.h"

static void passes_after_its_time_and_backs_off(void **state) {
  (void)state;
  swdf_deadline d;
  swdf__deadline_start_polling(&d, 20000, 100, 4000);
  assert_false(swdf__deadline_passed(&d));
  uint64_t last = 0;
  unsigned polls = 0;
  while (!swdf__deadline_passed(&d)) {
    swdf__deadline_sleep(&d);
    assert_true(swdf__deadline_elapsed_us(&d) >= d.slept_us);
    assert_true(d.slept_us > last);
    last = d.slept_us;
    polls++;
  }
  /* Backing off: far fewer polls than 20 ms / 100 us, and the last sleep
   * did not overshoot the deadline by more than the largest sleep. */
  assert_true(polls < 60);
  assert_true(swdf__deadline_elapsed_us(&d) >= 20000);
  assert_true(d.slept_us <= 20000 + 4000);
}

static void counts_sleeps_even_if_they_take_no_time(void **state) {
  (void)state;
  swdf_deadline d;
  swdf__deadline_start(&d, 1000);
  d.slept_us = 1000; /* as if a virtual clock had advanced */
  assert_true(swdf__deadline_passed(&d));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(passes_after_its_time_and_backs_off),
      cmocka_unit_test(counts_sleeps_even_if_they_take_no_time),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
