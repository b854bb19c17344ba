/*
 * The simulated chip behind one probe: creation from the state file, virtual
 * time, resets and power, NRST, and the target-side scenarios and faults.
 *
 * Scenarios (given by name in sim_target_options.scenarios):
 *  no-target       nothing drives SWDIO: every transaction answers NONE and
 *                  the target voltage reads 0.
 *  nrst-not-wired  sim_target_set_nrst() has no effect.
 *  swd-disabled    the firmware in flash reassigns PA13/PA14 once it has run
 *                  for 1 ms of virtual time after a reset release: from then
 *                  on the DP answers NONE, until NRST is asserted (the pins
 *                  return to SWD while the chip is held in reset). A core
 *                  halted by the debugger before that (e.g. at the reset
 *                  vector after connect-under-reset) or locked up keeps SWD:
 *                  it runs no firmware. A session starts with the firmware
 *                  already running, so only connect-under-reset gets in.
 *                  "Firmware" means a reset vector that is not erased, booting
 *                  from flash, and a CPU allowed to read the flash (read
 *                  protection with a debugger seen since power-on refuses
 *                  its vector fetch: the core stops at the vector catch or
 *                  faults into lockup instead).
 *  sleep           the same firmware enters Stop mode 1 ms after reset and
 *                  wakes for 20 us every 1 ms. While it is stopped and
 *                  DBGMCU_CR.DBG_STOP is clear, every AP transaction answers
 *                  WAIT (the AHB is not clocked) and DHCSR shows S_SLEEP; DP
 *                  registers answer normally. During the wake windows, or
 *                  once DBG_STOP (low-power debug) is set, the AP works and a
 *                  halt request halts the core, which ends the sleeping.
 *  boot0=0|1, boot1=0|1   the level of the boot pins, kept in the state.
 *  g0-boot0-ignored  (G0) the factory boot options after a first flash:
 *                  nBOOT_SEL=1 and nBOOT0=1 with the BOOT0 pin held high; the
 *                  pin changes nothing, a chip holding a program boots it.
 *  g0-empty-check  (G0) the board stayed powered since an option load that
 *                  found the flash empty (FLASH_ACR.EMPTY=1), factory boot
 *                  options, BOOT0 low: a reset enters the ROM bootloader
 *                  although the flash now holds a program.
 *  g0-empty-stuck  (G0) software cannot change FLASH_ACR.EMPTY: only the
 *                  option loader (power-on, OBL_LAUNCH) sets it. RM0444
 *                  section 3.7.1 makes the bit writable; this stands for a
 *                  part or board where the correction does not take, so
 *                  that the tool's "power-cycle the board" path is tested.
 *  h7-caches-on    (H7) the running firmware has switched the Cortex-M7
 *                  instruction and data caches on (SCB_CCR.IC/DC), and the
 *                  D-cache holds dirty lines until cleaned by set/way. The
 *                  report counts loader runs with the caches unsafe
 *                  (cache_unsafe_runs) and gives SCB_CCR's cache bits as
 *                  last set (cache_ccr).
 *  vdd=MV          the supply the probe measures (default 3300 mV); on the F4
 *                  it limits the program/erase parallelism.
 *  h7-boot-add[=0xHHHH]  H7 only: the option bytes hold BOOT_ADD0 = HHHH (the
 *                  boot address bits 31:16; alone: 0x1FF0, the system
 *                  memory), kept in the state. With BOOT0 low the chip then
 *                  starts in the ROM bootloader, or where no program is
 *                  (e.g. 0x2400, the AXI SRAM, or 0x0810 on an H723, where
 *                  there is no memory and the chip falls back to flash).
 * Faults: swd-fault@N, swd-wait@N (SWD_WAIT_STORM WAITs from the Nth
 * transaction, ended early by ABORT.DAPABORT), swd-stuck@N (WAIT to every AP
 * access from the Nth transaction on, whatever the tool does), flash-error@N
 * (the family's error flag: F1 PGERR, F4 OPERR), power-loss@N (the supply
 * fails half-way through the Nth program/erase: the unit is left partly
 * done, the state file saved, the target silent and its voltage 0 V; the
 * next session has power again), interrupt@N (SIGINT to the process as the
 * Nth program/erase starts).
 */
#include "target.h"

#include <stdlib.h>
#include <string.h>

enum { DBGMCU_CR_DBG_STOP = 1u << 1 };

static const char *const default_chip = "stm32f103c8";

