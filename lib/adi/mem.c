/*
 * Memory access through the MEM-AP, as the ST-Link exposes it.
 *
 * A call is split into probe commands: 8-bit accesses for an unaligned head
 * and tail, 32-bit (or the requested width) for the body, each command as
 * large as the firmware accepts (6 KiB) and ending on a TAR auto-increment
 * block boundary. USB round trips are what costs, so commands are few and
 * large. Each command's outcome is checked with GETLASTRWSTATUS(2) before
 * the next one goes out: the probe firmware clears the DP's sticky error
 * flags after a fault so that its next command starts clean, so a later
 * command's OK would hide an earlier command's fault. A posted write only
 * defers that check to the next memory call (or swdf__mem_sync); an
 * unchecked write skips it, for data the target checks itself. Long reads
 * keep a few commands, each followed by its status command, in flight, so
 * that the probe reads the next block while USB carries the last one.
 */
#include <stdio.h>
#include <string.h>

#include "adi/adi.h"
#include "deadline.h"

typedef struct mem_op {
  bool write;
  bool posted;
  bool unchecked; /* no status read at all (swdf__mem_write_unchecked) */
  uint32_t addr;
  uint8_t *rbuf;
  const uint8_t *wbuf;
  size_t len;
  unsigned width; /* 0: any (8-bit edges, 32-bit body); else every access this wide */
  size_t progress_every; /* 0: no progress; else SWDF_PHASE_READ about this often */
  size_t reported;       /* bytes at the last progress report */
} mem_op;

/* Progress after `done` bytes, when due. */
static swdf_err report(swdf_target *t, mem_op *op, size_t done) {
  if (op->progress_every == 0 || (done - op->reported < op->progress_every && done < op->len)) {
    return SWDF_OK;
  }
  op->reported = done;
  return swdf__progress(t->ctx, SWDF_PHASE_READ, done, op->len);
}

static uint32_t max_for_width(const swdf_target *t, unsigned width) {
  switch (width) {
  case 1: return t->limits.max_rw8;
  case 2: return t->limits.max_rw16;
  default: return t->limits.max_rw32;
  }
}

/* Width and length of the next command at `addr` with `remaining` bytes left. */
static void plan_chunk(const swdf_target *t, const mem_op *op, uint32_t addr, size_t remaining,
                       unsigned *width, uint32_t *len) {
  unsigned w = op->width;
  size_t n = remaining;
  if (w == 0) {
    if (addr % 4 != 0) {
      w = 1;
      n = 4 - addr % 4 < remaining ? 4 - addr % 4 : remaining;
    } else if (remaining < 4) {
      w = 1;
    } else {
      w = 4;
      n = remaining & ~(size_t)3;
    }
  }
  uint32_t max = max_for_width(t, w);
  uint32_t tar = t->limits.tar_block;
  uint32_t in_block = addr % tar;
  /* End commands on TAR block boundaries: a long command covers whole
   * blocks, a short one never crosses a boundary. */
  uint32_t limit = max >= tar ? max / tar * tar - in_block : max;
  if (max < tar && limit > tar - in_block) {
    limit = tar - in_block;
  }
  if (n > limit) {
    n = limit;
  }
  n -= n % w;
  *width = w;
  *len = (uint32_t)n;
}

static bool overlaps_flash(const swdf_target *t, uint32_t addr, size_t len) {
  if (t->chip == NULL) {
    return false;
  }
  uint64_t start = t->layout.base;
  uint64_t end = start + (t->layout.size != 0 ? t->layout.size : t->chip->flash_max);
  return (uint64_t)addr < end && (uint64_t)addr + len > start;
}

static swdf_err fault_error(swdf_target *t, bool write, uint32_t addr, size_t len, uint8_t status,
                            uint32_t fault_addr) {
  char where[48] = "";
  if (fault_addr != 0) {
    snprintf(where, sizeof(where), " at 0x%08X", fault_addr);
  }
  uint64_t last = (uint64_t)addr + len - 1;
  swdf_err err = swdf__stlink_status_error(t->st, status, write ? "writing memory" : "reading memory");
  swdf__prefix_error(t->ctx, "%s 0x%08X-0x%08X%s", write ? "writing" : "reading", addr,
                     (uint32_t)last, where);
  if (swdf__stlink_status_class(status) != STLINK_CLASS_FAULT) {
    return err;
  }
  swdf__link_clear_errors(t, false);
  if (overlaps_flash(t, addr, len)) {
    swdf_saved_error saved;
    swdf__save_error(&saved, t->ctx);
    int level = swdf__rdp_level(t, NULL);
    swdf__restore_error(t->ctx, &saved);
    if (level >= 1) {
      return swdf__fail(t->ctx, SWDF_ERR_READ_PROTECTED,
                        level == 2 ? "read protection level 2 is permanent: the chip cannot be "
                                     "read or unlocked by any debugger"
                                   : "'swdflash unlock' removes read protection (level 1 to 0), "
                                     "which makes the chip erase its whole flash",
                        "%s flash at 0x%08X-0x%08X: read protection level %d is active, so the "
                        "chip refuses debugger access to its flash",
                        write ? "writing" : "reading", addr, (uint32_t)last, level);
    }
  }
  swdf__set_hint(t->ctx, "the address may not exist on this chip: 'swdflash info' shows its memory");
  return SWDF_ERR_MEM_FAULT;
}

