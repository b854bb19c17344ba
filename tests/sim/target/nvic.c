/*
 * Exceptions and interrupts of the Cortex-M0+/M3/M4/M7 as ARMv6-M and
 * ARMv7-M define them (ARMv7-M ARM B1.5, B3.4; ARMv6-M ARM B1.5, B3.4):
 * the NVIC (enable, pending, active, priority), the system handlers
 * (NMI, HardFault, MemManage, BusFault, UsageFault, SVCall, PendSV,
 * SysTick), priority grouping, PRIMASK/FAULTMASK/BASEPRI, exception entry
 * and return with their stack frames (the basic frame and the extended
 * frame of an FPU context), fault escalation to HardFault and lockup, and
 * WFI/WFE waking.
 *
 * Unicorn executes instructions only: it raises an exception return when a
 * handler branches to an EXC_RETURN value, and reports SVC, faults and
 * WFI/WFE to core.c. Everything else happens here, between two runs of the
 * CPU: a run ends at the next time something may become pending (SysTick,
 * a timer, see board.c) and after any instruction that may unmask or pend
 * an exception, and exc_dispatch() then takes what is due.
 */
#include "cortex_m.h"
#include "target.h"

#include <string.h>

enum {
  EXC_NMI = 2,
  EXC_HARDFAULT = 3,
  EXC_MEMMANAGE = 4,
  EXC_BUSFAULT = 5,
  EXC_USAGEFAULT = 6,
  EXC_SVCALL = 11,
  EXC_DEBUGMON = 12,
  EXC_PENDSV = 14,
  EXC_SYSTICK = 15,
  PRIO_THREAD = 256, /* execution priority with nothing active */
  SYSTICK_COUNTFLAG = 1u << 16,
  ICSR_NMIPENDSET = 1u << 31,
  ICSR_PENDSVSET = 1u << 28,
  ICSR_PENDSVCLR = 1u << 27,
  ICSR_PENDSTSET = 1u << 26,
  ICSR_PENDSTCLR = 1u << 25,
  ICSR_ISRPENDING = 1u << 22,
  ICSR_RETTOBASE = 1u << 11,
  SCR_SLEEPONEXIT = 1u << 1,
  SCR_SEVONPEND = 1u << 4,
  CCR_STKALIGN = 1u << 9,
  CONTROL_SPSEL = 1u << 1,
  CONTROL_FPCA = 1u << 2,
  CFSR_STKERR = 1u << 12,
  CFSR_MSTKERR = 1u << 4,
  CFSR_INVPC = 1u << 18,
  HFSR_VECTTBL = 1u << 1,
};

#define LOCKUP_PC 0xFFFFFFFEu /* ARMv7-M ARM B1.5.15 */

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

int nvic_exception_count(const sim_chip *chip)
{
  /* external interrupt lines: ICTR on the v7-M parts (32 per step); the
   * M0+ has 32 */
  if (chip->armv6m)
    return 16 + 32;
  return chip->family->id == SIM_FAMILY_H7 ? 16 + 160 : 16 + 96;
}

/* Implemented priority bits: 4 on the STM32 Cortex-M3/M4/M7, 2 on the M0+. */
static uint8_t prio_mask(const sim_target *t)
{
  return t->chip->armv6m ? 0xC0 : 0xF0;
}

/* ---- priorities ---- */

/* The group priority of an exception (ARMv7-M B1.5.4): the fixed ones are
 * negative; PRIGROUP splits the rest into group and subpriority. */
static int group_prio(const sim_target *t, int exc)
{
  if (exc == 1)
    return -3;
  if (exc == EXC_NMI)
    return -2;
  if (exc == EXC_HARDFAULT)
    return -1;
  unsigned p = t->core.nvic.prio[exc];
  if (t->chip->armv6m)
    return (int)p;
  unsigned sub = (2u << t->core.aircr_prigroup) - 1u;
  return (int)(p & ~sub & 0xFF);
}

static int full_prio(const sim_target *t, int exc)
{
  return exc <= EXC_HARDFAULT ? group_prio(t, exc) : t->core.nvic.prio[exc];
}

