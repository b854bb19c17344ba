/*
 * The private peripheral bus of the Cortex-M0+/M3/M4: system control space with
 * the debug registers (ARMv7-M ARM C1.6), FPB, DWT, ITM, TPIU, ETM, the STM32
 * DBGMCU and the ROM table that lets a debugger find them.
 */
#include "cortex_m.h"
#include "target.h"

#include <string.h>

#define PPB_ITM 0xE0000000u
#define PPB_DWT 0xE0001000u
#define PPB_FPB 0xE0002000u
#define PPB_SCS 0xE000E000u
#define PPB_TPIU 0xE0040000u
#define PPB_ETM 0xE0041000u
#define PPB_DBGMCU 0xE0042000u
#define PPB_ROM 0xE00FF000u

/* ---- CoreSight identification ---- */

typedef struct component_id {
  uint32_t base;
  uint8_t pidr[5]; /* PIDR0..PIDR4 */
  uint8_t cidr1;   /* component class in bits 7:4 */
} component_id;

/* ARM's JEP106 code (0x3B, continuation 4) with the Cortex-M3 r1p1 and
 * Cortex-M4 r0p1 part numbers; class 0xE generic IP, class 9 CoreSight. */
static const component_id m3_ids[] = {
    {PPB_SCS, {0x00, 0xB0, 0x0B, 0x00, 0x04}, 0xE0},  {PPB_ITM, {0x01, 0xB0, 0x3B, 0x00, 0x04}, 0xE0},
    {PPB_DWT, {0x02, 0xB0, 0x3B, 0x00, 0x04}, 0xE0},  {PPB_FPB, {0x03, 0xB0, 0x2B, 0x00, 0x04}, 0xE0},
    {PPB_TPIU, {0x23, 0xB9, 0x1B, 0x00, 0x04}, 0x90}, {PPB_ETM, {0x24, 0xB9, 0x3B, 0x00, 0x04}, 0x90},
};
static const component_id m4_ids[] = {
    {PPB_SCS, {0x0C, 0xB0, 0x0B, 0x00, 0x04}, 0xE0},  {PPB_ITM, {0x01, 0xB0, 0x3B, 0x00, 0x04}, 0xE0},
    {PPB_DWT, {0x02, 0xB0, 0x3B, 0x00, 0x04}, 0xE0},  {PPB_FPB, {0x03, 0xB0, 0x2B, 0x00, 0x04}, 0xE0},
    {PPB_TPIU, {0xA1, 0xB9, 0x0B, 0x00, 0x04}, 0x90}, {PPB_ETM, {0x25, 0xB9, 0x0B, 0x00, 0x04}, 0x90},
};

/* Cortex-M0+ r0p1: SCS, DWT and BPU only (ARMv6-M ARM C1.2; Cortex-M0+ TRM
 * §3.4); the G0 has no ITM, TPIU or ETM. */
static const component_id m0p_ids[] = {
    {PPB_SCS, {0x08, 0xB0, 0x0B, 0x00, 0x04}, 0xE0},
    {PPB_DWT, {0x0A, 0xB0, 0x0B, 0x00, 0x04}, 0xE0},
    {PPB_FPB, {0x0B, 0xB0, 0x0B, 0x00, 0x04}, 0xE0},
};
static const uint32_t rom_entries_v6m[] = {0xFFF0F003, 0xFFF02003, 0xFFF03003, 0};

/* ROM table entries, relative to the table, present (bit 0) in 32-bit format (bit 1). */
static const uint32_t rom_entries[] = {
    0xFFF0F003, /* SCS */
    0xFFF02003, /* DWT */
    0xFFF03003, /* FPB */
    0xFFF01003, /* ITM */
    0xFFF41003, /* TPIU */
    0xFFF42003, /* ETM */
    0,
};

