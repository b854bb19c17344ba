#include "test_support.h"

#include "cortex_m.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>


void tp_open(tp *p, const tp_options *o)
{
  memset(p, 0, sizeof *p);
  char scen[4][32];
  int ns = 0, nf = 0;
  for (int i = 0; i < 4 && o->scenarios[i]; i++)
    snprintf(scen[ns++], sizeof scen[0], "%s", o->scenarios[i]);
  while (nf < 4 && o->faults[nf].at)
    nf++;
  sim_target_options opts = {
      .chip = o->chip,
      .state_path = o->state,
      .faults = o->faults,
      .fault_count = nf,
      .scenarios = (const char(*)[32])scen,
      .scenario_count = ns,
  };
  char err[512] = "";
  p->t = sim_target_new(&p->clock, &opts, err, sizeof err);
  if (!p->t)
    fail_msg("sim_target_new: %s", err);
}

void tp_close(tp *p)
{
  sim_target_free(p->t);
  p->t = NULL;
}

void tp_wait(tp *p, sim_ns ns)
{
  p->clock.now += ns;
  sim_target_sync(p->t);
}

static void charge(tp *p)
{
  p->clock.now += TP_TRANSACTION_NS;
  p->clock.report.swd_transactions++;
}


static sim_ack retry(tp *p, bool ap, bool read, uint8_t addr, uint32_t *v)
{
  sim_ack ack = SIM_ACK_NONE;
  for (unsigned n = 0; n < TP_MAX_WAITS; n++) {
    charge(p);
    if (ap)
      ack = read ? sim_target_ap_read(p->t, addr, v) : sim_target_ap_write(p->t, addr, *v);
    else
      ack = read ? sim_target_dp_read(p->t, addr, v) : sim_target_dp_write(p->t, addr, *v);
    if (ack != SIM_ACK_WAIT)
      break;
    p->waits++;
    p->clock.report.swd_wait_acks++;
  }
  p->last_ack = ack;
  return ack;
}

sim_ack tp_dp_read(tp *p, uint8_t addr, uint32_t *v) { return retry(p, false, true, addr, v); }
sim_ack tp_dp_write(tp *p, uint8_t addr, uint32_t v) { return retry(p, false, false, addr, &v); }
sim_ack tp_ap_read(tp *p, uint8_t addr, uint32_t *v) { return retry(p, true, true, addr, v); }
sim_ack tp_ap_write(tp *p, uint8_t addr, uint32_t v) { return retry(p, true, false, addr, &v); }

sim_ack tp_connect(tp *p, uint32_t *dpidr)
{
  uint32_t id = 0, cs = 0;
  charge(p);
  sim_target_line_reset(p->t);
  sim_ack ack = tp_dp_read(p, 0x0, &id);
  if (dpidr)
    *dpidr = id;
  if (ack != SIM_ACK_OK)
    return ack;
  tp_dp_write(p, 0x0, 0x1E);
  tp_dp_write(p, 0x4, 0x50000000);
  ack = tp_dp_read(p, 0x4, &cs);
  if (ack != SIM_ACK_OK || (cs & 0xA0000000u) != 0xA0000000u)
    return ack == SIM_ACK_OK ? SIM_ACK_FAULT : ack;
  p->csw_valid = false;
  return tp_dp_write(p, 0x8, 0);
}

void tp_abort(tp *p)
{
  tp_dp_write(p, 0x0, 0x1E);
}

static sim_ack set_csw(tp *p, unsigned size)
{
  uint32_t csw = 0xA2000010u | (size == 1 ? 0 : size == 2 ? 1 : 2);
  if (p->csw_valid && p->csw == csw)
    return SIM_ACK_OK;
  sim_ack ack = tp_ap_write(p, 0x00, csw);
  p->csw = csw;
  p->csw_valid = ack == SIM_ACK_OK;
  return ack;
}

sim_ack tp_read(tp *p, uint32_t addr, unsigned size, uint32_t *v)
{
  uint32_t posted;
  sim_ack ack = set_csw(p, size);
  if (ack == SIM_ACK_OK)
    ack = tp_ap_write(p, 0x04, addr);
  if (ack == SIM_ACK_OK)
    ack = tp_ap_read(p, 0x0C, &posted);
  if (ack == SIM_ACK_OK)
    ack = tp_dp_read(p, 0x0C, v);
  if (ack == SIM_ACK_OK && size < 4)
    *v = (*v >> (8 * (addr & 3))) & ((1u << (8 * size)) - 1);
  return ack;
}

