#!/bin/sh
# Random images written to G0 chips by st-flash and by OpenOCD leave the
# exact bytes in the state file, the other tool reads them back, and the
# report charges the timing model: 85 us per double word, 22 ms per 2 KiB
# page. On the G0B1 the OpenOCD write crosses from bank 1 into bank 2
# (0x08040000); st-flash 1.7 does not know the G0B1 (chip id 0x467), so it
# neither writes nor reads it. Programming over data fails with PROGERR.
swdsim=$1
. "$(dirname "$0")/../../scripts/lib.sh"
. "$(dirname "$0")/peer.sh"
need_tool st-flash stlink-tools
need_tool openocd openocd

ocd() {
  "$swdsim" run --probe "$1" --state "$2" --report "$tmp/report.json" -- \
    openocd -c "$ocd_quiet" -f interface/stlink.cfg -f target/stm32g0x.cfg -c "init; reset halt; $3; exit"
}

# OpenOCD: 16 KiB from 0x0803E000, four pages in each bank
random_image "$tmp/cross.bin" 16384
"$swdsim" state init "$tmp/g0b1.state" --chip stm32g0b1re
expect_exit 0 "openocd programs across the G0B1 bank boundary" -- \
  ocd v3 "$tmp/g0b1.state" "program $tmp/cross.bin 0x0803E000 verify"
expect_match "$out$err" "Verified OK" "openocd verifies the G0B1 write"
"$swdsim" state dump "$tmp/g0b1.state" 0x0803E000 16384 "$tmp/cross_dump.bin"
expect_same "$tmp/cross_dump.bin" "$tmp/cross.bin" "the G0B1 holds the image in both banks"
expect_equal "$(report_value "$tmp/report.json" flash_program_units)" 2048 "2048 double words"
expect_equal "$(report_value "$tmp/report.json" flash_erase_units)" 8 "8 pages erased"
expect_equal "$(report_value "$tmp/report.json" flash_busy_us)" 350080 \
  "2048 x 85 us + 8 x 22 ms of flash time"
"$swdsim" state dump "$tmp/g0b1.state" 0x0803C000 8192 "$tmp/before.bin"
erased_image "$tmp/erased.bin" 8192
expect_same "$tmp/before.bin" "$tmp/erased.bin" "nothing outside the image was touched"

# over programmed data: the loader stops with PROGERR, the bytes stay
expect_exit 1 "openocd writes over data without erasing" -- \
  ocd v2 "$tmp/g0b1.state" "flash write_bank 0 $tmp/cross.bin 0x3E000"
expect_match "$err" "flash write failed = 0*8\$" "FLASH_SR shows PROGERR"
"$swdsim" state dump "$tmp/g0b1.state" 0x0803E000 16384 "$tmp/cross_dump.bin"
expect_same "$tmp/cross_dump.bin" "$tmp/cross.bin" "the G0B1 still holds the image"

# st-flash on the G071, OpenOCD reads it back
random_image "$tmp/a.bin" 20000
"$swdsim" state init "$tmp/g071.state" --chip stm32g071rb
expect_exit 0 "st-flash writes the G071" -- "$swdsim" run --probe v2 --state "$tmp/g071.state" \
  --report "$tmp/report.json" -- st-flash write "$tmp/a.bin" 0x08001000
"$swdsim" state dump "$tmp/g071.state" 0x08001000 20000 "$tmp/a_dump.bin"
expect_same "$tmp/a_dump.bin" "$tmp/a.bin" "the G071 holds the st-flash image"
expect_equal "$(report_value "$tmp/report.json" flash_program_units)" 2500 "2500 double words"
expect_equal "$(report_value "$tmp/report.json" flash_busy_us)" 432500 \
  "2500 x 85 us + 10 x 22 ms of flash time"
expect_exit 0 "openocd reads the G071" -- ocd v3 "$tmp/g071.state" "dump_image $tmp/a_read.bin 0x08001000 20000"
expect_same "$tmp/a_read.bin" "$tmp/a.bin" "openocd reads back what st-flash wrote"

# OpenOCD on the G071, st-flash reads it back
random_image "$tmp/b.bin" 131072
expect_exit 0 "openocd programs the whole G071" -- ocd clone-j29s7 "$tmp/g071.state" \
  "program $tmp/b.bin 0x08000000 verify"
"$swdsim" state dump "$tmp/g071.state" 0x08000000 131072 "$tmp/b_dump.bin"
expect_same "$tmp/b_dump.bin" "$tmp/b.bin" "the G071 holds the openocd image"
expect_exit 0 "st-flash reads the G071" -- "$swdsim" run --probe v2 --state "$tmp/g071.state" -- \
  st-flash read "$tmp/b_read.bin" 0x08000000 131072
expect_same "$tmp/b_read.bin" "$tmp/b.bin" "st-flash reads back what openocd wrote"

finish
