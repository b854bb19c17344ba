/*
 * The peripherals that start-up code waits on or that run on their own
 * clock, so that firmware gets through its clock setup and keeps time:
 *
 *   TIM2 and TIM5  general-purpose timers counting up from the APB1 timer
 *                  clock through PSC to ARR, with update and compare
 *                  events, their flags in SR and interrupts through DIER
 *                  (RM0008 §15, RM0090 §18, RM0444 §22, RM0433 §38); one
 *                  pulse, down counting, slave modes, DMA and the outputs
 *                  are not modelled
 *   IWDG           the independent watchdog: started by 0xCCCC, fed by
 *                  0xAAAA, counting LSI / (4 << PR) from RLR, resetting the
 *                  chip at 0; frozen while the core is halted when the
 *                  DBGMCU freeze bit is set (RM0008 §19, RM0090 §21,
 *                  RM0444 §27, RM0433 §45)
 *   PWR            F4 VOSRDY, ODRDY, ODSWRDY (RM0090 §5.4, RM0390 §5.4); G0
 *                  VOSF after a change of VOS (RM0444 §4.4.9); H7 the
 *                  supply configuration (write once per power-on) and
 *                  ACTVOSRDY, VOSRDY (RM0433 §6.8, RM0468 §6.8)
 *
 * Everything is counted from an anchor in virtual time, so a run of the CPU
 * stops at the next event and nothing is stepped in between.
 */
#include "target.h"

#include <string.h>

enum {
  TIM_CR1 = 0x00 / 4,
  TIM_DIER = 0x0C / 4,
  TIM_SR = 0x10 / 4,
  TIM_EGR = 0x14 / 4,
  TIM_CNT = 0x24 / 4,
  TIM_PSC = 0x28 / 4,
  TIM_ARR = 0x2C / 4,
  TIM_CCR1 = 0x34 / 4,
  CR1_CEN = 1u << 0,
  CR1_URS = 1u << 2,
  SR_UIF = 1u << 0,
  EGR_UG = 1u << 0,
  IWDG_KR = 0,
  IWDG_PR = 1,
  IWDG_RLR = 2,
  PWR_BASE_F4_G0 = 0x40007000,
  PWR_BASE_H7 = 0x58024800,
};

static const uint32_t tim_base[SIM_TIMERS] = {0x40000000, 0x40000C00}; /* TIM2, TIM5 */

/* Interrupt lines (RM0008 Table 63, RM0090 Table 62, RM0444 Table 56,
 * RM0433 Table 147); -1: no such timer on the chip. */
static int tim_irq(const sim_target *t, int i)
{
  switch (t->chip->family->id) {
  case SIM_FAMILY_G0:
    return i == 0 ? 15 : -1;
  case SIM_FAMILY_F1:
    if (i == 1 && t->chip->flash_size < KIB(256))
      return -1; /* TIM5: high-density parts only */
    return i == 0 ? 28 : 50;
  default:
    return i == 0 ? 28 : 50;
  }
}

static uint32_t tim_max(const sim_target *t, int i)
{
  (void)i;
  return t->chip->family->id == SIM_FAMILY_F1 ? 0xFFFF : 0xFFFFFFFFu; /* 16 bits on the F1 */
}

/* ---- clocks ---- */

static uint32_t apb_div(uint32_t code)
{
  return code & 4 ? 2u << (code & 3) : 1;
}

/* The APB1 timer clock: PCLK1, doubled when the APB1 prescaler divides. */
static uint64_t tim_clock(const sim_target *t)
{
  const uint32_t *rcc = t->periph.rcc;
  uint64_t hclk = periph_core_hz(t);
  uint32_t code;
  switch (t->chip->family->id) {
  case SIM_FAMILY_F1:
    code = (rcc[0x04 / 4] >> 8) & 7;
    break;
  case SIM_FAMILY_F4:
    code = (rcc[0x08 / 4] >> 10) & 7;
    break;
  case SIM_FAMILY_G0:
    code = (rcc[0x08 / 4] >> 12) & 7;
    break;
  default: { /* H7: HPRE in D1CFGR, D2PPRE1 in D2CFGR */
    uint32_t hpre = rcc[0x18 / 4] & 0xF;
    static const uint16_t div[8] = {2, 4, 8, 16, 64, 128, 256, 512};
    hclk /= hpre & 8 ? div[hpre & 7] : 1;
    code = (rcc[0x1C / 4] >> 4) & 7;
    break;
  }
  }
  uint32_t d = apb_div(code);
  return d == 1 ? hclk : hclk / d * 2;
}