/* Execution priority (B1.5.4): the highest active group priority, boosted
 * by PRIMASK, FAULTMASK and BASEPRI. */
static int exec_prio(sim_target *t, bool with_primask)
{
  sim_core *c = &t->core;
  int n = nvic_exception_count(t->chip), prio = PRIO_THREAD;
  for (int e = 1; e < n; e++)
    if (c->nvic.active[e] && group_prio(t, e) < prio)
      prio = group_prio(t, e);
  if (with_primask && (reg(c, UC_ARM_REG_PRIMASK) & 1) && prio > 0)
    prio = 0;
  if (!t->chip->armv6m) {
    uint32_t basepri = reg(c, UC_ARM_REG_BASEPRI) & prio_mask(t);
    if (basepri) {
      unsigned sub = (2u << c->aircr_prigroup) - 1u;
      int b = (int)(basepri & ~sub & 0xFF);
      if (b < prio)
        prio = b;
    }
    if ((reg(c, UC_ARM_REG_FAULTMASK) & 1) && prio > -1)
      prio = -1;
  }
  return prio;
}

/* The pending exception that would be taken next, 0 if none. */
static int highest_pending(sim_target *t)
{
  sim_core *c = &t->core;
  int n = nvic_exception_count(t->chip), best = 0;
  for (int e = 2; e < n; e++) {
    if (!c->nvic.pending[e] || (e >= 16 && !c->nvic.enabled[e]))
      continue;
    if (!best || group_prio(t, e) < group_prio(t, best) ||
        (group_prio(t, e) == group_prio(t, best) && full_prio(t, e) < full_prio(t, best)))
      best = e;
  }
  return best;
}

static int active_count(const sim_target *t)
{
  int n = nvic_exception_count(t->chip), count = 0;
  for (int e = 1; e < n; e++)
    count += t->core.nvic.active[e];
  return count;
}

/* ---- entry and return ---- */

static bool read32(sim_target *t, uint32_t addr, uint32_t *v)
{
  return bus_read(t, MASTER_CPU, addr, 4, v) == BUS_OK;
}

static bool write32(sim_target *t, uint32_t addr, uint32_t v)
{
  const sim_region *r = bus_region(t, addr);
  if (!r || (r->kind != REGION_SRAM && r->kind != REGION_CCM))
    return bus_write(t, MASTER_CPU, addr, 4, v) == BUS_OK;
  memcpy(r->ram + (addr - r->base), &v, 4);
  return true;
}

static void lockup(sim_target *t)
{
  sim_core *c = &t->core;
  set_reg(c, UC_ARM_REG_PC, LOCKUP_PC | ((reg(c, UC_ARM_REG_XPSR) & XPSR_T) ? 1 : 0));
  c->state = CORE_LOCKUP;
  c->epoch_valid = false;
}

static void take_hardfault(sim_target *t, uint32_t hfsr, uint32_t return_pc);

/* Exception entry (ARMv7-M B1.5.6, ARMv6-M B1.5.6): push the frame on the
 * stack in use, then start the handler from the vector table. */
