/*
 * The peripherals a flash tool or a rescue can touch: the clock tree (RCC,
 * with the PLL so that a client enabling it gets the faster CPU rate of the
 * timing model §3), DBGMCU and the GPIO/AFIO bits that decide whether PA13/PA14
 * still carry SWD (timers, watchdog and PWR: board.c). Every other register in the
 * peripheral windows is plain storage, so that tools may save and restore
 * anything (e.g. st-flash clearing the DMA enables) without faulting.
 */
#include "target.h"

#include <string.h>

enum {
  RCC_CR = 0x00 / 4,
  RCC_CR_HSEON = 1u << 16,
  RCC_CR_HSERDY = 1u << 17,
  RCC_CR_PLLON = 1u << 24,
  RCC_CR_PLLRDY = 1u << 25,
  RCC_CR_PLLI2SON = 1u << 26,
  RCC_CR_PLLSAION = 1u << 28,
};

/* Register indexes of the RCC that differ between the families. */
typedef struct rcc_layout {
  unsigned cfgr, pllcfgr, csr;
  struct {
    unsigned index;
    uint32_t value;
  } resets[8];
} rcc_layout;

static const rcc_layout rcc_f1 = {
    .cfgr = 0x04 / 4,
    .pllcfgr = 0,
    .csr = 0x24 / 4,
    /* RM0008 §7.3: CR (HSITRIM 16, HSION, HSIRDY), AHBENR (SRAM, FLITF clocks) */
    .resets = {{0x00 / 4, 0x00000083}, {0x14 / 4, 0x00000014}},
};

static const rcc_layout rcc_f4 = {
    .cfgr = 0x08 / 4,
    .pllcfgr = 0x04 / 4,
    .csr = 0x74 / 4,
    /* RM0090 §7.3: CR, PLLCFGR, AHB1ENR (CCM data RAM clock) */
    .resets = {{0x00 / 4, 0x00000083}, {0x04 / 4, 0x24003010}, {0x30 / 4, 0x00100000}},
};

static const rcc_layout rcc_g0 = {
    .cfgr = 0x08 / 4,
    .pllcfgr = 0x0C / 4,
    .csr = 0x60 / 4,
    /* RM0444 §5.4: CR (HSION, HSIRDY), ICSCR, PLLCFGR (PLLN = 8) */
    .resets = {{0x00 / 4, 0x00000500}, {0x04 / 4, 0x00004000}, {0x0C / 4, 0x00001000}},
};

static bool is_g0(const sim_target *t)
{
  return t->chip->family->id == SIM_FAMILY_G0;
}

/* RM0433 §8.7 / RM0468 §8.7: CR (HSION, HSIRDY, HSIDIVF, D1/D2 clocks
 * ready), CFGR at 0x10, RSR at 0xD0. The D2 SRAM enables of AHB2ENR (0xDC,
 * bits 29-31) are 0 after reset. */
static const rcc_layout rcc_h7 = {
    .cfgr = 0x10 / 4,
    .pllcfgr = 0,
    .csr = 0xD0 / 4,
    .resets = {{0x00 / 4, 0x0000C025}},
};

static bool is_h7(const sim_target *t)
{
  return t->chip->family->id == SIM_FAMILY_H7;
}

static const rcc_layout *rcc_of(const sim_target *t)
{
  if (is_h7(t))
    return &rcc_h7;
  if (is_g0(t))
    return &rcc_g0;
  return t->chip->family->id == SIM_FAMILY_F1 ? &rcc_f1 : &rcc_f4;
}

/* RCC_CSR reset flags (F1, F4, G0): PINRSTF 26, PORRSTF/PWRRSTF 27, SFTRSTF
 * 28; the G0 adds OBLRSTF 25 (RM0444 §5.4.20); the pin flag comes with every
 * reset, the chip drives NRST low itself. H7 RCC_RSR: PINRSTF 22, PORRSTF 23,
 * SFTRSTF 24. */