/* ---- timers ---- */

static bool dbg_frozen(const sim_target *t, int what); /* below */

static bool tim_running(const sim_target *t, int i)
{
  const sim_timer *tm = &t->periph.tim[i];
  return (tm->regs[TIM_CR1] & CR1_CEN) && !dbg_frozen(t, i);
}

static uint64_t tim_ticks(const sim_timer *tm, sim_ns now)
{
  if (!tm->hz || now <= tm->anchor)
    return 0;
  return (uint64_t)((unsigned __int128)(now - tm->anchor) * tm->hz / 1000000000u);
}

static sim_ns tim_tick_time(const sim_timer *tm, uint64_t n)
{
  return tm->anchor + (sim_ns)(((unsigned __int128)n * 1000000000u + tm->hz - 1) / tm->hz);
}

static uint64_t tim_period(const sim_timer *tm)
{
  return (uint64_t)tm->regs[TIM_ARR] + 1;
}

/* Ticks after the anchor at which the counter reaches `value`, k-th time:
 * the first one, then every period. */
static uint64_t tim_first(const sim_timer *tm, uint64_t value)
{
  uint64_t p = tim_period(tm), r = (value + p - tm->cnt0 % p) % p;
  return r ? r : p;
}

static uint64_t tim_hits(const sim_timer *tm, uint64_t value, uint64_t n)
{
  uint64_t first = tim_first(tm, value);
  return n < first ? 0 : 1 + (n - first) / tim_period(tm);
}

static uint32_t tim_count(const sim_timer *tm, uint64_t n)
{
  return (uint32_t)((tm->cnt0 % tim_period(tm) + n) % tim_period(tm));
}

/* Flags for the events in (seen, ticks at now]. */
static void tim_catch_up(sim_target *t, int i, sim_ns now)
{
  sim_timer *tm = &t->periph.tim[i];
  if (!tm->hz)
    return;
  uint64_t n = tim_ticks(tm, now);
  if (n <= tm->seen)
    return;
  if (tim_hits(tm, 0, n) > tim_hits(tm, 0, tm->seen))
    tm->regs[TIM_SR] |= SR_UIF;
  for (int ch = 0; ch < 4; ch++) {
    uint32_t ccr = tm->regs[TIM_CCR1 + ch];
    if (ccr <= tm->regs[TIM_ARR] && tim_hits(tm, ccr, n) > tim_hits(tm, ccr, tm->seen))
      tm->regs[TIM_SR] |= 2u << ch;
  }
  tm->seen = n;
}

/* Start counting afresh from the counter's value now (a register changed,
 * the clock changed, the timer started, stopped or froze). The anchor
 * stays on a tick edge, so re-anchoring loses no time. */
static void tim_anchor(sim_target *t, int i, sim_ns now)
{
  sim_timer *tm = &t->periph.tim[i];
  if (tm->hz) {
    uint64_t n = tim_ticks(tm, now);
    tm->cnt0 = tim_count(tm, n);
    tm->anchor += (sim_ns)((unsigned __int128)n * 1000000000u / tm->hz);
  } else {
    tm->anchor = now;
  }
  tm->seen = 0;
  tm->hz = tim_running(t, i) ? tim_clock(t) / ((uint64_t)tm->psc_active + 1) : 0;
  if (!tm->hz)
    tm->anchor = now;
}