static void enter(sim_target *t, int number, uint32_t return_pc)
{
  sim_core *c = &t->core;
  uint32_t xpsr = reg(c, UC_ARM_REG_XPSR), control = reg(c, UC_ARM_REG_CONTROL);
  uint32_t ipsr = xpsr & 0x1FF;
  bool thread = ipsr == 0, psp = thread && (control & CONTROL_SPSEL);
  bool fp = t->chip->has_fpu && (control & CONTROL_FPCA);
  uint32_t sp = psp ? reg(c, UC_ARM_REG_PSP) : reg(c, UC_ARM_REG_MSP);
  uint32_t frame_size = fp ? 0x68 : 0x20;
  uint32_t stacked_xpsr = xpsr & ~(1u << 9);
  bool align = t->chip->armv6m || (c->ccr & CCR_STKALIGN);
  if (align && ((sp - frame_size) & 4)) {
    sp -= 4;
    stacked_xpsr |= 1u << 9; /* the padding word is undone on return */
  }
  sp -= frame_size;
  uint32_t frame[26] = {reg(c, UC_ARM_REG_R0),  reg(c, UC_ARM_REG_R1), reg(c, UC_ARM_REG_R2),
                        reg(c, UC_ARM_REG_R3),  reg(c, UC_ARM_REG_R12), reg(c, UC_ARM_REG_LR),
                        return_pc & ~1u,        stacked_xpsr};
  if (fp) {
    for (int i = 0; i < 16; i++)
      frame[8 + i] = reg(c, UC_ARM_REG_S0 + i);
    frame[24] = reg(c, UC_ARM_REG_FPSCR);
  }
  bool stacked = true;
  for (uint32_t i = 0; stacked && i < frame_size / 4; i++)
    stacked = write32(t, sp + 4 * i, frame[i]);
  uint32_t vector = 0;
  bool fetched = read32(t, c->vtor + 4u * (uint32_t)number, &vector);
  if (!stacked || !fetched) {
    /* a fault on stacking or on the vector fetch: HardFault, and lockup
     * where that is the HardFault's own entry (B1.5.15) */
    if (number == EXC_HARDFAULT || number == EXC_NMI) {
      lockup(t);
      return;
    }
    if (!stacked && !t->chip->armv6m)
      c->cfsr |= number == EXC_MEMMANAGE ? CFSR_MSTKERR : CFSR_STKERR;
    c->nvic.pending[number] = false;
    take_hardfault(t, stacked ? HFSR_VECTTBL : HFSR_FORCED, return_pc);
    return;
  }
  if (thread && psp) {
    set_reg(c, UC_ARM_REG_PSP, sp);
    set_reg(c, UC_ARM_REG_CONTROL, control & ~CONTROL_SPSEL);
  } else {
    set_reg(c, UC_ARM_REG_MSP, sp);
  }
  uint32_t exc_return = thread ? (psp ? 0xFFFFFFFDu : 0xFFFFFFF9u) : 0xFFFFFFF1u;
  if (fp) {
    exc_return &= ~0x10u; /* bit 4 clear: extended frame */
    set_reg(c, UC_ARM_REG_CONTROL, reg(c, UC_ARM_REG_CONTROL) & ~CONTROL_FPCA);
  }
  c->nvic.pending[number] = false;
  c->nvic.active[number] = true;
  c->nvic.event = true;
  set_reg(c, UC_ARM_REG_LR, exc_return);
  /* the vector's bit 0 becomes EPSR.T; a clear bit faults on the first
   * instruction (INVSTATE) */
  set_reg(c, UC_ARM_REG_XPSR,
          (xpsr & 0xF8000000u) | ((vector & 1) ? XPSR_T : 0) | (uint32_t)number);
  set_reg(c, UC_ARM_REG_PC, vector);
  c->state = CORE_RUNNING;
  if (number == EXC_HARDFAULT && (c->demcr & DEMCR_VC_HARDERR) && (c->dhcsr_ctrl & C_DEBUGEN))
    core_halt(t, DFSR_VCATCH);
}

static bool can_take(sim_target *t, int number)
{
  return group_prio(t, number) < exec_prio(t, true);
}

static void take_hardfault(sim_target *t, uint32_t hfsr, uint32_t return_pc)
{
  sim_core *c = &t->core;
  if (!can_take(t, EXC_HARDFAULT)) {
    lockup(t); /* a fault at priority -1 or above (B1.5.15) */
    return;
  }
  if (!t->chip->armv6m)
    c->hfsr |= hfsr;
  enter(t, EXC_HARDFAULT, return_pc);
}

void core_take_exception(sim_target *t, int number, uint32_t return_pc)
{
  enter(t, number, return_pc);
}

/* A synchronous fault of the instruction at `pc`: the configurable fault
 * its CFSR bits name where that is enabled and may preempt, else HardFault
 * (escalation, HFSR.FORCED), else lockup. The ARMv6-M core has HardFault
 * only and no fault status registers. */
