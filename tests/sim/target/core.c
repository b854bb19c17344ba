/*
 * The Cortex-M3/M4 CPU: Unicorn executes the Thumb code; this file keeps the
 * virtual time (timing model §3: one cycle per instruction, two for a taken
 * branch and for a load/store to the flash registers), the debug states
 * (halt, step, breakpoints, vector catch, lockup) and the exceptions Unicorn
 * leaves to its user (fault entry and exception return, ARMv7-M ARM B1.5).
 *
 * Idle loops: a core polling a register that cannot change before the next
 * event (BSY of a running flash operation, a FIFO pointer that only the
 * debugger writes between two syncs, a `b .`) is detected when the same
 * taken branch is reached twice with identical core registers and nothing
 * written in between (no store, no MMIO write, no volatile read such as
 * SysTick or CYCCNT). The loop is then known to repeat unchanged, so whole
 * iterations up to the next event are accounted without executing them.
 * WFI/WFE put the core to sleep until an exception wakes it (nvic.c), a
 * debug halt or a reset.
 */
#include "cortex_m.h"
#include "target.h"

#include <string.h>

static const int core_regs[17] = {
    UC_ARM_REG_R0, UC_ARM_REG_R1, UC_ARM_REG_R2,  UC_ARM_REG_R3,  UC_ARM_REG_R4, UC_ARM_REG_R5,
    UC_ARM_REG_R6, UC_ARM_REG_R7, UC_ARM_REG_R8,  UC_ARM_REG_R9,  UC_ARM_REG_R10,
    UC_ARM_REG_R11, UC_ARM_REG_R12, UC_ARM_REG_SP, UC_ARM_REG_LR, UC_ARM_REG_PC, UC_ARM_REG_XPSR,
};

enum {
  EXC_HARDFAULT = 3,
  EXC_SVCALL = 11,
  /* QEMU exception numbers reported through UC_HOOK_INTR */
  EXCP_UDEF = 1,
  EXCP_SWI = 2,
  EXCP_BKPT = 7,
  EXCP_EXCEPTION_EXIT = 8,
  EXCP_NOCP = 17,
};

#define LOCKUP_PC 0xFFFFFFFEu /* the lockup address of ARMv6-M and ARMv7-M (ARMv7-M ARM B1.5.15); ARMv8-M moved it to 0xEFFFFFFE */

static uint32_t reg(sim_core *c, int r)
{
  uint32_t v = 0;
  uc_reg_read(c->uc, r, &v);
  return v;
}

static void set_reg(sim_core *c, int r, uint32_t v)
{
  uc_reg_write(c->uc, r, &v);
}

/* ---- time ---- */

static sim_ns cycles_to_ns(uint64_t cycles, uint32_t hz)
{
  return (sim_ns)(cycles * 1000000000u / hz);
}

static sim_ns cpu_time(const sim_core *c)
{
  return c->epoch + cycles_to_ns(c->total_cycles - c->epoch_cycles, c->hz);
}

sim_ns target_time(const sim_target *t)
{
  return t->core.in_run ? cpu_time(&t->core) : t->now;
}

static void compute_budget(sim_core *c)
{
  if (c->run_until <= c->epoch) {
    c->run_budget = c->total_cycles;
    return;
  }
  c->run_budget = c->epoch_cycles + (c->run_until - c->epoch) * c->hz / 1000000000u;
}

/* Keep the products above in range: move the epoch by whole seconds. */
static void rebase(sim_core *c)
{
  uint64_t seconds = (c->total_cycles - c->epoch_cycles) / c->hz;
  c->epoch += seconds * 1000000000u;
  c->epoch_cycles += seconds * c->hz;
}

void core_stall_until(sim_target *t, sim_ns when)
{
  sim_core *c = &t->core;
  if (!c->in_run || when <= cpu_time(c))
    return;
  c->epoch = when;
  c->epoch_cycles = c->total_cycles;
  compute_budget(c);
}

void core_limit_run(sim_target *t, sim_ns when)
{
  sim_core *c = &t->core;
  if (c->in_run && when < c->run_until) {
    c->run_until = when;
    compute_budget(c);
  }
}

