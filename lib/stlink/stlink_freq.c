/* SWD clock: the V2 divisor table and the V3 frequency list (section 3.7). */
#include <string.h>

#include "stlink/stlink.h"

static const struct {
  uint32_t khz;
  uint16_t divisor;
} v2_table[] = {
    {4000, 0}, {1800, 1}, {1200, 2}, {950, 3}, {480, 7},   {240, 15},
    {125, 31}, {100, 40}, {50, 79},  {25, 158}, {15, 265}, {5, 798},
};

/* What V2 firmware without SWD_SET_FREQ runs at (its power-on default). */
enum { V2_FIXED_KHZ = 1800, V3_GET_COM_FREQ_REPLY = 52, V3_MAX_LISTED = 10 };

int swdf__stlink_v2_divisor(uint32_t khz) {
  for (size_t i = 0; i < SWDF_ARRAY_LEN(v2_table); i++) {
    if (v2_table[i].khz == khz) {
      return v2_table[i].divisor;
    }
  }
  return -1;
}

static uint32_t get_le32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static swdf_err load_v3_freqs(swdf_stlink *st) {
  uint8_t cmd[STLINK_CMD_SIZE] = {STLINK_DEBUG_COMMAND, STLINK_DEBUG_APIV3_GET_COM_FREQ, 0};
  uint8_t reply[V3_GET_COM_FREQ_REPLY];
  swdf_err err = swdf__stlink_cmd(st, cmd, reply, sizeof(reply), false, NULL,
                                  "reading the probe's SWD clock list");
  if (err != SWDF_OK) {
    return err;
  }
  uint32_t n = reply[8];
  if (n > V3_MAX_LISTED) {
    n = V3_MAX_LISTED;
  }
  st->freq_count = 0;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t khz = get_le32(reply + 12 + 4 * i);
    if (khz != 0) {
      st->freqs[st->freq_count++] = khz;
    }
  }
  /* Keep the list fastest first whatever order the probe used. */
  for (size_t i = 1; i < st->freq_count; i++) {
    for (size_t j = i; j > 0 && st->freqs[j] > st->freqs[j - 1]; j--) {
      uint32_t tmp = st->freqs[j];
      st->freqs[j] = st->freqs[j - 1];
      st->freqs[j - 1] = tmp;
    }
  }
  st->freq_khz = get_le32(reply + 4);
  if (st->freq_count == 0) {
    return swdf__fail(st->ctx, SWDF_ERR_PROBE_FIRMWARE, NULL,
                      "the probe reported no supported SWD clock");
  }
  return SWDF_OK;
}

swdf_err swdf__stlink_load_freqs(swdf_stlink *st) {
  if ((st->features & STLINK_F_COM_FREQ) != 0) {
    return load_v3_freqs(st);
  }
  if ((st->features & STLINK_F_SWD_SET_FREQ) == 0) {
    st->freqs[0] = V2_FIXED_KHZ;
    st->freq_count = 1;
    st->freq_khz = V2_FIXED_KHZ;
    return SWDF_OK;
  }
  st->freq_count = SWDF_ARRAY_LEN(v2_table);
  for (size_t i = 0; i < st->freq_count; i++) {
    st->freqs[i] = v2_table[i].khz;
  }
  st->freq_khz = V2_FIXED_KHZ; /* the firmware's power-on default */
  return SWDF_OK;
}

uint32_t swdf__stlink_pick_freq(const swdf_stlink *st, uint32_t khz) {
  for (size_t i = 0; i < st->freq_count; i++) {
    if (st->freqs[i] <= khz) {
      return st->freqs[i];
    }
  }
  return st->freq_count > 0 ? st->freqs[st->freq_count - 1] : 0;
}

uint32_t swdf__stlink_slower_freq(const swdf_stlink *st, uint32_t khz) {
  for (size_t i = 0; i < st->freq_count; i++) {
    if (st->freqs[i] < khz) {
      return st->freqs[i];
    }
  }
  return 0;
}

swdf_err swdf__stlink_set_freq(swdf_stlink *st, uint32_t khz) {
  uint32_t pick = swdf__stlink_pick_freq(st, khz);
  uint8_t cmd[STLINK_CMD_SIZE] = {0};
  cmd[0] = STLINK_DEBUG_COMMAND;
  if ((st->features & STLINK_F_COM_FREQ) != 0) {
    uint8_t reply[8];
    cmd[1] = STLINK_DEBUG_APIV3_SET_COM_FREQ;
    cmd[2] = 0; /* SWD */
    cmd[4] = (uint8_t)pick;
    cmd[5] = (uint8_t)(pick >> 8);
    cmd[6] = (uint8_t)(pick >> 16);
    cmd[7] = (uint8_t)(pick >> 24);
    swdf_err err =
        swdf__stlink_cmd(st, cmd, reply, sizeof(reply), true, NULL, "setting the SWD clock");
    if (err != SWDF_OK) {
      return err;
    }
    uint32_t actual = get_le32(reply + 4);
    st->freq_khz = actual != 0 ? actual : pick;
    return SWDF_OK;
  }
  if ((st->features & STLINK_F_SWD_SET_FREQ) == 0) {
    if (khz < st->freq_khz) {
      swdf__log(st->ctx, SWDF_LOG_WARN,
                "probe firmware before V2J22 cannot change the SWD clock; staying at %u kHz",
                st->freq_khz);
    }
    return SWDF_OK;
  }
  int divisor = swdf__stlink_v2_divisor(pick);
  uint8_t reply[2];
  cmd[1] = STLINK_DEBUG_APIV2_SWD_SET_FREQ;
  cmd[2] = (uint8_t)divisor;
  cmd[3] = (uint8_t)(divisor >> 8);
  swdf_err err = swdf__stlink_cmd(st, cmd, reply, sizeof(reply), true, NULL, "setting the SWD clock");
  if (err == SWDF_OK) {
    st->freq_khz = pick;
  }
  return err;
}