void exc_fault(sim_target *t, uint32_t cfsr, uint32_t hfsr, uint32_t addr, uint32_t pc)
{
  sim_core *c = &t->core;
  if (t->chip->armv6m) {
    take_hardfault(t, 0, pc);
    return;
  }
  int number = cfsr & 0xFF ? EXC_MEMMANAGE : cfsr & 0xFF00 ? EXC_BUSFAULT
               : cfsr          ? EXC_USAGEFAULT : EXC_HARDFAULT;
  c->cfsr |= cfsr;
  if (cfsr & CFSR_BFARVALID)
    c->bfar = addr;
  if (cfsr & (1u << 7)) /* MMARVALID */
    c->mmfar = addr;
  if (number != EXC_HARDFAULT && (c->shcsr & (1u << (16 + number - EXC_MEMMANAGE))) &&
      can_take(t, number)) {
    enter(t, number, pc);
    return;
  }
  take_hardfault(t, hfsr ? hfsr : HFSR_FORCED, pc);
}

/* SVC: SVCall if it may preempt, else a HardFault (B1.5.4). */
void exc_svc(sim_target *t, uint32_t return_pc)
{
  if (can_take(t, EXC_SVCALL))
    enter(t, EXC_SVCALL, return_pc);
  else
    take_hardfault(t, HFSR_FORCED, return_pc);
}

static void usage_fault_invpc(sim_target *t, uint32_t pc)
{
  exc_fault(t, CFSR_INVPC, 0, 0, pc);
}

/* Exception return (ARMv7-M B1.5.8): the handler branched to `exc_return`. */
void exc_return(sim_target *t, uint32_t exc_return)
{
  sim_core *c = &t->core;
  uint32_t kind = exc_return & 0xF, ipsr = reg(c, UC_ARM_REG_XPSR) & 0x1FF;
  bool fp_frame = t->chip->has_fpu && !(exc_return & 0x10);
  if ((kind != 0x1 && kind != 0x9 && kind != 0xD) || ipsr == 0 || !c->nvic.active[ipsr] ||
      (!t->chip->has_fpu && !(exc_return & 0x10)) || (kind != 0x1 && active_count(t) > 1)) {
    /* an invalid EXC_RETURN, or a return to Thread mode with other handlers
     * still active (CCR.NONBASETHRDENA is 0): UsageFault INVPC */
    if (t->chip->armv6m) {
      lockup(t);
      return;
    }
    usage_fault_invpc(t, exc_return);
    return;
  }
  c->nvic.active[ipsr] = false;
  if (ipsr != EXC_NMI)
    set_reg(c, UC_ARM_REG_FAULTMASK, 0);
  bool to_psp = kind == 0xD;
  uint32_t sp = to_psp ? reg(c, UC_ARM_REG_PSP) : reg(c, UC_ARM_REG_MSP);
  uint32_t frame[26];
  unsigned words = fp_frame ? 26 : 8;
  for (unsigned i = 0; i < words; i++) {
    if (!read32(t, sp + 4u * i, &frame[i])) {
      exc_fault(t, 1u << 11 /* UNSTKERR */, 0, 0, exc_return);
      return;
    }
  }
  sp += words * 4 + ((frame[7] & (1u << 9)) ? 4 : 0);
  static const int stacked[6] = {UC_ARM_REG_R0, UC_ARM_REG_R1,  UC_ARM_REG_R2,
                                 UC_ARM_REG_R3, UC_ARM_REG_R12, UC_ARM_REG_LR};
  for (int i = 0; i < 6; i++)
    set_reg(c, stacked[i], frame[i]);
  if (fp_frame) {
    for (int i = 0; i < 16; i++)
      set_reg(c, UC_ARM_REG_S0 + i, frame[8 + i]);
    set_reg(c, UC_ARM_REG_FPSCR, frame[24]);
  }
  /* the mode first (Thread mode when the stacked IPSR is 0), then the stack
   * pointers, so that the banked SP follows */
  uint32_t xpsr = frame[7] & ~(1u << 9);
  if (kind != 0x1)
    xpsr &= ~0x1FFu;
  set_reg(c, UC_ARM_REG_XPSR, xpsr);
  if (kind == 0x1 || !to_psp) {
    set_reg(c, UC_ARM_REG_MSP, sp);
  } else {
    set_reg(c, UC_ARM_REG_PSP, sp);
    set_reg(c, UC_ARM_REG_CONTROL, reg(c, UC_ARM_REG_CONTROL) | CONTROL_SPSEL);
  }
  if (t->chip->has_fpu) {
    uint32_t control = reg(c, UC_ARM_REG_CONTROL);
    set_reg(c, UC_ARM_REG_CONTROL, fp_frame ? control | CONTROL_FPCA : control & ~CONTROL_FPCA);
  }
  set_reg(c, UC_ARM_REG_PC, frame[6] | ((frame[7] & XPSR_T) ? 1 : 0));
  c->nvic.event = true;
  if (kind != 0x1 && (c->scr & SCR_SLEEPONEXIT)) {
    c->state = CORE_SLEEPING; /* back to sleep without running Thread code */
    c->sleep_wfe = false;
  }
}