void core_clock_changed(sim_target *t)
{
  sim_core *c = &t->core;
  uint32_t hz = periph_core_hz(t);
  if (c->in_run) {
    c->epoch = cpu_time(c);
    c->epoch_cycles = c->total_cycles;
    c->hz = hz;
    compute_budget(c);
  } else {
    c->hz = hz;
    c->epoch_valid = false;
  }
  exc_clock_changed(t);
}

void core_note_side_effect(sim_target *t)
{
  if (t->core.in_run)
    t->core.spin.clean = false;
}

/* ---- Unicorn memory ---- */

bool core_map_ram(sim_target *t, uint32_t base, uint32_t size, uint8_t *ptr, uint32_t perms)
{
  uint32_t rounded = (size + 1023u) & ~1023u;
  return uc_mem_map_ptr(t->core.uc, base, rounded, perms, ptr) == UC_ERR_OK;
}

void core_unmap(sim_target *t, uint32_t base, uint32_t size)
{
  uc_mem_unmap(t->core.uc, base, size);
  t->core.code_hi = 0;
}

void core_flush_code(sim_target *t, uint32_t addr, uint32_t len)
{
  uc_ctl_remove_cache(t->core.uc, addr, (uint64_t)addr + len);
}

static void request_fault(sim_target *t, uint32_t cfsr, uint32_t addr)
{
  sim_core *c = &t->core;
  if (!c->fault_pending) {
    c->fault_pending = EXC_HARDFAULT;
    c->fault_cfsr = cfsr;
    c->fault_addr = addr;
  }
  c->stop_pending = true;
}

/* A CPU access through the bus: it waits out a running flash operation and
 * turns a bus error into a fault. */
static uint32_t cpu_access(sim_target *t, uint32_t addr, unsigned size, bool write, uint32_t value)
{
  if (size != 1 && size != 2 && size != 4)
    size = 4;
  if (addr % size) {
    request_fault(t, CFSR_PRECISERR | CFSR_BFARVALID, addr);
    return 0;
  }
  for (;;) {
    bus_status s = write ? bus_write(t, MASTER_CPU, addr, size, value)
                         : bus_read(t, MASTER_CPU, addr, size, &value);
    if (s == BUS_BUSY && t->powered) {
      core_stall_until(t, flash_next_event(t));
      continue;
    }
    if (s == BUS_ERROR)
      request_fault(t, CFSR_PRECISERR | CFSR_BFARVALID, addr);
    break;
  }
  if (addr - t->chip->family->flash_regs < 0x400)
    t->core.total_cycles++; /* flash register access: 2 cycles (timing model §3) */
  return value;
}

static uint64_t mmio_read(uc_engine *uc, uint64_t offset, unsigned size, void *user)
{
  (void)uc;
  sim_region *r = user;
  return cpu_access(r->target, r->base + (uint32_t)offset, size, false, 0);
}

static void mmio_write(uc_engine *uc, uint64_t offset, unsigned size, uint64_t value, void *user)
{
  (void)uc;
  sim_region *r = user;
  core_note_side_effect(r->target);
  cpu_access(r->target, r->base + (uint32_t)offset, size, true, (uint32_t)value);
}

bool core_map_mmio(sim_target *t, sim_region *r)
{
  return uc_mmio_map(t->core.uc, r->base, r->size, mmio_read, r, mmio_write, r) == UC_ERR_OK;
}

/* ---- the flash array seen from the CPU ---- */

static void apply_restore(sim_core *c)
{
  if (c->restore_len) {
    memcpy(c->restore_ptr, c->restore_bytes, c->restore_len);
    c->restore_len = 0;
  }
}

/* Offset into the flash array of a CPU address, or -1. */
static int64_t flash_offset(const sim_target *t, uint64_t addr)
{
  uint32_t size = t->chip->flash_size;
  if (addr >= 0x08000000 && addr - 0x08000000 < size)
    return (int64_t)(addr - 0x08000000);
  if (addr < size && t->boot_target == REGION_FLASH && !t->chip->family->boot_by_address)
    return (int64_t)addr;
  return -1;
}

static void wait_flash(sim_target *t)
{
  while (t->powered && flash_busy(t))
    core_stall_until(t, flash_next_event(t));
}

