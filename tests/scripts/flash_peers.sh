#!/bin/sh
# What swdflash writes, st-flash and openocd read back unchanged (through
# the simulator). Skips (77) only when neither tool is installed.
# usage: flash_peers.sh SWDSIM SWDFLASH FLASHIMG.py CHIP
sim=$1
cli=$2
img=$3
chip=$4
. "$(dirname "$0")/lib.sh"

have_stflash=false
have_openocd=false
command -v st-flash >/dev/null 2>&1 && have_stflash=true
command -v openocd >/dev/null 2>&1 && have_openocd=true
if ! $have_stflash && ! $have_openocd; then
  echo "neither st-flash nor openocd is installed: skipping"
  exit 77
fi
case $chip in
stm32f0*) ocd_target=target/stm32f0x.cfg ;;
stm32f1*) ocd_target=target/stm32f1x.cfg ;;
stm32f3*) ocd_target=target/stm32f3x.cfg ;;
stm32f4*) ocd_target=target/stm32f4x.cfg ;;
stm32g0*) ocd_target=target/stm32g0x.cfg ;;
stm32h7*) ocd_target=target/stm32h7x.cfg ;;
*) echo "no openocd target for $chip" >&2; exit 2 ;;
esac

base=0x08000000
len=49152
state=$tmp/chip.state
run() { "$sim" run --chip "$chip" --state "$state" -- "$@"; }

python3 "$img" random 21 $len "$tmp/image.bin"
expect_exit 0 "swdflash write" -- run "$cli" write "$tmp/image.bin" $base

# st-flash 1.7 does not know the G0B1 (chip id 0x467).
[ "$chip" = stm32g0b1re ] && have_stflash=false
if $have_stflash; then
  expect_exit 0 "st-flash read" -- run st-flash read "$tmp/st.bin" $base $len
  if cmp -s "$tmp/image.bin" "$tmp/st.bin"; then pass; else fail "st-flash read back other data"; fi
else
  echo "st-flash not installed: that part skipped"
fi

if $have_openocd; then
  expect_exit 0 "openocd dump_image" -- run openocd -f interface/stlink.cfg -f $ocd_target \
    -c init -c "reset halt" -c "dump_image $tmp/ocd.bin $base $len" -c shutdown
  if cmp -s "$tmp/image.bin" "$tmp/ocd.bin"; then pass; else fail "openocd read back other data"; fi
  # The H743: one image over both banks (st-flash 1.7 reads only bank 1).
  if [ "$chip" = stm32h743zi ]; then
    span=0x080f0000
    python3 "$img" random 22 131072 "$tmp/span.bin"
    expect_exit 0 "swdflash write over both banks" -- run "$cli" write "$tmp/span.bin" $span
    expect_exit 0 "openocd dump_image over both banks" -- run openocd -f interface/stlink.cfg \
      -f $ocd_target -c init -c "reset halt" -c "dump_image $tmp/ocd2.bin $span 131072" -c shutdown
    if cmp -s "$tmp/span.bin" "$tmp/ocd2.bin"; then pass; else fail "openocd read back other data over both banks"; fi
  fi
else
  echo "openocd not installed: that part skipped"
fi
finish
