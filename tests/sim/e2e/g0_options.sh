#!/bin/sh
# G0 option bytes changed by OpenOCD (stm32l4x option_write / option_load)
# persist in the state file and move the boot decision as RM0444 §2.5 says;
# RDP 1 -> 0 erases the flash; WRP set by `state init --option` refuses
# programming.
swdsim=$1
. "$(dirname "$0")/../../scripts/lib.sh"
. "$(dirname "$0")/peer.sh"
need_tool openocd openocd

ocd() {
  "$swdsim" run --state "$1" --report "$tmp/report.json" -- \
    openocd -c "$ocd_quiet" -f interface/stlink.cfg -f target/stm32g0x.cfg -c "init; $2; exit"
}
show() { "$swdsim" state show "$1" --json; }

# a program (SP, reset vector) in the flash of a factory G0B1, BOOT0 high
printf '\000\020\000\040\001\001\000\010' > "$tmp/vectors.bin"
st=$tmp/g0b1.state
"$swdsim" state init "$st" --chip stm32g0b1re --load "$tmp/vectors.bin@0x08000000" --option boot0=1
expect_match "$(show "$st")" '"boot": \{"area": "flash", "address": 134217728, "reason": "nBOOT_SEL=1: the BOOT0 pin \(1\) is ignored' \
  "factory options: the BOOT0 pin is ignored"

# nBOOT_SEL = 0, programmed but not loaded: the next reset does not see it
expect_exit 0 "openocd clears nBOOT_SEL" -- ocd "$st" "stm32l4x option_write 0 0x20 0 0x01000000"
json=$(show "$st")
expect_match "$json" '"nboot_sel": 0' "the state holds nBOOT_SEL=0"
expect_match "$json" '"boot": \{"area": "flash"' "a system reset keeps the loaded options"
expect_match "$json" '"boot_after_power_on": \{"area": "system-memory", "address": 536805376, "reason": "nBOOT_SEL=0: BOOT0 pin=1' \
  "after a power-on the pin selects the ROM bootloader"
expect_equal "$(report_value "$tmp/report.json" flash_busy_us)" 23360 "OPTSTRT: 22 ms + 16 x 85 us"
# OBL_LAUNCH loads it
expect_exit 0 "openocd option_load" -- ocd "$st" "stm32l4x option_load 0"
expect_match "$(show "$st")" '"boot": \{"area": "system-memory".*"reason": "nBOOT_SEL=0: BOOT0 pin=1; nBOOT1=1 selects the system memory' \
  "after OBL_LAUNCH BOOT0=1 enters the ROM bootloader"
expect_exit 0 "openocd reads OPTR" -- ocd "$st" "echo [format 0x%08x [read_memory 0x40022020 32 1]]"
expect_match "$err" "^0xfefffeaa\$" "FLASH_OPTR shows nBOOT_SEL=0"
# nBOOT1 = 0: BOOT0 selects the SRAM
expect_exit 0 "openocd clears nBOOT1 and loads" -- ocd "$st" \
  "stm32l4x option_write 0 0x20 0 0x02000000; stm32l4x option_load 0"
expect_match "$(show "$st")" '"boot": \{"area": "sram", "address": 536870912' "nBOOT1=0: SRAM"

# the scenarios: BOOT0 high on factory options changes nothing; an empty
# check from before the flash was written sends a reset to the ROM
# bootloader until a power cycle
st=$tmp/scen.state
"$swdsim" state init "$st" --chip stm32g071rb --load "$tmp/vectors.bin@0x08000000"
expect_exit 0 "openocd under g0-boot0-ignored" -- "$swdsim" run --state "$st" --scenario g0-boot0-ignored \
  -- openocd -c "$ocd_quiet" -f interface/stlink.cfg -f target/stm32g0x.cfg -c "init; reset halt; exit"
expect_match "$(show "$st")" '"boot0": 1, "boot1": 0, "boots_from": "flash"' "BOOT0=1 is ignored"
expect_exit 0 "openocd under g0-empty-check" -- "$swdsim" run --state "$st" --scenario g0-empty-check \
  -- openocd -c "$ocd_quiet" -f interface/stlink.cfg -f target/stm32g0x.cfg -c "init; reset halt; exit"
json=$(show "$st")
expect_match "$json" '"boot": \{"area": "system-memory".*although the flash now holds a program' \
  "the empty check sends a reset to the ROM bootloader"
expect_match "$json" '"boot_after_power_on": \{"area": "flash"' "a power cycle runs the program"
expect_match "$json" '"flash_empty": true' "FLASH_ACR.EMPTY stays set"

# RDP level 1 -> 0 through OpenOCD: the flash is mass-erased (one bank of the
# G071: 22 ms on top of the option change)
random_image "$tmp/img.bin" 8192
st=$tmp/g071.state
"$swdsim" state init "$st" --chip stm32g071rb --load "$tmp/img.bin@0x08000000" --option rdp=1
expect_match "$(show "$st")" '"rdp_level": 1' "the chip starts at level 1"
expect_exit 1 "openocd cannot read flash at level 1" -- ocd "$st" "dump_image $tmp/x.bin 0x08000000 16"
expect_exit 0 "openocd sets RDP level 0" -- ocd "$st" \
  "stm32l4x option_write 0 0x20 0xAA 0xFF; stm32l4x option_load 0"
expect_match "$(show "$st")" '"rdp_level": 0, "rdp_level_active": 0' "level 0 is written and loaded"
expect_equal "$(report_value "$tmp/report.json" mass_erases)" 1 "one mass erase"
expect_equal "$(report_value "$tmp/report.json" flash_busy_us)" 45360 "22 ms + 16 x 85 us + 22 ms"
"$swdsim" state dump "$st" 0x08000000 8192 "$tmp/dump.bin"
erased_image "$tmp/erased.bin" 8192
expect_same "$tmp/dump.bin" "$tmp/erased.bin" "the regression erased the flash"

# WRP from `state init`: pages 0..1 refuse programming
st=$tmp/wrp.state
"$swdsim" state init "$st" --chip stm32g071rb --option wrp1ar=0x00010000
expect_match "$(show "$st")" '"wrp_ranges": \[\{"start": 134217728, "end": 134221824\}\]' \
  "the state shows pages 0-1 protected"
expect_exit 1 "openocd cannot program a protected page" -- ocd "$st" \
  "program $tmp/img.bin 0x08000000"
"$swdsim" state dump "$st" 0x08000000 8192 "$tmp/dump.bin"
expect_same "$tmp/dump.bin" "$tmp/erased.bin" "the protected pages stay erased"

finish