/* ---- pending, waking, taking ---- */

void nvic_set_pending(sim_target *t, int number)
{
  sim_core *c = &t->core;
  if (number <= 0 || number >= nvic_exception_count(t->chip))
    return;
  if (!c->nvic.pending[number] && (c->scr & SCR_SEVONPEND))
    c->nvic.event = true;
  c->nvic.pending[number] = true;
  if (c->in_run)
    c->stop_pending = true; /* it may preempt: stop after this instruction */
}

/* Between runs: wake a sleeping core and take the exception that is due. */
void exc_dispatch(sim_target *t)
{
  sim_core *c = &t->core;
  if (c->state != CORE_RUNNING && c->state != CORE_SLEEPING)
    return;
  bool masked = (c->dhcsr_ctrl & C_DEBUGEN) && (c->dhcsr_ctrl & C_MASKINTS);
  int next = masked ? 0 : highest_pending(t);
  if (c->state == CORE_SLEEPING) {
    /* WFI wakes on an exception that would preempt were PRIMASK clear;
     * WFE also on the event register (B1.5.18, B1.5.19) */
    bool wake = next && group_prio(t, next) < exec_prio(t, false);
    if (c->sleep_wfe && c->nvic.event) {
      c->nvic.event = false;
      wake = true;
    }
    if (!wake)
      return;
    c->state = CORE_RUNNING;
    c->epoch_valid = false;
  }
  if (next && can_take(t, next)) {
    uint32_t pc = reg(c, UC_ARM_REG_PC) & ~1u;
    enter(t, next, pc);
  }
}

/* ---- registers: NVIC, ICSR, SHPR, SHCSR, STIR ---- */

static uint32_t shcsr_read(const sim_target *t)
{
  const sim_core *c = &t->core;
  const sim_nvic *n = &c->nvic;
  return (c->shcsr & 0x70000u) | n->active[EXC_MEMMANAGE] << 0 | n->active[EXC_BUSFAULT] << 1 |
         n->active[EXC_USAGEFAULT] << 3 | n->active[EXC_SVCALL] << 7 |
         n->active[EXC_DEBUGMON] << 8 | n->active[EXC_PENDSV] << 10 |
         n->active[EXC_SYSTICK] << 11 | n->pending[EXC_USAGEFAULT] << 12 |
         n->pending[EXC_MEMMANAGE] << 13 | n->pending[EXC_BUSFAULT] << 14 |
         n->pending[EXC_SVCALL] << 15;
}

static void shcsr_write(sim_target *t, uint32_t v)
{
  sim_core *c = &t->core;
  sim_nvic *n = &c->nvic;
  c->shcsr = v & 0x70000u;
  n->active[EXC_MEMMANAGE] = v & 1;
  n->active[EXC_BUSFAULT] = (v >> 1) & 1;
  n->active[EXC_USAGEFAULT] = (v >> 3) & 1;
  n->active[EXC_SVCALL] = (v >> 7) & 1;
  n->active[EXC_DEBUGMON] = (v >> 8) & 1;
  n->active[EXC_PENDSV] = (v >> 10) & 1;
  n->active[EXC_SYSTICK] = (v >> 11) & 1;
  n->pending[EXC_USAGEFAULT] = (v >> 12) & 1;
  n->pending[EXC_MEMMANAGE] = (v >> 13) & 1;
  n->pending[EXC_BUSFAULT] = (v >> 14) & 1;
  n->pending[EXC_SVCALL] = (v >> 15) & 1;
}

