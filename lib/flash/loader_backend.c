/*
 * The on-target loader backend: puts the loader blob and its control block
 * in SRAM, starts it, and streams work through the slot ring (see
 * loaders/loader_abi.h). The host only waits when the ring is full, and
 * then sleeps for the time the datasheet says half the ring will take, so
 * the flash stays busy while the probe is idle or streaming. Every wait has
 * a deadline from the datasheet maxima; past it the core is halted and the
 * failure names the operation and address.
 *
 * Streaming: where the link is slower than the flash (V2 probes on fast
 * flash), waiting for the probe's status after each memory write keeps USB
 * and SWD from overlapping: the status command holds one of the probe's
 * two OUT buffers, so the next block's data cannot travel over USB while
 * the probe writes this block over SWD. Program slots then go out without
 * status reads (swdf__mem_write_unchecked), and the loader checks each
 * slot's data against the CRC in its trailer before programming it
 * (SWDF_LOADER_OP_DATA_CRC), so data that were damaged on the wire are
 * never programmed. A trailer lost on the wire leaves the loader waiting:
 * once such a slot is overdue the host reads its trailer back, and fails
 * the job when it is not there. Elsewhere the CRC would only cost time.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deadline.h"
#include "flash_internal.h"

enum {
  STACK_SIZE = 256,
  MIN_SLOTS = 4,
  WANT_SLOTS = 8,
  MAX_SLOT_SIZE = 8192,
  MIN_SLOT_SIZE = 1024,
  /* A slot whose data leaves less than this unused goes out as one write. */
  PAD_LIMIT = 256,
  WRITE_ATTEMPTS = 3,
  READ_ATTEMPTS = 3,
  DEADLINE_MARGIN_US = 500000,
  /* A streamed slot this late gets its trailer read back. */
  ARRIVAL_SLACK_US = 20000,
  /* All attempts of one transfer together, however quick each fails. */
  RETRY_DEADLINE_US = 2000000,
  /* Runs of at least this many equal ranges go out as one repeated entry. */
  REPEAT_MIN = 4,
};

typedef struct op_record {
  swdf__op_kind kind;
  uint32_t addr;
  uint32_t bytes;
  uint32_t typ_us;
  uint32_t max_us;
  uint64_t queued_at; /* session clock when its trailer was written */
  uint64_t finish_at; /* when it should be done, by the typical times */
  bool streamed;      /* written without status reads (see streaming above) */
  bool arrived;       /* its trailer was read back in place */
} op_record;

typedef struct loader_layout {
  uint32_t blob, ctl, results, result_count, tables, stack_top;
  uint32_t slot_base, slot_size, slot_count, stride;
} loader_layout;

/*
 * The session clock: the larger of the real time since the start and the
 * time slept plus the estimated wire time of every transfer. Sleeps and
 * transfers may take no real time (a simulator with a virtual clock), and
 * on real hardware the real time is the better measure; either way this
 * never runs ahead of the time that really passed for the target.
 */
typedef struct loader_clock {
  uint64_t start_ns;
  uint64_t slept_us;
  uint64_t wire_us;
} loader_clock;

typedef struct loader_state {
  loader_layout lay;
  uint32_t next_seq;
  uint32_t done_seq;
  op_record *ops;
  uint8_t *buf;
  loader_clock clock;
  uint64_t progress_at; /* session clock when done_seq last moved */
  bool dead;            /* failed or halted: nothing more is queued */
  bool stream;          /* program slots go out unchecked, with a data CRC */
  bool grouping;        /* hold back the next trailer (see group_begin) */
  uint32_t held_seq;    /* a slot whose trailer is not written yet, or 0 */
  swdf_loader_trailer held;
} loader_state;

_Static_assert(offsetof(swdf_loader_ctl, state) == SWDF_LOADER_STATUS_OFFSET,
               "the status block offset matches the control block");

static uint32_t align_up(uint32_t v, uint32_t a) { return (v + a - 1) & ~(a - 1); }

