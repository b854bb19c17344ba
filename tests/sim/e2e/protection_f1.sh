#!/bin/sh
# Protection on the F103C8 as both peer tools meet it: writes to
# write-protected pages fail and change nothing; under RDP level 1 the
# debugger cannot read flash (AP faults: openocd fails, st-flash 1.7, which
# does not check the status of reads, gets zeros).
swdsim=$1
. "$(dirname "$0")/../../scripts/lib.sh"
. "$(dirname "$0")/peer.sh"
need_tool st-flash stlink-tools
need_tool openocd openocd

random_image "$tmp/orig.bin" 65536
random_image "$tmp/new.bin" 8192

# Pages 0-3 (0x08000000-0x08000FFF) write-protected: WRP0 bit 0 cleared.
expect_exit 0 "state init with WRP" -- "$swdsim" state init "$tmp/wrp.state" --chip stm32f103c8 \
  --load "$tmp/orig.bin@0x08000000" --option wrp0=0xFE
expect_exit 0 "state show" -- "$swdsim" state show "$tmp/wrp.state"
expect_match "$out" "0x08000000-0x08000FFF" "the state shows the protected range"

expect_exit 255 "st-flash write to protected pages fails" -- \
  "$swdsim" run --state "$tmp/wrp.state" -- st-flash write "$tmp/new.bin" 0x08000000
expect_match "$err" "write protected" "st-flash says why"
"$swdsim" state dump "$tmp/wrp.state" 0x08000000 65536 "$tmp/after1.bin"
expect_same "$tmp/after1.bin" "$tmp/orig.bin" "flash unchanged after st-flash"

expect_exit 1 "openocd program to protected pages fails" -- \
  "$swdsim" run --state "$tmp/wrp.state" -- openocd -c "$ocd_quiet" -f interface/stlink.cfg \
  -f target/stm32f1x.cfg -c "program $tmp/new.bin 0x08000000 verify reset exit"
expect_match "$err" "Programming Failed" "openocd reports the failure"
"$swdsim" state dump "$tmp/wrp.state" 0x08000000 65536 "$tmp/after2.bin"
expect_same "$tmp/after2.bin" "$tmp/orig.bin" "flash unchanged after openocd"

# Unprotected pages can still be written.
expect_exit 0 "st-flash write beyond the protected pages" -- \
  "$swdsim" run --state "$tmp/wrp.state" -- st-flash write "$tmp/new.bin" 0x08001000
"$swdsim" state dump "$tmp/wrp.state" 0x08001000 8192 "$tmp/after3.bin"
expect_same "$tmp/after3.bin" "$tmp/new.bin" "unprotected pages written"

# RDP level 1: reads fail.
expect_exit 0 "state init with RDP 1" -- "$swdsim" state init "$tmp/rdp.state" --chip stm32f103c8 \
  --load "$tmp/orig.bin@0x08000000" --option rdp=1
expect_exit 1 "openocd cannot read under RDP 1" -- \
  "$swdsim" run --state "$tmp/rdp.state" -- openocd -c "$ocd_quiet" -f interface/stlink.cfg \
  -f target/stm32f1x.cfg -c "init; dump_image $tmp/ocd.bin 0x08000000 4096; exit"
if [ -s "$tmp/ocd.bin" ] && cmp -s "$tmp/ocd.bin" "$tmp/orig.bin"; then
  fail "openocd read protected flash"
else
  pass
fi
"$swdsim" run --state "$tmp/rdp.state" -- st-flash read "$tmp/st.bin" 0x08000000 4096 \
  >/dev/null 2>&1
head -c 4096 /dev/zero > "$tmp/zero.bin"
expect_same "$tmp/st.bin" "$tmp/zero.bin" "st-flash gets zeros, not the flash, under RDP 1"
"$swdsim" state dump "$tmp/rdp.state" 0x08000000 65536 "$tmp/after4.bin"
expect_same "$tmp/after4.bin" "$tmp/orig.bin" "reading changed nothing"

finish