static uint32_t reset_flags(const sim_target *t, reset_cause cause)
{
  if (cause == RESET_IWDG) /* IWDGRSTF: H7 RSR IWDG1RSTF bit 26, else CSR bit 29 */
    return is_h7(t) ? (1u << 22) | (1u << 26) : (1u << 26) | (1u << 29);
  if (is_h7(t))
    return cause == RESET_POWER      ? (1u << 22) | (1u << 23)
           : cause == RESET_SOFTWARE ? (1u << 22) | (1u << 24)
                                     : 1u << 22;
  switch (cause) {
  case RESET_POWER:
    return (1u << 26) | (1u << 27);
  case RESET_SOFTWARE:
    return (1u << 26) | (1u << 28);
  case RESET_OPTION_LOAD:
    return (1u << 26) | (1u << 25);
  default:
    return 1u << 26;
  }
}

static void gpio_reset(sim_target *t)
{
  memset(t->periph.gpio, 0, sizeof t->periph.gpio);
  if (t->chip->family->id == SIM_FAMILY_F1) {
    for (int p = 0; p < 11; p++)
      t->periph.gpio[p][0] = t->periph.gpio[p][1] = 0x44444444; /* floating inputs */
  } else if (is_g0(t)) {
    /* RM0444 §7.4: analog mode except PA13 (SWDIO) and PA14 (SWCLK-BOOT0) */
    for (int p = 0; p < 6; p++)
      t->periph.gpio[p][0] = 0xFFFFFFFF;
    t->periph.gpio[0][0] = 0xEBFFFFFF;
    t->periph.gpio[0][2] = 0x0C000000;
    t->periph.gpio[0][3] = 0x24000000;
  } else {
    /* RM0090 §8.4: PA13/PA14/PA15 and PB3/PB4 start in their debug function */
    t->periph.gpio[0][0] = 0xA8000000;
    t->periph.gpio[0][2] = 0x0C000000;
    t->periph.gpio[0][3] = 0x64000000;
    t->periph.gpio[1][0] = 0x00000280;
    t->periph.gpio[1][2] = 0x000000C0;
    t->periph.gpio[1][3] = 0x00000100;
  }
  memset(t->periph.afio, 0, sizeof t->periph.afio);
  t->periph.swd_pins_off = false;
}

void periph_reset(sim_target *t, reset_cause cause)
{
  const rcc_layout *l = rcc_of(t);
  uint32_t flags = t->periph.rcc[l->csr] & (is_h7(t) ? 0x01FE0000u : 0xFE000000u);
  memset(t->periph.rcc, 0, sizeof t->periph.rcc);
  for (int i = 0; i < 8 && l->resets[i].value; i++)
    t->periph.rcc[l->resets[i].index] = l->resets[i].value;
  t->periph.rcc[l->csr] = flags | reset_flags(t, cause);
  gpio_reset(t);
  memset(t->periph.iwdg, 0, sizeof t->periph.iwdg);
  t->periph.iwdg[2] = 0xFFF; /* RLR */
  board_reset(t);
  if (t->periph.stub)
    memset(t->periph.stub, 0, t->periph.stub_size);
}

void periph_power_on(sim_target *t)
{
  t->periph.dbgmcu_cr = t->periph.dbgmcu_apb1 = t->periph.dbgmcu_apb2 = 0;
  memset(t->periph.dbgmcu_h7, 0, sizeof t->periph.dbgmcu_h7);
  t->periph.rcc[rcc_of(t)->csr] = 0;
  board_power_on(t);
}

static uint32_t ahb_divider(uint32_t cfgr)
{
  uint32_t hpre = (cfgr >> 4) & 0xF;
  static const uint16_t div[8] = {2, 4, 8, 16, 64, 128, 256, 512};
  return hpre & 8 ? div[hpre & 7] : 1;
}

static uint32_t sysclk_f1(const sim_target *t, uint32_t cfgr)
{
  uint32_t hsi = t->chip->family->hsi_hz, hse = t->chip->hse_hz;
  switch ((cfgr >> 2) & 3) {
  case 1:
    return hse;
  case 2: {
    uint32_t src = cfgr & (1u << 16) ? hse / (cfgr & (1u << 17) ? 2 : 1) : hsi / 2;
    uint32_t mul = ((cfgr >> 18) & 0xF) + 2;
    return src * (mul > 16 ? 16 : mul);
  }
  default:
    return hsi;
  }
}

