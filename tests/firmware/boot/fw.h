/* Shared by the test firmware images: a Cortex-M vector table and the
 * helpers that keep them free of any library. */
#ifndef TEST_FW_H
#define TEST_FW_H

#include <stdint.h>

extern uint32_t _stack_top; /* from the linker command line */

void reset_handler(void);
void default_handler(void);

/* Words 0-15 of the vector table (ARMv7-M B1.5.3): the initial stack
 * pointer, the reset handler, then the system handlers, with the reserved
 * entries 7-10 and 13 left zero. */
#define FW_VECTORS                                                                               \
  __attribute__((section(".vectors"), used)) static const void *const vectors[16] = {          \
      &_stack_top,     reset_handler,   default_handler, default_handler,                      \
      default_handler, default_handler, default_handler, 0,                                    \
      0,               0,               0,               default_handler,                      \
      default_handler, 0,               default_handler, default_handler,                      \
  }

/* A USB device descriptor (USB 2.0 §9.6.1) with this VID:PID. */
#define FW_USB_DEVICE(vid, pid)                                                                  \
  {0x12, 0x01, 0x00, 0x02, 0x02, 0x00, 0x00, 0x40, (vid) & 0xFF, (vid) >> 8,                    \
   (pid) & 0xFF, (pid) >> 8, 0x00, 0x01, 0x01, 0x02, 0x03, 0x01}

/* The bootloader-request code Katapult looks for in RAM (and Klipper
 * writes there to start it): 0x5984E3FA6CA1589B. */
#define FW_BOOT_REQUEST 0x5984E3FA6CA1589Bull

#endif
