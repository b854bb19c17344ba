/*
 * A small stand-in for the target side, for the probe side's unit tests: an
 * SW-DP, one AHB-AP, 64 KiB of memory at 0x08000000, 20 KiB at 0x20000000
 * and the Cortex-M debug registers, with hooks to inject WAIT and FAULT.
 */
#ifndef SWDSIM_FAKE_TARGET_H
#define SWDSIM_FAKE_TARGET_H

#include "sim.h"

#define FAKE_FLASH_BASE 0x08000000u
#define FAKE_FLASH_SIZE 0x10000u
#define FAKE_SRAM_BASE 0x20000000u
#define FAKE_SRAM_SIZE 0x5000u
#define FAKE_DPIDR 0x1BA01477u

typedef struct fake_log {
  uint64_t dp_reads, dp_writes, ap_reads, ap_writes, line_resets;
  bool nrst;
  uint32_t last_select;
  uint32_t last_csw;
  uint32_t aircr_writes;
} fake_log;

/* The last target created (tests create one at a time). */
sim_target *fake_target_last(void);
const fake_log *fake_target_log(sim_target *t);
uint8_t *fake_target_memory(sim_target *t, uint32_t addr); /* NULL outside memory */
/* The next `count` transactions answer WAIT. */
void fake_target_wait(sim_target *t, int count);
/* Accesses at [addr, addr + len) bus-fault (sticky error). */
void fake_target_fault_range(sim_target *t, uint32_t addr, uint32_t len);
/* Nothing answers on the wire. */
void fake_target_unplug(sim_target *t, bool unplugged);
uint32_t fake_target_core_reg(sim_target *t, int index);
bool fake_target_halted(sim_target *t);

#endif
