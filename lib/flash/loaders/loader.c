/*
 * On-target flash loader: works through the slot ring described in
 * loader_abi.h. One source for every flash controller: register offsets,
 * bit masks, the program unit and the store width all come from the
 * control block the host fills from the family's description. Built once
 * per core: for ARMv7-M (runs on Cortex-M3/M4/M7) and for ARMv6-M
 * (Cortex-M0/M0+, Thumb-1 only). Freestanding: no library, no static data,
 * no globals, no division (ARMv6-M has none), so the blob runs wherever in
 * SRAM the host puts it.
 */
#include <stddef.h>
#include <stdint.h>

#include "loader_abi.h"
#include "loader_crc.h"

#define IWDG_RELOAD 0xaaaau

/*
 * The data check of the next slot (SWDF_LOADER_OP_DATA_CRC), worked on
 * while the flash is busy with the units of this one, so that it costs no
 * flash time where the flash sets the pace.
 */
typedef struct lookahead {
  const uint32_t (*tables)[256];
  uint32_t seq; /* the slot whose data `p` walks, 0 = none */
  const uint8_t *p;
  uint32_t left;
  uint32_t crc; /* running (inverted) value */
} lookahead;

typedef struct job {
  volatile swdf_loader_ctl *ctl;
  uint32_t seq;
  uint32_t fail_addr;
  uint32_t fail_sr;
  uint32_t next_slot; /* address of the slot after this one */
  lookahead la;
} job;

/* The CRC loop, once in the blob: every blob byte costs link time. */
__attribute__((noinline)) static uint32_t crc_run(const uint32_t (*tables)[256], uint32_t crc,
                                                  const uint8_t *p, uint32_t len) {
  return swdf_crc32_run(tables, crc, p, len);
}

/* One step of the look-ahead check: short, so that the flash waits little
 * for the poll once it is done (16 bytes, about 60 cycles). */
static inline void lookahead_step(lookahead *la) {
  uint32_t n = la->left < 16u ? la->left : 16u;
  la->crc = crc_run(la->tables, la->crc, la->p, n);
  la->p += n;
  la->left -= n;
}

static inline volatile uint32_t *reg(uint32_t base, uint32_t offset) {
  return (volatile uint32_t *)(uintptr_t)(base + offset);
}

__attribute__((noreturn)) static void stop(volatile swdf_loader_ctl *ctl, uint32_t state) {
  ctl->state = state;
  for (;;) {
    __asm__ volatile("dsb\n\tbkpt #0" ::: "memory");
  }
}

__attribute__((noreturn)) static void fail(job *j, uint32_t code) {
  j->ctl->fail_code = code;
  j->ctl->fail_seq = j->seq;
  j->ctl->fail_addr = j->fail_addr;
  j->ctl->fail_sr = j->fail_sr;
  stop(j->ctl, SWDF_LOADER_FAILED);
}

/* Wait until none of `bits` is set in the status register; returns its last value. */
static inline uint32_t wait_clear(volatile uint32_t *sr, uint32_t bits) {
  uint32_t s;
  do {
    s = *sr;
  } while (s & bits);
  return s;
}

/* Stale error flags would fail the next operation: clear them through the
 * error-clear register where the controller has one (H7 FLASH_CCR), else
 * by writing the status register (F-series, G0: write 1 to clear). */
static void clear_errors(const volatile swdf_loader_ctl *ctl, uint32_t base) {
  uint32_t off = ctl->ccr_off != 0 ? ctl->ccr_off : ctl->sr_off;
  *reg(base, off) = ctl->sr_clear;
}

static void erase(job *j, uint32_t base, uint32_t cr_value, uint32_t addr) {
  volatile swdf_loader_ctl *ctl = j->ctl;
  volatile uint32_t *sr = reg(base, ctl->sr_off);
  volatile uint32_t *cr = reg(base, ctl->cr_off);
  uint32_t busy = ctl->sr_busy | ctl->sr_wait;
  clear_errors(ctl, base);
  *cr = cr_value;
  if (ctl->ar_off != 0) {
    *reg(base, ctl->ar_off) = addr;
  }
  *cr = cr_value | ctl->cr_start;
  /* Some clones raise BSY a cycle after STRT (APM32): do not poll at once. */
  __asm__ volatile("nop\n\tnop\n\tdsb" ::: "memory");
  uint32_t s = wait_clear(sr, busy);
  *cr = 0;
  if (s & ctl->sr_errors) {
    j->fail_addr = addr;
    j->fail_sr = s;
    fail(j, SWDF_LOADER_FAIL_FLASH);
  }
}

