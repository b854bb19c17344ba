/*
 * A test bootloader at the flash base: it waits about 20 ms (SysTick
 * polled at the reset clock), then starts the application at APP_ORIGIN
 * through its vector table if that looks like one (a stack pointer in
 * SRAM, a Thumb reset handler in the flash), else sleeps in WFI.
 */
#include "run.h"

extern uint32_t _stack_top;

void reset_handler(void);
void fault_handler(void);

__attribute__((section(".vectors"), used)) static const void *const vectors[16] = {
    [0] = &_stack_top,   [1] = reset_handler,  [2] = fault_handler, [3] = fault_handler,
    [4] = fault_handler, [5] = fault_handler,  [6] = fault_handler,
};

void fault_handler(void)
{
  for (;;) {
  }
}

static void start(uint32_t sp, uint32_t entry)
{
  SCB_VTOR = APP_ORIGIN;
  __asm__ volatile("msr msp, %0\n"
                   "bx %1\n"
                   :
                   : "r"(sp), "r"(entry));
}

void reset_handler(void)
{
  SYST_RVR = HSI_HZ / 1000u - 1u; /* 1 ms at the reset clock */
  SYST_CVR = 0;
  SYST_CSR = 5u; /* core clock, enabled, no interrupt */
  for (int ms = 0; ms < 20; ms++)
    while (!(SYST_CSR & (1u << 16))) { /* COUNTFLAG */
    }
  SYST_CSR = 0;
  const volatile uint32_t *app = (const volatile uint32_t *)APP_ORIGIN;
  uint32_t sp = app[0], entry = app[1];
  if ((sp & 0xFFF00000u) == 0x20000000u && (entry & 1u) && entry > APP_ORIGIN &&
      entry < FLASH_END)
    start(sp, entry);
  for (;;)
    __asm__ volatile("wfi");
}
