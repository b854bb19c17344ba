/*
 * A test application: the family's usual clock setup (HSE or HSI through
 * the PLL, flash wait states, the regulator's ready bits), then SysTick at
 * 1 kHz, TIM2 update interrupts at 500 Hz, PendSV every 10 ticks and one
 * SVC, counting each in RAM (run.h), and WFI between interrupts. Linked at
 * FW_ORIGIN; it sets VTOR to its own vector table.
 */
#include "run.h"

extern uint32_t _stack_top;

void reset_handler(void);
void fault_handler(void);
void systick_handler(void);
void pendsv_handler(void);
void svc_handler(void);
void tim2_handler(void);
void usage_handler(void);

__attribute__((section(".vectors"), used)) static const void *const vectors[16 + 32] = {
    [0] = &_stack_top,        [1] = reset_handler,     [2] = fault_handler,
    [3] = fault_handler,      [4] = fault_handler,     [5] = fault_handler,
    [6] = usage_handler,      [11] = svc_handler,      [14] = pendsv_handler,
    [15] = systick_handler,   [16 + TIM2_IRQ] = tim2_handler,
};

void fault_handler(void)
{
  for (;;) {
  }
}

#if !defined(FAMILY_G0) /* ARMv6-M has HardFault only */
/* UsageFault: count it and resume after the 16-bit UDF that caused it
 * (the stacked PC is word 6 of the frame, ARMv7-M B1.5.6). */
__attribute__((naked)) void usage_handler(void)
{
  __asm__ volatile("mrs r0, msp\n"
                   "ldr r1, [r0, #24]\n"
                   "adds r1, #2\n"
                   "str r1, [r0, #24]\n"
                   "ldr r0, =0x2000001C\n"
                   "ldr r1, [r0]\n"
                   "adds r1, #1\n"
                   "str r1, [r0]\n"
                   "bx lr\n");
}
#else
void usage_handler(void)
{
  fault_handler();
}
#endif

/* PRIMASK, BASEPRI and the UsageFault, checked in Thread mode. */
static void exception_checks(void)
{
  volatile counters *c = COUNTERS;
  uint32_t checks = 0, before = c->pendsv;
  __asm__ volatile("cpsid i" ::: "memory");
  SCB_ICSR = 1u << 28; /* PENDSVSET */
  __asm__ volatile("dsb\nisb" ::: "memory");
  int held = c->pendsv == before;
  __asm__ volatile("cpsie i\nisb" ::: "memory");
  if (held && c->pendsv == before + 1)
    checks |= CHECK_PRIMASK;
#if !defined(FAMILY_G0)
  before = c->timer;
  NVIC_IPR_BYTE(TIM2_IRQ) = 0x80;
  __asm__ volatile("msr basepri, %0" ::"r"(0x80u) : "memory");
  NVIC_ISER(TIM2_IRQ / 32) = 1u << (TIM2_IRQ % 32);
  NVIC_ISPR(TIM2_IRQ / 32) = 1u << (TIM2_IRQ % 32);
  __asm__ volatile("dsb\nisb" ::: "memory");
  held = c->timer == before;
  __asm__ volatile("msr basepri, %0\nisb" ::"r"(0u) : "memory");
  if (held && c->timer == before + 1)
    checks |= CHECK_BASEPRI;
  SCB_SHCSR |= 1u << 18; /* USGFAULTENA */
  __asm__ volatile("udf #0" ::: "memory");
  if (c->usage == 1)
    checks |= CHECK_USAGE;
#endif
  c->checks = checks;
}

void systick_handler(void)
{
  COUNTERS->systick++;
#if WATCHDOG
  IWDG_KR = 0xAAAAu; /* fed every millisecond */
#endif
  if (COUNTERS->systick % 10 == 0)
    SCB_ICSR = 1u << 28; /* PENDSVSET */
}

void pendsv_handler(void)
{
  COUNTERS->pendsv++;
}

void svc_handler(void)
{
  COUNTERS->svc++;
}

void tim2_handler(void)
{
  TIM2_SR = ~1u; /* UIF is rc_w0 */
  COUNTERS->timer++;
}