static uint32_t sysclk_f4(const sim_target *t, uint32_t cfgr)
{
  uint32_t hsi = t->chip->family->hsi_hz, hse = t->chip->hse_hz;
  uint32_t pll = t->periph.rcc[rcc_f4.pllcfgr];
  uint32_t sws = (cfgr >> 2) & 3;
  if (sws == 0)
    return hsi;
  if (sws == 1)
    return hse;
  uint32_t m = pll & 0x3F, n = (pll >> 6) & 0x1FF;
  uint32_t div = sws == 2 ? 2 * (((pll >> 16) & 3) + 1) : (pll >> 28) & 7;
  if (m < 2 || n < 2 || div < 2)
    return hsi; /* invalid configuration: RM0090 forbids it; keep running */
  uint64_t vco = (uint64_t)(pll & (1u << 22) ? hse : hsi) * n / m;
  return (uint32_t)(vco / div);
}

/* RM0444 §5.2: SW/SWS [2:0]/[5:3]: HSISYS (HSI16 / HSIDIV), HSE, PLLRCLK;
 * PLLRCLK = source x PLLN / PLLM / PLLR; HPRE in CFGR[11:8]. */
static uint32_t core_hz_g0(const sim_target *t)
{
  const uint32_t *rcc = t->periph.rcc;
  uint32_t cfgr = rcc[rcc_g0.cfgr], pll = rcc[rcc_g0.pllcfgr];
  uint32_t hsi = t->chip->family->hsi_hz, sys;
  switch ((cfgr >> 3) & 7) {
  case 1:
    sys = t->chip->hse_hz;
    break;
  case 2: {
    uint32_t src = (pll & 3) == 3 ? t->chip->hse_hz : hsi;
    uint32_t m = ((pll >> 4) & 7) + 1, n = (pll >> 8) & 0x7F, r = ((pll >> 29) & 7) + 1;
    sys = n < 8 || r < 2 ? hsi : (uint32_t)((uint64_t)src * n / m / r);
    break;
  }
  case 3:
  case 4:
    sys = 32768; /* LSI/LSE: not what a flash tool selects, but honest */
    break;
  default:
    sys = hsi >> ((rcc[0] >> 11) & 7);
    break;
  }
  uint32_t hz = sys / ahb_divider(cfgr >> 4);
  return hz ? hz : 1;
}

/* H7 (RM0433 §8.5, §8.7.2-8.7.12; RM0468 the same offsets): sys_ck is
 * CFGR.SWS: HSI (64 MHz >> CR.HSIDIV), CSI (4 MHz), HSE or pll1_p_ck;
 * pll1_p_ck = ref / DIVM1 x (DIVN1 + 1) / (DIVP1 + 1) with ref from
 * PLLCKSELR.PLLSRC (HSI, CSI, HSE; the fractional part is ignored). The
 * core runs at sys_ck / D1CFGR.D1CPRE (RM0468: CDCFGR1.CDCPRE). */
enum {
  H7_PLLCKSELR = 0x28 / 4,
  H7_PLL1DIVR = 0x30 / 4,
  H7_D1CFGR = 0x18 / 4,
  H7_CSI_HZ = 4000000,
};

static uint32_t h7_pll1_p(const sim_target *t, uint32_t hsi)
{
  const uint32_t *rcc = t->periph.rcc;
  uint32_t sel = rcc[H7_PLLCKSELR], div = rcc[H7_PLL1DIVR];
  uint32_t src = sel & 3, m = (sel >> 4) & 0x3F;
  uint32_t n = (div & 0x1FF) + 1, p = ((div >> 9) & 0x7F) + 1;
  if (src == 3 || m == 0 || n < 4)
    return 0; /* no reference: the PLL does not run */
  uint32_t ref = src == 0 ? hsi : src == 1 ? H7_CSI_HZ : t->chip->hse_hz;
  return (uint32_t)((uint64_t)ref / m * n / p);
}