static bool plan_layout(loader_layout *lay, const swdf__flash_session *s) {
  const swdf__loader_blob *blob = swdf__loader_for_core(s->family->core);
  uint32_t ram = s->ctl.ram_base;
  uint32_t ram_end = ram + s->ctl.ram_size;
  lay->blob = ram;
  lay->ctl = align_up(ram + blob->size, 8);
  lay->results = lay->ctl + align_up(sizeof(swdf_loader_ctl), 8);
  lay->result_count = s->ctl.ram_size >= 65536 ? 1024 : 256;
  lay->tables = lay->results + lay->result_count * 4;
  lay->stack_top = align_up(lay->tables + SWDF_LOADER_CRC_TABLES_SIZE + STACK_SIZE, 8);
  lay->slot_base = lay->stack_top;
  if (lay->slot_base >= ram_end) {
    return false;
  }
  uint32_t ring = ram_end - lay->slot_base;
  for (uint32_t size = MAX_SLOT_SIZE; size >= MIN_SLOT_SIZE; size /= 2) {
    uint32_t count = ring / (size + SWDF_LOADER_TRAILER_SIZE);
    if (count >= WANT_SLOTS || (size == MIN_SLOT_SIZE && count >= MIN_SLOTS)) {
      lay->slot_size = size;
      lay->slot_count = count;
      lay->stride = size + SWDF_LOADER_TRAILER_SIZE;
      return true;
    }
  }
  return false;
}

bool swdf__loader_fits(const swdf__flash_session *s) {
  loader_layout lay;
  return plan_layout(&lay, s);
}

static loader_state *state_of(swdf__flash_session *s) { return s->backend_state; }

static loader_clock *state_of_clock(swdf__flash_session *s) { return &state_of(s)->clock; }

static op_record *op_for(loader_state *ls, uint32_t seq) {
  return &ls->ops[(seq - 1) % ls->lay.slot_count];
}

static uint32_t slot_addr(const loader_state *ls, uint32_t seq) {
  return ls->lay.slot_base + ((seq - 1) % ls->lay.slot_count) * ls->lay.stride;
}

static uint64_t now_us(const loader_state *ls) {
  uint64_t real = (swdf__monotonic_ns() - ls->clock.start_ns) / 1000u;
  uint64_t counted = ls->clock.slept_us + ls->clock.wire_us;
  return real > counted ? real : counted;
}

static void sleep_counted(loader_state *ls, uint64_t us) {
  while (us > 0) {
    uint32_t step = us > 1000000u ? 1000000u : (uint32_t)us;
    swdf__sleep_us(step);
    ls->clock.slept_us += step;
    us -= step;
  }
}

static void count_wire(swdf__flash_session *s, size_t bytes) {
  state_of_clock(s)->wire_us += swdf__wire_time_us(s, bytes);
}

/*
 * Retries live in one layer per kind of error: the link layer (adi/link.c)
 * already retried WAIT answers and wire errors, with its own bound and
 * deadline, before an error gets here. What it leaves alone is a USB
 * transfer the probe missed, and a bus fault, which on an arbitrary
 * address is final but on the loader's own SRAM can only be a glitch;
 * those are tried again here, a bounded number of times within a deadline.
 * Anything else is final.
 */
static bool worth_retrying(swdf__flash_session *s, swdf_err err, int attempt, int limit,
                           const swdf_deadline *d, const char *what) {
  if ((err != SWDF_ERR_USB && err != SWDF_ERR_MEM_FAULT) || attempt + 1 >= limit ||
      swdf__deadline_passed(d)) {
    return false;
  }
  swdf__log(s->ctx, SWDF_LOG_DEBUG, "%s failed (%s), retrying", what, swdf_ctx_errmsg(s->ctx));
  return true;
}

/*
 * After a failed transfer the probe may have taken part of the next command
 * as data, so a write that "succeeds" on the retry is read back before it
 * counts. The slot design keeps this safe meanwhile: a slot's trailer is its
 * last bytes, so a shifted or partial write never leaves a valid trailer.
 */
static bool reads_back(swdf__flash_session *s, uint32_t addr, const void *buf, size_t len) {
  uint8_t *back = malloc(len);
  bool same = back != NULL && swdf__mem_read(back, s->t, addr, len) == SWDF_OK &&
              memcmp(back, buf, len) == 0;
  count_wire(s, len);
  free(back);
  return same;
}

/* `first` 1: an earlier write of the same bytes failed, so even the first
 * attempt here is read back. */