static uint32_t icsr_read(sim_target *t)
{
  sim_core *c = &t->core;
  uint32_t ipsr = reg(c, UC_ARM_REG_XPSR) & 0x1FF;
  int pend = highest_pending(t), n = nvic_exception_count(t->chip);
  bool isr_pending = false;
  for (int e = 16; e < n; e++)
    isr_pending |= c->nvic.pending[e];
  uint32_t v = ipsr | (uint32_t)pend << 12 | (isr_pending ? ICSR_ISRPENDING : 0);
  if (active_count(t) <= 1)
    v |= ICSR_RETTOBASE;
  if (c->nvic.pending[EXC_NMI])
    v |= ICSR_NMIPENDSET;
  if (c->nvic.pending[EXC_PENDSV])
    v |= ICSR_PENDSVSET;
  if (c->nvic.pending[EXC_SYSTICK])
    v |= ICSR_PENDSTSET;
  return v;
}

static void icsr_write(sim_target *t, uint32_t v)
{
  sim_nvic *n = &t->core.nvic;
  if (v & ICSR_NMIPENDSET)
    nvic_set_pending(t, EXC_NMI);
  if (v & ICSR_PENDSVSET)
    nvic_set_pending(t, EXC_PENDSV);
  else if (v & ICSR_PENDSVCLR)
    n->pending[EXC_PENDSV] = false;
  if (v & ICSR_PENDSTSET)
    nvic_set_pending(t, EXC_SYSTICK);
  else if (v & ICSR_PENDSTCLR)
    n->pending[EXC_SYSTICK] = false;
}

/* 32 interrupt lines per register of a bit array. */
static uint32_t bits_read(const sim_target *t, const bool *bits, unsigned word)
{
  int n = nvic_exception_count(t->chip);
  uint32_t v = 0;
  for (unsigned i = 0; i < 32; i++) {
    int e = 16 + (int)(word * 32 + i);
    if (e < n && bits[e])
      v |= 1u << i;
  }
  return v;
}

static void bits_write(sim_target *t, bool *bits, unsigned word, uint32_t v, bool set)
{
  int n = nvic_exception_count(t->chip);
  for (unsigned i = 0; i < 32; i++) {
    int e = 16 + (int)(word * 32 + i);
    if (e < n && (v & (1u << i)))
      bits[e] = set;
  }
}

static uint32_t prio_read(const sim_target *t, int first)
{
  int n = nvic_exception_count(t->chip);
  uint32_t v = 0;
  for (int i = 0; i < 4; i++)
    if (first + i < n)
      v |= (uint32_t)t->core.nvic.prio[first + i] << (8 * i);
  return v;
}

static void prio_write(sim_target *t, int first, uint32_t v, uint32_t mask)
{
  int n = nvic_exception_count(t->chip);
  for (int i = 0; i < 4; i++)
    if (first + i < n && ((mask >> (8 * i)) & 0xFF))
      t->core.nvic.prio[first + i] = (uint8_t)(v >> (8 * i)) & prio_mask(t);
}

bool nvic_reg_read(sim_target *t, uint32_t off, uint32_t *value)
{
  sim_nvic *n = &t->core.nvic;
  if (off >= 0x010 && off < 0x020)
    return systick_read(t, off, value);
  if (off >= 0x100 && off < 0x200) { /* ISER, ICER: the enables */
    *value = bits_read(t, n->enabled, (off & 0x7F) / 4);
    return true;
  }
  if (off >= 0x200 && off < 0x300) { /* ISPR, ICPR: the pending bits */
    *value = bits_read(t, n->pending, (off & 0x7F) / 4);
    return true;
  }
  if (off >= 0x300 && off < 0x380) { /* IABR */
    *value = bits_read(t, n->active, (off & 0x7F) / 4);
    return true;
  }
  if (off >= 0x400 && off < 0x5F0) {
    *value = prio_read(t, 16 + (int)(off - 0x400));
    return true;
  }
  switch (off) {
  case 0xD04:
    *value = icsr_read(t);
    return true;
  case 0xD18:
  case 0xD1C:
  case 0xD20:
    *value = prio_read(t, 4 + (int)(off - 0xD18));
    if (t->chip->armv6m) /* only SVCall, PendSV and SysTick (ARMv6-M B3.2.10) */
      *value &= off == 0xD1C ? 0xFF000000u : off == 0xD20 ? 0xFFFF0000u : 0;
    return true;
  case 0xD24:
    *value = shcsr_read(t);
    if (t->chip->armv6m)
      *value &= 1u << 15; /* SVCALLPENDED only */
    return true;
  case 0xF00:
    *value = 0; /* STIR is write only */
    return true;
  default:
    return false;
  }
}