static void hook_flash_read(uc_engine *uc, uc_mem_type type, uint64_t addr, int size,
                            int64_t value, void *user)
{
  (void)uc, (void)type, (void)size, (void)value;
  sim_target *t = user;
  if (flash_offset(t, addr) < 0)
    return;
  apply_restore(&t->core);
  if (flash_read_blocked(t, MASTER_CPU)) {
    request_fault(t, CFSR_PRECISERR | CFSR_BFARVALID, (uint32_t)addr);
    return;
  }
  wait_flash(t);
}

/* The store itself lands in the mapped buffer after this hook returns; what
 * the flash really holds is put back before the next instruction. */
static void hook_flash_write(uc_engine *uc, uc_mem_type type, uint64_t addr, int size,
                             int64_t value, void *user)
{
  (void)uc, (void)type;
  sim_target *t = user;
  sim_core *c = &t->core;
  int64_t off = flash_offset(t, addr);
  if (off < 0 || size < 1 || size > 8)
    return;
  apply_restore(c);
  core_note_side_effect(t);
  cpu_access(t, (uint32_t)addr, (unsigned)size, true, (uint32_t)value);
  c->restore_ptr = t->st.flash + off;
  memcpy(c->restore_bytes, c->restore_ptr, (size_t)size);
  c->restore_len = (unsigned)size;
}

static bool hook_bad_access(uc_engine *uc, uc_mem_type type, uint64_t addr, int size,
                            int64_t value, void *user)
{
  (void)uc, (void)type, (void)size, (void)value;
  sim_target *t = user;
  t->core.fault_addr = (uint32_t)addr;
  return false;
}

/* ---- per instruction ---- */

static const uint8_t *fetch_ptr(sim_target *t, uint32_t addr)
{
  sim_core *c = &t->core;
  if (addr >= c->code_lo && addr + 4 <= c->code_hi)
    return c->code_ptr + (addr - c->code_lo);
  const sim_region *r = bus_region(t, addr);
  uint8_t *p = bus_ram_ptr(t, addr, 4);
  if (!r || !p)
    return NULL;
  uint32_t lo = r->base, hi = r->base + r->size;
  if (r->kind == REGION_ALIAS) {
    uint32_t limit = t->boot_target == REGION_FLASH  ? t->chip->flash_size
                     : t->boot_target == REGION_SRAM ? t->chip->sram_size
                                                     : t->chip->family->sysmem_size;
    hi = limit;
  }
  c->code_lo = lo;
  c->code_hi = hi;
  c->code_ptr = p - (addr - lo);
  if (r->kind == REGION_FLASH || (r->kind == REGION_ALIAS && t->boot_target == REGION_FLASH))
    c->flash_code_cached = true;
  return p;
}

static void spin_branch(sim_target *t, uint32_t target)
{
  sim_core *c = &t->core;
  spin_detect *s = &c->spin;
  if (target != s->head) {
    s->head = target;
    s->visits = 0;
    s->next_check = 2;
    s->backoff = 2;
    s->have_snap = false;
    return;
  }
  if (++s->visits < s->next_check)
    return;
  uint32_t regs[17];
  void *ptrs[17];
  for (int i = 0; i < 17; i++)
    ptrs[i] = &regs[i];
  uc_reg_read_batch(c->uc, (int *)core_regs, ptrs, 17);
  if (s->have_snap && s->clean && memcmp(regs, s->regs, sizeof regs) == 0) {
    uint64_t period = c->total_cycles - s->snap_cycles;
    if (period && c->run_budget > c->total_cycles) {
      uint64_t skip = (c->run_budget - c->total_cycles) / period * period;
      c->total_cycles += skip;
      c->idle_skipped_cycles += skip;
    }
  }
  memcpy(s->regs, regs, sizeof regs);
  s->snap_cycles = c->total_cycles;
  s->have_snap = true;
  s->clean = true;
  s->next_check = s->visits + s->backoff;
  if (s->backoff < 1024)
    s->backoff *= 2;
}

static void stop_here(sim_core *c)
{
  c->expect_valid = false;
  uc_emu_stop(c->uc);
}

