/*
 * On-target flash loader: works through the slot ring described in
 * loader_abi.h. Built twice, once per flash controller family, with the
 * family's register details from flash_f1.h or flash_f4.h (LOADER_FAMILY
 * selects one). Freestanding: no library, no static data, no globals, so
 * the blob runs wherever in SRAM the host puts it.
 */
#include <stddef.h>
#include <stdint.h>

#include "loader_abi.h"
#include "loader_crc.h"

#if defined(LOADER_F1)
#include "flash_f1.h"
#elif defined(LOADER_F4)
#include "flash_f4.h"
#else
#error "define LOADER_F1 or LOADER_F4"
#endif

/* Independent watchdog key register (same address on F1 and F4): writing
 * the reload key keeps a watchdog started by the firmware from resetting the
 * chip during a long job, and does nothing when it is not running. */
#define IWDG_KR ((volatile uint32_t *)0x40003000u)
#define IWDG_RELOAD 0xaaaau

typedef struct job {
  volatile swdf_loader_ctl *ctl;
  uint32_t seq;
  uint32_t fail_addr;
  uint32_t fail_sr;
} job;

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

/* Wait for the end of a flash operation; returns the final status register. */
static inline uint32_t wait_idle(volatile uint32_t *sr) {
  uint32_t s;
  do {
    s = *sr;
  } while (s & FLASH_SR_BSY);
  return s;
}

static void erase(job *j, uint32_t base, uint32_t cr_value, uint32_t addr) {
  volatile uint32_t *sr = reg(base, FLASH_SR);
  volatile uint32_t *cr = reg(base, FLASH_CR);
  *cr = cr_value;
#ifdef FLASH_AR
  *reg(base, FLASH_AR) = addr;
#endif
  *cr = cr_value | FLASH_CR_STRT;
  /* Some clones raise BSY a cycle after STRT (APM32): do not poll at once. */
  __asm__ volatile("nop\n\tnop\n\tdsb" ::: "memory");
  uint32_t s = wait_idle(sr);
  *cr = 0;
  if (s & FLASH_SR_ERRORS) {
    j->fail_addr = addr;
    j->fail_sr = s;
    fail(j, SWDF_LOADER_FAIL_FLASH);
  }
}

/*
 * Program one unit at a time and wait for BSY to drop after each: writing
 * while busy loses data on some clones (APM32), and the status of each
 * unit names the failing address. The next unit is fetched while the flash
 * is busy so that little but the poll lies between two writes. (The fetch
 * past the last unit reads the slot trailer, which is always there.)
 */
#define DEFINE_PROGRAM(name, type)                                                                 \
  static uint32_t name(uint32_t sr_addr, uint32_t dst, const void *src, uint32_t len,              \
                       uint32_t *fail_addr) {                                                      \
    volatile uint32_t *sr = (volatile uint32_t *)(uintptr_t)sr_addr;                               \
    volatile type *d = (volatile type *)(uintptr_t)dst;                                            \
    volatile type *end = (volatile type *)(uintptr_t)(dst + len);                                  \
    const type *s = (const type *)src;                                                             \
    type next = *s++;                                                                              \
    if (d == end) {                                                                                \
      return 0;                                                                                    \
    }                                                                                              \
    do {                                                                                           \
      *d++ = next;                                                                                 \
      next = *s++;                                                                                 \
      uint32_t status = wait_idle(sr);                                                             \
      if (__builtin_expect((status & FLASH_SR_ERRORS) != 0, 0)) {                                  \
        *fail_addr = (uint32_t)(uintptr_t)(d - 1);                                                 \
        return status;                                                                             \
      }                                                                                            \
    } while (d != end);                                                                            \
    return 0;                                                                                      \
  }

#if FLASH_UNITS & 1
DEFINE_PROGRAM(program8, uint8_t)
#endif
#if FLASH_UNITS & 2
DEFINE_PROGRAM(program16, uint16_t)
#endif
#if FLASH_UNITS & 4
DEFINE_PROGRAM(program32, uint32_t)
#endif

static void program(job *j, uint32_t base, uint32_t dst, const void *src, uint32_t len) {
  uint32_t unit = j->ctl->unit;
  if (((dst | len) & (unit - 1)) != 0) {
    j->fail_addr = dst;
    fail(j, SWDF_LOADER_FAIL_BAD_ARG);
  }
  volatile uint32_t *cr = reg(base, FLASH_CR);
  uint32_t sr = base + FLASH_SR;
  uint32_t status = 0;
  *cr = j->ctl->cr_program;
  switch (unit) {
#if FLASH_UNITS & 4
  case 4:
    status = program32(sr, dst, src, len, &j->fail_addr);
    break;
#endif
#if FLASH_UNITS & 2
  case 2:
    status = program16(sr, dst, src, len, &j->fail_addr);
    break;
#endif
#if FLASH_UNITS & 1
  case 1:
    status = program8(sr, dst, src, len, &j->fail_addr);
    break;
#endif
  default:
    j->fail_addr = dst;
    fail(j, SWDF_LOADER_FAIL_BAD_ARG);
  }
  *cr = 0; /* a stale PG bit makes the next erase fail */
  if (status != 0) {
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
    crc = swdf_crc32_run(tables, crc, (const uint8_t *)(uintptr_t)c->addr, c->len);
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
    swdf_loader_check one = {c->addr + i * c->len, c->len,
                             (c->result & ~SWDF_LOADER_CHECK_CONTINUE) + i * stride};
    check_ranges(j, code, &one, 1);
  }
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
    program(j, base, arg0, data, arg1);
    break;
  case SWDF_LOADER_OP_ERASE:
    erase(j, base, arg0, arg1);
    break;
  case SWDF_LOADER_OP_CRC:
  case SWDF_LOADER_OP_BLANK:
    if (arg0 > ctl->slot_size / sizeof(swdf_loader_check) || (arg1 != 0 && arg0 != 1)) {
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
  job j = {.ctl = ctl, .seq = 0};
  if (ctl->magic != SWDF_LOADER_MAGIC || ctl->abi_version != SWDF_LOADER_ABI_VERSION ||
      ctl->slot_count == 0 || (ctl->slot_size & 7u) != 0) {
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
    *IWDG_KR = IWDG_RELOAD;
    run_slot(&j, t, (const void *)(uintptr_t)slot);
    ctl->done_seq = j.seq;
    slot = slot == last ? first : slot + stride;
  }
}

/* First in the blob (see loader.ld): where the host finds the entry. */
__attribute__((section(".header"), used)) const swdf_loader_header loader_header = {
    .magic = SWDF_LOADER_MAGIC,
    .abi_version = SWDF_LOADER_ABI_VERSION,
    .entry = (uint32_t)(uintptr_t)loader_main,
};