static swdf_err write_retrying_from(swdf__flash_session *s, int first, uint32_t addr,
                                    const void *buf, size_t len) {
  swdf_deadline d;
  swdf__deadline_start(&d, RETRY_DEADLINE_US);
  for (int attempt = first;; attempt++) {
    count_wire(s, len);
    swdf_err err = swdf__mem_write(s->t, addr, buf, len);
    if (err == SWDF_OK && attempt > 0 && !reads_back(s, addr, buf, len)) {
      err = swdf__fail(s->ctx, SWDF_ERR_USB, NULL,
                       "the loader's SRAM at 0x%08X does not hold what was written",
                       (unsigned)addr);
    }
    if (err == SWDF_OK) {
      if (attempt > 0) {
        swdf__clear_error(s->ctx);
      }
      return SWDF_OK;
    }
    if (!worth_retrying(s, err, attempt, WRITE_ATTEMPTS, &d, "writing the loader's SRAM")) {
      return err;
    }
  }
}

static swdf_err write_retrying(swdf__flash_session *s, uint32_t addr, const void *buf, size_t len) {
  return write_retrying_from(s, 0, addr, buf, len);
}

#define LINK_HINT                                                                                  \
  "run the command again; if this recurs, lower the SWD clock with --freq or use shorter wires"

/* The loader failed: say what it was doing and why. */
static swdf_err loader_failed(swdf__flash_session *s, const uint32_t *st) {
  loader_state *ls = state_of(s);
  uint32_t code = st[2], seq = st[3], addr = st[4], sr = st[5];
  ls->dead = true;
  const op_record *op = seq != 0 ? op_for(ls, seq) : NULL;
  const char *doing = op == NULL                     ? "starting the flash loader"
                      : op->kind == SWDF__OP_ERASE   ? "erasing"
                      : op->kind == SWDF__OP_PROGRAM ? "programming"
                                                     : "checking";
  if (code == SWDF_LOADER_FAIL_FLASH) {
    return swdf__session_flash_error(s, sr, addr, doing);
  }
  if (code == SWDF_LOADER_FAIL_DATA) {
    return swdf__fail(s->ctx, SWDF_ERR_SWD, LINK_HINT,
                      "the data for 0x%08X arrived damaged in the flash loader's SRAM (a write "
                      "over the debug link failed); the loader stopped before programming them",
                      (unsigned)addr);
  }
  return swdf__fail(s->ctx, SWDF_ERR_INTERNAL, NULL,
                    "the flash loader refused its work while %s (code %u, address 0x%08X)", doing,
                    (unsigned)code, (unsigned)addr);
}

static swdf_err read_retrying(swdf__flash_session *s, void *buf, uint32_t addr, size_t len) {
  swdf_deadline d;
  swdf__deadline_start(&d, RETRY_DEADLINE_US);
  for (int attempt = 0;; attempt++) {
    count_wire(s, len);
    swdf_err err = swdf__mem_read(buf, s->t, addr, len);
    if (err == SWDF_OK) {
      if (attempt > 0) {
        swdf__clear_error(s->ctx);
      }
      return SWDF_OK;
    }
    if (!worth_retrying(s, err, attempt, READ_ATTEMPTS, &d, "reading the loader's SRAM")) {
      return err;
    }
  }
}

static swdf_err read_status(swdf__flash_session *s, uint32_t *st) {
  return read_retrying(s, st, state_of(s)->lay.ctl + SWDF_LOADER_STATUS_OFFSET,
                       SWDF_LOADER_STATUS_WORDS * 4);
}

/* Read the loader's status and account for the slots it finished. */
static swdf_err poll(swdf__flash_session *s) {
  loader_state *ls = state_of(s);
  uint32_t st[SWDF_LOADER_STATUS_WORDS];
  swdf_err err = read_status(s, st);
  if (err != SWDF_OK) {
    return err;
  }
  uint32_t done = st[1];
  if (done - ls->done_seq > ls->next_seq - 1 - ls->done_seq) {
    return swdf__fail(s->ctx, SWDF_ERR_INTERNAL, NULL,
                      "the flash loader reports slot %u finished, only %u were given",
                      (unsigned)done, (unsigned)(ls->next_seq - 1));
  }
  if (ls->done_seq != done) {
    ls->progress_at = now_us(ls);
  }
  while (ls->done_seq != done) {
    ls->done_seq++;
    const op_record *op = op_for(ls, ls->done_seq);
    err = swdf__session_progress(s, op->kind, op->bytes);
    if (err != SWDF_OK) {
      return err;
    }
  }
  if (st[0] == SWDF_LOADER_FAILED) {
    return loader_failed(s, st);
  }
  if (st[0] != SWDF_LOADER_RUNNING && st[0] != SWDF_LOADER_DONE) {
    ls->dead = true;
    return swdf__fail(s->ctx, SWDF_ERR_INTERNAL, NULL,
                      "the flash loader's control block holds state %u: the loader stopped "
                      "or was overwritten",
                      (unsigned)st[0]);
  }
  return SWDF_OK;
}