static sim_ns tim_next_event(const sim_target *t, int i)
{
  const sim_timer *tm = &t->periph.tim[i];
  uint32_t dier = tm->regs[TIM_DIER];
  if (!tm->hz || !(dier & 0x1F))
    return UINT64_MAX;
  uint64_t best = UINT64_MAX, p = tim_period(tm);
  for (int src = 0; src < 5; src++) {
    if (!(dier & (1u << src)))
      continue;
    uint64_t value = src == 0 ? 0 : tm->regs[TIM_CCR1 + src - 1];
    if (src && value > tm->regs[TIM_ARR])
      continue;
    uint64_t first = tim_first(tm, value), n;
    n = tm->seen < first ? first : first + ((tm->seen - first) / p + 1) * p;
    if (n < best)
      best = n;
  }
  return best == UINT64_MAX ? UINT64_MAX : tim_tick_time(tm, best);
}

static void tim_update_line(sim_target *t, int i)
{
  sim_timer *tm = &t->periph.tim[i];
  int irq = tim_irq(t, i);
  int exc = 16 + irq;
  if (irq >= 0 && (tm->regs[TIM_SR] & tm->regs[TIM_DIER] & 0x1F) && !t->core.nvic.active[exc] &&
      !t->core.nvic.pending[exc])
    nvic_set_pending(t, exc); /* a level: pending again while the flag stays */
}

static uint32_t tim_read(sim_target *t, int i, unsigned r)
{
  sim_timer *tm = &t->periph.tim[i];
  sim_ns now = target_time(t);
  tim_catch_up(t, i, now);
  if (tm->hz)
    core_note_side_effect(t); /* the counter moves: polling it is not idle */
  if (r == TIM_CNT)
    return tm->hz ? tim_count(tm, tim_ticks(tm, now)) : tm->cnt0;
  if (r == TIM_EGR)
    return 0;
  return tm->regs[r];
}

static void tim_write(sim_target *t, int i, unsigned r, uint32_t v, uint32_t mask)
{
  sim_timer *tm = &t->periph.tim[i];
  sim_ns now = target_time(t);
  uint32_t max = tim_max(t, i);
  tim_catch_up(t, i, now);
  tim_anchor(t, i, now);
  v = (tm->regs[r] & ~mask) | (v & mask);
  switch (r) {
  case TIM_SR: /* rc_w0: writing 0 clears a flag, 1 leaves it */
    tm->regs[r] &= v | ~0x1FFFu;
    break;
  case TIM_EGR:
    if (v & EGR_UG) { /* re-initialise: counter to 0, the prescaler loaded */
      tm->cnt0 = 0;
      tm->psc_active = tm->regs[TIM_PSC];
      if (!(tm->regs[TIM_CR1] & CR1_URS))
        tm->regs[TIM_SR] |= SR_UIF;
    }
    tm->regs[TIM_SR] |= (v & 0x1E); /* CCxG */
    break;
  case TIM_CNT:
    tm->cnt0 = v & max;
    break;
  case TIM_ARR:
  case TIM_CCR1:
  case TIM_CCR1 + 1:
  case TIM_CCR1 + 2:
  case TIM_CCR1 + 3:
    tm->regs[r] = v & max;
    break;
  case TIM_PSC: /* preloaded: takes effect at the next update event */
    tm->regs[r] = v & 0xFFFF;
    break;
  default:
    tm->regs[r] = v;
    break;
  }
  tim_anchor(t, i, now); /* with the new CEN, PSC, ARR */
  tim_update_line(t, i);
  if (t->core.in_run)
    t->core.stop_pending = true; /* an interrupt may be due now */
  core_limit_run(t, board_next_event(t));
}

/* PSC takes effect at an update event: re-anchor there. */
static void tim_apply_prescaler(sim_target *t, int i, sim_ns now)
{
  sim_timer *tm = &t->periph.tim[i];
  if (tm->psc_active == tm->regs[TIM_PSC] || !tm->hz)
    return;
  uint64_t n = tim_ticks(tm, now), first = tim_first(tm, 0);
  if (n < first)
    return;
  uint64_t last = first + (n - first) / tim_period(tm) * tim_period(tm);
  sim_ns at = tm->anchor + (sim_ns)((unsigned __int128)last * 1000000000u / tm->hz);
  tim_catch_up(t, i, at);
  tm->cnt0 = 0;
  tm->anchor = at;
  tm->seen = 0;
  tm->psc_active = tm->regs[TIM_PSC];
  tm->hz = tim_clock(t) / ((uint64_t)tm->psc_active + 1);
}

