/*
 * Recorded exchanges of an ST-Link with an STM32F103C8 target (firmware
 * V2J37S7 unless a test says otherwise), as fake_usb script helpers. Each
 * writes the commands the library sends and the probe's replies.
 */
#ifndef TEST_PROBE_SCRIPTS_H
#define TEST_PROBE_SCRIPTS_H

#include <stdint.h>

#include "fake_usb.h"

/* Version replies (GET_VERSION word, big-endian, then VID/PID). */
#define V2J37S7_VERSION "29 47 83 04 48 37"
#define V2J20S4_VERSION "25 04 83 04 48 37"
#define V21J37M26_VERSION "29 5A 83 04 4B 37"
#define V3_VERSION "30 00 83 04 4F 37"
#define V3J7_VERSION_EX "03 01 07 03 02 00 00 00 83 04 4F 37"

/* Opening: GET_VERSION, GET_CURRENT_MODE (answering `mode`), leaving it. */
void script_open_v2(fake_usb *f, const char *version, uint8_t mode);
void script_open_v3(fake_usb *f);

/* GET_TARGET_VOLTAGE answering about `mv` millivolts. */
void script_voltage(fake_usb *f, unsigned mv);

/* READDEBUGREG / WRITEDEBUGREG with an OK status. */
void script_read32(fake_usb *f, uint32_t addr, uint32_t value);
void script_write32(fake_usb *f, uint32_t addr, uint32_t value);

/* READDEBUGREG that the library may repeat while polling. */
void script_poll32(fake_usb *f, uint32_t addr, uint32_t value);

/* GETLASTRWSTATUS2 answering `status` with a fault address. */
void script_rw_status(fake_usb *f, uint8_t status, uint32_t fault_addr);

/* SET_FREQ (V2 divisor), ENTER SWD, READ_IDCODES, INIT_AP 0. */
void script_enter_swd(fake_usb *f, uint16_t divisor, uint32_t dp_idcode);

/* Everything after entering SWD for an F103C8 in normal mode: halt, CPUID,
 * ROM table, DBGMCU, flash size, debug configuration. */
void script_identify_f103(fake_usb *f);

/* The unique ID, read the first time chip information is asked for. */
void script_unique_id(fake_usb *f);

/* The whole of a normal connect to an F103C8 at 4 MHz. */
void script_connect_f103(fake_usb *f);

/* Disconnecting: release the halt, leave debug mode. */
void script_disconnect_resume(fake_usb *f);

#endif
