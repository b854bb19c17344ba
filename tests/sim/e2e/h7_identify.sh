#!/bin/sh
# The H723 and H743 identified by st-info and by OpenOCD's
# target/stm32h7x.cfg through a V2, a V3 and a clone; OpenOCD's dap-direct
# driver on the V3 also reads DBGMCU through AP2 (the debug APB). Debian's
# pyOCD 0.13 has no H7 target, so it is not run here.
swdsim=$1
. "$(dirname "$0")/../../scripts/lib.sh"
. "$(dirname "$0")/peer.sh"
need_tool st-info stlink-tools
need_tool openocd openocd

# chip, st-info description, DEV_ID, KiB, openocd device name, IDCODE
for c in "stm32h723zg H72x/H73x 0x0483 1024 STM32H72x/73x 0x10016483" \
         "stm32h743zi H74x/H75x 0x0450 2048 STM32H74x/75x 0x20036450"; do
  set -- $c
  chip=$1 descr=$2 devid=$3 kib=$4 ocdname=$5 idcode=$6
  for probe in v2 v3 clone-j37s7; do
    expect_exit 0 "st-info $chip via $probe" -- "$swdsim" run --chip "$chip" --probe "$probe" -- \
      st-info --probe
    expect_match "$out" "chipid: +$devid" "st-info reads DEV_ID $devid of the $chip via $probe"
    expect_match "$out" "descr: +$descr" "st-info names the $chip via $probe"
    expect_match "$out" "flash: +$((kib * 1024)) \(pagesize: 131072\)" "st-info: $kib KiB in 128 KiB sectors via $probe"
    expect_exit 0 "openocd $chip via $probe" -- "$swdsim" run --chip "$chip" --probe "$probe" -- \
      openocd -c "$ocd_quiet" -f interface/stlink.cfg -f target/stm32h7x.cfg \
      -c "init; flash probe 0; exit"
    expect_match "$err" "Cortex-M7 r1p[12] processor detected" "openocd finds the Cortex-M7 via $probe"
    expect_match "$err" "Device: $ocdname" "openocd identifies the $chip via $probe"
    expect_match "$err" "flash size probed value ${kib}k" "openocd reads $kib KiB via $probe"
  done
  # dap-direct: DBGMCU through AP2 at 0xE00E1000 and through AP0 at 0x5C001000
  expect_exit 0 "openocd dap-direct $chip" -- "$swdsim" run --chip "$chip" --probe v3 -- \
    openocd -c "$ocd_quiet" -f interface/stlink-dap.cfg -f target/stm32h7x.cfg \
    -c "init; echo \"ap2 [stm32h7x.ap2 read_memory 0xE00E1000 32 2]\"; echo \"ap0 [read_memory 0x5C001000 32 1]\"; exit"
  # examine-end set D1DBGCKEN|D3DBGCKEN|TRACECLKEN and the low-power debug bits through AP2
  expect_match "$out$err" "ap2 $idcode 0x70003f" "AP2 reads the IDCODE and the DBGMCU_CR openocd set ($chip)"
  expect_match "$out$err" "ap0 $idcode" "AP0 reads the same IDCODE at 0x5C001000 ($chip)"
done

# H743 as two flash banks (DUAL_BANK=1), bank 2 at 0x08100000
expect_exit 0 "openocd DUAL_BANK H743" -- "$swdsim" run --chip stm32h743zi -- \
  openocd -c "$ocd_quiet" -f interface/stlink.cfg -c "set DUAL_BANK 1" -f target/stm32h7x.cfg \
  -c "init; flash probe 1; exit"
expect_match "$err" "Bank \(1\) size is 1024 kb, base address is 0x08100000" "openocd finds bank 2"

finish