/* ---- scenarios ---- */

static bool parse_scenario(sim_scenarios *s, const char *name, char *err, size_t err_len)
{
  unsigned mv;
  char tail;
  if (strcmp(name, "no-target") == 0)
    s->no_target = true;
  else if (strcmp(name, "nrst-not-wired") == 0)
    s->nrst_not_wired = true;
  else if (strcmp(name, "swd-disabled") == 0)
    s->swd_disabled = true;
  else if (strcmp(name, "sleep") == 0)
    s->sleep = true;
  else if (strcmp(name, "g0-boot0-ignored") == 0)
    s->g0_boot0_ignored = true;
  else if (strcmp(name, "g0-empty-check") == 0)
    s->g0_empty_check = true;
  else if (strcmp(name, "g0-empty-stuck") == 0)
    s->g0_empty_stuck = true;
  else if (strcmp(name, "boot0=0") == 0 || strcmp(name, "boot0=1") == 0)
    s->boot0 = name[6] - '0';
  else if (strcmp(name, "boot1=0") == 0 || strcmp(name, "boot1=1") == 0)
    s->boot1 = name[6] - '0';
  else if (sscanf(name, "vdd=%u%c", &mv, &tail) == 1 && mv >= 1700 && mv <= 3600)
    s->vdd_mv = mv;
  else if (strcmp(name, "h7-caches-on") == 0)
    s->h7_caches_on = true;
  else if (strcmp(name, "h7-boot-add") == 0)
    s->h7_boot_add0 = 0x1FF0;
  else if (sscanf(name, "h7-boot-add=%x%c", &mv, &tail) == 1 && mv <= 0xFFFF &&
           strncmp(name + 12, "0x", 2) == 0)
    s->h7_boot_add0 = (int32_t)mv;
  else {
    snprintf(err, err_len,
             "unknown scenario '%s' (known: no-target, nrst-not-wired, swd-disabled, sleep, "
             "boot0=0|1, boot1=0|1, vdd=1700..3600, g0-boot0-ignored, g0-empty-check, "
             "g0-empty-stuck, h7-caches-on, h7-boot-add[=0xHHHH])",
             name);
    return false;
  }
  return true;
}

bool sim_target_scenario_valid(const char *name, char *err, size_t err_len)
{
  sim_scenarios s = {.h7_boot_add0 = -1};
  return parse_scenario(&s, name, err, err_len);
}

static bool firmware_present(sim_target *t)
{
  if (t->boot_target != REGION_FLASH || flash_read_blocked(t, MASTER_CPU))
    return false;
  uint32_t boot = bus_boot_address(t), off = boot >= 0x08000000 ? boot - 0x08000000 : 0;
  uint32_t vector;
  if (off + 8 > t->chip->flash_size)
    return false;
  memcpy(&vector, t->st.flash + off + 4, 4);
  return vector != 0xFFFFFFFFu;
}

/* A halted or locked-up core executes nothing (ARMv7-M ARM B1.5.15). */
static bool firmware_running(sim_target *t)
{
  core_state s = t->core.state;
  return (s == CORE_RUNNING || s == CORE_SLEEPING) && !t->core.firmware_interrupted &&
         firmware_present(t);
}

static bool scenario_firmware(const sim_target *t)
{
  return t->scen.swd_disabled || t->scen.sleep;
}

static bool in_wake_window(const sim_target *t)
{
  sim_ns phase = (t->now - t->scen_fired_at) % SLEEP_PERIOD_NS;
  return phase >= SLEEP_PERIOD_NS - SLEEP_AWAKE_NS;
}

static void scenario_update(sim_target *t)
{
  if (t->core.firmware_interrupted)
    t->stop_mode = false; /* the debugger took the core */
  if (!scenario_firmware(t) || t->scen_fired || t->nrst)
    return;
  if (t->now - t->released_at < SCENARIO_DELAY_NS || !firmware_running(t))
    return;
  t->scen_fired = true;
  t->scen_fired_at = t->released_at + SCENARIO_DELAY_NS;
  if (t->scen.sleep)
    t->stop_mode = true;
}

static sim_ns scenario_next_event(const sim_target *t)
{
  if (!scenario_firmware(t) || t->nrst)
    return UINT64_MAX;
  if (!t->scen_fired)
    return t->core.firmware_interrupted ? UINT64_MAX : t->released_at + SCENARIO_DELAY_NS;
  if (!t->stop_mode)
    return UINT64_MAX;
  sim_ns phase = (t->now - t->scen_fired_at) % SLEEP_PERIOD_NS;
  sim_ns edge = phase < SLEEP_PERIOD_NS - SLEEP_AWAKE_NS ? SLEEP_PERIOD_NS - SLEEP_AWAKE_NS
                                                         : SLEEP_PERIOD_NS;
  return t->now + (edge - phase);
}

