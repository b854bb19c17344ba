#!/bin/sh
# F446 at RDP level 1: neither tool can read the flash; OpenOCD's
# `stm32f2x unlock 0` and a power cycle leave it erased at level 0.
swdsim=$1
. "$(dirname "$0")/../../scripts/lib.sh"
. "$(dirname "$0")/peer.sh"
need_tool st-flash stlink-tools
need_tool openocd openocd

random_image "$tmp/orig.bin" 65536
state=$tmp/rdp.state
expect_exit 0 "state init RDP 1" -- "$swdsim" state init "$state" --chip stm32f446re \
  --load "$tmp/orig.bin@0x08000000" --option rdp=1
expect_exit 0 "state show --json" -- "$swdsim" state show "$state" --json
expect_match "$out" '"rdp_level": *1' "level 1 set"

expect_exit 1 "openocd cannot read" -- "$swdsim" run --state "$state" -- openocd -c "$ocd_quiet" \
  -f interface/stlink.cfg -f target/stm32f4x.cfg -c "init; halt; dump_image $tmp/ocd.bin 0x08000000 4096; exit"
"$swdsim" run --state "$state" -- st-flash read "$tmp/st.bin" 0x08000000 4096 >/dev/null 2>&1
head -c 4096 /dev/zero > "$tmp/zero.bin"
expect_same "$tmp/st.bin" "$tmp/zero.bin" "st-flash gets zeros, not the flash"

expect_exit 0 "openocd stm32f2x unlock 0" -- "$swdsim" run --state "$state" --report "$tmp/unlock.json" -- \
  openocd -c "$ocd_quiet" -f interface/stlink.cfg -f target/stm32f4x.cfg \
  -c "init; halt; stm32f2x unlock 0; exit"
expect_equal "$(report_value "$tmp/unlock.json" mass_erases)" 1 "RDP 1 to 0 mass-erases"
expect_exit 0 "power cycle" -- "$swdsim" state power-cycle "$state"
expect_exit 0 "state show --json" -- "$swdsim" state show "$state" --json
expect_match "$out" '"rdp_level": *0' "level 0 after the power cycle"
"$swdsim" state dump "$state" 0x08000000 524288 "$tmp/after.bin"
erased_image "$tmp/ff.bin" 524288
expect_same "$tmp/after.bin" "$tmp/ff.bin" "the chip is erased"
expect_exit 0 "st-flash reads again" -- "$swdsim" run --state "$state" -- \
  st-flash read "$tmp/st2.bin" 0x08000000 4096
erased_image "$tmp/ff4k.bin" 4096
expect_same "$tmp/st2.bin" "$tmp/ff4k.bin" "readable and blank at level 0"

finish
