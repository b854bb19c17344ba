#!/bin/sh
# The F446 identified through every probe personality by st-info and by
# OpenOCD's target/stm32f4x.cfg.
swdsim=$1
. "$(dirname "$0")/../../scripts/lib.sh"
. "$(dirname "$0")/peer.sh"
need_tool st-info stlink-tools
need_tool openocd openocd

# kind, firmware as st-info prints it (low field always "S"), as openocd prints it
for p in "v2 V2J37S7 V2J37S7" "v2-1 V2J37S26 V2J37M26" "v3 V3J7S1 V3J7M3B2S1" \
         "clone-j29s7 V2J29S7 V2J29S7" "clone-j37s7 V2J37S7 V2J37S7" "clone-slow V2J37S7 V2J37S7"; do
  set -- $p
  expect_exit 0 "st-info via $1" -- "$swdsim" run --chip stm32f446re --probe "$1" -- st-info --probe
  expect_match "$out" "version: +$2\$" "st-info sees firmware $2 on $1"
  expect_match "$out" "descr: +F446" "st-info identifies the F446 via $1"
  expect_match "$out" "flash: +524288 " "st-info reads 512 KiB of flash via $1"
  expect_exit 0 "openocd via $1" -- "$swdsim" run --chip stm32f446re --probe "$1" -- \
    openocd -c "$ocd_quiet" -f interface/stlink.cfg -f target/stm32f4x.cfg \
    -c "init; flash probe 0; exit"
  expect_match "$err" "STLINK $3 " "openocd sees firmware $3 on $1"
  expect_match "$err" "Cortex-M4 r0p1 processor detected" "openocd finds the Cortex-M4 via $1"
  expect_match "$err" "flash size = 512 KiB" "openocd reads the flash size via $1"
done

finish
