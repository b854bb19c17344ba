/* ST-Link status codes (docs/stlink-protocol.md section 4). */
#include <stdio.h>

#include "stlink/stlink.h"

static const struct {
  uint8_t code;
  const char *name;
  stlink_status_class cls;
} status_table[] = {
    {STLINK_OK, "OK", STLINK_CLASS_OK},
    /* OpenOCD treats a write-verify complaint as success. */
    {STLINK_JTAG_WRITE_VERIF_ERROR, "JTAG_WRITE_VERIF_ERROR", STLINK_CLASS_OK},
    {STLINK_FAULT, "DEBUG_ERR_FAULT", STLINK_CLASS_FAULT},
    {STLINK_JTAG_UNKNOWN_ERROR, "JTAG_UNKNOWN_ERROR", STLINK_CLASS_FAULT},
    {0x02, "JTAG_SPI_ERROR", STLINK_CLASS_OTHER},
    {0x03, "JTAG_DMA_ERROR", STLINK_CLASS_OTHER},
    {0x04, "JTAG_UNKNOWN_JTAG_CHAIN", STLINK_CLASS_NO_TARGET},
    {STLINK_JTAG_NO_DEVICE, "JTAG_NO_DEVICE_CONNECTED", STLINK_CLASS_NO_TARGET},
    {0x06, "JTAG_INTERNAL_ERROR", STLINK_CLASS_OTHER},
    {STLINK_JTAG_CMD_WAIT, "JTAG_CMD_WAIT", STLINK_CLASS_WAIT},
    {0x08, "JTAG_CMD_ERROR", STLINK_CLASS_WIRE},
    {STLINK_JTAG_GET_IDCODE_ERROR, "JTAG_GET_IDCODE_ERROR", STLINK_CLASS_NO_TARGET},
    {0x0A, "JTAG_ALIGNMENT_ERROR", STLINK_CLASS_OTHER},
    {STLINK_JTAG_DBG_POWER_ERROR, "JTAG_DBG_POWER_ERROR", STLINK_CLASS_NO_TARGET},
    {STLINK_JTAG_WRITE_ERROR, "JTAG_WRITE_ERROR", STLINK_CLASS_FAULT},
    {0x0E, "JTAG_ALREADY_OPENED_IN_OTHER_MODE", STLINK_CLASS_OTHER},
    {STLINK_SWD_AP_WAIT, "SWD_AP_WAIT", STLINK_CLASS_WAIT},
    {STLINK_SWD_AP_FAULT, "SWD_AP_FAULT", STLINK_CLASS_FAULT},
    {STLINK_SWD_AP_ERROR, "SWD_AP_ERROR", STLINK_CLASS_WIRE},
    {STLINK_SWD_AP_PARITY_ERROR, "SWD_AP_PARITY_ERROR", STLINK_CLASS_WIRE},
    {STLINK_SWD_DP_WAIT, "SWD_DP_WAIT", STLINK_CLASS_WAIT},
    {STLINK_SWD_DP_FAULT, "SWD_DP_FAULT", STLINK_CLASS_FAULT},
    {STLINK_SWD_DP_ERROR, "SWD_DP_ERROR", STLINK_CLASS_WIRE},
    {STLINK_SWD_DP_PARITY_ERROR, "SWD_DP_PARITY_ERROR", STLINK_CLASS_WIRE},
    {STLINK_SWD_AP_WDATA_ERROR, "SWD_AP_WDATA_ERROR", STLINK_CLASS_FAULT},
    {STLINK_SWD_AP_STICKY_ERROR, "SWD_AP_STICKY_ERROR", STLINK_CLASS_FAULT},
    {STLINK_SWD_AP_STICKYORUN_ERROR, "SWD_AP_STICKYORUN_ERROR", STLINK_CLASS_FAULT},
    {STLINK_BAD_AP_ERROR, "BAD_AP_ERROR", STLINK_CLASS_UNSUPPORTED},
    {0x20, "SWV_NOT_AVAILABLE", STLINK_CLASS_UNSUPPORTED},
    {STLINK_JTAG_FREQ_NOT_SUPPORTED, "JTAG_FREQ_NOT_SUPPORTED", STLINK_CLASS_UNSUPPORTED},
    {STLINK_JTAG_UNKNOWN_CMD, "JTAG_UNKNOWN_CMD", STLINK_CLASS_UNSUPPORTED},
};

stlink_status_class swdf__stlink_status_class(uint8_t status) {
  for (size_t i = 0; i < SWDF_ARRAY_LEN(status_table); i++) {
    if (status_table[i].code == status) {
      return status_table[i].cls;
    }
  }
  return STLINK_CLASS_OTHER;
}

const char *swdf__stlink_status_name(uint8_t status) {
  for (size_t i = 0; i < SWDF_ARRAY_LEN(status_table); i++) {
    if (status_table[i].code == status) {
      return status_table[i].name;
    }
  }
  return "unknown status";
}

static const struct {
  stlink_status_class cls;
  swdf_err err;
  const char *hint;
} class_table[] = {
    {STLINK_CLASS_WAIT, SWDF_ERR_WAIT,
     "the target kept the debug port busy; if its firmware sleeps or runs from a slow "
     "clock, try --connect under-reset"},
    {STLINK_CLASS_FAULT, SWDF_ERR_MEM_FAULT, NULL},
    {STLINK_CLASS_WIRE, SWDF_ERR_SWD,
     "check the SWDIO/SWCLK/GND wires (short, firm), or lower the clock with --freq"},
    {STLINK_CLASS_NO_TARGET, SWDF_ERR_NO_TARGET,
     "check the wiring (SWDIO, SWCLK, GND, and target power); if the firmware disables "
     "SWD or sleeps, wire NRST and use --connect under-reset (a chip at read protection "
     "level 2 never answers)"},
    {STLINK_CLASS_UNSUPPORTED, SWDF_ERR_PROBE_FIRMWARE,
     "update the probe firmware with ST's ST-LINK upgrade tool (STSW-LINK007)"},
    {STLINK_CLASS_OTHER, SWDF_ERR_SWD, NULL},
};

swdf_err swdf__stlink_status_error(swdf_stlink *st, uint8_t status, const char *what) {
  stlink_status_class cls = swdf__stlink_status_class(status);
  for (size_t i = 0; i < SWDF_ARRAY_LEN(class_table); i++) {
    if (class_table[i].cls == cls) {
      return swdf__fail(st->ctx, class_table[i].err, class_table[i].hint,
                        "%s: the probe answered %s (0x%02X)", what,
                        swdf__stlink_status_name(status), status);
    }
  }
  return SWDF_OK;
}
