/*
 * The register backend: the host drives the flash controller directly over
 * SWD, for chips where the loader cannot run (too little SRAM, a core that
 * will not execute). Slow: every status poll is a USB round trip. Checks
 * read the flash back and compute on the host.
 */
#include <stdlib.h>
#include <string.h>

#include "flash/loaders/loader_crc.h"
#include "flash_internal.h"

enum {
  /* Units written per memory command between status checks, where the
   * controller stalls the bus while busy (not on clones that lose writes). */
  BURST_BYTES = 256,
  READ_CHUNK = 16384,
  POLL_MARGIN_US = 500000,
};

static uint32_t reg(const swdf__flash_session *s, unsigned bank, uint32_t offset) {
  return s->ctl.regs[bank] + offset;
}

/* Wait for BSY to clear; the status register value ends up in *sr. */
static swdf_err wait_idle(swdf__flash_session *s, unsigned bank, uint64_t max_us, uint32_t *sr) {
  return swdf__poll32(sr, s->t, reg(s, bank, s->ctl.sr), s->ctl.sr_busy | s->ctl.sr_wait, 0,
                      max_us + POLL_MARGIN_US);
}

static swdf_err check_status(swdf__flash_session *s, unsigned bank, uint32_t sr, uint32_t addr,
                             const char *doing) {
  if ((sr & s->ctl.sr_errors) == 0) {
    return SWDF_OK;
  }
  (void)swdf__write32(s->t, swdf__flash_clear_reg(&s->ctl, bank), s->ctl.sr_clear);
  return swdf__session_flash_error(s, sr, addr, doing);
}

static swdf_err regs_start(swdf__flash_session *s) {
  (void)s;
  return SWDF_OK;
}

static swdf_err regs_erase(swdf__flash_session *s, const swdf__erase_cmd *cmd, uint32_t addr,
                           uint32_t size, uint32_t typ_us, uint32_t max_us) {
  (void)typ_us;
  unsigned bank = cmd->bank;
  swdf_err err = swdf__write32(s->t, reg(s, bank, s->ctl.cr), cmd->cr);
  if (err == SWDF_OK && s->ctl.ar != 0) {
    err = swdf__write32(s->t, reg(s, bank, s->ctl.ar), cmd->ar);
  }
  if (err == SWDF_OK) {
    err = swdf__write32(s->t, reg(s, bank, s->ctl.cr), cmd->cr | s->ctl.cr_start);
  }
  if (err == SWDF_OK && (s->chip->quirks & SWDF_QUIRK_ERASE_BSY_DELAY) != 0) {
    swdf__sleep_us(10);
  }
  uint32_t sr = 0;
  if (err == SWDF_OK) {
    err = wait_idle(s, bank, max_us, &sr);
  }
  if (err == SWDF_OK) {
    err = swdf__write32(s->t, reg(s, bank, s->ctl.cr), 0);
  }
  if (err == SWDF_OK) {
    err = check_status(s, bank, sr, addr, "erasing");
  }
  if (err == SWDF_OK) {
    err = swdf__session_progress(s, SWDF__OP_ERASE, size);
  }
  return err;
}

/* Write `len` bytes, then wait for the controller; a partial last unit is
 * written out with the force bit (H7 FW). */
static swdf_err program_burst(swdf__flash_session *s, unsigned bank, uint32_t addr,
                              const uint8_t *data, uint32_t len) {
  swdf_err err = swdf__mem_write_sized(s->t, addr, data, len, s->ctl.access);
  if (err == SWDF_OK && len % s->ctl.unit != 0 && s->ctl.cr_force != 0) {
    err = swdf__write32(s->t, reg(s, bank, s->ctl.cr), s->ctl.cr_program | s->ctl.cr_force);
  }
  uint32_t sr = 0;
  if (err == SWDF_OK) {
    err = wait_idle(s, bank, swdf__program_time_us(s, len, true), &sr);
  }
  if (err == SWDF_OK) {
    err = check_status(s, bank, sr, addr, "programming");
  }
  return err;
}

static swdf_err regs_program(swdf__flash_session *s, unsigned bank, uint32_t addr,
                             const uint8_t *data, uint32_t len) {
  uint32_t burst = (s->chip->quirks & SWDF_QUIRK_WAIT_BSY_EACH_UNIT) != 0 || s->ctl.unit > BURST_BYTES
                       ? s->ctl.unit
                       : BURST_BYTES;
  swdf_err err = swdf__write32(s->t, reg(s, bank, s->ctl.cr), s->ctl.cr_program);
  for (uint32_t done = 0; err == SWDF_OK && done < len;) {
    uint32_t n = len - done < burst ? len - done : burst;
    err = program_burst(s, bank, addr + done, data + done, n);
    if (err == SWDF_OK) {
      err = swdf__session_progress(s, SWDF__OP_PROGRAM, n);
    }
    done += n;
  }
  swdf_err off = swdf__write32(s->t, reg(s, bank, s->ctl.cr), 0);
  return err != SWDF_OK ? err : off;
}

static swdf_err regs_check(swdf__flash_session *s, uint32_t op, const swdf_loader_check *checks,
                           size_t count, uint32_t *results, size_t result_count) {
  uint8_t *buf = malloc(READ_CHUNK);
  if (buf == NULL) {
    return swdf__fail(s->ctx, SWDF_ERR_NO_MEMORY, NULL, "out of memory");
  }
  swdf_err err = SWDF_OK;
  uint32_t value = 0;
  for (size_t i = 0; i < count && err == SWDF_OK; i++) {
    const swdf_loader_check *c = &checks[i];
    if (i == 0 || checks[i - 1].result != c->result) {
      value = 0xffffffffu; /* the CRC's start value, and "no byte that is not blank" */
    }
    for (uint32_t done = 0; done < c->len && err == SWDF_OK;) {
      uint32_t n = c->len - done < READ_CHUNK ? c->len - done : READ_CHUNK;
      err = swdf__mem_read(buf, s->t, c->addr + done, n);
      if (err != SWDF_OK) {
        break;
      }
      if (op == SWDF_LOADER_OP_CRC) {
        value = swdf_crc32_run(s->crc_tables, value, buf, n);
      } else if (value == 0xffffffffu) {
        size_t at = swdf_first_not_blank(buf, n);
        value = at < n ? c->addr + done + (uint32_t)at : value;
      }
      done += n;
    }
    bool last = i + 1 == count || checks[i + 1].result != c->result;
    if (err == SWDF_OK && last && c->result < result_count) {
      results[c->result] = op == SWDF_LOADER_OP_CRC ? ~value : value;
    }
  }
  free(buf);
  return err;
}

static swdf_err regs_flush(swdf__flash_session *s) {
  (void)s;
  return SWDF_OK;
}

static void regs_stop(swdf__flash_session *s) { (void)s; }

const swdf__backend swdf__register_backend = {
    .name = "registers",
    .start = regs_start,
    .erase = regs_erase,
    .program = regs_program,
    .check = regs_check,
    .flush = regs_flush,
    .stop = regs_stop,
};