/* Returns HCLK; *timclk gets the APB1 timer clock. */
static uint32_t clock_setup(uint32_t *timclk, int *ok)
{
  *ok = 1;
#if defined(FAMILY_F1) /* HSE 8 MHz x 9 = 72 MHz, APB1 /2 (RM0008 §7.2) */
  RCC_CR |= 1u << 16;
  *ok &= wait_bit(&RCC_CR, 1u << 17, 1);
  FLASH_ACR = (FLASH_ACR & ~7u) | 2u | 0x10u;
  RCC_CFGR = (1u << 16) | (7u << 18) | (4u << 8);
  RCC_CR |= 1u << 24;
  *ok &= wait_bit(&RCC_CR, 1u << 25, 1);
  RCC_CFGR |= 2u;
  *ok &= wait_bit(&RCC_CFGR, 3u << 2, 1) && ((RCC_CFGR >> 2) & 3) == 2;
  *timclk = 72000000;
  return 72000000;
#elif defined(FAMILY_F4) /* HSE / M x N / 2, over-drive on the F42x/F446 (RM0090 §5.1.4, §6.3.2) */
  RCC_APB1ENR |= 1u << 28; /* PWREN */
  PWR_CR |= 3u << 14;      /* VOS: scale 1 */
  RCC_CR |= 1u << 16;
  *ok &= wait_bit(&RCC_CR, 1u << 17, 1);
  RCC_PLLCFGR = HSE_MHZ | (SYSCLK_MHZ * 2 << 6) | (0u << 16) | (1u << 22) | (7u << 24);
  RCC_CR |= 1u << 24;
  *ok &= wait_bit(&RCC_CR, 1u << 25, 1);
  *ok &= wait_bit(&PWR_CSR, 1u << 14, 1); /* VOSRDY */
#if OVERDRIVE
  PWR_CR |= 1u << 16; /* ODEN */
  *ok &= wait_bit(&PWR_CSR, 1u << 16, 1);
  PWR_CR |= 1u << 17; /* ODSWEN */
  *ok &= wait_bit(&PWR_CSR, 1u << 17, 1);
#endif
  FLASH_ACR = 5u | (7u << 8);
  *ok &= (FLASH_ACR & 0xF) == 5;
  RCC_CFGR = (5u << 10) | (4u << 13); /* APB1 /4, APB2 /2 */
  RCC_CFGR |= 2u;
  *ok &= wait_bit(&RCC_CFGR, 2u << 2, 1);
  *timclk = SYSCLK_MHZ * 1000000u / 2;
  return SYSCLK_MHZ * 1000000u;
#elif defined(FAMILY_G0) /* HSI16 x 8 / 2 = 64 MHz, range 1 (RM0444 §5.2.4, §4.1.4) */
  FLASH_ACR = (FLASH_ACR & ~7u) | 2u;
  *ok &= wait_bit(&FLASH_ACR, 7u, 1) && (FLASH_ACR & 7u) == 2;
  PWR_CR1 = (PWR_CR1 & ~(3u << 9)) | (1u << 9);
  *ok &= wait_bit(&PWR_SR2, 1u << 10, 0); /* VOSF */
  RCC_PLLCFGR = 2u | (0u << 4) | (8u << 8) | (1u << 28) | (1u << 29);
  RCC_CR |= 1u << 24;
  *ok &= wait_bit(&RCC_CR, 1u << 25, 1);
  RCC_CFGR = (RCC_CFGR & ~7u) | 2u;
  *ok &= wait_bit(&RCC_CFGR, 7u << 3, 1) && ((RCC_CFGR >> 3) & 7) == 2;
  *timclk = 64000000;
  return 64000000;
#else /* H7: LDO, VOS1, HSE 25 MHz / 5 x 160 / 2 = 400 MHz (RM0433 §6.8, §8.5) */
  PWR_CR3 = (PWR_CR3 & ~7u) | 2u; /* LDOEN */
  *ok &= wait_bit(&PWR_CSR1, 1u << 13, 1); /* ACTVOSRDY */
  PWR_D3CR = 3u << 14;
  *ok &= wait_bit(&PWR_D3CR, 1u << 13, 1); /* VOSRDY */
  RCC_CR |= 1u << 16;
  *ok &= wait_bit(&RCC_CR, 1u << 17, 1);
  RCC_PLLCKSELR = 2u | (5u << 4);
  RCC_PLL1DIVR = 159u | (1u << 9) | (1u << 16) | (1u << 24);
  RCC_CR |= 1u << 24;
  *ok &= wait_bit(&RCC_CR, 1u << 25, 1);
  FLASH_ACR = 2u | (2u << 4);
  *ok &= (FLASH_ACR & 0xF) == 2;
  /* core 400 MHz, AHB (HPRE) 200 MHz, every APB /2: 100 MHz, whose
   * timers run at 200 MHz */
  RCC_D1CFGR = 8u | (4u << 4);
  RCC_D2CFGR = (4u << 4) | (4u << 8);
  RCC_D3CFGR = 4u << 4;
  RCC_CFGR = (RCC_CFGR & ~7u) | 3u;
  *ok &= wait_bit(&RCC_CFGR, 7u << 3, 1) && ((RCC_CFGR >> 3) & 7) == 3;
  *timclk = 200000000;
  return 400000000;
#endif
}

void reset_handler(void)
{
  SCB_VTOR = (uint32_t)(uintptr_t)vectors;
  volatile counters *c = COUNTERS;
  c->systick = c->timer = c->pendsv = c->svc = c->checks = c->usage = 0;
  int ok;
  uint32_t timclk, hclk = clock_setup(&timclk, &ok);
  c->clock_ok = (uint32_t)ok;
  c->magic = COUNTERS_MAGIC;
  exception_checks();
  c->timer = c->pendsv = 0;
  SYST_RVR = hclk / 1000u - 1u;
  SYST_CVR = 0;
  SYST_CSR = 7u; /* core clock, interrupt, enable */
#if defined(FAMILY_G0)
  RCC_APBENR1 |= 1u;
#elif defined(FAMILY_H7)
  RCC_APB1LENR |= 1u;
#else
  RCC_APB1ENR |= 1u;
#endif
  TIM2_PSC = timclk / 1000000u - 1u; /* 1 MHz */
  TIM2_ARR = 1999u;                   /* 2 ms */
  TIM2_EGR = 1u;                      /* load PSC */
  TIM2_SR = 0;
  TIM2_DIER = 1u; /* UIE */
  TIM2_CR1 = 1u;  /* CEN */
  NVIC_ISER(TIM2_IRQ / 32) = 1u << (TIM2_IRQ % 32);
  __asm__ volatile("svc #0");
#if WATCHDOG
  IWDG_KR = 0xCCCCu; /* started: RLR 0xFFF, LSI / 4, about half a second */
#endif
  for (;;)
    __asm__ volatile("wfi");
}