sim_ack tp_write(tp *p, uint32_t addr, unsigned size, uint32_t v)
{
  sim_ack ack = set_csw(p, size);
  if (ack == SIM_ACK_OK)
    ack = tp_ap_write(p, 0x04, addr);
  if (ack == SIM_ACK_OK)
    ack = tp_ap_write(p, 0x0C, size < 4 ? v << (8 * (addr & 3)) : v);
  return ack;
}

uint32_t tp_read32(tp *p, uint32_t addr)
{
  uint32_t v = 0;
  sim_ack ack = tp_read(p, addr, 4, &v);
  if (ack != SIM_ACK_OK)
    fail_msg("read of 0x%08X answered %d", addr, ack);
  return v;
}

void tp_write32(tp *p, uint32_t addr, uint32_t v)
{
  sim_ack ack = tp_write(p, addr, 4, v);
  if (ack != SIM_ACK_OK)
    fail_msg("write of 0x%08X answered %d", addr, ack);
}

sim_ack tp_write_block(tp *p, uint32_t addr, const void *data, uint32_t len)
{
  const uint8_t *d = data;
  sim_ack ack = set_csw(p, 4);
  for (uint32_t i = 0; ack == SIM_ACK_OK && i < len; i += 4) {
    if (i == 0 || ((addr + i) & 0x3FF) == 0)
      ack = tp_ap_write(p, 0x04, addr + i);
    uint32_t w;
    memcpy(&w, d + i, 4);
    if (ack == SIM_ACK_OK)
      ack = tp_ap_write(p, 0x0C, w);
  }
  return ack;
}

sim_ack tp_read_block(tp *p, uint32_t addr, void *data, uint32_t len)
{
  uint8_t *d = data;
  uint32_t w = 0;
  sim_ack ack = set_csw(p, 4);
  for (uint32_t i = 0; ack == SIM_ACK_OK && i < len; i += 4) {
    if (i == 0 || ((addr + i) & 0x3FF) == 0)
      ack = tp_ap_write(p, 0x04, addr + i);
    if (ack == SIM_ACK_OK)
      ack = tp_ap_read(p, 0x0C, &w);
    if (ack == SIM_ACK_OK && i > 0)
      memcpy(d + i - 4, &w, 4);
  }
  if (ack == SIM_ACK_OK && len)
    ack = tp_dp_read(p, 0x0C, &w);
  if (ack == SIM_ACK_OK && len)
    memcpy(d + len - 4, &w, 4);
  return ack;
}

uint32_t tp_dhcsr(tp *p)
{
  return tp_read32(p, DHCSR);
}

void tp_halt(tp *p)
{
  tp_write32(p, DHCSR, 0xA05F0003);
}

void tp_run(tp *p)
{
  tp_write32(p, DHCSR, 0xA05F0001);
}

uint32_t tp_reg(tp *p, unsigned sel)
{
  tp_write32(p, DCRSR, sel);
  return tp_read32(p, DCRDR);
}

void tp_set_reg(tp *p, unsigned sel, uint32_t v)
{
  tp_write32(p, DCRDR, v);
  tp_write32(p, DCRSR, sel | 0x10000);
}

void tp_temp_path(char *buf, size_t len, const char *tag)
{
  const char *dir = getenv("TMPDIR");
  snprintf(buf, len, "%s/swdsim-%s-%ld.state", dir && dir[0] ? dir : "/tmp", tag, (long)getpid());
  remove(buf);
}

#include "target.h"

void tp_make_state(const char *path, const char *chip, uint32_t offset, const void *image,
                   uint32_t len, const char *const *options)
{
  const sim_chip *c = sim_chip_find(chip);
  assert_non_null(c);
  sim_chip_state st;
  assert_true(sim_state_init_fresh(&st, c));
  if (len)
    memcpy(st.flash + offset, image, len);
  char err[256];
  for (int i = 0; options && options[i]; i++) {
    char name[32];
    long value;
    assert_int_equal(sscanf(options[i], "%31[^=]=%li", name, &value), 2);
    if (!c->family->flash->set_option(c, st.options, name, (uint32_t)value, err, sizeof err))
      fail_msg("%s", err);
  }
  memcpy(st.loaded, st.options, SIM_OPTIONS_SIZE);
  if (!sim_state_store(path, &st, c, err, sizeof err))
    fail_msg("%s", err);
  sim_state_release(&st);
}