static void hook_code(uc_engine *uc, uint64_t address, uint32_t size, void *user)
{
  (void)uc;
  sim_target *t = user;
  sim_core *c = &t->core;
  uint32_t addr = (uint32_t)address;
  apply_restore(c);
  if (c->expect_valid && addr != c->expect_pc) {
    c->total_cycles++; /* the previous instruction was a taken branch */
    spin_branch(t, addr);
  }
  if (c->stop_pending || c->total_cycles >= c->run_budget || !t->powered) {
    stop_here(c);
    return;
  }
  for (int i = 0; i < c->breakpoint_count; i++) {
    if (c->breakpoints[i] == addr && !c->stepping) {
      c->halt_request = DFSR_BKPT;
      stop_here(c);
      return;
    }
  }
  if (t->flash.op.kind != FLASH_OP_NONE && flash_offset(t, addr) >= 0) {
    wait_flash(t); /* instruction fetches stall while the array is busy */
    if (!t->powered) {
      stop_here(c);
      return;
    }
  }
  if (flash_offset(t, addr) >= 0 && flash_read_blocked(t, MASTER_CPU)) {
    request_fault(t, CFSR_IBUSERR, addr);
    stop_here(c);
    return;
  }
  const uint8_t *p = fetch_ptr(t, addr);
  uint16_t hw1 = p ? (uint16_t)(p[0] | p[1] << 8) : 0;
  uint16_t hw2 = p && size == 4 ? (uint16_t)(p[2] | p[3] << 8) : 0;
  /* Unicorn 2.0's Cortex-M0 model executes Thumb-2 data processing; the
   * ARMv6-M core takes a HardFault (UNDEFINSTR) instead */
  if (t->chip->armv6m && p && !thumb_v6m_defined(hw1, hw2)) {
    request_fault(t, CFSR_UNDEFINSTR, 0);
    stop_here(c);
    return;
  }
  if (thumb_is_sleep(hw1, hw2) && !c->stepping) {
    c->sleep_request = true;
    c->sleep_wfe = hw1 == 0xBF20 || (hw1 == 0xF3AF && hw2 == 0x8002);
    c->sleep_pc = addr + size;
    stop_here(c);
    return;
  }
  if (thumb_is_sev(hw1, hw2))
    c->nvic.event = true;
  /* CPSIE, MSR PRIMASK/BASEPRI/FAULTMASK: an exception may become due
   * right after it */
  if (thumb_changes_mask(hw1, hw2))
    c->stop_pending = true;
  c->total_cycles++;
  c->expect_pc = addr + size;
  c->expect_valid = true;
  if (c->spin.have_snap && thumb_has_side_effects(hw1, hw2))
    c->spin.clean = false;
}

static void hook_intr(uc_engine *uc, uint32_t intno, void *user)
{
  sim_target *t = user;
  sim_core *c = &t->core;
  switch (intno) {
  case EXCP_BKPT:
    if (c->dhcsr_ctrl & C_DEBUGEN) {
      c->halt_request = DFSR_BKPT;
    } else { /* BKPT without a debugger escalates to HardFault */
      c->fault_pending = EXC_HARDFAULT;
      c->fault_hfsr = HFSR_DEBUGEVT;
    }
    break;
  case EXCP_EXCEPTION_EXIT:
    c->exc_return = reg(c, UC_ARM_REG_PC) | 1u;
    break;
  case EXCP_SWI:
    c->svc_request = true;
    break;
  case EXCP_NOCP:
    request_fault(t, CFSR_NOCP, 0);
    break;
  case EXCP_UDEF:
    request_fault(t, CFSR_UNDEFINSTR, 0);
    break;
  default:
    request_fault(t, CFSR_INVSTATE, 0);
    break;
  }
  c->expect_valid = false;
  uc_emu_stop(uc);
}

/* ---- setup ---- */

