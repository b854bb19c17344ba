/*
 * Just enough Thumb-2 decoding for the idle-loop detector (core.c): which
 * instructions may change memory or special state, and which put the core to
 * sleep. Encodings: ARMv7-M Architecture Reference Manual, A5.
 */
#include "target.h"

bool thumb_is_32bit(uint16_t hw1)
{
  return (hw1 & 0xE000) == 0xE000 && (hw1 & 0x1800) != 0;
}

/* ARMv6-M ARM A5.2 and A5.5: of the 16-bit encodings, CBZ/CBNZ and IT are
 * ARMv7-M only; of the 32-bit ones only BL, MSR, MRS, DSB, DMB and ISB
 * exist. Everything else is UNDEFINED on a Cortex-M0/M0+. */
bool thumb_v6m_defined(uint16_t hw1, uint16_t hw2)
{
  if (!thumb_is_32bit(hw1)) {
    if ((hw1 & 0xF500) == 0xB100) /* CBZ, CBNZ */
      return false;
    return !((hw1 & 0xFF00) == 0xBF00 && (hw1 & 0x000F) != 0); /* IT */
  }
  if ((hw1 & 0xF800) == 0xF000 && (hw2 & 0xD000) == 0xD000) /* BL */
    return true;
  if ((hw1 & 0xFFF0) == 0xF380 && (hw2 & 0xD000) == 0x8000) /* MSR */
    return true;
  if (hw1 == 0xF3EF && (hw2 & 0xD000) == 0x8000) /* MRS */
    return true;
  return hw1 == 0xF3BF && (hw2 & 0xFF00) == 0x8F00 && /* DSB, DMB, ISB */
         ((hw2 >> 4) & 0xF) >= 4 && ((hw2 >> 4) & 0xF) <= 6;
}

static bool side_effects_16(uint16_t hw)
{
  switch (hw >> 12) {
  case 0x5: /* load/store register offset: STR, STRH, STRB are opB 0..2 */
    return ((hw >> 9) & 7) <= 2;
  case 0x6: /* STR/LDR immediate, STRB/LDRB, STRH/LDRH, SP-relative: L = bit 11 */
  case 0x7:
  case 0x8:
  case 0x9:
    return (hw & 0x0800) == 0;
  case 0xB:
    if ((hw & 0x0E00) == 0x0400) /* PUSH */
      return true;
    if ((hw & 0xFFE0) == 0xB660) /* CPS changes PRIMASK/FAULTMASK */
      return true;
    return false;
  case 0xC: /* STM/LDM */
    return (hw & 0x0800) == 0;
  case 0xD: /* SVC */
    return (hw & 0x0F00) == 0x0F00;
  default:
    return false;
  }
}

static bool side_effects_32(uint16_t hw1, uint16_t hw2)
{
  if ((hw1 & 0xFE00) == 0xE800) /* load/store multiple, dual, exclusive: L = bit 4 */
    return (hw1 & 0x0010) == 0;
  if ((hw1 & 0xFE00) == 0xEA00) /* data processing, shifted register */
    return false;
  if ((hw1 & 0xEC00) == 0xEC00) /* coprocessor and floating point */
    return true;
  if ((hw1 & 0xF800) == 0xF000) {
    if ((hw2 & 0x8000) == 0)
      return false; /* data processing, immediate */
    /* branches and miscellaneous control: MSR writes special registers */
    return (hw1 & 0xFFE0) == 0xF380 && (hw2 & 0xD000) == 0x8000;
  }
  if ((hw1 & 0xFF10) == 0xF800) /* STRB, STRH, STR (all forms) */
    return true;
  return false;
}

bool thumb_has_side_effects(uint16_t hw1, uint16_t hw2)
{
  return thumb_is_32bit(hw1) ? side_effects_32(hw1, hw2) : side_effects_16(hw1);
}

bool thumb_is_sleep(uint16_t hw1, uint16_t hw2)
{
  if (hw1 == 0xBF30 || hw1 == 0xBF20) /* WFI, WFE */
    return true;
  return hw1 == 0xF3AF && (hw2 == 0x8003 || hw2 == 0x8002);
}

bool thumb_is_sev(uint16_t hw1, uint16_t hw2)
{
  return hw1 == 0xBF40 || (hw1 == 0xF3AF && hw2 == 0x8004);
}

/* CPS (A6.7.28) and MSR to PRIMASK, BASEPRI, BASEPRI_MAX or FAULTMASK
 * (SYSm 16-19, B5.2.3). */
bool thumb_changes_mask(uint16_t hw1, uint16_t hw2)
{
  if ((hw1 & 0xFFE8) == 0xB660)
    return true;
  return (hw1 & 0xFFF0) == 0xF380 && (hw2 & 0xFF00) == 0x8800 && (hw2 & 0xFF) >= 16 &&
         (hw2 & 0xFF) <= 20;
}