bool target_swd_off(const sim_target *t)
{
  if (!t->powered || t->scen.no_target || t->st.rdp2_locked || t->flash.debug_disabled)
    return true;
  if (t->nrst)
    return false; /* the pins are back in their reset (SWD) function */
  return t->periph.swd_pins_off || (t->scen.swd_disabled && t->scen_fired);
}

bool target_in_deep_sleep(const sim_target *t)
{
  return t->stop_mode && !t->nrst && !in_wake_window(t);
}

bool target_deep_sleep_blocks_ap(const sim_target *t)
{
  return target_in_deep_sleep(t) && !(t->periph.dbgmcu_cr & DBGMCU_CR_DBG_STOP);
}

/* ---- faults ---- */

bool target_fault_at(sim_target *t, sim_fault_kind kind, uint64_t count)
{
  for (int i = 0; i < t->fault_count; i++)
    if (t->faults[i].kind == kind && t->faults[i].at == count)
      return true;
  return false;
}

void target_mark_dirty(sim_target *t)
{
  t->dirty = true;
}

void target_power_fail(sim_target *t)
{
  t->powered = false;
  t->st.powered = false;
  t->core.stop_pending = true;
  t->dirty = true;
  char err[256];
  if (!sim_target_save(t, err, sizeof err))
    fprintf(stderr, "swdsim: %s\n", err);
}

/* ---- resets ---- */

/* The latched options are part of the state: the next session on a board
 * left powered starts from them. */
static void load_option_bytes(sim_target *t)
{
  if (memcmp(t->st.loaded, t->st.options, SIM_OPTIONS_SIZE) != 0) {
    memcpy(t->st.loaded, t->st.options, SIM_OPTIONS_SIZE);
    t->dirty = true;
  }
  if (t->chip->family->flash->option_load)
    t->chip->family->flash->option_load(t);
  if (t->chip->family->flash->rdp_level(t->st.loaded) == 2 && !t->st.rdp2_locked) {
    t->st.rdp2_locked = true; /* RM0090 §3.7.3: irreversible */
    t->dirty = true;
  }
}

static void system_reset(sim_target *t, reset_cause cause, bool reload_options)
{
  flash_finish_now(t);
  if (!t->powered)
    return;
  if (reload_options)
    load_option_bytes(t);
  t->chip->family->flash->reset(t);
  periph_reset(t, cause);
  bus_remap_boot(t);
  core_reset(t, true);
  t->released_at = t->now;
  t->scen_fired = false;
  t->stop_mode = false;
}

void target_system_reset(sim_target *t, reset_cause cause)
{
  system_reset(t, cause, !t->chip->family->flash->option_load_at_power_on);
}

void target_option_load_reset(sim_target *t)
{
  system_reset(t, RESET_OPTION_LOAD, true);
}

/* ---- time ---- */

void target_advance(sim_target *t, sim_ns until)
{
  if (t->in_sync)
    return;
  t->in_sync = true;
  while (t->powered && t->now < until) {
    flash_update(t);
    scenario_update(t);
    if (!t->powered)
      break;
    /* the cheap checks first: a debugger's WAIT loop syncs millions of times */
    bool board = board_busy(t);
    if (board)
      board_update(t);
    exc_update(t);
    core_state cs = t->core.state;
    if (!t->nrst && !t->stop_mode && (cs == CORE_RUNNING || cs == CORE_SLEEPING))
      exc_dispatch(t);
    sim_ns next = until, ev = flash_next_event(t);
    if (ev > t->now && ev < next)
      next = ev;
    ev = scenario_next_event(t);
    if (ev > t->now && ev < next)
      next = ev;
    ev = exc_next_event(t);
    if (ev > t->now && ev < next)
      next = ev;
    ev = board ? board_next_event(t) : UINT64_MAX;
    if (ev > t->now && ev < next)
      next = ev;
    if (t->core.state == CORE_RUNNING && !t->nrst && !t->stop_mode)
      core_run(t, next);
    else
      t->now = next;
  }
  if (t->now < until)
    t->now = until;
  flash_update(t);
  scenario_update(t);
  t->in_sync = false;
}

