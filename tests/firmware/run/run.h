/* Shared by the firmware that runs under `swdsim state boot`: register
 * addresses per family (RM0008, RM0090, RM0444, RM0433/RM0468), the
 * counters the tests read from RAM, and a few helpers. One of FAMILY_F1,
 * FAMILY_F4, FAMILY_G0, FAMILY_H7 is defined on the command line. */
#ifndef TEST_RUN_H
#define TEST_RUN_H

#include <stdint.h>

#define REG(a) (*(volatile uint32_t *)(a))

/* What the application counts, at the start of the SRAM at 0x20000000
 * (the DTCM on the H7), where the tests read it. */
typedef struct counters {
  uint32_t magic;   /* COUNTERS_MAGIC once the application has started */
  uint32_t systick; /* SysTick interrupts (1 kHz) */
  uint32_t timer;   /* TIM2 update interrupts (500 Hz) */
  uint32_t pendsv;  /* PendSV, pended every 10 SysTicks */
  uint32_t svc;     /* SVCall, taken once at start */
  uint32_t clock_ok; /* 1 when every ready bit of the clock setup came */
  uint32_t checks;  /* CHECK_* bits of the exception checks that passed */
  uint32_t usage;   /* UsageFault handler runs */
} counters;
#define CHECK_PRIMASK 1u  /* PendSV held off by PRIMASK, taken at CPSIE */
#define CHECK_BASEPRI 2u  /* a pended TIM2 held off by BASEPRI, taken when it drops */
#define CHECK_USAGE 4u    /* UDF taken by the enabled UsageFault handler, which returned */
#define CHECK_ALL_V7M 7u
#define CHECK_ALL_V6M 1u
#define COUNTERS ((volatile counters *)0x20000000u)
#define COUNTERS_MAGIC 0xC0FFEE01u

/* Cortex-M system control space (ARMv7-M ARM B3.2, B3.3, B3.4) */
#define SYST_CSR REG(0xE000E010u)
#define SYST_RVR REG(0xE000E014u)
#define SYST_CVR REG(0xE000E018u)
#define NVIC_ISER(n) REG(0xE000E100u + 4u * (n))
#define SCB_ICSR REG(0xE000ED04u)
#define SCB_VTOR REG(0xE000ED08u)
#define SCB_SHCSR REG(0xE000ED24u)
#define NVIC_ISPR(n) REG(0xE000E200u + 4u * (n))
#define NVIC_IPR_BYTE(n) (*(volatile uint8_t *)(0xE000E400u + (n)))

#if defined(FAMILY_F1)
#define RCC 0x40021000u
#define RCC_CR REG(RCC + 0x00)
#define RCC_CFGR REG(RCC + 0x04)
#define RCC_APB1ENR REG(RCC + 0x1C)
#define FLASH_ACR REG(0x40022000u)
#define TIM2_IRQ 28
#elif defined(FAMILY_F4)
#define RCC 0x40023800u
#define RCC_CR REG(RCC + 0x00)
#define RCC_PLLCFGR REG(RCC + 0x04)
#define RCC_CFGR REG(RCC + 0x08)
#define RCC_APB1ENR REG(RCC + 0x40)
#define PWR_CR REG(0x40007000u)
#define PWR_CSR REG(0x40007004u)
#define FLASH_ACR REG(0x40023C00u)
#define TIM2_IRQ 28
#elif defined(FAMILY_G0)
#define RCC 0x40021000u
#define RCC_CR REG(RCC + 0x00)
#define RCC_CFGR REG(RCC + 0x08)
#define RCC_PLLCFGR REG(RCC + 0x0C)
#define RCC_APBENR1 REG(RCC + 0x3C)
#define PWR_CR1 REG(0x40007000u)
#define PWR_SR2 REG(0x40007014u)
#define FLASH_ACR REG(0x40022000u)
#define TIM2_IRQ 15
#elif defined(FAMILY_H7)
#define RCC 0x58024400u
#define RCC_CR REG(RCC + 0x00)
#define RCC_CFGR REG(RCC + 0x10)
#define RCC_D1CFGR REG(RCC + 0x18)
#define RCC_D2CFGR REG(RCC + 0x1C)
#define RCC_D3CFGR REG(RCC + 0x20)
#define RCC_PLLCKSELR REG(RCC + 0x28)
#define RCC_PLLCFGR REG(RCC + 0x2C)
#define RCC_PLL1DIVR REG(RCC + 0x30)
#define RCC_APB1LENR REG(RCC + 0xE8)
#define PWR_CSR1 REG(0x58024804u)
#define PWR_CR3 REG(0x5802480Cu)
#define PWR_D3CR REG(0x58024818u)
#define FLASH_ACR REG(0x52002000u)
#define TIM2_IRQ 28
#else
#error "define FAMILY_F1, FAMILY_F4, FAMILY_G0 or FAMILY_H7"
#endif
/* the independent watchdog's key register (RM0008 §19.4, RM0090 §21.4,
 * RM0444 §27.7, RM0433 §45.5: IWDG1) */
#if defined(FAMILY_H7)
#define IWDG_KR REG(0x58004800u)
#else
#define IWDG_KR REG(0x40003000u)
#endif

#define TIM2 0x40000000u
#define TIM2_CR1 REG(TIM2 + 0x00)
#define TIM2_DIER REG(TIM2 + 0x0C)
#define TIM2_SR REG(TIM2 + 0x10)
#define TIM2_EGR REG(TIM2 + 0x14)
#define TIM2_PSC REG(TIM2 + 0x28)
#define TIM2_ARR REG(TIM2 + 0x2C)

/* Wait for `bit` in `reg` to read `value`; false after many tries. */
static inline int wait_bit(volatile uint32_t *reg, uint32_t bit, int value)
{
  for (uint32_t n = 0; n < 1000000u; n++)
    if (((*reg & bit) != 0) == (value != 0))
      return 1;
  return 0;
}

#endif