/* The outcome of the last memory command: OK, or the error to report. */
static swdf_err command_status(uint8_t *status, uint32_t *fault_addr, swdf_target *t) {
  *status = STLINK_OK;
  *fault_addr = 0;
  return swdf__stlink_rw_status(status, fault_addr, t->st);
}

swdf_err swdf__mem_sync(swdf_target *t) {
  if (!t->posted_writes) {
    return SWDF_OK;
  }
  uint8_t status;
  uint32_t fault_addr;
  swdf_err err = command_status(&status, &fault_addr, t);
  t->posted_writes = false;
  if (err != SWDF_OK || swdf__stlink_status_class(status) == STLINK_CLASS_OK) {
    return err;
  }
  /* A posted write is not replayed (its data is gone): report it. */
  return fault_error(t, true, t->posted_addr, t->posted_len, status, fault_addr);
}

/* One probe command, retried on WAIT and wire errors; posted when asked. */
static swdf_err run_command(swdf_target *t, const mem_op *op, uint32_t addr, size_t offset,
                            uint32_t n, unsigned width, bool posted) {
  if (op->unchecked) {
    return swdf__stlink_write_mem(t->st, addr, op->wbuf + offset, n, width);
  }
  swdf_deadline d;
  swdf__deadline_start(&d, SWDF_LINK_RETRY_DEADLINE_US);
  for (unsigned attempt = 0;; attempt++) {
    swdf_err err = op->write ? swdf__stlink_write_mem(t->st, addr, op->wbuf + offset, n, width)
                             : swdf__stlink_read_mem(op->rbuf + offset, t->st, addr, n, width);
    if (err != SWDF_OK) {
      return err;
    }
    if (posted) {
      t->posted_writes = true;
      t->posted_addr = addr;
      t->posted_len = n;
      return SWDF_OK;
    }
    uint8_t status;
    uint32_t fault_addr;
    err = command_status(&status, &fault_addr, t);
    if (err != SWDF_OK) {
      return err;
    }
    if (swdf__stlink_status_class(status) == STLINK_CLASS_OK) {
      t->wire_errors = 0;
      return SWDF_OK;
    }
    swdf__log(t->ctx, SWDF_LOG_DEBUG, "%s 0x%08X+%u: status %s", op->write ? "write" : "read",
              addr, n, swdf__stlink_status_name(status));
    if (swdf__deadline_passed(&d) || !swdf__link_should_retry(t, status, attempt)) {
      return fault_error(t, op->write, addr, n, status, fault_addr);
    }
  }
}

typedef struct mem_chunk {
  uint32_t addr;
  size_t offset;
  uint32_t len;
} mem_chunk;

/*
 * Reads with several commands in flight (swdf__stlink_pipe_*), from *addr
 * on, while the chunks are plain 32-bit reads and their status OK. Returns
 * with *addr and *done past the chunks read and checked; the first chunk it
 * could not send, or whose status was not OK, is left to run_command, which
 * retries or reports it as before (the chunks read after it are read again).
 */
static swdf_err read_ahead(swdf_target *t, mem_op *op, uint32_t *addr, size_t *done) {
  swdf_stlink_pipe pipe;
  swdf__stlink_pipe_init(&pipe, t->st);
  mem_chunk chunks[STLINK_PIPE_READS];
  size_t first = 0;
  uint32_t next_addr = *addr;
  size_t next_done = *done;
  bool sending = true;
  for (;;) {
    while (sending && next_done < op->len && swdf__stlink_pipe_has_room(&pipe)) {
      unsigned width;
      uint32_t n;
      plan_chunk(t, op, next_addr, op->len - next_done, &width, &n);
      if (n == 0 || !swdf__stlink_pipe_can_read(t->st, n, width)) {
        sending = false;
        break;
      }
      swdf_err err = swdf__stlink_pipe_send_read(&pipe, op->rbuf + next_done, next_addr, n, width);
      if (err != SWDF_OK) {
        return err;
      }
      size_t reads = swdf__stlink_pipe_reads(&pipe);
      chunks[(first + reads - 1) % STLINK_PIPE_READS] = (mem_chunk){next_addr, next_done, n};
      next_addr += n;
      next_done += n;
    }
    if (swdf__stlink_pipe_reads(&pipe) == 0) {
      return SWDF_OK;
    }
    uint8_t status;
    uint32_t fault_addr;
    swdf_err err = swdf__stlink_pipe_take_read(&pipe, &status, &fault_addr);
    if (err != SWDF_OK) {
      return err;
    }
    if (swdf__stlink_status_class(status) != STLINK_CLASS_OK) {
      swdf__stlink_pipe_drain(&pipe);
      return SWDF_OK;
    }
    const mem_chunk *c = &chunks[first];
    t->wire_errors = 0;
    *addr = c->addr + c->len;
    *done = c->offset + c->len;
    first = (first + 1) % STLINK_PIPE_READS;
    err = report(t, op, *done);
    if (err != SWDF_OK) {
      swdf__stlink_pipe_drain(&pipe);
      return err;
    }
  }
}

