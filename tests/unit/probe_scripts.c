#include "probe_scripts.h"

#include <stdio.h>

static void le32(char *out, size_t len, uint32_t v) {
  snprintf(out, len, "%02X %02X %02X %02X", v & 0xFF, (v >> 8) & 0xFF, (v >> 16) & 0xFF,
           v >> 24);
}

void script_open_v2(fake_usb *f, const char *version, uint8_t mode) {
  fake_usb_scriptf(f, "> F1\n< %s\n> F5\n< %02X 00\n", version, mode);
  if (mode == 0x00) {
    fake_usb_script(f, "> F3 07\n"); /* DFU_EXIT */
  } else if (mode == 0x02) {
    fake_usb_script(f, "> F2 21\n"); /* DEBUG EXIT */
  }
}

void script_open_v3(fake_usb *f) {
  fake_usb_scriptf(f, "> F1\n< %s\n> FB\n< %s\n> F5\n< 01 00\n", V3_VERSION, V3J7_VERSION_EX);
  /* GET_COM_FREQ: current 1000 kHz, 4 entries 24000, 8000, 3300, 1000. */
  fake_usb_script(f, "> F2 62 00\n"
                     "< 80 00 00 00 E8 03 00 00 04 00 00 00 C0 5D 00 00 40 1F 00 00 E4 0C 00 00 "
                     "E8 03 00 00 x24\n");
}

void script_voltage(fake_usb *f, unsigned mv) {
  /* 2.4 V x a1 / a0 with a0 = 1600 */
  uint32_t a1 = mv * 1600u / 2400u;
  char a[16];
  le32(a, sizeof(a), a1);
  fake_usb_scriptf(f, "> F7\n< 40 06 00 00 %s\n", a);
}

/* READDEBUGREG (0x36) or WRITEDEBUGREG (0x35) with an OK status. */
static void debug_reg(fake_usb *f, bool write, bool repeat, uint32_t addr, uint32_t value) {
  char a[16];
  char v[16];
  le32(a, sizeof(a), addr);
  le32(v, sizeof(v), value);
  if (write) {
    fake_usb_scriptf(f, "> F2 35 %s %s\n< 80 00\n", a, v);
  } else {
    fake_usb_scriptf(f, "%s> F2 36 %s\n< 80 00 00 00 %s\n", repeat ? "*" : "", a, v);
  }
}

void script_read32(fake_usb *f, uint32_t addr, uint32_t value) {
  debug_reg(f, false, false, addr, value);
}

void script_poll32(fake_usb *f, uint32_t addr, uint32_t value) {
  debug_reg(f, false, true, addr, value);
}

void script_write32(fake_usb *f, uint32_t addr, uint32_t value) {
  debug_reg(f, true, false, addr, value);
}

void script_rw_status(fake_usb *f, uint8_t status, uint32_t fault_addr) {
  char a[16];
  le32(a, sizeof(a), fault_addr);
  fake_usb_scriptf(f, "> F2 3E\n< %02X 00 00 00 %s x4\n", status, a);
}

void script_enter_swd(fake_usb *f, uint16_t divisor, uint32_t dp_idcode) {
  char id[16];
  le32(id, sizeof(id), dp_idcode);
  fake_usb_scriptf(f,
                   "> F2 43 %02X %02X\n< 80 00\n"
                   "> F2 30 A3\n< 80 00\n"
                   "> F2 31\n< 80 00 00 00 %s 00 00 00 00\n"
                   "> F2 4B 00 01\n< 80 00\n",
                   divisor & 0xFF, divisor >> 8, id);
}

void script_identify_f103(fake_usb *f) {
  script_read32(f, 0xE000ED00, 0x411FC231); /* CPUID */
  /* ROM table: AP BASE, then PIDR4..PIDR3 (designer 0x020, ST) */
  fake_usb_script(f, "> F2 45 00 00 F8 00\n< 80 00 00 00 03 F0 0F E0\n"
                     "> F2 07 D0 FF 0F E0 20 00\n"
                     "< 00 00 00 00 x12 10 00 00 00 00 00 00 00 0A 00 00 00 x4\n");
  script_rw_status(f, 0x80, 0);
  script_read32(f, 0xE0042000, 0x20036410);                 /* DBGMCU_IDCODE, rev Y */
  fake_usb_script(f, "> F2 47 E0 F7 FF 1F 02 00\n< 40 00\n"); /* flash size 64 KiB */
  script_rw_status(f, 0x80, 0);
  script_read32(f, 0xE0042004, 0);
  script_write32(f, 0xE0042004, 0x307);
}

void script_unique_id(fake_usb *f) {
  script_read32(f, 0x1FFFF7E8, 0x11111111);
  script_read32(f, 0x1FFFF7EC, 0x22222222);
  script_read32(f, 0x1FFFF7F0, 0x33333333);
}

void script_connect_f103(fake_usb *f) {
  script_voltage(f, 3300);
  script_enter_swd(f, 0, 0x1BA01477);
  script_read32(f, 0xE000EDF0, 0x00000000);   /* running */
  script_write32(f, 0xE000EDF0, 0xA05F0003);  /* C_HALT | C_DEBUGEN */
  script_read32(f, 0xE000EDF0, 0x00030003);   /* S_HALT */
  script_identify_f103(f);
}

void script_disconnect_resume(fake_usb *f) {
  script_write32(f, 0xE000EDF0, 0xA05F0000);
  fake_usb_script(f, "> F2 21\n");
}
