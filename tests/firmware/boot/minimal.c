/*
 * The smallest program a Cortex-M starts: a vector table of only the
 * initial stack pointer and the reset handler (ARMv7-M B1.5.3), the code
 * right after it. No fault handler: the table is short, which is allowed.
 */
#include <stdint.h>

extern uint32_t _stack_top; /* from the linker command line */

void reset_handler(void);

__attribute__((section(".vectors"), used)) static const void *const vectors[2] = {
    &_stack_top, reset_handler};

void reset_handler(void) {
  for (;;) {
    __asm__ volatile("wfi");
  }
}
