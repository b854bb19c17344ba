/*
 * A small application carrying the same kinds of signature as Klipper: its
 * data dictionary as zlib-compressed JSON naming the app, its version and
 * the MCU it was built for (generated at build time by klipper_dict.py), a USB
 * string "Klipper" and device ID 1d50:614e, and the code that asks Katapult
 * to start by writing the request code at the top of RAM.
 */
#include "fw.h"
#include KLIPPER_DICT /* klipper_dict_<chip>.h, made by klipper_dict.py */

FW_VECTORS;

__attribute__((used)) static const uint16_t usb_manufacturer[] = u"Klipper";
__attribute__((used)) static const uint8_t usb_device[18] = FW_USB_DEVICE(0x1D50, 0x614E);

void default_handler(void) {
  for (;;) {
  }
}

/* Ask a bootloader for the next start, as Klipper does before a reset. */
static void request_bootloader(void) {
  volatile uint64_t *request = (volatile uint64_t *)((uintptr_t)&_stack_top - 8);
  *request = FW_BOOT_REQUEST;
}

void reset_handler(void) {
  /* As Klipper's armcm_main: the vector table is where it was linked
   * (SCB->VTOR, ARMv7-M B3.2.5), which makes that address a constant. */
  *(volatile uint32_t *)0xE000ED08u = (uint32_t)(uintptr_t)vectors;
  volatile uint32_t sum = 0;
  for (uint32_t i = 0; i < sizeof(identify_data); i++) {
    sum += identify_data[i];
  }
  if (sum == 0) {
    request_bootloader();
  }
  for (;;) {
    __asm__ volatile("wfi");
  }
}