uint32_t coresight_id(uint32_t block_base, uint32_t offset, const sim_chip *chip)
{
  uint8_t pidr[5], cidr1;
  if (block_base == PPB_ROM) {
    /* ST designs the ROM table: JEP106 0x20, part number = DEV_ID */
    uint32_t dev = chip->idcode & 0xFFF;
    pidr[0] = (uint8_t)dev;
    pidr[1] = (uint8_t)((dev >> 8) & 0xF);
    pidr[2] = 0x0A;
    pidr[3] = pidr[4] = 0;
    cidr1 = 0x10;
  } else {
    const component_id *ids = chip->armv6m ? m0p_ids : chip->has_fpu ? m4_ids : m3_ids;
    const component_id *c = NULL;
    for (int i = 0; i < (chip->armv6m ? 3 : 6); i++)
      if (ids[i].base == block_base)
        c = &ids[i];
    if (!c)
      return 0;
    memcpy(pidr, c->pidr, 5);
    cidr1 = c->cidr1;
  }
  switch (offset) {
  case 0xFD0:
    return pidr[4];
  case 0xFE0:
  case 0xFE4:
  case 0xFE8:
  case 0xFEC:
    return pidr[(offset - 0xFE0) / 4];
  case 0xFF0:
    return 0x0D;
  case 0xFF4:
    return cidr1;
  case 0xFF8:
    return 0x05;
  case 0xFFC:
    return 0xB1;
  default:
    return 0;
  }
}

static bool is_id_offset(uint32_t off)
{
  return off >= 0xFD0;
}

/* ---- DHCSR ---- */

uint32_t scs_dhcsr(sim_target *t, bool consume)
{
  sim_core *c = &t->core;
  uint32_t v = c->dhcsr_ctrl | S_REGRDY;
  if (c->state == CORE_HALTED)
    v |= S_HALT;
  if (c->state == CORE_SLEEPING || target_in_deep_sleep(t))
    v |= S_SLEEP;
  if (c->state == CORE_LOCKUP)
    v |= S_LOCKUP;
  if (c->s_retire)
    v |= S_RETIRE_ST;
  if (c->s_reset_st || c->state == CORE_IN_RESET)
    v |= S_RESET_ST;
  if (consume) {
    c->s_retire = false;
    c->s_reset_st = false;
  }
  return v;
}

static void dhcsr_write(sim_target *t, uint32_t value)
{
  sim_core *c = &t->core;
  if ((value & 0xFFFF0000u) != DBGKEY)
    return;
  uint32_t ctrl = value & (C_DEBUGEN | C_HALT | C_STEP | C_MASKINTS | C_SNAPSTALL);
  if (!(ctrl & C_DEBUGEN))
    ctrl = 0;
  c->dhcsr_ctrl = ctrl;
  switch (c->state) {
  case CORE_RUNNING:
  case CORE_SLEEPING:
  case CORE_LOCKUP:
    if (ctrl & C_HALT)
      core_halt(t, DFSR_HALTED);
    break;
  case CORE_HALTED:
    if (!(ctrl & C_HALT)) {
      if (ctrl & C_STEP)
        core_step(t);
      else
        core_resume(t);
    }
    break;
  case CORE_IN_RESET:
    break; /* a halt request is honoured when the reset ends */
  }
}

/* ---- FPB ---- */

/* FPB version 1: a comparator matches the half-words selected by REPLACE in
 * the code region below 0x20000000 (ARMv7-M ARM C1.11). */
static void fpb_recompute(sim_core *c)
{
  c->breakpoint_count = 0;
  if (!(c->fp_ctrl & 1))
    return;
  for (int i = 0; i < 6; i++) {
    uint32_t comp = c->fp_comp[i], base = comp & 0x1FFFFFFC;
    if (!(comp & 1))
      continue;
    if (comp & 0x40000000u)
      c->breakpoints[c->breakpoint_count++] = base;
    if (comp & 0x80000000u)
      c->breakpoints[c->breakpoint_count++] = base + 2;
  }
}

static void fpb_write(sim_target *t, uint32_t off, uint32_t value)
{
  sim_core *c = &t->core;
  if (off == 0x000) {
    if (value & 2) /* KEY must be written as 1 */
      c->fp_ctrl = value & 1;
  } else if (off == 0x004) {
    c->fp_remap = value & 0x1FFFFFE0;
  } else if (off >= 0x008 && off < 0x028) {
    c->fp_comp[(off - 8) / 4] = value & 0xDFFFFFFD;
  }
  fpb_recompute(c);
}