bool nvic_reg_write(sim_target *t, bus_master m, uint32_t off, uint32_t v, uint32_t mask)
{
  sim_core *c = &t->core;
  sim_nvic *n = &c->nvic;
  bool handled = true;
  if (off >= 0x010 && off < 0x020)
    return systick_write(t, off, v & mask);
  if (off >= 0x100 && off < 0x180)
    bits_write(t, n->enabled, (off - 0x100) / 4, v & mask, true);
  else if (off >= 0x180 && off < 0x200)
    bits_write(t, n->enabled, (off - 0x180) / 4, v & mask, false);
  else if (off >= 0x200 && off < 0x280) {
    bits_write(t, n->pending, (off - 0x200) / 4, v & mask, true);
    if ((c->scr & SCR_SEVONPEND) && (v & mask))
      n->event = true;
  } else if (off >= 0x280 && off < 0x300)
    bits_write(t, n->pending, (off - 0x280) / 4, v & mask, false);
  else if (off >= 0x300 && off < 0x380)
    ; /* IABR is read only */
  else if (off >= 0x400 && off < 0x5F0)
    prio_write(t, 16 + (int)(off - 0x400), v, mask);
  else if (off == 0xD04)
    icsr_write(t, v & mask);
  else if (off >= 0xD18 && off <= 0xD20)
    prio_write(t, 4 + (int)(off - 0xD18), v,
               mask & (!t->chip->armv6m ? 0xFFFFFFFFu
                       : off == 0xD1C   ? 0xFF000000u
                       : off == 0xD20   ? 0xFFFF0000u
                                        : 0));
  else if (off == 0xD24)
    shcsr_write(t, (shcsr_read(t) & ~mask) | (v & mask));
  else if (off == 0xF00 && (m == MASTER_CPU || !t->chip->armv6m))
    nvic_set_pending(t, 16 + (int)(v & 0x1FF));
  else
    handled = false;
  if (handled && c->in_run)
    c->stop_pending = true; /* an exception may have become due */
  return handled;
}

void nvic_reset(sim_target *t)
{
  t->core.nvic = (sim_nvic){0};
  systick_reset(t);
}

/* ---- SysTick (ARMv7-M B3.3) ---- */

/* The counter runs at HCLK (CLKSOURCE 1) or at the STM32's external
 * reference HCLK/8 (CLKSOURCE 0), counted from an anchor: `val0` at
 * `anchor`, at `hz`. It counts down to 0, then reloads LOAD on the next
 * tick; each arrival at 0 sets COUNTFLAG and, with TICKINT, pends
 * SysTick. */
static uint32_t systick_hz(const sim_target *t)
{
  uint32_t hz = periph_core_hz(t);
  return t->core.nvic.systick.ctrl & 4 ? hz : (hz / 8 ? hz / 8 : 1);
}

static bool systick_counting(const sim_systick *s)
{
  return (s->ctrl & 1) && (s->load & 0xFFFFFF);
}

static uint64_t ticks_at(const sim_systick *s, sim_ns now)
{
  if (now <= s->anchor)
    return 0;
  return (uint64_t)((unsigned __int128)(now - s->anchor) * s->hz / 1000000000u);
}

static sim_ns tick_time(const sim_systick *s, uint64_t n)
{
  unsigned __int128 ns = ((unsigned __int128)n * 1000000000u + s->hz - 1) / s->hz;
  return s->anchor + (sim_ns)ns;
}