/* ---- DBGMCU freeze bits (RM0008 §31.16.3, RM0090 §38.16.4, RM0444
 * §40.9.3, RM0433 §60.5.8) ---- */

enum { FREEZE_TIM2 = 0, FREEZE_TIM5 = 1, FREEZE_IWDG = 2 };

static bool dbg_frozen(const sim_target *t, int what)
{
  if (t->core.state != CORE_HALTED)
    return false;
  const sim_periph *p = &t->periph;
  switch (t->chip->family->apb_freeze ? SIM_FAMILY_F4 : t->chip->family->id) {
  case SIM_FAMILY_F1: { /* DBGMCU_CR: DBG_IWDG_STOP 8, DBG_TIM2_STOP 11, DBG_TIM5_STOP 18 */
    static const uint8_t bit[3] = {11, 18, 8};
    return (p->dbgmcu_cr >> bit[what]) & 1;
  }
  case SIM_FAMILY_H7: /* APB1LFZ1 (0x3C) TIM2 0, TIM5 3; APB4FZ1 (0x54) WDGLSD1 18 */
    if (what == FREEZE_IWDG)
      return (p->dbgmcu_h7[0x54 / 4] >> 18) & 1;
    return (p->dbgmcu_h7[0x3C / 4] >> (what == FREEZE_TIM2 ? 0 : 3)) & 1;
  default: /* F4 DBGMCU_APB1_FZ, G0 DBG_APB_FZ1: TIM2 0, TIM5 3, IWDG 12 */
    return (p->dbgmcu_apb1 >> (what == FREEZE_TIM2 ? 0 : what == FREEZE_TIM5 ? 3 : 12)) & 1;
  }
}

/* ---- IWDG ---- */

static uint32_t lsi_hz(const sim_target *t)
{
  return t->chip->family->id == SIM_FAMILY_F1 ? 40000 : 32000;
}

static sim_ns iwdg_period_ns(const sim_target *t)
{
  uint32_t pr = t->periph.iwdg[IWDG_PR] & 7, div = 4u << (pr > 6 ? 6 : pr);
  uint64_t ticks = (uint64_t)(t->periph.iwdg[IWDG_RLR] & 0xFFF);
  return (sim_ns)(ticks * div * 1000000000u / lsi_hz(t));
}

static void iwdg_reload(sim_target *t)
{
  t->periph.iwdg_left = iwdg_period_ns(t);
}

/* Count the time since the last look; a halted core with the freeze bit
 * set stops the counter. */
static void iwdg_advance(sim_target *t, sim_ns now)
{
  sim_periph *p = &t->periph;
  sim_ns elapsed = now > p->iwdg_seen ? now - p->iwdg_seen : 0;
  p->iwdg_seen = now;
  if (!p->iwdg_started || dbg_frozen(t, FREEZE_IWDG))
    return;
  p->iwdg_left = elapsed >= p->iwdg_left ? 0 : p->iwdg_left - elapsed;
}

static void iwdg_write(sim_target *t, unsigned i, uint32_t value, uint32_t mask)
{
  sim_periph *p = &t->periph;
  iwdg_advance(t, target_time(t));
  if (i == IWDG_KR) {
    uint32_t key = value & 0xFFFF;
    if (key == 0xCCCC && !p->iwdg_started) {
      p->iwdg_started = true;
      iwdg_reload(t);
    } else if (key == 0xAAAA) {
      iwdg_reload(t);
    }
    p->iwdg_unlocked = key == 0x5555;
  } else if (i < 4 && i != 3 && p->iwdg_unlocked) { /* PR and RLR need the 0x5555 key */
    p->iwdg[i] = (p->iwdg[i] & ~mask) | (value & mask);
  }
  core_limit_run(t, board_next_event(t));
}

/* ---- PWR ---- */