static swdf_err run(swdf_target *t, mem_op *op) {
  /* A deferred check first: the next command would overwrite its status. */
  swdf_err err = swdf__mem_sync(t);
  uint32_t addr = op->addr;
  size_t done = 0;
  while (err == SWDF_OK && done < op->len) {
    if (!op->write) {
      err = read_ahead(t, op, &addr, &done);
      if (err != SWDF_OK || done == op->len) {
        break;
      }
    }
    unsigned width;
    uint32_t n;
    plan_chunk(t, op, addr, op->len - done, &width, &n);
    if (n == 0) {
      return swdf__fail(t->ctx, SWDF_ERR_INTERNAL, NULL, "memory access planning stalled at 0x%08X",
                        addr);
    }
    bool last = done + n == op->len;
    err = run_command(t, op, addr, done, n, width, op->posted && last);
    addr += n;
    done += n;
    if (err == SWDF_OK) {
      err = report(t, op, done);
    }
  }
  return err;
}

static swdf_err check_sized(swdf_target *t, uint32_t addr, size_t len, unsigned width) {
  if (width != 1 && width != 2 && width != 4) {
    return swdf__fail(t->ctx, SWDF_ERR_INVALID_ARG, NULL, "access width %u is not 1, 2 or 4", width);
  }
  if (addr % width != 0 || len % width != 0) {
    return swdf__fail(t->ctx, SWDF_ERR_INVALID_ARG, NULL,
                      "%u-bit access at 0x%08X, %zu bytes: address and length must be multiples "
                      "of %u", width * 8, addr, len, width);
  }
  if (width == 2 && t->limits.max_rw16 == 0) {
    return swdf__fail(t->ctx, SWDF_ERR_PROBE_FIRMWARE,
                      "update the probe firmware with ST's upgrade tool (STSW-LINK007)",
                      "this probe firmware (before V2J26) has no 16-bit memory access");
  }
  return SWDF_OK;
}

static swdf_err check_range(swdf_target *t, uint32_t addr, size_t len) {
  if ((uint64_t)addr + len > (uint64_t)UINT32_MAX + 1) {
    return swdf__fail(t->ctx, SWDF_ERR_RANGE, NULL,
                      "0x%08X + %zu bytes runs past the end of the address space", addr, len);
  }
  return SWDF_OK;
}

swdf_err swdf__mem_read(void *buf, swdf_target *t, uint32_t addr, size_t len) {
  swdf_err err = check_range(t, addr, len);
  mem_op op = {.write = false, .addr = addr, .rbuf = buf, .len = len};
  return err != SWDF_OK ? err : run(t, &op);
}

swdf_err swdf__mem_read_reporting(void *buf, swdf_target *t, uint32_t addr, size_t len,
                                  size_t every) {
  swdf_err err = check_range(t, addr, len);
  mem_op op = {.write = false, .addr = addr, .rbuf = buf, .len = len, .progress_every = every};
  if (err == SWDF_OK) {
    err = swdf__progress(t->ctx, SWDF_PHASE_READ, 0, len);
  }
  return err != SWDF_OK ? err : run(t, &op);
}

swdf_err swdf__mem_write(swdf_target *t, uint32_t addr, const void *buf, size_t len) {
  swdf_err err = check_range(t, addr, len);
  mem_op op = {.write = true, .addr = addr, .wbuf = buf, .len = len};
  return err != SWDF_OK ? err : run(t, &op);
}

static swdf_err run_sized(swdf_target *t, mem_op *op) {
  swdf_err err = check_range(t, op->addr, op->len);
  if (err == SWDF_OK) {
    err = check_sized(t, op->addr, op->len, op->width);
  }
  return err != SWDF_OK ? err : run(t, op);
}