static swdf_err timed_out(swdf__flash_session *s) {
  loader_state *ls = state_of(s);
  const op_record *op = op_for(ls, ls->done_seq + 1);
  ls->dead = true;
  (void)swdf__core_halt(s->t);
  static const char *const doing[] = {
      [SWDF__OP_ERASE] = "erasing",
      [SWDF__OP_PROGRAM] = "programming",
      [SWDF__OP_CHECK] = "checking",
      [SWDF__OP_END] = "finishing at",
  };
  return swdf__fail(s->ctx, SWDF_ERR_TIMEOUT,
                    "the core was halted; reset the chip and try again, with a lower --freq if "
                    "the link is unreliable",
                    "%s 0x%08X took longer than %u ms (the datasheet maximum is %u ms): the "
                    "flash loader stopped making progress",
                    doing[op->kind], (unsigned)op->addr,
                    (unsigned)((op->max_us + DEADLINE_MARGIN_US) / 1000),
                    (unsigned)(op->max_us / 1000));
}

/* Write a held-back trailer: the loader may start on that slot now. */
static swdf_err commit_held(swdf__flash_session *s) {
  loader_state *ls = state_of(s);
  if (ls->held_seq == 0) {
    return SWDF_OK;
  }
  uint32_t seq = ls->held_seq;
  ls->held_seq = 0;
  swdf_err err =
      write_retrying(s, slot_addr(ls, seq) + ls->lay.slot_size, &ls->held, sizeof(ls->held));
  if (err == SWDF_OK) {
    op_for(ls, seq)->queued_at = now_us(ls);
  }
  return err;
}

/*
 * A streamed slot the loader should have finished by now: is its trailer
 * there? Every write before this read has run on the probe, so a trailer
 * that is not in place now was lost on the wire, and the loader would wait
 * for it forever. Checked once per slot, only when it is overdue.
 */
static swdf_err check_arrived(swdf__flash_session *s) {
  loader_state *ls = state_of(s);
  uint32_t seq = ls->done_seq + 1;
  op_record *op = op_for(ls, seq);
  if (seq >= ls->next_seq || !op->streamed || op->arrived ||
      now_us(ls) < op->finish_at + op->typ_us + ARRIVAL_SLACK_US) {
    return SWDF_OK;
  }
  swdf_loader_trailer back;
  swdf_err err = read_retrying(s, &back, slot_addr(ls, seq) + ls->lay.slot_size, sizeof(back));
  if (err != SWDF_OK) {
    return err;
  }
  if (back.seq == seq) {
    op->arrived = true;
    return SWDF_OK;
  }
  ls->dead = true;
  (void)swdf__core_halt(s->t);
  return swdf__fail(s->ctx, SWDF_ERR_SWD, LINK_HINT,
                    "the data for 0x%08X never reached the flash loader (a write over the debug "
                    "link failed); nothing of them was programmed",
                    (unsigned)op->addr);
}

/* When the operation of slot `seq` started at the latest. */
static uint64_t started_by(const loader_state *ls, const op_record *op) {
  return op->queued_at > ls->progress_at ? op->queued_at : ls->progress_at;
}

/*
 * Wait until the loader has finished slot `need`. The first sleep lasts
 * until slot `hope` (>= need) should be done by the typical times, so that
 * a refill of the ring goes out in one burst; after that the wait backs off
 * in small steps. Past the datasheet maximum of the slot in progress the
 * core is halted and the wait fails.
 */
