#!/bin/sh
# Random images of 16 KiB, 200 KiB and 512 KiB written to the F446 by OpenOCD:
# the state file holds exactly the image and st-flash reads it back.
swdsim=$1
. "$(dirname "$0")/../../scripts/lib.sh"
. "$(dirname "$0")/peer.sh"
need_tool st-flash stlink-tools
need_tool openocd openocd

for kib in 16 200 512; do
  bytes=$((kib * 1024))
  random_image "$tmp/img$kib.bin" $bytes

  oc="$tmp/ocd$kib.state"
  expect_exit 0 "openocd program $kib KiB" -- "$swdsim" run --chip stm32f446re --state "$oc" -- \
    openocd -c "$ocd_quiet" -f interface/stlink.cfg -f target/stm32f4x.cfg \
    -c "program $tmp/img$kib.bin 0x08000000 verify reset exit"
  expect_match "$err" "Verified OK" "openocd verified $kib KiB"
  "$swdsim" state dump "$oc" 0x08000000 $bytes "$tmp/dump_ocd$kib.bin"
  expect_same "$tmp/dump_ocd$kib.bin" "$tmp/img$kib.bin" "openocd wrote $kib KiB exactly"
  expect_exit 0 "st-flash reads what openocd wrote ($kib KiB)" -- "$swdsim" run --state "$oc" -- \
    st-flash read "$tmp/st$kib.bin" 0x08000000 $bytes
  expect_same "$tmp/st$kib.bin" "$tmp/img$kib.bin" "st-flash reads back $kib KiB"
done

finish
