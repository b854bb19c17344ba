#!/bin/sh
# OpenOCD 0.12 (HLA and dap-direct drivers) against a simulated ST-Link V2
# and STM32F103C8: program/verify, then a cross-read with st-flash.
swdsim=$1
. "$(dirname "$0")/../../scripts/lib.sh"
. "$(dirname "$0")/peer.sh"
need_tool openocd openocd

run() { "$swdsim" run --chip stm32f103c8 --state "$tmp/chip.state" "$@"; }

random_image "$tmp/image.bin" 65536
expect_exit 0 "openocd program verify" -- run -- openocd -c "$ocd_quiet" -f interface/stlink.cfg \
  -f target/stm32f1x.cfg -c "program $tmp/image.bin 0x08000000 verify reset exit"
expect_match "$err" "Verified OK" "openocd verified the image"
expect_exit 0 "state dump" -- "$swdsim" state dump "$tmp/chip.state" 0x08000000 65536 "$tmp/dump.bin"
expect_same "$tmp/dump.bin" "$tmp/image.bin" "flash holds the image after openocd"

if command -v st-flash >/dev/null 2>&1; then
  expect_exit 0 "st-flash read" -- run -- st-flash read "$tmp/read.bin" 0x08000000 65536
  expect_same "$tmp/read.bin" "$tmp/image.bin" "st-flash reads back what openocd wrote"
fi

# The dap-direct driver (READ/WRITE_DAP_REG, RW_MISC batches).
random_image "$tmp/image2.bin" 4096
expect_exit 0 "openocd dap-direct program" -- run -- openocd -c "$ocd_quiet" -f interface/stlink-dap.cfg \
  -c "transport select dapdirect_swd" -f target/stm32f1x.cfg \
  -c "program $tmp/image2.bin 0x08004000 verify exit"
expect_exit 0 "state dump" -- "$swdsim" state dump "$tmp/chip.state" 0x08004000 4096 "$tmp/dump2.bin"
expect_same "$tmp/dump2.bin" "$tmp/image2.bin" "flash holds the dap-direct image"

finish