static swdf_err wait_done(swdf__flash_session *s, uint32_t need, uint32_t hope) {
  loader_state *ls = state_of(s);
  swdf_err held = commit_held(s);
  if (held != SWDF_OK) {
    return held;
  }
  uint32_t pending = ls->next_seq - 1 - ls->done_seq;
  while (need != ls->done_seq && need - ls->done_seq <= pending) {
    const op_record *op = op_for(ls, ls->done_seq + 1);
    uint64_t now = now_us(ls);
    if (now > started_by(ls, op) + op->max_us + DEADLINE_MARGIN_US) {
      return timed_out(s);
    }
    uint64_t until = op_for(ls, hope)->finish_at;
    uint64_t sleep = until > now ? until - now : op->typ_us / 8;
    swdf__log(s->ctx, SWDF_LOG_TRACE, "loader: at %llu us, done %u, need %u, sleep %llu us",
              (unsigned long long)now, (unsigned)ls->done_seq, (unsigned)need,
              (unsigned long long)sleep);
    sleep_counted(ls, sleep < 100 ? 100 : sleep);
    swdf_err err = poll(s);
    if (err == SWDF_OK) {
      err = check_arrived(s);
    }
    if (err != SWDF_OK) {
      return err;
    }
    hope = need;
    pending = ls->next_seq - 1 - ls->done_seq;
  }
  return SWDF_OK;
}

/* Write part of a slot: checked, or unchecked for a streamed slot. */
static swdf_err write_slot_part(swdf__flash_session *s, bool streamed, uint32_t addr,
                                const void *buf, size_t len) {
  if (!streamed) {
    return write_retrying(s, addr, buf, len);
  }
  count_wire(s, len);
  swdf_err err = swdf__mem_write_unchecked(s->t, addr, buf, len);
  if (err != SWDF_ERR_USB) {
    return err;
  }
  /* A transfer the probe missed: this part again, checked and read back
   * (the slot's CRC still covers the parts written before it). */
  swdf__log(s->ctx, SWDF_LOG_DEBUG, "streaming to the loader's SRAM failed (%s), retrying",
            swdf_ctx_errmsg(s->ctx));
  return write_retrying_from(s, 1, addr, buf, len);
}

/* Queue one slot: data (if any) first, the trailer last. */
static swdf_err submit(swdf__flash_session *s, swdf__op_kind kind, uint32_t op_word, uint32_t arg0,
                       uint32_t arg1, const uint8_t *data, uint32_t len, const op_record *rec) {
  loader_state *ls = state_of(s);
  if (ls->dead) {
    return swdf__fail(s->ctx, SWDF_ERR_INTERNAL, NULL, "the flash loader is no longer running");
  }
  uint32_t seq = ls->next_seq;
  if (seq - ls->done_seq > ls->lay.slot_count) {
    /* Ring full: let about half of it drain, then refill in one go. */
    swdf_err err =
        wait_done(s, seq - ls->lay.slot_count, ls->done_seq + (ls->lay.slot_count + 1) / 2);
    if (err != SWDF_OK) {
      return err;
    }
  }
  uint32_t addr = slot_addr(ls, seq);
  bool streamed = ls->stream && kind == SWDF__OP_PROGRAM && !ls->grouping;
  swdf_loader_trailer trailer = {.op = op_word, .arg0 = arg0, .arg1 = arg1, .seq = seq};
  if (streamed) {
    trailer.op |= SWDF_LOADER_OP_DATA_CRC;
    trailer.data_crc = swdf__crc32(s, data, len);
  }
  swdf_err err = SWDF_OK;
  if (ls->grouping && ls->held_seq == 0) {
    /* The data goes out now, the trailer when the group is complete. */
    ls->held = trailer;
    ls->held_seq = seq;
    trailer.seq = 0;
  }
  if (len > 0 && ls->lay.slot_size - len > PAD_LIMIT) {
    err = write_slot_part(s, streamed, addr, data, len);
    if (err == SWDF_OK && trailer.seq != 0) {
      err = write_slot_part(s, streamed, addr + ls->lay.slot_size, &trailer, sizeof(trailer));
    }
  } else if (len > 0 || trailer.seq != 0) {
    uint32_t from = len > 0 ? 0 : ls->lay.slot_size;
    if (len > 0) {
      memcpy(ls->buf, data, len);
      memset(ls->buf + len, 0xff, ls->lay.slot_size - len);
    }
    memcpy(ls->buf + ls->lay.slot_size, &trailer, sizeof(trailer));
    err = write_slot_part(s, streamed, addr + from, ls->buf + from, ls->lay.stride - from);
  }
  if (err != SWDF_OK) {
    return err;
  }
  op_record *slot_op = op_for(ls, seq);
  uint64_t now = now_us(ls);
  uint64_t prev_finish = seq > 1 ? op_for(ls, seq - 1)->finish_at : 0;
  *slot_op = *rec;
  slot_op->kind = kind;
  slot_op->queued_at = now;
  slot_op->finish_at = (now > prev_finish ? now : prev_finish) + rec->typ_us;
  slot_op->streamed = streamed;
  slot_op->arrived = false;
  ls->next_seq++;
  return SWDF_OK;
}

