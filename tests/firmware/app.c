/*
 * A small Cortex-M firmware for the image and flash tests. It carries
 * initialised data (run address in SRAM, load address in flash), a
 * recognisable banner, and FILL_SIZE bytes of pseudo-random constants so
 * that tests can choose the image size.
 */
#include <stdint.h>

#ifndef FILL_SIZE
#define FILL_SIZE 256
#endif

extern uint32_t _data_start[], _data_end[], _data_load[], _bss_start[], _bss_end[];
extern uint32_t _stack_top[];

void reset_handler(void);

/* Values the tests look for at the load address of .data. */
uint32_t init_words[8] = {0x11223344u, 0x55667788u, 0x99aabbccu, 0xddeeff00u,
                          0xcafef00du, 0x0badc0deu, 0x600dbeefu, 0x5eed1234u};
uint32_t counter;

__attribute__((used)) const char banner[] = "swdflash test firmware";

/* Constant pseudo-random filler, computed at compile time from its index. */
#define MIX(i) ((uint8_t)(((i) * 2654435761u) >> 24))
#define F4(i) MIX(i), MIX((i) + 1), MIX((i) + 2), MIX((i) + 3)
#define F16(i) F4(i), F4((i) + 4), F4((i) + 8), F4((i) + 12)
#define F64(i) F16(i), F16((i) + 16), F16((i) + 32), F16((i) + 48)
#define F256(i) F64(i), F64((i) + 64), F64((i) + 128), F64((i) + 192)
#define F1K(i) F256(i), F256((i) + 256), F256((i) + 512), F256((i) + 768)
#define F4K(i) F1K(i), F1K((i) + 1024), F1K((i) + 2048), F1K((i) + 3072)

__attribute__((used)) const uint8_t fill[FILL_SIZE] = {
#if FILL_SIZE >= 4096
    F4K(0)
#else
    F256(0)
#endif
};

__attribute__((section(".vectors"), used)) const uintptr_t vectors[4] = {
    (uintptr_t)_stack_top, (uintptr_t)reset_handler, (uintptr_t)reset_handler,
    (uintptr_t)reset_handler};

void reset_handler(void) {
  for (uint32_t *src = _data_load, *dst = _data_start; dst < _data_end;) {
    *dst++ = *src++;
  }
  for (uint32_t *p = _bss_start; p < _bss_end;) {
    *p++ = 0;
  }
  for (;;) {
    counter += init_words[counter & 7u];
  }
}