static uint32_t fpb_read(const sim_target *t, uint32_t off)
{
  const sim_core *c = &t->core;
  if (off == 0x000) /* 6 code and 2 literal comparators, FPB version 1; the M0+ BPU has 4 */
    return (t->chip->armv6m ? 0x040 : 0x260) | c->fp_ctrl;
  if (off == 0x004)
    return c->fp_remap;
  if (off >= 0x008 && off < 0x028)
    return c->fp_comp[(off - 8) / 4];
  return 0;
}

/* ---- DWT ---- */

/* CYCCNT counts the core's cycles while DWT_CTRL.CYCCNTENA and
 * DEMCR.TRCENA are set, and holds its value otherwise (ARMv7-M C1.8.8). */
static bool cyccnt_counting(const sim_core *c)
{
  return (c->dwt[0] & 1) && (c->demcr & DEMCR_TRCENA);
}

static uint32_t cyccnt(const sim_target *t)
{
  const sim_core *c = &t->core;
  if (!cyccnt_counting(c))
    return (uint32_t)c->dwt_cyccnt_frozen;
  return (uint32_t)(c->total_cycles - c->dwt_cyccnt_base);
}

/* Call before anything that may start or stop the counter. */
static void dwt_cyccnt_hold(sim_target *t, bool was_counting)
{
  sim_core *c = &t->core;
  if (was_counting)
    c->dwt_cyccnt_frozen = (uint32_t)(c->total_cycles - c->dwt_cyccnt_base);
  if (cyccnt_counting(c))
    c->dwt_cyccnt_base = c->total_cycles - (uint32_t)c->dwt_cyccnt_frozen;
}

static uint32_t dwt_read(sim_target *t, uint32_t off)
{
  sim_core *c = &t->core;
  if (off == 0x000) { /* four comparators (M0+: two, nothing else, ARMv6-M ARM C1.8) */
    if (t->chip->armv6m)
      return 0x20000000;
    return 0x40000000 | (c->dwt[0] & 0x0FFFFFFF);
  }
  if (off == 0x004) {
    core_note_side_effect(t);
    return cyccnt(t);
  }
  return off / 4 < 32 ? c->dwt[off / 4] : 0;
}

static void dwt_write(sim_target *t, uint32_t off, uint32_t value)
{
  sim_core *c = &t->core;
  bool was = cyccnt_counting(c);
  if (off == 0x004) {
    c->dwt_cyccnt_base = c->total_cycles - value;
    c->dwt_cyccnt_frozen = value;
  } else if (off / 4 < 32) {
    c->dwt[off / 4] = value;
    dwt_cyccnt_hold(t, was);
  }
}

/* ---- SCS ---- */

/* ---- Cortex-M7 level-1 caches (Arm DDI 0489 section 5, ARMv7-M ARM B2.2.7) ----
 * Only their state is modelled, not their contents: SCB_CCR.DC/IC, CSSELR,
 * CCSIDR (16 KiB each: D 4 ways x 128 sets, I 2 ways x 256 sets, 32-byte
 * lines) and the set/way clean of the D-cache. A D-cache switched on holds
 * dirty lines until every set and way has been cleaned (DCCISW). */
enum {
  CCR_DC = 1u << 16, CCR_IC = 1u << 17,
  CCSIDR_DCACHE = 0xF00FE019u, CCSIDR_ICACHE = 0xF01FE009u,
  DCACHE_LINES = 4 * 128,
};

static bool has_l1_caches(const sim_target *t)
{
  return ((t->chip->cpuid >> 4) & 0xFFFu) == 0xC27u;
}

void scs_ccr_write(sim_target *t, uint32_t value)
{
  sim_core *c = &t->core;
  uint32_t caches = has_l1_caches(t) ? CCR_DC | CCR_IC : 0;
  if ((value & caches & CCR_DC) && !(c->ccr & CCR_DC)) {
    c->dcache_dirty = true; /* from now on stores may sit in the cache only */
    c->dccisw_count = 0;
  }
  c->ccr = value & (0x31Bu | caches);
  if (caches)
    t->clock->report.cache_ccr = c->ccr & caches;
}

bool scs_cache_unsafe(const sim_target *t)
{
  const sim_core *c = &t->core;
  return has_l1_caches(t) && ((c->ccr & (CCR_DC | CCR_IC)) || c->dcache_dirty);
}

