#!/bin/sh
# stlink-tools 1.7 (st-info, st-flash) against a simulated ST-Link V2 and
# STM32F103C8: identification, write/read/erase with the state file as the
# oracle, and the report's flash busy time against the timing model.
swdsim=$1
. "$(dirname "$0")/../../scripts/lib.sh"
. "$(dirname "$0")/peer.sh"
need_tool st-flash stlink-tools
need_tool st-info stlink-tools

run() { "$swdsim" run --chip stm32f103c8 --state "$tmp/chip.state" "$@"; }

expect_exit 0 "st-info --probe" -- run -- st-info --probe
expect_match "$out" "Found 1 stlink programmers" "one probe found"
expect_match "$out" "serial: +55FF6B064978515430141887" "probe serial"
expect_match "$out" "flash: +65536 " "64 KiB flash"
expect_match "$out" "sram: +20480" "20 KiB SRAM"
expect_match "$out" "F1xx Medium-density" "F1 medium density"

random_image "$tmp/image.bin" 65536
expect_exit 0 "st-flash write" -- run --report "$tmp/write.json" -- \
  st-flash write "$tmp/image.bin" 0x08000000
expect_exit 0 "state dump" -- "$swdsim" state dump "$tmp/chip.state" 0x08000000 65536 "$tmp/dump.bin"
expect_same "$tmp/dump.bin" "$tmp/image.bin" "flash holds the image after st-flash write"

# 64 KiB = 32768 half-words at 52.5 us, 64 pages of 1 KiB at 40 ms each.
expect_equal "$(report_value "$tmp/write.json" flash_program_units)" 32768 "half-words programmed"
expect_equal "$(report_value "$tmp/write.json" flash_erase_units)" 64 "pages erased"
expect_equal "$(report_value "$tmp/write.json" flash_busy_us)" 4280320 "flash busy time"

expect_exit 0 "st-flash read" -- run -- st-flash read "$tmp/read.bin" 0x08000000 65536
expect_same "$tmp/read.bin" "$tmp/image.bin" "st-flash read in a new process gives the image back"

expect_exit 0 "st-flash erase" -- run -- st-flash erase
expect_exit 0 "state dump after erase" -- \
  "$swdsim" state dump "$tmp/chip.state" 0x08000000 65536 "$tmp/erased.bin"
erased_image "$tmp/ff.bin" 65536
expect_same "$tmp/erased.bin" "$tmp/ff.bin" "st-flash erase leaves all 0xFF"

finish
