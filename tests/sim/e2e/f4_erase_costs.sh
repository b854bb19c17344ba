#!/bin/sh
# One sector erase of each size on the F446, and what the report charges
# for it: timing model 4 (x8 erase as OpenOCD leaves PSIZE at 0: 16 KiB
# 400 ms, 64 KiB 1200 ms, 128 KiB 2000 ms).
swdsim=$1
. "$(dirname "$0")/../../scripts/lib.sh"
. "$(dirname "$0")/peer.sh"
need_tool openocd openocd

for s in "0 400000" "4 1200000" "5 2000000"; do
  set -- $s
  expect_exit 0 "erase sector $1" -- "$swdsim" run --chip stm32f446re --report "$tmp/e$1.json" -- \
    openocd -c "$ocd_quiet" -f interface/stlink.cfg -f target/stm32f4x.cfg \
    -c "init; halt; flash erase_sector 0 $1 $1; exit"
  expect_equal "$(report_value "$tmp/e$1.json" flash_erase_units)" 1 "one sector erased ($1)"
  expect_equal "$(report_value "$tmp/e$1.json" flash_busy_us)" "$2" "sector $1 erase time"
done

finish
