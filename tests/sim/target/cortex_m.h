/*
 * ARMv7-M (Cortex-M3/M4) architecture constants shared by the core model
 * and its tests: debug and system control registers and their bits
 * (ARMv7-M Architecture Reference Manual, B3.2 and C1.6).
 */
#ifndef SWDSIM_CORTEX_M_H
#define SWDSIM_CORTEX_M_H

enum {
  CM_CPUID = 0xE000ED00,
  CM_VTOR = 0xE000ED08,
  CM_AIRCR = 0xE000ED0C,
  CM_CFSR = 0xE000ED28,
  CM_HFSR = 0xE000ED2C,
  CM_DFSR = 0xE000ED30,
  CM_BFAR = 0xE000ED38,
  CM_DHCSR = 0xE000EDF0,
  CM_DCRSR = 0xE000EDF4,
  CM_DCRDR = 0xE000EDF8,
  CM_DEMCR = 0xE000EDFC,
  CM_FP_CTRL = 0xE0002000,
  CM_FP_COMP0 = 0xE0002008,

  DHCSR_KEY = 0xA05Fu << 16,
  C_DEBUGEN = 1u << 0,
  C_HALT = 1u << 1,
  C_STEP = 1u << 2,
  C_MASKINTS = 1u << 3,
  C_SNAPSTALL = 1u << 5,
  S_REGRDY = 1u << 16,
  S_HALT = 1u << 17,
  S_SLEEP = 1u << 18,
  S_LOCKUP = 1u << 19,
  S_RETIRE_ST = 1u << 24,
  S_RESET_ST = 1u << 25,

  DCRSR_REGWNR = 1u << 16,
  DEMCR_VC_CORERESET = 1u << 0,
  DEMCR_VC_HARDERR = 1u << 10,
  DEMCR_TRCENA = 1u << 24,
  DEMCR_MASK = 0x010F07F1,

  AIRCR_VECTKEY = 0x05FAu << 16,
  AIRCR_VECTRESET = 1u << 0,
  AIRCR_SYSRESETREQ = 1u << 2,

  XPSR_T = 1u << 24,

  CFSR_IBUSERR = 1u << 8,
  CFSR_PRECISERR = 1u << 9,
  CFSR_BFARVALID = 1u << 15,
  CFSR_UNDEFINSTR = 1u << 16,
  CFSR_INVSTATE = 1u << 17,
  CFSR_NOCP = 1u << 19,
  HFSR_FORCED = 1u << 30,
  HFSR_DEBUGEVT = 1u << 31,
};

#endif