void sim_target_sync(sim_target *t)
{
  target_advance(t, t->clock->now + t->time_offset);
  if (t->dirty && t->state_path[0] && t->now - t->last_save >= SIM_MS(1000)) {
    char err[512];
    if (!sim_target_save(t, err, sizeof err) && !t->save_warned) {
      fprintf(stderr, "swdsim: %s\n", err);
      t->save_warned = true;
    }
  }
}

/* ---- creation ---- */

static bool resolve_chip(const sim_target_options *opts, const sim_chip *stored,
                         const sim_chip **out, char *err, size_t err_len)
{
  const char *want = opts->chip && opts->chip[0] ? opts->chip : NULL;
  if (want && !sim_chip_find(want)) {
    size_t n = (size_t)snprintf(err, err_len, "unknown chip '%s' (known:", want);
    for (const char *const *c = sim_chip_names(); *c && n < err_len; c++)
      n += (size_t)snprintf(err + n, err_len - n, " %s", *c);
    if (n < err_len)
      snprintf(err + n, err_len - n, ")");
    return false;
  }
  if (stored && want && stored != sim_chip_find(want)) {
    snprintf(err, err_len, "the state file %s holds a %s, not a %s", opts->state_path,
             stored->name, want);
    return false;
  }
  *out = stored ? stored : sim_chip_find(want ? want : default_chip);
  return true;
}

static bool state_exists(const char *path)
{
  FILE *f = path && path[0] ? fopen(path, "rb") : NULL;
  if (f)
    fclose(f);
  return f != NULL;
}

sim_target *sim_target_new(sim_clock *clock, const sim_target_options *opts, char *err,
                           size_t err_len)
{
  sim_target *t = calloc(1, sizeof *t);
  if (!t) {
    snprintf(err, err_len, "out of memory");
    return NULL;
  }
  t->clock = clock;
  t->scen.boot0 = t->scen.boot1 = -1;
  t->scen.vdd_mv = 3300;
  t->scen.h7_boot_add0 = -1;
  for (int i = 0; i < opts->scenario_count; i++)
    if (!parse_scenario(&t->scen, opts->scenarios[i], err, err_len))
      goto fail;
  for (int i = 0; i < opts->fault_count && t->fault_count < SIM_MAX_FAULTS; i++) {
    sim_fault_kind k = opts->faults[i].kind;
    if (k == SIM_FAULT_SWD_FAULT || k == SIM_FAULT_SWD_WAIT || k == SIM_FAULT_FLASH_ERROR ||
        k == SIM_FAULT_POWER_LOSS || k == SIM_FAULT_SWD_STUCK || k == SIM_FAULT_INTERRUPT)
      t->faults[t->fault_count++] = opts->faults[i];
  }
  const sim_chip *stored = NULL;
  bool exists = state_exists(opts->state_path);
  if (exists && !sim_state_load(opts->state_path, &t->st, &stored, err, err_len))
    goto fail;
  if (!resolve_chip(opts, stored, &t->chip, err, err_len))
    goto fail;
  if (!exists && !sim_state_init_fresh(&t->st, t->chip)) {
    snprintf(err, err_len, "out of memory for the flash of %s", t->chip->name);
    goto fail;
  }
  if (opts->state_path && opts->state_path[0]) {
    if (strlen(opts->state_path) >= sizeof t->state_path) {
      snprintf(err, err_len, "state file path too long");
      goto fail;
    }
    strcpy(t->state_path, opts->state_path);
    t->dirty = !exists;
  }
  if (!core_setup(t, err, err_len) || !bus_setup(t, err, err_len))
    goto fail;
  if (t->scen.boot0 >= 0 && t->st.boot0 != (t->scen.boot0 == 1)) {
    t->st.boot0 = t->scen.boot0 == 1;
    t->dirty = true;
  }
  if (t->scen.boot1 >= 0 && t->st.boot1 != (t->scen.boot1 == 1)) {
    t->st.boot1 = t->scen.boot1 == 1;
    t->dirty = true;
  }
  if (t->scen.h7_caches_on && t->chip->family->id != SIM_FAMILY_H7) {
    snprintf(err, err_len, "scenario h7-caches-on needs an STM32H7 chip, not %s", t->chip->name);
    goto fail;
  }
  if (t->scen.h7_boot_add0 >= 0) {
    if (t->chip->family->id != SIM_FAMILY_H7) {
      snprintf(err, err_len, "scenario h7-boot-add needs an STM32H7 chip, not %s", t->chip->name);
      goto fail;
    }
    h7_set_boot_add0(t->st.options, (uint16_t)t->scen.h7_boot_add0);
    h7_set_boot_add0(t->st.loaded, (uint16_t)t->scen.h7_boot_add0);
    t->dirty = true;
  }

  if (t->scen.g0_boot0_ignored || t->scen.g0_empty_check || t->scen.g0_empty_stuck) {
    if (t->chip->family->id != SIM_FAMILY_G0) {
      snprintf(err, err_len, "the scenarios g0-boot0-ignored, g0-empty-check and g0-empty-stuck "
                             "need a G0 chip, not %s", t->chip->name);
      goto fail;
    }
    flash_g0_scenarios(t);
  }

  t->now = clock->now;
  t->last_save = t->now;
  t->powered = true;
  if (opts->power_cycle)
    t->st.powered = false;
  bool power_on = !t->st.powered; /* otherwise the board stayed powered since the last session */
  if (power_on) {
    t->st.powered = true;
    t->st.debugger_latched = false;
    t->dirty = true;
  }
  dp_power_on(t);
  core_power_on(t);
  periph_power_on(t);
  core_clock_changed(t);
  system_reset(t, RESET_POWER, power_on);
  t->keep_board = opts->keep_running || opts->save_board;
  t->no_save = opts->no_save;
  /* The scenarios swd-disabled and sleep stand for a firmware of their own:
   * a session with one starts from that firmware running since a reset of
   * the powered board, whatever the kept board was doing. */
  bool keep = opts->keep_running && !scenario_firmware(t);
  if (!power_on && (keep || opts->reset) && board_load(t)) {
    if (opts->reset) {
      /* NRST pulsed on the powered board: the RAM, DBGMCU and the reset
       * flags stay, the core and the peripherals restart */
      system_reset(t, RESET_PIN, !t->chip->family->flash->option_load_at_power_on);
    } else {
      /* the firmware went on while no tool was connected */
      target_advance(t, t->now + SIM_MS(opts->idle_ms));
    }
    t->time_offset = t->now - clock->now;
  }
  if (t->scen.h7_caches_on) /* what SCB_EnableICache/SCB_EnableDCache leave */
    scs_ccr_write(t, t->core.ccr | 1u << 16 | 1u << 17);
  /* the firmware has been running since before the client started */
  if (scenario_firmware(t) && firmware_running(t)) {
    t->scen_fired = true;
    t->scen_fired_at = t->now;
    t->stop_mode = t->scen.sleep;
  }
  return t;

fail:
  sim_target_free(t);
  return NULL;
}

