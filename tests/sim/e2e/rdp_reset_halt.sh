#!/bin/sh
# The usual rescue of a read-protected chip with OpenOCD, `reset halt` then
# the unlock command, on the F103 and the F446 at RDP level 1. On silicon the
# reset's vector fetch is refused while the debugger is attached, the vector
# catch halts the core at 0xfffffffe and the unlock goes through; after a
# power cycle the chip is erased at level 0.
swdsim=$1
. "$(dirname "$0")/../../scripts/lib.sh"
. "$(dirname "$0")/peer.sh"
need_tool st-flash stlink-tools
need_tool openocd openocd

rescue() { # CHIP TARGET-CFG UNLOCK-COMMAND FLASH-BYTES
  state=$tmp/$1.state
  random_image "$tmp/orig.bin" 65536
  expect_exit 0 "$1: state init RDP 1" -- "$swdsim" state init "$state" --chip "$1" \
    --load "$tmp/orig.bin@0x08000000" --option rdp=1
  expect_exit 0 "$1: openocd reset halt; $3" -- "$swdsim" run --state "$state" \
    --report "$tmp/$1.json" -- openocd -c "$ocd_quiet" -f interface/stlink.cfg -f "target/$2" \
    -c "init; reset halt; $3; reset run; shutdown"
  expect_match "$err" "halted due to debug-request, current mode: Thread" "$1: the core halts"
  expect_match "$err" "pc: 0xfffffffe msp: 0xfffffffc" "$1: at the refused reset vector"
  expect_equal "$(report_value "$tmp/$1.json" mass_erases)" 1 "$1: RDP 1 to 0 mass-erases"
  expect_exit 0 "$1: power cycle" -- "$swdsim" state power-cycle "$state"
  expect_exit 0 "$1: state show --json" -- "$swdsim" state show "$state" --json
  expect_match "$out" '"rdp_level": *0' "$1: level 0 after the power cycle"
  "$swdsim" state dump "$state" 0x08000000 "$4" "$tmp/after.bin"
  erased_image "$tmp/ff.bin" "$4"
  expect_same "$tmp/after.bin" "$tmp/ff.bin" "$1: the chip is erased"
  expect_exit 0 "$1: st-flash reads again" -- "$swdsim" run --state "$state" -- \
    st-flash read "$tmp/st.bin" 0x08000000 4096
  erased_image "$tmp/ff4k.bin" 4096
  expect_same "$tmp/st.bin" "$tmp/ff4k.bin" "$1: readable and blank at level 0"
}

rescue stm32f103c8 stm32f1x.cfg "stm32f1x unlock 0" 65536
rescue stm32f446re stm32f4x.cfg "stm32f2x unlock 0" 524288

finish
