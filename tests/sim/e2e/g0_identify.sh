#!/bin/sh
# The STM32G071RB and STM32G0B1RE identified by st-info and by OpenOCD's
# target/stm32g0x.cfg through a V2, a V3 and a clone. st-info 1.7 knows the
# G07x (chip id 0x460) but not the G0Bx (0x467): it prints the id and no
# flash size; OpenOCD 0.12 knows both. Debian's pyOCD 0.13 has no G0 target.
swdsim=$1
. "$(dirname "$0")/../../scripts/lib.sh"
. "$(dirname "$0")/peer.sh"
need_tool st-info stlink-tools
need_tool openocd openocd

for probe in v2 v3 clone-j29s7; do
  expect_exit 0 "st-info, G071 via $probe" -- "$swdsim" run --chip stm32g071rb --probe "$probe" -- \
    st-info --probe
  expect_match "$out" "chipid: +0x0460" "st-info reads DEV_ID 0x460 via $probe"
  expect_match "$out" "descr: +G070/G071/G081" "st-info names the G071 via $probe"
  expect_match "$out" "flash: +131072 \(pagesize: 2048\)" "st-info: 128 KiB in 2 KiB pages via $probe"
  expect_match "$out" "sram: +36864" "st-info: 36 KiB of SRAM via $probe"
  expect_exit 0 "st-info, G0B1 via $probe" -- "$swdsim" run --chip stm32g0b1re --probe "$probe" -- \
    st-info --probe
  expect_match "$out" "chipid: +0x0467" "st-info reads DEV_ID 0x467 via $probe"

  for chip in "stm32g071rb 0x20006460 128 single" "stm32g0b1re 0x10006467 512 dual"; do
    set -- $chip
    expect_exit 0 "openocd, $1 via $probe" -- "$swdsim" run --chip "$1" --probe "$probe" -- \
      openocd -c "$ocd_quiet" -f interface/stlink.cfg -f target/stm32g0x.cfg \
      -c "init; flash probe 0; exit"
    expect_match "$err" "Cortex-M0\+ r0p1 processor detected" "openocd finds the Cortex-M0+ ($1, $probe)"
    expect_match "$err" "target has 4 breakpoints, 2 watchpoints" "the M0+ BPU and DWT ($1, $probe)"
    expect_match "$err" "device idcode = $2" "openocd reads DBG_IDCODE ($1, $probe)"
    expect_match "$err" "flash size = $3 KiB" "openocd reads the flash size ($1, $probe)"
    expect_match "$err" "flash mode : $4-bank" "openocd sees the bank mode ($1, $probe)"
  done
done

finish
