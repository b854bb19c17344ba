/*
 * Virtual time for the client (timing model 5). With the simulator in
 * LD_PRELOAD these replace the C library's sleeps and clocks:
 *
 * - usleep, nanosleep, clock_nanosleep and sleep advance the virtual clock
 *   by the requested time and return at once;
 * - clock_gettime (wall and monotonic clocks), gettimeofday and time report
 *   the real time at the first reading plus the virtual time elapsed.
 *
 * Why the clocks too: the peer tools time their waits with gettimeofday
 * (openocd's timeval_ms, libstlink's flash loader timeout) and pyOCD with
 * clock_gettime. If they saw real time while sleeps were virtual, a slow
 * simulation (sanitizers, Unicorn) could make them time out where the chip
 * would have answered in time, and their timeouts would not mean what they
 * mean on hardware. With virtual clocks every client times out exactly when
 * it would on the modelled hardware, and a test never depends on how fast
 * the machine is.
 *
 * The clocks only read the virtual time: they never take the simulator's
 * lock, run the simulation or allocate, so they are safe to call from
 * anywhere, also from inside the client's allocator (ASan's allocator reads
 * the clock while it holds its own lock, and the simulation allocates).
 * The sleeps do run the simulation (in-flight transfers, the targets).
 *
 * The price: a client that spins on the clock without sleeping or doing USB
 * would wait forever, so once it has read the same virtual instant
 * SPIN_READS times in a row each further reading costs it SPIN_STEP; the
 * simulation takes that time into account when it next runs. And a
 * deadline computed from these clocks and handed to the kernel (a timed
 * pthread_cond_timedwait or sem_timedwait in a multi-threaded client) is
 * in virtual time, which runs ahead of real time: such waits can last
 * longer in real time. None of the peer tools wait that way.
 *
 * CPU-time clocks stay real.
 */
#include "process.h"

#include <errno.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

enum { SPIN_READS = 1000 };
#define SPIN_STEP SIM_US(1)
#define NS_PER_S 1000000000u

static sim_ns from_timespec(const struct timespec *ts)
{
  return (sim_ns)ts->tv_sec * NS_PER_S + (sim_ns)ts->tv_nsec;
}

static struct timespec to_timespec(sim_ns ns)
{
  struct timespec ts = {.tv_sec = (time_t)(ns / NS_PER_S), .tv_nsec = (long)(ns % NS_PER_S)};
  return ts;
}

static bool valid(const struct timespec *ts)
{
  return ts && ts->tv_sec >= 0 && ts->tv_nsec >= 0 && ts->tv_nsec < (long)NS_PER_S;
}

static sim_ns real_clock(clockid_t id)
{
  struct timespec ts = {0, 0};
  syscall(SYS_clock_gettime, id, &ts);
  return from_timespec(&ts);
}

static void pass_time(sim_ns ns)
{
  sim_process *p = sim_process_get();
  sim_process_lock(p);
  sim_process_advance(p, ns);
  sim_process_unlock(p);
}

static bool is_virtual(clockid_t id)
{
  switch (id) {
  case CLOCK_REALTIME:
  case CLOCK_MONOTONIC:
  case CLOCK_MONOTONIC_RAW:
  case CLOCK_REALTIME_COARSE:
  case CLOCK_MONOTONIC_COARSE:
  case CLOCK_BOOTTIME:
  case CLOCK_REALTIME_ALARM:
  case CLOCK_BOOTTIME_ALARM:
  case CLOCK_TAI:
    return true;
  default:
    return false;
  }
}

static bool is_wall(clockid_t id)
{
  return id == CLOCK_REALTIME || id == CLOCK_REALTIME_COARSE || id == CLOCK_REALTIME_ALARM ||
         id == CLOCK_TAI;
}

/* The real clock at the first reading of its virtual counterpart. */
static sim_ns real_base(_Atomic sim_ns *base, clockid_t id)
{
  sim_ns seen = atomic_load(base);
  if (seen == 0) {
    sim_ns real = real_clock(id);
    seen = atomic_compare_exchange_strong(base, &seen, real) ? real : seen;
  }
  return seen;
}

/* The virtual time the client's clocks show, charging a spinning client. */
static sim_ns shown_time(sim_process *p)
{
  sim_ns shown = atomic_load(&p->visible_now);
  if (atomic_load(&p->idle_clock_at) != shown) {
    atomic_store(&p->idle_clock_at, shown);
    atomic_store(&p->idle_clock_reads, 0);
  }
  if (atomic_fetch_add(&p->idle_clock_reads, 1) >= SPIN_READS) {
    /* A client spinning on the clock: let its spin take time. */
    shown = atomic_fetch_add(&p->visible_now, SPIN_STEP) + SPIN_STEP;
    atomic_store(&p->idle_clock_at, shown);
  }
  return shown;
}

/* The reading of a virtual clock now. */
static sim_ns virtual_clock(clockid_t id)
{
  sim_process *p = sim_process_get();
  sim_ns base = is_wall(id) ? real_base(&p->real_base_realtime, CLOCK_REALTIME)
                            : real_base(&p->real_base_monotonic, CLOCK_MONOTONIC);
  return base + shown_time(p);
}

int clock_gettime(clockid_t clock_id, struct timespec *tp)
{
  if (!is_virtual(clock_id)) {
    long r = syscall(SYS_clock_gettime, clock_id, tp);
    return r == 0 ? 0 : -1;
  }
  *tp = to_timespec(virtual_clock(clock_id));
  return 0;
}

int gettimeofday(struct timeval *restrict tv, void *restrict tz)
{
  (void)tz;
  sim_ns t = virtual_clock(CLOCK_REALTIME);
  tv->tv_sec = (time_t)(t / NS_PER_S);
  tv->tv_usec = (suseconds_t)(t % NS_PER_S / 1000u);
  return 0;
}

time_t time(time_t *tloc)
{
  time_t t = (time_t)(virtual_clock(CLOCK_REALTIME) / NS_PER_S);
  if (tloc)
    *tloc = t;
  return t;
}

int nanosleep(const struct timespec *req, struct timespec *rem)
{
  if (!valid(req)) {
    errno = EINVAL;
    return -1;
  }
  pass_time(from_timespec(req));
  if (rem)
    *rem = to_timespec(0);
  return 0;
}

int clock_nanosleep(clockid_t clock_id, int flags, const struct timespec *req,
                    struct timespec *rem)
{
  if (!valid(req))
    return EINVAL;
  sim_ns ns = from_timespec(req);
  if (flags & TIMER_ABSTIME) {
    /* An absolute deadline on a clock the client reads virtually. */
    sim_ns now = is_virtual(clock_id) ? virtual_clock(clock_id) : real_clock(clock_id);
    ns = ns > now ? ns - now : 0;
  } else if (rem) {
    *rem = to_timespec(0);
  }
  pass_time(ns);
  return 0;
}

int usleep(useconds_t usec)
{
  pass_time((sim_ns)usec * 1000u);
  return 0;
}

unsigned int sleep(unsigned int seconds)
{
  pass_time((sim_ns)seconds * NS_PER_S);
  return 0;
}