static swdf_err loader_erase(swdf__flash_session *s, const swdf__erase_cmd *cmd, uint32_t addr,
                             uint32_t size, uint32_t typ_us, uint32_t max_us) {
  op_record rec = {
      .kind = SWDF__OP_ERASE, .addr = addr, .bytes = size, .typ_us = typ_us, .max_us = max_us};
  return submit(s, SWDF__OP_ERASE, SWDF_LOADER_OP(SWDF_LOADER_OP_ERASE, cmd->bank), cmd->cr,
                cmd->ar, NULL, 0, &rec);
}

static swdf_err loader_program(swdf__flash_session *s, unsigned bank, uint32_t addr,
                               const uint8_t *data, uint32_t len) {
  loader_state *ls = state_of(s);
  while (len > 0) {
    uint32_t n = len < ls->lay.slot_size ? len : ls->lay.slot_size;
    op_record rec = {.kind = SWDF__OP_PROGRAM,
                     .addr = addr,
                     .bytes = n,
                     .typ_us = (uint32_t)swdf__program_time_us(s, n, false),
                     .max_us = (uint32_t)swdf__program_time_us(s, n, true)};
    swdf_err err = submit(s, SWDF__OP_PROGRAM, SWDF_LOADER_OP(SWDF_LOADER_OP_PROGRAM, bank), addr,
                          n, data, n, &rec);
    if (err != SWDF_OK) {
      return err;
    }
    addr += n;
    data += n;
    len -= n;
  }
  return SWDF_OK;
}

static void loader_group_begin(swdf__flash_session *s) { state_of(s)->grouping = true; }

static swdf_err loader_group_end(swdf__flash_session *s) {
  state_of(s)->grouping = false;
  return commit_held(s);
}

static swdf_err loader_flush(swdf__flash_session *s) {
  loader_state *ls = state_of(s);
  return wait_done(s, ls->next_seq - 1, ls->next_seq - 1);
}

/* How many entries from checks[i] form a run the loader takes as one
 * repeated entry: equal ranges back to back, results a fixed step apart,
 * the first not carrying on a stream from checks[i - 1]. */
static size_t repeat_run(const swdf_loader_check *all, size_t i, size_t n, uint32_t *stride) {
  const swdf_loader_check *checks = all + i;
  n -= i;
  if (n < 2 || (i > 0 && all[i - 1].result == checks[0].result) ||
      checks[1].result <= checks[0].result) {
    return 1;
  }
  *stride = checks[1].result - checks[0].result;
  size_t k = 1;
  while (k < n && k < SWDF_LOADER_REPEAT_COUNT(0xffffffffu) && *stride <= 0xffffu &&
         checks[k].len == checks[0].len && checks[k].addr == checks[k - 1].addr + checks[0].len &&
         checks[k].result == checks[k - 1].result + *stride) {
    k++;
  }
  return k;
}

static swdf_err queue_check_slot(swdf__flash_session *s, uint32_t op,
                                 const swdf_loader_check *packed, size_t k, uint32_t repeat,
                                 uint64_t bytes) {
  op_record rec = {.kind = SWDF__OP_CHECK,
                   .addr = packed[0].addr,
                   .typ_us = (uint32_t)swdf__check_time_us(s, op, bytes, false),
                   .max_us = (uint32_t)swdf__check_time_us(s, op, bytes, true)};
  uint32_t len = (uint32_t)(k * sizeof(swdf_loader_check));
  return submit(s, SWDF__OP_CHECK, SWDF_LOADER_OP(op, 0), (uint32_t)k, repeat,
                (const uint8_t *)packed, len, &rec);
}

/* Queue checks whose result indices lie in [first, first + count) of one
 * window of the loader's result words, packing entries into slots; runs of
 * equal ranges (whole units) go out as one repeated entry. */
