#!/bin/sh
# USB faults as the peer tools meet them: no crash, a clean failure.
# (st-flash 1.7 is left out of the disconnect case: its flash-busy wait
# loops forever once every USB transfer fails, as it would on hardware.)
swdsim=$1
. "$(dirname "$0")/../../scripts/lib.sh"
. "$(dirname "$0")/peer.sh"
need_tool openocd openocd
need_tool st-info stlink-tools

random_image "$tmp/image.bin" 65536
expect_exit 1 "openocd loses the probe mid-write" -- "$swdsim" run --state "$tmp/chip.state" \
  --fault usb-disconnect@500 -- openocd -c "$ocd_quiet" -f interface/stlink.cfg \
  -f target/stm32f1x.cfg -c "program $tmp/image.bin 0x08000000 verify reset exit"
expect_match "$err" "Programming Failed|communication failure" "openocd reports the failure"

expect_exit 1 "openocd with a stalled endpoint at connect" -- "$swdsim" run --fault usb-stall@3 -- \
  openocd -c "$ocd_quiet" -f interface/stlink.cfg -f target/stm32f1x.cfg -c "init; exit"
expect_match "$err" "init mode failed" "openocd cannot connect"

for f in usb-stall@3 usb-timeout@3 usb-disconnect@3; do
  expect_exit 0 "st-info survives $f" -- "$swdsim" run --fault "$f" -- st-info --probe
done
expect_exit 0 "st-info after a timeout" -- "$swdsim" run --fault usb-timeout@3 -- st-info --probe
expect_match "$out" "F1xx Medium-density" "st-info recovers from a single timeout"

finish