static bool has_overdrive(const sim_target *t)
{
  return t->chip->family->id == SIM_FAMILY_F4 && t->chip->has_sprmod; /* F42x/F43x, F446 */
}

static uint32_t pwr_base(const sim_target *t)
{
  return t->chip->family->id == SIM_FAMILY_H7 ? PWR_BASE_H7 : PWR_BASE_F4_G0;
}

static bool pwr_modelled(const sim_target *t)
{
  return t->chip->family->id != SIM_FAMILY_F1;
}

static uint32_t pwr_read(sim_target *t, unsigned i)
{
  sim_periph *p = &t->periph;
  switch (t->chip->family->id) {
  case SIM_FAMILY_F4:
    if (i == 1) { /* CSR: VOSRDY once the PLL runs, the over-drive bits follow their enables */
      uint32_t v = p->pwr[1] & ~((1u << 14) | (3u << 16));
      if (t->periph.rcc[0] & (1u << 25))
        v |= 1u << 14;
      if (has_overdrive(t))
        v |= p->pwr[0] & (3u << 16);
      return v;
    }
    break;
  case SIM_FAMILY_G0:
    if (i == 0x14 / 4) { /* SR2: VOSF while the regulator changes range */
      core_note_side_effect(t);
      uint32_t v = p->pwr[i] & ~(1u << 10);
      return target_time(t) < p->vosf_until ? v | (1u << 10) : v;
    }
    break;
  default: /* H7 */
    if (i == 0x04 / 4) /* CSR1: ACTVOS = VOS, ACTVOSRDY once the supply is configured */
      return (p->pwr[i] & ~0xE000u) | (p->pwr[0x18 / 4] & 0xC000u) |
             (p->supply_configured ? 1u << 13 : 0);
    if (i == 0x18 / 4) /* D3CR: VOSRDY */
      return p->pwr[i] | 1u << 13;
    break;
  }
  return p->pwr[i];
}

static void pwr_write(sim_target *t, unsigned i, uint32_t value, uint32_t mask)
{
  sim_periph *p = &t->periph;
  uint32_t v = (p->pwr[i] & ~mask) | (value & mask);
  if (t->chip->family->id == SIM_FAMILY_G0 && i == 0) {
    if (((v ^ p->pwr[0]) >> 9) & 3)
      p->vosf_until = target_time(t) + SIM_US(40); /* the range change takes a while */
  } else if (t->chip->family->id == SIM_FAMILY_H7 && i == 0x0C / 4) {
    if (p->supply_configured)
      return; /* CR3: the supply configuration is written once after power-on */
    p->supply_configured = true;
    v &= ~(t->chip->is_h72x ? 0u : 1u << 2); /* H743: SCUEN clears */
  }
  p->pwr[i] = v;
}

static void pwr_reset(sim_target *t)
{
  sim_periph *p = &t->periph;
  memset(p->pwr, 0, sizeof p->pwr);
  p->vosf_until = 0;
  switch (t->chip->family->id) {
  case SIM_FAMILY_F4: /* VOS: scale 1 (RM0090 §5.4.1) */
    p->pwr[0] = has_overdrive(t) ? 0x0000C000 : 0x00004000;
    break;
  case SIM_FAMILY_G0: /* CR1: VOS range 1 (RM0444 §4.4.1) */
    p->pwr[0] = 0x00000208;
    break;
  case SIM_FAMILY_H7: /* CR3: LDO (and SCUEN on the H743); D3CR: VOS scale 3 */
    p->pwr[0x0C / 4] = t->chip->is_h72x ? 0x00000006 : 0x00000006;
    p->pwr[0x18 / 4] = 0x00004000;
    if (p->supply_configured)
      p->pwr[0x0C / 4] = p->supply_cr3;
    break;
  default:
    break;
  }
}

/* ---- the board's life ---- */

void board_reset(sim_target *t)
{
  sim_periph *p = &t->periph;
  if (p->supply_configured)
    p->supply_cr3 = p->pwr[0x0C / 4];
  memset(p->tim, 0, sizeof p->tim);
  for (int i = 0; i < SIM_TIMERS; i++) {
    p->tim[i].regs[TIM_ARR] = tim_max(t, i);
    p->tim[i].anchor = t->now;
  }
  p->iwdg_started = p->iwdg_unlocked = false;
  p->iwdg_seen = t->now;
  pwr_reset(t);
}

