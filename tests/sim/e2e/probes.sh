#!/bin/sh
# Several probes on one bus, each with its own chip, chosen by serial; a
# probe that starts in DFU mode; binary serials as the tools print them.
swdsim=$1
. "$(dirname "$0")/../../scripts/lib.sh"
. "$(dirname "$0")/peer.sh"
need_tool st-flash stlink-tools
need_tool openocd openocd

v21=066DFF485457725187212430
clone=4B0E1F064857504841321567
two() { "$swdsim" run --chip stm32f103c8 --state "$tmp/chip.state" --probe v2 --probe "v2-1:$v21" "$@"; }

expect_exit 0 "st-info --probe sees both" -- two -- st-info --probe
expect_match "$out" "Found 2 stlink programmers" "two probes"
expect_match "$out" "serial: +55FF6B064978515430141887" "the V2's binary serial, in hex"
expect_match "$out" "serial: +$v21" "the V2-1's ASCII serial"

random_image "$tmp/image.bin" 4096
expect_exit 0 "st-flash --serial picks the second probe" -- two -- \
  st-flash --serial "$v21" write "$tmp/image.bin" 0x08000000
"$swdsim" state dump "$tmp/chip.state.2" 0x08000000 4096 "$tmp/second.bin"
expect_same "$tmp/second.bin" "$tmp/image.bin" "the second probe's chip got the image"
if [ -e "$tmp/chip.state" ]; then
  "$swdsim" state dump "$tmp/chip.state" 0x08000000 4096 "$tmp/first.bin"
  erased_image "$tmp/ff.bin" 4096
  expect_same "$tmp/first.bin" "$tmp/ff.bin" "the first probe's chip is untouched"
else
  pass
fi

# OpenOCD matches a binary serial through its hex form.
expect_exit 0 "openocd adapter serial with a binary serial" -- \
  "$swdsim" run --probe v2 --probe "clone-j29s7:$clone" -- openocd -c "$ocd_quiet" \
  -f interface/stlink.cfg -c "adapter serial $clone" -f target/stm32f1x.cfg -c "init; exit"
expect_match "$err" "STLINK V2J29S7" "openocd opened the clone"
expect_exit 1 "openocd with an unknown serial" -- "$swdsim" run --probe v2 -- openocd -c "$ocd_quiet" \
  -f interface/stlink.cfg -c "adapter serial 000000000000000000000000" -f target/stm32f1x.cfg \
  -c "init; exit"

# A probe in DFU mode at power-up: the tools leave it first.
for kind in v2 v3; do
  expect_exit 0 "st-info with $kind in DFU mode" -- "$swdsim" run --probe "$kind::dfu" -- st-info --probe
  expect_match "$out" "F1xx Medium-density" "st-info reaches the chip through $kind from DFU mode"
  expect_exit 0 "openocd with $kind in DFU mode" -- "$swdsim" run --probe "$kind::dfu" -- \
    openocd -d3 -c "$ocd_quiet" -f interface/stlink.cfg -f target/stm32f1x.cfg -c "init; exit"
  expect_match "$err" "MODE: 0x00" "openocd saw DFU mode on $kind"
  expect_match "$err" "Cortex-M3 r1p1 processor detected" "openocd reaches the chip through $kind"
done

finish