static uint32_t core_hz_h7(const sim_target *t)
{
  const uint32_t *rcc = t->periph.rcc;
  uint32_t sws = (rcc[rcc_h7.cfgr] >> 3) & 7;
  uint32_t hsi = t->chip->family->hsi_hz >> ((rcc[RCC_CR] >> 3) & 3), sys;
  switch (sws) {
  case 1:
    sys = H7_CSI_HZ;
    break;
  case 2:
    sys = t->chip->hse_hz;
    break;
  case 3:
    sys = h7_pll1_p(t, hsi);
    break;
  default:
    sys = hsi;
    break;
  }
  if (!sys)
    sys = hsi;
  uint32_t hz = sys / ahb_divider(rcc[H7_D1CFGR] >> 4); /* D1CPRE: bits 11:8 */
  return hz ? hz : 1;
}

uint32_t periph_core_hz(const sim_target *t)
{
  if (is_g0(t))
    return core_hz_g0(t);
  if (is_h7(t))
    return core_hz_h7(t);
  uint32_t cfgr = t->periph.rcc[rcc_of(t)->cfgr];
  uint32_t sys = t->chip->family->id == SIM_FAMILY_F1 ? sysclk_f1(t, cfgr) : sysclk_f4(t, cfgr);
  uint32_t hz = sys / ahb_divider(cfgr);
  return hz ? hz : 1;
}

/* G0 RCC: ready bits follow their enables at once; SWS follows a ready SW;
 * CSR.RMVF is bit 23 (RM0444 §5.4). */
static void rcc_write_g0(sim_target *t, unsigned idx, uint32_t value, uint32_t mask)
{
  uint32_t *rcc = t->periph.rcc;
  uint32_t v = (rcc[idx] & ~mask) | (value & mask);
  if (idx == RCC_CR) {
    uint32_t ready = ((v >> 8) & 1u) << 10 | (v & RCC_CR_HSEON) << 1 | (v & RCC_CR_PLLON) << 1;
    v = (v & ~((1u << 10) | RCC_CR_HSERDY | RCC_CR_PLLRDY)) | ready;
  } else if (idx == rcc_g0.cfgr) {
    uint32_t sw = v & 7, cr = rcc[RCC_CR];
    bool ready = sw == 0 || (sw == 1 && (cr & RCC_CR_HSERDY)) || (sw == 2 && (cr & RCC_CR_PLLRDY));
    uint32_t sws = ready ? sw : (rcc[idx] >> 3) & 7;
    v = (v & ~0x38u) | (sws << 3);
  } else if (idx == rcc_g0.csr) {
    if (v & (1u << 23))
      v &= 0x00FFFFFFu;
    v = (v & ~(1u << 23)) | ((v & 1u) << 1);
  }
  rcc[idx] = v;
}

/* H7 RCC_CR: each oscillator's RDY bit follows its ON bit at once; CFGR.SWS
 * follows SW when the source is ready. */
static void rcc_write_h7(sim_target *t, unsigned idx, uint32_t value, uint32_t mask)
{
  uint32_t *reg = &t->periph.rcc[idx];
  uint32_t v = (*reg & ~mask) | (value & mask);
  if (idx == RCC_CR) {
    static const uint8_t on_rdy[][2] = {{0, 2}, {7, 8}, {12, 13}, {16, 17}, {24, 25}, {26, 27}, {28, 29}};
    for (size_t i = 0; i < sizeof on_rdy / sizeof on_rdy[0]; i++)
      v = (v & ~(1u << on_rdy[i][1])) | (((v >> on_rdy[i][0]) & 1u) << on_rdy[i][1]);
    *reg = v | 0xC000u; /* D1CKRDY, D2CKRDY */
  } else if (idx == rcc_h7.cfgr) {
    uint32_t sw = v & 7, cr = t->periph.rcc[RCC_CR];
    static const uint8_t rdy[4] = {2, 8, 17, 25}; /* HSI, CSI, HSE, PLL1 */
    uint32_t sws = sw < 4 && ((cr >> rdy[sw]) & 1u) ? sw : (*reg >> 3) & 7;
    *reg = (v & ~0x38u) | (sws << 3);
  } else if (idx == rcc_h7.csr) {
    *reg = v & (1u << 16) ? v & 0x0000FFFFu & ~(1u << 16) : (*reg & ~(1u << 16)); /* RMVF */
  } else {
    *reg = v;
  }
}

