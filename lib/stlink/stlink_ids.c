/* Product IDs, serial numbers, firmware versions and their features. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "stlink/stlink.h"

/* docs/stlink-protocol.md sections 1.1 and 1.2. */
static const stlink_pid_info pid_table[] = {
    {0x3744, SWDF_PROBE_V2, "ST-LINK/V1", true, false,
     "ST-LINK/V1 uses a mass-storage framing that swdflash does not support"},
    {0x3748, SWDF_PROBE_V2, "ST-LINK/V2", true, true, NULL},
    {0x374A, SWDF_PROBE_V2_1, "ST-LINK/V2-1", false, true, NULL},
    {0x374B, SWDF_PROBE_V2_1, "ST-LINK/V2-1", false, true, NULL},
    {0x3742, SWDF_PROBE_V2_1, "ST-LINK/V2-1", false, true, NULL},
    {0x3752, SWDF_PROBE_V2_1, "ST-LINK/V2-1", false, true, NULL},
    {0x374D, SWDF_PROBE_V3, "STLINK-V3 loader", false, false,
     "the STLINK-V3 is in its USB loader (firmware update) mode: unplug and replug it"},
    {0x374E, SWDF_PROBE_V3, "STLINK-V3E", false, true, NULL},
    {0x374F, SWDF_PROBE_V3, "STLINK-V3SET", false, true, NULL},
    {0x3753, SWDF_PROBE_V3, "STLINK-V3", false, true, NULL},
    {0x3754, SWDF_PROBE_V3, "STLINK-V3E", false, true, NULL},
    {0x3755, SWDF_PROBE_V3, "STLINK-V3PWR loader", false, false,
     "the STLINK-V3PWR is in its USB loader (firmware update) mode: unplug and replug it"},
    {0x3757, SWDF_PROBE_V3, "STLINK-V3PWR", false, true, NULL},
};

const stlink_pid_info *swdf__stlink_pid_info(uint16_t pid) {
  for (size_t i = 0; i < SWDF_ARRAY_LEN(pid_table); i++) {
    if (pid_table[i].pid == pid) {
      return &pid_table[i];
    }
  }
  return NULL;
}

static void hex_low_bytes(char *out, size_t out_len, const uint8_t *raw, size_t units) {
  size_t pos = 0;
  for (size_t i = 0; i < units && pos + 3 <= out_len; i++) {
    snprintf(out + pos, out_len - pos, "%02X", raw[2 * i]);
    pos += 2;
  }
}

void swdf__stlink_serial(char *out, size_t out_len, const uint8_t *raw, size_t raw_len) {
  if (out_len == 0) {
    return;
  }
  out[0] = '\0';
  size_t units = raw_len / 2;
  if (units == 12) {
    /* The 12 bytes of the probe MCU's unique ID, sent as "characters". */
    hex_low_bytes(out, out_len, raw, units);
    return;
  }
  bool printable = units > 0;
  for (size_t i = 0; i < units; i++) {
    if (raw[2 * i + 1] != 0 || !isprint(raw[2 * i])) {
      printable = false;
    }
  }
  if (!printable) {
    hex_low_bytes(out, out_len, raw, units);
    return;
  }
  size_t n = units < out_len - 1 ? units : out_len - 1;
  for (size_t i = 0; i < n; i++) {
    out[i] = (char)raw[2 * i];
  }
  out[n] = '\0';
}

/* Feature thresholds (section 5): the J version from which each exists. */
static const struct {
  stlink_feature feature;
  uint8_t v2_from;  /* 0: never on V2 */
  uint8_t v3_from;  /* 0: never on V3 */
} feature_table[] = {
    {STLINK_F_TARGET_VOLTAGE, 13, 1},
    {STLINK_F_RW_STATUS2, 15, 1},
    {STLINK_F_SWD_SET_FREQ, 22, 0},
    {STLINK_F_DAP_REG, 24, 1},
    {STLINK_F_MEM16, 26, 1},
    {STLINK_F_AP_INIT, 28, 1},
    {STLINK_F_FIX_CLOSE_AP, 29, 1},
    {STLINK_F_DPBANKSEL, 32, 2},
    {STLINK_F_RW8_512, 0, 6},
    {STLINK_F_COM_FREQ, 0, 1},
};

uint32_t swdf__stlink_features(const stlink_version *v) {
  uint32_t features = 0;
  bool v3 = v->hw >= 3;
  for (size_t i = 0; i < SWDF_ARRAY_LEN(feature_table); i++) {
    uint8_t from = v3 ? feature_table[i].v3_from : feature_table[i].v2_from;
    if (from != 0 && v->jtag >= from) {
      features |= feature_table[i].feature;
    }
  }
  return features;
}

void swdf__stlink_parse_version(stlink_version *out, const uint8_t reply_f1[6],
                                const uint8_t *reply_fb, swdf_probe_kind kind) {
  memset(out, 0, sizeof(*out));
  uint16_t word = (uint16_t)((reply_f1[0] << 8) | reply_f1[1]); /* big-endian (3.2) */
  out->hw = (uint8_t)(word >> 12);
  out->vid = (uint16_t)(reply_f1[2] | reply_f1[3] << 8);
  out->pid = (uint16_t)(reply_f1[4] | reply_f1[5] << 8);
  if (out->hw >= 3 && reply_fb != NULL) {
    out->hw = reply_fb[0];
    out->swim = reply_fb[1];
    out->jtag = reply_fb[2];
    out->msd = reply_fb[3];
    out->bridge = reply_fb[4];
    out->vid = (uint16_t)(reply_fb[8] | reply_fb[9] << 8);
    out->pid = (uint16_t)(reply_fb[10] | reply_fb[11] << 8);
    return;
  }
  out->jtag = (uint8_t)((word >> 6) & 0x3F);
  uint8_t low = (uint8_t)(word & 0x3F);
  if (kind == SWDF_PROBE_V2_1) {
    out->msd = low; /* V2-1: the low field is the mass-storage version */
  } else {
    out->swim = low;
  }
}

void swdf__stlink_firmware_name(char *out, size_t out_len, const stlink_version *v,
                                swdf_probe_kind kind) {
  (void)kind;
  int n = snprintf(out, out_len, "V%u", v->hw);
  const struct {
    char letter;
    uint8_t value;
  } parts[] = {{'J', v->jtag}, {'M', v->msd}, {'B', v->bridge}, {'S', v->swim}};
  for (size_t i = 0; i < SWDF_ARRAY_LEN(parts) && n > 0 && (size_t)n < out_len; i++) {
    if (parts[i].value != 0) {
      n += snprintf(out + n, out_len - (size_t)n, "%c%u", parts[i].letter, parts[i].value);
    }
  }
}

uint32_t swdf__stlink_voltage_mv(const uint8_t reply[8]) {
  uint32_t a0 = (uint32_t)reply[0] | (uint32_t)reply[1] << 8 | (uint32_t)reply[2] << 16 |
                (uint32_t)reply[3] << 24;
  uint32_t a1 = (uint32_t)reply[4] | (uint32_t)reply[5] << 8 | (uint32_t)reply[6] << 16 |
                (uint32_t)reply[7] << 24;
  if (a0 == 0) {
    return 0;
  }
  /* 2 x 1.2 V x a1 / a0 (section 3.5) */
  return (uint32_t)((2400ull * a1 + a0 / 2) / a0);
}
