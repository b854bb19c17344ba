/*
 * Debug register addresses and bits both halves of swdsim share (the target
 * side's cortex_m.h builds on them): ADIv5 SW-DP and MEM-AP (IHI0031) and
 * ARMv7-M debug (DDI0403, C1.6).
 */
#ifndef SWDSIM_DEBUG_REGS_H
#define SWDSIM_DEBUG_REGS_H

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

/* Addresses do not fit an int enumerator. */
#define CPUID 0xE000ED00u
#define AIRCR 0xE000ED0Cu
#define DHCSR 0xE000EDF0u
#define DCRSR 0xE000EDF4u
#define DCRDR 0xE000EDF8u
#define DEMCR 0xE000EDFCu
#define DBGKEY 0xA05F0000u
#define AIRCR_SYSRESETREQ 0x05FA0004u
#define CTRL_POWERUP_ACK 0xA0000000u /* CSYSPWRUPACK | CDBGPWRUPACK */

enum {
  C_DEBUGEN = 1u << 0,
  C_HALT = 1u << 1,
  C_STEP = 1u << 2,
  S_REGRDY = 1u << 16,
  S_HALT = 1u << 17,
  DCRSR_WRITE = 1u << 16,
};

#endif
