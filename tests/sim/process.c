/* The process-wide simulator: configuration, devices, targets, the report. */
#define _GNU_SOURCE /* PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP */
#include "process.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static sim_process the_process = {
  .lock = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP,
};

sim_process *sim_process_get(void)
{
  return &the_process;
}

void sim_process_lock(sim_process *p)
{
  pthread_mutex_lock(&p->lock);
  sim_ns shown = atomic_load(&p->visible_now);
  if (p->clock.now < shown)
    p->clock.now = shown; /* the targets catch up on their next access */
}

void sim_process_unlock(sim_process *p)
{
  sim_ns shown = atomic_load(&p->visible_now);
  while (shown < p->clock.now &&
         !atomic_compare_exchange_weak(&p->visible_now, &shown, p->clock.now))
    ;
  pthread_mutex_unlock(&p->lock);
}

void sim_process_sync_targets(sim_process *p)
{
  for (int i = 0; i < p->device_count; i++)
    if (p->devices[i].target)
      sim_target_sync(p->devices[i].target);
}

void sim_process_advance(sim_process *p, sim_ns ns)
{
  sim_ns until = p->clock.now + ns;
  if (p->started)
    sim_usb_run_until(p, until);
  if (p->clock.now < until)
    p->clock.now = until;
  atomic_store(&p->idle_clock_reads, 0);
  sim_process_sync_targets(p);
}

static bool state_path_for(const sim_config *cfg, int index, char *out, size_t cap)
{
  /* Each target has its own chip state: FILE for the first, FILE.2 ... */
  int n;
  if (!cfg->state_path[0])
    n = snprintf(out, cap, "%s", "");
  else if (index == 0)
    n = snprintf(out, cap, "%s", cfg->state_path);
  else
    n = snprintf(out, cap, "%s.%d", cfg->state_path, index + 1);
  return n >= 0 && (size_t)n < cap;
}

static bool create_device(sim_process *p, int index, char *err, size_t err_len)
{
  const sim_config *cfg = &p->config;
  const sim_probe_config *pc = &cfg->probes[index];
  sim_device *d = &p->devices[index];
  memset(d, 0, sizeof *d);
  d->index = index;
  d->kind = sim_probe_kind_find(pc->kind);
  if (!d->kind) {
    snprintf(err, err_len, "unknown probe kind '%s'", pc->kind);
    return false;
  }
  if (pc->serial[0])
    memcpy(d->serial, pc->serial, sizeof d->serial);
  else
    sim_probe_default_serial(d->kind, index, d->serial, sizeof d->serial);
  d->serial_len = sim_probe_serial_bytes(d->kind, d->serial, d->serial_raw, sizeof d->serial_raw);

  sim_fault target_faults[SIM_MAX_FAULTS];
  int n = 0;
  for (int i = 0; i < cfg->fault_count; i++)
    if (!sim_fault_is_usb(cfg->faults[i].kind))
      target_faults[n++] = cfg->faults[i];
  char state[sizeof cfg->state_path + 8];
  if (!state_path_for(cfg, index, state, sizeof state)) {
    snprintf(err, err_len, "SWDSIM_STATE is too long");
    return false;
  }
  sim_target_options opts = {
    .chip = cfg->chip,
    .state_path = state,
    .faults = target_faults,
    .fault_count = n,
    .scenarios = cfg->scenarios,
    .scenario_count = cfg->scenario_count,
    .keep_running = cfg->keep_running,
    .idle_ms = cfg->idle_ms,
  };
  char terr[512] = "";
  d->target = sim_target_new(&p->clock, &opts, terr, sizeof terr);
  if (!d->target) {
    snprintf(err, err_len, "%s", terr[0] ? terr : "cannot create the target");
    return false;
  }
  sim_probe_mode mode = pc->start_mode < 0 ? SIM_MODE_MASS_STORAGE : (sim_probe_mode)pc->start_mode;
  d->firmware = sim_stlink_new(d->kind, d->target, &p->clock, mode);
  if (!d->firmware) {
    snprintf(err, err_len, "out of memory");
    return false;
  }
  return true;
}

static void at_exit(void)
{
  sim_process *p = sim_process_get();
  sim_process_lock(p);
  sim_process_checkpoint(p);
  sim_trace_close(p);
  sim_process_unlock(p);
}

bool sim_process_start(sim_process *p, char *err, size_t err_len)
{
  if (p->started)
    return true;
  if (!sim_config_from_env(&p->config, err, err_len))
    return false;
  for (int i = 0; i < p->config.probe_count; i++) {
    if (!create_device(p, i, err, err_len)) {
      for (int j = 0; j <= i; j++) {
        sim_stlink_free(p->devices[j].firmware);
        if (p->devices[j].target)
          sim_target_free(p->devices[j].target);
        memset(&p->devices[j], 0, sizeof p->devices[j]);
      }
      return false;
    }
  }
  p->device_count = p->config.probe_count;
  if (!sim_trace_open(p, err, err_len))
    return false;
  p->started = true;
  p->owner = getpid();
  /* Targets live as long as the process: a tool may init libusb twice. */
  atexit(at_exit);
  return true;
}

static void probe_kinds(const sim_process *p, char *out, size_t cap)
{
  size_t used = 0;
  out[0] = 0;
  for (int i = 0; i < p->device_count && used < cap; i++)
    used += (size_t)snprintf(out + used, cap - used, "%s%s", i ? "," : "", p->devices[i].kind->name);
}

void sim_process_checkpoint(sim_process *p)
{
  if (!p->started || p->owner != getpid())
    return;
  char err[512];
  for (int i = 0; i < p->device_count; i++)
    if (p->devices[i].target && !sim_target_save(p->devices[i].target, err, sizeof err))
      fprintf(stderr, "swdsim: cannot save the chip state: %s\n", err);
  if (p->config.report_path[0]) {
    /* The client's time includes what its last commands keep the probe busy with. */
    p->clock.now = sim_usb_settle(p);
    char kinds[SIM_MAX_PROBES * 24];
    probe_kinds(p, kinds, sizeof kinds);
    const char *chip = p->devices[0].target ? sim_target_chip(p->devices[0].target) : p->config.chip;
    if (!sim_report_write(p->config.report_path, &p->clock, chip, kinds, err, sizeof err))
      fprintf(stderr, "swdsim: cannot write the report: %s\n", err);
  }
}