bool core_setup(sim_target *t, char *err, size_t err_len)
{
  sim_core *c = &t->core;
  if (uc_open(UC_ARCH_ARM, UC_MODE_THUMB | UC_MODE_MCLASS, &c->uc) != UC_ERR_OK) {
    snprintf(err, err_len, "cannot start the Unicorn CPU emulator");
    return false;
  }
  /* ARMv6-M: Unicorn's Cortex-M0 decodes Thumb-1 plus BL, MSR, MRS, DMB, DSB
   * and ISB; every other 32-bit encoding is UNDEFINED (ARMv6-M ARM A5.5), as
   * on a Cortex-M0+. */
  int model = t->chip->armv6m    ? UC_CPU_ARM_CORTEX_M0
              : t->chip->is_m7   ? UC_CPU_ARM_CORTEX_M7
              : t->chip->has_fpu ? UC_CPU_ARM_CORTEX_M4
                                 : UC_CPU_ARM_CORTEX_M3;
  uint32_t fsize = t->chip->flash_size;
  bool ok = uc_ctl_set_cpu_model(c->uc, model) == UC_ERR_OK &&
            uc_hook_add(c->uc, &c->hooks[0], UC_HOOK_CODE, (void *)hook_code, t, 1, 0) ==
                UC_ERR_OK &&
            uc_hook_add(c->uc, &c->hooks[1], UC_HOOK_INTR, (void *)hook_intr, t, 1, 0) ==
                UC_ERR_OK &&
            uc_hook_add(c->uc, &c->hooks[2], UC_HOOK_MEM_READ, (void *)hook_flash_read, t,
                        0x08000000, 0x08000000 + (uint64_t)fsize - 1) == UC_ERR_OK &&
            uc_hook_add(c->uc, &c->hooks[3], UC_HOOK_MEM_READ, (void *)hook_flash_read, t, 0,
                        (uint64_t)fsize - 1) == UC_ERR_OK &&
            uc_hook_add(c->uc, &c->hooks[4], UC_HOOK_MEM_WRITE, (void *)hook_flash_write, t,
                        0x08000000, 0x08000000 + (uint64_t)fsize - 1) == UC_ERR_OK &&
            uc_hook_add(c->uc, &c->hooks[5], UC_HOOK_MEM_WRITE, (void *)hook_flash_write, t, 0,
                        (uint64_t)fsize - 1) == UC_ERR_OK &&
            uc_hook_add(c->uc, &c->hooks[6], UC_HOOK_MEM_INVALID, (void *)hook_bad_access, t, 1,
                        0) == UC_ERR_OK;
  if (!ok) {
    snprintf(err, err_len, "cannot configure the Unicorn CPU emulator as a Cortex-M%s",
             t->chip->armv6m ? "0+" : t->chip->is_m7 ? "7" : t->chip->has_fpu ? "4" : "3");
    uc_close(c->uc);
    c->uc = NULL;
    return false;
  }
  c->hz = t->chip->family->hsi_hz;
  return true;
}

void core_teardown(sim_target *t)
{
  if (t->core.uc)
    uc_close(t->core.uc);
  t->core.uc = NULL;
}

/* ---- registers through DCRSR (ARMv7-M ARM C1.6.3) ---- */

uint32_t core_reg_read(sim_target *t, unsigned sel)
{
  sim_core *c = &t->core;
  bool fpu = t->chip->has_fpu;
  if (sel <= 12)
    return reg(c, core_regs[sel]);
  switch (sel) {
  case 13:
    return reg(c, UC_ARM_REG_SP);
  case 14:
    return reg(c, UC_ARM_REG_LR);
  case 15:
    return reg(c, UC_ARM_REG_PC) & ~1u;
  case 16:
    return reg(c, UC_ARM_REG_XPSR);
  case 17:
    return reg(c, UC_ARM_REG_MSP);
  case 18:
    return reg(c, UC_ARM_REG_PSP);
  case 20:
    return (reg(c, UC_ARM_REG_CONTROL) & (fpu ? 7u : 3u)) << 24 |
           (reg(c, UC_ARM_REG_FAULTMASK) & 1) << 16 | (reg(c, UC_ARM_REG_BASEPRI) & 0xFF) << 8 |
           (reg(c, UC_ARM_REG_PRIMASK) & 1);
  case 0x21:
    return fpu ? reg(c, UC_ARM_REG_FPSCR) : 0;
  default:
    if (fpu && sel >= 0x40 && sel <= 0x5F)
      return reg(c, UC_ARM_REG_S0 + (int)(sel - 0x40));
    return 0;
  }
}