static void rcc_write(sim_target *t, unsigned idx, uint32_t value, uint32_t mask)
{
  const rcc_layout *l = rcc_of(t);
  uint32_t *reg = &t->periph.rcc[idx];
  uint32_t old_hz = periph_core_hz(t);
  if (is_h7(t)) {
    rcc_write_h7(t, idx, value, mask);
    if (periph_core_hz(t) != old_hz)
      core_clock_changed(t);
    board_clock_changed(t);
    return;
  }
  if (is_g0(t)) {
    rcc_write_g0(t, idx, value, mask);
  } else if (idx == RCC_CR) {
    uint32_t v = (*reg & ~mask) | (value & mask);
    /* oscillators and PLLs lock at once: each READY bit follows its ON bit */
    uint32_t ready = ((v & 1u) << 1) | ((v & RCC_CR_HSEON) << 1) | ((v & RCC_CR_PLLON) << 1) |
                     ((v & RCC_CR_PLLI2SON) << 1) | ((v & RCC_CR_PLLSAION) << 1);
    uint32_t ready_bits = 2u | RCC_CR_HSERDY | RCC_CR_PLLRDY | (RCC_CR_PLLI2SON << 1) |
                          (RCC_CR_PLLSAION << 1);
    *reg = (v & ~ready_bits) | ready;
  } else if (idx == l->cfgr) {
    uint32_t v = (*reg & ~mask) | (value & mask);
    uint32_t sw = v & 3, cr = t->periph.rcc[RCC_CR];
    bool ready = sw == 0 || (sw == 1 && (cr & RCC_CR_HSERDY)) || (sw >= 2 && (cr & RCC_CR_PLLRDY));
    uint32_t sws = ready ? sw : (*reg >> 2) & 3;
    *reg = (v & ~0xCu) | (sws << 2);
  } else if (idx == l->csr) {
    uint32_t v = (*reg & ~mask) | (value & mask);
    if (v & (1u << 24)) /* RMVF */
      v &= 0x00FFFFFFu;
    *reg = (v & ~(1u << 24)) | ((v & 1u) << 1); /* LSIRDY follows LSION */
  } else {
    *reg = (*reg & ~mask) | (value & mask);
  }
  if (idx == RCC_CR && !is_g0(t)) { /* switching a running source off falls back to HSI (CSS-like) */
    uint32_t *cfgr = &t->periph.rcc[l->cfgr];
    uint32_t sws = (*cfgr >> 2) & 3, cr = *reg;
    if ((sws == 1 && !(cr & RCC_CR_HSERDY)) || (sws >= 2 && !(cr & RCC_CR_PLLRDY)))
      *cfgr &= ~0xFu;
  }
  if (periph_core_hz(t) != old_hz)
    core_clock_changed(t);
  board_clock_changed(t); /* the APB prescalers drive the timers */
}

/* ---- GPIO / AFIO: is SWD still on PA13/PA14? ---- */

static void check_swd_pins(sim_target *t)
{
  if (t->chip->family->id == SIM_FAMILY_F1) {
    /* RM0008 §9.4.2: SWJ_CFG = 100 turns JTAG-DP and SW-DP off */
    t->periph.swd_pins_off = ((t->periph.afio[1] >> 24) & 7) == 4;
    return;
  }
  /* F4: PA13 (SWDIO) and PA14 (SWCLK) must stay in alternate function 0 */
  uint32_t moder = t->periph.gpio[0][0], afrh = t->periph.gpio[0][9];
  bool af = ((moder >> 26) & 3) == 2 && ((moder >> 28) & 3) == 2;
  bool af0 = ((afrh >> 20) & 0xF) == 0 && ((afrh >> 24) & 0xF) == 0;
  t->periph.swd_pins_off = !(af && af0);
}

