/*
 * ARMv7-M (Cortex-M3/M4) constants of the target side and its tests, on top
 * of the debug register names the probe side shares (../debug_regs.h):
 * system control and debug registers and their bits (ARMv7-M Architecture
 * Reference Manual, B3.2 and C1.6). Addresses are macros: they do not fit
 * an int enumerator.
 */
#ifndef SWDSIM_CORTEX_M_H
#define SWDSIM_CORTEX_M_H

#include "debug_regs.h"

#define VTOR 0xE000ED08u
#define CFSR 0xE000ED28u
#define HFSR 0xE000ED2Cu
#define DFSR 0xE000ED30u
#define BFAR 0xE000ED38u
#define FP_CTRL 0xE0002000u
#define FP_COMP0 0xE0002008u

#define AIRCR_KEY 0x05FA0000u
#define HFSR_FORCED 0x40000000u
#define HFSR_DEBUGEVT 0x80000000u

enum {
  C_MASKINTS = 1u << 3,
  C_SNAPSTALL = 1u << 5,
  S_SLEEP = 1u << 18,
  S_LOCKUP = 1u << 19,
  S_RETIRE_ST = 1u << 24,
  S_RESET_ST = 1u << 25,

  DEMCR_VC_CORERESET = 1u << 0,
  DEMCR_VC_HARDERR = 1u << 10,
  DEMCR_TRCENA = 1u << 24,
  DEMCR_MASK = 0x010F07F1,

  AIRCR_VECTRESET_BIT = 1u << 0,
  AIRCR_SYSRESETREQ_BIT = 1u << 2,

  XPSR_T = 1u << 24,

  CFSR_IBUSERR = 1u << 8,
  CFSR_PRECISERR = 1u << 9,
  CFSR_BFARVALID = 1u << 15,
  CFSR_UNDEFINSTR = 1u << 16,
  CFSR_INVSTATE = 1u << 17,
  CFSR_NOCP = 1u << 19,
};

#endif