/* Arrivals at 0 within ticks (0, n]. */
static uint64_t zeros_upto(const sim_systick *s, uint64_t n)
{
  uint64_t period = (uint64_t)(s->load & 0xFFFFFF) + 1;
  uint64_t first = s->val0 ? s->val0 : period;
  return n < first ? 0 : 1 + (n - first) / period;
}

static uint32_t value_at(const sim_systick *s, uint64_t n)
{
  uint32_t load = s->load & 0xFFFFFF;
  if (n <= s->val0)
    return s->val0 - (uint32_t)n;
  return load - (uint32_t)((n - s->val0 - 1) % ((uint64_t)load + 1));
}

static void systick_catch_up(sim_target *t, sim_ns now)
{
  sim_systick *s = &t->core.nvic.systick;
  if (!systick_counting(s))
    return;
  uint64_t zeros = zeros_upto(s, ticks_at(s, now));
  if (zeros > s->seen) {
    s->seen = zeros;
    s->ctrl |= SYSTICK_COUNTFLAG;
    if (s->ctrl & 2)
      nvic_set_pending(t, EXC_SYSTICK);
  }
}

/* Re-anchor at `now` (LOAD, VAL, CTRL or the clock changed). */
static void systick_anchor(sim_target *t, sim_ns now)
{
  sim_systick *s = &t->core.nvic.systick;
  if (systick_counting(s)) { /* on the last tick edge: no time is lost */
    uint64_t n = ticks_at(s, now);
    s->val0 = value_at(s, n);
    s->anchor += (sim_ns)((unsigned __int128)n * 1000000000u / s->hz);
  } else {
    s->anchor = now;
  }
  s->hz = systick_hz(t);
  s->seen = 0;
}

void systick_reset(sim_target *t)
{
  sim_systick *s = &t->core.nvic.systick;
  *s = (sim_systick){.ctrl = t->chip->armv6m ? 0 : 4, .hz = 1};
}

bool systick_read(sim_target *t, uint32_t off, uint32_t *value)
{
  sim_systick *s = &t->core.nvic.systick;
  sim_ns now = target_time(t);
  systick_catch_up(t, now);
  switch (off) {
  case 0x010:
    *value = s->ctrl;
    s->ctrl &= ~SYSTICK_COUNTFLAG; /* cleared by a read */
    break;
  case 0x014:
    *value = s->load & 0xFFFFFF;
    break;
  case 0x018:
    *value = systick_counting(s) ? value_at(s, ticks_at(s, now)) : s->val0;
    break;
  default: /* CALIB: no reference calibration, 9000 ticks per 10 ms at 72/8 MHz */
    *value = 0x40002328;
    break;
  }
  if (systick_counting(s))
    core_note_side_effect(t); /* a volatile read: an idle loop polling it is not idle */
  return true;
}

bool systick_write(sim_target *t, uint32_t off, uint32_t value)
{
  sim_systick *s = &t->core.nvic.systick;
  sim_ns now = target_time(t);
  systick_catch_up(t, now);
  systick_anchor(t, now);
  switch (off) {
  case 0x010:
    s->ctrl = (s->ctrl & SYSTICK_COUNTFLAG) | (value & 7);
    s->hz = systick_hz(t);
    break;
  case 0x014:
    s->load = value & 0xFFFFFF;
    break;
  case 0x018: /* any write clears VAL and COUNTFLAG */
    s->val0 = 0;
    s->ctrl &= ~SYSTICK_COUNTFLAG;
    break;
  default:
    break;
  }
  core_limit_run(t, exc_next_event(t));
  return true;
}

void exc_clock_changed(sim_target *t)
{
  sim_ns now = target_time(t);
  systick_catch_up(t, now);
  systick_anchor(t, now);
}

void exc_update(sim_target *t)
{
  systick_catch_up(t, t->now);
}

sim_ns exc_next_event(const sim_target *t)
{
  const sim_systick *s = &t->core.nvic.systick;
  if (!systick_counting(s))
    return UINT64_MAX;
  uint64_t period = (uint64_t)(s->load & 0xFFFFFF) + 1;
  uint64_t first = s->val0 ? s->val0 : period;
  /* the next arrival at 0 not yet seen */
  uint64_t n = first + s->seen * period;
  return tick_time(s, n);
}