void core_reg_write(sim_target *t, unsigned sel, uint32_t value)
{
  sim_core *c = &t->core;
  bool fpu = t->chip->has_fpu;
  if (sel <= 12) {
    set_reg(c, core_regs[sel], value);
    return;
  }
  switch (sel) {
  case 13:
    set_reg(c, UC_ARM_REG_SP, value & ~3u);
    break;
  case 14:
    set_reg(c, UC_ARM_REG_LR, value);
    break;
  case 15: /* the T bit lives in xPSR, not in bit 0 of the PC */
    set_reg(c, UC_ARM_REG_PC, (value & ~1u) | ((reg(c, UC_ARM_REG_XPSR) & XPSR_T) ? 1 : 0));
    if (c->state == CORE_LOCKUP)
      c->state = CORE_HALTED;
    break;
  case 16: {
    uint32_t pc = reg(c, UC_ARM_REG_PC) & ~1u;
    set_reg(c, UC_ARM_REG_XPSR, value);
    set_reg(c, UC_ARM_REG_PC, pc | ((value & XPSR_T) ? 1 : 0));
    break;
  }
  case 17:
    set_reg(c, UC_ARM_REG_MSP, value & ~3u);
    break;
  case 18:
    set_reg(c, UC_ARM_REG_PSP, value & ~3u);
    break;
  case 20:
    set_reg(c, UC_ARM_REG_PRIMASK, value & 1);
    set_reg(c, UC_ARM_REG_BASEPRI, (value >> 8) & 0xFF);
    set_reg(c, UC_ARM_REG_FAULTMASK, (value >> 16) & 1);
    set_reg(c, UC_ARM_REG_CONTROL, (value >> 24) & (fpu ? 7u : 3u));
    break;
  case 0x21:
    if (fpu)
      set_reg(c, UC_ARM_REG_FPSCR, value);
    break;
  default:
    if (fpu && sel >= 0x40 && sel <= 0x5F)
      set_reg(c, UC_ARM_REG_S0 + (int)(sel - 0x40), value);
    break;
  }
}

/* ---- debug states ---- */

static void enter_state(sim_core *c, core_state s)
{
  c->state = s;
  c->epoch_valid = false;
}

void core_halt(sim_target *t, uint32_t reason)
{
  sim_core *c = &t->core;
  enter_state(c, CORE_HALTED);
  c->dfsr |= reason;
  c->dhcsr_ctrl |= C_HALT; /* C_HALT reads 1 in Debug state */
  c->firmware_interrupted = true;
}

void core_resume(sim_target *t)
{
  enter_state(&t->core, CORE_RUNNING);
}

/* The PC shows the lockup address, in lockup and in Debug state entered
 * from it by C_HALT (ARMv7-M ARM B1.5.15, C1.6.2). */
static void lockup(sim_target *t)
{
  sim_core *c = &t->core;
  set_reg(c, UC_ARM_REG_PC, LOCKUP_PC | ((reg(c, UC_ARM_REG_XPSR) & XPSR_T) ? 1 : 0));
  enter_state(c, CORE_LOCKUP);
}

static bool read32(sim_target *t, uint32_t addr, uint32_t *v)
{
  return bus_read(t, MASTER_CPU, addr, 4, v) == BUS_OK;
}

static void take_fault(sim_target *t, uint32_t cfsr, uint32_t hfsr, uint32_t addr, uint32_t pc)
{
  exc_fault(t, cfsr, hfsr, addr, pc);
}

static void fault_from_error(sim_target *t, uc_err err)
{
  sim_core *c = &t->core;
  uint32_t pc = reg(c, UC_ARM_REG_PC);
  switch (err) {
  case UC_ERR_FETCH_UNMAPPED:
  case UC_ERR_FETCH_PROT:
    take_fault(t, CFSR_IBUSERR, 0, 0, pc);
    break;
  case UC_ERR_INSN_INVALID:
    take_fault(t, CFSR_UNDEFINSTR, 0, 0, pc);
    break;
  case UC_ERR_EXCEPTION:
    take_fault(t, CFSR_INVSTATE, 0, 0, pc);
    break;
  default: /* data access to nothing or to read-only memory */
    take_fault(t, CFSR_PRECISERR | CFSR_BFARVALID, 0, c->fault_addr, pc);
    break;
  }
}

/* ---- running ---- */

static void clear_requests(sim_core *c)
{
  c->stop_pending = c->sleep_request = c->svc_request = false;
  c->halt_request = 0;
  c->fault_pending = 0;
  c->fault_cfsr = c->fault_hfsr = 0;
  c->exc_return = 0;
  c->reset_request = 0;
}

