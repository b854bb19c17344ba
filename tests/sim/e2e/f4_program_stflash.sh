#!/bin/sh
# Random images of 16 KiB, 200 KiB and 512 KiB written to the F446 by st-flash:
# the state file holds exactly the image and OpenOCD reads it back.
swdsim=$1
. "$(dirname "$0")/../../scripts/lib.sh"
. "$(dirname "$0")/peer.sh"
need_tool st-flash stlink-tools
need_tool openocd openocd

ocd_read() { # STATE OUT LEN
  "$swdsim" run --chip stm32f446re --state "$1" -- openocd -c "$ocd_quiet" \
    -f interface/stlink.cfg -f target/stm32f4x.cfg -c "init; halt; dump_image $2 0x08000000 $3; exit"
}

for kib in 16 200 512; do
  bytes=$((kib * 1024))
  random_image "$tmp/img$kib.bin" $bytes

  st="$tmp/st$kib.state"
  expect_exit 0 "st-flash write $kib KiB" -- "$swdsim" run --chip stm32f446re --state "$st" -- \
    st-flash write "$tmp/img$kib.bin" 0x08000000
  "$swdsim" state dump "$st" 0x08000000 $bytes "$tmp/dump_st$kib.bin"
  expect_same "$tmp/dump_st$kib.bin" "$tmp/img$kib.bin" "st-flash wrote $kib KiB exactly"
  expect_exit 0 "openocd reads what st-flash wrote ($kib KiB)" -- ocd_read "$st" "$tmp/ocd$kib.bin" $bytes
  expect_same "$tmp/ocd$kib.bin" "$tmp/img$kib.bin" "openocd reads back $kib KiB"

done

finish