void sim_target_free(sim_target *t)
{
  if (!t)
    return;
  if (t->chip && t->core.uc) {
    if (t->powered)
      flash_finish_now(t); /* the board stays powered: the operation completes */
    char err[512];
    if (!sim_target_save(t, err, sizeof err))
      fprintf(stderr, "swdsim: %s\n", err);
  }
  bus_teardown(t);
  core_teardown(t);
  sim_state_release(&t->st);
  free(t);
}

bool sim_target_save(sim_target *t, char *err, size_t err_len)
{
  if (!t->state_path[0])
    return true;
  /* A trial (the launcher checking its options) keeps the pins and
   * scenarios it set in the state file, as a run does, but leaves the kept
   * board alone: no firmware ran. */
  if (!t->no_save) {
    if (t->keep_board && t->powered)
      board_save(t);
    else
      board_forget(t); /* the board moved on from what was kept */
  }
  if (!t->dirty)
    return true;
  if (!sim_state_store(t->state_path, &t->st, t->chip, err, err_len))
    return false;
  t->dirty = false;
  t->last_save = t->now;
  return true;
}

/* ---- pins and supply ---- */

void sim_target_set_nrst(sim_target *t, bool asserted)
{
  sim_target_sync(t);
  if (t->scen.nrst_not_wired || !t->powered || t->scen.no_target || asserted == t->nrst)
    return;
  t->nrst = asserted;
  /* asserting resets the system and holds it; releasing starts the core */
  target_system_reset(t, RESET_PIN);
}

uint32_t sim_target_voltage_mv(const sim_target *t)
{
  if (!t->powered || t->scen.no_target)
    return 0;
  return t->scen.vdd_mv;
}

const char *sim_target_chip(const sim_target *t)
{
  return t->chip->name;
}