static void after_run(sim_target *t, uc_err err)
{
  sim_core *c = &t->core;
  uint32_t pc = reg(c, UC_ARM_REG_PC);
  if (err != UC_ERR_OK) {
    fault_from_error(t, err);
  } else if (c->reset_request) {
    if (c->reset_request == 1)
      target_system_reset(t, RESET_SOFTWARE);
    else if (c->reset_request == 3)
      target_option_load_reset(t);
    else
      core_reset(t, false);
  } else if (c->fault_pending) {
    take_fault(t, c->fault_cfsr, c->fault_hfsr, c->fault_addr, pc);
  } else if (c->halt_request) {
    core_halt(t, (uint32_t)c->halt_request);
  } else if (c->sleep_request) {
    set_reg(c, UC_ARM_REG_PC, c->sleep_pc | 1);
    enter_state(c, CORE_SLEEPING);
  } else if (c->exc_return) {
    exc_return(t, c->exc_return);
  } else if (c->svc_request) {
    exc_svc(t, pc);
  }
}

void core_run(sim_target *t, sim_ns until)
{
  sim_core *c = &t->core;
  if (!c->epoch_valid) {
    c->epoch = t->now;
    c->epoch_cycles = c->total_cycles;
    c->epoch_valid = true;
  }
  c->run_until = until;
  compute_budget(c);
  if (c->run_budget <= c->total_cycles) {
    t->now = until; /* less than one cycle of time left */
    return;
  }
  uint32_t pc = reg(c, UC_ARM_REG_PC), xpsr = reg(c, UC_ARM_REG_XPSR);
  /* Code in RAM is a debugger's loader: with the caches on it would read
   * stale flash lines, and the firmware's dirty lines would be lost. */
  if (pc >= 0x20000000u && pc < 0x40000000u && scs_cache_unsafe(t))
    t->clock->report.cache_unsafe_runs++;
  clear_requests(c);
  c->expect_valid = false;
  c->in_run = true;
  uint64_t start = c->total_cycles;
  uc_err err = uc_emu_start(c->uc, (pc & ~1u) | ((xpsr & XPSR_T) ? 1 : 0), 0xFFFFFFFF, 0, 0);
  c->in_run = false;
  apply_restore(c);
  sim_ns end = cpu_time(c);
  rebase(c);
  t->clock->report.cpu_cycles += c->total_cycles - start;
  if (c->total_cycles > start)
    c->s_retire = true;
  bool ran_out = err == UC_ERR_OK && c->total_cycles >= c->run_budget && !c->stop_pending &&
                 !c->halt_request && !c->sleep_request && !c->exc_return && !c->svc_request;
  /* out of budget: the CPU is somewhere inside its last cycle before run_until
   * (which an event created during the run may have brought forward) */
  sim_ns reached = ran_out && end < c->run_until ? c->run_until : end;
  t->now = reached > t->now ? reached : t->now;
  if (!t->powered || ran_out)
    return;
  after_run(t, err);
}

/* One instruction: a budget of one cycle stops the run before the second
 * (Unicorn's own instruction count would flush its translation cache). */
void core_step(sim_target *t)
{
  sim_core *c = &t->core;
  uint32_t pc = reg(c, UC_ARM_REG_PC), xpsr = reg(c, UC_ARM_REG_XPSR);
  clear_requests(c);
  c->epoch = t->now;
  c->epoch_cycles = c->total_cycles;
  c->run_until = UINT64_MAX / 2;
  c->run_budget = c->total_cycles + 1;
  c->expect_valid = false;
  c->stepping = true;
  c->in_run = true;
  uint64_t start = c->total_cycles;
  uc_err err = uc_emu_start(c->uc, (pc & ~1u) | ((xpsr & XPSR_T) ? 1 : 0), 0xFFFFFFFF, 0, 0);
  c->in_run = false;
  c->stepping = false;
  apply_restore(c);
  t->clock->report.cpu_cycles += c->total_cycles - start;
  if (c->total_cycles > start)
    c->s_retire = true;
  enter_state(c, CORE_RUNNING);
  c->sleep_request = false; /* stepping over WFI completes it */
  after_run(t, err);
  if (c->state == CORE_RUNNING || c->state == CORE_SLEEPING)
    core_halt(t, DFSR_HALTED);
}

