#include "deadline.h"

#include <errno.h>
#include <time.h>

uint64_t swdf__monotonic_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void swdf__sleep_us(uint32_t us) {
  struct timespec ts = {.tv_sec = us / 1000000u, .tv_nsec = (long)(us % 1000000u) * 1000};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

void swdf__deadline_start_polling(swdf_deadline *d, uint64_t timeout_us, uint32_t first_sleep_us,
                                  uint32_t max_sleep_us) {
  d->start_ns = swdf__monotonic_ns();
  d->timeout_us = timeout_us;
  d->slept_us = 0;
  d->next_sleep_us = first_sleep_us > 0 ? first_sleep_us : 1;
  d->max_sleep_us = max_sleep_us > d->next_sleep_us ? max_sleep_us : d->next_sleep_us;
  d->polls = 0;
}

void swdf__deadline_start(swdf_deadline *d, uint64_t timeout_us) {
  swdf__deadline_start_polling(d, timeout_us, 50, 20000);
}

uint64_t swdf__deadline_elapsed_us(const swdf_deadline *d) {
  uint64_t real_us = (swdf__monotonic_ns() - d->start_ns) / 1000u;
  return real_us > d->slept_us ? real_us : d->slept_us;
}

bool swdf__deadline_passed(const swdf_deadline *d) {
  return swdf__deadline_elapsed_us(d) >= d->timeout_us;
}

void swdf__deadline_sleep(swdf_deadline *d) {
  uint64_t elapsed = swdf__deadline_elapsed_us(d);
  uint64_t sleep = d->next_sleep_us;
  uint64_t quarter = elapsed / 4;
  if (sleep > quarter && quarter >= 1) {
    sleep = quarter;
  }
  if (elapsed + sleep > d->timeout_us && d->timeout_us > elapsed) {
    sleep = d->timeout_us - elapsed; /* wake up right at the deadline for a last poll */
  }
  if (sleep == 0) {
    sleep = 1;
  }
  swdf__sleep_us((uint32_t)sleep);
  d->slept_us += sleep;
  d->polls++;
  uint64_t next = (uint64_t)d->next_sleep_us * 2;
  d->next_sleep_us = (uint32_t)(next < d->max_sleep_us ? next : d->max_sleep_us);
}
