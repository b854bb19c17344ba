/*
 * The physical limit of timing model section 6: the time no client can beat
 * for a write, a read or a mass erase, from the chip's flash figures (target
 * side) and the probe's USB cost and SWD clock (probe side). `swdsim limit`.
 */
#ifndef SWDSIM_LIMIT_H
#define SWDSIM_LIMIT_H

#include "probe.h"

typedef enum sim_limit_op { SIM_LIMIT_WRITE, SIM_LIMIT_READ, SIM_LIMIT_MASS_ERASE } sim_limit_op;

typedef struct sim_limit_request {
  const char *chip;
  const sim_probe_kind *probe;
  uint32_t swd_khz;     /* 0: the probe's fastest clock, as section 6 asks */
  sim_limit_op op;
  uint32_t addr, bytes; /* the range written or read (ignored for a mass erase) */
  const uint8_t *flash; /* a write: the chip's main flash before it; NULL: erased */
} sim_limit_request;

typedef struct sim_limit {
  uint32_t swd_khz;     /* the clock the wire time assumes */
  uint32_t erase_units; /* units a write must erase (not blank where it goes) */
  sim_ns erase_ns;      /* those units, or their bank or mass erase where cheaper */
  sim_ns program_ns;    /* bytes / program unit x time per unit */
  sim_ns flash_busy_ns; /* erase + program */
  sim_ns usb_ns;        /* the bytes at the USB per-byte cost */
  sim_ns swd_ns;        /* bytes / 4 transactions at swd_khz */
  sim_ns wire_ns;       /* the larger of usb_ns and swd_ns */
  sim_ns limit_ns;      /* the larger of flash_busy_ns and wire_ns */
} sim_limit;

/* False with a message for an unknown chip or a range outside its flash. */
bool sim_limit_compute(const sim_limit_request *req, sim_limit *out, char *err, size_t err_len);

/* `swdsim limit ...`; argv[0] is "limit". Returns the exit status; on a bad
 * command line (2) the message is in `err`. */
int sim_limit_main(int argc, char **argv, char *err, size_t err_len);

#endif