/* ---- reset ---- */

void core_power_on(sim_target *t)
{
  sim_core *c = &t->core;
  c->dhcsr_ctrl = 0;
  c->dfsr = c->demcr = c->dcrdr = 0;
  c->fp_ctrl = c->fp_remap = 0;
  memset(c->fp_comp, 0, sizeof c->fp_comp);
  c->breakpoint_count = 0;
  memset(c->dwt, 0, sizeof c->dwt);
  memset(c->components, 0, sizeof c->components);
}

void core_reset(sim_target *t, bool system)
{
  (void)system; /* both resets restart the core and its system control block */
  sim_core *c = &t->core;
  apply_restore(c);
  clear_requests(c);
  c->sleep_wfe = false;
  c->vtor = c->scr = c->shcsr = c->cfsr = c->hfsr = c->mmfar = c->bfar = c->cpacr = 0;
  c->aircr_prigroup = 0;
  /* H7: VTOR resets to the boot address of the option bytes (RM0433 §2.6) */
  uint32_t boot = bus_boot_address(t);
  c->vtor = boot & 0x3FFFFF80;
  c->ccr = t->chip->has_fpu ? 0x200 : 0; /* STKALIGN resets to 1 on the Cortex-M4 */
  c->dcache_dirty = false; /* a reset loses what the caches held */
  c->csselr = c->dccisw_count = 0;
  c->fpccr = t->chip->has_fpu ? 0xC0000000u : 0;
  memset(c->scs_store, 0, sizeof c->scs_store);
  nvic_reset(t);
  set_reg(c, UC_ARM_REG_XPSR, XPSR_T);
  set_reg(c, UC_ARM_REG_CONTROL, 0);
  set_reg(c, UC_ARM_REG_PRIMASK, 0);
  set_reg(c, UC_ARM_REG_BASEPRI, 0);
  set_reg(c, UC_ARM_REG_FAULTMASK, 0);
  for (int i = 0; i <= 12; i++)
    set_reg(c, core_regs[i], 0);
  set_reg(c, UC_ARM_REG_LR, 0xFFFFFFFF);
  set_reg(c, UC_ARM_REG_PSP, 0);
  if (t->chip->has_fpu)
    set_reg(c, UC_ARM_REG_FPSCR, 0);
  c->hz = periph_core_hz(t);
  c->spin.head = 0;
  c->spin.have_snap = false;
  c->code_hi = 0;
  c->s_reset_st = true;
  c->firmware_interrupted = false;
  uint32_t sp = 0, pc = 0;
  bool ok = read32(t, boot, &sp) && read32(t, boot + 4, &pc);
  if (!ok && t->boot_target == REGION_FLASH && flash_read_blocked(t, MASTER_CPU)) {
    /* Read protection with a debugger attached refuses the vector fetch
     * (RM0008 §2.3, RM0090 §3.7.3); the core goes on with the all-ones the
     * flash interface returns. Silicon shows it: `reset halt` on a
     * protected STM32 halts at the reset vector catch with pc 0xfffffffe,
     * msp 0xfffffffc, xPSR 0x01000000 in OpenOCD's log, and the unlock
     * that follows works. Running from there faults into lockup. */
    sp = pc = 0xFFFFFFFFu;
    ok = true;
  }
  set_reg(c, UC_ARM_REG_MSP, sp & ~3u);
  set_reg(c, UC_ARM_REG_XPSR, (pc & 1) ? XPSR_T : 0);
  set_reg(c, UC_ARM_REG_PC, pc);
  if (t->nrst) {
    enter_state(c, CORE_IN_RESET);
    return;
  }
  if (!ok) {
    lockup(t); /* the vector fetch itself failed */
    return;
  }
  enter_state(c, CORE_RUNNING);
  bool debug = c->dhcsr_ctrl & C_DEBUGEN;
  if (debug && (c->demcr & DEMCR_VC_CORERESET))
    core_halt(t, DFSR_VCATCH);
  else if (debug && (c->dhcsr_ctrl & C_HALT))
    core_halt(t, DFSR_HALTED);
}