static bus_status scs_read(sim_target *t, uint32_t off, uint32_t *value)
{
  sim_core *c = &t->core;
  if (nvic_reg_read(t, off, value))
    return BUS_OK;
  switch (off) {
  case 0x004: /* ICTR: the interrupt lines in steps of 32 */
    *value = (uint32_t)(nvic_exception_count(t->chip) - 16) / 32 - 1;
    return BUS_OK;
  case 0xD00:
    *value = t->chip->cpuid;
    return BUS_OK;
  case 0xD08:
    *value = c->vtor;
    return BUS_OK;
  case 0xD0C:
    *value = 0xFA050000u | c->aircr_prigroup << 8;
    return BUS_OK;
  case 0xD10:
    *value = c->scr;
    return BUS_OK;
  case 0xD14:
    *value = c->ccr;
    return BUS_OK;
  case 0xD80:
    *value = !has_l1_caches(t) ? 0 : (c->csselr & 1) ? CCSIDR_ICACHE : CCSIDR_DCACHE;
    return BUS_OK;
  case 0xD84:
    *value = c->csselr;
    return BUS_OK;
  case 0xD28:
    *value = c->cfsr;
    return BUS_OK;
  case 0xD2C:
    *value = c->hfsr;
    return BUS_OK;
  case 0xD30:
    *value = c->dfsr;
    return BUS_OK;
  case 0xD34:
    *value = c->mmfar;
    return BUS_OK;
  case 0xD38:
    *value = c->bfar;
    return BUS_OK;
  case 0xD88:
    *value = t->chip->has_fpu ? c->cpacr : 0;
    return BUS_OK;
  case 0xDF0:
    *value = scs_dhcsr(t, true);
    return BUS_OK;
  case 0xDF4: /* DCRSR is write only */
    *value = 0;
    return BUS_OK;
  case 0xDF8:
    *value = c->dcrdr;
    return BUS_OK;
  case 0xDFC:
    *value = c->demcr;
    return BUS_OK;
  case 0xF34:
    *value = t->chip->has_fpu ? c->fpccr : 0;
    return BUS_OK;
  default:
    break;
  }
  if (is_id_offset(off)) {
    *value = coresight_id(PPB_SCS, off, t->chip);
    return BUS_OK;
  }
  *value = off < 0x400 ? c->scs_store[off / 4] : 0;
  return BUS_OK;
}

static void aircr_write(sim_target *t, bus_master m, uint32_t value)
{
  sim_core *c = &t->core;
  if ((value & 0xFFFF0000u) != AIRCR_KEY)
    return;
  c->aircr_prigroup = (value >> 8) & 7;
  if (!(value & (AIRCR_SYSRESETREQ_BIT | AIRCR_VECTRESET_BIT)))
    return;
  bool system = (value & AIRCR_SYSRESETREQ_BIT) != 0;
  if (m == MASTER_CPU) {
    c->reset_request = system ? 1 : 2; /* taken once the instruction completes */
    c->stop_pending = true;
  } else if (system) {
    target_system_reset(t, RESET_SOFTWARE);
  } else {
    core_reset(t, false);
  }
}

static void scs_write(sim_target *t, bus_master m, uint32_t off, uint32_t value, uint32_t mask)
{
  sim_core *c = &t->core;
  uint32_t v = value & mask;
  if (nvic_reg_write(t, m, off, value, mask))
    return;
  switch (off) {
  case 0xD08:
    c->vtor = value & 0x3FFFFF80;
    return;
  case 0xD0C:
    aircr_write(t, m, value);
    return;
  case 0xD10:
    c->scr = value & 0x16;
    if (c->in_run)
      c->stop_pending = true; /* SEVONPEND, SLEEPONEXIT */
    return;
  case 0xD14:
    scs_ccr_write(t, value);
    return;
  case 0xD84:
    c->csselr = has_l1_caches(t) ? value & 1 : 0;
    return;
  case 0xF74: /* DCCISW: clean and invalidate one set/way */
    if (has_l1_caches(t) && c->dcache_dirty &&
        ++c->dccisw_count >= DCACHE_LINES)
      c->dcache_dirty = false;
    return;
  case 0xD28:
    c->cfsr &= ~v;
    return;
  case 0xD2C:
    c->hfsr &= ~v;
    return;
  case 0xD30:
    c->dfsr &= ~v;
    return;
  case 0xD34:
    c->mmfar = value;
    return;
  case 0xD38:
    c->bfar = value;
    return;
  case 0xD88:
    c->cpacr = value & 0x00F00000;
    return;
  case 0xDF0:
    if (m == MASTER_DEBUG)
      dhcsr_write(t, value);
    return;
  case 0xDF4:
    if (m != MASTER_DEBUG)
      return;
    if (value & DCRSR_WRITE)
      core_reg_write(t, value & 0x7F, c->dcrdr);
    else
      c->dcrdr = core_reg_read(t, value & 0x7F);
    return;
  case 0xDF8:
    c->dcrdr = value;
    return;
  case 0xDFC: {
    bool was = cyccnt_counting(c);
    c->demcr = value & DEMCR_MASK;
    dwt_cyccnt_hold(t, was);
    return;
  }
  case 0xF34:
    c->fpccr = (value & 0xC00001FF);
    return;
  default:
    break;
  }
  if (off < 0x400)
    c->scs_store[off / 4] = (c->scs_store[off / 4] & ~mask) | v;
}

