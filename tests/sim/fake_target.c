/* See fake_target.h. Behaviour follows ADIv5 (IHI0031) in the parts used. */
#include "fake_target.h"

#include "debug_regs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


struct sim_target {
  sim_clock *clock;
  fake_log log;
  uint8_t flash[FAKE_FLASH_SIZE];
  uint8_t sram[FAKE_SRAM_SIZE];
  uint32_t ctrl_stat, select, rdbuff, csw, tar;
  uint32_t dhcsr, dcrdr, demcr;
  uint32_t regs[128];
  int wait_count;
  uint32_t fault_addr, fault_len;
  bool unplugged;
};

static sim_target *last_target;
static const char *const chip_names[] = {"fake", NULL};

const char *const *sim_chip_names(void)
{
  return chip_names;
}

const char *sim_chip_describe(const char *name)
{
  return strcmp(name, "fake") == 0 ? "test double for the probe side" : NULL;
}

const char *sim_target_chip(const sim_target *t)
{
  (void)t;
  return "fake";
}

bool sim_target_scenario_valid(const char *name, char *err, size_t err_len)
{
  if (strcmp(name, "no-target") == 0 || strcmp(name, "nrst-not-wired") == 0 ||
      strcmp(name, "boot0=0") == 0 || strcmp(name, "boot0=1") == 0)
    return true;
  snprintf(err, err_len, "unknown scenario '%s'", name);
  return false;
}

sim_target *sim_target_new(sim_clock *clock, const sim_target_options *opts, char *err,
                           size_t err_len)
{
  if (opts->chip && opts->chip[0] && strcmp(opts->chip, "fake") != 0) {
    snprintf(err, err_len, "unknown chip '%s'", opts->chip ? opts->chip : "");
    return NULL;
  }
  sim_target *t = calloc(1, sizeof *t);
  if (!t) {
    snprintf(err, err_len, "out of memory");
    return NULL;
  }
  t->clock = clock;
  t->csw = 0x03000042;
  memset(t->flash, 0xFF, sizeof t->flash);
  last_target = t;
  return t;
}

void sim_target_free(sim_target *t)
{
  if (last_target == t)
    last_target = NULL;
  free(t);
}

bool sim_target_save(sim_target *t, char *err, size_t err_len)
{
  (void)t;
  (void)err;
  (void)err_len;
  return true;
}

void sim_target_sync(sim_target *t)
{
  (void)t;
}

void sim_target_line_reset(sim_target *t)
{
  t->log.line_resets++;
}

void sim_target_set_nrst(sim_target *t, bool asserted)
{
  t->log.nrst = asserted;
}

uint32_t sim_target_voltage_mv(const sim_target *t)
{
  (void)t;
  return 3300;
}

int sim_state_main(int argc, char **argv)
{
  (void)argc;
  (void)argv;
  fprintf(stderr, "the fake target keeps no state\n");
  return 1;
}

/* ---- memory ---- */

uint8_t *fake_target_memory(sim_target *t, uint32_t addr)
{
  if (addr - FAKE_FLASH_BASE < FAKE_FLASH_SIZE)
    return &t->flash[addr - FAKE_FLASH_BASE];
  if (addr - FAKE_SRAM_BASE < FAKE_SRAM_SIZE)
    return &t->sram[addr - FAKE_SRAM_BASE];
  return NULL;
}

static bool bus_faults(const sim_target *t, uint32_t addr)
{
  return t->fault_len && addr - t->fault_addr < t->fault_len;
}

static bool bus_read(sim_target *t, uint32_t addr, uint32_t *value)
{
  uint32_t word = addr & ~3u;
  if (bus_faults(t, addr))
    return false;
  switch (word) {
  case DHCSR:
    *value = t->dhcsr | S_REGRDY | ((t->dhcsr & C_HALT) ? S_HALT : 0);
    return true;
  case DCRDR:
    *value = t->dcrdr;
    return true;
  case DEMCR:
    *value = t->demcr;
    return true;
  case CPUID:
    *value = 0x411FC231; /* Cortex-M3 r1p1 */
    return true;
  default:
    break;
  }
  uint8_t *m = fake_target_memory(t, word);
  if (!m)
    return false;
  *value = (uint32_t)m[0] | (uint32_t)m[1] << 8 | (uint32_t)m[2] << 16 | (uint32_t)m[3] << 24;
  return true;
}

static bool bus_write(sim_target *t, uint32_t addr, uint32_t value, uint32_t size)
{
  uint32_t word = addr & ~3u;
  if (bus_faults(t, addr))
    return false;
  switch (word) {
  case DHCSR:
    if ((value & 0xFFFF0000u) == DBGKEY)
      t->dhcsr = value & 0xFFFF;
    return true;
  case DCRSR: {
    uint32_t sel = value & 0x7F;
    if (value & (1u << 16))
      t->regs[sel] = t->dcrdr;
    else
      t->dcrdr = t->regs[sel];
    return true;
  }
  case DCRDR:
    t->dcrdr = value;
    return true;
  case DEMCR:
    t->demcr = value;
    return true;
  case AIRCR:
    t->log.aircr_writes++;
    return true;
  default:
    break;
  }
  uint8_t *m = fake_target_memory(t, word);
  if (!m)
    return false;
  for (uint32_t i = 0; i < 4; i++) {
    uint32_t byte = word + i;
    if (byte >= addr && byte < addr + size)
      m[i] = (uint8_t)(value >> (8 * i));
  }
  return true;
}