/* Start the look-ahead check on the next slot when its trailer is there
 * and asks for one. */
static void lookahead_begin(job *j) {
  volatile swdf_loader_ctl *ctl = j->ctl;
  uint32_t seq = j->seq + 1;
  const volatile swdf_loader_trailer *t =
      (const volatile swdf_loader_trailer *)(uintptr_t)(j->next_slot + ctl->slot_size);
  if (j->la.seq == seq || t->seq != seq) {
    return;
  }
  __asm__ volatile("dmb" ::: "memory"); /* the rest of the trailer is there too */
  uint32_t op = t->op, len = t->arg1;
  j->la.seq = seq; /* looked at: not again while this slot runs */
  j->la.p = (const uint8_t *)(uintptr_t)j->next_slot;
  j->la.left = 0;
  j->la.crc = 0xffffffffu;
  if (SWDF_LOADER_OP_CODE(op) == SWDF_LOADER_OP_PROGRAM && (op & SWDF_LOADER_OP_DATA_CRC) != 0 &&
      len <= ctl->slot_size) {
    j->la.left = len;
  }
}

/* Look-ahead work while the flash is busy: a step of the check, or a look
 * whether the next slot has arrived. Returns nonzero once nothing is left
 * to do while this slot runs. */
__attribute__((noinline)) static int lookahead_work(job *j) {
  if (j->la.left != 0) {
    lookahead_step(&j->la);
  } else if (j->la.seq != j->seq + 1) {
    lookahead_begin(j);
  } else {
    return 1;
  }
  return 0;
}

/* Where a program loop stopped: the status register value with an error
 * bit, or 0; and the address of the unit that failed. */
typedef struct program_args {
  volatile uint32_t *sr;
  uint32_t wait;   /* SR bits to wait on after each unit */
  uint32_t errors; /* SR bits that mean failure */
  uint32_t stores; /* stores per unit */
  job *busy_work;  /* look-ahead work during the waits, or NULL (see lookahead) */
} program_args;

/* Wait as wait_clear, doing look-ahead work meanwhile (units of several
 * stores only: one-store units keep the shortest loop); *work becomes NULL
 * once it is done, so that the later units wait in the plain loop. */
static inline uint32_t wait_working(volatile uint32_t *sr, uint32_t bits, job **work) {
  uint32_t s;
  while (((s = *sr) & bits) != 0) {
    if (lookahead_work(*work)) {
      *work = 0;
      return wait_clear(sr, bits);
    }
  }
  return s;
}

/*
 * Program unit by unit: the unit's stores back to back, then wait until the
 * controller is done with it, and check its status: writing while busy
 * loses data on some clones (APM32), and the status of each unit names the
 * failing address. The first store of the next unit is fetched while the
 * flash is busy so that little but the poll lies between two units. (The
 * fetch past the last unit reads the slot trailer, which is always there.)
 * Returns the number of bytes not programmed: 0, or those from the failing
 * unit on, with the status in *status.
 */
#define DEFINE_PROGRAM(name, type)                                                                 \
  static uint32_t name(const program_args *a, uint32_t dst, const void *src, uint32_t units,       \
                       uint32_t *status) {                                                         \
    volatile type *d = (volatile type *)(uintptr_t)dst;                                            \
    const type *s = (const type *)src;                                                             \
    volatile uint32_t *sr = a->sr;                                                                 \
    uint32_t wait = a->wait, errors = a->errors, stores = a->stores;                              \
    job *work = a->busy_work;                                                                      \
    type next = *s++;                                                                              \
    if (stores == 1) { /* one store per unit (F1, F4): the shortest gap */                        \
      for (; units != 0; units--) {                                                                \
        *d++ = next;                                                                               \
        next = *s++;                                                                               \
        uint32_t st = wait_clear(sr, wait);                                                        \
        if (__builtin_expect((st & errors) != 0, 0)) {                                             \
          *status = st;                                                                            \
          return units;                                                                            \
        }                                                                                          \
      }                                                                                            \
      return 0;                                                                                    \
    }                                                                                              \
    for (; units != 0; units--) {                                                                  \
      uint32_t k = stores;                                                                         \
      do {                                                                                         \
        *d++ = next;                                                                               \
        next = *s++;                                                                               \
      } while (--k != 0);                                                                          \
      uint32_t st = work != 0 ? wait_working(sr, wait, &work) : wait_clear(sr, wait);             \
      if (__builtin_expect((st & errors) != 0, 0)) {                                               \
        *status = st;                                                                              \
        return units;                                                                              \
      }                                                                                            \
    }                                                                                              \
    return 0;                                                                                      \
  }

