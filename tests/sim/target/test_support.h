/*
 * What the target-side tests share: a minimal "probe" that drives a
 * sim_target through SWD transactions the way ST-Link firmware does
 * (connect, CSW/TAR/DRW/RDBUFF memory accesses, WAIT retries, core
 * registers through DCRSR), charging each transaction on the clock.
 */
#ifndef SWDSIM_TEST_SUPPORT_H
#define SWDSIM_TEST_SUPPORT_H

#include "sim.h"

#include <stdbool.h>
#include <stdint.h>

/* 48 SWD clocks at the ST-Link V2 default of 1.8 MHz */
#define TP_TRANSACTION_NS 26667u
#define TP_MAX_WAITS 1000000u

typedef struct tp {
  sim_clock clock;
  sim_target *t;
  uint32_t csw;       /* last CSW written, to skip redundant writes */
  bool csw_valid;
  unsigned waits;     /* WAIT answers seen */
  sim_ack last_ack;
} tp;

typedef struct tp_options {
  const char *chip;
  const char *state;
  const char *scenarios[4];
  sim_fault faults[4];
} tp_options;

/* Create a target (fails the test when that fails). */
void tp_open(tp *p, const tp_options *o);
void tp_close(tp *p);
/* Line reset, DPIDR, ABORT, power-up handshake, SELECT 0. */
sim_ack tp_connect(tp *p, uint32_t *dpidr);
void tp_wait(tp *p, sim_ns ns);

sim_ack tp_dp_read(tp *p, uint8_t addr, uint32_t *v);
sim_ack tp_dp_write(tp *p, uint8_t addr, uint32_t v);
sim_ack tp_ap_read(tp *p, uint8_t addr, uint32_t *v); /* returns the posted value */
sim_ack tp_ap_write(tp *p, uint8_t addr, uint32_t v);

/* Memory through the AHB-AP: `size` 1, 2 or 4. */
sim_ack tp_read(tp *p, uint32_t addr, unsigned size, uint32_t *v);
sim_ack tp_write(tp *p, uint32_t addr, unsigned size, uint32_t v);
uint32_t tp_read32(tp *p, uint32_t addr);         /* fails the test unless OK */
void tp_write32(tp *p, uint32_t addr, uint32_t v); /* fails the test unless OK */
sim_ack tp_write_block(tp *p, uint32_t addr, const void *data, uint32_t len);
sim_ack tp_read_block(tp *p, uint32_t addr, void *data, uint32_t len);
/* Clear sticky errors after a FAULT. */
void tp_abort(tp *p);

/* Core debug through DHCSR/DCRSR/DCRDR. */
void tp_halt(tp *p);
void tp_run(tp *p);
uint32_t tp_reg(tp *p, unsigned sel);
void tp_set_reg(tp *p, unsigned sel, uint32_t v);
uint32_t tp_dhcsr(tp *p);

/* A fresh temporary file path (any old file there is removed). */
void tp_temp_path(char *buf, size_t len, const char *tag);

/* Write a state file for `chip` holding `len` bytes of `image` at flash
 * offset `offset`, with the option fields of the NULL-terminated list
 * `options` ("rdp=1", "wrp0=0xFE", ...; NULL: factory option bytes). */
void tp_make_state(const char *path, const char *chip, uint32_t offset, const void *image,
                   uint32_t len, const char *const *options);

#endif