static bool gpio_port(const sim_target *t, uint32_t addr, unsigned *port, unsigned *reg)
{
  uint32_t base = t->chip->family->gpioa;
  /* GPIOA-G, GPIOA-F, GPIOA-K */
  uint32_t ports = t->chip->family->id == SIM_FAMILY_F1 ? 7 : is_g0(t) ? 6 : 11;
  if (!base)
    return false;
  if (addr < base || addr >= base + ports * 0x400)
    return false;
  *port = (addr - base) / 0x400;
  *reg = ((addr - base) % 0x400) / 4;
  return *reg < 10;
}

static uint32_t gpio_read(const sim_target *t, unsigned port, unsigned reg)
{
  const uint32_t *g = t->periph.gpio[port];
  bool f1 = t->chip->family->id == SIM_FAMILY_F1;
  unsigned idr = f1 ? 2 : 4, odr = f1 ? 3 : 5;
  if (reg == idr) /* inputs read what the pins are driven to; nothing else drives them */
    return g[odr] & 0xFFFF;
  if ((f1 && (reg == 4 || reg == 5)) || (!f1 && reg == 6)) /* BSRR, BRR: write only */
    return 0;
  return g[reg];
}

static void gpio_write(sim_target *t, unsigned port, unsigned reg, uint32_t value, uint32_t mask)
{
  uint32_t *g = t->periph.gpio[port];
  bool f1 = t->chip->family->id == SIM_FAMILY_F1;
  unsigned idr = f1 ? 2 : 4, odr = f1 ? 3 : 5, bsrr = f1 ? 4 : 6;
  value &= mask;
  if (reg == idr)
    return;
  if (reg == bsrr) {
    g[odr] = (g[odr] & ~(value >> 16)) | (value & 0xFFFF);
  } else if (f1 && reg == 5) { /* BRR */
    g[odr] &= ~(value & 0xFFFF);
  } else {
    g[reg] = (g[reg] & ~mask) | value;
  }
  if (port == 0)
    check_swd_pins(t);
}

/* ---- DBGMCU (0xE0042000; G0: DBG at 0x40015800), reset by power-on only ---- */

/* H7 DBGMCU (RM0433 §60.5.8): IDC 0x00, CR 0x04, then the freeze registers
 * (APB3FZ1 0x34, APB1LFZ1 0x3C, APB1HFZ1 0x44, APB2FZ1 0x4C, APB4FZ1 0x54). */
static bus_status dbgmcu_h7(sim_target *t, uint32_t off, uint32_t *value, bool write)
{
  if (off >= 0x80)
    return BUS_ERROR;
  uint32_t *reg = off == 0x04 ? &t->periph.dbgmcu_cr : &t->periph.dbgmcu_h7[off / 4];
  if (off == 0x00) {
    if (!write)
      *value = t->chip->idcode;
    return BUS_OK;
  }
  if (write)
    *reg = *value;
  else
    *value = *reg;
  return BUS_OK;
}

bus_status dbgmcu_read(sim_target *t, uint32_t off, uint32_t *value)
{
  bool f4 = t->chip->family->id != SIM_FAMILY_F1 || t->chip->family->apb_freeze; /* G0 DBG_APB_FZ1/FZ2, F0, F3 as F4 */
  if (is_h7(t))
    return dbgmcu_h7(t, off, value, false);
  switch (off) {
  case 0x00:
    *value = t->chip->idcode;
    return BUS_OK;
  case 0x04:
    *value = t->periph.dbgmcu_cr;
    return BUS_OK;
  case 0x08:
    *value = f4 ? t->periph.dbgmcu_apb1 : 0;
    return f4 ? BUS_OK : BUS_ERROR;
  case 0x0C:
    *value = f4 ? t->periph.dbgmcu_apb2 : 0;
    return f4 ? BUS_OK : BUS_ERROR;
  default:
    *value = 0;
    return BUS_ERROR;
  }
}