static swdf_err queue_checks(swdf__flash_session *s, uint32_t op, const swdf_loader_check *checks,
                             size_t n, uint32_t window_base) {
  loader_state *ls = state_of(s);
  swdf_loader_check packed[MAX_SLOT_SIZE / sizeof(swdf_loader_check)];
  size_t per_slot = ls->lay.slot_size / sizeof(swdf_loader_check);
  size_t i = 0;
  while (i < n) {
    uint32_t stride = 0;
    size_t run = repeat_run(checks, i, n, &stride);
    if (run >= REPEAT_MIN) {
      packed[0] = checks[i];
      packed[0].result -= window_base;
      swdf_err err = queue_check_slot(s, op, packed, 1, SWDF_LOADER_REPEAT(run, stride),
                                      (uint64_t)run * checks[i].len);
      if (err != SWDF_OK) {
        return err;
      }
      i += run;
      continue;
    }
    size_t k = 0;
    uint64_t bytes = 0;
    for (; k < per_slot && i + k < n; k++) {
      if (k > 0 && repeat_run(checks, i + k, n, &stride) >= REPEAT_MIN) {
        break;
      }
      packed[k] = checks[i + k];
      packed[k].result -= window_base;
      bytes += packed[k].len;
    }
    /* A stream cut by the slot boundary carries on in the next slot. */
    if (i > 0 && checks[i].result == checks[i - 1].result) {
      packed[0].result |= SWDF_LOADER_CHECK_CONTINUE;
    }
    swdf_err err = queue_check_slot(s, op, packed, k, 0, bytes);
    if (err != SWDF_OK) {
      return err;
    }
    i += k;
  }
  return SWDF_OK;
}

static swdf_err loader_check(swdf__flash_session *s, uint32_t op, const swdf_loader_check *checks,
                             size_t count, uint32_t *results, size_t result_count) {
  loader_state *ls = state_of(s);
  size_t i = 0;
  /* Result indices ascend; take them a window of the loader's results at a time. */
  for (uint32_t base = 0; base < result_count; base += ls->lay.result_count) {
    uint32_t end = base + ls->lay.result_count;
    size_t first = i;
    while (i < count && checks[i].result < end) {
      i++;
    }
    if (i == first) {
      continue;
    }
    swdf_err err = queue_checks(s, op, checks + first, i - first, base);
    if (err == SWDF_OK) {
      err = loader_flush(s);
    }
    uint32_t used = (end > result_count ? (uint32_t)result_count : end) - base;
    if (err == SWDF_OK) {
      err = read_retrying(s, results + base, ls->lay.results, used * 4u);
    }
    if (err != SWDF_OK) {
      return err;
    }
  }
  return SWDF_OK;
}

static swdf_err wait_running(swdf__flash_session *s) {
  loader_state *ls = state_of(s);
  /* Building the CRC tables takes about 16k cycles. */
  uint64_t typ_us = 16000ull * 1000000u / s->cpu_hz + 100;
  uint64_t started = now_us(ls);
  sleep_counted(ls, typ_us);
  for (;;) {
    uint32_t st[SWDF_LOADER_STATUS_WORDS];
    swdf_err err = read_status(s, st);
    if (err != SWDF_OK) {
      return err;
    }
    if (st[0] == SWDF_LOADER_RUNNING) {
      ls->progress_at = now_us(ls);
      return SWDF_OK;
    }
    if (st[0] == SWDF_LOADER_FAILED) {
      return loader_failed(s, st);
    }
    uint64_t waited = now_us(ls) - started;
    if (waited > typ_us * 20 + DEADLINE_MARGIN_US) {
      ls->dead = true;
      (void)swdf__core_halt(s->t);
      return swdf__fail(s->ctx, SWDF_ERR_TIMEOUT, NULL,
                        "the flash loader did not start (state %u after %u ms)", (unsigned)st[0],
                        (unsigned)(waited / 1000));
    }
    sleep_counted(ls, typ_us / 2);
  }
}