void board_power_on(sim_target *t)
{
  t->periph.supply_configured = false;
}

void board_clock_changed(sim_target *t)
{
  sim_ns now = target_time(t);
  for (int i = 0; i < SIM_TIMERS; i++) {
    tim_catch_up(t, i, now);
    tim_anchor(t, i, now);
  }
}

bool board_busy(const sim_target *t)
{
  const sim_periph *p = &t->periph;
  for (int i = 0; i < SIM_TIMERS; i++)
    if ((p->tim[i].regs[TIM_CR1] & CR1_CEN) || p->tim[i].hz)
      return true;
  return p->iwdg_started || p->vosf_until;
}

void board_update(sim_target *t)
{
  for (int i = 0; i < SIM_TIMERS; i++) {
    sim_timer *tm = &t->periph.tim[i];
    bool running = tim_running(t, i);
    if (running != (tm->hz != 0)) { /* started elsewhere, halted or resumed with a freeze bit */
      tim_catch_up(t, i, t->now);
      tim_anchor(t, i, t->now);
    }
    tim_apply_prescaler(t, i, t->now);
    tim_catch_up(t, i, t->now);
    tim_update_line(t, i);
  }
  iwdg_advance(t, t->now);
  if (t->periph.iwdg_started && t->periph.iwdg_left == 0) {
    target_system_reset(t, RESET_IWDG); /* RM0090 §21.3.2 */
  }
}

sim_ns board_next_event(const sim_target *t)
{
  sim_ns next = UINT64_MAX;
  for (int i = 0; i < SIM_TIMERS; i++) {
    sim_ns ev = tim_next_event(t, i);
    if (ev < next)
      next = ev;
  }
  const sim_periph *p = &t->periph;
  if (p->iwdg_started && !dbg_frozen(t, FREEZE_IWDG)) {
    sim_ns ev = p->iwdg_seen + p->iwdg_left;
    if (ev < next)
      next = ev;
  }
  sim_ns now = target_time(t);
  if (p->vosf_until > now && p->vosf_until < next)
    next = p->vosf_until;
  return next;
}

static uint32_t iwdg_base(const sim_target *t)
{
  return t->chip->family->iwdg ? t->chip->family->iwdg : 0x40003000;
}

bool board_read(sim_target *t, uint32_t addr, uint32_t *value)
{
  for (int i = 0; i < SIM_TIMERS; i++) {
    if (tim_irq(t, i) >= 0 && addr - tim_base[i] < 0x400) {
      *value = tim_read(t, i, (addr - tim_base[i]) / 4);
      return true;
    }
  }
  if (addr - iwdg_base(t) < 0x400) {
    unsigned i = (addr - iwdg_base(t)) / 4;
    *value = i == 0 || i >= 4 ? 0 : t->periph.iwdg[i];
    if (i == 3)
      *value = 0; /* SR: PVU, RVU: updates are done at once */
    return true;
  }
  if (pwr_modelled(t) && addr - pwr_base(t) < 0x80) {
    *value = pwr_read(t, (addr - pwr_base(t)) / 4);
    return true;
  }
  return false;
}

bool board_write(sim_target *t, uint32_t addr, uint32_t value, uint32_t mask)
{
  for (int i = 0; i < SIM_TIMERS; i++) {
    if (tim_irq(t, i) >= 0 && addr - tim_base[i] < 0x400) {
      tim_write(t, i, (addr - tim_base[i]) / 4, value, mask);
      return true;
    }
  }
  if (addr - iwdg_base(t) < 0x400) {
    iwdg_write(t, (addr - iwdg_base(t)) / 4, value, mask);
    return true;
  }
  if (pwr_modelled(t) && addr - pwr_base(t) < 0x80) {
    pwr_write(t, (addr - pwr_base(t)) / 4, value, mask);
    return true;
  }
  return false;
}
