/*
 * ADIv5 SW-DP and MEM-AP registers and bits (IHI0031) the probe side and its
 * fake target share. The Cortex-M ones are in target/cortex_m.h.
 */
#ifndef SWDSIM_ADIV5_H
#define SWDSIM_ADIV5_H

enum {
  DP_ABORT = 0x0,
  DP_DPIDR = 0x0,
  DP_CTRL_STAT = 0x4,
  DP_SELECT = 0x8,
  DP_RDBUFF = 0xC,

  ABORT_DAPABORT = 1u << 0,
  ABORT_STKERRCLR = 1u << 2,
  ABORT_CLEAR_STICKY = 0x1E, /* STKCMPCLR | STKERRCLR | WDERRCLR | ORUNERRCLR */

  CTRL_STICKYERR = 1u << 5,
  CTRL_CDBGPWRUPREQ = 1u << 28,
  CTRL_CSYSPWRUPREQ = 1u << 30,
  CTRL_POWERUP_REQ = CTRL_CSYSPWRUPREQ | CTRL_CDBGPWRUPREQ,

  AP_CSW = 0x00,
  AP_TAR = 0x04,
  AP_DRW = 0x0C,
  AP_IDR = 0xFC,
  CSW_ADDRINC_SINGLE = 1u << 4,
};

/* Does not fit an int enumerator. */
#define CTRL_POWERUP_ACK 0xA0000000u /* CSYSPWRUPACK | CDBGPWRUPACK */

#endif