/* ---- dispatch ---- */

static uint32_t *component_store(sim_target *t, uint32_t addr)
{
  if (t->chip->armv6m)
    return NULL; /* no ITM, TPIU or ETM */
  static const uint32_t bases[3] = {PPB_ITM, PPB_TPIU, PPB_ETM};
  for (int i = 0; i < 3; i++)
    if (addr >= bases[i] && addr < bases[i] + 0x1000)
      return &t->core.components[i][(addr - bases[i]) / 4];
  return NULL;
}

bus_status ppb_read(sim_target *t, uint32_t addr, uint32_t *value)
{
  uint32_t block = addr & ~0xFFFu, off = addr & 0xFFF;
  *value = 0;
  if (block == PPB_SCS)
    return scs_read(t, off, value);
  if (block == PPB_DBGMCU && !t->chip->armv6m) /* the M0+ has none there */
    return dbgmcu_read(t, off, value);
  if (block == PPB_ROM) {
    const uint32_t *entries = t->chip->armv6m ? rom_entries_v6m : rom_entries;
    size_t n = t->chip->armv6m ? sizeof rom_entries_v6m / 4 : sizeof rom_entries / 4;
    if (is_id_offset(off))
      *value = coresight_id(PPB_ROM, off, t->chip);
    else if (off == 0xFCC)
      *value = 1; /* MEMTYPE: system memory present on this bus */
    else if (off / 4 < n)
      *value = entries[off / 4];
    return BUS_OK;
  }
  if (block == PPB_FPB) {
    *value = is_id_offset(off) ? coresight_id(block, off, t->chip) : fpb_read(t, off);
    return BUS_OK;
  }
  if (block == PPB_DWT) {
    *value = is_id_offset(off) ? coresight_id(block, off, t->chip) : dwt_read(t, off);
    return BUS_OK;
  }
  uint32_t *w = component_store(t, addr);
  if (!w)
    return BUS_ERROR;
  if (is_id_offset(off))
    *value = coresight_id(block, off, t->chip);
  else if (block == PPB_ITM && off < 0x80)
    *value = 1; /* stimulus port FIFO ready */
  else if (block == PPB_TPIU && off == 0)
    *value = 0xF; /* supported port sizes 1-4 */
  else
    *value = *w;
  return BUS_OK;
}

bus_status ppb_write(sim_target *t, bus_master m, uint32_t addr, uint32_t value, uint32_t mask)
{
  uint32_t block = addr & ~0xFFFu, off = addr & 0xFFF;
  if (block == PPB_SCS) {
    scs_write(t, m, off, value, mask);
    return BUS_OK;
  }
  if (block == PPB_DBGMCU && !t->chip->armv6m) {
    uint32_t old = 0;
    dbgmcu_read(t, off, &old);
    return dbgmcu_write(t, off, (old & ~mask) | (value & mask));
  }
  if (block == PPB_ROM)
    return BUS_OK;
  if (block == PPB_FPB) {
    fpb_write(t, off, value);
    return BUS_OK;
  }
  if (block == PPB_DWT) {
    dwt_write(t, off, value);
    return BUS_OK;
  }
  uint32_t *w = component_store(t, addr);
  if (!w)
    return BUS_ERROR;
  *w = (*w & ~mask) | (value & mask);
  return BUS_OK;
}
