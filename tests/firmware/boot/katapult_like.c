/*
 * A small bootloader carrying the same kinds of signature as Katapult
 * (formerly CanBoot): the 8 bytes "CanBoot!" right before the reset
 * handler, the NACK frame of its serial protocol, the request code it looks
 * for at the top of RAM, a USB string "katapult" and device ID 1d50:6177,
 * the MCU name and a git-describe style version. It behaves like one too:
 * without a request and with a plausible application at APP_ORIGIN it
 * starts the application, else it waits.
 */
#include "fw.h"

#ifndef APP_ORIGIN
#error "APP_ORIGIN: where the application starts"
#endif
#ifndef MCU_NAME
#error "MCU_NAME: the chip it is built for, e.g. \"stm32f103xe\""
#endif

FW_VECTORS;

/* Protocol frame: header 01 88, command F1 (NACK), no payload, CRC, trailer. */
__attribute__((used)) static const uint8_t nack_frame[8] = {0x01, 0x88, 0xF1, 0x00,
                                                            0x68, 0x95, 0x99, 0x03};
__attribute__((used)) static const uint16_t usb_manufacturer[] = u"katapult";
__attribute__((used)) static const uint8_t usb_device[18] = FW_USB_DEVICE(0x1D50, 0x6177);
__attribute__((used)) static const char identity[] = "\0" MCU_NAME "\0v0.0.1-42-g1234abc";

/* The signature sits in the 8 bytes before the reset handler's first
 * instruction, where a running application finds it through the vector
 * table (vector 1 minus 9 bytes). */
__asm__(".pushsection .text.reset_handler,\"ax\",%progbits\n"
        ".balign 8\n"
        ".ascii \"CanBoot!\"\n"
        ".global reset_handler\n"
        ".type reset_handler, %function\n"
        ".thumb_func\n"
        "reset_handler:\n"
        "  b bootloader_main\n"
        ".popsection\n");

void default_handler(void) {
  for (;;) {
  }
}

void bootloader_main(void);

static void start_application(uint32_t sp, uint32_t entry) {
  __asm__ volatile("msr msp, %0\n"
                   "bx %1\n"
                   :
                   : "r"(sp), "r"(entry));
}

void bootloader_main(void) {
  volatile uint64_t *request = (volatile uint64_t *)((uintptr_t)&_stack_top - 8);
  const volatile uint32_t *app = (const volatile uint32_t *)APP_ORIGIN;
  uint32_t ram = (uint32_t)(uintptr_t)&_stack_top & 0xFFF00000u;
  if (*request != FW_BOOT_REQUEST && (app[0] & 0xFFF00000u) == ram && (app[1] & 1u) != 0) {
    start_application(app[0], app[1]);
  }
  *request = 0;
  for (;;) {
    /* Waiting for an image over the protocol (not simulated). */
    __asm__ volatile("wfi");
  }
}