DEFINE_PROGRAM(program8, uint8_t)
DEFINE_PROGRAM(program16, uint16_t)
DEFINE_PROGRAM(program32, uint32_t)

/* `count` units of `stores` stores each of the control block's access width. */
static uint32_t program_units(const program_args *a, uint32_t access, uint32_t dst,
                              const void *src, uint32_t count, uint32_t *status) {
  switch (access) {
  case 4:
    return program32(a, dst, src, count, status);
  case 2:
    return program16(a, dst, src, count, status);
  default:
    return program8(a, dst, src, count, status);
  }
}

/* log2 of a power of two up to 32 (no division on ARMv6-M). */
static inline uint32_t log2_of(uint32_t v) {
  uint32_t n = 0;
  while (v > 1) {
    v >>= 1;
    n++;
  }
  return n;
}

static void program(job *j, uint32_t base, uint32_t dst, const void *src, uint32_t len,
                    int lookahead) {
  volatile swdf_loader_ctl *ctl = j->ctl;
  uint32_t unit = ctl->unit;
  uint32_t access = ctl->access;
  uint32_t tail = len & (unit - 1);
  /* unit and access powers of two, access <= unit <= 32; the start
   * unit-aligned; a partial last unit only of whole accesses and only where
   * the controller can write one out (cr_force). */
  if ((unit & (unit - 1)) != 0 || unit > 32 || (access != 1 && access != 2 && access != 4) ||
      access > unit || (dst & (unit - 1)) != 0 || (len & (access - 1)) != 0 ||
      (tail != 0 && ctl->cr_force == 0)) {
    j->fail_addr = dst;
    fail(j, SWDF_LOADER_FAIL_BAD_ARG);
  }
  volatile uint32_t *cr = reg(base, ctl->cr_off);
  uint32_t shift = log2_of(unit);
  program_args a;
  a.sr = reg(base, ctl->sr_off);
  a.wait = ctl->sr_wait;
  a.errors = ctl->sr_errors;
  a.stores = unit >> log2_of(access);
  a.busy_work = lookahead ? j : NULL;
  uint32_t units = len >> shift;
  uint32_t status = 0;
  clear_errors(ctl, base);
  *cr = ctl->cr_program;
  uint32_t left = program_units(&a, access, dst, src, units, &status);
  uint32_t fail_addr = dst + ((units - left) << shift);
  if (left == 0 && tail != 0) {
    /* The last, partial unit: its accesses, then the force-write bit
     * (H7 FW, RM0433 section 4.3.9). */
    uint32_t done = units << shift;
    program_args part;
    part.sr = a.sr;
    part.wait = 0;
    part.errors = a.errors;
    part.stores = tail >> log2_of(access);
    part.busy_work = NULL;
    (void)program_units(&part, access, dst + done, (const uint8_t *)src + done, 1, &status);
    *cr = ctl->cr_program | ctl->cr_force;
    status = wait_clear(a.sr, a.wait);
    left = (status & a.errors) != 0;
    fail_addr = dst + done;
  }
  *cr = 0; /* a stale PG bit makes the next erase fail */
  if (left != 0) {
    j->fail_addr = fail_addr;
    j->fail_sr = status;
    fail(j, SWDF_LOADER_FAIL_FLASH);
  }
}

static volatile uint32_t *result_slot(job *j, uint32_t result) {
  volatile swdf_loader_ctl *ctl = j->ctl;
  uint32_t index = result & ~SWDF_LOADER_CHECK_CONTINUE;
  if (index >= ctl->result_count) {
    fail(j, SWDF_LOADER_FAIL_BAD_ARG);
  }
  return (volatile uint32_t *)(uintptr_t)ctl->results + index;
}