/* ---- wire ---- */

static sim_ack pre(sim_target *t)
{
  if (t->unplugged)
    return SIM_ACK_NONE;
  if (t->wait_count > 0) {
    t->wait_count--;
    return SIM_ACK_WAIT;
  }
  return SIM_ACK_OK;
}

sim_ack sim_target_dp_read(sim_target *t, uint8_t addr, uint32_t *value)
{
  sim_ack ack = pre(t);
  if (ack != SIM_ACK_OK)
    return ack;
  t->log.dp_reads++;
  switch (addr & 0xC) {
  case DP_DPIDR:
    *value = FAKE_DPIDR;
    return SIM_ACK_OK;
  case DP_CTRL_STAT: {
    uint32_t req = t->ctrl_stat & CTRL_POWERUP_REQ;
    *value = t->ctrl_stat | (req << 1);
    return SIM_ACK_OK;
  }
  case DP_SELECT:
    *value = 0;
    return SIM_ACK_OK;
  default:
    if (t->ctrl_stat & CTRL_STICKYERR)
      return SIM_ACK_FAULT;
    *value = t->rdbuff;
    return SIM_ACK_OK;
  }
}

sim_ack sim_target_dp_write(sim_target *t, uint8_t addr, uint32_t value)
{
  sim_ack ack = pre(t);
  if (ack != SIM_ACK_OK)
    return ack;
  t->log.dp_writes++;
  switch (addr & 0xC) {
  case DP_ABORT:
    if (value & ABORT_STKERRCLR)
      t->ctrl_stat &= ~CTRL_STICKYERR;
    return SIM_ACK_OK;
  case DP_CTRL_STAT:
    t->ctrl_stat = (t->ctrl_stat & CTRL_STICKYERR) | (value & CTRL_POWERUP_REQ);
    return SIM_ACK_OK;
  case DP_SELECT:
    if (t->ctrl_stat & CTRL_STICKYERR)
      return SIM_ACK_FAULT;
    t->select = value;
    t->log.last_select = value;
    return SIM_ACK_OK;
  default:
    return SIM_ACK_OK;
  }
}

static uint32_t access_size(const sim_target *t)
{
  return 1u << (t->csw & 7);
}

static void advance_tar(sim_target *t)
{
  if ((t->csw >> 4 & 3) == 1)
    t->tar += access_size(t);
}

sim_ack sim_target_ap_read(sim_target *t, uint8_t addr, uint32_t *value)
{
  sim_ack ack = pre(t);
  if (ack != SIM_ACK_OK)
    return ack;
  t->log.ap_reads++;
  if (t->ctrl_stat & CTRL_STICKYERR)
    return SIM_ACK_FAULT;
  *value = t->rdbuff; /* posted: the previous read's data */
  uint32_t reg = (t->select & 0xF0) | (addr & 0xC);
  uint32_t ap = t->select >> 24;
  uint32_t result = 0;
  if (ap != 0) {
    result = 0;
  } else if (reg == 0x00) {
    result = t->csw;
  } else if (reg == 0x04) {
    result = t->tar;
  } else if (reg == 0x0C) {
    if (!bus_read(t, t->tar, &result)) {
      t->ctrl_stat |= CTRL_STICKYERR;
      result = 0;
    } else {
      advance_tar(t);
    }
  } else if (reg == 0xFC) {
    result = 0x24770011; /* AHB-AP */
  }
  t->rdbuff = result;
  return SIM_ACK_OK;
}

sim_ack sim_target_ap_write(sim_target *t, uint8_t addr, uint32_t value)
{
  sim_ack ack = pre(t);
  if (ack != SIM_ACK_OK)
    return ack;
  t->log.ap_writes++;
  if (t->ctrl_stat & CTRL_STICKYERR)
    return SIM_ACK_FAULT;
  uint32_t reg = (t->select & 0xF0) | (addr & 0xC);
  if (t->select >> 24 != 0)
    return SIM_ACK_OK;
  if (reg == 0x00) {
    t->csw = value;
    t->log.last_csw = value;
  } else if (reg == 0x04) {
    t->tar = value;
  } else if (reg == 0x0C) {
    if (!bus_write(t, t->tar, value, access_size(t)))
      t->ctrl_stat |= CTRL_STICKYERR;
    else
      advance_tar(t);
  }
  return SIM_ACK_OK;
}

/* ---- test hooks ---- */

sim_target *fake_target_last(void)
{
  return last_target;
}

const fake_log *fake_target_log(sim_target *t)
{
  return &t->log;
}

void fake_target_wait(sim_target *t, int count)
{
  t->wait_count = count;
}

void fake_target_fault_range(sim_target *t, uint32_t addr, uint32_t len)
{
  t->fault_addr = addr;
  t->fault_len = len;
}

void fake_target_unplug(sim_target *t, bool unplugged)
{
  t->unplugged = unplugged;
}

uint32_t fake_target_core_reg(sim_target *t, int index)
{
  return t->regs[index & 127];
}

bool fake_target_halted(sim_target *t)
{
  return t->dhcsr & C_HALT;
}