swdf_err swdf__mem_read_sized(void *buf, swdf_target *t, uint32_t addr, size_t len,
                              unsigned width) {
  mem_op op = {.write = false, .addr = addr, .rbuf = buf, .len = len, .width = width};
  return run_sized(t, &op);
}

swdf_err swdf__mem_write_sized(swdf_target *t, uint32_t addr, const void *buf, size_t len,
                               unsigned width) {
  mem_op op = {.write = true, .addr = addr, .wbuf = buf, .len = len, .width = width};
  return run_sized(t, &op);
}

swdf_err swdf__mem_write_unchecked(swdf_target *t, uint32_t addr, const void *buf, size_t len) {
  swdf_err err = check_range(t, addr, len);
  mem_op op = {.write = true, .unchecked = true, .addr = addr, .wbuf = buf, .len = len};
  return err != SWDF_OK ? err : run(t, &op);
}

swdf_err swdf__mem_write_posted(swdf_target *t, uint32_t addr, const void *buf, size_t len) {
  swdf_err err = check_range(t, addr, len);
  mem_op op = {.write = true, .posted = true, .addr = addr, .wbuf = buf, .len = len};
  return err != SWDF_OK ? err : run(t, &op);
}

/* ---- single registers ---------------------------------------------------- */

typedef struct word_access {
  uint32_t addr;
  uint32_t value;
} word_access;

static swdf_err read_word(swdf_target *t, void *arg) {
  word_access *w = arg;
  return swdf__stlink_read_debug32(&w->value, t->st, w->addr);
}

static swdf_err write_word(swdf_target *t, void *arg) {
  const word_access *w = arg;
  return swdf__stlink_write_debug32(t->st, w->addr, w->value);
}

swdf_err swdf__read32(uint32_t *value, swdf_target *t, uint32_t addr) {
  if (addr % 4 != 0) {
    return swdf__fail(t->ctx, SWDF_ERR_INVALID_ARG, NULL, "32-bit read at unaligned 0x%08X", addr);
  }
  word_access w = {addr, 0};
  swdf_err err = swdf__link_retry(t, read_word, &w);
  *value = w.value;
  return err;
}

swdf_err swdf__write32(swdf_target *t, uint32_t addr, uint32_t value) {
  if (addr % 4 != 0) {
    return swdf__fail(t->ctx, SWDF_ERR_INVALID_ARG, NULL, "32-bit write at unaligned 0x%08X", addr);
  }
  word_access w = {addr, value};
  return swdf__link_retry(t, write_word, &w);
}

swdf_err swdf__read16(uint16_t *value, swdf_target *t, uint32_t addr) {
  if (addr % 2 != 0) {
    return swdf__fail(t->ctx, SWDF_ERR_INVALID_ARG, NULL, "16-bit read at unaligned 0x%08X", addr);
  }
  if (t->limits.max_rw16 != 0) {
    uint8_t b[2];
    swdf_err err = swdf__mem_read_sized(b, t, addr, 2, 2);
    *value = (uint16_t)(b[0] | b[1] << 8);
    return err;
  }
  /* Old firmware: a 32-bit read of the enclosing word. */
  uint32_t word;
  swdf_err err = swdf__read32(&word, t, addr & ~3u);
  *value = (uint16_t)(word >> ((addr & 2u) * 8));
  return err;
}

swdf_err swdf__write16(swdf_target *t, uint32_t addr, uint16_t value) {
  uint8_t b[2] = {(uint8_t)value, (uint8_t)(value >> 8)};
  return swdf__mem_write_sized(t, addr, b, 2, 2);
}

swdf_err swdf__modify32(swdf_target *t, uint32_t addr, uint32_t clear, uint32_t set) {
  uint32_t v;
  swdf_err err = swdf__read32(&v, t, addr);
  if (err != SWDF_OK) {
    return err;
  }
  return swdf__write32(t, addr, (v & ~clear) | set);
}

swdf_err swdf__poll32(uint32_t *last, swdf_target *t, uint32_t addr, uint32_t mask, uint32_t want,
                      uint64_t timeout_us) {
  swdf_deadline d;
  swdf__deadline_start(&d, timeout_us);
  for (;;) {
    uint32_t v = 0;
    swdf_err err = swdf__read32(&v, t, addr);
    if (err != SWDF_OK) {
      return err;
    }
    if (last != NULL) {
      *last = v;
    }
    if ((v & mask) == want) {
      return SWDF_OK;
    }
    if (swdf__deadline_passed(&d)) {
      return swdf__fail(t->ctx, SWDF_ERR_TIMEOUT, NULL,
                        "0x%08X still reads 0x%08X after %llu ms (waiting for 0x%08X under mask "
                        "0x%08X)",
                        addr, v, (unsigned long long)(swdf__deadline_elapsed_us(&d) / 1000), want,
                        mask);
    }
    swdf__deadline_sleep(&d);
  }
}