static inline int starts_stream(const swdf_loader_check *checks, uint32_t i) {
  return i == 0 || (checks[i].result & ~SWDF_LOADER_CHECK_CONTINUE) !=
                       (checks[i - 1].result & ~SWDF_LOADER_CHECK_CONTINUE);
}

static inline int ends_stream(const swdf_loader_check *checks, uint32_t i, uint32_t count) {
  return i + 1 == count || starts_stream(checks, i + 1);
}

static void crc_ranges(job *j, const swdf_loader_check *checks, uint32_t count) {
  const uint32_t(*tables)[256] = (const uint32_t(*)[256])(uintptr_t)j->ctl->crc_tables;
  uint32_t crc = 0;
  for (uint32_t i = 0; i < count; i++) {
    const swdf_loader_check *c = &checks[i];
    if (starts_stream(checks, i)) {
      crc = (c->result & SWDF_LOADER_CHECK_CONTINUE) ? ~*result_slot(j, c->result) : 0xffffffffu;
    }
    crc = crc_run(tables, crc, (const uint8_t *)(uintptr_t)c->addr, c->len);
    if (ends_stream(checks, i, count)) {
      *result_slot(j, c->result) = ~crc;
    }
  }
}

static void blank_ranges(job *j, const swdf_loader_check *checks, uint32_t count) {
  uint32_t first = 0xffffffffu;
  for (uint32_t i = 0; i < count; i++) {
    const swdf_loader_check *c = &checks[i];
    if (starts_stream(checks, i)) {
      first = (c->result & SWDF_LOADER_CHECK_CONTINUE) ? *result_slot(j, c->result) : 0xffffffffu;
    }
    if (first == 0xffffffffu) {
      size_t at = swdf_first_not_blank((const uint8_t *)(uintptr_t)c->addr, c->len);
      if (at < c->len) {
        first = c->addr + (uint32_t)at;
      }
    }
    if (ends_stream(checks, i, count)) {
      *result_slot(j, c->result) = first;
    }
  }
}

static void check_ranges(job *j, uint32_t code, const swdf_loader_check *checks, uint32_t count) {
  if (code == SWDF_LOADER_OP_CRC) {
    crc_ranges(j, checks, count);
  } else {
    blank_ranges(j, checks, count);
  }
}

/* One entry repeated (see SWDF_LOADER_REPEAT). */
static void repeated_ranges(job *j, uint32_t code, const swdf_loader_check *c, uint32_t repeat) {
  uint32_t stride = SWDF_LOADER_REPEAT_STRIDE(repeat);
  for (uint32_t i = 0; i < SWDF_LOADER_REPEAT_COUNT(repeat); i++) {
    swdf_loader_check one;
    one.addr = c->addr + i * c->len;
    one.len = c->len;
    one.result = (c->result & ~SWDF_LOADER_CHECK_CONTINUE) + i * stride;
    check_ranges(j, code, &one, 1);
  }
}

/* The slot's data as the host sent them (see SWDF_LOADER_OP_DATA_CRC),
 * finishing the check begun while the slot before was programmed. */
static int data_intact(job *j, const void *data, uint32_t len, uint32_t want) {
  lookahead *la = &j->la;
  if (la->seq != j->seq || la->p + la->left != (const uint8_t *)data + len) {
    la->p = data;
    la->left = len;
    la->crc = 0xffffffffu;
  }
  la->crc = crc_run(la->tables, la->crc, la->p, la->left);
  la->left = 0;
  la->seq = 0;
  return ~la->crc == want;
}