static swdf_err loader_start(swdf__flash_session *s) {
  loader_state *ls = calloc(1, sizeof(*ls));
  if (ls == NULL) {
    return swdf__fail(s->ctx, SWDF_ERR_NO_MEMORY, NULL, "out of memory");
  }
  s->backend_state = ls;
  if (!plan_layout(&ls->lay, s)) {
    return swdf__fail(s->ctx, SWDF_ERR_UNSUPPORTED, NULL, "too little SRAM for the flash loader");
  }
  const loader_layout *lay = &ls->lay;
  ls->ops = calloc(lay->slot_count, sizeof(*ls->ops));
  ls->buf = malloc(lay->stride);
  if (ls->ops == NULL || ls->buf == NULL) {
    return swdf__fail(s->ctx, SWDF_ERR_NO_MEMORY, NULL, "out of memory");
  }
  ls->next_seq = 1;
  ls->clock.start_ns = swdf__monotonic_ns();
  /* Stream where a slot takes longer on the link (each write waiting for
   * its status) than in the flash: there the wire sets the pace. */
  uint64_t wire_us = swdf__wire_time_us(s, lay->slot_size);
  uint64_t flash_us = swdf__program_time_us(s, lay->slot_size, false);
  ls->stream = wire_us > flash_us;
  const swdf__loader_blob *blob = swdf__loader_for_core(s->family->core);
  swdf_loader_header header;
  memcpy(&header, blob->code, sizeof(header));
  if (header.magic != SWDF_LOADER_MAGIC || header.abi_version != SWDF_LOADER_ABI_VERSION) {
    return swdf__fail(s->ctx, SWDF_ERR_INTERNAL, NULL, "the %s flash loader blob is damaged",
                      blob->name);
  }
  swdf_loader_ctl ctl = {
      .magic = SWDF_LOADER_MAGIC,
      .abi_version = SWDF_LOADER_ABI_VERSION,
      .slot_base = lay->slot_base,
      .slot_size = lay->slot_size,
      .slot_count = lay->slot_count,
      .results = lay->results,
      .result_count = lay->result_count,
      .crc_tables = lay->tables,
      .regs = {s->ctl.regs[0], s->ctl.regs[1]},
      .cr_program = s->ctl.cr_program,
      .unit = s->ctl.unit,
      .sr_off = s->ctl.sr,
      .cr_off = s->ctl.cr,
      .ar_off = s->ctl.ar,
      .ccr_off = s->ctl.ccr,
      .sr_busy = s->ctl.sr_busy,
      .sr_wait = s->ctl.sr_wait,
      .sr_errors = s->ctl.sr_errors,
      .sr_clear = s->ctl.sr_clear,
      .cr_start = s->ctl.cr_start,
      .cr_force = s->ctl.cr_force,
      .access = s->ctl.access,
      .iwdg_kr = s->ctl.iwdg_kr,
      .state = SWDF_LOADER_STARTING,
  };
  /* Blob and control block in one write. */
  size_t image_len = (lay->ctl - lay->blob) + sizeof(ctl);
  uint8_t *image = calloc(1, image_len);
  if (image == NULL) {
    return swdf__fail(s->ctx, SWDF_ERR_NO_MEMORY, NULL, "out of memory");
  }
  memcpy(image, blob->code, blob->size);
  memcpy(image + (lay->ctl - lay->blob), &ctl, sizeof(ctl));
  swdf_err err = write_retrying(s, lay->blob, image, image_len);
  free(image);
  if (err != SWDF_OK) {
    swdf__prefix_error(s->ctx, "loading the flash loader");
    return err;
  }
  swdf_core_call call = {
      .entry = lay->blob + header.entry,
      .sp = lay->stack_top,
      .args = {lay->ctl},
      .arg_count = 1,
      .mask_interrupts = true,
  };
  err = swdf__core_start(s->t, &call);
  if (err == SWDF_OK) {
    err = wait_running(s);
  }
  if (err == SWDF_OK) {
    swdf__log(s->ctx, SWDF_LOG_DEBUG,
              "flash loader (%s) running at 0x%08X: %u slots of %u bytes, program unit %u "
              "(%u-byte stores)%s",
              blob->name, (unsigned)lay->blob, (unsigned)lay->slot_count,
              (unsigned)lay->slot_size, (unsigned)s->ctl.unit, (unsigned)s->ctl.access,
              ls->stream ? ", program slots streamed with a data CRC" : "");
  }
  return err;
}

static void loader_stop(swdf__flash_session *s) {
  loader_state *ls = state_of(s);
  if (ls != NULL) {
    free(ls->ops);
    free(ls->buf);
    ls->ops = NULL;
    ls->buf = NULL;
  }
  /* The flash finishes an operation in progress by itself; the core must
   * not run on. */
  (void)swdf__core_halt(s->t);
}

const swdf__backend swdf__loader_backend = {
    .name = "loader",
    .start = loader_start,
    .erase = loader_erase,
    .program = loader_program,
    .check = loader_check,
    .group_begin = loader_group_begin,
    .group_end = loader_group_end,
    .flush = loader_flush,
    .stop = loader_stop,
};