bus_status dbgmcu_write(sim_target *t, uint32_t off, uint32_t value)
{
  bool f4 = t->chip->family->id != SIM_FAMILY_F1 || t->chip->family->apb_freeze;
  if (is_h7(t))
    return dbgmcu_h7(t, off, &value, true);
  switch (off) {
  case 0x00:
    return BUS_OK; /* read only */
  case 0x04:
    t->periph.dbgmcu_cr = value;
    return BUS_OK;
  case 0x08:
    t->periph.dbgmcu_apb1 = value;
    return f4 ? BUS_OK : BUS_ERROR;
  case 0x0C:
    t->periph.dbgmcu_apb2 = value;
    return f4 ? BUS_OK : BUS_ERROR;
  default:
    return BUS_ERROR;
  }
}

/* ---- dispatch ---- */

static uint32_t *stub_word(sim_target *t, uint32_t addr)
{
  uint32_t off = 0;
  const sim_family *fam = t->chip->family;
  for (int i = 0; i < SIM_PERIPH_WINDOWS && fam->periph_windows[i][1]; i++) {
    if (addr >= fam->periph_windows[i][0] && addr < fam->periph_windows[i][1])
      return (uint32_t *)(void *)(t->periph.stub + off + (addr - fam->periph_windows[i][0]));
    off += fam->periph_windows[i][1] - fam->periph_windows[i][0];
  }
  return NULL;
}

static bool in_block(uint32_t addr, uint32_t base)
{
  return base && addr >= base && addr < base + 0x400;
}

bus_status periph_read(sim_target *t, uint32_t addr, uint32_t *value)
{
  const sim_family *fam = t->chip->family;
  unsigned port, reg;
  *value = 0;
  if (board_read(t, addr, value))
    return BUS_OK;
  if (in_block(addr, fam->dbgmcu))
    return dbgmcu_read(t, addr - fam->dbgmcu, value);
  if (in_block(addr, fam->flash_regs))
    return fam->flash->reg_read(t, addr - fam->flash_regs, value);
  if (in_block(addr, fam->rcc)) {
    *value = t->periph.rcc[(addr - fam->rcc) / 4 % 64];
    return BUS_OK;
  }
  if (gpio_port(t, addr, &port, &reg)) {
    *value = gpio_read(t, port, reg);
    return BUS_OK;
  }
  if (in_block(addr, fam->afio)) {
    unsigned i = (addr - fam->afio) / 4;
    /* SWJ_CFG is write only (RM0008 §9.4.2) */
    *value = i < 8 ? t->periph.afio[i] & (i == 1 ? ~0x07000000u : ~0u) : 0;
    return BUS_OK;
  }
  uint32_t *w = stub_word(t, addr);
  if (!w)
    return BUS_ERROR;
  *value = *w;
  return BUS_OK;
}

bus_status periph_write(sim_target *t, bus_master m, uint32_t addr, uint32_t value,
                        uint32_t mask)
{
  const sim_family *fam = t->chip->family;
  unsigned port, reg;
  (void)m;
  if (board_write(t, addr, value, mask))
    return BUS_OK;
  if (in_block(addr, fam->dbgmcu)) {
    uint32_t old = 0;
    if (dbgmcu_read(t, addr - fam->dbgmcu, &old) != BUS_OK)
      return BUS_ERROR;
    return dbgmcu_write(t, addr - fam->dbgmcu, (old & ~mask) | (value & mask));
  }
  if (in_block(addr, fam->flash_regs))
    return fam->flash->reg_write(t, m, addr - fam->flash_regs, value, mask);
  if (in_block(addr, fam->rcc)) {
    rcc_write(t, (addr - fam->rcc) / 4 % 64, value, mask);
    return BUS_OK;
  }
  if (gpio_port(t, addr, &port, &reg)) {
    gpio_write(t, port, reg, value, mask);
    return BUS_OK;
  }
  if (in_block(addr, fam->afio)) {
    unsigned i = (addr - fam->afio) / 4;
    if (i < 8) {
      t->periph.afio[i] = (t->periph.afio[i] & ~mask) | (value & mask);
      check_swd_pins(t);
    }
    return BUS_OK;
  }
  uint32_t *w = stub_word(t, addr);
  if (!w)
    return BUS_ERROR;
  *w = (*w & ~mask) | (value & mask);
  return BUS_OK;
}