static void run_slot(job *j, const volatile swdf_loader_trailer *t, const void *data) {
  volatile swdf_loader_ctl *ctl = j->ctl;
  uint32_t op = t->op;
  uint32_t arg0 = t->arg0;
  uint32_t arg1 = t->arg1;
  uint32_t bank = SWDF_LOADER_OP_BANK(op);
  if (bank > 1) {
    fail(j, SWDF_LOADER_FAIL_BAD_ARG);
  }
  uint32_t base = ctl->regs[bank];
  switch (SWDF_LOADER_OP_CODE(op)) {
  case SWDF_LOADER_OP_PROGRAM:
    if (arg1 > ctl->slot_size) {
      j->fail_addr = arg0;
      fail(j, SWDF_LOADER_FAIL_BAD_ARG);
    }
    if ((op & SWDF_LOADER_OP_DATA_CRC) != 0) {
      if (!data_intact(j, data, arg1, t->data_crc)) {
        j->fail_addr = arg0; /* nothing of the slot was programmed */
        fail(j, SWDF_LOADER_FAIL_DATA);
      }
      lookahead_begin(j);
    }
    program(j, base, arg0, data, arg1, (op & SWDF_LOADER_OP_DATA_CRC) != 0);
    break;
  case SWDF_LOADER_OP_ERASE:
    erase(j, base, arg0, arg1);
    break;
  case SWDF_LOADER_OP_CRC:
  case SWDF_LOADER_OP_BLANK:
    if (arg0 > ctl->slot_size || arg0 * sizeof(swdf_loader_check) > ctl->slot_size ||
        (arg1 != 0 && arg0 != 1)) {
      fail(j, SWDF_LOADER_FAIL_BAD_ARG);
    }
    if (arg1 != 0) {
      repeated_ranges(j, SWDF_LOADER_OP_CODE(op), data, arg1);
    } else {
      check_ranges(j, SWDF_LOADER_OP_CODE(op), data, arg0);
    }
    break;
  case SWDF_LOADER_OP_END:
    ctl->done_seq = j->seq;
    stop(ctl, SWDF_LOADER_DONE);
  default:
    fail(j, SWDF_LOADER_FAIL_BAD_OP);
  }
}

__attribute__((noreturn, used)) void loader_main(volatile swdf_loader_ctl *ctl);

void loader_main(volatile swdf_loader_ctl *ctl) {
  job j; /* field by field: an initialiser may become a memset call */
  j.ctl = ctl;
  j.seq = 0;
  j.fail_addr = 0;
  j.fail_sr = 0;
  j.la.tables = (const uint32_t(*)[256])(uintptr_t)ctl->crc_tables;
  j.la.seq = 0;
  j.la.p = 0;
  j.la.left = 0;
  j.la.crc = 0;
  if (ctl->magic != SWDF_LOADER_MAGIC || ctl->abi_version != SWDF_LOADER_ABI_VERSION ||
      ctl->slot_count == 0 || (ctl->slot_size & 31u) != 0) {
    fail(&j, SWDF_LOADER_FAIL_BAD_SETUP);
  }
  swdf_crc32_tables_init((uint32_t(*)[256])(uintptr_t)ctl->crc_tables);
  uint32_t stride = ctl->slot_size + SWDF_LOADER_TRAILER_SIZE;
  uint32_t first = ctl->slot_base;
  uint32_t last = first + (ctl->slot_count - 1) * stride;
  /* Forget whatever the SRAM held: no slot is valid until the host fills it. */
  for (uint32_t slot = first; slot <= last; slot += stride) {
    ((volatile swdf_loader_trailer *)(uintptr_t)(slot + ctl->slot_size))->seq = 0;
  }
  ctl->done_seq = 0;
  ctl->state = SWDF_LOADER_RUNNING;
  uint32_t slot = first;
  for (j.seq = 1;; j.seq++) {
    const volatile swdf_loader_trailer *t =
        (const volatile swdf_loader_trailer *)(uintptr_t)(slot + ctl->slot_size);
    while (t->seq != j.seq) {
    }
    __asm__ volatile("dmb" ::: "memory");
    if (ctl->iwdg_kr != 0) {
      *(volatile uint32_t *)(uintptr_t)ctl->iwdg_kr = IWDG_RELOAD;
    }
    j.next_slot = slot == last ? first : slot + stride;
    run_slot(&j, t, (const void *)(uintptr_t)slot);
    ctl->done_seq = j.seq;
    slot = j.next_slot;
  }
}

/* First in the blob (see loader.ld): where the host finds the entry. */
__attribute__((section(".header"), used)) const swdf_loader_header loader_header = {
    .magic = SWDF_LOADER_MAGIC,
    .abi_version = SWDF_LOADER_ABI_VERSION,
    .entry = (uint32_t)(uintptr_t)loader_main,
};
