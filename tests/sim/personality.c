/* The probe personalities swdsim can present (stlink-protocol.md 1, 3.2, 8). */
#include "probe.h"

#include <string.h>

/* Timing model section 1 and 2. */
#define FULL_SPEED .max_packet = 64, .high_speed = false, .usb_fixed_ns = 125000, .usb_byte_ns = 850
#define HIGH_SPEED .max_packet = 512, .high_speed = true, .usb_fixed_ns = 40000, .usb_byte_ns = 25
#define V2_ENDPOINTS .ep_out = 0x02, .ep_in = 0x81, .ep_trace = 0x83
#define V21_ENDPOINTS .ep_out = 0x01, .ep_in = 0x81, .ep_trace = 0x82

static const sim_probe_kind kinds[] = {
  {
    .name = "v2",
    .description = "ST-LINK/V2 dongle, firmware V2J37S7, binary serial",
    .pid = 0x3748, .product = "STM32 STLink",
    .hw = 2, .jtag = 37, .swim = 7,
    V2_ENDPOINTS, FULL_SPEED,
    .firmware_ns = 20000, .default_swd_khz = 1800,
    .binary_serial = true, .default_serial = "55FF6B064978515430141887",
  },
  {
    .name = "v2-1",
    .description = "ST-LINK/V2-1 (Nucleo/Discovery on-board), firmware V2J37M26, ASCII serial",
    .pid = 0x374B, .product = "STM32 STLink",
    .hw = 2, .jtag = 37, .msd = 26,
    V21_ENDPOINTS, FULL_SPEED,
    .firmware_ns = 20000, .default_swd_khz = 1800,
    .binary_serial = false, .default_serial = "066DFF485457725187212429",
  },
  {
    .name = "v3",
    .description = "STLINK-V3SET, firmware V3J7M3B2S1, high-speed USB, ASCII serial",
    .pid = 0x374F, .product = "STLINK-V3",
    .hw = 3, .jtag = 7, .msd = 3, .bridge = 2, .swim = 1,
    V21_ENDPOINTS, HIGH_SPEED,
    .firmware_ns = 8000, .default_swd_khz = 1000,
    .binary_serial = false, .default_serial = "002F00283438510B34313939",
  },
  {
    .name = "clone-j29s7",
    .description = "ST-LINK/V2 clone, firmware V2J29S7, binary serial",
    .pid = 0x3748, .product = "STM32 STLink",
    .hw = 2, .jtag = 29, .swim = 7,
    V2_ENDPOINTS, FULL_SPEED,
    .firmware_ns = 20000, .default_swd_khz = 1800,
    .binary_serial = true, .default_serial = "4B0E1F064857504841321567",
  },
  {
    .name = "clone-j37s7",
    .description = "ST-LINK/V2 clone, firmware V2J37S7, binary serial",
    .pid = 0x3748, .product = "STM32 STLink",
    .hw = 2, .jtag = 37, .swim = 7,
    V2_ENDPOINTS, FULL_SPEED,
    .firmware_ns = 20000, .default_swd_khz = 1800,
    .binary_serial = true, .default_serial = "37FF71064E57343644321243",
  },
  {
    .name = "clone-slow",
    .description = "ST-LINK/V2 clone, firmware V2J37S7, probe firmware twice as slow per command",
    .pid = 0x3748, .product = "STM32 STLink",
    .hw = 2, .jtag = 37, .swim = 7,
    V2_ENDPOINTS, FULL_SPEED,
    .firmware_ns = 40000, .default_swd_khz = 1800,
    .binary_serial = true, .default_serial = "0A0F1E0349135043F6313043",
  },
};

const sim_probe_kind *sim_probe_kind_at(int index)
{
  if (index < 0 || (size_t)index >= sizeof kinds / sizeof kinds[0])
    return NULL;
  return &kinds[index];
}

const sim_probe_kind *sim_probe_kind_find(const char *name)
{
  for (int i = 0; sim_probe_kind_at(i); i++)
    if (strcmp(kinds[i].name, name) == 0)
      return &kinds[i];
  return NULL;
}
