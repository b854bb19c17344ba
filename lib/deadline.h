/*
 * Deadlines and adaptive polling.
 *
 * A deadline is computed by the caller from the operation (datasheet time,
 * bytes on the wire, SWD clock) and passes when either the monotonic clock
 * or the time spent sleeping between polls exceeds it. Counting the sleeps
 * keeps deadlines meaningful when sleeps do not take real time (the
 * simulator advances a virtual clock instead), and the monotonic clock keeps
 * them honest on real hardware.
 *
 * Polls start fast and back off: the sleep before the next poll doubles from
 * `first_sleep_us` but never exceeds a quarter of the time already waited
 * (so waiting overshoots the real end of an operation by at most ~25%) nor
 * `max_sleep_us`.
 */
#ifndef SWDF_DEADLINE_H
#define SWDF_DEADLINE_H

#include <stdbool.h>
#include <stdint.h>

typedef struct swdf_deadline {
  uint64_t start_ns;       /* monotonic clock at the start */
  uint64_t timeout_us;
  uint64_t slept_us;       /* total requested sleep */
  uint32_t next_sleep_us;
  uint32_t max_sleep_us;
  uint32_t polls;
} swdf_deadline;

/* Start a deadline `timeout_us` from now. Polling sleeps start at 50 us. */
void swdf__deadline_start(swdf_deadline *d, uint64_t timeout_us);

/* Same, with an explicit first and largest sleep between polls. */
void swdf__deadline_start_polling(swdf_deadline *d, uint64_t timeout_us, uint32_t first_sleep_us,
                                  uint32_t max_sleep_us);

/* Time waited so far: the larger of the monotonic time and the sleeps. */
uint64_t swdf__deadline_elapsed_us(const swdf_deadline *d);

bool swdf__deadline_passed(const swdf_deadline *d);

/* Sleep before the next poll (backing off as described above). */
void swdf__deadline_sleep(swdf_deadline *d);

/* Sleep for a fixed, short settling time that a datasheet asks for. */
void swdf__sleep_us(uint32_t us);

/* Monotonic clock in nanoseconds. */
uint64_t swdf__monotonic_ns(void);

#endif
